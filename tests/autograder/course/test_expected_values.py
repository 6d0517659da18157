"""Every value a test cell computes without Keras is pinned here against Keras.

The notebooks' test cells run where Keras is not available (the trusted
verdict), so they build expected shapes and parameter counts with the
``expected_*`` helpers of :mod:`autograder.checks`, expected values with
pooling_ref (forward and backward), and the receptive field and the motif
detector with pooling_ref. Each of these is compared here with the real Keras
layer, model or ``tf.GradientTape``, for exactly the settings the notebooks use
(and a few more), so a Keras upgrade that changes one of them fails CI.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import pooling_ref
from autograder.checks import (
    expected_conv1d_params,
    expected_conv1d_shape,
    expected_conv1d_transpose_shape,
    expected_conv2d_params,
    expected_conv2d_shape,
    expected_dense_params,
    expected_dense_shape,
    expected_global_pool_shape,
    expected_lstm_params,
    expected_lstm_shape,
    expected_pool1d_shape,
    expected_pool2d_shape,
    expected_upsampling1d_shape,
)
from autograder.checks._geometry import impulse_receptive_field, pool_geometry_cases

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _shape(layer, input_shape) -> tuple:
    return tuple(layer.compute_output_shape(tuple(input_shape)))


# ----------------------------------------------------------------- 01: pooled shapes, geometry
POOL1D_SETTINGS = [  # 01 exercise 1 (a-h), then more
    ((10, 4, 10), dict(pool_size=2, strides=1)),
    ((10, 4, 10), dict(pool_size=2)),
    ((32, 100, 8), dict(pool_size=3, strides=2)),
    ((32, 100, 8), dict(pool_size=3, strides=2, padding="same")),
    ((1, 7, 3), dict(pool_size=4, strides=3)),
    ((1, 7, 3), dict(pool_size=4, strides=3, padding="same")),
    ((16, 5, 50), dict(pool_size=2, data_format="channels_first")),
    ((2, 9, 4), dict(pool_size=10, padding="same")),
    ((None, 6, 16), dict(pool_size=2, strides=1)),
    ((3, 11, 2), dict(pool_size=3, strides=4, padding="same", data_format="channels_first")),
]


@pytest.mark.parametrize(("input_shape", "kwargs"), POOL1D_SETTINGS)
def test_expected_pool1d_shape_is_what_keras_computes(keras, input_shape, kwargs):
    layer = keras.layers.MaxPooling1D(**kwargs)
    assert expected_pool1d_shape(input_shape, **kwargs) == _shape(layer, input_shape)
    if input_shape[0] is not None:  # and what an eager call really returns
        out = layer(np.zeros(input_shape, "float32"))
        assert tuple(out.shape) == expected_pool1d_shape(input_shape, **kwargs)


def test_pool_geometry_answers_are_keras_lengths_and_tf_padding(keras):
    """The check's (out, left, right): out is Keras' length; left/right reproduce Keras' values."""
    table = pool_geometry_cases()
    calls = [c for group in table.values() for c in group]
    assert len(calls) > 500
    rng = np.random.default_rng(0)
    for call in calls[::7] + table["same_split"] + table["examples"]:
        length, pool = call.args[:2]
        strides = call.args[2] if len(call.args) > 2 else None
        padding = call.args[3] if len(call.args) > 3 else "valid"
        out, left, right = call.returns
        x = rng.normal(size=(1, length, 1)).astype("float32")
        layer = keras.layers.MaxPooling1D(pool, strides, padding=padding.lower())
        y = np.asarray(layer(x))
        assert y.shape[1] == out, call
        # the same windows by hand, with -inf padding split (left, right), give Keras' numbers
        padded = np.pad(x[0, :, 0], (left, right), constant_values=-np.inf)
        step = pool if strides is None else strides
        by_hand = [padded[k * step : k * step + pool].max() for k in range(out)]
        np.testing.assert_array_equal(y[0, :, 0], by_hand, err_msg=str(call))


# ----------------------------------------------------------------- 02: the two example models
def test_lstm_dense_and_global_pool_expectations_match_the_example_models(keras):
    L = keras.layers
    model_a = keras.Sequential(
        [
            keras.Input((6, 10)),
            L.LSTM(16, return_sequences=True),
            L.MaxPooling1D(2, 1),
            L.LSTM(10),
            L.Dense(1),
        ]
    )
    model_b = keras.Sequential(
        [
            keras.Input((6, 10)),
            L.LSTM(16, return_sequences=True),
            L.GlobalMaxPooling1D(),
            L.Dense(1),
        ]
    )
    lstm16 = expected_lstm_shape((None, 6, 10), 16, return_sequences=True)
    pooled = expected_pool1d_shape(lstm16, 2, 1)
    last = expected_lstm_shape(pooled, 10)
    pooled_b = expected_global_pool_shape(lstm16)
    want_a = [
        (lstm16, expected_lstm_params(10, 16)),
        (pooled, 0),
        (last, expected_lstm_params(16, 10)),
        (expected_dense_shape(last, 1), expected_dense_params(10, 1)),
    ]
    want_b = [
        (lstm16, expected_lstm_params(10, 16)),
        (pooled_b, 0),
        (expected_dense_shape(pooled_b, 1), expected_dense_params(16, 1)),
    ]
    for model, want in [(model_a, want_a), (model_b, want_b)]:
        got = [(tuple(layer.output.shape), layer.count_params()) for layer in model.layers]
        assert got == want
    assert expected_lstm_params(10, 16) == 1728 and expected_lstm_params(16, 10) == 1080


def _keras_detector_scores(keras, sequences, motif, bias):
    conv = keras.layers.Conv1D(1, motif.size, activation="relu")
    conv.build((None, None, 1))
    conv.set_weights([motif.reshape(-1, 1, 1), np.array([bias], "float32")])
    pool = keras.layers.GlobalMaxPooling1D()
    return np.array([float(pool(conv(s.reshape(1, -1, 1)))[0, 0]) for s in sequences])


def test_the_motif_detector_computed_with_pooling_ref_scores_like_keras(keras):
    motif = np.array([0.0, 1.0, 2.0, 3.0, -2.0], dtype="float32")
    rng = np.random.default_rng(7)
    sequences = []
    for length, at in [(60, 0), (60, 20), (60, 55), (60, None), (120, 90), (20, 15)]:
        seq = 0.3 * rng.normal(size=length)
        if at is not None:
            seq[at : at + motif.size] += motif
        sequences.append(seq.astype("float32"))
    for bias in (0.0, -9.0, -20.0):
        kernel, b = motif.reshape(-1, 1, 1), np.array([bias], "float32")
        responses = [pooling_ref.conv1d(s.reshape(1, -1, 1), kernel, b) for s in sequences]
        ours = np.array([pooling_ref.global_max_pool1d(np.maximum(r, 0))[0, 0] for r in responses])
        np.testing.assert_allclose(
            ours, _keras_detector_scores(keras, sequences, motif, bias), rtol=1e-5, atol=1e-5
        )


# ----------------------------------------------------------------- 03: parameter counts, CAM
@pytest.mark.parametrize(("cin", "filters", "k"), [(1, 16, 9), (16, 16, 9), (8, 4, 1), (6, 4, 3)])
def test_expected_conv1d_params_counts_like_keras(keras, cin, filters, k):
    layer = keras.layers.Conv1D(filters, k)
    layer.build((None, 64, cin))
    assert expected_conv1d_params(cin, filters, k) == layer.count_params()


@pytest.mark.parametrize(("units_in", "units"), [(16, 3), (64 * 16, 3), (64, 10), (7 * 7 * 64, 10)])
def test_expected_dense_params_counts_like_keras(keras, units_in, units):
    layer = keras.layers.Dense(units)
    layer.build((None, units_in))
    assert expected_dense_params(units_in, units) == layer.count_params()
    assert expected_dense_shape((None, units_in), units) == _shape(layer, (None, units_in))


def test_mean_of_the_class_activation_map_plus_bias_is_the_gap_dense_logit(keras):
    """The CAM test's claim: mean_t(features @ kernel[:, c]) + bias[c] = Dense(GAP(features))[c]."""
    rng = np.random.default_rng(3)
    features = rng.random((8, 64, 16)).astype("float32")
    dense = keras.layers.Dense(3)
    dense.build((None, 16))
    kernel, bias = dense.get_weights()
    logits = np.asarray(dense(keras.layers.GlobalAveragePooling1D()(features)))
    cams = np.stack([features @ kernel[:, c] for c in range(3)], axis=-1)
    np.testing.assert_allclose(cams.mean(axis=1) + bias, logits, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------- 04: Conv1D, receptive field
CONV1D_SPECS = {  # 04 exercise 1, on a (32, 100, 8) input
    "a": dict(filters=16, kernel_size=5),
    "b": dict(filters=16, kernel_size=5, strides=2, padding="same"),
    "c": dict(filters=16, kernel_size=3, dilation_rate=4, padding="causal"),
    "d": dict(filters=16, kernel_size=3, groups=4),
    "e": dict(filters=4, kernel_size=1, use_bias=False),
    "f": dict(filters=16, kernel_size=5, strides=3),
}


@pytest.mark.parametrize("name", sorted(CONV1D_SPECS))
def test_expected_conv1d_shape_and_params_of_the_six_layers_match_keras(keras, name):
    spec = CONV1D_SPECS[name]
    layer = keras.layers.Conv1D(**spec)
    layer.build((32, 100, 8))
    shape_args = {k: v for k, v in spec.items() if k not in ("groups", "use_bias")}
    assert expected_conv1d_shape((32, 100, 8), **shape_args) == _shape(layer, (32, 100, 8))
    params = expected_conv1d_params(
        8,
        spec["filters"],
        spec["kernel_size"],
        use_bias=spec.get("use_bias", True),
        groups=spec.get("groups", 1),
    )
    assert params == layer.count_params()


def _keras_receptive_field(keras, stack, length=200):
    model = keras.Sequential(
        [keras.Input((length, 1))]
        + [
            keras.layers.Conv1D(
                1,
                layer["kernel_size"],
                strides=layer.get("strides", 1),
                dilation_rate=layer.get("dilation_rate", 1),
                use_bias=False,
                kernel_initializer="ones",
            )
            for layer in stack
        ]
    )
    reached = np.flatnonzero(np.asarray(model(np.eye(length, dtype="float32")[..., None]))[:, 0, 0])
    return int(reached[-1] - reached[0] + 1)


def test_the_impulse_receptive_field_through_pooling_ref_is_keras_own(keras):
    from autograder.checks._geometry import receptive_field_cases

    table = receptive_field_cases(seed=0)
    stacks = [call.args[0] for group in table.values() for call in group]
    for stack in stacks:
        assert impulse_receptive_field(stack) == _keras_receptive_field(keras, stack), stack


# ----------------------------------------------------------------- 05: the encoder-decoders
def test_the_encoder_decoder_shapes_match_keras(keras):
    L = keras.layers
    encoder = [
        L.Conv1D(16, 5, padding="same"),
        L.MaxPooling1D(2),
        L.Conv1D(8, 5, padding="same"),
        L.MaxPooling1D(2),
    ]
    decoder = [
        L.UpSampling1D(2),
        L.Conv1D(16, 5, padding="same"),
        L.UpSampling1D(2),
        L.Conv1D(1, 5, padding="same"),
    ]
    transpose = [
        L.Conv1DTranspose(16, 4, strides=2, padding="same"),
        L.Conv1DTranspose(1, 4, strides=2, padding="same"),
    ]
    ours = [expected_conv1d_shape((16, 90, 1), 16, 5, padding="same")]
    ours.append(expected_pool1d_shape(ours[-1], 2))
    ours.append(expected_conv1d_shape(ours[-1], 8, 5, padding="same"))
    ours.append(expected_pool1d_shape(ours[-1], 2))
    ours.append(expected_upsampling1d_shape(ours[-1], 2))
    ours.append(expected_conv1d_shape(ours[-1], 16, 5, padding="same"))
    ours.append(expected_upsampling1d_shape(ours[-1], 2))
    ours.append(expected_conv1d_shape(ours[-1], 1, 5, padding="same"))
    ours.append(expected_conv1d_transpose_shape(ours[3], 16, 4, strides=2, padding="same"))
    ours.append(expected_conv1d_transpose_shape(ours[-1], 1, 4, strides=2, padding="same"))
    theirs, shape = [], (16, 90, 1)
    for layer in encoder + decoder:
        shape = _shape(layer, shape)
        theirs.append(shape)
    shape = theirs[3]
    for layer in transpose:
        shape = _shape(layer, shape)
        theirs.append(shape)
    assert ours == theirs


@pytest.mark.parametrize(
    ("steps", "k", "s", "padding"),
    list(itertools.product([5, 22], [1, 2, 4, 5], [1, 2, 3], ["valid", "same"])),
)
def test_expected_conv1d_transpose_shape_matches_keras(keras, steps, k, s, padding):
    layer = keras.layers.Conv1DTranspose(3, k, strides=s, padding=padding)
    want = _shape(layer, (2, steps, 4))
    assert expected_conv1d_transpose_shape((2, steps, 4), 3, k, strides=s, padding=padding) == want
    assert tuple(layer(np.zeros((2, steps, 4), "float32")).shape) == want


# ----------------------------------------------------------------- 06: hand-worked gradients
def test_the_hand_worked_gradients_from_pooling_ref_backward_are_the_tapes(keras):
    import tensorflow as tf

    from pooling_ref.backward import average_pool1d_backward, max_pool1d_backward

    x = np.array([4, 1, 4, 6, 2, 6], dtype="float32").reshape(1, 6, 1)
    g = np.array([1, 10, 100, 1000], dtype="float32").reshape(1, 4, 1)
    for layer, backward in [
        (keras.layers.MaxPooling1D(3, strides=1), max_pool1d_backward),
        (keras.layers.AveragePooling1D(3, strides=1), average_pool1d_backward),
    ]:
        var = tf.Variable(x)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(var) * g)
        tape_grad = tape.gradient(loss, var).numpy().ravel()
        ours = backward(g.astype("float64"), x.astype("float64"), pool_size=3, strides=1).ravel()
        np.testing.assert_allclose(ours, tape_grad, rtol=1e-6)
    # and the solution's literal answers (a tie: the first maximum takes the gradient)
    np.testing.assert_allclose(
        max_pool1d_backward(g, x, pool_size=3, strides=1).ravel(), [1, 0, 0, 1110, 0, 0]
    )


# ----------------------------------------------------------------- 07: the small CNN, 2D helpers
def test_the_small_cnn_shapes_and_params_match_keras(keras):
    L = keras.layers
    layers = [
        L.Conv2D(16, 3, padding="same"),
        L.MaxPool2D(2),
        L.Conv2D(32, 3),
        L.MaxPool2D(pool_size=3, strides=2),
        L.Conv2D(64, 1),
        L.AveragePooling2D(2, padding="same"),
        L.GlobalAveragePooling2D(),
        L.Dense(10),
    ]
    shape, theirs = (8, 64, 64, 3), []
    for layer in layers:
        layer.build(shape)
        shape = _shape(layer, shape)
        theirs.append((shape, layer.count_params()))
    s = [expected_conv2d_shape((8, 64, 64, 3), 16, 3, padding="same")]
    s.append(expected_pool2d_shape(s[-1], 2))
    s.append(expected_conv2d_shape(s[-1], 32, 3))
    s.append(expected_pool2d_shape(s[-1], pool_size=3, strides=2))
    s.append(expected_conv2d_shape(s[-1], 64, 1))
    s.append(expected_pool2d_shape(s[-1], 2, padding="same"))
    s.append(expected_global_pool_shape(s[-1]))
    s.append(expected_dense_shape(s[-1], 10))
    p = [
        expected_conv2d_params(3, 16, 3),
        0,
        expected_conv2d_params(16, 32, 3),
        0,
        expected_conv2d_params(32, 64, 1),
        0,
        0,
        expected_dense_params(64, 10),
    ]
    assert list(zip(s, p, strict=True)) == theirs
    flat = L.Dense(10)
    flat.build((8, 7 * 7 * 64))
    assert expected_dense_params(7 * 7 * 64, 10) == flat.count_params()


@pytest.mark.parametrize(
    ("input_shape", "kwargs"),
    [
        ((2, 9, 6, 3), dict(pool_size=(3, 2))),
        ((2, 9, 6, 3), dict(pool_size=(3, 2), strides=(2, 1), padding="same")),
        ((1, 7, 11, 2), dict(pool_size=(4, 2), strides=(1, 3), padding="valid")),
        ((1, 2, 7, 11), dict(pool_size=2, padding="same", data_format="channels_first")),
    ],
)
def test_expected_pool2d_shape_matches_keras_on_non_square_input(keras, input_shape, kwargs):
    for layer_type in (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D):
        assert expected_pool2d_shape(input_shape, **kwargs) == _shape(
            layer_type(**kwargs), input_shape
        )


@pytest.mark.parametrize(
    ("input_shape", "kwargs"),
    [
        ((2, 9, 6, 3), dict(filters=4, kernel_size=(3, 2))),
        ((2, 9, 6, 3), dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same")),
        ((1, 12, 10, 2), dict(filters=5, kernel_size=3, dilation_rate=(2, 1))),
        (
            (1, 2, 7, 11),
            dict(filters=3, kernel_size=2, padding="same", data_format="channels_first"),
        ),
    ],
)
def test_expected_conv2d_shape_and_params_match_keras(keras, input_shape, kwargs):
    layer = keras.layers.Conv2D(**kwargs)
    layer.build(input_shape)
    assert expected_conv2d_shape(input_shape, **kwargs) == _shape(layer, input_shape)
    cin = input_shape[1] if kwargs.get("data_format") == "channels_first" else input_shape[-1]
    assert (
        expected_conv2d_params(cin, kwargs["filters"], kwargs["kernel_size"])
        == layer.count_params()
    )


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_expected_global_pool_shape_matches_keras(keras, keepdims, data_format):
    for layer_type, shape in [
        (keras.layers.GlobalAveragePooling2D, (8, 7, 5, 64)),
        (keras.layers.GlobalMaxPooling1D, (8, 7, 64)),
    ]:
        layer = layer_type(data_format=data_format, keepdims=keepdims)
        want = _shape(layer, shape)
        assert expected_global_pool_shape(shape, data_format=data_format, keepdims=keepdims) == want
