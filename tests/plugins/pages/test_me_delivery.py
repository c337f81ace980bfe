"""``/me`` delivery preferences: a learner's own cadence, quiet hours and working days, on
the page (a plain form) and under ``/api/v1/me/delivery``; the planner follows them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from learnwire.core.delivery.run import plan_and_queue
from learnwire.core.delivery.sender import Sender

WEDNESDAY = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def _lms_plan(runtime, learner):
    report = plan_and_queue(
        runtime, Sender(runtime), at=WEDNESDAY, dry_run=True, learners=[learner]
    )
    [digest] = [p for p in report.plans if p.kind == "digest"]
    return digest


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def test_me_delivery_form_off_means_the_planner_plans_nothing_for_that_channel(
    client, sample_org, door, runtime, db
):
    learner = sample_org.big_team[3]
    token = door(learner)
    assert _lms_plan(runtime, learner).channels == ["lms"]  # the organisation's default
    page = unescape(client.get(f"/me?door={token}").get_data(as_text=True))
    assert '<h2 id="delivery">My messages</h2>' in page
    # Every control has a label tied to it (works with a screen reader, without JavaScript).
    assert '<label for="d-digest-lms">Digest of recommendations by lms</label>' in page
    assert 'id="d-digest-lms" name="cadence:digest:lms"' in page

    saved = client.post(
        "/me/delivery",
        data={
            "door": token,
            "csrf": _csrf(page),
            "cadence:digest:lms": "off",
            "cadence:nudge:lms": "weekly",
            "quiet_from": "19",
            "quiet_to": "8",
            "days": "own",
            "working_day": ["0", "2"],
        },
    )
    assert saved.status_code == 303 and "done=delivery" in saved.headers["Location"]
    plan = _lms_plan(runtime, learner)
    assert plan.channels == [] and plan.skipped.startswith("no channel")
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT kind, cadence, set_via FROM delivery_preference WHERE learner_id = %s "
            "ORDER BY kind",
            (learner,),
        ).fetchall()
        schedule = conn.execute(
            "SELECT quiet_from, quiet_to, working_days FROM delivery_schedule "
            "WHERE learner_id = %s",
            (learner,),
        ).fetchone()
    assert rows == [("digest", "off", "page"), ("nudge", "weekly", "page")]
    assert schedule == (19, 8, [0, 2])
    body = client.get(f"/api/v1/me/delivery?door={token}").get_json()
    assert {(c["kind"], c["cadence"], c["own"]) for c in body["cadence"]} == {
        ("digest", "off", True),
        ("nudge", "weekly", True),
        ("survey", "off", False),  # the organisation's default: surveys by e-mail only
    }
    assert (body["quiet_from"], body["quiet_to"], body["working_days"]) == (19, 8, [0, 2])


def test_me_delivery_form_without_the_form_token_is_refused(client, sample_org, door, db):
    learner = sample_org.big_team[3]
    token = door(learner)
    refused = client.post(
        "/me/delivery", data={"door": token, "csrf": "0" * 32, "cadence:digest:lms": "off"}
    )
    assert refused.status_code == 403
    with db.connection() as conn:
        stored = conn.execute(
            "SELECT count(*) FROM delivery_preference WHERE learner_id = %s", (learner,)
        ).fetchone()[0]
    assert stored == 0


def test_me_delivery_api_off_then_planner_skips_and_bad_values_name_the_field(
    client, sample_org, door, runtime, db
):
    learner = sample_org.big_team[4]
    headers = {"X-Learnwire-Door": door(learner)}
    before = client.get("/api/v1/me/delivery", headers=headers).get_json()
    assert before["channels"] == ["lms"]
    assert {c["own"] for c in before["cadence"]} == {False}

    put = client.put(
        "/api/v1/me/delivery",
        json={"cadence": [{"kind": "digest", "channel": "lms", "cadence": "off"}]},
        headers=headers,
    )
    assert put.status_code == 200, put.get_json()
    assert _lms_plan(runtime, learner).channels == []

    for body, field in (
        (
            {"cadence": [{"kind": "digest", "channel": "lms", "cadence": "hourly"}]},
            "cadence.0.cadence",
        ),
        ({"cadence": [{"kind": "memo", "channel": "lms", "cadence": "off"}]}, "cadence.0.kind"),
        (
            {"cadence": [{"kind": "digest", "channel": "fax", "cadence": "off"}]},
            "cadence.0.channel",
        ),
        ({"schedule": {"quiet_from": 25, "quiet_to": 7}}, "schedule.quiet_from"),
        ({"schedule": {"quiet_from": 20}}, "schedule.quiet_to"),
        ({"learner_id": str(sample_org.big_team[0])}, "learner_id"),
    ):
        bad = client.put("/api/v1/me/delivery", json=body, headers=headers)
        problem = bad.get_json()
        assert bad.status_code == 400, (body, problem)
        assert problem.get("field") == field or problem["detail"].startswith(f"{field}:"), problem
    # A bad value in the middle of a change stores none of it.
    mixed = client.put(
        "/api/v1/me/delivery",
        json={
            "cadence": [
                {"kind": "digest", "channel": "lms", "cadence": "daily"},
                {"kind": "nudge", "channel": "lms", "cadence": "sometimes"},
            ]
        },
        headers=headers,
    )
    assert mixed.status_code == 400 and mixed.get_json()["field"] == "cadence.1.cadence"
    with db.connection() as conn:
        stored = conn.execute(
            "SELECT kind, cadence FROM delivery_preference WHERE learner_id = %s", (learner,)
        ).fetchall()
    assert stored == [("digest", "off")]


def test_me_delivery_another_role_cannot_change_someone_elses(client, sample_org, door, db):
    member = sample_org.big_team[0]
    # The manager, also in L&D and the privacy office: every role the pages know.
    boss = door(
        sample_org.manager, via="oidc", groups=["privacy-office", "learning-and-development"]
    )
    headers = {"X-Learnwire-Door": boss}
    member_id = str(member)
    for body in (
        {
            "learner_id": member_id,
            "cadence": [{"kind": "digest", "channel": "lms", "cadence": "daily"}],
        },
        {
            "cadence": [
                {"kind": "digest", "channel": "lms", "cadence": "daily", "learner_id": member_id}
            ]
        },
    ):
        assert client.put("/api/v1/me/delivery", json=body, headers=headers).status_code == 400
    # The form ignores a smuggled learner id: the change lands on the manager's own row.
    page = client.get(f"/me?door={boss}").get_data(as_text=True)
    posted = client.post(
        "/me/delivery",
        data={
            "door": boss,
            "csrf": _csrf(page),
            "learner_id": member_id,
            "cadence:digest:lms": "immediate",
        },
    )
    assert posted.status_code == 303
    assert (
        client.put(
            f"/api/v1/me/delivery?learner_id={member_id}",
            json={"cadence": [{"kind": "nudge", "channel": "lms", "cadence": "immediate"}]},
            headers=headers,
        ).status_code
        == 200
    )
    with db.connection() as conn:
        owners = {
            r[0] for r in conn.execute("SELECT learner_id FROM delivery_preference").fetchall()
        }
    assert owners == {sample_org.manager}
