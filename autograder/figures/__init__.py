"""Drawing helpers for the course notebooks, one module per lesson topic.

Conventions used by every function here:

* a single sequence is a ``(steps, features)`` array, drawn as a heatmap with
  the **steps along the horizontal axis** (one column per step) and one row per
  feature, so windows slide left to right across the picture;
* titles carry the array's shape, so a learner can read shapes off the figure;
* functions draw with matplotlib only and return the ``Figure`` (or take an
  ``Axes`` to draw into), never call ``plt.show()``; the notebook shows them.

Only NumPy and matplotlib are imported here (no Keras), plus the padding rule
from :mod:`pooling_ref._args`, so that the pictures pad exactly as Keras does.
"""

from .conv import plot_conv_window, plot_kernels, plot_receptive_field
from .images import plot_images
from .pooling import plot_pooling_windows, plot_window_layout
from .sequences import plot_input_output, plot_signal_responses, plot_signals, show_sequence
from .upsampling import plot_rows

__all__ = [
    "plot_conv_window",
    "plot_images",
    "plot_input_output",
    "plot_kernels",
    "plot_pooling_windows",
    "plot_receptive_field",
    "plot_rows",
    "plot_signal_responses",
    "plot_signals",
    "plot_window_layout",
    "show_sequence",
]
