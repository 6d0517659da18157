"""The learner's own record: self-check results and what they chose to reveal.

One JSON file per learner, ``~/.poolcourse/progress.json`` (or ``$POOLCOURSE_HOME/
progress.json``). It lives in the learner's home rather than beside a notebook because the
progress view spans all the notebooks, which a learner may keep in different folders
(or re-copy fresh ones), and because a record beside a notebook would travel with it when
the notebook is handed in. It is written atomically; a damaged file is set aside and a
new one started (the message says so), never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

HOME_ENV = "POOLCOURSE_HOME"


def path() -> Path:
    home = os.environ.get(HOME_ENV)
    folder = Path(home) if home else Path.home() / ".poolcourse"
    return folder / "progress.json"


def load() -> dict:
    """``{"notebooks": {notebook: {exercise: record}}}`` (empty when nothing is recorded)."""
    file = path()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("notebooks"), dict):
            raise ValueError("not a progress record")
        return data
    except FileNotFoundError:
        return {"notebooks": {}}
    except (OSError, ValueError):
        broken = file.with_name(file.name + ".broken")
        try:
            os.replace(file, broken)
            print(f"(your progress file was damaged; it is kept as {broken}, a new one starts)")
        except OSError:
            pass
        return {"notebooks": {}}


def record(notebook: str, exercise: str) -> dict:
    """The record of one exercise (a copy; change it through :func:`update`)."""
    return dict(load()["notebooks"].get(notebook, {}).get(exercise, {}))


def update(notebook: str, exercise: str, **fields) -> dict:
    """Merge ``fields`` into one exercise's record and save; returns the new record."""
    data = load()
    entry = data["notebooks"].setdefault(notebook, {}).setdefault(exercise, {})
    entry.update(fields)
    entry["updated"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    file = path()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, file)
    except OSError as err:
        print(f"(could not save your progress in {file}: {err})")
    return dict(entry)
