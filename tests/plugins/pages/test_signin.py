"""Signing in: from an LTI launch (the launch id the LMS iframe carries) and through the
organisation's identity provider (OpenID Connect against a local provider), to the same
pseudonymous learner, with roles from the policy's sign-in rules, HR and the claims."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from learnwire.adapters.lti import launches as lti_launches
from learnwire.adapters.lti.tool import LtiTool
from learnwire.core.models import IdentityRef, PersonRecord
from learnwire.core.runtime import Runtime
from learnwire.core.sources import SourceBatch
from learnwire.core.web.app import create_app

from ...conftest import fixture_module


def _launch(
    runtime: Any, learner: uuid.UUID, *, role: str, verified: bool = True, expires: str = "1 hour"
) -> str:
    launch_id = uuid.uuid4().hex
    with runtime.db.connection() as conn:
        conn.execute(
            "INSERT INTO lti_launch (launch_id, learner_id, occurred_at, issuer, client_id, "
            "deployment_id, message_type, role, state, nonce, binding, verified, expires_at) "
            "VALUES (%s, %s, now(), 'https://lms.example', 'c', 'd', "
            "'LtiResourceLinkRequest', %s, 's', 'n', 'cookie', %s, now() + %s::interval)",
            (launch_id, learner, role, verified, expires),
        )
    return launch_id


def _open(runtime: Any, launch_id: str) -> str:
    """The sign-in link the launch's own page carries (with its action token)."""
    with runtime.db.connection() as conn:
        record = lti_launches.load(conn, launch_id, require_verified=False)
    token = LtiTool(runtime).action_token(record)
    return f"/sign-in/lti/{launch_id}?launch_token={token}"


def _session(client: Any, door: str | None = None) -> Any:
    return client.get("/api/v1/session" + (f"?door={door}" if door else ""))


def test_signin_from_an_lti_launch_carries_the_sign_in_in_the_page(client, runtime, sample_org):
    learner = sample_org.big_team[0]
    response = client.get(_open(runtime, _launch(runtime, learner, role="learner")))
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/me" and location.query.startswith("door=")
    door = location.query.removeprefix("door=")
    # Inside the LMS iframe no cookie comes back: the page's own token is enough.
    fresh = create_app(runtime).test_client(use_cookies=False)
    body = _session(fresh, door).get_json()
    assert body == {**body, "learner_id": str(learner), "via": "lti", "roles": ["learner"]}
    assert fresh.get(f"/me?door={door}").status_code == 200


def test_signin_roles_come_from_hr_the_lms_role_and_the_policy(client, runtime, sample_org):
    manager = client.get(_open(runtime, _launch(runtime, sample_org.manager, role="learner")))
    door = urlsplit(manager.headers["Location"]).query.removeprefix("door=")
    assert _session(client, door).get_json()["roles"] == ["learner", "manager"]  # HR says so
    with runtime.db.connection() as conn:
        outsider = conn.execute(
            "INSERT INTO learner (id) VALUES (gen_random_uuid()) RETURNING id"
        ).fetchone()[0]
    teacher = client.get(_open(runtime, _launch(runtime, outsider, role="instructor")))
    door = urlsplit(teacher.headers["Location"]).query.removeprefix("door=")
    assert _session(client, door).get_json()["roles"] == ["learner", "manager"]  # LMS role
    # ...and a manager's page then says there is no team to show, rather than any data.
    page = client.get(f"/team?door={door}").get_data(as_text=True)
    assert "HR does not list you as managing a team" in page


@pytest.mark.parametrize(
    ("verified", "expires", "status"),
    [(False, "1 hour", 403), (True, "-1 minute", 404)],
    ids=["unverified", "expired"],
)
def test_signin_refuses_unverified_or_expired_launches(
    client, runtime, sample_org, verified, expires, status
):
    launch = _launch(
        runtime, sample_org.big_team[0], role="learner", verified=verified, expires=expires
    )
    response = client.get(f"/sign-in/lti/{launch}?launch_token=x")
    assert response.status_code == status and response.mimetype == "text/html"
    assert "Open the activity again" in response.get_data(as_text=True) or status == 403
    assert client.get(f"/sign-in/lti/{uuid.uuid4().hex}").status_code == 404


def test_signin_a_launch_id_alone_does_not_sign_in(client, runtime, sample_org):
    # The launch id travels in URLs and logs; only the launch's own page (its action token)
    # or the browser that launched it (its LTI session cookie) may open the pages with it.
    launch = _launch(runtime, sample_org.big_team[0], role="learner")
    for url in (f"/sign-in/lti/{launch}", f"/sign-in/lti/{launch}?launch_token=forged"):
        response = client.get(url)
        assert response.status_code == 403 and "not opened in this browser" in (
            response.get_data(as_text=True)
        )
    assert _session(client).status_code == 401


# -- OpenID Connect ------------------------------------------------------------------------


@pytest.fixture
def idp():  # type: ignore[no-untyped-def]
    provider = fixture_module("fake_oidc").FakeOidcProvider()
    provider.redirect_uris.add("http://localhost/sign-in/oidc/callback")
    yield provider
    provider.stop()


@pytest.fixture
def oidc_client(runtime, idp) -> Any:
    settings = runtime.settings.model_copy(
        update={
            "plugins": {
                "pages": {
                    "oidc_issuer": idp.issuer,
                    "oidc_client_id": idp.client_id,
                    "oidc_client_secret": idp.client_secret,
                }
            }
        }
    )
    return create_app(Runtime(settings, pm=runtime.pm, db=runtime.db)).test_client()


def _oidc_sign_in(client: Any) -> Any:
    start = client.get("/sign-in/oidc")
    assert start.status_code == 302
    at_idp = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_idp.status_code == 302, at_idp.text
    back = urlsplit(at_idp.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_signin_oidc_maps_a_verified_email_to_the_same_learner(oidc_client, idp, runtime):
    with runtime.db.connection() as conn:
        person = PersonRecord(
            source="hr", identifiers=[IdentityRef(kind="email", value="ana@org.example")]
        )
        runtime.intake().store(conn, SourceBatch(people=[person]), source="hr")
        known = runtime.intake().resolver.resolve_subjects(
            conn, [IdentityRef(kind="email", value="ana@org.example")], source="hr"
        )[0]
    idp.user = {
        "sub": "w-17",
        "email": "ana@org.example",
        "email_verified": True,
        "groups": ["privacy-office"],
    }
    response = _oidc_sign_in(oidc_client)
    assert response.status_code == 303 and response.headers["Location"].endswith("/me")
    body = _session(oidc_client).get_json()  # the first-party cookie holds the sign-in
    assert body["learner_id"] == str(known)
    assert body["via"] == "oidc"
    assert body["roles"] == ["learner", "compliance_officer"]
    assert idp.problems == []
    # Signing in again resolves the provider's own subject to the same learner.
    idp.user = {"sub": "w-17"}
    oidc_client.post("/sign-out", data={"csrf": _csrf(oidc_client)})
    assert _session(oidc_client).status_code == 401
    _oidc_sign_in(oidc_client)
    assert _session(oidc_client).get_json()["learner_id"] == str(known)


def _csrf(client: Any) -> str:
    import re

    page = client.get("/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def test_signin_oidc_does_not_link_an_unverified_email(oidc_client, idp, runtime):
    with runtime.db.connection() as conn:
        person = PersonRecord(
            source="hr", identifiers=[IdentityRef(kind="email", value="bo@org.example")]
        )
        runtime.intake().store(conn, SourceBatch(people=[person]), source="hr")
    idp.user = {"sub": "w-18", "email": "bo@org.example", "email_verified": False}
    _oidc_sign_in(oidc_client)
    with runtime.db.connection() as conn:
        learners = conn.execute("SELECT count(*) FROM learner").fetchone()[0]
    assert learners == 2  # the e-mail's owner and a new learner for the unverified sign-in


@pytest.mark.parametrize("forge", ["key", "issuer", "audience", "expired", "nonce"])
def test_signin_oidc_refuses_a_bad_id_token(oidc_client, idp, forge):
    idp.forge = forge
    response = _oidc_sign_in(oidc_client)
    assert response.status_code == 401 and response.mimetype == "text/html"
    assert "refused" in response.get_data(as_text=True) or "could not be completed" in (
        response.get_data(as_text=True)
    )
    assert _session(oidc_client).status_code == 401


def test_signin_oidc_callback_without_our_state_is_refused(oidc_client, idp):
    idp.user = {"sub": "w-19"}
    start = oidc_client.get("/sign-in/oidc")
    at_idp = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_idp.headers["Location"])
    # Another browser (no session cookie with the state) replays the provider's redirect.
    other = oidc_client.application.test_client()
    response = other.get(f"{back.path}?{back.query}")
    assert response.status_code == 401
    assert _session(other).status_code == 401
    assert idp.token_requests == 0


def test_signin_housekeeping_forgets_expired_sessions_memories_and_priorities(
    runtime, sample_org, door
):
    from learnwire.plugins.pages.plugin import housekeeping

    live = door(sample_org.big_team[0])
    with runtime.db.connection() as conn:
        conn.execute(
            "INSERT INTO page_session (token_hash, learner_id, via, expires_at) "
            "VALUES ('old', %s, 'lti', now() - interval '1 minute')",
            (sample_org.big_team[1],),
        )
        conn.execute(
            "INSERT INTO served_aggregate (requester, people_hash, people, served_at) VALUES "
            "('m', 'a', '{}', now() - interval '2 days'), ('m', 'b', '{}', now())"
        )
        conn.execute(
            "INSERT INTO team_priority (source, unit_external_id, skill_id, weight, expires_at) "
            "VALUES ('hr', 'team-a', 'sql', 1, now() - interval '1 second'), "
            "('hr', 'team-a', 'coaching', 1, now() + interval '1 day')"
        )
    assert housekeeping(runtime) == {"sessions": 1, "served_aggregates": 1, "team_priorities": 1}
    with runtime.db.connection() as conn:
        assert conn.execute("SELECT skill_id FROM team_priority").fetchall() == [("coaching",)]
        assert conn.execute("SELECT count(*) FROM page_session").fetchone()[0] == 1
    assert live
