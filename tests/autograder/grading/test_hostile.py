"""``python -m autograder grade`` against broken and hostile submissions (issue 8).

One class is graded once per module: a student per ``fixtures/hostile/submitted-
<scenario>.ipynb`` (built by ``make_hostile_fixtures.py`` from the small
``hostile_pool`` course), with short limits so the runaway scenarios cost
seconds. Each test checks one scenario: the points every grade cell got, the
anomaly the report names, and that nothing else was harmed. A second, smaller
class is graded with the grader killed half-way (SIGINT, then SIGKILL) and
must end with the same gradebook.

Grade cells of ``hostile_pool``, in order: max_pool1d (2 points, visible +
hidden checks), shape answer (1), hand-worked values (1), upsampling1d (2);
the written answer (1) is graded by hand.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from fixtures.helpers import gradebook_rows, tree_digest

from autograder.course.assignments import Course, generate, write_course_config
from autograder.grading.pipeline import grade
from autograder.sandbox.kernels import Limits

pytestmark = pytest.mark.slow

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
AID = "hostile_pool"
CELLS = (
    "max_pool1d_matches_reference",
    "pool_shape_floor_division",
    "pooled_by_hand_values",
    "upsampling1d_repeats_steps",
)
LIMITS = Limits(cell_timeout=10, notebook_timeout=45, memory_mb=2048, max_output_chars=20_000)

FULL, NOTHING = (2.0, 1.0, 1.0, 2.0), (0.0, 0.0, 0.0, 0.0)
#: Automatic points per grade cell (CELLS order) and the anomaly kinds the report must name.
EXPECTED = {
    "correct": (FULL, set()),
    "blank": (NOTHING, set()),
    # runaway code: the cell's points only; the rest is graded. The verdict runs a cell
    # statement by statement: the answer bound after the endless loop still counts
    "infinite-loop": (FULL, {"cell-timeout"}),
    "slow-answer": ((0.0, 1.0, 1.0, 2.0), {"cell-timeout"}),
    "notebook-time-limit": ((2.0, 1.0, 1.0, 0.0), {"notebook-timeout"}),
    # crashes: the remaining cells only
    "os-exit": ((2.0, 1.0, 1.0, 0.0), {"kernel-died"}),
    "segfault": ((2.0, 1.0, 1.0, 0.0), {"kernel-died"}),
    # the allocation fails (MemoryError) in the kernel and in the verdict's worker; the
    # verdict still takes the `def` after it (statement by statement)
    "out-of-memory": (FULL, {"memory-error"}),
    # output floods cost nothing but the flood
    "output-flood": (FULL, {"output-flood"}),
    # edited notebooks: graded from the original tests
    "edited-test-cells": (NOTHING, {"tampered-cell"}),
    "deleted-test-cells": ((2.0, 0.0, 0.0, 0.0), {"missing-cell"}),
    "reordered-cells": (FULL, {"cells-reordered"}),
    "changed-points": (NOTHING, {"tampered-cell"}),
    "changed-grade-ids": (NOTHING, {"unknown-cell", "duplicate-cell", "missing-cell"}),
    "nbformat-v3": (FULL, set()),
    "other-tool": (FULL, set()),
    "metadata-stripped": (FULL, {"metadata-restored"}),
    # cheating in the kernel: no point
    "calls-pooling-ref": (NOTHING, {"forbidden-call"}),
    "patches-checks": (NOTHING, {"cheating-suspected"}),
    "patches-numpy-testing": (NOTHING, {"cheating-suspected"}),
    "patches-assertionerror": (NOTHING, {"cheating-suspected"}),
    "patches-builtins": (NOTHING, {"cheating-suspected"}),
    "inspects-expected": (NOTHING, {"cheating-suspected"}),
    "reads-hidden-tests": (NOTHING, {"sandbox-denied"}),
    "detects-nbgrader": (NOTHING, {"cheating-suspected"}),
    # isolation: tries to read and damage other submissions, the gradebook, the course
    "vandal": (NOTHING, {"sandbox-denied"}),
    # imports TensorFlow inside the check: refused there, or over the short cell timeout
    "calls-keras": (NOTHING, None),
}
#: Notebooks that cannot be graded: rejected with a message, nothing in the gradebook.
REJECTED = {
    "empty-file": ("rejected", "the file is empty"),
    "invalid-json": ("rejected", "not valid JSON"),
    "wrong-assignment": ("wrong-assignment", "this is the notebook of hostile_extra"),
}


def _course(root: Path) -> Course:
    course = Course(root)
    shutil.copytree(HOSTILE / "course" / "solutions", root / "solutions")
    generate(course)
    write_course_config(course.root)
    return course


def _submissions(dest: Path, scenarios) -> Path:
    for scenario in scenarios:
        path = dest / scenario / AID / f"{AID}.ipynb"
        path.parent.mkdir(parents=True)
        shutil.copyfile(HOSTILE / f"submitted-{scenario}.ipynb", path)
    return dest


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The hostile class (one student per fixture) graded once, 2 at a time."""
    root = tmp_path_factory.mktemp("hostile")
    # the vandal fixture looks for these folder names under /tmp
    course = _course(root / "hostile-course")
    subs = _submissions(root / "hostile-subs", [*EXPECTED, *REJECTED])
    before = {"subs": tree_digest(subs), "course": tree_digest(course.root)}
    start = time.monotonic()
    summary = grade(
        subs, course=course, jobs=2, out=root / "hostile-out", progress=False, limits=LIMITS
    )
    return {
        "root": root,
        "course": course,
        "subs": subs,
        "before": before,
        "summary": summary,
        "seconds": time.monotonic() - start,
        "rows": gradebook_rows(summary.db_url),
    }


def _scores(graded, student):
    rows = graded["rows"]
    return tuple(rows[(student, AID, AID, cell)][0] for cell in CELLS)


def _kinds(graded, student):
    return {a.kind for a in graded["summary"].anomalies if a.student == student}


# ------------------------------------------------------------------ every scenario


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_submission_gets_exactly_the_points_it_earned(graded, scenario):
    points, _ = EXPECTED[scenario]
    assert _scores(graded, scenario) == points, [
        a for a in graded["summary"].anomalies if a.student == scenario
    ]


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_the_report_names_what_happened(graded, scenario):
    _, kinds = EXPECTED[scenario]
    found = _kinds(graded, scenario)
    if kinds is None:
        assert found & {"forbidden-call", "cell-timeout", "memory-error", "kernel-died"}
        return
    assert kinds <= found, found
    if not kinds:
        assert found == set()  # no noise for ordinary submissions


@pytest.mark.parametrize("scenario", sorted(REJECTED))
def test_unusable_notebooks_are_rejected_with_a_message(graded, scenario):
    kind, message = REJECTED[scenario]
    summary = graded["summary"]
    mine = [a for a in summary.anomalies if a.student == scenario]
    assert [a.kind for a in mine] == [kind]
    assert message in mine[0].detail
    assert f"{scenario}/{AID}" in summary.rejected
    assert not any(key[0] == scenario for key in graded["rows"])  # nothing in the gradebook


def test_the_run_went_on_and_nothing_failed(graded):
    summary = graded["summary"]
    assert summary.ok, summary.text()
    assert sorted(summary.graded) == sorted(f"{s}/{AID}" for s in EXPECTED)
    assert summary.failed == []


def test_max_scores_are_the_assignments_whatever_the_metadata_said(graded):
    from nbgrader.api import Gradebook

    with Gradebook(graded["summary"].db_url, "poolcourse") as gb:
        for student in ("changed-points", "changed-grade-ids", "correct"):
            nb = gb.find_submission_notebook(AID, AID, student)
            assert nb.max_score == 7.0  # 6 automatic + 1 manual
            assert {g.name for g in nb.grades} == {*CELLS, "explain_halving"}


def test_a_whole_notebook_limit_bounds_the_worst_case(graded):
    record = graded["root"] / "hostile-out" / "records" / "notebook-time-limit" / f"{AID}.json"
    import json

    seconds = json.loads(record.read_text())["seconds"]
    # 12 cells of 9 s were handed in; the notebook limit stopped them
    assert seconds < LIMITS.notebook_timeout + 60


def test_output_floods_leave_feedback_and_gradebook_small(graded):
    out = graded["root"] / "hostile-out"
    html = out / "feedback" / "output-flood" / AID / f"{AID}.html"
    notebook = out / "autograded" / "output-flood" / AID / f"{AID}.ipynb"
    assert html.stat().st_size < 1_500_000  # the cell printed > 6 MB
    assert notebook.stat().st_size < 300_000
    assert "output cut here" in notebook.read_text()
    db = graded["course"].root / "gradebook.db"
    assert db.stat().st_size < 5_000_000


def test_feedback_shows_the_verdict(graded):
    html = graded["root"] / "hostile-out" / "feedback" / "inspects-expected" / AID / f"{AID}.html"
    assert "Verdict: 0 of 2 points" in html.read_text()


def test_anomaly_table_and_csv_per_student(graded):
    summary = graded["summary"]
    text = summary.text()
    assert "anomalies" in text
    for student in ("segfault", "patches-checks", "empty-file", "infinite-loop"):
        assert student in text.split("anomalies", 1)[1]
    with open(graded["root"] / "hostile-out" / "anomalies.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"student", "assignment", "category", "kind", "detail"} <= set(rows[0])
    by_student = {}
    for row in rows:
        by_student.setdefault(row["student"], set()).add(row["category"])
    assert "crash" in by_student["segfault"] and "timeout" in by_student["slow-answer"]
    assert "cheating" in by_student["patches-checks"]
    assert "tampered" in by_student["edited-test-cells"]
    assert "rejected" in by_student["invalid-json"]
    assert "correct" not in by_student


# ------------------------------------------------------------------ nothing harmed


def test_submissions_and_course_files_are_never_modified(graded):
    assert tree_digest(graded["subs"]) == graded["before"]["subs"]
    after = tree_digest(graded["course"].root)
    before = graded["before"]["course"]
    changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
    assert changed == {"gradebook.db"}  # the grader's own writes; solutions/ untouched


def test_the_vandal_harmed_no_one(graded):
    """Other students' grades are intact and no score is 1000 (the vandal's SQL)."""
    rows = graded["rows"]
    assert all(v[0] is None or v[0] <= 2.0 for v in rows.values())
    assert _scores(graded, "correct") == FULL
    graded_nb = graded["root"] / "hostile-out" / "autograded" / "vandal" / AID / f"{AID}.ipynb"
    text = "".join(
        o.get("text", "")
        for c in nbformat.read(graded_nb, as_version=4).cells
        for o in c.get("outputs", [])
    )
    assert "harm: []" in text  # it may find the folders (or be refused /tmp); it harms nothing


# ------------------------------------------------------------------ killed grader


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_killed_grader_resumes_to_the_same_gradebook(graded, tmp_path, sig):
    scenarios = ["correct", "os-exit", "patches-checks", "output-flood", "empty-file"]
    subs = _submissions(tmp_path / "subs", scenarios)
    before = tree_digest(subs)
    out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'gb.db'}"
    course = graded["course"]
    args = [sys.executable, "-m", "autograder", "grade", str(subs), "--course", str(course.root),
            "--jobs", "1", "--db", db, "--out", str(out), "--quiet",
            "--cell-timeout", str(LIMITS.cell_timeout),
            "--notebook-timeout", str(LIMITS.notebook_timeout),
            "--memory-mb", str(LIMITS.memory_mb)]  # fmt: skip
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    # a grader started from a terminal: SIGINT means KeyboardInterrupt (a background shell or
    # CI runner may have left SIGINT ignored, which the child would inherit)
    proc = subprocess.Popen(args, env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 300
    while len(list((out / "records").glob("*/*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, sig)
    proc.wait(60)
    time.sleep(2)
    done = len(list((out / "records").glob("*/*.json")))
    assert 2 <= done < len(scenarios)

    summary = grade(subs, course=course, jobs=2, db_url=db, out=out, progress=False,
                    limits=LIMITS)  # fmt: skip
    assert summary.ok, summary.text()
    expected = {k: v for k, v in graded["rows"].items() if k[0] in scenarios}
    assert gradebook_rows(db) == expected
    assert tree_digest(subs) == before


def test_the_class_insight_report_survives_hostile_submissions(graded):
    """Hostile notebooks (floods, binary junk, fake outputs) do not stop the report."""
    summary = graded["summary"]
    assert summary.insight is not None and summary.insight.is_file(), summary.warnings
    page = summary.insight.read_text(encoding="utf-8")
    assert "<script" not in page
