"""pooling_ref: a NumPy reference for Keras' pooling, convolution and upsampling layers.

Importing this package first keeps TensorFlow's start-up quiet (see ``_quiet``).
Every function mirrors a Keras layer (argument names included) and never modifies its
input. Dtypes follow the course's convention, not Keras': a float input keeps its dtype, an
integer or boolean input gives float32 (see :func:`pooling_ref._args.as_float_array` for what
Keras itself does).
"""

from . import _quiet  # noqa: F401  (must run before anything imports TensorFlow)
from ._args import conv_output_length, pooled_length
from .conv import conv1d, conv2d
from .global_pooling import (
    global_average_pool1d,
    global_average_pool2d,
    global_max_pool1d,
    global_max_pool2d,
)
from .keras_bridge import from_keras
from .pooling import average_pool1d, average_pool2d, max_pool1d, max_pool2d
from .upsampling import upsampling1d, upsampling2d

__all__ = [
    "average_pool1d",
    "average_pool2d",
    "conv1d",
    "conv2d",
    "conv_output_length",
    "from_keras",
    "global_average_pool1d",
    "global_average_pool2d",
    "global_max_pool1d",
    "global_max_pool2d",
    "max_pool1d",
    "max_pool2d",
    "pooled_length",
    "upsampling1d",
    "upsampling2d",
]

# Gradients of every op above, and the numeric check: names listed in backward.__all__.
from . import backward
from .backward import *  # noqa: F403

__all__ += backward.__all__
