"""The parts of hostile-submission grading that need no kernel: fast.

* :mod:`autograder.submission`: every edited/broken fixture notebook is repaired
  or rejected as documented, without running it;
* :mod:`autograder.sandbox`: the audit hook, in a child process;
* :mod:`autograder.grading.trusted`: the wire format never unpickles, the verdict
  scores real work and refuses delegation, a worker refuses ``pooling_ref``;
* :mod:`autograder.safeguards`: anomaly categories.

The whole pipeline on the same fixtures is in ``test_hostile.py`` (slow).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.grading.safeguards import CATEGORIES, category
from autograder.grading.submission import prepare
from autograder.sandbox.policy import Policy
from autograder.sandbox.worker import CALLABLE, NotPlain, WireError, Worker, decode, encode

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
AUTOGRADER = Path(__file__).resolve().parents[3] / "autograder"
SANDBOX = AUTOGRADER / "sandbox"
TESTS = [
    "max_pool1d_matches_reference",
    "pool_shape_floor_division",
    "pooled_by_hand_values",
    "upsampling1d_repeats_steps",
]


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The fixture course's solutions and generated student notebooks (nbgrader generate)."""
    from autograder.course.assignments import Course, generate

    root = tmp_path_factory.mktemp("hostile-release")
    shutil.copytree(HOSTILE / "course" / "solutions", root / "solutions")
    generate(Course(root))
    return root


def _prepared(release, tmp_path, scenario):
    path = tmp_path / "hostile_pool.ipynb"
    shutil.copyfile(HOSTILE / f"submitted-{scenario}.ipynb", path)
    result = prepare(
        path,
        release / "notebooks" / "hostile_pool" / "hostile_pool.ipynb",
        assignment="hostile_pool",
        solutions=release / "solutions",
    )
    nb = None if result.rejected else nbformat.read(path, as_version=4)
    return result, nb


def _ids(nb):
    """Grade ids in cell order (ordinary cells left out)."""
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    return [i for i in ids if i]


def _released_ids(release):
    return _ids(nbformat.read(release / "notebooks/hostile_pool/hostile_pool.ipynb", as_version=4))


def _kinds(result):
    return sorted({a["kind"] for a in result.anomalies})


# ------------------------------------------------------------------ submission.prepare


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ("empty-file", "the file is empty (0 bytes)"),
        ("invalid-json", "not valid JSON"),
        ("wrong-assignment", "this is the notebook of hostile_extra, submitted as hostile_pool"),
    ],
)
def test_unusable_files_are_rejected_with_a_clear_message(release, tmp_path, scenario, message):
    result, _ = _prepared(release, tmp_path, scenario)
    assert result.rejected is not None and message in result.rejected


def test_json_that_is_not_a_notebook_is_rejected(release, tmp_path):
    path = tmp_path / "hostile_pool.ipynb"
    path.write_text('{"hello": "world"}')
    result = prepare(path, release / "notebooks/hostile_pool/hostile_pool.ipynb", assignment="a")
    assert "not a Jupyter notebook" in result.rejected


@pytest.mark.parametrize("scenario", ["correct", "blank", "nbformat-v3", "other-tool"])
def test_untouched_structure_is_left_alone(release, tmp_path, scenario):
    result, nb = _prepared(release, tmp_path, scenario)
    assert result.rejected is None and result.anomalies == []
    assert _ids(nb) == _released_ids(release)


def test_deleted_test_cells_are_put_back_in_place(release, tmp_path):
    result, nb = _prepared(release, tmp_path, "deleted-test-cells")
    assert _kinds(result) == ["missing-cell"]
    assert len(result.anomalies) == 4
    ids = _ids(nb)
    for test in TESTS:
        assert ids.count(test) == 1
    # each test right after its exercise (ordinary cells that followed it stay with it)
    assert ids.index("max_pool1d_impl") < ids.index("max_pool1d_matches_reference")
    assert ids.index("max_pool1d_matches_reference") < ids.index("shape_answer")


def test_reordered_cells_run_in_the_assignments_order(release, tmp_path):
    result, nb = _prepared(release, tmp_path, "reordered-cells")
    assert _kinds(result) == ["cells-reordered"]
    assert _ids(nb) == _released_ids(release)


def test_changed_points_and_flags_are_restored(release, tmp_path):
    result, nb = _prepared(release, tmp_path, "changed-points")
    details = " | ".join(a["detail"] for a in result.anomalies)
    assert _kinds(result) == ["tampered-cell"]
    assert "points 2 -> 100" in details and "grade True -> False" in details
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    assert cells["max_pool1d_matches_reference"].metadata.nbgrader.points == 2
    assert cells["pool_shape_floor_division"].metadata.nbgrader.grade is True
    assert cells["upsampling1d_repeats_steps"].metadata.nbgrader.locked is True


def test_renamed_and_duplicated_grade_ids_become_ordinary_cells(release, tmp_path):
    result, nb = _prepared(release, tmp_path, "changed-grade-ids")
    assert _kinds(result) == ["duplicate-cell", "missing-cell", "unknown-cell"]
    ids = _ids(nb)
    assert "free_points" not in ids
    for test in TESTS:
        assert ids.count(test) == 1  # the originals are back, once each
    # the student's "50" cell still runs, as an ordinary (ungraded) cell
    assert any(c.source == "50" and "nbgrader" not in c.metadata for c in nb.cells)


def test_edited_locked_cells_are_reported(release, tmp_path):
    result, _ = _prepared(release, tmp_path, "edited-test-cells")
    assert _kinds(result) == ["tampered-cell"]
    assert sorted(a["detail"].split(":")[0] for a in result.anomalies) == sorted(
        f"cell {t}" for t in TESTS
    )


def test_lost_metadata_is_restored_by_cell_id(release, tmp_path):
    result, nb = _prepared(release, tmp_path, "metadata-stripped")
    assert _kinds(result) == ["metadata-restored"]
    assert _ids(nb) == _released_ids(release)


def test_lost_metadata_and_ids_is_rejected(release, tmp_path):
    path = tmp_path / "hostile_pool.ipynb"
    nb = nbformat.read(HOSTILE / "submitted-correct.ipynb", as_version=4)
    for i, cell in enumerate(nb.cells):
        cell.metadata, cell["id"] = {}, f"x{i}"
    nbformat.write(nb, path)
    result = prepare(path, release / "notebooks/hostile_pool/hostile_pool.ipynb", assignment="p")
    assert "removed the nbgrader metadata" in result.rejected


# ------------------------------------------------------------------ the sandbox's audit hook


def _confined(tmp_path, body: str, **policy) -> dict:
    """Run ``body`` in a child process confined by a Policy; returns its JSON result."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    Policy(cwd=str(work), log=str(tmp_path / "denied.log"), **policy).save(tmp_path / "p.json")
    code = (
        textwrap.dedent(
            f"""
        import json, os, sys
        sys.path.insert(0, {str(SANDBOX)!r})  # sandbox/policy.py alone: no pooling_ref loaded
        from policy import Policy, apply_limits, install_audit_hook
        del sys.path[0]
        policy = Policy.load({str(tmp_path / "p.json")!r})
        apply_limits(policy)
        install_audit_hook(policy)
        result = {{}}
        def attempt(name, fn):
            try:
                fn()
                result[name] = "allowed"
            except (PermissionError, ImportError) as err:
                result[name] = "refused"
            except Exception as err:
                result[name] = type(err).__name__
        """
        )
        + textwrap.dedent(body)
        + "\nprint(json.dumps(result))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=work, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_hook_refuses_denied_paths_processes_and_network(tmp_path):
    secret = tmp_path / "course" / "solutions" / "answer.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text("42")
    scratch = tmp_path / "poolcourse-grade-abc"
    scratch.mkdir()
    (scratch / "gradebook.db").write_text("")
    result = _confined(
        tmp_path,
        f"""
        import socket, sqlite3, subprocess
        attempt("read_secret", lambda: open({str(secret)!r}).read())
        attempt("list_secret", lambda: os.listdir({str(secret.parent)!r}))
        attempt("delete_secret", lambda: os.remove({str(secret)!r}))
        attempt("scratch", lambda: open({str(scratch / "gradebook.db")!r}).read())
        attempt("sqlite", lambda: sqlite3.connect({str(scratch / "gradebook.db")!r}))
        attempt("symlink_trick", lambda: (os.symlink({str(secret)!r}, "link"), open("link").read()))
        attempt("subprocess", lambda: subprocess.run(["cat", {str(secret)!r}]))
        attempt("system", lambda: os.system("true"))
        attempt("network", lambda: socket.create_connection(("127.0.0.1", 9)))
        attempt("parent_proc", lambda: open(f"/proc/{{os.getppid()}}/environ").read())
        attempt("own_folder", lambda: open("mine.txt", "w").write("ok"))
        attempt("write_elsewhere", lambda: open({str(tmp_path / "x.txt")!r}, "w"))
        attempt("read_numpy", lambda: __import__("numpy").ones(3))
        attempt("own_proc", lambda: open("/proc/self/status").read())
        """,
        deny=[str(tmp_path / "course")],
    )
    allowed = {"own_folder", "read_numpy", "own_proc"}
    assert {k for k, v in result.items() if v == "allowed"} == allowed, result
    assert all(result[k] == "refused" for k in result if k not in allowed), result
    log = (tmp_path / "denied.log").read_text()
    assert "answer.txt" in log and "no new processes" in log


def test_hook_memory_limit_turns_a_huge_allocation_into_memoryerror(tmp_path):
    result = _confined(
        tmp_path,
        'attempt("huge", lambda: bytearray(4 * 2**30))',
        memory_mb=1024,
    )
    assert result == {"huge": "MemoryError"}


def test_hook_forbidden_imports_raise_importerror(tmp_path):
    result = _confined(
        tmp_path,
        """
        attempt("pooling_ref", lambda: __import__("pooling_ref"))
        attempt("keras", lambda: __import__("keras"))
        attempt("tensorflow", lambda: __import__("tensorflow.nn"))
        attempt("json", lambda: __import__("json"))
        """,
        forbidden_imports=["pooling_ref", "keras", "tensorflow"],
    )
    assert result == {
        "pooling_ref": "refused",
        "keras": "refused",
        "tensorflow": "refused",
        "json": "allowed",
    }


# ------------------------------------------------------------------ trusted re-check


def test_wire_format_round_trips_arrays_and_never_unpickles():
    value = (np.arange(6, dtype=np.float32).reshape(2, 3), None, [1, 2.5, "x"], np.float64(3))
    back = decode(json.loads(json.dumps(encode(value))))
    assert isinstance(back, tuple) and back[1] is None and back[2] == [1, 2.5, "x"]
    np.testing.assert_array_equal(back[0], value[0])
    assert back[0].dtype == np.float32 and back[3] == 3.0 and type(back[3]) is np.float64
    assert isinstance(decode(encode(np.array([object()], dtype=object))), NotPlain)
    assert isinstance(decode(encode(lambda: 0)), NotPlain)
    # a pickle smuggled as .npy data is refused by np.load(allow_pickle=False)
    import base64
    import io

    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(WireError, match=r"not \.npy data"):
        decode({"ndarray": base64.b64encode(buf.getvalue()).decode()})


def _hostile_verdict(release, tmp_path, fills: dict[str, str], seed=0) -> dict[str, float]:
    """The verdict's points on hostile_pool with ``fills`` in its solution cells."""
    from autograder.grading.trusted import verdict_notebook

    nb = nbformat.read(release / "notebooks/hostile_pool/hostile_pool.ipynb", as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in fills:
            cell.source = fills[gid]
    path = tmp_path / "hostile_pool.ipynb"
    nbformat.write(nb, path)
    verdicts, _ = verdict_notebook(
        path,
        release / "solutions/hostile_pool/hostile_pool.ipynb",
        release / "notebooks/hostile_pool/hostile_pool.ipynb",
        seed=seed,
        cell_timeout=10,
        budget=120,
    )
    return {v.grade_id: v.score for v in verdicts}


@pytest.mark.slow
def test_verdict_scores_real_work_and_refuses_delegation(release, tmp_path):
    from fixtures.hostile.make_hostile_fixtures import CORRECT, INSPECTS_EXPECTED

    honest = _hostile_verdict(release, tmp_path, CORRECT)
    assert honest == dict(zip(TESTS, (2.0, 1.0, 1.0, 2.0), strict=True))
    frames = _hostile_verdict(release, tmp_path, {**CORRECT, "max_pool1d_impl": INSPECTS_EXPECTED})
    assert frames["max_pool1d_matches_reference"] == 0.0
    delegating = {**CORRECT, "max_pool1d_impl": "from pooling_ref import max_pool1d"}
    assert _hostile_verdict(release, tmp_path, delegating)["max_pool1d_matches_reference"] == 0.0


def _seeded_random_cases() -> bool:
    """Whether the checks' random cases follow grading_context's seed (the battery's work)."""
    from autograder.checks import EXERCISES, grading_context

    ex = EXERCISES["max_pool1d"]

    def random_inputs():
        ex._cases = None
        return [c.args[0].tobytes() for c in ex.cases() if c.group == "random"]

    try:
        fixed = random_inputs()
        with grading_context(seed=12345):
            seeded = random_inputs()
    finally:
        ex._cases = None
    return fixed != seeded


@pytest.mark.slow
@pytest.mark.skipif(not _seeded_random_cases(), reason="random cases do not follow the seed yet")
def test_answers_looked_up_from_the_published_cases_lose_the_random_groups(release, tmp_path):
    from fixtures.hostile.make_hostile_fixtures import CORRECT

    from autograder.checks import EXERCISES

    table = {
        case.args[0].tobytes(): EXERCISES["max_pool1d"].reference()(*case.args, **case.options)
        for case in EXERCISES["max_pool1d"].cases()
    }
    lookup = (
        "import numpy as np\n_T = {}\n"
        + "".join(
            f"_T[{k!r}] = np.array({v.tolist()!r}, dtype=np.{v.dtype})\n" for k, v in table.items()
        )
        + "def max_pool1d(x, *a, **k):\n    return _T[np.asarray(x).tobytes()].copy()\n"
    )
    got = _hostile_verdict(release, tmp_path, {**CORRECT, "max_pool1d_impl": lookup}, seed=777)
    assert got["max_pool1d_matches_reference"] < 2.0


def test_worker_answers_without_pooling_ref_loaded():
    with Worker(call_timeout=30) as worker:
        source = "import sys\nloaded = sorted(m for m in sys.modules if 'pooling' in m)"
        assert worker.exec_cell("probe", source, "all", 30.0, 60.0) == []
        source = "def loaded_modules():\n    return tuple(loaded)"
        worker.exec_cell("fn", source, "all", 30.0, 60.0)
        assert worker.values(["loaded_modules", "loaded"]) == {
            "loaded_modules": CALLABLE,
            "loaded": [],
        }
        assert worker.call("loaded_modules", (), {}, 30.0) == ()


def test_worker_stops_a_runaway_statement_and_goes_on():
    with Worker(call_timeout=30) as worker:
        loop = "while True:\n    pass\ndef answer():\n    return 42"
        assert worker.exec_cell("loop", loop, "all", 1.0, 30.0) == [
            "loop line 1: stopped after 1 s"
        ]
        demo = "def helper():\n    return 1\nprint(helper())\nwhile True: pass"
        assert worker.exec_cell("demo", demo, "definitions", 10.0, 30.0) == []
        assert worker.values(["answer", "helper"]) == {"answer": CALLABLE, "helper": CALLABLE}
        assert worker.call("answer", (), {}, 10.0) == 42
        assert worker.call("helper", (), {}, 10.0) == 1  # definitions only: the loop never ran


# ------------------------------------------------------------------ report categories


def test_anomaly_table_has_one_row_per_submission_most_serious_first(tmp_path):
    import csv

    from autograder.grading.pipeline import Anomaly
    from autograder.grading.report import anomalies_table, write_anomalies_csv

    anomalies = [
        Anomaly("ann", "01", "cell-timeout", "cell 3 interrupted"),
        Anomaly("ann", "01", "cheating-suspected", "mp: 2 in the notebook, 0 re-checked"),
        Anomaly("ann", "01", "cell-timeout", "cell 5 interrupted"),
        Anomaly("bob", "01", "rejected", "bob.ipynb: the file is empty"),
    ]
    lines = anomalies_table(anomalies).splitlines()
    assert lines[0] == "anomalies (4) in 2 submission(s):"
    assert lines[1].split()[:9] == ["student", "assignment", *CATEGORIES, "other"]
    ann = lines[3].split()
    assert ann[:9] == ["ann", "01", "2", "-", "-", "-", "1", "-", "-"]
    assert " ".join(ann[9:]).startswith("cheating-suspected: mp: 2")
    assert lines[4].split()[:2] == ["bob", "01"] and "rejected: bob.ipynb" in lines[4]
    assert anomalies_table([]) == "anomalies: none"
    with open(write_anomalies_csv(anomalies, tmp_path / "a.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["category"] for r in rows] == ["timeout", "cheating", "timeout", "rejected"]
    assert rows[3] == {
        "student": "bob",
        "assignment": "01",
        "category": "rejected",
        "kind": "rejected",
        "detail": "bob.ipynb: the file is empty",
    }


def test_every_anomaly_kind_has_one_category():
    kinds = [k for group in CATEGORIES.values() for k in group]
    assert len(kinds) == len(set(kinds))
    assert category("kernel-died") == "crash" and category("something-new") == "other"


def test_fixture_files_are_what_the_builder_writes(tmp_path):
    """The committed submitted-*.ipynb match make_hostile_fixtures.py (run it to update)."""
    from fixtures.hostile import make_hostile_fixtures as builder

    release, other = builder._release(tmp_path)
    expected = builder.scenarios(release, other)
    committed = {p.stem.removeprefix("submitted-"): p.read_bytes()
                 for p in HOSTILE.glob("submitted-*.ipynb")}  # fmt: skip
    assert sorted(committed) == sorted(expected)
    stale = [name for name, data in expected.items() if committed[name] != data]
    assert stale == [], f"re-run {builder.__file__}"
