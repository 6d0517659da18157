"""What an instructor reads after grading: the score table, grades.csv, a plot, progress.

Everything here reads the nbgrader gradebook (the source of truth, which may
also hold manual grades), never the worker records.
"""

from __future__ import annotations

import csv
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..course.assignments import COURSE_ID


@dataclass(frozen=True)
class ScoreTable:
    """Scores per student and notebook, as nbgrader's gradebook computes them.

    ``columns`` are ``(assignment, notebook, label, max_score)``; each row is
    ``(student, scores, total)`` with ``None`` where nothing was submitted
    (counted as 0 in the total, as nbgrader does).
    """

    columns: list[tuple[str, str, str, float]]
    rows: list[tuple[str, list[float | None], float]]

    @property
    def max_total(self) -> float:
        return sum(c[3] for c in self.columns)


def gradebook_scores(db_url: str, assignments: Sequence[str]) -> ScoreTable:
    """Read the :class:`ScoreTable` of ``assignments`` from the gradebook at ``db_url``.

    Students without any submission of these assignments are left out.
    Scores include manual grades and late penalties (nbgrader's ``score``).
    """
    from nbgrader.api import Gradebook, MissingEntry

    columns: list[tuple[str, str, str, float]] = []
    rows = []
    with Gradebook(db_url, COURSE_ID) as gb:
        for aid in assignments:
            try:
                assignment = gb.find_assignment(aid)
            except MissingEntry:
                continue
            for nb in sorted(assignment.notebooks, key=lambda n: n.name):
                label = aid if nb.name == aid else f"{aid}/{nb.name}"
                columns.append((aid, nb.name, label, float(nb.max_score)))
        for student in sorted(gb.students, key=lambda s: s.id):
            scores: list[float | None] = []
            for aid, nb_id, _, _ in columns:
                try:
                    snb = gb.find_submission_notebook(nb_id, aid, student.id)
                except MissingEntry:
                    scores.append(None)
                else:
                    scores.append(float(snb.score))
            if any(s is not None for s in scores):
                rows.append((student.id, scores, sum(s or 0.0 for s in scores)))
    return ScoreTable(columns, rows)


def autograde_results(db_url: str) -> dict[tuple[str, str, str, str], tuple]:
    """Every autograde result in a gradebook, for comparing two gradebooks.

    Returns
    -------
    dict
        ``(student, assignment, notebook, cell) -> (auto_score, needs_manual_grade,
        auto_comment)`` for every grade cell and every commented solution cell.
    """
    from nbgrader.api import Gradebook

    rows: dict[tuple[str, str, str, str], tuple] = {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    comments = {c.name: c.auto_comment for c in nb.comments}
                    for grade in nb.grades:
                        key = (sub.student.id, assignment.name, nb.name, grade.name)
                        rows[key] = (
                            grade.auto_score,
                            grade.needs_manual_grade,
                            comments.get(grade.name),
                        )
                    for name, text in comments.items():
                        key = (sub.student.id, assignment.name, nb.name, name)
                        rows.setdefault(key, (None, None, text))
    return rows


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}" if x == round(x, 4) else f"{x:.4f}"


def write_grades_csv(table: ScoreTable, path: Path) -> Path:
    """``grades.csv``: one row per student, one column per notebook, then ``total``.

    The header names the notebooks; an empty cell means "not submitted".
    Written atomically.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", *[c[2] for c in table.columns], "total"])
        for student, scores, total in table.rows:
            writer.writerow([student, *[_fmt(s) for s in scores], _fmt(total)])
    os.replace(tmp, path)
    return path


def format_table(table: ScoreTable) -> str:
    """The gradebook as a text table (students x notebooks, total, max in the header)."""
    if not table.rows:
        return "gradebook: no graded submissions"
    head = [
        "student",
        *[f"{c[2]} /{_fmt(c[3])}" for c in table.columns],
        f"total /{_fmt(table.max_total)}",
    ]
    body = [
        [s, *[("-" if v is None else _fmt(v)) for v in scores], _fmt(t)]
        for s, scores, t in table.rows
    ]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *[c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]])

    rule = "-" * len(line(head))
    return "\n".join([line(head), rule, *[line(r) for r in body]])


def plot_scores(table: ScoreTable, path: Path) -> Path:
    """``scores.png``: histogram of total scores and a strip plot per notebook."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    totals = [t for _, _, t in table.rows]
    top = table.max_total or 1.0
    bins = max(5, min(20, math.ceil(top)))
    left.hist(totals, bins=bins, range=(0, top), color="#4C72B0", edgecolor="white")
    left.set_xlabel(f"total score (max {_fmt(table.max_total)})")
    left.set_ylabel("students")
    left.set_title(f"Score distribution ({len(totals)} students)")
    left.yaxis.get_major_locator().set_params(integer=True)
    per_notebook = [
        [s[i] / c[3] * 100 for _, s, _ in table.rows if s[i] is not None and c[3]]
        for i, c in enumerate(table.columns)
    ]
    positions = [i for i, v in enumerate(per_notebook) if v]
    if positions:
        right.boxplot([per_notebook[i] for i in positions], positions=positions, widths=0.5)
    for i, vals in enumerate(per_notebook):
        xs = [i + 0.1 * ((k % 5) - 2) for k in range(len(vals))]
        right.scatter(xs, vals, s=18, alpha=0.7, zorder=3)
    right.set_xlim(-0.6, len(table.columns) - 0.4)
    right.set_xticks(range(len(table.columns)))
    right.set_xticklabels([c[2] for c in table.columns], rotation=30, ha="right", fontsize=8)
    right.set_ylim(-5, 105)
    right.set_ylabel("% of the notebook's points")
    right.set_title("Per notebook")
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)
    return path


#: Report columns, in the order an instructor should look at them.
_PRIORITY = ("cheating", "rejected", "crash", "timeout", "tampered", "output", "other")


def anomalies_table(anomalies: Iterable, *, width: int = 72) -> str:
    """Anomalies per student and assignment: a count per category and what to look at first.

    Categories (columns) come from :data:`autograder.grading.safeguards.CATEGORIES`:
    timeout, crash, output, tampered, cheating, rejected, other. The last column
    is the most serious anomaly's detail (cheating first, then rejected files,
    crashes, timeouts, tampering, output floods). ``anomalies.csv`` has them all.

    Examples
    --------
    >>> from autograder.grading import Anomaly
    >>> text = anomalies_table([Anomaly("ann", "01", "kernel-died", "died in cell 3")])
    >>> text.splitlines()[0]
    'anomalies (1) in 1 submission(s):'
    >>> text.splitlines()[-1].split()
    ['ann', '01', '-', '1', '-', '-', '-', '-', '-', 'kernel-died:', 'died', 'in', 'cell', '3']
    """
    from .safeguards import CATEGORIES, category

    columns = [*CATEGORIES, "other"]
    rows: dict[tuple[str, str], list] = {}
    total = 0
    for a in anomalies:
        total += 1
        counts, worst = rows.setdefault(
            (a.student, a.assignment), [dict.fromkeys(columns, 0), None]
        )
        name = category(a.kind)
        counts[name] += 1
        first_line = a.detail.splitlines()[0] if a.detail else ""
        rank = (_PRIORITY.index(name), total)
        if worst is None or rank < worst[0]:
            rows[(a.student, a.assignment)][1] = (rank, f"{a.kind}: {first_line}")
    if not rows:
        return "anomalies: none"
    head = ["student", "assignment", *columns, "first to look at"]
    body = [
        [student, aid, *[str(counts[c] or "-") for c in columns], worst[1][:width]]
        for (student, aid), (counts, worst) in sorted(rows.items())
    ]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head) - 1)]

    def line(cells):
        left = [cells[0].ljust(widths[0]), cells[1].ljust(widths[1])]
        counts = [c.rjust(w) for c, w in zip(cells[2:-1], widths[2:], strict=True)]
        return "  ".join([*left, *counts, cells[-1]])

    return "\n".join(
        [
            f"anomalies ({total}) in {len(rows)} submission(s):",
            line(head),
            "-" * len(line(head)),
            *[line(r) for r in body],
        ]
    )


def write_anomalies_csv(anomalies: Iterable, path: Path) -> Path:
    """``anomalies.csv``: student, assignment, category, kind, detail (written atomically)."""
    from .safeguards import category

    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "assignment", "category", "kind", "detail"])
        for a in anomalies:
            writer.writerow([a.student, a.assignment, category(a.kind), a.kind, a.detail])
    os.replace(tmp, path)
    return path


class Progress:
    """A one-line progress bar on stderr: done/total, running, failed, elapsed, ETA.

    On a terminal the line is redrawn in place; otherwise one line is printed
    per finished submission (readable in CI logs).
    """

    def __init__(self, total: int, *, enabled: bool = True, stream=None, width: int = 24):
        self.total, self.width = total, width
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = self.enabled and getattr(self.stream, "isatty", lambda: False)()
        self.done = self.failed = self.running = 0
        self.start = time.monotonic()
        self._last = 0.0

    def eta(self) -> float | None:
        if not self.done:
            return None
        elapsed = time.monotonic() - self.start
        return elapsed / self.done * (self.total - self.done)

    def line(self) -> str:
        filled = int(self.width * self.done / self.total) if self.total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        eta = self.eta()
        eta_text = "--" if eta is None else _duration(eta)
        return (
            f"grading [{bar}] {self.done}/{self.total}  running {self.running}  "
            f"failed {self.failed}  elapsed {_duration(time.monotonic() - self.start)}  "
            f"ETA {eta_text}"
        )

    def update(self, *, done: int = 0, failed: bool = False, running: int | None = None) -> None:
        self.done += done
        self.failed += int(failed)
        if running is not None:
            self.running = running
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty and (done or now - self._last > 0.5):
            self.stream.write("\r" + self.line())
            self.stream.flush()
            self._last = now
        elif not self.tty and done:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
