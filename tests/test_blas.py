"""pooling_ref._blas: OpenBLAS is held to one thread inside the block, restored after."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from pooling_ref import _blas

controls = _blas._openblas_controls()
needs_openblas = pytest.mark.skipif(not controls, reason="NumPy does not use OpenBLAS here")


@needs_openblas
def test_one_thread_inside_and_the_previous_count_after_even_when_nested():
    set_threads, get_threads = controls
    set_threads(2)
    try:
        with _blas.single_threaded_blas() as limited:
            assert limited is True
            assert get_threads() == 1
            with _blas.single_threaded_blas():
                assert get_threads() == 1
            assert get_threads() == 1  # the inner exit does not restore yet
        assert get_threads() == 2
    finally:
        set_threads(2)


@needs_openblas
def test_restored_after_an_exception_and_after_overlapping_threads():
    set_threads, get_threads = controls
    set_threads(2)
    with pytest.raises(RuntimeError), _blas.single_threaded_blas():
        raise RuntimeError("boom")
    assert get_threads() == 2

    inside = threading.Barrier(2)

    def user():
        with _blas.single_threaded_blas():
            inside.wait(timeout=10)  # both threads are inside at once
            assert get_threads() == 1
            np.ones((50, 50)) @ np.ones((50, 50))

    threads = [threading.Thread(target=user) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert get_threads() == 2


def test_without_openblas_it_says_so_and_runs_the_body(monkeypatch):
    monkeypatch.setattr(_blas, "_controls", ())
    ran = []
    with _blas.single_threaded_blas() as limited:
        ran.append(limited)
    assert ran == [False]


def test_the_docstring_example_runs_and_describe_names_the_blas():
    import doctest

    result = doctest.testmod(_blas, extraglobs={"np": np})
    assert result.attempted > 0 and result.failed == 0
    description = _blas.describe()
    assert ("OpenBLAS" in description) == bool(controls)
