"""What ``grade`` does around nbgrader so broken and hostile submissions are graded fairly.

The grading worker (:func:`autograder.grading.pipeline.grade_submission`) calls, for one
submission in its scratch course:

1. :func:`prepare_notebooks` before nbgrader: every submitted notebook copy is
   checked and repaired, or rejected (:mod:`autograder.grading.submission`);
2. :func:`configure_autograde` when it configures nbgrader's ``Autograde``:
   the submission runs in the sandboxed kernel with the time, memory and output
   limits of :class:`autograder.sandbox.kernels.Limits` (:mod:`autograder.sandbox.executor`);
3. :func:`after_autograde` before the feedback is generated: the executor's
   events and the sandbox's refusals become anomalies, and every autograded
   test cell gets the trusted verdict (:mod:`autograder.grading.trusted`): its
   points replace nbgrader's in the submission's private gradebook and it is
   shown in the feedback (what the learner's kernel printed never sets a score).

Anomaly kinds are grouped into the report's categories by :data:`CATEGORIES`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..sandbox.kernels import Limits

#: Report column of each anomaly kind (anything else is "other").
CATEGORIES = {
    "timeout": ("cell-timeout", "notebook-timeout", "timeout", "kernel-unresponsive"),
    "crash": ("kernel-died", "memory-error", "worker-died", "worker-error", "nbgrader-error"),
    "output": ("output-flood",),
    "tampered": ("tampered-cell", "missing-cell", "unknown-cell", "duplicate-cell",
                 "cells-reordered", "metadata-restored", "invalid-notebook"),
    "cheating": ("cheating-suspected", "hard-coded-suspected", "sandbox-denied",
                 "forbidden-call"),
    "rejected": ("rejected", "wrong-assignment", "unrecognised-file", "unknown-assignment",
                 "no-notebook", "bad-student-id", "missing-notebook"),
}  # fmt: skip


def category(kind: str) -> str:
    """The report column of an anomaly kind (``"other"`` when it has none)."""
    return next((name for name, kinds in CATEGORIES.items() if kind in kinds), "other")


def limits_from_job(job: dict) -> Limits:
    return Limits(**job["limits"]) if job.get("limits") else Limits()


def job_fields(limits: Limits, deny: list[Path | str], seed: int | None = None) -> dict:
    """What :func:`autograder.grading.pipeline.grade` adds to each worker job.

    ``verdict_seed`` (default: fresh entropy, one per grading run) seeds the random
    cases of the verdict, so no fixed list of cases can be memorised.
    """
    import secrets

    return {
        "limits": asdict(limits),
        "deny": [str(p) for p in deny],
        "verdict_seed": secrets.randbits(31) if seed is None else int(seed),
    }


# --------------------------------------------------------------------------- before nbgrader


def prepare_notebooks(submitted: Path, job: dict) -> tuple[list[dict], bool]:
    """Check and repair the copies in ``submitted``; rejected notebooks are removed.

    Returns
    -------
    (anomalies, anything_left)
        ``anything_left`` is False when every notebook was rejected (then
        nbgrader is not run at all).
    """
    from .submission import prepare

    anomalies, left = [], 0
    solutions = Path(job["source"]).parent
    for nb_id, _ in job["notebooks"]:
        path = submitted / f"{nb_id}.ipynb"
        result = prepare(
            path,
            Path(job["release"]) / f"{nb_id}.ipynb",
            assignment=job["assignment"],
            solutions=solutions,
        )
        anomalies += result.anomalies
        if result.rejected:
            kind = "wrong-assignment" if "is the notebook of" in result.rejected else "rejected"
            anomalies.append({"kind": kind, "detail": result.rejected})
            path.unlink()
        else:
            left += 1
    return anomalies, left > 0


def configure_autograde(cfg, scratch: Path, job: dict) -> dict[str, Path]:
    """Sandboxed, bounded execution for ``Autograde`` (see :func:`sandbox.configure_autograde`)."""
    from ..sandbox import kernels as sandbox

    deny = [*job.get("deny", []), job["source"], str(Path(job["release"]).parent)]
    paths = sandbox.configure_autograde(cfg, scratch, limits_from_job(job), deny, job.get("zygote"))
    cfg.Autograde.autograde_preprocessors = [
        _kernel_scores_class() if p.__name__ == "SaveAutoGrades" else p
        for p in cfg.Autograde.autograde_preprocessors
    ]
    # the assignment's data files (not its notebooks) where the kernel runs
    for path in Path(job["source"]).rglob("*"):
        if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            dest = paths["work"] / path.relative_to(job["source"])
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(path.read_bytes())
    return paths


def _kernel_scores_class():
    """nbgrader's ``SaveAutoGrades``, except that a kernel output it cannot score counts 0.

    A test cell's output is the learner's to shape: one that shows more points
    than the cell has makes nbgrader raise ``ValueError`` and drop the whole
    submission. Here that cell is recorded as 0; the verdict
    (:func:`after_autograde`) decides the stored score in any case.
    """
    from nbgrader.preprocessors import SaveAutoGrades

    from ..sandbox.executor import error_output

    class SaveKernelScores(SaveAutoGrades):
        def _add_score(self, cell, resources) -> None:
            try:
                super()._add_score(cell, resources)
            except ValueError:
                outputs = cell.outputs
                cell.outputs = [error_output("UnscorableOutput", "not a score nbgrader accepts")]
                try:
                    super()._add_score(cell, resources)
                finally:
                    cell.outputs = outputs

    return SaveKernelScores


# --------------------------------------------------------------------------- after nbgrader


def _events(path: Path) -> list[dict]:
    out = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            detail = event["detail"]
            if event.get("notebook"):
                detail = f"{event['notebook']}: {detail}"
            out.append({"kind": event["kind"], "detail": detail})
    return out


def _forbidden_calls(notebook) -> list[dict]:
    """Grade-cell outputs saying the learner's function called Keras/TensorFlow/pooling_ref."""
    out = []
    for cell in notebook.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            text += str(output.get("evalue", ""))
            at = text.find("must be implemented in NumPy: it called")
            if at >= 0:
                line = text[at:].splitlines()[0]
                out.append({"kind": "forbidden-call", "detail": f"{gid}: {line[:200]}"})
                break
    return out


def _note(cell, text: str) -> None:
    """Put the grader's note first in a cell's outputs (it shows in the feedback)."""
    import nbformat

    cell.outputs.insert(0, nbformat.v4.new_output("stream", name="stdout", text=text))


def _verdict_note(verdict) -> str:
    """The feedback's account of one cell's verdict."""
    lines = [
        f"[grader] Verdict: {verdict.score:g} of {verdict.max_score:g} points. This test was run "
        "by the grader apart from your notebook (your functions in a separate process, fresh "
        "random cases); what the notebook printed below does not set the score."
    ]
    if verdict.zeroed:
        lines.append(f"  0 points: {verdict.zeroed}")
    lines += [f"  error in your code: {e}" for e in verdict.learner_errors[:5]]
    if verdict.output.strip():
        lines.append("  the test printed:")
        lines += [f"    {line}" for line in verdict.output.rstrip().splitlines()[:60]]
    if verdict.error:
        lines.append(f"  the test failed: {verdict.error[:1500]}")
    return "\n".join(lines) + "\n"


def _kernel_scores(db_url: str, nb_id: str, aid: str, student: str) -> dict:
    from nbgrader.api import Gradebook

    from ..course.assignments import COURSE_ID

    with Gradebook(db_url, COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(nb_id, aid, student)
        return {g.name: g.auto_score for g in notebook.grades}


def _store(db_url: str, nb_id: str, aid: str, student: str, scores: dict[str, float]) -> None:
    """Write the verdicts' points as the cells' auto scores (one transaction)."""
    from nbgrader.api import Gradebook

    from ..course.assignments import COURSE_ID

    with Gradebook(db_url, COURSE_ID) as gb:
        for grade_id, score in scores.items():
            grade = gb.find_grade(grade_id, nb_id, aid, student)
            grade.auto_score = score
        gb.db.commit()


def after_autograde(
    scratch: Path, paths: dict[str, Path], job: dict, db_url: str, *, trusted: bool = True
) -> list[dict]:
    """Anomalies of the run; the trusted verdict on every autograded test cell (stored).

    Parameters
    ----------
    scratch : path
        The scratch nbgrader course (``autograded/<student>/<assignment>/``).
    paths : dict
        What :func:`configure_autograde` returned.
    job : dict
        The worker job (student, assignment, notebooks, source, release, limits,
        ``verdict_seed``).
    db_url : str
        The submission's private gradebook: each test cell's auto score becomes
        the verdict's (:func:`autograder.grading.trusted.verdict_notebook`).
    trusted : bool
        Compute the verdict (False leaves nbgrader's scores: for tests of the kernel run).

    Raises
    ------
    autograder.grading.trusted.VerdictError
        A test cell the grader cannot run (imports Keras, needs a name nobody
        binds): an authoring error, reported as the submission's failure.
    """
    import nbformat

    from ..sandbox.policy import read_denials
    from .trusted import verdict_notebook

    student, aid = job["student"], job["assignment"]
    anomalies = _events(paths["events"])
    anomalies += [
        {"kind": "sandbox-denied", "detail": line} for line in read_denials(paths["denied"], 3)
    ]
    limits = limits_from_job(job)
    for nb_id, _ in job["notebooks"]:
        graded = scratch / "autograded" / student / aid / f"{nb_id}.ipynb"
        if not graded.is_file():
            continue
        notebook = nbformat.read(graded, as_version=4)
        anomalies += _forbidden_calls(notebook)
        if not trusted:
            continue
        kernel = _kernel_scores(db_url, nb_id, aid, student)
        verdicts, denied = verdict_notebook(
            graded,
            Path(job["source"]) / f"{nb_id}.ipynb",
            Path(job["release"]) / f"{nb_id}.ipynb",
            seed=job.get("verdict_seed"),
            cell_timeout=float(limits.cell_timeout),
            # the learner's code already had the notebook limit in the kernel: half of it
            # again here keeps a submission's worst case within the grader's submission limit
            budget=float(limits.notebook_timeout) / 2,
            call_timeout=min(20.0, float(limits.cell_timeout)),
            memory_mb=min(2048, int(limits.memory_mb)),
        )
        cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in notebook.cells}
        stored = {}
        for verdict in verdicts:
            if verdict.grade_id not in kernel:
                continue
            stored[verdict.grade_id] = verdict.score
            shown = kernel[verdict.grade_id]
            if shown is not None and shown > verdict.score + 1e-9 and not verdict.zeroed:
                anomalies.append(
                    {
                        "kind": "cheating-suspected",
                        "detail": f"{nb_id}/{verdict.grade_id}: {shown:g} of "
                        f"{verdict.max_score:g} points in the notebook, {verdict.score:g} in the "
                        "verdict (run apart from it, fresh random cases); the verdict counts"
                        + (f" ({denied[0]})" if denied else ""),
                    }
                )
            if verdict.grade_id in cells:
                _note(cells[verdict.grade_id], _verdict_note(verdict))
        _store(db_url, nb_id, aid, student, stored)
        nbformat.write(notebook, graded)
    return anomalies
