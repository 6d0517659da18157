"""Check a small function against a table of calls and their answers, by group.

The course's small helpers (``pool_geometry``, ``receptive_field``,
``largest_difference``, ``conv1d_loops``, ``class_activation_map``) are not
exercises of the battery: their cases are listed by the test cell (or by
:mod:`autograder.checks._geometry`) with :func:`expect`, and :func:`check_cases`
runs them with the same two modes as every check:

* strict (``points=None``): ``AssertionError`` at the first wrong call, one line on success;
* points (``points=N``): one ``PASS``/``FAIL`` line per group, returns
  ``N * passed_groups / groups`` as a float, never raises because of the learner's function.

The learner's function runs as in the battery (:func:`autograder.checks._guard.run_guarded`):
Keras, TensorFlow and pooling_ref refuse to work inside it, its prints and warnings are
captured, and it gets copies of its array arguments.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._compare import array_mismatch, describe_input, failure_lines, tolerance_for
from ._guard import run_guarded

_MISSING = object()


@dataclass
class Expect:
    """One call of the learner's function and what it must give (see :func:`expect`)."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    returns: object = _MISSING
    raises: bool = False
    about: str = ""


def expect(*args, returns=_MISSING, raises: bool = False, about: str = "", **kwargs) -> Expect:
    """A call ``fn(*args, **kwargs)`` that must return ``returns`` (or raise, ``raises=True``).

    ``returns`` is compared by kind: an ndarray with the tolerance of its dtype and
    the same dtype; a float within ``1e-6`` relative; ints, tuples and lists
    exactly (NumPy integers and lists are accepted for ints and tuples).

    Examples
    --------
    >>> expect(5, 2, 2, "same", returns=(3, 0, 1), about="odd total padding goes right")
    Expect(args=(5, 2, 2, 'same'), kwargs={}, returns=(3, 0, 1), raises=False, about='odd total padding goes right')
    """  # noqa: E501
    if returns is _MISSING and not raises:
        raise ValueError("expect(...) needs `returns=` or `raises=True`")
    return Expect(args, dict(kwargs), returns, bool(raises), about)


def _normalise(value):
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, list | tuple):
        return tuple(_normalise(v) for v in value)
    return value


def _answer_problems(received, expected) -> list[str]:
    """Why ``received`` is not ``expected`` (empty when it is)."""
    if isinstance(expected, np.ndarray):
        if not isinstance(received, np.ndarray):
            try:
                received = np.asarray(received, dtype=float)
            except (TypeError, ValueError):
                return [f"expected an array, received {type(received).__name__} {received!r:.80}"]
            problems = array_mismatch(received, expected, rtol=1e-5, atol=1e-6)
            return problems or [f"expected a NumPy array, received a {type(received).__name__}"]
        rtol, atol = tolerance_for(expected.dtype, expected)
        problems = array_mismatch(received, expected, rtol=rtol, atol=atol)
        if not problems and received.dtype != expected.dtype:
            problems = [f"the output has dtype {received.dtype}, expected {expected.dtype}"]
        return problems
    if isinstance(expected, float):
        got = (
            received.item() if isinstance(received, np.ndarray) and received.ndim == 0 else received
        )
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            return [f"expected a number, received {type(received).__name__} {received!r:.80}"]
        if not np.isclose(float(got), expected, rtol=1e-6, atol=1e-9, equal_nan=True):
            return [f"expected {expected!r}, received {float(got)!r}"]
        return []
    got, want = _normalise(received), _normalise(expected)
    if got == want and type(got) is type(want):
        return []
    return [f"expected {want!r}, received {got!r:.120}"]


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _run(fn: Callable, name: str, case: Expect) -> list[str]:
    """Problems with the learner's answer to one call (empty when right)."""
    run = run_guarded(
        fn,
        tuple(_copy(a) for a in case.args),
        {k: _copy(v) for k, v in case.kwargs.items()},
        exercise=name,
    )
    if run.delegation:
        return [run.delegation]
    if run.error is not None:
        if case.raises and not isinstance(run.error, NotImplementedError):
            return []  # the template's `raise NotImplementedError()` is not an answer
        return [f"your function raised {type(run.error).__name__}: {run.error}"]
    if case.raises:
        return [f"expected an error, your function returned {_short(run.value)}"]
    return _answer_problems(run.value, case.returns)


def _short(value) -> str:
    if isinstance(value, np.ndarray):
        return describe_input("a value", value)
    return f"{value!r:.120}"


def _call_text(name: str, case: Expect) -> tuple[str, list[str]]:
    args, arrays = [], []
    for i, value in enumerate(case.args):
        if isinstance(value, np.ndarray):
            label = f"arg{i}"
            args.append(label)
            arrays.append(describe_input(label, value))
        else:
            args.append(repr(value))
    for key, value in case.kwargs.items():
        if isinstance(value, np.ndarray):
            args.append(f"{key}={key}")
            arrays.append(describe_input(key, value))
        else:
            args.append(f"{key}={value!r}")
    return f"{name}({', '.join(args)})", arrays


def _failure(name: str, group: str, index: int, case: Expect, problems: list[str]) -> list[str]:
    call, arrays = _call_text(name, case)
    head = f"{name}: call {index + 1} of group '{group}' failed"
    return failure_lines(head, case.about, call, arrays, problems)


def _select(name: str, table: Mapping[str, Sequence[Expect]], groups) -> list[str]:
    if groups is None:
        return list(table)
    groups = [groups] if isinstance(groups, str) else list(groups)
    unknown = [g for g in groups if g not in table]
    if unknown or not groups:
        raise ValueError(
            f"check of {name}: unknown case group(s) {unknown}; the groups are {list(table)}. "
            f"Received: groups={groups!r}"
        )
    return [g for g in table if g in groups]


def check_cases(
    fn: Callable,
    table: Mapping[str, Sequence[Expect]],
    *,
    name: str | None = None,
    groups=None,
    points=None,
) -> float | None:
    """Run the learner's ``fn`` on every call of ``table`` (group -> calls), by group.

    Parameters
    ----------
    fn : callable
        The learner's function.
    table : dict of str to list of Expect
        The calls, by group (build them with :func:`expect`).
    name : str, optional
        The function's name in messages (default: ``fn.__name__``).
    groups : list of str or None
        Groups to run (default: all). An unknown name raises ``ValueError``.
    points : float or None
        None: strict mode (``AssertionError`` at the first wrong call). A number:
        return ``points * passed_groups / groups``.

    Returns
    -------
    None (strict) or float (points earned).

    Examples
    --------
    >>> table = {"examples": [expect(2, 3, returns=5)], "negative": [expect(-2, -3, returns=-5)]}
    >>> check_cases(lambda a, b: a + b, table, name="add")
    add: 2/2 calls right
    >>> check_cases(lambda a, b: abs(a + b), table, name="add", points=1)
      PASS examples (1 call)
      FAIL negative: call 1 failed
         call: add(-2, -3)
         expected -5, received 5
    add: 1/2 groups pass -> 0.5 of 1 points
    0.5
    """
    name = name or getattr(fn, "__name__", "function")
    selected = _select(name, table, groups)
    total = None
    if points is not None:
        if isinstance(points, bool) or not isinstance(points, numbers.Real) or points <= 0:
            raise ValueError(f"`points` must be a positive number or None. Received: {points=!r}")
        total = float(points)
    if not callable(fn):
        problem = f"{name}: expected your function, received {type(fn).__name__} {fn!r:.80}"
        if total is None:
            raise AssertionError(problem)
        print(f"{problem}\n{name}: 0/{len(selected)} groups pass -> 0 of {total:g} points")
        return 0.0
    passed, n_calls = 0, 0
    for group in selected:
        failure = None
        for index, case in enumerate(table[group]):
            problems = _run(fn, name, case)
            if problems:
                failure = _failure(name, group, index, case, problems)
                break
        n = len(table[group])
        n_calls += n
        if total is None:
            if failure:
                raise AssertionError("\n".join(failure))
            continue
        if failure is None:
            passed += 1
            print(f"  PASS {group} ({n} call{'s' if n != 1 else ''})")
        else:
            print(f"  FAIL {group}: call {index + 1} failed")
            print("\n".join("     " + line for line in failure[1:]))
    if total is None:
        print(f"{name}: {n_calls}/{n_calls} calls right")
        return None
    earned = total * passed / len(selected)
    print(f"{name}: {passed}/{len(selected)} groups pass -> {earned:g} of {total:g} points")
    return float(earned)
