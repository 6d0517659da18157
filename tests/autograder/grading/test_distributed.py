"""``grade --dask``: the same grading on a Dask cluster (``autograder.grading.distributed``).

The toy course's sample students are graded locally (``--jobs 2``) and on Dask
(a ``LocalCluster``; a real ``dask scheduler`` with two ``dask worker``
processes on 127.0.0.1, one of them killed mid-run) and every stored cell is
compared. Bad input (an unreachable scheduler, a worker without the grader)
is refused before anything is touched. The grading tests are slow.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.helpers import generated_toy_course, gradebook_rows, run_cli, tree_digest

from autograder.course.samples import build_samples
from autograder.grading import distributed as gd
from autograder.grading.pipeline import grade

STUDENTS = ("correct", "partial_strides", "blank")
BIN = Path(sys.executable).parent


# ------------------------------------------------------------------ fast: the parts


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("local:2", ("local", 2)),
        ("tcp://10.0.0.5:8786", ("tcp://10.0.0.5:8786", None)),
        (" tls://grader.example.org:8786 ", ("tls://grader.example.org:8786", None)),
    ],
)
def test_parse_address(address, expected):
    assert gd.parse_address(address) == expected


@pytest.mark.parametrize("address", ["local:0", "local", "10.0.0.5:8786", "local:two", ""])
def test_parse_address_refuses_anything_else(address):
    with pytest.raises(ValueError, match=f"Received: --dask={address}"):
        gd.parse_address(address)


def test_a_packed_file_cannot_leave_its_folder(tmp_path):
    with pytest.raises(ValueError, match=r"leaves its folder. Received: '../evil.py'"):
        gd._unpack({"../evil.py": b"x"}, tmp_path / "in")
    assert not (tmp_path / "evil.py").exists()


def test_a_result_is_placed_like_a_local_workers_and_only_where_it_may(tmp_path):
    out = tmp_path / "out"
    job = {"out": str(out), "record": str(out / "records/ann/a1.json"), "fingerprint": "f"}
    job.update(student="ann", assignment="a1")
    record = {"student": "ann", "assignment": "a1", "fingerprint": "f", "status": "graded"}
    files = {
        "autograded/ann/a1/nb.ipynb": b"{}",
        "feedback/ann/a1/nb.html": b"<html>",
        "records/bob/a1.json": b"{}",  # not a worker's to write
        "../outside.txt": b"x",
    }
    placed = gd._place_result(job, {"record": record, "files": files, "log": b"log"})
    assert placed == record
    assert (out / "autograded/ann/a1/nb.ipynb").read_bytes() == b"{}"
    assert (out / "feedback/ann/a1/nb.html").read_bytes() == b"<html>"
    assert (out / "records/ann/a1.log").read_bytes() == b"log"
    assert not (out / "records/bob").exists() and not (tmp_path / "outside.txt").exists()
    stale = gd._place_result({**job, "fingerprint": "g"}, {"record": record, "files": {}})
    assert stale["status"] == "failed" and stale["anomalies"][0]["kind"] == "worker-died"


def test_a_submission_travels_as_bytes_without_parent_paths(tmp_path):
    folder = tmp_path / "subs/ann/a1"
    folder.mkdir(parents=True)
    (folder / "nb.ipynb").write_bytes(b"notebook")
    (folder / "data.csv").write_bytes(b"1,2")
    job = {
        "student": "ann", "assignment": "a1", "notebooks": [["nb", str(folder / "nb.ipynb")]],
        "folder": str(folder), "source": "/s", "release": "/r", "template_db": "/t",
        "out": "/o", "record": "/o/r.json", "grader_pid": 1, "deny": ["/x"], "limits": {},
    }  # fmt: skip
    task = gd._pack_submission(job)
    assert task["notebooks"] == [["nb", b"notebook"]]
    assert task["folder"] == {"nb.ipynb": b"notebook", "data.csv": b"1,2"}
    assert not {"source", "release", "template_db", "out", "record", "grader_pid", "deny"} & set(
        task
    )


def test_code_fingerprint_follows_the_code():
    assert gd.code_fingerprint() == gd.code_fingerprint()
    assert len(gd.code_fingerprint()) == 64


# ------------------------------------------------------------------ slow: grading on Dask


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """The toy course, three sample students, graded locally with --jobs 2."""
    root = tmp_path_factory.mktemp("dask")
    course = generated_toy_course(root / "course")
    subs = root / "subs"
    build_samples(course, subs)
    for student in list(subs.iterdir()):
        if student.name not in STUDENTS:
            shutil.rmtree(student)
    (root / "canvas_map.csv").write_text(
        "Student,SIS Login ID,Section,poolcourse\n"
        "C,c1,A,correct\nP,p1,A,partial_strides\nB,b1,B,blank\nX,x1,B,absent\n"
    )
    local = grade(
        subs, course=course, jobs=2, out=root / "local", db_url=f"sqlite:///{root / 'local.db'}",
        progress=False, canvas_ids=root / "canvas_map.csv",
    )  # fmt: skip
    assert local.ok and len(local.graded) == 6
    return {"root": root, "course": course, "subs": subs, "local": local}


@pytest.mark.slow
def test_grade_writes_the_canvas_import_csv(toy):
    assert toy["local"].canvas == toy["root"] / "local" / "canvas.csv"
    assert toy["local"].canvas.read_text().splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,toy_pooling,toy_shapes",
        "    Points Possible,,,,,7,3",
        "C,,,c1,A,5,3",  # test_grading.EXPECTED (the 2 hand-graded points not yet given)
        "P,,,p1,A,1,3",
        "B,,,b1,B,0,0",
        "X,,,x1,B,,",
    ]


def _same_outputs(a: Path, b: Path) -> None:
    """The same autograded notebooks and feedback files, and records with the same scores."""
    for kind in ("autograded", "feedback"):
        assert sorted(p.relative_to(a) for p in (a / kind).rglob("*") if p.is_file()) == sorted(
            p.relative_to(b) for p in (b / kind).rglob("*") if p.is_file()
        )
    import json

    for path in sorted((a / "records").glob("*/*.json")):
        mine = json.loads(path.read_text())
        theirs = json.loads((b / path.relative_to(a)).read_text())
        for key in ("status", "notebooks", "anomalies", "fingerprint", "timestamp"):
            assert mine.get(key) == theirs.get(key), (path, key)


@pytest.mark.slow
def test_local_cluster_grades_exactly_like_local_workers(toy, tmp_path):
    root = toy["root"]
    summary = gd.grade(
        toy["subs"], course=toy["course"], jobs=2, out=tmp_path / "out",
        db_url=f"sqlite:///{tmp_path / 'gb.db'}", progress=False, dask="local:2",
    )  # fmt: skip
    assert summary.ok and sorted(summary.graded) == sorted(toy["local"].graded)
    local_rows = gradebook_rows(toy["local"].db_url)
    assert len(local_rows) == 18  # 3 students x 6 graded or commented cells
    assert gradebook_rows(summary.db_url) == local_rows  # every stored cell
    assert [a.as_dict() | {"who": (a.student, a.assignment)} for a in summary.anomalies] == [
        a.as_dict() | {"who": (a.student, a.assignment)} for a in toy["local"].anomalies
    ]
    _same_outputs(root / "local", tmp_path / "out")
    assert (tmp_path / "out/grades.csv").read_text() == (root / "local/grades.csv").read_text()

    # resuming: nothing left to do, the gradebook unchanged
    again = gd.grade(
        toy["subs"], course=toy["course"], jobs=2, out=tmp_path / "out",
        db_url=summary.db_url, progress=False, dask="local:1",
    )  # fmt: skip
    assert again.graded == [] and len(again.skipped) == 6
    assert gradebook_rows(summary.db_url) == local_rows


def _start(args: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        args, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})},
        cwd=log.parent,
    )  # fmt: skip


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


def _worker(address: str, name: str, log: Path, env: dict | None = None) -> subprocess.Popen:
    return _start(
        [str(BIN / "dask"), "worker", address, "--name", name, "--nworkers", "1",
         "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
        log, env,
    )  # fmt: skip


@pytest.fixture
def scheduler(tmp_path):
    """A real ``dask scheduler`` on 127.0.0.1 (its address); stopped with what it started."""
    port = _free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    args = [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port)]
    procs = [_start([*args, "--no-dashboard"], logs / "scheduler.log")]
    yield f"tcp://127.0.0.1:{port}", logs, procs
    for proc in reversed(procs):
        _stop(proc)


def _client(address: str):
    import distributed

    return distributed.Client(address, timeout=60)


@pytest.mark.slow
def test_real_scheduler_two_workers_one_killed_mid_run(toy, scheduler, tmp_path):
    address, logs, procs = scheduler
    procs += [_worker(address, f"w{i}", logs / f"w{i}.log") for i in (1, 2)]
    with _client(address) as client:
        client.wait_for_workers(2, timeout=180)
        out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'gb.db'}"
        grading = _start(
            [sys.executable, "-m", "autograder", "grade", str(toy["subs"]), "--course",
             str(toy["course"].root), "--dask", address, "--db", db, "--out", str(out), "-q"],
            logs / "grade.log",
        )  # fmt: skip
        # kill w1 (nanny and worker) while it grades a submission
        deadline, killed = time.monotonic() + 600, False
        while not killed and time.monotonic() < deadline and grading.poll() is None:
            names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
            busy = {names.get(a) for a, keys in client.processing().items() if keys}
            if "w1" in busy:
                time.sleep(2)  # mid-task: its grading process and kernel are running
                os.killpg(procs[1].pid, signal.SIGKILL)
                killed = True
            time.sleep(0.2)
        assert killed, (logs / "grade.log").read_text()
        assert grading.wait(900) == 0, (logs / "grade.log").read_text()
    text = (logs / "grade.log").read_text()
    assert "graded 6 submission(s)" in text and "0 failed" in text, text
    assert gradebook_rows(db) == gradebook_rows(toy["local"].db_url)
    _same_outputs(toy["root"] / "local", out)


@pytest.mark.slow
def test_a_worker_without_the_grader_is_refused_and_nothing_is_touched(toy, scheduler, tmp_path):
    address, logs, procs = scheduler
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('autograder', 'pooling_ref'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, _Hide())\n"
    )
    procs.append(_worker(address, "bare", logs / "bare.log", {"PYTHONPATH": str(hide)}))
    with _client(address) as client:
        client.wait_for_workers(1, timeout=180)
    kept = tmp_path / "kept"  # a finished run's gradebook and output
    out = kept / "out"
    shutil.copytree(toy["root"] / "local", out)
    shutil.copyfile(toy["root"] / "local.db", kept / "gb.db")
    before = tree_digest(kept)
    proc = run_cli(
        "grade", str(toy["subs"]), "--course", str(toy["course"].root), "--dask", address,
        "--db", f"sqlite:///{kept / 'gb.db'}", "--out", str(out), "--force", "-q",
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot import the grader" in proc.stderr
    assert "ModuleNotFoundError" in proc.stderr and "nothing was graded" in proc.stderr
    assert tree_digest(kept) == before  # gradebook, records, feedback untouched


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error_and_nothing_is_touched(
    toy, tmp_path, monkeypatch
):
    monkeypatch.setattr(gd, "CONNECT_TIMEOUT", 3.0)
    out = tmp_path / "out"
    shutil.copytree(toy["root"] / "local", out)
    shutil.copyfile(toy["root"] / "local.db", tmp_path / "gb.db")
    before = tree_digest(tmp_path)
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(
        gd.DaskError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1"
    ):
        gd.grade(
            toy["subs"], course=toy["course"], out=out, db_url=f"sqlite:///{tmp_path / 'gb.db'}",
            progress=False, force=True, dask=address,
        )  # fmt: skip
    assert tree_digest(tmp_path) == before


def test_cli_refuses_a_bad_address_before_anything(tmp_path, capsys):
    from autograder.cli import main

    code = main(
        ["grade", str(tmp_path / "subs"), "--dask", "10.0.0.5:8786", "--out", str(tmp_path)]
    )
    assert code == 2
    assert "Received: --dask=10.0.0.5:8786" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
