"""Rows of numbers (lessons 05-06): upsampled copies and gradients, value by value."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._style import _outline
from .sequences import show_sequence


def plot_rows(rows, *, fmt="{:.2g}", highlight=None, title=None):
    """Several 1D arrays drawn under each other, one annotated strip each, steps aligned.

    Made for gradients: put ``x``, ``y = layer(x)``, ``dL/dy`` and ``dL/dx``
    under each other and see which input step each gradient reaches.

    Parameters
    ----------
    rows : dict[str, (n,) array_like]
        Label to 1D array; rows may have different lengths (aligned on the left).
    fmt : str
        Format of the cell values.
    highlight : dict[str, sequence of int], optional
        Label to the steps of that row outlined in red.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Each strip has its own colour scale (diverging around 0 for signed data).

    Examples
    --------
    >>> fig = plot_rows({"x": [1, 3, 2, 0], "max_pool1d(x)": [3, 2]}, highlight={"x": [1, 2]})
    """
    arrays = {k: np.asarray(v, dtype=float).ravel() for k, v in rows.items()}
    width = max(a.size for a in arrays.values())
    fig, axes = plt.subplots(
        len(arrays),
        1,
        figsize=(min(1.8 + 0.6 * width, 14), 0.95 * len(arrays) + 0.4),
        squeeze=False,
    )
    for ax, (label, a) in zip(axes[:, 0], arrays.items(), strict=True):
        padded = np.full(width, np.nan)
        padded[: a.size] = a
        show_sequence(
            ax,
            padded[:, None],
            fmt=fmt,
            annotate=True,
            shape=a.shape,
            pad_text="",
            feature_labels=[label],
        )
        ax.set_ylabel("")
        ax.set_title("")
        ax.set_xlabel("")
        for s in (highlight or {}).get(label, []):
            _outline(ax, s, 1, 1)
    axes[-1, 0].set_xlabel("step")
    if title:
        axes[0, 0].set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
