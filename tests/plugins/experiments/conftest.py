"""The pages' small organisation (ten team leads, the test library) for experiments."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def fixture_module(name: str) -> ModuleType:
    qualified = f"lw_fixtures.{name}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified, FIXTURES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
    return sys.modules[qualified]


@pytest.fixture
def sample_org(runtime: Any) -> Any:
    items = fixture_module("learning_library").seed_library(runtime)
    return fixture_module("pages_org").build(runtime, items)


@pytest.fixture
def everyone(sample_org: Any) -> list[Any]:
    return [sample_org.manager, *sample_org.big_team, *sample_org.small_team]
