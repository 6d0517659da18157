"""The test cells fit the trusted verdict's contract, checked in-process (fast, no kernel).

The trusted verdict (``autograder.grading.trusted``) runs each test cell's source,
hidden tests included, where Keras is absent, in a namespace made of the learner's
answers and the instructor's definitions. Here each solution notebook's grade cells
run the same way, in this process:

* the source needs no Keras/TensorFlow and makes no plain ``assert`` (one wrong answer
  would zero the whole cell) and ends with ``score.total()``;
* with the solution's answers and definitions only (no other notebook variable), the
  full cell earns its points, and so does its visible part alone (what the learner's
  Validate runs);
* without the answers (the blank release) the visible part does not earn its points.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re

import nbformat
import pytest
from fixtures.helpers import REPO_ROOT

from autograder.course.assignments import Course
from autograder.course.samples import solution_text

COURSE = Course(REPO_ROOT)
SOLUTIONS = sorted(COURSE.solutions_dir.glob("*/*.ipynb"))
HIDDEN = re.compile(r"^### BEGIN HIDDEN TESTS$.*?^### END HIDDEN TESTS$\n?", re.S | re.M)
FORBIDDEN_MODULES = ("keras", "tensorflow")


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _grade_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [
        (index, cell)
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and _nbgrader(cell).get("grade")
    ], nb


CELLS = [
    pytest.param(path, index, id=f"{path.stem[:2]}-{_nbgrader(cell)['grade_id']}")
    for path in SOLUTIONS
    for index, cell in _grade_cells(path)[0]
]


def _statements(source: str) -> list[ast.stmt]:
    source = "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    try:
        return ast.parse(source).body
    except SyntaxError:
        return []


def _imports_forbidden(node: ast.stmt, modules=FORBIDDEN_MODULES) -> bool:
    names = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        names = [node.module or ""]
    return any(n.split(".")[0] in modules for n in names)


def _namespace(nb, upto: int, *, answers: bool) -> dict:
    """Definitions of the cells before ``upto``; the solution cells' statements if ``answers``."""
    ns: dict = {"__name__": "__main__"}
    exec("import numpy as np", ns)
    for cell in nb.cells[:upto]:
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or meta.get("grade"):
            continue
        solution = bool(meta.get("solution"))
        if solution and not answers:
            continue
        for node in _statements(solution_text(cell.source) if solution else cell.source):
            if _imports_forbidden(node, (*FORBIDDEN_MODULES, "matplotlib")):
                continue
            keep = solution or isinstance(node, ast.FunctionDef | ast.ClassDef)
            keep = keep or isinstance(node, ast.Import | ast.ImportFrom)
            if not keep:
                continue
            module = ast.Module(body=[node], type_ignores=[])
            with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
                exec(compile(module, "<setup>", "exec"), ns)
    return ns


def _run(source: str, ns: dict):
    """Run a test cell; the value of its last expression (None if it raised)."""
    body = ast.parse(source).body
    last = body.pop() if body and isinstance(body[-1], ast.Expr) else None
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(ast.Module(body=body, type_ignores=[]), "<test>", "exec"), ns)
            value = None
            if last is not None:
                value = eval(compile(ast.Expression(last.value), "<test>", "eval"), ns)
    except Exception as err:  # the verdict scores an exception as 0
        return None, out.getvalue() + f"\n{type(err).__name__}: {err}"
    return value, out.getvalue()


@pytest.mark.parametrize(("path", "index"), CELLS)
def test_test_cell_source_is_keras_free_and_assert_free(path, index):
    cells, _ = _grade_cells(path)
    source = dict(cells)[index].source
    tree = ast.parse(source)
    for node in ast.walk(tree):
        assert not _imports_forbidden(node), f"imports Keras/TensorFlow: {ast.unparse(node)}"
        assert not isinstance(node, ast.Assert), f"a plain assert: {ast.unparse(node)}"
        if isinstance(node, ast.Name):
            assert node.id not in ("keras", "tf"), f"uses {node.id}"
    assert ast.unparse(tree.body[-1]) == "score.total()", "the last line is score.total()"


@pytest.mark.slow
@pytest.mark.parametrize(("path", "index"), CELLS)
def test_solution_earns_full_points_with_and_without_hidden_tests(path, index):
    cells, nb = _grade_cells(path)
    cell = dict(cells)[index]
    points = float(_nbgrader(cell)["points"])
    full, out = _run(cell.source, _namespace(nb, index, answers=True))
    assert full == pytest.approx(points), out
    visible = HIDDEN.sub("", cell.source)
    assert visible != cell.source, "every test cell has a hidden part"
    shown, out = _run(visible, _namespace(nb, index, answers=True))
    assert shown == pytest.approx(points), out
    blank, out = _run(visible, _namespace(nb, index, answers=False))
    assert blank is None or blank < points, out
