"""pooling_ref.backward: gradients of every forward op, against tf.GradientTape through Keras.

Layout: contract tests (shapes, dtypes, errors, inputs untouched), pinned values
(the tie rules and the other semantics written down in the module docstring, each
also checked against TensorFlow), property tests against TensorFlow over random
arguments (marked ``keras``), and numeric gradient checks (``gradcheck``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pooling_ref
from pooling_ref import backward as B
from pooling_ref import global_pooling, pooling

TOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-10}
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------
# TensorFlow oracle
# --------------------------------------------------------------------------
def keras_layers():
    import keras

    return keras.layers


def tf_gradients(call, x, grad_output, variables=()):
    """``d sum(call(x) * grad_output) / d(x, *variables)`` with tf.GradientTape."""
    import tensorflow as tf

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = call(xt)
        assert tuple(y.shape) == grad_output.shape, (y.shape, grad_output.shape)
        loss = tf.reduce_sum(y * tf.constant(grad_output, dtype=y.dtype))
    grads = tape.gradient(loss, [xt, *variables])
    return [g.numpy() for g in grads]


def assert_grad_close(ours, theirs):
    """float32 within 1e-5 relative, float64 within 1e-10 (relative to the largest entry)."""
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    rtol = TOL[ours.dtype]
    scale = max(1.0, float(np.nanmax(np.abs(theirs), initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale)


def random_input(rng, shape, dtype, ties):
    """Normal values, or (``ties``) small integers so that windows often tie."""
    if ties:
        return rng.integers(-2, 3, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def spatial_shape(shape, data_format):
    return shape[2:] if data_format == "channels_first" else shape[1:-1]


def full_shape(batch, spatial, channels, data_format):
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


# --------------------------------------------------------------------------
# contract
# --------------------------------------------------------------------------
BACKWARDS = [
    (pooling.max_pool1d, B.max_pool1d_backward, (2, 6, 3), {"pool_size": 2}),
    (pooling.average_pool1d, B.average_pool1d_backward, (2, 6, 3), {"pool_size": 3}),
    (pooling.max_pool2d, B.max_pool2d_backward, (2, 4, 5, 3), {"pool_size": 2}),
    (pooling.average_pool2d, B.average_pool2d_backward, (2, 4, 5, 3), {"pool_size": 2}),
    (global_pooling.global_max_pool1d, B.global_max_pool1d_backward, (2, 6, 3), {}),
    (global_pooling.global_average_pool1d, B.global_average_pool1d_backward, (2, 6, 3), {}),
    (global_pooling.global_max_pool2d, B.global_max_pool2d_backward, (2, 4, 5, 3), {}),
    (global_pooling.global_average_pool2d, B.global_average_pool2d_backward, (2, 4, 5, 3), {}),
    (pooling_ref.upsampling1d, B.upsampling1d_backward, (2, 3, 3), {"size": 2}),
    (pooling_ref.upsampling2d, B.upsampling2d_backward, (2, 3, 4, 3), {"size": (2, 3)}),
    (
        pooling_ref.upsampling2d,
        B.upsampling2d_backward,
        (2, 3, 4, 3),
        {"size": 2, "interpolation": "bilinear", "data_format": "channels_first"},
    ),
]
IDS = [f"{f.__name__}-{i}" for i, (f, *_) in enumerate(BACKWARDS)]


@pytest.mark.parametrize(("forward", "backward", "shape", "kwargs"), BACKWARDS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_shape_dtype_and_input_untouched(forward, backward, shape, kwargs, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(forward(x, **kwargs).shape).astype(dtype)
    x_before, g_before = x.copy(), g.copy()
    grad_x = backward(g, x, **kwargs)
    assert grad_x.shape == x.shape
    assert grad_x.dtype == x.dtype
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)


@pytest.mark.parametrize(("forward", "backward", "shape", "kwargs"), BACKWARDS, ids=IDS)
def test_integer_input_gives_float32_gradient(forward, backward, shape, kwargs):
    x = np.arange(np.prod(shape)).reshape(shape)
    g = np.ones(forward(x, **kwargs).shape)
    assert backward(g, x, **kwargs).dtype == np.float32


@pytest.mark.parametrize(("forward", "backward", "shape", "kwargs"), BACKWARDS, ids=IDS)
def test_grad_output_of_wrong_shape_is_a_clear_error(forward, backward, shape, kwargs):
    x = np.zeros(shape)
    expected = forward(x, **kwargs).shape
    wrong = (expected[0], expected[1] + 1, *expected[2:])
    with pytest.raises(ValueError, match=r"grad_output.*Received: grad_output\.shape="):
        backward(np.zeros(wrong), x, **kwargs)


def test_grad_output_error_names_the_expected_shape():
    x = np.zeros((2, 6, 3))
    with pytest.raises(ValueError) as info:
        B.max_pool1d_backward(np.zeros((2, 4, 3)), x, pool_size=2)
    assert str(info.value) == (
        "`grad_output` must have the shape of the max_pool1d output, (2, 3, 3). "
        "Received: grad_output.shape=(2, 4, 3)"
    )


def test_channels_first_grad_output_is_checked_in_channels_first_layout():
    x = np.zeros((2, 3, 6))  # channels_first: 3 channels, 6 steps -> output (2, 3, 3)
    grad = B.max_pool1d_backward(np.ones((2, 3, 3)), x, data_format="channels_first")
    assert grad.shape == (2, 3, 6)
    # read as channels_last the same x has 3 steps and 6 channels -> output (2, 1, 6)
    with pytest.raises(ValueError, match=r"output, \(2, 1, 6\)"):
        B.max_pool1d_backward(np.ones((2, 3, 3)), x)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pool_size": 0}, "Received: pool_size=0"),
        ({"pool_size": 2, "strides": 0}, "Received: strides=0"),
        ({"pool_size": 2, "padding": "full"}, "Received: padding='full'"),
        ({"pool_size": 2, "data_format": "NWC"}, "Received: data_format='NWC'"),
        ({"pool_size": 7}, "Received: pool_size=7"),
    ],
)
def test_bad_pool_arguments_name_argument_and_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        B.max_pool1d_backward(np.zeros((1, 1, 1)), np.zeros((1, 6, 1)), **kwargs)


def test_bad_mask_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Received: mask.shape=\(1, 3\)"):
        B.global_average_pool1d_backward(np.zeros((1, 1)), np.zeros((1, 4, 1)), mask=[[1, 0, 1]])


# --------------------------------------------------------------------------
# max pooling: pinned values
# --------------------------------------------------------------------------
def col(*values):
    """A (1, steps, 1) float32 array."""
    return np.array(values, dtype=np.float32).reshape(1, -1, 1)


MAX_POOL_PINS = [
    # (x, pool_size, strides, padding, expected grad for grad_output = ones)
    pytest.param(col(1, 3, 3, 2), 2, 1, "valid", [0, 2, 1, 0], id="tie-first-wins-overlap-adds"),
    pytest.param(col(5, 5, 1, 1), 2, 2, "valid", [1, 0, 1, 0], id="tie-first-wins"),
    pytest.param(col(1, 1, 1, 1, 1), 3, 1, "valid", [1, 1, 1, 0, 0], id="all-equal"),
    pytest.param(col(-0.0, 0.0), 2, 2, "valid", [1, 0], id="minus-zero-ties-zero"),
    pytest.param(col(0.0, -0.0), 2, 2, "valid", [1, 0], id="zero-ties-minus-zero"),
    pytest.param(col(1, np.nan, 2), 3, 3, "valid", [0, 0, 1], id="nan-inside-never-wins"),
    pytest.param(col(np.nan, 1, 2), 3, 3, "valid", [1, 0, 0], id="nan-first-keeps-it"),
    pytest.param(col(-np.inf, -np.inf), 2, 2, "valid", [1, 0], id="all-minus-inf-first"),
    pytest.param(col(-1, -1, -1, -1, -1, -1), 3, 2, "same", [1, 0, 1, 0, 1, 0], id="same-neg"),
    pytest.param(col(1, 1, 1, 1, 1), 2, 1, "same", [1, 1, 1, 1, 1], id="same-last-window-half"),
]


@pytest.mark.parametrize(("x", "pool", "strides", "padding", "expected"), MAX_POOL_PINS)
def test_max_pool1d_backward_winner_rule(x, pool, strides, padding, expected):
    out = pooling_ref.pooled_length(x.shape[1], pool, strides, padding)
    g = np.ones((1, out, 1), np.float32)
    grad = B.max_pool1d_backward(g, x, pool_size=pool, strides=strides, padding=padding)
    np.testing.assert_array_equal(grad[0, :, 0], np.array(expected, np.float32))


@pytest.mark.keras
@pytest.mark.parametrize(("x", "pool", "strides", "padding", "expected"), MAX_POOL_PINS)
def test_max_pool1d_winner_rule_is_tensorflows(x, pool, strides, padding, expected):
    layer = keras_layers().MaxPooling1D(pool, strides, padding)
    out = pooling_ref.pooled_length(x.shape[1], pool, strides, padding)
    (tf_grad,) = tf_gradients(layer, x, np.ones((1, out, 1), np.float32))
    np.testing.assert_array_equal(tf_grad[0, :, 0], np.array(expected, np.float32))


MAX_POOL2D_PINS = [
    # a tied 2D window sends its gradient to the first maximum in row-major order
    pytest.param([[0, 1], [1, 0]], (2, 2), [[0, 1], [0, 0]], id="anti-diagonal"),
    pytest.param([[0, 0, 1], [1, 0, 0]], (2, 3), [[0, 0, 1], [0, 0, 0]], id="row-before-column"),
    pytest.param([[2, 2], [2, 2]], (2, 2), [[1, 0], [0, 0]], id="all-equal"),
    pytest.param([[1, 1], [np.nan, 5]], (2, 2), [[0, 0], [0, 1]], id="nan-in-row-start"),
]


@pytest.mark.parametrize(("x", "pool", "expected"), MAX_POOL2D_PINS)
def test_max_pool2d_backward_tie_is_row_major_first(x, pool, expected):
    x = np.array(x, np.float32)[None, :, :, None]
    grad = B.max_pool2d_backward(np.ones((1, 1, 1, 1), np.float32), x, pool_size=pool)
    np.testing.assert_array_equal(grad[0, :, :, 0], np.array(expected, np.float32))


@pytest.mark.keras
@pytest.mark.parametrize(("x", "pool", "expected"), MAX_POOL2D_PINS)
def test_max_pool2d_tie_rule_is_tensorflows(x, pool, expected):
    x = np.array(x, np.float32)[None, :, :, None]
    (tf_grad,) = tf_gradients(
        keras_layers().MaxPooling2D(pool), x, np.ones((1, 1, 1, 1), np.float32)
    )
    np.testing.assert_array_equal(tf_grad[0, :, :, 0], np.array(expected, np.float32))


def test_max_pool_overlapping_windows_accumulate_grad_output_values():
    x = col(0, 9, 0, 0, 0)
    g = col(1, 10, 100, 1000)  # windows [0,9] [9,0] [0,0] [0,0]
    grad = B.max_pool1d_backward(g, x, pool_size=2, strides=1)
    np.testing.assert_array_equal(grad[0, :, 0], [0, 11, 100, 1000, 0])


@pytest.mark.parametrize("backward", [B.max_pool1d_backward, B.average_pool1d_backward])
@pytest.mark.parametrize(("steps", "pool", "strides"), [(5, 2, 2), (6, 3, 2), (7, 4, 1), (4, 5, 3)])
def test_same_padding_receives_no_gradient(backward, steps, pool, strides):
    # Every output hands all of its gradient to real elements: nothing leaks into padding.
    rng = np.random.default_rng(steps * pool)
    x = rng.standard_normal((2, steps, 3))
    g = rng.standard_normal((2, -(-steps // strides), 3))
    grad = backward(g, x, pool_size=pool, strides=strides, padding="same")
    np.testing.assert_allclose(grad.sum(axis=1), g.sum(axis=1), rtol=1e-12)


# --------------------------------------------------------------------------
# average and global pooling: pinned values
# --------------------------------------------------------------------------
def test_average_pool_same_uses_real_element_divisor():
    # steps=5, pool 3, strides 2: same pads 1 left, 1 right; windows {0,1}, {1,2,3}, {3,4}
    grad = B.average_pool1d_backward(
        np.ones((1, 3, 1)), np.zeros((1, 5, 1)), pool_size=3, strides=2, padding="same"
    )
    np.testing.assert_allclose(grad[0, :, 0], [1 / 2, 1 / 2 + 1 / 3, 1 / 3, 1 / 3 + 1 / 2, 1 / 2])


def test_average_pool2d_same_divisor_counts_real_elements_in_both_axes():
    grad = B.average_pool2d_backward(
        np.ones((1, 2, 2, 1)), np.zeros((1, 3, 3, 1)), pool_size=2, padding="same"
    )
    # windows: {0,1}x{0,1} (4 real), {0,1}x{2} (2), {2}x{0,1} (2), {2}x{2} (1)
    np.testing.assert_allclose(
        grad[0, :, :, 0], [[1 / 4, 1 / 4, 1 / 2], [1 / 4, 1 / 4, 1 / 2], [1 / 2, 1 / 2, 1]]
    )


def test_global_max_ties_share_the_gradient():
    x = np.array([[[1.0, 2.0], [3.0, 2.0], [3.0, 1.0], [2.0, 0.0]]])
    grad = B.global_max_pool1d_backward(np.array([[4.0, 6.0]]), x)
    np.testing.assert_array_equal(grad[0], [[0, 3], [2, 3], [2, 0], [0, 0]])


def test_global_max_nan_makes_the_channel_gradient_nan():
    x = np.array([[[1.0, 1.0], [np.nan, 2.0], [2.0, 0.0]]])
    grad = B.global_max_pool1d_backward(np.ones((1, 2)), x)
    assert np.isnan(grad[0, :, 0]).all()
    np.testing.assert_array_equal(grad[0, :, 1], [0, 1, 0])


def test_global_average_mask_spreads_over_kept_steps_only():
    x = np.zeros((3, 4, 1))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]], dtype=bool)
    grad = B.global_average_pool1d_backward(np.full((3, 1), 12.0), x, mask=mask)
    np.testing.assert_array_equal(grad[:, :, 0], [[6, 6, 0, 0], [3, 3, 3, 3], [0, 0, 0, 0]])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_keepdims_grad_output_layout(data_format):
    x = np.zeros((2, 4, 3))  # channels_last: 4 steps, 3 channels; channels_first: 3 steps
    y = global_pooling.global_average_pool1d(x, data_format=data_format, keepdims=True)
    grad = B.global_average_pool1d_backward(
        np.ones(y.shape), x, data_format=data_format, keepdims=True
    )
    steps = 4 if data_format == "channels_last" else 3
    np.testing.assert_array_equal(grad, np.full(x.shape, 1 / steps))


@pytest.mark.keras
@pytest.mark.parametrize(
    ("layer_name", "backward", "x"),
    [
        ("GlobalMaxPooling1D", B.global_max_pool1d_backward, [1, 3, 3, 2]),
        ("GlobalMaxPooling1D", B.global_max_pool1d_backward, [-0.0, 0.0, -1, -2]),
        ("GlobalMaxPooling1D", B.global_max_pool1d_backward, [1, np.nan, 2, 2]),
        ("GlobalMaxPooling2D", B.global_max_pool2d_backward, [[1, 1], [1, 0]]),
    ],
)
def test_global_max_tie_and_nan_rules_are_tensorflows(layer_name, backward, x):
    x = np.array(x, np.float32)[None, ..., None]
    g = np.full((1, 1), 3.0, np.float32)
    (tf_grad,) = tf_gradients(getattr(keras_layers(), layer_name)(), x, g)
    np.testing.assert_array_equal(backward(g, x), tf_grad)


# --------------------------------------------------------------------------
# property tests against TensorFlow
# --------------------------------------------------------------------------
@st.composite
def pool_cases(draw, rank):
    padding = draw(st.sampled_from(["valid", "same", "SAME"]))
    pool = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    strides = draw(st.none() | st.tuples(*[st.integers(1, 4)] * rank))
    low = 1 if padding.lower() == "same" else 0
    spatial = tuple(draw(st.integers(max(low, p), p + 6 - 2 * (rank - 1))) for p in pool)
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = full_shape(draw(st.integers(1, 2)), spatial, draw(st.integers(1, 3)), data_format)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = random_input(rng, shape, dtype, ties=draw(st.booleans()))
    if rank == 1:
        pool, strides = pool[0], None if strides is None else strides[0]
    kwargs = {"pool_size": pool, "strides": strides, "padding": padding, "data_format": data_format}
    return x, kwargs, rng


POOL_OPS = {
    "MaxPooling1D": (pooling.max_pool1d, B.max_pool1d_backward, 1),
    "AveragePooling1D": (pooling.average_pool1d, B.average_pool1d_backward, 1),
    "MaxPooling2D": (pooling.max_pool2d, B.max_pool2d_backward, 2),
    "AveragePooling2D": (pooling.average_pool2d, B.average_pool2d_backward, 2),
}


@pytest.mark.keras
@pytest.mark.parametrize("layer_name", list(POOL_OPS))
@given(data=st.data())
@PROPERTY
def test_pool_backward_matches_tensorflow(layer_name, data):
    forward, backward, rank = POOL_OPS[layer_name]
    x, kwargs, rng = data.draw(pool_cases(rank))
    y = forward(x, **kwargs)
    g = rng.standard_normal(y.shape).astype(x.dtype)
    layer = getattr(keras_layers(), layer_name)(**kwargs, dtype=x.dtype.name)
    (tf_grad,) = tf_gradients(layer, x, g)
    assert_grad_close(backward(g, x, **kwargs), tf_grad)


@st.composite
def global_cases(draw, rank, with_mask):
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    spatial = tuple(draw(st.integers(1, 6)) for _ in range(rank))
    batch = draw(st.integers(1, 3))
    shape = full_shape(batch, spatial, draw(st.integers(1, 3)), data_format)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = random_input(rng, shape, dtype, ties=draw(st.booleans()))
    kwargs = {"data_format": data_format, "keepdims": draw(st.booleans())}
    mask = None
    if with_mask and draw(st.booleans()):
        mask = rng.random((batch, spatial[0])) < draw(st.sampled_from([0.0, 0.5, 0.8]))
    return x, kwargs, mask, rng


GLOBAL_OPS = {
    "GlobalMaxPooling1D": (global_pooling.global_max_pool1d, B.global_max_pool1d_backward, 1),
    "GlobalAveragePooling1D": (
        global_pooling.global_average_pool1d,
        B.global_average_pool1d_backward,
        1,
    ),
    "GlobalMaxPooling2D": (global_pooling.global_max_pool2d, B.global_max_pool2d_backward, 2),
    "GlobalAveragePooling2D": (
        global_pooling.global_average_pool2d,
        B.global_average_pool2d_backward,
        2,
    ),
}


@pytest.mark.keras
@pytest.mark.parametrize("layer_name", list(GLOBAL_OPS))
@given(data=st.data())
@PROPERTY
def test_global_pool_backward_matches_tensorflow(layer_name, data):
    import tensorflow as tf

    forward, backward, rank = GLOBAL_OPS[layer_name]
    x, kwargs, mask, rng = data.draw(global_cases(rank, "Average" in layer_name and rank == 1))
    extra = {} if mask is None else {"mask": mask}
    y_shape = forward(x, **extra, **kwargs).shape
    g = rng.standard_normal(y_shape).astype(x.dtype)
    layer = getattr(keras_layers(), layer_name)(**kwargs, dtype=x.dtype.name)
    if mask is None:
        call = layer
    else:

        def call(t):
            return layer(t, mask=tf.constant(mask))

    (tf_grad,) = tf_gradients(call, x, g)
    assert_grad_close(backward(g, x, **extra, **kwargs), tf_grad)


# --------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------
def test_conv1d_backward_hand_worked():
    x = np.arange(4.0).reshape(1, 4, 1)
    kernel = np.array([1.0, 10.0]).reshape(2, 1, 1)
    grad_x, grad_kernel, grad_bias = B.conv1d_backward(
        np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1), x, kernel, bias=np.zeros(1)
    )
    # output i = x[i] + 10 x[i+1]: step t gets g[t] * 1 + g[t-1] * 10
    np.testing.assert_array_equal(grad_x[0, :, 0], [1, 2 + 10, 3 + 20, 30])
    # tap 0 read x[0..2], tap 1 read x[1..3]
    np.testing.assert_array_equal(grad_kernel[:, 0, 0], [0 + 2 + 6, 1 + 4 + 9])
    np.testing.assert_array_equal(grad_bias, [6.0])


def test_conv1d_backward_causal_and_same_send_nothing_into_padding():
    x = np.ones((1, 5, 1))
    kernel = np.ones((3, 1, 1))
    g = np.ones((1, 5, 1))
    causal = B.conv1d_backward(g, x, kernel, padding="causal")[0][0, :, 0]
    # causal output t reads t-2, t-1, t: step t is read by outputs t, t+1, t+2 that exist
    np.testing.assert_array_equal(causal, [3, 3, 3, 2, 1])
    same = B.conv1d_backward(g, x, kernel, padding="same")[0][0, :, 0]
    np.testing.assert_array_equal(same, [2, 3, 3, 3, 2])


def test_conv_backward_grad_bias_is_none_without_bias():
    grads = B.conv1d_backward(np.ones((1, 3, 2)), np.ones((1, 4, 1)), np.ones((2, 1, 2)))
    assert grads[2] is None
    grads = B.conv2d_backward(
        np.ones((1, 1, 1, 2)), np.ones((1, 2, 2, 1)), np.ones((2, 2, 1, 2)), bias=[0.0, 0.0]
    )
    np.testing.assert_array_equal(grads[2], [1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_backward_dtypes_shapes_and_inputs_untouched(dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 4)).astype(dtype)
    kernel = rng.standard_normal((3, 2, 6)).astype(dtype)
    bias = rng.standard_normal(6).astype(dtype)
    kwargs = {"strides": 2, "padding": "same", "groups": 2}
    g = rng.standard_normal(pooling_ref.conv1d(x, kernel, bias, **kwargs).shape).astype(dtype)
    before = [a.copy() for a in (g, x, kernel, bias)]
    grad_x, grad_kernel, grad_bias = B.conv1d_backward(g, x, kernel, bias, **kwargs)
    assert (grad_x.shape, grad_kernel.shape, grad_bias.shape) == (x.shape, kernel.shape, (6,))
    assert grad_x.dtype == grad_kernel.dtype == grad_bias.dtype == dtype
    for a, b in zip((g, x, kernel, bias), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strides": 2, "dilation_rate": 2}, "dilation_rate > 1"),
        ({"padding": "full"}, "Received: padding='full'"),
        ({"groups": 3}, "groups"),
    ],
)
def test_conv_backward_rejects_what_the_forward_rejects(kwargs, message):
    with pytest.raises(ValueError, match=message):
        B.conv1d_backward(np.ones((1, 4, 2)), np.ones((1, 6, 2)), np.ones((3, 2, 2)), **kwargs)


def test_conv_backward_grad_output_of_wrong_shape():
    with pytest.raises(ValueError, match=r"conv1d output, \(1, 4, 2\)\. Received"):
        B.conv1d_backward(np.ones((1, 5, 2)), np.ones((1, 6, 2)), np.ones((3, 2, 2)))


@st.composite
def conv_cases(draw, rank):
    padding = draw(st.sampled_from(["valid", "same", "causal"] if rank == 1 else ["valid", "same"]))
    ksize = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    if draw(st.booleans()):
        strides, dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank)), (1,) * rank
    else:
        strides, dilation = (1,) * rank, tuple(draw(st.integers(1, 3)) for _ in range(rank))
    effective = [d * (k - 1) + 1 for k, d in zip(ksize, dilation, strict=True)]
    spatial = tuple(
        draw(st.integers(e if padding == "valid" else 1, e + 5 - 2 * (rank - 1))) for e in effective
    )
    groups = draw(st.sampled_from([1, 1, 2]))
    cin, filters = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(full_shape(draw(st.integers(1, 2)), spatial, cin, data_format))
    kernel = rng.standard_normal((*ksize, cin // groups, filters)).astype(dtype)
    bias = rng.standard_normal(filters).astype(dtype) if draw(st.booleans()) else None
    if rank == 1:
        ksize, strides, dilation = ksize[0], strides[0], dilation[0]
    kwargs = {
        "strides": strides,
        "padding": padding,
        "data_format": data_format,
        "dilation_rate": dilation,
        "groups": groups,
    }
    return x.astype(dtype), kernel, bias, kwargs, rng


def keras_conv_gradients(rank, x, kernel, bias, g, kwargs):
    """TensorFlow's gradients for a Keras Conv1D/Conv2D holding ``kernel`` and ``bias``.

    Keras' TensorFlow backend cannot run a channels_first convolution on a CPU, so
    channels_first cases run the channels_last layer on transposed arrays (the same
    computation with the channel axis moved) and transpose the gradient back.
    """
    channels_first = kwargs["data_format"] == "channels_first"
    if channels_first:
        x, g = np.moveaxis(x, 1, -1), np.moveaxis(g, 1, -1)
    layer_kwargs = {**kwargs, "data_format": "channels_last"}
    layer_class = keras_layers().Conv1D if rank == 1 else keras_layers().Conv2D
    layer = layer_class(
        kernel.shape[-1],
        kernel.shape[:-2],
        use_bias=bias is not None,
        dtype=x.dtype.name,
        **layer_kwargs,
    )
    layer.build(x.shape)
    layer.kernel.assign(kernel)
    variables = [layer.kernel]
    if bias is not None:
        layer.bias.assign(bias)
        variables.append(layer.bias)
    grads = tf_gradients(layer, x, g, variables)
    if channels_first:
        grads[0] = np.moveaxis(grads[0], -1, 1)
    return grads


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.parametrize("rank", [1, 2])
@given(data=st.data())
@PROPERTY
def test_conv_backward_matches_tensorflow(rank, data):
    forward = pooling_ref.conv1d if rank == 1 else pooling_ref.conv2d
    backward = B.conv1d_backward if rank == 1 else B.conv2d_backward
    x, kernel, bias, kwargs, rng = data.draw(conv_cases(rank))
    g = rng.standard_normal(forward(x, kernel, bias, **kwargs).shape).astype(x.dtype)
    ours = backward(g, x, kernel, bias, **kwargs)
    theirs = keras_conv_gradients(rank, x, kernel, bias, g, kwargs)
    assert_grad_close(ours[0], theirs[0])
    assert_grad_close(ours[1], theirs[1])
    if bias is None:
        assert ours[2] is None
    else:
        assert_grad_close(ours[2], theirs[2])


# --------------------------------------------------------------------------
# upsampling
# --------------------------------------------------------------------------
def seed_upsampling2d_backward(accum_grad, size):
    """The seed material's UpSampling2D.backward_pass (channels_first): keeps one per block."""
    return accum_grad[:, :, :: size[0], :: size[1]]


def test_upsampling1d_backward_sums_each_block():
    g = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0]).reshape(1, 6, 1)
    grad = B.upsampling1d_backward(g, np.zeros((1, 2, 1)), size=3)
    np.testing.assert_array_equal(grad[0, :, 0], [6.0, 60.0])


def test_upsampling2d_backward_sums_blocks_where_the_seed_keeps_one_element():
    g = np.arange(16.0).reshape(1, 1, 4, 4)  # channels_first, like the seed code
    x = np.zeros((1, 1, 2, 2))
    ours = B.upsampling2d_backward(g, x, size=(2, 2), data_format="channels_first")
    np.testing.assert_array_equal(ours[0, 0], [[0 + 1 + 4 + 5, 2 + 3 + 6 + 7], [42, 50]])
    seed = seed_upsampling2d_backward(g, (2, 2))
    np.testing.assert_array_equal(seed[0, 0], [[0, 2], [8, 10]])
    # the seed loses the gradient of three copies out of four
    assert ours.sum() == g.sum() != seed.sum()


@pytest.mark.keras
def test_seed_upsampling2d_backward_disagrees_with_tensorflow():
    g = np.arange(16.0, dtype=np.float32).reshape(1, 4, 4, 1)
    x = np.zeros((1, 2, 2, 1), np.float32)
    (tf_grad,) = tf_gradients(keras_layers().UpSampling2D((2, 2)), x, g)
    np.testing.assert_array_equal(B.upsampling2d_backward(g, x), tf_grad)
    seed = np.moveaxis(seed_upsampling2d_backward(np.moveaxis(g, -1, 1), (2, 2)), 1, -1)
    assert not np.allclose(seed, tf_grad)


def test_bilinear_backward_hand_worked():
    # one row of 2 columns -> 4 columns at (j + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25:
    # weights on (x0, x1): (1, 0), (0.75, 0.25), (0.25, 0.75), (0, 1)
    g = np.array([1.0, 10.0, 100.0, 1000.0]).reshape(1, 1, 4, 1)
    grad = B.upsampling2d_backward(g, np.zeros((1, 1, 2, 1)), size=(1, 2), interpolation="bilinear")
    np.testing.assert_allclose(grad[0, 0, :, 0], [1 + 7.5 + 25, 2.5 + 75 + 1000])


@st.composite
def upsampling_cases(draw, rank):
    size = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    spatial = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"])) if rank == 2 else None
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = full_shape(draw(st.integers(1, 2)), spatial, draw(st.integers(1, 3)), data_format)
    x = rng.standard_normal(shape).astype(dtype)
    if rank == 1:
        return x, {"size": size[0]}, rng
    interpolation = draw(st.sampled_from(["nearest", "bilinear", "Bilinear"]))
    return x, {"size": size, "data_format": data_format, "interpolation": interpolation}, rng


@pytest.mark.keras
@pytest.mark.parametrize("rank", [1, 2])
@given(data=st.data())
@PROPERTY
def test_upsampling_backward_matches_tensorflow(rank, data):
    x, kwargs, rng = data.draw(upsampling_cases(rank))
    forward = pooling_ref.upsampling1d if rank == 1 else pooling_ref.upsampling2d
    backward = B.upsampling1d_backward if rank == 1 else B.upsampling2d_backward
    layer_class = keras_layers().UpSampling1D if rank == 1 else keras_layers().UpSampling2D
    g = rng.standard_normal(forward(x, **kwargs).shape).astype(x.dtype)
    (tf_grad,) = tf_gradients(layer_class(**kwargs, dtype=x.dtype.name), x, g)
    assert_grad_close(backward(g, x, **kwargs), tf_grad)
