"""Named kernels: values, factors, and SciPy's filters as oracles."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given, settings
from hypothesis import strategies as st

from sepconv import kernels as ker


def assert_close(actual, expected, tol=1e-12):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    assert np.max(np.abs(actual - expected), initial=0.0) <= tol * scale


def test_one_dimensional_factors():
    assert np.array_equal(ker.smoothing_1d(), [1, 2, 1])
    assert np.array_equal(ker.derivative_1d(), [-1, 0, 1])
    assert np.array_equal(ker.box_1d(3, normalize=False), [1, 1, 1])
    assert_close(ker.box_1d(5), np.full(5, 0.2))


def test_two_dimensional_kernels_are_built_from_their_factors():
    s, d = ker.smoothing_1d(), ker.derivative_1d()
    assert np.array_equal(ker.sobel_x(), np.outer(s, d))
    assert np.array_equal(ker.sobel_x(), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    assert np.array_equal(ker.sobel_y(), ker.sobel_x().T)
    assert np.array_equal(ker.prewitt_x(), np.outer(np.ones(3), d))
    assert np.array_equal(ker.prewitt_y(), ker.prewitt_x().T)
    assert_close(ker.box(4), np.outer(ker.box_1d(4), ker.box_1d(4)))
    g = ker.gaussian_1d(1.3, radius=3)
    assert_close(ker.gaussian(1.3, radius=3), np.outer(g, g))


@pytest.mark.parametrize("axis", [0, 1])
def test_sobel_and_prewitt_match_scipy(axis):
    image = np.random.default_rng(0).normal(size=(9, 11))
    sobel = ker.sobel_x() if axis == 1 else ker.sobel_y()
    prewitt = ker.prewitt_x() if axis == 1 else ker.prewitt_y()
    assert_close(
        ndi.correlate(image, sobel, mode="constant"),
        ndi.sobel(image, axis=axis, mode="constant"),
    )
    assert_close(
        ndi.correlate(image, prewitt, mode="constant"),
        ndi.prewitt(image, axis=axis, mode="constant"),
    )


@given(sigma=st.floats(0.3, 4.0))
@settings(max_examples=25, deadline=None)
def test_gaussian_1d_is_scipys_kernel(sigma):
    g = ker.gaussian_1d(sigma)
    radius = int(4.0 * sigma + 0.5)
    assert g.shape == (2 * radius + 1,)
    impulse = np.zeros(2 * radius + 1)
    impulse[radius] = 1.0
    assert_close(g, ndi.gaussian_filter1d(impulse, sigma, mode="constant"))
    assert_close(g.sum(), 1.0)
    assert_close(g, g[::-1])


def test_gaussian_2d_is_normalised_and_isotropic():
    kernel = ker.gaussian(1.0, radius=4)
    assert_close(kernel.sum(), 1.0)
    assert_close(kernel, kernel.T)
    assert kernel[4, 4] == kernel.max()
    assert ker.gaussian(0.5, radius=0).shape == (1, 1)


def test_laplacians():
    four = ker.laplacian()
    assert np.array_equal(four, [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    eight = ker.laplacian(8)
    assert np.array_equal(eight, [[1, 1, 1], [1, -8, 1], [1, 1, 1]])
    image = np.random.default_rng(1).normal(size=(8, 8))
    assert_close(
        ndi.correlate(image, four, mode="constant"),
        ndi.laplace(image, mode="constant"),
    )
    assert four.sum() == eight.sum() == 0


def test_disk():
    assert np.array_equal(ker.disk(0, normalize=False), [[1]])
    d2 = ker.disk(2, normalize=False)
    assert np.array_equal(
        d2,
        [
            [0, 0, 1, 0, 0],
            [0, 1, 1, 1, 0],
            [1, 1, 1, 1, 1],
            [0, 1, 1, 1, 0],
            [0, 0, 1, 0, 0],
        ],
    )
    assert_close(ker.disk(3).sum(), 1.0)
    assert np.array_equal(ker.disk(3) > 0, ker.disk(3, normalize=False) > 0)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: ker.box_1d(0), ValueError, "size"),
        (lambda: ker.box(2.5), TypeError, "size"),
        (lambda: ker.box(3, normalize=1), TypeError, "normalize"),
        (lambda: ker.gaussian_1d(0), ValueError, "sigma"),
        (lambda: ker.gaussian(-1.0), ValueError, "sigma"),
        (lambda: ker.gaussian(float("nan")), ValueError, "sigma"),
        (lambda: ker.gaussian_1d(1.0, radius=-1), ValueError, "radius"),
        (lambda: ker.laplacian(6), ValueError, "neighbours"),
        (lambda: ker.disk(-1), ValueError, "radius"),
        (lambda: ker.disk(1.5), TypeError, "radius"),
    ],
)
def test_bad_input_is_rejected(call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert "got" in str(info.value)
