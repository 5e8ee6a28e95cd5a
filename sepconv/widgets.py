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
self-contained jshtml player over the slider's values (the player the
animations use). The live explorer follows, for JupyterLab. The scan
explorer draws the scan picture of :func:`sepconv.plotting.draw_scan`, as the
animations and static figures do.

How the explorers work, without ipympl or any other extension: the figure is
a plain matplotlib :class:`~matplotlib.figure.Figure` on an Agg canvas; a
slider change updates the existing artists (texts, patches, line data, bar
widths) and the figure is sent as PNG bytes to an ``ipywidgets.Image``. The
numbers are in an ``ipywidgets.HTML`` readout (CSS class
``sepconv-readout``) and in :attr:`Explorer.numbers`, for tests. Callbacks
run inside an ``ipywidgets.Output``, so nothing is ever printed elsewhere;
an invalid combination (say, a kernel larger than the padded image) greys
the last picture out under the error, and the readout gives the error (and
the slider it names) in place of the numbers.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import textwrap
from functools import lru_cache
from types import MappingProxyType

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch, Rectangle

from . import _player, core, counting, decompose, kernels
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


def _value(value, *, plain=False):
    """A readout cell: a number, a text, or a tuple of texts and ``(name,
    number)`` pairs, each number in a span of its own (named, for tests);
    ``plain``: the same as text, without markup."""
    if isinstance(value, tuple):
        parts = []
        for part in value:
            if isinstance(part, str):
                parts.append(_value(part, plain=plain))
            elif plain:
                parts.append(_fmt(part[1]))
            else:
                name, number = part
                parts.append(
                    f'<span data-name="{html.escape(name)}">'
                    f"{html.escape(_fmt(number))}</span>"
                )
        return "".join(parts)
    text = value if isinstance(value, str) else _fmt(value)
    return text if plain else html.escape(text)


def _name(key):
    return "" if key is None else f' data-name="{html.escape(key)}"'


def _row(numbers, key, label):
    """A readout row showing ``numbers[key]`` (see :func:`_readout`)."""
    return key, label, numbers[key]


def _readout(title, rows, error=""):
    """The readout's HTML: a small table, one row per ``(name, label, value)``
    (``name`` None for a value of several named numbers), or an error."""
    cells = "".join(
        f'<tr><td style="padding-right:1em">{html.escape(label)}</td>'
        f'<td style="text-align:right"{_name(key)}>{_value(value)}</td></tr>'
        for key, label, value in rows
    )
    extra = (
        f'<div style="color:#b3261e" data-name="error">{html.escape(error)}</div>'
        if error
        else ""
    )
    return f"<b>{html.escape(title)}</b><table>{cells}</table>{extra}"


class _View:
    """One explorer's picture, in a figure of its own (``fig``: ``size`` inches,
    the view's by default; pyplot-managed or on a bare Agg canvas).

    ``draw(fig)`` makes the artists in the book style and returns those an
    update may change (``animated``; axes, ticks, labels are drawn once);
    ``update(...)``, given the public function's values in its order, changes
    them and returns the numbers; ``rows(numbers)`` gives the readout's rows.
    """

    style = MappingProxyType({})

    def __init__(self, size=None, *, pyplot=False):
        self.fig = pl.new_figure(size or self.size, dpi=100, pyplot=pyplot)
        with mpl.rc_context({**pl.BOOK_STYLE, **self.style}):
            self.animated = self.draw(self.fig)

    @classmethod
    def picture(cls, *values):
        """The picture at ``values`` (the update's arguments), as a pyplot
        figure (shown inline)."""
        view = cls(pyplot=True)
        view.update(*values)
        return view.fig


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
    veil, message : matplotlib artists
        Shown over the figure while the combination is invalid: a hatched
        grey veil and the error.
    """

    def __init__(self, view, controls, *, limits=None, groups=None):
        self.view = view
        self.controls = dict(controls)
        self._limits = limits
        self._busy = False
        self._stale = False
        self._background = None
        self.numbers = {}
        self.image = widgets.Image(
            format="png", layout=widgets.Layout(max_width="100%")
        )
        self.readout = widgets.HTML()
        self.readout.add_class("sepconv-readout")
        self.output = widgets.Output()
        # what an invalid combination shows over the last valid picture
        fig, hidden = view.fig, {"visible": False, "animated": True}
        veil = Rectangle(
            (0, 0),
            1,
            1,
            transform=fig.transFigure,
            facecolor=(1, 1, 1, 0.8),
            edgecolor="#b8b8b8",
            hatch="///",
            linewidth=0,
            zorder=50,
            **hidden,
        )
        self.veil = fig.add_artist(veil)
        box = dict(
            boxstyle="round,pad=0.5", facecolor="white", edgecolor=pl.KERNEL_COLOR
        )
        self.message = fig.text(
            0.5,
            0.5,
            "",
            ha="center",
            va="center",
            fontsize=10,
            zorder=51,
            bbox=box,
            **hidden,
        )
        super().__init__(
            [*self._control_rows(groups), self.image, self.readout, self.output]
        )
        self.add_class("sepconv-explorer")
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self.refresh()

    def _control_rows(self, groups):
        """Three controls a row; or, with ``groups`` (``(heading, columns)``
        pairs, each column a list of control names), headed groups side by
        side."""
        if groups is None:
            boxes = list(self.controls.values())
            return [widgets.HBox(boxes[k : k + 3]) for k in range(0, len(boxes), 3)]
        boxes = []
        for heading, columns in groups:
            title = widgets.HTML(f"<b>{html.escape(heading)}</b>")
            group = [widgets.VBox([self.controls[n] for n in c]) for c in columns]
            margin = widgets.Layout(margin="0 1.5em 0 0")
            boxes.append(widgets.VBox([title, widgets.HBox(group)], layout=margin))
        return [widgets.HBox(boxes)]

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
        artists = [*self.view.animated, self.veil, self.message]
        for artist in sorted(artists, key=lambda a: a.get_zorder()):
            fig.draw_artist(artist)
        return _player.png_bytes(canvas.buffer_rgba(), fast=True)

    def __repr__(self):
        # the text form is what a page without a kernel shows: say so, stably
        return (
            f"<live explorer: {self.view.title}; run the notebook in JupyterLab "
            "to use it>"
        )

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, and what a notebook shows before it runs.

        A stored widget output has no widget behind it until the cell runs
        again: JupyterLab then shows the bundle's HTML instead (the widget
        view is not trusted), here the picture at the current values and one
        line saying how to bring it to life. The website picks the widget
        view, which it does not draw, and shows the static figure instead.
        """
        bundle = super()._repr_mimebundle_(**kwargs)
        from PIL import Image

        # the picture shown, decoded from the image widget: a later full
        # redraw of the figure would leave out its animated artists
        picture = np.asarray(Image.open(io.BytesIO(self.image.value)))
        data = base64.b64encode(_player.png_bytes(picture)).decode("ascii")
        height, width = picture.shape[:2]
        bundle["text/html"] = (
            '<div class="sepconv-explorer-stored">'
            f'<img src="data:image/png;base64,{data}" width="{width}" '
            f'height="{height}" style="max-width: 100%; height: auto" '
            f'alt="{html.escape(self.view.title)}, at its starting values">'
            "<p><em>Live explorer: run the cell to move its sliders.</em></p>"
            "</div>"
        )
        return bundle

    @property
    def values(self):
        """The current control values, by parameter name."""
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, change):
        if self._busy:
            # a value changed while drawing: the limits clamping a slider, or
            # the reader, if the kernel ever delivers a change mid-draw. Draw
            # again once this drawing is done, rather than drop the change.
            self._stale = True
            return
        self.refresh()

    def _blame(self, error):
        """The readout's message: the error, and the slider it names (if any)."""
        name = str(error).split(" ", 1)[0]
        control = self.controls.get(name)
        where = f" (slider {control.description})" if control is not None else ""
        return f"Not a valid combination{where}: {error}"

    def refresh(self):
        """Recompute the numbers and redraw the picture for the current values."""
        with self.output:
            self._busy = True
            try:
                if self._limits is not None:
                    self._limits(self.controls)
                try:
                    numbers = self.view.update(**self.values)
                except ValueError as error:
                    numbers = {"error": str(error)}
                    self.readout.value = _readout(
                        self.view.title, [], error=self._blame(error)
                    )
                    # over the picture, the reason without the values
                    reason = str(error).split("; got ")[0]
                    self.message.set_text(textwrap.fill(f"invalid: {reason}", 60))
                else:
                    self.readout.value = _readout(
                        self.view.title, self.view.rows(numbers)
                    )
                self.veil.set_visible("error" in numbers)
                self.message.set_visible("error" in numbers)
                self.numbers = numbers
                self.image.value = self._render()
            finally:
                self._busy = False
        if self._stale:
            self._stale = False
            self.refresh()


@lru_cache(maxsize=256)
def _scan_windows(n, k, stride, padding, dilation):
    """The scan's windows (cached: the position slider moves often)."""
    return counting.scan_positions(
        (n, n), k, stride=stride, padding=padding, dilation=dilation
    )


def _control(kind, description, value, **options):
    """A control of the explorers' look: live while dragged, its label in
    full, 230 px wide."""
    return kind(
        value=value,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="230px"),
        **options,
    )


def _slider(description, value, low, high):
    return _control(widgets.IntSlider, description, value, min=low, max=high)


# ============================================================== scan explorer


#: The scan explorer's largest image, kernel and padding (its sliders' ends).
_SCAN_IMAGE = 9
_SCAN_KERNEL = 5
_SCAN_PADDING = 2


class _ScanView(_View):
    """A kernel scanning an image (:func:`sepconv.plotting.draw_scan`), the
    pixels no window reads hatched, and the products."""

    title = "A kernel scanning an image"
    size = (6.4, 3.5)

    def draw(self, fig):
        rng = np.random.default_rng(0)
        self.image = rng.integers(0, 4, size=(_SCAN_IMAGE, _SCAN_IMAGE)).astype(float)
        self.kernel = rng.integers(-1, 2, (_SCAN_KERNEL, _SCAN_KERNEL)).astype(float)
        self.ax = ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        size = 8.0
        self.scan = pl.draw_scan(
            self.image[:3, :3],
            self.kernel[:3, :3],
            np.zeros((1, 1)),
            ax,
            gap=1.2,
            fontsize=size,
            show_weights=False,  # the products below pair values and weights
            capacity=(_SCAN_IMAGE + 2 * _SCAN_PADDING, _SCAN_KERNEL),
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
        z = self.scan.inputs[0].cells.get_zorder() + 0.003
        self.never = PolyCollection([], linewidths=0, zorder=z, **never)
        ax.add_collection(self.never, autolim=False)
        self.products = pl.GlyphLabels(
            ax, fontsize=size, family="DejaVu Sans Mono", zorder=3
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
        scan = self.scan
        grids = (*scan.inputs, scan.kernel, scan.output, *scan.windows)
        return [
            *(artist for grid in grids for artist in grid.artists()),
            self.never,
            self.legend,
            *scan.symbols,
            self.products.collection,
        ]

    def update(self, image_size, kernel_size, stride, padding, dilation, position):
        n = check_int(image_size, "image_size", minimum=1)
        k = check_int(kernel_size, "kernel_size", minimum=1)
        if n > _SCAN_IMAGE or k > _SCAN_KERNEL or padding > _SCAN_PADDING:
            fail(
                "image_size",
                f"at most {_SCAN_IMAGE} (kernel_size at most {_SCAN_KERNEL}, "
                f"padding at most {_SCAN_PADDING})",
                (image_size, kernel_size, padding),
            )
        geometry = {"stride": stride, "padding": padding, "dilation": dilation}
        cost = counting.correlate2d_cost((n, n), k, **geometry)
        windows = _scan_windows(n, k, stride, padding, dilation)
        position = check_int(position, "position", minimum=0)
        if position >= len(windows):
            fail("position", f"a window number below {len(windows)}", position)
        image, kernel = self.image[:n, :n], self.kernel[:k, :k]
        out = core.correlate2d(image, kernel, **geometry)
        window = windows[position]
        scan = self.scan.set(image, kernel, out, padding=padding, dilation=dilation)
        top, left = window.top_left
        products = scan.show(window.output_index, (top + padding, left + padding))
        never = _never_visited(n, windows)
        corner = scan.inputs[0].cell_origin(padding, padding)
        self.never.set_verts(pl.cell_quads(np.argwhere(never), corner))
        self.legend.get_texts()[-1].set_text(f"never visited: {int(never.sum())}")
        bottom = scan.rows + 0.6 + 0.5 * k + 1.6
        _show_region(self.ax, -0.5, max(scan.width, 12.0) + 0.5, -0.5, bottom)
        self.products.set_lines(products, (scan.width / 2, scan.rows + 0.8))
        return {
            "output_shape": cost.output_shape,
            "positions": len(windows),
            "per_position": len(window.taps),
            "so_far": sum(len(w.taps) for w in windows[: position + 1]),
            "multiplications": cost.multiplications,
            "never_visited": int(never.sum()),
        }

    def rows(self, numbers):
        oh, ow = numbers["output_shape"]
        return [
            ("output_shape", "output size", f"{oh}×{ow}"),
            _row(numbers, "positions", "window positions"),
            _row(numbers, "per_position", "multiplications per position"),
            _row(numbers, "so_far", "multiplications so far"),
            _row(numbers, "multiplications", "multiplications in all"),
            _row(numbers, "never_visited", "input pixels never visited"),
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
    """Keep the position slider inside the current scan."""
    names = ("image_size", "kernel_size", "stride", "padding", "dilation")
    try:
        count = len(_scan_windows(*(controls[name].value for name in names)))
    except ValueError:
        count = 1
    controls["position"].max = max(count - 1, 0)


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
    controls = {
        "image_size": _slider("image", image_size, 1, _SCAN_IMAGE),
        "kernel_size": _slider("kernel", kernel_size, 1, _SCAN_KERNEL),
        "stride": _slider("stride", stride, 1, 3),
        "padding": _slider("padding", padding, 0, _SCAN_PADDING),
        "dilation": _slider("dilation", dilation, 1, 3),
        "position": _slider("position", position, 0, 200),
    }
    return Explorer(_ScanView(), controls, limits=_scan_limits)


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
    return _ScanView.picture(
        image_size, kernel_size, stride, padding, dilation, position
    )


def _scrub(view, name, what, sweeps):
    """A jshtml player of ``what``, drawn by ``view``, a frame for each of
    ``sweeps`` (the arguments of its update); each frame is described in words
    by the view's readout rows."""

    def frame(k):
        numbers = view.update(*sweeps[k])
        rows = view.rows(numbers)
        return "; ".join(
            f"{label}: {_value(value, plain=True)}" for _, label, value in rows
        )

    html_text = _player.player_html(
        view.fig, frame, len(sweeps), name=name, what=what, interval=600
    )
    return _player.AnimationHTML(name, html_text, len(sweeps))


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
    geometry = (image_size, kernel_size, stride, padding, dilation)
    sweeps = [(*geometry, p) for p in range(len(_scan_windows(*geometry)))]
    name = f"scan_{image_size}_{kernel_size}_s{stride}_p{padding}_d{dilation}"
    return _scrub(_ScanView((6.0, 3.1)), name, "a kernel scanning an image", sweeps)


# ============================================================== spatial cost


_N_MAX = 128
_M_MAX = 15


def _limit_line(ax, y, color, label):
    """A cost ratio's limit as the size grows: a dashed line (``update`` moves it)."""
    return ax.axhline(y, color=color, linestyle="--", linewidth=1.2, label=label)


class _SpatialCostView(_View):
    """Full vs separable multiplications of an m x m kernel on N x N."""

    title = "Spatial separable filter: full vs separable"
    size = (6.6, 2.8)

    def draw(self, fig):
        ax = fig.add_axes((0.08, 0.17, 0.46, 0.7))
        bars = fig.add_axes((0.7, 0.17, 0.28, 0.7))
        (self.curve,) = ax.plot([], [], color=pl.INPUT_COLOR, label="separable / full")
        self.limit = _limit_line(ax, 2 / 3, pl.KERNEL_COLOR, "limit 2/m")
        (self.marker,) = ax.plot([], [], "o", color=pl.OUTPUT_COLOR, markersize=7)
        self.note = ax.set_title("", fontsize=8.5)
        ax.set(xlim=(0, _N_MAX + 2), ylim=(0, 2.1))  # the ratio is at most 2 (m = 1)
        ax.set(xlabel="image size N", ylabel="separable / full")
        ax.legend(loc="upper right")
        colors = [
            pl.KERNEL_COLOR,
            pl.INTERMEDIATE_COLOR,
            pl.OUTPUT_COLOR,
            pl.INPUT_COLOR,
        ]
        self.bars = bars.barh([3, 2, 1, 0], [0, 0, 0, 0], color=colors)
        bars.set_yticks(
            [3, 2, 1, 0], ["full m×m", "column pass", "row pass", "separable"]
        )
        bars.set(xlim=(0, 2.05), xlabel="multiplications / full")
        bars.grid(False)
        bars.axvline(1, color="grey", linewidth=0.8, linestyle=":")
        return [self.curve, self.limit, self.marker, self.note, *self.bars]

    def update(self, image_size, kernel_size):
        n = check_int(image_size, "image_size", minimum=1)
        m = check_int(kernel_size, "kernel_size", minimum=1)
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
            "image_size": n,
            "full": full,
            "column": column,
            "row": row,
            "separable": separable,
            "ratio": ratio,
            "limit": limit,
        }

    def rows(self, numbers):
        n = numbers["image_size"]
        return [
            ("image_size", "image N×N", f"{n}×{n}"),
            _row(numbers, "full", "full m×m filter"),
            _row(numbers, "column", "column pass (m×1)"),
            _row(numbers, "row", "row pass (1×m)"),
            _row(numbers, "separable", "separable, both passes"),
            _row(numbers, "ratio", "separable / full"),
            _row(numbers, "limit", "limit 2/m"),
        ]


def _spatial_limits(controls):
    controls["kernel_size"].max = min(_M_MAX, controls["image_size"].value)


def spatial_cost_explorer(image_size=32, kernel_size=3):
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
    >>> explorer = spatial_cost_explorer(image_size=5, kernel_size=3)
    >>> explorer.numbers["full"], explorer.numbers["separable"]
    (81, 72)
    """
    controls = {
        "image_size": _slider("N (image)", image_size, 3, _N_MAX),
        "kernel_size": _slider("m (kernel)", kernel_size, 1, _M_MAX),
    }
    return Explorer(_SpatialCostView(), controls, limits=_spatial_limits)


def spatial_cost_figure(image_size=32, kernel_size=3):
    """The spatial cost explorer's picture at given values (pyplot figure).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = spatial_cost_figure(image_size=5, kernel_size=3)
    >>> [round(b.get_width() * 81) for b in fig.axes[1].patches]
    [81, 45, 27, 72]
    >>> plt.close(fig)
    """
    return _SpatialCostView.picture(image_size, kernel_size)


def spatial_cost_scrubber(
    *, kernel_size=3, image_sizes=(3, 4, 5, 6, 8, 10, 12, 16, 24, 32, 48, 64, 96, 128)
):
    """The spatial cost picture swept over the image size N, as a jshtml player.

    Parameters
    ----------
    kernel_size : int, keyword-only
        The kernel size m.
    image_sizes : sequence of int, keyword-only
        The values of N, one frame each (those below m are skipped).

    Returns
    -------
    sepconv.animation.AnimationHTML

    Examples
    --------
    >>> spatial_cost_scrubber(kernel_size=5, image_sizes=(5, 10, 20))
    <animation 'spatial_cost_m5': 3 frames>
    """
    m = check_int(kernel_size, "kernel_size", minimum=1)
    sweeps = [
        (check_int(n, "image_sizes", minimum=1), m) for n in image_sizes if n >= m
    ]
    if not sweeps:
        fail("image_sizes", f"at least one size >= kernel_size={m}", image_sizes)
    view = _SpatialCostView((6.4, 2.6))
    return _scrub(view, f"spatial_cost_m{m}", "cost ratio against N", sweeps)


# ============================================================== depthwise cost


#: The Nc slider's stops: powers of two, 1 to 1024 in 11 steps.
_DW_FILTERS = tuple(2**k for k in range(11))
#: The counts panel's log axis: 1 to 10^13 holds every count the sliders reach.
_DW_COUNT_MAX = 1e13


class _DepthwiseCostView(_View):
    """Standard vs depthwise separable layer.

    Left, the counts the geometry decides: the output size and the
    multiplications of the standard layer, of the depthwise and pointwise
    steps and of both (log axis, so the smallest shows), each with its share
    of the standard layer's. Right, separable / standard against Nc, the
    curve 1/Nc + 1/h² with the current layer marked and the limit 1/h².
    """

    title = "Standard vs depthwise separable layer"
    size = (6.6, 3.0)

    style = MappingProxyType(
        {"xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "legend.fontsize": 8.5}
    )

    def draw(self, fig):
        counts = fig.add_axes((0.115, 0.17, 0.25, 0.62))
        ax = fig.add_axes((0.61, 0.17, 0.37, 0.62))
        rows = np.arange(4)[::-1]
        colors = [
            pl.KERNEL_COLOR,
            pl.INPUT_COLOR,
            pl.OUTPUT_COLOR,
            pl.INTERMEDIATE_COLOR,
        ]
        self.bars = counts.barh(rows, [1] * 4, height=0.7, color=colors)
        counts.set(xscale="log", xlim=(1, _DW_COUNT_MAX), ylim=(-0.6, 4.2))
        counts.set_yticks(rows, ["standard", "depthwise", "pointwise", "separable"])
        counts.set_xticks([1, 1e3, 1e6, 1e9, 1e12], ["1", "10³", "10⁶", "10⁹", "10¹²"])
        counts.set_xlabel("multiplications (log scale)")
        counts.grid(False, axis="y")
        self.values = [counts.text(0, y, "", va="center", fontsize=8.5) for y in rows]
        # each count's share of the standard layer's, in a column
        share = counts.get_yaxis_transform()
        counts.text(1.04, 3.8, "of standard", transform=share, va="center")
        self.shares = [
            counts.text(1.04, y, "", transform=share, va="center", fontsize=8.5)
            for y in rows
        ]
        self.shape = counts.set_title("", loc="left", fontsize=9, pad=6)
        (self.curve,) = ax.plot(
            [], [], color=pl.INTERMEDIATE_COLOR, label="1/Nc + 1/h²"
        )
        # the limit 1/h² is the pointwise step's share: its colour
        self.limit = _limit_line(ax, 1 / 9, pl.OUTPUT_COLOR, "limit 1/h²")
        (self.marker,) = ax.plot(
            [], [], "o", color=pl.INTERMEDIATE_COLOR, mec="black", markersize=8
        )
        self.note = ax.set_title("", loc="left", fontsize=9, pad=6)
        ax.set_xscale("log", base=2)
        ax.set_xlim(0.7, _DW_FILTERS[-1] * 1.4)
        ax.set_xticks(_DW_FILTERS[::2], [str(n) for n in _DW_FILTERS[::2]])
        ax.set(yscale="log", ylim=(1e-2, 10))  # room for the legend above the curve
        ax.set_yticks([0.01, 0.1, 1], ["0.01", "0.1", "1"])
        ax.set(xlabel="number of filters Nc (log scale)", ylabel="separable / standard")
        ax.legend(loc="upper right")
        counts_panel = [*self.bars, *self.values, *self.shares, self.shape]
        return [*counts_panel, self.curve, self.limit, self.marker, self.note]

    def update(
        self, height, width, depth, kernel_size, filters, stride, padding, dilation
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
        costs = (standard, depthwise, pointwise, separable)
        for bar, value, share, cost in zip(
            self.bars, self.values, self.shares, costs, strict=True
        ):
            count = cost.multiplications
            bar.set_width(count)
            # the count after the bar's end, or inside it when the bar is long
            inside = math.log10(count) > 0.55 * math.log10(_DW_COUNT_MAX)
            value.set_text(f"{count:,}")
            value.set_x(count / 1.5 if inside else count * 1.5)
            value.set_ha("right" if inside else "left")
            # a percentage, three significant digits (0.781%, 11.1%)
            share.set_text(f"{100 * float(cost.ratio_to(standard)):.3g}%")
        c, h, w = standard.output_shape
        self.shape.set_text(
            f"input {height}×{width}×{depth} → output {h}×{w}×{c}\n"
            f"{kernel_size}×{kernel_size} kernels, stride {stride}, "
            f"padding {padding}, dilation {dilation}"
        )
        ncs = sorted({*_DW_FILTERS, filters})
        self.curve.set_data(
            ncs, [float(counting.separable_layer_ratio(kernel_size, n)) for n in ncs]
        )
        self.limit.set_ydata([float(pointwise.ratio_to(standard))] * 2)
        self.marker.set_data([filters], [float(ratio)])
        self.note.set_text(
            f"h = {kernel_size}, Nc = {filters}\n1/Nc + 1/h² = "
            f"{depthwise.ratio_to(standard)} + {pointwise.ratio_to(standard)}"
            f" = {float(ratio):.3f}"
        )
        return {
            "output_shape": standard.output_shape,
            "standard": standard.multiplications,
            "depthwise": depthwise.multiplications,
            "pointwise": pointwise.multiplications,
            "separable": separable.multiplications,
            "standard_parameters": standard.parameters,
            "standard_parameters_with_bias": standard.parameters_with_bias,
            "separable_parameters": separable.parameters,
            "separable_parameters_with_bias": separable.parameters_with_bias,
            "depthwise_share": depthwise.ratio_to(standard),
            "ratio": ratio,
            "textbook_ratio": counting.separable_layer_ratio(kernel_size, filters),
        }

    def rows(self, numbers):
        c, h, w = numbers["output_shape"]

        def named(key):  # a number in a row of several
            return key, numbers[key]

        return [
            ("output_shape", "output (H×W×C)", f"{h}×{w}×{c}"),
            (
                None,
                "multiplications, standard vs separable",
                (named("standard"), " vs ", named("separable")),
            ),
            (
                None,
                "separable = depthwise + pointwise",
                (named("depthwise"), " + ", named("pointwise")),
            ),
            _row(numbers, "ratio", "separable / standard = 1/Nc + 1/h²"),
            (
                None,
                "parameters, standard vs separable",
                (
                    named("standard_parameters"),
                    " vs ",
                    named("separable_parameters"),
                    " (with bias: ",
                    named("standard_parameters_with_bias"),
                    " vs ",
                    named("separable_parameters_with_bias"),
                    ")",
                ),
            ),
        ]


#: The depthwise explorer's controls: geometry on the left, over the counts;
#: kernel size and filters on the right, over the ratio.
_DW_GROUPS = (
    (
        "Input and geometry → output size and counts (left)",
        (("height", "width", "depth"), ("stride", "padding", "dilation")),
    ),
    ("Kernel and filters → the ratio (right)", (("kernel_size", "filters"),)),
)


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

    Two groups of sliders, each over the panel it drives. Input and
    geometry: H and W (3 to 224), D (1 to 512), stride (1 to 2), padding
    (0 to 3), dilation (1 to 3), over the output size and the
    multiplications of the standard layer and of the depthwise and
    pointwise steps (log axis, with each one's share of the standard
    layer's). Kernel and filters: h (1 to 7) and Nc (powers of two, 1 to
    1024), over the ratio separable / standard = 1/Nc + 1/h². The readout
    gives the output size, both counts, the ratio and the parameters (with
    and without bias); all from :func:`sepconv.counting.conv2d_cost` and
    :func:`sepconv.counting.depthwise_separable_conv2d_cost`. An invalid
    combination greys the picture out and names the problem.

    Returns
    -------
    Explorer

    Examples
    --------
    >>> explorer = depthwise_cost_explorer()
    >>> explorer.numbers["standard"], explorer.numbers["separable"]
    (86400, 10275)
    >>> explorer.controls["filters"].value = 1024
    >>> explorer.numbers["pointwise"]
    76800
    """
    stops = sorted({*_DW_FILTERS, check_int(filters, "filters", minimum=1)})
    controls = {
        "height": _slider("H", height, 3, 224),
        "width": _slider("W", width, 3, 224),
        "depth": _slider("D", depth, 1, 512),
        "stride": _slider("stride", stride, 1, 2),
        "padding": _slider("padding", padding, 0, 3),
        "dilation": _slider("dilation", dilation, 1, 3),
        "kernel_size": _slider("h", kernel_size, 1, 7),
        "filters": _control(
            widgets.SelectionSlider, "Nc", filters, options=[(str(n), n) for n in stops]
        ),
    }
    return Explorer(_DepthwiseCostView(), controls, groups=_DW_GROUPS)


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
    >>> [int(b.get_width()) for b in fig.axes[0].patches]
    [86400, 675, 9600, 10275]
    >>> plt.close(fig)
    """
    return _DepthwiseCostView.picture(
        height, width, depth, kernel_size, filters, stride, padding, dilation
    )


def depthwise_cost_scrubber(
    *, kernel_size=3, height=7, width=7, depth=3, filters=_DW_FILTERS
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
    # every frame at stride 1, without padding or dilation
    sweeps = [
        (height, width, depth, kernel_size, check_int(n, "filters", minimum=1), 1, 0, 1)
        for n in filters
    ]
    if not sweeps:
        fail("filters", "at least one number of filters", filters)
    what = "standard and depthwise separable costs, and their ratio against Nc"
    return _scrub(_DepthwiseCostView(), f"depthwise_cost_h{kernel_size}", what, sweeps)


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
_LOW_RANK_GAP = 0.5  # between the three grids, in cells


class _LowRankView(_View):
    """A kernel, its best rank-r approximation, the error, the cost."""

    title = "Low-rank approximation"
    size = (6.4, 2.6)

    def draw(self, fig):
        self.ax = ax = fig.add_axes((0.0, 0.0, 0.83, 1.0))
        sv = fig.add_axes((0.885, 0.2, 0.11, 0.6))
        size = 8.0
        self.g_k, self.g_a, self.g_e = (
            pl.draw_grid(
                np.zeros((3, 3)),
                ax,
                role=role,
                capacity=(5, 5),
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
        self.caption = pl.GlyphLabels(ax, fontsize=size, zorder=3)
        self.sv_bars = sv.bar(np.arange(5), np.zeros(5), color=pl.KERNEL_COLOR)
        sv.set_title("singular values\n/ largest", fontsize=size)
        sv.set(xlabel="index", xlim=(-0.6, 4.6), xticks=range(5), ylim=(0, 1.1))
        sv.grid(False)
        ax.set_aspect("auto")
        # the captions of the kernel and the difference never change
        return [
            self.g_k.cells,
            self.g_k.labels.collection,
            *self.g_a.artists(),
            self.g_e.cells,
            self.g_e.labels.collection,
            self.caption.collection,
            *self.sv_bars,
        ]

    def update(self, kernel, rank):
        if kernel not in LOW_RANK_KERNELS:
            fail("kernel", f"one of {list(LOW_RANK_KERNELS)}", kernel)
        k = np.asarray(LOW_RANK_KERNELS[kernel](), dtype=float)
        approx, error = decompose.low_rank_approximation(k, rank)
        sv = decompose.singular_values(k)
        image = (_LOW_RANK_IMAGE, _LOW_RANK_IMAGE)
        low = counting.low_rank_correlate2d_cost(image, k.shape, rank)
        full = counting.correlate2d_cost(image, k.shape)
        pixels = math.prod(full.output_shape)
        scale = float(np.abs(k).max()) or 1.0
        for idx, (grid, values) in enumerate(
            ((self.g_k, k), (self.g_a, approx), (self.g_e, k - approx))
        ):
            grid.move_to((idx * (5 + _LOW_RANK_GAP) + (5 - k.shape[0]) / 2, 0.6))
            grid.decimals = 0 if np.allclose(values, np.round(values), atol=1e-9) else 2
            grid.update(np.where(np.abs(values) < 5e-13 * scale, 0.0, values))
        self.g_a.label.set_text(f"rank-{rank} approximation")
        self.caption.set(
            [
                f"relative error {error:.3f} · {rank} separable pass pair(s): "
                f"{low.multiplications // pixels} vs {full.multiplications // pixels} "
                "multiplications per pixel"
            ],
            [((3 * 5 + 2 * _LOW_RANK_GAP) / 2, 5 + 1.4)],
        )
        _show_region(self.ax, -0.2, 3 * 5 + 2 * _LOW_RANK_GAP + 0.2, -0.4, 5 + 2.2)
        top = float(sv.max()) if sv.max() > 0 else 1.0
        for idx, bar in enumerate(self.sv_bars):
            bar.set_height(float(sv[idx]) / top if idx < sv.size else 0.0)
            bar.set_color(pl.KERNEL_COLOR if idx < rank else pl.PADDING_COLOR)
            bar.set_visible(idx < sv.size)
        return {
            "kernel_size": k.shape,
            "rank": rank,
            "numerical_rank": decompose.numerical_rank(k),
            "relative_error": error,
            "low_rank_multiplications": low.multiplications,
            "full_multiplications": full.multiplications,
            "per_pixel_low_rank": low.multiplications // pixels,
            "per_pixel_full": full.multiplications // pixels,
        }

    def rows(self, numbers):
        kh, kw = numbers["kernel_size"]
        rank = f"rank-{numbers['rank']}"
        return [
            ("kernel_size", "kernel", f"{kh}×{kw}, rank {numbers['numerical_rank']}"),
            _row(numbers, "relative_error", "relative error (Frobenius)"),
            _row(numbers, "per_pixel_low_rank", f"{rank}: multiplications per pixel"),
            _row(numbers, "per_pixel_full", "full kernel: per pixel"),
            _row(
                numbers,
                "low_rank_multiplications",
                f"{rank}: on a {_LOW_RANK_IMAGE}² image",
            ),
            _row(numbers, "full_multiplications", "full kernel: same image"),
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
    controls = {
        "kernel": widgets.Dropdown(
            options=list(LOW_RANK_KERNELS),
            value=kernel,
            description="kernel",
            layout=widgets.Layout(width="300px"),
        ),
        "rank": _slider("rank", rank, 1, 5),
    }
    return Explorer(_LowRankView(), controls, limits=_low_rank_limits)


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
    return _LowRankView.picture(kernel, rank)


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
    slug = re.sub(r"[^a-z0-9]+", "_", kernel.lower().replace("×", "x")).strip("_")
    sweeps = [(kernel, r) for r in range(1, m + 1)]
    what = f"rank-r approximations of {kernel}"
    return _scrub(_LowRankView(), f"low_rank_{slug}", what, sweeps)
