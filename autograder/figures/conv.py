"""Convolution (lesson 04): one Conv1D window, receptive fields, kernels as pictures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from pooling_ref._args import output_length, padding_amounts

from ._style import WINDOW_COLOR, _outline, _shape_text
from .sequences import plot_input_output


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
