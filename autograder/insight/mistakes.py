"""The mistake table: per notebook, how many learners hit each named mistake, failing group, or
unexplained failure.

The checks print, per failing case group of a test cell (points mode)::

      FAIL same: case 'same/pool3-strides1' failed
           ...
           hint: padding only on the right: with padding='same' TensorFlow pads ...
    max_pool1d: 5/8 groups pass -> 6.25 of 10 points

and, in strict mode, an ``AssertionError`` whose message starts
``max_pool1d: case 'same/pool3-strides1' (group 'same') failed`` with the same
``hint:`` lines. :func:`parse_check_output` is the one place that reads this
text (change it when the format changes); a hint is named by matching it
against :data:`autograder.checks._hints.HINTS`, the texts the checks print.

The text comes from the learner's kernel, so a learner could print fake lines; it is only
read for test cells where the gradebook shows lost points, so at worst a learner misnames
their own failure.

Rows of the table (one per notebook and key, learners counted once):

``mistake``      a known mistake named by a hint (``max_pool1d: right_only_same``);
``group``        a failing case group of a check (``max_pool1d: same``), named or not;
``unexplained``  a failing group no hint explains, or a test cell that lost points
                 without a check's report (an assert, an error: ``cell: AssertionError``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..checks._hints import HINTS
from ._csv import write_csv
from .classdata import NotebookData

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FAIL = re.compile(r"^\s*FAIL (?P<group>[\w.-]+): case '(?P<case>[^']*)' failed")
_STRICT = re.compile(
    r"(?P<check>\w+): case '(?P<case>[^']*)' \(group '(?P<group>[\w.-]+)'\) failed"
)
_HINT = re.compile(r"^\s*(?:hint:|looks like)\s*(?P<text>.+?)\s*$")
_RAISED = re.compile(r"^\s*your function raised (?P<name>[\w.]+)")
_SUMMARY = re.compile(r"^\s*(?P<check>\w+): \d+/\d+ groups pass")
_ERROR = re.compile(r"^(?P<name>[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)):")


@dataclass
class Failure:
    """One failing case group as a check reported it."""

    check: str | None
    group: str
    case: str
    mistakes: list[str] = field(default_factory=list)  # names in HINTS
    hints: list[str] = field(default_factory=list)  # hint texts no name matched
    raised: str | None = None  # "your function raised <raised>: ..."


def _template(text: str) -> re.Pattern:
    parts = re.split(r"\{\w+\}", text)
    return re.compile(".+?".join(re.escape(p) for p in parts) + r"\Z", re.DOTALL)


_TEMPLATES = {name: _template(text) for name, text in HINTS.items()}


def mistake_name(hint: str) -> str | None:
    """The name (a key of ``HINTS``) of a printed hint; a bare name is accepted too."""
    hint = hint.strip()
    if hint in HINTS:
        return hint
    for name, pattern in _TEMPLATES.items():
        if pattern.match(hint):
            return name
    return None


def parse_check_output(text: str) -> list[Failure]:
    """The failing groups (with the mistakes their hints name) in a test cell's output."""
    failures: list[Failure] = []
    pending: list[Failure] = []  # FAIL lines waiting for their check's summary line
    current: Failure | None = None
    for line in _ANSI.sub("", text).splitlines():
        if m := _FAIL.match(line):
            current = Failure(None, m["group"], m["case"])
            failures.append(current)
            pending.append(current)
        elif m := _STRICT.search(line):
            current = Failure(m["check"], m["group"], m["case"])
            failures.append(current)
        elif (m := _HINT.match(line)) and current is not None:
            name = mistake_name(m["text"])
            if name is None:
                current.hints.append(m["text"])
            elif name not in current.mistakes:
                current.mistakes.append(name)
        elif (m := _RAISED.match(line)) and current is not None and current.raised is None:
            current.raised = m["name"]
        elif m := _SUMMARY.match(line):
            for failure in pending:
                failure.check = m["check"]
            pending, current = [], None
    return failures


def _error_name(text: str) -> str | None:
    """The last ``SomeError: ...`` line of an output (None: no error shown)."""
    found = None
    for line in _ANSI.sub("", text).splitlines():
        if m := _ERROR.match(line.strip()):
            found = m["name"].rsplit(".", 1)[-1]
    return found


@dataclass
class MistakeRow:
    """One line of the mistake table."""

    assignment: str
    notebook: str
    kind: str  # mistake | group | unexplained
    key: str
    description: str
    students: list[str]
    cells: list[str]
    submitted: int
    example: str  # the affected learner with the best notebook: the failure stands out there

    @property
    def learners(self) -> int:
        return len(self.students)


def _short(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def mistake_table(notebooks: Iterable[NotebookData]) -> list[MistakeRow]:
    """Rows per notebook, most learners first (then mistakes before groups, then by name)."""
    return [row for data in notebooks for row in _notebook_rows(data)]


def _notebook_rows(data: NotebookData) -> list[MistakeRow]:
    found: dict[tuple[str, str], tuple[str, set[str], set[str]]] = {}

    def add(kind, key, description, student, cell):
        _, students, cells = found.setdefault((kind, key), (description, set(), set()))
        students.add(student)
        cells.add(cell)

    for learner in data.learners:
        for cell in data.cells:
            score = learner.scores.get(cell.name)
            if not cell.test or score is None or score >= cell.max_score:
                continue  # only test cells where the gradebook shows lost points
            text = learner.outputs.get(cell.name, "")
            failures = parse_check_output(text)
            for f in failures:
                check = f.check or cell.name
                about = f"case group '{f.group}' failed (e.g. case '{f.case}')"
                add("group", f"{check}: {f.group}", about, learner.student, cell.name)
                for name in f.mistakes:
                    about = re.sub(r"\{(\w+)\}", r"<\1>", HINTS[name])  # wrong_dtype's {received}
                    add("mistake", f"{check}: {name}", about, learner.student, cell.name)
                if not f.mistakes:
                    about = (
                        _short(f.hints[0])
                        if f.hints
                        else f"the function raised {f.raised}"
                        if f.raised
                        else "no known mistake reproduces it"
                    )
                    add("unexplained", f"{check}: {f.group}", about, learner.student, cell.name)
            if not failures:
                error = _error_name(text)
                if learner.path is None:
                    key, about = f"{cell.name}: not graded", "no autograded notebook"
                elif error:
                    key, about = f"{cell.name}: {error}", "the test cell raised " + error
                else:
                    key, about = f"{cell.name}: points lost", "partial credit, no error shown"
                add("unexplained", key, about, learner.student, cell.name)

    order = {"mistake": 0, "group": 1, "unexplained": 2}
    totals = {learner.student: learner.total for learner in data.learners}
    rows = []
    for (kind, key), (description, students, cells) in sorted(
        found.items(), key=lambda kv: (-len(kv[1][1]), order[kv[0][0]], kv[0][1])
    ):
        example = min(students, key=lambda s: (-totals[s], s))
        rows.append(
            MistakeRow(data.assignment, data.notebook, kind, key, description, sorted(students),
                       sorted(cells), len(data.learners), example)
        )  # fmt: skip
    return rows


def write_mistakes_csv(rows: Iterable[MistakeRow], path: Path) -> Path:
    """``mistakes.csv``: assignment, notebook, kind, key, learners, submitted, example, ..."""
    header = [
        "assignment",
        "notebook",
        "kind",
        "key",
        "learners",
        "submitted",
        "example",
        "students",
        "cells",
        "description",
    ]
    return write_csv(
        path,
        header,
        (
            [
                r.assignment,
                r.notebook,
                r.kind,
                r.key,
                r.learners,
                r.submitted,
                r.example,
                " ".join(r.students),
                " ".join(r.cells),
                r.description,
            ]
            for r in rows
        ),
    )
