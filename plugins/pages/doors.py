"""Flask glue for signed-in pages: who is asking, which role they act in, and the policy's
answer; plus the links and forms that keep a sign-in alive without cookies.

Inside an LMS iframe the tool's cookies are third-party and browsers drop them, so a session
opened by an LTI launch travels in the page itself: every link and form carries ``door``.
Outside the LMS (OpenID Connect) it lives in the first-party session cookie. Either way the
token is checked against the store on every request.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import Response, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from learnwire.core.errors import Forbidden, LearnwireError
from learnwire.core.runtime import Runtime
from learnwire.core.web.app import runtime_of
from learnwire.policies.access import Subject
from learnwire.policies.engine import PolicyEngine, engine_for

from .signin import SignedIn, close_session, load_session, open_session

DOOR = "door"
#: API clients may send the token as a header instead of the ``door`` parameter.
HEADER = "X-Learnwire-Door"
COOKIE_KEY = "learnwire_door"
#: Headers for every signed-in page: tokens ride in links, so no referrer may carry them.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
ROLE_PAGES = {
    "learner": ("pages.me", "My learning"),
    "manager": ("pages_team.team", "My team"),
    "ld_admin": ("pages_ld.learning_admin", "Learning admin"),
    "compliance_officer": ("pages_compliance.compliance", "Compliance"),
}


class SignInRequired(LearnwireError):
    status = 401
    title = "sign in required"


class RoleRequired(Forbidden):
    title = "not available to you"


def runtime() -> Runtime:
    return runtime_of()


def engine() -> PolicyEngine:
    """The policy engine, refreshed from the store once per request."""
    if "door_engine" not in g:
        g.door_engine = engine_for(runtime())
    return g.door_engine


def _token() -> tuple[str | None, bool]:
    """(token, whether it came from the page rather than the cookie)."""
    given = request.values.get(DOOR) or request.headers.get(HEADER)
    if given:
        return given, True
    return session.get(COOKIE_KEY), False


def current() -> SignedIn | None:
    """The signed-in person for this request (None: nobody), looked up once per request."""
    if "door_person" not in g:
        token, in_page = _token()
        person = None
        if token:
            eng = engine()
            with runtime().db.connection() as conn:
                person = load_session(conn, token, eng.policy)
        g.door_person, g.door_token, g.door_in_page = person, token, in_page
    return g.door_person


def require(role: str) -> SignedIn:
    """The signed-in person, when the policy's sign-in rules give them ``role``."""
    person = current()
    if person is None:
        raise SignInRequired("sign in through your LMS or your organisation's account first")
    if not person.holds(role):
        raise RoleRequired(
            f"this page is for the {role.replace('_', ' ')} role, which your sign-in does not "
            "give you; ask your administrator if you need it"
        )
    return person


def subject(person: SignedIn, role: str) -> Subject:
    """The policy subject for ``person`` acting in ``role`` (audit names them by a keyed
    hash of their learner id, never by name)."""
    return Subject(role, role, person.learner_id)


def sign_in(learner_id: UUID, *, via: str, claims: dict[str, Any], hours: float) -> str:
    """Open a session; the cookie keeps it too, for sign-ins in a top-level window."""
    with runtime().db.connection() as conn:
        token = open_session(
            conn, learner_id, via=via, claims=claims, lifetime=timedelta(hours=hours)
        )
    session[COOKIE_KEY] = token
    return token


def sign_out() -> None:
    token, _ = _token()
    if token:
        with runtime().db.connection() as conn:
            close_session(conn, token)
    session.pop(COOKIE_KEY, None)


def page_url(endpoint: str, **values: Any) -> str:
    """``url_for`` that keeps a sign-in carried by the page (inside the LMS iframe)."""
    current()
    if g.get("door_in_page") and g.get("door_token"):
        values.setdefault(DOOR, g.door_token)
    return url_for(endpoint, **values)


def csrf_token() -> str:
    """A per-session form token: a POST must prove it came from one of our own pages."""
    person = current()
    basis = person.token_hash if person else "anonymous"
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, f"form:{basis}".encode(), "sha256").hexdigest()[:32]


def check_csrf() -> None:
    if not hmac.compare_digest(request.form.get("csrf", ""), csrf_token()):
        raise Forbidden(
            "this form is out of date or did not come from this site; reload the page and try again"
        )


def hidden_fields() -> dict[str, str]:
    """What every form posts besides its own fields."""
    current()
    fields = {"csrf": csrf_token()}
    if g.get("door_in_page") and g.get("door_token"):
        fields[DOOR] = g.door_token
    return fields


def render(template: str, *, status: int = 200, **context: Any) -> Response:
    person = current()
    nav = [
        (page_url(endpoint), label)
        for role, (endpoint, label) in ROLE_PAGES.items()
        if person is not None and person.holds(role) and endpoint in current_app.view_functions
    ]
    html = render_template(
        template,
        person=person,
        nav=nav,
        hidden=hidden_fields(),
        page_url=page_url,
        **context,
    )
    return Response(html, status=status, mimetype="text/html", headers=PAGE_HEADERS)


def back(endpoint: str, **values: Any) -> WerkzeugResponse:
    """POST/redirect/GET to a page, keeping the sign-in the page carried."""
    response = redirect(page_url(endpoint, **values), code=303)
    response.headers.update(PAGE_HEADERS)
    return response
