"""The self-check: the test cells' batteries, hidden groups included, on fresh random cases."""

import json

import numpy as np
import pytest
import wrong_implementations as wi

from autograder import selfstudy
from autograder.selfstudy import _progress, _table


def _impl(exercise, name, catalogue):
    return wi.load(next(i for i in catalogue if i.exercise == exercise and i.name == name))


def test_a_correct_function_earns_every_measured_point(capsys):
    fn = _impl("max_pool1d", "vectorised", wi.CORRECT)
    result = selfstudy.check("max_pool1d", namespace={"max_pool1d": fn})
    out = capsys.readouterr().out
    assert (result.earned, result.measured, result.unmeasured) == (2.0, 2.0, 0.0)
    groups = ("examples", "valid", "default_strides", "same", "edge", "channels_first", "random")
    for group in groups:
        assert f"PASS {group} " in out
    assert "self-check: 2 of 2 points" in out


def test_zero_padding_passes_the_visible_groups_and_loses_the_hidden_points(capsys):
    """The issue's example: '3/3 groups pass' in the notebook, points lost only at grading."""
    fn = _impl("max_pool1d", "zero_padding_in_max", wi.CATALOGUE)
    result = selfstudy.check("max_pool1d_vectorised", namespace={"max_pool1d": fn})
    out = capsys.readouterr().out
    assert "max_pool1d: 3/3 groups pass -> 1 of 1 points" in out  # the visible half
    assert "FAIL same" in out and "padding with zeros in max pooling" in out
    assert 1.0 < result.earned < 2.0 and result.measured == 2.0
    record = _progress.record("01_max_pooling1d", "max_pool1d_vectorised")
    assert record["self_check"]["earned"] == result.earned


def test_every_run_draws_fresh_random_cases():
    fn = _impl("upsampling1d", "vectorised", wi.CORRECT)
    seeds = set()
    for _ in range(3):
        selfstudy.check("upsampling1d", namespace={"upsampling1d": fn})
        seeds.add(_progress.record("05_upsampling_and_encoder_decoders", "upsampling1d_solution")[
            "self_check"]["seed"])  # fmt: skip
    assert len(seeds) == 3


def _solved(notebook, *names):
    """The learner's namespace after running the worked solutions of ``names``."""
    namespace: dict = {"np": np}  # the notebook's first cells import NumPy
    for name in names:
        exec(_table.reveal()[notebook][name]["solution"], namespace)
    return namespace


def test_the_whole_notebook_names_what_it_cannot_measure(monkeypatch, capsys):
    monkeypatch.setenv("POOLCOURSE_NOTEBOOK", "01_max_pooling1d")
    namespace = _solved("01_max_pooling1d", "shape_answers", "pool_geometry", "largest_difference")
    fn = _impl("max_pool1d", "loop", wi.CORRECT)
    result = selfstudy.check(namespace={**namespace, "max_pool1d_loops": fn, "max_pool1d": fn})
    out = capsys.readouterr().out
    # every part but the hidden answers of shape_answers (1.75 of its 2.25 weights, of 2
    # points) and the hidden calls of largest_difference (0.5 of 1) is measured, and right
    shape_answers = 2 * 0.5 / 2.25
    measured = shape_answers + 1 + 2 + 2 + 0.5
    assert result.earned == pytest.approx(measured) and result.measured == pytest.approx(measured)
    assert result.unmeasured == pytest.approx(10 - measured)
    assert "PASS all_small (516 calls)" in out  # pool_geometry's hidden group, run here
    assert "PASS shape_mismatch (1 call)" in out  # largest_difference's visible calls
    assert "0.5 more points are decided only at hand-in (hidden checks of largest_difference)" in (
        out
    )
    assert "written answer, graded by hand (2 points)" in out
    assert "01_max_pooling1d: self-check 5.94444 of 5.94444 points measured; 4.05556 more" in out


def test_a_missing_function_scores_zero_with_a_message(capsys):
    result = selfstudy.check("max_pool2d", namespace={})
    assert (result.earned, result.measured) == (0.0, 4.0)
    assert "max_pool2d is not defined yet: run the cell of this exercise first" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: selfstudy.check("max_pool3d", namespace={}), "no exercise called 'max_pool3d'"),
        (lambda: selfstudy.check(namespace={}), "cannot tell which notebook this is"),
        (lambda: selfstudy.check(notebook="08_nope", namespace={}), "no notebook '08_nope'"),
        (lambda: selfstudy.check(3), "name the exercise as a string; those of 01_max"),
    ],
)
def test_bad_input_prints_a_message_and_never_raises(call, message, capsys):
    assert call() is None
    out = capsys.readouterr().out
    assert out.startswith("check: ") and message in out and "Traceback" not in out


@pytest.mark.parametrize("func", [selfstudy.hint, selfstudy.solution, selfstudy.model_answer])
def test_reveals_without_a_name_list_the_exercises(func, monkeypatch, capsys):
    monkeypatch.setenv("POOLCOURSE_NOTEBOOK", "06_gradients_through_pooling_and_conv")
    assert func() is None
    out = capsys.readouterr().out
    assert out.startswith(f"{func.__name__}: name the exercise as a string; those of 06_")
    assert "'max_pool1d_backward'" in out and "Received: None" in out


def test_a_damaged_progress_file_is_set_aside(progress_home, capsys):
    progress_home.mkdir()
    (progress_home / "progress.json").write_text("{not json")
    selfstudy.hint("max_pool1d")
    assert "your progress file was damaged" in capsys.readouterr().out
    assert (progress_home / "progress.json.broken").read_text() == "{not json"
    data = json.loads((progress_home / "progress.json").read_text())
    assert data["notebooks"]["01_max_pooling1d"]["max_pool1d_vectorised"]["hints"] == 1


def test_answers_are_compared_with_the_model_answer_without_showing_it(capsys):
    answers = {
        "a": (10, 3, 10), "b": (10, 2, 10), "c": (32, 49, 8), "d": (32, 50, 8),
        "e": (1, 2, 3), "f": (1, 3, 3), "g": (16, 5, 25), "h": [2, 1, 4],
    }  # fmt: skip
    result = selfstudy.check("shape_answers", namespace={"shape_answers": answers})
    out = capsys.readouterr().out
    # measured: the visible form of every answer and setting a (0.5 of the 2.25 weights)
    assert result.earned == result.measured == pytest.approx(2 * 0.5 / 2.25)
    assert result.unmeasured == pytest.approx(2 * 1.75 / 2.25)
    assert "shape_answers: 8/8 entries agree with the model answer" in out
    answers = {**answers, "c": (32, 50, 8), "h": None}
    result = selfstudy.check("shape_answers", namespace={"shape_answers": answers})
    out = capsys.readouterr().out
    assert result.earned < result.measured  # h has not the form of a shape
    assert "shape_answers: 6/8 entries agree with the model answer (look again at c, h)" in out
    assert "(32, 49, 8)" not in out  # the model's values are not shown
    selfstudy.check("predict_gradients", namespace={"grad_max": [1, 0, 0, 1110, 0, 0]})
    out = capsys.readouterr().out
    assert "grad_max agrees with the model answer" in out
    assert "grad_avg is not defined yet" in out


def test_the_hidden_groups_of_a_table_check_are_measured_too(capsys):
    def pool_geometry(length, pool_size, strides=None, padding="valid"):
        s = pool_size if strides is None else strides
        if padding != "same":  # "SAME" is taken for 'valid': case-sensitive
            return (length - pool_size) // s + 1, 0, 0
        out = -(-length // s)
        total = max((out - 1) * s + pool_size - length, 0)
        return out, total // 2, total - total // 2

    result = selfstudy.check("pool_geometry", namespace={"pool_geometry": pool_geometry})
    out = capsys.readouterr().out
    assert "pool_geometry: 2/2 groups pass -> 0.5 of 0.5 points" in out  # what the cell shows
    assert "FAIL case_insensitive" in out and "PASS all_small" in out  # the hidden groups
    assert (result.earned, result.measured, result.unmeasured) == (round(0.5 + 0.5 * 2 / 3, 10),
                                                                   1.0, 0.0)  # fmt: skip
