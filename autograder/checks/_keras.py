"""Keras as the second oracle: the real layer's output (or gradient) for a case.

Keras is imported lazily, the first time a check needs it, with file
descriptor 2 pointed away from the notebook (TensorFlow's C++ start-up lines
would otherwise appear on stderr, which nbgrader scores as a failure). Layers
are cached by configuration; convolution weights are set per call.

``output(exercise, case)`` returns ``None`` when the case cannot be expressed
with a Keras layer (the caller then compares with pooling_ref only).
Conv1D cases with ``channels_first`` run the ``channels_last`` layer on transposed
input, which is the same computation: on the CPU (oneDNN off) an ungrouped
channels_first Conv1D raises ``UnimplementedError``, and a grouped one with a bias
adds the bias along the steps whenever the output has as many steps as filters
(Keras' ``bias_add`` shortcut guesses the channel axis; tests/test_claims.py pins it).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings

import numpy as np

import pooling_ref  # noqa: F401  (quiet TensorFlow before importing Keras)

_LAYERS: dict = {}


@contextlib.contextmanager
def silenced_stderr_fd():
    """Point file descriptor 2 at a temporary file (C++ logging included), then restore it."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _modules():
    with silenced_stderr_fd():
        import keras
        import tensorflow as tf
    return keras, tf


def _layer(class_name: str, **config):
    """A cached Keras layer built from ``config`` (dtype included)."""
    key = (class_name, repr(sorted(config.items())))
    if key not in _LAYERS:
        keras, _ = _modules()
        _LAYERS[key] = getattr(keras.layers, class_name)(**config)
    return _LAYERS[key]


def _to_numpy(value) -> np.ndarray:
    return np.asarray(value)


# --------------------------------------------------------------------------
# one function per exercise: case -> layer (+ inputs) description
# --------------------------------------------------------------------------
_POOL_LAYERS = {
    "max_pool1d": "MaxPooling1D",
    "average_pool1d": "AveragePooling1D",
    "max_pool2d": "MaxPooling2D",
    "global_max_pool1d": "GlobalMaxPooling1D",
    "global_average_pool1d": "GlobalAveragePooling1D",
    "upsampling1d": "UpSampling1D",
}


def _forward_layer(exercise: str, case):
    """``(layer, call_kwargs, transpose)`` computing the forward op of ``exercise`` for ``case``.

    ``transpose`` means: run the layer on ``x`` moved to channels_last and move the
    result back (Conv1D channels_first, which TensorFlow lacks on the CPU).
    """
    o = dict(case.options)
    x = case.array("x")
    # float input: a layer computing in that dtype (the precise oracle for the values);
    # int/bool input: Keras' default policy, as a learner's Keras call would run it
    dtype = x.dtype.name if x.dtype.kind == "f" else None
    call_kwargs = {}
    if exercise in ("max_pool1d", "average_pool1d", "max_pool2d"):
        default_pool = (2, 2) if exercise == "max_pool2d" else 2
        layer = _layer(
            _POOL_LAYERS[exercise],
            pool_size=o.get("pool_size", default_pool),
            strides=o.get("strides"),
            padding=o.get("padding", "valid"),
            data_format=o.get("data_format", "channels_last"),
            dtype=dtype,
        )
        return layer, call_kwargs, False
    if exercise in ("global_max_pool1d", "global_average_pool1d"):
        if o.get("mask") is not None:
            call_kwargs["mask"] = o["mask"]
        layer = _layer(
            _POOL_LAYERS[exercise],
            data_format=o.get("data_format", "channels_last"),
            keepdims=o.get("keepdims", False),
            dtype=dtype,
        )
        return layer, call_kwargs, False
    if exercise == "upsampling1d":
        return _layer("UpSampling1D", size=o.get("size", 2), dtype=dtype), call_kwargs, False
    if exercise == "conv1d":
        kernel, bias = case.array("kernel"), case.array("bias")
        keras, _ = _modules()
        layer = keras.layers.Conv1D(  # one per case: the weights belong to the case
            filters=kernel.shape[2],
            kernel_size=kernel.shape[0],
            strides=o.get("strides", 1),
            padding=o.get("padding", "valid"),
            dilation_rate=o.get("dilation_rate", 1),
            groups=o.get("groups", 1),
            use_bias=bias is not None,
            dtype=dtype,
        )
        channels_first = o.get("data_format", "channels_last") == "channels_first"
        steps, cin = (x.shape[2], x.shape[1]) if channels_first else x.shape[1:]
        layer.build((None, steps, cin))
        layer.set_weights([kernel] if bias is None else [kernel, bias])
        return layer, call_kwargs, channels_first
    raise KeyError(exercise)


def output(exercise: str, case):
    """The Keras layer's answer for ``case`` (array, or tuple for conv1d_backward); None if n/a."""
    if not case.keras:
        return None
    forward = exercise.removesuffix("_backward")
    with silenced_stderr_fd():
        if forward not in _POOL_LAYERS and forward != "conv1d":
            return None
        if exercise == forward:
            layer, call_kwargs, transpose = _forward_layer(exercise, case)
            x = case.array("x")
            y = _to_numpy(layer(np.moveaxis(x, 1, -1) if transpose else x, **call_kwargs))
            return np.moveaxis(y, -1, 1) if transpose else y
        return _gradients(forward, case)


def _gradients(forward: str, case):
    """Gradients of ``sum(layer(x) * grad_output)`` by ``tf.GradientTape``."""
    _, tf = _modules()
    layer, call_kwargs, transpose = _forward_layer(forward, case)
    g = case.array("grad_output")
    if transpose:
        g = np.moveaxis(g, 1, -1)
    x = tf.constant(np.moveaxis(case.array("x"), 1, -1) if transpose else case.array("x"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, **call_kwargs)
        loss = tf.reduce_sum(y * tf.constant(g))
    sources = [x]
    if forward == "conv1d":
        sources += [layer.kernel] + ([layer.bias] if case.array("bias") is not None else [])
    grads = [_to_numpy(gr) for gr in tape.gradient(loss, sources)]
    if transpose:
        grads[0] = np.moveaxis(grads[0], -1, 1)
    if forward != "conv1d":
        return grads[0]
    return tuple(grads) if len(grads) == 3 else (grads[0], grads[1], None)
