"""What an LMS admin relies on over time: one platform however its issuer is spelt,
registrations and deployments that can be switched off or removed (and audited), dynamic
registration that replaces its earlier client ids, plain http refused outside loopback, and
a public URL that matches where ``learnwire serve`` listens."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from learnwire.adapters.lti.cli import lti as lti_commands
from learnwire.adapters.lti.registrations import issuer_key
from learnwire.adapters.lti.settings import tool_urls
from learnwire.core.cli.public_url import settle_public_url
from learnwire.core.cli.root import cli
from learnwire.core.config import Settings


@pytest.fixture
def run(lti_runtime):
    cli.add_command(lti_commands)

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), obj=lti_runtime, input=input)

    return invoke


def _register(platform, issuer: str | None = None, *extra: str) -> list[str]:
    return [
        "lti",
        "register",
        "--issuer",
        issuer or platform.issuer,
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
        *extra,
    ]


def _audited(runtime, action: str) -> list[dict]:
    with runtime.db.connection() as conn:
        rows = conn.execute(
            "SELECT detail FROM policy_audit WHERE action = %s ORDER BY id", (action,)
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("https://LMS.example.org/", "https://lms.example.org"),
        ("https://lms.example.org:443", "https://lms.example.org"),
        ("https://lms.example.org/moodle//", "https://lms.example.org/moodle"),
        ("http://lms.example.org:8080/", "http://lms.example.org:8080"),
    ],
)
def test_lifecycle_issuer_key_normalises_spelling(spelling, key):
    assert issuer_key(spelling) == key


def test_lifecycle_issuer_with_a_trailing_slash_is_the_same_platform(
    run, platform, lti_runtime, lti_unregistered
):
    assert run(*_register(platform)).exit_code == 0
    again = run(*_register(platform, platform.issuer + "/", "--json"))
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["created"] is False
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT issuer FROM lti_registration").fetchall() == [
            (platform.issuer,)
        ]
    # The platform signs its issuer with a slash today, without one tomorrow: one learner.
    assert lti_unregistered.launch().status_code == 200
    slashed = lti_unregistered.launch(iss=platform.issuer + "/")
    assert slashed.status_code == 200, slashed.get_data(as_text=True)
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 1
        assert {r[0] for r in conn.execute("SELECT issuer FROM lti_launch")} == {platform.issuer}
        stored = conn.execute("SELECT DISTINCT value->>'iss' FROM lti_launch_data").fetchall()
    assert stored == [(platform.issuer,)], "launch data names the issuer as registered"


def test_lifecycle_registration_deactivate_activate_delete(
    run, platform, lti_runtime, lti_unregistered
):
    assert run(*_register(platform)).exit_code == 0
    names = ["--issuer", platform.issuer, "--client-id", platform.client_id]

    off = run("lti", "registration", "deactivate", *names)
    assert off.exit_code == 0 and "is now deactivated" in off.output
    refused = lti_unregistered.login().response
    assert refused.status_code == 403
    assert "unknown_issuer" in refused.get_data(as_text=True)
    listed = json.loads(run("lti", "registrations", "--json").output)
    assert [r["active"] for r in listed] == [False]

    assert run("lti", "registration", "activate", *names).exit_code == 0
    assert lti_unregistered.launch().status_code == 200

    assert run("lti", "registration", "delete", *names, input="n\n").exit_code == 1
    gone = run("lti", "registration", "delete", *names, "--yes")
    assert gone.exit_code == 0 and platform.deployment_id in gone.output
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM lti_registration").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM lti_deployment").fetchone()[0] == 0
    assert lti_unregistered.login().response.status_code == 403
    missing = run("lti", "registration", "deactivate", *names)
    assert missing.exit_code == 2 and "no registration for issuer" in missing.output

    audited = {
        action: _audited(lti_runtime, f"lti:registration:{action}")
        for action in ("save", "deactivate", "activate", "delete")
    }
    assert all(len(v) == 1 for v in audited.values()), audited
    assert audited["delete"][0]["deployment_ids"] == [platform.deployment_id]
    assert audited["deactivate"][0]["client_id"] == platform.client_id


def test_lifecycle_deployment_remove(run, platform, registered, lti_runtime, lti):
    names = ["--issuer", platform.issuer, "--client-id", platform.client_id]
    done = run("lti", "deployment", "remove", *names, "--deployment-id", platform.deployment_id)
    assert done.exit_code == 0, done.output
    refused = lti.login().response
    assert refused.status_code == 403
    assert "unknown_deployment" in refused.get_data(as_text=True)
    again = run("lti", "deployment", "remove", *names, "--deployment-id", platform.deployment_id)
    assert again.exit_code == 2 and "is not registered" in again.output
    [entry] = _audited(lti_runtime, "lti:deployment:remove")
    assert entry["deployment_ids"] == [platform.deployment_id]


def test_lifecycle_dynamic_registration_replaces_the_earlier_client_id(
    client, lti_runtime, platform, lti_unregistered
):
    platform.issued_client_ids = ["client-first", platform.client_id]
    url = urlsplit(tool_urls(lti_runtime.settings).registration_url)
    query = {
        **{k: v[0] for k, v in parse_qs(url.query).items()},
        "openid_configuration": platform.url("/.well-known/openid-configuration"),
        "registration_token": platform.registration_token,
    }
    for _ in range(2):
        response = client.get(url.path, query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
    with lti_runtime.db.connection() as conn:
        rows = dict(conn.execute("SELECT client_id, active FROM lti_registration").fetchall())
    assert rows == {"client-first": False, platform.client_id: True}
    assert lti_unregistered.launch().status_code == 200
    stale = lti_unregistered.launch(aud="client-first")
    assert stale.status_code == 403, "the replaced client id no longer launches"
    entries = _audited(lti_runtime, "lti:registration:dynamic")
    assert [e["replaced_client_ids"] for e in entries] == [[], ["client-first"]]


@pytest.mark.parametrize(
    ("public_url", "refusal"),
    [
        ("tool.example.org", "needs a scheme and a host"),
        ("http://tool.example.org", "plain http outside loopback"),
    ],
)
def test_lifecycle_config_refuses_an_unusable_public_url(run, lti_runtime, public_url, refusal):
    lti_runtime.settings.public_url = public_url
    done = run("lti", "config")
    assert done.exit_code == 2 and refusal in done.output, done.output
    if public_url.startswith("http://"):
        allowed = run("lti", "config", "--allow-http", "--json")
        assert allowed.exit_code == 0, allowed.output
        assert json.loads(allowed.output)["launch_url"] == "http://tool.example.org/lti/launch"
    lti_runtime.settings.public_url = "https://tool.example.org"
    assert run("lti", "config").exit_code == 0


def test_lifecycle_register_refuses_plain_http_outside_loopback(run, platform, lti_runtime):
    args = _register(platform)
    args[args.index("--keyset-url") + 1] = "http://lms.example.org/jwks"
    done = run(*args)
    assert done.exit_code == 2 and "--keyset-url" in done.output and "loopback" in done.output
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM lti_registration").fetchone()[0] == 0
    assert run(*args, "--allow-http").exit_code == 0


def test_lifecycle_serve_derives_the_public_url_from_its_port():
    settings = Settings()
    assert settle_public_url(settings, "127.0.0.1", 8123) == []
    assert settings.public_url == "http://127.0.0.1:8123"
    everywhere = Settings()
    [warning] = settle_public_url(everywhere, "0.0.0.0", 8124)
    assert everywhere.public_url == "http://127.0.0.1:8124"
    assert "LEARNWIRE_PUBLIC_URL" in warning


def test_lifecycle_serve_warns_when_the_public_url_is_elsewhere():
    wrong = Settings(public_url="http://127.0.0.1:8000")
    [warning] = settle_public_url(wrong, "127.0.0.1", 8123)
    assert "port 8000" in warning and "listens on port 8123" in warning
    assert "foreign_target" in warning
    assert wrong.public_url == "http://127.0.0.1:8000", "a configured URL is never rewritten"
    assert settle_public_url(Settings(public_url="http://localhost:8123"), "::1", 8123) == []
    proxied = Settings(public_url="https://lms-tools.example.org")
    assert settle_public_url(proxied, "0.0.0.0", 8123) == []
