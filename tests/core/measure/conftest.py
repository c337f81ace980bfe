"""The measurement tests' organisation: the learning library and tests/fixtures/outcomes_org."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from ...conftest import fixture_module


@pytest.fixture
def outcomes_org(runtime: Any) -> Any:
    items = fixture_module("learning_library").seed_library(runtime)
    return fixture_module("outcomes_org").build(runtime, items)


@pytest.fixture
def org_module() -> ModuleType:
    return fixture_module("outcomes_org")
