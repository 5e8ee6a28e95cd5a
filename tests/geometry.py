"""Layer geometry drawn by hypothesis, shared by the property and oracle tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def layers(draw, *, depthwise=False, dtypes=(np.float64, np.float32), unbatched=False):
    """A conv2d layer and an input that fits it.

    Returns ``(x, weight, bias, kwargs, groups, dtype)``: ``kwargs`` holds
    stride, padding ("same", "valid" or a pair) and dilation; ``bias`` is
    None half the time. With ``depthwise``, groups = C_in and C_out is a
    multiple of it; with ``unbatched``, ``x`` may be (C, H, W).
    """
    dtype = draw(st.sampled_from(dtypes))
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3))
    if depthwise:
        groups, c_out = c_in, c_in * draw(st.integers(1, 3))
    else:
        c_out = groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if stride == (1, 1) and draw(st.booleans()):
        padding = draw(st.sampled_from(["same", "valid"]))
        pads = (0, 0)
    else:
        padding = pads = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel, strict=True)]
    size = [
        draw(st.integers(max(1, r - 2 * p), r - 2 * p + 6))
        for r, p in zip(reach, pads, strict=True)
    ]
    batch = draw(st.sampled_from([(), (1,), (2,)] if unbatched else [(1,), (2,)]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*batch, c_in, *size)).astype(dtype)
    w = rng.standard_normal((c_out, c_in // groups, *kernel)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype) if draw(st.booleans()) else None
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation}
    return x, w, b, kwargs, groups, dtype


@st.composite
def conv2d_cases(draw, *, per_group=2, extra=4):
    """An ``nn.Conv2d`` layer and an input size, as a row of the nn tests'
    ``CONV_CASES``: ``(c_in, c_out, kernel, kwargs, hw)``.

    1 to 3 groups of 1 to ``per_group`` input and output channels each;
    kernel, stride and padding pairs and a bias or not (in ``kwargs``, with
    ``groups``); ``hw`` is the smallest input the kernel fits, plus 0 to
    ``extra`` along each axis.
    """

    def pair(low, high):
        return draw(st.tuples(st.integers(low, high), st.integers(low, high)))

    groups = draw(st.integers(1, 3))
    c_in, c_out = (groups * n for n in pair(1, per_group))
    kernel, stride, padding = pair(1, 3), pair(1, 3), pair(0, 2)
    bias = draw(st.booleans())
    kwargs = {"stride": stride, "padding": padding, "groups": groups, "bias": bias}
    more = pair(0, extra)
    hw = [max(1, k - 2 * p) + e for k, p, e in zip(kernel, padding, more, strict=True)]
    return c_in, c_out, kernel, kwargs, hw
