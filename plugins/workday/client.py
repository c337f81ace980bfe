"""A client for one Workday tenant: OAuth2 refresh-token flow, the REST API and RaaS.

* Access tokens come from ``POST <token_url>`` with ``grant_type=refresh_token`` and the API
  client's id and secret as HTTP Basic credentials (an API client for integrations, whose
  refresh token belongs to an integration system user). A token is reused until it expires;
  a 401 on a call refreshes it once and repeats the call.
* REST collections page with ``limit``/``offset`` and answer ``{"total": N, "data": [...]}``.
* RaaS custom reports answer ``{"Report_Entry": [...]}`` for ``?format=json``.

5xx answers, time-outs and dropped connections are retried with exponential back-off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from ...core.errors import LearnwireError

log = logging.getLogger(__name__)

#: Refresh this long before the token's stated expiry, so a call never races it.
_EXPIRY_MARGIN = timedelta(seconds=60)


class WorkdayError(LearnwireError):
    status = 502
    title = "Workday error"


class WorkdayAuthError(WorkdayError):
    """The token endpoint refused the API client or its refresh token."""

    status = 401
    title = "Workday authentication failed"


class WorkdayAccessDenied(WorkdayError):
    """The integration system user may not read this resource."""

    status = 403
    title = "Workday access denied"


class WorkdayUnavailable(WorkdayError):
    status = 503
    title = "Workday unavailable"


class WorkdayClient:
    def __init__(
        self,
        *,
        host: str,
        tenant: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        token_url: str,
        api_version: str = "v1",
        timeout: float = 60,
        retries: int = 3,
        backoff: float = 1.0,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host, self.tenant = host.rstrip("/"), tenant
        self._client = (client_id, client_secret)
        self._refresh_token = refresh_token
        self.token_url = token_url
        self.rest_base = f"{self.host}/ccx/api/{api_version}/{quote(tenant)}"
        self.raas_base = f"{self.host}/ccx/service/customreport2/{quote(tenant)}"
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.session = session or requests.Session()
        self._clock, self._sleep = clock, sleep
        self._access: str | None = None
        self._expires: datetime | None = None

    # -- OAuth ---------------------------------------------------------------------------

    def _token(self) -> str:
        if self._access is None or (
            self._expires is not None and self._clock() >= self._expires - _EXPIRY_MARGIN
        ):
            self._refresh()
        assert self._access is not None
        return self._access

    def _refresh(self) -> None:
        response = self._send(
            "POST",
            self.token_url,
            what="the token endpoint",
            data={"grant_type": "refresh_token", "refresh_token": self._refresh_token},
            auth=self._client,
        )
        body = _json(response, "the token endpoint")
        if response.status_code in (400, 401) or "access_token" not in body:
            reason = body.get("error_description") or body.get("error") or response.status_code
            raise WorkdayAuthError(
                f"Workday refused the refresh token ({reason}); register the API client for "
                "integrations again or generate a new refresh token for the integration "
                "system user, then set LEARNWIRE_PLUGINS__WORKDAY__REFRESH_TOKEN"
            )
        self._access = str(body["access_token"])
        expires_in = body.get("expires_in")
        self._expires = self._clock() + timedelta(seconds=float(expires_in)) if expires_in else None
        # Some tenants rotate refresh tokens; keep using the newest one for this run.
        self._refresh_token = str(body.get("refresh_token") or self._refresh_token)

    # -- calls ---------------------------------------------------------------------------

    def get(self, url: str, params: dict[str, Any], *, what: str) -> Any:
        """GET ``url`` with the bearer token; a 401 refreshes the token once."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
            response = self._send("GET", url, what=what, params=params, headers=headers)
            if response.status_code == 401 and attempt == 1:
                log.info("workday: access token rejected for %s, refreshing", what)
                self._access = None
                continue
            break
        if response.status_code == 401:
            raise WorkdayAuthError(f"Workday rejected a fresh access token for {what}")
        if response.status_code == 403:
            raise WorkdayAccessDenied(
                f"Workday denied {what} (HTTP 403); grant the integration system user's "
                "security group 'Get' access to the domains this data belongs to"
            )
        if response.status_code == 404:
            raise WorkdayError(f"Workday has no {what} at {url} (HTTP 404); check the setting")
        if response.status_code >= 400:
            raise WorkdayError(f"Workday answered {what} with HTTP {response.status_code}")
        return _json(response, what)

    def rest(self, resource: str, *, page_size: int) -> Iterator[dict[str, Any]]:
        """Every item of a REST collection (``/workers``, ...), page by page."""
        offset = 0
        while True:
            body = self.get(
                f"{self.rest_base}/{resource}",
                {"limit": page_size, "offset": offset},
                what=f"REST {resource}",
            )
            data = list(body.get("data") or [])
            yield from data
            offset += len(data)
            if not data or offset >= int(body.get("total") or 0):
                return

    def report(self, path: str) -> list[dict[str, Any]]:
        """The rows (``Report_Entry``) of the RaaS report ``<owner>/<Report_Name>``."""
        body = self.get(
            f"{self.raas_base}/{path.strip('/')}", {"format": "json"}, what=f"report {path}"
        )
        return list(body.get("Report_Entry") or [])

    def _send(self, method: str, url: str, *, what: str, **kwargs: Any) -> requests.Response:
        attempt = 0
        while True:
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = type(exc).__name__
            else:
                if response.status_code < 500:
                    return response
                problem = f"HTTP {response.status_code}"
            if attempt >= self.retries:
                raise WorkdayUnavailable(
                    f"Workday did not answer {what} after {attempt + 1} attempts (last: {problem})"
                )
            delay = self.backoff * (2**attempt)
            log.warning("workday %s: %s, retrying in %.1fs", what, problem, delay)
            self._sleep(delay)
            attempt += 1


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise WorkdayError(
            f"Workday answered {what} with something other than JSON "
            f"(HTTP {response.status_code}); for a report, check it is web-service enabled"
        ) from exc
    if not isinstance(body, dict):
        raise WorkdayError(f"Workday answered {what} with JSON that is not an object")
    return body
