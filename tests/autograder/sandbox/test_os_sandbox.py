"""Red team: the OS sandbox (bubblewrap) holds where the audit hook does not.

Every attack goes through raw system calls (``ctypes`` -> libc ``syscall``, a
name the audit hook does not refuse), so the hook sees nothing: what stops it is
the mount, pid and network namespaces and the other uid. Each attack runs in a
kernel started the usual way, in a kernel forked from a (sandboxed) zygote, and
in the trusted re-check worker; each test asserts the thing really did not happen
(files unchanged and not read, no connection accepted, no signal received).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

import autograder
from autograder.course.assignments import REPO_ROOT
from autograder.grading.pipeline import thread_settings
from autograder.sandbox import bwrap, kernels, zygote
from autograder.sandbox.worker import CALLABLE, Worker

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bwrap.probe() is not None, reason=f"no OS sandbox: {bwrap.probe()}"),
    pytest.mark.skipif(os.uname().machine != "x86_64", reason="raw syscall numbers of x86_64"),
]

PACKAGES = Path(autograder.__file__).resolve().parent
SITE = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p, "numpy").is_dir()))

#: The attacker's code: raw syscalls only (openat, read, write, socket, connect, kill).
ATTACK = textwrap.dedent(
    """
    import ctypes, json, os, socket, struct

    def attack(spec):
        spec = json.loads(spec)
        libc = ctypes.CDLL(None, use_errno=True)
        sc = libc.syscall
        sc.restype = ctypes.c_long
        sc.argtypes = [ctypes.c_long] * 6

        def fail():
            return "errno %d" % ctypes.get_errno()

        keep = []

        def buffer(data):
            buf = ctypes.create_string_buffer(data, len(data))
            keep.append(buf)
            return ctypes.addressof(buf)

        out = {}
        for p in spec["read"]:
            raw = p.encode()
            keep.append(raw)
            fd = sc(257, -100, ctypes.cast(ctypes.c_char_p(raw), ctypes.c_void_p).value,
                    os.O_RDONLY, 0, 0)
            if fd < 0:
                out["read " + p] = fail()
                continue
            buf = ctypes.create_string_buffer(4096)
            n = sc(0, fd, ctypes.addressof(buf), 4095, 0, 0)
            sc(3, fd, 0, 0, 0, 0)
            out["read " + p] = "READ " + buf.raw[: max(n, 0)].decode("latin-1")
        for p in spec["write"]:
            raw = p.encode()
            keep.append(raw)
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            fd = sc(257, -100, ctypes.cast(ctypes.c_char_p(raw), ctypes.c_void_p).value,
                    flags, 0o644, 0)
            if fd < 0:
                out["write " + p] = fail()
                continue
            n = sc(1, fd, buffer(b"pwned"), 5, 0, 0)
            sc(3, fd, 0, 0, 0, 0)
            out["write " + p] = "WROTE %d" % n
        for host, port in spec["connect"]:
            fd = sc(41, 2, 1, 0, 0, 0)  # socket(AF_INET, SOCK_STREAM)
            if fd < 0:
                out["connect %s:%d" % (host, port)] = fail()
                continue
            addr = struct.pack("<H", 2) + struct.pack("!H", port) + socket.inet_aton(host)
            r = sc(42, fd, buffer(addr + bytes(8)), 16, 0, 0)
            out["connect %s:%d" % (host, port)] = fail() if r < 0 else "CONNECTED"
            sc(3, fd, 0, 0, 0, 0)
        for pid in spec["kill"]:
            if pid == os.getpid():
                continue  # not itself
            r = sc(62, pid, 10, 0, 0, 0)  # kill(pid, SIGUSR1)
            out["kill %d" % pid] = fail() if r < 0 else "SENT"
        return json.dumps(out)
    """
)


@pytest.fixture(scope="module")
def victims(tmp_path_factory):
    """The instructor's files an attacker wants: world-readable, so only the sandbox stops it."""
    root = tmp_path_factory.mktemp("instructor")
    files = {
        "solution": root / "course" / "solutions" / "01" / "01.ipynb",
        "gradebook": root / "course" / "gradebook.db",
        "submission": root / "submitted" / "alice" / "01" / "01.ipynb",
        "output": root / "grading-output" / "grades.csv",
        "private": root / "course" / "private.key",
    }
    for name, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"SECRET-{name}")
        path.chmod(0o600 if name == "private" else 0o644)
    for folder in {p.parent for p in files.values()} | {root}:
        folder.chmod(0o755)
    in_root = (
        sorted(p for p in Path("/root").iterdir() if p.is_file())
        if os.access("/root", os.R_OK)
        else []
    )
    return {"root": root, "files": files, "home_file": in_root[0] if in_root else None}


def _spec(victims, listener_port: int, extra_read=(), extra_write=(), kill=()) -> dict:
    files = victims["files"]
    read = [str(p) for p in files.values()]
    read += [
        str(REPO_ROOT / "pyproject.toml"),  # the repo beyond the installed packages
        str(PACKAGES / "course" / "data" / "sample_solutions.py"),  # sample solutions
        *[str(p) for p in sorted((REPO_ROOT / "solutions").glob("*/*.ipynb"))[:1]],
        "/etc/shadow",
        *extra_read,
    ]
    if victims["home_file"]:
        read.append(str(victims["home_file"]))
    write = [
        str(files["gradebook"]),
        str(files["solution"]),
        str(PACKAGES / "checks" / "__init__.py"),  # replace the checks on disk
        str(SITE / "poolcourse_redteam_pwned.py"),  # a module of our own in site-packages
        str(victims["root"] / "course" / "new-file"),
        *extra_write,
    ]
    return {
        "read": read,
        "write": write,
        "connect": [["127.0.0.1", listener_port], ["1.1.1.1", 53]],
        "kill": [os.getpid(), *kill],
    }


class Guard:
    """A listener on the host's loopback, a SIGUSR1 counter in the grader, files' bytes."""

    def __init__(self, watched: list[Path]):
        self.before = {p: p.read_bytes() if p.exists() else None for p in watched}
        self.received: list[int] = []
        self.old = signal.signal(signal.SIGUSR1, lambda *a: self.received.append(a[0]))
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]

    def changed(self) -> list[str]:
        """Files that changed (each is put back)."""
        out = []
        for path, data in self.before.items():
            now = path.read_bytes() if path.exists() else None
            if now != data:
                out.append(str(path))
                if data is None:
                    path.unlink()
                else:
                    path.write_bytes(data)
        return out

    def accepted(self) -> bool:
        try:
            conn, _ = self.listener.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def assert_nothing_happened(self, seen: dict) -> None:
        """The attack's own view (``seen``) and the grader's: nothing read, written, reached."""
        for kind in ("read ", "write ", "connect "):
            tried = {k: v for k, v in seen.items() if k.startswith(kind)}
            assert tried and all(v.startswith("errno") for v in tried.values()), tried
        assert not any("SECRET" in v for v in seen.values())
        assert self.changed() == []
        assert self.accepted() is False
        assert self.received == []

    def close(self) -> None:
        self.changed()
        signal.signal(signal.SIGUSR1, self.old)
        self.listener.close()


@pytest.fixture
def guard(victims):
    watched = [
        *victims["files"].values(),
        PACKAGES / "checks" / "__init__.py",
        SITE / "poolcourse_redteam_pwned.py",
        victims["root"] / "course" / "new-file",
    ]
    g = Guard(watched)
    yield g
    g.close()


# --------------------------------------------------------------------------- kernels


def _client(scratch: Path, socket_path: str | None, cells: list[str]) -> NotebookClient:
    _, name, options = kernels.prepare_sandboxed_kernel(scratch, kernels.Limits(), [], socket_path)
    cfg = Config()
    for option, value in options.items():
        setattr(cfg.KernelManager, option, value)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])
    return NotebookClient(
        nb, kernel_name=name, timeout=60, allow_errors=True, config=cfg,
        kernel_manager_class=zygote.ZygoteKernelManager,
    )  # fmt: skip


def _text(cell) -> str:
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
    return (text + " ".join(errors)).strip()


def _run_attack(scratch: Path, socket_path: str | None, spec: dict) -> dict:
    client = _client(scratch, socket_path, [ATTACK + f"\nprint(attack({json.dumps(spec)!r}))"])
    client.execute()
    text = _text(client.nb.cells[0])
    return json.loads(text.splitlines()[-1])


@pytest.fixture(scope="module")
def running_zygote():
    zygote.use(None)
    with zygote.Zygote({**os.environ, **thread_settings(1)}) as z:
        assert z.ready() is not None, "the zygote did not start"
        assert z.sandboxed
        yield z
    zygote.use(None)


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", os.environ.get("JUPYTER_PATH", ""))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    yield tmp_path
    zygote.use(None)


def test_a_kernel_started_the_usual_way_reaches_nothing(victims, guard, runtime):
    seen = _run_attack(runtime / "k", None, _spec(victims, guard.port))
    guard.assert_nothing_happened(seen)
    assert seen[f"kill {os.getpid()}"].startswith("errno")  # no such pid in its namespace


def test_a_forked_kernel_reaches_nothing(victims, guard, runtime, running_zygote):
    zygote_folder = Path(running_zygote.socket_path).parent.parent
    spec = _spec(
        victims,
        guard.port,
        extra_read=[running_zygote.socket_path, str(zygote_folder / "home" / "x")],
        extra_write=[str(zygote_folder / "home" / "numpy.py")],
    )
    seen = _run_attack(runtime / "k", running_zygote.socket_path, spec)
    guard.assert_nothing_happened(seen)
    assert not (zygote_folder / "home" / "numpy.py").exists()


def test_guard_is_real_when_the_attack_runs_outside_the_sandbox(victims, guard):
    """The attack itself works (the test can fail): run in the test's own process, it reads
    the solution and reaches the listener."""
    namespace: dict = {}
    exec(ATTACK, namespace)
    spec = {"read": [str(victims["files"]["solution"])], "write": [], "kill": [],
            "connect": [["127.0.0.1", guard.port]]}  # fmt: skip
    seen = json.loads(namespace["attack"](json.dumps(spec)))
    assert seen[f"read {victims['files']['solution']}"] == "READ SECRET-solution"
    assert seen[f"connect 127.0.0.1:{guard.port}"] == "CONNECTED"


def test_forked_kernels_cannot_reach_each_other(victims, runtime, running_zygote):
    """Kernel A attacks kernel B of the same zygote (same uid): B's folder, its /proc
    entries, signals to every pid A can see. B keeps its secret and hears nothing."""
    socket_path = running_zygote.socket_path
    b = _client(runtime / "b", socket_path, [
        "import os, signal\nheard = []\nsignal.signal(signal.SIGUSR1, lambda *a: heard.append(1))\n"
        "open('secret.txt', 'w').write('SECRET-of-B')\n"
        "print(os.getcwd(), os.readlink('/proc/self'))",
        "import os\nprint(heard, open('secret.txt').read(), os.path.exists('pwned'))",
    ])  # fmt: skip
    with b.setup_kernel():
        b.execute_cell(b.nb.cells[0], 0)
        b_cwd, b_pid = _text(b.nb.cells[0]).split()
        b_pid = int(b_pid)
        assert b_pid > 1  # its pid as the zygote's /proc knows it
        spec = {
            "read": [f"{b_cwd}/secret.txt", f"/proc/{b_pid}/environ", f"/proc/{b_pid}/mem",
                     f"/proc/{b_pid}/cwd/secret.txt", f"/proc/{b_pid}/root{b_cwd}/secret.txt"],
            "write": [f"{b_cwd}/pwned", f"/proc/{b_pid}/cwd/pwned"],
            "connect": [],
            "kill": sorted({b_pid, *range(1, 64)}),
        }  # fmt: skip
        seen = _run_attack(runtime / "a", socket_path, spec)
        b.execute_cell(b.nb.cells[1], 1)
        after = _text(b.nb.cells[1])
    reads = {k: v for k, v in seen.items() if k.startswith(("read", "write"))}
    assert all(v.startswith("errno") for v in reads.values()), reads
    assert after == "[] SECRET-of-B False"  # no signal, secret intact, nothing written


# --------------------------------------------------------------------------- the worker


def test_the_recheck_worker_reaches_nothing(victims, guard):
    ref = Path(__import__("pooling_ref").__file__)
    keras_init = SITE / "keras" / "__init__.py"
    assert ref.is_file() and keras_init.is_file()  # what it must not see exists
    spec = _spec(
        victims,
        guard.port,
        extra_read=[str(ref), str(keras_init), str(SITE / "tensorflow" / "__init__.py"),
                    str(PACKAGES / "checks" / "__init__.py"), str(PACKAGES / "__init__.py")],
    )  # fmt: skip
    with Worker() as worker:
        assert worker.exec_cell("attack", ATTACK, "all", 30.0, 60.0) == []
        assert worker.values(["attack"]) == {"attack": CALLABLE}
        seen = json.loads(worker.call("attack", (json.dumps(spec),), {}, 60.0))
    guard.assert_nothing_happened(seen)


DELEGATE = textwrap.dedent(
    """
    import importlib.util, os, sys

    def delegate(ref, site):
        out = {}
        for name, path in [("pooling_ref", ref), ("keras", site + "/keras/__init__.py")]:
            out[name + " exists"] = os.path.exists(path)  # os.stat: not audited
            try:
                spec = importlib.util.spec_from_file_location(name + "_copy", path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                out[name] = "IMPORTED " + str(sorted(vars(module))[:3])
            except BaseException as err:
                out[name] = type(err).__name__
        sys.path.insert(0, os.path.dirname(os.path.dirname(ref)))
        try:
            __import__("pooling_ref")
            out["path trick"] = "IMPORTED"
        except BaseException as err:
            out["path trick"] = type(err).__name__
        return out
    """
)


def test_the_worker_cannot_delegate_to_pooling_ref_or_keras():
    ref = str(Path(__import__("pooling_ref").__file__))
    with Worker() as worker:
        assert worker.exec_cell("delegate", DELEGATE, "all", 30.0, 60.0) == []
        assert worker.values(["delegate"]) == {"delegate": CALLABLE}
        seen = worker.call("delegate", (ref, str(SITE)), {}, 60.0)
    assert seen["pooling_ref exists"] is False and seen["keras exists"] is False
    assert not any(str(v).startswith("IMPORTED") for v in seen.values()), seen
