"""The MobileNetV1 cost model against the paper and TensorFlow-slim's table."""

from __future__ import annotations

import itertools
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from sepconv import models as mob


def millions(value, decimals):
    """Round half-up, as the paper prints."""
    return float(
        Decimal(value / 10**6).quantize(
            Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
        )
    )


# ---------------------------------------------------------------- structure


def test_table1_structure():
    rows = mob.mobilenet_v1()
    assert len(rows) == 1 + 2 * 13 + 3
    assert [r.kind for r in rows[:3]] == ["conv", "depthwise", "pointwise"]
    assert rows[0].input_shape == (3, 224, 224)
    assert rows[0].filter_shape == "3x3x3x32"
    for previous, row in itertools.pairwise(rows):
        assert row.input_shape == previous.output_shape
    strides = [r.stride for r in rows if r.kind == "depthwise"]
    assert strides == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]
    last_dw = [r for r in rows if r.kind == "depthwise"][-1]
    # The printed "s2" is a typo: the layer maps 7x7x1024 to 7x7x1024.
    assert last_dw.input_shape == last_dw.output_shape == (1024, 7, 7)
    assert last_dw.filter_shape == "3x3x1024 dw"
    assert [r.name for r in rows[-3:]] == ["avg_pool", "fc", "softmax"]
    assert rows[-3].filter_shape == "Pool 7x7"
    assert rows[-2].filter_shape == "1024x1000"
    assert rows[-1].output_shape == (1000, 1, 1)
    assert rows[-3].mult_adds == rows[-1].mult_adds == 0


def test_layers_match_tensorflow_slim_table():
    """The per-layer table in tensorflow/models' mobilenet_v1.py (an oracle)."""
    rows = mob.mobilenet_v1(classifier=False)
    by_name = {r.name: r for r in rows}
    assert (by_name["conv1"].params, by_name["conv1"].mult_adds) == (864, 10_838_016)
    assert (by_name["conv_dw_1"].params, by_name["conv_dw_1"].mult_adds) == (
        288,
        3_612_672,
    )
    assert (by_name["conv_dw_12"].params, by_name["conv_dw_12"].mult_adds) == (
        4_608,
        225_792,
    )
    assert (by_name["conv_pw_13"].params, by_name["conv_pw_13"].mult_adds) == (
        1_048_576,
        51_380_224,
    )
    assert mob.totals(rows) == mob.Totals(567_716_352, 3_185_088)
    small = mob.mobilenet_v1(0.75, 128, classifier=False)
    assert mob.totals(small) == mob.Totals(106_002_432, 1_800_144)


def test_standard_network_replaces_each_block_by_one_convolution():
    rows = mob.mobilenet_v1(separable=False)
    assert len(rows) == 1 + 13 + 3
    assert {r.kind for r in rows} == {"conv", "avg_pool", "fully_connected", "softmax"}
    assert rows[1].filter_shape == "3x3x32x64"
    assert rows[-4].output_shape == (1024, 7, 7)


# ---------------------------------------------------------------- the paper's tables


def test_table4():
    separable = mob.totals(mob.mobilenet_v1())
    standard = mob.totals(mob.mobilenet_v1(separable=False))
    assert separable == mob.Totals(568_740_352, 4_209_088)
    assert standard == mob.Totals(4_867_293_184, 29_281_120)
    assert millions(separable.mult_adds, 0) == mob.PAPER_TABLE4["MobileNet"].mult_adds
    assert millions(separable.params, 1) == mob.PAPER_TABLE4["MobileNet"].params
    assert millions(standard.params, 1) == mob.PAPER_TABLE4["Conv MobileNet"].params
    # The printed 4866 is the standard network without its classifier; the
    # arithmetic with it, as for the printed 569, gives 4867.
    assert millions(standard.mult_adds, 0) == 4867
    headless = mob.totals(mob.mobilenet_v1(separable=False, classifier=False))
    assert (
        millions(headless.mult_adds, 0)
        == 4866
        == mob.PAPER_TABLE4["Conv MobileNet"].mult_adds
    )
    assert millions(mob.totals(mob.mobilenet_v1(classifier=False)).mult_adds, 0) == 568


@pytest.mark.parametrize("alpha", [1.0, 0.75, 0.5, 0.25])
def test_table6_width_multiplier(alpha):
    total = mob.totals(mob.mobilenet_v1(width_multiplier=alpha))
    printed = mob.PAPER_TABLE6[alpha]
    assert millions(total.mult_adds, 0) == printed.mult_adds
    assert millions(total.params, 1) == printed.params


def test_width_multiplier_rounding_rule():
    rows = mob.mobilenet_v1(width_multiplier=0.75)
    channels = [r.output_shape[0] for r in rows if r.kind in ("conv", "pointwise")]
    assert channels == [int(c * 0.75) for c in [32, 64, 128, 128, 256, 256, 512]
                        + [512] * 5 + [1024, 1024]]  # fmt: skip
    odd = mob.mobilenet_v1(width_multiplier=0.3)
    assert odd[0].output_shape[0] == 9  # int(32 * 0.3) = int(9.6)
    assert mob.mobilenet_v1(width_multiplier=1 / 32)[0].output_shape[0] == 1


@pytest.mark.parametrize("resolution", [224, 192, 160, 128])
def test_table7_resolution(resolution):
    total = mob.totals(mob.mobilenet_v1(resolution=resolution))
    printed = mob.PAPER_TABLE7[resolution]
    assert millions(total.params, 1) == printed.params == 4.2
    if resolution == 160:
        # 290,675,200 rounds to 291; the paper prints 290.
        assert total.mult_adds == 290_675_200
        assert millions(total.mult_adds, 0) == 291 != printed.mult_adds
    else:
        assert millions(total.mult_adds, 0) == printed.mult_adds
    final = mob.mobilenet_v1(resolution=resolution, classifier=False)[-1]
    assert final.output_shape == (1024, resolution // 32, resolution // 32)


def test_table2_shares():
    shares = mob.shares_by_kind(mob.mobilenet_v1())
    assert list(shares) == ["pointwise", "depthwise", "conv", "fully_connected"]
    assert sum(s.mult_adds for s in shares.values()) == 1
    assert sum(s.params for s in shares.values()) == 1
    assert shares["conv"].mult_adds == Fraction(10_838_016, 568_740_352)
    for kind, name in mob.TABLE2_TYPES.items():
        printed = mob.PAPER_TABLE2[name]
        mult_adds = round(float(100 * shares[kind].mult_adds), 2)
        params = round(float(100 * shares[kind].params), 2)
        assert params == printed.params
        if name == "Conv 3x3":
            assert (mult_adds, printed.mult_adds) == (1.91, 1.19)  # digits swapped
        else:
            assert mult_adds == printed.mult_adds


def test_paper_comparison_lists_exactly_the_three_disagreements():
    rows = mob.paper_comparison()
    assert len(rows) == 2 * (4 + 2 + 4 + 4)
    wrong = {(r.table, r.model, r.quantity) for r in rows if not r.agrees}
    assert wrong == {
        ("Table 2", "Conv 3x3", "mult_adds"),
        ("Table 4", "Conv MobileNet", "mult_adds"),
        ("Table 7", "1.0 MobileNet-160", "mult_adds"),
    }
    for row in rows:
        assert row.agrees == (row.rounded == row.printed)


def test_block_ratios_are_one_over_n_plus_one_ninth():
    for alpha, resolution in ((1.0, 224), (0.5, 160)):
        for block in mob.block_cost_ratios(alpha, resolution):
            assert block.ratio == Fraction(1, block.out_channels) + Fraction(1, 9)
    inverse = [1 / float(b.ratio) for b in mob.block_cost_ratios()]
    assert 7.8 < min(inverse) and max(inverse) < 9  # "8 to 9 times"


def test_bias_flag_adds_one_bias_per_output_channel():
    plain = mob.mobilenet_v1()
    biased = mob.mobilenet_v1(bias=True)
    for a, b in zip(plain, biased, strict=True):
        expected = a.output_shape[0] if a.kind not in ("avg_pool", "softmax") else 0
        assert b.params - a.params == expected
        assert b.mult_adds == a.mult_adds


def test_num_classes():
    rows = mob.mobilenet_v1(num_classes=10)
    assert rows[-2].mult_adds == rows[-2].params == 10_240


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: mob.mobilenet_v1(width_multiplier=0), ValueError, "width_multiplier"),
        (
            lambda: mob.mobilenet_v1(width_multiplier=-0.5),
            ValueError,
            "width_multiplier",
        ),
        (
            lambda: mob.mobilenet_v1(width_multiplier=0.02),
            ValueError,
            "width_multiplier",
        ),
        (lambda: mob.mobilenet_v1(width_multiplier="1"), TypeError, "width_multiplier"),
        (lambda: mob.mobilenet_v1(resolution=31), ValueError, "resolution"),
        (lambda: mob.mobilenet_v1(resolution=0), ValueError, "resolution"),
        (lambda: mob.mobilenet_v1(resolution=224.0), TypeError, "resolution"),
        (lambda: mob.mobilenet_v1(separable=1), TypeError, "separable"),
        (lambda: mob.mobilenet_v1(classifier=None), TypeError, "classifier"),
        (lambda: mob.mobilenet_v1(bias="yes"), TypeError, "bias"),
        (lambda: mob.mobilenet_v1(num_classes=0), ValueError, "num_classes"),
        (lambda: mob.totals([]), ValueError, "rows"),
        (lambda: mob.totals([1, 2]), ValueError, "rows"),
        (lambda: mob.shares_by_kind(["conv"]), ValueError, "rows"),
    ],
)
def test_bad_input_is_rejected(call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert "got" in str(info.value)


def test_smallest_resolution_works():
    rows = mob.mobilenet_v1(resolution=32)
    assert rows[-4].output_shape == (1024, 1, 1)


@pytest.mark.parametrize("separable", [True, False])
def test_rows_carry_the_additions_of_their_sums(separable):
    """Each sum of n products needs n - 1 additions: a layer's additions are
    its multiplications less its outputs (no bias); pooling and softmax rows,
    left out of the paper's counts, have none."""
    for row in mob.mobilenet_v1(separable=separable, width_multiplier=0.5):
        if row.mult_adds:
            assert row.additions == row.mult_adds - math.prod(row.output_shape)
        else:
            assert row.additions == 0


# ---------------------------------------------------------------- activations


@pytest.mark.parametrize(
    "rows",
    [mob.mobilenet_v1(), mob.mobilenet_v1(0.5, 160, separable=False),
     mob.mobilenet_v2(), mob.mobilenet_v2(0.35, 96)],
)  # fmt: skip
def test_activations_are_input_plus_output_elements(rows):
    for row in rows:
        c, h, w = row.input_shape
        k, p, q = row.output_shape
        assert row.activations == c * h * w + k * p * q


def test_activations_hand_checked():
    v1 = {r.name: r.activations for r in mob.mobilenet_v1()}
    assert v1["conv1"] == 3 * 224 * 224 + 32 * 112 * 112 == 551_936
    assert v1["avg_pool"] == 1024 * 7 * 7 + 1024
    assert v1["fc"] == 1024 + 1000
    assert v1["softmax"] == 2000
    v2 = {r.name: r.activations for r in mob.mobilenet_v2()}
    assert v2["block_1_expand"] == (16 + 96) * 112 * 112 == 1_404_928
    assert v2["block_1_depthwise"] == 96 * 112 * 112 + 96 * 56 * 56 == 1_505_280
    assert v2["block_16_project"] == (960 + 320) * 7 * 7


def test_activations_is_derived_not_an_argument():
    row = mob.Layer("x", "pointwise", "1x1x2x3", (2, 4, 4), (3, 4, 4), 1, 96, 6)
    assert row.activations == 2 * 16 + 3 * 16
    with pytest.raises(TypeError):
        mob.Layer("x", "pointwise", "", (2, 4, 4), (3, 4, 4), 1, 96, 6, 0, 80)


# ---------------------------------------------------------------- MobileNetV2

# Table 2 of Sandler et al. (2018): (t, c, n, s).
V2_TABLE2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
             (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]  # fmt: skip


def v2_oracle(widths, resolution, last, classes=1000):
    """Mult-adds and weights of MobileNetV2 from the textbook formulas, given
    the (already rounded) widths: first layer, then each (t, c, n, s) row."""
    side = -(-resolution // 2)
    mult = side * side * 27 * widths[0]
    params = 27 * widths[0]
    c_in = widths[0]
    for (t, _, n, s), c_out in zip(V2_TABLE2, widths[1:], strict=True):
        for i in range(n):
            hidden = t * c_in
            if t != 1:
                mult += side * side * c_in * hidden
                params += c_in * hidden
            if i == 0 and s == 2:
                side = -(-side // 2)
            mult += side * side * (9 * hidden + hidden * c_out)
            params += 9 * hidden + hidden * c_out
            c_in = c_out
    mult += side * side * c_in * last + last * classes
    params += c_in * last + last * classes
    return mult, params


@pytest.mark.parametrize(
    ("alpha", "widths", "last"),
    [
        (1.0, [32, 16, 24, 32, 64, 96, 160, 320], 1280),
        (0.35, [16, 8, 8, 16, 24, 32, 56, 112], 1280),  # hand-rounded
        (1.4, [48, 24, 32, 48, 88, 136, 224, 448], 1792),
    ],
)
@pytest.mark.parametrize("resolution", [224, 160, 96])
def test_v2_equals_the_textbook_formulas(alpha, widths, last, resolution):
    rows = mob.mobilenet_v2(alpha, resolution)
    assert tuple(mob.totals(rows)) == v2_oracle(widths, resolution, last)
    assert rows[0].output_shape[0] == widths[0]
    projections = [r for r in rows if r.name.endswith("_project")]
    firsts = [sum(n for *_, n, _ in V2_TABLE2[:i]) for i in range(7)]
    assert [projections[i].output_shape[0] for i in firsts] == widths[1:]
    assert rows[-4].output_shape[0] == last


def test_v2_structure():
    rows = mob.mobilenet_v2()
    for previous, row in itertools.pairwise(rows):
        assert row.input_shape == previous.output_shape
    depthwise = [r for r in rows if r.kind == "depthwise"]
    assert len(depthwise) == sum(n for *_, n, _ in V2_TABLE2) == 17
    assert [r.stride for r in depthwise] == [
        s if i == 0 else 1 for *_, n, s in V2_TABLE2 for i in range(n)
    ]
    assert not any(r.name.startswith("block_0_expand") for r in rows)
    for row in rows:
        if row.name.endswith("_expand"):
            assert row.output_shape[0] == 6 * row.input_shape[0]
    assert rows[0].filter_shape == "3x3x3x32"
    assert [r.name for r in rows[-5:]] == [
        "block_16_project", "conv_last", "avg_pool", "fc", "softmax"
    ]  # fmt: skip
    assert rows[-4].output_shape == (1280, 7, 7)
    assert rows[-2].filter_shape == "1280x1000"
    assert mob.mobilenet_v2(classifier=False)[-1].name == "conv_last"
    assert mob.mobilenet_v2(num_classes=10)[-2].params == 12_800


def test_v2_last_layer_is_never_narrowed():
    for alpha in (0.35, 0.5, 0.75, 1.0):
        assert mob.mobilenet_v2(alpha)[-4].output_shape[0] == 1280
    assert mob.mobilenet_v2(1.3)[-4].output_shape[0] == 1664  # 1280 * 1.3


def test_v2_paper_table4_is_truncated():
    total = mob.totals(mob.mobilenet_v2())
    printed = mob.PAPER_V2_TABLE4["MobileNetV2"]
    assert total == mob.Totals(300_774_272, 3_469_760)
    # printed 300 and 3.4: rounded down; rounding gives 301 and 3.5
    assert (millions(total.mult_adds, 0), millions(total.params, 1)) == (301, 3.5)
    assert math.floor(total.mult_adds / 10**6) == printed.mult_adds == 300
    assert math.floor(total.params / 10**5) / 10 == printed.params == 3.4


TRUNCATED = {(1.0, 224), (0.75, 192), (0.5, 192), (0.5, 128), (0.5, 96),
             (0.35, 192), (0.35, 160), (0.35, 96)}  # fmt: skip


@pytest.mark.parametrize(("key", "printed"), mob.SLIM_V2_CHECKPOINTS.items())
def test_v2_slim_checkpoint_table(key, printed):
    alpha, resolution = key
    for classes in (1000, 1001):  # the checkpoints have 1001 classes
        total = mob.totals(mob.mobilenet_v2(alpha, resolution, num_classes=classes))
        assert millions(total.params, 2) == printed.params
        # every printed MACs figure is the computed one rounded down
        assert total.mult_adds // 10**6 == printed.mult_adds
        agrees = millions(total.mult_adds, 0) == printed.mult_adds
        assert agrees == (key not in TRUNCATED)


def test_v2_issue_examples():
    def mega(alpha, resolution):
        return mob.totals(mob.mobilenet_v2(alpha, resolution)).mult_adds // 10**6

    assert (mega(1.4, 224), mega(0.35, 224), mega(1.0, 128)) == (582, 59, 99)


def test_paper_comparison_v2_lists_the_truncations():
    rows = mob.paper_comparison_v2()
    assert len(rows) == 2 * (1 + 22)
    wrong = {(r.table, r.model, r.quantity) for r in rows if not r.agrees}
    expected = {("Table 4", "MobileNetV2", "mult_adds"),
                ("Table 4", "MobileNetV2", "params")}  # fmt: skip
    expected |= {
        ("slim README", f"mobilenet_v2_{a}_{r}", "mult_adds") for a, r in TRUNCATED
    }
    assert wrong == expected
    for row in rows:
        assert row.agrees == (row.rounded == row.printed)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: mob.mobilenet_v2(width_multiplier=0), ValueError, "width_multiplier"),
        (lambda: mob.mobilenet_v2(width_multiplier="1"), TypeError, "width_multiplier"),
        (lambda: mob.mobilenet_v2(resolution=31), ValueError, "resolution"),
        (lambda: mob.mobilenet_v2(resolution=224.0), TypeError, "resolution"),
        (lambda: mob.mobilenet_v2(classifier=1), TypeError, "classifier"),
        (lambda: mob.mobilenet_v2(num_classes=0), ValueError, "num_classes"),
    ],
)
def test_v2_bad_input_is_rejected(call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert "got" in str(info.value)


def test_activation_peak_by_layer_and_by_block():
    v1, v2 = mob.mobilenet_v1(), mob.mobilenet_v2()
    assert mob.activation_peak(v1) == ("conv_pw_1", (32 + 64) * 112 * 112)
    assert mob.activation_peak(v1, blocks=True) == ("block_1", (32 + 64) * 112 * 112)
    assert mob.activation_peak(v2) == ("block_1_depthwise", 1_505_280)
    # block 0 (t = 1) holds its 32-channel input and 16-channel output
    assert mob.activation_peak(v2, blocks=True) == ("block_0", (32 + 16) * 112 * 112)
    assert mob.activation_peak(v2, blocks=False) == max(
        ((r.name, r.activations) for r in v2), key=lambda item: item[1]
    )


def test_activation_peak_blocks_against_a_loop():
    """Each block's input and output from its own rows, by a plain loop."""
    rows = mob.mobilenet_v2(0.5, 160)
    held = {}
    for row in rows:
        parts = row.name.split("_")
        key = "_".join(parts[:2]) if parts[0] == "block" else row.name
        first = held.get(key, (row.input_shape, None))[0]
        held[key] = (first, row.output_shape)
    best = max(math.prod(a) + math.prod(b) for a, b in held.values())
    assert mob.activation_peak(rows, blocks=True).activations == best
    with pytest.raises(TypeError, match="blocks"):
        mob.activation_peak(rows, blocks="yes")
