"""``from_keras``: turn a built Keras layer or model into the same forward pass in NumPy.

This is how a learner sees "what Keras does, in NumPy": every supported layer
becomes a call of the matching :mod:`pooling_ref` function with the layer's
own arguments (read from ``layer.get_config()``) and a NumPy copy of its
weights; a model becomes those calls chained in the model's order.

Supported layers: ``MaxPooling1D/2D``, ``AveragePooling1D/2D``,
``GlobalMaxPooling1D/2D``, ``GlobalAveragePooling1D/2D``, ``Conv1D/2D`` (with
bias and activation), ``UpSampling1D/2D``, ``Dense``, ``Flatten``, ``Dropout``
(identity: inference), ``Activation``, ``ReLU``, ``Softmax`` and
``InputLayer``; and ``keras.Sequential`` / functional models made of them
(nested models included). Anything else raises a ``ValueError`` naming the
layer (or the argument) that is not supported.

Keras layers compute in their dtype policy (float32 by default): the
callable casts each layer's input to that layer's ``compute_dtype``, as Keras does.
The weights are copied when ``from_keras`` is called; later training of the
Keras model does not change the callable.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .conv import conv1d, conv2d
from .global_pooling import (
    global_average_pool1d,
    global_average_pool2d,
    global_max_pool1d,
    global_max_pool2d,
)
from .pooling import average_pool1d, average_pool2d, max_pool1d, max_pool2d
from .upsampling import upsampling1d, upsampling2d


# --------------------------------------------------------------------------
# activations (by the names Keras stores in a layer's config)
# --------------------------------------------------------------------------
def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # = 1 / (1 + exp(-x)), without overflow


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": _softmax,
}


def _unsupported(layer, what: str = "") -> ValueError:
    detail = f" with {what}" if what else ""
    return ValueError(
        f"from_keras does not support layer '{layer.name}' ({type(layer).__name__}){detail}. "
        f"Supported: {', '.join(sorted(_CONVERTERS))}, and Sequential/functional models of them."
    )


def _no_mask(model, mask) -> None:
    if mask is not None:
        raise _unsupported(model, "a mask passed to a model")


def _activation(layer, name) -> Callable[[np.ndarray], np.ndarray]:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise _unsupported(layer, f"activation={name!r}")
    return ACTIVATIONS[name]


def _weights(layer, *names: str) -> list[np.ndarray | None]:
    """NumPy copies of the layer's variables ``names`` (None for a missing bias)."""
    if not layer.built:
        raise ValueError(
            f"from_keras needs a built layer: call it on data (or build it) first. "
            f"Received: layer '{layer.name}' ({type(layer).__name__}) with built=False"
        )
    if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None):
        raise _unsupported(layer, "LoRA or quantized weights")
    out = []
    for name in names:
        variable = getattr(layer, name, None)
        out.append(None if variable is None else np.array(variable.numpy()))
    return out


# --------------------------------------------------------------------------
# one converter per layer class: layer -> NumPy function of one array
# --------------------------------------------------------------------------
def _pooling(fn):
    def convert(layer, cfg):
        return lambda x: fn(x, cfg["pool_size"], cfg["strides"], cfg["padding"], cfg["data_format"])

    return convert


def _global_pooling(fn):
    def convert(layer, cfg):
        options = {"data_format": cfg["data_format"], "keepdims": cfg["keepdims"]}
        if fn is global_average_pool1d:  # the one layer that takes a mask
            return lambda x, mask=None: fn(x, mask=mask, **options)
        return lambda x: fn(x, **options)

    return convert


def _conv(fn):
    def convert(layer, cfg):
        kernel, bias = _weights(layer, "kernel", "bias")
        activation = _activation(layer, cfg["activation"])
        options = {
            key: cfg[key]
            for key in ("strides", "padding", "data_format", "dilation_rate", "groups")
        }
        return lambda x: activation(fn(x, kernel, bias, **options))

    return convert


def _dense(layer, cfg):
    kernel, bias = _weights(layer, "kernel", "bias")
    activation = _activation(layer, cfg["activation"])

    def dense(x):
        y = x @ kernel
        return activation(y if bias is None else y + bias)

    return dense


def _flatten(layer, cfg):
    def flatten(x):
        if cfg.get("data_format") == "channels_first" and x.ndim > 2:
            x = np.moveaxis(x, 1, -1)  # Keras flattens in channels_last order
        return x.reshape(x.shape[0], -1)

    return flatten


def _relu(layer, cfg):
    max_value, slope, threshold = cfg["max_value"], cfg["negative_slope"], cfg["threshold"]

    def relu(x):
        # Keras: x above the threshold, negative_slope * (x - threshold) below, capped at max_value
        y = np.where(x >= threshold, x, slope * (x - threshold)).astype(x.dtype, copy=False)
        return y if max_value is None else np.minimum(y, max_value).astype(x.dtype, copy=False)

    return relu


def _upsampling2d(layer, cfg):
    if cfg["interpolation"] not in ("nearest", "bilinear"):
        raise _unsupported(layer, f"interpolation={cfg['interpolation']!r}")
    return lambda x: upsampling2d(x, cfg["size"], cfg["data_format"], cfg["interpolation"])


_CONVERTERS = {
    "MaxPooling1D": _pooling(max_pool1d),
    "MaxPooling2D": _pooling(max_pool2d),
    "AveragePooling1D": _pooling(average_pool1d),
    "AveragePooling2D": _pooling(average_pool2d),
    "GlobalMaxPooling1D": _global_pooling(global_max_pool1d),
    "GlobalMaxPooling2D": _global_pooling(global_max_pool2d),
    "GlobalAveragePooling1D": _global_pooling(global_average_pool1d),
    "GlobalAveragePooling2D": _global_pooling(global_average_pool2d),
    "Conv1D": _conv(conv1d),
    "Conv2D": _conv(conv2d),
    "UpSampling1D": lambda layer, cfg: lambda x: upsampling1d(x, cfg["size"]),
    "UpSampling2D": _upsampling2d,
    "Dense": _dense,
    "Flatten": _flatten,
    "Dropout": lambda layer, cfg: lambda x: x,
    "Activation": lambda layer, cfg: _activation(layer, cfg["activation"]),
    "ReLU": _relu,
    "Softmax": lambda layer, cfg: lambda x: _softmax(x, cfg["axis"]),
    "InputLayer": lambda layer, cfg: lambda x: x,
}


def _convert_layer(layer) -> Callable[..., np.ndarray]:
    """One Keras layer -> a NumPy function computing the layer's inference forward pass."""
    kind = type(layer).__name__
    if kind not in _CONVERTERS:
        raise _unsupported(layer)
    # Aliases (MaxPool1D, ...) are the same classes; subclasses with other names are refused.
    fn = _CONVERTERS[kind](layer, layer.get_config())
    dtype = np.dtype(layer.compute_dtype)

    def forward(x, mask=None, training=None):  # keyword arguments a model graph may pass
        x = np.asarray(x).astype(dtype, copy=False)
        if mask is None:
            return fn(x)
        if kind != "GlobalAveragePooling1D":
            raise _unsupported(layer, "a mask")
        return fn(x, mask=np.asarray(mask))

    return forward


class KerasForward:
    """NumPy forward pass of a Keras layer or model, returned by :func:`from_keras`.

    Call it on NumPy arrays (one per model input). ``steps`` lists the layers
    it computes, in order, as ``(name, Keras class)`` pairs.
    """

    def __init__(self, name: str, steps: list[tuple[str, str]], fn: Callable[..., np.ndarray]):
        self.name, self.steps, self._fn = name, steps, fn

    def __call__(self, *inputs, **kwargs) -> np.ndarray:
        return self._fn(*inputs, **kwargs)

    def __repr__(self) -> str:
        chain = " -> ".join(f"{name} ({kind})" for name, kind in self.steps)
        return f"<from_keras '{self.name}': {chain}>"


def from_keras(obj) -> KerasForward:
    """NumPy callable computing the inference forward pass of a built Keras layer or model.

    Parameters
    ----------
    obj : keras.layers.Layer, keras.Sequential or functional keras.Model
        A built layer of a supported kind (see the module docstring), or a model
        made of such layers (nested models allowed).

    Returns
    -------
    KerasForward
        ``f(x) -> ndarray`` with ``f(x) == obj(x)`` up to float rounding
        (``model.predict(x)`` for a model); each layer is the
        :mod:`pooling_ref` function of the same name, applied with the layer's
        config and a copy of its weights.

    Raises
    ------
    ValueError
        Naming the first unsupported layer, activation or argument, e.g.
        ``from_keras does not support layer 'lstm' (LSTM)``, or an unbuilt layer.

    Examples
    --------
    >>> import keras
    >>> f = from_keras(keras.layers.MaxPooling1D(pool_size=2, strides=1))
    >>> f(np.array([[[1.0], [3.0], [2.0]]]))[0, :, 0]
    array([3., 3.], dtype=float32)
    """
    import keras  # only when asked: the rest of pooling_ref never imports Keras

    if isinstance(obj, keras.Sequential):
        parts = [from_keras(layer) for layer in obj.layers]

        def sequential(x, mask=None, training=None):
            _no_mask(obj, mask)
            for part in parts:
                x = part(x)
            return x

        steps = [step for part in parts for step in part.steps]
        return KerasForward(obj.name, steps, sequential)

    if isinstance(obj, keras.Model):
        if not hasattr(obj, "_run_through_graph"):
            raise _unsupported(obj, "a subclassed call() (only Sequential/functional models)")
        converted, steps = {}, []
        for depth in sorted(obj._nodes_by_depth, reverse=True):  # inputs first
            for node in obj._nodes_by_depth[depth]:
                op = node.operation
                if id(op) not in converted:
                    if not isinstance(op, keras.layers.Layer):
                        raise ValueError(
                            f"from_keras does not support operation '{op.name}' "
                            f"({type(op).__name__}) in model '{obj.name}'"
                        )
                    converted[id(op)] = from_keras(op)
                    steps += converted[id(op)].steps

        def functional(*inputs, mask=None, training=None):
            _no_mask(obj, mask)
            inputs = [np.asarray(x) for x in inputs]
            return obj._run_through_graph(inputs, operation_fn=lambda op: converted[id(op)])

        return KerasForward(obj.name, steps, functional)

    if isinstance(obj, keras.layers.Layer):
        return KerasForward(obj.name, [(obj.name, type(obj).__name__)], _convert_layer(obj))

    raise TypeError(
        f"from_keras expects a Keras layer or model. Received: obj of type {type(obj).__name__}"
    )
