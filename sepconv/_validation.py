"""Input checks shared by every public function of :mod:`sepconv`.

Every public function validates its arguments through these helpers, so bad
input is rejected the same way everywhere: a ``TypeError`` for the wrong kind
of value, a ``ValueError`` for a value out of range, and in both cases a
message that names the parameter, says what is allowed and echoes what was
received.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

__all__ = [
    "Sides",
    "as_array",
    "as_batch",
    "as_bias",
    "as_pair",
    "as_result_dtype",
    "as_shape",
    "check_flag",
    "check_groups",
    "check_int",
    "check_kernel_fits",
    "check_real",
    "fail",
    "resolve_geometry",
    "resolve_padding",
    "result_dtype",
]


def _show(value):
    """A short, readable echo of a received value."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fail(name, allowed, received, *, error=ValueError):
    """Raise ``error`` naming ``name``, what is ``allowed`` and what was received.

    ``received`` is echoed with :func:`repr` (arrays by shape and dtype).
    """
    raise error(f"{name} must be {allowed}; got {_show(received)}")


def check_int(value, name, *, minimum=None):
    """Return ``value`` as a Python int, or raise.

    Booleans are rejected (``True`` is not a size). ``minimum`` is inclusive.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        allowed = "an integer" if minimum is None else f"an integer >= {minimum}"
        fail(name, allowed, value, error=TypeError)
    value = operator.index(value)
    if minimum is not None and value < minimum:
        fail(name, f"an integer >= {minimum}", value)
    return value


def check_real(value, name, *, positive=False):
    """Return ``value`` as a Python float, or raise (bools and complex rejected)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        fail(name, "a real number", value, error=TypeError)
    value = float(value)
    if not np.isfinite(value) or (positive and value <= 0):
        fail(name, "a finite number > 0" if positive else "a finite number", value)
    return value


def as_pair(value, name, *, minimum=1):
    """Return ``value`` as an ``(h, w)`` pair of ints, each at least ``minimum``.

    An int stands for both directions.
    """
    if isinstance(value, tuple | list):
        if len(value) != 2:
            fail(name, "an int or a pair (h, w) of ints", value, error=TypeError)
        return tuple(check_int(v, name, minimum=minimum) for v in value)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        fail(name, "an int or a pair (h, w) of ints", value, error=TypeError)
    value = check_int(value, name, minimum=minimum)
    return (value, value)


def as_array(x, name, *, ndim, dtype=None):
    """Return ``x`` as a float ndarray with ``ndim`` dimensions, or raise.

    Parameters
    ----------
    x : array_like
        Real numbers (bool, integer or floating). Complex, object and string
        arrays are rejected, and so are empty arrays.
    name : str
        The parameter's name, for the error message.
    ndim : int or tuple of int
        The allowed numbers of dimensions.
    dtype : numpy dtype, optional
        Force this floating dtype. By default float32 stays float32 and
        everything else becomes float64.
    """
    allowed_ndim = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError):
        fail(name, "an array of real numbers", x, error=TypeError)
    if arr.dtype.kind not in "biuf":
        fail(
            name, "an array of real numbers (bool, int or float)", arr, error=TypeError
        )
    if arr.ndim not in allowed_ndim:
        dims = " or ".join(str(n) for n in allowed_ndim)
        fail(name, f"an array with {dims} dimensions", arr)
    if arr.size == 0:
        fail(name, "a non-empty array", arr)
    if dtype is None:
        dtype = np.float32 if arr.dtype == np.float32 else np.float64
    return np.asarray(arr, dtype=dtype)


def check_flag(value, name):
    """Return ``value`` as a Python bool, or raise.

    ``True``/``False`` and NumPy booleans (``np.True_``) are flags; integers
    (``1``, ``0``), ``None`` and everything else are not.
    """
    if not isinstance(value, bool | np.bool_):
        fail(name, "True or False", value, error=TypeError)
    return bool(value)


def result_dtype(*arrays):
    """float32 if every array is float32, else float64 (the package's rule).

    ``None`` entries (an absent bias) are ignored.
    """
    if all(np.asarray(a).dtype == np.float32 for a in arrays if a is not None):
        return np.float32
    return np.float64


def as_result_dtype(*arrays):
    """The arrays cast to their :func:`result_dtype` (``None`` passes through)."""
    dtype = result_dtype(*arrays)
    return [None if a is None else a.astype(dtype, copy=False) for a in arrays]


def as_batch(x, name="x"):
    """``(batch, batched)``: ``x`` as an (N, C, H, W) array, and whether it had N.

    ``x`` is a (C, H, W) or (N, C, H, W) array of real numbers (see
    :func:`as_array`); a (C, H, W) one gets a batch axis of length 1 and
    ``batched`` is False, so ``batch[0]`` is the result to hand back.
    """
    arr = as_array(x, name, ndim=(3, 4))
    return (arr, True) if arr.ndim == 4 else (arr[np.newaxis], False)


def as_bias(bias, c_out):
    """``None``, or ``bias`` as a 1-D array of ``c_out`` real numbers, or raise."""
    if bias is None:
        return None
    b = as_array(bias, "bias", ndim=1)
    if b.shape[0] != c_out:
        fail(
            "bias", f"a 1-D array of length C_out = {c_out} (one per output channel)", b
        )
    return b


def check_groups(groups, *channels):
    """Return ``groups`` as an int >= 1 that divides every channel count, or raise.

    ``channels`` are ``(label, count)`` pairs, e.g. ``("C_in", 6)``; the
    label is what the message calls the count.
    """
    g = check_int(groups, "groups", minimum=1)
    if any(count % g for _, count in channels):
        counts = " and ".join(f"{label} = {count}" for label, count in channels)
        both = "both " if len(channels) == 2 else ""
        fail("groups", f"a divisor of {both}{counts}", groups)
    return g


class Sides(tuple):
    """Padding already resolved per side: ``(top, bottom, left, right)``.

    What :func:`resolve_padding` returns. It is not a padding a caller can
    write (a plain 4-tuple is refused); passing a ``Sides`` back to
    :func:`resolve_padding` returns it unchanged, so code that resolved a
    padding once can hand it on.
    """

    __slots__ = ()


_PADDING = 'an int, a pair (h, w), "valid" or "same"'


def resolve_padding(padding, kernel_size, stride=(1, 1), dilation=(1, 1)):
    """Return per-side padding ``(top, bottom, left, right)`` as :class:`Sides`.

    ``padding`` is an int, an ``(h, w)`` pair (the same on both sides of each
    axis), ``"valid"`` (no padding) or ``"same"`` (output size equals input
    size; only with stride 1; for an even effective kernel the extra row or
    column goes at the end, as in PyTorch). This is the one padding parser
    of the package (core, counting, grad and plotting).

    ``kernel_size`` is ``None`` where there is no kernel (a drawn grid):
    ``"same"`` then has no meaning and is refused.
    """
    if isinstance(padding, Sides):
        return padding
    if isinstance(padding, str):
        if padding == "valid":
            return Sides((0, 0, 0, 0))
        if padding == "same":
            if kernel_size is None:
                fail(
                    "padding",
                    'an int, a pair (h, w) or "valid" where there is no kernel '
                    '("same" depends on the kernel)',
                    padding,
                )
            if tuple(stride) != (1, 1):
                fail(
                    "padding",
                    '"same" only with stride 1',
                    f"'same' with stride {stride}",
                )
            sides = []
            for k, d in zip(kernel_size, dilation, strict=True):
                total = d * (k - 1)
                sides += [total // 2, total - total // 2]
            return Sides(sides)
        fail("padding", _PADDING, padding)
    ph, pw = as_pair(padding, "padding", minimum=0)
    return Sides((ph, ph, pw, pw))


def resolve_geometry(
    stride, padding, dilation, kernel_hw, in_hw=None, *, name="kernel"
):
    """``(stride, pads, dilation)``: validated pairs and per-side padding.

    ``pads`` is what :func:`resolve_padding` gives for a ``kernel_hw`` kernel.
    Given the input's ``in_hw``, also raise unless the kernel (``name``) fits
    (:func:`check_kernel_fits`).
    """
    s = as_pair(stride, "stride")
    d = as_pair(dilation, "dilation")
    pads = resolve_padding(padding, kernel_hw, s, d)
    if in_hw is not None:
        check_kernel_fits(in_hw, pads, kernel_hw, d, name=name)
    return s, pads, d


def check_kernel_fits(in_hw, pads, kernel_hw, dilation, *, name="kernel"):
    """Raise unless the dilated kernel fits in the padded input."""
    h, w = in_hw
    top, bottom, left, right = pads
    eff = [d * (k - 1) + 1 for k, d in zip(kernel_hw, dilation, strict=True)]
    padded = (h + top + bottom, w + left + right)
    if eff[0] > padded[0] or eff[1] > padded[1]:
        fail(
            name,
            f"no larger (dilated: {eff[0]}x{eff[1]}) than the padded input "
            f"{padded[0]}x{padded[1]}",
            f"kernel of size {tuple(kernel_hw)} with dilation {tuple(dilation)}",
        )


def as_shape(value, name, *, lengths, minimum=1):
    """Return ``value`` as a tuple of ints, each at least ``minimum``, or raise.

    ``value`` is a tuple or list (a ``torch.Size`` or ``ndarray.shape`` too)
    whose length is one of ``lengths`` (an int or a tuple of ints).
    """
    allowed = (lengths,) if isinstance(lengths, int) else tuple(lengths)
    counts = " or ".join(str(n) for n in allowed)
    if not isinstance(value, tuple | list):
        fail(name, f"a tuple of {counts} integers", value, error=TypeError)
    if len(value) not in allowed:
        fail(name, f"a tuple of {counts} integers", value)
    return tuple(check_int(v, name, minimum=minimum) for v in value)
