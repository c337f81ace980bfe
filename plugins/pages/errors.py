"""A page's errors are pages (never raw JSON), with the status and the reason."""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from learnwire.core.errors import LearnwireError, ValidationFailed

from . import doors


def html_errors(bp: Blueprint) -> Blueprint:
    """Render errors raised in ``bp``'s views as pages; returns ``bp``."""
    reject_nul(bp)

    @bp.errorhandler(LearnwireError)
    def _refused(exc: LearnwireError) -> Response:
        return page(exc.status, exc.title, str(exc))

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return page(exc.code or 500, exc.name, exc.description or exc.name)

    return bp


def reject_nul(bp: Blueprint) -> Blueprint:
    """Refuse text PostgreSQL cannot store (NUL characters) as a 400 before any view runs."""

    @bp.before_request
    def _no_nul() -> None:
        for source, values in (("query", request.args), ("form", request.form)):
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    raise ValidationFailed(f"a {source} parameter contains a NUL character")
        if "\x00" in request.path:
            raise ValidationFailed("the path contains a NUL character")
        if request.is_json and "\\u0000" in request.get_data(as_text=True):
            raise ValidationFailed("the JSON body contains a NUL character")

    return bp


def page(status: int, title: str, detail: str) -> Response:
    return doors.render(
        "pages/error.html", status=status, title=title[:1].upper() + title[1:], detail=detail
    )
