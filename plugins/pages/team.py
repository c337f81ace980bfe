"""``/team``: a manager's view of their teams (totals only) and the team priorities they set,
with the same data under ``/api/v1/team``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response as WerkzeugResponse

from learnwire.core.errors import Forbidden, NotFound, ValidationFailed
from learnwire.policies.access import Resource

from . import charts, doors
from .differencing import DifferencingRefused
from .errors import html_errors, reject_nul
from .settings import pages_settings
from .signin import SignedIn
from .team_data import PURPOSE, Scope, TeamView, TooFewPeople, managed_units, team_view

team_pages = html_errors(Blueprint("pages_team", __name__, template_folder="templates"))
team_api = reject_nul(Blueprint("pages_team_api", __name__, url_prefix="/api/v1/team"))
ROLE = "manager"


def _units(person: SignedIn) -> list[tuple[str, str, str]]:
    with doors.runtime().db.connection() as conn:
        return managed_units(conn, person.learner_id)


def _scope(person: SignedIn, units: list[tuple[str, str, str]]) -> Scope:
    # One team by default: "all my teams" and each team are views whose difference is a
    # team, so showing both is refused when a team is smaller than k.
    chosen = request.args.get("team") or f"{units[0][0]}:{units[0][1]}"
    profile = request.args.get("profile") or None
    if profile is not None and len(profile) > 200:
        raise ValidationFailed("'profile' is too long", field="profile")
    if chosen == "all":
        return Scope(tuple((s, u) for s, u, _ in units), profile)
    source, _, unit = chosen.partition(":")
    if (source, unit) not in {(s, u) for s, u, _ in units}:
        # Same answer whether the team exists or not: no probing of other teams.
        raise Forbidden("you can only see teams HR lists you as managing")
    return Scope(((source, unit),), profile)


def scope_key(scope: Scope) -> str:
    return "all" if len(scope.units) != 1 else ":".join(scope.units[0])


def _view(person: SignedIn, scope: Scope) -> TeamView:
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        return team_view(
            conn,
            doors.engine(),
            doors.subject(person, ROLE),
            scope,
            key=runtime.settings.pseudonym_secret(),
            window_hours=pages_settings(runtime.settings).differencing_window_hours,
        )


def _profiles() -> list[tuple[str, str]]:
    with doors.runtime().db.connection() as conn:
        return conn.execute("SELECT id, name FROM job_profile ORDER BY name").fetchall()


@team_pages.get("/team")
def team() -> WerkzeugResponse:
    person = doors.require(ROLE)
    units = _units(person)
    if not units:
        return doors.render(
            "pages/team.html",
            title="My team",
            units=[],
            view=None,
            refusal=("HR does not list you as managing a team, so there is nothing to show here."),
        )
    scope = _scope(person, units)
    view, refusal = None, None
    try:
        view = _view(person, scope)
    except (TooFewPeople, DifferencingRefused) as exc:
        refusal = str(exc)
    gaps_chart = trend_chart = None
    if view and view.gaps:
        gaps_chart = charts.levels(
            [charts.LevelRow(g.name, g.mean_level, target=g.mean_target) for g in view.gaps[:16]],
            title="Team skill levels against role targets",
            description="Bars: the team's mean estimated level per skill; dark ticks: the mean "
            "target of their roles. Only skills with enough people behind them are shown.",
            key="gaps",
        )
    if view:
        trend_chart = charts.lines(
            [
                charts.Series("Active people", [w.active_people for w in view.trend]),
                charts.Series("Completions", [w.completions for w in view.trend]),
            ],
            [w.week_start[5:] for w in view.trend],
            title="Team activity per week",
            description="Active people and completions per week; weeks with too few active "
            "people are left out.",
            key="trend",
        )
    return doors.render(
        "pages/team.html",
        title="My team",
        units=units,
        profiles=_profiles(),
        chosen=scope_key(scope),
        chosen_profile=request.args.get("profile", ""),
        view=view,
        refusal=refusal,
        gaps_chart=gaps_chart,
        trend_chart=trend_chart,
        skills=_skills(),
        priorities=_current(units),
        flash={"saved": "Team priority saved.", "removed": "Team priority removed."}.get(
            request.args.get("done", "")
        ),
    )


@team_pages.post("/team/priorities")
def set_priority() -> WerkzeugResponse:
    person = doors.require(ROLE)
    doors.check_csrf()
    form = request.form
    if form.get("remove"):
        _set(person, form.get("team", ""), form.get("skill", ""), None, None)
        return doors.back("pages_team.team", done="removed")
    expires = _expiry(form.get("expires", ""))
    _set(
        person,
        form.get("team", ""),
        form.get("skill", ""),
        _weight(form.get("weight", "")),
        expires,
    )
    return doors.back("pages_team.team", done="saved")


# -- the JSON API --------------------------------------------------------------------------


class PriorityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str = Field(max_length=300, description="'<source>:<unit>' of a team you manage")
    skill_id: str = Field(max_length=200)
    weight: float = Field(ge=0, le=1)
    expires_on: date | None = None


@team_api.get("")
def team_json() -> Any:
    person = doors.require(ROLE)
    units = _units(person)
    if not units:
        raise NotFound("HR does not list you as managing a team")
    return jsonify(_view(person, _scope(person, units)).model_dump(mode="json"))


@team_api.get("/teams")
def teams_json() -> Any:
    person = doors.require(ROLE)
    return jsonify([{"team": f"{s}:{u}", "name": n} for s, u, n in _units(person)])


@team_api.put("/priorities")
def priority_json() -> Any:
    person = doors.require(ROLE)
    if not request.is_json or not isinstance(request.get_json(silent=True), dict):
        raise ValidationFailed("send a JSON object (Content-Type: application/json)")
    body = PriorityIn.model_validate(request.get_json())
    expires = _expiry(body.expires_on.isoformat() if body.expires_on else "")
    _set(person, body.team, body.skill_id, body.weight, expires)
    return jsonify(body.model_dump(mode="json"))


@team_api.delete("/priorities/<team>/<skill_id>")
def priority_delete_json(team: str, skill_id: str) -> Any:
    _set(doors.require(ROLE), team, skill_id, None, None)
    return jsonify({"removed": True})


# -- shared ----------------------------------------------------------------------------------


def _current(units: list[tuple[str, str, str]]) -> list[tuple[Any, ...]]:
    """(team, team name, skill id, skill name, weight, expiry) of the priorities in force."""
    names = {f"{s}:{u}": n for s, u, n in units}
    with doors.runtime().db.connection() as conn:
        rows = conn.execute(
            "SELECT p.source || ':' || p.unit_external_id, p.skill_id, s.name, p.weight, "
            "p.expires_at FROM team_priority p JOIN skill s ON s.id = p.skill_id "
            "WHERE (p.source, p.unit_external_id) IN (SELECT * FROM unnest(%s::text[], "
            "%s::text[])) AND (p.expires_at IS NULL OR p.expires_at > now()) ORDER BY 1, 3",
            ([s for s, _, _ in units], [u for _, u, _ in units]),
        ).fetchall()
    return [(team, names[team], sid, name, weight, exp) for team, sid, name, weight, exp in rows]


def _skills() -> list[tuple[str, str]]:
    with doors.runtime().db.connection() as conn:
        return conn.execute("SELECT id, name FROM skill ORDER BY name").fetchall()


def _weight(raw: str) -> float:
    try:
        weight = float(raw)
    except ValueError:
        raise ValidationFailed("the weight must be a number from 0 to 1", field="weight") from None
    if not 0 < weight <= 1:
        raise ValidationFailed("the weight must be above 0 and at most 1", field="weight")
    return weight


def _expiry(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("the expiry must be a date (YYYY-MM-DD)", field="expires") from None
    if day <= datetime.now(UTC).date():
        raise ValidationFailed("the expiry must be a day after today", field="expires")
    return datetime.combine(day, time.max, tzinfo=UTC)


def _set(
    person: SignedIn, team: str, skill: str, weight: float | None, expires: datetime | None
) -> None:
    """Set (or with ``weight`` None remove) a team priority; the policy decides, audited."""
    source, _, unit = team.partition(":")
    eng = doors.engine()
    who = doors.subject(person, ROLE)
    with doors.runtime().db.connection() as conn:
        managers = frozenset(
            r[0]
            for r in conn.execute(
                "SELECT learner_id FROM team_membership WHERE source = %s AND "
                "unit_external_id = %s AND is_manager",
                (source, unit),
            )
        )
        eng.authorize(conn, who, "write", Resource("team_priorities", managers=managers), PURPOSE)
        if weight is None:
            conn.execute(
                "DELETE FROM team_priority WHERE source = %s AND unit_external_id = %s "
                "AND skill_id = %s",
                (source, unit, skill),
            )
        else:
            if conn.execute("SELECT 1 FROM skill WHERE id = %s", (skill,)).fetchone() is None:
                raise ValidationFailed(f"unknown skill '{skill[:60]}'", field="skill")
            conn.execute(
                "INSERT INTO team_priority (source, unit_external_id, skill_id, weight, "
                "expires_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (source, unit_external_id,"
                " skill_id) DO UPDATE SET weight = excluded.weight, expires_at = "
                "excluded.expires_at, set_at = now()",
                (source, unit, skill, weight, expires),
            )
        eng.record(
            conn,
            who,
            "write:team_priorities",
            "done",
            purpose=PURPOSE,
            detail={
                "team": unit,
                "skill": skill,
                "weight": weight,
                "expires_at": expires.isoformat() if expires else None,
            },
        )
