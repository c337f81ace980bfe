"""Flask glue for the xAPI statements resource: moves bytes between HTTP and
:class:`~learnwire.adapters.xapi.resource.StatementsResource`, nothing more.

Every response carries ``X-Experience-API-Version`` (2.0.0 to a request that speaks 2.0,
1.0.3 otherwise); every response of the statements resource, errors included, also carries
``X-Experience-API-Consistent-Through``. ``HEAD`` answers as ``GET`` without a body, and the
alternate request syntax (``POST ...?method=PUT`` with the headers and content in a form) is
understood. Errors are problem-details JSON with the field at fault; 401s say how to
authenticate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, g, request
from werkzeug.datastructures import Headers

from learnwire.core.errors import LearnwireError, ValidationFailed
from learnwire.core.runtime import Runtime
from learnwire.core.web.app import runtime_of
from learnwire.core.web.problems import problem

from . import credentials
from .query import iso
from .resource import (
    DROPPED_HEADER,
    XAPI_VERSION,
    StatementsResource,
    about,
    check_version_header,
)
from .settings import xapi_settings

_EXTENSION_KEY = "learnwire.xapi.resource"
_STATEMENTS = "xapi.statements_view"
#: Form fields of the alternate request syntax that are request headers, not parameters.
_FORM_HEADERS = {
    "authorization": "Authorization",
    "x-experience-api-version": "X-Experience-API-Version",
    "content-type": "Content-Type",
    "content-length": "Content-Length",
    "if-match": "If-Match",
    "if-none-match": "If-None-Match",
}
_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


def make_blueprint() -> Blueprint:
    blueprint = Blueprint("xapi", __name__, url_prefix="/xapi")
    # Statements are checked by the xAPI resource, which answers in xAPI's own terms.
    blueprint.checks_own_input = True  # type: ignore[attr-defined]

    @blueprint.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Experience-API-Version"] = g.get("xapi_version", XAPI_VERSION)
        if request.endpoint == _STATEMENTS:
            through = g.get("consistent_through") or _consistent_through_now()
            if through is not None:
                response.headers["X-Experience-API-Consistent-Through"] = through
        return response

    @blueprint.errorhandler(LearnwireError)
    def _problem(exc: LearnwireError) -> Response:
        at = getattr(exc, "field", None)  # ValidationFailed names the field at fault
        extra = {"field": at} if at else {}
        response = problem(exc.status, exc.title, str(exc), **extra)
        if isinstance(exc, credentials.Unauthorized):
            response.headers["WWW-Authenticate"] = 'Basic realm="learnwire xAPI"'
        return response

    @blueprint.get("/about")
    def about_view() -> Response:
        return _json(about(runtime_of().settings.public_url))

    @blueprint.route("/statements", methods=["GET", "HEAD", "POST", "PUT"])
    def statements_view() -> Response:
        call = _Call.of_request()
        g.xapi_version = version = check_version_header(
            call.headers.get("X-Experience-API-Version")
        )
        runtime = runtime_of()
        resource = _resource(runtime)
        with runtime.db.connection() as conn:
            source = credentials.authenticate(conn, call.headers.get("Authorization"))
            if call.method in ("GET", "HEAD"):
                response = _get(resource, conn, source, call.args)
            elif call.method == "POST":
                outcome = resource.post(
                    conn, source, call.body, call.headers.get("Content-Type", ""), version
                )
                response = _json([str(i) for i in outcome.ids])
            else:
                outcome = resource.put(
                    conn,
                    source,
                    call.args.get("statementId"),
                    call.body,
                    call.headers.get("Content-Type", ""),
                    version,
                )
                response = Response(status=204)
            if call.method in ("POST", "PUT"):
                if outcome.refused:
                    response.headers["X-Learnwire-Refused"] = str(len(outcome.refused))
                if outcome.dropped:
                    response.headers[DROPPED_HEADER] = ", ".join(sorted(outcome.dropped))
            g.consistent_through = _consistent_through(conn)
        return response

    return blueprint


def _get(resource: StatementsResource, conn: Any, source: str, args: dict[str, str]) -> Response:
    answer = resource.get(conn, source, args)
    if answer.statement is not None:
        response = _json(answer.statement)
        response.last_modified = datetime.fromisoformat(answer.statement["stored"])
        return response
    assert answer.page is not None
    response = _json(resource.statement_result(answer.page))
    if answer.page.statements:
        response.last_modified = max(
            datetime.fromisoformat(s["stored"]) for s in answer.page.statements
        )
    return response


class _Call:
    """What a statements request asks, read from the request itself or, in the alternate
    request syntax, from the form it carries."""

    def __init__(self, method: str, headers: Headers, args: dict[str, str], body: bytes) -> None:
        self.method = method
        self.headers = headers
        self.args = args
        self.body = body

    @classmethod
    def of_request(cls) -> _Call:
        if "method" not in request.args:
            return cls(request.method, request.headers, request.args.to_dict(), request.get_data())
        if request.method != "POST":
            raise ValidationFailed(
                "the alternate request syntax (?method=) is only used with POST", field="method"
            )
        if len(request.args) > 1:
            extra = sorted(k for k in request.args if k != "method")[0]
            raise ValidationFailed(
                f"{extra}: with ?method=, every other parameter goes in the form body",
                field=extra,
            )
        method = request.args["method"].upper()
        if method not in _METHODS:
            raise ValidationFailed(
                f"method must be one of {', '.join(_METHODS)}, not '{request.args['method']}'",
                field="method",
            )
        if method not in ("GET", "HEAD", "PUT", "POST"):
            raise ValidationFailed(
                f"the statements resource does not take {method}", field="method"
            )
        media = (request.content_type or "").split(";", 1)[0].strip().lower()
        if media != "application/x-www-form-urlencoded":
            raise ValidationFailed(
                "the alternate request syntax sends a form: Content-Type must be "
                "application/x-www-form-urlencoded",
                field="Content-Type",
            )
        headers = Headers(request.headers)
        args: dict[str, str] = {}
        body = b""
        for key, value in request.form.items():
            name = _FORM_HEADERS.get(key.lower())
            if name is not None:
                headers[name] = value
            elif key == "content":
                body = value.encode()
            else:
                args[key] = value
        return cls(method, headers, args, body)


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


def _consistent_through_now() -> str | None:
    """For responses that failed before the view had a connection (bad version, 401, 413):
    ask on a connection of its own; without a database, say nothing rather than guess."""
    try:
        with runtime_of().db.connection() as conn:
            return _consistent_through(conn)
    except Exception:  # the header must not turn one error into another
        return None


def _json(data: Any) -> Response:
    return Response(orjson.dumps(data), mimetype="application/json")
