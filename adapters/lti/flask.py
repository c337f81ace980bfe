"""Flask glue: routes that turn HTTP into calls on :class:`~.tool.LtiTool`, nothing more.

pylti1p3's Flask contrib classes do the request and cookie I/O; every decision lives in the
framework-free modules. Errors become HTML pages (the user is inside an LMS iframe, so a
JSON problem document would help nobody) with a 4xx status and the reason.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

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
from . import admin_audit, dynamic_registration, feedback, keys, launches, learner_input, pages
from .errors import LaunchNotFound, LtiError, NotAllowed
from .launch import ToolLaunch, ToolLogin
from .settings import registration_key
from .tool import LtiTool

#: The pages plugin's sign-in from a launch (learnwire.plugins.pages), when it is installed.
PAGES_SIGN_IN = "pages_auth.from_launch"
log = logging.getLogger("learnwire.lti")

#: The launches this browser holds, in its (signed) session cookie; the newest few suffice.
SESSION_LAUNCHES = "learnwire_lti_launches"
MAX_SESSION_LAUNCHES = 20

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
            tool.pages_url = (
                url_for(PAGES_SIGN_IN, launch_id="LAUNCH", launch_token="TOKEN")
                .replace("LAUNCH", "{launch_id}")
                .replace("TOKEN", "{launch_token}")
            )
        extensions["learnwire.lti"] = tool
    return extensions["learnwire.lti"]


def _pylti_request() -> FlaskRequest:
    return FlaskRequest(request_data={**request.args.to_dict(), **request.form.to_dict()})


def _html(page: str, status: int = 200) -> Response:
    return Response(page, status=status, mimetype="text/html", headers=_PAGE_HEADERS)


def _sign_in(record: launches.LaunchRecord) -> None:
    """Sign the launched person in for the JSON API and remember that this browser holds
    the launch (both only where the browser keeps cookies)."""
    if record.verified:
        session[SESSION_LEARNER] = str(record.learner_id)
        session[SESSION_ROLE] = record.role.policy_role
        held = [i for i in session.get(SESSION_LAUNCHES, []) if i != record.launch_id]
        session[SESSION_LAUNCHES] = [*held, record.launch_id][-MAX_SESSION_LAUNCHES:]


def _holds(launch_id: str) -> bool:
    return launch_id in session.get(SESSION_LAUNCHES, [])


def _bound(
    tool: LtiTool, conn: Any, launch_id: str, *, require_verified: bool = True
) -> launches.LaunchRecord:
    """The launch ``launch_id``, if this browser launched it: its session holds the launch,
    or the request carries the action token that only the launch's own pages hold."""
    record = launches.load(conn, launch_id, require_verified=require_verified)
    launches.require_bound(
        tool.action_secret(),
        record,
        request.values.get("launch_token"),
        known=_holds(launch_id),
    )
    return record


def _signed_in() -> str | None:
    return session.get(SESSION_LEARNER)


def _back_to_page(tool: LtiTool, record: launches.LaunchRecord, done: str) -> Response:
    # POST/redirect/GET: reloading the page must not post the rating again. A browser
    # without cookies (the usual case in an LMS iframe) proves itself with the token.
    query = {"done": done}
    if not _holds(record.launch_id):
        query["launch_token"] = tool.action_token(record)
    response = make_response(
        redirect(f"{tool.action_url(record.launch_id)}?{urlencode(query)}", code=303)
    )
    response.headers.update(_PAGE_HEADERS)
    return response


def _learner_says(launch_id: str, store: Callable[..., str], form: object) -> Response:
    """Store what the launched learner posted from their page (``store`` is one of
    :mod:`.learner_input`'s functions, given ``form``), then send them back to the page."""
    tool = _tool()
    with tool.runtime.db.connection() as conn:
        record = _bound(tool, conn, launch_id)
        done = store(tool, conn, record, form, signed_in=_signed_in())
    return _back_to_page(tool, record, done)


def _restore(tool: LtiTool, conn: Any, launch_id: str) -> tuple[Any, launches.LaunchRecord]:
    record = _bound(tool, conn, launch_id)
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
        # Before the connection is taken: the key-set fetch must not hold one.
        platform_keys = tool.platform_keys_for(request.form.get("id_token"))
        with tool.runtime.db.connection() as conn:
            message = FlaskToolLaunch(
                _pylti_request(),
                tool.tool_conf(conn),
                session_service=tool.session_service(conn),
                requests_session=tool.http(),
            )
            ctx, record = tool.accept(conn, message, platform_keys)
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
            record = _bound(tool, conn, launch_id, require_verified=False)
            page = tool.landing(conn, record, flash=feedback.thanks(request.args.get("done")))
        return _html(page)

    @bp.post("/launch/<launch_id>/feedback")
    def rate(launch_id: str) -> Response:
        return _learner_says(launch_id, learner_input.rate, request.form.to_dict())

    @bp.post("/launch/<launch_id>/survey")
    def survey(launch_id: str) -> Response:
        return _learner_says(launch_id, learner_input.answer_survey, request.form.to_dict())

    @bp.post("/launch/<launch_id>/priorities")
    def priorities(launch_id: str) -> Response:
        fields = [(k, v) for k, v in request.form.items(multi=True) if k != "launch_token"]
        return _learner_says(launch_id, learner_input.state_priorities, fields)

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
                f"({report.learners_created} new to learnwire"
                + (
                    f"; {report.memberships_ended} no longer in the course"
                    if report.memberships_ended
                    else ""
                )
                + ")."
            )
            page = tool.learner_page(conn, record, flash=flash)
        return _html(page)

    @bp.get("/deep-linking/<launch_id>")
    def picker(launch_id: str) -> Response:
        tool = _tool()
        with tool.runtime.db.connection() as conn:
            record = _bound(tool, conn, launch_id)
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
        granted = dynamic_registration.negotiate(
            tool.http(),
            openid_configuration=config_url,
            registration_token=request.args.get("registration_token") or None,
            urls=tool.urls,
            tool_name=tool.name,
            allow_http=tool.settings.allow_http,
        )
        with tool.runtime.db.connection() as conn:
            done = dynamic_registration.store(conn, granted)
            admin_audit.record_dynamic_registration(tool.runtime, conn, done)
        if done.replaced:
            log.info(
                "LTI dynamic registration for %s replaced client id(s) %s with %s",
                done.registration.issuer,
                ", ".join(done.replaced),
                done.registration.client_id,
            )
        page = pages.render("registered.html", tool_name=tool.name, registration=done.registration)
        return _html(page)

    return bp


def _as_lti_error(exc: LearnwireError) -> LtiError:
    error = LtiError(str(exc))
    error.status, error.title = exc.status, exc.title
    return error
