"""Closed-form costs: the book's figures, the Cost record, the scans, bad input.

The counted loops that prove the closed forms are sepconv.reference (tested
in test_reference.py) and, for the operations no chapter counts, tests/loops.py
(tested here, against the closed forms and core).
"""

from __future__ import annotations

import dataclasses
import math
import pickle
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loops import (
    assert_close,
    counted_conv_transpose2d,
    counted_depthwise_conv2d,
    counted_flattened_conv2d,
    counted_pointwise_conv2d,
    integers_array,
    scan_geometry,
)

from sepconv import core
from sepconv import counting as cnt
from sepconv.reference import counted_conv2d, counted_correlate2d

FAST = settings(max_examples=40, deadline=None)


# ---------------------------------------------------------------- book figures


def test_book_spatial_figures():
    full = cnt.correlate2d_cost((5, 5), 3)
    assert full.output_shape == (3, 3)
    assert len(cnt.scan_positions((5, 5), 3)) == 9
    assert full.multiplications == 81
    sep = cnt.separable_correlate2d_cost((5, 5), 3)
    column, row = sep.passes["column"], sep.passes["row"]
    assert column.output_shape == (3, 5)  # 3 rows x 5 columns
    assert (column.multiplications, row.multiplications) == (45, 27)
    assert sep.multiplications == 72
    passes = cnt.separable_scan_positions((5, 5), 3)
    assert (len(passes["column"]), len(passes["row"])) == (15, 9)
    assert cnt.spatial_full_cost(5, 3) == 81
    assert cnt.spatial_separable_cost(5, 3) == 72


def test_book_depthwise_figures():
    standard = cnt.conv2d_cost((3, 7, 7), 128, 3)
    assert standard.output_shape == (128, 5, 5)
    assert standard.multiplications == 86_400
    depthwise = cnt.depthwise_conv2d_cost((3, 7, 7), 3)
    assert depthwise.output_shape == (3, 5, 5)
    assert depthwise.multiplications == 675
    pointwise = cnt.pointwise_conv2d_cost((3, 5, 5), 128)
    assert pointwise.multiplications == 9_600
    separable = cnt.depthwise_separable_conv2d_cost((3, 7, 7), 128, 3)
    assert separable.multiplications == 10_275
    assert separable.passes["depthwise"].multiplications == 675
    assert separable.passes["pointwise"].multiplications == 9_600
    assert f"{float(separable.ratio_to(standard)):.1%}" == "11.9%"
    assert cnt.standard_layer_cost(7, 7, 3, 3, 128) == 86_400
    assert cnt.separable_layer_cost(7, 7, 3, 3, 128) == 10_275


def test_book_parameter_figures():
    standard = cnt.conv2d_cost((3, 7, 7), 32, 3)
    separable = cnt.depthwise_separable_conv2d_cost((3, 7, 7), 32, 3)
    assert standard.parameters == 864
    assert separable.passes["depthwise"].parameters == 27
    assert separable.passes["pointwise"].parameters == 96
    assert separable.parameters == 123
    assert standard.parameters_with_bias == 896
    assert separable.parameters_with_bias == 155  # one bias, after pointwise
    two_layers = cnt.depthwise_conv2d_cost((3, 7, 7), 3) + cnt.pointwise_conv2d_cost(
        (3, 5, 5), 32
    )
    assert two_layers.parameters_with_bias == 158  # two nn.Conv2d, two biases
    assert two_layers.multiplications == separable.multiplications


# ---------------------------------------------------------------- textbook forms


@given(n=st.integers(1, 300), m=st.integers(1, 300))
@FAST
def test_spatial_textbook_forms_match_general_costs(n, m):
    m = min(m, n)
    full = cnt.correlate2d_cost((n, n), m)
    sep = cnt.separable_correlate2d_cost((n, n), m)
    assert (
        cnt.spatial_full_cost(n, m) == full.multiplications == (n - m + 1) ** 2 * m**2
    )
    assert cnt.spatial_separable_cost(n, m) == sep.multiplications
    ratio = cnt.spatial_cost_ratio(n, m)
    assert ratio == Fraction(sep.multiplications, full.multiplications)
    assert ratio == Fraction(2 * n - m + 1, (n - m + 1) * m)
    # The gap to the limit is exactly (m - 1) / ((N - m + 1) m): it shrinks to 0.
    assert ratio - cnt.spatial_cost_ratio_limit(m) == Fraction(m - 1, (n - m + 1) * m)


@pytest.mark.parametrize("m", [3, 5, 7, 11])
def test_spatial_ratio_tends_to_two_over_m(m):
    limit = cnt.spatial_cost_ratio_limit(m)
    assert limit == Fraction(2, m)
    gaps = [cnt.spatial_cost_ratio(n, m) - limit for n in (10 * m, 100 * m, 10_000 * m)]
    assert gaps[0] > gaps[1] > gaps[2] > 0
    assert gaps[2] < Fraction(1, 10_000)


@pytest.mark.parametrize("n", [5, 8, 20])
def test_n_minus_2_form_holds_only_for_m_3(n):
    def n_minus_2_form(n, m):
        return n * (n - 2) * m + (n - 2) ** 2 * m

    assert n_minus_2_form(n, 3) == cnt.spatial_separable_cost(n, 3)
    assert n_minus_2_form(n, 5) != cnt.spatial_separable_cost(n, 5)


@given(
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    d=st.integers(1, 64),
    k=st.integers(1, 8),
    nc=st.integers(1, 512),
)
@FAST
def test_depthwise_textbook_forms_match_general_costs(h, w, d, k, nc):
    k = min(k, h, w)  # even kernel sizes included
    standard = cnt.conv2d_cost((d, h, w), nc, k)
    separable = cnt.depthwise_separable_conv2d_cost((d, h, w), nc, k)
    assert cnt.standard_layer_cost(h, w, d, k, nc) == standard.multiplications
    assert cnt.separable_layer_cost(h, w, d, k, nc) == separable.multiplications
    ratio = separable.ratio_to(standard)
    assert (
        ratio
        == cnt.separable_layer_ratio(k, nc)
        == Fraction(1, nc) + Fraction(1, k * k)
    )


# ---------------------------------------------------------------- Cost record


def test_cost_is_frozen_hashable_and_picklable():
    cost = cnt.depthwise_separable_conv2d_cost((3, 7, 7), 128, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cost.multiplications = 1
    with pytest.raises(TypeError):
        cost.passes["depthwise"] = cost  # read-only mapping
    assert hash(cost) == hash(dataclasses.replace(cost))
    again = pickle.loads(pickle.dumps(cost))
    assert again == cost
    assert again.passes["pointwise"] == cost.passes["pointwise"]


def test_cost_passes_add_up_to_the_total_in_every_field():
    for cost in (
        cnt.separable_correlate2d_cost((9, 7), (3, 5), stride=2, padding=1),
        cnt.depthwise_separable_conv2d_cost((4, 9, 9), 6, 3, multiplier=2, stride=2),
        cnt.flattened_conv2d_cost((3, 8, 6), 5, (3, 2), padding="same"),
        cnt.low_rank_correlate2d_cost((9, 9), 3, 3),
    ):
        total = sum(cost.passes.values())
        assert total == cost
        assert total.output_shape == cost.output_shape


def test_cost_addition():
    a = cnt.depthwise_conv2d_cost((3, 7, 7), 3)
    b = cnt.pointwise_conv2d_cost((3, 5, 5), 128)
    total = a + b
    assert total.multiplications == 10_275
    assert total.output_shape == (128, 5, 5)
    assert not total.passes
    assert sum([a, b]) == total
    with pytest.raises(TypeError):
        a + 1


def _table_rows(text):
    """The rows of a printed Cost, split on runs of two or more spaces."""
    return [re.split(r" {2,}", line.strip()) for line in text.splitlines()]


def test_cost_prints_as_a_table_of_its_numbers():
    cost = cnt.depthwise_separable_conv2d_cost((3, 7, 7), 128, 3)
    header, *rows = _table_rows(str(cost))
    columns = ["multiplications", "additions", "parameters", "with bias", "output"]
    assert header == columns
    records = [("total", cost), *cost.passes.items()]
    assert [row[0] for row in rows] == [name for name, _ in records]
    for row, (_, c) in zip(rows, records, strict=True):
        numbers = [int(cell.replace(",", "")) for cell in row[1:5]]
        assert numbers == [
            c.multiplications,
            c.additions,
            c.parameters,
            c.parameters_with_bias,
        ]
        assert row[5] == "x".join(map(str, c.output_shape))
    # The columns line up: numbers end, and shapes start, at the header's
    # column edges.
    lines = str(cost).splitlines()
    for name in ("multiplications", "additions", "parameters", "with bias"):
        end = lines[0].index(name) + len(name)
        assert all(line[end - 1].isdigit() and line[end] == " " for line in lines[1:])
    start = lines[0].index("output")
    assert all(line[start - 1] == " " != line[start] for line in lines[1:])


def test_single_cost_prints_without_a_label_column():
    cost = cnt.conv2d_cost((3, 7, 7), 128, 3)
    header, row = _table_rows(str(cost))
    assert header[0] == "multiplications"
    assert row == ["86,400", "83,200", "3,456", "3,584", "128x5x5"]


def test_cost_rejects_bad_fields():
    with pytest.raises(ValueError, match="multiplications"):
        cnt.Cost(-1, 0, 0, 0, (1, 1))
    with pytest.raises(TypeError, match="output_shape"):
        cnt.Cost(1, 0, 0, 0, 5)
    with pytest.raises(ValueError, match="passes"):
        cnt.Cost(1, 0, 0, 0, (1,), passes={"a": 3})
    cost = cnt.Cost(1, 0, 0, 0, (1,))
    with pytest.raises(ValueError, match="other"):
        cost.ratio_to(cnt.Cost(0, 0, 0, 0, (1,)))


def test_equality_ignores_passes():
    cost = cnt.separable_correlate2d_cost((5, 5), 3)
    assert cost == dataclasses.replace(cost, passes={})


# ------------------------------------------------------- counted vs closed form


@given(data=st.data())
@FAST
def test_scan_positions_reproduce_the_correlation(data):
    hw, k, s, padding, d = data.draw(scan_geometry())
    image = integers_array(data.draw, hw)
    kernel = integers_array(data.draw, k)
    windows = cnt.scan_positions(hw, k, stride=s, padding=padding, dilation=d)
    expected = counted_correlate2d(image, kernel, stride=s, padding=padding, dilation=d)
    out = np.zeros(expected.output.shape)
    previous = None
    for window in windows:
        assert previous is None or window.output_index > previous  # row-major
        previous = window.output_index
        for (y, x), inside, weight in zip(
            window.taps, window.inside, kernel.ravel(), strict=True
        ):
            assert inside == (0 <= y < hw[0] and 0 <= x < hw[1])
            if inside:
                out[window.output_index] += image[y, x] * weight
    assert_close(out, expected.output)


@given(data=st.data())
@FAST
def test_counted_depthwise_conv2d(data):
    hw, k, s, padding, d = data.draw(scan_geometry())
    c_in, m = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
    x = integers_array(data.draw, (c_in, *hw))
    weight = integers_array(data.draw, (c_in * m, 1, *k))
    kwargs = {"stride": s, "padding": padding, "dilation": d}
    result = counted_depthwise_conv2d(x, weight, **kwargs)
    cost = cnt.depthwise_conv2d_cost(x.shape, k, multiplier=m, **kwargs)
    assert result.output.shape == cost.output_shape
    assert (result.multiplications, result.additions) == (
        cost.multiplications,
        cost.additions,
    )
    assert cost.parameters == weight.size
    assert_close(result.output, core.depthwise_conv2d(x, weight, **kwargs))


@given(data=st.data())
@FAST
def test_counted_pointwise_conv2d(data):
    groups = data.draw(st.integers(1, 3))
    c_in = groups * data.draw(st.integers(1, 3))
    c_out = groups * data.draw(st.integers(1, 2))
    h, w = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    x = integers_array(data.draw, (c_in, h, w))
    weight = integers_array(data.draw, (c_out, c_in // groups))
    if data.draw(st.booleans()):
        weight = weight[:, :, None, None]
    result = counted_pointwise_conv2d(x, weight, groups=groups)
    cost = cnt.pointwise_conv2d_cost(x.shape, c_out, groups=groups)
    assert (result.multiplications, result.additions) == (
        cost.multiplications,
        cost.additions,
    )
    assert cost.multiplications == c_out * h * w * (c_in // groups)
    assert_close(result.output, core.pointwise_conv2d(x, weight, groups=groups))


@given(data=st.data())
@FAST
def test_counted_conv_transpose2d(data):
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    s = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    d = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    op = tuple(
        data.draw(st.integers(0, max(a, b) - 1)) for a, b in zip(s, d, strict=True)
    )
    p = (data.draw(st.integers(0, 1)), data.draw(st.integers(0, 1)))
    h, w = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    groups = data.draw(st.integers(1, 2))
    c_in = groups * data.draw(st.integers(1, 2))
    c_out = groups * data.draw(st.integers(1, 2))
    kwargs = {
        "stride": s,
        "padding": p,
        "output_padding": op,
        "dilation": d,
        "groups": groups,
    }
    try:
        cost = cnt.conv_transpose2d_cost((c_in, h, w), c_out, (kh, kw), **kwargs)
    except ValueError:  # padding left no output: a valid rejection
        return
    x = integers_array(data.draw, (c_in, h, w))
    weight = integers_array(data.draw, (c_in, c_out // groups, kh, kw))
    result = counted_conv_transpose2d(x, weight, **kwargs)
    assert result.output.shape == cost.output_shape
    assert (result.multiplications, result.additions) == (
        cost.multiplications,
        cost.additions,
    )
    # The transpose costs as much as the convolution it transposes (the one
    # from the output shape back to the input shape: output_padding < stride).
    forward = cnt.conv2d_cost(
        (c_out, *cost.output_shape[1:]),
        c_in,
        (kh, kw),
        stride=s,
        padding=p,
        dilation=d,
        groups=groups,
    )
    if all(a < b for a, b in zip(op, s, strict=True)):
        assert forward.output_shape == (c_in, h, w)
        assert forward.multiplications == cost.multiplications
    bias = np.arange(c_out, dtype=float)
    assert_close(
        counted_conv_transpose2d(x, weight, bias, **kwargs).output,
        core.conv_transpose2d(x, weight, bias, **kwargs),
    )


@given(
    size=st.integers(1, 12),
    kernel=st.integers(1, 6),
    stride=st.integers(1, 6),
    dilation=st.integers(1, 6),
)
@settings(max_examples=200, deadline=None)
def test_touched_positions_closed_form(size, kernel, stride, dilation):
    reached = {a * stride + u * dilation for a in range(size) for u in range(kernel)}
    assert cnt._touched(size, kernel, stride, dilation) == len(reached)


@given(data=st.data())
@FAST
def test_counted_flattened_conv2d(data):
    hw, k, _, padding, _ = data.draw(scan_geometry(dilation=False, stride=False))
    c_in, c_out = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    x = integers_array(data.draw, (c_in, *hw))
    lateral = integers_array(data.draw, (c_out, c_in))
    vertical = integers_array(data.draw, (c_out, k[0]))
    horizontal = integers_array(data.draw, (c_out, k[1]))
    result = counted_flattened_conv2d(x, lateral, vertical, horizontal, padding=padding)
    cost = cnt.flattened_conv2d_cost(x.shape, c_out, k, padding=padding)
    assert result.output.shape == cost.output_shape
    assert (result.multiplications, result.additions) == (
        cost.multiplications,
        cost.additions,
    )
    for name in ("lateral", "vertical", "horizontal"):
        assert result.passes[name].multiplications == cost.passes[name].multiplications
        assert result.passes[name].output.shape == cost.passes[name].output_shape
    weight = (
        lateral[:, :, None, None]
        * vertical[:, None, :, None]
        * horizontal[:, None, None, :]
    )
    assert_close(result.output, counted_conv2d(x, weight, padding=padding).output)
    assert_close(
        result.output,
        core.flattened_conv2d(x, lateral, vertical, horizontal, padding=padding),
    )
    assert cost.parameters == c_out * (c_in + k[0] + k[1])


def test_low_rank_cost():
    one = cnt.low_rank_correlate2d_cost((9, 8), (3, 2), 1, stride=2, padding=1)
    sep = cnt.separable_correlate2d_cost((9, 8), (3, 2), stride=2, padding=1)
    assert one == sep
    three = cnt.low_rank_correlate2d_cost((9, 8), (3, 2), 3)
    single = cnt.separable_correlate2d_cost((9, 8), (3, 2))
    outputs = math.prod(three.output_shape)
    assert three.multiplications == 3 * single.multiplications
    assert three.additions == 3 * single.additions + 2 * outputs
    assert three.parameters == 3 * (3 + 2)


def test_batch_scales_costs_not_parameters():
    one = cnt.conv2d_cost((3, 7, 7), 8, 3)
    four = cnt.conv2d_cost((4, 3, 7, 7), 8, 3)
    assert four.multiplications == 4 * one.multiplications
    assert four.parameters == one.parameters
    assert four.output_shape == (4, 8, 5, 5)


def test_scan_positions_with_padding_and_dilation():
    windows = cnt.scan_positions((5, 5), 3, padding=1, stride=2, dilation=1)
    assert [w.output_index for w in windows] == [
        (i, j) for i in range(3) for j in range(3)
    ]
    assert windows[0].top_left == (-1, -1)
    assert sum(windows[0].inside) == 4
    dilated = cnt.scan_positions((7, 7), 3, dilation=2)
    assert len(dilated) == 9
    assert dilated[0].taps[:3] == ((0, 0), (0, 2), (0, 4))
    passes = cnt.separable_scan_positions((5, 5), 3, padding="same")
    assert len(passes["column"]) == 25 and len(passes["row"]) == 25
    assert passes["column"][0].taps == ((-1, 0), (0, 0), (1, 0))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: cnt.correlate2d_cost((5,), 3), ValueError, "image_shape"),
        (lambda: cnt.correlate2d_cost(5, 3), TypeError, "image_shape"),
        (lambda: cnt.correlate2d_cost((5, 5.0), 3), TypeError, "image_shape"),
        (lambda: cnt.correlate2d_cost((5, 5), 7), ValueError, "kernel_shape"),
        (lambda: cnt.correlate2d_cost((5, 5), 3, stride=0), ValueError, "stride"),
        (lambda: cnt.correlate2d_cost((5, 5), 3, dilation=0), ValueError, "dilation"),
        (lambda: cnt.correlate2d_cost((5, 5), 3, padding=-1), ValueError, "padding"),
        (
            lambda: cnt.correlate2d_cost((5, 5), 3, padding="full"),
            ValueError,
            "padding",
        ),
        (
            lambda: cnt.correlate2d_cost((5, 5), 3, padding="same", stride=2),
            ValueError,
            "padding",
        ),
        (lambda: cnt.conv2d_cost((3, 7, 7), 4, 3, groups=2), ValueError, "groups"),
        (
            lambda: cnt.conv2d_cost((4, 7, 7), 3, 3, groups=2),
            ValueError,
            "out_channels",
        ),
        (lambda: cnt.conv2d_cost((3, 7, 7), 0, 3), ValueError, "out_channels"),
        (lambda: cnt.conv2d_cost((3, 7, 7), True, 3), TypeError, "out_channels"),
        (lambda: cnt.conv2d_cost((7, 7), 4, 3), ValueError, "input_shape"),
        (
            lambda: cnt.depthwise_conv2d_cost((3, 7, 7), 3, multiplier=0),
            ValueError,
            "multiplier",
        ),
        (
            lambda: cnt.pointwise_conv2d_cost((3, 7, 7), 4, groups=0),
            ValueError,
            "groups",
        ),
        (
            lambda: cnt.conv_transpose2d_cost(
                (1, 3, 3), 1, 3, stride=2, output_padding=2
            ),
            ValueError,
            "output_padding",
        ),
        (
            lambda: cnt.conv_transpose2d_cost((1, 3, 3), 1, 3, padding="same"),
            TypeError,
            "padding",
        ),
        (lambda: cnt.flattened_conv2d_cost((3, 2, 2), 4, 3), ValueError, "kernel_size"),
        (lambda: cnt.spatial_full_cost(3, 5), ValueError, "kernel_size"),
        (lambda: cnt.spatial_separable_cost(0, 1), ValueError, "image_size"),
        (lambda: cnt.standard_layer_cost(7, 2, 3, 3, 8), ValueError, "kernel_size"),
        (lambda: cnt.separable_layer_ratio(3, 0), ValueError, "filters"),
        (lambda: cnt.spatial_cost_ratio_limit(0), ValueError, "kernel_size"),
        (lambda: cnt.low_rank_correlate2d_cost((5, 5), 3, 0), ValueError, "rank"),
        (lambda: cnt.scan_positions((2, 2), 3), ValueError, "kernel_size"),
    ],
)
def test_costs_reject_bad_input(call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert "got" in str(info.value)


# ---------------------------------------------------------------- every layer type


@FAST
@given(
    c_in=st.sampled_from([4, 8, 12]),
    c_out=st.sampled_from([4, 8, 16]),
    k=st.sampled_from([1, 3, 5]),
    hw=st.integers(5, 9),
    scale=st.integers(1, 3),
)
def test_layer_costs_shapes_and_weights_by_hand(c_in, c_out, k, hw, scale):
    costs = cnt.layer_costs((c_in, hw, hw), c_out, k, groups=4, scale=scale)
    assert tuple(costs) == cnt.LAYER_TYPES
    for name, cost in costs.items():
        size = hw * scale if name == "transposed" else hw
        assert cost.output_shape == (c_out, size, size), name
    weights = {name: cost.parameters for name, cost in costs.items()}
    full = c_out * c_in * k * k
    assert weights["standard"] == weights["dilated"] == weights["transposed"] == full
    assert weights["grouped"] == weights["shuffled grouped"] == full // 4
    assert weights["pointwise grouped"] == c_out * c_in // 4
    assert weights["depthwise separable"] == c_in * k * k + c_out * c_in
    # flattened minus separable = C_out (kh + kw) - C_in k^2 (chapter 8's verdict)
    assert weights["flattened"] - weights["depthwise separable"] == (
        c_out * 2 * k - c_in * k * k
    )
    outputs = c_out * hw * hw
    assert costs["standard"].multiplications == outputs * c_in * k * k
    assert costs["transposed"].multiplications == c_in * hw * hw * c_out * k * k


def test_layer_costs_bad_input():
    with pytest.raises(ValueError, match=r"^kernel_size must be an odd size"):
        cnt.layer_costs((8, 9, 9), 8, 4, groups=4)
    with pytest.raises(ValueError, match=r"^scale must be"):
        cnt.layer_costs((8, 9, 9), 8, 3, groups=4, scale=0)
    with pytest.raises(ValueError, match=r"^groups must be"):
        cnt.layer_costs((8, 9, 9), 8, 3, groups=3)
