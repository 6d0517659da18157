"""Every self-study test records its progress in a temporary home, never in ~/.poolcourse."""

import pytest


@pytest.fixture(autouse=True)
def progress_home(tmp_path, monkeypatch):
    home = tmp_path / "poolcourse-home"
    monkeypatch.setenv("POOLCOURSE_HOME", str(home))
    monkeypatch.delenv("POOLCOURSE_NOTEBOOK", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    return home
