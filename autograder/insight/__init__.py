"""Class insight for the instructor: common mistakes, hardest cells, look-alike submissions.

Runs after ``grade`` and as ``python -m autograder report`` on a class graded
earlier. Reads only the gradebook (any SQLAlchemy URL) and the autograded
notebooks under ``<out>/autograded``; runs no learner code and imports nothing
of the sandbox. Writes to ``<out>/insight/``:

``report.html``      one self-contained page (the three parts below, plots inline)
``mistakes.csv``     per notebook, learners per named mistake, failing group, unexplained
                     failure (:mod:`autograder.insight.mistakes`)
``items.csv``        per grade cell: mean, full/partial/zero shares, discrimination, flag
                     (:mod:`autograder.insight.items`)
``items_<assignment>[_<notebook>].png``  score distribution and per-cell difficulty bars
``look_alikes.csv``  flagged pairs of learners per implementation cell
                     (:mod:`autograder.insight.similarity`)

Examples
--------
>>> from autograder.insight import build_report
>>> report = build_report("sqlite:///gradebook.db", "grading-output")  # doctest: +SKIP
>>> print(report.text())  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .classdata import NotebookData, read_class
from .html import render_page
from .items import ItemRow, item_analysis, plot_items, write_items_csv
from .mistakes import MistakeRow, mistake_table, parse_check_output, write_mistakes_csv
from .similarity import THRESHOLD, LookAlike, look_alikes, write_look_alikes_csv

__all__ = [
    "InsightReport",
    "build_report",
    "item_analysis",
    "look_alikes",
    "mistake_table",
    "parse_check_output",
    "read_class",
]


@dataclass
class InsightReport:
    """What :func:`build_report` found, and where it wrote it."""

    dest: Path
    html: Path
    notebooks: list[NotebookData]
    mistakes: list[MistakeRow]
    items: list[ItemRow]
    pairs: list[LookAlike]
    files: list[Path] = field(default_factory=list)

    def text(self, top: int = 3) -> str:
        """A few lines for the terminal: the most common mistakes, flagged cells, pairs."""
        learners = len({lr.student for nb in self.notebooks for lr in nb.learners})
        lines = [f"class insight ({len(self.notebooks)} notebook(s), {learners} learner(s)):"]
        named = sorted(  # the most common first; "never started" is not a mistake to teach
            (r for r in self.mistakes if r.kind == "mistake" and "not_implemented" not in r.key),
            key=lambda r: -r.learners,
        )[:top]
        for r in named:
            lines.append(f"  mistake  {r.learners}/{r.submitted}  {r.assignment}  {r.key}")
        flagged = [r for r in self.items if r.flag in ("nobody passes", "everybody passes")]
        for r in [r for r in flagged if r.flag == "nobody passes"][:top]:
            lines.append(f"  cell     nobody passes  {r.assignment}  {r.cell}")
        if len(flagged) > top:
            lines.append(f"  ({len(flagged)} flagged cell(s) in all)")
        lines.append(f"  look-alike pairs: {len(self.pairs)}")
        lines.append(f"  report: {self.html}")
        return "\n".join(lines)


def _plot_name(data: NotebookData) -> str:
    label = (
        data.assignment
        if data.notebook == data.assignment
        else (f"{data.assignment}_{data.notebook}")
    )
    return f"items_{label}.png"


def _safe_url(db_url: str) -> str:
    """The URL with any password hidden (it goes into an HTML page)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:
        return db_url.split("@")[-1]


def build_report(
    db_url: str,
    out: Path | str,
    *,
    assignments=None,
    dest: Path | str | None = None,
    threshold: float = THRESHOLD,
    autograded: Path | str | None = None,
) -> InsightReport:
    """Read a graded class and write the insight report.

    Parameters
    ----------
    db_url : str
        The gradebook, as an SQLAlchemy URL (SQLite or PostgreSQL).
    out : path
        ``grade``'s ``--out`` folder (its ``autograded/`` and ``feedback/`` are read).
    assignments : iterable of str, optional
        Report on these assignments only (default: every one in the gradebook).
    dest : path, optional
        Where the report goes (default ``<out>/insight``).
    threshold : float
        Look-alike pairs are flagged from this similarity on (0..1).
    autograded : path, optional
        Where the autograded notebooks are (default ``<out>/autograded``; ``grade``
        without ``--out`` puts them in the course's ``autograded/``).

    Returns
    -------
    InsightReport
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1]. Received: threshold={threshold!r}")
    out = Path(out).resolve()
    dest = Path(dest).resolve() if dest else out / "insight"
    dest.mkdir(parents=True, exist_ok=True)
    notebooks = [
        nb for nb in read_class(db_url, out, assignments, autograded=autograded) if nb.learners
    ]
    mistakes = mistake_table(notebooks)
    items = item_analysis(notebooks)
    pairs = look_alikes(notebooks, threshold)
    files = [
        write_mistakes_csv(mistakes, dest / "mistakes.csv"),
        write_items_csv(items, dest / "items.csv"),
        write_look_alikes_csv(pairs, dest / "look_alikes.csv"),
    ]
    plots = {}
    for data in notebooks:
        rows = [r for r in items if (r.assignment, r.notebook) == (data.assignment, data.notebook)]
        plots[(data.assignment, data.notebook)] = plot_items(data, rows, dest / _plot_name(data))
    files += plots.values()
    page = render_page(
        notebooks,
        mistakes,
        items,
        pairs,
        plots,
        out=out,
        dest=dest,
        source=_safe_url(db_url),
        threshold=threshold,
    )
    html_path = dest / "report.html"
    tmp = html_path.with_name(".report.html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(html_path)
    files.append(html_path)
    return InsightReport(dest, html_path, notebooks, mistakes, items, pairs, files)
