"""The exercises of each source notebook, read at ``generate`` time for the self-study room.

:func:`exercise_table` parses ``solutions/<id>/<id>.ipynb`` into a small table: for every
exercise its name (the solution cell's ``grade_id``), the test cell's ``grade_id`` and
points, the learner names it defines, and the parts of its test cell's ``Score``
(``score.add(check_<op>, fn, groups=[...], points=w)`` and the like, hidden ones included,
as check names, group names and weights only: no hidden test code goes into the table),
with the visible test code (what the student notebook shows) the self-check reruns.
:func:`reveal_table` extracts what a self-learner may ask to see (the worked solution, the
model answer with its rubric, an outline of the solution) and exists only in the self-study
edition: a course built for a graded class (``python -m autograder generate --graded``)
ships none of it.

Both are written by :func:`write_selfstudy_data` into ``autograder/selfstudy/data/`` of the
course tree (the package data of :mod:`autograder.selfstudy`); nothing here is copied by
hand from the notebooks.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat

#: Where the self-study data lives inside a course tree (the repository or a copy of it).
DATA_DIR = Path("autograder", "selfstudy", "data")
TABLE_FILE = "exercises.json"
REVEAL_FILE = "reveal.json"

#: Checks of ``autograder.checks`` that take a value or a table written in the test cell,
#: not a learner function with named case groups from the package.
VALUE_CHECKS = ("check_cases", "check_answer_format", "check_shape_answer", "check_array_answer")

_HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M
)
_MARK_SCHEME = re.compile(r"### BEGIN MARK SCHEME\n(.*?)### END MARK SCHEME", re.S)
_SOLUTION = re.compile(
    r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*\n?", re.S | re.M
)
_MAGIC = re.compile(r"^[ \t]*[%!].*$", re.M)
_EXERCISE = re.compile(r"^#{2,4}[ \t]+(Exercise\b[^\n]*)$", re.M)


class ExerciseTableError(ValueError):
    """A source notebook whose exercises cannot be read (an authoring error)."""


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


def _literal(node: ast.AST, what: str, where: str):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ExerciseTableError(
            f"{where}: `{what}` must be a literal for the self-study table. "
            f"Received: {what}={ast.unparse(node)}"
        ) from None


def _call_name(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _score_parts(source: str, where: str) -> tuple[list[dict], str | None]:
    """The parts of a test cell's ``Score``, in order, and what of it the learner may rerun.

    Every ``score.add(check_<op>, first, ..., points=w)`` and ``score.add_points(...,
    out_of=w)`` is one part: its check (``<op>``; ``points`` for ``add_points``), the name
    of its first argument when it is a plain name (the learner's function or answer), its
    groups (None: all), its weight, whether it is hidden and how the self-check runs it
    (``runner``): ``check`` (a check of the package with named case groups, on the
    learner's function: rerun on fresh random cases, hidden groups included), ``visible``
    (a visible part of another kind: rerun by running the visible test code) or None
    (a hidden part of another kind: decided only at hand-in). Hidden parts carry no code.

    Returns
    -------
    (parts, visible_code)
        ``visible_code``: the visible test code (what the student notebook shows) without
        the ``check`` parts and the final ``score.total()``, when a visible part needs it;
        run after it, ``score`` holds the visible parts' points.
    """
    hidden = [
        (source.count("\n", 0, m.start()) + 1, source.count("\n", 0, m.end()) + 1)
        for m in _HIDDEN.finditer(source)
    ]
    parts = []
    tree = ast.parse(_MAGIC.sub("", source))
    local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Store)}  # fmt: skip
    # the Score objects of the cell (score = Score(points=N)): their add calls are the parts
    scores = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
              and _call_name(n.value) == "Score" for t in n.targets
              if isinstance(t, ast.Name)}  # fmt: skip
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method = node.func.attr
        receiver = node.func.value
        if method not in ("add", "add_points") or getattr(receiver, "id", None) not in scores:
            continue
        kwargs = {k.arg: k.value for k in node.keywords if k.arg}
        first = node.args[0] if node.args else None
        if method == "add_points":
            check, subject, weight = "points", None, kwargs.get("out_of")
        else:
            check = ast.unparse(first) if first is not None else ""
            subject = node.args[1] if len(node.args) > 1 else None
            weight = kwargs.get("points")
            if not check.startswith("check_"):
                raise ExerciseTableError(
                    f"{where}: score.add(...) must name a check of autograder.checks first. "
                    f"Received: {ast.unparse(node)}"
                )
        if weight is None:
            raise ExerciseTableError(
                f"{where}: every part of a Score needs its weight. Received: {ast.unparse(node)}"
            )
        is_hidden = any(a <= node.lineno <= b for a, b in hidden)
        groups = _literal(kwargs["groups"], "groups", where) if "groups" in kwargs else None
        if isinstance(groups, str):
            groups = [groups]
        # the learner's function or answer; a name the cell assigns itself is none of those
        function = subject.id if isinstance(subject, ast.Name) else None
        function = None if function in local else function
        runs_check = check != "points" and check not in VALUE_CHECKS and function is not None
        runner = "check" if runs_check else (None if is_hidden else "visible")
        parts.append(
            {
                "check": check.removeprefix("check_"),
                "function": function,
                "groups": None if groups is None else list(groups),
                "points": _literal(weight, "points", where),
                "hidden": is_hidden,
                "runner": runner,
                "line": node.lineno,
                "end": node.end_lineno,
            }
        )
    parts.sort(key=lambda c: c["line"])
    visible_code = None
    if any(p["runner"] == "visible" for p in parts):
        drop = {n for p in parts if p["runner"] == "check" for n in range(p["line"], p["end"] + 1)}
        lines = _MAGIC.sub("", source).splitlines()
        for node in ast.parse(_MAGIC.sub("", source)).body:  # the final score.total()
            if isinstance(node, ast.Expr) and _call_name(node.value) == "total":
                drop |= set(range(node.lineno, node.end_lineno + 1))
        kept = [ln for i, ln in enumerate(lines, 1) if i not in drop]
        visible_code = _HIDDEN.sub("", "\n".join(kept) + "\n").strip() + "\n"
    for part in parts:
        del part["line"], part["end"]
    return parts, visible_code


def _defined_names(source: str) -> list[str]:
    """Top-level names a solution cell defines (functions and assignments), public first."""
    names: list[str] = []
    try:
        tree = ast.parse(_MAGIC.sub("", source))
    except SyntaxError:
        return names
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    names = list(dict.fromkeys(names))
    return [n for n in names if not n.startswith("_")] + [n for n in names if n.startswith("_")]


def _assert_messages(source: str) -> list[str]:
    """The literal messages of the ``assert`` statements in (visible) test code."""
    messages = []
    try:
        tree = ast.parse(_MAGIC.sub("", source))
    except SyntaxError:
        return messages
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and isinstance(node.msg, ast.Constant):
            if isinstance(node.msg.value, str):
                messages.append(node.msg.value)
    return messages


def _docstring(source: str) -> str:
    """The test cell's one-line docstring (what it checks, as the learner sees it)."""
    try:
        return (ast.get_docstring(ast.parse(_MAGIC.sub("", source))) or "").strip()
    except SyntaxError:
        return ""


def _heading(source: str, level: str) -> str | None:
    """The first heading of ``level`` (e.g. ``"##"``) that is not an exercise's."""
    for line in source.splitlines():
        if line.startswith(level + " ") and not _EXERCISE.match(line):
            return line[len(level) + 1 :].strip()
    return None


def _solution_outline(code: str) -> list[str]:
    """Comments and NumPy calls of a solution, in order: a last hint, not the code."""
    outline = []
    for match in re.finditer(r"#\s*(.+)$|\b(np(?:\.\w+)+)\(", code, re.M):
        item = match.group(1) or f"{match.group(2)}(...)"
        if item not in outline:
            outline.append(item.strip())
    return outline


def read_notebook(path: Path | str) -> tuple[list[dict], dict]:
    """The exercises of one source notebook and what a self-learner may reveal of each.

    Returns
    -------
    (exercises, reveal)
        ``exercises``: one dict per exercise, in notebook order, with ``name``, ``kind``
        (``check``: its test cell adds up a ``Score`` of parts; ``test``: other automatic
        tests; ``written``: graded by hand), ``title``, ``section``, ``statement``, ``test``,
        ``points``, ``defines``, ``checks`` (the Score's parts, see :func:`_score_parts`),
        ``visible_code``, ``visible_messages`` and ``test_doc``.
        ``reveal``: exercise name -> ``solution`` (the source cell), ``outline`` and, for
        written ones, ``model_answer`` (model answer and rubric).
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    exercises: list[dict] = []
    reveal: dict = {}
    section = title = None
    statement = ""
    pending: dict | None = None
    written = None  # the written exercise whose rubric (a mark-scheme task cell) may follow
    for cell in nb.cells:
        meta = _nbgrader(cell)
        source = cell.source
        if cell.cell_type == "markdown" and not meta:
            heading = _EXERCISE.search(source)
            section = _heading(source, "##") or section
            if heading:
                title, statement = heading.group(1).strip(), source[heading.end() :].strip()
            continue
        where = f"{path.name}, cell {meta.get('grade_id', cell.get('id'))!r}"
        common = {"title": title, "section": section, "statement": statement}
        if meta.get("solution") and meta.get("grade") and cell.cell_type == "markdown":
            exercises.append(
                {
                    "name": meta["grade_id"],
                    "kind": "written",
                    **common,
                    "test": meta["grade_id"],
                    "points": meta.get("points"),
                    "defines": [],
                    "checks": [],
                    "visible_code": None,
                    "visible_messages": [],
                    "test_doc": "",
                }
            )
            reveal[meta["grade_id"]] = {"model_answer": source.strip()}
            written = meta["grade_id"]
            pending = None
        elif meta.get("task") and written in reveal:
            # the written answer's rubric: an nbgrader mark scheme in the task cell after it
            scheme = _MARK_SCHEME.search(source)
            if scheme:
                reveal[written]["model_answer"] += "\n\n" + scheme.group(1).strip()
            written = None
        elif meta.get("solution") and not meta.get("grade"):
            if pending is not None:
                raise ExerciseTableError(f"{where}: solution cell with no test cell after it")
            body = "\n".join(m.group(1) for m in _SOLUTION.finditer(source))
            solved = _SOLUTION.sub(lambda m: m.group(1), source)  # the cell, markers dropped
            pending = {"name": meta["grade_id"], **common, "defines": _defined_names(solved)}
            reveal[meta["grade_id"]] = {
                "solution": solved.strip() + "\n",
                "outline": _solution_outline(body),
            }
        elif meta.get("grade") and cell.cell_type == "code":
            if pending is None:
                raise ExerciseTableError(f"{where}: test cell with no solution cell before it")
            visible = _HIDDEN.sub("", source)
            checks, visible_code = _score_parts(source, where)
            pending.update(
                kind="check" if checks else "test",
                visible_code=visible_code,
                test=meta["grade_id"],
                points=meta.get("points"),
                checks=checks,
                visible_messages=_assert_messages(visible),
                test_doc=_docstring(source),
            )
            exercises.append(pending)
            pending = None
    if pending is not None:
        raise ExerciseTableError(f"{path.name}: solution cell {pending['name']!r} has no test")
    return exercises, reveal


def exercise_table(course) -> dict:
    """``{"notebooks": {id: [exercise, ...]}}`` for every assignment of ``course``."""
    return {
        "notebooks": {aid: read_notebook(course.solution(aid))[0] for aid in course.assignments()}
    }


def reveal_table(course) -> dict:
    """Exercise name -> what may be revealed (self-study edition only), per notebook."""
    return {aid: read_notebook(course.solution(aid))[1] for aid in course.assignments()}


def _json(data) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def selfstudy_data(course, *, graded: bool = False) -> dict[str, str | None]:
    """File name -> text of the self-study data files (None: the file must not exist)."""
    table = exercise_table(course)
    table["edition"] = "graded" if graded else "self-study"
    return {
        TABLE_FILE: _json(table),
        REVEAL_FILE: None if graded else _json(reveal_table(course)),
    }


def write_selfstudy_data(course, *, graded: bool = False, check: bool = False) -> list[Path]:
    """Write (or, with ``check``, compare) ``autograder/selfstudy/data/`` of the course tree.

    Only a course tree that holds the package (the repository, or a copy of it being built
    for a class) gets the files; throw-away courses (the demo, tests) have no such folder
    and are left alone.

    Returns
    -------
    list of Path
        The files that changed (or would change).
    """
    folder = Path(course.root) / DATA_DIR
    if not folder.parent.is_dir():
        return []
    changed = []
    for name, text in selfstudy_data(course, graded=graded).items():
        path = folder / name
        if text is None:
            if path.exists():
                changed.append(path)
                if not check:
                    path.unlink()
            continue
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        changed.append(path)
        if not check:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return changed
