"""Real servers for the calendar tests: Radicale (CalDAV) and an ICS feed server, both on
127.0.0.1 in this process, plus a scan of the whole database for leaked event text."""

from __future__ import annotations

import base64
import hashlib
import socketserver
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from learnwire.core.store import Database

RADICALE_USERS = {"alice": "alice-secret", "bob": "bob-secret"}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


@dataclass
class RadicaleServer:
    """A running Radicale; ``requests`` lists (method, path, REPORT kind) it received."""

    url: str
    requests: list[tuple[str, str, str]] = field(default_factory=list)

    def client(self, user: str = "alice"):  # type: ignore[no-untyped-def]
        import caldav

        return caldav.DAVClient(
            url=self.url, username=user, password=RADICALE_USERS[user], enable_rfc6764=False
        )

    def reports(self) -> list[str]:
        return [kind for method, _, kind in self.requests if method == "REPORT"]


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[RadicaleServer]:
    """A real Radicale CalDAV server with htpasswd (plain) users alice and bob."""
    import radicale
    import radicale.config

    htpasswd = tmp_path / "users"
    htpasswd.write_text("".join(f"{u}:{p}\n" for u, p in RADICALE_USERS.items()))
    configuration = radicale.config.load([])
    configuration.update(
        {
            "auth": {
                "type": "htpasswd",
                "htpasswd_filename": str(htpasswd),
                "htpasswd_encryption": "plain",
                "delay": "0",
            },
            "storage": {"filesystem_folder": str(tmp_path / "collections")},
            "rights": {"type": "owner_only"},
            "logging": {"level": "warning"},
        },
        "test",
        privileged=True,
    )
    app = radicale.Application(configuration)
    server = RadicaleServer(url="")

    def recording_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        kind = ""
        if environ["REQUEST_METHOD"] == "REPORT":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            kind = next(
                (
                    k
                    for k in ("sync-collection", "calendar-query", "calendar-multiget")
                    if k.encode() in body
                ),
                "other",
            )
            import io

            environ["wsgi.input"] = io.BytesIO(body)
        server.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], kind))
        return app(environ, start_response)

    httpd = make_server(
        "127.0.0.1",
        0,
        recording_app,
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    server.url = f"http://127.0.0.1:{httpd.server_port}/"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@dataclass
class Feed:
    body: bytes
    username: str | None = None
    password: str | None = None
    status: int = 200


@dataclass
class FeedServer:
    """Serves ``feeds[path]`` as text/calendar with an ETag and honours If-None-Match.

    ``requests`` records (path, If-None-Match sent, status answered)."""

    url: str
    feeds: dict[str, Feed] = field(default_factory=dict)
    requests: list[tuple[str, str | None, int]] = field(default_factory=list)

    def serve(
        self, path: str, body: bytes, username: str | None = None, password: str | None = None
    ) -> None:
        self.feeds[path] = Feed(body, username, password)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    state = FeedServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            feed = state.feeds.get(self.path)
            sent = self.headers.get("If-None-Match")
            status = self._status(feed, sent)
            state.requests.append((self.path, sent, status))
            self.send_response(status)
            if status == 200 and feed is not None:
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("ETag", _etag(feed.body))
                self.send_header("Content-Length", str(len(feed.body)))
                self.end_headers()
                self.wfile.write(feed.body)
            else:
                self.send_header("Content-Length", "0")
                self.end_headers()

        def _status(self, feed: Feed | None, sent: str | None) -> int:
            if feed is None:
                return 404
            if feed.status != 200:
                return feed.status
            if feed.username is not None:
                expected = base64.b64encode(f"{feed.username}:{feed.password}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    return 401
            if sent is not None and sent == _etag(feed.body):
                return 304
            return 200

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


@pytest.fixture
def database_text(db: Database) -> Callable[[], str]:
    """Every row of every table as text, lower-cased: for asserting what is NOT stored."""

    def dump() -> str:
        parts = []
        with db.connection() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                )
            ]
            for table in tables:
                # Table names come from the catalogue, not from input.
                rows = conn.execute(f'SELECT t::text FROM "{table}" t').fetchall()
                parts.extend(f"{table}: {row[0]}" for row in rows)
        return "\n".join(parts).lower()

    return dump


# -- iCalendar text, written the way calendar servers send it ------------------------------

BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE"""


class ICal:
    """Builds VEVENTs and VCALENDARs as text. Times: 'YYYYMMDDTHHMMSS' in Europe/Berlin
    unless ``tz`` says 'Z' (UTC) or None (floating)."""

    @staticmethod
    def event(
        uid: str,
        summary: str,
        start: str,
        *,
        minutes: int = 30,
        tz: str | None = "Europe/Berlin",
        rrule: str | None = None,
        organizer: str | None = None,
        attendees: tuple[str | tuple[str, str], ...] = (),
        description: str | None = None,
        extra: tuple[str, ...] = (),
    ) -> str:
        def stamp(prop: str, value: str) -> str:
            if tz == "Z":
                return f"{prop}:{value}Z"
            if tz is None:
                return f"{prop}:{value}"
            return f"{prop};TZID={tz}:{value}"

        lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20251201T000000Z", stamp("DTSTART", start)]
        lines.append(f"DURATION:PT{minutes}M")
        lines.append(f"SUMMARY:{summary}")
        if description:
            lines.append(f"DESCRIPTION:{description}")
        if rrule:
            lines.append(f"RRULE:{rrule}")
        if organizer:
            lines.append(f"ORGANIZER;CN=Organiser:mailto:{organizer}")
        for attendee in attendees:
            address, params = attendee if isinstance(attendee, tuple) else (attendee, "")
            prefix = f"ATTENDEE;{params}" if params else "ATTENDEE;PARTSTAT=ACCEPTED"
            lines.append(f"{prefix}:mailto:{address}")
        lines.extend(extra)
        lines.append("END:VEVENT")
        return "\r\n".join(lines)

    @staticmethod
    def calendar(*events: str) -> str:
        body = "\r\n".join(events)
        return (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//learnwire tests//EN\r\n"
            f"{BERLIN.replace(chr(10), chr(13) + chr(10))}\r\n{body}\r\nEND:VCALENDAR\r\n"
        )


@pytest.fixture
def ical() -> type[ICal]:
    return ICal
