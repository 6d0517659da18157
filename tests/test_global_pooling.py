"""pooling_ref.global_pooling: global max/average pooling 1D/2D, keepdims, masks."""

from __future__ import annotations

import numpy as np
import pytest
from _oracle import (
    PROPERTY,
    assert_same_as_keras,
    data_formats,
    dtypes,
    layers,
    random_array,
    run_layer,
    to_channels_first,
)
from hypothesis import given
from hypothesis import strategies as st

import pooling_ref

GLOBAL_1D = [pooling_ref.global_max_pool1d, pooling_ref.global_average_pool1d]
GLOBAL_2D = [pooling_ref.global_max_pool2d, pooling_ref.global_average_pool2d]


# --------------------------------------------------------------------------
# contract: shapes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("fn", GLOBAL_1D)
def test_global_1d_shapes_with_and_without_keepdims(fn):
    x = random_array(0, (2, 7, 3))
    assert fn(x).shape == (2, 3)
    assert fn(x, keepdims=True).shape == (2, 1, 3)
    assert fn(to_channels_first(x), data_format="channels_first").shape == (2, 3)
    assert fn(to_channels_first(x), data_format="channels_first", keepdims=True).shape == (2, 3, 1)


@pytest.mark.parametrize("fn", GLOBAL_2D)
def test_global_2d_shapes_with_and_without_keepdims(fn):
    x = random_array(1, (2, 4, 5, 3))
    assert fn(x).shape == (2, 3)
    assert fn(x, keepdims=True).shape == (2, 1, 1, 3)
    first = to_channels_first(x)
    assert fn(first, data_format="channels_first", keepdims=True).shape == (2, 3, 1, 1)
    np.testing.assert_allclose(fn(first, data_format="channels_first"), fn(x), rtol=1e-6)


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------
def test_global_max_and_mean_by_value():
    x = np.array([[[0.7, -0.2], [0.8, -0.3], [0.2, -0.1]]])
    np.testing.assert_array_equal(pooling_ref.global_max_pool1d(x), [[0.8, -0.1]])
    np.testing.assert_allclose(pooling_ref.global_average_pool1d(x), [[1.7 / 3, -0.2]])


@pytest.mark.keras
def test_global_max_lets_nan_win_unlike_max_pooling():
    """GlobalMaxPooling is a reduce_max: a NaN anywhere wins and -inf stays -inf."""
    x = np.array([[1, np.nan, 2], [np.nan, 1, 2], [-np.inf, -np.inf, -np.inf]], np.float32)
    x = x[:, :, None]
    ours = pooling_ref.global_max_pool1d(x)
    np.testing.assert_array_equal(ours[:, 0], [np.nan, np.nan, -np.inf])
    assert_same_as_keras(ours, run_layer(layers().GlobalMaxPooling1D(), x), exact=True)
    x2 = x.reshape(1, 3, 3, 1)
    keras_2d = run_layer(layers().GlobalMaxPooling2D(), x2)
    assert_same_as_keras(pooling_ref.global_max_pool2d(x2), keras_2d, exact=True)
    # max pooling over the same steps skips the NaN and floors -inf at the lowest float
    np.testing.assert_array_equal(
        pooling_ref.max_pool1d(x, 3)[:, 0, 0], [2, 2, np.finfo(np.float32).min]
    )


def test_mask_leaves_masked_steps_out_of_the_mean():
    x = np.array([[[1.0], [2.0], [6.0]], [[4.0], [8.0], [1.0]]])
    mask = np.array([[True, True, False], [False, True, False]])
    np.testing.assert_array_equal(pooling_ref.global_average_pool1d(x, mask=mask), [[1.5], [8.0]])
    # 0/1 integers work like booleans
    np.testing.assert_array_equal(
        pooling_ref.global_average_pool1d(x, mask=mask.astype(int)), [[1.5], [8.0]]
    )


@pytest.mark.keras
def test_mask_matches_keras_including_an_all_masked_row_giving_nan():
    x = random_array(2, (3, 5, 4))
    mask = np.array([[1, 1, 0, 1, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    ours = pooling_ref.global_average_pool1d(x, mask=mask)
    keras_y = np.asarray(layers().GlobalAveragePooling1D()(x, mask=mask))
    assert np.isnan(ours[1]).all() and np.isnan(keras_y[1]).all()
    assert_same_as_keras(ours, keras_y)


@pytest.mark.keras
def test_mask_with_channels_first_and_keepdims_matches_keras():
    x = random_array(3, (2, 4, 6))  # (batch, channels, steps)
    mask = np.array([[1, 0, 1, 1, 0, 1], [1, 1, 1, 0, 0, 0]], dtype=bool)
    layer = layers().GlobalAveragePooling1D(data_format="channels_first", keepdims=True)
    ours = pooling_ref.global_average_pool1d(x, mask, "channels_first", keepdims=True)
    assert ours.shape == (2, 4, 1)
    assert_same_as_keras(ours, np.asarray(layer(x, mask=mask)))


# --------------------------------------------------------------------------
# property tests against Keras
# --------------------------------------------------------------------------
@st.composite
def global_case(draw, rank):
    spatial = tuple(draw(st.integers(1, 9)) for _ in range(rank))
    return (draw(st.integers(1, 3)), *spatial, draw(st.integers(1, 5)))


@pytest.mark.keras
@pytest.mark.parametrize("rank", [1, 2])
@PROPERTY
@given(
    data=st.data(),
    data_format=data_formats,
    dtype=dtypes,
    keepdims=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_global_pooling_matches_keras(rank, data, data_format, dtype, keepdims, seed):
    x = random_array(seed, data.draw(global_case(rank)), dtype)
    if data_format == "channels_first":
        x = to_channels_first(x)
    L, name = layers(), np.dtype(dtype).name
    pairs = {
        1: [
            (pooling_ref.global_max_pool1d, L.GlobalMaxPooling1D, True),
            (pooling_ref.global_average_pool1d, L.GlobalAveragePooling1D, False),
        ],
        2: [
            (pooling_ref.global_max_pool2d, L.GlobalMaxPooling2D, True),
            (pooling_ref.global_average_pool2d, L.GlobalAveragePooling2D, False),
        ],
    }[rank]
    for fn, layer, exact in pairs:
        keras_layer = layer(data_format=data_format, keepdims=keepdims, dtype=name)
        ours = fn(x, data_format=data_format, keepdims=keepdims)
        assert_same_as_keras(ours, run_layer(keras_layer, x), exact=exact)


@pytest.mark.keras
@PROPERTY
@given(shape=global_case(1), dtype=dtypes, seed=st.integers(0, 2**16))
def test_global_average_1d_with_random_mask_matches_keras(shape, dtype, seed):
    x = random_array(seed, shape, dtype)
    mask = np.random.default_rng(seed).random(shape[:2]) < 0.6
    mask[:, 0] = True  # keep every row non-empty here; the all-masked row is pinned above
    layer = layers().GlobalAveragePooling1D(dtype=np.dtype(dtype).name)
    keras_y = np.asarray(layer(x, mask=mask))
    assert_same_as_keras(pooling_ref.global_average_pool1d(x, mask=mask), keras_y)
