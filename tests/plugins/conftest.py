"""Local fake Moodle and Workday servers for the source-plugin tests, and the pages' small
sample organisation that the pages and the experiments are tried on.

The fakes live in ``tests/fixtures`` as plain modules (tests have no packages), loaded by path
(``fixture_module`` in tests/conftest.py); each fixture starts its server on 127.0.0.1 and stops
it after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from ..conftest import fixture_module


@pytest.fixture
def sample_org(runtime: Any) -> Any:
    """tests/fixtures/pages_org on the test library: one manager over a team of six and one of
    three (ten team leads), with learning records and model estimates in the store."""
    items = fixture_module("learning_library").seed_library(runtime)
    return fixture_module("pages_org").build(runtime, items)


@pytest.fixture
def fake_moodle_module() -> ModuleType:
    return fixture_module("fake_moodle")


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
    return fixture_module("fake_workday")


@pytest.fixture
def fake_workday(fake_workday_module: ModuleType) -> Iterator[Any]:
    """The acme scenario on a local fake Workday tenant checking the OAuth flow."""
    fw = fake_workday_module
    tenant = fw.Tenant()
    with fw.serve(tenant) as server:
        fw.acme_tenant(tenant)
        yield server
