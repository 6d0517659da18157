"""``python -m autograder generate / validate`` and the CLI surface, on the toy fixture course."""

from __future__ import annotations

import json

import nbformat
import pytest
from fixtures.helpers import copy_fixture_course, run_cli

from autograder.cli import build_parser
from autograder.course.assignments import KERNELSPEC, Course, generate, normalise_notebook, validate


@pytest.fixture
def course(tmp_path):
    return Course(copy_fixture_course(tmp_path / "course"))


# ------------------------------------------------------------------ contract (fast)


def test_help_lists_every_subcommand():
    text = build_parser().format_help()
    for name in ("generate", "validate", "grade", "report", "demo"):
        assert name in text


@pytest.mark.parametrize("command", ["generate", "validate", "grade", "report", "demo"])
def test_each_subcommand_has_help(command):
    parser = build_parser()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args([command, "--help"])
    assert exc.value.code == 0


def test_jobs_must_be_positive():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["grade", "subs", "--jobs", "0"])


def test_course_lists_assignments_sorted(course):
    assert course.assignments() == ["toy_pooling", "toy_shapes"]


def test_unknown_assignment_is_a_clear_error(course):
    with pytest.raises(ValueError, match="Received: assignments=\\['nope'\\]"):
        course.select(["nope"])


def test_normalise_strips_outputs_counts_and_kernelspec():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.execution_count = 7
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"})]
    cell.metadata = {"execution": {"iopub.status.busy": "2026-01-01"}, "tags": ["keep"]}
    nb.cells = [cell]
    nb.metadata = {
        "kernelspec": {"name": "py311", "display_name": "x", "language": "python"},
        "language_info": {"name": "python", "version": "3.11.7"},
    }
    out = normalise_notebook(nb)
    assert out.cells[0].outputs == []
    assert out.cells[0].execution_count is None
    assert out.cells[0].metadata == {"tags": ["keep"]}
    assert out.metadata == {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    assert nb.cells[0].execution_count == 7  # the input is not modified


# ------------------------------------------------------------------ generate (nbgrader)


@pytest.mark.slow
def test_generate_is_deterministic_and_check_detects_drift(course):
    report = generate(course)
    assert sorted(p.name for p in report.changed) == ["toy_pooling.ipynb", "toy_shapes.ipynb"]
    first = {a: course.student(a).read_bytes() for a in course.assignments()}

    again = generate(course)
    assert again.changed == []
    assert {a: course.student(a).read_bytes() for a in course.assignments()} == first
    assert generate(course, check=True).ok

    # the student version: solution replaced by the stub, hidden tests gone, checksums in
    text = course.student("toy_pooling").read_text()
    assert text.endswith("}\n") and text.startswith('{\n "cells": [\n')  # indent 1, newline
    student = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
    assert "# YOUR CODE HERE\nraise NotImplementedError()" in student.replace("    ", "")
    assert "BEGIN SOLUTION" not in student and "HIDDEN TESTS" not in student
    assert "np.arange(10.0).reshape(1, 5, 2)" not in student  # the hidden test's body
    assert '"checksum"' in text

    # editing a source makes --check fail (exit 1) and names the file; generate fixes it
    src = course.solution("toy_shapes")
    nb = nbformat.read(src, as_version=4)
    nb.cells[0].source += "\n\nA new sentence."
    nbformat.write(nb, src)
    proc = run_cli("generate", "--check", "--course", str(course.root))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "notebooks/toy_shapes/toy_shapes.ipynb" in proc.stdout
    assert course.student("toy_shapes").read_bytes() == first["toy_shapes"]  # --check wrote nothing
    proc = run_cli("generate", "--course", str(course.root))
    assert proc.returncode == 0, proc.stderr
    assert "A new sentence." in course.student("toy_shapes").read_text()
    assert course.student("toy_pooling").read_bytes() == first["toy_pooling"]
    # nothing of nbgrader's working areas is left in the course
    assert sorted(p.name for p in course.root.iterdir()) == ["notebooks", "solutions"]


@pytest.mark.slow
def test_generate_strips_solution_notebooks(course):
    src = course.solution("toy_shapes")
    nb = nbformat.read(src, as_version=4)
    nb.cells[2].execution_count = 3
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nbformat.write(nb, src)
    assert not generate(course, check=True).ok
    generate(course)
    data = json.loads(src.read_text())
    assert data["cells"][2]["outputs"] == [] and data["cells"][2]["execution_count"] is None
    assert data["metadata"] == {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}


# ------------------------------------------------------------------ validate (nbgrader)


@pytest.mark.slow
def test_validate_passes_on_a_good_course_and_fails_on_a_broken_one(course):
    generate(course)
    results = validate(course, jobs=2)
    assert [(r.notebook.parent.parent.name, r.invert, r.ok) for r in results] == [
        ("solutions", False, True),
        ("solutions", False, True),
        ("notebooks", True, True),
        ("notebooks", True, True),
    ]

    # a solution with a bug fails validate; the CLI says which cell and exits 1
    src = course.solution("toy_shapes")
    src.write_text(src.read_text().replace("answer_shape = (2, 3, 4)", "answer_shape = (2, 4, 4)"))
    proc = run_cli("validate", "toy_shapes", "--course", str(course.root), "--jobs", "2")
    assert proc.returncode == 1, proc.stdout
    assert "FAIL  solutions/toy_shapes/toy_shapes.ipynb" in proc.stdout
    assert "answer_shape is a tuple of three ints" in proc.stdout
    assert "ok    notebooks/toy_shapes/toy_shapes.ipynb" in proc.stdout


@pytest.mark.slow
def test_validate_invert_flags_a_student_notebook_that_passes(course):
    generate(course)
    # a student version that ships the answer passes its test: validate --invert must complain
    student = course.student("toy_shapes")
    nb = nbformat.read(student, as_version=4)
    nb.cells[2].source = "answer_shape = (2, 3, 4)"
    nbformat.write(nb, student)
    [result] = validate(course, ["toy_shapes"], jobs=1)[1:]
    assert not result.ok and result.invert
    assert any("passed:" in p for p in result.problems), result.problems
