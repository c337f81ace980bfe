"""Fixtures for the xAPI adapter: the web app with a credential, and a statement factory."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from learnwire.adapters.xapi import credentials
from learnwire.core.web.app import create_app

VERSION = {"X-Experience-API-Version": "1.0.3"}


def make_statement(
    n: int = 0,
    *,
    email: str = "ann@example.com",
    verb: str | dict[str, Any] = "completed",
    activity: str = "https://lms.example.com/mod/page/view.php?id=12",
    **extra: Any,
) -> dict[str, Any]:
    """A realistic Moodle-style statement; ``verb`` is an ADL verb name or a verb object,
    ``extra`` replaces top-level properties."""
    statement: dict[str, Any] = {
        "id": str(uuid.UUID(int=n + 1)),
        "actor": {"objectType": "Agent", "name": "Ann Example", "mbox": f"mailto:{email}"},
        "verb": verb
        if isinstance(verb, dict)
        else {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en": verb}},
        "object": {
            "objectType": "Activity",
            "id": activity,
            "definition": {
                "name": {"en": "Feedback that lands"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
        },
        "result": {"completion": True, "duration": "PT7M30S"},
        "context": {
            "platform": "Moodle",
            "language": "en",
            "contextActivities": {
                "grouping": [{"id": "https://lms.example.com/course/view.php?id=3"}]
            },
        },
        "timestamp": f"2026-03-01T09:{n % 60:02d}:00.000Z",
    }
    statement.update(extra)
    return statement


@pytest.fixture
def statement() -> Callable[..., dict[str, Any]]:
    return make_statement


class XapiClient:
    """A Flask test client that speaks xAPI with one credential."""

    def __init__(self, app: Any, key: str, secret: str) -> None:
        self.client = app.test_client()
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.headers = {**VERSION, "Authorization": f"Basic {token}"}

    def post(self, body: Any, **kw: Any) -> Any:
        return self.client.post("/xapi/statements", json=body, headers=self.headers, **kw)

    def put(self, body: Any, statement_id: str, **kw: Any) -> Any:
        return self.client.put(
            "/xapi/statements",
            json=body,
            query_string={"statementId": statement_id},
            headers=self.headers,
            **kw,
        )

    def get(self, **params: Any) -> Any:
        return self.client.get("/xapi/statements", query_string=params, headers=self.headers)


@pytest.fixture
def app(runtime: Any) -> Any:
    return create_app(runtime)


@pytest.fixture
def xapi(app: Any, db: Any) -> XapiClient:
    with db.connection() as conn:
        issued = credentials.create(conn, "moodle-prod")
    return XapiClient(app, issued.key, issued.secret)


@pytest.fixture
def xapi_client_for(app: Any, db: Any) -> Callable[[str], XapiClient]:
    def make(source: str) -> XapiClient:
        with db.connection() as conn:
            issued = credentials.create(conn, source)
        return XapiClient(app, issued.key, issued.secret)

    return make
