"""Gradients of a convolution layer, as ``torch.nn.grad``.

Backpropagation through ``y = conv2d(x, w)`` needs two gradients of a loss
``L``, given its gradient ``g = dL/dy`` with respect to the output:

* :func:`conv2d_input`, ``dL/dx``: every product ``x[c, i*s + u*d, ...] *
  w[o, c, u, ...]`` of the forward pass sends ``g[o, i, ...] * w[o, c, u,
  ...]`` back to the input position it read. That is a transposed
  convolution of ``g`` with the same weight (:func:`sepconv.conv_transpose2d`),
  which is where the name comes from;
* :func:`conv2d_weight`, ``dL/dw``: the same products send ``g * x`` to the
  weight they used. For each pair of output and input channel this is a
  cross-correlation of the zero-padded input with the output gradient, summed
  over the batch.

Each pass does exactly as many multiplications as the forward pass
(:func:`sepconv.conv2d_backward_cost`). Depthwise, pointwise and grouped
layers are the same functions with ``groups``. Names, argument order and
semantics are those of ``torch.nn.grad``; ``padding`` also takes ``"same"``
and ``"valid"``, as in :func:`sepconv.conv2d`.
"""

from __future__ import annotations

import numpy as np

from . import core
from ._validation import (
    as_array,
    as_batch,
    as_shape,
    check_groups,
    fail,
    resolve_geometry,
    result_dtype,
)

__all__ = ["conv2d_input", "conv2d_weight"]


def _layer(
    input_shape, weight_shape, grad_output, stride, padding, dilation, groups, weight
):
    """Check a layer's geometry against ``grad_output``; return what both need.

    Returns the batched (N, C_out, oh, ow) output gradient, whether the
    input had a batch axis, and the stride, per-side pads and dilation.
    """
    c_out, cg, kh, kw = weight_shape
    g = check_groups(groups, ("C_out", c_out))
    out, batched = as_batch(grad_output, "grad_output")
    shape = as_shape(input_shape, "input_shape", lengths=4 if batched else 3)
    n, c, h, w = shape if batched else (1, *shape)
    if c != cg * g:
        fail(
            "input_shape",
            f"C = weight C_in/groups * groups = {cg} * {g} = {cg * g} channels",
            tuple(input_shape),
        )
    s, pads, d = resolve_geometry(
        stride, padding, dilation, (kh, kw), (h, w), name=weight
    )
    top, bottom, left, right = pads
    oh = (h + top + bottom - d[0] * (kh - 1) - 1) // s[0] + 1
    ow = (w + left + right - d[1] * (kw - 1) - 1) // s[1] + 1
    if out.shape != (n, c_out, oh, ow):
        expected = (n, c_out, oh, ow) if batched else (c_out, oh, ow)
        fail(
            "grad_output",
            f"the shape of conv2d's output for this input and weight, {expected}",
            out if batched else out[0],
        )
    return out, batched, (n, c, h, w), s, pads, d


def conv2d_input(
    input_shape, weight, grad_output, *, stride=1, padding=0, dilation=1, groups=1
):
    """Gradient of :func:`sepconv.conv2d` with respect to its input.

    Parameters
    ----------
    input_shape : tuple of int
        ``(N, C, H, W)``, or ``(C, H, W)`` when ``grad_output`` has no batch
        axis.
    weight : array_like, shape (C_out, C / groups, kh, kw)
        The layer's weight.
    grad_output : array_like, shape (N, C_out, oh, ow) or (C_out, oh, ow)
        The gradient of the loss with respect to the layer's output.
    stride, padding, dilation, groups : keyword-only
        The layer's, as in :func:`sepconv.conv2d`.

    Returns
    -------
    ndarray, shape ``input_shape``
        float32 if ``weight`` and ``grad_output`` are, else float64.

    Notes
    -----
    This is ``conv_transpose2d(grad_output, weight, ...)`` with the layer's
    stride, padding, dilation and groups, and the ``output_padding`` that
    gives the input's size back (a strided layer may not read its last rows
    or columns; their gradient is zero). With stride 1 that transposed
    convolution is also an ordinary one, of ``grad_output`` with every kernel
    turned by 180 degrees and the input and output channels swapped
    (:func:`sepconv.conv_transpose2d_by_zero_insertion`), which is how
    grouped layers compute it then.

    Examples
    --------
    A 2x2 kernel over a 3x3 input; the output gradient is 1 at the first
    position only, so the input gradient is the kernel, placed there:

    >>> w = [[[[1, 2], [3, 4]]]]
    >>> conv2d_input((1, 3, 3), w, [[[1, 0], [0, 0]]])
    array([[[1., 2., 0.],
            [3., 4., 0.],
            [0., 0., 0.]]])

    The same with stride 2 on a 4x4 input is ``conv_transpose2d``:

    >>> import numpy as np
    >>> from sepconv import conv_transpose2d
    >>> g = np.ones((1, 2, 2))
    >>> dx = conv2d_input((1, 4, 4), w, g, stride=2)
    >>> bool(np.array_equal(dx, conv_transpose2d(g, w, stride=2)))
    True
    """
    w = as_array(weight, "weight", ndim=4)
    out, batched, (_, _, h, wd), s, pads, d = _layer(
        input_shape, w.shape, grad_output, stride, padding, dilation, groups, "weight"
    )
    kh, kw = w.shape[2:]
    top, bottom, left, right = pads
    extra = (
        h - ((out.shape[2] - 1) * s[0] + d[0] * (kh - 1) + 1 - top - bottom),
        wd - ((out.shape[3] - 1) * s[1] + d[1] * (kw - 1) + 1 - left - right),
    )
    dtype = result_dtype(out, w)
    # With stride 1 the zero-insertion view inserts nothing: the transposed
    # convolution is an ordinary one, of the output gradient with the turned
    # kernels. For grouped layers (depthwise above all) that beats the
    # scatter, which would do one tiny matrix product per group.
    if groups != 1 and s == (1, 1):
        transpose = core.conv_transpose2d_by_zero_insertion
    else:
        transpose = core.conv_transpose2d
    # conv_transpose2d crops (top, left) and, with "same", (bottom, right) too.
    crop = padding if isinstance(padding, str) else (top, left)
    dx = transpose(
        out.astype(dtype),
        w.astype(dtype),
        stride=s,
        padding=crop,
        output_padding=extra,
        dilation=d,
        groups=groups,
    )
    return dx if batched else dx[0]


def conv2d_weight(
    input, weight_shape, grad_output, *, stride=1, padding=0, dilation=1, groups=1
):
    """Gradient of :func:`sepconv.conv2d` with respect to its weight.

    Parameters
    ----------
    input : array_like, shape (N, C, H, W) or (C, H, W)
        The layer's input (named as in ``torch.nn.grad``).
    weight_shape : tuple of int
        ``(C_out, C / groups, kh, kw)``.
    grad_output : array_like, shape (N, C_out, oh, ow) or (C_out, oh, ow)
        The gradient of the loss with respect to the layer's output, with a
        batch axis if and only if ``input`` has one.
    stride, padding, dilation, groups : keyword-only
        The layer's, as in :func:`sepconv.conv2d`.

    Returns
    -------
    ndarray, shape ``weight_shape``
        float32 if ``input`` and ``grad_output`` are, else float64.

    Notes
    -----
    ``dw[o, c, u, v] = sum_{n, i, j} grad_output[n, o, i, j] *
    padded[n, g*C/groups + c, i*s_h + u*d_h, j*s_w + v*d_w]`` for output
    channel ``o`` of group ``g``: at stride and dilation 1, the correlation
    of the padded input channel with the output gradient, summed over the
    batch.

    Examples
    --------
    One output position, gradient 1: the weight gradient is the window it
    read.

    >>> x = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
    >>> conv2d_weight(x, (1, 1, 2, 2), [[[0, 0], [0, 1]]])
    array([[[[5., 6.],
             [8., 9.]]]])

    With stride 1 it is a correlation of the input with the output gradient:

    >>> import numpy as np
    >>> from sepconv import correlate2d
    >>> g = np.arange(4.0).reshape(1, 2, 2)
    >>> dw = conv2d_weight(x, (1, 1, 2, 2), g)
    >>> bool(np.array_equal(dw[0, 0], correlate2d(x[0], g[0])))
    True
    """
    x = as_array(input, "input", ndim=(3, 4))
    shape = as_shape(weight_shape, "weight_shape", lengths=4)
    out = as_array(grad_output, "grad_output", ndim=(3, 4))
    if out.ndim != x.ndim:
        fail(
            "grad_output",
            f"an array with {x.ndim} dimensions, like input (a batch axis if and "
            f"only if input has one)",
            out,
        )
    out, batched, (n, c, h, w), s, pads, d = _layer(
        x.shape, shape, out, stride, padding, dilation, groups, "weight_shape"
    )
    xb = x if batched else x[np.newaxis]
    dtype = result_dtype(xb, out)
    c_out, cg, kh, kw = shape
    g = c // cg  # groups, as checked
    top, bottom, left, right = pads
    padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=dtype)
    padded[:, :, top : top + h, left : left + w] = xb
    oh, ow = out.shape[2:]
    # (N, groups, C_out / groups, oh*ow): the output gradient of each group
    grads = out.astype(dtype).reshape(n, g, c_out // g, oh * ow)
    dw = np.empty(shape, dtype=dtype)
    for u in range(kh):
        for v in range(kw):
            window = padded[
                :,
                :,
                u * d[0] : u * d[0] + s[0] * (oh - 1) + 1 : s[0],
                v * d[1] : v * d[1] + s[1] * (ow - 1) + 1 : s[1],
            ]
            # what tap (u, v) read, per group: (N, groups, C / groups, oh*ow)
            read = window.reshape(n, g, cg, oh * ow)
            products = np.matmul(grads, read.swapaxes(-1, -2))  # (N, g, m, cg)
            dw[:, :, u, v] = products.sum(axis=0).reshape(c_out, cg)
    return dw
