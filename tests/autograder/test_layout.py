"""The folder tree is the architecture: rooms, the direction of imports, no import circles."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"

#: room -> the rooms it may import (pooling_ref is always allowed)
ALLOWED = {
    "checks": set(),
    "figures": set(),
    "course": set(),
    "sandbox": {"course"},
    "insight": {"checks", "course"},  # reads the gradebook and graded notebooks only
    "grading": {"checks", "course", "sandbox", "insight"},
    "selfstudy": {"checks", "course"},  # the learner's self-check, hints, progress
    # cli, __main__, the package face
    "": {"checks", "figures", "course", "sandbox", "grading", "insight", "selfstudy"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The autograder modules ``path`` imports (anywhere in the file, relative or absolute)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("autograder")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("autograder"):
                continue
            for alias in node.names:  # `from . import zygote` imports a module
                sub = f"{target}.{alias.name}"
                candidates = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py")
                is_package = (PACKAGE.parent / sub.replace(".", "/") / "__init__.py").exists()
                found.add(sub if candidates.exists() or is_package else target)
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    return {
        _module_name(p): _imports(p)
        for p in PACKAGE.rglob("*.py")
        if "data" not in p.relative_to(PACKAGE).parts
    }


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else ""


def test_the_top_holds_only_the_package_face_the_cli_and_the_config():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py", "nbgrader_config.py"]
    rooms = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert rooms == ["checks", "course", "figures", "grading", "insight", "sandbox", "selfstudy"]


def test_imports_flow_one_way_between_rooms():
    wrong = []
    for module, imported in _graph().items():
        for target in imported:
            if target == "autograder":  # the package face only quiets TensorFlow
                continue
            here, there = _room(module), _room(target)
            if here != there and there not in ALLOWED[here]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_import_circle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_layout_check_sees_imports():
    """The checks above would pass on an empty graph; this one shows they read real edges."""
    graph = _graph()
    assert "autograder.checks._compare" in graph["autograder.checks"]
    assert "autograder.sandbox.policy" in graph["autograder.sandbox.zygote"]
    assert "autograder.grading.pipeline" in graph["autograder.cli"]


def test_pyproject_lists_every_package():
    """pyproject.toml lists the packages (the notebooks are mapped in as package data)."""
    import tomllib

    root = PACKAGE.parent
    listed = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(p.parent.relative_to(root).parts)
        for top in ("autograder", "pooling_ref")
        for p in (root / top).rglob("__init__.py")
    }
    assert set(listed["packages"]) == found | {"autograder.course.notebooks"}
    assert listed["package-dir"] == {"autograder.course.notebooks": "notebooks"}
