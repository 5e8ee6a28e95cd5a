"""sepconv.grad: the gradients of a convolution layer, and their cost.

Oracles: central finite differences (float64), the adjoint identities
``<conv2d(x, w), g> = <x, dL/dx> = <w, dL/dw>`` over hypothesis-drawn
geometry, and a readable loop that computes both gradients product by
product and counts them (it proves ``counting.conv2d_backward_cost``).
torch's autograd and ``torch.nn.grad`` are in ``test_torch_oracle.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from geometry import layers
from hypothesis import given, settings

from sepconv import core, counting, grad

PROPERTY = settings(max_examples=60, deadline=None)


def drawn(layer):
    """(x, w, g, kwargs) from a drawn layer, with a random output gradient."""
    x, w, _, kwargs, groups, _ = layer
    kwargs = {**kwargs, "groups": groups}
    rng = np.random.default_rng(x.size)
    return x, w, rng.standard_normal(core.conv2d(x, w, **kwargs).shape), kwargs


LAYERS = layers(dtypes=(np.float64,), unbatched=True)


@PROPERTY
@given(LAYERS)
def test_input_gradient_is_the_adjoint_of_conv2d(layer):
    x, w, g, kwargs = drawn(layer)
    dx = grad.conv2d_input(x.shape, w, g, **kwargs)
    assert dx.shape == x.shape
    forward = np.vdot(core.conv2d(x, w, **kwargs), g)
    assert np.isclose(forward, np.vdot(x, dx), rtol=1e-10, atol=1e-10)


@PROPERTY
@given(LAYERS)
def test_weight_gradient_is_the_adjoint_in_the_weight(layer):
    x, w, g, kwargs = drawn(layer)
    dw = grad.conv2d_weight(x, w.shape, g, **kwargs)
    assert dw.shape == w.shape
    forward = np.vdot(core.conv2d(x, w, **kwargs), g)
    assert np.isclose(forward, np.vdot(w, dw), rtol=1e-10, atol=1e-10)


def loss_and_gradients(x, w, g, kwargs):
    """L = <conv2d(x, w), g>, whose gradients are the two functions' results."""
    return (
        lambda x_, w_: float(np.vdot(core.conv2d(x_, w_, **kwargs), g)),
        grad.conv2d_input(x.shape, w, g, **kwargs),
        grad.conv2d_weight(x, w.shape, g, **kwargs),
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2, "padding": 1},
        {"padding": "same", "dilation": (2, 1)},
        {"stride": (1, 2), "groups": 2},
        {"groups": 4, "padding": (0, 2)},  # depthwise
    ],
)
def test_central_finite_differences(kwargs):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 6, 7))
    groups = kwargs.get("groups", 1)
    w = rng.standard_normal((4, 4 // groups, 3, 2))
    g = rng.standard_normal(core.conv2d(x, w, **kwargs).shape)
    loss, dx, dw = loss_and_gradients(x, w, g, kwargs)
    h = 1e-6
    for array, gradient, which in ((x, dx, 0), (w, dw, 1)):
        for index in [tuple(rng.integers(0, n) for n in array.shape) for _ in range(8)]:
            plus, minus = array.copy(), array.copy()
            plus[index] += h
            minus[index] -= h
            args_plus = (plus, w) if which == 0 else (x, plus)
            args_minus = (minus, w) if which == 0 else (x, minus)
            numeric = (loss(*args_plus) - loss(*args_minus)) / (2 * h)
            assert numeric == pytest.approx(gradient[index], abs=1e-6)


def test_pointwise_gradients_are_matrix_products():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 4, 5))
    w = rng.standard_normal((6, 3, 1, 1))
    g = rng.standard_normal((2, 6, 4, 5))
    dx = grad.conv2d_input(x.shape, w, g)
    dw = grad.conv2d_weight(x, w.shape, g)
    np.testing.assert_allclose(dx, np.einsum("oc,nohw->nchw", w[:, :, 0, 0], g))
    np.testing.assert_allclose(dw[:, :, 0, 0], np.einsum("nohw,nchw->oc", g, x))


def test_float32_stays_float32():
    x = np.ones((1, 2, 5, 5), np.float32)
    w = np.ones((3, 2, 3, 3), np.float32)
    g = np.ones((1, 3, 3, 3), np.float32)
    assert grad.conv2d_input(x.shape, w, g).dtype == np.float32
    assert grad.conv2d_weight(x, w.shape, g).dtype == np.float32
    assert grad.conv2d_input(x.shape, w.astype(float), g).dtype == np.float64


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: grad.conv2d_input((1, 2, 5, 5), np.ones((3, 2, 3, 3)),
                                   np.ones((1, 3, 4, 3))), "grad_output"),
        (lambda: grad.conv2d_input((1, 4, 5, 5), np.ones((3, 2, 3, 3)),
                                   np.ones((1, 3, 3, 3))), "input_shape"),
        (lambda: grad.conv2d_input((2, 5, 5), np.ones((3, 2, 3, 3)),
                                   np.ones((1, 3, 3, 3))), "input_shape"),
        (lambda: grad.conv2d_input((1, 4, 5, 5), np.ones((3, 2, 3, 3)),
                                   np.ones((1, 3, 3, 3)), groups=2), "groups"),
        (lambda: grad.conv2d_weight(np.ones((1, 2, 5, 5)), (3, 2, 3),
                                    np.ones((1, 3, 3, 3))), "weight_shape"),
        (lambda: grad.conv2d_weight(np.ones((1, 2, 2, 2)), (3, 2, 3, 3),
                                    np.ones((1, 3, 1, 1))), "weight_shape"),
        (lambda: grad.conv2d_weight(np.ones((2, 5, 5)), (3, 2, 3, 3),
                                    np.ones((1, 3, 3, 3))), "grad_output"),
        (lambda: grad.conv2d_weight(np.ones((1, 2, 5, 5)), (3, 2, 3, 3),
                                    np.ones((1, 3, 3, 3)), stride=0), "stride"),
    ],
)  # fmt: skip
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


# ---------------------------------------------------------------------------
# the backward pass, product by product


def counted_backward(x, w, g, stride, pad, dilation, groups):
    """Both gradients by the definition, counting products and additions.

    Each forward product x[n, c, r, q] * w[o, c', u, v] (r, q in the padded
    input) has partners g*w (into dx at r, q) and g*x (into dw[o, c', u, v]).
    A product added to a value that already holds one costs an addition.
    """
    (sh, sw), (dh, dw_), (ph, pw) = stride, dilation, pad
    n, c, h, wd = x.shape
    c_out, cg, kh, kw = w.shape
    _, _, oh, ow = g.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph : ph + h, pw : pw + wd] = x
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    held_dx, held_dw = set(), set()
    mults = {"input": 0, "weight": 0}
    adds = {"input": 0, "weight": 0}
    m = c_out // groups
    for b in range(n):
        for o in range(c_out):
            for ci in range(cg):
                c_full = (o // m) * cg + ci
                for i in range(oh):
                    for j in range(ow):
                        for u in range(kh):
                            for v in range(kw):
                                r, q = i * sh + u * dh, j * sw + v * dw_
                                dxp[b, c_full, r, q] += g[b, o, i, j] * w[o, ci, u, v]
                                mults["input"] += 1
                                adds["input"] += (b, c_full, r, q) in held_dx
                                held_dx.add((b, c_full, r, q))
                                dw[o, ci, u, v] += g[b, o, i, j] * xp[b, c_full, r, q]
                                mults["weight"] += 1
                                adds["weight"] += (o, ci, u, v) in held_dw
                                held_dw.add((o, ci, u, v))
    return dxp[:, :, ph : ph + h, pw : pw + wd], dw, mults, adds


@pytest.mark.parametrize(
    ("shape", "c_out", "k", "stride", "pad", "dilation", "groups"),
    [
        ((1, 2, 5, 5), 3, (3, 3), (1, 1), (0, 0), (1, 1), 1),
        ((2, 2, 6, 5), 2, (2, 3), (2, 1), (1, 0), (1, 2), 2),
        ((1, 3, 7, 7), 3, (3, 3), (2, 2), (1, 1), (1, 1), 3),
        ((1, 4, 4, 4), 2, (1, 1), (1, 1), (0, 0), (1, 1), 2),
    ],
)
def test_counted_backward_equals_closed_form(shape, c_out, k, stride, pad, dilation,
                                             groups):  # fmt: skip
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((c_out, shape[1] // groups, *k))
    kwargs = {"stride": stride, "padding": pad, "dilation": dilation, "groups": groups}
    g = rng.standard_normal(core.conv2d(x, w, **kwargs).shape)
    dx, dw, mults, adds = counted_backward(x, w, g, stride, pad, dilation, groups)
    np.testing.assert_allclose(grad.conv2d_input(x.shape, w, g, **kwargs), dx)
    np.testing.assert_allclose(grad.conv2d_weight(x, w.shape, g, **kwargs), dw)
    cost = counting.conv2d_backward_cost(shape, c_out, k, **kwargs)
    forward = counting.conv2d_cost(shape, c_out, k, **kwargs)
    for name in ("input", "weight"):
        assert cost.passes[name].multiplications == mults[name]
        assert cost.passes[name].additions == adds[name]
        assert mults[name] == forward.multiplications
    assert cost.passes["input"].output_shape == shape
    assert cost.passes["weight"].output_shape == w.shape
    assert cost.multiplications == 2 * forward.multiplications
