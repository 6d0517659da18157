"""pooling_ref: a NumPy reference for Keras' pooling, convolution and upsampling layers.

Importing this package first keeps TensorFlow's start-up quiet (see ``_quiet``).
"""

from . import _quiet  # noqa: F401  (must run before anything imports TensorFlow)
from ._args import conv_output_length, pooled_length

__all__ = ["conv_output_length", "pooled_length"]
