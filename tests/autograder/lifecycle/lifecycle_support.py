"""Shared set-up of the lifecycle tests: a toy course with a rubric, a student's
folder, a real PostgreSQL server, JupyterLab started as ``make lab`` starts it.

Everything runs the real tools (nbgrader's commands, Debian's PostgreSQL server,
JupyterLab) in temporary folders, and stops what it started.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from fixtures.helpers import REPO_ROOT, copy_fixture_course

from autograder.course.assignments import Course, generate, write_course_config

#: The toy written answer's rubric, shown to the grader under the answer.
RUBRIC = "1 point: windows of two steps; 1 point: they do not overlap (strides = pool_size)."
BIN = Path(sys.executable).parent


def add_rubric(solution: Path) -> None:
    """Put a rubric (nbgrader mark scheme in a 0-point task cell) under the written answer,
    as the course's own notebooks have it."""
    nb = nbformat.read(solution, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.get("id") == "why_halves_answer")
    cell = nbformat.v4.new_markdown_cell(
        "*Graded by hand.*\n\n### BEGIN MARK SCHEME\n\n"
        f"**Rubric (2 points).** {RUBRIC}\n\n### END MARK SCHEME"
    )
    cell.id = "why_halves_rubric"
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": "rubric_why_halves_answer",
        "locked": True,
        "points": 0,
        "schema_version": 3,
        "solution": False,
        "task": True,
    }
    nb.cells.insert(at + 1, cell)
    nbformat.write(nb, solution)


def rubric_course(root: Path) -> Course:
    """The toy course (with the rubric) at ``root``, generated, with its nbgrader_config.py."""
    course = Course(copy_fixture_course(root))
    add_rubric(course.solution("toy_pooling"))
    generate(course)
    write_course_config(course.root)
    return course


def os_user() -> str:
    """nbgrader's exchange names a student by the OS account that submits."""
    return pwd.getpwuid(os.getuid()).pw_name


def nbgrader_env() -> dict:
    return {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}


def nbgrader(*args: str, cwd: Path, timeout: float = 300) -> str:
    """``nbgrader *args`` in ``cwd``; fails the test on a non-zero exit. Returns its log."""
    proc = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=cwd,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- PostgreSQL


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of its own (Debian's ``postgresql``) on 127.0.0.1, in a temp dir.

    initdb refuses root, so as root the server runs as the ``postgres`` (or
    ``nobody``) account. Yields ``(host, port, user, password)``; the server is
    stopped and its folder removed afterwards.
    """
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="poolcourse-pg-"))  # /tmp: reachable by the account
    data, pwfile = folder / "data", folder / "pw"
    password = "s3cret-" + secrets.token_hex(4)
    pwfile.write_text(password + "\n")
    prefix: list[str] = []
    if os.geteuid() == 0:
        account = next((n for n in ("postgres", "nobody") if _has_account(n)), None)
        if account is None:
            pytest.skip("no non-root account to run PostgreSQL as")
        entry = pwd.getpwnam(account)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        prefix = ["runuser", "-u", account, "--"]
    port = free_port()
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "grader", f"--pwfile={pwfile}",
         "--auth=scram-sha-256", "-E", "UTF8", "--no-instructions"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-o", opts, "-w", "start"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        yield ("127.0.0.1", port, "grader", password)
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def _has_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def fresh_database(postgres_server):
    """A new, empty database on the test server: its ``postgresql://`` URL (with password)."""
    import psycopg

    host, port, user, password = postgres_server
    name = "poolcourse_" + secrets.token_hex(4)
    with psycopg.connect(
        host=host, port=port, user=user, password=password, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://{user}:{password}@{host}:{port}/{name}"


# --------------------------------------------------------------------------- JupyterLab


@contextlib.contextmanager
def lab_server(course_root: Path, runtime: Path, command: str | None = None):
    """JupyterLab on ``course_root`` started by ``make lab COURSE=...`` (the Makefile's
    recipe), or by the shell ``command`` given (e.g. the one the demo prints).

    Port, token and "no browser" come through the environment (``JUPYTER_PORT``,
    ``JUPYTER_TOKEN``, ``BROWSER``) so the command runs unchanged. Yields
    ``(base_url, token)``.
    """
    port, token = free_port(), secrets.token_hex(8)
    env = {
        **os.environ,
        "JUPYTER_PORT": str(port),
        "JUPYTER_PORT_RETRIES": "0",
        "JUPYTER_TOKEN": token,
        "JUPYTER_RUNTIME_DIR": str(runtime),
        # JupyterLab's saved layouts: fresh, not the user's (~/.jupyter/lab/workspaces)
        "JUPYTERLAB_WORKSPACES_DIR": str(runtime / "workspaces"),
        "BROWSER": "true",
        # the recipe must bring .venv/bin itself: take it off PATH here
        "PATH": os.pathsep.join(
            p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != BIN
        ),
    }
    runtime.mkdir(parents=True, exist_ok=True)
    log = open(runtime.parent / "lab.log", "w")
    if command is None:
        argv = [
            "make",
            "--no-print-directory",
            "-C",
            str(REPO_ROOT),
            "lab",
            f"COURSE={course_root}",
        ]
    else:
        argv = ["bash", "-c", command]
    server = subprocess.Popen(
        argv,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                assert server.poll() is None, (runtime.parent / "lab.log").read_text()
                time.sleep(0.5)
        else:
            raise AssertionError("jupyter lab did not start within 120 s")
        yield base, token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        log.close()
