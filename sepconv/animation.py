"""Scan animations, driven by one table of named configurations.

Every animation in the book is one row of :data:`CONFIGURATIONS` (in the
spirit of vdumoulin's *conv_arithmetic*): a name, a kind of scene and the
shapes. The number of frames is derived from those shapes (through
:func:`sepconv.counting.scan_positions`), never typed. Each frame shows the
window, the products being summed and a running count of multiplications;
the count after the last frame equals the closed form of
:mod:`sepconv.counting` (the tests check it).

The output is a small self-contained HTML player (:func:`frames_to_html`,
from the private module ``sepconv._player`` that the widgets' scrubbers
share): the first frame as an image of known size, buttons, a frame slider,
and a script that needs no element id and no external resource. The frames
are palette PNGs kept under a byte budget; a frame that would not fit raises
an error instead of being dropped.

Colours follow :mod:`sepconv.plotting`: inputs blue, kernels and windows
orange, outputs green, intermediates purple, zero padding grey.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from . import core, counting, kernels
from . import plotting as pl
from ._player import (
    FRAME_STYLE,
    MAX_HTML_BYTES,
    AnimationHTML,
    figure_png,
    frames_to_html,
    render_figure_frames,
)
from ._validation import check_int, fail

__all__ = [
    "CONFIGURATIONS",
    "MAX_HTML_BYTES",
    "AnimationConfig",
    "AnimationHTML",
    "Step",
    "animation",
    "animation_html",
    "animation_steps",
    "frames_to_html",
    "render_figure_frames",
    "render_frame",
]

#: Resolution of the frames.
_DPI = 100


@dataclass(frozen=True)
class AnimationConfig:
    """One row of the table of animations.

    Attributes
    ----------
    name : str
        Key in :data:`CONFIGURATIONS`, also the player's ``data-animation``.
    kind : str
        The scene: ``"correlate"`` (one 2-D kernel scanning an image),
        ``"column_pass"`` / ``"row_pass"`` (the two passes of a separable
        kernel), ``"depthwise"``, ``"pointwise"`` (one 1x1xD filter),
        ``"pointwise_stack"`` (many pointwise filters), ``"transposed"``,
        ``"grouped_shuffle"``.
    title : str
        The caption drawn on every frame.
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)``.
    kernel_size : (kh, kw)
        Kernel shape (for the separable passes: of the full kernel).
    stride, padding, dilation : int
        As in :func:`sepconv.core.correlate2d`.
    out_channels, groups : int
        For pointwise and grouped scenes.
    kernel : str
        ``"sobel_x"`` or ``"random"`` (small seeded integers).
    seed : int
        Seed of the small integer input (and random kernels).
    """

    name: str
    kind: str
    title: str
    input_shape: tuple
    kernel_size: tuple = (3, 3)
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    out_channels: int = 1
    groups: int = 1
    kernel: str = "random"
    seed: int = 0


#: The table of animations, by name.
CONFIGURATIONS = MappingProxyType(
    {
        c.name: c
        for c in (
            AnimationConfig(
                "full_3x3",
                "correlate",
                "3×3 kernel on a 5×5 image",
                (5, 5),
                kernel="sobel_x",
            ),
            AnimationConfig(
                "column_pass",
                "column_pass",
                "3×1 pass: 3 × 5 positions build the 3×5 intermediate",
                (5, 5),
                kernel="sobel_x",
            ),
            AnimationConfig(
                "row_pass",
                "row_pass",
                "1×3 pass on the 3×5 intermediate",
                (5, 5),
                kernel="sobel_x",
            ),
            AnimationConfig(
                "padding",
                "correlate",
                "padding 1: the output keeps the 5×5 size",
                (5, 5),
                padding=1,
                seed=1,
            ),
            AnimationConfig(
                "stride",
                "correlate",
                "stride 2 with padding 1",
                (5, 5),
                stride=2,
                padding=1,
                seed=2,
            ),
            AnimationConfig(
                "dilation",
                "correlate",
                "dilation 2: a 3×3 kernel spread over 5×5",
                (7, 7),
                dilation=2,
                seed=3,
            ),
            AnimationConfig(
                "depthwise",
                "depthwise",
                "depthwise: one 3×3 kernel per channel of 7×7×3",
                (3, 7, 7),
                seed=4,
            ),
            AnimationConfig(
                "pointwise",
                "pointwise",
                "pointwise: one 1×1×3 filter gives 5×5×1",
                (3, 5, 5),
                kernel_size=(1, 1),
                seed=5,
            ),
            AnimationConfig(
                "pointwise_stack",
                "pointwise_stack",
                "pointwise: each 1×1×3 filter adds one 5×5 layer",
                (3, 5, 5),
                kernel_size=(1, 1),
                out_channels=8,
                seed=6,
            ),
            AnimationConfig(
                "transposed",
                "transposed",
                "transposed 3×3 kernel, stride 2: overlapping patches",
                (3, 3),
                stride=2,
                seed=7,
            ),
            AnimationConfig(
                "grouped_shuffle",
                "grouped_shuffle",
                "grouped convolution (2 groups), then a channel shuffle",
                (4, 5, 5),
                out_channels=4,
                groups=2,
                seed=8,
            ),
        )
    }
)


@dataclass(frozen=True)
class Step:
    """What one frame shows.

    Attributes
    ----------
    index : int
        Frame number.
    position : tuple of int
        The output cell (or input cell for a transposed convolution, output
        channel for the pointwise stack and grouped scenes) of this frame.
    window : tuple of int
        Top-left corner of the window in padded input coordinates (or of
        the output patch for a transposed convolution); empty if none.
    multiplications : int
        Products summed in this frame (counted from the arrays drawn).
    total : int
        Running count of multiplications, this frame included.
    """

    index: int
    position: tuple
    window: tuple
    multiplications: int
    total: int


# ---------------------------------------------------------------------------
# the scenes


def _config(name):
    if isinstance(name, AnimationConfig):
        return name
    if name not in CONFIGURATIONS:
        fail("name", f"one of {sorted(CONFIGURATIONS)}", name)
    return CONFIGURATIONS[name]


def _small_ints(rng, shape, low, high):
    return rng.integers(low, high, size=shape).astype(float)


def _data(config):
    """Input, kernel and everything a scene draws, computed by sepconv.core."""
    rng = np.random.default_rng(config.seed)
    shape = tuple(config.input_shape)
    x = _small_ints(rng, shape, 0, 4)
    kh, kw = config.kernel_size
    data = {"x": x}
    if config.kind in ("correlate", "column_pass", "row_pass"):
        k = kernels.sobel_x() if config.kernel == "sobel_x" else None
        if k is None:
            k = _small_ints(rng, (kh, kw), -1, 2)
        data["kernel"] = k
        if config.kind == "correlate":
            data["out"] = core.correlate2d(
                x,
                k,
                stride=config.stride,
                padding=config.padding,
                dilation=config.dilation,
            )
        else:
            column, row = kernels.smoothing_1d(), kernels.derivative_1d()
            if not np.array_equal(np.outer(column, row), k):
                raise RuntimeError("the separable passes need a rank-1 kernel")
            data["column"], data["row"] = column, row
            data["intermediate"] = core.column_pass(x, column)
            data["out"] = core.correlate2d(data["intermediate"], row.reshape(1, -1))
    elif config.kind == "depthwise":
        c = shape[0]
        w = _small_ints(rng, (c, 1, kh, kw), -1, 2)
        data["kernel"] = w
        data["out"] = core.depthwise_conv2d(x, w)
    elif config.kind in ("pointwise", "pointwise_stack"):
        c = shape[0]
        w = _small_ints(rng, (config.out_channels, c, 1, 1), -1, 3)
        data["kernel"] = w
        data["out"] = core.pointwise_conv2d(x, w)
    elif config.kind == "transposed":
        x = _small_ints(np.random.default_rng(config.seed), shape, 1, 4)
        w = _small_ints(rng, (kh, kw), 0, 3)
        data["x"], data["kernel"] = x, w
        data["out"] = core.conv_transpose2d(
            x[None], w[None, None], stride=config.stride
        )[0]
    elif config.kind == "grouped_shuffle":
        c = shape[0]
        w = _small_ints(rng, (config.out_channels, c // config.groups, kh, kw), -1, 2)
        data["kernel"] = w
        data["out"] = core.conv2d(x, w, groups=config.groups)
        data["shuffled"] = core.channel_shuffle(data["out"], config.groups)
    else:  # pragma: no cover - the table only holds known kinds
        fail("kind", "a known scene", config.kind)
    return data


def _scan_geometry(config):
    """(input shape, kernel shape, stride, padding, dilation) of the scanned pass."""
    shape = tuple(config.input_shape)[-2:]
    kh, kw = config.kernel_size
    if config.kind == "column_pass":
        return shape, (kh, 1), 1, 0, 1
    if config.kind == "row_pass":
        mid = (core.output_size(shape[0], kh), shape[1])
        return mid, (1, kw), 1, 0, 1
    return shape, (kh, kw), config.stride, config.padding, config.dilation


def _windows(config):
    """Windows of the scanned pass, from :mod:`sepconv.counting`."""
    shape = tuple(config.input_shape)[-2:]
    if config.kind in ("column_pass", "row_pass"):
        passes = counting.separable_scan_positions(shape, config.kernel_size)
        return passes["column" if config.kind == "column_pass" else "row"]
    return counting.scan_positions(
        shape,
        config.kernel_size,
        stride=config.stride,
        padding=config.padding,
        dilation=config.dilation,
    )


@lru_cache(maxsize=64)
def animation_steps(name):
    """The frames of an animation, derived from its configuration's shapes.

    Parameters
    ----------
    name : str
        A key of :data:`CONFIGURATIONS`.

    Returns
    -------
    tuple of Step
        One per frame. The number of frames is the number of scan positions
        (per channel group, per output channel or per input cell, depending
        on the scene); ``steps[-1].total`` is the instrumented count of
        multiplications, equal to the closed form in :mod:`sepconv.counting`.

    Examples
    --------
    >>> steps = animation_steps("full_3x3")
    >>> len(steps), steps[0].multiplications, steps[-1].total
    (9, 9, 81)
    """
    config = _config(name)
    data = _data(config)
    kind = config.kind
    steps = []
    total = 0

    def add(position, window, mults):
        nonlocal total
        total += int(mults)
        steps.append(
            Step(len(steps), tuple(position), tuple(window), int(mults), total)
        )

    if kind in ("correlate", "column_pass", "row_pass", "depthwise", "pointwise"):
        _, _, _, p, _ = _scan_geometry(config)
        channels = config.input_shape[0] if kind in ("depthwise", "pointwise") else 1
        for window in _windows(config):
            top, left = window.top_left
            add(window.output_index, (top + p, left + p), channels * len(window.taps))
    elif kind == "pointwise_stack":
        x, w = data["x"], data["kernel"]
        for o in range(w.shape[0]):
            per_pixel = w[o].size  # one weight per input channel
            add((o,), (), per_pixel * x.shape[1] * x.shape[2])
    elif kind == "transposed":
        x, w = data["x"], data["kernel"]
        s = config.stride
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                add((i, j), (i * s, j * s), w.size)
    elif kind == "grouped_shuffle":
        w, out = data["kernel"], data["out"]
        for o in range(w.shape[0]):
            add((o,), (), w[o].size * out.shape[1] * out.shape[2])
        add(("shuffle",), (), 0)
    return tuple(steps)


def _canvas(width, height, *, cell=0.26, dpi=_DPI):
    """A figure whose single axes maps one data unit to ``cell`` inches."""
    fig = Figure(figsize=(width * cell, height * cell), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    ax.set_autoscale_on(False)
    return fig, ax


def _title(ax, x, text, size):
    return ax.text(
        x, 0.35, text, ha="center", va="top", fontsize=size + 1, weight="bold"
    )


def _count_text(ax, x, y, size):
    return ax.text(x, y, "", ha="center", va="top", fontsize=size)


def _count_label(step, steps):
    return (
        f"step {step.index + 1} of {len(steps)}: {step.multiplications} multiplications"
        f" · running count {step.total:,}"
    )


def _masked(out, upto):
    """``out`` with the cells after flat index ``upto`` blanked (NaN)."""
    shown = np.array(out, dtype=float)
    flat = shown.reshape(-1, *shown.shape[-2:]) if shown.ndim == 3 else shown[None]
    order = np.arange(flat.shape[-2] * flat.shape[-1]).reshape(flat.shape[-2:])
    flat[:, order > upto] = np.nan
    return flat.reshape(shown.shape)


def _legend(ax, roles, y, width, size):
    lg = pl.legend(
        ax,
        roles=roles,
        loc="center",
        bbox_to_anchor=(width / 2, y),
        bbox_transform=ax.transData,
        fontsize=size,
    )
    return lg


class _ScanScene:
    """A 2-D kernel (or one pass of a separable kernel) scanning an image."""

    def __init__(self, config, data, steps, *, dpi):
        self.steps = steps
        _, _, s, p, d = _scan_geometry(config)
        kind = config.kind
        if kind == "correlate":
            x, k, out = data["x"], data["kernel"], data["out"]
            role_in, role_out = "input", "output"
        elif kind == "column_pass":
            x, out = data["x"], data["intermediate"]
            k = data["column"].reshape(-1, 1)
            role_in, role_out = "input", "intermediate"
        else:
            x, out = data["intermediate"], data["out"]
            k = data["row"].reshape(1, -1)
            role_in, role_out = "intermediate", "output"
        self.x, self.k, self.out, self.s, self.d = x, k, out, s, d
        self.padded = np.pad(x, p)
        ph, pw = self.padded.shape
        kh, kw = k.shape
        oh, ow = out.shape
        top = 1.4
        grids_w = pw + 1 + kw + 1 + ow
        width = max(grids_w + 1.0, 17.0)
        rows = max(ph, kh, oh)
        n_lines = kh if kw > 1 else 1
        self.per_line = kw if kw > 1 else None
        height = top + rows + 0.6 + 0.55 * n_lines + 0.5 + 1.6
        self.size = 8.0
        fig, ax = _canvas(width, height, dpi=dpi)
        self.fig = fig
        x0 = (width - grids_w) / 2
        _title(ax, width / 2, config.title, self.size)
        self.g_in = pl.draw_grid(
            x,
            ax,
            role=role_in,
            origin=(x0, top + (rows - ph) / 2),
            padding=p,
            fontsize=self.size,
        )
        xk = x0 + pw + 1
        pl.draw_grid(
            k, ax, role="kernel", origin=(xk, top + (rows - kh) / 2), fontsize=self.size
        )
        xo = xk + kw + 1
        self.g_out = pl.draw_grid(
            out,
            ax,
            role=role_out,
            origin=(xo, top + (rows - oh) / 2),
            fontsize=self.size,
        )
        ax.text(xk - 0.5, top + rows / 2, "⋆", ha="center", va="center", fontsize=16)
        ax.text(xo - 0.5, top + rows / 2, "=", ha="center", va="center", fontsize=12)
        self.window = pl.highlight_window(
            self.g_in, 0, 0, kernel=k, dilation=d, fontsize=5.5
        )
        y = top + rows + 0.5
        self.products = ax.text(
            width / 2,
            y,
            "",
            ha="center",
            va="top",
            fontsize=self.size - 0.5,
            family="DejaVu Sans Mono",
            linespacing=1.25,
        )
        self.kw = kw
        y += 0.55 * n_lines + 0.45
        self.count = _count_text(ax, width / 2, y, self.size)
        roles = ("padding",) if p else ()
        _legend(
            ax, (role_in, *roles, "kernel", role_out), height - 0.6, width, self.size
        )

    def update(self, index):
        step = self.steps[index]
        i, j = step.position
        r, c = step.window
        kh, kw = self.k.shape
        d = self.d
        self.window.move(r, c)
        taps = self.padded[r : r + (kh - 1) * d + 1 : d, c : c + (kw - 1) * d + 1 : d]
        flat = i * self.out.shape[1] + j
        self.g_out.update(_masked(self.out, flat), highlight=(i, j))
        self.products.set_text(
            pl.format_products(
                taps, self.k, total=self.out[i, j], per_line=self.per_line
            )
        )
        self.count.set_text(_count_label(step, self.steps))


class _DepthwiseScene:
    """Each channel scanned by its own kernel, the maps stacked."""

    def __init__(self, config, data, steps, *, dpi):
        self.steps = steps
        x, w, out = data["x"], data["kernel"], data["out"]
        self.x, self.w, self.out = x, w, out
        c, h, wd = x.shape
        kh, kw = w.shape[-2:]
        oh, ow = out.shape[-2:]
        self.size = 7.5
        top = 1.4
        row_h = h + 1.2
        text_w = 7.5
        grids_w = wd + 1 + kw + 1 + ow + 0.6 + text_w + 0.6 + ow + (c - 1) * 0.35
        width = grids_w + 1
        height = top + c * row_h + 0.3 + 0.6 + 1.6
        fig, ax = _canvas(width, height, cell=0.22, dpi=dpi)
        self.fig = fig
        _title(ax, width / 2, config.title, self.size)
        x0 = 0.5
        self.windows, self.maps, self.products = [], [], []
        for ch in range(c):
            y = top + ch * row_h + 0.6
            g = pl.draw_grid(
                x[ch],
                ax,
                role="input",
                origin=(x0, y),
                fontsize=self.size,
                label=f"channel {ch}",
            )
            xk = x0 + wd + 1
            pl.draw_grid(
                w[ch, 0],
                ax,
                role="kernel",
                origin=(xk, y + (h - kh) / 2),
                fontsize=self.size,
            )
            xo = xk + kw + 1
            self.maps.append(
                pl.draw_grid(
                    out[ch],
                    ax,
                    role="output",
                    origin=(xo, y + (h - oh) / 2),
                    fontsize=self.size,
                )
            )
            ax.text(xk - 0.5, y + h / 2, "⋆", ha="center", va="center", fontsize=14)
            ax.text(xo - 0.5, y + h / 2, "=", ha="center", va="center", fontsize=11)
            self.windows.append(pl.highlight_window(g, 0, 0, (kh, kw)))
            self.products.append(
                ax.text(
                    xo + ow + 0.6,
                    y + h / 2,
                    "",
                    ha="left",
                    va="center",
                    fontsize=self.size - 0.5,
                    family="DejaVu Sans Mono",
                )
            )
        xs = xo + ow + 0.6 + text_w + 0.6
        ys = top + (c * row_h) / 2 - oh / 2 + 0.3
        self.stack = pl.draw_stack(
            out,
            ax,
            role="output",
            origin=(xs, ys),
            fontsize=self.size,
            label=f"stacked: {oh}×{ow}×{c}",
        )
        self.count = _count_text(ax, width / 2, top + c * row_h + 0.3, self.size)
        _legend(ax, ("input", "kernel", "output"), height - 0.6, width, self.size)

    def update(self, index):
        step = self.steps[index]
        i, j = step.position
        r, cc = step.window
        kh, kw = self.w.shape[-2:]
        flat = i * self.out.shape[-1] + j
        shown = _masked(self.out, flat)
        for ch, (window, grid, text) in enumerate(
            zip(self.windows, self.maps, self.products, strict=True)
        ):
            window.move(r, cc)
            grid.update(shown[ch], highlight=(i, j))
            taps = self.x[ch, r : r + kh, cc : cc + kw]
            text.set_text(
                pl.format_products(
                    taps, self.w[ch, 0], total=self.out[ch, i, j], per_line=kw
                )
            )
        self.stack.update(shown, highlight=(i, j))
        self.count.set_text(_count_label(step, self.steps))


class _PointwiseScene:
    """One 1x1xD filter: a weighted sum across the channels at each pixel."""

    def __init__(self, config, data, steps, *, dpi):
        self.steps = steps
        x, w, out = data["x"], data["kernel"], data["out"]
        self.x, self.p, self.out = x, w[0, :, 0, 0], out[0]
        c, h, wd = x.shape
        self.size = 8.0
        top = 2.0
        gap = 0.8
        col_w = 1 + (c - 1) * 0.62
        grids_w = c * wd + (c - 1) * gap + 1.6 + col_w + 1.6 + wd
        width = grids_w + 1.5
        height = top + h + 0.5 + 0.8 + 0.6 + 1.5
        fig, ax = _canvas(width, height, dpi=dpi)
        self.fig = fig
        _title(ax, width / 2, config.title, self.size)
        x0 = (width - grids_w) / 2
        self.windows = []
        for ch in range(c):
            g = pl.draw_grid(
                x[ch],
                ax,
                role="input",
                origin=(x0 + ch * (wd + gap), top),
                fontsize=self.size,
                label=f"channel {ch}",
            )
            self.windows.append(
                pl.highlight_window(g, 0, 0, kernel=[[self.p[ch]]], fontsize=6)
            )
        xf = x0 + c * wd + (c - 1) * gap + 1.6
        ax.text(xf - 0.8, top + h / 2, "⋆", ha="center", va="center", fontsize=16)
        yf = top + h / 2 - 0.5 + (c - 1) * 0.31
        pl.draw_pointwise_filter(
            self.p, ax, origin=(xf, yf), fontsize=self.size, label="1×1×" + str(c)
        )
        xo = xf + col_w + 1.6
        ax.text(xo - 0.8, top + h / 2, "=", ha="center", va="center", fontsize=12)
        self.g_out = pl.draw_grid(
            self.out,
            ax,
            role="output",
            origin=(xo, top),
            fontsize=self.size,
            label=f"{h}×{wd}×1",
        )
        y = top + h + 0.5
        self.products = ax.text(
            width / 2, y, "", ha="center", va="top", fontsize=self.size
        )
        self.count = _count_text(ax, width / 2, y + 0.8, self.size)
        _legend(ax, ("input", "kernel", "output"), height - 0.6, width, self.size)

    def update(self, index):
        step = self.steps[index]
        i, j = step.position
        for window in self.windows:
            window.move(*step.window)
        flat = i * self.out.shape[1] + j
        self.g_out.update(_masked(self.out, flat), highlight=(i, j))
        self.products.set_text(
            f"pixel ({i}, {j}): "
            + pl.format_products(self.x[:, i, j], self.p, total=self.out[i, j])
        )
        self.count.set_text(_count_label(step, self.steps))


class _PointwiseStackScene:
    """Many pointwise filters, each adding one layer to the output stack."""

    def __init__(self, config, data, steps, *, dpi):
        self.steps = steps
        x, w, out = data["x"], data["kernel"], data["out"]
        self.x, self.w, self.out = x, w[:, :, 0, 0], out
        c, h, wd = x.shape
        nc = w.shape[0]
        self.size = 8.0
        off = 0.35
        top = 1.6 + (nc - 1) * off
        col_w = 1 + (c - 1) * 0.62
        grids_w = wd + (c - 1) * off + 1.6 + col_w + 1.6 + wd + (nc - 1) * off
        width = grids_w + 1.5
        height = top + h + 1.0 + 0.8 + 0.6 + 1.5
        fig, ax = _canvas(width, height, dpi=dpi)
        self.fig = fig
        _title(ax, width / 2, config.title, self.size)
        x0 = (width - grids_w) / 2
        stack_in = pl.draw_stack(
            x,
            ax,
            role="input",
            origin=(x0, top),
            fontsize=self.size,
            label=f"input {h}×{wd}×{c}",
        )
        self.window = pl.highlight_window(stack_in.layers[0], 0, 0, (1, 1))
        xf = x0 + wd + (c - 1) * off + 1.6
        ax.text(xf - 0.8, top + h / 2, "⋆", ha="center", va="center", fontsize=16)
        yf = top + h / 2 - 0.5 + (c - 1) * 0.31
        self.filters = [
            pl.draw_pointwise_filter(self.w[o], ax, origin=(xf, yf), fontsize=self.size)
            for o in range(nc)
        ]
        self.filter_label = ax.text(
            xf + col_w / 2,
            yf + 1.3,
            "",
            ha="center",
            va="top",
            fontsize=self.size,
            color=pl.KERNEL_COLOR,
        )
        xo = xf + col_w + 1.6
        ax.text(xo - 0.8, top + h / 2, "=", ha="center", va="center", fontsize=12)
        self.stack_origin = (xo, top)
        self.stack = pl.draw_stack(
            out,
            ax,
            role="output",
            origin=(xo, top),
            front="last",
            show_values="all",
            fontsize=self.size,
            max_layers=nc,
        )
        self.stack_label = ax.text(
            xo + wd / 2,
            top + h + 0.3,
            "",
            ha="center",
            va="top",
            fontsize=self.size,
            color=pl.OUTPUT_COLOR,
        )
        y = top + h + 1.1
        self.products = ax.text(
            width / 2, y, "", ha="center", va="top", fontsize=self.size
        )
        self.count = _count_text(ax, width / 2, y + 0.8, self.size)
        _legend(ax, ("input", "kernel", "output"), height - 0.6, width, self.size)

    def update(self, index):
        step = self.steps[index]
        (o,) = step.position
        for k, column in enumerate(self.filters):
            for layer in column.layers:
                layer.set_visible(k == o)
        self.filter_label.set_text(f"filter {o + 1}")
        # the newest layer is in front; the earlier ones are pushed back
        x0, y0 = self.stack_origin
        off = self.stack.offset[0]
        for k, layer in enumerate(self.stack.layers):
            if k <= o:
                layer.move_to((x0 + (o - k) * off, y0 - (o - k) * off))
                layer.update(self.out[k], highlight=(0, 0) if k == o else None)
            layer.set_visible(k <= o)
        c = self.x.shape[0]
        h, w = self.out.shape[-2:]
        self.stack_label.set_text(f"{h}×{w}×{o + 1}")
        self.products.set_text(
            f"layer {o + 1}, pixel (0, 0): "
            + pl.format_products(self.x[:, 0, 0], self.w[o], total=self.out[o, 0, 0])
            + f";  {h}×{w} pixels × {c} products"
        )
        self.count.set_text(_count_label(step, self.steps))


class _TransposedScene:
    """Each input cell scatters a weighted copy of the kernel; copies overlap."""

    def __init__(self, config, data, steps, *, dpi):
        self.steps = steps
        x, w, out = data["x"], data["kernel"], data["out"]
        self.x, self.w, self.out, self.s = x, w, out, config.stride
        h, wd = x.shape
        kh, kw = w.shape
        oh, ow = out.shape
        self.size = 8.0
        top = 2.0
        grids_w = wd + 1 + kw + 1.2 + ow + 1.2 + ow
        width = grids_w + 1
        height = top + oh + 0.6 + 0.6 + 0.6 + 1.6
        fig, ax = _canvas(width, height, dpi=dpi)
        self.fig = fig
        _title(ax, width / 2, config.title, self.size)
        x0 = 0.5
        self.g_in = pl.draw_grid(
            x,
            ax,
            role="input",
            origin=(x0, top + (oh - h) / 2),
            fontsize=self.size,
            label="input",
        )
        self.cell = pl.highlight_window(self.g_in, 0, 0, (1, 1))
        xk = x0 + wd + 1
        pl.draw_grid(
            w,
            ax,
            role="kernel",
            origin=(xk, top + (oh - kh) / 2),
            fontsize=self.size,
            label="kernel",
        )
        ax.text(xk - 0.5, top + oh / 2, "×", ha="center", va="center", fontsize=12)
        xo = xk + kw + 1.2
        ax.text(xo - 0.6, top + oh / 2, "→", ha="center", va="center", fontsize=12)
        self.g_out = pl.draw_grid(
            out,
            ax,
            role="output",
            origin=(xo, top),
            fontsize=self.size,
            label=f"output {oh}×{ow} (sums so far)",
        )
        self.patch = pl.highlight_window(self.g_out, 0, 0, (kh, kw))
        xc = xo + ow + 1.2
        self.g_overlap = pl.draw_grid(
            np.zeros_like(out),
            ax,
            role="output",
            origin=(xc, top),
            fontsize=self.size,
            label="contributions per cell",
        )
        y = top + oh + 0.5
        self.products = ax.text(
            width / 2, y, "", ha="center", va="top", fontsize=self.size
        )
        self.count = _count_text(ax, width / 2, y + 0.6, self.size)
        _legend(ax, ("input", "kernel", "output"), height - 0.6, width, self.size)
        self._cmap = mpl.colormaps["Greens"]

    def update(self, index):
        step = self.steps[index]
        i, j = step.position
        h, w = self.x.shape
        mask = (np.arange(h * w) <= i * w + j).reshape(h, w).astype(float)
        partial = core.conv_transpose2d(
            (self.x * mask)[None], self.w[None, None], stride=self.s
        )[0]
        overlap = core.conv_transpose2d(
            mask[None], np.ones_like(self.w)[None, None], stride=self.s
        )[0]
        self.cell.move(i, j)
        self.patch.move(*step.window)
        reached = overlap > 0
        self.g_out.update(np.where(reached, partial, np.nan))
        shades = np.empty(overlap.shape, dtype=object)
        for (a, b), count in np.ndenumerate(overlap):
            shade = self._cmap(0.15 + 0.55 * count / 4) if count else "white"
            shades[a, b] = mpl.colors.to_hex(shade)
        self.g_overlap.update(np.where(reached, overlap, np.nan), faces=shades)
        self.products.set_text(
            f"input ({i}, {j}) = {pl.format_number(self.x[i, j])} times each of the "
            f"{self.w.size} kernel weights, added into the output at "
            f"rows {step.window[0]}–{step.window[0] + self.w.shape[0] - 1}, "
            f"columns {step.window[1]}–{step.window[1] + self.w.shape[1] - 1}"
        )
        self.count.set_text(_count_label(step, self.steps))


class _GroupedShuffleScene:
    """A grouped convolution, one output channel per frame, then a shuffle."""

    def __init__(self, config, data, steps, *, dpi):
        self.steps = steps
        x, w, out = data["x"], data["kernel"], data["out"]
        self.x, self.w, self.out, self.g = x, w, out, config.groups
        self.shuffled = data["shuffled"]
        c, h, wd = x.shape
        n_out = w.shape[0]
        self.per = per = c // self.g
        self.out_per = n_out // self.g
        kh, kw = w.shape[-2:]
        oh, ow = out.shape[-2:]
        self.size = 7.5
        self.gap = gap = 1.0
        top = 2.3
        in_w = c * wd + (c - 1) * gap
        width = in_w + 1.5
        self.x0 = x0 = 0.75
        self.y_k = y_k = top + h + 1.5
        y_o = y_k + kh + 1.5
        y_s = y_o + oh + 1.9
        height = y_s + oh + 0.5 + 0.7 + 0.6 + 1.5
        fig, ax = _canvas(width, height, cell=0.24, dpi=dpi)
        self.fig = fig
        _title(ax, width / 2, config.title, self.size)
        self.in_x = [x0 + ch * (wd + gap) for ch in range(c)]
        self.windows = []
        for ch in range(c):
            grid = pl.draw_grid(
                x[ch],
                ax,
                role="input",
                origin=(self.in_x[ch], top),
                fontsize=self.size,
                label=f"in {ch} · group {ch // per}",
            )
            self.windows.append(pl.highlight_window(grid, 0, 0, (kh, kw)))
        self.group_boxes = [
            ax.add_patch(
                Rectangle(
                    (self.in_x[gi * per] - 0.3, top - 0.85),
                    per * wd + (per - 1) * gap + 0.6,
                    h + 1.15,
                    fill=False,
                    edgecolor=pl.KERNEL_COLOR,
                    linewidth=1.5,
                    linestyle="--",
                )
            )
            for gi in range(self.g)
        ]
        # the kernels of the current output channel, one under each input
        # channel of its group (positions are set per frame)
        self.kernels = [
            pl.draw_grid(
                w[0, k], ax, role="kernel", origin=(0, y_k), fontsize=self.size
            )
            for k in range(per)
        ]
        self.kernel_label = ax.text(
            0,
            y_k - 0.2,
            "",
            ha="center",
            va="bottom",
            fontsize=self.size,
            color=pl.KERNEL_COLOR,
        )
        spacing = (in_w - n_out * ow) / max(1, n_out - 1)
        self.out_x = [x0 + o * (ow + spacing) for o in range(n_out)]
        self.outputs = [
            pl.draw_grid(
                out[o],
                ax,
                role="output",
                origin=(self.out_x[o], y_o),
                fontsize=self.size,
                label=f"out {o} · group {o // self.out_per}",
            )
            for o in range(n_out)
        ]
        self.order = self._order()
        self.shuffled_grids, self.links = [], []
        for pos, o in enumerate(self.order):
            xo = self.out_x[pos]
            self.shuffled_grids.append(
                pl.draw_grid(
                    self.shuffled[pos],
                    ax,
                    role="output",
                    origin=(xo, y_s),
                    fontsize=self.size,
                    label=f"out {o}",
                )
            )
            self.links.append(
                ax.add_patch(
                    FancyArrowPatch(
                        (self.out_x[o] + ow / 2, y_o + oh + 0.1),
                        (xo + ow / 2, y_s - 0.9),
                        arrowstyle="-|>",
                        mutation_scale=10,
                        color=pl.OUTPUT_COLOR,
                        linewidth=1.0,
                    )
                )
            )
        y = y_s + oh + 0.5
        self.products = ax.text(
            width / 2, y, "", ha="center", va="top", fontsize=self.size
        )
        self.count = _count_text(ax, width / 2, y + 0.7, self.size)
        _legend(ax, ("input", "kernel", "output"), height - 0.6, width, self.size)

    def _order(self):
        """Which original channel lands at each position after the shuffle."""
        n_out = self.out.shape[0]
        index = np.arange(n_out, dtype=float).reshape(n_out, 1, 1)
        return [int(v) for v in core.channel_shuffle(index, self.g)[:, 0, 0]]

    def update(self, index):
        step = self.steps[index]
        n_out = self.out.shape[0]
        shuffle = step.position == ("shuffle",)
        o = n_out - 1 if shuffle else step.position[0]
        grp = o // self.out_per
        members = range(grp * self.per, (grp + 1) * self.per)
        for gi, box in enumerate(self.group_boxes):
            box.set_visible(gi == grp and not shuffle)
        for ch, window in enumerate(self.windows):
            window.set_visible(ch in members and not shuffle)
        for k, grid in enumerate(self.kernels):
            ch = members[k]
            xk = self.in_x[ch] + (self.x.shape[2] - grid.shape[1]) / 2
            grid.move_to((xk, grid.origin[1]))
            grid.update(self.w[o, k])
            grid.set_visible(not shuffle)
        first, last = self.in_x[members[0]], self.in_x[members[-1]] + self.x.shape[2]
        self.kernel_label.set_position(((first + last) / 2, self.y_k - 0.2))
        self.kernel_label.set_text(
            "" if shuffle else f"the {self.per} kernels of out {o} (group {grp})"
        )
        for k, grid in enumerate(self.outputs):
            values = self.out[k] if k <= o else np.full_like(self.out[k], np.nan)
            grid.update(values, highlight=(0, 0) if k == o and not shuffle else None)
        for grid, link in zip(self.shuffled_grids, self.links, strict=True):
            grid.set_visible(shuffle)
            link.set_visible(shuffle)
        if shuffle:
            order = ", ".join(str(v) for v in self.order)
            self.products.set_text(
                f"channel shuffle: new order {order}, so that every group of the "
                "next layer sees both groups"
            )
            self.count.set_text(
                f"the shuffle moves channels: 0 multiplications · running count "
                f"{step.total:,}"
            )
        else:
            taps = self.x[
                members[0] : members[-1] + 1, : self.w.shape[2], : self.w.shape[3]
            ]
            self.products.set_text(
                f"out {o}, pixel (0, 0): "
                + pl.format_products(
                    taps, self.w[o], total=self.out[o, 0, 0], max_terms=5
                )
            )
            self.count.set_text(_count_label(step, self.steps))


_SCENES = {
    "correlate": _ScanScene,
    "column_pass": _ScanScene,
    "row_pass": _ScanScene,
    "depthwise": _DepthwiseScene,
    "pointwise": _PointwiseScene,
    "pointwise_stack": _PointwiseStackScene,
    "transposed": _TransposedScene,
    "grouped_shuffle": _GroupedShuffleScene,
}


def _fit(scene, margin=4.0):
    """Widen or heighten the canvas so that no text of any frame is clipped.

    The single axes spans the whole figure with one data unit per cell, so
    growing the figure and the limits together keeps the cells square.
    """
    fig = scene.fig
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    left = bottom = 0.0
    right, top = fig.bbox.width, fig.bbox.height
    for k in range(len(scene.steps)):
        scene.update(k)
        for artist in (*ax.texts, *([ax.get_legend()] if ax.get_legend() else [])):
            if not artist.get_visible() or artist.get_gid() == "cell-value":
                continue  # values sit inside their cells
            box = artist.get_window_extent(renderer)
            left, right = min(left, box.x0), max(right, box.x1)
            bottom, top = min(bottom, box.y0), max(top, box.y1)
    grow_x = max(margin - left, right - (fig.bbox.width - margin), 0.0)
    grow_y = max(margin - bottom, top - (fig.bbox.height - margin), 0.0)
    if grow_x or grow_y:
        (x0, x1), (y1, y0) = ax.get_xlim(), ax.get_ylim()
        per_unit = fig.bbox.width / (x1 - x0)
        dx, dy = grow_x / per_unit, grow_y / per_unit
        ax.set_xlim(x0 - dx, x1 + dx)
        ax.set_ylim(y1 + dy, y0 - dy)
        w, h = fig.get_size_inches()
        fig.set_size_inches(w + 2 * grow_x / fig.dpi, h + 2 * grow_y / fig.dpi)
    return scene


def _scene(name, dpi):
    config = _config(name)
    steps = animation_steps(config.name)
    with mpl.rc_context(FRAME_STYLE):
        scene = _SCENES[config.kind](config, _data(config), steps, dpi=dpi)
        return _fit(scene)


def render_frame(name, index, *, dpi=_DPI):
    """One frame of an animation as PNG bytes (for screenshots and tests).

    Parameters
    ----------
    name : str
        A key of :data:`CONFIGURATIONS`.
    index : int
        Frame number; negative counts from the end.
    dpi : int, keyword-only
        Resolution.

    Returns
    -------
    bytes
        A PNG image.
    """
    steps = animation_steps(_config(name).name)
    index = check_int(index, "index")
    if not -len(steps) <= index < len(steps):
        fail("index", f"a frame number in [-{len(steps)}, {len(steps)})", index)
    scene = _scene(name, check_int(dpi, "dpi", minimum=10))
    with mpl.rc_context(FRAME_STYLE):
        scene.update(index % len(steps))
        return figure_png(scene.fig)


@lru_cache(maxsize=32)
def _html(name, dpi, max_bytes):
    config = _config(name)
    scene = _scene(name, dpi)
    with mpl.rc_context(FRAME_STYLE):
        frames = render_figure_frames(scene.fig, scene.update, len(scene.steps))
    return frames_to_html(
        frames, name=config.name, alt=config.title, interval=800, max_bytes=max_bytes
    )


def animation_html(name, *, dpi=_DPI, max_bytes=MAX_HTML_BYTES):
    """The self-contained HTML player of a named animation.

    Parameters
    ----------
    name : str
        A key of :data:`CONFIGURATIONS`.
    dpi : int, keyword-only
        Resolution of the frames.
    max_bytes : int, keyword-only
        Size budget; over it a ``ValueError`` is raised, never a cut.

    Returns
    -------
    str
        HTML (no external URL, no element id).
    """
    config = _config(name)
    return _html(
        config.name,
        check_int(dpi, "dpi", minimum=10),
        check_int(max_bytes, "max_bytes"),
    )


def animation(name, *, dpi=_DPI, max_bytes=MAX_HTML_BYTES):
    """A named animation, for a notebook cell to display.

    Parameters
    ----------
    name : str
        A key of :data:`CONFIGURATIONS`.
    dpi, max_bytes : keyword-only
        As in :func:`animation_html`.

    Returns
    -------
    AnimationHTML
        Displays as the player; its text form is ``<animation 'name': N frames>``.

    Notes
    -----
    The player has no element ids: any number of players, of one animation
    or several, work side by side on a page or in JupyterLab.

    Examples
    --------
    >>> animation("row_pass")
    <animation 'row_pass': 9 frames>
    """
    config = _config(name)
    html = animation_html(config.name, dpi=dpi, max_bytes=max_bytes)
    return AnimationHTML(config.name, html, len(animation_steps(config.name)))
