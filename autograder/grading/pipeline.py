"""Grade a class in parallel with nbgrader's own autograde machinery.

nbgrader grades one student at a time (nbgrader issue #174): its ``Autograde``
converter reads the assignment's cells from the gradebook and writes every
grade into it as it goes. Here each submission is graded by that same
converter, but in a worker process of its own, in a scratch nbgrader course
directory of its own holding only what that submission needs:

* ``source/<assignment>/``   the instructor's files (copied over the student's),
* ``submitted/<student>/<assignment>/``   a *copy* of the submission,
* ``gradebook.db``   a private SQLite copy of a template gradebook that holds
  the assignment (cells, checksums, hidden tests, points) and nothing else.

The worker runs ``Autograde`` (sanitising: locked and test cells restored from
the gradebook, hidden tests put back, checksums compared; then execution and
``SaveAutoGrades``) and ``GenerateFeedback``, then writes a *record* (the
scores nbgrader stored in the private gradebook, the anomalies it saw) to
``<out>/records/<student>/<assignment>.json`` atomically, after the autograded
notebook and HTML feedback are in place.

The parent process is the only writer of the course gradebook (SQLite or any
SQLAlchemy URL): it copies each record's scores into it in one transaction,
exactly as ``SaveAutoGrades`` would have. So concurrent grading can neither
corrupt nor lose gradebook rows, and a run that is killed resumes cleanly: a
submission is done when its record exists with the same submission fingerprint;
records not yet in the gradebook are applied on the next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..course.assignments import (
    COURSE_ID,
    PACKAGE_DIR,
    Course,
    ensure_bin_on_path,
    nbgrader_config,
    run_generate_assignment,
)
from ..sandbox.kernels import Limits
from ..sandbox.policy import die_with_parent

#: Student ids must be usable as nbgrader path components (nbgrader globs them).
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+\-]*$")

#: Whole-submission wall-clock limit (seconds) after which a worker is killed.
DEFAULT_SUBMISSION_TIMEOUT = 1800.0


# --------------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    """One student's submission of one assignment (nbgrader's unit of autograding).

    ``notebooks`` maps notebook id -> path of the submitted file; ``folder`` is
    the student's assignment folder in nbgrader's layout (its other files are
    graded along, as nbgrader does), None for a flat LMS export.
    """

    student: str
    assignment: str
    notebooks: tuple[tuple[str, str], ...]
    folder: str | None = None
    timestamp: str | None = None

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    def fingerprint(self) -> str:
        """sha256 over what is graded: notebook names and bytes, timestamp, extra files."""
        h = hashlib.sha256()
        h.update(f"{self.assignment}\0{self.timestamp or ''}\0".encode())
        files = [(f"{nb}.ipynb", Path(p)) for nb, p in self.notebooks]
        if self.folder:
            folder = Path(self.folder)
            names = {name for name, _ in files}
            files += [
                (str(p.relative_to(folder)), p)
                for p in sorted(folder.rglob("*"))
                if _regular_file(p) and p.name not in names and ".ipynb_checkpoints" not in p.parts
            ]
        for name, path in sorted(files):
            h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()


@dataclass
class Anomaly:
    """Something about one submission an instructor should look at."""

    student: str
    assignment: str
    kind: str  # e.g. unrecognised-file, tampered-cell, cell-error, timeout, worker-died
    detail: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "detail": self.detail}


def _read_timestamp(folder: Path) -> str | None:
    path = folder / "timestamp.txt"
    if path.is_file():
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        return text or None
    return None


def _regular_file(path: Path) -> bool:
    """A regular file itself (not a symlink, folder, FIFO, socket or device); never blocks."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _odd_entry(path: Path, *, folder: bool) -> str | None:
    """What is wrong with an entry that should be a folder (or a regular file); None if fine.

    Only ``lstat``: a symlink is never followed, a FIFO never opened.
    """
    try:
        mode = path.lstat().st_mode
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"is a symbolic link (to {target}), not followed"
    if folder:
        return None if stat.S_ISDIR(mode) else "is not a folder"
    if stat.S_ISREG(mode):
        return None
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")]  # fmt: skip
    return "is " + next((name for test, name in kinds if test(mode)), "not a regular file")


def _rejected_entry(path: Path, why: str, student: str = "?", assignment: str = "?") -> Anomaly:
    return Anomaly(student, assignment, "rejected", f"{path}: {why}; not graded")


def find_submissions(path: Path | str, course: Course) -> tuple[list[Submission], list[Anomaly]]:
    """Submissions under ``path``, in either layout, and files that could not be used.

    Layouts
    -------
    * nbgrader: ``path/<student>/<assignment>/<notebook>.ipynb`` (``path`` may
      also be a course directory holding ``submitted/``);
    * flat LMS export: ``path/<student>_<notebook>.ipynb``; the notebook id is
      the longest known notebook name the file name ends with, the student id
      is what precedes it (it may itself contain underscores).

    Returns
    -------
    (list of Submission, list of Anomaly)
        Sorted by (student, assignment). Unknown assignments, unmatched file
        names and unusable student ids are anomalies, never errors. So are
        entries that are not what they are named like: symbolic links (dangling
        or not: never followed, so an instructor's file is never graded),
        folders named like notebooks, FIFOs, sockets and devices (never opened,
        so nothing blocks); the rest of the class is graded.
    """
    root = Path(path).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"No such submissions folder. Received: SUBMISSIONS={path}")
    if (root / "submitted").is_dir() and not any(root.glob("*.ipynb")):
        root = root / "submitted"
    known = {a: course.notebook_ids(a) for a in course.assignments()}
    subs: list[Submission] = []
    anomalies: list[Anomaly] = []

    flat_files = sorted(root.glob("*.ipynb"))
    if flat_files:
        by_name = sorted(
            ((nb, a) for a, nbs in known.items() for nb in nbs), key=lambda t: -len(t[0])
        )
        grouped: dict[tuple[str, str], dict[str, str]] = {}
        for file in flat_files:
            why = _odd_entry(file, folder=False)
            if why:
                anomalies.append(_rejected_entry(file, why))
                continue
            match = next(((nb, a) for nb, a in by_name if file.stem.endswith("_" + nb)), None)
            if match is None:
                anomalies.append(
                    Anomaly(
                        "?",
                        "?",
                        "unrecognised-file",
                        f"{file.name}: not <student>_<notebook>.ipynb for a known "
                        f"notebook ({', '.join(n for n, _ in by_name)})",
                    )
                )
                continue
            nb, aid = match
            student = file.stem[: -len(nb) - 1]
            grouped.setdefault((student, aid), {})[nb] = str(file)
        for (student, aid), nbs in sorted(grouped.items()):
            subs.append(Submission(student, aid, tuple(sorted(nbs.items()))))
    else:
        for student_dir in sorted(root.iterdir()):
            why = _odd_entry(student_dir, folder=True)
            if why:
                if why != "is not a folder":  # stray regular files are ignored, as before
                    anomalies.append(_rejected_entry(student_dir, why, student_dir.name))
                continue
            for adir in sorted(student_dir.iterdir()):
                why = _odd_entry(adir, folder=True)
                if why:
                    if why != "is not a folder":
                        anomalies.append(_rejected_entry(adir, why, student_dir.name, adir.name))
                    continue
                if adir.name not in known:
                    anomalies.append(
                        Anomaly(
                            student_dir.name,
                            adir.name,
                            "unknown-assignment",
                            f"{adir}: not an assignment of this course",
                        )
                    )
                    continue
                nbs = {}
                for p in sorted(adir.glob("*.ipynb")):
                    why = _odd_entry(p, folder=False)
                    if why:
                        anomalies.append(_rejected_entry(p, why, student_dir.name, adir.name))
                    elif p.stem in known[adir.name]:
                        nbs[p.stem] = str(p)
                if not nbs:
                    anomalies.append(
                        Anomaly(
                            student_dir.name,
                            adir.name,
                            "no-notebook",
                            f"{adir}: none of {known[adir.name]} submitted",
                        )
                    )
                    continue
                subs.append(
                    Submission(
                        student_dir.name,
                        adir.name,
                        tuple(sorted(nbs.items())),
                        folder=str(adir),
                        timestamp=_read_timestamp(adir),
                    )
                )

    usable = []
    for sub in subs:
        if STUDENT_ID.match(sub.student):
            usable.append(sub)
        else:
            anomalies.append(
                Anomaly(
                    sub.student,
                    sub.assignment,
                    "bad-student-id",
                    f"student id {sub.student!r} must be letters, digits and _.@+- "
                    "(rename the file or folder)",
                )
            )
    return usable, anomalies


# --------------------------------------------------------------------------- records


def write_json_atomic(path: Path, data: dict) -> None:
    """Write ``data`` so that ``path`` is either absent, the old file or the complete new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_record(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _place(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` atomically (via a temporary name in dest's folder)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def _place_folder(src: Path, dest: Path) -> None:
    """Copy the files of nbgrader's folder ``src`` into ``dest``, each atomically.

    Files of ``dest`` that ``src`` does not have are removed (a regraded
    submission leaves no stale notebook behind).
    """
    if not src.is_dir():
        return
    files = {p.relative_to(src) for p in src.rglob("*") if p.is_file()}
    if dest.is_dir():
        for old in [p for p in dest.rglob("*") if p.is_file()]:
            if old.relative_to(dest) not in files:
                old.unlink()
    for rel in sorted(files):
        _place(src / rel, dest / rel)


# --------------------------------------------------------------------------- the worker


def _redirect_output(path: Path) -> None:
    """Send this process's stdout/stderr (and its children's) to ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


#: Environment variables that size the thread pools of TensorFlow, OpenMP and BLAS.
THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def share_cores(jobs: int, cores: int | None = None) -> None:
    """Give this process (and the kernel it starts) ``cores // jobs`` threads per pool.

    N kernels each using every core oversubscribe the machine: on 2 cores, two
    TensorFlow kernels with 2 threads each spend more CPU time than with 1
    (measured: ~12% more user time on notebook 03). Variables already set by
    the instructor are left alone.
    """
    for name, value in thread_settings(jobs, cores).items():
        os.environ.setdefault(name, value)


def thread_settings(jobs: int, cores: int | None = None) -> dict[str, str]:
    """``{variable: cores // jobs}`` for each of :data:`THREAD_VARIABLES`."""
    threads = str(max(1, (cores or os.cpu_count() or 1) // max(1, jobs)))
    return dict.fromkeys(THREAD_VARIABLES, threads)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


_CHANGE = re.compile(
    r"Attribute '(\w+)' for cell (\S+) has changed! \(should be: (.*), got: (.*)\)"
)


def _log_anomalies(log: str) -> list[dict]:
    """Cell-type / locked / points changes nbgrader undid while sanitising, from its log.

    nbgrader's checksum warnings are not used: every test cell with hidden
    tests "changes" when its hidden tests are put back.
    :func:`autograder.grading.submission.prepare` compares with the released notebook
    instead (and restores most of these before nbgrader sees them).
    """
    out = []
    for line in log.splitlines():
        m = _CHANGE.search(line)
        if m and m.group(1) != "checksum":
            out.append(
                {
                    "kind": "tampered-cell",
                    "detail": f"cell {m.group(2)}: {m.group(1)} changed "
                    f"(should be {m.group(3)}, got {m.group(4)}); reset from the gradebook",
                }
            )
        elif "does not exist in the database" in line:
            out.append({"kind": "unknown-cell", "detail": line.split("] ", 1)[-1].strip()})
    return out


def _read_private_gradebook(db_url: str, assignment: str, student: str) -> dict:
    from nbgrader.api import Gradebook, TaskCell

    with Gradebook(db_url, COURSE_ID) as gb:
        sub = gb.find_submission(assignment, student)
        notebooks = {}
        for nb in sub.notebooks:
            notebooks[nb.name] = {
                "grades": {  # autograde never scores task cells (the rubrics): left out
                    g.name: {
                        "auto_score": g.auto_score,
                        "max_score": g.max_score,
                        "needs_manual_grade": g.needs_manual_grade,
                    }
                    for g in nb.grades
                    if not isinstance(g.cell, TaskCell)
                },
                "comments": {c.name: c.auto_comment for c in nb.comments},
                "late_submission_penalty": nb.late_submission_penalty,
                "score": nb.score,
                "max_score": nb.max_score,
            }
        return {
            "timestamp": sub.timestamp.isoformat() if sub.timestamp else None,
            "notebooks": notebooks,
        }


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """What of a submission's folder is not copied: checkpoints, caches, and anything
    not a regular file or folder (symlinks are not followed, FIFOs not opened)."""
    skip = set(shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")(folder, names))
    for name in names:
        path = Path(folder) / name
        if not (_regular_file(path) or _odd_entry(path, folder=True) is None):
            skip.add(name)
    return skip


def grade_submission(job: dict) -> dict:
    """Autograde one submission in a scratch nbgrader course (runs in a worker process).

    ``job`` keys: student, assignment, notebooks [[id, path]], folder, timestamp,
    source (the assignment's solutions folder), release (its generated student
    version, for the tamper check), template_db, out, limits and deny (see
    :mod:`autograder.grading.safeguards`: the notebooks are checked and repaired or
    rejected first, run in a sandboxed kernel, and implementation exercises are
    re-checked out of the learner's reach before the feedback is made).

    Returns
    -------
    dict
        Record fields: status ("graded", "rejected" when no notebook could be
        graded, "failed"), notebooks (scores per grade cell as nbgrader stored
        them, lowered by the trusted re-check), timestamp, anomalies, log_tail.
    """
    from nbgrader.apps.api import capture_log
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    from . import safeguards

    student, aid = job["student"], job["assignment"]
    Path(job["out"])
    scratch = Path(tempfile.mkdtemp(prefix="poolcourse-grade-"))
    anomalies: list[dict] = []
    try:
        shutil.copytree(
            job["source"],
            scratch / "source" / aid,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
        submitted = scratch / "submitted" / student / aid
        if job["folder"]:
            shutil.copytree(job["folder"], submitted, ignore=_not_copied)
        submitted.mkdir(parents=True, exist_ok=True)
        for nb_id, path in job["notebooks"]:
            shutil.copyfile(path, submitted / f"{nb_id}.ipynb")
        if job["timestamp"]:
            (submitted / "timestamp.txt").write_text(job["timestamp"])
        for path in submitted.rglob("*"):  # copies of read-only files must stay removable
            path.chmod(path.stat().st_mode | 0o600)
        prepared, gradable = safeguards.prepare_notebooks(submitted, job)
        anomalies += prepared
        if not gradable:
            return {"status": "rejected", "anomalies": anomalies}
        shutil.copyfile(job["template_db"], scratch / "gradebook.db")
        db_url = f"sqlite:///{scratch / 'gradebook.db'}"

        sandbox: dict[str, Path] = {}

        def run(converter_class) -> dict:
            cfg = nbgrader_config(scratch, source_directory="source", db_url=db_url)
            if converter_class is Autograde:
                sandbox.update(safeguards.configure_autograde(cfg, scratch, job))
            coursedir = CourseDirectory(config=cfg)
            coursedir.assignment_id = aid
            coursedir.student_id = student
            converter = converter_class(coursedir=coursedir, config=cfg)
            converter.force = True
            return capture_log(converter)

        started = time.perf_counter()
        result = run(Autograde)
        timings = {"autograde": round(time.perf_counter() - started, 3)}
        log = result.get("log", "")
        anomalies += _log_anomalies(log)
        if not result["success"]:
            anomalies.append(
                {"kind": "nbgrader-error", "detail": _tail(result.get("error", ""), 5)}
            )
            return {"status": "failed", "anomalies": anomalies, "log_tail": _tail(log)}

        started = time.perf_counter()
        anomalies += safeguards.after_autograde(scratch, sandbox, job, db_url)
        timings["recheck"] = round(time.perf_counter() - started, 3)

        started = time.perf_counter()
        feedback = run(GenerateFeedback)
        timings["feedback"] = round(time.perf_counter() - started, 3)
        if not feedback["success"]:
            anomalies.append(
                {"kind": "feedback-error", "detail": _tail(feedback.get("error", ""), 5)}
            )
        record = {"status": "graded", **_read_private_gradebook(db_url, aid, student)}
        for nb_id in record["notebooks"]:
            if not (scratch / "autograded" / student / aid / f"{nb_id}.ipynb").is_file():
                anomalies.append({"kind": "missing-notebook", "detail": f"{nb_id}: not submitted"})
        # where nbgrader's own tools look: the formgrader (autograded/) and
        # release_feedback (feedback/, with the submission's timestamp.txt)
        for step in ("autograded", "feedback"):
            _place_folder(scratch / step / student / aid, Path(job[step]) / student / aid)
        record["anomalies"] = anomalies
        record["timings"] = timings
        record["log_tail"] = _tail(log, 10)
        return record
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _watch_grader(pid: int) -> None:
    """Kill this worker's process group as soon as the grader process ``pid`` ends.

    Workers are forked by the forkserver, not by the grader, and the forkserver
    can outlive a grader killed with SIGKILL long enough for a worker to finish
    and write its record behind the back of the next run; ``PR_SET_PDEATHSIG``
    (which follows the forkserver) does not cover that. A daemon thread waits
    on the grader's pidfd (Linux; elsewhere it polls).
    """
    import select
    import threading

    def watch() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])
        else:
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.5)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, name="watch-grader", daemon=True).start()


def _worker_main(job: dict) -> None:
    """Entry point of a worker process: grade, then write the record atomically."""
    from ..sandbox import bwrap

    die_with_parent()
    os.setpgrp()  # the parent can kill this worker and what it started (the kernel) together
    bwrap.use(job.get("os_sandbox"))  # what grade found: no probe per submission
    if job.get("grader_pid"):
        _watch_grader(job["grader_pid"])
    record_path = Path(job["record"])
    log_path = record_path.with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _redirect_output(log_path)
    ensure_bin_on_path()
    share_cores(job["jobs"])
    start = time.perf_counter()
    record = {
        "student": job["student"],
        "assignment": job["assignment"],
        "fingerprint": job["fingerprint"],
        "attempt": job.get("attempt", 1),
    }
    try:
        record.update(grade_submission(job))
    except BaseException:  # a record, whatever happened
        record.update(
            status="failed",
            anomalies=[{"kind": "worker-error", "detail": _tail(traceback.format_exc(), 8)}],
        )
    record["seconds"] = round(time.perf_counter() - start, 3)
    write_json_atomic(record_path, record)


# --------------------------------------------------------------------------- the gradebook


#: The PostgreSQL advisory lock that serialises gradebook writers (any 64-bit number
#: no other application on the server uses; this one spells "poolcourse gradebook").
GRADEBOOK_LOCK_KEY = 0x706F6F6C_67726164


def mask_password(db_url: str) -> str:
    """``db_url`` with its password replaced by ``***`` (for output and logs).

    Examples
    --------
    >>> mask_password("postgresql://grader:s3cret@db/poolcourse")
    'postgresql://grader:***@db/poolcourse'
    >>> mask_password("sqlite:////course/gradebook.db")
    'sqlite:////course/gradebook.db'
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except (ArgumentError, ValueError, TypeError):
        return re.sub(r"(://[^/@:]*:)[^@/]*@", r"\1***@", str(db_url))
    return url.render_as_string(hide_password=True) if url.password else str(db_url)


def check_db_url(db_url: str) -> None:
    """Raise ``ValueError`` (password masked) unless ``db_url`` names a usable database.

    A ``postgresql://`` URL needs the driver of the ``postgres`` extra
    (``pip install 'poolcourse[postgres]'``).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    shown = mask_password(db_url)
    try:
        url = make_url(db_url)
        dialect = url.get_dialect()
    except (ArgumentError, ValueError):
        raise ValueError(
            "the gradebook must be an SQLAlchemy URL such as "
            f"postgresql://user:password@host/poolcourse. Received: --db={shown}"
        ) from None
    except NoSuchModuleError:
        raise ValueError(f"unknown database {url.drivername!r}. Received: --db={shown}") from None
    try:
        dialect.import_dbapi()
    except ImportError as err:
        extra = (
            " (pip install 'poolcourse[postgres]')"
            if url.get_backend_name() == "postgresql"
            else ""
        )
        raise ValueError(
            f"no driver for {url.drivername}: {err.name or err} is not installed{extra}. "
            f"Received: --db={shown}"
        ) from None


@contextlib.contextmanager
def gradebook_lock(db_url: str):
    """Hold the course gradebook for this process alone (across processes and machines).

    Two ``grade`` runs that start at once on a new gradebook would both create
    its tables and the assignments' cells (``generate_assignment``) and collide
    (PostgreSQL: ``ForeignKeyViolation``); with this held around that step, the
    second finds them made. PostgreSQL: a session advisory lock on a connection
    of its own; SQLite: ``flock`` on a lock file in the temporary folder named
    after the gradebook's path; other databases: nothing.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(db_url)
    if url.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": GRADEBOOK_LOCK_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": GRADEBOOK_LOCK_KEY}
                    )
                    conn.commit()
        finally:
            engine.dispose()
    elif url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        import fcntl

        # a lock file of its own beside nothing of the course's (SQLite is local:
        # every process sharing this gradebook sees the same temporary folder)
        key = hashlib.sha256(str(Path(url.database).resolve()).encode()).hexdigest()[:16]
        lock = Path(tempfile.gettempdir()) / f"poolcourse-gradebook-{key}.lock"
        with open(lock, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        yield


def stamp_alembic_version(db_url: str) -> bool:
    """Give a gradebook without its ``alembic_version`` table the current one.

    A formgrader started without ``alembic`` on ``PATH`` creates the tables,
    fails to learn the schema version and leaves the table out; nbgrader's
    ``nbgrader db upgrade`` then cannot tell the schema. The version is read
    from nbgrader's migration scripts (no ``alembic`` executable needed).

    Returns
    -------
    bool
        Whether the table was added.
    """
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(db_url, poolclass=NullPool)
    try:
        names = inspect(engine).get_table_names()
        if not names or "alembic_version" in names:
            return False
        head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
        return True
    finally:
        engine.dispose()


def _course_gradebook(db_url: str):
    """The course gradebook; nbgrader's SQLAlchemy 2 autoflush warnings silenced."""
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", message=".*not in session", category=SAWarning)
    return Gradebook(db_url, COURSE_ID)


def apply_record(gb, record: dict, *, review: bool = True) -> bool:
    """Copy one record's autograde results into gradebook ``gb`` (one transaction).

    Same writes as nbgrader's ``SaveAutoGrades``: ``auto_score`` per grade
    cell, ``needs_manual_grade`` (True if a manual score exists or there is no
    auto score), the "No response." comments, the late penalty. Manual scores
    and manual comments are never touched.

    Parameters
    ----------
    gb : nbgrader.api.Gradebook
    record : dict
        A worker's record (:func:`grade_submission`).
    review : bool
        True for a new or changed submission: like ``SaveAutoGrades``, every
        cell with a manual score or no auto score is flagged for (re)review.
        False for a submission graded before (a record applied again, or
        regraded unchanged with ``--force``): a cell whose auto score did not
        change keeps the ``needs_manual_grade`` a grader left in the formgrader.

    Returns
    -------
    bool
        Whether anything changed.
    """
    from nbgrader.api import MissingEntry, TaskCell
    from nbgrader.utils import parse_utc
    from sqlalchemy import text

    student, aid = record["student"], record["assignment"]
    changed = False
    if gb.db.get_bind().dialect.name == "postgresql":
        # one writer at a time (released at commit): two runs creating the same
        # student or submission at once would otherwise collide
        gb.db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": GRADEBOOK_LOCK_KEY})
    try:
        gb.find_submission(aid, student)
    except MissingEntry:
        changed = review = True
    try:
        gb.update_or_create_student(student)
        ts = record.get("timestamp")
        if ts:
            gb.update_or_create_submission(aid, student, timestamp=parse_utc(ts))
        else:
            gb.update_or_create_submission(aid, student)
        for nb_id, nb in record["notebooks"].items():
            for grade_id, g in nb["grades"].items():
                grade = gb.find_grade(grade_id, nb_id, aid, student)
                needs = grade.manual_score is not None or g["auto_score"] is None
                if not (review or grade.auto_score != g["auto_score"]):
                    needs = grade.needs_manual_grade  # as the grader left it
                if grade.auto_score != g["auto_score"] or grade.needs_manual_grade != needs:
                    grade.auto_score = g["auto_score"]
                    grade.needs_manual_grade = needs
                    changed = True
            for comment_id, text in nb["comments"].items():
                comment = gb.find_comment(comment_id, nb_id, aid, student)
                if comment.auto_comment != text:
                    comment.auto_comment = text
                    changed = True
            snb = gb.find_submission_notebook(nb_id, aid, student)
            for grade in snb.grades:
                # a 0-point task cell (a written answer's rubric) has nothing to grade:
                # scored 0 so that the formgrader does not list it as waiting for a grader
                if (
                    isinstance(grade.cell, TaskCell)
                    and not grade.max_score
                    and grade.manual_score is None
                    and (grade.auto_score is None or grade.needs_manual_grade)
                ):
                    grade.auto_score, grade.needs_manual_grade = 0.0, False
                    changed = True
            if snb.late_submission_penalty != nb["late_submission_penalty"]:
                snb.late_submission_penalty = nb["late_submission_penalty"]
                changed = True
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise
    return changed


# --------------------------------------------------------------------------- the run


@dataclass
class GradeSummary:
    """What one ``grade`` run did, and where its outputs are."""

    out: Path
    db_url: str
    autograded: Path | None = None  # <course>/autograded, where the formgrader looks
    feedback: Path | None = None  # <course>/feedback, what `nbgrader release_feedback` sends
    graded: list[str] = field(default_factory=list)  # keys graded in this run
    skipped: list[str] = field(default_factory=list)  # already graded, unchanged
    failed: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # no notebook could be graded
    anomalies: list[Anomaly] = field(default_factory=list)
    seconds: float = 0.0
    table: str = ""
    csv: Path | None = None
    plot: Path | None = None
    canvas: Path | None = None  # canvas.csv, when a Canvas id map was given
    insight: Path | None = None  # the class insight page (autograder.insight)
    insight_digest: str = ""  # its most common mistakes, flagged cells, look-alike pairs
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def text(self) -> str:
        lines = [self.table, ""] if self.table else []
        per = self.seconds / len(self.graded) if self.graded else 0.0
        lines.append(
            f"graded {len(self.graded)} submission(s) in {self.seconds:.1f} s"
            + (f" ({per:.1f} s each)" if self.graded else "")
            + f", {len(self.skipped)} already graded, {len(self.failed)} failed"
            + (f", {len(self.rejected)} rejected" if self.rejected else "")
        )
        lines += [f"warning: {w}" for w in self.warnings]
        if self.anomalies:
            from .report import anomalies_table

            lines += ["", anomalies_table(self.anomalies)]
        if self.insight_digest:
            lines += ["", self.insight_digest]
        lines += [
            "",
            f"gradebook: {mask_password(self.db_url)}",
            f"grades:    {self.csv}",
            f"plot:      {self.plot}",
            f"feedback:  {self.feedback}/<student>/<assignment>/<notebook>.html",
            f"autograded: {self.autograded}/<student>/<assignment>/ (the formgrader's)",
            *([f"insight:   {self.insight}"] if self.insight else []),
            *([f"canvas:    {self.canvas}"] if self.canvas else []),
        ]
        return "\n".join(lines)


def _default_db_url(course: Course) -> str:
    """The course's ``CourseDirectory.db_url`` (its nbgrader_config.py, as the formgrader
    reads it), else ``sqlite:///<course>/gradebook.db``."""
    config = course.root / "nbgrader_config.py"
    if config.is_file():
        from traitlets.config.loader import PyFileConfigLoader

        try:
            cfg = PyFileConfigLoader(config.name, path=str(course.root)).load_config()
        except Exception:  # a course config that does not load: nbgrader's default
            cfg = None
        if cfg is not None and "db_url" in cfg.CourseDirectory:
            return str(cfg.CourseDirectory.db_url)
    return f"sqlite:///{course.root / 'gradebook.db'}"


def _check_release(tmp: Path, course: Course, ids: Sequence[str]) -> list[str]:
    """Warn when notebooks/ is not what solutions/ generates (students got another version)."""
    from ..course.assignments import normalised_text

    out = []
    for aid in ids:
        for nb_id in course.notebook_ids(aid):
            released = course.notebooks_dir / aid / f"{nb_id}.ipynb"
            fresh = tmp / "release" / aid / f"{nb_id}.ipynb"
            if released.is_file() and fresh.is_file():
                if released.read_text(encoding="utf-8") != normalised_text(fresh):
                    out.append(
                        f"{released.relative_to(course.root)} is not what solutions/ generates "
                        "now; grading uses solutions/ (run `python -m autograder generate`)"
                    )
    return out


def grade(
    submissions: Path | str,
    *,
    course: Course | None = None,
    jobs: int | None = None,
    db_url: str | None = None,
    out: Path | str | None = None,
    force: bool = False,
    progress: bool = True,
    submission_timeout: float = DEFAULT_SUBMISSION_TIMEOUT,
    limits: Limits | None = None,
    fork_kernels: bool = True,
    executor=None,
    canvas_ids: Path | str | None = None,
    canvas_id_column: str | None = None,
    unsafe_no_sandbox: bool = False,
) -> GradeSummary:
    """Autograde every submission under ``submissions``, ``jobs`` at once.

    Parameters
    ----------
    submissions : path
        nbgrader layout (``<student>/<assignment>/<notebook>.ipynb``) or a flat
        LMS export (``<student>_<notebook>.ipynb``); see :func:`find_submissions`.
        Never modified.
    course : Course, optional
        Whose ``solutions/`` define the assignments (default: the repository).
    jobs : int, optional
        Submissions graded at once (default: the number of CPU cores).
    db_url : str, optional
        The gradebook (any SQLAlchemy URL; default ``sqlite:///<course>/gradebook.db``).
    out : path, optional
        Records, ``grades.csv``, ``scores.png``, ``anomalies.csv`` (default
        ``<course>/grading-output``). Autograded notebooks and HTML feedback go
        to ``<course>/autograded/`` and ``<course>/feedback/`` by default (where
        nbgrader's formgrader and ``release_feedback`` look), to
        ``<out>/autograded/`` and ``<out>/feedback/`` when ``out`` is given.
    force : bool
        Regrade submissions that were already graded and have not changed.
    progress : bool
        Show a progress bar (running count, ETA) on stderr.
    submission_timeout : float
        Seconds after which one submission's worker is killed (anomaly
        ``timeout``); raised to fit the notebook time limit of ``limits``.
    limits : Limits, optional
        Per-cell and per-notebook time, kernel memory, output kept per cell
        (default: :class:`autograder.sandbox.kernels.Limits`). See
        ``docs/grading_hostile.md`` for what happens to broken and hostile
        submissions.
    fork_kernels : bool
        Fork the sandboxed kernels from a process that has imported TensorFlow
        and Keras once (:mod:`autograder.sandbox.zygote`, Linux) instead of starting
        each afresh: the same kernels, about 3 s of CPU less per submission.
    executor : context manager, optional
        Grade elsewhere than in local worker processes: entered before the
        gradebooks are touched, it gives an object whose ``run`` has
        :func:`_run_workers`' signature and yields the same (job, record) pairs
        (:class:`autograder.grading.distributed.DaskCluster`; use
        :func:`autograder.grading.distributed.grade`).
    canvas_ids : path, optional
        Also write ``canvas.csv`` for Canvas' gradebook import, students mapped
        by this CSV (its column ``canvas_id_column`` holds the grader's student
        ids; see :mod:`autograder.grading.canvas`). Read before grading starts.
    unsafe_no_sandbox : bool
        Grade without the OS sandbox (:mod:`autograder.sandbox.bwrap`) when it is
        not usable here: learner code then runs as the grader's user, held back
        only by the audit hook and rlimits (``docs/grading_hostile.md``).

    Returns
    -------
    GradeSummary

    Raises
    ------
    NoSandboxError
        When the OS sandbox is not usable and ``unsafe_no_sandbox`` is not set.
    """
    from . import report, safeguards

    os_sandbox = _os_sandbox(unsafe_no_sandbox)  # first: nothing is done without it
    roster = None
    if canvas_ids:
        from .canvas import read_roster

        roster = read_roster(canvas_ids, canvas_id_column)  # bad input: before any grading
    ensure_bin_on_path()
    course = course or Course()
    jobs = max(1, jobs or os.cpu_count() or 1)
    db_url = db_url or _default_db_url(course)
    check_db_url(db_url)
    with gradebook_lock(db_url):  # a server that refuses (password, host) fails here, early
        pass
    # nbgrader's own folders: by default the course's, where the formgrader and
    # release_feedback look; with an explicit ``out``, everything goes there
    nbgrader_dir = Path(out).resolve() if out else course.root
    out = Path(out).resolve() if out else course.root / "grading-output"
    out.mkdir(parents=True, exist_ok=True)
    limits = limits or Limits()
    summary = GradeSummary(
        out=out,
        db_url=db_url,
        autograded=nbgrader_dir / "autograded",
        feedback=nbgrader_dir / "feedback",
    )
    if not os_sandbox:
        summary.warnings.append(UNSAFE_WARNING)
    start = time.perf_counter()

    subs, summary.anomalies = find_submissions(submissions, course)
    ids = sorted({s.assignment for s in subs})
    records_dir = out / "records"
    # a re-run with nothing new to grade starts no worker and no kernel zygote
    anything_to_grade = any(
        not _already_graded(read_record(records_dir / s.student / f"{s.assignment}.json"), s)
        for s in subs
    ) or (force and bool(subs))
    if anything_to_grade and executor is None:
        _start_forkserver()  # it imports nbgrader while this process sets up the gradebooks
    # what a learner's kernel may not touch, besides every poolcourse-grade* folder
    sandbox = safeguards.job_fields(
        limits,
        [*_protected_paths(course, submissions, out, db_url), summary.autograded, summary.feedback],
    )
    most = max((len(course.notebook_ids(a)) for a in ids), default=1)
    submission_timeout = max(submission_timeout, limits.notebook_timeout * most + 600)

    with (
        tempfile.TemporaryDirectory(prefix="poolcourse-grade-setup-") as setup,
        _executor(executor if anything_to_grade else None) as run_workers,
        _kernel_zygote(
            anything_to_grade and fork_kernels and executor is None, jobs, out / "records"
        ) as kernels,
    ):
        setup = Path(setup)
        with _scratch_sources(course, ids, setup) as source_root:
            if ids:
                # the template gradebook the workers copy, and the course gradebook:
                # both get the assignments from nbgrader generate_assignment
                run_generate_assignment(
                    source_root, ids, db_url=f"sqlite:///{setup / 'template.db'}"
                )
                summary.warnings += _check_release(source_root, course, ids)
                with gradebook_lock(db_url):
                    run_generate_assignment(source_root, ids, db_url=db_url)
                    stamp_alembic_version(db_url)

            zygote_socket = kernels.ready() if kernels else None
            todo, done = [], []
            for sub in subs:
                record_path = records_dir / sub.student / f"{sub.assignment}.json"
                fingerprint = sub.fingerprint()
                record = read_record(record_path)
                if not force and _already_graded(record, sub, fingerprint):
                    done.append(record)
                else:
                    todo.append(
                        {
                            "student": sub.student,
                            "assignment": sub.assignment,
                            "notebooks": [list(t) for t in sub.notebooks],
                            "folder": sub.folder,
                            "timestamp": sub.timestamp,
                            "fingerprint": fingerprint,
                            # a changed (or new) submission: its cells need a grader's review
                            "changed": not record or record.get("fingerprint") != fingerprint,
                            "source": str(course.solutions_dir / sub.assignment),
                            "template_db": str(setup / "template.db"),
                            "release": str(source_root / "release" / sub.assignment),
                            "out": str(out),
                            "autograded": str(summary.autograded),
                            "feedback": str(summary.feedback),
                            "record": str(record_path),
                            "jobs": jobs,
                            "grader_pid": os.getpid(),
                            # elsewhere (a Dask worker): whether to fork kernels from its zygote
                            "zygote": zygote_socket if executor is None else fork_kernels,
                            "os_sandbox": os_sandbox,
                            **sandbox,
                        }
                    )

            with _course_gradebook(db_url) as gb:
                for record in done:  # records a killed run wrote but did not apply
                    if record["status"] == "graded":
                        apply_record(gb, record, review=False)
                    summary.anomalies += _anomalies(record)
                summary.skipped = [f"{r['student']}/{r['assignment']}" for r in done]

                bar = report.Progress(len(todo), enabled=progress)
                # closing: an interrupt while a record is applied stops the workers now,
                # not when the generator is collected (they would go on writing records)
                with contextlib.closing(run_workers(todo, jobs, submission_timeout, bar)) as runs:
                    for job, record in runs:
                        key = f"{job['student']}/{job['assignment']}"
                        summary.anomalies += _anomalies(record)
                        if record.get("status") == "graded":
                            apply_record(gb, record, review=job["changed"])
                            summary.graded.append(key)
                        elif record.get("status") == "rejected":
                            summary.rejected.append(key)
                        else:
                            summary.failed.append(key)
                bar.close()

    summary.seconds = time.perf_counter() - start
    table = report.gradebook_scores(db_url, course.select(None))
    summary.csv = report.write_grades_csv(table, out / "grades.csv")
    summary.plot = report.plot_scores(table, out / "scores.png")
    report.write_anomalies_csv(summary.anomalies, out / "anomalies.csv")
    if roster is not None:
        from .canvas import write_canvas_csv

        summary.canvas, warnings = write_canvas_csv(table, roster, out / "canvas.csv")
        summary.warnings += warnings
    summary.table = report.format_table(table)
    _class_insight(summary, ids)
    return summary


def _class_insight(summary: GradeSummary, ids: Sequence[str]) -> None:
    """Write the class insight report (mistakes, items, look-alikes) and link it from ``summary``.

    The scores are stored already: a report that cannot be made is a warning, not a failure.
    """
    if not ids:
        return
    from ..insight import build_report

    try:
        insight = build_report(
            summary.db_url, summary.out, assignments=ids, autograded=summary.autograded
        )
    except Exception as err:
        summary.warnings.append(f"class insight report not written: {type(err).__name__}: {err}")
        return
    summary.insight, summary.insight_digest = insight.html, insight.text()


def _already_graded(record: dict | None, sub: Submission, fingerprint: str | None = None) -> bool:
    """Whether ``record`` is a finished grading of ``sub`` as it is now."""
    return bool(
        record
        and record.get("status") in ("graded", "rejected")
        and record.get("fingerprint") == (fingerprint or sub.fingerprint())
    )


class NoSandboxError(RuntimeError):
    """The OS sandbox is not usable and grading without it was not asked for."""


UNSAFE_WARNING = (
    "graded WITHOUT the OS sandbox (--unsafe-no-sandbox): learner code ran as the grader's "
    "user behind an audit hook only, which raw system calls get around"
)


def _os_sandbox(unsafe: bool) -> bool:
    """Whether this run's kernels and workers go into the OS sandbox (tried once, for real)."""
    from ..sandbox import bwrap

    reason = bwrap.probe()
    if reason is None:
        bwrap.use(True)
        return True
    if not unsafe:
        raise NoSandboxError(
            f"REFUSING TO GRADE: the OS sandbox for learner code is not usable here ({reason}). "
            "Without it a learner's code can read and change the instructor's files "
            "(solutions, gradebook, other submissions). Install bubblewrap "
            "(apt-get install bubblewrap) and allow user namespaces, or, knowing this, "
            "pass --unsafe-no-sandbox."
        )
    print(f"WARNING: {UNSAFE_WARNING} ({reason})", file=sys.stderr)
    bwrap.use(False)
    return False


def _anomalies(record: dict) -> list[Anomaly]:
    return [
        Anomaly(record["student"], record["assignment"], a["kind"], a["detail"])
        for a in record.get("anomalies", [])
    ]


def _protected_paths(course: Course, submissions, out: Path, db_url: str) -> list[Path]:
    """Paths a learner's kernel may not read or change (see :mod:`autograder.sandbox`).

    When ``submissions`` is a course folder holding ``submitted/`` (``grade .``),
    that ``submitted/`` is protected, not the whole folder: the course may be the
    repository, whose ``autograder`` and ``pooling_ref`` the kernel imports.
    """
    subs = Path(submissions).resolve()
    if (subs / "submitted").is_dir() and not any(subs.glob("*.ipynb")):
        subs = subs / "submitted"
    paths = [
        course.solutions_dir,
        course.root / ".git",
        PACKAGE_DIR / "course" / "data",  # sample solutions of the exercises
        subs,
        out,
    ]
    if db_url.startswith("sqlite:///"):
        paths.append(Path(db_url.removeprefix("sqlite:///")))
    return paths


@contextlib.contextmanager
def _scratch_sources(course: Course, ids: Sequence[str], setup: Path):
    root = setup / "course"
    for aid in ids:
        shutil.copytree(
            course.solutions_dir / aid,
            root / "source" / aid,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    root.mkdir(parents=True, exist_ok=True)
    yield root


@contextlib.contextmanager
def _executor(executor):
    """What grades the jobs: local worker processes, or ``executor`` (e.g. a Dask cluster)."""
    if executor is None:
        yield _run_workers
        return
    with executor as elsewhere:
        yield elsewhere.run


@contextlib.contextmanager
def _kernel_zygote(wanted: bool, jobs: int, logs: Path):
    """The zygote the kernels are forked from (None when not wanted or not supported)."""
    from ..sandbox import zygote

    if not (wanted and zygote.supported()):
        yield None
        return
    logs.mkdir(parents=True, exist_ok=True)
    with zygote.Zygote({**os.environ, **thread_settings(jobs)}, logs / "zygote.log") as kernels:
        yield kernels


def _context():
    """Workers are forked from a server that has nbgrader imported already (fast start)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(
        ["autograder.grading.pipeline", "nbgrader.converters", "nbgrader.api"]
    )
    return ctx


def _start_forkserver() -> None:
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


def _kill(proc) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.kill()
    proc.join(5)


def _run_workers(
    todo: list[dict], jobs: int, timeout: float, bar, retry: bool = True
) -> Iterable[tuple[dict, dict]]:
    """Run ``todo`` in at most ``jobs`` worker processes; yield (job, record) as each ends.

    A failed record is graded once more (:func:`_worth_a_retry`) unless ``retry``
    is False (a Dask worker: the parent retries, possibly elsewhere).
    """
    if not todo:
        return
    ctx = _context()
    pending = list(todo)
    running: dict[object, tuple[object, dict, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                job = pending.pop(0)
                Path(job["record"]).unlink(missing_ok=True)
                proc = ctx.Process(target=_worker_main, args=(job,), daemon=False)
                proc.start()
                running[proc.sentinel] = (proc, job, time.monotonic())
            bar.update(running=len(running))
            ready = multiprocessing.connection.wait(list(running), timeout=1.0)
            now = time.monotonic()
            finished = []
            for sentinel in list(running):
                proc, job, started = running[sentinel]
                if sentinel in ready:
                    proc.join()
                    record = read_record(Path(job["record"]))
                    if record is None or record.get("fingerprint") != job["fingerprint"]:
                        record = _failed_record(
                            job,
                            "worker-died",
                            f"worker exited with code {proc.exitcode} without a result",
                        )
                elif now - started > timeout:
                    _kill(proc)
                    record = _failed_record(
                        job, "timeout", f"killed after {timeout:.0f} s (whole-submission limit)"
                    )
                else:
                    continue
                del running[sentinel]
                finished.append((job, record))
            for job, record in finished:
                if retry and _worth_a_retry(job, record):
                    # a grader-side failure (a kernel that did not start in time on a
                    # loaded machine, a worker that died): grade it once more, afresh
                    pending.append({**job, "attempt": job.get("attempt", 1) + 1})
                    continue
                bar.update(
                    done=1,
                    failed=record.get("status") not in ("graded", "rejected"),
                    running=min(jobs, len(running) + len(pending)),
                )
                yield job, record
    finally:
        for proc, _, _ in running.values():
            _kill(proc)


GRADING_ATTEMPTS = 2  # a failed submission is graded once more before it is reported failed


def _worth_a_retry(job: dict, record: dict) -> bool:
    """A failed record is retried, unless it ran out of the whole-submission time
    (a runaway submission would only cost that time twice) or had its attempts."""
    if record.get("status") != "failed" or job.get("attempt", 1) >= GRADING_ATTEMPTS:
        return False
    return not any(a.get("kind") == "timeout" for a in record.get("anomalies", []))


def _failed_record(job: dict, kind: str, detail: str) -> dict:
    record = {
        "student": job["student"],
        "assignment": job["assignment"],
        "fingerprint": job["fingerprint"],
        "status": "failed",
        "anomalies": [{"kind": kind, "detail": detail}],
        "finished": dt.datetime.now(dt.UTC).isoformat(),
    }
    write_json_atomic(Path(job["record"]), record)
    return record
