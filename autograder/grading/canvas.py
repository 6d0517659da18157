"""A gradebook CSV Canvas imports (Grades > Import), from the nbgrader gradebook.

Canvas matches an imported row to a student by its ``ID``, ``SIS User ID`` or
``SIS Login ID`` column, and an assignment column to an existing assignment by
a header ``Name (canvas id)`` (a header without an id creates an assignment);
an optional second row ``Points Possible`` gives each column's maximum, and an
empty cell changes nothing.

The instructor maps students with a CSV holding Canvas' identity columns
(``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``: Canvas'
own gradebook export is such a file) and one column whose values are the
students' ids in this grader (``--canvas-id-column``; by default a column
``poolcourse`` or ``student`` if there is one, else ``SIS Login ID``).
``canvas.csv`` then has one row per mapped student and one column per
assignment, its total score (manual grades and late penalties included, as
nbgrader counts them), under the export's header for that assignment when it
has one.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .report import ScoreTable, _fmt

#: Canvas' identity columns, in the order of its gradebook export.
IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: The columns Canvas can match a student by.
MATCHING = ("ID", "SIS User ID", "SIS Login ID")
POINTS_POSSIBLE = "    Points Possible"


@dataclass(frozen=True)
class Roster:
    """The instructor's map: Canvas identity per grader student id, assignment headers."""

    path: Path
    id_column: str
    students: dict[str, dict[str, str]]  # grader id -> {identity column: value}
    headers: list[str]  # every column of the map (to find existing assignment columns)

    def header_for(self, assignment: str) -> str:
        """``assignment (123)`` when the map (a Canvas export) has that column, else the id."""
        pattern = re.compile(rf"^{re.escape(assignment)} \(\d+\)$")
        return next((h for h in self.headers if pattern.match(h)), assignment)


def read_roster(path: Path | str, id_column: str | None = None) -> Roster:
    """Read the instructor's map (see the module docstring); bad input is a ValueError."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such Canvas id map. Received: --canvas-ids={path}")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        headers = [h.strip() for h in reader.fieldnames or []]
        rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    if id_column is None:
        id_column = next((c for c in ("poolcourse", "student") if c in headers), "SIS Login ID")
    if id_column not in headers:
        raise ValueError(
            f"the Canvas id map has no column {id_column!r} (its columns: {', '.join(headers)}). "
            f"Received: --canvas-id-column={id_column}"
        )
    if not any(c in headers for c in MATCHING):
        raise ValueError(
            f"the Canvas id map needs one of the columns {', '.join(MATCHING)} for Canvas to "
            f"match students by (its columns: {', '.join(headers)}). Received: --canvas-ids={path}"
        )
    students: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.get("Student", "").strip() == POINTS_POSSIBLE.strip() or not row.get(id_column):
            continue  # the export's Points Possible row, rows without a grader id
        grader_id = row[id_column]
        if grader_id in students:
            raise ValueError(
                f"student id {grader_id!r} appears twice in column {id_column!r}. "
                f"Received: --canvas-ids={path}"
            )
        students[grader_id] = {c: row.get(c, "") for c in IDENTITY}
    return Roster(path, id_column, students, headers)


def write_canvas_csv(table: ScoreTable, roster: Roster, path: Path) -> tuple[Path, list[str]]:
    """Write ``canvas.csv`` (atomically); returns it and warnings about unmatched students."""
    assignments = list(dict.fromkeys(c[0] for c in table.columns))
    maxima = {a: sum(c[3] for c in table.columns if c[0] == a) for a in assignments}
    scores = {}
    for student, row, _ in table.rows:
        per: dict[str, float | None] = {}
        for (aid, *_), score in zip(table.columns, row, strict=True):
            if score is not None:
                per[aid] = (per.get(aid) or 0.0) + score
        scores[student] = per
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*IDENTITY, *[roster.header_for(a) for a in assignments]])
        writer.writerow([POINTS_POSSIBLE, "", "", "", "", *[_fmt(maxima[a]) for a in assignments]])
        for student, identity in roster.students.items():
            per = scores.get(student, {})
            writer.writerow(
                [*(identity[c] for c in IDENTITY), *[_fmt(per.get(a)) for a in assignments]]
            )
    os.replace(tmp, path)
    unmapped = sorted(set(scores) - set(roster.students))
    warnings = []
    if unmapped:
        warnings.append(
            f"{len(unmapped)} graded student(s) not in the Canvas id map {roster.path.name} "
            f"(column {roster.id_column!r}), left out of canvas.csv: {', '.join(unmapped)}"
        )
    return path, warnings
