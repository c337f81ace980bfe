"""The doors: sign in from an LTI launch or through the organisation's identity provider
(OpenID Connect, with authlib), and sign out.

An LTI launch is already verified by the LTI adapter; its launch id, which the LMS iframe's
page carries, opens a page session that lives as long as the launch. OpenID Connect runs the
authorization-code flow in a top-level window: authlib checks the ID token's signature
against the provider's JWKS, its issuer, audience, expiry and nonce.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.flask_client import OAuth  # type: ignore[import-untyped]
from flask import Blueprint, Response, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from learnwire.adapters.lti import launches as lti_launches
from learnwire.adapters.lti.flask import SESSION_LAUNCHES
from learnwire.adapters.lti.tool import LtiTool
from learnwire.core.errors import LearnwireError

from . import doors
from .errors import html_errors
from .settings import PagesSettings, pages_settings
from .signin import SignInFailed, from_lti_launch, learner_for_idp

auth = html_errors(Blueprint("pages_auth", __name__, template_folder="templates"))


def _settings() -> PagesSettings:
    return pages_settings(doors.runtime().settings)


def _idp() -> Any:
    """The identity provider's authlib client, registered once per app."""
    own = _settings()
    if not own.oidc_enabled:
        raise SignInFailed("signing in with an organisation account is not set up here")
    oauth: OAuth | None = current_app.extensions.get("learnwire.pages.oauth")
    if oauth is None:
        oauth = OAuth(current_app)
        issuer = str(own.oidc_issuer).rstrip("/")
        oauth.register(
            "idp",
            client_id=own.oidc_client_id,
            client_secret=own.oidc_client_secret.get_secret_value(),
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": own.oidc_scopes, "timeout": 10},
        )
        current_app.extensions["learnwire.pages.oauth"] = oauth
    return oauth.idp


@auth.get("/sign-in")
def sign_in_page() -> Response:
    own = _settings()
    return doors.render(
        "pages/sign_in.html",
        title="Sign in",
        oidc=own.oidc_enabled,
        oidc_label=own.oidc_label,
        reason=request.args.get("reason", ""),
    )


@auth.get("/sign-in/lti/<launch_id>")
def from_launch(launch_id: str) -> WerkzeugResponse:
    """Open the pages from a launch this browser holds: its LTI session cookie says so, or
    (in the LMS iframe, without cookies) the launch's action token from its own page."""
    tool = _lti_tool()
    with doors.runtime().db.connection() as conn:
        record = lti_launches.load(conn, launch_id[:200])
        lti_launches.require_bound(
            tool.action_secret(),
            record,
            request.args.get("launch_token"),
            known=launch_id in session.get(SESSION_LAUNCHES, []),
        )
        launch = from_lti_launch(conn, record.launch_id)
    lifetime = launch.expires_at - datetime.now(UTC)
    token = doors.sign_in(
        launch.learner_id,
        via="lti",
        claims={"lti_role": launch.lti_role},
        hours=max(lifetime, timedelta(minutes=1)).total_seconds() / 3600,
    )
    # The iframe drops our cookie; the page carries the sign-in from here on.
    response = redirect(url_for("pages.me", door=token), code=303)
    response.headers.update(doors.PAGE_HEADERS)
    return response


def _lti_tool() -> LtiTool:
    """The LTI adapter's tool, for its launch action secret (built once per app)."""
    found = current_app.extensions.get("learnwire.pages.lti")
    if found is None:
        found = LtiTool(doors.runtime())
        current_app.extensions["learnwire.pages.lti"] = found
    return found


@auth.get("/sign-in/oidc")
def oidc_start() -> WerkzeugResponse:
    client = _idp()
    return client.authorize_redirect(url_for("pages_auth.oidc_callback", _external=True))


@auth.get("/sign-in/oidc/callback")
def oidc_callback() -> WerkzeugResponse:
    client = _idp()
    if request.args.get("error"):
        raise SignInFailed(
            "the identity provider did not sign you in: "
            + request.args.get("error_description", request.args["error"])[:200]
        )
    try:
        token = client.authorize_access_token()
    except (OAuthError, LearnwireError) as exc:
        raise SignInFailed(f"the sign-in could not be completed: {_reason(exc)}") from None
    except Exception as exc:  # a bad signature, issuer, audience, nonce or expiry
        raise SignInFailed(f"the identity provider's token was refused: {_reason(exc)}") from None
    claims = dict(token.get("userinfo") or {})
    own = _settings()
    groups = claims.get(own.oidc_groups_claim) or []
    if not isinstance(groups, list):
        groups = [groups]
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        issuer = str(claims.get("iss") or own.oidc_issuer)
        learner_id = learner_for_idp(conn, runtime.intake(), issuer, claims)
    doors.sign_in(
        learner_id,
        via="oidc",
        claims={"groups": [str(g)[:200] for g in groups[:100]]},
        hours=own.session_hours,
    )
    return doors.back("pages.me")


@auth.post("/sign-out")
def sign_out() -> WerkzeugResponse:
    doors.check_csrf()
    doors.sign_out()
    response = redirect(url_for("pages_auth.sign_in_page", reason="signed-out"), code=303)
    response.headers.update(doors.PAGE_HEADERS)
    return response


def _reason(exc: Exception) -> str:
    # The exception's class and short text only: never a token or claim value.
    text = getattr(exc, "description", None) or getattr(exc, "error", None) or type(exc).__name__
    return str(text)[:160]
