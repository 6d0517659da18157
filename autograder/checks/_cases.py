"""The battery of cases each check runs, grouped by what they test.

A :class:`Case` is one call of the learner's function: the arrays it receives
positionally (``x``, ``kernel``, ``bias``; ``grad_output, x`` for the backward
exercises) and the keyword options (``pool_size=3, padding="same"``). Options
the case leaves out are left to the learner's defaults, which is how the
``default_strides`` group checks that ``strides=None`` means ``pool_size``.

Cases are deterministic (fixed literal data and seeded random data), so a
learner who re-runs a check sees the same case fail, and
``case_arguments(exercise, case_name)`` gives them the exact inputs. Group
names are part of the contract in ``docs/ARCHITECTURE.md``.

Literal "seed" cases come from the source material the course was commissioned
from: the four-word sentence ``the boy will live`` pooled with
``MaxPooling1D(pool_size=2, strides=1)`` (4 steps -> 3), the ``[10, 4, 10]``
batch, and the ``Conv1D(filters=5, kernel_size=3)`` with a kernel of ones
followed by ``MaxPool1D(pool_size=3, strides=3)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: The seed's word vectors for "the boy will live": (batch=1, steps=4, channels=3).
SENTENCE = np.array(
    [[[0.7, -0.2, 0.1], [0.8, -0.3, 0.2], [0.2, -0.1, 0.4], [0.4, -0.4, 0.8]]], dtype=np.float32
)


@dataclass
class Case:
    """One call of the learner's function.

    ``arrays`` are passed positionally in order (names used in messages),
    ``options`` as keywords. ``keras`` says whether the Keras layer can compute
    the same thing (compared as a second oracle). ``about`` is what the case
    tests, in a few words, shown when it fails.
    """

    group: str
    name: str
    arrays: tuple[tuple[str, np.ndarray], ...]
    options: dict = field(default_factory=dict)
    about: str = ""
    keras: bool = True

    @property
    def args(self) -> tuple:
        return tuple(value for _, value in self.arrays)

    def array(self, name: str) -> np.ndarray | None:
        return dict(self.arrays).get(name)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


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


def _random_case(r, i: int, shape: tuple, options: dict) -> Case:
    """Random case ``i`` with input ``shape`` (channels_last); odd ``i`` use channels_first."""
    if i % 2:
        options["data_format"] = "channels_first"
        shape = (shape[0], shape[-1], *shape[1:-1])
    return Case("random", f"random/{i}", (("x", _normal(r, shape, decimals=None)),), options)


# --------------------------------------------------------------------------
# max_pool1d / average_pool1d
# --------------------------------------------------------------------------
def pool1d_cases() -> list[Case]:
    r = _rng(1)
    c = _case
    cases = [
        c("seed", "seed/sentence", "the seed's 'the boy will live' example", x=SENTENCE,
          pool_size=2, strides=1),
        c("seed", "seed/batch-10x4x10", "[10, 4, 10] -> [10, 3, 10] with pool_size=2, strides=1",
          x=_normal(r, (10, 4, 10)), pool_size=2, strides=1),
        c("seed", "seed/pool3-strides3", "MaxPool1D(pool_size=3, strides=3) on a (3, 6, 5) input",
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
        c("dtype", "dtype/float64-valid", "float64 in, float64 out",
          x=_normal(r, (2, 6, 3), np.float64, None), pool_size=2, strides=1),
        c("dtype", "dtype/float64-same", "float64 in, float64 out, 'same'",
          x=_normal(r, (1, 7, 2), np.float64, None), pool_size=3, strides=2, padding="same"),
    ]  # fmt: skip
    for i in range(6):
        length = int(r.integers(1, 13))
        padding = str(r.choice(["valid", "same"]))
        pool = int(r.integers(1, (length if padding == "valid" else 5) + 1))
        options = {"pool_size": pool, "padding": padding}
        strides = int(r.integers(0, 5))
        if strides:
            options["strides"] = strides
        shape = (int(r.integers(1, 4)), length, int(r.integers(1, 5)))
        cases.append(_random_case(r, i, shape, options))
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
        c("dtype", "dtype/float64", "float64 in, float64 out",
          x=_normal(r, (1, 4, 6, 2), np.float64, None), pool_size=(2, 2)),
    ]  # fmt: skip
    for i in range(4):
        rows, cols = int(r.integers(2, 9)), int(r.integers(2, 9))
        padding = str(r.choice(["valid", "same"]))
        pool = (int(r.integers(1, min(rows, 4) + 1)), int(r.integers(1, min(cols, 4) + 1)))
        options = {"pool_size": pool, "padding": padding}
        if r.integers(0, 2):
            options["strides"] = (int(r.integers(1, 4)), int(r.integers(1, 4)))
        shape = (int(r.integers(1, 3)), rows, cols, int(r.integers(1, 4)))
        cases.append(_random_case(r, i, shape, options))
    return cases


# --------------------------------------------------------------------------
# global pooling
# --------------------------------------------------------------------------
def global_max_pool1d_cases() -> list[Case]:
    r = _rng(3)
    c = _case
    cases = [
        c("seed", "seed/sentence", "the seed's sentence: one max per channel", x=SENTENCE),
        c("seed", "seed/batch-10x4x10", "[10, 4, 10] -> [10, 10]", x=_normal(r, (10, 4, 10))),
        c("basic", "basic/random", "one max per sample and channel", x=_normal(r, (2, 5, 3))),
        c("basic", "basic/all-negative", "all values negative", x=-np.abs(_normal(r, (2, 4, 3)))),
        c("basic", "basic/length-1", "a sequence of length 1", x=_normal(r, (3, 1, 2))),
        c("keepdims", "keepdims/true", "keepdims=True keeps a steps axis of length 1",
          x=_normal(r, (2, 5, 3)), keepdims=True),
        c("keepdims", "keepdims/channels_first", "keepdims=True with channels_first",
          x=_normal(r, (2, 3, 5)), keepdims=True, data_format="channels_first"),
        c("channels_first", "channels_first/basic", "(batch, channels, steps) input",
          x=_normal(r, (2, 3, 5)), data_format="channels_first"),
        c("dtype", "dtype/float64", "float64 in, float64 out",
          x=_normal(r, (2, 5, 3), np.float64, None)),
    ]  # fmt: skip
    return cases + _global_random_cases(r, mask=False)


def global_average_pool1d_cases() -> list[Case]:
    r = _rng(4)
    c = _case
    mask_a = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    mask_b = np.array([[True, False, True, True, True, False]])
    cases = [
        c("basic", "basic/sentence", "the seed's sentence: one mean per channel", x=SENTENCE),
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
        c("dtype", "dtype/float64", "float64 in, float64 out",
          x=_normal(r, (2, 5, 3), np.float64, None)),
    ]  # fmt: skip
    # the mask is an option (keyword), not a positional array
    for case in cases:
        if case.array("mask") is not None:
            case.options = {"mask": case.array("mask"), **case.options}
            case.arrays = tuple(a for a in case.arrays if a[0] != "mask")
    return cases + _global_random_cases(r, mask=True)


def _global_random_cases(r, *, mask: bool) -> list[Case]:
    cases = []
    for i in range(4):
        shape = (int(r.integers(1, 4)), int(r.integers(1, 9)), int(r.integers(1, 5)))
        options: dict = {}
        if mask and i % 2 == 0:
            m = r.random((shape[0], shape[1])) < 0.7
            m[:, 0] = True  # never a fully masked sample (Keras gives NaN there)
            options["mask"] = m
        if i == 3:
            options["keepdims"] = True
        cases.append(_random_case(r, i, shape, options))
    return cases


# --------------------------------------------------------------------------
# conv1d
# --------------------------------------------------------------------------
def conv1d_cases() -> list[Case]:
    r = _rng(5)
    c = _case
    seed_data = r.integers(1, 6, size=(3, 8, 3)).astype(np.float32)

    def k(size, cin, filters, dtype=np.float32):
        return _normal(r, (size, cin, filters), dtype, 2 if dtype == np.float32 else None)

    cases = [
        c("seed", "seed/ones-kernel", "the seed's Conv1D(filters=5, kernel_size=3) with a kernel "
          "of ones: each output is the sum of a 3-step window over all channels",
          x=seed_data, kernel=np.ones((3, 3, 5), np.float32)),
        c("seed", "seed/sentence", "a kernel of 2 taps on the seed's sentence",
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
        c("dtype", "dtype/float64", "float64 in, float64 out",
          x=_normal(r, (2, 6, 3), np.float64, None), kernel=k(3, 3, 2, np.float64)),
    ]  # fmt: skip
    for i in range(5):
        cin, filters = int(r.integers(1, 4)), int(r.integers(1, 4))
        size, dilation = int(r.integers(1, 4)), int(r.integers(1, 3))
        padding = str(r.choice(["valid", "same", "causal"]))
        length = int(r.integers(dilation * (size - 1) + 1, 12))
        options: dict = {"padding": padding, "strides": int(r.integers(1, 3))}
        if dilation > 1:
            options = {"padding": padding, "dilation_rate": dilation}  # Keras: not both > 1
        arrays = [
            ("x", _normal(r, (int(r.integers(1, 3)), length, cin), decimals=None)),
            ("kernel", _normal(r, (size, cin, filters), decimals=None)),
        ]
        if i % 2:
            arrays.append(("bias", _normal(r, (filters,), decimals=None)))
        cases.append(Case("random", f"random/{i}", tuple(arrays), options))
    return cases


# --------------------------------------------------------------------------
# upsampling1d
# --------------------------------------------------------------------------
def upsampling1d_cases() -> list[Case]:
    r = _rng(6)
    c = _case
    cases = [
        c("seed", "seed/sentence", "each step repeated twice (the seed's UpSampling, in 1D)",
          x=SENTENCE, size=2),
        c("basic", "basic/size3", "size=3: each step three times", x=_normal(r, (2, 3, 2)),
          size=3),
        c("basic", "basic/size1", "size=1 changes nothing", x=_normal(r, (1, 4, 2)), size=1),
        c("basic", "basic/default-size", "the default size is 2", x=_normal(r, (2, 3, 3))),
        c("dtype", "dtype/float64", "float64 in, float64 out",
          x=_normal(r, (2, 3, 2), np.float64, None), size=2),
    ]  # fmt: skip
    for i in range(3):
        shape = (int(r.integers(1, 4)), int(r.integers(1, 7)), int(r.integers(1, 4)))
        cases.append(
            Case(
                "random",
                f"random/{i}",
                (("x", _normal(r, shape, decimals=None)),),
                {"size": int(r.integers(1, 5))},
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
                case.about, case.keras)  # fmt: skip


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
        c("overlap", "overlap/sentence", "the seed's pool_size=2, strides=1: windows overlap",
          x=SENTENCE, pool_size=2, strides=1),
        c("overlap", "overlap/pool3-strides1", "a step in several windows sums their gradients",
          x=x((2, 7, 2)), pool_size=3, strides=1),
        c("same", "same/pool3-strides1", "'same' padding (padded steps get no gradient)",
          x=x((2, 6, 2)), pool_size=3, strides=1, padding="same"),
        c("same", "same/pool4-strides2", "'same', odd total padding: the extra step is right",
          x=x((1, 7, 2)), pool_size=4, strides=2, padding="same"),
        c("channels_first", "channels_first/overlap", "(batch, channels, steps) input",
          x=x((2, 3, 6)), pool_size=3, strides=2, data_format="channels_first"),
    ]  # fmt: skip
    if max_pool:
        ties = np.array([[[1.0], [1.0], [0.0], [2.0], [2.0], [2.0]]], np.float32)
        cases[4:4] = [
            c("ties", "ties/overlap", "a tie: only the first maximum of a window gets the "
              "gradient (as TensorFlow does)", x=ties, pool_size=3, strides=1),
            c("ties", "ties/constant", "all values equal", x=np.zeros((1, 4, 2), np.float32),
              pool_size=2),
        ]  # fmt: skip
    for i in range(4):
        length = int(r.integers(1, 11))
        padding = str(r.choice(["valid", "same"]))
        pool = int(r.integers(1, (length if padding == "valid" else 4) + 1))
        options = {"pool_size": pool, "strides": int(r.integers(1, 4)), "padding": padding}
        shape = (int(r.integers(1, 3)), length, int(r.integers(1, 4)))
        cases.append(_random_case(r, i, shape, options))
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
    ]  # fmt: skip
    for i in range(3):
        cin, filters, size = int(r.integers(1, 4)), int(r.integers(1, 4)), int(r.integers(1, 4))
        padding = str(r.choice(["valid", "same", "causal"]))
        length = int(r.integers(size, 10))
        arrays = [("x", n(int(r.integers(1, 3)), length, cin)), ("kernel", n(size, cin, filters))]
        if i % 2 == 0:
            arrays.append(("bias", n(filters)))
        options = {"padding": padding, "strides": int(r.integers(1, 3))}
        cases.append(Case("random", f"random/{i}", tuple(arrays), options))
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
    for i in range(3):
        shape = (int(r.integers(1, 4)), int(r.integers(1, 6)), int(r.integers(1, 4)))
        x = _normal(r, shape, decimals=None)
        cases.append(Case("random", f"random/{i}", (("x", x),), {"size": int(r.integers(1, 5))}))
    return [_with_grad(case, forward, r) for case in cases]
