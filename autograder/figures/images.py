"""Images (lesson 07, the step to 2D): a grid of images or feature maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._style import _shape_text


def plot_images(images, *, ncols=4, cmap="gray", size=2.6, suptitle=None, same_scale=False):
    """Show a few images or feature maps side by side, each titled with its shape.

    Parameters
    ----------
    images : dict[str, (height, width) or (height, width, 3) array_like]
        Title to image. 2D arrays use ``cmap``, each on its own colour scale;
        RGB arrays must be floats in ``[0, 1]`` or ``uint8``.
    ncols : int
        Panels per row.
    cmap : str
    size : float
        Panel size in inches.
    suptitle : str, optional
    same_scale : bool
        Draw all 2D arrays on one colour scale (min to max over all of them), so that
        equal values look equal across panels; by default each panel has its own.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_images({"noise": np.random.default_rng(0).random((8, 8))})
    """
    n = len(images)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows + 0.4), squeeze=False
    )
    for ax in axes.flat[n:]:
        ax.axis("off")
    flat = [np.asarray(a, dtype=float) for a in images.values() if np.ndim(a) == 2]
    lo = min(float(a.min()) for a in flat) if flat else None
    hi = max(float(a.max()) for a in flat) if flat else None
    for ax, (title, img) in zip(axes.flat, images.items(), strict=False):
        img = np.asarray(img)
        scale = {"vmin": lo, "vmax": hi} if same_scale and img.ndim == 2 else {}
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None, interpolation="nearest", **scale)
        ax.set_title(f"{title}\n{_shape_text(img.shape)}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    fig.tight_layout()
    return fig
