"""Convolution (Keras' cross-correlation), 1D and 2D, as Keras computes it.

``conv1d`` and ``conv2d`` are thin wrappers over one private N-d core,
:func:`_conv`. A convolution is a sum over kernel taps: for each tap ``k``
(a position inside the kernel) every output position ``i`` reads one input
position ``i * strides + k * dilation_rate - left`` and multiplies its
channel vector by the matrix ``kernel[k]`` of shape
``(in_channels // groups, filters)``. Put side by side, the channel vectors
an output reads at all taps form one row ``(taps * in_channels,)``; stacking
these rows for every output gives the "im2col" matrix, and the whole
convolution is one matrix product of it with the kernel reshaped to
``(taps * in_channels, filters)``, which is what BLAS does fastest. Taps that
fall on padding read zeros; :func:`pooling_ref._args.window_taps` says which
outputs each tap reaches, and a tap that reaches no real input anywhere is
left out of the product.

Speed (``benchmarks/ref_vs_keras.py``): a big 1D convolution with
``strides=1``, ``dilation_rate=1`` and 2 to 5 taps takes a fast path that does
less than half the multiplications, Winograd's minimal filtering
(:mod:`pooling_ref._winograd`); everything else is the im2col product below.
The im2col matrix is ``taps`` times larger than the input, so it is never
built whole. The outputs are split into
blocks (whole samples, or rows of one sample) whose im2col matrix is about
:data:`IM2COL_BYTES`; the blocks run on pooling_ref's threads
(:mod:`pooling_ref._blocks`), each block one product with OpenBLAS held to
one thread (:mod:`pooling_ref._blas`).

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
* ``channels_first`` is the same computation with the channel axis moved. The
  tests compare through a transpose with Keras' channels_last layer, because
  Keras' own channels_first Conv1D/Conv2D cannot be trusted here (pinned in
  ``tests/test_claims.py``): with TensorFlow's oneDNN ops off (as
  :mod:`pooling_ref._quiet` sets) an ungrouped channels_first convolution has
  no CPU kernel and raises; grouped ones run (through XLA), and so do ungrouped
  ones with oneDNN on, but then Keras adds the bias along the wrong axis
  whenever the last (spatial) axis has as many entries as there are filters:
  ``keras.ops.add`` turns "tensor + bias" into ``tf.nn.bias_add`` and guesses
  the channels-last layout from that coincidence.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from . import _winograd
from ._args import (
    axis_slice,
    conv_arguments,
    from_channels_last,
    padding_amounts,
    tap_slices,
    window_taps,
)
from ._blas import single_threaded_blas
from ._blocks import run_blocks, sample_or_row_blocks

IM2COL_BYTES = 1 << 21  # im2col bytes per block (measured: 1.3-2 MiB fastest, 0.5 MiB 1.3x slower)


def _conv(x, kernel, bias, strides, padding, data_format, dilation_rate, groups, spatial_rank):
    """The one convolution core (see the module docstring)."""
    x, kernel, bias, strides, padding, data_format, dilation, groups = conv_arguments(
        x, kernel, bias, strides, padding, data_format, dilation_rate, groups, spatial_rank
    )
    batch, cin, filters = x.shape[0], x.shape[-1], kernel.shape[-1]
    cin_g, f_g = cin // groups, filters // groups
    # per spatial axis: output length and the taps that reach real input
    axes = [
        window_taps(length, k, s, padding, d)
        for length, k, s, d in zip(x.shape[1:-1], kernel.shape[:-2], strides, dilation, strict=True)
    ]
    out_lengths = [n for n, _ in axes]
    out = np.empty((batch, *out_lengths, filters), dtype=x.dtype)
    taps = list(itertools.product(*(axis_taps for _, axis_taps in axes)))  # the live taps
    if not taps:  # every output reads only padding: zero, plus the bias
        out[...] = 0 if bias is None else bias
        return from_channels_last(out, data_format)
    macs = out.size * math.prod(kernel.shape[:-1])  # multiply-adds of the plain product
    if spatial_rank == 1 and _winograd.applies(kernel.shape[0], *strides, *dilation, macs):
        left, _ = padding_amounts(x.shape[1], kernel.shape[0], 1, padding)
        with single_threaded_blas() as own_threads:
            _winograd.conv1d_into(out, x, kernel, bias, left, groups, threads=own_threads)
        return from_channels_last(out, data_format)
    # kernel rows of the live taps, one (taps * cin_g, f_g) matrix per group
    stacked = np.stack([kernel[tuple(k for k, *_ in tap)] for tap in taps])
    weights = [
        np.ascontiguousarray(stacked[..., g * f_g : (g + 1) * f_g].reshape(-1, f_g))
        for g in range(groups)
    ]

    def compute(block):  # one block: samples `b`, output rows `rows` (along the first axis)
        b, rows = block
        xb = x[b]
        chunk = [rows.stop - rows.start, *out_lengths[1:]]
        # im2col: cols[n, *position, g, t, c] = input channel g * cin_g + c read at tap t
        cols = np.empty((xb.shape[0], *chunk, groups, len(taps), cin_g), dtype=x.dtype)
        for t, tap in enumerate(taps):
            src, dst = [slice(None)], [slice(None)]
            for axis, (_, lo, hi, start) in enumerate(tap, start=1):
                stride = strides[axis - 1]
                offset = rows.start if axis == 1 else 0  # outputs of this block start here
                lo_b, hi_b = max(lo, offset), min(hi, offset + chunk[axis - 1])
                if lo_b >= hi_b:  # this tap reads only padding in this block
                    src = None
                    break
                read, _ = tap_slices(lo_b, hi_b, start + (lo_b - lo) * stride, stride)
                src.append(read)
                dst.append(slice(lo_b - offset, hi_b - offset))
                for pad in (slice(0, lo_b - offset), slice(hi_b - offset, None)):
                    cols[(*axis_slice(cols.ndim - 3, axis, pad), slice(None), t)] = 0
            if src is None:
                cols[..., t, :] = 0
                continue
            window = xb[tuple(src)]
            cols[(*dst, slice(None), t)] = window.reshape(*window.shape[:-1], groups, cin_g)
        target = out[b][:, rows]
        outputs = target.reshape(-1, filters)  # a view of `out` (see the blocks below)
        matrix = cols.reshape(outputs.shape[0], groups, -1)
        for g in range(groups):
            np.matmul(matrix[:, g], weights[g], out=outputs[:, g * f_g : (g + 1) * f_g])
        if bias is not None:  # a contiguous add: one inner loop, not one per output row
            np.add(outputs, bias_rows[: outputs.shape[0]], out=outputs)
        if not np.shares_memory(outputs, target):  # pragma: no cover - reshape had to copy
            target[...] = outputs.reshape(target.shape)

    # Blocks of whole samples whose im2col matrix is about IM2COL_BYTES; a sample whose
    # matrix is larger is split along its first output axis (so that out[b][:, rows] is
    # one contiguous piece of `out`, viewable as a matrix).
    row_bytes = math.prod(out_lengths[1:]) * len(taps) * cin * x.itemsize
    blocks = sample_or_row_blocks(batch, out_lengths[0], row_bytes, IM2COL_BYTES)
    if bias is not None:  # the bias repeated for the most output rows a block holds
        most_rows = max(len(range(batch)[b]) * (r.stop - r.start) for b, r in blocks)
        most_rows *= math.prod(out_lengths[1:])
        bias_rows = np.ascontiguousarray(np.broadcast_to(bias, (most_rows, filters)))
    with single_threaded_blas() as own_threads:
        run_blocks(compute, blocks, threads=own_threads)
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
