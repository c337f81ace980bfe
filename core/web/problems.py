"""Errors as RFC 9457 problem-details JSON with a clear message and a 4xx where it is the
client's fault."""

from __future__ import annotations

from typing import Any

import psycopg
from flask import Flask, Response, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..errors import LearnwireError

#: What a client is told to wait after the database could not be reached: about the time the
#: pool spends trying to reconnect before giving a request up.
RETRY_AFTER_SECONDS = 5


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def pydantic_problem(exc: ValidationError, *, status: int = 400) -> Response:
    errors = [
        {"field": ".".join(str(p) for p in err["loc"]) or "(body)", "message": err["msg"]}
        for err in exc.errors(include_url=False)
    ]
    first = errors[0] if errors else {"field": "(body)", "message": "invalid"}
    return problem(status, "invalid input", f"{first['field']}: {first['message']}", errors=errors)


def install(app: Flask) -> None:
    @app.errorhandler(LearnwireError)
    def _domain(exc: LearnwireError) -> Response:
        # ValidationFailed (and subclasses elsewhere) name the field at fault.
        at = getattr(exc, "field", None)
        extra = {"field": at} if at else {}
        return problem(exc.status, exc.title, str(exc), **extra)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Response:
        return pydantic_problem(exc)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Response:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return problem(
            413,
            "request body too large",
            f"the request body is larger than the {limit} bytes this server accepts "
            "(setting LEARNWIRE_MAX_REQUEST_BYTES); send a smaller body",
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return problem(exc.code or 500, exc.name, exc.description or exc.name)

    @app.errorhandler(psycopg.OperationalError)
    def _database_unavailable(exc: psycopg.OperationalError) -> Response:
        # The server stopped, refused or dropped the connection, or every pooled connection
        # is busy (PoolTimeout is one of these): the request may succeed later and the
        # pool reconnects by itself, so this is the service's 503, not a client error or a
        # crash. The driver's message can name hosts and sockets; it goes to the log only.
        app.logger.warning("database unavailable on %s: %s", request.path, type(exc).__name__)
        response = problem(
            503,
            "database unavailable",
            "learnwire cannot reach its database right now; nothing was changed. "
            f"Try again in {RETRY_AFTER_SECONDS} seconds.",
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error on %s", request.path)
        return problem(
            500, "internal error", "learnwire hit an unexpected error; it has been logged"
        )
