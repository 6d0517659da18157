"""Bad input: each case raises ValueError/TypeError naming the argument and the value received."""

from __future__ import annotations

import re

import numpy as np
import pytest

import pooling_ref

X1 = np.zeros((2, 5, 3), np.float32)  # (batch, steps, channels)
X2 = np.zeros((2, 4, 4, 3), np.float32)  # (batch, rows, cols, channels)
KERNEL = np.zeros((2, 3, 4), np.float32)  # (kernel_size, in_channels, filters)


def raises(exc, *fragments):
    """pytest.raises whose message must contain every fragment (matched literally)."""
    return pytest.raises(exc, match=".*".join(re.escape(f) for f in fragments))


# wrong rank
def test_wrong_rank_names_x_its_shape_and_the_expected_layout():
    with raises(ValueError, "`x` must have rank 3 (batch, steps, channels)", "x.shape=(5, 3)"):
        pooling_ref.max_pool1d(np.zeros((5, 3)))


def test_wrong_rank_channels_first_names_that_layout():
    with raises(ValueError, "rank 4 (batch, channels, rows, cols)", "x.shape=(2, 5, 3)"):
        pooling_ref.max_pool2d(X1, data_format="channels_first")


def test_wrong_rank_kernel_names_the_kernel_layout():
    with raises(ValueError, "`kernel` must have rank 3", "kernel.shape=(3, 4)"):
        pooling_ref.conv1d(X1, np.zeros((3, 4)))


# non-positive or non-integer sizes / strides
@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: pooling_ref.max_pool1d(X1, pool_size=0), "pool_size=0"),
        (lambda: pooling_ref.average_pool1d(X1, pool_size=-2), "pool_size=-2"),
        (lambda: pooling_ref.max_pool1d(X1, 2, strides=0), "strides=0"),
        (lambda: pooling_ref.max_pool2d(X2, pool_size=(2, 0)), "pool_size=(2, 0)"),
        (lambda: pooling_ref.conv1d(X1, KERNEL, strides=0), "strides=0"),
        (lambda: pooling_ref.conv1d(X1, KERNEL, dilation_rate=0), "dilation_rate=0"),
        (lambda: pooling_ref.upsampling1d(X1, size=0), "size=0"),
        (lambda: pooling_ref.pooled_length(5, 0), "pool_size=0"),
    ],
)
def test_non_positive_sizes_and_strides(call, fragment):
    with raises(ValueError, fragment, "> 0"):
        call()


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: pooling_ref.max_pool1d(X1, pool_size=2.5), "pool_size=2.5"),
        (lambda: pooling_ref.max_pool1d(X1, pool_size=2.0), "pool_size=2.0"),
        (lambda: pooling_ref.max_pool1d(X1, pool_size="2"), "pool_size='2'"),
        (lambda: pooling_ref.max_pool1d(X1, pool_size=True), "pool_size=True"),
        (lambda: pooling_ref.average_pool1d(X1, 2, strides=1.5), "strides=1.5"),
        (lambda: pooling_ref.max_pool2d(X2, pool_size=(2, 2, 2)), "pool_size=(2, 2, 2)"),
        (lambda: pooling_ref.upsampling2d(X2, size=(2.0, 2)), "size=(2.0, 2)"),
        (lambda: pooling_ref.conv1d(X1, KERNEL, groups=1.0), "groups=1.0"),
    ],
)
def test_non_integer_sizes_and_strides(call, fragment):
    with raises(ValueError, fragment):
        call()


# unknown padding / data_format / interpolation
@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: pooling_ref.max_pool1d(X1, padding="full"), "padding='full'"),
        (lambda: pooling_ref.max_pool1d(X1, padding="causal"), "padding='causal'"),  # conv only
        (
            lambda: pooling_ref.conv2d(X2, np.zeros((2, 2, 3, 1)), padding="causal"),
            "padding='causal'",
        ),
        (lambda: pooling_ref.conv1d(X1, KERNEL, padding=None), "padding=None"),
    ],
)
def test_unknown_padding(call, fragment):
    with raises(ValueError, "`padding` argument must be one of", fragment):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: pooling_ref.max_pool1d(X1, data_format="NWC"),
        lambda: pooling_ref.global_average_pool1d(X1, data_format="NWC"),
        lambda: pooling_ref.conv1d(X1, KERNEL, data_format="NWC"),
        lambda: pooling_ref.upsampling2d(X2, data_format="NWC"),
    ],
)
def test_unknown_data_format(call):
    with raises(ValueError, "`data_format` argument must be one of", "data_format='NWC'"):
        call()


def test_unknown_interpolation():
    with raises(ValueError, "`interpolation`", "interpolation='bicubic'"):
        pooling_ref.upsampling2d(X2, interpolation="bicubic")


# a window longer than a valid input
def test_pool_window_longer_than_a_valid_input():
    with raises(ValueError, "padding='valid'", "pool_size=6", "length 5"):
        pooling_ref.max_pool1d(X1, pool_size=6)


def test_dilated_kernel_longer_than_a_valid_input():
    # 3 taps dilated by 3 cover 7 steps > 5
    with raises(ValueError, "padding='valid'", "dilation_rate=3", "length 5"):
        pooling_ref.conv1d(X1, np.zeros((3, 3, 1)), dilation_rate=3)


def test_same_padding_accepts_a_window_longer_than_the_input():
    assert pooling_ref.max_pool1d(X1, pool_size=6, padding="same").shape == (2, 1, 3)


# kernel channels that do not match
def test_kernel_channels_must_match_the_input():
    with raises(ValueError, "kernel.shape=(2, 4, 4)", "input channels=3"):
        pooling_ref.conv1d(X1, np.zeros((2, 4, 4)))


def test_kernel_channels_must_match_with_groups():
    with raises(ValueError, "groups=3", "input channels=3"):
        pooling_ref.conv1d(X1, np.zeros((2, 3, 3)), groups=3)  # needs in_channels // 3 = 1


def test_filters_must_divide_into_groups():
    with raises(ValueError, "groups=3", "filters=4"):
        pooling_ref.conv1d(X1, np.zeros((2, 1, 4)), groups=3)


def test_bias_must_have_one_value_per_filter():
    with raises(ValueError, "(filters,)=(4,)", "bias.shape=(3,)"):
        pooling_ref.conv1d(X1, KERNEL, bias=np.zeros(3))


# a mask of the wrong shape, or not a mask
def test_mask_of_the_wrong_shape():
    with raises(ValueError, "`mask` must have shape (batch, steps)=(2, 5)", "mask.shape=(2, 4)"):
        pooling_ref.global_average_pool1d(X1, mask=np.ones((2, 4), bool))


def test_mask_of_the_wrong_shape_channels_first_counts_steps_on_the_last_axis():
    with raises(ValueError, "(batch, steps)=(2, 3)", "mask.shape=(2, 5)"):
        pooling_ref.global_average_pool1d(X1, mask=np.ones((2, 5)), data_format="channels_first")


def test_mask_that_is_not_numeric():
    with raises(TypeError, "`mask`", "dtype=<U1"):
        pooling_ref.global_average_pool1d(X1, mask=np.full((2, 5), "y"))


# non-numeric arrays
@pytest.mark.parametrize(
    ("x", "fragment"),
    [
        (np.full((2, 5, 3), "a"), "dtype=<U1"),
        (np.zeros((2, 5, 3), complex), "dtype=complex128"),
        (np.full((2, 5, 3), None, dtype=object), "dtype=object"),
    ],
)
def test_non_numeric_arrays(x, fragment):
    with raises(TypeError, "`x` must be a real-valued numeric array", fragment):
        pooling_ref.max_pool1d(x)


def test_ragged_nested_lists():
    with raises(TypeError, "`x` must be a numeric array", "type list"):
        pooling_ref.average_pool1d([[[1.0], [2.0]], [[3.0]]])


def test_non_numeric_kernel():
    with raises(TypeError, "`kernel`", "dtype=<U1"):
        pooling_ref.conv1d(X1, np.full((2, 3, 4), "k"))
