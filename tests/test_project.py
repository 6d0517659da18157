"""Project-level contracts: dependency lists agree, the code is lint-clean, TF starts quietly."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(req: str) -> tuple[str, str]:
    """'tensorflow-cpu==2.21.*' -> ('tensorflow-cpu', '==2.21.*'); conda '=' means pip '=='."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert match, req
    name, spec = match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")
    if re.match(r"^=[^=]", spec):
        spec = "=" + spec
    return name, spec


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for items in meta["optional-dependencies"].values():
        reqs += [r for r in items if not r.startswith("poolcourse")]
    return dict(_split(r) for r in reqs)


def _environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    reqs: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            reqs += [r for r in dep["pip"] if not r.startswith("-e")]
        elif not dep.startswith(("python", "pip")):
            reqs.append(dep)
    return dict(_split(r) for r in reqs)


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert _environment_requirements() == _pyproject_requirements()


def test_environment_yml_pins_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_ruff_passes():
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


@pytest.mark.keras
def test_tensorflow_import_is_silent():
    """Importing pooling_ref before keras leaves stderr empty (no oneDNN/cpu-feature lines)."""
    code = (
        "import pooling_ref, keras, numpy as np\n"
        "keras.layers.MaxPooling1D(2)(np.zeros((1, 4, 1), 'float32'))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("TF_")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
