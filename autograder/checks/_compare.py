"""Compare a learner's answer with the expected one and say what differs, briefly.

Every function here returns a list of message lines (empty when the answer is
right). Messages never print whole arrays: they give the shapes, the first
differing position with both values, and how many values differ.
"""

from __future__ import annotations

import numpy as np

#: (rtol, atol) per floating dtype; atol is scaled by the size of the expected values.
TOLERANCES = {np.dtype(np.float16): (1e-2, 1e-2), np.dtype(np.float32): (1e-4, 1e-5)}
DEFAULT_TOLERANCE = (1e-9, 1e-10)  # float64 and wider


def tolerance_for(dtype, expected: np.ndarray) -> tuple[float, float]:
    """``(rtol, atol)`` for comparing results computed in ``dtype``.

    ``atol`` grows with ``max(|expected|)`` so that sums of many terms (a
    convolution) are compared relative to their size.
    """
    rtol, atol = TOLERANCES.get(np.dtype(dtype), DEFAULT_TOLERANCE)
    finite = np.abs(expected[np.isfinite(expected)]) if expected.size else np.zeros(0)
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    return rtol, atol * scale


def fmt_value(v) -> str:
    """A short, readable number (``0.7``, ``-inf``, ``1.2346e-07``)."""
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    return f"{v:.6g}"


def fmt_shape(shape) -> str:
    return str(tuple(int(s) for s in shape))


def close(received, expected, rtol: float, atol: float) -> bool:
    """True when both are arrays of the same shape with values equal within tolerance."""
    received, expected = np.asarray(received), np.asarray(expected)
    if received.shape != expected.shape or received.dtype.kind not in "biuf":
        return False
    return bool(np.allclose(received, expected, rtol=rtol, atol=atol, equal_nan=True))


def array_mismatch(
    received, expected: np.ndarray, *, rtol: float, atol: float, what: str = "output"
) -> list[str]:
    """Lines describing how ``received`` differs from ``expected`` (empty if it does not).

    Checks, in order: that ``received`` is a NumPy array of real numbers, its
    shape, then the values (NaN equals NaN). The dtype is checked separately
    (:func:`dtype_mismatch`) so that a wrong dtype with right values gets its
    own message.
    """
    if not isinstance(received, np.ndarray):
        kind = type(received).__name__
        return [f"the {what} is a {kind}, not a NumPy array (return an np.ndarray)"]
    if received.dtype.kind not in "biuf":
        return [f"the {what} has dtype {received.dtype}; expected real numbers ({expected.dtype})"]
    if received.shape != expected.shape:
        return [
            f"expected {what} shape {fmt_shape(expected.shape)}, "
            f"received shape {fmt_shape(received.shape)}"
        ]
    wrong = ~np.isclose(received, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not wrong.any():
        return []
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    position = ", ".join(str(i) for i in first)
    want, got = fmt_value(expected[first]), fmt_value(received[first])
    if want == got:  # a rounding difference: show every digit
        want, got = repr(float(expected[first])), repr(float(received[first]))
    return [
        f"{what} shape {fmt_shape(expected.shape)} is right, but {int(wrong.sum())} of "
        f"{wrong.size} values differ",
        f"first difference at [{position}]: expected {want}, received {got}",
    ]


def dtype_mismatch(received: np.ndarray, expected: np.ndarray, what: str = "output") -> list[str]:
    """Lines saying the dtype is wrong (empty when it matches)."""
    if received.dtype == expected.dtype:
        return []
    return [f"the {what} has dtype {received.dtype}, expected {expected.dtype}"]


def describe_input(name: str, value, *, max_values: int = 24) -> str:
    """``x = [[...]]  (shape (1, 4, 3), float32)`` for small arrays, shape and dtype otherwise."""
    if value is None:
        return f"{name} = None"
    if not isinstance(value, np.ndarray):
        return f"{name} = {value!r}"
    meta = f"shape {fmt_shape(value.shape)}, {value.dtype}"
    if value.size <= max_values:
        text = np.array2string(value, separator=", ", precision=4, suppress_small=True)
        text = " ".join(text.split())
        return f"{name} = {text}  ({meta})"
    return f"{name}: {meta}"
