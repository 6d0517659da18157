"""Make NumPy's BLAS single-threaded for a while, so that our own threads can share the cores.

:func:`pooling_ref.conv1d` / ``conv2d`` split the batch into blocks and run one
matrix product per block on each of pooling_ref's threads
(:mod:`pooling_ref._blocks`). OpenBLAS, the BLAS of NumPy's wheels, would
start its own threads inside each product as well: two layers of threads on
the same cores, whose busy-waiting OpenBLAS threads lose badly as soon as
another process wants a core (measured: 3-8x slower on a loaded 2-core
machine). So while such a computation runs, OpenBLAS is told to use one
thread, and its previous setting is restored afterwards.

There is no NumPy API for this; like ``threadpoolctl``, this module calls
OpenBLAS' own ``openblas_set_num_threads`` through :mod:`ctypes`. When NumPy
uses another BLAS (MKL, Accelerate) or OpenBLAS cannot be found,
:func:`single_threaded_blas` yields ``False`` and the caller should leave the
threading to the BLAS.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import threading
from collections.abc import Iterator

import numpy as np

# OpenBLAS' thread controls, by build: NumPy's wheels (scipy-openblas, 64-bit ints),
# scipy-openblas with 32-bit ints, a plain OpenBLAS with 64-bit ints, a plain OpenBLAS.
_SYMBOLS = [
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
]

_lock = threading.Lock()
_controls: tuple | None = None  # (set, get) once looked up; () when there is no OpenBLAS
_library: ctypes.CDLL | None = None  # the OpenBLAS they belong to
_depth = 0  # nested/concurrent users of single_threaded_blas
_saved = 1  # OpenBLAS' thread count before the outermost user


def _candidate_libraries() -> list[str]:
    """OpenBLAS libraries: the one NumPy's wheel ships first, then any loaded one (Linux)."""
    numpy_dir = os.path.dirname(np.__file__)
    paths = []
    for libs in (numpy_dir + ".libs", os.path.join(numpy_dir, ".dylibs")):
        for pattern in ("*openblas*.so*", "*openblas*.dylib"):
            paths += sorted(glob.glob(os.path.join(libs, pattern)))
    try:  # e.g. conda's NumPy, linked against a shared libopenblas
        with open("/proc/self/maps") as maps:
            paths += [line.split()[-1] for line in maps if "openblas" in line.lower()]
    except OSError:  # pragma: no cover - not Linux
        pass
    return list(dict.fromkeys(path for path in paths if os.path.isfile(path)))


def _openblas_controls() -> tuple:
    """``(set_num_threads, get_num_threads)`` of NumPy's OpenBLAS, or ``()`` if not found.

    Any failure to look (an unreadable folder, a library that will not load, a
    sandbox refusing the lookup with ``PermissionError``) means "not found".
    """
    global _controls, _library
    if _controls is None:
        _controls = ()
        try:
            for path in _candidate_libraries():
                try:
                    lib = ctypes.CDLL(path)  # already loaded: the same library, not a copy
                except OSError:
                    continue
                for set_name, get_name in _SYMBOLS:
                    if hasattr(lib, set_name) and hasattr(lib, get_name):
                        _controls = (getattr(lib, set_name), getattr(lib, get_name))
                        _library = lib
                        break
                if _controls:
                    break
        except OSError:
            _controls = ()
    return _controls


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[bool]:
    """Run the ``with`` body with OpenBLAS limited to one thread; yield whether that was possible.

    Re-entrant and safe to use from several threads at once: the first user
    saves OpenBLAS' thread count and sets 1, the last one restores it.

    Examples
    --------
    >>> with single_threaded_blas() as limited:
    ...     product = np.ones((4, 3)) @ np.ones((3, 2))
    >>> product.shape
    (4, 2)
    """
    global _depth, _saved
    controls = _openblas_controls()
    if not controls:
        yield False
        return
    set_threads, get_threads = controls
    with _lock:
        if _depth == 0:
            _saved = get_threads()
            set_threads(1)
        _depth += 1
    try:
        yield True
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                set_threads(_saved)


def describe() -> str:
    """OpenBLAS' own description (version, kernel family in use) and thread count, for reports.

    The kernel family matters: an OpenBLAS that does not recognise the CPU falls
    back to an older family (e.g. ``Haswell``, AVX2 only, on an AVX-512 CPU), and
    ``OPENBLAS_CORETYPE`` set before NumPy is imported chooses another.
    """
    controls = _openblas_controls()
    if not controls:
        return "not OpenBLAS (or OpenBLAS not found)"
    for name in (
        "scipy_openblas_get_config64_",
        "scipy_openblas_get_config",
        "openblas_get_config",
    ):
        config = getattr(_library, name, None)
        if config is not None:
            config.restype = ctypes.c_char_p
            return f"{config().decode().strip()}; {controls[1]()} threads"
    return f"OpenBLAS; {controls[1]()} threads"
