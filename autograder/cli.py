"""The command line: ``python -m autograder {generate,validate,grade,report,demo,...}``.

Examples
--------
::

    python -m autograder generate            # notebooks/ <- solutions/ (nbgrader)
    python -m autograder generate --check    # fail if notebooks/ or solutions/ would change
    python -m autograder validate --jobs 2   # solutions pass all tests, students none
    python -m autograder grade submitted/ --jobs 2
    python -m autograder grade lms_export/ --db postgresql://grader@db/poolcourse
    python -m autograder grade submitted/ --dask tcp://10.0.0.5:8786   # on a Dask cluster
    python -m autograder gradescope out/poolcourse.zip   # a Gradescope autograder bundle
    python -m autograder report --db postgresql://grader@db/poolcourse --out grading-output
    python -m autograder demo                # a throw-away course, graded end to end
    python -m autograder generate --graded   # for a graded class: no solutions in the package
    python -m autograder setup-cell          # (re)insert each source notebook's set-up cell

A learner's commands::

    python -m autograder notebooks ~/poolcourse   # a fresh set of notebooks to work in
    python -m autograder progress                 # self-checks passed, hints revealed, total
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .course.assignments import REPO_ROOT, Course, ensure_bin_on_path
from .insight.similarity import THRESHOLD
from .sandbox.kernels import Limits
from .selfstudy import SelfStudyError


def _course(args) -> Course:
    root = Path(args.course).resolve()
    if not (root / "solutions").is_dir():
        raise SystemExit(f"error: no solutions/ folder in the course. Received: --course={root}")
    return Course(root)


def _positive(option: str):
    """An argparse type: an int of at least 1 (the message names ``option``)."""

    def parse(value: str) -> int:
        number = int(value)
        if number < 1:
            raise argparse.ArgumentTypeError(f"must be at least 1. Received: {option}={value}")
        return number

    return parse


_jobs = _positive("--jobs")


def _share(value: str) -> float:
    """An argparse type: a number in (0, 1] (look-alike threshold)."""
    number = float(value)
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1]. Received: --threshold={value}")
    return number


def cmd_generate(args) -> int:
    from .course.assignments import generate

    course = _course(args)
    report = generate(course, args.assignments, check=args.check, graded=args.graded)
    print(report.summary(course.root))
    if not course.assignments():
        print(f"(no notebooks in {course.solutions_dir})")
    return 0 if report.ok else 1


def cmd_setup_cell(args) -> int:
    from .course.learner import ensure_setup_cells

    course = _course(args)
    changed = ensure_setup_cells(course, check=args.check)
    verb = "would change" if args.check else "set-up cell written"
    for path in changed:
        print(f"  {verb}: {path.relative_to(course.root)}")
    if not changed:
        print("setup-cell: every source notebook starts with the current set-up cell")
    elif not args.check:
        print("now run `python -m autograder generate`")
    return 1 if args.check and changed else 0


def cmd_notebooks(args) -> int:
    from .course.learner import copy_notebooks

    dest = Path(args.dest).expanduser().resolve()
    written = copy_notebooks(dest, overwrite=args.overwrite)
    for path in written:
        print(f"  {path}")
    kept = "" if args.overwrite else " (notebooks already there are kept: --overwrite replaces)"
    print(f"notebooks: {len(written)} notebook(s) copied to {dest}{kept}")
    print(f"work there: jupyter lab --notebook-dir={dest}")
    return 0


def cmd_progress(args) -> int:
    from . import selfstudy

    print(selfstudy.progress_text())
    return 0


def cmd_validate(args) -> int:
    from .course.assignments import validate

    course = _course(args)
    ids = course.select(args.assignments)
    if not ids:
        print(f"validate: no notebooks in {course.solutions_dir}")
        return 0
    print(f"validate: {len(ids)} assignment(s), {args.jobs} at once ...", flush=True)
    start = time.perf_counter()
    results = validate(course, ids, jobs=args.jobs)
    for result in results:
        print(result.line(course.root))
    bad = [r for r in results if not r.ok]
    seconds = time.perf_counter() - start
    if bad:
        print(f"validate: {len(bad)} of {len(results)} notebook(s) FAILED ({seconds:.0f} s)")
        return 1
    print(f"validate: all {len(results)} notebook(s) as expected ({seconds:.0f} s)")
    return 0


def cmd_grade(args) -> int:
    from .grading import pipeline

    grade = pipeline.grade
    if args.dask:
        from functools import partial

        from .grading import distributed

        grade = partial(distributed.grade, dask=args.dask)

    course = _course(args)
    limits = Limits(
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        memory_mb=args.memory_mb,
        max_output_chars=args.max_output,
    )
    summary = grade(  # NoSandboxError (a RuntimeError): main prints it, exit code 2
        args.submissions,
        course=course,
        jobs=args.jobs,
        db_url=args.db,
        out=args.out,
        force=args.force,
        progress=not args.quiet,
        limits=limits,
        fork_kernels=not args.no_fork_kernels,
        canvas_ids=args.canvas_ids,
        canvas_id_column=args.canvas_id_column,
        unsafe_no_sandbox=args.unsafe_no_sandbox,
    )
    print(summary.text())
    return 0 if summary.ok else 1


def cmd_gradescope(args) -> int:
    from .grading.gradescope import build_bundle

    path = build_bundle(args.out, course=_course(args), assignment=args.assignment)
    print(f"gradescope: {path} (upload it as the assignment's autograder; see docs/cluster.md)")
    return 0


def cmd_report(args) -> int:
    from .insight import build_report

    root = Path(args.course).resolve()
    db_url = args.db or f"sqlite:///{root / 'gradebook.db'}"
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///") :]).is_file():
        raise FileNotFoundError(
            f"no gradebook there (grade a class first). Received: --db={db_url}"
        )
    # the same folders `grade` writes: --out holds everything, else the course's own folders
    out = Path(args.out) if args.out else root / "grading-output"
    autograded = out / "autograded" if args.out else root / "autograded"
    report = build_report(
        db_url,
        out,
        assignments=args.assignments or None,
        dest=args.dest,
        threshold=args.threshold,
        autograded=autograded,
    )
    if not report.notebooks:
        print(f"report: no graded submissions in {db_url}")
    print(report.text())
    return 0


def cmd_demo(args) -> int:
    from .grading.demo import run_demo

    return run_demo(
        course=_course(args), jobs=args.jobs, keep=args.keep, assignments=args.assignments
    )


def build_parser() -> argparse.ArgumentParser:
    default_jobs = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description=(
            "Instructor tools for the poolcourse nbgrader course: generate the student "
            "notebooks, validate them, grade a class in parallel, report on a graded class, "
            "run a demo. Learners: `notebooks DIR` copies a fresh set to work in, `progress` "
            "shows your self-checks."
        ),
        epilog="Run `python -m autograder <command> --help` for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    def add(name, help, func, description):
        p = sub.add_parser(name, help=help, description=description)
        p.add_argument(
            "--course",
            default=str(REPO_ROOT),
            metavar="DIR",
            help="course directory holding solutions/ and notebooks/ (default: this repository)",
        )
        p.set_defaults(func=func)
        return p

    p = add(
        "generate",
        "regenerate notebooks/ from solutions/ (nbgrader generate_assignment)",
        cmd_generate,
        "Regenerate the student notebooks notebooks/<id>/<id>.ipynb from "
        "solutions/<id>/<id>.ipynb with nbgrader generate_assignment. Deterministic: an "
        "unchanged source gives a byte-identical student notebook. Also strips the "
        "solution notebooks (outputs, execution counts, kernelspec).",
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if solutions/ or notebooks/ would change",
    )
    p.add_argument(
        "--graded",
        action="store_true",
        help="build for a graded class: the package's self-study data then holds no "
        "solutions, outlines or model answers (default: the self-study edition)",
    )

    p = add(
        "setup-cell",
        "make each source notebook start with the set-up cell (idempotent)",
        cmd_setup_cell,
        "Insert (or update) the first cell of every solutions/<id>/<id>.ipynb: the set-up "
        "cell that installs the course where it is missing (Colab, a bare JupyterHub) and "
        "imports autograder.selfstudy. Every other cell stays byte-identical. Run "
        "`generate` afterwards.",
    )
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if outdated")

    p = add(
        "validate",
        "solutions pass all their tests, student notebooks pass none",
        cmd_validate,
        "Run `nbgrader validate` on every solution notebook (must pass every test) and "
        "`nbgrader validate --invert` on every student notebook (must pass none). "
        "Exit 1 if any notebook does not behave.",
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=default_jobs,
        help=f"notebooks run at once (default: {default_jobs}, the number of cores)",
    )

    p = add(
        "grade",
        "autograde a class in parallel into the nbgrader gradebook",
        cmd_grade,
        "Autograde SUBMISSIONS with nbgrader's autograde machinery (locked and test "
        "cells restored from the gradebook, hidden tests put back), N submissions at "
        "once, each in its own process and scratch folder. Grades go to nbgrader's "
        "gradebook, autograded notebooks and HTML feedback to the course's autograded/ and "
        "feedback/ (for the formgrader), grades.csv and a score-distribution plot to "
        "<course>/grading-output (or all of it to --out). "
        "Re-running grades only what is missing; submissions are never modified. "
        "Learner code runs in a sandboxed kernel with time, memory and output limits; "
        "broken notebooks are repaired or rejected, implementation exercises re-checked "
        "out of the learner's reach; the run ends with a table of anomalies per student "
        "(also anomalies.csv). See docs/grading_hostile.md.",
    )
    p.add_argument(
        "submissions",
        metavar="SUBMISSIONS",
        help=(
            "nbgrader layout <dir>/<student>/<assignment>/<notebook>.ipynb, or a flat "
            "folder of <student>_<notebook>.ipynb files as exported by an LMS"
        ),
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=default_jobs,
        help=f"submissions graded at once (default: {default_jobs}, the number of cores)",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help=(
            "gradebook as an SQLAlchemy URL, e.g. postgresql://user:password@host/poolcourse "
            "(needs pip install 'poolcourse[postgres]'; the password is never printed). "
            "Default: the course's CourseDirectory.db_url, else sqlite:///<course>/gradebook.db"
        ),
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="where grades.csv, the plot, anomalies.csv and the per-submission records go "
        "(default: <course>/grading-output, with the autograded notebooks and feedback in "
        "the course's autograded/ and feedback/, where nbgrader's formgrader and "
        "release_feedback look); with --out, those go to DIR/autograded and DIR/feedback",
    )
    p.add_argument(
        "--force", action="store_true", help="regrade everything, not only what is missing"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="grade on a Dask cluster instead of --jobs local processes: a scheduler address "
        "such as tcp://10.0.0.5:8786 (workers need poolcourse[dask] installed, no shared "
        "folder), or local:N for N worker processes on this machine. See docs/cluster.md",
    )
    p.add_argument(
        "--canvas-ids",
        metavar="MAP.csv",
        default=None,
        help="also write canvas.csv for Canvas' gradebook import (one column per assignment); "
        "MAP.csv holds Canvas' Student, ID, SIS User ID, SIS Login ID, Section columns (a "
        "Canvas gradebook export will do) and a column with this grader's student ids",
    )
    p.add_argument(
        "--canvas-id-column",
        metavar="COLUMN",
        default=None,
        help="the column of MAP.csv holding this grader's student ids (default: 'poolcourse' "
        "or 'student' if present, else 'SIS Login ID')",
    )
    p.add_argument(
        "--no-fork-kernels",
        action="store_true",
        help="start every kernel afresh instead of forking it from a process that has "
        "imported TensorFlow once (slower; the same scores)",
    )
    p.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="grade even when the OS sandbox (bubblewrap) is not usable here: learner code "
        "then runs as your user behind a Python audit hook only (NOT a security boundary)",
    )
    limits = Limits()
    for option, metavar, default, what in [
        ("--cell-timeout", "S", limits.cell_timeout, "seconds one cell may run; it then gets 0"),
        ("--notebook-timeout", "S", int(limits.notebook_timeout),
         "seconds one notebook may run; cells after that get 0"),
        ("--memory-mb", "MB", limits.memory_mb, "memory (address space) of a learner's kernel"),
        ("--max-output", "N", limits.max_output_chars, "characters of output one cell keeps"),
    ]:  # fmt: skip
        p.add_argument(
            option,
            type=_positive(option),
            default=default,
            metavar=metavar,
            help=f"{what} (default: {default})",
        )

    p = add(
        "gradescope",
        "build a Gradescope autograder bundle (.zip) that grades with this grader",
        cmd_gradescope,
        "Write Gradescope's autograder zip: setup.sh (installs this grader), "
        "run_autograder (grades /autograder/submission with the same sandbox, limits and "
        "re-check as `grade`, writes /autograder/results/results.json: one test per "
        "autograded cell, cells with hidden tests shown after grades are published) and "
        "the course's source notebooks.",
    )
    p.add_argument("out", metavar="OUT.zip", help="the bundle to write")
    p.add_argument(
        "--assignment",
        metavar="ID",
        default=None,
        help="grade every submission as this assignment, whatever the notebook's file name "
        "(one Gradescope assignment per notebook; default: told by the notebook's name)",
    )

    p = add(
        "report",
        "class insight of a graded class: common mistakes, item analysis, look-alikes",
        cmd_report,
        "Read the gradebook and the autograded notebooks of a class graded earlier (grade "
        "writes this report too) and write <out>/insight/: report.html (one self-contained "
        "page), mistakes.csv (learners per named mistake, failing case group and unexplained "
        "failure), items.csv and plots (per graded cell: mean, full/partial/zero shares, "
        "discrimination, cells nobody or everybody passes), look_alikes.csv (pairs of "
        "learners whose implementation cells are alike once names, whitespace and comments "
        "are normalised; the starter code left out; a flag for the instructor, never a "
        "penalty). No learner code runs.",
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all graded")
    p.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="the gradebook, an SQLAlchemy URL (default: sqlite:///<course>/gradebook.db)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="grade's --out folder, holding autograded/ (default: <course>/grading-output)",
    )
    p.add_argument(
        "--dest", metavar="DIR", default=None, help="where the report goes (default: <out>/insight)"
    )
    p.add_argument(
        "--threshold",
        type=_share,
        default=THRESHOLD,
        metavar="X",
        help=f"flag look-alike pairs from this similarity on, 0 < X <= 1 (default: {THRESHOLD})",
    )

    p = add(
        "demo",
        "grade sample submissions in a throw-away course",
        cmd_demo,
        "Build a throw-away course in a temporary folder, generate the student "
        "notebooks, grade a bundled set of sample submissions (a correct one written "
        "differently from the solution, a blank one, partially correct ones with "
        "typical mistakes), print the gradebook table and where feedback and plot are.",
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    p.add_argument(
        "--jobs", "-j", type=_jobs, default=default_jobs, help="submissions graded at once"
    )
    p.add_argument(
        "--keep",
        metavar="DIR",
        default=None,
        help="build the demo course in DIR and keep it (default: a temporary folder)",
    )
    p = sub.add_parser(
        "notebooks",
        help="copy a fresh set of student notebooks to a folder (learners)",
        description="Copy the course's student notebooks into DEST/<id>/<id>.ipynb, to work "
        "in there rather than in the repository's tracked notebooks/. Notebooks already in "
        "DEST are kept unless --overwrite.",
    )
    p.add_argument("dest", metavar="DEST", help="folder to copy the notebooks into")
    p.add_argument("--overwrite", action="store_true", help="replace notebooks already there")
    p.set_defaults(func=cmd_notebooks)

    p = sub.add_parser(
        "progress",
        help="your self-check results and revealed hints/solutions (learners)",
        description="Show, across the notebooks, which exercises passed your last "
        "self-check, which hints and solutions you revealed, and a rough total "
        "(from ~/.poolcourse/progress.json or $POOLCOURSE_HOME/progress.json).",
    )
    p.set_defaults(func=cmd_progress)
    return parser


def _without_password(text: str, args) -> str:
    """``text`` with the password of ``--db`` (if any) replaced by ``***``."""
    from sqlalchemy.engine import make_url

    db = getattr(args, "db", None)
    if not db:
        return text
    try:
        password = make_url(db).password
    except Exception:
        password = None
    from .grading.pipeline import mask_password

    text = text.replace(db, mask_password(db))
    return text.replace(password, "***") if password else text


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m autograder`` and ``poolcourse-grade``."""
    ensure_bin_on_path()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError, RuntimeError, SelfStudyError) as err:
        print(f"error: {_without_password(str(err), args)}", file=sys.stderr)
        return 2
    except Exception as err:
        if not type(err).__module__.startswith("sqlalchemy"):
            raise
        # the gradebook's database refused (unreachable, wrong password, ...)
        print(f"error: gradebook: {_without_password(str(err), args)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: re-run the same command to continue where it stopped", file=sys.stderr)
        return 130
