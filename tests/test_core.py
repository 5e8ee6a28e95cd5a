"""sepconv.core against independent oracles and algebraic properties.

Oracles: ``scipy.signal`` (correlate2d, convolve2d), ``scipy.ndimage``
(correlate, correlate1d) and the naive loops below; torch is the oracle of
``test_torch_oracle.py``. Properties (hypothesis): separable == direct for
rank-1 kernels, depthwise + pointwise == conv2d with the composed kernel,
conv_transpose2d is the adjoint of conv2d, flattened == conv2d with its
rank-1 weight, channel_shuffle is undone by the complementary shuffle.
"""

from __future__ import annotations

import contextlib
import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import ndimage, signal

from sepconv import core

PROPERTY = settings(max_examples=40, deadline=None)
TOL = {np.float32: 2e-5, np.float64: 1e-12}


ENGINES = ["im2col", "shifted copies"]


@contextlib.contextmanager
def engine(name):
    """Force one of core's two convolution engines for stride-1 layers."""
    limit = 10**9 if name == "im2col" else 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core, "_IM2COL_PIXELS", limit)
        patch.setattr(core, "_IM2COL_OUTPUTS_DEPTHWISE", limit)
        yield


@pytest.fixture(params=ENGINES)
def each_engine(request):
    with engine(request.param):
        yield request.param


def assert_close(actual, expected, dtype=np.float64, *, terms=None):
    """Max abs error at most TOL times the largest magnitude of ``expected``,
    or of ``terms`` when given: the sums of the products' magnitudes, which
    bound the rounding error of sums that cancel."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = expected if terms is None else np.asarray(terms)
    scale = max(float(np.max(np.abs(scale))), 1e-30)
    error = float(np.max(np.abs(actual - expected)))
    assert error <= TOL[dtype] * scale, f"error {error:.3g} vs scale {scale:.3g}"


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def side_pads(padding, kernel_hw, dilation=(1, 1)):
    """Per-side padding, written out independently of sepconv."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        t = [d * (k - 1) for k, d in zip(kernel_hw, pair(dilation), strict=True)]
        return (t[0] // 2, t[0] - t[0] // 2, t[1] // 2, t[1] - t[1] // 2)
    ph, pw = pair(padding)
    return (ph, ph, pw, pw)


def naive_conv2d(x, w, b=None, stride=1, pads=(0, 0, 0, 0), dilation=1, groups=1):
    """The definition, one output pixel at a time (float64)."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    (sh, sw), (dh, dw), (t, bo, le, r) = pair(stride), pair(dilation), pads
    n, c, h, wd = x.shape
    co, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + t + bo, wd + le + r))
    xp[:, :, t : t + h, le : le + wd] = x
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, co, oh, ow))
    for o, i, j in itertools.product(range(co), range(oh), range(ow)):
        g = o // (co // groups)
        rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
        cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
        out[:, o, i, j] = (xp[:, g * cg : (g + 1) * cg, rows, cols] * w[o]).sum(
            (1, 2, 3)
        )
    return out if b is None else out + np.asarray(b, float)[:, None, None]


def naive_conv_transpose2d(
    x, w, stride=1, pads=(0, 0, 0, 0), op=0, dilation=1, groups=1
):
    """Scatter every input pixel's scaled kernel, then crop (float64)."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    (sh, sw), (dh, dw), (oph, opw) = pair(stride), pair(dilation), pair(op)
    n, ci, h, wd = x.shape
    _, m, kh, kw = w.shape
    full = np.zeros(
        (
            n,
            m * groups,
            (h - 1) * sh + dh * (kh - 1) + 1 + oph,
            (wd - 1) * sw + dw * (kw - 1) + 1 + opw,
        )
    )
    for c, i, j in itertools.product(range(ci), range(h), range(wd)):
        g = c // (ci // groups)
        rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
        cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
        full[:, g * m : (g + 1) * m, rows, cols] += (
            x[:, c, i, j, None, None, None] * w[c]
        )
    t, b, le, r = pads
    return full[:, :, t : full.shape[2] - b, le : full.shape[3] - r]


def dilate(kernel, dilation):
    """Insert d-1 zeros between kernel taps."""
    dh, dw = pair(dilation)
    kh, kw = kernel.shape
    out = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    out[::dh, ::dw] = kernel
    return out


def scipy_correlate2d(image, kernel, stride=1, pads=(0, 0, 0, 0), dilation=1):
    """scipy.signal.correlate2d on the padded image, subsampled for the stride."""
    t, b, le, r = pads
    padded = np.pad(np.asarray(image, float), ((t, b), (le, r)))
    full = signal.correlate2d(
        padded, dilate(np.asarray(kernel, float), dilation), "valid"
    )
    sh, sw = pair(stride)
    return full[::sh, ::sw]


# ---------------------------------------------------------------------------
# output sizes


@PROPERTY
@given(
    size=st.integers(1, 30),
    k=st.integers(1, 7),
    s=st.integers(1, 4),
    p=st.integers(0, 4),
    d=st.integers(1, 3),
)
def test_output_size_matches_actual_output(size, k, s, p, d):
    if d * (k - 1) + 1 > size + 2 * p:
        with pytest.raises(ValueError, match="kernel_size"):
            core.output_size(size, k, stride=s, padding=p, dilation=d)
        return
    expected = len(range(0, size + 2 * p - d * (k - 1), s))  # start positions
    assert core.output_size(size, k, stride=s, padding=p, dilation=d) == expected
    out = core.correlate2d(
        np.ones((size, 2)),
        np.ones((k, 1)),
        stride=(s, 1),
        padding=(p, 0),
        dilation=(d, 1),
    )
    assert out.shape[0] == expected


def test_output_size_worked_cases():
    assert core.output_size(5, 3) == 3  # 3 x 3 = 9 positions on the 5x5 example
    assert core.output_size(5, 3, padding=1) == 5
    assert core.output_size(5, 3, stride=2) == 2
    assert core.output_size(7, 3, dilation=2) == 3
    assert core.output_size(224, 3, stride=2, padding=1) == 112


@PROPERTY
@given(
    size=st.integers(1, 12),
    k=st.integers(1, 5),
    s=st.integers(1, 3),
    d=st.integers(1, 3),
    data=st.data(),
)
def test_transposed_output_size_matches_conv_transpose2d(size, k, s, d, data):
    op = data.draw(st.integers(0, max(s, d) - 1))
    full = (size - 1) * s + d * (k - 1) + 1 + op
    p = data.draw(st.integers(0, (full - 1) // 2))
    expected = core.transposed_output_size(
        size, k, stride=s, padding=p, output_padding=op, dilation=d
    )
    out = core.conv_transpose2d(
        np.ones((1, size, 1)),
        np.ones((1, 1, k, 1)),
        stride=(s, 1),
        padding=(p, 0),
        output_padding=(op, 0),
        dilation=(d, 1),
    )
    assert out.shape[1] == expected
    # conv2d maps that size back to the input size (output_padding < stride
    # only picks among the sizes that do).
    if op < s:
        assert core.output_size(expected, k, stride=s, padding=p, dilation=d) == size


# ---------------------------------------------------------------------------
# single-image filters


FILTER_CASES = [
    # (image shape, kernel shape, stride, padding, dilation)
    ((5, 5), (3, 3), 1, 0, 1),
    ((9, 7), (3, 2), 1, 1, 1),
    ((8, 11), (2, 4), 1, "same", 1),
    ((8, 9), (4, 4), 1, "same", 2),
    ((10, 9), (3, 3), 2, 1, 1),
    ((11, 13), (3, 5), (2, 3), (2, 1), (1, 2)),
    ((6, 7), (1, 1), 1, "valid", 1),
    ((12, 12), (5, 3), (3, 1), 0, (2, 1)),
    ((4, 4), (4, 4), 1, 0, 1),
]


@pytest.mark.parametrize(
    ("shape", "kshape", "stride", "padding", "dilation"), FILTER_CASES
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_correlate2d_matches_scipy_signal(
    shape, kshape, stride, padding, dilation, dtype
):
    rng = np.random.default_rng(1)
    image = rng.standard_normal(shape).astype(dtype)
    kernel = rng.standard_normal(kshape).astype(dtype)
    out = core.correlate2d(
        image, kernel, stride=stride, padding=padding, dilation=dilation
    )
    assert out.dtype == dtype
    pads = side_pads(padding, kshape, dilation)
    assert_close(out, scipy_correlate2d(image, kernel, stride, pads, dilation), dtype)


@pytest.mark.parametrize("kshape", [(3, 3), (5, 3), (2, 2), (4, 3), (1, 6)])
def test_correlate2d_same_matches_ndimage(kshape):
    rng = np.random.default_rng(2)
    image = rng.standard_normal((9, 10))
    kernel = rng.standard_normal(kshape)
    # ndimage centres the kernel at k // 2; "same" puts the extra zero of an
    # even kernel at the end, i.e. the centre at (k - 1) // 2: origin -1.
    origin = [-1 if k % 2 == 0 else 0 for k in kshape]
    expected = ndimage.correlate(image, kernel, mode="constant", origin=origin)
    assert_close(core.correlate2d(image, kernel, padding="same"), expected)


def test_correlate2d_matches_naive_loop():
    rng = np.random.default_rng(3)
    image = rng.integers(-5, 6, (7, 8))
    kernel = rng.integers(-3, 4, (3, 2))
    out = core.correlate2d(image, kernel, stride=2, padding=(1, 2), dilation=2)
    expected = naive_conv2d(
        image[None, None], kernel[None, None], None, 2, (1, 1, 2, 2), 2
    )
    assert_close(out, expected[0, 0])
    assert np.array_equal(out, np.round(out))  # small integers: exact


def test_book_scan_counts():
    image = np.arange(25).reshape(5, 5)
    assert core.correlate2d(image, np.ones((3, 3))).shape == (3, 3)  # 9 positions
    assert core.column_pass(image, [1, 2, 1]).shape == (3, 5)  # 15 positions
    assert core.row_pass(np.ones((3, 5)), [1, 0, -1]).shape == (3, 3)  # 9 positions


@pytest.mark.parametrize("mode", ["valid", "full"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_convolve2d_matches_scipy_convolve2d(mode, dtype):
    rng = np.random.default_rng(4)
    image = rng.standard_normal((8, 9)).astype(dtype)
    kernel = rng.standard_normal((3, 4)).astype(dtype)
    padding = 0 if mode == "valid" else (2, 3)
    out = core.convolve2d(image, kernel, padding=padding)
    assert out.dtype == dtype
    expected = signal.convolve2d(image.astype(float), kernel.astype(float), mode)
    assert_close(out, expected, dtype)


def test_convolution_and_correlation_agree_for_symmetric_kernels_only():
    image = np.random.default_rng(5).standard_normal((6, 6))
    gauss = np.outer([1, 2, 1], [1, 2, 1])
    sobel_x = np.outer([1, 2, 1], [-1, 0, 1])
    assert_close(core.convolve2d(image, gauss), core.correlate2d(image, gauss))
    assert_close(core.convolve2d(image, sobel_x), -core.correlate2d(image, sobel_x))


@pytest.mark.parametrize(
    ("shape", "m", "n", "stride", "padding"),
    [
        ((5, 5), 3, 3, 1, 0),
        ((9, 8), 3, 5, 1, "same"),
        ((8, 9), 4, 2, 1, "same"),
        ((10, 11), 3, 3, 2, 1),
        ((12, 9), 5, 1, (3, 2), (2, 0)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_separable_matches_direct_and_ndimage(shape, m, n, stride, padding, dtype):
    rng = np.random.default_rng(6)
    image = rng.standard_normal(shape).astype(dtype)
    column = rng.standard_normal(m).astype(dtype)
    row = rng.standard_normal(n).astype(dtype)
    out = core.separable_correlate2d(image, column, row, stride=stride, padding=padding)
    assert out.dtype == dtype
    pads = side_pads(padding, (m, n))
    direct = scipy_correlate2d(image, np.outer(column, row), stride, pads)
    assert_close(out, direct, dtype)
    mid = core.column_pass(image, column, stride=stride, padding=padding)
    assert_close(core.row_pass(mid, row, stride=stride, padding=padding), direct, dtype)


def test_separable_same_matches_two_ndimage_passes():
    rng = np.random.default_rng(7)
    image = rng.standard_normal((20, 17))
    column, row = rng.standard_normal(5), rng.standard_normal(3)
    mid = ndimage.correlate1d(image, column, axis=0, mode="constant")
    expected = ndimage.correlate1d(mid, row, axis=1, mode="constant")
    assert_close(
        core.separable_correlate2d(image, column, row, padding="same"), expected
    )


def test_column_pass_is_the_book_intermediate():
    image = np.arange(25).reshape(5, 5)
    mid = core.column_pass(image, [1, 2, 1])
    expected = signal.correlate2d(image, np.array([[1], [2], [1]]), "valid")
    assert mid.shape == (3, 5)  # 3 rows by 5 columns
    assert np.array_equal(mid, expected)
    out = core.row_pass(mid, [-1, 0, 1])
    sobel_x = np.outer([1, 2, 1], [-1, 0, 1])
    assert np.array_equal(out, core.correlate2d(image, sobel_x))


def test_separable_equals_direct_when_the_sum_cancels():
    """The case hypothesis found in CI: in float32, a 1x1 output whose nine
    products cancel to a fraction of a percent of their magnitudes."""
    rng = np.random.default_rng(2)
    image = rng.standard_normal((1, 3)).astype(np.float32)
    column, row = (rng.standard_normal(3).astype(np.float32) for _ in range(2))
    geometry = {"stride": (1, 3), "padding": 1}
    out = core.separable_correlate2d(image, column, row, **geometry)
    direct = core.correlate2d(image, np.outer(column, row), **geometry)
    terms = core.correlate2d(np.abs(image), np.abs(np.outer(column, row)), **geometry)
    assert abs(direct[0, 0]) < 0.01 * terms[0, 0]  # the sum does cancel
    assert_close(out, direct, np.float32, terms=terms)


@PROPERTY
@given(data=st.data())
def test_separable_equals_direct_for_every_rank1_kernel(data):
    h, w = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    m, n = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    padding = data.draw(st.sampled_from([0, 1, (2, 0), "same", "valid"]))
    stride = 1 if padding == "same" else data.draw(st.sampled_from([1, 2, (1, 3)]))
    pads = side_pads(padding, (m, n))
    if m > h + pads[0] + pads[1] or n > w + pads[2] + pads[3]:
        return
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((h, w)).astype(dtype)
    column, row = (
        rng.standard_normal(m).astype(dtype),
        rng.standard_normal(n).astype(dtype),
    )
    out = core.separable_correlate2d(image, column, row, stride=stride, padding=padding)
    direct = core.correlate2d(
        image, np.outer(column, row), stride=stride, padding=padding
    )
    assert out.dtype == direct.dtype == dtype
    # a sum of products that cancels is as exact as its terms, not its result
    terms = core.correlate2d(
        np.abs(image), np.abs(np.outer(column, row)), stride=stride, padding=padding
    )
    assert_close(out, direct, dtype, terms=terms)


# ---------------------------------------------------------------------------
# layers


CONV_CASES = [
    # (x shape, weight shape, stride, padding, dilation, groups)
    ((1, 3, 7, 7), (4, 3, 3, 3), 1, 0, 1, 1),
    ((2, 3, 6, 8), (5, 3, 3, 2), 1, 1, 1, 1),
    ((1, 4, 8, 7), (6, 2, 3, 3), 2, 1, 1, 2),
    ((2, 4, 9, 9), (4, 1, 3, 3), 1, "same", 2, 4),
    ((1, 2, 7, 8), (2, 2, 2, 4), 1, "same", 1, 1),
    ((1, 6, 10, 9), (3, 2, 3, 3), (2, 3), (0, 2), (2, 1), 3),
    ((3, 2, 5, 5), (4, 2, 1, 1), 1, 0, 1, 1),
    ((1, 2, 5, 6), (2, 2, 5, 6), 1, 0, 1, 1),
    ((1, 4, 8, 8), (8, 1, 1, 3), (1, 2), (1, 1), 1, 4),
]


@pytest.mark.parametrize(
    ("xs", "ws", "stride", "padding", "dilation", "groups"), CONV_CASES
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv2d_matches_naive_loop(
    xs, ws, stride, padding, dilation, groups, dtype, each_engine
):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    out = core.conv2d(
        x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups
    )
    assert out.dtype == dtype
    assert out.flags.c_contiguous
    pads = side_pads(padding, ws[2:], dilation)
    assert_close(out, naive_conv2d(x, w, b, stride, pads, dilation, groups), dtype)


def test_conv2d_matches_scipy_channel_sums(each_engine):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 9, 8))
    w = rng.standard_normal((4, 3, 3, 2))
    out = core.conv2d(x, w, padding=(1, 0))
    expected = np.zeros_like(out)
    for n, o, c in itertools.product(range(2), range(4), range(3)):
        padded = np.pad(x[n, c], ((1, 1), (0, 0)))
        expected[n, o] += signal.correlate2d(padded, w[o, c], "valid")
    assert_close(out, expected)


def test_conv2d_accepts_chw_and_integers():
    x = np.arange(2 * 4 * 5).reshape(2, 4, 5)
    w = np.arange(3 * 2 * 2 * 2).reshape(3, 2, 2, 2) - 10
    out = core.conv2d(x, w, [1, 2, 3])
    assert out.dtype == np.float64
    assert out.shape == (3, 3, 4)
    assert np.array_equal(out, naive_conv2d(x[None], w, [1, 2, 3])[0])


@pytest.mark.parametrize("multiplier", [1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_depthwise_matches_per_channel_scipy(multiplier, dtype, each_engine):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 8, 7)).astype(dtype)
    w = rng.standard_normal((3 * multiplier, 1, 3, 2)).astype(dtype)
    b = rng.standard_normal(3 * multiplier).astype(dtype)
    out = core.depthwise_conv2d(x, w, b, padding="same")
    assert out.dtype == dtype
    pads = side_pads("same", (3, 2))
    for n, o in itertools.product(range(2), range(3 * multiplier)):
        expected = scipy_correlate2d(x[n, o // multiplier], w[o, 0], 1, pads) + b[o]
        assert_close(out[n, o], expected, dtype)
    # and it is conv2d with groups = C_in
    assert_close(out, core.conv2d(x, w, b, padding="same", groups=3), dtype)


@pytest.mark.parametrize(("stride", "dilation"), [(2, 1), (1, 2), ((2, 1), (1, 3))])
def test_depthwise_strided_and_dilated_match_naive(stride, dilation, each_engine):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 4, 11, 10))
    w = rng.standard_normal((8, 1, 3, 3))
    out = core.depthwise_conv2d(x, w, stride=stride, padding=1, dilation=dilation)
    assert_close(out, naive_conv2d(x, w, None, stride, (1, 1, 1, 1), dilation, 4))


@pytest.mark.parametrize("groups", [1, 2, 4])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pointwise_matches_einsum(groups, dtype):
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 8, 5, 6)).astype(dtype)
    w = rng.standard_normal((4, 8 // groups)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    out = core.pointwise_conv2d(x, w, b, groups=groups)
    assert out.dtype == dtype
    blocks = [
        np.einsum(
            "oc,nchw->nohw",
            w[g * 4 // groups : (g + 1) * 4 // groups],
            x[:, g * 8 // groups : (g + 1) * 8 // groups].astype(float),
        )
        for g in range(groups)
    ]
    assert_close(out, np.concatenate(blocks, axis=1) + b[:, None, None], dtype)
    # the (C_out, C_in/groups, 1, 1) layout is the same layer
    same = core.pointwise_conv2d(x, w[:, :, None, None], b, groups=groups)
    assert np.array_equal(out, same)
    assert_close(out, core.conv2d(x, w[:, :, None, None], b, groups=groups), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_depthwise_separable_is_depthwise_then_pointwise(dtype, each_engine):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 3, 9, 8)).astype(dtype)
    dw = rng.standard_normal((6, 1, 3, 3)).astype(dtype)
    pw = rng.standard_normal((5, 6)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    for kwargs in [{"padding": 1}, {"padding": "same", "dilation": 2}, {"stride": 2}]:
        out = core.depthwise_separable_conv2d(x, dw, pw, b, **kwargs)
        assert out.dtype == dtype
        steps = core.pointwise_conv2d(core.depthwise_conv2d(x, dw, **kwargs), pw, b)
        assert_close(out, steps, dtype)


def composed_kernel(dw, pw, multiplier):
    """W[o, c] = sum_m P[o, c*M + m] * D[c*M + m], written out."""
    c_out, cm = pw.shape
    w = np.zeros((c_out, cm // multiplier, *dw.shape[2:]))
    for o, j in itertools.product(range(c_out), range(cm)):
        w[o, j // multiplier] += pw[o, j] * dw[j, 0]
    return w


@PROPERTY
@given(data=st.data())
def test_depthwise_then_pointwise_equals_conv2d_with_composed_kernel(data):
    with engine(data.draw(st.sampled_from(ENGINES))):
        c = data.draw(st.integers(1, 4))
        mult = data.draw(st.integers(1, 2))
        c_out = data.draw(st.integers(1, 5))
        kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
        h, w = data.draw(st.integers(kh, 9)), data.draw(st.integers(kw, 9))
        padding = data.draw(st.sampled_from([0, 1, "same", (1, 0)]))
        stride = 1 if padding == "same" else data.draw(st.sampled_from([1, 2]))
        dtype = data.draw(st.sampled_from([np.float32, np.float64]))
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        x = rng.standard_normal((data.draw(st.integers(1, 2)), c, h, w)).astype(dtype)
        dw = rng.standard_normal((c * mult, 1, kh, kw)).astype(dtype)
        pw = rng.standard_normal((c_out, c * mult)).astype(dtype)
        out = core.depthwise_separable_conv2d(x, dw, pw, stride=stride, padding=padding)
        full = core.conv2d(
            x,
            composed_kernel(dw, pw, mult).astype(dtype),
            stride=stride,
            padding=padding,
        )
        assert out.dtype == dtype
        assert_close(out, full, dtype)


@PROPERTY
@given(data=st.data())
def test_shifted_copies_engine_matches_naive_loop(data):
    # Random stride-1 geometry through the engine of the layers: padding wider
    # than the kernel needs, dilated column taps that fall wholly into the
    # padding, odd and even kernels with "same", views that are not
    # contiguous, depthwise (with a multiplier), grouped and full weights.
    with engine("shifted copies"):
        n, g = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
        cg, m = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
        kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
        dh, dw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
        h, w = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 8))
        padding = data.draw(
            st.one_of(
                st.just("same"),
                st.tuples(st.integers(0, 4), st.integers(0, 4)),
            )
        )
        pads = side_pads(padding, (kh, kw), (dh, dw))
        assume(h + pads[0] + pads[1] > dh * (kh - 1))
        assume(w + pads[2] + pads[3] > dw * (kw - 1))
        dtype = data.draw(st.sampled_from([np.float32, np.float64]))
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        x = rng.standard_normal((n, g * cg, h, 2 * w)).astype(dtype)
        if data.draw(st.booleans()):
            x = x[..., ::2]  # a view whose rows are not contiguous
        else:
            x = np.ascontiguousarray(x[..., :w])
        weight = rng.standard_normal((g * m, cg, kh, kw)).astype(dtype)
        out = core.conv2d(x, weight, padding=padding, dilation=(dh, dw), groups=g)
        expected = naive_conv2d(x, weight, None, 1, pads, (dh, dw), g)
        assert out.dtype == dtype
        assert_close(out, expected, dtype)


TRANSPOSE_CASES = [
    # (x shape, weight shape, stride, padding, output_padding, dilation, groups)
    ((1, 2, 3, 3), (2, 3, 3, 3), 1, 0, 0, 1, 1),
    ((2, 2, 4, 3), (2, 2, 3, 2), 2, 1, 1, 1, 1),
    ((1, 4, 3, 4), (4, 1, 3, 3), (2, 3), (1, 0), (0, 2), (1, 2), 2),
    ((1, 3, 5, 5), (3, 2, 2, 2), 1, "same", 0, 1, 1),
    ((1, 2, 3, 3), (2, 1, 3, 3), 1, 0, 1, 2, 2),
    ((1, 1, 4, 4), (1, 1, 3, 3), 3, 0, 0, 1, 1),
]


@pytest.mark.parametrize(
    ("xs", "ws", "stride", "padding", "op", "dilation", "groups"), TRANSPOSE_CASES
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_transpose2d_matches_naive_scatter(
    xs, ws, stride, padding, op, dilation, groups, dtype
):
    rng = np.random.default_rng(14)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[1] * groups).astype(dtype)
    out = core.conv_transpose2d(
        x,
        w,
        b,
        stride=stride,
        padding=padding,
        output_padding=op,
        dilation=dilation,
        groups=groups,
    )
    assert out.dtype == dtype
    pads = side_pads(padding, ws[2:], dilation)
    expected = naive_conv_transpose2d(x, w, stride, pads, op, dilation, groups)
    assert_close(out, expected + b[:, None, None], dtype)


def test_conv_transpose2d_checkerboard():
    # A 3x3 kernel at stride 2 overlaps unevenly: the checkerboard artifact.
    out = core.conv_transpose2d(np.ones((1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2)
    assert out.shape == (1, 9, 9)
    assert set(np.unique(out)) == {1.0, 2.0, 4.0}
    # a 2x2 kernel at stride 2 tiles evenly
    even = core.conv_transpose2d(np.ones((1, 4, 4)), np.ones((1, 1, 2, 2)), stride=2)
    assert np.array_equal(even, np.ones((1, 8, 8)))


@PROPERTY
@given(data=st.data())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(data):
    with engine(data.draw(st.sampled_from(ENGINES))):
        groups = data.draw(st.integers(1, 3))
        c_in = groups * data.draw(st.integers(1, 2))
        c_out = groups * data.draw(st.integers(1, 2))
        kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
        stride = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
        dilation = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
        same = stride == (1, 1) and data.draw(st.booleans())
        padding = (
            "same"
            if same
            else (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
        )
        pads = side_pads(padding, (kh, kw), dilation)
        eff = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
        h = data.draw(st.integers(max(1, eff[0] - pads[0] - pads[1]), 9))
        w = data.draw(st.integers(max(1, eff[1] - pads[2] - pads[3]), 9))
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        x = rng.standard_normal((2, c_in, h, w))
        weight = rng.standard_normal((c_out, c_in // groups, kh, kw))
        y_conv = core.conv2d(
            x, weight, stride=stride, padding=padding, dilation=dilation, groups=groups
        )
        y = rng.standard_normal(y_conv.shape)
        # the output_padding that gives back x's size
        op = tuple(
            (n + p1 + p2 - e) % s
            for n, p1, p2, e, s in zip(
                (h, w), pads[::2], pads[1::2], eff, stride, strict=True
            )
        )
        x_t = core.conv_transpose2d(
            y,
            weight,
            stride=stride,
            padding=padding,
            output_padding=op,
            dilation=dilation,
            groups=groups,
        )
        assert x_t.shape == x.shape
        lhs, rhs = np.vdot(y_conv, y), np.vdot(x, x_t)
        assert abs(lhs - rhs) <= 1e-10 * max(
            1.0, np.abs(y_conv).sum() * np.abs(y).max()
        )


def test_channel_shuffle_permutation():
    x = np.arange(12).reshape(1, 12, 1, 1)
    out = core.channel_shuffle(x, 3)
    assert out.ravel().tolist() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
    assert out.dtype == np.float64
    assert core.channel_shuffle(x.astype(np.float32), 3).dtype == np.float32
    assert np.array_equal(core.channel_shuffle(x, 1), x)
    assert np.array_equal(core.channel_shuffle(x[0], 4), core.channel_shuffle(x, 4)[0])


@PROPERTY
@given(c=st.integers(1, 24), data=st.data())
def test_channel_shuffle_inverse(c, data):
    divisors = [g for g in range(1, c + 1) if c % g == 0]
    g = data.draw(st.sampled_from(divisors))
    x = np.random.default_rng(c).standard_normal((2, c, 2, 3))
    once = core.channel_shuffle(x, g)
    assert np.array_equal(core.channel_shuffle(once, c // g), x)
    if 1 < g < c:
        assert not np.array_equal(once, x)  # it does move channels


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_flattened_matches_naive_rank1(dtype, each_engine):
    rng = np.random.default_rng(15)
    x = rng.standard_normal((2, 3, 7, 8)).astype(dtype)
    lat = rng.standard_normal((4, 3)).astype(dtype)
    ver = rng.standard_normal((4, 3)).astype(dtype)
    hor = rng.standard_normal((4, 2)).astype(dtype)
    weight = lat[:, :, None, None] * ver[:, None, :, None] * hor[:, None, None, :]
    for padding in [0, 1, "same", (2, 0)]:
        out = core.flattened_conv2d(x, lat, ver, hor, padding=padding)
        assert out.dtype == dtype
        pads = side_pads(padding, (3, 2))
        assert_close(out, naive_conv2d(x, weight, None, 1, pads), dtype)


@PROPERTY
@given(data=st.data())
def test_flattened_equals_conv2d_with_its_rank1_weight(data):
    with engine(data.draw(st.sampled_from(ENGINES))):
        c_in, c_out = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
        kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
        h, w = data.draw(st.integers(kh, 8)), data.draw(st.integers(kw, 8))
        padding = data.draw(st.sampled_from([0, 1, "same", "valid", (0, 2)]))
        dtype = data.draw(st.sampled_from([np.float32, np.float64]))
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        x = rng.standard_normal((c_in, h, w)).astype(dtype)
        lat = rng.standard_normal((c_out, c_in)).astype(dtype)
        ver = rng.standard_normal((c_out, kh)).astype(dtype)
        hor = rng.standard_normal((c_out, kw)).astype(dtype)
        weight = lat[:, :, None, None] * ver[:, None, :, None] * hor[:, None, None, :]
        out = core.flattened_conv2d(x, lat, ver, hor, padding=padding)
        assert out.dtype == dtype
        assert_close(out, core.conv2d(x, weight, padding=padding), dtype)


# ---------------------------------------------------------------------------
# dtypes, layouts, independent results


LAYER_CALLS = {
    "correlate2d": lambda a: core.correlate2d(a[0, 0], a[0, 0, :2, :2], padding=1),
    "convolve2d": lambda a: core.convolve2d(a[0, 0], a[0, 0, :2, :2], padding="same"),
    "column_pass": lambda a: core.column_pass(a[0, 0], a[0, 0, 0, :3], padding="same"),
    "row_pass": lambda a: core.row_pass(a[0, 0], a[0, 0, 0, :3], padding="same"),
    "separable": lambda a: core.separable_correlate2d(
        a[0, 0], a[0, 0, 0, :3], a[0, 0, 1, :2], padding=1
    ),
    "conv2d": lambda a: core.conv2d(a, a[:2, :, :3, :3], padding=1),
    "depthwise": lambda a: core.depthwise_conv2d(
        a, a[:1, :1, :3, :3].repeat(2, 0), padding="same"
    ),
    "pointwise": lambda a: core.pointwise_conv2d(a, a[0, :, 0, :2].T),
    "separable_layer": lambda a: core.depthwise_separable_conv2d(
        a, a[:1, :1, :3, :3].repeat(2, 0), a[0, :, 0, :2], padding=1
    ),
    "transpose": lambda a: core.conv_transpose2d(a, a[:2, :, :2, :2], stride=2),
    "shuffle": lambda a: core.channel_shuffle(a, 2),
    "flattened": lambda a: core.flattened_conv2d(
        a, a[0, :, 0, :2], a[0, :, 1, :3], a[0, :, 2, :2], padding="same"
    ),
}


@pytest.mark.parametrize("name", LAYER_CALLS)
def test_dtype_rule(name):
    call = LAYER_CALLS[name]
    base = np.arange(2 * 2 * 6 * 7).reshape(2, 2, 6, 7) % 5 - 2
    assert call(base.astype(np.float32)).dtype == np.float32
    assert call(base.astype(np.float64)).dtype == np.float64
    assert call(base).dtype == np.float64  # integers
    assert call(base.astype(np.int8)).dtype == np.float64
    assert call(base > 0).dtype == np.float64  # bools
    assert_close(call(base.astype(np.float32)), call(base), np.float32)


def test_mixed_dtypes_give_float64():
    x32 = np.ones((1, 2, 5, 5), np.float32)
    w64 = np.ones((3, 2, 3, 3))
    assert core.conv2d(x32, w64).dtype == np.float64
    assert core.conv2d(x32, w64.astype(np.float32), np.zeros(3)).dtype == np.float64
    assert core.correlate2d(x32[0, 0], [[1, 2]]).dtype == np.float64
    assert core.correlate2d(x32[0, 0], np.float32([[1, 2]])).dtype == np.float32


@pytest.mark.parametrize("name", LAYER_CALLS)
def test_results_are_not_overwritten_by_later_calls(name):
    call = LAYER_CALLS[name]
    rng = np.random.default_rng(16)
    first = call(rng.standard_normal((2, 2, 6, 7)))
    kept = first.copy()
    call(rng.standard_normal((2, 2, 6, 7)))  # the same shapes
    call(rng.standard_normal((2, 2, 9, 8)))
    assert np.array_equal(first, kept)


def test_im2col_in_chunks_gives_the_same_results(monkeypatch, each_engine):
    # Forces im2col to process the batch in chunks of one image.
    monkeypatch.setattr(core, "_IM2COL_CHUNK_BYTES", 2000)
    rng = np.random.default_rng(20)
    x = rng.standard_normal((3, 4, 9, 8))
    w = rng.standard_normal((6, 2, 3, 3))
    for kwargs in [{"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2}]:
        out = core.conv2d(x, w, groups=2, **kwargs)
        pads = side_pads(kwargs["padding"], (3, 3), kwargs.get("dilation", 1))
        expected = naive_conv2d(
            x, w, None, kwargs.get("stride", 1), pads, kwargs.get("dilation", 1), 2
        )
        assert_close(out, expected)
    image, kernel = x[0, 0], w[0, 0]
    assert_close(
        core.correlate2d(image, kernel, padding=1),
        scipy_correlate2d(image, kernel, 1, (1, 1, 1, 1)),
    )


def test_inputs_are_not_modified():
    rng = np.random.default_rng(17)
    x = rng.standard_normal((1, 2, 6, 6))
    w = rng.standard_normal((2, 2, 3, 3))
    x0, w0 = x.copy(), w.copy()
    core.conv2d(x, w, padding=1)
    core.conv_transpose2d(x, w, stride=2)
    core.depthwise_separable_conv2d(x, w[:, :1], w[:, :, 0, 0], padding=1)
    core.correlate2d(x[0, 0], w[0, 0], padding=1)
    assert np.array_equal(x, x0) and np.array_equal(w, w0)


def test_large_image_filters_match_ndimage():
    # sizes where the flat-offset trick spans many rows (float32 and float64)
    rng = np.random.default_rng(18)
    for dtype in (np.float32, np.float64):
        image = rng.standard_normal((130, 301)).astype(dtype)
        kernel = rng.standard_normal((7, 7)).astype(dtype)
        expected = ndimage.correlate(
            image.astype(float), kernel.astype(float), mode="constant"
        )
        assert_close(core.correlate2d(image, kernel, padding="same"), expected, dtype)
