"""`learnwire lti ...`: manual registration, what to paste into Moodle and Canvas, key
rotation with the old key published until retired."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from learnwire.adapters.lti import keys, registrations
from learnwire.adapters.lti.cli import lti as lti_commands
from learnwire.core.cli.root import cli


@pytest.fixture
def run(lti_runtime):
    cli.add_command(lti_commands)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), obj=lti_runtime)

    return invoke


def _register_args(platform, *extra: str) -> list[str]:
    return [
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
        *extra,
    ]


def test_cli_register_stores_the_platform_and_launches_work(
    run, platform, lti_runtime, lti_unregistered
):
    done = run(*_register_args(platform, "--json"))
    assert done.exit_code == 0, done.output
    body = json.loads(done.output)
    assert body["created"] is True and body["deployment_ids"] == [platform.deployment_id]
    again = json.loads(run(*_register_args(platform, "--deployment-id", "d-2", "--json")).output)
    assert again["created"] is False
    with lti_runtime.db.connection() as conn:
        stored = registrations.find(conn, platform.issuer, platform.client_id)
    assert stored.deployment_ids == ["d-2", platform.deployment_id]
    assert lti_unregistered.launch().status_code == 200


def test_cli_register_rejects_a_bad_url(run, platform):
    args = _register_args(platform)
    args[args.index("--keyset-url") + 1] = "not a url"
    done = run(*args)
    assert done.exit_code == 2
    assert "--keyset-url" in done.output and "http(s) URL" in done.output


def test_cli_config_json_gives_the_tool_urls(run, tool_url):
    body = json.loads(run("lti", "config", "--json").output)
    assert set(body) == {
        "login_url",
        "launch_url",
        "jwks_url",
        "deep_linking_url",
        "registration_url",
    }
    assert body["login_url"] == f"{tool_url}/lti/login"
    assert body["launch_url"] == f"{tool_url}/lti/launch"
    assert body["jwks_url"] == f"{tool_url}/lti/jwks"
    assert body["deep_linking_url"] == f"{tool_url}/lti/deep-linking"
    assert body["registration_url"].startswith(f"{tool_url}/lti/register?key=")


def test_cli_config_prints_moodle_fields_and_canvas_json(run, tool_url):
    out = run("lti", "config").output
    assert f"Initiate login URL: {tool_url}/lti/login" in out
    assert f"Public keyset: {tool_url}/lti/jwks" in out
    canvas = json.loads(out[out.index("{") :])
    assert canvas["oidc_initiation_url"] == f"{tool_url}/lti/login"
    assert canvas["public_jwk_url"] == f"{tool_url}/lti/jwks"
    placements = canvas["extensions"][0]["settings"]["placements"]
    assert {p["message_type"] for p in placements} == {
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    }


def test_cli_keys_rotate_keeps_old_key_published_until_retired(run, client, lti_runtime):
    first = json.loads(run("lti", "keys", "rotate", "--json").output)["kid"]
    second = json.loads(run("lti", "keys", "rotate", "--json").output)["kid"]
    published = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert published == [second, first], "newest first; the old one still verifies"
    assert all(
        k["alg"] == "RS256" and k["use"] == "sig" and "d" not in k
        for k in client.get("/lti/jwks").get_json()["keys"]
    )
    with lti_runtime.db.connection() as conn:
        assert keys.active(conn).kid == second
    refused = run("lti", "keys", "retire", "--", second)
    assert refused.exit_code == 2 and "rotate" in refused.output
    # Thumbprints may start with "-", so the id goes after "--" as the help says.
    assert run("lti", "keys", "retire", "--", first).exit_code == 0
    assert [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]] == [second]
    listed = {
        r["kid"]: r["status"] for r in json.loads(run("lti", "keys", "list", "--json").output)
    }
    assert listed == {first: "retired", second: "active"}
    assert run("lti", "keys", "retire", "no-such-kid").exit_code == 2


def test_cli_deployment_add(run, platform, registered, lti_runtime):
    done = run(
        "lti",
        "deployment",
        "add",
        "--issuer",
        platform.issuer,
        "--client-id",
        platform.client_id,
        "--deployment-id",
        "d-9",
    )
    assert done.exit_code == 0 and "added" in done.output
    with lti_runtime.db.connection() as conn:
        assert registrations.has_deployment(conn, platform.issuer, platform.client_id, "d-9")
