"""Live explorers for JupyterLab, and their static forms for the website.

Each explorer is a function returning an ipywidgets widget (an
:class:`Explorer`): sliders, a picture, and a readout whose numbers come
from :mod:`sepconv.counting` (and :mod:`sepconv.core`,
:mod:`sepconv.decompose`). Nothing is computed here but the layout.

Explorers, each with its static figure and its precomputed scrubber:

* :func:`scan_explorer`, :func:`scan_figure`, :func:`scan_scrubber`;
* :func:`spatial_cost_explorer`, :func:`spatial_cost_figure`,
  :func:`spatial_cost_scrubber`;
* :func:`depthwise_cost_explorer`, :func:`depthwise_cost_figure`,
  :func:`depthwise_cost_scrubber`;
* :func:`low_rank_explorer`, :func:`low_rank_figure`, :func:`low_rank_scrubber`.

The website has no kernel, so a saved widget would be a slider that changes
nothing. A chapter shows the static figure (made by the same drawing code at
the default values) and, where a sweep teaches something, the scrubber: a
self-contained jshtml animation over the slider's values
(:mod:`sepconv.animation`). The live explorer follows, for JupyterLab.

How the explorers work, without ipympl or any other extension: the figure is
a plain matplotlib :class:`~matplotlib.figure.Figure` on an Agg canvas; a
slider change updates the existing artists (texts, patches, line data, bar
widths) and the figure is sent as PNG bytes to an ``ipywidgets.Image``. The
numbers are in an ``ipywidgets.HTML`` readout (CSS class
``sepconv-readout``) and in :attr:`Explorer.numbers`, for tests. Callbacks
run inside an ``ipywidgets.Output``, so nothing is ever printed elsewhere;
an invalid combination (say, a kernel larger than the padded image) is
reported in the readout.
"""

from __future__ import annotations

import html
import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import animation, core, counting, decompose, kernels
from . import plotting as pl
from ._validation import check_int, fail

__all__ = [
    "LOW_RANK_KERNELS",
    "Explorer",
    "depthwise_cost_explorer",
    "depthwise_cost_figure",
    "depthwise_cost_scrubber",
    "low_rank_explorer",
    "low_rank_figure",
    "low_rank_scrubber",
    "scan_explorer",
    "scan_figure",
    "scan_scrubber",
    "spatial_cost_explorer",
    "spatial_cost_figure",
    "spatial_cost_scrubber",
]

_DPI = 100


def _figure(size, *, pyplot=False):
    """A figure for a view: pyplot-managed (static, shown inline) or bare Agg."""
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=size, dpi=_DPI)
    fig = Figure(figsize=size, dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig


def _encode(canvas):
    """The Agg canvas's current pixels as PNG bytes, fast (low compression:
    sent to the browser once, never stored)."""
    from PIL import Image

    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(
        buffer, format="png", compress_level=1
    )
    return buffer.getvalue()


def _show_region(ax, x0, x1, y0, y1):
    """Set limits that show ``[x0, x1] x [y0, y1]`` with square cells, centred.

    (``set_aspect("equal", adjustable="datalim")`` would do the same but logs
    a warning whenever limits are set; this keeps the explorers silent.)
    """
    box = ax.get_position()
    width = box.width * ax.figure.bbox.width
    height = box.height * ax.figure.bbox.height
    scale = min(width / (x1 - x0), height / (y1 - y0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = width / scale / 2, height / scale / 2
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy + half_h, cy - half_h)


def _fmt(value):
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    return f"{float(value):.3f}"


def _readout(title, rows, note=""):
    """The readout's HTML: a small table, one number per row."""
    cells = "".join(
        f'<tr><td style="padding-right:1em">{html.escape(label)}</td>'
        f'<td style="text-align:right" data-name="{html.escape(key)}">'
        f"{html.escape(_fmt(value) if not isinstance(value, str) else value)}</td></tr>"
        for key, label, value in rows
    )
    extra = f"<div>{html.escape(note)}</div>" if note else ""
    return f"<b>{html.escape(title)}</b><table>{cells}</table>{extra}"


class _View:
    """Draws one explorer's picture; ``update(**values)`` returns the numbers.

    ``animated`` lists the artists an update may change; everything else
    (axes, ticks, labels, legends) is drawn once.
    """

    title = ""
    animated = ()

    def __init__(self, fig):
        self.fig = fig

    def update(self, **values):  # pragma: no cover - every view overrides it
        raise NotImplementedError

    def rows(self, numbers):  # pragma: no cover - every view overrides it
        raise NotImplementedError


class Explorer(widgets.VBox):
    """An explorer: controls, the picture (PNG), a readout, an Output.

    Attributes
    ----------
    controls : dict
        The input widgets by parameter name (sliders, dropdowns).
    image : ipywidgets.Image
        The picture, redrawn after every change.
    readout : ipywidgets.HTML
        The numbers shown to the reader (CSS class ``sepconv-readout``).
    output : ipywidgets.Output
        Where callbacks run: anything they print or raise ends up here.
    numbers : dict
        The numbers last displayed, by name (``{"error": message}`` when the
        current combination is invalid).
    view : object
        The drawing, with its matplotlib figure in ``view.fig``.
    """

    def __init__(self, view, controls, *, limits=None):
        self.view = view
        self.controls = dict(controls)
        self._limits = limits
        self._busy = False
        self._background = None
        self.numbers = {}
        self.image = widgets.Image(
            format="png", layout=widgets.Layout(max_width="100%")
        )
        self.readout = widgets.HTML()
        self.readout.add_class("sepconv-readout")
        self.output = widgets.Output()
        boxes = list(self.controls.values())
        super().__init__(
            [
                widgets.HBox(boxes[:3]),
                widgets.HBox(boxes[3:]),
                self.image,
                self.readout,
                self.output,
            ]
            if len(boxes) > 3
            else [widgets.HBox(boxes), self.image, self.readout, self.output]
        )
        self.add_class("sepconv-explorer")
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self.refresh()

    def _render(self):
        """PNG of the view: a cached background plus the artists that change.

        Axes, ticks and labels that no slider changes are drawn once; each
        update restores them and draws only the view's ``animated`` artists
        (blitting on the Agg canvas), then encodes the PNG.
        """
        fig = self.view.fig
        canvas = fig.canvas
        if self._background is None:
            for artist in self.view.animated:
                artist.set_animated(True)
            canvas.draw()
            self._background = canvas.copy_from_bbox(fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in sorted(self.view.animated, key=lambda a: a.get_zorder()):
            fig.draw_artist(artist)
        return _encode(canvas)

    def __repr__(self):
        # the text form is what a page without a kernel shows: say so, stably
        return (
            f"<live explorer: {self.view.title}; run the notebook in JupyterLab "
            "to use it>"
        )

    @property
    def values(self):
        """The current control values, by parameter name."""
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, change):
        if not self._busy:
            self.refresh()

    def refresh(self):
        """Recompute the numbers and redraw the picture for the current values."""
        with self.output:
            self._busy = True
            try:
                if self._limits is not None:
                    self._limits(self.controls)
                values = self.values
                try:
                    numbers = self.view.update(**values)
                except ValueError as error:
                    numbers = {"error": str(error)}
                    self.readout.value = _readout(
                        self.view.title, [], note=f"Not a valid combination: {error}"
                    )
                else:
                    self.readout.value = _readout(
                        self.view.title, self.view.rows(numbers)
                    )
                self.numbers = numbers
                self.image.value = self._render()
            finally:
                self._busy = False


@lru_cache(maxsize=256)
def _scan_windows(n, k, stride, padding, dilation):
    """The scan's windows (cached: the position slider moves often)."""
    return counting.scan_positions(
        (n, n), k, stride=stride, padding=padding, dilation=dilation
    )


def _slider(description, value, low, high, *, step=1):
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="230px"),
    )


# ============================================================== scan explorer


@dataclass(frozen=True)
class _ScanLimits:
    image: int = 9
    kernel: int = 5
    stride: int = 3
    padding: int = 2
    dilation: int = 3


_SCAN = _ScanLimits()


class _ScanView(_View):
    """A kernel scanning an image: window, output so far, products."""

    title = "A kernel scanning an image"

    def __init__(self, fig):
        super().__init__(fig)
        rng = np.random.default_rng(0)
        self.image = rng.integers(0, 4, size=(_SCAN.image, _SCAN.image)).astype(float)
        self.kernel = rng.integers(-1, 2, size=(_SCAN.kernel, _SCAN.kernel)).astype(
            float
        )
        side = _SCAN.image + 2 * _SCAN.padding
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.ax = ax
        size = 8.0
        with mpl.rc_context(pl.BOOK_STYLE):
            self.g_in = pl.draw_grid(
                self.image[:3, :3],
                ax,
                capacity=(side, side),
                fontsize=size,
                fast_text=True,
            )
            self.g_k = pl.draw_grid(
                self.kernel[:3, :3],
                ax,
                role="kernel",
                capacity=(_SCAN.kernel, _SCAN.kernel),
                fontsize=size,
                fast_text=True,
            )
            self.g_out = pl.draw_grid(
                np.zeros((1, 1)),
                ax,
                role="output",
                capacity=(side, side),
                fontsize=size,
                fast_text=True,
            )
            self.window = pl.highlight_window(
                self.g_in,
                0,
                0,
                kernel=self.kernel[:3, :3],
                capacity=_SCAN.kernel**2,
                fontsize=5.5,
                fast_text=True,
            )
            # input pixels that no window position reads, hatched (not only
            # coloured) over the input grid, and counted in the legend
            # (above the cells' faces, below the taps and the values)
            never = {
                "facecolor": "none",
                "edgecolor": mpl.colors.to_rgba(pl.INPUT_COLOR, 0.6),
                "hatch": "////",
            }
            z = self.g_in.cells.get_zorder() + 0.003
            self.never = PolyCollection([], linewidths=0, zorder=z, **never)
            ax.add_collection(self.never, autolim=False)
            self.star = ax.text(0, 0, "⋆", ha="center", va="center", fontsize=16)
            self.equals = ax.text(0, 0, "=", ha="center", va="center", fontsize=12)
            self.products = pl.GlyphLabels(
                ax, fontsize=size - 0.5, family="DejaVu Sans Mono", zorder=3
            )
            self.legend = pl.legend(
                ax,
                roles=("input", "padding", "kernel", "output"),
                extra=[Patch(label="never visited: 0", **never)],
                loc="lower center",
                bbox_to_anchor=(0.5, 0.0),
                fontsize=size,
            )
        ax.set_aspect("auto")
        self.animated = [
            *self.g_in.artists(),
            *self.g_k.artists(),
            *self.g_out.artists(),
            *self.window.artists(),
            self.never,
            self.legend,
            self.star,
            self.equals,
            self.products.collection,
        ]

    def update(
        self, image_size=5, kernel_size=3, stride=1, padding=0, dilation=1, position=0
    ):
        n = check_int(image_size, "image_size", minimum=1)
        k = check_int(kernel_size, "kernel_size", minimum=1)
        if n > _SCAN.image or k > _SCAN.kernel or padding > _SCAN.padding:
            fail(
                "image_size",
                f"at most {_SCAN.image} (kernel_size at most {_SCAN.kernel}, "
                f"padding at most {_SCAN.padding})",
                (image_size, kernel_size, padding),
            )
        cost = counting.correlate2d_cost(
            (n, n), k, stride=stride, padding=padding, dilation=dilation
        )
        windows = _scan_windows(n, k, stride, padding, dilation)
        position = check_int(position, "position", minimum=0)
        if position >= len(windows):
            fail("position", f"a window number below {len(windows)}", position)
        image, kernel = self.image[:n, :n], self.kernel[:k, :k]
        out = core.correlate2d(
            image, kernel, stride=stride, padding=padding, dilation=dilation
        )
        window = windows[position]
        i, j = window.output_index
        padded = np.pad(image, padding)
        taps = np.array([padded[r + padding, c + padding] for r, c in window.taps])
        # layout: input, kernel and output side by side, vertically centred
        side = n + 2 * padding
        oh, ow = out.shape
        rows = max(side, k, oh)
        self.g_in.move_to((0, (rows - side) / 2))
        self.g_in.update(image, padding=padding)
        never = _never_visited(n, windows)
        x0, y0 = padding, (rows - side) / 2 + padding
        self.never.set_verts(
            [
                [(x0 + c, y0 + r), (x0 + c + 1, y0 + r), (x0 + c + 1, y0 + r + 1),
                 (x0 + c, y0 + r + 1)]
                for r, c in zip(*np.nonzero(never), strict=True)
            ]
        )  # fmt: skip
        self.legend.get_texts()[-1].set_text(f"never visited: {int(never.sum())}")
        xk = side + 1.2
        self.g_k.move_to((xk, (rows - k) / 2))
        self.g_k.update(kernel)
        xo = xk + k + 1.2
        self.g_out.move_to((xo, (rows - oh) / 2))
        shown = out.copy()
        order = np.arange(out.size).reshape(out.shape)
        shown[order > order[i, j]] = np.nan
        self.g_out.update(shown, highlight=(i, j))
        top, left = window.top_left
        self.window.move(
            top + padding, left + padding, kernel=kernel, dilation=(dilation, dilation)
        )
        self.star.set_position((xk - 0.6, rows / 2))
        self.equals.set_position((xo - 0.6, rows / 2))
        width = xo + ow
        bottom = rows + 0.6 + 0.5 * k + 1.6
        _show_region(self.ax, -0.5, max(width, 12.0) + 0.5, -0.5, bottom)
        self.products.set_lines(
            pl.format_products(taps, kernel, total=out[i, j], per_line=k),
            (width / 2, rows + 0.8),
        )
        so_far = sum(len(w.taps) for w in windows[: position + 1])
        return {
            "output_shape": cost.output_shape,
            "positions": len(windows),
            "per_position": len(window.taps),
            "so_far": so_far,
            "multiplications": cost.multiplications,
            "never_visited": int(never.sum()),
        }

    def rows(self, numbers):
        oh, ow = numbers["output_shape"]
        return [
            ("output_shape", "output size", f"{oh}×{ow}"),
            ("positions", "window positions", numbers["positions"]),
            ("per_position", "multiplications per position", numbers["per_position"]),
            ("so_far", "multiplications so far", numbers["so_far"]),
            ("multiplications", "multiplications in all", numbers["multiplications"]),
            ("never_visited", "input pixels never visited", numbers["never_visited"]),
        ]


def _never_visited(n, windows):
    """Which pixels of an n x n image no window reads (taps in padding aside)."""
    seen = np.zeros((n, n), dtype=bool)
    for window in windows:
        for r, c in window.taps:
            if 0 <= r < n and 0 <= c < n:
                seen[r, c] = True
    return ~seen


def _scan_limits(controls):
    """Keep the position slider inside the current scan (and padding valid)."""
    values = {name: c.value for name, c in controls.items()}
    try:
        count = len(
            _scan_windows(
                values["image_size"],
                values["kernel_size"],
                values["stride"],
                values["padding"],
                values["dilation"],
            )
        )
    except ValueError:
        count = 1
    slider = controls["position"]
    slider.max = max(count - 1, 0)


_SCAN_DEFAULTS = {
    "image_size": 5,
    "kernel_size": 3,
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "position": 0,
}


def _scan_size():
    return (7.0, 3.6)


def scan_explorer(
    image_size=5, kernel_size=3, *, stride=1, padding=0, dilation=1, position=0
):
    """A kernel scanning an image, with sliders for every parameter.

    Sliders: image size (1 to 9), kernel size (1 to 5), stride (1 to 3),
    padding (0 to 2), dilation (1 to 3) and the window position. The
    readout gives the output size, the number of positions, the
    multiplications per position, so far and in all
    (:func:`sepconv.counting.correlate2d_cost`).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> explorer = scan_explorer()
    >>> explorer.numbers["positions"], explorer.numbers["multiplications"]
    (9, 81)
    >>> explorer.controls["position"].value = 8
    >>> explorer.numbers["so_far"]
    81
    """
    view = _ScanView(_figure(_scan_size()))
    controls = {
        "image_size": _slider("image", image_size, 1, _SCAN.image),
        "kernel_size": _slider("kernel", kernel_size, 1, _SCAN.kernel),
        "stride": _slider("stride", stride, 1, _SCAN.stride),
        "padding": _slider("padding", padding, 0, _SCAN.padding),
        "dilation": _slider("dilation", dilation, 1, _SCAN.dilation),
        "position": _slider("position", position, 0, 200),
    }
    return Explorer(view, controls, limits=_scan_limits)


def scan_figure(
    image_size=5, kernel_size=3, *, stride=1, padding=0, dilation=1, position=0
):
    """The scan explorer's picture at given values, as a (pyplot) figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = scan_figure(image_size=4, kernel_size=2, position=3)
    >>> fig.axes[0].get_legend() is not None
    True
    >>> plt.close(fig)
    """
    view = _ScanView(_figure(_scan_size(), pyplot=True))
    view.update(
        image_size=image_size,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        position=position,
    )
    return view.fig


def _scrub(view, name, sweeps, *, alt):
    """A jshtml player over a list of parameter dicts, drawn by ``view``."""
    with mpl.rc_context(animation._FRAME_STYLE):
        frames = animation.render_figure_frames(
            view.fig, lambda k: view.update(**sweeps[k]), len(sweeps)
        )
    html_text = animation.frames_to_html(frames, name=name, alt=alt, interval=600)
    return animation.AnimationHTML(name, html_text, len(frames))


def scan_scrubber(image_size=5, kernel_size=3, *, stride=1, padding=0, dilation=1):
    """The scan explorer swept over every window position, as a jshtml player.

    Returns
    -------
    sepconv.animation.AnimationHTML

    Examples
    --------
    >>> scan_scrubber(padding=1, stride=2)
    <animation 'scan_5_3_s2_p1_d1': 9 frames>
    """
    params = {
        "image_size": image_size,
        "kernel_size": kernel_size,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }
    count = len(
        counting.scan_positions(
            (image_size, image_size),
            kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
        )
    )
    view = _ScanView(_figure((6.0, 3.1)))
    name = f"scan_{image_size}_{kernel_size}_s{stride}_p{padding}_d{dilation}"
    sweeps = [{**params, "position": p} for p in range(count)]
    return _scrub(view, name, sweeps, alt="a kernel scanning an image")


# ============================================================== spatial cost


_N_MAX = 128
_M_MAX = 15


class _SpatialCostView(_View):
    """Full vs separable multiplications of an m x m kernel on N x N."""

    title = "Spatial separable filter: full vs separable"

    def __init__(self, fig):
        super().__init__(fig)
        with mpl.rc_context(pl.BOOK_STYLE):
            ax = fig.add_axes((0.08, 0.17, 0.46, 0.7))
            bars = fig.add_axes((0.7, 0.17, 0.28, 0.7))
            (self.curve,) = ax.plot(
                [], [], color=pl.INPUT_COLOR, label="separable / full"
            )
            self.limit = ax.axhline(
                2 / 3,
                color=pl.KERNEL_COLOR,
                linestyle="--",
                linewidth=1.2,
                label="limit 2/m",
            )
            (self.marker,) = ax.plot([], [], "o", color=pl.OUTPUT_COLOR, markersize=7)
            self.note = ax.set_title("", fontsize=8.5)
            ax.set_xlim(0, _N_MAX + 2)
            ax.set_ylim(0, 2.1)  # the ratio is at most 2 (m = 1)
            ax.set_xlabel("image size N")
            ax.set_ylabel("separable / full")
            ax.legend(loc="upper right")
            self.bars = bars.barh(
                [3, 2, 1, 0],
                [0, 0, 0, 0],
                color=[
                    pl.KERNEL_COLOR,
                    pl.INTERMEDIATE_COLOR,
                    pl.OUTPUT_COLOR,
                    pl.INPUT_COLOR,
                ],
            )
            bars.set_yticks(
                [3, 2, 1, 0], ["full m×m", "column pass", "row pass", "separable"]
            )
            bars.set_xlim(0, 2.05)
            bars.set_xlabel("multiplications / full")
            bars.grid(False)
            bars.axvline(1, color="grey", linewidth=0.8, linestyle=":")
            self.bar_ax = bars
            self.ax = ax
            self.animated = [self.curve, self.limit, self.marker, self.note, *self.bars]

    def update(self, n=32, m=3):
        n = check_int(n, "n", minimum=1)
        m = check_int(m, "m", minimum=1)
        full = counting.spatial_full_cost(n, m)
        separable = counting.spatial_separable_cost(n, m)
        passes = counting.separable_correlate2d_cost((n, n), m).passes
        column = passes["column"].multiplications
        row = passes["row"].multiplications
        ratio = counting.spatial_cost_ratio(n, m)
        limit = counting.spatial_cost_ratio_limit(m)
        ns = np.arange(m, _N_MAX + 1)
        self.curve.set_data(ns, [float(counting.spatial_cost_ratio(v, m)) for v in ns])
        self.limit.set_ydata([float(limit)] * 2)
        self.marker.set_data([n], [float(ratio)])
        self.note.set_text(f"m = {m}: ratio {float(ratio):.3f} at N = {n}")
        for bar, value in zip(self.bars, (full, column, row, separable), strict=True):
            bar.set_width(value / full)
        return {
            "full": full,
            "column": column,
            "row": row,
            "separable": separable,
            "ratio": ratio,
            "limit": limit,
        }

    def rows(self, numbers):
        return [
            ("full", "full m×m filter", numbers["full"]),
            ("column", "column pass (m×1)", numbers["column"]),
            ("row", "row pass (1×m)", numbers["row"]),
            ("separable", "separable, both passes", numbers["separable"]),
            ("ratio", "separable / full", float(numbers["ratio"])),
            ("limit", "limit 2/m", float(numbers["limit"])),
        ]


def _spatial_limits(controls):
    controls["m"].max = min(_M_MAX, controls["n"].value)


def spatial_cost_explorer(n=32, m=3):
    """Full vs separable multiplications, with sliders for N and m.

    Shows both counts (the separable one split into its column and row
    passes), their ratio and its limit 2/m on the ratio-against-N curve
    (:func:`sepconv.counting.spatial_cost_ratio`). N goes from 3 to 128, m
    from 1 to 15 (at most N).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> explorer = spatial_cost_explorer(n=5, m=3)
    >>> explorer.numbers["full"], explorer.numbers["separable"]
    (81, 72)
    """
    view = _SpatialCostView(_figure((7.0, 2.8)))
    controls = {
        "n": _slider("N (image)", n, 3, _N_MAX),
        "m": _slider("m (kernel)", m, 1, _M_MAX),
    }
    return Explorer(view, controls, limits=_spatial_limits)


def spatial_cost_figure(n=32, m=3):
    """The spatial cost explorer's picture at given values (pyplot figure).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = spatial_cost_figure(n=5, m=3)
    >>> [round(b.get_width() * 81) for b in fig.axes[1].patches]
    [81, 45, 27, 72]
    >>> plt.close(fig)
    """
    view = _SpatialCostView(_figure((7.0, 2.8), pyplot=True))
    view.update(n=n, m=m)
    return view.fig


def spatial_cost_scrubber(
    *, m=3, sizes=(3, 4, 5, 6, 8, 10, 12, 16, 24, 32, 48, 64, 96, 128)
):
    """The spatial cost picture swept over the image size N, as a jshtml player.

    Parameters
    ----------
    m : int, keyword-only
        Kernel size.
    sizes : sequence of int, keyword-only
        The values of N, one frame each (those below m are skipped).

    Returns
    -------
    sepconv.animation.AnimationHTML

    Examples
    --------
    >>> spatial_cost_scrubber(m=5, sizes=(5, 10, 20))
    <animation 'spatial_cost_m5': 3 frames>
    """
    m = check_int(m, "m", minimum=1)
    sweeps = [{"n": check_int(n, "sizes", minimum=1), "m": m} for n in sizes if n >= m]
    if not sweeps:
        fail("sizes", f"at least one size >= m={m}", sizes)
    view = _SpatialCostView(_figure((6.4, 2.6)))
    return _scrub(view, f"spatial_cost_m{m}", sweeps, alt="cost ratio against N")


# ============================================================== depthwise cost


@dataclass(frozen=True)
class _DepthwiseLimits:
    size: int = 224
    depth: int = 512
    kernel: int = 7
    filters: int = 1024
    stride: int = 2
    padding: int = 3
    dilation: int = 3


_DW = _DepthwiseLimits()


class _DepthwiseCostView(_View):
    """Standard vs depthwise separable layer: counts, parameters, ratio."""

    title = "Standard vs depthwise separable layer"

    def __init__(self, fig):
        super().__init__(fig)
        with mpl.rc_context(pl.BOOK_STYLE):
            ax = fig.add_axes((0.09, 0.17, 0.46, 0.7))
            bars = fig.add_axes((0.7, 0.17, 0.28, 0.7))
            ncs = 2 ** np.arange(0, 11)
            self.ncs = ncs
            (self.curve,) = ax.plot(
                [], [], color=pl.INPUT_COLOR, label="separable / standard"
            )
            self.limit = ax.axhline(
                1 / 9,
                color=pl.KERNEL_COLOR,
                linestyle="--",
                linewidth=1.2,
                label="1/h²",
            )
            (self.marker,) = ax.plot([], [], "o", color=pl.OUTPUT_COLOR, markersize=7)
            self.note = ax.set_title("", fontsize=8.5)
            ax.set_xscale("log", base=2)
            ax.set_xlim(0.8, _DW.filters * 1.25)
            ax.set_yscale("log")
            ax.set_ylim(1e-2, 2.2)
            ax.set_xlabel("number of filters Nc")
            ax.set_ylabel("separable / standard")
            ax.legend(loc="upper right")
            self.bars = bars.barh(
                [2, 1, 0],
                [1, 1, 1],
                color=[pl.KERNEL_COLOR, pl.INPUT_COLOR, pl.OUTPUT_COLOR],
            )
            bars.set_yticks([2, 1, 0], ["standard", "depthwise", "pointwise"])
            bars.set_xlim(0, 1.05)
            bars.set_xlabel("multiplications / standard")
            bars.grid(False)
            self.bar_ax = bars
            self.ax = ax
            self.animated = [self.curve, self.limit, self.marker, self.note, *self.bars]

    def update(
        self,
        height=7,
        width=7,
        depth=3,
        kernel_size=3,
        filters=128,
        stride=1,
        padding=0,
        dilation=1,
    ):
        shape = (depth, height, width)
        geometry = {"stride": stride, "padding": padding, "dilation": dilation}
        standard = counting.conv2d_cost(shape, filters, kernel_size, **geometry)
        separable = counting.depthwise_separable_conv2d_cost(
            shape, filters, kernel_size, **geometry
        )
        depthwise = separable.passes["depthwise"]
        pointwise = separable.passes["pointwise"]
        ratio = separable.ratio_to(standard)
        textbook = counting.separable_layer_ratio(kernel_size, filters)
        self.curve.set_data(
            self.ncs,
            [
                float(counting.separable_layer_ratio(kernel_size, int(n)))
                for n in self.ncs
            ],
        )
        self.limit.set_ydata([1 / kernel_size**2] * 2)
        self.marker.set_data([filters], [float(ratio)])
        self.note.set_text(
            f"h = {kernel_size}, Nc = {filters}: ratio {float(ratio):.4f}"
        )
        values = (
            standard.multiplications,
            depthwise.multiplications,
            pointwise.multiplications,
        )
        for bar, value in zip(self.bars, values, strict=True):
            bar.set_width(value / values[0])
        numbers = {
            "output_shape": standard.output_shape,
            "standard": standard.multiplications,
            "depthwise": depthwise.multiplications,
            "pointwise": pointwise.multiplications,
            "separable": separable.multiplications,
            "standard_parameters": standard.parameters,
            "standard_parameters_with_bias": standard.parameters_with_bias,
            "separable_parameters": separable.parameters,
            "separable_parameters_with_bias": separable.parameters_with_bias,
            "ratio": ratio,
            "textbook_ratio": textbook,
        }
        if (stride, padding, dilation) == (1, 0, 1):
            numbers["textbook_standard"] = counting.standard_layer_cost(
                height, width, depth, kernel_size, filters
            )
            numbers["textbook_separable"] = counting.separable_layer_cost(
                height, width, depth, kernel_size, filters
            )
        return numbers

    def rows(self, numbers):
        c, h, w = numbers["output_shape"]
        return [
            ("output_shape", "output (H×W×C)", f"{h}×{w}×{c}"),
            ("standard", "standard: multiplications", numbers["standard"]),
            ("depthwise", "depthwise step", numbers["depthwise"]),
            ("pointwise", "pointwise step", numbers["pointwise"]),
            ("separable", "separable: multiplications", numbers["separable"]),
            (
                "standard_parameters",
                "standard: parameters (no bias)",
                numbers["standard_parameters"],
            ),
            (
                "standard_parameters_with_bias",
                "standard: with bias",
                numbers["standard_parameters_with_bias"],
            ),
            (
                "separable_parameters",
                "separable: parameters (no bias)",
                numbers["separable_parameters"],
            ),
            (
                "separable_parameters_with_bias",
                "separable: with bias",
                numbers["separable_parameters_with_bias"],
            ),
            ("ratio", "separable / standard", float(numbers["ratio"])),
            ("textbook_ratio", "1/Nc + 1/h²", float(numbers["textbook_ratio"])),
        ]


def depthwise_cost_explorer(
    height=7,
    width=7,
    depth=3,
    kernel_size=3,
    filters=128,
    *,
    stride=1,
    padding=0,
    dilation=1,
):
    """Standard vs depthwise separable layer, with sliders for every size.

    Sliders: H and W (3 to 224), D (1 to 512), h (1 to 7), Nc (1 to 1024),
    stride, padding and dilation. The readout gives the multiplications
    and parameters (with and without bias) of both layers
    (:func:`sepconv.counting.conv2d_cost`,
    :func:`sepconv.counting.depthwise_separable_conv2d_cost`), their ratio
    and ``1/Nc + 1/h²``.

    Returns
    -------
    Explorer

    Examples
    --------
    >>> explorer = depthwise_cost_explorer()
    >>> explorer.numbers["standard"], explorer.numbers["separable"]
    (86400, 10275)
    """
    view = _DepthwiseCostView(_figure((7.0, 2.8)))
    controls = {
        "height": _slider("H", height, 3, _DW.size),
        "width": _slider("W", width, 3, _DW.size),
        "depth": _slider("D", depth, 1, _DW.depth),
        "kernel_size": _slider("h", kernel_size, 1, _DW.kernel),
        "filters": _slider("Nc", filters, 1, _DW.filters),
        "stride": _slider("stride", stride, 1, _DW.stride),
        "padding": _slider("padding", padding, 0, _DW.padding),
        "dilation": _slider("dilation", dilation, 1, _DW.dilation),
    }
    return Explorer(view, controls)


def depthwise_cost_figure(
    height=7,
    width=7,
    depth=3,
    kernel_size=3,
    filters=128,
    *,
    stride=1,
    padding=0,
    dilation=1,
):
    """The depthwise cost explorer's picture at given values (pyplot figure).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = depthwise_cost_figure()
    >>> [round(b.get_width(), 4) for b in fig.axes[1].patches]
    [1.0, 0.0078, 0.1111]
    >>> plt.close(fig)
    """
    view = _DepthwiseCostView(_figure((7.0, 2.8), pyplot=True))
    view.update(
        height=height,
        width=width,
        depth=depth,
        kernel_size=kernel_size,
        filters=filters,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    return view.fig


def depthwise_cost_scrubber(
    *,
    kernel_size=3,
    height=7,
    width=7,
    depth=3,
    filters=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
):
    """The depthwise cost picture swept over Nc, as a jshtml player.

    Returns
    -------
    sepconv.animation.AnimationHTML

    Examples
    --------
    >>> depthwise_cost_scrubber(filters=(1, 128))
    <animation 'depthwise_cost_h3': 2 frames>
    """
    base = {
        "height": height,
        "width": width,
        "depth": depth,
        "kernel_size": kernel_size,
    }
    sweeps = [{**base, "filters": check_int(n, "filters", minimum=1)} for n in filters]
    if not sweeps:
        fail("filters", "at least one number of filters", filters)
    view = _DepthwiseCostView(_figure((6.4, 2.6)))
    return _scrub(
        view,
        f"depthwise_cost_h{kernel_size}",
        sweeps,
        alt="separable / standard cost against Nc",
    )


# ============================================================== low rank


def _random_kernel():
    return np.random.default_rng(0).integers(-3, 4, size=(5, 5)).astype(float)


#: The kernels of :func:`low_rank_explorer`, by name (each a function).
LOW_RANK_KERNELS = {
    "Sobel x (3×3)": kernels.sobel_x,
    "Gaussian σ=1 (5×5)": lambda: kernels.gaussian(1.0, radius=2),
    "Laplacian (3×3)": kernels.laplacian,
    "Laplacian, 8 neighbours (3×3)": lambda: kernels.laplacian(8),
    "box (3×3)": lambda: kernels.box(3),
    "disk r=2 (5×5)": lambda: kernels.disk(2),
    "random integers (5×5)": _random_kernel,
}

_LOW_RANK_IMAGE = 64


class _LowRankView(_View):
    """A kernel, its best rank-r approximation, the error, the cost."""

    title = "Low-rank approximation"

    def __init__(self, fig):
        super().__init__(fig)
        with mpl.rc_context(pl.BOOK_STYLE):
            ax = fig.add_axes((0.0, 0.0, 0.76, 1.0))
            sv = fig.add_axes((0.82, 0.2, 0.16, 0.62))
            self.ax, self.sv_ax = ax, sv
            size = 6.5
            cap = (5, 5)
            self.g_k, self.g_a, self.g_e = (
                pl.draw_grid(
                    np.zeros((3, 3)),
                    ax,
                    role=role,
                    capacity=cap,
                    fontsize=size,
                    decimals=2,
                    label=label,
                    fast_text=True,
                )
                for role, label in [
                    ("kernel", "kernel"),
                    ("kernel", "rank-r approximation"),
                    ("padding", "difference"),
                ]
            )
            self.caption = pl.GlyphLabels(ax, fontsize=size + 0.5, zorder=3)
            self.sv_bars = sv.bar(np.arange(5), np.zeros(5), color=pl.KERNEL_COLOR)
            sv.set_title("singular values / largest", fontsize=8)
            sv.set_xlabel("index")
            sv.set_xlim(-0.6, 4.6)
            sv.set_xticks(range(5))
            sv.set_ylim(0, 1.1)
            sv.grid(False)
            # the captions of the kernel and the difference never change
            self.animated = [
                self.g_k.cells,
                self.g_k.labels.collection,
                *self.g_a.artists(),
                self.g_e.cells,
                self.g_e.labels.collection,
                self.caption.collection,
                *self.sv_bars,
            ]
            ax.set_aspect("auto")

    def update(self, kernel="Laplacian (3×3)", rank=1):
        if kernel not in LOW_RANK_KERNELS:
            fail("kernel", f"one of {list(LOW_RANK_KERNELS)}", kernel)
        k = np.asarray(LOW_RANK_KERNELS[kernel](), dtype=float)
        approx, error = decompose.low_rank_approximation(k, rank)
        sv = decompose.singular_values(k)
        numerical_rank = decompose.numerical_rank(k)
        m = k.shape[0]
        image = (_LOW_RANK_IMAGE, _LOW_RANK_IMAGE)
        low = counting.low_rank_correlate2d_cost(image, k.shape, rank)
        full = counting.correlate2d_cost(image, k.shape)
        pixels = math.prod(full.output_shape)
        scale = float(np.abs(k).max()) or 1.0
        for idx, (grid, values) in enumerate(
            ((self.g_k, k), (self.g_a, approx), (self.g_e, k - approx))
        ):
            grid.move_to((idx * (5 + 1.5) + (5 - m) / 2, 0.6))
            decimals = 0 if np.allclose(values, np.round(values), atol=1e-9) else 2
            grid.decimals = decimals
            grid.update(np.where(np.abs(values) < 5e-13 * scale, 0.0, values))
        self.g_a.label.set_text(f"rank-{rank} approximation")
        self.caption.set(
            [
                f"relative error {error:.3f} · {rank} separable pass pair(s): "
                f"{low.multiplications // pixels} vs {full.multiplications // pixels} "
                "multiplications per pixel"
            ],
            [((3 * 5 + 2 * 1.5) / 2, 5 + 1.4)],
        )
        _show_region(self.ax, -0.3, 3 * 5 + 2 * 1.5 + 0.3, -0.4, 5 + 2.2)
        top = float(sv.max()) if sv.max() > 0 else 1.0
        for idx, bar in enumerate(self.sv_bars):
            value = float(sv[idx]) / top if idx < sv.size else 0.0
            bar.set_height(value)
            bar.set_color(pl.KERNEL_COLOR if idx < rank else pl.PADDING_COLOR)
            bar.set_visible(idx < sv.size)
        return {
            "kernel_shape": k.shape,
            "rank": rank,
            "numerical_rank": numerical_rank,
            "relative_error": error,
            "low_rank_multiplications": low.multiplications,
            "full_multiplications": full.multiplications,
            "per_pixel_low_rank": low.multiplications // pixels,
            "per_pixel_full": full.multiplications // pixels,
        }

    def rows(self, numbers):
        kh, kw = numbers["kernel_shape"]
        return [
            ("kernel_shape", "kernel", f"{kh}×{kw}, rank {numbers['numerical_rank']}"),
            ("relative_error", "relative error (Frobenius)", numbers["relative_error"]),
            (
                "per_pixel_low_rank",
                f"rank-{numbers['rank']}: multiplications per pixel",
                numbers["per_pixel_low_rank"],
            ),
            ("per_pixel_full", "full kernel: per pixel", numbers["per_pixel_full"]),
            (
                "low_rank_multiplications",
                f"rank-{numbers['rank']}: on a {_LOW_RANK_IMAGE}² image",
                numbers["low_rank_multiplications"],
            ),
            (
                "full_multiplications",
                "full kernel: same image",
                numbers["full_multiplications"],
            ),
        ]


def _low_rank_limits(controls):
    k = LOW_RANK_KERNELS[controls["kernel"].value]()
    controls["rank"].max = min(np.shape(k))


def low_rank_explorer(kernel="Laplacian (3×3)", rank=1):
    """A kernel and its best rank-r approximation, with a kernel menu and a rank slider.

    Shows the kernel, the truncated-SVD approximation
    (:func:`sepconv.decompose.low_rank_approximation`), the difference, the
    singular values (kept ones in orange), the relative error, and the cost
    of filtering with ``rank`` separable pass pairs against the full kernel
    (:func:`sepconv.counting.low_rank_correlate2d_cost`).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> explorer = low_rank_explorer()
    >>> explorer.numbers["numerical_rank"], round(explorer.numbers["relative_error"], 4)
    (2, 0.1005)
    """
    view = _LowRankView(_figure((8.0, 2.8)))
    controls = {
        "kernel": widgets.Dropdown(
            options=list(LOW_RANK_KERNELS),
            value=kernel,
            description="kernel",
            layout=widgets.Layout(width="300px"),
        ),
        "rank": _slider("rank", rank, 1, 5),
    }
    return Explorer(view, controls, limits=_low_rank_limits)


def low_rank_figure(kernel="Laplacian (3×3)", rank=1):
    """The low-rank explorer's picture at given values (pyplot figure).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = low_rank_figure("Sobel x (3×3)", 1)
    >>> [round(bar.get_height(), 6) for bar in fig.axes[1].patches[:3]]
    [1.0, 0.0, 0.0]
    >>> plt.close(fig)
    """
    view = _LowRankView(_figure((8.0, 2.8), pyplot=True))
    view.update(kernel=kernel, rank=rank)
    return view.fig


def low_rank_scrubber(kernel="disk r=2 (5×5)"):
    """The low-rank picture swept over every rank, as a jshtml player.

    Examples
    --------
    >>> low_rank_scrubber("Laplacian (3×3)")
    <animation 'low_rank_laplacian_3x3': 3 frames>
    """
    if kernel not in LOW_RANK_KERNELS:
        fail("kernel", f"one of {list(LOW_RANK_KERNELS)}", kernel)
    m = min(np.shape(LOW_RANK_KERNELS[kernel]()))
    view = _LowRankView(_figure((7.2, 2.5)))
    slug = re.sub(r"[^a-z0-9]+", "_", kernel.lower().replace("×", "x")).strip("_")
    sweeps = [{"kernel": kernel, "rank": r} for r in range(1, m + 1)]
    return _scrub(
        view, f"low_rank_{slug}", sweeps, alt=f"rank-r approximations of {kernel}"
    )
