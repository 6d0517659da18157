"""The dtype rule (issue 14 item 2) and the Keras facts it rests on.

Rule: a learner function that returns exactly what the Keras layer returns (values and
dtype) on every input the layer accepts never loses a point; where the course asks for
more than Keras defines (inputs Keras rejects), the course's convention applies (int and
bool input give float32) and the check's message says so.

The facts (``autograder.checks._compare.KERAS_DTYPES``) are asserted against the
installed Keras here, so a Keras upgrade that changes one fails this file.
"""

from __future__ import annotations

import numpy as np
import pytest
from wrong_implementations import CORRECT, load

from autograder import checks
from autograder.checks._compare import KERAS_DTYPES, KERAS_LAYERS, keras_dtype

DTYPES = ["int32", "int64", "bool", "float16", "float32", "float64"]
FORWARD = sorted(KERAS_DTYPES)


def _keras():
    from autograder.checks._keras import _modules

    return _modules()


def _layer(exercise: str):
    keras, _ = _keras()
    if exercise == "conv1d":
        return keras.layers.Conv1D(2, 2)
    if exercise in ("max_pool1d", "average_pool1d", "max_pool2d"):
        return getattr(keras.layers, KERAS_LAYERS[exercise])(2)
    if exercise == "upsampling1d":
        return keras.layers.UpSampling1D(2)
    return getattr(keras.layers, KERAS_LAYERS[exercise])()


def _input(exercise: str, dtype: str) -> np.ndarray:
    shape = (1, 4, 4, 2) if exercise == "max_pool2d" else (1, 4, 2)
    return (np.arange(np.prod(shape)).reshape(shape) % 3).astype(dtype)


# --------------------------------------------------------------------------
# the Keras facts (default dtype policy: float32)
# --------------------------------------------------------------------------
@pytest.mark.keras
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("exercise", FORWARD)
def test_keras_layer_dtype_fact(exercise, dtype):
    _, tf = _keras()
    expected = KERAS_DTYPES[exercise][dtype]
    x = _input(exercise, dtype)
    if expected is None:
        with pytest.raises(tf.errors.InvalidArgumentError):
            _layer(exercise)(x)
    else:
        assert np.asarray(_layer(exercise)(x)).dtype == np.dtype(expected)


@pytest.mark.keras
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "float64"])
def test_keras_masked_global_average_dtype_fact(dtype):
    keras, _ = _keras()
    mask = np.array([[True, True, False, True]])
    y = keras.layers.GlobalAveragePooling1D()(_input("global_average_pool1d", dtype), mask=mask)
    assert np.asarray(y).dtype == keras_dtype("global_average_pool1d", dtype, masked=True)


@pytest.mark.keras
def test_keras_default_policy_is_float32():
    keras, _ = _keras()
    assert keras.config.floatx() == "float32"


# --------------------------------------------------------------------------
# the rule, applied by the checks
# --------------------------------------------------------------------------
def _as_keras_returns(exercise: str):
    """A right NumPy implementation whose output dtype is exactly Keras' where Keras accepts
    the input (and the course's float32 where it rejects it)."""
    fn = load(next(i for i in CORRECT if i.exercise == exercise))

    def like_keras(x, *args, **kwargs):
        y = fn(x, *args, **kwargs)
        dtype = keras_dtype(exercise, x.dtype, masked=kwargs.get("mask") is not None)
        return y if dtype is None else y.astype(dtype)

    like_keras.__name__ = exercise
    return like_keras


@pytest.mark.parametrize("exercise", FORWARD)
def test_returning_what_keras_returns_never_loses_a_point(exercise, capsys):
    check = getattr(checks, f"check_{exercise}")
    fn = _as_keras_returns(exercise)
    assert check(fn, points=5, keras=False) == 5.0, capsys.readouterr().out
    with checks.grading_context(seed=31, keras=False):
        assert check(fn, points=5) == 5.0, capsys.readouterr().out


def test_float32_for_float64_input_is_accepted_as_keras_returns(capsys):
    fn = _as_keras_returns("max_pool1d")
    x = np.random.default_rng(0).normal(size=(2, 6, 3))
    assert fn(x).dtype == np.float32
    assert checks.check_max_pool1d(fn, groups=["dtype"], points=1, keras=False) == 1.0


def test_int_input_where_keras_rejects_it_follows_the_course_convention():
    fn = load(next(i for i in CORRECT if i.exercise == "average_pool1d"))

    def average_pool1d(x, *args, **kwargs):  # float64 for int input: neither Keras nor course
        y = fn(x, *args, **kwargs)
        return y.astype(np.float64) if x.dtype.kind in "biu" else y

    with pytest.raises(AssertionError) as info:
        checks.check_average_pool1d(average_pool1d, groups=["dtype"], keras=False)
    message = str(info.value)
    assert "dtype/int32" in message
    assert "has dtype float64 for int32 input, expected float32" in message
    assert "Keras' AveragePooling1D rejects int32 input" in message
    assert "course's convention" in message


def test_int_input_keras_accepts_allows_both_dtypes_and_names_them():
    fn = load(next(i for i in CORRECT if i.exercise == "max_pool1d"))

    def max_pool1d(x, *args, **kwargs):
        return fn(x, *args, **kwargs).astype(np.float64)

    with pytest.raises(AssertionError) as info:
        checks.check_max_pool1d(max_pool1d, groups=["dtype"], keras=False)
    message = str(info.value)
    assert "expected float32 (this course's convention) or int32 (what Keras' MaxPooling1D" in (
        message
    )


def test_lower_precision_than_both_is_still_wrong():
    fn = load(next(i for i in CORRECT if i.exercise == "conv1d"))

    def conv1d(x, *args, **kwargs):
        return fn(x, *args, **kwargs).astype(np.float16)

    with pytest.raises(AssertionError, match="has dtype float16 for float32 input"):
        checks.check_conv1d(conv1d, groups=["examples"], keras=False)


def test_means_cut_to_int_are_named():
    fn = load(next(i for i in CORRECT if i.exercise == "average_pool1d" and i.name == "loop"))

    def average_pool1d(x, *args, **kwargs):  # the window means written into an int array
        y = fn(x, *args, **kwargs)
        return y.astype(x.dtype) if x.dtype.kind in "biu" else y

    with pytest.raises(AssertionError) as info:
        checks.check_average_pool1d(average_pool1d, groups=["dtype"], keras=False)
    message = str(info.value)
    assert "case 'dtype/int32'" in message
    assert "hint: returning int32 for int32 input: in this course integer and boolean" in message
    assert "Keras' AveragePooling1D rejects int input" in message  # what the case tests
