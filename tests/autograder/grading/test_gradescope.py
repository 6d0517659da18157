"""``python -m autograder gradescope``: the bundle, and its run_autograder on a sample.

The bundle is built for the toy course, unzipped into a temporary
``AUTOGRADER_ROOT`` (Gradescope's ``/autograder/source``) and its
``run_autograder`` run on a sample student's notebook, then on a submission
without a notebook.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fixtures.helpers import generated_toy_course, run_cli

from autograder.course.samples import build_samples
from autograder.grading import gradescope


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    root = tmp_path_factory.mktemp("gradescope")
    course = generated_toy_course(root / "course")
    proc = run_cli(
        "gradescope", str(root / "toy.zip"), "--course", str(course.root),
        "--assignment", "toy_pooling",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    build_samples(course, root / "samples")
    return {"root": root, "zip": root / "toy.zip", "course": course, "samples": root / "samples"}


def test_bundle_layout(bundle):
    with zipfile.ZipFile(bundle["zip"]) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        run = zf.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "course/solutions/toy_pooling/toy_pooling.ipynb" in names
    assert not any(n.startswith("course/solutions/toy_shapes") for n in names)
    assert {"grader/pyproject.toml", "grader/autograder/grading/pipeline.py"} <= names
    assert "grader/pooling_ref/__init__.py" in names
    assert not any("__pycache__" in n for n in names)
    assert "-m autograder.grading.gradescope --assignment toy_pooling" in run


def test_bad_bundle_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"must be a \.zip file. Received: OUT=b\.tar"):
        gradescope.build_bundle(tmp_path / "b.tar")


def _run_autograder(bundle, root: Path, files: dict[str, bytes]) -> dict:
    with zipfile.ZipFile(bundle["zip"]) as zf:
        zf.extractall(root / "source")
    (root / "submission").mkdir(parents=True)
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "POOLCOURSE_PYTHON": sys.executable}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    proc = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.slow
def test_run_autograder_grades_a_sample_into_gradescope_results(bundle, tmp_path):
    nb = bundle["samples"] / "partial_strides" / "toy_pooling" / "toy_pooling.ipynb"
    # a renamed upload is graded as the bundle's assignment
    results = _run_autograder(bundle, tmp_path, {"my work (1).ipynb": nb.read_bytes()})
    tests = {t["name"]: t for t in results["tests"]}
    assert set(tests) == {
        "toy_pooling: max_pool_keeps_window_max",
        "toy_pooling: max_pool_default_strides_partial",
    }
    hidden = tests["toy_pooling: max_pool_keeps_window_max"]
    partial = tests["toy_pooling: max_pool_default_strides_partial"]
    assert hidden["visibility"] == "after_published" and hidden["max_score"] == 3.0
    assert partial["visibility"] == "visible" and partial["max_score"] == 2.0
    # partial_strides (test_grading.EXPECTED): `strides or 1` fails the hidden cell and
    # half of the partial-credit one: 1 of the 5 automatic points
    assert (hidden["score"], partial["score"]) == (0.0, 1.0)
    assert (results["score"], results["max_score"]) == (1.0, 5.0)
    assert hidden["status"] == partial["status"] == "failed"
    assert hidden["output"]  # what the failing check said
    assert "why_halves_answer (2 points)" in results["output"]  # graded by hand


@pytest.mark.slow
def test_run_autograder_without_a_notebook_says_so(bundle, tmp_path):
    results = _run_autograder(bundle, tmp_path, {"answers.pdf": b"%PDF-1.4"})
    assert results["score"] == 0.0 and results["tests"] == []
    assert "No gradable notebook in your submission: upload toy_pooling.ipynb" in results["output"]
    assert "Received: answers.pdf" in results["output"]
