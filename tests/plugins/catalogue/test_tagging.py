"""Auto-tagging: suggestions with calibrated confidence, the review queue round trip, admin
decisions surviving re-tagging and re-import, learners' flags, and what the ranker sees."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest

from learnwire.core.ranker.items import load_items
from learnwire.plugins.catalogue import plugin
from learnwire.plugins.catalogue.tagging import (
    TITLE_WEIGHT,
    Calibration,
    candidate_features,
    fit_platt,
    item_similarity,
    threshold_for_precision,
    unit_rows,
)

from .conftest import DATA, applied, import_sample, run


@pytest.fixture
def library(runtime, db):
    runtime.settings.plugins["catalogue"] = {"apply_threshold": 0.5, "flag_limit": 2}
    import_sample(runtime)
    run(runtime, "tags", "run")
    return runtime


def review(runtime):
    return json.loads(run(runtime, "tags", "review", "--json").output)["review"]


def test_tags_run_applies_confident_machine_tags_and_queues_the_rest(library, db):
    # Nothing in the file tags the negotiation article; the machine does.
    assert applied(db, "ART-310") == {"negotiation": "machine"}
    # A provider's own tags stay, marked as the provider's.
    assert applied(db, "lx-4411")["python"] == "provider"
    with db.connection() as conn:
        confidences = [
            r[0] for r in conn.execute("SELECT confidence FROM skill_tag WHERE origin = 'machine'")
        ]
    assert confidences and all(0.2 <= c <= 1 for c in confidences)
    queued = review(library)
    assert queued and all(r["confidence"] < 0.5 for r in queued)


def test_tags_review_round_trip_decisions_survive_retagging(library, db):
    queued = review(library)
    target = queued[0]
    provider, external_id = target["item"].split(":")[0].split(" ", 1)
    run(library, "tags", "accept", provider, external_id, target["skill_id"], "--by", "lee")
    assert applied(db, external_id)[target["skill_id"]] == "admin"
    run(library, "tags", "reject", "acme", "ART-310", "negotiation", "--by", "lee")
    run(library, "tags", "add", "acme", "ART-310", "feedback", "--by", "lee", "--weight", "0.5")
    assert applied(db, "ART-310") == {"feedback": "admin"}
    run(library, "tags", "run")
    assert applied(db, "ART-310") == {"feedback": "admin"}
    assert applied(db, external_id)[target["skill_id"]] == "admin"
    assert target["skill_id"] not in {
        r["skill_id"] for r in review(library) if r["item"] == target["item"]
    }


def test_tags_rejected_provider_tag_stays_rejected_after_reimport(library, db):
    assert applied(db, "CRS-102")["data-analysis"] == "provider"
    run(library, "tags", "reject", "acme", "CRS-102", "data-analysis", "--by", "lee")
    assert "data-analysis" not in applied(db, "CRS-102")
    # The re-import changes CRS-102, which rewrites its provider tags from the file.
    run(library, "content", "import", DATA / "catalogue_reimport.csv", "--provider", "acme")
    assert "data-analysis" not in applied(db, "CRS-102")
    assert applied(db, "CRS-102")["sql"] == "provider"


def test_tags_learner_flags_send_an_applied_tag_back_to_review(library, db):
    learners = [uuid.uuid4() for _ in range(3)]
    with db.connection() as conn:
        for lid in learners:
            conn.execute("INSERT INTO learner (id) VALUES (%s)", (lid,))
    run(library, "tags", "flag", "acme", "ART-310", "negotiation", "--learner", learners[0])
    run(library, "tags", "flag", "acme", "ART-310", "negotiation", "--learner", learners[0])
    assert "negotiation" in applied(db, "ART-310"), "one learner flagging twice is one flag"
    run(library, "tags", "flag", "acme", "ART-310", "negotiation", "--learner", learners[1])
    assert "negotiation" not in applied(db, "ART-310")
    flagged = [r for r in review(library) if r["flags"] >= 2]
    assert [(r["skill_id"], r["why"]) for r in flagged] == [("negotiation", "flagged by learners")]
    run(library, "tags", "accept", "acme", "ART-310", "negotiation", "--by", "lee")
    assert applied(db, "ART-310")["negotiation"] == "admin"
    run(library, "tags", "flag", "acme", "ART-310", "negotiation", "--learner", learners[2])
    assert "negotiation" in applied(db, "ART-310"), "flags count again only after the decision"
    run(library, "tags", "run")
    assert applied(db, "ART-310")["negotiation"] == "admin"


def test_tags_ranker_reads_applied_tags_and_knows_machine_ones(library, db):
    with db.connection() as conn:
        items = load_items(conn)
        row = conn.execute("SELECT id FROM content_item WHERE external_id = 'ART-310'").fetchone()[
            0
        ]
    skills = items.skills.index
    i = items.position[row]
    assert items.machine_skill is not None
    assert items.machine_skill[i, skills["negotiation"]]
    lx = items.position[
        next(
            cid
            for cid, t in zip(items.ids, items.titles, strict=True)
            if t == "Python for Spreadsheet Users"
        )
    ]
    assert items.item_skill[lx, skills["python"]] > 0
    assert not items.machine_skill[lx, skills["python"]]
    with db.connection() as conn:
        review_only = conn.execute(
            "SELECT count(*) FROM skill_tag t WHERE origin = 'machine' AND confidence < 0.5 "
            "AND EXISTS (SELECT 1 FROM content_skill cs WHERE cs.content_id = t.content_id "
            "AND cs.skill_id = t.skill_id AND cs.origin = 'machine')"
        ).fetchone()[0]
    assert review_only == 0


def test_tagging_calibration_is_monotone_and_threshold_meets_precision():
    rng = np.random.default_rng(3)
    similarity = rng.uniform(0.0, 0.6, size=(200, 10))
    truth = np.argmax(similarity + rng.normal(0, 0.02, size=similarity.shape), axis=1)
    rows, cols, _, features = candidate_features(similarity)
    labels = cols == truth[rows]
    coef, intercept = fit_platt(features, labels)
    cal = Calibration(coef, intercept, 0.5, "synthetic", "none")
    conf = cal.confidence(features)
    assert conf[features[:, 0].argmax()] > conf[features[:, 0].argmin()]
    threshold = threshold_for_precision(conf, labels, 0.85)
    assert threshold < 1.0
    assert labels[conf >= threshold].mean() >= 0.85


def test_hook_register_periodic_tasks_tags_changed_items(library, db):
    (task,) = plugin.register_periodic_tasks(settings=library.settings)
    assert task.name == "catalogue.tag"
    first = plugin.tag_content(library)
    run(library, "content", "import", DATA / "catalogue_reimport.csv", "--provider", "acme")
    second = plugin.tag_content(library)
    assert 1 <= second["items"] <= first["items"]
    with db.connection() as conn:
        tagged = conn.execute(
            "SELECT count(*) FROM skill_tag t JOIN content_item c ON c.id = t.content_id "
            "WHERE c.external_id = 'CRS-102' AND t.tagged_at >= c.updated_at"
        ).fetchone()[0]
    assert tagged >= 1, "the changed item was tagged again"


def test_hook_register_blueprints_learners_flag_tags_over_http(library, db):
    from learnwire.core.web.app import create_app
    from learnwire.core.web.recommendations import SESSION_LEARNER

    learners = [uuid.uuid4() for _ in range(2)]
    with db.connection() as conn:
        for lid in learners:
            conn.execute("INSERT INTO learner (id) VALUES (%s)", (lid,))
        cid = conn.execute("SELECT id FROM content_item WHERE external_id = 'ART-310'").fetchone()[
            0
        ]
    client = create_app(library).test_client()
    url = f"/api/v1/content/{cid}/tag-flags"
    assert client.post(url, json={"skill_id": "negotiation"}).status_code == 401
    for lid in learners:
        with client.session_transaction() as s:
            s[SESSION_LEARNER] = str(lid)
        response = client.post(url, json={"skill_id": "negotiation"})
        assert response.status_code == 201, response.get_data(as_text=True)
    assert "negotiation" not in applied(db, "ART-310")
    missing = client.post(url, json={"skill_id": "sql"})
    assert missing.status_code == 404
    assert client.post(url, json={"skill": "x"}).status_code == 400


def test_item_similarity_weighs_the_title_on_its_own():
    skills = np.eye(3, dtype=np.float32)
    # The whole text leans to skill 1 (a side topic of the description), the title to skill 0.
    text = unit_rows(np.array([[0.6, 0.8, 0.0]]))
    title = unit_rows(np.array([[1.0, 0.1, 0.0]]))
    blended = item_similarity(text, title, skills)
    assert np.argmax(text @ skills.T) == 1 and np.argmax(blended) == 0
    expected = (1 - TITLE_WEIGHT) * (text @ skills.T) + TITLE_WEIGHT * (title @ skills.T)
    np.testing.assert_allclose(blended, expected, rtol=1e-6)
