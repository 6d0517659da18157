"""Loop-based "textbook" versions of the 1D ops: one output value at a time.

Each function here has the signature of the fast function of the same name in
:mod:`pooling_ref` and returns the same array (``tests/test_naive.py``: max
pooling, global max pooling and upsampling bit for bit, the sums to float
rounding). They are written to be read next to the course notebooks, not to be
fast: plain ``for`` loops over batch, output position, window tap and channel,
with the padding written out as "skip the steps outside the input".

Argument checking and the shape rules are shared with the fast versions
(:mod:`pooling_ref._args`), so both raise the same errors.
"""

from __future__ import annotations

import numpy as np

from ._args import (
    channels_last_input,
    conv_arguments,
    from_channels_last,
    normalize_tuple,
    output_length,
    padding_amounts,
    pool_arguments,
)
from .global_pooling import _check_mask


def _window_steps(i: int, window: int, stride: int, left: int, steps: int):
    """The real input steps read by output ``i`` (the padded ones are left out)."""
    first = i * stride - left
    return [t for t in range(first, first + window) if 0 <= t < steps]


def window_max(values):
    """The maximum of a pooling window, found as TensorFlow's max pooling kernel finds it.

    The running maximum starts at the dtype's lowest finite value and is replaced
    only by a strictly greater value. So a NaN never wins (``nan > best`` is
    False) and a window of only NaN or ``-inf`` gives the lowest finite value.
    """
    best = np.finfo(values[0].dtype).min
    for value in values:
        if value > best:
            best = value
    return best


def largest(values):
    """The largest of ``values``, one at a time; a NaN anywhere wins (global max pooling's rule)."""
    best = values[0]
    for value in values[1:]:
        if value > best or np.isnan(value):
            best = value
    return best


def mean(values):
    """Sum of ``values`` (added one at a time, in the input's dtype) over their count."""
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total / len(values)


def _pool_loops(x, pool_size, strides, padding, data_format, window_value):
    """``y[b, i, c] = window_value(the real values of window i, channel c)``: pooling in loops."""
    x, (pool,), (stride,), padding, data_format = pool_arguments(
        x, 1, pool_size, strides, padding, data_format
    )
    batch, steps, channels = x.shape
    out_steps = output_length(steps, pool, stride, padding)
    left, _ = padding_amounts(steps, pool, stride, padding)
    y = np.empty((batch, out_steps, channels), dtype=x.dtype)
    for b in range(batch):
        for i in range(out_steps):
            window = _window_steps(i, pool, stride, left, steps)
            for c in range(channels):
                y[b, i, c] = window_value([x[b, t, c] for t in window])
    return from_channels_last(y, data_format)


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Loop version of :func:`pooling_ref.max_pool1d`.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
    pool_size, strides, padding, data_format
        As in :func:`pooling_ref.max_pool1d`.

    Returns
    -------
    (batch, out_steps, channels) ndarray (channels_first: (batch, channels, out_steps))
        ``y[b, i, c] = max over the real steps t of window i of x[b, t, c]``, by
        :func:`window_max`: NaN never wins, and the result is never below the
        dtype's lowest finite value.

    Examples
    --------
    >>> max_pool1d(np.array([[[1.0], [3.0], [2.0]]]), pool_size=2, strides=1)[0, :, 0]
    array([3., 3.])
    >>> max_pool1d(np.array([[[np.nan], [1.0], [-np.inf]]]), pool_size=1)[0, :, 0]
    array([-1.79769313e+308,  1.00000000e+000, -1.79769313e+308])
    """
    return _pool_loops(x, pool_size, strides, padding, data_format, window_max)


def average_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Loop version of :func:`pooling_ref.average_pool1d`.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
    pool_size, strides, padding, data_format
        As in :func:`pooling_ref.average_pool1d`.

    Returns
    -------
    (batch, out_steps, channels) ndarray (channels_first: (batch, channels, out_steps))
        ``y[b, i, c] = (sum over the real steps t of window i of x[b, t, c]) / (their count)``.

    Examples
    --------
    >>> average_pool1d(np.array([[[1.0], [2.0], [3.0]]]), padding="same")[0, :, 0]
    array([1.5, 3. ])
    """
    return _pool_loops(x, pool_size, strides, padding, data_format, mean)


def global_max_pool1d(x, data_format="channels_last", keepdims=False):
    """Loop version of :func:`pooling_ref.global_max_pool1d`.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
    data_format, keepdims
        As in :func:`pooling_ref.global_max_pool1d`.

    Returns
    -------
    (batch, channels) ndarray (keepdims: (batch, 1, channels) or (batch, channels, 1))
        ``y[b, c] = max_t x[b, t, c]``.

    Examples
    --------
    >>> global_max_pool1d(np.array([[[1.0, -4.0], [3.0, -5.0]]]))
    array([[ 3., -4.]])
    """
    x, data_format = channels_last_input(x, 1, data_format)
    batch, steps, channels = x.shape
    y = np.empty((batch, 1, channels), dtype=x.dtype)
    for b in range(batch):
        for c in range(channels):
            y[b, 0, c] = largest([x[b, t, c] for t in range(steps)])
    return from_channels_last(y, data_format) if keepdims else y[:, 0, :]


def global_average_pool1d(x, mask=None, data_format="channels_last", keepdims=False):
    """Loop version of :func:`pooling_ref.global_average_pool1d`.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
    mask : (batch, steps) bool ndarray or None
    data_format, keepdims
        As in :func:`pooling_ref.global_average_pool1d`.

    Returns
    -------
    (batch, channels) ndarray (keepdims: (batch, 1, channels) or (batch, channels, 1))
        ``y[b, c] = (sum of x[b, t, c] over kept steps t) / (number of kept steps)``;
        ``nan`` when no step is kept, as in Keras.

    Examples
    --------
    >>> global_average_pool1d(np.array([[[1.0], [2.0], [6.0]]]), mask=np.array([[1, 1, 0]]))
    array([[1.5]])
    """
    x, data_format = channels_last_input(x, 1, data_format)
    batch, steps, channels = x.shape
    keep = (
        np.ones((batch, steps), dtype=bool)
        if mask is None
        else _check_mask(mask, (batch, steps), x.dtype) > 0
    )
    y = np.empty((batch, 1, channels), dtype=x.dtype)
    for b in range(batch):
        kept = [t for t in range(steps) if keep[b, t]]
        for c in range(channels):
            y[b, 0, c] = mean([x[b, t, c] for t in kept]) if kept else np.nan  # nan as Keras
    return from_channels_last(y, data_format) if keepdims else y[:, 0, :]


def conv1d(
    x,
    kernel,
    bias=None,
    strides=1,
    padding="valid",
    data_format="channels_last",
    dilation_rate=1,
    groups=1,
):
    """Loop version of :func:`pooling_ref.conv1d`.

    Parameters
    ----------
    x : (batch, steps, in_channels) ndarray, or (batch, in_channels, steps) with channels_first
    kernel : (kernel_size, in_channels // groups, filters) ndarray
    bias : (filters,) ndarray or None
    strides, padding, data_format, dilation_rate, groups
        As in :func:`pooling_ref.conv1d`.

    Returns
    -------
    (batch, out_steps, filters) ndarray (channels_first: (batch, filters, out_steps))
        ``y[b, i, f] = bias[f] + sum over taps k reading a real step t and over the
        channels c of f's group of x[b, t, c] * kernel[k, c - first channel of the group, f]``.

    Examples
    --------
    >>> conv1d(np.arange(8.0).reshape(1, 4, 2), np.ones((2, 2, 1)))[0, :, 0]
    array([ 6., 14., 22.])
    """
    x, kernel, bias, (stride,), padding, data_format, (dilation,), groups = conv_arguments(
        x, kernel, bias, strides, padding, data_format, dilation_rate, groups, 1
    )
    batch, steps, _ = x.shape
    kernel_size, group_channels, filters = kernel.shape
    group_filters = filters // groups
    out_steps = output_length(steps, kernel_size, stride, padding, dilation)
    left, _ = padding_amounts(steps, kernel_size, stride, padding, dilation)
    y = np.empty((batch, out_steps, filters), dtype=x.dtype)
    for b in range(batch):
        for i in range(out_steps):
            for f in range(filters):
                first_channel = (f // group_filters) * group_channels
                total = x.dtype.type(0)
                for k in range(kernel_size):
                    t = i * stride + k * dilation - left
                    if not 0 <= t < steps:
                        continue  # a padded step: zero, adds nothing
                    for c in range(group_channels):
                        total += x[b, t, first_channel + c] * kernel[k, c, f]
                y[b, i, f] = total if bias is None else total + bias[f]
    return from_channels_last(y, data_format)


def upsampling1d(x, size=2):
    """Loop version of :func:`pooling_ref.upsampling1d`.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray
    size : int

    Returns
    -------
    (batch, steps * size, channels) ndarray
        ``y[b, t, c] = x[b, t // size, c]``.

    Examples
    --------
    >>> upsampling1d(np.array([[[1.0], [2.0]]]))[0, :, 0]
    array([1., 1., 2., 2.])
    """
    x, _ = channels_last_input(x, 1, "channels_last")
    (size,) = normalize_tuple(size, 1, "size")
    batch, steps, channels = x.shape
    y = np.empty((batch, steps * size, channels), dtype=x.dtype)
    for b in range(batch):
        for t in range(steps * size):
            for c in range(channels):
                y[b, t, c] = x[b, t // size, c]
    return y
