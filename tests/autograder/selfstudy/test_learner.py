"""The set-up cell, the packaged notebooks and the fresh copy a learner works in."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from autograder import cli, selfstudy
from autograder.course.assignments import REPO_ROOT, Course
from autograder.course.learner import (
    SETUP_CELL_ID,
    copy_notebooks,
    ensure_setup_cell,
    setup_cell_source,
    student_notebooks,
)

COURSE = Course()


@pytest.mark.parametrize("aid", COURSE.assignments())
def test_every_notebook_starts_with_its_current_set_up_cell(aid):
    assert not ensure_setup_cell(COURSE.solution(aid), check=True)
    for path in (COURSE.solution(aid), COURSE.student(aid)):
        first = nbformat.read(path, as_version=4).cells[0]
        assert (first.id, first.cell_type) == (SETUP_CELL_ID, "code")
        assert first.source == setup_cell_source(aid)
        assert f'os.environ["POOLCOURSE_NOTEBOOK"] = "{aid}"' in first.source
        assert "nbgrader" not in first.metadata  # an ordinary cell, never graded


def test_inserting_is_idempotent_and_leaves_every_other_cell_byte_identical(tmp_path):
    original = COURSE.solution("02_global_max_pooling1d").read_text()
    nb = nbformat.reads(original, as_version=4)
    nb.cells = [c for c in nb.cells if c.id != SETUP_CELL_ID]
    nb.cells[0].source += "\nedited by another helper"
    path = tmp_path / "02_global_max_pooling1d.ipynb"
    nbformat.write(nb, path)
    without = path.read_text()
    assert ensure_setup_cell(path) is True
    once = path.read_text()
    assert ensure_setup_cell(path) is False
    assert path.read_text() == once
    # the new first cell is all that changed: the rest of the file follows it, to the byte
    assert nbformat.reads(once, as_version=4).cells[0].id == SETUP_CELL_ID
    head, rest = without.split('"cells": [\n', 1)
    assert once.startswith(head + '"cells": [\n')
    assert once.endswith(rest) and len(once) > len(without) + 500


def test_an_outdated_set_up_cell_is_replaced_not_duplicated(tmp_path):
    path = tmp_path / "03_average_pooling_and_gap_classifiers.ipynb"
    nb = nbformat.read(COURSE.solution(path.stem), as_version=4)
    nb.cells[0].source = "# an old set-up cell"
    nbformat.write(nb, path)
    assert ensure_setup_cell(path) is True
    cells = nbformat.read(path, as_version=4).cells
    assert [c.id for c in cells].count(SETUP_CELL_ID) == 1
    assert cells[0].source == setup_cell_source(path.stem)


def test_the_set_up_cell_does_nothing_where_the_course_is_installed(monkeypatch, capsys):
    monkeypatch.setenv("POOLCOURSE_NOTEBOOK", "unset")
    namespace: dict = {}
    exec(setup_cell_source("04_conv1d_filters"), namespace)
    assert capsys.readouterr().out == ""
    assert namespace["selfstudy"] is selfstudy
    import os

    assert os.environ["POOLCOURSE_NOTEBOOK"] == "04_conv1d_filters"


def test_outside_the_course_a_failed_install_says_what_to_do(tmp_path):
    """`-S`: no site-packages, so the course is missing; the install source does not exist."""
    source = tmp_path / "no-such-course.whl"
    ran = subprocess.run(
        [sys.executable, "-I", "-S", "-c", setup_cell_source("01_max_pooling1d")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={"POOLCOURSE_PIP": str(source), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert ran.returncode == 1
    assert f"Installing the course from {source}" in ran.stdout
    assert f"Could not install the course from {source}. Set POOLCOURSE_PIP" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_the_student_notebooks_are_found_and_copied_fresh(tmp_path, capsys):
    assert student_notebooks() == REPO_ROOT / "notebooks"  # a development install
    dest = tmp_path / "learner"
    written = copy_notebooks(dest)
    assert [p.parent.name for p in written] == COURSE.assignments()
    first = dest / "01_max_pooling1d" / "01_max_pooling1d.ipynb"
    assert first.read_bytes() == COURSE.student("01_max_pooling1d").read_bytes()
    first.write_text("my work")
    assert copy_notebooks(dest) == []  # the learner's work is kept
    assert first.read_text() == "my work"
    assert len(copy_notebooks(dest, overwrite=True)) == len(COURSE.assignments())
    assert first.read_bytes() == COURSE.student("01_max_pooling1d").read_bytes()


def test_the_notebooks_command_refuses_the_tracked_folder(capsys):
    assert cli.main(["notebooks", str(REPO_ROOT / "notebooks" / "mine")]) == 2
    err = capsys.readouterr().err
    assert "copy the notebooks somewhere outside the repository's notebooks/" in err
    assert "Traceback" not in err
