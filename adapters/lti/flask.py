"""Flask glue: routes that turn HTTP into calls on :class:`~.tool.LtiTool`, nothing more.

pylti1p3's Flask contrib classes do the request and cookie I/O; every decision lives in the
framework-free modules. Errors become HTML pages (the user is inside an LMS iframe, so a
JSON problem document would help nobody) with a 4xx status and the reason.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.exception import LtiException

from ...core.errors import LearnwireError
from ...core.web.app import runtime_of
from ...core.web.recommendations import SESSION_LEARNER, SESSION_ROLE
from . import dynamic_registration, feedback, keys, launches, pages
from .errors import LaunchNotFound, LtiError, NotAllowed
from .launch import ToolLaunch, ToolLogin
from .settings import registration_key
from .tool import LtiTool

#: The pages plugin's sign-in from a launch (learnwire.plugins.pages), when it is installed.
PAGES_SIGN_IN = "pages_auth.from_launch"
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    # Pages carry launch ids in their links; external content must not see them as referrer.
    "Referrer-Policy": "no-referrer",
}


class FlaskToolLogin(ToolLogin, FlaskOIDCLogin):
    """pylti1p3's Flask login with learnwire's checks and server-side state."""

    def response(self, auth_url: str, page: str | None) -> Response:
        if page is None:
            return self.get_redirect(auth_url).do_redirect()
        response = make_response(page)
        cookies: FlaskCookieService = self._cookie_service
        cookies.update_response(response)
        return response


class FlaskToolLaunch(ToolLaunch, FlaskMessageLaunch):
    """pylti1p3's Flask launch with learnwire's validation chain."""


def _tool() -> LtiTool:
    extensions = current_app.extensions
    if "learnwire.lti" not in extensions:
        tool = LtiTool(runtime_of())
        if PAGES_SIGN_IN in current_app.view_functions:
            tool.pages_url = url_for(PAGES_SIGN_IN, launch_id="LAUNCH").replace(
                "LAUNCH", "{launch_id}"
            )
        extensions["learnwire.lti"] = tool
    return extensions["learnwire.lti"]


def _pylti_request() -> FlaskRequest:
    return FlaskRequest(request_data={**request.args.to_dict(), **request.form.to_dict()})


def _html(page: str, status: int = 200) -> Response:
    return Response(page, status=status, mimetype="text/html", headers=_PAGE_HEADERS)


def _sign_in(record: launches.LaunchRecord) -> None:
    """Sign the launched person in for the JSON API (where the browser keeps cookies)."""
    if record.verified:
        session[SESSION_LEARNER] = str(record.learner_id)
        session[SESSION_ROLE] = record.role.policy_role


def _signed_in() -> str | None:
    return session.get(SESSION_LEARNER)


def _back_to_page(tool: LtiTool, launch_id: str, done: str) -> Response:
    # POST/redirect/GET: reloading the page must not post the rating again.
    response = redirect(f"{tool.action_url(launch_id)}?done={done}", code=303)
    response.headers.update(_PAGE_HEADERS)
    return response


def _restore(tool: LtiTool, conn: Any, launch_id: str) -> tuple[Any, launches.LaunchRecord]:
    record = launches.load(conn, launch_id)
    keys.ensure_active(conn)
    try:
        launch = FlaskToolLaunch.from_cache(
            launch_id,
            _pylti_request(),
            tool.tool_conf(conn),
            session_service=tool.session_service(conn),
            requests_session=tool.http(),
        )
    except LtiException as exc:
        raise LaunchNotFound(
            "This launch's data has expired. Open the activity again from the LMS."
        ) from exc
    return launch, record


def make_blueprint() -> Blueprint:
    bp = Blueprint("lti", __name__, url_prefix="/lti")

    @bp.errorhandler(LearnwireError)
    def _refused(exc: LearnwireError) -> Response:
        step = (request.endpoint or "lti.action").rsplit(".", 1)[-1]
        error = exc if isinstance(exc, LtiError) else _as_lti_error(exc)
        page, status = _tool().refusal(error, step=step)
        return _html(page, status)

    @bp.route("/login", methods=["GET", "POST"])
    def login() -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            oidc = FlaskToolLogin(
                _pylti_request(), tool.tool_conf(conn), tool.session_service(conn), urls=tool.urls
            )
            auth_url = oidc.start()
            page = tool.login_page(conn, oidc, auth_url)
        response = oidc.response(auth_url, page)
        response.headers.update(_PAGE_HEADERS)
        return response

    @bp.post("/launch")
    @bp.post("/deep-linking")
    def launch() -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            message = FlaskToolLaunch(
                _pylti_request(),
                tool.tool_conf(conn),
                session_service=tool.session_service(conn),
                requests_session=tool.http(),
            )
            ctx, record = tool.accept(conn, message)
            _sign_in(record)
            page = tool.landing(
                conn, record, display_name=ctx.display_name, course=ctx.context_title
            )
        return _html(page)

    @bp.post("/launch/verify")
    def verify() -> Response:
        tool = _tool()
        form = request.form
        with tool.runtime.db.connection() as conn:
            record = launches.verify(
                conn, form.get("launch_id", ""), form.get("state", ""), form.get("nonce", "")
            )
            _sign_in(record)
            page = tool.landing(conn, record)
        return _html(page)

    @bp.get("/launch/<launch_id>")
    def page(launch_id: str) -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            # An unconfirmed platform-storage launch gets its confirmation page again.
            record = launches.load(conn, launch_id, require_verified=False)
            page = tool.landing(conn, record, flash=feedback.thanks(request.args.get("done")))
        return _html(page)

    @bp.post("/launch/<launch_id>/feedback")
    def rate(launch_id: str) -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            record = launches.load(conn, launch_id)
            done = tool.rate(conn, record, request.form.to_dict(), signed_in=_signed_in())
        return _back_to_page(tool, launch_id, done)

    @bp.post("/launch/<launch_id>/priorities")
    def priorities(launch_id: str) -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            record = launches.load(conn, launch_id)
            fields = request.form.items(multi=True)
            done = tool.state_priorities(conn, record, fields, signed_in=_signed_in())
        return _back_to_page(tool, launch_id, done)

    @bp.post("/launch/<launch_id>/score")
    def score(launch_id: str) -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            launch, record = _restore(tool, conn, launch_id)
            receipt = tool.post_score(conn, launch, record)
            given = receipt.score_given
            flash = (
                f"Your result ({given:g} / 100) was sent to the course gradebook."
                if given is not None
                else f"The gradebook now shows this activity as {receipt.activity_progress}."
            )
            page = tool.learner_page(conn, record, flash=flash)
        return _html(page)

    @bp.post("/launch/<launch_id>/roster")
    def roster(launch_id: str) -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            launch, record = _restore(tool, conn, launch_id)
            report = tool.pull_roster(conn, launch, record)
            flash = (
                f"Roster updated: {report.active} active members "
                f"({report.learners_created} new to learnwire)."
            )
            page = tool.learner_page(conn, record, flash=flash)
        return _html(page)

    @bp.get("/deep-linking/<launch_id>")
    def picker(launch_id: str) -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            record = launches.load(conn, launch_id)
            page = tool.picker_page(conn, record, query=request.args.get("q") or None)
        return _html(page)

    @bp.post("/deep-linking/<launch_id>/respond")
    def respond(launch_id: str) -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            launch, record = _restore(tool, conn, launch_id)
            page = tool.deep_link_page(
                conn,
                launch,
                record,
                request.form.getlist("content_id"),
                graded=request.form.get("graded") == "1",
            )
        return _html(page)

    @bp.get("/jwks")
    def jwks() -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            document = keys.published_jwks(conn)
        response = jsonify(document)
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    @bp.get("/register")
    def register() -> Response:
        tool = _tool()
        given = request.args.get("key", "")
        if not hmac.compare_digest(given, registration_key(tool.runtime.settings)):
            raise NotAllowed(
                "This registration URL is not valid; copy it again from `learnwire lti config`."
            )
        config_url = request.args.get("openid_configuration")
        if not config_url:
            raise LtiError(
                "No openid_configuration: paste this URL into the LMS's dynamic registration "
                "screen instead of opening it directly."
            )
        with tool.runtime.db.connection() as conn:
            registration, _ = dynamic_registration.register(
                conn,
                tool.http(),
                openid_configuration=config_url,
                registration_token=request.args.get("registration_token") or None,
                urls=tool.urls,
                tool_name=tool.name,
            )
        page = pages.render("registered.html", tool_name=tool.name, registration=registration)
        return _html(page)

    return bp


def _as_lti_error(exc: LearnwireError) -> LtiError:
    error = LtiError(str(exc))
    error.status, error.title = exc.status, exc.title
    return error
