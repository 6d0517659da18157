"""A real browser on the course: JupyterLab started as ``make lab`` starts it,
Debian's chromium driven by Playwright (``executable_path``; no browser is ever
downloaded).

Student: open the released notebook, run all, click Validate, read the dialog
(and Validate on a notebook that passes: the course's solution).
Instructor: open the formgrader, open a submission in Manual Grading, score and
comment the written answer (its rubric on the page), see the score in the
gradebook. Screenshots of each step go to ``build/screenshots/test_browser/``
(printed at the end), for a human to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fixtures.helpers import REPO_ROOT, run_cli
from lifecycle_support import RUBRIC, lab_server, rubric_course

from autograder.course.samples import build_samples

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO_ROOT / "build" / "screenshots" / "test_browser"
AID = "toy_pooling"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The toy course with two graded submissions of toy_pooling (correct, blank)."""
    root = tmp_path_factory.mktemp("browser")
    course = rubric_course(root / "course")
    build_samples(course, root / "all")
    for student in ("correct", "blank"):
        shutil.copytree(root / "all" / student / AID, root / "subs" / student / AID)
    proc = run_cli("grade", str(root / "subs"), "--course", str(course.root), "-j", "1", "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return course


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(60_000)
        try:
            yield context
        finally:
            context.close()
    print(f"\nscreenshots: {SHOTS}")


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    with lab_server(course.root, tmp_path_factory.mktemp("runtime")) as server:
        yield server


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _dismiss(page, dialog_text: str, button: str) -> None:
    """Click ``button`` of a dialog/notification showing ``dialog_text``, if one shows."""
    box = page.get_by_text(dialog_text)
    try:
        box.first.wait_for(timeout=5_000)
    except Exception:  # it did not show: nothing to do
        return
    page.get_by_role("button", name=button, exact=True).first.click()


def test_student_runs_all_and_validates_the_released_notebook(browser, lab):
    base, token = lab
    page = browser.new_page()
    page.goto(f"{base}/lab/tree/notebooks/{AID}/{AID}.ipynb?token={token}")
    page.locator(".jp-Notebook").first.wait_for()
    _dismiss(page, "Select Kernel", "Select")  # JupyterLab asks on a notebook's first open
    _dismiss(page, "notified about official Jupyter news", "No")
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for()
    _shot(page, "01-student-notebook-open")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # the stub raises NotImplementedError: the error appears as a cell output
    outputs = page.locator(".jp-OutputArea-output")
    outputs.filter(has_text="NotImplementedError").first.wait_for()
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for()
    _shot(page, "02-student-ran-all")
    page.locator(".validate-button:visible").first.click()  # this tab's
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=180_000)
    _shot(page, "03-student-validate-dialog")
    # the dialog's body is the results element itself, marked failed or passed
    body = dialog.locator(".validation-failed, .validation-success").first
    text = body.inner_text()
    assert "validation-failed" in body.get_attribute("class"), text
    # a blank release: nbgrader names the failing test cells and the error
    assert "failed" in text.lower(), text
    assert "NotImplementedError" in text, text
    assert "Success!" not in text
    page.close()


def test_validate_passes_a_notebook_that_passes_every_test(browser, lab):
    """The passing case, on a notebook this test controls: the toy course's solution."""
    base, token = lab
    page = browser.new_page()
    page.goto(f"{base}/lab/tree/solutions/{AID}/{AID}.ipynb?token={token}")
    page.locator(".jp-Notebook").first.wait_for()
    _dismiss(page, "Select Kernel", "Select")
    page.locator(".validate-button:visible").first.click()  # this tab's
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=180_000)
    _shot(page, "03b-validate-passing-notebook")
    body = dialog.locator(".validation-failed, .validation-success").first
    assert "Success! Your notebook passes all the tests." in body.inner_text()
    assert "validation-success" in body.get_attribute("class")
    page.close()


def test_instructor_grades_a_written_answer_in_the_formgrader(browser, lab, course):
    from nbgrader.api import Gradebook

    base, token = lab
    page = browser.new_page()
    page.goto(f"{base}/formgrader?token={token}")
    page.get_by_text("Manage Assignments").first.wait_for()
    _shot(page, "04-formgrader-home")
    page.goto(f"{base}/formgrader/gradebook/{AID}/{AID}?token={token}")
    rows = page.locator("table tbody tr")
    rows.filter(has_text="Submission #2").first.wait_for()
    _shot(page, "05-manual-grading-list")
    # every graded submission is listed (names hidden: the formgrader's default),
    # with its automatic points: correct 5 of 7 (the written 2 pending), blank 0
    listed = page.locator("table tbody").inner_text()
    assert rows.count() == 2, listed
    assert "5 / 7" in listed and "0 / 7" in listed, listed
    rows.filter(has_text="5 / 7").first.locator("a").first.click()

    score = page.locator("input.score#why_halves_answer")
    score.wait_for()
    page.wait_for_load_state("networkidle")  # the grades are loaded (and rendered) after the page
    page_text = page.locator("body").inner_text()
    assert RUBRIC in page_text  # the rubric is on the grading page, under the answer

    def saved(kind: str):
        return page.expect_response(
            lambda r: f"/formgrader/api/{kind}/" in r.url and r.request.method == "PUT"
        )

    with saved("grade") as response:
        score.fill("1.5")
        score.press("Tab")  # the formgrader saves on change
    assert response.value.ok
    comment = page.locator("textarea#why_halves_answer-comment")
    with saved("comment") as response:
        comment.fill("Right idea; say why the windows do not overlap.")
        comment.press("Tab")
    assert response.value.ok
    _shot(page, "06-manual-grade-entered")

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", "poolcourse") as gb:
        grade = gb.find_grade("why_halves_answer", AID, AID, "correct")
        comment_row = gb.find_comment("why_halves_answer", AID, AID, "correct")
        assert grade.manual_score == 1.5
        assert comment_row.manual_comment == "Right idea; say why the windows do not overlap."
        assert gb.find_submission_notebook(AID, AID, "correct").score == 6.5

    page.goto(f"{base}/formgrader/gradebook/{AID}/{AID}?token={token}")
    row = page.locator("table tbody tr").filter(has_text="6.5 / 7").first
    row.wait_for()
    _shot(page, "07-gradebook-shows-the-score")
    assert "1.5 / 2" in row.inner_text(), row.inner_text()  # the written answer's column
    page.close()


@pytest.mark.parametrize("launcher", ["make lab", "the demo's advice"])
def test_lab_opens_a_working_formgrader_on_a_new_course(tmp_path, launcher):
    """No gradebook yet: the formgrader creates one, with its alembic_version table
    (nbgrader runs ``alembic``: the command puts .venv/bin on PATH; this test's
    PATH does not have it). Started by ``make lab COURSE=...`` and by the very
    command the demo prints."""
    import json
    import sqlite3
    import urllib.request

    from autograder.grading.demo import closing_advice

    course = rubric_course(tmp_path / "course")
    command = None
    if launcher != "make lab":
        advice = closing_advice(course, tmp_path)
        command = next(line.strip() for line in advice.splitlines() if " lab " in line)
    with lab_server(course.root, tmp_path / "runtime", command) as (base, token):
        url = f"{base}/formgrader/api/assignments?token={token}"
        with urllib.request.urlopen(url, timeout=120) as response:
            assert response.status == 200
            assignments = json.loads(response.read())
    assert {a["name"] for a in assignments} >= {AID}
    with sqlite3.connect(course.root / "gradebook.db") as db:
        (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert len(version) == 12  # an alembic revision id
