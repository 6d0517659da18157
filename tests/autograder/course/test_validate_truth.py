"""nbgrader's own ``validate`` command tells a learner the truth (issue 15, item 1).

For every notebook, the bundled correct sample student (every function written
differently from the solution, every answer right: :mod:`autograder.course.samples`)
validates clean: each test cell's visible part shows its full points
(:class:`autograder.checks.Score` scales the parts that ran), so Validate does not
say "VALIDATION FAILED" to a learner whose every answer is right. The blank release
fails. Both run the real ``nbgrader validate`` command, in a copy of the assignment
folder with the course's nbgrader configuration, the two notebooks at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from fixtures.helpers import REPO_ROOT

from autograder.course.assignments import Course, write_course_config
from autograder.course.samples import STUDENTS, sample_notebook

COURSE = Course(REPO_ROOT)
SOLUTIONS = sorted(COURSE.solutions_dir.glob("*/*.ipynb"))
CORRECT = next(s for s in STUDENTS if s.name == "correct")
SUCCESS = "Success! Your notebook passes all the tests."
FAILED = "VALIDATION FAILED ON"


def _validate(notebook: Path) -> subprocess.Popen:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "nbgrader"), "validate", notebook.name],
        cwd=notebook.parent, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_correct_sample_validates_clean_and_blank_release_fails(path, tmp_path):
    aid, nb_id = path.parent.name, path.stem
    runs = {}
    for who in ("correct", "blank"):
        folder = tmp_path / who / aid
        shutil.copytree(COURSE.notebooks_dir / aid, folder)
        write_course_config(folder)
        if who == "correct":
            nbformat.write(sample_notebook(COURSE, aid, nb_id, CORRECT), folder / f"{nb_id}.ipynb")
        runs[who] = _validate(folder / f"{nb_id}.ipynb")
    out = {who: run.communicate(timeout=600)[0] for who, run in runs.items()}
    assert SUCCESS in out["correct"], (
        f"the correct sample of {nb_id} fails Validate:\n{out['correct']}"
    )
    assert FAILED in out["blank"] and SUCCESS not in out["blank"], out["blank"]
