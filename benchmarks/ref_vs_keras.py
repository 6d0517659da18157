"""Time pooling_ref against the Keras layers (TensorFlow backend, eager) on realistic shapes.

For each op: build the Keras layer, check both compute the same values, warm
both sides up, then time ``repeats`` calls of each, alternating ref and Keras
call by call so that both see the same machine load, and print the median
times and the ratio ref / Keras in one table. The ratio uses the eager layer
call on a ``tf.Tensor`` already in memory (the strict comparison: the
NumPy-to-tensor conversion is not charged to Keras); the last column shows the
same layer called on the NumPy array, as a learner would call it, for context.

On a machine that other processes load, the medians of both sides move with
the load; the "paired" column, the median over the repeats of
``ref call / the Keras call right after it``, is less sensitive to that drift.
The 1-minute load average is printed before each op.

The issue's bar: ratio <= 1.25 on (32, 4096, 64) float32 for max/average
pooling and upsampling, and (32, 1024, 64) with 64 filters, kernel 5 for conv1d.

Usage::

    .venv/bin/python benchmarks/ref_vs_keras.py [--repeats 21] [--warmup 3] [--only conv1d]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def _openblas_kernels_for_this_cpu() -> None:
    """Let OpenBLAS use the AVX-512 kernels on an AVX-512 CPU it does not recognise.

    OpenBLAS 0.3.31 (NumPy 2.4's wheel) does not recognise AMD Zen 5 and falls
    back to its AVX2 ``Haswell`` kernels, at about half the speed TensorFlow
    gets from the same cores; ``OPENBLAS_CORETYPE=SkylakeX`` selects its
    AVX-512 kernels. It must be set before NumPy is imported, so it is set here,
    only when the CPU has avx512f and the user has not chosen a core type. The
    header line "NumPy's BLAS" shows the family in use. A core type already in
    the environment is respected: the shared development machines of this
    project export ``OPENBLAS_CORETYPE=Haswell``, so there the AVX2 kernels are
    measured (see benchmarks/README.md).
    """
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return
    if " avx512f" in flags and "OPENBLAS_CORETYPE" not in os.environ:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"


_openblas_kernels_for_this_cpu()

import numpy as np  # noqa: E402  (after the OpenBLAS core type is chosen)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pooling_ref  # noqa: E402
from pooling_ref import _blas  # noqa: E402

BAR = 1.25
POOL_SHAPE = (32, 4096, 64)
CONV_SHAPE = (32, 1024, 64)


def cases(keras):
    """(name, shape, NumPy callable of x, Keras layer, counts for the bar)."""
    L = keras.layers
    conv_kernel = np.random.default_rng(1).standard_normal((5, 64, 64)).astype(np.float32) * 0.1
    conv_bias = np.random.default_rng(2).standard_normal(64).astype(np.float32)

    def conv_layer(padding):
        layer = L.Conv1D(64, 5, padding=padding)
        layer.build((None, *CONV_SHAPE[1:]))
        layer.kernel.assign(conv_kernel)
        layer.bias.assign(conv_bias)
        return layer

    def conv(padding):
        return lambda x: pooling_ref.conv1d(x, conv_kernel, conv_bias, padding=padding)

    return [
        (
            "max_pool1d pool 2",
            POOL_SHAPE,
            lambda x: pooling_ref.max_pool1d(x, 2),
            L.MaxPooling1D(2),
            True,
        ),
        (
            "max_pool1d pool 3, strides 2, same",
            POOL_SHAPE,
            lambda x: pooling_ref.max_pool1d(x, 3, 2, "same"),
            L.MaxPooling1D(3, 2, "same"),
            True,
        ),
        (
            "average_pool1d pool 2",
            POOL_SHAPE,
            lambda x: pooling_ref.average_pool1d(x, 2),
            L.AveragePooling1D(2),
            True,
        ),
        (
            "average_pool1d pool 3, strides 2, same",
            POOL_SHAPE,
            lambda x: pooling_ref.average_pool1d(x, 3, 2, "same"),
            L.AveragePooling1D(3, 2, "same"),
            True,
        ),
        (
            "upsampling1d size 2",
            POOL_SHAPE,
            lambda x: pooling_ref.upsampling1d(x, 2),
            L.UpSampling1D(2),
            True,
        ),
        (
            "conv1d 64 filters, kernel 5, valid",
            CONV_SHAPE,
            conv("valid"),
            conv_layer("valid"),
            True,
        ),
        ("conv1d 64 filters, kernel 5, same", CONV_SHAPE, conv("same"), conv_layer("same"), True),
        (
            "global_max_pool1d",
            POOL_SHAPE,
            pooling_ref.global_max_pool1d,
            L.GlobalMaxPooling1D(),
            False,
        ),
        (
            "global_average_pool1d",
            POOL_SHAPE,
            pooling_ref.global_average_pool1d,
            L.GlobalAveragePooling1D(),
            False,
        ),
    ]


def time_alternately(calls, repeats: int, warmup: int) -> list[list[float]]:
    """Seconds of ``repeats`` calls of each of ``calls``, timed in turn (1, 2, ..., 1, 2, ...)."""
    for _ in range(warmup):
        for call in calls:
            call()
    times = [[] for _ in calls]
    for _ in range(repeats):
        for call, record in zip(calls, times, strict=True):
            start = time.perf_counter()
            call()
            record.append(time.perf_counter() - start)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed calls per side (median)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls per side first")
    parser.add_argument("--only", default="", help="run only ops whose name contains this")
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    inputs = {
        shape: rng.standard_normal(shape).astype(np.float32) for shape in (POOL_SHAPE, CONV_SHAPE)
    }
    tensors = {shape: tf.constant(x) for shape, x in inputs.items()}

    print(
        f"pooling_ref vs Keras {keras.__version__} / TensorFlow {tf.__version__}, "
        f"NumPy {np.__version__}; float32; median of {args.repeats} calls "
        f"after {args.warmup} warm-up calls"
    )
    print(
        f"{os.cpu_count()} CPUs; load average before the run: "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg())
        + " (other processes compete for the same cores: compare ratios, not times)"
    )
    print(f"NumPy's BLAS: {_blas.describe()}")
    print()
    print(
        "| op | input | load | ref (ms) | keras (ms) | ref / keras | paired | "
        "keras on a NumPy array (ms) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for name, shape, ref_fn, layer, in_bar in cases(keras):
        if args.only not in name:
            continue
        x, xt = inputs[shape], tensors[shape]
        expected = np.asarray(layer(xt))
        np.testing.assert_allclose(ref_fn(x), expected, rtol=1e-4, atol=1e-4)  # same op timed
        load = os.getloadavg()[0]
        calls = [lambda: ref_fn(x), lambda: layer(xt)]  # noqa: B023
        t_ref, t_keras = time_alternately(calls, args.repeats, args.warmup)
        # context only, timed apart: its 32 MiB conversion would disturb the pair's timing
        (t_keras_numpy,) = time_alternately([lambda: layer(x)], args.repeats, 1)  # noqa: B023
        ratio = statistics.median(t_ref) / statistics.median(t_keras)
        paired = statistics.median(r / k for r, k in zip(t_ref, t_keras, strict=True))
        if in_bar:
            worst = max(worst, ratio)
        note = "" if in_bar else " (not in the bar)"
        print(
            f"| {name}{note} | {shape} | {load:.1f} | {statistics.median(t_ref) * 1e3:.1f} "
            f"| {statistics.median(t_keras) * 1e3:.1f} | {ratio:.2f} | {paired:.2f} "
            f"| {statistics.median(t_keras_numpy) * 1e3:.1f} |",
            flush=True,
        )
    print()
    verdict = "within" if worst <= BAR else "ABOVE"
    print(f"worst ratio on the issue's ops: {worst:.2f} ({verdict} the {BAR}x bar)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
