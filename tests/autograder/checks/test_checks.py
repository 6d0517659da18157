"""The autograder.checks contract: names and groups, messages, strict and points modes,
the NumPy-only guard, and the answer checks.

Value tests of the hints are in test_wrong_implementations.py (the catalogue).
Checks run with ``keras=False`` here unless the test is about Keras (marked).
"""

from __future__ import annotations

import gc
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wrong_implementations import CATALOGUE, CORRECT, load

import pooling_ref
from autograder import checks
from autograder.checks import (
    _guard,
    case_arguments,
    check_array_answer,
    check_max_pool1d,
    check_shape_answer,
    expected_conv1d_params,
    expected_conv1d_shape,
    expected_pool1d_shape,
)

ROOT = Path(__file__).resolve().parents[3]


def _correct(exercise: str, name: str = "vectorised"):
    return load(next(i for i in CORRECT if i.exercise == exercise and i.name == name))


def _wrong(exercise: str, name: str):
    return load(next(i for i in CATALOGUE if i.exercise == exercise and i.name == name))


@pytest.fixture(scope="module")
def max_pool1d():
    return _correct("max_pool1d")


# --------------------------------------------------------------------------
# names and groups: the table in docs/ARCHITECTURE.md is the contract
# --------------------------------------------------------------------------
def _architecture_table() -> dict[str, tuple[str, ...]]:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    table = {}
    for line in text.splitlines():
        match = re.match(r"\| (check_[\w, ]+?) \| ([\w, ]+) \|$", line.strip())
        if match:
            for name in match.group(1).split(", "):
                table[name] = tuple(match.group(2).split(", "))
    return table


def test_every_check_in_the_architecture_table_exists_with_its_groups():
    table = _architecture_table()
    assert len(table) >= 11
    for name, groups in table.items():
        assert callable(getattr(checks, name)), name
        exercise = checks.EXERCISES[name.removeprefix("check_")]
        assert exercise.groups == groups, name
    assert set(table) == {f"check_{name}" for name in checks.EXERCISES}


def test_every_group_has_cases_and_case_names_are_unique():
    for exercise in checks.EXERCISES.values():
        cases = exercise.cases()
        assert {c.group for c in cases} == set(exercise.groups), exercise.name
        assert len({c.name for c in cases}) == len(cases), exercise.name


def test_pool_cases_cover_the_edge_cases_the_issue_lists():
    cases = checks.EXERCISES["max_pool1d"].cases()

    def length(c):
        return c.array("x").shape[2 if c.options.get("data_format") == "channels_first" else 1]

    assert any(length(c) == 1 for c in cases)
    assert any(c.options.get("pool_size") == length(c) for c in cases)
    assert any(c.options.get("strides", 0) > c.options.get("pool_size", 2) for c in cases)
    totals = set()
    for c in cases:
        if c.options.get("padding") == "same":
            pool = c.options.get("pool_size", 2)
            left, right = pooling_ref._args.padding_amounts(
                length(c), pool, c.options.get("strides", pool), "same"
            )
            totals.add((left + right) % 2)
    assert totals == {0, 1}, "same with both odd and even total padding"
    assert any(c.options.get("data_format") == "channels_first" for c in cases)
    assert any(c.array("x").dtype == np.float64 for c in cases)
    assert any(c.group == "random" for c in cases)
    example = next(c for c in cases if c.name == "examples/sentence")
    np.testing.assert_array_equal(example.array("x")[0, 0], np.float32([0.7, -0.2, 0.1]))


def test_case_arguments_reproduce_a_case_with_copies():
    args, kwargs = case_arguments("max_pool1d", "examples/sentence")
    assert kwargs == {"pool_size": 2, "strides": 1}
    args[0][...] = 0  # the learner may scribble on them
    again, _ = case_arguments("max_pool1d", "examples/sentence")
    assert again[0][0, 1, 0] == np.float32(0.8)
    old, _ = case_arguments("max_pool1d", "seed/sentence")  # the deprecated name, one release
    np.testing.assert_array_equal(old[0], again[0])
    with pytest.raises(KeyError, match="no case 'nope'"):
        case_arguments("max_pool1d", "nope")


# --------------------------------------------------------------------------
# strict mode
# --------------------------------------------------------------------------
def test_strict_success_prints_one_line_and_returns_none(max_pool1d, capsys):
    assert check_max_pool1d(max_pool1d, keras=False) is None
    n = len(checks.EXERCISES["max_pool1d"].cases())
    assert capsys.readouterr().out == f"max_pool1d: {n}/{n} cases agree with pooling_ref\n"


def test_groups_select_cases(max_pool1d, capsys):
    check_max_pool1d(max_pool1d, groups=["examples", "valid"], keras=False)
    check_max_pool1d(max_pool1d, groups="examples", keras=False)
    check_max_pool1d(max_pool1d, groups=["seed"], keras=False)  # deprecated alias of examples
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "max_pool1d: 7/7 cases agree with pooling_ref",
        "max_pool1d: 3/3 cases agree with pooling_ref",
        "max_pool1d: 3/3 cases agree with pooling_ref",
    ]


@pytest.mark.parametrize("groups", [["seed", "padding"], []])
def test_unknown_group_is_an_authoring_error(max_pool1d, groups):
    with pytest.raises(ValueError, match=r"unknown case group.*Received: groups="):
        check_max_pool1d(max_pool1d, groups=groups, points=3)


@pytest.mark.parametrize("points", [0, -1, "3", True])
def test_points_must_be_a_positive_number(max_pool1d, points):
    with pytest.raises(ValueError, match=f"Received: points={points!r}"):
        check_max_pool1d(max_pool1d, points=points)


def test_strict_failure_message_is_actionable_and_short():
    with pytest.raises(AssertionError) as info:
        check_max_pool1d(_wrong("max_pool1d", "right_only_same_padding"), keras=False)
    message = str(info.value)
    lines = message.splitlines()
    assert lines[0] == "max_pool1d: case 'same/pool3-strides1' (group 'same') failed"
    assert "  call: max_pool1d(x, pool_size=3, strides=1, padding='same')" in lines
    assert "        x: shape (2, 6, 3), float32" in lines
    # 'same' with pool 3 reads steps i-1..i+1; padding only on the right reads i..i+2
    x = case_arguments("max_pool1d", "same/pool3-strides1")[0][0]
    right = np.stack([x[:, max(i - 1, 0) : i + 2].max(1) for i in range(6)], 1)
    wrong = np.stack([x[:, i : i + 3].max(1) for i in range(6)], 1)
    differ = right != wrong
    first = tuple(int(i) for i in np.argwhere(differ)[0])
    assert f"  output shape (2, 6, 3) is right, but {differ.sum()} of 36 values differ" in lines
    assert (
        f"  first difference at [{', '.join(map(str, first))}]: expected {right[first]:.6g}, "
        f"received {wrong[first]:.6g}"
    ) in lines
    assert lines[-2].startswith("  hint: padding only on the right")
    assert lines[-1] == (
        "  reproduce: from autograder.checks import case_arguments; args, kwargs = "
        "case_arguments('max_pool1d', 'same/pool3-strides1'); max_pool1d(*args, **kwargs)"
    )
    assert len(message) < 1500


@pytest.mark.parametrize("seed", [None, 4242])
def test_reproduce_line_runs_as_printed_in_a_fresh_namespace(seed):
    """The printed line needs nothing but the learner's function, under its own name."""
    wrong = _wrong("max_pool1d", "off_by_one_length")
    calls = []

    def my_pool(*args, **kwargs):
        calls.append((args, kwargs))
        return wrong(*args, **kwargs)

    with checks.grading_context(seed=seed), pytest.raises(AssertionError) as info:
        check_max_pool1d(my_pool, groups=["random"], keras=False)
    line = str(info.value).splitlines()[-1].removeprefix("  reproduce: ")
    assert line.startswith("from autograder.checks import case_arguments; ")
    assert ("seed=4242" in line) == (seed == 4242)
    failing = calls[-1]
    calls.clear()
    exec(line, {"my_pool": my_pool})
    ((args, kwargs),) = calls
    assert kwargs == failing[1]
    np.testing.assert_array_equal(args[0], failing[0][0])


def test_strict_failure_shows_small_inputs_literally():
    with pytest.raises(AssertionError) as info:
        check_max_pool1d(_wrong("max_pool1d", "off_by_one_length"), keras=False)
    message = str(info.value)
    assert "x = [[[ 0.7, -0.2, 0.1], [ 0.8, -0.3, 0.2]," in message
    assert "expected output shape (1, 3, 3), received shape (1, 2, 3)" in message


def test_learner_exception_is_reported_with_the_learner_line():
    def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        return x[:, :: 1 // 0]

    with pytest.raises(AssertionError) as info:
        check_max_pool1d(max_pool1d, keras=False)
    message = str(info.value)
    assert "your function raised ZeroDivisionError: integer division or modulo by zero" in message
    assert "return x[:, :: 1 // 0]" in message
    assert info.value.__cause__ is None  # no chained library traceback


def test_not_implemented_stub_gets_its_hint():
    def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="still raises NotImplementedError"):
        check_max_pool1d(max_pool1d, keras=False)
    assert check_max_pool1d(max_pool1d, points=5, keras=False) == 0.0


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "the output is a NoneType, not a NumPy array"),
        ([[0.8, -0.2, 0.2]], "the output is a list, not a NumPy array"),
        (np.array(["a"]), "the output has dtype <U1; expected real numbers (float32)"),
    ],
)
def test_answers_that_are_not_arrays(value, problem):
    with pytest.raises(AssertionError, match=re.escape(problem)):
        check_max_pool1d(lambda x, **kw: value, keras=False)


def test_float32_input_must_give_float32_and_float64_float64_or_float32():
    # float32 for float64 input is what Keras' default policy returns: accepted (the dtype
    # rule, test_dtype_rule.py); float16 is neither the course's nor Keras' dtype
    def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        return _correct("max_pool1d")(x, pool_size, strides, padding, data_format).astype("f4")

    assert check_max_pool1d(max_pool1d, points=1, keras=False) == 1.0

    def half(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        y = _correct("max_pool1d")(x, pool_size, strides, padding, data_format)
        return y.astype("f2") if x.dtype == np.float64 else y

    with pytest.raises(AssertionError) as info:
        check_max_pool1d(half, keras=False)
    message = str(info.value)
    assert "(group 'dtype') failed" in message
    assert "the output has dtype float16 for float64 input, expected float64 (this course's " in (
        message
    )
    assert "returning float16 for float64 input" in message


def test_in_place_modification_fails_even_with_right_values():
    right = _correct("max_pool1d")

    def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        y = right(x, pool_size, strides, padding, data_format)
        x[...] = 0
        return y

    with pytest.raises(AssertionError) as info:
        check_max_pool1d(max_pool1d, keras=False)
    assert "your function changed its input `x`" in str(info.value)
    assert "hint: modifying the input in place" in str(info.value)


# --------------------------------------------------------------------------
# points mode (partial credit recorded by nbgrader)
# --------------------------------------------------------------------------
def test_points_mode_returns_the_share_of_groups_passed(capsys):
    # strides defaulting to 1 fails default_strides, same (pool2-default-strides),
    # channels_first, dtype/int32 (no strides given) and random: 3 of 8 groups pass
    earned = check_max_pool1d(_wrong("max_pool1d", "default_strides_1"), points=10, keras=False)
    assert earned == 3.75 and type(earned) is float
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "  PASS examples (3 cases)"
    assert "  FAIL default_strides: case 'default_strides/pool2' failed" in lines
    assert [line.split()[1] for line in lines if line.startswith("  PASS")] == [
        "examples", "valid", "edge",
    ]  # fmt: skip
    assert lines[-1] == "max_pool1d: 3/8 groups pass -> 3.75 of 10 points"


def test_points_mode_with_selected_groups(max_pool1d, capsys):
    wrong = _wrong("max_pool1d", "right_only_same_padding")
    assert check_max_pool1d(wrong, groups=["valid", "same"], points=2, keras=False) == 1.0
    assert check_max_pool1d(max_pool1d, groups=["same"], points=2, keras=False) == 2.0
    capsys.readouterr()


@pytest.mark.parametrize(
    "fn",
    [
        None,
        "max_pool1d",
        lambda x: x,  # wrong signature: TypeError for every option
        lambda x, **kw: sys.exit(3),  # SystemExit is not an Exception
    ],
    ids=["none", "string", "signature", "exit"],
)
def test_points_mode_never_raises_for_a_learner_function(fn, capsys):
    if fn is not None and not isinstance(fn, str) and fn.__code__.co_names == ("sys", "exit"):
        with pytest.raises(SystemExit):  # the kernel's own exits/interrupts are not swallowed
            check_max_pool1d(fn, points=3, keras=False)
        return
    assert check_max_pool1d(fn, points=3, keras=False) == 0.0
    assert capsys.readouterr().err == ""


def test_strict_mode_rejects_a_non_function():
    with pytest.raises(AssertionError, match="expected your function, received NoneType"):
        check_max_pool1d(None)


def test_learner_prints_and_warnings_never_reach_stderr(max_pool1d, capfd):
    def noisy(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        print("debugging", x.shape)
        print("oops", file=sys.stderr)
        warnings.warn("careful", UserWarning, stacklevel=1)
        np.mean(np.zeros(0))  # RuntimeWarning: Mean of empty slice
        return max_pool1d(x, pool_size, strides, padding, data_format)

    assert check_max_pool1d(noisy, points=1, keras=False) == 1.0
    assert check_max_pool1d(noisy, keras=False) is None
    out, err = capfd.readouterr()
    assert err == ""
    assert "note: your function raised warnings: UserWarning: careful; RuntimeWarning" in out
    assert "note: your function printed output (first line: 'debugging (1, 4, 3)')" in out


# --------------------------------------------------------------------------
# the NumPy-only guard
# --------------------------------------------------------------------------
def test_guard_blocks_pooling_ref_even_when_the_learner_catches_it(max_pool1d):
    def sneaky(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        try:
            return pooling_ref.max_pool1d(x, pool_size, strides, padding, data_format)
        except Exception:
            return pooling_ref.max_pool1d(x, pool_size, strides, padding, data_format)

    with pytest.raises(AssertionError) as info:
        check_max_pool1d(sneaky, keras=False)
    message = str(info.value)
    assert "max_pool1d must be implemented in NumPy: it called pooling_ref.max_pool1d" in message
    assert "return pooling_ref.max_pool1d(x, pool_size, strides, padding, data_format)" in message
    assert "hint:" not in message


def test_guard_blocks_private_helpers_and_aliases():
    from pooling_ref._args import output_length as my_length  # imported before the check

    def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        n = my_length(x.shape[1], pool_size, strides or pool_size, padding)
        return np.zeros((x.shape[0], n, x.shape[2]), x.dtype)

    with pytest.raises(AssertionError, match=r"it called pooling_ref\._args\.output_length"):
        check_max_pool1d(max_pool1d, keras=False)


def test_guard_restores_profiler_gc_streams_and_warning_filters(max_pool1d):
    calls = []

    def outer_profiler(frame, event, arg):
        calls.append(event)

    stdout, stderr, filters = sys.stdout, sys.stderr, list(warnings.filters)
    cheat = _wrong("average_pool1d", "calls_pooling_ref")
    sys.setprofile(outer_profiler)
    try:
        for fn in (max_pool1d, cheat, lambda x, **kw: 1 / 0):
            checks.run_check("max_pool1d", fn, points=1, keras=False)
            assert sys.getprofile() is outer_profiler
            assert gc.isenabled()
    finally:
        sys.setprofile(None)
    assert (sys.stdout, sys.stderr) == (stdout, stderr)
    assert warnings.filters == filters
    assert calls, "the outer profiler kept running outside the learner's calls"
    # the reference works normally again
    np.testing.assert_array_equal(pooling_ref.max_pool1d(np.ones((1, 2, 1))), [[[1.0]]])


def test_guard_leaves_gc_disabled_if_it_was():
    gc.disable()
    try:
        run = _guard.run_guarded(lambda: 3, (), {}, exercise="demo")
        assert run.value == 3 and not gc.isenabled()
    finally:
        gc.enable()


def test_run_guarded_records_value_error_and_output():
    run = _guard.run_guarded(lambda a, b=0: print("hi") or a / b, (1,), {"b": 0}, exercise="demo")
    assert isinstance(run.error, ZeroDivisionError) and run.value is None
    assert run.output == "hi\n" and run.delegation is None


@pytest.mark.keras
def test_guard_allows_importing_keras_inside_but_not_calling_it():
    def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
        import keras

        return np.asarray(keras.ops.max_pool(x, pool_size, strides, padding.lower()))

    with pytest.raises(AssertionError, match=r"it called keras\.ops\.max_pool \(line \d+: `return"):
        check_max_pool1d(max_pool1d, keras=False)
    import keras  # not left half-imported

    assert keras.layers.MaxPooling1D()(np.ones((1, 4, 1), "float32")).shape == (1, 2, 1)


# --------------------------------------------------------------------------
# Keras as the second oracle
# --------------------------------------------------------------------------
@pytest.mark.keras
def test_keras_is_compared_for_every_keras_expressible_case(max_pool1d, capsys):
    check_max_pool1d(max_pool1d)
    n = len(checks.EXERCISES["max_pool1d"].cases())
    assert (
        capsys.readouterr().out == f"max_pool1d: {n}/{n} cases agree with pooling_ref and Keras\n"
    )
    named = [c for c in checks.EXERCISES["max_pool1d"].cases() if c.group != "random"]
    keras_answers = [checks._KERAS[("max_pool1d", None, c.name)] for c in named]
    assert all(v is not None for v in keras_answers)  # random cases: test_joint_cases.py


@pytest.mark.keras
def test_disagreeing_with_keras_is_reported(max_pool1d, monkeypatch):
    check_max_pool1d(max_pool1d)  # fill the Keras cache
    key = ("max_pool1d", None, "examples/sentence")
    monkeypatch.setitem(checks._KERAS, key, checks._KERAS[key] + 1)
    with pytest.raises(
        AssertionError, match="agrees with pooling_ref but not with the Keras layer"
    ):
        check_max_pool1d(max_pool1d, groups=["examples"])


@pytest.mark.keras
@pytest.mark.parametrize("exercise", ["conv1d", "conv1d_backward", "global_average_pool1d"])
def test_keras_oracle_agrees_with_pooling_ref(exercise):
    ex = checks.EXERCISES[exercise]
    for case in ex.cases():
        if case.group == "random" or (case.name == "dtype/int32" and exercise == "conv1d"):
            continue  # random: test_joint_cases.py; Keras' Conv1D rejects int input
        keras_answer, expected = checks._keras_expected(ex, case), checks._expected(ex, case)
        assert keras_answer is not None, case.name
        parts = zip(checks._parts(ex, keras_answer), checks._parts(ex, expected), strict=True)
        for (_, got), (_, want) in parts:
            if want is not None:
                np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4, err_msg=case.name)


# --------------------------------------------------------------------------
# answer checks
# --------------------------------------------------------------------------
def test_shape_answer_accepts_lists_and_numpy_ints(capsys):
    assert check_shape_answer([None, np.int64(3), 16], (None, 3, 16)) is None
    assert check_shape_answer(np.int64(1234), 1234, what="parameters") is None
    assert capsys.readouterr().out == "output shape: correct\nparameters: correct\n"


@pytest.mark.parametrize(
    ("received", "fragment"),
    [
        ((None, 2.5, 16), "(length - pool_size + 1) / strides"),
        ((None, 2, 16), "(length - pool_size + 1) / strides"),
        ((None, 5, 16), None),  # strides=2 was given: no strides-1 hint
        ((32, 3, 16), "start with None for the batch"),
        ((None, 3), "expected 3 dimensions, received 2"),
        (3, "a shape is a tuple"),
    ],
)
def test_shape_answer_names_the_mistake(received, fragment):
    expected = expected_pool1d_shape((None, 6, 16), pool_size=2, strides=2)
    with pytest.raises(AssertionError) as info:
        check_shape_answer(received, expected, what="shape after MaxPooling1D(2, 2)")
    message = str(info.value)
    assert message.startswith("shape after MaxPooling1D(2, 2): 1 of 1 wrong\n")
    assert f"expected (None, 3, 16), received {received!r}" in message
    if fragment:
        assert fragment in message


def test_shape_answer_default_strides_hint():
    expected = expected_pool1d_shape((None, 6, 16), pool_size=2)
    with pytest.raises(AssertionError, match="strides=None means strides = pool_size"):
        check_shape_answer((None, 5, 16), expected)


def test_shape_answer_dict_tells_which_entries_are_wrong_and_gives_partial_points(capsys):
    expected = {
        "after_conv": expected_conv1d_shape((None, 50, 300), 100, 4, padding="same"),
        "after_pool": expected_pool1d_shape((None, 50, 100), 2),
        "params": expected_conv1d_params(300, 100, 4),
    }
    answer = {"after_conv": (None, 50, 100), "after_pool": [None, 25, 100], "params": 120000}
    assert check_shape_answer(answer, expected, what="Conv1D model", points=3) == 2.0
    out = capsys.readouterr().out
    assert "'params': expected 120100, received 120000: the bias is missing" in out
    assert out.splitlines()[-1] == "Conv1D model: 2/3 right -> 2 of 3 points"
    with pytest.raises(AssertionError, match=r"1 of 3 wrong\n  'params'"):
        check_shape_answer(answer, expected, what="Conv1D model")
    assert check_shape_answer({"after_conv": (None, 50, 100)}, expected, points=3) == 1.0
    assert "'params': missing" in capsys.readouterr().out
    assert check_shape_answer((None, 50, 100), expected, points=3) == 0.0


def test_array_answer(capsys):
    expected = pooling_ref.max_pool1d(checks._cases.SENTENCE, 2, 1)[0]
    hand_worked = [[0.8, -0.2, 0.2], [0.8, -0.1, 0.4], [0.4, -0.1, 0.8]]
    assert check_array_answer(hand_worked, expected, what="pooled sentence") is None
    assert capsys.readouterr().out == "pooled sentence: correct\n"
    wrong = [[0.8, -0.2, 0.2], [0.8, -0.1, 0.4], [0.4, -0.4, 0.8]]
    with pytest.raises(AssertionError) as info:
        check_array_answer(wrong, expected, what="pooled sentence")
    assert "first difference at [2, 1]: expected -0.1, received -0.4" in str(info.value)
    assert check_array_answer(wrong, expected, what="pooled sentence", points=2) == 0.0
    assert check_array_answer(hand_worked, expected, what="pooled sentence", points=2) == 2.0
    assert check_array_answer("abc", expected, what="pooled sentence", points=2) == 0.0
    with pytest.raises(AssertionError, match="expected pooled sentence shape"):
        check_array_answer(hand_worked[:2], expected, what="pooled sentence")


@settings(max_examples=40, deadline=None)
@given(
    length=st.integers(1, 30),
    pool=st.integers(1, 6),
    strides=st.one_of(st.none(), st.integers(1, 5)),
    padding=st.sampled_from(["valid", "same"]),
)
def test_expected_pool1d_shape_follows_pooled_length(length, pool, strides, padding):
    if padding == "valid" and pool > length:
        return
    shape = expected_pool1d_shape((None, length, 4), pool, strides, padding)
    assert shape == (None, pooling_ref.pooled_length(length, pool, strides, padding), 4)
    assert shape not in shape.mistakes  # a typical wrong answer is never the right one


@pytest.mark.keras
@pytest.mark.parametrize(
    ("config", "input_shape"),
    [
        ({"filters": 100, "kernel_size": 4, "padding": "same"}, (None, 50, 300)),
        ({"filters": 5, "kernel_size": 3}, (None, 8, 3)),
        ({"filters": 6, "kernel_size": 3, "strides": 2, "groups": 2}, (None, 11, 4)),
        ({"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "causal"}, (None, 9, 2)),
    ],
)
def test_expected_conv1d_shape_and_params_match_keras(config, input_shape):
    import keras

    layer = keras.layers.Conv1D(**config)
    layer.build(input_shape)
    groups = config.pop("groups", 1)
    assert expected_conv1d_shape(input_shape, **config) == layer.compute_output_shape(input_shape)
    params = expected_conv1d_params(input_shape[2], config["filters"], config["kernel_size"],
                                    groups=groups)  # fmt: skip
    assert params == layer.count_params()


def test_grading_context_forces_keras_off_and_restores(capsys):
    def upsampling1d(x, size=2):
        x = np.asarray(x)
        return np.repeat(x.astype(x.dtype if x.dtype.kind == "f" else np.float32), size, axis=1)

    with checks.grading_context(seed=7, keras=False):
        assert checks.case_seed() == 7
        checks.check_upsampling1d(upsampling1d, groups=["basic"])
    assert "agree with pooling_ref\n" in capsys.readouterr().out
    assert checks.case_seed() is None
    checks.check_upsampling1d(upsampling1d, groups=["basic"])
    assert "agree with pooling_ref and Keras" in capsys.readouterr().out
