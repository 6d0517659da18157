"""Learner code pasted into the bundled sample submissions (see autograder/samples.py).

Not imported by the package: ``autograder.course.samples`` reads this file as text and
pastes functions from it into solution cells. Every function is NumPy only and
written differently from the course's solutions (sliding windows, index
gathers, ``einsum``), so the "correct" sample shows that the tests accept any
correct implementation, not one particular one.

* ``<name>`` is a correct implementation of the exercise ``<name>`` (same
  signature as ``pooling_ref.<name>``, or as the notebook's helper exercises
  ``pool_geometry`` and ``receptive_field``: every ``<name>`` has a ``check_<name>``);
* ``<mistake>__<name>`` is the same exercise with one typical mistake;
* ``_sample_*`` are helpers, pasted along with the functions that use them
  (the prefix keeps them from clashing with a notebook's own helpers).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# --------------------------------------------------------------------------- helpers


def _sample_int(value):
    """3, (3,) or [3] -> 3."""
    return int(np.ravel(value)[0])


def _sample_float_copy(x):
    """A copy of x as floats: float dtypes kept, ints and bools -> float32."""
    x = np.array(x, copy=True)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _sample_steps_last(x, data_format):
    """(batch, channels, steps) -> (batch, steps, channels) for channels_first."""
    return np.swapaxes(x, 1, 2) if data_format == "channels_first" else x


def _sample_same_pads(length, window, strides):
    """(left, right) padding of 'same': ceil(length / strides) outputs, extra step on the right."""
    out = -(-length // strides)
    total = max((out - 1) * strides + window - length, 0)
    return total // 2, total - total // 2


def _sample_pool_windows(x, pool_size, strides, padding, data_format, fill, pads=None):
    """Windows (batch, out, channels, pool) of the padded input and the real steps in each."""
    x = _sample_steps_last(_sample_float_copy(x), data_format)
    pool = _sample_int(pool_size)
    step = pool if strides is None else _sample_int(strides)
    left = right = 0
    if str(padding).lower() == "same":
        left, right = (pads or _sample_same_pads)(x.shape[1], pool, step)
    padded = np.pad(x, ((0, 0), (left, right), (0, 0)), constant_values=fill)
    real = np.pad(np.ones(x.shape[1]), (left, right))
    windows = sliding_window_view(padded, pool, axis=1)[:, ::step]
    counts = sliding_window_view(real, pool)[::step].sum(axis=1)
    return windows, counts, (left, step, x.shape[1])


def _sample_right_pads(length, window, strides):
    """The mistake: all of 'same' padding on the right."""
    out = -(-length // strides)
    return 0, max((out - 1) * strides + window - length, 0)


def _sample_taps(x, size, strides, padding, dilation_rate, pads=None):
    """Padded x (steps last), the input step of every (output, tap) pair, the left padding."""
    step, rate = _sample_int(strides), _sample_int(dilation_rate)
    span = (size - 1) * rate + 1
    mode = str(padding).lower()
    left = right = 0
    if mode == "same":
        left, right = (pads or _sample_same_pads)(x.shape[1], span, step)
    elif mode == "causal":
        left = span - 1
    padded = np.pad(x, ((0, 0), (left, right), (0, 0)))
    out = (padded.shape[1] - span) // step + 1
    taps = np.arange(out)[:, None] * step + np.arange(size)[None, :] * rate
    return padded, taps, left


def _sample_conv(x, kernel, bias, strides, padding, data_format, dilation_rate, groups, pads=None):
    """conv1d through an explicit gather of the taps: patches (batch, out, k, in_channels)."""
    x = _sample_steps_last(_sample_float_copy(x), data_format)
    kernel = np.asarray(kernel, dtype=x.dtype)
    size, group_in, filters = kernel.shape
    padded, taps, _ = _sample_taps(x, size, strides, padding, dilation_rate, pads)
    patches = padded[:, taps, :]
    per_group = filters // groups
    y = np.concatenate(
        [
            np.einsum(
                "botc,tcf->bof",
                patches[..., g * group_in : (g + 1) * group_in],
                kernel[..., g * per_group : (g + 1) * per_group],
            )
            for g in range(groups)
        ],
        axis=-1,
    )
    if bias is not None:
        y = y + np.asarray(bias, dtype=x.dtype)
    return _sample_steps_last(y.astype(x.dtype), data_format)


# --------------------------------------------------------------------------- correct


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    windows, _, _ = _sample_pool_windows(x, pool_size, strides, padding, data_format, -np.inf)
    return _sample_steps_last(windows.max(axis=-1), data_format)


def average_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    windows, counts, _ = _sample_pool_windows(x, pool_size, strides, padding, data_format, 0.0)
    y = (windows.sum(axis=-1) / counts[None, :, None]).astype(windows.dtype)
    return _sample_steps_last(y, data_format)


def global_max_pool1d(x, data_format="channels_last", keepdims=False):
    x = _sample_steps_last(_sample_float_copy(x), data_format)
    y = np.maximum.reduce(x, axis=1, keepdims=keepdims)
    return _sample_steps_last(y, data_format) if keepdims else y


def global_average_pool1d(x, mask=None, data_format="channels_last", keepdims=False):
    x = _sample_steps_last(_sample_float_copy(x), data_format)
    weights = np.ones(x.shape[:2]) if mask is None else np.asarray(mask, dtype=np.float64)
    y = np.einsum("bsc,bs->bc", x, weights) / weights.sum(axis=1, keepdims=True)
    y = y.astype(x.dtype)[:, None, :] if keepdims else y.astype(x.dtype)
    return _sample_steps_last(y, data_format) if keepdims else y


def conv1d(x, kernel, bias=None, strides=1, padding="valid", data_format="channels_last",
           dilation_rate=1, groups=1):  # fmt: skip
    return _sample_conv(x, kernel, bias, strides, padding, data_format, dilation_rate, groups)


def upsampling1d(x, size=2):
    x = _sample_float_copy(x)
    source = np.arange(x.shape[1] * _sample_int(size)) // _sample_int(size)
    return x[:, source, :]


def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid", data_format="channels_last"):
    x = _sample_float_copy(x)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    pool = np.broadcast_to(np.ravel(pool_size), (2,)).astype(int)
    step = pool if strides is None else np.broadcast_to(np.ravel(strides), (2,)).astype(int)
    pads = [(0, 0), (0, 0)]
    if str(padding).lower() == "same":
        pads = [_sample_same_pads(x.shape[1 + a], int(pool[a]), int(step[a])) for a in (0, 1)]
    padded = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=-np.inf)
    windows = sliding_window_view(padded, tuple(pool), axis=(1, 2))[:, :: step[0], :: step[1]]
    y = windows.max(axis=(-2, -1))
    return np.moveaxis(y, -1, 1) if data_format == "channels_first" else y


def max_pool1d_backward(
    grad_output, x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    windows, _, (left, step, length) = _sample_pool_windows(
        x, pool_size, strides, padding, data_format, -np.inf
    )
    g = _sample_steps_last(np.asarray(grad_output, dtype=windows.dtype), data_format)
    batch, out, channels, _ = windows.shape
    winner = np.arange(out)[None, :, None] * step + windows.argmax(axis=-1)  # first maximum
    grad = np.zeros((batch, windows.shape[1] * step + windows.shape[3] + length, channels))
    b, _, c = np.indices(winner.shape)
    np.add.at(grad, (b, winner, c), g)
    return _sample_steps_last(grad[:, left : left + length].astype(windows.dtype), data_format)


def average_pool1d_backward(
    grad_output, x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    windows, counts, (left, step, length) = _sample_pool_windows(
        x, pool_size, strides, padding, data_format, 0.0
    )
    g = _sample_steps_last(np.asarray(grad_output, dtype=np.float64), data_format)
    share = g / counts[None, :, None]
    pool = windows.shape[3]
    grad = np.zeros((g.shape[0], windows.shape[1] * step + pool + length, g.shape[2]))
    for i in range(windows.shape[1]):
        grad[:, i * step : i * step + pool] += share[:, i : i + 1]
    return _sample_steps_last(grad[:, left : left + length].astype(windows.dtype), data_format)


def conv1d_backward(grad_output, x, kernel, bias=None, strides=1, padding="valid",
                    data_format="channels_last", dilation_rate=1, groups=1):  # fmt: skip
    x = _sample_steps_last(_sample_float_copy(x), data_format)
    kernel = np.asarray(kernel, dtype=x.dtype)
    g = _sample_steps_last(np.asarray(grad_output, dtype=x.dtype), data_format)
    size, group_in, filters = kernel.shape
    padded, taps, left = _sample_taps(x, size, strides, padding, dilation_rate)
    patches = padded[:, taps, :]
    per_group = filters // groups
    grad_patches = np.zeros(patches.shape, dtype=x.dtype)
    grad_kernel = np.zeros(kernel.shape, dtype=x.dtype)
    for k in range(groups):
        cin, fout = (
            slice(k * group_in, (k + 1) * group_in),
            slice(k * per_group, (k + 1) * per_group),
        )
        grad_patches[..., cin] = np.einsum("bof,tcf->botc", g[..., fout], kernel[..., fout])
        grad_kernel[..., fout] = np.einsum("botc,bof->tcf", patches[..., cin], g[..., fout])
    grad_padded = np.zeros(padded.shape, dtype=x.dtype)
    for t in range(size):
        np.add.at(grad_padded, (slice(None), taps[:, t]), grad_patches[:, :, t])
    grad_x = _sample_steps_last(grad_padded[:, left : left + x.shape[1]], data_format)
    grad_bias = None if bias is None else g.sum(axis=(0, 1)).astype(x.dtype)
    return grad_x, grad_kernel, grad_bias


def upsampling1d_backward(grad_output, x, size=2):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    g = np.asarray(grad_output, dtype=dtype)
    grad = np.zeros(x.shape, dtype=dtype)
    for r in range(_sample_int(size)):
        grad += g[:, r :: _sample_int(size)]
    return grad


def pool_geometry(length, pool_size, strides=None, padding="valid"):
    step = pool_size if strides is None else strides
    if str(padding).lower() == "same":
        out = (length + step - 1) // step
        left, right = _sample_same_pads(length, pool_size, step)
        return (out, left, right)
    return (1 + (length - pool_size) // step, 0, 0)


def receptive_field(layers):
    # from the output back to the input: each layer widens the field it must see
    field = 1
    for layer in reversed(list(layers)):
        field = (field - 1) * layer.get("strides", 1) + (
            (layer["kernel_size"] - 1) * layer.get("dilation_rate", 1) + 1
        )
    return field


def softmax_cross_entropy(logits, labels):
    # log-sum-exp with the row max taken out, one-hot built with np.eye
    logits = np.asarray(logits)
    top = logits.max(axis=1, keepdims=True)
    log_norm = top + np.log(np.sum(np.exp(logits - top), axis=1, keepdims=True))
    one_hot = np.eye(logits.shape[1], dtype=logits.dtype)[np.asarray(labels, dtype=int)]
    loss = np.sum(one_hot * (log_norm - logits)) / logits.shape[0]
    return float(loss), (np.exp(logits - log_norm) - one_hot) / logits.shape[0]


# --------------------------------------------------------------------------- mistakes


def strides_one__max_pool1d(
    x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    # mistake: strides=None taken as 1 instead of pool_size
    windows, _, _ = _sample_pool_windows(x, pool_size, strides or 1, padding, data_format, -np.inf)
    return _sample_steps_last(windows.max(axis=-1), data_format)


def strides_one__average_pool1d(
    x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    # mistake: strides=None taken as 1 instead of pool_size
    windows, counts, _ = _sample_pool_windows(x, pool_size, strides or 1, padding, data_format, 0.0)
    y = (windows.sum(axis=-1) / counts[None, :, None]).astype(windows.dtype)
    return _sample_steps_last(y, data_format)


def right_pad__max_pool1d(
    x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    # mistake: all of 'same' padding on the right
    windows, _, _ = _sample_pool_windows(
        x, pool_size, strides, padding, data_format, -np.inf, pads=_sample_right_pads
    )
    return _sample_steps_last(windows.max(axis=-1), data_format)


def count_padding__average_pool1d(
    x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    # mistake: the padded zeros count in the average (divides by pool_size)
    windows, _, _ = _sample_pool_windows(x, pool_size, strides, padding, data_format, 0.0)
    return _sample_steps_last(windows.mean(axis=-1).astype(windows.dtype), data_format)


def no_keepdims__global_max_pool1d(x, data_format="channels_last", keepdims=False):
    # mistake: keepdims ignored
    x = _sample_steps_last(_sample_float_copy(x), data_format)
    return np.maximum.reduce(x, axis=1)


def ignore_mask__global_average_pool1d(x, mask=None, data_format="channels_last", keepdims=False):
    # mistake: the mask is ignored, padded steps are averaged too
    x = np.asarray(x)
    x = x.astype(x.dtype if x.dtype.kind == "f" else np.float32)
    return x.mean(axis=1 if data_format == "channels_last" else 2, keepdims=keepdims)


def no_dilation__conv1d(x, kernel, bias=None, strides=1, padding="valid",
                        data_format="channels_last", dilation_rate=1, groups=1):  # fmt: skip
    # mistake: dilation_rate ignored
    return _sample_conv(x, kernel, bias, strides, padding, data_format, 1, groups)


def right_pad__conv1d(x, kernel, bias=None, strides=1, padding="valid", data_format="channels_last",
                      dilation_rate=1, groups=1):  # fmt: skip
    # mistake: all of 'same' padding on the right
    return _sample_conv(
        x, kernel, bias, strides, padding, data_format, dilation_rate, groups, _sample_right_pads
    )


def keep_one__upsampling1d_backward(grad_output, x, size=2):
    # mistake (the seed's): keeps the gradient of one copy per block instead of summing
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    return np.asarray(grad_output, dtype=dtype)[:, :: _sample_int(size)]


def all_ties__max_pool1d_backward(
    grad_output, x, pool_size=2, strides=None, padding="valid", data_format="channels_last"
):
    # mistake: every maximum of a window gets the gradient, not only the first
    windows, _, (left, step, length) = _sample_pool_windows(
        x, pool_size, strides, padding, data_format, -np.inf
    )
    g = _sample_steps_last(np.asarray(grad_output, dtype=np.float64), data_format)
    is_max = windows == windows.max(axis=-1, keepdims=True)
    pool = windows.shape[3]
    grad = np.zeros((g.shape[0], windows.shape[1] * step + pool + length, g.shape[2]))
    for i in range(windows.shape[1]):
        grad[:, i * step : i * step + pool] += np.swapaxes(is_max[:, i], 1, 2) * g[:, i : i + 1]
    return _sample_steps_last(grad[:, left : left + length].astype(windows.dtype), data_format)


def no_shift__softmax_cross_entropy(logits, labels):
    # the mistake: np.exp of the raw logits (exp(1000) overflows to inf, inf / inf = nan)
    logits = np.asarray(logits)
    probs = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    rows = np.arange(logits.shape[0])
    labels = np.asarray(labels, dtype=int)
    grad = probs.copy()
    grad[rows, labels] -= 1.0
    return float(-np.mean(np.log(probs[rows, labels]))), grad / logits.shape[0]


def sum_gradient__softmax_cross_entropy(logits, labels):
    # the mistake: the loss is the batch mean, the gradient is that of the sum (no / batch)
    logits = np.asarray(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    rows = np.arange(logits.shape[0])
    labels = np.asarray(labels, dtype=int)
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1.0
    return float(-np.mean(log_probs[rows, labels])), grad
