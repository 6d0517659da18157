"""Drawing helpers shared by the course notebooks.

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

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

from pooling_ref._args import output_length, padding_amounts

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


def show_sequence(
    ax,
    x,
    *,
    title: str | None = None,
    step_labels=None,
    feature_labels=None,
    annotate: bool | None = None,
    fmt: str = "{:.2g}",
    norm=None,
    cmap=None,
    pad_steps=(),
    pad_text: str = "pad",
    shape=None,
):
    """Draw one sequence as a heatmap: steps left to right, one row per feature.

    Parameters
    ----------
    ax : matplotlib Axes
    x : (steps, features) array_like
        A single sequence. NaN entries are drawn as padding (grey, labelled
        ``pad_text``).
    title : str, optional
        Drawn above the heatmap; the shape (``shape`` or ``x.shape``) is appended.
    step_labels, feature_labels : sequence of str, optional
        Tick labels (for example the words of a sentence). Default: step and
        feature indices.
    annotate : bool, optional
        Write each value in its cell. Default: only when there are at most
        16 steps and 8 features.
    fmt : str
        Format of the annotations.
    norm, cmap : optional
        Colour normalisation and map; by default a diverging map centred at 0
        when ``x`` has both signs. Pass the same ``norm`` to several calls to
        compare panels on one colour scale.
    pad_steps : iterable of int
        Columns to draw as padding regardless of their values.
    shape : tuple, optional
        Shape to print in the title (e.g. the full ``(batch, steps, features)``
        shape of the tensor this sequence came from).

    Returns
    -------
    matplotlib.image.AxesImage
        The heatmap (use it for a colour bar).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> im = show_sequence(ax, np.eye(3), title="x")
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"`x` must be (steps, features). Received: x.shape={x.shape}")
    steps, features = x.shape
    data = x.copy()
    pad_steps = set(int(s) for s in pad_steps)
    for s in pad_steps:
        data[s] = np.nan
    if norm is None:
        norm, default_cmap = _norm_for(data)
        cmap = cmap or default_cmap
    cmap = plt.get_cmap(cmap or "viridis").with_extremes(bad=PAD_COLOR)
    image = ax.imshow(
        np.ma.masked_invalid(data.T), aspect="auto", cmap=cmap, norm=norm, interpolation="nearest"
    )
    if annotate is None:
        annotate = steps <= 16 and features <= 8
    if annotate:
        for s in range(steps):
            for f in range(features):
                value = data[s, f]
                if np.isnan(value):
                    ax.text(s, f, pad_text, ha="center", va="center", fontsize=8, color="0.35")
                    continue
                rgba = cmap(norm(value))
                luminance = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]
                ax.text(
                    s,
                    f,
                    fmt.format(value),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="black" if luminance > 0.5 else "white",
                )
    ax.set_xticks(range(steps))
    ax.set_xticklabels(step_labels if step_labels is not None else range(steps))
    ax.set_yticks(range(features))
    ax.set_yticklabels(feature_labels if feature_labels is not None else range(features))
    ax.set_xlabel("step")
    ax.set_ylabel("feature")
    if steps > 20:  # thin out the step ticks on long sequences
        ax.xaxis.set_major_locator(plt.MaxNLocator(10, integer=True))
    if features > 12:
        ax.yaxis.set_major_locator(plt.MaxNLocator(8, integer=True))
    shape_str = _shape_text(shape if shape is not None else x.shape)
    ax.set_title(f"{title}  {shape_str}" if title else shape_str, fontsize=10)
    return image


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


def plot_input_output(
    x,
    y,
    *,
    titles=("input", "output"),
    input_labels=None,
    output_labels=None,
    feature_labels=None,
    same_scale: bool = True,
    annotate: bool | None = None,
    fmt: str = "{:.2g}",
    shapes=(None, None),
    figsize=None,
):
    """Input and output sequences side by side, shapes in the titles.

    Parameters
    ----------
    x : (steps_in, features) array_like
    y : (steps_out, features_out) array_like
    titles : (str, str)
    input_labels, output_labels : sequences of str, optional
        Step tick labels of each panel.
    feature_labels : sequence of str, optional
        Row labels, used on both panels when the feature counts agree.
    same_scale : bool
        Draw both panels on one colour scale (the default), so equal values
        have equal colours.
    shapes : (tuple or None, tuple or None)
        Shapes to print instead of the 2-D shapes (e.g. with the batch axis).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels; the widths are proportional to the number of steps.

    Examples
    --------
    >>> x = np.arange(8.0).reshape(4, 2)
    >>> fig = plot_input_output(x, x[::2], titles=("x", "x[::2]"))
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x2 = x[:, None] if x.ndim == 1 else x
    y2 = y[:, None] if y.ndim == 1 else y
    norm = None
    cmap = None
    if same_scale:
        both = np.concatenate([x2.ravel(), y2.ravel()])
        norm, cmap = _norm_for(both)
    widths = [max(x2.shape[0], 2), max(y2.shape[0], 2)]
    if figsize is None:
        figsize = (min(2.2 + 0.55 * sum(widths), 14), 0.9 + 0.45 * max(x2.shape[1], y2.shape[1]))
        figsize = (figsize[0], max(figsize[1], 2.2))
    fig, axes = plt.subplots(
        1, 2, figsize=figsize, gridspec_kw={"width_ratios": widths}, constrained_layout=True
    )
    style = dict(annotate=annotate, fmt=fmt, norm=norm, cmap=cmap)
    show_sequence(
        axes[0], x2, title=titles[0], step_labels=input_labels, feature_labels=feature_labels,
        shape=shapes[0], **style,
    )  # fmt: skip
    same_rows = y2.shape[1] == x2.shape[1]
    show_sequence(
        axes[1], y2, title=titles[1], step_labels=output_labels,
        feature_labels=feature_labels if same_rows else None, shape=shapes[1], **style,
    )  # fmt: skip
    return fig


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
def plot_conv_window(x, y, taps, out_step, *, titles=("input", "Conv1D output"), **kwargs):
    """One output step of a convolution and the input steps it reads, side by side.

    Parameters
    ----------
    x : (steps, channels) array_like
        One input sequence.
    y : (out_steps, filters) array_like
        The layer's output for it.
    taps : sequence of int
        Input steps the window reads (``[2, 3, 4]``; a dilated kernel skips
        steps, e.g. ``[0, 2, 4]``). Steps outside the input (padding) are not drawn.
    out_step : int
        The output step those taps produce.
    titles : (str, str)
    **kwargs
        Passed to :func:`plot_input_output` (``fmt``, ``annotate``, labels...).

    Returns
    -------
    matplotlib.figure.Figure
        Every tap is outlined over *all* input channels (a filter spans all of
        them) and the output step over *all* filters (each filter gives one
        output channel).

    Examples
    --------
    >>> x = np.arange(24.0).reshape(8, 3)
    >>> fig = plot_conv_window(x, np.ones((6, 5)), taps=[0, 1, 2], out_step=0)
    """
    x2 = np.asarray(x, dtype=float).reshape(len(x), -1)
    y2 = np.asarray(y, dtype=float).reshape(len(y), -1)
    fig = plot_input_output(x2, y2, titles=titles, **kwargs)
    ax_in, ax_out = fig.axes[:2]
    for s in taps:
        if 0 <= s < x2.shape[0]:
            _outline(ax_in, s, 1, x2.shape[1])
    _outline(ax_out, out_step, 1, y2.shape[1])
    ax_in.set_ylabel("channel")
    ax_out.set_ylabel("filter")
    return fig


def plot_receptive_field(
    kernel_sizes, *, dilations=None, strides=None, length=16, padding="causal", out_index=None
):
    """Draw a stack of 1D convolutions as rows of nodes and trace one output back to the input.

    Parameters
    ----------
    kernel_sizes : sequence of int
        ``kernel_size`` of each layer, first layer first.
    dilations, strides : sequence of int, optional
        ``dilation_rate`` and ``strides`` of each layer (default all 1).
    length : int
        Number of input steps drawn.
    padding : {"causal", "same", "valid"}
        Padding used by every layer (TensorFlow's rule, see ``pooling_ref._args``).
    out_index : int, optional
        The output step traced back; default the last one.

    Returns
    -------
    matplotlib.figure.Figure
        Bottom row the input, top row the last layer's output. Grey dots are
        all positions, red dots and lines the ones that feed the traced output.
        The title gives the input steps reached: the receptive field is
        ``1 + sum_l (kernel_size_l - 1) * dilation_l * prod(strides before l)``.

    Examples
    --------
    >>> fig = plot_receptive_field([2, 2, 2], dilations=[1, 2, 4], length=16)
    """
    n = len(kernel_sizes)
    dilations = list(dilations or [1] * n)
    strides = list(strides or [1] * n)
    padding = padding.lower()
    lengths, pads = [length], []
    for k, s, d in zip(kernel_sizes, strides, dilations, strict=True):
        pads.append(padding_amounts(lengths[-1], k, s, padding, d)[0])
        lengths.append(output_length(lengths[-1], k, s, padding, d))
    if out_index is None:
        out_index = lengths[-1] - 1
    active = [set() for _ in range(n + 1)]
    active[n] = {out_index}
    edges = []
    for layer in range(n, 0, -1):
        k, s, d, p = (
            kernel_sizes[layer - 1],
            strides[layer - 1],
            dilations[layer - 1],
            pads[layer - 1],
        )
        for j in sorted(active[layer]):
            for t in (j * s + i * d - p for i in range(k)):
                if 0 <= t < lengths[layer - 1]:
                    active[layer - 1].add(t)
                    edges.append((layer, j, t))
    scale = np.cumprod([1, *strides])  # node j of layer l is drawn over input step j * scale[l]

    fig, ax = plt.subplots(figsize=(min(1.5 + 0.5 * length, 13), 1.2 + 0.85 * n))
    for layer in range(n + 1):
        xs = np.arange(lengths[layer]) * scale[layer]
        ax.scatter(xs, [layer] * len(xs), s=40, color="lightgrey", zorder=2)
    for layer, j, t in edges:
        ax.plot(
            [j * scale[layer], t * scale[layer - 1]], [layer, layer - 1], color=WINDOW_COLOR, lw=1
        )
    for layer in range(n + 1):
        xs = [j * scale[layer] for j in sorted(active[layer])]
        ax.scatter(xs, [layer] * len(xs), s=60, color=WINDOW_COLOR, zorder=3)
    names = ["input"] + [
        f"layer {i + 1}: k={k}, d={d}, s={s}"
        for i, (k, d, s) in enumerate(zip(kernel_sizes, dilations, strides, strict=True))
    ]
    ax.set_yticks(range(n + 1), names)
    ax.set_xticks(range(length))
    ax.set_xlabel("input step")
    ax.set_ylim(-0.5, n + 0.5)
    lo, hi = min(active[0]), max(active[0])
    ax.set_title(
        f"padding={padding!r}: output step {out_index} sees input steps {lo}..{hi} "
        f"(receptive field {hi - lo + 1})",
        fontsize=10,
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def plot_kernels(kernel, *, channel_names=None, filter_names=None, ncols=4):
    """Plot the taps of every filter of a Conv1D kernel, one panel per filter.

    Parameters
    ----------
    kernel : (kernel_size, in_channels, filters) array_like
        A Conv1D kernel, e.g. ``layer.get_weights()[0]``.
    channel_names : sequence of str, optional
        Legend labels of the input channels (a legend is drawn for 2 or more).
    filter_names : sequence of str, optional
        Panel titles; default ``filter 0``, ``filter 1``, ...
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        Panel ``f`` draws ``kernel[:, c, f]`` against the tap index for each
        channel ``c``: the pattern the filter responds to most strongly (its
        output is the sum over taps and channels of kernel times input window).

    Examples
    --------
    >>> fig = plot_kernels(np.random.default_rng(0).normal(size=(5, 1, 3)))
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 3:
        raise ValueError(
            "`kernel` must have shape (kernel_size, in_channels, filters). "
            f"Received: kernel.shape={kernel.shape}"
        )
    k, in_ch, filters = kernel.shape
    ncols = min(ncols, filters)
    nrows = -(-filters // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.8 * ncols, 2.3 * nrows), squeeze=False, sharey=True
    )
    lim = float(np.abs(kernel).max()) * 1.1 or 1.0
    for f, ax in enumerate(axes.flat):
        if f >= filters:
            ax.axis("off")
            continue
        for c in range(in_ch):
            label = channel_names[c] if channel_names else f"channel {c}"
            ax.plot(range(k), kernel[:, c, f], marker="o", label=label)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylim(-lim, lim)
        ax.set_xticks(range(k))
        ax.set_xlabel("tap")
        ax.set_title(filter_names[f] if filter_names else f"filter {f}", fontsize=10)
    if in_ch > 1:
        axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"kernel {_shape_text(kernel.shape)}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_signals(series, *, title=None, ax=None):
    """Overlay a few 1D signals on one axis (e.g. noisy, clean and reconstructed).

    Parameters
    ----------
    series : dict[str, (steps,) array_like]
        Label to signal, drawn in order with fixed styles: light grey, black,
        dashed red, dotted blue (so put the noisy signal first).
    title : str, optional
    ax : matplotlib Axes, optional
        Draw there instead of on a new figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_signals({"sine": np.sin(np.linspace(0, 6, 50))})
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 2.6))
    styles = [
        {"color": "0.7", "lw": 1.2},
        {"color": "black", "lw": 1.6},
        {"color": WINDOW_COLOR, "lw": 1.6, "ls": "--"},
        {"color": "tab:blue", "lw": 1.4, "ls": ":"},
    ]
    for i, (label, s) in enumerate(series.items()):
        ax.plot(np.asarray(s, dtype=float).ravel(), label=label, **styles[i % len(styles)])
    ax.legend(fontsize=8, loc="upper right")
    ax.set_xlabel("step")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


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


def plot_signal_responses(
    signals,
    responses,
    *,
    spans=None,
    titles=None,
    response_offset: float = 0.0,
    signal_label: str = "input",
    response_label: str = "response",
    response_color: str = WINDOW_COLOR,
    mark_max: bool = True,
    width: float = 9.0,
):
    """One panel per sequence: the input signal and a per-step response on a second y-axis.

    Used for a motif detector (the ``Conv1D`` activation that global max pooling
    reads) and for 1D class activation maps (how much each step adds to a class
    score).

    Parameters
    ----------
    signals : list of (steps,) array_like
        The inputs, drawn as black lines; the sequences may have different lengths.
    responses : list of (out_steps,) array_like
        Drawn as a filled red curve on the right-hand axis. Entry ``i`` is drawn
        at ``x = i + response_offset`` (``(kernel_size - 1) / 2`` centres a
        ``valid`` convolution's outputs on their windows).
    spans : list, optional
        Per panel: ``None``, one ``(start, stop)`` step range, or a list of them, shaded
        (e.g. where a motif was placed; ``stop`` is exclusive).
    titles : list of str, optional
    mark_max : bool
        Mark the largest response with a dot and write its value and step.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> s = np.sin(np.linspace(0, 6, 40))
    >>> fig = plot_signal_responses([s], [np.maximum(s, 0)], spans=[(5, 10)])
    """
    n = len(signals)
    if len(responses) != n:
        raise ValueError(
            f"`signals` and `responses` must have the same length. Received: {n} and "
            f"{len(responses)}"
        )
    spans = list(spans) if spans is not None else [None] * n
    titles = list(titles) if titles is not None else [None] * n
    longest = max(len(np.ravel(s)) for s in signals)
    s_lo = min(float(np.min(s)) for s in signals)
    s_hi = max(float(np.max(s)) for s in signals)
    s_pad = 0.08 * (s_hi - s_lo or 1.0)
    fig, axes = plt.subplots(n, 1, figsize=(width, 1.9 * n + 0.3), squeeze=False)
    all_resp = np.concatenate([np.ravel(r) for r in responses])
    top = float(np.max(all_resp)) if all_resp.size else 1.0
    bottom = min(float(np.min(all_resp)), 0.0) if all_resp.size else 0.0
    if top <= bottom:
        top = bottom + 1.0
    for ax, signal, response, span, title in zip(
        axes[:, 0], signals, responses, spans, titles, strict=True
    ):
        signal = np.ravel(np.asarray(signal, dtype=float))
        response = np.ravel(np.asarray(response, dtype=float))
        if span is not None and len(span) and np.ndim(span[0]) == 0:
            span = [span]  # a single (start, stop)
        for start, stop in span or ():
            ax.axvspan(start - 0.5, stop - 0.5, color="gold", alpha=0.35, lw=0)
        ax.plot(signal, color="black", lw=1.2, label=signal_label)
        ax.set_xlim(-0.5, longest - 0.5)
        ax.set_ylim(s_lo - s_pad, s_hi + s_pad)  # one scale for all panels: comparable
        ax.set_ylabel(signal_label, fontsize=9)
        twin = ax.twinx()
        xs = np.arange(response.size) + response_offset
        twin.fill_between(xs, 0, response, color=response_color, alpha=0.3, step="mid")
        twin.plot(xs, response, color=response_color, lw=1.2, drawstyle="steps-mid")
        twin.set_ylim(bottom - 0.05 * (top - bottom), top + 0.25 * (top - bottom))
        twin.set_ylabel(response_label, fontsize=9, color=response_color)
        twin.tick_params(axis="y", colors=response_color)
        if mark_max and response.size:
            k = int(np.argmax(response))
            twin.plot(xs[k], response[k], "o", color=response_color)
            twin.annotate(
                f"max {response[k]:.3g} at step {xs[k]:g}",
                (xs[k], response[k]),
                xytext=(6, 4),
                textcoords="offset points",
                fontsize=8,
                color=response_color,
            )
        label = f"({signal.size} steps)"
        ax.set_title(f"{title}  {label}" if title else label, fontsize=10)
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    return fig
