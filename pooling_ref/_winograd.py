"""conv1d's fast path for big inputs: Winograd's minimal filtering, F(4, r).

The plain way (:mod:`pooling_ref.conv`) computes every output of a kernel of
``r`` taps with ``r`` multiply-adds per input channel and filter. Winograd's
minimal filtering algorithm (Winograd 1980; Lavin and Gray, "Fast Algorithms
for Convolutional Neural Networks", 2016) computes ``M = 4`` neighbouring
outputs from the ``alpha = M + r - 1`` inputs they read (a *tile*) with
``alpha`` multiplications instead of ``M * r``:

1. input transform: ``V = BT @ d`` mixes the ``alpha`` inputs of each tile
   (no kernel involved);
2. ``alpha`` matrix products over the channels, ``V[a] @ U[a]``, where
   ``U = G @ kernel`` is the kernel transformed once per call;
3. output transform: ``y = AT @ products`` turns the ``alpha`` products of a
   tile into its ``M`` outputs.

Step 2 is the expensive one, and it does ``alpha / (M * r)`` of the plain
product's work: ``8 / 20`` for a kernel of 5 taps, ``6 / 12`` for 3. NumPy's
BLAS here multiplies about as fast per core as TensorFlow's convolution, so
doing less work is what brings conv1d within Keras' time
(``benchmarks/README.md``); convolution libraries (cuDNN, oneDNN) use the same
algorithm for small kernels.

The matrices come from polynomial interpolation (Toom-Cook) at the points
``0, 1, -1, 2, -2, 1/2, -1/2`` (the first ``alpha - 1`` of them) and infinity:
``AT`` evaluates, ``G`` holds the interpolation weights, and ``BT`` is the
matrix for which the three steps equal the correlation
``y[i] = sum_k d[i + k] * g[k]`` for every ``d`` and ``g``; :func:`transforms`
solves for it and checks the identity. The price is rounding: in float32 the
error is about twice the plain product's, under 2e-6 of the output's scale
(measured against float64 in ``tests/test_winograd.py``), well inside the
1e-5 to which pooling_ref matches Keras. More outputs per tile (larger points)
would save more work but lose accuracy fast (5 outputs per tile: 8e-6).

It applies to ``strides=1``, ``dilation_rate=1`` and kernels of 2 to 5 taps,
with any padding, groups and data format; :mod:`pooling_ref.conv` takes it
only for big products (:data:`MIN_MACS`), so the small examples of the course
and its exercises go the plain, textbook way.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from ._blocks import run_blocks, sample_or_row_blocks, scratch

M = 4  # outputs per tile
POINTS = (0, 1, -1, 2, -2, 1 / 2, -1 / 2)  # finite interpolation points, then infinity
MAX_KERNEL = len(POINTS) + 2 - M  # 5 taps: F(4, 5) uses all 7 points and infinity
MIN_MACS = 1 << 24  # multiply-adds of the plain product from which the fast path is used
BLOCK_BYTES = 1 << 20  # transformed input (alpha * tiles * channels) per block


def applies(kernel_size: int, strides: int, dilation: int, macs: int) -> bool:
    """Whether :func:`conv1d_into` should compute this convolution."""
    return 2 <= kernel_size <= MAX_KERNEL and strides == 1 and dilation == 1 and macs >= MIN_MACS


@functools.cache
def transforms(r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(AT, G, BT)`` of F(M, r) in float64: ``M`` outputs, ``alpha = M + r - 1`` inputs.

    ``AT`` is ``(M, alpha)``, ``G`` is ``(alpha, r)`` and ``BT`` is
    ``(alpha, alpha)``; for any tile ``d`` of ``alpha`` inputs and kernel ``g``,
    ``AT @ ((G @ g) * (BT @ d))`` is the correlation ``[sum_k d[i + k] * g[k]
    for i in range(M)]``. The points are the first ``alpha - 1`` of
    :data:`POINTS`, and infinity.

    Examples
    --------
    >>> at, g, bt = transforms(3)  # F(4, 3): 4 outputs from 6 inputs with 6 products
    >>> d, kernel = np.arange(6.0), np.array([1.0, 0.0, 2.0])
    >>> np.round(at @ ((g @ kernel) * (bt @ d)), 12)
    array([ 4.,  7., 10., 13.])
    """
    alpha = M + r - 1
    points = POINTS[: alpha - 1]
    at, g = np.zeros((M, alpha)), np.zeros((alpha, r))
    for j, p in enumerate(points):
        weight = np.prod([p - q for q in points if q != p])
        at[:, j] = [p**i for i in range(M)]
        g[j] = [p**k / weight for k in range(r)]
    at[M - 1, alpha - 1] = g[alpha - 1, r - 1] = 1.0  # the point at infinity
    # BT solves sum_a AT[i, a] * G[a, k] * BT[a, b] = [b == i + k] for all i, k, b
    equations, wanted = [], []
    for i, k, b in itertools.product(range(M), range(r), range(alpha)):
        row = np.zeros((alpha, alpha))
        row[:, b] = at[i] * g[:, k]
        equations.append(row.ravel())
        wanted.append(float(b == i + k))
    equations, wanted = np.array(equations), np.array(wanted)
    bt = np.linalg.lstsq(equations, wanted, rcond=None)[0]
    assert np.allclose(equations @ bt, wanted, rtol=0, atol=1e-12), "no exact BT"
    return at, g, bt.reshape(alpha, alpha)


def conv1d_into(out, x, kernel, bias, left: int, groups: int, *, threads: bool = True) -> None:
    """Write ``conv1d`` (strides 1, dilation 1) of channels-last ``x`` into ``out``.

    ``x`` is ``(batch, steps, in_channels)``, ``kernel`` ``(r, in_channels //
    groups, filters)``, ``out`` ``(batch, out_steps, filters)``; ``left`` is the
    number of zeros padded on the left (the right side is padded as far as the
    outputs need). The tiles of a block are transformed, multiplied and
    transformed back in cache; blocks run as in :mod:`pooling_ref._blocks`.
    """
    batch, steps, cin = x.shape
    r, cin_g, filters = kernel.shape
    f_g = filters // groups
    out_steps = out.shape[1]
    at, g, bt = transforms(r)
    m, alpha = at.shape
    tiles = -(-out_steps // m)
    # U[a] = (G @ kernel)[a]: (alpha, cin_g, filters), transformed once, split by group
    u = np.tensordot(g, kernel.astype(np.float64), axes=1).astype(x.dtype)
    u_groups = [np.ascontiguousarray(u[..., j * f_g : (j + 1) * f_g]) for j in range(groups)]
    at, bt = at.astype(x.dtype), bt.astype(x.dtype)

    def compute(block) -> None:  # samples `b`, tiles t0 <= t < t1
        b, tile_range = block
        t0, t1 = tile_range.start, tile_range.stop
        xb, nb, nt = x[b], len(range(batch)[b]), t1 - t0
        # d[j, n, t] = input step m * (t0 + t) + j - left of sample n (zero outside)
        d = scratch("winograd_d", (alpha, nb, nt, cin), x.dtype)
        for j in range(alpha):
            first = m * t0 + j - left  # step read by tile t0
            lo = min(nt, max(0, -(first // m)))
            hi = max(lo, min(nt, (steps - 1 - first) // m + 1))
            d[j, :, :lo] = 0
            d[j, :, hi:] = 0
            if lo < hi:
                start = first + m * lo
                d[j, :, lo:hi] = xb[:, start : start + m * (hi - lo - 1) + 1 : m]
        v = scratch("winograd_v", (alpha, nb * nt, cin), x.dtype)
        np.matmul(bt, d.reshape(alpha, -1), out=v.reshape(alpha, -1))
        products = scratch("winograd_products", (alpha, nb * nt, filters), x.dtype)
        for j in range(groups):
            np.matmul(
                v[..., j * cin_g : (j + 1) * cin_g],
                u_groups[j],
                out=products[..., j * f_g : (j + 1) * f_g],
            )
        y = scratch("winograd_y", (m, nb, nt, filters), x.dtype)
        np.matmul(at, products.reshape(alpha, -1), out=y.reshape(m, -1))
        # y[i, n, t] is output step m * (t0 + t) + i: interleave the m phases into `out`,
        # adding the bias on the way
        rows = min(m * t1, out_steps) - m * t0
        full = rows // m
        target = out[b, m * t0 : m * t0 + rows]
        pieces = [(target[:, m * full + i], y[i, :, full]) for i in range(rows - m * full)]
        if full:
            whole = target[:, : m * full].reshape(nb, full, m, filters)
            pieces += [(whole[:, :, i], y[i, :, :full]) for i in range(m)]
        for destination, source in pieces:
            if bias is None:
                destination[...] = source
            else:
                np.add(source, bias, out=destination)

    blocks = sample_or_row_blocks(batch, tiles, alpha * cin * x.itemsize, BLOCK_BYTES)
    run_blocks(compute, blocks, threads=threads)
