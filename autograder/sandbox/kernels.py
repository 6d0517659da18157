"""Wire nbgrader's ``Autograde`` to sandboxed, bounded kernels (the ``grade`` limits).

The policy a kernel gets is :mod:`autograder.sandbox.policy`'s; the executor that
bounds the notebook run is :mod:`autograder.sandbox.executor`; with a zygote the
kernels are forked by :mod:`autograder.sandbox.zygote`.
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


def configure_autograde(
    cfg, scratch: Path, limits: Limits, deny: list[str], zygote_socket: str | None = None
) -> dict[str, Path]:
    """Make nbgrader's ``Autograde`` in ``scratch`` execute in a sandboxed, bounded kernel.

    ``Execute`` is replaced by :class:`autograder.sandbox.executor.BoundedExecute`,
    which starts the ``poolcourse-sandbox`` kernel: its working folder is
    ``scratch/kernel/work`` (empty but for the assignment's data files), its
    home ``scratch/kernel/home``; ``deny`` (course, submissions, gradebook,
    output paths) and every ``poolcourse-grade*`` folder are out of its reach.
    With ``zygote_socket`` the kernel is forked by that zygote
    (:mod:`autograder.sandbox.zygote`) instead of started afresh, with the same policy.

    Returns
    -------
    dict
        ``{"work": kernel folder, "events": events file, "denied": refusal log}``.
    """
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from .executor import BoundedExecute

    scratch = Path(scratch)
    paths = {
        "work": scratch / "kernel" / "work",
        "events": scratch / "events.jsonl",
        "denied": scratch / "sandbox-denied.log",
    }
    import pooling_ref

    from ..course.assignments import PACKAGE_DIR

    policy = Policy(
        cwd=str(paths["work"]),
        allow=[str(scratch / "kernel" / "home")],
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
    # connection files (with each kernel's key) in this submission's folder only
    os.environ["JUPYTER_RUNTIME_DIR"] = str(scratch / "runtime")
    kernel_name = prepare_kernel(scratch, policy)
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    cfg.Autograde.autograde_preprocessors = [BoundedExecute if p is Execute else p for p in default]
    cfg.BoundedExecute.kernel_name = kernel_name
    cfg.BoundedExecute.timeout = int(limits.cell_timeout)
    cfg.BoundedExecute.notebook_timeout = float(limits.notebook_timeout)
    cfg.BoundedExecute.max_output_bytes = int(limits.max_output_chars)
    cfg.BoundedExecute.events_path = str(paths["events"])
    cfg.BoundedExecute.extra_arguments = []  # the launcher adds its own
    if zygote_socket:  # forked from a process that has TensorFlow imported already
        from . import zygote

        zygote.use(zygote_socket)
        cfg.BoundedExecute.kernel_manager_class = zygote.ZygoteKernelManager
    return paths
