"""LTI Dynamic Registration: the admin pastes one URL, the tool reads the platform's
openid-configuration, registers itself and stores the result; launches then work."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from learnwire.adapters.lti import registrations
from learnwire.adapters.lti.settings import tool_urls


def _start(client, lti_runtime, platform, **overrides):
    url = urlsplit(tool_urls(lti_runtime.settings).registration_url)
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    params.update(
        openid_configuration=platform.url("/.well-known/openid-configuration"),
        registration_token=platform.registration_token,
    )
    params.update(overrides)
    return client.get(url.path, query_string={k: v for k, v in params.items() if v is not None})


def test_dynamic_registration_registers_and_launches_work(
    client, lti_runtime, platform, lti_unregistered
):
    response = _start(client, lti_runtime, platform)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "org.imsglobal.lti.close" in page
    assert platform.problems == []
    [sent] = platform.registrations
    urls = tool_urls(lti_runtime.settings)
    assert sent["initiate_login_uri"] == urls.login_url
    assert sent["jwks_uri"] == urls.jwks_url
    assert urls.launch_url in sent["redirect_uris"]
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"].split()
    with lti_runtime.db.connection() as conn:
        stored = registrations.find(conn, platform.issuer, platform.client_id)
        has_key = conn.execute("SELECT count(*) FROM lti_tool_key").fetchone()[0]
    assert stored is not None and stored.method == "dynamic"
    assert stored.deployment_ids == [platform.deployment_id]
    assert stored.auth_login_url == platform.url("/auth")
    assert stored.product_family_code == "moodle"
    assert has_key == 1, "the tool can sign from its first launch on"
    assert lti_unregistered.launch().status_code == 200


def test_dynamic_registration_refuses_a_url_without_the_key(client, lti_runtime, platform):
    response = _start(client, lti_runtime, platform, key="guessed")
    assert response.status_code == 403
    assert "registration URL is not valid" in response.get_data(as_text=True)
    assert platform.registrations == []


def test_dynamic_registration_refuses_an_issuer_on_another_host(client, lti_runtime, platform):
    platform.config_overrides = {"issuer": "https://elsewhere.example"}
    response = _start(client, lti_runtime, platform)
    assert response.status_code == 400
    assert "on another host" in response.get_data(as_text=True)
    assert platform.registrations == []


def test_dynamic_registration_without_the_platform_token_is_refused_by_the_platform(
    client, lti_runtime, platform
):
    response = _start(client, lti_runtime, platform, registration_token=None)
    assert response.status_code == 400
    assert "unreachable" in response.get_data(as_text=True)
    assert platform.problems == ["openid config token"]
