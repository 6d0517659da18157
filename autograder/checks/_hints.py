"""Name the mistake behind a wrong answer.

When a learner's output is wrong, the check computes what each *known-wrong*
implementation would have returned for the same case (padding only on the
right, counting padded zeros in the average, strides defaulting to 1, a flipped
kernel, ...) and names the mistakes whose output matches the learner's. The
wrong variants are written with :mod:`pooling_ref` called with the mistaken
arguments or on mistakenly padded input, so each is a line or two. They run
outside the guard: only the learner's code is forbidden to call pooling_ref.

Mistakes that need no variant are detected directly by the check: modifying
the input in place, the output dtype, not returning a NumPy array, calling a
library instead of NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import pooling_ref
from pooling_ref._args import output_length, padding_amounts, to_channels_last

from ._compare import close, tolerance_for

#: Learner-facing text of every known mistake, by name. Catalogue entries in
#: tests/autograder/wrong_implementations.py quote a fragment of these.
HINTS = {
    "in_place": (
        "modifying the input in place: the check passed your function a copy of its input and "
        "the copy changed. Work on a new array (np.pad, np.zeros, x.copy()) instead."
    ),
    "wrong_dtype": (
        "returning {received} for {expected} input: build the output with dtype=x.dtype "
        "(np.zeros(shape) is float64 by default) or finish with .astype(x.dtype)."
    ),
    "wrong_dtype_int": (
        "returning {received} for {expected} input: in this course integer and boolean input "
        "gives float32 (convert with x.astype(np.float32) first); where the Keras layer "
        "accepts such input, the dtype it returns is accepted too."
    ),
    "not_implemented": (
        "the function still raises NotImplementedError: replace that line with your code."
    ),
    "right_only_same": (
        "padding only on the right: with padding='same' TensorFlow pads total // 2 steps on "
        "the left and the rest on the right, where total = max((out - 1) * strides + window "
        "- length, 0)."
    ),
    "left_extra_same": (
        "the odd extra padded step is on the left: when the total 'same' padding is odd, the "
        "extra step goes on the right (left = total // 2)."
    ),
    "half_window_padding": (
        "padding window // 2 on each side: 'same' pads a total of max((out - 1) * strides + "
        "window - length, 0) steps, total // 2 of them on the left."
    ),
    "ignores_same": (
        "padding='same' is treated as 'valid': 'same' pads so that there are ceil(length / "
        "strides) outputs."
    ),
    "avg_counts_padding": (
        "counting padded zeros in the average: with padding='same', Keras divides each window's "
        "sum by the number of real (non-padded) steps in it, not by pool_size."
    ),
    "max_zero_padding": (
        "padding with zeros in max pooling: a padded position must never win the max (pad "
        "with -inf, or leave padded positions out of the window)."
    ),
    "default_strides_1": (
        "default `strides` taken as 1 instead of `pool_size`: in Keras strides=None means "
        "strides = pool_size, so the windows do not overlap."
    ),
    "ignores_strides": (
        "the `strides` argument is ignored: window i starts at step i * strides."
    ),
    "seed_formula": (
        "output length from (length - pool_size + 1) / strides rounded down: that formula needs "
        "a ceiling. With 'valid' Keras gives ceil((length - pool_size + 1) / strides) = "
        "(length - pool_size) // strides + 1 windows."
    ),
    "off_by_one": (
        "off-by-one output length: 'valid' gives (length - window) // strides + 1 outputs, "
        "'same' gives ceil(length / strides); check the last window."
    ),
    "mixing_channels": (
        "mixing channels: every channel (and every sample of the batch) is pooled on its own; "
        "reduce over the window's steps only (axis 1 of a (batch, steps, channels) array)."
    ),
    "ignores_data_format": (
        "data_format='channels_first' is ignored: then the input is (batch, channels, steps), "
        "so the steps axis is 2 and the output is (batch, channels, out_steps)."
    ),
    "axes_order": (
        "the output's axes are in the wrong order: keep (batch, steps, channels) for "
        "channels_last and (batch, channels, steps) for channels_first."
    ),
    "global_wrong_axis": (
        "reducing over the wrong axis: global pooling reduces over the steps axis only (axis 1 "
        "for channels_last, axis 2 for channels_first), giving (batch, channels)."
    ),
    "ignores_keepdims": (
        "keepdims=True is ignored: the output must keep a steps axis of length 1."
    ),
    "mask_ignored": (
        "the mask is ignored: steps where mask is False must be left out of the average."
    ),
    "mask_divides_by_length": (
        "the masked average divides by the full length: divide by the number of unmasked "
        "steps (mask.sum(axis=1)) instead."
    ),
    "tile_instead_of_repeat": (
        "np.tile repeats the whole sequence (a b c a b c); UpSampling1D repeats each step "
        "(a a b b c c): use np.repeat along the steps axis."
    ),
    "repeat_wrong_axis": (
        "repeating along the wrong axis: UpSampling1D repeats each step, along axis 1 of "
        "(batch, steps, channels)."
    ),
    "flipped_kernel": (
        "flipped kernel: Keras' Conv1D computes a cross-correlation, y[t] = sum_k x[t + k] * "
        "kernel[k], without reversing the kernel as a textbook convolution does."
    ),
    "bias_ignored": ("the bias is not added: add bias[f] to every output step of filter f."),
    "causal_as_same": (
        "padding='causal' treated as 'same': causal pads dilation_rate * (kernel_size - 1) "
        "zeros on the left only, so output t sees only steps <= t."
    ),
    "causal_on_right": (
        "causal padding put on the right: causal pads dilation_rate * (kernel_size - 1) zeros "
        "on the left only."
    ),
    "ignores_dilation": (
        "dilation_rate is ignored: with dilation d, tap k reads step t * strides + k * d."
    ),
    "swapped_kernel_axes": (
        "kernel axes swapped: the kernel is (kernel_size, in_channels, filters); y[b, t, f] = "
        "sum over k and c of x[b, t + k, c] * kernel[k, c, f]."
    ),
    "upsampling_backward_one_per_block": (
        "keeping one gradient per block: every input step was copied `size` times, so its "
        "gradient is the SUM of the gradients of its `size` copies, not one of them."
    ),
    "upsampling_backward_mean": (
        "averaging each block: an input step's gradient is the sum (not the mean) of the "
        "gradients of its copies."
    ),
    "max_backward_all_ties": (
        "gradient sent to every tied maximum: TensorFlow sends a window's gradient to its first "
        "maximum only."
    ),
    "max_backward_last_tie": (
        "gradient sent to the last tied maximum: TensorFlow uses the first maximum of a window."
    ),
    "backward_overwrite": (
        "overlapping windows overwrite each other's gradient: a step in several windows gets "
        "the SUM of their gradients (use +=, or np.add.at)."
    ),
    "avg_backward_no_divide": (
        "the average's gradient is not divided: each step of a window gets grad / (number of "
        "real steps in the window)."
    ),
    "conv_backward_unflipped": (
        "grad_x uses the kernel unflipped: the gradient of a cross-correlation is a full "
        "convolution of grad_output with the kernel, i.e. a correlation with the kernel reversed."
    ),
    "conv_backward_bias_per_sample": (
        "grad_bias must be summed over the batch and the steps, giving shape (filters,)."
    ),
    "conv_backward_bias_mean": (
        "grad_bias is a sum over batch and steps, not a mean."
    ),
    "conv_backward_kernel_one_sample": (
        "grad_kernel must be summed over every sample of the batch, not taken from one."
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Mistake:
    """A known mistake: ``variant(case)`` is what it returns, or None where it does not apply."""

    name: str
    variant: Callable


# --------------------------------------------------------------------------
# helpers: options, layout, padding
# --------------------------------------------------------------------------
def _pool_options(case, ndim: int = 1):
    o = case.options
    pool = o.get("pool_size", 2 if ndim == 1 else (2, 2))
    pool = (pool,) * ndim if isinstance(pool, int) else tuple(pool)
    strides = o.get("strides")
    strides = (
        pool if strides is None else (strides,) * ndim if isinstance(strides, int) else strides
    )
    return pool, tuple(strides), o.get("padding", "valid").lower(), o.get("data_format")


def _channels_last(case, name: str = "x") -> tuple[np.ndarray, bool]:
    """The case's array in channels_last layout, and whether it was channels_first."""
    cf = case.options.get("data_format") == "channels_first"
    return to_channels_last(case.array(name), "channels_first" if cf else "channels_last"), cf


def _back(y, cf: bool):
    return None if y is None else np.moveaxis(y, -1, 1) if cf else y


def _pad_steps(x, pads, value):
    """Pad the spatial axes (1 .. ndim-2) of a channels_last array with ``pads[i] = (l, r)``."""
    return np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=value)


def _padded_pool(x, op: str, pool, strides, pads):
    """Pool ``x`` (channels_last) after padding by ``pads``; padded steps never count."""
    ndim = x.ndim - 2
    if op == "max":
        fn = pooling_ref.max_pool1d if ndim == 1 else pooling_ref.max_pool2d
        return fn(_pad_steps(x, pads, -np.inf).astype(x.dtype), pool, strides)
    fn = pooling_ref.average_pool1d if ndim == 1 else pooling_ref.average_pool2d
    ones = _pad_steps(np.ones_like(x[..., :1]), pads, 0)
    return fn(_pad_steps(x, pads, 0), pool, strides) / fn(ones, pool, strides)


def _same_pads(x, pool, strides):
    """``[(left, right), ...]`` 'same' padding per spatial axis of a channels_last array."""
    return [
        padding_amounts(n, p, s, "same")
        for n, p, s in zip(x.shape[1:-1], pool, strides, strict=True)
    ]


# --------------------------------------------------------------------------
# pooling (1D and 2D), forward
# --------------------------------------------------------------------------
def _pool_mistakes(op: str, ndim: int) -> list[Mistake]:
    ref_name = f"{op}_pool{ndim}d"

    def ref(x, pool, strides, padding, data_format=None):
        return getattr(pooling_ref, ref_name)(x, pool, strides, padding, data_format)

    def padded(how):
        def variant(case):
            x, cf = _channels_last(case)
            pool, strides, padding, _ = _pool_options(case, ndim)
            if padding != "same":
                return None
            pads = how(_same_pads(x, pool, strides), pool)
            if pads is None:
                return None
            return _back(_padded_pool(x, op, pool, strides, pads), cf)

        return variant

    def zero_padded(case):  # padded values that take part as zeros
        x, cf = _channels_last(case)
        pool, strides, padding, _ = _pool_options(case, ndim)
        if padding != "same":
            return None
        y = ref(_pad_steps(x, _same_pads(x, pool, strides), 0), pool, strides, "valid")
        return _back(y, cf)

    def with_options(**changes):
        def variant(case):
            pool, strides, padding, data_format = _pool_options(case, ndim)
            if "strides" in changes and changes["strides"] == "given-strides-ignored":
                if case.options.get("strides") in (None, pool):
                    return None
                return ref(case.array("x"), pool, None, padding, data_format)
            if "strides" in changes and "strides" in case.options:
                return None  # only for the learner's default
            if "data_format" in changes and data_format != "channels_first":
                return None
            o = {"strides": strides, "padding": padding, "data_format": data_format, **changes}
            return ref(case.array("x"), pool, o["strides"], o["padding"], o["data_format"])

        return variant

    def seed_formula(case):
        x, cf = _channels_last(case)
        pool, strides, padding, _ = _pool_options(case, ndim)
        if padding != "valid" or ndim != 1:
            return None
        n = (x.shape[1] - pool[0] + 1) // strides[0]
        y = ref(x, pool, strides, "valid")
        return _back(y[:, :n], cf) if n != y.shape[1] else None

    def mixing(axis):
        def variant(case):
            x, cf = _channels_last(case)
            if x.shape[axis] < 2:
                return None
            pool, strides, padding, _ = _pool_options(case, ndim)
            reduce = np.max if op == "max" else np.mean
            y = ref(reduce(x, axis=axis, keepdims=True), pool, strides, padding)
            return _back(
                np.broadcast_to(y, (*y.shape[:axis], x.shape[axis], *y.shape[axis + 1 :])), cf
            )

        return variant

    def reshape_channels(case):  # x.reshape(batch, out, channels, pool) instead of (.., pool, ch)
        x, cf = _channels_last(case)
        pool, strides, padding, _ = _pool_options(case, ndim)
        if ndim != 1 or padding != "valid" or pool != strides or x.shape[2] < 2:
            return None
        n = x.shape[1] // pool[0]
        windows = x[:, : n * pool[0]].reshape(x.shape[0], n, x.shape[2], pool[0])
        return _back(windows.max(-1) if op == "max" else windows.mean(-1), cf)

    mistakes = [
        Mistake("right_only_same", padded(lambda pads, pool: [(0, a + b) for a, b in pads])),
        Mistake(
            "left_extra_same",
            padded(
                lambda pads, pool: (
                    [(b, a) for a, b in pads] if any(a != b for a, b in pads) else None
                )
            ),
        ),
        Mistake("half_window_padding", padded(lambda pads, pool: [(p // 2, p // 2) for p in pool])),
        Mistake("ignores_same", with_options(padding="valid")),
        Mistake("avg_counts_padding" if op == "average" else "max_zero_padding", zero_padded),
        Mistake("default_strides_1", with_options(strides=1)),
        Mistake("ignores_strides", with_options(strides="given-strides-ignored")),
        Mistake("seed_formula", seed_formula),
        Mistake("mixing_channels", mixing(ndim + 1)),
        Mistake("mixing_channels", mixing(0)),
        Mistake("mixing_channels", reshape_channels),
        Mistake("ignores_data_format", with_options(data_format="channels_last")),
    ]
    return mistakes


# --------------------------------------------------------------------------
# global pooling
# --------------------------------------------------------------------------
def _global_mistakes(op: str) -> list[Mistake]:
    ref = getattr(pooling_ref, f"global_{op}_pool1d")
    reduce = np.max if op == "max" else np.mean

    def call(case, **changes):
        o = {**case.options, **changes}
        return ref(case.array("x"), **o)

    def wrong_axis(axis):
        def variant(case):
            x, _ = _channels_last(case)
            return reduce(x, axis=axis).astype(x.dtype)

        return variant

    def option_ignored(name, value):
        def variant(case):
            given = case.options.get(name)
            if given is None or given is False or (isinstance(given, str) and given == value):
                return None
            return call(case, **{name: value})

        return variant

    def masked_over_length(case):
        mask = case.options.get("mask")
        if mask is None:
            return None
        x, cf = _channels_last(case)
        y = (x * mask[:, :, None]).sum(axis=1, keepdims=True) / x.shape[1]
        return _back(y, cf) if case.options.get("keepdims") else y[:, 0]

    return [
        Mistake("global_wrong_axis", wrong_axis(2)),
        Mistake("global_wrong_axis", wrong_axis(0)),
        Mistake("global_wrong_axis", wrong_axis((1, 2))),
        Mistake("ignores_keepdims", option_ignored("keepdims", False)),
        Mistake("ignores_data_format", option_ignored("data_format", "channels_last")),
        Mistake("mask_ignored", option_ignored("mask", None)),
        Mistake("mask_divides_by_length", masked_over_length),
    ]


# --------------------------------------------------------------------------
# conv1d
# --------------------------------------------------------------------------
def _conv_options(case):
    o = case.options
    return {
        "strides": o.get("strides", 1),
        "padding": o.get("padding", "valid").lower(),
        "data_format": o.get("data_format", "channels_last"),
        "dilation_rate": o.get("dilation_rate", 1),
        "groups": o.get("groups", 1),
    }


def _conv_mistakes() -> list[Mistake]:
    def ref(case, x=None, kernel=None, bias="case", **changes):
        o = {**_conv_options(case), **changes}
        x = case.array("x") if x is None else x
        kernel = case.array("kernel") if kernel is None else kernel
        bias = case.array("bias") if isinstance(bias, str) else bias
        return pooling_ref.conv1d(x, kernel, bias, **o)

    def padded(how):
        def variant(case):
            o = _conv_options(case)
            if o["padding"] not in how:
                return None
            x, cf = _channels_last(case)
            size = case.array("kernel").shape[0]
            pads = how[o["padding"]](x.shape[1], size, o)
            if pads is None:
                return None
            y = ref(case, x=_pad_steps(x, [pads], 0), padding="valid", data_format=None)
            return _back(y, cf)

        return variant

    def undilated_taps(case):  # padding computed for the dilated kernel, taps 1 step apart
        o = _conv_options(case)
        if o["dilation_rate"] == 1:
            return None
        x, cf = _channels_last(case)
        size = case.array("kernel").shape[0]
        if o["padding"] == "causal":
            pads = (o["dilation_rate"] * (size - 1), 0)
        else:
            pads = padding_amounts(x.shape[1], size, o["strides"], o["padding"], o["dilation_rate"])
        n_out = output_length(x.shape[1], size, o["strides"], o["padding"], o["dilation_rate"])
        padded = _pad_steps(x, [pads], 0)
        y = ref(case, x=padded, padding="valid", data_format=None, dilation_rate=1)
        return _back(y[:, :n_out], cf)

    def same_pads(length, size, o):
        return padding_amounts(length, size, o["strides"], "same", o["dilation_rate"])

    def right_only(length, size, o):
        return (0, sum(same_pads(length, size, o)))

    def left_extra(length, size, o):
        left, right = same_pads(length, size, o)
        return (right, left) if left != right else None

    def causal_right(length, size, o):
        return (0, o["dilation_rate"] * (size - 1))

    def when(condition, **changes):
        def variant(case):
            return ref(case, **changes) if condition(case) else None

        return variant

    def swapped(case):
        k = case.array("kernel")
        return ref(case, kernel=k.transpose(0, 2, 1)) if k.shape[1] == k.shape[2] > 1 else None

    o = _conv_options
    return [
        Mistake("flipped_kernel", lambda case: ref(case, kernel=case.array("kernel")[::-1])),
        Mistake("bias_ignored", when(lambda c: c.array("bias") is not None, bias=None)),
        Mistake("right_only_same", padded({"same": right_only})),
        Mistake("left_extra_same", padded({"same": left_extra})),
        Mistake("causal_on_right", padded({"causal": causal_right})),
        Mistake("causal_as_same", when(lambda c: o(c)["padding"] == "causal", padding="same")),
        Mistake("ignores_same", when(lambda c: o(c)["padding"] == "same", padding="valid")),
        Mistake("ignores_dilation", when(lambda c: o(c)["dilation_rate"] > 1, dilation_rate=1)),
        Mistake("ignores_dilation", undilated_taps),
        Mistake("ignores_strides", when(lambda c: o(c)["strides"] > 1, strides=1)),
        Mistake("swapped_kernel_axes", swapped),
    ]


# --------------------------------------------------------------------------
# upsampling1d
# --------------------------------------------------------------------------
def _upsampling_mistakes() -> list[Mistake]:
    def size(case):
        return case.options.get("size", 2)

    return [
        Mistake("tile_instead_of_repeat", lambda c: np.tile(c.array("x"), (1, size(c), 1))),
        Mistake("repeat_wrong_axis", lambda c: np.repeat(c.array("x"), size(c), axis=2)),
        Mistake("repeat_wrong_axis", lambda c: np.repeat(c.array("x"), size(c), axis=0)),
        Mistake("repeat_wrong_axis", lambda c: np.repeat(c.array("x"), size(c))),
    ]


# --------------------------------------------------------------------------
# backward passes
# --------------------------------------------------------------------------
def _windows(length: int, pool: int, stride: int, padding: str, pads=None):
    """``(i, start, stop)`` of every pooling window over the real steps ``[0, length)``."""
    left, _ = pads if pads is not None else padding_amounts(length, pool, stride, padding)
    for i in range(output_length(length, pool, stride, padding)):
        start = i * stride - left
        yield i, max(start, 0), min(start + pool, length)


def _pool_backward_variant(step: Callable, *, right_only: bool = False) -> Callable:
    """A pooling backward pass written window by window (channels_last, small cases only).

    ``step(grad, window_x, g)`` updates ``grad`` (the window's slice of grad_x,
    a view) given the window's input values and its gradient ``g`` (channels,).
    """

    def variant(case):
        x, cf = _channels_last(case)
        g, _ = _channels_last(case, "grad_output")
        (pool,), (stride,), padding, _ = _pool_options(case)
        pads = None
        if right_only:
            if padding != "same":
                return None
            pads = (0, sum(padding_amounts(x.shape[1], pool, stride, padding)))
        grad = np.zeros_like(x)
        for b in range(x.shape[0]):
            for i, start, stop in _windows(x.shape[1], pool, stride, padding, pads):
                if stop > start:
                    step(grad[b, start:stop], x[b, start:stop], g[b, i])
        return _back(grad, cf)

    return variant


def _winner_mask(xw, which: str) -> np.ndarray:
    """Boolean mask of the window's winners per channel: first, last or all maxima."""
    is_max = xw == xw.max(axis=0)
    if which == "all":
        return is_max
    index = is_max.argmax(0) if which == "first" else len(xw) - 1 - is_max[::-1].argmax(0)
    return np.arange(len(xw))[:, None] == index


def _max_backward_mistakes() -> list[Mistake]:
    def add_to(which):
        def step(grad, xw, g):
            grad += _winner_mask(xw, which) * g

        return step

    def overwrite(grad, xw, g):
        mask = _winner_mask(xw, "first")
        grad[mask] = np.broadcast_to(g, xw.shape)[mask]

    def overwrite_all(grad, xw, g):  # write the whole window (zeros included)
        grad[...] = _winner_mask(xw, "first") * g

    return [
        Mistake("max_backward_all_ties", _pool_backward_variant(add_to("all"))),
        Mistake("max_backward_last_tie", _pool_backward_variant(add_to("last"))),
        Mistake("backward_overwrite", _pool_backward_variant(overwrite)),
        Mistake("backward_overwrite", _pool_backward_variant(overwrite_all)),
        Mistake("right_only_same", _pool_backward_variant(add_to("first"), right_only=True)),
    ]


def _avg_backward_mistakes() -> list[Mistake]:
    def spread(divide_by_pool: bool | None):
        def step(grad, xw, g):
            count = 1 if divide_by_pool is None else len(xw)
            grad += g / count

        return step

    def overwrite(grad, xw, g):
        grad[...] = g / len(xw)

    def counts_padding(case):
        (pool,), *_ = _pool_options(case)
        if _pool_options(case)[2] != "same":
            return None
        return _pool_backward_variant(lambda grad, xw, g: grad.__iadd__(g / pool))(case)

    return [
        Mistake("avg_backward_no_divide", _pool_backward_variant(spread(None))),
        Mistake("avg_counts_padding", counts_padding),
        Mistake("backward_overwrite", _pool_backward_variant(overwrite)),
        Mistake("right_only_same", _pool_backward_variant(spread(True), right_only=True)),
    ]


def _conv_backward_mistakes() -> list[Mistake]:
    def ref(case, **changes):
        arrays = {**dict(case.arrays), **changes}
        options = _conv_options(case)
        return pooling_ref.conv1d_backward(
            arrays["grad_output"], arrays["x"], arrays["kernel"], arrays.get("bias"), **options
        )

    def unflipped(case):
        grad_x = ref(case, kernel=case.array("kernel")[::-1])[0]
        return (grad_x, *ref(case)[1:])

    def bias_variant(reduce):
        def variant(case):
            if case.array("bias") is None:
                return None
            g, _ = _channels_last(case, "grad_output")
            return (*ref(case)[:2], reduce(g))

        return variant

    def kernel_one_sample(case):
        if case.array("x").shape[0] < 2:
            return None
        one = ref(case, x=case.array("x")[:1], grad_output=case.array("grad_output")[:1])
        full = ref(case)
        return (full[0], one[1], full[2])

    return [
        Mistake("conv_backward_unflipped", unflipped),
        Mistake("conv_backward_bias_per_sample", bias_variant(lambda g: g.sum(axis=1))),
        Mistake("conv_backward_bias_mean", bias_variant(lambda g: g.mean(axis=(0, 1)))),
        Mistake("conv_backward_kernel_one_sample", kernel_one_sample),
    ]


def _upsampling_backward_mistakes() -> list[Mistake]:
    def blocks(case):
        g, size = case.array("grad_output"), case.options.get("size", 2)
        return g.reshape(g.shape[0], -1, size, g.shape[2]), size

    def tiled(case):
        g, size = case.array("grad_output"), case.options.get("size", 2)
        return g.reshape(g.shape[0], size, -1, g.shape[2]).sum(axis=1)

    return [
        Mistake(
            "upsampling_backward_one_per_block",
            lambda c: c.array("grad_output")[:, :: c.options.get("size", 2)],
        ),
        Mistake("upsampling_backward_mean", lambda c: blocks(c)[0].mean(axis=2)),
        Mistake("tile_instead_of_repeat", tiled),
    ]


MISTAKES: dict[str, Callable[[], list[Mistake]]] = {
    "max_pool1d": lambda: _pool_mistakes("max", 1),
    "average_pool1d": lambda: _pool_mistakes("average", 1),
    "max_pool2d": lambda: _pool_mistakes("max", 2),
    "global_max_pool1d": lambda: _global_mistakes("max"),
    "global_average_pool1d": lambda: _global_mistakes("average"),
    "conv1d": _conv_mistakes,
    "upsampling1d": _upsampling_mistakes,
    "max_pool1d_backward": _max_backward_mistakes,
    "average_pool1d_backward": _avg_backward_mistakes,
    "conv1d_backward": _conv_backward_mistakes,
    "upsampling1d_backward": _upsampling_backward_mistakes,
}


def _same_answer(received, variant, rtol: float, atol: float) -> bool:
    if isinstance(variant, tuple):
        if not isinstance(received, tuple | list) or len(received) != len(variant):
            return False
        return all(
            (v is None) == (r is None) and (v is None or close(r, v, rtol, atol))
            for r, v in zip(received, variant, strict=True)
        )
    return close(received, variant, rtol, atol)


def known_mistakes(exercise: str, case, received, expected) -> list[str]:
    """Names of the known mistakes whose output equals ``received`` for ``case``.

    A mistake counts only where it changes the answer (its output differs
    from ``expected``). Names come in the order of :data:`MISTAKES`, without
    repeats.
    """
    first = expected[0] if isinstance(expected, tuple) else expected
    rtol, atol = tolerance_for(case.array("x").dtype, first)
    found = []
    for mistake in MISTAKES[exercise]():
        if mistake.name in found:
            continue
        try:
            variant = mistake.variant(case)
        except Exception:  # a variant that cannot run on this case does not apply
            continue
        if variant is None or _same_answer(variant, expected, rtol, atol):
            continue
        if _same_answer(received, variant, rtol, atol):
            found.append(mistake.name)
    return found


def shape_mistakes(exercise: str, case, received, expected) -> list[str]:
    """Mistakes read from the shape alone: off-by-one length, axes in the wrong order."""
    if not isinstance(received, np.ndarray) or not isinstance(expected, np.ndarray):
        return []
    if received.shape == expected.shape or received.ndim != expected.ndim:
        return []
    if sorted(received.shape) == sorted(expected.shape):
        return ["axes_order"]
    diff = [
        i for i, (a, b) in enumerate(zip(received.shape, expected.shape, strict=True)) if a != b
    ]
    if exercise in ("max_pool1d", "average_pool1d", "conv1d"):
        if len(diff) == 1 and abs(received.shape[diff[0]] - expected.shape[diff[0]]) == 1:
            return ["off_by_one"]
    return []


def hint_text(name: str, **fmt) -> str:
    return HINTS[name].format(**fmt) if fmt else HINTS[name]
