"""The class insight page: one self-contained HTML file (inline CSS, plots as data URIs).

No script, no CDN, no network. Everything that comes from a learner (code,
student ids, hint texts) is escaped: learner code is shown, never trusted.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Sequence
from pathlib import Path

from .classdata import NotebookData
from .items import ItemRow
from .mistakes import MistakeRow
from .similarity import LookAlike

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { margin-top: 1.5em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; }
tr.flag td { background: #fdecea; }
.kind-mistake { color: #8a1c1c; font-weight: 600; } .kind-unexplained { color: #7a5b00; }
.note { color: #555; font-size: .9em; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.pair > div { min-width: 0; }
.pair pre { background: #f7f7f7; border: 1px solid #ddd; padding: .5em; overflow-x: auto;
            font-size: .8em; max-height: 40em; }
img { max-width: 100%; border: 1px solid #eee; }
mark { background: #ffe9a8; }
details { margin: .5em 0; } summary { cursor: pointer; font-weight: 600; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def _link(student: str, data: NotebookData, out: Path, dest: Path) -> str:
    feedback = out / "feedback" / student / data.assignment / f"{data.notebook}.html"
    if not feedback.is_file():
        return _e(student)
    href = os.path.relpath(feedback, dest)
    return f'<a href="{_e(href)}">{_e(student)}</a>'


def _marked(code: str, spans) -> str:
    """``code`` escaped, the shared ``(start, end)`` spans inside ``<mark>``."""
    parts, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(code))
        if start >= end:
            continue
        parts += [_e(code[at:start]), f"<mark>{_e(code[start:end])}</mark>"]
        at = end
    parts.append(_e(code[at:]))
    return "".join(parts)


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{_e(path.stem)}" src="data:image/png;base64,{data}">'


#: Look-alike pairs shown open; the rest are one click away (a class can have many).
OPEN_PAIRS = 5


def _pairs_table(pairs: Sequence[LookAlike]) -> str:
    """One row per pair of learners: how many cells are alike, the best score, links below."""
    by_learners: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(pairs):
        by_learners.setdefault((p.first, p.second), []).append(i)
    rows = sorted(by_learners.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out = ["<table><tr><th>learners</th><th>cells alike</th><th>best score</th><th>cells</th></tr>"]
    for (first, second), found in rows:
        links = ", ".join(f'<a href="#pair-{i}">{_e(pairs[i].cell)}</a>' for i in found)
        best = max(pairs[i].score for i in found)
        out.append(
            f"<tr><td>{_e(first)} and {_e(second)}</td><td class='num'>{len(found)}</td>"
            f"<td class='num'>{best:.2f}</td><td>{links}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def render_page(
    notebooks: Sequence[NotebookData],
    mistakes: Sequence[MistakeRow],
    items: Sequence[ItemRow],
    pairs: Sequence[LookAlike],
    plots: dict[tuple[str, str], Path],
    *,
    out: Path,
    dest: Path,
    source: str,
    threshold: float,
) -> str:
    """The whole page as a string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Class insight</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Class insight</h1>",
        f'<p class="note">From the gradebook {_e(source)} and the graded notebooks in '
        f"{_e(out / 'autograded')}. Learner names link to their feedback.</p>",
        "<ul>",
        '<li><a href="#mistakes">Mistake table</a></li>',
        '<li><a href="#items">Item analysis</a></li>',
        f'<li><a href="#lookalikes">Look-alike submissions</a> ({len(pairs)} pair(s))</li>',
        "</ul>",
        '<h2 id="mistakes">Mistake table</h2>',
        '<p class="note">Per notebook: how many learners hit each known mistake (named by the '
        "checks' hints), each failing case group, and each failure no known mistake explains. "
        "Most learners first; one example learner per row.</p>",
    ]
    for data in notebooks:
        rows = [
            r for r in mistakes if (r.assignment, r.notebook) == (data.assignment, data.notebook)
        ]
        parts.append(f"<h3>{_e(data.label)} ({len(data.learners)} learner(s))</h3>")
        if not rows:
            parts.append('<p class="note">No test cell lost points.</p>')
            continue
        parts.append(
            "<table><tr><th>learners</th><th>kind</th><th>what</th><th>description</th>"
            "<th>test cells</th><th>example</th></tr>"
        )
        for r in rows:
            parts.append(
                f'<tr><td class="num">{r.learners} / {r.submitted}</td>'
                f'<td class="kind-{_e(r.kind)}">{_e(r.kind)}</td><td>{_e(r.key)}</td>'
                f"<td>{_e(r.description)}</td><td>{_e(', '.join(r.cells))}</td>"
                f"<td>{_link(r.example, data, out, dest)}</td></tr>"
            )
        parts.append("</table>")

    parts += [
        '<h2 id="items">Item analysis</h2>',
        '<p class="note">Per graded cell: mean score, share of learners with full, partial and '
        "zero points, and discrimination (correlation of the cell's score with the rest of the "
        "notebook; empty when either is the same for everyone). Highlighted: cells nobody or "
        "everybody passes (full points).</p>",
    ]
    for data in notebooks:
        rows = [r for r in items if (r.assignment, r.notebook) == (data.assignment, data.notebook)]
        parts.append(f"<h3>{_e(data.label)}</h3>")
        parts.append(
            "<table><tr><th>cell</th><th>points</th><th>learners</th><th>mean</th><th>full</th>"
            "<th>partial</th><th>zero</th><th>discrimination</th><th>flag</th></tr>"
        )
        for r in rows:
            cls = ' class="flag"' if r.flag in ("nobody passes", "everybody passes") else ""
            parts.append(
                f"<tr{cls}><td>{_e(r.cell)}</td><td class='num'>{r.max_score:g}</td>"
                f"<td class='num'>{r.learners}</td><td class='num'>{_num(r.mean)}</td>"
                f"<td class='num'>{_pct(r.full)}</td><td class='num'>{_pct(r.partial)}</td>"
                f"<td class='num'>{_pct(r.zero)}</td><td class='num'>{_num(r.discrimination)}</td>"
                f"<td>{_e(r.flag)}</td></tr>"
            )
        parts.append("</table>")
        plot = plots.get((data.assignment, data.notebook))
        if plot is not None and plot.is_file():
            parts.append(_image(plot))

    parts += [
        '<h2 id="lookalikes">Look-alike submissions</h2>',
        '<p class="note">Pairs of learners whose implementation cells are mostly each other\'s '
        "code once names, whitespace and comments are normalised (copydetect's winnowing "
        "fingerprints; the starter code is left out; shared code is highlighted). Score: the "
        "smaller of the two shares "
        f"covered; pairs from {threshold:.0%} are shown. <b>A flag, not a verdict:</b> shared "
        "course material or a common idiom can make honest work alike. You decide.</p>",
    ]
    if not pairs:
        parts.append('<p class="note">No pair above the threshold.</p>')
    else:
        parts.append(_pairs_table(pairs))
    for i, p in enumerate(pairs):
        label = p.assignment if p.notebook == p.assignment else f"{p.assignment}/{p.notebook}"
        parts.append(
            f'<details id="pair-{i}"{" open" if i < OPEN_PAIRS else ""}><summary>'
            f"{_e(label)}, cell {_e(p.cell)}: <b>{_e(p.first)}</b> and <b>{_e(p.second)}</b> "
            f"(score {p.score:.2f})</summary>"
            f'<p class="note">{_e(p.first)}: {_pct(p.similarity[0])} of the code found in '
            f"{_e(p.second)}'s; {_e(p.second)}: {_pct(p.similarity[1])} found in "
            f"{_e(p.first)}'s.</p>"
            '<div class="pair">'
            f"<div><b>{_e(p.first)}</b><pre>{_marked(p.code[0], p.shared[0])}</pre></div>"
            f"<div><b>{_e(p.second)}</b><pre>{_marked(p.code[1], p.shared[1])}</pre></div>"
            "</div></details>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
