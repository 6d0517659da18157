"""Shared helpers for the pooling_ref tests: the Keras oracle and the tolerance rule.

Tolerance rule (issue 3): max pooling and upsampling must equal Keras exactly;
sums (average pooling, global average, convolutions) within 1e-5 relative in
float32 and 1e-10 in float64. "Relative" is taken to the largest magnitude in
the expected array (and at least 1): a window sum that cancels to nearly zero
has an absolute rounding error set by its terms, not by its tiny result, so a
per-element relative tolerance would fail any two correct implementations
that add in a different order.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

TOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-10}

# modest example counts: the whole suite runs on 2 shared cores
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DATA_FORMATS = ("channels_last", "channels_first")
dtypes = st.sampled_from([np.float32, np.float64])
data_formats = st.sampled_from(DATA_FORMATS)


def layers():
    """``keras.layers``, imported on first use (pooling_ref is imported first by conftest)."""
    import keras

    return keras.layers


def run_layer(layer, x: np.ndarray) -> np.ndarray:
    """Call a Keras layer eagerly on a NumPy array and return a NumPy array."""
    return np.asarray(layer(x))


def assert_same_as_keras(ours: np.ndarray, theirs, *, exact: bool = False) -> None:
    """Same shape and dtype; equal (``exact``) or within the TOL rule above."""
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    if exact:
        np.testing.assert_array_equal(ours, theirs)
        return
    rtol = TOL[ours.dtype]
    scale = max(1.0, float(np.nanmax(np.abs(theirs), initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale)


def to_channels_first(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(x, -1, 1))


def to_channels_last(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(x, 1, -1))


def random_array(seed: int, shape, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
