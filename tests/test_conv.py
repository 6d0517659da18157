"""pooling_ref.conv: conv1d / conv2d (strides, valid/same/causal, dilation, groups, layouts).

Keras' TensorFlow backend cannot run channels_first convolutions on a CPU, so
the channels_first cases compare with the Keras layer run on transposed data.
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
    to_channels_last,
)
from hypothesis import given
from hypothesis import strategies as st

import pooling_ref


def keras_conv(rank, x, kernel, bias, **kwargs):
    """Run keras Conv1D/Conv2D (channels_last) with the given weights on ``x``."""
    layer_cls = layers().Conv1D if rank == 1 else layers().Conv2D
    layer = layer_cls(
        kernel.shape[-1],
        kernel.shape[:rank],
        use_bias=bias is not None,
        dtype=x.dtype.name,
        **kwargs,
    )
    layer.build(x.shape)
    layer.kernel.assign(kernel)
    if bias is not None:
        layer.bias.assign(bias)
    return run_layer(layer, x)


# --------------------------------------------------------------------------
# contract: shapes, the seed layer
# --------------------------------------------------------------------------
@pytest.mark.keras
def test_seed_conv1d_100_filters_kernel_4_same_on_50_by_300():
    """Conv1D(filters=100, kernel_size=4, padding="same") on (n, 50, 300) -> (n, 50, 100)."""
    layer = layers().Conv1D(filters=100, kernel_size=4, padding="same")
    x = random_array(0, (2, 50, 300))
    keras_y = run_layer(layer, x)
    kernel, bias = (np.asarray(v) for v in layer.weights)
    assert kernel.shape == (4, 300, 100)
    assert bias.shape == (100,)
    ours = pooling_ref.conv1d(x, kernel, bias, padding="same")
    assert ours.shape == (2, 50, 100)
    assert_same_as_keras(ours, keras_y)


@pytest.mark.parametrize(
    ("padding", "strides", "dilation", "out_steps"),
    [
        ("valid", 1, 1, 8),
        ("same", 1, 1, 10),
        ("causal", 1, 1, 10),
        ("valid", 2, 1, 4),
        ("same", 3, 1, 4),
        ("valid", 1, 3, 4),
    ],
)
def test_conv1d_shapes(padding, strides, dilation, out_steps):
    x = random_array(1, (2, 10, 4))
    kernel = random_array(2, (3, 4, 5))
    y = pooling_ref.conv1d(x, kernel, strides=strides, padding=padding, dilation_rate=dilation)
    assert y.shape == (2, out_steps, 5)


def test_conv2d_shapes():
    x = random_array(3, (2, 7, 6, 4))
    kernel = random_array(4, (3, 2, 4, 5))
    assert pooling_ref.conv2d(x, kernel).shape == (2, 5, 5, 5)
    assert pooling_ref.conv2d(x, kernel, strides=(2, 3), padding="same").shape == (2, 4, 2, 5)
    first = pooling_ref.conv2d(to_channels_first(x), kernel, data_format="channels_first")
    assert first.shape == (2, 5, 5, 5)


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------
def test_constant_one_kernel_sums_each_window_over_all_channels():
    x = random_array(5, (3, 9, 4))
    y = pooling_ref.conv1d(x, np.ones((3, 4, 1), np.float32))
    windows = np.stack([x[:, i : i + 3].sum(axis=(1, 2)) for i in range(7)], axis=1)
    np.testing.assert_allclose(y[..., 0], windows, rtol=1e-5, atol=1e-5)


@pytest.mark.keras
def test_constant_one_kernel_matches_keras():
    x = random_array(6, (2, 8, 3))
    kernel = np.ones((4, 3, 1), np.float32)
    assert_same_as_keras(pooling_ref.conv1d(x, kernel), keras_conv(1, x, kernel, None))


def test_convolution_does_not_flip_the_kernel():
    x = np.zeros((1, 5, 1))
    x[0, 2, 0] = 1.0  # impulse
    kernel = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    # cross-correlation: the impulse at 2 meets tap k at output 2 - k -> kernel reversed
    np.testing.assert_array_equal(pooling_ref.conv1d(x, kernel)[0, :, 0], [3.0, 2.0, 1.0])


def test_bias_is_added_to_every_position_even_all_padding_ones():
    x = np.zeros((1, 1, 1))  # one step, kernel 2 dilated by 2: output 0 reads only padding
    y = pooling_ref.conv1d(
        x, np.ones((2, 1, 2)), np.array([0.5, -1.0]), padding="same", dilation_rate=2
    )
    np.testing.assert_array_equal(y, [[[0.5, -1.0]]])


def test_dilation_spreads_the_taps():
    x = np.arange(10.0).reshape(1, 10, 1)
    kernel = np.ones((3, 1, 1))
    # taps at t, t + 2, t + 4: the effective kernel covers 5 steps
    y = pooling_ref.conv1d(x, kernel, dilation_rate=2)[0, :, 0]
    np.testing.assert_array_equal(y, [t + (t + 2) + (t + 4) for t in range(6)])


def test_groups_feed_each_filter_block_from_its_channel_block_only():
    x = random_array(7, (2, 6, 4))
    kernel = random_array(8, (3, 2, 6))  # 2 groups: channels 0-1 -> filters 0-2, 2-3 -> 3-5
    y = pooling_ref.conv1d(x, kernel, groups=2)
    np.testing.assert_allclose(
        y[..., :3], pooling_ref.conv1d(x[..., :2], kernel[..., :3]), rtol=1e-6
    )
    np.testing.assert_allclose(
        y[..., 3:], pooling_ref.conv1d(x[..., 2:], kernel[..., 3:]), rtol=1e-6
    )


@pytest.mark.keras
def test_strides_with_dilation_raise_like_keras():
    with pytest.raises(ValueError, match="not supported in conjunction") as keras_error:
        layers().Conv1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="not supported in conjunction") as ours:
        pooling_ref.conv1d(np.zeros((1, 9, 1)), np.zeros((3, 1, 2)), strides=2, dilation_rate=2)
    assert str(ours.value) == str(keras_error.value)


def test_channels_first_is_channels_last_with_the_axes_moved():
    x = random_array(9, (2, 8, 4))
    kernel, bias = random_array(10, (3, 4, 5)), random_array(11, (5,))
    last = pooling_ref.conv1d(x, kernel, bias, padding="causal")
    first = pooling_ref.conv1d(
        to_channels_first(x), kernel, bias, padding="causal", data_format="channels_first"
    )
    np.testing.assert_array_equal(first, to_channels_first(last))


# --------------------------------------------------------------------------
# property tests against Keras
# --------------------------------------------------------------------------
@st.composite
def conv_case(draw, rank):
    paddings = ["valid", "same", "causal"] if rank == 1 else ["valid", "same"]
    padding = draw(st.sampled_from(paddings))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    ksize = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    if draw(st.booleans()):
        strides, dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank)), (1,) * rank
    else:
        strides, dilation = (1,) * rank, tuple(draw(st.integers(1, 3)) for _ in range(rank))
    effective = [d * (k - 1) + 1 for k, d in zip(ksize, dilation, strict=True)]
    low = effective if padding == "valid" else [1] * rank
    spatial = tuple(draw(st.integers(lo, lo + 7)) for lo in low)
    cin = groups * draw(st.integers(1, 3))
    filters = groups * draw(st.integers(1, 3))
    return {
        "shape": (draw(st.integers(1, 3)), *spatial, cin),
        "kernel_shape": (*ksize, cin // groups, filters),
        "strides": strides,
        "padding": padding,
        "dilation_rate": dilation,
        "groups": groups,
        "use_bias": draw(st.booleans()),
    }


def check_conv_against_keras(rank, case, data_format, dtype, seed):
    x = random_array(seed, case["shape"], dtype)
    kernel = random_array(seed + 1, case["kernel_shape"], dtype)
    bias = random_array(seed + 2, case["kernel_shape"][-1:], dtype) if case["use_bias"] else None
    options = {k: case[k] for k in ("strides", "padding", "dilation_rate", "groups")}
    keras_y = keras_conv(rank, x, kernel, bias, **options)
    fn = pooling_ref.conv1d if rank == 1 else pooling_ref.conv2d
    if data_format == "channels_first":  # Keras/TF cannot run this layout on CPU
        ours = to_channels_last(
            fn(to_channels_first(x), kernel, bias, data_format=data_format, **options)
        )
    else:
        ours = fn(x, kernel, bias, **options)
    assert_same_as_keras(ours, keras_y)


@pytest.mark.keras
@PROPERTY
@given(case=conv_case(1), data_format=data_formats, dtype=dtypes, seed=st.integers(0, 2**16))
def test_conv1d_matches_keras(case, data_format, dtype, seed):
    check_conv_against_keras(1, case, data_format, dtype, seed)


@pytest.mark.keras
@PROPERTY
@given(case=conv_case(2), data_format=data_formats, dtype=dtypes, seed=st.integers(0, 2**16))
def test_conv2d_matches_keras(case, data_format, dtype, seed):
    check_conv_against_keras(2, case, data_format, dtype, seed)


# --------------------------------------------------------------------------
# blocks: the im2col product split over samples and rows changes no value
# --------------------------------------------------------------------------
def conv_with_block_bytes(block_bytes, rank, *args, **kwargs):
    """Run conv1d/conv2d with ``conv.IM2COL_BYTES`` set to ``block_bytes``."""
    from pooling_ref import conv

    saved = conv.IM2COL_BYTES
    conv.IM2COL_BYTES = block_bytes
    try:
        return (pooling_ref.conv1d if rank == 1 else pooling_ref.conv2d)(*args, **kwargs)
    finally:
        conv.IM2COL_BYTES = saved


@pytest.mark.parametrize("rank", [1, 2])
@PROPERTY
@given(data=st.data(), dtype=dtypes, seed=st.integers(0, 2**16))
def test_blocks_of_samples_and_of_rows_give_the_same_result(rank, data, dtype, seed):
    """Tiny blocks: every output row is its own block (on threads); the padding per block."""
    case = data.draw(conv_case(rank))
    x = random_array(seed, case["shape"], dtype)
    kernel = random_array(seed + 1, case["kernel_shape"], dtype)
    bias = random_array(seed + 2, case["kernel_shape"][-1:], dtype) if case["use_bias"] else None
    options = {k: case[k] for k in ("strides", "padding", "dilation_rate", "groups")}
    whole = conv_with_block_bytes(1 << 30, rank, x, kernel, bias, **options)
    for block_bytes in (1, x.nbytes // 2 + 1):  # one row per block; about two samples per block
        blocked = conv_with_block_bytes(block_bytes, rank, x, kernel, bias, **options)
        assert blocked.dtype == whole.dtype
        # BLAS may sum a product in another order for another number of rows: rounding only
        tol = 1e-6 if dtype == np.float32 else 1e-13
        scale = max(1.0, float(np.abs(whole).max(initial=0.0)))
        np.testing.assert_allclose(blocked, whole, rtol=tol, atol=tol * scale)


def test_a_big_batch_runs_in_blocks_on_threads_and_leaves_blas_threads_alone():
    from pooling_ref import _blas, conv, naive

    x = random_array(12, (6, 300, 16))
    kernel, bias = random_array(13, (3, 16, 8)), random_array(14, (8,))
    controls = _blas._openblas_controls()
    before = controls[1]() if controls else None
    ours = conv_with_block_bytes(300 * 3 * 16 * 4, 1, x, kernel, bias, padding="same")  # 6 blocks
    assert controls[1]() == before if controls else True
    expected = naive.conv1d(x, kernel, bias, padding="same")
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
    assert conv.IM2COL_BYTES >= 1 << 20  # the default was restored
