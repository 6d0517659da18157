"""A small graded class whose insight is known, built without running nbgrader.

The gradebook is written with nbgrader's own API (as ``generate_assignment`` and
``autograde`` would leave it), and each learner's autograded notebook holds what
the test cells really printed: the learner's code is run through the real
check (``check_max_pool1d`` in points mode) in this process, its stdout kept.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.checks import check_max_pool1d
from autograder.course.assignments import COURSE_ID, ensure_bin_on_path

ASSIGNMENT = "ex"
STARTER = '''\
def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """Max pooling over the steps axis (see the lesson)."""
    # YOUR CODE HERE
    raise NotImplementedError()
'''
CHECK_GROUPS = ["seed", "valid", "default_strides", "same"]
CHECK_POINTS = 2.0
#: test cell -> points; ``trick_question`` is one no learner passes.
TEST_CELLS = {"max_pool1d_checks": CHECK_POINTS, "trick_question": 1.0}
WRITTEN = "explain_padding"  # a written answer nobody has graded yet

_TRICK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mAssertionError\x1b[0m                            Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[4], line 2\x1b[0m\n\x1b[1;32m      1\x1b[0m assert pool_answer == 7",
    "\x1b[0;31mAssertionError\x1b[0m: ",
]


def run_check(code: str) -> tuple[float, str]:
    """Points and printed text of ``check_max_pool1d`` on the ``max_pool1d`` ``code`` defines."""
    namespace: dict = {"__name__": "learner"}
    exec(compile(code, "<learner>", "exec"), namespace)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        points = check_max_pool1d(
            namespace["max_pool1d"], groups=CHECK_GROUPS, points=CHECK_POINTS, keras=False
        )
    return points, buffer.getvalue()


def _cell(kind: str, name: str, source: str, *, solution=False, grade=False, points=None):
    maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = maker(source)
    meta = {
        "grade_id": name,
        "solution": solution,
        "grade": grade,
        "locked": not solution,
        "schema_version": 3,
    }
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def build_class(
    root: Path, learners: dict[str, str], template: Path | None = None, db_url: str | None = None
) -> tuple[str, Path]:
    """Gradebook URL and ``out`` folder of a graded class of ``learners`` (id -> their code).

    One assignment ``ex`` (notebook ``ex``): the implementation cell
    ``max_pool1d_impl``, its 2-point check cell, a 1-point ``trick_question``
    every learner fails, and a written answer awaiting manual grading. ``template``:
    an empty SQLite gradebook to copy (creating one runs alembic, seconds on a busy machine);
    ``db_url``: another gradebook (e.g. PostgreSQL) instead of ``root/gradebook.db``.
    """
    from nbgrader.api import Gradebook

    ensure_bin_on_path()
    out = root / "out"
    root.mkdir(parents=True, exist_ok=True)
    if db_url is None:
        db_url = f"sqlite:///{root / 'gradebook.db'}"
    if template is not None and db_url.startswith("sqlite"):
        shutil.copyfile(template, root / "gradebook.db")
    with Gradebook(db_url, COURSE_ID) as gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook(ASSIGNMENT, ASSIGNMENT)
        gb.add_solution_cell("max_pool1d_impl", ASSIGNMENT, ASSIGNMENT)
        gb.add_source_cell(
            "max_pool1d_impl",
            ASSIGNMENT,
            ASSIGNMENT,
            cell_type="code",
            source=STARTER,
            locked=False,
            checksum="0",
        )
        for name, points in TEST_CELLS.items():
            gb.add_grade_cell(name, ASSIGNMENT, ASSIGNMENT, max_score=points, cell_type="code")
            gb.add_source_cell(
                name,
                ASSIGNMENT,
                ASSIGNMENT,
                cell_type="code",
                source="...",
                locked=True,
                checksum="0",
            )
        gb.add_grade_cell(WRITTEN, ASSIGNMENT, ASSIGNMENT, max_score=1.0, cell_type="markdown")
        gb.add_solution_cell(WRITTEN, ASSIGNMENT, ASSIGNMENT)
        gb.add_source_cell(
            WRITTEN,
            ASSIGNMENT,
            ASSIGNMENT,
            cell_type="markdown",
            source="YOUR ANSWER HERE",
            locked=False,
            checksum="0",
        )
        for student, code in learners.items():
            gb.add_student(student)
            gb.add_submission(ASSIGNMENT, student)
            points, text = run_check(code)
            gb.find_grade("max_pool1d_checks", ASSIGNMENT, ASSIGNMENT, student).auto_score = points
            gb.find_grade("trick_question", ASSIGNMENT, ASSIGNMENT, student).auto_score = 0.0
            gb.db.commit()

            check_cell = _cell(
                "code",
                "max_pool1d_checks",
                "score = check_max_pool1d(...)",
                grade=True,
                points=CHECK_POINTS,
            )
            check_cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=text),
                nbformat.v4.new_output(
                    "execute_result", data={"text/plain": repr(points)}, execution_count=3
                ),
            ]
            trick = _cell("code", "trick_question", "assert pool_answer == 7", grade=True, points=1)
            trick.outputs = [
                nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=_TRICK)
            ]
            nb = nbformat.v4.new_notebook(
                cells=[
                    _cell("code", "max_pool1d_impl", code, solution=True),
                    check_cell,
                    trick,
                    _cell(
                        "markdown",
                        WRITTEN,
                        "Because of padding.",
                        solution=True,
                        grade=True,
                        points=1,
                    ),
                ]
            )
            path = out / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
    return db_url, out


@pytest.fixture(scope="session")
def gradebook_template(tmp_path_factory) -> Path:
    """An empty gradebook, created once (nbgrader stamps it with alembic)."""
    from nbgrader.api import Gradebook

    ensure_bin_on_path()
    path = tmp_path_factory.mktemp("template") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", COURSE_ID):
        pass
    return path


@pytest.fixture
def make_class(tmp_path, gradebook_template):
    """``make(learners)`` -> (gradebook URL, out folder) of a class graded from ``learners``."""

    def make(learners: dict[str, str]) -> tuple[str, Path]:
        return build_class(tmp_path / "class", learners, gradebook_template)

    return make
