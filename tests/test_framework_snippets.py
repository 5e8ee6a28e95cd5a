"""The PyTorch and Keras code in the chapters' prose runs, and says what it builds.

Chapters 1, 3 and 7 show every layer they teach as a PyTorch module and as a
Keras layer, in fenced ``python`` blocks of their markdown: code for the
reader to run elsewhere, not cells the book executes (neither framework is a
dependency of the book). Each block states what it builds in comments that
these tests read::

    y = layer(x)  # (1, 128, 5, 5)                     the output's shape
    # layer.weight: (128, 3, 3, 3) = (out, in, kh, kw)   a weight's shape
    # params: 3,456                                     the parameter count

* A PyTorch block runs with torch (a test-only dependency): its comments must
  state what it built; ``sepconv`` given the same weights computes the same
  output (float32 and float64); ``sepconv.counting`` gives the same output
  shape and parameter count.
* A Keras block is read, not run (Keras is not installed): its comments must
  equal the kernel shapes of Keras' layer sources (``Conv2D``:
  ``(kh, kw, in / groups, out)``; ``DepthwiseConv2D``: ``(kh, kw, in, m)``;
  ``SeparableConv2D``: that, and ``(1, 1, in * m, out)``;
  ``Conv2DTranspose``: ``(kh, kw, out, in)``), the output shape of Keras'
  padding rule, and the parameter count of ``sepconv.counting``.
* The blocks come in pairs, PyTorch then Keras, for the same layer: same
  count, same output shape (channels last), and Keras' kernels are PyTorch's
  weights rearranged as the prose says.

The last tests check, with ``sepconv``, what the prose says about Keras'
``"same"`` padding (TensorFlow's rule), against PyTorch's ``padding``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import numpy as np
import pytest
from chapters import BOOK, cells, source
from required import import_torch

import sepconv
from sepconv import counting

pytestmark = pytest.mark.book

# How many PyTorch blocks (and as many Keras blocks) each chapter shows: the
# test cannot pass on a chapter whose blocks it fails to find.
EXPECTED = {
    "01-convolution-refresher.ipynb": 1,
    "03-depthwise-separable.ipynb": 4,
    "07-alternatives.ipynb": 3,
}

FENCE = re.compile(r"^```python\n(.*?)^```[ \t]*$", re.M | re.S)
OUTPUT = re.compile(r"^y = layer\(x\)\s*# (\(.*\))\s*$", re.M)
WEIGHT = re.compile(r"^# (layer[\w.\[\]]*): (\([\d, ]*\))", re.M)
PARAMS = re.compile(r"^# params: ([\d,]+)\s*$", re.M)


@dataclass(frozen=True)
class Snippet:
    """One fenced block: where it is, its code, and what its comments state."""

    where: str
    code: str

    @property
    def framework(self):
        if re.search(r"^import torch$", self.code, re.M):
            return "torch"
        if re.search(r"^import keras$", self.code, re.M):
            return "keras"
        return None

    @property
    def output(self):
        (text,) = OUTPUT.findall(self.code)
        return ast.literal_eval(text)

    @property
    def weights(self):
        found = {n: ast.literal_eval(shape) for n, shape in WEIGHT.findall(self.code)}
        assert found, f"{self.where}: no '# layer...: (shape)' comment"
        return found

    @property
    def params(self):
        (text,) = PARAMS.findall(self.code)
        return int(text.replace(",", ""))


def snippets(name):
    """The framework blocks of chapter ``name``, in order."""
    found = []
    for index, cell in enumerate(cells(name)):
        if cell["cell_type"] == "markdown":
            for k, code in enumerate(FENCE.findall(source(cell))):
                found.append(Snippet(f"{name}, cell {index}, block {k}", code))
    return [s for s in found if s.framework]


def pairs():
    """(PyTorch, Keras) blocks for the same layer, as the chapters pair them."""
    found = []
    for name in EXPECTED:
        blocks = snippets(name)
        frameworks = [s.framework for s in blocks]
        assert frameworks == ["torch", "keras"] * EXPECTED[name], (name, frameworks)
        found += list(zip(blocks[::2], blocks[1::2], strict=True))
    return found


# A plain install of the package (tests/test_install.py) ships no book: its
# collection finds no snippet, and the book marker deselects these tests.
PAIRS = pairs() if BOOK.is_dir() else []
TORCH = [t for t, _ in PAIRS]
KERAS = [k for _, k in PAIRS]


def where(snippet):
    return snippet.where


def test_every_chapter_shows_its_layers_in_both_frameworks():
    assert len(PAIRS) == sum(EXPECTED.values())


# ====================================================================== PyTorch


@pytest.fixture(scope="module")
def torch():
    return import_torch()


def run(snippet):
    """The snippet's ``layer``, ``x`` and ``y`` once it has run."""
    namespace = {}
    exec(compile(snippet.code, snippet.where, "exec"), namespace)
    return namespace["layer"], namespace["x"], namespace["y"]


def geometry(module):
    return {"stride": module.stride, "padding": module.padding,
            "dilation": module.dilation}  # fmt: skip


def in_sepconv(layer, x, nn):
    """What ``sepconv`` computes and counts for the torch module ``layer``.

    Returns the output for the NumPy array ``x`` with the module's own weights,
    the :class:`~sepconv.counting.Cost` of that layer on ``x.shape``, and
    whether it has biases.
    """

    def array(tensor):
        return None if tensor is None else tensor.detach().numpy()

    if isinstance(layer, nn.Sequential):
        depthwise, pointwise = layer
        # sepconv's separable layer has one bias, after the pointwise step
        assert depthwise.bias is None
        weights = [array(p) for p in (depthwise.weight, pointwise.weight)]
        out = sepconv.depthwise_separable_conv2d(
            x, *weights, array(pointwise.bias), **geometry(depthwise)
        )
        cost = counting.depthwise_separable_conv2d_cost(
            x.shape, pointwise.out_channels, depthwise.kernel_size,
            multiplier=depthwise.out_channels // depthwise.in_channels,
            **geometry(depthwise),
        )  # fmt: skip
        return out, cost, pointwise.bias is not None
    weight, bias, geo = array(layer.weight), array(layer.bias), geometry(layer)
    c_in, c_out = layer.in_channels, layer.out_channels
    k, g = layer.kernel_size, layer.groups
    if isinstance(layer, nn.ConvTranspose2d):
        geo |= {"output_padding": layer.output_padding, "groups": g}
        out = sepconv.conv_transpose2d(x, weight, bias, **geo)
        cost = counting.conv_transpose2d_cost(x.shape, c_out, k, **geo)
    elif g == c_in > 1:
        out = sepconv.depthwise_conv2d(x, weight, bias, **geo)
        multiplier = c_out // c_in
        cost = counting.depthwise_conv2d_cost(x.shape, k, multiplier=multiplier, **geo)
    elif k == (1, 1) and set(geo.values()) == {(1, 1), (0, 0)}:
        out = sepconv.pointwise_conv2d(x, weight, bias, groups=g)
        cost = counting.pointwise_conv2d_cost(x.shape, c_out, groups=g)
    else:
        out = sepconv.conv2d(x, weight, bias, groups=g, **geo)
        cost = counting.conv2d_cost(x.shape, c_out, k, groups=g, **geo)
    return out, cost, bias is not None


def assert_close(ours, theirs, tolerance):
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    scale = max(float(np.max(np.abs(theirs))), 1.0)
    assert float(np.max(np.abs(ours - theirs))) <= tolerance * scale


@pytest.mark.parametrize("snippet", TORCH, ids=where)
def test_a_pytorch_snippet_states_what_it_builds_and_sepconv_agrees(snippet, torch):
    layer, x, y = run(snippet)
    assert tuple(y.shape) == snippet.output
    for name, shape in snippet.weights.items():
        assert tuple(eval(name, {"layer": layer}).shape) == shape, name
    params = sum(p.numel() for p in layer.parameters())
    assert params == snippet.params

    with torch.no_grad():
        ours, cost, biased = in_sepconv(layer, x.numpy(), torch.nn)
        assert_close(ours, y.detach().numpy(), 1e-5)
        assert cost.output_shape == tuple(y.shape)
        assert (cost.parameters_with_bias if biased else cost.parameters) == params
        # the same weights in float64: equal to rounding error
        layer.double()
        x64 = x.double()
        ours, _, _ = in_sepconv(layer, x64.numpy(), torch.nn)
        assert_close(ours, layer(x64).numpy(), 1e-12)


# ====================================================================== Keras

# Positional parameters of the Keras layers the chapters use, and the keyword
# arguments this reader understands (any other fails the test).
POSITIONAL = {
    "Conv2D": ("filters", "kernel_size"),
    "DepthwiseConv2D": ("kernel_size",),
    "SeparableConv2D": ("filters", "kernel_size"),
    "Conv2DTranspose": ("filters", "kernel_size"),
}
KEYWORDS = {
    "strides",
    "padding",
    "dilation_rate",
    "groups",
    "depth_multiplier",
    "use_bias",
}


def pair(value):
    return tuple(value) if isinstance(value, tuple | list) else (value, value)


def keras_same_size(size, stride):
    """Outputs along an axis under Keras' "same": ``ceil(size / stride)``."""
    return -(-size // stride)


def keras_same_pads(size, kernel_size, stride, dilation=1):
    """Zeros before and after an axis under TensorFlow's "SAME" (Keras' "same").

    As many zeros as :func:`keras_same_size` outputs need, half before (rounded
    down) and the rest after (TensorFlow's notes on padding).
    """
    out = keras_same_size(size, stride)
    total = max((out - 1) * stride + dilation * (kernel_size - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def keras_layer(snippet):
    """``(class name, arguments, input shape (H, W, C))`` of a Keras block."""
    calls = [n for n in ast.walk(ast.parse(snippet.code)) if isinstance(n, ast.Call)]
    named = {ast.unparse(c.func): c for c in calls}
    (shape,) = [k.value for k in named["keras.Input"].keywords if k.arg == "shape"]
    (name,) = [n.split(".")[-1] for n in named if n.startswith("keras.layers.")]
    call = named[f"keras.layers.{name}"]
    positional = [ast.literal_eval(a) for a in call.args]
    arguments = dict(zip(POSITIONAL[name][: len(positional)], positional, strict=True))
    arguments |= {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    assert set(arguments) <= set(POSITIONAL[name]) | KEYWORDS, arguments
    return name, arguments, ast.literal_eval(shape)


def keras_expected(name, arguments, input_shape):
    """Keras' weights (name -> shape), output shape and parameter count.

    The kernel layouts are those of Keras' layer sources; the counts come from
    ``sepconv.counting`` on the same layer in PyTorch's terms.
    """
    h, w, c = input_shape
    k = pair(arguments["kernel_size"])
    s = pair(arguments.get("strides", 1))
    d = pair(arguments.get("dilation_rate", 1))
    groups = arguments.get("groups", 1)
    m = arguments.get("depth_multiplier", 1)
    f = arguments.get("filters")
    same = arguments.get("padding", "valid") == "same"
    shape = (c, h, w)
    if name == "Conv2D":
        weights = {"layer.kernel": (*k, c // groups, f)}
        cost = counting.conv2d_cost(shape, f, k, stride=s, dilation=d, groups=groups)
    elif name == "DepthwiseConv2D":
        weights = {"layer.kernel": (*k, c, m)}
        f = c * m
        cost = counting.depthwise_conv2d_cost(
            shape, k, multiplier=m, stride=s, dilation=d
        )
    elif name == "SeparableConv2D":
        weights = {
            "layer.depthwise_kernel": (*k, c, m),
            "layer.pointwise_kernel": (1, 1, c * m, f),
        }
        cost = counting.depthwise_separable_conv2d_cost(
            shape, f, k, multiplier=m, stride=s, dilation=d
        )
    else:  # Conv2DTranspose
        weights = {"layer.kernel": (*k, f, c)}
        cost = counting.conv_transpose2d_cost(shape, f, k, stride=s, dilation=d)
    hw = (h, w)
    if name == "Conv2DTranspose":  # Keras' sizes without output_padding
        span = [di * (ki - 1) + 1 for ki, di in zip(k, d, strict=True)]
        out = [
            n * st if same else (n - 1) * st + max(e, st)
            for n, st, e in zip(hw, s, span, strict=True)
        ]
    else:  # "valid" is padding 0; "same" makes ceil(n / stride) outputs
        out = (
            [keras_same_size(n, st) for n, st in zip(hw, s, strict=True)]
            if same
            else list(cost.output_shape[-2:])
        )
    biased = arguments.get("use_bias", True)
    if biased:
        weights["layer.bias"] = (f,)
    params = cost.parameters_with_bias if biased else cost.parameters
    return weights, (None, *out, f), params


@pytest.mark.parametrize("snippet", KERAS, ids=where)
def test_a_keras_snippet_states_the_kernels_and_counts_of_keras(snippet):
    weights, output, params = keras_expected(*keras_layer(snippet))
    assert snippet.output == output
    assert snippet.params == params
    stated = snippet.weights
    assert set(stated) <= set(weights), sorted(set(stated) - set(weights))
    assert {n for n in weights if "kernel" in n} <= set(stated)
    assert {n: weights[n] for n in stated} == stated


def as_keras(torch_shape, in_channels, *, depthwise):
    """The Keras shape of a PyTorch weight, rearranged as the chapters say.

    ``weight.permute(2, 3, 1, 0)`` (HWIO, and ``(kh, kw, out, in)`` for a
    transposed convolution), except a depthwise weight ``(C m, 1, kh, kw)``:
    ``weight.reshape(C, m, kh, kw).permute(2, 3, 0, 1)``.
    """
    a, b, kh, kw = torch_shape
    if depthwise:
        assert b == 1
        return (kh, kw, in_channels, a // in_channels)
    return (kh, kw, b, a)


@pytest.mark.parametrize(("pytorch", "keras"), PAIRS, ids=[where(t) for t, _ in PAIRS])
def test_the_keras_layer_is_the_pytorch_layer(pytorch, keras):
    name, _, (_, _, c) = keras_layer(keras)
    assert pytorch.params == keras.params
    _, channels, h, w = pytorch.output
    assert keras.output == (None, h, w, channels)
    ours = [s for n, s in pytorch.weights.items() if not n.endswith("bias")]
    theirs = [(n, s) for n, s in keras.weights.items() if not n.endswith("bias")]
    for shape, (keras_name, keras_shape) in zip(ours, theirs, strict=True):
        depthwise = name == "DepthwiseConv2D" or keras_name.endswith("depthwise_kernel")
        assert as_keras(shape, c, depthwise=depthwise) == keras_shape, keras_name


# ====================================================================== "same"


def test_keras_same_pads_as_pytorch_only_where_the_prose_says():
    """Chapter 1: with stride 1 Keras' "same" is PyTorch's; with stride 2 it
    is ``padding=1`` on a 5-pixel axis but pads (0, 1) on 224 pixels, and the
    windows then differ."""
    for size, k, d in ((5, 3, 1), (6, 4, 1), (16, 3, 2)):
        total = d * (k - 1)  # PyTorch's "same": the odd zero at the end
        assert keras_same_pads(size, k, 1, d) == (total // 2, total - total // 2)
    assert keras_same_pads(5, 3, 2) == (1, 1)
    assert keras_same_pads(224, 3, 2) == (0, 1)
    rng = np.random.default_rng(17)
    x, w = rng.standard_normal((1, 224, 224)), rng.standard_normal((1, 1, 3, 3))
    keras_like = sepconv.conv2d(np.pad(x, [(0, 0), (0, 1), (0, 1)]), w, stride=2)
    pytorch = sepconv.conv2d(x, w, stride=2, padding=1)
    assert keras_like.shape == pytorch.shape == (1, 112, 112)
    assert not np.allclose(keras_like, pytorch)


def test_keras_same_transposed_is_pytorchs_one_pixel_away():
    """Chapter 7: Keras' ``Conv2DTranspose(strides=2, padding="same")`` is the
    transpose of a "same" convolution with stride 2 (TensorFlow's definition):
    the first ``2i`` rows and columns of the uncropped output, where PyTorch's
    ``padding=1, output_padding=1`` keeps the last ``2i``."""
    rng = np.random.default_rng(17)
    y, w = rng.standard_normal((2, 16, 16)), rng.standard_normal((2, 3, 3, 3))
    x = rng.standard_normal((3, 32, 32))
    top, bottom = keras_same_pads(32, 3, 2)
    assert (top, bottom) == (0, 1)
    same_conv = sepconv.conv2d(
        np.pad(x, [(0, 0), (top, bottom), (top, bottom)]), w, stride=2
    )
    uncropped = sepconv.conv_transpose2d(y, w, stride=2)
    keras_like = uncropped[:, :-1, :-1]
    # the adjoint identity: keras_like is the transpose of same_conv
    assert np.isclose(np.vdot(same_conv, y), np.vdot(x, keras_like), rtol=1e-12)
    pytorch = sepconv.conv_transpose2d(y, w, stride=2, padding=1, output_padding=1)
    assert pytorch.shape == keras_like.shape == (3, 32, 32)
    assert np.array_equal(pytorch, uncropped[:, 1:, 1:])
    assert not np.allclose(pytorch, keras_like)
