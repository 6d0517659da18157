"""Score (a cell's points over the parts that ran), answer forms, table and geometry checks."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import (
    Score,
    check_answer_format,
    check_cases,
    check_pool_geometry,
    check_receptive_field,
    expect,
)


# ----------------------------------------------------------------- Score
def _fixed(points, *, earned):
    """A stand-in check that earns ``earned`` of ``points``."""
    return earned


def test_score_scales_the_parts_that_ran_to_the_cell_points():
    visible_only = Score(points=2)
    visible_only.add(_fixed, points=1, earned=1.0)
    assert visible_only.total() == 2.0  # the release: a right answer shows full points
    graded = Score(points=2)
    graded.add(_fixed, points=1, earned=1.0)
    graded.add(_fixed, points=3, earned=1.5)
    assert graded.total() == pytest.approx(2 * 2.5 / 4)
    assert type(graded.total()) is float


def test_score_counts_nonsense_as_zero_and_nothing_as_zero():
    score = Score(points=3)
    assert score.total() == 0.0
    for bad in (None, "1", True, float("nan"), -0.5, 7.0):
        assert score.add_points(bad, out_of=1) == 0.0
    assert score.total() == 0.0
    with pytest.raises(ValueError, match="points"):
        Score(points=0)
    with pytest.raises(ValueError, match="out_of"):
        score.add_points(1.0, out_of=0)


def test_score_passes_points_to_the_check():
    seen = {}

    def check(fn, *, groups, points):
        seen.update(fn=fn, groups=groups, points=points)
        return points / 2

    score = Score(points=4)
    assert score.add(check, "f", groups=["a"], points=2) == 1.0
    assert seen == {"fn": "f", "groups": ["a"], "points": 2.0}
    assert score.total() == 2.0


# ----------------------------------------------------------------- check_answer_format
def test_answer_format_pays_per_key_and_names_the_wrong_ones(capsys):
    form = {"a": (int, int, int), "b": (None, int), "c": int, "d": [int]}
    right = {"a": (1, 2, 3), "b": [None, 4], "c": np.int64(5), "d": (8, 7, 7, 64)}
    assert check_answer_format(right, form, what="answers", points=1) == 1.0
    wrong = {"a": (1, 2), "b": (None, 2.5), "c": True, "d": (1,)}
    assert check_answer_format(wrong, form, what="answers", points=2) == 0.5
    out = capsys.readouterr().out
    assert "'a': expected 3 entries" in out and "'b': entry 1" in out and "'c'" in out
    assert check_answer_format({"a": (1, 2, 3)}, form, what="answers", points=1) == 0.25
    assert check_answer_format(None, form, what="answers", points=1) == 0.0
    assert check_answer_format([0.5] * 6, (float,) * 6, what="grad", points=1) == 1.0
    with pytest.raises(AssertionError, match="1 of 1 wrong"):
        check_answer_format([0.5] * 5, (float,) * 6, what="grad")


# ----------------------------------------------------------------- check_cases
TABLE = {
    "examples": [expect(np.array([1.0, -3.0]), np.array([1.0, 2.0]), returns=5.0)],
    "raises": [expect(np.zeros(2), np.zeros(3), raises=True, about="shapes differ")],
}


def largest(mine, theirs):
    mine, theirs = np.asarray(mine), np.asarray(theirs)
    if mine.shape != theirs.shape:
        raise ValueError("shapes differ")
    return float(np.max(np.abs(mine - theirs)))


def test_check_cases_gives_credit_by_group(capsys):
    assert check_cases(largest, TABLE, points=1) == 1.0
    broadcasting = lambda a, b: float(np.max(np.abs(np.subtract.outer(a, b))))  # noqa: E731
    assert check_cases(broadcasting, TABLE, name="largest", points=1) == 0.5  # never raises
    signed = lambda a, b: largest(-np.asarray(a), -np.asarray(b)) * -1  # noqa: E731
    assert check_cases(signed, TABLE, name="largest", points=2) == 1.0
    out = capsys.readouterr().out
    assert "FAIL examples" in out and "expected 5.0, received -5.0" in out
    assert "PASS raises" in out


def test_check_cases_strict_mode_raises_and_bad_groups_are_authoring_errors():
    with pytest.raises(AssertionError, match=r"expected 5\.0, received 0\.0"):
        check_cases(lambda a, b: 0.0, TABLE, name="largest")
    with pytest.raises(AssertionError, match=r"expected an error, your function returned 5\.0"):
        check_cases(lambda a, b: 5.0, TABLE, name="largest")
    with pytest.raises(ValueError, match="unknown case group"):
        check_cases(largest, TABLE, groups=["nope"], points=1)
    with pytest.raises(ValueError, match="returns="):
        expect(1)


def test_check_cases_refuses_delegation_and_survives_anything_the_function_does(capsys):
    import pooling_ref

    def delegates(x, kernel):
        return pooling_ref.conv1d(x, kernel)

    x, k = np.ones((1, 4, 1)), np.ones((2, 1, 1))
    table = {"g": [expect(x, k, returns=pooling_ref.conv1d(x, k))]}
    assert check_cases(delegates, table, name="conv1d_loops", points=1) == 0.0
    assert "NumPy" in capsys.readouterr().out

    def noisy(x, kernel):
        print("hello")
        raise SystemError("boom")

    assert check_cases(noisy, table, name="conv1d_loops", points=1) == 0.0
    assert check_cases("not a function", table, name="conv1d_loops", points=1) == 0.0


def test_check_cases_compares_arrays_with_their_dtype():
    x = np.ones((1, 3), np.float32)
    table = {"g": [expect(x, returns=x * 2)]}
    assert check_cases(lambda a: a * 2, table, points=1) == 1.0
    assert check_cases(lambda a: (a * 2).astype(np.float64), table, points=1) == 0.0
    assert check_cases(lambda a: (a * 2).tolist(), table, points=1) == 0.0


# ----------------------------------------------------------------- pool_geometry
def _geometry(length, pool_size, strides=None, padding="valid"):
    s = pool_size if strides is None else strides
    if padding.lower() == "valid":
        return (length - pool_size) // s + 1, 0, 0
    out = -(-length // s)
    total = max((out - 1) * s + pool_size - length, 0)
    return out, total // 2, total - total // 2


def _left_heavy(length, pool_size, strides=None, padding="valid"):
    out, left, right = _geometry(length, pool_size, strides, padding)
    return out, right, left


def _strides_one(length, pool_size, strides=None, padding="valid"):
    return _geometry(length, pool_size, 1 if strides is None else strides, padding)


def _case_sensitive(length, pool_size, strides=None, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
    return _geometry(length, pool_size, strides, padding)


def _seed_formula(length, pool_size, strides=None, padding="valid"):
    s = pool_size if strides is None else strides
    if padding.lower() == "valid":
        return (length - pool_size + 1) // s, 0, 0
    return _geometry(length, pool_size, strides, padding)


@pytest.mark.parametrize(
    ("fn", "failing"),
    [
        (_geometry, set()),
        (
            _left_heavy,
            {"examples", "same_split", "all_small", "strides_default", "case_insensitive"},
        ),
        (_strides_one, {"strides_default"}),
        (_case_sensitive, {"case_insensitive"}),
        (_seed_formula, {"examples", "strides_default", "case_insensitive", "all_small"}),
    ],
)
def test_check_pool_geometry_fails_exactly_the_groups_of_the_mistake(fn, failing, capsys):
    groups = ["examples", "strides_default", "case_insensitive", "same_split", "all_small"]
    check_pool_geometry(fn, points=5)
    out = capsys.readouterr().out
    failed = {g for g in groups if f"FAIL {g}" in out}
    assert failed == failing
    assert f"{5 - len(failing)}/5 groups pass" in out


def test_check_pool_geometry_accepts_lists_and_numpy_integers():
    def as_list(*args):
        return [np.int64(v) for v in _geometry(*args)]

    assert check_pool_geometry(as_list, points=1) == 1.0


# ----------------------------------------------------------------- receptive_field
def _field(layers):
    field, jump = 1, 1
    for layer in layers:
        field += (layer["kernel_size"] - 1) * layer.get("dilation_rate", 1) * jump
        jump *= layer.get("strides", 1)
    return field


def _no_jump(layers):
    return 1 + sum((l["kernel_size"] - 1) * l.get("dilation_rate", 1) for l in layers)


def test_check_receptive_field_accepts_the_rule_and_rejects_forgotten_strides(capsys):
    assert check_receptive_field(_field, points=1) == 1.0  # fresh random stacks
    assert check_receptive_field(_field, seed=3, points=1) == 1.0
    earned = check_receptive_field(_no_jump, seed=3, points=4)
    out = capsys.readouterr().out
    assert "FAIL examples" in out and "FAIL strides_and_dilation" in out and "PASS ones" in out
    assert earned < 2


def test_the_templates_not_implemented_error_is_not_the_expected_error(capsys):
    def stub(mine, theirs):
        raise NotImplementedError()

    assert check_cases(stub, TABLE, name="largest", points=1) == 0.0
    assert "your function raised NotImplementedError" in capsys.readouterr().out
