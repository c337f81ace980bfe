"""Claim checks pylti1p3 leaves to the tool, as small validators with clear reasons.

pylti1p3 verifies the signature, registration, deployment and message shape; these add what
the LTI Security Framework also requires (RS256 only, ``azp`` with several audiences, a
bounded token age) and turn missing or wrong claims into reasons an admin can act on. None
of them touches the signature: that stays with PyJWT.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import jwt

from .errors import LaunchRejected

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
SUPPORTED_MESSAGES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512")

Claims = Mapping[str, Any]


def check_header(header: Mapping[str, Any]) -> None:
    """Only RSA signatures: ``none`` would skip verification and HS256 would let anyone who
    knows our *public* key forge a token (algorithm confusion)."""
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise LaunchRejected(
            "algorithm_not_allowed",
            f"The id_token is signed with alg '{alg}'; LTI 1.3 requires an RSA signature "
            f"({', '.join(ALLOWED_ALGORITHMS)}).",
        )
    if not header.get("kid"):
        raise LaunchRejected(
            "missing_kid", "The id_token header has no 'kid', so its signing key cannot be found."
        )


_SURROGATES = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> bool:
    """No NUL and no lone surrogate: text PostgreSQL (and UTF-8) can hold."""
    return _SURROGATES.search(value) is None


def text_problem(value: str) -> str | None:
    """What makes ``value`` unstorable, in words; None when it is clean."""
    found = _SURROGATES.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "contains a NUL character (U+0000)"
    return f"contains a lone surrogate (U+{ord(char):04X}), which is not valid Unicode text"


def check_clean_text(body: Claims) -> None:
    """Refuse a token whose claims (names or values, at any depth) hold NUL characters or
    lone surrogates: no LMS sends them and nothing can store them, so they are an attack or
    a broken platform, to be answered with a 400 naming the claim, not a server error."""
    # Depth first, in document order, so the first offending claim is the one named.
    stack: list[tuple[str, Any]] = list(reversed(list(body.items())))
    while stack:
        path, value = stack.pop()
        problem = text_problem(path)
        if problem is None and isinstance(value, str):
            problem = text_problem(value)
        if problem is not None:
            shown = path.encode("unicode_escape").decode("ascii")
            raise LaunchRejected(
                "invalid_claim", f"The id_token claim '{shown[:200]}' {problem}.", status=400
            )
        if isinstance(value, dict):
            stack.extend(reversed([(f"{path}.{k}", v) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{path}[{i}]", v) for i, v in enumerate(value)]))


def claimed_platform(id_token: str | None) -> tuple[str, str, str] | None:
    """``(issuer, client_id, kid)`` as an id_token claims them, *unverified*: only to know
    whose key set to look up before verifying. None for anything that is not a JWT naming
    them as clean text (validation then refuses it with the precise reason)."""
    try:
        header = jwt.get_unverified_header(id_token or "")
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            return None  # refused unverified anyway: no reason to fetch anything for it
        body = jwt.decode(id_token or "", options={"verify_signature": False})
        issuer, kid = body["iss"], header["kid"]
        client_id = client_id_of(body)
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, LaunchRejected):
        return None
    named = (issuer, client_id, kid)
    if not all(isinstance(v, str) and v and clean_text(v) for v in named):
        return None
    return named


def client_id_of(body: Claims) -> str:
    """The client id the token was issued to, from ``aud`` and ``azp``.

    With several audiences the platform must say which one is authorised (``azp``); when
    ``azp`` is present it must be one of the audiences.
    """
    aud = body.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud or [])
    if not audiences or not all(isinstance(a, str) and a for a in audiences):
        raise LaunchRejected(
            "missing_claim", "The id_token has no audience ('aud') claim.", status=400
        )
    azp = body.get("azp")
    if azp is not None:
        if azp not in audiences:
            raise LaunchRejected(
                "azp_mismatch",
                f"The id_token's authorised party (azp '{azp}') is not among its audiences "
                f"({', '.join(audiences)}).",
                status=403,
            )
        return str(azp)
    if len(audiences) > 1:
        raise LaunchRejected(
            "azp_missing",
            "The id_token has several audiences but no 'azp' naming the one it is for.",
            status=403,
        )
    return audiences[0]


class ClaimCheck(ABC):
    """One rule about a verified id_token body."""

    def can_validate(self, body: Claims) -> bool:
        return True

    @abstractmethod
    def validate(self, body: Claims) -> None:
        """Raise :class:`LaunchRejected` when the body breaks the rule."""


def _missing(name: str) -> LaunchRejected:
    return LaunchRejected(
        "missing_claim", f"The id_token lacks the required claim '{name}'.", status=400
    )


class MessageTypeCheck(ClaimCheck):
    def validate(self, body: Claims) -> None:
        message_type = body.get(MESSAGE_TYPE)
        if message_type is None:
            raise _missing(MESSAGE_TYPE)
        if message_type not in SUPPORTED_MESSAGES:
            raise LaunchRejected(
                "wrong_message_type",
                f"Message type '{message_type}' is not one this tool accepts "
                f"({', '.join(SUPPORTED_MESSAGES)}).",
                status=400,
            )


class VersionCheck(ClaimCheck):
    def validate(self, body: Claims) -> None:
        version = body.get(VERSION)
        if version is None:
            raise _missing(VERSION)
        if version != "1.3.0":
            raise LaunchRejected(
                "wrong_version",
                f"LTI version '{version}' is not supported; this tool speaks LTI 1.3.0.",
                status=400,
            )


class RequiredClaimsCheck(ClaimCheck):
    """Claims every launch needs, then the ones its message type needs."""

    COMMON: Sequence[str] = ("iss", "sub", "nonce", LTI + "deployment_id", LTI + "roles")

    def validate(self, body: Claims) -> None:
        for name in self.COMMON:
            value = body.get(name)
            if value is None or value == "":
                raise _missing(name)
        if not isinstance(body.get(LTI + "roles"), list):
            raise LaunchRejected(
                "invalid_claim", f"The claim '{LTI}roles' must be a list of role URIs.", status=400
            )
        for name in (LTI + "context", LTI + "resource_link", LTI + "custom", DEEP_LINKING_SETTINGS):
            if name in body and not isinstance(body[name], dict):
                raise LaunchRejected(
                    "invalid_claim", f"The claim '{name}' must be a JSON object.", status=400
                )
        if body.get(MESSAGE_TYPE) == RESOURCE_LINK_REQUEST:
            if not body.get(LTI + "target_link_uri"):
                raise _missing(LTI + "target_link_uri")
            if not (body.get(LTI + "resource_link") or {}).get("id"):
                raise _missing(LTI + "resource_link.id")
        if body.get(MESSAGE_TYPE) == DEEP_LINKING_REQUEST:
            settings = body.get(DEEP_LINKING_SETTINGS) or {}
            return_url = settings.get("deep_link_return_url")
            if not isinstance(return_url, str) or not return_url:
                raise _missing(DEEP_LINKING_SETTINGS + ".deep_link_return_url")
            if "ltiResourceLink" not in (settings.get("accept_types") or []):
                raise LaunchRejected(
                    "invalid_claim",
                    "The deep linking request does not accept 'ltiResourceLink' items, the only "
                    "kind this tool returns.",
                    status=400,
                )


class TokenAgeCheck(ClaimCheck):
    """PyJWT refuses expired and future tokens; this refuses ones issued too long ago."""

    def __init__(self, max_age_seconds: int, leeway_seconds: int) -> None:
        self.max_age = max_age_seconds
        self.leeway = leeway_seconds

    def validate(self, body: Claims) -> None:
        age = time.time() - float(body["iat"])
        if age > self.max_age + self.leeway:
            raise LaunchRejected(
                "token_too_old",
                f"The id_token was issued {int(age)} s ago; this tool accepts tokens up to "
                f"{self.max_age} s old. Check the LMS server's clock.",
            )


def claim_checks(max_age_seconds: int, leeway_seconds: int) -> list[ClaimCheck]:
    return [
        MessageTypeCheck(),
        VersionCheck(),
        RequiredClaimsCheck(),
        TokenAgeCheck(max_age_seconds, leeway_seconds),
    ]
