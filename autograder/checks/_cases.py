"""The battery of cases each check runs, grouped by what they test.

A :class:`Case` is one call of the learner's function: the arrays it receives
positionally (``x``, ``kernel``, ``bias``; ``grad_output, x`` for the backward
exercises) and the keyword options (``pool_size=3, padding="same"``). Options
the case leaves out are left to the learner's defaults, which is how the
``default_strides`` group checks that ``strides=None`` means ``pool_size``.

Two kinds of groups:

* the named groups (``examples``, ``valid``, ``same``, ...) are fixed, hand-picked
  cases, each testing one thing; they never change;
* the ``random`` group draws cases over the JOINT space of all the function's
  arguments (padding x data_format x strides x dilation x groups x mask x keepdims x
  bias x dtype, non-square 2D windows, lengths near the window size). Every
  combination of the factors that matter for the exercise appears in every draw
  (a full factorial, or a half fraction covering every pair of factor levels for
  conv1d); the sizes are drawn at random from the valid space (every case is one
  Keras accepts). The draw comes from ``seed``: ``None`` is the fixed, published
  seed (the learner's kernel: a re-run fails on the same case), an int gives fresh
  cases (the trusted verdict passes one per grading run, so no fixed list of cases
  can be memorised).

``case_arguments(exercise, case_name)`` gives a learner the exact inputs of a case.
Group names are part of the contract in ``docs/ARCHITECTURE.md``.

The ``examples`` cases are the examples the course starts from: the sentence
``the boy will live`` from a popular Q&A answer, pooled with
``MaxPooling1D(pool_size=2, strides=1)`` (4 steps -> 3), the ``[10, 4, 10]`` batch
of the same answer, and a tutorial's ``Conv1D(filters=5, kernel_size=3)`` with a
kernel of ones followed by ``MaxPool1D(pool_size=3, strides=3)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: Word vectors of the sentence "the boy will live" from a popular Q&A answer:
#: (batch=1, steps=4, channels=3).
SENTENCE = np.array(
    [[[0.7, -0.2, 0.1], [0.8, -0.3, 0.2], [0.2, -0.1, 0.4], [0.4, -0.4, 0.8]]], dtype=np.float32
)


@dataclass
class Case:
    """One call of the learner's function.

    ``arrays`` are passed positionally in order (names used in messages),
    ``options`` as keywords. ``keras`` says whether the Keras layer can compute
    the same thing (compared as a second oracle). ``about`` is what the case
    tests, in a few words, shown when it fails. ``seed`` is the draw a ``random``
    case comes from (None: the fixed, published one; always None for named cases).
    """

    group: str
    name: str
    arrays: tuple[tuple[str, np.ndarray], ...]
    options: dict = field(default_factory=dict)
    about: str = ""
    keras: bool = True
    seed: int | None = None

    @property
    def args(self) -> tuple:
        return tuple(value for _, value in self.arrays)

    def array(self, name: str) -> np.ndarray | None:
        return dict(self.arrays).get(name)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ints(rng, shape) -> np.ndarray:
    """Small int32 values (-5 .. 5)."""
    return rng.integers(-5, 6, size=shape).astype(np.int32)


def _normal(rng, shape, dtype=np.float32, decimals: int | None = 2) -> np.ndarray:
    """Standard-normal values (rounded to ``decimals`` so messages stay readable)."""
    values = rng.normal(size=shape)
    if decimals is not None:
        values = values.round(decimals)
    return values.astype(dtype)


def _case(group, name, about="", keras=True, **arrays_and_options) -> Case:
    """Build a case: ndarray keyword values are arrays (in order), the rest options."""
    arrays = tuple((k, v) for k, v in arrays_and_options.items() if isinstance(v, np.ndarray))
    options = {k: v for k, v in arrays_and_options.items() if not isinstance(v, np.ndarray)}
    return Case(group, name, arrays, options, about, keras)


# --------------------------------------------------------------------------
# max_pool1d / average_pool1d
# --------------------------------------------------------------------------
def pool1d_cases(op: str = "max") -> list[Case]:
    """Named cases of ``max_pool1d`` (``op="max"``) or ``average_pool1d`` (``op="average"``)."""
    r = _rng(1)
    c = _case
    cases = [
        c("examples", "examples/sentence", "the sentence 'the boy will live' from a popular Q&A "
          "answer, MaxPooling1D(pool_size=2, strides=1): 4 steps -> 3", x=SENTENCE,
          pool_size=2, strides=1),
        c("examples", "examples/batch-10x4x10", "the same answer's batch: [10, 4, 10] -> "
          "[10, 3, 10] with pool_size=2, strides=1",
          x=_normal(r, (10, 4, 10)), pool_size=2, strides=1),
        c("examples", "examples/pool3-strides3", "a tutorial's MaxPool1D(pool_size=3, strides=3), "
          "here on a (3, 6, 5) input",
          x=_normal(r, (3, 6, 5)), pool_size=3, strides=3),
        c("valid", "valid/pool2-strides2", "non-overlapping windows",
          x=_normal(r, (2, 6, 3)), pool_size=2, strides=2),
        c("valid", "valid/pool3-strides2", "overlapping windows with strides > 1",
          x=_normal(r, (2, 7, 2)), pool_size=3, strides=2),
        c("valid", "valid/remainder", "steps left over at the end are dropped",
          x=_normal(r, (2, 7, 3)), pool_size=2, strides=2),
        c("valid", "valid/pool2-strides3", "strides larger than the window: some steps are skipped",
          x=_normal(r, (1, 8, 2)), pool_size=2, strides=3),
        c("default_strides", "default_strides/pool2", "strides=None means strides=pool_size",
          x=_normal(r, (2, 6, 3)), pool_size=2),
        c("default_strides", "default_strides/pool3", "strides=None means strides=pool_size",
          x=_normal(r, (1, 8, 2)), pool_size=3),
        c("default_strides", "default_strides/all-defaults", "pool_size=2, strides=None",
          x=_normal(r, (2, 5, 2))),
        c("same", "same/pool3-strides1", "'same', total padding 2: one step on each side",
          x=_normal(r, (2, 6, 3)), pool_size=3, strides=1, padding="same"),
        c("same", "same/pool2-strides1", "'same', total padding 1: it goes on the right",
          x=_normal(r, (1, 5, 2)), pool_size=2, strides=1, padding="same"),
        c("same", "same/pool4-strides1", "'same', odd total padding 3: 1 left, 2 right",
          x=_normal(r, (1, 6, 2)), pool_size=4, strides=1, padding="same"),
        c("same", "same/pool3-strides2", "'same' with strides: ceil(7 / 2) = 4 outputs",
          x=_normal(r, (2, 7, 3)), pool_size=3, strides=2, padding="same"),
        c("same", "same/pool2-default-strides", "'same' with strides=None (= pool_size)",
          x=_normal(r, (1, 5, 2)), pool_size=2, padding="same"),
        c("same", "same/pool5-strides2", "'same', odd total padding 3 with strides 2",
          x=_normal(r, (1, 8, 2)), pool_size=5, strides=2, padding="same"),
        c("edge", "edge/length-1", "a sequence of length 1", x=_normal(r, (2, 1, 3)),
          pool_size=1),
        c("edge", "edge/window-equals-length", "one window covering the whole sequence",
          x=_normal(r, (2, 5, 3)), pool_size=5),
        c("edge", "edge/strides-larger-than-window", "strides=4 > pool_size=2",
          x=_normal(r, (1, 9, 2)), pool_size=2, strides=4),
        c("edge", "edge/same-length-1", "'same' with a window longer than the sequence",
          x=_normal(r, (1, 1, 2)), pool_size=3, strides=1, padding="same"),
        c("edge", "edge/one-channel", "a single channel", x=_normal(r, (3, 5, 1)),
          pool_size=2, strides=1),
        c("channels_first", "channels_first/valid", "(batch, channels, steps) input",
          x=_normal(r, (2, 3, 6)), pool_size=2, data_format="channels_first"),
        c("channels_first", "channels_first/same", "'same' on (batch, channels, steps)",
          x=_normal(r, (1, 2, 7)), pool_size=3, strides=2, padding="same",
          data_format="channels_first"),
        c("dtype", "dtype/float64-valid", "float64 in: float64 out (the course) or float32 (Keras' "
          "default policy)",
          x=_normal(r, (2, 6, 3), np.float64, None), pool_size=2, strides=1),
        c("dtype", "dtype/float64-same", "float64 in, 'same': float64 out (the course) or "
          "float32 (Keras' default policy)",
          x=_normal(r, (1, 7, 2), np.float64, None), pool_size=3, strides=2, padding="same"),
    ]  # fmt: skip
    cases.append(
        c(
            "dtype",
            "dtype/int32",
            {
                "max": "int32 in: float32 out (this course's convention) or int32 (what Keras' "
                "MaxPooling1D returns): both are accepted",
                "average": "int32 in: float32 out. Keras' AveragePooling1D rejects int input; "
                "float32 is this course's convention",
            }[op],
            x=_ints(r, (2, 6, 3)),
            pool_size=2,
        )
    )
    return cases


def pool2d_cases() -> list[Case]:
    r = _rng(2)
    c = _case
    cases = [
        c("valid", "valid/pool2", "MaxPool2D(pool_size=2) on a 4x4 image",
          x=_normal(r, (1, 4, 4, 1)), pool_size=(2, 2)),
        c("valid", "valid/pool2x3", "a 2x3 window", x=_normal(r, (2, 6, 6, 2)),
          pool_size=(2, 3)),
        c("valid", "valid/remainder", "rows and columns left over are dropped",
          x=_normal(r, (1, 5, 7, 2)), pool_size=(2, 2)),
        c("same", "same/pool3-strides1", "'same', total padding 2 per axis",
          x=_normal(r, (1, 5, 5, 2)), pool_size=(3, 3), strides=(1, 1), padding="same"),
        c("same", "same/pool2-odd", "'same', odd total padding goes bottom/right",
          x=_normal(r, (2, 5, 3, 1)), pool_size=(2, 2), padding="same"),
        c("same", "same/pool4-strides1", "'same', total padding 3: 1 before, 2 after",
          x=_normal(r, (1, 6, 6, 1)), pool_size=(4, 4), strides=(1, 1), padding="same"),
        c("strides", "strides/overlap", "pool_size 3, strides 2: overlapping windows",
          x=_normal(r, (1, 7, 7, 2)), pool_size=(3, 3), strides=(2, 2)),
        c("strides", "strides/per-axis", "different strides per axis",
          x=_normal(r, (2, 6, 8, 1)), pool_size=(2, 2), strides=(1, 3)),
        c("channels_first", "channels_first/valid", "(batch, channels, rows, cols) input",
          x=_normal(r, (2, 3, 4, 6)), pool_size=(2, 2), data_format="channels_first"),
        c("channels_first", "channels_first/same", "'same' on channels_first",
          x=_normal(r, (1, 2, 5, 5)), pool_size=(3, 3), strides=(2, 2), padding="same",
          data_format="channels_first"),
        c("dtype", "dtype/float64", "float64 in: float64 out (the course) or float32 (Keras' "
          "default policy)",
          x=_normal(r, (1, 4, 6, 2), np.float64, None), pool_size=(2, 2)),
    ]  # fmt: skip
    cases[6:6] = [
        c("same", "same/non-square", "'same' on a 5x8 image with a 2x3 window and strides "
          "(1, 2): each axis has its own padding",
          x=_normal(r, (1, 5, 8, 2)), pool_size=(2, 3), strides=(1, 2), padding="same"),
    ]  # fmt: skip
    cases.append(
        c(
            "dtype",
            "dtype/int32",
            "int32 in: Keras' MaxPooling2D returns int32, this "
            "course's convention is float32; both are accepted",
            x=_ints(r, (1, 4, 6, 2)),
            pool_size=(2, 2),
        )
    )
    return cases


# --------------------------------------------------------------------------
# global pooling
# --------------------------------------------------------------------------
def global_max_pool1d_cases() -> list[Case]:
    r = _rng(3)
    c = _case
    cases = [
        c("examples", "examples/sentence", "the sentence 'the boy will live' from a popular Q&A "
          "answer: one max per channel", x=SENTENCE),
        c("examples", "examples/batch-10x4x10", "the same answer's batch: [10, 4, 10] -> [10, 10]",
          x=_normal(r, (10, 4, 10))),
        c("basic", "basic/random", "one max per sample and channel", x=_normal(r, (2, 5, 3))),
        c("basic", "basic/all-negative", "all values negative", x=-np.abs(_normal(r, (2, 4, 3)))),
        c("basic", "basic/length-1", "a sequence of length 1", x=_normal(r, (3, 1, 2))),
        c("keepdims", "keepdims/true", "keepdims=True keeps a steps axis of length 1",
          x=_normal(r, (2, 5, 3)), keepdims=True),
        c("keepdims", "keepdims/channels_first", "keepdims=True with channels_first",
          x=_normal(r, (2, 3, 5)), keepdims=True, data_format="channels_first"),
        c("channels_first", "channels_first/basic", "(batch, channels, steps) input",
          x=_normal(r, (2, 3, 5)), data_format="channels_first"),
        c("dtype", "dtype/float64", "float64 in: float64 out (the course) or float32 (Keras' "
          "default policy)",
          x=_normal(r, (2, 5, 3), np.float64, None)),
    ]  # fmt: skip
    cases.append(
        c(
            "dtype",
            "dtype/int32",
            "int32 in: Keras' GlobalMaxPooling1D returns int32, "
            "this course's convention is float32; both are accepted",
            x=_ints(r, (2, 5, 3)),
        )
    )
    return cases


def global_average_pool1d_cases() -> list[Case]:
    r = _rng(4)
    c = _case
    mask_a = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    mask_b = np.array([[True, False, True, True, True, False]])
    cases = [
        c("basic", "basic/sentence", "the sentence 'the boy will live' from a popular Q&A answer: "
          "one mean per channel", x=SENTENCE),
        c("basic", "basic/random", "one mean per sample and channel", x=_normal(r, (2, 5, 3))),
        c("basic", "basic/length-1", "a sequence of length 1", x=_normal(r, (3, 1, 2))),
        c("mask", "mask/bool", "masked steps are left out of the mean",
          x=_normal(r, (2, 5, 3)), mask=mask_a),
        c("mask", "mask/all-true", "a mask of all True is the plain mean",
          x=_normal(r, (2, 4, 2)), mask=np.ones((2, 4), bool)),
        c("mask", "mask/channels_first", "mask with channels_first input",
          x=_normal(r, (1, 2, 6)), mask=mask_b, data_format="channels_first"),
        c("keepdims", "keepdims/true", "keepdims=True keeps a steps axis of length 1",
          x=_normal(r, (2, 5, 3)), keepdims=True),
        c("keepdims", "keepdims/mask", "keepdims=True with a mask",
          x=_normal(r, (2, 5, 3)), mask=mask_a, keepdims=True),
        c("channels_first", "channels_first/basic", "(batch, channels, steps) input",
          x=_normal(r, (2, 3, 5)), data_format="channels_first"),
        c("dtype", "dtype/float64", "float64 in: float64 out (the course) or float32 (Keras' "
          "default policy)",
          x=_normal(r, (2, 5, 3), np.float64, None)),
    ]  # fmt: skip
    cases[8:8] = [
        c("keepdims", "keepdims/mask-channels_first", "keepdims=True with a mask and "
          "channels_first: the kept axis is the last one", x=_normal(r, (2, 3, 5)),
          mask=mask_a, keepdims=True, data_format="channels_first"),
    ]  # fmt: skip
    cases.append(
        c(
            "dtype",
            "dtype/int32",
            "int32 in, float32 out (as Keras' GlobalAveragePooling1D)",
            x=_ints(r, (2, 5, 3)),
        )
    )
    # the mask is an option (keyword), not a positional array
    for case in cases:
        if case.array("mask") is not None:
            case.options = {"mask": case.array("mask"), **case.options}
            case.arrays = tuple(a for a in case.arrays if a[0] != "mask")
    return cases


# --------------------------------------------------------------------------
# conv1d
# --------------------------------------------------------------------------
def conv1d_cases() -> list[Case]:
    r = _rng(5)
    c = _case
    example_data = r.integers(1, 6, size=(3, 8, 3)).astype(np.float32)

    def k(size, cin, filters, dtype=np.float32):
        return _normal(r, (size, cin, filters), dtype, 2 if dtype == np.float32 else None)

    cases = [
        c("examples", "examples/ones-kernel", "a tutorial's Conv1D(filters=5, kernel_size=3) "
          "with a kernel of ones: each output is the sum of a 3-step window over all channels",
          x=example_data, kernel=np.ones((3, 3, 5), np.float32)),
        c("examples", "examples/sentence", "a kernel of 2 taps on the sentence 'the boy will "
          "live' from a popular Q&A answer",
          x=SENTENCE, kernel=np.array([[[1.0, 0.0]] * 3, [[0.0, -1.0]] * 3], np.float32)),
        c("valid", "valid/kernel3", "cross-correlation, 'valid'", x=_normal(r, (2, 7, 3)),
          kernel=k(3, 3, 2)),
        c("valid", "valid/kernel1", "kernel_size=1 mixes channels only", x=_normal(r, (2, 5, 4)),
          kernel=k(1, 4, 3)),
        c("valid", "valid/kernel-equals-length", "a kernel as long as the sequence",
          x=_normal(r, (2, 4, 2)), kernel=k(4, 2, 3)),
        c("bias", "bias/kernel3", "one bias per filter, added to every output step",
          x=_normal(r, (2, 6, 3)), kernel=k(3, 3, 4), bias=_normal(r, (4,))),
        c("bias", "bias/same", "bias with 'same' padding", x=_normal(r, (1, 5, 2)),
          kernel=k(2, 2, 3), bias=_normal(r, (3,)), padding="same"),
        c("strides", "strides/2", "strides=2", x=_normal(r, (2, 8, 3)), kernel=k(3, 3, 2),
          strides=2),
        c("strides", "strides/3-larger-than-kernel", "strides=3 > kernel_size=2",
          x=_normal(r, (1, 9, 2)), kernel=k(2, 2, 2), strides=3),
        c("same", "same/kernel3", "'same', total padding 2: one zero on each side",
          x=_normal(r, (2, 6, 3)), kernel=k(3, 3, 2), padding="same"),
        c("same", "same/kernel4", "'same', odd total padding 3: 1 left, 2 right",
          x=_normal(r, (1, 7, 2)), kernel=k(4, 2, 3), padding="same"),
        c("same", "same/kernel2", "'same', total padding 1: it goes on the right",
          x=_normal(r, (1, 5, 2)), kernel=k(2, 2, 2), padding="same"),
        c("same", "same/strides2", "'same' with strides=2: ceil(8 / 2) = 4 outputs",
          x=_normal(r, (2, 8, 2)), kernel=k(3, 2, 2), padding="same", strides=2),
        c("causal", "causal/kernel3", "'causal': kernel_size - 1 zeros on the left only",
          x=_normal(r, (2, 6, 2)), kernel=k(3, 2, 2), padding="causal"),
        c("causal", "causal/dilation2", "'causal' with dilation_rate=2",
          x=_normal(r, (1, 8, 2)), kernel=k(2, 2, 3), padding="causal", dilation_rate=2),
        c("dilation", "dilation/2-valid", "dilation_rate=2: taps 2 steps apart",
          x=_normal(r, (2, 9, 2)), kernel=k(3, 2, 2), dilation_rate=2),
        c("dilation", "dilation/3-same", "dilation_rate=3 with 'same'",
          x=_normal(r, (1, 8, 2)), kernel=k(2, 2, 2), dilation_rate=3, padding="same"),
        c("groups", "groups/2", "groups=2: each half of the filters sees half of the channels",
          x=_normal(r, (2, 6, 4)), kernel=k(3, 2, 6), groups=2),
        c("groups", "groups/3-depthwise", "groups=3 with one input channel per group",
          x=_normal(r, (1, 5, 3)), kernel=k(2, 1, 3), groups=3),
        c("channels_first", "channels_first/valid", "(batch, channels, steps) input",
          x=_normal(r, (2, 3, 7)), kernel=k(3, 3, 2), data_format="channels_first"),
        c("channels_first", "channels_first/same-bias", "channels_first with 'same' and bias",
          x=_normal(r, (1, 2, 6)), kernel=k(2, 2, 3), bias=_normal(r, (3,)), padding="same",
          data_format="channels_first"),
        c("dtype", "dtype/float64", "float64 in: float64 out (the course) or float32 (Keras' "
          "default policy)",
          x=_normal(r, (2, 6, 3), np.float64, None), kernel=k(3, 3, 2, np.float64)),
    ]  # fmt: skip
    cases[21:21] = [
        c("channels_first", "channels_first/groups-bias", "channels_first with groups=2 and a "
          "bias: each group reads a contiguous block of channels", x=_normal(r, (2, 4, 7)),
          kernel=k(3, 2, 4), bias=_normal(r, (4,)), groups=2, data_format="channels_first"),
    ]  # fmt: skip
    cases.append(
        c(
            "dtype",
            "dtype/int32",
            "int32 x with a float32 kernel: float32 out. Keras' "
            "Conv1D rejects int input; float32 is this course's convention",
            x=_ints(r, (2, 6, 3)),
            kernel=k(3, 3, 2),
        )
    )
    return cases


# --------------------------------------------------------------------------
# upsampling1d
# --------------------------------------------------------------------------
def upsampling1d_cases() -> list[Case]:
    r = _rng(6)
    c = _case
    cases = [
        c("examples", "examples/sentence", "each step of the sentence 'the boy will live' (a "
          "popular Q&A answer) repeated twice: a tutorial's UpSampling, in 1D",
          x=SENTENCE, size=2),
        c("basic", "basic/size3", "size=3: each step three times", x=_normal(r, (2, 3, 2)),
          size=3),
        c("basic", "basic/size1", "size=1 changes nothing", x=_normal(r, (1, 4, 2)), size=1),
        c("basic", "basic/default-size", "the default size is 2", x=_normal(r, (2, 3, 3))),
        c("dtype", "dtype/float64", "float64 in: float64 out (the course) or float32 (Keras' "
          "default policy)",
          x=_normal(r, (2, 3, 2), np.float64, None), size=2),
    ]  # fmt: skip
    cases.append(
        c(
            "dtype",
            "dtype/int32",
            "int32 in: Keras' UpSampling1D returns int32, this "
            "course's convention is float32; both are accepted",
            x=_ints(r, (2, 3, 2)),
            size=2,
        )
    )
    return cases


# --------------------------------------------------------------------------
# backward exercises: grad_output has the forward output's shape
# --------------------------------------------------------------------------
def _with_grad(case: Case, forward: Callable, r) -> Case:
    """Prepend a random ``grad_output`` shaped like ``forward``'s output for the case."""
    y = forward(*case.args, **case.options)
    grad = _normal(r, y.shape, y.dtype, decimals=None)
    return Case(case.group, case.name, (("grad_output", grad), *case.arrays), case.options,
                case.about, case.keras, case.seed)  # fmt: skip


def max_pool1d_backward_cases(forward: Callable) -> list[Case]:
    return _pool1d_backward_cases(forward, max_pool=True)


def average_pool1d_backward_cases(forward: Callable) -> list[Case]:
    return _pool1d_backward_cases(forward, max_pool=False)


def _pool1d_backward_cases(forward: Callable, *, max_pool: bool) -> list[Case]:
    r = _rng(7 if max_pool else 8)
    c = _case

    def x(shape):
        return _normal(r, shape, decimals=None)

    cases = [
        c("valid", "valid/pool2", "non-overlapping windows: each step gets at most one gradient",
          x=x((2, 6, 3)), pool_size=2),
        c("valid", "valid/pool3-remainder", "steps outside every window get zero gradient",
          x=x((1, 8, 2)), pool_size=3),
        c("overlap", "overlap/sentence", "pool_size=2, strides=1 on the sentence 'the boy "
          "will live' (a popular Q&A answer): windows overlap",
          x=SENTENCE, pool_size=2, strides=1),
        c("overlap", "overlap/pool3-strides1", "a step in several windows sums their gradients",
          x=x((2, 7, 2)), pool_size=3, strides=1),
        c("same", "same/pool3-strides1", "'same' padding (padded steps get no gradient)",
          x=x((2, 6, 2)), pool_size=3, strides=1, padding="same"),
        c("same", "same/pool4-strides2", "'same', odd total padding: the extra step is right",
          x=x((1, 7, 2)), pool_size=4, strides=2, padding="same"),
        c("channels_first", "channels_first/overlap", "(batch, channels, steps) input",
          x=x((2, 3, 6)), pool_size=3, strides=2, data_format="channels_first"),
        c("channels_first", "channels_first/same", "'same' on (batch, channels, steps): odd "
          "total padding, the extra step on the right", x=x((1, 2, 7)), pool_size=4, strides=2,
          padding="same", data_format="channels_first"),
    ]  # fmt: skip
    if max_pool:
        ties = np.array([[[1.0], [1.0], [0.0], [2.0], [2.0], [2.0]]], np.float32)
        cases[4:4] = [
            c("ties", "ties/overlap", "a tie: only the first maximum of a window gets the "
              "gradient (as TensorFlow does)", x=ties, pool_size=3, strides=1),
            c("ties", "ties/constant", "all values equal", x=np.zeros((1, 4, 2), np.float32),
              pool_size=2),
        ]  # fmt: skip
    return [_with_grad(case, forward, r) for case in cases]


def conv1d_backward_cases(forward: Callable) -> list[Case]:
    r = _rng(9)
    c = _case

    def n(*shape):
        return _normal(r, shape, decimals=None)

    cases = [
        c("valid", "valid/kernel3", "gradients of a 'valid' cross-correlation",
          x=n(2, 6, 3), kernel=n(3, 3, 2)),
        c("valid", "valid/kernel1", "kernel_size=1", x=n(1, 5, 2), kernel=n(1, 2, 3)),
        c("bias", "bias/kernel3", "the bias gradient sums grad_output over batch and steps",
          x=n(2, 6, 2), kernel=n(3, 2, 3), bias=n(3)),
        c("strides", "strides/2", "strides=2: some steps get gradient from one tap only",
          x=n(2, 8, 2), kernel=n(3, 2, 2), strides=2),
        c("same", "same/kernel4", "'same', odd total padding", x=n(1, 7, 2), kernel=n(4, 2, 2),
          padding="same"),
        c("causal", "causal/kernel3", "'causal' padding", x=n(2, 6, 2), kernel=n(3, 2, 2),
          padding="causal"),
        c("dilation", "dilation/2", "dilation_rate=2", x=n(1, 9, 2), kernel=n(3, 2, 2),
          dilation_rate=2),
        c("dilation", "dilation/2-same", "dilation_rate=2 with 'same': the padding is split "
          "from the dilated span", x=n(2, 7, 2), kernel=n(2, 2, 3), dilation_rate=2,
          padding="same"),
        c("groups", "groups/2", "groups=2: each group's gradient stays within its channels",
          x=n(2, 7, 4), kernel=n(3, 2, 6), bias=n(6), groups=2),
        c("groups", "groups/3-depthwise", "groups=3, one input channel per group",
          x=n(1, 6, 3), kernel=n(2, 1, 3), groups=3, strides=2),
        c("channels_first", "channels_first/valid", "(batch, channels, steps) input and "
          "grad_output", x=n(2, 3, 7), kernel=n(3, 3, 2), bias=n(2),
          data_format="channels_first"),
        c("channels_first", "channels_first/groups-same", "channels_first with groups=2 and "
          "'same'", x=n(1, 4, 6), kernel=n(3, 2, 4), groups=2, padding="same",
          data_format="channels_first"),
    ]  # fmt: skip
    return [_with_grad(case, forward, r) for case in cases]


def upsampling1d_backward_cases(forward: Callable) -> list[Case]:
    r = _rng(10)
    c = _case
    cases = [
        c("basic", "basic/sentence", "each input step receives the sum of its copies' gradients",
          x=SENTENCE, size=2),
        c("basic", "basic/size3", "size=3", x=_normal(r, (2, 3, 2), decimals=None), size=3),
        c("basic", "basic/size1", "size=1: the gradient passes through",
          x=_normal(r, (1, 4, 2), decimals=None), size=1),
    ]  # fmt: skip
    return [_with_grad(case, forward, r) for case in cases]


# --------------------------------------------------------------------------
# the random group: joint draws over every argument
# --------------------------------------------------------------------------
CL, CF = "channels_last", "channels_first"


def joint_rng(seed: int | None, stream: int) -> np.random.Generator:
    """The generator of one exercise's random cases (``seed=None``: the published draw)."""
    entropy = [stream] if seed is None else [stream, int(seed) % 2**64]
    return np.random.default_rng(entropy)


def _design(r, factors: dict[str, tuple], *, repeats: int = 1, half: bool = False) -> list[dict]:
    """Every combination of the factors' levels (``repeats`` times), in random order.

    ``half=True`` keeps the half of the combinations whose level indices have a
    given parity (drawn from ``r``): a fraction in which every pair of levels of
    any two factors still occurs, at half the cost.
    """
    combos = list(itertools.product(*(range(len(levels)) for levels in factors.values())))
    if half:
        parity = int(r.integers(0, 2))
        combos = [c for c in combos if sum(c) % 2 == parity]
    rows = [
        {name: factors[name][i] for name, i in zip(factors, combo, strict=True)} for combo in combos
    ] * repeats
    return [rows[i] for i in r.permutation(len(rows))]


def _length(r, window: int, padding: str) -> int:
    """A sequence length, often near ``window`` (``valid`` needs at least ``window``)."""
    if padding == "valid":
        extra = int(r.integers(0, 3)) if r.random() < 0.6 else int(r.integers(0, 9))
        return window + extra
    if r.random() < 0.6:
        return int(r.integers(max(1, window - 2), window + 4))
    return int(r.integers(1, 13))


def _two_different(r, low: int, high: int) -> tuple[int, int]:
    """Two different integers in ``low .. high`` (non-square windows and strides)."""
    a, b = (int(v) for v in r.choice(np.arange(low, high + 1), size=2, replace=False))
    return a, b


def _float_dtype(r, share64: float = 0.25):
    return np.float64 if r.random() < share64 else np.float32


def _joint_case(i: int, arrays, options: dict, levels: dict, seed: int | None) -> Case:
    words = [f"{k}={v}" for k, v in levels.items()]
    about = "a random combination of the arguments (" + ", ".join(words) + ")"
    # keras=False: compared with pooling_ref only in the kernel (Keras grouped convolutions
    # compile per shape); tests/autograder/checks/test_joint_cases.py proves pooling_ref
    # agrees with Keras on these draws over 50 seeds.
    return Case("random", f"random/{i}", tuple(arrays), options, about, False, seed)


def _x(r, shape_last: tuple, data_format: str, dtype) -> np.ndarray:
    """Random ``x`` given its channels_last shape, moved to ``data_format``."""
    x = _normal(r, shape_last, dtype, decimals=None)
    return np.moveaxis(x, -1, 1).copy() if data_format == CF else x


def _data_format_option(r, options: dict, data_format: str) -> None:
    """channels_first is always passed; channels_last is passed or left to the default."""
    if data_format == CF or r.random() < 0.5:
        options["data_format"] = data_format


def pool1d_random(seed: int | None, *, stream: int = 101, dtypes: bool = True) -> list[Case]:
    """padding x data_format x (strides given or default) x left padding; sizes at random.

    ``left="some"`` makes a 'same' case pad at least one step on the left (window >= 3 and
    a length that needs total padding >= 2, longer than the first window's real part);
    for 'valid' it is a second draw.
    """
    r = joint_rng(seed, stream)
    factors = {"padding": ("valid", "same"), "data_format": (CL, CF),
               "strides": ("given", "default"), "left": ("any", "some")}  # fmt: skip
    cases = []
    for i, f in enumerate(_design(r, factors)):
        pad_left = f["padding"] == "same" and f["left"] == "some"
        pool = int(r.integers(3, 6)) if pad_left else int(r.integers(1, 6))
        options: dict = {"pool_size": pool}
        if f["strides"] == "given":
            options["strides"] = int(r.integers(1, pool + 3))
        if f["padding"] == "same" or r.random() < 0.5:
            options["padding"] = f["padding"]
        _data_format_option(r, options, f["data_format"])
        length = _length(r, pool, f["padding"])
        if pad_left:
            strides = options.get("strides", pool)
            totals = {n: (-(-n // strides) - 1) * strides + pool - n for n in range(1, pool + 9)}
            # at least one padded step on the left, and a first window that misses a step
            fits = [n for n, t in totals.items() if t >= 2 and n > pool - t // 2]
            length = int(r.choice(fits or [n for n, t in totals.items() if t >= 2]))
        dtype = _float_dtype(r) if dtypes else np.float32
        shape = (int(r.integers(1, 4)), length, int(r.integers(1, 5)))
        x = _x(r, shape, f["data_format"], dtype)
        cases.append(_joint_case(i, [("x", x)], options, f, seed))
    return cases


def pool2d_random(seed: int | None) -> list[Case]:
    """padding x data_format x (strides given or default), twice; windows never square."""
    r = joint_rng(seed, 102)
    factors = {"padding": ("valid", "same"), "data_format": (CL, CF),
               "strides": ("given", "default")}  # fmt: skip
    cases = []
    for i, f in enumerate(_design(r, factors, repeats=2)):
        pool = _two_different(r, 1, 4)
        options: dict = {"pool_size": pool}
        if f["strides"] == "given":
            options["strides"] = _two_different(r, 1, 4)
        if f["padding"] == "same" or r.random() < 0.5:
            options["padding"] = f["padding"]
        _data_format_option(r, options, f["data_format"])
        rows, cols = _length(r, pool[0], f["padding"]), _length(r, pool[1], f["padding"])
        if rows == cols:  # a non-square image (still long enough for 'valid')
            cols += 1
        shape = (int(r.integers(1, 3)), rows, cols, int(r.integers(1, 4)))
        cases.append(_joint_case(i, [("x", _x(r, shape, f["data_format"], _float_dtype(r)))],
                                 options, f, seed))  # fmt: skip
    return cases


def _global_random(seed: int | None, *, mask: bool) -> list[Case]:
    r = joint_rng(seed, 104 if mask else 103)
    factors: dict = {"data_format": (CL, CF), "keepdims": (False, True)}
    if mask:
        factors["mask"] = (False, True)
    else:
        factors["dtype"] = ("float32", "float64")
    cases = []
    for i, f in enumerate(_design(r, factors, repeats=2)):
        batch, length = int(r.integers(1, 4)), int(r.integers(1, 9))
        shape = (batch, length, int(r.integers(2, 5)))
        dtype = np.dtype(f["dtype"]) if "dtype" in f else _float_dtype(r)
        options: dict = {}
        if f.get("mask"):
            m = r.random((batch, length)) < 0.6
            for row in range(batch):  # never a fully masked sample (Keras gives NaN there)
                if not m[row].any():
                    m[row, int(r.integers(0, length))] = True
            if m.all() and length > 1:  # a mask that leaves something out
                m[0, int(np.flatnonzero(m[0])[-1])] = False
            options["mask"] = m
        if f["keepdims"] or r.random() < 0.5:
            options["keepdims"] = f["keepdims"]
        _data_format_option(r, options, f["data_format"])
        cases.append(_joint_case(i, [("x", _x(r, shape, f["data_format"], dtype))], options, f,
                                 seed))  # fmt: skip
    return cases


def global_max_pool1d_random(seed: int | None) -> list[Case]:
    """data_format x keepdims x dtype, twice."""
    return _global_random(seed, mask=False)


def global_average_pool1d_random(seed: int | None) -> list[Case]:
    """data_format x keepdims x mask, twice (mask + channels_first + keepdims included)."""
    return _global_random(seed, mask=True)


def _conv_random(seed: int | None, stream: int, *, dtypes: bool) -> list[Case]:
    """padding x (plain | strides | dilation) x data_format x groups x kernel size parity.

    A half fraction (36 cases): every pair of levels occurs, and so does every
    (padding, mode, kernel parity) triple, so 'same' with dilation and an even kernel
    (odd total padding for odd dilation, the split that matters) is in every draw.
    """
    r = joint_rng(seed, stream)
    factors = {"padding": ("valid", "same", "causal"), "mode": ("plain", "strides", "dilation"),
               "data_format": (CL, CF), "groups": ("1", ">1"),
               "kernel": ("odd", "even")}  # fmt: skip
    cases = []
    for i, f in enumerate(_design(r, factors, half=True)):
        if f["groups"] == ">1":
            groups = int(r.integers(2, 4))
            group_in = 1 if r.random() < 0.25 else int(r.integers(2, 4))
            filters = groups * int(r.integers(1, 3))
        else:
            groups, group_in, filters = 1, int(r.integers(1, 5)), int(r.integers(1, 5))
        size = int(r.choice((1, 3) if f["kernel"] == "odd" else (2, 4)))
        options: dict = {}
        if f["padding"] != "valid" or r.random() < 0.5:
            options["padding"] = f["padding"]
        if f["mode"] == "strides":
            options["strides"] = int(r.integers(2, 5))
        elif f["mode"] == "dilation":  # Keras: strides > 1 and dilation_rate > 1 not together
            options["dilation_rate"] = int(r.integers(2, 4))
        if groups > 1:
            options["groups"] = groups
        _data_format_option(r, options, f["data_format"])
        span = options.get("dilation_rate", 1) * (size - 1) + 1
        length = _length(r, span, f["padding"])
        dtype = _float_dtype(r) if dtypes else np.float32
        arrays = [
            ("x", _x(r, (int(r.integers(1, 3)), length, groups * group_in), f["data_format"],
                     dtype)),
            ("kernel", _normal(r, (size, group_in, filters), dtype, decimals=None)),
        ]  # fmt: skip
        if r.random() < 0.5:
            arrays.append(("bias", _normal(r, (filters,), dtype, decimals=None)))
        cases.append(_joint_case(i, arrays, options, f, seed))
    return cases


def conv1d_random(seed: int | None) -> list[Case]:
    """padding x (plain | strides | dilation) x data_format x groups (a half fraction)."""
    return _conv_random(seed, 105, dtypes=True)


def upsampling1d_random(seed: int | None) -> list[Case]:
    """Six draws of size, length and channels (float32 or float64)."""
    r = joint_rng(seed, 106)
    cases = []
    for i in range(6):
        shape = (int(r.integers(1, 4)), int(r.integers(1, 7)), int(r.integers(1, 4)))
        x = _normal(r, shape, _float_dtype(r), decimals=None)
        size = int(r.integers(1, 6))
        cases.append(_joint_case(i, [("x", x)], {"size": size}, {"size": size}, seed))
    return cases


def _backward(cases: list[Case], forward: Callable, seed: int | None, stream: int) -> list[Case]:
    r = joint_rng(seed, stream)
    return [_with_grad(case, forward, r) for case in cases]


def max_pool1d_backward_random(forward: Callable, seed: int | None) -> list[Case]:
    """As max_pool1d's random group (float32), with a random grad_output."""
    return _backward(pool1d_random(seed, stream=107, dtypes=False), forward, seed, 207)


def average_pool1d_backward_random(forward: Callable, seed: int | None) -> list[Case]:
    """As average_pool1d's random group (float32), with a random grad_output."""
    return _backward(pool1d_random(seed, stream=108, dtypes=False), forward, seed, 208)


def conv1d_backward_random(forward: Callable, seed: int | None) -> list[Case]:
    """As conv1d's random group (float32), with a random grad_output."""
    return _backward(_conv_random(seed, 109, dtypes=False), forward, seed, 209)


def upsampling1d_backward_random(forward: Callable, seed: int | None) -> list[Case]:
    """As upsampling1d's random group (float32), with a random grad_output."""
    r = joint_rng(seed, 110)
    cases = []
    for i in range(6):
        shape = (int(r.integers(1, 4)), int(r.integers(1, 7)), int(r.integers(1, 4)))
        size = int(r.integers(1, 6))
        x = _normal(r, shape, decimals=None)
        cases.append(_joint_case(i, [("x", x)], {"size": size}, {"size": size}, seed))
    return _backward(cases, forward, seed, 210)
