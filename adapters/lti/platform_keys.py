"""Platform key sets (JWKS): fetched with a hard deadline and a size cap, cached per issuer.

A launch cannot be verified without the platform's public keys, and whoever can post an
id_token naming a registered issuer can make the tool ask for them. So the fetch is bounded
in every dimension an attacker (or a broken LMS) controls:

* time: one deadline for the whole exchange (connect, headers, body), enforced by a watchdog
  that shuts the socket when it passes, so a server trickling a byte every few seconds is
  cut off at the deadline rather than after each read's time-out;
* size: the body is streamed and refused as soon as it passes the cap;
* frequency: a key set is reused for ``cache_seconds``; a token naming an unknown ``kid``
  may force a refetch at most once per ``refetch_seconds`` per issuer; a failed fetch is
  remembered for ``failure_seconds`` so a dead or hostile key-set URL is not hammered;
* concurrency: one fetch per issuer at a time, the others wait for its result.

Nothing here touches the database: callers fetch before they take a connection.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies, proxy_bypass

from ... import __version__
from .settings import LtiSettings

MAX_REDIRECTS = 3


class KeySetUnavailable(Exception):
    """The key set could not be had; the message says why, without the server's bytes."""


@dataclass(frozen=True)
class FetchLimits:
    deadline_seconds: float = 5.0
    max_bytes: int = 1 << 20


def fetch_key_set(url: str, limits: FetchLimits) -> dict[str, Any]:
    """GET ``url`` as a JWKS document within ``limits``; raises KeySetUnavailable."""
    deadline = time.monotonic() + limits.deadline_seconds
    for _ in range(MAX_REDIRECTS + 1):
        status, location, body = _get(url, deadline, limits)
        if status in (301, 302, 303, 307, 308) and location:
            target = urljoin(url, location)
            if urlsplit(url).scheme == "https" and urlsplit(target).scheme != "https":
                raise KeySetUnavailable("it redirected from https to plain http")
            url = target
            continue
        if status != 200:
            raise KeySetUnavailable(f"it answered HTTP {status}")
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise KeySetUnavailable("its answer is not JSON") from exc
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise KeySetUnavailable("its answer is not a JWKS document (no 'keys' list)")
        return document
    raise KeySetUnavailable(f"it redirected more than {MAX_REDIRECTS} times")


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection for ``url`` (through the environment's proxy, if any) and the request
    target to send on it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KeySetUnavailable("its URL is not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    proxy = None if proxy_bypass(parts.hostname) else getproxies().get(parts.scheme)
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        if proxy:
            p = urlsplit(proxy)
            conn = http.client.HTTPSConnection(
                p.hostname or "", p.port or 80, timeout=timeout, context=context
            )
            conn.set_tunnel(parts.hostname, port)
        else:
            conn = http.client.HTTPSConnection(
                parts.hostname, port, timeout=timeout, context=context
            )
        return conn, target
    if proxy:
        p = urlsplit(proxy)
        return http.client.HTTPConnection(p.hostname or "", p.port or 80, timeout=timeout), url
    return http.client.HTTPConnection(parts.hostname, port, timeout=timeout), target


def _get(url: str, deadline: float, limits: FetchLimits) -> tuple[int, str | None, bytes]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _late(limits)
    conn, target = _connection(url, remaining)
    cut = threading.Event()
    # http.client lets go of the socket once a response says it will close the connection,
    # so the watchdog keeps its own reference.
    held: list[socket.socket] = []

    def watchdog() -> None:
        # Per-operation time-outs restart with every byte; this ends the exchange as a whole.
        cut.set()
        for sock in held:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(remaining, watchdog)
    timer.daemon = True
    timer.start()
    response: http.client.HTTPResponse | None = None
    try:
        conn.connect()
        held.append(conn.sock)
        if cut.is_set():
            raise _late(limits)
        conn.request(
            "GET",
            target,
            headers={
                "Accept": "application/json, application/jwk-set+json",
                "User-Agent": f"learnwire-lti/{__version__}",
            },
        )
        response = conn.getresponse()
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > limits.max_bytes:
            raise _too_large(limits)
        body = bytearray()
        while chunk := response.read1(65536):
            body += chunk
            if len(body) > limits.max_bytes:
                raise _too_large(limits)
        if cut.is_set():
            raise _late(limits)
        return response.status, response.getheader("Location"), bytes(body)
    except KeySetUnavailable:
        raise
    except (OSError, http.client.HTTPException) as exc:
        if cut.is_set():
            raise _late(limits) from exc
        raise KeySetUnavailable(f"it could not be reached ({type(exc).__name__}: {exc})") from exc
    finally:
        timer.cancel()
        # The response holds its own reference to the socket: both must let go of it.
        if response is not None:
            response.close()
        conn.close()


def _late(limits: FetchLimits) -> KeySetUnavailable:
    return KeySetUnavailable(
        f"it did not answer in full within {limits.deadline_seconds:g} s (the deadline for "
        "the whole fetch)"
    )


def _too_large(limits: FetchLimits) -> KeySetUnavailable:
    return KeySetUnavailable(
        f"its answer is larger than {limits.max_bytes} bytes, the most this tool reads"
    )


@dataclass
class _Entry:
    url: str
    keys: dict[str, Any] | None = None
    fetched_at: float = float("-inf")
    refetched_at: float = float("-inf")
    failed_at: float = float("-inf")
    failure: str = ""


@dataclass(frozen=True)
class KeyLookup:
    """What a launch gets: the key set fetched from ``url`` to verify with, and why the
    latest attempt to get it failed (``error``), if it did."""

    url: str
    keys: dict[str, Any] | None
    error: str | None = None


def has_kid(keyset: dict[str, Any], kid: str) -> bool:
    return any(isinstance(k, dict) and k.get("kid") == kid for k in keyset.get("keys", []))


class PlatformKeyCache:
    """Key sets per issuer, shared by the requests of one process.

    ``fetch`` is the function that gets a document (``fetch_key_set`` with the limits);
    ``clock`` is monotonic seconds. Both are parameters so the policy can be tested
    without waiting.
    """

    def __init__(
        self,
        *,
        limits: FetchLimits,
        cache_seconds: float,
        refetch_seconds: float,
        failure_seconds: float,
        fetch: Callable[[str, FetchLimits], dict[str, Any]] = fetch_key_set,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.cache_seconds = cache_seconds
        self.refetch_seconds = refetch_seconds
        self.failure_seconds = failure_seconds
        self._fetch = fetch
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @classmethod
    def from_settings(cls, settings: LtiSettings) -> PlatformKeyCache:
        return cls(
            limits=FetchLimits(
                deadline_seconds=settings.keyset_deadline_seconds,
                max_bytes=settings.keyset_max_bytes,
            ),
            cache_seconds=settings.keyset_cache_seconds,
            refetch_seconds=settings.keyset_refetch_seconds,
            failure_seconds=settings.keyset_failure_seconds,
        )

    def _lock_for(self, issuer: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(issuer, threading.Lock())

    def lookup(self, issuer: str, url: str, kid: str) -> KeyLookup:
        """The issuer's key set for a token signed with ``kid``.

        Served from the cache while fresh and holding ``kid``; fetched when stale or when
        the URL changed; refetched for an unknown ``kid`` only if the last such refetch is
        older than ``refetch_seconds``. A recent failure is answered from memory.
        """
        lock = self._lock_for(issuer)
        # Waiters queue behind one fetch; none waits longer than a fetch may take.
        if not lock.acquire(timeout=self.limits.deadline_seconds + 1):
            return KeyLookup(url, None, "another request is still fetching it")
        try:
            return self._lookup_locked(issuer, url, kid)
        finally:
            lock.release()

    def _lookup_locked(self, issuer: str, url: str, kid: str) -> KeyLookup:
        now = self._clock()
        entry = self._entries.get(issuer)
        if entry is None or entry.url != url:
            entry = self._entries[issuer] = _Entry(url)
        fresh = entry.keys is not None and now - entry.fetched_at < self.cache_seconds
        if fresh and entry.keys is not None and has_kid(entry.keys, kid):
            return KeyLookup(url, entry.keys)
        if now - entry.failed_at < self.failure_seconds:
            return KeyLookup(url, entry.keys, f"the last attempt failed: {entry.failure}")
        if fresh:
            # The kid is unknown to a fresh key set: the platform may have rotated, or the
            # token is forged. Either way one refetch per interval is enough.
            if now - entry.refetched_at < self.refetch_seconds:
                return KeyLookup(url, entry.keys)
            entry.refetched_at = now
        try:
            entry.keys = self._fetch(url, self.limits)
        except KeySetUnavailable as exc:
            entry.failed_at, entry.failure = self._clock(), str(exc)
            return KeyLookup(url, None, str(exc))
        entry.fetched_at = self._clock()
        return KeyLookup(url, entry.keys)
