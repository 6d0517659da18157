"""Convolution (Keras' cross-correlation), 1D and 2D, as Keras computes it.

``conv1d`` and ``conv2d`` are thin wrappers over one private N-d core,
:func:`_conv`. A convolution is a sum over kernel taps: for each tap ``k``
(a position inside the kernel) every output position ``i`` reads one input
position ``i * strides + k * dilation_rate - left`` and multiplies its
channel vector by the matrix ``kernel[k]`` of shape
``(in_channels // groups, filters)``. So the core does one matrix product
per tap, ``x_shifted @ kernel[k]``, and adds it into the output. Taps that
fall on padding contribute zero and are simply skipped (no padded copy is
built; :func:`pooling_ref._args.window_taps` says which outputs each tap reaches).

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

from ._args import (
    CONV1D_PADDINGS,
    CONV2D_PADDINGS,
    _is_int,
    as_float_array,
    channels_last_input,
    check_window_fits,
    from_channels_last,
    normalize_padding,
    normalize_tuple,
    window_taps,
)


def _check_groups(groups, in_channels: int, filters: int) -> int:
    if not _is_int(groups) or groups <= 0:
        raise ValueError(
            f"The `groups` argument must be a positive integer. Received: groups={groups!r}"
        )
    if filters % groups:
        raise ValueError(
            f"The number of filters must be divisible by `groups`. Received: groups={groups}, "
            f"filters={filters}"
        )
    return int(groups)


def _conv(x, kernel, bias, strides, padding, data_format, dilation_rate, groups, spatial_rank):
    """The one convolution core (see the module docstring)."""
    x, data_format = channels_last_input(x, spatial_rank, data_format)
    kernel_layout = "(" + "kernel_size, " * spatial_rank + "in_channels // groups, filters)"
    kernel = as_float_array(kernel, "kernel", spatial_rank + 2, kernel_layout)
    kernel = kernel.astype(x.dtype, copy=False)
    ksize, (cin_g, filters) = kernel.shape[:spatial_rank], kernel.shape[spatial_rank:]
    strides = normalize_tuple(strides, spatial_rank, "strides")
    dilation = normalize_tuple(dilation_rate, spatial_rank, "dilation_rate")
    allowed = CONV1D_PADDINGS if spatial_rank == 1 else CONV2D_PADDINGS
    padding = normalize_padding(padding, allowed)
    groups = _check_groups(groups, x.shape[-1], filters)
    if cin_g * groups != x.shape[-1]:
        raise ValueError(
            f"The kernel's input channels times `groups` must equal the input's channels. "
            f"Received: kernel.shape={kernel.shape}, groups={groups}, "
            f"input channels={x.shape[-1]}"
        )
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={strides} and dilation_rate={dilation}"
        )
    if 0 in ksize:
        raise ValueError(
            f"The kernel must have at least one tap. Received: kernel.shape={kernel.shape}"
        )
    effective = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation, strict=True))
    check_window_fits(
        x.shape[1:-1], effective, padding, f"kernel.shape={kernel.shape}, dilation_rate={dilation}"
    )
    if bias is not None:
        bias = as_float_array(bias, "bias", 1, "(filters,)").astype(x.dtype, copy=False)
        if bias.shape != (filters,):
            raise ValueError(
                f"`bias` must have shape (filters,)=({filters},). Received: bias.shape={bias.shape}"
            )

    # per spatial axis: output length and the taps that reach real input
    axes = [
        window_taps(length, k, s, padding, d)
        for length, k, s, d in zip(x.shape[1:-1], ksize, strides, dilation, strict=True)
    ]
    out = np.zeros((x.shape[0], *(n for n, _ in axes), filters), dtype=x.dtype)
    f_g = filters // groups
    for tap in itertools.product(*(taps for _, taps in axes)):
        src = x[
            (
                slice(None),
                *(
                    slice(a, a + (hi - lo - 1) * s + 1, s)
                    for (_, lo, hi, a), s in zip(tap, strides, strict=True)
                ),
            )
        ]
        dst = out[(slice(None), *(slice(lo, hi) for _, lo, hi, _ in tap))]
        weights = kernel[tuple(k for k, *_ in tap)]  # (in_channels // groups, filters)
        for g in range(groups):
            cin, cout = slice(g * cin_g, (g + 1) * cin_g), slice(g * f_g, (g + 1) * f_g)
            dst[..., cout] += src[..., cin] @ weights[:, cout]
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
