"""Outbound HTTP for channels: every call has a deadline and reads at most a capped number
of bytes back, so a slow or hostile endpoint can neither hold a worker nor fill its memory.
Errors name the endpoint's host only (webhook URLs carry their secret in the path)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from .channel import ChannelError

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 256 * 1024
_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread: a worker sends many messages to the same host, and
    a new TLS connection per message would cost more than the message."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


def post_json(
    url: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    session: requests.Session | None = None,
) -> Reply:
    host = urlsplit(url).netloc.rsplit("@", 1)[-1] or "?"
    deadline = time.monotonic() + timeout
    try:
        response = (session or _session()).post(
            url,
            json=body,
            headers=headers or {},
            timeout=(min(timeout, 5.0), timeout),
            stream=True,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise ChannelError(f"{host} did not answer within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise ChannelError(f"could not reach {host} ({type(exc).__name__})") from None
    try:
        data = b""
        for chunk in response.iter_content(8192):
            data += chunk
            if len(data) > max_bytes:
                raise ChannelError(f"{host} answered with more than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise ChannelError(f"{host} did not finish answering within {timeout:g} s")
    except requests.RequestException as exc:
        raise ChannelError(f"{host} broke off its answer ({type(exc).__name__})") from None
    finally:
        response.close()
    return Reply(response.status_code, data)
