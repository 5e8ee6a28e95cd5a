"""The MobileNetV1 and MobileNetV2 cost models, layer by layer, against the
published tables.

:func:`mobilenet_v1` lists the layers of Table 1 of Howard et al. (2017),
"MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
Applications", with each layer's mult-adds and parameters taken from the
closed forms of :mod:`sepconv.counting`. :func:`paper_comparison` sets the
computed totals beside the numbers printed in Tables 2, 4, 6 and 7
(``PAPER_TABLE2`` ... ``PAPER_TABLE7``).

Conventions
-----------
* Mult-adds (= multiplications, padded zeros included) of the convolutions
  and the fully connected layer, per image; the average pool and the softmax
  count 0, as in the paper. Parameters count weights only, as in the paper
  (``bias=True`` adds one bias per output channel of every convolution and
  of the fully connected layer; MobileNet itself has batch normalisation
  instead, which is not counted).
* 3x3 layers have padding 1, so a stride-2 layer maps ``n`` to
  ``ceil(n / 2)`` (as TensorFlow's "SAME").
* Table 1 prints the second-to-last depthwise layer as "s2", but its input
  and output are both 7x7: it has stride 1 (a known typo), as in every
  released implementation.
* Width multiplier ``alpha``: a layer with ``c`` channels gets
  ``int(c * alpha)`` (the rule of TensorFlow-slim and Keras); the input's 3
  channels and the 1000 classes do not change.
* Resolution: at least 32 (the network's total stride; Keras enforces the
  same minimum), any integer above.

Where the printed tables disagree with the arithmetic
-----------------------------------------------------
Everything printed in Tables 4, 6 and 7 agrees with the arithmetic rounded
as printed (mult-adds to the million, parameters to 0.1 million) except
two entries, and Table 2 has one wrong entry:

* **Table 2, Conv 3x3, mult-adds: printed 1.19 %, computed 1.91 %.** The
  first layer costs 10,838,016 of 568,740,352 mult-adds, 1.906 %. The
  printed value has its digits swapped: with 1.91 the column sums to
  100.01 % (rounding), with 1.19 to 99.29 %. Every other share of Table 2
  agrees (94.86, 3.06, 0.18; 74.59, 1.06, 0.02, 24.33).
* **Table 4, Conv MobileNet, mult-adds: printed 4866 million, computed
  4867.29 million (4,867,293,184).** The printed value is what the network
  costs *without* its fully connected layer (4,866,269,184), while the
  MobileNet entry of the same table, 569, includes it (567.72 million
  without). Parameters agree (29.3 million).
* **Table 7, 1.0 MobileNet-160, mult-adds: printed 290 million, computed
  290.68 million (290,675,200), which rounds to 291.** Truncation, or
  leaving out the fully connected layer (289.65), would give 290, but
  neither rule reproduces the other entries (568.74 is printed 569).

MobileNetV2
-----------
:func:`mobilenet_v2` lists the layers of Table 2 of Sandler et al. (2018),
"MobileNetV2: Inverted Residuals and Linear Bottlenecks" (CVPR 2018): a
3x3 convolution, seventeen inverted residual blocks from the table's
``(t, c, n, s)`` rows (a 1x1 expansion to ``t`` times the input channels,
left out when ``t = 1``; a 3x3 depthwise layer with the sequence's stride
``s`` on its first block; a linear 1x1 projection to ``c`` channels), a 1x1
convolution to 1280 channels, the average pool and the classifier. The
conventions of V1 hold (padding 1, weights only, the pool and softmax free);
the residual additions of the blocks with a shortcut are not rows and, as in
the paper, are not counted. Widths follow the reference implementation
(TensorFlow-slim's ``mobilenet_v2.py``, Keras): ``c * alpha`` rounded to the
nearest multiple of 8, at least 8 and never more than 10 % below
``c * alpha``; the expansion has ``t`` times the (rounded) input channels; the
last 1x1 layer keeps 1280 channels for ``alpha <= 1`` and is widened (and
rounded) for ``alpha > 1``, as the paper states for its multipliers.

``PAPER_V2_TABLE4`` holds the MobileNetV2 row of the paper's Table 4 and
``SLIM_V2_CHECKPOINTS`` the table of the 22 ImageNet checkpoints (widths
0.35 to 1.4 by resolutions 96 to 224) in the README of TensorFlow-slim's
``research/slim/nets/mobilenet`` folder (tensorflow/models).
:func:`paper_comparison_v2` compares both with the arithmetic:

* **Every parameter count of the checkpoint table agrees** (rounded to
  0.01 million, with 1000 or 1001 classes).
* **The mult-adds of the checkpoint table are truncated, not rounded.** All
  22 printed values equal the computed ones rounded *down* to the million;
  8 of them differ from the computed ones rounded half-up: 1.0-224 (300.77,
  printed 300), 0.75-192 (153.94, printed 153), 0.5-192 (71.70), 0.5-128
  (32.58), 0.5-96 (18.89), 0.35-192 (43.90), 0.35-160 (30.87) and 0.35-96
  (11.93).
* **The paper's Table 4 truncates too:** 300,774,272 mult-adds are printed
  300 million (rounding gives 301), 3,469,760 parameters 3.4 million
  (rounding gives 3.5).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import NamedTuple

from ._validation import check_flag, check_int, check_real, fail
from .counting import conv2d_cost, depthwise_conv2d_cost, pointwise_conv2d_cost

__all__ = [
    "PAPER_TABLE2",
    "PAPER_TABLE4",
    "PAPER_TABLE6",
    "PAPER_TABLE7",
    "PAPER_V2_TABLE4",
    "SLIM_V2_CHECKPOINTS",
    "TABLE2_TYPES",
    "ActivationPeak",
    "BlockRatio",
    "Layer",
    "PaperComparison",
    "PaperRow",
    "PrintedShare",
    "Share",
    "Totals",
    "activation_peak",
    "block_cost_ratios",
    "mobilenet_v1",
    "mobilenet_v2",
    "paper_comparison",
    "paper_comparison_v2",
    "shares_by_kind",
    "totals",
]


# ====================================================================== paper data


class PaperRow(NamedTuple):
    """One printed row: ImageNet top-1 accuracy (%), mult-adds and parameters
    (both in millions)."""

    accuracy: float
    mult_adds: float
    params: float


class PrintedShare(NamedTuple):
    """One printed row of Table 2: shares of mult-adds and parameters (%)."""

    mult_adds: float
    params: float


PAPER_TABLE2 = MappingProxyType(
    {
        "Conv 1x1": PrintedShare(94.86, 74.59),
        "Conv DW 3x3": PrintedShare(3.06, 1.06),
        "Conv 3x3": PrintedShare(1.19, 0.02),
        "Fully Connected": PrintedShare(0.18, 24.33),
    }
)
"""Table 2 as printed: resources per layer type, in percent."""

TABLE2_TYPES = MappingProxyType(
    {
        "pointwise": "Conv 1x1",
        "depthwise": "Conv DW 3x3",
        "conv": "Conv 3x3",
        "fully_connected": "Fully Connected",
    }
)
"""Layer ``kind`` -> the type name printed in Table 2."""

PAPER_TABLE4 = MappingProxyType(
    {
        "Conv MobileNet": PaperRow(71.7, 4866, 29.3),
        "MobileNet": PaperRow(70.6, 569, 4.2),
    }
)
"""Table 4 as printed: depthwise separable vs full convolution MobileNet."""

PAPER_TABLE6 = MappingProxyType(
    {
        1.0: PaperRow(70.6, 569, 4.2),
        0.75: PaperRow(68.4, 325, 2.6),
        0.5: PaperRow(63.7, 149, 1.3),
        0.25: PaperRow(50.6, 41, 0.5),
    }
)
"""Table 6 as printed: width multiplier -> row (resolution 224)."""

PAPER_TABLE7 = MappingProxyType(
    {
        224: PaperRow(70.6, 569, 4.2),
        192: PaperRow(69.1, 418, 4.2),
        160: PaperRow(67.2, 290, 4.2),
        128: PaperRow(64.4, 186, 4.2),
    }
)
"""Table 7 as printed: resolution -> row (width multiplier 1.0)."""

PAPER_V2_TABLE4 = MappingProxyType({"MobileNetV2": PaperRow(72.0, 300, 3.4)})
"""MobileNetV2's row of Table 4 of Sandler et al. (2018), as printed."""

# The table "Mobilenet V2 Imagenet Checkpoints" of the README in
# tensorflow/models, research/slim/nets/mobilenet/README.md: top-1 accuracy
# (%), "MACs (M)" and "Parameters (M)", as printed (1001 classes).
SLIM_V2_CHECKPOINTS = MappingProxyType(
    {
        (1.4, 224): PaperRow(75.0, 582, 6.06),
        (1.3, 224): PaperRow(74.4, 509, 5.34),
        (1.0, 224): PaperRow(71.8, 300, 3.47),
        (1.0, 192): PaperRow(70.7, 221, 3.47),
        (1.0, 160): PaperRow(68.8, 154, 3.47),
        (1.0, 128): PaperRow(65.3, 99, 3.47),
        (1.0, 96): PaperRow(60.3, 56, 3.47),
        (0.75, 224): PaperRow(69.8, 209, 2.61),
        (0.75, 192): PaperRow(68.7, 153, 2.61),
        (0.75, 160): PaperRow(66.4, 107, 2.61),
        (0.75, 128): PaperRow(63.2, 69, 2.61),
        (0.75, 96): PaperRow(58.8, 39, 2.61),
        (0.5, 224): PaperRow(65.4, 97, 1.95),
        (0.5, 192): PaperRow(63.9, 71, 1.95),
        (0.5, 160): PaperRow(61.0, 50, 1.95),
        (0.5, 128): PaperRow(57.7, 32, 1.95),
        (0.5, 96): PaperRow(51.2, 18, 1.95),
        (0.35, 224): PaperRow(60.3, 59, 1.66),
        (0.35, 192): PaperRow(58.2, 43, 1.66),
        (0.35, 160): PaperRow(55.7, 30, 1.66),
        (0.35, 128): PaperRow(50.8, 20, 1.66),
        (0.35, 96): PaperRow(45.5, 11, 1.66),
    }
)
"""TensorFlow-slim's MobileNetV2 checkpoints: ``(alpha, resolution)`` -> row."""


# ====================================================================== records


@dataclass(frozen=True)
class Layer:
    """One row of the network.

    Attributes
    ----------
    name : str
        ``"conv1"``, ``"conv_dw_1"``, ``"conv_pw_1"``, ... (``"conv_1"`` ...
        in the standard-convolution network), ``"avg_pool"``, ``"fc"``,
        ``"softmax"``.
    kind : str
        ``"conv"`` (a full 3x3 convolution), ``"depthwise"``,
        ``"pointwise"``, ``"avg_pool"``, ``"fully_connected"`` or
        ``"softmax"``.
    filter_shape : str
        As printed in Table 1, e.g. ``"3x3x3x32"``, ``"3x3x32 dw"``,
        ``"1x1x32x64"``, ``"Pool 7x7"``, ``"1024x1000"``, ``"Classifier"``.
    input_shape, output_shape : tuple of int
        ``(C, H, W)``.
    stride : int
    mult_adds : int
    params : int
        Weights (and biases if the network was built with ``bias=True``).
    additions : int
        The additions of the layer's sums (:attr:`sepconv.counting.Cost.additions`:
        ``n - 1`` for each sum of ``n`` products, no bias); 0 for the pooling
        and softmax rows, which the paper's counts leave out.
    activations : int
        The values the layer reads plus the values it writes, batch 1:
        ``prod(input_shape) + prod(output_shape)``. Derived from the shapes
        (not an argument), so it always agrees with them.
    """

    name: str
    kind: str
    filter_shape: str
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    stride: int
    mult_adds: int
    params: int
    additions: int = 0
    activations: int = field(init=False)

    def __post_init__(self):
        reads, writes = math.prod(self.input_shape), math.prod(self.output_shape)
        object.__setattr__(self, "activations", reads + writes)


class Totals(NamedTuple):
    """Whole-network mult-adds and parameters."""

    mult_adds: int
    params: int


class Share(NamedTuple):
    """Exact shares (fractions of the totals) of one kind of layer."""

    mult_adds: Fraction
    params: Fraction


class ActivationPeak(NamedTuple):
    """The layer (or block) that reads and writes the most values."""

    name: str
    activations: int


class BlockRatio(NamedTuple):
    """A separable block's mult-adds over those of the full convolution."""

    block: int
    out_channels: int
    ratio: Fraction


class PaperComparison(NamedTuple):
    """A printed number beside the computed one, rounded as printed."""

    table: str
    model: str
    quantity: str
    printed: float
    computed: float
    rounded: float
    agrees: bool


# ====================================================================== the network

# Table 1, after the first layer: (output channels, stride) of each
# depthwise separable block. Block 13 is printed "s2"; it has stride 1.
_BLOCKS = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    *[(512, 1)] * 5, (1024, 2), (1024, 1),
)  # fmt: skip
_MIN_RESOLUTION = 32


def _check_network(width_multiplier, resolution, classifier, num_classes):
    """The arguments both networks share, checked: ``(alpha, r, classifier,
    classes)``."""
    alpha = check_real(width_multiplier, "width_multiplier", positive=True)
    r = check_int(resolution, "resolution")
    if r < _MIN_RESOLUTION:
        fail(
            "resolution",
            f"an integer >= {_MIN_RESOLUTION} (the network's total stride)",
            resolution,
        )
    classifier = check_flag(classifier, "classifier")
    classes = check_int(num_classes, "num_classes", minimum=1)
    return alpha, r, classifier, classes


def _add(rows, name, kind, c_out=None, stride=1, *, bias=False, input_shape=None):
    """Append the Layer of one 3x3 (``"conv"``, ``"depthwise"``) or 1x1
    (``"pointwise"``, ``"fully_connected"``) layer that reads ``input_shape``,
    by default the last row's output."""
    shape = input_shape or rows[-1].output_shape
    c_in = shape[0]
    if kind == "conv":
        cost = conv2d_cost(shape, c_out, 3, stride=stride, padding=1)
        filter_shape = f"3x3x{c_in}x{c_out}"
    elif kind == "depthwise":
        cost = depthwise_conv2d_cost(shape, 3, stride=stride, padding=1)
        filter_shape = f"3x3x{c_in} dw"
    elif kind == "pointwise":
        cost = pointwise_conv2d_cost(shape, c_out)
        filter_shape = f"1x1x{c_in}x{c_out}"
    else:  # the fully connected layer: a 1x1 convolution of the pooled map
        cost = pointwise_conv2d_cost(shape, c_out)
        filter_shape = f"{c_in}x{c_out}"
    params = cost.parameters_with_bias if bias else cost.parameters
    rows.append(
        Layer(
            name, kind, filter_shape, shape, cost.output_shape, stride,
            cost.multiplications, params, cost.additions,
        )
    )  # fmt: skip


def _add_classifier(rows, classes, *, bias=False):
    """Append the average pool, fully connected layer and softmax."""
    c, h, w = shape = rows[-1].output_shape
    pooled = (c, 1, 1)
    rows.append(Layer("avg_pool", "avg_pool", f"Pool {h}x{w}", shape, pooled, 1, 0, 0))
    _add(rows, "fc", "fully_connected", classes, bias=bias)
    out = rows[-1].output_shape
    rows.append(Layer("softmax", "softmax", "Classifier", out, out, 1, 0, 0))


def mobilenet_v1(
    width_multiplier=1.0,
    resolution=224,
    separable=True,
    classifier=True,
    *,
    bias=False,
    num_classes=1000,
):
    """The layers of MobileNetV1 (Table 1 of the paper), with their costs.

    Parameters
    ----------
    width_multiplier : float
        ``alpha > 0``: every layer's channel count ``c`` becomes
        ``int(c * alpha)`` (at least 1: ``alpha >= 1/32``).
    resolution : int
        Input height and width, at least 32.
    separable : bool
        True for MobileNet; False for the "Conv MobileNet" of Table 4, in
        which each depthwise separable block is one full 3x3 convolution
        with the block's stride.
    classifier : bool
        Include the average pool, the fully connected layer and the
        softmax (True) or stop after the last convolution (False).
    bias : bool, keyword-only
        Count a bias per output channel of every convolution and of the
        fully connected layer (default False: weights only, as the paper).
    num_classes : int, keyword-only
        Outputs of the fully connected layer (default 1000).

    Returns
    -------
    tuple of Layer
        In order: the first convolution, then for each of the 13 blocks a
        depthwise and a pointwise row (or one ``"conv"`` row), then
        ``avg_pool``, ``fc`` and ``softmax``.

    Notes
    -----
    See the module docstring for the conventions and for where the printed
    tables disagree with the arithmetic.

    Examples
    --------
    >>> rows = mobilenet_v1()
    >>> len(rows), rows[0].name, rows[0].output_shape, rows[0].mult_adds
    (30, 'conv1', (32, 112, 112), 10838016)
    >>> rows[1].filter_shape, rows[1].mult_adds, rows[1].params
    ('3x3x32 dw', 3612672, 288)
    >>> totals(rows)
    Totals(mult_adds=568740352, params=4209088)
    >>> totals(mobilenet_v1(separable=False))
    Totals(mult_adds=4867293184, params=29281120)
    """
    alpha, r, classifier, classes = _check_network(
        width_multiplier, resolution, classifier, num_classes
    )
    separable = check_flag(separable, "separable")
    bias = check_flag(bias, "bias")
    if int(32 * alpha) < 1:
        fail(
            "width_multiplier",
            "at least 1/32, so that every layer keeps a channel (int(32 * alpha) >= 1)",
            width_multiplier,
        )

    rows = []
    _add(rows, "conv1", "conv", int(32 * alpha), 2, bias=bias, input_shape=(3, r, r))
    for i, (channels, stride) in enumerate(_BLOCKS, start=1):
        c_out = int(channels * alpha)
        if separable:
            _add(rows, f"conv_dw_{i}", "depthwise", stride=stride, bias=bias)
            _add(rows, f"conv_pw_{i}", "pointwise", c_out, bias=bias)
        else:
            _add(rows, f"conv_{i}", "conv", c_out, stride, bias=bias)
    if classifier:
        _add_classifier(rows, classes, bias=bias)
    return tuple(rows)


# Table 2 of the MobileNetV2 paper, after the first layer: (expansion t,
# output channels c, repeats n, stride s of the first repeat).
_V2_BOTTLENECKS = (
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
)  # fmt: skip
_V2_LAST = 1280


def _make_divisible(value, divisor=8):
    """Round to the nearest multiple of ``divisor`` (at least ``divisor``),
    never more than 10 % below ``value``: the reference implementation's
    rule for the channel counts of MobileNetV2."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def mobilenet_v2(
    width_multiplier=1.0, resolution=224, classifier=True, *, num_classes=1000
):
    """The layers of MobileNetV2 (Table 2 of Sandler et al. 2018), with costs.

    Parameters
    ----------
    width_multiplier : float
        ``alpha > 0``: a layer with ``c`` channels gets ``c * alpha`` rounded
        to a multiple of 8 (see the module docstring); the last 1x1 layer
        keeps 1280 channels unless ``alpha > 1``.
    resolution : int
        Input height and width, at least 32.
    classifier : bool
        Include the average pool, the fully connected layer (the paper's
        final "conv2d 1x1") and the softmax (True) or stop after the 1x1
        convolution to 1280 channels (False).
    num_classes : int, keyword-only
        Outputs of the fully connected layer (default 1000).

    Returns
    -------
    tuple of Layer
        In order: ``conv1``; for each block ``i`` (0 to 16)
        ``block_{i}_expand`` (not in block 0, whose ``t`` is 1),
        ``block_{i}_depthwise`` and ``block_{i}_project`` (the linear
        bottleneck); ``conv_last``; then ``avg_pool``, ``fc`` and
        ``softmax``. Parameters are weights only.

    Notes
    -----
    See the module docstring for the rounding of the widths and for where
    the published tables disagree with the arithmetic.

    Examples
    --------
    >>> rows = mobilenet_v2()
    >>> len(rows), totals(rows)
    (55, Totals(mult_adds=300774272, params=3469760))
    >>> [(r.name, r.filter_shape, r.output_shape) for r in rows[3:6]]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('block_1_expand', '1x1x16x96', (96, 112, 112)),
     ('block_1_depthwise', '3x3x96 dw', (96, 56, 56)),
     ('block_1_project', '1x1x96x24', (24, 56, 56))]
    >>> rows[3].activations == 16 * 112 * 112 + 96 * 112 * 112
    True
    >>> round(totals(mobilenet_v2(0.35)).mult_adds / 1e6)
    59
    """
    alpha, r, classifier, classes = _check_network(
        width_multiplier, resolution, classifier, num_classes
    )
    rows = []
    _add(rows, "conv1", "conv", _make_divisible(32 * alpha), 2, input_shape=(3, r, r))
    block = 0
    for t, channels, repeats, first_stride in _V2_BOTTLENECKS:
        c_out = _make_divisible(channels * alpha)
        for repeat in range(repeats):
            stride = first_stride if repeat == 0 else 1
            c_in = rows[-1].output_shape[0]
            if t != 1:
                _add(rows, f"block_{block}_expand", "pointwise", c_in * t)
            _add(rows, f"block_{block}_depthwise", "depthwise", stride=stride)
            _add(rows, f"block_{block}_project", "pointwise", c_out)
            block += 1
    c_last = _make_divisible(_V2_LAST * alpha) if alpha > 1 else _V2_LAST
    _add(rows, "conv_last", "pointwise", c_last)
    if classifier:
        _add_classifier(rows, classes)
    return tuple(rows)


def _check_rows(rows):
    rows = tuple(rows) if not isinstance(rows, Layer) else (rows,)
    if not rows or not all(isinstance(row, Layer) for row in rows):
        fail(
            "rows",
            "a non-empty sequence of Layer rows (from mobilenet_v1 or mobilenet_v2)",
            rows,
        )
    return rows


def totals(rows):
    """Total mult-adds and parameters of a sequence of layers.

    Parameters
    ----------
    rows : sequence of Layer

    Returns
    -------
    Totals
        ``(mult_adds, params)``, exact integers.

    Examples
    --------
    >>> totals(mobilenet_v1(width_multiplier=0.25))
    Totals(mult_adds=41030272, params=463600)
    """
    rows = _check_rows(rows)
    return Totals(sum(r.mult_adds for r in rows), sum(r.params for r in rows))


def shares_by_kind(rows):
    """Each kind of layer's share of the mult-adds and parameters (Table 2).

    Parameters
    ----------
    rows : sequence of Layer

    Returns
    -------
    dict
        ``kind -> Share(mult_adds, params)`` as exact fractions of the totals,
        for the kinds with mult-adds or parameters (largest mult-adds first).
        ``TABLE2_TYPES`` gives the paper's name for each kind.

    Examples
    --------
    >>> shares = shares_by_kind(mobilenet_v1())
    >>> {TABLE2_TYPES[k]: f"{float(s.mult_adds):.2%}" for k, s in shares.items()}
    {'Conv 1x1': '94.86%', 'Conv DW 3x3': '3.06%', 'Conv 3x3': '1.91%', 'Fully Connected': '0.18%'}
    """  # noqa: E501
    rows = _check_rows(rows)
    total = totals(rows)
    kinds = {}
    for row in rows:
        m, p = kinds.get(row.kind, (0, 0))
        kinds[row.kind] = (m + row.mult_adds, p + row.params)
    shares = {
        kind: Share(
            Fraction(m, total.mult_adds) if total.mult_adds else Fraction(0),
            Fraction(p, total.params) if total.params else Fraction(0),
        )
        for kind, (m, p) in kinds.items()
        if m or p
    }
    return dict(sorted(shares.items(), key=lambda item: -item[1].mult_adds))


_BLOCK_ROW = re.compile(r"block_(\d+)_[a-z]+|conv_(?:dw|pw)_(\d+)")


def activation_peak(rows, *, blocks=False):
    """The largest number of values one layer, or one block, reads and writes.

    Parameters
    ----------
    rows : sequence of Layer
    blocks : bool, keyword-only
        False: the row with the largest ``activations`` (input + output
        values). True: each block counts as one unit, ``block_<i>``, holding
        only its input and its output (the rows ``block_<i>_*`` of
        :func:`mobilenet_v2`, or ``conv_dw_<i>`` and ``conv_pw_<i>`` of
        :func:`mobilenet_v1`); the other rows count as themselves. This is
        the memory a block needs when its inner tensors are never held whole,
        as the MobileNetV2 paper computes a block: slice by slice of the
        expanded channels, each slice expanded, filtered and projected, the
        projections summed into the output.

    Returns
    -------
    ActivationPeak
        ``(name, activations)``; the first of equal largest ones.

    Examples
    --------
    >>> activation_peak(mobilenet_v2())
    ActivationPeak(name='block_1_depthwise', activations=1505280)
    >>> activation_peak(mobilenet_v2(), blocks=True)
    ActivationPeak(name='block_0', activations=602112)
    """
    rows = _check_rows(rows)
    blocks = check_flag(blocks, "blocks")
    units = {}
    for row in rows:
        match = _BLOCK_ROW.fullmatch(row.name) if blocks else None
        key = f"block_{match[1] or match[2]}" if match else row.name
        units.setdefault(key, []).append(row)
    peaks = [
        ActivationPeak(
            key, math.prod(unit[0].input_shape) + math.prod(unit[-1].output_shape)
        )
        for key, unit in units.items()
    ]
    return max(peaks, key=lambda peak: peak.activations)


def block_cost_ratios(width_multiplier=1.0, resolution=224):
    """Each block's separable mult-adds over those of the full convolution.

    Parameters
    ----------
    width_multiplier, resolution
        As in :func:`mobilenet_v1`.

    Returns
    -------
    tuple of BlockRatio
        One per depthwise separable block: ``ratio`` is exactly
        ``1/N + 1/9`` with ``N`` the block's output channels (the "8 to 9
        times" fewer mult-adds of the paper).

    Examples
    --------
    >>> ratios = block_cost_ratios()
    >>> ratios[0]
    BlockRatio(block=1, out_channels=64, ratio=Fraction(73, 576))
    >>> [round(float(1 / r.ratio), 2) for r in ratios[::4]]
    [7.89, 8.69, 8.84, 8.92]
    """
    sep = mobilenet_v1(width_multiplier, resolution, True, False)
    std = mobilenet_v1(width_multiplier, resolution, False, False)
    ratios = []
    for i in range(len(_BLOCKS)):
        dw, pw, full = sep[1 + 2 * i], sep[2 + 2 * i], std[1 + i]
        ratio = Fraction(dw.mult_adds + pw.mult_adds, full.mult_adds)
        ratios.append(BlockRatio(i + 1, pw.output_shape[0], ratio))
    return tuple(ratios)


def _round_as_printed(value, decimals):
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _compared(table, model, printed, computed, decimals):
    """The two PaperComparison rows (mult-adds, parameters) of a printed row:
    ``computed`` and ``decimals`` are ``(mult_adds, params)`` pairs."""
    out = []
    for i, quantity in enumerate(("mult_adds", "params")):
        shown, value = getattr(printed, quantity), computed[i]
        rounded = _round_as_printed(value, decimals[i])
        agrees = rounded == shown
        out.append(
            PaperComparison(table, model, quantity, shown, value, rounded, agrees)
        )
    return out


def _in_millions(rows):
    total = totals(rows)
    return total.mult_adds / 1e6, total.params / 1e6


def paper_comparison():
    """Every number of Tables 2, 4, 6 and 7 beside the computed one.

    Returns
    -------
    tuple of PaperComparison
        ``(table, model, quantity, printed, computed, rounded, agrees)``:
        ``quantity`` is ``"mult_adds"`` or ``"params"`` (millions; for Table 2
        percent shares), ``computed`` the exact value in those units,
        ``rounded`` it rounded half-up to the printed number of decimals
        (0 for mult-adds, 1 for parameters, 2 for shares) and ``agrees``
        whether that equals the printed number. The accuracies are not
        computed (they come from training) and are not compared.

    Examples
    --------
    >>> rows = paper_comparison()
    >>> len(rows), sum(row.agrees for row in rows)
    (28, 25)
    >>> [(r.table, r.model, r.quantity, r.printed, r.rounded)
    ...  for r in rows if not r.agrees]  # doctest: +NORMALIZE_WHITESPACE
    [('Table 2', 'Conv 3x3', 'mult_adds', 1.19, 1.91),
     ('Table 4', 'Conv MobileNet', 'mult_adds', 4866, 4867.0),
     ('Table 7', '1.0 MobileNet-160', 'mult_adds', 290, 291.0)]
    """
    out = []
    shares = shares_by_kind(mobilenet_v1())
    for kind, name in TABLE2_TYPES.items():
        share = shares[kind]
        percent = float(100 * share.mult_adds), float(100 * share.params)
        out += _compared("Table 2", name, PAPER_TABLE2[name], percent, (2, 2))
    for model, separable in (("Conv MobileNet", False), ("MobileNet", True)):
        computed = _in_millions(mobilenet_v1(separable=separable))
        out += _compared("Table 4", model, PAPER_TABLE4[model], computed, (0, 1))
    for alpha, printed in PAPER_TABLE6.items():
        computed = _in_millions(mobilenet_v1(width_multiplier=alpha))
        out += _compared("Table 6", f"{alpha} MobileNet-224", printed, computed, (0, 1))
    for resolution, printed in PAPER_TABLE7.items():
        computed = _in_millions(mobilenet_v1(resolution=resolution))
        model = f"1.0 MobileNet-{resolution}"
        out += _compared("Table 7", model, printed, computed, (0, 1))
    return tuple(out)


def paper_comparison_v2():
    """The published MobileNetV2 figures beside the computed ones.

    Returns
    -------
    tuple of PaperComparison
        As :func:`paper_comparison`: first the MobileNetV2 row of the paper's
        Table 4 (``table="Table 4"``; mult-adds rounded to the million,
        parameters to 0.1 million), then every row of
        ``SLIM_V2_CHECKPOINTS`` (``table="slim README"``, ``model`` as
        ``"mobilenet_v2_<alpha>_<resolution>"``; parameters to 0.01
        million). ``agrees`` compares with the computed value rounded
        half-up; the module docstring lists the disagreements, all of
        which are truncations.

    Examples
    --------
    >>> rows = paper_comparison_v2()
    >>> len(rows), sum(row.agrees for row in rows)
    (46, 36)
    >>> [(r.model, r.quantity, r.printed, r.rounded)
    ...  for r in rows if not r.agrees][:3]  # doctest: +NORMALIZE_WHITESPACE
    [('MobileNetV2', 'mult_adds', 300, 301.0),
     ('MobileNetV2', 'params', 3.4, 3.5),
     ('mobilenet_v2_1.0_224', 'mult_adds', 300, 301.0)]
    """
    out = []
    for model, printed in PAPER_V2_TABLE4.items():
        computed = _in_millions(mobilenet_v2())
        out += _compared("Table 4", model, printed, computed, (0, 1))
    for (alpha, resolution), printed in SLIM_V2_CHECKPOINTS.items():
        name = f"mobilenet_v2_{alpha}_{resolution}"
        computed = _in_millions(mobilenet_v2(alpha, resolution))
        out += _compared("slim README", name, printed, computed, (0, 2))
    return tuple(out)
