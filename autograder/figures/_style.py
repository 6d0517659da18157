"""What every lesson figure shares: colours, the heatmap colour scale, shape titles, outlines."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

#: colour of the window / output-step outlines
WINDOW_COLOR = "#d62728"
#: face colour of padded (non-existent) steps
PAD_COLOR = "#e6e6e6"


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def _norm_for(values: np.ndarray, vmin=None, vmax=None):
    """A colour norm: diverging around 0 when the data has both signs, linear otherwise."""
    finite = values[np.isfinite(values)]
    lo = float(finite.min()) if vmin is None and finite.size else (vmin if vmin is not None else 0)
    hi = float(finite.max()) if vmax is None and finite.size else (vmax if vmax is not None else 1)
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    if lo < 0 < hi:
        bound = max(-lo, hi)
        return TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound), "RdBu_r"
    return plt.Normalize(vmin=lo, vmax=hi), "viridis"


def _outline(ax, first_step, n_steps, n_features, *, color=WINDOW_COLOR, lw=2.5):
    ax.add_patch(
        Rectangle(
            (first_step - 0.5, -0.5),
            n_steps,
            n_features,
            fill=False,
            edgecolor=color,
            linewidth=lw,
            clip_on=False,
        )
    )
