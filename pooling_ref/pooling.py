"""Max and average pooling, 1D and 2D, exactly as Keras (TensorFlow backend) computes them.

The public functions are thin: they normalise their arguments once (see
:mod:`pooling_ref._args`) and call one private N-d core, :func:`_pool`.

How the core works. Max and sum are *separable*: the max over a 2D window is
the max over its rows of the max over its columns. So the core pools one
spatial axis at a time. Along one axis, output ``i`` of a window of
``pool_size`` taps reads the input steps ``i * strides + k - left`` for
``k = 0 .. pool_size - 1`` (``left`` is the ``same`` padding on the left).
Instead of building a padded copy, the core walks the taps: for tap ``k``
the outputs that read a real step form one range, and the steps they read
form one strided slice of the input. Max pooling takes ``np.maximum`` of the
running result and that slice; average pooling adds the slice and counts,
per output, how many real steps it has added.

Semantics pinned against Keras 3 / TensorFlow 2.21 (``tests/test_pooling.py``):

* output length: ``valid`` ``(length - pool_size) // strides + 1``,
  ``same`` ``ceil(length / strides)``; ``strides=None`` means ``pool_size``.
* ``same`` pads ``total // 2`` steps on the left and the rest on the right.
* max pooling pads with ``-inf``: a padded step never wins, even when every
  real value is negative.
* average pooling with ``same`` divides by the number of *real* (unpadded)
  steps in each window, not by ``pool_size``.
"""

from __future__ import annotations

import itertools

import numpy as np

from ._args import (
    axis_slice,
    from_channels_last,
    output_length,
    pool_arguments,
    tap_slices,
    window_taps,
)
from ._blocks import over_batch


def _pool_axis(x: np.ndarray, axis: int, window: int, stride: int, padding: str, op: str, out):
    """Max (``op="max"``) or mean (``op="average"``) of windows along one ``axis``, into ``out``.

    The mean divides each window's sum by its number of real steps. Pooling
    axis by axis is exact for the max, and for the mean too: every row of a 2D
    window has the same number of real columns, so the mean of the row means
    is the mean of the window.
    """
    out_len, taps = window_taps(x.shape[axis], window, stride, padding)
    ufunc = np.maximum if op == "max" else np.add

    def views(lo, hi, start):  # (input slice, output slice) of one tap along `axis`
        src, dst = tap_slices(lo, hi, start, stride)
        return x[axis_slice(x.ndim, axis, src)], out[axis_slice(x.ndim, axis, dst)]

    # Some tap reads a real step for every output (the `same` padding is
    # shorter than the window). Start from such taps so `out` is written in
    # full first: from two of them in one pass when there are two.
    full = [tap for tap in taps if tap[1] == 0 and tap[2] == out_len]
    rest = [tap for tap in taps if tap not in full[:2]]
    if len(full) >= 2:
        ufunc(views(*full[0][1:])[0], views(*full[1][1:])[0], out=out)
    else:
        np.copyto(out, views(*full[0][1:])[0])
    for _, lo, hi, start in rest:
        src, dst = views(lo, hi, start)
        ufunc(dst, src, out=dst)
    if op == "average":
        counts = np.zeros(out_len, dtype=np.int64)  # real steps per window
        for _, lo, hi, _ in taps:
            counts[lo:hi] += 1
        # divide each run of windows with the same count by that count (a scalar
        # divisor keeps this one fast pass; the runs are the interior and the edges)
        edges = [0, *(np.flatnonzero(np.diff(counts)) + 1).tolist(), out_len]
        for start, stop in itertools.pairwise(edges):
            part = out[axis_slice(out.ndim, axis, slice(start, stop))]
            np.divide(part, int(counts[start]), out=part)
    return out


def _pool(x, spatial_rank, pool_size, strides, padding, data_format, op):
    """The one pooling core: normalise, pool axis by axis, restore the layout."""
    x, pool, strides, padding, data_format = pool_arguments(
        x, spatial_rank, pool_size, strides, padding, data_format
    )
    axes = list(enumerate(zip(pool, strides, strict=True), start=1))

    def pool_block(xb, ob):  # a block of the batch; every axis but the last into temporaries
        for axis, (window, stride) in axes[:-1]:
            shape = list(xb.shape)
            shape[axis] = output_length(xb.shape[axis], window, stride, padding)
            xb = _pool_axis(xb, axis, window, stride, padding, op, np.empty(shape, xb.dtype))
        axis, (window, stride) = axes[-1]
        _pool_axis(xb, axis, window, stride, padding, op, ob)

    out_spatial = [
        output_length(length, window, stride, padding)
        for length, window, stride in zip(x.shape[1:-1], pool, strides, strict=True)
    ]
    out = np.empty((x.shape[0], *out_spatial, x.shape[-1]), dtype=x.dtype)
    return from_channels_last(over_batch(pool_block, x, out), data_format)


# --------------------------------------------------------------------------
# 1D
# --------------------------------------------------------------------------
def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over steps, like ``keras.layers.MaxPooling1D``.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
        Float arrays keep their dtype; integer/bool arrays are pooled as float32.
    pool_size : int
        Window length.
    strides : int or None
        Step between windows; ``None`` (default) means ``pool_size``.
    padding : {"valid", "same"}
        Case-insensitive. ``same`` pads ``total // 2`` steps on the left and the
        rest on the right with ``-inf``, so padding never wins the max.
    data_format : {"channels_last", "channels_first"}

    Returns
    -------
    (batch, out_steps, channels) ndarray (channels_first: (batch, channels, out_steps))
        ``y[b, i, c] = max_k x[b, i * strides + k - left, c]`` over the real steps of
        the window, with ``out_steps = (steps - pool_size) // strides + 1`` (valid) or
        ``ceil(steps / strides)`` (same).

    Examples
    --------
    >>> x = np.array([[[0.7, -0.2, 0.1], [0.8, -0.3, 0.2], [0.2, -0.1, 0.4], [0.4, -0.4, 0.8]]])
    >>> max_pool1d(x, pool_size=2, strides=1)
    array([[[ 0.8, -0.2,  0.2],
            [ 0.8, -0.1,  0.4],
            [ 0.4, -0.1,  0.8]]])
    """
    return _pool(x, 1, pool_size, strides, padding, data_format, "max")


def average_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Average pooling over steps, like ``keras.layers.AveragePooling1D``.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
    pool_size : int
    strides : int or None
        ``None`` (default) means ``pool_size``.
    padding : {"valid", "same"}
        Case-insensitive. With ``same`` each window is divided by the number of
        *real* steps it covers (padding is left out of the mean, as in Keras).
    data_format : {"channels_last", "channels_first"}

    Returns
    -------
    (batch, out_steps, channels) ndarray (channels_first: (batch, channels, out_steps))
        ``y[b, i, c] = sum_k x[b, i * strides + k - left, c] / n_real(i)``, summing the
        real steps of window ``i`` only; ``out_steps`` as in :func:`max_pool1d`.

    Examples
    --------
    >>> x = np.array([[[1.0], [2.0], [3.0], [4.0], [5.0]]])
    >>> average_pool1d(x, pool_size=2, padding="same")[0, :, 0]  # last window: 5 / 1
    array([1.5, 3.5, 5. ])
    """
    return _pool(x, 1, pool_size, strides, padding, data_format, "average")


# --------------------------------------------------------------------------
# 2D
# --------------------------------------------------------------------------
def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over rows and columns, like ``keras.layers.MaxPooling2D``.

    Parameters
    ----------
    x : (batch, rows, cols, channels) ndarray, or (batch, channels, rows, cols)
    pool_size : int or (int, int)
    strides : int, (int, int) or None
        ``None`` (default) means ``pool_size``.
    padding : {"valid", "same"}
        Applied to each spatial axis independently, as in :func:`max_pool1d`.
    data_format : {"channels_last", "channels_first"}

    Returns
    -------
    (batch, out_rows, out_cols, channels) ndarray (or channels_first)
        The maximum of each ``pool_size`` window; each output axis length follows
        the 1D rule.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> max_pool2d(x)[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    return _pool(x, 2, pool_size, strides, padding, data_format, "max")


def average_pool2d(x, pool_size=(2, 2), strides=None, padding="valid", data_format="channels_last"):
    """Average pooling over rows and columns, like ``keras.layers.AveragePooling2D``.

    Parameters
    ----------
    x : (batch, rows, cols, channels) ndarray, or (batch, channels, rows, cols)
    pool_size : int or (int, int)
    strides : int, (int, int) or None
        ``None`` (default) means ``pool_size``.
    padding : {"valid", "same"}
        With ``same`` each window is divided by its number of real elements.
    data_format : {"channels_last", "channels_first"}

    Returns
    -------
    (batch, out_rows, out_cols, channels) ndarray (or channels_first)
        The mean of the real elements of each window.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> average_pool2d(x)[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    return _pool(x, 2, pool_size, strides, padding, data_format, "average")
