"""sepconv.measure: arithmetic intensity, the interleaved timer, the roofline."""

import ast
import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import sepconv
from sepconv import counting, measure, models


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
    assert measure.multiplications_per_byte(shape, cost) == expected
    double = measure.multiplications_per_byte(shape, cost, bytes_per_value=8)
    assert double == expected / 2


def test_depthwise_is_memory_bound_and_pointwise_is_not():
    shape = (512, 14, 14)
    dw = counting.depthwise_conv2d_cost(shape, 3, padding=1)
    pw = counting.pointwise_conv2d_cost(shape, 512)
    assert measure.multiplications_per_byte(shape, dw) < Fraction(9, 8)
    assert measure.multiplications_per_byte(shape, pw) > 20


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
        measure.multiplications_per_byte(**arguments)


def batched_cost(row, batch):
    """A MobileNet row's layer recounted on a batch: an (N, C, H, W) input."""
    shape = (batch, *row.input_shape)
    out_channels = row.output_shape[0]
    if row.kind == "conv":
        return counting.conv2d_cost(
            shape, out_channels, 3, stride=row.stride, padding=1
        )
    if row.kind == "depthwise":
        return counting.depthwise_conv2d_cost(shape, 3, stride=row.stride, padding=1)
    return counting.pointwise_conv2d_cost(shape, out_channels)  # 1x1 and fc


def row_cost(row):
    return counting.Cost(
        row.mult_adds, row.additions, row.params, row.params, row.output_shape
    )


@pytest.mark.parametrize("batch", [1, 2, 32])
@pytest.mark.parametrize("network", [models.mobilenet_v1, models.mobilenet_v2])
def test_batch_moves_the_weights_once(network, batch):
    for row in network():
        if not row.mult_adds:
            continue  # the pool and the softmax
        one = row_cost(row)
        many = batched_cost(row, batch)
        assert many.multiplications == batch * row.mult_adds
        # by hand: the inputs and outputs of every image, the weights once
        expected = 4 * (
            batch * (math.prod(row.input_shape) + math.prod(row.output_shape))
            + row.params
        )
        assert measure.bytes_moved(row.input_shape, one, batch=batch) == expected
        assert measure.bytes_moved((batch, *row.input_shape), many) == expected
        assert measure.multiplications_per_byte(
            row.input_shape, one, batch=batch, bytes_per_value=2
        ) == measure.multiplications_per_byte(
            (batch, *row.input_shape), many, bytes_per_value=2
        )


@pytest.mark.parametrize("batch", [1, 7, 32])
def test_depthwise_intensity_in_closed_form(batch):
    # stride 1, padding 1: 9 N C H W multiplications over 2 N C H W values
    # and 9 C weights
    c, h, w = 128, 56, 56
    dw = counting.depthwise_conv2d_cost((c, h, w), 3, padding=1)
    n = batch * c * h * w
    got = measure.multiplications_per_byte((c, h, w), dw, batch=batch)
    assert got == Fraction(9 * n, 4 * (2 * n + 9 * c))
    assert got < Fraction(9, 8)


def test_a_fused_pair_saves_its_intermediate_written_and_read():
    rows = models.mobilenet_v1(classifier=False)
    pairs = [(a, b) for a, b in itertools.pairwise(rows) if a.kind == "depthwise"]
    assert len(pairs) == 13
    for dw, pw in pairs:
        assert pw.input_shape == dw.output_shape
        for width, batch in ((4, 1), (2, 32)):
            options = {"bytes_per_value": width, "batch": batch}
            apart = measure.bytes_moved(
                dw.input_shape, row_cost(dw), **options
            ) + measure.bytes_moved(pw.input_shape, row_cost(pw), **options)
            fused = measure.bytes_moved(
                dw.input_shape, row_cost(dw) + row_cost(pw), **options
            )
            assert apart - fused == 2 * width * batch * math.prod(dw.output_shape)


@pytest.mark.parametrize(
    ("batch", "error"), [(0, ValueError), (2.0, TypeError), (True, TypeError)]
)
def test_batch_must_be_a_positive_integer(batch, error):
    cost = counting.conv2d_cost((3, 7, 7), 8, 3)
    for function in (measure.bytes_moved, measure.multiplications_per_byte):
        with pytest.raises(error, match="batch"):
            function((3, 7, 7), cost, batch=batch)
    with pytest.raises(TypeError, match="cost"):
        measure.bytes_moved((3, 7, 7), 86400)


def test_best_seconds_calls_each_function_once_per_round_plus_warmup():
    calls = {"a": 0, "b": 0}

    def bump(name):
        calls[name] += 1

    times = measure.best_seconds(
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
        measure.best_seconds(functions, repeat=repeat)


def test_measured_speedup_is_the_ratio_of_best_seconds():
    ratio = measure.measured_speedup(lambda: sum(range(50_000)), lambda: None, repeat=3)
    assert ratio > 1
    with pytest.raises(TypeError, match=r"functions\['candidate'\]"):
        measure.measured_speedup(lambda: None, "not callable")
    with pytest.raises(ValueError, match="repeat"):
        measure.measured_speedup(lambda: None, lambda: None, repeat=0)


def test_the_timers_live_in_measure_and_are_still_top_level():
    for name in measure.__all__:
        assert getattr(sepconv, name) is getattr(measure, name)
        assert name not in counting.__all__
        assert not hasattr(counting, name)
    # one way: measure uses counting, counting knows nothing of measure
    source = Path(counting.__file__).read_text(encoding="utf-8")
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
    }
    assert not any(m and "measure" in m for m in imported)
    assert "threadpoolctl" not in source


# ---------------------------------------------------------------- the roofline

# The three MobileNetV1 layers of chapter 5: (size, C_in, C_out).
LAYERS = ((112, 32, 64), (56, 128, 128), (14, 512, 512))


def mobilenet_layer(size, c_in, c_out, batch=None):
    shape = (c_in, size, size) if batch is None else (batch, c_in, size, size)
    standard = counting.conv2d_cost(shape, c_out, 3, padding=1)
    depthwise = counting.depthwise_conv2d_cost(shape, 3, padding=1)
    pointwise = counting.pointwise_conv2d_cost(depthwise.output_shape, c_out)
    return shape, standard, depthwise, pointwise


def traffic_bytes(input_shape, cost, width=4):
    """Inputs, weights and outputs, each moved once: a recount by hand."""
    return width * (
        math.prod(input_shape) + cost.parameters + math.prod(cost.output_shape)
    )


def test_roofline_speed_is_the_lower_roof():
    roofline = measure.Roofline(peak=1e11, bandwidth=2.5e10)
    assert roofline.ridge_point == 4.0
    assert roofline.speed(1.0) == 2.5e10
    assert roofline.speed(4.0) == 1e11
    assert roofline.speed(100) == 1e11
    assert roofline.speed(Fraction(9, 8)) == pytest.approx(9 / 8 * 2.5e10)
    assert roofline.speed(0) == 0


ROOFLINES = [
    measure.Roofline(peak=1e11, bandwidth=2.5e10),  # ridge point 4
    measure.Roofline(peak=3e10, bandwidth=3e10),  # ridge point 1
    measure.Roofline(peak=1e12, bandwidth=2e10),  # ridge point 50
]


@pytest.mark.parametrize("roofline", ROOFLINES)
@pytest.mark.parametrize("layer", LAYERS)
def test_roof_seconds_is_the_slower_of_computing_and_moving(roofline, layer):
    shape, standard, depthwise, pointwise = mobilenet_layer(*layer)
    for input_shape, cost in (
        (shape, standard),
        (shape, depthwise),
        (depthwise.output_shape, pointwise),
    ):
        expected = max(
            cost.multiplications / roofline.peak,
            traffic_bytes(input_shape, cost) / roofline.bandwidth,
        )
        got = measure.roof_seconds(input_shape, cost, roofline)
        assert got == pytest.approx(expected, rel=1e-12)
    # a sequence of steps: each step reads the previous step's output
    steps = measure.roof_seconds(shape, [depthwise, pointwise], roofline)
    one_by_one = measure.roof_seconds(shape, depthwise, roofline) + (
        measure.roof_seconds(depthwise.output_shape, pointwise, roofline)
    )
    assert steps == pytest.approx(one_by_one, rel=1e-12)
    # float64 moves twice the bytes
    slow = measure.roof_seconds(shape, depthwise, roofline, bytes_per_value=8)
    assert slow == pytest.approx(
        max(
            depthwise.multiplications / roofline.peak,
            traffic_bytes(shape, depthwise, 8) / roofline.bandwidth,
        )
    )


@pytest.mark.parametrize("roofline", ROOFLINES)
@pytest.mark.parametrize("layer", LAYERS)
def test_roof_limit_recomputes_chapter_5(roofline, layer):
    shape, standard, depthwise, pointwise = mobilenet_layer(*layer)
    promised = float(standard.ratio_to(depthwise + pointwise))
    # chapter 5's former cells: min(P, I * B) per step, step by step
    peak, bandwidth = roofline.peak, roofline.bandwidth

    def seconds(input_shape, cost):
        intensity = Fraction(cost.multiplications, traffic_bytes(input_shape, cost))
        return cost.multiplications / min(peak, float(intensity) * bandwidth)

    expected = seconds(shape, standard) / (
        seconds(shape, depthwise) + seconds(depthwise.output_shape, pointwise)
    )
    got = measure.roof_limit(shape, standard, [depthwise, pointwise], roofline)
    assert got == pytest.approx(expected, rel=1e-12)
    # the standard layer is never memory-bound here, so no roof helps it: the
    # limit is at most the promise, and reaches it when every step computes
    assert got <= promised * (1 + 1e-12)
    fast_memory = measure.Roofline(peak=peak, bandwidth=peak * 1e3)
    assert measure.roof_limit(
        shape, standard, [depthwise, pointwise], fast_memory
    ) == pytest.approx(promised, rel=1e-12)


def test_roof_limit_of_a_batch_and_of_a_layer_against_itself():
    roofline = ROOFLINES[0]
    shape, standard, depthwise, pointwise = mobilenet_layer(14, 512, 512, batch=32)
    steps = (depthwise, pointwise)
    assert measure.roof_limit(shape, standard, standard, roofline) == 1
    assert measure.roof_limit(shape, steps, steps, roofline) == 1
    single = mobilenet_layer(14, 512, 512)
    one = measure.roof_limit(single[0], single[1], list(single[2:]), roofline)
    # batching amortises the pointwise weights: the separable layer gains
    assert measure.roof_limit(shape, standard, steps, roofline) > one


def test_measure_roofline_measures_two_positive_roofs():
    roofline = measure.measure_roofline(copy_bytes=2**16, matmul_size=32, repeat=2)
    assert isinstance(roofline, measure.Roofline)
    assert roofline.peak > 0 and roofline.bandwidth > 0
    assert roofline.ridge_point == roofline.peak / roofline.bandwidth
    assert np.isfinite(roofline.ridge_point)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"copy_bytes": 2}, ValueError, "copy_bytes"),
        ({"copy_bytes": 4.0}, TypeError, "copy_bytes"),
        ({"matmul_size": 0}, ValueError, "matmul_size"),
        ({"repeat": 0}, ValueError, "repeat"),
        ({"repeat": True}, TypeError, "repeat"),
    ],
)
def test_measure_roofline_rejects_bad_input(kwargs, error, words):
    with pytest.raises(error, match=words):
        measure.measure_roofline(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"peak": 0, "bandwidth": 1}, ValueError, "peak"),
        ({"peak": 1, "bandwidth": -1}, ValueError, "bandwidth"),
        ({"peak": float("inf"), "bandwidth": 1}, ValueError, "peak"),
        ({"peak": "fast", "bandwidth": 1}, TypeError, "peak"),
        ({"peak": 1, "bandwidth": True}, TypeError, "bandwidth"),
    ],
)
def test_roofline_rejects_bad_roofs(kwargs, error, words):
    with pytest.raises(error, match=words):
        measure.Roofline(**kwargs)


@pytest.mark.parametrize(
    ("intensity", "error"),
    [(-1, ValueError), ("high", TypeError), (float("nan"), ValueError)],
)
def test_roofline_speed_rejects_bad_intensity(intensity, error):
    with pytest.raises(error, match="intensity"):
        ROOFLINES[0].speed(intensity)


SHAPE, STANDARD, DEPTHWISE, POINTWISE = mobilenet_layer(14, 16, 32)
BATCHED = mobilenet_layer(14, 16, 32, batch=2)[3]  # a step on another input


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        ((SHAPE[1:], STANDARD, ROOFLINES[0]), ValueError, "input_shape"),
        ((SHAPE, 1000, ROOFLINES[0]), TypeError, "cost"),
        ((SHAPE, [], ROOFLINES[0]), TypeError, "cost"),
        ((SHAPE, [DEPTHWISE, "x"], ROOFLINES[0]), TypeError, "cost"),
        ((SHAPE, STANDARD, (1e11, 2.5e10)), TypeError, "roofline"),
        ((SHAPE, [DEPTHWISE, BATCHED], ROOFLINES[0]), ValueError, r"cost\[1\]"),
        (((2, *SHAPE), STANDARD, ROOFLINES[0]), ValueError, "same batch"),
    ],
)
def test_roof_seconds_rejects_bad_input(arguments, error, words):
    with pytest.raises(error, match=words):
        measure.roof_seconds(*arguments)
    with pytest.raises(ValueError, match="bytes_per_value"):
        measure.roof_seconds(SHAPE, STANDARD, ROOFLINES[0], bytes_per_value=0)


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        ((SHAPE, None, [DEPTHWISE, POINTWISE]), TypeError, "baseline"),
        ((SHAPE, STANDARD, "depthwise"), TypeError, "candidate"),
        ((SHAPE, STANDARD, [DEPTHWISE, BATCHED]), ValueError, r"candidate\[1\]"),
        (
            (SHAPE, STANDARD, counting.Cost(0, 0, 0, 0, SHAPE)),
            ValueError,
            "candidate",
        ),
    ],
)
def test_roof_limit_rejects_bad_input(arguments, error, words):
    with pytest.raises(error, match=words):
        measure.roof_limit(*arguments, ROOFLINES[0])
    with pytest.raises(TypeError, match="roofline"):
        measure.roof_limit(SHAPE, STANDARD, [DEPTHWISE, POINTWISE], None)
