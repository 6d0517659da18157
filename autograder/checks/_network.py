"""check_softmax_cross_entropy: the loss of notebook 08's network, a table check.

``softmax_cross_entropy(logits, labels) -> (loss, grad_logits)``: the mean over the batch
of ``-log softmax(logits)[label]`` and its gradient ``(softmax - one_hot) / batch``. The
calls are listed here by group (as :mod:`autograder.checks._geometry` does for its
helpers) and run by :func:`autograder.checks._table.check_cases`; each call's ``about``
names the mistake it catches (the max-shift, the batch mean), so a failure says what to fix.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._table import check_cases, expect

__all__ = ["check_softmax_cross_entropy", "softmax_cross_entropy_reference"]

_NO_SHIFT = (
    "logits of 1000: without subtracting each row's max before np.exp, exp(1000) overflows "
    "(inf / inf = nan)"
)
_MEAN = "the loss is the MEAN over the batch, so its gradient is divided by the batch size"


def softmax_cross_entropy_reference(logits, labels):
    """``(loss, grad)``: mean softmax cross-entropy of ``logits`` (batch, classes), in float64."""
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels).astype(int)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1.0
    return float(-log_probs[rows, labels].mean()) + 0.0, grad / len(labels)  # no -0.0


def _packed(fn: Callable) -> Callable:
    """``fn``'s answer as one float64 row: ``[loss, *grad.ravel()]`` (plain data, comparable)."""

    def softmax_cross_entropy(logits, labels):
        loss, grad = fn(logits, labels)
        return np.concatenate([[float(loss)], np.asarray(grad, dtype=np.float64).ravel()])

    return softmax_cross_entropy


def _case(logits, labels, about: str):
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    loss, grad = softmax_cross_entropy_reference(logits, labels)
    about += " (compared as one row: [loss, *grad.ravel()])"
    return expect(logits, labels, returns=np.concatenate([[loss], grad.ravel()]), about=about)


def _table(seed: int = 8) -> dict:
    rng = np.random.default_rng(seed)
    random_logits = [rng.normal(scale=3.0, size=(n, c)) for n, c in [(5, 4), (7, 2), (3, 10)]]
    return {
        "examples": [
            _case(np.zeros((1, 3)), [2], "all logits equal: loss log(3), gradient 1/3 - one_hot"),
            _case([[2.0, 0.0]], [0], "one sequence, two classes, by hand"),
        ],
        "large_logits": [
            _case([[1000.0, 0.0], [0.0, 1000.0]], [0, 1], _NO_SHIFT),
            _case([[1000.0, 0.0]], [1], _NO_SHIFT + "; the right loss is 1000"),
        ],
        "batch_mean": [
            _case(np.tile([[1.0, -1.0, 0.5]], (4, 1)), [0, 0, 0, 0], _MEAN),
            _case([[0.0, 1.0], [3.0, 0.0], [0.5, 0.5]], [1, 1, 0], _MEAN),
        ],
        "random": [
            _case(z, rng.integers(0, z.shape[1], size=z.shape[0]), f"random logits {z.shape}")
            for z in random_logits
        ],
    }


def check_softmax_cross_entropy(fn: Callable, *, groups=None, points=None):
    """Check ``fn(logits, labels) -> (loss, grad_logits)`` against the mean cross-entropy.

    Parameters
    ----------
    fn : callable
        The learner's ``softmax_cross_entropy``.
    groups : list of str or None
        ``examples``, ``large_logits``, ``batch_mean``, ``random`` (default: all).
    points : float or None
        None: strict (``AssertionError`` at the first wrong call); a number: points earned.

    Returns
    -------
    None or float
    """
    return check_cases(
        _packed(fn), _table(), name="softmax_cross_entropy", groups=groups, points=points
    )
