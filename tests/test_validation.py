"""One check per contract, in ``sepconv._validation``, with one meaning each.

The batch axis, the bias, groups, padding, boolean flags and the dtype rule
are checked by one function each, which core, counting, reference, grad,
kernels, models and plotting all call; no other module defines its own
look-alike.
"""

from __future__ import annotations

import ast
import pathlib
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

import sepconv
from sepconv import _validation as v
from sepconv import core, counting, grad, kernels, models, reference
from sepconv import plotting as pl

PACKAGE = pathlib.Path(sepconv.__file__).parent
IMG = np.arange(25.0).reshape(5, 5)
K = np.ones((3, 3))
X = np.ones((4, 5, 5))
W = np.ones((2, 4, 3, 3))


def message(error, call, *args, **kwargs):
    with pytest.raises(error) as excinfo:
        call(*args, **kwargs)
    return str(excinfo.value)


# ---------------------------------------------------------------- no look-alikes

# Private helpers that re-check a contract _validation owns: a batch axis,
# padding, flags, bias, groups or the dtype rule.
LOOK_ALIKE = re.compile(
    r"^_(check_|as_|is_)?"
    r"(batch|batched|pads|padding|flag|bool|bias|groups|dtype|same_dtype)$"
)


def _defined_functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_no_module_defines_its_own_contract_check():
    found = {
        (path.name, name)
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name != "_validation.py"
        for name in _defined_functions(path)
        if LOOK_ALIKE.match(name)
    }
    assert not found, f"look-alike checks outside _validation: {sorted(found)}"


def test_the_pattern_catches_the_helpers_it_replaced():
    for name in ("_batch", "_batched", "_pads", "_check_flag", "_check_bool",
                 "_check_bias", "_bias", "_check_groups", "_same_dtype"):  # fmt: skip
        assert LOOK_ALIKE.match(name), name


# ---------------------------------------------------------------- batch axis


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 2, 3, 4), (2, 2, 3, 4)])
def test_as_batch_says_whether_x_had_a_batch_axis(shape):
    batch, batched = v.as_batch(np.ones(shape))
    assert batched == (len(shape) == 4)
    assert batch.ndim == 4
    assert batch.shape[-3:] == shape[-3:]


@pytest.mark.parametrize("shape", [(4, 5, 5), (2, 4, 5, 5)])
def test_core_and_reference_agree_on_the_batch_axis(shape):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    fast = core.conv2d(x, W, padding=1)
    counted = reference.counted_conv2d(x, W, padding=1).output
    assert fast.shape == counted.shape
    np.testing.assert_allclose(fast, counted)


def test_as_batch_rejects_other_dimensions_naming_the_parameter():
    text = message(ValueError, v.as_batch, np.ones((5, 5)), "grad_output")
    assert text.startswith("grad_output must be an array with 3 or 4 dimensions")


# ---------------------------------------------------------------- padding


@pytest.mark.parametrize("padding", [(1, 1, 1, 1), (0, 1, 0, 1), [1, 2, 3, 4]])
def test_plotting_refuses_a_four_tuple_as_core_does(padding):
    ax = Figure().add_subplot()
    expected = message(TypeError, core.correlate2d, IMG, K, padding=padding)
    assert message(TypeError, pl.draw_grid, IMG, ax, padding=padding) == expected
    grid = pl.draw_grid(IMG, ax, capacity=(9, 9))
    assert message(TypeError, grid.update, IMG, padding=padding) == expected
    assert (
        message(TypeError, counting.correlate2d_cost, (5, 5), 3, padding=padding)
        == expected
    )


@pytest.mark.parametrize("padding", [-1, (0, -2), 1.5, True, "full", "SAME", (1,)])
def test_plotting_refuses_what_core_refuses_with_the_same_message(padding):
    ax = Figure().add_subplot()
    with pytest.raises((TypeError, ValueError)) as core_error:
        core.correlate2d(IMG, K, padding=padding)
    with pytest.raises(type(core_error.value)) as plot_error:
        pl.draw_grid(IMG, ax, padding=padding)
    assert str(plot_error.value) == str(core_error.value)
    assert str(plot_error.value).startswith("padding must be")


@pytest.mark.parametrize(
    ("padding", "sides"),
    [(0, (0, 0, 0, 0)), (2, (2, 2, 2, 2)), ((1, 2), (1, 1, 2, 2)), ("valid", (0,) * 4)],
)
def test_plotting_accepts_the_core_paddings(padding, sides):
    grid = pl.draw_grid(IMG, Figure().add_subplot(), padding=padding)
    assert grid.padding == sides
    assert grid.padded_shape == (5 + sides[0] + sides[1], 5 + sides[2] + sides[3])
    assert v.resolve_padding(padding, (3, 3)) == sides


def test_same_padding_needs_a_kernel():
    text = message(
        ValueError, pl.draw_grid, IMG, Figure().add_subplot(), padding="same"
    )
    assert text.startswith("padding must be")
    assert "'same'" in text.split("; got", 1)[1]


def test_resolved_sides_pass_through_unchanged():
    sides = v.resolve_padding("same", (2, 2))
    assert sides == (0, 1, 0, 1)
    assert v.resolve_padding(sides, (5, 5)) is sides


# ---------------------------------------------------------------- boolean flags

FLAGS = [
    (lambda f: kernels.box_1d(3, normalize=f), "normalize"),
    (lambda f: kernels.box(3, normalize=f), "normalize"),
    (lambda f: kernels.disk(2, normalize=f), "normalize"),
    (lambda f: models.mobilenet_v1(separable=f), "separable"),
    (lambda f: models.mobilenet_v1(classifier=f), "classifier"),
    (lambda f: models.mobilenet_v1(bias=f), "bias"),
]


@pytest.mark.parametrize(("call", "name"), FLAGS)
@pytest.mark.parametrize("flag", [True, False])
def test_flags_accept_numpy_booleans(call, name, flag):
    # models used to reject np.bool_ while kernels accepted it: one rule now
    plain, numpy = call(flag), call(np.bool_(flag))
    if isinstance(plain, np.ndarray):
        np.testing.assert_array_equal(plain, numpy)
    else:
        assert plain == numpy


@pytest.mark.parametrize(("call", "name"), FLAGS)
@pytest.mark.parametrize("value", [1, 0, np.int64(1), None, "yes", 1.0])
def test_flags_reject_everything_else(call, name, value):
    text = message(TypeError, call, value)
    assert text.startswith(f"{name} must be True or False; got")


def test_check_flag_returns_a_python_bool():
    assert v.check_flag(np.True_, "flag") is True
    assert v.check_flag(False, "flag") is False


# ---------------------------------------------------------------- bias and groups


@pytest.mark.parametrize(
    "call",
    [
        lambda b: core.conv2d(X, W, b),
        lambda b: reference.counted_conv2d(X, W, b),
        lambda b: core.pointwise_conv2d(X, np.ones((2, 4)), b),
        lambda b: reference.counted_depthwise_separable_conv2d(
            X, np.ones((4, 1, 1, 1)), np.ones((2, 4)), b
        ),
    ],
)
def test_core_and_reference_check_the_bias_alike(call):
    text = message(ValueError, call, np.ones(3))
    assert text.startswith(
        "bias must be a 1-D array of length C_out = 2 (one per output channel); got"
    )
    assert "(3,)" in text


@pytest.mark.parametrize(
    "call",
    [
        lambda g: core.conv2d(np.ones((3, 5, 5)), np.ones((4, 1, 1, 1)), groups=g),
        lambda g: counting.conv2d_cost((3, 5, 5), 4, 1, groups=g),
        lambda g: reference.counted_conv2d(
            np.ones((3, 5, 5)), np.ones((4, 1, 1, 1)), groups=g
        ),
        lambda g: core.channel_shuffle(np.ones((3, 2, 2)), g),
        lambda g: grad.conv2d_input(
            (2, 3, 3), np.ones((3, 1, 1, 1)), X[:3, :3, :3], groups=g
        ),
    ],
)
def test_groups_that_do_not_divide_the_channels(call):
    text = message(ValueError, call, 2)
    assert text.startswith("groups must be a divisor of")
    assert text.endswith("; got 2")


@pytest.mark.parametrize("groups", [0, -1])
def test_groups_below_one(groups):
    text = message(ValueError, v.check_groups, groups, ("C", 4))
    assert text == f"groups must be an integer >= 1; got {groups}"


@pytest.mark.parametrize("groups", [1.0, True, "2"])
def test_groups_not_an_integer(groups):
    assert message(TypeError, v.check_groups, groups, ("C", 4)).startswith("groups")


# ---------------------------------------------------------------- dtype rule


@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [
        ((np.float32, np.float32), np.float32),
        ((np.float32, np.float64), np.float64),
        ((np.float32, np.int64), np.float64),
        ((np.bool_,), np.float64),
    ],
)
def test_one_dtype_rule(dtypes, expected):
    arrays = [np.ones((2, 2), d) for d in dtypes]
    assert v.result_dtype(*arrays, None) == expected
    assert all(a.dtype == expected for a in v.as_result_dtype(*arrays))
    image, kernel = np.ones((3, 3), dtypes[0]), np.ones((2, 2), dtypes[-1])
    assert core.correlate2d(image, kernel).dtype == expected
