"""Look-alike submissions: pairs of learners whose implementation cells are suspiciously similar.

The measure is copydetect's (the winnowing fingerprints of MOSS, Schleimer et
al. 2003): the code is tokenised with Pygments, every name becomes ``V`` (a
function name ``F``), strings ``S``, and comments and whitespace are dropped,
so renaming variables, re-indenting or re-commenting changes nothing. Each
k-gram of what is left is hashed; the similarity of code A to code B is the
share of A's tokens covered by k-grams B also has.

* The starter code of the cell (its source as released, from the gradebook:
  signature, docstring, ``raise NotImplementedError()``) is copydetect's
  *boilerplate*: its k-grams are removed from every learner's fingerprints,
  so the whole class does not "match" the handout.
* Only implementation cells (solution cells whose starter defines a function)
  are compared, and only learners who wrote enough of their own there
  (:data:`MIN_TOKENS` characters of fingerprinted code beyond the starter).
* A pair is flagged when *both* directions are at least ``threshold``
  (default :data:`THRESHOLD`): each cell is mostly the other's code. A short
  answer inside a longer one is not flagged.

A flag is never a penalty: the report shows the two cells side by side and the
instructor decides.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ._csv import write_csv
from .classdata import NotebookData

#: k: characters of filtered code per fingerprint (copydetect's noise threshold; the
#: filtered code is about one character per name, so 20 is roughly 8-12 tokens).
NOISE = 20
#: copydetect's guarantee threshold: any match this long is found (window = G - k + 1).
GUARANTEE = 24
#: Both directions of a pair must reach this share of their fingerprinted code.
THRESHOLD = 0.6
#: Learners with less fingerprinted code of their own in a cell are not compared there.
MIN_TOKENS = 40
#: Characters of a cell fingerprinted at most (a pasted megabyte must not stall the report).
MAX_CHARS = 50_000


@dataclass(frozen=True)
class LookAlike:
    """Two learners' versions of one implementation cell, and how much of each the other covers."""

    assignment: str
    notebook: str
    cell: str
    first: str
    second: str
    similarity: tuple[float, float]
    code: tuple[str, str]
    #: (start, end) character spans of each code that the other shares (copydetect's slices)
    shared: tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]] = ((), ())

    @property
    def score(self) -> float:
        """The smaller direction: how much of *either* cell is shared, at least."""
        return min(self.similarity)


def _fingerprint(code: str, boilerplate=None, *, window: int | None = None):
    from copydetect import CodeFingerprint

    win = GUARANTEE - NOISE + 1 if window is None else window
    return CodeFingerprint(
        "cell.py", NOISE, win, boilerplate=boilerplate, language="python", fp=io.StringIO(code)
    )


def _silence_copydetect() -> None:
    import logging

    logging.getLogger("copydetect").setLevel(logging.ERROR)


def similarity(first: str, second: str, starter: str = "") -> tuple[float, float]:
    """(share of ``first`` covered by ``second``, and the reverse), ``starter`` excluded.

    Examples
    --------
    >>> a = "def f(x):\\n    t = 0\\n    for v in x:\\n        t += v * v\\n    return t"
    >>> b = "def g(y):\\n    s = 0\\n    for w in y:  # a comment\\n        s += w*w\\n    return s"
    >>> similarity(a, b)
    (1.0, 1.0)
    """
    from copydetect import compare_files

    _silence_copydetect()
    boilerplate = _boilerplate(starter)
    one, two = _fingerprint(first, boilerplate), _fingerprint(second, boilerplate)
    if not one.token_coverage or not two.token_coverage:
        return (0.0, 0.0)
    _, (a, b), _ = compare_files(one, two)
    return (float(a), float(b))


def _boilerplate(starter: str):
    import numpy as np

    if not starter.strip():
        return None
    return np.unique(np.array(list(_fingerprint(starter, window=1).hashes), dtype=np.int64))


def look_alikes(notebooks: Iterable[NotebookData], threshold: float = THRESHOLD) -> list[LookAlike]:
    """Flagged pairs over every implementation cell, most similar first."""
    from copydetect import compare_files

    _silence_copydetect()
    found = []
    for data in notebooks:
        for cell in data.implementation_cells():
            boilerplate = _boilerplate(data.starter[cell])
            prints = []
            for learner in data.learners:
                code = learner.code.get(cell)
                if code is None or code.strip() == data.starter[cell].strip():
                    continue
                fp = _fingerprint(code[:MAX_CHARS], boilerplate)
                if fp.token_coverage >= MIN_TOKENS:
                    prints.append((learner.student, code, fp))
            for (s1, c1, f1), (s2, c2, f2) in itertools.combinations(prints, 2):
                _, (a, b), (slices1, slices2) = compare_files(f1, f2)
                if min(a, b) >= threshold:
                    found.append(
                        LookAlike(
                            data.assignment,
                            data.notebook,
                            cell,
                            s1,
                            s2,
                            (float(a), float(b)),
                            (c1, c2),
                            (_spans(slices1), _spans(slices2)),
                        )
                    )
    found.sort(key=lambda p: (-p.score, p.assignment, p.notebook, p.cell, p.first, p.second))
    return found


def _spans(slices) -> tuple[tuple[int, int], ...]:
    """copydetect's 2 x N (starts, ends) array as ``((start, end), ...)``; () when empty."""
    import numpy as np

    array = np.asarray(slices)
    if array.ndim != 2 or array.shape[0] != 2:
        return ()
    return tuple((int(a), int(b)) for a, b in zip(array[0], array[1], strict=True))


def write_look_alikes_csv(pairs: Iterable[LookAlike], path: Path) -> Path:
    """``look_alikes.csv``: assignment, notebook, cell, the two learners, both similarities."""
    header = [
        "assignment",
        "notebook",
        "cell",
        "first",
        "second",
        "score",
        "first_covered",
        "second_covered",
    ]
    return write_csv(
        path,
        header,
        (
            [
                p.assignment,
                p.notebook,
                p.cell,
                p.first,
                p.second,
                f"{p.score:.2f}",
                f"{p.similarity[0]:.2f}",
                f"{p.similarity[1]:.2f}",
            ]
            for p in pairs
        ),
    )
