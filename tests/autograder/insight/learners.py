"""Learner code for the insight tests: ``max_pool1d`` written by hand, several ways.

Each source is complete (imports numpy) and written independently of the others,
except :data:`RIGHT_ONLY_RENAMED`, which is :data:`RIGHT_ONLY_VECTOR` with its
local variables renamed, its comment reworded and its spacing changed (a copy).
"""

from __future__ import annotations

import io
import tokenize

# 'same' padding all on the right (the check's hint: right_only_same), vectorised
RIGHT_ONLY_VECTOR = '''import numpy as np


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over the steps axis (see the lesson)."""
    step = strides or pool_size
    data = np.swapaxes(x, 1, 2) if data_format == "channels_first" else x
    n = data.shape[1]
    if padding.lower() == "same":
        count = -(-n // step)
        extra = max((count - 1) * step + pool_size - n, 0)
        # pad at the end only
        fill = np.full((data.shape[0], extra, data.shape[2]), -np.inf, data.dtype)
        data = np.concatenate([data, fill], axis=1)
    else:
        count = (n - pool_size) // step + 1
    starts = np.arange(count) * step
    idx = starts[:, None] + np.arange(pool_size)[None, :]
    out = data[:, idx, :].max(axis=2)
    return np.swapaxes(out, 1, 2) if data_format == "channels_first" else out
'''

_RENAMES = {
    "step": "stride",
    "data": "arr",
    "n": "length",
    "count": "n_out",
    "extra": "pad",
    "fill": "padding_block",
    "starts": "first",
    "idx": "index",
    "out": "result",
}


def _renamed(source: str) -> str:
    tokens = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in _RENAMES:
            tok = tok._replace(string=_RENAMES[tok.string])
        elif tok.type == tokenize.COMMENT:
            tok = tok._replace(string="# padding goes on the right side")
        tokens.append(tok)
    return tokenize.untokenize(tokens).replace(" * ", "*").replace(" // ", "//")


RIGHT_ONLY_RENAMED = _renamed(RIGHT_ONLY_VECTOR)

# 'same' padding all on the right, one window at a time
RIGHT_ONLY_LOOP = '''import numpy as np


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over the steps axis (see the lesson)."""
    if strides is None:
        strides = pool_size
    if data_format == "channels_first":
        x = x.transpose(0, 2, 1)
    results = []
    t = 0
    while True:
        if padding.lower() == "valid" and t + pool_size > x.shape[1]:
            break
        if padding.lower() == "same" and t >= x.shape[1]:
            break
        results.append(np.max(x[:, t:t + pool_size, :], axis=1))
        t += strides
    y = np.stack(results, axis=1)
    return y.transpose(0, 2, 1) if data_format == "channels_first" else y
'''

# strides=None taken as 1 (the hint: default_strides_1)
STRIDES_ONE = '''import numpy as np


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over the steps axis (see the lesson)."""
    s = 1 if strides is None else strides   # default stride
    channels_first = data_format == "channels_first"
    arr = np.moveaxis(x, 1, -1) if channels_first else x
    L = arr.shape[1]
    if padding.upper() == "SAME":
        outs = (L + s - 1) // s
        total = max(0, (outs - 1) * s + pool_size - L)
        lo = total // 2
    else:
        outs, lo = (L - pool_size) // s + 1, 0
    res = np.empty((arr.shape[0], outs, arr.shape[2]), dtype=arr.dtype)
    for o in range(outs):
        a = max(o * s - lo, 0)
        b = min(o * s - lo + pool_size, L)
        res[:, o] = arr[:, a:b].max(1)
    return np.moveaxis(res, -1, 1) if channels_first else res
'''

# two right implementations, written independently
CORRECT_GATHER = '''import numpy as np


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over the steps axis (see the lesson)."""
    stride = pool_size if strides is None else strides
    if data_format == "channels_first":
        x = np.transpose(x, (0, 2, 1))
    steps = x.shape[1]
    if padding.lower() == "same":
        n_out = int(np.ceil(steps / stride))
        total = max((n_out - 1) * stride + pool_size - steps, 0)
        before, after = total // 2, total - total // 2
    else:
        n_out, before, after = (steps - pool_size) // stride + 1, 0, 0
    padded = np.pad(x, [(0, 0), (before, after), (0, 0)], constant_values=-np.inf)
    gather = np.arange(n_out)[:, None] * stride + np.arange(pool_size)
    y = padded[:, gather].max(axis=2).astype(x.dtype)
    return np.transpose(y, (0, 2, 1)) if data_format == "channels_first" else y
'''

CORRECT_LOOPS = '''import numpy as np


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over the steps axis (see the lesson)."""
    if strides is None:
        strides = pool_size
    if data_format == "channels_first":
        x = x.swapaxes(1, 2)
    B, T, C = x.shape
    if padding.lower() == "same":
        out_len = (T + strides - 1) // strides
        left = max((out_len - 1) * strides + pool_size - T, 0) // 2
    else:
        out_len = (T - pool_size) // strides + 1
        left = 0
    y = np.full((B, out_len, C), -np.inf, dtype=x.dtype)
    for b in range(B):
        for i in range(out_len):
            for k in range(pool_size):
                t = i * strides - left + k
                if 0 <= t < T:
                    y[b, i] = np.maximum(y[b, i], x[b, t])
    return y.swapaxes(1, 2) if data_format == "channels_first" else y
'''
