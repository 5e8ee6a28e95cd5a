"""Counted loops that only the tests use, and the shapes their tests draw.

The chapters' counted loops are :mod:`sepconv.reference`. These four prove
the remaining closed forms of :mod:`sepconv.counting`: three are
:func:`~sepconv.reference.counted_conv2d` with a particular weight, and the
transposed convolution scatters its products by its own loop. They take
well-formed input only (a (C, H, W) array; pairs for every size of
:func:`counted_conv_transpose2d`).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from sepconv._validation import resolve_padding
from sepconv.reference import CountedResult, Tally, counted_conv2d


def counted_depthwise_conv2d(x, weight, bias=None, **geometry):
    """Depthwise: ``weight`` (C * multiplier, 1, kh, kw), groups = C."""
    return counted_conv2d(x, weight, bias, groups=np.shape(x)[-3], **geometry)


def counted_pointwise_conv2d(x, weight, bias=None, *, groups=1):
    """Pointwise: ``weight`` (C_out, C/groups) or (C_out, C/groups, 1, 1)."""
    w = np.asarray(weight, float)
    return counted_conv2d(x, w.reshape(*w.shape[:2], 1, 1), bias, groups=groups)


def counted_flattened_conv2d(x, lateral, vertical, horizontal, *, padding=0):
    """Lateral (1x1, C -> C_out), then vertical (kh x 1) and horizontal (1 x kw)
    filters, one per channel; rows are padded in the vertical pass, columns in
    the horizontal one."""
    lateral, vertical, horizontal = (
        np.asarray(a, float) for a in (lateral, vertical, horizontal)
    )
    c_out = lateral.shape[0]
    if isinstance(padding, str):
        rows = columns = padding
    else:
        ph, pw = (padding, padding) if isinstance(padding, int) else padding
        rows, columns = (ph, 0), (0, pw)
    passes = {"lateral": counted_conv2d(x, lateral[:, :, None, None])}
    passes["vertical"] = counted_conv2d(
        passes["lateral"].output,
        vertical[:, None, :, None],
        padding=rows,
        groups=c_out,
    )
    passes["horizontal"] = counted_conv2d(
        passes["vertical"].output,
        horizontal[:, None, None, :],
        padding=columns,
        groups=c_out,
    )
    return CountedResult.chain(passes)


def counted_conv_transpose2d(
    x, weight, bias=None, *, stride, padding, output_padding, dilation, groups=1
):
    """Transposed convolution of a (C, H, W) ``x`` by scattering products.

    ``weight`` is (C, C_out/groups, kh, kw). Every input element times every
    tap of its group's kernels is added into an uncropped output (the first
    product to arrive at a position is stored, later ones are added); then
    ``padding`` is cropped from each side and the bias, if any, added.
    """
    tally = Tally()
    x, weight = np.asarray(x, float), np.asarray(weight, float)
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    c_in, h, w = x.shape
    _, per_group, kh, kw = weight.shape
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    full_w = (w - 1) * sw + dw * (kw - 1) + 1 + opw
    full = [[[None] * full_w for _ in range(full_h)] for _ in range(per_group * groups)]
    for c, a, b in np.ndindex(x.shape):
        for k in range(per_group):
            o = (c // (c_in // groups)) * per_group + k
            for u in range(kh):
                for v in range(kw):
                    product = tally.mul(x[c, a, b], weight[c, k, u, v])
                    y, z = a * sh + u * dh, b * sw + v * dw
                    old = full[o][y][z]
                    full[o][y][z] = product if old is None else tally.add(old, product)
    out = np.zeros((per_group * groups, full_h - 2 * ph, full_w - 2 * pw))
    for o, y, z in np.ndindex(out.shape):
        value = full[o][y + ph][z + pw]
        if bias is not None:
            value = bias[o] if value is None else tally.add(value, bias[o])
        out[o, y, z] = 0.0 if value is None else value
    return CountedResult(out, tally.multiplications, tally.additions)


# ---------------------------------------------------------------- what tests draw


@st.composite
def scan_geometry(draw, *, dilation=True, stride=True, same=True):
    """Kernel, stride, padding, dilation, and an image the kernel fits in."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if stride else (1, 1)
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    options = [st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2))]
    options.append(st.just("valid"))
    if same and s == (1, 1):
        options.append(st.just("same"))
    padding = draw(st.one_of(*options))
    pads = resolve_padding(padding, (kh, kw), s, d)
    min_h = max(1, d[0] * (kh - 1) + 1 - pads[0] - pads[1])
    min_w = max(1, d[1] * (kw - 1) + 1 - pads[2] - pads[3])
    h = draw(st.integers(min_h, min_h + 5))
    w = draw(st.integers(min_w, min_w + 5))
    return (h, w), (kh, kw), s, padding, d


def integers_array(draw, shape):
    """Small integers, so every sum is exact in float64."""
    values = draw(
        st.lists(
            st.integers(-4, 4), min_size=math.prod(shape), max_size=math.prod(shape)
        )
    )
    return np.array(values, dtype=np.float64).reshape(shape)


def assert_close(actual, expected):
    """Equal up to rounding, relative to the largest magnitude."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    assert np.max(np.abs(actual - expected), initial=0.0) <= 1e-10 * scale
