"""Grading throughput: plain serial ``nbgrader autograde`` vs ``autograder grade --jobs 2``.

Both grade the same 16 submissions, copies of the bundled sample students
(:mod:`autograder.samples`) spread over the course's assignments, in a
throw-away copy of the course:

* nbgrader: ``nbgrader generate_assignment`` (untimed, it fills the gradebook),
  then ``nbgrader autograde <assignment>`` for each assignment, timed;
* autograder: ``python -m autograder grade SUBMISSIONS --jobs 2``, timed from
  start to end, so it includes its own set-up, the HTML feedback, grades.csv
  and the plot (work plain autograde does not do).

Prints seconds per submission for each and the throughput ratio. A benchmark,
not a test: the numbers depend on the machine and its load.

Usage::

    python benchmarks/grading.py [--submissions 16] [--jobs 2] [ASSIGNMENT ...]
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
from autograder.course import Course, ensure_bin_on_path, write_course_config
from autograder.demo import build_demo_course
from autograder.report import autograde_results
from autograder.samples import STUDENTS, sample_notebook


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment of the course")
    parser.add_argument("--submissions", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    ensure_bin_on_path()
    repo = Course()
    if not repo.assignments():
        print("no notebooks in solutions/ yet: nothing to benchmark")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="poolcourse-bench-"))
    bindir = Path(sys.executable).parent
    try:
        course = build_demo_course(repo, tmp, args.assignments or None)
        subs = tmp / "submissions"
        made = build_submissions(course, subs, args.submissions)
        ids = sorted({aid for _, aid in made})
        n = len(made)
        print(f"{n} submissions over {len(ids)} assignment(s): {', '.join(ids)}")
        print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")

        # serial nbgrader, in its own copy of the course
        serial = tmp / "serial"
        shutil.copytree(course.solutions_dir, serial / "solutions")
        write_course_config(serial)
        shutil.copytree(subs, serial / "submitted")
        for aid in ids:
            run([bindir / "nbgrader", "generate_assignment", aid, "--force"], serial)
        t_serial = sum(run([bindir / "nbgrader", "autograde", aid], serial) for aid in ids)
        print(
            f"nbgrader autograde (serial):      {t_serial:7.1f} s  {t_serial / n:6.2f} s/submission"
        )

        t_par = run(
            [sys.executable, "-m", "autograder", "grade", str(subs), "--course", str(course.root),
             "--jobs", str(args.jobs), "--quiet", "--out", str(tmp / "out")],
            tmp,
        )  # fmt: skip
        label = f"autograder grade --jobs {args.jobs}"
        print(f"{label:<32} {t_par:7.1f} s  {t_par / n:6.2f} s/submission")
        print(f"throughput ratio: {t_serial / t_par:.2f}x nbgrader's")
        serial_rows = autograde_results(f"sqlite:///{serial / 'gradebook.db'}")
        same = serial_rows == autograde_results(f"sqlite:///{course.root / 'gradebook.db'}")
        print(f"same scores as nbgrader: {'yes' if same else 'NO'} ({len(serial_rows)} cells)")
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
