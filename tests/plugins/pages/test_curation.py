"""``/learning-admin/curation``: the curation reports for L&D, the review queue and the
retirement workflow through CSRF-protected forms, under the same access checks."""

from __future__ import annotations

import re
import shutil
import uuid
from html import unescape

from learnwire.core.runtime import Runtime
from learnwire.core.web.app import create_app
from learnwire.policies.validation import DEFAULTS_DIR

FEEDBACK = "https://learnwire.dev/xapi/verbs/"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def _known_gap_and_stale_item(db, sample_org) -> uuid.UUID:
    """Team leads (nine people) also need budgeting, which nothing teaches; 'Voice and pace'
    is two years old and five people dismissed it."""
    stale = sample_org.items["Voice and pace"]
    with db.connection() as conn:
        conn.execute("INSERT INTO skill (id, name, domain) VALUES ('budgeting', 'Budgeting', 'x')")
        conn.execute(
            "INSERT INTO job_profile_skill (job_profile_id, skill_id, target_level, weight) "
            "VALUES ('team-lead', 'budgeting', 0.7, 1)"
        )
        conn.execute(
            "UPDATE content_item SET updated_at = now() - interval '730 days' WHERE id = %s",
            (stale,),
        )
        for person in sample_org.big_team[:5]:
            conn.execute(
                "INSERT INTO learning_event (statement_id, learner_id, source, data_category, "
                "occurred_at, verb, object_id, content_id, statement) VALUES (%s, %s, "
                "'learnwire', 'feedback', now(), %s, 'x', %s, '{}')",
                (uuid.uuid4(), person, FEEDBACK + "dismiss", stale),
            )
        # An unsure machine suggestion waits for review.
        conn.execute(
            "INSERT INTO skill_tag (content_id, skill_id, origin, weight, similarity, "
            "confidence, rank) VALUES (%s, 'coaching', 'machine', 0.3, 0.4, 0.3, 1)",
            (sample_org.items["SQL joins"],),
        )
    return stale


def _admin(door, sample_org):
    return door(sample_org.small_team[0], via="oidc", groups=["learning-and-development"])


def test_curation_shows_the_known_gap_stale_item_and_review_queue(client, sample_org, door, db):
    stale = _known_gap_and_stale_item(db, sample_org)
    admin = _admin(door, sample_org)
    body = client.get(f"/api/v1/learning-admin/curation?door={admin}").get_json()
    budgeting = [g for g in body["gaps"] if g["skill_id"] == "budgeting"]
    assert budgeting == [
        {
            "skill_id": "budgeting",
            "skill": "Budgeting",
            "level": "intermediate",
            "people_with_gap": 10,
            "mean_gap": 0.7,
            "demand": 7.0,
            "items": 0,
            "minutes": 0,
        }
    ]
    [old] = body["stale"]
    assert old["content_id"] == str(stale) and old["reasons"] == ["dismissed 5 times"]
    assert [(t["title"], t["skill_id"]) for t in body["review"]] == [("SQL joins", "coaching")]
    page = unescape(client.get(f"/learning-admin/curation?door={admin}").get_data(as_text=True))
    assert "Budgeting" in page and "dismissed 5 times" in page and "Propose retirement" in page
    ld = client.get(f"/learning-admin?door={admin}").get_data(as_text=True)
    assert "/learning-admin/curation" in ld


def test_curation_propose_then_retire_through_the_retirement_workflow(client, sample_org, door, db):
    stale = _known_gap_and_stale_item(db, sample_org)
    admin = _admin(door, sample_org)
    page = client.get(f"/learning-admin/curation?door={admin}").get_data(as_text=True)
    form = {"door": admin, "content_id": str(stale), "action": "propose"}
    forged = client.post("/learning-admin/curation/retirement", data=form)
    assert forged.status_code == 403
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM content_retirement").fetchone() == (0,)
    proposed = client.post(
        "/learning-admin/curation/retirement", data={**form, "csrf": _csrf(page)}
    )
    assert proposed.status_code == 303 and "done=propose" in proposed.headers["Location"]
    with db.connection() as conn:
        state, evidence, by = conn.execute(
            "SELECT state, evidence, proposed_by FROM content_retirement WHERE content_id = %s",
            (stale,),
        ).fetchone()
    assert state == "proposed" and evidence["dismissals"] == 5 and evidence["age_days"] >= 729
    assert by == f"ld_admin:{sample_org.small_team[0]}"
    again = client.post("/learning-admin/curation/retirement", data={**form, "csrf": _csrf(page)})
    assert again.status_code == 409, "no longer in the stale report once proposed"
    retire = {**form, "action": "retire", "csrf": _csrf(page)}
    assert client.post("/learning-admin/curation/retirement", data=retire).status_code == 303
    with db.connection() as conn:
        assert conn.execute(
            "SELECT retired_at IS NOT NULL FROM content_item WHERE id = %s", (stale,)
        ).fetchone() == (True,)
    twice = client.post("/learning-admin/curation/retirement", data=retire)
    assert twice.status_code == 409


def test_curation_review_queue_accept_and_add(client, sample_org, door, db):
    _known_gap_and_stale_item(db, sample_org)
    admin = _admin(door, sample_org)
    csrf = _csrf(client.get(f"/learning-admin/curation?door={admin}").get_data(as_text=True))
    item = sample_org.items["SQL joins"]
    accept = {"door": admin, "csrf": csrf, "decision": "accept", "skill_id": "coaching"}
    response = client.post("/learning-admin/curation/tags", data={**accept, "content_id": item})
    assert response.status_code == 303
    add = {**accept, "decision": "add", "skill_id": "budgeting"}
    add |= {"provider": "library", "external_id": "sql-0"}
    assert client.post("/learning-admin/curation/tags", data=add).status_code == 303
    with db.connection() as conn:
        applied = conn.execute(
            "SELECT skill_id, origin FROM content_skill WHERE content_id = %s ORDER BY 1",
            (item,),
        ).fetchall()
        decided = conn.execute("SELECT DISTINCT decided_by FROM skill_tag_decision").fetchall()
    assert ("coaching", "admin") in applied and ("budgeting", "admin") in applied
    assert decided == [(f"ld_admin:{sample_org.small_team[0]}",)]
    body = client.get(f"/api/v1/learning-admin/curation?door={admin}").get_json()
    assert body["review"] == []


def test_curation_refuses_bad_input_with_4xx_and_stores_nothing(client, sample_org, door, db):
    _known_gap_and_stale_item(db, sample_org)
    admin = _admin(door, sample_org)
    csrf = _csrf(client.get(f"/learning-admin/curation?door={admin}").get_data(as_text=True))
    base = {"door": admin, "csrf": csrf}
    cases = [
        ("/learning-admin/curation/tags", {"decision": "maybe", "content_id": str(uuid.uuid4())}),
        ("/learning-admin/curation/tags", {"decision": "accept", "content_id": "not-an-id"}),
        ("/learning-admin/curation/tags", {"decision": "add", "provider": "library"}),
        (
            "/learning-admin/curation/tags",
            {"decision": "add", "provider": "library", "external_id": "sql-0", "skill_id": "no"},
        ),
        ("/learning-admin/curation/retirement", {"action": "delete", "content_id": "x"}),
        (
            "/learning-admin/curation/retirement",
            {"action": "retire", "content_id": str(uuid.uuid4())},
        ),
    ]
    for path, form in cases:
        response = client.post(path, data={**base, **form})
        assert 400 <= response.status_code < 500, (path, form, response.status_code)
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM skill_tag_decision").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM content_retirement").fetchone() == (0,)


def test_curation_is_for_ld_admins_of_organisations_of_k(client, sample_org, door, db):
    manager = door(sample_org.manager)
    assert client.get(f"/learning-admin/curation?door={manager}").status_code == 403
    assert client.get("/learning-admin/curation").status_code == 401
    admin = _admin(door, sample_org)
    with db.connection() as conn:
        conn.execute("DELETE FROM learner WHERE id <> ALL(%s)", (sample_org.small_team,))
    assert client.get(f"/api/v1/learning-admin/curation?door={admin}").status_code == 403


def test_curation_leaves_out_what_the_purpose_may_not_read(runtime, sample_org, door, db, tmp_path):
    """With feedback closed to learning analytics, the stale report (built on ratings and
    dismissals) is neither shown nor usable to propose a retirement."""
    stale = _known_gap_and_stale_item(db, sample_org)
    policy = tmp_path / "policy"
    shutil.copytree(DEFAULTS_DIR, policy)
    categories = policy / "categories.yaml"
    text = categories.read_text()
    closed = "purposes: [development_recommendation, learning_analytics]"
    assert text.count(closed) == 1  # the feedback category
    categories.write_text(text.replace(closed, "purposes: [development_recommendation]"))
    settings = runtime.settings.model_copy(update={"policy_dir": policy})
    client = create_app(Runtime(settings, pm=runtime.pm, db=db)).test_client()
    admin = _admin(door, sample_org)
    body = client.get(f"/api/v1/learning-admin/curation?door={admin}").get_json()
    assert body["withheld"] == ["stale"] and body["stale"] == []
    assert "budgeting" in {g["skill_id"] for g in body["gaps"]}, "gaps still shown"
    page = client.get(f"/learning-admin/curation?door={admin}").get_data(as_text=True)
    form = {"door": admin, "csrf": _csrf(page), "content_id": str(stale), "action": "propose"}
    assert client.post("/learning-admin/curation/retirement", data=form).status_code == 409
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM content_retirement").fetchone() == (0,)
