"""autograder.sandbox.bwrap without running bwrap: the command lines it builds."""

from __future__ import annotations

from autograder.sandbox import bwrap


def test_parent_folders_are_made_readable_in_order():
    """bwrap would create missing parents as root with mode 0700: the sandbox's uid could
    not reach what is bound below them. Folders inside a bound host folder exist already."""
    kernel = "/tmp/grade-1/kernel"
    mounts = ["--ro-bind", "/opt/py", "/opt/py", "--tmpfs", "/opt/py/lib/keras",
              "--tmpfs", "/tmp", "--bind", kernel, kernel]  # fmt: skip
    out = bwrap._with_parent_folders(mounts)
    assert out == [
        "--dir", "/opt", "--ro-bind", "/opt/py", "/opt/py",
        "--tmpfs", "/opt/py/lib/keras",  # inside a bound folder: no --dir
        "--tmpfs", "/tmp",
        "--dir", "/tmp/grade-1", "--bind", kernel, kernel,
    ]  # fmt: skip


def test_the_command_isolates_and_drops_to_another_uid(monkeypatch):
    monkeypatch.setattr(bwrap.os, "geteuid", lambda: 0)
    argv = bwrap.command(read_write=["/tmp/k"], view=["--ro-bind", "/usr", "/usr"])
    head, tail = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    for flag in ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent",
                 "--new-session"):  # fmt: skip
        assert flag in head
    assert "--unshare-user" not in head  # as root: privileged setup, then a real host uid
    assert tail[0].endswith("setpriv") and f"--reuid={bwrap.UID}" in tail
    assert "--bounding-set=-all" in tail and "--no-new-privs" in tail
    assert head[head.index("--chdir") + 1] == "/tmp/k"
    monkeypatch.setattr(bwrap.os, "geteuid", lambda: 1000)
    argv = bwrap.command(read_write=[], view=[])
    assert "--unshare-user" in argv and "setpriv" not in " ".join(argv)


def test_the_worker_view_hides_the_oracles():
    from pathlib import Path

    import autograder.sandbox.worker as worker

    view = bwrap.worker_view(Path(worker.__file__))
    hidden = {view[i + 1].rsplit("/", 1)[-1] for i, a in enumerate(view) if a == "--tmpfs"}
    assert {"keras", "tensorflow", "nbgrader"} <= hidden
    bound = [view[i + 2] for i, a in enumerate(view) if a == "--ro-bind"]
    assert str(Path(worker.__file__).resolve()) in bound
    assert not any(p.endswith(("/pooling_ref", "/autograder")) for p in bound)


def test_what_the_view_binds_under_tmp_is_not_hidden_by_the_private_tmp(monkeypatch):
    """A checkout or virtual environment under /tmp (a CI clone, say): the private /tmp is
    mounted first and the view's binds on top of it, else python itself would be missing."""
    monkeypatch.setattr(bwrap.os, "geteuid", lambda: 0)
    venv = "/tmp/ci-clone/.venv"
    argv = bwrap.command(read_write=["/tmp/k"], view=["--ro-bind", venv, venv])
    tmpfs = argv.index("/tmp", argv.index("--tmpfs"))
    assert argv.index(venv) > tmpfs
    assert argv[argv.index("/tmp/ci-clone") - 1] == "--dir"  # made readable inside the tmpfs
