"""``/compliance``: policy editor with check, dry run and apply; history and diffs; the audit
log; the request queue and readable exports. The same under ``/api/v1/compliance``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from learnwire.core.errors import ValidationFailed
from learnwire.policies import versions
from learnwire.policies.cli_privacy import resolve_learner

from . import compliance_data as data
from . import doors
from .errors import html_errors, reject_nul
from .signin import SignedIn

compliance_pages = html_errors(Blueprint("pages_compliance", __name__, template_folder="templates"))
compliance_api = reject_nul(
    Blueprint("pages_compliance_api", __name__, url_prefix="/api/v1/compliance")
)
ROLE = "compliance_officer"


def _officer() -> tuple[SignedIn, Any, Any]:
    person = doors.require(ROLE)
    return person, doors.subject(person, ROLE), doors.engine()


def _redis() -> Any:
    url = doors.runtime().settings.redis_url
    if url is None:
        return None
    import redis

    return redis.Redis.from_url(url.get_secret_value())


@compliance_pages.get("/compliance")
def compliance() -> WerkzeugResponse:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        data.may_manage_policy(conn, eng, who)
        history = versions.history(conn)
        queue = data.requests(conn, status="open")
    return doors.render(
        "pages/compliance.html",
        title="Compliance",
        documents=sorted(eng.in_force.loaded.documents),
        version=eng.version,
        history=list(reversed(history))[:10],
        queue=queue,
    )


@compliance_pages.route("/compliance/policy/<name>", methods=["GET", "POST"])
def edit(name: str) -> WerkzeugResponse:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        data.may_manage_policy(conn, eng, who)
        if request.method == "GET":
            text = eng.in_force.loaded.documents.get(name)
            proposal = data.propose(eng, name, text if text is not None else "")
            return _editor(name, proposal)
        doors.check_csrf()
        proposal = data.propose(eng, name, request.form.get("text", ""))
        step = request.form.get("step", "check")
        if proposal.problems:
            return _editor(name, proposal, status=422)
        if step == "apply":
            version, new = data.apply(conn, eng, who, proposal, request.form.get("reason", ""))
            flash = f"Applied as version {version.id}." if new else "Nothing changed."
            return doors.back("pages_compliance.history", done=flash)
        report = data.dry_run_of(conn, eng, proposal) if step == "dry_run" else None
    return _editor(name, proposal, report=report, checked=True)


def _editor(
    name: str, proposal: data.Proposal, *, status: int = 200, **extra: Any
) -> WerkzeugResponse:
    text = proposal.documents.get(name, "")
    return doors.render(
        "pages/policy_editor.html",
        status=status,
        title=f"Policy document {name}",
        name=name,
        text=text,
        lines=text.split("\n"),
        problems=proposal.problems,
        at_line=data.problems_by_line(proposal.problems, name),
        **extra,
    )


@compliance_pages.get("/compliance/history")
def history() -> WerkzeugResponse:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        data.may_manage_policy(conn, eng, who)
        found = list(reversed(versions.history(conn)))
        shown = None
        if request.args.get("a") and request.args.get("b"):
            shown = data.diff(conn, _int("a"), _int("b"))
        elif request.args.get("version"):
            shown = versions.get(conn, _int("version")).diff
    return doors.render(
        "pages/policy_history.html",
        title="Policy history",
        versions=found,
        diff=shown,
        flash=request.args.get("done"),
    )


@compliance_pages.get("/compliance/audit")
def audit_log() -> WerkzeugResponse:
    _, who, eng = _officer()
    filters = _audit_filters()
    with doors.runtime().db.connection() as conn:
        data.may_read_audit(conn, eng, who)
        entries = data.search_audit(conn, eng, viewer=who, **filters)
        verified = eng.audit.verify(conn) if request.args.get("verify") else None
    return doors.render(
        "pages/audit.html",
        title="Audit log",
        entries=entries,
        verified=verified,
        args=request.args,
    )


@compliance_pages.route("/compliance/requests", methods=["GET", "POST"])
def requests_page() -> WerkzeugResponse:
    _, who, eng = _officer()
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        if request.method == "POST":
            doors.check_csrf()
            learner = resolve_learner(runtime, conn, request.form.get("person", "").strip())
            data.file_request(
                conn, eng, who, learner, request.form.get("kind", ""), request.form.get("note", "")
            )
            return doors.back("pages_compliance.requests_page")
        queue = data.requests(conn)
    return doors.render("pages/requests.html", title="Access and erasure requests", queue=queue)


@compliance_pages.post("/compliance/requests/<int:request_id>")
def handle_request(request_id: int) -> WerkzeugResponse:
    _, who, eng = _officer()
    doors.check_csrf()
    with doors.runtime().db.connection() as conn:
        data.handle(
            conn,
            eng,
            who,
            request_id,
            refuse=request.form.get("decision") == "refuse",
            note=request.form.get("note", ""),
            redis_client=_redis(),
        )
    return doors.back("pages_compliance.requests_page")


@compliance_pages.get("/compliance/requests/<int:request_id>/export")
def export_page(request_id: int) -> WerkzeugResponse:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        export = data.export_for(conn, eng, who, request_id)
    return doors.render(
        "pages/export.html",
        title="What learnwire holds about this person",
        export=export,
        request_id=request_id,
    )


# -- the JSON API --------------------------------------------------------------------------


@compliance_api.get("/audit")
def audit_json() -> Any:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        data.may_read_audit(conn, eng, who)
        entries = data.search_audit(conn, eng, viewer=who, **_audit_filters())
    return jsonify([e.as_dict() for e in entries])


@compliance_api.get("/audit/verify")
def verify_json() -> Any:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        data.may_read_audit(conn, eng, who)
        result = eng.audit.verify(conn)
    return jsonify(result.as_dict()), 200 if result.ok else 409


@compliance_api.get("/policy/history")
def history_json() -> Any:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        data.may_manage_policy(conn, eng, who)
        return jsonify([v.summary() for v in versions.history(conn)])


@compliance_api.post("/policy/<name>/check")
def check_json(name: str) -> Any:
    """Validate a changed document; with ``"dry_run": true`` also say what it would change."""
    _, who, eng = _officer()
    body = _body()
    with doors.runtime().db.connection() as conn:
        data.may_manage_policy(conn, eng, who)
        proposal = data.propose(eng, name, str(body.get("text", "")))
        out: dict[str, Any] = {"problems": [p.as_dict() for p in proposal.problems]}
        if body.get("dry_run") and not proposal.problems:
            out["dry_run"] = data.dry_run_of(conn, eng, proposal)
    return jsonify(out), 422 if proposal.problems else 200


@compliance_api.post("/policy/<name>/apply")
def apply_json(name: str) -> Any:
    _, who, eng = _officer()
    body = _body()
    with doors.runtime().db.connection() as conn:
        data.may_manage_policy(conn, eng, who)
        proposal = data.propose(eng, name, str(body.get("text", "")))
        if proposal.problems:
            return jsonify({"problems": [p.as_dict() for p in proposal.problems]}), 422
        version, new = data.apply(conn, eng, who, proposal, str(body.get("reason", "")))
    return jsonify({**version.summary(), "new": new}), 201 if new else 200


@compliance_api.get("/requests")
def requests_json() -> Any:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        data.may_manage_policy(conn, eng, who)
        return jsonify([r.as_dict() for r in data.requests(conn)])


@compliance_api.get("/requests/<int:request_id>/export")
def export_json(request_id: int) -> Any:
    _, who, eng = _officer()
    with doors.runtime().db.connection() as conn:
        return jsonify(data.export_for(conn, eng, who, request_id))


# -- shared ----------------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationFailed("send a JSON object (Content-Type: application/json)")
    return body


def _int(name: str) -> int:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        raise ValidationFailed(f"'{name}' must be a version number", field=name) from None


def _time(name: str) -> datetime | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"'{name}' must be a date or time (ISO 8601)", field=name) from None
    return at if at.tzinfo else at.astimezone()


def _audit_filters() -> dict[str, Any]:
    person = None
    raw = request.args.get("person", "").strip()
    if raw:
        runtime = doors.runtime()
        with runtime.db.connection() as conn:
            person = resolve_learner(runtime, conn, raw)
    return {
        "person": person,
        "actor": request.args.get("actor", ""),
        "action": request.args.get("action", ""),
        "since": _time("since"),
        "until": _time("until"),
    }
