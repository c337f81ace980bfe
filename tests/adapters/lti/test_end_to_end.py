"""The whole story against `learnwire serve`: an admin registers the platform with the CLI,
an instructor deep-links a catalogue item, a learner launches it and their result reaches
the platform's gradebook. The fake platform checks every request it receives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from learnwire.core.models import DataCategory, EventResult, IdentityRef, LearningEvent
from learnwire.core.sources import SourceBatch

LEARNWIRE = os.path.join(os.path.dirname(sys.executable), "learnwire")
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


@pytest.fixture
def serve_env(database_url, tmp_path, tool_url) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(
        LEARNWIRE_DATABASE_URL=database_url,
        LEARNWIRE_DATA_DIR=str(tmp_path),
        LEARNWIRE_PUBLIC_URL=tool_url,
        # The same keys as the in-process runtime that seeds HR facts and events, so both
        # resolve the LMS user to the same pseudonymous learner.
        LEARNWIRE_PSEUDONYM_KEY="test-pseudonym-key",
        LEARNWIRE_SECRET_KEY="test-secret-key",
    )
    return env


@pytest.fixture
def learnwire_serve(serve_env, tool_url, db) -> Iterator[str]:
    port = tool_url.rsplit(":", 1)[1]
    proc = subprocess.Popen(
        [LEARNWIRE, "serve", "--port", port],
        env=serve_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{tool_url}/healthz", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"learnwire serve did not start:\n{proc.communicate()[0]}")
            time.sleep(0.3)
        yield tool_url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_end_to_end_login_launch_deep_link_and_score_against_learnwire_serve(
    learnwire_serve, serve_env, platform, catalogue, lti_runtime, html_forms
):
    tool = learnwire_serve
    platform.tool_launch_url = f"{tool}/lti/launch"
    platform.tool_jwks_url = f"{tool}/lti/jwks"
    registered = subprocess.run(
        [
            LEARNWIRE,
            "lti",
            "register",
            "--issuer",
            platform.issuer,
            "--client-id",
            platform.client_id,
            "--auth-login-url",
            platform.url("/auth"),
            "--auth-token-url",
            platform.url("/token"),
            "--keyset-url",
            platform.url("/jwks"),
            "--deployment-id",
            platform.deployment_id,
            "--json",
        ],
        env=serve_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert registered.returncode == 0, registered.stderr
    config = json.loads(
        subprocess.run(
            [LEARNWIRE, "lti", "config", "--json"],
            env=serve_env,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )
    assert config["launch_url"] == platform.tool_launch_url

    browser = requests.Session()

    def launch(hint: str, sub: str, **claims):
        platform.launches[hint] = {"sub": sub, **claims}
        login = browser.post(
            config["login_url"],
            data={
                "iss": platform.issuer,
                "login_hint": sub,
                "lti_message_hint": hint,
                "target_link_uri": config["deep_linking_url"],
                "client_id": platform.client_id,
                "lti_deployment_id": platform.deployment_id,
            },
            allow_redirects=False,
        )
        assert login.status_code == 302, login.text
        auth = browser.get(login.headers["Location"])
        assert auth.status_code == 200, auth.text
        [form] = html_forms(auth.text)
        return browser.post(form.action, data=form.values())

    # 1. The instructor picks an item in a deep-linking launch.
    picker = launch(
        "pick", "teacher-1", message_type="LtiDeepLinkingRequest", roles=[ROLE + "Instructor"]
    )
    assert picker.status_code == 200, picker.text
    [choose] = [f for f in html_forms(picker.text) if f.method == "post"]
    chosen = str(catalogue["fb-101"])
    autopost = browser.post(choose.action, data={"content_id": chosen, "graded": "1"})
    assert autopost.status_code == 200, autopost.text
    [back] = html_forms(autopost.text)
    assert browser.post(back.action, data=back.values()).status_code == 200
    assert platform.problems == []
    [link] = platform.deep_links
    assert link["custom"] == {"learnwire_content_id": chosen}

    # 2. The learner launches the resource link the platform made from it.
    _scored(lti_runtime, platform.issuer, "learner-1", 0.9)
    page = launch(
        "open",
        "learner-1",
        **{
            LTI + "custom": link["custom"],
            LTI + "resource_link": {"id": "rl-1", "title": link["title"]},
            AGS: platform.ags_claim(lineitem=link["created_lineitem"]),
        },
    )
    assert page.status_code == 200, page.text
    assert "Feedback that lands" in page.text

    # 3. Their result goes to the gradebook through AGS with a service token.
    [score_form] = [f for f in html_forms(page.text) if f.action.endswith("/score")]
    sent = browser.post(score_form.action)
    assert sent.status_code == 200, sent.text
    assert platform.problems == []
    [score] = platform.scores
    assert score["userId"] == "learner-1" and score["scoreGiven"] == 90
    assert score["lineitem"] == link["created_lineitem"]
    assert len(platform.assertion_ids) == 1, "one client-credentials grant, checked by the platform"


def _scored(runtime, issuer: str, sub: str, scaled: float) -> None:
    event = LearningEvent(
        statement_id=uuid.uuid4(),
        subject=IdentityRef(kind="lti", namespace=issuer, value=sub),
        source="xapi",
        data_category=DataCategory.ASSESSMENT,
        occurred_at=datetime.now(UTC),
        verb="http://adlnet.gov/expapi/verbs/passed",
        object_id="https://library.example/activities/fb-101",
        result=EventResult(score_scaled=scaled, success=True),
    )
    with runtime.db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(events=[event]), source="xapi")
