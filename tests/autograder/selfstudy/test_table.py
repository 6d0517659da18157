"""The exercise table shipped with the package matches the source notebooks."""

import json
import re

import nbformat
import pytest

from autograder.checks import EXERCISES
from autograder.checks._geometry import pool_geometry_cases, receptive_field_cases
from autograder.course.assignments import Course
from autograder.course.exercises import (
    ExerciseTableError,
    read_notebook,
    selfstudy_data,
)
from autograder.selfstudy import _table

COURSE = Course()


def _grade_cells(aid):
    nb = nbformat.read(COURSE.solution(aid), as_version=4)
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_the_packaged_table_is_the_one_generate_writes_from_the_sources():
    expected = selfstudy_data(COURSE)
    assert (_table.DATA / "exercises.json").read_text() == expected["exercises.json"]
    assert (_table.DATA / "reveal.json").read_text() == expected["reveal.json"]
    assert _table.edition() == "self-study"


def _student_cells(aid):
    nb = nbformat.read(COURSE.student(aid), as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}


#: Checks of the package with named case groups on a learner function (not batteries).
TABLE_CHECKS = {"pool_geometry": pool_geometry_cases(), "receptive_field": receptive_field_cases(0)}


@pytest.mark.parametrize("aid", COURSE.assignments())
def test_one_exercise_per_grade_cell_with_its_points(aid):
    cells = _grade_cells(aid)
    student = _student_cells(aid)
    rows = _table.exercises(aid)
    assert [r.test for r in rows] == [c.metadata.nbgrader["grade_id"] for c in cells]
    assert [r.points for r in rows] == [float(c.metadata.nbgrader["points"]) for c in cells]
    for row, cell in zip(rows, cells, strict=True):
        # one part per score.add(check_<op>, ...) / score.add_points(...), in order
        calls = re.findall(r"\bscore\.(add|add_points)\(\s*(?:check_(\w+))?", cell.source)
        assert [c["check"] for c in row.checks] == [op or "points" for _, op in calls]
        # the parts' weights (the `points=` of Score(...) is the cell's, not a part's)
        weights = re.findall(r"[,\s](?:points|out_of)=([\d.]+)\)", cell.source)
        assert [c["points"] for c in row.checks] == [float(w) for w in weights]
        if row.kind == "written":  # graded by hand: a markdown cell, no parts
            assert cell.cell_type == "markdown" and not row.checks
            continue
        assert row.kind == "check" and row.checks  # every code test cell is a Score now
        for part in row.checks:
            if part["runner"] == "check":  # rerun on fresh cases, hidden groups included
                groups = (EXERCISES[part["check"]].groups if part["check"] in EXERCISES
                          else list(TABLE_CHECKS[part["check"]]))  # fmt: skip
                assert set(part["groups"]) <= set(groups)
                assert part["function"] in row.defines
            else:  # visible parts run with the visible code; hidden ones only at hand-in
                assert part["runner"] == (None if part["hidden"] else "visible")
        if any(p["runner"] == "visible" for p in row.checks):
            # the visible code is what the student notebook shows, line for line
            shown = student[row.test].splitlines()
            assert row.visible_code and set(row.visible_code.splitlines()) <= set(shown)
            assert "score.total()" not in row.visible_code
        else:
            assert row.visible_code is None


def test_the_first_notebook_in_detail():
    rows = {r.name: r for r in _table.exercises("01_max_pooling1d")}
    assert list(rows) == [
        "shape_answers",
        "pool_geometry",
        "max_pool1d_loops",
        "max_pool1d_vectorised",
        "largest_difference",
        "explain_same_padding_never_wins",
    ]
    vec = rows["max_pool1d_vectorised"]
    assert (vec.kind, vec.points, vec.defines) == ("check", 2.0, ("max_pool1d",))
    assert vec.checks == (
        {"check": "max_pool1d", "function": "max_pool1d", "hidden": False, "points": 1,
         "groups": ["examples", "valid", "default_strides"], "runner": "check"},
        {"check": "max_pool1d", "function": "max_pool1d", "hidden": True, "points": 1,
         "groups": ["same", "edge", "channels_first", "dtype", "random"], "runner": "check"},
    )  # fmt: skip
    assert vec.visible_code is None and vec.measured_points == 2
    assert rows["explain_same_padding_never_wins"].kind == "written"
    geometry = rows["pool_geometry"]
    assert [(c["check"], c["hidden"], c["runner"]) for c in geometry.checks] == [
        ("pool_geometry", False, "check"), ("pool_geometry", True, "check")]  # fmt: skip
    answers = rows["shape_answers"]
    assert [(c["check"], c["function"], c["points"], c["runner"]) for c in answers.checks] == [
        ("answer_format", "shape_answers", 0.25, "visible"),
        ("shape_answer", None, 0.25, "visible"),
        ("shape_answer", None, 1.75, None),  # its expected values are hidden
    ]
    assert answers.measured_points == pytest.approx(2 * 0.5 / 2.25)
    assert "expected_pool1d_shape((10, 4, 10), 2, 1)" in answers.visible_code
    assert "expect(_a, _a[:, :6], raises=True" in rows["largest_difference"].visible_code
    assert sum(r.points for r in rows.values()) == 10


def test_no_hidden_test_code_is_shipped():
    table = (_table.DATA / "exercises.json").read_text()
    reveal = (_table.DATA / "reveal.json").read_text()
    hidden_lines = 0
    for aid in COURSE.assignments():
        nb = nbformat.read(COURSE.solution(aid), as_version=4)
        solutions = "\n".join(
            c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
        )
        shown = "\n".join(_student_cells(aid).values())  # what the student notebook shows
        for cell in _grade_cells(aid):
            for block in re.findall(
                r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", cell.source, re.S
            ):
                for line in block.splitlines():
                    line = line.strip()
                    if len(line) > 30 and "check_" not in line:
                        hidden_lines += 1
                        if line in shown:  # a line the visible part shares is no leak
                            continue
                        assert json.dumps(line)[1:-1] not in table, line
                        if line not in solutions:  # a line a solution shares is no leak
                            assert json.dumps(line)[1:-1] not in reveal, line
    assert hidden_lines > 20  # the test looked at real hidden code


def test_names_resolve_to_exercises(monkeypatch):
    assert _table.find("max_pool1d").name == "max_pool1d_vectorised"
    assert _table.find("max_pool1d_loops").notebook == "01_max_pooling1d"
    assert _table.find("conv1d").name == "conv1d_solution"
    assert _table.find("max_pool1d_backward").notebook == "06_gradients_through_pooling_and_conv"
    assert _table.find("pool_geometry_matches_keras").name == "pool_geometry"
    with pytest.raises(
        _table.SelfStudyError, match=r"no exercise called 'max_pool3d'.*'pool_geometry'"
    ):
        _table.find("max_pool3d")
    monkeypatch.setenv("POOLCOURSE_NOTEBOOK", "07_from_1d_to_2d")
    with pytest.raises(
        _table.SelfStudyError, match="exercises of 07_from_1d_to_2d are 'max_pool2d'"
    ):
        _table.find("nope")


def test_a_test_cell_the_table_cannot_read_is_an_authoring_error(tmp_path):
    nb = nbformat.v4.new_notebook()
    meta = {"schema_version": 3, "locked": False, "task": False}
    nb.cells = [
        nbformat.v4.new_code_cell("def f(x):\n    return x", metadata={"nbgrader": {
            **meta, "grade": False, "solution": True, "grade_id": "f"}}),
        nbformat.v4.new_code_cell("score = Score(points=1)\n"
                                  "score.add(check_max_pool1d, f, groups=GROUPS, points=1)",
            metadata={"nbgrader": {**meta, "grade": True, "solution": False, "grade_id": "t",
                                   "points": 1}}),
    ]  # fmt: skip
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ExerciseTableError, match=r"`groups` must be a literal.*groups=GROUPS"):
        read_notebook(path)
