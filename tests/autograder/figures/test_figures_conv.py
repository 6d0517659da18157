"""Tests of the drawing helpers used by notebooks 04-07 (autograder.figures).

Figures are checked through what they draw: titles, outlined cells, panel
counts and colour limits, with the Agg backend set by tests/conftest.py (no display).
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from autograder.figures import (
    plot_conv_window,
    plot_images,
    plot_kernels,
    plot_receptive_field,
    plot_rows,
    plot_signals,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _outlines(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]


def test_conv_window_outlines_each_tap_over_all_channels_and_the_output_step():
    x = np.arange(24.0).reshape(8, 3)
    fig = plot_conv_window(x, np.ones((4, 5)), taps=[0, 2, 4], out_step=1)
    ax_in, ax_out = fig.axes[:2]
    starts = sorted(p.get_x() + 0.5 for p in _outlines(ax_in))
    assert starts == [0, 2, 4]
    assert all(p.get_height() == 3 for p in _outlines(ax_in))  # every input channel
    (out,) = _outlines(ax_out)
    assert (out.get_x() + 0.5, out.get_height()) == (1, 5)  # every filter
    assert "(8, 3)" in ax_in.get_title() and "(4, 5)" in ax_out.get_title()


def test_conv_window_skips_taps_in_the_padding():
    fig = plot_conv_window(np.ones((4, 1)), np.ones((4, 1)), taps=[-1, 0, 1], out_step=0)
    assert len(_outlines(fig.axes[0])) == 2


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            dict(kernel_sizes=[2, 2, 2, 2], dilations=[1, 2, 4, 8], length=16),
            "0..15 (receptive field 16)",
        ),
        (
            dict(kernel_sizes=[3, 3], strides=[2, 1], length=16, padding="valid"),
            "(receptive field 7)",
        ),
        (dict(kernel_sizes=[3], length=8, padding="same", out_index=0), "0..1 (receptive field 2)"),
    ],
)
def test_receptive_field_title_gives_the_steps_reached(kwargs, expected):
    fig = plot_receptive_field(**kwargs)
    assert expected in fig.axes[0].get_title()


def test_receptive_field_causal_stack_never_reads_the_future():
    fig = plot_receptive_field([3, 3], length=10, padding="causal", out_index=4)
    assert "sees input steps 0..4" in fig.axes[0].get_title()


def test_kernels_one_panel_per_filter_with_one_line_per_channel():
    kernel = np.random.default_rng(0).normal(size=(5, 2, 3))
    fig = plot_kernels(kernel, ncols=2)
    drawn = [ax for ax in fig.axes if ax.axison]
    assert len(drawn) == 3
    np.testing.assert_allclose(drawn[2].lines[1].get_ydata(), kernel[:, 1, 2])


def test_kernels_reject_a_kernel_of_the_wrong_rank():
    with pytest.raises(ValueError, match=r"Received: kernel.shape=\(5, 3\)"):
        plot_kernels(np.zeros((5, 3)))


def test_signals_draws_every_series_with_its_label():
    ax = plot_signals({"noisy": np.zeros(10), "clean": np.ones(10)})
    assert [line.get_label() for line in ax.lines] == ["noisy", "clean"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), np.ones(10))


def test_rows_one_strip_per_array_with_highlights():
    fig = plot_rows({"x": [1, 3, 2, 0], "y": [3, 2]}, highlight={"x": [1]})
    assert len(fig.axes) == 2
    (outline,) = _outlines(fig.axes[0])
    assert outline.get_x() + 0.5 == 1
    assert _outlines(fig.axes[1]) == []


def test_images_same_scale_shares_the_colour_limits():
    a, b = np.zeros((4, 4)), np.full((2, 2), 3.0)
    b[0, 0] = 1.0
    shared = plot_images({"a": a, "b": b}, same_scale=True)
    assert [im.get_clim() for ax in shared.axes for im in ax.images] == [(0.0, 3.0)] * 2
    own = plot_images({"a": a, "b": b})
    assert own.axes[1].images[0].get_clim() == (1.0, 3.0)
    assert "(2, 2)" in own.axes[1].get_title()
