"""The notebook harness: every course notebook in solutions/ is checked the same way.

Per notebook (parametrised over ``solutions/*/*.ipynb``):

* committed stripped (solution and student version): no outputs, null execution
  counts, the standard kernelspec, nbformat's layout (fast);
* grade cells: a ``grade_id`` naming a behaviour, a one-line docstring, points;
  about 10 points in all (fast);
* ``notebooks/`` is byte-identical to a fresh ``generate`` (drift);
* the solution passes every test (``nbgrader validate``) within 60 s;
* the student version passes none (``nbgrader validate --invert``);
* the hidden tests reject the known-wrong implementations of
  ``tests/autograder/wrong_implementations.py`` whose function the notebook asks
  for: the wrong code goes into that function's solution cell, the notebook is
  autograded (nbgrader autograde, through ``autograder.grading``) and the grade
  cells that test the function must lose points; the bundled correct sample
  (``autograder.samples``, every function written differently from the
  solution) graded in the same run must get every automatic point.

Cost control (CI): wrong implementations run as separate submissions graded two
at once; wrong implementations of *different* functions share a submission when
no grade cell tests both; per function at most ``POOLCOURSE_WRONG_IMPLS``
(default 2, spread over the catalogue, cheats left out) are used;
``POOLCOURSE_WRONG_IMPLS=all`` runs the whole catalogue. ``POOLCOURSE_TIME_MARGIN``
(default 1.5) scales the 60 s bound on a loaded machine; measured times are
printed at the end.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from fixtures.helpers import REPO_ROOT, gradebook_rows

from autograder.course.assignments import Course, generate, normalised_text, validate_notebook

COURSE = Course(REPO_ROOT)
SOLUTIONS = sorted(COURSE.solutions_dir.glob("*/*.ipynb"))
IDS = [p.stem for p in SOLUTIONS]
TIME_LIMIT = 60.0
MARGIN = float(os.environ.get("POOLCOURSE_TIME_MARGIN", "1.5"))
_SETTING = os.environ.get("POOLCOURSE_WRONG_IMPLS", "2")
PER_FUNCTION = None if _SETTING == "all" else int(_SETTING)
MEASURED: dict[str, float] = {}

by_notebook = pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)


@pytest.fixture(scope="module", autouse=True)
def _report_times(request):
    yield
    if MEASURED:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line("")
            reporter.write_line("notebook execution (nbgrader validate of the solution):")
            for name, seconds in sorted(MEASURED.items()):
                reporter.write_line(f"  {name:<45} {seconds:6.1f} s (limit {TIME_LIMIT:.0f} s)")


def _student(path: Path) -> Path:
    return COURSE.notebooks_dir / path.parent.name / path.name


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


# ------------------------------------------------------------------ fast: form


@by_notebook
def test_committed_notebooks_are_stripped(path):
    for nb_path in (path, _student(path)):
        assert nb_path.is_file(), f"{nb_path} missing: run `python -m autograder generate`"
        assert nb_path.read_text(encoding="utf-8") == normalised_text(nb_path), (
            f"{nb_path.relative_to(REPO_ROOT)} is not stripped/normalised: "
            "run `python -m autograder generate`"
        )


_BEHAVIOUR = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
_GENERIC = re.compile(r"^(cell|test|tests|grade|q|question|ex|exercise|problem|part)_?\d*$")


@by_notebook
def test_grade_cells_name_a_behaviour_and_carry_about_10_points(path):
    nb = nbformat.read(path, as_version=4)
    grade_cells = [c for c in nb.cells if _nbgrader(c).get("grade")]
    assert len(grade_cells) >= 3, "each notebook has at least 3 graded exercises"
    total = 0.0
    for cell in grade_cells:
        meta = _nbgrader(cell)
        gid = meta.get("grade_id", "")
        assert _BEHAVIOUR.match(gid) and not _GENERIC.match(gid.replace("_", "")), (
            f"grade_id {gid!r} should name the behaviour it tests, e.g. "
            "'avg_pool_same_excludes_padding'"
        )
        points = float(meta.get("points", 0))
        assert points > 0, f"{gid}: a grade cell needs points"
        total += points
        if cell.cell_type == "code":
            body = ast.parse(cell.source).body
            first = body[0] if body else None
            is_doc = (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            )
            assert is_doc, f"{gid}: the test cell starts with a one-line docstring"
            assert first.lineno == first.end_lineno and first.value.value.strip(), (
                f"{gid}: the docstring is one line"
            )
        else:
            assert cell.source.strip(), f"{gid}: a written answer needs a model answer/rubric"
    assert 8 <= total <= 12, f"about 10 points per notebook, got {total}"


# ------------------------------------------------------------------ slow: nbgrader


@pytest.mark.slow
@by_notebook
def test_student_notebook_is_up_to_date(path):
    report = generate(COURSE, [path.parent.name], check=True)
    assert report.ok, report.summary(REPO_ROOT)


@pytest.mark.slow
@by_notebook
def test_solution_passes_all_its_tests_within_60_s(path):
    start = time.perf_counter()
    result = validate_notebook(path)
    seconds = time.perf_counter() - start
    MEASURED[path.stem] = seconds
    assert result.ok, result.line(REPO_ROOT)
    assert seconds < TIME_LIMIT * MARGIN, (
        f"{path.stem} took {seconds:.1f} s to run (limit {TIME_LIMIT:.0f} s x margin {MARGIN})"
    )


@pytest.mark.slow
@by_notebook
def test_student_version_passes_none_of_its_tests(path):
    result = validate_notebook(_student(path), invert=True)
    assert result.ok, result.line(REPO_ROOT)


# ------------------------------------------------------------------ slow: wrong implementations


def _catalogue():
    """The known-wrong implementations; with the default budget, the cheats are left out.

    (Cheats call Keras/TF/pooling_ref; every check call rejects them, which the
    checks' own tests cover. Real mistakes are what a notebook's hidden tests
    must catch.)
    """
    try:
        import wrong_implementations as catalogue
    except ImportError:  # the catalogue is engineer C's; absent means nothing to run
        return []
    cheats = {(c.exercise, c.name) for c in getattr(catalogue, "CHEATS", [])}
    return [
        impl
        for impl in [*catalogue.CATALOGUE, *getattr(catalogue, "NETWORK_CATALOGUE", [])]
        if PER_FUNCTION is None or (impl.exercise, impl.name) not in cheats
    ]


def _pick(impls: list, k: int | None) -> list:
    """``k`` entries spread evenly over ``impls`` (all when k is None)."""
    if k is None or len(impls) <= k:
        return impls
    if k == 1:
        return impls[:1]
    return [impls[round(i * (len(impls) - 1) / (k - 1))] for i in range(k)]


def _solution_cells(nb) -> dict[str, str]:
    """Function name -> grade_id of the solution cell that defines it."""
    from autograder.course.samples import defined_functions, solution_text

    out = {}
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            for name in defined_functions(solution_text(cell.source)):
                out[name] = meta["grade_id"]
    return out


def _testing_cells(nb, function: str) -> list[str]:
    """Grade ids of the code grade cells that mention ``function``."""
    pattern = re.compile(rf"\b{re.escape(function)}\b")
    return [
        _nbgrader(c)["grade_id"]
        for c in nb.cells
        if c.cell_type == "code" and _nbgrader(c).get("grade") and pattern.search(c.source)
    ]


def _plan(path: Path):
    """Submissions to grade: list of {function: WrongImpl}, and the grade cells per function."""
    nb = nbformat.read(path, as_version=4)
    defined = _solution_cells(nb)
    impls: dict[str, list] = {}
    for impl in _catalogue():
        if impl.exercise in defined:
            impls.setdefault(impl.exercise, []).append(impl)
    tests = {f: _testing_cells(nb, f) for f in impls}
    chosen = {f: _pick(v, PER_FUNCTION) for f, v in impls.items()}
    # functions whose grade cells overlap never share a submission
    groups: list[list[str]] = []
    for f in sorted(chosen):
        for group in groups:
            if all(not set(tests[f]) & set(tests[g]) for g in group):
                group.append(f)
                break
        else:
            groups.append([f])
    plan = []
    for group in groups:
        for combo in itertools.zip_longest(*(chosen[f] for f in group)):
            plan.append({f: impl for f, impl in zip(group, combo, strict=True) if impl})
    return plan, defined, tests


def _wrong_submission(path: Path, wrong: dict) -> nbformat.NotebookNode:
    """The released notebook, every solution cell solved, ``wrong`` functions replaced.

    The wrong source is appended to the (solved) cell that defines the function,
    so it replaces that function and nothing else the cell defines.
    """
    from autograder.course.samples import solution_text

    released = nbformat.read(_student(path), as_version=4)
    source = {
        _nbgrader(c)["grade_id"]: c for c in nbformat.read(path, as_version=4).cells
        if _nbgrader(c).get("solution")
    }  # fmt: skip
    defined = _solution_cells(nbformat.read(path, as_version=4))
    cell_of = {defined[f]: impl for f, impl in wrong.items()}
    for cell in released.cells:
        gid = _nbgrader(cell).get("grade_id")
        if gid in source and _nbgrader(cell).get("solution"):
            cell.source = solution_text(source[gid].source)
            if gid in cell_of:
                cell.source += "\n\n\n# ---- known-wrong implementation ----\n" + cell_of[
                    gid
                ].source.strip("\n")
    return released


@pytest.mark.slow
@by_notebook
def test_hidden_tests_reject_known_wrong_implementations(path, tmp_path):
    """...and accept the bundled correct sample (every function written differently)."""
    plan, _, tests = _plan(path)
    untested = [f for f, cells in tests.items() if not cells]
    assert not untested, f"no grade cell mentions {untested}"
    from autograder.course.samples import STUDENTS, sample_notebook
    from autograder.grading.pipeline import grade

    aid, nb_id = path.parent.name, path.stem
    subs = tmp_path / "submitted"
    correct = subs / "correct_sample" / aid / f"{nb_id}.ipynb"
    correct.parent.mkdir(parents=True)
    nbformat.write(sample_notebook(COURSE, aid, nb_id, STUDENTS[0]), correct)
    students = {}
    for i, wrong in enumerate(plan):
        student = f"wrong{i:02d}"
        students[student] = wrong
        dest = subs / student / aid / f"{nb_id}.ipynb"
        dest.parent.mkdir(parents=True)
        nbformat.write(_wrong_submission(path, wrong), dest)
    summary = grade(subs, course=COURSE, jobs=2, out=tmp_path / "out",
                    db_url=f"sqlite:///{tmp_path / 'gb.db'}", progress=False)  # fmt: skip
    assert summary.ok, summary.text()
    rows = gradebook_rows(f"sqlite:///{tmp_path / 'gb.db'}")
    max_score = {
        _nbgrader(c)["grade_id"]: float(_nbgrader(c)["points"])
        for c in nbformat.read(path, as_version=4).cells
        if _nbgrader(c).get("grade")
    }
    lost = {
        gid: rows[("correct_sample", aid, nb_id, gid)][0]
        for gid, points in max_score.items()
        if rows[("correct_sample", aid, nb_id, gid)][0] not in (None, points)
    }
    assert not lost, f"the correct sample (written differently) lost points: {lost}"
    accepted = []
    for student, wrong in students.items():
        for function, impl in wrong.items():
            cells = tests[function]
            earned = sum(rows[(student, aid, nb_id, gid)][0] or 0.0 for gid in cells)
            if earned >= sum(max_score[g] for g in cells):
                accepted.append(f"{function}: {impl.name} got full points on {cells}")
    assert not accepted, "known-wrong implementations accepted:\n" + "\n".join(accepted)
