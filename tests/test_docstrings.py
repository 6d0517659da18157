"""Every public pooling_ref function documents shapes, the output formula and a working example."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import pooling_ref
from pooling_ref import naive

MODULES = [
    "pooling_ref._args",
    "pooling_ref.pooling",
    "pooling_ref.global_pooling",
    "pooling_ref.conv",
    "pooling_ref._winograd",
    "pooling_ref.upsampling",
    "pooling_ref.naive",
    "pooling_ref.keras_bridge",
]
# the forward API (pooling_ref.backward documents and tests itself)
PUBLIC = [
    fn
    for fn in (getattr(pooling_ref, name) for name in pooling_ref.__all__)
    if fn.__module__ in MODULES
]
NAIVE = [
    getattr(naive, name)
    for name in (
        "max_pool1d",
        "average_pool1d",
        "global_max_pool1d",
        "global_average_pool1d",
        "conv1d",
        "upsampling1d",
    )
]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, extraglobs={"np": np}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("fn", PUBLIC + NAIVE, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_public_docstrings_have_the_numpy_sections(fn):
    doc = fn.__doc__ or ""
    for section in ("Parameters", "Returns", "Examples"):
        assert f"\n    {section}\n    ---" in doc, f"{fn.__name__}: no {section} section"


def test_naive_signatures_equal_the_fast_ones():
    import inspect

    for slow in NAIVE:
        fast = getattr(pooling_ref, slow.__name__)
        assert inspect.signature(slow) == inspect.signature(fast)
