"""Pictures of convolutions: grids with values, windows, channel stacks, curves.

One colour legend is used everywhere in the book (Okabe-Ito colours and a
purple that colour-blind readers tell from them as well as Okabe-Ito's own):

========================  ===========  ==========================================
role                      colour       what it marks
========================  ===========  ==========================================
``"input"``               blue         the image or feature map being scanned
``"kernel"``              orange       the kernel, and the window it covers
``"output"``              green        what a convolution produces
``"intermediate"``        purple       the result of a first pass, input of the next
``"padding"``             grey         zeros added around the input
========================  ===========  ==========================================

:data:`ROLE_COLORS` holds a strong colour (edges, lines) and a light tint
(cell faces) for each role, and :func:`legend` states the legend on a
picture.

Every drawing function takes ``ax=None`` (then it opens a figure through
pyplot, sized for the drawing) and returns the artists it drew, grouped in a
small object (:class:`Grid`, :class:`Window`, :class:`Stack`) or a dict.
Nothing is set at import time: :func:`use_book_style` applies the book's
rcParams explicitly, and :data:`BOOK_STYLE` can be used with
:func:`matplotlib.rc_context`.

Grids are drawn in data coordinates with one unit per cell, row 0 at the
top (the y axis is inverted), so cell ``(i, j)`` of a grid whose origin is
``(x0, y0)`` covers ``[x0 + j, x0 + j + 1] x [y0 + i, y0 + i + 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

from . import core, counting
from ._validation import (
    as_array,
    check_groups,
    check_int,
    check_real,
    fail,
    resolve_padding,
)

__all__ = [
    "BOOK_STYLE",
    "INPUT_COLOR",
    "INTERMEDIATE_COLOR",
    "KERNEL_COLOR",
    "LAYER_KINDS",
    "OUTPUT_COLOR",
    "PADDING_COLOR",
    "ROLE_COLORS",
    "GlyphLabels",
    "Grid",
    "LayerVolumes",
    "Scan",
    "Stack",
    "Window",
    "cell_quads",
    "draw_depthwise_stacking",
    "draw_grid",
    "draw_layer_volumes",
    "draw_pointwise_filter",
    "draw_scan",
    "draw_stack",
    "format_number",
    "format_products",
    "highlight_window",
    "legend",
    "new_figure",
    "plot_depthwise_cost_ratio",
    "plot_layer_volumes",
    "plot_spatial_cost_ratio",
    "so_far",
    "use_book_style",
]

#: Strong colour of inputs (Okabe-Ito blue).
INPUT_COLOR = "#0072B2"
#: Strong colour of kernels and of the window a kernel covers (Okabe-Ito orange).
KERNEL_COLOR = "#D55E00"
#: Strong colour of outputs (Okabe-Ito bluish green).
OUTPUT_COLOR = "#009E73"
#: Strong colour of intermediates, the output of one pass and input of the next
#: (ColorBrewer's PRGn purple: Okabe-Ito's "reddish purple" #CC79A7 and its
#: tint read as pink).
INTERMEDIATE_COLOR = "#7B3294"
#: Strong colour of zero padding.
PADDING_COLOR = "#8C8C8C"


def _tint(color, amount):
    """``color`` mixed with white; ``amount`` 0 is white, 1 the colour."""
    rgb = np.array(mpl.colors.to_rgb(color))
    return mpl.colors.to_hex(1 - amount * (1 - rgb))


def _role(edge, amount, label, face=None):
    return {"edge": edge, "face": face or _tint(edge, amount), "label": label}


#: For each role, ``"edge"`` (strong colour, for edges and lines), ``"face"``
#: (light tint, for cell faces) and ``"label"`` (the legend's wording).
ROLE_COLORS = {
    "input": _role(INPUT_COLOR, 0.22, "input"),
    "kernel": _role(KERNEL_COLOR, 0.25, "kernel / window"),
    "output": _role(OUTPUT_COLOR, 0.25, "output"),
    "intermediate": _role(INTERMEDIATE_COLOR, 0.3, "intermediate"),
    "padding": _role(PADDING_COLOR, 0, "zero padding", face="#F2F2F2"),
}

#: The book's rcParams; apply with :func:`use_book_style` or
#: ``matplotlib.rc_context(BOOK_STYLE)``.
BOOK_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (6.0, 3.6),
    "figure.constrained_layout.use": False,
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.6,
    "axes.prop_cycle": mpl.cycler(
        color=["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
    ),
    "svg.hashsalt": "sepconv",
}

_MINUS = "\N{MINUS SIGN}"


def use_book_style():
    """Apply the book's matplotlib style (:data:`BOOK_STYLE`) to ``rcParams``.

    Nothing is changed when :mod:`sepconv.plotting` is imported; call this once
    at the top of a notebook. It returns nothing, so a notebook cell ending
    with it shows no output. In IPython (a notebook's kernel) it also shows
    figures as PNGs of twice their pixel density at their usual size
    (``retina``), sharp on high-density screens: with the style's 100 dpi,
    one inch of a figure is shown 100 CSS pixels wide, and a text of 8
    points about 11 pixels high.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     use_book_style()
    ...     mpl.rcParams["font.size"] == BOOK_STYLE["font.size"]
    True
    """
    mpl.rcParams.update(BOOK_STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # no IPython: nothing is shown inline
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def _check_role(role):
    if role not in ROLE_COLORS:
        fail("role", f"one of {sorted(ROLE_COLORS)}", role)
    return ROLE_COLORS[role]


def format_number(value, *, decimals=None):
    """Format a cell value: integers without a point, others with ``decimals``.

    A negative value gets a true minus sign (U+2212), as matplotlib does for
    tick labels.

    Parameters
    ----------
    value : real
        The number. NaN gives an empty string (a cell not computed yet).
    decimals : int, optional
        Decimals for non-integers (default 2). Integral values never get
        decimals.

    Examples
    --------
    >>> format_number(3.0)
    '3'
    >>> format_number(-2) == "\N{MINUS SIGN}2"
    True
    >>> format_number(0.3333)
    '0.33'
    >>> format_number(float("nan"))
    ''
    """
    if isinstance(value, float | np.floating) and np.isnan(value):
        return ""
    value = check_real(value, "value")
    decimals = 2 if decimals is None else check_int(decimals, "decimals", minimum=0)
    if float(value).is_integer():
        text = str(int(value))
    else:
        text = f"{value:.{decimals}f}"
        if float(text) == 0:
            text = f"{0:.{decimals}f}"
    return text.replace("-", _MINUS)


def format_products(
    inputs, weights, *, total=None, decimals=None, max_terms=None, per_line=None
):
    """The sum of products one output cell is made of, as text.

    Parameters
    ----------
    inputs, weights : array_like
        Equal-sized arrays, multiplied element by element (in C order).
    total : real, optional
        The printed result; by default the sum of the products.
    decimals : int, optional
        As in :func:`format_number`.
    max_terms : int, optional
        Show at most this many products, then an ellipsis.
    per_line : int, optional
        Break the sum into lines of this many products (e.g. one line per
        kernel row); later lines start with ``+``.

    Examples
    --------
    >>> print(format_products([1, 2, 3], [1, 0, -1]).replace("\N{MINUS SIGN}", "-"))
    1×1 + 2×0 + 3×(-1) = -2
    >>> print(format_products([1, 2, 3, 4], [1, 1, 1, 1], max_terms=2))
    1×1 + 2×1 + … = 10
    >>> print(format_products([1, 2, 3, 4], [1, 1, 1, 1], per_line=2))
    1×1 + 2×1
    + 3×1 + 4×1 = 10
    """
    x = as_array(inputs, "inputs", ndim=(0, 1, 2, 3)).ravel()
    w = as_array(weights, "weights", ndim=(0, 1, 2, 3)).ravel()
    if x.size != w.size:
        fail("weights", f"as many values as inputs ({x.size})", w)
    terms = []
    for a, b in zip(x, w, strict=True):
        sb = format_number(b, decimals=decimals)
        if b < 0:
            sb = f"({sb})"
        terms.append(f"{format_number(a, decimals=decimals)}×{sb}")
    if max_terms is not None and len(terms) > check_int(
        max_terms, "max_terms", minimum=1
    ):
        terms = [*terms[:max_terms], "…"]
    result = float(np.dot(x, w)) if total is None else total
    if per_line is None:
        text = " + ".join(terms)
    else:
        n = check_int(per_line, "per_line", minimum=1)
        text = "\n+ ".join(
            " + ".join(terms[k : k + n]) for k in range(0, len(terms), n)
        )
    return text + " = " + format_number(result, decimals=decimals)


def new_figure(size, *, dpi=None, pyplot=False):
    """A figure of ``size`` inches: pyplot-managed (shown inline) or on a bare
    Agg canvas (drawn to PNG by animations and explorers).

    Examples
    --------
    >>> new_figure((2, 1), dpi=50).canvas.get_width_height()
    (100, 50)
    """
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=size, dpi=dpi)
    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _new_axes(size):
    """A fresh pyplot figure and axes, ``size`` in inches."""
    return new_figure(size, pyplot=True).add_subplot()


def _grid_axes(ax, *, width=6.0, height=3.0):
    """Prepare axes for grid drawings (equal aspect, no frame, y down)."""
    if ax is None:
        ax = _new_axes((width, height))
    ax.set_aspect("equal")
    ax.set_axis_off()
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    return ax


@lru_cache(maxsize=64)
def _digit_middle(size, family):
    """Height of the middle of a digit above the baseline, in points."""
    ys = TextPath((0, 0), "0", prop=FontProperties(family=family, size=size)).vertices
    return (ys[:, 1].min() + ys[:, 1].max()) / 2


@lru_cache(maxsize=8192)
def _glyphs(text, size, family, align="center"):
    """The outline of ``text`` at ``size`` points, placed around the origin.

    Horizontally centred (or starting at the origin with ``align="left"``),
    vertically centred on the digits' height, so numbers share a baseline.
    """
    path = TextPath((0, 0), text, prop=FontProperties(family=family, size=size))
    xs = path.vertices[:, 0] if len(path.vertices) else np.zeros(1)
    x = (xs.min() + xs.max()) / 2 if align == "center" else 0.0
    shift = np.array([x, _digit_middle(size, family)])
    return Path(path.vertices - shift, path.codes)


class GlyphLabels:
    """Many short texts drawn as one collection of glyph outlines.

    Much faster to redraw than one :class:`~matplotlib.text.Text` per label
    (what live explorers need), a little softer to read. Each label is placed
    by its centre (or its left end) in data coordinates, sized in points.

    Parameters
    ----------
    ax : matplotlib Axes
    fontsize : float, keyword-only
        Size in points.
    zorder : float, keyword-only
    family : str, keyword-only, optional
        Font family (default: the first of ``font.family``).
    align : {"center", "left"}, keyword-only

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> labels = GlyphLabels(Figure().add_subplot(), fontsize=8)
    >>> labels.set(["12", "−3"], [(0.5, 0.5), (1.5, 0.5)])
    >>> labels.strings
    ['12', '−3']
    """

    def __init__(self, ax, *, fontsize, zorder=2.0, family=None, align="center"):
        self.fontsize = fontsize
        self.family = family or mpl.rcParams["font.family"][0]
        if align not in ("center", "left"):
            fail("align", '"center" or "left"', align)
        self.align = align
        self.strings = []
        # glyphs are sized in points (display space is y-up whatever the axes)
        points = Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans
        self.collection = PathCollection(
            [],
            offsets=np.zeros((0, 2)),
            offset_transform=ax.transData,
            transform=points,
            edgecolor="none",
            zorder=zorder,
        )
        ax.add_collection(self.collection, autolim=False)

    def set(self, strings, positions, colors="black"):
        """Show ``strings`` at ``positions`` (data coordinates), in ``colors``."""
        self.strings = [str(s) for s in strings]
        self.collection.set_paths(
            [_glyphs(s, self.fontsize, self.family, self.align) for s in self.strings]
        )
        self.collection.set_offsets(np.reshape(positions, (-1, 2)))
        self.collection.set_facecolor(colors if len(colors) else "black")

    def set_lines(self, text, xy, *, spacing=1.3):
        """Show a multi-line ``text`` from ``xy`` down, one label per line.

        ``spacing`` is the line pitch in multiples of the font size; the
        axes must map one data unit to a fixed size (grid axes).
        """
        lines = str(text).split("\n")
        ax = self.collection.axes
        to_data = ax.transData.inverted()
        origin = ax.transData.transform(xy)
        pitch = spacing * self.fontsize * ax.figure.dpi / 72
        positions = [
            to_data.transform(origin - (0, k * pitch)) for k in range(len(lines))
        ]
        self.set(lines, positions)


def cell_quads(cells, origin=(0.0, 0.0)):
    """The corners of cells ``(i, j)`` of a grid whose top-left is ``origin``.

    Examples
    --------
    >>> cell_quads([(1, 2)], origin=(0.5, 0))
    [[(2.5, 1), (3.5, 1), (3.5, 2), (2.5, 2)]]
    """
    x0, y0 = origin
    return [
        [(x0 + j, y0 + i), (x0 + j + 1, y0 + i), (x0 + j + 1, y0 + i + 1),
         (x0 + j, y0 + i + 1)]
        for i, j in cells
    ]  # fmt: skip


class Grid:
    """A grid of cells with values, drawn on ``ax``; update it in place.

    Made by :func:`draw_grid`. The cells are one
    :class:`~matplotlib.collections.PolyCollection` (``cells``); the values
    are either one :class:`~matplotlib.text.Text` per cell (``texts``, an
    object array of shape ``capacity``, hinted and crisp) or, with
    ``fast_text``, one :class:`~matplotlib.collections.PathCollection` of
    glyph outlines (``labels``; many times faster to draw). Indices are in
    padded coordinates: cell ``(0, 0)`` is the top-left padding cell when
    there is padding.
    """

    def __init__(
        self,
        ax,
        origin,
        capacity,
        role,
        *,
        fontsize,
        decimals,
        show_values,
        fast_text,
        zorder,
        label,
    ):
        self.ax = ax
        self.origin = tuple(float(v) for v in origin)
        self.capacity = tuple(capacity)
        self.role = role
        self.fontsize = fontsize
        self.decimals = decimals
        self.shape = (0, 0)
        self.padding = (0, 0, 0, 0)
        self.values = self.faces = self.highlight = None
        self.strings = np.full(self.capacity, "", dtype=object)
        self.visible = True
        self.cells = PolyCollection([], linewidths=0.8, zorder=zorder)
        ax.add_collection(self.cells, autolim=False)
        self.texts = self.labels = None
        if show_values and fast_text:
            self.labels = GlyphLabels(ax, fontsize=fontsize, zorder=zorder + 0.01)
        elif show_values:
            self.texts = np.empty(self.capacity, dtype=object)
            for i, j in np.ndindex(self.capacity):
                self.texts[i, j] = ax.text(
                    self.origin[0] + j + 0.5,
                    self.origin[1] + i + 0.5,
                    "",
                    ha="center",
                    va="center_baseline",
                    fontsize=fontsize,
                    zorder=zorder + 0.01,
                    visible=False,
                    gid="cell-value",
                )
        self.label = None
        if label is not None:
            self.label = ax.text(
                0,
                0,
                label,
                ha="center",
                va="bottom",
                fontsize=fontsize,
                color=ROLE_COLORS[role]["edge"],
                zorder=zorder + 0.02,
            )

    def __repr__(self):
        return (
            f"Grid(role={self.role!r}, shape={self.shape}, padding={self.padding}, "
            f"origin={self.origin})"
        )

    @property
    def padded_shape(self):
        """``(rows, cols)`` of the shown grid, padding included."""
        t, b, left, r = self.padding
        return (self.shape[0] + t + b, self.shape[1] + left + r)

    def cell_origin(self, i, j):
        """Top-left corner ``(x, y)`` of cell ``(i, j)`` (padded coordinates)."""
        return (self.origin[0] + j, self.origin[1] + i)

    def extent(self):
        """``(x0, x1, y0, y1)`` of the shown grid, padding included."""
        rows, cols = self.padded_shape
        x0, y0 = self.origin
        return (x0, x0 + cols, y0, y0 + rows)

    def artists(self):
        """Every artist of the grid (cells, values, caption)."""
        found = [self.cells]
        if self.labels is not None:
            found.append(self.labels.collection)
        if self.texts is not None:
            found.extend(self.texts.ravel())
        if self.label is not None:
            found.append(self.label)
        return found

    def set_visible(self, visible):
        """Show or hide the whole grid."""
        self.visible = bool(visible)
        self._draw()
        if self.label is not None:
            self.label.set_visible(self.visible)
        return self

    def move_to(self, origin):
        """Move the whole grid so that its top-left corner is ``origin``."""
        self.origin = tuple(float(v) for v in origin)
        if self.texts is not None:
            x0, y0 = self.origin
            for (i, j), text in np.ndenumerate(self.texts):
                text.set_position((x0 + j + 0.5, y0 + i + 0.5))
        self._draw()
        return self

    def update(self, values, *, padding=None, highlight=None, faces=None):
        """Show ``values`` (a 2-D array; NaN = not computed yet) in place.

        Parameters
        ----------
        values : array_like, 2-D
            The interior values; the shape may change, up to ``capacity``
            minus the padding.
        padding : int, (h, w) or "valid", optional
            Zero padding drawn around the values, as in
            :func:`sepconv.correlate2d` (default: unchanged); ``"same"``
            needs a kernel and is refused here.
        highlight : tuple of int, optional
            Interior ``(i, j)`` drawn with a strong face (the cell being
            computed).
        faces : array_like of colours, optional
            Face colour of every interior cell, shape ``values.shape``
            (overrides the role's tint, e.g. to shade counts).
        """
        values = as_array(values, "values", ndim=2)
        pads = self.padding if padding is None else resolve_padding(padding, None)
        t, b, left, r = pads
        rows, cols = values.shape[0] + t + b, values.shape[1] + left + r
        if rows > self.capacity[0] or cols > self.capacity[1]:
            fail(
                "values",
                f"no larger than the grid's capacity {self.capacity} with padding",
                values,
            )
        self.values, self.shape, self.padding = values, values.shape, pads
        self.faces = None if faces is None else np.asarray(faces, dtype=object)
        self.highlight = None if highlight is None else tuple(highlight)
        self.strings[...] = ""
        self.strings[:rows, :cols] = "0"  # the padding
        for (i, j), v in np.ndenumerate(values):
            self.strings[i + t, j + left] = format_number(v, decimals=self.decimals)
        self._draw()
        return self

    def _inside(self, i, j):
        t, _, left, _ = self.padding
        return t <= i < t + self.shape[0] and left <= j < left + self.shape[1]

    def _draw(self):
        """Push the state (values, colours, position) into the artists."""
        rows, cols = self.padded_shape if self.visible else (0, 0)
        t, _, left, _ = self.padding
        colors = ROLE_COLORS[self.role]
        pad = ROLE_COLORS["padding"]
        strong = _tint(colors["edge"], 0.6)
        face, edge, style = [], [], []
        strings, centres, ink = [], [], []
        for i, j in np.ndindex(rows, cols):
            cell = (i - t, j - left)  # in the values
            if self._inside(i, j):
                v = self.values[cell]
                f = colors["face"] if v == v else "white"
                if self.faces is not None:
                    f = self.faces[cell]
                face.append(strong if self.highlight == cell else f)
                edge.append(colors["edge"])
                style.append("solid")
            else:
                face.append(pad["face"])
                edge.append(pad["edge"])
                style.append((0, (2, 2)))
            if self.strings[i, j]:
                strings.append(self.strings[i, j])
                centres.append((self.origin[0] + j + 0.5, self.origin[1] + i + 0.5))
                ink.append("black" if self._inside(i, j) else pad["edge"])
        layout = (self.origin, rows, cols)
        if layout != getattr(self, "_layout", None):  # rebuilding paths is slow
            self.cells.set_verts(cell_quads(np.ndindex(rows, cols), self.origin))
            self._layout = layout
        self.cells.set_facecolor(face or "none")
        self.cells.set_edgecolor(edge or "none")
        self.cells.set_linestyle(style or "solid")
        if self.labels is not None:
            self.labels.set(strings, centres, ink)
        if self.texts is not None:
            for (i, j), text in np.ndenumerate(self.texts):
                s = self.strings[i, j] if i < rows and j < cols else ""
                text.set_visible(bool(s))
                if s:
                    text.set_text(s)
                    text.set_color("black" if self._inside(i, j) else pad["edge"])
        if self.label is not None:
            x0, x1, y0, _ = self.extent()
            self.label.set_position(((x0 + x1) / 2, y0 - 0.25))


def draw_grid(
    values,
    ax=None,
    *,
    role="input",
    origin=(0.0, 0.0),
    padding=0,
    show_values=True,
    decimals=None,
    fontsize=None,
    label=None,
    capacity=None,
    zorder=1.0,
    highlight=None,
    fast_text=False,
):
    """Draw a 2-D array as a grid of cells, with the values written in them.

    Parameters
    ----------
    values : array_like, 2-D
        The values; NaN draws an empty (not yet computed) cell.
    ax : matplotlib Axes, optional
        Where to draw; by default a new pyplot figure.
    role : str, keyword-only
        ``"input"``, ``"kernel"``, ``"output"``, ``"intermediate"`` or
        ``"padding"``; picks the colours (see :data:`ROLE_COLORS`).
    origin : (x, y), keyword-only
        Top-left corner in data units (one unit per cell, y pointing down).
    padding : int, (h, w) or "valid", keyword-only
        Zero padding drawn around the values, grey and dashed: an int or a
        pair as in :func:`sepconv.correlate2d` (``"same"`` needs a kernel
        and is refused here).
    show_values : bool, keyword-only
        Write the values in the cells.
    decimals : int, keyword-only, optional
        Decimals for non-integer values (see :func:`format_number`).
    fontsize : float, keyword-only, optional
        Size of the values, in points (default: 0.9 x ``font.size``).
    label : str, keyword-only, optional
        A caption written above the grid.
    capacity : (rows, cols), keyword-only, optional
        The largest padded shape :meth:`Grid.update` may show later (only
        used to preallocate the per-cell texts).
    zorder : float, keyword-only
        Drawing order (later layers of a :func:`draw_stack` are higher).
    highlight : (i, j), keyword-only, optional
        A cell drawn with a strong face.
    fast_text : bool, keyword-only
        Draw the values as glyph outlines in one collection instead of one
        text artist per cell: many times faster to redraw (for live
        explorers), a little softer to read.

    Returns
    -------
    Grid
        The cells, values and caption, updatable in place.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> grid = draw_grid([[1, 2], [3, 4]], ax, role="kernel", padding=1)
    >>> grid.padded_shape, grid.strings[0, 0], grid.strings[1, 1]
    ((4, 4), '0', '1')
    """
    _check_role(role)
    ax = _grid_axes(ax)
    arr = as_array(values, "values", ndim=2)
    t, b, left, r = pads = resolve_padding(padding, None)
    rows, cols = arr.shape[0] + t + b, arr.shape[1] + left + r
    if capacity is not None:  # at least the padded values
        rows = max(rows, check_int(capacity[0], "capacity", minimum=1))
        cols = max(cols, check_int(capacity[1], "capacity", minimum=1))
    if fontsize is None:
        fontsize = 0.9 * mpl.rcParams["font.size"]
    grid = Grid(
        ax,
        origin,
        (rows, cols),
        role,
        fontsize=fontsize,
        decimals=decimals,
        show_values=show_values,
        fast_text=fast_text,
        zorder=zorder,
        label=label,
    )
    grid.update(arr, padding=pads, highlight=highlight)
    x0, x1, y0, y1 = grid.extent()
    ax.update_datalim([(x0, y0), (x1, y1)])
    ax.autoscale_view()
    return grid


class Window:
    """The cells a kernel covers at one position, outlined on a :class:`Grid`.

    Made by :func:`highlight_window`. ``taps`` (one
    :class:`~matplotlib.collections.PolyCollection`) shades the cells that
    are multiplied, spread out by the dilation; ``box`` outlines the whole
    window; the kernel values, when given, are written ("×w") in the
    corner of each tapped cell (``weights``: Text artists, or glyph outlines
    with ``fast_text``).
    """

    def __init__(self, grid, capacity, fontsize, fast_text, show_weights):
        ax = grid.ax
        self.grid = grid
        self.capacity = capacity
        self.kernel_size = self.dilation = (1, 1)
        self.kernel = None
        self.row = self.col = 0
        self.visible = True
        edge = ROLE_COLORS["kernel"]["edge"]
        z = grid.cells.get_zorder()
        # taps sit between the cells and their values (zorder + 0.01)
        self.taps = PolyCollection(
            [],
            facecolor=_tint(edge, 0.18),
            edgecolor=edge,
            linewidths=1.0,
            alpha=0.85,
            zorder=z + 0.005,
        )
        ax.add_collection(self.taps, autolim=False)
        self.box = ax.add_patch(
            Rectangle(
                (0, 0), 1, 1, fill=False, edgecolor=edge, linewidth=2.0, zorder=z + 0.5
            )
        )
        self.fontsize = grid.fontsize if fontsize is None else fontsize
        self.weights = self.weight_labels = None
        if fast_text is None:
            fast_text = grid.labels is not None
        if show_weights and fast_text:
            self.weight_labels = GlyphLabels(ax, fontsize=self.fontsize, zorder=z + 0.6)
        elif show_weights:
            self.weights = [
                ax.text(
                    0,
                    0,
                    "",
                    ha="right",
                    va="bottom",
                    fontsize=self.fontsize,
                    color=edge,
                    zorder=z + 0.6,
                    visible=False,
                    gid="cell-value",
                )
                for _ in range(capacity)
            ]

    def __repr__(self):
        return (
            f"Window(row={self.row}, col={self.col}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation})"
        )

    def artists(self):
        """Every artist of the window."""
        found = [self.taps, self.box]
        if self.weights is not None:
            found.extend(self.weights)
        if self.weight_labels is not None:
            found.append(self.weight_labels.collection)
        return found

    def set_visible(self, visible):
        """Show or hide the window."""
        self.visible = bool(visible)
        return self.move(self.row, self.col)

    def move(self, row, col, *, kernel=None, kernel_size=None, dilation=None):
        """Put the window's top-left tap on padded cell ``(row, col)``.

        ``kernel`` (values), ``kernel_size`` and ``dilation`` may change
        too, within the capacity the window was drawn with.
        """
        if kernel is not None:
            self.kernel = as_array(kernel, "kernel", ndim=2)
            kernel_size = self.kernel.shape
        if kernel_size is not None:
            kernel_size = tuple(kernel_size)
            if kernel_size[0] * kernel_size[1] > self.capacity:
                fail("kernel_size", f"at most {self.capacity} taps", kernel_size)
            self.kernel_size = kernel_size
            if self.kernel is not None and self.kernel.shape != kernel_size:
                self.kernel = None
        if dilation is not None:
            self.dilation = tuple(dilation)
        self.row, self.col = int(row), int(col)
        kh, kw = self.kernel_size
        dh, dw = self.dilation
        x0, y0 = self.grid.cell_origin(self.row, self.col)
        taps = []
        if self.visible:
            taps = [(u * dh, v * dw) for u in range(kh) for v in range(kw)]
        self.taps.set_verts(cell_quads(taps, (x0, y0)))
        strings, corners = [], []
        if self.kernel is not None:
            strings = ["×" + format_number(w) for w in self.kernel.ravel()[: len(taps)]]
            corners = [(x0 + j + 0.96, y0 + i + 0.96) for i, j in taps]
        edge = ROLE_COLORS["kernel"]["edge"]
        if self.weights is not None:
            for k, text in enumerate(self.weights):
                text.set_visible(k < len(strings))
                if k < len(strings):
                    text.set_text(strings[k])
                    text.set_position(corners[k])
        if self.weight_labels is not None:
            # glyph outlines are centred: put the centre in the corner's area
            self.weight_labels.set(
                strings,
                [(cx - 0.26, cy - 0.2) for cx, cy in corners],
                [edge] * len(strings),
            )
        self.box.set_visible(self.visible)
        self.box.set_bounds(x0, y0, (kw - 1) * dw + 1, (kh - 1) * dh + 1)
        return self


def highlight_window(
    grid,
    row,
    col,
    kernel_size=(3, 3),
    *,
    dilation=1,
    kernel=None,
    capacity=None,
    fontsize=None,
    fast_text=None,
):
    """Outline the window a kernel covers on ``grid``, top-left at ``(row, col)``.

    Parameters
    ----------
    grid : Grid
        The (padded) input drawn by :func:`draw_grid`.
    row, col : int
        Padded coordinates of the top-left tap, e.g. ``(i*s, j*s)`` for
        output cell ``(i, j)`` with stride ``s``.
    kernel_size : (kh, kw)
        The kernel's shape (ignored when ``kernel`` is given).
    dilation : int or (dh, dw), keyword-only
        Spacing between taps (1 = adjacent cells).
    kernel : array_like, keyword-only, optional
        Kernel values, written ("×w") in the corner of each tapped cell: the
        multiplications being done.
    capacity : int, keyword-only, optional
        The largest number of taps :meth:`Window.move` may show later.
    fontsize : float, keyword-only, optional
        Size of the kernel values (default: the grid's font size, which the
        book's figure rule keeps legible; the cells must be large enough).
    fast_text : bool, keyword-only, optional
        As in :func:`draw_grid` (default: as the grid).

    Returns
    -------
    Window
        Movable with :meth:`Window.move`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> grid = draw_grid(np.arange(25).reshape(5, 5), Figure().add_subplot())
    >>> window = highlight_window(grid, 1, 2, (3, 3), kernel=np.ones((3, 3)))
    >>> window.box.get_xy(), window.box.get_width(), window.weights[0].get_text()
    ((2.0, 1.0), 3, '×1')
    """
    if not isinstance(grid, Grid):
        fail("grid", "a Grid made by draw_grid", grid, error=TypeError)
    if kernel is not None:
        kernel = as_array(kernel, "kernel", ndim=2)
        kernel_size = kernel.shape
    kh, kw = (check_int(k, "kernel_size", minimum=1) for k in kernel_size)
    dh, dw = (dilation, dilation) if np.ndim(dilation) == 0 else dilation
    dh, dw = check_int(dh, "dilation", minimum=1), check_int(dw, "dilation", minimum=1)
    n = kh * kw if capacity is None else max(kh * kw, check_int(capacity, "capacity"))
    window = Window(grid, n, fontsize, fast_text, show_weights=kernel is not None)
    return window.move(row, col, kernel=kernel, kernel_size=(kh, kw), dilation=(dh, dw))


def so_far(values, position):
    """``values`` with the cells after ``position`` (in reading order) blank.

    What a scan has computed when it reaches output cell ``position``; a
    ``(C, H, W)`` stack is blanked channel by channel.

    Examples
    --------
    >>> so_far(np.arange(4.0).reshape(2, 2), (0, 1))
    array([[ 0.,  1.],
           [nan, nan]])
    """
    shown = np.array(values, dtype=float)
    h, w = shown.shape[-2:]
    shown[..., np.arange(h * w).reshape(h, w) > position[0] * w + position[1]] = np.nan
    return shown


#: Offset between the layers of a pointwise filter column, in cells.
_COLUMN_STEP = 0.62


class Scan:
    """Inputs ⋆ kernel = output in a row, a window on each input: the picture
    of a convolution being computed. Made by :func:`draw_scan`.

    Attributes
    ----------
    inputs : list of Grid
        One per input channel, side by side.
    kernel : Grid or Stack
        The kernel (a :class:`Stack` column for a pointwise filter).
    output : Grid
    windows : list of Window
        One per input channel.
    symbols : list of matplotlib Text
        The "⋆" and "=" in the middle of the gaps between the panels.
    rows, width : float
        Height and width of the row of panels, in cells.
    """

    def __init__(self, ax, origin, gap, channel_gap, symbol_sizes, show_weights):
        self.ax, self.gap, self.channel_gap = ax, gap, channel_gap
        self.origin = tuple(float(v) for v in origin)
        self.show_weights = show_weights
        self.symbols = [
            ax.text(0, 0, s, ha="center", va="center", fontsize=size)
            for s, size in zip("⋆=", symbol_sizes, strict=True)
        ]
        self.inputs, self.windows = [], []
        self.kernel = self.output = None

    def _arrays(self, inputs, kernel, output, padding, dilation):
        """Keep the arrays; return the panels' top-left corners, laid out
        left to right from their sizes and centred on the tallest."""
        x = as_array(inputs, "inputs", ndim=(2, 3))
        self.values = list(x) if x.ndim == 3 else [x]
        self.weights = as_array(kernel, "kernel", ndim=(1, 2))
        if self.weights.ndim == 1 and self.weights.size != len(self.values):
            fail("kernel", f"one weight per input channel ({len(self.values)})", kernel)
        self.out = as_array(output, "output", ndim=2)
        self.padding = resolve_padding(padding, None)
        self.dilation = check_int(dilation, "dilation", minimum=1)
        t, b, left, r = self.padding
        self.padded = [np.pad(v, ((t, b), (left, r))) for v in self.values]
        boxes = [v.shape[::-1] for v in self.padded]  # (width, height)
        if self.weights.ndim == 1:
            side = 1 + (self.weights.size - 1) * _COLUMN_STEP
            boxes.append((side, side))
        else:
            boxes.append(self.weights.shape[::-1])
        boxes.append(self.out.shape[::-1])
        gaps = [0.0] + [self.channel_gap] * (len(boxes) - 3) + [self.gap] * 2
        x, y0 = self.origin
        self.rows = max(h for _, h in boxes)
        corners = []
        for (w, h), gap in zip(boxes, gaps, strict=True):
            x += gap
            corners.append((x, y0 + (self.rows - h) / 2))
            x += w
        self.width = x - self.origin[0]
        for symbol, (xc, _) in zip(self.symbols, corners[-2:], strict=True):
            symbol.set_position((xc - self.gap / 2, y0 + self.rows / 2))
        return corners

    @property
    def window_size(self):
        """``(kh, kw)``: the kernel's size, ``(1, 1)`` for a pointwise filter."""
        return (1, 1) if self.weights.ndim == 1 else self.weights.shape

    def _window_kernels(self):
        if not self.show_weights:
            return [None] * len(self.values)
        if self.weights.ndim == 1:  # a pointwise filter: one weight per channel
            return [w.reshape(1, 1) for w in self.weights]
        return [self.weights] * len(self.values)

    def set(self, inputs, kernel, output, *, padding=0, dilation=1):
        """Show new arrays in place (a grid kernel; within the capacity)."""
        corners = self._arrays(inputs, kernel, output, padding, dilation)
        for grid, values, corner in zip(
            self.inputs, self.values, corners, strict=False
        ):
            grid.move_to(corner).update(values, padding=padding)
        self.kernel.move_to(corners[-2]).update(self.weights)
        self.output.move_to(corners[-1])
        return self

    def show(self, position, corner):
        """Put the windows at padded cell ``corner`` and show the output up to
        cell ``position`` (highlighted); return the products summed there."""
        (r, c), (kh, kw), d = corner, self.window_size, self.dilation
        for window, kernel in zip(self.windows, self._window_kernels(), strict=True):
            window.move(r, c, kernel=kernel, kernel_size=(kh, kw), dilation=(d, d))
        self.output.update(so_far(self.out, position), highlight=position)
        taps = np.s_[r : r + (kh - 1) * d + 1 : d, c : c + (kw - 1) * d + 1 : d]
        return format_products(
            np.stack([x[taps] for x in self.padded]),
            self.weights,
            total=self.out[tuple(position)],
            per_line=kw if kw > 1 else None,
        )


def draw_scan(
    inputs,
    kernel,
    output,
    ax=None,
    *,
    padding=0,
    dilation=1,
    origin=(0.0, 0.0),
    roles=("input", "output"),
    labels=None,
    gap=1.0,
    channel_gap=0.8,
    symbol_sizes=(16, 12),
    fontsize=None,
    show_weights=True,
    weight_fontsize=None,
    capacity=None,
    fast_text=False,
):
    """Draw a scan: the input ⋆ the kernel = the output, with a window.

    The one picture of a kernel scanning an image, used by the animations,
    the scan explorer and static figures. The panels are laid out from their
    sizes, left to right, centred on the tallest; :meth:`Scan.show` moves
    the window and fills the output in reading order.

    Parameters
    ----------
    inputs : array_like, (H, W) or (C, H, W)
        The image; several channels are drawn side by side.
    kernel : array_like, (kh, kw) or (C,)
        A 2-D kernel, or a pointwise filter (one weight per input channel,
        drawn as a column; each channel's window shows its weight).
    output : array_like, 2-D
        The result, shown cell by cell as the scan reaches it.
    ax : matplotlib Axes, optional
        Where to draw; by default a new pyplot figure.
    padding : int, (h, w) or "valid", keyword-only
        Zero padding drawn around each input, as in :func:`draw_grid`.
    dilation : int, keyword-only
        Spacing between the window's taps.
    origin : (x, y), keyword-only
        Top-left corner of the row of panels.
    roles : (str, str), keyword-only
        Colour roles of the input and the output.
    labels : dict, keyword-only, optional
        Captions: ``"inputs"`` (one per channel), ``"kernel"``, ``"output"``.
    gap, channel_gap : float, keyword-only
        Cells between the panels (the symbols sit in the middle), and
        between input channels.
    symbol_sizes : (float, float), keyword-only
        Font sizes of "⋆" and "=".
    fontsize : float, keyword-only, optional
        Size of the values, as in :func:`draw_grid`.
    show_weights : bool, keyword-only
        Write the kernel's weights in the window's cells.
    weight_fontsize : float, keyword-only, optional
        Their size, as in :func:`highlight_window`.
    capacity : (side, kernel_side), keyword-only, optional
        The largest padded input and output (``side x side``) and kernel
        :meth:`Scan.set` may show later.
    fast_text : bool, keyword-only
        As in :func:`draw_grid`.

    Returns
    -------
    Scan

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> x, k = np.arange(9.0).reshape(3, 3), np.ones((2, 2))
    >>> out = np.array([[8.0, 12], [20, 24]])
    >>> scan = draw_scan(x, k, out, Figure().add_subplot())
    >>> print(scan.show((0, 1), (0, 1)))
    1×1 + 2×1
    + 4×1 + 5×1 = 12
    >>> scan.output.strings[1, 0], scan.kernel.origin, scan.width
    ('', (4.0, 0.5), 9.0)
    """
    labels = labels or {}
    ax = _grid_axes(ax)
    scan = Scan(ax, origin, gap, channel_gap, symbol_sizes, show_weights)
    corners = scan._arrays(inputs, kernel, output, padding, dilation)
    side, k_side = (None, None) if capacity is None else ((v, v) for v in capacity)
    grid = partial(draw_grid, ax=ax, fontsize=fontsize, fast_text=fast_text)
    names = labels.get("inputs", [None] * len(scan.values))
    for values, corner, name in zip(scan.values, corners, names, strict=False):
        options = {"padding": padding, "label": name, "capacity": side}
        scan.inputs.append(grid(values, role=roles[0], origin=corner, **options))
    name = labels.get("kernel")
    if scan.weights.ndim == 1:
        x0, y0 = corners[-2]
        front = (x0, y0 + (scan.weights.size - 1) * _COLUMN_STEP)
        scan.kernel = draw_pointwise_filter(
            scan.weights, ax, origin=front, fontsize=fontsize, label=name
        )
    else:
        scan.kernel = grid(scan.weights, role="kernel", origin=corners[-2],
                           label=name, capacity=k_side)  # fmt: skip
    scan.output = grid(scan.out, role=roles[1], origin=corners[-1],
                       label=labels.get("output"), capacity=side)  # fmt: skip
    taps = None if capacity is None else capacity[1] ** 2
    for g, weights in zip(scan.inputs, scan._window_kernels(), strict=True):
        window = highlight_window(g, 0, 0, scan.window_size, kernel=weights,
                                  capacity=taps, fontsize=weight_fontsize)  # fmt: skip
        scan.windows.append(window)
    return scan


def legend(ax=None, *, roles=("input", "kernel", "output"), extra=(), **legend_kw):
    """State the colour legend on a picture: one patch per role.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to put the legend; by default a new pyplot figure.
    roles : sequence of str, keyword-only
        Keys of :data:`ROLE_COLORS`, in order.
    extra : sequence of matplotlib artists, keyword-only
        Further entries, after the roles (each with its ``label``).
    **legend_kw
        Passed to :meth:`matplotlib.axes.Axes.legend` (default: one row below
        the drawing).

    Returns
    -------
    matplotlib.legend.Legend

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> lg = legend(Figure().add_subplot(), roles=("input", "output"))
    >>> [t.get_text() for t in lg.get_texts()]
    ['input', 'output']
    """
    if ax is None:
        ax = _new_axes((5.0, 0.5))
        ax.set_axis_off()
    if isinstance(roles, str):
        fail("roles", "a sequence of role names", roles, error=TypeError)
    handles = []
    for role in roles:
        c = _check_role(role)
        style = "--" if role == "padding" else "-"
        handles.append(Patch(fc=c["face"], ec=c["edge"], ls=style, label=c["label"]))
    handles += list(extra)
    legend_kw.setdefault("loc", "upper center")
    legend_kw.setdefault("bbox_to_anchor", (0.5, 0.0))
    legend_kw.setdefault("ncols", len(handles))
    legend_kw.setdefault("frameon", False)
    legend_kw.setdefault("handlelength", 1.2)
    legend_kw.setdefault("columnspacing", 1.0)
    return ax.legend(handles=handles, **legend_kw)


@dataclass
class Stack:
    """A channel stack drawn as offset layers; ``layers[c]`` is channel ``c``.

    Made by :func:`draw_stack`. Layers are :class:`Grid` objects (or plain
    outlines, :class:`matplotlib.patches.Rectangle`, for deep stacks).
    """

    ax: object
    layers: list
    offset: tuple
    label: object = None

    def update(self, array, *, highlight=None):
        """Show new values (``(C, H, W)``, NaN = not computed) in place."""
        arr = as_array(array, "array", ndim=3)
        if arr.shape[0] != len(self.layers):
            fail("array", f"{len(self.layers)} channels", arr)
        for c, layer in enumerate(self.layers):
            if isinstance(layer, Grid):
                layer.update(arr[c], highlight=highlight)
        return self


def draw_stack(
    array,
    ax=None,
    *,
    role="input",
    origin=(0.0, 0.0),
    offset=0.35,
    front="first",
    show_values="front",
    decimals=None,
    fontsize=None,
    label=None,
    max_layers=16,
):
    """Draw an ``H x W x C`` stack (given as ``(C, H, W)``) as offset layers.

    Each layer is shifted by ``offset`` cells up and to the right of the one
    in front of it, so the depth reads from front (bottom left) to back (top
    right).

    Parameters
    ----------
    array : array_like, shape (C, H, W)
        The stack, channels first (NaN: not computed yet).
    ax : matplotlib Axes, optional
        Where to draw; by default a new pyplot figure.
    role : str, keyword-only
        Colour role of every layer (see :data:`ROLE_COLORS`).
    origin : (x, y), keyword-only
        Top-left corner of the front layer.
    offset : float, keyword-only
        Shift between consecutive layers, in cells.
    front : {"first", "last"}, keyword-only
        Which channel is in front: channel 0 (the usual picture) or channel
        ``C - 1`` (a stack that grows towards the reader as layers are
        added).
    show_values : {"front", "all", False}, keyword-only
        Which layers get their values written.
    decimals, fontsize : keyword-only
        As in :func:`draw_grid`.
    label : str, keyword-only, optional
        A caption written below the stack.
    max_layers : int, keyword-only
        Deeper stacks draw only the ``max_layers - 1`` front layers and the
        back-most one as full grids, the others as plain outlines.

    Returns
    -------
    Stack
        ``layers[c]`` is channel ``c``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> stack = draw_stack(np.zeros((3, 2, 2)), Figure().add_subplot())
    >>> len(stack.layers), stack.layers[0].origin, stack.layers[2].origin
    (3, (0.0, 0.0), (0.7, -0.7))
    >>> stack = draw_stack(np.zeros((3, 2, 2)), Figure().add_subplot(), front="last")
    >>> stack.layers[0].origin, stack.layers[2].origin
    ((0.7, -0.7), (0.0, 0.0))
    """
    arr = as_array(array, "array", ndim=3)
    colors = _check_role(role)
    if show_values not in ("front", "all", False):
        fail("show_values", '"front", "all" or False', show_values)
    if front not in ("first", "last"):
        fail("front", '"first" or "last"', front)
    offset = check_real(offset, "offset")
    ax = _grid_axes(ax)
    depth, h, w = arr.shape
    x0, y0 = (float(v) for v in origin)
    max_layers = check_int(max_layers, "max_layers", minimum=2)
    layers = [None] * depth
    grid = partial(draw_grid, ax=ax, role=role, decimals=decimals, fontsize=fontsize)
    # depth k = 0 is the front; draw from the back to the front
    for k in reversed(range(depth)):
        c = k if front == "first" else depth - 1 - k
        o = (round(x0 + k * offset, 6), round(y0 - k * offset, 6))
        z = 1.0 + (depth - k) * 0.1
        shown = show_values == "all" or (show_values == "front" and k == 0)
        if k < max_layers - 1 or k == depth - 1:  # the front ones, the back-most
            layers[c] = grid(arr[c], origin=o, show_values=shown, zorder=z)
        else:
            face, edge = colors["face"], colors["edge"]
            outline = Rectangle(
                o, w, h, facecolor=face, edgecolor=edge, linewidth=0.4, zorder=z
            )
            layers[c] = ax.add_patch(outline)
    label_artist = None
    if label is not None:
        size = 0.9 * mpl.rcParams["font.size"] if fontsize is None else fontsize
        label_artist = ax.text(
            x0 + w / 2 + (depth - 1) * offset / 2,
            y0 + h + 0.3,
            label,
            ha="center",
            va="top",
            fontsize=size,
            color=colors["edge"],
        )
    ax.autoscale_view()
    return Stack(ax=ax, layers=layers, offset=(offset, -offset), label=label_artist)


def draw_pointwise_filter(
    weights, ax=None, *, origin=(0.0, 0.0), fontsize=None, label=None
):
    """Draw a pointwise filter, ``D`` weights, as a ``1 x 1 x D`` column.

    The layers are offset by 0.62 of a cell and the weights of the back
    layers are written in their visible corner, so every weight is readable.

    Parameters
    ----------
    weights : array_like, shape (D,)
        One weight per input channel; weight 0 is the front layer.
    ax, origin, fontsize, label
        As in :func:`draw_stack`.

    Returns
    -------
    Stack

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> col = draw_pointwise_filter([1, -1, 2], Figure().add_subplot())
    >>> [layer.texts[0, 0].get_text() for layer in col.layers]
    ['1', '−1', '2']
    """
    w = as_array(weights, "weights", ndim=1)
    stack = draw_stack(
        w.reshape(-1, 1, 1),
        ax,
        role="kernel",
        origin=origin,
        offset=_COLUMN_STEP,
        show_values="all",
        fontsize=fontsize,
        label=label,
        max_layers=max(2, w.size),
    )
    for layer in stack.layers[1:]:
        x, y = layer.origin
        layer.texts[0, 0].set_position((x + 0.6, y + 0.42))
    return stack


def draw_depthwise_stacking(
    maps, ax=None, *, role="output", fontsize=None, labels=True
):
    """Draw per-channel maps side by side, an arrow, and the same maps stacked.

    This is the end of a depthwise step: each channel was filtered on its
    own, and the ``C`` maps of ``H x W`` are stacked into ``H x W x C``.

    Parameters
    ----------
    maps : array_like, shape (C, H, W)
        The per-channel maps.
    ax : matplotlib Axes, optional
        Where to draw; by default a new pyplot figure.
    role : str, keyword-only
        Colour role (default ``"output"``).
    fontsize : float, keyword-only, optional
        Size of the values.
    labels : bool, keyword-only
        Write "channel c" under each map and the stack's shape under it.

    Returns
    -------
    dict
        ``"maps"``: list of :class:`Grid`, ``"arrow"``: the arrow patch,
        ``"stack"``: the :class:`Stack`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = draw_depthwise_stacking(np.ones((3, 2, 2)), Figure().add_subplot())
    >>> len(drawn["maps"]), len(drawn["stack"].layers)
    (3, 3)
    """
    arr = as_array(maps, "maps", ndim=3)
    depth, h, w = arr.shape
    ax = _grid_axes(ax, width=1.2 * (depth * (w + 1) + w + 4), height=1.2 * (h + 2))
    grid = partial(draw_grid, ax=ax, role=role, fontsize=fontsize)
    grids = []
    for c in range(depth):
        caption = f"channel {c}" if labels else None
        grids.append(grid(arr[c], origin=(c * (w + 1.0), 0.0), label=caption))
    x_end = depth * (w + 1.0) - 1.0
    arrow = ax.add_patch(
        FancyArrowPatch(
            (x_end + 0.3, h / 2),
            (x_end + 1.7, h / 2),
            arrowstyle="-|>",
            mutation_scale=12,
            color=ROLE_COLORS[role]["edge"],
        )
    )
    stack = draw_stack(
        arr,
        ax,
        role=role,
        origin=(x_end + 2.0, 0.0),
        fontsize=fontsize,
        label=f"{h}×{w}×{depth}" if labels else None,
    )
    ax.autoscale_view()
    return {"maps": grids, "arrow": arrow, "stack": stack}


def _ratio_curves(ax, labels, curves, limits):
    """Draw ``(xs, ys, label, limit)`` curves, each with its limit dashed."""
    if ax is None:
        ax = _new_axes((5.0, 3.0))
    ax.set(xlabel=labels[0], ylabel=labels[1])
    drawn = {"curves": [], "limits": []}
    for xs, ys, label, limit in curves:
        (line,) = ax.plot(xs, ys, marker="o", markersize=3, label=label)
        drawn["curves"].append(line)
        if limits:
            dashed = {"color": line.get_color(), "linestyle": "--", "linewidth": 1.0}
            drawn["limits"].append(ax.axhline(limit, **dashed))
    ax.legend(loc="upper right")
    return ax, drawn


def plot_spatial_cost_ratio(
    image_sizes, kernel_sizes=(3, 5, 7), ax=None, *, limits=True
):
    """Curves of separable / full multiplications against the image size N.

    For each kernel size m, the ratio of the two-pass cost to the full 2-D
    cost of an m x m kernel on an N x N image (stride 1, no padding), from
    :func:`sepconv.counting.spatial_cost_ratio`, with its limit 2/m as
    a dashed line.

    Parameters
    ----------
    image_sizes : sequence of int
        Image sizes N (values below m are skipped for that m).
    kernel_sizes : sequence of int
        Kernel sizes m.
    ax : matplotlib Axes, optional
        Where to draw; by default a new pyplot figure.
    limits : bool, keyword-only
        Draw the 2/m asymptotes.

    Returns
    -------
    dict
        ``"curves"`` and ``"limits"``: lists of Line2D, one per m.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = plot_spatial_cost_ratio([3, 5, 9], [3], Figure().add_subplot())
    >>> [round(float(y), 4) for y in drawn["curves"][0].get_ydata()]
    [1.3333, 0.8889, 0.7619]
    """
    ns = [check_int(n, "image_sizes", minimum=1) for n in image_sizes]
    curves = []
    for m in (check_int(m, "kernel_sizes", minimum=1) for m in kernel_sizes):
        xs = [n for n in ns if n >= m]
        ys = [float(counting.spatial_cost_ratio(n, m)) for n in xs]
        limit = float(counting.spatial_cost_ratio_limit(m))
        curves.append((xs, ys, f"m = {m}", limit))
    labels = ("image size N", "separable / full multiplications")
    ax, drawn = _ratio_curves(ax, labels, curves, limits)
    ax.set_ylim(0, max(1.05, ax.get_ylim()[1]))
    return drawn


def plot_depthwise_cost_ratio(
    out_channels, kernel_sizes=(3, 5), ax=None, *, limits=True
):
    """Curves of depthwise separable / standard multiplications against Nc.

    For each kernel size h, the ratio ``1/Nc + 1/h²`` from
    :func:`sepconv.counting.separable_layer_ratio`, with its limit
    ``1/h²`` as a dashed line. The x axis is logarithmic.

    Parameters
    ----------
    out_channels : sequence of int
        Numbers of filters Nc.
    kernel_sizes : sequence of int
        Kernel sizes h.
    ax : matplotlib Axes, optional
        Where to draw; by default a new pyplot figure.
    limits : bool, keyword-only
        Draw the ``1/h²`` asymptotes.

    Returns
    -------
    dict
        ``"curves"`` and ``"limits"``: lists of Line2D, one per h.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = plot_depthwise_cost_ratio([1, 9], [3], Figure().add_subplot())
    >>> [round(float(y), 4) for y in drawn["curves"][0].get_ydata()]
    [1.1111, 0.2222]
    """
    ncs = [check_int(n, "out_channels", minimum=1) for n in out_channels]
    curves = []
    for h in (check_int(h, "kernel_sizes", minimum=1) for h in kernel_sizes):
        ys = [float(counting.separable_layer_ratio(h, n)) for n in ncs]
        curves.append((ncs, ys, f"h = {h}", 1 / h**2))
    labels = ("number of filters Nc", "separable / standard multiplications")
    ax, drawn = _ratio_curves(ax, labels, curves, limits)
    ax.set_xscale("log", base=2)
    ax.set_ylim(0, None)
    return drawn


# ================================================================== volumes

#: The layers :func:`draw_layer_volumes` draws, in the book's order.
LAYER_KINDS = ("standard", "depthwise", "pointwise", "grouped", "shuffled grouped")

#: Oblique projection of the volumes: a unit of a map's width recedes this far
#: right and up on the page. Channels run left to right, height runs down.
_RECEDE = (0.5, 0.3)
#: Thickness of a channel slab, side of a map, height of the band of links
#: between two rows, and space between two filters (drawing units).
_SLAB, _MAP, _LINKS, _FILTER_GAP = 0.26, 1.0, 0.85, 0.3
#: The largest scale of :func:`plot_layer_volumes`, in inches per drawing unit.
_MAX_SCALE = 0.42
#: The links' colour and width, and their dashes: solid from the even groups,
#: dashed from the odd ones.
_LINK = {"color": "#6E6E6E", "linewidth": 0.7}
_GROUP_DASHES = ("solid", (0, (3, 2)))


@dataclass
class LayerVolumes:
    """What :func:`draw_layer_volumes` drew: volumes, filters and their links.

    A slab (one channel of a volume or of a filter) is a tuple of three
    :class:`~matplotlib.patches.Polygon`: its front, top and right faces.

    Attributes
    ----------
    kind : str
        One of :data:`LAYER_KINDS`.
    ax : matplotlib Axes
    volumes : list of list
        The volumes from top to bottom, each a list of slabs (one per
        channel): input and output; for ``"shuffled grouped"``: input, the
        first layer's output, the same channels shuffled, output.
    filters : list of list
        Per layer, its filters, each a list of slabs (one per channel read).
    reads : list of list of tuple
        Per layer, ``reads[layer][o]``: the channels of the layer's input
        that filter ``o`` reads, found by probing the layer itself
        (:func:`sepconv.core.channel_dependency`).
    order : tuple of int
        The channel shuffle: shuffled channel ``p`` is channel ``order[p]``
        (empty without a shuffle).
    links : matplotlib.collections.LineCollection
        Every line: channel to the filter slabs that read it, filter to the
        channel it writes, and the shuffle's.
    labels : list of matplotlib Text
        The captions of the rows.
    size : (float, float)
        Width and height of the drawing, in drawing units.
    """

    kind: str
    ax: object
    volumes: list
    filters: list
    reads: list
    order: tuple
    links: object
    labels: list
    size: tuple


def _slab_faces(x, y, side):
    """Front, top and right faces of a slab whose front face has its top-left
    corner at ``(x, y)``: one channel thick, ``side`` tall and deep (y up)."""
    dx, dy = _RECEDE[0] * side, _RECEDE[1] * side
    x1, y0 = x + _SLAB, y - side
    return (
        [(x, y0), (x1, y0), (x1, y), (x, y)],
        [(x, y), (x1, y), (x1 + dx, y + dy), (x + dx, y + dy)],
        [(x1, y0), (x1 + dx, y0 + dy), (x1 + dx, y + dy), (x1, y)],
    )


def _draw_slabs(ax, count, corner, side, role):
    """``count`` slabs side by side from ``corner`` (top-left of the first
    front face), left to right so that each hides the right face of the one
    before; in the role's tint (front), lighter (top) and darker (right)."""
    colors = ROLE_COLORS[role]
    shades = (colors["face"], _tint(colors["face"], 0.5), _tint(colors["edge"], 0.45))
    outline = partial(
        mpl.patches.Polygon, closed=True, edgecolor=colors["edge"], linewidth=0.7
    )
    x, y = corner
    slabs = []
    for c in range(count):
        faces = zip(_slab_faces(x + c * _SLAB, y, side), shades, strict=True)
        z = 2.0 + 0.01 * c
        slabs.append(
            tuple(ax.add_patch(outline(f, facecolor=s, zorder=z)) for f, s in faces)
        )
    return slabs


def _entry(x, slab, side, top):
    """Where a link enters slab ``slab`` of a block at ``x``: a little into
    its top face."""
    return (
        x + (slab + 0.5) * _SLAB + 0.3 * _RECEDE[0] * side,
        top + 0.3 * _RECEDE[1] * side,
    )


def _block_width(count, side):
    """Width on the page of ``count`` slabs of ``side``, depth included."""
    return count * _SLAB + _RECEDE[0] * side


def _layer_reads(kind, c_in, c_out, groups):
    """The input channels each filter of one layer reads: the layer (weights
    of ones) probed by :func:`sepconv.core.channel_dependency`."""
    if kind == "depthwise":
        layer = partial(core.depthwise_conv2d, weight=np.ones((c_out, 1, 1, 1)))
    elif kind == "pointwise":
        layer = partial(core.pointwise_conv2d, weight=np.ones((c_out, c_in)))
    else:
        weight = np.ones((c_out, c_in // groups, 1, 1))
        layer = partial(core.conv2d, weight=weight, groups=groups)
    dependency = core.channel_dependency(layer, c_in, image_size=1)
    return [tuple(int(c) for c in np.flatnonzero(row)) for row in dependency]


def _filter_lefts(reads, side):
    """Left edge of each filter of a row (a wider gap between groups of more
    than one filter: the filters that read the same channels), and the row's
    width."""
    per_group = len(reads) // len(set(reads))
    lefts, x = [], 0.0
    for o, channels in enumerate(reads):
        if o:
            x += _FILTER_GAP * (2 if per_group > 1 and o % per_group == 0 else 1)
        lefts.append(x)
        x += _block_width(len(channels), side)
    return lefts, x


def _check_layer(kind, in_channels, out_channels, groups, kernel_size, layers):
    """Validated ``(c_in, c_out, groups, k, layers)`` of :func:`draw_layer_volumes`."""
    if kind not in LAYER_KINDS:
        fail("kind", f"one of {list(LAYER_KINDS)}", kind)
    c_in = check_int(in_channels, "in_channels", minimum=1)
    c_out = c_in if out_channels is None else out_channels
    c_out = check_int(c_out, "out_channels", minimum=1)
    k = check_int(kernel_size, "kernel_size", minimum=1)
    check_int(groups, "groups", minimum=1)  # even where it is ignored
    shuffled = kind == "shuffled grouped"
    n = (2 if shuffled else 1) if layers is None else layers
    if check_int(n, "layers", minimum=1) not in ((2,) if shuffled else (1, 2)):
        fail("layers", "2 for 'shuffled grouped'" if shuffled else "1 or 2", layers)
    if kind == "depthwise" and c_out % c_in:
        fail("out_channels", f"a multiple of in_channels = {c_in}", c_out)
    g = 1
    if kind in ("grouped", "shuffled grouped"):
        g = check_groups(groups, ("in_channels", c_in), ("out_channels", c_out))
    return c_in, c_out, g, k, n


def _volume_rows(kind, c_in, c_out, groups, layers):
    """The volumes from the top, ``(channels, role)``; per layer, what its
    filters read (below volume ``layer``); and the shuffle's order (or ``()``)."""
    volumes = [(c_in, "input")] + [(c_out, "intermediate")] * (layers - 1)
    reads = [_layer_reads(kind, c, c_out, groups) for c, _ in volumes]
    order = ()
    if kind == "shuffled grouped":
        index = np.arange(c_out, dtype=float).reshape(c_out, 1, 1)
        order = tuple(int(v) for v in core.channel_shuffle(index, groups)[:, 0, 0])
    return [*volumes, (c_out, "output")], reads, order


def draw_layer_volumes(
    kind,
    ax=None,
    *,
    in_channels=4,
    out_channels=None,
    groups=2,
    kernel_size=3,
    layers=None,
    fontsize=None,
):
    """Draw a layer as volumes: channels as slabs, filters as small volumes.

    The input volume is on top, one slab per channel (blue); below it the
    layer's filters (orange), each one slab per channel it reads, linked to
    those channels; at the bottom the output volume (green), each slab linked
    to the filter that writes it. The links come from the layer itself
    (:func:`sepconv.core.channel_dependency`): a standard filter reads every
    channel, a depthwise kernel one, a pointwise filter every channel at one
    pixel (a 1x1 footprint), a grouped filter the channels of its group.
    With ``layers=2`` a second layer of the kind reads the first one's output
    (purple). ``"shuffled grouped"`` is ShuffleNet's stack: two grouped
    layers with a channel shuffle between them, so that the links from the
    first layer's output cross and every group of the second layer reads
    channels of every group of the first.

    Parameters
    ----------
    kind : str
        One of :data:`LAYER_KINDS`.
    ax : matplotlib Axes, optional
        Where to draw; by default a new pyplot figure.
    in_channels : int, keyword-only
        Input channels.
    out_channels : int, keyword-only, optional
        Output channels of each layer (default ``in_channels``); for
        ``"depthwise"`` a multiple of ``in_channels`` (a depth multiplier).
    groups : int, keyword-only
        Groups of ``"grouped"`` and ``"shuffled grouped"``, a divisor of both
        channel counts (ignored by the other kinds).
    kernel_size : int, keyword-only
        Side of the kernels, which sets the filters' size (half a map's for
        3); pointwise filters are always 1x1.
    layers : {1, 2}, keyword-only, optional
        Layers stacked (default 1; ``"shuffled grouped"`` is always 2).
    fontsize : float, keyword-only, optional
        Size of the rows' captions (default: ``font.size``).

    Returns
    -------
    LayerVolumes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> drawn = draw_layer_volumes("grouped", Figure().add_subplot())
    >>> [len(v) for v in drawn.volumes], [len(f) for f in drawn.filters[0]]
    ([4, 4], [2, 2, 2, 2])
    >>> drawn.reads
    [[(0, 1), (0, 1), (2, 3), (2, 3)]]
    >>> draw_layer_volumes("shuffled grouped", Figure().add_subplot()).order
    (0, 2, 1, 3)
    """
    checked = _check_layer(kind, in_channels, out_channels, groups, kernel_size, layers)
    if ax is None:
        ax = _new_axes((3.0, 3.0))
    size = mpl.rcParams["font.size"] if fontsize is None else fontsize
    return _draw_layer(kind, ax, *checked, size)


def _draw_layer(kind, ax, c_in, c_out, g, k, n, size):
    """:func:`draw_layer_volumes` with checked arguments, on ``ax``."""
    ax.set_aspect("equal")
    ax.set_axis_off()
    # every filter row has the room of a k x k filter, so that the rows of
    # panels drawn side by side line up; a 1x1 filter sits in its middle
    slot = _MAP * k / 6
    side_k = _MAP / 6 if kind == "pointwise" else slot
    volumes, reads, order = _volume_rows(kind, c_in, c_out, g, n)
    width = max(
        *(_block_width(count, _MAP) for count, _ in volumes),
        *(_filter_lefts(row, side_k)[1] for row in reads),
    )
    drawn = LayerVolumes(kind, ax, [], [], reads, order, None, [], (width, 0.0))
    caption = partial(ax.text, ha="left", va="center", fontsize=size)
    segments, styles = [], []
    y, below = 0.0, None  # below: (anchor, group) of the row above's bottoms

    def link(source, end):
        segments.append((source[0], end))
        styles.append(_GROUP_DASHES[source[1] % 2])

    for layer, (count, role) in enumerate(volumes):
        row_width = _block_width(count, _MAP)
        x0 = (width - row_width) / 2
        top = y - _RECEDE[1] * _MAP
        drawn.volumes.append(_draw_slabs(ax, count, (x0, top), _MAP, role))
        if below is not None:  # filter o writes channel o
            for c in range(count):
                link(below[c], _entry(x0, c, _MAP, top))
        below = [
            ((x0 + (c + 0.5) * _SLAB, top - _MAP), c // (count // g))
            for c in range(count)
        ]
        label = caption(
            x0 + row_width + 0.15,
            top - _MAP / 2,
            ROLE_COLORS[role]["label"],
            color=ROLE_COLORS[role]["edge"],
        )
        drawn.labels.append(label)
        y = top - _MAP - _LINKS
        if layer == n:
            break
        row = reads[layer]
        lefts, row_width = _filter_lefts(row, side_k)
        x0 = (width - row_width) / 2
        top = y - _RECEDE[1] * slot - (slot - side_k) / 2
        # the second layer of a shuffled stack reads the shuffled channels,
        # captioned right of the crossing links
        if order and layer:
            below = [below[p] for p in order]
            shuffle = caption(
                width + 0.1, y + _LINKS / 2, "channel\nshuffle", linespacing=1.1
            )
            drawn.labels.append(shuffle)
        filters, bottoms = [], []
        for o, (left, channels) in enumerate(zip(lefts, row, strict=True)):
            x = x0 + left
            filters.append(_draw_slabs(ax, len(channels), (x, top), side_k, "kernel"))
            for j, c in enumerate(channels):
                link(below[c], _entry(x, j, side_k, top))
            bottom = (x + len(channels) * _SLAB / 2, top - side_k)
            bottoms.append((bottom, o // (len(row) // g)))
        drawn.filters.append(filters)
        below = bottoms
        y -= (1 + _RECEDE[1]) * slot + _LINKS
    margin = 0.05  # the outer edges' line width
    drawn.size = (width + 2 * margin, -(y + _LINKS) + 2 * margin)
    drawn.links = mpl.collections.LineCollection(
        segments, linestyles=styles, zorder=1.0, **_LINK
    )
    ax.add_collection(drawn.links)
    ax.set_xlim(-margin, width + margin)
    ax.set_ylim(-drawn.size[1] + margin, margin)
    return drawn


def _layer_description(kind, c_in, c_out, groups, k, layers):
    """What a panel of :func:`plot_layer_volumes` shows, in words."""
    if kind == "shuffled grouped":
        return "two grouped layers, a shuffle between"
    if kind == "depthwise":
        text = f"{c_out} kernels of {k}×{k}×1"
    elif kind == "pointwise":
        text = f"{c_out} filters of 1×1×{c_in}"
    elif kind == "grouped":
        text = f"{groups} groups of {c_out // groups} filters {k}×{k}×{c_in // groups}"
    else:
        text = f"{c_out} filters of {k}×{k}×{c_in}"
    return f"two layers: {text}" if layers > 1 else text


def plot_layer_volumes(
    kinds=("standard", "depthwise", "pointwise"),
    *,
    in_channels=4,
    out_channels=None,
    groups=2,
    kernel_size=3,
    layers=None,
    width=6.5,
    fontsize=8.0,
):
    """Draw layers side by side as volumes (:func:`draw_layer_volumes`), to scale.

    Every panel uses the same scale, so slabs, filters and volumes can be
    compared across the layers; each panel is titled with its kind and its
    filters, and the colour legend is stated below the row.

    Parameters
    ----------
    kinds : sequence of str
        Keys of :data:`LAYER_KINDS`, one panel each, left to right.
    in_channels, out_channels, groups, kernel_size, layers : keyword-only
        As in :func:`draw_layer_volumes`, for every panel (``layers`` is
        always 2 for ``"shuffled grouped"``).
    width : float, keyword-only
        Width of the figure in inches, captions included (the default leaves
        room for the 0.1-inch margins of a figure saved with
        ``bbox_inches="tight"`` in a 6.7-inch column).
    fontsize : float, keyword-only
        Size of the captions and the legend (the titles are one point larger).

    Returns
    -------
    list of LayerVolumes
        One per panel; ``[0].ax.figure`` is the figure (a pyplot figure).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> drawn = plot_layer_volumes(["depthwise", "pointwise"], width=5.0)
    >>> [len(d.filters[0]) for d in drawn], float(drawn[0].ax.figure.get_figwidth())
    ([4, 4], 5.0)
    >>> plt.close("all")
    """
    if isinstance(kinds, str):
        fail("kinds", "a sequence of layer kinds", kinds, error=TypeError)
    kinds = list(kinds)
    if not kinds:
        fail("kinds", f"a non-empty sequence of {list(LAYER_KINDS)}", kinds)
    width = check_real(width, "width", positive=True)
    fig = new_figure((width, 3.0), pyplot=True)
    drawn, grouped = [], False
    for kind in kinds:
        layer_layers = None if kind == "shuffled grouped" else layers
        checked = _check_layer(
            kind, in_channels, out_channels, groups, kernel_size, layer_layers
        )
        grouped |= checked[2] > 1
        ax = fig.add_axes((0, 0, 1, 1))
        drawn.append(_draw_layer(kind, ax, *checked, fontsize))
        ax.set_title(
            f"{kind}\n{_layer_description(kind, *checked)}", fontsize=fontsize + 1
        )
    # one scale for every panel (inches per drawing unit), chosen so that the
    # panels, the captions that stick out right of them and the gaps fill the
    # width; the captions' widths do not scale, so settle it in a few rounds
    renderer = fig.canvas.get_renderer()

    def inches(text):
        return text.get_window_extent(renderer).width / fig.dpi

    # per panel: its width (drawing units), its title's width (inches), and
    # each caption's left (drawing units) and width (inches)
    panels = [
        (
            d.size[0],
            inches(d.ax.title),
            [(t.get_position()[0] - d.ax.get_xlim()[0], inches(t)) for t in d.labels],
        )
        for d in drawn
    ]

    def spans(scale):
        return [
            max(w * scale, title, *(x * scale + t for x, t in captions))
            for w, title, captions in panels
        ]

    gap = 0.3
    gaps = gap * (len(drawn) - 1)
    room = width - gaps
    low, high = 0.1, _MAX_SCALE  # the largest scale that fits, by bisection
    if sum(spans(low)) > room:
        import matplotlib.pyplot as plt

        plt.close(fig)  # not shown: nothing fits
        needed = f"at least {sum(spans(low)) + gaps:.1f} inches"
        fail("width", f"{needed} for these {len(drawn)} panels", width)
    if sum(spans(high)) <= room:
        low = high
    for _ in range(30):
        scale = (low + high) / 2
        low, high = (scale, high) if sum(spans(scale)) <= room else (low, scale)
    scale = low
    panel_spans = spans(scale)
    title_band, legend_band = 0.5, 0.35
    height = max(d.size[1] for d in drawn) * scale + title_band + legend_band
    fig.set_size_inches(width, height)
    left = (width - sum(panel_spans) - gaps) / 2
    for d, span in zip(drawn, panel_spans, strict=True):
        w, h = d.size
        # the drawing is centred under the title
        x, y = left + (span - w * scale) / 2, height - title_band - h * scale
        d.ax.set_position(
            [x / width, y / height, w * scale / width, h * scale / height]
        )
        left += span + gap
    roles = ["input", "kernel", "output"]
    if any(len(d.volumes) > 2 for d in drawn):
        roles.insert(2, "intermediate")
    extra = []
    if grouped:  # the links' dashes tell the groups apart
        line = partial(mpl.lines.Line2D, [], [], **_LINK)
        for g, style in enumerate(_GROUP_DASHES):
            extra.append(line(linestyle=style, label=f"from group {g}"))
    legend(
        drawn[0].ax,
        roles=roles,
        extra=extra,
        loc="lower center",
        bbox_transform=fig.transFigure,
        fontsize=fontsize,
    )
    return drawn
