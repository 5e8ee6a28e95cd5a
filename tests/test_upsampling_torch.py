"""The zero-insertion view and ``pixel_shuffle`` against ``torch.nn.functional``.

torch is a test-only dependency: without it this module is skipped (a
failure under ``SEPCONV_REQUIRE_TORCH=1``, as in CI).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from loops import assert_close, integers_array
from required import import_torch
from test_transposed import transposed_layers

from sepconv import core

torch = import_torch()
F = torch.nn.functional

ORACLE = settings(max_examples=60, deadline=None)


def tensor(a):
    return None if a is None else torch.from_numpy(np.asarray(a, np.float64))


@ORACLE
@given(transposed_layers(strings=False))
def test_zero_insertion_equals_torch_conv_transpose2d(layer):
    x, weight, bias, kwargs = layer
    ours = core.conv_transpose2d_by_zero_insertion(x, weight, bias, **kwargs)
    theirs = F.conv_transpose2d(tensor(x), tensor(weight), tensor(bias), **kwargs)
    assert_close(ours, theirs.numpy())


@ORACLE
@given(st.data(), st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_pixel_shuffle_equals_torch(data, r, c, batched):
    shape = (2,) * batched + (c * r * r, data.draw(st.integers(1, 4)), 3)
    x = integers_array(data.draw, shape)
    theirs = F.pixel_shuffle(tensor(x), r).numpy()
    assert np.array_equal(core.pixel_shuffle(x, r), theirs)
