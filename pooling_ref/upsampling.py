"""Upsampling, 1D and 2D, as Keras computes it.

Semantics pinned against Keras 3 / TensorFlow 2.21 (``tests/test_upsampling.py``):

* ``UpSampling1D(size)`` and ``UpSampling2D(size, interpolation="nearest")``
  repeat every step (row, column) ``size`` times: ``np.repeat``.
* ``UpSampling2D(interpolation="bilinear")`` is ``tf.image.resize`` to
  ``(rows * size[0], cols * size[1])`` with *half-pixel centres* and no
  antialiasing: output pixel ``i`` sits at input coordinate
  ``(i + 0.5) / size - 0.5``; a coordinate below 0 is clamped to 0 and one
  beyond the last pixel reuses the last pixel, so the border rows/columns
  copy the input's border. Between two pixels the value is interpolated
  linearly, first along columns, then along rows, each as
  ``a + (b - a) * t`` like TensorFlow's kernel. TensorFlow computes the
  bilinear case in float32 whatever the input's dtype (float64 in: float32
  arithmetic, float64 out); this module does the same, so its bilinear
  results are bit-identical to Keras' in float32 and float64 alike.
"""

from __future__ import annotations

import numpy as np

from ._args import channels_last_input, from_channels_last, normalize_tuple, one_of

INTERPOLATIONS = ("nearest", "bilinear")


def upsampling1d(x, size=2):
    """Repeat each step ``size`` times, like ``keras.layers.UpSampling1D``.

    Parameters
    ----------
    x : (batch, steps, channels) ndarray
        (Keras' UpSampling1D has no ``data_format``: always channels_last.)
    size : int
        Number of copies of each step.

    Returns
    -------
    (batch, steps * size, channels) ndarray
        ``y[b, t, c] = x[b, t // size, c]``.

    Examples
    --------
    >>> upsampling1d(np.array([[[1.0], [2.0]]]), size=3)[0, :, 0]
    array([1., 1., 1., 2., 2., 2.])
    """
    x, _ = channels_last_input(x, 1, "channels_last")
    (size,) = normalize_tuple(size, 1, "size")
    return np.repeat(x, size, axis=1)


def bilinear_source(length: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each of the ``length * size`` outputs of one axis reads, by TensorFlow's rule.

    Output ``i`` sits at input coordinate ``(i + 0.5) / size - 0.5`` (half-pixel
    centres), computed in float32 as TensorFlow does: ``(i + 0.5) * scale - 0.5``
    with ``scale = float32(length) / float32(length * size)``. It mixes input
    ``lower`` with weight ``1 - frac`` and input ``upper`` with weight ``frac``;
    both indices are clamped to the input. The forward (:func:`upsampling2d`)
    and its gradient (:func:`pooling_ref.backward.upsampling2d_backward`) share it.

    Returns
    -------
    lower, upper : (length * size,) intp ndarray
    frac : (length * size,) float32 ndarray
        ``coord - floor(coord)``, in ``[0, 1)``.

    Examples
    --------
    >>> lower, upper, frac = bilinear_source(2, 2)  # coordinates -0.25, 0.25, 0.75, 1.25
    >>> lower, upper, frac
    (array([0, 0, 0, 1]), array([0, 1, 1, 1]), array([0.75, 0.25, 0.75, 0.25], dtype=float32))
    """
    scale = np.float32(length) / np.float32(length * size)
    coord = (np.arange(length * size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(coord)
    lower = np.maximum(floor, 0).astype(np.intp)
    upper = np.minimum(np.ceil(coord), length - 1).astype(np.intp)
    return lower, upper, coord - floor


def _bilinear_axis(x: np.ndarray, axis: int, size: int) -> np.ndarray:
    """Resize ``x`` by ``size`` along ``axis`` with half-pixel centres (TensorFlow's rule)."""
    lower, upper, frac = bilinear_source(x.shape[axis], size)
    shape = [1] * x.ndim
    shape[axis] = -1
    a = np.take(x, lower, axis=axis)
    b = np.take(x, upper, axis=axis)
    return a + (b - a) * frac.reshape(shape)


def upsampling2d(x, size=(2, 2), data_format="channels_last", interpolation="nearest"):
    """Upsample rows and columns, like ``keras.layers.UpSampling2D``.

    Parameters
    ----------
    x : (batch, rows, cols, channels) ndarray, or (batch, channels, rows, cols)
    size : int or (int, int)
        Factors for rows and columns.
    data_format : {"channels_last", "channels_first"}
    interpolation : {"nearest", "bilinear"}
        ``nearest`` repeats pixels; ``bilinear`` is ``tf.image.resize`` with
        half-pixel centres (see the module docstring).

    Returns
    -------
    (batch, rows * size[0], cols * size[1], channels) ndarray (or channels_first)
        nearest: ``y[b, i, j, c] = x[b, i // size[0], j // size[1], c]``;
        bilinear: linear interpolation at input coordinates
        ``((i + 0.5) / size[0] - 0.5, (j + 0.5) / size[1] - 0.5)``, clamped to the border.

    Examples
    --------
    >>> x = np.array([[[[0.0], [4.0]]]])  # one row, two columns
    >>> upsampling2d(x, size=(1, 2))[0, 0, :, 0]
    array([0., 0., 4., 4.])
    >>> upsampling2d(x, size=(1, 2), interpolation="bilinear")[0, 0, :, 0]
    array([0., 1., 3., 4.])
    """
    x, data_format = channels_last_input(x, 2, data_format)
    rows, cols = normalize_tuple(size, 2, "size")
    if not isinstance(interpolation, str) or interpolation.lower() not in INTERPOLATIONS:
        raise ValueError(
            f"The `interpolation` argument must be one of {one_of(INTERPOLATIONS)}. "
            f"Received: interpolation={interpolation!r}"
        )
    if interpolation.lower() == "nearest":
        y = np.repeat(np.repeat(x, rows, axis=1), cols, axis=2)
    else:  # in float32 like TensorFlow: along columns first, then along rows
        x32 = x.astype(np.float32, copy=False)
        y = _bilinear_axis(_bilinear_axis(x32, 2, cols), 1, rows).astype(x.dtype, copy=False)
    return from_channels_last(y, data_format)
