"""The outcome page serves the stored report: prepared in the background when there is none,
never recomputed on a visit, not served under another policy, recomputed on a governed POST."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

from learnwire.core.measure.refresh import preparing, wait_for_refreshes
from learnwire.core.measure.snapshots import ReportKey
from learnwire.policies import versions
from learnwire.policies.engine import engine_for
from learnwire.policies.validation import DEFAULTS_DIR

PAGE = "/learning-admin/outcomes"
API = "/api/v1/learning-admin/outcomes"


def _admin(door, sample_org):
    return door(sample_org.small_team[0], via="oidc", groups=["learning-and-development"])


def _at(response) -> datetime:
    """When the served report was computed."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return datetime.fromisoformat(response.get_json()["generated_at"])


def _stored(runtime):
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT computed_at, stored_at, policy_version, data_category::text "
            "FROM outcome_report_snapshot"
        ).fetchall()


def test_page_says_preparing_then_serves_the_snapshot_without_recomputing(
    client, sample_org, door, runtime
):
    admin = _admin(door, sample_org)
    waiting = client.get(f"{API}?door={admin}")
    assert waiting.status_code == 202 and waiting.headers["Retry-After"] == "30"
    assert waiting.get_json()["status"] == "preparing"
    page = client.get(f"{PAGE}?door={admin}")
    assert page.status_code == 202 and "being prepared" in page.get_data(as_text=True)
    assert wait_for_refreshes(120)
    [stored] = _stored(runtime)
    first = client.get(f"{API}?door={admin}")
    assert first.status_code == 200 and first.get_json()["people"] == 10
    assert first.last_modified == datetime.fromisoformat(first.get_json()["generated_at"]).replace(
        microsecond=0
    )
    for _ in range(3):
        again = client.get(f"{API}?door={admin}").get_json()
        assert again["generated_at"] == first.get_json()["generated_at"]
    html = unescape(client.get(f"{PAGE}?door={admin}").get_data(as_text=True))
    stamp = datetime.fromisoformat(first.get_json()["generated_at"])
    assert f"Computed {stamp:%Y-%m-%d %H:%M} UTC" in html and "Recompute now" in html
    assert not preparing(ReportKey())  # no visit started a computation
    # Served, never recomputed: the stored row is the one the first computation wrote.
    assert _stored(runtime) == [stored] and stored[0] == stamp and stored[3] == "derived"


def test_a_policy_change_makes_the_snapshot_stale_and_it_is_recomputed(
    client, sample_org, door, runtime, tmp_path
):
    admin = _admin(door, sample_org)
    client.get(f"{API}?door={admin}")
    assert wait_for_refreshes(120)
    before = _at(client.get(f"{API}?door={admin}"))
    engine = engine_for(runtime)
    edited = tmp_path / "policy"
    edited.mkdir()
    for source in DEFAULTS_DIR.glob("*.yaml"):
        text = source.read_text()
        if source.name == "access.yaml":
            text = text.replace("Learning and development staff.", "L&D staff.", 1)
        (edited / source.name).write_text(text)
    with runtime.db.connection() as conn:
        version, new = versions.apply_directory(conn, engine, edited, author="ana")
    assert new
    stale = client.get(f"{API}?door={admin}")
    assert stale.status_code == 202  # computed under the old policy: not served
    assert wait_for_refreshes(120)
    fresh = client.get(f"{API}?door={admin}")
    assert fresh.status_code == 200 and _at(fresh) > before
    [(_, _, policy_version, _)] = _stored(runtime)
    assert policy_version == str(version.id)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


def test_recompute_needs_the_form_token_and_the_role(client, sample_org, door, runtime):
    admin = _admin(door, sample_org)
    client.get(f"{API}?door={admin}&period=week")
    assert wait_for_refreshes(120)
    before = _at(client.get(f"{API}?door={admin}&period=week"))
    page = client.get(f"{PAGE}?door={admin}&period=week").get_data(as_text=True)
    csrf = _csrf(page)
    forged = client.post(f"{PAGE}/recompute", data={"door": admin, "period": "week"})
    assert forged.status_code == 403
    manager = door(sample_org.manager)
    other = client.post(f"{PAGE}/recompute", data={"door": manager, "csrf": csrf, "period": "week"})
    assert other.status_code == 403
    assert wait_for_refreshes(5)
    assert _at(client.get(f"{API}?door={admin}&period=week")) == before
    done = client.post(f"{PAGE}/recompute", data={"door": admin, "csrf": csrf, "period": "week"})
    assert done.status_code == 303 and "recompute=started" in done.headers["Location"]
    assert "period=week" in done.headers["Location"]
    assert wait_for_refreshes(120)
    after = client.get(f"{API}?door={admin}&period=week")
    assert _at(after) > before and after.get_json()["period"] == "week"
    bad = client.post(f"{PAGE}/recompute", data={"door": admin, "csrf": csrf, "period": "decade"})
    assert bad.status_code == 400
