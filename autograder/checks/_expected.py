"""Expected shapes and parameter counts of Keras layers, computed without Keras.

Test cells build their expected answers here (and with the 1D helpers of
:mod:`autograder.checks._answers`) so that they run where Keras is not
available (the trusted verdict). Every formula is pinned against the real
Keras layer in ``tests/autograder/course/test_expected_values.py``.

Shapes are ``ExpectedShape`` tuples and counts ``ExpectedCount`` ints that
also know typical wrong answers (see :func:`autograder.checks.check_shape_answer`).
"""

from __future__ import annotations

from pooling_ref._args import (
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    output_length,
)

from ._answers import ExpectedCount, ExpectedShape


def _spatial(input_shape, rank: int, data_format: str):
    """(batch, spatial dims, channels) of an input shape."""
    data_format = normalize_data_format(data_format)
    shape = tuple(input_shape)
    if len(shape) != rank + 2:
        raise ValueError(
            f"expected an input shape of {rank + 2} entries (batch, {rank} spatial, channels). "
            f"Received: input_shape={input_shape!r}"
        )
    if data_format == "channels_first":
        return shape[0], shape[2:], shape[1], data_format
    return shape[0], shape[1:-1], shape[-1], data_format


def _assemble(batch, dims, channels, data_format) -> tuple:
    if data_format == "channels_first":
        return (batch, channels, *dims)
    return (batch, *dims, channels)


def expected_pool2d_shape(
    input_shape, pool_size=(2, 2), strides=None, padding="valid", data_format="channels_last"
) -> ExpectedShape:
    """Output shape of MaxPooling2D / AveragePooling2D.

    Examples
    --------
    >>> expected_pool2d_shape((8, 30, 30, 32), pool_size=3, strides=2)
    (8, 14, 14, 32)
    """
    batch, dims, channels, data_format = _spatial(input_shape, 2, data_format)
    padding = normalize_padding(padding)
    pools = normalize_tuple(pool_size, 2, "pool_size")
    steps = normalize_tuple(pools if strides is None else strides, 2, "strides")
    out = [output_length(n, p, s, padding) for n, p, s in zip(dims, pools, steps, strict=True)]
    mistakes = {}
    if padding == "valid":
        wrong = [(n - p + 1) // s for n, p, s in zip(dims, pools, steps, strict=True)]
        mistakes[_assemble(batch, wrong, channels, data_format)] = (
            "that is (size - pool_size + 1) // strides: Keras gives (size - pool_size) // strides "
            "+ 1 windows with 'valid'"
        )
        same = [-(-n // s) for n, s in zip(dims, steps, strict=True)]
        mistakes[_assemble(batch, same, channels, data_format)] = (
            "that is the 'same' size: 'valid' keeps only the windows that fit"
        )
    else:
        valid = [output_length(n, p, s, "valid") if n >= p else 0
                 for n, p, s in zip(dims, pools, steps, strict=True)]  # fmt: skip
        mistakes[_assemble(batch, valid, channels, data_format)] = (
            "that is the 'valid' size: 'same' gives ceil(size / strides)"
        )
    return ExpectedShape(_assemble(batch, out, channels, data_format), mistakes)


def expected_conv2d_shape(
    input_shape,
    filters,
    kernel_size,
    strides=1,
    padding="valid",
    dilation_rate=1,
    data_format="channels_last",
) -> ExpectedShape:
    """Output shape of Conv2D.

    Examples
    --------
    >>> expected_conv2d_shape((8, 32, 32, 16), filters=32, kernel_size=3)
    (8, 30, 30, 32)
    """
    batch, dims, channels, data_format = _spatial(input_shape, 2, data_format)
    padding = normalize_padding(padding)
    kernel = normalize_tuple(kernel_size, 2, "kernel_size")
    steps = normalize_tuple(strides, 2, "strides")
    dilation = normalize_tuple(dilation_rate, 2, "dilation_rate")
    out = [
        output_length(n, k, s, padding, d)
        for n, k, s, d in zip(dims, kernel, steps, dilation, strict=True)
    ]
    mistakes = {
        _assemble(batch, out, channels, data_format): (
            "the output has `filters` channels, not the input's channel count"
        )
    }
    if padding == "valid":
        mistakes[_assemble(batch, dims, filters, data_format)] = (
            "that is the 'same' size: 'valid' keeps only the positions where the kernel fits"
        )
    else:
        valid = [output_length(n, k, s, "valid", d) if n >= d * (k - 1) + 1 else 0
                 for n, k, s, d in zip(dims, kernel, steps, dilation, strict=True)]  # fmt: skip
        mistakes[_assemble(batch, valid, filters, data_format)] = (
            "that is the 'valid' size: 'same' gives ceil(size / strides)"
        )
    return ExpectedShape(_assemble(batch, out, filters, data_format), mistakes)


def expected_conv2d_params(in_channels, filters, kernel_size, use_bias=True, groups=1):
    """Trainable parameters of Conv2D: ``kh * kw * in_channels // groups * filters (+ filters)``.

    Examples
    --------
    >>> expected_conv2d_params(3, 16, 3)
    448
    """
    kh, kw = normalize_tuple(kernel_size, 2, "kernel_size")
    weights = kh * kw * (in_channels // groups) * filters
    bias = filters if use_bias else 0
    mistakes = {
        weights: "the bias is missing: Conv2D has one bias per filter (use_bias=True)",
        kh * kw * filters + bias: "each filter has kh * kw weights PER input channel",
        kh * kw * in_channels + bias: "there are kh * kw * in_channels weights per filter",
    }
    return ExpectedCount(weights + bias, mistakes)


def expected_global_pool_shape(input_shape, data_format="channels_last", keepdims=False):
    """Output shape of GlobalMax/AveragePooling1D/2D (the rank follows ``input_shape``).

    Examples
    --------
    >>> expected_global_pool_shape((8, 7, 7, 64))
    (8, 64)
    """
    shape = tuple(input_shape)
    batch, dims, channels, data_format = _spatial(shape, len(shape) - 2, data_format)
    if keepdims:
        value = _assemble(batch, [1] * len(dims), channels, data_format)
        return ExpectedShape(value, {(batch, channels): "keepdims=True keeps the pooled axes as 1"})
    return ExpectedShape((batch, channels), {shape: "global pooling removes the spatial axes"})


def expected_dense_params(in_features, units, use_bias=True):
    """Trainable parameters of Dense: ``in_features * units (+ units)``.

    Examples
    --------
    >>> expected_dense_params(16, 3)
    51
    """
    weights = in_features * units
    bias = units if use_bias else 0
    return ExpectedCount(
        weights + bias, {weights: "the bias is missing: Dense has one bias per unit"}
    )


def expected_dense_shape(input_shape, units):
    """Output shape of Dense: the last axis becomes ``units``.

    Examples
    --------
    >>> expected_dense_shape((None, 16), 1)
    (None, 1)
    """
    return ExpectedShape((*tuple(input_shape)[:-1], units))


def expected_lstm_params(in_features, units, use_bias=True):
    """Trainable parameters of LSTM: 4 gates/candidate, each ``units * (in + units) (+ units)``.

    Examples
    --------
    >>> expected_lstm_params(10, 16)
    1728
    """
    per_gate = units * (in_features + units) + (units if use_bias else 0)
    mistakes = {
        per_gate: "an LSTM has four weight sets (input, forget, output gates and the candidate)",
        3 * per_gate: "an LSTM has four weight sets: three gates plus the candidate",
        4 * units * (in_features + 1): "each gate also has recurrent weights (units x units)",
    }
    return ExpectedCount(4 * per_gate, mistakes)


def expected_lstm_shape(input_shape, units, return_sequences=False):
    """Output shape of LSTM on ``(batch, steps, features)``.

    Examples
    --------
    >>> expected_lstm_shape((None, 6, 10), 16, return_sequences=True)
    (None, 6, 16)
    """
    batch, steps, _ = tuple(input_shape)
    if return_sequences:
        return ExpectedShape(
            (batch, steps, units), {(batch, units): "return_sequences=True keeps every step"}
        )
    return ExpectedShape(
        (batch, units), {(batch, steps, units): "without return_sequences only the last step"}
    )


def expected_upsampling1d_shape(input_shape, size=2):
    """Output shape of UpSampling1D: the steps axis times ``size``.

    Examples
    --------
    >>> expected_upsampling1d_shape((16, 22, 8), 2)
    (16, 44, 8)
    """
    batch, steps, channels = tuple(input_shape)
    return ExpectedShape((batch, steps * size, channels))


def expected_conv1d_transpose_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    """Output shape of Conv1DTranspose (no output_padding, no dilation, channels_last).

    ``'same'``: ``steps * strides``; ``'valid'``: ``(steps - 1) * strides + max(kernel_size,
    strides)``.

    Examples
    --------
    >>> expected_conv1d_transpose_shape((16, 22, 8), 16, 4, strides=2, padding="same")
    (16, 44, 16)
    """
    batch, steps, channels = tuple(input_shape)
    padding = normalize_padding(padding)
    (k,) = normalize_tuple(kernel_size, 1, "kernel_size")
    (s,) = normalize_tuple(strides, 1, "strides")
    out = steps * s if padding == "same" else (steps - 1) * s + max(k, s)
    return ExpectedShape(
        (batch, out, filters), {(batch, out, channels): "the output has `filters` channels"}
    )
