"""Accepted launches: the LTI user is resolved through intake to a pseudonymous learner and
lands on a page with real catalogue data; state and nonce live server-side."""

from __future__ import annotations

ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def test_launch_lands_learner_on_catalogue_for_their_job_profile(
    lti, lti_runtime, catalogue, job_profile
):
    job_profile("user-1", "team-lead")
    response = lti.launch()
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Hello Ada Lovelace" in page
    assert "Feedback that lands" in page and "Hard conversations" in page
    assert "SQL joins" not in page, "items outside the role's skills are filtered out"
    assert "skills your role (Team lead)" in page
    with lti_runtime.db.connection() as conn:
        learners = conn.execute("SELECT count(*) FROM learner").fetchone()[0]
        launch = conn.execute("SELECT role, verified, binding FROM lti_launch").fetchone()
        stored = conn.execute("SELECT value::text FROM lti_launch_data").fetchall()
    assert learners == 1, "the HR record and the LMS launch are the same person"
    assert launch == ("learner", True, "cookie"), "where cookies work they bind the browser"
    assert not any("example.org" in row[0] or "Lovelace" in row[0] for row in stored)


def test_launch_without_cookies_relies_on_server_side_state(lti, app, lti_runtime):
    response = lti.with_client(app.test_client(use_cookies=False)).launch()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Your role is not known to learnwire yet" in response.get_data(as_text=True)
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT binding, verified FROM lti_launch").fetchone() == (
            "server",
            True,
        )
