"""The catalogue of learner implementations the checks must judge: right ones and known-wrong ones.

``CATALOGUE`` lists known-wrong implementations (:class:`WrongImpl`): each is a
complete, self-contained Python source defining the function the notebook
asks for, with one typical mistake, and the fragment of the hint its check
must print. ``CORRECT`` lists right implementations written differently from
pooling_ref (a loop version and a vectorised version per exercise): every
check must accept them. ``CHEATS`` entries (in ``CATALOGUE`` too) call Keras,
TensorFlow or pooling_ref and must fail with the NumPy-only message.

Most wrong entries are a correct source with one line changed
(:func:`_mutate`), so the mistake is exactly that line. Other tests (the
notebook harness, sample submissions) reuse these entries::

    from wrong_implementations import CATALOGUE, CORRECT, load
    fn = load(CATALOGUE[0])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WrongImpl:
    """A known-wrong implementation and the hint fragment its check must show."""

    exercise: str  # function name the notebook asks for, e.g. "max_pool1d"
    name: str  # e.g. "right_only_same_padding"
    source: str  # self-contained source defining `exercise` (imports numpy as np inside)
    hint: str  # fragment the check's message must contain


@dataclass(frozen=True)
class CorrectImpl:
    """A right implementation written differently from pooling_ref."""

    exercise: str
    name: str
    source: str


def load(impl: WrongImpl | CorrectImpl) -> Callable:
    """Execute ``impl.source`` in a fresh namespace and return the function it defines."""
    namespace: dict = {"__name__": f"learner_{impl.exercise}_{impl.name}"}
    exec(compile(impl.source, f"<{impl.exercise}:{impl.name}>", "exec"), namespace)
    return namespace[impl.exercise]


def _mutate(source: str, old: str, new: str, count: int = 1) -> str:
    """``source`` with ``old`` replaced by ``new``; ``old`` must occur exactly ``count`` times."""
    found = source.count(old)
    if found != count:
        raise ValueError(f"{old!r} occurs {found} times in the source, expected {count}")
    return source.replace(old, new)


# --------------------------------------------------------------------------
# max_pool1d / average_pool1d
# --------------------------------------------------------------------------
POOL1D_LOOP = """
import numpy as np


def {name}(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    if x.dtype.kind in "biu":  # the course's convention: int and bool input give float32
        x = x.astype(np.float32)
    if strides is None:
        strides = pool_size
    if data_format == "channels_first":
        x = x.transpose(0, 2, 1)
    batch, length, channels = x.shape
    if padding.lower() == "same":
        n_out = (length + strides - 1) // strides
        pad_total = max((n_out - 1) * strides + pool_size - length, 0)
        pad_left = pad_total // 2
    else:
        n_out = (length - pool_size) // strides + 1
        pad_left = 0
    y = np.zeros((batch, n_out, channels), dtype=x.dtype)
    for i in range(n_out):
        start = i * strides - pad_left
        window = x[:, max(start, 0) : min(start + pool_size, length), :]
        y[:, i, :] = window.{reduce}(axis=1)
    if data_format == "channels_first":
        y = y.transpose(0, 2, 1)
    return y
"""

POOL1D_VECTORISED = """
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def {name}(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    x = np.asarray(x)
    if x.dtype.kind in "biu":  # the course's convention: int and bool input give float32
        x = x.astype(np.float32)
    strides = pool_size if strides is None else strides
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, 2)
    length = x.shape[1]
    if padding.lower() == "same":
        out = -(-length // strides)
        total = max((out - 1) * strides + pool_size - length, 0)
        left = total // 2
        # NaN marks padding: nanmax / nanmean leave it out
        x = np.pad(x, ((0, 0), (left, total - left), (0, 0)), constant_values=np.nan)
    windows = sliding_window_view(x, pool_size, axis=1)[:, ::strides]
    y = np.{nanreduce}(windows, axis=-1)
    if data_format == "channels_first":
        y = np.moveaxis(y, 2, 1)
    return y
"""


def _pool1d(template: str, op: str) -> str:
    name = f"{op}_pool1d"
    reduce = "max" if op == "max" else "mean"
    return template.format(name=name, reduce=reduce, nanreduce=f"nan{reduce}")


def _pool1d_mistakes(op: str) -> list[WrongImpl]:
    ex = f"{op}_pool1d"
    loop, vec = _pool1d(POOL1D_LOOP, op), _pool1d(POOL1D_VECTORISED, op)
    reduce = "window.max(axis=1)" if op == "max" else "window.mean(axis=1)"
    entries = [
        WrongImpl(ex, "right_only_same_padding", _mutate(vec, "left = total // 2", "left = 0"),
                  "padding only on the right"),
        WrongImpl(ex, "extra_padding_on_left",
                  _mutate(vec, "left = total // 2", "left = total - total // 2"),
                  "the odd extra padded step is on the left"),
        WrongImpl(ex, "default_strides_1",
                  _mutate(loop, "strides = pool_size\n", "strides = 1\n"),
                  "default `strides` taken as 1 instead of `pool_size`"),
        WrongImpl(ex, "off_by_one_length",
                  _mutate(loop, "(length - pool_size) // strides + 1",
                          "(length - pool_size) // strides"),
                  "off-by-one output length"),
        WrongImpl(ex, "seed_length_formula",
                  _mutate(loop, "(length - pool_size) // strides + 1",
                          "(length - pool_size + 1) // strides"),
                  "(length - pool_size + 1) / strides"),
        WrongImpl(ex, "mixing_channels",
                  _mutate(loop, f"y[:, i, :] = {reduce}",
                          f"y[:, i, :] = {reduce.replace('axis=1', 'axis=(1, 2)')}[:, None]"),
                  "mixing channels"),
        WrongImpl(ex, "float64_output",
                  _mutate(loop, "np.zeros((batch, n_out, channels), dtype=x.dtype)",
                          "np.zeros((batch, n_out, channels))"),
                  "returning float64 for float32 input"),
        WrongImpl(ex, "ignores_channels_first",
                  _mutate(loop, 'data_format == "channels_first"', "False", count=2),
                  "data_format='channels_first' is ignored"),
        WrongImpl(ex, "same_treated_as_valid",
                  _mutate(loop, 'padding.lower() == "same"', "False"),
                  "padding='same' is treated as 'valid'"),
    ]  # fmt: skip
    if op == "max":
        entries += [
            WrongImpl(ex, "zero_padding_in_max",
                      _mutate(vec, "constant_values=np.nan", "constant_values=0"),
                      "padding with zeros in max pooling"),
            WrongImpl(ex, "sorts_input_in_place",
                      _mutate(loop, "y[:, i, :] = window.max(axis=1)",
                              "window.sort(axis=1)\n        y[:, i, :] = window[:, -1, :]"),
                      "modifying the input in place"),
        ]  # fmt: skip
    else:
        entries += [
            WrongImpl(ex, "counts_padded_zeros",
                      _mutate(vec, "constant_values=np.nan", "constant_values=0"),
                      "counting padded zeros in the average"),
            WrongImpl(ex, "divides_input_in_place",
                      _mutate(_mutate(loop, "y[:, i, :] = window.mean(axis=1)",
                                      "y[:, i, :] = window.sum(axis=1)"),
                              "    batch, length, channels = x.shape\n",
                              "    batch, length, channels = x.shape\n    x /= pool_size\n"),
                      "modifying the input in place"),
        ]  # fmt: skip
    return entries


# --------------------------------------------------------------------------
# global pooling
# --------------------------------------------------------------------------
GLOBAL_MAX_VECTORISED = """
import numpy as np


def global_max_pool1d(x, data_format="channels_last", keepdims=False):
    steps_axis = 2 if data_format == "channels_first" else 1
    return np.max(x, axis=steps_axis, keepdims=keepdims)
"""

GLOBAL_MAX_LOOP = """
import numpy as np


def global_max_pool1d(x, data_format="channels_last", keepdims=False):
    if data_format == "channels_first":
        x = np.swapaxes(x, 1, 2)
    batch, steps, channels = x.shape
    y = np.empty((batch, channels), dtype=x.dtype)
    for b in range(batch):
        for c in range(channels):
            best = x[b, 0, c]
            for t in range(1, steps):
                if x[b, t, c] > best:
                    best = x[b, t, c]
            y[b, c] = best
    if keepdims:
        y = y[:, :, None] if data_format == "channels_first" else y[:, None, :]
    return y
"""

GLOBAL_AVG_VECTORISED = """
import numpy as np


def global_average_pool1d(x, mask=None, data_format="channels_last", keepdims=False):
    if x.dtype.kind in "biu":  # the course's convention: int and bool input give float32
        x = x.astype(np.float32)
    steps_axis = 2 if data_format == "channels_first" else 1
    if mask is None:
        return np.mean(x, axis=steps_axis, keepdims=keepdims)
    weights = np.expand_dims(mask, 1 if data_format == "channels_first" else 2).astype(x.dtype)
    total = np.sum(x * weights, axis=steps_axis, keepdims=keepdims)
    count = np.sum(weights, axis=steps_axis, keepdims=keepdims)
    return total / count
"""

GLOBAL_AVG_LOOP = """
import numpy as np


def global_average_pool1d(x, mask=None, data_format="channels_last", keepdims=False):
    if x.dtype.kind in "biu":  # the course's convention: int and bool input give float32
        x = x.astype(np.float32)
    if data_format == "channels_first":
        x = np.swapaxes(x, 1, 2)
    batch, steps, channels = x.shape
    y = np.zeros((batch, channels), dtype=x.dtype)
    for b in range(batch):
        kept = [t for t in range(steps) if mask is None or mask[b, t]]
        for t in kept:
            y[b] += x[b, t]
        y[b] /= len(kept)
    if keepdims:
        y = y[:, :, None] if data_format == "channels_first" else y[:, None, :]
    return y
"""


def _global_mistakes() -> list[WrongImpl]:
    gmax, gavg = GLOBAL_MAX_VECTORISED, GLOBAL_AVG_VECTORISED
    return [
        WrongImpl("global_max_pool1d", "reduces_channels",
                  _mutate(gmax, '2 if data_format == "channels_first" else 1',
                          '1 if data_format == "channels_first" else 2'),
                  "reducing over the wrong axis"),
        WrongImpl("global_max_pool1d", "ignores_keepdims",
                  _mutate(gmax, "keepdims=keepdims)", "keepdims=False)"),
                  "keepdims=True is ignored"),
        WrongImpl("global_max_pool1d", "ignores_channels_first",
                  _mutate(gmax, '2 if data_format == "channels_first" else 1', "1"),
                  "data_format='channels_first' is ignored"),
        WrongImpl("global_max_pool1d", "sorts_input_in_place",
                  _mutate(gmax, "    return np.max(x, axis=steps_axis, keepdims=keepdims)",
                          "    x.sort(axis=steps_axis)\n"
                          "    return np.take(x, [-1] if keepdims else -1, axis=steps_axis)"),
                  "modifying the input in place"),
        WrongImpl("global_max_pool1d", "float64_output",
                  _mutate(GLOBAL_MAX_LOOP, "dtype=x.dtype", "dtype=float"),
                  "returning float64 for float32 input"),
        WrongImpl("global_average_pool1d", "ignores_mask",
                  _mutate(gavg, "if mask is None:", "if True:"),
                  "the mask is ignored"),
        WrongImpl("global_average_pool1d", "masked_sum_over_length",
                  _mutate(gavg, "return total / count", "return total / x.shape[steps_axis]"),
                  "the masked average divides by the full length"),
        WrongImpl("global_average_pool1d", "float64_from_count",
                  _mutate(gavg, ".astype(x.dtype)", ""),
                  "returning float64 for float32 input"),
        WrongImpl("global_average_pool1d", "ignores_keepdims",
                  _mutate(GLOBAL_AVG_LOOP, "    if keepdims:", "    if False:"),
                  "keepdims=True is ignored"),
    ]  # fmt: skip


# --------------------------------------------------------------------------
# conv1d
# --------------------------------------------------------------------------
CONV1D_VECTORISED = """
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv1d(x, kernel, bias=None, strides=1, padding="valid", data_format="channels_last",
           dilation_rate=1, groups=1):
    if x.dtype.kind in "biu":  # the course's convention: int and bool input give float32
        x = x.astype(np.float32)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, 2)
    size, group_in, filters = kernel.shape
    span = dilation_rate * (size - 1) + 1
    length = x.shape[1]
    if padding == "causal":
        pads = (span - 1, 0)
    elif padding == "same":
        out = -(-length // strides)
        total = max((out - 1) * strides + span - length, 0)
        pads = (total // 2, total - total // 2)
    else:
        pads = (0, 0)
    x = np.pad(x, ((0, 0), pads, (0, 0)))
    # windows: (batch, out, channels, span) -> keep every dilation_rate-th tap
    windows = sliding_window_view(x, span, axis=1)[:, ::strides, :, ::dilation_rate]
    batch, out = windows.shape[:2]
    windows = windows.reshape(batch, out, groups, group_in, size)
    k = kernel.reshape(size, group_in, groups, filters // groups)
    y = np.einsum("bogik,kigf->bogf", windows, k)
    y = y.reshape(batch, out, filters)
    if bias is not None:
        y = y + bias
    y = y.astype(x.dtype)
    if data_format == "channels_first":
        y = np.moveaxis(y, 2, 1)
    return y
"""

CONV1D_LOOP = """
import numpy as np


def conv1d(x, kernel, bias=None, strides=1, padding="valid", data_format="channels_last",
           dilation_rate=1, groups=1):
    if x.dtype.kind in "biu":  # the course's convention: int and bool input give float32
        x = x.astype(np.float32)
    if data_format == "channels_first":
        x = x.transpose(0, 2, 1)
    batch, length, channels = x.shape
    size, group_in, filters = kernel.shape
    group_out = filters // groups
    span = dilation_rate * (size - 1) + 1
    if padding == "same":
        n_out = -(-length // strides)
        left = max((n_out - 1) * strides + span - length, 0) // 2
    elif padding == "causal":
        n_out = -(-length // strides)
        left = span - 1
    else:
        n_out = (length - span) // strides + 1
        left = 0
    y = np.zeros((batch, n_out, filters), dtype=x.dtype)
    for t in range(n_out):
        for k in range(size):
            step = t * strides + k * dilation_rate - left
            if 0 <= step < length:
                for g in range(groups):
                    xs = x[:, step, g * group_in : (g + 1) * group_in]
                    ks = kernel[k, :, g * group_out : (g + 1) * group_out]
                    y[:, t, g * group_out : (g + 1) * group_out] += xs @ ks
    if bias is not None:
        y += bias
    if data_format == "channels_first":
        y = y.transpose(0, 2, 1)
    return y
"""


def _conv_mistakes() -> list[WrongImpl]:
    loop, vec = CONV1D_LOOP, CONV1D_VECTORISED
    return [
        WrongImpl("conv1d", "flipped_kernel",
                  _mutate(loop, "ks = kernel[k, :,", "ks = kernel[size - 1 - k, :,"),
                  "flipped kernel"),
        WrongImpl("conv1d", "bias_ignored",
                  _mutate(loop, "        y += bias", "        pass"),
                  "the bias is not added"),
        WrongImpl("conv1d", "right_only_same_padding",
                  _mutate(vec, "pads = (total // 2, total - total // 2)", "pads = (0, total)"),
                  "padding only on the right"),
        WrongImpl("conv1d", "causal_as_same",
                  _mutate(loop, 'elif padding == "causal":\n        n_out = -(-length // strides)'
                          "\n        left = span - 1",
                          'elif padding == "causal":\n        n_out = -(-length // strides)'
                          "\n        left = max((n_out - 1) * strides + span - length, 0) // 2"),
                  "padding='causal' treated as 'same'"),
        WrongImpl("conv1d", "ignores_dilation",
                  _mutate(loop, "step = t * strides + k * dilation_rate - left",
                          "step = t * strides + k - left"),
                  "dilation_rate is ignored"),
        WrongImpl("conv1d", "float64_output",
                  _mutate(loop, "dtype=x.dtype", "dtype=np.float64"),
                  "returning float64 for float32 input"),
    ]  # fmt: skip


# --------------------------------------------------------------------------
# upsampling1d
# --------------------------------------------------------------------------
UPSAMPLING_VECTORISED = """
import numpy as np


def upsampling1d(x, size=2):
    return np.repeat(x, size, axis=1)
"""

UPSAMPLING_LOOP = """
import numpy as np


def upsampling1d(x, size=2):
    batch, steps, channels = x.shape
    y = np.empty((batch, steps * size, channels), dtype=x.dtype)
    for t in range(steps * size):
        y[:, t, :] = x[:, t // size, :]
    return y
"""


def _upsampling_mistakes() -> list[WrongImpl]:
    return [
        WrongImpl("upsampling1d", "tile_instead_of_repeat",
                  _mutate(UPSAMPLING_VECTORISED, "np.repeat(x, size, axis=1)",
                          "np.tile(x, (1, size, 1))"),
                  "np.tile repeats the whole sequence"),
        WrongImpl("upsampling1d", "repeats_channels",
                  _mutate(UPSAMPLING_VECTORISED, "axis=1", "axis=2"),
                  "repeating along the wrong axis"),
        WrongImpl("upsampling1d", "float64_output",
                  _mutate(UPSAMPLING_LOOP, "dtype=x.dtype", "dtype=np.float64"),
                  "returning float64 for float32 input"),
    ]  # fmt: skip


# --------------------------------------------------------------------------
# backward passes
# --------------------------------------------------------------------------
POOL1D_BACKWARD_LOOP = """
import numpy as np


def {name}(grad_output, x, pool_size=2, strides=None, padding="valid",
           data_format="channels_last"):
    if strides is None:
        strides = pool_size
    if data_format == "channels_first":
        x, grad_output = x.transpose(0, 2, 1), grad_output.transpose(0, 2, 1)
    batch, length, channels = x.shape
    n_out = grad_output.shape[1]
    left = 0
    if padding.lower() == "same":
        left = max((n_out - 1) * strides + pool_size - length, 0) // 2
    grad = np.zeros_like(x)
    for i in range(n_out):
        start = max(i * strides - left, 0)
        stop = min(i * strides - left + pool_size, length)
        window = x[:, start:stop, :]
        g = grad_output[:, i, :]
{body}
    if data_format == "channels_first":
        grad = grad.transpose(0, 2, 1)
    return grad
"""

MAX_BACKWARD_BODY = """\
        winner = start + window.argmax(axis=1)  # first maximum, as TensorFlow
        for b in range(batch):
            for c in range(channels):
                grad[b, winner[b, c], c] += g[b, c]"""

AVG_BACKWARD_BODY = """\
        grad[:, start:stop, :] += g[:, None, :] / (stop - start)"""

MAX_BACKWARD_VECTORISED = """
import numpy as np


def max_pool1d_backward(grad_output, x, pool_size=2, strides=None, padding="valid",
                        data_format="channels_last"):
    strides = pool_size if strides is None else strides
    if data_format == "channels_first":
        x, grad_output = np.moveaxis(x, 1, 2), np.moveaxis(grad_output, 1, 2)
    batch, length, channels = x.shape
    n_out = grad_output.shape[1]
    left = 0
    if padding.lower() == "same":
        left = max((n_out - 1) * strides + pool_size - length, 0) // 2
    padded = np.pad(x, ((0, 0), (left, pool_size), (0, 0)), constant_values=-np.inf)
    starts = np.arange(n_out) * strides  # in padded coordinates
    taps = starts[:, None] + np.arange(pool_size)  # (n_out, pool_size)
    windows = padded[:, taps, :]  # (batch, n_out, pool_size, channels)
    winner = taps[None, :, :, None].repeat(batch, 0).repeat(channels, 3)
    winner = np.take_along_axis(winner, windows.argmax(axis=2)[:, :, None, :], axis=2)[:, :, 0]
    grad = np.zeros_like(padded)
    b = np.arange(batch)[:, None, None]
    c = np.arange(channels)[None, None, :]
    np.add.at(grad, (b, winner, c), grad_output)
    grad = grad[:, left : left + length]
    return np.moveaxis(grad, 2, 1) if data_format == "channels_first" else grad
"""

CONV1D_BACKWARD_LOOP = """
import numpy as np


def conv1d_backward(grad_output, x, kernel, bias=None, strides=1, padding="valid",
                    data_format="channels_last", dilation_rate=1, groups=1):
    if data_format == "channels_first":
        x, grad_output = x.transpose(0, 2, 1), grad_output.transpose(0, 2, 1)
    batch, length, channels = x.shape
    size, group_in, filters = kernel.shape
    group_out = filters // groups
    span = dilation_rate * (size - 1) + 1
    n_out = grad_output.shape[1]
    if padding == "same":
        left = max((n_out - 1) * strides + span - length, 0) // 2
    elif padding == "causal":
        left = span - 1
    else:
        left = 0
    grad_x = np.zeros_like(x)
    grad_kernel = np.zeros_like(kernel)
    for t in range(n_out):
        for k in range(size):
            step = t * strides + k * dilation_rate - left
            if not 0 <= step < length:
                continue
            for g in range(groups):
                cin = slice(g * group_in, (g + 1) * group_in)
                cout = slice(g * group_out, (g + 1) * group_out)
                go = grad_output[:, t, cout]  # (batch, group_out)
                grad_x[:, step, cin] += go @ kernel[k, :, cout].T
                grad_kernel[k, :, cout] += x[:, step, cin].T @ go
    grad_bias = None if bias is None else grad_output.sum(axis=(0, 1))
    if data_format == "channels_first":
        grad_x = grad_x.transpose(0, 2, 1)
    return grad_x, grad_kernel, grad_bias
"""

CONV1D_BACKWARD_EINSUM = """
import numpy as np


def conv1d_backward(grad_output, x, kernel, bias=None, strides=1, padding="valid",
                    data_format="channels_last", dilation_rate=1, groups=1):
    if data_format == "channels_first":
        x, grad_output = np.moveaxis(x, 1, 2), np.moveaxis(grad_output, 1, 2)
    size, group_in, filters = kernel.shape
    group_out = filters // groups
    span = dilation_rate * (size - 1) + 1
    length, n_out = x.shape[1], grad_output.shape[1]
    if padding == "same":
        left = max((n_out - 1) * strides + span - length, 0) // 2
    else:
        left = span - 1 if padding == "causal" else 0
    padded = np.pad(x, ((0, 0), (left, span + n_out * strides), (0, 0)))
    grad_padded = np.zeros_like(padded)
    grad_kernel = np.zeros_like(kernel)
    for g in range(groups):
        cin = slice(g * group_in, (g + 1) * group_in)
        cout = slice(g * group_out, (g + 1) * group_out)
        go = grad_output[:, :, cout]
        for k in range(size):
            rows = np.arange(n_out) * strides + k * dilation_rate  # padded steps read by tap k
            grad_kernel[k, :, cout] = np.einsum("btc,btf->cf", padded[:, rows, cin], go)
            np.add.at(grad_padded, (slice(None), rows, cin), go @ kernel[k, :, cout].T)
    grad_bias = None if bias is None else grad_output.sum(axis=(0, 1))
    grad_x = grad_padded[:, left : left + length]
    return (np.moveaxis(grad_x, 2, 1) if data_format == "channels_first" else grad_x,
            grad_kernel, grad_bias)
"""

UPSAMPLING_BACKWARD_VECTORISED = """
import numpy as np


def upsampling1d_backward(grad_output, x, size=2):
    batch, steps, channels = x.shape
    return grad_output.reshape(batch, steps, size, channels).sum(axis=2)
"""

UPSAMPLING_BACKWARD_LOOP = """
import numpy as np


def upsampling1d_backward(grad_output, x, size=2):
    grad = np.zeros_like(x)
    for t in range(grad_output.shape[1]):
        grad[:, t // size, :] += grad_output[:, t, :]
    return grad
"""


def _backward_mistakes() -> list[WrongImpl]:
    max_loop = POOL1D_BACKWARD_LOOP.format(name="max_pool1d_backward", body=MAX_BACKWARD_BODY)
    avg_loop = POOL1D_BACKWARD_LOOP.format(name="average_pool1d_backward", body=AVG_BACKWARD_BODY)
    ex_max, ex_avg = "max_pool1d_backward", "average_pool1d_backward"
    all_ties = """\
        is_max = window == window.max(axis=1, keepdims=True)
        grad[:, start:stop, :] += is_max * g[:, None, :]"""
    last_tie = MAX_BACKWARD_BODY.replace(
        "start + window.argmax(axis=1)  # first maximum, as TensorFlow",
        "stop - 1 - window[:, ::-1, :].argmax(axis=1)",
    )
    return [
        WrongImpl(ex_max, "every_tied_maximum", _mutate(max_loop, MAX_BACKWARD_BODY, all_ties),
                  "gradient sent to every tied maximum"),
        WrongImpl(ex_max, "last_tied_maximum", _mutate(max_loop, MAX_BACKWARD_BODY, last_tie),
                  "gradient sent to the last tied maximum"),
        WrongImpl(ex_max, "overwrites_overlaps",
                  _mutate(max_loop, "grad[b, winner[b, c], c] += g[b, c]",
                          "grad[b, winner[b, c], c] = g[b, c]"),
                  "overlapping windows overwrite each other's gradient"),
        WrongImpl(ex_max, "right_only_same_padding",
                  _mutate(max_loop, "left = max((n_out - 1) * strides + pool_size - length, 0)",
                          "left = 0 * max((n_out - 1) * strides + pool_size - length, 0)"),
                  "padding only on the right"),
        WrongImpl(ex_avg, "no_division",
                  _mutate(avg_loop, "g[:, None, :] / (stop - start)", "g[:, None, :]"),
                  "the average's gradient is not divided"),
        WrongImpl(ex_avg, "counts_padding",
                  _mutate(avg_loop, "g[:, None, :] / (stop - start)", "g[:, None, :] / pool_size"),
                  "counting padded zeros in the average"),
        WrongImpl(ex_avg, "overwrites_overlaps",
                  _mutate(avg_loop, "grad[:, start:stop, :] += ", "grad[:, start:stop, :] = "),
                  "overlapping windows overwrite each other's gradient"),
        WrongImpl("conv1d_backward", "grad_x_unflipped",
                  _mutate(CONV1D_BACKWARD_LOOP, "go @ kernel[k, :, cout].T",
                          "go @ kernel[size - 1 - k, :, cout].T"),
                  "grad_x uses the kernel unflipped"),
        WrongImpl("conv1d_backward", "bias_grad_per_sample",
                  _mutate(CONV1D_BACKWARD_LOOP, "grad_output.sum(axis=(0, 1))",
                          "grad_output.sum(axis=1)"),
                  "grad_bias must be summed over the batch and the steps"),
        WrongImpl("conv1d_backward", "bias_grad_mean",
                  _mutate(CONV1D_BACKWARD_LOOP, "grad_output.sum(axis=(0, 1))",
                          "grad_output.mean(axis=(0, 1))"),
                  "grad_bias is a sum over batch and steps, not a mean"),
        WrongImpl("upsampling1d_backward", "keeps_one_per_block",
                  _mutate(UPSAMPLING_BACKWARD_VECTORISED,
                          "grad_output.reshape(batch, steps, size, channels).sum(axis=2)",
                          "grad_output[:, ::size, :]"),
                  "keeping one gradient per block"),
        WrongImpl("upsampling1d_backward", "mean_per_block",
                  _mutate(UPSAMPLING_BACKWARD_VECTORISED, ".sum(axis=2)", ".mean(axis=2)"),
                  "averaging each block"),
    ]  # fmt: skip


# --------------------------------------------------------------------------
# max_pool2d
# --------------------------------------------------------------------------
MAX_POOL2D_VECTORISED = """
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid", data_format="channels_last"):
    if x.dtype.kind in "biu":  # the course's convention: int and bool input give float32
        x = x.astype(np.float32)
    strides = pool_size if strides is None else strides
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, 3)
    pads = [(0, 0)]
    for n, p, s in zip(x.shape[1:3], pool_size, strides):
        if padding.lower() == "same":
            total = max((-(-n // s) - 1) * s + p - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((0, 0))
    x = np.pad(x, pads + [(0, 0)], constant_values=-np.inf)
    windows = sliding_window_view(x, pool_size, axis=(1, 2))
    y = windows[:, :: strides[0], :: strides[1]].max(axis=(-2, -1))
    return np.moveaxis(y, 3, 1) if data_format == "channels_first" else y
"""


def _pool2d_mistakes() -> list[WrongImpl]:
    vec = MAX_POOL2D_VECTORISED
    return [
        WrongImpl("max_pool2d", "right_only_same_padding",
                  _mutate(vec, "pads.append((total // 2, total - total // 2))",
                          "pads.append((0, total))"),
                  "padding only on the right"),
        WrongImpl("max_pool2d", "default_strides_1",
                  _mutate(vec, "strides = pool_size if strides is None else strides",
                          "strides = (1, 1) if strides is None else strides"),
                  "default `strides` taken as 1 instead of `pool_size`"),
        WrongImpl("max_pool2d", "zero_padding_in_max",
                  _mutate(vec, "constant_values=-np.inf", "constant_values=0"),
                  "padding with zeros in max pooling"),
        WrongImpl("max_pool2d", "float64_output",
                  _mutate(vec, "    return np.moveaxis", "    y = y.astype(np.float64)\n"
                          "    return np.moveaxis"),
                  "returning float64 for float32 input"),
    ]  # fmt: skip


# --------------------------------------------------------------------------
# delegating instead of computing
# --------------------------------------------------------------------------
CHEATS = [
    WrongImpl(
        "max_pool1d",
        "calls_keras_layer",
        """
import numpy as np
import keras


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    layer = keras.layers.MaxPooling1D(pool_size, strides, padding, data_format)
    return np.asarray(layer(x))
""",
        "max_pool1d must be implemented in NumPy: it called keras.layers.MaxPooling1D",
    ),
    WrongImpl(
        "average_pool1d",
        "calls_pooling_ref",
        """
import pooling_ref


def average_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    return pooling_ref.average_pool1d(x, pool_size, strides, padding, data_format)
""",
        "average_pool1d must be implemented in NumPy: it called pooling_ref.average_pool1d",
    ),
    WrongImpl(
        "max_pool1d",
        "calls_tf_nn",
        """
import numpy as np
import tensorflow as tf


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    strides = pool_size if strides is None else strides
    return tf.nn.max_pool1d(x, pool_size, strides, padding.upper()).numpy()
""",
        "max_pool1d must be implemented in NumPy",
    ),
    WrongImpl(
        "conv1d",
        "calls_keras_ops",
        """
import numpy as np


def conv1d(x, kernel, bias=None, strides=1, padding="valid", data_format="channels_last",
           dilation_rate=1, groups=1):
    import keras  # imported inside: importing is allowed, calling is not

    y = keras.ops.conv(x, kernel, strides, padding, data_format, dilation_rate)
    return np.asarray(y if bias is None else y + bias)
""",
        "conv1d must be implemented in NumPy: it called keras.ops.conv",
    ),
    WrongImpl(
        "global_max_pool1d",
        "calls_pooling_ref_naive",
        """
from pooling_ref.naive import global_max_pool1d as reference


def global_max_pool1d(x, data_format="channels_last", keepdims=False):
    return reference(x, data_format, keepdims)
""",
        "global_max_pool1d must be implemented in NumPy: it called pooling_ref",
    ),
    WrongImpl(
        "upsampling1d_backward",
        "calls_gradient_tape",
        """
import numpy as np
import tensorflow as tf


def upsampling1d_backward(grad_output, x, size=2):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.repeat(xt, size, axis=1)
    return tape.gradient(y, xt, output_gradients=tf.constant(grad_output)).numpy()
""",
        "upsampling1d_backward must be implemented in NumPy",
    ),
]


# --------------------------------------------------------------------------
# blind-spot mutants: right on every case of the old named groups, wrong on a
# combination only the joint random cases (and the blind-spot cases added for
# them) contain
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class BlindSpotMutant:
    """A wrong implementation that only a combination of arguments exposes."""

    exercise: str
    name: str
    source: str
    combination: str  # the combination of arguments it gets wrong
    closing_cases: tuple[str, ...]  # the named cases added to close the blind spot


def _blind_spot_mutants() -> list[BlindSpotMutant]:
    cf_transpose = '    if data_format == "channels_first":\n        x = x.transpose(0, 2, 1)\n'
    return [
        BlindSpotMutant(
            "global_average_pool1d", "masked_keepdims_axis_channels_last",
            _mutate(GLOBAL_AVG_VECTORISED,
                    "    total = np.sum(x * weights, axis=steps_axis, keepdims=keepdims)\n"
                    "    count = np.sum(weights, axis=steps_axis, keepdims=keepdims)\n"
                    "    return total / count",
                    "    total = np.sum(x * weights, axis=steps_axis)\n"
                    "    count = np.sum(weights, axis=steps_axis)\n"
                    "    y = total / count\n"
                    "    return y[:, None, :] if keepdims else y"),
            "mask + channels_first + keepdims: the kept axis put where channels_last has it",
            ("keepdims/mask-channels_first",),
        ),
        BlindSpotMutant(
            "conv1d", "channels_first_groups_interleaved",
            _mutate(CONV1D_LOOP, cf_transpose,
                    cf_transpose + "        x = x.reshape(x.shape[0], x.shape[1], -1, groups)"
                    ".swapaxes(2, 3).reshape(x.shape)\n"),
            "channels_first + groups > 1: the groups read interleaved channels",
            ("channels_first/groups-bias",),
        ),
        BlindSpotMutant(
            "conv1d_backward", "grad_kernel_reads_first_group",
            _mutate(CONV1D_BACKWARD_LOOP, "grad_kernel[k, :, cout] += x[:, step, cin].T @ go",
                    "grad_kernel[k, :, cout] += x[:, step, :group_in].T @ go"),
            "groups > 1 in the backward pass: every group's kernel gradient reads group 0",
            ("groups/2", "groups/3-depthwise", "channels_first/groups-same"),
        ),
        BlindSpotMutant(
            "conv1d_backward", "channels_first_grad_x_not_moved_back",
            _mutate(CONV1D_BACKWARD_LOOP, "        grad_x = grad_x.transpose(0, 2, 1)",
                    "        grad_x = grad_x.reshape(grad_x.shape[0], grad_x.shape[2], -1)"),
            "channels_first in the backward pass: grad_x reshaped instead of transposed back",
            ("channels_first/valid", "channels_first/groups-same"),
        ),
        BlindSpotMutant(
            "conv1d_backward", "same_padding_from_undilated_kernel",
            _mutate(CONV1D_BACKWARD_LOOP,
                    "left = max((n_out - 1) * strides + span - length, 0) // 2",
                    "left = (size - 1) // 2 * dilation_rate"),
            "'same' with dilation (or strides): left padding (size - 1) // 2 * dilation_rate",
            ("dilation/2-same",),
        ),
        *[
            BlindSpotMutant(
                name, "channels_first_same_unpadded",
                _mutate(POOL1D_BACKWARD_LOOP.format(name=name, body=body),
                        "left = max((n_out - 1) * strides + pool_size - length, 0) // 2",
                        "left = 0 if data_format == 'channels_first' else "
                        "max((n_out - 1) * strides + pool_size - length, 0) // 2"),
                "channels_first + 'same' in the backward pass: the left padding forgotten",
                ("channels_first/same",),
            )
            for name, body in [("max_pool1d_backward", MAX_BACKWARD_BODY),
                               ("average_pool1d_backward", AVG_BACKWARD_BODY)]
        ],
        BlindSpotMutant(
            "max_pool2d", "same_padding_axes_swapped",
            _mutate(MAX_POOL2D_VECTORISED, "zip(x.shape[1:3], pool_size, strides)",
                    "zip(x.shape[1:3][::-1], pool_size, strides)"),
            "'same' on a non-square image: each axis padded for the other axis' length",
            ("same/non-square",),
        ),
    ]  # fmt: skip


BLIND_SPOT_MUTANTS = _blind_spot_mutants()


# --------------------------------------------------------------------------
# the lists
# --------------------------------------------------------------------------
CORRECT = [
    CorrectImpl("max_pool1d", "loop", _pool1d(POOL1D_LOOP, "max")),
    CorrectImpl("max_pool1d", "vectorised", _pool1d(POOL1D_VECTORISED, "max")),
    CorrectImpl("average_pool1d", "loop", _pool1d(POOL1D_LOOP, "average")),
    CorrectImpl("average_pool1d", "vectorised", _pool1d(POOL1D_VECTORISED, "average")),
    CorrectImpl("global_max_pool1d", "loop", GLOBAL_MAX_LOOP),
    CorrectImpl("global_max_pool1d", "vectorised", GLOBAL_MAX_VECTORISED),
    CorrectImpl("global_average_pool1d", "loop", GLOBAL_AVG_LOOP),
    CorrectImpl("global_average_pool1d", "vectorised", GLOBAL_AVG_VECTORISED),
    CorrectImpl("conv1d", "loop", CONV1D_LOOP),
    CorrectImpl("conv1d", "vectorised", CONV1D_VECTORISED),
    CorrectImpl("upsampling1d", "loop", UPSAMPLING_LOOP),
    CorrectImpl("upsampling1d", "vectorised", UPSAMPLING_VECTORISED),
    CorrectImpl(
        "max_pool1d_backward",
        "loop",
        POOL1D_BACKWARD_LOOP.format(name="max_pool1d_backward", body=MAX_BACKWARD_BODY),
    ),
    CorrectImpl("max_pool1d_backward", "vectorised", MAX_BACKWARD_VECTORISED),
    CorrectImpl(
        "average_pool1d_backward",
        "loop",
        POOL1D_BACKWARD_LOOP.format(name="average_pool1d_backward", body=AVG_BACKWARD_BODY),
    ),
    CorrectImpl("conv1d_backward", "loop", CONV1D_BACKWARD_LOOP),
    CorrectImpl("conv1d_backward", "einsum", CONV1D_BACKWARD_EINSUM),
    CorrectImpl("upsampling1d_backward", "loop", UPSAMPLING_BACKWARD_LOOP),
    CorrectImpl("upsampling1d_backward", "vectorised", UPSAMPLING_BACKWARD_VECTORISED),
    CorrectImpl("max_pool2d", "vectorised", MAX_POOL2D_VECTORISED),
]

CATALOGUE: list[WrongImpl] = [
    *_pool1d_mistakes("max"),
    *_pool1d_mistakes("average"),
    *_global_mistakes(),
    *_conv_mistakes(),
    *_upsampling_mistakes(),
    *_backward_mistakes(),
    *_pool2d_mistakes(),
    *CHEATS,
]


# --------------------------------------------------------------------------
# notebook 08: the network's loss and update (table checks, not in checks.EXERCISES)
# --------------------------------------------------------------------------
SOFTMAX_CE = """
import numpy as np


def softmax_cross_entropy(logits, labels):
    logits = np.asarray(logits)
    labels = np.asarray(labels).astype(int)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(logits.shape[0])
    loss = -np.mean(log_probs[rows, labels])
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1.0
    return float(loss), grad / logits.shape[0]
"""

#: Known-wrong versions of 08's ``softmax_cross_entropy`` (``check_softmax_cross_entropy``;
#: the hint is a fragment of the failing call's "what it tests" line). The notebook
#: harness (tests/autograder/course/test_notebooks.py) grades them with the others.
NETWORK_CATALOGUE: list[WrongImpl] = [
    WrongImpl(
        "softmax_cross_entropy", "no_max_shift",
        _mutate(SOFTMAX_CE, "    shifted = logits - logits.max(axis=1, keepdims=True)",
                "    shifted = logits"),
        "without subtracting each row's max",
    ),
    WrongImpl(
        "softmax_cross_entropy", "gradient_of_the_sum",
        _mutate(SOFTMAX_CE, "grad / logits.shape[0]", "grad"),
        "its gradient is divided by the batch size",
    ),
    WrongImpl(
        "softmax_cross_entropy", "loss_summed_over_the_batch",
        _mutate(SOFTMAX_CE, "loss = -np.mean(", "loss = -np.sum("),
        "the loss is the MEAN over the batch",
    ),
]  # fmt: skip

NETWORK_CORRECT = [CorrectImpl("softmax_cross_entropy", "shifted", SOFTMAX_CE)]
