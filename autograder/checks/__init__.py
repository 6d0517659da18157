"""Check functions for the notebooks' test cells.

Each ``check_<exercise>(fn)`` runs the learner's NumPy function on a battery of
cases (the course's examples, valid/same padding, default strides, edge cases,
channels_first, dtypes, and random cases drawn over the joint space of all the
arguments; see :mod:`autograder.checks._cases`),
compares every answer with :mod:`pooling_ref` and, where a Keras layer can
compute the same thing, with Keras itself. The contract (names, groups, modes)
is in ``docs/ARCHITECTURE.md``.

Two modes:

* strict (``points=None``): the first wrong case raises ``AssertionError``
  with the case's arguments, expected vs received shape, the first differing
  position with both values and, when the answer matches a known mistake, a
  hint naming it. On success one line is printed::

      max_pool1d: 31/31 cases agree with pooling_ref and Keras

* points (``points=N``): every requested group runs; one line per group says
  whether it passed (a failed group shows its first failure); the return
  value is ``N * passed_groups / groups`` as a Python float, which nbgrader
  records as the cell's partial credit when it is the cell's last expression.
  Nothing the learner's function does makes this mode raise or write to stderr.

While the learner's function runs, Keras, TensorFlow and pooling_ref refuse to
work (see :mod:`autograder.checks._guard`); the function gets copies of its inputs and
fails if it modifies them. The output dtype must be the one the Keras layer returns
for that input (default float32 policy) or the course's convention (a float input
keeps its dtype, int/bool input gives float32); see :func:`accepted_dtypes`.

Example (in a test cell)::

    from autograder.checks import check_max_pool1d
    check_max_pool1d(max_pool1d, groups=["examples", "valid"])
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

import pooling_ref

from . import _cases, _keras
from ._answers import (
    check_answer_format,
    check_array_answer,
    check_shape_answer,
    expected_conv1d_params,
    expected_conv1d_shape,
    expected_pool1d_shape,
)
from ._compare import (
    accepted_dtypes,
    array_mismatch,
    describe_input,
    dtype_mismatch,
    failure_lines,
    tolerance_for,
)
from ._expected import (
    expected_conv1d_transpose_shape,
    expected_conv2d_params,
    expected_conv2d_shape,
    expected_dense_params,
    expected_dense_shape,
    expected_global_pool_shape,
    expected_lstm_params,
    expected_lstm_shape,
    expected_pool2d_shape,
    expected_upsampling1d_shape,
)
from ._geometry import check_pool_geometry, check_receptive_field
from ._guard import run_guarded
from ._hints import hint_text, known_mistakes, shape_mistakes
from ._network import check_softmax_cross_entropy
from ._score import Score
from ._table import check_cases, expect

__all__ = [
    "Score",
    "case_arguments",
    "case_seed",
    "check_answer_format",
    "check_array_answer",
    "check_average_pool1d",
    "check_average_pool1d_backward",
    "check_cases",
    "check_conv1d",
    "check_conv1d_backward",
    "check_global_average_pool1d",
    "check_global_max_pool1d",
    "check_max_pool1d",
    "check_max_pool1d_backward",
    "check_max_pool2d",
    "check_pool_geometry",
    "check_receptive_field",
    "check_shape_answer",
    "check_softmax_cross_entropy",
    "check_upsampling1d",
    "check_upsampling1d_backward",
    "expect",
    "expected_conv1d_params",
    "expected_conv1d_shape",
    "expected_conv1d_transpose_shape",
    "expected_conv2d_params",
    "expected_conv2d_shape",
    "expected_dense_params",
    "expected_dense_shape",
    "expected_global_pool_shape",
    "expected_lstm_params",
    "expected_lstm_shape",
    "expected_pool1d_shape",
    "expected_pool2d_shape",
    "expected_upsampling1d_shape",
    "grading_context",
]

MAX_HINTS = 2  # at most this many known mistakes named in one message

#: What :func:`grading_context` sets for the checks run inside it (None: each call decides).
_CONTEXT: dict = {"seed": None, "keras": None}


@contextlib.contextmanager
def grading_context(*, seed: int | None = None, keras: bool | None = None):
    """Within the block, checks draw their ``random`` cases from ``seed`` and use Keras as told.

    The trusted verdict (:mod:`autograder.grading.trusted`) runs test cells inside
    ``grading_context(seed=<per-run seed>, keras=False)``: fresh random cases that no
    fixed list could have memorised, and pooling_ref as the only oracle (its agreement
    with Keras is established by the test suite). Outside the block (the learner's
    kernel) random cases come from the fixed seeds, so a re-run fails on the same case.

    Parameters
    ----------
    seed : int or None
        Seed of the random case groups; None keeps the fixed, published seeds.
    keras : bool or None
        Force the Keras comparison on or off for every check; None leaves each call's
        ``keras=`` argument in charge.
    """
    saved = dict(_CONTEXT)
    _CONTEXT.update(seed=seed, keras=keras)
    try:
        yield
    finally:
        _CONTEXT.clear()
        _CONTEXT.update(saved)


def case_seed() -> int | None:
    """The seed set by the innermost :func:`grading_context` (None: the fixed seeds)."""
    return _CONTEXT["seed"]


# --------------------------------------------------------------------------
# the exercises
# --------------------------------------------------------------------------
#: Old group names still accepted in ``groups=`` (for one release), and what they mean now.
DEPRECATED_GROUPS = {"seed": "examples"}
_CONTEXT_SEED = object()  # Exercise.cases(): "the seed of the current grading_context"
KEPT_DRAWS = 4  # random draws (seeds) kept per exercise; older ones are rebuilt on demand


@dataclass
class Exercise:
    """One kind of exercise: its pooling_ref function, case groups and cases.

    ``build()`` gives the fixed, named cases (built once); ``draw(seed)`` the
    ``random`` group's joint cases for one seed (built per seed, the last
    :data:`KEPT_DRAWS` kept).
    """

    name: str
    groups: tuple[str, ...]
    build: Callable[[], list[_cases.Case]]
    draw: Callable[[int | None], list[_cases.Case]]
    parts: tuple[str, ...] = ()  # names of the parts of a tuple answer (conv1d_backward)
    _named: list[_cases.Case] | None = field(default=None, repr=False)
    _draws: dict = field(default_factory=dict, repr=False)

    def reference(self) -> Callable:
        """The pooling_ref function with the exercise's name (forward or backward)."""
        for module in ("pooling_ref", "pooling_ref.backward"):
            try:
                fn = getattr(importlib.import_module(module), self.name, None)
            except ImportError:
                fn = None
            if fn is not None:
                return fn
        raise RuntimeError(f"pooling_ref.{self.name} is not available: the checks need it")

    def cases(self, seed=_CONTEXT_SEED) -> list[_cases.Case]:
        """Named cases, then the ``random`` group drawn from ``seed``.

        ``seed`` defaults to :func:`case_seed` (the innermost :func:`grading_context`;
        None outside one: the fixed, published draw).
        """
        if seed is _CONTEXT_SEED:
            seed = case_seed()
        if self._named is None:
            self._named = self.build()
        if seed not in self._draws:
            while len(self._draws) >= KEPT_DRAWS:
                _forget(self.name, next(iter(self._draws)))
                del self._draws[next(iter(self._draws))]
            self._draws[seed] = self.draw(seed)
        return self._named + self._draws[seed]


POOL_GROUPS = ("examples", "valid", "default_strides", "same", "edge", "channels_first", "dtype",
               "random")  # fmt: skip
CONV_GROUPS = ("examples", "valid", "bias", "strides", "same", "causal", "dilation", "groups",
               "channels_first", "dtype", "random")  # fmt: skip
CONV_BACKWARD_GROUPS = ("valid", "bias", "strides", "same", "causal", "dilation", "groups",
                        "channels_first", "random")  # fmt: skip
EXERCISES = {
    ex.name: ex
    for ex in [
        Exercise("max_pool1d", POOL_GROUPS, _cases.pool1d_cases, _cases.pool1d_random),
        Exercise(
            "average_pool1d",
            POOL_GROUPS,
            lambda: _cases.pool1d_cases("average"),
            _cases.pool1d_random,
        ),
        Exercise(
            "global_max_pool1d",
            ("examples", "basic", "keepdims", "channels_first", "dtype", "random"),
            _cases.global_max_pool1d_cases,
            _cases.global_max_pool1d_random,
        ),
        Exercise(
            "global_average_pool1d",
            ("basic", "mask", "keepdims", "channels_first", "dtype", "random"),
            _cases.global_average_pool1d_cases,
            _cases.global_average_pool1d_random,
        ),
        Exercise("conv1d", CONV_GROUPS, _cases.conv1d_cases, _cases.conv1d_random),
        Exercise(
            "upsampling1d",
            ("examples", "basic", "dtype", "random"),
            _cases.upsampling1d_cases,
            _cases.upsampling1d_random,
        ),
        Exercise(
            "max_pool1d_backward",
            ("valid", "overlap", "ties", "same", "channels_first", "random"),
            lambda: _cases.max_pool1d_backward_cases(pooling_ref.max_pool1d),
            lambda seed: _cases.max_pool1d_backward_random(pooling_ref.max_pool1d, seed),
        ),
        Exercise(
            "average_pool1d_backward",
            ("valid", "overlap", "same", "channels_first", "random"),
            lambda: _cases.average_pool1d_backward_cases(pooling_ref.average_pool1d),
            lambda seed: _cases.average_pool1d_backward_random(pooling_ref.average_pool1d, seed),
        ),
        Exercise(
            "conv1d_backward",
            CONV_BACKWARD_GROUPS,
            lambda: _cases.conv1d_backward_cases(pooling_ref.conv1d),
            lambda seed: _cases.conv1d_backward_random(pooling_ref.conv1d, seed),
            parts=("grad_x", "grad_kernel", "grad_bias"),
        ),
        Exercise(
            "upsampling1d_backward",
            ("basic", "random"),
            lambda: _cases.upsampling1d_backward_cases(pooling_ref.upsampling1d),
            lambda seed: _cases.upsampling1d_backward_random(pooling_ref.upsampling1d, seed),
        ),
        Exercise(
            "max_pool2d",
            ("valid", "same", "strides", "channels_first", "dtype", "random"),
            _cases.pool2d_cases,
            _cases.pool2d_random,
        ),
    ]
}

_EXPECTED: dict[tuple[str, str], object] = {}
_KERAS: dict[tuple[str, str], object] = {}


def _key(ex: Exercise, case: _cases.Case) -> tuple:
    return (ex.name, case.seed, case.name)


def _forget(exercise: str, seed) -> None:
    """Drop the cached answers of one dropped random draw."""
    for cache in (_EXPECTED, _KERAS):
        for key in [k for k in cache if k[0] == exercise and k[1] == seed and seed is not None]:
            del cache[key]


def _expected(ex: Exercise, case: _cases.Case):
    key = _key(ex, case)
    if key not in _EXPECTED:
        _EXPECTED[key] = ex.reference()(*case.args, **case.options)
    return _EXPECTED[key]


def _keras_expected(ex: Exercise, case: _cases.Case):
    """Keras' answer for the case, or None when Keras cannot express it (or fails)."""
    key = _key(ex, case)
    if key not in _KERAS:
        try:
            _KERAS[key] = _keras.output(ex.name, case)
        except Exception:  # an oracle that cannot run is skipped, never the learner's fault
            _KERAS[key] = None
    return _KERAS[key]


def case_arguments(exercise: str, case_name: str, seed: int | None = None) -> tuple[tuple, dict]:
    """``(args, kwargs)`` of one case, so a learner can reproduce a failure.

    ``seed`` selects the draw of a ``random`` case (None: the published one, as in
    the learner's notebook). Failure messages print a line that calls this.

    Examples
    --------
    >>> args, kwargs = case_arguments("max_pool1d", "examples/sentence")
    >>> args[0].shape, kwargs
    ((1, 4, 3), {'pool_size': 2, 'strides': 1})
    """
    for old, new in DEPRECATED_GROUPS.items():
        if case_name.startswith(old + "/"):
            case_name = new + case_name[len(old) :]
    for case in EXERCISES[exercise].cases(seed):
        if case.name == case_name:
            options = {
                k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in case.options.items()
            }
            return tuple(a.copy() for a in case.args), options
    raise KeyError(f"{exercise} has no case {case_name!r}")


# --------------------------------------------------------------------------
# running one case
# --------------------------------------------------------------------------
@dataclass
class Outcome:
    """The result of one case: ``problems`` is empty when the learner's answer is right."""

    case: _cases.Case
    problems: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    keras: bool = False  # compared with Keras too
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _learner_error_line(exc: BaseException) -> str:
    """`` at line N: `source` `` of the innermost frame in the learner's own code."""
    import linecache
    import traceback

    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # autograder/
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if "site-packages" not in f.filename
        and not f.filename.startswith((sys.prefix, sys.base_prefix, ours))
    ]
    if not frames:
        return ""
    last = frames[-1]
    source = (last.line or linecache.getline(last.filename, last.lineno)).strip()
    return f" at line {last.lineno}: `{source}`" if source else f" at line {last.lineno}"


def _parts(ex: Exercise, value) -> list[tuple[str, object]]:
    """Split an answer into named parts (one part, "output", for array answers)."""
    if not ex.parts:
        return [("output", value)]
    if not isinstance(value, tuple | list) or len(value) != len(ex.parts):
        return []
    return list(zip(ex.parts, value, strict=True))


def _compare(ex: Exercise, case, received, expected, oracle: str) -> list[str]:
    """Problems with ``received`` against one oracle's ``expected`` (empty when it agrees)."""
    expected_parts = _parts(ex, expected)
    received_parts = _parts(ex, received)
    if not received_parts:
        kind = type(received).__name__
        return [f"expected a tuple {tuple(ex.parts)}, received a {kind}"]
    problems = []
    for (name, got), (_, want) in zip(received_parts, expected_parts, strict=True):
        if want is None:  # e.g. grad_bias when there is no bias: anything is accepted
            continue
        rtol, atol = tolerance_for(_compared_dtype(got, want), want)
        problems += array_mismatch(got, want, rtol=rtol, atol=atol, what=name)
        if problems:
            break
    if problems and oracle == "Keras":
        problems.insert(0, "your answer agrees with pooling_ref but not with the Keras layer:")
    return problems


def _compared_dtype(got, want: np.ndarray) -> np.dtype:
    """The precision values are compared at: the lower of the answer's and the expected one.

    A float32 answer for float64 input (what Keras returns under its default float32
    policy) is compared at float32's tolerance; whether its dtype is acceptable is
    the dtype rule's question (:func:`accepted_dtypes`), asked separately.
    """
    if isinstance(got, np.ndarray) and got.dtype.kind == "f" and want.dtype.kind == "f":
        return min(got.dtype, want.dtype, key=lambda d: d.itemsize)
    return want.dtype


def run_case(ex: Exercise, case: _cases.Case, fn: Callable, *, keras: bool = True) -> Outcome:
    """Run the learner's ``fn`` on one case and judge the answer."""
    outcome = Outcome(case)
    expected = _expected(ex, case)
    inputs = [a.copy() for a in case.args]
    options = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in case.options.items()}
    run = run_guarded(fn, tuple(inputs), options, exercise=ex.name)
    if run.warnings:
        outcome.notes.append("your function raised warnings: " + "; ".join(run.warnings[:3]))
    if run.output.strip():
        first = run.output.strip().splitlines()[0][:120]
        outcome.notes.append(f"your function printed output (first line: {first!r})")
    if run.delegation:
        outcome.problems.append(run.delegation)
        return outcome
    if run.error is not None:
        exc = run.error
        outcome.problems.append(
            f"your function raised {type(exc).__name__}: {exc}{_learner_error_line(exc)}"
        )
        if isinstance(exc, NotImplementedError):
            outcome.hints.append(hint_text("not_implemented"))
        return outcome
    changed = [
        name
        for (name, original), given in zip(case.arrays, inputs, strict=True)
        if not np.array_equal(original, given, equal_nan=True)
    ]
    if changed:
        outcome.problems.append(f"your function changed its input `{changed[0]}`")
        outcome.hints.append(hint_text("in_place"))
        return outcome
    received = run.value
    outcome.problems = _compare(ex, case, received, expected, "pooling_ref")
    if outcome.problems:
        names = known_mistakes(ex.name, case, received, expected)
        names += [n for n in shape_mistakes(ex.name, case, received, expected) if n not in names]
        outcome.hints = [hint_text(n) for n in names[:MAX_HINTS]]
        x = case.array("x")
        if (
            x.dtype.kind in "biu"
            and isinstance(received, np.ndarray)
            and received.dtype.kind in "biu"
            and isinstance(expected, np.ndarray)
            and expected.dtype.kind == "f"
        ):  # e.g. means computed into an int array: the decimals are cut off
            text = hint_text("wrong_dtype_int", received=received.dtype, expected=x.dtype)
            outcome.hints = [text, *outcome.hints][:MAX_HINTS]
        return outcome
    x = case.array("x")
    masked = case.options.get("mask") is not None
    for (name, got), (_, want) in zip(_parts(ex, received), _parts(ex, expected), strict=True):
        if want is not None and isinstance(got, np.ndarray):
            accepted = accepted_dtypes(ex.name, x.dtype, want.dtype, masked=masked)
            outcome.problems += dtype_mismatch(got, accepted, ex.name, x.dtype, name)
            if outcome.problems:
                kind = "wrong_dtype" if x.dtype.kind == "f" else "wrong_dtype_int"
                outcome.hints.append(hint_text(kind, received=got.dtype, expected=x.dtype))
                return outcome
    if keras:
        keras_answer = _keras_expected(ex, case)
        if keras_answer is not None:
            outcome.keras = True
            outcome.problems = _compare(ex, case, received, keras_answer, "Keras")
    return outcome


# --------------------------------------------------------------------------
# messages
# --------------------------------------------------------------------------
def _call_text(ex: Exercise, case: _cases.Case) -> tuple[str, list[str]]:
    """``max_pool1d(x, pool_size=3, padding='same')`` and one line per array argument."""
    names = [name for name, _ in case.arrays]
    options = [
        f"{k}={k}" if isinstance(v, np.ndarray) else f"{k}={v!r}" for k, v in case.options.items()
    ]
    call = f"{ex.name}({', '.join(names + options)})"
    arrays = list(case.arrays) + [
        (k, v) for k, v in case.options.items() if isinstance(v, np.ndarray)
    ]
    return call, [describe_input(name, value) for name, value in arrays]


def _function_name(ex: Exercise, fn: Callable | None) -> str:
    """The name the learner's notebook knows the function by (the exercise's name if unknown)."""
    name = getattr(fn, "__name__", None)
    if isinstance(name, str) and name.isidentifier() and not name.startswith("<"):
        return name
    return ex.name


def reproduce_line(ex: Exercise, case: _cases.Case, fn: Callable | None = None) -> str:
    """A line that runs as printed in the learner's notebook and calls their function on the case.

    It imports what it uses (``case_arguments``) and calls the learner's function by
    the name it has in the notebook.
    """
    seed = "" if case.seed is None else f", seed={case.seed!r}"
    return (
        f"from autograder.checks import case_arguments; args, kwargs = case_arguments("
        f"{ex.name!r}, {case.name!r}{seed}); {_function_name(ex, fn)}(*args, **kwargs)"
    )


def failure_message(ex: Exercise, outcome: Outcome, fn: Callable | None = None) -> str:
    """The learner-facing description of a failed case (several short lines)."""
    case = outcome.case
    call, inputs = _call_text(ex, case)
    head = f"{ex.name}: case '{case.name}' (group '{case.group}') failed"
    lines = failure_lines(head, case.about, call, inputs, outcome.problems)
    lines += [f"  hint: {h}" for h in outcome.hints]
    lines += [f"  note: {n}" for n in outcome.notes]
    lines.append(f"  reproduce: {reproduce_line(ex, case, fn)}")
    return "\n".join(lines)


def _select(ex: Exercise, groups: Iterable[str] | None) -> list[str]:
    if groups is None:
        return list(ex.groups)
    if isinstance(groups, str):
        groups = [groups]
    groups = [DEPRECATED_GROUPS.get(g, g) if isinstance(g, str) else g for g in groups]
    unknown = [g for g in groups if g not in ex.groups]
    if unknown or not groups:
        raise ValueError(
            f"check_{ex.name}: unknown case group(s) {unknown}; the groups are "
            f"{list(ex.groups)}. Received: groups={groups!r}"
        )
    return [g for g in ex.groups if g in groups]  # contract order, no repeats


def _check_points(points) -> float:
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        raise ValueError(f"`points` must be a positive number or None. Received: points={points!r}")
    return float(points)


def _summary(ex: Exercise, outcomes: list[Outcome]) -> str:
    oracles = "pooling_ref and Keras" if any(o.keras for o in outcomes) else "pooling_ref"
    n = len(outcomes)
    return f"{ex.name}: {n}/{n} cases agree with {oracles}"


def run_check(
    name: str, fn: Callable, *, groups=None, points=None, keras: bool = True
) -> float | None:
    """Run the check of exercise ``name`` (see the module docstring for the two modes)."""
    ex = EXERCISES[name]
    if _CONTEXT["keras"] is not None:
        keras = _CONTEXT["keras"]
    selected = _select(ex, groups)
    total = None if points is None else _check_points(points)
    if not callable(fn):
        problem = f"{name}: expected your function, received {type(fn).__name__} {fn!r}"
        if total is None:
            raise AssertionError(problem)
        print(f"{problem}\n{name}: 0/{len(selected)} groups pass -> 0.0 of {total:g} points")
        return 0.0
    cases = [c for c in ex.cases() if c.group in selected]
    if total is None:
        outcomes = []
        for case in cases:
            outcome = run_case(ex, case, fn, keras=keras)
            if not outcome.ok:
                raise AssertionError(failure_message(ex, outcome, fn))
            outcomes.append(outcome)
        print(_summary(ex, outcomes))
        for note in dict.fromkeys(n for o in outcomes for n in o.notes):
            print(f"  note: {note}")
        return None

    passed = 0
    for group in selected:
        group_cases = [c for c in cases if c.group == group]
        failure = None
        for case in group_cases:
            outcome = run_case(ex, case, fn, keras=keras)
            if not outcome.ok:
                failure = outcome
                break
        if failure is None:
            passed += 1
            print(f"  PASS {group} ({len(group_cases)} cases)")
        else:
            details = failure_message(ex, failure, fn).splitlines()[1:]
            print(f"  FAIL {group}: case '{failure.case.name}' failed")
            print("\n".join("     " + line for line in details))
    earned = total * passed / len(selected)
    print(f"{name}: {passed}/{len(selected)} groups pass -> {earned:g} of {total:g} points")
    return float(earned)


# --------------------------------------------------------------------------
# the public checks (one per exercise; signatures are the contract)
# --------------------------------------------------------------------------
def _make_check(name: str, summary: str) -> Callable:
    ex = EXERCISES[name]

    def check(fn, *, groups=None, points=None, keras=True):
        return run_check(name, fn, groups=groups, points=points, keras=keras)

    check.__name__ = check.__qualname__ = f"check_{name}"
    check.__doc__ = f"""Check the learner's ``{name}`` against pooling_ref.{name} and Keras.

    {summary}

    Parameters
    ----------
    fn : callable
        The learner's function, with the signature of ``pooling_ref.{name}``.
    groups : list of str or None
        Case groups to run (default: all): {", ".join(ex.groups)}.
    points : float or None
        None: strict mode, raise ``AssertionError`` at the first wrong case.
        A number: partial-credit mode, return ``points * passed_groups / groups``.
    keras : bool
        Also compare with the Keras layer where it can express the case.

    Returns
    -------
    None (strict mode) or float (points earned).

    Examples
    --------
    >>> check_{name}({name}, points=2)  # the learner's function  # doctest: +SKIP
    """
    return check


check_max_pool1d = _make_check("max_pool1d", "Max pooling over steps (MaxPooling1D).")
check_average_pool1d = _make_check(
    "average_pool1d", "Average pooling over steps (AveragePooling1D); padding never counts."
)
check_global_max_pool1d = _make_check("global_max_pool1d", "GlobalMaxPooling1D.")
check_global_average_pool1d = _make_check(
    "global_average_pool1d", "GlobalAveragePooling1D, with an optional (batch, steps) mask."
)
check_conv1d = _make_check("conv1d", "Conv1D as a cross-correlation with bias.")
check_upsampling1d = _make_check("upsampling1d", "UpSampling1D (repeat each step).")
check_max_pool1d_backward = _make_check(
    "max_pool1d_backward", "Gradient of max pooling with respect to x (first max wins ties)."
)
check_average_pool1d_backward = _make_check(
    "average_pool1d_backward", "Gradient of average pooling with respect to x."
)
check_conv1d_backward = _make_check(
    "conv1d_backward", "Gradients of conv1d: returns (grad_x, grad_kernel, grad_bias or None)."
)
check_upsampling1d_backward = _make_check(
    "upsampling1d_backward", "Gradient of UpSampling1D with respect to x."
)
check_max_pool2d = _make_check("max_pool2d", "Max pooling over rows and columns (MaxPooling2D).")
