"""Wire nbgrader's ``Autograde`` to sandboxed, bounded kernels (the ``grade`` limits).

The OS sandbox a kernel runs in is :mod:`autograder.sandbox.bwrap`'s; the policy it
applies to itself is :mod:`autograder.sandbox.policy`'s; the executor that bounds the
notebook run is :mod:`autograder.sandbox.executor`; with a zygote the kernels are
forked by :mod:`autograder.sandbox.zygote`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .policy import DEFAULT_MEMORY_MB, SYSTEM_READ_ROOTS, Policy, prepare_kernel, python_read_roots


@dataclass
class Limits:
    """What one submission may cost: time, memory, output (the ``grade`` command's options).

    ``cell_timeout`` and ``notebook_timeout`` are wall-clock seconds per cell
    and per notebook; ``memory_mb`` is the kernel's address-space limit;
    ``max_output_chars`` the output one cell keeps.
    """

    cell_timeout: int = 120
    notebook_timeout: float = 900.0
    memory_mb: int = DEFAULT_MEMORY_MB
    max_output_chars: int = 100_000


def prepare_sandboxed_kernel(
    scratch: Path, limits: Limits, deny: list[str], zygote_socket: str | None = None
) -> tuple[dict[str, Path], str, dict]:
    """Folders, policy and kernelspec of one sandboxed kernel; (paths, kernel name, options).

    The kernel's own folder (``scratch/kernel``, or one under the zygote's
    ``kernels`` folder when it is forked) holds its working folder ``work``
    (empty but for the assignment's data files), its home ``home``, its
    connection file and its refusal log. In the OS sandbox (:mod:`.bwrap`) that
    folder is all it sees of the machine's files besides Python and the course's
    packages, it runs as :data:`.bwrap.UID`, and its ZMQ channels are unix sockets
    in that folder (``transport="ipc"``: it has no network at all). ``deny``
    (course, submissions, gradebook, output paths) and every ``poolcourse-grade*``
    folder are also refused by its audit hook. ``options`` are the kernel
    manager's settings (its connection file; ``transport="ipc"`` in the sandbox).
    """
    import pooling_ref

    from ..course.assignments import PACKAGE_DIR
    from . import bwrap
    from .policy import copy_matplotlib_cache

    scratch = Path(scratch)
    sandboxed = bwrap.active()
    if zygote_socket:
        from .zygote import kernel_folder

        folder = kernel_folder(zygote_socket)
    else:
        folder = scratch / "kernel"
        folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "work": folder / "work",
        "events": scratch / "events.jsonl",
        "denied": folder / "sandbox-denied.log",
        "folder": folder,
    }
    policy = Policy(
        cwd=str(paths["work"]),
        allow=[str(folder / "home")],
        deny=list(deny),
        # reads: Python's and the system's files and the course's packages, nothing else
        read_only=[
            *python_read_roots(),
            *SYSTEM_READ_ROOTS,
            str(PACKAGE_DIR),
            str(Path(pooling_ref.__file__).parent),
        ],
        memory_mb=limits.memory_mb,
        log=str(paths["denied"]),
    )
    # connection files (with each kernel's key) in this kernel's folder only
    os.environ["JUPYTER_RUNTIME_DIR"] = str(folder / "runtime")
    (folder / "runtime").mkdir(exist_ok=True)
    (folder / "home" / "matplotlib").mkdir(parents=True, exist_ok=True)
    copy_matplotlib_cache(folder / "home" / "matplotlib")  # the grader's fonts: no font scan
    prefix = None
    options = {"connection_file": str(folder / "runtime" / "kernel.json")}
    if sandboxed:
        options.update(transport="ipc", ip=str(folder / "runtime" / "ipc"))
        prefix = bwrap.command(
            read_write=[folder],
            view=bwrap.kernel_view(),
            chdir=paths["work"],
            unset_env=("JPY_PARENT_PID",),  # its parent is the sandbox's init
        )
    kernel_name = prepare_kernel(scratch, policy, folder=folder, prefix=prefix)
    if sandboxed:
        bwrap.give(folder)
    from . import zygote

    zygote.use(zygote_socket)
    return paths, kernel_name, options


def configure_autograde(
    cfg, scratch: Path, limits: Limits, deny: list[str], zygote_socket: str | None = None
) -> dict[str, Path]:
    """Make nbgrader's ``Autograde`` in ``scratch`` execute in a sandboxed, bounded kernel.

    ``Execute`` is replaced by :class:`autograder.sandbox.executor.BoundedExecute`,
    which starts the ``poolcourse-sandbox`` kernel of :func:`prepare_sandboxed_kernel`.
    With ``zygote_socket`` the kernel is forked by that zygote
    (:mod:`autograder.sandbox.zygote`) instead of started afresh, with the same policy.

    Returns
    -------
    dict
        ``{"work": kernel's working folder, "events": events file, "denied": refusal log,
        "folder": the kernel's own folder}``.
    """
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from . import zygote
    from .executor import BoundedExecute

    paths, kernel_name, options = prepare_sandboxed_kernel(scratch, limits, deny, zygote_socket)
    for name, value in options.items():
        setattr(cfg.KernelManager, name, value)
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    cfg.Autograde.autograde_preprocessors = [BoundedExecute if p is Execute else p for p in default]
    cfg.BoundedExecute.kernel_name = kernel_name
    cfg.BoundedExecute.timeout = int(limits.cell_timeout)
    cfg.BoundedExecute.notebook_timeout = float(limits.notebook_timeout)
    cfg.BoundedExecute.max_output_bytes = int(limits.max_output_chars)
    cfg.BoundedExecute.events_path = str(paths["events"])
    cfg.BoundedExecute.extra_arguments = []  # the launcher adds its own
    # the zygote's provisioner: forks kernels when there is a zygote, and hands a
    # sandboxed kernel its connection file
    cfg.BoundedExecute.kernel_manager_class = zygote.ZygoteKernelManager
    return paths
