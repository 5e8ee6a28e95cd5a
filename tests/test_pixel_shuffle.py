"""``core.pixel_shuffle`` against its definition, written out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from loops import integers_array

from sepconv import core


@given(st.data(), st.integers(1, 3), st.integers(1, 3))
def test_pixel_shuffle_by_its_formula(data, r, c):
    """``out[b, c, h*r + i, w*r + j] = x[b, c*r*r + i*r + j, h, w]``."""
    x = integers_array(data.draw, (2, c * r * r, data.draw(st.integers(1, 4)), 3))
    n, _, h, w = x.shape
    expected = np.zeros((n, c, h * r, w * r))
    for b, ch, hh, ww, i, j in np.ndindex(n, c, h, w, r, r):
        expected[b, ch, hh * r + i, ww * r + j] = x[b, ch * r * r + i * r + j, hh, ww]
    assert np.array_equal(core.pixel_shuffle(x, r), expected)


def test_pixel_shuffle_as_a_reshape_and_a_transposition():
    """Channels (C, r, r) and pixels (H, W), reordered to (C, H, r, W, r)."""
    x = np.arange(2 * 9 * 2 * 3, dtype=float).reshape(2 * 9, 2, 3)
    by_hand = x.reshape(2, 3, 3, 2, 3)  # (C, i, j, H, W)
    by_hand = by_hand.transpose(0, 3, 1, 4, 2)  # (C, H, i, W, j)
    by_hand = by_hand.reshape(2, 2 * 3, 3 * 3)
    assert np.array_equal(core.pixel_shuffle(x, 3), by_hand)


def test_pixel_shuffle_with_factor_one_changes_nothing():
    x = np.arange(12.0).reshape(3, 2, 2)
    assert np.array_equal(core.pixel_shuffle(x, 1), x)
    assert core.pixel_shuffle(x.astype(np.float32), 1).dtype == np.float32


@pytest.mark.parametrize(
    ("x", "factor", "error", "name"),
    [
        (np.ones((1, 6, 2, 2)), 2, ValueError, "upscale_factor"),
        (np.ones((1, 4, 2, 2)), 0, ValueError, "upscale_factor"),
        (np.ones((1, 4, 2, 2)), 2.0, TypeError, "upscale_factor"),
        (np.ones((4, 2)), 2, ValueError, "x"),
    ],
)
def test_pixel_shuffle_refuses_bad_input(x, factor, error, name):
    with pytest.raises(error, match=name):
        core.pixel_shuffle(x, factor)
