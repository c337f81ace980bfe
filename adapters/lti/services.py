"""HTTP plumbing for calls to the platform (JWKS, tokens, AGS, NRPS, registration)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import requests
from pylti1p3.exception import LtiServiceException
from pylti1p3.service_connector import ServiceConnector

from ... import __version__
from .errors import PlatformUnavailable

_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?', re.IGNORECASE)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")
#: Fields of a JSON error answer worth repeating (OAuth 2 and common API shapes).
_ERROR_FIELDS = ("error", "error_description", "message", "detail", "title")


def describe_answer(response: requests.Response) -> str:
    """A platform's failed answer in one line: the status and, when it sent a JSON error,
    its error fields. An HTML error page says nothing an admin can use and may carry
    anything, so its body is never repeated."""
    said = [f"HTTP {response.status_code}"]
    if "json" in response.headers.get("Content-Type", "").lower():
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for name in _ERROR_FIELDS:
                value = body.get(name)
                if isinstance(value, str) and value.strip():
                    said.append(f"{name}: {_UNPRINTABLE.sub(' ', value.strip())[:200]}")
    return ", ".join(said)


class TimeoutSession(requests.Session):
    """A requests session that never waits forever on a platform."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = f"learnwire-lti/{__version__}"

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def next_page_url(headers: dict[str, str]) -> str | None:
    """The ``rel="next"`` target of a Link header, with its case intact."""
    link = next((v for k, v in headers.items() if k.lower() == "link"), "")
    match = _NEXT.search(link.replace("\n", " "))
    return match.group(1) if match else None


class ToolServiceConnector(ServiceConnector):
    """pylti1p3's service connector with case-preserving paging links.

    pylti1p3 lower-cases the whole Link header before extracting the next page, which breaks
    any platform whose paging URLs carry upper-case tokens.
    """

    def get_access_token(self, scopes: Sequence[str]) -> str:
        """pylti1p3's token exchange, with failures that name it: every service call starts
        with it, and a refusal here is almost always about the tool's key, not the service."""
        url = self._registration.get_auth_token_url()
        try:
            return super().get_access_token(scopes)
        except LtiServiceException as exc:
            kid = self._registration.get_kid()
            raise PlatformUnavailable(
                f"The LMS refused the access-token request to {url} "
                f"({describe_answer(exc.response)}). This tool signed it with key "
                f"'{kid}'. The likely cause: the LMS holds an old copy of the tool's public "
                "key, pasted before `learnwire lti keys rotate`. Give the LMS the new key, or "
                "better its keyset URL (`learnwire lti config` prints both)."
            ) from exc
        except requests.RequestException as exc:
            raise PlatformUnavailable(
                f"The access-token request to {url} failed ({type(exc).__name__})."
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise PlatformUnavailable(
                f"The LMS's answer to the access-token request to {url} has no access_token."
            ) from exc

    def make_service_request(self, *args: Any, **kwargs: Any) -> Any:
        result = super().make_service_request(*args, **kwargs)
        result["next_page_url"] = next_page_url(dict(result["headers"]))
        return result
