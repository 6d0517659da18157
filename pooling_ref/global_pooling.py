"""Global max and average pooling, 1D and 2D, as Keras computes them.

A global pooling layer is a pooling layer whose window is the whole input: it
reduces every spatial axis to one value per channel. The public functions
share one private core, :func:`_global_pool`.

Semantics pinned against Keras 3 / TensorFlow 2.21 (``tests/test_global_pooling.py``):

* global max pooling is TensorFlow's ``reduce_max``: a NaN anywhere in a
  channel wins (``[1, nan, 2] -> nan``) and ``-inf`` stays ``-inf``, unlike
  :func:`pooling_ref.max_pool1d`, whose windows skip NaN (a different kernel).
* ``keepdims=True`` keeps each reduced axis with length 1 where it was:
  ``(batch, 1, channels)`` channels_last, ``(batch, channels, 1)`` channels_first.
* ``GlobalAveragePooling1D`` with a ``mask`` of shape ``(batch, steps)``
  leaves masked (False) steps out of the mean:
  ``sum_t x[b, t, c] * mask[b, t] / sum_t mask[b, t]``. A row whose steps are
  all masked divides 0 by 0: Keras returns ``nan`` there, and so does this
  function.
"""

from __future__ import annotations

import numpy as np

from ._args import axis_slice, channels_last_input, from_channels_last


def _global_pool(x, spatial_rank, data_format, keepdims, op, mask=None):
    """The one global pooling core: reduce every spatial axis of ``x``."""
    x, data_format = channels_last_input(x, spatial_rank, data_format)
    axes = tuple(range(1, 1 + spatial_rank))
    if mask is None and op == "max":
        y = x
        for axis in axes:
            y = _fold_max(y, axis)
    elif mask is None:
        y = np.mean(x, axis=axes, keepdims=True)
    else:
        mask = _check_mask(mask, x.shape[:2], x.dtype)[:, :, None]
        with np.errstate(invalid="ignore", divide="ignore"):  # all-masked rows -> nan, as Keras
            y = np.sum(x * mask, axis=1, keepdims=True) / np.sum(mask, axis=1, keepdims=True)
    y = y.astype(x.dtype, copy=False)
    if not keepdims:
        return np.ascontiguousarray(y.reshape(y.shape[0], y.shape[-1]))
    return from_channels_last(y, data_format)


def _fold_max(x: np.ndarray, axis: int) -> np.ndarray:
    """Maximum over ``axis`` (kept with length 1), folding the axis in half until one step is left.

    The same values as ``np.max(x, axis, keepdims=True)``, several times faster
    when ``axis`` is not the last one: each fold is one vectorised ``np.maximum``
    of the first and the last half (an odd middle step joins step 0). The
    first fold writes a new array, so ``x`` itself is never written to.
    """

    def steps(a, start, stop):
        return a[axis_slice(a.ndim, axis, slice(start, stop))]

    y = x
    while y.shape[axis] > 1:
        length = y.shape[axis]
        half = length // 2
        first, last = steps(y, 0, half), steps(y, length - half, length)
        folded = np.maximum(first, last, out=None if y is x else first)
        if length % 2:  # the middle step
            np.maximum(steps(folded, 0, 1), steps(y, half, half + 1), out=steps(folded, 0, 1))
        y = folded
    return y if y is not x else x.copy()


def _check_mask(mask, expected_shape, dtype) -> np.ndarray:
    """Return ``mask`` as 0/1 values of ``dtype``; it must be ``(batch, steps)``."""
    arr = np.asarray(mask)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"`mask` must be an array of booleans (or 0/1 numbers). Received: mask with "
            f"dtype={arr.dtype}"
        )
    if arr.shape != tuple(expected_shape):
        raise ValueError(
            f"`mask` must have shape (batch, steps)={tuple(expected_shape)}. "
            f"Received: mask.shape={arr.shape}"
        )
    return (arr != 0).astype(dtype)


# --------------------------------------------------------------------------
# 1D
# --------------------------------------------------------------------------
def global_max_pool1d(x, data_format="channels_last", keepdims=False):
    """Maximum over all steps, like ``keras.layers.GlobalMaxPooling1D``.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
    data_format : {"channels_last", "channels_first"}
    keepdims : bool
        Keep the steps axis with length 1.

    Returns
    -------
    (batch, channels) ndarray
        ``y[b, c] = max_t x[b, t, c]``; with ``keepdims`` ``(batch, 1, channels)``
        (channels_first: ``(batch, channels, 1)``).

    Examples
    --------
    >>> x = np.array([[[0.7, -0.2], [0.8, -0.3], [0.2, -0.1]]])
    >>> global_max_pool1d(x)
    array([[ 0.8, -0.1]])
    """
    return _global_pool(x, 1, data_format, keepdims, "max")


def global_average_pool1d(x, mask=None, data_format="channels_last", keepdims=False):
    """Mean over all steps, like ``keras.layers.GlobalAveragePooling1D``.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
    mask : (batch, steps) bool ndarray or None
        False steps are left out of the mean (Keras' masking, e.g. from an
        ``Embedding(mask_zero=True)``). A row with every step masked gives ``nan``,
        as in Keras.
    data_format : {"channels_last", "channels_first"}
    keepdims : bool
        Keep the steps axis with length 1.

    Returns
    -------
    (batch, channels) ndarray
        ``y[b, c] = sum_t mask[b, t] * x[b, t, c] / sum_t mask[b, t]`` (all-True mask
        when ``mask`` is None); with ``keepdims`` ``(batch, 1, channels)``
        (channels_first: ``(batch, channels, 1)``).

    Examples
    --------
    >>> x = np.array([[[1.0], [2.0], [6.0]]])
    >>> global_average_pool1d(x)
    array([[3.]])
    >>> global_average_pool1d(x, mask=np.array([[True, True, False]]))
    array([[1.5]])
    """
    return _global_pool(x, 1, data_format, keepdims, "average", mask=mask)


# --------------------------------------------------------------------------
# 2D
# --------------------------------------------------------------------------
def global_max_pool2d(x, data_format="channels_last", keepdims=False):
    """Maximum over all rows and columns, like ``keras.layers.GlobalMaxPooling2D``.

    Parameters
    ----------
    x : (batch, rows, cols, channels) ndarray, or (batch, channels, rows, cols)
    data_format : {"channels_last", "channels_first"}
    keepdims : bool
        Keep the rows and cols axes with length 1.

    Returns
    -------
    (batch, channels) ndarray
        ``y[b, c] = max_{r, s} x[b, r, s, c]``; with ``keepdims``
        ``(batch, 1, 1, channels)`` (channels_first: ``(batch, channels, 1, 1)``).

    Examples
    --------
    >>> global_max_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[6., 7.]])
    """
    return _global_pool(x, 2, data_format, keepdims, "max")


def global_average_pool2d(x, data_format="channels_last", keepdims=False):
    """Mean over all rows and columns, like ``keras.layers.GlobalAveragePooling2D``.

    Parameters
    ----------
    x : (batch, rows, cols, channels) ndarray, or (batch, channels, rows, cols)
    data_format : {"channels_last", "channels_first"}
    keepdims : bool
        Keep the rows and cols axes with length 1.

    Returns
    -------
    (batch, channels) ndarray
        ``y[b, c] = mean_{r, s} x[b, r, s, c]``; with ``keepdims``
        ``(batch, 1, 1, channels)`` (channels_first: ``(batch, channels, 1, 1)``).

    Examples
    --------
    >>> global_average_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[3., 4.]])
    """
    return _global_pool(x, 2, data_format, keepdims, "average")
