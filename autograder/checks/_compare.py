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


#: What the Keras layer returns per input dtype, under Keras' default dtype policy
#: (float32), measured with Keras 3.15 / TensorFlow 2.21 (tests/autograder/checks/
#: test_dtype_rule.py asserts every entry against the installed Keras). None: the layer
#: raises (TensorFlow has no kernel for that dtype). Floats always come back float32.
KERAS_LAYERS = {
    "max_pool1d": "MaxPooling1D",
    "average_pool1d": "AveragePooling1D",
    "global_max_pool1d": "GlobalMaxPooling1D",
    "global_average_pool1d": "GlobalAveragePooling1D",
    "conv1d": "Conv1D",
    "upsampling1d": "UpSampling1D",
    "max_pool2d": "MaxPooling2D",
}
_FLOATS = {"float16": "float32", "float32": "float32", "float64": "float32"}
_PASS_INTS = {"int32": "int32", "int64": "int64"}
KERAS_DTYPES: dict[str, dict[str, str | None]] = {
    "max_pool1d": {**_FLOATS, **_PASS_INTS, "bool": None},
    "max_pool2d": {**_FLOATS, **_PASS_INTS, "bool": None},
    "average_pool1d": {**_FLOATS, "int32": None, "int64": None, "bool": None},
    "conv1d": {**_FLOATS, "int32": None, "int64": None, "bool": None},
    "global_max_pool1d": {**_FLOATS, **_PASS_INTS, "bool": "bool"},
    "upsampling1d": {**_FLOATS, **_PASS_INTS, "bool": "bool"},
    "global_average_pool1d": {**_FLOATS, "int32": "float32", "int64": "float32", "bool": "float32"},
}
#: GlobalAveragePooling1D with a mask computes in float64 for int/bool input (its mask is
#: cast to the input's dtype, then to float64 by TensorFlow's division).
KERAS_MASKED_GAP = {"int32": "float64", "int64": "float64", "bool": "float64"}


def keras_dtype(exercise: str, input_dtype, *, masked: bool = False) -> np.dtype | None:
    """The dtype the Keras layer of ``exercise`` returns for ``input_dtype`` (None: it raises
    or is not in the measured table)."""
    name = np.dtype(input_dtype).name
    if exercise == "global_average_pool1d" and masked and name in KERAS_MASKED_GAP:
        return np.dtype(KERAS_MASKED_GAP[name])
    out = KERAS_DTYPES.get(exercise, {}).get(name)
    return None if out is None else np.dtype(out)


def accepted_dtypes(exercise: str, input_dtype, course_dtype, *, masked: bool = False) -> list:
    """Output dtypes that earn the point: the course's convention and what Keras returns.

    The rule: a function that returns exactly what the Keras layer returns (values
    and dtype) on every input the layer accepts never loses a point. Beyond that,
    ``course_dtype`` (pooling_ref's: a float input keeps its dtype, int/bool input
    gives float32) is always accepted, and is the only one where Keras rejects the
    input (the course's convention, not Keras').
    """
    accepted = [np.dtype(course_dtype)]
    keras = keras_dtype(exercise, input_dtype, masked=masked)
    if keras is not None and keras not in accepted:
        accepted.append(keras)
    return accepted


def dtype_mismatch(
    received: np.ndarray, accepted, exercise: str, input_dtype, what: str = "output"
) -> list[str]:
    """Lines saying the dtype is wrong and which ones are accepted (empty when it is one)."""
    accepted = [np.dtype(d) for d in accepted]
    if received.dtype in accepted:
        return []
    input_dtype = np.dtype(input_dtype)
    layer = KERAS_LAYERS.get(exercise)
    course = accepted[0]
    if len(accepted) > 1:
        why = (
            f"{course} (this course's convention) or {accepted[1]} (what Keras' {layer} returns "
            f"for {input_dtype} input)"
        )
    elif layer and KERAS_DTYPES.get(exercise, {}).get(input_dtype.name, "") is None:
        why = (
            f"{course}: Keras' {layer} rejects {input_dtype} input, so this is the course's "
            "convention (int and bool input give float32)"
        )
    else:
        why = f"{course}"
    return [f"the {what} has dtype {received.dtype} for {input_dtype} input, expected {why}"]


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


def failure_lines(head: str, about: str, call: str, inputs, problems) -> list[str]:
    """The learner-facing lines every failed case starts with: what failed, what it tests,
    the call, its inputs, and what is wrong (the checks add hints and a reproduce line)."""
    lines = [head]
    if about:
        lines.append(f"  what it tests: {about}")
    lines.append(f"  call: {call}")
    lines += [f"        {text}" for text in inputs]
    lines += [f"  {p}" for p in problems]
    return lines
