"""Checks inside a real Jupyter kernel, scored by nbgrader's own ``determine_grade``.

This is what a learner's notebook does: the points-mode check is the last
expression of a grade cell, so nbgrader records its value as partial credit;
nothing may reach stderr (nbgrader scores any stderr output as 0), not even
TensorFlow's start-up when the first check imports Keras inside the kernel.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade
from wrong_implementations import CATALOGUE, CORRECT

ROOT = Path(__file__).resolve().parents[3]


def _source(catalogue, exercise, name):
    return next(i.source for i in catalogue if i.exercise == exercise and i.name == name)


def _grade_cell(source: str, grade_id: str, points: float):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": grade_id,
        "points": points,
        "schema_version": 3,
    }
    return cell


@pytest.mark.slow
@pytest.mark.keras
def test_points_mode_is_recorded_by_nbgrader_and_stderr_stays_clean(tmp_path):
    wrong = _source(CATALOGUE, "max_pool1d", "default_strides_1")
    right = _source(CORRECT, "max_pool1d", "loop")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import sys\nimport autograder.checks as checks\nsys.executable"),
        nbformat.v4.new_code_cell(wrong),
        _grade_cell("checks.check_max_pool1d(max_pool1d, points=10)", "partial", 10),
        _grade_cell("checks.check_max_pool1d(max_pool1d)", "strict_wrong", 2),
        nbformat.v4.new_code_cell(right),
        _grade_cell("checks.check_max_pool1d(max_pool1d)", "strict_right", 2),
        _grade_cell("checks.check_max_pool1d(max_pool1d, points=3)", "points_right", 3),
    ]
    env_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    os.environ["PYTHONPATH"], saved = env_path, os.environ.get("PYTHONPATH")
    try:
        client.execute()
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = saved
    grades = {
        c.metadata["nbgrader"]["grade_id"]: determine_grade(c)[0]
        for c in nb.cells
        if "nbgrader" in c.metadata
    }
    assert grades == {"partial": 3.75, "strict_wrong": 0, "strict_right": 2.0, "points_right": 3.0}
    for cell in nb.cells[2:]:
        streams = [o for o in cell.get("outputs", []) if o.output_type == "stream"]
        assert all(o.name == "stdout" for o in streams), (cell.source, streams)
    partial_output = "".join(o.text for o in nb.cells[2].outputs if o.output_type == "stream")
    assert "FAIL default_strides" in partial_output
    assert "max_pool1d: 3/8 groups pass -> 3.75 of 10 points" in partial_output
    kernel_python = nb.cells[0].outputs[0]["data"]["text/plain"].strip("'")
    assert Path(kernel_python).resolve() == Path(sys.executable).resolve()
