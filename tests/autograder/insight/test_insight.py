"""Class insight on small classes whose answer is known (see conftest.build_class)."""

from __future__ import annotations

import contextlib
import csv
import io
import math

import pytest
from insight.conftest import STARTER, build_class
from insight.learners import (
    CORRECT_GATHER,
    CORRECT_LOOPS,
    RIGHT_ONLY_LOOP,
    RIGHT_ONLY_RENAMED,
    RIGHT_ONLY_VECTOR,
    STRIDES_ONE,
)

from autograder.checks import check_max_pool1d
from autograder.checks._hints import HINTS
from autograder.insight import build_report, parse_check_output
from autograder.insight.classdata import GradeCell, Learner, NotebookData
from autograder.insight.items import item_analysis, pearson
from autograder.insight.mistakes import mistake_name
from autograder.insight.similarity import THRESHOLD, similarity

pytestmark = pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")

#: three learners with the same named mistake (one a renamed copy), one with another,
#: two right ones written independently.
CLASS = {
    "ana": RIGHT_ONLY_VECTOR,
    "ben": RIGHT_ONLY_RENAMED,
    "cy": RIGHT_ONLY_LOOP,
    "dee": STRIDES_ONE,
    "eve": CORRECT_GATHER,
    "fay": CORRECT_LOOPS,
}


@pytest.fixture(scope="module")
def report(tmp_path_factory, gradebook_template):
    db_url, out = build_class(tmp_path_factory.mktemp("class"), CLASS, gradebook_template)
    return build_report(db_url, out)


def _rows(report, kind):
    return {r.key: r.students for r in report.mistakes if r.kind == kind}


# ----------------------------------------------------------------------------- mistakes
def test_mistake_table_counts_three_and_one(report):
    assert _rows(report, "mistake") == {
        "max_pool1d: right_only_same": ["ana", "ben", "cy"],
        "max_pool1d: default_strides_1": ["dee"],
    }
    groups = _rows(report, "group")
    assert groups["max_pool1d: same"] == ["ana", "ben", "cy", "dee"]
    assert groups["max_pool1d: default_strides"] == ["dee"]
    assert "max_pool1d: seed" not in groups  # nobody failed it


def test_mistake_table_is_sorted_by_learners_and_names_an_example(report):
    counts = [r.learners for r in report.mistakes]
    assert counts == sorted(counts, reverse=True)
    first = report.mistakes[0]
    assert (first.kind, first.key, first.learners, first.submitted) == (
        "unexplained",
        "trick_question: AssertionError",
        6,
        6,
    )
    right_only = next(r for r in report.mistakes if r.key == "max_pool1d: right_only_same")
    assert right_only.example == "ana"  # ana, ben, cy have the same score: the first name
    same = next(r for r in report.mistakes if r.key == "max_pool1d: same")
    assert same.example == "ana" and same.students[-1] == "dee"
    trick = next(r for r in report.mistakes if r.key == "trick_question: AssertionError")
    assert trick.example == "eve"  # the best notebook (eve and fay: 2 points) shows it clearest
    assert right_only.cells == ["max_pool1d_checks"]
    assert right_only.description.startswith("padding only on the right")


def test_mistakes_csv_matches_the_table(report):
    with (report.dest / "mistakes.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(report.mistakes)
    row = next(r for r in rows if r["key"] == "max_pool1d: right_only_same")
    assert (row["kind"], row["learners"], row["submitted"], row["example"]) == (
        "mistake",
        "3",
        "6",
        "ana",
    )
    assert row["students"] == "ana ben cy"


# ----------------------------------------------------------------------------- parsing
def test_parse_points_mode_output_names_group_case_and_mistake():
    namespace: dict = {}
    exec(STRIDES_ONE, namespace)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        check_max_pool1d(
            namespace["max_pool1d"], groups=["seed", "default_strides"], points=1, keras=False
        )
    failures = parse_check_output(buffer.getvalue())
    assert [(f.check, f.group, f.case, f.mistakes) for f in failures] == [
        ("max_pool1d", "default_strides", "default_strides/pool2", ["default_strides_1"])
    ]


def test_parse_strict_mode_traceback_with_colours():
    namespace: dict = {}
    exec(RIGHT_ONLY_LOOP, namespace)
    with pytest.raises(AssertionError) as info:
        check_max_pool1d(namespace["max_pool1d"], groups=["same"], keras=False)
    # as nbgrader keeps an error output: coloured traceback lines, message last
    text = "\n".join(
        [
            "\x1b[0;31mAssertionError\x1b[0m    Traceback (most recent call last)",
            f"\x1b[0;31mAssertionError\x1b[0m: {info.value}",
        ]
    )
    failures = parse_check_output(text)
    assert [(f.check, f.group, f.mistakes) for f in failures] == [
        ("max_pool1d", "same", ["right_only_same"])
    ]


def test_hints_are_named_by_their_text_even_when_formatted():
    assert mistake_name(HINTS["flipped_kernel"]) == "flipped_kernel"
    wrong_dtype = HINTS["wrong_dtype"].format(received="float64", expected="float32")
    assert mistake_name(wrong_dtype) == "wrong_dtype"
    assert mistake_name("right_only_same") == "right_only_same"  # a bare name
    assert mistake_name("something nobody wrote") is None


def test_an_unknown_hint_is_kept_and_the_failure_stays_unexplained():
    text = (
        "  FAIL same: case 'same/x' failed\n"
        "       hint: a hint from a newer check\n"
        "max_pool1d: 0/1 groups pass -> 0 of 1 points\n"
    )
    (failure,) = parse_check_output(text)
    assert failure.mistakes == [] and failure.hints == ["a hint from a newer check"]
    raised = (
        "  FAIL basic: case 'basic/sentence' failed\n"
        "       your function raised RecursionError: maximum recursion depth exceeded\n"
        "global_average_pool1d: 0/1 groups pass -> 0 of 1 points\n"
    )
    (failure,) = parse_check_output(raised)
    assert (failure.check, failure.raised, failure.mistakes) == (
        "global_average_pool1d", "RecursionError", [],
    )  # fmt: skip


# ----------------------------------------------------------------------------- items
def test_a_cell_everyone_fails_is_flagged(report):
    items = {r.cell: r for r in report.items}
    trick = items["trick_question"]
    assert (trick.flag, trick.mean, trick.zero, trick.full, trick.learners) == (
        "nobody passes",
        0.0,
        1.0,
        0.0,
        6,
    )
    checks = items["max_pool1d_checks"]
    assert checks.flag == ""
    assert checks.mean == pytest.approx((1.5 * 3 + 1.0 + 2.0 * 2) / 6)
    assert (checks.full, checks.partial, checks.zero) == pytest.approx((2 / 6, 4 / 6, 0.0))
    assert items["explain_padding"].flag == "not graded yet"  # a written answer, ungraded


def test_discrimination_is_the_correlation_with_the_rest_of_the_notebook():
    cells = [GradeCell("a", 1.0, True), GradeCell("b", 1.0, True), GradeCell("c", 1.0, True)]
    scores = {"s1": (0, 0, 0), "s2": (1, 0, 0), "s3": (1, 1, 0), "s4": (1, 1, 1)}
    learners = [Learner(s, dict(zip("abc", map(float, v), strict=True))) for s, v in scores.items()]
    rows = {r.cell: r for r in item_analysis([NotebookData("x", "x", cells, {}, learners)])}
    # cell a: scores 0 1 1 1, rest (b + c) 0 0 1 2: r = 0.75 / sqrt(0.75 * 2.75)
    assert rows["a"].discrimination == pytest.approx(math.sqrt(3 / 11))
    assert pearson([0, 1, 1, 1], [0, 0, 1, 2]) == pytest.approx(math.sqrt(3 / 11))
    assert pearson([1, 1, 1], [0, 1, 2]) is None  # a constant side has no correlation
    everybody = NotebookData("x", "x", cells[:1], {}, [Learner("s", {"a": 1.0})])
    assert item_analysis([everybody])[0].flag == "everybody passes"
    # a written answer graded for one learner (0 points), pending for two: no verdict yet
    pending = [Learner("s1", {"a": 0.0}), Learner("s2", {"a": None}), Learner("s3", {"a": None})]
    (row,) = item_analysis([NotebookData("x", "x", cells[:1], {}, pending)])
    assert (row.flag, row.learners, row.zero) == ("2 awaiting manual grading", 1, 1.0)


# ----------------------------------------------------------------------------- look-alikes
def test_the_renamed_copy_is_the_only_flagged_pair(report):
    assert [(p.cell, p.first, p.second) for p in report.pairs] == [
        ("max_pool1d_impl", "ana", "ben")
    ]
    (pair,) = report.pairs
    assert pair.score == pytest.approx(1.0)
    assert pair.code == (RIGHT_ONLY_VECTOR, RIGHT_ONLY_RENAMED)
    first_shared = "".join(RIGHT_ONLY_VECTOR[a:b] for a, b in pair.shared[0])
    assert "count = -(-n // step)" in first_shared  # the body is shared, renamed or not
    assert "padding_block" in "".join(RIGHT_ONLY_RENAMED[a:b] for a, b in pair.shared[1])


def test_independent_right_implementations_are_not_alike():
    a, b = similarity(CORRECT_GATHER, CORRECT_LOOPS, STARTER)
    assert max(a, b) < THRESHOLD / 2
    assert min(similarity(RIGHT_ONLY_VECTOR, RIGHT_ONLY_RENAMED, STARTER)) == pytest.approx(1.0)


def test_the_starter_code_is_left_out(make_class):
    """Learners who kept the whole scaffold and wrote one different line do not match."""
    scaffold = STARTER.replace(
        "    # YOUR CODE HERE\n    raise NotImplementedError()\n",
        "    strides = pool_size if strides is None else strides\n"
        '    if data_format == "channels_first":\n'
        "        x = np.swapaxes(x, 1, 2)\n"
        "    n_out = (x.shape[1] - pool_size) // strides + 1\n"
        "    # YOUR CODE HERE\n",
    )
    one = (
        scaffold
        + "    windows = [x[:, i*strides:i*strides+pool_size].max(1) for i in range(n_out)]\n"
        + "    return np.stack(windows, 1)\n"
    )
    two = (
        scaffold
        + "    idx = np.arange(n_out)[:, None] * strides + np.arange(pool_size)\n"
        + "    return x[:, idx].max(axis=2)\n"
    )
    assert min(similarity(one, two)) >= THRESHOLD  # the scaffold alone makes them look alike
    assert max(similarity(one, two, scaffold)) < THRESHOLD
    assert similarity(scaffold, scaffold, scaffold) == (0.0, 0.0)


def test_blank_learners_are_not_paired(make_class):
    db_url, out = make_class({"gus": STARTER, "hal": STARTER, "eve": CORRECT_GATHER})
    report = build_report(db_url, out)
    assert report.pairs == []
    assert _rows(report, "mistake") == {"max_pool1d: not_implemented": ["gus", "hal"]}


# ----------------------------------------------------------------------------- the page
def test_report_files_and_a_self_contained_escaped_page(make_class):
    hostile = CORRECT_LOOPS.replace(
        '"""Max pooling', '"""</pre><script>alert(1)</script> <img src=https://x.test/a.png> Max'
    )
    db_url, out = make_class({"ana": RIGHT_ONLY_VECTOR, "ben": RIGHT_ONLY_RENAMED, "zed": hostile})
    report = build_report(db_url, out)
    names = sorted(p.name for p in report.files)
    assert names == ["items.csv", "items_ex.png", "look_alikes.csv", "mistakes.csv", "report.html"]
    assert (report.dest / "items_ex.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = report.html.read_text(encoding="utf-8")
    assert "<script" not in page and "https://" not in page and "http://" not in page
    assert page.count("data:image/png;base64,") == 1
    assert "max_pool1d: right_only_same" in page and "nobody passes" in page
    assert "ana</b><pre>" in page and "stride = strides or pool_size" in page  # side by side
    assert "<mark>" in page
    with (report.dest / "look_alikes.csv").open(encoding="utf-8") as fh:
        (row,) = csv.DictReader(fh)
    assert (row["first"], row["second"], row["score"]) == ("ana", "ben", "1.00")
    assert "look-alike pairs: 1" in report.text()


def test_only_the_gradebook_and_notebooks_are_read(make_class, tmp_path):
    """A report on a class graded earlier: a fresh folder, the same numbers; a bad threshold."""
    db_url, out = make_class(CLASS)
    first = build_report(db_url, out, dest=tmp_path / "a")
    again = build_report(db_url, out, dest=tmp_path / "b")
    assert (tmp_path / "a" / "mistakes.csv").read_bytes() == (
        tmp_path / "b" / "mistakes.csv"
    ).read_bytes()
    assert [r.key for r in first.mistakes] == [r.key for r in again.mistakes]
    with pytest.raises(ValueError, match="Received: threshold=0"):
        build_report(db_url, out, threshold=0)


def test_the_similarity_example_runs():
    import doctest

    from autograder.insight import similarity as module

    result = doctest.testmod(module)
    assert (result.attempted, result.failed) == (3, 0)


def test_a_missing_or_broken_graded_notebook_is_reported_not_fatal(make_class):
    db_url, out = make_class({"ana": RIGHT_ONLY_VECTOR, "dee": STRIDES_ONE, "eve": CORRECT_GATHER})
    (out / "autograded" / "ana" / "ex" / "ex.ipynb").unlink()
    (out / "autograded" / "dee" / "ex" / "ex.ipynb").write_bytes(b"\x00not json")
    report = build_report(db_url, out)
    unexplained = _rows(report, "unexplained")
    assert unexplained["max_pool1d_checks: not graded"] == ["ana"]  # no notebook to read
    assert unexplained["max_pool1d_checks: points lost"] == ["dee"]  # unreadable: no output
    assert _rows(report, "mistake") == {}
    assert report.pairs == []


def test_shared_code_is_marked_and_escaped():
    from autograder.insight.html import _marked

    assert _marked("a<b>c&d", [(1, 4)]) == "a<mark>&lt;b&gt;</mark>c&amp;d"
    # overlapping and out-of-range spans are clipped, never duplicated
    assert _marked("abcdef", [(3, 9), (0, 2), (1, 4)]) == (
        "<mark>ab</mark><mark>cd</mark><mark>ef</mark>"
    )
