"""pooling_ref.upsampling: UpSampling1D/2D (nearest and TensorFlow's bilinear), exact to Keras."""

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


# --------------------------------------------------------------------------
# contract and values
# --------------------------------------------------------------------------
def test_upsampling1d_repeats_each_step():
    x = np.array([[[1.0, 10.0], [2.0, 20.0]]])
    y = pooling_ref.upsampling1d(x, size=3)
    assert y.shape == (1, 6, 2)
    np.testing.assert_array_equal(y[0, :, 1], [10, 10, 10, 20, 20, 20])


def test_upsampling2d_nearest_shapes_and_values():
    x = np.arange(4.0).reshape(1, 2, 2, 1)
    y = pooling_ref.upsampling2d(x, size=(2, 3))
    assert y.shape == (1, 4, 6, 1)
    np.testing.assert_array_equal(y[0, :, :, 0], np.kron([[0, 1], [2, 3]], np.ones((2, 3))))
    first = pooling_ref.upsampling2d(to_channels_first(x), 2, data_format="channels_first")
    assert first.shape == (1, 1, 4, 4)


def test_bilinear_uses_half_pixel_centres_and_clamps_at_the_border():
    """Output pixel i sits at input coordinate (i + 0.5) / size - 0.5."""
    x = np.array([[[[0.0], [4.0]]]])  # one row, two columns
    y = pooling_ref.upsampling2d(x, size=(1, 2), interpolation="bilinear")[0, 0, :, 0]
    # coordinates -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    np.testing.assert_array_equal(y, [0.0, 1.0, 3.0, 4.0])
    y4 = pooling_ref.upsampling2d(x, size=(1, 4), interpolation="bilinear")[0, 0, :, 0]
    # coordinates -0.375, -0.125, 0.125, 0.375, 0.625, 0.875, 1.125, 1.375
    np.testing.assert_array_equal(y4, [0.0, 0.0, 0.5, 1.5, 2.5, 3.5, 4.0, 4.0])


def test_bilinear_source_gives_lower_upper_and_a_float32_fraction():
    """The one helper the forward and upsampling2d_backward share."""
    from pooling_ref.upsampling import bilinear_source

    lower, upper, frac = bilinear_source(3, 2)  # coordinates -0.25, 0.25, ..., 2.25
    np.testing.assert_array_equal(lower, [0, 0, 0, 1, 1, 2])
    np.testing.assert_array_equal(upper, [0, 1, 1, 2, 2, 2])
    assert frac.dtype == np.float32
    np.testing.assert_array_equal(frac, [0.75, 0.25, 0.75, 0.25, 0.75, 0.25])
    # size 3 of 7: the float32 coordinate (i + 0.5) * (7 / 21) - 0.5, not 1/3 in float64
    _, _, frac = bilinear_source(7, 3)
    coord = (np.arange(21, dtype=np.float32) + np.float32(0.5)) * np.float32(7 / 21) - 0.5
    np.testing.assert_array_equal(frac, coord - np.floor(coord))


@pytest.mark.keras
def test_bilinear_alignment_matches_keras_not_align_corners():
    x = np.array([[[[0.0], [4.0]]]], dtype=np.float32)
    keras_y = run_layer(layers().UpSampling2D((1, 2), interpolation="bilinear"), x)[0, 0, :, 0]
    np.testing.assert_array_equal(keras_y, [0.0, 1.0, 3.0, 4.0])
    # align_corners would give 0, 4/3, 8/3, 4: Keras does not do that
    assert not np.allclose(keras_y, np.linspace(0, 4, 4))


@pytest.mark.keras
def test_bilinear_float64_is_computed_in_float32_like_tensorflow():
    x = random_array(0, (1, 3, 4, 2), np.float64)
    keras_y = run_layer(layers().UpSampling2D(3, interpolation="bilinear", dtype="float64"), x)
    ours = pooling_ref.upsampling2d(x, 3, interpolation="bilinear")
    assert_same_as_keras(ours, keras_y, exact=True)
    # i.e. the float64 result is the float32 computation, widened
    x32_path = pooling_ref.upsampling2d(x.astype(np.float32), 3, interpolation="bilinear")
    np.testing.assert_array_equal(ours, x32_path.astype(np.float64))


def test_interpolation_is_case_insensitive():
    x = random_array(1, (1, 2, 3, 1))
    np.testing.assert_array_equal(
        pooling_ref.upsampling2d(x, interpolation="Bilinear"),
        pooling_ref.upsampling2d(x, interpolation="bilinear"),
    )


# --------------------------------------------------------------------------
# property tests against Keras: exact equality
# --------------------------------------------------------------------------
@pytest.mark.keras
@PROPERTY
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 9), st.integers(1, 4)),
    size=st.integers(1, 4),
    dtype=dtypes,
    seed=st.integers(0, 2**16),
)
def test_upsampling1d_matches_keras(shape, size, dtype, seed):
    x = random_array(seed, shape, dtype)
    layer = layers().UpSampling1D(size, dtype=np.dtype(dtype).name)
    assert_same_as_keras(pooling_ref.upsampling1d(x, size), run_layer(layer, x), exact=True)


@pytest.mark.keras
@PROPERTY
@given(
    shape=st.tuples(st.integers(1, 2), st.integers(1, 6), st.integers(1, 6), st.integers(1, 3)),
    size=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    interpolation=st.sampled_from(["nearest", "bilinear"]),
    data_format=data_formats,
    dtype=dtypes,
    seed=st.integers(0, 2**16),
)
def test_upsampling2d_matches_keras(shape, size, interpolation, data_format, dtype, seed):
    x = random_array(seed, shape, dtype)
    if data_format == "channels_first":
        x = to_channels_first(x)
    layer = layers().UpSampling2D(size, data_format, interpolation, dtype=np.dtype(dtype).name)
    ours = pooling_ref.upsampling2d(x, size, data_format, interpolation)
    assert_same_as_keras(ours, run_layer(layer, x), exact=True)
