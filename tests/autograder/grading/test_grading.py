"""``python -m autograder grade``: parallel autograding on the toy fixture course.

One class of sample submissions (5 students x 2 assignments) is graded once per
module with ``--jobs 2`` and compared with plain serial ``nbgrader autograde``;
smaller runs check resuming, a killed run, the flat LMS layout, ``--db`` and
tampering. Every test here runs nbgrader, so all are marked slow.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from fixtures.helpers import (
    generated_toy_course,
    gradebook_rows,
    run_cli,
    run_nbgrader,
    tree_digest,
)

from autograder.course.samples import STUDENTS, build_samples
from autograder.grading.pipeline import find_submissions, grade

pytestmark = pytest.mark.slow

# Automatic points each sample student earns on the toy course (the written answer,
# 2 points of toy_pooling, is graded by hand). partial_strides: `strides or 1` fails the
# 3-point visible/hidden test and half of the partial-credit cell; partial_padding's
# mistakes only show with padding="same", which the toy course does not test.
EXPECTED = {
    "blank": (0.0, 0.0),
    "correct": (5.0, 3.0),
    "partial_padding": (5.0, 3.0),
    "partial_strides": (1.0, 3.0),
    "partial_unanswered": (5.0, 0.0),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The toy course, its sample submissions, and one ``grade --jobs 2`` run over them."""
    root = tmp_path_factory.mktemp("graded")
    course = generated_toy_course(root / "course")
    subs = root / "submissions"
    build_samples(course, subs)
    before = tree_digest(subs)
    summary = grade(subs, course=course, jobs=2, out=root / "out", progress=False)
    return {"root": root, "course": course, "subs": subs, "before": before, "summary": summary}


def test_every_submission_is_graded_once(graded):
    summary = graded["summary"]
    assert summary.ok, summary.text()
    assert sorted(summary.graded) == sorted(
        f"{s.name}/{a}" for s in STUDENTS for a in ("toy_pooling", "toy_shapes")
    )
    assert summary.skipped == [] and summary.failed == []
    assert summary.anomalies == []  # the samples leave locked cells alone


def test_grades_csv_has_one_row_per_student_and_the_expected_scores(graded):
    with open(graded["root"] / "out" / "grades.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["student", "toy_pooling", "toy_shapes", "total"]
    got = {r[0]: tuple(float(v) for v in r[1:]) for r in rows[1:]}
    assert got == {s: (*pts, sum(pts)) for s, pts in EXPECTED.items()}


def test_gradebook_holds_every_grade_cell_and_the_manual_one_is_pending(graded):
    rows = gradebook_rows(graded["summary"].db_url)
    assert graded["summary"].db_url == f"sqlite:///{graded['course'].root / 'gradebook.db'}"
    # 3 grade cells in toy_pooling + 1 in toy_shapes, for each of the 5 students
    grade_rows = {k: v for k, v in rows.items() if v[0] is not None or v[1] is not None}
    assert len(grade_rows) == 5 * 4
    assert rows[("correct", "toy_pooling", "toy_pooling", "why_halves_answer")][:2] == (None, True)
    assert rows[("correct", "toy_pooling", "toy_pooling", "max_pool_keeps_window_max")][:2] == (
        3.0,
        False,
    )
    # partial credit recorded as such: one of two behaviours right
    key = ("partial_strides", "toy_pooling", "toy_pooling", "max_pool_default_strides_partial")
    assert rows[key][0] == 1.0
    # nbgrader's "No response." comment for an untouched solution cell
    assert rows[("blank", "toy_shapes", "toy_shapes", "shape_answer")][2] == "No response."


def test_feedback_html_per_student_and_notebook(graded):
    out = graded["root"] / "out" / "feedback"
    for student in EXPECTED:
        for aid in ("toy_pooling", "toy_shapes"):
            html = (out / student / aid / f"{aid}.html").read_text()
            assert "<html" in html
    text = (out / "correct" / "toy_shapes" / "toy_shapes.html").read_text()
    assert "Score: 3.0 / 3.0" in text
    # the hidden test is shown in the feedback (nbgrader restored it)
    assert "BEGIN HIDDEN TESTS" in text
    autograded = (
        graded["root"] / "out" / "autograded" / "blank" / "toy_pooling" / "toy_pooling.ipynb"
    )
    assert nbformat.read(autograded, as_version=4).cells


def test_score_plot_is_a_png(graded):
    png = graded["root"] / "out" / "scores.png"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_submissions_are_never_modified(graded):
    assert tree_digest(graded["subs"]) == graded["before"]


def test_nothing_is_left_in_the_course_but_the_gradebook(graded):
    names = sorted(p.name for p in graded["course"].root.iterdir())
    assert names == ["gradebook.db", "nbgrader_config.py", "notebooks", "solutions"]


def test_parallel_scores_equal_serial_nbgrader_autograde(graded, tmp_path):
    """Plain `nbgrader generate_assignment` + `nbgrader autograde`, one student at a time."""
    course = graded["course"]
    serial = tmp_path / "serial"
    shutil.copytree(course.solutions_dir, serial / "solutions")
    from autograder.course.assignments import write_course_config

    write_course_config(serial)
    shutil.copytree(graded["subs"], serial / "submitted")
    for aid in ("toy_pooling", "toy_shapes"):
        run_nbgrader("generate_assignment", aid, "--force", cwd=serial)
        run_nbgrader("autograde", aid, cwd=serial)
    expected = gradebook_rows(f"sqlite:///{serial / 'gradebook.db'}")
    assert len(expected) >= 5 * 4
    assert gradebook_rows(graded["summary"].db_url) == expected


# ------------------------------------------------------------------ smaller runs


def _subset(src: Path, dest: Path, students) -> Path:
    for student in students:
        shutil.copytree(src / student, dest / student)
    return dest


def test_rerun_grades_only_what_is_missing(graded, tmp_path):
    course = graded["course"]
    subs = _subset(graded["subs"], tmp_path / "subs", ["blank", "partial_strides"])
    db = f"sqlite:///{tmp_path / 'gb.db'}"
    out = tmp_path / "out"
    first = grade(subs, course=course, jobs=2, db_url=db, out=out, progress=False)
    assert len(first.graded) == 4 and first.skipped == []
    shutil.copytree(graded["subs"] / "correct", subs / "correct")
    second = grade(subs, course=course, jobs=2, db_url=db, out=out, progress=False)
    assert sorted(second.graded) == ["correct/toy_pooling", "correct/toy_shapes"]
    assert len(second.skipped) == 4
    # a changed submission is graded again, the others are not
    nb = subs / "blank" / "toy_shapes" / "toy_shapes.ipynb"
    notebook = nbformat.read(nb, as_version=4)
    notebook.cells[2].source = "answer_shape = (2, 3, 4)"
    nbformat.write(notebook, nb)
    third = grade(subs, course=course, jobs=2, db_url=db, out=out, progress=False)
    assert third.graded == ["blank/toy_shapes"] and len(third.skipped) == 5
    rows = gradebook_rows(db)
    assert rows[("blank", "toy_shapes", "toy_shapes", "pool_shape_floor_division")][0] == 3.0
    assert rows[("correct", "toy_pooling", "toy_pooling", "max_pool_keeps_window_max")][0] == 3.0


def test_a_killed_run_resumes_and_loses_nothing(graded, tmp_path):
    course = graded["course"]
    subs = _subset(graded["subs"], tmp_path / "subs", ["correct", "partial_strides", "blank"])
    out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'gb.db'}"
    args = [sys.executable, "-m", "autograder", "grade", str(subs), "--course", str(course.root),
            "--jobs", "1", "--db", db, "--out", str(out), "--quiet"]  # fmt: skip
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.Popen(args, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    records = out / "records"
    deadline = time.monotonic() + 300
    while not list(records.glob("*/*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # the grader only: its workers must die with it
    proc.wait()
    done_at_kill = sorted(p.name for p in records.glob("*/*.json"))
    assert 1 <= len(done_at_kill) < 6
    time.sleep(4)  # an orphaned worker would still write its record now
    assert sorted(p.name for p in records.glob("*/*.json")) == done_at_kill

    summary = grade(subs, course=course, jobs=2, db_url=db, out=out, progress=False)
    assert len(summary.skipped) == len(done_at_kill)
    assert len(summary.graded) == 6 - len(done_at_kill)
    expected = {
        k: v for k, v in gradebook_rows(graded["summary"].db_url).items()
        if k[0] in ("correct", "partial_strides", "blank")
    }  # fmt: skip
    assert gradebook_rows(db) == expected


def test_flat_lms_layout(graded, tmp_path):
    course = graded["course"]
    flat = tmp_path / "lms"
    flat.mkdir()
    for student, lms_id in [("correct", "jane_doe"), ("partial_strides", "li.wei")]:
        for aid in ("toy_pooling", "toy_shapes"):
            shutil.copyfile(
                graded["subs"] / student / aid / f"{aid}.ipynb", flat / f"{lms_id}_{aid}.ipynb"
            )
    (flat / "readme_toy_pooling.txt").write_text("not a notebook")
    (flat / "jane_doe_homework.ipynb").write_text("{}")
    subs, anomalies = find_submissions(flat, course)
    assert [(s.student, s.assignment) for s in subs] == [
        ("jane_doe", "toy_pooling"), ("jane_doe", "toy_shapes"),
        ("li.wei", "toy_pooling"), ("li.wei", "toy_shapes"),
    ]  # fmt: skip
    assert [a.kind for a in anomalies] == ["unrecognised-file"]
    assert "jane_doe_homework.ipynb" in anomalies[0].detail

    summary = grade(flat, course=course, jobs=2, out=tmp_path / "out",
                    db_url=f"sqlite:///{tmp_path / 'gb.db'}", progress=False)  # fmt: skip
    assert len(summary.graded) == 4, summary.text()
    with open(tmp_path / "out" / "grades.csv", newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert float(rows["jane_doe"]["total"]) == sum(EXPECTED["correct"])
    assert float(rows["li.wei"]["toy_pooling"]) == EXPECTED["partial_strides"][0]


def test_db_url_option_and_cli_output(graded, tmp_path):
    course = graded["course"]
    subs = _subset(graded["subs"], tmp_path / "subs", ["correct"])
    before = tree_digest(subs)
    db_path = tmp_path / "elsewhere" / "grades.sqlite"
    db_path.parent.mkdir()
    out = tmp_path / "out"
    proc = run_cli("grade", str(subs), "--course", str(course.root), "--jobs", "2",
                   "--db", f"sqlite:///{db_path}", "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "graded 2 submission(s)" in proc.stdout
    assert "correct" in proc.stdout and "8" in proc.stdout
    assert f"gradebook: sqlite:///{db_path}" in proc.stdout
    assert "grading [" in proc.stderr  # the progress bar
    rows = gradebook_rows(f"sqlite:///{db_path}")
    assert rows[("correct", "toy_shapes", "toy_shapes", "pool_shape_floor_division")][0] == 3.0
    assert tree_digest(subs) == before


def test_tampered_and_hidden_tests_are_graded_from_the_gradebook(graded, tmp_path):
    """An edited test cell is restored (and reported); hidden tests come back at grading."""
    course = graded["course"]
    subs = tmp_path / "subs"
    src = graded["subs"] / "correct" / "toy_pooling" / "toy_pooling.ipynb"
    # cheater: deletes the asserts of the test cell and ignores `strides` in the function
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "max_pool_keeps_window_max":
            cell.source = "pass"
        if gid == "max_pool1d_impl":
            cell.source = (
                "def max_pool1d(x, pool_size=2, strides=None):\n"
                "    n = x.shape[1] // pool_size\n"
                "    return x[:, : n * pool_size].reshape(x.shape[0], n, pool_size, -1).max(2)\n"
            )
    path = subs / "cheater" / "toy_pooling" / "toy_pooling.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    summary = grade(subs, course=course, jobs=1, out=tmp_path / "out",
                    db_url=f"sqlite:///{tmp_path / 'gb.db'}", progress=False)  # fmt: skip
    assert summary.graded == ["cheater/toy_pooling"]
    kinds = [(a.student, a.kind) for a in summary.anomalies]
    assert kinds == [("cheater", "tampered-cell")]
    assert "max_pool_keeps_window_max" in summary.anomalies[0].detail
    rows = gradebook_rows(f"sqlite:///{tmp_path / 'gb.db'}")
    # the visible test passes with strides ignored, the restored hidden one does not
    assert rows[("cheater", "toy_pooling", "toy_pooling", "max_pool_keeps_window_max")][0] == 0.0
    record = json.loads((tmp_path / "out" / "records" / "cheater" / "toy_pooling.json").read_text())
    assert record["status"] == "graded" and record["anomalies"][0]["kind"] == "tampered-cell"
    assert (tmp_path / "out" / "anomalies.csv").read_text().count("tampered-cell") == 1


def test_grade_writes_the_class_insight_report_and_links_it(graded):
    """The report of the graded toy class: known failures, a cell's mean, the pasted-alike pair."""
    summary = graded["summary"]
    page = graded["root"] / "out" / "insight" / "report.html"
    assert summary.insight == page and page.is_file()
    assert f"insight:   {page}" in summary.text()
    with (page.parent / "mistakes.csv").open(encoding="utf-8") as fh:
        mistakes = {r["key"]: r["students"].split() for r in csv.DictReader(fh)}
    assert mistakes["max_pool_keeps_window_max: AssertionError"] == ["partial_strides"]
    assert mistakes["max_pool_keeps_window_max: NotImplementedError"] == ["blank"]
    with (page.parent / "items.csv").open(encoding="utf-8") as fh:
        items = {r["cell"]: r for r in csv.DictReader(fh)}
    assert float(items["pool_shape_floor_division"]["mean"]) == pytest.approx(3 * 3 / 5)
    with (page.parent / "look_alikes.csv").open(encoding="utf-8") as fh:
        pairs = [(r["cell"], r["first"], r["second"]) for r in csv.DictReader(fh)]
    # the sample students paste the model solution before their own code: alike; blank: never
    assert ("max_pool1d_impl", "correct", "partial_unanswered") in pairs
    assert not [p for p in pairs if "blank" in p]


def test_odd_entries_are_reported_and_the_class_is_graded(tmp_path):
    """A dangling symlink, a symlink to an instructor file, a folder named like a notebook
    and a FIFO, in a class: every other student is graded, each odd entry reported."""
    course = generated_toy_course(tmp_path / "course")
    subs = tmp_path / "submissions"
    build_samples(course, subs)
    for student in list(subs.iterdir()):
        if student.name not in ("correct", "blank"):
            shutil.rmtree(student)
    aid = sorted(p.name for p in (subs / "correct").iterdir())[0]
    solution = course.solutions_dir / aid / f"{aid}.ipynb"
    odd = {
        "dangling": lambda p: p.symlink_to(tmp_path / "gone.ipynb"),
        "to_solution": lambda p: p.symlink_to(solution),
        "a_folder": lambda p: p.mkdir(),
        "a_fifo": lambda p: os.mkfifo(p),
    }
    for student, make in odd.items():
        (subs / student / aid).mkdir(parents=True)
        make(subs / student / aid / f"{aid}.ipynb")
    summary = grade(subs, course=course, jobs=2, out=tmp_path / "out", progress=False)
    assert not summary.failed, summary.text()
    graded = {key.split("/")[0] for key in summary.graded}
    assert graded == {"correct", "blank"}
    rejected = {a.student: a.detail for a in summary.anomalies if a.kind == "rejected"}
    assert sorted(rejected) == sorted(odd)
    assert str(solution) in rejected["to_solution"]
    rows = gradebook_rows(summary.db_url)
    assert {student for student, *_ in rows} == {"correct", "blank"}  # no row for odd ones
