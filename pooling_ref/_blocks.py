"""Compute an op block by block: cache-sized blocks of the batch, on a few threads.

Besides plain vectorisation this is pooling_ref's one speed device. It changes
no arithmetic in pooling (every sample is computed exactly as it would be
alone); in a convolution BLAS may add a product's terms in another order for
another number of rows (rounding differences only, ``tests/test_conv.py``).

* NumPy's ufuncs and BLAS calls release the GIL, so blocks on a thread pool run
  in parallel, as TensorFlow's intra-op thread pool does for the Keras layers.
  The threads take blocks from a shared queue: when another process takes a
  core, the other thread simply takes more blocks.
* Blocks of one or two MiB keep a block's intermediate results in the CPU's
  cache between the passes an op makes (one pass per window tap), instead of
  streaming the whole batch through memory once per tap.

Small inputs (the notebooks' examples, most tests) are computed in one call
on the calling thread.
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

BLOCK_BYTES = 1 << 21  # ~2 MiB of input per block (measured: 1-4 MiB perform alike)
MIN_SPLIT_BYTES = 1 << 23  # below 8 MiB of input the whole batch is one call

_executor: ThreadPoolExecutor | None = None
_scratch = threading.local()  # each thread's reusable buffers (see scratch)
T = TypeVar("T")


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="pooling_ref")
    return _executor


def _forget_pool_in_child() -> None:
    """A forked child inherits the pool object but not its threads: start afresh there."""
    global _executor
    _executor = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def run_blocks(compute: Callable[[T], None], blocks: list[T], *, threads: bool = True) -> None:
    """Call ``compute(block)`` for every block, on the calling thread and the pool's threads.

    Each thread takes the next block from a shared queue until none is left, so
    a thread slowed down by another process simply takes fewer blocks. One
    block, or ``threads=False``, runs on the calling thread only. The blocks
    must be independent (each writes its own part of the result).
    """
    if len(blocks) <= 1 or not threads or _workers() == 1:
        for block in blocks:
            compute(block)
        return
    todo: queue.SimpleQueue[T] = queue.SimpleQueue()
    for block in blocks:
        todo.put(block)

    def work() -> None:
        while True:
            try:
                block = todo.get_nowait()
            except queue.Empty:
                return
            compute(block)

    helpers = [_pool().submit(work) for _ in range(min(_workers(), len(blocks)) - 1)]
    try:
        work()
    finally:
        for helper in helpers:
            helper.result()  # re-raises a helper's exception


def scratch(name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """An uninitialised array of ``shape`` in this thread's buffer called ``name``.

    A block's temporaries of about a MiB, allocated afresh for every block, are
    served by the C library with ``mmap`` or handed back to the system when
    freed, depending on its heuristics; then every block pays page faults for
    new memory (measured: conv1d's fast path ran 4x slower in a process that
    had not yet made a bigger allocation). Each thread keeps one buffer per
    ``name`` instead, grown when needed and reused by the next block and the
    next call. The array is valid until this thread asks for ``name`` again.
    """
    dtype = np.dtype(dtype)
    nbytes = max(1, math.prod(shape) * dtype.itemsize)
    buffers = _scratch.__dict__.setdefault("buffers", {})
    buffer = buffers.get(name)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = buffers[name] = np.empty(nbytes, dtype=np.uint8)
    return buffer[:nbytes].view(dtype).reshape(shape)


def batch_blocks(batch: int, per_block: int) -> list[slice]:
    """``[0:per_block], [per_block:2 * per_block], ...`` covering ``range(batch)``."""
    per_block = max(1, per_block)
    return [slice(start, min(start + per_block, batch)) for start in range(0, batch, per_block)]


def sample_or_row_blocks(
    batch: int, rows: int, row_bytes: int, block_bytes: int
) -> list[tuple[slice, slice]]:
    """``(samples, rows)`` blocks of about ``block_bytes``, each row costing ``row_bytes``.

    Whole samples (all their rows) per block while a sample fits; otherwise one
    sample per block, split into ranges of rows.
    """
    sample_bytes = max(1, row_bytes * rows)
    if sample_bytes <= block_bytes:
        every_row = slice(0, rows)
        return [(b, every_row) for b in batch_blocks(batch, block_bytes // sample_bytes)]
    per_block = max(1, block_bytes // max(1, row_bytes))
    return [
        (slice(n, n + 1), slice(r, min(r + per_block, rows)))
        for n in range(batch)
        for r in range(0, rows, per_block)
    ]


def over_batch(
    compute: Callable[[np.ndarray, np.ndarray], None],
    x: np.ndarray,
    out: np.ndarray,
    *,
    threads: bool = True,
    block_bytes: int | None = None,
) -> np.ndarray:
    """Call ``compute(x[block], out[block])`` for blocks of the batch (axis 0); return ``out``.

    ``compute`` must write its whole result into the ``out`` block it is given
    and touch nothing else. Blocks hold about ``block_bytes`` of ``x`` (default
    :data:`BLOCK_BYTES`, at least one sample) and run as in :func:`run_blocks`;
    an input under :data:`MIN_SPLIT_BYTES` is one call on the calling thread.
    """
    batch = x.shape[0]
    if batch <= 1 or x.nbytes < MIN_SPLIT_BYTES:
        compute(x, out)
        return out
    per_block = (block_bytes or BLOCK_BYTES) // max(1, x.nbytes // batch)
    run_blocks(
        lambda block: compute(x[block], out[block]),
        batch_blocks(batch, per_block),
        threads=threads,
    )
    return out
