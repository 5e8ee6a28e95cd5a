"""Every public function of sepconv.core rejects bad input clearly.

One test per kind of bad input (issue 3). Each checks the exception type and
that the message names the parameter, says what is allowed ("must be") and
echoes the value received. A fuzz test checks that no bare NumPy error
escapes for random shapes and settings.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sepconv import core

X = np.ones((1, 4, 6, 6))  # N, C, H, W
W = np.ones((2, 4, 3, 3))  # C_out, C_in, kh, kw
IMG = np.ones((6, 6))
K = np.ones((3, 3))


def check(excinfo, name, *echoes):
    """The message names ``name``, says what is allowed and echoes ``echoes``."""
    message = str(excinfo.value)
    assert message.startswith(f"{name} must be"), message
    for echo in echoes:
        assert echo in message.split("; got", 1)[1], (echo, message)


def raises(error, func, *args, **kwargs):
    with pytest.raises(error) as excinfo:
        func(*args, **kwargs)
    return excinfo


# ---------------------------------------------------------------------------
# wrong number of dimensions


@pytest.mark.parametrize(
    ("func", "args", "name", "shape"),
    [
        (core.correlate2d, (np.ones((1, 6, 6)), K), "image", "(1, 6, 6)"),
        (core.convolve2d, (IMG, np.ones(3)), "kernel", "(3,)"),
        (core.column_pass, (IMG, np.ones((3, 1))), "column", "(3, 1)"),
        (core.row_pass, (np.ones(6), [1, 2]), "image", "(6,)"),
        (core.separable_correlate2d, (IMG, [1, 2], np.ones((2, 2))), "row", "(2, 2)"),
        (core.conv2d, (np.ones((6, 6)), W), "x", "(6, 6)"),
        (core.conv2d, (X, np.ones((2, 4, 3))), "weight", "(2, 4, 3)"),
        (core.depthwise_conv2d, (X, np.ones((4, 3, 3))), "weight", "(4, 3, 3)"),
        (core.pointwise_conv2d, (X, np.ones((2, 4, 1))), "weight", "(2, 4, 1)"),
        (
            core.depthwise_separable_conv2d,
            (X, np.ones((4, 1, 3)), np.ones((2, 4))),
            "depthwise",
            "(4, 1, 3)",
        ),
        (core.conv_transpose2d, (np.ones((1, 1, 4, 6, 6)), W), "x", "(1, 1, 4, 6, 6)"),
        (core.channel_shuffle, (np.ones((4, 6)), 2), "x", "(4, 6)"),
        (
            core.flattened_conv2d,
            (X, np.ones(4), np.ones((1, 3)), np.ones((1, 3))),
            "lateral",
            "(4,)",
        ),
    ],
)
def test_wrong_number_of_dimensions(func, args, name, shape):
    excinfo = raises(ValueError, func, *args)
    check(excinfo, name, shape)
    assert "dimensions" in str(excinfo.value)


def test_wrong_number_of_dimensions_in_bias():
    check(raises(ValueError, core.conv2d, X, W, np.ones((2, 1))), "bias", "(2, 1)")


# ---------------------------------------------------------------------------
# channel counts that do not match the weight


@pytest.mark.parametrize(
    ("func", "args", "kwargs", "name", "echo"),
    [
        (core.conv2d, (np.ones((1, 3, 6, 6)), W), {}, "x", "(1, 3, 6, 6)"),
        (core.conv2d, (np.ones((3, 6, 6)), W), {}, "x", "(3, 6, 6)"),
        (core.conv2d, (X, np.ones((2, 1, 3, 3))), {"groups": 2}, "x", "(1, 4, 6, 6)"),
        (core.pointwise_conv2d, (X, np.ones((2, 3))), {}, "x", "(1, 4, 6, 6)"),
        (core.conv_transpose2d, (X, np.ones((3, 2, 3, 3))), {}, "x", "(1, 4, 6, 6)"),
        (
            core.flattened_conv2d,
            (X, np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3))),
            {},
            "x",
            "(1, 4, 6, 6)",
        ),
        (
            core.depthwise_separable_conv2d,
            (X, np.ones((4, 1, 3, 3)), np.ones((2, 8))),
            {},
            "pointwise",
            "(2, 8)",
        ),
        (
            core.depthwise_conv2d,
            (X, np.ones((6, 1, 3, 3))),
            {},
            "weight",
            "(6, 1, 3, 3)",
        ),
        (
            core.depthwise_conv2d,
            (X, np.ones((4, 2, 3, 3))),
            {},
            "weight",
            "(4, 2, 3, 3)",
        ),
        (
            core.flattened_conv2d,
            (X, np.ones((2, 4)), np.ones((3, 3)), np.ones((2, 3))),
            {},
            "vertical",
            "(3, 3)",
        ),
    ],
)
def test_channel_count_does_not_match_weight(func, args, kwargs, name, echo):
    check(raises(ValueError, func, *args, **kwargs), name, echo)


# ---------------------------------------------------------------------------
# C_in or C_out not divisible by groups


@pytest.mark.parametrize(
    ("func", "args", "groups"),
    [
        (core.conv2d, (np.ones((1, 3, 6, 6)), np.ones((2, 1, 3, 3))), 2),  # C_in = 3
        (core.conv2d, (X, np.ones((3, 2, 3, 3))), 2),  # C_out = 3
        (core.pointwise_conv2d, (X, np.ones((3, 2))), 2),  # C_out = 3
        (core.pointwise_conv2d, (X, np.ones((2, 1))), 3),  # C_in = 4
        (core.conv_transpose2d, (np.ones((1, 3, 4, 4)), np.ones((3, 1, 2, 2))), 2),
        (core.channel_shuffle, (np.ones((1, 5, 2, 2)),), 2),
    ],
)
def test_channels_not_divisible_by_groups(func, args, groups):
    if func is core.channel_shuffle:
        excinfo = raises(ValueError, func, *args, groups)
    else:
        excinfo = raises(ValueError, func, *args, groups=groups)
    check(excinfo, "groups", str(groups))


def test_groups_below_one():
    check(raises(ValueError, core.conv2d, X, W, groups=0), "groups", "0")


# ---------------------------------------------------------------------------
# a kernel larger than the padded input


@pytest.mark.parametrize(
    ("func", "args", "kwargs", "name", "echo"),
    [
        (core.correlate2d, (np.ones((3, 4)), np.ones((4, 2))), {}, "kernel", "(4, 2)"),
        (
            core.convolve2d,
            (np.ones((3, 4)), np.ones((3, 3))),
            {"dilation": 2},
            "kernel",
            "dilation (2, 2)",
        ),
        (
            core.correlate2d,
            (np.ones((3, 4)), np.ones((5, 2))),
            {"padding": (0, 1)},
            "kernel",
            "(5, 2)",
        ),
        (core.conv2d, (X, np.ones((2, 4, 7, 3))), {}, "weight", "(7, 3)"),
        (
            core.depthwise_conv2d,
            (X, np.ones((4, 1, 3, 9))),
            {"padding": 1},
            "weight",
            "(3, 9)",
        ),
        (
            core.depthwise_separable_conv2d,
            (X, np.ones((4, 1, 7, 7)), np.ones((2, 4))),
            {},
            "depthwise",
            "(7, 7)",
        ),
        (core.column_pass, (np.ones((2, 5)), [1, 2, 1]), {}, "column", "(3, 1)"),
        (core.row_pass, (np.ones((5, 2)), [1, 2, 1]), {}, "row", "(1, 3)"),
        (
            core.separable_correlate2d,
            (np.ones((2, 5)), [1, 2, 1], [1, 1]),
            {},
            "kernel",
            "(3, 2)",
        ),
        (
            core.flattened_conv2d,
            (X, np.ones((1, 4)), np.ones((1, 9)), np.ones((1, 2))),
            {},
            "vertical, horizontal",
            "(9, 2)",
        ),
        (core.output_size, (3, 5), {}, "kernel_size", "kernel_size=5"),
    ],
)
def test_kernel_larger_than_padded_input(func, args, kwargs, name, echo):
    check(raises(ValueError, func, *args, **kwargs), name, echo)


@pytest.mark.parametrize(
    ("func", "args", "kwargs", "echo"),
    [
        (
            core.conv_transpose2d,
            (np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))),
            {"padding": 2},
            "2",
        ),
        (core.transposed_output_size, (2, 2), {"padding": 2}, "2"),
    ],
)
def test_transposed_padding_that_leaves_no_output(func, args, kwargs, echo):
    check(raises(ValueError, func, *args, **kwargs), "padding", echo)


# ---------------------------------------------------------------------------
# stride or dilation of zero or less


@pytest.mark.parametrize("name", ["stride", "dilation"])
@pytest.mark.parametrize("value", [0, -1, (1, 0), (-2, 1)])
@pytest.mark.parametrize(
    "call",
    [
        lambda **kw: core.correlate2d(IMG, K, **kw),
        lambda **kw: core.convolve2d(IMG, K, **kw),
        lambda **kw: core.conv2d(X, W, **kw),
        lambda **kw: core.depthwise_conv2d(X, np.ones((4, 1, 3, 3)), **kw),
        lambda **kw: core.depthwise_separable_conv2d(
            X, np.ones((4, 1, 3, 3)), np.ones((2, 4)), **kw
        ),
        lambda **kw: core.conv_transpose2d(X, np.ones((4, 1, 3, 3)), **kw),
    ],
)
def test_stride_or_dilation_not_positive(call, name, value):
    excinfo = raises(ValueError, call, **{name: value})
    bad = next(v for v in np.atleast_1d(value) if v < 1)
    check(excinfo, name, str(bad))
    assert ">= 1" in str(excinfo.value)


@pytest.mark.parametrize("name", ["stride", "dilation", "size", "kernel_size"])
def test_output_size_rejects_non_positive(name):
    kwargs = {"size": 5, "kernel_size": 3}
    kwargs[name] = 0
    size, kernel_size = kwargs.pop("size"), kwargs.pop("kernel_size")
    check(raises(ValueError, core.output_size, size, kernel_size, **kwargs), name, "0")


def test_separable_stride_not_positive():
    excinfo = raises(ValueError, core.separable_correlate2d, IMG, [1, 1], [1], stride=0)
    check(excinfo, "stride", "0")


# ---------------------------------------------------------------------------
# negative padding


@pytest.mark.parametrize("padding", [-1, (0, -2), (-3, 1)])
@pytest.mark.parametrize(
    "call",
    [
        lambda p: core.correlate2d(IMG, K, padding=p),
        lambda p: core.separable_correlate2d(IMG, [1, 1], [1, 1], padding=p),
        lambda p: core.column_pass(IMG, [1, 1], padding=p),
        lambda p: core.row_pass(IMG, [1, 1], padding=p),
        lambda p: core.conv2d(X, W, padding=p),
        lambda p: core.depthwise_conv2d(X, np.ones((4, 1, 3, 3)), padding=p),
        lambda p: core.conv_transpose2d(X, np.ones((4, 1, 3, 3)), padding=p),
        lambda p: core.flattened_conv2d(X, np.ones((1, 4)), [[1]], [[1]], padding=p),
        lambda p: core.output_size(5, 3, padding=int(np.min(p))),
    ],
)
def test_negative_padding(call, padding):
    bad = next(v for v in np.atleast_1d(padding) if v < 0)
    check(raises(ValueError, call, padding), "padding", str(bad))


# ---------------------------------------------------------------------------
# output_padding not smaller than stride or dilation


@pytest.mark.parametrize(
    ("kwargs", "echo"),
    [
        ({"stride": 2, "output_padding": 2}, "2"),
        ({"output_padding": 1}, "1"),
        ({"stride": 2, "dilation": 3, "output_padding": (0, 3)}, "(0, 3)"),
    ],
)
def test_output_padding_not_smaller_than_stride_or_dilation(kwargs, echo):
    excinfo = raises(
        ValueError, core.conv_transpose2d, X, np.ones((4, 1, 3, 3)), **kwargs
    )
    check(excinfo, "output_padding", echo)
    excinfo = raises(
        ValueError, core.transposed_output_size, 4, 3, stride=2, output_padding=2
    )
    check(excinfo, "output_padding", "output_padding=2")


def test_negative_output_padding():
    excinfo = raises(
        ValueError,
        core.conv_transpose2d,
        X,
        W.transpose(1, 0, 2, 3),
        stride=2,
        output_padding=-1,
    )
    check(excinfo, "output_padding", "-1")


# ---------------------------------------------------------------------------
# "same" padding with a stride above 1


@pytest.mark.parametrize("stride", [2, (1, 2), (3, 1)])
@pytest.mark.parametrize(
    "call",
    [
        lambda s: core.correlate2d(IMG, K, stride=s, padding="same"),
        lambda s: core.separable_correlate2d(
            IMG, [1, 1], [1, 1], stride=s, padding="same"
        ),
        lambda s: core.column_pass(IMG, [1, 1], stride=s, padding="same"),
        lambda s: core.conv2d(X, W, stride=s, padding="same"),
        lambda s: core.depthwise_separable_conv2d(
            X, np.ones((4, 1, 3, 3)), np.ones((2, 4)), stride=s, padding="same"
        ),
        lambda s: core.conv_transpose2d(
            X, np.ones((4, 1, 3, 3)), stride=s, padding="same"
        ),
    ],
)
def test_same_padding_with_stride(call, stride):
    excinfo = raises(ValueError, call, stride)
    check(excinfo, "padding", "same", str((stride, stride) if stride == 2 else stride))


# ---------------------------------------------------------------------------
# unknown padding strings


@pytest.mark.parametrize("padding", ["full", "SAME", "", "reflect"])
@pytest.mark.parametrize(
    "call",
    [
        lambda p: core.correlate2d(IMG, K, padding=p),
        lambda p: core.row_pass(IMG, [1, 1], padding=p),
        lambda p: core.conv2d(X, W, padding=p),
        lambda p: core.conv_transpose2d(X, np.ones((4, 1, 3, 3)), padding=p),
        lambda p: core.flattened_conv2d(X, np.ones((1, 4)), [[1]], [[1]], padding=p),
    ],
)
def test_unknown_padding_string(call, padding):
    excinfo = raises(ValueError, call, padding)
    check(excinfo, "padding", repr(padding))
    assert '"same"' in str(excinfo.value)


@pytest.mark.parametrize("padding", [1.5, None, (1, 2, 3), [1.0, 0]])
def test_padding_of_the_wrong_type(padding):
    excinfo = raises(TypeError, core.conv2d, X, W, padding=padding)
    check(excinfo, "padding", repr(padding).replace("[", "").split(",")[0])


# ---------------------------------------------------------------------------
# a bias of the wrong length


@pytest.mark.parametrize(
    "call",
    [
        lambda b: core.conv2d(X, W, b),
        lambda b: core.depthwise_conv2d(X, np.ones((4, 1, 3, 3)), b),
        lambda b: core.pointwise_conv2d(X, np.ones((2, 4)), b),
        lambda b: core.depthwise_separable_conv2d(
            X, np.ones((4, 1, 3, 3)), np.ones((2, 4)), b
        ),
        lambda b: core.conv_transpose2d(X, np.ones((4, 1, 3, 3)), b),
    ],
)
def test_bias_of_the_wrong_length(call):
    excinfo = raises(ValueError, call, np.ones(3))
    check(excinfo, "bias", "(3,)")
    assert "length C_out" in str(excinfo.value)


# ---------------------------------------------------------------------------
# non-numeric or complex dtypes


BAD_VALUES = [
    (np.ones((1, 4, 6, 6), complex), "complex128"),
    (np.full((1, 4, 6, 6), "a"), "<U1"),
    (np.empty((1, 4, 6, 6), object), "object"),
]


@pytest.mark.parametrize(("value", "dtype"), BAD_VALUES)
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda v: core.correlate2d(v[0, 0], K), "image"),
        (lambda v: core.convolve2d(IMG, v[0, 0, :3, :3]), "kernel"),
        (lambda v: core.column_pass(IMG, v[0, 0, 0, :2]), "column"),
        (lambda v: core.row_pass(v[0, 0], [1]), "image"),
        (lambda v: core.separable_correlate2d(IMG, [1], v[0, 0, 0, :2]), "row"),
        (lambda v: core.conv2d(v, W), "x"),
        (lambda v: core.conv2d(X, v[:2, :, :3, :3]), "weight"),
        (lambda v: core.conv2d(X, W, v[0, 0, 0, :2]), "bias"),
        (lambda v: core.depthwise_conv2d(X, v[:, :1, :3, :3]), "weight"),
        (lambda v: core.pointwise_conv2d(X, v[0, :2, :, 0]), "weight"),
        (
            lambda v: core.depthwise_separable_conv2d(
                X, np.ones((4, 1, 3, 3)), v[0, :2, :, 0]
            ),
            "pointwise",
        ),
        (lambda v: core.conv_transpose2d(v, np.ones((4, 1, 3, 3))), "x"),
        (lambda v: core.channel_shuffle(v, 2), "x"),
        (
            lambda v: core.flattened_conv2d(X, np.ones((1, 4)), v[0, 0, :1, :2], [[1]]),
            "vertical",
        ),
    ],
)
def test_non_numeric_or_complex_dtypes(call, name, value, dtype):
    excinfo = raises(TypeError, call, value)
    check(excinfo, name, dtype)
    assert "real numbers" in str(excinfo.value)


@pytest.mark.parametrize("value", ["abc", None, {"a": 1}, [[1, 2], [3]]])
def test_non_array_inputs(value):
    check(raises(TypeError, core.correlate2d, value, K), "image")


# ---------------------------------------------------------------------------
# empty arrays


@pytest.mark.parametrize(
    ("call", "name", "shape"),
    [
        (lambda: core.correlate2d(np.ones((0, 5)), K), "image", "(0, 5)"),
        (lambda: core.correlate2d(IMG, np.ones((3, 0))), "kernel", "(3, 0)"),
        (lambda: core.separable_correlate2d(IMG, [], [1]), "column", "(0,)"),
        (lambda: core.conv2d(np.ones((0, 4, 6, 6)), W), "x", "(0, 4, 6, 6)"),
        (
            lambda: core.conv2d(np.ones((1, 0, 6, 6)), np.ones((2, 0, 3, 3))),
            "x",
            "(1, 0, 6, 6)",
        ),
        (lambda: core.conv2d(X, np.ones((0, 4, 3, 3))), "weight", "(0, 4, 3, 3)"),
        (
            lambda: core.depthwise_conv2d(np.ones((4, 0, 6)), np.ones((4, 1, 1, 1))),
            "x",
            "(4, 0, 6)",
        ),
        (lambda: core.pointwise_conv2d(X, np.ones((0, 4))), "weight", "(0, 4)"),
        (
            lambda: core.conv_transpose2d(X, np.ones((4, 0, 3, 3))),
            "weight",
            "(4, 0, 3, 3)",
        ),
        (lambda: core.channel_shuffle(np.ones((0, 2, 2)), 1), "x", "(0, 2, 2)"),
        (
            lambda: core.flattened_conv2d(X, np.ones((1, 4)), np.ones((1, 0)), [[1]]),
            "vertical",
            "(1, 0)",
        ),
    ],
)
def test_empty_arrays(call, name, shape):
    excinfo = raises(ValueError, call)
    check(excinfo, name, shape)
    assert "non-empty" in str(excinfo.value)


# ---------------------------------------------------------------------------
# non-integer sizes


@pytest.mark.parametrize(
    ("call", "name", "echo"),
    [
        (lambda: core.output_size(5.0, 3), "size", "5.0"),
        (lambda: core.output_size(5, 2.5), "kernel_size", "2.5"),
        (lambda: core.output_size(5, 3, stride=True), "stride", "True"),
        (
            lambda: core.transposed_output_size(5, 3, output_padding=0.5),
            "output_padding",
            "0.5",
        ),
        (lambda: core.correlate2d(IMG, K, stride=1.5), "stride", "1.5"),
        (lambda: core.correlate2d(IMG, K, dilation="2"), "dilation", "'2'"),
        (lambda: core.conv2d(X, W, stride=(1, 2.0)), "stride", "2.0"),
        (lambda: core.conv2d(X, W, groups=1.0), "groups", "1.0"),
        (lambda: core.conv2d(X, W, padding=(1.0, 1)), "padding", "1.0"),
        (
            lambda: core.pointwise_conv2d(X, np.ones((2, 4)), groups=np.float64(1)),
            "groups",
            "1.0",
        ),
        (
            lambda: core.conv_transpose2d(X, np.ones((4, 1, 3, 3)), output_padding=0.0),
            "output_padding",
            "0.0",
        ),
        (lambda: core.channel_shuffle(X, 2.0), "groups", "2.0"),
        (lambda: core.channel_shuffle(X, None), "groups", "None"),
    ],
)
def test_non_integer_sizes(call, name, echo):
    check(raises(TypeError, call), name, echo)


# ---------------------------------------------------------------------------
# no bare NumPy error for any shapes and settings


NAMES = (
    "x",
    "weight",
    "bias",
    "groups",
    "stride",
    "padding",
    "dilation",
    "depthwise",
    "pointwise",
    "output_padding",
)


@settings(max_examples=150, deadline=None)
@given(
    func=st.sampled_from(
        ["conv2d", "depthwise", "separable", "transpose", "pointwise"]
    ),
    x_shape=st.lists(st.integers(1, 5), min_size=3, max_size=4),
    w_shape=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    c_out=st.integers(1, 6),
    groups=st.integers(1, 4),
    stride=st.sampled_from([1, 2, (1, 3)]),
    padding=st.sampled_from([0, 1, (0, 2), "same", "valid"]),
    dilation=st.sampled_from([1, 2]),
    with_bias=st.booleans(),
)
def test_no_bare_numpy_errors(
    func, x_shape, w_shape, c_out, groups, stride, padding, dilation, with_bias
):
    x = np.ones(x_shape)
    w = np.ones(w_shape)
    bias = np.ones(c_out) if with_bias else None
    geometry = {"stride": stride, "padding": padding, "dilation": dilation}
    calls = {
        "conv2d": lambda: core.conv2d(x, w, bias, groups=groups, **geometry),
        "depthwise": lambda: core.depthwise_conv2d(x, w, bias, **geometry),
        "separable": lambda: core.depthwise_separable_conv2d(
            x, w, np.ones((c_out, w_shape[0])), bias, **geometry
        ),
        "transpose": lambda: core.conv_transpose2d(
            x, w, bias, groups=groups, **geometry
        ),
        "pointwise": lambda: core.pointwise_conv2d(x, w, bias, groups=groups),
    }
    try:
        out = calls[func]()
    except (ValueError, TypeError) as error:
        message = str(error)
        assert message.split(" must be ")[0] in NAMES, message
        assert "; got " in message, message
    else:
        assert out.ndim == len(x_shape)
        assert np.all(np.isfinite(out))
