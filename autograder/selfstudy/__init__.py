"""Self-study: check an exercise before hand-in, ask for hints and solutions, see progress.

Runs in the learner's kernel. Every notebook's set-up cell imports it as ``selfstudy``::

    selfstudy.check("max_pool1d")     # one exercise: the full battery, fresh random cases
    selfstudy.check()                 # every exercise of this notebook
    selfstudy.hint("max_pool1d")      # the next hint (several levels; the first never the answer)
    selfstudy.solution("max_pool1d")  # the worked solution (self-study edition only)
    selfstudy.model_answer("explain_same_padding_never_wins")  # model answer and rubric
    selfstudy.progress()              # every notebook: self-checks, reveals, a rough total

A test cell's points are a ``Score`` over its parts (``score.add(check_<op>, fn, ...)``).
The self-check reruns every part it can, each worth its share of the cell as at grading:
the checks with named case groups on a learner function (the battery's ``check_<op>``,
``check_pool_geometry``, ``check_receptive_field``) with the same groups and weights as the
test cells, hidden ones included (it knows only their group names and weights, from the
table ``python -m autograder generate`` builds), on random cases drawn from a fresh seed
with pooling_ref as the oracle; and the visible parts of other kinds (answer formats,
visible answers, ``check_cases`` tables) by running the visible test code, as the student
notebook shows it, on a copy of the notebook's variables. Grading stays authoritative:
hidden parts of other kinds (the values of answers, hidden call tables) and written
answers are not measured here, and say so.

What is revealed is recorded in ``~/.poolcourse/progress.json`` (see :mod:`._progress`).
A course built for a graded class (``generate --graded``) has the self-check and the
first hints, but no solutions, outlines or model answers.

Bad input (an unknown exercise, a kernel outside the course) prints a message; nothing
here raises at the learner.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from . import _progress, _table
from ._table import Exercise, SelfStudyError

__all__ = ["SelfCheck", "check", "hint", "model_answer", "progress", "solution"]

_GRADED_NOTE = (
    "This is the graded edition of the course: it carries no solutions or model answers. "
    "Ask your instructor, or use hint()."
)


def _friendly(func: Callable) -> Callable:
    """Turn the learner's bad input (:class:`SelfStudyError`) into a printed message."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SelfStudyError as err:
            print(f"{func.__name__}: {err}")
            return None

    return wrapper


def _namespace(namespace: dict | None) -> dict:
    """Where the learner's names live: the notebook's (IPython) namespace by default."""
    if namespace is not None:
        return namespace
    with contextlib.suppress(ImportError):
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    return vars(sys.modules["__main__"])


# --------------------------------------------------------------------------- self-check


@dataclass
class SelfCheck:
    """What one self-check measured.

    ``earned`` of ``measured`` points come from the check batteries; ``unmeasured`` points
    (other hidden tests, written answers) are decided only by grading.
    """

    earned: float = 0.0
    measured: float = 0.0
    unmeasured: float = 0.0
    exercises: dict = field(default_factory=dict)  # exercise name -> (earned, measured)

    def __repr__(self) -> str:
        return (
            f"SelfCheck(earned={self.earned:g}, measured={self.measured:g}, "
            f"unmeasured={self.unmeasured:g})"
        )


#: What a hidden part that names no learner variable checks (said when it is left to grading).
_UNNAMED = {
    "shape_answer": "the values of your answers",
    "array_answer": "the values of your answers",
    "points": "the hidden test",
    "cases": "the hidden calls",
}


def _run_part(part: dict, fn, seed: int) -> float:
    """Run one ``check`` part of a test cell's Score (a check with named case groups)."""
    import inspect

    from autograder import checks

    if part["check"] in checks.EXERCISES:
        return checks.run_check(
            part["check"], fn, groups=part["groups"], points=part["points"], keras=False
        )
    check = getattr(checks, f"check_{part['check']}")
    options = {"seed": seed} if "seed" in inspect.signature(check).parameters else {}
    return check(fn, groups=part["groups"], points=part["points"], **options)


def _run_visible(ex: Exercise, namespace: dict) -> tuple[float, str | None]:
    """Run the exercise's visible test code (its ``visible`` parts) on a copy of ``namespace``.

    Returns the weight earned, or 0 and why the code could not run (a name not defined yet).
    """
    scratch = dict(namespace)
    try:
        exec(compile(ex.visible_code, f"<visible test of {ex.name}>", "exec"), scratch)
    except NameError as err:
        return 0.0, f"{err.name} is not defined yet: run the cell of this exercise first"
    except Exception as err:  # the visible test code itself stopped: say so, score 0
        return 0.0, f"the visible test stopped: {type(err).__name__}: {err}"
    score = scratch.get("score")
    return float(getattr(score, "earned", 0.0)), None


def _check_one(ex: Exercise, namespace: dict, seed: int) -> SelfCheck:
    from autograder.checks import grading_context

    result = SelfCheck()
    print(f"== {ex.notebook} · {ex.label} [{ex.name}]")
    if ex.kind == "written":
        result.unmeasured = ex.points
        how = (
            "compare yours with selfstudy.model_answer"
            if _table.reveal()
            else "your instructor grades it"
        )
        print(f"   written answer, graded by hand ({ex.points:g} points): {how}({ex.name!r}).")
        return result
    if ex.kind == "test":
        result.unmeasured = ex.points
        print(
            f"   not measured here: run the exercise's test cell ({ex.test}) for its visible "
            f"tests; its hidden tests ({ex.points:g} points in all) run only at hand-in."
        )
        for line in _compare_with_model(ex, namespace):
            print(f"   {line}")
        return result
    # The cell's points are points * earned / possible over its Score's parts: each part
    # is worth its share of the cell, whether the self-check can run it or not.
    weights = sum(float(p["points"]) for p in ex.checks)
    share = ex.points / weights
    earned = measured = 0.0
    from autograder import checks

    with grading_context(seed=seed, keras=False):
        for part in ex.checks:
            if part["runner"] != "check":
                continue
            op = part["check"]
            if op not in checks.EXERCISES and not hasattr(
                checks, f"check_{op}"
            ):  # a course newer than this installation: leave it to grading
                continue
            measured += part["points"]
            fn = namespace.get(part["function"])
            if fn is None:
                print(
                    f"   {part['function']} is not defined yet: run the cell of this exercise "
                    f"first (0 of {part['points'] * share:g} points)."
                )
                continue
            with contextlib.redirect_stderr(sys.stdout):
                earned += float(_run_part(part, fn, seed) or 0.0)
        visible = sum(p["points"] for p in ex.checks if p["runner"] == "visible")
        if visible and ex.visible_code:
            got, problem = _run_visible(ex, namespace)
            if problem:
                print(f"   {problem} (0 of {visible * share:g} points).")
            earned += min(got, visible)
            measured += visible
    result.earned = round(earned * share, 10)
    result.measured = round(measured * share, 10)
    result.unmeasured = round(max(ex.points - result.measured, 0.0), 10)
    result.exercises[ex.name] = (result.earned, result.measured)
    random = (
        f" The random cases came from seed {seed}: to reproduce one, call case_arguments "
        f"inside autograder.checks.grading_context(seed={seed})."
        if any(p["runner"] == "check" for p in ex.checks)
        else ""
    )
    print(
        f"   self-check: {result.earned:g} of {result.measured:g} points (grading would give "
        f"the same on these cases).{random}"
    )
    if result.unmeasured:
        left = sorted({p["function"] or _UNNAMED.get(p["check"], p["check"]) for p in ex.checks
                       if p["runner"] is None})  # fmt: skip
        print(
            f"   {result.unmeasured:g} more points are decided only at hand-in (hidden checks "
            f"of {', '.join(left)})."
        )
        for line in _compare_with_model(ex, namespace):
            print(f"   {line}")
    _progress.update(
        ex.notebook,
        ex.name,
        self_check={"earned": result.earned, "measured": result.measured, "seed": seed},
    )
    return result


@_friendly
def check(name: str | None = None, *, notebook: str | None = None, namespace=None):
    """Self-check one exercise (``name``) or, without a name, every exercise of the notebook.

    Runs the test cells' check batteries, hidden groups included, on random cases from a
    fresh seed, and prints per group what passes and the points grading would give.

    Parameters
    ----------
    name : str, optional
        The exercise: its function or answer name (``"max_pool1d"``), or its id.
    notebook : str, optional
        The notebook (default: the one this kernel runs, as its set-up cell says).
    namespace : dict, optional
        Where your functions are (default: the notebook's variables).

    Returns
    -------
    SelfCheck
        Points earned of those measured, and those left to grading.
    """
    namespace = _namespace(namespace)
    seed = secrets.randbelow(2**31)
    if name is not None:
        return _check_one(_table.find(name, notebook), namespace, seed)
    here = notebook or _table.current_notebook()
    if here is None:
        raise SelfStudyError(
            "cannot tell which notebook this is: run its first (set-up) cell, or name it, "
            f"e.g. check(notebook={_table.notebooks()[0]!r}). The notebooks are "
            f"{', '.join(_table.notebooks())}."
        )
    total = SelfCheck()
    for ex in _table.exercises(here):
        one = _check_one(ex, namespace, seed)
        total.earned = round(total.earned + one.earned, 10)
        total.measured = round(total.measured + one.measured, 10)
        total.unmeasured = round(total.unmeasured + one.unmeasured, 10)
        total.exercises.update(one.exercises)
    print(
        f"\n{here}: self-check {total.earned:g} of {total.measured:g} points measured; "
        f"{total.unmeasured:g} more points are decided only at hand-in "
        "(hidden tests of answers, written answers)."
    )
    return total


def _same(mine, model) -> bool:
    """``mine`` equals ``model``: dicts key by key, numbers to float32 precision."""
    import numpy as np

    if isinstance(model, dict):
        return (
            isinstance(mine, dict)
            and mine.keys() == model.keys()
            and all(_same(mine[k], model[k]) for k in model)
        )
    try:
        a, b = np.asarray(mine, dtype=float), np.asarray(model, dtype=float)
    except (TypeError, ValueError):
        return bool(mine == model)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True))


def _compare_with_model(ex: Exercise, namespace: dict) -> list[str]:
    """Self-study edition: the learner's answers (dicts, sequences, arrays) vs the model's.

    The model answer is computed by running the worked solution on a copy of the
    notebook's variables; single numbers and functions are left to the test cell (a test
    may accept a range). Nothing is shown of the model's values, only which entries agree.
    """
    import io

    import numpy as np

    code = _table.reveal().get(ex.notebook, {}).get(ex.name, {}).get("solution")
    if not code:
        return []
    scratch = dict(namespace)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(code, f"<model answer of {ex.name}>", "exec"), scratch)
    except Exception:  # the model needs cells the learner has not run: nothing to compare
        return []
    lines = []
    for var in ex.defines:
        model = scratch.get(var)
        if not isinstance(model, dict | list | tuple | np.ndarray):
            continue
        if var not in namespace:
            lines.append(f"{var} is not defined yet: run the exercise's cell first.")
            continue
        mine = namespace[var]
        if isinstance(model, dict):
            keys = list(model)
            agree = [k for k in keys if isinstance(mine, dict) and k in mine
                     and _same(mine[k], model[k])]  # fmt: skip
            wrong = [k for k in keys if k not in agree]
            lines.append(
                f"{var}: {len(agree)}/{len(keys)} entries agree with the model answer"
                + (f" (look again at {', '.join(map(str, wrong))})" if wrong else "")
            )
        else:
            verdict = "agrees" if _same(mine, model) else "does not agree"
            lines.append(f"{var} {verdict} with the model answer")
    if lines:
        lines.append("(a comparison with the model answer, not a score: grading decides)")
    return lines


# --------------------------------------------------------------------------- hints


def _known_mistakes(check: str) -> list[str]:
    from autograder.checks import _hints

    names = dict.fromkeys(m.name for m in _hints.MISTAKES.get(check, lambda: [])())
    return [_hints.HINTS[n] for n in names if n in _hints.HINTS and "{" not in _hints.HINTS[n]]


def hint_levels(ex: Exercise) -> list[str]:
    """The hints of ``ex``, from the gentlest; the first never gives the answer away."""
    first = ex.statement.split("```")[0].split("\n\n")[0].strip()
    if first and first[-1] not in ".:)":
        first += " ..."
    levels = [
        f"Re-read the section «{ex.section}», then the task again: {first}"
        if ex.section
        else f"Re-read the task: {first}"
    ]
    batteries = [c for c in ex.checks if c.get("runner") == "check"]
    if batteries:
        visible = [g for c in batteries if not c["hidden"] for g in c["groups"] or ["all"]]
        hidden = [g for c in batteries if c["hidden"] for g in c["groups"] or ["all"]]
        levels.append(
            f"Your function is checked on the case groups {', '.join(visible)} (visible) and "
            f"{', '.join(hidden) or 'none'} (at hand-in). selfstudy.check({ex.name!r}) runs "
            "them all; a failing group prints the case and how to reproduce it."
        )
        mistakes = [m for c in dict.fromkeys(c["check"] for c in batteries) for m in
                    _known_mistakes(c)]  # fmt: skip
        if mistakes:
            levels.append(
                "Mistakes the checks recognise (is one of them yours?):\n"
                + "\n".join(f"  - {m}" for m in mistakes)
            )
    elif ex.kind in ("check", "test"):
        levels.append(
            f"What its test cell ({ex.test}) checks: {ex.test_doc or 'see the cell'}"
            + "".join(f"\n  - {m}" for m in ex.visible_messages)
        )
    outline = _table.reveal().get(ex.notebook, {}).get(ex.name, {}).get("outline")
    if outline:
        levels.append(
            "The model solution's steps (its comments and NumPy calls, in order):\n"
            + "\n".join(f"  - {step}" for step in outline)
        )
    if ex.kind == "written":
        levels.append(
            f"Answer in full sentences, with the numbers or pictures of the notebook as "
            f"evidence; the rubric gives {ex.points:g} points. "
            + ("selfstudy.model_answer() shows it." if _table.reveal() else "")
        )
    return levels


@_friendly
def hint(name: str | None = None, level: int | None = None, *, notebook: str | None = None) -> None:
    """Show the next hint of an exercise (or hint number ``level``, from 1).

    Each call shows one more level; which levels you saw is recorded in your progress.
    """
    ex = _table.find(name, notebook)
    levels = hint_levels(ex)
    seen = int(_progress.record(ex.notebook, ex.name).get("hints", 0))
    if level is None:
        level = min(seen + 1, len(levels))
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= len(levels):
        raise SelfStudyError(f"{ex.name} has hints 1 to {len(levels)}. Received: level={level!r}")
    print(f"Hint {level} of {len(levels)} for {ex.label} [{ex.name}]:\n{levels[level - 1]}")
    if level < len(levels):
        print(f"(hint({ex.name!r}) again for the next one)")
    _progress.update(ex.notebook, ex.name, hints=max(seen, level))


@_friendly
def solution(name: str | None = None, *, notebook: str | None = None) -> None:
    """Show the worked solution of an exercise (recorded in your progress)."""
    ex = _table.find(name, notebook)
    if not _table.reveal():
        print(_GRADED_NOTE)
        return
    if ex.kind == "written":
        model_answer(ex.name, notebook=ex.notebook)
        return
    text = _table.reveal()[ex.notebook][ex.name]["solution"]
    print(f"Solution of {ex.label} [{ex.name}]:\n\n{text}")
    _progress.update(ex.notebook, ex.name, solution=True)


@_friendly
def model_answer(name: str | None = None, *, notebook: str | None = None) -> None:
    """Show the model answer and the rubric of a written exercise (recorded)."""
    ex = _table.find(name, notebook)
    if not _table.reveal():
        print(_GRADED_NOTE)
        return
    if ex.kind != "written":
        raise SelfStudyError(
            f"{ex.name} is not a written exercise; selfstudy.solution({ex.name!r}) shows "
            "its worked solution."
        )
    text = _table.reveal()[ex.notebook][ex.name]["model_answer"]
    print(f"{ex.label} [{ex.name}]\n\n{text}")
    _progress.update(ex.notebook, ex.name, model_answer=True)


# --------------------------------------------------------------------------- progress


def progress_text() -> str:
    """The progress table across the notebooks (what :func:`progress` prints)."""
    records = _progress.load()["notebooks"]
    lines = []
    earned = measured = total = 0.0
    for nb in _table.notebooks():
        lines.append(nb)
        for ex in _table.exercises(nb):
            rec = records.get(nb, {}).get(ex.name, {})
            total += ex.points
            result = rec.get("self_check")
            if ex.kind != "check":
                status = "graded by hand" if ex.kind == "written" else "hand-in only"
            elif result is None:
                status = "not checked"
            else:
                earned += result["earned"]
                measured += result["measured"]
                mark = "pass" if result["earned"] >= result["measured"] else "FAIL"
                status = f"{mark} {result['earned']:g}/{result['measured']:g}"
            shown = []
            if rec.get("hints"):
                shown.append(f"hints {rec['hints']}/{len(hint_levels(ex))}")
            if rec.get("solution"):
                shown.append("solution")
            if rec.get("model_answer"):
                shown.append("model answer")
            lines.append(
                f"  {ex.name:38s} {ex.points:>4g} pts  {status:16s} "
                f"{'revealed: ' + ', '.join(shown) if shown else ''}".rstrip()
            )
    lines.append(
        f"self-check total: {earned:g} of {measured:g} points checked so far, of {total:g} "
        "in the course (answers and written parts are scored only at hand-in)"
    )
    lines.append(f"(recorded in {_progress.path()})")
    return "\n".join(lines)


@_friendly
def progress() -> None:
    """Print, across the notebooks, which exercises pass the self-check and what you revealed."""
    print(progress_text())
