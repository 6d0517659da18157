"""The course installs where learners are: a built wheel in a fresh venv outside the repository.

Slow (it installs TensorFlow into a new virtual environment: 7-10 minutes each on a shared
2-core machine). Each Python that is on this machine is tried: 3.11 (the CI's), 3.12
(Colab's) and 3.13; a missing one is skipped. ``POOLCOURSE_INSTALL_PYTHONS="3.11"`` narrows
the list (a space-separated list of versions).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograder.course.assignments import Course

ROOT = Path(__file__).resolve().parents[3]


def interpreter(version: str) -> str | None:
    """A working ``python<version>``: on PATH, or installed by pyenv but not selected."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(
        glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}"))
    )
    for exe in filter(None, candidates):
        probe = subprocess.run([exe, "-c", "import venv, ensurepip"], capture_output=True)
        if probe.returncode == 0:
            return exe
    return None


def build_wheel(source: Path, out: Path) -> Path:
    """``pip wheel`` of the course tree ``source`` (no dependencies), into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(source)],
        check=True, capture_output=True, text=True, cwd=out,
    )  # fmt: skip
    shutil.rmtree(source / "build", ignore_errors=True)
    (wheel,) = out.glob("poolcourse-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(ROOT, tmp_path_factory.mktemp("wheel"))


_RUN = """
import json, sys
import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "_result = selfstudy.check()\\n"
    "print('RESULT', _result.earned, _result.measured, _result.unmeasured)"))
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
setup = "".join(o.get("text", "") for o in nb.cells[0].outputs)
last = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
print(json.dumps({"setup": setup, "last": last}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_the_wheel_installs_copies_the_notebooks_and_self_checks(version, wheel, tmp_path):
    wanted = os.environ.get("POOLCOURSE_INSTALL_PYTHONS", "3.11 3.12 3.13").split()
    if version not in wanted:
        pytest.skip(f"python{version} left out by POOLCOURSE_INSTALL_PYTHONS={wanted}")
    exe = interpreter(version)
    if exe is None:
        pytest.skip(f"no python{version} on this machine")
    start = time.perf_counter()
    venv = tmp_path / "venv"
    subprocess.run([exe, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=3600, cwd=tmp_path,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    installed = time.perf_counter() - start

    learner = tmp_path / "my-course"
    copied = subprocess.run(
        [python, "-m", "autograder", "notebooks", str(learner)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    assert f"{len(Course().assignments())} notebook(s) copied" in copied.stdout
    folder = learner / "01_max_pooling1d"
    assert (folder / "01_max_pooling1d.ipynb").is_file()
    # the learner's copy of a solved notebook, run there by the fresh venv's own kernel
    solved = folder / "solved.ipynb"
    shutil.copyfile(ROOT / "solutions/01_max_pooling1d/01_max_pooling1d.ipynb", solved)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POOLCOURSE", "PYTHON"))}
    env["POOLCOURSE_HOME"] = str(tmp_path / "home")
    ran = subprocess.run(
        [python, "-c", textwrap.dedent(_RUN), str(solved), str(folder)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=1200,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    out = json.loads(ran.stdout.strip().splitlines()[-1])
    assert out["setup"] == ""  # the course is installed: the set-up cell does nothing
    # every part the self-check can run, right: all but the hidden values of shape_answers
    # (1.75 of its 2.25 weights, of 2 points), largest_difference's hidden calls (0.5) and
    # the written answer (2)
    earned, measured, unmeasured = map(float, out["last"].split("RESULT")[1].split())
    assert earned == measured == pytest.approx(10 - 2 * 1.75 / 2.25 - 0.5 - 2)
    assert unmeasured == pytest.approx(2 * 1.75 / 2.25 + 0.5 + 2)
    progress = json.loads((tmp_path / "home" / "progress.json").read_text())
    assert progress["notebooks"]["01_max_pooling1d"]["max_pool1d_loops"]["self_check"][
        "earned"] == 2.0  # fmt: skip
    print(f"python{version}: install {installed:.0f} s, total {time.perf_counter() - start:.0f} s")
