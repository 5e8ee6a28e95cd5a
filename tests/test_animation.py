"""Animations: frames derived from the shapes, counts equal to the closed forms,
and a self-contained player within its byte budget."""

from __future__ import annotations

import base64
import dataclasses
import io
import re

import matplotlib as mpl
import matplotlib.image
import numpy as np
import pytest

from sepconv import animation, core, counting

NAMES = sorted(animation.CONFIGURATIONS)


def without_images(html):
    """The player's markup and script, its base64 image data left out (base64
    text can spell "http" by chance: it is no URL)."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]*", "data:", html)


def expected_frames(config):
    """Frame count from the shapes, through counting (not from animation)."""
    kind = config.kind
    hw = tuple(config.input_shape)[-2:]
    if kind in ("column_pass", "row_pass"):
        passes = counting.separable_scan_positions(hw, config.kernel_size)
        return len(passes["column" if kind == "column_pass" else "row"])
    if kind in ("correlate", "depthwise", "pointwise"):
        return len(
            counting.scan_positions(
                hw,
                config.kernel_size,
                stride=config.stride,
                padding=config.padding,
                dilation=config.dilation,
            )
        )
    if kind == "pointwise_stack":
        return config.out_channels
    if kind == "transposed":
        return hw[0] * hw[1]  # one frame per input cell
    if kind == "grouped_shuffle":
        return config.out_channels + 1  # one per output channel, then the shuffle
    if kind == "zero_insertion":  # a stride-1 scan of the zero-inserted input
        out = counting.conv_transpose2d_cost(
            (1, *hw), 1, config.kernel_size, stride=config.stride,
            padding=config.padding, dilation=config.dilation,
        ).output_shape  # fmt: skip
        return out[-2] * out[-1]
    if kind == "flattened":  # each pass's windows, then the full filter
        passes = counting.separable_scan_positions(hw, config.kernel_size)
        return hw[0] * hw[1] + len(passes["column"]) + len(passes["row"]) + 1
    raise AssertionError(kind)


def closed_form(config):
    """The multiplications of the whole animation, from counting's closed forms."""
    kind, shape = config.kind, tuple(config.input_shape)
    geometry = {
        "stride": config.stride,
        "padding": config.padding,
        "dilation": config.dilation,
    }
    if kind == "correlate":
        return counting.correlate2d_cost(shape, config.kernel_size, **geometry)
    if kind in ("column_pass", "row_pass"):
        cost = counting.separable_correlate2d_cost(shape, config.kernel_size)
        return cost.passes["column" if kind == "column_pass" else "row"]
    if kind == "depthwise":
        return counting.depthwise_conv2d_cost(shape, config.kernel_size, **geometry)
    if kind in ("pointwise", "pointwise_stack"):
        return counting.pointwise_conv2d_cost(shape, config.out_channels)
    if kind == "transposed":
        return counting.conv_transpose2d_cost(
            (1, *shape), 1, config.kernel_size, stride=config.stride
        )
    if kind == "grouped_shuffle":
        return counting.conv2d_cost(
            shape, config.out_channels, config.kernel_size, groups=config.groups
        )
    if kind == "zero_insertion":
        return counting.conv_transpose2d_by_zero_insertion_cost(
            (1, *shape), 1, config.kernel_size, stride=config.stride,
            padding=config.padding, dilation=config.dilation,
        )  # fmt: skip
    if kind == "flattened":
        return counting.flattened_conv2d_cost(shape, 1, config.kernel_size)
    raise AssertionError(kind)


def test_the_table_holds_the_required_animations():
    kinds = {c.kind for c in animation.CONFIGURATIONS.values()}
    assert kinds == {
        "correlate",
        "column_pass",
        "row_pass",
        "depthwise",
        "pointwise",
        "pointwise_stack",
        "transposed",
        "zero_insertion",
        "flattened",
        "grouped_shuffle",
    }
    table = animation.CONFIGURATIONS
    assert any(c.padding for c in table.values())
    assert any(c.stride > 1 for c in table.values() if c.kind == "correlate")
    assert any(c.dilation > 1 for c in table.values())
    with pytest.raises(TypeError):
        table["new"] = table["full_3x3"]  # read-only


@pytest.mark.parametrize("name", NAMES)
def test_frame_count_is_the_number_of_scan_positions(name):
    config = animation.CONFIGURATIONS[name]
    steps = animation.animation_steps(name)
    assert len(steps) == expected_frames(config)
    assert [s.index for s in steps] == list(range(len(steps)))


@pytest.mark.parametrize("name", NAMES)
def test_final_running_count_equals_the_closed_form(name):
    steps = animation.animation_steps(name)
    cost = closed_form(animation.CONFIGURATIONS[name])
    assert steps[-1].total == cost.multiplications
    running = np.cumsum([s.multiplications for s in steps])
    assert [s.total for s in steps] == running.tolist()


def test_the_book_numbers():
    totals = {n: animation.animation_steps(n)[-1].total for n in NAMES}
    frames = {n: len(animation.animation_steps(n)) for n in NAMES}
    assert (frames["full_3x3"], frames["column_pass"], frames["row_pass"]) == (9, 15, 9)
    assert (totals["full_3x3"], totals["column_pass"], totals["row_pass"]) == (
        81,
        45,
        27,
    )
    assert totals["depthwise"] == 675
    assert totals["pointwise"] == 75  # 5 x 5 pixels x 3 channels
    assert frames["depthwise"] == 25


def test_scan_windows_match_a_naive_loop():
    """Each frame's window and output cell, against a ten-line loop."""
    config = animation.CONFIGURATIONS["stride"]
    s, p, k = config.stride, config.padding, config.kernel_size[0]
    n = config.input_shape[0]
    o = (n + 2 * p - k) // s + 1
    naive = [((i, j), (i * s, j * s)) for i in range(o) for j in range(o)]
    steps = animation.animation_steps("stride")
    assert [(st.position, st.window) for st in steps] == naive


def test_the_products_shown_are_the_output_values():
    """The scene's sum of products ends with the value core computes."""
    scene = animation._scene("full_3x3", 40)
    data = animation._data(animation.CONFIGURATIONS["full_3x3"])
    x, k = data["x"], data["kernel"]
    for step in animation.animation_steps("full_3x3"):
        scene.update(step.index)
        i, j = step.position
        expected = float(np.sum(x[i : i + 3, j : j + 3] * k))
        text = scene.products[0].get_text().replace("\N{MINUS SIGN}", "-")
        assert text.endswith(f"= {expected:g}")
        terms = re.findall(r"(-?\d+)×\(?(-?\d+)\)?", text)
        assert len(terms) == 9
        assert sum(int(a) * int(b) for a, b in terms) == expected
        assert f"running count {step.total}" in scene.count.get_text()
    assert np.array_equal(data["out"], core.correlate2d(x, k))


@pytest.mark.parametrize("name", NAMES)
def test_html_is_self_contained_and_within_budget(name):
    html = animation.animation_html(name)
    steps = animation.animation_steps(name)
    assert "http" not in without_images(html).lower()
    assert "<link" not in html
    assert "fa fa-" not in html and "font-awesome" not in html
    assert len(html.encode("utf-8")) <= 400 * 1024
    assert html.count("data:image/png;base64,") == len(steps)  # each frame once
    # no element id: players cannot collide on a page or in JupyterLab
    assert " id=" not in html
    assert f'<div class="sepconv-player" data-animation="{name}"' in html
    for action in ("first", "previous", "play", "next", "last"):
        assert f'data-action="{action}"' in html
    assert html.count("<svg") == 7  # five buttons, and play/pause in the script
    assert 'aria-label="Next frame"' in html
    # the first frame, with its size, is in the image before any script runs
    first = re.search(r'<img src="data:image/png;base64,[^"]+" width="(\d+)" '
                      r'height="(\d+)" alt="[^"]+">', html)  # fmt: skip
    assert first and int(first[1]) > 0 and int(first[2]) > 0
    assert "run the cell to animate" in html


def test_html_is_deterministic():
    first = animation.animation_html("row_pass")
    animation._html.cache_clear()
    assert animation.animation_html("row_pass") == first


def test_animation_object_displays_the_player():
    shown = animation.animation("full_3x3")
    assert repr(shown) == "<animation 'full_3x3': 9 frames>"
    assert shown._repr_html_() == animation.animation_html("full_3x3")


def test_render_frame_gives_png():
    png = animation.render_frame("row_pass", -1, dpi=30)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="index"):
        animation.render_frame("row_pass", 9)


def fake_png(body=b"", size=(20, 10)):
    """A PNG signature and IHDR start (24 bytes: whole base64 groups), then body."""
    width, height = (n.to_bytes(4, "big") for n in size)
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + width + height + body


def test_frames_to_html_raises_rather_than_cutting():
    frames = [fake_png(bytes(3000))] * 5
    with pytest.raises(ValueError, match="max_bytes"):
        animation.frames_to_html(frames, name="big", max_bytes=10_000)
    html = animation.frames_to_html(frames, name="big", max_bytes=100_000)
    assert html.count("data:image/png;base64,") == 5


def test_frames_whose_base64_spells_http_are_fine():
    """Image data is no URL: base64 that happens to spell "http" is kept as is."""
    frame = fake_png(base64.b64decode("httpAAAA"))  # encodes to "...httpAAAA"
    html = animation.frames_to_html([frame], name="x")
    assert base64.b64encode(frame).decode() in html
    assert "http" not in without_images(html).lower()


def test_frames_must_be_pngs_of_one_size():
    with pytest.raises(TypeError, match=r"^frames must be PNG images"):
        animation.frames_to_html([b"GIF89a" + bytes(30)], name="x")
    with pytest.raises(ValueError, match=r"^frames must be PNG images of one size"):
        animation.frames_to_html([fake_png(), fake_png(size=(20, 11))], name="x")


def test_bad_names_and_options_are_rejected():
    with pytest.raises(ValueError, match="name must be one of"):
        animation.animation_steps("nope")
    with pytest.raises(ValueError, match="default_mode"):
        animation.frames_to_html([b"x"], name="a", default_mode="sometimes")
    with pytest.raises(TypeError, match="frames"):
        animation.frames_to_html(["not bytes"], name="a")


def drawn(grid):
    """The strings a grid shows, padding left out."""
    t, _, left, _ = grid.padding
    rows, cols = grid.shape
    return grid.strings[t : t + rows, left : left + cols].tolist()


def test_chapter_3_animations_chain():
    """One worked layer: the depthwise animation's block is the pointwise
    animation's input, and its output the pointwise stack's first layer; in
    the arrays and on the pictures (last frame, every value shown)."""
    table = animation.CONFIGURATIONS
    data = {n: animation._data(table[n]) for n in ("depthwise", "pointwise")}
    stack = animation._data(table["pointwise_stack"])
    block, consumed = data["depthwise"]["out"], data["pointwise"]["x"]
    print("depthwise output block:", block, "pointwise input block:", consumed)
    assert np.array_equal(block, consumed)
    assert np.array_equal(stack["x"], consumed)
    assert np.array_equal(data["pointwise"]["kernel"][0], stack["kernel"][0])
    assert np.array_equal(data["pointwise"]["out"][0], stack["out"][0])
    layer = animation.separable_example()
    assert np.array_equal(data["depthwise"]["x"], layer["x"])
    assert np.array_equal(block, core.depthwise_conv2d(layer["x"], layer["depthwise"]))
    assert np.array_equal(
        stack["out"], core.pointwise_conv2d(block, layer["pointwise"])
    )
    layer["x"][...] = 0  # fresh arrays: the animations keep theirs
    assert animation.separable_example()["x"].any()
    for name, change in (
        ("depthwise", {"padding": 1}),
        ("pointwise_stack", {"out_channels": 9}),
        ("pointwise", {"input_shape": (3, 6, 6)}),
    ):
        other = dataclasses.replace(table[name], **change)
        with pytest.raises(RuntimeError, match="not a step of the worked layer"):
            animation._data(other)
    # the pictures: the depthwise maps are the pointwise inputs, purple both
    scenes = {n: animation._scene(n, 40) for n in ("depthwise", "pointwise")}
    maps = [scan.output for scan in scenes["depthwise"].scans]
    inputs = scenes["pointwise"].scans[0].inputs
    stack_scene = animation._scene("pointwise_stack", 40)
    for scene in (*scenes.values(), stack_scene):
        scene.update(len(scene.steps) - 1)
    assert [drawn(g) for g in maps] == [drawn(g) for g in inputs]
    stacked = scenes["depthwise"].stack.layers
    assert {g.role for g in (*maps, *stacked, *inputs)} == {"intermediate"}
    stack_scene.update(0)
    assert drawn(stack_scene.stack.layers[0]) == drawn(
        scenes["pointwise"].scans[0].output
    )


def test_zero_insertion_counts_the_products_with_a_zero():
    """The running count of products with an inserted or padded zero ends at
    counting's closed form, and each frame's share is what the window covers."""
    config = animation.CONFIGURATIONS["zero_insertion"]
    geometry = {"stride": config.stride, "padding": config.padding}
    shape = (1, *config.input_shape)
    data = animation._data(config)
    steps = animation.animation_steps("zero_insertion")
    waste = counting.zero_insertion_waste(shape, 1, config.kernel_size, **geometry)
    assert sum(data["wasted"]) == waste > 0
    # a naive loop over the padded, zero-inserted grid: a tap is useful only
    # where an input pixel sits
    s, (kh, kw) = config.stride, config.kernel_size
    h, w = config.input_shape
    pad = kh - 1 - config.padding
    size = (h - 1) * s + 1 + 2 * pad
    pixel = np.zeros((size, size), dtype=bool)
    pixel[pad : pad + (h - 1) * s + 1 : s, pad : pad + (w - 1) * s + 1 : s] = True
    for step, wasted in zip(steps, data["wasted"], strict=True):
        r, c = step.window
        assert wasted == kh * kw - pixel[r : r + kh, c : c + kw].sum()
    assert np.array_equal(
        data["out"],
        core.conv_transpose2d(data["x"][None], data["kernel"][::-1, ::-1][None, None],
                              **geometry)[0],
    )  # fmt: skip
    scene = animation._scene("zero_insertion", 40)
    scene.update(len(steps) - 1)
    text = scene.count.get_text()
    assert text.endswith(f"running count {steps[-1].total:,}, {waste:,} by a zero")
    # the inserted zeros are drawn white, the input pixels tinted
    grid = scene.scans[0].inputs[0]
    assert (grid.faces == "white").sum() == (~data["pixels"]).sum()


def test_flattened_passes_count_as_the_closed_form():
    """Each pass's frames multiply what counting says that pass costs; the
    three passes give conv2d's output with the outer-product filter."""
    config = animation.CONFIGURATIONS["flattened"]
    cost = counting.flattened_conv2d_cost(config.input_shape, 1, config.kernel_size)
    steps = animation.animation_steps("flattened")
    per_pass = {}
    for step in steps:
        name = step.position[0]
        per_pass[name] = per_pass.get(name, 0) + step.multiplications
    assert per_pass == {
        **{name: p.multiplications for name, p in cost.passes.items()},
        "full filter": 0,
    }
    data = animation._data(config)
    lateral, vertical, horizontal = data["factors"]
    full = np.einsum("c,u,v->cuv", lateral, vertical, horizontal)
    assert np.array_equal(data["out"], core.conv2d(data["x"], full[None])[0])
    scene = animation._scene("flattened", 40)
    scene.update(len(steps) - 1)
    full_cost = counting.conv2d_cost(config.input_shape, 1, config.kernel_size)
    assert scene.count.get_text().endswith(
        f"{full_cost.multiplications} multiplications, against {cost.multiplications}"
    )
    assert scene.tally.get_text() == (
        "lateral {lateral} + vertical {vertical} + horizontal {horizontal}".format(
            **per_pass) + f" = {cost.multiplications} multiplications"
    )  # fmt: skip
    assert drawn(scene.full_out) == drawn(scene.scans[2].output)


@pytest.mark.parametrize("name", ["flattened", "zero_insertion"])
def test_new_frames_fit_the_page_and_read(name):
    """At most 688 pixels wide at the animation dpi, no text below 8 points."""
    scene = animation._scene(name, 100)
    assert scene.fig.canvas.get_width_height()[0] <= 688
    for k in range(len(scene.steps)):
        scene.update(k)
        sizes = [t.get_fontsize() for t in scene.ax.texts if t.get_visible()]
        sizes += [t.get_fontsize() for t in scene.ax.get_legend().get_texts()]
        assert min(sizes) >= 8, (k, min(sizes))


@pytest.mark.parametrize(
    "name", ["depthwise", "pointwise", "pointwise_stack", "flattened", "zero_insertion"]
)
def test_the_worked_values_fit_their_cells(name):
    """Every value written in a cell is narrower than the cell, on every frame."""
    scene = animation._scene(name, 100)
    ax, renderer = scene.ax, scene.fig.canvas.get_renderer()
    cell = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
    for k in range(len(scene.steps)):
        scene.update(k)
        for text in ax.texts:
            if text.get_gid() == "cell-value" and text.get_visible():
                width = text.get_window_extent(renderer).width
                # a visible margin on each side; 0.95, as the oldest supported
                # matplotlib (3.9) draws "−12" at 0.904 of its cell
                assert width < 0.95 * cell, (k, text.get_text(), width, cell)


#: A frame may leave no band of blank rows (or columns) wider than this share
#: of its height (width) inside the drawing. Today's frames stay under 0.09
#: (the transposed scene's captions); the pointwise stack and the grouped
#: shuffle were at 0.19 and 0.22 before they were laid out from what they draw.
MAX_BAND = 0.1
#: Nor margins wider than this: the scan scenes are at least 17 cells wide
#: (for the title and the legend), 0.12 of margin each side on the smallest.
MAX_MARGIN = 0.15


def blank_runs(ink):
    """Longest run of blank lines inside the inked span, and the margins
    either side of it, for a boolean vector (True: the line has ink)."""
    inked = np.flatnonzero(ink)
    longest = run = 0
    for has_ink in ink[inked[0] : inked[-1] + 1]:
        run = 0 if has_ink else run + 1
        longest = max(longest, run)
    return longest, inked[0], len(ink) - 1 - inked[-1]


@pytest.mark.parametrize("name", NAMES)
def test_frames_have_no_blank_bands(name):
    """Each frame is sized to what it draws: no empty band across it."""
    html = animation.animation_html(name)
    for k, data in enumerate(re.findall(r"data:image/png;base64,([^\"']+)", html)):
        frame = mpl.image.imread(io.BytesIO(base64.b64decode(data)), format="png")
        ink = frame[..., :3].min(axis=-1) < 250 / 255  # anything but white
        for axis, size in ((1, frame.shape[0]), (0, frame.shape[1])):
            band, before, after = blank_runs(ink.any(axis=axis))
            assert band <= MAX_BAND * size, (k, axis, band)
            assert max(before, after) <= MAX_MARGIN * size, (k, axis, before, after)
