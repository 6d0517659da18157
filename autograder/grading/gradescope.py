"""Hand a course to Gradescope: an autograder bundle that grades with this grader.

``python -m autograder gradescope OUT.zip`` writes Gradescope's autograder
zip (its documented layout, unzipped by Gradescope into
``/autograder/source``):

* ``setup.sh``          run once when Gradescope builds the image: a virtual
                        environment in ``/autograder/venv`` with the grader
                        installed from ``grader/``;
* ``run_autograder``    run per submission: ``python -m
                        autograder.grading.gradescope``, which grades
                        ``/autograder/submission`` with
                        :func:`autograder.grading.pipeline.grade` (the same
                        sandbox, limits, repair and trusted re-check as
                        ``grade``) and writes ``/autograder/results/results.json``;
* ``grader/``           the grader's source (the installable package);
* ``course/solutions/`` the course's source notebooks (what is graded against;
                        out of the learner kernel's reach like every solution).

``results.json`` follows Gradescope's format: ``score``, ``max_score``, an
``output`` for the whole submission, and one test per autograded cell with
``name``, ``score``, ``max_score``, ``status``, ``output`` and ``visibility``:
a cell with hidden tests is ``after_published`` (its score and output show
once the instructor publishes grades), the others ``visible``. Cells graded
by hand are left to the instructor (named in the output).

Everything under ``/autograder`` can be moved with the ``AUTOGRADER_ROOT``
environment variable (a test runs a bundle in a temporary folder).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

from ..course.assignments import REPO_ROOT, Course

#: What of the grader's source goes into a bundle (relative to the repository).
GRADER_FILES = ("pyproject.toml", "README.md", "autograder", "pooling_ref", "notebooks")

#: Characters of one cell's output kept in results.json.
MAX_OUTPUT = 4000

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (use a base image with Python 3.11-3.13, e.g. Ubuntu 24.04).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install "$ROOT/source/grader"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; results go to $ROOT/results/results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${POOLCOURSE_PYTHON:-$ROOT/venv/bin/python}"
export AUTOGRADER_ROOT="$ROOT" MPLBACKEND=Agg
exec "$PYTHON" -m autograder.grading.gradescope ASSIGNMENT_ARGS
"""


# --------------------------------------------------------------------------- the bundle


def build_bundle(
    out_zip: Path | str, *, course: Course | None = None, assignment: str | None = None
) -> Path:
    """Write a Gradescope autograder bundle for ``course`` (or one ``assignment``) to ``out_zip``.

    Parameters
    ----------
    out_zip : path
        The zip to write (Gradescope's "Autograder (.zip)" upload).
    course : Course, optional
        Whose ``solutions/`` are graded against (default: the repository's).
    assignment : str, optional
        Grade every submission as this assignment, whatever its notebook's
        file name (one Gradescope assignment per notebook). Default: the
        assignment is told by the submitted notebook's name.

    Returns
    -------
    Path
    """
    course = course or Course()
    ids = course.select([assignment] if assignment else None)
    if not ids:
        raise ValueError(f"no assignment in {course.solutions_dir}. Received: --course")
    out_zip = Path(out_zip).resolve()
    if out_zip.suffix != ".zip":
        raise ValueError(f"the bundle must be a .zip file. Received: OUT={out_zip.name}")
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    args = f"--assignment {assignment}" if assignment else ""
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP_SH, executable=True)
        _add_text(
            zf, "run_autograder", RUN_AUTOGRADER.replace("ASSIGNMENT_ARGS", args), executable=True
        )
        for name in GRADER_FILES:
            _add_tree(zf, REPO_ROOT / name, Path("grader") / name)
        for aid in ids:
            _add_tree(zf, course.solutions_dir / aid, Path("course/solutions") / aid)
    return out_zip


def _add_text(zf: zipfile.ZipFile, name: str, text: str, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def _add_tree(zf: zipfile.ZipFile, src: Path, dest: Path) -> None:
    paths = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file())
    for path in paths:
        parts = set(path.parts)
        if parts & {"__pycache__", ".ipynb_checkpoints"} or path.suffix == ".pyc":
            continue
        name = dest if path == src else dest / path.relative_to(src)
        zf.write(path, str(name))


# --------------------------------------------------------------------------- run_autograder


def _root() -> Path:
    return Path(os.environ.get("AUTOGRADER_ROOT") or "/autograder")


def _write_results(root: Path, results: dict) -> Path:
    path = root / "results" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return path


def _no_notebook(found: list[str], expected: list[str]) -> dict:
    names = ", ".join(f"{n}.ipynb" for n in expected)
    seen = f" Received: {', '.join(found)}." if found else " Received: no file."
    return {
        "score": 0.0,
        "output": f"No gradable notebook in your submission: upload {names} (a Jupyter "
        f"notebook, .ipynb) and submit again; nothing was graded.{seen}",
        "visibility": "visible",
        "tests": [],
    }


def _cell_outputs(cell) -> str:
    """What a cell printed and the error it raised, as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
        elif "data" in output and "text/plain" in output["data"]:
            parts.append(output["data"]["text/plain"])
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts).strip()
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours of tracebacks
    return text if len(text) <= MAX_OUTPUT else text[: MAX_OUTPUT - 20] + "\n... (cut)"


def _hidden_cells(solution: Path) -> set[str]:
    import nbformat

    nb = nbformat.read(solution, as_version=4)
    return {
        c.metadata.get("nbgrader", {}).get("grade_id")
        for c in nb.cells
        if "BEGIN HIDDEN TESTS" in c.source
    }


def results_from_record(record: dict, course: Course, autograded: Path) -> dict:
    """Gradescope's results.json for one graded record (see the module's docstring)."""
    import nbformat

    tests, manual, number = [], [], 0
    for nb_id, nb in sorted(record.get("notebooks", {}).items()):
        aid = record["assignment"]
        hidden = _hidden_cells(course.solutions_dir / aid / f"{nb_id}.ipynb")
        path = autograded / f"{nb_id}.ipynb"
        cells = {}
        if path.is_file():
            for cell in nbformat.read(path, as_version=4).cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id:
                    cells[grade_id] = cell
        for grade_id, g in nb["grades"].items():
            cell = cells.get(grade_id, {})
            if g["auto_score"] is None:  # a written answer: graded by hand
                manual.append(f"{grade_id} ({g['max_score']:g} points)")
                continue
            number += 1
            score, top = float(g["auto_score"]), float(g["max_score"])
            tests.append(
                {
                    "name": f"{nb_id}: {grade_id}",
                    "number": str(number),
                    "score": score,
                    "max_score": top,
                    "status": "passed" if score >= top else "failed",
                    "output": _cell_outputs(cell) if cell else "",
                    "visibility": "after_published" if grade_id in hidden else "visible",
                }
            )
    lines = []
    if manual:
        lines.append("Graded by hand later: " + ", ".join(manual) + ".")
    for a in record.get("anomalies", []):
        lines.append(f"Note ({a['kind']}): {a['detail']}")
    return {
        "score": sum(t["score"] for t in tests),
        "max_score": sum(t["max_score"] for t in tests),
        "output": "\n".join(lines),
        "visibility": "visible",
        "tests": tests,
    }


def _submitted_notebooks(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and not p.name.startswith(".")
    )


def run(assignment: str | None = None) -> Path:
    """Grade ``$AUTOGRADER_ROOT/submission``; write ``$AUTOGRADER_ROOT/results/results.json``."""
    from . import pipeline

    root = _root()
    course = Course(root / "source" / "course")
    ids = course.select([assignment] if assignment else None)
    submitted = _submitted_notebooks(root / "submission")
    all_files = sorted(
        str(p.relative_to(root / "submission"))
        for p in (root / "submission").rglob("*")
        if p.is_file()
    )
    known = {nb: aid for aid in ids for nb in course.notebook_ids(aid)}
    chosen: dict[str, Path] = {}
    if assignment and len(submitted) == 1 and len(course.notebook_ids(assignment)) == 1:
        chosen[course.notebook_ids(assignment)[0]] = submitted[0]  # whatever its name
    else:
        for path in submitted:
            stem = re.sub(r"\s*\(\d+\)$", "", path.stem)  # "name (1).ipynb" from a browser
            if stem in known:
                chosen.setdefault(stem, path)
    if not chosen:
        expected = [nb for aid in ids for nb in course.notebook_ids(aid)]
        return _write_results(root, _no_notebook(all_files, expected))
    aid = known[next(iter(chosen))]
    with tempfile.TemporaryDirectory(prefix="poolcourse-grade-gradescope-") as tmp:
        tmp = Path(tmp)
        folder = tmp / "submissions" / "submission" / aid
        folder.mkdir(parents=True)
        for nb_id, path in chosen.items():
            if known[nb_id] == aid:
                (folder / f"{nb_id}.ipynb").write_bytes(path.read_bytes())
        summary = pipeline.grade(
            tmp / "submissions",
            course=course,
            jobs=1,
            out=tmp / "out",
            db_url=f"sqlite:///{tmp / 'gradebook.db'}",
            progress=False,
        )
        record = pipeline.read_record(tmp / "out" / "records" / "submission" / f"{aid}.json")
        if not record or record.get("status") != "graded":
            status = record.get("status") if record else "failed"
            notes = "\n".join(f"{a.kind}: {a.detail}" for a in summary.anomalies)
            return _write_results(
                root,
                {
                    "score": 0.0,
                    "output": f"Your notebook could not be graded ({status}); nothing was "
                    f"scored. Check that it opens in Jupyter, then submit again.\n{notes}",
                    "visibility": "visible",
                    "tests": [],
                },
            )
        results = results_from_record(
            record, course, tmp / "out" / "autograded" / "submission" / aid
        )
    return _write_results(root, results)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        "python -m autograder.grading.gradescope",
        description="Grade $AUTOGRADER_ROOT/submission (default /autograder) into "
        "results/results.json (what a bundle's run_autograder runs).",
    )
    parser.add_argument("--assignment", default=None)
    args = parser.parse_args(argv)
    try:
        path = run(args.assignment)
    except Exception as exc:  # Gradescope shows results.json, never this process's traceback
        path = _write_results(
            _root(),
            {
                "score": 0.0,
                "output": "The autograder failed on this submission; nothing was scored. "
                f"Tell your instructor. ({type(exc).__name__}: {exc})",
                "visibility": "visible",
                "tests": [],
            },
        )
        print(f"results: {path}", file=sys.stderr)
        raise
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
