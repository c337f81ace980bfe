"""Accepted launches: the LTI user is resolved through intake to a pseudonymous learner and
lands on a page with real catalogue data; state and nonce live server-side."""

from __future__ import annotations

import sys
import types

import pytest

from learnwire.adapters.lti.offers import OfferPage, OfferSource, items_by_id, load_offer_source
from learnwire.core.errors import ConfigurationError
from learnwire.core.models import IdentityRef

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def test_launch_lands_learner_on_catalogue_for_their_job_profile(
    lti, lti_runtime, catalogue, job_profile
):
    lti_runtime.settings.plugins["lti"] = {"offer_source": "catalogue"}
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


def test_launch_lands_learner_on_their_recommendations_by_default(
    lti, lti_runtime, catalogue, job_profile
):
    job_profile("user-1", "team-lead")
    response = lti.launch()
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Recommended for you today" in page
    assert "Feedback that lands" in page or "Hard conversations" in page
    assert "SQL joins" not in page.split("Recommended for you today")[1].split("</ul>")[0]
    assert "your role as Team lead requires" in page or "largest gap" in page, page


def test_launch_without_cookies_relies_on_server_side_state(lti, app, lti_runtime):
    response = lti.with_client(app.test_client(use_cookies=False)).launch()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Your role is not known to learnwire yet" in response.get_data(as_text=True)
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT binding, verified FROM lti_launch").fetchone() == (
            "server",
            True,
        )


def test_launch_links_the_lms_email_to_the_learner_hr_knows(lti, lti_runtime, platform):
    from learnwire.core.models import PersonRecord
    from learnwire.core.sources import SourceBatch

    hr = PersonRecord(
        source="hr", identifiers=[IdentityRef(kind="email", value="User-9@Example.org")]
    )
    with lti_runtime.db.connection() as conn:
        lti_runtime.intake().store(conn, SourceBatch(people=[hr]), source="hr")
    assert lti.launch(sub="user-9").status_code == 200
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 1


def test_launch_follows_a_platform_key_rotation(lti, platform, fake_rsa_key):
    assert lti.launch().status_code == 200  # the platform's key set is now cached
    platform.pem, public = fake_rsa_key()
    platform.kid = "platform-key-2"
    platform.jwk = {**public, "kid": platform.kid, "alg": "RS256", "use": "sig"}
    response = lti.launch(sub="user-2")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_launch_instructor_sees_roster_action_and_course_size(lti, platform):
    page = lti.launch(roles=[ROLE + "Instructor"], **{NRPS: platform.nrps_claim()})
    text = page.get_data(as_text=True)
    assert "signed in as instructor / manager" in text
    assert "Update the roster from the LMS" in text
    assert "1 people of this course are known" in text


def test_launch_learner_sees_no_roster_action(lti, platform):
    page = lti.launch(**{NRPS: platform.nrps_claim()}).get_data(as_text=True)
    assert "signed in as learner" in page and "Update the roster" not in page


def test_launch_offer_source_seam_shows_recommendations(
    lti, app, lti_runtime, catalogue, monkeypatch
):
    module = types.ModuleType("lw_test_offers")

    class Picks(OfferSource):
        recommends = True

        def for_learner(self, conn, *, learner_id, limit):
            items = items_by_id(conn, [catalogue["sql-101"]])
            return OfferPage("Picked for you today.", [*items.values()])

        def for_course(self, conn, *, issuer, context_id, limit):
            return list(items_by_id(conn, [catalogue["fb-201"]]).values())

    module.factory = lambda runtime: Picks()
    monkeypatch.setitem(sys.modules, "lw_test_offers", module)
    lti_runtime.settings.plugins["lti"] = {"offer_source": "lw_test_offers:factory"}
    page = lti.launch().get_data(as_text=True)
    assert "Recommended for you now" in page and "SQL joins" in page
    picker = lti.launch(message_type="LtiDeepLinkingRequest", roles=[ROLE + "Instructor"]).get_data(
        as_text=True
    )
    recommended = picker.split("Today's recommendations for this course")[1].split("Catalogue")[0]
    assert "Hard conversations" in recommended


def test_launch_offer_source_misconfigured_is_a_clear_error(lti_runtime):
    with pytest.raises(ConfigurationError, match="cannot be loaded"):
        load_offer_source("no_such_module:factory", lti_runtime)


def test_launch_login_initiation_by_post(lti, platform):
    login = lti.login(method="post")
    assert login.response.status_code == 302
    location = login.response.headers["Location"]
    assert location.startswith(platform.url("/auth?"))
    assert "response_mode=form_post" in location and "prompt=none" in location
    token = platform.id_token(platform.claims(login.nonce))
    assert lti.post_launch(token, login.state, path="/lti/deep-linking").status_code == 200
