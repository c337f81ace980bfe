"""The pages in Debian's Chromium: signed in through the LMS iframe (a test LTI platform) and
through the local OpenID Connect provider, each role sees what it may and not what it may
not, a compliance officer edits and applies a policy, and axe-core finds no serious or
critical violation. Screenshots are saved beside each test's temporary files.

axe-core is vendored from the npm registry at test time (``npm pack``, with its licence) into
``build/axe-core/``; without npm the accessibility checks are skipped, and say so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learnwire.core.models import IdentityRef
from learnwire.core.runtime import Runtime
from learnwire.core.web.app import create_app

from ..conftest import fixture_module

pytestmark = pytest.mark.browser
AXE_VERSION = "4.14.1"
AXE_DIR = Path(__file__).resolve().parents[2] / "build" / "axe-core" / AXE_VERSION
fake = sys.modules["lti_fake_platform"]
browser_platform = sys.modules["lti_browser_platform"]
library = sys.modules["learning_library"]


@pytest.fixture(scope="session")
def axe_source() -> str | None:
    """axe.min.js from the npm registry (kept with its LICENSE files), or None without npm."""
    script = AXE_DIR / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", AXE_DIR],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode != 0:
            return None
        with tarfile.open(AXE_DIR / f"axe-core-{AXE_VERSION}.tgz") as archive:
            for name in ("axe.min.js", "LICENSE", "LICENSE-3RD-PARTY.txt"):
                member = archive.getmember(f"package/{name}")
                (AXE_DIR / name).write_bytes(archive.extractfile(member).read())  # type: ignore[union-attr]
    return script.read_text()


def check_axe(target: Any, axe: str | None, label: str) -> None:
    """No serious or critical axe-core violation on the page or frame ``target``."""
    if axe is None:
        print(f"axe-core not available (no npm): accessibility of {label} NOT checked")
        return
    target.add_script_tag(content=axe)
    violations = target.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
    )
    assert violations == [], f"{label}: {violations}"


@pytest.fixture
def idp() -> Any:
    provider = fixture_module("fake_oidc").FakeOidcProvider()
    yield provider
    provider.stop()


@pytest.fixture
def site(settings, pm, db, platform, tool_url, idp) -> Any:
    """The tool on loopback with the LMS registered and the identity provider configured,
    and the sample organisation (a manager of a team of six and one of three)."""
    idp.redirect_uris.add(f"{tool_url}/sign-in/oidc/callback")
    own = settings.model_copy(
        update={
            "public_url": tool_url,
            "plugins": {
                "pages": {
                    "oidc_issuer": idp.issuer,
                    "oidc_client_id": idp.client_id,
                    "oidc_client_secret": idp.client_secret,
                }
            },
        }
    )
    runtime = Runtime(own, pm=pm, db=db)
    from learnwire.adapters.lti import keys, registrations
    from learnwire.adapters.lti.registrations import PlatformRegistration

    browser_platform.configure(platform, tool_url)
    with runtime.db.connection() as conn:
        keys.ensure_active(conn)
        registrations.save(
            conn,
            PlatformRegistration(
                issuer=platform.issuer,
                client_id=platform.client_id,
                auth_login_url=platform.url("/auth"),
                auth_token_url=platform.url("/token"),
                keyset_url=platform.url("/jwks"),
                deployment_ids=[platform.deployment_id],
            ),
        )
    items = library.seed_library(runtime)
    library.give_role(runtime, platform.issuer, "user-1")
    org = fixture_module("pages_org").build(runtime, items)
    served = fake.Served(create_app(runtime), int(tool_url.rsplit(":", 1)[1]))
    yield runtime, org, served.url
    served.stop()


def _link_email(runtime: Runtime, learner: Any, email: str) -> None:
    resolver = runtime.intake().resolver
    with runtime.db.connection() as conn:
        for value_hash, kind in resolver.hashes(IdentityRef(kind="email", value=email)):
            conn.execute(
                "INSERT INTO identity_link (value_hash, learner_id, kind, source, occurred_at) "
                "VALUES (%s, %s, %s, 'hr', now())",
                (value_hash, learner, kind),
            )


def _oidc_sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_role("link", name="Sign in with your organisation's account").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()


def test_browser_pages_learner_in_the_lms_iframe(chromium, site, platform, axe_source, tmp_path):
    platform.launches["open"] = {"sub": "user-1"}
    page = chromium.pages[0]
    page.goto(platform.url("/course/open?storage=_parent&window=iframe"))
    frame = page.frame_locator("#tool-frame")
    frame.get_by_role("link", name="My learning page").click()
    expect(frame.get_by_role("heading", name="My learning", exact=True)).to_be_visible()
    expect(frame.get_by_role("heading", name="Recommended for you today")).to_be_visible()
    expect(frame.get_by_role("heading", name="What shapes my recommendations")).to_be_visible()
    # A learner has no team or compliance page, and no way to name another learner.
    expect(frame.get_by_role("link", name="My team")).to_have_count(0)
    expect(frame.get_by_role("link", name="Compliance")).to_have_count(0)
    frame.get_by_role("button", name="Useful:").first.click()
    expect(frame.get_by_role("status")).to_contain_text("your rating will shape")
    handle = page.locator("#tool-frame").element_handle().content_frame()
    check_axe(handle, axe_source, "/me in the LMS iframe")
    page.set_viewport_size({"width": 1000, "height": 2400})
    page.locator("#tool-frame").screenshot(path=str(tmp_path / "me-in-lms.png"))


def test_browser_pages_manager_sees_totals_never_a_person(
    chromium, site, idp, axe_source, tmp_path
):
    runtime, org, url = site
    _link_email(runtime, org.manager, "lead@org.example")
    idp.user = {"sub": "lead", "email": "lead@org.example", "email_verified": True}
    page = chromium.pages[0]
    _oidc_sign_in(page, url)
    page.get_by_role("link", name="My team").click()
    page.locator("#team").select_option(label="Platform team")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Skill gaps against role targets")).to_be_visible()
    content = page.content()
    for person in org.big_team + org.small_team:
        assert str(person) not in content
    check_axe(page, axe_source, "/team")
    page.screenshot(path=str(tmp_path / "team.png"), full_page=True)
    page.locator("#team").select_option(label="Data team")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#refusal")).to_contain_text("fewer people than your organisation")
    expect(page.get_by_role("heading", name="Skill gaps against role targets")).to_have_count(0)
    page.goto(f"{url}/compliance")
    expect(page.get_by_role("heading", name="Not available to you")).to_be_visible()
    check_axe(page, axe_source, "an error page")


def test_browser_pages_compliance_officer_edits_and_applies_a_policy(
    chromium, site, idp, axe_source, tmp_path
):
    url = site[2]
    idp.user = {"sub": "dpo", "groups": ["privacy-office"]}
    page = chromium.pages[0]
    _oidc_sign_in(page, url)
    page.get_by_role("link", name="Compliance").click()
    page.get_by_role("link", name="Edit access.yaml").click()
    editor = page.get_by_label("Contents of access.yaml")
    original = editor.input_value()
    # As you type: the schema's complaint appears with its line, before any button.
    editor.fill(original.replace("min_group_size: 5", "min_group_size: one"))
    line = original.split("\n").index("  min_group_size: 5") + 1
    expect(page.locator("#live-problems")).to_contain_text(f"Line {line}:")
    editor.fill(original.replace("min_group_size: 5", "min_group_size: 7"))
    expect(page.locator("#live-problems")).to_have_text("No problems so far.")
    page.get_by_role("button", name="Dry run: what would change").click()
    expect(page.get_by_text("now 5, proposed 7")).to_be_visible()
    check_axe(page, axe_source, "the policy editor with a dry run")
    page.screenshot(path=str(tmp_path / "policy-dry-run.png"), full_page=True)
    page.get_by_label("Why you are changing it").fill("works council asked for 7")
    page.get_by_role("button", name="Apply").click()
    # Version numbers come from a sequence the per-test wipe does not reset.
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Applied as version \d+\."))
    expect(page.get_by_role("cell", name="works council asked for 7")).to_be_visible()
    page.get_by_role("link", name="Back to compliance").click()
    page.get_by_role("link", name="Audit log").click()
    page.get_by_role("button", name="Search and verify the chain").click()
    expect(page.get_by_role("status")).to_contain_text("The audit chain is intact")
    check_axe(page, axe_source, "the audit log")


def test_browser_pages_ld_admin_and_a_narrow_keyboard_only_visit(chromium, site, idp, axe_source):
    url = site[2]
    idp.user = {"sub": "ld", "groups": ["learning-and-development"]}
    page = chromium.pages[0]
    page.set_viewport_size({"width": 400, "height": 900})
    _oidc_sign_in(page, url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.get_by_role("link", name="Learning admin").click()
    expect(
        page.get_by_role("heading", name="Catalogue and coverage of needed skills")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    check_axe(page, axe_source, "/learning-admin at 400 px")
    expect(page.get_by_role("link", name="My team")).to_have_count(0)


def test_browser_pages_ld_admin_works_the_curation_review_queue(chromium, site, idp, axe_source):
    runtime, org, url = site
    with runtime.db.connection() as conn:
        conn.execute(
            "INSERT INTO skill_tag (content_id, skill_id, origin, weight, similarity, "
            "confidence, rank) VALUES (%s, 'coaching', 'machine', 0.3, 0.4, 0.3, 1)",
            (org.items["SQL joins"],),
        )
    idp.user = {"sub": "ld", "groups": ["learning-and-development"]}
    page = chromium.pages[0]
    _oidc_sign_in(page, url)
    page.get_by_role("link", name="Learning admin").click()
    page.get_by_role("link", name="Curation: gaps, stale items, duplicates, tag review").click()
    expect(page.get_by_role("heading", name="Tags waiting for review (1)")).to_be_visible()
    check_axe(page, axe_source, "/learning-admin/curation")
    page.get_by_role("button", name="Accept coaching on SQL joins").click()
    expect(page.get_by_role("status")).to_contain_text("Tag accepted.")
    expect(page.get_by_role("heading", name="Tags waiting for review (0)")).to_be_visible()
    with runtime.db.connection() as conn:
        assert conn.execute(
            "SELECT origin FROM content_skill WHERE content_id = %s AND skill_id = 'coaching'",
            (org.items["SQL joins"],),
        ).fetchone() == ("admin",)
