"""The random group: joint draws over every argument, per seed, without blind spots.

* draws are reproducible per seed, fresh for another seed, and follow ``grading_context``;
* every draw holds every combination the design promises (mask + channels_first +
  keepdims, groups/dilation/strides x padding x data_format, non-square 2D windows);
* every drawn case is one Keras accepts, and pooling_ref agrees with the Keras layer on
  the draws of 50 seeds (marked keras/slow);
* right implementations written differently keep full marks under every seed, and the
  blind-spot mutants (right on every old named case) lose the random group under
  every one of 20 seeds.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from wrong_implementations import BLIND_SPOT_MUTANTS, CORRECT, load

import pooling_ref
from autograder import checks
from autograder.checks import _keras, case_arguments, grading_context
from autograder.checks._compare import close, tolerance_for

SEEDS_20 = range(1000, 1020)


def _random(exercise: str, seed) -> list:
    return [c for c in checks.EXERCISES[exercise].cases(seed) if c.group == "random"]


def _same_arrays(a, b) -> bool:
    return len(a) == len(b) and all(
        x.name == y.name
        and x.options.keys() == y.options.keys()
        and all(np.array_equal(p, q) for p, q in zip(x.args, y.args, strict=True))
        for x, y in zip(a, b, strict=True)
    )


# --------------------------------------------------------------------------
# seeds
# --------------------------------------------------------------------------
@pytest.mark.parametrize("exercise", sorted(checks.EXERCISES))
def test_draws_are_reproducible_per_seed_and_fresh_across_seeds(exercise):
    published = _random(exercise, None)
    assert published and all(c.seed is None for c in published)
    assert _same_arrays(published, _random(exercise, None))
    seven = _random(exercise, 7)
    assert all(c.seed == 7 for c in seven)
    assert not _same_arrays(published, seven)
    checks.EXERCISES[exercise]._draws.clear()  # rebuilt from scratch: the same draw
    assert _same_arrays(seven, _random(exercise, 7))


def test_grading_context_selects_the_draw_and_case_arguments_follows_it():
    ex = checks.EXERCISES["conv1d"]
    with grading_context(seed=123):
        inside = [c for c in ex.cases() if c.group == "random"]
    assert _same_arrays(inside, _random("conv1d", 123))
    assert not _same_arrays(inside, _random("conv1d", None))
    args, kwargs = case_arguments("conv1d", "random/0", seed=123)
    assert np.array_equal(args[0], inside[0].args[0]) and kwargs == inside[0].options
    # named groups never change with the seed
    named = [c for c in ex.cases(5) if c.group != "random"]
    assert _same_arrays(named, [c for c in ex.cases(None) if c.group != "random"])


def test_old_draws_and_their_answers_are_dropped():
    ex = checks.EXERCISES["upsampling1d"]
    fn = load(next(i for i in CORRECT if i.exercise == "upsampling1d"))
    for seed in range(500, 500 + checks.KEPT_DRAWS + 2):
        with grading_context(seed=seed, keras=False):
            assert checks.check_upsampling1d(fn, groups=["random"], points=1) == 1.0
    assert len(ex._draws) == checks.KEPT_DRAWS
    seeds = {key[1] for key in checks._EXPECTED if key[0] == "upsampling1d"}
    assert {500, 501}.isdisjoint(seeds) and 500 + checks.KEPT_DRAWS + 1 in seeds


# --------------------------------------------------------------------------
# the design: every promised combination in every draw, every case valid
# --------------------------------------------------------------------------
def _levels(case, name, default):
    return case.options.get(name, default)


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_every_draw_holds_every_combination(seed):
    gap = {
        (
            _levels(c, "data_format", "channels_last"),
            "mask" in c.options,
            bool(_levels(c, "keepdims", False)),
        )
        for c in _random("global_average_pool1d", seed)
    }
    assert gap == set(itertools.product(["channels_last", "channels_first"], [False, True],
                                        [False, True]))  # fmt: skip
    for exercise in ("conv1d", "conv1d_backward"):
        seen = set()
        for c in _random(exercise, seed):
            o = c.options
            mode = "dilation" if "dilation_rate" in o else "strides" if "strides" in o else "plain"
            seen.add((o.get("padding", "valid"), mode, o.get("data_format", "channels_last"),
                      o.get("groups", 1) > 1, c.array("kernel").shape[0] % 2 == 0))  # fmt: skip
        pairs = {(p, m) for p, m, *_ in seen}
        assert len(pairs) == 9  # every padding with plain, strides and dilation
        assert {(p, m, even) for p, m, _, _, even in seen} >= {("same", "dilation", True)}
        assert {(cf, g) for _, _, cf, g, _ in seen} == set(
            itertools.product(["channels_last", "channels_first"], [False, True])
        )
        assert any(c.array("bias") is not None for c in _random(exercise, seed))
    for exercise in ("max_pool1d", "average_pool1d_backward"):
        lefts = set()
        for c in _random(exercise, seed):
            o = c.options
            x = c.array("x")
            steps = x.shape[2] if o.get("data_format") == "channels_first" else x.shape[1]
            left, _ = pooling_ref._args.padding_amounts(
                steps, o["pool_size"], o.get("strides") or o["pool_size"], o.get("padding", "valid")
            )
            lefts.add((o.get("padding", "valid"), o.get("data_format", "channels_last"), left > 0))
        assert ("same", "channels_first", True) in lefts and (
            "same",
            "channels_last",
            True,
        ) in lefts
    for c in _random("max_pool2d", seed):
        assert c.options["pool_size"][0] != c.options["pool_size"][1]
        rows, cols = (c.args[0].shape[2:] if c.options.get("data_format") == "channels_first"
                      else c.args[0].shape[1:3])  # fmt: skip
        assert rows != cols
    assert {c.args[0].dtype for c in _random("max_pool1d", seed)} <= {
        np.dtype("float32"),
        np.dtype("float64"),
    }


@pytest.mark.parametrize("exercise", sorted(checks.EXERCISES))
def test_every_drawn_case_is_valid_for_keras(exercise):
    for seed in [None, *range(10)]:
        for c in _random(exercise, seed):
            o = c.options
            strided = np.max(o.get("strides") or 1) > 1
            assert not (strided and o.get("dilation_rate", 1) > 1), c.name
            if o.get("padding", "valid") == "valid" and "pool_size" in o:
                x = c.array("x")
                cf = o.get("data_format") == "channels_first"
                steps = x.shape[2:] if cf else x.shape[1:-1]
                assert all(n >= p for n, p in zip(steps, np.atleast_1d(o["pool_size"]),
                                                  strict=True)), c.name  # fmt: skip
            if c.array("kernel") is not None:
                size, _, filters = c.array("kernel").shape
                groups = o.get("groups", 1)
                assert filters % groups == 0
                if o.get("padding", "valid") == "valid":
                    x = c.array("x")
                    steps = x.shape[2] if o.get("data_format") == "channels_first" else x.shape[1]
                    assert steps >= o.get("dilation_rate", 1) * (size - 1) + 1, c.name
            if "mask" in o:
                assert o["mask"].any(axis=1).all(), "a fully masked sample"


# --------------------------------------------------------------------------
# pooling_ref agrees with Keras on 50 draws
# --------------------------------------------------------------------------
def _keras_answer(exercise: str, case, *, split_groups: bool):
    """Keras' answer; with ``split_groups`` a grouped convolution is computed as one Keras
    Conv1D per group (the definition of ``groups``), concatenated: Keras runs grouped
    convolutions through XLA on the CPU, which compiles per shape (about a second each)."""
    groups = case.options.get("groups", 1)
    if not split_groups or groups == 1:
        return _keras.output(exercise, dataclasses.replace(case, keras=True))
    cf = case.options.get("data_format") == "channels_first"
    channel_axis = 1 if cf else -1
    arrays = dict(case.arrays)
    kernel, bias = arrays["kernel"], arrays.get("bias")
    group_in, filters = kernel.shape[1], kernel.shape[2]
    group_out = filters // groups
    options = {k: v for k, v in case.options.items() if k != "groups"}
    parts = []
    for g in range(groups):
        cin, cout = (
            slice(g * group_in, (g + 1) * group_in),
            slice(g * group_out, (g + 1) * group_out),
        )
        sub = {"x": np.take(arrays["x"], range(cin.start, cin.stop), axis=channel_axis),
               "kernel": kernel[:, :, cout]}  # fmt: skip
        if "grad_output" in arrays:
            sub = {"grad_output": np.take(arrays["grad_output"], range(cout.start, cout.stop),
                                          axis=channel_axis), **sub}  # fmt: skip
        if bias is not None:
            sub["bias"] = bias[cout]
        one = dataclasses.replace(case, arrays=tuple(sub.items()), options=options, keras=True)
        parts.append(_keras.output(exercise, one))
    if exercise == "conv1d":
        return np.concatenate(parts, axis=channel_axis)
    grad_x = np.concatenate([p[0] for p in parts], axis=channel_axis)
    grad_kernel = np.concatenate([p[1] for p in parts], axis=-1)
    grad_bias = None if bias is None else np.concatenate([p[2] for p in parts])
    return grad_x, grad_kernel, grad_bias


def _agree(exercise: str, case, *, split_groups: bool = False) -> bool:
    want = checks.EXERCISES[exercise].reference()(*case.args, **case.options)
    got = _keras_answer(exercise, case, split_groups=split_groups)
    wants = want if isinstance(want, tuple) else (want,)
    gots = got if isinstance(got, tuple) else (got,)
    for w, g in zip(wants, gots, strict=True):
        if w is not None and not close(g, w, *tolerance_for(np.float32, w)):
            return False
    return True


def _tf_avg_pool_grad_differs(exercise: str, case) -> bool:
    """TensorFlow's AvgPoolGrad is not the derivative of its own AvgPool when a 'same'
    window is longer than the sequence: measured (seed 36, random/0: x (1, 3, 4)
    channels_first, pool 5, strides 3) Keras' forward equals pooling_ref's, but its
    gradient sends the second window's share to step 0 as well (-0.054 for step 0 where
    the forward says g0 / 3 = -0.072). pooling_ref's gradient is the derivative of the
    forward (pooling_ref.gradcheck); such cases are compared with pooling_ref only."""
    if exercise != "average_pool1d_backward" or case.options.get("padding") != "same":
        return False
    x = case.array("x")
    steps = x.shape[2] if case.options.get("data_format") == "channels_first" else x.shape[1]
    return case.options["pool_size"] > steps


SHARE = {"conv1d": 6, "conv1d_backward": 6, "upsampling1d": 2, "upsampling1d_backward": 2}


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.parametrize("exercise", sorted(checks.EXERCISES))
def test_pooling_ref_agrees_with_keras_on_50_draws(exercise):
    """Each of 50 seeds checks a rotating share of its draw (a quarter, a sixth of the
    convolutions, half of the upsampling draws): over the 50 draws every position of the
    design, hence every combination, meets Keras many times. Grouped convolutions are
    compared with Keras' grouped layer itself on 5 seeds and as one Keras layer per group
    on the others (see _keras_answer)."""
    share = SHARE.get(exercise, 4)
    compared = 0
    for seed in range(50):
        for i, case in enumerate(_random(exercise, seed)):
            if i % share == seed % share and not _tf_avg_pool_grad_differs(exercise, case):
                split = seed % 10 != 0
                assert _agree(exercise, case, split_groups=split), (seed, case.name, case.options)
                compared += 1
    assert compared >= 100


# --------------------------------------------------------------------------
# right implementations keep full marks; blind-spot mutants never pass
# --------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("impl", CORRECT, ids=lambda i: f"{i.exercise}-{i.name}")
def test_correct_implementations_keep_full_marks_under_every_seed(impl, capsys):
    fn = load(impl)
    check = getattr(checks, f"check_{impl.exercise}")
    for seed in SEEDS_20:
        with grading_context(seed=seed, keras=False):
            assert check(fn, points=3) == 3.0, capsys.readouterr().out
    assert capsys.readouterr().err == ""


OLD_NAMED = "named cases the battery had before the blind-spot cases"


@pytest.mark.parametrize("mutant", BLIND_SPOT_MUTANTS, ids=lambda m: f"{m.exercise}-{m.name}")
def test_blind_spot_mutant_passed_the_old_named_cases(mutant):
    ex = checks.EXERCISES[mutant.exercise]
    fn = load(mutant)
    for case in ex.cases(None):
        if case.group == "random":
            continue
        outcome = checks.run_case(ex, case, fn, keras=False)
        if case.name in mutant.closing_cases:
            assert not outcome.ok, f"the blind-spot case {case.name} does not catch it"
        else:
            assert outcome.ok, (OLD_NAMED, case.name, outcome.problems)


@pytest.mark.parametrize("mutant", BLIND_SPOT_MUTANTS, ids=lambda m: f"{m.exercise}-{m.name}")
def test_blind_spot_mutant_loses_the_random_group_under_every_seed(mutant, capsys):
    fn = load(mutant)
    check = getattr(checks, f"check_{mutant.exercise}")
    for seed in [None, *SEEDS_20]:
        with grading_context(seed=seed, keras=False):
            assert check(fn, groups=["random"], points=1) == 0.0, (seed, mutant.combination)
    assert capsys.readouterr().err == ""
