"""Transposed convolution as a convolution over a zero-inserted input.

``core.conv_transpose2d_by_zero_insertion`` against ``core.conv_transpose2d``
(the scatter view) over drawn geometry, ``core.zero_insert`` against a loop,
and the closed forms ``counting.conv_transpose2d_by_zero_insertion_cost`` and
``counting.zero_insertion_waste`` against products counted one by one.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from loops import assert_close, counted_conv_transpose2d, integers_array

from sepconv import core, counting
from sepconv._validation import resolve_padding
from sepconv.reference import counted_conv2d

DRAWN = settings(max_examples=80, deadline=None)


@st.composite
def transposed_layers(draw, *, strings=True):
    """``(x, weight, bias, kwargs)`` for a transposed convolution that fits.

    ``x`` is (C_in, H, W) or (N, C_in, H, W) of small integers; ``kwargs``
    holds stride, padding, output_padding, dilation and groups.
    """
    g, n_in, m = (draw(st.integers(1, 3)), draw(st.integers(1, 2)),
                  draw(st.integers(1, 2)))  # fmt: skip
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    options = [st.integers(0, 3), st.tuples(st.integers(0, 3), st.integers(0, 3))]
    if strings:
        options.append(st.just("valid"))
        if s == (1, 1):
            options.append(st.just("same"))
    padding = draw(st.one_of(*options))
    op = tuple(draw(st.integers(0, max(s[a], d[a]) - 1)) for a in range(2))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pads = resolve_padding(padding, k, s, d)
    for a, size in enumerate((h, w)):
        full = (size - 1) * s[a] + d[a] * (k[a] - 1) + 1 + op[a]
        assume(full - pads[2 * a] - pads[2 * a + 1] >= 1)
    batch = draw(st.sampled_from([(), (2,)]))
    x = integers_array(draw, (*batch, g * n_in, h, w))
    weight = integers_array(draw, (g * n_in, m, *k))
    bias = draw(st.one_of(st.none(), st.just(np.arange(g * m) - 1.0)))
    kwargs = {"stride": s, "padding": padding, "output_padding": op,
              "dilation": d, "groups": g}  # fmt: skip
    return x, weight, bias, kwargs


@DRAWN
@given(transposed_layers())
@example(  # a 1-pixel input: one side crops all of it, the other pads it back
    (np.full((1, 1, 1), 2.0), np.array([[[[1.0, 3.0]]]]), None,
     {"stride": (3, 1), "padding": 1, "output_padding": (2, 0),
      "dilation": (1, 2), "groups": 1})
)  # fmt: skip
def test_zero_insertion_equals_the_scatter(layer):
    x, weight, bias, kwargs = layer
    ours = core.conv_transpose2d_by_zero_insertion(x, weight, bias, **kwargs)
    assert_close(ours, core.conv_transpose2d(x, weight, bias, **kwargs))


def test_zero_insertion_keeps_float32():
    x, w = np.ones((1, 2, 3, 3), np.float32), np.ones((2, 1, 3, 3), np.float32)
    out = core.conv_transpose2d_by_zero_insertion(x, w, stride=2, groups=2)
    assert out.dtype == np.float32
    assert out.shape == (1, 2, 7, 7)


@given(st.data(), st.integers(1, 3), st.integers(1, 3))
def test_zero_insert_puts_the_pixels_stride_apart(data, sh, sw):
    x = integers_array(data.draw, (2, data.draw(st.integers(1, 4)), 3))
    out = core.zero_insert(x, (sh, sw))
    expected = np.zeros((2, (x.shape[1] - 1) * sh + 1, (x.shape[2] - 1) * sw + 1))
    for c, i, j in np.ndindex(x.shape):
        expected[c, i * sh, j * sw] = x[c, i, j]
    assert np.array_equal(out, expected)


X, W = np.ones((1, 4, 5, 5)), np.ones((4, 1, 3, 3))
BAD = [
    ((X, W), {"stride": 0}, ValueError, "stride"),
    ((X, W), {"stride": 1.5}, TypeError, "stride"),
    ((X, W), {"padding": -1}, ValueError, "padding"),
    ((X, W), {"padding": "full"}, ValueError, "padding"),
    ((X, W), {"padding": 9}, ValueError, "padding"),
    ((X, W), {"stride": 2, "output_padding": 2}, ValueError, "output_padding"),
    ((X, W), {"dilation": 0}, ValueError, "dilation"),
    ((X, W), {"groups": 3}, ValueError, "groups"),
    ((X, np.ones((3, 1, 3, 3))), {}, ValueError, "x"),
    ((X, np.ones((4, 3, 3))), {}, ValueError, "weight"),
    ((X, W, np.ones(2)), {}, ValueError, "bias"),
    ((X.astype(complex), W), {}, TypeError, "x"),
]


@pytest.mark.parametrize(("args", "kwargs", "error", "name"), BAD)
def test_bad_input_is_refused_as_by_the_scatter(args, kwargs, error, name):
    with pytest.raises(error, match=name) as scatter:
        core.conv_transpose2d(*args, **kwargs)
    with pytest.raises(error, match=name) as ours:
        core.conv_transpose2d_by_zero_insertion(*args, **kwargs)
    assert str(ours.value) == str(scatter.value)


def test_zero_insert_refuses_a_bad_stride():
    with pytest.raises(ValueError, match="stride"):
        core.zero_insert(X, 0)


# ------------------------------------------------------------------ counting


def conv2d_weight(weight, groups):
    """The conv2d weight of the zero-insertion view, written out one by one."""
    c_in, m, kh, kw = weight.shape
    n = c_in // groups
    out = np.zeros((groups * m, n, kh, kw))
    for g, k, c, u, v in np.ndindex(groups, m, n, kh, kw):
        out[g * m + k, c, u, v] = weight[g * n + c, k, kh - 1 - u, kw - 1 - v]
    return out


def zero_products(padded, weight_shape, dilation, groups):
    """Products of a stride-1 conv2d over ``padded`` whose pixel is zero."""
    c_out, n, kh, kw = weight_shape
    oh = padded.shape[1] - dilation[0] * (kh - 1)
    ow = padded.shape[2] - dilation[1] * (kw - 1)
    zeros = 0
    for o, i, j in np.ndindex(c_out, oh, ow):
        first = (o // (c_out // groups)) * n
        for c, u, v in np.ndindex(n, kh, kw):
            pixel = padded[first + c, i + u * dilation[0], j + v * dilation[1]]
            zeros += int(pixel == 0)
    return zeros


@DRAWN
@given(transposed_layers(strings=False))
def test_zero_insertion_counts_equal_counted_loops(layer):
    x, weight, _, kwargs = layer
    x = x[0] if x.ndim == 4 else x
    x = np.where(x == 0, 5.0, x)  # no zero among the real pixels
    (kh, kw), (dh, dw) = weight.shape[2:], kwargs["dilation"]
    ph, pw = (kwargs["padding"],) * 2 if np.ndim(kwargs["padding"]) == 0 else (
        kwargs["padding"])  # fmt: skip
    assume(ph <= dh * (kh - 1) and pw <= dw * (kw - 1))  # pad, never crop
    (oph, opw), groups = kwargs["output_padding"], kwargs["groups"]
    padded = np.pad(core.zero_insert(x, kwargs["stride"]),
                    [(0, 0), (dh * (kh - 1) - ph, dh * (kh - 1) - ph + oph),
                     (dw * (kw - 1) - pw, dw * (kw - 1) - pw + opw)])  # fmt: skip
    w2 = conv2d_weight(weight, groups)
    counted = counted_conv2d(padded, w2, dilation=(dh, dw), groups=groups)
    assert_close(counted.output, core.conv_transpose2d(x, weight, **kwargs))
    shape_args = (x.shape, w2.shape[0], (kh, kw))
    cost = counting.conv_transpose2d_by_zero_insertion_cost(*shape_args, **kwargs)
    assert (counted.multiplications, counted.additions) == (
        cost.multiplications, cost.additions)  # fmt: skip
    assert cost.output_shape == counted.output.shape
    waste = counting.zero_insertion_waste(*shape_args, **kwargs)
    assert waste == zero_products(padded, w2.shape, (dh, dw), groups)


@DRAWN
@given(transposed_layers(strings=False))
def test_without_padding_the_waste_is_the_extra_work(layer):
    """No padding: the scatter's products all land, the rest are zeros."""
    x, weight, _, kwargs = layer
    x = x[0] if x.ndim == 4 else x
    kwargs["padding"] = 0
    scatter = counted_conv_transpose2d(
        x, weight, **{k: np.broadcast_to(v, 2).tolist() if k != "groups" else v
                      for k, v in kwargs.items()})  # fmt: skip
    shape_args = (x.shape, weight.shape[1] * kwargs["groups"], weight.shape[2:])
    cost = counting.conv_transpose2d_by_zero_insertion_cost(*shape_args, **kwargs)
    waste = counting.zero_insertion_waste(*shape_args, **kwargs)
    assert cost.multiplications - waste == scatter.multiplications
    (oh, ow), (h, w) = cost.output_shape[1:], x.shape[1:]
    # C_out (C_in / groups) kh kw = C_in (C_out / groups) kh kw = weight.size
    assert waste == weight.size * (oh * ow - h * w)


def test_waste_counts_every_image_of_a_batch():
    one = counting.zero_insertion_waste((3, 5, 5), 4, 3, stride=2, padding=1)
    assert counting.zero_insertion_waste((6, 3, 5, 5), 4, 3, stride=2, padding=1) == (
        6 * one
    )


def test_zero_insertion_cost_refuses_what_the_scatter_cost_refuses():
    with pytest.raises(ValueError, match="output_padding"):
        counting.conv_transpose2d_by_zero_insertion_cost(
            (1, 4, 4), 1, 3, stride=2, output_padding=2
        )
    with pytest.raises(ValueError, match="padding"):
        counting.zero_insertion_waste((1, 2, 2), 1, 3, padding=3)
