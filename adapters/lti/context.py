"""What a validated launch says, in learnwire's terms: who, where, as what, for which item."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from ...core.models import IdentityKind, IdentityRef, PersonRecord
from .checks import DEEP_LINKING_REQUEST, LTI, MESSAGE_TYPE
from .roles import LearnwireRole, learnwire_role

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SOURCE = "lti"
#: The custom parameter deep-linked resource links carry to name their content item.
CONTENT_PARAM = "learnwire_content_id"


def lti_identity(issuer: str, subject: str) -> IdentityRef:
    return IdentityRef(kind=IdentityKind.LTI.value, namespace=issuer, value=subject)


def person_record(
    issuer: str, subject: str, email: str | None, locale: str | None = None
) -> PersonRecord:
    """The identifiers one LTI user brings: ``iss``+``sub``, and the e-mail when sent."""
    identifiers = [lti_identity(issuer, subject)]
    if email and "@" in email:
        identifiers.append(IdentityRef(kind=IdentityKind.EMAIL.value, value=email))
    return PersonRecord(source=SOURCE, identifiers=identifiers, locale=locale)


@dataclass(frozen=True)
class LaunchContext:
    """A validated launch. ``display_name`` is shown on the page and never stored."""

    launch_id: str
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    subject: str
    email: str | None
    display_name: str | None
    locale: str | None
    role: LearnwireRole
    context_id: str | None
    context_title: str | None
    resource_link_id: str | None
    content_id: uuid.UUID | None
    has_ags: bool
    has_nrps: bool
    binding: str
    storage_target: str | None
    state: str
    nonce: str
    roles: list[str] = field(default_factory=list)

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == DEEP_LINKING_REQUEST

    def person(self) -> PersonRecord:
        return person_record(self.issuer, self.subject, self.email, self.locale)

    @classmethod
    def from_claims(
        cls,
        claims: dict[str, Any],
        *,
        launch_id: str,
        client_id: str,
        binding: str,
        storage_target: str | None,
        state: str,
    ) -> LaunchContext:
        context = _mapping(claims.get(LTI + "context"))
        resource_link = _mapping(claims.get(LTI + "resource_link"))
        custom = _mapping(claims.get(LTI + "custom"))
        presentation = _mapping(claims.get(LTI + "launch_presentation"))
        name = claims.get("name") or " ".join(
            p for p in (claims.get("given_name"), claims.get("family_name")) if isinstance(p, str)
        )
        roles = [r for r in claims.get(LTI + "roles", []) if isinstance(r, str)]
        return cls(
            launch_id=launch_id,
            issuer=claims["iss"],
            client_id=client_id,
            deployment_id=str(claims[LTI + "deployment_id"]),
            message_type=claims[MESSAGE_TYPE],
            subject=str(claims["sub"]),
            email=_text(claims.get("email")),
            display_name=_text(name),
            locale=_text(presentation.get("locale")),
            role=learnwire_role(roles),
            context_id=_text(context.get("id")),
            context_title=_text(context.get("title") or context.get("label")),
            resource_link_id=_text(resource_link.get("id")),
            content_id=_uuid(custom.get(CONTENT_PARAM)),
            has_ags=bool(claims.get(AGS)),
            has_nrps=bool(_mapping(claims.get(NRPS)).get("context_memberships_url")),
            binding=binding,
            storage_target=storage_target,
            state=state,
            nonce=str(claims["nonce"]),
            roles=roles,
        )


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def _mapping(value: Any) -> dict[str, Any]:
    """An optional object claim; anything that is not an object counts as absent."""
    return value if isinstance(value, dict) else {}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
