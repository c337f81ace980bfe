"""``/me``: a learner's own page through the sign-in a launch opens, and its JSON twin."""

from __future__ import annotations

import re
from html import unescape

from learnwire.plugins.pages.signin import token_hash


def test_me_shows_todays_items_skills_progress_and_data_in_words(client, sample_org, door):
    learner = sample_org.big_team[2]
    token = door(learner, lti_role="learner")
    response = client.get(f"/me?door={token}")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200, page[:800]
    assert "Recommended for you today" in page
    assert re.search(r"Why: .+", page)
    assert "<svg" in page and 'role="img"' in page  # the skills chart
    assert "Giving feedback" in page and "Coaching" in page  # role skills in chart and table
    for days in (30, 60, 90):
        assert f"{days} days" in page
    assert "Your results in quizzes, exercises and assessments." in page
    assert "Switch off: Your results in quizzes" in page
    # Every link and form on the page keeps the sign-in (no cookie inside an LMS iframe).
    assert f'name="door" value="{token}"' in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert token_hash(token) not in page


def test_me_json_matches_the_page(client, sample_org, door):
    token = door(sample_org.big_team[0])
    body = client.get(f"/api/v1/me?door={token}").get_json()
    assert body["learner_id"] == str(sample_org.big_team[0])
    assert body["role"] == "Team lead"
    assert len(body["today"]) == 5
    skills = {s["skill_id"]: s for s in body["skills"]}
    assert skills["feedback"]["target"] == 0.8
    assert skills["feedback"]["low"] <= skills["feedback"]["level"] <= skills["feedback"]["high"]
    assert [p["days"] for p in body["progress"]] == [30, 60, 90]
    families = {f["family"]: f for f in body["data_used"]}
    assert families["assessment_results"]["status"] == "used"
    assert families["learning_activity"]["can_opt_out"] is False


def test_me_rating_priorities_and_opt_out_change_what_is_stored(client, sample_org, door, db):
    learner = sample_org.big_team[1]
    token = door(learner)
    page = client.get(f"/me?door={token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    first = re.search(r'name="content_id" value="([0-9a-f-]{36})"', page).group(1)

    rated = client.post(
        "/me/feedback",
        data={"door": token, "csrf": csrf, "content_id": first, "verdict": "dismiss"},
    )
    assert rated.status_code == 303 and f"door={token}" in rated.headers["Location"]
    after = unescape(client.get(f"/me?door={token}").get_data(as_text=True))
    assert "Thanks" not in after  # the flash only shows with ?done
    assert first not in re.findall(r'name="content_id" value="([0-9a-f-]{36})"', after)

    saved = client.post("/me/priorities", data={"door": token, "csrf": csrf, "skill:sql": "1"})
    assert saved.status_code == 303
    off = client.post(
        "/me/opt-outs",
        data={"door": token, "csrf": csrf, "family": "assessment_results", "choice": "off"},
    )
    assert off.status_code == 303
    body = client.get(f"/api/v1/me?door={token}").get_json()
    families = {f["family"]: f for f in body["data_used"]}
    assert families["assessment_results"]["status"] == "switched_off"
    assert {s["skill_id"]: s["stated_priority"] for s in body["skills"]}["sql"] == 1.0
    with db.connection() as conn:
        audited = conn.execute(
            "SELECT count(*) FROM policy_audit WHERE action = 'consent:opt_out'"
        ).fetchone()[0]
    assert audited == 1


def test_me_form_without_the_page_token_is_refused(client, sample_org, door):
    token = door(sample_org.big_team[1])
    response = client.post(
        "/me/opt-outs",
        data={"door": token, "csrf": "0" * 32, "family": "assessment_results", "choice": "off"},
    )
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "did not come from this site" in response.get_data(as_text=True)


def test_me_without_sign_in_is_a_page_asking_to_sign_in(client, sample_org):
    response = client.get("/me")
    assert response.status_code == 401 and response.mimetype == "text/html"
    assert "Sign in" in response.get_data(as_text=True)
    assert client.get("/me?door=not-a-token").status_code == 401
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").mimetype == "application/problem+json"


def test_me_errors_outside_the_pages_are_pages_for_a_browser(client):
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    response = client.get("/no/such/page", headers=browser)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "<h1>Not found</h1>" in response.get_data(as_text=True)
    api = client.get("/api/v1/no/such", headers=browser)
    assert api.mimetype == "application/problem+json"


def test_me_a_learner_asks_for_a_copy_and_the_office_sees_it_queued(client, sample_org, door, db):
    learner = sample_org.big_team[4]
    token = door(learner)
    page = client.get(f"/me?door={token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    asked = client.post("/me/requests", data={"door": token, "csrf": csrf, "kind": "access"})
    assert asked.status_code == 303
    officer = door(sample_org.manager, via="oidc", groups=["privacy-office"])
    (queued,) = client.get(f"/api/v1/compliance/requests?door={officer}").get_json()
    assert queued["kind"] == "access" and queued["learner_id"] == str(learner)
    assert queued["status"] == "open" and queued["requested_by"].startswith("learner:")
    bad = client.post("/me/requests", data={"door": token, "csrf": csrf, "kind": "everything"})
    assert bad.status_code == 400
