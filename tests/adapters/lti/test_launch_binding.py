"""A launch's pages and actions belong to the browser that launched: another browser holding
only the launch id (from a URL, a log line, a screenshot) can neither see the learner's page
nor post a score nor return deep-linked content. The launching browser proves itself by its
session where cookies work, and otherwise by the per-launch token its pages carry."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import requests

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def launch_id_of(page: str) -> str:
    return re.search(r"/lti/(?:launch|deep-linking)/(lti1p3-launch-[0-9a-f-]+)", page)[1]


def token_of(page: str) -> str:
    return re.search(r'name="launch_token" value="([0-9a-f]+)"', page)[1]


def test_launch_binding_learner_page_needs_the_launching_browser(app, lti, catalogue):
    page = lti.launch().get_data(as_text=True)
    launch_id = launch_id_of(page)
    assert lti.client.get(f"/lti/launch/{launch_id}").status_code == 200, "same browser"

    stranger = app.test_client()
    seen = stranger.get(f"/lti/launch/{launch_id}")
    assert seen.status_code == 403
    assert "unbound_launch" in seen.get_data(as_text=True)
    assert "Your learning" not in seen.get_data(as_text=True)
    wrong = stranger.get(f"/lti/launch/{launch_id}?launch_token={'0' * 64}")
    assert wrong.status_code == 403


def test_launch_binding_cookieless_browser_proves_itself_with_the_page_token(
    app, lti, platform, catalogue
):
    # Inside an LMS iframe cookies usually do not come back: the page's token must do.
    cookieless = lti.with_client(app.test_client(use_cookies=False))
    page = cookieless.launch().get_data(as_text=True)
    launch_id, token = launch_id_of(page), token_of(page)
    item = re.search(r'name="content_id" value="([0-9a-f-]{36})"', page)[1]
    rated = cookieless.client.post(
        f"/lti/launch/{launch_id}/feedback",
        data={"content_id": item, "verdict": "useful", "launch_token": token},
    )
    assert rated.status_code == 303, rated.get_data(as_text=True)
    location = urlsplit(rated.headers["Location"])
    assert parse_qs(location.query)["launch_token"] == [token]
    back = cookieless.client.get(f"{location.path}?{location.query}")
    assert back.status_code == 200 and "Thanks" in back.get_data(as_text=True)
    bare = cookieless.client.post(
        f"/lti/launch/{launch_id}/feedback", data={"content_id": item, "verdict": "useful"}
    )
    assert bare.status_code == 403 and "unbound_launch" in bare.get_data(as_text=True)


def test_launch_binding_score_needs_the_launching_browser(
    browser, served_tool, platform, catalogue, html_forms
):
    line = platform.add_line_item({"label": "Feedback that lands", "scoreMaximum": 100})
    page = browser.launch(
        served_tool,
        hint="rl",
        sub="learner-7",
        **{
            LTI + "custom": {"learnwire_content_id": str(catalogue["fb-101"])},
            AGS: platform.ags_claim(lineitem=line["id"]),
        },
    )
    assert page.status_code == 200, page.text
    [score_form] = [f for f in html_forms(page.text) if f.action.endswith("/score")]

    stranger = requests.post(score_form.action, timeout=30)
    assert stranger.status_code == 403, stranger.text
    assert "unbound_launch" in stranger.text
    assert platform.scores == [], "nothing reached the gradebook"

    sent = browser.submit(score_form)
    assert sent.status_code == 200, sent.text
    assert len(platform.scores) == 1 and platform.problems == []


def test_launch_binding_deep_link_return_needs_the_launching_browser(
    browser, served_tool, platform, catalogue, html_forms
):
    picker = browser.launch(
        served_tool, hint="dl", message_type="LtiDeepLinkingRequest", roles=[ROLE + "Instructor"]
    )
    assert picker.status_code == 200, picker.text
    [choose] = [f for f in html_forms(picker.text) if f.method == "post"]
    chosen = {"content_id": [str(catalogue["fb-101"])]}

    stranger = requests.post(choose.action, data=chosen, timeout=30)
    assert stranger.status_code == 403, stranger.text
    assert "unbound_launch" in stranger.text and "JWT" not in stranger.text
    search = requests.get(choose.action.rsplit("/respond", 1)[0], timeout=30)
    assert search.status_code == 403, "the picker is not shown either"

    autopost = browser.submit(choose, **chosen)
    assert autopost.status_code == 200 and 'name="JWT"' in autopost.text
