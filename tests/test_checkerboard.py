"""``measure.checkerboard_energy`` on synthetic images, and by a second route."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loops import integers_array

from sepconv import core, measure


def checkerboard(h, w):
    return (-1.0) ** np.add.outer(np.arange(h), np.arange(w))


def test_a_checkerboard_is_all_at_the_stride_frequency():
    assert measure.checkerboard_energy(checkerboard(8, 6)) == pytest.approx(1.0)
    # a checkerboard on a bright background: the mean does not count
    assert measure.checkerboard_energy(100 + checkerboard(8, 6)) == pytest.approx(1.0)


def test_a_flat_image_has_no_checkerboard():
    assert measure.checkerboard_energy(np.full((7, 9), 0.3)) == 0.0


def test_a_smooth_periodic_wave_has_none():
    wave = np.sin(2 * np.pi * np.add.outer(np.arange(32.0), 2 * np.arange(32.0)) / 32)
    assert measure.checkerboard_energy(wave) < 1e-12


def test_a_period_three_pattern_needs_stride_three():
    stripes = np.tile([2.0, 0.0, -1.0], (6, 4))[:, :12]  # columns of period 3
    assert measure.checkerboard_energy(stripes, 3) == pytest.approx(1.0)
    assert measure.checkerboard_energy(stripes, 2) < 0.5


def test_the_transposed_checkerboard_is_measured():
    """A 3x3 kernel of ones with stride 2 on a flat image: counts 1, 2, 4."""
    flat = np.ones((1, 16, 16))
    out = core.conv_transpose2d(flat, np.ones((1, 1, 3, 3)), stride=2, padding=1,
                                output_padding=1)[0, 2:-2, 2:-2]  # fmt: skip
    assert measure.checkerboard_energy(out) == pytest.approx(1.0)
    even = core.conv_transpose2d(flat, np.ones((1, 1, 4, 4)), stride=2, padding=1)
    assert measure.checkerboard_energy(even[0, 2:-2, 2:-2]) == 0.0


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(1, 3), st.integers(1, 3))
def test_equals_the_spread_of_the_grid_means(data, sh, sw):
    """Parseval: the energy at the grid frequencies is the between-phase sum
    of squares (each phase's mean, over its pixels) over the total."""
    y = integers_array(data.draw, (sh * data.draw(st.integers(1, 4)),
                                   sw * data.draw(st.integers(1, 4))))  # fmt: skip
    y = y - y.mean()
    total = float(np.sum(y**2))
    between = sum(
        y[p::sh, q::sw].size * y[p::sh, q::sw].mean() ** 2
        for p in range(sh)
        for q in range(sw)
    )
    expected = 0.0 if total == 0 else between / total
    got = measure.checkerboard_energy(y, (sh, sw))
    assert got == pytest.approx(expected, abs=1e-12)


def test_crops_to_a_whole_number_of_strides():
    board = checkerboard(8, 8)
    ragged = np.pad(board, [(0, 1), (0, 1)], constant_values=7.0)
    assert measure.checkerboard_energy(ragged) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("image", "stride", "error", "name"),
    [
        (np.ones((1, 4)), 2, ValueError, "image"),
        (np.ones((2, 2, 2)), 2, ValueError, "image"),
        (np.ones((4, 4)), 0, ValueError, "stride"),
        (np.ones((4, 4)) * 1j, 2, TypeError, "image"),
    ],
)
def test_refuses_bad_input(image, stride, error, name):
    with pytest.raises(error, match=name):
        measure.checkerboard_energy(image, stride)
