"""The pages' app and sign-ins opened as the doors open them. Their small organisation (the
test library's skills and items, one team of six, enough for k = 5, and one of three, both
managed by one person) is ``sample_org`` in tests/plugins/conftest.py."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from learnwire.core.measure.refresh import wait_for_refreshes
from learnwire.core.web.app import create_app
from learnwire.plugins.pages.signin import open_session


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
