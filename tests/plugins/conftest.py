"""Local fake Moodle and Workday servers for the source-plugin tests.

The fakes live in ``tests/fixtures`` as plain modules (tests have no packages), loaded here
by path; each fixture starts its server on 127.0.0.1 and stops it after the test.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load_fixture_module(name: str) -> ModuleType:
    """Import ``tests/fixtures/<name>.py`` once, under ``lw_fixtures.<name>``."""
    qualified = f"lw_fixtures.{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, _FIXTURES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fake_moodle_module() -> ModuleType:
    return load_fixture_module("fake_moodle")


@pytest.fixture
def fake_moodle(fake_moodle_module: ModuleType) -> Iterator[Any]:
    """The acme scenario on a local fake Moodle; ``.site`` can be changed between syncs."""
    fm = fake_moodle_module
    site = fm.MoodleSite()
    with fm.serve(site) as server:
        fm.acme_site(site, server.url)
        yield server


@pytest.fixture
def fake_workday_module() -> ModuleType:
    return load_fixture_module("fake_workday")


@pytest.fixture
def fake_workday(fake_workday_module: ModuleType) -> Iterator[Any]:
    """The acme scenario on a local fake Workday tenant checking the OAuth flow."""
    fw = fake_workday_module
    tenant = fw.Tenant()
    with fw.serve(tenant) as server:
        fw.acme_tenant(tenant)
        yield server
