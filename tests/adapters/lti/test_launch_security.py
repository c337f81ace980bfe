"""Every forged or broken launch is refused with a 4xx page saying why, logged, and leaves
nothing behind. The platform is real (JWKS on loopback); only its hand is forced."""

from __future__ import annotations

import html
import time

import pytest

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.fixture
def refused(lti_runtime, caplog):
    caplog.set_level("INFO", logger="learnwire.lti")

    def check(response, code: str, status: int) -> str:
        page = response.get_data(as_text=True)
        assert response.status_code == status, page
        assert response.mimetype == "text/html"
        assert f"<code>{code}</code>" in page
        logged = [r.getMessage() for r in caplog.records if r.name == "learnwire.lti"]
        assert any(f"[{code}]" in line and "refused" in line for line in logged), logged
        with lti_runtime.db.connection() as conn:
            assert conn.execute("SELECT count(*) FROM lti_launch").fetchone()[0] == 0
            assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 0
        return page

    return check


def test_launch_security_bad_signature(lti, platform, refused):
    response = lti.launch(token_options={"pem": platform.other_pem})
    page = refused(response, "bad_signature", 401)
    assert "signature does not verify" in page


def test_launch_security_unknown_kid(lti, refused):
    response = lti.launch(token_options={"kid": "ghost-key"})
    page = refused(response, "unknown_kid", 401)
    assert "no key with kid &#39;ghost-key&#39;" in page


def test_launch_security_wrong_issuer(lti, refused):
    page = refused(lti.launch(iss="https://intruder.example"), "unknown_issuer", 403)
    assert "https://intruder.example" in page


def test_launch_security_issuer_other_than_the_login(lti, lti_runtime, platform, refused):
    from learnwire.adapters.lti import registrations

    with lti_runtime.db.connection() as conn:
        registrations.save(
            conn,
            registrations.PlatformRegistration(
                issuer="https://other-lms.example",
                client_id=platform.client_id,
                auth_login_url="https://other-lms.example/auth",
                auth_token_url="https://other-lms.example/token",
                keyset_url=platform.url("/jwks"),
                deployment_ids=[platform.deployment_id],
            ),
        )
    page = refused(lti.launch(iss="https://other-lms.example"), "issuer_mismatch", 403)
    assert "the login was started for" in page


def test_launch_security_wrong_audience(lti, refused):
    page = refused(lti.launch(aud="another-tool"), "unknown_client", 403)
    assert "another-tool" in page


def test_launch_security_wrong_azp(lti, platform, refused):
    page = refused(lti.launch(aud=[platform.client_id], azp="another-tool"), "azp_mismatch", 403)
    assert "azp" in page


def test_launch_security_several_audiences_without_azp(lti, platform, refused):
    refused(lti.launch(aud=[platform.client_id, "another-tool"]), "azp_missing", 403)


def test_launch_security_unknown_deployment(lti, refused):
    response = lti.launch(**{LTI + "deployment_id": "deployment-99"})
    page = refused(response, "unknown_deployment", 403)
    assert "learnwire lti deployment add" in page


def test_launch_security_unknown_deployment_at_login(lti, refused):
    login = lti.login(lti_deployment_id="deployment-99")
    refused(login.response, "unknown_deployment", 403)


def test_launch_security_expired_token(lti, refused):
    now = int(time.time())
    page = refused(lti.launch(iat=now - 900, exp=now - 600), "token_expired", 401)
    assert "expired" in page


def test_launch_security_token_issued_in_the_future(lti, refused):
    now = int(time.time())
    page = refused(lti.launch(iat=now + 3600, exp=now + 7200), "token_not_yet_valid", 401)
    assert "in the future" in page


def test_launch_security_token_issued_too_long_ago(lti, refused):
    now = int(time.time())
    refused(lti.launch(iat=now - 3 * 3600, exp=now + 300), "token_too_old", 401)


def test_launch_security_token_without_exp(lti, refused):
    page = refused(lti.launch(exp=None), "missing_claim", 400)
    assert "&#39;exp&#39;" in page


def test_launch_security_replayed_nonce(lti, platform, lti_runtime, refused):
    first = lti.login()
    token = platform.id_token(platform.claims(first.nonce))
    assert lti.post_launch(token, first.state).status_code == 200
    with lti_runtime.db.connection() as conn:
        conn.execute("TRUNCATE lti_launch, learner CASCADE")
    second = lti.login()
    page = refused(lti.post_launch(token, second.state), "nonce_replayed", 401)
    assert "replayed" in page


def test_launch_security_replayed_launch_with_its_own_state(lti, platform, lti_runtime, refused):
    login = lti.login()
    token = platform.id_token(platform.claims(login.nonce))
    assert lti.post_launch(token, login.state).status_code == 200
    with lti_runtime.db.connection() as conn:
        conn.execute("TRUNCATE lti_launch, learner CASCADE")
    refused(lti.post_launch(token, login.state), "state_replayed", 401)


def test_launch_security_missing_state(lti, platform, refused):
    login = lti.login()
    token = platform.id_token(platform.claims(login.nonce))
    refused(lti.post_launch(token, None), "missing_state", 400)


def test_launch_security_unknown_state(lti, platform, refused):
    login = lti.login()
    token = platform.id_token(platform.claims(login.nonce))
    refused(lti.post_launch(token, "state-made-up"), "unknown_state", 401)


def test_launch_security_state_of_another_login(lti, platform, refused):
    mine, other = lti.login(), lti.login()
    token = platform.id_token(platform.claims(mine.nonce))
    page = refused(lti.post_launch(token, other.state), "nonce_mismatch", 401)
    assert "different logins" in page


def test_launch_security_expired_login(lti, platform, lti_runtime, refused):
    login = lti.login()
    with lti_runtime.db.connection() as conn:
        conn.execute("UPDATE lti_oidc_login SET expires_at = now() - interval '1 second'")
    token = platform.id_token(platform.claims(login.nonce))
    refused(lti.post_launch(token, login.state), "state_expired", 401)


def test_launch_security_alg_none(lti, refused):
    page = refused(lti.launch(token_options={"alg": "none"}), "algorithm_not_allowed", 401)
    assert "alg &#39;none&#39;" in page


def test_launch_security_alg_hs256(lti, refused):
    response = lti.launch(token_options={"alg": "HS256", "key": "a-shared-secret-of-32-bytes!!!!!"})
    page = refused(response, "algorithm_not_allowed", 401)
    assert "HS256" in page


def test_launch_security_wrong_message_type(lti, refused):
    response = lti.launch(**{LTI + "message_type": "LtiSubmissionReviewRequest"})
    refused(response, "wrong_message_type", 400)


def test_launch_security_wrong_version(lti, refused):
    page = refused(lti.launch(**{LTI + "version": "1.1.0"}), "wrong_version", 400)
    assert "1.3.0" in page


@pytest.mark.parametrize(
    "claim",
    ["sub", LTI + "roles", LTI + "resource_link", LTI + "target_link_uri", "nonce"],
)
def test_launch_security_missing_required_claim(lti, refused, claim):
    page = refused(lti.launch(**{claim: None}), "missing_claim", 400)
    assert claim.rsplit("/", 1)[-1] in page


def test_launch_security_malformed_token(lti, refused):
    login = lti.login()
    refused(lti.post_launch("this.is-not-a.jwt", login.state), "malformed_token", 400)


def test_launch_security_missing_id_token(lti, refused):
    login = lti.login()
    refused(lti.post_launch(None, login.state), "missing_id_token", 400)


def test_launch_security_login_for_unregistered_issuer(lti, refused):
    login = lti.login(iss="https://intruder.example", lti_deployment_id=None)
    refused(login.response, "unknown_issuer", 403)


def test_launch_security_login_target_outside_the_tool(lti, refused):
    login = lti.login(target_link_uri="https://phishing.example/lti/launch")
    refused(login.response, "foreign_target", 400)


def test_launch_security_claim_of_the_wrong_shape(lti, refused):
    page = refused(lti.launch(**{LTI + "context": "course-42"}), "invalid_claim", 400)
    assert "must be a JSON object" in page


def test_launch_security_login_without_client_id_for_an_ambiguous_issuer(
    lti, lti_runtime, platform, refused
):
    from learnwire.adapters.lti import registrations

    with lti_runtime.db.connection() as conn:
        second = registrations.find(conn, platform.issuer, platform.client_id)
        registrations.save(conn, second.model_copy(update={"client_id": "second-client"}))
    refused(lti.login(client_id=None).response, "ambiguous_client", 400)


@pytest.mark.parametrize(
    ("claims", "named", "problem"),
    [
        ({"sub": "user\x001"}, "sub", "NUL character"),
        ({"sub": "user-\ud800"}, "sub", "lone surrogate (U+D800)"),
        ({LTI + "context": {"id": "course\x0042"}}, "context.id", "NUL character"),
        ({LTI + "context": {"id": "c", "title": "\udc00"}}, "context.title", "lone surrogate"),
    ],
    ids=["nul-sub", "surrogate-sub", "nul-context-id", "surrogate-context-title"],
)
def test_launch_security_unstorable_text_in_claims_is_a_400(lti, refused, claims, named, problem):
    page = html.unescape(refused(lti.launch(**claims), "invalid_claim", 400))
    assert f"claim '{named}" in page or f"/{named}'" in page, page
    assert problem in page


def test_launch_security_nul_in_login_parameters_is_a_400(lti, lti_runtime):
    for name in ("iss", "login_hint", "client_id", "lti_deployment_id"):
        value = lti.login_params()[name] + "\x00"
        response = lti.login(**{name: value}).response
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400, page
        assert f"parameter '{name}' contains a NUL character" in page
    launch = lti.post_launch("a.b.c", "state\x00")
    assert launch.status_code == 400
    assert "parameter 'state' contains a NUL" in html.unescape(launch.get_data(as_text=True))
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM lti_oidc_login").fetchone()[0] == 0
