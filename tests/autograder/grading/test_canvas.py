"""``canvas.csv``: the gradebook in Canvas' import format, students mapped by the instructor."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder.grading.canvas import read_roster, write_canvas_csv
from autograder.grading.report import ScoreTable

# a Canvas gradebook export (its Points Possible row included) with a column of grader ids
EXPORT = """\
Student,ID,SIS User ID,SIS Login ID,Section,01_max_pooling1d (4711),Notes
    Points Possible,,,,,10,
"Lovelace, Ada",101,S1,ada,Sec A,,
"Turing, Alan",102,S2,alan,Sec A,3,
"Hopper, Grace",103,S3,grace,Sec B,,
"""

TABLE = ScoreTable(
    columns=[
        ("01_max_pooling1d", "01_max_pooling1d", "01_max_pooling1d", 10.0),
        ("02_global", "02_global", "02_global", 6.0),
    ],
    rows=[
        ("ada", [9.5, 6.0], 15.5),
        ("alan", [None, 2.0], 2.0),
        ("zed", [1.0, None], 1.0),  # graded, not in the map
    ],
)


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_canvas_csv_has_one_column_per_assignment_and_canvas_identity(tmp_path):
    (tmp_path / "export.csv").write_text(EXPORT)
    roster = read_roster(tmp_path / "export.csv", "SIS Login ID")
    path, warnings = write_canvas_csv(TABLE, roster, tmp_path / "out" / "canvas.csv")
    assert _read(path) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
         "01_max_pooling1d (4711)", "02_global"],  # existing assignment keeps its Canvas id
        ["    Points Possible", "", "", "", "", "10", "6"],
        ["Lovelace, Ada", "101", "S1", "ada", "Sec A", "9.5", "6"],
        ["Turing, Alan", "102", "S2", "alan", "Sec A", "", "2"],  # empty: Canvas keeps its 3
        ["Hopper, Grace", "103", "S3", "grace", "Sec B", "", ""],
    ]  # fmt: skip
    assert warnings == [
        "1 graded student(s) not in the Canvas id map export.csv (column 'SIS Login ID'), "
        "left out of canvas.csv: zed"
    ]


def test_the_id_column_defaults_to_a_student_column(tmp_path):
    (tmp_path / "map.csv").write_text("student,SIS User ID\nada,S1\nalan,S2\n")
    roster = read_roster(tmp_path / "map.csv")
    assert roster.id_column == "student"
    assert roster.students["alan"] == {
        "Student": "", "ID": "", "SIS User ID": "S2", "SIS Login ID": "", "Section": "",
    }  # fmt: skip
    rows = _read(write_canvas_csv(TABLE, roster, tmp_path / "canvas.csv")[0])
    assert rows[2] == ["", "", "S1", "", "", "9.5", "6"]


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        (EXPORT, "email", r"no column 'email' .* Received: --canvas-id-column=email"),
        ("student,Name\nada,Ada\n", None, r"needs one of the columns ID, SIS User ID"),
        ("student,ID\nada,1\nada,2\n", None, r"'ada' appears twice in column 'student'"),
    ],
)
def test_a_bad_map_is_a_clear_error(tmp_path, text, column, message):
    (tmp_path / "map.csv").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_roster(tmp_path / "map.csv", column)


def test_a_missing_map_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"no such Canvas id map. Received: --canvas-ids="):
        read_roster(tmp_path / "nope.csv")
