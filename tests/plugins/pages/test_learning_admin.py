"""``/learning-admin``: organisation-wide figures under k, model health on held-out answers."""

from __future__ import annotations

from html import unescape


def _fit(db, days_ago: int) -> None:
    with db.connection() as conn:
        for skill in ("feedback", "coaching", "sql"):
            conn.execute(
                "INSERT INTO bkt_skill_params (skill_id, prior, learn, guess, slip, defaulted, "
                "n_events, fitted_at) VALUES (%s, 0.3, 0.2, 0.2, 0.1, false, 10, "
                "now() - make_interval(days => %s))",
                (skill, days_ago),
            )


def test_learning_admin_shows_coverage_divergence_and_model_health(client, sample_org, door, db):
    _fit(db, 20)
    for person in sample_org.big_team:  # each visit ranks and stores today's items
        assert client.get(f"/api/v1/me?door={door(person)}").status_code == 200
    admin = door(sample_org.small_team[0], via="oidc", groups=["learning-and-development"])
    body = client.get(f"/api/v1/learning-admin?door={admin}").get_json()
    assert body["learners"] == 10 and body["k"] == 5
    coverage = {c["skill_id"]: c for c in body["coverage"]}
    assert coverage["feedback"]["live_items"] == 5 and coverage["feedback"]["status"] == "covered"
    assert coverage["feedback"]["people_needing"] == 10
    (today,) = body["days"]
    assert today["pairs"] == 15  # six team leads ranked today: 6 * 5 / 2 pairs
    assert 0 <= today["identical_share"] <= 1
    assert today["signal_share"]  # signals that moved at least one recommendation
    model = body["model"]
    assert model["held_out_answers"] > 0 and 0 <= model["auc"] <= 1
    assert sum(b["answers"] for b in model["calibration"]) == model["held_out_answers"]
    # Items recommended to fewer than k people carry no figures.
    assert all(i["recommended_to"] >= 5 or (i["started_by"] or 0) >= 5 for i in body["performance"])
    page = unescape(client.get(f"/learning-admin?door={admin}").get_data(as_text=True))
    assert "Same-Role Divergence" in page and "AUC of" in page and "<svg" in page


def test_learning_admin_refuses_others_and_small_organisations(client, sample_org, door, db):
    manager = door(sample_org.manager)
    assert client.get(f"/learning-admin?door={manager}").status_code == 403
    admin = door(sample_org.small_team[0], via="oidc", groups=["learning-and-development"])
    with db.connection() as conn:
        conn.execute("DELETE FROM learner WHERE id <> ALL(%s)", (sample_org.small_team,))
    refused = client.get(f"/api/v1/learning-admin?door={admin}")
    assert refused.status_code == 403  # three learners: fewer than k
