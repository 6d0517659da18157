"""The exercise table shipped with the package, and finding an exercise by any of its names.

``data/exercises.json`` (every edition) and ``data/reveal.json`` (self-study edition only)
are written by ``python -m autograder generate`` from the source notebooks
(:mod:`autograder.course.exercises`); this module only reads them.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

#: The set-up cell of each notebook sets this to the notebook's id.
NOTEBOOK_ENV = "POOLCOURSE_NOTEBOOK"


class SelfStudyError(Exception):
    """Bad input from the learner: shown as a message, never as a traceback."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of one notebook, as the table describes it."""

    notebook: str
    name: str
    kind: str  # "check" | "test" | "written"
    title: str | None
    section: str | None
    statement: str
    test: str
    points: float
    defines: tuple[str, ...]
    checks: tuple[dict, ...]
    visible_messages: tuple[str, ...]
    test_doc: str = ""
    visible_code: str | None = None

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def measured_points(self) -> float:
        """Points the self-check measures: the cell's share of the Score parts it can run."""
        weights = sum(float(c["points"]) for c in self.checks)
        runs = sum(float(c["points"]) for c in self.checks if c.get("runner"))
        return self.points * runs / weights if weights else 0.0


@functools.cache
def _load(name: str) -> dict | None:
    path = DATA / name
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def table() -> dict:
    data = _load("exercises.json")
    if data is None:
        raise SelfStudyError(
            "this installation of the course has no exercise table "
            f"({DATA / 'exercises.json'} is missing): reinstall the course, or run "
            "`python -m autograder generate` in the repository."
        )
    return data


def edition() -> str:
    return table().get("edition", "self-study")


def reveal() -> dict:
    """Notebook -> exercise -> solution / outline / model answer ({} in a graded edition)."""
    return _load("reveal.json") or {}


def notebooks() -> list[str]:
    return list(table()["notebooks"])


def exercises(notebook: str) -> list[Exercise]:
    if notebook not in table()["notebooks"]:
        raise SelfStudyError(
            f"there is no notebook {notebook!r} in this course; the notebooks are "
            f"{', '.join(notebooks())}."
        )
    return [
        Exercise(
            notebook=notebook,
            name=e["name"],
            kind=e["kind"],
            title=e["title"],
            section=e["section"],
            statement=e["statement"],
            test=e["test"],
            points=float(e["points"] or 0),
            defines=tuple(e["defines"]),
            checks=tuple(e["checks"]),
            visible_messages=tuple(e["visible_messages"]),
            test_doc=e.get("test_doc", ""),
            visible_code=e.get("visible_code"),
        )
        for e in table()["notebooks"][notebook]
    ]


def all_exercises() -> list[Exercise]:
    return [ex for nb in notebooks() for ex in exercises(nb)]


def current_notebook() -> str | None:
    """The notebook this kernel runs, if it can be told: set-up cell, session name, folder."""
    known = set(notebooks())
    candidates = [
        os.environ.get(NOTEBOOK_ENV, ""),
        Path(os.environ.get("JPY_SESSION_NAME", "")).stem,
        Path.cwd().name,
    ]
    for candidate in candidates:
        if candidate in known:
            return candidate
    return None


def _names(ex: Exercise) -> list[str]:
    """Every name the learner may use for ``ex``, the most specific first."""
    names = [ex.name, ex.name.removesuffix("_solution"), ex.test]
    names += [c["function"] for c in ex.checks if c.get("function")]
    names += list(ex.defines[:1])
    return list(dict.fromkeys(names))


def find(name: str, notebook: str | None = None) -> Exercise:
    """The exercise called ``name`` (its id, its test's id or the name it defines).

    The notebook this kernel runs (or ``notebook``) is searched first, then the others
    in course order.

    Raises
    ------
    SelfStudyError
        When no exercise has that name (the message lists the names of the notebook's).
    """
    here = notebook or current_notebook()
    if not isinstance(name, str) or not name.strip():
        shown = here or notebooks()[0]
        known = ", ".join(repr(ex.name.removesuffix("_solution")) for ex in exercises(shown))
        raise SelfStudyError(
            f"name the exercise as a string; those of {shown} are {known}. Received: {name!r}"
        )
    order = ([here] if here else []) + [nb for nb in notebooks() if nb != here]
    for depth in range(5):  # names in order of specificity, across notebooks at each level
        for nb in order:
            for ex in exercises(nb):
                names = _names(ex)
                if len(names) > depth and names[depth] == name.strip():
                    return ex
    for nb in order:  # any name at any depth
        for ex in exercises(nb):
            if name.strip() in _names(ex):
                return ex
    shown = here or notebooks()[0]
    known = ", ".join(repr(ex.name.removesuffix("_solution")) for ex in exercises(shown))
    raise SelfStudyError(
        f"there is no exercise called {name!r}. The exercises of {shown} are {known} "
        "(progress() lists every notebook's)."
    )
