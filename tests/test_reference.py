"""sepconv.reference: the counted loops against the closed forms, core and SciPy.

Each loop's counts equal the closed form of sepconv.counting (that pairing
proves the closed forms), and its output equals sepconv.core's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from loops import assert_close, integers_array, scan_geometry

from sepconv import core
from sepconv import counting as cnt
from sepconv import reference as ref

FAST = settings(max_examples=40, deadline=None)


def test_tally_counts_what_goes_through_it():
    tally = ref.Tally()
    assert tally.add(tally.mul(2, 3), tally.mul(4, 5)) == 26
    assert (tally.multiplications, tally.additions) == (2, 1)


def test_chain_adds_the_counts_and_keeps_the_last_output():
    first = ref.CountedResult(np.zeros(2), 3, 1)
    second = ref.CountedResult(np.ones(2), 5, 2)
    chained = ref.CountedResult.chain({"a": first, "b": second})
    assert (chained.multiplications, chained.additions) == (8, 3)
    assert chained.output is second.output
    assert list(chained.passes) == ["a", "b"]
    with pytest.raises(TypeError):
        chained.passes["c"] = first  # read-only


def test_the_package_exports_the_chapters_loops():
    import sepconv

    for name in ref.__all__:
        assert getattr(sepconv, name) is getattr(ref, name)
    assert not any(name.startswith("counted_") for name in cnt.__all__)


@given(data=st.data())
@FAST
def test_counted_correlate2d(data):
    hw, k, s, padding, d = data.draw(scan_geometry())
    image = integers_array(data.draw, hw)
    kernel = integers_array(data.draw, k)
    result = ref.counted_correlate2d(
        image, kernel, stride=s, padding=padding, dilation=d
    )
    cost = cnt.correlate2d_cost(hw, k, stride=s, padding=padding, dilation=d)
    assert result.output.shape == cost.output_shape
    assert (result.multiplications, result.additions) == (
        cost.multiplications,
        cost.additions,
    )
    windows = cnt.scan_positions(hw, k, stride=s, padding=padding, dilation=d)
    assert len(windows) == math.prod(cost.output_shape)
    assert sum(len(w.taps) for w in windows) == cost.multiplications
    assert_close(
        result.output,
        core.correlate2d(image, kernel, stride=s, padding=padding, dilation=d),
    )


def test_counted_correlate2d_equals_scipy():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(7, 9)), rng.normal(size=(3, 4))
    assert_close(
        ref.counted_correlate2d(image, kernel).output,
        scipy.signal.correlate2d(image, kernel, mode="valid"),
    )


@given(data=st.data())
@FAST
def test_counted_separable_correlate2d(data):
    hw, k, s, padding, _ = data.draw(scan_geometry(dilation=False))
    image = integers_array(data.draw, hw)
    column = integers_array(data.draw, (k[0],))
    row = integers_array(data.draw, (k[1],))
    result = ref.counted_separable_correlate2d(
        image, column, row, stride=s, padding=padding
    )
    cost = cnt.separable_correlate2d_cost(hw, k, stride=s, padding=padding)
    for name in ("column", "row"):
        assert result.passes[name].multiplications == cost.passes[name].multiplications
        assert result.passes[name].additions == cost.passes[name].additions
        assert result.passes[name].output.shape == cost.passes[name].output_shape
    assert (result.multiplications, result.additions) == (
        cost.multiplications,
        cost.additions,
    )
    assert_close(
        result.output,
        ref.counted_correlate2d(
            image, np.outer(column, row), stride=s, padding=padding
        ).output,
    )
    assert_close(
        result.output,
        core.separable_correlate2d(image, column, row, stride=s, padding=padding),
    )
    assert_close(
        result.passes["column"].output,
        core.column_pass(image, column, stride=s, padding=padding),
    )
    scans = cnt.separable_scan_positions(hw, k, stride=s, padding=padding)
    assert len(scans["column"]) == math.prod(cost.passes["column"].output_shape)
    assert len(scans["row"]) == math.prod(cost.output_shape)
    assert sum(len(w.taps) for p in scans.values() for w in p) == cost.multiplications


@given(data=st.data())
@FAST
def test_counted_conv2d(data):
    hw, k, s, padding, d = data.draw(scan_geometry())
    groups = data.draw(st.integers(1, 3))
    c_in = groups * data.draw(st.integers(1, 2))
    c_out = groups * data.draw(st.integers(1, 2))
    batch = data.draw(st.sampled_from([None, 1, 2]))
    shape = (c_in, *hw) if batch is None else (batch, c_in, *hw)
    x = integers_array(data.draw, shape)
    weight = integers_array(data.draw, (c_out, c_in // groups, *k))
    bias = data.draw(st.sampled_from([None, np.arange(c_out, dtype=float) - 1]))
    kwargs = {"stride": s, "padding": padding, "dilation": d, "groups": groups}
    result = ref.counted_conv2d(x, weight, bias, **kwargs)
    cost = cnt.conv2d_cost(shape, c_out, k, **kwargs)
    assert result.output.shape == cost.output_shape
    assert result.multiplications == cost.multiplications
    extra = 0 if bias is None else math.prod(cost.output_shape)
    assert result.additions == cost.additions + extra
    assert cost.parameters == weight.size
    assert cost.parameters_with_bias == weight.size + c_out
    assert_close(result.output, core.conv2d(x, weight, bias, **kwargs))


@given(data=st.data())
@FAST
def test_counted_depthwise_separable_conv2d(data):
    hw, k, s, padding, d = data.draw(scan_geometry())
    c_in, m = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
    c_out = data.draw(st.integers(1, 4))
    batch = data.draw(st.sampled_from([(), (2,)]))
    x = integers_array(data.draw, (*batch, c_in, *hw))
    depthwise = integers_array(data.draw, (c_in * m, 1, *k))
    pointwise = integers_array(data.draw, (c_out, c_in * m))
    bias = np.arange(c_out, dtype=float)
    kwargs = {"stride": s, "padding": padding, "dilation": d}
    result = ref.counted_depthwise_separable_conv2d(
        x, depthwise, pointwise, bias, **kwargs
    )
    cost = cnt.depthwise_separable_conv2d_cost(
        x.shape, c_out, k, multiplier=m, **kwargs
    )
    assert result.output.shape == cost.output_shape
    assert result.multiplications == cost.multiplications
    assert result.additions == cost.additions + math.prod(cost.output_shape)
    for name in ("depthwise", "pointwise"):
        assert result.passes[name].multiplications == cost.passes[name].multiplications
        assert result.passes[name].output.shape == cost.passes[name].output_shape
    assert cost.parameters == depthwise.size + pointwise.size
    assert cost.parameters_with_bias == cost.parameters + c_out
    assert_close(
        result.output,
        core.depthwise_separable_conv2d(x, depthwise, pointwise, bias, **kwargs),
    )


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (
            lambda: ref.counted_correlate2d(np.ones(5), np.ones((3, 3))),
            ValueError,
            "image",
        ),
        (
            lambda: ref.counted_correlate2d(np.ones((5, 5)), np.ones((6, 6))),
            ValueError,
            "kernel",
        ),
        (
            lambda: ref.counted_correlate2d(np.ones((5, 5)) * 1j, np.ones((3, 3))),
            TypeError,
            "image",
        ),
        (
            lambda: ref.counted_correlate2d(np.ones((0, 5)), np.ones((1, 1))),
            ValueError,
            "image",
        ),
        (
            lambda: ref.counted_conv2d(np.ones((3, 5, 5)), np.ones((4, 2, 3, 3))),
            ValueError,
            "weight",
        ),
        (
            lambda: ref.counted_conv2d(
                np.ones((4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2
            ),
            ValueError,
            "out_channels",
        ),
        (
            lambda: ref.counted_conv2d(
                np.ones((3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones(3)
            ),
            ValueError,
            "bias",
        ),
        (
            lambda: ref.counted_conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))),
            ValueError,
            "x",
        ),
        (
            lambda: ref.counted_depthwise_separable_conv2d(
                np.ones((3, 5, 5)), np.ones((3, 1, 3, 3)), np.ones((4, 2))
            ),
            ValueError,
            "pointwise",
        ),
        (
            lambda: ref.counted_depthwise_separable_conv2d(
                np.ones((3, 5, 5)), np.ones((3, 1, 3, 3)), np.ones((4, 3, 2, 2))
            ),
            ValueError,
            "pointwise",
        ),
        (
            lambda: ref.counted_separable_correlate2d(
                np.ones((5, 5)), np.ones((3, 1)), [1]
            ),
            ValueError,
            "column",
        ),
    ],
)
def test_counted_loops_reject_bad_input(call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert "got" in str(info.value)
