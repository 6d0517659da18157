"""A graded class as the report sees it: the gradebook's cells and scores, and the graded notebooks.

Everything comes from two places only, so a class graded long ago can be
reported on again:

* the nbgrader gradebook (any SQLAlchemy URL: SQLite, PostgreSQL): the grade
  cells with their points, each learner's score per cell (a manual grade wins
  over the automatic one, as in nbgrader), and the source of every solution
  cell *as released* (the starter code, which nbgrader stores at
  ``generate_assignment``);
* the autograded notebooks ``<out>/autograded/<student>/<assignment>/<notebook>.ipynb``
  that ``grade`` keeps: what each learner wrote, and what each test cell printed.

No learner code runs here: notebooks are read as JSON.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..course.assignments import COURSE_ID, ensure_bin_on_path


@dataclass(frozen=True)
class GradeCell:
    """One graded cell of a notebook: ``test`` for an autograded code cell."""

    name: str
    max_score: float
    test: bool


@dataclass
class Learner:
    """One learner's graded notebook.

    ``scores`` maps grade cell -> points (None: not graded yet, e.g. a written
    answer awaiting the instructor); ``code`` maps solution cell -> what the
    learner left there; ``outputs`` maps test cell -> the text it printed
    (stdout, stderr, tracebacks). ``path`` is the autograded notebook (None when
    it is missing: then ``code`` and ``outputs`` are empty).
    """

    student: str
    scores: dict[str, float | None]
    code: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @property
    def total(self) -> float:
        return sum(s or 0.0 for s in self.scores.values())


@dataclass
class NotebookData:
    """One notebook of one assignment, with every learner who submitted it."""

    assignment: str
    notebook: str
    cells: list[GradeCell]
    starter: dict[str, str]  # solution code cell -> its source as released
    learners: list[Learner]

    @property
    def label(self) -> str:
        same = self.notebook == self.assignment
        return self.assignment if same else f"{self.assignment}/{self.notebook}"

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    def implementation_cells(self) -> list[str]:
        """Solution code cells whose starter defines a function (the exercises to write)."""
        return [name for name, source in self.starter.items() if _defines_function(source)]


def _score(grade) -> float | None:
    """The grade's points (manual first, as nbgrader); None when nobody has graded it yet."""
    if grade.manual_score is None and grade.auto_score is None:
        return None  # nbgrader's ``score`` would say 0.0 for a written answer not graded yet
    return float(grade.score)


def _defines_function(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.FunctionDef) for n in tree.body)


def output_text(cell) -> str:
    """Everything a code cell shows: streams, plain-text results, error tracebacks."""
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(output.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
        elif kind == "error":
            parts.append("\n".join(output.get("traceback", [])))
            parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _read_notebook(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(solution code per cell, test output per cell) of an autograded notebook."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # a notebook nbgrader kept but we cannot read: report without it
        return {}, {}
    code, outputs = {}, {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        name = meta.get("grade_id")
        if not name or cell.get("cell_type") != "code":
            continue
        if meta.get("solution"):
            code[name] = cell.get("source", "")
        if meta.get("grade"):
            outputs[name] = output_text(cell)
    return code, outputs


def read_class(
    db_url: str, out: Path | str, assignments=None, *, autograded: Path | str | None = None
) -> list[NotebookData]:
    """Every notebook of ``assignments`` (default: all in the gradebook) with its learners.

    Parameters
    ----------
    db_url : str
        The gradebook, as an SQLAlchemy URL.
    out : path
        The ``--out`` folder of ``grade`` (holds ``autograded/``).
    assignments : iterable of str, optional
        Assignment ids to read; unknown ids are skipped.
    autograded : path, optional
        The autograded notebooks' folder (default ``<out>/autograded``).
    """
    from nbgrader.api import Gradebook

    ensure_bin_on_path()  # nbgrader runs `alembic` when it opens a gradebook
    autograded = Path(autograded) if autograded else Path(out) / "autograded"
    wanted = None if assignments is None else set(assignments)
    found: list[NotebookData] = []
    with Gradebook(db_url, COURSE_ID) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            if wanted is not None and assignment.name not in wanted:
                continue
            for nb in sorted(assignment.notebooks, key=lambda n: n.name):
                cells = [
                    GradeCell(c.name, float(c.max_score), c.cell_type == "code")
                    for c in nb.grade_cells
                ]
                solution = {c.name for c in nb.solution_cells}
                starter = {
                    c.name: c.source
                    for c in nb.source_cells
                    if c.name in solution and c.cell_type == "code"
                }
                order = {c.name: i for i, c in enumerate(nb.source_cells)}
                cells.sort(key=lambda c: (order.get(c.name, len(order)), c.name))
                learners = []
                for snb in sorted(nb.submissions, key=lambda s: s.student.id):
                    student = snb.student.id
                    scores = {g.name: _score(g) for g in snb.grades}
                    path = autograded / student / assignment.name / f"{nb.name}.ipynb"
                    learner = Learner(student, scores, path=path if path.is_file() else None)
                    if learner.path is not None:
                        learner.code, learner.outputs = _read_notebook(path)
                    learners.append(learner)
                found.append(
                    NotebookData(
                        assignment.name,
                        nb.name,
                        cells,
                        dict(sorted(starter.items(), key=lambda kv: order[kv[0]])),
                        learners,
                    )
                )
    return found
