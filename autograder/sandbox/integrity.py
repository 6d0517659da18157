"""Code the grader runs inside the learner's kernel to notice a tampered test machinery.

:data:`BASELINE` runs once, silently, before the first cell of a submission:
it records the objects the tests rely on (builtins, the functions of
``autograder.checks`` and its helpers, ``numpy`` and ``numpy.testing``, the
methods of the IPython shell, kernel and session classes, the shell's input
and AST transformers and exception handlers). :func:`probe_code` returns the
code run, silently, before each grade cell: it compares the same objects with
the baseline and answers ``"<nonce>:<json list of changes>"`` through the
execute reply's ``user_expressions`` (never through the cell's outputs).

This is detection, not prevention: the kernel belongs to the learner, and code
written to defeat this particular probe can. The trusted re-check
(:mod:`autograder.grading.trusted`) is what cannot be reached from the kernel.
"""

from __future__ import annotations

#: Runs once before any learner code; creates the ``_poolcourse_integrity`` module, whose
#: ``start()`` (:data:`START`, a user expression) takes the baseline.
BASELINE = r"""
def _poolcourse_baseline():
    import builtins, importlib, json, sys, types

    watched_modules = ["autograder.checks", "autograder.checks._answers",
                       "autograder.checks._guard", "autograder.checks._compare",
                       "autograder.checks._hints", "autograder.checks._cases",
                       "numpy", "numpy.testing", "numpy.linalg"]
    for name in watched_modules:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    def same(a, b):
        # identity; for bound methods (rebuilt on each access): same function and object
        if a is b:
            return True
        return (isinstance(a, types.MethodType) and isinstance(b, types.MethodType)
                and a.__func__ is b.__func__ and a.__self__ is b.__self__)

    def same_list(a, b):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))

    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    session = getattr(kernel, "session", None)

    def callables(namespace):
        out = {}
        for key, value in list(namespace.items()):
            if callable(value) or isinstance(value, type):
                code = getattr(value, "__code__", None)
                kwd = getattr(value, "__kwdefaults__", None)
                out[key] = (value, code, getattr(value, "__defaults__", None),
                            dict(kwd) if isinstance(kwd, dict) else kwd)
        return out

    def class_methods(obj):
        out = {}
        if obj is None:
            return out
        for klass in type(obj).__mro__:
            if klass is object:
                continue
            for key, value in list(vars(klass).items()):
                if key not in out and callable(value):
                    out[key] = (klass, value, getattr(value, "__code__", None))
        return out

    def hooks():
        manager = getattr(shell, "input_transformer_manager", None)
        return {
            "ast_transformers": list(shell.ast_transformers),
            "input_transformers_cleanup": list(shell.input_transformers_cleanup),
            "input_transformers_post": list(shell.input_transformers_post),
            "cleanup_transforms": list(getattr(manager, "cleanup_transforms", [])),
            "line_transforms": list(getattr(manager, "line_transforms", [])),
            "token_transformers": list(getattr(manager, "token_transformers", [])),
            "custom_exceptions": tuple(shell.custom_exceptions),
            # libraries register callbacks as they load (matplotlib's inline backend)
            "events": {k: [f for f in v if not getattr(f, "__module__", "").startswith(
                ("IPython", "ipykernel", "matplotlib"))]
                for k, v in shell.events.callbacks.items()},
            "excepthook": sys.excepthook,
            "displayhook": sys.displayhook,
            "shell.displayhook": shell.displayhook,
            "shell.display_pub": shell.display_pub,
            "stdout": type(sys.stdout),
            "stderr": type(sys.stderr),
        }

    watched_objects = {"shell": shell, "kernel": kernel, "session": session,
                       "display_pub": shell.display_pub, "displayhook": shell.displayhook}
    def own_methods(obj):
        own = getattr(obj, "__dict__", {})
        return {k: v for k, v in own.items() if callable(v) and not isinstance(v, type)}

    base = {}

    def start():
        # called from a user expression, the context every probe runs in
        base.update({
            "builtins": dict(vars(builtins)),
            "instances": {name: own_methods(obj) for name, obj in watched_objects.items()},
            "modules": {name: (sys.modules.get(name), callables(vars(sys.modules[name])))
                        for name in watched_modules if name in sys.modules},
            "classes": {name: class_methods(obj) for name, obj in watched_objects.items()},
            "hooks": hooks(),
        })
        return "started"

    def probe(nonce):
        changes = []
        now_builtins = vars(builtins)
        for key, value in base["builtins"].items():
            if key in ("input", "raw_input", "getpass"):
                continue  # ipykernel sets these for every execution
            if not same(now_builtins.get(key, probe), value):
                changes.append(f"builtins.{key} was replaced")
        for name, (module, members) in base["modules"].items():
            if sys.modules.get(name) is not module:
                changes.append(f"module {name} was replaced in sys.modules")
                continue
            namespace = vars(module)
            for key, (value, code, defaults, kwd) in members.items():
                now = namespace.get(key, probe)
                now_kwd = getattr(now, "__kwdefaults__", None)
                if (now is not value or getattr(now, "__code__", None) is not code
                        or getattr(now, "__defaults__", None) is not defaults
                        or (dict(now_kwd) if isinstance(now_kwd, dict) else now_kwd) != kwd):
                    changes.append(f"{name}.{key} was replaced or changed")
        for name, obj in watched_objects.items():
            if obj is None:
                continue
            for key, (klass, value, code) in base["classes"][name].items():
                now = vars(klass).get(key, probe)
                if now is not value or getattr(now, "__code__", None) is not code:
                    changes.append(f"{klass.__name__}.{key} was replaced")
            before = base["instances"][name]
            for key, value in own_methods(obj).items():
                if key in base["classes"][name] and not same(before.get(key, probe), value):
                    changes.append(f"{name}.{key} was overridden on the instance")
        now_hooks = hooks()
        for key, value in base["hooks"].items():
            now = now_hooks[key]
            if isinstance(value, dict):
                ok = now.keys() == value.keys() and all(same_list(now[k], value[k]) for k in now)
            elif isinstance(value, (list, tuple)):
                ok = same_list(now, value)
            else:
                ok = same(now, value)
            if not ok:
                changes.append(f"IPython/sys hook {key} was changed")
        if sys.gettrace() is not None:
            changes.append("a trace function (sys.settrace) is installed")
        if sys.getprofile() is not None:
            changes.append("a profile function (sys.setprofile) is installed")
        return nonce + ":" + json.dumps(sorted(set(changes))[:20])

    module = types.ModuleType("_poolcourse_integrity")
    module.probe = probe
    module.start = start
    sys.modules["_poolcourse_integrity"] = module


_poolcourse_baseline()
del _poolcourse_baseline
"""


#: The user expression that takes the baseline (evaluated like the probes, after the code).
START = "__import__('sys').modules['_poolcourse_integrity'].start()"


def probe_expression(nonce: str) -> str:
    """The ``user_expressions`` entry that runs the probe with ``nonce``."""
    return f"__import__('sys').modules['_poolcourse_integrity'].probe({nonce!r})"


def parse_probe_reply(reply: dict | None, nonce: str) -> list[str] | None:
    """Changes reported by the probe; None when the probe gave no valid answer.

    Parameters
    ----------
    reply : dict or None
        The execute reply's content.
    nonce : str
        The nonce the probe was asked to echo.
    """
    import ast
    import json

    if not reply or reply.get("status") != "ok":
        return None
    result = reply.get("user_expressions", {}).get("r", {})
    if result.get("status") != "ok":
        return None
    try:
        text = ast.literal_eval(result["data"]["text/plain"])
        head, _, body = text.partition(":")
        if head != nonce:
            return None
        changes = json.loads(body)
    except (KeyError, ValueError, SyntaxError, TypeError):
        return None
    if not isinstance(changes, list) or not all(isinstance(c, str) for c in changes):
        return None
    return changes
