"""The landing page and learner pages: what the store holds, as plain server-rendered HTML.

``GET /``                     the organisation, job profiles, catalogue and learners
``GET /?page=N&unit=ID``      another page of learners, or those of one department/team
``GET /learners/<uuid>``      one learner by pseudonymous id: role, recent activity,
                              upcoming situations, and catalogue items for the role's
                              largest required skills

Learners appear only by their pseudonymous id; no identifier a source sent is ever stored,
so none can be shown. The pages show individual learners' activity without sign-in, so they
exist only for the demo: ``learnwire demo --serve`` registers :class:`DemoPages`, which
mounts them through ``register_blueprints``; no entry point does, so ``learnwire serve``
never mounts them.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from uuid import UUID

from flask import Blueprint, render_template, request

from ... import hookimpl
from ...core.config import Settings
from ...core.errors import NotFound, ValidationFailed
from ...core.store import one
from ...core.web.current import runtime_of
from ...core.web.recommendations import service as recommendation_service
from . import overview_queries as q

overview = Blueprint("overview", __name__, template_folder="templates")


class DemoPages:
    """The plugin that mounts the overview pages (registered by ``learnwire demo --serve``)."""

    @hookimpl
    def register_blueprints(self, settings: Settings) -> list[Blueprint]:
        return [overview]


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed("page must be a whole number from 1", field="page")
    return int(raw)


@overview.get("/")
def index() -> Any:
    page = _page_number()
    unit = request.args.get("unit") or None
    with runtime_of().db.connection() as conn:
        at = q.reference_time(conn)
        data = {
            "departments": q.departments(conn),
            "profiles": q.job_profiles(conn),
            "formats": q.catalogue_by_format(conn),
            "learners": q.learners(conn, page, unit),
            "learner_total": one(conn.execute("SELECT count(*) FROM learner"))[0],
        }
    if unit and data["learners"].unit is None:
        raise NotFound(f"no department or team '{unit}'")
    return render_template("overview/index.html", at=at, **data)


@overview.get("/learners/<uuid:learner_id>")
def learner(learner_id: UUID) -> Any:
    with runtime_of().db.connection() as conn:
        at = q.reference_time(conn)
        found = q.learner(conn, learner_id, at)
        if found is None:
            raise NotFound(f"no learner {learner_id}")
        svc = recommendation_service()
        ranking, _ = svc.rank(conn, learner_id, at=at, limit=5)
        items = svc.model(conn).items
    recommended = [
        {
            "rank": r.rank,
            "title": items.titles[items.position[r.content_id]],
            "url": items.launch_urls[items.position[r.content_id]],
            "format": items.format_name(items.position[r.content_id]),
            "minutes": float(items.duration[items.position[r.content_id]]),
            "explanation": r.explanation,
            "stretch": r.stretch,
            "score": r.score,
            "signals": [c for c in r.contributions if c.contribution > 0][:4],
        }
        for r in ranking.recommendations
    ]
    return render_template("overview/learner.html", at=at, learner=found, recommended=recommended)


@overview.app_template_filter("when")
def _when(value: Any) -> str:
    """A timestamp as people read it: ``Fri 20 Nov 2026, 14:30 UTC``."""
    return value.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


@overview.app_template_filter("day")
def _day(value: Any) -> str:
    return value.astimezone(UTC).strftime("%d %b %Y")
