"""Item analysis: how hard each graded cell was, and whether it separates strong from weak work.

Per grade cell, over the learners who submitted the notebook and have a score
for the cell (written answers awaiting the instructor are left out):

* ``mean``: the mean score; ``full``/``partial``/``zero``: the share of learners
  with all, some, or none of the points;
* ``discrimination``: the Pearson correlation between the cell's score and the
  rest of the notebook (the learner's total without this cell). Near 0 or
  negative: the cell does not go with the rest (a broken test, a trick
  question); undefined (None) when either side is the same for everyone.
* ``flag``: ``nobody passes`` (no learner has full points) or ``everybody passes``;
  ``N awaiting manual grading`` while some learners' written answers are ungraded (their
  cell is left out of the numbers until then), ``not graded yet`` when all are.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ._csv import write_csv
from .classdata import NotebookData


@dataclass(frozen=True)
class ItemRow:
    assignment: str
    notebook: str
    cell: str
    max_score: float
    learners: int  # learners with a score for this cell
    mean: float | None
    full: float | None
    partial: float | None
    zero: float | None
    discrimination: float | None
    flag: str

    @property
    def difficulty(self) -> float | None:
        """Mean score as a share of the cell's points (1: everybody earns everything)."""
        if self.mean is None or not self.max_score:
            return None
        return self.mean / self.max_score


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r of two equally long samples; None when either is constant or too short."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def item_analysis(notebooks: Iterable[NotebookData]) -> list[ItemRow]:
    """One :class:`ItemRow` per grade cell, in notebook order."""
    rows = []
    for data in notebooks:
        for cell in data.cells:
            scored = [
                (lr.scores[cell.name], lr.total - lr.scores[cell.name])
                for lr in data.learners
                if lr.scores.get(cell.name) is not None
            ]
            n = len(scored)
            if not n:
                rows.append(
                    ItemRow(
                        data.assignment,
                        data.notebook,
                        cell.name,
                        cell.max_score,
                        0,
                        None,
                        None,
                        None,
                        None,
                        None,
                        "not graded yet",
                    )
                )
                continue
            mine = [s for s, _ in scored]
            eps = 1e-9
            full = sum(s >= cell.max_score - eps for s in mine) / n
            zero = sum(s <= eps for s in mine) / n
            partial = sum(eps < s < cell.max_score - eps for s in mine) / n
            pending = len(data.learners) - n
            if pending:  # written answers still being graded: no verdict on the cell yet
                flag = f"{pending} awaiting manual grading"
            else:
                flag = "nobody passes" if full == 0 else "everybody passes" if full == 1 else ""
            rows.append(
                ItemRow(
                    data.assignment,
                    data.notebook,
                    cell.name,
                    cell.max_score,
                    n,
                    sum(mine) / n,
                    full,
                    partial,
                    zero,
                    pearson(mine, [r for _, r in scored]),
                    flag,
                )
            )
    return rows


def _fmt(x: float | None, digits: int = 2) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def write_items_csv(rows: Iterable[ItemRow], path: Path) -> Path:
    """``items.csv``: one row per grade cell."""
    header = [
        "assignment",
        "notebook",
        "cell",
        "max_score",
        "learners",
        "mean",
        "full",
        "partial",
        "zero",
        "discrimination",
        "flag",
    ]
    return write_csv(
        path,
        header,
        (
            [
                r.assignment,
                r.notebook,
                r.cell,
                f"{r.max_score:g}",
                r.learners,
                _fmt(r.mean, 3),
                _fmt(r.full),
                _fmt(r.partial),
                _fmt(r.zero),
                _fmt(r.discrimination),
                r.flag,
            ]
            for r in rows
        ),
    )


def plot_items(data: NotebookData, rows: list[ItemRow], path: Path) -> Path:
    """One PNG for a notebook: the score distribution, and per-cell difficulty bars."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    height = max(3.5, 0.32 * len(rows) + 1.2)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11, height), constrained_layout=True, width_ratios=(1, 1.4)
    )
    top = data.max_score or 1.0
    totals = [lr.total for lr in data.learners]
    left.hist(
        totals,
        bins=max(5, min(20, math.ceil(top))),
        range=(0, top),
        color="#4C72B0",
        edgecolor="white",
    )
    left.set_xlabel(f"score (max {top:g})")
    left.set_ylabel("learners")
    left.set_title(f"{data.label}: score distribution ({len(totals)} learners)", fontsize=10)
    left.yaxis.get_major_locator().set_params(integer=True)
    names = [r.cell for r in rows]
    values = [100 * (r.difficulty or 0.0) for r in rows]
    colours = [
        "#C44E52" if r.flag == "nobody passes" else "#8C8C8C" if r.flag else "#55A868" for r in rows
    ]
    ys = list(range(len(rows)))[::-1]
    right.barh(ys, values, color=colours)
    right.set_yticks(ys)
    right.set_yticklabels(names, fontsize=8)
    right.set_xlim(0, 100)
    right.set_xlabel("mean score, % of the cell's points (red: nobody passes, grey: flagged)")
    right.set_title("Per graded cell", fontsize=10)
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    os.replace(tmp, path)
    return path
