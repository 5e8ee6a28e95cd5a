"""Scan animations: one table of named configurations, one registry of kinds.

Every animation in the book is one row of :data:`CONFIGURATIONS` (in the
spirit of vdumoulin's *conv_arithmetic*): a name, a kind and the shapes.
Each kind is one record of ``_KINDS``: how its data is computed (by
:mod:`sepconv.core`), its steps (one per frame, derived from the shapes
through :func:`sepconv.counting.scan_positions`, never typed) and the scene
that draws them. One scan scene (:func:`sepconv.plotting.draw_scan`: panels
in a row, a moving window, the products) serves the 2-D correlations, the
two passes of a separable filter, the depthwise and the pointwise steps;
the transposed convolution as conv_arithmetic draws it (a scan of the
zero-inserted, padded input) is a scan too, with its zeros marked and
counted; the transposed scatter, the growing pointwise stack, the three
passes of a flattened filter and the grouped shuffle are pictures of their
own. Each frame shows a running count of multiplications; the count after
the last frame equals the closed form of :mod:`sepconv.counting` (the tests
check it). The depthwise and pointwise
kinds draw the two steps of one worked layer (:func:`separable_example`):
the block one animation produces is the block the next one consumes.

The output is the self-contained HTML player of the private module
``sepconv._player`` (shared with the widgets' scrubbers). Colours follow
:mod:`sepconv.plotting`: inputs blue, kernels and windows orange, outputs
green, intermediates purple, zero padding grey.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from types import MappingProxyType

import matplotlib as mpl
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

from . import core, counting, kernels
from . import plotting as pl
from ._player import (
    FRAME_STYLE,
    MAX_HTML_BYTES,
    AnimationHTML,
    figure_png,
    frames_to_html,
    player_html,
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
    "separable_example",
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
        A key of the registry of kinds: ``"correlate"`` (one 2-D kernel
        scanning an image), ``"column_pass"`` / ``"row_pass"`` (the two
        passes of a separable kernel), ``"depthwise"``, ``"pointwise"`` (one
        1x1xD filter), ``"pointwise_stack"`` (many pointwise filters),
        ``"transposed"``, ``"zero_insertion"`` (the same as a scan of the
        zero-inserted, padded input), ``"flattened"`` (three 1-D passes),
        ``"grouped_shuffle"``.
    title : str
        The caption drawn on every frame.
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)``.
    kernel_size : (kh, kw)
        Kernel size (for the separable passes: of the full kernel).
    stride, padding, dilation : int
        As in :func:`sepconv.core.correlate2d`.
    out_channels, groups : int
        For pointwise and grouped scenes.
    kernel : str
        ``"sobel_x"`` or ``"random"`` (small seeded integers).
    seed : int
        Seed of the small integer input (and random kernels); the
        ``"depthwise"``, ``"pointwise"`` and ``"pointwise_stack"`` kinds draw
        the worked layer of :func:`separable_example` instead.
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


_ROWS = (
    AnimationConfig("full_3x3", "correlate", "3×3 kernel on a 5×5 image", (5, 5),
                    kernel="sobel_x"),
    AnimationConfig("column_pass", "column_pass",
                    "3×1 pass: 3 × 5 positions build the 3×5 intermediate", (5, 5),
                    kernel="sobel_x"),
    AnimationConfig("row_pass", "row_pass", "1×3 pass on the 3×5 intermediate", (5, 5),
                    kernel="sobel_x"),
    AnimationConfig("padding", "correlate", "padding 1: the output keeps the 5×5 size",
                    (5, 5), padding=1, seed=1),
    AnimationConfig("stride", "correlate", "stride 2 with padding 1", (5, 5), stride=2,
                    padding=1, seed=2),
    AnimationConfig("dilation", "correlate", "dilation 2: a 3×3 kernel spread over 5×5",
                    (7, 7), dilation=2, seed=3),
    AnimationConfig("depthwise", "depthwise",
                    "depthwise: one 3×3 kernel per channel of 7×7×3", (3, 7, 7)),
    AnimationConfig("pointwise", "pointwise", "pointwise: one 1×1×3 filter gives 5×5×1",
                    (3, 5, 5), kernel_size=(1, 1)),
    AnimationConfig("pointwise_stack", "pointwise_stack",
                    "pointwise: each 1×1×3 filter adds one 5×5 layer", (3, 5, 5),
                    kernel_size=(1, 1), out_channels=8),
    AnimationConfig("transposed", "transposed",
                    "transposed 3×3 kernel, stride 2: overlapping patches", (3, 3),
                    stride=2, seed=7),
    AnimationConfig("flattened", "flattened",
                    "flattened: a lateral, a vertical and a horizontal pass",
                    (3, 4, 4), seed=10),
    AnimationConfig("zero_insertion", "zero_insertion",
                    "transposed 3×3, stride 2, padding 1, as a convolution", (3, 3),
                    stride=2, padding=1, seed=9),
    AnimationConfig("grouped_shuffle", "grouped_shuffle",
                    "grouped convolution (2 groups), then a channel shuffle", (4, 5, 5),
                    out_channels=4, groups=2, seed=8),
)  # fmt: skip

#: The table of animations, by name (read-only).
CONFIGURATIONS = MappingProxyType({c.name: c for c in _ROWS})


@dataclass(frozen=True)
class Step:
    """What one frame shows.

    Attributes
    ----------
    index : int
        Frame number.
    position : tuple of int
        The output cell (or input cell for a transposed convolution, output
        channel for the pointwise stack and grouped scenes, the pass and its
        output cell for a flattened filter) of this frame.
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


def _config(name):
    if isinstance(name, AnimationConfig):
        return name
    if name not in CONFIGURATIONS:
        fail("name", f"one of {sorted(CONFIGURATIONS)}", name)
    return CONFIGURATIONS[name]


# ---------------------------------------------------------------------------
# data: what each kind draws, computed by sepconv.core


def _ints(rng, shape, low, high):
    """Small seeded integers (as floats), easy to multiply in one's head."""
    return rng.integers(low, high, size=shape).astype(float)


#: The depthwise kernels of the worked layer, one per channel, with few
#: nonzero weights so that the maps stay one digit long (they are the next
#: step's inputs): right minus left, below minus above, the diagonal's sum.
_EXAMPLE_KERNELS = (
    ((0, 0, 0), (-1, 0, 1), (0, 0, 0)),
    ((0, -1, 0), (0, 0, 0), (0, 1, 0)),
    ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
)  # fmt: skip


@lru_cache(maxsize=1)
def _example():
    rng = np.random.default_rng(4)
    x = _ints(rng, (len(_EXAMPLE_KERNELS), 7, 7), 0, 4)
    depthwise = np.array(_EXAMPLE_KERNELS, dtype=float)[:, None]
    pointwise = rng.choice([-1.0, 1.0, 2.0], size=(8, len(depthwise), 1, 1))
    maps = core.depthwise_conv2d(x, depthwise)
    arrays = {
        "x": x,
        "depthwise": depthwise,
        "maps": maps,
        "pointwise": pointwise,
        "output": core.pointwise_conv2d(maps, pointwise),
    }
    for a in arrays.values():
        a.flags.writeable = False
    return MappingProxyType(arrays)


def separable_example():
    """The worked depthwise separable layer that chapter 3's animations draw.

    One 7×7×3 input of small integers, three 3×3 depthwise kernels with few
    nonzero weights (right minus left, below minus above, the diagonal's
    sum) and eight 1×1×3 pointwise filters of weights −1, 1 and 2. The
    ``"depthwise"`` animation computes ``maps`` from ``x``; the
    ``"pointwise"`` animation computes ``output[0]`` from ``maps`` with
    filter 0; the ``"pointwise_stack"`` animation computes all of
    ``output``, one filter a frame. Every value stays at most two digits
    long, so that it fits in its cell.

    Returns
    -------
    dict
        Fresh arrays: ``"x"`` ``(3, 7, 7)``, ``"depthwise"`` ``(3, 1, 3, 3)``,
        ``"maps"`` ``(3, 5, 5)`` (the intermediate block), ``"pointwise"``
        ``(8, 3, 1, 1)`` and ``"output"`` ``(8, 5, 5)``.

    Examples
    --------
    >>> layer = separable_example()
    >>> layer["x"].shape, layer["maps"].shape, layer["output"].shape
    ((3, 7, 7), (3, 5, 5), (8, 5, 5))
    >>> layer["depthwise"][0, 0]
    array([[ 0.,  0.,  0.],
           [-1.,  0.,  1.],
           [ 0.,  0.,  0.]])
    """
    return {name: a.copy() for name, a in _example().items()}


def _layer_step(config):
    """``(input, weights, output)`` of one step of the worked layer: the
    depthwise step, or the first ``out_channels`` pointwise filters."""
    layer = _example()
    if config.kind == "depthwise":
        x, w, out = layer["x"], layer["depthwise"], layer["maps"]
    else:
        n = config.out_channels
        x, w, out = layer["maps"], layer["pointwise"][:n], layer["output"][:n]
    shapes = (config.input_shape, config.kernel_size)
    geometry = (config.stride, config.padding, config.dilation)
    filters = len(w) if config.kind == "depthwise" else config.out_channels
    if (shapes, geometry, filters) != ((x.shape, w.shape[-2:]), (1, 0, 1), len(w)):
        raise RuntimeError(f"{config.name!r} is not a step of the worked layer")
    return x, w, out


def _geometry(config):
    """The stride, padding and dilation of a configuration, as keywords."""
    return dict(stride=config.stride, padding=config.padding, dilation=config.dilation)


def _scan_data(config):
    """Lanes of (inputs, kernel, output) scanned by one window, and its positions.

    One lane for a 2-D correlation, a separable pass or a pointwise filter
    (whose input channels sit side by side); one lane per channel for a
    depthwise step.
    """
    rng = np.random.default_rng(config.seed)
    if config.kind in ("depthwise", "pointwise"):
        x, w, out = _layer_step(config)
    else:
        x = _ints(rng, config.input_shape, 0, 4)
    hw, geometry = x.shape[-2:], _geometry(config)
    data = {"x": x, "roles": ("input", "output"), "padding": config.padding}
    data["windows"] = counting.scan_positions(hw, config.kernel_size, **geometry)
    if config.kind == "depthwise":  # its maps are the layer's intermediate
        data["lanes"] = [(x[c], w[c, 0], out[c]) for c in range(x.shape[0])]
        data["roles"] = ("input", "intermediate")
    elif config.kind == "pointwise":
        data["lanes"] = [(x, w[0, :, 0, 0], out[0])]
        data["roles"] = ("intermediate", "output")
    elif config.kind == "correlate":
        if config.kernel == "sobel_x":
            w = kernels.sobel_x()
        else:
            w = _ints(rng, config.kernel_size, -1, 2)
        out = core.correlate2d(x, w, **geometry)
        data["lanes"] = [(x, w, out)]
    else:  # the two passes of the separable Sobel kernel
        w = kernels.sobel_x()
        column, row = kernels.smoothing_1d(), kernels.derivative_1d()
        if not np.array_equal(np.outer(column, row), w):
            raise RuntimeError("the separable passes need a rank-1 kernel")
        mid = core.column_pass(x, column)
        out = core.correlate2d(mid, row.reshape(1, -1))
        passes = counting.separable_scan_positions(hw, config.kernel_size)
        if config.kind == "column_pass":
            data["lanes"] = [(x, column.reshape(-1, 1), mid)]
            data["roles"] = ("input", "intermediate")
            data["windows"] = passes["column"]
        else:
            data["lanes"] = [(mid, row.reshape(1, -1), out)]
            data["roles"] = ("intermediate", "output")
            data["windows"] = passes["row"]
        data["padding"] = 0
    data["kernel"], data["out"] = w, out
    return data


def _filters_data(config):
    """Input, weights and output of a pointwise stack or a grouped convolution."""
    if config.kind == "pointwise_stack":
        x, w, out = _layer_step(config)
        return {"x": x, "kernel": w, "out": out}
    rng = np.random.default_rng(config.seed)
    x = _ints(rng, config.input_shape, 0, 4)
    kh, kw = config.kernel_size
    shape = (config.out_channels, x.shape[0] // config.groups, kh, kw)
    w = _ints(rng, shape, -1, 2)
    out = core.conv2d(x, w, groups=config.groups)
    shuffled = core.channel_shuffle(out, config.groups)
    return {"x": x, "kernel": w, "out": out, "shuffled": shuffled}


def _transposed_data(config):
    rng = np.random.default_rng(config.seed)
    rng.integers(0, 4, size=config.input_shape)  # as the other kinds draw their input
    x = _ints(np.random.default_rng(config.seed), config.input_shape, 1, 4)
    w = _ints(rng, config.kernel_size, 0, 3)
    out = core.conv_transpose2d(x[None], w[None, None], stride=config.stride)[0]
    return {"x": x, "kernel": w, "out": out}


def _zero_insertion_data(config):
    """The transposed convolution of ``"transposed"`` style data, computed as
    conv_arithmetic draws it: a stride-1 scan of the zero-inserted, padded
    input with the turned kernel (:func:`core.conv_transpose2d_by_zero_insertion`).

    The input has no zero of its own, so every zero drawn is an inserted or a
    padded one; ``"wasted"`` counts, per window, the taps that fall on one.
    """
    rng = np.random.default_rng(config.seed)
    x = _ints(rng, config.input_shape, 1, 4)
    w = _ints(rng, config.kernel_size, 1, 4)
    geometry = _geometry(config)
    out = core.conv_transpose2d_by_zero_insertion(x[None], w[None, None], **geometry)
    if not np.allclose(out, core.conv_transpose2d(x[None], w[None, None], **geometry)):
        raise RuntimeError("the two views of the transposed convolution differ")
    inserted = core.zero_insert(x[None], config.stride)[0]
    pixels = inserted > 0  # where the input pixels sit: x has no zero of its own
    pads = tuple(config.dilation * (k - 1) - config.padding for k in w.shape)
    if min(pads) < 0:
        raise RuntimeError(f"{config.name!r} would crop its input: no zero to draw")
    windows = counting.scan_positions(
        inserted.shape, w.shape, padding=pads, dilation=config.dilation
    )
    wasted = tuple(
        sum(
            not (inside and pixels[tap])
            for tap, inside in zip(window.taps, window.inside, strict=True)
        )
        for window in windows
    )
    turned = w[::-1, ::-1]
    return {
        "x": x,
        "inserted": inserted,
        "pixels": pixels,
        "kernel": turned,
        "out": out[0],
        "lanes": [(inserted, turned, out[0])],
        "roles": ("input", "output"),
        "padding": pads,
        "windows": windows,
        "wasted": wasted,
        "labels": {
            "inputs": ["zero-inserted, padded input"],
            "kernel": "turned kernel",
            "output": "output",
        },
    }


#: The lateral weights of the flattened filter the ``"flattened"`` animation
#: draws (as chapter 7's static figure); its vertical and horizontal factors
#: are the Sobel kernel's.
_FLATTENED_LATERAL = (1, -1, 2)
#: The passes of a flattened convolution, in order.
_FLATTENED_PASSES = ("lateral", "vertical", "horizontal")


def _flattened_data(config):
    """Input, the three 1-D filters and each pass's result, computed by core;
    the windows of each pass, from counting."""
    rng = np.random.default_rng(config.seed)
    x = _ints(rng, config.input_shape, 0, 4)
    lateral = np.array(_FLATTENED_LATERAL, dtype=float)
    vertical, horizontal = kernels.smoothing_1d(), kernels.derivative_1d()
    if (x.shape[0], tuple(config.kernel_size)) != (lateral.size, (3, 3)):
        raise RuntimeError(f"{config.name!r} needs 3 channels and a 3x3 kernel")
    maps = [core.pointwise_conv2d(x, lateral[None])[0]]
    maps.append(core.column_pass(maps[0], vertical))
    maps.append(core.row_pass(maps[1], horizontal))
    full = np.einsum("c,u,v->cuv", lateral, vertical, horizontal)
    for result in (
        core.flattened_conv2d(x, lateral[None], vertical[None], horizontal[None]),
        core.conv2d(x, full[None]),
    ):
        if not np.array_equal(result[0], maps[2]):
            raise RuntimeError("the flattened passes differ from the full filter")
    hw = x.shape[-2:]
    separable = counting.separable_scan_positions(hw, config.kernel_size)
    return {
        "x": x,
        "factors": (lateral, vertical, horizontal),
        "maps": maps,
        "full": full,
        "out": maps[2],
        "windows": {
            "lateral": counting.scan_positions(hw, 1),
            "vertical": separable["column"],
            "horizontal": separable["row"],
        },
        "full_cost": counting.conv2d_cost(x.shape, 1, config.kernel_size),
    }


# ---------------------------------------------------------------------------
# steps: (position, window, multiplications) per frame


def _scan_steps(config, data):
    p, x = data["padding"], data["x"]
    ph, pw = (p, p) if np.ndim(p) == 0 else p
    channels = x.shape[0] if x.ndim == 3 else 1  # each one multiplied per window
    for window in data["windows"]:
        top, left = window.top_left
        yield window.output_index, (top + ph, left + pw), channels * len(window.taps)


def _filter_steps(config, data):
    """One frame per output channel (then, for groups, the shuffle)."""
    w, out = data["kernel"], data["out"]
    for o in range(w.shape[0]):
        yield (o,), (), w[o].size * out.shape[1] * out.shape[2]
    if config.kind == "grouped_shuffle":
        yield ("shuffle",), (), 0


def _flattened_steps(config, data):
    """One frame per window of each pass, then one for the full filter."""
    channels = data["x"].shape[0]
    for name in _FLATTENED_PASSES:
        for window in data["windows"][name]:
            count = len(window.taps) * (channels if name == "lateral" else 1)
            yield (name, *window.output_index), window.top_left, count
    yield ("full filter",), (), 0


def _transposed_steps(config, data):
    """One frame per input cell, scattering the kernel at ``stride`` times it."""
    s = config.stride
    for i, j in np.ndindex(data["x"].shape):
        yield (i, j), (i * s, j * s), data["kernel"].size


# ---------------------------------------------------------------------------
# scenes: draw the data, then show one step per frame


class _Scene:
    """A canvas of square cells with a title, a running count and the legend."""

    #: Further legend entries (matplotlib artists with labels), after the roles.
    legend_extra = ()

    def __init__(self, config, steps, *, dpi, cell=0.26, size=8.0):
        self.config, self.steps, self.cell, self.size = config, steps, cell, size
        self.fig = pl.new_figure((1, 1), dpi=dpi)
        self.ax = ax = self.fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.set_autoscale_on(False)
        ax.set_ylim(1, 0)  # rows go down

    def frame(self, left, right, height, count_y, roles=("input", "kernel", "output")):
        """Size the canvas to ``[left, right] x [0, height]`` cells; put the
        title at the top, the count at ``count_y`` and the legend at the bottom."""
        ax, middle = self.ax, (left + right) / 2
        self.fig.set_size_inches((right - left) * self.cell, height * self.cell)
        ax.set_xlim(left, right)
        ax.set_ylim(height, 0)
        self.text(
            middle, 0.35, self.config.title, fontsize=self.size + 1, weight="bold"
        )
        self.count = self.text(middle, count_y)
        pl.legend(
            ax,
            roles=roles,
            loc="center",
            bbox_to_anchor=(middle, height - 0.6),
            bbox_transform=ax.transData,
            fontsize=self.size,
            extra=self.legend_extra,
        )

    def text(self, x, y, text="", **style):
        return self.ax.text(
            x, y, text, **{"ha": "center", "va": "top", "fontsize": self.size, **style}
        )

    def description(self):
        """The frame in words: its products and its count, one sentence each
        (what the player lists and speaks for readers who cannot see it)."""
        texts = self.products if isinstance(self.products, list) else [self.products]
        lines = [" ".join(text.get_text().split()) for text in texts]
        if len(lines) > 1:  # one lane per channel
            lines = [f"channel {c}: {line}" for c, line in enumerate(lines)]
        return ". ".join(line for line in [*lines, self.count.get_text()] if line) + "."

    def counted(self, step):
        self.count.set_text(
            f"step {step.index + 1} of {len(self.steps)}: {step.multiplications} "
            f"multiplications · running count {step.total:,}"
        )


#: The products as the scan scene writes them: monospaced, one kernel row a line.
_MONO = {"family": "DejaVu Sans Mono"}


class _ScanScene(_Scene):
    """Inputs ⋆ kernel = output with a moving window, one lane per channel
    for a depthwise step (then the maps stacked), the products summed."""

    def __init__(self, config, data, steps, *, dpi):
        lanes, self.data = data["lanes"], data
        self.depthwise = len(lanes) > 1
        self.channels = np.ndim(lanes[0][0]) == 3  # a pointwise filter's inputs
        labelled = self.depthwise or self.channels or "labels" in data
        # cells hold a value, and the kernel's weight where the window is
        # (not in labelled scenes: their lines of products show the weights)
        cell = 0.34 if not labelled else 0.205 if self.depthwise else 0.25
        super().__init__(config, steps, dpi=dpi, cell=cell)
        top = 1.4 + (0.6 if labelled else 0.0)  # room for the channels' captions
        pitch = lanes[0][0].shape[-2] + 1.2
        self.scans = []
        for c, (x, k, out) in enumerate(lanes):
            labels = data.get("labels", {})
            if self.depthwise:
                labels = {"inputs": [f"channel {c}"]}
            elif self.channels:
                labels = {
                    "inputs": [f"channel {ch}" for ch in range(len(x))],
                    "kernel": f"1×1×{len(x)}",
                    "output": "{}×{}×1".format(*out.shape),
                }
            scan = pl.draw_scan(
                x,
                k,
                out,
                self.ax,
                padding=data["padding"],
                dilation=config.dilation,
                origin=(0, top + c * pitch),
                roles=data["roles"],
                labels=labels,
                channel_gap=0.3,
                fontsize=self.size,
                symbol_sizes=(14, 11) if self.depthwise else (16, 12),
                show_weights=not labelled,
            )
            self.scans.append(scan)
        scan = self.scans[-1]
        first, last = data["roles"]
        roles = (first, *(("padding",) if data["padding"] else ()), "kernel", last)
        if self.depthwise:
            self._stacked(top - 0.6, pitch, roles)
            return
        y = top + scan.rows + 0.5
        if self.channels:
            self.products = [self.text(scan.width / 2, y)]
            count_y, bottom = y + 0.8, 2.1
            left = -0.75
        else:
            lines = scan.weights.shape[0] if scan.weights.shape[1] > 1 else 1
            self.products = [self.text(scan.width / 2, y, linespacing=1.25, **_MONO)]
            line = 1.25 * self.size / 72 / self.cell  # one line of text, in cells
            count_y, bottom = y + line * lines + 0.35, 1.75
            left = -max(1.0, 17.0 - scan.width) / 2
        self.frame(left, scan.width - left, count_y + bottom, count_y, roles)

    def _stacked(self, top, pitch, roles):
        """Depthwise: the products right of each lane, the maps stacked right."""
        out = self.data["out"]
        depth, oh, ow = out.shape
        width = self.scans[0].width
        middles = [scan.origin[1] + scan.rows / 2 for scan in self.scans]
        self.products = [
            self.text(width + 0.6, y, ha="left", va="center", **_MONO) for y in middles
        ]
        x = width + 0.5 + 7.2 + 0.4  # room for the products
        self.stack = pl.draw_stack(
            out,
            self.ax,
            role=roles[-1],
            origin=(x, top + depth * pitch / 2 - oh / 2 + 0.3),
            fontsize=self.size,
            label=f"stacked: {oh}×{ow}×{depth}",
        )
        right = x + ow + (depth - 1) * 0.35 + 0.5
        count_y = top + depth * pitch + 0.3
        self.frame(-0.5, right, count_y + 2.2, count_y, roles)

    def update(self, index):
        step = self.steps[index]
        texts = [scan.show(step.position, step.window) for scan in self.scans]
        if self.channels:
            texts = ["pixel ({}, {}): ".format(*step.position) + texts[0]]
        for artist, text in zip(self.products, texts, strict=True):
            artist.set_text(text)
        if self.depthwise:
            shown = pl.so_far(self.data["out"], step.position)
            self.stack.update(shown, highlight=step.position)
        self.counted(step)


class _PointwiseStackScene(_Scene):
    """Many pointwise filters, each adding one layer to the front of the
    output block (drawn whole from the first frame, the layers to come empty)."""

    def __init__(self, config, data, steps, *, dpi):
        super().__init__(config, steps, dpi=dpi)
        x, w, out = data["x"], data["kernel"], data["out"]
        self.x, self.w, self.out = x, w[:, :, 0, 0], out
        (c, h, wd), nc, ax, off, x0 = x.shape, w.shape[0], self.ax, 0.35, 0.75
        stack = partial(pl.draw_stack, ax=ax, fontsize=self.size)
        top = 1.6 + (nc - 1) * off
        column = 1 + (c - 1) * 0.62
        label = f"depthwise maps {h}×{wd}×{c}"
        front = stack(x, role="intermediate", origin=(x0, top), label=label)
        pl.highlight_window(front.layers[0], 0, 0, (1, 1))
        xf = x0 + wd + (c - 1) * off + 1.6
        yf = top + h / 2 - 0.5 + (c - 1) * 0.31
        # one filter column, showing the current filter's weights
        self.filter = pl.draw_pointwise_filter(
            self.w[0], ax, origin=(xf, yf), fontsize=self.size
        )
        self.filter_label = self.text(xf + column / 2, yf + 1.3, color=pl.KERNEL_COLOR)
        xo = xf + column + 1.6
        _symbols(ax, (xf - 0.8, xo - 0.8), top + h / 2)
        self.stack = stack(out, role="output", origin=(xo, top), max_layers=nc)
        width = xo + wd + (nc - 1) * off + x0
        middle = (xo + width - x0) / 2
        self.stack_label = self.text(middle, top + h + 0.3, color=pl.OUTPUT_COLOR)
        self.products = self.text(width / 2, top + h + 1.1)
        roles = ("intermediate", "kernel", "output")
        self.frame(0, width, top + h + 1.0 + 0.8 + 0.6 + 1.5, top + h + 1.9, roles)

    def update(self, index):
        step = self.steps[index]
        (o,) = step.position
        self.filter.update(self.w[o].reshape(-1, 1, 1))
        self.filter_label.set_text(f"filter {o + 1}")
        # the newest layer is in front, the earlier ones pushed back one
        # place each; the places behind them wait, empty, for the rest
        for depth, layer in enumerate(self.stack.layers):
            k = o - depth
            values = self.out[k] if k >= 0 else np.full_like(self.out[0], np.nan)
            layer.update(values, highlight=(0, 0) if depth == 0 else None)
        (nc, h, w), c = self.out.shape, self.x.shape[0]
        self.stack_label.set_text(f"{h}×{w}×{nc}: {o + 1} of {nc} layers")
        products = pl.format_products(
            self.x[:, 0, 0], self.w[o], total=self.out[o, 0, 0]
        )
        self.products.set_text(
            f"layer {o + 1}, pixel (0, 0): {products};  {h}×{w} pixels × {c} products"
        )
        self.counted(step)


def _symbols(ax, xs, y, symbols="⋆=", sizes=(16, 12)):
    """The operators between panels, centred at ``xs`` on the line ``y``."""
    for x, symbol, size in zip(xs, symbols, sizes, strict=True):
        ax.text(x, y, symbol, ha="center", va="center", fontsize=size)


class _TransposedScene(_Scene):
    """Each input cell scatters a weighted copy of the kernel; copies overlap."""

    def __init__(self, config, data, steps, *, dpi):
        super().__init__(config, steps, dpi=dpi)
        x, w, out = data["x"], data["kernel"], data["out"]
        self.x, self.w, self.out, self.s = x, w, out, config.stride
        (h, wd), (kh, kw), (oh, ow), ax = x.shape, w.shape, out.shape, self.ax
        grid = partial(pl.draw_grid, ax=ax, fontsize=self.size)
        top, x0 = 2.0, 0.5
        xk = x0 + wd + 1
        xo = xk + kw + 1.2
        self.g_in = grid(x, origin=(x0, top + (oh - h) / 2), label="input")
        self.input_cell = pl.highlight_window(self.g_in, 0, 0, (1, 1))
        grid(w, role="kernel", origin=(xk, top + (oh - kh) / 2), label="kernel")
        _symbols(ax, (xk - 0.5, xo - 0.6), top + oh / 2, "×→", (12, 12))
        label = f"output {oh}×{ow} (sums so far)"
        self.g_out = grid(out, role="output", origin=(xo, top), label=label)
        self.patch = pl.highlight_window(self.g_out, 0, 0, (kh, kw))
        label, origin = "contributions per cell", (xo + ow + 1.2, top)
        self.g_overlap = grid(
            np.zeros_like(out), role="output", origin=origin, label=label
        )
        width = xo + ow + 1.2 + ow + x0
        y = top + oh + 0.5
        self.products = self.text(width / 2, y)
        self.frame(0, width, top + oh + 3 * 0.6 + 1.6, y + 0.6)

    def update(self, index):
        step = self.steps[index]
        i, j = step.position
        h, w = self.x.shape
        mask = (np.arange(h * w) <= i * w + j).reshape(h, w).astype(float)
        partial_sums = core.conv_transpose2d(
            (self.x * mask)[None], self.w[None, None], stride=self.s
        )[0]
        overlap = core.conv_transpose2d(
            mask[None], np.ones_like(self.w)[None, None], stride=self.s
        )[0]
        self.input_cell.move(i, j)
        self.patch.move(*step.window)
        reached = overlap > 0
        self.g_out.update(np.where(reached, partial_sums, np.nan))
        greens = mpl.colormaps["Greens"]
        shades = np.empty(overlap.shape, dtype=object)
        for cell, n in np.ndenumerate(overlap):
            shades[cell] = mpl.colors.to_hex(
                greens(0.15 + 0.55 * n / 4) if n else "white"
            )
        self.g_overlap.update(np.where(reached, overlap, np.nan), faces=shades)
        (r, c), (kh, kw) = step.window, self.w.shape
        self.products.set_text(
            f"input ({i}, {j}) = {pl.format_number(self.x[i, j])} times each of the "
            f"{self.w.size} kernel weights, added into the output at "
            f"rows {r}–{r + kh - 1}, columns {c}–{c + kw - 1}"
        )
        self.counted(step)


#: The look of an inserted zero: white, hatched in a light input blue.
_INSERTED = {"facecolor": "white", "edgecolor": "#8CBFDC", "hatch": "//"}


class _ZeroInsertionScene(_ScanScene):
    """The scan scene over a zero-inserted, padded input: the inserted zeros
    white and hatched (the padding grey and dashed, the input pixels tinted),
    and a running count of the products with a zero."""

    def __init__(self, config, data, steps, *, dpi):
        self.legend_extra = (Patch(label="inserted zero", linewidth=0.8, **_INSERTED),)
        super().__init__(config, data, steps, dpi=dpi)
        grid, pixels = self.scans[0].inputs[0], data["pixels"]
        tint = pl.ROLE_COLORS["input"]["face"]
        faces = np.where(pixels, tint, "white").astype(object)
        grid.update(data["inserted"], faces=faces)
        t, _, left, _ = grid.padding
        zeros = [(i + t, j + left) for i, j in zip(*np.nonzero(~pixels), strict=True)]
        hatch = PolyCollection(
            pl.cell_quads(zeros, grid.origin),
            linewidth=0,
            zorder=grid.cells.get_zorder() + 0.001,
            **_INSERTED,
        )
        hatch.set_facecolor("none")
        self.ax.add_collection(hatch, autolim=False)

    def counted(self, step):
        wasted = self.data["wasted"][: step.index + 1]
        self.count.set_text(
            f"step {step.index + 1} of {len(self.steps)}: {step.multiplications} "
            f"multiplications, {wasted[-1]} by a zero · running count "
            f"{step.total:,}, {sum(wasted):,} by a zero"
        )


class _FlattenedScene(_Scene):
    """The three passes of a flattened filter, one scan each: on top the
    lateral pass (the channels ⋆ a 1x1xC filter = one map), below it the
    vertical and the horizontal passes side by side, each reading what the
    pass before has written so far. The last frame puts the full CxKxK
    filter (the outer product of the three) in the lateral pass's place,
    with the output it computes in one pass: the same."""

    def __init__(self, config, data, steps, *, dpi):
        super().__init__(config, steps, dpi=dpi)
        self.data = data
        x, factors, maps = data["x"], data["factors"], data["maps"]
        style = {"fontsize": self.size, "show_weights": False, "symbol_sizes": (14, 11)}
        scan = partial(pl.draw_scan, ax=self.ax, **style)
        shape = "{}×{}".format
        top = 2.0
        lateral = scan(
            x,
            factors[0],
            maps[0],
            origin=(0, top),
            gap=1.6,
            roles=("input", "intermediate"),
            labels={
                "inputs": [f"channel {c}" for c in range(len(x))],
                "kernel": f"lateral 1×1×{len(x)}",
                "output": f"lateral map {shape(*maps[0].shape)}",
            },
        )
        width, y = lateral.width, top + lateral.rows + 1.5
        vertical = scan(
            maps[0],
            factors[1][:, None],
            maps[1],
            origin=(0, y),
            roles=("intermediate", "intermediate"),
            labels={
                "inputs": ["lateral map"],
                "kernel": f"{len(factors[1])}×1",
                "output": shape(*maps[1].shape),
            },
        )
        # right-aligned with the lateral pass, centred on the vertical one
        right = width - (maps[1].shape[1] + 1 + len(factors[2]) + 1 + maps[2].shape[1])
        horizontal = scan(
            maps[1],
            factors[2][None],
            maps[2],
            origin=(right, y + (vertical.rows - maps[1].shape[0]) / 2),
            roles=("intermediate", "output"),
            labels={
                "inputs": [shape(*maps[1].shape)],
                "kernel": f"1×{len(factors[2])}",
                "output": f"output {shape(*maps[2].shape)}",
            },
        )
        self.scans = [lateral, vertical, horizontal]
        self._full_filter(top)
        y += vertical.rows + 0.5
        self.products = self.text(width / 2, y, **_MONO)
        self.tally = self.text(width / 2, y + 0.75)
        roles = ("input", "kernel", "intermediate", "output")
        self.frame(-0.5, width + 0.5, y + 1.5 + 2.0, y + 1.5, roles)

    def _full_filter(self, top):
        """The last frame's picture, hidden until then: the full filter where
        the lateral filter was, the output where the lateral map was, and a
        KxK window on every channel."""
        lateral, data = self.scans[0], self.data
        full, out = data["full"], data["out"]
        (star, _), (equals, _) = (s.get_position() for s in lateral.symbols)
        depth, kh, kw = full.shape
        offset = 0.3
        side = kw + (depth - 1) * offset
        front = (
            (star + equals) / 2 - side / 2,
            top + (lateral.rows - kh - (depth - 1) * offset) / 2 + (depth - 1) * offset,
        )
        self.full = pl.draw_stack(
            full,
            self.ax,
            role="kernel",
            origin=front,
            offset=offset,
            fontsize=self.size,
            label="lateral ⊗ vertical ⊗ horizontal",
        )
        x0 = lateral.output.origin[0]
        origin = (
            x0 + (lateral.out.shape[1] - out.shape[1]) / 2,
            top + (lateral.rows - out.shape[0]) / 2,
        )
        self.full_out = pl.draw_grid(
            out, self.ax, role="output", origin=origin, fontsize=self.size
        )
        windows = [pl.highlight_window(g, 0, 0, (kh, kw)) for g in lateral.inputs]
        # the last frame shows these in place of the lateral filter and map
        self.shown = [*self.full.layers, self.full.label, self.full_out, *windows]
        self.replaced = [*lateral.kernel.layers, lateral.kernel.label, lateral.output]

    def update(self, index):
        step = self.steps[index]
        name = step.position[0]
        final = name not in _FLATTENED_PASSES
        current = len(_FLATTENED_PASSES) if final else _FLATTENED_PASSES.index(name)
        maps = self.data["maps"]
        for k, scan in enumerate(self.scans):
            for window in scan.windows:
                window.set_visible(k == current)
            if k == current:
                text = scan.show(step.position[1:], step.window)
                self.products.set_text(f"{name}, pixel {step.position[1:]}: {text}")
            else:
                shown = maps[k] if k < current else np.full_like(maps[k], np.nan)
                scan.output.update(shown)
            if k:  # a pass reads what the pass before has written so far
                scan.inputs[0].update(self.scans[k - 1].output.values)
        for artist in self.shown:
            artist.set_visible(final)
        for artist in self.replaced:
            artist.set_visible(not final)
        tally = dict.fromkeys(_FLATTENED_PASSES, 0)  # each pass's products so far
        for done in self.steps[: index + 1]:
            if done.position[0] in tally:
                tally[done.position[0]] += done.multiplications
        self.tally.set_text(
            " + ".join(f"{name} {tally[name]}" for name in _FLATTENED_PASSES)
            + f" = {sum(tally.values())} multiplications"
        )
        if not final:
            self.counted(step)
            return
        x, full, out = self.data["x"], self.data["full"], self.data["out"]
        depth, kh, kw = full.shape
        products = pl.format_products(
            x[:, :kh, :kw], full, total=out[0, 0], max_terms=4
        )
        self.products.set_text(f"{depth}×{kh}×{kw} filter, pixel (0, 0): {products}")
        cost = self.data["full_cost"]
        self.count.set_text(
            "the same output in one pass of the full filter: {}×{} pixels × {} = "
            "{:,} multiplications, against {:,}".format(
                *out.shape, full.size, cost.multiplications, step.total
            )
        )


class _GroupedShuffleScene(_Scene):
    """A grouped convolution, one output channel per frame, then a shuffle.

    Three rows: the inputs; the kernels of the current output channel; the
    outputs. For the shuffle the kernels go, the outputs move up into their
    row, and the shuffled channels take the outputs' row (no row is ever
    left empty).
    """

    def __init__(self, config, data, steps, *, dpi):
        super().__init__(config, steps, dpi=dpi, cell=0.24)
        x, w, out = data["x"], data["kernel"], data["out"]
        self.x, self.w, self.out, self.g = x, w, out, config.groups
        (c, h, wd), n_out, ax = x.shape, w.shape[0], self.ax
        grid = partial(pl.draw_grid, ax=ax, fontsize=self.size)
        self.per, self.out_per = c // self.g, n_out // self.g
        (kh, kw), (oh, ow) = w.shape[-2:], out.shape[-2:]
        gap, top, x0 = 1.0, 2.3, 0.75
        in_w = c * wd + (c - 1) * gap
        self.y_k = y_k = top + h + 1.5
        y_o = y_k + max(kh, oh) + 1.9  # room for the shuffle's arrows
        self.in_x = [x0 + ch * (wd + gap) for ch in range(c)]
        self.windows = []
        for ch in range(c):
            label = f"in {ch} · group {ch // self.per}"
            g = grid(x[ch], origin=(self.in_x[ch], top), label=label)
            self.windows.append(pl.highlight_window(g, 0, 0, (kh, kw)))
        dashed = {"fill": False, "edgecolor": pl.KERNEL_COLOR, "linewidth": 1.5,
                  "linestyle": "--"}  # fmt: skip
        box = (self.per * wd + (self.per - 1) * gap + 0.6, h + 1.15)
        self.group_boxes = [
            ax.add_patch(Rectangle((self.in_x[gi * self.per] - 0.3, top - 0.85), *box,
                                   **dashed))
            for gi in range(self.g)
        ]  # fmt: skip
        # under each input channel, its kernel of the current output channel
        self.kernels = [
            grid(w[0, ch % self.per], role="kernel", origin=(xk + (wd - kw) / 2, y_k))
            for ch, xk in enumerate(self.in_x)
        ]
        self.kernel_label = self.text(0, y_k - 0.2, va="bottom", color=pl.KERNEL_COLOR)
        spacing = (in_w - n_out * ow) / max(1, n_out - 1)
        out_x = [x0 + o * (ow + spacing) for o in range(n_out)]
        self.rows = {False: y_o, True: y_k}  # the outputs' row (key: shuffle)
        self.outputs = [
            grid(out[o], role="output", origin=(out_x[o], y_o),
                 label=f"out {o} · group {o // self.out_per}")
            for o in range(n_out)
        ]  # fmt: skip
        index = np.arange(n_out, dtype=float).reshape(n_out, 1, 1)
        self.order = [int(v) for v in core.channel_shuffle(index, self.g)[:, 0, 0]]
        arrow = {"arrowstyle": "-|>", "mutation_scale": 10, "color": pl.OUTPUT_COLOR,
                 "linewidth": 1.0}  # fmt: skip
        self.shuffled = []
        for pos, o in enumerate(self.order):
            shuffled = data["shuffled"][pos]
            g = grid(
                shuffled, role="output", origin=(out_x[pos], y_o), label=f"out {o}"
            )
            start = (out_x[o] + ow / 2, y_k + oh + 0.1)
            link = FancyArrowPatch(start, (out_x[pos] + ow / 2, y_o - 0.9), **arrow)
            self.shuffled.append((g, ax.add_patch(link)))
        width, y = in_w + 1.5, y_o + oh + 0.5
        self.products = self.text(width / 2, y)
        self.frame(0, width, y + 0.7 + 0.6 + 1.5, y + 0.7)

    def update(self, index):
        step = self.steps[index]
        shuffle = step.position == ("shuffle",)
        o = self.out.shape[0] - 1 if shuffle else step.position[0]
        grp = o // self.out_per
        members = range(grp * self.per, (grp + 1) * self.per)
        for ch, window in enumerate(self.windows):
            shown = ch in members and not shuffle  # the group of out o
            self.group_boxes[ch // self.per].set_visible(shown)
            window.set_visible(shown)
            self.kernels[ch].update(self.w[o, ch % self.per]).set_visible(shown)
        first, last = self.in_x[members[0]], self.in_x[members[-1]] + self.x.shape[2]
        self.kernel_label.set_position(((first + last) / 2, self.y_k - 0.2))
        self.kernel_label.set_text(
            "" if shuffle else f"the {self.per} kernels of out {o} (group {grp})"
        )
        for k, grid in enumerate(self.outputs):
            values = self.out[k] if k <= o else np.full_like(self.out[k], np.nan)
            grid.move_to((grid.origin[0], self.rows[shuffle]))
            grid.update(values, highlight=(0, 0) if k == o and not shuffle else None)
        for grid, link in self.shuffled:
            grid.set_visible(shuffle)
            link.set_visible(shuffle)
        if shuffle:
            order = ", ".join(str(v) for v in self.order)
            self.products.set_text(
                f"channel shuffle: new order {order}, so that every group of the next "
                "layer sees both groups"
            )
            self.count.set_text(
                "the shuffle moves channels: 0 multiplications · running count "
                f"{step.total:,}"
            )
            return
        _, kh, kw = self.w.shape[1:]
        taps = self.x[members[0] : members[-1] + 1, :kh, :kw]
        products = pl.format_products(
            taps, self.w[o], total=self.out[o, 0, 0], max_terms=5
        )
        self.products.set_text(f"out {o}, pixel (0, 0): {products}")
        self.counted(step)


# ---------------------------------------------------------------------------
# the registry: each kind's data, steps and scene, in one place


@dataclass(frozen=True)
class _Kind:
    data: object
    steps: object
    scene: object


_SCAN = _Kind(_scan_data, _scan_steps, _ScanScene)
_KINDS = {
    "correlate": _SCAN,
    "column_pass": _SCAN,
    "row_pass": _SCAN,
    "depthwise": _SCAN,
    "pointwise": _SCAN,
    "pointwise_stack": _Kind(_filters_data, _filter_steps, _PointwiseStackScene),
    "transposed": _Kind(_transposed_data, _transposed_steps, _TransposedScene),
    "grouped_shuffle": _Kind(_filters_data, _filter_steps, _GroupedShuffleScene),
    "flattened": _Kind(_flattened_data, _flattened_steps, _FlattenedScene),
    "zero_insertion": _Kind(_zero_insertion_data, _scan_steps, _ZeroInsertionScene),
}


def _data(config):
    return _KINDS[config.kind].data(config)


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
        on the kind); ``steps[-1].total`` is the instrumented count of
        multiplications, equal to the closed form in :mod:`sepconv.counting`.

    Examples
    --------
    >>> steps = animation_steps("full_3x3")
    >>> len(steps), steps[0].multiplications, steps[-1].total
    (9, 9, 81)
    """
    config = _config(name)
    steps, total = [], 0
    for position, window, count in _KINDS[config.kind].steps(config, _data(config)):
        total += int(count)
        steps.append(
            Step(len(steps), tuple(position), tuple(window), int(count), total)
        )
    return tuple(steps)


def _fit(scene, margin=4.0):
    """Widen or heighten the canvas so that no text of any frame is clipped.

    The single axes spans the whole figure with one data unit per cell, so
    growing the figure and the limits together keeps the cells square.
    """
    fig, ax = scene.fig, scene.ax
    renderer = fig.canvas.get_renderer()
    left = bottom = 0.0
    right, top = fig.bbox.width, fig.bbox.height
    for k in range(len(scene.steps)):
        scene.update(k)
        for artist in (*ax.texts, ax.get_legend()):
            if not artist.get_visible() or artist.get_gid() == "cell-value":
                continue  # values sit inside their cells
            box = artist.get_window_extent(renderer)
            left, right = min(left, box.x0), max(right, box.x1)
            bottom, top = min(bottom, box.y0), max(top, box.y1)
    grow_x = max(margin - left, right - (fig.bbox.width - margin), 0.0)
    grow_y = max(margin - bottom, top - (fig.bbox.height - margin), 0.0)
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
        scene = _KINDS[config.kind].scene(config, _data(config), steps, dpi=dpi)
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
    config, scene = _config(name), _scene(name, dpi)

    def frame(index):
        scene.update(index)
        return scene.description()

    return player_html(
        scene.fig,
        frame,
        len(scene.steps),
        name=config.name,
        what=config.title,
        interval=800,
        max_bytes=max_bytes,
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
