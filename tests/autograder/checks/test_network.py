"""check_softmax_cross_entropy (notebook 08): its reference agrees with Keras, its table
judges the known-wrong losses of the catalogue with their own hint, right ones pass."""

from __future__ import annotations

import numpy as np
import pytest
from wrong_implementations import NETWORK_CATALOGUE, NETWORK_CORRECT, load

from autograder.checks import check_softmax_cross_entropy
from autograder.checks._network import _table, softmax_cross_entropy_reference


@pytest.mark.parametrize("impl", NETWORK_CATALOGUE, ids=lambda i: i.name)
def test_wrong_softmax_cross_entropy_fails_with_its_hint(impl, capsys):
    with pytest.raises(AssertionError) as info:
        check_softmax_cross_entropy(load(impl))
    assert impl.hint in str(info.value)
    earned = check_softmax_cross_entropy(load(impl), points=2)
    assert 0.0 <= earned < 2.0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("impl", NETWORK_CORRECT, ids=lambda i: i.name)
def test_right_softmax_cross_entropy_passes(impl, capsys):
    assert check_softmax_cross_entropy(load(impl)) is None
    assert check_softmax_cross_entropy(load(impl), points=1.5) == 1.5
    assert "4/4 groups pass" in capsys.readouterr().out


def test_reference_by_hand():
    loss, grad = softmax_cross_entropy_reference(np.zeros((1, 3)), [2])
    assert loss == pytest.approx(np.log(3))
    np.testing.assert_allclose(grad, [[1 / 3, 1 / 3, -2 / 3]])
    loss, grad = softmax_cross_entropy_reference([[1000.0, 0.0]], [1])
    assert loss == 1000.0
    np.testing.assert_allclose(grad, [[1.0, -1.0]])


def test_an_unknown_group_is_an_authoring_error():
    with pytest.raises(ValueError, match="unknown case group"):
        check_softmax_cross_entropy(lambda logits, labels: (0.0, logits), groups=["nope"])


@pytest.mark.keras
def test_reference_agrees_with_keras_sparse_categorical_crossentropy():
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for calls in _table().values():
        for case in calls:
            logits, labels = case.args
            variable = tf.Variable(logits.astype("float32"))
            with tf.GradientTape() as tape:
                keras_loss = loss_fn(labels, variable)
            keras_grad = tape.gradient(keras_loss, variable).numpy()
            loss, grad = softmax_cross_entropy_reference(logits, labels)
            assert loss == pytest.approx(float(keras_loss), rel=1e-5, abs=1e-5)
            np.testing.assert_allclose(grad, keras_grad, rtol=1e-4, atol=1e-6)
