"""The course where learners are: the packaged notebooks, a fresh copy, the set-up cell.

* :func:`student_notebooks` finds the student notebooks: package data of an installed
  course (``autograder/course/notebooks/``, see ``pyproject.toml``) or the repository's
  ``notebooks/`` in a development install.
* :func:`copy_notebooks` copies a fresh set into a folder of the learner's choosing, so that
  their work never lives in the repository's tracked files
  (``python -m autograder notebooks DIR``).
* :func:`ensure_setup_cell` makes the first cell of a source notebook the set-up cell that
  installs the course where it is missing (Colab, a bare JupyterHub) and otherwise only
  imports :mod:`autograder.selfstudy`. It is idempotent and touches no other cell
  (``python -m autograder setup-cell``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from .assignments import PACKAGE_DIR, REPO_ROOT, Course, notebook_text

#: GitHub ``owner/name`` the README's Colab links and the set-up cell's default install
#: source point at. Change it here (and run ``python -m autograder setup-cell``) when the
#: course moves.
PUBLIC_REPO = "poolcourse/poolcourse"
INSTALL_SOURCE = f"git+https://github.com/{PUBLIC_REPO}.git"
SETUP_CELL_ID = "poolcourse-setup"

_SETUP_CELL = """\
# Set-up. Where the course is missing (Colab, a bare JupyterHub) this installs it: from
# $POOLCOURSE_PIP if set, else from this repository, else from GitHub (README: "Install
# where learners are"). Where the course is installed it installs nothing.
# Self-study: selfstudy.check("name") self-checks an exercise, selfstudy.check() them all;
# selfstudy.hint("name"), .solution("name"), .model_answer("name"); selfstudy.progress().
import importlib.util, os, subprocess, sys

os.environ["POOLCOURSE_NOTEBOOK"] = "{assignment}"
if importlib.util.find_spec("pooling_ref") is None:
    _repo = os.path.abspath(os.path.join("..", ".."))
    _local = os.path.isfile(os.path.join(_repo, "pooling_ref", "__init__.py"))
    _source = os.environ.get("POOLCOURSE_PIP") or (_repo if _local else "{source}")
    print("Installing the course from", _source, "(a few minutes) ...")
    if subprocess.run([sys.executable, "-m", "pip", "install", "-q", _source]).returncode:
        raise SystemExit(f"Could not install the course from {{_source}}. Set POOLCOURSE_PIP "
                         "to a wheel, a folder or an index name (see the README) and re-run.")
    importlib.invalidate_caches()
from autograder import selfstudy
"""


def setup_cell_source(assignment: str) -> str:
    """The set-up cell's code for notebook ``assignment``."""
    return _SETUP_CELL.format(assignment=assignment, source=INSTALL_SOURCE).rstrip("\n")


def ensure_setup_cell(path: Path | str, *, check: bool = False) -> bool:
    """Make the set-up cell the first cell of the source notebook ``path``.

    Inserts it (or replaces an outdated one, found by its cell id); every other cell is
    left byte-identical. Idempotent.

    Returns
    -------
    bool
        Whether the notebook changed (with ``check``: would change; nothing is written).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    cell = nbformat.v4.new_code_cell(setup_cell_source(path.stem))
    cell.id = SETUP_CELL_ID
    cell.metadata = nbformat.from_dict({"tags": ["setup"]})
    cells = [c for c in nb.cells if c.get("id") != SETUP_CELL_ID]
    nb.cells = [cell, *cells]
    new = notebook_text(nb)  # the layout generate writes: other cells stay byte-identical
    if new == text:
        return False
    if not check:
        path.write_text(new, encoding="utf-8")
    return True


def ensure_setup_cells(course: Course | None = None, *, check: bool = False) -> list[Path]:
    """:func:`ensure_setup_cell` on every source notebook; returns those that changed."""
    course = course or Course()
    return [
        course.solution(a) for a in course.assignments()
        if ensure_setup_cell(course.solution(a), check=check)
    ]  # fmt: skip


def student_notebooks() -> Path:
    """The folder holding ``<id>/<id>.ipynb`` student notebooks of this installation."""
    packaged = PACKAGE_DIR / "course" / "notebooks"
    if any(packaged.glob("*/*.ipynb")):
        return packaged
    if any((REPO_ROOT / "notebooks").glob("*/*.ipynb")):
        return REPO_ROOT / "notebooks"
    raise FileNotFoundError(
        f"this installation has no student notebooks (looked in {packaged} and "
        f"{REPO_ROOT / 'notebooks'}): reinstall the course with pip."
    )


def copy_notebooks(dest: Path | str, *, overwrite: bool = False) -> list[Path]:
    """Copy a fresh set of student notebooks into ``dest/<id>/<id>.ipynb``.

    Existing notebooks are kept (your work is never overwritten) unless ``overwrite``.

    Returns
    -------
    list of Path
        The notebooks written.
    """
    source = student_notebooks()
    dest = Path(dest).expanduser().resolve()
    try:
        dest.relative_to((REPO_ROOT / "notebooks").resolve())
        inside_repo = True
    except ValueError:
        inside_repo = False
    if inside_repo:
        raise ValueError(
            "copy the notebooks somewhere outside the repository's notebooks/ (their tracked "
            f"originals). Received: {dest}"
        )
    written = []
    for nb in sorted(source.glob("*/*.ipynb")):
        target = dest / nb.parent.name / nb.name
        if target.exists() and not overwrite:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        for extra in sorted(p for p in nb.parent.iterdir() if p.is_file()):
            if overwrite or not (target.parent / extra.name).exists():
                shutil.copyfile(extra, target.parent / extra.name)  # with any data beside it
        written.append(target)
    return written
