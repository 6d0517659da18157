"""The untrusted worker: a confined process that runs learner code and answers in plain data.

The grader (:mod:`autograder.grading.trusted`) starts it as a script
(``python -I autograder/sandbox/worker.py serve POLICY.json``: importing the
``autograder`` package would load ``pooling_ref`` into it), sends it the
learner's cells one at a time, asks for the values of the learner's names and
calls the learner's functions through it. :class:`Worker` is the grader's
handle on one such process.

The protocol (length-prefixed JSON over the process's stdin/stdout):

``{"op": "exec", "name", "source", "mode", "seconds"}``
    run one cell statement by statement (``mode="all"``: every statement, for
    solution cells; ``"definitions"``: only ``def``/``class``/imports/assignments
    and ``try``/``if``/``with`` blocks, for any other cell), each statement with
    its own error isolation and time limit, so an exploratory line that fails or
    hangs never costs the definitions after it. Reply ``{"errors": [...]}``.
``{"op": "names", "names": [...]}``
    the value of each name as plain data, ``{"callable": true}`` for functions
    (pinned: later calls reach that object), ``{"missing": true}`` when unbound.
``{"op": "call", "function", "args", "kwargs", "seconds"}``
    call a pinned function. Reply ``{"value"}``, ``{"error": {"type", "message"}}``
    or ``{"changed": argument, "value"}`` (it modified an input). While the call
    runs the worker may send ``{"callback": k, "args", "kwargs"}`` (the learner's
    function called a function the trusted side passed in) and waits for
    ``{"value"}``/``{"error"}``.

Plain data (:func:`encode`/:func:`decode`) is None, bool, int, float, complex,
str, Ellipsis, tuple/list/dict (bounded depth and size), NumPy arrays and
scalars of bool/int/uint/float/complex dtype (and those dtypes and scalar
types), arrays as ``.npy`` bytes read
with ``allow_pickle=False``. The worker encodes only objects of those *exact*
types (a subclass, an object with its own ``__eq__``/``__array__``, a generator
becomes ``{"other": "<type name>"}``); :func:`decode` builds fresh objects of
those types and nothing else, whatever the worker sends, and turns ``other``
into a :class:`NotPlain` marker that fails any test that uses it. Nothing the
worker sends can run code in the grader.
"""

from __future__ import annotations

import ast
import base64
import builtins
import io
import json
import math
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
MAX_MESSAGE = 32 * 2**20  #: bytes of one message
MAX_DEPTH = 32  #: nesting of containers
MAX_ITEMS = 200_000  #: values in one message (container items, scalars)
MAX_TEXT = 2**20  #: characters of one string
MAX_INT_DIGITS = 1000
#: dtype kinds an array may have: bool, int, uint, float, complex
PLAIN_KINDS = "biufc"
#: the exact NumPy scalar types that are plain data
NUMPY_SCALARS = frozenset(
    t for t in set(np.sctypeDict.values()) if np.dtype(t).kind in PLAIN_KINDS
)  # fmt: skip
#: builtin exceptions a learner's error keeps its class as (the nearest one in its MRO)
EXCEPTIONS = ("ArithmeticError", "AssertionError", "AttributeError", "FloatingPointError",
              "IndexError", "KeyError", "LookupError", "NameError", "NotImplementedError",
              "OverflowError", "RecursionError", "RuntimeError", "TypeError",
              "UnboundLocalError", "ValueError", "ZeroDivisionError", "MemoryError")  # fmt: skip


# --------------------------------------------------------------------------- wire format


class WireError(ValueError):
    """Something crossing the pipe is not plain data (or too big)."""


class NotPlainData(TypeError):
    """Raised by any use of a :class:`NotPlain` marker."""


class NotPlain:
    """Stands for a learner's value that is not plain data: every use of it raises.

    ``what`` says what the worker saw ("a Foo", "a function inside a container");
    ``name`` (set by the trusted side) is the learner's name it was bound to.
    """

    __slots__ = ("name", "what")
    __array_ufunc__ = None  # NumPy arithmetic with it raises TypeError
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, what: str, name: str = "the answer"):
        object.__setattr__(self, "what", what)
        object.__setattr__(self, "name", name)

    def message(self) -> str:
        return (
            f"{self.name} is {self.what}, not plain data: give a tuple, list, dict, number, "
            "string or NumPy array"
        )

    def _refuse(self, *args, **kwargs):
        raise NotPlainData(self.message())

    def __getattr__(self, attr):
        raise NotPlainData(self.message())

    def __repr__(self) -> str:
        return f"<not plain data: {self.what}>"


for _method in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__",
                "__len__", "__iter__", "__contains__", "__getitem__", "__float__", "__int__",
                "__index__", "__complex__", "__array__", "__call__", "__add__", "__radd__",
                "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
                "__floordiv__", "__mod__", "__pow__", "__neg__", "__abs__", "__round__",
                "__setattr__", "__reversed__", "__matmul__", "__rmatmul__"):  # fmt: skip
    setattr(NotPlain, _method, NotPlain._refuse)


#: Types that cross as themselves (a ``dtype=np.float32`` argument, an answer ``int``).
_SCALAR_TYPES = {t: t.__name__ for t in (bool, int, float, complex, str)}
_SCALAR_TYPES.update({t: f"numpy.{t.__name__}" for t in NUMPY_SCALARS})
_TYPES_BY_NAME = {name: t for t, name in _SCALAR_TYPES.items()}


class _Count:
    def __init__(self):
        self.items = 0

    def tick(self, depth: int) -> None:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError(f"more than {MAX_ITEMS} values")
        if depth > MAX_DEPTH:
            raise WireError(f"nested more than {MAX_DEPTH} levels deep")


def _npy(array: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _kind(value) -> str:
    """'a Foo' for the messages (never runs the value's own code)."""
    name = type(value).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def encode(value, *, exact: bool = True, refs=None, _depth: int = 0, _count=None):
    """The JSON form of plain data ``value``.

    Parameters
    ----------
    exact : bool
        True (the learner's values): only objects of exactly the plain types are
        encoded; anything else becomes ``{"other": "a Foo"}``. False (the trusted
        side's arguments): subclasses are encoded as their plain base type.
    refs : callable, optional
        ``refs(value)`` for a callable: a JSON form standing for it (the grader
        passes its functions as callbacks), or None (then it is ``other``).

    Raises
    ------
    WireError
        More than :data:`MAX_ITEMS` values or :data:`MAX_DEPTH` levels.
    """
    count = _count or _Count()
    count.tick(_depth)
    kind = type(value)

    def like(*types) -> bool:
        return kind in types if exact else isinstance(value, types)

    if value is None or kind is bool:
        return value
    if isinstance(value, NotPlain):
        return {"other": value.what}
    if isinstance(value, np.dtype):  # (NumPy's dtype classes cannot be subclassed)
        return (
            {"dtype": value.str}
            if value.kind in PLAIN_KINDS and not value.fields
            else {"other": f"the dtype {value}"}
        )
    if isinstance(value, type) and value in _SCALAR_TYPES:
        return {"type": _SCALAR_TYPES[value]}
    if isinstance(value, np.generic | np.ndarray):
        if exact and kind is not np.ndarray and kind not in NUMPY_SCALARS:
            return {"other": _kind(value)}
        array = np.asarray(value)
        if array.dtype.kind not in PLAIN_KINDS or array.dtype.fields is not None:
            return {"other": f"an array of dtype {array.dtype}"}
        if array.nbytes > MAX_MESSAGE // 2:
            raise WireError(f"an array of {array.nbytes} bytes")
        tag = "ndarray" if isinstance(value, np.ndarray) else "npscalar"
        return {tag: _npy(np.array(array, copy=True, subok=False))}
    if like(bool):
        return bool(value)
    if like(int):
        number = int(value)
        if abs(number) < 2**53:
            return number
        if number.bit_length() > MAX_INT_DIGITS * 3:
            raise WireError("an int with too many digits")
        return {"int": str(number)}
    if like(float):
        number = float(value)
        return number if math.isfinite(number) else {"float": repr(number)}
    if like(complex):
        return {"complex": [repr(float(value.real)), repr(float(value.imag))]}
    if like(str):
        if len(value) > MAX_TEXT:
            raise WireError(f"a string of {len(value)} characters")
        return str(value)
    if value is Ellipsis:
        return {"ellipsis": True}
    if like(tuple, list):
        source = tuple.__iter__(value) if isinstance(value, tuple) else list.__iter__(value)
        items = [encode(v, exact=exact, refs=refs, _depth=_depth + 1, _count=count) for v in source]
        return {"tuple": items} if isinstance(value, tuple) else items
    if like(dict):
        pairs = [
            [
                encode(k, exact=exact, refs=refs, _depth=_depth + 1, _count=count),
                encode(v, exact=exact, refs=refs, _depth=_depth + 1, _count=count),
            ]
            for k, v in dict.items(value)
        ]
        return {"dict": pairs}
    if callable(value) and refs is not None:
        ref = refs(value)
        if ref is not None:
            return ref
    return {"other": _kind(value)}


def _b64npy(body) -> np.ndarray:
    if type(body) is not str:
        raise WireError("array data is not text")
    try:
        array = np.load(io.BytesIO(base64.b64decode(body, validate=True)), allow_pickle=False)
    except Exception as exc:  # any malformed payload
        raise WireError(f"not .npy data ({type(exc).__name__})") from None
    if (
        type(array) is not np.ndarray
        or array.dtype.kind not in PLAIN_KINDS
        or array.dtype.fields is not None
        or array.dtype.hasobject
    ):
        raise WireError(f"an array of dtype {array.dtype}")
    return array


def decode(value, *, refs=None, _depth: int = 0, _count=None):
    """Fresh objects of the plain types from the JSON form ``value`` (never unpickles).

    ``{"other": ...}`` becomes a :class:`NotPlain` marker; references
    (``callable``, ``callback``, ``learner``) go to ``refs(tag, body)`` (a
    NotPlain marker without it). Anything malformed raises :class:`WireError`.
    """
    count = _count or _Count()
    count.tick(_depth)
    kind = type(value)
    if value is None or kind in (bool, int, float):
        return value
    if kind is str:
        if len(value) > MAX_TEXT:
            raise WireError("a string too long")
        return value
    if kind is list:
        return [decode(v, refs=refs, _depth=_depth + 1, _count=count) for v in value]
    if kind is not dict or len(value) != 1:
        raise WireError("not an encoded value")
    ((tag, body),) = value.items()
    if tag == "tuple" and type(body) is list:
        return tuple(decode(v, refs=refs, _depth=_depth + 1, _count=count) for v in body)
    if tag == "dict" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise WireError("a malformed dict")
            key = decode(pair[0], refs=None, _depth=_depth + 1, _count=count)
            try:
                hash(key)
            except TypeError:
                raise WireError("a dict key that cannot be hashed") from None
            out[key] = decode(pair[1], refs=refs, _depth=_depth + 1, _count=count)
        return out
    if tag == "ndarray":
        return _b64npy(body)
    if tag == "npscalar":
        array = _b64npy(body)
        if array.ndim != 0:
            raise WireError("a NumPy scalar with a shape")
        return array[()]
    if tag == "int" and type(body) is str and len(body) <= MAX_INT_DIGITS:
        try:
            return int(body, 10)
        except ValueError:
            raise WireError("a malformed int") from None
    if tag == "float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "complex" and type(body) is list and len(body) == 2:
        try:
            return complex(float(str(body[0])[:40]), float(str(body[1])[:40]))
        except ValueError:
            raise WireError("a malformed complex") from None
    if tag == "ellipsis":
        return Ellipsis
    if tag == "dtype" and type(body) is str and len(body) < 8:
        try:
            dtype = np.dtype(body)
        except TypeError:
            raise WireError("a malformed dtype") from None
        if dtype.kind not in PLAIN_KINDS or dtype.fields is not None:
            raise WireError(f"the dtype {dtype}")
        return dtype
    if tag == "type" and body in _TYPES_BY_NAME:
        return _TYPES_BY_NAME[body]
    if tag == "other":
        return NotPlain(str(body)[:200])
    if tag in ("callable", "callback", "learner"):
        return refs(tag, body) if refs is not None else NotPlain("a function inside a value")
    raise WireError(f"unknown tag {str(tag)[:40]!r}")


def _send(fd: int, message: dict) -> None:
    data = json.dumps(message, allow_nan=False).encode()
    if len(data) > MAX_MESSAGE:
        raise WireError(f"a message of {len(data)} bytes")
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
    data = read(size)
    if data.count(b",") > 2 * MAX_ITEMS:  # before parsing: no huge lists of tiny values
        raise EOFError("a message with too many values")
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        raise EOFError("a message that is not JSON") from None
    if type(message) is not dict:
        raise EOFError("a message that is not a JSON object")
    return message


# --------------------------------------------------------------------------- the worker


def _learner_source(source: str) -> str:
    """Cell source without IPython's ``%magic`` and ``!shell`` lines."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


#: Statements a "definitions" cell contributes (demos, plots, loops and prints are left out).
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
               ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Try, ast.If, ast.With)  # fmt: skip


def statements(source: str, mode: str, skip: tuple[str, ...] | None = None) -> list[ast.Module]:
    """The top-level statements of a cell to run, each on its own.

    ``mode="all"``: every statement (a solution cell); ``"definitions"``: only
    :data:`DEFINITIONS` (any other cell), and none that imports one of ``skip``
    (default: :data:`SKIPPED_IMPORTS`). A cell that does not parse gives none.
    """
    try:
        tree = ast.parse(_learner_source(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [
        ast.Module([node], type_ignores=[])
        for node in tree.body
        if mode == "all" or (isinstance(node, DEFINITIONS) and not _imports(node, skip))
    ]


#: Modules a "definitions" cell does not import in the worker: plotting and notebook
#: display (slow to import, no answer needs them) and what the worker refuses anyway.
SKIPPED_IMPORTS = ("matplotlib", "seaborn", "plotly", "ipywidgets", *FORBIDDEN)


def _imports(node: ast.AST, skip: tuple[str, ...] | None) -> bool:
    """Whether ``node`` imports one of ``skip`` (:data:`SKIPPED_IMPORTS`) anywhere inside."""
    skipped = SKIPPED_IMPORTS if skip is None else skip
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            modules = [alias.name for alias in sub.names]
        elif isinstance(sub, ast.ImportFrom) and sub.module and not sub.level:
            modules = [sub.module]
        else:
            continue
        if any(m.split(".")[0] in skipped for m in modules):
            return True
    return False


class StatementTimeout(BaseException):
    """Raised in the worker when a statement or call runs longer than it may (not an
    Exception, so a learner's ``except Exception`` does not swallow it)."""


def _exception_reply(exc: BaseException) -> dict:
    """``{"type": nearest builtin exception in EXCEPTIONS, "message"}`` (bounded)."""
    kind = "Exception"
    for cls in type(exc).__mro__:
        if cls.__name__ in EXCEPTIONS and getattr(builtins, cls.__name__, None) is cls:
            kind = cls.__name__
            break
    try:
        text = str(exc)
    except BaseException:  # the learner's __str__
        text = ""
    return {"type": kind, "message": f"{text[:2000]}"}


def _time_limit(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 0.001) if seconds else 0)


def serve(argv: list[str]) -> None:
    """``python -I autograder/sandbox/worker.py serve POLICY.json``: confine, then answer.

    Run as a script, not as ``autograder.sandbox.worker``: importing the
    ``autograder`` package would load ``pooling_ref`` into the worker.
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
    sys.setrecursionlimit(2000)
    namespace = {"__name__": "__main__", "np": np, "numpy": np}
    pinned: dict[str, object] = {}

    def on_alarm(signum, frame):
        raise StatementTimeout

    signal.signal(signal.SIGALRM, on_alarm)

    def callback(k: int):
        def call_trusted(*args, **kwargs):
            _send(
                outbox,
                {
                    "callback": k,
                    "args": encode(list(args)),
                    "kwargs": encode(dict(kwargs)),
                },
            )
            reply = _recv(inbox)
            if "error" in reply:
                error = reply["error"] if type(reply["error"]) is dict else {}
                cls = getattr(builtins, str(error.get("type")), None)
                if not (isinstance(cls, type) and issubclass(cls, Exception)):
                    cls = RuntimeError
                raise cls(str(error.get("message", ""))[:2000])
            return decode(reply.get("value"), refs=refs)

        return call_trusted

    def refs(tag, body):
        if tag == "callback" and type(body) is int:
            return callback(body)
        if tag == "learner" and body in pinned:
            return pinned[body]
        raise WireError(f"an unknown reference {tag}")

    def run_cell(message: dict) -> dict:
        name, seconds = str(message["name"]), float(message["seconds"])
        errors = []
        for code in statements(str(message["source"]), str(message["mode"])):
            line = code.body[0].lineno
            try:
                compiled = compile(code, f"<{name}>", "exec")
                _time_limit(seconds)
                try:
                    exec(compiled, namespace)
                finally:
                    _time_limit(0)
            except StatementTimeout:
                errors.append(f"{name} line {line}: stopped after {seconds:g} s")
            except BaseException as exc:  # the learner's code: anything happens
                if isinstance(exc, SystemExit | KeyboardInterrupt | GeneratorExit | Exception):
                    reply = _exception_reply(exc)
                    errors.append(f"{name} line {line}: {reply['type']}: {reply['message']}"[:300])
        return {"errors": errors}

    def values(message: dict) -> dict:
        pinned.clear()
        out = {}
        for name in message["names"]:
            name = str(name)
            if name not in namespace:
                out[name] = {"missing": True}
                continue
            value = namespace[name]
            if callable(value) and not isinstance(value, np.ndarray | np.generic):
                pinned[name] = value
                out[name] = {"callable": True}
                continue
            try:
                encoded = encode(value)
                if len(json.dumps(encoded)) > MAX_MESSAGE // 4:
                    raise WireError("too large")
                out[name] = encoded
            except BaseException as exc:
                out[name] = {"other": f"a value that cannot be sent ({type(exc).__name__})"}
        return {"values": out}

    def call(message: dict) -> dict:
        fn = pinned.get(str(message["function"]))
        if fn is None:
            return {"error": {"type": "NameError", "message": f"{message['function']} is not "
                              "defined (or not a function) in your notebook"}}  # fmt: skip
        args = decode(message["args"], refs=refs)
        kwargs = decode(message["kwargs"], refs=refs)
        inputs = [(f"argument {i + 1}", a) for i, a in enumerate(args)]
        inputs += [(f"`{k}`", v) for k, v in kwargs.items()]
        copies = [(label, a, a.copy()) for label, a in inputs if isinstance(a, np.ndarray)]
        _time_limit(float(message.get("seconds") or 0))
        try:
            value = fn(*args, **kwargs)
        except StatementTimeout:
            return {"error": {"type": "TimeoutError", "message": "your function ran too long"}}
        except BaseException as exc:
            return {"error": _exception_reply(exc)}
        finally:
            _time_limit(0)
        try:
            reply = {"value": encode(value)}
        except BaseException as exc:
            reply = {"value": {"other": f"an answer that cannot be sent ({type(exc).__name__})"}}
        for label, given, before in copies:
            if given.shape != before.shape or not np.array_equal(given, before, equal_nan=True):
                reply["changed"] = label
                break
        return reply

    handlers = {"exec": run_cell, "names": values, "call": call}
    while True:
        try:
            message = _recv(inbox)
        except EOFError:
            return
        try:
            reply = handlers[str(message.get("op"))](message)
        except StatementTimeout:
            reply = {"error": {"type": "TimeoutError", "message": "stopped: too long"}}
        except BaseException as exc:  # a malformed request, a learner's trick
            reply = {"error": {"type": "RuntimeError", "message": f"worker: {type(exc).__name__}"}}
        try:
            _send(outbox, reply)
        except (WireError, ValueError, TypeError):
            _send(outbox, {"error": {"type": "RuntimeError", "message": "reply too large"}})


# --------------------------------------------------------------------------- the grader's side


class LearnerError(Exception):
    """The learner's code failed in the worker (it raised, ran too long, or the worker died)."""


_LEARNER_CLASSES: dict[str, type] = {}


def learner_exception(kind: str, message: str) -> LearnerError:
    """A fresh exception for a learner's error: a :class:`LearnerError` that is also the
    builtin class ``kind`` names (so ``except ValueError`` in a test still works)."""
    base = getattr(builtins, kind, None) if kind in EXCEPTIONS else None
    if base is None:
        return LearnerError(message)
    if kind not in _LEARNER_CLASSES:
        _LEARNER_CLASSES[kind] = type(f"Learner{kind}", (LearnerError, base), {})
    return _LEARNER_CLASSES[kind](message)


def _read_roots() -> list[str]:
    """What the worker may read: Python's own files (stdlib, site-packages) and a few devices."""
    from .policy import python_read_roots

    roots = {"/dev/null", "/dev/urandom", "/proc/self", "/sys/devices/system/cpu", "/etc"}
    roots |= {"/usr/lib", "/usr/share/zoneinfo", "/usr/share/fonts", "/lib"}
    return sorted({*python_read_roots(), *(os.path.realpath(r) for r in roots)})


class Worker:
    """One untrusted worker process: run cells, read names, call functions (plain data)."""

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

    def _exchange(self, message: dict, timeout: float, callbacks=None) -> dict:
        """Send ``message``, answer the worker's callbacks, return its reply.

        Raises :class:`LearnerError` (and the process is stopped) when no reply comes
        within ``timeout`` seconds, the process died, or it broke the protocol.
        """
        if self.dead:
            raise LearnerError(self.dead)
        deadline = time.monotonic() + max(timeout, 0.0)
        try:
            _send(self.proc.stdin.fileno(), message)
            for _ in range(100_000):
                reply = _recv(self.proc.stdout.fileno(), deadline)
                if "callback" not in reply:
                    return reply
                _send(self.proc.stdin.fileno(), self._callback(reply, callbacks or []))
            raise EOFError("too many callbacks")
        except TimeoutError:
            self.close()
            self.dead = f"no answer within {timeout:g} s (stopped)"
        except (EOFError, OSError, ValueError, struct.error):
            self.close()
            self.dead = f"the worker process died or misbehaved (exit code {self.proc.returncode})"
        raise LearnerError(self.dead)

    @staticmethod
    def _callback(request: dict, callbacks: list) -> dict:
        """Run a trusted function the learner's function called (plain data in and out)."""
        k = request.get("callback")
        if type(k) is not int or not 0 <= k < len(callbacks):
            return {"error": {"type": "RuntimeError", "message": "unknown callback"}}
        try:
            args = decode(request.get("args"))
            kwargs = decode(request.get("kwargs"))
            if type(args) is not list or type(kwargs) is not dict:
                raise WireError("malformed call")
            value = callbacks[k](*args, **{str(key): v for key, v in kwargs.items()})
            return {"value": encode(value, exact=False)}
        except Exception as exc:  # reported to the learner's function
            return {"error": _exception_reply(exc)}

    def exec_cell(self, name: str, source: str, mode: str, seconds: float, timeout: float):
        """Run one cell (see the module docstring); its errors, one line each."""
        message = {"op": "exec", "name": name, "source": source, "mode": mode,
                   "seconds": float(seconds)}  # fmt: skip
        reply = self._exchange(message, timeout)
        errors = reply.get("errors", [])
        return [str(e)[:300] for e in errors] if type(errors) is list else []

    def values(self, names: list[str], timeout: float = 60.0) -> dict:
        """``{name: value}``: plain data, :data:`CALLABLE`, :data:`MISSING` or a NotPlain."""
        reply = self._exchange({"op": "names", "names": list(names)}, timeout)
        raw = reply.get("values")
        out = {}
        for name in names:
            item = raw.get(name) if type(raw) is dict else None
            if item == {"missing": True} or item is None:
                out[name] = MISSING
            elif item == {"callable": True}:
                out[name] = CALLABLE
            else:
                try:
                    out[name] = decode(item)
                except (WireError, RecursionError):
                    out[name] = NotPlain("something that is not plain data")
        return out

    def call(self, name: str, args: tuple, kwargs: dict, timeout: float, *, proxies=None):
        """Call the pinned function ``name`` with plain-data ``args``/``kwargs``.

        Functions among the arguments cross as references: the learner's own
        (``proxies``: proxy -> name) by name, any other as a callback this side runs.
        Returns the decoded answer; raises :func:`learner_exception` errors.
        """
        callbacks: list = []
        proxies = proxies or {}

        def refs(fn):
            if fn in proxies:
                return {"learner": proxies[fn]}
            callbacks.append(fn)
            return {"callback": len(callbacks) - 1}

        try:
            message = {
                "op": "call",
                "function": name,
                "args": encode(list(args), exact=False, refs=refs),
                "kwargs": encode({str(k): v for k, v in kwargs.items()}, exact=False, refs=refs),
                "seconds": max(timeout - 1.0, 0.5),
            }
            message["kwargs"] = {"dict": message["kwargs"]["dict"]}
        except WireError as err:
            raise TypeError(f"the grader cannot pass these arguments to {name}: {err}") from None
        reply = self._exchange(message, timeout, callbacks)
        if "error" in reply:
            error = reply["error"] if type(reply["error"]) is dict else {}
            raise learner_exception(str(error.get("type")), str(error.get("message", ""))[:2000])
        try:
            value = decode(reply.get("value"))
        except (WireError, RecursionError) as err:
            value = NotPlain(f"an answer that is not plain data ({err})")
        if "changed" in reply:
            raise learner_exception(
                "ValueError",
                f"your function changed its input ({str(reply['changed'])[:40]}); "
                "it must not modify its arguments",
            )
        return value

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


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: What :meth:`Worker.values` gives for a learner's function and for an unbound name.
CALLABLE, MISSING = _Marker("CALLABLE"), _Marker("MISSING")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2:])
    else:
        raise SystemExit("usage: python -I autograder/sandbox/worker.py serve POLICY.json")
