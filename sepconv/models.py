"""The MobileNetV1 cost model, layer by layer, against the paper's tables.

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
"""

from __future__ import annotations

from dataclasses import dataclass
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
    "TABLE2_TYPES",
    "BlockRatio",
    "Layer",
    "PaperComparison",
    "PaperRow",
    "PrintedShare",
    "Share",
    "Totals",
    "block_cost_ratios",
    "mobilenet_v1",
    "paper_comparison",
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


class Totals(NamedTuple):
    """Whole-network mult-adds and parameters."""

    mult_adds: int
    params: int


class Share(NamedTuple):
    """Exact shares (fractions of the totals) of one kind of layer."""

    mult_adds: Fraction
    params: Fraction


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
    alpha = check_real(width_multiplier, "width_multiplier", positive=True)
    r = check_int(resolution, "resolution")
    if r < _MIN_RESOLUTION:
        fail(
            "resolution",
            f"an integer >= {_MIN_RESOLUTION} (the network's total stride)",
            resolution,
        )
    separable = check_flag(separable, "separable")
    classifier = check_flag(classifier, "classifier")
    bias = check_flag(bias, "bias")
    classes = check_int(num_classes, "num_classes", minimum=1)
    if int(32 * alpha) < 1:
        fail(
            "width_multiplier",
            "at least 1/32, so that every layer keeps a channel (int(32 * alpha) >= 1)",
            width_multiplier,
        )

    def width(c):
        return int(c * alpha)

    def layer(name, kind, filter_shape, input_shape, stride, cost):
        params = cost.parameters_with_bias if bias else cost.parameters
        return Layer(
            name, kind, filter_shape, tuple(input_shape), cost.output_shape, stride,
            cost.multiplications, params, cost.additions,
        )  # fmt: skip

    rows = []
    shape = (3, r, r)
    c = width(32)
    cost = conv2d_cost(shape, c, 3, stride=2, padding=1)
    rows.append(layer("conv1", "conv", f"3x3x3x{c}", shape, 2, cost))
    shape = cost.output_shape
    for i, (channels, stride) in enumerate(_BLOCKS, start=1):
        c_in, c_out = shape[0], width(channels)
        if separable:
            cost = depthwise_conv2d_cost(shape, 3, stride=stride, padding=1)
            dw = f"3x3x{c_in} dw"
            rows.append(layer(f"conv_dw_{i}", "depthwise", dw, shape, stride, cost))
            shape = cost.output_shape
            cost = pointwise_conv2d_cost(shape, c_out)
            pw = f"1x1x{c_in}x{c_out}"
            rows.append(layer(f"conv_pw_{i}", "pointwise", pw, shape, 1, cost))
        else:
            cost = conv2d_cost(shape, c_out, 3, stride=stride, padding=1)
            full = f"3x3x{c_in}x{c_out}"
            rows.append(layer(f"conv_{i}", "conv", full, shape, stride, cost))
        shape = cost.output_shape
    if classifier:
        c, h, w = shape
        pooled = (c, 1, 1)
        rows.append(
            Layer("avg_pool", "avg_pool", f"Pool {h}x{w}", shape, pooled, 1, 0, 0)
        )
        cost = pointwise_conv2d_cost(pooled, classes)
        rows.append(layer("fc", "fully_connected", f"{c}x{classes}", pooled, 1, cost))
        out = cost.output_shape
        rows.append(Layer("softmax", "softmax", "Classifier", out, out, 1, 0, 0))
    return tuple(rows)


def _check_rows(rows):
    rows = tuple(rows) if not isinstance(rows, Layer) else (rows,)
    if not rows or not all(isinstance(row, Layer) for row in rows):
        fail("rows", "a non-empty sequence of Layer rows (from mobilenet_v1)", rows)
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

    def compare(table, model, printed, computed, decimals):
        for quantity in ("mult_adds", "params"):
            value = getattr(computed, quantity)
            shown = getattr(printed, quantity)
            rounded = _round_as_printed(value, decimals[quantity])
            out.append(
                PaperComparison(
                    table, model, quantity, shown, value, rounded, rounded == shown
                )
            )

    millions = {"mult_adds": 0, "params": 1}
    percent = {"mult_adds": 2, "params": 2}

    shares = shares_by_kind(mobilenet_v1())
    for kind, name in TABLE2_TYPES.items():
        share = shares[kind]
        computed = Share(float(100 * share.mult_adds), float(100 * share.params))
        compare("Table 2", name, PAPER_TABLE2[name], computed, percent)

    def in_millions(rows):
        t = totals(rows)
        return Totals(t.mult_adds / 1e6, t.params / 1e6)

    for model, separable in (("Conv MobileNet", False), ("MobileNet", True)):
        computed = in_millions(mobilenet_v1(separable=separable))
        compare("Table 4", model, PAPER_TABLE4[model], computed, millions)
    for alpha, printed in PAPER_TABLE6.items():
        computed = in_millions(mobilenet_v1(width_multiplier=alpha))
        compare("Table 6", f"{alpha} MobileNet-224", printed, computed, millions)
    for resolution, printed in PAPER_TABLE7.items():
        computed = in_millions(mobilenet_v1(resolution=resolution))
        compare("Table 7", f"1.0 MobileNet-{resolution}", printed, computed, millions)
    return tuple(out)
