"""Flask glue for the xAPI statements resource: moves bytes between HTTP and
:class:`~learnwire.adapters.xapi.resource.StatementsResource`, nothing more.

Every response carries ``X-Experience-API-Version``; responses of the statements resource
also carry ``X-Experience-API-Consistent-Through``. Errors are problem-details JSON with the
field at fault, and 401s say how to authenticate.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request

from learnwire.core.errors import LearnwireError
from learnwire.core.runtime import Runtime
from learnwire.core.web.app import runtime_of
from learnwire.core.web.problems import problem

from . import credentials
from .query import iso
from .resource import XAPI_VERSION, StatementsResource, about, check_version_header
from .settings import xapi_settings

_EXTENSION_KEY = "learnwire.xapi.resource"


def make_blueprint() -> Blueprint:
    blueprint = Blueprint("xapi", __name__, url_prefix="/xapi")
    # Statements are checked by the xAPI resource, which answers in xAPI's own terms.
    blueprint.checks_own_input = True  # type: ignore[attr-defined]

    @blueprint.after_request
    def _version(response: Response) -> Response:
        response.headers["X-Experience-API-Version"] = XAPI_VERSION
        return response

    @blueprint.errorhandler(LearnwireError)
    def _problem(exc: LearnwireError) -> Response:
        extra = {"field": exc.field} if getattr(exc, "field", None) else {}
        response = problem(exc.status, exc.title, str(exc), **extra)
        if isinstance(exc, credentials.Unauthorized):
            response.headers["WWW-Authenticate"] = 'Basic realm="learnwire xAPI"'
        return response

    @blueprint.get("/about")
    def about_view() -> Response:
        return _json(about())

    @blueprint.route("/statements", methods=["GET", "POST", "PUT"])
    def statements_view() -> Response:
        check_version_header(request.headers.get("X-Experience-API-Version"))
        runtime = runtime_of()
        resource = _resource(runtime)
        with runtime.db.connection() as conn:
            source = credentials.authenticate(conn, request.headers.get("Authorization"))
            if request.method == "GET":
                answer = resource.get(conn, source, request.args.to_dict())
                if answer.statement is not None:
                    response = _json(answer.statement)
                    response.headers["Last-Modified"] = answer.statement["stored"]
                else:
                    assert answer.page is not None
                    response = _json(resource.statement_result(answer.page))
            elif request.method == "POST":
                outcome = resource.post(
                    conn, source, request.get_data(), request.content_type or ""
                )
                response = _json([str(i) for i in outcome.ids])
            else:
                outcome = resource.put(
                    conn,
                    source,
                    request.args.get("statementId"),
                    request.get_data(),
                    request.content_type or "",
                )
                response = Response(status=204)
            if request.method != "GET" and outcome.refused:
                response.headers["X-Learnwire-Refused"] = str(len(outcome.refused))
            response.headers["X-Experience-API-Consistent-Through"] = _consistent_through(conn)
        return response

    return blueprint


def _resource(runtime: Runtime) -> StatementsResource:
    """One resource per app: building the intake collects plugin guards, which is not free."""
    app = current_app
    found = app.extensions.get(_EXTENSION_KEY)
    if found is None:
        public_url = runtime.settings.public_url.rstrip("/")
        found = StatementsResource(
            runtime.intake(),
            public_url,
            endpoint=f"{public_url}/xapi",
            max_limit=xapi_settings(runtime.settings).max_limit,
        )
        app.extensions[_EXTENSION_KEY] = found
    return found


def _consistent_through(conn: Any) -> str:
    # Statements are stamped when inserted but visible only at commit: everything stored
    # before the oldest transaction still open is certainly visible.
    row = conn.execute(
        "SELECT least(now(), min(xact_start)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND xact_start IS NOT NULL"
    ).fetchone()
    return iso(row[0])


def _json(data: Any) -> Response:
    return Response(orjson.dumps(data), mimetype="application/json")
