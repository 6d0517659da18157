"""Hints, solutions and model answers on request, recorded; none of it in a graded edition."""

import re

import nbformat
import pytest

from autograder import cli, selfstudy
from autograder.course.assignments import Course
from autograder.course.exercises import selfstudy_data
from autograder.selfstudy import _progress, _table


def _solution_lines(ex):
    nb = nbformat.read(Course().solution(ex.notebook), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ex.name)
    text = cell.source
    if cell.cell_type == "code":
        text = "\n".join(re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, re.S))
    return [ln.strip() for ln in text.splitlines() if len(ln.strip()) > 12]


@pytest.mark.parametrize("ex", _table.all_exercises(), ids=lambda e: e.name)
def test_the_first_hint_never_gives_the_answer(ex):
    levels = selfstudy.hint_levels(ex)
    assert len(levels) >= 2
    lines = _solution_lines(ex)
    assert lines, ex.name
    leaked = [ln for ln in lines if ln in levels[0]]
    assert leaked == []


def test_hints_come_one_level_at_a_time_and_are_recorded(capsys):
    n = len(selfstudy.hint_levels(_table.find("max_pool1d")))
    assert n == 4
    selfstudy.hint("max_pool1d")
    first = capsys.readouterr().out
    assert first.startswith("Hint 1 of 4 for Exercise 4 (2 points): vectorised")
    assert "Re-read the section «7. Implement `max_pool1d` in NumPy»" in first
    selfstudy.hint("max_pool1d")
    selfstudy.hint("max_pool1d")
    third = capsys.readouterr().out
    assert "Hint 3 of 4" in third and "padding with zeros in max pooling" in third
    assert _progress.record("01_max_pooling1d", "max_pool1d_vectorised")["hints"] == 3
    selfstudy.hint("max_pool1d", 9)
    assert "max_pool1d_vectorised has hints 1 to 4. Received: level=9" in capsys.readouterr().out


def test_solution_and_model_answer_show_the_source_and_are_recorded(capsys):
    selfstudy.solution("pool_geometry")
    out = capsys.readouterr().out
    assert "out = -(-length // strides)  # ceil(length / strides) in integers" in out
    assert "### BEGIN SOLUTION" not in out
    selfstudy.model_answer("explain_same_padding_never_wins")
    out = capsys.readouterr().out
    assert "**Model answer.** Keras (TensorFlow) pads with `-inf`" in out
    assert "**Rubric (2 points).**" in out
    selfstudy.model_answer("pool_geometry")
    assert "pool_geometry is not a written exercise" in capsys.readouterr().out
    assert _progress.record("01_max_pooling1d", "pool_geometry")["solution"] is True
    record = _progress.record("01_max_pooling1d", "explain_same_padding_never_wins")
    assert record["model_answer"] is True


def test_the_progress_view_shows_checks_reveals_and_a_total(capsys):
    _progress.update("01_max_pooling1d", "max_pool1d_vectorised",
                     self_check={"earned": 2.0, "measured": 2.0, "seed": 1})  # fmt: skip
    _progress.update("03_average_pooling_and_gap_classifiers", "average_pool1d",
                     self_check={"earned": 1.0, "measured": 3.0, "seed": 2}, hints=2)  # fmt: skip
    _progress.update("01_max_pooling1d", "pool_geometry", solution=True)
    assert cli.main(["progress"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"max_pool1d_vectorised +2 pts +pass 2/2", out)
    assert re.search(r"average_pool1d +3 pts +FAIL 1/3 +revealed: hints 2/4", out)
    assert re.search(r"pool_geometry +1 pts +not checked +revealed: solution", out)
    assert "self-check total: 3 of 5 points checked so far, of 70 in the course" in out


def test_a_graded_edition_reveals_no_solution(tmp_path, monkeypatch, capsys):
    data = selfstudy_data(Course(), graded=True)
    assert data["reveal.json"] is None and '"edition": "graded"' in data["exercises.json"]
    (tmp_path / "exercises.json").write_text(data["exercises.json"])
    monkeypatch.setattr(_table, "DATA", tmp_path)
    _table._load.cache_clear()
    try:
        assert _table.edition() == "graded"
        selfstudy.solution("max_pool1d")
        selfstudy.model_answer("explain_same_padding_never_wins")
        out = capsys.readouterr().out
        assert out.count("graded edition of the course: it carries no solutions") == 2
        levels = selfstudy.hint_levels(_table.find("max_pool1d"))
        assert len(levels) == 3 and not any("model solution" in h for h in levels)
    finally:
        _table._load.cache_clear()
