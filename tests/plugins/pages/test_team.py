"""``/team``: totals over a manager's teams only; nothing under k, nothing that differs from
a recent view by fewer than k; team priorities the ranker reads."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import numpy as np

from learnwire.core.learner.org import load_org
from learnwire.core.ranker.service import RecommendationService

TOO_FEW = "fewer people than your organisation's minimum"
DIFFERENCE = "differs from one you saw recently by too few people"


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.mimetype == "text/html"
    return unescape(response.get_data(as_text=True))


def test_team_shows_totals_for_a_team_of_k_and_never_a_person(client, sample_org, door, db):
    token = door(sample_org.manager)
    page = _page(client, f"/team?door={token}&team=hr:team-a")
    assert "Skill gaps against role targets" in page
    assert "Giving feedback" in page and "<svg" in page
    assert "Activity over time" in page and "Acting on recommendations" in page
    for person in sample_org.big_team:
        assert str(person) not in page
    body = client.get(f"/api/v1/team?door={token}&team=hr:team-a").get_json()
    assert body["people"] == 6 and body["k"] == 5
    gaps = {g["skill_id"]: g for g in body["gaps"]}
    assert set(gaps) == {"feedback", "coaching"}
    assert gaps["feedback"]["people"] == 6 and gaps["feedback"]["mean_target"] == 0.8
    assert all(set(g) >= {"mean_level", "mean_gap"} for g in body["gaps"])
    # Weeks with fewer than k active people say nothing, not a small number.
    assert all(w["active_people"] is None or w["active_people"] >= 5 for w in body["trend"])


def test_team_under_k_shows_nothing_and_not_the_count(client, sample_org, door, db):
    token = door(sample_org.manager)
    response = client.get(f"/team?door={token}&team=hr:team-b")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert TOO_FEW in page
    assert "Skill gaps against role targets" not in page
    assert not re.search(r"\b3\b", page.split('id="refusal"')[1].split("</p>")[0])
    api = client.get(f"/api/v1/team?door={token}&team=hr:team-b")
    assert api.status_code == 403 and "3" not in api.get_json()["detail"]
    with db.connection() as conn:
        denied = conn.execute(
            "SELECT count(*) FROM policy_audit WHERE action = 'read:team_aggregate' "
            "AND outcome = 'denied'"
        ).fetchone()[0]
    assert denied == 2


def test_team_refuses_a_view_that_isolates_people_by_difference(client, sample_org, door, db):
    # "All my teams" is 9 people; "team-a" is 6: subtracting would single out team-b's 3.
    token = door(sample_org.manager)
    assert client.get(f"/api/v1/team?door={token}&team=all").status_code == 200
    refused = client.get(f"/api/v1/team?door={token}&team=hr:team-a")
    assert refused.status_code == 403 and DIFFERENCE in refused.get_json()["detail"]
    assert DIFFERENCE in _page(client, f"/team?door={token}&team=hr:team-a")
    # The same view again is fine; another manager's memory is their own.
    assert client.get(f"/api/v1/team?door={token}&team=all").status_code == 200


def test_team_is_only_for_teams_the_person_manages(client, sample_org, door):
    member = door(sample_org.big_team[0])
    assert client.get(f"/team?door={member}").status_code == 403
    assert client.get(f"/api/v1/team?door={member}").status_code == 403
    manager = door(sample_org.manager)
    assert client.get(f"/api/v1/team?door={manager}&team=hr:someone-else").status_code == 403


def test_team_priorities_with_expiry_reach_the_ranker(client, sample_org, door, runtime):
    token = door(sample_org.manager)
    page = client.get(f"/team?door={token}&team=hr:team-a").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    until = (date.today() + timedelta(days=30)).isoformat()
    saved = client.post(
        "/team/priorities",
        data={
            "door": token,
            "csrf": csrf,
            "team": "hr:team-a",
            "skill": "sql",
            "weight": "1",
            "expires": until,
        },
    )
    assert saved.status_code == 303
    with runtime.db.connection() as conn:
        org = load_org(conn, ["feedback", "coaching", "sql", "presenting"], k=5)
        expires = conn.execute("SELECT expires_at FROM team_priority").fetchone()[0]
    assert np.allclose(org.team_priority[("hr", "team-a")], [0, 0, 1, 0])
    assert expires.date().isoformat() == until
    past = client.put(
        f"/api/v1/team/priorities?door={token}",
        json={"team": "hr:team-a", "skill_id": "sql", "weight": 0.5, "expires_on": "2020-01-01"},
    )
    assert past.status_code == 400 and "after today" in past.get_json()["detail"]
    member = door(sample_org.big_team[0])
    refused = client.put(
        f"/api/v1/team/priorities?door={member}",
        json={"team": "hr:team-a", "skill_id": "sql", "weight": 0.5},
    )
    assert refused.status_code == 403
    # An expired priority stops steering the state built for any moment past its expiry
    # (and still steers one built for a moment before it).
    ended = datetime.now(UTC)
    with runtime.db.connection() as conn:
        conn.execute("UPDATE team_priority SET expires_at = %s", (ended,))
        svc = RecommendationService(runtime)
        sql = svc.model(conn).items.skills.ids.index("sql")
        member = sample_org.big_team[0]
        before, _ = svc.state(conn, member, at=ended - timedelta(hours=1))
        after, _ = svc.state(conn, member, at=ended + timedelta(minutes=1))
    assert before.manager_priority[sql] == 1.0
    assert after.manager_priority[sql] == 0.0
