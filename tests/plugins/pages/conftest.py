"""A small organisation for the pages: the test library's skills and items, one team of six
(enough for k = 5) and one of three, both managed by one person, with learning records and
model estimates written to the real store; and sign-ins opened as the doors open them."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from learnwire.core.measure.refresh import wait_for_refreshes
from learnwire.core.web.app import create_app
from learnwire.plugins.pages.signin import open_session

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
def app(runtime: Any) -> Any:
    yield create_app(runtime)
    # A visit to the outcome page may have started computing a report in the background:
    # let it end before the next test empties the store under it.
    assert wait_for_refreshes(300), "an outcome report was still being computed"


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def door(runtime: Any):  # type: ignore[no-untyped-def]
    """``door(learner_id, via=..., **claims)`` -> a page-session token, as a sign-in opens."""

    def open_door(learner_id: uuid.UUID, via: str = "lti", **claims: Any) -> str:
        with runtime.db.connection() as conn:
            return open_session(
                conn, learner_id, via=via, claims=claims, lifetime=timedelta(hours=1)
            )

    return open_door
