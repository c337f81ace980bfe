"""The LTI tool in a real browser: OIDC login -> launch inside the LMS's iframe with the
platform-storage (postMessage) flow, rating from the learner page, and the session that a
top-window launch opens for the JSON API. The fake LMS checks every request and message."""

from __future__ import annotations

import re
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from learnwire.core.models import DataCategory, LearningEvent
from learnwire.core.sources import SourceBatch

library = sys.modules["learning_library"]

pytestmark = pytest.mark.browser
DISMISSED = "Thanks — we won't recommend that one again."


def launch_row(runtime: Any) -> tuple[Any, ...]:
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT launch_id, learner_id, binding, verified FROM lti_launch "
            "ORDER BY occurred_at DESC LIMIT 1"
        ).fetchone()


def storage_messages(window: Any) -> tuple[list[tuple[str, str]], list[str]]:
    log = window.evaluate("window.ltiStorageLog")
    problems = window.evaluate("window.ltiStorageProblems")
    return [(m["subject"], m["origin"]) for m in log], problems


def recommended(frame: Any) -> list[str]:
    return frame.locator("ul.items li strong").all_inner_texts()


def open_course(chromium: Any, platform: Any, storage: str, window: str = "iframe") -> Page:
    platform.launches["open"] = {"sub": "user-1"}
    page = chromium.pages[0]
    page.goto(platform.url(f"/course/open?storage={storage}&window={window}"))
    return page


@pytest.mark.parametrize("storage", ["_parent", "frame"])
def test_browser_platform_storage_launch_in_the_lms_iframe(
    chromium, tool, platform, lti_runtime, storage
):
    page = open_course(chromium, platform, storage)
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("heading", name="Your learning")).to_be_visible()
    expect(frame.get_by_role("heading", name="Recommended for you now")).to_be_visible()

    launch_id, _, binding, verified = launch_row(lti_runtime)
    assert (binding, verified) == ("platform_storage", True), "no cookie bound this launch"
    responder = page if storage == "_parent" else page.frame(name=platform.storage_frame)
    messages, problems = storage_messages(responder)
    assert problems == []
    assert sorted(messages) == [("lti.get_data", tool)] * 2 + [("lti.put_data", tool)] * 2
    assert platform.problems == []
    assert f"/lti/launch/{launch_id}/feedback" in frame.locator("form.verdicts").first.evaluate(
        "form => form.action"
    )


def test_browser_dismiss_in_the_iframe_re_ranks_and_screenshot(
    chromium, tool, platform, lti_runtime, tmp_path: Path
):
    page = open_course(chromium, platform, "_parent")
    page.set_viewport_size({"width": 1000, "height": 2100})  # the whole iframe in view
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("heading", name="Recommended for you now")).to_be_visible()
    before = recommended(frame)
    first = before[0]
    expect(frame.get_by_text("Why:").first).to_be_visible()

    frame.get_by_role("button", name=f"Dismiss: {first}", exact=True).click()
    expect(frame.get_by_role("status")).to_have_text(DISMISSED)
    page.locator("#tool-frame").screenshot(path=str(tmp_path / "learner-page-dismissed.png"))
    after = recommended(frame)
    assert first not in after and after, (before, after)
    assert after != before[1:] or len(after) == len(before) - 1
    with lti_runtime.db.connection() as conn:
        [(verb,)] = conn.execute(
            "SELECT verb FROM learning_event WHERE data_category = 'feedback'"
        ).fetchall()
    assert verb.endswith("/dismiss")

    sql = set(library.TITLES["sql"].split("|"))
    assert not sql & set(after)
    frame.get_by_label("Add another skill").select_option(label="SQL (data)")
    frame.get_by_role("button", name="Save my priorities").click()
    expect(frame.get_by_role("status")).to_contain_text("your priorities are saved")
    assert sql & set(recommended(frame)), "the stated skill comes in"
    expect(frame.get_by_label("SQL (your own choice)")).to_have_value("1")

    shot = tmp_path / "learner-page.png"
    page.locator("#tool-frame").screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    print(f"\nlearner page screenshot: {shot}")


def test_browser_top_window_launch_signs_in_for_the_json_api(
    chromium, tool, platform, lti_runtime, tmp_path: Path
):
    page = open_course(chromium, platform, "none", window="top")
    expect(page.get_by_role("heading", name="Hello Ada Lovelace")).to_be_visible()
    assert page.url.startswith(f"{tool}/lti/launch")
    launch_id, learner, _, verified = launch_row(lti_runtime)
    assert verified
    api = f"/api/v1/learners/{learner}"

    listed = page.evaluate(
        "url => fetch(url).then(r => r.json().then(body => [r.status, body]))",
        f"{api}/recommendations?limit=3",
    )
    assert listed[0] == 200, listed
    top = listed[1]["recommendations"][0]["item"]
    assert top["title"] in recommended(page)
    status = page.evaluate(
        """([url, id]) => fetch(url, {method: "POST", headers: {"Content-Type":
        "application/json"}, body: JSON.stringify({content_id: id, verdict: "dismiss"})})
        .then(r => r.status)""",
        [f"{api}/feedback", top["id"]],
    )
    assert status == 201
    # The page's own URL (a reload would post the used id_token again).
    page.goto(f"{tool}/lti/launch/{launch_id}")
    expect(page.get_by_role("heading", name="Recommended for you now")).to_be_visible()
    assert top["title"] not in recommended(page)
    page.screenshot(path=str(tmp_path / "learner-page-top.png"), full_page=True)
    assert requests.get(f"{tool}{api}/recommendations", timeout=10).status_code == 401


def test_browser_launch_from_another_browser_is_not_confirmed(
    chromium, tool, platform, lti_runtime, login_elsewhere
):
    # A launch made elsewhere, opened by a browser that holds neither its session nor its
    # page token: refused before its confirmation page (which would carry state and nonce).
    launch_id = login_elsewhere()
    page = chromium.pages[0]
    page.goto(platform.url("/frame?src=") + f"{tool}/lti/launch/{launch_id}")
    frame = page.frame_locator("#tool-frame")
    expect(frame.locator("body")).to_contain_text("not opened in this browser")
    assert launch_row(lti_runtime)[2:] == ("platform_storage", False)
    _, problems = storage_messages(page)
    assert problems == [], "the refused page asked the LMS for nothing"


def test_browser_silent_platform_storage_does_not_leave_the_learner_waiting(
    chromium, tool, platform, lti_runtime
):
    page = open_course(chromium, platform, "silent")
    # The login waits 2 s for the unanswered put_data, the page 3 s for get_data.
    expect(page.frame_locator("#tool-frame").locator("#status")).to_contain_text(
        "The LMS did not answer", timeout=15_000
    )
    assert launch_row(lti_runtime)[2:] == ("platform_storage", False)


@pytest.fixture
def login_elsewhere(tool, platform):
    """A platform-storage login and launch made outside the browser (its state and nonce
    are in no browser's platform storage); the launch id it leaves pending."""

    def run() -> str:
        platform.launches["elsewhere"] = {"sub": "user-1"}
        http = requests.Session()
        login = http.get(
            f"{tool}/lti/login",
            params={
                "iss": platform.issuer,
                "login_hint": "user-1",
                "target_link_uri": platform.tool_launch_url,
                "lti_message_hint": "elsewhere",
                "client_id": platform.client_id,
                "lti_storage_target": "_parent",
            },
            timeout=10,
        )
        auth_url = re.search(r'var authUrl = "([^"]+)"', login.text)[1]
        auth = requests.get(auth_url.replace("\\u0026", "&"), timeout=10)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', auth.text))
        pending = requests.post(platform.tool_launch_url, data=fields, timeout=10)
        return re.search(r'name="launch_id" value="([^"]+)"', pending.text)[1]

    return run


def test_browser_survey_tap_in_the_iframe_lands_as_a_statement(
    chromium, tool, platform, lti_runtime
):
    page = open_course(chromium, platform, "_parent")
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("heading", name="Recommended for you now")).to_be_visible()
    _, learner, _, _ = launch_row(lti_runtime)
    finished = LearningEvent(
        statement_id=uuid.uuid4(),
        learner_id=learner,
        source="lms",
        data_category=DataCategory.BEHAVIOURAL,
        occurred_at=datetime.now(UTC) - timedelta(hours=3),
        verb="http://adlnet.gov/expapi/verbs/completed",
        object_id="https://library.example/activities/coaching-1",
        result={"completion": True},
    )
    with lti_runtime.db.connection() as conn:
        lti_runtime.intake().store(conn, SourceBatch(events=[finished]), source="lms")

    page = open_course(chromium, platform, "_parent")
    frame = page.frame_locator("#tool-frame")
    expect(frame.get_by_role("heading", name="A quick question")).to_be_visible()
    frame.get_by_role("button", name="Not relevant now: GROW in practice", exact=True).click()
    expect(frame.get_by_role("status")).to_have_text(
        "Thanks — your answer shapes what we suggest next."
    )
    expect(frame.get_by_role("heading", name="A quick question")).to_have_count(0)
    with lti_runtime.db.connection() as conn:
        [(who, answer)] = conn.execute(
            "SELECT learner_id, statement->'result'->>'response' FROM learning_event "
            "WHERE data_category = 'feedback' AND source = 'surveys'"
        ).fetchall()
    assert (who, answer) == (learner, "not_relevant")
