"""The pages' JSON API against its OpenAPI 3.1 document: every route is described, and a
bounded schema-driven run (schemathesis) signed in with every role finds no server error."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.transport.wsgi import WSGI_TRANSPORT

from learnwire.plugins.pages.openapi import document
from learnwire.plugins.pages.sections import SECTIONS, hosted

PAGES_API = (
    "pages_api.",
    "pages_team_api.",
    "pages_compliance_api.",
    "pages_ld_api.",
    "pages_curation_api.",
    "pages_ld_experiments_api.",
    "pages_ld_outcomes_api.",
)


def test_openapi_describes_every_pages_api_route(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc == document(hosted(app)) and doc["openapi"] == "3.1.0"
    described = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(PAGES_API):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == described


# Every built-in plugin is loaded in the test runtime, so every hosted section is served.
schema = schemathesis.openapi.from_dict(document([s.load() for s in SECTIONS]))


@pytest.fixture
def every_role(sample_org, door) -> str:
    # The manager, who also belongs to the L&D and privacy-office groups.
    return door(
        sample_org.manager, via="oidc", groups=["privacy-office", "learning-and-development"]
    )


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_schema_driven_calls_find_no_server_error(case, app, every_role):
    # Through the WSGI transport: the requests transport trips over the urllib3-future that
    # caldav's niquests installs in place of urllib3.
    response = WSGI_TRANSPORT.send(case, app=app, headers={"X-Learnwire-Door": every_role})
    assert response.status_code < 500, (case.method, case.path, response.text[:500])


def test_openapi_nul_characters_are_a_400_not_a_server_error(client, every_role):
    # PostgreSQL cannot store NUL in text: before the check, these reached the database and
    # came back as 500s.
    headers = {"X-Learnwire-Door": every_role}
    for url in ("/api/v1/compliance/audit?actor=a%00b", "/api/v1/team?team=hr:a%00"):
        response = client.get(url, headers=headers)
        assert response.status_code == 400, url
        assert "NUL" in response.get_json()["detail"]
    body = client.put(
        "/api/v1/me/priorities", headers=headers, json={"priorities": {"sq\u0000l": 0.5}}
    )
    assert body.status_code == 400
    page = client.get(f"/team?door={every_role}&profile=x%00")
    assert page.status_code == 400 and page.mimetype == "text/html"
