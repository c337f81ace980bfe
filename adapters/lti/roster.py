"""Names and Role Provisioning: a course roster into learner identities.

Works inside a launch (the instructor's NRPS claim) or outside any user session with a
service token (``learnwire lti roster pull``). Every active member becomes a PersonRecord
(``lti`` identity ``issuer``+``user_id``, plus the e-mail when the platform shares it)
through intake, and a course membership with the member's learnwire role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService

from ...core.intake import Intake
from .context import person_record
from .errors import LtiError, PlatformUnavailable, RegistrationFailed
from .launches import end_memberships_except, resolve_learners, upsert_memberships
from .roles import learnwire_role
from .services import TimeoutSession, ToolServiceConnector, describe_answer
from .tool_conf import PostgresToolConf

Conn = psycopg.Connection[Any]

#: Safety stop for a platform whose paging never ends.
MAX_PAGES = 1000


@dataclass
class RosterReport:
    issuer: str
    context_id: str | None = None
    members: int = 0
    active: int = 0
    skipped_inactive: int = 0
    learners_created: int = 0
    memberships: int = 0
    memberships_ended: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def pull(
    conn: Conn, intake: Intake, nrps: NamesRolesProvisioningService, issuer: str, url: str
) -> RosterReport:
    """Read every page of the membership container at ``url`` and take in its members.

    The roster is the LMS's word on who is in the course: once every page was read,
    memberships of people it no longer lists as active (set Inactive, or removed) end.
    """
    report = RosterReport(issuer=issuer)
    people: dict[str, tuple[Any, list[str]]] = {}
    next_url: str | None = url
    try:
        for _ in range(MAX_PAGES):
            if not next_url:
                break
            page = nrps.get_nrps_data(next_url)
            body = page.get("body") or {}
            if not isinstance(body, dict) or not isinstance(body.get("members"), list):
                raise PlatformUnavailable(f"{next_url} did not return an NRPS membership container")
            report.context_id = report.context_id or (body.get("context") or {}).get("id")
            for member in body["members"]:
                report.members += 1
                user_id = member.get("user_id")
                if not user_id or member.get("status", "Active") != "Active":
                    report.skipped_inactive += 1
                    continue
                person = person_record(issuer, str(user_id), member.get("email"))
                people[str(user_id)] = (person, list(member.get("roles") or []))
            next_url = page.get("next_page_url")
        if next_url:
            raise PlatformUnavailable(
                f"The roster at {url} has more than {MAX_PAGES} pages; it was not taken in."
            )
    except LtiServiceException as exc:
        raise PlatformUnavailable(
            f"The LMS refused the roster call: {describe_answer(exc.response)}"
        ) from exc
    except LtiException as exc:
        raise LtiError(f"The roster could not be read: {exc}.") from exc
    report.active = len(people)
    ids, intake_report = resolve_learners(
        conn, intake, issuer, [(sub, person) for sub, (person, _) in people.items()]
    )
    report.learners_created = intake_report["learners_created"]
    report.conflicts = intake_report["conflicts"]
    if report.context_id:
        rows = [
            (learner_id, issuer, report.context_id, learnwire_role(roles))
            for learner_id, (_, roles) in zip(ids, people.values(), strict=True)
        ]
        report.memberships = upsert_memberships(conn, rows)
        report.memberships_ended = end_memberships_except(conn, issuer, report.context_id, ids)
    return report


def pull_with_service_token(
    conn: Conn,
    intake: Intake,
    *,
    issuer: str,
    client_id: str | None,
    context_memberships_url: str,
    timeout: float,
) -> RosterReport:
    """Pull a roster with no user session: the tool authenticates with its own key."""
    registration = PostgresToolConf(conn).find_registration_by_params(issuer, client_id)
    if registration is None:
        raise RegistrationFailed(
            f"no single registration for issuer '{issuer}'"
            + (f" and client id '{client_id}'" if client_id else " (pass --client-id)")
        )
    if not registration.get_tool_private_key():
        raise RegistrationFailed("the tool has no signing key; run `learnwire lti keys rotate`")
    connector = ToolServiceConnector(registration, TimeoutSession(timeout))
    nrps = NamesRolesProvisioningService(
        connector, {"context_memberships_url": context_memberships_url}
    )
    return pull(conn, intake, nrps, issuer, context_memberships_url)
