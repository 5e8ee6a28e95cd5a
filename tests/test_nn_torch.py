"""sepconv.nn against PyTorch: every layer's forward and backward, the whole
digit classifier, and the two optimizers.

torch is a test-only dependency (``make torch`` installs ``torch==2.13.0``).
Without it this module is skipped as a whole; CI sets
``SEPCONV_REQUIRE_TORCH=1`` so that there a missing torch is a failure.

Each layer gets random float32 weights (biases too, so that a bias that is
ignored shows) and is compared with ``torch.nn.functional`` on the same
arrays: the output, the gradient with respect to the input and every
parameter's gradient from ``torch.autograd``. The optimizers take a few
steps on the same parameters and gradients as ``torch.optim.SGD`` and
``torch.optim.Adam``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from geometry import conv2d_cases
from hypothesis import given, settings
from hypothesis import strategies as st
from required import import_torch

from sepconv import nn

torch = import_torch()
F = torch.nn.functional

TOL = 1e-5  # float32: max abs error over the largest value


def assert_matches(ours, theirs):
    """Same shape, float32, max abs error within TOL of the largest value."""
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype == np.float32
    scale = max(float(np.max(np.abs(theirs))), 1.0)
    error = float(np.max(np.abs(ours - theirs)))
    assert error <= TOL * scale, f"error {error:.3g}, scale {scale:.3g}"


def leaf(array):
    return torch.tensor(np.asarray(array), requires_grad=True)


def randomize(layer, rng):
    """float32 random values for every parameter of ``layer`` (biases too)."""
    for p in layer.parameters():
        p.value = rng.standard_normal(p.value.shape, dtype=np.float32)
    return layer


class Torch:
    """Our layers run again in torch, on leaf tensors of the same weights."""

    def __init__(self):
        self.leaves = {}  # id(Parameter) -> its torch leaf

    def __call__(self, p):
        if p is None:
            return None
        return self.leaves.setdefault(id(p), leaf(p.value))

    def forward(self, layer, h):
        if isinstance(layer, nn.Sequential):
            for inner in layer.layers:
                h = self.forward(inner, h)
            return h
        if isinstance(layer, nn.Conv2d):
            with warnings.catch_warnings():
                # torch warns that "same" with an even kernel needs an extra copy
                warnings.simplefilter("ignore", UserWarning)
                w, b = self(layer.weight), self(layer.bias)
                return F.conv2d(h, w, b, **layer.geometry)
        if isinstance(layer, nn.ReLU):
            return F.relu(h)
        if isinstance(layer, nn.AvgPool2d):
            return F.avg_pool2d(h, layer.kernel_size)
        if isinstance(layer, nn.Flatten):
            return torch.flatten(h, 1)
        if isinstance(layer, nn.Linear):
            return F.linear(h, self(layer.weight), self(layer.bias))
        raise AssertionError(f"no torch equivalent for {layer!r}")

    def check_gradients(self, layer):
        """Every parameter's gradient, ours against torch's."""
        assert len(self.leaves) == len(layer.parameters())
        for p in layer.parameters():
            assert_matches(p.grad, self.leaves[id(p)].grad)


def compare_layer(layer, x, rng):
    """Forward, input gradient and parameter gradients against torch."""
    ours = layer.forward(x)
    oracle = Torch()
    tx = leaf(x)
    theirs = oracle.forward(layer, tx)
    assert_matches(ours, theirs)
    g = rng.standard_normal(ours.shape, dtype=np.float32)
    assert_matches(
        layer.backward(g), (theirs.backward(torch.from_numpy(g)), tx.grad)[1]
    )
    oracle.check_gradients(layer)


CONV_CASES = [
    # (c_in, c_out, kernel, kwargs, input hw)
    pytest.param(3, 4, 3, {"padding": 1}, (6, 7), id="standard"),
    pytest.param(4, 4, 3, {"padding": 1, "groups": 4}, (6, 6), id="depthwise"),
    pytest.param(4, 8, 3, {"groups": 4}, (6, 6), id="depthwise multiplier 2"),
    pytest.param(4, 6, 1, {}, (5, 6), id="pointwise"),
    pytest.param(4, 6, 3, {"groups": 2, "padding": 2}, (6, 6), id="grouped"),
    pytest.param(3, 4, 3, {"stride": 2, "padding": 1}, (7, 6), id="strided"),
    pytest.param(3, 4, (3, 1), {"padding": (1, 0)}, (5, 6), id="3x1"),
    pytest.param(3, 4, (1, 3), {"padding": (0, 1)}, (5, 6), id="1x3"),
    pytest.param(3, 5, (2, 3), {"padding": "same"}, (5, 6), id="same"),
    pytest.param(2, 2, 3, {"padding": (1, 0), "bias": False}, (4, 5), id="no bias"),
]


@pytest.mark.parametrize(("c_in", "c_out", "kernel", "kwargs", "hw"), CONV_CASES)
def test_conv2d(c_in, c_out, kernel, kwargs, hw):
    rng = np.random.default_rng(0)
    layer = randomize(nn.Conv2d(c_in, c_out, kernel, rng=rng, **kwargs), rng)
    compare_layer(layer, rng.standard_normal((2, c_in, *hw), dtype=np.float32), rng)


@settings(max_examples=25, deadline=None)
@given(conv2d_cases(per_group=3, extra=5), st.integers(0, 2**32 - 1))
def test_conv2d_property(case, seed):
    c_in, c_out, kernel, kwargs, hw = case
    rng = np.random.default_rng(seed)
    layer = randomize(nn.Conv2d(c_in, c_out, kernel, rng=rng, **kwargs), rng)
    compare_layer(layer, rng.standard_normal((2, c_in, *hw), dtype=np.float32), rng)


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (nn.ReLU(), (2, 3, 4, 5)),
        (nn.AvgPool2d(2), (2, 3, 4, 6)),
        (nn.AvgPool2d(8), (2, 3, 8, 8)),
        (nn.Flatten(), (2, 3, 4, 5)),
    ],
    ids=["relu", "avgpool 2", "global avgpool", "flatten"],
)
def test_parameterless_layers(layer, shape):
    rng = np.random.default_rng(1)
    compare_layer(layer, rng.standard_normal(shape, dtype=np.float32), rng)


def test_linear():
    rng = np.random.default_rng(2)
    layer = randomize(nn.Linear(12, 5, rng=rng), rng)
    compare_layer(layer, rng.standard_normal((4, 12), dtype=np.float32), rng)


def test_softmax_cross_entropy():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((6, 10), dtype=np.float32) * 4
    labels = rng.integers(0, 10, 6)
    loss = nn.SoftmaxCrossEntropy()
    value = loss.forward(logits, labels)
    tl = leaf(logits)
    theirs = F.cross_entropy(tl, torch.from_numpy(labels))
    assert value == pytest.approx(theirs.item(), rel=1e-6)
    theirs.backward()
    assert_matches(loss.backward(), tl.grad)


@pytest.mark.parametrize("kind", nn.BLOCKS)
def test_digit_classifier(kind):
    """The whole network, through the loss: every parameter's gradient."""
    rng = np.random.default_rng(4)
    model = randomize(nn.digit_classifier(kind, 4, rng=rng), rng)
    x = rng.standard_normal((5, 1, 8, 8), dtype=np.float32)
    labels = rng.integers(0, 10, 5)
    loss = nn.SoftmaxCrossEntropy()
    value = loss.forward(model.forward(x), labels)
    dx = model.backward(loss.backward())

    oracle = Torch()
    tx = leaf(x)
    theirs = F.cross_entropy(oracle.forward(model, tx), torch.from_numpy(labels))
    assert value == pytest.approx(theirs.item(), rel=1e-5)
    theirs.backward()
    assert_matches(dx, tx.grad)
    oracle.check_gradients(model)


def test_nearest_separable_layer_runs_like_its_composed_weight():
    """The depthwise-pointwise pair computes the conv2d of the composed weight."""
    rng = np.random.default_rng(5)
    conv = randomize(nn.Conv2d(3, 4, 3, stride=2, padding=1, rng=rng), rng)
    pair, error = nn.nearest_separable_layer(conv, multiplier=2)
    depthwise, pointwise = pair.layers
    dw = torch.from_numpy(depthwise.weight.value)
    pw = torch.from_numpy(pointwise.weight.value)
    composed = torch.einsum("om,mkl->omkl", pw[:, :, 0, 0], dw[:, 0])
    composed = composed.reshape(4, 3, 2, 3, 3).sum(axis=2)  # channel c: rows 2c, 2c+1
    w = torch.from_numpy(conv.weight.value)
    assert error == pytest.approx(float((w - composed).norm() / w.norm()), rel=1e-4)
    assert 0 < error < 1
    x = rng.standard_normal((2, 3, 7, 7), dtype=np.float32)
    bias = torch.from_numpy(conv.bias.value)
    expected = F.conv2d(torch.from_numpy(x), composed, bias, stride=2, padding=1)
    assert_matches(pair.forward(x), expected)


# ---------------------------------------------------------------------------
# optimizers


def run_optimizers(ours_class, theirs_class, kwargs, grad_scale=1.0, steps=6):
    """``steps`` steps of both on the same parameters and gradients."""
    rng = np.random.default_rng(6)
    shapes = [(4, 3, 3, 3), (4,), (10, 7)]
    ours = [nn.Parameter(rng.standard_normal(s, dtype=np.float32)) for s in shapes]
    theirs = [torch.tensor(p.value.copy(), requires_grad=True) for p in ours]
    optimizer = ours_class(ours, **kwargs)
    oracle = theirs_class(theirs, **kwargs)
    for _ in range(steps):
        for p, t in zip(ours, theirs, strict=True):
            g = rng.standard_normal(p.value.shape, dtype=np.float32) * grad_scale
            p.grad = g
            t.grad = torch.from_numpy(g.copy())
        optimizer.step()
        oracle.step()
        for p, t in zip(ours, theirs, strict=True):
            assert p.value.dtype == np.float32
            np.testing.assert_allclose(
                p.value, t.detach().numpy(), rtol=1e-5, atol=1e-6
            )
    return ours


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1, "momentum": 0.0},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01},
        {"lr": 0.3, "momentum": 0.5, "weight_decay": 0.5},
    ],
)
def test_sgd(kwargs):
    run_optimizers(nn.SGD, torch.optim.SGD, kwargs)


@pytest.mark.parametrize(
    ("kwargs", "grad_scale"),
    [
        ({}, 1.0),
        ({"lr": 0.01, "betas": (0.5, 0.9)}, 1.0),
        ({"lr": 0.01, "betas": (0.0, 0.0)}, 1.0),
        ({"lr": 0.01, "eps": 1e-3}, 1e-3),  # eps of the size of sqrt(v): it counts
        ({"lr": 0.01}, 1e-8),  # gradients near eps
    ],
)
def test_adam(kwargs, grad_scale):
    run_optimizers(nn.Adam, torch.optim.Adam, kwargs, grad_scale)


def test_sgd_default_momentum_is_torchs_09():
    """``nn.SGD``'s default momentum is 0.9 (torch's is 0): say so by checking."""
    run_optimizers(
        lambda p, **kw: nn.SGD(p, lr=0.1),
        lambda p, **kw: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        {},
    )
