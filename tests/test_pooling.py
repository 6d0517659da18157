"""pooling_ref.pooling: max and average pooling 1D/2D.

Contract tests (shapes, layouts) first, then pinned values (the seed examples
and the padding semantics), then property tests against the Keras layers.
"""

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

# the seed sentence "the boy will live" with 3-d embeddings
SENTENCE = np.array(
    [[[0.7, -0.2, 0.1], [0.8, -0.3, 0.2], [0.2, -0.1, 0.4], [0.4, -0.4, 0.8]]], dtype=np.float32
)


# --------------------------------------------------------------------------
# contract: shapes and layouts
# --------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [pooling_ref.max_pool1d, pooling_ref.average_pool1d])
@pytest.mark.parametrize(
    ("steps", "kwargs", "out_steps"),
    [
        (4, {"pool_size": 2, "strides": 1}, 3),
        (8, {}, 4),  # defaults: pool 2, strides = pool_size
        (7, {"pool_size": 2}, 3),
        (7, {"pool_size": 2, "padding": "same"}, 4),
        (7, {"pool_size": 3, "strides": 2, "padding": "SAME"}, 4),
    ],
)
def test_pool1d_shapes(fn, steps, kwargs, out_steps):
    x = random_array(0, (2, steps, 5))
    assert fn(x, **kwargs).shape == (2, out_steps, 5)
    first = fn(to_channels_first(x), data_format="channels_first", **kwargs)
    assert first.shape == (2, 5, out_steps)


@pytest.mark.parametrize("fn", [pooling_ref.max_pool2d, pooling_ref.average_pool2d])
def test_pool2d_shapes_and_pairs(fn):
    x = random_array(1, (2, 7, 6, 3))
    assert fn(x).shape == (2, 3, 3, 3)
    assert fn(x, pool_size=(3, 2), strides=(1, 2)).shape == (2, 5, 3, 3)
    assert fn(x, pool_size=(3, 2), strides=(2, 1), padding="same").shape == (2, 4, 6, 3)
    assert fn(to_channels_first(x), data_format="channels_first").shape == (2, 3, 3, 3)


@pytest.mark.parametrize(
    "fn",
    [
        pooling_ref.max_pool1d,
        pooling_ref.average_pool1d,
    ],
)
def test_channels_first_is_channels_last_with_the_axes_moved(fn):
    x = random_array(2, (3, 9, 4))
    last = fn(x, 3, 2, "same")
    first = fn(to_channels_first(x), 3, 2, "same", "channels_first")
    np.testing.assert_array_equal(first, to_channels_first(last))


def test_2d_pooling_of_one_row_is_1d_pooling():
    x = random_array(3, (2, 9, 4))
    for fn1, fn2 in [
        (pooling_ref.max_pool1d, pooling_ref.max_pool2d),
        (pooling_ref.average_pool1d, pooling_ref.average_pool2d),
    ]:
        one_d = fn1(x, 3, 2, "same")
        two_d = fn2(x[:, None], (1, 3), (1, 2), "same")[:, 0]
        np.testing.assert_allclose(two_d, one_d, rtol=1e-6)


# --------------------------------------------------------------------------
# values: the seed examples and the padding semantics
# --------------------------------------------------------------------------
def test_seed_sentence_through_max_pooling_pool2_stride1():
    y = pooling_ref.max_pool1d(SENTENCE, pool_size=2, strides=1)
    expected = np.array([[[0.8, -0.2, 0.2], [0.8, -0.1, 0.4], [0.4, -0.1, 0.8]]], dtype=np.float32)
    assert y.shape == (1, 3, 3)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.keras
def test_seed_sentence_matches_keras():
    keras_y = run_layer(layers().MaxPooling1D(pool_size=2, strides=1), SENTENCE)
    assert_same_as_keras(pooling_ref.max_pool1d(SENTENCE, 2, 1), keras_y, exact=True)


@pytest.mark.keras
def test_seed_batch_10_4_10_through_max_pooling_then_global_max():
    x = random_array(4, (10, 4, 10))
    pooled = pooling_ref.max_pool1d(x, 2, 1)
    assert pooled.shape == (10, 3, 10)
    assert_same_as_keras(pooled, run_layer(layers().MaxPooling1D(2, 1), x), exact=True)
    g = pooling_ref.global_max_pool1d(x)
    assert g.shape == (10, 10)
    assert_same_as_keras(g, run_layer(layers().GlobalMaxPooling1D(), x), exact=True)


@pytest.mark.keras
def test_max_pooling_pads_with_minus_infinity_so_padding_never_wins():
    x = -np.arange(1.0, 6.0, dtype=np.float32).reshape(1, 5, 1)  # all negative
    ours = pooling_ref.max_pool1d(x, 2, 2, "same")[0, :, 0]
    np.testing.assert_array_equal(ours, [-1.0, -3.0, -5.0])  # not 0 from a zero pad
    keras_y = run_layer(layers().MaxPooling1D(2, 2, "same"), x)[0, :, 0]
    np.testing.assert_array_equal(keras_y, ours)


@pytest.mark.keras
def test_average_pooling_same_divides_by_the_number_of_real_steps():
    x = np.array([[[1.0], [2.0], [3.0], [4.0], [5.0]]], dtype=np.float32)
    ours = pooling_ref.average_pool1d(x, 2, 2, "same")[0, :, 0]
    np.testing.assert_array_equal(ours, [1.5, 3.5, 5.0])  # last window 5 / 1, not 5 / 2
    keras_y = run_layer(layers().AveragePooling1D(2, 2, "same"), x)[0, :, 0]
    np.testing.assert_array_equal(keras_y, ours)


# --------------------------------------------------------------------------
# NaN and infinities: TensorFlow's running maximum starts at the lowest float
# and is replaced only by a strictly greater element
# --------------------------------------------------------------------------
NAN, INF = np.nan, np.inf
LOWEST32 = np.finfo(np.float32).min  # -3.4028235e38


@pytest.mark.keras
@pytest.mark.parametrize(
    ("steps", "pool", "strides", "padding", "expected"),
    [
        ([1, NAN, 2], 3, 1, "valid", [2]),  # NaN in the middle does not win
        ([NAN, 1, 2], 3, 1, "valid", [2]),  # ... nor as the window's first element
        ([1, 2, NAN], 2, 1, "valid", [2, 2]),
        ([NAN, NAN, 1], 2, 1, "valid", [LOWEST32, 1]),  # all-NaN window: lowest, not NaN
        ([-INF, -INF, 3], 2, 1, "valid", [LOWEST32, 3]),  # all -inf: lowest, not -inf
        ([NAN, -INF, INF], 2, 1, "valid", [LOWEST32, INF]),
        ([1, 2, NAN], 2, 1, "same", [2, 2, LOWEST32]),  # last window: NaN + padding
        ([NAN, 5, -1, NAN], 2, 2, "valid", [5, -1]),
    ],
)
def test_max_pooling_skips_nan_and_never_goes_below_the_lowest_float(
    steps, pool, strides, padding, expected
):
    x = np.array(steps, np.float32).reshape(1, -1, 1)
    ours = pooling_ref.max_pool1d(x, pool, strides, padding)
    np.testing.assert_array_equal(ours[0, :, 0], np.array(expected, np.float32))
    keras_y = run_layer(layers().MaxPooling1D(pool, strides, padding), x)
    assert_same_as_keras(ours, keras_y, exact=True)


@pytest.mark.keras
def test_max_pooling_lowest_is_the_dtypes_and_2d_follows_the_same_rule():
    x64 = np.array([-INF, NAN, NAN, 3.0]).reshape(1, 4, 1)
    ours = pooling_ref.max_pool1d(x64, 2)
    np.testing.assert_array_equal(ours[0, :, 0], [np.finfo(np.float64).min, 3.0])
    keras_y = run_layer(layers().MaxPooling1D(2, dtype="float64"), x64)
    assert_same_as_keras(ours, keras_y, exact=True)
    x = np.array([[NAN, 1, -INF, -INF], [2, 0, NAN, -INF]], np.float32)[None, :, :, None]
    ours = pooling_ref.max_pool2d(x, 2)
    np.testing.assert_array_equal(ours[0, 0, :, 0], [2, LOWEST32])
    assert_same_as_keras(ours, run_layer(layers().MaxPooling2D(2), x), exact=True)


@pytest.mark.keras
@PROPERTY
@given(seed=st.integers(0, 2**16), pool=st.integers(1, 4), strides=st.integers(1, 3))
def test_max_pooling_with_nan_and_infinities_matches_keras(seed, pool, strides):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 9, 3)).astype(np.float32)
    special = rng.random(x.shape)
    x[special < 0.25] = NAN
    x[(special >= 0.25) & (special < 0.4)] = -INF
    x[(special >= 0.4) & (special < 0.45)] = INF
    for padding in ("valid", "same"):
        ours = pooling_ref.max_pool1d(x, pool, strides, padding)
        keras_y = run_layer(layers().MaxPooling1D(pool, strides, padding), x)
        assert_same_as_keras(ours, keras_y, exact=True)


def test_max_pooling_nan_rule_holds_in_every_block_of_a_big_batch():
    """The exact rule recomputes only the blocks that need it; the others stay on the fast path."""
    from numpy.lib.stride_tricks import sliding_window_view

    x = random_array(7, (24, 4096, 32))  # 12 MiB: split into blocks
    x[3, 100, 5] = NAN  # one NaN in one block: the window holding it skips it
    x[17, 200:204, 1] = NAN  # a whole window of NaN in another block: lowest
    ours = pooling_ref.max_pool1d(x, 4, 2)
    windows = sliding_window_view(x, 4, axis=1)[:, ::2]  # (batch, out_steps, channels, 4)
    expected = np.fmax(np.fmax.reduce(windows, axis=-1), LOWEST32)  # skip NaN, floor at lowest
    np.testing.assert_array_equal(ours, expected)
    assert ours[17, 100, 1] == LOWEST32 and not np.isnan(ours).any()


def test_average_pooling_2d_same_corner_counts_real_elements():
    x = np.ones((1, 3, 3, 1))
    # every window's mean of ones is 1 whatever the number of real elements
    np.testing.assert_array_equal(
        pooling_ref.average_pool2d(x, 2, 1, "same"), np.ones((1, 3, 3, 1))
    )
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    # bottom-right window of pool 2, stride 2, same holds only the element 8
    assert pooling_ref.average_pool2d(x, 2, 2, "same")[0, 1, 1, 0] == 8.0


def test_valid_pooling_drops_the_leftover_steps():
    x = np.array([[[1.0], [2.0], [3.0], [4.0], [9.0]]])
    np.testing.assert_array_equal(pooling_ref.max_pool1d(x)[0, :, 0], [2.0, 4.0])


def test_default_strides_equal_pool_size():
    x = random_array(5, (2, 9, 3))
    np.testing.assert_array_equal(pooling_ref.max_pool1d(x, 3), pooling_ref.max_pool1d(x, 3, 3))


def test_padding_is_case_insensitive():
    x = random_array(6, (2, 7, 3))
    np.testing.assert_array_equal(
        pooling_ref.average_pool1d(x, 2, padding="Same"),
        pooling_ref.average_pool1d(x, 2, padding="same"),
    )


# --------------------------------------------------------------------------
# property tests against Keras
# --------------------------------------------------------------------------
@st.composite
def pool_case(draw, rank):
    padding = draw(st.sampled_from(["valid", "same"]))
    pool = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    strides = draw(st.none() | st.tuples(*[st.integers(1, 4)] * rank))
    low = pool if padding == "valid" else (1,) * rank
    spatial = tuple(draw(st.integers(lo, lo + 8)) for lo in low)
    shape = (draw(st.integers(1, 3)), *spatial, draw(st.integers(1, 4)))
    return shape, pool, strides, padding


def pooling_pairs(rank):
    """(pooling_ref function, Keras layer class, exact?) for max and average pooling."""
    L = layers()
    if rank == 1:
        return [
            (pooling_ref.max_pool1d, L.MaxPooling1D, True),
            (pooling_ref.average_pool1d, L.AveragePooling1D, False),
        ]
    return [
        (pooling_ref.max_pool2d, L.MaxPooling2D, True),
        (pooling_ref.average_pool2d, L.AveragePooling2D, False),
    ]


@pytest.mark.keras
@pytest.mark.parametrize("rank", [1, 2])
@PROPERTY
@given(data=st.data(), data_format=data_formats, dtype=dtypes, seed=st.integers(0, 2**16))
def test_pooling_matches_keras(rank, data, data_format, dtype, seed):
    shape, pool, strides, padding = data.draw(pool_case(rank))
    if rank == 1:  # ints as a user would pass them to the 1D layers
        pool, strides = pool[0], None if strides is None else strides[0]
    x = random_array(seed, shape, dtype)
    if data_format == "channels_first":
        x = to_channels_first(x)
    for fn, layer, exact in pooling_pairs(rank):
        keras_layer = layer(pool, strides, padding, data_format, dtype=np.dtype(dtype).name)
        ours = fn(x, pool, strides, padding, data_format)
        assert_same_as_keras(ours, run_layer(keras_layer, x), exact=exact)


def test_every_small_window_layout_equals_the_loops():
    """All lengths 1-12, pools 1-5, strides 1-5, both paddings: the taps' plan covers each case."""
    from pooling_ref import naive

    x = random_array(8, (2, 12, 3), np.float64)
    for length in range(1, 13):
        for pool in range(1, 6):
            for strides in range(1, 6):
                for padding in ("valid", "same") if pool <= length else ("same",):
                    args = (x[:, :length], pool, strides, padding)
                    np.testing.assert_array_equal(
                        pooling_ref.max_pool1d(*args), naive.max_pool1d(*args)
                    )
                    np.testing.assert_allclose(
                        pooling_ref.average_pool1d(*args), naive.average_pool1d(*args), rtol=1e-12
                    )
