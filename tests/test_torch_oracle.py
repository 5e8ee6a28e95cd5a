"""sepconv.core against PyTorch, over geometry drawn by hypothesis.

torch is a test-only dependency (``make torch`` installs ``torch==2.13.0``).
Without it this module is skipped as a whole, in one line; CI sets
``SEPCONV_REQUIRE_TORCH=1`` so that there a missing torch is a failure.

Each test draws a layer (batch, channels, groups, kernel size, stride,
padding, dilation, and for transposed convolutions ``output_padding``) and
an input big enough for it, and compares sepconv with
``torch.nn.functional`` on the same float64 (or float32) arrays; the
gradients of :mod:`sepconv.grad` are compared with torch's autograd and with
``torch.nn.grad``.
"""

from __future__ import annotations

import warnings

import numpy as np
from geometry import layers
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from required import import_torch

from sepconv import core, grad

torch = import_torch()
F = torch.nn.functional

ORACLE = settings(max_examples=60, deadline=None)
TOL = {np.float32: 1e-4, np.float64: 1e-11}


def assert_matches(ours, theirs, dtype):
    """Same shape and dtype, max abs error within TOL of the largest value."""
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype == dtype
    scale = max(float(np.max(np.abs(theirs))), 1.0)
    error = float(np.max(np.abs(ours - theirs)))
    assert error <= TOL[dtype] * scale, f"error {error:.3g}, scale {scale:.3g}"


def tensors(*arrays):
    return [None if a is None else torch.from_numpy(a) for a in arrays]


def torch_conv2d(x, w, b, kwargs, groups):
    tx, tw, tb = tensors(x, w, b)
    with warnings.catch_warnings():
        # torch warns that "same" with an even kernel needs an extra copy
        warnings.simplefilter("ignore", UserWarning)
        return F.conv2d(tx, tw, tb, groups=groups, **kwargs)


@ORACLE
@given(layers())
def test_conv2d(layer):
    x, w, b, kwargs, groups, dtype = layer
    ours = core.conv2d(x, w, b, groups=groups, **kwargs)
    assert_matches(ours, torch_conv2d(x, w, b, kwargs, groups), dtype)


@ORACLE
@given(layers(depthwise=True))
def test_depthwise_conv2d(layer):
    x, w, b, kwargs, groups, dtype = layer
    ours = core.depthwise_conv2d(x, w, b, **kwargs)
    assert_matches(ours, torch_conv2d(x, w, b, kwargs, groups), dtype)


@ORACLE
@given(layers(), st.integers(1, 5))
def test_pointwise_conv2d(layer, c_out_per_group):
    x, _, b, _, groups, dtype = layer
    c_in = x.shape[1]
    rng = np.random.default_rng(c_in)
    w = rng.standard_normal((groups * c_out_per_group, c_in // groups, 1, 1))
    w = w.astype(dtype)
    b = None if b is None else np.resize(b, groups * c_out_per_group)
    ours = core.pointwise_conv2d(x, w, b, groups=groups)
    assert_matches(ours, F.conv2d(*tensors(x, w, b), groups=groups), dtype)


@ORACLE
@given(layers(depthwise=True), st.integers(1, 5))
def test_depthwise_separable_conv2d(layer, c_out):
    """Keras' SeparableConv2D in torch: depthwise conv2d, then a 1x1 conv2d."""
    x, dw, b, kwargs, groups, dtype = layer
    rng = np.random.default_rng(c_out)
    pw = rng.standard_normal((c_out, dw.shape[0], 1, 1)).astype(dtype)
    b = None if b is None else np.resize(b, c_out)
    ours = core.depthwise_separable_conv2d(x, dw, pw, b, **kwargs)
    depthwise = torch_conv2d(x, dw, None, kwargs, groups)
    theirs = F.conv2d(depthwise, *tensors(pw, b))
    assert_matches(ours, theirs, dtype)


@ORACLE
@given(layers(), st.data())
def test_conv_transpose2d(layer, data):
    """Transposed convolution with output_padding and groups.

    The drawn layer is read as the conv2d being transposed: its weight
    (C_out, C_in / g, kh, kw) is a transposed weight (C_in', C_out' / g, ...)
    with C_in' = C_out, and its output shape is the transposed input.
    """
    x, w, b, kwargs, groups, dtype = layer
    if isinstance(kwargs["padding"], str):  # torch's transpose takes no strings
        kwargs["padding"] = (0, 0)
    y = core.conv2d(x, w, groups=groups, **kwargs)
    output_padding = []
    for axis in range(2):
        s, d, p = (kwargs[key][axis] for key in ("stride", "dilation", "padding"))
        k, size = w.shape[2 + axis], y.shape[2 + axis]
        uncropped = (size - 1) * s + d * (k - 1) + 1 - 2 * p  # without it
        low, high = max(0, 1 - uncropped), max(s, d) - 1
        assume(low <= high)
        output_padding.append(data.draw(st.integers(low, high)))
    output_padding = tuple(output_padding)
    b = None if b is None else np.resize(b, w.shape[1] * groups)
    ours = core.conv_transpose2d(
        y, w, b, output_padding=output_padding, groups=groups, **kwargs
    )
    theirs = F.conv_transpose2d(
        *tensors(y, w, b), output_padding=output_padding, groups=groups, **kwargs
    )
    assert_matches(ours, theirs, dtype)


@ORACLE
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2))
def test_channel_shuffle(groups, per_group, size, batch):
    x = np.arange(batch * groups * per_group * size * size, dtype=float)
    x = x.reshape(batch, groups * per_group, size, size)
    theirs = torch.nn.ChannelShuffle(groups)(torch.from_numpy(x)).numpy()
    assert np.array_equal(core.channel_shuffle(x, groups), theirs)
    # unbatched (C, H, W), which torch's module would read as (N, C, L)
    assert np.array_equal(core.channel_shuffle(x[0], groups), theirs[0])


@ORACLE
@given(layers(), st.integers(0, 2**32 - 1))
def test_gradients_against_autograd_and_nn_grad(layer, seed):
    x, w, _, kwargs, groups, dtype = layer
    y_shape = core.conv2d(x, w, groups=groups, **kwargs).shape
    g = np.random.default_rng(seed).standard_normal(y_shape).astype(dtype)
    tx, tw, tg = tensors(x, w, g)
    tx.requires_grad_(True)
    tw.requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "same", even kernels
        F.conv2d(tx, tw, groups=groups, **kwargs).backward(tg)
    dx = grad.conv2d_input(x.shape, w, g, groups=groups, **kwargs)
    dw = grad.conv2d_weight(x, w.shape, g, groups=groups, **kwargs)
    assert_matches(dx, tx.grad, dtype)
    assert_matches(dw, tw.grad, dtype)
    if not isinstance(kwargs["padding"], str):  # torch.nn.grad takes no strings
        _, _, tg = tensors(x, w, g)
        theirs_x = torch.nn.grad.conv2d_input(
            x.shape, torch.from_numpy(w), tg, groups=groups, **kwargs
        )
        theirs_w = torch.nn.grad.conv2d_weight(
            torch.from_numpy(x), w.shape, tg, groups=groups, **kwargs
        )
        assert_matches(dx, theirs_x, dtype)
        assert_matches(dw, theirs_w, dtype)
