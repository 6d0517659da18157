"""pooling_ref._blocks: batch blocks on threads change nothing but the speed."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

import pooling_ref
from pooling_ref import _blocks

BIG = (24, 4096, 32)  # 12 MiB of float32: above MIN_SPLIT_BYTES, so it is split


def test_a_big_batch_is_split_into_blocks_and_each_sample_computed_once():
    x = np.zeros(BIG, np.float32)
    assert x.nbytes >= _blocks.MIN_SPLIT_BYTES
    seen = []

    def record(xb, ob):
        seen.append(xb.shape[0])
        ob[...] = 1.0

    out = _blocks.over_batch(record, x, np.zeros(BIG, np.float32))
    assert len(seen) > 1 and sum(seen) == BIG[0]
    assert (out == 1.0).all()


def test_a_small_batch_is_one_call():
    calls = []
    _blocks.over_batch(lambda xb, ob: calls.append(xb.shape), np.zeros((8, 5, 3)), np.zeros(8))
    assert calls == [(8, 5, 3)]


@pytest.mark.parametrize(
    "op",
    [
        lambda x: pooling_ref.max_pool1d(x, 3, 2, "same"),
        lambda x: pooling_ref.average_pool1d(x, 3, 2, "same"),
        lambda x: pooling_ref.average_pool2d(x.reshape(-1, 64, 64, 32), 3, 2, "same"),
    ],
)
def test_blocked_results_equal_one_sample_at_a_time(op):
    x = np.random.default_rng(0).standard_normal(BIG).astype(np.float32)
    whole = op(x)
    one_by_one = np.concatenate([op(x[i : i + 1]) for i in range(BIG[0])])  # never split
    np.testing.assert_array_equal(whole, one_by_one)


def test_run_blocks_runs_every_block_once_and_raises_a_blocks_error():
    seen = []
    _blocks.run_blocks(seen.append, list(range(50)))
    assert sorted(seen) == list(range(50))

    def fail_on_7(block):
        if block == 7:
            raise ZeroDivisionError("block 7")

    with pytest.raises(ZeroDivisionError, match="block 7"):
        _blocks.run_blocks(fail_on_7, list(range(20)))


def _pool_in_child(queue):
    x = np.ones(BIG, np.float32)
    queue.put(pooling_ref.max_pool1d(x).shape)


def test_a_forked_child_gets_a_fresh_thread_pool():
    pooling_ref.max_pool1d(np.ones(BIG, np.float32))  # the parent's pool now exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_pool_in_child, args=(queue,))
    child.start()
    try:
        assert queue.get(timeout=60) == (24, 2048, 32)  # a hang here: the child reused dead threads
    finally:
        child.join(timeout=10)


def test_scratch_reuses_one_buffer_per_name_and_thread_and_grows_when_needed():
    from concurrent.futures import ThreadPoolExecutor

    a = _blocks.scratch("test", (4, 8), np.float32)
    b = _blocks.scratch("test", (2, 8), np.float32)
    assert np.shares_memory(a, b) and b.shape == (2, 8) and b.dtype == np.float32
    other = _blocks.scratch("test-other", (4, 8), np.float32)
    assert not np.shares_memory(a, other)
    bigger = _blocks.scratch("test", (1000, 8), np.float64)
    assert bigger.shape == (1000, 8) and bigger.dtype == np.float64
    with ThreadPoolExecutor(1) as pool:
        theirs = pool.submit(_blocks.scratch, "test", (1000, 8), np.float64).result()
    assert not np.shares_memory(bigger, theirs)
