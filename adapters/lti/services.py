"""HTTP plumbing for calls to the platform (JWKS, tokens, AGS, NRPS, registration)."""

from __future__ import annotations

import re
from typing import Any

import requests
from pylti1p3.service_connector import ServiceConnector

from ... import __version__

_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?', re.IGNORECASE)


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

    def make_service_request(self, *args: Any, **kwargs: Any) -> Any:
        result = super().make_service_request(*args, **kwargs)
        result["next_page_url"] = next_page_url(dict(result["headers"]))
        return result
