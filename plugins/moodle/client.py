"""A client for Moodle's web-service REST protocol (``/webservice/rest/server.php``).

Every call carries the token, the function name and ``moodlewsrestformat=json``; array
parameters use Moodle's ``name[0][key]`` form. Moodle answers errors with HTTP 200 and an
object ``{exception, errorcode, message}``; those become :class:`MoodleError` (or
:class:`MoodleAccessDenied` for token and permission problems) naming the function and
what to change. 5xx answers, time-outs and dropped connections are retried with
exponential back-off; anything else fails at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from ...core.errors import LearnwireError

log = logging.getLogger(__name__)

ENDPOINT = "/webservice/rest/server.php"

#: Error codes meaning "this token may not do that": retrying cannot help.
_ACCESS_CODES = {
    "invalidtoken",
    "accessexception",
    "nopermissions",
    "servicerequireslogin",
    "servicenotavailable",
    "usernotfullysetup",
    "invalidlogin",
    "forbidden",
    "requireloginerror",
}


class MoodleError(LearnwireError):
    """Moodle refused or failed a call; the message says which function and why."""

    status = 502
    title = "Moodle error"

    def __init__(
        self, message: str, *, function: str = "", errorcode: str = "", exception: str = ""
    ) -> None:
        super().__init__(message)
        self.function, self.errorcode, self.exception = function, errorcode, exception


class MoodleAccessDenied(MoodleError):
    """The token is invalid or lacks a function or capability."""

    status = 403
    title = "Moodle access denied"


class MoodleUnavailable(MoodleError):
    """Moodle kept failing (5xx, time-outs) after every retry."""

    status = 503
    title = "Moodle unavailable"


def flatten(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Turn nested params into Moodle's form fields: ``{"a": [{"k": 1}]}`` ->
    ``[("a[0][k]", "1")]``; booleans become ``1``/``0``."""
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            out.extend(flatten(value, name))
        elif isinstance(value, list | tuple):
            out.extend(flatten({str(i): v for i, v in enumerate(value)}, name))
        elif isinstance(value, bool):
            out.append((name, "1" if value else "0"))
        elif value is not None:
            out.append((name, str(value)))
    return out


class MoodleClient:
    """Calls web-service functions on one site with one token."""

    def __init__(
        self,
        site: str,
        token: str,
        *,
        timeout: float = 30,
        retries: int = 3,
        backoff: float = 1.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.site = site.rstrip("/")
        self._token = token
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.session = session or requests.Session()
        self._sleep = sleep

    def call(self, function: str, **params: Any) -> Any:
        """Call ``function`` and return its decoded JSON result."""
        data = [
            ("wstoken", self._token),
            ("wsfunction", function),
            ("moodlewsrestformat", "json"),
            *flatten(params),
        ]
        response = self._post(function, data)
        try:
            body = response.json()
        except ValueError as exc:
            raise MoodleError(
                f"Moodle answered {function} with something other than JSON (HTTP "
                f"{response.status_code}); check that {self.site} is the site root and web "
                "services with the REST protocol are enabled",
                function=function,
            ) from exc
        if isinstance(body, dict) and "exception" in body:
            raise _error(function, body)
        return body

    def _post(self, function: str, data: list[tuple[str, str]]) -> requests.Response:
        url = self.site + ENDPOINT
        attempt = 0
        while True:
            try:
                response = self.session.post(url, data=data, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}"
            else:
                if response.status_code < 500:
                    if response.status_code >= 400:
                        raise MoodleError(
                            f"Moodle answered {function} with HTTP {response.status_code}; "
                            f"check the site URL ({self.site}) and that the REST protocol is "
                            "enabled",
                            function=function,
                        )
                    return response
                problem = f"HTTP {response.status_code}"
            if attempt >= self.retries:
                raise MoodleUnavailable(
                    f"Moodle did not answer {function} after {attempt + 1} attempts "
                    f"(last: {problem}); the site may be down or overloaded",
                    function=function,
                )
            delay = self.backoff * (2**attempt)
            log.warning("moodle %s: %s, retrying in %.1fs", function, problem, delay)
            self._sleep(delay)
            attempt += 1

    # -- functions ---------------------------------------------------------------------

    def courses(self, ids: list[int] | None = None) -> list[dict[str, Any]]:
        """``core_course_get_courses``: every course, or those in ``ids``."""
        params: dict[str, Any] = {"options": {"ids": ids}} if ids else {}
        return list(self.call("core_course_get_courses", **params))

    def course_contents(self, course_id: int) -> list[dict[str, Any]]:
        """``core_course_get_contents``: the course's sections and their modules."""
        return list(self.call("core_course_get_contents", courseid=course_id))

    def enrolled_users(
        self, course_id: int, *, page_size: int, fields: str
    ) -> Iterator[dict[str, Any]]:
        """``core_enrol_get_enrolled_users``, page by page (``limitfrom``/``limitnumber``)."""
        offset = 0
        while True:
            options = [
                {"name": "userfields", "value": fields},
                {"name": "limitfrom", "value": offset},
                {"name": "limitnumber", "value": page_size},
            ]
            page = self.call("core_enrol_get_enrolled_users", courseid=course_id, options=options)
            yield from page
            if len(page) < page_size:
                return
            offset += page_size

    def users(self, criteria: Mapping[str, str]) -> list[dict[str, Any]]:
        """``core_user_get_users`` with ``criteria`` (key -> value, ``%`` as wildcard)."""
        body = self.call(
            "core_user_get_users",
            criteria=[{"key": k, "value": v} for k, v in criteria.items()],
        )
        return list(body.get("users", []))

    def activities_completion(self, course_id: int, user_id: int) -> list[dict[str, Any]]:
        body = self.call(
            "core_completion_get_activities_completion_status",
            courseid=course_id,
            userid=user_id,
        )
        return list(body.get("statuses", []))

    def course_completion(self, course_id: int, user_id: int) -> dict[str, Any] | None:
        """The course completion status, or None when the course tracks no completion."""
        try:
            body = self.call(
                "core_completion_get_course_completion_status",
                courseid=course_id,
                userid=user_id,
            )
        except MoodleError as exc:
            if exc.errorcode in ("nocriteriaset", "completionnotenabled"):
                return None
            raise
        return body.get("completionstatus")

    def grade_items(self, course_id: int) -> list[dict[str, Any]]:
        """``gradereport_user_get_grade_items`` for every user of the course (userid 0)."""
        body = self.call("gradereport_user_get_grade_items", courseid=course_id, userid=0)
        return list(body.get("usergrades", []))

    def course_competencies(self, course_id: int) -> list[dict[str, Any]]:
        """``tool_lp_data_for_course_competencies_page``: the course's competencies, each
        with the course modules linked to it."""
        body = self.call("tool_lp_data_for_course_competencies_page", courseid=course_id)
        return list(body.get("competencies", []))

    def user_plans(self, user_id: int) -> list[dict[str, Any]]:
        return list(self.call("core_competency_list_user_plans", userid=user_id))

    def plan_competencies(self, plan_id: int) -> list[dict[str, Any]]:
        return list(self.call("core_competency_list_plan_competencies", id=plan_id))


def _error(function: str, body: Mapping[str, Any]) -> MoodleError:
    code = str(body.get("errorcode") or "")
    exception = str(body.get("exception") or "")
    message = str(body.get("message") or exception or "unknown error")
    if code in _ACCESS_CODES or exception == "webservice_access_exception":
        hint = (
            "check the token (LEARNWIRE_PLUGINS__MOODLE__TOKEN)"
            if code == "invalidtoken"
            else f"add {function} to the token's external service and give its user the "
            "capabilities the function needs"
        )
        return MoodleAccessDenied(
            f"Moodle refused {function}: {message} ({code or exception}); {hint}",
            function=function,
            errorcode=code,
            exception=exception,
        )
    return MoodleError(
        f"Moodle failed {function}: {message} ({code or exception})",
        function=function,
        errorcode=code,
        exception=exception,
    )
