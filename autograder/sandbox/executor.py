"""nbgrader's ``Execute`` preprocessor, bounded: what one submission can cost the grader.

:class:`BoundedExecute` replaces ``Execute`` in nbgrader's autograde
preprocessors (``Autograde.autograde_preprocessors``). On top of nbgrader's
per-cell timeout (which interrupts the kernel and records a
``CellTimeoutError`` in that cell only) it guarantees:

* **a whole-notebook wall-clock limit** (``notebook_timeout``): each cell's
  timeout is cut to the time left; once it is spent, the cells not yet run get
  a ``NotebookTimeLimit`` error output (0 points) and are not executed;
* **a dead kernel costs only the cells not yet run**: ``os._exit``, a
  segfault or running out of memory under the sandbox's limit kill the kernel;
  nbclient would abort the whole notebook (and nbgrader record nothing), here
  the cell that was running gets a ``KernelDied`` error and the remaining cells
  a ``KernelDied`` error too, and grading goes on;
* **a wedged kernel** (one that ignores the timeout's interrupt, e.g. a
  learner's ``signal.signal(SIGINT, SIG_IGN)`` or a long C call) is killed
  after ``responsive_timeout`` seconds, like a dead one;
* **bounded output**: a cell keeps at most ``max_output_bytes`` of output
  (text is cut, a note says so; error outputs are kept, shortened), so a cell
  printing megabytes cannot blow up the feedback, the gradebook or the
  grader's memory;
* **an integrity probe** before every grade cell (:mod:`autograder.sandbox.integrity`):
  when the testing machinery (builtins, the check functions, ``numpy.testing``,
  IPython's hooks) was changed by code run before the test, the grade cell gets
  an ``IntegrityError`` output (0 points) and the change is reported.

What happened is appended, one JSON object per line, to ``events_path``
(``{"kind": ..., "detail": ..., "cell": grade_id or index}``); the grader turns
these into anomalies.
"""

from __future__ import annotations

import json
import secrets
import time
from queue import Empty

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer, Unicode

from .integrity import BASELINE, START, parse_probe_reply, probe_expression

#: ``ename`` of the error outputs this preprocessor adds.
NOTEBOOK_TIME_LIMIT = "NotebookTimeLimit"
KERNEL_DIED = "KernelDied"
KERNEL_UNRESPONSIVE = "KernelUnresponsive"
INTEGRITY_ERROR = "IntegrityError"


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An nbformat error output (what nbgrader scores as a failed cell)."""
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=evalue,
        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"],
    )


def _text_size(value) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_text_size(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_text_size(v) for v in value)
    return 8


class BoundedExecute(Execute):
    """``Execute`` with a notebook time limit, crash recovery, output caps, an integrity probe."""

    notebook_timeout = Float(
        0.0, help="Wall-clock seconds for the whole notebook (0: no limit)."
    ).tag(config=True)
    max_output_bytes = Integer(
        100_000, help="Characters of text output one cell keeps (-1: no limit)."
    ).tag(config=True)
    max_image_bytes = Integer(
        8 * 2**20, help="Characters of image data (base64) one cell keeps."
    ).tag(config=True)
    responsive_timeout = Integer(
        15, help="Seconds a kernel has to answer again after a cell timed out."
    ).tag(config=True)
    integrity_probe = Bool(True, help="Probe the testing machinery before grade cells.").tag(
        config=True
    )
    events_path = Unicode("", help="File the events are appended to (JSON lines).").tag(config=True)

    # ------------------------------------------------------------------ bookkeeping
    def _event(self, kind: str, detail: str, cell=None) -> None:
        self.log.warning("%s: %s", kind, detail)
        if self.events_path:
            event = {"kind": kind, "detail": detail, "cell": cell, "notebook": self._notebook}
            with open(self.events_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(event) + "\n")

    @staticmethod
    def _name(cell, index: int) -> str:
        return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"

    def _remaining(self) -> float | None:
        return None if self._deadline is None else self._deadline - time.monotonic()

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        remaining = self._remaining()
        if remaining is not None and cell is not None:
            limit = max(1, int(remaining + 0.999))
            timeout = limit if timeout is None else min(timeout, limit)
        return timeout

    # ------------------------------------------------------------------ the run
    def preprocess(self, nb, resources=None, km=None):
        limit = self.notebook_timeout
        self._deadline = time.monotonic() + limit if limit and limit > 0 else None
        self._stopped: tuple[str, str] | None = None
        self._tampered: list[str] = []
        self._baseline = False
        self._output_used: dict[int, tuple[int, int]] = {}
        self._output_cut: set[int] = set()
        self._notebook = ((resources or {}).get("nbgrader") or {}).get("notebook")
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        name = self._name(cell, index)
        if self._stopped is None and self._remaining() is not None and self._remaining() <= 0:
            self._stopped = (
                NOTEBOOK_TIME_LIMIT,
                f"the notebook ran out of its {self.notebook_timeout:g} s time limit before "
                "this cell; it was not run",
            )
            self._event("notebook-timeout", f"time limit reached before {name}", name)
        if self._stopped is not None:
            cell.outputs = [error_output(*self._stopped)]
            return cell, resources
        if not self._baseline:
            self._baseline = True
            if self.integrity_probe:
                self._silent(BASELINE, {"r": START})
        if self.integrity_probe and utils.is_grade(cell) and not self._tampered:
            self._probe(name)
            if self._stopped is not None:
                cell.outputs = [error_output(*self._stopped)]
                return cell, resources

        start = time.monotonic()
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_gone(cell, name, "died")
            return cell, resources
        except CellTimeoutError:  # the kernel did not even go idle after the interrupt
            self._kill()
            self._kernel_gone(cell, name, "stopped answering")
            return cell, resources

        if any(o.get("ename") == "CellTimeoutError" for o in cell.outputs):
            seconds = time.monotonic() - start
            self._event("cell-timeout", f"{name} interrupted after {seconds:.0f} s", name)
            for output in cell.outputs:
                if output.get("ename") == "CellTimeoutError":
                    output.evalue = (
                        f"the cell ran for {seconds:.0f} s, longer than the grader allows "
                        "(per cell or what was left of the notebook's time), and was interrupted"
                    )
                    output.traceback = [f"CellTimeoutError: {output.evalue}"]
            if not self._responsive():
                self._kill()
                self._stopped = (
                    KERNEL_UNRESPONSIVE,
                    "the kernel did not recover from the interrupt of an earlier cell; "
                    "this cell was not run",
                )
                self._event("kernel-unresponsive", f"after {name} timed out", name)
        if any(o.get("ename") == "MemoryError" for o in cell.outputs):
            self._event("memory-error", f"{name} ran out of memory (the sandbox's limit)", name)
        if self._tampered and utils.is_grade(cell):
            cell.outputs.insert(  # first: nbgrader scores the first error or result it meets
                0,
                error_output(
                    INTEGRITY_ERROR,
                    "code run before this test changed the testing machinery ("
                    + "; ".join(self._tampered[:3])
                    + "), so this test cannot be trusted: 0 points, an instructor will look",
                ),
            )
        return cell, resources

    def _kernel_gone(self, cell, name: str, how: str) -> None:
        why = (
            "the kernel died while this cell ran (a crash, os._exit, or running out of "
            "the memory the grader allows)"
            if how == "died"
            else "the kernel stopped answering while this cell ran"
        )
        cell.outputs = [error_output(KERNEL_DIED, why), *cell.get("outputs", [])]
        self._stopped = (KERNEL_DIED, f"the kernel died in an earlier cell ({name}); not run")
        self._event("kernel-died", f"kernel {how} in {name}; the cells after it were not run", name)

    # ------------------------------------------------------------------ the kernel
    async def _async_silent(self, code: str, user_expressions: dict, seconds: float):
        """Run ``code`` silently; the execute reply's content, or None if none came in time."""
        msg_id = await ensure_async(
            self.kc.execute(
                code, silent=True, store_history=False, user_expressions=user_expressions
            )
        )
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=remaining))
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]

    _silent_sync = run_sync(_async_silent)

    def _silent(self, code: str, user_expressions: dict):
        return self._silent_sync(code, user_expressions, self.responsive_timeout + 30)

    def _responsive(self) -> bool:
        return self._silent_sync("pass", {}, self.responsive_timeout) is not None

    def _probe(self, name: str) -> None:
        nonce = secrets.token_hex(8)
        reply = self._silent("pass", {"r": probe_expression(nonce)})
        if reply is None:
            self._kill()
            self._stopped = (KERNEL_UNRESPONSIVE, "the kernel stopped answering; not run")
            self._event("kernel-unresponsive", f"before {name}", name)
            return
        changes = parse_probe_reply(reply, nonce)
        if changes is None:
            changes = ["the grader's integrity probe was blocked or answered wrongly"]
        if changes:
            self._tampered = changes
            self._event(
                "cheating-suspected",
                "the testing machinery was changed before "
                f"{name}: {'; '.join(changes[:5])}; this and every later test cell get 0",
                name,
            )

    def _kill(self) -> None:
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception as err:  # already gone
            self.log.warning("could not stop the kernel: %s", err)

    # ------------------------------------------------------------------ output caps
    def output(self, outs, msg, display_id, cell_index):
        kind = msg.get("msg_type")
        content = msg.get("content", {})
        if kind not in ("stream", "display_data", "execute_result", "error") or (
            self.max_output_bytes < 0
        ):
            return super().output(outs, msg, display_id, cell_index)
        text, binary = _output_sizes(content)
        used_text, used_binary = self._output_used.get(cell_index, (0, 0))
        self._output_used[cell_index] = (used_text + text, used_binary + binary)
        text_left = self.max_output_bytes - used_text
        if text <= text_left and used_binary + binary <= self.max_image_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if kind in ("error", "execute_result"):  # kept, shortened: they decide the score
            _shorten(content)
            super().output(outs, msg, display_id, cell_index)
        elif kind == "stream" and text_left > 0:
            content["text"] = content.get("text", "")[:text_left]
            super().output(outs, msg, display_id, cell_index)
        if cell_index not in self._output_cut:
            self._output_cut.add(cell_index)
            note = {
                "msg_type": "stream",
                "parent_header": msg.get("parent_header", {}),
                "header": {"msg_type": "stream"},
                "content": {
                    "name": "stdout",
                    "text": f"\n[grader: output cut here, a cell keeps at most "
                    f"{self.max_output_bytes} characters of text and "
                    f"{self.max_image_bytes // 2**20} MB of images]\n",
                },
            }
            name = self._name(self.nb.cells[cell_index], cell_index)
            self._event("output-flood", f"{name} printed more output than a cell keeps", name)
            super().output(outs, note, None, cell_index)
        return None


def _output_sizes(content: dict) -> tuple[int, int]:
    """(characters of text, characters of image data) in an output message's content."""
    text = _text_size(content.get("text", "")) + _text_size(content.get("evalue", ""))
    text += _text_size(content.get("traceback", []))
    binary = 0
    for mime, value in (content.get("data") or {}).items():
        if mime.startswith("image/") or mime == "application/pdf":
            binary += _text_size(value)
        else:
            text += _text_size(value)
    return text, binary


def _shorten(content: dict, limit: int = 2000) -> None:
    """Cut an error or result to a readable size (images dropped, text kept short)."""
    if "evalue" in content:
        content["evalue"] = str(content["evalue"])[:limit]
    if "traceback" in content:
        content["traceback"] = [str(t)[:limit] for t in content["traceback"][-20:]]
    data = content.get("data")
    if isinstance(data, dict):
        content["data"] = {
            mime: (value[:limit] if isinstance(value, str) else value)
            for mime, value in data.items()
            if not mime.startswith("image/") and mime != "application/pdf"
        }
