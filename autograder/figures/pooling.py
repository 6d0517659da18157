"""Pooling windows (lessons 01-03): which steps each output step reads, for every padding."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from pooling_ref._args import output_length, padding_amounts

from ._style import PAD_COLOR, _norm_for, _outline
from .sequences import show_sequence


def _window_title(k: int, first: int, pool_size: int, steps: int) -> str:
    """``window k: steps a..b`` (real steps only), noting how many padded steps it covers."""
    lo, hi = max(first, 0), min(first + pool_size - 1, steps - 1)
    n_pad = pool_size - (hi - lo + 1)
    real = f"step {lo}" if lo == hi else f"steps {lo}..{hi}"
    return f"window {k}: {real}" + (f" + {n_pad} padded" if n_pad else "")


def plot_pooling_windows(
    x,
    y,
    pool_size: int,
    strides: int | None = None,
    *,
    padding: str = "valid",
    op: str = "max",
    step_labels=None,
    feature_labels=None,
    fmt: str = "{:.2g}",
    max_windows: int = 8,
    suptitle: str | None = None,
):
    """Pooling drawn window by window: one row per window, input left, output right.

    Row ``k`` outlines the ``k``-th window on the (padded) input and the output
    step it produces. With ``op="max"`` the winning entry of each feature is
    boxed (dashed). Padded steps (``padding="same"``) are drawn grey and labelled
    ``-inf`` for max pooling (the value TensorFlow pads with, so it never wins)
    and ``pad`` for average pooling (left out of the mean).

    Parameters
    ----------
    x : (steps, features) array_like
        One input sequence.
    y : (out_steps, features) array_like
        The pooled sequence (typically computed by Keras, so the figure shows
        what Keras really does).
    pool_size, strides : int
        ``strides=None`` means ``pool_size``, as in Keras.
    padding : {"valid", "same"}
    op : {"max", "average"}
        Only changes the labels and the boxed winners.
    step_labels : sequence of str, optional
        Labels of the input steps (e.g. words).
    max_windows : int
        Draw at most this many windows (the first ones).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> x = np.array([[.7, -.2, .1], [.8, -.3, .2], [.2, -.1, .4], [.4, -.4, .8]])
    >>> y = np.stack([x[k:k + 2].max(axis=0) for k in range(3)])
    >>> fig = plot_pooling_windows(x, y, pool_size=2, strides=1)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if y.ndim == 1:
        y = y[:, None]
    strides = pool_size if strides is None else strides
    padding = padding.lower()
    steps, features = x.shape
    n_out = output_length(steps, pool_size, strides, padding)
    if y.shape[0] != n_out:
        raise ValueError(
            f"`y` has {y.shape[0]} steps but pool_size={pool_size}, strides={strides}, "
            f"padding={padding!r} on {steps} steps gives {n_out}"
        )
    left, right = padding_amounts(steps, pool_size, strides, padding)
    padded = np.full((left + steps + right, features), np.nan)
    padded[left : left + steps] = x
    labels = list(step_labels) if step_labels is not None else [str(s) for s in range(steps)]
    padded_labels = ["pad"] * left + labels + ["pad"] * right
    pad_cols = list(range(left)) + list(range(left + steps, left + steps + right))

    finite = np.concatenate([x.ravel(), y.ravel()])
    norm, cmap = _norm_for(finite)
    n_rows = min(n_out, max_windows)
    width_in, width_out = max(padded.shape[0], 2), max(n_out, 2)
    fig, axes = plt.subplots(
        n_rows,
        2,
        figsize=(
            min(2.5 + 0.6 * (width_in + width_out), 14),
            0.5 + (0.45 * features + 0.9) * n_rows,
        ),
        gridspec_kw={"width_ratios": [width_in, width_out]},
        constrained_layout=True,
        squeeze=False,
    )
    pad_text = "-inf" if op == "max" else "pad"
    style = dict(feature_labels=feature_labels, annotate=True, fmt=fmt, norm=norm, cmap=cmap)
    for k in range(n_rows):
        start = k * strides
        ax_in, ax_out = axes[k]
        show_sequence(
            ax_in, padded, title=_window_title(k, start - left, pool_size, steps),
            step_labels=padded_labels, pad_steps=pad_cols, pad_text=pad_text,
            shape=(steps, features), **style,
        )  # fmt: skip
        _outline(ax_in, start, pool_size, features)
        if op == "max":
            window = padded[start : start + pool_size]
            filled = np.where(np.isnan(window), -np.inf, window)
            for f in range(features):
                winner = start + int(np.argmax(filled[:, f]))
                ax_in.add_patch(
                    Rectangle(
                        (winner - 0.4, f - 0.4),
                        0.8,
                        0.8,
                        fill=False,
                        edgecolor="black",
                        linewidth=1.5,
                        linestyle="--",
                    )
                )
        show_sequence(
            ax_out, y, title=f"output step {k}", shape=y.shape, **style
        )  # fmt: skip
        _outline(ax_out, k, 1, features)
        for ax in (ax_in, ax_out):
            if k < n_rows - 1:
                ax.set_xlabel("")
    if suptitle is None:
        suptitle = (
            f"{'MaxPooling1D' if op == 'max' else 'AveragePooling1D'}(pool_size={pool_size}, "
            f"strides={strides}, padding={padding!r})"
        )
    if n_out > n_rows:
        suptitle += f"  (first {n_rows} of {n_out} windows)"
    fig.suptitle(suptitle, fontsize=11)
    return fig


def plot_window_layout(configs, *, ax=None, title: str | None = None):
    """Where the windows fall along the sequence, for several settings at once.

    Each setting gets a block of rows: the steps of the sequence as a strip of
    boxes (padding grey), and one bar per window beneath it. The label gives
    the setting and the number of windows Keras produces.

    Parameters
    ----------
    configs : list of dict
        Each with keys ``length``, ``pool_size`` and optionally ``strides``
        (default ``pool_size``) and ``padding`` (default ``"valid"``).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_window_layout([{"length": 6, "pool_size": 2, "strides": 2}])
    """
    rows = []
    for cfg in configs:
        length, pool = int(cfg["length"]), int(cfg["pool_size"])
        stride = int(cfg.get("strides") or pool)
        padding = str(cfg.get("padding", "valid")).lower()
        n_out = output_length(length, pool, stride, padding)
        left, right = padding_amounts(length, pool, stride, padding)
        rows.append((length, pool, stride, padding, n_out, left, right))
    height = sum(2.0 + 0.3 * r[4] for r in rows) * 0.5 + 0.4
    width = max(r[0] + r[5] + r[6] for r in rows)
    if ax is None:
        span = max(width, 14) + 1.3
        fig, ax = plt.subplots(figsize=(min(0.45 * span, 14), max(height, 1.5)))
    else:
        fig = ax.figure
    y = 0.0
    colors = plt.get_cmap("tab10")
    leftmost = -max(r[5] for r in rows)
    for length, pool, stride, padding, n_out, left, right in rows:
        ax.text(
            leftmost,
            y,
            f"length={length}, pool_size={pool}, strides={stride}, padding={padding!r}  ->  "
            f"{n_out} window{'s' if n_out != 1 else ''}",
            ha="left",
            va="bottom",
            fontsize=9,
        )
        y += 0.15
        for s in range(-left, length + right):
            is_pad = s < 0 or s >= length
            ax.add_patch(
                Rectangle(
                    (s, y),
                    1,
                    0.8,
                    facecolor=PAD_COLOR if is_pad else "white",
                    edgecolor="0.4",
                    hatch="//" if is_pad else None,
                )
            )
            ax.text(
                s + 0.5, y + 0.4, "pad" if is_pad else str(s), ha="center", va="center", fontsize=8
            )
        for k in range(n_out):
            y_bar = y + 1.0 + 0.3 * k
            start = k * stride - left
            ax.add_patch(
                Rectangle(
                    (start + 0.08, y_bar),
                    pool - 0.16,
                    0.22,
                    facecolor=colors(k % 10),
                    edgecolor="none",
                )
            )
            ax.text(start - 0.1, y_bar + 0.11, f"w{k}", ha="right", va="center", fontsize=7)
        y += 1.0 + 0.3 * n_out + 0.9
    right_edge = max(width + leftmost + 0.5, leftmost + 14)  # room for the labels
    ax.set_xlim(leftmost - 0.8, right_edge)
    ax.set_ylim(y - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    return fig


# --------------------------------------------------------------------------
# convolution, receptive fields, learned filters, signals, gradients, images
# (notebooks 04-07)
# --------------------------------------------------------------------------
