"""Sample submissions for the demo, the grading benchmark and the tests.

They are built from the course's own notebooks, so they follow the notebooks
as these change: each sample student takes the generated student notebook and
fills its solution cells. What a student writes comes from

* the solution notebook (the code between the ``### BEGIN/END SOLUTION``
  markers, markers removed; the model answer of a written question), and
* the bundled learner code ``autograder/course/data/sample_solutions.py``: when a
  solution cell defines a function of the course (``max_pool1d``,
  ``conv1d_loops``, ...), the student's own version is appended to the cell,
  so it is the one the tests call.

The bundled students (:data:`STUDENTS`):

``correct``
    every function re-implemented differently from the solution (sliding
    windows, index gathers, ``einsum``), every answer right: full automatic points.
``blank``
    the student notebook as released: no points.
``partial_strides`` / ``partial_padding``
    right answers, but functions with typical mistakes (``strides=None`` taken
    as 1, dilation ignored, one gradient kept per upsampled block, keepdims
    ignored, the cross-entropy gradient not divided by the batch / 'same' padding
    all on the right, padded zeros counted in the average, the mask ignored,
    every tied maximum given the gradient, softmax without the max-shift).
``partial_unanswered``
    the functions right, the predict-the-shape/value answers left blank.

Examples
--------
>>> from autograder.course import Course
>>> build_samples(Course(), Path("/tmp/subs"))  # doctest: +SKIP
[PosixPath('/tmp/subs/blank/01_max_pooling1d/01_max_pooling1d.ipynb'), ...]
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat

from .assignments import Course, normalise_notebook, notebook_text

SAMPLE_CODE = Path(__file__).resolve().parent / "data" / "sample_solutions.py"

#: Suffixes of notebook function names that implement the same exercise as the base name.
_VARIANT_SUFFIXES = ("_loops", "_vectorised", "_vectorized", "_naive", "_numpy", "_fast")
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclass(frozen=True)
class Student:
    """How one sample student fills solution cells.

    ``mistakes`` maps an exercise (``max_pool1d``) to the mistake variant in
    ``sample_solutions.py`` (``strides_one`` -> ``strides_one__max_pool1d``);
    ``answers`` says whether cells that define no function are filled
    (``False``: left as the stub); ``blank`` leaves the whole notebook as released.
    """

    name: str
    description: str
    mistakes: dict[str, str] = field(default_factory=dict)
    answers: bool = True
    blank: bool = False
    written_answer: str | None = None  # None: the model answer


STUDENTS = (
    Student(
        "correct",
        "every function written differently from the solution, every answer right",
    ),
    Student("blank", "the student notebook as released", blank=True),
    Student(
        "partial_strides",
        "strides=None taken as 1, dilation ignored, keepdims ignored, "
        "one gradient kept per upsampled block, "
        "the cross-entropy gradient not divided by the batch",
        mistakes={
            "max_pool1d": "strides_one",
            "average_pool1d": "strides_one",
            "conv1d": "no_dilation",
            "global_max_pool1d": "no_keepdims",
            "upsampling1d_backward": "keep_one",
            "softmax_cross_entropy": "sum_gradient",
        },
        written_answer="Pooling makes the sequence shorter.",
    ),
    Student(
        "partial_padding",
        "'same' padding all on the right, padded zeros averaged, mask ignored, "
        "every tied maximum given the gradient, softmax without the max-shift",
        mistakes={
            "max_pool1d": "right_pad",
            "conv1d": "right_pad",
            "average_pool1d": "count_padding",
            "global_average_pool1d": "ignore_mask",
            "max_pool1d_backward": "all_ties",
            "softmax_cross_entropy": "no_shift",
        },
        written_answer="Because of the padding.",
    ),
    Student(
        "partial_unanswered",
        "functions right, prediction answers left blank",
        answers=False,
    ),
)


# --------------------------------------------------------------------------- bundled code


@cache
def _sample_module() -> tuple[str, dict[str, ast.FunctionDef], list[str]]:
    text = SAMPLE_CODE.read_text(encoding="utf-8")
    tree = ast.parse(text)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    imports = [
        ast.get_source_segment(text, n)
        for n in tree.body
        if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    return text, functions, imports


def exercise_of(function_name: str) -> str | None:
    """The exercise a notebook function implements: ``max_pool1d_loops`` -> ``max_pool1d``."""
    _, functions, _ = _sample_module()
    if function_name in functions and not function_name.startswith("_"):
        return function_name
    for suffix in _VARIANT_SUFFIXES:
        if function_name.endswith(suffix) and function_name[: -len(suffix)] in functions:
            return function_name[: -len(suffix)]
    return None


def learner_code(function_name: str, mistake: str | None = None) -> str | None:
    """Standalone source defining ``function_name`` from the bundled learner code.

    The helpers it uses and the imports come along; the function is renamed to
    ``function_name`` (``conv1d`` pasted as ``conv1d_loops``). None when the
    bundle has no code for that exercise.
    """
    exercise = exercise_of(function_name)
    if exercise is None:
        return None
    text, functions, imports = _sample_module()
    key = f"{mistake}__{exercise}" if mistake else exercise
    if key not in functions:
        key = exercise
    needed, todo = [], [key]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.append(name)
        todo += [
            n.id
            for n in ast.walk(functions[name])
            if isinstance(n, ast.Name) and n.id in functions and n.id != name
        ]
    order = [name for name in functions if name in needed and name != key]
    parts = [ast.get_source_segment(text, functions[name]) for name in order]
    main = ast.get_source_segment(text, functions[key])
    main = re.sub(rf"^def {re.escape(key)}\(", f"def {function_name}(", main, count=1)
    return "\n".join(imports) + "\n\n\n" + "\n\n\n".join([*parts, main]) + "\n"


# --------------------------------------------------------------------------- notebooks


def solution_text(source: str) -> str:
    """A solution cell's source as a perfect student would leave it (markers removed)."""
    return "\n".join(line for line in source.splitlines() if not _MARKER.match(line)).strip("\n")


def defined_functions(source: str) -> list[str]:
    """Names of the top-level functions a code cell defines (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]


def fill_cell(student: Student, solution_source: str, cell_type: str) -> str | None:
    """What ``student`` writes in a solution cell (None: leave the stub)."""
    if cell_type == "markdown":
        if not student.answers:
            return None
        return student.written_answer or solution_text(solution_source)
    code = solution_text(solution_source)
    names = defined_functions(code)
    if not names and not student.answers:
        return None
    own = [learner_code(name, student.mistakes.get(exercise_of(name) or "")) for name in names]
    own = [c for c in own if c]
    if not own:
        return code
    return (
        code
        + "\n\n\n# ---- my own version (sample submission) ----\n"
        + "\n\n".join(own).rstrip("\n")
    )


def sample_notebook(course: Course, assignment: str, notebook: str, student: Student):
    """The notebook ``student`` submits: the released notebook with solution cells filled."""
    released = nbformat.read(course.notebooks_dir / assignment / f"{notebook}.ipynb", as_version=4)
    if student.blank:
        return released
    source = nbformat.read(course.solutions_dir / assignment / f"{notebook}.ipynb", as_version=4)
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in released.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in solutions:
            text = fill_cell(student, solutions[meta["grade_id"]].source, cell.cell_type)
            if text is not None:
                cell.source = text
    return released


def build_samples(
    course: Course,
    dest: Path,
    *,
    students: tuple[Student, ...] = STUDENTS,
    assignments: list[str] | None = None,
    copies: int = 1,
) -> list[Path]:
    """Write sample submissions in nbgrader's layout ``dest/<student>/<assignment>/<nb>.ipynb``.

    Parameters
    ----------
    course : Course
        Its ``notebooks/`` must be generated (``python -m autograder generate``).
    dest : path
        Created if needed.
    students : tuple of Student
        Default: :data:`STUDENTS`.
    assignments : list of str, optional
        Default: every assignment of the course.
    copies : int
        ``copies > 1`` writes ``<student>_<k>`` copies (k = 1..copies) of each
        student, e.g. 16 submissions for the benchmark.

    Returns
    -------
    list of Path
        The notebooks written, sorted.
    """
    written = []
    for aid in course.select(assignments):
        for nb_id in course.notebook_ids(aid):
            for student in students:
                nb = normalise_notebook(sample_notebook(course, aid, nb_id, student))
                text = notebook_text(nb)
                names = (
                    [student.name]
                    if copies == 1
                    else [f"{student.name}_{k}" for k in range(1, copies + 1)]
                )
                for name in names:
                    path = Path(dest) / name / aid / f"{nb_id}.ipynb"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
                    written.append(path)
    return sorted(written)
