"""Convolution (Keras' cross-correlation), 1D and 2D, as Keras computes it.

``conv1d`` and ``conv2d`` are thin wrappers over one private N-d core,
:func:`_conv`. A convolution is a sum over kernel taps: for each tap ``k``
(a position inside the kernel) every output position ``i`` reads one input
position ``i * strides + k * dilation_rate - left`` and multiplies its
channel vector by the matrix ``kernel[k]`` of shape
``(in_channels // groups, filters)``. So the core does one matrix product
per tap, ``x @ kernel[k]`` (every input position at once, as one 2D product,
which is what BLAS does fastest), and adds to each output the row of the
input position it reads at that tap. Taps that fall on padding contribute
zero and are simply skipped: no padded copy is built,
:func:`pooling_ref._args.window_taps` says which outputs each tap reaches.
With ``strides > 1`` the product also covers positions no output reads;
that is the price of one large product per tap.

Semantics pinned against Keras 3 / TensorFlow 2.21 (``tests/test_conv.py``):

* Keras convolution does not flip the kernel (it is a cross-correlation).
* kernel shape ``(*kernel_size, in_channels // groups, filters)``; bias ``(filters,)``.
* ``dilation_rate`` spreads the taps: the kernel covers
  ``dilation_rate * (kernel_size - 1) + 1`` steps.
* ``same`` pads ``total // 2`` zeros on the left, the rest on the right;
  ``causal`` (1D only) pads ``dilation_rate * (kernel_size - 1)`` zeros on the
  left, so output ``t`` sees only inputs ``<= t``.
* Keras refuses ``strides > 1`` together with ``dilation_rate > 1``; so does
  this module, with Keras' message.
* ``groups``: the channels are split into ``groups`` consecutive blocks; block
  ``g`` of the input feeds block ``g`` of the filters only.
* ``channels_first`` is the same computation with the channel axis moved
  (Keras' TensorFlow backend cannot run channels_first convolutions on a CPU;
  the tests compare through a transpose).
"""

from __future__ import annotations

import itertools

import numpy as np

from ._args import conv_arguments, from_channels_last, tap_slices, window_taps


def _grouped_matmul(src: np.ndarray, weights: np.ndarray, groups: int) -> np.ndarray:
    """``src @ weights`` where channel block ``g`` of ``src`` meets filter block ``g`` only.

    ``src`` is ``(..., in_channels)``, ``weights`` ``(in_channels // groups, filters)``.
    """
    if groups == 1:
        return src @ weights
    cin_g, f_g = weights.shape[0], weights.shape[1] // groups
    blocks = [
        src[..., g * cin_g : (g + 1) * cin_g] @ weights[:, g * f_g : (g + 1) * f_g]
        for g in range(groups)
    ]
    return np.concatenate(blocks, axis=-1)


def _conv(x, kernel, bias, strides, padding, data_format, dilation_rate, groups, spatial_rank):
    """The one convolution core (see the module docstring)."""
    x, kernel, bias, strides, padding, data_format, dilation, groups = conv_arguments(
        x, kernel, bias, strides, padding, data_format, dilation_rate, groups, spatial_rank
    )
    ksize, filters = kernel.shape[:spatial_rank], kernel.shape[-1]

    # per spatial axis: output length and the taps that reach real input
    axes = [
        window_taps(length, k, s, padding, d)
        for length, k, s, d in zip(x.shape[1:-1], ksize, strides, dilation, strict=True)
    ]
    out = np.zeros((x.shape[0], *(n for n, _ in axes), filters), dtype=x.dtype)
    # Every (batch, position) row of x times kernel[k]: one big 2D matrix product per
    # tap (BLAS is fastest on few large products); each output then adds the row of
    # the input position it reads at that tap (a strided slice of the product).
    rows = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    for tap in itertools.product(*(taps for _, taps in axes)):
        weights = kernel[tuple(k for k, *_ in tap)]  # (in_channels // groups, filters)
        product = _grouped_matmul(rows, weights, groups).reshape(*x.shape[:-1], filters)
        index = [tap_slices(lo, hi, a, s) for (_, lo, hi, a), s in zip(tap, strides, strict=True)]
        out[(slice(None), *(o for _, o in index))] += product[(slice(None), *(i for i, _ in index))]
    if bias is not None:
        out += bias
    return from_channels_last(out, data_format)


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
    """1D convolution, like ``keras.layers.Conv1D`` (without its activation).

    Parameters
    ----------
    x : (batch, steps, in_channels) ndarray, or (batch, in_channels, steps) with channels_first
    kernel : (kernel_size, in_channels // groups, filters) ndarray
        ``layer.kernel`` of a Keras ``Conv1D``; cast to ``x``'s dtype.
    bias : (filters,) ndarray or None
    strides : int
    padding : {"valid", "same", "causal"}
        Case-insensitive. ``same`` pads ``total // 2`` zeros on the left and the
        rest on the right; ``causal`` pads ``dilation_rate * (kernel_size - 1)``
        zeros on the left only.
    data_format : {"channels_last", "channels_first"}
    dilation_rate : int
        Gap between taps. Cannot be combined with ``strides > 1`` (as in Keras).
    groups : int
        Input channels and filters are split into ``groups`` blocks; block ``g``
        of the filters sees block ``g`` of the channels only.

    Returns
    -------
    (batch, out_steps, filters) ndarray (channels_first: (batch, filters, out_steps))
        ``y[b, i, f] = bias[f] + sum_k sum_c x[b, i * strides + k * dilation_rate - left, c]
        * kernel[k, c, f]`` (no kernel flip; padded steps are zeros), with
        ``out_steps = (steps - dilation_rate * (kernel_size - 1) - 1) // strides + 1``
        (valid) or ``ceil(steps / strides)`` (same, causal).

    Examples
    --------
    A kernel of ones sums each window over all channels:

    >>> x = np.arange(8.0).reshape(1, 4, 2)
    >>> conv1d(x, np.ones((2, 2, 1)))[0, :, 0]
    array([ 6., 14., 22.])
    >>> conv1d(x, np.ones((2, 2, 1)), padding="causal")[0, :, 0]
    array([ 1.,  6., 14., 22.])
    """
    return _conv(x, kernel, bias, strides, padding, data_format, dilation_rate, groups, 1)


def conv2d(
    x,
    kernel,
    bias=None,
    strides=1,
    padding="valid",
    data_format="channels_last",
    dilation_rate=1,
    groups=1,
):
    """2D convolution, like ``keras.layers.Conv2D`` (without its activation).

    Parameters
    ----------
    x : (batch, rows, cols, in_channels) ndarray, or (batch, in_channels, rows, cols)
    kernel : (kernel_rows, kernel_cols, in_channels // groups, filters) ndarray
    bias : (filters,) ndarray or None
    strides : int or (int, int)
    padding : {"valid", "same"}
        Each spatial axis is padded as in :func:`conv1d`.
    data_format : {"channels_last", "channels_first"}
    dilation_rate : int or (int, int)
    groups : int

    Returns
    -------
    (batch, out_rows, out_cols, filters) ndarray (or channels_first)
        ``y[b, i, j, f] = bias[f] + sum_{k, l, c} x[b, i*s0 + k*d0 - top, j*s1 + l*d1 - left, c]
        * kernel[k, l, c, f]``; each output axis length follows the 1D rule.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> conv2d(x, np.ones((2, 2, 1, 1)))[0, :, :, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    return _conv(x, kernel, bias, strides, padding, data_format, dilation_rate, groups, 2)
