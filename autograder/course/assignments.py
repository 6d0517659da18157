"""The nbgrader course on disk: configuration, deterministic generation, validation.

A course is a directory holding ``solutions/<id>/<id>.ipynb`` (nbgrader source
notebooks, one assignment per notebook) and ``notebooks/<id>/<id>.ipynb`` (the
student versions, generated). The repository itself is the default course;
tests and the demo build throw-away courses with the same layout.

nbgrader works in a *course directory* with its own sub-folders (``source``,
``release``, ``submitted``, ``autograded``, ``feedback``) and a gradebook. To
keep the repository clean, every nbgrader run here happens in a temporary
nbgrader course directory (:func:`scratch_course`) that receives copies of the
files it needs; only the normalised results are copied back.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import copy
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # autograder/
REPO_ROOT = PACKAGE_DIR.parent
COURSE_CONFIG = PACKAGE_DIR / "nbgrader_config.py"
COURSE_ID = "poolcourse"

#: The kernelspec every committed notebook carries (docs/ARCHITECTURE.md).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

#: Cell metadata keys that record UI state or timings and never belong in git.
_VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")

log = logging.getLogger("autograder")


def ensure_bin_on_path() -> None:
    """Put this interpreter's ``bin`` directory first on ``PATH``.

    nbgrader shells out to the ``alembic`` executable when it creates a
    gradebook, and jupyter_client starts kernels by name; both must find the
    tools of the environment this package runs in, not whatever is on ``PATH``.
    """
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [bindir]:
        os.environ["PATH"] = os.pathsep.join([bindir, *[p for p in parts if p != bindir]])


def fast_gradebook_creation() -> None:
    """Let nbgrader create gradebooks without running the ``alembic`` executable.

    When nbgrader creates a gradebook it runs ``alembic heads`` in a subprocess
    to learn the schema version it stamps into it (seconds per new gradebook on
    a loaded machine). Alembic's Python API gives the same answer from the same
    migration scripts in milliseconds; this replaces nbgrader's
    ``get_alembic_version`` with that lookup, in this process only.
    """
    import nbgrader.api
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    if getattr(nbgrader.api.get_alembic_version, "in_process", False):
        return
    head = ScriptDirectory(ALEMBIC_DIR).get_current_head()

    def get_alembic_version() -> str:
        return head

    get_alembic_version.in_process = True
    nbgrader.api.get_alembic_version = get_alembic_version


def nbgrader_config(root: Path | str, **course_directory):
    """The course's nbgrader ``Config`` with ``CourseDirectory.root = root``.

    Parameters
    ----------
    root : path
        The nbgrader course directory to run in.
    **course_directory
        Extra ``CourseDirectory`` traits, e.g. ``source_directory="source"`` or
        ``db_url="sqlite:///..."``.

    Returns
    -------
    traitlets.config.Config
        ``autograder/nbgrader_config.py`` with the overrides applied.
    """
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader(COURSE_CONFIG.name, path=str(COURSE_CONFIG.parent)).load_config()
    cfg.CourseDirectory.root = str(Path(root).resolve())
    for key, value in course_directory.items():
        setattr(cfg.CourseDirectory, key, value)
    return cfg


def write_course_config(root: Path) -> Path:
    """Write ``root/nbgrader_config.py`` so plain ``nbgrader`` commands work in ``root``.

    The file loads this package's course configuration and moves the course
    root and the exchange (``root/exchange``) to ``root`` (used by the demo, the
    benchmark and the tests that run plain ``nbgrader`` commands).
    """
    root = Path(root).resolve()
    path = root / "nbgrader_config.py"
    path.write_text(
        f"load_subconfig({str(COURSE_CONFIG)!r})  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(root)!r}  # noqa: F821\n"
        f"c.Exchange.root = {str(root / 'exchange')!r}  # noqa: F821\n"
    )
    return path


def write_student_config(folder: Path | str, exchange: Path | str) -> Path:
    """Write a student's ``folder/nbgrader_config.py`` for the course's exchange.

    With it, ``nbgrader fetch_assignment``, ``submit`` and ``fetch_feedback``
    run in ``folder`` (and JupyterLab's Assignment List started there) find the
    course's assignments in ``exchange`` (the instructor's ``Exchange.root``).
    """
    path = Path(folder) / "nbgrader_config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(Path(exchange).resolve())!r}\n"
    )
    return path


@dataclass(frozen=True)
class Course:
    """A course directory: ``solutions/<id>/<id>.ipynb`` and ``notebooks/<id>/<id>.ipynb``.

    Examples
    --------
    >>> Course(REPO_ROOT).solution("01_max_pooling1d").name
    '01_max_pooling1d.ipynb'
    """

    root: Path = REPO_ROOT

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    def solution(self, assignment: str) -> Path:
        return self.solutions_dir / assignment / f"{assignment}.ipynb"

    def student(self, assignment: str) -> Path:
        return self.notebooks_dir / assignment / f"{assignment}.ipynb"

    def assignments(self) -> list[str]:
        """Assignment ids, sorted: every ``solutions/<id>/`` holding ``<id>.ipynb``."""
        if not self.solutions_dir.is_dir():
            return []
        return sorted(
            p.name for p in self.solutions_dir.iterdir() if (p / f"{p.name}.ipynb").is_file()
        )

    def notebook_ids(self, assignment: str) -> list[str]:
        """Notebook names (without ``.ipynb``) of one assignment, sorted."""
        return sorted(p.stem for p in (self.solutions_dir / assignment).glob("*.ipynb"))

    def select(self, assignments: Sequence[str] | None) -> list[str]:
        """``assignments`` checked against the course (all of them when None)."""
        known = self.assignments()
        if not assignments:
            return known
        unknown = [a for a in assignments if a not in known]
        if unknown:
            raise ValueError(
                f"Unknown assignment(s) {unknown} in {self.solutions_dir}; "
                f"known: {known}. Received: assignments={list(assignments)}"
            )
        return list(assignments)


# --------------------------------------------------------------------------- notebooks


def normalise_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A stripped copy of ``nb``: what a committed notebook must look like.

    Outputs removed, ``execution_count`` null, UI-state/timing cell metadata
    dropped, notebook metadata reduced to the standard kernelspec and
    ``language_info.name`` (no Python version, no timestamps). nbgrader cell
    metadata, tags, attachments and cell ids are kept.
    """
    nb = copy.deepcopy(nb)
    nb.metadata = nbformat.from_dict(
        {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    )
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """Stable JSON text of ``nb``: nbformat's layout (indent 1, sorted keys) + newline."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def normalised_text(path: Path) -> str:
    """The text ``path`` has once normalised (compare with ``path.read_text()``)."""
    return notebook_text(normalise_notebook(nbformat.read(path, as_version=4)))


def _sync_file(text: str, dest: Path, *, check: bool) -> bool:
    """Write ``text`` to ``dest`` if it differs; return whether it differed."""
    if dest.is_file() and dest.read_text(encoding="utf-8") == text:
        return False
    if not check:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, dest)
    return True


# --------------------------------------------------------------------------- scratch course


@contextlib.contextmanager
def scratch_course(
    course: Course, assignments: Sequence[str], *, prefix: str = "poolcourse-"
) -> Iterator[Path]:
    """A temporary nbgrader course directory with ``source/<id>/`` copied from ``solutions/``.

    Yields the directory; it is deleted on exit (nothing lands in the repository).
    """
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        for aid in assignments:
            shutil.copytree(
                course.solutions_dir / aid,
                tmp / "source" / aid,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_generate_assignment(
    root: Path, assignments: Sequence[str], *, db_url: str | None = None, quiet: bool = True
) -> None:
    """Run nbgrader's ``GenerateAssignment`` in course directory ``root``.

    ``root/source/<id>/`` -> ``root/release/<id>/``. With ``db_url`` the
    assignment's cells (with hidden tests, checksums, points) are stored in
    that gradebook, as autograding needs; without, no gradebook is touched.

    Raises
    ------
    RuntimeError
        When nbgrader reports an error (its log is in the message).
    """
    from nbgrader.apps.api import capture_log
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    ensure_bin_on_path()
    if db_url is not None:
        fast_gradebook_creation()
    for aid in assignments:
        cfg = nbgrader_config(root, source_directory="source", release_directory="release")
        if db_url is None:
            cfg.GenerateAssignment.no_database = True
            cfg.SaveCells.enabled = False
        else:
            cfg.CourseDirectory.db_url = db_url
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = aid
        converter = GenerateAssignment(coursedir=coursedir, config=cfg)
        converter.force = True
        if quiet:
            converter.log.setLevel(logging.ERROR)
        result = capture_log(converter)
        if not result["success"]:
            raise RuntimeError(
                f"nbgrader generate_assignment {aid} failed:\n"
                f"{result.get('log', '')}\n{result.get('error', '')}"
            )


# --------------------------------------------------------------------------- generate


@dataclass
class GenerateReport:
    """What ``generate`` changed (or, with ``check=True``, would change)."""

    changed: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)  # notebooks/ entries with no source
    check: bool = False

    @property
    def ok(self) -> bool:
        return not (self.check and (self.changed or self.stale))

    def summary(self, root: Path) -> str:
        verb = "would change" if self.check else "changed"
        lines = [f"  {verb}: {p.relative_to(root)}" for p in self.changed]
        lines += [f"  no source for: {p.relative_to(root)}" for p in self.stale]
        if not lines:
            return "generate: everything up to date"
        head = "generate --check: out of date" if self.check else "generate: updated"
        return "\n".join([head, *lines])


def generate(
    course: Course | None = None,
    assignments: Sequence[str] | None = None,
    *,
    check: bool = False,
    graded: bool = False,
) -> GenerateReport:
    """Regenerate ``notebooks/`` from ``solutions/`` with ``nbgrader generate_assignment``.

    Deterministic: an unchanged source gives a byte-identical student notebook.
    Solution notebooks are normalised first (stripped, standard kernelspec);
    nbgrader runs in a scratch course directory, its release notebooks are
    normalised and written with :func:`notebook_text`; other files in the
    release folder (data, pictures) are copied as they are.

    Parameters
    ----------
    course : Course, optional
        Defaults to the repository.
    assignments : sequence of str, optional
        Assignment ids (default: every assignment in ``solutions/``).
    check : bool
        Change nothing; report what would change (``ok`` is False if anything would).
    graded : bool
        Build for a graded class: the self-study data written beside the package
        (:func:`autograder.course.exercises.write_selfstudy_data`) then holds the exercise
        table only, no solutions, outlines or model answers. Default: the self-study edition.

    Returns
    -------
    GenerateReport
        Paths that changed (or would change).
    """
    course = course or Course()
    ids = course.select(assignments)
    report = GenerateReport(check=check)

    # 1. the sources themselves must be committed stripped
    for aid in ids:
        path = course.solution(aid)
        if _sync_file(normalised_text(path), path, check=check):
            report.changed.append(path)

    # 2. nbgrader in a scratch course; normalised sources in, student versions out
    with scratch_course(course, ids) as tmp:
        for aid in ids:
            src = tmp / "source" / aid / f"{aid}.ipynb"
            src.write_text(normalised_text(course.solution(aid)), encoding="utf-8")
        run_generate_assignment(tmp, ids)
        for aid in ids:
            release = tmp / "release" / aid
            for file in sorted(p for p in release.rglob("*") if p.is_file()):
                dest = course.notebooks_dir / aid / file.relative_to(release)
                if file.suffix == ".ipynb":
                    text = normalised_text(file)
                else:
                    text = None
                changed = (
                    _sync_file(text, dest, check=check)
                    if text is not None
                    else _sync_binary(file, dest, check=check)
                )
                if changed:
                    report.changed.append(dest)

    # 3. the self-study data of the package (only in a course tree that holds the package)
    from .exercises import write_selfstudy_data

    report.changed += write_selfstudy_data(course, graded=graded, check=check)

    # 4. student notebooks whose source is gone
    if not assignments and course.notebooks_dir.is_dir():
        for path in sorted(course.notebooks_dir.glob("*/*.ipynb")):
            if path.parent.name not in ids:
                report.stale.append(path)
    return report


def _sync_binary(src: Path, dest: Path, *, check: bool) -> bool:
    if dest.is_file() and dest.read_bytes() == src.read_bytes():
        return False
    if not check:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    return True


# --------------------------------------------------------------------------- validate


@dataclass
class ValidationResult:
    """One ``nbgrader validate`` run on one notebook."""

    notebook: Path
    invert: bool
    problems: list[str]  # one entry per offending cell (empty: as expected)
    error: str | None = None  # validation could not run

    @property
    def ok(self) -> bool:
        return not self.problems and self.error is None

    def line(self, root: Path) -> str:
        what = "passes none of its tests" if self.invert else "passes all its tests"
        try:
            name = self.notebook.relative_to(root)
        except ValueError:
            name = self.notebook
        if self.ok:
            return f"  ok    {name}: {what}"
        lines = [f"  FAIL  {name}: expected it {what}"]
        if self.error:
            lines.append("        " + self.error.strip().replace("\n", "\n        "))
        lines += ["        - " + p.replace("\n", "\n          ") for p in self.problems]
        return "\n".join(lines)


def _first_line(text: str, limit: int = 160) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    line = lines[0] if lines else "<empty cell>"
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _last_line(text: str, limit: int = 300) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def validate_notebook(path: Path | str, invert: bool = False) -> ValidationResult:
    """``nbgrader validate [--invert]`` on a copy of ``path``'s folder.

    The notebook runs in a temporary copy of its assignment folder, so
    whatever it writes never lands in the repository.

    Returns
    -------
    ValidationResult
        ``problems`` lists the failing grade cells (``invert=False``) or the
        passing ones (``invert=True``), changed test cells, changed cell types.
    """
    from nbgrader.validator import Validator

    ensure_bin_on_path()
    path = Path(path).resolve()
    cfg = nbgrader_config(path.parent)
    with tempfile.TemporaryDirectory(prefix="poolcourse-validate-") as tmp:
        work = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        validator = Validator(config=cfg)
        validator.invert = invert
        validator.log.setLevel(logging.ERROR)
        try:
            results = validator.validate(str(work / path.name))
        except Exception as err:  # a kernel that dies, a notebook that does not parse
            return ValidationResult(path, invert, [], error=f"{type(err).__name__}: {err}")
    problems = [
        f"cell type changed ({c['old_type']} -> {c['new_type']}): {_first_line(c['source'])}"
        for c in results.get("type_changed", [])
    ]
    problems += [
        f"test cell changed: {_first_line(c['source'])}" for c in results.get("changed", [])
    ]
    problems += [f"passed: {_first_line(c['source'])}" for c in results.get("passed", [])]
    problems += [
        f"failed: {_first_line(c['source'])}\n{_last_line(c['raw_error'])}"
        for c in results.get("failed", [])
    ]
    return ValidationResult(path, invert, problems)


def _validate_job(job: tuple[str, bool]) -> ValidationResult:
    return validate_notebook(*job)


def validate(
    course: Course | None = None,
    assignments: Sequence[str] | None = None,
    *,
    jobs: int | None = None,
) -> list[ValidationResult]:
    """Every solution passes all its tests; every student notebook passes none.

    Runs ``jobs`` notebooks at once (default: the number of CPU cores), each
    ``nbgrader validate`` in its own process.

    Returns
    -------
    list of ValidationResult
        Solutions first, then student notebooks, in assignment order.
    """
    course = course or Course()
    ids = course.select(assignments)
    todo = [(str(course.solution(a)), False) for a in ids]
    todo += [(str(course.student(a)), True) for a in ids]
    missing = [
        ValidationResult(Path(p), inv, [], error="missing: run `python -m autograder generate`")
        for p, inv in todo
        if not Path(p).is_file()
    ]
    todo = [(p, inv) for p, inv in todo if Path(p).is_file()]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    ensure_bin_on_path()
    if jobs == 1:
        results = [_validate_job(j) for j in todo]
    else:
        import multiprocessing

        with cf.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_validate_job, todo))
    return results + missing
