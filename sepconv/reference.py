"""The convolutions of the book as plain loops that count their multiplications.

This module is written to be read. Each function computes a convolution as
its definition reads, one scalar product at a time, and every multiplication
and addition goes through a :class:`Tally`. Nothing is vectorised, so nothing
is hidden (and nothing is fast). The result comes back with its counts, as a
:class:`CountedResult`.

Everything rests on one loop, :func:`_correlate_loops`, a grouped
cross-correlation:

* :func:`counted_correlate2d`: one image, one kernel (one channel);
* :func:`counted_separable_correlate2d`: a ``kh x 1`` column pass, then a
  ``1 x kw`` row pass;
* :func:`counted_conv2d`: the layer of a CNN (channels, filters, groups);
* :func:`counted_depthwise_separable_conv2d`: a depthwise step (one kernel
  per channel, ``groups = C``), then a pointwise (1x1) step.

The counts are the second route to every cost in the book: the tests check
that they equal the closed forms of :mod:`sepconv.counting`, and that the
outputs equal those of :mod:`sepconv.core`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ._validation import (
    as_array,
    as_batch,
    as_bias,
    check_groups,
    fail,
    resolve_geometry,
)

__all__ = [
    "CountedResult",
    "Tally",
    "counted_conv2d",
    "counted_correlate2d",
    "counted_depthwise_separable_conv2d",
    "counted_separable_correlate2d",
]


class Tally:
    """Counts every scalar multiplication and addition done through it.

    Examples
    --------
    >>> tally = Tally()
    >>> tally.add(tally.mul(2, 3), 1), tally.multiplications, tally.additions
    (7, 1, 1)
    """

    __slots__ = ("additions", "multiplications")

    def __init__(self):
        self.multiplications = 0
        self.additions = 0

    def mul(self, a, b):
        self.multiplications += 1
        return a * b

    def add(self, a, b):
        self.additions += 1
        return a + b


@dataclass(frozen=True, eq=False)
class CountedResult:
    """What a counted loop computed, and what it cost.

    Attributes
    ----------
    output : ndarray
        The result (float64).
    multiplications, additions : int
        Scalar operations the loops performed (the additions include the
        bias additions when a bias was given).
    passes : Mapping[str, CountedResult]
        For multi-pass operations, each pass's own result and counts (e.g.
        the column pass's intermediate image).
    """

    output: np.ndarray
    multiplications: int
    additions: int
    passes: Mapping[str, CountedResult] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "passes", MappingProxyType(dict(self.passes)))

    @classmethod
    def chain(cls, passes):
        """Passes run one after the other: the last output, the summed counts.

        ``passes`` maps each pass's name to its :class:`CountedResult`, in
        order.
        """
        results = list(passes.values())
        return cls(
            results[-1].output,
            sum(p.multiplications for p in results),
            sum(p.additions for p in results),
            passes,
        )


def _correlate_loops(x, weight, bias, stride, pads, dilation, groups):
    """Grouped cross-correlation of an (N, C, H, W) batch, one product at a time.

    ``weight`` is (C_out, C/groups, kh, kw): output channel ``o`` sees the
    ``n = C/groups`` input channels of its group, from channel ``first``
    on. On the input ``x`` padded with ``pads = (top, bottom, left, right)``
    zeros,

    ``out[b, o, i, j] = bias[o] + sum_{c < n} sum_{u, v}
    x[b, first + c, i*sh + u*dh, j*sw + v*dw] * weight[o, c, u, v]``.

    The sum starts at the bias (or, without one, at the first product);
    every product and every addition goes through the tally.
    """
    tally = Tally()
    n, c_in, h, w = x.shape
    c_out, per_group, kh, kw = weight.shape
    top, bottom, left, right = pads
    padded = np.zeros((n, c_in, h + top + bottom, w + left + right))
    padded[:, :, top : top + h, left : left + w] = x
    (sh, sw), (dh, dw) = stride, dilation
    oh = (padded.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (padded.shape[3] - dw * (kw - 1) - 1) // sw + 1
    xs, ws = padded.tolist(), weight.tolist()
    out = np.zeros((n, c_out, oh, ow))
    for b, o, i, j in np.ndindex(out.shape):  # every output element, in order
        first = (o // (c_out // groups)) * per_group  # o's first input channel
        total = None if bias is None else float(bias[o])
        for c in range(per_group):
            for u in range(kh):
                for v in range(kw):
                    pixel = xs[b][first + c][i * sh + u * dh][j * sw + v * dw]
                    product = tally.mul(pixel, ws[o][c][u][v])
                    total = product if total is None else tally.add(total, product)
        out[b, o, i, j] = total
    return CountedResult(out, tally.multiplications, tally.additions)


def _squeezed(result, index):
    """``result`` with its output indexed (a batch or channel axis dropped)."""
    return dataclasses.replace(result, output=result.output[index])


def counted_correlate2d(image, kernel, *, stride=1, padding=0, dilation=1):
    """2-D cross-correlation by loops that count their operations.

    One image and one kernel: :func:`counted_conv2d` with one channel in
    and one out.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (kh, kw)
    stride, padding, dilation : keyword-only
        As in ``core.correlate2d``.

    Returns
    -------
    CountedResult
        ``output`` of shape ``(H_out, W_out)``; the counts equal
        :func:`~sepconv.counting.correlate2d_cost`.

    Examples
    --------
    >>> result = counted_correlate2d(np.arange(25).reshape(5, 5), np.ones((3, 3)))
    >>> result.output
    array([[ 54.,  63.,  72.],
           [ 99., 108., 117.],
           [144., 153., 162.]])
    >>> result.multiplications, result.additions
    (81, 72)
    """
    img = as_array(image, "image", ndim=2, dtype=float)
    ker = as_array(kernel, "kernel", ndim=2, dtype=float)
    s, pads, d = resolve_geometry(stride, padding, dilation, ker.shape, img.shape)
    result = _correlate_loops(img[None, None], ker[None, None], None, s, pads, d, 1)
    return _squeezed(result, (0, 0))


def counted_separable_correlate2d(image, column, row, *, stride=1, padding=0):
    """A separable filter by counted loops: the column pass, then the row pass.

    Parameters
    ----------
    image : array_like, shape (H, W)
    column : array_like, shape (kh,)
    row : array_like, shape (kw,)
    stride, padding : keyword-only
        As in ``core.separable_correlate2d``: vertical stride and padding in
        the column pass, horizontal ones in the row pass.

    Returns
    -------
    CountedResult
        The output (equal to correlating with ``np.outer(column, row)``), the
        total counts, ``passes["column"]`` (whose ``output`` is the
        ``H_out x W`` intermediate) and ``passes["row"]``; the counts equal
        :func:`~sepconv.counting.separable_correlate2d_cost`.

    Examples
    --------
    >>> image = np.arange(25).reshape(5, 5)
    >>> result = counted_separable_correlate2d(image, [1, 2, 1], [-1, 0, 1])
    >>> column = result.passes["column"]
    >>> column.output.shape, column.multiplications
    ((3, 5), 45)
    >>> result.output
    array([[8., 8., 8.],
           [8., 8., 8.],
           [8., 8., 8.]])
    >>> result.multiplications
    72
    """
    img = as_array(image, "image", ndim=2, dtype=float)
    col = as_array(column, "column", ndim=1, dtype=float)
    r = as_array(row, "row", ndim=1, dtype=float)
    s, (top, bottom, left, right), _ = resolve_geometry(
        stride, padding, 1, (col.size, r.size), img.shape, name="column and row"
    )
    first = _correlate_loops(
        img[None, None], col.reshape(1, 1, -1, 1), None,
        (s[0], 1), (top, bottom, 0, 0), (1, 1), 1,
    )  # fmt: skip
    second = _correlate_loops(
        first.output, r.reshape(1, 1, 1, -1), None,
        (1, s[1]), (0, 0, left, right), (1, 1), 1,
    )  # fmt: skip
    passes = {"column": first, "row": second}
    return CountedResult.chain({n: _squeezed(p, (0, 0)) for n, p in passes.items()})


def _conv_weight(weight, name, c_in, groups, *, pointwise=False):
    """``(weight, groups)``: a float64 (C_out, C_in/groups, kh, kw) weight.

    With ``pointwise``, a (C_out, C_in/groups) weight is a 1x1 kernel.
    """
    w = as_array(weight, name, ndim=(2, 4) if pointwise else 4, dtype=float)
    if pointwise:
        if w.shape[2:] not in ((), (1, 1)):
            fail(name, "of shape (C_out, C*m) or (C_out, C*m, 1, 1)", w)
        w = w.reshape(*w.shape[:2], 1, 1)
    g = check_groups(
        groups,
        ("in_channels (x.shape[-3])", c_in),
        (f"out_channels ({name}.shape[0])", w.shape[0]),
    )
    if w.shape[1] != c_in // g:
        fail(
            name,
            f"of shape (C_out, C_in/groups={c_in // g}, kh, kw) for an input "
            f"with C_in={c_in} and groups={g}",
            w,
        )
    return w, g


def counted_conv2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1):
    """A (grouped) convolution by loops that count their operations.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    weight : array_like, shape (C_out, C/groups, kh, kw)
    bias : array_like, shape (C_out,), optional
    stride, padding, dilation, groups : keyword-only
        As in ``core.conv2d`` (PyTorch semantics).

    Returns
    -------
    CountedResult
        Output of shape ``(C_out, H_out, W_out)`` (or with the batch axis).
        Without a bias the counts equal :func:`~sepconv.counting.conv2d_cost`;
        a bias adds one addition per output element.

    Examples
    --------
    >>> from sepconv.counting import conv2d_cost
    >>> x = np.arange(18).reshape(2, 3, 3)
    >>> result = counted_conv2d(x, np.ones((1, 2, 2, 2)))
    >>> result.output
    array([[[52., 60.],
            [76., 84.]]])
    >>> result.multiplications, conv2d_cost(x.shape, 1, 2).multiplications
    (32, 32)
    """
    batch, batched = as_batch(x)
    w, g = _conv_weight(weight, "weight", batch.shape[1], groups)
    b = as_bias(bias, w.shape[0])
    s, pads, d = resolve_geometry(
        stride, padding, dilation, w.shape[2:], batch.shape[2:], name="weight"
    )
    result = _correlate_loops(batch, w, b, s, pads, d, g)
    return result if batched else _squeezed(result, 0)


def counted_depthwise_separable_conv2d(
    x, depthwise, pointwise, bias=None, *, stride=1, padding=0, dilation=1
):
    """A depthwise separable layer by counted loops: depthwise, then pointwise.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    depthwise : array_like, shape (C * multiplier, 1, kh, kw)
    pointwise : array_like, shape (C_out, C*m) or (C_out, C*m, 1, 1)
    bias : array_like, shape (C_out,), optional
        The layer's one bias, added after the pointwise step.
    stride, padding, dilation : keyword-only
        Of the depthwise step.

    Returns
    -------
    CountedResult
        With ``passes["depthwise"]`` (its output is the intermediate) and
        ``passes["pointwise"]``; counts equal to
        :func:`~sepconv.counting.depthwise_separable_conv2d_cost` (without
        bias).

    Examples
    --------
    >>> x = np.arange(18).reshape(2, 3, 3)
    >>> result = counted_depthwise_separable_conv2d(
    ...     x, np.ones((2, 1, 2, 2)), [[1, 10]])
    >>> result.output
    array([[[448., 492.],
            [580., 624.]]])
    >>> [p.multiplications for p in result.passes.values()]
    [32, 8]
    """
    batch, batched = as_batch(x)
    c_in = batch.shape[1]
    dw, _ = _conv_weight(depthwise, "depthwise", c_in, c_in)
    pw, _ = _conv_weight(pointwise, "pointwise", dw.shape[0], 1, pointwise=True)
    b = as_bias(bias, pw.shape[0])
    s, pads, d = resolve_geometry(
        stride, padding, dilation, dw.shape[2:], batch.shape[2:], name="depthwise"
    )
    first = _correlate_loops(batch, dw, None, s, pads, d, c_in)
    second = _correlate_loops(first.output, pw, b, (1, 1), (0,) * 4, (1, 1), 1)
    passes = {"depthwise": first, "pointwise": second}
    if not batched:
        passes = {name: _squeezed(p, 0) for name, p in passes.items()}
    return CountedResult.chain(passes)
