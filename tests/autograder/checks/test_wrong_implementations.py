"""Every known-wrong implementation fails its check with its own hint; right ones pass.

The catalogue is ``tests/autograder/wrong_implementations.py``. Wrong entries
run with ``keras=False`` (their hint never depends on Keras, and the checks stop
before the Keras comparison of the failing case); the right implementations
and the entries that call Keras/TensorFlow themselves are marked ``keras``.
"""

from __future__ import annotations

import re

import pytest
from wrong_implementations import CATALOGUE, CHEATS, CORRECT, WrongImpl, _mutate, load

from autograder import checks

NUMPY_ONLY = "must be implemented in NumPy"


def _check(exercise: str):
    return getattr(checks, f"check_{exercise}")


def _hints(message: str) -> list[str]:
    return [line.strip()[len("hint: ") :] for line in message.splitlines() if "hint: " in line]


def _marks(impl: WrongImpl):
    return [pytest.mark.keras] if impl in CHEATS else []


WRONG = [
    pytest.param(impl, id=f"{impl.exercise}-{impl.name}", marks=_marks(impl)) for impl in CATALOGUE
]


# --------------------------------------------------------------------------
# the catalogue itself
# --------------------------------------------------------------------------
def test_catalogue_covers_every_check_and_the_issue_hints():
    exercises = set(checks.EXERCISES)
    assert {impl.exercise for impl in CATALOGUE} == exercises
    assert {impl.exercise for impl in CORRECT} == exercises
    names = [(impl.exercise, impl.name) for impl in CATALOGUE + CORRECT]
    assert len(names) == len(set(names)), "duplicate catalogue entries"
    hints = " ".join(impl.hint for impl in CATALOGUE)
    for mistake in [  # the ones the issue names
        "padding only on the right",
        "counting padded zeros in the average",
        "off-by-one output length",
        "default `strides` taken as 1 instead of `pool_size`",
        "mixing channels",
        "modifying the input in place",
        "returning float64 for float32 input",
        NUMPY_ONLY,
    ]:
        assert mistake in hints


def test_mutate_changes_exactly_the_named_line():
    assert _mutate("a = 1\nb = 2\n", "b = 2", "b = 3") == "a = 1\nb = 3\n"
    with pytest.raises(ValueError, match="occurs 0 times"):
        _mutate("a = 1\n", "b = 2", "b = 3")


# --------------------------------------------------------------------------
# wrong implementations
# --------------------------------------------------------------------------
@pytest.mark.parametrize("impl", WRONG)
def test_wrong_implementation_fails_with_its_own_hint(impl: WrongImpl, capsys):
    with pytest.raises(AssertionError) as info:
        _check(impl.exercise)(load(impl), keras=False)
    message = str(info.value)
    assert impl.hint in message
    if impl in CHEATS:
        assert not _hints(message), "a delegating function gets the NumPy-only message only"
    else:  # the entry's own mistake is the first one named
        assert impl.hint in _hints(message)[0]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("impl", WRONG)
def test_wrong_implementation_earns_less_than_full_points(impl: WrongImpl, capsys):
    earned = _check(impl.exercise)(load(impl), points=10, keras=False)
    assert type(earned) is float
    assert 0.0 <= earned < 10.0
    out, err = capsys.readouterr()
    assert err == ""
    assert "FAIL" in out
    assert re.search(rf"{impl.exercise}: \d+/\d+ groups pass -> {earned:g} of 10 points", out)


# --------------------------------------------------------------------------
# right implementations written differently from pooling_ref
# --------------------------------------------------------------------------
@pytest.mark.keras
@pytest.mark.parametrize("impl", CORRECT, ids=lambda i: f"{i.exercise}-{i.name}")
def test_correct_implementation_passes_strict_and_points(impl, capsys):
    fn = load(impl)
    assert _check(impl.exercise)(fn) is None
    out = capsys.readouterr().out
    n = len(checks.EXERCISES[impl.exercise].cases())
    assert out.splitlines()[0] == (
        f"{impl.exercise}: {n}/{n} cases agree with pooling_ref and Keras"
    )
    assert _check(impl.exercise)(fn, points=4) == 4.0
    out, err = capsys.readouterr()
    assert err == ""
    groups = checks.EXERCISES[impl.exercise].groups
    assert out.count("  PASS ") == len(groups)
