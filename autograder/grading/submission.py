"""Check and repair a submitted notebook before nbgrader grades it, or reject it.

nbgrader restores what it can of an edited notebook (locked cells and test
cells by checksum, points, cell types), but it crashes on, or silently
mis-grades, a number of things students really hand in. :func:`prepare`
handles them on the grader's *copy* of the submission (the original is never
touched), so that every notebook is either graded from the original tests or
rejected with a message an instructor can act on:

=============================================  ==========================================
what the student handed in                     what happens (anomaly kind)
=============================================  ==========================================
an empty file, invalid JSON, JSON that is not  rejected (``rejected``)
a notebook
another assignment's notebook                  rejected (``wrong-assignment``)
no nbgrader metadata (a tool dropped it)       metadata restored from the released
                                               notebook by cell id (``metadata-restored``),
                                               rejected when the ids are gone too
nbformat 3, or 4.x from another tool           converted / normalised by nbformat
test or locked cell deleted                    put back from the released notebook, so
                                               the original test runs (``missing-cell``)
cells moved                                    graded in the assignment's order; cells of
                                               the student's own stay after the cell they
                                               followed (``cells-reordered``)
locked cell edited                             reported; nbgrader restores it
                                               (``tampered-cell``)
points, grade/solution/locked flags or cell    restored from the released notebook
type of a cell changed                         (``tampered-cell``)
a grade id renamed or added                    the cell runs as an ordinary cell, ungraded;
                                               the original is put back (``unknown-cell``)
a grade id duplicated                          one cell keeps it (the unchanged locked one,
                                               else the last), the others run as ordinary
                                               cells (``duplicate-cell``)
=============================================  ==========================================
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

#: nbgrader metadata keys whose change alters grading (restored from the release).
_GRADING_KEYS = ("grade", "solution", "locked", "task", "points")


@dataclass
class Prepared:
    """What :func:`prepare` decided: ``rejected`` is a message, None when the notebook is graded."""

    rejected: str | None = None
    anomalies: list[dict] = field(default_factory=list)

    def add(self, kind: str, detail: str) -> None:
        self.anomalies.append({"kind": kind, "detail": detail})


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def _checksum(cell) -> str | None:
    from nbgrader import utils

    try:
        return utils.compute_checksum(cell)
    except Exception:
        return None


def _read(path: Path, result: Prepared) -> nbformat.NotebookNode | None:
    """The submission as an nbformat 4 notebook, or None (``result.rejected`` says why)."""
    data = path.read_bytes()
    name = path.name
    if not data.strip():
        result.rejected = f"{name}: the file is empty ({len(data)} bytes); nothing to grade"
        return None
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        result.rejected = f"{name}: not valid JSON ({err}); the file is damaged or truncated"
        return None
    if not isinstance(raw, dict) or not ({"cells", "worksheets"} & set(raw)):
        result.rejected = f"{name}: JSON, but not a Jupyter notebook (no cells)"
        return None
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as err:
        result.rejected = f"{name}: nbformat cannot read it ({type(err).__name__}: {err})"[:400]
        return None
    for cell in nb.cells:  # what some tools leave out
        cell.setdefault("metadata", nbformat.NotebookNode())
        if not isinstance(cell.source, str):
            cell.source = "".join(cell.source)
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    return nb


def _assignment_ids(solutions: Path) -> dict[str, set[str]]:
    """``{"<assignment>/<notebook>": grade ids}`` of every notebook under ``solutions``."""
    out = {}
    for path in sorted(Path(solutions).glob("*/*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            continue
        ids = {_grade_id(c) for c in nb.cells} - {None}
        out[f"{path.parent.name}/{path.stem}"] = ids
    return out


def _restore_metadata_by_cell_id(nb, release, result: Prepared) -> bool:
    """Give cells without nbgrader metadata the released cell's, matched by cell id."""
    by_id = {c.get("id"): c for c in release.cells if _grade_id(c) and c.get("id")}
    restored = 0
    for cell in nb.cells:
        source = by_id.get(cell.get("id"))
        if source is not None and _grade_id(cell) is None:
            cell.metadata["nbgrader"] = copy.deepcopy(source.metadata["nbgrader"])
            restored += 1
    if restored:
        result.add(
            "metadata-restored",
            f"{restored} cell(s) had lost their nbgrader metadata (saved by another tool?); "
            "restored from the released notebook by cell id",
        )
    return restored > 0


def _strip(cell) -> None:
    cell.metadata.pop("nbgrader", None)


def _pick_duplicates(nb, release_cells: dict, result: Prepared) -> None:
    """One cell per grade id: the unchanged locked one, else the last; the others made ordinary."""
    positions: dict[str, list[int]] = {}
    for i, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid is not None:
            positions.setdefault(gid, []).append(i)
    for gid, where in positions.items():
        if len(where) < 2:
            continue
        original = release_cells.get(gid)
        want = _checksum(original) if original is not None else None
        keep = next((i for i in where if want and _checksum(nb.cells[i]) == want), where[-1])
        for i in where:
            if i != keep:
                _strip(nb.cells[i])
        result.add(
            "duplicate-cell",
            f"grade id {gid!r} on {len(where)} cells; one kept, the others run as ordinary cells",
        )


def _restore_grading_metadata(cell, original, gid: str, result: Prepared) -> None:
    """Cell type and grading metadata as released; report what differed."""
    changes = []
    if cell.cell_type != original.cell_type:
        changes.append(f"cell type {original.cell_type} -> {cell.cell_type}")
        cell.cell_type = original.cell_type
        if cell.cell_type == "code":
            cell["outputs"], cell["execution_count"] = [], None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    mine, theirs = cell.metadata["nbgrader"], original.metadata["nbgrader"]
    for key in _GRADING_KEYS:
        if mine.get(key) != theirs.get(key):
            changes.append(f"{key} {theirs.get(key)!r} -> {mine.get(key)!r}")
    if changes:
        result.add("tampered-cell", f"cell {gid}: {', '.join(changes)}; restored as released")
    cell.metadata["nbgrader"] = copy.deepcopy(theirs)
    if theirs.get("locked") and _checksum(cell) != _checksum(original):
        result.add("tampered-cell", f"cell {gid}: locked cell edited; the original is run")


def _reassemble(nb, release, result: Prepared) -> None:
    """Known cells in the released order (missing ones put back), the student's own after theirs."""
    from nbgrader import utils

    order = {_grade_id(c): i for i, c in enumerate(release.cells) if _grade_id(c)}
    groups: list[tuple[float, list]] = []
    current: list = []
    key = -1.0
    seen = []
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid is None:
            current.append(cell)
            continue
        groups.append((key, current))
        key, current = float(order[gid]), [cell]
        seen.append(order[gid])
    groups.append((key, current))
    if seen != sorted(seen):
        result.add("cells-reordered", "cells were moved; graded in the assignment's order")
    present = {_grade_id(c) for c in nb.cells}
    cell_ids = {c.get("id") for c in nb.cells}
    for gid, i in order.items():
        if gid in present:
            continue
        cell = release.cells[i]
        if utils.is_grade(cell) or utils.is_locked(cell):
            cell = copy.deepcopy(cell)
            if cell.get("id") in cell_ids:  # the student's cell kept the id
                cell["id"] = f"{cell['id']}-restored"[:64]
            groups.append((float(i), [cell]))
            what = (
                "answer"
                if utils.is_solution(cell)
                else "test"
                if utils.is_grade(cell)
                else "locked"
            )
            result.add("missing-cell", f"{what} cell {gid} deleted; put back as released")
        else:
            result.add("missing-cell", f"answer cell {gid} deleted (not put back)")
    groups.sort(key=lambda g: g[0])  # stable: the student's leading cells stay first
    nb.cells = [cell for _, cells in groups for cell in cells]


def prepare(
    submitted: Path, released: Path, *, assignment: str, solutions: Path | None = None
) -> Prepared:
    """Check ``submitted`` against the released notebook; repair it in place or reject it.

    Parameters
    ----------
    submitted : path
        The grader's copy of the submitted notebook (rewritten in place).
    released : path
        The student version of the same notebook, as generated (cells, ids, metadata).
    assignment : str
        The assignment it was submitted for (used in messages).
    solutions : path, optional
        The course's ``solutions/`` folder: recognises another assignment's notebook.

    Returns
    -------
    Prepared
        ``rejected`` (a message) or None, and the anomalies found.

    Examples
    --------
    >>> prepare(Path("empty.ipynb"), Path("rel.ipynb"), assignment="a").rejected  # doctest: +SKIP
    'empty.ipynb: the file is empty (0 bytes); nothing to grade'
    """
    result = Prepared()
    nb = _read(Path(submitted), result)
    if nb is None:
        return result
    release = nbformat.read(released, as_version=4)
    release_cells = {_grade_id(c): c for c in release.cells if _grade_id(c)}
    ids = {_grade_id(c) for c in nb.cells} - {None}

    if not ids & set(release_cells):
        others = _assignment_ids(solutions) if solutions else {}
        best = max(others.items(), key=lambda kv: len(kv[1] & ids), default=(None, set()))
        if best[0] and best[1] & ids and not best[0].startswith(f"{assignment}/"):
            result.rejected = (
                f"{Path(submitted).name}: this is the notebook of {best[0].split('/')[0]}, "
                f"submitted as {assignment}; nothing graded"
            )
            return result
        if ids or not _restore_metadata_by_cell_id(nb, release, result):
            result.rejected = (
                f"{Path(submitted).name}: none of the cells of {assignment} are in it "
                "(another notebook, or saved by a tool that removed the nbgrader metadata "
                "and the cell ids); grade by hand or ask for a resubmission"
            )
            return result

    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid is None:
            continue
        if gid not in release_cells:
            result.add(
                "unknown-cell",
                f"cell with grade id {gid!r} is not in the assignment (renamed or added); "
                "run as an ordinary cell, not graded",
            )
            _strip(cell)
    _pick_duplicates(nb, release_cells, result)
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid is not None:
            _restore_grading_metadata(cell, release_cells[gid], gid, result)
    _reassemble(nb, release, result)
    nb.metadata["kernelspec"] = copy.deepcopy(release.metadata.get("kernelspec", {}))
    nbformat.write(nb, submitted)
    return result
