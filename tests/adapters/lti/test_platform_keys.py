"""The platform key set (JWKS) fetched before a launch's signature is checked: a whole-fetch
deadline, a size cap, a cache that a forged ``kid`` cannot turn into one fetch per request,
negative caching, and no database connection held while the platform is being waited for.

The key sets are served by local HTTP servers that misbehave the way a hostile or broken
platform would: trickling, oversized, failing, or counting what they are asked."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

TRICKLED = 8


class KeySetServer:
    """A raw HTTP/1.0 server for one key-set document, answered by ``behaviour``."""

    def __init__(self, behaviour: Callable[[socket.socket, KeySetServer], None]) -> None:
        self.behaviour = behaviour
        self.requests = 0
        self.finished = threading.Event()
        self.completed = False
        self.sent = 0
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.recv(65536)
                server.requests += 1
                try:
                    server.behaviour(self.request, server)
                    server.completed = True
                except OSError:
                    pass  # the tool hung up, which is what these servers test for
                finally:
                    server.finished.set()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _head(length: int | None = None, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.0 {status}", "Content-Type: application/json"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture
def keyset_server(lti_runtime, registered) -> Iterator[Callable[..., KeySetServer]]:
    """Start a server and point the registered platform's key-set URL at it."""
    started: list[KeySetServer] = []

    def start(behaviour: Callable[[socket.socket, KeySetServer], None]) -> KeySetServer:
        served = KeySetServer(behaviour)
        started.append(served)
        with lti_runtime.db.connection() as conn:
            conn.execute("UPDATE lti_registration SET keyset_url = %s", (served.url,))
        return served

    yield start
    for served in started:
        served.stop()


def _settings(lti_runtime, **values: Any) -> None:
    lti_runtime.settings.plugins["lti"] = {**lti_runtime.settings.plugins.get("lti", {}), **values}


def test_platform_keys_trickling_key_set_is_cut_off_at_the_deadline(
    lti, lti_runtime, platform, keyset_server
):
    # The whole fetch gets one deadline: bytes arriving every 0.4 s never trip a per-read
    # time-out, so without it the launch waits for the last byte and goes through.
    _settings(lti_runtime, keyset_deadline_seconds=1.0)
    document = json.dumps({"keys": [platform.jwk]}).encode()

    def trickle(sock: socket.socket, server: KeySetServer) -> None:
        sock.sendall(_head(len(document)) + document[:-TRICKLED])
        for i in range(TRICKLED):
            threading.Event().wait(0.4)
            sock.sendall(document[len(document) - TRICKLED + i :][:1])

    served = keyset_server(trickle)
    response = lti.launch()
    page = response.get_data(as_text=True)
    assert response.status_code == 502, page
    assert "platform_keys_unavailable" in page
    assert "did not answer in full within 1 s" in page
    assert served.finished.wait(10)
    assert not served.completed, "the tool hung up before the key set was complete"


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "streamed"])
def test_platform_keys_oversized_key_set_is_refused_unread(
    lti, lti_runtime, platform, keyset_server, announced
):
    # A valid JWKS padded with 32 MiB of keys: read whole, it would verify the launch.
    pad = [{"kty": "oct", "kid": f"pad-{i}", "k": "A" * 1000} for i in range(32 * 1024)]
    document = json.dumps({"keys": [platform.jwk, *pad]}).encode()

    def oversized(sock: socket.socket, server: KeySetServer) -> None:
        sock.sendall(_head(len(document) if announced else None))
        for start in range(0, len(document), 65536):
            sock.sendall(document[start : start + 65536])
            server.sent = start + 65536

    served = keyset_server(oversized)
    response = lti.launch()
    page = response.get_data(as_text=True)
    assert response.status_code == 502, page
    assert "larger than 1048576 bytes" in page
    assert served.finished.wait(30)
    assert not served.completed and served.sent < len(document) // 2


def test_platform_keys_unknown_kid_does_not_force_a_fetch_per_request(lti, platform):
    assert lti.launch().status_code == 200
    assert platform.jwks_fetches == 1
    for i in range(5):
        forged = lti.launch(token_options={"kid": f"random-kid-{i}"})
        assert forged.status_code == 401
        assert "unknown_kid" in forged.get_data(as_text=True)
    assert platform.jwks_fetches == 2, "one refetch for an unknown kid, then the rate limit"
    assert lti.launch(sub="user-2").status_code == 200, "the cached key set still verifies"
    assert platform.jwks_fetches == 2


def test_platform_keys_unsigned_token_fetches_nothing(lti, platform):
    for i in range(3):
        unsigned = lti.launch(token_options={"alg": "none", "kid": f"random-{i}"})
        assert unsigned.status_code == 401
        assert "algorithm_not_allowed" in unsigned.get_data(as_text=True)
    assert platform.jwks_fetches == 0


def test_platform_keys_failed_fetch_is_remembered(lti, keyset_server):
    def failing(sock: socket.socket, server: KeySetServer) -> None:
        body = b"<html><body>Internal error</body></html>"
        sock.sendall(_head(len(body), "500 Internal Server Error") + body)

    served = keyset_server(failing)
    for _ in range(3):
        response = lti.launch()
        page = response.get_data(as_text=True)
        assert response.status_code == 502, page
        assert "answered HTTP 500" in page and "<body>" not in page.split("</h1>")[-1]
    assert served.requests == 1, "failures are cached: a dead key-set URL is not hammered"


def test_platform_keys_fetch_holds_no_database_connection(
    lti, lti_runtime, platform, keyset_server
):
    in_use: list[int] = []

    def watching(sock: socket.socket, server: KeySetServer) -> None:
        stats = lti_runtime.db.pool.get_stats()
        in_use.append(stats["pool_size"] - stats["pool_available"])
        document = json.dumps({"keys": [platform.jwk]}).encode()
        sock.sendall(_head(len(document)) + document)

    keyset_server(watching)
    response = lti.launch()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert in_use == [0], "no pooled connection is checked out while the platform is fetched"
