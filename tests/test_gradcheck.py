"""pooling_ref.gradcheck: passes on every backward, and catches wrong ones (with the position)."""

from __future__ import annotations

import numpy as np
import pytest

import pooling_ref
from pooling_ref import backward as B
from pooling_ref.backward import gradcheck


def distinct(shape, seed=0):
    """Values of order 1, all at least 1/size apart: no window ties within eps."""
    size = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(size).reshape(shape) / size - 0.5


KERNEL1D = np.random.default_rng(1).standard_normal((3, 2, 4))
KERNEL2D = np.random.default_rng(2).standard_normal((2, 3, 1, 4))
BIAS = np.random.default_rng(3).standard_normal(4)
MASK = np.array([[1, 1, 0, 1, 0, 1, 1], [0, 0, 0, 0, 0, 0, 1]], dtype=bool)

CASES = [
    ("max_pool1d", (2, 7, 3), {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("max_pool1d", (2, 7, 3), {"pool_size": 3, "strides": 1, "data_format": "channels_first"}),
    ("average_pool1d", (2, 7, 3), {"pool_size": 4, "strides": 3, "padding": "same"}),
    ("max_pool2d", (1, 5, 6, 2), {"pool_size": (2, 3), "strides": 1, "padding": "same"}),
    ("average_pool2d", (1, 5, 6, 2), {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("global_max_pool1d", (2, 7, 3), {"keepdims": True}),
    ("global_average_pool1d", (2, 7, 3), {"mask": MASK}),
    ("global_max_pool2d", (2, 3, 4, 3), {"data_format": "channels_first"}),
    ("global_average_pool2d", (2, 3, 4, 3), {}),
    ("conv1d", (2, 8, 2), {"kernel": KERNEL1D, "bias": BIAS, "strides": 2, "padding": "same"}),
    ("conv1d", (2, 8, 2), {"kernel": KERNEL1D, "padding": "causal", "dilation_rate": 2}),
    ("conv2d", (1, 5, 6, 2), {"kernel": KERNEL2D, "bias": BIAS, "groups": 2, "padding": "same"}),
    ("upsampling1d", (2, 4, 3), {"size": 3}),
    ("upsampling2d", (1, 3, 4, 2), {"size": (2, 3), "data_format": "channels_first"}),
    # bilinear computes in float32 (as Keras): it is linear, so a large step is exact
    ("upsampling2d", (1, 3, 4, 2), {"size": (3, 2), "interpolation": "bilinear", "eps": 1.0}),
]


@pytest.mark.parametrize(("name", "shape", "kwargs"), CASES)
def test_gradcheck_passes_on_every_backward(name, shape, kwargs):
    result = gradcheck(getattr(pooling_ref, name), distinct(shape), **kwargs)
    assert result, str(result)
    assert result.max_error < 1e-6
    assert str(result).startswith(f"gradcheck {name}: OK")


def test_gradcheck_checks_kernel_and_bias_of_a_convolution():
    result = gradcheck(pooling_ref.conv1d, distinct((2, 8, 2)), kernel=KERNEL1D, bias=BIAS)
    assert result.checked == {"x": "32 elements", "kernel": "24 elements", "bias": "4 elements"}


# --------------------------------------------------------------------------
# wrong backwards are caught
# --------------------------------------------------------------------------
def seed_upsampling2d_backward(grad_output, x, size=(2, 2), **_):
    """The seed material's backward_pass, channels_last: keeps one element of each block."""
    return grad_output[:, :: size[0], :: size[1], :]


def max_pool1d_backward_without_accumulation(grad_output, x, pool_size=2, strides=None, **_):
    """Assigns instead of adding: overlapping windows that share a winner lose gradient."""
    strides = strides or pool_size
    grad = np.zeros_like(x)
    for i in range(grad_output.shape[1]):
        window = x[:, i * strides : i * strides + pool_size, :]
        winner = i * strides + window.argmax(axis=1)
        for b in range(x.shape[0]):
            for c in range(x.shape[2]):
                grad[b, winner[b, c], c] = grad_output[b, i, c]
    return grad


def average_pool1d_backward_dividing_by_pool_size(grad_output, x, pool_size=2, **kwargs):
    """Divides by pool_size even where the window holds padding (the classic same mistake)."""
    return _spread(grad_output / pool_size, x, pool_size, **kwargs)


def _spread(share, x, pool_size, strides=None, padding="valid"):
    """Add share[i] to every real step of window i (same padding: TF's left pad)."""
    strides = strides or pool_size
    steps = x.shape[1]
    out = share.shape[1]
    total = max((out - 1) * strides + pool_size - steps, 0) if padding == "same" else 0
    grad = np.zeros_like(x)
    for i in range(out):
        start = i * strides - total // 2
        lo, hi = max(start, 0), min(start + pool_size, steps)
        grad[:, lo:hi, :] += share[:, i : i + 1, :]
    return grad


def conv1d_backward_flipped_kernel_gradient(grad_output, x, kernel, bias=None, **kwargs):
    """Returns the kernel gradient with its taps in reverse order."""
    grad_x, grad_kernel, grad_bias = B.conv1d_backward(grad_output, x, kernel, bias, **kwargs)
    return grad_x, grad_kernel[::-1], grad_bias


WRONG = [
    (pooling_ref.upsampling2d, seed_upsampling2d_backward, (1, 2, 3, 1), {"size": (2, 2)}),
    (
        pooling_ref.max_pool1d,
        max_pool1d_backward_without_accumulation,
        (1, 6, 2),
        {"pool_size": 3, "strides": 1},
    ),
    (
        pooling_ref.average_pool1d,
        average_pool1d_backward_dividing_by_pool_size,
        (1, 5, 2),
        {"pool_size": 2, "padding": "same"},
    ),
    (pooling_ref.conv1d, conv1d_backward_flipped_kernel_gradient, (1, 6, 2), {"kernel": KERNEL1D}),
]


@pytest.mark.parametrize(("forward", "backward", "shape", "kwargs"), WRONG, ids=lambda v: "")
def test_gradcheck_catches_a_wrong_backward(forward, backward, shape, kwargs):
    x = distinct(shape)
    # the same input passes with the right backward ...
    assert gradcheck(forward, x, **kwargs)
    # ... and fails with the wrong one
    result = gradcheck(forward, x, backward=backward, **kwargs)
    assert not result
    assert result.max_error > 0.01
    assert "FAILED" in str(result) and "worst at" in str(result)


def test_gradcheck_names_the_worst_position():
    def backward_wrong_at_one_step(grad_output, x, **kwargs):
        grad = B.max_pool1d_backward(grad_output, x, **kwargs)
        grad[0, 4, 1] += 0.5
        return grad

    x = distinct((1, 6, 2))
    result = gradcheck(pooling_ref.max_pool1d, x, backward=backward_wrong_at_one_step)
    assert result.worst["argument"] == "x"
    assert result.worst["index"] == (0, 4, 1)
    assert result.worst["analytic"] - result.worst["numeric"] == pytest.approx(0.5, abs=1e-6)
    with pytest.raises(AssertionError, match=r"worst at x\[0, 4, 1\]"):
        gradcheck(
            pooling_ref.max_pool1d, x, backward=backward_wrong_at_one_step, raise_on_failure=True
        )


def test_gradcheck_samples_large_inputs_and_a_random_direction_catches_the_rest():
    def backward_wrong_at_one_element(grad_output, x, **kwargs):
        grad = B.average_pool1d_backward(grad_output, x, **kwargs)
        grad[0, 17, 2] += 1.0
        return grad

    x = distinct((2, 40, 3))  # 240 elements, checked on a sample of 10
    result = gradcheck(
        pooling_ref.average_pool1d, x, backward=backward_wrong_at_one_element, max_elements=10
    )
    assert result.checked == {"x": "10 sampled elements + 1 direction"}
    assert not result  # the random direction sees the wrong element
    assert gradcheck(pooling_ref.average_pool1d, x, max_elements=10)


def test_gradcheck_of_a_learner_function_needs_its_backward():
    def my_max_pool(x, pool_size=2):
        return pooling_ref.max_pool1d(x, pool_size=pool_size)

    with pytest.raises(ValueError, match="backward="):
        gradcheck(my_max_pool, distinct((1, 4, 1)))
    assert gradcheck(my_max_pool, distinct((1, 4, 1)), backward=B.max_pool1d_backward)


def test_gradcheck_accepts_a_given_grad_output():
    result = gradcheck(
        pooling_ref.upsampling1d, distinct((1, 2, 1)), grad_output=np.ones((1, 4, 1))
    )
    assert result


def test_bilinear_with_a_tiny_step_fails_because_the_forward_is_float32():
    # not a backward bug: the forward rounds to float32, and eps=1e-6 is below that rounding
    x = distinct((1, 3, 4, 2))
    kwargs = {"size": (2, 3), "interpolation": "bilinear"}
    assert not gradcheck(pooling_ref.upsampling2d, x, **kwargs)
    assert gradcheck(pooling_ref.upsampling2d, x, eps=1.0, **kwargs)
