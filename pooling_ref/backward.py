"""Where the gradient goes: backward passes of every forward op, and a numeric check.

For each forward op ``f`` of :mod:`pooling_ref` there is ``f_backward(grad_output, x,
<same keyword arguments as f>)``. It returns ``dL/dx`` given ``grad_output = dL/dy`` for
``y = f(x, ...)``: an array of the shape and dtype of ``x`` (``conv1d_backward`` and
``conv2d_backward`` return ``(grad_x, grad_kernel, grad_bias)``). ``grad_output`` must have
the shape of ``f``'s output, in the same ``data_format``.

The rules, each pinned against ``tf.GradientTape`` through the Keras layer
(TensorFlow 2.21, ``tests/test_backward.py``):

* **Max pooling** sends each output's gradient to one element of its window, the
  *winner*; overlapping windows (``strides < pool_size``) add up. The winner is
  TensorFlow's: scan the window's real elements in order (2D: row-major, row by
  row), start with the first and move only to a *strictly* greater one. So in a
  tie the **first** maximum wins (``[3, 3]`` sends everything to the left 3, also
  for ``-0.0`` vs ``0.0``), a NaN never wins unless it is the first element of the
  window (then it keeps the gradient), and a window of ``-inf`` sends it to its
  first element.
* **Global max pooling** is different: Keras reduces with ``max`` over the whole
  axis and TensorFlow's gradient of a max reduction *splits* the gradient evenly
  among all tied maxima (``[3, 3]`` gets ``g / 2`` each). A NaN in a channel makes
  that channel's whole gradient NaN.
* **Average pooling** spreads ``g / n`` over the ``n`` *real* elements of the
  window; with ``same`` padding ``n`` counts real elements only (the forward's
  divisor) and nothing is sent into the padding.
* **Global average pooling** sends ``g / steps`` to every step; with a ``mask``,
  ``g / (number of kept steps)`` to kept steps and zero to masked ones (a sample
  whose steps are all masked gets zero gradient, as in Keras).
* **Convolution**: ``grad_x`` correlates ``grad_output`` with the flipped kernel
  (each output position hands ``g * kernel`` back to the steps it read),
  ``grad_kernel`` correlates ``x`` with ``grad_output``, ``grad_bias`` sums
  ``grad_output`` over batch and positions. ``same``/``causal`` padding receives
  nothing.
* **Nearest upsampling** copies each element into a block of ``size`` elements,
  so its gradient is the **sum** over each block. (A widely copied
  ``UpSampling2D.backward_pass`` returns ``accum_grad[:, :, ::size[0], ::size[1]]``:
  that keeps one element per block and drops the others' gradient, see
  :func:`upsampling2d_backward`.)
* **Bilinear upsampling** is linear, ``y = W_rows @ x @ W_cols.T`` per channel, so
  its gradient is ``W_rows.T @ g @ W_cols``. TensorFlow computes the weights and
  each weighted share in float32, even for float64 data, then adds the shares in
  the data's dtype; so does this module (float64: equal to TensorFlow's to the
  last bit; float32: up to the order of the float32 additions).

Every function is the exact transpose of its forward (``gradcheck`` confirms it
numerically); none modifies its inputs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from ._args import (
    as_float_array,
    channels_last_input,
    conv_arguments,
    from_channels_last,
    normalize_tuple,
    pool_arguments,
    tap_slices,
    window_taps,
)
from .global_pooling import _check_mask
from .upsampling import bilinear_source, upsampling2d

__all__ = [
    "GradcheckResult",
    "average_pool1d_backward",
    "average_pool2d_backward",
    "conv1d_backward",
    "conv2d_backward",
    "global_average_pool1d_backward",
    "global_average_pool2d_backward",
    "global_max_pool1d_backward",
    "global_max_pool2d_backward",
    "gradcheck",
    "max_pool1d_backward",
    "max_pool2d_backward",
    "upsampling1d_backward",
    "upsampling2d_backward",
]


# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------
def _grad_output(grad_output, expected_shape, op: str, dtype, data_format: str) -> np.ndarray:
    """Check ``grad_output`` has the forward output's shape; return it channels-last in ``dtype``.

    ``expected_shape`` is the forward output's shape in channels-last order.
    """
    g = as_float_array(grad_output, "grad_output")
    expected = tuple(expected_shape)
    if data_format == "channels_first":
        expected = (expected[0], expected[-1], *expected[1:-1])
    if g.shape != expected:
        raise ValueError(
            f"`grad_output` must have the shape of the {op} output, {expected}. "
            f"Received: grad_output.shape={g.shape}"
        )
    g = np.moveaxis(g, 1, -1) if data_format == "channels_first" else g
    return g.astype(dtype, copy=False)


def _window_regions(spatial, window, strides, padding, dilation=None):
    """Each window tap as two slices: the outputs that read a real element, and those elements.

    Output position ``i`` (one index per spatial axis) reads, at tap ``k``, the input
    position ``i * strides + k * dilation - left``; positions outside the input are
    padding and are left out. Taps come in row-major order (the order TensorFlow
    scans a window in).

    Returns
    -------
    out_spatial : tuple of int
        Output length along each spatial axis.
    regions : list of (k, out_index, in_index)
        ``k`` is the tap (a tuple, one entry per axis); ``y[out_index]`` and
        ``x[in_index]`` (channels-last arrays; the index covers batch and spatial
        axes) are same-shaped views pairing every output that reads a real element
        at tap ``k`` with that element. Within one tap no input element repeats.
    """
    dilation = dilation or (1,) * len(spatial)
    out_spatial, per_axis = [], []
    for length, w, s, d in zip(spatial, window, strides, dilation, strict=True):
        out_len, taps = window_taps(length, w, s, padding, d)
        out_spatial.append(out_len)
        per_axis.append([(k, *tap_slices(lo, hi, start, s)) for k, lo, hi, start in taps])
    regions = []
    for combo in itertools.product(*per_axis):
        k = tuple(tap[0] for tap in combo)
        in_index = (slice(None), *(tap[1] for tap in combo))
        out_index = (slice(None), *(tap[2] for tap in combo))
        regions.append((k, out_index, in_index))
    return tuple(out_spatial), regions


# --------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------
def _pool_backward(grad_output, x, spatial_rank, pool_size, strides, padding, data_format, op):
    """Shared core of the four pooling backwards (normalise, route the gradient, restore layout)."""
    x, pool, strides, padding, data_format = pool_arguments(
        x, spatial_rank, pool_size, strides, padding, data_format
    )
    out_spatial, regions = _window_regions(x.shape[1:-1], pool, strides, padding)
    out_shape = (x.shape[0], *out_spatial, x.shape[-1])
    name = f"{op}_pool{spatial_rank}d"
    g = _grad_output(grad_output, out_shape, name, x.dtype, data_format)
    grad_x = np.zeros(x.shape, dtype=x.dtype)

    if op == "max":
        # Find each window's winner: the tap number of its first strict maximum.
        best = np.empty(out_shape, dtype=x.dtype)
        winner = np.full(out_shape, -1, dtype=np.intp)
        for tap, (_, out_index, in_index) in enumerate(regions):
            candidate, best_here, winner_here = x[in_index], best[out_index], winner[out_index]
            take = (winner_here < 0) | (candidate > best_here)  # NaN > v is False
            best_here[take] = candidate[take]
            winner_here[take] = tap
        for tap, (_, out_index, in_index) in enumerate(regions):
            grad_x[in_index] += np.where(winner[out_index] == tap, g[out_index], 0)
    else:
        # Each output shares its gradient equally among its real elements.
        counts = np.zeros(out_spatial, dtype=np.int64)
        for _, out_index, _ in regions:
            counts[out_index[1:]] += 1
        share = g / counts[..., None].astype(x.dtype)
        for _, out_index, in_index in regions:
            grad_x[in_index] += share[out_index]
    return from_channels_last(grad_x, data_format)


def max_pool1d_backward(
    grad_output, x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    """Gradient of :func:`pooling_ref.max_pool1d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, out_steps, channels) ndarray, or (batch, channels, out_steps)
        ``dL/dy`` for ``y = max_pool1d(x, ...)``; must have ``y``'s shape.
    x : (batch, steps, channels) ndarray (channels_first: (batch, channels, steps))
        The forward input.
    pool_size, strides, padding, data_format
        As in :func:`pooling_ref.max_pool1d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        ``grad_x[b, j, c] = sum of grad_output[b, i, c]`` over the windows ``i`` whose
        winner is step ``j``. The winner of a window is its first maximum (TensorFlow
        scans the window left to right and moves only to a strictly greater value);
        overlapping windows that share a winner add up; padding gets nothing.

    Examples
    --------
    >>> x = np.array([[[1.0], [3.0], [3.0], [2.0]]])
    >>> max_pool1d_backward(np.ones((1, 3, 1)), x, pool_size=2, strides=1)[:, :, 0]
    array([[0., 2., 1., 0.]])

    Windows ``[1, 3]`` and ``[3, 3]`` both pick the first 3, window ``[3, 2]`` the second.
    """
    return _pool_backward(grad_output, x, 1, pool_size, strides, padding, data_format, "max")


def average_pool1d_backward(
    grad_output, x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    """Gradient of :func:`pooling_ref.average_pool1d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, out_steps, channels) ndarray, or (batch, channels, out_steps)
        ``dL/dy`` for ``y = average_pool1d(x, ...)``; must have ``y``'s shape.
    x : (batch, steps, channels) ndarray (channels_first: (batch, channels, steps))
    pool_size, strides, padding, data_format
        As in :func:`pooling_ref.average_pool1d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        ``grad_x[b, j, c] = sum over the windows i containing step j of
        grad_output[b, i, c] / n_real(i)``, where ``n_real(i)`` is the number of real
        (unpadded) steps of window ``i``, the divisor the forward used.

    Examples
    --------
    >>> x = np.zeros((1, 5, 1))
    >>> average_pool1d_backward(np.ones((1, 3, 1)), x, pool_size=2, padding="same")[:, :, 0]
    array([[0.5, 0.5, 0.5, 0.5, 1. ]])

    The last window holds step 4 and one padded step, so step 4 gets all of its gradient.
    """
    return _pool_backward(grad_output, x, 1, pool_size, strides, padding, data_format, "average")


def max_pool2d_backward(
    grad_output, x, pool_size=(2, 2), strides=None, padding="valid", data_format="channels_last"
):
    """Gradient of :func:`pooling_ref.max_pool2d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, out_rows, out_cols, channels) ndarray (or channels_first)
        ``dL/dy`` for ``y = max_pool2d(x, ...)``; must have ``y``'s shape.
    x : (batch, rows, cols, channels) ndarray (or (batch, channels, rows, cols))
    pool_size, strides, padding, data_format
        As in :func:`pooling_ref.max_pool2d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        Each output's gradient goes to its window's winner, the first maximum in
        row-major order (row by row, left to right); overlapping windows add up.

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0]]).reshape(1, 2, 2, 1)
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x)[0, :, :, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    return _pool_backward(grad_output, x, 2, pool_size, strides, padding, data_format, "max")


def average_pool2d_backward(
    grad_output, x, pool_size=(2, 2), strides=None, padding="valid", data_format="channels_last"
):
    """Gradient of :func:`pooling_ref.average_pool2d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, out_rows, out_cols, channels) ndarray (or channels_first)
    x : (batch, rows, cols, channels) ndarray (or (batch, channels, rows, cols))
    pool_size, strides, padding, data_format
        As in :func:`pooling_ref.average_pool2d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        Each output's gradient divided by the number of real elements of its window,
        added to each of those elements.

    Examples
    --------
    >>> average_pool2d_backward(np.ones((1, 1, 1, 1)), np.zeros((1, 2, 2, 1)))[0, :, :, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return _pool_backward(grad_output, x, 2, pool_size, strides, padding, data_format, "average")


# --------------------------------------------------------------------------
# global pooling
# --------------------------------------------------------------------------
def _global_backward(grad_output, x, spatial_rank, data_format, keepdims, op, mask=None):
    """Shared core of the global pooling backwards."""
    x, data_format = channels_last_input(x, spatial_rank, data_format)
    axes = tuple(range(1, spatial_rank + 1))
    kept = (x.shape[0], *(1,) * spatial_rank, x.shape[-1])
    name = f"global_{op}_pool{spatial_rank}d"
    if keepdims:
        g = _grad_output(grad_output, kept, name, x.dtype, data_format)
    else:
        g = _grad_output(grad_output, (x.shape[0], x.shape[-1]), name, x.dtype, "channels_last")
        g = g.reshape(kept)
    with np.errstate(divide="ignore", invalid="ignore"):
        if op == "max":
            # TensorFlow's gradient of a max reduction: split evenly among ties.
            is_max = x == x.max(axis=axes, keepdims=True)
            n_max = is_max.sum(axis=axes, keepdims=True)
            grad_x = is_max / n_max.astype(x.dtype) * g  # 0 / 0 = NaN when x has a NaN
        elif mask is None:
            grad_x = np.broadcast_to(g / x.dtype.type(math.prod(x.shape[1:-1])), x.shape)
        else:
            keep = _check_mask(mask, x.shape[:2], x.dtype)[:, :, None]  # 0/1
            grad_x = np.where(keep != 0, g / keep.sum(axis=1, keepdims=True), x.dtype.type(0))
    return from_channels_last(grad_x.astype(x.dtype, copy=False), data_format)


def global_max_pool1d_backward(grad_output, x, data_format="channels_last", keepdims=False):
    """Gradient of :func:`pooling_ref.global_max_pool1d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, channels) ndarray, or with keepdims (batch, 1, channels)
        (channels_first: (batch, channels, 1)).
    x : (batch, steps, channels) ndarray (channels_first: (batch, channels, steps))
    data_format, keepdims
        As in :func:`pooling_ref.global_max_pool1d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        ``grad_x[b, j, c] = grad_output[b, c] / n_max(b, c)`` if ``x[b, j, c]`` equals the
        channel's maximum, else 0, where ``n_max`` counts the steps holding that maximum.
        Ties *share* the gradient (TensorFlow's rule for ``reduce_max``), unlike
        :func:`max_pool1d_backward`, where the first maximum takes all. A NaN in a
        channel makes that channel's gradient NaN.

    Examples
    --------
    >>> x = np.array([[[1.0], [3.0], [3.0], [2.0]]])
    >>> global_max_pool1d_backward(np.ones((1, 1)), x)[:, :, 0]
    array([[0. , 0.5, 0.5, 0. ]])
    """
    return _global_backward(grad_output, x, 1, data_format, keepdims, "max")


def global_average_pool1d_backward(
    grad_output, x, mask=None, data_format="channels_last", keepdims=False
):
    """Gradient of :func:`pooling_ref.global_average_pool1d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, channels) ndarray, or with keepdims (batch, 1, channels)
        (channels_first: (batch, channels, 1)).
    x : (batch, steps, channels) ndarray (channels_first: (batch, channels, steps))
    mask : (batch, steps) array of bool or None
        Steps to average over (nonzero = keep), as in the forward.
    data_format, keepdims
        As in :func:`pooling_ref.global_average_pool1d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        Without a mask ``grad_x[b, j, c] = grad_output[b, c] / steps``. With a mask,
        ``grad_output[b, c] / n_kept(b)`` at kept steps and 0 at masked steps; a sample
        with every step masked gets zero gradient (Keras' forward gives NaN there).

    Examples
    --------
    >>> x = np.zeros((1, 4, 1))
    >>> global_average_pool1d_backward(np.ones((1, 1)), x, mask=[[1, 1, 0, 0]])[:, :, 0]
    array([[0.5, 0.5, 0. , 0. ]])
    """
    return _global_backward(grad_output, x, 1, data_format, keepdims, "average", mask)


def global_max_pool2d_backward(grad_output, x, data_format="channels_last", keepdims=False):
    """Gradient of :func:`pooling_ref.global_max_pool2d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, channels) ndarray, or with keepdims (batch, 1, 1, channels)
        (channels_first: (batch, channels, 1, 1)).
    x : (batch, rows, cols, channels) ndarray (or (batch, channels, rows, cols))
    data_format, keepdims
        As in :func:`pooling_ref.global_max_pool2d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        The channel's gradient split evenly among the positions holding its maximum.

    Examples
    --------
    >>> global_max_pool2d_backward(np.ones((1, 1)), np.ones((1, 2, 2, 1)))[0, :, :, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return _global_backward(grad_output, x, 2, data_format, keepdims, "max")


def global_average_pool2d_backward(grad_output, x, data_format="channels_last", keepdims=False):
    """Gradient of :func:`pooling_ref.global_average_pool2d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, channels) ndarray, or with keepdims (batch, 1, 1, channels)
        (channels_first: (batch, channels, 1, 1)).
    x : (batch, rows, cols, channels) ndarray (or (batch, channels, rows, cols))
    data_format, keepdims
        As in :func:`pooling_ref.global_average_pool2d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        ``grad_x[b, r, q, c] = grad_output[b, c] / (rows * cols)``.

    Examples
    --------
    >>> global_average_pool2d_backward(np.ones((1, 1)), np.zeros((1, 2, 2, 1)))[0, :, :, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return _global_backward(grad_output, x, 2, data_format, keepdims, "average")


# --------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------
def _conv_backward(
    grad_output, x, kernel, bias, strides, padding, data_format, dilation_rate, groups, rank
):
    """Shared core of conv1d_backward / conv2d_backward."""
    x, kernel, bias, strides, padding, data_format, dilation, groups = conv_arguments(
        x, kernel, bias, strides, padding, data_format, dilation_rate, groups, rank
    )
    ksize, (cin_g, filters) = kernel.shape[:rank], kernel.shape[rank:]
    f_g = filters // groups
    out_spatial, regions = _window_regions(x.shape[1:-1], ksize, strides, padding, dilation)
    g = _grad_output(
        grad_output, (x.shape[0], *out_spatial, filters), f"conv{rank}d", x.dtype, data_format
    )
    # Split channels and filters into their groups: group j of the filters reads
    # group j of the channels only.
    x_g = x.reshape(*x.shape[:-1], groups, cin_g)
    g_g = g.reshape(*g.shape[:-1], groups, f_g)
    kernel_g = kernel.reshape(*ksize, cin_g, groups, f_g)
    grad_x = np.zeros(x_g.shape, dtype=x.dtype)
    grad_kernel = np.zeros(kernel_g.shape, dtype=x.dtype)
    for k, out_index, in_index in regions:
        # forward: y[out] += x[in] @ kernel[k]  =>  x[in] gets g[out] @ kernel[k].T,
        # kernel[k] gets x[in].T @ g[out] (summed over batch and positions)
        grad_x[in_index] += np.einsum("...jf,cjf->...jc", g_g[out_index], kernel_g[k])
        x_in = x_g[in_index].reshape(-1, groups, cin_g)
        g_out = g_g[out_index].reshape(-1, groups, f_g)
        grad_kernel[k] += np.einsum("njc,njf->cjf", x_in, g_out)
    grad_bias = None if bias is None else g.sum(axis=tuple(range(rank + 1)))
    return (
        from_channels_last(grad_x.reshape(x.shape), data_format),
        grad_kernel.reshape(kernel.shape),
        grad_bias,
    )


def conv1d_backward(
    grad_output,
    x,
    kernel,
    bias=None,
    strides=1,
    padding="valid",
    data_format="channels_last",
    dilation_rate=1,
    groups=1,
):
    """Gradients of :func:`pooling_ref.conv1d` with respect to ``x``, ``kernel`` and ``bias``.

    Parameters
    ----------
    grad_output : (batch, out_steps, filters) ndarray, or (batch, filters, out_steps)
        ``dL/dy`` for ``y = conv1d(x, kernel, bias, ...)``; must have ``y``'s shape.
    x : (batch, steps, in_channels) ndarray, or (batch, in_channels, steps)
    kernel : (kernel_size, in_channels // groups, filters) ndarray
    bias : (filters,) ndarray or None
    strides, padding, data_format, dilation_rate, groups
        As in :func:`pooling_ref.conv1d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        ``grad_x[b, t, c] = sum over (i, k) with i * strides + k * dilation_rate - left = t
        of sum_f grad_output[b, i, f] * kernel[k, c, f]``: every output hands its gradient,
        weighted by the kernel tap that read ``t``, back to step ``t`` (within ``c``'s group).
        Padded steps receive nothing.
    grad_kernel : ndarray, shape of ``kernel``, dtype of ``x``
        ``grad_kernel[k, c, f] = sum_{b, i} x[b, i * strides + k * dilation_rate - left, c]
        * grad_output[b, i, f]`` (padded steps count as zeros).
    grad_bias : (filters,) ndarray or None
        ``sum_{b, i} grad_output[b, i, f]``; ``None`` when ``bias`` is None.

    Examples
    --------
    >>> x = np.arange(4.0).reshape(1, 4, 1)
    >>> grad_x, grad_kernel, grad_bias = conv1d_backward(
    ...     np.ones((1, 3, 1)), x, np.array([1.0, 10.0]).reshape(2, 1, 1), bias=np.zeros(1))
    >>> grad_x[0, :, 0]  # step 0 is read by tap 0 only, step 3 by tap 1 only
    array([ 1., 11., 11., 10.])
    >>> grad_kernel[:, 0, 0], grad_bias  # tap 0 read steps 0..2, tap 1 steps 1..3
    (array([3., 6.]), array([3.]))
    """
    return _conv_backward(
        grad_output, x, kernel, bias, strides, padding, data_format, dilation_rate, groups, 1
    )


def conv2d_backward(
    grad_output,
    x,
    kernel,
    bias=None,
    strides=1,
    padding="valid",
    data_format="channels_last",
    dilation_rate=1,
    groups=1,
):
    """Gradients of :func:`pooling_ref.conv2d` with respect to ``x``, ``kernel`` and ``bias``.

    Parameters
    ----------
    grad_output : (batch, out_rows, out_cols, filters) ndarray (or channels_first)
    x : (batch, rows, cols, in_channels) ndarray, or (batch, in_channels, rows, cols)
    kernel : (kernel_rows, kernel_cols, in_channels // groups, filters) ndarray
    bias : (filters,) ndarray or None
    strides, padding, data_format, dilation_rate, groups
        As in :func:`pooling_ref.conv2d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        Each output's gradient times ``kernel[k, l]``, handed back to the element that
        tap ``(k, l)`` read; padding receives nothing.
    grad_kernel : ndarray, shape of ``kernel``
        ``grad_kernel[k, l, c, f] = sum_{b, i, j} x[b, i*s0 + k*d0 - top, j*s1 + l*d1 - left, c]
        * grad_output[b, i, j, f]``.
    grad_bias : (filters,) ndarray or None

    Examples
    --------
    >>> grad_x, grad_kernel, _ = conv2d_backward(
    ...     np.ones((1, 2, 2, 1)), np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)))
    >>> grad_x[0, :, :, 0]  # how many windows cover each element
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    return _conv_backward(
        grad_output, x, kernel, bias, strides, padding, data_format, dilation_rate, groups, 2
    )


# --------------------------------------------------------------------------
# upsampling
# --------------------------------------------------------------------------
def upsampling1d_backward(grad_output, x, size=2):
    """Gradient of :func:`pooling_ref.upsampling1d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, steps * size, channels) ndarray
    x : (batch, steps, channels) ndarray
    size : int

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        ``grad_x[b, t, c] = sum_{r < size} grad_output[b, t * size + r, c]``: step ``t`` was
        copied to ``size`` output steps, so it collects the gradient of all of them.

    Examples
    --------
    >>> upsampling1d_backward(np.arange(6.0).reshape(1, 6, 1), np.zeros((1, 2, 1)), size=3)
    array([[[ 3.],
            [12.]]])
    """
    x, _ = channels_last_input(x, 1, "channels_last")
    (size,) = normalize_tuple(size, 1, "size")
    batch, steps, channels = x.shape
    g = _grad_output(
        grad_output, (batch, steps * size, channels), "upsampling1d", x.dtype, "channels_last"
    )
    return g.reshape(batch, steps, size, channels).sum(axis=2)


def upsampling2d_backward(
    grad_output, x, size=(2, 2), data_format="channels_last", interpolation="nearest"
):
    """Gradient of :func:`pooling_ref.upsampling2d` with respect to ``x``.

    Parameters
    ----------
    grad_output : (batch, rows * size[0], cols * size[1], channels) ndarray (or channels_first)
    x : (batch, rows, cols, channels) ndarray, or (batch, channels, rows, cols)
    size, data_format, interpolation
        As in :func:`pooling_ref.upsampling2d`.

    Returns
    -------
    grad_x : ndarray, shape and dtype of ``x``
        ``nearest``: the **sum** of ``grad_output`` over each ``size[0] x size[1]`` block,
        because every element of the block is a copy of one input element.
        ``bilinear``: ``W_rows.T @ grad_output @ W_cols`` per channel, the transpose of
        the interpolation ``y = W_rows @ x @ W_cols.T``. As in TensorFlow's
        ``ResizeBilinearGrad``, each output's four weighted contributions are computed
        in float32 (whatever the dtype) and then added up in ``x``'s dtype.

    Notes
    -----
    A popular from-scratch ``UpSampling2D.backward_pass`` returns
    ``accum_grad[:, :, ::size[0], ::size[1]]``. That keeps the gradient of one element
    of each block and discards the rest, as if the other copies did not feed the loss:
    with ``size=(2, 2)`` three quarters of the gradient is lost. The copies all feed
    the loss, so their gradients add.

    Examples
    --------
    >>> g = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> upsampling2d_backward(g, np.zeros((1, 2, 2, 1)))[0, :, :, 0]
    array([[10., 18.],
           [42., 50.]])
    >>> g[0, ::2, ::2, 0]  # the keep-one-element version: wrong
    array([[ 0.,  2.],
           [ 8., 10.]])
    """
    x, data_format = channels_last_input(x, 2, data_format)
    # The forward on an empty batch checks every argument exactly as the forward does.
    upsampling2d(x[:0], size, "channels_last", interpolation)
    size_r, size_c = normalize_tuple(size, 2, "size")
    batch, rows, cols, channels = x.shape
    out_shape = (batch, rows * size_r, cols * size_c, channels)
    g = _grad_output(grad_output, out_shape, "upsampling2d", x.dtype, data_format)
    if interpolation.lower() == "nearest":
        grad_x = g.reshape(batch, rows, size_r, cols, size_c, channels).sum(axis=(2, 4))
        return from_channels_last(grad_x, data_format)

    # bilinear: output (i, j) read four inputs; hand each its weighted share back
    row_lo, row_hi, row_frac = bilinear_source(rows, size_r)
    col_lo, col_hi, col_frac = bilinear_source(cols, size_c)
    g32 = g.astype(np.float32)
    one = np.float32(1)
    grad_x = np.zeros(x.shape, dtype=x.dtype)
    for row_index, row_weight in ((row_lo, one - row_frac), (row_hi, row_frac)):
        for col_index, col_weight in ((col_lo, one - col_frac), (col_hi, col_frac)):
            share = g32 * row_weight[:, None, None] * col_weight[:, None]  # float32
            index = (slice(None), row_index[:, None], col_index[None, :])
            np.add.at(grad_x, index, share.astype(x.dtype))
    return from_channels_last(grad_x, data_format)


# --------------------------------------------------------------------------
# numeric gradient check
# --------------------------------------------------------------------------
@dataclass
class GradcheckResult:
    """What :func:`gradcheck` found; truthy when every checked derivative agrees.

    Attributes
    ----------
    name : str
        The forward's name.
    ok : bool
        ``max_error <= tol``.
    max_error : float
        Largest ``|analytic - numeric| / max(1, |numeric|)`` over the checks
        (relative for large derivatives, absolute for small ones).
    tol : float
    worst : dict
        The worst check: ``argument`` (``"x"``, ``"kernel"``, ``"bias"``), ``index``
        (a tuple, or ``"random direction"``), ``analytic`` and ``numeric``.
    checked : dict
        What was checked, per argument (e.g. ``"24 elements"``).
    """

    name: str
    ok: bool
    max_error: float
    tol: float
    worst: dict = field(default_factory=dict)
    checked: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        what = ", ".join(f"{n} of {arg}" for arg, n in self.checked.items())
        text = (
            f"gradcheck {self.name}: {'OK' if self.ok else 'FAILED'}, max error "
            f"{self.max_error:.2g} (tol {self.tol:.0e}) over {what}"
        )
        if not self.ok:
            w = self.worst
            where = w["index"] if isinstance(w["index"], str) else list(w["index"])
            text += (
                f"; worst at {w['argument']}{where}: analytic {w['analytic']:.6g}, "
                f"numeric {w['numeric']:.6g}"
            )
        return text

    __repr__ = __str__


def _find_backward(f):
    """The ``<name>_backward`` of this module for a pooling_ref forward op ``f``."""
    backward = globals().get(f"{getattr(f, '__name__', '')}_backward")
    if backward is None:
        raise ValueError(
            f"No backward is known for {getattr(f, '__name__', f)!r}: pass one with "
            f"`backward=`. Received: f={f!r}"
        )
    return backward


def _probes(shape, max_elements: int, rng):
    """Directions to differentiate along: every element (one-hot), or a sample plus a random one."""
    size = math.prod(shape)
    if size <= max_elements:
        flat = range(size)
    else:
        flat = np.sort(rng.choice(size, size=max_elements, replace=False))
    for j in flat:
        index = tuple(int(i) for i in np.unravel_index(j, shape))
        direction = np.zeros(shape)
        direction[index] = 1.0
        yield index, direction
    if size > max_elements:
        yield "random direction", rng.standard_normal(shape)


def gradcheck(
    f,
    x,
    *,
    backward=None,
    grad_output=None,
    eps=1e-6,
    tol=1e-6,
    max_elements=1000,
    seed=0,
    raise_on_failure=False,
    **kwargs,
):
    """Compare a backward pass with central differences of its forward, in float64.

    The check uses the scalar ``L = sum(f(x, **kwargs) * grad_output)``, whose
    gradient is exactly what ``backward(grad_output, x, **kwargs)`` must return. For
    each element ``x[j]`` the numeric derivative is
    ``(L(x + eps e_j) - L(x - eps e_j)) / (2 eps)``, computed in float64.

    Two things break central differences, not the backward: a max whose window
    holds values closer than ``eps`` (max pooling has no derivative at a tie: use
    inputs whose values differ by much more than ``eps``), and a forward that
    rounds to float32 (Keras' bilinear upsampling, and so
    ``pooling_ref.upsampling2d(..., interpolation="bilinear")``, computes in
    float32 even for float64 input; it is linear, so use a large step such as
    ``eps=1.0``, which is exact for a linear op).

    Parameters
    ----------
    f : callable
        The forward op, e.g. :func:`pooling_ref.max_pool1d` or a learner's version.
    x : ndarray
        Forward input (values of order 1 are best); converted to float64.
    backward : callable or None
        ``backward(grad_output, x, **kwargs)``; ``None`` uses pooling_ref's
        ``<f.__name__>_backward``. A tuple result is read as the gradients for
        ``(x, kernel, bias)``, the ``conv*_backward`` convention (``None`` items are
        skipped).
    grad_output : ndarray or None
        ``dL/dy``; ``None`` draws a standard normal one (seeded by ``seed``).
    eps : float
        Central-difference step.
    tol : float
        Largest accepted ``|analytic - numeric| / max(1, |numeric|)``.
    max_elements : int
        An argument with more elements is checked on a random sample of this many
        elements plus one random direction over the whole array.
    seed : int
    raise_on_failure : bool
        Raise ``AssertionError`` naming the worst position instead of returning a
        failed result.
    **kwargs
        Keyword arguments of ``f`` (``pool_size=3``, ``kernel=k`` ...). ``kernel`` and
        ``bias`` arrays are converted to float64 too, and checked when the backward
        returns their gradients.

    Returns
    -------
    GradcheckResult
        Truthy when ``max_error <= tol``; prints as one line, e.g.
        ``gradcheck max_pool1d: OK, max error 1.7e-09 (tol 1e-06) over 12 elements of x``,
        or with ``FAILED`` and the worst position, analytic and numeric values.

    Examples
    --------
    >>> from pooling_ref import max_pool1d
    >>> x = np.random.default_rng(0).permutation(12).reshape(1, 6, 2)
    >>> bool(gradcheck(max_pool1d, x, pool_size=3, strides=1))
    True
    """
    backward = _find_backward(f) if backward is None else backward
    rng = np.random.default_rng(seed)
    arrays = {"x": np.array(as_float_array(x), dtype=np.float64)}
    for key in ("kernel", "bias"):
        if kwargs.get(key) is not None:
            arrays[key] = np.array(as_float_array(kwargs[key], key), dtype=np.float64)
    options = {k: v for k, v in kwargs.items() if k not in arrays}

    def forward(values):
        others = {k: v for k, v in values.items() if k != "x"}
        return np.asarray(f(values["x"], **others, **options), dtype=np.float64)

    if grad_output is None:
        grad_output = rng.standard_normal(forward(arrays).shape)
    grad_output = np.asarray(grad_output, dtype=np.float64)
    others = {k: v for k, v in arrays.items() if k != "x"}
    analytic = backward(grad_output, arrays["x"], **others, **options)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)

    worst = {"error": -1.0}
    checked = {}
    for arg, grad in zip(("x", "kernel", "bias"), analytic, strict=False):
        if grad is None or arg not in arrays:
            continue
        base, grad = arrays[arg], np.asarray(grad, dtype=np.float64)
        if grad.shape != base.shape:
            raise ValueError(
                f"The backward's gradient for `{arg}` must have shape {base.shape}. "
                f"Received: shape {grad.shape}"
            )
        n = 0
        for index, direction in _probes(base.shape, max_elements, rng):
            claimed = float(np.sum(grad * direction))
            # difference the outputs before weighting them: less cancellation than L(+) - L(-)
            change = forward({**arrays, arg: base + eps * direction}) - forward(
                {**arrays, arg: base - eps * direction}
            )
            numeric = float(np.sum(change * grad_output)) / (2 * eps)
            error = abs(claimed - numeric) / max(1.0, abs(numeric))
            error = np.inf if np.isnan(error) else error
            if error > worst["error"]:
                worst = {"argument": arg, "index": index, "analytic": claimed, "numeric": numeric}
                worst["error"] = error
            n += isinstance(index, tuple)
        checked[arg] = f"{n} elements" if n == base.size else f"{n} sampled elements + 1 direction"
    max_error = float(worst.pop("error"))
    result = GradcheckResult(getattr(f, "__name__", "f"), max_error <= tol, max_error, tol)
    result.worst, result.checked = worst, checked
    if raise_on_failure and not result.ok:
        raise AssertionError(str(result))
    return result
