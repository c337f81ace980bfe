"""``/learning-admin/outcomes``: the outcome report for L&D staff, governed and under k,
served from the stored report (prepared in the background when there is none)."""

from __future__ import annotations

from html import unescape

from learnwire.core.measure.refresh import wait_for_refreshes


def _admin(door, sample_org):
    return door(sample_org.small_team[0], via="oidc", groups=["learning-and-development"])


def _prepared(client, url):
    """GET ``url`` once the report it asks for has been prepared in the background."""
    first = client.get(url)
    if first.status_code == 202:
        assert first.headers["Retry-After"] == "30"
        assert wait_for_refreshes(120)
        return client.get(url)
    return first


def test_outcomes_page_shows_the_report_with_intervals(client, sample_org, door):
    admin = _admin(door, sample_org)
    body = _prepared(client, f"/api/v1/learning-admin/outcomes?door={admin}&period=week")
    body = body.get_json()
    assert body["people"] == 10 and body["k"] == 5 and body["period"] == "week"
    org = body["organisation"]
    # Nine team members finished items in the last 90 days; their manager has no records.
    assert org["completed_any"]["value"] == 0.9 and org["completed_any"]["n"] == 10
    assert org["completions_per_person"]["method"].startswith("percentile bootstrap")
    roles = {r["role_id"]: r for r in body["roles"]}
    assert roles["team-lead"]["outcomes"]["people"] == 10
    assert len(body["series"]) >= 13  # about 13 weeks, the first and last clipped
    page = _prepared(client, f"/learning-admin/outcomes?door={admin}")
    page = unescape(page.get_data(as_text=True))
    assert "Mastery progression" in page and "Time to proficiency" in page
    assert "Wilson score" in page and "<svg" in page and "Catalogue coverage" in page
    assert "Team lead" in page
    landing = unescape(client.get(f"/learning-admin?door={admin}").get_data(as_text=True))
    assert "/learning-admin/outcomes" in landing  # the one link from the L&D page


def test_outcomes_page_refuses_other_roles_and_bad_input(client, sample_org, door):
    manager = door(sample_org.manager)
    assert client.get(f"/learning-admin/outcomes?door={manager}").status_code == 403
    assert client.get(f"/api/v1/learning-admin/outcomes?door={manager}").status_code == 403
    admin = _admin(door, sample_org)
    bad = client.get(f"/api/v1/learning-admin/outcomes?door={admin}&since=last-week")
    assert bad.status_code == 400
    assert "'since' is not an ISO 8601 date or time" in bad.get_data(as_text=True)
    period = client.get(f"/learning-admin/outcomes?door={admin}&period=decade")
    assert period.status_code == 400 and "must be one of week, month, quarter" in unescape(
        period.get_data(as_text=True)
    )
    backwards = client.get(
        f"/learning-admin/outcomes?door={admin}&since=2026-05-01&until=2026-04-01"
    )
    assert backwards.status_code == 400
