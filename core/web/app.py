"""Flask app factory. Adapters and plugins mount their blueprints via ``register_blueprints``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify

from ... import __version__
from ..runtime import Runtime
from ..store import one
from . import input_text, problems
from .current import EXTENSION, runtime_of
from .recommendations import api as recommendations_api

# Blueprints' views read the runtime with ``runtime_of``; importable from here as before.
__all__ = ["create_app", "host", "runtime_of"]

host = Blueprint("host", __name__)


def create_app(runtime: Runtime | None = None) -> Flask:
    runtime = runtime or Runtime()
    # Fail closed: every page and API reads or takes in personal data under the policy, so
    # without governance there is no app (GovernanceMissing says why).
    runtime.require_governance()
    app = Flask("learnwire")
    app.config["SECRET_KEY"] = runtime.settings.flask_secret()
    # The session (set by an LTI launch) authorises JSON API writes: no cross-site requests.
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["JSON_SORT_KEYS"] = False
    # Checked against Content-Length before the body is read, and enforced on streamed bodies.
    app.config["MAX_CONTENT_LENGTH"] = runtime.settings.max_request_bytes
    app.extensions[EXTENSION] = runtime
    problems.install(app)
    input_text.install(app)
    app.register_blueprint(host)
    app.register_blueprint(recommendations_api)
    for blueprint in runtime.collect("register_blueprints", expect=Blueprint):
        app.register_blueprint(blueprint)
    return app


@host.get("/healthz")
def healthz() -> Any:
    runtime = runtime_of()
    checks: dict[str, Any] = {
        "database": _database_status(runtime),
        "broker": _broker_status(runtime),
    }
    healthy = all(c["status"] in ("ok", "in-process") for c in checks.values())
    body = {"status": "ok" if healthy else "degraded", "version": __version__, **checks}
    return jsonify(body), 200 if healthy else 503


def _database_status(runtime: Runtime) -> dict[str, Any]:
    try:
        with runtime.db.connection() as conn:
            conn.execute("SELECT 1")
            applied = one(conn.execute("SELECT count(*) FROM schema_migration"))[0]
        return {
            "status": "ok",
            "embedded": runtime.db.embedded is not None,
            "migrations_applied": applied,
        }
    except Exception as exc:
        return {"status": "error", "detail": type(exc).__name__ + ": " + str(exc)[:200]}


def _broker_status(runtime: Runtime) -> dict[str, Any]:
    if runtime.settings.redis_url is None:
        return {"status": "in-process", "detail": "no LEARNWIRE_REDIS_URL; tasks run in process"}
    import redis

    try:
        client = redis.Redis.from_url(
            runtime.settings.redis_url.get_secret_value(),
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        client.ping()
        return {"status": "ok"}
    except Exception as exc:
        return {"status": "error", "detail": type(exc).__name__ + ": " + str(exc)[:200]}
