"""The verdict on the course's own notebooks: every instructor solution earns full marks.

The instructor's source notebook, handed in as if it were a learner's, must
get every point from the trusted verdict (:mod:`autograder.grading.trusted`):
its test cells run in the grader without Keras, on learner values that crossed
as plain data. A notebook whose test or solution cells still need Keras cannot
be judged this way yet and is skipped, saying so (so is every notebook until
the test cells are the Keras-free rewrite).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from autograder.course.assignments import Course
from autograder.grading.trusted import verdict_notebook

pytestmark = pytest.mark.slow

COURSE = Course()
NOTEBOOKS = sorted(COURSE.solutions_dir.glob("*/*.ipynb"))
KERAS = re.compile(r"^\s*(import|from)\s+(keras|tensorflow)\b|\b(keras|tf)\.\w", re.M)


def _needs_keras(path: Path) -> bool:
    """Whether a test or solution cell still uses Keras/TensorFlow (comments aside)."""
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("grade") or meta.get("solution")):
            code = "\n".join(line.split("#")[0] for line in cell.source.splitlines())
            if KERAS.search(code):
                return True
    return False


def _keras_free_test_cells() -> bool:
    """Whether the course's test cells are the Keras-free rewrite (its ``Score`` helper)."""
    import autograder.checks

    return hasattr(autograder.checks, "Score")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_instructors_solution_gets_full_marks_from_the_verdict(path):
    if not _keras_free_test_cells() or _needs_keras(path):
        pytest.skip("its test or solution cells still use Keras (or what Keras computed)")
    release = COURSE.notebooks_dir / path.parent.name / path.name
    verdicts, _ = verdict_notebook(path, path, release, seed=2024, cell_timeout=60, budget=300)
    lost = {
        v.grade_id: (v.score, v.error, v.learner_errors) for v in verdicts if v.score != v.max_score
    }
    assert verdicts and not lost
