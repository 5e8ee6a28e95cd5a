"""SVD separability, low-rank sums and depthwise separable factorisations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sepconv import core
from sepconv import decompose as dec
from sepconv import kernels as ker

FAST = settings(max_examples=40, deadline=None)


def assert_close(actual, expected, tol=1e-10):
    """Equal up to rounding, relative to the largest magnitude."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    assert np.max(np.abs(actual - expected), initial=0.0) <= tol * scale


nonzero_ints = st.integers(-6, 6).filter(bool)


def int_vector(length):
    return st.lists(st.integers(-6, 6), min_size=length, max_size=length).filter(any)


# ---------------------------------------------------------------- named kernels


def test_sobel_singular_values_and_factors():
    s = dec.singular_values(ker.sobel_x())
    assert_close(s, [2 * math.sqrt(3), 0, 0])
    column, row = dec.rank1_factors(ker.sobel_x())
    assert np.array_equal(column, [1, 2, 1])
    assert np.array_equal(row, [-1, 0, 1])
    column, row = dec.rank1_factors(ker.sobel_y())
    assert np.array_equal(column, [-1, 0, 1])
    assert np.array_equal(row, [1, 2, 1])
    assert not np.signbit(row).any() and not np.signbit(column[1])  # no -0.0


@pytest.mark.parametrize(
    ("kernel", "rank"),
    [
        (ker.sobel_x(), 1),
        (ker.sobel_y(), 1),
        (ker.prewitt_x(), 1),
        (ker.box(5), 1),
        (ker.gaussian(0.7), 1),
        (ker.gaussian(2.0), 1),
        (ker.gaussian(3.5, radius=4), 1),
        (ker.laplacian(), 2),
        (ker.laplacian(8), 2),
        (ker.disk(1), 2),
        (np.zeros((3, 3)), 0),
        (np.eye(4), 4),
    ],
)
def test_numerical_rank_of_named_kernels(kernel, rank):
    assert dec.numerical_rank(kernel) == rank
    assert dec.is_separable(kernel) == (rank <= 1)


def test_laplacian_is_a_sum_of_two_separable_kernels():
    lap = ker.laplacian()
    assert dec.numerical_rank(lap) == 2
    with pytest.raises(ValueError, match="numerical rank 2"):
        dec.rank1_factors(lap)
    one = dec.low_rank_approximation(lap, 1)
    two = dec.low_rank_approximation(lap, 2)
    assert one.relative_error > 0.05
    assert two.relative_error < 1e-14
    assert_close(two.approximation, lap)
    columns, rows = dec.low_rank_factors(lap, 2)
    assert_close(sum(np.outer(c, r) for c, r in zip(columns, rows, strict=True)), lap)


def test_gaussian_factors_come_back_as_the_1d_gaussian():
    g = ker.gaussian_1d(1.5)
    column, row = dec.rank1_factors(ker.gaussian(1.5))
    assert_close(column, g)
    assert_close(row, g)


def test_float32_kernels_keep_their_dtype():
    column, row = dec.rank1_factors(ker.sobel_x().astype(np.float32))
    assert column.dtype == row.dtype == np.float32
    approximation, _ = dec.low_rank_approximation(np.eye(3, dtype=np.float32), 2)
    assert approximation.dtype == np.float32


# ---------------------------------------------------------------- rank-1 factors


@given(column=int_vector(4), row=int_vector(5))
@FAST
def test_integer_outer_products_give_primitive_integer_factors(column, row):
    kernel = np.outer(column, row)
    assert dec.is_separable(kernel)
    c, r = dec.rank1_factors(kernel)
    assert np.array_equal(np.outer(c, r), kernel)  # exact
    assert np.array_equal(c, np.round(c)) and np.array_equal(r, np.round(r))
    assert math.gcd(*(int(v) for v in c)) == 1
    # Sign: the first non-zero of (sum(c), sum(r)); then the first entry of c.
    sums = [v for v in (c.sum(), r.sum()) if v != 0]
    if sums:
        assert sums[0] > 0
    else:
        assert c[np.flatnonzero(c)[0]] > 0


@given(
    column=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
    row=st.lists(st.floats(-3, 3), min_size=2, max_size=6),
)
@FAST
def test_float_outer_products_give_balanced_factors(column, row):
    column, row = np.array(column) + 0.1234, np.array(row) - 0.0567
    kernel = np.outer(column, row)
    if not np.any(np.abs(kernel) > 1e-6):
        return
    c, r = dec.rank1_factors(kernel)
    assert_close(np.outer(c, r), kernel)
    if not np.array_equal(kernel, np.round(kernel)):
        assert math.isclose(np.linalg.norm(c), np.linalg.norm(r), rel_tol=1e-9)


@given(seed=st.integers(0, 2**32 - 1), kh=st.integers(2, 5), kw=st.integers(2, 5))
@FAST
def test_random_kernels_are_not_separable(seed, kh, kw):
    kernel = np.random.default_rng(seed).normal(size=(kh, kw))
    rank = min(kh, kw)
    assert dec.numerical_rank(kernel) == rank
    assert not dec.is_separable(kernel)
    with pytest.raises(ValueError, match=f"numerical rank {rank}"):
        dec.rank1_factors(kernel)


def test_tolerance_decides_what_is_separable():
    kernel = ker.sobel_x() + 1e-9 * np.eye(3)
    assert not dec.is_separable(kernel)
    assert dec.is_separable(kernel, tol=1e-6)
    column, row = dec.rank1_factors(kernel, tol=1e-6)
    assert_close(np.outer(column, row), ker.sobel_x(), tol=1e-8)


def test_zero_kernel_gives_zero_factors():
    column, row = dec.rank1_factors(np.zeros((2, 3)))
    assert np.array_equal(column, [0, 0]) and np.array_equal(row, [0, 0, 0])
    assert dec.low_rank_approximation(np.zeros((2, 2)), 1).relative_error == 0.0


def test_non_square_kernels_are_fine():
    kernel = np.outer([1, -2], [3, 0, 1, 5, 2])
    column, row = dec.rank1_factors(kernel)
    # sum(column) is made positive: [-1, 2], so the row takes the sign.
    assert np.array_equal(column, [-1, 2])
    assert np.array_equal(row, [-3, 0, -1, -5, -2])


# ---------------------------------------------------------------- low rank


@given(seed=st.integers(0, 2**32 - 1), kh=st.integers(1, 5), kw=st.integers(1, 5))
@FAST
def test_low_rank_approximation_is_the_truncated_svd(seed, kh, kw):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(kh, kw))
    errors = []
    for rank in range(1, min(kh, kw) + 1):
        approximation, error = dec.low_rank_approximation(kernel, rank)
        columns, rows = dec.low_rank_factors(kernel, rank)
        assert columns.shape == (rank, kh) and rows.shape == (rank, kw)
        assert_close(np.einsum("ri,rj->ij", columns, rows), approximation)
        assert np.linalg.matrix_rank(approximation) <= rank
        direct = np.linalg.norm(kernel - approximation) / np.linalg.norm(kernel)
        assert math.isclose(error, direct, rel_tol=1e-7, abs_tol=1e-12)
        # Eckart-Young: no other rank-r matrix does better; try a few.
        for _ in range(3):
            other = rng.normal(size=(kh, rank)) @ rng.normal(size=(rank, kw))
            other_error = np.linalg.norm(kernel - other) / np.linalg.norm(kernel)
            assert other_error >= error - 1e-12
        errors.append(error)
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < 1e-12  # at full rank the sum of r separable kernels is exact


@given(seed=st.integers(0, 2**32 - 1), rank=st.integers(1, 3))
@FAST
def test_a_rank_r_kernel_is_a_sum_of_r_separable_kernels(seed, rank):
    rng = np.random.default_rng(seed)
    kernel = sum(np.outer(rng.normal(size=5), rng.normal(size=5)) for _ in range(rank))
    assert dec.numerical_rank(kernel) == rank
    assert dec.low_rank_approximation(kernel, rank).relative_error < 1e-12
    if rank > 1:
        assert dec.low_rank_approximation(kernel, rank - 1).relative_error > 1e-6


# ---------------------------------------------------------------- depthwise separable


def compose_by_loops(depthwise, pointwise, multiplier):
    """W[o, c] = sum_m P[o, c*mult + m] * D[c*mult + m], one entry at a time."""
    pointwise = pointwise.reshape(pointwise.shape[0], -1)
    c_out, channels = pointwise.shape[0], depthwise.shape[0] // multiplier
    weight = np.zeros((c_out, channels, *depthwise.shape[2:]))
    for o in range(c_out):
        for c in range(channels):
            for m in range(multiplier):
                j = c * multiplier + m
                weight[o, c] += pointwise[o, j] * depthwise[j, 0]
    return weight


@given(
    seed=st.integers(0, 2**32 - 1),
    channels=st.integers(1, 3),
    multiplier=st.integers(1, 2),
    c_out=st.integers(1, 4),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    four_d=st.booleans(),
)
@FAST
def test_composed_weight_equals_depthwise_then_pointwise(
    seed, channels, multiplier, c_out, k, four_d
):
    rng = np.random.default_rng(seed)
    depthwise = rng.normal(size=(channels * multiplier, 1, *k))
    pointwise = rng.normal(size=(c_out, channels * multiplier))
    if four_d:
        pointwise = pointwise[:, :, None, None]
    weight = dec.compose_depthwise_separable(
        depthwise, pointwise, multiplier=multiplier
    )
    assert weight.shape == (c_out, channels, *k)
    assert_close(weight, compose_by_loops(depthwise, pointwise, multiplier))
    x = rng.normal(size=(2, channels, 6, 5))
    two_steps = core.pointwise_conv2d(
        core.depthwise_conv2d(x, depthwise, padding=1, stride=2), pointwise
    )
    assert_close(core.conv2d(x, weight, padding=1, stride=2), two_steps)


@given(
    seed=st.integers(0, 2**32 - 1),
    channels=st.integers(1, 3),
    c_out=st.integers(1, 5),
    k=st.integers(1, 3),
)
@FAST
def test_nearest_depthwise_separable_is_least_squares(seed, channels, c_out, k):
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(c_out, channels, k, k))
    depthwise, pointwise, error = dec.nearest_depthwise_separable(weight)
    assert depthwise.shape == (channels, 1, k, k)
    assert pointwise.shape == (c_out, channels, 1, 1)
    composed = dec.compose_depthwise_separable(depthwise, pointwise)
    direct = np.linalg.norm(weight - composed) / np.linalg.norm(weight)
    assert math.isclose(error, direct, rel_tol=1e-7, abs_tol=1e-12)
    assert 0 <= error <= 1
    # Each depthwise kernel has unit norm and a non-negative sum.
    norms = np.linalg.norm(depthwise.reshape(channels, -1), axis=1)
    assert_close(norms, np.ones(channels))
    assert np.all(depthwise.reshape(channels, -1).sum(axis=1) >= -1e-12)
    # Least squares: perturbing the factors never helps.
    for _ in range(5):
        d = depthwise + 1e-3 * rng.normal(size=depthwise.shape)
        p = pointwise + 1e-3 * rng.normal(size=pointwise.shape)
        other = dec.compose_depthwise_separable(d, p)
        assert (
            np.linalg.norm(weight - other) >= np.linalg.norm(weight - composed) - 1e-12
        )


@given(
    seed=st.integers(0, 2**32 - 1),
    channels=st.integers(1, 3),
    multiplier=st.integers(1, 2),
    c_out=st.integers(2, 4),
)
@FAST
def test_separable_weights_are_recovered_exactly(seed, channels, multiplier, c_out):
    rng = np.random.default_rng(seed)
    depthwise = rng.normal(size=(channels * multiplier, 1, 3, 3))
    pointwise = rng.normal(size=(c_out, channels * multiplier))
    weight = dec.compose_depthwise_separable(
        depthwise, pointwise, multiplier=multiplier
    )
    d, p, error = dec.nearest_depthwise_separable(weight, multiplier=multiplier)
    assert error < 1e-7
    assert_close(dec.compose_depthwise_separable(d, p, multiplier=multiplier), weight)


def test_full_multiplier_is_exact_and_smooth_weights_are_close():
    rng = np.random.default_rng(1)
    weight = rng.normal(size=(16, 3, 3, 3))
    assert dec.nearest_depthwise_separable(weight, multiplier=9).relative_error < 1e-12
    random_error = dec.nearest_depthwise_separable(weight).relative_error
    # A weight whose kernels are all scaled copies of one smooth kernel per
    # input channel is depthwise separable: the error drops to zero.
    smooth = rng.normal(size=(16, 3, 1, 1)) * ker.gaussian(1.0, radius=1)
    assert dec.nearest_depthwise_separable(smooth).relative_error < 1e-12
    assert random_error > 0.3


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: dec.rank1_factors(np.ones((3, 3, 3))), ValueError, "kernel"),
        (lambda: dec.rank1_factors(np.ones(3)), ValueError, "kernel"),
        (lambda: dec.rank1_factors(np.ones((0, 3))), ValueError, "kernel"),
        (lambda: dec.rank1_factors(np.ones((2, 2)) * 1j), TypeError, "kernel"),
        (lambda: dec.rank1_factors([["a", "b"]]), TypeError, "kernel"),
        (lambda: dec.rank1_factors(ker.laplacian()), ValueError, "numerical rank 2"),
        (lambda: dec.is_separable(np.ones((2, 2)), tol=-1), ValueError, "tol"),
        (lambda: dec.is_separable(np.ones((2, 2)), tol="x"), TypeError, "tol"),
        (lambda: dec.low_rank_factors(np.ones((3, 3)), 0), ValueError, "rank"),
        (lambda: dec.low_rank_factors(np.ones((3, 3)), 4), ValueError, "rank"),
        (lambda: dec.low_rank_approximation(np.ones((2, 5)), 3), ValueError, "rank"),
        (lambda: dec.low_rank_approximation(np.ones((3, 3)), 1.0), TypeError, "rank"),
        (
            lambda: dec.compose_depthwise_separable(
                np.ones((3, 2, 3, 3)), np.ones((4, 3))
            ),
            ValueError,
            "depthwise",
        ),
        (
            lambda: dec.compose_depthwise_separable(
                np.ones((3, 1, 3, 3)), np.ones((4, 2))
            ),
            ValueError,
            "pointwise",
        ),
        (
            lambda: dec.compose_depthwise_separable(
                np.ones((3, 1, 3, 3)), np.ones((4, 3)), multiplier=2
            ),
            ValueError,
            "multiplier",
        ),
        (
            lambda: dec.compose_depthwise_separable(
                np.ones((3, 1, 3, 3)), np.ones((4, 3, 3, 3))
            ),
            ValueError,
            "pointwise",
        ),
        (
            lambda: dec.nearest_depthwise_separable(np.ones((3, 3, 3))),
            ValueError,
            "weight",
        ),
        (
            lambda: dec.nearest_depthwise_separable(
                np.ones((2, 3, 3, 3)), multiplier=3
            ),
            ValueError,
            "multiplier",
        ),
    ],
)
def test_bad_input_is_rejected(call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert "got" in str(info.value)


def test_rank_error_shows_noise_singular_values_as_zero():
    """The message names the numerical rank and no rounding noise (a stored
    notebook output quotes it, so it must not depend on the BLAS build)."""
    with pytest.raises(
        ValueError, match=r"rank 2 \(singular values 4\.45, 0\.449, 0\)"
    ):
        dec.rank1_factors(ker.laplacian())
