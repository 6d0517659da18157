"""``python -m autograder report`` on a class graded earlier, and the link in grade's summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from insight.learners import CORRECT_GATHER, RIGHT_ONLY_RENAMED, RIGHT_ONLY_VECTOR

from autograder.cli import build_parser, main
from autograder.grading.pipeline import GradeSummary

pytestmark = pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")


def test_report_command_writes_the_report_and_prints_a_digest(make_class, tmp_path, capsys):
    db_url, out = make_class(
        {"ana": RIGHT_ONLY_VECTOR, "ben": RIGHT_ONLY_RENAMED, "eve": CORRECT_GATHER}
    )
    dest = tmp_path / "elsewhere"
    code = main(["report", "--db", db_url, "--out", str(out), "--dest", str(dest), "ex"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "mistake  2/3  ex  max_pool1d: right_only_same" in text
    assert "cell     nobody passes  ex  trick_question" in text
    assert "look-alike pairs: 1" in text
    assert f"report: {dest / 'report.html'}" in text
    assert (dest / "report.html").is_file() and (dest / "mistakes.csv").is_file()


def test_report_on_a_missing_gradebook_is_a_clear_error(tmp_path, capsys):
    missing = f"sqlite:///{tmp_path / 'nope.db'}"
    assert main(["report", "--db", missing, "--out", str(tmp_path)]) == 2
    assert f"no gradebook there (grade a class first). Received: --db={missing}" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "nope.db").exists()  # not created by looking


@pytest.mark.parametrize("value", ["0", "1.5", "-0.2"])
def test_threshold_must_be_a_share(value, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--threshold", value])
    assert f"Received: --threshold={value}" in capsys.readouterr().err


def test_grade_summary_links_the_insight_page(tmp_path):
    page = tmp_path / "out" / "insight" / "report.html"
    summary = GradeSummary(out=tmp_path / "out", db_url="sqlite:///g.db")
    assert "insight:" not in summary.text()
    summary.insight, summary.insight_digest = page, "class insight (1 notebook(s), 3 learner(s)):"
    text = summary.text()
    assert f"insight:   {page}" in text
    assert "class insight (1 notebook(s), 3 learner(s)):" in text
    assert text.index("class insight") < text.index(f"insight:   {Path(page)}")
