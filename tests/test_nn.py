"""sepconv.nn: the small NumPy trainer (issue 15, section 3).

Oracles: central finite differences in float64 for every layer's backward
(the layers' parameters are set to float64 arrays after construction, and
the forward and backward passes then stay in float64); sepconv.counting's
closed forms for ``Sequential.cost``; parameter counts for
``matched_width``; repeated runs for determinism; a short training run for
learning. torch's autograd and optimizers are in ``test_nn_torch.py``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from geometry import conv2d_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from sepconv import counting, nn

PROPERTY = settings(max_examples=25, deadline=None)
H = 1e-6  # finite-difference step; float64 gives ~1e-9 absolute accuracy


# ---------------------------------------------------------------------------
# helpers


def in_float64(layer, rng):
    """Give every parameter of ``layer`` random float64 values (biases too)."""
    for p in layer.parameters():
        p.value = rng.standard_normal(p.value.shape)
    return layer


def sample(shape, rng, count):
    """Up to ``count`` distinct indices into an array of ``shape``."""
    size = int(np.prod(shape))
    flat = rng.choice(size, size=min(count, size), replace=False)
    return [np.unravel_index(i, shape) for i in flat]


def central_difference(loss, array, index):
    """d loss / d array[index], perturbing ``array`` in place and restoring it."""
    saved = array[index]
    array[index] = saved + H
    plus = loss()
    array[index] = saved - H
    minus = loss()
    array[index] = saved
    return (plus - minus) / (2 * H)


def check_gradients(layer, x, rng, count=40):
    """Backward of ``layer`` against central differences of <forward(x), g>.

    Checks the input gradient and every parameter's gradient, at up to
    ``count`` entries of each; returns the forward output.
    """
    out = layer.forward(x)
    assert out.dtype == np.float64
    g = rng.standard_normal(out.shape)
    dx = layer.backward(g)
    assert dx.shape == x.shape and dx.dtype == np.float64
    grads = [p.grad.copy() for p in layer.parameters()]

    def loss():
        return float(np.vdot(layer.forward(x), g))

    arrays = [(x, dx)] + [
        (p.value, gp) for p, gp in zip(layer.parameters(), grads, strict=True)
    ]
    for array, gradient in arrays:
        assert gradient.shape == array.shape and gradient.dtype == np.float64
        for index in sample(array.shape, rng, count):
            numeric = central_difference(loss, array, index)
            assert numeric == pytest.approx(gradient[index], abs=1e-6, rel=1e-6)
    return out


def model_gradients(model, x, labels, rng, count=12):
    """A model's backward through the loss against central differences."""
    loss = nn.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), labels)
    dx = model.backward(loss.backward())
    grads = [p.grad.copy() for p in model.parameters()]

    def value():
        return loss.forward(model.forward(x), labels)

    pairs = [(x, dx)] + [
        (p.value, gp) for p, gp in zip(model.parameters(), grads, strict=True)
    ]
    for array, gradient in pairs:
        assert gradient.shape == array.shape and gradient.dtype == np.float64
        for index in sample(array.shape, rng, count):
            numeric = central_difference(value, array, index)
            assert numeric == pytest.approx(gradient[index], abs=1e-7, rel=1e-6)


# ---------------------------------------------------------------------------
# every layer's backward against finite differences (float64)


CONV_CASES = [
    # (c_in, c_out, kernel, kwargs, input hw)
    pytest.param(3, 4, 3, {}, (6, 7), id="standard"),
    pytest.param(3, 4, 3, {"padding": 1}, (6, 7), id="standard padded"),
    pytest.param(4, 4, 3, {"padding": 1, "groups": 4}, (6, 6), id="depthwise"),
    pytest.param(4, 8, 3, {"groups": 4}, (6, 6), id="depthwise multiplier 2"),
    pytest.param(4, 6, 1, {}, (5, 6), id="pointwise"),
    pytest.param(4, 6, 3, {"groups": 2}, (6, 6), id="grouped"),
    pytest.param(3, 4, 3, {"stride": 2, "padding": 1}, (7, 6), id="strided"),
    pytest.param(3, 4, 3, {"stride": (2, 1)}, (7, 6), id="strided (2, 1)"),
    pytest.param(3, 4, (3, 1), {"padding": (1, 0)}, (5, 6), id="3x1 padding (1, 0)"),
    pytest.param(3, 4, (1, 3), {"padding": (0, 1)}, (5, 6), id="1x3 padding (0, 1)"),
    pytest.param(2, 2, (3, 2), {"padding": (2, 1), "bias": False}, (4, 5), id="bias"),
]


@pytest.mark.parametrize(("c_in", "c_out", "kernel", "kwargs", "hw"), CONV_CASES)
def test_conv2d_backward(c_in, c_out, kernel, kwargs, hw):
    rng = np.random.default_rng(1)
    layer = in_float64(nn.Conv2d(c_in, c_out, kernel, rng=rng, **kwargs), rng)
    assert len(layer.parameters()) == (1 if kwargs.get("bias") is False else 2)
    check_gradients(layer, rng.standard_normal((2, c_in, *hw)), rng)


@PROPERTY
@given(conv2d_cases(), st.integers(0, 2**32 - 1))
def test_conv2d_backward_property(case, seed):
    c_in, c_out, kernel, kwargs, hw = case
    rng = np.random.default_rng(seed)
    layer = in_float64(nn.Conv2d(c_in, c_out, kernel, rng=rng, **kwargs), rng)
    check_gradients(layer, rng.standard_normal((2, c_in, *hw)), rng, count=12)


def test_relu_backward():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5))
    x += np.sign(x) * 1e-3  # keep every entry away from the kink
    out = check_gradients(nn.ReLU(), x, rng, count=x.size)
    np.testing.assert_array_equal(out, np.maximum(x, 0))


@pytest.mark.parametrize("size", [1, 2, 3, 6])
def test_avgpool2d_backward(size):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 6))
    out = check_gradients(nn.AvgPool2d(size), x, rng, count=x.size)
    n, c = x.shape[:2]
    tiles = x.reshape(n, c, 6 // size, size, 6 // size, size)
    np.testing.assert_allclose(out, tiles.mean(axis=(3, 5)), rtol=1e-14)


def test_flatten_backward():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 4, 5))
    out = check_gradients(nn.Flatten(), x, rng, count=x.size)
    assert out.shape == (3, 40)
    np.testing.assert_array_equal(out[1], x[1].ravel())


def test_linear_backward():
    rng = np.random.default_rng(5)
    layer = in_float64(nn.Linear(7, 4, rng=rng), rng)
    x = rng.standard_normal((5, 7))
    out = check_gradients(layer, x, rng, count=28)
    w, b = (p.value for p in layer.parameters())
    np.testing.assert_allclose(out, x @ w.T + b, rtol=1e-13)


def test_softmax_cross_entropy_backward():
    rng = np.random.default_rng(6)
    logits = rng.standard_normal((5, 4)) * 3
    labels = np.array([0, 3, 1, 1, 2])
    loss = nn.SoftmaxCrossEntropy()
    value = loss.forward(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert value == pytest.approx(-np.log(p[np.arange(5), labels]).mean(), rel=1e-13)
    gradient = loss.backward()
    assert gradient.shape == logits.shape and gradient.dtype == np.float64
    for index in np.ndindex(logits.shape):
        numeric = central_difference(
            lambda: loss.forward(logits, labels), logits, index
        )
        assert numeric == pytest.approx(gradient[index], abs=1e-8)


def test_softmax_cross_entropy_is_stable_for_large_logits():
    loss = nn.SoftmaxCrossEntropy()
    value = loss.forward(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert value == pytest.approx(500.0)
    np.testing.assert_allclose(loss.backward(), [[0, 0], [-0.5, 0.5]], atol=1e-12)


@pytest.mark.parametrize("kind", nn.BLOCKS)
def test_digit_classifier_backward(kind):
    rng = np.random.default_rng(7)
    model = nn.digit_classifier(kind, 3, rng=rng)
    for p in model.parameters():  # float64, biases away from zero
        p.value = p.value.astype(np.float64) + 0.1 * rng.standard_normal(p.value.shape)
    x = rng.standard_normal((3, 1, 8, 8))
    model_gradients(model, x, np.array([1, 7, 4]), rng)


def test_sequential_backward_runs_in_reverse_and_collects_parameters():
    rng = np.random.default_rng(8)
    a = nn.Linear(3, 4, rng=rng)
    b = nn.Linear(4, 2, rng=rng)
    model = in_float64(nn.Sequential(a, nn.ReLU(), b), rng)
    assert model.parameters() == [a.weight, a.bias, b.weight, b.bias]
    x = rng.standard_normal((6, 3))
    check_gradients(model, x, rng, count=12)


# ---------------------------------------------------------------------------
# float32 in, float32 out


def test_float32_throughout():
    rng = np.random.default_rng(9)
    model = nn.digit_classifier("depthwise separable", 4, rng=rng)
    assert all(p.value.dtype == np.float32 for p in model.parameters())
    x = rng.standard_normal((2, 1, 8, 8), dtype=np.float32)
    loss = nn.SoftmaxCrossEntropy()
    logits = model.forward(x)
    assert logits.dtype == np.float32
    loss.forward(logits, np.array([0, 1]))
    g = loss.backward()
    assert g.dtype == np.float32
    assert model.backward(g).dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    for optimizer in (nn.SGD(model.parameters(), lr=0.1), nn.Adam(model.parameters())):
        optimizer.step()
        assert all(p.value.dtype == np.float32 for p in model.parameters())


def test_parameter_is_float32_with_a_zero_gradient():
    p = nn.Parameter([[1, 2], [3, 4]])
    assert p.value.dtype == np.float32 and p.grad.dtype == np.float32
    np.testing.assert_array_equal(p.grad, np.zeros((2, 2)))


# ---------------------------------------------------------------------------
# costs: Sequential.cost is the sum of sepconv.counting's closed forms


def without_bias(cost):
    return dataclasses.replace(cost, parameters_with_bias=cost.parameters)


def block_cost(kind, shape, width):
    if kind == "standard":
        return counting.conv2d_cost(shape, width, 3, padding=1)
    if kind == "depthwise separable":
        return counting.depthwise_separable_conv2d_cost(shape, width, 3, padding=1)
    column = without_bias(counting.conv2d_cost(shape, width, (3, 1), padding=(1, 0)))
    return column + counting.conv2d_cost(
        column.output_shape, width, (1, 3), padding=(0, 1)
    )


@pytest.mark.parametrize("kind", nn.BLOCKS)
@pytest.mark.parametrize(("width", "blocks", "batch"), [(4, 2, 1), (6, 1, 5)])
def test_sequential_cost_matches_counting(kind, width, blocks, batch):
    model = nn.digit_classifier(
        kind, width, blocks=blocks, rng=np.random.default_rng(0)
    )
    stem = counting.conv2d_cost((batch, 1, 8, 8), width, 3, padding=1)
    expected = stem + sum(
        block_cost(kind, (batch, width, 8, 8), width) for _ in range(blocks)
    )
    pooled = batch * width * 4 * 4  # one multiplication, 3 additions per mean
    expected += counting.Cost(pooled, 3 * pooled, 0, 0, (batch, width, 4, 4))
    features = 16 * width
    expected += counting.Cost(
        batch * features * 10,
        batch * (features - 1) * 10,
        features * 10,
        features * 10 + 10,
        (batch, 10),
    )
    cost = model.cost((batch, 1, 8, 8))
    assert cost == expected
    assert cost.output_shape == model.output_shape((batch, 1, 8, 8)) == (batch, 10)
    assert cost.parameters_with_bias == sum(p.value.size for p in model.parameters())
    weights = [p for p in model.parameters() if p.value.ndim > 1]
    assert cost.parameters == sum(p.value.size for p in weights)


def test_layer_costs_and_shapes():
    rng = np.random.default_rng(0)
    conv = nn.Conv2d(4, 6, (3, 1), stride=(2, 1), padding=(1, 0), groups=2, rng=rng)
    expected = counting.conv2d_cost(
        (2, 4, 7, 5), 6, (3, 1), stride=(2, 1), padding=(1, 0), groups=2
    )
    assert conv.cost((2, 4, 7, 5)) == expected
    out = conv.forward(np.ones((2, 4, 7, 5), np.float32))
    assert conv.output_shape((2, 4, 7, 5)) == out.shape == (2, 6, 4, 5)
    for layer in (nn.ReLU(), nn.Flatten()):
        cost = layer.cost((2, 3, 4, 4))
        assert (cost.multiplications, cost.additions, cost.parameters) == (0, 0, 0)
    assert nn.Flatten().output_shape((2, 3, 4, 4)) == (2, 48)
    assert nn.AvgPool2d(2).output_shape((2, 3, 4, 6)) == (2, 3, 2, 3)


def count_parameters(kind, width, blocks=2):
    model = nn.digit_classifier(
        kind, width, blocks=blocks, rng=np.random.default_rng(0)
    )
    return sum(p.value.size for p in model.parameters())


@pytest.mark.parametrize("kind", nn.BLOCKS)
@pytest.mark.parametrize("width", [1, 4, 8, 16])
def test_matched_width_is_the_closest_standard_width(kind, width):
    target = count_parameters(kind, width)
    sizes = {w: count_parameters("standard", w) for w in range(1, 2 * width + 2)}
    best = min(sizes, key=lambda w: (abs(sizes[w] - target), w))
    assert nn.matched_width(kind, width) == best
    assert best == width if kind == "standard" else best <= width


def test_matched_width_with_one_block():
    target = count_parameters("depthwise separable", 12, blocks=1)
    sizes = {w: count_parameters("standard", w, blocks=1) for w in range(1, 14)}
    best = min(sizes, key=lambda w: (abs(sizes[w] - target), w))
    assert nn.matched_width("depthwise separable", 12, blocks=1) == best


def test_blocks():
    rng = np.random.default_rng(0)
    shapes = {
        kind: [p.value.shape for p in nn.Sequential(*block).parameters()]
        for kind in nn.BLOCKS
        for block in [nn.conv_block(kind, 4, 6, rng=rng)]
    }
    assert shapes == {
        "standard": [(6, 4, 3, 3), (6,)],
        "depthwise separable": [(4, 1, 3, 3), (6, 4, 1, 1), (6,)],
        "spatially separable": [(6, 4, 3, 1), (6, 6, 1, 3), (6,)],
    }
    for kind in nn.BLOCKS:
        block = nn.conv_block(kind, 4, 6, rng=rng)
        assert isinstance(block[-1], nn.ReLU)
        out = nn.Sequential(*block).forward(np.ones((1, 4, 8, 8), np.float32))
        assert out.shape == (1, 6, 8, 8)


# ---------------------------------------------------------------------------
# data


def needs_sklearn():
    """scikit-learn is the learn extra: a plain install skips the digits."""
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (learn extra)")


@pytest.fixture(scope="module")
def digits():
    needs_sklearn()
    return nn.load_digits()


def test_load_digits_shapes_and_dtypes(digits):
    (x_tr, y_tr), (x_te, y_te) = digits
    assert x_tr.shape == (1347, 1, 8, 8) and x_te.shape == (450, 1, 8, 8)
    assert y_tr.shape == (1347,) and y_te.shape == (450,)
    assert x_tr.dtype == x_te.dtype == np.float32
    assert y_tr.dtype == y_te.dtype == np.int64
    assert set(np.unique(y_tr)) == set(np.unique(y_te)) == set(range(10))


def test_load_digits_is_stratified(digits):
    (_, y_tr), (_, y_te) = digits
    n = len(y_tr) + len(y_te)
    for c in range(10):
        total = np.sum(y_tr == c) + np.sum(y_te == c)
        assert abs(np.sum(y_te == c) - len(y_te) * total / n) <= 1
        assert abs(np.sum(y_tr == c) - len(y_tr) * total / n) <= 1


def test_load_digits_is_standardized_with_the_training_set(digits):
    (x_tr, _), (x_te, _) = digits
    assert abs(float(x_tr.mean(dtype=np.float64))) < 1e-5
    assert abs(float(x_tr.std(dtype=np.float64)) - 1) < 1e-5
    # The raw pixels are the integers 0..16, both present in the training set:
    # undo the training set's standardization and the test set comes back to
    # integers too (it was standardized with the same mean and std).
    low, high = float(x_tr.min()), float(x_tr.max())
    std = 16 / (high - low)
    mean = -low * std
    for x in (x_tr, x_te):
        raw = x.astype(np.float64) * std + mean
        np.testing.assert_allclose(raw, np.round(raw), atol=1e-4)
        assert raw.min() > -1e-4 and raw.max() < 16 + 1e-4


def test_load_digits_is_fixed_by_its_seed(digits):
    (x_tr, y_tr), (x_te, y_te) = digits
    (x2, y2), (x2_te, y2_te) = nn.load_digits(seed=0)
    np.testing.assert_array_equal(x2, x_tr)
    np.testing.assert_array_equal(y2, y_tr)
    np.testing.assert_array_equal(x2_te, x_te)
    np.testing.assert_array_equal(y2_te, y_te)
    (x3, y3), _ = nn.load_digits(seed=1)
    assert not np.array_equal(y3, y_tr)
    assert not np.array_equal(x3, x_tr)


def test_load_digits_test_fraction():
    needs_sklearn()
    (x_tr, _), (x_te, y_te) = nn.load_digits(test_fraction=0.5, seed=3)
    assert len(x_tr) + len(x_te) == 1797
    assert len(x_te) in (898, 899)
    assert set(np.unique(y_te)) == set(range(10))


# ---------------------------------------------------------------------------
# training: deterministic, float32, and it learns


def train(digits, *, seed=0, shuffle=1, n=240, epochs=2, optimizer=nn.SGD, **kw):
    (x_tr, y_tr), (x_te, y_te) = digits
    model = nn.digit_classifier(
        "depthwise separable", 4, rng=np.random.default_rng(seed)
    )
    opt = optimizer(model.parameters(), **kw)
    history = nn.fit(
        model,
        opt,
        (x_tr[:n], y_tr[:n]),
        (x_te[:100], y_te[:100]),
        epochs=epochs,
        batch_size=16,
        rng=np.random.default_rng(shuffle),
    )
    return model, history


@pytest.mark.parametrize(
    ("optimizer", "kw"), [(nn.SGD, {"lr": 0.05}), (nn.Adam, {"lr": 1e-2})]
)
def test_fit_is_bit_for_bit_repeatable(digits, optimizer, kw):
    a, history_a = train(digits, optimizer=optimizer, **kw)
    b, history_b = train(digits, optimizer=optimizer, **kw)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert p.value.dtype == q.value.dtype == np.float32
        assert p.value.tobytes() == q.value.tobytes()
    assert history_a.loss == history_b.loss
    assert history_a.train_accuracy == history_b.train_accuracy
    assert history_a.test_accuracy == history_b.test_accuracy
    assert len(history_a.loss) == len(history_a.seconds) == 2
    assert all(s > 0 for s in history_a.seconds)
    # the shuffling and the initial weights do depend on their seeds
    c, _ = train(digits, shuffle=2, optimizer=optimizer, **kw)
    d, _ = train(digits, seed=1, optimizer=optimizer, **kw)
    for other in (c, d):
        assert not np.array_equal(a.parameters()[0].value, other.parameters()[0].value)


def test_fit_reports_each_epoch(digits):
    lines = []
    (x_tr, y_tr), test = digits
    model = nn.digit_classifier("standard", 2, rng=np.random.default_rng(0))
    history = nn.fit(
        model,
        nn.SGD(model.parameters(), lr=0.05),
        (x_tr[:64], y_tr[:64]),
        test,
        epochs=2,
        rng=np.random.default_rng(0),
        report=lines.append,
    )
    assert len(lines) == 2 and lines[1].startswith("epoch 2: loss ")
    assert f"test {history.test_accuracy[1]:.3f}" in lines[1]
    assert history.test_accuracy[1] == nn.accuracy(model, *test)
    assert history.train_accuracy[1] == nn.accuracy(model, x_tr[:64], y_tr[:64])


def test_fit_loss_is_the_mean_over_samples(digits):
    """With a negligible step the epoch's loss is the loss of the whole set."""
    (x_tr, y_tr), test = digits
    x, y = x_tr[:100], y_tr[:100]  # batches of 16: the last one holds 4
    model = nn.digit_classifier("standard", 3, rng=np.random.default_rng(0))
    before = [p.value.copy() for p in model.parameters()]
    expected = nn.SoftmaxCrossEntropy().forward(model.forward(x), y)
    optimizer = nn.SGD(model.parameters(), lr=1e-30, momentum=0.0)
    history = nn.fit(
        model,
        optimizer,
        (x, y),
        test,
        epochs=1,
        batch_size=16,
        rng=np.random.default_rng(0),
    )
    for p, value in zip(model.parameters(), before, strict=True):
        np.testing.assert_allclose(p.value, value, rtol=1e-6, atol=1e-20)
    assert history.loss[0] == pytest.approx(expected, rel=1e-5)


def test_fit_learns_the_digits(digits):
    (x_tr, y_tr), (x_te, y_te) = digits
    model = nn.digit_classifier("standard", 8, rng=np.random.default_rng(0))
    history = nn.fit(
        model,
        nn.SGD(model.parameters(), lr=0.05),
        (x_tr, y_tr),
        (x_te, y_te),
        epochs=3,
        rng=np.random.default_rng(1),
    )
    # measured: test accuracy 0.97 after 3 epochs (0.86 after one); chance 0.1
    assert history.test_accuracy[-1] >= 0.9
    assert history.train_accuracy[-1] >= 0.9
    assert history.loss[-1] < history.loss[0] / 3
    assert model.parameters()[0].value.dtype == np.float32


def test_accuracy_counts_hits_across_batches():
    class Fixed(nn.Layer):
        def forward(self, x):
            return np.eye(3, dtype=np.float32)[x[:, 0].astype(int)]

    x = np.array([[0], [1], [2], [1], [0]])
    labels = np.array([0, 1, 1, 1, 2])
    assert nn.accuracy(Fixed(), x, labels, batch_size=2) == pytest.approx(3 / 5)


# ---------------------------------------------------------------------------
# bad input: the right error, and a message that names the parameter


def check(excinfo, name):
    message = str(excinfo.value)
    assert message.startswith(f"{name} must be"), message


RNG = np.random.default_rng(0)
X = np.zeros((4, 1, 8, 8), np.float32)
Y = np.zeros(4, np.int64)


def model_and_sgd():
    model = nn.digit_classifier("standard", 2, rng=np.random.default_rng(0))
    return model, nn.SGD(model.parameters(), lr=0.1)


def fit_with(**changes):
    model, sgd = model_and_sgd()
    kwargs = {
        "model": model,
        "optimizer": sgd,
        "train": (X, Y),
        "test": (X, Y),
        "epochs": 1,
        "rng": RNG,
        **changes,
    }
    return lambda: nn.fit(**kwargs)


BAD = [
    # constructors
    (lambda: nn.Conv2d(0, 2, 3, rng=RNG), ValueError, "in_channels"),
    (lambda: nn.Conv2d(2, 2.0, 3, rng=RNG), TypeError, "out_channels"),
    (lambda: nn.Conv2d(2, 2, 0, rng=RNG), ValueError, "kernel_size"),
    (lambda: nn.Conv2d(2, 2, (3, 3, 3), rng=RNG), TypeError, "kernel_size"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4, rng=RNG), ValueError, "groups"),
    (lambda: nn.Conv2d(3, 6, 3, groups=2, rng=RNG), ValueError, "groups"),
    (lambda: nn.Conv2d(2, 2, 3, groups=0, rng=RNG), ValueError, "groups"),
    (lambda: nn.Conv2d(2, 2, 3, stride=0, rng=RNG), ValueError, "stride"),
    (lambda: nn.Conv2d(2, 2, 3, padding=-1, rng=RNG), ValueError, "padding"),
    (lambda: nn.Conv2d(2, 2, 3, padding="full", rng=RNG), ValueError, "padding"),
    (
        lambda: nn.Conv2d(2, 2, 3, stride=2, padding="same", rng=RNG),
        ValueError,
        "padding",
    ),
    (lambda: nn.Conv2d(2, 2, 3, bias=1, rng=RNG), TypeError, "bias"),
    (lambda: nn.Conv2d(2, 2, 3, rng=0), TypeError, "rng"),
    (lambda: nn.Linear(0, 2, rng=RNG), ValueError, "in_features"),
    (lambda: nn.Linear(2, True, rng=RNG), TypeError, "out_features"),
    (lambda: nn.Linear(2, 2, rng=np.random.RandomState(0)), TypeError, "rng"),
    (lambda: nn.AvgPool2d(0), ValueError, "kernel_size"),
    (lambda: nn.AvgPool2d(2.0), TypeError, "kernel_size"),
    (lambda: nn.Sequential(nn.ReLU(), np.tanh), TypeError, "layers[1]"),
    (lambda: nn.Parameter("weights"), TypeError, "value"),
    (lambda: nn.Parameter([1j, 2]), TypeError, "value"),
    # shapes that a layer cannot take
    (lambda: nn.AvgPool2d(3).forward(np.ones((1, 1, 8, 8))), ValueError, "x"),
    (lambda: nn.AvgPool2d(3).cost((1, 1, 8, 8)), ValueError, "input_shape"),
    (lambda: nn.Linear(4, 2, rng=RNG).cost((1, 5)), ValueError, "input_shape"),
    (lambda: nn.Conv2d(2, 2, 3, rng=RNG).cost((1, 3, 8, 8)), ValueError, "input_shape"),
    # the loss
    (
        lambda: nn.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, -1])),
        ValueError,
        "labels",
    ),
    (
        lambda: nn.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3])),
        ValueError,
        "labels",
    ),
    (
        lambda: nn.SoftmaxCrossEntropy().forward(np.zeros((3, 3)), np.array([0, 1])),
        ValueError,
        "labels",
    ),
    (
        lambda: nn.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0.0, 1])),
        TypeError,
        "labels",
    ),
    # optimizers
    (lambda: nn.SGD([nn.Parameter(1)], lr=0), ValueError, "lr"),
    (lambda: nn.SGD([nn.Parameter(1)], lr=-0.1), ValueError, "lr"),
    (lambda: nn.SGD([nn.Parameter(1)], lr="0.1"), TypeError, "lr"),
    (lambda: nn.SGD([nn.Parameter(1)], lr=0.1, momentum=-0.5), ValueError, "momentum"),
    (lambda: nn.SGD([nn.Parameter(1)], lr=0.1, momentum=1), ValueError, "momentum"),
    (
        lambda: nn.SGD([nn.Parameter(1)], lr=0.1, weight_decay=-1e-4),
        ValueError,
        "weight_decay",
    ),
    (lambda: nn.SGD([np.ones(3)], lr=0.1), TypeError, "parameters[0]"),
    (lambda: nn.SGD(3, lr=0.1), TypeError, "parameters"),
    (lambda: nn.Adam([nn.Parameter(1), "w"]), TypeError, "parameters[1]"),
    (lambda: nn.Adam([nn.Parameter(1)], lr=0), ValueError, "lr"),
    (lambda: nn.Adam([nn.Parameter(1)], betas=(1.0, 0.999)), ValueError, "betas"),
    (lambda: nn.Adam([nn.Parameter(1)], betas=(0.9, -0.1)), ValueError, "betas"),
    (lambda: nn.Adam([nn.Parameter(1)], betas=(0.9, 0.9, 0.9)), ValueError, "betas"),
    (lambda: nn.Adam([nn.Parameter(1)], betas=0.9), TypeError, "betas"),
    (lambda: nn.Adam([nn.Parameter(1)], betas=("a", 0.9)), TypeError, "betas"),
    (lambda: nn.Adam([nn.Parameter(1)], eps=-1e-8), ValueError, "eps"),
    (lambda: nn.Adam([nn.Parameter(1)], eps=float("nan")), ValueError, "eps"),
    # fit and accuracy
    (fit_with(epochs=0), ValueError, "epochs"),
    (fit_with(batch_size=0), ValueError, "batch_size"),
    (fit_with(rng=0), TypeError, "rng"),
    (fit_with(train=(X, Y[:3])), ValueError, "train"),
    (fit_with(train=(X, np.zeros(6, np.int64))), ValueError, "train"),
    (fit_with(test=(X[:2], Y)), ValueError, "test"),
    (fit_with(train=X), TypeError, "train"),
    (fit_with(train=(X[:0], Y[:0])), ValueError, "train"),
    (fit_with(model=np.tanh), TypeError, "model"),
    (fit_with(report="print"), TypeError, "report"),
    (lambda: nn.accuracy(nn.Flatten(), X, Y[:1]), ValueError, "labels"),
    (lambda: nn.accuracy(nn.Flatten(), X, Y, batch_size=0), ValueError, "batch_size"),
    # the model builders and the data
    (lambda: nn.conv_block("separable", 2, 2, rng=RNG), ValueError, "kind"),
    (lambda: nn.digit_classifier("separable", 2, rng=RNG), ValueError, "kind"),
    (
        lambda: nn.digit_classifier("separable", 2, blocks=0, rng=RNG),
        ValueError,
        "kind",
    ),
    (lambda: nn.digit_classifier("standard", 0, rng=RNG), ValueError, "width"),
    (
        lambda: nn.digit_classifier("standard", 2, blocks=-1, rng=RNG),
        ValueError,
        "blocks",
    ),
    (
        lambda: nn.digit_classifier("standard", 2, classes=0, rng=RNG),
        ValueError,
        "classes",
    ),
    (lambda: nn.digit_classifier("standard", 2, rng=None), TypeError, "rng"),
    (lambda: nn.matched_width("separable", 4), ValueError, "kind"),
    (lambda: nn.matched_width("separable", 4, blocks=0), ValueError, "kind"),
    (lambda: nn.matched_width("standard", 0), ValueError, "width"),
    (lambda: nn.load_digits(test_fraction=0), ValueError, "test_fraction"),
    (lambda: nn.load_digits(test_fraction=1), ValueError, "test_fraction"),
    (lambda: nn.load_digits(test_fraction="1/4"), TypeError, "test_fraction"),
    (lambda: nn.load_digits(seed=-1), ValueError, "seed"),
    (lambda: nn.load_digits(seed=0.5), TypeError, "seed"),
]


@pytest.mark.parametrize(
    ("call", "error", "name"), BAD, ids=[f"{i}-{b[2]}" for i, b in enumerate(BAD)]
)
def test_bad_input_is_rejected_naming_the_parameter(call, error, name):
    with pytest.raises(error) as excinfo:
        call()
    check(excinfo, name)


@pytest.mark.parametrize("fraction", [0.001, 0.999])
def test_load_digits_rejects_a_split_that_empties_a_digit(fraction):
    needs_sklearn()
    with pytest.raises(ValueError) as excinfo:
        nn.load_digits(test_fraction=fraction)
    check(excinfo, "test_fraction")


def test_fit_rejects_mismatched_data_before_training():
    model, sgd = model_and_sgd()
    before = [p.value.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"^train must be"):
        nn.fit(model, sgd, (X, np.zeros(6, np.int64)), (X, Y), epochs=1, rng=RNG)
    for p, value in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.value, value)
