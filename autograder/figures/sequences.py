"""Sequences as pictures (lessons 01-05): a heatmap per sequence, input next to output, signals."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._style import PAD_COLOR, WINDOW_COLOR, _norm_for, _shape_text


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
