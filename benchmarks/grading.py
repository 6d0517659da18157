"""Grading throughput: plain serial ``nbgrader autograde`` vs ``autograder grade --jobs 2``.

Both grade the same 16 submissions, copies of the bundled sample students
(:mod:`autograder.samples`) spread over the course's assignments, in a
throw-away copy of the course:

* nbgrader: ``nbgrader generate_assignment`` (untimed, it fills the gradebook),
  then ``nbgrader autograde <assignment>`` for each assignment, timed;
* autograder: ``python -m autograder grade SUBMISSIONS --jobs 2``, timed from
  start to end, so it includes its own set-up, the HTML feedback, grades.csv
  and the plot (work plain autograde does not do).

Prints seconds per submission for each, the throughput ratio, and whether
every run gave the same scores. A benchmark, not a test: the numbers depend
on the machine and its load (``--rounds 2`` alternates the order, ABBA, so
that a load change hits both alike).

Usage::

    python benchmarks/grading.py [--submissions 16] [--jobs 2] [--rounds 2] [ASSIGNMENT ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import autograder  # noqa: F401  (quiet TensorFlow first)
from autograder.course.assignments import Course, ensure_bin_on_path, write_course_config
from autograder.course.samples import STUDENTS, sample_notebook
from autograder.grading.demo import build_demo_course
from autograder.grading.report import autograde_results


def build_submissions(course: Course, dest: Path, count: int) -> list[tuple[str, str]]:
    """``count`` submissions: sample student ``i % 5`` on assignment ``i % n``, nbgrader layout."""
    import nbformat

    ids = course.assignments()
    made = []
    for i in range(count):
        student, aid = STUDENTS[i % len(STUDENTS)], ids[i % len(ids)]
        name = f"s{i:02d}_{student.name}"
        for nb_id in course.notebook_ids(aid):
            path = dest / name / aid / f"{nb_id}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(sample_notebook(course, aid, nb_id, student), path)
        made.append((name, aid))
    return made


def run(cmd, cwd) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{proc.stdout}\n{proc.stderr}")
    return seconds


def serial_nbgrader(tmp: Path, course: Course, subs: Path, ids, k: int) -> tuple[float, str]:
    """Plain nbgrader in its own copy of the course: generate (untimed), autograde (timed)."""
    bindir = Path(sys.executable).parent
    root = tmp / f"serial{k}"
    shutil.copytree(course.solutions_dir, root / "solutions")
    write_course_config(root)
    shutil.copytree(subs, root / "submitted")
    for aid in ids:
        run([bindir / "nbgrader", "generate_assignment", aid, "--force"], root)
    seconds = sum(run([bindir / "nbgrader", "autograde", aid], root) for aid in ids)
    return seconds, f"sqlite:///{root / 'gradebook.db'}"


def parallel_grade(tmp: Path, course: Course, subs: Path, jobs: int, k: int) -> tuple[float, str]:
    """``python -m autograder grade`` from scratch (own gradebook and output folder), timed."""
    db = f"sqlite:///{tmp / f'parallel{k}.db'}"
    seconds = run(
        [sys.executable, "-m", "autograder", "grade", str(subs), "--course", str(course.root),
         "--jobs", str(jobs), "--quiet", "--db", db, "--out", str(tmp / f"out{k}")],
        tmp,
    )  # fmt: skip
    return seconds, db


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment of the course")
    parser.add_argument("--submissions", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="2 or more: alternate the order (nbgrader, ours, ours, nbgrader, ...) so that a "
        "change in the machine's load hits both alike; times are summed",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    ensure_bin_on_path()
    repo = Course()
    if not repo.assignments():
        print("no notebooks in solutions/ yet: nothing to benchmark")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="poolcourse-bench-"))
    try:
        course = build_demo_course(repo, tmp, args.assignments or None)
        subs = tmp / "submissions"
        made = build_submissions(course, subs, args.submissions)
        ids = sorted({aid for _, aid in made})
        n = len(made)
        print(f"{n} submissions over {len(ids)} assignment(s): {', '.join(ids)}")
        print(f"cores: {os.cpu_count()}")
        ours = f"autograder grade --jobs {args.jobs}"
        totals = {"nbgrader autograde (serial)": 0.0, ours: 0.0}
        gradebooks = []
        for k in range(args.rounds):
            order = ["serial", "parallel"] if k % 2 == 0 else ["parallel", "serial"]
            for what in order:
                load = os.getloadavg()[0]
                if what == "serial":
                    label = "nbgrader autograde (serial)"
                    seconds, db = serial_nbgrader(tmp, course, subs, ids, k)
                else:
                    label = ours
                    seconds, db = parallel_grade(tmp, course, subs, args.jobs, k)
                totals[label] += seconds
                gradebooks.append(autograde_results(db))
                print(
                    f"  round {k + 1}: {label:<30} {seconds:7.1f} s  "
                    f"{seconds / n:6.2f} s/submission  (load average before: {load:.2f})"
                )
        print(f"total over {args.rounds} round(s):")
        for label, seconds in totals.items():
            runs = n * args.rounds
            print(f"  {label:<30} {seconds:7.1f} s  {seconds / runs:6.2f} s/submission")
        ratio = totals["nbgrader autograde (serial)"] / totals[ours]
        print(f"throughput ratio: {ratio:.2f}x nbgrader's")
        same = all(rows == gradebooks[0] for rows in gradebooks)
        print(f"same scores in every run: {'yes' if same else 'NO'} ({len(gradebooks[0])} cells)")
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
