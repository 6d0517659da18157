"""Argument normalisation and the shape rules, said once for the whole package.

Every public function in :mod:`pooling_ref` normalises its arguments here, at
the top, and then works on plain tuples of ints and lower-case strings. Error
messages follow Keras' wording: they name the argument and the value received,
for example ``The `pool_size` argument must be a tuple of 1 integers.
Received: pool_size=0``.

The output-length rules (checked against Keras 3.15 with the TensorFlow 2.21
backend, see ``tests/test_shapes.py``)::

    valid:          out = floor((length - effective_window) / strides) + 1
    same, causal:   out = ceil(length / strides) = floor((length - 1) / strides) + 1

where ``effective_window = dilation_rate * (window - 1) + 1`` (the window
itself for pooling). The often-quoted ``(length - pool_size + 1) / strides`` is
wrong whenever ``strides > 1``: for ``length=6, pool_size=2, strides=2`` it
gives 2.5, while Keras gives ``(6 - 2) // 2 + 1 = 3`` windows (starting at
steps 0, 2 and 4).

How ``same`` pads (TensorFlow's rule): the total padding is
``max((out - 1) * strides + effective_window - length, 0)``; the left side gets
``total // 2`` and the right side the rest, so an odd total puts the extra
element on the *right*. ``causal`` (Conv1D only) pads ``dilation_rate *
(kernel_size - 1)`` zeros on the left and nothing on the right.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

DATA_FORMATS = ("channels_last", "channels_first")
POOL_PADDINGS = ("valid", "same")
CONV1D_PADDINGS = ("valid", "same", "causal")
CONV2D_PADDINGS = ("valid", "same")


# --------------------------------------------------------------------------
# scalar arguments
# --------------------------------------------------------------------------
def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def normalize_tuple(value, n: int, name: str, *, allow_zero: bool = False) -> tuple[int, ...]:
    """Return ``value`` as a tuple of ``n`` positive ints (an int is repeated).

    Raises ``ValueError`` naming ``name`` and the value received when the value
    is not an int / sequence of ``n`` ints, or when an entry is ``<= 0``
    (``< 0`` with ``allow_zero``).
    """
    if _is_int(value):
        values = (int(value),) * n
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
        values = tuple(value)
        if len(values) != n or not all(_is_int(v) for v in values):
            raise ValueError(
                f"The `{name}` argument must be a tuple of {n} integers. Received: {name}={value!r}"
            )
        values = tuple(int(v) for v in values)
    else:
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers. Received: {name}={value!r}"
        )
    bad = [v for v in values if (v < 0 if allow_zero else v <= 0)]
    if bad:
        rule = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers. Received: "
            f"{name}={value!r}, including values {one_of(sorted(set(bad)))} "
            f"that do not satisfy `value {rule}`"
        )
    return values


def one_of(choices) -> str:
    """``{'valid', 'same'}``: the choices in a fixed order (a set's order varies by run)."""
    return "{" + ", ".join(repr(c) for c in choices) + "}"


def normalize_padding(padding, allowed: tuple[str, ...] = POOL_PADDINGS) -> str:
    """Lower-case ``padding`` and check it is one of ``allowed`` (Keras is case-insensitive)."""
    if not isinstance(padding, str) or padding.lower() not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {one_of(allowed)}. "
            f"Received: padding={padding!r}"
        )
    return padding.lower()


def normalize_data_format(data_format) -> str:
    """Return ``"channels_last"`` or ``"channels_first"`` (``None`` means channels_last)."""
    if data_format is None:
        return "channels_last"
    if not isinstance(data_format, str) or data_format.lower() not in DATA_FORMATS:
        raise ValueError(
            f"The `data_format` argument must be one of {one_of(DATA_FORMATS)}. "
            f"Received: data_format={data_format!r}"
        )
    return data_format.lower()


# --------------------------------------------------------------------------
# arrays
# --------------------------------------------------------------------------
def as_float_array(x, name: str = "x", ndim: int | None = None, layout: str = "") -> np.ndarray:
    """Check ``x`` is a numeric array of rank ``ndim`` and return it as a float array.

    This is the course's dtype convention, not Keras': floating dtypes are kept
    (float32 in, float32 out, float64 in, float64 out); integer and boolean inputs
    become float32 (Keras' default ``floatx``). Keras 3 / TF 2.21 layers differ
    (pinned in ``tests/test_claims.py``): under the default dtype policy every
    layer returns float32 for float64 input; ``MaxPooling1D``, ``GlobalMaxPooling1D``
    and ``UpSampling1D`` keep integer dtypes (int32 in, int32 out), the last two
    keep bool too, while ``MaxPooling1D`` raises for bool; ``AveragePooling1D`` and
    ``Conv1D`` raise for integer and boolean input; ``GlobalAveragePooling1D``
    returns float32 for all of them. The input is never modified: callers that
    write into the result must copy it first.

    Raises ``TypeError`` for non-numeric data (strings, objects, complex) and
    ``ValueError`` for the wrong rank, naming the expected layout.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(
            f"`{name}` must be a numeric array. Received: {name} of type {type(x).__name__}"
        ) from exc
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float32)
    elif arr.dtype.kind != "f":
        raise TypeError(
            f"`{name}` must be a real-valued numeric array. Received: {name} with dtype={arr.dtype}"
        )
    if ndim is not None and arr.ndim != ndim:
        expected = f" {layout}" if layout else ""
        raise ValueError(
            f"`{name}` must have rank {ndim}{expected}. Received: {name}.shape={arr.shape}"
        )
    return arr


def to_channels_last(x: np.ndarray, data_format: str) -> np.ndarray:
    """Move the channel axis of a channels_first array to the end (a view, no copy)."""
    if data_format == "channels_first":
        return np.moveaxis(x, 1, -1)
    return x


def from_channels_last(y: np.ndarray, data_format: str) -> np.ndarray:
    """Inverse of :func:`to_channels_last`; returns a contiguous array."""
    if data_format == "channels_first":
        y = np.moveaxis(y, -1, 1)
    return np.ascontiguousarray(y)


# --------------------------------------------------------------------------
# shape rules
# --------------------------------------------------------------------------
def _window_check(length: int, window: int, padding: str, what: str, received: str) -> None:
    if padding == "valid" and window > length:
        raise ValueError(
            f"With padding='valid' the {what} must fit in the input. Received: {received} "
            f"for an input of length {length}"
        )


def output_length(length: int, window: int, stride: int, padding: str, dilation: int = 1) -> int:
    """Number of output positions along one axis (ints already normalised).

    ``valid``: ``(length - effective_window) // stride + 1``; ``same`` and
    ``causal``: ``ceil(length / stride)``.
    """
    effective = dilation * (window - 1) + 1
    if padding == "valid":
        return (length - effective) // stride + 1
    return -(-length // stride)


def padding_amounts(
    length: int, window: int, stride: int, padding: str, dilation: int = 1
) -> tuple[int, int]:
    """``(left, right)`` padding along one axis, exactly as TensorFlow pads.

    ``valid`` pads nothing; ``same`` pads ``total // 2`` on the left and the
    remainder on the right; ``causal`` pads ``dilation * (window - 1)`` on the
    left only.
    """
    effective = dilation * (window - 1) + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return effective - 1, 0
    out = output_length(length, window, stride, padding, dilation)
    total = max((out - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


def pooled_length(length, pool_size, strides=None, padding="valid") -> int:
    """Output length of a 1D pooling layer (MaxPooling1D / AveragePooling1D).

    Parameters
    ----------
    length : int
        Number of steps in the input.
    pool_size : int
        Window length.
    strides : int or None
        Step between windows; ``None`` means ``pool_size`` (Keras' default).
    padding : {"valid", "same"}
        Case-insensitive.

    Returns
    -------
    int
        ``valid``: ``(length - pool_size) // strides + 1``;
        ``same``: ``ceil(length / strides)``.

    Examples
    --------
    >>> pooled_length(4, 2, 1)
    3
    >>> pooled_length(6, 2, 2, "same")
    3
    """
    (length,) = normalize_tuple(length, 1, "length", allow_zero=True)
    (pool,) = normalize_tuple(pool_size, 1, "pool_size")
    (stride,) = normalize_tuple(pool if strides is None else strides, 1, "strides")
    padding = normalize_padding(padding, POOL_PADDINGS)
    _window_check(length, pool, padding, "pool window", f"pool_size={pool}")
    return output_length(length, pool, stride, padding)


def conv_output_length(length, kernel_size, strides=1, padding="valid", dilation_rate=1) -> int:
    """Output length of a 1D convolution (Conv1D).

    Parameters
    ----------
    length : int
        Number of steps in the input.
    kernel_size : int
        Number of taps of the kernel.
    strides : int
    padding : {"valid", "same", "causal"}
        Case-insensitive.
    dilation_rate : int
        Gap between taps; the kernel covers ``dilation_rate * (kernel_size - 1) + 1`` steps.

    Returns
    -------
    int
        ``valid``: ``(length - dilation_rate * (kernel_size - 1) - 1) // strides + 1``;
        ``same`` and ``causal``: ``ceil(length / strides)``.

    Examples
    --------
    >>> conv_output_length(50, 4, padding="same")
    50
    >>> conv_output_length(10, 3, dilation_rate=2)
    6
    """
    (length,) = normalize_tuple(length, 1, "length", allow_zero=True)
    (k,) = normalize_tuple(kernel_size, 1, "kernel_size")
    (stride,) = normalize_tuple(strides, 1, "strides")
    (dilation,) = normalize_tuple(dilation_rate, 1, "dilation_rate")
    padding = normalize_padding(padding, CONV1D_PADDINGS)
    effective = dilation * (k - 1) + 1
    _window_check(
        length, effective, padding, "dilated kernel", f"kernel_size={k}, dilation_rate={dilation}"
    )
    return output_length(length, k, stride, padding, dilation)


def window_taps(
    length: int, window: int, stride: int, padding: str, dilation: int = 1
) -> tuple[int, list[tuple[int, int, int, int]]]:
    """Which input step each window tap reads, without building a padded copy.

    Output position ``i`` reads, at tap ``k`` (``0 <= k < window``), the input
    step ``i * stride + k * dilation - left`` (``left`` from
    :func:`padding_amounts`). Steps outside ``[0, length)`` are padding.

    Returns
    -------
    out_length : int
        :func:`output_length` of the axis.
    taps : list of (k, lo, hi, start)
        For each tap ``k`` that reads at least one real step: the outputs
        ``lo <= i < hi`` whose tap lands inside the input, and the input step
        ``start`` read by output ``lo``. Output ``lo + j`` reads step
        ``start + j * stride``; the outputs outside ``[lo, hi)`` read padding.

    Examples
    --------
    >>> window_taps(5, 2, 2, "same")  # same pads (0, 1): the last window is half padding
    (3, [(0, 0, 3, 0), (1, 0, 2, 1)])
    """
    out = output_length(length, window, stride, padding, dilation)
    left, _ = padding_amounts(length, window, stride, padding, dilation)
    taps = []
    for k in range(window):
        offset = k * dilation - left  # input step read by output 0
        lo = max(0, -(offset // stride))  # first i with i * stride + offset >= 0
        hi = min(out, (length - 1 - offset) // stride + 1)  # first i past the input's end
        if lo < hi:
            taps.append((k, lo, hi, lo * stride + offset))
    return out, taps


def axis_slice(ndim: int, axis: int, sl: slice) -> tuple[slice, ...]:
    """Index tuple that applies ``sl`` to ``axis`` of an ``ndim``-d array."""
    index = [slice(None)] * ndim
    index[axis] = sl
    return tuple(index)


def tap_slices(lo: int, hi: int, start: int, stride: int) -> tuple[slice, slice]:
    """``(input_slice, output_slice)`` of one tap from :func:`window_taps`.

    The outputs ``lo:hi`` read the input steps ``start, start + stride, ...``.
    """
    return slice(start, start + (hi - lo - 1) * stride + 1, stride), slice(lo, hi)


_SPATIAL_NAMES = {1: ("steps",), 2: ("rows", "cols")}


def layout(spatial_rank: int, data_format: str) -> str:
    """Human-readable input layout, e.g. ``(batch, steps, channels)``."""
    spatial = ", ".join(_SPATIAL_NAMES[spatial_rank])
    if data_format == "channels_first":
        return f"(batch, channels, {spatial})"
    return f"(batch, {spatial}, channels)"


def channels_last_input(
    x, spatial_rank: int, data_format, name: str = "x"
) -> tuple[np.ndarray, str]:
    """Normalise ``data_format`` and ``x`` once, for every layer-like function.

    Returns ``(x_channels_last, data_format)``: ``x`` as a float array of rank
    ``spatial_rank + 2`` seen channels-last (a view of the input when no dtype
    conversion is needed; never written to), and the lower-cased data format
    needed to put the output back with :func:`from_channels_last`.
    """
    data_format = normalize_data_format(data_format)
    arr = as_float_array(x, name, spatial_rank + 2, layout(spatial_rank, data_format))
    return to_channels_last(arr, data_format), data_format


def check_window_fits(spatial: tuple[int, ...], window, padding: str, received: str) -> None:
    """Raise ``ValueError`` if a ``valid`` window is longer than the input along any axis.

    ``window`` holds the (effective, i.e. dilated) window length per spatial
    axis; ``received`` is the argument text for the message, e.g. ``"pool_size=5"``.
    """
    for length, w in zip(spatial, window, strict=True):
        _window_check(length, w, padding, "window", received)


def pool_arguments(x, spatial_rank: int, pool_size, strides, padding, data_format):
    """Normalise the arguments of a pooling function (max or average, 1D or 2D) at once.

    Returns ``(x, pool_size, strides, padding, data_format)``: ``x`` seen
    channels-last (:func:`channels_last_input`), ``pool_size`` and ``strides``
    as tuples of ``spatial_rank`` ints (``strides=None`` means ``pool_size``),
    ``padding`` lower-cased. Raises if a ``valid`` window is longer than the input.
    """
    x, data_format = channels_last_input(x, spatial_rank, data_format)
    pool = normalize_tuple(pool_size, spatial_rank, "pool_size")
    strides = pool if strides is None else normalize_tuple(strides, spatial_rank, "strides")
    padding = normalize_padding(padding, POOL_PADDINGS)
    check_window_fits(x.shape[1:-1], pool, padding, f"pool_size={pool_size!r}")
    return x, pool, strides, padding, data_format


def conv_arguments(x, kernel, bias, strides, padding, data_format, dilation_rate, groups, rank):
    """Normalise the arguments of ``conv1d`` / ``conv2d`` (``rank`` 1 or 2) at once.

    Returns ``(x, kernel, bias, strides, padding, data_format, dilation_rate, groups)``
    with ``x`` channels-last, ``kernel`` of shape
    ``(*kernel_size, in_channels // groups, filters)`` and ``bias`` (or None) cast to
    ``x``'s dtype, ``strides`` and ``dilation_rate`` as tuples of ``rank`` ints.

    Raises ``ValueError`` (as Keras does) when the kernel's channels do not
    match the input, ``filters`` is not divisible by ``groups``, ``strides > 1``
    is combined with ``dilation_rate > 1``, the bias is not ``(filters,)``, or a
    ``valid`` dilated kernel is longer than the input.
    """
    x, data_format = channels_last_input(x, rank, data_format)
    kernel_layout = "(" + "kernel_size, " * rank + "in_channels // groups, filters)"
    kernel = as_float_array(kernel, "kernel", rank + 2, kernel_layout).astype(x.dtype, copy=False)
    ksize, (cin_g, filters) = kernel.shape[:rank], kernel.shape[rank:]
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    padding = normalize_padding(padding, CONV1D_PADDINGS if rank == 1 else CONV2D_PADDINGS)
    if not _is_int(groups) or groups <= 0:
        raise ValueError(
            f"The `groups` argument must be a positive integer. Received: groups={groups!r}"
        )
    if filters % groups:
        raise ValueError(
            "The number of filters must be evenly divisible by the number of groups. "
            f"Received: groups={groups}, filters={filters}"
        )
    if 0 in kernel.shape or cin_g * groups != x.shape[-1]:
        raise ValueError(
            "The kernel's input channels times `groups` must equal the input's channels. "
            f"Received: kernel.shape={kernel.shape}, groups={groups}, "
            f"input channels={x.shape[-1]}"
        )
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={strides} and dilation_rate={dilation}"
        )
    effective = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation, strict=True))
    received = f"kernel.shape={kernel.shape}, dilation_rate={dilation_rate!r}"
    check_window_fits(x.shape[1:-1], effective, padding, received)
    if bias is not None:
        bias = as_float_array(bias, "bias", 1, "(filters,)").astype(x.dtype, copy=False)
        if bias.shape != (filters,):
            raise ValueError(
                f"`bias` must have shape (filters,)=({filters},). Received: bias.shape={bias.shape}"
            )
    return x, kernel, bias, strides, padding, data_format, dilation, int(groups)
