"""The shape rules of pooling_ref._args: output lengths, the `same` split, causal padding.

Each rule is pinned against Keras (compute_output_shape and real layer calls),
and the seed material's wrong formula ``(input - pool_size + 1) / strides`` is
shown to disagree with Keras.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from _oracle import layers, run_layer

import pooling_ref
from pooling_ref._args import output_length, padding_amounts, window_taps

POOL_GRID = [
    (length, pool, stride, padding)
    for length, pool, stride, padding in itertools.product(
        range(1, 10), range(1, 5), range(1, 5), ("valid", "same")
    )
    if not (padding == "valid" and pool > length)
]
CONV_GRID = [
    (length, k, stride, padding, dilation)
    for length, k, stride, padding, dilation in itertools.product(
        range(1, 10), range(1, 5), range(1, 4), ("valid", "same", "causal"), range(1, 4)
    )
    if not (stride > 1 and dilation > 1)
    and not (padding == "valid" and dilation * (k - 1) >= length)
]


# --------------------------------------------------------------------------
# the formulas, by value
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("length", "pool", "stride", "padding", "expected"),
    [
        (4, 2, 1, "valid", 3),  # the seed sentence: 4 words, pool 2, stride 1
        (6, 2, 2, "valid", 3),  # windows start at 0, 2, 4
        (7, 2, 2, "valid", 3),  # the 7th step is dropped
        (7, 2, 2, "same", 4),  # ceil(7 / 2)
        (5, 3, None, "valid", 1),  # strides=None means pool_size
        (5, 5, 1, "same", 5),
        (1, 4, 3, "same", 1),
    ],
)
def test_pooled_length_values(length, pool, stride, padding, expected):
    assert pooling_ref.pooled_length(length, pool, stride, padding) == expected


@pytest.mark.parametrize(
    ("length", "k", "stride", "padding", "dilation", "expected"),
    [
        (50, 4, 1, "same", 1, 50),  # the seed Conv1D(100, 4, padding="same")
        (50, 4, 1, "valid", 1, 47),
        (10, 3, 1, "valid", 2, 6),  # dilated kernel covers 2 * 2 + 1 = 5 steps
        (10, 3, 1, "causal", 4, 10),
        (10, 3, 3, "valid", 1, 3),
        (10, 3, 3, "same", 1, 4),
    ],
)
def test_conv_output_length_values(length, k, stride, padding, dilation, expected):
    assert pooling_ref.conv_output_length(length, k, stride, padding, dilation) == expected


def test_padding_is_case_insensitive_in_the_shape_rules():
    assert pooling_ref.pooled_length(7, 2, 2, "SAME") == 4
    assert pooling_ref.conv_output_length(7, 3, 1, "Causal") == 7


def test_the_seed_formula_is_wrong_whenever_strides_exceed_one():
    """The quoted (input - pool_size + 1) / strides is not even an integer for 6, 2, 2."""
    seed = (6 - 2 + 1) / 2
    assert seed == 2.5
    assert pooling_ref.pooled_length(6, 2, 2) == 3
    # even rounded down it undercounts: floor(2.5) = 2 windows, Keras makes 3
    wrong = [
        (length, pool, stride)
        for length, pool, stride, padding in POOL_GRID
        if padding == "valid"
        and (length - pool + 1) // stride != pooling_ref.pooled_length(length, pool, stride)
    ]
    assert (6, 2, 2) in wrong
    assert all(stride > 1 for _, _, stride in wrong)  # with stride 1 the two agree


# --------------------------------------------------------------------------
# how `same` and `causal` pad
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("length", "window", "stride", "padding", "dilation", "expected"),
    [
        (5, 2, 2, "same", 1, (0, 1)),  # odd total: the extra step goes to the right
        (4, 4, 1, "same", 1, (1, 2)),
        (4, 3, 1, "same", 1, (1, 1)),
        (6, 2, 2, "same", 1, (0, 0)),
        (5, 3, 1, "causal", 2, (4, 0)),  # dilation * (kernel_size - 1) on the left
        (5, 3, 1, "valid", 1, (0, 0)),
    ],
)
def test_padding_amounts(length, window, stride, padding, dilation, expected):
    assert padding_amounts(length, window, stride, padding, dilation) == expected


@pytest.mark.keras
def test_same_puts_the_extra_padding_on_the_right_as_keras_does():
    """pool 4, stride 1 on 4 steps pads 3: one left, two right. Window 0 is steps -1..2."""
    x = np.arange(1.0, 5.0, dtype=np.float32).reshape(1, 4, 1)
    keras_avg = run_layer(layers().AveragePooling1D(4, 1, "same"), x)[0, :, 0]
    ours = pooling_ref.average_pool1d(x, 4, 1, "same")[0, :, 0]
    # left 1 / right 2: windows [-1..2], [0..3], [1..4], [2..5] -> real means below
    expected = np.array([np.mean([1, 2, 3]), np.mean([1, 2, 3, 4]), 3.0, 3.5], np.float32)
    np.testing.assert_array_equal(ours, expected)
    np.testing.assert_allclose(keras_avg, expected, rtol=1e-6)


@pytest.mark.keras
def test_causal_output_t_sees_only_inputs_up_to_t():
    x = np.zeros((1, 6, 1), np.float32)
    x[0, 3, 0] = 1.0  # an impulse at step 3
    conv = layers().Conv1D(1, 3, padding="causal", dilation_rate=2, use_bias=False)
    conv.build((None, 6, 1))
    conv.kernel.assign(np.ones((3, 1, 1), np.float32))
    ours = pooling_ref.conv1d(x, np.ones((3, 1, 1), np.float32), padding="causal", dilation_rate=2)
    # output t reads t - 4, t - 2, t: the impulse reaches t = 3 and t = 5 only
    np.testing.assert_array_equal(ours[0, :, 0], [0, 0, 0, 1, 0, 1])
    np.testing.assert_array_equal(run_layer(conv, x), ours)


def test_window_taps_cover_exactly_the_real_steps():
    for length, window, stride, padding in POOL_GRID:
        out, taps = window_taps(length, window, stride, padding)
        left, _ = padding_amounts(length, window, stride, padding)
        for i in range(out):
            reads = sorted(start + (i - lo) * stride for _, lo, hi, start in taps if lo <= i < hi)
            real = [
                t for t in range(i * stride - left, i * stride - left + window) if 0 <= t < length
            ]
            assert reads == real, (length, window, stride, padding, i)


# --------------------------------------------------------------------------
# every combination against Keras' own shape inference
# --------------------------------------------------------------------------
@pytest.mark.keras
def test_pooled_length_matches_keras_on_a_grid():
    L = layers()
    for length, pool, stride, padding in POOL_GRID:
        for layer in (
            L.MaxPooling1D(pool, stride, padding),
            L.AveragePooling1D(pool, stride, padding),
        ):
            keras_len = layer.compute_output_shape((None, length, 3))[1]
            assert pooling_ref.pooled_length(length, pool, stride, padding) == keras_len


@pytest.mark.keras
def test_conv_output_length_matches_keras_on_a_grid():
    L = layers()
    for length, k, stride, padding, dilation in CONV_GRID:
        layer = L.Conv1D(2, k, strides=stride, padding=padding, dilation_rate=dilation)
        keras_len = layer.compute_output_shape((None, length, 3))[1]
        ours = pooling_ref.conv_output_length(length, k, stride, padding, dilation)
        assert ours == keras_len, (length, k, stride, padding, dilation)


def test_same_and_causal_lengths_are_ceil_of_length_over_strides():
    for length, k, stride, padding, dilation in CONV_GRID:
        if padding != "valid":
            assert output_length(length, k, stride, padding, dilation) == math.ceil(length / stride)
