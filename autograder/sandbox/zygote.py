"""Start grading kernels by forking a process that has already imported TensorFlow.

Every submission is executed in a fresh, sandboxed kernel
(:mod:`autograder.sandbox`), and every course notebook imports Keras: started
the usual way, each kernel spends about 3.5 s of CPU importing TensorFlow,
Keras, matplotlib and ipykernel before the learner's first cell runs, more
than a third of what grading a notebook costs. The *zygote* pays that once
per ``grade`` run: a process started with the kernels' environment imports
those libraries, then waits on a Unix socket; each grading worker asks it for
a kernel, and it ``fork()``\\ s a child that is, from there on, exactly the
sandboxed kernel :func:`autograder.sandbox.policy.kernel_main` would have started
(the same policy: scrubbed environment, working folder, limits, audit hook)
but for the imports it did not have to redo.

What the zygote holds is what a kernel may have anyway: third-party modules
imported with the kernels' environment. It never sees a submission, a
gradebook or a solution (it is not forked from the grader). In the OS sandbox
(:mod:`autograder.sandbox.bwrap`) the zygote itself runs inside bubblewrap, so
every kernel it forks starts in the same confined view; each is then isolated
from the others (:func:`_isolate`: its own user and mount namespace in which
only its own folder, not the zygote's socket or the other kernels' folders,
exists; no capabilities; a seccomp filter on signals). The socket also lives
in a ``poolcourse-grade-*`` folder, which the kernels' audit hook denies.

The worker side is a jupyter_client *provisioner*
(:class:`ZygoteProvisioner`) behind :class:`ZygoteKernelManager`, which
nbclient uses instead of ``subprocess.Popen``. A forked kernel is not the
worker's child, so

* the worker holds a *pidfd* of the kernel (Linux), passed by the zygote over
  the socket (the zygote's pids are those of its own pid namespace): a kill
  goes through it, never to a recycled pid;
* the zygote reaps the kernel and sends its exit status to the worker;
* the kernel watches a pidfd of the worker (passed the same way) and kills
  itself when the worker ends (the grader kills a worker's process group on a timeout or when it is
  itself killed; the kernel is not in that group).

Where the zygote cannot be used (no ``fork``/pidfd, it did not start, or it
stopped), kernels are started as before and grading is only slower; the
scores are the same (``tests/autograder/test_zygote.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

#: What the zygote imports before it forks kernels (what every course notebook imports).
PRELOAD = (
    "numpy",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "tensorflow",
    "keras",
)

#: Seconds the zygote may take to import :data:`PRELOAD` before kernels are started the old way.
START_TIMEOUT = 120.0

_STATUS = struct.Struct("!i")  # a kernel's wait status, sent by the zygote when it is reaped

# The socket of this process's zygote, when it uses one (set by a grading worker).
_socket_path: str | None = None


def supported() -> bool:
    """Whether kernels can be forked here (Linux: fork, Unix sockets, pidfds)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and hasattr(os, "pidfd_open")
        and hasattr(signal, "pidfd_send_signal")
        and hasattr(socket, "send_fds")
    )


# --------------------------------------------------------------------------- the grader side


class Zygote:
    """A running zygote process (started by the grader, used by its workers).

    Use as a context manager; :attr:`socket_path` is None when it could not be
    started (then kernels start the usual way).
    """

    def __init__(self, env: dict[str, str], log: Path | None = None):
        from . import bwrap
        from .policy import copy_matplotlib_cache, scrubbed_environment

        self.socket_path: str | None = None
        self.sandboxed = False
        self._folder = tempfile.mkdtemp(prefix="poolcourse-grade-zygote-")
        os.chmod(self._folder, 0o700)
        self._proc: subprocess.Popen | None = None
        if not supported():
            return
        # the kernels' environment (what the imports read), with a home of its own
        folder = Path(self._folder)
        home, sock, kernels = folder / "home", folder / "socket", folder / "kernels"
        env = scrubbed_environment(home, base=env)
        for sub in ("tmp", "matplotlib", "ipython", "jupyter"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        sock.mkdir()
        kernels.mkdir(mode=0o711)
        copy_matplotlib_cache(home / "matplotlib")
        path = os.path.join(sock, "zygote.sock")
        argv = [sys.executable, "-m", "autograder.sandbox.zygote", path]
        self.sandboxed = bwrap.active()
        if self.sandboxed:  # the zygote, and so every kernel it forks, inside bubblewrap
            argv.append(str(kernels))
            bwrap.give(home, sock)  # kernels/ stays root's: traversable, not listable
            view = bwrap.kernel_view()
            argv = bwrap.command(read_write=[home, sock, kernels], view=view, chdir=home) + argv
        out = open(log, "ab") if log else subprocess.DEVNULL
        try:
            self._proc = subprocess.Popen(
                argv,
                env=env,
                cwd=str(home),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        finally:
            if log:
                out.close()
        self._pending = path

    def ready(self, timeout: float = START_TIMEOUT) -> str | None:
        """Wait until the zygote listens (it is importing meanwhile); its socket path or None."""
        if self._proc is None or self.socket_path:
            return self.socket_path
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._proc.poll() is None:
            if os.path.exists(self._pending + ".ready"):
                self.socket_path = self._pending
                break
            time.sleep(0.05)
        return self.socket_path

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- the zygote


#: In a sandboxed zygote: its kernels folder (every kernel must be isolated in a folder of
#: it) and its own folders, which no kernel may see (its socket: a way to ask for kernels).
_sandbox: dict | None = None


def _serve(path: str, kernels: str | None = None) -> None:
    """The zygote's main loop: import, listen, fork a kernel per request, report exits.

    ``kernels``: the zygote is sandboxed (:mod:`.bwrap`) and every kernel it forks is
    isolated (:func:`_isolate`) in its own folder under ``kernels``.
    """
    global _sandbox
    from .policy import die_with_parent, warm_up

    if kernels:
        _sandbox = {"root": kernels, "hide": [os.path.dirname(path), os.getcwd()]}

    die_with_parent()  # the grader
    for name in PRELOAD:
        __import__(name)
    warm_up()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    Path(path + ".ready").touch()
    clients: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (kernel pid, worker conn)
    poller = select.poll()
    poller.register(listener, select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd == listener.fileno():
                conn, _ = listener.accept()
                pid = _fork_kernel(conn, listener, clients)
                if pid is None:
                    conn.close()
                    continue
                pidfd = os.pidfd_open(pid)
                clients[pidfd] = (pid, conn)
                poller.register(pidfd, select.POLLIN)
            else:  # a kernel ended: reap it, tell its worker
                pid, conn = clients.pop(fd)
                poller.unregister(fd)
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                with contextlib.suppress(OSError):
                    conn.sendall(_STATUS.pack(status))
                conn.close()


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 4)
    while not data.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            break
        data += more
    return json.loads(data), list(fds)


def _fork_kernel(conn: socket.socket, listener: socket.socket, clients) -> int | None:
    """Read one request; fork the kernel; send its pidfd back. None if the request was bad."""
    try:
        request, fds = _recv_request(conn)
    except (OSError, ValueError):
        return None
    isolate = request.get("isolate") or {}
    usable = len(fds) == 4  # stdin, stdout, stderr, and a pidfd of the worker that asks
    if _sandbox:  # a sandboxed zygote forks isolated kernels only, each in a folder of its own
        usable = usable and isolate.get("root") == _sandbox["root"]
        usable = usable and os.path.dirname(str(isolate.get("own"))) == _sandbox["root"]
    if not usable:
        for fd in fds:
            os.close(fd)
        return None
    pid = os.fork()
    if pid == 0:  # the kernel
        try:
            listener.close()
            for pidfd, (_, other) in clients.items():
                other.close()
                os.close(pidfd)
            conn.close()
            for target, fd in enumerate(fds[:3]):
                os.dup2(fd, target)
                os.close(fd)
            _become_kernel(request, fds[3])
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(1)
    for fd in fds:
        os.close(fd)
    try:
        # a pidfd, not a pid: this process may be in a pid namespace of its own (bwrap)
        pidfd = os.pidfd_open(pid)
        try:
            socket.send_fds(conn, [struct.pack("!i", pid)], [pidfd])
        finally:
            os.close(pidfd)
        ack = conn.recv(1)  # the worker has its pidfd: the kernel may be reaped from now on
    except OSError:
        ack = b""
    if ack != b"k":
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pid


def _become_kernel(request: dict, watch: int) -> None:
    """In the forked child: the sandboxed kernel of ``request`` (never returns normally).

    ``watch`` is a pidfd of the grading worker that asked for it.
    """
    from . import policy as sandbox

    os.setsid()  # its own process group, as a kernel started by jupyter_client has
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if request.get("isolate"):
        hide = _sandbox["hide"] if _sandbox else []
        _isolate(request["isolate"]["root"], request["isolate"]["own"], hide)
    _die_with(watch)
    os.environ.clear()
    os.environ.update(request["env"])
    # what a freshly started kernel would have of its own: random seeds from the system,
    # and temporary files in its own TMPDIR (ipykernel keeps each cell's code there)
    import random

    import numpy

    random.seed()
    numpy.random.seed()  # noqa: NPY002  (the legacy global state learners use)
    tempfile.tempdir = None
    sandbox.kernel_main(request["argv"])


# --------------------------------------------------------------------------- per-kernel namespaces

_CLONE_NEWNS, _CLONE_NEWUSER = 0x00020000, 0x10000000
_MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_REC, _MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    return libc, check


def _new_user_namespace(libc, check, flags: int) -> None:
    """unshare ``flags`` with a new user namespace mapping this uid/gid to themselves."""
    uid, gid = os.getuid(), os.getgid()
    check(libc.unshare(_CLONE_NEWUSER | flags), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):  # fmt: skip
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)


def _isolate(root: str, own: str, hide: list[str] = ()) -> None:
    """Make this forked kernel unable to see, change or signal the zygote's other kernels.

    Every kernel's folder lies under ``root`` (the one folder the zygote's sandbox
    binds for all of them), and all run as the same uid. The kernel gets a user
    and mount namespace of its own in which ``root`` is an empty tmpfs holding
    only its own folder ``own``; the folders in ``hide`` (the zygote's socket and
    home) are covered by empty tmpfs too. Then it enters one more user namespace
    and drops every capability, so these mounts cannot be undone. It is made
    non-dumpable (the others cannot ptrace it or read its ``/proc/<pid>/mem``,
    ``environ``, ``cwd``, ``fd``; nor it theirs), and a seccomp filter
    (:func:`_signal_filter`) lets it signal only itself: it shares the zygote's
    pid namespace, where the other kernels are visible. (A pid namespace of its
    own would need a fresh ``/proc``, which the kernel refuses under bwrap's
    locked ``/proc`` sub-mounts; a ``/proc`` of another namespace confuses
    ipykernel and psutil.)
    """
    import ctypes

    libc, check = _libc()
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    _new_user_namespace(libc, check, _CLONE_NEWNS)
    check(libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
    fd = os.open(own, os.O_PATH | os.O_DIRECTORY)
    check(libc.mount(b"tmpfs", root.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0711"),
          "mount tmpfs")  # fmt: skip
    for folder in hide:
        check(libc.mount(b"tmpfs", folder.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV,
                         b"mode=0555"), f"hide {folder}")  # fmt: skip
    os.makedirs(own, exist_ok=True)
    check(libc.mount(f"/proc/self/fd/{fd}".encode(), own.encode(), None, _MS_BIND | _MS_REC,
                     None), "bind own folder")  # fmt: skip
    os.close(fd)
    _new_user_namespace(libc, check, 0)
    _drop_capabilities(libc, check)
    libc.prctl(4, 0)  # PR_SET_DUMPABLE 0
    _signal_filter(libc, check, os.getpid())


#: x86_64 system calls the filter of :func:`_signal_filter` looks at.
_SIGNAL_CALLS = {"kill": 62, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
                 "pidfd_open": 434}  # fmt: skip
_DENIED_CALLS = {"ptrace": 101, "tkill": 200, "process_vm_readv": 310, "process_vm_writev": 311,
                 "pidfd_getfd": 438, "kcmp": 312}  # fmt: skip


def _signal_filter(libc, check, pid: int) -> None:
    """A seccomp filter: signals (and pidfds) only to itself (``pid``, its own group ``-pid``
    or ``0``); no ptrace, no other process's memory; nothing but x86_64 system calls.

    A classic BPF program, installed with ``prctl(PR_SET_SECCOMP)`` (``no_new_privs`` is
    set by bwrap); it cannot be removed and is inherited. Other architectures: not installed.
    """
    import ctypes
    import platform

    if platform.machine() != "x86_64":
        return
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, JGE|K, BPF_RET|K
    checked, denied = list(_SIGNAL_CALLS.values()), list(_DENIED_CALLS.values())
    own = [pid, 0, (-pid) & 0xFFFFFFFF]  # itself, its process group (0 or -pid)
    allow_at = 4 + len(checked) + len(denied)  # layout (jumps only go forward):
    deny_at, args_at = allow_at + 1, allow_at + 2
    allow_again = args_at + 1 + len(own) + 1

    def to(target: int, here: int) -> int:
        return target - here - 1

    prog = [(ld, 0, 0, 4), (jeq, 0, to(deny_at, 1), 0xC000003E)]  # 0-1: x86_64 only
    prog += [(ld, 0, 0, 0), (jge, to(deny_at, 3), 0, 0x40000000)]  # 2-3: nr; no x32 ABI
    for nr in checked:  # to the argument test
        prog.append((jeq, to(args_at, len(prog)), 0, nr))
    for nr in denied:
        prog.append((jeq, to(deny_at, len(prog)), 0, nr))
    prog += [(ret, 0, 0, allow), (ret, 0, 0, deny), (ld, 0, 0, 16)]  # args[0], low 32 bits
    for value in own:
        prog.append((jeq, to(allow_again, len(prog)), 0, value))
    prog += [(ret, 0, 0, deny), (ret, 0, 0, allow)]
    assert len(prog) == allow_again + 1

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                    ("k", ctypes.c_uint32)]  # fmt: skip

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(prog))(*[Filter(*f) for f in prog])
    program = Program(len(prog), filters)
    check(libc.prctl(22, 2, ctypes.byref(program), 0, 0), "seccomp")  # PR_SET_SECCOMP, FILTER


def _drop_capabilities(libc, check) -> None:
    """No capability left, not even in its own user namespace (``capset`` to zero)."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]

    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3
    check(libc.capset(ctypes.byref(header), data), "capset")


def _die_with(fd: int) -> None:
    """Kill this process as soon as the process of pidfd ``fd`` (the grading worker) ends."""

    def watch() -> None:
        select.select([fd], [], [])
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="watch-worker", daemon=True).start()


# --------------------------------------------------------------------------- the worker side


def use(socket_path: str | None) -> None:
    """Have kernels started in this process come from the zygote at ``socket_path``."""
    global _socket_path
    _socket_path = socket_path


class ForkedKernel:
    """The handle jupyter_client keeps of a kernel (what it expects of ``subprocess.Popen``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int, conn: socket.socket):
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = pidfd
        self._conn = conn

    def _collect(self, block: bool) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if not select.select([self._pidfd], [], [], None if block else 0)[0]:
            return None
        self._conn.settimeout(10)
        try:
            data = self._conn.recv(_STATUS.size)
            status = _STATUS.unpack(data)[0] if len(data) == _STATUS.size else 1 << 8
        except OSError:
            status = 1 << 8
        self.returncode = os.waitstatus_to_exitcode(status)
        self._conn.close()
        os.close(self._pidfd)
        return self.returncode

    def poll(self) -> int | None:
        return self._collect(block=False)

    def wait(self, timeout: float | None = None) -> int:
        if timeout is not None and not select.select([self._pidfd], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self._collect(block=True)

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def kernel_folder(socket_path: str) -> Path:
    """A new folder for one kernel, where the zygote's kernels may have theirs (the worker's).

    A sandboxed zygote sees only its ``kernels`` folder of the machine's files;
    each forked kernel then sees only its own folder in there.
    """
    from . import bwrap

    kernels = Path(socket_path).parent.parent / "kernels"
    folder = Path(tempfile.mkdtemp(dir=kernels, prefix="k-"))
    bwrap.give(folder)
    return folder


def _pid_of(pidfd: int) -> int:
    """The pid (in this process's pid namespace) of the process a pidfd refers to."""
    with open(f"/proc/self/fdinfo/{pidfd}") as fh:
        for line in fh:
            if line.startswith("Pid:"):
                return int(line.split()[1])
    raise OSError("not a pidfd")


def fork_kernel(
    socket_path: str, argv: list[str], env: dict, isolate: dict | None = None
) -> ForkedKernel:
    """Ask the zygote for a kernel running ``argv`` (the sandbox kernel's arguments).

    ``isolate`` (``{"root": ..., "own": ...}``): give the kernel namespaces of its own
    in which ``root`` holds only its folder ``own`` (:func:`_isolate`).
    """
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    me = os.pidfd_open(os.getpid())
    try:
        conn.connect(socket_path)
        request = {"argv": argv, "env": env, "isolate": isolate}
        with open(os.devnull, "rb") as stdin:
            fds = [stdin.fileno(), sys.stdout.fileno(), sys.stderr.fileno(), me]
            socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], fds)
        data, fds, _, _ = socket.recv_fds(conn, 4, 1)
        if len(data) != 4 or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise OSError("the zygote did not start a kernel")
        pidfd = fds[0]
        pid = _pid_of(pidfd)
        conn.sendall(b"k")
    except BaseException:
        conn.close()
        raise
    finally:
        os.close(me)
    return ForkedKernel(pid, pidfd, conn)


def _kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The arguments after ``python -m autograder.sandbox kernel`` in ``cmd`` (None: not one)."""
    marker = ["-m", "autograder.sandbox", "kernel"]
    for i in range(len(cmd) - 2):
        if cmd[i : i + 3] == marker:
            return cmd[i + 3 :]
    return None


class ZygoteProvisioner(LocalProvisioner):
    """``LocalProvisioner`` whose sandbox kernels are forked by the zygote when there is one.

    In the OS sandbox (:mod:`.bwrap`) the kernel runs as another uid: its
    connection file is given to it before it starts.
    """

    async def launch_kernel(self, cmd: list[str], **kwargs):
        from . import bwrap

        arguments = _kernel_arguments(cmd)
        connection_file = getattr(self.parent, "connection_file", None)
        if arguments is not None and connection_file and bwrap.active():
            bwrap.give(connection_file)
        if _socket_path is None or arguments is None:
            return await super().launch_kernel(cmd, **kwargs)
        isolate = None
        own = Path(arguments[0]).parent  # the kernel's folder holds its policy
        kernels = Path(_socket_path).parent.parent / "kernels"
        if own.parent == kernels and bwrap.active():
            isolate = {"root": str(kernels), "own": str(own)}
        try:
            env = dict(kwargs.get("env") or os.environ)
            self.process = fork_kernel(_socket_path, arguments, env, isolate)
        except OSError:  # the zygote is gone: start kernels the usual way from now on
            use(None)
            return await super().launch_kernel(cmd, **kwargs)
        self.pid, self.pgid = self.process.pid, None
        self.cwd = kwargs.get("cwd")
        return self.connection_info


class ZygoteKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, with :class:`ZygoteProvisioner` as its provisioner."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or _new_id()
            self.provisioner = ZygoteProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())


if __name__ == "__main__":  # python -m autograder.sandbox.zygote SOCKET [KERNELS]
    _serve(sys.argv[1], *sys.argv[2:3])
