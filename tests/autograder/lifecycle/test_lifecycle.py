"""The instructor's whole nbgrader lifecycle with nbgrader's own commands.

release_assignment -> (student) fetch_assignment -> submit -> collect ->
``python -m autograder grade`` -> a manual grade (as the formgrader stores it)
-> ``grade`` again -> generate_feedback -> release_feedback -> (student)
fetch_feedback, on the toy course (with a rubric under its written answer) and a
local exchange folder set up by the course's nbgrader_config.py. The student is
this OS account: nbgrader's exchange names students by the account that submits.
"""

from __future__ import annotations

import csv
import shutil
import time

import nbformat
import pytest
from fixtures.helpers import run_cli
from lifecycle_support import RUBRIC, nbgrader, os_user, rubric_course

from autograder.course.assignments import write_student_config

pytestmark = pytest.mark.slow

AID = "toy_pooling"
ANSWER = "Windows of two steps that do not overlap: each pair becomes one output step."


def _grade(course, *options):
    start = time.monotonic()
    proc = run_cli("grade", str(course.root), "--course", str(course.root), "-j", "1", *options)
    print(f"grade {' '.join(options)}: {time.monotonic() - start:.0f} s")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _csv(course) -> dict[str, list[str]]:
    with open(course.root / "grading-output" / "grades.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    return {r[0]: r for r in rows}


@pytest.fixture(scope="module")
def life(tmp_path_factory):
    """Every step of the lifecycle, in order; returns what the tests look at."""
    from nbgrader.api import Gradebook

    root = tmp_path_factory.mktemp("lifecycle")
    course = rubric_course(root / "course")
    student_dir = root / "student"
    write_student_config(student_dir, course.root / "exchange")
    me = os_user()
    seen: dict = {"course": course, "student_dir": student_dir, "me": me}

    # instructor releases notebooks/<aid>/ (the course's release folder)
    nbgrader("release_assignment", AID, cwd=course.root)
    # student fetches, answers (a correct implementation + a written answer), submits
    nbgrader("fetch_assignment", AID, cwd=student_dir)
    fetched = student_dir / AID / f"{AID}.ipynb"
    seen["fetched"] = nbformat.read(fetched, as_version=4)
    work = nbformat.read(fetched, as_version=4)
    solution = nbformat.read(course.solution(AID), as_version=4)
    for cell in work.cells:  # the instructor's implementation, the student's own words
        if cell.get("id") == "max_pool1d_impl":
            source = next(c.source for c in solution.cells if c.get("id") == "max_pool1d_impl")
            cell.source = "\n".join(line for line in source.splitlines() if "SOLUTION" not in line)
        if cell.get("id") == "why_halves_answer":
            cell.source = ANSWER
    nbformat.write(work, fetched)
    nbgrader("submit", AID, cwd=student_dir)
    # instructor collects into submitted/ and grades
    nbgrader("collect", AID, cwd=course.root)
    seen["collected"] = sorted(p.name for p in (course.root / "submitted" / me / AID).iterdir())
    seen["first_grade"] = _grade(course)
    seen["csv_before"] = _csv(course)[me]

    # a grader scores the written answer in the formgrader: it writes these fields
    db_url = f"sqlite:///{course.root / 'gradebook.db'}"
    with Gradebook(db_url, "poolcourse") as gb:
        grade = gb.find_grade("why_halves_answer", AID, AID, me)
        seen["pending"] = (grade.auto_score, grade.needs_manual_grade)
        grade.manual_score = 1.5
        grade.needs_manual_grade = False
        comment = gb.find_comment("why_halves_answer", AID, AID, me)
        comment.manual_comment = "Right; say why the windows do not overlap."
        gb.db.commit()

    seen["second_grade"] = _grade(course)
    seen["csv_after"] = _csv(course)[me]
    with Gradebook(db_url, "poolcourse") as gb:
        grade = gb.find_grade("why_halves_answer", AID, AID, me)
        seen["manual_after"] = (grade.manual_score, grade.needs_manual_grade)
        seen["submissions"] = [s.student.id for s in gb.find_assignment(AID).submissions]

    # feedback with the manual grade, released and fetched by the student
    nbgrader("generate_feedback", AID, "--force", cwd=course.root)
    nbgrader("release_feedback", AID, cwd=course.root)
    nbgrader("fetch_feedback", AID, cwd=student_dir)
    seen["student_feedback"] = sorted((student_dir / AID / "feedback").rglob("*.html"))
    return seen


def test_the_exchange_is_the_course_folder_set_in_nbgrader_config(life):
    course = life["course"]
    assert (course.root / "exchange" / "poolcourse" / "outbound" / AID).is_dir()
    assert (course.root / "exchange" / "poolcourse" / "inbound").is_dir()
    assert (life["student_dir"] / "nbgrader_config.py").is_file()


def test_the_released_notebook_hides_the_rubric(life):
    text = "\n".join(c.source for c in life["fetched"].cells)
    assert "Graded by hand" in text
    assert RUBRIC not in text and "MARK SCHEME" not in text


def test_collect_puts_the_submission_where_grade_finds_it(life):
    assert {"timestamp.txt", f"{AID}.ipynb"} <= set(life["collected"])
    assert "graded 1 submission(s)" in life["first_grade"]


def test_the_autograded_notebook_is_where_the_formgrader_looks_with_the_rubric(life):
    course, me = life["course"], life["me"]
    graded = course.root / "autograded" / me / AID / f"{AID}.ipynb"
    cells = nbformat.read(graded, as_version=4).cells
    ids = [c.get("id") for c in cells]
    answer = ids.index("why_halves_answer")
    assert cells[answer].source == ANSWER
    # the rubric is right under the answer, restored by nbgrader from the gradebook
    assert RUBRIC in cells[answer + 1].source
    assert (course.root / "autograded" / me / AID / "timestamp.txt").is_file()


def test_the_written_answer_waits_for_the_grader_and_counts_once_graded(life):
    me = life["me"]
    assert life["pending"] == (None, True)
    header = ["student", "toy_pooling", "total"]
    assert life["csv_before"][:2] == [me, "5"]  # 3 + 2 automatic points, the answer pending
    assert life["csv_after"][:2] == [me, "6.5"]  # + the manual 1.5
    assert life["csv_after"][-1] == "6.5"
    assert "1 already graded" in life["second_grade"]
    assert len(header) == len(life["csv_after"])


def test_the_next_grade_run_keeps_the_manual_grade_and_its_review(life):
    assert life["manual_after"] == (1.5, False)
    assert life["submissions"] == [life["me"]]


def _toy_record(student: str, auto: float | None) -> dict:
    grades = {
        "max_pool_keeps_window_max": 3.0,
        "max_pool_default_strides_partial": 2.0,
        "why_halves_answer": auto,
    }
    return {
        "student": student,
        "assignment": AID,
        "timestamp": None,
        "notebooks": {
            AID: {
                "grades": {k: {"auto_score": v} for k, v in grades.items()},
                "comments": {"max_pool1d_impl": None, "why_halves_answer": None},
                "late_submission_penalty": None,
            }
        },
    }


def test_apply_record_never_touches_manual_grades(tmp_path):
    """What `grade` writes for a submission graded again: manual score and comment kept;
    the grader's "reviewed" kept unless the submission changed (then, as nbgrader's
    SaveAutoGrades does, the cell is flagged for review again)."""
    from nbgrader.api import Gradebook

    from autograder.course.assignments import run_generate_assignment, scratch_course
    from autograder.grading.pipeline import apply_record

    course = rubric_course(tmp_path / "course")
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with scratch_course(course, [AID]) as scratch:
        run_generate_assignment(scratch, [AID], db_url=db)

    def state(gb):
        g = gb.find_grade("why_halves_answer", AID, AID, "ana")
        c = gb.find_comment("why_halves_answer", AID, AID, "ana")
        return g.manual_score, g.needs_manual_grade, c.manual_comment

    with Gradebook(db, "poolcourse") as gb:
        assert apply_record(gb, _toy_record("ana", None))
        assert state(gb) == (None, True, None)
        g = gb.find_grade("why_halves_answer", AID, AID, "ana")
        g.manual_score, g.needs_manual_grade = 1.5, False
        gb.find_comment("why_halves_answer", AID, AID, "ana").manual_comment = "ok"
        gb.db.commit()
        assert not apply_record(gb, _toy_record("ana", None), review=False)
        assert state(gb) == (1.5, False, "ok")
        apply_record(gb, _toy_record("ana", None), review=True)  # a changed submission
        assert state(gb) == (1.5, True, "ok")
        # the 0-point rubric (task) cell is not left waiting for a grader
        task = gb.find_grade("rubric_why_halves_answer", AID, AID, "ana")
        assert (task.auto_score, task.needs_manual_grade, task.max_score) == (0.0, False, 0.0)
        assert gb.find_submission_notebook(AID, AID, "ana").score == 6.5


def test_the_student_fetches_feedback_with_the_manual_grade_and_comment(life):
    files = life["student_feedback"]
    assert [f.name for f in files] == [f"{AID}.html"]
    html = files[0].read_text()
    assert "Score: 6.5 / 7.0" in html
    assert "say why the windows do not overlap" in html
    assert RUBRIC in html


def test_student_config_is_only_the_exchange(tmp_path):
    path = write_student_config(tmp_path / "s", tmp_path / "x")
    text = path.read_text()
    assert "c.Exchange.root = " in text and str(tmp_path / "x") in text
    assert "poolcourse" in text
    shutil.rmtree(tmp_path / "s")


def test_the_demos_regrade_command_runs_as_printed(tmp_path):
    """The demo's closing advice: its grade command runs as printed (here on a course
    with no submissions yet)."""
    import subprocess

    from lifecycle_support import nbgrader_env

    from autograder.grading.demo import closing_advice

    course = rubric_course(tmp_path / "course")
    (tmp_path / "submissions").mkdir()
    advice = closing_advice(course, tmp_path)
    assert "nbgrader formgrade" not in advice
    command = next(line.strip() for line in advice.splitlines() if " -m autograder grade " in line)
    proc = subprocess.run(
        ["bash", "-c", command], env=nbgrader_env(), capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "graded 0 submission(s)" in proc.stdout
    assert f"rm -rf {tmp_path}" in advice
