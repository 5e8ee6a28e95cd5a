"""Explorers: every slider driven over its range (or a dense grid of it); the
numbers displayed equal counting's; artists are updated, never re-created;
nothing is printed. Static forms: figures and self-contained scrubbers."""

from __future__ import annotations

import logging
import re
from fractions import Fraction

import matplotlib.pyplot as plt
import numpy as np
import pytest

pytest.importorskip("ipywidgets", reason="the explorers need ipywidgets")

from sepconv import core, counting, decompose, widgets


@pytest.fixture(autouse=True)
def _silent(capsys, caplog):
    """No explorer may print or log anything (outside its Output widget)."""
    yield
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert [
        r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
    ] == []
    plt.close("all")


def readout(explorer):
    """The numbers of the readout's HTML, by name, as the reader sees them."""
    found = re.findall(r'data-name="([^"]+)">([^<]*)<', explorer.readout.value)
    return dict(found)


def integer(text):
    return int(text.replace(",", ""))


def children(explorer):
    fig = explorer.view.fig
    return [id(a) for ax in fig.axes for a in ax.get_children()], len(fig.axes)


def drive(explorer, name, values):
    """Set one control to each value; yield after each change."""
    for value in values:
        explorer.controls[name].value = value
        assert explorer.output.outputs == ()
        yield value


# ---------------------------------------------------------------- scan


def check_scan(explorer):
    v = explorer.values
    n, k, s, p, d = (
        v[x] for x in ("image_size", "kernel_size", "stride", "padding", "dilation")
    )
    effective = d * (k - 1) + 1
    if effective > n + 2 * p:
        assert "error" in explorer.numbers
        assert "Not a valid combination" in explorer.readout.value
        return
    o = (n + 2 * p - effective) // s + 1  # the closed form, independently
    assert o == core.output_size(n, k, stride=s, padding=p, dilation=d)
    cost = counting.correlate2d_cost((n, n), k, stride=s, padding=p, dilation=d)
    numbers = explorer.numbers
    assert numbers["output_shape"] == (o, o)
    assert numbers["positions"] == o * o == explorer.controls["position"].max + 1
    assert numbers["multiplications"] == o * o * k * k == cost.multiplications
    assert numbers["per_position"] == k * k
    assert numbers["so_far"] == (v["position"] + 1) * k * k
    shown = readout(explorer)
    assert shown["output_shape"] == f"{o}×{o}"
    assert integer(shown["multiplications"]) == cost.multiplications
    assert integer(shown["so_far"]) == numbers["so_far"]
    # rows (and columns) some tap reads: i*s + u*d - p inside the image
    read = {i * s + u * d - p for i in range(o) for u in range(k)} & set(range(n))
    never = n * n - len(read) ** 2
    assert numbers["never_visited"] == never
    assert integer(shown["never_visited"]) == never
    assert len(explorer.view.never.get_paths()) == never  # each one hatched
    legend = explorer.view.legend.get_texts()[-1].get_text()
    assert legend == f"never visited: {never}"


def test_scan_explorer_every_slider():
    explorer = widgets.scan_explorer()
    artists = children(explorer)
    first = explorer.image.value
    check_scan(explorer)
    for name in ("image_size", "kernel_size", "stride", "padding", "dilation"):
        control = explorer.controls[name]
        default = control.value
        for _ in drive(explorer, name, range(control.min, control.max + 1)):
            check_scan(explorer)
        control.value = default
    for _ in drive(
        explorer, "position", range(0, explorer.controls["position"].max + 1)
    ):
        check_scan(explorer)
    assert explorer.image.value != first
    assert children(explorer) == artists


def test_scan_explorer_dense_grid():
    explorer = widgets.scan_explorer()
    rng = np.random.default_rng(5)
    for _ in range(30):
        for name, control in explorer.controls.items():
            if name != "position":
                control.value = int(rng.integers(control.min, control.max + 1))
        last = explorer.controls["position"].max
        explorer.controls["position"].value = int(rng.integers(0, last + 1))
        check_scan(explorer)
    # the largest scan, every position
    for name, value in (
        ("image_size", 9),
        ("kernel_size", 3),
        ("stride", 1),
        ("padding", 2),
        ("dilation", 1),
    ):
        explorer.controls[name].value = value
    assert explorer.controls["position"].max == 11 * 11 - 1
    for _ in drive(explorer, "position", range(0, 121, 8)):
        check_scan(explorer)


def test_scan_marks_the_pixels_never_visited():
    # stride 2 and dilation 2 on a 7x7 image with padding 1 read 3 rows x 3
    # columns only: 40 of 49 pixels are never visited
    explorer = widgets.scan_explorer(7, 3, stride=2, padding=1, dilation=2)
    assert explorer.numbers["never_visited"] == 40
    check_scan(explorer)
    explorer.controls["stride"].value = 1
    assert explorer.numbers["never_visited"] == 0
    check_scan(explorer)


def test_scan_window_moves_with_the_position():
    explorer = widgets.scan_explorer(image_size=5, kernel_size=3, stride=2, padding=1)
    window = explorer.view.scan.windows[0]
    for position, corner in [(0, (0, 0)), (1, (2, 0)), (3, (0, 2)), (8, (4, 4))]:
        explorer.controls["position"].value = position
        assert tuple(window.box.get_xy()) == corner


# ---------------------------------------------------------------- spatial


def check_spatial(explorer):
    n, m = explorer.values["image_size"], explorer.values["kernel_size"]
    numbers = explorer.numbers
    full = (n - m + 1) ** 2 * m * m  # the textbook forms, independently
    column, row = n * (n - m + 1) * m, (n - m + 1) ** 2 * m
    assert numbers["full"] == full == counting.spatial_full_cost(n, m)
    assert numbers["column"] == column and numbers["row"] == row
    assert numbers["separable"] == column + row == counting.spatial_separable_cost(n, m)
    assert numbers["ratio"] == Fraction(column + row, full)
    assert numbers["limit"] == Fraction(2, m)
    shown = readout(explorer)
    assert integer(shown["full"]) == full
    assert integer(shown["separable"]) == column + row
    assert shown["ratio"] == f"{(column + row) / full:.3f}"
    assert shown["limit"] == f"{2 / m:.3f}"
    marker = explorer.view.marker
    assert list(marker.get_xdata()) == [n]
    assert np.isclose(marker.get_ydata()[0], (column + row) / full)


def test_spatial_cost_explorer_full_range():
    explorer = widgets.spatial_cost_explorer()
    artists = children(explorer)
    for m in (3, 7):
        explorer.controls["kernel_size"].value = m
        for _ in drive(explorer, "image_size", range(3, 129)):
            check_spatial(explorer)
    explorer.controls["image_size"].value = 128
    for _ in drive(explorer, "kernel_size", range(1, 16)):
        check_spatial(explorer)
    explorer.controls["image_size"].value = 5  # m is clamped to at most N
    assert explorer.controls["kernel_size"].max == 5
    assert explorer.values["kernel_size"] <= 5
    check_spatial(explorer)
    assert children(explorer) == artists


# ---------------------------------------------------------------- depthwise


def dense(control, count=14):
    if hasattr(control, "options"):  # the Nc slider: every stop
        return [value for _, value in control.options]
    return sorted({*np.linspace(control.min, control.max, count).round().astype(int)})


BARS = ("standard", "depthwise", "pointwise", "separable")  # top to bottom


def depthwise_costs(explorer):
    """Counting's costs of the explorer's layer: standard, separable."""
    v = explorer.values
    shape = (v["depth"], v["height"], v["width"])
    geometry = {x: v[x] for x in ("stride", "padding", "dilation")}
    standard = counting.conv2d_cost(shape, v["filters"], v["kernel_size"], **geometry)
    separable = counting.depthwise_separable_conv2d_cost(
        shape, v["filters"], v["kernel_size"], **geometry
    )
    return standard, separable


def check_depthwise(explorer):
    v = explorer.values
    hh, ww, d, h, nc = (
        v[x] for x in ("height", "width", "depth", "kernel_size", "filters")
    )
    s, p, dil = v["stride"], v["padding"], v["dilation"]
    try:
        ho = core.output_size(hh, h, stride=s, padding=p, dilation=dil)
        wo = core.output_size(ww, h, stride=s, padding=p, dilation=dil)
    except ValueError:
        assert "error" in explorer.numbers
        assert explorer.message.get_visible()  # the picture is stale
        return
    numbers = explorer.numbers
    standard = nc * h * h * d * ho * wo  # the textbook forms, independently
    separable = (h * h + nc) * d * ho * wo
    assert numbers["output_shape"] == (nc, ho, wo)
    assert numbers["standard"] == standard
    assert numbers["depthwise"] == h * h * d * ho * wo
    assert numbers["pointwise"] == nc * d * ho * wo
    assert numbers["separable"] == separable
    assert numbers["standard_parameters"] == nc * h * h * d
    assert numbers["standard_parameters_with_bias"] == nc * h * h * d + nc
    assert numbers["separable_parameters"] == h * h * d + nc * d
    assert numbers["separable_parameters_with_bias"] == h * h * d + nc * d + nc
    assert numbers["ratio"] == Fraction(separable, standard)
    assert numbers["textbook_ratio"] == Fraction(1, nc) + Fraction(1, h * h)
    assert numbers["ratio"] == numbers["textbook_ratio"]
    assert numbers["depthwise_share"] == Fraction(1, nc)
    # what the reader sees: counting's numbers, in the readout and the figure
    cost, reference = depthwise_costs(explorer)
    steps = reference.passes
    counts = [
        cost.multiplications,
        steps["depthwise"].multiplications,
        steps["pointwise"].multiplications,
        reference.multiplications,
    ]
    assert counts == [numbers[k] for k in BARS]
    shown = readout(explorer)
    assert shown["output_shape"] == f"{ho}×{wo}×{nc}"
    assert [integer(shown[k]) for k in BARS] == counts
    assert integer(shown["standard_parameters"]) == cost.parameters
    assert integer(shown["separable_parameters"]) == reference.parameters
    assert (
        integer(shown["separable_parameters_with_bias"])
        == reference.parameters_with_bias
    )
    assert shown["ratio"] == f"{float(reference.ratio_to(cost)):.3f}"
    view = explorer.view
    assert [bar.get_width() for bar in view.bars] == counts
    assert [t.get_text() for t in view.values] == [f"{c:,}" for c in counts]
    shares = [f"{100 * c / standard:.3g}%" for c in counts]
    assert [t.get_text() for t in view.shares] == shares
    assert view.shape.get_text().startswith(
        f"input {hh}×{ww}×{d} → output {ho}×{wo}×{nc}\n{h}×{h} kernels, stride {s}"
    )
    assert list(view.marker.get_xdata()) == [nc]
    assert np.isclose(view.marker.get_ydata()[0], 1 / nc + 1 / h**2)
    assert np.isclose(view.limit.get_ydata()[0], 1 / h**2)
    assert not explorer.message.get_visible()  # not stale


def test_depthwise_cost_explorer_dense_grid():
    explorer = widgets.depthwise_cost_explorer()
    artists = children(explorer)
    check_depthwise(explorer)
    assert (
        explorer.numbers["standard"] == 86_400
        and explorer.numbers["separable"] == 10_275
    )
    for name, control in explorer.controls.items():
        default = control.value
        for _ in drive(explorer, name, dense(control)):
            check_depthwise(explorer)
        control.value = default
    assert children(explorer) == artists


def step_up(control):
    """The next value of a slider (the next stop of the Nc slider)."""
    if hasattr(control, "options"):
        values = [value for _, value in control.options]
        return values[values.index(control.value) + 1]
    return control.value + control.step


def test_every_depthwise_control_changes_picture_and_readout():
    explorer = widgets.depthwise_cost_explorer()
    for name, control in explorer.controls.items():
        before = explorer.image.value, explorer.readout.value
        control.value = step_up(control)
        assert "error" not in explorer.numbers, name
        assert explorer.image.value != before[0], f"{name}: same picture"
        assert explorer.readout.value != before[1], f"{name}: same readout"
        check_depthwise(explorer)


def test_depthwise_geometry_shows_even_when_the_counts_stay():
    # a 3x3 kernel on a 3x3 input: one output position whatever the stride,
    # yet the picture names the stride
    explorer = widgets.depthwise_cost_explorer(height=3, width=3)
    before = explorer.image.value, explorer.numbers
    explorer.controls["stride"].value = 2
    assert explorer.numbers == before[1]
    assert explorer.image.value != before[0]
    assert "stride 2" in explorer.view.shape.get_text()


def test_depthwise_nc_slider_is_logarithmic():
    control = widgets.depthwise_cost_explorer().controls["filters"]
    assert [value for _, value in control.options] == [2**k for k in range(11)]
    assert control.value == 128
    # a number of filters off the stops is one more stop
    control = widgets.depthwise_cost_explorer(filters=100).controls["filters"]
    assert 100 in [value for _, value in control.options]


def test_depthwise_readout_is_short():
    explorer = widgets.depthwise_cost_explorer()
    assert explorer.readout.value.count("<tr>") <= 5


def test_depthwise_invalid_combination_is_stale_and_says_why():
    explorer = widgets.depthwise_cost_explorer(height=3, width=3)
    valid = explorer.image.value
    veil, message = explorer.veil, explorer.message
    assert not veil.get_visible() and not message.get_visible()
    explorer.controls["kernel_size"].value = 5  # 5x5 on a 3x3 input
    with pytest.raises(ValueError, match="kernel_size") as error:
        depthwise_costs(explorer)
    assert explorer.numbers == {"error": str(error.value)}
    shown = readout(explorer)
    assert "output_shape" not in shown  # no stale numbers
    assert shown["error"] == (
        f"Not a valid combination (slider h): {error.value}".replace("'", "&#x27;")
    )
    assert veil.get_visible() and message.get_visible()
    reason = str(error.value).split("; got ")[0]
    assert message.get_text().replace("\n", " ") == f"invalid: {reason}"
    assert explorer.image.value != valid  # greyed out, with the message
    explorer.controls["padding"].value = 1  # 5x5 fits the padded 5x5 input
    assert "error" not in explorer.numbers
    assert not veil.get_visible() and not message.get_visible()
    check_depthwise(explorer)


def test_depthwise_parameters_of_the_book():
    explorer = widgets.depthwise_cost_explorer(filters=32)
    assert explorer.numbers["separable_parameters"] == 123
    assert explorer.numbers["standard_parameters"] == 864


# ---------------------------------------------------------------- low rank


def test_low_rank_explorer_every_kernel_and_rank():
    explorer = widgets.low_rank_explorer()
    artists = children(explorer)
    for name in widgets.LOW_RANK_KERNELS:
        explorer.controls["kernel"].value = name
        kernel = np.asarray(widgets.LOW_RANK_KERNELS[name](), dtype=float)
        m = min(kernel.shape)
        assert explorer.controls["rank"].max == m
        for rank in drive(explorer, "rank", range(1, m + 1)):
            numbers = explorer.numbers
            s = np.linalg.svd(kernel, compute_uv=False)  # independent oracle
            error = np.sqrt(np.sum(s[rank:] ** 2) / np.sum(s**2))
            assert numbers["relative_error"] == pytest.approx(error, abs=1e-12)
            assert numbers["numerical_rank"] == decompose.numerical_rank(kernel)
            outputs = (64 - kernel.shape[0] + 1) * (64 - kernel.shape[1] + 1)
            kh, kw = kernel.shape
            low = rank * (64 * (64 - kh + 1) * kh + outputs * kw)
            assert numbers["low_rank_multiplications"] == low
            assert numbers["full_multiplications"] == outputs * kh * kw
            shown = readout(explorer)
            assert shown["relative_error"] == f"{error:.3f}"
            assert integer(shown["full_multiplications"]) == outputs * kh * kw
            approx = explorer.view.g_a.values
            expected = decompose.low_rank_approximation(kernel, rank).approximation
            assert np.allclose(approx, expected, atol=1e-12)
    assert children(explorer) == artists


def test_separable_kernels_have_rank_one():
    explorer = widgets.low_rank_explorer("Sobel x (3×3)", 1)
    assert explorer.numbers["numerical_rank"] == 1
    assert explorer.numbers["relative_error"] < 1e-12


# ---------------------------------------------------------------- static forms


def test_text_form_says_a_kernel_is_needed():
    for make in (
        widgets.scan_explorer,
        widgets.spatial_cost_explorer,
        widgets.depthwise_cost_explorer,
        widgets.low_rank_explorer,
    ):
        text = repr(make())
        assert text.startswith("<live explorer: ") and "JupyterLab" in text
        assert "0x" not in text


def test_static_figures_at_default_values():
    for make in (
        widgets.scan_figure,
        widgets.spatial_cost_figure,
        widgets.depthwise_cost_figure,
        widgets.low_rank_figure,
    ):
        fig = make()
        assert fig in [plt.figure(n) for n in plt.get_fignums()]
        assert fig.axes


@pytest.mark.parametrize(
    ("make", "frames"),
    [
        (lambda: widgets.scan_scrubber(), 9),
        (lambda: widgets.spatial_cost_scrubber(kernel_size=3), 14),
        (lambda: widgets.depthwise_cost_scrubber(), 11),
        (lambda: widgets.low_rank_scrubber("disk r=2 (5×5)"), 5),
    ],
)
def test_scrubbers_are_self_contained(make, frames):
    shown = make()
    html = shown._repr_html_()
    assert shown.frames == frames
    assert html.count("data:image/png;base64,") == frames
    markup = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]*", "data:", html)
    assert "http" not in markup.lower() and "<link" not in html
    assert len(html.encode()) <= 400 * 1024


def test_stored_output_shows_the_picture_and_how_to_run_it():
    """Before a notebook runs, its explorer output is untrusted HTML: the
    picture at the current values (the same pixels) and how to bring it to
    life; the widget view stays first for a live kernel."""
    import base64
    import io

    from PIL import Image

    explorer = widgets.spatial_cost_explorer(image_size=40, kernel_size=5)
    bundle = explorer._repr_mimebundle_()
    assert next(iter(bundle.keys() - {"text/plain", "text/html"})) == (
        "application/vnd.jupyter.widget-view+json"
    )
    page = bundle["text/html"]
    data = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    stored = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))
    live = np.asarray(Image.open(io.BytesIO(explorer.image.value)))
    assert stored.shape == live.shape
    assert np.array_equal(stored, live)
    assert "run the cell to move its sliders" in page


def test_a_change_during_a_redraw_is_drawn_not_dropped():
    """A value that changes while the explorer draws (the limits clamping a
    slider, or a change delivered mid-draw) is drawn once the drawing ends."""
    explorer = widgets.scan_explorer()
    update = explorer.view.update
    calls = []

    def update_and_change(**values):
        calls.append(values["image_size"])
        if len(calls) == 1:  # mid-draw, the image slider moves
            explorer.controls["image_size"].value = 6
        return update(**values)

    explorer.view.update = update_and_change
    explorer.controls["kernel_size"].value = 2
    assert calls == [5, 6]
    expected = counting.correlate2d_cost((6, 6), 2)
    assert explorer.numbers["multiplications"] == expected.multiplications
