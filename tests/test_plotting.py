"""Drawings: grids show the values they are given, windows sit where the
scan puts them, one colour legend everywhere, curves follow counting."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sepconv import core, counting
from sepconv import plotting as pl

MINUS = "\N{MINUS SIGN}"


@pytest.fixture
def ax():
    return Figure().add_subplot()


@pytest.fixture(autouse=True)
def _close_pyplot():
    yield
    plt.close("all")


def shown(grid):
    """The strings a grid displays, by cell, read from the artists."""
    rows, cols = grid.padded_shape
    if grid.texts is None and grid.labels is None:
        return np.full((rows, cols), "")
    if grid.texts is not None:
        return np.array(
            [
                [
                    grid.texts[i, j].get_text()
                    if grid.texts[i, j].get_visible()
                    else ""
                    for j in range(cols)
                ]
                for i in range(rows)
            ]
        )
    return grid.strings[:rows, :cols]


def test_import_sets_no_style():
    modules = "sepconv.plotting, sepconv.animation"
    if importlib.util.find_spec("ipywidgets"):  # the widgets extra
        modules += ", sepconv.widgets"
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams);"
        f"import {modules};"
        "changed = [k for k in before if mpl.rcParams[k] != before[k]];"
        "print(changed)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_use_book_style_applies_the_style():
    with mpl.rc_context():
        assert pl.use_book_style() is None  # no output in a notebook cell
        for key, value in pl.BOOK_STYLE.items():
            if key == "figure.figsize":
                assert tuple(mpl.rcParams[key]) == value
            elif key != "axes.prop_cycle":
                assert mpl.rcParams[key] == value
        assert mpl.rcParams["axes.prop_cycle"] == pl.BOOK_STYLE["axes.prop_cycle"]


def test_one_legend_with_distinct_colours():
    strong = [c["edge"] for c in pl.ROLE_COLORS.values()]
    assert len(set(strong)) == len(strong)
    assert pl.ROLE_COLORS["input"]["edge"] == pl.INPUT_COLOR
    assert pl.ROLE_COLORS["kernel"]["edge"] == pl.KERNEL_COLOR
    assert pl.ROLE_COLORS["output"]["edge"] == pl.OUTPUT_COLOR
    lg = pl.legend(
        Figure().add_subplot(), roles=("input", "kernel", "output", "padding")
    )
    assert [t.get_text() for t in lg.get_texts()] == [
        "input",
        "kernel / window",
        "output",
        "zero padding",
    ]
    faces = [to_hex(h.get_facecolor()) for h in lg.legend_handles]
    assert faces == [
        to_hex(pl.ROLE_COLORS[r]["face"])
        for r in ("input", "kernel", "output", "padding")
    ]


def test_intermediates_are_purple_as_the_legend_says():
    """The book's legend says purple: the strong colour and the cell tint have
    a purple hue (between blue, 240°, and magenta, 300°), not a pink one."""
    assert pl.ROLE_COLORS["intermediate"]["edge"] == pl.INTERMEDIATE_COLOR
    for color in (pl.INTERMEDIATE_COLOR, pl.ROLE_COLORS["intermediate"]["face"]):
        hue = mpl.colors.rgb_to_hsv(mpl.colors.to_rgb(color))[0] * 360
        assert 260 <= hue <= 300, (color, hue)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (3.0, "3"),
        (-2, MINUS + "2"),
        (0.125, "0.12"),
        (-0.001, "0.00"),
        (float("nan"), ""),
    ],
)
def test_format_number(value, text):
    assert pl.format_number(value) == text


def test_format_products_is_the_dot_product():
    rng = np.random.default_rng(1)
    for _ in range(20):
        x = rng.integers(-3, 4, size=9)
        w = rng.integers(-3, 4, size=9)
        text = pl.format_products(x, w).replace(MINUS, "-")
        left, total = text.rsplit(" = ", 1)
        assert int(total) == int(x @ w)
        pairs = [
            t.replace("(", "").replace(")", "").split("×") for t in left.split(" + ")
        ]
        assert [(int(a), int(b)) for a, b in pairs] == list(zip(x, w, strict=True))
    three = pl.format_products(np.ones((3, 3)), np.ones((3, 3)), per_line=3)
    assert three.count("\n") == 2
    with pytest.raises(ValueError, match="weights"):
        pl.format_products([1, 2], [1])


@pytest.mark.parametrize("fast", [False, True])
def test_grid_shows_values_and_padding(ax, fast):
    values = np.array([[1, -2, 3], [4, 5, 6]])
    grid = pl.draw_grid(values, ax, padding=(1, 2), fast_text=fast, label="x")
    assert grid.padded_shape == (4, 7)
    text = shown(grid)
    assert text[1, 2] == "1" and text[1, 3] == MINUS + "2" and text[2, 4] == "6"
    assert set(text[0]) == {"0"} and set(text[:, 0]) == {"0"}
    assert len(grid.cells.get_paths()) == 4 * 7
    faces = [to_hex(f) for f in grid.cells.get_facecolor()]
    assert faces[0] == to_hex(pl.ROLE_COLORS["padding"]["face"])
    assert faces[1 * 7 + 2] == to_hex(pl.ROLE_COLORS["input"]["face"])
    if fast:
        assert len(grid.labels.collection.get_paths()) == 28


def test_grid_update_in_place(ax):
    grid = pl.draw_grid(np.zeros((2, 2)), ax, capacity=(4, 4))
    artists = grid.artists()
    grid.update([[1, np.nan, 3]], highlight=(0, 0))
    assert grid.artists() == artists  # the same artists, updated
    assert list(shown(grid)[0]) == ["1", "", "3"]
    faces = [to_hex(f) for f in grid.cells.get_facecolor()]
    assert faces[1] == "#ffffff"  # not computed yet
    assert faces[0] != to_hex(pl.ROLE_COLORS["input"]["face"])  # highlighted
    with pytest.raises(ValueError, match="capacity"):
        grid.update(np.zeros((5, 1)))
    grid.move_to((10, 20))
    assert grid.extent() == (10, 13, 20, 21)
    grid.set_visible(False)
    assert len(grid.cells.get_paths()) == 0


def test_grid_rejects_bad_input(ax):
    with pytest.raises(ValueError, match="role must be one of"):
        pl.draw_grid([[1]], ax, role="weights")
    with pytest.raises(ValueError, match="values must be an array with 2"):
        pl.draw_grid([1, 2], ax)
    # an unknown padding string is a bad value, as in core (it was a TypeError)
    with pytest.raises(ValueError, match="padding"):
        pl.draw_grid([[1]], ax, padding="some")


@pytest.mark.parametrize("fast", [False, True])
def test_window_covers_the_dilated_taps(ax, fast):
    grid = pl.draw_grid(np.zeros((7, 7)), ax, fast_text=fast)
    kernel = np.arange(9).reshape(3, 3) - 4
    window = pl.highlight_window(grid, 1, 0, kernel=kernel, dilation=2)
    corners = sorted(tuple(p.vertices[0]) for p in window.taps.get_paths())
    assert corners == sorted((float(c), float(r)) for r in (1, 3, 5) for c in (0, 2, 4))
    assert (window.box.get_width(), window.box.get_height()) == (5, 5)
    if not fast:
        labels = [t.get_text() for t in window.weights if t.get_visible()]
        assert labels == ["×" + pl.format_number(v) for v in kernel.ravel()]
    window.move(2, 2, kernel_size=(1, 1), dilation=(1, 1))
    assert len(window.taps.get_paths()) == 1
    window.set_visible(False)
    assert len(window.taps.get_paths()) == 0 and not window.box.get_visible()


def test_stack_layers_are_offset(ax):
    arr = np.arange(3 * 2 * 2).reshape(3, 2, 2)
    stack = pl.draw_stack(arr, ax, offset=0.5)
    assert [layer.origin for layer in stack.layers] == [(0, 0), (0.5, -0.5), (1, -1)]
    assert shown(stack.layers[0])[1, 1] == "3"
    assert set(shown(stack.layers[2]).ravel()) == {""}  # values on the front only
    zs = [layer.cells.get_zorder() for layer in stack.layers]
    assert zs[0] > zs[1] > zs[2]
    last = pl.draw_stack(arr, Figure().add_subplot(), front="last")
    assert last.layers[2].origin == (0, 0)
    deep = pl.draw_stack(np.zeros((40, 2, 2)), Figure().add_subplot(), max_layers=4)
    assert sum(isinstance(layer, pl.Grid) for layer in deep.layers) == 4


def test_pointwise_filter_is_a_readable_column(ax):
    col = pl.draw_pointwise_filter([2, -1, 0, 5], ax)
    assert [layer.shape for layer in col.layers] == [(1, 1)] * 4
    assert [layer.texts[0, 0].get_text() for layer in col.layers] == [
        "2",
        MINUS + "1",
        "0",
        "5",
    ]


def test_depthwise_stacking(ax):
    maps = core.depthwise_conv2d(np.ones((3, 4, 4)), np.ones((3, 1, 2, 2)))
    drawn = pl.draw_depthwise_stacking(maps, ax)
    assert len(drawn["maps"]) == 3 and len(drawn["stack"].layers) == 3
    assert set(shown(drawn["maps"][1]).ravel()) == {"4"}
    assert drawn["stack"].label.get_text() == "3×3×3"


def test_spatial_ratio_curves_follow_counting(ax):
    drawn = pl.plot_spatial_cost_ratio([3, 5, 8, 64], [3, 5], ax)
    ys = drawn["curves"][1].get_ydata()
    assert list(drawn["curves"][1].get_xdata()) == [5, 8, 64]
    assert np.allclose(
        ys, [float(counting.spatial_cost_ratio(n, 5)) for n in (5, 8, 64)]
    )
    assert [line.get_ydata()[0] for line in drawn["limits"]] == [2 / 3, 2 / 5]


def test_depthwise_ratio_curves_follow_counting(ax):
    drawn = pl.plot_depthwise_cost_ratio([1, 8, 128], [3, 5], ax)
    for line, h in zip(drawn["curves"], (3, 5), strict=True):
        expected = [float(counting.separable_layer_ratio(h, n)) for n in (1, 8, 128)]
        assert np.allclose(line.get_ydata(), expected)
    assert np.isclose(drawn["limits"][1].get_ydata()[0], 1 / 25)


def test_ax_none_opens_a_figure_and_returns_the_artists():
    before = plt.get_fignums()
    grid = pl.draw_grid([[1]])
    stack = pl.draw_stack(np.zeros((2, 1, 1)))
    lines = pl.plot_spatial_cost_ratio([3, 9])
    assert isinstance(grid, pl.Grid) and isinstance(stack, pl.Stack)
    assert lines["curves"]
    assert len(plt.get_fignums()) == len(before) + 3


def test_scan_lays_panels_out_from_their_sizes(ax):
    """One scan picture: panels from their sizes, the output filled in reading
    order, the products of the window; a pointwise filter shows its weights
    on each channel's window."""
    x = np.arange(3 * 4 * 4.0).reshape(3, 4, 4)
    p = np.array([1.0, -1.0, 2.0])
    out = np.tensordot(p, x, axes=1)
    scan = pl.draw_scan(x, p, out, ax, gap=1.6)
    assert [g.origin[0] for g in scan.inputs] == pytest.approx([0, 4.8, 9.6])
    assert scan.output.origin[0] == pytest.approx(13.6 + 1.6 + 1 + 2 * 0.62 + 1.6)
    text = scan.show((1, 2), (1, 2))
    assert text == pl.format_products(x[:, 1, 2], p, total=out[1, 2])
    weights = [
        [t.get_text() for t in w.weights if t.get_visible()] for w in scan.windows
    ]
    assert weights == [["×1"], ["×" + MINUS + "1"], ["×2"]]
    assert list(shown(scan.output)[1]) == [pl.format_number(v) for v in out[1, :3]] + [
        ""
    ]
    small = np.zeros((2, 2))
    live = pl.draw_scan(small, np.ones((1, 1)), small, capacity=(9, 3), fast_text=True)
    live.set(np.ones((5, 5)), np.ones((3, 3)), np.full((5, 5), 9.0), padding=1)
    assert live.inputs[0].padded_shape == (7, 7) and live.rows == 7
    assert live.kernel.origin == (8.0, 2.0) and live.output.origin == (12.0, 1.0)
    assert live.show((0, 0), (0, 0)).endswith("= 9")
    assert np.isnan(pl.so_far(np.ones((2, 2, 2)), (0, 0))).sum() == 2 * 3


def expected_reads(kind, c_in, c_out, groups):
    """Which input channels filter o reads, by the definition of each layer."""
    if kind == "depthwise":
        return [(o // (c_out // c_in),) for o in range(c_out)]
    if kind in ("grouped", "shuffled grouped"):
        n, m = c_in // groups, c_out // groups
        return [tuple(range(o // m * n, (o // m + 1) * n)) for o in range(c_out)]
    return [tuple(range(c_in))] * c_out


@pytest.mark.parametrize("kind", pl.LAYER_KINDS)
@pytest.mark.parametrize("channels", [(4, 4), (4, 8), (2, 6)])
def test_layer_volumes_draw_a_slab_per_channel(ax, kind, channels):
    """One slab (three faces) per channel of every volume and per channel a
    filter reads; one link per read channel and per written channel."""
    c_in, c_out = channels
    drawn = pl.draw_layer_volumes(kind, ax, in_channels=c_in, out_channels=c_out)
    layers = 2 if kind == "shuffled grouped" else 1
    volumes = [c_in, *[c_out] * layers]
    assert [len(v) for v in drawn.volumes] == volumes
    reads = expected_reads(kind, c_in, c_out, 2)
    assert drawn.reads[0] == reads
    assert [len(f) for f in drawn.filters[0]] == [len(r) for r in reads]
    slabs = sum(volumes) + sum(len(f) for layer in drawn.filters for f in layer)
    faces = [p for p in ax.patches if isinstance(p, mpl.patches.Polygon)]
    assert len(faces) == 3 * slabs
    kinds = {p.get_edgecolor()[:3] for p in faces}
    assert len(kinds) == (4 if layers == 2 else 3)  # the roles' edges
    links = sum(len(r) for layer in drawn.reads for r in layer) + sum(volumes[1:])
    assert len(drawn.links.get_segments()) == links
    # the shuffle: position k*g + j takes channel k of group j (n per group)
    n = c_out // 2
    shuffle = tuple(j * n + k for k in range(n) for j in range(2))
    assert drawn.order == (shuffle if layers == 2 else ())


def test_layer_volumes_links_are_the_layers_dependency(ax):
    """Follow the drawn links through two stacked layers: grouped layers keep
    their groups apart, a shuffle between them mixes every group."""
    g, c = 2, 4

    def through(drawn):
        first, second = drawn.reads
        order = drawn.order or tuple(range(c))
        return [sorted({i for p in r for i in first[order[p]]}) for r in second]

    grouped = pl.draw_layer_volumes("grouped", ax, layers=2)
    shuffled = pl.draw_layer_volumes("shuffled grouped", Figure().add_subplot())
    weight = np.ones((c, c // g, 1, 1))

    def layer(x):
        return core.conv2d(x, weight, groups=g)

    stacked = core.channel_dependency(lambda x: layer(layer(x)), c, image_size=1)
    mixed = core.channel_dependency(
        lambda x: layer(core.channel_shuffle(layer(x), g)), c, image_size=1
    )
    assert through(grouped) == [list(np.flatnonzero(r)) for r in stacked]
    assert through(shuffled) == [list(np.flatnonzero(r)) for r in mixed]
    assert all(len(r) == c for r in through(shuffled))
    # the links leaving the second group are dashed, in both drawings
    styles = {str(s) for s in shuffled.links.get_linestyles()}
    assert len(styles) == 2


def test_plot_layer_volumes_fits_the_page():
    """At most 6.7 inches wide once saved (cropped, with margins of 0.1 inch),
    no text below 8 points, every panel on one scale."""
    for kinds, options in (
        (("standard", "depthwise", "pointwise"), {}),
        (("grouped", "shuffled grouped"), {"layers": 2}),
    ):
        drawn = pl.plot_layer_volumes(kinds, **options)
        fig = drawn[0].ax.figure
        fig.canvas.draw()
        assert fig.get_tightbbox().width + 2 * 0.1 <= 6.7 + 1e-6
        texts = [t for d in drawn for t in (*d.labels, d.ax.title)]
        texts += fig.axes[0].get_legend().get_texts()
        assert min(t.get_fontsize() for t in texts) >= 8
        scales = [d.ax.get_position().width * fig.get_figwidth() / d.size[0]
                  for d in drawn]  # fmt: skip
        assert max(scales) == pytest.approx(min(scales))
        assert [d.kind for d in drawn] == list(kinds)


@pytest.mark.parametrize(
    ("kind", "options", "error", "message"),
    [
        ("separable", {}, ValueError, "kind must be one of"),
        ("standard", {"in_channels": 2.5}, TypeError, "in_channels must be an integer"),
        ("standard", {"in_channels": 0}, ValueError, "in_channels must be an int"),
        ("grouped", {"groups": 3}, ValueError, "groups must be a divisor of both"),
        ("depthwise", {"out_channels": 6}, ValueError, "out_channels must be a multi"),
        ("standard", {"layers": 3}, ValueError, "layers must be 1 or 2"),
        ("shuffled grouped", {"layers": 1}, ValueError,
         "layers must be 2 for 'shuffled grouped'"),
    ],
)  # fmt: skip
def test_layer_volumes_reject_bad_input(ax, kind, options, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        pl.draw_layer_volumes(kind, ax, **options)


def test_plot_layer_volumes_rejects_bad_input():
    with pytest.raises(TypeError, match=r"^kinds must be a sequence"):
        pl.plot_layer_volumes("standard")
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=r"^width must be at least"):
        pl.plot_layer_volumes(pl.LAYER_KINDS, width=4.0)
    assert plt.get_fignums() == before  # the unfinished figure is closed
