"""Exact costs of every convolution, in closed form.

Each ``*_cost`` function takes shapes instead of arrays, and the layer's
sizes in the order the ``torch.nn`` constructors use, and returns a
:class:`Cost`. The textbook forms (``spatial_*``, ``*_layer_*``) give the
book's formulas as exact integers and fractions, and :func:`scan_positions`
lists the windows a kernel visits. The counted loops of
:mod:`sepconv.reference` are the second, independent route: the tests check
that what they count equals these closed forms.

Conventions
-----------
Multiplications
    One per kernel tap per output element, padded zeros included: a
    convolution whose output has ``n_out`` elements and whose kernel sees
    ``n = (C_in / groups) kh kw`` inputs per output element costs
    ``n_out * n`` multiplications (the textbook and MobileNet convention). A
    multiplication here is a multiply-add ("mult-add", "MAC"); a FLOP count
    that counts the multiply and the add separately is about twice as large.
Additions
    The additions of the sums, without bias: ``n - 1`` per output element
    (the first product starts the sum). A bias adds one more per output
    element, i.e. ``prod(output_shape)``; with a bias the accumulator starts
    at the bias and there are exactly as many additions as multiplications.
Parameters
    ``parameters`` counts weights only, as the MobileNet paper does;
    ``parameters_with_bias`` adds one bias per output channel of the layer.
    A depthwise separable layer has one bias, after its pointwise step (as
    Keras' ``SeparableConv2D``); two separate layers (two ``nn.Conv2d``)
    have two, which is what adding their costs with ``+`` gives.
Shapes
    ``input_shape`` is ``(C, H, W)`` or ``(N, C, H, W)`` (costs are then per
    batch); ``output_shape`` has the same layout. Padding is an int, a pair
    ``(ph, pw)`` (zeros on each side), ``"valid"`` or ``"same"``, as in
    :mod:`sepconv.core`.
Passes
    A spatial separable filter runs a column pass (the ``kh x 1`` kernel down
    the image rows, with the vertical stride and padding: an intermediate of
    ``H_out x W``) and then a row pass (``1 x kw``, horizontal stride and
    padding). A depthwise separable layer runs a depthwise step and then a
    pointwise step. ``cost.passes`` maps each pass's name to its
    :class:`Cost`; the passes add up to the total.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from ._validation import (
    as_pair,
    as_shape,
    check_groups,
    check_int,
    fail,
    resolve_geometry,
)
from .core import transposed_output_size

__all__ = [
    "LAYER_TYPES",
    "Cost",
    "Window",
    "conv2d_backward_cost",
    "conv2d_cost",
    "conv_transpose2d_by_zero_insertion_cost",
    "conv_transpose2d_cost",
    "correlate2d_cost",
    "depthwise_conv2d_cost",
    "depthwise_separable_conv2d_cost",
    "flattened_conv2d_cost",
    "layer_costs",
    "low_rank_correlate2d_cost",
    "pointwise_conv2d_cost",
    "scan_positions",
    "separable_correlate2d_cost",
    "separable_layer_cost",
    "separable_layer_ratio",
    "separable_scan_positions",
    "spatial_cost_ratio",
    "spatial_cost_ratio_limit",
    "spatial_full_cost",
    "spatial_separable_cost",
    "standard_layer_cost",
    "zero_insertion_waste",
]


# ====================================================================== records


class _FrozenMapping(Mapping):
    """A small read-only, picklable mapping (name -> pass record)."""

    __slots__ = ("_data",)

    def __init__(self, items=()):
        self._data = dict(items)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __repr__(self):
        return repr(self._data)

    def __reduce__(self):
        return (type(self), (tuple(self._data.items()),))


@dataclass(frozen=True)
class Cost:
    """The cost of one convolution (or a sequence of them).

    Attributes
    ----------
    multiplications : int
        Scalar multiplications (= mult-adds), padded zeros included.
    additions : int
        Additions of the sums, without bias (``n - 1`` per output element).
    parameters : int
        Weights only.
    parameters_with_bias : int
        Weights and biases.
    output_shape : tuple of int
        ``(C, H, W)`` (or ``(N, C, H, W)``; ``(H, W)`` for 2-D filters).
    passes : Mapping[str, Cost]
        The cost of each pass of a multi-pass operation, in order (empty for
        a single pass). Not part of equality: two costs are equal when their
        five numbers are.

    Notes
    -----
    ``a + b`` is the cost of running ``a`` and then ``b``: every count adds,
    and the output shape is ``b``'s. ``sum(costs)`` works too. The sum has
    no passes. :meth:`ratio_to` gives exact ratios of multiplications.

    Examples
    --------
    >>> cost = depthwise_separable_conv2d_cost((3, 7, 7), 128, 3)
    >>> cost.multiplications, cost.parameters, cost.output_shape
    (10275, 411, (128, 5, 5))
    >>> print(cost)
               multiplications  additions  parameters  with bias  output
    total               10,275      7,000         411        539  128x5x5
      depthwise            675        600          27         27  3x5x5
      pointwise          9,600      6,400         384        512  128x5x5
    >>> cost.passes["depthwise"].multiplications
    675
    """

    multiplications: int
    additions: int
    parameters: int
    parameters_with_bias: int
    output_shape: tuple[int, ...]
    passes: Mapping[str, Cost] = field(
        default_factory=_FrozenMapping, compare=False, repr=False
    )

    def __post_init__(self):
        counts = ("multiplications", "additions", "parameters", "parameters_with_bias")
        for name in counts:
            value = check_int(getattr(self, name), name, minimum=0)
            object.__setattr__(self, name, value)
        shape = as_shape(self.output_shape, "output_shape", lengths=(1, 2, 3, 4))
        object.__setattr__(self, "output_shape", shape)
        passes = _FrozenMapping(dict(self.passes))
        for key, value in passes.items():
            if not isinstance(key, str) or not isinstance(value, Cost):
                fail("passes", "a mapping of names to Cost records", self.passes)
        object.__setattr__(self, "passes", passes)

    def __add__(self, other):
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(
            self.multiplications + other.multiplications,
            self.additions + other.additions,
            self.parameters + other.parameters,
            self.parameters_with_bias + other.parameters_with_bias,
            other.output_shape,
        )

    def __radd__(self, other):
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self  # so that sum(costs) works
        return NotImplemented

    def ratio_to(self, other):
        """Multiplications of this cost over those of ``other``, exactly.

        Examples
        --------
        >>> standard = conv2d_cost((3, 7, 7), 128, 3)
        >>> separable = depthwise_separable_conv2d_cost((3, 7, 7), 128, 3)
        >>> separable.ratio_to(standard)
        Fraction(137, 1152)
        >>> f"{float(separable.ratio_to(standard)):.1%}"
        '11.9%'
        """
        if not isinstance(other, Cost):
            fail("other", "a Cost", other, error=TypeError)
        if other.multiplications == 0:
            fail("other", "a Cost with at least one multiplication", other)
        return Fraction(self.multiplications, other.multiplications)

    def __str__(self):
        """A table: one row for this cost, one more per pass (if any)."""
        header = ("multiplications", "additions", "parameters", "with bias", "output")
        rows = [("total", self)] + [(f"  {n}", c) for n, c in self.passes.items()]
        table = [("", *header)] + [
            (
                label,
                f"{c.multiplications:,}",
                f"{c.additions:,}",
                f"{c.parameters:,}",
                f"{c.parameters_with_bias:,}",
                "x".join(str(n) for n in c.output_shape),
            )
            for label, c in rows
        ]
        # Numbers right-aligned; the label (if any) and the shape left-aligned.
        align = [str.ljust, str.rjust, str.rjust, str.rjust, str.rjust, str.ljust]
        if not self.passes:  # one row: no label column
            table = [row[1:] for row in table]
            align = align[1:]
        widths = [max(map(len, column)) for column in zip(*table, strict=True)]
        lines = [
            "  ".join(a(cell, w) for a, cell, w in zip(align, row, widths, strict=True))
            for row in table
        ]
        return "\n".join(line.rstrip() for line in lines)


@dataclass(frozen=True)
class Window:
    """One position of a kernel during a scan.

    Attributes
    ----------
    output_index : tuple of int
        ``(i, j)``: the output element this window computes.
    taps : tuple of (int, int)
        Input coordinates ``(row, col)`` of every kernel tap, in row-major
        order over the kernel (tap ``(u, v)`` is at
        ``(i*sh - top + u*dh, j*sw - left + v*dw)``). Coordinates outside the
        input (negative, or past the end) are in the zero padding.
    inside : tuple of bool
        For each tap, whether it falls in the input (False: padding).
    """

    output_index: tuple[int, int]
    taps: tuple[tuple[int, int], ...]
    inside: tuple[bool, ...]

    @property
    def top_left(self):
        """Input coordinates of the first tap (may lie in the padding)."""
        return self.taps[0]


# ====================================================================== shapes


def _layer(input_shape, out_channels, groups=1):
    """``(batch or None, C, H, W, C_out, groups)``, validated.

    ``input_shape`` is (C, H, W) or (N, C, H, W).
    """
    shape = as_shape(input_shape, "input_shape", lengths=(3, 4))
    batch, c_in, h, w = (None, *shape) if len(shape) == 3 else shape
    c_out = check_int(out_channels, "out_channels", minimum=1)
    g = check_groups(
        groups, ("in_channels (input_shape[-3])", c_in), ("out_channels", c_out)
    )
    return batch, c_in, h, w, c_out, g


def _with_batch(batch, shape):
    return shape if batch is None else (batch, *shape)


def _output_hw(in_hw, k, s, d, pads):
    """Output (h, w) of a ``k`` kernel on ``in_hw`` with per-side ``pads``."""
    return (
        (in_hw[0] + pads[0] + pads[1] - d[0] * (k[0] - 1) - 1) // s[0] + 1,
        (in_hw[1] + pads[2] + pads[3] - d[1] * (k[1] - 1) - 1) // s[1] + 1,
    )


def _geometry(in_hw, kernel_size, stride, padding, dilation, name="kernel_size"):
    """Validated kernel, stride, dilation, per-side pads and output (h, w)."""
    k = as_pair(kernel_size, name)
    s, pads, d = resolve_geometry(stride, padding, dilation, k, in_hw, name=name)
    return k, s, d, pads, _output_hw(in_hw, k, s, d, pads)


def _sum_cost(outputs, taps, params, bias, shape):
    """Cost of ``outputs`` sums of ``taps`` products each."""
    return Cost(outputs * taps, outputs * (taps - 1), params, params + bias, shape)


def _chain(passes):
    """The passes (name -> Cost, in order) run one after the other, as one Cost."""
    return dataclasses.replace(sum(passes.values()), passes=passes)


# ====================================================================== closed forms


def correlate2d_cost(image_shape, kernel_shape, *, stride=1, padding=0, dilation=1):
    """Cost of a single-channel 2-D cross-correlation (``core.correlate2d``).

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)``.
    kernel_shape : int or tuple of int
        The kernel size ``(kh, kw)``; an int for a square kernel. (Everywhere
        else the package calls it ``kernel_size``; this published signature
        keeps its name.)
    stride, padding, dilation : keyword-only
        As in :mod:`sepconv.core` (padding also ``"valid"`` or ``"same"``).

    Returns
    -------
    Cost
        ``H_out W_out kh kw`` multiplications (padded zeros included),
        ``H_out W_out (kh kw - 1)`` additions, ``kh kw`` parameters (one more
        with a bias), output ``(H_out, W_out)``.

    Examples
    --------
    A 3x3 kernel on a 5x5 image stops at 9 positions, 9 products each:

    >>> cost = correlate2d_cost((5, 5), 3)
    >>> cost.output_shape, cost.multiplications
    ((3, 3), 81)
    >>> correlate2d_cost((5, 5), (3, 3), padding="same").multiplications
    225
    """
    hw = as_shape(image_shape, "image_shape", lengths=2)
    k, _, _, _, out = _geometry(
        hw, kernel_shape, stride, padding, dilation, name="kernel_shape"
    )
    taps = k[0] * k[1]
    return _sum_cost(out[0] * out[1], taps, taps, 1, out)


def separable_correlate2d_cost(image_shape, kernel_size, *, stride=1, padding=0):
    """Cost of a separable 2-D filter: a column pass, then a row pass.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)``.
    kernel_size : int or tuple of int
        ``(kh, kw)``: the column factor has ``kh`` taps, the row factor ``kw``.
    stride, padding : keyword-only
        As in ``core.separable_correlate2d``: the column pass uses the
        vertical stride and padding, the row pass the horizontal ones.

    Returns
    -------
    Cost
        The total, with ``passes["column"]`` (``kh x 1`` kernel on the image,
        giving ``H_out x W``) and ``passes["row"]`` (``1 x kw`` kernel on that
        intermediate, giving ``H_out x W_out``). Multiplications
        ``H_out W kh + H_out W_out kw``; parameters ``kh + kw`` (one bias,
        after the row pass).

    Examples
    --------
    The book's 5x5 example: 15 positions of the 3x1 kernel (a 3x5
    intermediate, rows x columns), then 9 of the 1x3 kernel:

    >>> cost = separable_correlate2d_cost((5, 5), 3)
    >>> column, row = cost.passes["column"], cost.passes["row"]
    >>> column.output_shape, column.multiplications
    ((3, 5), 45)
    >>> row.output_shape, row.multiplications
    ((3, 3), 27)
    >>> cost.multiplications
    72
    """
    hw = as_shape(image_shape, "image_shape", lengths=2)
    k, _, _, _, out = _geometry(hw, kernel_size, stride, padding, 1)
    column = _sum_cost(out[0] * hw[1], k[0], k[0], 0, (out[0], hw[1]))
    row = _sum_cost(out[0] * out[1], k[1], k[1], 1, out)
    return _chain({"column": column, "row": row})


def low_rank_correlate2d_cost(image_shape, kernel_size, rank, *, stride=1, padding=0):
    """Cost of filtering with a rank-``r`` kernel as ``r`` separable filters.

    Parameters
    ----------
    image_shape, kernel_size, stride, padding
        As in :func:`separable_correlate2d_cost`.
    rank : int
        Number of separable terms ``r`` (e.g. from ``low_rank_factors``).

    Returns
    -------
    Cost
        ``passes["separable_terms"]``: ``r`` separable filters;
        ``passes["sum"]``: ``(r - 1) H_out W_out`` additions to add their
        outputs (and the single bias). With ``r = 1`` this is
        :func:`separable_correlate2d_cost`.

    Examples
    --------
    The Laplacian is a sum of two separable 3x3 kernels:

    >>> low_rank_correlate2d_cost((5, 5), 3, 2).multiplications
    144
    >>> correlate2d_cost((5, 5), 3).multiplications
    81
    """
    r = check_int(rank, "rank", minimum=1)
    one = separable_correlate2d_cost(
        image_shape, kernel_size, stride=stride, padding=padding
    )
    outputs = math.prod(one.output_shape)
    terms = Cost(
        r * one.multiplications,
        r * one.additions,
        r * one.parameters,
        r * one.parameters,
        one.output_shape,
    )
    combine = Cost(0, (r - 1) * outputs, 0, 1, one.output_shape)
    return _chain({"separable_terms": terms, "sum": combine})


def conv2d_cost(
    input_shape, out_channels, kernel_size, *, stride=1, padding=0, dilation=1, groups=1
):
    """Cost of a standard (possibly grouped) convolution, ``core.conv2d``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` or ``(N, C, H, W)``.
    out_channels : int
        ``C_out``.
    kernel_size : int or tuple of int
        ``(kh, kw)``.
    stride, padding, dilation, groups : keyword-only
        As in ``torch.nn.Conv2d``; ``C`` and ``C_out`` must be divisible by
        ``groups``.

    Returns
    -------
    Cost
        ``C_out H_out W_out (C/groups) kh kw`` multiplications (every tap at
        every output position, products with padded zeros included);
        ``C_out H_out W_out ((C/groups) kh kw - 1)`` additions;
        ``C_out (C/groups) kh kw`` parameters, plus ``C_out`` biases.

    Notes
    -----
    With ``groups = C`` this is a depthwise convolution, with a 1x1 kernel a
    pointwise one. Grouping divides parameters and multiplications by
    ``groups``.

    Examples
    --------
    The book's layer: 7x7x3 input, 128 filters of 3x3x3, no padding:

    >>> cost = conv2d_cost((3, 7, 7), 128, 3)
    >>> cost.output_shape, cost.multiplications
    ((128, 5, 5), 86400)
    >>> conv2d_cost((3, 7, 7), 32, 3).parameters
    864
    >>> conv2d_cost((4, 7, 7), 8, 3, groups=2).multiplications
    3600
    """
    batch, c_in, h, w, c_out, g = _layer(input_shape, out_channels, groups)
    k, _, _, _, out = _geometry((h, w), kernel_size, stride, padding, dilation)
    taps = (c_in // g) * k[0] * k[1]
    outputs = (batch or 1) * c_out * out[0] * out[1]
    shape = _with_batch(batch, (c_out, *out))
    return _sum_cost(outputs, taps, c_out * taps, c_out, shape)


def conv2d_backward_cost(
    input_shape, out_channels, kernel_size, *, stride=1, padding=0, dilation=1, groups=1
):
    """Cost of the backward pass of ``core.conv2d`` (:mod:`sepconv.grad`).

    Parameters
    ----------
    input_shape, out_channels, kernel_size, stride, padding, dilation, groups
        The layer's, as in :func:`conv2d_cost`.

    Returns
    -------
    Cost
        The total, with ``passes["input"]`` (:func:`sepconv.grad.conv2d_input`,
        output shaped like the input) and ``passes["weight"]``
        (:func:`sepconv.grad.conv2d_weight`, output shaped like the weight).
        Each pass does exactly the forward pass's multiplications: every
        forward product ``x * w`` has one partner ``g * w`` in the input
        gradient and one ``g * x`` in the weight gradient (``g`` the output
        gradient). Additions: each weight gradient sums ``N oh ow`` products;
        the input gradient is the transposed convolution of ``g`` and adds
        every product into the padded input except the first to arrive at
        each position (see :func:`conv_transpose2d_cost`). No parameters (a
        gradient has none of its own); no bias gradient.

    Notes
    -----
    A training step (forward, then both gradients) therefore costs three
    forward passes, and a layer that is cheaper forward is cheaper to train
    by the same factor.

    Examples
    --------
    >>> forward = conv2d_cost((3, 7, 7), 128, 3)
    >>> backward = conv2d_backward_cost((3, 7, 7), 128, 3)
    >>> [p.multiplications for p in backward.passes.values()]
    [86400, 86400]
    >>> (forward + backward).ratio_to(forward)
    Fraction(3, 1)
    >>> backward.passes["weight"].output_shape
    (128, 3, 3, 3)
    """
    layer = {"stride": stride, "padding": padding, "dilation": dilation}
    forward = conv2d_cost(
        input_shape, out_channels, kernel_size, groups=groups, **layer
    )
    batch, c_in, _, _, c_out, g = _layer(input_shape, out_channels, groups)
    k = as_pair(kernel_size, "kernel_size")
    s, d = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    oh, ow = forward.output_shape[-2:]
    mults = forward.multiplications
    reached = _touched(oh, k[0], s[0], d[0]) * _touched(ow, k[1], s[1], d[1])
    input_pass = Cost(
        mults, mults - (batch or 1) * c_in * reached, 0, 0, tuple(input_shape)
    )
    weight_shape = (c_out, c_in // g, *k)
    weights = forward.parameters
    weight_pass = Cost(mults, mults - weights, 0, 0, weight_shape)
    return _chain({"input": input_pass, "weight": weight_pass})


def depthwise_conv2d_cost(
    input_shape, kernel_size, *, multiplier=1, stride=1, padding=0, dilation=1
):
    """Cost of a depthwise convolution, ``core.depthwise_conv2d``.

    Parameters
    ----------
    input_shape, kernel_size, stride, padding, dilation
        As in :func:`conv2d_cost`.
    multiplier : int, keyword-only
        Depth multiplier: ``C * multiplier`` output channels.

    Returns
    -------
    Cost
        ``conv2d_cost(input_shape, C * multiplier, kernel_size, groups=C)``:
        ``C m H_out W_out kh kw`` multiplications, ``C m kh kw`` parameters
        (plus ``C m`` biases).

    Examples
    --------
    The depthwise step of the book's example: 3 kernels of 3x3 on 7x7x3:

    >>> cost = depthwise_conv2d_cost((3, 7, 7), 3)
    >>> cost.output_shape, cost.multiplications, cost.parameters
    ((3, 5, 5), 675, 27)
    """
    c_in = _layer(input_shape, 1)[1]
    m = check_int(multiplier, "multiplier", minimum=1)
    layer = {"stride": stride, "padding": padding, "dilation": dilation}
    return conv2d_cost(input_shape, c_in * m, kernel_size, groups=c_in, **layer)


def pointwise_conv2d_cost(input_shape, out_channels, *, groups=1):
    """Cost of a pointwise (1x1) convolution, ``core.pointwise_conv2d``.

    Parameters
    ----------
    input_shape, out_channels
        As in :func:`conv2d_cost`.
    groups : int, keyword-only
        Pointwise grouped convolution (ShuffleNet): each output channel sees
        ``C / groups`` input channels.

    Returns
    -------
    Cost
        ``C_out H W C / groups`` multiplications; ``C_out C / groups``
        parameters (plus ``C_out`` biases).

    Examples
    --------
    The pointwise step of the book's example: 128 filters of 1x1x3 on 5x5x3:

    >>> cost = pointwise_conv2d_cost((3, 5, 5), 128)
    >>> cost.multiplications, cost.parameters
    (9600, 384)
    >>> pointwise_conv2d_cost((8, 5, 5), 16, groups=4).multiplications
    800
    """
    return conv2d_cost(input_shape, out_channels, 1, groups=groups)


def depthwise_separable_conv2d_cost(
    input_shape, out_channels, kernel_size, *, multiplier=1, stride=1, padding=0,
    dilation=1,
):  # fmt: skip
    """Cost of a depthwise separable layer: depthwise, then pointwise.

    Parameters
    ----------
    input_shape, out_channels
        As in :func:`conv2d_cost`; ``C_out`` of the pointwise step.
    kernel_size, multiplier, stride, padding, dilation
        Of the depthwise step (:func:`depthwise_conv2d_cost`).

    Returns
    -------
    Cost
        The total, with ``passes["depthwise"]`` and ``passes["pointwise"]``.
        One bias, after the pointwise step (Keras' ``SeparableConv2D``):
        ``parameters_with_bias = parameters + C_out``. Multiplications
        ``C m H_out W_out (kh kw + C_out)``.

    Examples
    --------
    >>> cost = depthwise_separable_conv2d_cost((3, 7, 7), 128, 3)
    >>> [p.multiplications for p in cost.passes.values()], cost.multiplications
    ([675, 9600], 10275)

    Parameters for in=3, out=32, k=3: 27 + 96 = 123 (864 for a standard
    layer); with the one bias, 155 (896):

    >>> cost = depthwise_separable_conv2d_cost((3, 7, 7), 32, 3)
    >>> cost.parameters, cost.parameters_with_bias
    (123, 155)
    """
    layer = {"stride": stride, "padding": padding, "dilation": dilation}
    depthwise = depthwise_conv2d_cost(
        input_shape, kernel_size, multiplier=multiplier, **layer
    )
    depthwise = dataclasses.replace(
        depthwise, parameters_with_bias=depthwise.parameters
    )
    pointwise = pointwise_conv2d_cost(depthwise.output_shape, out_channels)
    return _chain({"depthwise": depthwise, "pointwise": pointwise})


def _touched(size, kernel, stride, dilation):
    """Distinct positions ``a*stride + u*dilation`` (``a < size``, ``u < kernel``).

    Closed form: with ``g = gcd(stride, dilation)`` the positions are ``g``
    times ``a s' + u d'`` (``s' = s/g``, ``d' = d/g`` coprime). Two pairs
    collide exactly when they differ by ``(d', -s')``, so the pairs form
    chains and the count is ``size*kernel`` minus the number of links,
    ``max(0, size - d') * max(0, kernel - s')``.
    """
    g = math.gcd(stride, dilation)
    links = max(0, size - dilation // g) * max(0, kernel - stride // g)
    return size * kernel - links


def conv_transpose2d_cost(
    input_shape, out_channels, kernel_size, *, stride=1, padding=0, output_padding=0,
    dilation=1, groups=1,
):  # fmt: skip
    """Cost of a transposed convolution, ``core.conv_transpose2d``.

    Parameters
    ----------
    input_shape, out_channels, kernel_size
        As in :func:`conv2d_cost`.
    stride, padding, output_padding, dilation, groups : keyword-only
        As in ``torch.nn.ConvTranspose2d`` (``padding`` is an int or a pair).

    Returns
    -------
    Cost
        Output ``(C_out, H_out, W_out)`` with
        ``H_out = (H - 1) s - 2p + d (kh - 1) + output_padding + 1``.
        Multiplications ``C H W (C_out/groups) kh kw``: every input element
        times every tap of its kernels (products that land in the cropped
        ``padding`` border included). When ``output_padding < stride`` this
        equals the cost of the :func:`conv2d_cost` it is the transpose of
        (from the output shape back to the input shape), as for any linear map
        and its adjoint.
        Additions: each product is added into the uncropped output unless it
        is the first to arrive there, i.e. multiplications minus
        ``C_out T_h T_w`` (``T`` = positions reached along each axis, in closed
        form). Parameters ``C (C_out/groups) kh kw`` (plus ``C_out``).

    Examples
    --------
    >>> cost = conv_transpose2d_cost((1, 3, 3), 1, 3)
    >>> cost.output_shape, cost.multiplications, cost.additions
    ((1, 5, 5), 81, 56)
    >>> conv2d_cost((1, 5, 5), 1, 3).multiplications
    81
    """
    batch, c_in, h, w, c_out, g = _layer(input_shape, out_channels, groups)
    k = as_pair(kernel_size, "kernel_size")
    s = as_pair(stride, "stride")
    p = as_pair(padding, "padding", minimum=0)
    op = as_pair(output_padding, "output_padding", minimum=0)
    d = as_pair(dilation, "dilation")
    out = tuple(
        transposed_output_size(
            n, k[a], stride=s[a], padding=p[a], output_padding=op[a], dilation=d[a]
        )
        for a, n in enumerate((h, w))
    )
    n = batch or 1
    multiplications = n * c_in * h * w * (c_out // g) * k[0] * k[1]
    reached = _touched(h, k[0], s[0], d[0]) * _touched(w, k[1], s[1], d[1])
    weights = c_in * (c_out // g) * k[0] * k[1]
    return Cost(
        multiplications,
        multiplications - n * c_out * reached,
        weights,
        weights + c_out,
        _with_batch(batch, (c_out, *out)),
    )


def conv_transpose2d_by_zero_insertion_cost(
    input_shape, out_channels, kernel_size, *, stride=1, padding=0, output_padding=0,
    dilation=1, groups=1,
):  # fmt: skip
    """Cost of ``core.conv_transpose2d_by_zero_insertion``, zeros included.

    It takes the parameters of :func:`conv_transpose2d_cost`, the cost of the
    same operation computed by scattering.

    Returns
    -------
    Cost
        The cost of the stride-1 :func:`conv2d_cost` over the zero-inserted,
        padded input: ``C_out H_out W_out (C/groups) kh kw`` multiplications,
        every tap at every output pixel, the inserted and padded zeros
        included; output and parameters as :func:`conv_transpose2d_cost`.
        :func:`zero_insertion_waste` counts the products with a zero.

    Examples
    --------
    A 3x3 input, 3x3 kernel, stride 2: 49 outputs of 9 products each,
    against 81 products when each input pixel scatters its kernel.

    >>> cost = conv_transpose2d_by_zero_insertion_cost((1, 3, 3), 1, 3, stride=2)
    >>> cost.output_shape, cost.multiplications, cost.parameters
    ((1, 7, 7), 441, 9)
    >>> conv_transpose2d_cost((1, 3, 3), 1, 3, stride=2).multiplications
    81
    """
    scatter = conv_transpose2d_cost(
        input_shape, out_channels, kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation, groups=groups,
    )  # fmt: skip
    shape = as_shape(input_shape, "input_shape", lengths=(3, 4))
    k = as_pair(kernel_size, "kernel_size")
    taps = shape[-3] // groups * k[0] * k[1]
    outputs = math.prod(scatter.output_shape)
    return _sum_cost(
        outputs, taps, scatter.parameters,
        scatter.parameters_with_bias - scatter.parameters, scatter.output_shape,
    )  # fmt: skip


def _landed(size, kernel, stride, dilation, padding, out):
    """Pairs (input ``a``, tap ``u``) whose product lands inside the output.

    The scatter puts ``x[a] w[u]`` at ``a*stride + u*dilation - padding``,
    which must lie in ``[0, out)``: for each tap, the ``a`` between two
    bounds. Without padding every one of the ``size * kernel`` pairs lands.
    """
    landed = 0
    for u in range(kernel):
        low = max(0, -((u * dilation - padding) // stride))  # ceil, at least 0
        high = min(size - 1, (padding + out - 1 - u * dilation) // stride)
        landed += max(0, high - low + 1)
    return landed


def zero_insertion_waste(input_shape, out_channels, kernel_size, **geometry):
    """Products with a zero in ``core.conv_transpose2d_by_zero_insertion``.

    Parameters
    ----------
    input_shape, out_channels, kernel_size, **geometry
        What :func:`conv_transpose2d_by_zero_insertion_cost` takes: the
        geometry is ``stride``, ``padding``, ``output_padding``, ``dilation``
        and ``groups``, keyword-only.

    Returns
    -------
    int
        Multiplications by an inserted or padded zero (batch included):
        the zero-insertion view's multiplications minus those that meet an
        input pixel,
        ``C_out (C/groups) (kh kw H_out W_out - L_h L_w)``.

    Notes
    -----
    ``L`` counts, along one axis, the pairs of input pixel and kernel tap
    whose product the scatter view (:func:`conv_transpose2d_cost`) places
    inside the output: ``i k`` without padding, so that then the waste is
    ``C_out (C/groups) kh kw (H_out W_out - H W)`` (Dumoulin and Visin's
    zero-insertion view does ``H_out W_out / (H W)`` times the scatter's
    work, about ``s^2``). Padding ``p`` crops the products that land in
    the border; ``L`` then sums, over the taps, the inputs whose product
    stays in.

    Examples
    --------
    >>> zero_insertion_waste((1, 3, 3), 1, 3, stride=2)
    360
    >>> 9 * (7 * 7 - 3 * 3)
    360
    """
    cost = conv_transpose2d_by_zero_insertion_cost(
        input_shape, out_channels, kernel_size, **geometry
    )
    shape = as_shape(input_shape, "input_shape", lengths=(3, 4))
    batch, c_in, h, w = (1, *shape) if len(shape) == 3 else shape
    k = as_pair(kernel_size, "kernel_size")
    s, d = (as_pair(geometry.get(name, 1), name) for name in ("stride", "dilation"))
    p = as_pair(geometry.get("padding", 0), "padding", minimum=0)
    groups = geometry.get("groups", 1)
    out = cost.output_shape[-2:]
    landed = _landed(h, k[0], s[0], d[0], p[0], out[0]) * _landed(
        w, k[1], s[1], d[1], p[1], out[1]
    )
    c_out = cost.output_shape[-3]
    return cost.multiplications - batch * c_out * (c_in // groups) * landed


def flattened_conv2d_cost(input_shape, out_channels, kernel_size, *, padding=0):
    """Cost of a flattened convolution: lateral, vertical, horizontal 1-D filters.

    Parameters
    ----------
    input_shape, out_channels
        As in :func:`conv2d_cost`.
    kernel_size : int or tuple of int
        ``(kh, kw)``: lengths of the vertical and horizontal filters.
    padding : keyword-only
        Zero padding (the vertical pass pads rows, the horizontal pass pads
        columns); stride 1.

    Returns
    -------
    Cost
        ``passes["lateral"]``: a 1x1 convolution ``C -> C_out`` on
        ``H x W`` (``C_out C H W`` multiplications); ``passes["vertical"]``: a
        ``kh x 1`` filter per channel (``C_out H_out W kh``);
        ``passes["horizontal"]``: a ``1 x kw`` filter per channel
        (``C_out H_out W_out kw``). Parameters ``C_out (C + kh + kw)``, one bias
        per output channel after the last pass.

    Examples
    --------
    >>> cost = flattened_conv2d_cost((3, 7, 7), 128, 3)
    >>> [p.multiplications for p in cost.passes.values()]
    [18816, 13440, 9600]
    >>> cost.parameters, conv2d_cost((3, 7, 7), 128, 3).parameters
    (1152, 3456)
    """
    batch, c_in, h, w, c_out, _ = _layer(input_shape, out_channels)
    k, _, _, _, out = _geometry((h, w), kernel_size, 1, padding, 1)
    n = batch or 1
    lateral = _sum_cost(
        n * c_out * h * w, c_in, c_out * c_in, 0, _with_batch(batch, (c_out, h, w))
    )
    vertical = _sum_cost(
        n * c_out * out[0] * w, k[0], c_out * k[0], 0,
        _with_batch(batch, (c_out, out[0], w)),
    )  # fmt: skip
    horizontal = _sum_cost(
        n * c_out * out[0] * out[1], k[1], c_out * k[1], c_out,
        _with_batch(batch, (c_out, *out)),
    )  # fmt: skip
    return _chain({"lateral": lateral, "vertical": vertical, "horizontal": horizontal})


LAYER_TYPES = (
    "standard",
    "depthwise separable",
    "flattened",
    "grouped",
    "shuffled grouped",
    "pointwise grouped",
    "dilated",
    "transposed",
)


def layer_costs(input_shape, out_channels, kernel_size, *, groups, scale=2):
    """The cost of every layer type of the book on one input (chapter 7's table).

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` or ``(N, C, H, W)``.
    out_channels : int
    kernel_size : int
        Odd: every layer keeps the image size (padding ``(k - 1) / 2``, and
        ``scale`` times that for the dilated layer), except the transposed
        one, which upsamples.
    groups : int, keyword-only
        For the grouped, shuffled grouped and pointwise grouped layers.
    scale : int, keyword-only
        The dilation of the dilated layer, and the stride (upsampling factor)
        of the transposed one.

    Returns
    -------
    dict
        :class:`Cost` by name, in the order of :data:`LAYER_TYPES`. The
        shuffled grouped layer costs what the grouped one does: the shuffle
        multiplies nothing.

    Examples
    --------
    >>> costs = layer_costs((32, 16, 16), 64, 3, groups=4)
    >>> {name: c.parameters for name, c in costs.items()}
    {'standard': 18432, 'depthwise separable': 2336, 'flattened': 2432,
     'grouped': 4608, 'shuffled grouped': 4608, 'pointwise grouped': 512,
     'dilated': 18432, 'transposed': 18432}
    """
    k = check_int(kernel_size, "kernel_size", minimum=1)
    if k % 2 == 0:
        fail("kernel_size", "an odd size (so that the layers keep the image size)", k)
    d = check_int(scale, "scale", minimum=1)
    pad = (k - 1) // 2
    grouped = conv2d_cost(input_shape, out_channels, k, padding=pad, groups=groups)
    return {
        "standard": conv2d_cost(input_shape, out_channels, k, padding=pad),
        "depthwise separable": depthwise_separable_conv2d_cost(
            input_shape, out_channels, k, padding=pad
        ),
        "flattened": flattened_conv2d_cost(input_shape, out_channels, k, padding=pad),
        "grouped": grouped,
        "shuffled grouped": grouped,
        "pointwise grouped": pointwise_conv2d_cost(
            input_shape, out_channels, groups=groups
        ),
        "dilated": conv2d_cost(
            input_shape, out_channels, k, padding=d * pad, dilation=d
        ),
        "transposed": conv_transpose2d_cost(
            input_shape, out_channels, k, stride=d, padding=pad, output_padding=d - 1
        ),
    }


# ====================================================================== textbook forms


def _textbook_sizes(image_size, kernel_size, image_name="image_size"):
    n = check_int(image_size, image_name, minimum=1)
    m = check_int(kernel_size, "kernel_size", minimum=1)
    if m > n:
        fail("kernel_size", f"at most {image_name}={n}", kernel_size)
    return n, m


def _textbook_layer(height, width, depth, kernel_size, filters):
    """``(h, D, Nc, (H - h + 1)(W - h + 1))``, validated."""
    hh, h = _textbook_sizes(height, kernel_size, "height")
    ww, _ = _textbook_sizes(width, kernel_size, "width")
    d = check_int(depth, "depth", minimum=1)
    nc = check_int(filters, "filters", minimum=1)
    return h, d, nc, (hh - h + 1) * (ww - h + 1)


def spatial_full_cost(image_size, kernel_size):
    """Multiplications of a full ``m x m`` filter on an ``N x N`` image.

    Stride 1, no padding: ``(N - m + 1)**2 m**2``.

    Parameters
    ----------
    image_size : int
        ``N``.
    kernel_size : int
        ``m <= N``.

    Returns
    -------
    int

    Examples
    --------
    >>> spatial_full_cost(5, 3)
    81
    """
    n, m = _textbook_sizes(image_size, kernel_size)
    return (n - m + 1) ** 2 * m**2


def spatial_separable_cost(image_size, kernel_size):
    """Multiplications of a separable ``m x m`` filter on an ``N x N`` image.

    Stride 1, no padding: the column pass ``N (N - m + 1) m`` plus the row pass
    ``(N - m + 1)**2 m``.

    Parameters
    ----------
    image_size : int
        ``N``.
    kernel_size : int
        ``m <= N``.

    Returns
    -------
    int

    Notes
    -----
    The often-quoted form ``N (N - 2) 3 + (N - 2)**2 3`` is this formula with
    ``m = 3`` substituted; ``N - 2`` is ``N - m + 1`` only for ``m = 3``.

    Examples
    --------
    >>> spatial_separable_cost(5, 3)
    72
    """
    n, m = _textbook_sizes(image_size, kernel_size)
    return n * (n - m + 1) * m + (n - m + 1) ** 2 * m


def spatial_cost_ratio(image_size, kernel_size):
    """Separable over full multiplications, exactly.

    Returns
    -------
    Fraction
        ``(2N - m + 1) / ((N - m + 1) m)``, which tends to ``2/m`` as ``N``
        grows (see :func:`spatial_cost_ratio_limit`).

    Examples
    --------
    >>> spatial_cost_ratio(5, 3)
    Fraction(8, 9)
    >>> spatial_cost_ratio(1000, 3)
    Fraction(333, 499)
    """
    return Fraction(
        spatial_separable_cost(image_size, kernel_size),
        spatial_full_cost(image_size, kernel_size),
    )


def spatial_cost_ratio_limit(kernel_size):
    """The limit ``2/m`` of :func:`spatial_cost_ratio` as the image grows.

    Examples
    --------
    >>> [spatial_cost_ratio_limit(m) for m in (3, 5, 7)]
    [Fraction(2, 3), Fraction(2, 5), Fraction(2, 7)]
    """
    m = check_int(kernel_size, "kernel_size", minimum=1)
    return Fraction(2, m)


def standard_layer_cost(height, width, depth, kernel_size, filters):
    """Multiplications of a standard layer, the textbook form.

    Input ``H x W x D``, ``Nc`` kernels of ``h x h x D``, stride 1, no
    padding: ``Nc h**2 D (H - h + 1)(W - h + 1)``.

    Parameters
    ----------
    height, width, depth : int
        ``H``, ``W``, ``D``.
    kernel_size : int
        ``h`` (any size, odd or even, at most ``H`` and ``W``).
    filters : int
        ``Nc``.

    Returns
    -------
    int

    Examples
    --------
    >>> standard_layer_cost(7, 7, 3, 3, 128)
    86400
    """
    h, d, nc, positions = _textbook_layer(height, width, depth, kernel_size, filters)
    return nc * h**2 * d * positions


def separable_layer_cost(height, width, depth, kernel_size, filters):
    """Multiplications of a depthwise separable layer, the textbook form.

    Depthwise ``h**2 D (H - h + 1)(W - h + 1)`` plus pointwise
    ``Nc D (H - h + 1)(W - h + 1)``: ``(h**2 + Nc) D (H - h + 1)(W - h + 1)``.

    Parameters
    ----------
    height, width, depth, kernel_size, filters : int
        ``H``, ``W``, ``D``, ``h``, ``Nc`` as in :func:`standard_layer_cost`.

    Returns
    -------
    int

    Examples
    --------
    >>> separable_layer_cost(7, 7, 3, 3, 128)
    10275
    """
    h, d, nc, positions = _textbook_layer(height, width, depth, kernel_size, filters)
    return (h**2 + nc) * d * positions


def separable_layer_ratio(kernel_size, filters):
    """Separable over standard multiplications: exactly ``1/Nc + 1/h**2``.

    The ratio of :func:`separable_layer_cost` to :func:`standard_layer_cost`
    does not depend on ``H``, ``W`` or ``D``; it is about ``1/h**2`` when
    ``Nc >> h**2`` (1/9 for 3x3 kernels, 1/25 for 5x5).

    Parameters
    ----------
    kernel_size : int
        ``h``.
    filters : int
        ``Nc``.

    Returns
    -------
    Fraction

    Examples
    --------
    >>> separable_layer_ratio(3, 128)
    Fraction(137, 1152)
    """
    h = check_int(kernel_size, "kernel_size", minimum=1)
    nc = check_int(filters, "filters", minimum=1)
    return Fraction(1, nc) + Fraction(1, h * h)


# ====================================================================== scans


def _scan(hw, k, s, d, pads):
    """Windows of a ``k`` kernel on an ``hw`` input with resolved ``pads``."""
    out = _output_hw(hw, k, s, d, pads)
    windows = []
    for i in range(out[0]):
        for j in range(out[1]):
            taps = tuple(
                (i * s[0] - pads[0] + u * d[0], j * s[1] - pads[2] + v * d[1])
                for u in range(k[0])
                for v in range(k[1])
            )
            inside = tuple(0 <= y < hw[0] and 0 <= x < hw[1] for y, x in taps)
            windows.append(Window((i, j), taps, inside))
    return tuple(windows)


def scan_positions(image_shape, kernel_size, *, stride=1, padding=0, dilation=1):
    """The windows a kernel visits while scanning an image, in order.

    Parameters
    ----------
    image_shape, kernel_size, stride, padding, dilation
        As in :func:`correlate2d_cost` (``kernel_size`` is its
        ``kernel_shape``).

    Returns
    -------
    tuple of Window
        One per output element, row-major (output row ``i``, then column
        ``j``). Window ``(i, j)`` has its taps at
        ``(i*sh - top + u*dh, j*sw - left + v*dw)``; taps outside the image
        are in the zero padding (``inside`` is False there).

    Examples
    --------
    >>> windows = scan_positions((5, 5), 3)
    >>> len(windows), sum(len(w.taps) for w in windows)
    (9, 81)
    >>> windows[1].output_index, windows[1].top_left
    ((0, 1), (0, 1))
    >>> first = scan_positions((5, 5), 3, padding=1, stride=2)[0]
    >>> first.top_left, sum(first.inside)
    ((-1, -1), 4)
    """
    hw = as_shape(image_shape, "image_shape", lengths=2)
    k, s, d, pads, _ = _geometry(hw, kernel_size, stride, padding, dilation)
    return _scan(hw, k, s, d, pads)


def separable_scan_positions(image_shape, kernel_size, *, stride=1, padding=0):
    """The windows of each pass of a separable filter, in order.

    Parameters
    ----------
    image_shape, kernel_size, stride, padding
        As in :func:`separable_correlate2d_cost`.

    Returns
    -------
    dict
        ``"column"``: the windows of the ``kh x 1`` kernel on the image
        (vertical stride and padding; image coordinates), which produce the
        ``H_out x W`` intermediate; ``"row"``: the windows of the ``1 x kw``
        kernel on that intermediate (horizontal stride and padding;
        intermediate coordinates).

    Examples
    --------
    The 9 / 15 / 9 of the book (the full 3x3 scan has 9 windows):

    >>> passes = separable_scan_positions((5, 5), 3)
    >>> len(passes["column"]), len(passes["row"])
    (15, 9)
    >>> passes["column"][1].taps
    ((0, 1), (1, 1), (2, 1))
    >>> passes["row"][0].taps
    ((0, 0), (0, 1), (0, 2))
    """
    hw = as_shape(image_shape, "image_shape", lengths=2)
    k, s, _, pads, out = _geometry(hw, kernel_size, stride, padding, 1)
    one = (1, 1)
    column = _scan(hw, (k[0], 1), (s[0], 1), one, (pads[0], pads[1], 0, 0))
    row = _scan((out[0], hw[1]), (1, k[1]), (1, s[1]), one, (0, 0, pads[2], pads[3]))
    return {"column": column, "row": row}
