"""Every pooling_ref op keeps the input's float dtype, turns ints into float32 and never writes
to its inputs (they are made read-only here, so any write would raise)."""

from __future__ import annotations

import numpy as np
import pytest

import pooling_ref
from pooling_ref import naive

KERNEL = np.random.default_rng(0).standard_normal((2, 3, 4))
KERNEL2D = np.random.default_rng(1).standard_normal((2, 2, 3, 4))
BIAS = np.arange(4.0)

# (name, function, input shape, keyword arguments)
OPS = [
    ("max_pool1d", pooling_ref.max_pool1d, (2, 6, 3), {"pool_size": 3, "padding": "same"}),
    ("average_pool1d", pooling_ref.average_pool1d, (2, 6, 3), {"strides": 1}),
    ("global_max_pool1d", pooling_ref.global_max_pool1d, (2, 6, 3), {"keepdims": True}),
    ("global_average_pool1d", pooling_ref.global_average_pool1d, (2, 6, 3), {}),
    (
        "masked_global_average",
        pooling_ref.global_average_pool1d,
        (2, 6, 3),
        {"mask": np.array([[1, 0, 1, 1, 0, 1], [1, 1, 1, 1, 1, 0]], bool)},
    ),
    (
        "conv1d",
        pooling_ref.conv1d,
        (2, 6, 3),
        {"kernel": KERNEL, "bias": BIAS, "padding": "causal"},
    ),
    ("upsampling1d", pooling_ref.upsampling1d, (2, 6, 3), {"size": 3}),
    ("max_pool2d", pooling_ref.max_pool2d, (2, 5, 4, 3), {"padding": "same"}),
    ("average_pool2d", pooling_ref.average_pool2d, (2, 5, 4, 3), {"padding": "same"}),
    ("global_max_pool2d", pooling_ref.global_max_pool2d, (2, 5, 4, 3), {}),
    ("global_average_pool2d", pooling_ref.global_average_pool2d, (2, 5, 4, 3), {}),
    ("conv2d", pooling_ref.conv2d, (2, 5, 4, 3), {"kernel": KERNEL2D, "bias": BIAS}),
    ("upsampling2d", pooling_ref.upsampling2d, (2, 5, 4, 3), {}),
    ("bilinear", pooling_ref.upsampling2d, (2, 5, 4, 3), {"interpolation": "bilinear"}),
    ("naive.max_pool1d", naive.max_pool1d, (2, 6, 3), {"padding": "same"}),
    ("naive.average_pool1d", naive.average_pool1d, (2, 6, 3), {"padding": "same"}),
    ("naive.global_max_pool1d", naive.global_max_pool1d, (2, 6, 3), {}),
    ("naive.global_average_pool1d", naive.global_average_pool1d, (2, 6, 3), {}),
    ("naive.conv1d", naive.conv1d, (2, 6, 3), {"kernel": KERNEL, "bias": BIAS}),
    ("naive.upsampling1d", naive.upsampling1d, (2, 6, 3), {}),
]
IDS = [name for name, *_ in OPS]


def read_only(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize(("name", "fn", "shape", "kwargs"), OPS, ids=IDS)
@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float32),  # Keras' floatx
        (np.int8, np.float32),
        (np.bool_, np.float32),
    ],
)
def test_output_dtype(name, fn, shape, kwargs, dtype, expected):
    x = (np.arange(np.prod(shape)).reshape(shape) % 7 - 3).astype(dtype)
    y = fn(x, **kwargs)
    assert y.dtype == expected


@pytest.mark.parametrize(("name", "fn", "shape", "kwargs"), OPS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_inputs_are_never_written_to(name, fn, shape, kwargs, dtype):
    x = read_only(np.random.default_rng(2).standard_normal(shape) * 5).astype(dtype)
    x.flags.writeable = False
    before = x.copy()
    kwargs = {k: read_only(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kept = {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    y = fn(x, **kwargs)
    np.testing.assert_array_equal(x, before)
    for key, value in kept.items():
        np.testing.assert_array_equal(kwargs[key], value)
    assert not np.shares_memory(y, x)  # the result is a new array the caller may change
    y[...] = 0  # and it is writable


def test_kernel_of_another_dtype_is_cast_to_the_input_dtype():
    x = np.ones((1, 4, 3), np.float32)
    assert pooling_ref.conv1d(x, KERNEL.astype(np.float64), BIAS).dtype == np.float32
    assert pooling_ref.conv1d(x.astype(np.float64), KERNEL.astype(np.float32)).dtype == np.float64


def test_plain_python_lists_are_accepted():
    y = pooling_ref.max_pool1d([[[1.0], [3.0], [2.0], [0.0]]])
    assert y.dtype == np.float64  # NumPy reads Python floats as float64
    np.testing.assert_array_equal(y, [[[3.0], [2.0]]])
