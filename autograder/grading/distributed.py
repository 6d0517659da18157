"""Grade on a Dask cluster: the work unit travels (``grade --dask ADDRESS``).

:func:`autograder.grading.pipeline.grade` hands each submission to
:func:`autograder.grading.pipeline.grade_submission` in a worker process of its
own. With ``--dask`` the same happens on a Dask worker (the Dask project's
``distributed`` scheduler, the optional extra ``poolcourse[dask]``):

* what a worker needs travels with the task: the submission's bytes (its
  notebooks and the other files of its folder) and its assignment's (the
  source and release folders, the template gradebook). Workers need no shared
  filesystem, only the same installed grader (checked before anything is
  graded);
* on the worker, :func:`_grade_remote` writes them to a ``poolcourse-grade-*``
  scratch folder and runs the local machinery on them unchanged
  (:func:`pipeline._run_workers` with one job: a process of its own, the
  sandboxed kernels forked from a zygote the worker keeps, the limits, the
  trusted re-check, the whole-submission timeout);
* the record, autograded notebooks, HTML feedback and the worker's log travel
  back; the parent places them exactly where a local worker would have
  (record last), and stays the only writer of the gradebook. So resuming a
  killed run works as locally;
* a Dask worker that dies mid-task costs that task only: the scheduler runs
  it again on another worker; a task that still fails (or a grading that
  failed) is graded once more, as locally, then reported ``failed``.

``--dask local:N`` starts a ``LocalCluster`` of N single-threaded worker
processes on this machine.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import importlib.metadata
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path

from ..course.assignments import PACKAGE_DIR, REPO_ROOT
from . import pipeline

#: How long to try reaching a scheduler, and to wait for its first worker (seconds).
CONNECT_TIMEOUT = 20.0

_LOCAL = re.compile(r"^local:(\d+)$")
_ADDRESS = re.compile(r"^[a-z][a-z0-9+]*://\S+$")


class DaskError(RuntimeError):
    """The cluster cannot be used (nothing was graded on it)."""


def parse_address(address: str) -> tuple[str, int | None]:
    """``"local:N"`` -> ("local", N); a scheduler address -> (address, None).

    Raises
    ------
    ValueError
        Anything else, or ``local:0``.
    """
    match = _LOCAL.match(address.strip())
    if match:
        workers = int(match.group(1))
        if workers < 1:
            raise ValueError(f"local:N needs at least one worker. Received: --dask={address}")
        return "local", workers
    if _ADDRESS.match(address.strip()):
        return address.strip(), None
    raise ValueError(
        "--dask takes a scheduler address such as tcp://10.0.0.5:8786, or local:N for a "
        f"cluster of N worker processes on this machine. Received: --dask={address}"
    )


def code_fingerprint() -> str:
    """sha256 over the grader's code (autograder, pooling_ref) and nbgrader's version.

    Parent and workers must agree: a worker with another grader would store
    other scores.
    """
    h = hashlib.sha256(f"nbgrader {importlib.metadata.version('nbgrader')}\0".encode())
    for package in (PACKAGE_DIR, PACKAGE_DIR.parent / "pooling_ref"):
        for path in sorted(package.rglob("*.py")):
            h.update(str(path.relative_to(package.parent)).encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


# --------------------------------------------------------------------------- the parent


def grade(submissions, *, dask: str, **kwargs) -> pipeline.GradeSummary:
    """:func:`autograder.grading.pipeline.grade` on the Dask cluster ``dask``.

    ``dask`` is a scheduler address (``tcp://10.0.0.5:8786``) or ``local:N``;
    the other arguments are :func:`~autograder.grading.pipeline.grade`'s. The
    same scores, anomalies, records and feedback as a local run. Raises
    :class:`DaskError` (nothing graded, nothing touched) when the cluster
    cannot be used.
    """
    cluster = DaskCluster(dask, fork_kernels=kwargs.get("fork_kernels", True))
    return pipeline.grade(submissions, executor=cluster, **kwargs)


class DaskCluster:
    """A connection to a Dask scheduler (or a LocalCluster), checked before use.

    Use as a context manager; :meth:`run` is the Dask counterpart of
    :func:`pipeline._run_workers`.
    """

    def __init__(
        self,
        address: str,
        *,
        fork_kernels: bool = True,
        connect_timeout: float | None = None,
    ):
        self.address, self.local_workers = parse_address(address)
        self.fork_kernels = fork_kernels
        self.connect_timeout = connect_timeout or CONNECT_TIMEOUT
        self.threads_per_host: dict[str, int] = {}
        self.client = None
        self._cluster = None

    def __enter__(self) -> DaskCluster:
        try:
            import distributed
        except ImportError as exc:
            raise DaskError(
                "--dask needs the Dask distributed package, which is not installed here: "
                "pip install 'poolcourse[dask]'"
            ) from exc
        try:
            if self.local_workers:
                self._cluster = distributed.LocalCluster(
                    n_workers=self.local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    host="127.0.0.1",
                )
                self.client = distributed.Client(self._cluster)
            else:
                self.client = distributed.Client(self.address, timeout=self.connect_timeout)
        except (OSError, TimeoutError) as exc:
            self.__exit__(None, None, None)
            raise DaskError(
                f"cannot reach the Dask scheduler at {self.address} ({exc}); nothing was "
                "graded. Is `dask scheduler` running there, and is the address right?"
            ) from exc
        try:
            self._check_workers()
            for info in self.client.scheduler_info()["workers"].values():
                host = info["host"]
                self.threads_per_host[host] = self.threads_per_host.get(host, 0) + info["nthreads"]
            # the workers start their zygote and forkserver while the parent sets up
            self.client.run(_prepare_worker, self.threads_per_host, self.fork_kernels)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
        self.client = self._cluster = None

    def _check_workers(self) -> None:
        """Every worker must import the same grader; there must be one at least."""
        try:
            self.client.wait_for_workers(1, timeout=self.connect_timeout)
        except TimeoutError as exc:
            raise DaskError(
                f"no Dask worker joined the scheduler at {self.address} within "
                f"{self.connect_timeout:.0f} s; nothing was graded. Start workers with "
                f"`dask worker {self.address}` where poolcourse[dask] is installed"
            ) from exc
        # exec is a builtin: it reaches a worker whatever is installed there
        imported = self.client.run(exec, "import autograder.grading.distributed", on_error="return")
        missing = {w: r for w, r in imported.items() if isinstance(r, BaseException)}
        if missing:
            raise DaskError(
                "these Dask workers cannot import the grader (install poolcourse[dask] "
                "there, the same version as here); nothing was graded: "
                + "; ".join(f"{w}: {type(e).__name__}: {e}" for w, e in sorted(missing.items()))
            )
        mine = code_fingerprint()
        theirs = self.client.run(code_fingerprint, on_error="return")
        other = sorted(w for w, f in theirs.items() if f != mine)
        if other:
            raise DaskError(
                "these Dask workers run another version of the grader than this machine "
                f"(autograder/pooling_ref code or nbgrader differ); nothing was graded: "
                f"{', '.join(other)}"
            )

    def run(self, todo: list[dict], jobs: int, timeout: float, bar) -> Iterable[tuple[dict, dict]]:
        """Grade ``todo`` on the cluster; yield (job, record) as each ends (records placed).

        ``jobs`` is not used: the cluster's threads are the slots.
        """
        if not todo:
            return
        import distributed

        client = self.client
        per_host = self.threads_per_host
        slots = max(1, sum(per_host.values()))
        course = {aid: _pack_course(job) for aid, job in _first_job_per_assignment(todo)}
        # Each task carries its assignment's files (~0.5 MB): data scattered once to every
        # worker is not safe here, the scheduler drops extra replicas and a worker that
        # dies with the last one would take every task of that assignment with it.
        futures = distributed.as_completed()
        jobs_of = {}

        def submit(job: dict) -> None:
            Path(job["record"]).unlink(missing_ok=True)
            future = client.submit(
                _grade_remote,
                {**_pack_submission(job), "threads_per_host": per_host},
                course[job["assignment"]],
                timeout,
                key=f"grade-{job['student']}-{job['assignment']}-{uuid.uuid4().hex[:8]}",
                pure=False,
            )
            jobs_of[future.key] = job
            futures.add(future)

        for job in todo:
            submit(job)
        running = len(todo)
        bar.update(running=min(slots, running))
        try:
            for future in futures:
                job = jobs_of.pop(future.key)
                try:
                    record = _place_result(job, future.result())
                except (Exception, asyncio.CancelledError) as exc:  # lost (workers died ...)
                    record = pipeline._failed_record(
                        job, "worker-died", f"Dask task lost: {type(exc).__name__}: {exc}"
                    )
                future.release()
                if pipeline._worth_a_retry(job, record):
                    submit({**job, "attempt": job.get("attempt", 1) + 1})
                    continue
                running -= 1
                bar.update(
                    done=1,
                    failed=record.get("status") not in ("graded", "rejected"),
                    running=min(slots, running),
                )
                yield job, record
        finally:
            for future in list(futures.futures):
                with contextlib.suppress(Exception):
                    future.cancel()


def _first_job_per_assignment(todo: list[dict]):
    seen = {}
    for job in todo:
        seen.setdefault(job["assignment"], job)
    return sorted(seen.items())


def _pack_folder(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not ({".ipynb_checkpoints", "__pycache__"} & set(p.parts))
    }


def _pack_course(job: dict) -> dict:
    """What every submission of one assignment needs: source, release, template gradebook."""
    return {
        "source": _pack_folder(Path(job["source"])),
        "release": _pack_folder(Path(job["release"])),
        "template_db": Path(job["template_db"]).read_bytes(),
    }


def _pack_submission(job: dict) -> dict:
    """The job with the submission's bytes instead of its paths (and no parent paths)."""
    keep = {
        k: v
        for k, v in job.items()
        if k not in ("source", "release", "template_db", "out", "record", "grader_pid", "deny")
    }
    keep["notebooks"] = [[nb, Path(path).read_bytes()] for nb, path in job["notebooks"]]
    keep["folder"] = _pack_folder(Path(job["folder"])) if job.get("folder") else None
    return keep


def _place_result(job: dict, result: dict) -> dict:
    """Put a worker's files where a local worker would have, the record last."""
    out = Path(job["out"])
    record = result["record"]
    for rel, data in sorted(result["files"].items()):
        dest = (out / rel).resolve()
        if not dest.is_relative_to(out / "autograded") and not dest.is_relative_to(
            out / "feedback"
        ):
            continue  # only what a worker may write
        _write_atomic(dest, data)
    record_path = Path(job["record"])
    if result.get("log") is not None:
        _write_atomic(record_path.with_suffix(".log"), result["log"])
    if record.get("fingerprint") != job["fingerprint"]:
        return pipeline._failed_record(job, "worker-died", "the worker returned another record")
    pipeline.write_json_atomic(record_path, record)
    return record


def _write_atomic(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, dest)


# --------------------------------------------------------------------------- the worker


def _unpack(files: dict[str, bytes], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = (dest / rel).resolve()
        if not path.is_relative_to(dest.resolve()):
            raise ValueError(f"a packed file name leaves its folder. Received: {rel!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return dest


def _threads_here(per_host: dict[str, int]) -> int:
    """Tasks the cluster runs at once on this worker's machine (what the cores are shared by)."""
    with contextlib.suppress(Exception):
        from distributed import get_worker

        worker = get_worker()
        return max(1, per_host.get(worker.address.rsplit(":", 1)[0].split("://")[-1], 0))
    return 1


_zygote_lock = threading.Lock()
_zygote: dict[str, str | None] = {}
_zygote_started = threading.Event()


def _prepare_worker(per_host: dict[str, int], fork_kernels: bool) -> None:
    """Start this worker's forkserver and (without waiting for it) its zygote."""
    pipeline._start_forkserver()
    if fork_kernels:
        _worker_zygote(_threads_here(per_host), wait=False)


def _worker_zygote(threads: int, wait: bool = True) -> str | None:
    """This worker process's zygote socket (started on first use, kept for its lifetime).

    The zygote dies with the thread that started it (``PR_SET_PDEATHSIG``), so a
    thread of its own starts it and lives as long as the worker process.
    """
    with _zygote_lock:
        if _zygote_started.is_set() or "thread" in _zygote:
            if wait:
                _zygote_started.wait()
            return _zygote.get("socket")
        _zygote["thread"] = "poolcourse-zygote"
        started = _zygote_started

        def keep() -> None:
            from ..sandbox import zygote

            try:
                if zygote.supported():
                    logs = Path(tempfile.mkdtemp(prefix="poolcourse-grade-dask-zygote-"))
                    kernels = zygote.Zygote(
                        {**os.environ, **pipeline.thread_settings(threads)}, logs / "zygote.log"
                    )
                    atexit.register(kernels.close)
                    atexit.register(shutil.rmtree, logs, True)
                    _zygote["socket"] = kernels.ready()
            finally:  # without a zygote, kernels start the usual way
                started.set()
            threading.Event().wait()  # forever: the zygote's parent thread must not end

        threading.Thread(target=keep, name="poolcourse-zygote", daemon=True).start()
    if wait:
        started.wait()
    return _zygote.get("socket")


@contextlib.contextmanager
def _may_have_children():
    """Let a (daemonic) Dask worker process start the grading process.

    multiprocessing refuses children to daemonic processes because they would
    be orphaned; a grading process watches the worker's pid
    (``pipeline._watch_grader``) and dies with it, so none is.
    """
    config = multiprocessing.current_process()._config
    daemon = config.get("daemon")
    config["daemon"] = False
    try:
        yield
    finally:
        if daemon is None:
            config.pop("daemon", None)
        else:
            config["daemon"] = daemon


class _NoBar:
    def update(self, **_) -> None:
        pass


def _grade_remote(task: dict, course: dict, timeout: float) -> dict:
    """On a Dask worker: grade one packed submission exactly as a local worker would.

    Returns
    -------
    dict
        ``record`` (as :func:`pipeline._worker_main` wrote it), ``files``
        (autograded notebooks and feedback, by path relative to the output
        folder) and ``log`` (the grading process's output).
    """
    from ..course.assignments import Course

    base = Path(tempfile.mkdtemp(prefix="poolcourse-grade-dask-"))
    try:
        aid, student = task["assignment"], task["student"]
        source = _unpack(course["source"], base / "course" / "source" / aid)
        release = _unpack(course["release"], base / "course" / "release" / aid)
        (base / "template.db").write_bytes(course["template_db"])
        # the notebooks where they were: in the student's folder, or alone (flat export)
        sub = _unpack(task["folder"] or {}, base / "submission" / student / aid)
        notebooks = []
        for nb_id, data in task["notebooks"]:
            (sub / f"{nb_id}.ipynb").write_bytes(data)
            notebooks.append([nb_id, str(sub / f"{nb_id}.ipynb")])
        out = base / "out"
        record_path = out / "records" / student / f"{aid}.json"
        threads = _threads_here(task.get("threads_per_host", {}))
        deny = [base, PACKAGE_DIR / "course" / "data"]
        repo = Course(REPO_ROOT)
        deny += [p for p in (repo.solutions_dir, REPO_ROOT / ".git") if p.exists()]
        job = {
            **task,
            "notebooks": notebooks,
            "folder": str(sub) if task["folder"] is not None else None,
            "source": str(source),
            "release": str(release),
            "template_db": str(base / "template.db"),
            "out": str(out),
            "record": str(record_path),
            "jobs": threads,
            "grader_pid": os.getpid(),
            "zygote": _worker_zygote(threads) if task.get("zygote") else None,
            "deny": [str(p) for p in deny],
        }
        with _may_have_children():
            results = list(pipeline._run_workers([job], 1, timeout, _NoBar(), retry=False))
        _, record = results[-1]
        files = {}
        for kind in ("autograded", "feedback"):
            folder = out / kind / student / aid
            if folder.is_dir():
                for path in sorted(folder.iterdir()):
                    if path.is_file() and not path.name.startswith("."):
                        files[str(path.relative_to(out))] = path.read_bytes()
        log = record_path.with_suffix(".log")
        return {
            "record": record,
            "files": files,
            "log": log.read_bytes() if log.is_file() else None,
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)
