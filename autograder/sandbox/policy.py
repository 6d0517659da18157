"""Where learner code runs while it is graded: limits, an audit hook, a bounded executor.

Learner code runs in two kinds of process, never in the grader's own:

* the **notebook kernel** nbgrader executes the submission in, started through
  a private kernelspec (:func:`write_kernelspec`) whose launcher
  (``python -m autograder.sandbox kernel POLICY.json -f CONNECTION``) applies a
  :class:`Policy` before ipykernel starts, and
* the **trusted re-check worker** of :mod:`autograder.grading.trusted`, which applies a
  stricter policy to itself before it runs any learner code.

A policy is

* resource limits (``setrlimit``): address space (memory), CPU seconds, the
  size of any file written, no core dumps;
* an *audit hook* (:func:`sys.addaudithook`; Python offers no way to remove
  one) that refuses, with a ``PermissionError`` naming the path, to open, list,
  change or connect to anything under the denied paths (other submissions, the
  gradebook, the solution notebooks, the grader's scratch folders, other
  processes' ``/proc`` entries), to write outside the process's own folders,
  to start processes, to open network connections, and to look up libc
  functions through ``ctypes`` that would get around the hook;
* optionally, modules that may not be imported (the trusted worker refuses
  ``pooling_ref``, Keras, TensorFlow and the autograder).

Every refusal is appended to the policy's log file, which the grader reads
into the anomalies report ("sandbox-denied").

The audit hook is defence in depth, not a jail: it sees Python-level events
only, and raw system calls through ``ctypes`` get past it. The boundary is the
OS sandbox of :mod:`autograder.sandbox.bwrap` (namespaces, another uid), which
every kernel and worker runs in; ``docs/grading_hostile.md`` says what that
guarantees and what it does not.

:class:`BoundedExecute` is nbgrader's ``Execute`` preprocessor with the
guarantees the grader needs: a per-cell timeout that costs only that cell, a
whole-notebook wall-clock limit, a dead or wedged kernel costing only the
cells not yet run, a cap on the bytes of output a cell may keep, and an
integrity probe before every grade cell (see :mod:`autograder.sandbox.integrity`).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Name of the private kernelspec the grader executes submissions with.
KERNEL_NAME = "poolcourse-sandbox"

#: Default per-kernel memory limit (address space): TensorFlow maps about 2 GiB at import.
DEFAULT_MEMORY_MB = 6144

#: Largest file the learner's code may write (bytes).
DEFAULT_FILE_BYTES = 64 * 2**20

#: Environment variables a kernel keeps; everything else (paths, tokens) is dropped.
_KEEP_ENV = re.compile(
    r"^(PATH|LANG|LC_\w+|TZ|NBGRADER_EXECUTION|TF_\w+|OMP_NUM_THREADS|OPENBLAS_NUM_THREADS|"
    r"MKL_NUM_THREADS|MPLBACKEND|PYDEVD_DISABLE_FILE_VALIDATION|JPY_\w+|VIRTUAL_ENV)$"
)

#: libc functions that would let ctypes code get around the audit hook.
_LIBC_ESCAPES = frozenset(
    "system popen execv execve execvp execvpe execl execle execlp fork vfork clone "
    "posix_spawn posix_spawnp open open64 openat openat64 fopen fopen64 creat creat64 "
    "unlink unlinkat rename renameat renameat2 remove rmdir truncate ftruncate link "
    "symlink chmod chown mkdir socket connect dlopen".split()
)

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PROCESS_EVENTS = frozenset(
    ["subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
     "os.forkpty", "pty.spawn", "os.startfile", "os.kill", "os.killpg"]
)  # fmt: skip
_CHANGE_EVENTS = frozenset(
    ["os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.utime",
     "os.chflags", "os.lchflags", "os.setxattr", "os.removexattr", "shutil.rmtree",
     "shutil.chown"]
)  # fmt: skip
#: Events whose first path is read (or only named) and whose second path is written.
_COPY_EVENTS = frozenset(
    ["shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "os.link",
     "os.symlink"]
)  # fmt: skip
_MOVE_EVENTS = frozenset(["os.rename", "shutil.move"])
_LIST_EVENTS = frozenset(["os.listdir", "os.scandir", "os.chdir", "glob.glob", "os.listxattr"])
_NET_EVENTS = frozenset(["socket.connect", "socket.sendto", "socket.sendmsg"])


@dataclass
class Policy:
    """What a sandboxed process may do.

    Paths are made absolute and resolved (symlinks followed) when the policy
    is installed. A path is *denied* when it lies under one of ``deny`` or has
    a component starting with one of ``deny_names`` (the grader's scratch
    folders), unless it lies under one of ``allow`` (the process's own
    folders, which are always readable and writable). With ``read_only`` set,
    reads are allowed only under ``read_only`` and ``allow`` (an allow-list:
    stray copies of solutions anywhere else on the machine stay out of reach);
    otherwise reads are allowed anywhere not denied.
    Writes are allowed only under ``allow`` and ``/dev``.
    """

    cwd: str
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    deny_names: list[str] = field(default_factory=lambda: ["poolcourse-grade"])
    read_only: list[str] | None = None
    forbidden_imports: list[str] = field(default_factory=list)
    memory_mb: int | None = DEFAULT_MEMORY_MB
    cpu_seconds: int | None = None
    file_bytes: int | None = DEFAULT_FILE_BYTES
    log: str | None = None

    def save(self, path: Path) -> Path:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- limits


def apply_limits(policy: Policy) -> None:
    """``setrlimit`` the address space, CPU time, file size and core size of this process.

    Limits only ever go down (a limit above the current hard limit is ignored),
    and are inherited by every process this one starts.
    """
    import resource

    def lower(which, value):
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))

    if policy.memory_mb:
        lower(resource.RLIMIT_AS, int(policy.memory_mb) * 2**20)
    if policy.cpu_seconds:
        lower(resource.RLIMIT_CPU, int(policy.cpu_seconds))
    if policy.file_bytes:
        lower(resource.RLIMIT_FSIZE, int(policy.file_bytes))
    lower(resource.RLIMIT_CORE, 0)


# --------------------------------------------------------------------------- the audit hook


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


class _Hook:
    """The audit hook of one :class:`Policy` (a class so its state is not in any module global)."""

    def __init__(self, policy: Policy):
        self.allow = [_real(p) for p in [policy.cwd, *policy.allow]]
        self.deny = [_real(p) for p in policy.deny]
        self.deny_names = tuple(policy.deny_names)
        self.read_only = None if policy.read_only is None else [_real(p) for p in policy.read_only]
        self.forbidden = frozenset(policy.forbidden_imports)
        try:  # the pid /proc knows it by (not getpid() in a pid namespace /proc is not of)
            self.pid = os.readlink("/proc/self")
        except OSError:
            self.pid = str(os.getpid())
        self.log_fd = (
            os.open(policy.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            if policy.log
            else None
        )
        self.logged = 0
        self.busy = False  # realpath itself may raise audit events

    # -- verdicts
    def denied(self, path, *, write: bool) -> str | None:
        """Why ``path`` may not be used (None when it may)."""
        if isinstance(path, int):
            return None  # an open file descriptor: checked when it was opened
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        path = _real(os.fspath(path))
        if _under(path, self.allow):
            return None
        if path.startswith("/proc/"):
            parts = path.split(os.sep)
            if parts[2].isdigit() and parts[2] != self.pid and parts[3:] not in (["stat"], []):
                return "another process's /proc entry"  # stat: psutil lists children
        if _under(path, self.deny) or any(
            part.startswith(self.deny_names) for part in path.split(os.sep)
        ):
            return "a grader or course file"
        if write:
            if path.startswith("/dev/"):
                return None
            return "outside the submission's own folder"
        if self.read_only is not None and not _under(path, self.read_only):
            return "outside the files this process may read"
        return None

    def refuse(self, event: str, what: str, reason: str):
        message = f"grading sandbox: {event} {what} refused ({reason})"
        if self.log_fd is not None and self.logged < 200:
            self.logged += 1
            os.write(self.log_fd, (message[:500] + "\n").encode("utf-8", "replace"))
        raise PermissionError(message)

    # -- the hook
    def __call__(self, event: str, args: tuple) -> None:
        if self.busy:
            return
        self.busy = True
        try:
            self.check(event, args)
        finally:
            self.busy = False

    def check(self, event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            if path is None:
                return
            write = bool(mode and any(c in mode for c in "wax+")) or bool(
                flags and flags & _WRITE_FLAGS
            )
            reason = self.denied(path, write=write)
            if reason:
                self.refuse("open", repr(path), reason)
        elif event in _LIST_EVENTS:
            if args and args[0] is not None:
                reason = self.denied(args[0], write=False)
                if reason:
                    self.refuse(event, repr(args[0]), reason)
        elif event in _CHANGE_EVENTS or event in _MOVE_EVENTS or event in _COPY_EVENTS:
            paths = args[:1] if event in _CHANGE_EVENTS else args[:2]
            for i, path in enumerate(paths):
                if isinstance(path, str | bytes | os.PathLike):
                    write = not (event in _COPY_EVENTS and i == 0)
                    if event == "os.symlink" and i == 0:
                        continue  # a symlink's target is checked when it is opened
                    reason = self.denied(path, write=write)
                    if reason:
                        self.refuse(event, repr(path), reason)
        elif event == "sqlite3.connect":
            database = args[0] if args else None
            if isinstance(database, str | bytes | os.PathLike) and os.fspath(database) not in (
                ":memory:",
                "",
            ):
                reason = self.denied(database, write=True)
                if reason:
                    self.refuse(event, repr(database), reason)
        elif event in ("os.kill", "os.killpg") and args and args[0] == os.getpid():
            return  # a signal to itself (ipykernel interrupts itself on an interrupt_request)
        elif event in _PROCESS_EVENTS:
            self.refuse(event, repr(args[0]) if args else "", "no new processes while grading")
        elif event in _NET_EVENTS:
            self.refuse(event, "", "no network while grading")
        elif event == "ctypes.dlsym":
            name = args[1] if len(args) > 1 else None
            if isinstance(name, bytes):
                name = name.decode("ascii", "replace")
            if isinstance(name, str) and name in _LIBC_ESCAPES:
                self.refuse(event, name, "a libc call that gets around the sandbox")
        elif event == "import" and self.forbidden:
            top = str(args[0]).split(".")[0]
            if top in self.forbidden:
                # an ImportError, so `try: import keras except ImportError` behaves
                message = f"grading sandbox: import of {args[0]} refused (not allowed here)"
                self.refuse_import(message)

    def refuse_import(self, message: str):
        if self.log_fd is not None and self.logged < 200:
            self.logged += 1
            os.write(self.log_fd, (message + "\n").encode())
        raise ImportError(message)


#: System folders a learner's kernel may read (libraries' data, devices, its own /proc entry).
SYSTEM_READ_ROOTS = ("/dev", "/proc", "/sys", "/etc", "/usr", "/lib", "/lib64", "/bin", "/opt")


def python_read_roots() -> list[str]:
    """Python's own files: the interpreter's prefixes and site-packages (stdlib, libraries)."""
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots |= {*site.getsitepackages(), paths["purelib"], paths["platlib"]}
    return sorted({os.path.realpath(r) for r in roots if r})


def die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this process when its parent dies (no orphans)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except Exception:
            pass


def warm_up() -> None:
    """Do, before the hook, what libraries would otherwise start a process for later.

    ``platform.uname().processor`` runs ``uname -p`` once and caches it
    (ipykernel asks for it at start-up).
    """
    import platform

    platform.uname().processor  # noqa: B018  (cached property: filled now)


def install_audit_hook(policy: Policy) -> None:
    """Install ``policy``'s audit hook in this process (for good: hooks cannot be removed)."""
    sys.addaudithook(_Hook(policy))


def read_denials(log: Path, limit: int = 5) -> list[str]:
    """The first distinct refusals written to a policy's log (empty when none)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return list(dict.fromkeys(line.strip() for line in lines if line.strip()))[:limit]


# --------------------------------------------------------------------------- the kernel


def scrubbed_environment(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a learner kernel gets: no grader paths or secrets, a private HOME.

    ``base`` is the environment to scrub (default: this process's).
    """
    env = {k: v for k, v in (os.environ if base is None else base).items() if _KEEP_ENV.match(k)}
    env.update(
        HOME=str(home),
        TMPDIR=str(home / "tmp"),
        MPLCONFIGDIR=str(home / "matplotlib"),
        IPYTHONDIR=str(home / "ipython"),
        JUPYTER_CONFIG_DIR=str(home / "jupyter"),
        JUPYTER_DATA_DIR=str(home / "jupyter"),
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        PYTHONNOUSERSITE="1",
    )
    return env


def write_kernelspec(root: Path, policy_path: Path, prefix: list[str] | None = None) -> Path:
    """Write the ``poolcourse-sandbox`` kernelspec under ``root/kernels`` and return ``root``.

    ``prefix`` is put before the kernel's command (the OS sandbox's, :mod:`.bwrap`).
    Interrupts are messages (``interrupt_request``): the kernel signals itself, so
    they work through a sandbox's own session and pid namespace.
    Put ``root`` first on ``JUPYTER_PATH`` so jupyter_client finds it.
    """
    spec_dir = Path(root) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [
            *(prefix or []),
            sys.executable,
            "-m",
            "autograder.sandbox",
            "kernel",
            str(policy_path),
            "-f",
            "{connection_file}",
        ],
        "display_name": "Python 3 (poolcourse grading sandbox)",
        "language": "python",
        "interrupt_mode": "message",
        "env": {},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return Path(root)


def prepare_kernel(
    scratch: Path, policy: Policy, folder: Path | None = None, prefix: list[str] | None = None
) -> str:
    """Folders, policy file and kernelspec for a sandboxed kernel in ``scratch``; its name.

    ``policy.cwd`` and ``policy.allow`` folders are created. The policy file is
    written to ``folder`` (default ``scratch``: it must be where the kernel can
    read it), the kernelspec (started with ``prefix``) to ``scratch/jupyter``,
    made visible to this process through ``JUPYTER_PATH``.
    """
    for path in [policy.cwd, *policy.allow]:
        Path(path).mkdir(parents=True, exist_ok=True)
    policy_path = policy.save(Path(folder or scratch) / "sandbox-policy.json")
    spec_root = write_kernelspec(Path(scratch) / "jupyter", policy_path, prefix)
    paths = os.environ.get("JUPYTER_PATH", "")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in [str(spec_root), paths] if p)
    return KERNEL_NAME


def copy_matplotlib_cache(dest: Path) -> None:
    """Give a kernel's private MPLCONFIGDIR the grader's font cache (no font scan, no fc-list)."""
    import glob
    import shutil

    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for folder in (os.environ.get("MPLCONFIGDIR"), os.path.join(xdg, "matplotlib")):
        caches = sorted(glob.glob(os.path.join(folder, "fontlist-*.json"))) if folder else []
        if caches:
            for path in caches:
                shutil.copy(path, dest)
            return


def kernel_main(argv: list[str]) -> None:
    """``python -m autograder.sandbox kernel POLICY.json -f CONNECTION``: a confined kernel."""
    die_with_parent()  # the grading worker that started it
    sys.dont_write_bytecode = True  # no .pyc files written into the course's packages
    policy = Policy.load(argv[0])
    if "-f" in argv:  # ipykernel reads its connection file after the hook is in place
        policy.allow.append(argv[argv.index("-f") + 1])
    home = Path(policy.allow[0]) if policy.allow else Path(policy.cwd)
    for sub in ("tmp", "matplotlib", "ipython", "jupyter"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    copy_matplotlib_cache(home / "matplotlib")
    env = scrubbed_environment(home)
    os.environ.clear()
    os.environ.update(env)
    started_in = os.getcwd()  # `python -m` put it first on sys.path
    os.chdir(policy.cwd)
    sys.path[:] = [p for p in sys.path if p not in ("", ".", started_in)]
    apply_limits(policy)
    # ipykernel and numpy are imported before the hook: they read their own files freely
    import numpy  # noqa: F401
    from ipykernel import kernelapp

    warm_up()

    install_audit_hook(policy)
    kernelapp.launch_new_instance(
        argv=[*argv[1:], "--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=CRITICAL"]
    )
