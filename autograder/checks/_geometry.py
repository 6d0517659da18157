"""Checks of the course's window-geometry helpers: ``pool_geometry`` (01), ``receptive_field`` (04).

Both are table checks (:func:`autograder.checks._table.check_cases`): named groups
of calls with their answers, computed here from pooling_ref's shape rules (whose
agreement with Keras the test suite establishes), with partial credit by group.
"""

from __future__ import annotations

import numpy as np

import pooling_ref
from pooling_ref._args import output_length, padding_amounts

from ._table import check_cases, expect


def _geometry(length, pool, stride=None, padding="valid") -> tuple[int, int, int]:
    stride = pool if stride is None else stride
    left, right = padding_amounts(length, pool, stride, padding)
    return (output_length(length, pool, stride, padding), int(left), int(right))


def pool_geometry_cases() -> dict[str, list]:
    """The calls of :func:`check_pool_geometry`, by group."""

    def e(*args, about=""):
        return expect(*args, returns=_geometry(*args), about=about)

    small = [
        e(length, pool, stride, padding)
        for length in range(1, 13)
        for pool in range(1, 7)
        for stride in range(1, 5)
        for padding in ("valid", "same")
        if not (padding == "valid" and pool > length)
    ]
    return {
        "examples": [
            e(4, 2, 1, "valid", about="the sentence example: 4 steps, windows of 2, stride 1"),
            e(6, 2, 2, "valid", about="6 steps, pool 2, stride 2: 3 windows"),
            e(5, 4, 1, "same", about="the lopsided example: 1 zero left, 2 right"),
        ],
        "strides_default": [
            e(6, 2, about="strides=None must mean strides = pool_size"),
            e(9, 3, None, "valid", about="strides=None must mean strides = pool_size"),
            e(5, 2, None, "same", about="strides=None with 'same'"),
        ],
        "case_insensitive": [
            expect(5, 2, 2, "SAME", returns=(3, 0, 1), about="padding is case-insensitive"),
            expect(6, 2, 2, "Valid", returns=(3, 0, 0), about="padding is case-insensitive"),
        ],
        "same_split": [
            e(5, 2, 2, "same", about="an odd total padding: the extra step goes right"),
            e(7, 4, 3, "same", about="total 3: 1 left, 2 right"),
            e(6, 3, 1, "same", about="total 2: 1 on each side"),
            e(9, 10, 1, "same", about="a window longer than the sequence"),
        ],
        "all_small": small,
    }


def check_pool_geometry(fn, *, groups=None, points=None):
    """Check ``pool_geometry(length, pool_size, strides=None, padding) -> (out, left, right)``.

    Groups: examples, strides_default, case_insensitive, same_split, all_small
    (every length 1-12, pool 1-6, stride 1-4, both paddings). Modes as every check
    (strict / ``points=N``); see :func:`autograder.checks._table.check_cases`.

    Examples
    --------
    >>> def pool_geometry(length, pool_size, strides=None, padding="valid"):
    ...     s = pool_size if strides is None else strides
    ...     if padding.lower() == "valid":
    ...         return (length - pool_size) // s + 1, 0, 0
    ...     out = -(-length // s)
    ...     total = max((out - 1) * s + pool_size - length, 0)
    ...     return out, total // 2, total - total // 2
    >>> check_pool_geometry(pool_geometry)
    pool_geometry: 528/528 calls right
    """
    return check_cases(fn, pool_geometry_cases(), name="pool_geometry", groups=groups,
                       points=points)  # fmt: skip


# --------------------------------------------------------------------------- receptive field
def impulse_receptive_field(stack, length: int = 200) -> int:
    """Input steps reaching output step 0 of a stack of Conv1D layers, measured with impulses.

    Each layer is a dict (``kernel_size``, optional ``strides``, ``dilation_rate``); the
    stack runs with all-ones kernels (pooling_ref.conv1d, 'valid') on one impulse per
    input step, and the field is last - first + 1 of the steps that reach output 0.

    Examples
    --------
    >>> impulse_receptive_field([{"kernel_size": 3, "strides": 2}, {"kernel_size": 3}])
    7
    """
    y = np.eye(length)[..., None]
    for layer in stack:
        k = int(layer["kernel_size"])
        y = pooling_ref.conv1d(
            y, np.ones((k, 1, 1)), strides=int(layer.get("strides", 1)),
            dilation_rate=int(layer.get("dilation_rate", 1)),
        )  # fmt: skip
    reached = np.flatnonzero(y[:, 0, 0])
    return int(reached[-1] - reached[0] + 1)


def _random_stacks(seed, n: int = 8) -> list[list[dict]]:
    rng = np.random.default_rng(seed)
    stacks = []
    for _ in range(n):
        stack = []
        for _ in range(int(rng.integers(1, 5))):
            layer = {"kernel_size": int(rng.integers(1, 6))}
            if rng.random() < 0.5:
                layer["strides"] = int(rng.integers(1, 4))
            else:
                layer["dilation_rate"] = int(rng.integers(1, 5))
            stack.append(layer)
        stacks.append(stack)
    return stacks


def receptive_field_cases(seed=None) -> dict[str, list]:
    """The calls of :func:`check_receptive_field` (``seed=None``: fresh random stacks)."""

    def e(stack, about=""):
        return expect(stack, returns=impulse_receptive_field(stack), about=about)

    return {
        "examples": [
            e([{"kernel_size": 2, "dilation_rate": d} for d in (1, 2, 4, 8)], "the WaveNet stack"),
            e([{"kernel_size": 3, "strides": 2}, {"kernel_size": 3}], "a strided stack"),
            e([{"kernel_size": 5}], "one layer: its kernel"),
        ],
        "ones": [e([{"kernel_size": 1}] * 3, "kernel_size=1 layers see one step")],
        "strides_and_dilation": [
            e([{"kernel_size": 3, "strides": 2}] * 3, "strides multiply the jump"),
            e([{"kernel_size": 2, "strides": 3}, {"kernel_size": 3, "dilation_rate": 2}],
              "dilation after a stride: (k - 1) * d * jump"),
            e([{"kernel_size": 3, "dilation_rate": 3}, {"kernel_size": 2, "strides": 2},
               {"kernel_size": 3}], "dilation, stride, plain"),
        ],
        "random": [e(stack, "a random stack") for stack in _random_stacks(seed)],
    }  # fmt: skip


def check_receptive_field(fn, *, groups=None, points=None, seed=None):
    """Check ``receptive_field(layers) -> int`` against impulses through pooling_ref.conv1d.

    Groups: examples, ones, strides_and_dilation, random (fresh random stacks unless
    ``seed`` is given). Modes as every check.

    Examples
    --------
    >>> def receptive_field(layers):
    ...     field, jump = 1, 1
    ...     for layer in layers:
    ...         field += (layer["kernel_size"] - 1) * layer.get("dilation_rate", 1) * jump
    ...         jump *= layer.get("strides", 1)
    ...     return field
    >>> check_receptive_field(receptive_field, seed=0)
    receptive_field: 15/15 calls right
    """
    return check_cases(fn, receptive_field_cases(seed), name="receptive_field", groups=groups,
                       points=points)  # fmt: skip
