"""Arithmetic intensity, the interleaved timer, and the notebook table."""

import math
from fractions import Fraction

import pytest

from sepconv import counting, plotting


@pytest.mark.parametrize(
    ("shape", "make"),
    [
        ((3, 7, 7), lambda s: counting.conv2d_cost(s, 128, 3)),
        ((32, 56, 56), lambda s: counting.depthwise_conv2d_cost(s, 3, padding=1)),
        ((128, 14, 14), lambda s: counting.pointwise_conv2d_cost(s, 256)),
        ((8, 9, 9), lambda s: counting.conv2d_cost(s, 4, 3, groups=2)),
        ((2, 8, 9, 9), lambda s: counting.conv2d_cost(s, 4, 3, groups=2)),
    ],
)
def test_intensity_counts_each_value_once(shape, make):
    cost = make(shape)
    # A readable recount: inputs, weights and outputs, 4 bytes each.
    inputs = math.prod(shape)
    outputs = math.prod(cost.output_shape)
    expected = Fraction(cost.multiplications, 4 * (inputs + cost.parameters + outputs))
    assert counting.multiplications_per_byte(shape, cost) == expected
    double = counting.multiplications_per_byte(shape, cost, bytes_per_value=8)
    assert double == expected / 2


def test_depthwise_is_memory_bound_and_pointwise_is_not():
    shape = (512, 14, 14)
    dw = counting.depthwise_conv2d_cost(shape, 3, padding=1)
    pw = counting.pointwise_conv2d_cost(shape, 512)
    assert counting.multiplications_per_byte(shape, dw) < Fraction(9, 8)
    assert counting.multiplications_per_byte(shape, pw) > 20


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"input_shape": (3, 7), "cost": None}, ValueError, "input_shape"),
        ({"input_shape": (3, 7, 7), "cost": 86400}, TypeError, "cost"),
        ({"input_shape": (3, 7, 7), "bytes_per_value": 0}, ValueError, "bytes_per"),
        ({"input_shape": (2, 3, 7, 7)}, ValueError, "same batch"),
    ],
)
def test_intensity_rejects_bad_input(kwargs, error, words):
    arguments = {"cost": counting.conv2d_cost((3, 7, 7), 8, 3), **kwargs}
    with pytest.raises(error, match=words):
        counting.multiplications_per_byte(**arguments)


def test_best_seconds_calls_each_function_once_per_round_plus_warmup():
    calls = {"a": 0, "b": 0}

    def bump(name):
        calls[name] += 1

    times = counting.best_seconds(
        {"a": lambda: bump("a"), "b": lambda: bump("b")}, repeat=5
    )
    assert calls == {"a": 6, "b": 6}
    assert set(times) == {"a", "b"}
    assert all(t >= 0 for t in times.values())


@pytest.mark.parametrize(
    ("functions", "repeat", "error", "words"),
    [
        ({}, 3, TypeError, "functions"),
        ([lambda: None], 3, TypeError, "functions"),
        ({"x": 3}, 3, TypeError, r"functions\['x'\]"),
        ({"x": lambda: None}, 0, ValueError, "repeat"),
    ],
)
def test_best_seconds_rejects_bad_input(functions, repeat, error, words):
    with pytest.raises(error, match=words):
        counting.best_seconds(functions, repeat=repeat)


def test_html_table_text_and_html_carry_the_same_numbers():
    table = plotting.html_table(
        [("standard", 86400, 1.0), ("separable", 10275, 0.11892)],
        ["layer", "multiplications", "ratio"],
        floatfmt=".3f",
    )
    for shown in ("86,400", "10,275", "0.119", "1.000"):
        assert shown in table.html
        assert shown in repr(table)
    assert table._repr_html_().startswith('<table class="table sepconv-table"')


def test_html_table_rejects_ragged_rows():
    with pytest.raises(ValueError, match="rows"):
        plotting.html_table([(1, 2), (3,)], ["a", "b"])
    with pytest.raises(ValueError, match="rows"):
        plotting.html_table([], ["a"])
