"""The score of a test cell whose parts may or may not all run.

A test cell has a visible part (in the learner's notebook) and a hidden part
(added back at grading). If each part simply returned its share of the points,
a learner whose every visible answer is right would see less than full points
and nbgrader's Validate would report a failure. :class:`Score` instead adds up
the parts that ran and scales them to the cell's points::

    score = Score(points=2)
    score.add(check_max_pool1d, max_pool1d, groups=["examples", "valid"], points=1)
    ### BEGIN HIDDEN TESTS
    score.add(check_max_pool1d, max_pool1d, groups=["same", "random"], points=1)
    ### END HIDDEN TESTS
    score.total()

In the learner's notebook (hidden part stripped) a right answer shows 2 of 2;
at grading the hidden part counts too: ``points * earned / possible`` over
every part that ran, so partial credit by case group is kept.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
    return float(value)


class Score:
    """Points of one test cell: the parts that ran, scaled to the cell's points.

    Parameters
    ----------
    points : float
        The cell's points (its nbgrader ``points``).

    Examples
    --------
    >>> score = Score(points=2)
    >>> score.add_points(1.0, out_of=1)
    1.0
    >>> score.total()
    2.0
    >>> score.add_points(0.0, out_of=1)
    0.0
    >>> score.total()
    1.0
    """

    def __init__(self, points):
        self.points = _positive(points, "points")
        self.earned = 0.0
        self.possible = 0.0

    def add(self, check: Callable, *args, points, **kwargs) -> float:
        """Run ``check(*args, points=points, **kwargs)`` and count it as a part worth ``points``.

        Parameters
        ----------
        check : callable
            A check of :mod:`autograder.checks` in points mode (it returns the points
            earned, never more than ``points``).
        *args, **kwargs
            Passed to ``check``.
        points : float
            Weight of this part (the cell's points are shared in proportion).

        Returns
        -------
        float
            The points this part earned (out of ``points``).
        """
        weight = _positive(points, "points")
        earned = check(*args, points=weight, **kwargs)
        return self.add_points(earned, out_of=weight)

    def add_points(self, earned, *, out_of) -> float:
        """Count a part that earned ``earned`` of ``out_of`` points.

        A value that is not a number between 0 and ``out_of`` counts as 0.
        """
        weight = _positive(out_of, "out_of")
        value = 0.0
        if isinstance(earned, numbers.Real) and not isinstance(earned, bool):
            value = float(earned)
            if not 0.0 <= value <= weight:  # NaN fails both comparisons
                value = 0.0
        self.earned += value
        self.possible += weight
        return value

    def total(self) -> float:
        """``points * earned / possible`` over the parts that ran (0.0 when none ran)."""
        if self.possible <= 0:
            return 0.0
        return float(round(self.points * self.earned / self.possible, 10))

    def __repr__(self) -> str:
        return (
            f"Score(points={self.points:g}): {self.earned:g} of {self.possible:g} "
            f"-> {self.total():g}"
        )
