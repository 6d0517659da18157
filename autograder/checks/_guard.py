"""Run a learner's function in a sandbox that forbids delegating the work.

While the learner's function runs inside a check, any call into Keras,
TensorFlow or :mod:`pooling_ref` raises :class:`DelegationError` ("max_pool1d
must be implemented in NumPy: it called keras.layers.MaxPooling1D"). The guard
is a profile hook (:func:`sys.setprofile`): it sees every Python-level call, so
it catches ``keras.layers.MaxPooling1D()(x)``, ``tf.nn.max_pool1d``,
``keras.ops.max_pool`` and ``from pooling_ref import max_pool1d`` alike, however
the learner imported them, without monkey-patching any library. The previous
profile function, garbage collection, warning filters and ``sys.stdout`` /
``sys.stderr`` are restored afterwards, even when the learner's code raises.

The same run also records what the learner's code printed and the warnings it
raised (numpy's ``RuntimeWarning: Mean of empty slice`` and the like), so that
nothing reaches the notebook's stderr, which nbgrader would score as a failure.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import io
import linecache
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Top-level packages a learner may not call while a check runs its function.
FORBIDDEN_PACKAGES = ("pooling_ref", "keras", "tensorflow", "tf_keras", "jax", "torch")


class DelegationError(Exception):
    """Raised inside the learner's code when it calls a forbidden package."""


@dataclass
class LearnerRun:
    """What happened when the learner's function was called once.

    ``value`` is the return value (``None`` when it raised), ``error`` the
    exception it raised, ``delegation`` the NumPy-only message when it called a
    forbidden package (set even if the learner's code caught the error),
    ``warnings`` the warning messages it raised, ``output`` what it printed.
    """

    value: Any = None
    error: BaseException | None = None
    delegation: str | None = None
    warnings: list[str] = field(default_factory=list)
    output: str = ""


def _package_dirs() -> dict[str, str]:
    """Installed directory of each forbidden package (found without importing it)."""
    dirs = {}
    for name in FORBIDDEN_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            dirs[os.path.realpath(location) + os.sep] = name
    return dirs


_PACKAGE_DIRS: dict[str, str] | None = None
_FILE_VERDICT: dict[str, str | None] = {}


def _package_of(filename: str) -> str | None:
    """The forbidden package a source file belongs to, or None (cached per file)."""
    global _PACKAGE_DIRS
    if filename in _FILE_VERDICT:
        return _FILE_VERDICT[filename]
    if _PACKAGE_DIRS is None:
        _PACKAGE_DIRS = _package_dirs()
    real = os.path.realpath(filename) if os.path.isabs(filename) else filename
    verdict = next((pkg for d, pkg in _PACKAGE_DIRS.items() if real.startswith(d)), None)
    _FILE_VERDICT[filename] = verdict
    return verdict


def _unwrap(fn):
    """The function under decorators (``__wrapped__`` and TensorFlow's ``_tf_decorator``)."""
    for _ in range(20):
        inner = getattr(fn, "__wrapped__", None)
        if inner is None:
            inner = getattr(getattr(fn, "_tf_decorator", None), "decorated_target", None)
        if inner is None and getattr(fn, "__closure__", None):  # TensorFlow's dispatch wrappers
            cells = dict(zip(fn.__code__.co_freevars, fn.__closure__, strict=True))
            cell = cells.get("dispatch_target") or cells.get("target")
            inner = cell.cell_contents if cell is not None else None
        if inner is None or inner is fn:
            break
        fn = inner
    return fn


def _public_name(frame, package: str) -> str:
    """A name the learner recognises for the forbidden function being entered."""
    code, local = frame.f_code, frame.f_locals
    module = frame.f_globals.get("__name__", package)
    qualname = code.co_qualname
    owner = local.get("cls") if "cls" in local else type(local["self"]) if "self" in local else None
    if code.co_name in ("__new__", "__init__", "__call__") and isinstance(owner, type):
        if package == "keras" and ".layers." in owner.__module__:
            return f"keras.layers.{owner.__name__}"
        module, qualname = owner.__module__, owner.__qualname__
    if package == "tensorflow":
        for key in ("fn", "func", "op", "target"):  # TensorFlow's decorator wrappers
            wrapped = local.get(key)
            if callable(wrapped) and hasattr(wrapped, "__qualname__"):
                wrapped = _unwrap(wrapped)
                module = getattr(wrapped, "__module__", None) or module
                qualname = getattr(wrapped, "__name__", wrapped.__qualname__)
                break
        return f"TensorFlow's {qualname} ({module})"
    if module.startswith("keras.src.ops."):
        return f"keras.ops.{code.co_name}"
    exported = getattr(sys.modules.get(package), code.co_name, None)
    if getattr(exported, "__code__", None) is code:
        return f"{package}.{code.co_name}"
    return f"{module}.{qualname}"


def _first_caller_outside(frame):
    """The nearest calling frame that is not in a forbidden package (None if there is none)."""
    caller = frame.f_back
    while caller is not None and _package_of(caller.f_code.co_filename):
        caller = caller.f_back
    return caller


def _learner_line(frame) -> str:
    """`` (line N: `source`)`` for the first caller frame outside forbidden packages."""
    caller = _first_caller_outside(frame)
    if caller is None:
        return ""
    source = linecache.getline(caller.f_code.co_filename, caller.f_lineno).strip()
    return f" (line {caller.f_lineno}: `{source}`)" if source else f" (line {caller.f_lineno})"


def _make_profiler(exercise: str, record: LearnerRun) -> Callable:
    importing = 0  # depth of imports in progress

    def profiler(frame, event, arg):
        nonlocal importing
        code = frame.f_code
        # Importing a library is allowed: interrupting an import half-way would
        # leave broken modules behind for the rest of the notebook. Using it is not.
        if code.co_name == "_find_and_load" and code.co_filename.startswith("<frozen importlib"):
            importing += {"call": 1, "return": -1}.get(event, 0)
            return
        if event != "call" or importing:
            return
        package = _package_of(code.co_filename)
        # A finalizer of some library object collected while the learner's code
        # runs is not the learner's call.
        if package is None or code.co_name == "__del__":
            return
        message = (
            f"{exercise} must be implemented in NumPy: it called {_public_name(frame, package)}"
            f"{_learner_line(frame)}. Keras, TensorFlow and pooling_ref are what the check "
            "compares against, so they cannot be used inside the exercise."
        )
        record.delegation = record.delegation or message
        raise DelegationError(message)

    return profiler


@contextlib.contextmanager
def _quiet_python_streams(record: LearnerRun):
    """Send the learner's prints and warnings into ``record`` instead of the notebook."""
    buffer = io.StringIO()
    with (
        warnings.catch_warnings(record=True) as caught,
        contextlib.redirect_stdout(buffer),
        contextlib.redirect_stderr(buffer),
    ):
        warnings.simplefilter("always")
        try:
            yield
        finally:
            record.output = buffer.getvalue()
            record.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]


def run_guarded(fn: Callable, args: tuple, kwargs: dict, *, exercise: str) -> LearnerRun:
    """Call ``fn(*args, **kwargs)`` with delegation forbidden; never raises ``Exception``.

    Parameters
    ----------
    fn : callable
        The learner's function.
    args, kwargs
        Its arguments (the caller passes copies it can compare afterwards).
    exercise : str
        Name used in the NumPy-only message, e.g. ``"max_pool1d"``.

    Returns
    -------
    LearnerRun
        The value or the exception, the delegation message if any, the warnings
        raised and the text printed. ``KeyboardInterrupt`` still propagates.

    Examples
    --------
    >>> run_guarded(lambda x: x + 1, (1,), {}, exercise="demo").value
    2
    """
    record = LearnerRun()
    previous_profiler = sys.getprofile()
    gc_was_enabled = gc.isenabled()
    with _quiet_python_streams(record):
        gc.disable()  # no library finalizers in the middle of the learner's call
        sys.setprofile(_make_profiler(exercise, record))
        try:
            record.value = fn(*args, **kwargs)
        except Exception as exc:
            record.error = exc
        finally:
            sys.setprofile(previous_profiler)
            if gc_was_enabled:
                gc.enable()
    if record.delegation is not None:
        record.value = None
    return record
