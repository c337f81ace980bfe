"""A fake LTI 1.3 platform (the LMS) served on loopback for the LTI tests.

It speaks the wire formats Moodle and Canvas use: OIDC authentication, JWKS, OAuth2
client-credentials with a JWT client assertion, AGS line items and scores, NRPS with Link
paging, the deep-linking return, and openid-configuration plus dynamic registration. It
checks every request it receives; what it refuses is appended to ``problems`` and answered
with HTTP 400, and tests assert that ``problems`` stays empty.
"""

from __future__ import annotations

import html
import threading
import time
import uuid
from datetime import datetime
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, request
from jwcrypto.jwk import JWK
from werkzeug.serving import make_server

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
AGS_SCOPES = [SCOPE + s for s in ("lineitem", "lineitem.readonly", "result.readonly", "score")]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def rsa_key() -> tuple[str, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, JWK.from_pem(pem.encode()).export_public(as_dict=True)


class Refused(Exception):
    """The platform refuses a request the tool should never have sent."""


class Served:
    """A WSGI app on a loopback port, in a background thread."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


class FakePlatform:
    client_id = "learnwire-client-7"
    deployment_id = "deployment-1"

    def __init__(self) -> None:
        self.pem, public = rsa_key()
        self.kid = "platform-key-1"
        self.jwk = {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}
        self.other_pem, _ = rsa_key()
        self.problems: list[str] = []
        self.jwks_fetches = 0
        # A platform configured with a pasted tool public key instead of the tool's JWKS URL.
        self.pasted_tool_kid: str | None = None
        # Client ids handed out by successive dynamic registrations (default: client_id).
        self.issued_client_ids: list[str] = []
        self.tokens: dict[str, set[str]] = {}
        self.assertion_ids: set[str] = set()
        self.granted_scopes = set(AGS_SCOPES) | {NRPS_SCOPE}
        self.line_items: dict[str, dict[str, Any]] = {}
        self.scores: list[dict[str, Any]] = []
        self.deep_links: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []
        self.page_size = 2
        self.registration_token = "Reg-Token-" + uuid.uuid4().hex
        self.registrations: list[dict[str, Any]] = []
        self.config_overrides: dict[str, Any] = {}
        self.launches: dict[str, dict[str, Any]] = {}  # lti_message_hint -> claims to add
        self.tool_jwks_url = ""
        self.tool_launch_url = ""
        self.served = Served(self._app())
        self.issuer = self.served.url

    def url(self, path: str) -> str:
        return self.issuer + path

    # -- tokens tests sign -------------------------------------------------------------

    def claims(
        self,
        nonce: str,
        /,
        *,
        message_type: str = "LtiResourceLinkRequest",
        sub: str = "user-1",
        roles: list[str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Ada Lovelace",
            "email": f"{sub}@example.org",
            LTI + "deployment_id": self.deployment_id,
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "roles": roles if roles is not None else [ROLE + "Learner"],
            LTI + "target_link_uri": self.tool_launch_url,
            LTI + "context": {"id": "course-42", "title": "Leading teams"},
        }
        if message_type == "LtiResourceLinkRequest":
            body[LTI + "resource_link"] = {"id": "rl-1", "title": "learnwire"}
        else:
            body[DL + "deep_linking_settings"] = {
                "deep_link_return_url": self.url("/deep-link-return"),
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "data": "opaque-dl-data",
            }
        body.update(extra)
        return {k: v for k, v in body.items() if v is not None}

    def id_token(
        self,
        claims: dict[str, Any],
        *,
        pem: str | None = None,
        kid: str | None = None,
        alg: str = "RS256",
        key: Any = None,
    ) -> str:
        headers = {"kid": kid or self.kid}
        if alg == "none":
            return jwt.encode(claims, None, algorithm="none", headers=headers)
        return jwt.encode(claims, key or pem or self.pem, algorithm=alg, headers=headers)

    def ags_claim(self, *, lineitem: str | None = None) -> dict[str, Any]:
        claim: dict[str, Any] = {
            "scope": AGS_SCOPES,
            "lineitems": self.url("/courses/42/lineitems"),
        }
        if lineitem:
            claim["lineitem"] = lineitem
        return claim

    def nrps_claim(self) -> dict[str, Any]:
        url = self.url("/courses/42/memberships")
        return {"context_memberships_url": url, "service_versions": ["2.0"]}

    def check(self, condition: Any, problem: str) -> None:
        if not condition:
            self.problems.append(problem)
            raise Refused(problem)

    # -- checks on what the tool sends ---------------------------------------------------

    def _tool_claims(self, token: str, *, audience: str) -> dict[str, Any]:
        """Verify a JWT the tool signed, with the tool's published JWKS."""
        header = jwt.get_unverified_header(token)
        self.check(header.get("alg") == "RS256", f"tool JWT alg {header.get('alg')}")
        self.check(header.get("kid"), "tool JWT has no kid")
        keyset = requests.get(self.tool_jwks_url, timeout=10).json()
        match = [k for k in keyset["keys"] if k.get("kid") == header["kid"]]
        self.check(match, f"tool kid {header['kid']} not in its JWKS")
        try:
            return jwt.decode(
                token,
                jwt.PyJWK(match[0]).key,
                algorithms=["RS256"],
                audience=audience,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.InvalidTokenError as exc:
            self.check(False, f"tool JWT invalid: {exc}")
            raise

    def _bearer(self, scope: str) -> None:
        auth = request.headers.get("Authorization", "")
        self.check(auth.startswith("Bearer "), "no bearer token")
        scopes = self.tokens.get(auth.removeprefix("Bearer "))
        self.check(scopes is not None, "unknown access token")
        self.check(scope in scopes, f"token lacks scope {scope}")

    # -- endpoints ---------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask("fake-platform")
        app.register_error_handler(Refused, lambda e: (jsonify(error=str(e)), 400))
        app.add_url_rule("/jwks", view_func=self._jwks)
        app.add_url_rule("/auth", view_func=self._auth)
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        app.add_url_rule(
            "/courses/42/lineitems", view_func=self._lineitems, methods=["GET", "POST"]
        )
        app.add_url_rule(
            "/courses/42/lineitems/<item>/scores", view_func=self._score, methods=["POST"]
        )
        app.add_url_rule("/courses/42/memberships", view_func=self._memberships)
        app.add_url_rule("/deep-link-return", view_func=self._deep_link_return, methods=["POST"])
        app.add_url_rule("/.well-known/openid-configuration", view_func=self._openid)
        app.add_url_rule("/register", view_func=self._register, methods=["POST"])
        return app

    def _jwks(self) -> Any:
        self.jwks_fetches += 1
        return jsonify({"keys": [self.jwk]})

    def _auth(self) -> Response:
        """OIDC authentication request -> an auto-posting form with the id_token."""
        q = request.args
        for name, value in (
            ("scope", "openid"),
            ("response_type", "id_token"),
            ("response_mode", "form_post"),
            ("prompt", "none"),
        ):
            self.check(q.get(name) == value, f"auth {name}={q.get(name)}")
        self.check(q.get("client_id") == self.client_id, "auth client_id")
        self.check(q.get("redirect_uri") == self.tool_launch_url, "auth redirect_uri")
        self.check(q.get("state") and q.get("nonce"), "auth without state or nonce")
        hint = q.get("lti_message_hint", "")
        self.check(hint in self.launches, f"unknown lti_message_hint {hint}")
        spec = dict(self.launches[hint])
        self.check(q.get("login_hint") == spec.get("sub", "user-1"), "auth login_hint")
        token = self.id_token(self.claims(q["nonce"], **spec))
        fields = {"id_token": token, "state": q["state"]}
        inputs = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items()
        )
        # Like a real platform, the form posts itself (a browser runs the script).
        return Response(
            f'<form method="post" action="{html.escape(q["redirect_uri"])}">{inputs}</form>'
            "<script>document.forms[0].submit();</script>",
            mimetype="text/html",
        )

    def _token(self) -> Any:
        f = request.form
        if self.pasted_tool_kid is not None:
            kid = jwt.get_unverified_header(f.get("client_assertion", "")).get("kid")
            if kid != self.pasted_tool_kid:
                # What Moodle answers when the pasted key does not verify the assertion.
                return Response(
                    "<html><body><h1>Error</h1><p>Exception - pasted key mismatch at "
                    "/var/www/moodle/mod/lti/token.php</p></body></html>",
                    status=500,
                    mimetype="text/html",
                )
        self.check(f.get("grant_type") == "client_credentials", "grant_type")
        self.check(f.get("client_assertion_type") == ASSERTION_TYPE, "client_assertion_type")
        claims = self._tool_claims(f.get("client_assertion", ""), audience=self.url("/token"))
        self.check(claims["iss"] == claims.get("sub") == self.client_id, "assertion iss/sub")
        self.check(claims.get("jti") and claims["jti"] not in self.assertion_ids, "assertion jti")
        self.assertion_ids.add(claims["jti"])
        scopes = set(f.get("scope", "").split())
        self.check(scopes and scopes <= self.granted_scopes, f"scopes {scopes}")
        token = uuid.uuid4().hex
        self.tokens[token] = scopes
        return jsonify(
            access_token=token, token_type="bearer", expires_in=3600, scope=" ".join(scopes)
        )

    def _lineitems(self) -> Any:
        if request.method == "GET":
            self._bearer(SCOPE + "lineitem.readonly")
            return jsonify(list(self.line_items.values()))
        self._bearer(SCOPE + "lineitem")
        self.check(
            request.content_type == "application/vnd.ims.lis.v2.lineitem+json",
            f"line item content type {request.content_type}",
        )
        item = request.get_json(force=True)
        self.check(item.get("scoreMaximum", 0) > 0 and item.get("label"), f"line item {item}")
        return jsonify(self.add_line_item(item)), 201

    def add_line_item(self, item: dict[str, Any]) -> dict[str, Any]:
        item_id = self.url(f"/courses/42/lineitems/{len(self.line_items) + 1}")
        self.line_items[item_id] = {**item, "id": item_id}
        return self.line_items[item_id]

    def _score(self, item: str) -> Any:
        self._bearer(SCOPE + "score")
        self.check(
            request.content_type == "application/vnd.ims.lis.v1.score+json",
            f"score content type {request.content_type}",
        )
        line_item = self.line_items.get(self.url(f"/courses/42/lineitems/{item}"))
        self.check(line_item is not None, f"score for unknown line item {item}")
        score = request.get_json(force=True)
        self.check(score.get("userId"), "score without userId")
        progress = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
        self.check(score.get("activityProgress") in progress, "activityProgress")
        grading = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
        self.check(score.get("gradingProgress") in grading, "gradingProgress")
        stamp = datetime.fromisoformat(score.get("timestamp", ""))
        self.check(stamp.tzinfo is not None, "score timestamp without time zone")
        if "scoreGiven" in score:
            self.check(0 <= score["scoreGiven"] <= score.get("scoreMaximum", -1), "score range")
        self.scores.append({**score, "lineitem": line_item["id"]})
        return Response(status=204)

    def _memberships(self) -> Any:
        self._bearer(NRPS_SCOPE)
        accept = request.headers.get("Accept", "")
        self.check("application/vnd.ims.lti-nrps.v2.membershipcontainer+json" in accept, "accept")
        page = int(request.args.get("Page", "1"))
        start = (page - 1) * self.page_size
        body = {
            "id": request.url,
            "context": {"id": "course-42", "title": "Leading teams"},
            "members": self.members[start : start + self.page_size],
        }
        response = jsonify(body)
        response.mimetype = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
        if start + self.page_size < len(self.members):
            # Upper-case query keys: paging links must be followed exactly as given.
            nxt = self.url(f"/courses/42/memberships?Page={page + 1}&Token=AbC")
            response.headers["Link"] = f'<{nxt}>; rel="next"'
        return response

    def _deep_link_return(self) -> Any:
        claims = self._tool_claims(request.form.get("JWT", ""), audience=self.issuer)
        self.check(claims["iss"] == self.client_id, "deep link iss")
        self.check(claims.get(LTI + "message_type") == "LtiDeepLinkingResponse", "message type")
        self.check(claims.get(LTI + "version") == "1.3.0", "version")
        self.check(claims.get(LTI + "deployment_id") == self.deployment_id, "deployment")
        self.check(claims.get("nonce"), "deep link nonce")
        self.check(claims.get(DL + "data") == "opaque-dl-data", "data not echoed")
        items = claims.get(DL + "content_items") or []
        self.check(items, "no content items")
        for item in items:
            self.check(item.get("type") == "ltiResourceLink", f"item type {item.get('type')}")
            self.check(item.get("url") == self.tool_launch_url, f"item url {item.get('url')}")
            if "lineItem" in item:
                line = {
                    "label": item["title"],
                    **item["lineItem"],
                    "resourceLinkId": f"rl-{len(self.deep_links) + 1}",
                }
                item["created_lineitem"] = self.add_line_item(line)["id"]
            self.deep_links.append(item)
        return Response("<p>Content added.</p>", mimetype="text/html")

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.url("/auth"),
            "token_endpoint": self.url("/token"),
            "jwks_uri": self.url("/jwks"),
            "registration_endpoint": self.url("/register"),
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", *AGS_SCOPES, NRPS_SCOPE],
            "response_types_supported": ["id_token"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "version": "4.4",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
            },
        }

    def _openid(self) -> Any:
        expected = f"Bearer {self.registration_token}"
        self.check(request.headers.get("Authorization") == expected, "openid config token")
        return jsonify({**self.openid_configuration(), **self.config_overrides})

    def _register(self) -> Any:
        expected = f"Bearer {self.registration_token}"
        self.check(request.headers.get("Authorization") == expected, "registration token")
        body = request.get_json(force=True)
        for name in ("initiate_login_uri", "redirect_uris", "jwks_uri", "client_name"):
            self.check(body.get(name), f"registration without {name}")
        self.check(body.get("token_endpoint_auth_method") == "private_key_jwt", "auth method")
        self.check(set(body.get("grant_types", [])) >= {"implicit", "client_credentials"}, "grants")
        config = body.get("https://purl.imsglobal.org/spec/lti-tool-configuration") or {}
        self.check(config.get("target_link_uri") and config.get("domain"), "tool configuration")
        self.registrations.append(body)
        issued = self.issued_client_ids.pop(0) if self.issued_client_ids else self.client_id
        answer = {**body, "client_id": issued}
        answer["https://purl.imsglobal.org/spec/lti-tool-configuration"] = {
            **config,
            "deployment_id": self.deployment_id,
        }
        return jsonify(answer)
