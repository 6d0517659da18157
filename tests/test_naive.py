"""pooling_ref.naive: the loop versions equal the fast ones (max/upsampling bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest
from _oracle import PROPERTY, data_formats, dtypes, random_array, to_channels_first
from hypothesis import given
from hypothesis import strategies as st

import pooling_ref
from pooling_ref import naive

SUM_TOL = {np.dtype(np.float32): 1e-6, np.dtype(np.float64): 1e-12}


def assert_sums_close(slow, fast):
    assert slow.shape == fast.shape and slow.dtype == fast.dtype
    tol = SUM_TOL[fast.dtype]
    scale = max(1.0, float(np.nanmax(np.abs(fast), initial=0.0)))
    np.testing.assert_allclose(slow, fast, rtol=tol, atol=tol * scale)


@st.composite
def input_1d(draw, min_steps=1):
    shape = (draw(st.integers(1, 3)), draw(st.integers(min_steps, 10)), draw(st.integers(1, 4)))
    data_format = draw(data_formats)
    x = random_array(draw(st.integers(0, 2**16)), shape, draw(dtypes))
    return (to_channels_first(x) if data_format == "channels_first" else x), data_format


# the arguments of a 1D pooling call
POOLING = {
    "data": input_1d(min_steps=4),
    "pool": st.integers(1, 4),
    "strides": st.none() | st.integers(1, 4),
    "padding": st.sampled_from(["valid", "same"]),
}


@PROPERTY
@given(**POOLING)
def test_pooling_loops_equal_the_fast_versions(data, pool, strides, padding):
    x, data_format = data
    args = (x, pool, strides, padding, data_format)
    fast = pooling_ref.max_pool1d(*args)
    slow = naive.max_pool1d(*args)
    assert slow.dtype == fast.dtype
    np.testing.assert_array_equal(slow, fast)
    assert_sums_close(naive.average_pool1d(*args), pooling_ref.average_pool1d(*args))


@PROPERTY
@given(**POOLING, special=st.integers(0, 2**16))
def test_max_pooling_loops_equal_the_fast_versions_with_nan_and_infinities(
    data, pool, strides, padding, special
):
    """The loops' running max (TensorFlow's rule) equals the fast path's check-and-fix."""
    x, data_format = data
    u = np.random.default_rng(special).random(x.shape)
    x[u < 0.3] = np.nan
    x[(u >= 0.3) & (u < 0.45)] = -np.inf
    x[(u >= 0.45) & (u < 0.5)] = np.inf
    args = (x, pool, strides, padding, data_format)
    np.testing.assert_array_equal(naive.max_pool1d(*args), pooling_ref.max_pool1d(*args))
    np.testing.assert_array_equal(
        naive.global_max_pool1d(x, data_format), pooling_ref.global_max_pool1d(x, data_format)
    )


@PROPERTY
@given(data=input_1d(), keepdims=st.booleans(), masked=st.booleans())
def test_global_pooling_loops_equal_the_fast_versions(data, keepdims, masked):
    x, data_format = data
    np.testing.assert_array_equal(
        naive.global_max_pool1d(x, data_format, keepdims),
        pooling_ref.global_max_pool1d(x, data_format, keepdims),
    )
    steps = x.shape[2] if data_format == "channels_first" else x.shape[1]
    mask = np.random.default_rng(steps).random((x.shape[0], steps)) < 0.5 if masked else None
    assert_sums_close(
        naive.global_average_pool1d(x, mask, data_format, keepdims),
        pooling_ref.global_average_pool1d(x, mask, data_format, keepdims),
    )


@PROPERTY
@given(
    data=input_1d(min_steps=7),
    kernel_size=st.integers(1, 3),
    strides=st.integers(1, 3),
    dilation=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same", "causal"]),
    groups=st.sampled_from([1, 2]),
    use_bias=st.booleans(),
)
def test_conv1d_loops_equal_the_fast_version(
    data, kernel_size, strides, dilation, padding, groups, use_bias
):
    x, data_format = data
    x = np.concatenate([x] * groups, axis=1 if data_format == "channels_first" else 2)
    channels = x.shape[1] if data_format == "channels_first" else x.shape[2]
    if strides > 1:
        dilation = 1
    kernel = random_array(1, (kernel_size, channels // groups, 2 * groups), x.dtype)
    bias = random_array(2, (2 * groups,), x.dtype) if use_bias else None
    args = (x, kernel, bias, strides, padding, data_format, dilation, groups)
    assert_sums_close(naive.conv1d(*args), pooling_ref.conv1d(*args))


@PROPERTY
@given(data=input_1d(), size=st.integers(1, 4))
def test_upsampling_loop_equals_the_fast_version(data, size):
    x, _ = data
    np.testing.assert_array_equal(naive.upsampling1d(x, size), pooling_ref.upsampling1d(x, size))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("max_pool1d", {"pool_size": 0}), ("conv1d", {"kernel": np.zeros((2, 3, 1))})],
)
def test_loops_raise_the_same_errors(name, kwargs):
    x = np.zeros((1, 5, 2))
    with pytest.raises(ValueError) as fast:
        getattr(pooling_ref, name)(x, **kwargs)
    with pytest.raises(ValueError) as slow:
        getattr(naive, name)(x, **kwargs)
    assert str(slow.value) == str(fast.value)
