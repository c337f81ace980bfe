"""A learner erased while their LMS session is still open: feedback from that browser, on
the LTI page or through the JSON API it signed in to, is refused with a clear 404 and
never brings the person back."""

from __future__ import annotations

import os
import sys

from learnwire.policies import erasure
from learnwire.policies.access import Subject
from learnwire.policies.engine import engine_for

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
library = __import__("learning_library")
sys.path.pop(0)


def test_feedback_after_erasure_is_a_404_and_stores_nothing(lti, lti_runtime, platform):
    items = library.seed_library(lti_runtime)
    library.give_role(lti_runtime, platform.issuer, "user-1")
    page = lti.launch().get_data(as_text=True)
    launch_id = page.split("/lti/launch/", 1)[1].split("/feedback", 1)[0]
    with lti.client.session_transaction() as session:
        learner = session["learnwire_learner_id"]
    with lti_runtime.db.connection() as conn:
        erasure.erase(conn, engine_for(lti_runtime), learner, by=Subject.compliance("test-officer"))

    item = str(items["SQL joins"])
    api = lti.client.post(
        f"/api/v1/learners/{learner}/feedback", json={"content_id": item, "verdict": "useful"}
    )
    assert api.status_code == 404, api.get_data(as_text=True)
    assert "erased or never existed" in api.get_json()["detail"]
    form = lti.client.post(
        f"/lti/launch/{launch_id}/feedback", data={"content_id": item, "verdict": "useful"}
    )
    assert form.status_code == 404, form.get_data(as_text=True)
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learner").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM learning_event").fetchone()[0] == 0
