"""The trusted verdict: every autograded test cell scored where the learner's code cannot reach.

nbgrader runs the tests in the learner's own kernel, and whatever runs there
can reshape what the kernel prints (display hooks, the shell's classes,
objects whose comparisons lie, redefined helpers, patched checks). So the
kernel's run is kept for feedback and as an anomaly detector, and the points
of every autograded test cell are decided here, in the grader, by
:func:`verdict_notebook`:

1. **Learner names** (:func:`learner_names`): every top-level name a solution
   cell of the *released* notebook binds (function names, answer variables),
   and of the source notebook (a cell that is all solution is
   ``raise NotImplementedError()`` in the release). Only these cross from the
   learner's side.
2. **Trusted setup** (:func:`trusted_setup`): the instructor's non-grade,
   non-solution code cells of the *source* notebook, run here once per
   assignment and process, keeping only definitions (imports, ``def``,
   ``class``, assignments and ``try``/``if``/``with`` blocks of those) and
   silently skipping statements that fail, plot, or need Keras/TensorFlow.
   Tests get their helpers (``np``, ``pooling_ref``, example arrays) from the
   instructor's code, never from the learner's redefinitions.
3. **Learner values** come from a confined worker process
   (:mod:`autograder.sandbox.worker`): it runs the learner's cells (solution
   cells whole, statement by statement; any other cell's definitions) and sends
   each learner name back as plain data or as "a function". Plain data is
   decoded here into fresh objects of exact built-in/NumPy types; anything else
   becomes a marker that fails the test that uses it ("... is a Foo, not plain
   data"). Functions become proxies (:class:`Session`): a call sends the
   trusted inputs to the worker and gets plain data back.
4. **The test cell of the source notebook** (hidden tests included) runs here
   in a fresh namespace = trusted setup + learner names, inside
   :func:`autograder.checks.grading_context` with this run's seed and no Keras
   (fresh random cases; pooling_ref as the only oracle). Its score follows
   nbgrader's rule: an exception gives 0, a number as the last expression is
   the score (clamped to ``[0, points]``), anything else gives full points.

A test cell that needs Keras/TensorFlow, or a name neither the setup nor the
learner provides, is an authoring error: :class:`VerdictError` is raised (loud,
never a silent 0 or full score). The grader never imports or unpickles
anything from the learner: only :func:`autograder.sandbox.worker.decode` output
reaches this process.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import io
import math
import signal
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..sandbox.worker import (
    CALLABLE,
    MISSING,
    LearnerError,
    NotPlain,
    Worker,
    _learner_source,
    statements,
)

#: Modules a test cell may not need (the grader has no Keras); setup statements
#: importing them (or plotting) are skipped.
KERAS_MODULES = ("keras", "tensorflow", "tf_keras")
SKIPPED_MODULES = (*KERAS_MODULES, "matplotlib", "autograder.figures", "IPython", "seaborn")
#: Names whose use makes a setup statement skipped (what those modules bind by convention).
SKIPPED_NAMES = frozenset({"keras", "tf", "tensorflow", "plt", "display", "get_ipython"})
#: ``ename`` of the executor's error outputs that zero a test cell (the integrity probe
#: saw tampering; the kernel died or the notebook's time was up before it ran).
ZEROING = ("IntegrityError", "KernelDied", "KernelUnresponsive", "NotebookTimeLimit")
MAX_CALLS = 200_000  #: calls of learner functions per notebook
MAX_RESTARTS = 8  #: worker restarts per notebook (a call that timed out, a crash)
MAX_OUTPUT = 20_000  #: characters of a test's output kept for the feedback


class VerdictError(RuntimeError):
    """A test cell the trusted side cannot run (an authoring error, not the learner's)."""


# --------------------------------------------------------------------------- cells and names


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    """An autograded test cell: a code grade cell that is not a solution."""
    meta = _meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(_learner_source(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _targets(node) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [n for elt in node.elts for n in _targets(elt)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return []


def _bound(body) -> list[str]:
    """Names bound by statements (not imports) at this level and in try/if/with/for blocks."""
    out: list[str] = []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.append(node.name)
        elif isinstance(node, ast.Assign):
            out += [n for t in node.targets for n in _targets(t)]
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            out += _targets(node.target)
        elif isinstance(node, ast.For):
            out += _targets(node.target) + _bound(node.body) + _bound(node.orelse)
        elif isinstance(node, ast.If | ast.While):
            out += _bound(node.body) + _bound(node.orelse)
        elif isinstance(node, ast.With):
            out += _bound(node.body)
        elif isinstance(node, ast.Try):
            out += _bound(node.body) + _bound(node.orelse) + _bound(node.finalbody)
            for handler in node.handlers:
                out += _bound(handler.body)
    return out


def learner_names(release) -> list[str]:
    """Top-level names bound by the solution code cells of the released notebook.

    Imports are left out (``np`` in a solution cell is the learner's NumPy,
    not an answer), as are names starting with two underscores.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("import numpy as np\\ndef f(x):\\n    return x\\nA = 1")
    >>> cell.metadata = {"nbgrader": {"solution": True, "grade_id": "a"}}
    >>> learner_names(nbformat.v4.new_notebook(cells=[cell]))
    ['f', 'A']
    """
    names: list[str] = []
    for cell in release.cells:
        if cell.cell_type != "code" or not _meta(cell).get("solution"):
            continue
        tree = _parse(cell.source)
        if tree is not None:
            names += [n for n in _bound(tree.body) if not n.startswith("__")]
    return list(dict.fromkeys(names))


def _imports(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append(node.module)
    return out


def _imported_names(node: ast.AST) -> list[str]:
    out = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import | ast.ImportFrom):
            out += [(a.asname or a.name).split(".")[0] for a in sub.names]
    return out


def _from(modules: list[str], prefixes) -> bool:
    return any(m == p or m.startswith(p + ".") for m in modules for p in prefixes)


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


# --------------------------------------------------------------------------- guarded execution


class _GraderTimeout(BaseException):
    pass


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise :class:`_GraderTimeout` in this (main) thread after ``seconds`` (else no limit)."""
    if threading.current_thread() is not threading.main_thread() or not seconds:
        yield
        return

    def on_alarm(signum, frame):
        raise _GraderTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _quiet(buffer: io.StringIO):
    """stdout and stderr into ``buffer``; warnings recorded, never printed."""
    with (
        contextlib.redirect_stdout(buffer),
        contextlib.redirect_stderr(buffer),
        warnings.catch_warnings(record=True),
    ):
        warnings.simplefilter("always")
        yield


# --------------------------------------------------------------------------- trusted setup

_SETUP_CACHE: dict[tuple, dict[str, dict]] = {}


def _setup_statements(source: str, skipped: set[str]):
    """The instructor cell's definitions worth running here (see :func:`trusted_setup`)."""
    for code in statements(source, "definitions", skip=()):
        node = code.body[0]
        if _from(_imports(node), SKIPPED_MODULES):
            skipped.update(_imported_names(node))
            continue
        if _names_used(node) & (SKIPPED_NAMES | skipped):
            continue
        yield code


def trusted_setup(source_path: Path, seconds: float = 30.0) -> dict[str, dict]:
    """``{grade_id: namespace}``: the instructor's definitions made before each test cell.

    The source notebook's non-grade, non-solution code cells run here, in order,
    definitions only (:func:`autograder.sandbox.worker.statements`), each
    statement on its own: one that fails, runs longer than ``seconds``, imports
    Keras/TensorFlow/matplotlib or uses what they bind is skipped silently.
    Cached per notebook file (path, size, mtime) in this process.
    """
    import nbformat

    path = Path(source_path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _SETUP_CACHE:
        return _SETUP_CACHE[key]
    notebook = nbformat.read(path, as_version=4)
    namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
    skipped: set[str] = set()
    out: dict[str, dict] = {}
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        meta = _meta(cell)
        if is_test_cell(cell):
            out[meta.get("grade_id", f"cell {i}")] = dict(namespace)
            continue
        if meta.get("solution") or meta.get("grade"):
            continue
        for code in _setup_statements(cell.source, skipped):
            try:
                with _quiet(io.StringIO()), _deadline(seconds):
                    exec(compile(code, f"<setup {i}>", "exec"), namespace)
            except (Exception, _GraderTimeout):
                continue
    _SETUP_CACHE[key] = out
    return out


def _copied(namespace: dict) -> dict:
    """A namespace whose data values are copies (a test cannot change the next test's data)."""
    out = {}
    for name, value in namespace.items():
        if isinstance(value, np.ndarray | list | dict | set):
            try:
                value = copy.deepcopy(value)
            except Exception:
                pass
        out[name] = value
    return out


# --------------------------------------------------------------------------- the worker session


class Unbound(NotPlain):
    """Stands for a learner name the learner's code did not define."""

    __slots__ = ()

    def message(self) -> str:
        return f"{self.name} is not defined by your notebook's code"


class Session:
    """The learner's side of one notebook: a worker (restarted when needed) and its budget.

    Parameters
    ----------
    budget : float
        Seconds of worker time for the whole notebook (its cells and every call).
    call_timeout : float
        Seconds one call of a learner function may take.
    memory_mb : int
        The worker's address-space limit.
    """

    def __init__(self, *, budget: float = 900.0, call_timeout: float = 20.0,
                 memory_mb: int = 2048):  # fmt: skip
        self.deadline = time.monotonic() + budget
        self.call_timeout = call_timeout
        self.memory_mb = memory_mb
        self.cell_deadline: float | None = None
        self.worker: Worker | None = None
        self.ran: list[tuple[str, str, str, float]] = []  # cells replayed after a restart
        self.pinned: list[str] = []
        self.proxies: dict = {}
        self.calls = 0
        self.restarts = 0
        self.denied: list[str] = []

    def remaining(self) -> float:
        ends = [self.deadline] + ([self.cell_deadline] if self.cell_deadline else [])
        return min(ends) - time.monotonic()

    def _retire(self) -> None:
        if self.worker is not None:
            self.denied += [d for d in self.worker.denials() if d not in self.denied]
            self.worker.__exit__()
            self.worker = None

    def _ready(self) -> Worker:
        """The live worker: a new one (cells replayed, names re-pinned) if the last one died."""
        if self.worker is not None and not self.worker.dead:
            return self.worker
        if self.worker is not None:
            self._retire()
            self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            raise LearnerError("your code stopped the grader's worker too often")
        cpu = int(max(self.deadline - time.monotonic(), 1) + 30)
        self.worker = Worker(memory_mb=self.memory_mb, cpu_seconds=cpu,
                             call_timeout=self.call_timeout)  # fmt: skip
        for name, source, mode, seconds in self.ran:
            self.worker.exec_cell(name, source, mode, seconds, self._timeout(source, seconds))
        if self.pinned:
            self.worker.values(self.pinned, timeout=max(self.remaining(), 1.0))
        return self.worker

    def _timeout(self, source: str, seconds: float) -> float:
        count = max(len(statements(source, "all")), 1)
        return max(min(seconds * count + 10.0, self.deadline - time.monotonic()), 0.0)

    def run_cell(self, name: str, source: str, mode: str, seconds: float) -> list[str]:
        """Run one learner cell; its errors. A cell that kills the worker is left out."""
        if self.deadline - time.monotonic() <= 0:
            return [f"{name}: not run, the time for your notebook's code was used up"]
        try:
            worker = self._ready()
            errors = worker.exec_cell(name, source, mode, seconds, self._timeout(source, seconds))
        except LearnerError as err:
            self._retire()
            return [f"{name}: {err} (this cell is left out)"]
        self.ran.append((name, source, mode, seconds))
        return errors if mode == "all" else []  # other cells: definitions, errors expected

    def values(self, names: list[str]) -> dict:
        """The learner's names: plain data, proxies for functions, markers for the rest."""
        try:
            raw = self._ready().values(names, timeout=max(min(self.remaining(), 60.0), 1.0))
        except LearnerError as err:
            raw = {name: NotPlain(f"unreadable ({err})") for name in names}
        self.pinned = [n for n in names if raw.get(n) is CALLABLE]
        out = {}
        for name, value in raw.items():
            label = f"`{name}`"
            if value is CALLABLE:
                out[name] = self._proxy(name)
            elif value is MISSING:
                out[name] = Unbound("not defined", label)
            elif isinstance(value, NotPlain):
                object.__setattr__(value, "name", label)
                out[name] = value
            else:
                out[name] = value
        return out

    def _proxy(self, name: str):
        def proxy(*args, **kwargs):
            return self.call(name, args, kwargs)

        proxy.__name__ = proxy.__qualname__ = name
        proxy.__doc__ = f"Your {name}, run apart from the grader (plain data in and out)."
        self.proxies[proxy] = name
        return proxy

    def call(self, name: str, args: tuple, kwargs: dict):
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise LearnerError(f"more than {MAX_CALLS} calls of your functions")
        timeout = min(self.call_timeout, self.remaining())
        if timeout <= 0:
            raise LearnerError("the time the grader allows for your code was used up")
        worker = self._ready()
        return worker.call(name, args, kwargs, timeout, proxies=self.proxies)

    def close(self) -> None:
        self._retire()


# --------------------------------------------------------------------------- one test cell


@dataclass
class CellVerdict:
    """The trusted verdict on one autograded test cell."""

    grade_id: str
    max_score: float
    score: float
    output: str = ""  # what the test printed
    error: str | None = None  # why it failed (the exception, one line)
    learner_errors: list[str] = field(default_factory=list)  # errors in the learner's cells
    zeroed: str | None = None  # the kernel run zeroed it (tampering seen, kernel gone)


def _authoring_error(exc: BaseException, names: set[str]) -> str | None:
    """Why ``exc`` is the test's fault, not the learner's (None: the learner's)."""
    if isinstance(exc, LearnerError):
        return None
    if isinstance(exc, ImportError) and str(getattr(exc, "name", "") or "").split(".")[0] in (
        KERAS_MODULES
    ):
        return f"it imports {exc.name}"
    if isinstance(exc, NameError) and getattr(exc, "name", None) not in names:
        name = getattr(exc, "name", "?")
        return f"it uses `{name}`, which neither the setup nor the learner binds"
    return None


def run_test(
    source: str,
    namespace: dict,
    max_score: float,
    *,
    seed: int | None,
    learner: set[str] = frozenset(),
    seconds: float = 300.0,
    grade_id: str = "test",
) -> tuple[float, str, str | None]:
    """``(score, printed output, error line)`` of one test cell run in ``namespace``.

    Raises
    ------
    VerdictError
        The cell imports Keras/TensorFlow or needs a name nobody provides.
    """
    from ..checks import grading_context

    tree = _parse(source)
    if tree is None:
        raise VerdictError(f"{grade_id}: the test cell does not parse")
    if _from(_imports(tree), KERAS_MODULES):
        raise VerdictError(f"{grade_id}: the test cell imports Keras/TensorFlow; the verdict "
                           "cannot run it (rewrite it with pooling_ref)")  # fmt: skip
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, f"<{grade_id}>", "exec")
    tail = compile(last, f"<{grade_id}>", "eval") if last is not None else None
    printed = io.StringIO()
    value, error = None, None
    try:
        with _quiet(printed), grading_context(seed=seed, keras=False), _deadline(seconds):
            exec(body, namespace)
            if tail is not None:
                value = eval(tail, namespace)
    except _GraderTimeout:
        error = f"the test ran longer than {seconds:g} s"
    except Exception as exc:
        why = _authoring_error(exc, learner)
        if why:
            raise VerdictError(f"{grade_id}: {why} (an authoring error in the test cell)") from exc
        try:
            error = f"{type(exc).__name__}: {exc}"
        except Exception:
            error = type(exc).__name__
    output = printed.getvalue()[:MAX_OUTPUT]
    if error is not None:
        return 0.0, output, error[:2000]
    score = max_score
    if type(value) in (int, float) or isinstance(value, np.integer | np.floating):
        number = float(value)
        score = 0.0 if math.isnan(number) else max(0.0, min(max_score, number))
    return score, output, None


# --------------------------------------------------------------------------- a notebook


def _errors_of(cell) -> set[str]:
    return {o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"}


def verdict_notebook(
    autograded: Path,
    source: Path,
    release: Path,
    *,
    seed: int | None = None,
    cell_timeout: float = 120.0,
    budget: float = 900.0,
    call_timeout: float = 20.0,
    memory_mb: int = 2048,
) -> tuple[list[CellVerdict], list[str]]:
    """The trusted verdict on every autograded test cell of one notebook.

    Parameters
    ----------
    autograded : path
        The notebook as nbgrader executed it: the learner's cells, and the
        executor's marks on the test cells (tampering seen, kernel gone).
    source : path
        The instructor's notebook: trusted setup and the test cells, hidden tests included.
    release : path
        The released (student) notebook: which names are the learner's.
    seed : int, optional
        Seed of the random case groups (:func:`autograder.checks.grading_context`).
    cell_timeout : float
        Seconds one learner cell statement, and one test cell's calls together, may take.
    budget : float
        Seconds of learner code (worker time) for the whole notebook.

    Returns
    -------
    (verdicts, denied)
        One :class:`CellVerdict` per test cell, in order, and what the worker's
        sandbox refused.
    """
    import nbformat

    graded_nb = nbformat.read(autograded, as_version=4)
    source_nb = nbformat.read(source, as_version=4)
    # the template's solution cells, and the instructor's (a cell that is all solution
    # is "raise NotImplementedError()" in the template: the source says what it binds)
    names = list(
        dict.fromkeys(
            learner_names(nbformat.read(release, as_version=4)) + learner_names(source_nb)
        )
    )
    tests = {_meta(c).get("grade_id"): c for c in source_nb.cells if is_test_cell(c)}
    setup = trusted_setup(source)
    session = Session(budget=budget, call_timeout=call_timeout, memory_mb=memory_mb)
    verdicts: list[CellVerdict] = []
    errors: list[str] = []
    try:
        for i, cell in enumerate(graded_nb.cells):
            if cell.cell_type != "code":
                continue
            meta = _meta(cell)
            gid = meta.get("grade_id")
            kernel_errors = _errors_of(cell)
            if is_test_cell(cell):
                if gid not in tests:
                    continue
                test = tests[gid]
                points = float(_meta(test).get("points", 0) or 0)
                zeroing = kernel_errors & set(ZEROING)
                if zeroing:
                    why = next(
                        o.get("evalue", "") for o in cell.outputs if o.get("ename") in zeroing
                    )
                    verdicts.append(CellVerdict(gid, points, 0.0, zeroed=str(why)[:500],
                                                learner_errors=errors))  # fmt: skip
                    errors = []
                    continue
                namespace = _copied(setup.get(gid, {}))
                learner = session.values(names) if names else {}
                errors += [
                    value.message()
                    for value in learner.values()
                    if isinstance(value, NotPlain)
                    and not isinstance(value, Unbound)
                    and value.what != "a module"
                ]
                for name, value in learner.items():
                    module = isinstance(value, NotPlain) and value.what == "a module"
                    if module and name in namespace:
                        continue  # the learner's `import x as name`: keep the instructor's
                    namespace[name] = value
                namespace["__builtins__"] = builtins
                session.cell_deadline = time.monotonic() + cell_timeout
                try:
                    score, output, error = run_test(
                        test.source, namespace, points, seed=seed, learner=set(names),
                        seconds=cell_timeout + 30.0, grade_id=gid,
                    )  # fmt: skip
                finally:
                    session.cell_deadline = None
                verdicts.append(CellVerdict(gid, points, score, output, error, errors))
                errors = []
                continue
            if kernel_errors & {"KernelDied", "KernelUnresponsive", "NotebookTimeLimit"}:
                continue  # never ran in the notebook (or crashed its kernel): left out
            if not cell.source.strip():
                continue
            seconds = cell_timeout
            if "CellTimeoutError" in kernel_errors:
                seconds = min(5.0, cell_timeout)  # it looped in the notebook: a short leash
            mode = "all" if meta.get("solution") else "definitions"
            errors += session.run_cell(gid or f"cell {i}", cell.source, mode, seconds)
    finally:
        session.close()
    seen = {v.grade_id for v in verdicts}
    for gid, test in tests.items():  # (repair puts missing test cells back: defence in depth)
        if gid not in seen:
            points = float(_meta(test).get("points", 0) or 0)
            verdicts.append(CellVerdict(gid, points, 0.0, zeroed="the test cell was missing"))
    return verdicts, session.denied
