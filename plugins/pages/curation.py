"""``/learning-admin/curation``: where the library falls short, for L&D staff, and the two
things they do about it: work the tag review queue and put stale items up for retirement.

The figures are the catalogue plugin's curation reports (``learnwire curation``), asked of
the policy engine as a ``learning_aggregate`` for ``learning_analytics`` like the rest of
``/learning-admin``; each report reads only when the purpose may use the data categories it
rests on, and the demand and disagreement figures count at least k people. Actions go
through the same functions as the CLI (retirement proposals and decisions, tag decisions),
as POST forms with the page's CSRF token, and name the acting admin by pseudonymous id.

Built on the ``catalogue`` plugin: mounted only when it is loaded (see :mod:`.sections`).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from learnwire.core.errors import Conflict, NotFound, ValidationFailed
from learnwire.policies.access import Resource
from learnwire.policies.engine import PolicyEngine

from ..catalogue import reports, retirement, tag_store
from ..catalogue.settings import catalogue_settings
from . import doors
from .errors import html_errors, reject_nul
from .ld_data import PURPOSE
from .openapi_ops import ANY_OBJECT, op
from .sections import Hosted
from .signin import SignedIn

curation_pages = html_errors(Blueprint("pages_curation", __name__, template_folder="templates"))
curation_api = reject_nul(Blueprint("pages_curation_api", __name__, url_prefix="/api/v1"))
ROLE = "ld_admin"
REVIEW_ROWS = 50
#: Which data categories each report reads; a report is left out when the purpose may not.
NEEDS = {
    "gaps": ("hr_profile", "derived"),
    "stale": ("behavioural", "feedback"),
    "disagreements": ("behavioural", "assessment"),
}
DONE = {
    "accept": "Tag accepted.",
    "reject": "Tag rejected.",
    "add": "Tag added.",
    "propose": "Proposed for retirement.",
    "retire": "Item retired.",
    "keep": "Item kept.",
}


def _authorised(conn: Any, person: SignedIn) -> PolicyEngine:
    engine = doors.engine()
    engine.refresh(conn)
    learners = conn.execute("SELECT count(*) FROM learner").fetchone()[0]
    engine.authorize(
        conn,
        doors.subject(person, ROLE),
        "read",
        Resource("learning_aggregate", group_size=learners),
        PURPOSE,
    )
    return engine


def curation_view(person: SignedIn) -> dict[str, Any]:
    """Every report the policy lets this purpose read, and the review queue."""
    runtime = doors.runtime()
    _, threshold, flag_limit = catalogue_settings(runtime.settings).tagging()
    with runtime.db.connection() as conn:
        policy = _authorised(conn, person).policy
        allowed = {
            name: all(policy.serves(c, PURPOSE) for c in categories)
            for name, categories in NEEDS.items()
        }
        states = tag_store.tag_states(
            conn, threshold=threshold, flag_limit=flag_limit, state="review"
        )
        titles = dict(
            conn.execute(
                "SELECT id, title FROM content_item WHERE id = ANY(%s)",
                ([s.content_id for s in states[:REVIEW_ROWS]],),
            ).fetchall()
        )
        return {
            "k": policy.k,
            "withheld": sorted(name for name, ok in allowed.items() if not ok),
            "gaps": reports.gaps(conn, min_people=policy.k) if allowed["gaps"] else [],
            "stale": reports.stale(conn, reports.StaleRules()) if allowed["stale"] else [],
            "duplicates": reports.duplicates(conn),
            "disagreements": (
                reports.disagreements(conn, min_people=policy.k) if allowed["disagreements"] else []
            ),
            "proposed": [r.as_dict() for r in retirement.retirements(conn, "proposed")],
            "review_total": len(states),
            "review": [
                {
                    "content_id": str(s.content_id),
                    "title": titles.get(s.content_id, ""),
                    "skill_id": s.skill_id,
                    "origin": s.origin,
                    "confidence": None if s.confidence is None else round(s.confidence, 3),
                    "flags": s.flags,
                    "verdict": s.verdict,
                    "why": tag_store.review_reason(s, flag_limit),
                }
                for s in states[:REVIEW_ROWS]
            ],
            "skills": conn.execute("SELECT id, name FROM skill ORDER BY name").fetchall(),
        }


@curation_pages.get("/learning-admin/curation")
def curation() -> Response:
    view = curation_view(doors.require(ROLE))
    return doors.render(
        "pages/curation.html",
        title="Curation",
        view=view,
        done=DONE.get(request.args.get("done", ""), ""),
    )


@curation_api.get("/learning-admin/curation")
def curation_json() -> Any:
    view = curation_view(doors.require(ROLE))
    view["skills"] = [list(s) for s in view["skills"]]
    return jsonify(view)


def _content_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed("'content_id' is not an item id") from None


def _by(person: SignedIn) -> str:
    # Decisions keep who made them; a pseudonymous id, never a name.
    return f"ld_admin:{person.learner_id}"


@curation_pages.post("/learning-admin/curation/tags")
def decide_tag() -> WerkzeugResponse:
    person = doors.require(ROLE)
    doors.check_csrf()
    form = request.form
    decision = form.get("decision", "")
    if decision not in ("accept", "reject", "add"):
        raise ValidationFailed("'decision' must be accept, reject or add")
    skill_id = form.get("skill_id", "").strip()
    runtime = doors.runtime()
    _, threshold, flag_limit = catalogue_settings(runtime.settings).tagging()
    with runtime.db.connection() as conn, conn.transaction():
        _authorised(conn, person)
        if form.get("content_id"):
            content_id = _content_id(form["content_id"])
        else:  # the add form names the item as its provider does
            provider, external_id = form.get("provider", ""), form.get("external_id", "")
            if not provider.strip() or not external_id.strip():
                raise ValidationFailed("name the item: 'provider' and 'external_id'")
            content_id = tag_store.content_ref(conn, provider.strip(), external_id.strip())
        live = conn.execute(
            "SELECT 1 FROM content_item WHERE id = %s AND retired_at IS NULL", (content_id,)
        ).fetchone()
        if live is None:
            raise NotFound("no live item with that id")
        if conn.execute("SELECT 1 FROM skill WHERE id = %s", (skill_id,)).fetchone() is None:
            raise NotFound(f"no skill '{skill_id[:128]}' in the skills framework")
        tag_store.decide(conn, content_id, skill_id, decision, by=_by(person))
        tag_store.materialise(
            conn, threshold=threshold, flag_limit=flag_limit, content_ids=[content_id]
        )
    return doors.back("pages_curation.curation", done=decision, _anchor="review")


@curation_pages.post("/learning-admin/curation/retirement")
def retirement_action() -> WerkzeugResponse:
    """Propose a stale item (with the evidence the report holds for it now, never what the
    form says), or retire or keep a proposed one."""
    person = doors.require(ROLE)
    doors.check_csrf()
    action = request.form.get("action", "")
    if action not in ("propose", "retire", "keep"):
        raise ValidationFailed("'action' must be propose, retire or keep")
    content_id = _content_id(request.form.get("content_id", ""))
    with doors.runtime().db.connection() as conn, conn.transaction():
        policy = _authorised(conn, person).policy
        if action != "propose":
            retirement.decide(conn, content_id, retire=action == "retire", by=_by(person))
        else:
            if not all(policy.serves(c, PURPOSE) for c in NEEDS["stale"]):
                raise Conflict("the policy withholds the evidence a proposal needs")
            found = [
                r
                for r in reports.stale(conn, reports.StaleRules())
                if r["content_id"] == str(content_id)
            ]
            if not found:
                raise Conflict("the item is not (or no longer) in the stale report")
            retirement.propose(
                conn,
                content_id,
                reason="; ".join(found[0]["reasons"]),
                by=_by(person),
                evidence=found[0]["evidence"],
            )
    return doors.back("pages_curation.curation", done=action, _anchor="stale")


HOSTED = Hosted(
    blueprints=(curation_pages, curation_api),
    paths={
        "/api/v1/learning-admin/curation": {
            "get": op("Curation reports and the tag review queue", ANY_OBJECT)
        },
    },
)
