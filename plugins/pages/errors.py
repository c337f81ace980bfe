"""A page's errors are pages (never raw JSON), with the status and the reason."""

from __future__ import annotations

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException

from learnwire.core.errors import LearnwireError

from . import doors


def html_errors(bp: Blueprint) -> Blueprint:
    """Render errors raised in ``bp``'s views as pages; returns ``bp``."""

    @bp.errorhandler(LearnwireError)
    def _refused(exc: LearnwireError) -> Response:
        return page(exc.status, exc.title, str(exc))

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return page(exc.code or 500, exc.name, exc.description or exc.name)

    return bp


def page(status: int, title: str, detail: str) -> Response:
    return doors.render(
        "pages/error.html", status=status, title=title[:1].upper() + title[1:], detail=detail
    )
