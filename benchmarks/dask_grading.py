"""Grading on Dask: ``grade --dask local:2`` against ``grade --jobs 2``, and Dask's own cost.

Both grade the same submissions (the bundled sample students spread over the
course's assignments, as ``benchmarks/grading.py`` builds them) in a
throw-away copy of the course, from scratch (own gradebook and output
folder), timed from start to end as an instructor runs them:

* ``python -m autograder grade SUBMISSIONS --jobs 2``;
* ``python -m autograder grade SUBMISSIONS --dask local:2`` (a LocalCluster of
  two single-threaded worker processes; each has its own forkserver and zygote).

``--rounds 2`` runs them ABBA so that a change of load hits both alike. Then it
measures what Dask adds, apart from grading:

* start-up: connecting to a fresh ``local:2`` cluster, checking its workers
  and warming them (what ``grade --dask`` does before the first submission);
* per task: the round trip of a task carrying a submission-sized payload in
  and a result-sized payload (autograded notebook + HTML feedback) out.

A benchmark, not a test: the numbers depend on the machine and its load.

Usage::

    python benchmarks/dask_grading.py [--submissions 16] [--rounds 2] [ASSIGNMENT ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import autograder  # noqa: F401  (quiet TensorFlow first)
from autograder.course.assignments import Course, ensure_bin_on_path
from autograder.grading.demo import build_demo_course
from autograder.grading.report import autograde_results

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading import build_submissions, run  # benchmarks/grading.py


def grade_cli(tmp: Path, course: Course, subs: Path, how: list[str], tag: str):
    db = f"sqlite:///{tmp / f'{tag}.db'}"
    seconds = run(
        [sys.executable, "-m", "autograder", "grade", str(subs), "--course", str(course.root),
         *how, "--quiet", "--db", db, "--out", str(tmp / f"out-{tag}")],
        tmp,
    )  # fmt: skip
    return seconds, db


def _echo(payload: bytes, size: int) -> bytes:
    return payload[:1] * size


def dask_costs(payload_in: int, payload_out: int, tasks: int) -> tuple[float, list[float]]:
    """(start-up seconds of a local:2 cluster, round-trip seconds of each task)."""
    from autograder.grading.distributed import DaskCluster

    start = time.perf_counter()
    with DaskCluster("local:2", fork_kernels=True) as cluster:
        startup = time.perf_counter() - start
        client = cluster.client
        trips = []
        for i in range(tasks):
            payload = os.urandom(payload_in)
            t = time.perf_counter()
            client.submit(_echo, payload, payload_out, pure=False, key=f"echo-{i}").result()
            trips.append(time.perf_counter() - t)
    return startup, trips


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment of the course")
    parser.add_argument("--submissions", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    ensure_bin_on_path()
    repo = Course()
    tmp = Path(tempfile.mkdtemp(prefix="poolcourse-bench-dask-"))
    try:
        course = build_demo_course(repo, tmp, args.assignments or None)
        subs = tmp / "submissions"
        made = build_submissions(course, subs, args.submissions)
        n = len(made)
        print(f"{n} submissions over {len({a for _, a in made})} assignment(s); "
              f"cores: {os.cpu_count()}")  # fmt: skip
        runs = {"--jobs 2": ["--jobs", "2"], "--dask local:2": ["--dask", "local:2"]}
        totals = dict.fromkeys(runs, 0.0)
        gradebooks = []
        for k in range(args.rounds):
            order = list(runs) if k % 2 == 0 else list(reversed(runs))
            for label in order:
                load = os.getloadavg()[0]
                seconds, db = grade_cli(tmp, course, subs, runs[label], f"{k}{label[2:6]}")
                totals[label] += seconds
                gradebooks.append(autograde_results(db))
                print(f"  round {k + 1}: {label:<16} {seconds:7.1f} s  {seconds / n:6.2f} "
                      f"s/submission  (load average before: {load:.2f})")  # fmt: skip
        ratio = totals["--jobs 2"] / totals["--dask local:2"]
        print(f"throughput of --dask local:2 / --jobs 2: {ratio:.2f}")
        same = all(rows == gradebooks[0] for rows in gradebooks)
        print(f"same scores in every run: {'yes' if same else 'NO'} ({len(gradebooks[0])} cells)")

        # what a task carries: the submission in, the autograded notebook + feedback out
        out = next(p for p in tmp.glob("out-0dask") if p.is_dir())
        sizes_in = [p.stat().st_size for p in subs.rglob("*.ipynb")]
        sizes_out = [
            sum(p.stat().st_size for p in d.iterdir())
            for kind in ("autograded", "feedback")
            for d in (out / kind).glob("*/*")
        ]
        size_in = int(statistics.median(sizes_in))
        size_out = int(2 * statistics.median(sizes_out))
        startup, trips = dask_costs(size_in, size_out, 20)
        print(f"Dask start-up (local:2 cluster, worker checks, warm-up): {startup:.1f} s")
        trip = statistics.median(trips) * 1e3
        print(f"Dask round trip of a task ({size_in / 1e3:.0f} kB in, {size_out / 1e3:.0f} kB "
              f"out): median {trip:.0f} ms over {len(trips)}")  # fmt: skip
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
