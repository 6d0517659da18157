"""The trusted re-check: the learner's functions re-run where their code cannot reach the tests.

nbgrader runs the tests in the learner's own kernel, so code that ran before
a test can change it: replace the check functions, find the expected answer
in the test's stack frames, read the hidden tests from disk. After
autograding, every *implementation exercise* (a grade cell that calls
``check_<exercise>(<function>, ...)`` of :mod:`autograder.checks`) is checked
again, here:

1. the grader (this process, which never runs learner code) parses the test
   cell (hidden tests included) for its ``check_*`` calls;
2. a fresh **untrusted worker** process (``python -I autograder/trusted.py
   serve``, which never imports ``pooling_ref``) gets only the source of the
   learner's solution cells. Before it runs any of it, it confines itself
   (:mod:`autograder.sandbox`): memory, CPU and file-size limits, an empty
   working folder, a scrubbed environment, and an audit hook refusing to
   import ``pooling_ref``, Keras, TensorFlow or the autograder, to read files
   other than Python's own, to write, to start processes or to use the network;
3. the grader runs the same check (:func:`autograder.checks.run_check`, same
   case groups, same points) with a stand-in function that sends each case's
   inputs to the worker and gets back only the answer, as ``.npy`` data
   (``allow_pickle=False``: nothing the worker sends can run code here); the
   expected answers never leave this process;
4. the cell's points become ``min(nbgrader's score, trusted score)``; a lower
   trusted score is reported as ``cheating-suspected`` with both scores.

The same inputs with fresh random values (drawn now, so no one could have
known them) are also sent: a function that passes the published cases but not
these is reported as ``hard-coded-suspected`` (no points are changed: an
honest bug can look the same).

The worker runs the learner's solution cells whole and, from the other cells
before the test (the instructor's helpers, cells the learner added), only the
definitions (``def``, ``class``, imports, assignments); ``np`` is imported.
Imports it refuses fail quietly there; a function that needs them fails its
cases, and the difference is reported for a human look.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Modules the worker refuses to import (what a check compares against, and the grader).
FORBIDDEN = ["pooling_ref", "keras", "tensorflow", "tf_keras", "jax", "torch", "autograder",
             "nbgrader", "IPython", "ipykernel"]  # fmt: skip
MAX_MESSAGE = 64 * 2**20


# --------------------------------------------------------------------------- wire format


def encode(value, depth: int = 0):
    """A JSON-able form of ``value``: arrays as ``.npy`` (base64), tuples tagged, else repr."""
    if depth > 8:
        return {"__repr__": "nested too deeply"}
    if isinstance(value, np.ndarray | np.generic) and not isinstance(value, np.str_):
        array = np.asarray(value)
        if array.dtype.hasobject:
            return {"__repr__": f"an object array {array.shape}"}
        buf = io.BytesIO()
        np.save(buf, array, allow_pickle=False)
        return {"__ndarray__": base64.b64encode(buf.getvalue()).decode(), "scalar": array.ndim == 0
                and not isinstance(value, np.ndarray)}  # fmt: skip
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, float) and not np.isfinite(value):
            return {"__float__": repr(value)}
        return value
    if isinstance(value, tuple | list):
        items = [encode(v, depth + 1) for v in value]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v, depth + 1) for k, v in value.items()}}
    return {"__repr__": f"a {type(value).__name__}"}


class Unsupported:
    """Stands for an answer the worker could not send (it fails every comparison)."""

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}>"


def decode(value):
    """Inverse of :func:`encode`; never unpickles."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        array = np.load(io.BytesIO(base64.b64decode(value["__ndarray__"])), allow_pickle=False)
        return array[()] if value.get("scalar") else array
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: decode(v) for k, v in value["__dict__"].items()}
    if "__float__" in value:
        return float(value["__float__"])
    return Unsupported(str(value.get("__repr__", "something")))


def _send(fd: int, message: dict) -> None:
    data = json.dumps(message).encode()
    os.write(fd, struct.pack("!I", len(data)))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _recv(fd: int, deadline: float | None = None) -> dict:
    """One message from ``fd``; TimeoutError after ``deadline``, EOFError when it closes."""

    def read(n: int) -> bytes:
        chunks, left = [], n
        while left:
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                    raise TimeoutError
            chunk = os.read(fd, min(left, 2**20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    (size,) = struct.unpack("!I", read(4))
    if size > MAX_MESSAGE:
        raise EOFError(f"message of {size} bytes")
    return json.loads(read(size))


# --------------------------------------------------------------------------- the worker


def _learner_source(source: str) -> str:
    """Cell source without IPython's ``%magic`` and ``!shell`` lines."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


#: Statements a "definitions" cell contributes (demos, plots and loops are left out).
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
                ast.Assign, ast.AnnAssign)  # fmt: skip


def _statements(source: str, mode: str) -> list:
    """What to run of a cell: all of it (``"all"``), or its definitions one by one."""
    source = _learner_source(source)
    if mode == "all":
        return [source]
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        ast.Module([node], type_ignores=[]) for node in tree.body if isinstance(node, _DEFINITIONS)
    ]


class CellTimeout(BaseException):
    """Raised in the worker when a cell runs longer than it may (not an Exception: not caught
    by the learner's ``except Exception``)."""


def serve(argv: list[str]) -> None:
    """``python -I autograder/trusted.py serve POLICY.json``: confine, then answer the grader.

    Run as a script, not as ``autograder.trusted``: importing the ``autograder``
    package would load ``pooling_ref`` into the worker.
    """
    try:
        from .sandbox import Policy, apply_limits, die_with_parent, install_audit_hook, warm_up
    except ImportError:  # run as a script (python -I: its folder is not on sys.path)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from sandbox import Policy, apply_limits, die_with_parent, install_audit_hook, warm_up

        del sys.path[0]
    die_with_parent()

    policy = Policy.load(argv[0])
    inbox, outbox = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.chdir(policy.cwd)
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and not p.startswith(policy.cwd)]
    apply_limits(policy)
    warm_up()
    install_audit_hook(policy)
    namespace = {"__name__": "__main__", "np": np, "numpy": np}

    def on_alarm(signum, frame):
        raise CellTimeout

    signal.signal(signal.SIGALRM, on_alarm)
    while True:
        try:
            message = _recv(inbox)
        except EOFError:
            return
        if message["op"] == "exec":
            errors = []
            for name, source, mode, seconds in message["cells"]:
                signal.setitimer(signal.ITIMER_REAL, seconds)  # a runaway cell costs itself
                try:
                    for code in _statements(source, mode):
                        try:
                            exec(compile(code, f"<{name}>", "exec"), namespace)
                        except Exception as exc:  # the learner's code: anything can happen
                            if mode == "all":
                                errors.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
                except CellTimeout:
                    errors.append(f"{name}: stopped after {seconds:g} s")
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            _send(outbox, {"errors": errors})
        elif message["op"] == "call":
            fn = namespace.get(message["function"])
            args = [decode(a) for a in message["args"]]
            kwargs = {k: decode(v) for k, v in message["kwargs"].items()}
            if not callable(fn):
                _send(outbox, {"error": f"NameError: {message['function']} is not defined"})
                continue
            try:
                value = fn(*args, **kwargs)
            except BaseException as exc:
                _send(outbox, {"error": f"{type(exc).__name__}: {exc}"[:1000]})
                continue
            try:
                reply = {"value": encode(value), "args": [encode(a) for a in args]}
            except BaseException as exc:
                reply = {"error": f"the answer could not be sent back ({type(exc).__name__})"}
            _send(outbox, reply)


# --------------------------------------------------------------------------- the grader's side


class LearnerError(Exception):
    """The learner's function raised (in the worker); the message is the worker's."""


def _read_roots() -> list[str]:
    """What the worker may read: Python's own files (stdlib, site-packages) and a few devices."""
    from .sandbox import python_read_roots

    roots = {"/dev/null", "/dev/urandom", "/proc/self", "/sys/devices/system/cpu", "/etc"}
    roots |= {"/usr/lib", "/usr/share/zoneinfo", "/usr/share/fonts", "/lib"}
    return sorted({*python_read_roots(), *(os.path.realpath(r) for r in roots)})


class Worker:
    """One untrusted worker process; ``call`` is the stand-in for the learner's function."""

    def __init__(self, *, memory_mb: int = 2048, cpu_seconds: int = 120, call_timeout=20.0):
        from .sandbox import Policy, copy_matplotlib_cache

        self.call_timeout = call_timeout
        self.tmp = tempfile.TemporaryDirectory(prefix="poolcourse-trusted-")
        folder = Path(self.tmp.name)
        (folder / "work").mkdir()
        policy = Policy(
            cwd=str(folder / "work"),
            deny_names=["poolcourse-grade"],
            read_only=_read_roots(),
            forbidden_imports=FORBIDDEN,
            memory_mb=memory_mb,
            cpu_seconds=cpu_seconds,
            file_bytes=2**20,
            log=str(folder / "denied.log"),
        )
        self.denied_log = folder / "denied.log"
        policy_path = policy.save(folder / "policy.json")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "NBGRADER_EXECUTION")}
        env.update(HOME=str(folder / "work"), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        (folder / "work" / ".matplotlib").mkdir()
        copy_matplotlib_cache(folder / "work" / ".matplotlib")  # no font scan in the worker
        env.update(MPLCONFIGDIR=str(folder / "work" / ".matplotlib"), MPLBACKEND="Agg")
        env.setdefault("NBGRADER_EXECUTION", "autograde")  # looks like the notebook run
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(Path(__file__).resolve()), "serve", str(policy_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=str(folder / "work"),
            env=env,
            start_new_session=True,
        )
        self.dead: str | None = None

    def _exchange(self, message: dict, timeout: float) -> dict:
        if self.dead:
            raise LearnerError(self.dead)
        try:
            _send(self.proc.stdin.fileno(), message)
            return _recv(self.proc.stdout.fileno(), time.monotonic() + timeout)
        except TimeoutError:
            self.close()
            self.dead = f"no answer within {timeout:g} s (stopped)"
        except (EOFError, OSError, ValueError):
            self.close()
            code = self.proc.returncode
            self.dead = f"the function's process died (exit code {code})"
        raise LearnerError(self.dead)

    def run_cells(self, cells: list[tuple[str, str, str, float]]) -> list[str]:
        """Run ``(name, source, mode, seconds)`` cells; errors of ``"all"`` ones, one line each.

        ``mode`` is ``"all"`` (a solution cell: run as it is) or ``"definitions"``
        (any other cell: only its ``def``, ``class``, ``import`` and assignment
        statements, each on its own, errors ignored); a cell is stopped after
        ``seconds``.
        """
        timeout = sum(c[3] for c in cells) + 30.0
        try:
            return self._exchange({"op": "exec", "cells": cells}, timeout).get("errors", [])
        except LearnerError as err:
            return [str(err)]

    def function(self, name: str):
        """A callable that runs ``name`` in the worker (inputs in, answer and inputs out)."""

        def call(*args, **kwargs):
            reply = self._exchange(
                {
                    "op": "call",
                    "function": name,
                    "args": [encode(a) for a in args],
                    "kwargs": {k: encode(v) for k, v in kwargs.items()},
                },
                self.call_timeout,
            )
            if "error" in reply:
                raise LearnerError(reply["error"])
            for given, back in zip(args, reply.get("args", []), strict=False):
                if isinstance(given, np.ndarray):  # show the check what the function did
                    back = decode(back)
                    try:
                        np.copyto(given, back, casting="unsafe")
                    except (TypeError, ValueError):
                        if given.dtype.kind == "f":
                            given.fill(np.nan)
            return decode(reply["value"])

        call.__name__ = name
        return call

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        self.proc.wait(10)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def denials(self) -> list[str]:
        from .sandbox import read_denials

        return read_denials(self.denied_log)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        self.tmp.cleanup()


# --------------------------------------------------------------------------- which cells


@dataclass
class CheckCall:
    """One ``check_<exercise>(function, groups=..., points=...)`` call in a test cell."""

    exercise: str
    function: str
    groups: list[str] | None
    points: float | None


@dataclass
class ImplementationCell:
    """A grade cell that checks learner functions with :mod:`autograder.checks`."""

    grade_id: str
    max_score: float
    calls: list[CheckCall] = field(default_factory=list)


def check_calls(source: str) -> list[CheckCall]:
    """The ``check_<exercise>(<name>, ...)`` calls in a test cell's source (literal options only).

    Examples
    --------
    >>> check_calls('score = check_max_pool1d(my_pool, groups=["seed"], points=1)')
    [CheckCall(exercise='max_pool1d', function='my_pool', groups=['seed'], points=1.0)]
    """
    from .checks import EXERCISES

    try:
        tree = ast.parse(_learner_source(source))
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        exercise = name.removeprefix("check_")
        if not name.startswith("check_") or exercise not in EXERCISES:
            continue
        if not node.args or not isinstance(node.args[0], ast.Name):
            continue
        options = {}
        try:
            for kw in node.keywords:
                if kw.arg in ("groups", "points"):
                    options[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            continue  # options computed at run time: cannot be replayed here
        groups = options.get("groups")
        points = options.get("points")
        calls.append(
            CheckCall(
                exercise,
                node.args[0].id,
                [groups] if isinstance(groups, str) else groups,
                None if points is None else float(points),
            )
        )
    return calls


def implementation_cells(source_notebook) -> list[ImplementationCell]:
    """Grade cells of ``source_notebook`` (with hidden tests) that call ``check_*`` functions."""
    from nbgrader import utils

    out = []
    for cell in source_notebook.cells:
        if cell.cell_type != "code" or not utils.is_grade(cell):
            continue
        calls = check_calls(cell.source)
        if calls:
            meta = cell.metadata["nbgrader"]
            out.append(ImplementationCell(meta["grade_id"], float(meta.get("points", 0)), calls))
    return out


def learner_cells(notebook, before: str, cell_timeout: float = 120.0) -> list[tuple]:
    """``(name, source, mode, seconds)`` of the code cells before the grade cell ``before``.

    Solution cells run whole (``"all"``); other cells (the instructor's helpers,
    cells the learner added) contribute their definitions (``"definitions"``);
    test cells are left out. As in the notebook run: a cell that timed out there
    gets a few seconds, a cell that never ran there (the kernel had died, the
    notebook's time was up) is left out, the others get ``cell_timeout``.
    """
    from nbgrader import utils

    from .executor import KERNEL_DIED, KERNEL_UNRESPONSIVE, NOTEBOOK_TIME_LIMIT

    out = []
    for i, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == before:
            break
        if cell.cell_type != "code" or utils.is_grade(cell):
            continue
        errors = {
            o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"
        }
        if errors & {KERNEL_DIED, KERNEL_UNRESPONSIVE, NOTEBOOK_TIME_LIMIT}:
            continue
        seconds = min(5.0, cell_timeout) if "CellTimeoutError" in errors else cell_timeout
        mode = "all" if utils.is_solution(cell) else "definitions"
        out.append((meta.get("grade_id", f"cell {i}"), cell.source, mode, float(seconds)))
    return out


# --------------------------------------------------------------------------- the re-check


@dataclass
class Recheck:
    """The trusted verdict on one implementation cell."""

    grade_id: str
    max_score: float
    score: float
    report: str  # what the check printed, and the worker's errors
    fresh_failures: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)


def _fresh_case(case, rng):
    """``case`` with new random values in its float arrays (same shapes, dtypes, options)."""
    from ._cases import Case

    arrays = tuple(
        (
            name,
            rng.normal(size=value.shape).astype(value.dtype)
            if value.dtype.kind == "f"
            else value.copy(),
        )
        for name, value in case.arrays
    )
    token = rng.integers(2**62)
    return Case(case.group, f"{case.name}/fresh-{token}", arrays, dict(case.options), case.about,
                keras=False)  # fmt: skip


def _run_call(worker: Worker, call: CheckCall, rng) -> tuple[float | None, bool, str, list[str]]:
    """(earned or None, passed, printed report, fresh failures) of one check call."""
    import contextlib

    from .checks import EXERCISES, run_case, run_check

    fn = worker.function(call.function)
    printed = io.StringIO()
    passed = True
    with contextlib.redirect_stdout(printed):
        try:
            earned = run_check(call.exercise, fn, groups=call.groups, points=call.points,
                               keras=False)  # fmt: skip
        except AssertionError as err:
            print(str(err))
            earned, passed = None, False
    fresh_failures: list[str] = []
    if passed and earned in (None, call.points):  # the published cases pass: try new values
        ex = EXERCISES[call.exercise]
        groups = call.groups or list(ex.groups)
        for case in [c for c in ex.cases() if c.group in groups]:
            outcome = run_case(ex, _fresh_case(case, rng), fn, keras=False)
            if not outcome.ok:
                fresh_failures.append(f"{call.exercise} {case.name}: {outcome.problems[0]}"[:300])
                break
    return earned, passed, printed.getvalue(), fresh_failures


def recheck_cell(
    cell: ImplementationCell, sources: list[tuple[str, str]], *, seed=None, call_timeout=20.0
) -> Recheck:
    """Run the checks of ``cell`` on the learner's ``sources``, in an untrusted worker."""
    rng = np.random.default_rng(seed)
    lines: list[str] = []
    fresh: list[str] = []
    earned_total, strict_ok, any_points = 0.0, True, False
    with Worker(call_timeout=call_timeout) as worker:
        errors = worker.run_cells(sources)
        lines += [f"error in your code: {e}" for e in errors]
        for call in cell.calls:
            earned, passed, printed, fresh_failures = _run_call(worker, call, rng)
            lines.append(printed.rstrip())
            fresh += fresh_failures
            if call.points is None:
                strict_ok = strict_ok and passed
            else:
                any_points = True
                earned_total += earned or 0.0
        denied = worker.denials()
    score = (earned_total if any_points else cell.max_score) if strict_ok else 0.0
    score = max(0.0, min(cell.max_score, score))
    return Recheck(cell.grade_id, cell.max_score, score, "\n".join(lines), fresh, denied)


def recheck_notebook(
    autograded: Path, source: Path, *, only=None, seed=None, call_timeout=20.0, cell_timeout=120.0
) -> list[Recheck]:
    """Trusted verdicts on the implementation cells of one autograded notebook.

    Parameters
    ----------
    autograded : path
        The notebook as nbgrader executed it (the learner's solution cells).
    source : path
        The instructor's notebook (test cells with their hidden tests).
    only : collection of str, optional
        Grade ids to re-check (default: every implementation cell).
    seed : int, optional
        Seed of the fresh random inputs (default: fresh entropy).
    call_timeout : float
        Seconds one call of the learner's function may take.
    cell_timeout : float
        Seconds one of the learner's cells may take (as in the notebook).
    """
    import nbformat

    source_nb = nbformat.read(source, as_version=4)
    graded_nb = nbformat.read(autograded, as_version=4)
    return [
        recheck_cell(
            cell,
            learner_cells(graded_nb, cell.grade_id, cell_timeout),
            seed=seed,
            call_timeout=call_timeout,
        )
        for cell in implementation_cells(source_nb)
        if only is None or cell.grade_id in only
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2:])
    else:
        raise SystemExit("usage: python -I autograder/trusted.py serve POLICY.json")
