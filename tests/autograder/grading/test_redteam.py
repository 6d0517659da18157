"""Red team: the trusted verdict gives no undeserved point, and keeps every deserved one.

Issue 13's classes of holes, several variants each, against the verdict
(:func:`autograder.grading.trusted.verdict_notebook`) on a small course built
here (``rt_pool``: setup helpers, an implementation exercise with a partial-credit
check, a plain-assert test that trusts a setup helper, a shape answer, a
hand-worked array, a partial-credit answer check). Each attack is a learner's
notebook as a determined learner would write it after reading ``autograder/``;
each test asserts the points the verdict stores. Unit level (a worker process,
no nbgrader kernel: about a second each); ``test_end_to_end_*`` grade a few
through the real pipeline (slow).

Cells of ``rt_pool`` (points): ``max_pool_matches_reference`` (2),
``max_pool_plain_asserts`` (1), ``shape_answer_test`` (1), ``hand_pooled_test``
(1), ``shape_partial`` (1).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
from fixtures.hostile.make_hostile_fixtures import CORRECT as HOSTILE_CORRECT
from fixtures.make_fixture_course import KERNELSPEC, code, md
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.grading.trusted import (
    VerdictError,
    learner_names,
    run_test,
    trusted_setup,
    verdict_notebook,
)
from autograder.sandbox.worker import NotPlain, NotPlainData, WireError, decode, encode

AID = "rt_pool"
CELLS = {
    "max_pool_matches_reference": 2.0,
    "max_pool_plain_asserts": 1.0,
    "shape_answer_test": 1.0,
    "hand_pooled_test": 1.0,
    "shape_partial": 1.0,
}
FULL = dict(CELLS)
NOTHING = dict.fromkeys(CELLS, 0.0)

SETUP = """\
import numpy as np
import pooling_ref
import keras  # the lesson's demos; the grader has no Keras: skipped there
import matplotlib.pyplot as plt

from autograder.checks import check_max_pool1d, check_shape_answer, expected_pool1d_shape

keras.utils.set_random_seed(0)


def make_sequence(steps, channels=1):
    # the worked example's input: 0, 1, 2, 3, 4, 0, ...
    return (np.arange(steps * channels, dtype="float32") % 5).reshape(1, steps, channels)


layer = keras.layers.MaxPooling1D(2)
fig = plt.figure()
"""

MAX_POOL = HOSTILE_CORRECT["max_pool1d_impl"]
SOLUTIONS = {
    "max_pool1d_impl": MAX_POOL,
    "shape_answer": "answer_shape = (2, 3, 4)",
    "hand_pooled": "hand_pooled = np.array([1.0, 3.0, 4.0])",
}
BLANKS = {
    "max_pool1d_impl": (
        'def max_pool1d(x, pool_size=2, strides=None, padding="valid", '
        'data_format="channels_last"):\n    raise NotImplementedError()'
    ),
    "shape_answer": "answer_shape = None",
    "hand_pooled": "hand_pooled = None",
}
TESTS = {
    "max_pool_matches_reference": """\
\"\"\"max_pool1d agrees with pooling_ref (partial credit).\"\"\"
score = check_max_pool1d(max_pool1d, groups=["valid"], points=1)
### BEGIN HIDDEN TESTS
score += check_max_pool1d(max_pool1d, groups=["same", "channels_first", "random"], points=1)
### END HIDDEN TESTS
score""",
    "max_pool_plain_asserts": """\
\"\"\"max_pool1d on the worked example (plain asserts, a setup helper).\"\"\"
x = make_sequence(6)
assert max_pool1d(x, 3, 1).shape == (1, 4, 1)
### BEGIN HIDDEN TESTS
assert np.array_equal(max_pool1d(x, 2), pooling_ref.max_pool1d(x, 2))
### END HIDDEN TESTS""",
    "shape_answer_test": """\
\"\"\"answer_shape is MaxPooling1D(3)'s output shape on (2, 10, 4).\"\"\"
assert isinstance(answer_shape, tuple), "give a tuple"
### BEGIN HIDDEN TESTS
assert answer_shape == expected_pool1d_shape((2, 10, 4), 3)
### END HIDDEN TESTS""",
    "hand_pooled_test": """\
\"\"\"hand_pooled: MaxPooling1D(2) of the worked example, by hand.\"\"\"
assert np.shape(hand_pooled) == (3,)
### BEGIN HIDDEN TESTS
np.testing.assert_allclose(hand_pooled, pooling_ref.max_pool1d(make_sequence(6), 2)[0, :, 0])
### END HIDDEN TESTS""",
    "shape_partial": """\
\"\"\"The same shape, as partial credit.\"\"\"
check_shape_answer(answer_shape, expected_pool1d_shape((2, 10, 4), 3), points=1)""",
}


def rt_cells(solutions: dict[str, str]) -> list:
    """The cells of rt_pool with ``solutions`` in the solution cells."""
    return [
        md("# Red team pool", "intro"),
        code(SETUP, "setup", locked=True),
        code(solutions["max_pool1d_impl"], "max_pool1d_impl", solution=True),
        code(
            TESTS["max_pool_matches_reference"],
            "max_pool_matches_reference",
            grade=True,
            locked=True,
            points=2,
        ),
        code(
            TESTS["max_pool_plain_asserts"],
            "max_pool_plain_asserts",
            grade=True,
            locked=True,
            points=1,
        ),
        code(solutions["shape_answer"], "shape_answer", solution=True),
        code(TESTS["shape_answer_test"], "shape_answer_test", grade=True, locked=True, points=1),
        code(solutions["hand_pooled"], "hand_pooled", solution=True),
        code(TESTS["hand_pooled_test"], "hand_pooled_test", grade=True, locked=True, points=1),
        code(TESTS["shape_partial"], "shape_partial", grade=True, locked=True, points=1),
        code("max_pool1d(make_sequence(8), 2)", "play"),
    ]


def _notebook(cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict[str, Path]:
    """rt_pool's source and template notebooks (the template: blanks in the solution cells)."""
    root = tmp_path_factory.mktemp("redteam")
    source = root / "source.ipynb"
    release = root / "release.ipynb"
    nbformat.write(_notebook(rt_cells(SOLUTIONS)), source)
    nbformat.write(_notebook(rt_cells(BLANKS)), release)
    return {"source": source, "release": release, "root": root}


def submission(
    tmp_path: Path,
    fills: dict[str, str] | None = None,
    *,
    extra: list[tuple[str, str]] = (),
    outputs: dict[str, list] | None = None,
) -> Path:
    """A learner's notebook: the correct solutions, with ``fills`` instead of some of them.

    ``extra`` adds learner cells ``(after_cell_id, source)``; ``outputs`` puts outputs in
    cells (what a kernel run, forged or not, left there).
    """
    nb = _notebook(rt_cells({**SOLUTIONS, **(fills or {})}))
    for after, source in extra:
        at = next(i for i, c in enumerate(nb.cells) if c.get("id") == after)
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source))
    for cell in nb.cells:
        if outputs and cell.get("id") in outputs:
            cell.outputs = [nbformat.from_dict(o) for o in outputs[cell.id]]
    path = tmp_path / f"{AID}.ipynb"
    nbformat.write(nb, path)
    return path


def scores(course, path: Path, **kw) -> dict[str, float]:
    kw.setdefault("cell_timeout", 5.0)
    kw.setdefault("budget", 60.0)
    kw.setdefault("seed", 1234)
    verdicts, _ = verdict_notebook(path, course["source"], course["release"], **kw)
    return {v.grade_id: v.score for v in verdicts}


def without(points: dict, *cells: str) -> dict:
    return {k: (0.0 if k in cells else v) for k, v in points.items()}


IMPL = ("max_pool_matches_reference", "max_pool_plain_asserts")
ANSWER = ("shape_answer_test", "shape_partial")


# ------------------------------------------------------------------ the baseline


def test_correct_submission_gets_full_marks_and_blank_gets_nothing(course, tmp_path):
    assert scores(course, submission(tmp_path)) == FULL
    assert scores(course, submission(tmp_path, BLANKS)) == NOTHING


def test_learner_names_come_from_the_template_solution_cells(course):
    release = nbformat.read(course["release"], as_version=4)
    assert learner_names(release) == ["max_pool1d", "answer_shape", "hand_pooled"]


def test_trusted_setup_keeps_the_instructors_definitions_and_skips_keras_and_plots(course):
    setup = trusted_setup(course["source"])
    before_plain = setup["max_pool_plain_asserts"]
    assert callable(before_plain["make_sequence"]) and before_plain["np"] is np
    assert "check_max_pool1d" in before_plain and "pooling_ref" in before_plain
    assert not {"keras", "plt", "layer", "fig"} & set(before_plain)
    assert "max_pool1d" not in before_plain  # solution cells are never the setup


def test_a_wrong_function_earns_only_the_groups_it_passes(course, tmp_path):
    # ignores padding: passes "valid" (and channels_first, valid there), fails "same"
    valid_only = MAX_POOL.replace('if padding.lower() == "same":', "if False:")
    got = scores(course, submission(tmp_path, {"max_pool1d_impl": valid_only}))
    assert got["max_pool_matches_reference"] == 1.0
    assert got["max_pool_plain_asserts"] == 1.0  # no `same` in the plain asserts


# ------------------------------------------------------------------ 1. output forgery

WRONG_POOL = (
    'def max_pool1d(x, pool_size=2, strides=None, padding="valid", '
    'data_format="channels_last"):\n    return np.zeros((1, 1, 1))\n'
)
FORGERIES = {
    "displayhook": "import sys\nsys.displayhook = lambda value: print(2.0)\n",
    "ipython-formatter": (
        "ip = get_ipython()\n"
        "ip.display_formatter.formatters['text/plain'].for_type(float, lambda *a: '2.0')\n"
    ),
    "shell-methods": (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.run_cell = lambda self, *a, **k: None\n"
        "InteractiveShell.showtraceback = lambda *a, **k: None\n"
    ),
    "thread-during-tests": (
        "import threading, time, os, json, struct\n"
        "def forge():\n"
        "    for _ in range(200):\n"
        "        time.sleep(0.01)\n"
        "        print('max_pool1d: 2/2 groups pass -> 2 of 2 points')\n"
        "        data = json.dumps({'value': {'ndarray': 'AAAA'}}).encode()\n"
        "        for fd in range(3, 30):\n"
        "            try:\n"
        "                os.write(fd, struct.pack('!I', len(data)) + data)\n"
        "            except OSError:\n"
        "                pass\n"
        "threading.Thread(target=forge, daemon=True).start()\n"
    ),
    "prints-scores": "print('score: 6.0 / 6.0')\nimport sys\nprint('2.0', file=sys.stderr)\n",
}
FAKE_RESULT = [
    {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"text/plain": "2.0"},
    },
    {"output_type": "stream", "name": "stdout", "text": "2/2 groups pass\n"},
]


@pytest.mark.parametrize("attack", sorted(FORGERIES))
def test_output_forgery_earns_nothing(course, tmp_path, attack):
    path = submission(
        tmp_path,
        {"max_pool1d_impl": FORGERIES[attack] + WRONG_POOL, "shape_answer": "answer_shape = 1"},
        extra=[("intro", FORGERIES[attack])],
        outputs={gid: FAKE_RESULT for gid in CELLS},  # what a forged kernel run left
    )
    got = scores(course, path)
    assert got == without(FULL, *IMPL, *ANSWER) or (
        attack == "thread-during-tests"  # its forged messages may also break its right answers
        and all(got[c] <= FULL[c] for c in CELLS)
        and not any(got[c] for c in (*IMPL, *ANSWER))
    )


# ------------------------------------------------------------------ 2. lying objects

LIARS = {
    "always-equal": """\
class Answer:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
""",
    "tuple-subclass": """\
class Answer(tuple):
    def __eq__(self, other):
        return True
    __hash__ = tuple.__hash__
""",
    "int-subclass": """\
class Answer(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
""",
    "float-conversion": """\
class Answer:
    def __float__(self):
        return 2.0
    def __eq__(self, other):
        return True
""",
    "array-protocol": """\
class Answer:
    def __array__(self, dtype=None, copy=None):
        return np.array([1.0, 3.0, 4.0])
    def __eq__(self, other):
        return True
""",
    "ndarray-subclass": """\
class Answer(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), bool)
    def __array_finalize__(self, obj):
        pass
""",
}


@pytest.mark.parametrize("liar", sorted(LIARS))
def test_lying_answers_earn_nothing(course, tmp_path, liar):
    cls = LIARS[liar]
    make = "Answer((2, 3, 4))" if liar == "tuple-subclass" else "Answer()"
    if liar == "int-subclass":
        make = "Answer(7)"
    if liar == "ndarray-subclass":
        make = "np.zeros(3).view(Answer)"
    fills = {
        "shape_answer": cls + f"answer_shape = {make}",
        "hand_pooled": cls + f"hand_pooled = {make}",
    }
    got = scores(course, submission(tmp_path, fills))
    assert got == without(FULL, *ANSWER, "hand_pooled_test")


@pytest.mark.parametrize("liar", ["always-equal", "ndarray-subclass", "array-protocol"])
def test_functions_returning_lying_objects_earn_nothing(course, tmp_path, liar):
    make = "np.zeros(3).view(Answer)" if liar == "ndarray-subclass" else "Answer()"
    fill = LIARS[liar] + WRONG_POOL.replace("np.zeros((1, 1, 1))", make)
    got = scores(course, submission(tmp_path, {"max_pool1d_impl": fill}))
    assert got == without(FULL, *IMPL)


def test_a_not_plain_answer_says_what_to_give(course, tmp_path):
    path = submission(tmp_path, {"shape_answer": LIARS["always-equal"] + "answer_shape = Answer()"})
    verdicts, _ = verdict_notebook(path, course["source"], course["release"], seed=1)
    shape = next(v for v in verdicts if v.grade_id == "shape_answer_test")
    assert shape.score == 0.0
    assert shape.learner_errors == [
        "`answer_shape` is an Answer, not plain data: give a tuple, list, dict, number, string "
        "or NumPy array"
    ]


# ------------------------------------------------------------------ 3. helpers and globals


REDEFINITIONS = {
    "setup-helper": "def make_sequence(steps, channels=1):\n    return np.zeros((1, steps, 1))\n",
    "numpy": (
        "import types\n"
        "np = types.SimpleNamespace(array_equal=lambda *a, **k: True, shape=lambda a: (3,),\n"
        "    testing=types.SimpleNamespace(assert_allclose=lambda *a, **k: None))\n"
    ),
    "reference": (
        "import types\n"
        "pooling_ref = types.SimpleNamespace(max_pool1d=lambda x, *a, **k: np.zeros((1, 1, 1)))\n"
    ),
    "expected-helper": "expected_pool1d_shape = lambda *a, **k: answer_shape\n",
    "builtins": (
        "import builtins\n"
        "builtins.isinstance = lambda *a: True\n"
        "class AssertionError(Exception):\n    pass\n"
        "builtins.AssertionError = AssertionError\n"
    ),
}


@pytest.mark.parametrize("where", ["solution-cell", "own-cell"])
@pytest.mark.parametrize("what", sorted(REDEFINITIONS))
def test_redefined_helpers_and_globals_earn_nothing(course, tmp_path, what, where):
    trick = REDEFINITIONS[what]
    wrong = {
        "max_pool1d_impl": WRONG_POOL,
        "shape_answer": "answer_shape = (1, 1, 1)",
        "hand_pooled": "hand_pooled = np.zeros(3)",
    }
    if where == "solution-cell":
        fills = {gid: trick + source for gid, source in wrong.items()}
        extra = []
    else:
        fills, extra = wrong, [("intro", trick), ("max_pool1d_impl", trick)]
    got = scores(course, submission(tmp_path, fills, extra=extra))
    assert got == NOTHING


def test_a_redefined_setup_helper_does_not_reach_the_hidden_tests(course, tmp_path):
    # with the learner's make_sequence (zeros), zeros would be the reference's answer too
    zeros = "def make_sequence(steps, channels=1):\n    return np.zeros((1, steps, channels))\n"
    fills = {
        "max_pool1d_impl": zeros + "def max_pool1d(x, pool_size=2, strides=None, **kw):\n"
        "    strides = strides or pool_size\n"
        "    return np.zeros((1, (x.shape[1] - pool_size) // strides + 1, x.shape[2]), x.dtype)\n",
        "hand_pooled": zeros + "hand_pooled = np.zeros(3)",
    }
    got = scores(course, submission(tmp_path, fills, extra=[("setup", zeros)]))
    assert got == without(FULL, *IMPL, "hand_pooled_test")


# ------------------------------------------------------------------ 4. the checks themselves

CHECK_PATCHES = {
    "check-function": (
        "import autograder.checks as checks\n"
        "checks.check_max_pool1d = lambda fn, **k: k.get('points')\n"
    ),
    "run-check": (
        "import sys, types\n"
        "fake = types.ModuleType('autograder.checks')\n"
        "fake.run_check = lambda *a, **k: k.get('points')\n"
        "fake.check_max_pool1d = fake.check_shape_answer = lambda *a, **k: k.get('points')\n"
        "sys.modules['autograder.checks'] = fake\n"
        "check_max_pool1d = check_shape_answer = fake.check_max_pool1d\n"
    ),
    "check-module-globals": (
        "import sys\n"
        "for name, module in list(sys.modules.items()):\n"
        "    if name.startswith(('autograder', 'numpy')):\n"
        "        for attr in ('array_mismatch', 'array_equal', 'allclose'):\n"
        "            if hasattr(module, attr):\n"
        "                fake = (lambda *a, **k: []) if 'mismatch' in attr else max\n"
        "                setattr(module, attr, fake)\n"
    ),
    "numpy-testing": "np.testing.assert_allclose = lambda *a, **k: None\nnp.array_equal = max\n",
    "import-hook": (
        "import builtins\n"
        "_real = builtins.__import__\n"
        "def _imp(name, *a, **k):\n"
        "    if name.startswith('autograder'):\n"
        "        raise ImportError('no')\n"
        "    return _real(name, *a, **k)\n"
        "builtins.__import__ = _imp\n"
    ),
}


@pytest.mark.parametrize("patch", sorted(CHECK_PATCHES))
def test_replacing_the_checks_earns_nothing(course, tmp_path, patch):
    fills = {
        "max_pool1d_impl": CHECK_PATCHES[patch] + WRONG_POOL,
        "shape_answer": CHECK_PATCHES[patch] + "answer_shape = (9, 9, 9)",
        "hand_pooled": "hand_pooled = np.zeros(3)",
    }
    assert scores(course, submission(tmp_path, fills)) == NOTHING


# ------------------------------------------------------------------ 5. delegation

DELEGATIONS = {
    "pooling-ref-import": "from pooling_ref import max_pool1d\n",
    "pooling-ref-importlib": (
        "import importlib\n"
        "def max_pool1d(x, *args, **kwargs):\n"
        "    return importlib.import_module('pooling_ref').max_pool1d(x, *args, **kwargs)\n"
    ),
    "keras-layer": (
        "def max_pool1d(x, pool_size=2, strides=None, padding='valid', "
        "data_format='channels_last'):\n"
        "    import keras\n"
        "    layer = keras.layers.MaxPooling1D(pool_size, strides, padding, data_format)\n"
        "    return keras.ops.convert_to_numpy(layer(x))\n"
    ),
    "tensorflow-dunder-import": (
        "def max_pool1d(x, pool_size=2, strides=None, padding='valid', **kw):\n"
        "    tf = __import__('tensorflow')\n"
        "    return tf.nn.max_pool1d(x, pool_size, strides or pool_size, padding.upper()).numpy()\n"
    ),
    "reference-source-file": (
        "import pathlib, sys\n"
        f"_src = {str(Path(__file__).resolve().parents[3] / 'pooling_ref')!r}\n"
        "sys.path.insert(0, str(pathlib.Path(_src).parent))\n"
        "exec(open(_src + '/pooling.py').read())\n"
        "max_pool1d = max_pool1d\n"
    ),
    "answers-from-reference": (
        "from pooling_ref import max_pool1d as _mp\n"
        "answer_shape = tuple(_mp(np.zeros((2, 10, 4)), 3).shape)\n"
    ),
}


@pytest.mark.parametrize("how", sorted(DELEGATIONS))
def test_delegating_to_pooling_ref_or_keras_earns_nothing(course, tmp_path, how):
    trick = DELEGATIONS[how]
    fills = {"max_pool1d_impl": BLANKS["max_pool1d_impl"] + "\n" + trick}
    if how == "answers-from-reference":
        fills = {"shape_answer": "answer_shape = None\n" + trick}
    got = scores(course, submission(tmp_path, fills))
    assert got == without(FULL, *(ANSWER if how == "answers-from-reference" else IMPL))


# ------------------------------------------------------------------ 6. frames and gc

SNOOPS = {
    "caller-frames": HOSTILE_CORRECT["max_pool1d_impl"].replace(
        "    x = np.asarray(x)\n",
        "    import sys\n"
        "    f = sys._getframe(1)\n"
        "    while f is not None:\n"
        "        for k in ('expected', 'want', 'reference'):\n"
        "            if hasattr(f.f_locals.get(k), 'shape'):\n"
        "                return f.f_locals[k].copy()\n"
        "        f = f.f_back\n"
        "    return np.zeros(1)\n",
        1,
    ),
    "gc-objects": (
        "import gc\n"
        "def max_pool1d(x, pool_size=2, strides=None, padding='valid', **kw):\n"
        "    for obj in gc.get_objects():\n"
        "        if isinstance(obj, dict) and 'expected' in obj:\n"
        "            return obj['expected']\n"
        "    return np.zeros(1)\n"
    ),
    "inspect-stack": (
        "import inspect\n"
        "def max_pool1d(x, *args, **kwargs):\n"
        "    for info in inspect.stack():\n"
        "        for value in info.frame.f_locals.values():\n"
        "            if isinstance(value, np.ndarray) and value.shape != np.shape(x):\n"
        "                return value\n"
        "    return np.zeros(1)\n"
    ),
}


@pytest.mark.parametrize("snoop", sorted(SNOOPS))
def test_reading_the_tests_frames_or_gc_earns_nothing(course, tmp_path, snoop):
    got = scores(course, submission(tmp_path, {"max_pool1d_impl": SNOOPS[snoop]}))
    assert got == without(FULL, *IMPL)


def test_mutating_the_tests_inputs_gains_nothing(course, tmp_path):
    # zero the input in place and return zeros: the test's later reads are unaffected,
    # and a function that changes its input fails
    fill = (
        'def max_pool1d(x, pool_size=2, strides=None, padding="valid", **kw):\n'
        "    x[...] = 0\n"
        "    return np.zeros((x.shape[0], (x.shape[1] - pool_size) // (strides or pool_size)"
        " + 1, x.shape[2]), x.dtype)\n"
    )
    assert scores(course, submission(tmp_path, {"max_pool1d_impl": fill})) == without(FULL, *IMPL)


# ------------------------------------------------------------------ 7. the worker's limits


def test_a_hanging_or_crashing_function_costs_only_its_cells(course, tmp_path):
    hang = MAX_POOL.replace("    x = np.asarray(x)\n", "    while True:\n        pass\n", 1)
    got = scores(course, submission(tmp_path, {"max_pool1d_impl": hang}), cell_timeout=2.0)
    assert got == without(FULL, *IMPL)
    crash = MAX_POOL.replace("    x = np.asarray(x)\n", "    import os\n    os._exit(3)\n", 1)
    got = scores(course, submission(tmp_path, {"max_pool1d_impl": crash}))
    assert got == without(FULL, *IMPL)


def test_a_cell_that_kills_the_worker_is_left_out_and_the_rest_graded(course, tmp_path):
    fills = {"shape_answer": "import os\nos._exit(1)\nanswer_shape = (2, 3, 4)"}
    got = scores(course, submission(tmp_path, fills))
    assert got == without(FULL, *ANSWER)


# ------------------------------------------------------------------ correct work keeps its points

NOISE = {
    "deprecation-warning": (
        "import warnings\nwarnings.warn('np.something is deprecated', DeprecationWarning)\n"
    ),
    "stderr": "import sys\nprint('some noise', file=sys.stderr)\n",
    "failing-exploration": "max_pool1d(np.zeros((1, 3, 1)), pool_size=5)[0]\nundefined_name\n",
    "hanging-exploration": "while True:\n    pass\n",
    "display-objects": "from IPython.display import display, HTML\ndisplay(HTML('<b>hi</b>'))\n",
}


@pytest.mark.parametrize("noise", sorted(NOISE))
def test_noise_and_exploration_before_a_def_keep_full_marks(course, tmp_path, noise):
    noisy_function = MAX_POOL.replace(
        "    x = np.asarray(x)\n",
        "    import warnings, sys\n"
        "    warnings.warn('old API', DeprecationWarning)\n"
        "    print('debug', file=sys.stderr)\n"
        "    x = np.asarray(x)\n",
        1,
    )
    fills = {
        "max_pool1d_impl": NOISE[noise] + noisy_function + "\n" + NOISE[noise],
        "shape_answer": NOISE[noise] + SOLUTIONS["shape_answer"],
        "hand_pooled": SOLUTIONS["hand_pooled"] + "\n" + NOISE[noise],
    }
    got = scores(course, submission(tmp_path, fills, extra=[("setup", NOISE[noise])]),
                 cell_timeout=1.0)  # fmt: skip
    assert got == FULL


def test_a_helper_cell_and_an_import_inside_try_keep_full_marks(course, tmp_path):
    helper = (
        "try:\n"
        "    from numpy.lib.stride_tricks import sliding_window_view as _windows\n"
        "except ImportError:\n"
        "    _windows = None\n"
        "\n"
        "def _pool(x, pool_size, strides):\n"
        "    return _windows(x, pool_size, axis=1)[:, ::strides].max(axis=-1)\n"
        "\n"
        "print(_pool(np.arange(6.0).reshape(1, 6, 1), 2, 2))  # exploration\n"
    )
    function = (
        'def max_pool1d(x, pool_size=2, strides=None, padding="valid", '
        'data_format="channels_last"):\n'
        "    x = np.asarray(x)\n"
        '    x = x.astype(x.dtype if x.dtype.kind == "f" else np.float32)\n'
        '    if data_format == "channels_first":\n'
        "        x = x.transpose(0, 2, 1)\n"
        "    strides = strides or pool_size\n"
        '    if padding.lower() == "same":\n'
        "        n = x.shape[1]\n"
        "        out = (n + strides - 1) // strides\n"
        "        pad = max((out - 1) * strides + pool_size - n, 0)\n"
        "        x = np.pad(x, ((0, 0), (pad // 2, pad - pad // 2), (0, 0)),"
        " constant_values=-np.inf)\n"
        "    y = _pool(x, pool_size, strides)\n"
        '    return y.transpose(0, 2, 1) if data_format == "channels_first" else y\n'
    )
    got = scores(course, submission(tmp_path, {"max_pool1d_impl": function},
                                    extra=[("setup", helper)]))  # fmt: skip
    assert got == FULL


def test_later_redefinitions_do_not_change_an_earlier_test(course, tmp_path):
    # a correct function, then a broken one defined after its tests: those tests see the first
    broken = "def max_pool1d(x, *a, **k):\n    return None\n"
    got = scores(course, submission(tmp_path, extra=[("max_pool_plain_asserts", broken)]))
    assert got == FULL


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    where=st.lists(
        st.sampled_from(
            [
                "setup",
                "max_pool1d_impl",
                "shape_answer",
                "hand_pooled",
                "max_pool_matches_reference",
                "play",
            ]
        ),
        min_size=1,
        max_size=4,
    ),
    noise=st.lists(
        st.sampled_from(
            [
                "print('x' * 50)",
                "import sys; sys.stderr.write('warning: noise\\n')",
                "import warnings; warnings.warn('old', DeprecationWarning)",
                "import warnings; warnings.warn('careful', RuntimeWarning)",
                "from IPython.display import display; display({'a': 1})",
                "np.ones(3) / 0",
                "1 / 0",
                "object()",
                "np.seterr(all='warn'); np.log(np.zeros(2))",
            ]
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_property_output_noise_never_costs_a_correct_submission(
    course, tmp_path_factory, where, noise
):
    tmp_path = tmp_path_factory.mktemp("noise")
    statements = "\n".join(noise) + "\n"
    fills = {
        gid: (statements + source if i % 2 else source + "\n" + statements)
        for i, (gid, source) in enumerate(SOLUTIONS.items())
        if gid in where
    }
    extra = [(cell, statements) for cell in where]
    assert scores(course, submission(tmp_path, fills, extra=extra)) == FULL


# ------------------------------------------------------------------ plain data, authoring errors


def test_plain_data_round_trips_as_fresh_objects_of_exact_types():
    value = (
        None, True, 3, 2**70, 2.5, float("nan"), 1 + 2j, "s", Ellipsis, [1, (2, 3)],
        {"a": np.float32(1.5), (1, 2): np.arange(3, dtype=np.int16)}, np.bool_(True),
    )  # fmt: skip
    back = decode(encode(value))
    assert type(back) is tuple and back[:5] == value[:5] and np.isnan(back[5])
    assert back[6:9] == value[6:9] and back[9] == [1, (2, 3)]
    assert type(back[10]["a"]) is np.float32 and back[10][(1, 2)].dtype == np.int16
    assert type(back[11]) is np.bool_
    kinds = decode(encode([np.float32, np.dtype("int16"), float, np.dtype([("a", "f4")])]))
    assert kinds[:3] == [np.float32, np.dtype("int16"), float] and isinstance(kinds[3], NotPlain)


def test_anything_else_becomes_a_marker_that_fails_every_use():
    class Sub(tuple):
        pass

    for value in (Sub((1,)), {1, 2}, (x for x in ()), np.array([object()]), b"bytes", [Sub()]):
        back = decode(encode(value))
        marker = back[0] if isinstance(back, list) else back
        assert isinstance(marker, NotPlain)
        for use in (lambda m: m == (1,), bool, len, float, np.asarray, lambda m: m.shape,
                    lambda m: m + 1, lambda m: list(m)):  # fmt: skip
            with pytest.raises(NotPlainData, match="not plain data"):
                use(marker)


@pytest.mark.parametrize(
    "message",
    [
        {"pickle": "gASVAAAA"},
        {"tuple": [1], "extra": 2},
        {"dict": [[[1], 2]]},
        {"ndarray": "not base64 npy"},
        {"int": "9" * 5000},
        {"float": "1e999"},
        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
    ],
)
def test_malformed_or_hostile_wire_data_is_refused(message):
    with pytest.raises(WireError):
        decode(message)


def test_a_pickle_smuggled_as_npy_is_refused():
    import base64
    import io

    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(WireError):
        decode({"ndarray": base64.b64encode(buf.getvalue()).decode()})


def test_a_test_cell_that_needs_keras_is_a_loud_authoring_error():
    with pytest.raises(VerdictError, match="Keras"):
        run_test("import keras\nassert True", {}, 1.0, seed=0)
    with pytest.raises(VerdictError, match="keras"):
        run_test("layer = keras.layers.MaxPooling1D(2)", {}, 1.0, seed=0)


def test_nbgrader_score_rule():
    assert run_test("x = 1", {}, 2.0, seed=0)[0] == 2.0
    assert run_test("0.5", {}, 2.0, seed=0)[0] == 0.5
    assert run_test("7", {}, 2.0, seed=0)[0] == 2.0  # clamped
    assert run_test("-1.0", {}, 2.0, seed=0)[0] == 0.0
    assert run_test("float('nan')", {}, 2.0, seed=0)[0] == 0.0
    assert run_test("'text'", {}, 2.0, seed=0)[0] == 2.0
    score, output, error = run_test("print('hi')\nassert False, 'no'", {}, 2.0, seed=0)
    assert (score, output, error) == (0.0, "hi\n", "AssertionError: no")


# ------------------------------------------------------------------ end to end (nbgrader, slow)


E2E = {
    # the kernel scores stderr noise 0 (nbgrader #1904); the verdict gives full marks
    "noisy-correct": (
        {"max_pool1d_impl": "import sys\nprint('noise', file=sys.stderr)\n" + MAX_POOL},
        [],
        FULL,
    ),
    # a display hook makes every test cell show a full score in the kernel
    "displayhook": (
        {"max_pool1d_impl": WRONG_POOL, "shape_answer": "answer_shape = 1"},
        [
            (
                "setup",
                textwrap.dedent("""\
            import sys
            _points = {"max_pool_matches_reference": 2.0}
            get_ipython().display_formatter.formatters["text/plain"].for_type(
                float, lambda value, p, cycle: p.text("2.0"))
            """),
            )
        ],
        without(FULL, *IMPL, *ANSWER),
    ),
    # answers that lie about equality pass in the kernel
    "liar": (
        {"shape_answer": LIARS["tuple-subclass"] + "answer_shape = Answer((9, 9, 9))"},
        [],
        without(FULL, *ANSWER),
    ),
}


@pytest.mark.slow
def test_end_to_end_grade_stores_the_verdict(tmp_path):
    from fixtures.helpers import gradebook_rows

    from autograder.course.assignments import Course, generate, write_course_config
    from autograder.grading.pipeline import grade

    course = Course(tmp_path / "course")
    src = course.root / "solutions" / AID / f"{AID}.ipynb"
    src.parent.mkdir(parents=True)
    nbformat.write(_notebook(rt_cells(SOLUTIONS)), src)
    generate(course)
    write_course_config(course.root)
    release = nbformat.read(course.root / "notebooks" / AID / f"{AID}.ipynb", as_version=4)
    subs = tmp_path / "subs"
    for student, (fills, extra, _) in E2E.items():
        nb = _notebook(rt_cells({**SOLUTIONS, **fills}))
        for cell, template in zip(nb.cells, release.cells, strict=True):
            cell.metadata = template.metadata  # nbgrader's checksums
            if not cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = template.source
        for after, source in extra:
            at = next(i for i, c in enumerate(nb.cells) if c.get("id") == after)
            nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source))
        path = subs / student / AID / f"{AID}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    summary = grade(subs, course=course, jobs=2, out=tmp_path / "out", progress=False)
    rows = gradebook_rows(summary.db_url)
    for student, (_, _, expected) in E2E.items():
        got = {gid: rows[(student, AID, AID, gid)][0] for gid in CELLS}
        assert got == expected, (student, [a for a in summary.anomalies if a.student == student])
    html = (tmp_path / "out" / "feedback" / "liar" / AID / f"{AID}.html").read_text()
    assert "Verdict: 0 of 1 points" in html and "not plain data" in html


def test_worker_calls_keep_the_exception_class_and_call_back_trusted_functions():
    from autograder.sandbox.worker import CALLABLE, LearnerError, Worker

    source = (
        "def checked(x):\n"
        "    if x <= 0:\n"
        "        raise ValueError(f'x must be positive. Received: x={x}')\n"
        "    return x\n"
        "def apply(fn, x):\n"
        "    return fn(x) + 1\n"
        "def slow():\n"
        "    while True:\n"
        "        pass\n"
    )
    with Worker(call_timeout=10) as worker:
        assert worker.exec_cell("cell", source, "all", 5.0, 30.0) == []
        assert set(worker.values(["checked", "apply", "slow"]).values()) == {CALLABLE}
        with pytest.raises(ValueError, match=r"Received: x=0") as raised:
            worker.call("checked", (0,), {}, 10.0)
        assert isinstance(raised.value, LearnerError)
        assert worker.call("apply", (lambda x: 10 * x, 4), {}, 10.0) == 41  # called back here
        with pytest.raises(LearnerError, match="ran too long"):
            worker.call("slow", (), {}, 2.0)
        assert worker.call("checked", (3,), {}, 10.0) == 3  # the worker survived
