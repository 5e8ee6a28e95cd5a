"""Separability by the SVD: rank-1 factors, low-rank sums, depthwise separable weights.

A 2-D kernel ``K`` separates into a column and a row, ``K = outer(c, r)``,
exactly when its rank is 1, i.e. when it has a single non-zero singular
value. A kernel of rank ``r`` is exactly a sum of ``r`` separable kernels
(the terms of its SVD), and truncating the SVD gives the best rank-``r``
approximation in the Frobenius norm (Eckart-Young).

The same idea, one input channel at a time, gives the depthwise separable
layer nearest to a standard one: for input channel ``c`` the standard weight
``W[:, c]`` is a ``(C_out, kh*kw)`` matrix, and a depthwise separable layer
can only produce rank-1 matrices ``P[:, c] outer D[c]`` there (rank
``multiplier`` with a depth multiplier).

Numerical rank
--------------
Singular values are computed in float64. A singular value counts as zero when
it is at most ``tol * sigma_max``. The default relative tolerance is
``max(kh, kw) * eps`` with ``eps`` the machine epsilon of the kernel's dtype
(float32 kernels get float32's epsilon), as in ``numpy.linalg.matrix_rank``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._validation import as_array, check_int, check_real, fail, result_dtype

__all__ = [
    "DepthwiseSeparableFactors",
    "LowRankApproximation",
    "compose_depthwise_separable",
    "is_separable",
    "low_rank_approximation",
    "low_rank_factors",
    "nearest_depthwise_separable",
    "numerical_rank",
    "rank1_factors",
    "singular_values",
]


class LowRankApproximation(NamedTuple):
    """A truncated-SVD approximation and its relative Frobenius error."""

    approximation: np.ndarray
    relative_error: float


class DepthwiseSeparableFactors(NamedTuple):
    """Depthwise and pointwise weights (torch layouts) and their relative error."""

    depthwise: np.ndarray
    pointwise: np.ndarray
    relative_error: float


# ---------------------------------------------------------------- helpers


def _kernel(kernel):
    return as_array(kernel, "kernel", ndim=2)


def _tolerance(kernel, tol):
    """The relative tolerance: ``tol`` if given, else ``max(shape) * eps``."""
    if tol is None:
        return max(kernel.shape) * float(np.finfo(kernel.dtype).eps)
    tol = check_real(tol, "tol")
    if tol < 0:
        fail("tol", "a finite number >= 0", tol)
    return tol


def _svd(kernel):
    """Full SVD in float64."""
    return np.linalg.svd(np.asarray(kernel, dtype=np.float64), full_matrices=False)


def _rank(s, rel_tol):
    """Singular values ``s`` (largest first) above ``rel_tol * s[0]``."""
    return int(np.count_nonzero(s > rel_tol * s[0]))


def _orientation(*vectors):
    """+1 or -1: the sign that makes the vectors follow the convention.

    The first non-zero of their sums is made positive; if every sum is zero
    (up to rounding), the first non-zero entry of the first vector is.
    """
    eps = np.finfo(np.float64).eps
    for vector in vectors:
        total = float(vector.sum())
        if abs(total) > 8 * vector.size * eps * float(np.abs(vector).sum()):
            return 1.0 if total > 0 else -1.0
    first = vectors[0]
    if not np.any(first):
        return 1.0
    big = np.abs(first) > 8 * eps * np.abs(first).max()
    return 1.0 if first[np.argmax(big)] > 0 else -1.0


def _integer_factors(kernel):
    """Integer (column, row) with ``outer == kernel`` exactly, or None.

    The column is primitive (gcd of entries 1); the row is then integer too.
    """
    if not np.all(np.abs(kernel) < 2**31) or not np.array_equal(
        kernel, np.round(kernel)
    ):
        return None
    k = np.asarray(kernel, dtype=np.int64)
    nonzero_columns = np.flatnonzero(np.any(k != 0, axis=0))
    if nonzero_columns.size == 0:
        return None
    column = k[:, nonzero_columns[0]]
    column = column // np.gcd.reduce(np.abs(column))
    i0 = int(np.flatnonzero(column)[0])
    if np.any(k[i0] % column[i0]):
        return None
    row = k[i0] // column[i0]
    if not np.array_equal(np.outer(column, row), k):
        return None
    return column.astype(np.float64), row.astype(np.float64)


def _balanced_terms(u, s, vt, count):
    """SVD terms ``sqrt(s_i) u_i`` and ``sqrt(s_i) v_i``, oriented."""
    columns = np.empty((count, u.shape[0]))
    rows = np.empty((count, vt.shape[1]))
    for i in range(count):
        root = math.sqrt(max(float(s[i]), 0.0))
        c, r = u[:, i] * root, vt[i] * root
        sign = _orientation(c, r)
        columns[i], rows[i] = sign * c + 0.0, sign * r + 0.0
    return columns, rows


# ---------------------------------------------------------------- spatial


def singular_values(kernel):
    """Singular values of a 2-D kernel, largest first (computed in float64).

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)

    Returns
    -------
    ndarray of shape (min(kh, kw),)

    Examples
    --------
    The Sobel kernel has one non-zero singular value, ``2 sqrt(3)``:

    >>> s = singular_values([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    >>> np.round(s, 6) + 0.0
    array([3.464102, 0.      , 0.      ])
    """
    return np.linalg.svd(np.asarray(_kernel(kernel), np.float64), compute_uv=False)


def numerical_rank(kernel, *, tol=None):
    """Number of singular values above ``tol`` times the largest.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
    tol : float, optional, keyword-only
        Relative tolerance (see the module notes); default ``max(kh, kw) * eps``.

    Returns
    -------
    int
        0 for the zero kernel, 1 for a separable one.

    Examples
    --------
    >>> numerical_rank([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    2
    """
    k = _kernel(kernel)
    return _rank(singular_values(k), _tolerance(k, tol))


def is_separable(kernel, *, tol=None):
    """Whether a 2-D kernel is an outer product ``column x row``.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
    tol : float, optional, keyword-only
        Relative tolerance on singular values (see the module notes).

    Returns
    -------
    bool
        True when the numerical rank is at most 1 (the zero kernel is the
        outer product of zero vectors).

    Examples
    --------
    >>> is_separable([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    True
    >>> is_separable([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    False
    """
    return numerical_rank(kernel, tol=tol) <= 1


def rank1_factors(kernel, *, tol=None):
    """The column and row whose outer product is a separable kernel.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
        A kernel of numerical rank 1 (or the zero kernel).
    tol : float, optional, keyword-only
        Relative tolerance on singular values (see the module notes).

    Returns
    -------
    column : ndarray of shape (kh,)
    row : ndarray of shape (kw,)
        ``np.outer(column, row)`` equals ``kernel`` (to rounding). Float64,
        or float32 for a float32 kernel.

    Raises
    ------
    ValueError
        If the kernel is not separable; the message gives its numerical rank.

    Notes
    -----
    The factors are unique up to a scale ``column * a``, ``row / a``. This
    function fixes it as follows.

    * **Scale.** If every entry is an integer and the kernel is exactly an
      outer product of integer vectors, ``column`` is the primitive integer
      vector (its entries have greatest common divisor 1) and ``row`` is then
      integer too. Otherwise the factors are balanced:
      ``column = sqrt(s1) u1`` and ``row = sqrt(s1) v1`` from the SVD, so
      both have Euclidean norm ``sqrt(s1)`` (a normalised Gaussian gives
      back its normalised 1-D factor twice).
    * **Sign.** The first non-zero of ``sum(column)``, ``sum(row)`` is
      positive, so smoothing factors come back positive; if both sums are
      zero, the first non-zero entry of ``column`` is positive.
    * The zero kernel gives two zero vectors.

    Examples
    --------
    >>> column, row = rank1_factors([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    >>> column, row
    (array([1., 2., 1.]), array([-1.,  0.,  1.]))
    >>> rank1_factors([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    (array([-1.,  0.,  1.]), array([1., 2., 1.]))
    """
    k = _kernel(kernel)
    rel_tol = _tolerance(k, tol)
    dtype = result_dtype(k)
    u, s, vt = _svd(k)
    rank = _rank(s, rel_tol)
    if rank > 1:
        # Values at or below the tolerance are rounding noise: shown as 0.
        kept = np.where(s > rel_tol * s[0], s, 0.0)
        shown = ", ".join(f"{v:.3g}" for v in kept[:4])
        raise ValueError(
            f"kernel must be separable (numerical rank 1); got a {k.shape[0]}x"
            f"{k.shape[1]} kernel of numerical rank {rank} (singular values "
            f"{shown}{', ...' if s.size > 4 else ''}); see low_rank_factors"
        )
    if rank == 0:
        return np.zeros(k.shape[0], dtype), np.zeros(k.shape[1], dtype)
    factors = _integer_factors(np.asarray(k, np.float64))
    if factors is None:
        columns, rows = _balanced_terms(u, s, vt, 1)
        factors = columns[0], rows[0]
    else:
        sign = _orientation(*factors)
        factors = sign * factors[0], sign * factors[1]
    # ``+ 0.0`` turns a negative zero into zero.
    return (factors[0] + 0.0).astype(dtype), (factors[1] + 0.0).astype(dtype)


def _checked_svd(kernel, rank):
    """``(rank, dtype, (u, s, vt))``: the checked rank, the result dtype and the
    SVD of the checked kernel."""
    k = _kernel(kernel)
    limit = min(k.shape)
    r = check_int(rank, "rank", minimum=1)
    if r > limit:
        fail("rank", f"an integer from 1 to min(kh, kw)={limit}", rank)
    return r, result_dtype(k), _svd(k)


def low_rank_factors(kernel, rank):
    """The ``rank`` separable terms of the truncated SVD of a kernel.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
    rank : int
        Number of terms, from 1 to ``min(kh, kw)``.

    Returns
    -------
    columns : ndarray of shape (rank, kh)
    rows : ndarray of shape (rank, kw)
        ``sum_i np.outer(columns[i], rows[i])`` is the best rank-``rank``
        approximation of ``kernel`` in the Frobenius norm; it equals the
        kernel when ``rank`` is at least the kernel's rank.

    Notes
    -----
    Term ``i`` is ``sqrt(s_i) u_i`` times ``sqrt(s_i) v_i`` (balanced scale,
    singular values ``s_i`` largest first), signed as in
    :func:`rank1_factors` (integer scaling is not attempted here). Filtering
    with the sum costs ``rank`` separable passes: about ``2 m rank``
    multiplications per output pixel for an ``m x m`` kernel instead of
    ``m**2``.

    Examples
    --------
    The 4-neighbour Laplacian is the sum of two separable kernels:

    >>> lap = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    >>> columns, rows = low_rank_factors(lap, 2)
    >>> columns.shape, rows.shape
    ((2, 3), (2, 3))
    >>> total = sum(np.outer(c, r) for c, r in zip(columns, rows))
    >>> np.round(total, 12) + 0.0
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    """
    r, dtype, (u, s, vt) = _checked_svd(kernel, rank)
    columns, rows = _balanced_terms(u, s, vt, r)
    return columns.astype(dtype), rows.astype(dtype)


def low_rank_approximation(kernel, rank):
    """The best rank-``rank`` approximation of a kernel and its relative error.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
    rank : int
        From 1 to ``min(kh, kw)``.

    Returns
    -------
    approximation : ndarray of shape (kh, kw)
        The truncated SVD, ``sum_{i < rank} s_i u_i v_i^T``.
    relative_error : float
        ``||kernel - approximation||_F / ||kernel||_F``
        ``= sqrt(sum_{i >= rank} s_i**2 / sum_i s_i**2)`` (0 for the zero
        kernel). It reaches 0 at the kernel's rank: a kernel of rank ``r`` is
        exactly a sum of ``r`` separable kernels.

    Examples
    --------
    >>> lap = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    >>> approx, error = low_rank_approximation(lap, 1)
    >>> round(error, 4)
    0.1005
    >>> low_rank_approximation(lap, 2).relative_error < 1e-15
    True
    """
    r, dtype, (u, s, vt) = _checked_svd(kernel, rank)
    approximation = (u[:, :r] * s[:r]) @ vt[:r]
    total = float(np.sum(s**2))
    error = math.sqrt(float(np.sum(s[r:] ** 2)) / total) if total > 0 else 0.0
    return LowRankApproximation(approximation.astype(dtype), error)


# ---------------------------------------------------------------- depthwise


def compose_depthwise_separable(depthwise, pointwise, *, multiplier=1):
    """The standard convolution weight equal to depthwise then pointwise.

    Parameters
    ----------
    depthwise : array_like, shape (C * multiplier, 1, kh, kw)
        Depthwise weight in torch's layout (``groups = C``): output channel
        ``j`` filters input channel ``j // multiplier``.
    pointwise : array_like, shape (C_out, C*m) or (C_out, C*m, 1, 1)
        Pointwise (1x1) weight (``m`` is the multiplier).
    multiplier : int, keyword-only
        The depth multiplier (default 1).

    Returns
    -------
    ndarray of shape (C_out, C, kh, kw)
        ``W[o, c] = sum_m P[o, c*multiplier + m] * D[c*multiplier + m, 0]``;
        with multiplier 1, ``W[o, c] = P[o, c] * D[c]``. Convolving with
        ``W`` (``conv2d``, same stride, padding and dilation) equals the
        depthwise step followed by the pointwise step, without biases (a
        bias after the pointwise step is the same in both).

    Examples
    --------
    >>> depthwise = np.array([[[[1, 2]]], [[[3, 4]]]])  # 2 channels, 1x2
    >>> pointwise = np.array([[1, 10]])                   # 1 output
    >>> compose_depthwise_separable(depthwise, pointwise)
    array([[[[ 1.,  2.]],
    <BLANKLINE>
            [[30., 40.]]]])
    """
    d = as_array(depthwise, "depthwise", ndim=4)
    p = as_array(pointwise, "pointwise", ndim=(2, 4))
    m = check_int(multiplier, "multiplier", minimum=1)
    if d.shape[1] != 1:
        fail("depthwise", "of shape (C * multiplier, 1, kh, kw)", d)
    if d.shape[0] % m:
        fail(
            "depthwise",
            f"of shape (C * multiplier, 1, kh, kw) with a first axis divisible by "
            f"multiplier={m}",
            d,
        )
    if p.ndim == 4 and p.shape[2:] != (1, 1):
        fail("pointwise", "of shape (C_out, C * multiplier) or (C_out, C * m, 1, 1)", p)
    if p.shape[1] != d.shape[0]:
        fail(
            "pointwise",
            f"of shape (C_out, {d.shape[0]}) (or with trailing 1, 1) to match "
            f"depthwise of shape {d.shape}",
            p,
        )
    channels = d.shape[0] // m
    dw = np.asarray(d, np.float64).reshape(channels, m, *d.shape[2:])
    pw = np.asarray(p, np.float64).reshape(p.shape[0], channels, m)
    weight = np.einsum("ocm,cmyx->ocyx", pw, dw)
    return weight.astype(result_dtype(d, p))


def nearest_depthwise_separable(weight, *, multiplier=1):
    """The depthwise separable layer closest to a standard convolution weight.

    Parameters
    ----------
    weight : array_like, shape (C_out, C, kh, kw)
        A standard convolution weight (``groups = 1``).
    multiplier : int, keyword-only
        Depth multiplier of the separable layer, from 1 to
        ``min(C_out, kh * kw)`` (default 1).

    Returns
    -------
    depthwise : ndarray of shape (C * multiplier, 1, kh, kw)
    pointwise : ndarray of shape (C_out, C * multiplier, 1, 1)
        Torch layouts; :func:`compose_depthwise_separable` of the two is the
        best approximation of ``weight`` in the Frobenius norm (least squares)
        among all depthwise separable layers with this multiplier.
    relative_error : float
        ``||weight - composed||_F / ||weight||_F`` (0 for a zero weight).

    Notes
    -----
    For each input channel ``c`` the slice ``W[:, c]``, read as a
    ``(C_out, kh*kw)`` matrix ``M_c``, must be approximated by
    ``sum_m P[:, c*mult + m] D[c*mult + m]^T``, a matrix of rank at most
    ``multiplier``; the channels are independent, so the truncated SVD of each
    ``M_c`` is optimal (Eckart-Young). Convention: each depthwise kernel is a
    right singular vector (unit Frobenius norm) signed so that its sum is
    positive (or its first non-zero entry, if the sum is zero); the pointwise
    column carries the scale ``s_m u_m``.

    Examples
    --------
    A weight that is already depthwise separable is recovered exactly:

    >>> w = compose_depthwise_separable([[[[3, 4]]]], [[1], [2]])
    >>> w[:, :, 0, :]
    array([[[3., 4.]],
    <BLANKLINE>
           [[6., 8.]]])
    >>> depthwise, pointwise, error = nearest_depthwise_separable(w)
    >>> depthwise
    array([[[[0.6, 0.8]]]])
    >>> pointwise[:, :, 0, 0]
    array([[ 5.],
           [10.]])
    >>> error < 1e-15
    True
    """
    w = as_array(weight, "weight", ndim=4)
    m = check_int(multiplier, "multiplier", minimum=1)
    c_out, channels, kh, kw = w.shape
    limit = min(c_out, kh * kw)
    if m > limit:
        fail("multiplier", f"an integer from 1 to min(C_out, kh*kw)={limit}", m)
    w64 = np.asarray(w, np.float64)
    depthwise = np.zeros((channels * m, 1, kh, kw))
    pointwise = np.zeros((c_out, channels * m, 1, 1))
    discarded = 0.0
    for c in range(channels):
        u, s, vt = np.linalg.svd(w64[:, c].reshape(c_out, kh * kw), full_matrices=False)
        discarded += float(np.sum(s[m:] ** 2))
        for j in range(m):
            kernel = vt[j].reshape(kh, kw)
            sign = _orientation(kernel.ravel())
            depthwise[c * m + j, 0] = sign * kernel + 0.0
            pointwise[:, c * m + j, 0, 0] = sign * s[j] * u[:, j]
    total = float(np.sum(w64**2))
    error = math.sqrt(discarded / total) if total > 0 else 0.0
    dtype = result_dtype(w)
    return DepthwiseSeparableFactors(
        depthwise.astype(dtype), pointwise.astype(dtype), error
    )
