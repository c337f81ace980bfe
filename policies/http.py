"""The privacy API for the compliance role (and scoped service tokens), under
``/api/v1/privacy``. Thin Flask glue: authentication by bearer token, then the same
functions the CLI calls; every refusal is a problem+json 401/403 and is audited."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..core.errors import ValidationFailed
from ..core.web.current import runtime_of
from . import consent, erasure, tokens
from .access import Resource
from .engine import engine_for
from .export_document import render_html
from .utilisation import utilisation_report

PURPOSE = "data_subject_request"
privacy_api = Blueprint("policies_privacy", __name__, url_prefix="/api/v1/privacy")


def _learner(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationFailed(
            f"'{text}' is not a learner id (a UUID)", field="learner_id"
        ) from None


def _redis() -> Any:
    settings = runtime_of().settings
    if settings.redis_url is None:
        return None
    import redis

    return redis.Redis.from_url(settings.redis_url.get_secret_value())


@privacy_api.post("/learners/<learner_id>/erasure")
def erase(learner_id: str) -> Any:
    """Erase the learner everywhere; 200 with the report and its verification scan."""
    runtime = runtime_of()
    engine = engine_for(runtime)
    target = _learner(learner_id)
    with runtime.db.connection() as conn:
        subject = tokens.authenticate(conn, request.headers.get("Authorization")).subject()
        report = erasure.erase(
            conn,
            engine,
            target,
            by=subject,
            redis_client=_redis(),
            holders=erasure.holders_of(runtime),
        )
    return jsonify({"learner_id": str(target), **report.as_dict()})


@privacy_api.get("/learners/<learner_id>/export")
def export(learner_id: str) -> Any:
    """Everything held about the learner (access request): JSON, or with ``?format=html``
    a page the person can read."""
    runtime = runtime_of()
    engine = engine_for(runtime)
    target = _learner(learner_id)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "html"):
        raise ValidationFailed("format must be json or html", field="format")
    with runtime.db.connection() as conn:
        subject = tokens.authenticate(conn, request.headers.get("Authorization")).subject()
        data = erasure.export(conn, engine, target, by=subject, holders=erasure.holders_of(runtime))
    if fmt == "html":
        return Response(render_html(data), mimetype="text/html")
    return jsonify(data)


@privacy_api.get("/learners/<learner_id>/utilisation")
def utilisation(learner_id: str) -> Any:
    """Signal families available / blocked for ``?purpose=`` (default
    development_recommendation)."""
    runtime = runtime_of()
    engine = engine_for(runtime)
    target = _learner(learner_id)
    purpose = request.args.get("purpose", "development_recommendation")
    with runtime.db.connection() as conn:
        subject = tokens.authenticate(conn, request.headers.get("Authorization")).subject()
        report = utilisation_report(conn, engine, target, purpose, subject)
    return jsonify(report.model_dump(mode="json"))


@privacy_api.put("/learners/<learner_id>/opt-outs/<family>")
def opt_out(learner_id: str, family: str) -> Any:
    return _set_opt_out(learner_id, family, True)


@privacy_api.delete("/learners/<learner_id>/opt-outs/<family>")
def opt_in(learner_id: str, family: str) -> Any:
    return _set_opt_out(learner_id, family, False)


def _set_opt_out(learner_id: str, family: str, out: bool) -> Any:
    runtime = runtime_of()
    engine = engine_for(runtime)
    target = _learner(learner_id)
    with runtime.db.connection() as conn:
        subject = tokens.authenticate(conn, request.headers.get("Authorization")).subject()
        changed = consent.set_opt_out(conn, engine, target, family, by=subject, opt_out=out)
        families = sorted(consent.opted_out(conn, target))
    return jsonify({"learner_id": str(target), "changed": changed, "opted_out": families})


@privacy_api.get("/audit/verify")
def audit_verify() -> Any:
    """Recompute the audit chain (role needs read on audit_log)."""
    runtime = runtime_of()
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        subject = tokens.authenticate(conn, request.headers.get("Authorization")).subject()
        engine.authorize(conn, subject, "read", Resource("audit_log"), PURPOSE)
        result = engine.audit.verify(conn)
    return jsonify(result.as_dict()), 200 if result.ok else 409
