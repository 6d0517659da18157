"""pooling_ref.from_keras: Keras layers and models -> the same forward pass in NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from _oracle import assert_same_as_keras, random_array

import pooling_ref

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def keras():
    import keras

    keras.utils.set_random_seed(0)
    return keras


def single_layers(keras):
    """(layer, input shape, exact?) for every supported layer kind, with non-default options."""
    L = keras.layers
    return [
        (L.MaxPooling1D(3, 2, "same"), (2, 9, 4), True),
        (L.AveragePooling1D(2, 1, data_format="channels_first"), (2, 4, 9), False),
        (L.MaxPooling2D((2, 3), padding="same"), (2, 5, 7, 3), True),
        (L.AveragePooling2D(2, 1), (2, 5, 7, 3), False),
        (L.GlobalMaxPooling1D(keepdims=True), (2, 9, 4), True),
        (L.GlobalAveragePooling1D(data_format="channels_first"), (2, 4, 9), False),
        (L.GlobalMaxPooling2D(), (2, 5, 7, 3), True),
        (L.GlobalAveragePooling2D(keepdims=True), (2, 5, 7, 3), False),
        (L.Conv1D(5, 3, padding="causal", dilation_rate=2, activation="relu"), (2, 9, 4), False),
        (L.Conv1D(4, 2, strides=2, groups=2, activation="tanh"), (2, 9, 4), False),
        (L.Conv2D(3, (2, 3), padding="same", activation="sigmoid"), (2, 5, 7, 3), False),
        (L.UpSampling1D(3), (2, 9, 4), True),
        (L.UpSampling2D((2, 3), interpolation="bilinear"), (2, 5, 7, 3), True),
        (L.Dense(3, activation="softmax"), (2, 9, 4), False),
        (L.Flatten(), (2, 5, 7, 3), True),
        (L.Dropout(0.9), (2, 9, 4), True),
        (L.Activation("tanh"), (2, 9, 4), False),
        (L.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.3), (2, 9, 4), False),
        (L.Softmax(axis=1), (2, 9, 4), False),
    ]


def test_every_supported_layer_matches_the_keras_layer(keras):
    for layer, shape, exact in single_layers(keras):
        x = random_array(len(shape), shape)
        keras_y = np.asarray(layer(x))  # builds the layer, then compare
        ours = pooling_ref.from_keras(layer)(x)
        assert_same_as_keras(ours, keras_y, exact=exact)


def test_sequential_model_matches_predict(keras):
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((32, 6)),
            L.Conv1D(8, 5, padding="same", activation="relu"),
            L.MaxPooling1D(2),
            L.Conv1D(8, 3, dilation_rate=2, padding="causal", activation="relu"),
            L.AveragePooling1D(3, 2, "same"),
            L.UpSampling1D(2),
            L.GlobalMaxPooling1D(),
            L.Dropout(0.5),
            L.Dense(4),
            L.Softmax(),
        ]
    )
    x = random_array(1, (5, 32, 6))
    forward = pooling_ref.from_keras(model)
    assert_same_as_keras(forward(x), model.predict(x, verbose=0))
    assert [kind for _, kind in forward.steps][:3] == ["Conv1D", "MaxPooling1D", "Conv1D"]
    assert "MaxPooling1D" in repr(forward)


def test_functional_model_with_two_branches_and_two_outputs(keras):
    L = keras.layers
    inputs = keras.Input((8, 8, 2))
    a = L.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    a = L.MaxPooling2D()(a)
    a = L.GlobalAveragePooling2D()(a)
    b = L.UpSampling2D(interpolation="bilinear")(inputs)
    b = L.Flatten()(L.AveragePooling2D(4)(b))
    model = keras.Model(inputs, [L.Dense(3)(a), L.Dense(2, activation="sigmoid")(b)])
    x = random_array(2, (3, 8, 8, 2))
    ours = pooling_ref.from_keras(model)(x)
    theirs = model.predict(x, verbose=0)
    assert len(ours) == 2
    for o, t in zip(ours, theirs, strict=True):
        assert_same_as_keras(o, t)


def test_nested_model(keras):
    L = keras.layers
    block = keras.Sequential([keras.Input((16, 3)), L.Conv1D(4, 3), L.MaxPooling1D()])
    inputs = keras.Input((16, 3))
    model = keras.Model(inputs, L.Dense(2)(L.GlobalAveragePooling1D()(block(inputs))))
    x = random_array(3, (2, 16, 3))
    assert_same_as_keras(pooling_ref.from_keras(model)(x), model.predict(x, verbose=0))


def test_float64_layers_compute_in_float64(keras):
    layer = keras.layers.Conv1D(3, 2, dtype="float64")
    x = random_array(4, (2, 6, 3), np.float64)
    keras_y = np.asarray(layer(x))
    assert_same_as_keras(pooling_ref.from_keras(layer)(x), keras_y)


def test_float32_layers_cast_float64_input_like_keras(keras):
    layer = keras.layers.AveragePooling1D(2)
    x = random_array(5, (2, 6, 3), np.float64)
    ours = pooling_ref.from_keras(layer)(x)
    assert ours.dtype == np.float32
    assert_same_as_keras(ours, np.asarray(layer(x)))


def test_weights_are_a_snapshot(keras):
    layer = keras.layers.Dense(2, use_bias=False)
    x = random_array(6, (3, 4))
    layer(x)
    forward = pooling_ref.from_keras(layer)
    before = forward(x)
    layer.kernel.assign(np.zeros((4, 2), np.float32))
    np.testing.assert_array_equal(forward(x), before)


# --------------------------------------------------------------------------
# clear errors
# --------------------------------------------------------------------------
def test_unsupported_layer_is_named(keras):
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4, name="lstm")])
    with pytest.raises(ValueError, match=r"from_keras does not support layer 'lstm' \(LSTM\)"):
        pooling_ref.from_keras(model)


def test_unsupported_activation_is_named(keras):
    layer = keras.layers.Conv1D(2, 2, activation="selu", name="c")
    layer.build((None, 5, 3))
    with pytest.raises(ValueError, match=r"layer 'c' \(Conv1D\) with activation='selu'"):
        pooling_ref.from_keras(layer)


def test_unsupported_argument_is_named(keras):
    layer = keras.layers.UpSampling2D(interpolation="bicubic", name="up")
    with pytest.raises(ValueError, match=r"'up' \(UpSampling2D\) with interpolation='bicubic'"):
        pooling_ref.from_keras(layer)


def test_unbuilt_layer_with_weights_is_refused(keras):
    with pytest.raises(ValueError, match=r"needs a built layer.*built=False"):
        pooling_ref.from_keras(keras.layers.Dense(3, name="d"))


def test_not_a_keras_object():
    with pytest.raises(TypeError, match="Received: obj of type ndarray"):
        pooling_ref.from_keras(np.zeros(3))
