"""Real-browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser),
the tool on a real HTTP server on loopback, and the fake LMS serving the pages a browser
needs. The tool listens on 127.0.0.1 and the LMS on ``localhost``: two sites, so inside the
LMS's iframe the tool's cookies are third-party, as they are in production."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
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


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    """A Chromium context with a fresh profile directory, closed after the test."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"no Chromium at {CHROMIUM}, and it could not be installed here: `make test` "
            "installs it with `apt-get install -y chromium` (Playwright's own browser "
            "download is never used)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1000, "height": 900},
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


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
