"""autograder.zygote: kernels forked from a process that has TensorFlow imported are the
same sandboxed kernels, die with their worker, and grade to the same scores.

One zygote is started for the module (it imports TensorFlow, ~4 s). Kernels are
run through nbclient with :class:`ZygoteKernelManager`, as nbgrader's executor
runs them while grading.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from fixtures.helpers import generated_toy_course
from nbclient import NotebookClient
from traitlets.config import Config

from autograder.course.samples import build_samples
from autograder.grading.pipeline import grade, thread_settings
from autograder.grading.report import autograde_results
from autograder.sandbox import bwrap, kernels, zygote

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not zygote.supported(), reason="forking kernels needs Linux pidfds"),
]


@pytest.fixture(scope="module")
def running_zygote():
    with zygote.Zygote({**os.environ, **thread_settings(1)}) as z:
        assert z.ready() is not None, "the zygote did not start"
        yield z


@pytest.fixture
def kernel_policy(tmp_path, monkeypatch):
    """Kernels are prepared in tmp_path (JUPYTER_PATH and the zygote restored afterwards)."""
    monkeypatch.setenv("JUPYTER_PATH", os.environ.get("JUPYTER_PATH", ""))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    yield tmp_path
    zygote.use(None)


_kernels = iter(range(10**6))


def run_cells(*sources: str, socket_path: str | None = None, scratch: Path) -> list[str]:
    """Run code cells in a new sandbox kernel (forked from the zygote at ``socket_path``, if
    given), as the grader does; the text each cell printed (or its error)."""
    _, name, options = kernels.prepare_sandboxed_kernel(
        scratch / f"k{next(_kernels)}", kernels.Limits(), [], socket_path
    )
    cfg = Config()
    for option, value in options.items():
        setattr(cfg.KernelManager, option, value)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(
        nb, kernel_name=name, timeout=60, allow_errors=True, config=cfg,
        kernel_manager_class=zygote.ZygoteKernelManager,
    ).execute()  # fmt: skip
    texts = []
    for cell in nb.cells:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        texts.append((text + " ".join(errors)).strip())
    return texts


PROBE = """
import json, os, sys, tempfile
print(json.dumps({
    "preloaded": "tensorflow" in sys.modules,
    "cwd": os.getcwd(),
    "home": os.environ["HOME"],
    "tmp": tempfile.gettempdir(),
    "no_pyc": sys.dont_write_bytecode,
    "env": sorted(set(os.environ) - {"JPY_PARENT_PID"}),
    "parent_poller": "JPY_PARENT_PID" in os.environ,
    "uid": os.getuid(),
}))
"""


def relative(seen: dict) -> dict:
    """``seen`` with the kernel's folders relative to its own folder (each kernel has one)."""
    folder = os.path.dirname(seen["cwd"])
    return {k: v.replace(folder, "<kernel>") if isinstance(v, str) else v for k, v in seen.items()}


def test_a_forked_kernel_is_the_sandboxed_kernel_with_tensorflow_already_imported(
    running_zygote, kernel_policy
):
    """Same folder, home, TMPDIR, flags and environment as a kernel started the usual way."""
    usual = relative(json.loads(run_cells(PROBE, scratch=kernel_policy)[0]))
    forked = json.loads(
        run_cells(PROBE, socket_path=running_zygote.socket_path, scratch=kernel_policy)[0]
    )
    assert forked["cwd"].startswith(os.path.dirname(running_zygote.socket_path).rsplit("/", 1)[0])
    forked = relative(forked)
    assert usual.pop("preloaded") is False
    assert forked.pop("preloaded") is True  # it came from the zygote
    # the kernel watches its worker itself (no JPY_PARENT_PID, whose poller would compare it
    # with the parent: the zygote, or the OS sandbox's init)
    assert usual.pop("parent_poller") is (not bwrap.active())
    assert forked.pop("parent_poller") is False
    assert forked == usual
    assert forked["cwd"] == "<kernel>/work"
    assert forked["tmp"] == "<kernel>/home/tmp"  # not the zygote's
    assert forked["no_pyc"] is True
    assert "PYTHONDONTWRITEBYTECODE" not in forked["env"]  # scrubbed, like any grader variable
    if bwrap.active():
        assert forked["uid"] == bwrap.UID != os.getuid()


def test_a_forked_kernel_cannot_reach_the_zygote(running_zygote, kernel_policy):
    path = running_zygote.socket_path
    out = run_cells(
        f"open({path!r}, 'rb')",
        f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect({path!r})",
        f"import os\nos.listdir({os.path.dirname(path)!r})",
        socket_path=path,
        scratch=kernel_policy,
    )
    assert all(text.startswith("PermissionError: grading sandbox") for text in out), out


def test_forked_kernels_get_their_own_random_seeds(running_zygote, kernel_policy):
    draw = "import random, numpy as np\nprint(random.random(), np.random.random())"
    one, two = (
        run_cells(draw, socket_path=running_zygote.socket_path, scratch=kernel_policy)[0]
        for _ in range(2)
    )
    assert one != two


def test_without_a_zygote_kernels_start_the_usual_way(kernel_policy, tmp_path):
    (tmp_path / "no-zygote" / "kernels").mkdir(parents=True)
    missing = str(tmp_path / "no-zygote" / "socket" / "zygote.sock")
    seen = json.loads(run_cells(PROBE, socket_path=missing, scratch=kernel_policy)[0])
    assert seen["preloaded"] is False
    assert zygote._socket_path is None  # later kernels do not try again


def test_the_handle_reports_a_kill_and_ignores_signals_after_the_end(
    running_zygote, kernel_policy, tmp_path
):
    kernel = start_idle_kernel(running_zygote, tmp_path)
    assert kernel.poll() is None
    kernel.kill()
    assert kernel.wait(timeout=10) == -signal.SIGKILL
    assert kernel.poll() == -signal.SIGKILL
    kernel.send_signal(signal.SIGINT)  # gone: nothing to signal, no error


def start_idle_kernel(running_zygote, tmp_path) -> zygote.ForkedKernel:
    from jupyter_client.connect import write_connection_file

    paths, _, _ = kernels.prepare_sandboxed_kernel(
        tmp_path, kernels.Limits(), [], running_zygote.socket_path
    )
    folder = paths["folder"]
    connection, _ = write_connection_file(str(folder / "kernel.json"))
    bwrap.give(connection)
    return zygote.fork_kernel(
        running_zygote.socket_path,
        [str(folder / "sandbox-policy.json"), "-f", connection],
        dict(os.environ),
        {"root": str(folder.parent), "own": str(folder)} if bwrap.active() else None,
    )


WORKER = """
import json, os, sys, time
from autograder.sandbox import bwrap, zygote
from jupyter_client.connect import write_connection_file
folder = sys.argv[2]
connection, _ = write_connection_file(os.path.join(folder, "kernel.json"))
bwrap.give(connection)
isolate = {"root": os.path.dirname(folder), "own": folder} if bwrap.active() else None
policy = os.path.join(folder, "sandbox-policy.json")
kernel = zygote.fork_kernel(sys.argv[1], [policy, "-f", connection], dict(os.environ), isolate)
print(kernel.pid, flush=True)
time.sleep(600)
"""


def test_a_kernel_dies_with_its_worker(running_zygote, kernel_policy, tmp_path):
    """The grader kills a worker's process group; the forked kernel is not in it."""
    paths, _, _ = kernels.prepare_sandboxed_kernel(
        tmp_path, kernels.Limits(), [], running_zygote.socket_path
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKER), running_zygote.socket_path,
         str(paths["folder"])],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        pid = int(worker.stdout.readline())
        assert alive(pid)
        worker.kill()
        worker.wait()
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pid)
    finally:
        worker.kill()


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for the zygote to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_grading_with_forked_kernels_gives_the_same_scores(tmp_path):
    course = generated_toy_course(tmp_path / "course")
    subs = tmp_path / "submissions"
    build_samples(course, subs)
    results = {}
    for forked in (True, False):
        db = f"sqlite:///{tmp_path / f'forked-{forked}.db'}"
        summary = grade(
            subs, course=course, jobs=2, db_url=db, out=tmp_path / f"out-{forked}",
            progress=False, fork_kernels=forked,
        )  # fmt: skip
        assert summary.ok and not summary.failed, summary.text()
        assert summary.anomalies == []
        results[forked] = autograde_results(db)
    assert results[True] == results[False]
    assert len(results[True]) > 10
