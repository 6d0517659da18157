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
running result and that slice; average pooling adds the slice, then divides
each window by its number of real steps.

Speed (``benchmarks/ref_vs_keras.py``): the passes over the taps are worked out
once per call (:func:`_plan_axis`) and then run block by block over the batch
(:func:`pooling_ref._blocks.over_batch`), so that a block's intermediate
results are still in the CPU cache for the next pass; taps that read the same
phase of a strided input share one contiguous copy of it.

Semantics pinned against Keras 3 / TensorFlow 2.21 (``tests/test_pooling.py``):

* output length: ``valid`` ``(length - pool_size) // strides + 1``,
  ``same`` ``ceil(length / strides)``; ``strides=None`` means ``pool_size``.
* ``same`` pads ``total // 2`` steps on the left and the rest on the right.
* max pooling never lets the padding win, even when every real value is
  negative (as if it padded with ``-inf``).
* max pooling skips NaN and never returns less than the dtype's lowest finite
  value: TensorFlow's kernel starts each window's running maximum at
  ``lowest`` and replaces it only by a strictly greater element. So
  ``[1, nan, 2] -> 2``, ``[nan, 1] -> 1``, and a window of only NaN and ``-inf``
  gives ``-3.4028235e38`` in float32 (``-1.7976931348623157e308`` in float64).
  (Global max pooling is a different kernel: there NaN wins, see
  :mod:`pooling_ref.global_pooling`.)
* average pooling with ``same`` divides by the number of *real* (unpadded)
  steps in each window, not by ``pool_size``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ._args import (
    axis_slice,
    from_channels_last,
    pool_arguments,
    tap_slices,
    window_taps,
)
from ._blocks import over_batch

# Where a pass reads: (phase, index). phase None: the input itself, x[index];
# phase p: the p-th contiguous phase copy (see _AxisPlan.phases), copies[p][index].
_Source = tuple[int | None, tuple[slice, ...]]


@dataclass(frozen=True)
class _AxisPlan:
    """The passes that pool one spatial axis, worked out once and reused by every block.

    Every index is a tuple of slices for a ``(batch, *spatial, channels)`` array
    that selects along the pooled axis only, so it applies to any block of the batch.

    Attributes
    ----------
    out_length : int
        Output length along the axis.
    phases : tuple of index
        Input slices ``x[phase::stride]`` (along the axis) that two or more taps
        read: each is copied once into a contiguous array, because NumPy is
        several times slower on strided operands than on contiguous ones.
    first : (source, source or None)
        The first pass writes all of ``out``: ``ufunc(a, b, out=out)`` over two
        taps that read a real step for every output, or a copy of ``a``.
    rest : tuple of (index, source)
        ``ufunc(out[index], source, out=out[index])`` for every other tap.
    counts : tuple of (index, int)
        Average pooling divides ``out[index]`` by the count: the number of real
        steps of those windows (``pool_size`` inside; fewer next to ``same`` padding).
    """

    out_length: int
    phases: tuple[tuple[slice, ...], ...]
    first: tuple[_Source, _Source | None]
    rest: tuple[tuple[tuple[slice, ...], _Source], ...]
    counts: tuple[tuple[tuple[slice, ...], int], ...]


def _plan_axis(ndim: int, axis: int, length: int, window: int, stride: int, padding: str):
    """The :class:`_AxisPlan` that pools ``axis`` (of an ``ndim``-d array) of the given length."""
    out_length, taps = window_taps(length, window, stride, padding)

    def along(sl):
        return axis_slice(ndim, axis, sl)

    # Taps k and k + stride read the same phase (start % stride) of the input,
    # shifted by one output: a phase read by two or more taps gets a contiguous copy.
    # (With strides 1 the one phase is the input itself, contiguous already.)
    phase_of = [start % stride for *_, start in taps]
    shared = [p for p in range(stride) if stride > 1 and phase_of.count(p) > 1]

    def source(lo, hi, start) -> _Source:  # what outputs lo:hi of one tap read
        if start % stride in shared:
            first = start // stride
            return shared.index(start % stride), along(slice(first, first + hi - lo))
        return None, along(tap_slices(lo, hi, start, stride)[0])

    # Some tap reads a real step for every output (the `same` padding is shorter
    # than the window): start from such taps, so that the first pass writes all of
    # `out`, from two of them at once when there are two.
    full = [tap for tap in taps if tap[1] == 0 and tap[2] == out_length]
    first = (source(*full[0][1:]), source(*full[1][1:]) if len(full) > 1 else None)
    rest = [tap for tap in taps if tap not in full[:2]]

    counts = np.zeros(out_length, dtype=np.int64)  # real steps per window
    for _, lo, hi, _ in taps:
        counts[lo:hi] += 1
    edges = [0, *(np.flatnonzero(np.diff(counts)) + 1).tolist(), out_length]
    return _AxisPlan(
        out_length=out_length,
        phases=tuple(along(slice(p, None, stride)) for p in shared),
        first=first,
        rest=tuple((along(slice(lo, hi)), source(lo, hi, start)) for _, lo, hi, start in rest),
        counts=tuple((along(slice(a, b)), int(counts[a])) for a, b in itertools.pairwise(edges)),
    )


def _run_axis(plan: _AxisPlan, x: np.ndarray, out: np.ndarray, ufunc, average: bool):
    """Pool one axis of ``x`` into ``out`` by ``plan``; ``ufunc`` combines two taps.

    ``ufunc`` is ``np.maximum`` (max pooling's fast path), ``np.fmax`` (its
    exact path, which skips NaN) or ``np.add`` (average pooling, then divided
    by the counts).
    """
    copies = [np.ascontiguousarray(x[index]) for index in plan.phases]

    def read(source: _Source) -> np.ndarray:
        phase, index = source
        return (x if phase is None else copies[phase])[index]

    a, b = plan.first
    if b is None:
        np.copyto(out, read(a))
    else:
        ufunc(read(a), read(b), out=out)
    for index, source in plan.rest:
        target = out[index]
        ufunc(target, read(source), out=target)
    if average:
        for index, count in plan.counts:
            target = out[index]
            np.divide(target, count, out=target)
    return out


def _pool(x, spatial_rank, pool_size, strides, padding, data_format, op):
    """The one pooling core: normalise, pool each batch block axis by axis, restore the layout.

    Max pooling's fast path, ``np.maximum``, propagates NaN, and is TensorFlow's
    rule (see the module docstring) whenever every result is above the dtype's
    lowest value. One ``min`` over each output block checks that; a block that
    fails (a NaN or ``-inf`` in it) is recomputed with ``np.fmax``, which skips
    NaN, and floored at ``lowest``.
    """
    x, pool, strides, padding, data_format = pool_arguments(
        x, spatial_rank, pool_size, strides, padding, data_format
    )
    ndim = x.ndim
    plans = [
        (axis, _plan_axis(ndim, axis, length, window, stride, padding))
        for axis, (length, window, stride) in enumerate(
            zip(x.shape[1:-1], pool, strides, strict=True), start=1
        )
    ]
    out = np.empty((x.shape[0], *(plan.out_length for _, plan in plans), x.shape[-1]), x.dtype)

    def pool_axes(xb, ob, ufunc, average):  # every axis but the last into a temporary
        for axis, plan in plans[:-1]:
            shape = list(xb.shape)
            shape[axis] = plan.out_length
            xb = _run_axis(plan, xb, np.empty(shape, xb.dtype), ufunc, average)
        _run_axis(plans[-1][1], xb, ob, ufunc, average)

    if op == "average":

        def pool_block(xb, ob):
            pool_axes(xb, ob, np.add, average=True)

    else:
        lowest = np.finfo(x.dtype).min

        def pool_block(xb, ob):
            pool_axes(xb, ob, np.maximum, average=False)
            if ob.size and not ob.min() > lowest:  # a NaN, -inf or lowest: TF's exact rule
                pool_axes(xb, ob, np.fmax, average=False)
                np.fmax(ob, lowest, out=ob)

    return from_channels_last(over_batch(pool_block, x, out), data_format)


# --------------------------------------------------------------------------
# 1D
# --------------------------------------------------------------------------
def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over steps, like ``keras.layers.MaxPooling1D``.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray, or (batch, channels, steps) with channels_first
        Float arrays keep their dtype; integer/bool arrays are pooled as float32 (the
        course's convention: Keras' ``MaxPooling1D`` keeps integer dtypes, raises for
        bool and returns float32 for float64).
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
