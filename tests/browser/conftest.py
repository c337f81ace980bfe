"""Real-browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser),
the tool on a real HTTP server on loopback, and the fake LMS serving the pages a browser
needs. The tool listens on 127.0.0.1 and the LMS on ``localhost``: two sites, so inside the
LMS's iframe the tool's cookies are third-party, as they are in production."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from learnwire.adapters.lti import keys, registrations
from learnwire.adapters.lti.registrations import PlatformRegistration
from learnwire.core.runtime import Runtime
from learnwire.core.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TESTS = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fake = _load("lti_fake_platform", TESTS / "adapters" / "lti" / "fake_platform.py")
pages = _load("lti_browser_platform", Path(__file__).with_name("browser_platform.py"))
library = _load("learning_library", TESTS / "fixtures" / "learning_library.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Debian's Chromium under Playwright has been seen, about one run in four on a loaded machine,
# to leave a test waiting for ever (the main thread in Playwright's loop, Chromium alive, no
# request in flight: a call with no timeout of its own, such as a new page or an evaluate),
# holding the whole suite until CI's limit. A test whose browser stops answering for this long
# has its browser killed: the stuck call then fails at once with Playwright's
# TargetClosedError. Browser tests are retried once (pytest_collection_modifyitems below): on
# a loaded 2-core machine a real browser has also missed a 15 s wait once in a full run that
# passed in isolation six times out of six; a real regression fails both tries.
BROWSER_HANG_S = 120
PLAYWRIGHT_LOG_TAIL = 40


class _HangWatchdog:
    """Kills the Chromium whose profile is ``profile`` if the test is still running after
    ``seconds``, and remembers that it did."""

    def __init__(self, profile: Path, seconds: float) -> None:
        self.profile = profile
        self.fired = False
        self._timer = threading.Timer(seconds, self._kill)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def _kill(self) -> None:
        self.fired = True
        marker = f"--user-data-dir={self.profile}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker in argv:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(entry.name), signal.SIGKILL)


def _log_tail(log: Path) -> str:
    if not log.exists():
        return "(Playwright wrote no log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-PLAYWRIGHT_LOG_TAIL:])


@pytest.fixture
def chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """A Chromium context with a fresh profile directory, closed after the test. Its start-up
    page is ``pages[0]``: tests use it rather than opening another page, a call with no timeout
    of its own that Playwright's tracker has seen hang (microsoft/playwright#3939, #4761).
    Playwright's own log of the calls goes to a file, printed when the browser hung."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"no Chromium at {CHROMIUM}, and it could not be installed here: `make test` "
            "installs it with `apt-get install -y chromium` (Playwright's own browser "
            "download is never used)"
        )
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions (below): on a loaded two-core machine a launch
    # through the course page's iframe has taken more than expect's default 5 s to render.
    expect.set_options(timeout=15_000)

    log = tmp_path / "playwright.log"
    monkeypatch.setenv("DEBUG", "pw:api")
    monkeypatch.setenv("DEBUG_FILE", str(log))
    profile = tmp_path / "chromium-profile"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1000, "height": 900},
            timeout=60_000,
        )
        context.set_default_timeout(15_000)
        watchdog = _HangWatchdog(profile, BROWSER_HANG_S)
        try:
            yield context
            if _failed(request) and not watchdog.fired:
                # Straight to the terminal: a first try that is retried and then passes has
                # no report of its own that would carry a captured section.
                _to_terminal(request, _what_the_browser_shows(context))
        finally:
            try:
                context.close()
            finally:
                watchdog.cancel()
                if watchdog.fired:
                    _to_terminal(
                        request,
                        f"Chromium stopped answering for {BROWSER_HANG_S} s and was killed; "
                        f"Playwright's last calls:\n{_log_tail(log)}",
                    )


def _to_terminal(request: pytest.FixtureRequest, text: str) -> None:
    # pytest captures file descriptor 2 itself, so even sys.__stderr__ lands in the test's
    # captured output, which a retried first try never shows: suspend capture to print.
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(text, file=sys.stderr, flush=True)


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "call_report", None)
    return report is not None and report.failed


def _what_the_browser_shows(context: Any) -> str:
    """Every frame's address and the start of its text, for a failed test's report."""
    lines = ["What the browser showed when the test failed:"]
    for page in context.pages:
        for frame in page.frames:
            try:
                text = frame.locator("body").inner_text(timeout=2_000)
            except Exception as exc:  # a detached or hung frame: say so, keep going
                text = f"(unreadable: {type(exc).__name__})"
            lines.append(f"- {frame.url}\n  {' '.join(text.split())[:600]}")
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.call_report = report  # type: ignore[attr-defined]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("browser"):
            # One retry (see BROWSER_HANG_S); a whole-test limit catches a hang anywhere else.
            item.add_marker(pytest.mark.flaky(reruns=1))
            item.add_marker(pytest.mark.timeout(3 * BROWSER_HANG_S))


@pytest.fixture
def platform() -> Iterator[Any]:
    p = pages.BrowserPlatform()
    yield p
    p.served.stop()


@pytest.fixture
def tool_url() -> str:
    return f"http://127.0.0.1:{_free_port()}"


@pytest.fixture
def lti_runtime(settings, pm, db, tool_url) -> Runtime:
    return Runtime(settings.model_copy(update={"public_url": tool_url}), pm=pm, db=db)


@pytest.fixture
def tool(lti_runtime, platform, tool_url) -> Iterator[str]:
    """The tool served on loopback, the platform registered with it, the library loaded
    and the LMS's user-1 a team lead in HR."""
    pages.configure(platform, tool_url)
    registration = PlatformRegistration(
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.url("/auth"),
        auth_token_url=platform.url("/token"),
        keyset_url=platform.url("/jwks"),
        deployment_ids=[platform.deployment_id],
    )
    with lti_runtime.db.connection() as conn:
        keys.ensure_active(conn)
        registrations.save(conn, registration)
    library.seed_library(lti_runtime)
    library.give_role(lti_runtime, platform.issuer, "user-1")
    served = fake.Served(create_app(lti_runtime), int(tool_url.rsplit(":", 1)[1]))
    yield served.url
    served.stop()
