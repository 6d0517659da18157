"""Checks for answers that are values, not functions: predicted shapes, parameter counts,
hand-worked arrays.

``check_shape_answer(received, expected)`` compares a predicted shape (tuple,
list or int) or a dict of named answers (``{"after_pool": (None, 3, 16),
"params": 1234}``) and says which entries are wrong. When ``expected`` is built
with :func:`expected_pool1d_shape`, :func:`expected_conv1d_shape` or
:func:`expected_conv1d_params`, it also knows the typical wrong answers (the
often-quoted ``(length - pool_size + 1) / strides`` without its ceiling, strides taken
as 1, a forgotten bias, ...) and names the one the learner gave.

Strict mode (``points=None``) raises ``AssertionError`` and prints one line on
success; points mode returns the points earned (a float; a dict answer earns
points in proportion to its right entries) and never raises.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from pooling_ref._args import (
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    output_length,
)

from ._compare import array_mismatch, describe_input


class _KnowsMistakes:
    """A right answer that also knows typical wrong answers: ``mistakes[wrong] = hint``."""

    mistakes: dict

    def __new__(cls, value, mistakes=None):
        obj = super().__new__(cls, value)
        obj.mistakes = {k: v for k, v in (mistakes or {}).items() if k != obj}
        return obj


class ExpectedShape(_KnowsMistakes, tuple):
    """A shape tuple with typical wrong shapes (see :func:`expected_pool1d_shape`)."""


class ExpectedCount(_KnowsMistakes, int):
    """A parameter count with typical wrong counts (see :func:`expected_conv1d_params`)."""


SEED_FORMULA = (
    "that is the often-quoted (length - pool_size + 1) / strides without its ceiling: with "
    "'valid' there are ceil((length - pool_size + 1) / strides) = (length - pool_size) // "
    "strides + 1 windows (the plain quotient is exact only when strides divides "
    "length - pool_size + 1)"
)
STRIDES_ONE = "that is what strides=1 gives: in Keras strides=None means strides = pool_size"


def _steps_shape(input_shape, data_format: str, steps, channels) -> tuple:
    batch = input_shape[0]
    if data_format == "channels_first":
        return (batch, channels, steps)
    return (batch, steps, channels)


def expected_pool1d_shape(
    input_shape, pool_size=2, strides=None, padding="valid", data_format="channels_last"
) -> ExpectedShape:
    """Output shape of MaxPooling1D/AveragePooling1D, with the typical wrong answers.

    Parameters
    ----------
    input_shape : (batch, steps, channels) tuple; batch may be None
    pool_size, strides, padding, data_format
        As in ``keras.layers.MaxPooling1D``.

    Returns
    -------
    ExpectedShape
        ``(batch, out_steps, channels)`` with ``out_steps = (steps - pool_size) // strides + 1``
        ('valid') or ``ceil(steps / strides)`` ('same').

    Examples
    --------
    >>> expected_pool1d_shape((None, 6, 16), 2, 2)
    (None, 3, 16)
    """
    data_format = normalize_data_format(data_format)
    padding = normalize_padding(padding)
    (pool,) = normalize_tuple(pool_size, 1, "pool_size")
    (stride,) = normalize_tuple(pool if strides is None else strides, 1, "strides")
    if data_format == "channels_first":
        _, channels, length = input_shape
    else:
        _, length, channels = input_shape

    def shape(steps):
        return _steps_shape(input_shape, data_format, steps, channels)

    mistakes = {}
    if padding == "valid" and stride > 1:
        quoted = (length - pool + 1) / stride  # right only with its ceiling
        for value in {quoted, math.floor(quoted)}:
            mistakes[shape(value)] = SEED_FORMULA
    if strides is None and pool > 1:
        mistakes[shape(output_length(length, pool, 1, padding))] = STRIDES_ONE
    if padding == "same":
        mistakes[shape(output_length(length, pool, stride, "valid"))] = (
            "that is the 'valid' length: 'same' gives ceil(length / strides) outputs"
        )
    else:
        mistakes[shape(-(-length // stride))] = (
            "that is the 'same' length: 'valid' keeps only the windows that fit"
        )
    return ExpectedShape(shape(output_length(length, pool, stride, padding)), mistakes)


def expected_conv1d_shape(
    input_shape,
    filters,
    kernel_size,
    strides=1,
    padding="valid",
    dilation_rate=1,
    data_format="channels_last",
) -> ExpectedShape:
    """Output shape of Conv1D, with the typical wrong answers.

    Returns
    -------
    ExpectedShape
        ``(batch, out_steps, filters)``, ``out_steps`` from
        :func:`pooling_ref.conv_output_length`.

    Examples
    --------
    >>> expected_conv1d_shape((None, 50, 300), filters=100, kernel_size=4, padding="same")
    (None, 50, 100)
    """
    data_format = normalize_data_format(data_format)
    padding = normalize_padding(padding, ("valid", "same", "causal"))
    (k,) = normalize_tuple(kernel_size, 1, "kernel_size")
    (stride,) = normalize_tuple(strides, 1, "strides")
    (dilation,) = normalize_tuple(dilation_rate, 1, "dilation_rate")
    if data_format == "channels_first":
        _, channels, length = input_shape
    else:
        _, length, channels = input_shape
    out = output_length(length, k, stride, padding, dilation)

    def shape(steps, chans=filters):
        return _steps_shape(input_shape, data_format, steps, chans)

    mistakes = {
        shape(out, channels): "the output has `filters` channels, not the input's channel count",
        shape(out, k): "the last axis is `filters`, not `kernel_size`",
    }
    if padding != "valid":
        mistakes[shape(output_length(length, k, stride, "valid", dilation))] = (
            f"that is the 'valid' length: padding={padding!r} gives ceil(length / strides)"
        )
    else:
        mistakes[shape(length - k + 1)] = (
            "dilation/strides ignored: 'valid' gives (length - dilation_rate * (kernel_size - 1) "
            "- 1) // strides + 1"
        )
        mistakes[shape(length)] = "that is the 'same' length: 'valid' keeps only full windows"
    return ExpectedShape(shape(out), mistakes)


def expected_conv1d_params(in_channels, filters, kernel_size, use_bias=True, groups=1):
    """Number of trainable parameters of Conv1D, with the typical wrong answers.

    Returns
    -------
    ExpectedCount
        ``kernel_size * in_channels // groups * filters + (filters if use_bias else 0)``.

    Examples
    --------
    >>> expected_conv1d_params(300, 100, 4)
    120100
    """
    weights = kernel_size * (in_channels // groups) * filters
    bias = filters if use_bias else 0
    mistakes = {
        weights: "the bias is missing: Conv1D has one bias per filter (use_bias=True)",
        kernel_size * filters + bias: "each filter has kernel_size weights PER input channel",
        kernel_size * in_channels + bias: "there are kernel_size * in_channels weights per filter",
        kernel_size * in_channels * filters + bias: "with groups, each filter sees only "
        "in_channels // groups channels",
    }
    return ExpectedCount(weights + bias, mistakes)


# --------------------------------------------------------------------------
# comparing answers
# --------------------------------------------------------------------------
def _normalise(value):
    """Lists become tuples, NumPy integers become ints, TensorShape-likes become tuples."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, list | tuple) or (
        hasattr(value, "__iter__") and not isinstance(value, str | bytes | dict)
    ):
        return tuple(_normalise(v) for v in value)
    return value


def _answer_problem(received, expected) -> str | None:
    """Why ``received`` is not ``expected`` (None when it is)."""
    got = _normalise(received)
    want = _normalise(expected)
    if got == want and type(got) is type(want):
        return None
    text = f"expected {want!r}, received {got!r}"
    mistakes = getattr(expected, "mistakes", {})
    if got in mistakes:
        return f"{text}: {mistakes[got]}"
    if isinstance(want, tuple) and isinstance(got, tuple) and len(want) == len(got):
        if any(isinstance(g, float) for g in got):
            return f"{text}: a length is a whole number of windows (use floor division //)"
        if want[0] is None and got[0] is not None and got[1:] == want[1:]:
            return f"{text}: Keras shapes start with None for the batch (any batch size)"
        wrong = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
        return f"{text}: entry {wrong[0]} differs" if len(wrong) == 1 else text
    if isinstance(want, tuple) and isinstance(got, tuple):
        return f"{text}: expected {len(want)} dimensions, received {len(got)}"
    if isinstance(want, tuple) and not isinstance(got, tuple):
        return f"{text}: a shape is a tuple such as {want!r}"
    return text


def _answer(received, expected, what: str, points):
    total = None if points is None else _positive(points)
    if isinstance(expected, dict):
        if not isinstance(received, dict):
            problems = [f"expected a dict with keys {sorted(expected)}, received {received!r}"]
            right = 0
        else:
            problems = []
            for key, want in expected.items():
                if key not in received:
                    problems.append(f"{key!r}: missing")
                else:
                    problem = _answer_problem(received[key], want)
                    if problem:
                        problems.append(f"{key!r}: {problem}")
            right = len(expected) - len(problems)
        n = len(expected)
    else:
        problem = _answer_problem(received, expected)
        problems, right, n = ([problem] if problem else []), (0 if problem else 1), 1
    return _report(what, problems, right, n, total)


def _positive(points) -> float:
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        raise ValueError(f"`points` must be a positive number or None. Received: points={points!r}")
    return float(points)


def _report(what: str, problems: list[str], right: int, n: int, total: float | None):
    if total is None:
        if problems:
            raise AssertionError(f"{what}: {n - right} of {n} wrong\n  " + "\n  ".join(problems))
        print(f"{what}: correct" if n == 1 else f"{what}: all {n} answers correct")
        return None
    earned = total * right / n
    for problem in problems:
        print(f"  wrong: {problem}")
    print(f"{what}: {right}/{n} right -> {earned:g} of {total:g} points")
    return float(earned)


def check_shape_answer(received, expected, *, what="output shape", points=None):
    """Check a predicted shape / parameter count, or a dict of named ones.

    Parameters
    ----------
    received : tuple, list, int or dict
        The learner's answer (lists are accepted for tuples).
    expected : tuple, int or dict
        The right answer; build it with :func:`expected_pool1d_shape` and friends
        to get hints naming typical wrong answers.
    what : str
        What is being predicted, used in messages.
    points : float or None
        None: strict mode (raise ``AssertionError`` when wrong). A number: return
        ``points * right_entries / entries``.

    Returns
    -------
    None (strict) or float (points earned).

    Examples
    --------
    >>> check_shape_answer([None, 3, 16], (None, 3, 16), what="shape after pooling")
    shape after pooling: correct
    """
    return _answer(received, expected, what, points)


def check_array_answer(received, expected, *, what, rtol=1e-5, atol=1e-6, points=None):
    """Check a hand-worked array (e.g. the output of pooling the sentence 'the boy will live').

    Parameters
    ----------
    received : array-like
        The learner's values (nested lists are fine).
    expected : array-like
    what : str
        What the values are, used in messages.
    rtol, atol : float
        Tolerances of ``np.isclose``.
    points : float or None
        None: strict mode. A number: all or nothing, returned as a float.

    Returns
    -------
    None (strict) or float (points earned).

    Examples
    --------
    >>> check_array_answer([[0.8, 0.4]], np.array([[0.8, 0.4]]), what="pooled values")
    pooled values: correct
    """
    total = None if points is None else _positive(points)
    expected = np.asarray(expected)
    try:
        got = np.asarray(received, dtype=float)
    except (TypeError, ValueError):
        problems = [f"expected an array of numbers, received {describe_input('answer', received)}"]
    else:
        problems = array_mismatch(got, expected.astype(float), rtol=rtol, atol=atol, what=what)
    return _report(what, problems, 0 if problems else 1, 1, total)


# --------------------------------------------------------------------------
# the format of an answer (what a visible test can check without giving it away)
# --------------------------------------------------------------------------
def _format_problem(received, like) -> str | None:
    """Why ``received`` does not have the form ``like`` (None when it does)."""
    if isinstance(received, np.ndarray):
        received = received.tolist()
    if like is int or like is None:
        if received is None and like is None:
            return None
        if isinstance(received, numbers.Integral) and not isinstance(received, bool):
            return None
        wanted = "a whole number (or None)" if like is None else "a whole number (an int)"
        return f"expected {wanted}, received {received!r:.60}"
    if like is float:
        if isinstance(received, numbers.Real) and not isinstance(received, bool):
            return None
        return f"expected a number, received {received!r:.60}"
    if isinstance(like, list) and len(like) == 1:  # a tuple of any length
        if not isinstance(received, tuple | list):
            return f"expected a tuple, received {received!r:.60}"
        for i, got in enumerate(received):
            problem = _format_problem(got, like[0])
            if problem:
                return f"entry {i}: {problem}"
        return None
    if isinstance(like, tuple):
        if not isinstance(received, tuple | list):
            return f"expected a tuple of {len(like)} entries, received {received!r:.60}"
        if len(received) != len(like):
            return f"expected {len(like)} entries, received {len(received)}: {received!r:.60}"
        for i, (got, want) in enumerate(zip(received, like, strict=True)):
            problem = _format_problem(got, want)
            if problem:
                return f"entry {i}: {problem}"
        return None
    raise TypeError(f"unknown format {like!r}: use int, float, None, [form] or tuples of them")


def check_answer_format(received, like, *, what, points=None):
    """Check the form of an answer (keys, tuple lengths, whole numbers), not its values.

    Parameters
    ----------
    received : object
        The learner's answer.
    like : dict, tuple, int, float or None
        The form: ``int`` a whole number, ``None`` a whole number or None (a batch
        size), ``float`` any number, a tuple of forms a tuple (or list) of as many
        entries, ``[form]`` a tuple (or list) of any length whose entries have that
        form; a dict: the same keys, each with its form.
    what : str
        What the answer is, used in messages.
    points : float or None
        None: strict mode. A number: a dict answer earns ``points * right_keys / keys``,
        anything else all or nothing.

    Returns
    -------
    None (strict) or float (points earned).

    Examples
    --------
    >>> check_answer_format({"a": (10, 3, 10)}, {"a": (None, int, int)}, what="shapes")
    shapes: correct
    """
    total = None if points is None else _positive(points)
    if isinstance(like, dict):
        if not isinstance(received, dict):
            problems = [f"expected a dict with keys {sorted(like)}, received {received!r:.60}"]
            return _report(what, problems, 0, len(like), total)
        problems = [f"{key!r}: missing" for key in like if key not in received]
        problems += [f"{key!r}: not asked for" for key in received if key not in like]
        right = 0
        for key, form in like.items():
            if key in received:
                problem = _format_problem(received[key], form)
                if problem:
                    problems.append(f"{key!r}: {problem}")
                elif not any(p.startswith(f"{key!r}") for p in problems):
                    right += 1
        if any(key not in like for key in received):
            right = min(right, len(like) - 1)
        return _report(what, problems, max(right, 0), len(like), total)
    problem = _format_problem(received, like)
    return _report(what, [problem] if problem else [], 0 if problem else 1, 1, total)
