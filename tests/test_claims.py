"""The course's claims, kept true (issue 14).

Every quantitative or comparative sentence the lessons state about Keras, or about an experiment
they run, is asserted here against the installed Keras, or by re-running the notebook's own cells
(the solution notebook is the single source: the tests execute its code cells, not a copy). A
Keras upgrade, or an edited cell, that makes a sentence false fails here; the message names the
notebook and the sentence to fix.

The multi-seed experiments (notebooks 3, 5 and 7) train their models, so they are marked slow.
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest

import pooling_ref

keras = pytest.importorskip("keras")

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


# --------------------------------------------------------------------------- notebook cells
def run_cells(notebook: str, until: str | None = None, only: list[str] | None = None) -> dict:
    """Run the solution notebook's ungraded code cells in one namespace and return it.

    ``until``: stop after the cell with that id; ``only``: run just these cell ids (in notebook
    order). IPython magics (``%...``, ``!...``) are skipped; printed output is swallowed.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    nb = nbformat.read(SOLUTIONS / notebook / f"{notebook}.ipynb", as_version=4)
    ids = [cell.get("id") for cell in nb.cells]
    for wanted in [until, *(only or [])]:
        assert wanted is None or wanted in ids, f"{notebook}: no cell {wanted!r} (renamed?)"
    namespace: dict = {"__name__": "__main__"}
    # the cells set print options (and may set rcParams): leave the test session's alone
    with np.printoptions(), matplotlib.rc_context():
        _run(nb, namespace, until, only, plt)
    return namespace


def _run(nb, namespace, until, only, plt):
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        if only is None or cell.get("id") in only:
            source = "\n".join(
                line
                for line in cell.source.splitlines()
                if not line.lstrip().startswith(("%", "!"))
            )
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, f"notebook cell {cell.get('id')}", "exec"), namespace)
            plt.close("all")
        if cell.get("id") == until:
            break


def markdown(notebook: str, cell_id: str) -> str:
    nb = nbformat.read(SOLUTIONS / notebook / f"{notebook}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.get("id") == cell_id)


# --------------------------------------------------------------------------- 01: output length
def test_output_length_ceiling_identity_holds_on_all_small_cases():
    """01: ceil((L - p + 1) / s) == floor((L - p) / s) + 1, and the plain quotient is exact iff
    s divides L - p + 1."""
    for length in range(1, 61):
        for pool in range(1, length + 1):
            for strides in range(1, 13):
                rule = (length - pool) // strides + 1
                assert math.ceil((length - pool + 1) / strides) == rule
                assert pooling_ref.pooled_length(length, pool, strides) == rule
                exact = (length - pool + 1) / strides == rule
                assert exact == ((length - pool + 1) % strides == 0)


def test_output_length_rule_is_keras_shape_rule():
    """01: the rule (and so the ceiling form) is what Keras' MaxPooling1D computes."""
    for length in range(1, 13):
        for pool in range(1, length + 1):
            for strides in range(1, 5):
                layer = keras.layers.MaxPooling1D(pool, strides)
                steps = layer.compute_output_shape((1, length, 1))[1]
                assert steps == -(-(length - pool + 1) // strides), (length, pool, strides)


def test_window_longer_than_sequence_is_empty_eagerly_and_raises_symbolically():
    """01 section 4: eager pooling returns 0 steps; inside a model, and for Conv1D, it raises."""
    too_short = np.zeros((1, 3, 2), "float32")
    for layer in (keras.layers.MaxPooling1D(5), keras.layers.AveragePooling1D(5)):
        assert tuple(layer(too_short).shape) == (1, 0, 2)
    with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
        keras.Sequential([keras.Input((3, 2)), keras.layers.MaxPooling1D(5)])
    with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
        keras.layers.Conv1D(1, 5)(too_short)


# --------------------------------------------------------------------------- dtypes (item 2)
_RAISES = "raises"
# (layer, input dtype) -> what Keras returns, as the lessons (01, 02, 03, 04, 05) state it.
KERAS_DTYPES = {
    ("MaxPooling1D", "int32"): "int32",
    ("MaxPooling1D", "bool"): _RAISES,
    ("MaxPooling1D", "float64"): "float32",
    ("AveragePooling1D", "int32"): _RAISES,
    ("AveragePooling1D", "bool"): _RAISES,
    ("AveragePooling1D", "float64"): "float32",
    ("GlobalMaxPooling1D", "int32"): "int32",
    ("GlobalMaxPooling1D", "bool"): "bool",
    ("GlobalMaxPooling1D", "float64"): "float32",
    ("GlobalAveragePooling1D", "int32"): "float32",
    ("GlobalAveragePooling1D", "bool"): "float32",
    ("GlobalAveragePooling1D", "float64"): "float32",
    ("UpSampling1D", "int32"): "int32",
    ("UpSampling1D", "bool"): "bool",
    ("UpSampling1D", "float64"): "float32",
    ("Conv1D", "int32"): _RAISES,
    ("Conv1D", "bool"): _RAISES,
    ("Conv1D", "float64"): "float32",
    ("MaxPooling2D", "int32"): "int32",
    ("MaxPooling2D", "bool"): _RAISES,
    ("MaxPooling2D", "float64"): "float32",
}
_LAYERS = {
    "MaxPooling1D": lambda: keras.layers.MaxPooling1D(2),
    "AveragePooling1D": lambda: keras.layers.AveragePooling1D(2),
    "GlobalMaxPooling1D": lambda: keras.layers.GlobalMaxPooling1D(),
    "GlobalAveragePooling1D": lambda: keras.layers.GlobalAveragePooling1D(),
    "UpSampling1D": lambda: keras.layers.UpSampling1D(2),
    "Conv1D": lambda: keras.layers.Conv1D(2, 2),
    "MaxPooling2D": lambda: keras.layers.MaxPooling2D(2),
}


@pytest.mark.parametrize(("layer", "dtype"), sorted(KERAS_DTYPES))
def test_keras_dtype_fact(layer, dtype):
    """The dtype Keras returns (or its refusal), as the lesson text states it."""
    shape = (1, 4, 4, 2) if layer.endswith("2D") else (1, 6, 2)
    x = (np.arange(np.prod(shape)).reshape(shape) % 3).astype(dtype)
    expected = KERAS_DTYPES[layer, dtype]
    if expected == _RAISES:
        with pytest.raises(Exception):  # noqa: B017 - TF raises InvalidArgumentError
            _LAYERS[layer]()(x)
    else:
        got = keras.ops.convert_to_numpy(_LAYERS[layer]()(x)).dtype
        assert str(got) == expected, (
            f"Keras' {layer} now returns {got} for {dtype} input; the lessons say {expected}: "
            "update the dtype sentences in solutions/ and pooling_ref's docstrings"
        )


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("max_pool1d", lambda x: pooling_ref.max_pool1d(x, 2)),
        ("average_pool1d", lambda x: pooling_ref.average_pool1d(x, 2)),
        ("global_max_pool1d", pooling_ref.global_max_pool1d),
        ("global_average_pool1d", pooling_ref.global_average_pool1d),
        ("upsampling1d", pooling_ref.upsampling1d),
        ("conv1d", lambda x: pooling_ref.conv1d(x, np.ones((2, 2, 1)))),
    ],
)
def test_pooling_ref_dtype_convention(name, call):
    """The course's convention (not Keras'): ints and bools -> float32, floats keep their dtype."""
    x = (np.arange(12).reshape(1, 6, 2) % 3).astype("int32")
    assert call(x).dtype == np.float32
    assert call(x.astype(bool)).dtype == np.float32
    assert call(x.astype("float64")).dtype == np.float64


# --------------------------------------------------------------------------- 04: channels_first
def _conv_cf_vs_reference(steps, groups=2, filters=4):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, steps)).astype("float32")
    layer = keras.layers.Conv1D(
        filters, 2, groups=groups, data_format="channels_first", bias_initializer="glorot_uniform"
    )
    y = keras.ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    expected = pooling_ref.conv1d(x, kernel, bias, data_format="channels_first", groups=groups)
    return float(np.abs(y - expected).max())


def test_channels_first_conv_adds_bias_along_steps_when_steps_equal_filters():
    """04 section 7, pooling_ref/conv.py, docs/ARCHITECTURE.md: Keras' channels_first Conv1D is
    wrong exactly when the output has as many steps as filters (keras.ops.add -> bias_add guesses
    the channel axis from the last one). If this fails, Keras fixed it: update those three."""
    assert _conv_cf_vs_reference(steps=5) > 0.05, "Keras' channels_first bias bug is gone"
    assert _conv_cf_vs_reference(steps=6) < 1e-5


def test_channels_first_ungrouped_conv_has_no_cpu_kernel():
    """04 section 7 and docs: with oneDNN off (the course's setting) TF refuses NCW on the CPU."""
    with pytest.raises(Exception, match=r"(?i)NHWC|NWC|only supports|Unimplemented|not supported"):
        keras.layers.Conv1D(4, 2, data_format="channels_first")(np.ones((1, 4, 6), "float32"))


# --------------------------------------------------------------------------- 06, 07 (no training)
def test_max_pooling_gradient_reaches_one_step_in_two_then_one_in_four():
    """06 section 6: with pool_size=2 (no overlap), one step in two, then one in four."""
    ns = run_cells("06_gradients_through_pooling_and_conv", only=["nb06-01", "nb06-03", "nb06-27"])
    assert np.count_nonzero(ns["d_avg"]) == 16
    assert np.count_nonzero(ns["d_max"]) == 8
    assert np.count_nonzero(ns["d_two"]) == 4


def test_one_pixel_shift_about_halves_the_change_after_pooling():
    """07 section 5 and model answer: 1-px shift changes the ReLU map ~92%, the pooled map about
    half of that (~53%); global averages barely change; a 2-px shift is one pooled column."""
    ns = run_cells("07_from_1d_to_2d", only=["nb07-01", "nb07-03", "nb07-05", "nb07-25"])
    relu, pooled, _, global_avg = ns["shift_change"][1]
    assert 0.85 < relu < 0.97 and 0.48 < pooled < 0.58, (relu, pooled)
    assert 0.4 < pooled / relu < 0.7
    assert global_avg < 0.02 and ns["shift_change"][2][3] < 0.02
    assert ns["shift_change"][2][2] < 0.15
    assert "about half" in markdown("07_from_1d_to_2d", "nb07-26")


def test_pooling_does_not_count_zeros_as_model_size():
    """07: the parameter count depends on shapes only; pooling shrinks the Flatten head."""
    ns = run_cells("07_from_1d_to_2d", only=["nb07-01", "nb07-09c"])
    (without, conv_a), (with_pool, conv_b) = ns["head_params"](False), ns["head_params"](True)
    assert conv_a == conv_b == 30 and with_pool < without / 3


# --------------------------------------------------------------------------- multi-seed, slow
@pytest.mark.slow
def test_03_five_seed_claims():
    """03 sections 5-6: GAP vs Flatten vs global-max heads over 5 seeds, and the CAM readings."""
    ns = run_cells("03_average_pooling_and_gap_classifiers", until="gap-37")
    acc = ns["acc"]
    for head in ("gap", "flatten", "gmp"):
        assert acc["train", head].mean() >= 0.98, head  # "fits its training sequences"
    gap, flat = acc["test", "gap"], acc["test", "flatten"]
    assert gap.min() >= 0.97  # "near the top on every seed"
    assert (gap > flat).all() and flat.mean() <= gap.mean() - 0.03  # "lower on average"
    assert flat.max() - flat.min() >= 0.03  # "varies from seed to seed by several points"
    assert ns["long_acc"].min() >= 0.97  # 256 steps, same density: "as well as the 64-step set"
    one = ns["one_acc"]
    assert 0.2 <= one["gap"].mean() <= 0.45 and one["gap"].max() <= 0.5  # "no better than guessing"
    assert one["gmp"].mean() >= 0.9 and one["gmp"].min() >= 0.85  # "almost every time"
    higher = ns["higher_on_shapes"]
    assert 0.5 < higher.mean() < 0.95 and higher.min() < 0.7  # "most, not reliably; ~half"
    table = ns["mixed_table"]
    assert table["square steps"] == ["square"] * 5
    assert 1 <= table["sine steps"].count("sine") <= 4 and table["sine steps"][0] != "sine"
    assert table["noise steps"] == ["sawtooth"] * 5 and table["prediction"] == ["sawtooth"] * 5


@pytest.mark.slow
def test_05_control_experiment_keeps_most_of_the_noise():
    """05 section 4: trained on the clean target the output lands far closer to the clean signal;
    the same net trained on its noisy input stays on average closer to that input than to the
    clean signal, a large part of the noise away from clean, several times the denoiser's."""
    ns = run_cells("05_upsampling_and_encoder_decoders", until="nb05-26b")
    noise = float(np.mean((ns["noisy_test"] - ns["clean_test"]) ** 2))
    mse = ns["mse"]
    assert mse["clean", "clean"].max() < 0.25 * noise
    assert mse["noisy", "noisy"].mean() < mse["noisy", "clean"].mean()  # "on average closer"
    assert (mse["noisy", "clean"] > 0.4 * noise).all() and (mse["noisy", "clean"] < noise).all()
    assert mse["noisy", "clean"].min() > 2.5 * mse["clean", "clean"].max()


@pytest.mark.slow
def test_07_five_seed_claims():
    """07 section 3: every head solves the task on every seed; GAP loses accuracy on 48 x 48
    images (varying by seed), the global-max head does not."""
    ns = run_cells("07_from_1d_to_2d", until="nb07-17")
    for head, accs in ns["test_acc"].items():
        assert accs.min() >= 0.95, head
    big, small = ns["big_acc"], ns["test_acc"]
    assert big["global average"].mean() <= small["global average"].mean() - 0.05
    assert big["global average"].std(ddof=1) >= 0.03
    assert big["global max"].min() >= 0.95


# --------------------------------------------------------------------------- 02
def test_global_max_of_a_sentence_is_no_word_vector():
    """02 section 1: the winners of "a cat sat down" are cat, sat, down; no word's vector."""
    ns = run_cells("02_global_max_pooling1d", only=["gmp-01", "gmp-07"])
    other = ns["other"][0]
    assert [ns["other_words"][i] for i in other.argmax(axis=0)] == ["cat", "sat", "down"]
    assert not any(np.array_equal(ns["other_max"][0], word) for word in other)


def test_binary_crossentropy_on_a_linear_output_has_zero_gradient_outside_0_1():
    """02 section 3: Keras clips the prediction, so a linear output below 0 or above 1 gets no
    gradient; from_logits=True does."""
    import tensorflow as tf

    label = tf.constant([[1.0]])
    for output, flat in [(-3.0, True), (2.0, True), (0.5, False)]:
        value = tf.Variable([[output]])
        with tf.GradientTape() as tape:
            loss = keras.losses.binary_crossentropy(label, value)
        assert (float(tape.gradient(loss, value)[0, 0]) == 0.0) == flat, output
        with tf.GradientTape() as tape:
            loss = keras.losses.binary_crossentropy(label, value, from_logits=True)
        assert float(tape.gradient(loss, value)[0, 0]) < 0
