"""Demo-only sign-in: be any sample person in any role, or open the learner page as if the LMS
had launched it, so a newcomer sees every page in a minute.

Mounted only by :class:`DemoDoors`, a plugin ``learnwire demo --serve`` (``make demo``)
registers for its own server, as it does the overview pages; no entry point does, so
``learnwire serve`` never mounts it. Every request checks again that the plugin is
registered, so a ``demo_blueprint()`` mounted anywhere else answers 404. A demo sign-in
carries the claims the policy's own ``sign_in`` rules look for (the identity provider group a
role is given by), so what each role sees is still decided by the policy.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response, abort, request, url_for
from markupsafe import escape
from werkzeug.wrappers import Response as WerkzeugResponse

from learnwire import hookimpl
from learnwire.core.config import Settings
from learnwire.core.errors import ValidationFailed

from . import doors

ROLES = ("learner", "manager", "ld_admin", "compliance_officer")
#: The name ``learnwire demo --serve`` registers :class:`DemoDoors` under.
PLUGIN_NAME = "demo-doors"
SAMPLE = 12


class DemoDoors:
    """The plugin that mounts the demo sign-in (registered by ``learnwire demo --serve``)."""

    @hookimpl
    def register_blueprints(self, settings: Settings) -> list[Blueprint]:
        return [demo_blueprint()]


def demo_blueprint() -> Blueprint:
    bp = Blueprint("pages_demo", __name__, url_prefix="/demo")

    @bp.before_request
    def _demo_only() -> None:
        if doors.runtime().pm.get_plugin(PLUGIN_NAME) is None:
            abort(404)

    @bp.get("/sign-in")
    def chooser() -> WerkzeugResponse:
        people = _people()
        return doors.render(
            "pages/demo_sign_in.html", title="Demo: sign in as anyone", people=people
        )

    @bp.post("/sign-in")
    def sign_in() -> WerkzeugResponse:
        role = request.form.get("role", "")
        if role not in ROLES:
            raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
        try:
            learner = UUID(request.form.get("learner", ""))
        except ValueError:
            raise ValidationFailed("choose a person from the list", field="learner") from None
        claims: dict[str, Any] = {"demo": True, "groups": _groups_for(role)}
        doors.sign_in(learner, via="demo", claims=claims, hours=8)
        target = {
            "learner": "pages.me",
            "manager": "pages_team.team",
            "ld_admin": "pages_ld.learning_admin",
            "compliance_officer": "pages_compliance.compliance",
        }[role]
        return doors.back(target)

    @bp.get("/lms")
    def simulated_lms() -> WerkzeugResponse:
        """A course page with learnwire in an iframe, signed in as an LTI launch would."""
        try:
            learner = UUID(request.args.get("learner", ""))
        except ValueError:
            raise ValidationFailed("choose a person from the list", field="learner") from None
        token = doors.sign_in(learner, via="lti", claims={"lti_role": "learner"}, hours=2)
        src = escape(url_for("pages.me", door=token))
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo course'
            "</title></head><body><main><h1>Demo course (a simulated LMS)</h1>"
            "<p>learnwire below runs in an iframe, as it would in Moodle or Canvas.</p>"
            f'<iframe title="learnwire" src="{src}" style="width:100%;height:1400px;'
            'border:1px solid #ccc"></iframe></main></body></html>'
        )
        return Response(page, mimetype="text/html", headers=doors.PAGE_HEADERS)

    return bp


def _groups_for(role: str) -> list[str]:
    """The identity-provider groups the policy's sign-in rules give ``role`` by."""
    for rule in doors.engine().policy.sign_in.rules:
        if rule.role == role and rule.idp_groups:
            return [rule.idp_groups[0]]
    return []


def _people() -> dict[str, list[tuple[str, str]]]:
    """A few sample people per role: managers are the people HR lists as managing a team."""
    with doors.runtime().db.connection() as conn:
        managers = conn.execute(
            "SELECT DISTINCT ON (m.learner_id) m.learner_id, coalesce(u.name, m.unit_external_id)"
            " FROM team_membership m LEFT JOIN org_unit u ON u.source = m.source "
            "AND u.external_id = m.unit_external_id WHERE m.is_manager ORDER BY m.learner_id "
            "LIMIT %s",
            (SAMPLE,),
        ).fetchall()
        learners = conn.execute(
            "SELECT l.id, coalesce(p.name, 'no role') FROM learner l "
            "LEFT JOIN hr_fact f ON f.learner_id = l.id AND f.fact_type = 'job_profile' "
            "LEFT JOIN job_profile p ON p.id = coalesce(f.value ->> 'id', f.value #>> '{}') "
            "ORDER BY l.id LIMIT %s",
            (SAMPLE,),
        ).fetchall()
    as_learner = [(str(i), f"a {label}") for i, label in learners]
    return {
        "learner": as_learner,
        "manager": [(str(i), f"manager of {team}") for i, team in managers],
        "ld_admin": as_learner[:3],
        "compliance_officer": as_learner[3:6],
    }
