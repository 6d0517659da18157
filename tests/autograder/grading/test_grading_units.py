"""Fast tests of the grading building blocks: sample code, layouts, records, report, progress."""

from __future__ import annotations

import io
import json
import runpy

import nbformat
import pytest

from autograder.course.assignments import Course
from autograder.course.samples import (
    SAMPLE_CODE,
    STUDENTS,
    exercise_of,
    fill_cell,
    learner_code,
    solution_text,
)
from autograder.grading.pipeline import Submission, find_submissions, read_record, write_json_atomic
from autograder.grading.report import Progress, ScoreTable, format_table, write_grades_csv

SAMPLE = runpy.run_path(str(SAMPLE_CODE))
EXERCISES = sorted(
    n for n, v in SAMPLE.items()
    if callable(v) and getattr(v, "__module__", None) == "<run_path>" and not n.startswith("_")
    and "__" not in n
)  # fmt: skip
MISTAKES = sorted(n for n in SAMPLE if "__" in n and not n.startswith("__"))


# ------------------------------------------------------------------ the bundled learner code


@pytest.mark.keras
@pytest.mark.parametrize("name", EXERCISES)
def test_bundled_correct_code_passes_its_check(name):
    from autograder import checks

    getattr(checks, f"check_{name}")(SAMPLE[name])  # strict: raises on the first wrong case


@pytest.mark.keras
@pytest.mark.parametrize("key", MISTAKES)
def test_bundled_mistakes_lose_points(key):
    from autograder import checks

    name = key.split("__")[1]
    assert getattr(checks, f"check_{name}")(SAMPLE[key], points=1) < 1


def test_every_sample_student_mistake_exists():
    for student in STUDENTS:
        for exercise, mistake in student.mistakes.items():
            assert f"{mistake}__{exercise}" in SAMPLE, (student.name, exercise)


def test_learner_code_is_standalone_and_renamed():
    code = learner_code("conv1d_loops", "right_pad")
    assert code.startswith("import numpy as np")
    assert "def conv1d_loops(" in code and "def right_pad__conv1d(" not in code
    namespace: dict = {}
    exec(code, namespace)
    x = __import__("numpy").arange(6.0).reshape(1, 6, 1)
    y = namespace["conv1d_loops"](x, __import__("numpy").ones((3, 1, 1)), padding="same")
    # the mistake: all padding on the right, so output 0 sums steps 0..2 instead of -1..1
    assert y[0, :, 0].tolist() == [3.0, 6.0, 9.0, 12.0, 9.0, 5.0]


def test_exercise_of_maps_variants_to_the_exercise():
    assert exercise_of("max_pool1d_loops") == "max_pool1d"
    assert exercise_of("max_pool1d_vectorised") == "max_pool1d"
    assert exercise_of("conv1d") == "conv1d"
    assert exercise_of("pool_geometry") == "pool_geometry"  # a helper exercise of 01
    assert exercise_of("keras_steps") is None  # a notebook helper, not an exercise
    assert learner_code("keras_steps") is None


def test_fill_cell_per_student():
    src = "shape = None\n### BEGIN SOLUTION\nshape = (2, 3)\n### END SOLUTION"
    correct, unanswered = STUDENTS[0], STUDENTS[-1]
    assert solution_text(src) == "shape = None\nshape = (2, 3)"
    assert fill_cell(correct, src, "code") == "shape = None\nshape = (2, 3)"
    assert fill_cell(unanswered, src, "code") is None  # left as the stub
    func = (
        "def max_pool1d(x, pool_size=2):\n"
        "    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"
    )
    filled = fill_cell(unanswered, func, "code")
    assert filled.startswith("def max_pool1d(x, pool_size=2):\n    return x\n")
    assert "sliding_window_view" in filled  # the student's own version comes after
    assert fill_cell(STUDENTS[2], "Model answer.", "markdown") == STUDENTS[2].written_answer


# ------------------------------------------------------------------ layouts


def _nb(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(), path)


@pytest.fixture
def course(tmp_path):
    for aid in ("01_pool", "01_pool_extra"):
        _nb(tmp_path / "course" / "solutions" / aid / f"{aid}.ipynb")
    return Course(tmp_path / "course")


def test_nbgrader_layout_with_anomalies(course, tmp_path):
    root = tmp_path / "subs"
    _nb(root / "ana" / "01_pool" / "01_pool.ipynb")
    (root / "ana" / "01_pool" / "timestamp.txt").write_text("2026-01-02 10:00:00 UTC\n")
    _nb(root / "ana" / "99_other" / "99_other.ipynb")
    (root / "bo" / "01_pool_extra").mkdir(parents=True)
    _nb(root / "bad id" / "01_pool" / "01_pool.ipynb")
    subs, anomalies = find_submissions(root, course)
    assert [(s.student, s.assignment, s.timestamp) for s in subs] == [
        ("ana", "01_pool", "2026-01-02 10:00:00 UTC")
    ]
    assert sorted(a.kind for a in anomalies) == [
        "bad-student-id", "no-notebook", "unknown-assignment"
    ]  # fmt: skip
    # a course folder holding submitted/ works too
    (tmp_path / "c2").mkdir()
    (root).rename(tmp_path / "c2" / "submitted")
    assert [s.student for s in find_submissions(tmp_path / "c2", course)[0]] == ["ana"]


def test_flat_layout_takes_the_longest_notebook_suffix(course, tmp_path):
    root = tmp_path / "flat"
    _nb(root / "a_b_01_pool_extra.ipynb")
    _nb(root / "a_b_01_pool.ipynb")
    subs, anomalies = find_submissions(root, course)
    assert [(s.student, s.assignment) for s in subs] == [
        ("a_b", "01_pool"),
        ("a_b", "01_pool_extra"),
    ]
    assert anomalies == []
    with pytest.raises(FileNotFoundError, match="Received: SUBMISSIONS="):
        find_submissions(tmp_path / "nope", course)


def test_fingerprint_changes_with_content_and_timestamp(tmp_path):
    nb = tmp_path / "a.ipynb"
    nb.write_text("{}")
    sub = Submission("s", "a", (("a", str(nb)),))
    same = Submission("s", "a", (("a", str(nb)),))
    late = Submission("s", "a", (("a", str(nb)),), timestamp="2026-01-01 00:00:00")
    assert sub.fingerprint() == same.fingerprint() != late.fingerprint()
    before = sub.fingerprint()
    nb.write_text("{} ")
    assert sub.fingerprint() != before


def test_records_are_written_whole(tmp_path):
    path = tmp_path / "r" / "a.json"
    write_json_atomic(path, {"status": "graded", "x": [1, 2]})
    assert json.loads(path.read_text()) == {"status": "graded", "x": [1, 2]}
    assert [p.name for p in path.parent.iterdir()] == ["a.json"]  # no temporary left
    path.write_text('{"status": "gra')  # a torn file from elsewhere reads as "no record"
    assert read_record(path) is None


# ------------------------------------------------------------------ report


TABLE = ScoreTable(
    columns=[("a1", "a1", "a1", 10.0), ("a2", "a2", "a2", 5.0)],
    rows=[("ann", [7.5, None], 7.5), ("bob", [10.0, 5.0], 15.0)],
)


def test_grades_csv_one_row_per_student(tmp_path):
    path = write_grades_csv(TABLE, tmp_path / "grades.csv")
    assert path.read_text().splitlines() == [
        "student,a1,a2,total",
        "ann,7.5,,7.5",
        "bob,10,5,15",
    ]


def test_format_table_marks_missing_and_maxima():
    text = format_table(TABLE)
    assert text.splitlines()[0].split() == ["student", "a1", "/10", "a2", "/5", "total", "/15"]
    assert text.splitlines()[2].split() == ["ann", "7.5", "-", "7.5"]


def test_progress_line_counts_and_eta():
    stream = io.StringIO()
    bar = Progress(4, stream=stream)
    bar.update(done=1, running=2)
    bar.update(done=1, failed=True, running=2)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("grading [######------------------] 1/4  running 2  failed 0")
    assert "2/4" in lines[1] and "failed 1" in lines[1] and "ETA" in lines[1]
    assert bar.eta() is not None and bar.eta() >= 0


@pytest.mark.parametrize(
    ("attempt", "status", "kinds", "retried"),
    [
        (1, "failed", ["worker-died"], True),  # grader-side: try once more
        (1, "failed", ["nbgrader-error"], True),
        (1, "failed", ["timeout"], False),  # a runaway would cost its time twice
        (2, "failed", ["worker-died"], False),  # attempts used up: reported failed
        (1, "graded", ["crash"], False),  # a crash in the learner's kernel is graded
        (1, "rejected", ["invalid-notebook"], False),
    ],
)
def test_failed_submissions_are_retried_once_unless_they_ran_out_of_time(
    attempt, status, kinds, retried
):
    from autograder.grading.pipeline import GRADING_ATTEMPTS, _worth_a_retry

    assert GRADING_ATTEMPTS == 2
    record = {"status": status, "anomalies": [{"kind": k, "detail": ""} for k in kinds]}
    assert _worth_a_retry({"attempt": attempt}, record) is retried


# --------------------------------------------------------------------------- odd entries


@pytest.fixture
def no_hang():
    """Fail (not hang) if anything opens a FIFO."""
    import signal

    def stop(*_):
        raise TimeoutError("find_submissions blocked (it opened a FIFO?)")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_odd_entries_named_like_submissions_are_rejected_not_followed(course, tmp_path, no_hang):
    import os

    secret = tmp_path / "course" / "solutions" / "01_pool" / "01_pool.ipynb"
    root = tmp_path / "subs"
    _nb(root / "ana" / "01_pool" / "01_pool.ipynb")
    (root / "bo").mkdir()
    (root / "bo" / "01_pool").symlink_to(secret.parent)  # assignment folder -> instructor's
    (root / "cy").symlink_to(tmp_path / "course")  # student folder -> the course
    (root / "di" / "01_pool").mkdir(parents=True)
    (root / "di" / "01_pool" / "01_pool.ipynb").symlink_to(secret)  # notebook -> solution
    (root / "ed" / "01_pool").mkdir(parents=True)
    (root / "ed" / "01_pool" / "01_pool.ipynb").symlink_to(tmp_path / "gone")  # dangling
    (root / "fa" / "01_pool" / "01_pool.ipynb").mkdir(parents=True)  # a folder
    (root / "gu" / "01_pool").mkdir(parents=True)
    os.mkfifo(root / "gu" / "01_pool" / "01_pool.ipynb")  # a FIFO: must not block
    (root / "hy").symlink_to(tmp_path / "nowhere")  # a dangling student folder
    subs, anomalies = find_submissions(root, course)
    assert [s.student for s in subs] == ["ana"]
    rejected = {a.student: a.detail for a in anomalies if a.kind == "rejected"}
    assert sorted(rejected) == ["bo", "cy", "di", "ed", "fa", "gu", "hy"]
    assert "symbolic link" in rejected["di"] and str(secret) in rejected["di"]
    assert "symbolic link" in rejected["ed"]
    assert rejected["fa"].endswith("is a folder; not graded")
    assert rejected["gu"].endswith("is a FIFO; not graded")
    assert all(a.kind in ("rejected", "no-notebook") for a in anomalies), anomalies


def test_odd_entries_in_a_flat_export_are_rejected(course, tmp_path, no_hang):
    import os

    root = tmp_path / "flat"
    _nb(root / "ana_01_pool.ipynb")
    (root / "bo_01_pool.ipynb").symlink_to(tmp_path / "course" / "solutions" / "01_pool" /
                                           "01_pool.ipynb")  # fmt: skip
    (root / "cy_01_pool.ipynb").symlink_to(tmp_path / "gone")
    (root / "di_01_pool.ipynb").mkdir()
    os.mkfifo(root / "ed_01_pool.ipynb")
    subs, anomalies = find_submissions(root, course)
    assert [s.student for s in subs] == ["ana"]
    assert sorted(a.detail.split(":")[0].rsplit("/", 1)[-1] for a in anomalies) == [
        "bo_01_pool.ipynb", "cy_01_pool.ipynb", "di_01_pool.ipynb", "ed_01_pool.ipynb"
    ]  # fmt: skip
    assert {a.kind for a in anomalies} == {"rejected"}


def test_extra_files_that_are_links_or_fifos_are_not_fingerprinted_or_copied(tmp_path, no_hang):
    import os

    from autograder.grading.pipeline import _not_copied

    folder = tmp_path / "ana" / "01_pool"
    _nb(folder / "01_pool.ipynb")
    (folder / "data.csv").write_text("1,2\n")
    (folder / "link.csv").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "secret.txt").write_text("secret")
    os.mkfifo(folder / "pipe")
    sub = Submission("ana", "01_pool", (("01_pool", str(folder / "01_pool.ipynb")),),
                     folder=str(folder))  # fmt: skip
    first = sub.fingerprint()  # does not block on the FIFO
    (tmp_path / "secret.txt").write_text("changed")
    assert sub.fingerprint() == first  # the link's target is not part of the submission
    names = ["01_pool.ipynb", "data.csv", "link.csv", "pipe", "__pycache__"]
    assert _not_copied(str(folder), names) == {"link.csv", "pipe", "__pycache__"}


# --------------------------------------------------------------------------- no OS sandbox


def test_grade_refuses_without_an_os_sandbox(course, tmp_path, monkeypatch, capsys):
    from autograder import cli
    from autograder.grading import pipeline
    from autograder.sandbox import bwrap

    monkeypatch.setattr(bwrap, "probe", lambda: "bwrap (bubblewrap) is not installed")
    monkeypatch.setattr(bwrap, "_mode", None)
    out = tmp_path / "out"
    with pytest.raises(pipeline.NoSandboxError, match=r"REFUSING TO GRADE.*--unsafe-no-sandbox"):
        pipeline.grade(tmp_path, course=course, out=out, progress=False)
    assert not out.exists()  # nothing done
    code = cli.main(["grade", str(tmp_path), "--course", str(course.root), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: REFUSING TO GRADE") and "(bwrap (bubblewrap) is not" in err
    # with the flag: today's mode, said loudly
    assert pipeline._os_sandbox(True) is False
    assert bwrap.active() is False
    assert "WITHOUT the OS sandbox" in capsys.readouterr().err
