"""sepconv.core's probes: channel_dependency and impulse_response.

Oracles: for ``channel_dependency``, a loop that probes one input channel at a
time and the closed form of a grouped convolution's connectivity (output
``o`` depends on input ``c`` when both are in the same group and the kernel
``weight[o, c - first channel of the group]`` is not zero); for
``impulse_response``, a naive 1-D scatter loop over the taps of each layer,
whose outer product with itself is the 2-D response (kernels of ones and
"same" padding act on each axis separately). Properties: the dependency of
a stack is the boolean product of its layers' dependencies; the response is
as wide as ``1 + sum (k - 1) d``, sums to ``k ** (2 L)`` when it fits and is
symmetric for odd kernels; shared dilations leave holes (gridding).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sepconv import core

PROPERTY = settings(max_examples=40, deadline=None)


def check(excinfo, name, *echoes):
    """The message names ``name``, says what is allowed and echoes ``echoes``."""
    message = str(excinfo.value)
    assert message.startswith(f"{name} must be"), message
    for echo in echoes:
        assert echo in message.split("; got", 1)[1], (echo, message)


# ---------------------------------------------------------------------------
# channel_dependency


def dependency_by_loop(layer, channels, size=5):
    """Probe one input channel at a time; dep[o][c] from the nonzero outputs."""
    rows = None
    for c in range(channels):
        image = np.zeros((1, channels, size, size))
        image[0, c] = 1.0
        out = np.asarray(layer(image))[0]
        if rows is None:
            rows = [[False] * channels for _ in range(out.shape[0])]
        for o in range(out.shape[0]):
            rows[o][c] = bool(np.any(out[o] != 0))
    return np.array(rows)


def grouped_dependency(weight, groups):
    """Closed form for conv2d(x, weight, groups=groups)."""
    c_out, per_group, _, _ = weight.shape
    c_in, out_per_group = per_group * groups, c_out // groups
    dep = np.zeros((c_out, c_in), dtype=bool)
    for o in range(c_out):
        g = o // out_per_group
        for j in range(per_group):
            dep[o, g * per_group + j] = bool(np.any(weight[o, j] != 0))
    return dep


def grouped_layer(rng, c_in, c_out, groups, *, holes=0.0):
    """A padded 3x3 grouped convolution with positive weights, some kernels zero."""
    weight = rng.uniform(0.5, 1.5, size=(c_out, c_in // groups, 3, 3))
    weight[rng.random(weight.shape[:2]) < holes] = 0.0
    return weight, lambda x: core.conv2d(x, weight, padding=1, groups=groups)


@pytest.mark.parametrize(
    ("c_in", "c_out", "groups", "holes"),
    [(1, 1, 1, 0.0), (4, 6, 2, 0.0), (8, 8, 4, 0.3), (6, 3, 3, 0.0), (5, 7, 1, 0.5)],
)
def test_channel_dependency_matches_the_loop_and_the_closed_form(
    c_in, c_out, groups, holes
):
    weight, layer = grouped_layer(
        np.random.default_rng(0), c_in, c_out, groups, holes=holes
    )
    dep = core.channel_dependency(layer, c_in)
    assert dep.dtype == bool
    assert dep.shape == (c_out, c_in)
    assert np.array_equal(dep, dependency_by_loop(layer, c_in))
    assert np.array_equal(dep, grouped_dependency(weight, groups))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    groups=st.sampled_from([1, 2, 4]),
    shuffle=st.booleans(),
)
def test_a_stack_depends_through_the_product_of_its_layers(seed, groups, shuffle):
    rng = np.random.default_rng(seed)
    _, first = grouped_layer(rng, 8, 8, groups, holes=0.3)
    _, second = grouped_layer(rng, 8, 8, groups, holes=0.3)

    def between(x):
        return core.channel_shuffle(x, groups) if shuffle else x

    dep1 = core.channel_dependency(lambda x: between(first(x)), 8)
    dep2 = core.channel_dependency(second, 8)
    stack = core.channel_dependency(lambda x: second(between(first(x))), 8)
    expected = (dep2.astype(int) @ dep1.astype(int)) > 0
    assert np.array_equal(stack, expected)


def test_channel_dependency_of_a_shuffled_grouped_stack_is_full():
    rng = np.random.default_rng(1)
    _, first = grouped_layer(rng, 8, 8, 2)
    _, second = grouped_layer(rng, 8, 8, 2)
    plain = core.channel_dependency(lambda x: second(first(x)), 8)
    mixed = core.channel_dependency(
        lambda x: second(core.channel_shuffle(first(x), 2)), 8
    )
    assert plain.sum() == 8 * 4  # still block diagonal
    assert mixed.all()


def test_channel_dependency_takes_any_output_layout_and_size():
    mix = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]])  # 3 -> 2, a dense layer

    def dense(x):
        return np.einsum("oc,nc->no", mix, x.mean(axis=(2, 3)))

    dep = core.channel_dependency(dense, 3, image_size=1)
    assert np.array_equal(dep, mix != 0)


def test_channel_dependency_rejects_bad_input():
    identity = lambda x: x  # noqa: E731
    with pytest.raises(TypeError) as excinfo:
        core.channel_dependency("conv", 3)
    check(excinfo, "layer", "'conv'")
    with pytest.raises(ValueError) as excinfo:
        core.channel_dependency(identity, 0)
    check(excinfo, "channels", "0")
    with pytest.raises(TypeError) as excinfo:
        core.channel_dependency(identity, 2.0)
    check(excinfo, "channels", "2.0")
    with pytest.raises(TypeError) as excinfo:
        core.channel_dependency(identity, True)
    check(excinfo, "channels", "True")
    with pytest.raises(ValueError) as excinfo:
        core.channel_dependency(identity, 3, image_size=0)
    check(excinfo, "image_size", "0")
    with pytest.raises(ValueError) as excinfo:
        core.channel_dependency(lambda x: x[:1], 3)
    check(excinfo, "layer", "(1, 3, 5, 5)")
    with pytest.raises(ValueError) as excinfo:
        core.channel_dependency(lambda x: x.sum(axis=(1, 2, 3)), 3)
    check(excinfo, "layer", "(3,)")
    with pytest.raises(ValueError) as excinfo:
        core.channel_dependency(lambda x: x.astype(complex), 3)
    check(excinfo, "layer", "complex")


# ---------------------------------------------------------------------------
# impulse_response


def response_by_loop(dilations, k, size):
    """Scatter a 1-D impulse through each layer's taps; 2-D is the outer product."""
    line = [0.0] * size
    line[size // 2] = 1.0
    for d in dilations:
        top = d * (k - 1) // 2  # "same": the extra zero goes at the end
        out = [0.0] * size
        for i in range(size):
            for u in range(k):
                j = i - top + u * d
                if 0 <= j < size:
                    out[i] += line[j]
        line = out
    return np.outer(line, line)


@PROPERTY
@given(
    dilations=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    k=st.integers(1, 5),
    size=st.integers(1, 25),
)
def test_impulse_response_matches_the_loop(dilations, k, size):
    response = core.impulse_response(dilations, kernel_size=k, image_size=size)
    assert response.shape == (size, size)
    assert response.dtype == np.float64
    assert np.array_equal(response, response_by_loop(dilations, k, size))


@PROPERTY
@given(
    dilations=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    k=st.sampled_from([1, 3, 5]),
)
def test_impulse_response_spans_the_receptive_field(dilations, k):
    field = 1 + sum((k - 1) * d for d in dilations)
    size = field + 4
    response = core.impulse_response(tuple(dilations), kernel_size=k, image_size=size)
    rows = np.flatnonzero(response.any(axis=1))
    assert rows[-1] - rows[0] + 1 == field
    assert response.sum() == k ** (2 * len(dilations))  # every path stays inside
    assert np.array_equal(response, response.T)
    assert np.array_equal(response, response[::-1, ::-1])


def test_impulse_response_gridding():
    doubling = core.impulse_response([1, 2, 4])
    repeated = core.impulse_response([2, 2, 2])
    centre = 33 // 2
    assert (doubling[centre - 7 : centre + 8, centre - 7 : centre + 8] > 0).all()
    reached = np.argwhere(repeated > 0) - centre
    assert (reached % 2 == 0).all()  # only even offsets
    assert len(reached) == 7 * 7  # offsets -6, -4, ..., 6 on each axis


def test_impulse_response_accepts_any_sequence():
    expected = core.impulse_response([1, 2])
    for dilations in ((1, 2), range(1, 3), np.array([1, 2])):
        assert np.array_equal(core.impulse_response(dilations), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "name", "echo"),
    [
        ({"dilations": 2}, TypeError, "dilations", "2"),
        ({"dilations": "124"}, TypeError, "dilations", "'124'"),
        ({"dilations": []}, ValueError, "dilations", "[]"),
        ({"dilations": [1, 0]}, ValueError, "dilations", "0"),
        ({"dilations": [1, 2.0]}, TypeError, "dilations", "2.0"),
        ({"dilations": [1], "kernel_size": 0}, ValueError, "kernel_size", "0"),
        ({"dilations": [1], "kernel_size": 3.0}, TypeError, "kernel_size", "3.0"),
        ({"dilations": [1], "image_size": 0}, ValueError, "image_size", "0"),
        ({"dilations": [1], "image_size": False}, TypeError, "image_size", "False"),
    ],
)
def test_impulse_response_rejects_bad_input(kwargs, error, name, echo):
    with pytest.raises(error) as excinfo:
        core.impulse_response(**kwargs)
    check(excinfo, name, echo)
