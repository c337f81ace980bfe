"""``/me``: the learner's own page, and the same data under ``/api/v1/me``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response as WerkzeugResponse

from learnwire.core.errors import ValidationFailed
from learnwire.core.learner import feedback
from learnwire.core.web.recommendations import service
from learnwire.policies import consent

from . import charts, compliance_data, doors, me_delivery
from .errors import html_errors, reject_nul
from .learner import MeView, me_view
from .signin import SignedIn

pages = html_errors(Blueprint("pages", __name__, template_folder="templates"))
api = reject_nul(Blueprint("pages_api", __name__, url_prefix="/api/v1"))
ROLE = "learner"


def _view(person: SignedIn) -> MeView:
    return me_view(service(), person.learner_id, at=datetime.now(UTC), policy=doors.engine().policy)


@pages.get("/me")
def me() -> WerkzeugResponse:
    person = doors.require(ROLE)
    view = _view(person)
    chart = charts.levels(
        [
            charts.LevelRow(s.name, s.level, s.low, s.high, s.target, s.goal)
            for s in view.skills[:16]
        ],
        title="My skills against my role's targets",
        description="Bars: the model's estimate of your level; whiskers: the range it is "
        "90% sure of; dark ticks: your role's target; a star marks a goal. The table below "
        "gives the same numbers.",
    )
    flash = {
        "rated": "Thanks — your rating will shape what comes next.",
        "priorities": "Your priorities are saved; the next recommendations follow them.",
        "opted": "Your choice is saved and applies from now on.",
        "asked": "Your request is with the compliance office; they will come back to you.",
        "delivery": "Your message choices are saved and apply from the next message.",
    }.get(request.args.get("done", ""))
    return doors.render(
        "pages/me.html",
        title="My learning",
        view=view,
        chart=chart,
        flash=flash,
        delivery=me_delivery.view_of(person),
        days=me_delivery.DAYS,
        kind_words=me_delivery.KIND_WORDS,
    )


@pages.post("/me/feedback")
def rate() -> WerkzeugResponse:
    person = doors.require(ROLE)
    doors.check_csrf()
    _rate(person, request.form.get("content_id", ""), request.form.get("verdict", ""))
    return doors.back("pages.me", done="rated")


@pages.post("/me/priorities")
def priorities() -> WerkzeugResponse:
    person = doors.require(ROLE)
    doors.check_csrf()
    chosen: dict[str, float] = {}
    for key, value in request.form.items():
        if key.startswith("skill:"):
            chosen[key.removeprefix("skill:")] = _weight(value, key)
    _prioritise(person, chosen)
    return doors.back("pages.me", done="priorities")


@pages.post("/me/opt-outs")
def opt_outs() -> WerkzeugResponse:
    person = doors.require(ROLE)
    doors.check_csrf()
    family = request.form.get("family", "")
    _opt(person, family, request.form.get("choice") == "off")
    return doors.back("pages.me", done="opted")


@pages.post("/me/requests")
def ask() -> WerkzeugResponse:
    """Ask the compliance office for a copy of my data, or to be erased (a queued request)."""
    person = doors.require(ROLE)
    doors.check_csrf()
    kind = request.form.get("kind", "")
    eng = doors.engine()
    with doors.runtime().db.connection() as conn:
        compliance_data.file_request(
            conn, eng, doors.subject(person, ROLE), person.learner_id, kind
        )
    return doors.back("pages.me", done="asked")


@pages.post("/me/delivery")
def delivery() -> WerkzeugResponse:
    """My own message choices (never anyone else's: there is no learner id to give)."""
    person = doors.require(ROLE)
    doors.check_csrf()
    me_delivery.apply(person, me_delivery.from_form(), via="page")
    return doors.back("pages.me", done="delivery", _anchor="delivery")


# -- the JSON API --------------------------------------------------------------------------


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_id: str = Field(max_length=64)
    verdict: str = Field(description="useful | not_useful | dismiss | more_like_this")


class PrioritiesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priorities: dict[str, float] = Field(max_length=500)


@api.get("/me")
def me_json() -> Any:
    person = doors.require(ROLE)
    return jsonify(_view(person).model_dump(mode="json"))


@api.post("/me/feedback")
def rate_json() -> Any:
    person = doors.require(ROLE)
    body = FeedbackIn.model_validate(_json())
    stored = _rate(person, body.content_id, body.verdict)
    return jsonify({"stored": stored}), 201


@api.put("/me/priorities")
def priorities_json() -> Any:
    person = doors.require(ROLE)
    body = PrioritiesIn.model_validate(_json())
    for skill, weight in body.priorities.items():
        _weight(str(weight), f"priorities.{skill}")
    _prioritise(person, body.priorities)
    return jsonify({"priorities": body.priorities})


@api.put("/me/opt-outs/<family>")
def opt_out_json(family: str) -> Any:
    return jsonify(_opt(doors.require(ROLE), family, True))


@api.delete("/me/opt-outs/<family>")
def opt_in_json(family: str) -> Any:
    return jsonify(_opt(doors.require(ROLE), family, False))


@api.get("/me/delivery")
def delivery_json() -> Any:
    return jsonify(me_delivery.view_of(doors.require(ROLE)).model_dump(mode="json"))


@api.put("/me/delivery")
def delivery_put_json() -> Any:
    person = doors.require(ROLE)
    me_delivery.apply(person, me_delivery.DeliveryPrefsIn.model_validate(_json()), via="api")
    return jsonify(me_delivery.view_of(person).model_dump(mode="json"))


# -- shared ----------------------------------------------------------------------------------


def _json() -> Any:
    if not request.is_json:
        raise ValidationFailed("send the body as JSON (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object")
    return body


def _weight(value: str, field: str) -> float:
    try:
        weight = float(value)
    except ValueError:
        raise ValidationFailed(f"'{value[:20]}' is not a weight from 0 to 1", field=field) from None
    if not 0 <= weight <= 1:
        raise ValidationFailed("a priority's weight must be from 0 to 1", field=field)
    return weight


def _rate(person: SignedIn, content_id: str, verdict: str) -> int:
    try:
        content = UUID(content_id)
    except ValueError:
        raise ValidationFailed("content_id must be an item's id", field="content_id") from None
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        report = feedback.rate(
            conn,
            runtime.intake(),
            learner_id=person.learner_id,
            content_id=content,
            verdict=verdict,
        )
    return int(report.totals()["new"])


def _prioritise(person: SignedIn, chosen: dict[str, float]) -> None:
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        feedback.state_priorities(
            conn, runtime.intake(), learner_id=person.learner_id, priorities=chosen
        )


def _opt(person: SignedIn, family: str, out: bool) -> dict[str, Any]:
    """Switch a signal family off (or on again); the policy decides who may and which
    families can be switched off (``set_opt_out`` asks it and audits the change)."""
    eng = doors.engine()
    if family not in eng.policy.families:
        raise ValidationFailed(f"unknown signal family '{family[:60]}'", field="family")
    who = doors.subject(person, ROLE)
    with doors.runtime().db.connection() as conn:
        changed = consent.set_opt_out(conn, eng, person.learner_id, family, by=who, opt_out=out)
        families = sorted(consent.opted_out(conn, person.learner_id))
    return {"changed": changed, "opted_out": families}


@api.get("/session")
def session_json() -> Any:
    """Who is signed in, how, and with which roles (as the policy's sign-in rules give them)."""
    person = doors.current()
    if person is None:
        raise doors.SignInRequired("nobody is signed in")
    return jsonify(
        {
            "learner_id": str(person.learner_id),
            "via": person.via,
            "roles": list(person.roles),
            "expires_at": person.expires_at.isoformat(),
        }
    )
