"""Tests of the drawing helpers used by notebooks 01-03 (autograder.figures).

Figures are checked through what they draw: titles with shapes, outlined windows
and winners, padded cells, bars per window and marked maxima, with the Agg
backend set by tests/conftest.py (no display).
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from autograder.figures import (
    plot_input_output,
    plot_pooling_windows,
    plot_signal_responses,
    plot_window_layout,
    show_sequence,
)

SENTENCE = np.array([[0.7, -0.2, 0.1], [0.8, -0.3, 0.2], [0.2, -0.1, 0.4], [0.4, -0.4, 0.8]])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _outlines(ax, linestyle="solid"):
    """Unfilled rectangles of one line style ("solid": windows, "--": winners)."""
    return [
        p
        for p in ax.patches
        if isinstance(p, Rectangle) and not p.get_fill() and p.get_linestyle() == linestyle
    ]


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_show_sequence_draws_steps_as_columns_with_values_and_shape():
    _fig, ax = plt.subplots()
    image = show_sequence(ax, SENTENCE, title="x", step_labels=["the", "boy", "will", "live"])
    assert image.get_array().shape == (3, 4)  # features x steps
    assert "x  (4, 3)" == ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["the", "boy", "will", "live"]
    assert "0.8" in _texts(ax) and "-0.4" in _texts(ax)


def test_show_sequence_labels_padded_steps_and_rejects_3d_input():
    _fig, ax = plt.subplots()
    show_sequence(ax, np.ones((3, 2)), pad_steps=[2], pad_text="-inf")
    assert _texts(ax).count("-inf") == 2  # one per feature of the padded step
    with pytest.raises(ValueError, match=r"x.shape=\(1, 3, 2\)"):
        show_sequence(ax, np.ones((1, 3, 2)))


def test_input_output_titles_carry_the_given_shapes():
    fig = plot_input_output(SENTENCE, SENTENCE[:3], shapes=((1, 4, 3), (1, 3, 3)))
    assert fig.axes[0].get_title().endswith("(1, 4, 3)")
    assert fig.axes[1].get_title().endswith("(1, 3, 3)")


def test_pooling_windows_outline_each_window_and_box_the_winners():
    y = np.stack([SENTENCE[k : k + 2].max(axis=0) for k in range(3)])
    fig = plot_pooling_windows(SENTENCE, y, pool_size=2, strides=1)
    axes = np.array(fig.axes).reshape(3, 2)
    for k, (ax_in, ax_out) in enumerate(axes):
        (window,) = _outlines(ax_in)
        assert (window.get_x() + 0.5, window.get_width()) == (k, 2)
        (out_step,) = _outlines(ax_out)
        assert out_step.get_x() + 0.5 == k
        winners = sorted((p.get_x() + 0.4, p.get_y() + 0.4) for p in _outlines(ax_in, "--"))
        expected = sorted((k + int(SENTENCE[k : k + 2, f].argmax()), f) for f in range(3))
        assert np.allclose(winners, expected)
    assert axes[1, 0].get_title().startswith("window 1: steps 1..2")


def test_pooling_windows_same_padding_shows_the_pad_and_never_boxes_it():
    x = -np.arange(1.0, 6.0)[:, None]  # all negative: the -inf pad must still lose
    fig = plot_pooling_windows(x, np.array([[-1.0], [-3.0], [-5.0]]), 2, padding="same")
    last_in = fig.axes[4]
    assert last_in.get_title().startswith("window 2: step 4 + 1 padded")
    assert "-inf" in _texts(last_in)
    (winner,) = _outlines(last_in, "--")
    assert winner.get_x() + 0.4 == 4  # the real step 4, not the padded column 5


def test_average_pooling_windows_label_the_pad_and_box_nothing():
    x = np.arange(1.0, 6.0)[:, None]
    fig = plot_pooling_windows(x, np.array([[1.5], [3.5], [5.0]]), 2, padding="same", op="average")
    assert "pad" in _texts(fig.axes[4])
    assert not any(_outlines(ax, "--") for ax in fig.axes)
    assert fig._suptitle.get_text().startswith("AveragePooling1D(pool_size=2, strides=2")


def test_pooling_windows_rejects_an_output_of_the_wrong_length():
    with pytest.raises(ValueError, match="gives 3"):
        plot_pooling_windows(np.ones((6, 1)), np.ones((2, 1)), pool_size=2)


@pytest.mark.parametrize(
    ("config", "windows", "pads"),
    [
        (dict(length=6, pool_size=2, strides=2), 3, 0),
        (dict(length=8, pool_size=2, strides=3), 3, 0),
        (dict(length=5, pool_size=4, strides=1, padding="same"), 5, 3),
    ],
)
def test_window_layout_draws_one_bar_per_window_and_the_padding(config, windows, pads):
    fig = plot_window_layout([config])
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_fill() and p.get_height() < 0.5]
    assert len(bars) == windows
    assert _texts(ax).count("pad") == pads
    assert ax.texts[0].get_text().endswith(f"{windows} windows")


def test_signal_responses_mark_the_largest_response_at_its_centred_step():
    signal = np.zeros(20)
    response = np.zeros(16)
    response[7] = 3.0
    fig = plot_signal_responses([signal], [response], spans=[[(2, 4), (9, 14)]], response_offset=2)
    ax, twin = fig.axes
    assert len(ax.patches) == 2  # two shaded spans
    assert any("max 3 at step 9" == text for text in _texts(twin))
    assert ax.get_title() == "(20 steps)"
    with pytest.raises(ValueError, match="same length"):
        plot_signal_responses([signal, signal], [response])
