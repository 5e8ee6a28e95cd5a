"""Named filter kernels, the 2-D ones built from named 1-D factors.

Every kernel is a float64 NumPy array meant for cross-correlation (the
convention of :mod:`sepconv.core`): rows index ``y`` (downwards) and columns
index ``x`` (rightwards). A 2-D kernel that separates is built as the outer
product ``np.outer(column, row)`` of two 1-D factors, and its docstring names
them, so that ``rank1_factors`` in :mod:`sepconv.decompose` gives them back.

==============  =====================================  ===========
kernel          factors (column x row)                 rank
==============  =====================================  ===========
``sobel_x``     ``smoothing_1d`` x ``derivative_1d``   1
``sobel_y``     ``derivative_1d`` x ``smoothing_1d``   1
``prewitt_x``   ``box_1d(3)`` x ``derivative_1d``      1
``prewitt_y``   ``derivative_1d`` x ``box_1d(3)``      1
``box``         ``box_1d`` x ``box_1d``                1
``gaussian``    ``gaussian_1d`` x ``gaussian_1d``      1
``laplacian``   a sum of two separable kernels         2
``disk``        none                                   >= 2
==============  =====================================  ===========
"""

from __future__ import annotations

import numpy as np

from ._validation import check_flag, check_int, check_real, fail

__all__ = [
    "box",
    "box_1d",
    "derivative_1d",
    "disk",
    "gaussian",
    "gaussian_1d",
    "laplacian",
    "prewitt_x",
    "prewitt_y",
    "smoothing_1d",
    "sobel_x",
    "sobel_y",
]


# ---------------------------------------------------------------- 1-D factors


def smoothing_1d():
    """The 1-D smoothing factor ``[1, 2, 1]`` of the Sobel kernels.

    Returns
    -------
    ndarray of shape (3,)
        ``[1, 2, 1]`` (not normalised; divide by 4 for a weighted average).

    Notes
    -----
    It is the binomial filter of length 3, ``[1, 1] * [1, 1]`` (a full 1-D
    convolution), a cheap approximation of a Gaussian.

    Examples
    --------
    >>> smoothing_1d()
    array([1., 2., 1.])
    """
    return np.array([1.0, 2.0, 1.0])


def derivative_1d():
    """The 1-D central-difference factor ``[-1, 0, 1]``.

    Returns
    -------
    ndarray of shape (3,)
        ``[-1, 0, 1]``.

    Notes
    -----
    Cross-correlating a signal ``f`` with it gives ``f[i + 1] - f[i - 1]``,
    twice the central-difference estimate of ``f'`` (positive where ``f``
    increases with the index). True convolution flips it and so the sign.

    Examples
    --------
    >>> derivative_1d()
    array([-1.,  0.,  1.])
    """
    return np.array([-1.0, 0.0, 1.0])


def box_1d(size, *, normalize=True):
    """A 1-D box (moving-average) factor of length ``size``.

    Parameters
    ----------
    size : int
        Length ``n >= 1``.
    normalize : bool, keyword-only
        If True (default) every entry is ``1/n`` so the factor sums to 1;
        otherwise every entry is 1.

    Returns
    -------
    ndarray of shape (size,)

    Examples
    --------
    >>> box_1d(3, normalize=False)
    array([1., 1., 1.])
    >>> box_1d(4)
    array([0.25, 0.25, 0.25, 0.25])
    """
    n = check_int(size, "size", minimum=1)
    value = 1.0 / n if check_flag(normalize, "normalize") else 1.0
    return np.full(n, value)


def gaussian_1d(sigma, radius=None):
    """A sampled, normalised 1-D Gaussian factor.

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, ``> 0``.
    radius : int, optional
        Half-width: the factor has ``2 * radius + 1`` taps. By default
        ``int(4 * sigma + 0.5)``, the truncation ``scipy.ndimage`` uses.

    Returns
    -------
    ndarray of shape (2 * radius + 1,)
        ``g[i] = exp(-x_i**2 / (2 sigma**2)) / Z`` at ``x_i = i - radius``,
        with ``Z`` chosen so that the taps sum to 1.

    Notes
    -----
    With the default radius this is the kernel of
    ``scipy.ndimage.gaussian_filter1d(..., sigma)``.

    Examples
    --------
    >>> np.round(gaussian_1d(1.0, radius=1), 4)
    array([0.2741, 0.4519, 0.2741])
    >>> gaussian_1d(0.5).shape
    (5,)
    """
    s = check_real(sigma, "sigma", positive=True)
    r = int(4.0 * s + 0.5) if radius is None else check_int(radius, "radius", minimum=0)
    x = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-0.5 * (x / s) ** 2)
    return g / g.sum()


# ---------------------------------------------------------------- 2-D kernels


def sobel_x():
    """The Sobel kernel for the horizontal derivative (edges across ``x``).

    Built as ``np.outer(smoothing_1d(), derivative_1d())``: the column
    ``[1, 2, 1]`` smooths along ``y``, the row ``[-1, 0, 1]`` differentiates
    along ``x``.

    Returns
    -------
    ndarray of shape (3, 3)

    Notes
    -----
    With cross-correlation the response is positive where the image gets
    brighter to the right. The kernel is antisymmetric, so true convolution
    gives the negated response.

    Examples
    --------
    >>> sobel_x()
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    """
    return np.outer(smoothing_1d(), derivative_1d())


def sobel_y():
    """The Sobel kernel for the vertical derivative (edges across ``y``).

    Built as ``np.outer(derivative_1d(), smoothing_1d())``: the column
    ``[-1, 0, 1]`` differentiates along ``y`` (downwards), the row
    ``[1, 2, 1]`` smooths along ``x``. It is the transpose of
    :func:`sobel_x`.

    Returns
    -------
    ndarray of shape (3, 3)

    Examples
    --------
    >>> sobel_y()
    array([[-1., -2., -1.],
           [ 0.,  0.,  0.],
           [ 1.,  2.,  1.]])
    """
    return np.outer(derivative_1d(), smoothing_1d())


def prewitt_x():
    """The Prewitt kernel for the horizontal derivative.

    Built as ``np.outer(box_1d(3, normalize=False), derivative_1d())``: the
    column ``[1, 1, 1]`` averages along ``y`` without weights, the row
    ``[-1, 0, 1]`` differentiates along ``x``.

    Returns
    -------
    ndarray of shape (3, 3)

    Examples
    --------
    >>> prewitt_x()
    array([[-1.,  0.,  1.],
           [-1.,  0.,  1.],
           [-1.,  0.,  1.]])
    """
    return np.outer(box_1d(3, normalize=False), derivative_1d())


def prewitt_y():
    """The Prewitt kernel for the vertical derivative.

    Built as ``np.outer(derivative_1d(), box_1d(3, normalize=False))``: the
    column ``[-1, 0, 1]`` differentiates along ``y``, the row ``[1, 1, 1]``
    sums along ``x``.

    Returns
    -------
    ndarray of shape (3, 3)

    Examples
    --------
    >>> prewitt_y()
    array([[-1., -1., -1.],
           [ 0.,  0.,  0.],
           [ 1.,  1.,  1.]])
    """
    return np.outer(derivative_1d(), box_1d(3, normalize=False))


def box(size, *, normalize=True):
    """A square box (mean) kernel of side ``size``.

    Built as ``np.outer(box_1d(size), box_1d(size))`` (with the same
    ``normalize``).

    Parameters
    ----------
    size : int
        Side ``n >= 1``.
    normalize : bool, keyword-only
        If True (default) every entry is ``1/n**2`` (the kernel sums to 1);
        otherwise every entry is 1.

    Returns
    -------
    ndarray of shape (size, size)

    Examples
    --------
    >>> box(2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    >>> box(3, normalize=False).sum()
    np.float64(9.0)
    """
    factor = box_1d(size, normalize=normalize)
    return np.outer(factor, factor)


def gaussian(sigma, radius=None):
    """A sampled, normalised, isotropic 2-D Gaussian kernel.

    Built as ``np.outer(g, g)`` with ``g = gaussian_1d(sigma, radius)``; it
    sums to 1 and has rank 1.

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, ``> 0``.
    radius : int, optional
        Half-width, as in :func:`gaussian_1d` (default ``int(4 sigma + 0.5)``).

    Returns
    -------
    ndarray of shape (2 * radius + 1, 2 * radius + 1)

    Examples
    --------
    >>> np.round(gaussian(1.0, radius=1), 4)
    array([[0.0751, 0.1238, 0.0751],
           [0.1238, 0.2042, 0.1238],
           [0.0751, 0.1238, 0.0751]])
    """
    g = gaussian_1d(sigma, radius)
    return np.outer(g, g)


def laplacian(neighbours=4):
    """The discrete Laplacian kernel (not separable: rank 2).

    Parameters
    ----------
    neighbours : {4, 8}
        4 gives ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]``; 8 gives
        ``[[1, 1, 1], [1, -8, 1], [1, 1, 1]]``.

    Returns
    -------
    ndarray of shape (3, 3)

    Notes
    -----
    Neither version is an outer product, but each is a sum of two separable
    kernels, built that way here with ``d = [1, -2, 1]`` (the 1-D second
    difference), ``e = [0, 1, 0]`` (the 1-D identity) and ``o = [1, 1, 1]``:

    * 4 neighbours: ``outer(e, d) + outer(d, e)``
      (``d^2/dx^2 + d^2/dy^2``);
    * 8 neighbours: ``outer(o, o) - 9 outer(e, e)``.

    Examples
    --------
    >>> laplacian()
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    >>> laplacian(8)
    array([[ 1.,  1.,  1.],
           [ 1., -8.,  1.],
           [ 1.,  1.,  1.]])
    """
    n = check_int(neighbours, "neighbours")
    d = np.array([1.0, -2.0, 1.0])
    e = np.array([0.0, 1.0, 0.0])
    o = np.ones(3)
    if n == 4:
        return np.outer(e, d) + np.outer(d, e)
    if n == 8:
        return np.outer(o, o) - 9.0 * np.outer(e, e)
    fail("neighbours", "4 or 8", neighbours)


def disk(radius, *, normalize=True):
    """A flat disk kernel: the pixels within ``radius`` of the centre.

    Parameters
    ----------
    radius : int
        ``r >= 0``; the kernel is ``(2r + 1) x (2r + 1)`` and holds the
        pixels with ``y**2 + x**2 <= r**2`` (offsets from the centre).
    normalize : bool, keyword-only
        If True (default) the kernel sums to 1 (a mean over the disk);
        otherwise the disk is 1 and the rest 0.

    Returns
    -------
    ndarray of shape (2 * radius + 1, 2 * radius + 1)

    Notes
    -----
    A disk has no 1-D factors: for ``r >= 1`` its rank is at least 2 (a
    rank-1 0/1 kernel is a filled rectangle), so it does not separate.

    Examples
    --------
    >>> disk(1, normalize=False)
    array([[0., 1., 0.],
           [1., 1., 1.],
           [0., 1., 0.]])
    """
    r = check_int(radius, "radius", minimum=0)
    offsets = np.arange(-r, r + 1)
    inside = offsets[:, None] ** 2 + offsets[None, :] ** 2 <= r * r
    kernel = inside.astype(np.float64)
    if check_flag(normalize, "normalize"):
        kernel /= kernel.sum()
    return kernel
