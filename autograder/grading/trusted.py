"""The trusted re-check: the learner's functions re-run where their code cannot reach the tests.

nbgrader runs the tests in the learner's own kernel, so code that ran before
a test can change it: replace the check functions, find the expected answer
in the test's stack frames, read the hidden tests from disk. After
autograding, every *implementation exercise* (a grade cell that calls
``check_<exercise>(<function>, ...)`` of :mod:`autograder.checks`) is checked
again, here:

1. the grader (this process, which never runs learner code) parses the test
   cell (hidden tests included) for its ``check_*`` calls;
2. a fresh **untrusted worker** process (``python -I autograder/trusted.py
   serve``, which never imports ``pooling_ref``) gets only the source of the
   learner's solution cells. Before it runs any of it, it confines itself
   (:mod:`autograder.sandbox`): memory, CPU and file-size limits, an empty
   working folder, a scrubbed environment, and an audit hook refusing to
   import ``pooling_ref``, Keras, TensorFlow or the autograder, to read files
   other than Python's own, to write, to start processes or to use the network;
3. the grader runs the same check (:func:`autograder.checks.run_check`, same
   case groups, same points) with a stand-in function that sends each case's
   inputs to the worker and gets back only the answer, as ``.npy`` data
   (``allow_pickle=False``: nothing the worker sends can run code here); the
   expected answers never leave this process;
4. the cell's points become ``min(nbgrader's score, trusted score)``; a lower
   trusted score is reported as ``cheating-suspected`` with both scores.

The same inputs with fresh random values (drawn now, so no one could have
known them) are also sent: a function that passes the published cases but not
these is reported as ``hard-coded-suspected`` (no points are changed: an
honest bug can look the same).

The worker runs the learner's solution cells whole and, from the other cells
before the test (the instructor's helpers, cells the learner added), only the
definitions (``def``, ``class``, imports, assignments); ``np`` is imported.
Imports it refuses fail quietly there; a function that needs them fails its
cases, and the difference is reported for a human look.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..sandbox.worker import Worker, _learner_source

# --------------------------------------------------------------------------- which cells


@dataclass
class CheckCall:
    """One ``check_<exercise>(function, groups=..., points=...)`` call in a test cell."""

    exercise: str
    function: str
    groups: list[str] | None
    points: float | None


@dataclass
class ImplementationCell:
    """A grade cell that checks learner functions with :mod:`autograder.checks`."""

    grade_id: str
    max_score: float
    calls: list[CheckCall] = field(default_factory=list)


def check_calls(source: str) -> list[CheckCall]:
    """The ``check_<exercise>(<name>, ...)`` calls in a test cell's source (literal options only).

    Examples
    --------
    >>> check_calls('score = check_max_pool1d(my_pool, groups=["seed"], points=1)')
    [CheckCall(exercise='max_pool1d', function='my_pool', groups=['seed'], points=1.0)]
    """
    from ..checks import EXERCISES

    try:
        tree = ast.parse(_learner_source(source))
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        exercise = name.removeprefix("check_")
        if not name.startswith("check_") or exercise not in EXERCISES:
            continue
        if not node.args or not isinstance(node.args[0], ast.Name):
            continue
        options = {}
        try:
            for kw in node.keywords:
                if kw.arg in ("groups", "points"):
                    options[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            continue  # options computed at run time: cannot be replayed here
        groups = options.get("groups")
        points = options.get("points")
        calls.append(
            CheckCall(
                exercise,
                node.args[0].id,
                [groups] if isinstance(groups, str) else groups,
                None if points is None else float(points),
            )
        )
    return calls


def implementation_cells(source_notebook) -> list[ImplementationCell]:
    """Grade cells of ``source_notebook`` (with hidden tests) that call ``check_*`` functions."""
    from nbgrader import utils

    out = []
    for cell in source_notebook.cells:
        if cell.cell_type != "code" or not utils.is_grade(cell):
            continue
        calls = check_calls(cell.source)
        if calls:
            meta = cell.metadata["nbgrader"]
            out.append(ImplementationCell(meta["grade_id"], float(meta.get("points", 0)), calls))
    return out


def learner_cells(notebook, before: str, cell_timeout: float = 120.0) -> list[tuple]:
    """``(name, source, mode, seconds)`` of the code cells before the grade cell ``before``.

    Solution cells run whole (``"all"``); other cells (the instructor's helpers,
    cells the learner added) contribute their definitions (``"definitions"``);
    test cells are left out. As in the notebook run: a cell that timed out there
    gets a few seconds, a cell that never ran there (the kernel had died, the
    notebook's time was up) is left out, the others get ``cell_timeout``.
    """
    from nbgrader import utils

    from ..sandbox.executor import KERNEL_DIED, KERNEL_UNRESPONSIVE, NOTEBOOK_TIME_LIMIT

    out = []
    for i, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == before:
            break
        if cell.cell_type != "code" or utils.is_grade(cell):
            continue
        errors = {
            o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"
        }
        if errors & {KERNEL_DIED, KERNEL_UNRESPONSIVE, NOTEBOOK_TIME_LIMIT}:
            continue
        seconds = min(5.0, cell_timeout) if "CellTimeoutError" in errors else cell_timeout
        mode = "all" if utils.is_solution(cell) else "definitions"
        out.append((meta.get("grade_id", f"cell {i}"), cell.source, mode, float(seconds)))
    return out


# --------------------------------------------------------------------------- the re-check


@dataclass
class Recheck:
    """The trusted verdict on one implementation cell."""

    grade_id: str
    max_score: float
    score: float
    report: str  # what the check printed, and the worker's errors
    fresh_failures: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)


def _fresh_case(case, rng):
    """``case`` with new random values in its float arrays (same shapes, dtypes, options)."""
    from ..checks._cases import Case

    arrays = tuple(
        (
            name,
            rng.normal(size=value.shape).astype(value.dtype)
            if value.dtype.kind == "f"
            else value.copy(),
        )
        for name, value in case.arrays
    )
    token = rng.integers(2**62)
    return Case(case.group, f"{case.name}/fresh-{token}", arrays, dict(case.options), case.about,
                keras=False)  # fmt: skip


def _run_call(worker: Worker, call: CheckCall, rng) -> tuple[float | None, bool, str, list[str]]:
    """(earned or None, passed, printed report, fresh failures) of one check call."""
    import contextlib

    from ..checks import EXERCISES, run_case, run_check

    fn = worker.function(call.function)
    printed = io.StringIO()
    passed = True
    with contextlib.redirect_stdout(printed):
        try:
            earned = run_check(call.exercise, fn, groups=call.groups, points=call.points,
                               keras=False)  # fmt: skip
        except AssertionError as err:
            print(str(err))
            earned, passed = None, False
    fresh_failures: list[str] = []
    if passed and earned in (None, call.points):  # the published cases pass: try new values
        ex = EXERCISES[call.exercise]
        groups = call.groups or list(ex.groups)
        for case in [c for c in ex.cases() if c.group in groups]:
            outcome = run_case(ex, _fresh_case(case, rng), fn, keras=False)
            if not outcome.ok:
                fresh_failures.append(f"{call.exercise} {case.name}: {outcome.problems[0]}"[:300])
                break
    return earned, passed, printed.getvalue(), fresh_failures


def recheck_cell(
    cell: ImplementationCell, sources: list[tuple[str, str]], *, seed=None, call_timeout=20.0
) -> Recheck:
    """Run the checks of ``cell`` on the learner's ``sources``, in an untrusted worker."""
    rng = np.random.default_rng(seed)
    lines: list[str] = []
    fresh: list[str] = []
    earned_total, strict_ok, any_points = 0.0, True, False
    with Worker(call_timeout=call_timeout) as worker:
        errors = worker.run_cells(sources)
        lines += [f"error in your code: {e}" for e in errors]
        for call in cell.calls:
            earned, passed, printed, fresh_failures = _run_call(worker, call, rng)
            lines.append(printed.rstrip())
            fresh += fresh_failures
            if call.points is None:
                strict_ok = strict_ok and passed
            else:
                any_points = True
                earned_total += earned or 0.0
        denied = worker.denials()
    score = (earned_total if any_points else cell.max_score) if strict_ok else 0.0
    score = max(0.0, min(cell.max_score, score))
    return Recheck(cell.grade_id, cell.max_score, score, "\n".join(lines), fresh, denied)


def recheck_notebook(
    autograded: Path, source: Path, *, only=None, seed=None, call_timeout=20.0, cell_timeout=120.0
) -> list[Recheck]:
    """Trusted verdicts on the implementation cells of one autograded notebook.

    Parameters
    ----------
    autograded : path
        The notebook as nbgrader executed it (the learner's solution cells).
    source : path
        The instructor's notebook (test cells with their hidden tests).
    only : collection of str, optional
        Grade ids to re-check (default: every implementation cell).
    seed : int, optional
        Seed of the fresh random inputs (default: fresh entropy).
    call_timeout : float
        Seconds one call of the learner's function may take.
    cell_timeout : float
        Seconds one of the learner's cells may take (as in the notebook).
    """
    import nbformat

    source_nb = nbformat.read(source, as_version=4)
    graded_nb = nbformat.read(autograded, as_version=4)
    return [
        recheck_cell(
            cell,
            learner_cells(graded_nb, cell.grade_id, cell_timeout),
            seed=seed,
            call_timeout=call_timeout,
        )
        for cell in implementation_cells(source_nb)
        if only is None or cell.grade_id in only
    ]
