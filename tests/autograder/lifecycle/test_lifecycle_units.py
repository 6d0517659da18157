"""Fast checks of the lifecycle's pieces (no nbgrader run, no server).

Every written answer's rubric is where the grader sees it and the learner does not:
an nbgrader mark scheme in a 0-point "Manually graded task" cell right under the
answer (hidden by generate_assignment, restored in the autograded copy;
test_lifecycle.py and test_browser.py show it in the formgrader). Grading a course
folder protects its submissions, not the course.
"""

from __future__ import annotations

import nbformat
import pytest
from fixtures.helpers import REPO_ROOT

SOLUTIONS = sorted((REPO_ROOT / "solutions").glob("*/*.ipynb"))


def _written_answers(nb):
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            yield i, meta["grade_id"]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_each_written_answer_has_its_rubric_in_a_task_cell_under_it(path):
    nb = nbformat.read(path, as_version=4)
    answers = list(_written_answers(nb))
    assert answers, "every notebook has a written answer"
    for i, gid in answers:
        rubric = nb.cells[i + 1]
        meta = rubric.metadata.get("nbgrader", {})
        assert meta.get("task") and meta.get("locked") and not meta.get("grade"), gid
        assert meta.get("points") == 0, f"{gid}: the points stay on the answer"
        assert meta.get("grade_id") == f"rubric_{gid}"
        head, _, rest = rubric.source.partition("### BEGIN MARK SCHEME")
        scheme, _, tail = rest.partition("### END MARK SCHEME")
        assert "**Rubric (" in scheme and "point" in scheme, gid
        assert "Rubric" not in head + tail
        assert "Rubric" not in nb.cells[i].source, f"{gid}: the rubric left the answer cell"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_the_student_version_shows_no_rubric(path):
    student = REPO_ROOT / "notebooks" / path.parent.name / path.name
    text = student.read_text()
    assert "MARK SCHEME" not in text and "**Rubric" not in text
    assert "Graded by hand" in text


def test_grading_a_course_folder_protects_its_submitted_folder_not_the_course(tmp_path):
    """`grade .` at the repository root: the learner's kernel must still import the
    repository's autograder and pooling_ref, and must not read submitted/."""
    from autograder.course.assignments import Course
    from autograder.grading.pipeline import _protected_paths

    (tmp_path / "solutions").mkdir()
    (tmp_path / "submitted" / "ana").mkdir(parents=True)
    course = Course(tmp_path)
    paths = _protected_paths(course, tmp_path, tmp_path / "grading-output", "sqlite:///x.db")
    assert tmp_path / "submitted" in paths and tmp_path not in paths
    assert course.solutions_dir in paths


def test_a_gradebook_left_without_its_alembic_version_is_stamped(tmp_path):
    """What a formgrader without alembic on PATH left behind is repaired by `grade`."""
    import sqlite3

    from nbgrader.api import Gradebook

    from autograder.course.assignments import fast_gradebook_creation
    from autograder.grading.pipeline import stamp_alembic_version

    fast_gradebook_creation()
    db = tmp_path / "gradebook.db"
    Gradebook(f"sqlite:///{db}", "poolcourse").close()
    with sqlite3.connect(db) as conn:
        (head,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.execute("DROP TABLE alembic_version")
    assert stamp_alembic_version(f"sqlite:///{db}")
    assert not stamp_alembic_version(f"sqlite:///{db}")  # once
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
    assert not stamp_alembic_version(f"sqlite:///{tmp_path / 'new.db'}")  # no tables: nbgrader's
