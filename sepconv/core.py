"""Every convolution in the book, in NumPy, with PyTorch's semantics.

Conventions (the same as ``torch.nn.functional``):

* "convolution" means cross-correlation, ``out[i, j] = sum_{u, v}
  x[i*s + u*d, j*s + v*d] * w[u, v]`` on the zero-padded input;
  :func:`convolve2d` is the true convolution, with the kernel flipped;
* arrays are NCHW, and a (C, H, W) input is accepted too (the output then has
  no batch axis either);
* weights have torch's layouts: ``(C_out, C_in / groups, kh, kw)`` for
  :func:`conv2d`, ``(C_in, C_out / groups, kh, kw)`` for
  :func:`conv_transpose2d`;
* ``stride``, ``padding`` and ``dilation`` take an int or an ``(h, w)`` pair;
  ``padding`` also takes ``"valid"`` (none) and ``"same"`` (output as large as
  the input; stride 1 only; for an even kernel the extra row or column of
  zeros goes at the end, bottom and right);
* float32 input gives float32 output, anything else (integers, bools,
  float64, or a mix) gives float64.

How it is computed (``benchmarks/bench_core.py`` measures it against SciPy
and torch): single-image filters accumulate ``w[u, v]`` times a shifted flat
view of the padded image, one NumPy multiply-add per tap; stride-1 full, grouped
and depthwise convolutions copy the padded input ``kw`` times, each copy
shifted by one column tap and as wide as the output, apply every tap in one
batched matrix product (its rows are pairs of row tap and output channel),
and add the ``kh`` partial sums, each shifted by its row tap, which in those
copies is a plain offset of whole rows; strided and small ones use im2col
and one batched matrix product; pointwise convolutions are one matrix
product. Intermediates are plain NumPy arrays, allocated for each call:
nothing is kept from one call to the next.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    Sides,
    as_array,
    as_batch,
    as_bias,
    as_pair,
    as_result_dtype,
    check_groups,
    check_int,
    check_kernel_fits,
    fail,
    resolve_geometry,
)

__all__ = [
    "channel_dependency",
    "channel_shuffle",
    "column_pass",
    "conv2d",
    "conv_transpose2d",
    "conv_transpose2d_by_zero_insertion",
    "convolve2d",
    "correlate2d",
    "depthwise_conv2d",
    "depthwise_separable_conv2d",
    "flattened_conv2d",
    "impulse_response",
    "output_size",
    "pixel_shuffle",
    "pointwise_conv2d",
    "row_pass",
    "separable_correlate2d",
    "transposed_output_size",
    "zero_insert",
]

# ---------------------------------------------------------------------------
# sizes


def output_size(size, kernel_size, *, stride=1, padding=0, dilation=1):
    """Length of a convolution's output along one axis.

    Parameters
    ----------
    size : int
        Input length ``i``.
    kernel_size : int
        Kernel length ``k``.
    stride, padding, dilation : int, keyword-only
        ``s >= 1``, ``p >= 0`` zeros on *each* side, ``d >= 1`` (1 is an
        ordinary kernel).

    Returns
    -------
    int
        ``o = floor((i + 2p - d(k - 1) - 1) / s) + 1``.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is out of range, or if the dilated kernel
        ``d(k - 1) + 1`` is longer than the padded input ``i + 2p``.

    Examples
    --------
    A 3x3 kernel on a 5x5 image stops at 3 positions per axis:

    >>> output_size(5, 3)
    3
    >>> output_size(5, 3, padding=1, stride=2)
    3
    >>> output_size(7, 3, dilation=2)
    3
    """
    i = check_int(size, "size", minimum=1)
    k = check_int(kernel_size, "kernel_size", minimum=1)
    s = check_int(stride, "stride", minimum=1)
    p = check_int(padding, "padding", minimum=0)
    d = check_int(dilation, "dilation", minimum=1)
    effective = d * (k - 1) + 1
    if effective > i + 2 * p:
        fail(
            "kernel_size",
            f"a kernel whose dilated length d(k-1)+1 is at most the padded input "
            f"i+2p = {i + 2 * p}",
            f"kernel_size={k} with dilation={d} (dilated length {effective})",
        )
    return (i + 2 * p - effective) // s + 1


def transposed_output_size(
    size, kernel_size, *, stride=1, padding=0, output_padding=0, dilation=1
):
    """Length of a transposed convolution's output along one axis.

    Parameters
    ----------
    size, kernel_size : int
        Input length ``i`` and kernel length ``k``, as in :func:`output_size`.
    stride, padding, output_padding, dilation : int, keyword-only
        As in ``torch.nn.ConvTranspose2d``: ``padding`` zeros are cropped
        from each side, and ``output_padding`` (smaller than ``stride`` or
        ``dilation``) is added at the end.

    Returns
    -------
    int
        ``o = (i - 1)s - 2p + d(k - 1) + output_padding + 1``.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is out of range, or if the padding leaves no output.

    Examples
    --------
    >>> transposed_output_size(3, 3)
    5
    >>> transposed_output_size(3, 3, stride=2, padding=1, output_padding=1)
    6
    """
    i = check_int(size, "size", minimum=1)
    k = check_int(kernel_size, "kernel_size", minimum=1)
    s = check_int(stride, "stride", minimum=1)
    p = check_int(padding, "padding", minimum=0)
    op = check_int(output_padding, "output_padding", minimum=0)
    d = check_int(dilation, "dilation", minimum=1)
    if op >= max(s, d):
        fail(
            "output_padding",
            f"smaller than stride or dilation (< {max(s, d)})",
            f"output_padding={op} with stride={s}, dilation={d}",
        )
    out = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
    if out < 1:
        fail(
            "padding",
            f"small enough to leave at least one output element (at most "
            f"{((i - 1) * s + d * (k - 1) + op) // 2})",
            p,
        )
    return out


# ---------------------------------------------------------------------------
# validation shared by the functions below


def _check_channels(x, batched, expected, how):
    if x.shape[1] != expected:
        axis = "axis 1 of NCHW" if batched else "axis 0 of CHW"
        fail(
            "x",
            f"an array with {expected} channels on {axis} ({how})",
            x if batched else x[0],
        )


def _finish(out, bias, batched):
    if bias is not None:
        out += bias.reshape(-1, 1, 1)
    return out if batched else out[0]


# ---------------------------------------------------------------------------
# engines (no validation; arrays already share one float dtype)

_IM2COL_PIXELS = 1024  # stride-1 outputs up to this size use im2col...
_IM2COL_OUTPUTS_DEPTHWISE = 2048  # ... or up to this many values in all, depthwise
_IM2COL_CHUNK_BYTES = 1 << 25  # im2col columns of at most this many bytes at a time


def _correlate_plane(image, kernel, stride, pads, dilation):
    """2-D cross-correlation of one image with one kernel (no validation)."""
    top, bottom, left, right = pads
    h, w = image.shape
    hp, wp = h + top + bottom, w + left + right
    kh, kw = kernel.shape
    (sh, sw), (dh, dw) = stride, dilation
    oh = (hp - dh * (kh - 1) - 1) // sh + 1
    ow = (wp - dw * (kw - 1) - 1) // sw + 1
    if pads == (0, 0, 0, 0):
        padded = np.ascontiguousarray(image)
    else:
        padded = np.zeros((hp, wp), dtype=image.dtype)
        padded[top : top + h, left : left + w] = image
    if (sh, sw) == (1, 1):
        # Output (i, j) lives at flat index i*wp + j, and tap (u, v) reads the
        # padded image at that index plus u*dh*wp + v*dw: one scaled, shifted
        # flat view added per tap. (NumPy's single-threaded ufuncs, not a
        # BLAS axpy: each threaded BLAS call waits for all of its threads,
        # and on a busy machine, where one of them waits for a core, a tap
        # then takes milliseconds instead of microseconds.)
        flat = padded.reshape(-1)
        out = np.zeros(oh * wp, dtype=image.dtype)
        length = (oh - 1) * wp + ow
        term = np.empty(length, dtype=image.dtype)
        for u in range(kh):
            for v in range(kw):
                off = u * dh * wp + v * dw
                np.multiply(flat[off : off + length], kernel[u, v], out=term)
                out[:length] += term
        out = out.reshape(oh, wp)
        return out[:, :ow].copy() if ow != wp else out
    out = np.zeros((oh, ow), dtype=image.dtype)
    term = np.empty((oh, ow), dtype=image.dtype)
    for u in range(kh):
        for v in range(kw):
            view = padded[
                u * dh : u * dh + sh * (oh - 1) + 1 : sh,
                v * dw : v * dw + sw * (ow - 1) + 1 : sw,
            ]
            np.multiply(view, kernel[u, v], out=term)
            out += term
    return out


def _padded_batch(x, pads, extra=0):
    """Zero-padded copy of ``x`` (N, C, H, W), flattened per channel.

    Returns the (N, C, Hp*Wp + extra) buffer and (Hp, Wp).
    """
    n, c, h, w = x.shape
    top, bottom, left, right = pads
    hp, wp = h + top + bottom, w + left + right
    buf = np.zeros((n, c, hp * wp + extra), dtype=x.dtype)
    buf[:, :, : hp * wp].reshape(n, c, hp, wp)[:, :, top : top + h, left : left + w] = x
    return buf, hp, wp


def _column_copies(x, pads, kw, dw, ow):
    """The zero-padded input, copied once per column tap and narrowed.

    Returns ``cols`` (N, C, kw, Hp*ow) with
    ``cols[n, c, v, r*ow + j] = padded[n, c, r, j + v*dw]``. Row tap ``u`` of
    a stride-1 correlation is then the flat offset ``u*dh*ow`` into every
    copy, and the result comes out without junk columns. The copies are
    taken straight from ``x``: only the padding is zeroed, and every other
    value is written once.
    """
    n, c, h, w = x.shape
    top, bottom, left, _ = pads
    hp = h + top + bottom
    cols = np.empty((n, c, kw, hp * ow), dtype=x.dtype)
    grid = cols.reshape(n, c, kw, hp, ow)
    grid[:, :, :, :top] = 0
    grid[:, :, :, top + h :] = 0
    rows = grid[:, :, :, top : top + h]
    # Same width (as with "same" padding): each copy is x shifted along its
    # flattened rows, one contiguous copy per channel; the values that wrap
    # into a neighbouring row land in padding columns, zeroed afterwards.
    item = x.itemsize
    flat = ow == w and x.strides[2:] == (w * item, item)
    for v in range(kw):
        # Output column j reads padded column j + v*dw, which is column
        # j + shift of x: zero where that falls into the left or right padding.
        shift = v * dw - left
        lo = min(max(0, -shift), ow)
        hi = max(min(ow, w - shift), lo)
        if flat and hi > lo:
            body = np.reshape(rows[:, :, v], (n, c, h * w), copy=False)
            source = x.reshape(n, c, h * w)
            if shift >= 0:
                body[:, :, : h * w - shift] = source[:, :, shift:]
            else:
                body[:, :, -shift:] = source[:, :, : h * w + shift]
        else:
            rows[:, :, v, :, lo:hi] = x[:, :, :, lo + shift : hi + shift]
        rows[:, :, v, :, :lo] = 0
        rows[:, :, v, :, hi:] = 0
    return cols


def _conv(x, weight, groups, stride, pads, dilation):
    """Grouped cross-correlation of (N, C, H, W) ``x``: the engine of the layers.

    Returns a new (N, C_out, oh, ow) array.

    At stride 1, one batched matrix product applies every column tap of
    every kernel row to the column copies (rows ``(u, o)``: row tap ``u`` of
    output channel ``o``); shifting the partial sum of row tap ``u`` by
    ``u*dh*ow`` and adding gives the result.
    """
    n, _, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    g, m = groups, c_out // groups
    dh, dw = dilation
    top, bottom, left, right = pads
    oh = h + top + bottom - dh * (kh - 1)
    ow = w + left + right - dw * (kw - 1)
    # Measured crossover: for small outputs, one product with the whole
    # kernel as its inner dimension beats products over column taps plus
    # kh - 1 shifted additions.
    if cg > 1:
        small = oh * ow <= _IM2COL_PIXELS
    else:
        small = n * c_out * oh * ow <= _IM2COL_OUTPUTS_DEPTHWISE
    if stride != (1, 1) or small:
        return _conv_im2col(x, weight, groups, stride, pads, dilation)
    shape = (n, g, m, oh * ow)
    out = np.empty(shape, dtype=x.dtype)
    cols = _column_copies(x, pads, kw, dw, ow)
    plane = cols.shape[-1]
    cols = np.reshape(cols, (n, g, cg * kw, plane), copy=False)
    taps = weight.reshape(g, m, cg, kh, kw).transpose(0, 3, 1, 2, 4)
    taps = taps.reshape(g, kh * m, cg * kw)
    if kh == 1:
        np.matmul(taps, cols, out=out)
    else:
        partial = np.empty((n, g, kh * m, plane), dtype=x.dtype)
        np.matmul(taps, cols, out=partial)
        rows = partial.reshape(n, g, kh, m, plane)
        step, length = dh * ow, oh * ow
        shifted = [rows[:, :, u, :, u * step : u * step + length] for u in range(kh)]
        np.add(shifted[0], shifted[1], out=out)
        for term in shifted[2:]:
            out += term
    return out.reshape(n, c_out, oh, ow)


def _conv_im2col(x, weight, g, stride, pads, dilation):
    """Grouped cross-correlation by im2col and one batched matrix product."""
    n, c = x.shape[:2]
    c_out, cg, kh, kw = weight.shape
    flat, hp, wp = _padded_batch(x, pads)
    padded = flat.reshape(n, c, hp, wp)
    (sh, sw), (dh, dw) = stride, dilation
    oh = (hp - dh * (kh - 1) - 1) // sh + 1
    ow = (wp - dw * (kw - 1) - 1) // sw + 1
    w_mat = weight.reshape(g, c_out // g, cg * kh * kw)
    out = np.empty((n, g, c_out // g, oh * ow), dtype=x.dtype)
    per_sample = c * kh * kw * oh * ow * x.itemsize
    chunk = max(1, _IM2COL_CHUNK_BYTES // per_sample)
    for i0 in range(0, n, chunk):
        part = padded[i0 : i0 + chunk]
        m = part.shape[0]
        cols = np.empty((m, c, kh, kw, oh, ow), dtype=x.dtype)
        for u in range(kh):
            for v in range(kw):
                cols[:, :, u, v] = part[
                    :,
                    :,
                    u * dh : u * dh + sh * (oh - 1) + 1 : sh,
                    v * dw : v * dw + sw * (ow - 1) + 1 : sw,
                ]
        np.matmul(
            w_mat, cols.reshape(m, g, cg * kh * kw, oh * ow), out=out[i0 : i0 + m]
        )
    return out.reshape(n, c_out, oh, ow)


def _pointwise(x, weight, groups):
    """x (N, C, ...), weight (C_out, C/groups): a 1x1 convolution over axis 1."""
    n, c = x.shape[:2]
    rest = x.shape[2:]
    c_out = weight.shape[0]
    g = groups
    flat = x.reshape(n, g, c // g, -1)
    shape = (n, g, c_out // g, flat.shape[-1])
    out = np.empty(shape, dtype=x.dtype)
    np.matmul(weight.reshape(g, c_out // g, c // g), flat, out=out)
    return out.reshape(n, c_out, *rest)


# ---------------------------------------------------------------------------
# single-image filters


def _image_and_kernel(image, kernel):
    img = as_array(image, "image", ndim=2)
    ker = as_array(kernel, "kernel", ndim=2)
    return as_result_dtype(img, ker)


def correlate2d(image, kernel, *, stride=1, padding=0, dilation=1):
    """2-D cross-correlation of one image with one kernel (what CNNs call convolution).

    Parameters
    ----------
    image : array_like, shape (H, W)
        Real numbers.
    kernel : array_like, shape (kh, kw)
        Real numbers.
    stride, dilation : int or (int, int), keyword-only
        At least 1 (dilation 1 is an ordinary kernel).
    padding : int, (int, int), "valid" or "same", keyword-only
        Zeros on each side (an int or a per-axis pair), none (``"valid"``)
        or enough for an output as large as the image (``"same"``, stride 1
        only; the extra zero of an even kernel goes at the end).

    Returns
    -------
    ndarray, shape (oh, ow)
        float32 if both inputs are float32, else float64.

    Raises
    ------
    TypeError
        For a non-integer stride, padding or dilation, or an array that is
        not of real numbers.
    ValueError
        For anything out of range (wrong dimensions, empty arrays, a kernel
        larger than the padded image, ...). Every message names the
        parameter, says what is allowed and echoes what was received.

    See Also
    --------
    convolve2d : the true convolution (kernel flipped).
    separable_correlate2d : the same for a rank-1 kernel, in two 1-D passes.

    Notes
    -----
    With ``x`` the zero-padded image,

    ``out[i, j] = sum_{u, v} x[i*s_h + u*d_h, j*s_w + v*d_w] * kernel[u, v]``

    and ``oh = floor((H + p_top + p_bottom - d_h(kh - 1) - 1) / s_h) + 1``
    (the same for ``ow``). The kernel is not flipped, as in
    ``torch.nn.functional.conv2d`` and ``scipy.signal.correlate2d``.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(16).reshape(4, 4)
    >>> correlate2d(image, [[1, 0], [0, -1]])
    array([[-5., -5., -5.],
           [-5., -5., -5.],
           [-5., -5., -5.]])
    >>> correlate2d(image, [[1, 1], [1, 1]], stride=2)
    array([[10., 18.],
           [42., 50.]])
    >>> correlate2d([[1, 2], [3, 4]], [[1, 1], [1, 1]], padding="same")
    array([[10.,  6.],
           [ 7.,  4.]])
    """
    img, ker = _image_and_kernel(image, kernel)
    s, pads, d = resolve_geometry(stride, padding, dilation, ker.shape, img.shape)
    return _correlate_plane(img, ker, s, pads, d)


def convolve2d(image, kernel, *, stride=1, padding=0, dilation=1):
    """2-D true convolution of one image with one kernel (the kernel flipped).

    Parameters
    ----------
    image, kernel, stride, padding, dilation
        As in :func:`correlate2d`.

    Returns
    -------
    ndarray, shape (oh, ow)
        float32 if both inputs are float32, else float64.

    Notes
    -----
    ``convolve2d(image, k, ...) == correlate2d(image, k[::-1, ::-1], ...)``:

    ``out[i, j] = sum_{u, v} x[i*s_h + u*d_h, j*s_w + v*d_w]
    * kernel[kh-1-u, kw-1-v]``

    on the zero-padded image ``x``. With ``padding="valid"`` or
    ``padding=(kh - 1, kw - 1)`` this is ``scipy.signal.convolve2d`` in mode
    ``"valid"`` or ``"full"``. For a symmetric kernel the two operations
    agree; for an antisymmetric one (Sobel) they differ in sign.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(16).reshape(4, 4)
    >>> convolve2d(image, [[1, 0], [0, -1]])
    array([[5., 5., 5.],
           [5., 5., 5.],
           [5., 5., 5.]])
    """
    img, ker = _image_and_kernel(image, kernel)
    flipped = ker[::-1, ::-1]
    return correlate2d(img, flipped, stride=stride, padding=padding, dilation=dilation)


def _one_pass(image, factor, name, stride, padding):
    """The ``"column"`` (vertical) or ``"row"`` (horizontal) pass of a separable
    filter: the 1-D ``factor`` with that axis's stride and padding only."""
    img = as_array(image, "image", ndim=2)
    img, f = as_result_dtype(img, as_array(factor, name, ndim=1))
    vertical = name == "column"
    kernel = f[:, np.newaxis] if vertical else f[np.newaxis, :]
    s, sides, _ = resolve_geometry(stride, padding, 1, kernel.shape)
    pads = (*sides[:2], 0, 0) if vertical else (0, 0, *sides[2:])
    check_kernel_fits(img.shape, pads, kernel.shape, (1, 1), name=name)
    step = (s[0], 1) if vertical else (1, s[1])
    return _correlate_plane(img, kernel, step, pads, (1, 1))


def column_pass(image, column, *, stride=1, padding=0):
    """The first (vertical) pass of :func:`separable_correlate2d`.

    Correlates every column of the image with the 1-D kernel ``column``,
    applying only the vertical parts of ``stride`` and ``padding``. The
    result is the intermediate image that :func:`row_pass` then filters.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Real numbers.
    column : array_like, shape (kh,)
        The vertical factor, read top to bottom.
    stride, padding
        As in :func:`separable_correlate2d` (an int, a pair (h, w),
        ``"valid"`` or ``"same"``); only their vertical parts are used here.

    Returns
    -------
    ndarray, shape (oh, W)
        ``oh`` rows (the output's rows) by ``W`` columns (all of the image's
        columns): on a 5x5 image a 3x1 kernel stops at 3 x 5 = 15 positions
        and gives 3 rows by 5 columns.

    Notes
    -----
    ``mid[i, j] = sum_u x[i*s_h + u, j] * column[u]`` on the image ``x``
    padded with ``p_top`` and ``p_bottom`` rows of zeros. This is
    ``correlate2d(image, column[:, None], stride=(s_h, 1),
    padding=(p_h, 0))``.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(25).reshape(5, 5)
    >>> column_pass(image, [1, 2, 1])
    array([[20., 24., 28., 32., 36.],
           [40., 44., 48., 52., 56.],
           [60., 64., 68., 72., 76.]])
    """
    return _one_pass(image, column, "column", stride, padding)


def row_pass(image, row, *, stride=1, padding=0):
    """The second (horizontal) pass of :func:`separable_correlate2d`.

    Correlates every row of ``image`` with the 1-D kernel ``row``, applying
    only the horizontal parts of ``stride`` and ``padding``.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Real numbers, usually the result of :func:`column_pass`.
    row : array_like, shape (kw,)
        The horizontal factor, read left to right.
    stride, padding
        As in :func:`separable_correlate2d`; only their horizontal parts are
        used here.

    Returns
    -------
    ndarray, shape (H, ow)

    Notes
    -----
    ``out[i, j] = sum_v x[i, j*s_w + v] * row[v]`` on the image ``x`` padded
    with ``p_left`` and ``p_right`` columns of zeros.

    Examples
    --------
    The 1x3 pass on the 3x5 intermediate stops at 3 x 3 = 9 positions:

    >>> import numpy as np
    >>> mid = np.array([[20, 24, 28, 32, 36],
    ...                 [40, 44, 48, 52, 56],
    ...                 [60, 64, 68, 72, 76]])
    >>> row_pass(mid, [-1, 0, 1])
    array([[8., 8., 8.],
           [8., 8., 8.],
           [8., 8., 8.]])
    """
    return _one_pass(image, row, "row", stride, padding)


def separable_correlate2d(image, column, row, *, stride=1, padding=0):
    """Cross-correlation with the rank-1 kernel ``outer(column, row)``, in two passes.

    First :func:`column_pass` (every column of the image with ``column``),
    then :func:`row_pass` (every row of that intermediate with ``row``).

    Parameters
    ----------
    image : array_like, shape (H, W)
        Real numbers.
    column : array_like, shape (kh,)
        The vertical factor.
    row : array_like, shape (kw,)
        The horizontal factor.
    stride : int or (int, int), keyword-only
        At least 1.
    padding : int, (int, int), "valid" or "same", keyword-only
        As in :func:`correlate2d`.

    Returns
    -------
    ndarray, shape (oh, ow)
        Equal (up to rounding) to ``correlate2d(image, np.outer(column, row),
        stride=stride, padding=padding)``.

    Notes
    -----
    ``out[i, j] = sum_v row[v] * sum_u column[u] * x[i*s_h + u, j*s_w + v]``
    on the zero-padded image ``x``. Per output pixel the two passes cost
    ``kh + kw`` multiplications (plus the rows the first pass computes that
    the second does not reuse) instead of ``kh * kw``.

    Examples
    --------
    Sobel-x is the column ``[1, 2, 1]`` times the row ``[-1, 0, 1]``:

    >>> import numpy as np
    >>> image = np.arange(25).reshape(5, 5)
    >>> separable_correlate2d(image, [1, 2, 1], [-1, 0, 1])
    array([[8., 8., 8.],
           [8., 8., 8.],
           [8., 8., 8.]])
    """
    img = as_array(image, "image", ndim=2)
    col = as_array(column, "column", ndim=1)
    r = as_array(row, "row", ndim=1)
    img, col, r = as_result_dtype(img, col, r)
    kernel_hw = (col.shape[0], r.shape[0])
    s, pads, _ = resolve_geometry(stride, padding, 1, kernel_hw, img.shape)
    top, bottom, left, right = pads
    mid = _correlate_plane(
        img, col[:, np.newaxis], (s[0], 1), (top, bottom, 0, 0), (1, 1)
    )
    return _correlate_plane(
        mid, r[np.newaxis, :], (1, s[1]), (0, 0, left, right), (1, 1)
    )


# ---------------------------------------------------------------------------
# layers


def conv2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1):
    """Standard (full or grouped) 2-D convolution layer, as torch's ``conv2d``.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Real numbers.
    weight : array_like, shape (C_out, C_in / groups, kh, kw)
        One kernel of depth ``C_in / groups`` per output channel.
    bias : array_like, shape (C_out,), optional
        Added to every pixel of each output channel.
    stride, padding, dilation
        As in :func:`correlate2d`.
    groups : int, keyword-only
        Splits the input and output channels into ``groups`` blocks; output
        block ``g`` sees input block ``g`` only. Must divide ``C_in`` and
        ``C_out``. ``groups = C_in`` is a depthwise convolution.

    Returns
    -------
    ndarray, shape (N, C_out, oh, ow) or (C_out, oh, ow)
        float32 if every input is float32, else float64.

    Notes
    -----
    With ``G = groups``, ``n = C_in / G``, output channel ``o`` in group
    ``g = o // (C_out / G)`` and ``x`` zero-padded:

    ``out[b, o, i, j] = bias[o] + sum_{c < n} sum_{u, v}
    weight[o, c, u, v] * x[b, g*n + c, i*s_h + u*d_h, j*s_w + v*d_w]``

    Cross-correlation, as in PyTorch. It costs ``C_out * n * kh * kw``
    multiplications per output pixel.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(18).reshape(1, 2, 3, 3)
    >>> conv2d(x, np.ones((1, 2, 2, 2)))
    array([[[[52., 60.],
             [76., 84.]]]])
    >>> conv2d(x, np.ones((2, 1, 2, 2)), [0, 100], groups=2)
    array([[[[  8.,  12.],
             [ 20.,  24.]],
    <BLANKLINE>
            [[144., 148.],
             [156., 160.]]]])
    """
    xb, batched = as_batch(x)
    w = as_array(weight, "weight", ndim=4)
    c_out, cg = w.shape[:2]
    b = as_bias(bias, c_out)
    g = check_groups(groups, ("C_in", xb.shape[1]), ("C_out", c_out))
    _check_channels(xb, batched, cg * g, f"weight.shape[1] * groups = {cg} * {g}")
    s, pads, d = resolve_geometry(
        stride, padding, dilation, w.shape[2:], xb.shape[2:], name="weight"
    )
    xb, w, b = as_result_dtype(xb, w, b)
    return _finish(_conv(xb, w, g, s, pads, d), b, batched)


def _depthwise_weight(weight, c_in, name):
    w = as_array(weight, name, ndim=4)
    if w.shape[1] != 1 or w.shape[0] % c_in:
        fail(
            name,
            f"an array of shape (C_in * multiplier, 1, kh, kw) with C_in = {c_in}",
            w,
        )
    return w


def depthwise_conv2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1):
    """Depthwise convolution: each input channel filtered on its own.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Real numbers.
    weight : array_like, shape (C_in * multiplier, 1, kh, kw)
        ``multiplier`` (the depth multiplier) kernels per input channel, in
        torch's layout: output channel ``o`` filters input channel
        ``o // multiplier``.
    bias : array_like, shape (C_in * multiplier,), optional
    stride, padding, dilation
        As in :func:`correlate2d`.

    Returns
    -------
    ndarray, shape (N, C_in * multiplier, oh, ow) or (C_in * multiplier, oh, ow)

    Notes
    -----
    ``conv2d(x, weight, bias, groups=C_in, ...)``, that is

    ``out[b, o, i, j] = bias[o] + sum_{u, v} weight[o, 0, u, v]
    * x[b, o // multiplier, i*s_h + u*d_h, j*s_w + v*d_w]``

    at ``kh * kw`` multiplications per output pixel.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(18).reshape(2, 3, 3)
    >>> depthwise_conv2d(x, np.ones((2, 1, 2, 2)))
    array([[[ 8., 12.],
            [20., 24.]],
    <BLANKLINE>
           [[44., 48.],
            [56., 60.]]])
    """
    xb, batched = as_batch(x)
    c_in = xb.shape[1]
    w = _depthwise_weight(weight, c_in, "weight")
    b = as_bias(bias, w.shape[0])
    s, pads, d = resolve_geometry(
        stride, padding, dilation, w.shape[2:], xb.shape[2:], name="weight"
    )
    xb, w, b = as_result_dtype(xb, w, b)
    return _finish(_conv(xb, w, c_in, s, pads, d), b, batched)


def _pointwise_weight(weight, name):
    w = as_array(weight, name, ndim=(2, 4))
    if w.ndim == 4:
        if w.shape[2:] != (1, 1):
            fail(
                name,
                "of shape (C_out, C_in / groups) or (C_out, C_in / groups, 1, 1)",
                w,
            )
        w = w[:, :, 0, 0]
    return w


def pointwise_conv2d(x, weight, bias=None, *, groups=1):
    """Pointwise (1x1) convolution: mixes channels, pixel by pixel.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Real numbers.
    weight : array_like, shape (C_out, C_in / groups) or (C_out, C_in / groups, 1, 1)
    bias : array_like, shape (C_out,), optional
    groups : int, keyword-only
        Pointwise grouped convolution (as in ShuffleNet) when above 1: must
        divide ``C_in`` and ``C_out``.

    Returns
    -------
    ndarray, shape (N, C_out, H, W) or (C_out, H, W)

    Notes
    -----
    ``out[b, o, i, j] = bias[o] + sum_{c < n} weight[o, c] * x[b, g*n + c, i, j]``
    with ``n = C_in / groups`` and ``g = o // (C_out / groups)``: one matrix
    product per group, ``C_out * n`` multiplications per pixel.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(8).reshape(2, 2, 2)
    >>> pointwise_conv2d(x, [[1, 1], [1, -1]])
    array([[[ 4.,  6.],
            [ 8., 10.]],
    <BLANKLINE>
           [[-4., -4.],
            [-4., -4.]]])
    """
    xb, batched = as_batch(x)
    w = _pointwise_weight(weight, "weight")
    c_out, cg = w.shape
    b = as_bias(bias, c_out)
    g = check_groups(groups, ("C_in", xb.shape[1]), ("C_out", c_out))
    _check_channels(xb, batched, cg * g, f"weight.shape[1] * groups = {cg} * {g}")
    xb, w, b = as_result_dtype(xb, w, b)
    return _finish(_pointwise(xb, w, g), b, batched)


def depthwise_separable_conv2d(
    x, depthwise, pointwise, bias=None, *, stride=1, padding=0, dilation=1
):
    """Depthwise separable layer: depthwise, then pointwise, one bias at the end.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Real numbers.
    depthwise : array_like, shape (C_in * multiplier, 1, kh, kw)
        As ``weight`` in :func:`depthwise_conv2d`.
    pointwise : array_like, shape (C_out, C_in * multiplier), or that plus (1, 1)
        As ``weight`` in :func:`pointwise_conv2d`.
    bias : array_like, shape (C_out,), optional
        The layer's only bias, added after the pointwise step (Keras'
        ``SeparableConv2D``).
    stride, padding, dilation
        Of the depthwise step, as in :func:`correlate2d`.

    Returns
    -------
    ndarray, shape (N, C_out, oh, ow) or (C_out, oh, ow)

    Notes
    -----
    ``pointwise_conv2d(depthwise_conv2d(x, depthwise, ...), pointwise, bias)``,
    which equals ``conv2d(x, W, bias, ...)`` with the composed kernel
    ``W[o, c, u, v] = sum_m pointwise[o, c*M + m] * depthwise[c*M + m, 0, u, v]``
    (``M`` the multiplier). Per output pixel it costs
    ``C_in * M * (kh * kw + C_out)`` multiplications instead of
    ``C_out * C_in * kh * kw``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(18).reshape(2, 3, 3)
    >>> depthwise_separable_conv2d(x, np.ones((2, 1, 2, 2)), [[1, -1]])
    array([[[-36., -36.],
            [-36., -36.]]])
    """
    xb, batched = as_batch(x)
    c_in = xb.shape[1]
    dw_w = _depthwise_weight(depthwise, c_in, "depthwise")
    pw_w = _pointwise_weight(pointwise, "pointwise")
    if pw_w.shape[1] != dw_w.shape[0]:
        fail(
            "pointwise",
            f"of shape (C_out, {dw_w.shape[0]}) or (C_out, {dw_w.shape[0]}, 1, 1): "
            f"one column per depthwise output channel",
            pw_w,
        )
    b = as_bias(bias, pw_w.shape[0])
    s, pads, d = resolve_geometry(
        stride, padding, dilation, dw_w.shape[2:], xb.shape[2:], name="depthwise"
    )
    xb, dw_w, pw_w, b = as_result_dtype(xb, dw_w, pw_w, b)
    mid = _conv(xb, dw_w, c_in, s, pads, d)
    return _finish(_pointwise(mid, pw_w, 1), b, batched)


def _transpose_checked(x, weight, bias, stride, padding, output_padding, dilation,
                       groups):  # fmt: skip
    """Validate a transposed convolution; return arrays and geometry."""
    xb, batched = as_batch(x)
    w = as_array(weight, "weight", ndim=4)
    c_in, m, kh, kw = w.shape
    g = check_groups(groups, ("C_in = weight.shape[0]", c_in))
    _check_channels(xb, batched, c_in, "weight.shape[0]")
    b = as_bias(bias, m * g)
    s, pads, d = resolve_geometry(stride, padding, dilation, (kh, kw))
    op = as_pair(output_padding, "output_padding", minimum=0)
    limits = (max(s[0], d[0]), max(s[1], d[1]))
    if op[0] >= limits[0] or op[1] >= limits[1]:
        fail(
            "output_padding",
            f"smaller than stride or dilation along each axis "
            f"(< {limits[0]}, < {limits[1]})",
            output_padding,
        )
    full_h = (xb.shape[2] - 1) * s[0] + d[0] * (kh - 1) + 1 + op[0]
    full_w = (xb.shape[3] - 1) * s[1] + d[1] * (kw - 1) + 1 + op[1]
    top, bottom, left, right = pads
    if full_h - top - bottom < 1 or full_w - left - right < 1:
        fail(
            "padding",
            f"small enough to leave an output; the uncropped output is "
            f"{full_h}x{full_w}",
            padding,
        )
    xb, w, b = as_result_dtype(xb, w, b)
    return xb, w, b, batched, g, s, pads, d, op


def conv_transpose2d(
    x, weight, bias=None, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1
):
    """Transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    The adjoint (matrix transpose) of :func:`conv2d` with the same weight,
    stride, padding, dilation and groups: each input pixel scatters a copy of
    the kernel, scaled by its value, ``stride`` pixels apart, and overlapping
    copies add up. It is not a deconvolution (it does not undo
    :func:`conv2d`).

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Real numbers.
    weight : array_like, shape (C_in, C_out / groups, kh, kw)
        torch's layout for transposed convolutions (the layout of the
        :func:`conv2d` weight it transposes).
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or (int, int), keyword-only
        At least 1.
    padding : int, (int, int), "valid" or "same", keyword-only
        Rows and columns cropped from each side of the full result: the
        padding of the :func:`conv2d` being transposed. ``"same"`` (stride 1
        only) crops as that ``conv2d``'s ``"same"`` padding pads, extra at
        the end, so the output is as large as the input.
    output_padding : int or (int, int), keyword-only
        Extra rows (columns) at the bottom (right), smaller than stride or
        dilation along that axis: picks which of the input sizes that a
        strided ``conv2d`` maps to ``(H, W)`` the output has.
    groups : int, keyword-only
        Must divide ``C_in``; then ``C_out = weight.shape[1] * groups``.

    Returns
    -------
    ndarray, shape (N, C_out, oh, ow) or (C_out, oh, ow)
        ``oh = (H - 1)s_h - p_top - p_bottom + d_h(kh - 1) + output_padding + 1``
        (see :func:`transposed_output_size`), the same for ``ow``.

    Notes
    -----
    With ``n = C_in / groups``, ``m = C_out / groups`` and output channel
    ``o = g*m + k`` of group ``g``, before cropping,

    ``full[b, o, i*s_h + u*d_h, j*s_w + v*d_w] +=
    sum_{c < n} x[b, g*n + c, i, j] * weight[g*n + c, k, u, v]``

    and ``out = full[..., p_top:p_top + oh, p_left:p_left + ow] + bias``.
    With the same geometry, and ``output_padding`` chosen so that the output
    has the shape of ``x``, ``<conv2d(x, w), y> == <x, conv_transpose2d(y, w)>``
    for every ``x`` and ``y``.

    Examples
    --------
    One pixel scatters the kernel, scaled:

    >>> import numpy as np
    >>> conv_transpose2d([[[0, 0], [0, 2]]], [[[[1, 2], [3, 4]]]])
    array([[[0., 0., 0.],
            [0., 2., 4.],
            [0., 6., 8.]]])
    >>> conv_transpose2d([[[1, 1], [1, 1]]], np.ones((1, 1, 2, 2)), stride=2)
    array([[[1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.]]])
    """
    xb, w, b, batched, g, s, pads, d, op = _transpose_checked(
        x, weight, bias, stride, padding, output_padding, dilation, groups
    )
    n, c_in, h, wd = xb.shape
    _, m, kh, kw = w.shape
    c_out = m * g
    full_h = (h - 1) * s[0] + d[0] * (kh - 1) + 1 + op[0]
    full_w = (wd - 1) * s[1] + d[1] * (kw - 1) + 1 + op[1]
    top, bottom, left, right = pads
    oh, ow = full_h - top - bottom, full_w - left - right
    n_in = c_in // g
    # cols[b, g, k, u, v, i, j] = sum_c weight[g*n + c, k, u, v] * x[b, g*n + c, i, j]
    w_t = w.reshape(g, n_in, m * kh * kw).transpose(0, 2, 1)
    cols = np.matmul(w_t, xb.reshape(n, g, n_in, h * wd))
    cols = cols.reshape(n, c_out, kh, kw, h, wd)
    full = np.zeros((n, c_out, full_h, full_w), dtype=xb.dtype)
    for u in range(kh):
        for v in range(kw):
            rows = slice(u * d[0], u * d[0] + s[0] * (h - 1) + 1, s[0])
            columns = slice(v * d[1], v * d[1] + s[1] * (wd - 1) + 1, s[1])
            full[:, :, rows, columns] += cols[:, :, u, v]
    out = np.ascontiguousarray(full[:, :, top : top + oh, left : left + ow])
    return _finish(out, b, batched)


def zero_insert(x, stride):
    """Insert ``stride - 1`` zeros between neighbouring pixels of each image.

    The first step of conv_arithmetic's view of a transposed convolution
    (see :func:`conv_transpose2d_by_zero_insertion`).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W) or (C, H, W)
        Real numbers.
    stride : int or (int, int)
        At least 1: input pixels land ``stride`` apart.

    Returns
    -------
    ndarray, shape (N, C, (H - 1)s_h + 1, (W - 1)s_w + 1) or without N
        ``out[..., i*s_h, j*s_w] = x[..., i, j]``, zeros elsewhere; float32
        if ``x`` is, else float64.

    Examples
    --------
    >>> zero_insert([[[1, 2], [3, 4]]], 2)
    array([[[1., 0., 2.],
            [0., 0., 0.],
            [3., 0., 4.]]])
    """
    xb, batched = as_batch(x)
    s = as_pair(stride, "stride")
    n, c, h, w = xb.shape
    out = np.zeros((n, c, (h - 1) * s[0] + 1, (w - 1) * s[1] + 1), dtype=xb.dtype)
    out[:, :, :: s[0], :: s[1]] = xb
    return out if batched else out[0]


def conv_transpose2d_by_zero_insertion(
    x, weight, bias=None, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1
):
    """Transposed convolution computed as an ordinary convolution.

    conv_arithmetic's view of :func:`conv_transpose2d` (Dumoulin and Visin,
    2016): insert ``stride - 1`` zeros between the input pixels
    (:func:`zero_insert`), pad ``d(k - 1) - padding`` zeros on each side
    (``output_padding`` more at the end; a negative amount crops), and run
    :func:`conv2d` with stride 1, the same dilation and groups, and the
    kernel flipped in both axes, its input and output channels swapped
    within each group. Same parameters, output and errors as
    :func:`conv_transpose2d`; it costs more, since most of its products are
    with the inserted and padded zeros
    (:func:`~sepconv.counting.zero_insertion_waste`).

    Parameters
    ----------
    x, weight, bias, stride, padding, output_padding, dilation, groups
        As in :func:`conv_transpose2d`: ``weight`` has shape
        ``(C_in, C_out / groups, kh, kw)``.

    Returns
    -------
    ndarray, shape (N, C_out, oh, ow) or (C_out, oh, ow)
        Equal to ``conv_transpose2d(x, weight, bias, ...)`` up to rounding.

    Notes
    -----
    With ``n = C_in / groups`` and ``m = C_out / groups``, the
    :func:`conv2d` weight is ``w2[g*m + k, c, u, v] =
    weight[g*n + c, k, kh - 1 - u, kw - 1 - v]``. Along each axis the
    padded, zero-inserted input has ``(i - 1)s + 1 + 2(d(k - 1) - p) + a``
    pixels, so the stride-1 convolution returns
    ``(i - 1)s - 2p + d(k - 1) + a + 1`` of them, the size of
    :func:`transposed_output_size`.

    Examples
    --------
    >>> import numpy as np
    >>> x, w = [[[0, 0], [0, 2]]], [[[[1, 2], [3, 4]]]]
    >>> conv_transpose2d_by_zero_insertion(x, w)
    array([[[0., 0., 0.],
            [0., 2., 4.],
            [0., 6., 8.]]])
    >>> y = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> w = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> np.allclose(conv_transpose2d_by_zero_insertion(y, w, stride=2),
    ...             conv_transpose2d(y, w, stride=2))
    True
    """
    xb, w, b, batched, g, s, pads, d, op = _transpose_checked(
        x, weight, bias, stride, padding, output_padding, dilation, groups
    )
    c_in, m, kh, kw = w.shape
    # the flipped kernel, (C_in, m) swapped to (m, C_in / groups) in each group
    w2 = w.reshape(g, c_in // g, m, kh, kw).transpose(0, 2, 1, 3, 4)
    w2 = w2.reshape(g * m, c_in // g, kh, kw)[:, :, ::-1, ::-1]
    z = zero_insert(xb, s) if s != (1, 1) else xb
    top, bottom, left, right = pads
    sides = (d[0] * (kh - 1) - top, d[0] * (kh - 1) - bottom + op[0],
             d[1] * (kw - 1) - left, d[1] * (kw - 1) - right + op[1])  # fmt: skip
    # the convolution pads the positive amounts; a negative amount crops, and
    # cropping the input of a stride-1 convolution crops its output the same
    # (the input itself may have fewer pixels than a crop and a pad need)
    padding = Sides(max(0, side) for side in sides)
    out = conv2d(z, w2, b, padding=padding, dilation=d, groups=g)
    cut = [max(0, -side) for side in sides]  # top, bottom, left, right
    out = out[:, :, cut[0] : out.shape[2] - cut[1], cut[2] : out.shape[3] - cut[3]]
    return out if batched else out[0]


def pixel_shuffle(x, upscale_factor):
    """Rearrange ``r^2`` channels into an ``r`` times larger image (sub-pixel).

    As ``torch.nn.functional.pixel_shuffle``: the upsampling step of the
    sub-pixel convolution of Shi et al. (2016). A convolution produces
    ``C r^2`` channels at low resolution; the shuffle interleaves them into
    ``C`` channels ``r`` times taller and wider. It does no arithmetic.

    Parameters
    ----------
    x : array_like, shape (N, C r^2, H, W) or (C r^2, H, W)
        Real numbers.
    upscale_factor : int
        ``r``, at least 1; ``r^2`` must divide the channel count.

    Returns
    -------
    ndarray, shape (N, C, H r, W r) or (C, H r, W r)
        ``out[b, c, h*r + i, w*r + j] = x[b, c*r^2 + i*r + j, h, w]``;
        float32 if ``x`` is, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> pixel_shuffle(np.arange(4).reshape(4, 1, 1), 2)
    array([[[0., 1.],
            [2., 3.]]])
    >>> pixel_shuffle(np.zeros((1, 18, 5, 7)), 3).shape
    (1, 2, 15, 21)
    """
    xb, batched = as_batch(x)
    r = check_int(upscale_factor, "upscale_factor", minimum=1)
    n, c, h, w = xb.shape
    if c % (r * r):
        fail(
            "upscale_factor",
            f"an r whose square divides the channel count {c}",
            upscale_factor,
        )
    out = xb.reshape(n, c // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3)
    out = out.reshape(n, c // (r * r), h * r, w * r)
    return out if batched else out[0]


def channel_shuffle(x, groups):
    """Channel shuffle (ShuffleNet): interleave the channels of ``groups`` groups.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W) or (C, H, W)
        Real numbers.
    groups : int
        Must divide ``C``.

    Returns
    -------
    ndarray, same shape as ``x``
        float32 if ``x`` is, else float64.

    Notes
    -----
    Reshape the channel axis to ``(groups, C / groups)``, transpose it to
    ``(C / groups, groups)`` and flatten: output channel ``k*groups + g`` is
    input channel ``g*(C/groups) + k``. Shuffling again with ``C / groups``
    groups undoes it.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(6).reshape(6, 1, 1)
    >>> channel_shuffle(x, 2).ravel()
    array([0., 3., 1., 4., 2., 5.])
    >>> channel_shuffle(channel_shuffle(x, 2), 3).ravel()
    array([0., 1., 2., 3., 4., 5.])
    """
    xb, batched = as_batch(x)
    n, c, h, w = xb.shape
    g = check_groups(groups, ("the channel count C", c))
    out = xb.reshape(n, g, c // g, h, w).transpose(0, 2, 1, 3, 4).reshape(n, c, h, w)
    return out if batched else out[0]


def flattened_conv2d(x, lateral, vertical, horizontal, *, padding=0):
    """Flattened convolution: a 3-D filter as three 1-D filters in sequence.

    A lateral (across channels, 1x1) filter, then a vertical (kh x 1) and a
    horizontal (1 x kw) filter on each output channel, as in Jin et al.,
    "Flattened convolutional neural networks for feedforward acceleration"
    (2014).

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Real numbers.
    lateral : array_like, shape (C_out, C_in)
        A 1x1 convolution across channels.
    vertical : array_like, shape (C_out, kh)
        One vertical 1-D filter per output channel.
    horizontal : array_like, shape (C_out, kw)
        One horizontal 1-D filter per output channel.
    padding : int, (int, int), "valid" or "same", keyword-only
        As in :func:`correlate2d` (stride and dilation are 1).

    Returns
    -------
    ndarray, shape (N, C_out, oh, ow) or (C_out, oh, ow)

    Notes
    -----
    Equal to ``conv2d(x, W, padding=padding)`` with the rank-1 weight

    ``W[o, c, u, v] = lateral[o, c] * vertical[o, u] * horizontal[o, v]``

    at ``C_in + kh + kw`` multiplications per output pixel and channel
    (roughly; the vertical pass also runs on rows the horizontal one pads)
    instead of ``C_in * kh * kw``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(18).reshape(2, 3, 3)
    >>> flattened_conv2d(x, [[1, 1]], [[1, 1]], [[1, -1]])
    array([[[-4., -4.],
            [-4., -4.]]])
    """
    xb, batched = as_batch(x)
    lat = as_array(lateral, "lateral", ndim=2)
    ver = as_array(vertical, "vertical", ndim=2)
    hor = as_array(horizontal, "horizontal", ndim=2)
    c_out = lat.shape[0]
    for name, arr in (("vertical", ver), ("horizontal", hor)):
        if arr.shape[0] != c_out:
            fail(name, f"an array with C_out = {c_out} rows (one per lateral row)", arr)
    _check_channels(xb, batched, lat.shape[1], "lateral.shape[1]")
    kh, kw = ver.shape[1], hor.shape[1]
    _, pads, _ = resolve_geometry(
        1, padding, 1, (kh, kw), xb.shape[2:], name="vertical, horizontal"
    )
    xb, lat, ver, hor = as_result_dtype(xb, lat, ver, hor)
    top, bottom, left, right = pads
    # The lateral step maps zeros to zeros, so padding commutes with it.
    mixed = _pointwise(xb, lat, 1)
    vertical_kernels = ver[:, np.newaxis, :, np.newaxis]
    mid = _conv(mixed, vertical_kernels, c_out, (1, 1), (top, bottom, 0, 0), (1, 1))
    horizontal_kernels = hor[:, np.newaxis, np.newaxis, :]
    out = _conv(mid, horizontal_kernels, c_out, (1, 1), (0, 0, left, right), (1, 1))
    return out if batched else out[0]


# ---------------------------------------------------------------------------
# probes: what a layer or a stack of layers connects


def channel_dependency(layer, channels, *, image_size=5):
    """Which input channels can change which output channels of ``layer``.

    Feeds ``layer`` a batch of ``channels`` images in which image ``c`` is
    all ones on input channel ``c`` and zero elsewhere, and records which
    output channels respond.

    Parameters
    ----------
    layer : callable
        A function of an image batch of shape ``(channels, channels,
        image_size, image_size)`` (N, C, H, W) that returns an array whose
        first axis is the batch and whose second axis is the output channel,
        e.g. ``lambda x: conv2d(x, weight, padding=1)``.
    channels : int
        The layer's number of input channels, at least 1.
    image_size : int, keyword-only
        Height and width of the probe images (default 5), at least 1; the
        layer must accept them.

    Returns
    -------
    ndarray of bool, shape (C_out, channels)
        ``dep[o, c]`` is True when input channel ``c`` changes output
        channel ``o`` somewhere.

    Notes
    -----
    Exactly zero responses count as "no dependency", so a layer whose
    contributions cancel on a constant input (a kernel whose weights sum to
    zero, say) can hide a connection; positive weights cannot cancel.
    Stacks of layers are functions too: ``channel_dependency(lambda x:
    second(first(x)), channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> weight = np.ones((4, 2, 3, 3))  # 4 -> 4 channels, 2 groups
    >>> channel_dependency(lambda x: conv2d(x, weight, groups=2), 4).astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 1, 1],
           [0, 0, 1, 1]])
    """
    if not callable(layer):
        fail("layer", "a function of an image batch", layer, error=TypeError)
    c = check_int(channels, "channels", minimum=1)
    n = check_int(image_size, "image_size", minimum=1)
    impulses = np.zeros((c, c, n, n))
    impulses[np.arange(c), np.arange(c)] = 1.0
    out = np.asarray(layer(impulses))
    if out.dtype.kind not in "biuf" or out.ndim < 2 or out.shape[0] != c:
        fail(
            "layer",
            f"a function returning a real array of shape ({c}, C_out, ...), "
            "one row per probe image",
            out,
        )
    responded = np.abs(out.reshape(c, out.shape[1], -1)).sum(axis=2) > 0
    return responded.T


def impulse_response(dilations, *, kernel_size=3, image_size=33):
    """A single bright pixel sent through a stack of dilated all-ones filters.

    Layer ``l`` correlates with a ``kernel_size x kernel_size`` kernel of
    ones, dilation ``dilations[l]`` and ``"same"`` padding, so every layer
    keeps the ``image_size x image_size`` image. The nonzero pixels of the
    result are the input pixels the centre output pixel depends on (its
    receptive field), and each value counts the paths from the centre to that
    pixel.

    Parameters
    ----------
    dilations : sequence of int
        One dilation per layer, each at least 1; at least one layer (a
        tuple, list, range or 1-D array).
    kernel_size : int, keyword-only
        ``k >= 1``, the same for every layer (default 3).
    image_size : int, keyword-only
        Height and width of the image, at least 1 (default 33). The bright
        pixel is at ``(image_size // 2, image_size // 2)``. The whole field
        fits when ``image_size >= 1 + sum((k - 1) * d)``; otherwise it is cut
        at the border.

    Returns
    -------
    ndarray of float64, shape (image_size, image_size)

    Notes
    -----
    The field of ``L`` stacked layers is ``1 + sum_l (k - 1) d_l`` pixels
    wide. Dilations that share a factor leave holes in it (gridding): with
    dilations ``(2, 2, 2)`` only pixels at even offsets from the centre are
    reached.

    Examples
    --------
    >>> impulse_response([1], image_size=5)
    array([[0., 0., 0., 0., 0.],
           [0., 1., 1., 1., 0.],
           [0., 1., 1., 1., 0.],
           [0., 1., 1., 1., 0.],
           [0., 0., 0., 0., 0.]])
    >>> impulse_response([2], image_size=5)[2]
    array([1., 0., 1., 0., 1.])
    >>> reached = impulse_response([1, 2, 4]) > 0
    >>> int(reached.any(axis=0).sum())  # 1 + (3 - 1) * (1 + 2 + 4)
    15
    """
    if isinstance(dilations, np.ndarray) and dilations.ndim == 1:
        dilations = dilations.tolist()
    if not isinstance(dilations, tuple | list | range):
        fail(
            "dilations",
            "a sequence of integers (one dilation per layer)",
            dilations,
            error=TypeError,
        )
    if len(dilations) == 0:
        fail("dilations", "a non-empty sequence (at least one layer)", dilations)
    steps = [check_int(d, "dilations", minimum=1) for d in dilations]
    k = check_int(kernel_size, "kernel_size", minimum=1)
    n = check_int(image_size, "image_size", minimum=1)
    image = np.zeros((1, n, n))
    image[0, n // 2, n // 2] = 1.0
    ones = np.ones((1, 1, k, k))
    for d in steps:
        image = conv2d(image, ones, dilation=d, padding="same")
    return image[0]
