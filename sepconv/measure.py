"""Costs meet the clock: timing, arithmetic intensity and the roofline.

:mod:`sepconv.counting` says how much arithmetic a convolution needs; this
module says how fast a machine can do it, and measures how fast it does.

Timing
    :func:`best_seconds` times functions fairly (a warm-up, one BLAS thread
    and that thread's processor time, interleaved rounds, the fastest run);
    :func:`measured_speedup` turns two timings into a ratio.
Arithmetic intensity
    :func:`bytes_moved` counts the bytes a layer must move at least (its
    input, weights and output once; the weights once per batch), and
    :func:`multiplications_per_byte` divides the layer's multiplications
    (from its :class:`~sepconv.counting.Cost`) by them.
The roofline
    A machine does at most ``peak`` multiplications per second and moves at
    most ``bandwidth`` bytes per second, so a computation of intensity ``I``
    runs at most at ``min(peak, I * bandwidth)`` multiplications per second
    (Williams, Waterman and Patterson, 2009). :func:`measure_roofline`
    measures the two roofs of the machine it runs on; :func:`roof_seconds` and
    :func:`roof_limit` give the fastest time a layer can take under them and
    the speedup that a replacement (e.g. a depthwise separable layer) can reach
    at best.

Artifacts
    :func:`checkerboard_energy` measures the checkerboard that an upsampling
    layer prints: the share of an image's spectral energy at the
    frequencies of its stride's grid.

Measured times depend on the machine and vary from run to run: quote them as
ratios of times from the same run, never as absolute times.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from threadpoolctl import threadpool_limits

from ._validation import as_array, as_pair, as_shape, check_int, check_real, fail
from .counting import Cost

__all__ = [
    "Roofline",
    "best_seconds",
    "bytes_moved",
    "checkerboard_energy",
    "measure_roofline",
    "measured_speedup",
    "multiplications_per_byte",
    "roof_limit",
    "roof_seconds",
]


# ====================================================================== the clock


def _clock():
    """The calling thread's CPU clock where it is fine-grained, else wall time."""
    if time.get_clock_info("thread_time").resolution <= 1e-6:
        return time.thread_time
    return time.perf_counter


def best_seconds(functions, *, repeat=9):
    """Fastest run time of each function, timed in interleaved rounds.

    Each function is called once to warm up, then ``repeat`` rounds call every
    function once in turn, so a change in the machine's load hits all of them
    alike. The minimum is the least disturbed run (as :mod:`timeit` advises).

    Parameters
    ----------
    functions : mapping of str to callable
        The functions to time, called without arguments.
    repeat : int, keyword-only
        Rounds, at least 1.

    Returns
    -------
    dict of str to float
        Seconds of the fastest run of each function.

    Notes
    -----
    The clock is the calling thread's CPU time (``time.thread_time``) where
    it has microsecond resolution, so other processes on a busy machine do not
    count; otherwise ``time.perf_counter``. Work done in other threads would
    not be counted by the thread clock, so the linear-algebra libraries (BLAS,
    OpenMP) run on one thread while the functions are timed
    (``threadpoolctl.threadpool_limits(1)``), and as they were afterwards.
    Quote the results as ratios, never as absolute times.

    Examples
    --------
    >>> calls = []
    >>> times = best_seconds({"a": lambda: calls.append("a")}, repeat=3)
    >>> sorted(times), len(calls), times["a"] >= 0
    (['a'], 4, True)
    """
    if not isinstance(functions, Mapping) or not functions:
        fail(
            "functions",
            "a non-empty mapping of names to callables",
            functions,
            error=TypeError,
        )
    for name, function in functions.items():
        if not callable(function):
            fail(f"functions[{name!r}]", "a callable", function, error=TypeError)
    rounds = check_int(repeat, "repeat", minimum=1)
    clock = _clock()
    samples = {name: [] for name in functions}
    with threadpool_limits(limits=1):
        for function in functions.values():
            function()
        for _ in range(rounds):
            for name, function in functions.items():
                start = clock()
                function()
                samples[name].append(clock() - start)
    return {name: min(times) for name, times in samples.items()}


def measured_speedup(baseline, candidate, *, repeat=9):
    """How many times faster ``candidate`` runs than ``baseline``.

    Both are called without arguments and timed by :func:`best_seconds`.

    Returns
    -------
    float
        ``best_seconds(baseline) / best_seconds(candidate)``.

    Examples
    --------
    >>> ratio = measured_speedup(lambda: sum(range(20_000)), lambda: None)
    >>> ratio > 1
    True
    """
    times = best_seconds({"baseline": baseline, "candidate": candidate}, repeat=repeat)
    fastest = max(times["candidate"], time.get_clock_info("perf_counter").resolution)
    return times["baseline"] / fastest


# ====================================================================== intensity


def _check_follows(shape, cost, name, what):
    """Fail unless ``cost`` can be that of a ``what`` on an input of ``shape``."""
    out = cost.output_shape
    if len(out) != len(shape) or (len(shape) == 4 and out[0] != shape[0]):
        fail(
            name,
            f"the cost of a {what} on an input of shape {shape} (same batch)",
            f"a cost with output shape {out}",
        )


def bytes_moved(input_shape, cost, *, bytes_per_value=4, batch=1):
    """The bytes a layer must move at least: its input, weights and output once.

    The idealised traffic of one pass (a perfect cache): every input value is
    read once, every weight is read once and every output value is written
    once. Run on a batch, the layer reads its weights once for all the images.

    Parameters
    ----------
    input_shape : tuple of int
        The layer's input, (C, H, W) or (N, C, H, W): the shape given to
        the cost function (whose output shape then has the batch too).
    cost : Cost
        The layer's cost record, e.g. from
        :func:`~sepconv.counting.conv2d_cost`; its ``parameters`` (weights)
        and ``output_shape`` give the traffic besides the input. A sum of
        records (``a + b``, one step after the other) is the fused pair: the
        first step's input, both steps' weights, the last step's output.
    bytes_per_value : int, keyword-only
        4 for float32 (the default), 8 for float64, 2 for float16.
    batch : int, keyword-only
        How many times the layer runs with the same weights (at least 1):
        the images of a batch, when ``input_shape`` and ``cost`` are those
        of one image. Inputs and outputs are moved ``batch`` times, the
        weights once.

    Returns
    -------
    int
        ``bytes_per_value * (batch * (inputs + outputs) + weights)``.

    Examples
    --------
    The 1x1 layer 512 -> 512 on a 14x14 map: 100,352 inputs, 262,144
    weights and 100,352 outputs of 4 bytes; on a batch of 32 the weights are
    read once.

    >>> from sepconv.counting import pointwise_conv2d_cost
    >>> pw = pointwise_conv2d_cost((512, 14, 14), 512)
    >>> bytes_moved((512, 14, 14), pw)
    1851392
    >>> bytes_moved((512, 14, 14), pw, batch=32) == 4 * (32 * 200704 + 262144)
    True

    A depthwise and a pointwise step fused into one kernel never write their
    intermediate (32x112x112 values) out and never read it back:

    >>> from sepconv.counting import depthwise_conv2d_cost
    >>> dw = depthwise_conv2d_cost((32, 112, 112), 3, padding=1)
    >>> pw = pointwise_conv2d_cost(dw.output_shape, 64)
    >>> apart = bytes_moved((32, 112, 112), dw) + bytes_moved(dw.output_shape, pw)
    >>> apart - bytes_moved((32, 112, 112), dw + pw) == 2 * 4 * 32 * 112 * 112
    True
    """
    shape = as_shape(input_shape, "input_shape", lengths=(3, 4))
    if not isinstance(cost, Cost):
        fail("cost", "a Cost record (from a *_cost function)", cost, error=TypeError)
    width = check_int(bytes_per_value, "bytes_per_value", minimum=1)
    runs = check_int(batch, "batch", minimum=1)
    _check_follows(shape, cost, "cost", "layer")
    values = math.prod(shape) + math.prod(cost.output_shape)
    return width * (runs * values + cost.parameters)


def multiplications_per_byte(input_shape, cost, *, bytes_per_value=4, batch=1):
    """Arithmetic intensity of a layer: multiplications per byte moved.

    The multiplications over :func:`bytes_moved`: the input, the weights and
    the output each cross the memory bus exactly once (a perfect cache).
    Real kernels move more, so this is an upper bound on the intensity they
    reach.

    Parameters
    ----------
    input_shape, cost, bytes_per_value, batch
        As in :func:`bytes_moved`. With ``batch``, the multiplications count
        ``batch`` times too.

    Returns
    -------
    fractions.Fraction
        ``batch * multiplications / bytes_moved(...)``.

    Notes
    -----
    Compared with a machine's ratio of peak multiplications per second to
    memory bandwidth in bytes per second (the roofline model's ridge point,
    :attr:`Roofline.ridge_point`), it tells whether a layer is limited by
    arithmetic or by memory traffic. Vendors count a multiplication and its
    addition as two floating-point operations (FLOP): in FLOP per byte, the
    intensity is twice this value.

    Examples
    --------
    The 7x7x3 example with 128 filters of 3x3x3: 147 inputs, 3,456 weights and
    3,200 outputs of 4 bytes each for 86,400 multiplications.

    >>> from sepconv.counting import conv2d_cost, depthwise_conv2d_cost
    >>> cost = conv2d_cost((3, 7, 7), 128, 3)
    >>> multiplications_per_byte((3, 7, 7), cost)
    Fraction(21600, 6803)

    A depthwise layer does 9 multiplications per output and moves about
    two values per output, whatever its size or its batch:

    >>> dw = depthwise_conv2d_cost((32, 112, 112), 3, padding=1)
    >>> f"{float(multiplications_per_byte((32, 112, 112), dw)):.3f}"
    '1.125'
    >>> f"{float(multiplications_per_byte((32, 112, 112), dw, batch=32)):.3f}"
    '1.125'
    """
    moved = bytes_moved(input_shape, cost, bytes_per_value=bytes_per_value, batch=batch)
    return Fraction(int(batch) * cost.multiplications, moved)


# ====================================================================== roofline


@dataclass(frozen=True)
class Roofline:
    """The two roofs of a machine: its peak arithmetic and its bandwidth.

    Attributes
    ----------
    peak : float
        ``P``: multiplications per second, at most.
    bandwidth : float
        ``B``: bytes moved to or from memory per second, at most.

    Examples
    --------
    >>> roofline = Roofline(peak=1e11, bandwidth=2.5e10)
    >>> roofline.ridge_point
    4.0
    >>> roofline.speed(9 / 8) / roofline.peak  # a depthwise 3x3 step
    0.28125
    >>> roofline.speed(10.0) == roofline.peak
    True
    """

    peak: float
    bandwidth: float

    def __post_init__(self):
        for name in ("peak", "bandwidth"):
            value = check_real(getattr(self, name), name, positive=True)
            object.__setattr__(self, name, value)

    @property
    def ridge_point(self):
        """``P / B``: the intensity (multiplications per byte) where the roofs meet.

        Left of it a computation is memory-bound, right of it compute-bound.
        """
        return self.peak / self.bandwidth

    def speed(self, intensity):
        """``min(P, I * B)``: the fastest rate (multiplications per second)
        at which a computation of intensity ``I`` can run."""
        i = check_real(intensity, "intensity")
        if i < 0:
            fail("intensity", "a number >= 0", intensity)
        return min(self.peak, i * self.bandwidth)


def measure_roofline(*, copy_bytes=2**23, matmul_size=1024, repeat=9):
    """Measure the two roofs of this machine with :func:`best_seconds`.

    ``B`` comes from copying a float32 array of ``copy_bytes`` bytes (each byte
    read once and written once), ``P`` from the product of two float32
    ``matmul_size x matmul_size`` matrices (``matmul_size**3``
    multiplications), the operation standard and pointwise layers are made
    of. Both run on one thread (as :func:`best_seconds` times everything), so
    this is the roofline of one core; with the defaults the copied data fits
    in a large cache.

    Parameters
    ----------
    copy_bytes : int, keyword-only
        Size of the copied array, at least 4 (one float32); 8 MB by default.
    matmul_size : int, keyword-only
        Side of the multiplied square matrices, at least 1.
    repeat : int, keyword-only
        Rounds of :func:`best_seconds`, at least 1.

    Returns
    -------
    Roofline
        ``bandwidth = 2 * copy_bytes / time(copy)`` and
        ``peak = matmul_size**3 / time(product)``. Measured: it varies from
        machine to machine and from run to run.

    Examples
    --------
    >>> roofline = measure_roofline(copy_bytes=2**16, matmul_size=64, repeat=2)
    >>> roofline.peak > 0 and roofline.bandwidth > 0
    True
    """
    values = check_int(copy_bytes, "copy_bytes", minimum=4) // 4
    n = check_int(matmul_size, "matmul_size", minimum=1)
    rounds = check_int(repeat, "repeat", minimum=1)
    source = np.ones(values, dtype=np.float32)
    target = np.empty_like(source)
    matrix = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    times = best_seconds(
        {
            "copy": lambda: np.copyto(target, source),
            "matmul": lambda: matrix @ matrix,
        },
        repeat=rounds,
    )
    resolution = time.get_clock_info("perf_counter").resolution
    return Roofline(
        peak=n**3 / max(times["matmul"], resolution),
        bandwidth=2 * source.nbytes / max(times["copy"], resolution),
    )


def _check_roofline(roofline):
    if not isinstance(roofline, Roofline):
        fail(
            "roofline",
            "a Roofline (from measure_roofline or Roofline(peak, bandwidth))",
            roofline,
            error=TypeError,
        )
    return roofline


def _steps(value, name):
    """A Cost, or a non-empty sequence of them, as a tuple of steps."""
    if isinstance(value, Cost):
        return (value,)
    if (
        isinstance(value, Sequence)
        and value
        and all(isinstance(step, Cost) for step in value)
    ):
        return tuple(value)
    fail(name, "a Cost or a non-empty sequence of Cost records", value, error=TypeError)


def _roof_seconds(shape, steps, name, roofline, width):
    """Roof times of ``steps`` run in order, each on the previous one's output."""
    total = 0.0
    for index, step in enumerate(steps):
        where = name if len(steps) == 1 else f"{name}[{index}]"
        _check_follows(shape, step, where, "step")
        intensity = multiplications_per_byte(shape, step, bytes_per_value=width)
        if step.multiplications:
            total += step.multiplications / roofline.speed(float(intensity))
        shape = step.output_shape
    return total


def roof_seconds(input_shape, cost, roofline, *, bytes_per_value=4):
    """The fastest time the roofline allows for a layer, or a sequence of steps.

    Parameters
    ----------
    input_shape : tuple of int
        The input of the (first) step, (C, H, W) or (N, C, H, W).
    cost : Cost or sequence of Cost
        One layer's cost record, or the records of steps run one after the
        other (e.g. a depthwise and a pointwise step), each step reading the
        previous step's output. A record does not hold its input's shape, so
        only the number of dimensions and the batch of each step are checked.
    roofline : Roofline
        The machine's roofs, e.g. from :func:`measure_roofline`.
    bytes_per_value : int, keyword-only
        As in :func:`multiplications_per_byte`.

    Returns
    -------
    float
        Seconds: the sum over the steps of ``multiplications / min(P, I * B)``
        with ``I`` each step's :func:`multiplications_per_byte`; for each step
        this is the larger of ``multiplications / P`` (computing) and
        ``bytes / B`` (moving its input, weights and output once).

    Examples
    --------
    A depthwise 3x3 step (intensity 9/8) on a machine whose ridge point is 4
    is limited by the memory:

    >>> from sepconv.counting import depthwise_conv2d_cost
    >>> dw = depthwise_conv2d_cost((32, 112, 112), 3, padding=1)
    >>> roofline = Roofline(peak=1e11, bandwidth=2.5e10)
    >>> seconds = roof_seconds((32, 112, 112), dw, roofline)
    >>> f"{seconds * 1e6:.2f} µs, {dw.multiplications / roofline.peak * 1e6:.2f} µs"
    '128.50 µs, 36.13 µs'
    """
    shape = as_shape(input_shape, "input_shape", lengths=(3, 4))
    steps = _steps(cost, "cost")
    roofline = _check_roofline(roofline)
    width = check_int(bytes_per_value, "bytes_per_value", minimum=1)
    return _roof_seconds(shape, steps, "cost", roofline, width)


def roof_limit(input_shape, baseline, candidate, roofline, *, bytes_per_value=4):
    """The speedup of ``candidate`` over ``baseline`` if every step ran at its roof.

    Parameters
    ----------
    input_shape : tuple of int
        The input of both, (C, H, W) or (N, C, H, W).
    baseline, candidate : Cost or sequence of Cost
        As ``cost`` in :func:`roof_seconds`: e.g. a standard layer, and the
        depthwise and pointwise steps that replace it.
    roofline : Roofline
        The machine's roofs.
    bytes_per_value : int, keyword-only
        As in :func:`multiplications_per_byte`.

    Returns
    -------
    float
        ``roof_seconds(baseline) / roof_seconds(candidate)``. When every step
        is compute-bound this is the ratio of multiplications (the speedup the
        counts promise); a memory-bound step makes it smaller.

    Examples
    --------
    A MobileNetV1 layer, 56x56x128 -> 128, as a standard 3x3 layer and as its
    depthwise separable replacement (the counts promise 8.4 times):

    >>> from sepconv.counting import (
    ...     conv2d_cost, depthwise_conv2d_cost, pointwise_conv2d_cost)
    >>> shape = (128, 56, 56)
    >>> standard = conv2d_cost(shape, 128, 3, padding=1)
    >>> depthwise = depthwise_conv2d_cost(shape, 3, padding=1)
    >>> pointwise = pointwise_conv2d_cost(depthwise.output_shape, 128)
    >>> f"{float(standard.ratio_to(depthwise + pointwise)):.2f}"
    '8.41'
    >>> compute_bound = Roofline(peak=1e9, bandwidth=1e12)
    >>> f"{roof_limit(shape, standard, [depthwise, pointwise], compute_bound):.2f}"
    '8.41'
    >>> ridge_4 = Roofline(peak=1e11, bandwidth=2.5e10)
    >>> f"{roof_limit(shape, standard, [depthwise, pointwise], ridge_4):.2f}"
    '7.20'
    """
    shape = as_shape(input_shape, "input_shape", lengths=(3, 4))
    before = _steps(baseline, "baseline")
    after = _steps(candidate, "candidate")
    roofline = _check_roofline(roofline)
    width = check_int(bytes_per_value, "bytes_per_value", minimum=1)
    slow = _roof_seconds(shape, before, "baseline", roofline, width)
    fast = _roof_seconds(shape, after, "candidate", roofline, width)
    if fast == 0:
        fail("candidate", "steps with at least one multiplication", candidate)
    return slow / fast


# ====================================================================== artifacts


def checkerboard_energy(image, stride=2):
    """Share of an image's spectral energy at the frequencies of a stride grid.

    An upsampling layer with stride ``s`` that treats the ``s x s`` output
    positions of its grid unevenly prints a pattern of period ``s``: a
    checkerboard. Its energy sits at the frequencies ``(a/s, b/s)`` cycles
    per pixel (Nyquist, 1/2, for ``s = 2``). This is that energy over all
    the energy, the mean removed.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Real numbers; cropped at the bottom and right to a multiple of the
        stride, at least one stride in each direction.
    stride : int or (int, int)
        The grid's period ``s`` (at least 1); ``(s_h, s_w)`` per axis.

    Returns
    -------
    float
        In ``[0, 1]``: 0 when the grid leaves no trace (and for a constant
        image, which has no energy), 1 for a pure pattern of period ``s``
        such as ``(-1)**(i + j)`` with ``s = 2``.

    Notes
    -----
    With ``y`` the cropped image less its mean and ``Y`` its 2-D DFT of size
    ``H x W``, the result is ``sum |Y[a H/s_h, b W/s_w]|^2 / sum |Y|^2``
    over ``a < s_h, b < s_w``. By Parseval on the ``s_h x s_w`` grid this
    equals the spread between the means of the ``s_h s_w`` sub-images
    ``y[p::s_h, q::s_w]`` (their sum of squares, each weighted by its
    ``H W / (s_h s_w)`` pixels) over the total sum of squares of ``y``: how
    much of the image's variation is explained by the position within the
    grid.

    Examples
    --------
    >>> import numpy as np
    >>> checkerboard_energy((-1.0) ** np.add.outer(np.arange(8), np.arange(8)))
    1.0
    >>> checkerboard_energy(np.full((8, 8), 0.1))
    0.0
    """
    y = as_array(image, "image", ndim=2)
    s = as_pair(stride, "stride")
    h, w = (y.shape[0] // s[0]) * s[0], (y.shape[1] // s[1]) * s[1]
    if h == 0 or w == 0:
        fail("image", f"at least {s[0]}x{s[1]} pixels (one stride)", y)
    y = y[:h, :w].astype(np.float64)
    energy = np.abs(np.fft.fft2(y - y.mean())) ** 2
    total = float(energy.sum())
    if total <= 1e-24 * h * w * float(np.max(np.abs(y))) ** 2:
        return 0.0  # constant: no energy anywhere
    return float(energy[:: h // s[0], :: w // s[1]].sum() / total)
