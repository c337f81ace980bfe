"""Fixtures for the LTI tests: a fake platform on loopback, the tool (in process or served),
a registration, a small real catalogue, and helpers that act as the browser."""

from __future__ import annotations

import importlib.util
import re
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from learnwire.adapters.lti import keys, registrations
from learnwire.adapters.lti.registrations import PlatformRegistration
from learnwire.core.models import (
    ContentItem,
    DataCategory,
    HrFact,
    HrFactType,
    IdentityRef,
    JobProfile,
    Skill,
    SkillRequirement,
)
from learnwire.core.models.content import ContentSkill
from learnwire.core.runtime import Runtime
from learnwire.core.sources import ContentBatch, SourceBatch
from learnwire.core.web.app import create_app

_spec = importlib.util.spec_from_file_location(
    "lti_fake_platform", Path(__file__).with_name("fake_platform.py")
)
fake = importlib.util.module_from_spec(_spec)
sys.modules["lti_fake_platform"] = fake
_spec.loader.exec_module(fake)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def platform() -> Iterator[Any]:
    p = fake.FakePlatform()
    yield p
    p.served.stop()


@pytest.fixture
def tool_url() -> str:
    return f"http://127.0.0.1:{_free_port()}"


@pytest.fixture
def lti_runtime(settings, pm, db, tool_url) -> Runtime:
    return Runtime(settings.model_copy(update={"public_url": tool_url}), pm=pm, db=db)


@pytest.fixture
def app(lti_runtime, platform, tool_url):
    platform.tool_launch_url = f"{tool_url}/lti/launch"
    platform.tool_jwks_url = f"{tool_url}/lti/jwks"
    return create_app(lti_runtime)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def served_tool(app, tool_url) -> Iterator[str]:
    served = fake.Served(app, int(tool_url.rsplit(":", 1)[1]))
    yield served.url
    served.stop()


def platform_registration(platform: Any, **overrides: Any) -> PlatformRegistration:
    values = {
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "auth_login_url": platform.url("/auth"),
        "auth_token_url": platform.url("/token"),
        "keyset_url": platform.url("/jwks"),
        "deployment_ids": [platform.deployment_id],
    }
    return PlatformRegistration(**{**values, **overrides})


@pytest.fixture
def registered(lti_runtime, platform) -> PlatformRegistration:
    registration = platform_registration(platform)
    with lti_runtime.db.connection() as conn:
        keys.ensure_active(conn)
        registrations.save(conn, registration)
    return registration


@pytest.fixture
def catalogue(lti_runtime) -> dict[str, Any]:
    """Three items, two tagged with the team-lead profile's skills; their content ids."""
    skills = [
        Skill(id="feedback", name="Giving feedback", domain="management"),
        Skill(id="sql", name="SQL", domain="data"),
    ]
    profile = JobProfile(
        id="team-lead",
        name="Team lead",
        requirements=[SkillRequirement(skill_id="feedback", target_level=0.8)],
    )

    def item(external_id: str, title: str, skill: str | None) -> ContentItem:
        return ContentItem(
            provider="library",
            external_id=external_id,
            title=title,
            summary=f"About {title.lower()}.",
            format="video",
            duration_minutes=12,
            launch_url=f"https://library.example/{external_id}",
            activity_id=f"https://library.example/activities/{external_id}",
            skills=[ContentSkill(skill_id=skill)] if skill else [],
        )

    items = [
        item("fb-101", "Feedback that lands", "feedback"),
        item("fb-201", "Hard conversations", "feedback"),
        item("sql-101", "SQL joins", "sql"),
    ]
    intake = lti_runtime.intake()
    with lti_runtime.db.connection() as conn:
        intake.store(conn, SourceBatch(skills=skills, job_profiles=[profile]), source="hr")
        intake.store_content(conn, ContentBatch(items=items), provider="library")
        rows = conn.execute("SELECT external_id, id FROM content_item").fetchall()
    return dict(rows)


@pytest.fixture
def job_profile(lti_runtime, platform):
    """Give the person the LMS knows as ``sub`` a job profile, as an HR source would.

    Recorded yesterday by the real clock the pages read the governed view at: a fixed date
    would fall out of the hr_profile retention period (2 years) on a fixed day."""

    def give(sub: str, profile: str) -> None:
        fact = HrFact(
            subject=IdentityRef(kind="lti", namespace=platform.issuer, value=sub),
            source="hr",
            data_category=DataCategory.HR_PROFILE,
            occurred_at=datetime.now(UTC) - timedelta(days=1),
            fact_type=HrFactType.JOB_PROFILE,
            value=profile,
        )
        with lti_runtime.db.connection() as conn:
            lti_runtime.intake().store(conn, SourceBatch(facts=[fact]), source="hr")

    return give


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]]

    def values(self) -> dict[str, str]:
        return {k: v[0] for k, v in self.fields.items()}


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower(), {}))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1].fields.setdefault(a["name"], []).append(a.get("value", ""))


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@pytest.fixture
def fake_rsa_key():
    return fake.rsa_key


@pytest.fixture
def html_forms():
    return forms


@dataclass
class Login:
    state: str
    nonce: str
    response: Any


class Lti:
    """The browser and the platform's signing hand, for in-process tests (Flask client)."""

    def __init__(self, client: Any, platform: Any) -> None:
        self.client = client
        self.platform = platform

    def with_client(self, client: Any) -> Lti:
        return Lti(client, self.platform)

    def login_params(self, **overrides: Any) -> dict[str, str]:
        params = {
            "iss": self.platform.issuer,
            "login_hint": "user-1",
            "target_link_uri": self.platform.tool_launch_url,
            "lti_message_hint": "launch-1",
            "client_id": self.platform.client_id,
            "lti_deployment_id": self.platform.deployment_id,
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def login(self, method: str = "get", **overrides: Any) -> Login:
        params = self.login_params(**overrides)
        if method == "get":
            response = self.client.get("/lti/login", query_string=params)
        else:
            response = self.client.post("/lti/login", data=params)
        if response.status_code == 302:
            query = parse_qs(urlsplit(response.headers["Location"]).query)
            return Login(query["state"][0], query["nonce"][0], response)
        found = re.search(r'"state_([^"]+)"', response.get_data(as_text=True))
        nonce = re.search(r'"nonce_([^"]+)"', response.get_data(as_text=True))
        return Login(found[1] if found else "", nonce[1] if nonce else "", response)

    def post_launch(self, id_token: str | None, state: str | None, path: str = "/lti/launch"):
        data = {k: v for k, v in (("id_token", id_token), ("state", state)) if v is not None}
        return self.client.post(path, data=data)

    def launch(self, *, token_options: dict[str, Any] | None = None, **claims: Any):
        """Login, then a launch signed by the platform with the login's nonce."""
        login = self.login()
        token = self.platform.id_token(
            self.platform.claims(login.nonce, **claims), **(token_options or {})
        )
        return self.post_launch(token, login.state)


@pytest.fixture
def lti(client, platform, registered) -> Lti:
    return Lti(client, platform)


@pytest.fixture
def lti_unregistered(client, platform) -> Lti:
    return Lti(client, platform)


class Browser:
    """A real HTTP browser (requests) for flows where the platform calls back the tool."""

    def __init__(self, platform: Any) -> None:
        self.http = requests.Session()
        self.platform = platform

    def launch(self, tool_url: str, *, hint: str, sub: str = "user-1", **claims: Any):
        """The whole OIDC dance: login at the tool, auth at the platform, post to the tool."""
        self.platform.launches[hint] = {"sub": sub, **claims}
        params = {
            "iss": self.platform.issuer,
            "login_hint": sub,
            "target_link_uri": self.platform.tool_launch_url,
            "lti_message_hint": hint,
            "client_id": self.platform.client_id,
        }
        login = self.http.get(f"{tool_url}/lti/login", params=params, allow_redirects=False)
        assert login.status_code == 302, login.text
        auth = self.http.get(login.headers["Location"])
        assert auth.status_code == 200, auth.text
        return self.submit(forms(auth.text)[0])

    def submit(self, form: Form, **fields: Any):
        data: dict[str, Any] = {**form.fields, **fields}
        return self.http.request(form.method.upper(), form.action, data=data)


@pytest.fixture
def browser(platform, registered) -> Browser:
    return Browser(platform)
