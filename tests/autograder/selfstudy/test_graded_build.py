"""A course built for a graded class carries no solution text; the self-study edition does.

Slow: it copies the course, runs ``python -m autograder generate --graded`` on the copy and
builds both wheels.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from test_install import build_wheel

from autograder import cli
from autograder.course.assignments import Course

ROOT = Path(__file__).resolve().parents[3]
_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
    ".hypothesis", "grading-output", "*.whl",
)  # fmt: skip


def solution_text(course: Course) -> list[str]:
    """Lines of every solution block and model answer found in no public file.

    Public: the student notebooks and the package's Python code (a line such as
    ``strides = pool_size if strides is None else strides`` is also pooling_ref's).
    """
    public = [p.read_text() for p in sorted(course.root.glob("notebooks/*/*.ipynb"))]
    public += [p.read_text() for top in ("autograder", "pooling_ref")
               for p in sorted((course.root / top).rglob("*.py"))]  # fmt: skip
    public = "\n".join(public)
    lines = []
    for aid in course.assignments():
        for cell in nbformat.read(course.solution(aid), as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("solution"):
                continue
            text = cell.source
            if cell.cell_type == "code":
                text = "\n".join(
                    re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, re.S)
                )
            for line in text.splitlines():
                line = line.strip()
                if len(line) > 25 and not found([line], public):
                    lines.append(line)
    return lines


def wheel_text(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


def found(lines: list[str], text: str) -> list[str]:
    """The lines that occur in ``text`` as they are or inside JSON (escaped either way)."""
    forms = lambda ln: (ln, json.dumps(ln)[1:-1], json.dumps(ln, ensure_ascii=False)[1:-1])  # noqa: E731
    return [ln for ln in lines if any(form in text for form in forms(ln))]


@pytest.mark.slow
def test_graded_release_and_wheel_hold_no_solution_text_and_self_study_ones_do(tmp_path):
    lines = solution_text(Course())
    assert len(lines) > 100  # the test looks for real solution text

    course = tmp_path / "course"
    shutil.copytree(ROOT, course, ignore=_IGNORE)
    assert cli.main(["generate", "--graded", "--course", str(course)]) == 0
    data = course / "autograder" / "selfstudy" / "data"
    assert sorted(p.name for p in data.iterdir()) == ["exercises.json"]
    assert json.loads((data / "exercises.json").read_text())["edition"] == "graded"
    release = "\n".join(p.read_text() for p in sorted((course / "notebooks").glob("*/*.ipynb")))
    assert found(lines, release) == []
    graded = build_wheel(course, tmp_path / "graded")
    names = zipfile.ZipFile(graded).namelist()
    assert "autograder/course/notebooks/01_max_pooling1d/01_max_pooling1d.ipynb" in names
    assert "autograder/selfstudy/data/exercises.json" in names
    assert "autograder/selfstudy/data/reveal.json" not in names
    assert found(lines, wheel_text(graded)) == []

    # the self-study edition: generate without --graded puts them back
    assert cli.main(["generate", "--course", str(course)]) == 0
    study = build_wheel(course, tmp_path / "self-study")
    assert "autograder/selfstudy/data/reveal.json" in zipfile.ZipFile(study).namelist()
    assert len(found(lines, wheel_text(study))) == len(lines)
