"""pooling_ref._winograd: conv1d's fast path (Winograd F(4, r)) computes the same convolution.

The fast path is taken only for big products, so these tests force it
(``MIN_MACS = 0``) on small random cases and compare with the plain im2col
path, with pooling_ref.naive in float64, and with the Keras layer.
"""

from __future__ import annotations

import numpy as np
import pytest
from _oracle import PROPERTY, assert_same_as_keras, data_formats, dtypes, random_array
from hypothesis import given
from hypothesis import strategies as st
from test_conv import keras_conv

import pooling_ref
from pooling_ref import _winograd, naive


@pytest.fixture
def always_winograd(monkeypatch):
    """Take the fast path for any size (tests use small inputs)."""
    monkeypatch.setattr(_winograd, "MIN_MACS", 0)


def spy_on_fast_path(monkeypatch) -> list:
    calls = []
    original = _winograd.conv1d_into

    def spy(*args, **kwargs):
        calls.append(args[1].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(_winograd, "conv1d_into", spy)
    return calls


# --------------------------------------------------------------------------
# the transforms
# --------------------------------------------------------------------------
@pytest.mark.parametrize("r", [2, 3, 4, 5])
def test_transforms_compute_the_correlation_of_a_tile(r):
    """AT @ ((G @ g) * (BT @ d)) == [sum_k d[i + k] g[k]] for random d and g (float64)."""
    at, g, bt = _winograd.transforms(r)
    alpha = _winograd.M + r - 1
    assert at.shape == (_winograd.M, alpha) and g.shape == (alpha, r) and bt.shape == (alpha, alpha)
    rng = np.random.default_rng(r)
    for _ in range(20):
        d, kernel = rng.standard_normal(alpha), rng.standard_normal(r)
        expected = [d[i : i + r] @ kernel for i in range(_winograd.M)]
        np.testing.assert_allclose(at @ ((g @ kernel) * (bt @ d)), expected, rtol=1e-12, atol=1e-12)


def test_the_work_is_alpha_products_per_four_outputs():
    """F(4, 5): 8 products for 4 outputs instead of 20 (the point of the fast path)."""
    at, _, bt = _winograd.transforms(5)
    assert at.shape == (4, 8)
    assert bt.shape == (8, 8)


@pytest.mark.parametrize(
    ("kernel_size", "strides", "dilation", "macs", "expected"),
    [
        (5, 1, 1, 1 << 30, True),
        (2, 1, 1, 1 << 30, True),
        (1, 1, 1, 1 << 30, False),  # one tap: nothing to save
        (6, 1, 1, 1 << 30, False),  # would need larger points: too inaccurate
        (3, 2, 1, 1 << 30, False),
        (3, 1, 2, 1 << 30, False),
        (3, 1, 1, 1000, False),  # small: the plain, textbook path
    ],
)
def test_applies_only_where_it_is_exact_enough_and_worth_it(
    kernel_size, strides, dilation, macs, expected
):
    assert _winograd.applies(kernel_size, strides, dilation, macs) is expected


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------
@st.composite
def fast_case(draw):
    """conv1d arguments the fast path takes: strides 1, dilation 1, 2-5 taps."""
    padding = draw(st.sampled_from(["valid", "same", "causal"]))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    ksize = draw(st.integers(2, 5))
    steps = draw(st.integers(ksize if padding == "valid" else 1, 30))
    cin, filters = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    return {
        "shape": (draw(st.integers(1, 3)), steps, cin),
        "kernel_shape": (ksize, cin // groups, filters),
        "padding": padding,
        "groups": groups,
        "use_bias": draw(st.booleans()),
    }


def fast_conv1d(*args, **kwargs):
    """``pooling_ref.conv1d`` taking the fast path whatever the size (hypothesis-safe)."""
    saved = _winograd.MIN_MACS
    _winograd.MIN_MACS = 0
    try:
        return pooling_ref.conv1d(*args, **kwargs)
    finally:
        _winograd.MIN_MACS = saved


def arrays_for(case, seed, dtype):
    x = random_array(seed, case["shape"], dtype)
    kernel = random_array(seed + 1, case["kernel_shape"], dtype)
    bias = random_array(seed + 2, case["kernel_shape"][-1:], dtype) if case["use_bias"] else None
    return x, kernel, bias


@PROPERTY
@given(case=fast_case(), dtype=dtypes, data_format=data_formats, seed=st.integers(0, 2**16))
def test_fast_path_matches_the_plain_path_and_float64_loops(case, dtype, data_format, seed):
    """Every padding, groups, layout and dtype; output lengths that are not multiples of 4."""
    x, kernel, bias = arrays_for(case, seed, dtype)
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    options = {"padding": case["padding"], "groups": case["groups"], "data_format": data_format}
    plain = pooling_ref.conv1d(x, kernel, bias, **options)
    fast = fast_conv1d(x, kernel, bias, **options)
    assert fast.shape == plain.shape and fast.dtype == plain.dtype == np.dtype(dtype)
    exact = naive.conv1d(
        x.astype(np.float64),
        kernel.astype(np.float64),
        None if bias is None else bias.astype(np.float64),
        **options,
    )
    tol = 2e-6 if dtype == np.float32 else 1e-13
    scale = max(1.0, float(np.abs(exact).max(initial=0.0)))
    np.testing.assert_allclose(fast, exact, rtol=0, atol=tol * scale)
    np.testing.assert_allclose(fast, plain, rtol=0, atol=tol * scale)


@pytest.mark.keras
@PROPERTY
@given(case=fast_case(), dtype=dtypes, seed=st.integers(0, 2**16))
def test_fast_path_matches_keras(case, dtype, seed):
    x, kernel, bias = arrays_for(case, seed, dtype)
    options = {"padding": case["padding"], "groups": case["groups"]}
    ours = fast_conv1d(x, kernel, bias, **options)
    assert_same_as_keras(ours, keras_conv(1, x, kernel, bias, **options))


@pytest.mark.parametrize("r", [2, 3, 4, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rounding_error_on_a_big_input_stays_within_twice_the_plain_bound(r, dtype):
    """Against float64: float32 error under 2e-6 of the scale (the docstring's number)."""
    x = random_array(r, (4, 1000, 32), dtype)
    kernel = (random_array(r + 1, (r, 32, 16)) / 4).astype(dtype)
    out = np.empty((4, 1000 - r + 1, 16), dtype)
    _winograd.conv1d_into(out, x, kernel, None, 0, 1)
    exact = naive.conv1d(x.astype(np.float64), kernel.astype(np.float64))
    error = np.abs(out - exact).max() / np.abs(exact).max()
    assert error < (2e-6 if dtype == np.float32 else 1e-13)


def test_blocks_of_a_few_tiles_give_the_same_result(monkeypatch, always_winograd):
    """Tiny blocks: each block is a few tiles of one sample, on threads; the padding per block."""
    x, kernel = random_array(3, (3, 41, 4)), random_array(4, (5, 4, 6))
    bias = random_array(5, (6,))
    for padding in ("valid", "same", "causal"):
        whole = pooling_ref.conv1d(x, kernel, bias, padding=padding)
        monkeypatch.setattr(_winograd, "BLOCK_BYTES", 1)  # one tile per block
        blocked = pooling_ref.conv1d(x, kernel, bias, padding=padding)
        monkeypatch.setattr(_winograd, "BLOCK_BYTES", 1 << 20)
        scale = float(np.abs(whole).max())  # other block sizes: other rounding, same bound
        np.testing.assert_allclose(blocked, whole, rtol=0, atol=4e-6 * scale)
        expected = naive.conv1d(x, kernel, bias, padding=padding)
        np.testing.assert_allclose(whole, expected, rtol=1e-5, atol=1e-5)


def test_a_big_conv1d_takes_the_fast_path_and_a_small_one_does_not(monkeypatch):
    calls = spy_on_fast_path(monkeypatch)
    x, kernel = random_array(6, (8, 512, 32)), random_array(7, (5, 32, 32))  # 21M multiply-adds
    big = pooling_ref.conv1d(x, kernel, padding="same")
    assert calls == [(8, 512, 32)]
    pooling_ref.conv1d(x[:1, :50], kernel)  # 0.4M: the plain path
    pooling_ref.conv1d(x, kernel, strides=2)  # strides: the plain path
    assert len(calls) == 1
    exact = naive.conv1d(x.astype(np.float64), kernel.astype(np.float64), padding="same")
    np.testing.assert_allclose(big, exact, rtol=0, atol=2e-6 * np.abs(exact).max())


def test_fast_path_leaves_inputs_alone_and_blas_threads_as_they_were(always_winograd):
    from pooling_ref import _blas

    x, kernel, bias = random_array(8, (2, 20, 3)), random_array(9, (3, 3, 2)), random_array(1, (2,))
    copies = [a.copy() for a in (x, kernel, bias)]
    controls = _blas._openblas_controls()
    before = controls[1]() if controls else None
    pooling_ref.conv1d(x, kernel, bias, padding="same")
    assert (controls[1]() if controls else None) == before
    for original, copy in zip((x, kernel, bias), copies, strict=True):
        np.testing.assert_array_equal(original, copy)
