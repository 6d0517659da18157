"""`make lab` serves the course with nbgrader's JupyterLab extension enabled.

Starts the same `jupyter lab` command the Makefile runs (headless, on a free
loopback port), then asks the server for the lab page and the course contents.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def test_makefile_lab_target_runs_jupyter_lab_at_the_course_root():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lab:.*\n\t(.+)$", makefile, re.M)
    assert recipe, "Makefile has no `lab` target"
    assert "jupyter lab" in recipe.group(1)
    assert "--notebook-dir=." in recipe.group(1)


@pytest.mark.slow
def test_jupyter_lab_serves_the_course_with_the_nbgrader_extension(tmp_path):
    jupyter = Path(sys.executable).with_name("jupyter")
    if not jupyter.exists():
        jupyter = Path(shutil.which("jupyter") or "jupyter")
    port, token = _free_port(), secrets.token_hex(8)
    cmd = [
        str(jupyter),
        "lab",
        "--notebook-dir=.",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        "--ServerApp.port_retries=0",
        "--allow-root",
    ]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        page = None
        for _ in range(120):
            try:
                page = _get(f"{base}/lab?token={token}")
                break
            except OSError:
                time.sleep(0.5)
        assert page is not None, "jupyter lab did not start within 60 s"
        config = json.loads(
            re.search(r'id="jupyter-config-data"[^>]*>\s*(\{.*?\})\s*</script>', page, re.S).group(
                1
            )
        )
        names = {ext["name"] for ext in config.get("federated_extensions", [])}
        assert "@jupyter/nbgrader" in names
        listing = json.loads(_get(f"{base}/api/contents/notebooks?token={token}"))
        assert listing["type"] == "directory"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
