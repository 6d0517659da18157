"""The untrusted re-check worker: a confined process that runs learner code and answers calls.

The grader (:mod:`autograder.grading.trusted`) starts it as a script
(``python -I autograder/sandbox/worker.py serve POLICY.json``: importing the
``autograder`` package would load ``pooling_ref`` into it), sends it the
learner's cells, then calls the learner's functions through it. Everything
crosses the pipe as JSON with ``.npy`` payloads (:func:`encode`/:func:`decode`,
``allow_pickle=False``): nothing the worker sends can run code in the grader.
:class:`Worker` is the grader's handle on one such process.
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

    Run as a script, not as ``autograder.grading.trusted``: importing the ``autograder``
    package would load ``pooling_ref`` into the worker.
    """
    try:
        from .policy import Policy, apply_limits, die_with_parent, install_audit_hook, warm_up
    except ImportError:  # run as a script (python -I: its folder is not on sys.path)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from policy import Policy, apply_limits, die_with_parent, install_audit_hook, warm_up

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
    from .policy import python_read_roots

    roots = {"/dev/null", "/dev/urandom", "/proc/self", "/sys/devices/system/cpu", "/etc"}
    roots |= {"/usr/lib", "/usr/share/zoneinfo", "/usr/share/fonts", "/lib"}
    return sorted({*python_read_roots(), *(os.path.realpath(r) for r in roots)})


class Worker:
    """One untrusted worker process; ``call`` is the stand-in for the learner's function."""

    def __init__(self, *, memory_mb: int = 2048, cpu_seconds: int = 120, call_timeout=20.0):
        from .policy import Policy, copy_matplotlib_cache

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
        from .bwrap import wrap_worker

        self.proc = subprocess.Popen(
            wrap_worker(
                [sys.executable, "-I", str(Path(__file__).resolve()), "serve", str(policy_path)],
                folder,
            ),
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
        from .policy import read_denials

        return read_denials(self.denied_log)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        self.tmp.cleanup()


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2:])
    else:
        raise SystemExit("usage: python -I autograder/sandbox/worker.py serve POLICY.json")
