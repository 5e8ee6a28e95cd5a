"""A small trainer: layers that go forward and backward, two optimizers, a loop.

Written to be read in one sitting, in the spirit of d2l. Each layer is a
class with ``forward(x)``, which remembers what its gradient will need, and
``backward(grad_output)``, which stores the gradients of its
:class:`Parameter` objects and returns the gradient with respect to its input.
A :class:`Sequential` chains them. The convolutions go forward with
:func:`sepconv.conv2d` and backward with :mod:`sepconv.grad`, so standard,
depthwise and pointwise layers are one class, :class:`Conv2d`, told apart by
``groups`` and the kernel size.

Everything is float32 and seeded: a ``numpy.random.Generator`` makes the
initial weights and shuffles the batches, so a run on one machine repeats bit
for bit.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> model = Sequential(Conv2d(1, 4, 3, padding=1, rng=rng), ReLU(),
...                    AvgPool2d(8), Flatten(), Linear(4, 10, rng=rng))
>>> x = rng.standard_normal((2, 1, 8, 8), dtype=np.float32)
>>> loss = SoftmaxCrossEntropy()
>>> value = loss.forward(model.forward(x), np.array([3, 7]))
>>> grad_x = model.backward(loss.backward())
>>> grad_x.shape, grad_x.dtype, model.parameters()[0].grad.shape
((2, 1, 8, 8), dtype('float32'), (4, 1, 3, 3))
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from . import core, counting, grad
from ._validation import (
    as_pair,
    check_flag,
    check_int,
    check_real,
    fail,
    resolve_geometry,
)
from .decompose import nearest_depthwise_separable

__all__ = [
    "BLOCKS",
    "SGD",
    "Adam",
    "AvgPool2d",
    "Conv2d",
    "Flatten",
    "History",
    "Layer",
    "Linear",
    "Parameter",
    "ReLU",
    "Sequential",
    "SoftmaxCrossEntropy",
    "accuracy",
    "conv_block",
    "digit_classifier",
    "fit",
    "load_digits",
    "matched_width",
    "nearest_separable_layer",
]


def _generator(rng):
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator", rng, error=TypeError)
    return rng


class Parameter:
    """A trainable array and the gradient of the loss with respect to it.

    Attributes
    ----------
    value : ndarray
        Updated in place by the optimizers.
    grad : ndarray
        Same shape; written by the owning layer's ``backward``.
    """

    def __init__(self, value):
        if np.asarray(value).dtype.kind not in "biuf":
            fail("value", "an array of real numbers", value, error=TypeError)
        self.value = np.asarray(value, dtype=np.float32)
        self.grad = np.zeros_like(self.value)

    def __repr__(self):
        return f"Parameter(shape={self.value.shape})"


class Layer:
    """Base class: no parameters, no cost; subclasses add both."""

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_output):
        raise NotImplementedError

    def parameters(self):
        """The layer's :class:`Parameter` objects, in a fixed order."""
        return []

    def cost(self, input_shape):
        """The :class:`sepconv.Cost` of one forward pass on ``(N, C, H, W)``."""
        return counting.Cost(0, 0, 0, 0, tuple(self.output_shape(input_shape)))

    def output_shape(self, input_shape):
        return tuple(input_shape)


class Conv2d(Layer):
    """A convolution layer: :func:`sepconv.conv2d` with a weight and a bias.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
        ``(3, 1)`` and ``(1, 3)`` make the two halves of a spatially separable
        block.
    stride, padding, groups : keyword-only
        As in :func:`sepconv.conv2d`. ``groups=in_channels`` is a depthwise
        layer; ``kernel_size=1`` a pointwise one.
    bias : bool, keyword-only
    rng : numpy.random.Generator, keyword-only
        Draws the weight (He normal); the bias starts at zero.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        *,
        stride=1,
        padding=0,
        groups=1,
        bias=True,
        rng,
    ):
        c_in = check_int(in_channels, "in_channels", minimum=1)
        c_out = check_int(out_channels, "out_channels", minimum=1)
        kh, kw = as_pair(kernel_size, "kernel_size")
        g = check_int(groups, "groups", minimum=1)
        if c_in % g or c_out % g:
            fail(
                "groups", f"a divisor of in_channels={c_in} and out_channels={c_out}", g
            )
        resolve_geometry(stride, padding, 1, (kh, kw))
        bias = check_flag(bias, "bias")
        # He initialisation: normal with variance 2 / fan_in, float32
        fan_in = c_in // g * kh * kw
        shape = (c_out, c_in // g, kh, kw)
        weight = _generator(rng).standard_normal(shape, dtype=np.float32)
        self.weight = Parameter(weight * np.float32(np.sqrt(2.0 / fan_in)))
        self.bias = Parameter(np.zeros(c_out, np.float32)) if bias else None
        self.geometry = {"stride": stride, "padding": padding, "groups": g}

    def forward(self, x):
        self._x = x
        bias = None if self.bias is None else self.bias.value
        return core.conv2d(x, self.weight.value, bias, **self.geometry)

    def backward(self, grad_output):
        x, w = self._x, self.weight.value
        self.weight.grad = grad.conv2d_weight(x, w.shape, grad_output, **self.geometry)
        if self.bias is not None:
            self.bias.grad = grad_output.sum(axis=(0, 2, 3))
        return grad.conv2d_input(x.shape, w, grad_output, **self.geometry)

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])

    def cost(self, input_shape):
        c_out, c_group, kh, kw = self.weight.value.shape
        c_in = c_group * self.geometry["groups"]
        if len(input_shape) != 4 or input_shape[1] != c_in:
            fail("input_shape", f"(N, {c_in}, H, W)", input_shape)
        full = counting.conv2d_cost(input_shape, c_out, (kh, kw), **self.geometry)
        if self.bias is None:
            return replace(full, parameters_with_bias=full.parameters)
        return full

    def output_shape(self, input_shape):
        return self.cost(input_shape).output_shape


class ReLU(Layer):
    """``max(x, 0)``; its gradient passes where the input was positive."""

    def forward(self, x):
        self._positive = x > 0
        return np.where(self._positive, x, np.float32(0))

    def backward(self, grad_output):
        return np.where(self._positive, grad_output, np.float32(0))


class AvgPool2d(Layer):
    """The mean of each ``kernel_size`` x ``kernel_size`` tile (stride
    ``kernel_size``, as in PyTorch): ``(N, C, H, W)`` to ``(N, C, H / kernel_size,
    W / kernel_size)``.

    ``kernel_size`` must divide ``H`` and ``W``; ``AvgPool2d(H)`` on an ``H`` x ``H``
    image is global average pooling.
    """

    def __init__(self, kernel_size):
        self.kernel_size = check_int(kernel_size, "kernel_size", minimum=1)

    def _tiles(self, shape, name="x"):
        n, c, h, w = shape
        s = self.kernel_size
        if h % s or w % s:
            fail(name, f"an image whose height and width {s} divides", f"{h}x{w}")
        return n, c, h // s, s, w // s, s

    def forward(self, x):
        self._shape = x.shape
        return x.reshape(self._tiles(x.shape)).mean(axis=(3, 5))

    def backward(self, grad_output):
        tiles = self._tiles(self._shape)
        share = grad_output[:, :, :, None, :, None] / np.float32(self.kernel_size**2)
        return np.broadcast_to(share, tiles).reshape(self._shape).copy()

    def cost(self, input_shape):
        shape = self.output_shape(input_shape)
        out = math.prod(shape)
        # Each mean: size^2 - 1 additions and one multiplication by 1 / size^2.
        return counting.Cost(out, out * (self.kernel_size**2 - 1), 0, 0, shape)

    def output_shape(self, input_shape):
        n, c, h, w = input_shape
        self._tiles(input_shape, "input_shape")
        return (n, c, h // self.kernel_size, w // self.kernel_size)


class Flatten(Layer):
    """``(N, C, H, W)`` to ``(N, C * H * W)``, for a linear layer."""

    def forward(self, x):
        self._shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad_output):
        return grad_output.reshape(self._shape)

    def output_shape(self, input_shape):
        return (input_shape[0], int(np.prod(input_shape[1:])))


class Linear(Layer):
    """``x @ weight.T + bias``, weight shaped ``(out_features, in_features)``."""

    def __init__(self, in_features, out_features, *, rng):
        n_in = check_int(in_features, "in_features", minimum=1)
        n_out = check_int(out_features, "out_features", minimum=1)
        bound = np.float32(1 / np.sqrt(n_in))
        weight = _generator(rng).uniform(-bound, bound, (n_out, n_in))
        self.weight = Parameter(weight.astype(np.float32))
        self.bias = Parameter(np.zeros(n_out, np.float32))

    def forward(self, x):
        self._x = x
        return x @ self.weight.value.T + self.bias.value

    def backward(self, grad_output):
        self.weight.grad = grad_output.T @ self._x
        self.bias.grad = grad_output.sum(axis=0)
        return grad_output @ self.weight.value

    def parameters(self):
        return [self.weight, self.bias]

    def cost(self, input_shape):
        n, n_in = input_shape
        n_out, features = self.weight.value.shape
        if n_in != features:
            fail("input_shape", f"(N, {features})", input_shape)
        w = n_in * n_out
        return counting.Cost(n * w, n * (n_in - 1) * n_out, w, w + n_out, (n, n_out))

    def output_shape(self, input_shape):
        return (input_shape[0], self.weight.value.shape[0])


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                fail(f"layers[{i}]", "a sepconv.nn.Layer", layer, error=TypeError)
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_output):
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def cost(self, input_shape):
        """The summed :class:`sepconv.Cost` of every layer, for this input."""
        total = counting.Cost(0, 0, 0, 0, tuple(input_shape))
        for layer in self.layers:
            total = total + layer.cost(total.output_shape)
        return total

    def output_shape(self, input_shape):
        return self.cost(input_shape).output_shape


class SoftmaxCrossEntropy:
    """Mean cross-entropy of the softmax of logits against integer labels."""

    def forward(self, logits, labels):
        """The loss, a float; remembers the probabilities for ``backward``."""
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            fail("labels", "an array of integer class indices", labels, error=TypeError)
        n, classes = logits.shape
        if labels.shape != (n,) or (
            n and not 0 <= labels.min() <= labels.max() < classes
        ):
            fail("labels", f"{n} class indices in [0, {classes}), one a row", labels)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self._p = np.exp(log_p)
        self._labels = labels
        return float(-log_p[np.arange(len(labels)), labels].mean())

    def backward(self):
        """``(softmax - one_hot) / N``, the gradient with respect to the logits."""
        g = self._p.copy()
        g[np.arange(len(self._labels)), self._labels] -= 1
        return g / np.float32(len(self._labels))


def _parameters(parameters):
    try:
        params = list(parameters)
    except TypeError:
        allowed = "an iterable of sepconv.nn.Parameter"
        fail("parameters", allowed, parameters, error=TypeError)
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            fail(f"parameters[{i}]", "a sepconv.nn.Parameter", p, error=TypeError)
    return params


class SGD:
    """Stochastic gradient descent with momentum, as ``torch.optim.SGD``.

    ``v = momentum * v + (grad + weight_decay * p)``, then ``p -= lr * v``.
    """

    def __init__(self, parameters, *, lr, momentum=0.9, weight_decay=0.0):
        self.params = _parameters(parameters)
        self.lr = check_real(lr, "lr", positive=True)
        self.momentum = np.float32(check_real(momentum, "momentum"))
        self.weight_decay = np.float32(check_real(weight_decay, "weight_decay"))
        if not 0 <= self.momentum < 1:
            fail("momentum", "a number in [0, 1)", momentum)
        if self.weight_decay < 0:
            fail("weight_decay", "a number >= 0", weight_decay)
        self._velocity = [np.zeros_like(p.value) for p in self.params]

    def step(self):
        for p, v in zip(self.params, self._velocity, strict=True):
            v *= self.momentum
            v += p.grad + self.weight_decay * p.value
            p.value -= np.float32(self.lr) * v


class Adam:
    """Adam (Kingma and Ba 2015), as ``torch.optim.Adam`` without weight decay."""

    def __init__(self, parameters, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = _parameters(parameters)
        self.lr = check_real(lr, "lr", positive=True)
        if not isinstance(betas, tuple | list):
            fail("betas", "a pair (beta1, beta2)", betas, error=TypeError)
        if len(betas) != 2 or not all(0 <= check_real(b, "betas") < 1 for b in betas):
            fail("betas", "a pair (beta1, beta2) of numbers in [0, 1)", betas)
        if check_real(eps, "eps") < 0:
            fail("eps", "a number >= 0", eps)
        self.b1, self.b2 = (np.float32(b) for b in betas)
        self.eps = np.float32(eps)
        self._m = [np.zeros_like(p.value) for p in self.params]
        self._v = [np.zeros_like(p.value) for p in self.params]
        self._t = 0

    def step(self):
        self._t += 1
        c1, c2 = 1 - self.b1**self._t, 1 - self.b2**self._t
        for p, m, v in zip(self.params, self._m, self._v, strict=True):
            m *= self.b1
            m += (1 - self.b1) * p.grad
            v *= self.b2
            v += (1 - self.b2) * p.grad**2
            p.value -= np.float32(self.lr) * (m / c1) / (np.sqrt(v / c2) + self.eps)


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch."""

    loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    seconds: list = field(default_factory=list)


def _dataset(pair, name):
    """``pair`` as ``(x, labels)``, as many labels as images and at least one."""
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        fail(name, "a pair (x, labels)", pair, error=TypeError)
    x, y = pair
    if len(x) == 0 or len(x) != len(y):
        received = f"{len(x)} images and {len(y)} labels"
        fail(name, "a pair (x, labels) of equal, nonzero lengths", received)
    return x, y


def accuracy(model, x, labels, *, batch_size=512):
    """The fraction of ``x`` whose largest logit is at its label."""
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if len(x) == 0 or len(labels) != len(x):
        fail("labels", f"one label per image ({len(x)}, at least one)", labels)
    hits = 0
    for start in range(0, len(x), batch_size):
        logits = model.forward(x[start : start + batch_size])
        hits += int((logits.argmax(axis=1) == labels[start : start + batch_size]).sum())
    return hits / len(x)


def fit(model, optimizer, train, test, *, epochs, batch_size=32, rng, report=None):
    """Train ``model`` by minibatches; return its :class:`History`.

    Parameters
    ----------
    model : Layer
        Maps a batch ``(N, C, H, W)`` to logits ``(N, classes)``.
    optimizer : SGD or Adam
        Built on ``model.parameters()``.
    train, test : (ndarray, ndarray)
        Images and integer labels.
    epochs, batch_size : int, keyword-only
    rng : numpy.random.Generator, keyword-only
        Shuffles the training set at each epoch.
    report : callable, optional
        Called with a line of text after each epoch (``print``, say).

    Returns
    -------
    History
        Mean training loss, training and test accuracy and wall-clock seconds
        of each epoch (evaluation excluded from the seconds).
    """
    x, y = _dataset(train, "train")
    _dataset(test, "test")
    if not isinstance(model, Layer):
        fail("model", "a sepconv.nn.Layer", model, error=TypeError)
    if report is not None and not callable(report):
        fail("report", "a callable or None", report, error=TypeError)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    rng = _generator(rng)
    loss = SoftmaxCrossEntropy()
    history = History()
    for epoch in range(epochs):
        start, total = time.perf_counter(), 0.0
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch_size):
            batch = order[i : i + batch_size]
            total += loss.forward(model.forward(x[batch]), y[batch]) * len(batch)
            model.backward(loss.backward())
            optimizer.step()
        history.seconds.append(time.perf_counter() - start)
        history.loss.append(total / len(x))
        history.train_accuracy.append(accuracy(model, x, y))
        history.test_accuracy.append(accuracy(model, *test))
        if report is not None:
            report(
                f"epoch {epoch + 1}: loss {history.loss[-1]:.3f}, "
                f"train {history.train_accuracy[-1]:.3f}, "
                f"test {history.test_accuracy[-1]:.3f}"
            )
    return history


def load_digits(*, test_fraction=0.25, seed=0):
    """scikit-learn's handwritten digits, split into training and test sets.

    1,797 grey images of 8x8 pixels, shipped inside scikit-learn: nothing is
    downloaded. The split is stratified (every digit in the same proportion
    on both sides) and fixed by ``seed``. The pixels are standardized with
    the training set's mean and standard deviation.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Images float32 shaped ``(N, 1, 8, 8)``; labels int64.
    """
    fraction = check_real(test_fraction, "test_fraction", positive=True)
    if fraction >= 1:
        fail("test_fraction", "a fraction between 0 and 1", test_fraction)
    seed = check_int(seed, "seed", minimum=0)
    try:
        from sklearn.datasets import load_digits as _sklearn_digits
        from sklearn.model_selection import train_test_split
    except ImportError as error:
        raise ImportError(
            "sepconv.nn.load_digits needs scikit-learn: pip install 'sepconv[learn]'"
        ) from error
    digits = _sklearn_digits()
    x = digits.images.astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    n_test, classes = int(np.ceil(fraction * len(y))), len(np.unique(y))
    if not classes <= n_test <= len(y) - classes:
        fail("test_fraction", "a fraction leaving every digit on both sides", fraction)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=fraction, stratify=y, random_state=seed
    )
    mean, std = x_tr.mean(), x_tr.std()
    return ((x_tr - mean) / std, y_tr), ((x_te - mean) / std, y_te)


BLOCKS = ("standard", "depthwise separable", "spatially separable")


def conv_block(kind, in_channels, out_channels, *, rng):
    """One 3x3 block of the digit classifier, followed by a ReLU.

    ``kind`` is one of :data:`BLOCKS`:

    * ``"standard"``: a 3x3 convolution;
    * ``"depthwise separable"``: a 3x3 depthwise convolution, then a 1x1
      pointwise one, with no nonlinearity between them (as in Xception): the
      block is a standard layer whose kernels are constrained;
    * ``"spatially separable"``: a 3x1 convolution, then a 1x3 one.

    Every block keeps the image size (padding 1) and has one bias, on its
    last convolution.
    """
    c_in, c_out = in_channels, out_channels
    if kind == "standard":
        convs = [Conv2d(c_in, c_out, 3, padding=1, rng=rng)]
    elif kind == "depthwise separable":
        convs = [
            Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False, rng=rng),
            Conv2d(c_in, c_out, 1, rng=rng),
        ]
    elif kind == "spatially separable":
        convs = [
            Conv2d(c_in, c_out, (3, 1), padding=(1, 0), bias=False, rng=rng),
            Conv2d(c_out, c_out, (1, 3), padding=(0, 1), rng=rng),
        ]
    else:
        fail("kind", f"one of {BLOCKS}", kind)
    return [*convs, ReLU()]


def digit_classifier(kind, width, *, blocks=2, classes=10, rng):
    """The small network the training chapter sweeps, for 8x8 digits.

    A standard 3x3 stem (1 to ``width`` channels: a depthwise layer on one
    grey channel would have nothing to mix, so MobileNet's first layer is
    standard too), ``blocks`` blocks of ``kind`` at ``width`` channels
    (:func:`conv_block`), 2x2 average pooling to 4x4, and a linear
    classifier on the ``16 * width`` pooled features.
    """
    if kind not in BLOCKS:
        fail("kind", f"one of {BLOCKS}", kind)
    width = check_int(width, "width", minimum=1)
    blocks = check_int(blocks, "blocks", minimum=0)
    classes = check_int(classes, "classes", minimum=1)
    rng = _generator(rng)
    layers = [Conv2d(1, width, 3, padding=1, rng=rng), ReLU()]
    for _ in range(blocks):
        layers += conv_block(kind, width, width, rng=rng)
    head = [AvgPool2d(2), Flatten(), Linear(16 * width, classes, rng=rng)]
    return Sequential(*layers, *head)


def nearest_separable_layer(conv, *, multiplier=1):
    """The depthwise separable pair of layers closest to a standard one.

    Parameters
    ----------
    conv : Conv2d
        A standard layer (``groups=1``), trained or not.
    multiplier : int, keyword-only
        Depth multiplier of the depthwise layer.

    Returns
    -------
    layer : Sequential
        A depthwise :class:`Conv2d` (the layer's stride and padding, no bias)
        then a pointwise one (the layer's bias), with the weights of
        :func:`sepconv.nearest_depthwise_separable`: their composition is the
        closest depthwise separable weight in the least-squares sense.
    relative_error : float
        ``||W - composed||_F / ||W||_F``.
    """
    if not isinstance(conv, Conv2d):
        fail("conv", "a sepconv.nn.Conv2d", conv, error=TypeError)
    if conv.geometry["groups"] != 1:
        fail("conv", "a standard layer (groups=1)", f"groups={conv.geometry['groups']}")
    w = conv.weight.value
    c_out, c_in = w.shape[:2]
    dw, pw, error = nearest_depthwise_separable(w, multiplier=multiplier)
    rng = np.random.default_rng(0)  # the weights are overwritten below
    geometry = dict(conv.geometry, groups=c_in)
    depthwise = Conv2d(c_in, len(dw), w.shape[2:], **geometry, bias=False, rng=rng)
    pointwise = Conv2d(len(dw), c_out, 1, bias=conv.bias is not None, rng=rng)
    depthwise.weight.value = dw.astype(np.float32)
    pointwise.weight.value = pw.astype(np.float32)
    if conv.bias is not None:
        pointwise.bias.value = conv.bias.value.copy()
    return Sequential(depthwise, pointwise), error


def matched_width(kind, width, *, blocks=2, classes=10):
    """The standard network's width with as many parameters as ``kind``'s.

    The narrow standard baseline: the width (at least 1) whose standard
    :func:`digit_classifier` has the number of parameters (biases included)
    closest to that of the ``kind`` network of ``width``.
    """

    def size(k, w):
        net = digit_classifier(
            k, w, blocks=blocks, classes=classes, rng=np.random.default_rng(0)
        )
        return net.cost((1, 1, 8, 8)).parameters_with_bias

    target = size(kind, width)
    return min(
        range(1, width + 1), key=lambda w: (abs(size("standard", w) - target), w)
    )
