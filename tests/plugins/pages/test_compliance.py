"""``/compliance``: edit a policy document with errors at their line, dry-run it, apply it
with a reason, read history and diffs, search and verify the audit log, work the requests."""

from __future__ import annotations

import re
from html import unescape

import pytest


@pytest.fixture
def officer(door, sample_org):  # type: ignore[no-untyped-def]
    # An identity provider group gives the role (policy sign_in rules).
    return door(sample_org.manager, via="oidc", groups=["privacy-office"])


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def test_compliance_editor_shows_errors_at_their_line_and_applies_nothing(client, officer, db):
    page = client.get(f"/compliance/policy/access.yaml?door={officer}").get_data(as_text=True)
    text = unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))
    broken = text.replace("min_group_size: 5", "min_group_size: one")
    line = broken.split("\n").index("  min_group_size: one") + 1
    response = client.post(
        "/compliance/policy/access.yaml",
        data={
            "door": officer,
            "csrf": _csrf(page),
            "text": broken,
            "step": "apply",
            "reason": "try",
        },
    )
    shown = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f"access.yaml line {line}" in shown
    assert re.search(rf'id="line-{line}" class="line-error"', shown)
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM policy_version").fetchone()[0] == 0


def test_compliance_dry_run_then_apply_with_a_reason(client, officer, db, sample_org):
    page = client.get(f"/compliance/policy/access.yaml?door={officer}").get_data(as_text=True)
    text = unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))
    stricter = text.replace("min_group_size: 5", "min_group_size: 7")
    form = {"door": officer, "csrf": _csrf(page), "text": stricter}
    dry = unescape(
        client.post("/compliance/policy/access.yaml", data={**form, "step": "dry_run"}).get_data(
            as_text=True
        )
    )
    assert "What this change would do" in dry
    assert "now 5, proposed 7" in dry
    assert "stops being allowed" in dry  # a manager's team of 5 or 6 is no longer shown
    no_reason = client.post("/compliance/policy/access.yaml", data={**form, "step": "apply"})
    assert no_reason.status_code == 400 and no_reason.mimetype == "text/html"
    applied = client.post(
        "/compliance/policy/access.yaml",
        data={**form, "step": "apply", "reason": "works council asked for 7"},
    )
    assert applied.status_code == 303
    history = unescape(client.get(applied.headers["Location"]).get_data(as_text=True))
    # Version numbers come from a sequence the per-test wipe does not reset.
    version = re.search(r"Applied as version (\d+)\.", history).group(1)
    assert "works council asked for 7" in history
    diff = unescape(
        client.get(f"/compliance/history?door={officer}&version={version}").get_data(as_text=True)
    )
    assert "+  min_group_size: 7" in diff
    # The manager's team of six is now under k.
    manager = client.get(f"/api/v1/team?door={officer}&team=hr:team-a")
    assert manager.status_code == 403


def test_compliance_audit_search_and_chain_verification(client, officer, sample_org, door):
    learner = sample_org.big_team[0]
    member = door(learner)
    client.put(f"/api/v1/me/opt-outs/calendar?door={member}")
    found = client.get(f"/api/v1/compliance/audit?door={officer}&person={learner}").get_json()
    assert [e["action"] for e in found] == ["consent:opt_out"]
    # The look-up itself is recorded against the person.
    again = client.get(f"/api/v1/compliance/audit?door={officer}&person={learner}").get_json()
    assert [e["action"] for e in again] == ["read:audit_log", "consent:opt_out"]
    assert client.get(f"/api/v1/compliance/audit?door={officer}&action=consent:").get_json()
    page = unescape(client.get(f"/compliance/audit?door={officer}&verify=1").get_data(as_text=True))
    assert "The audit chain is intact" in page
    assert client.get(f"/api/v1/compliance/audit/verify?door={officer}").get_json()["ok"] is True
    bad = client.get(f"/api/v1/compliance/audit?door={officer}&since=yesterday")
    assert bad.status_code == 400 and "since" in bad.get_json()["detail"]


def test_compliance_requests_queue_export_and_erasure(client, officer, sample_org, db):
    page = client.get(f"/compliance/requests?door={officer}").get_data(as_text=True)
    csrf = _csrf(page)
    person = sample_org.small_team[0]
    for kind in ("access", "erasure"):
        filed = client.post(
            "/compliance/requests",
            data={"door": officer, "csrf": csrf, "person": str(person), "kind": kind},
        )
        assert filed.status_code == 303
    queue = client.get(f"/api/v1/compliance/requests?door={officer}").get_json()
    ids = {r["kind"]: r["id"] for r in queue}
    assert all(r["status"] == "open" for r in queue)
    client.post(
        f"/compliance/requests/{ids['access']}",
        data={"door": officer, "csrf": csrf, "decision": "complete"},
    )
    export = client.get(f"/api/v1/compliance/requests/{ids['access']}/export?door={officer}")
    tables = export.get_json()["tables"]
    assert len(tables["learning_event"]) == 2
    readable = unescape(
        client.get(f"/compliance/requests/{ids['access']}/export?door={officer}").get_data(
            as_text=True
        )
    )
    assert "learning event (2)" in readable
    refused = client.post(
        f"/compliance/requests/{ids['erasure']}",
        data={"door": officer, "csrf": csrf, "decision": "refuse"},
    )
    assert refused.status_code == 400  # a refusal needs a note
    done = client.post(
        f"/compliance/requests/{ids['erasure']}",
        data={"door": officer, "csrf": csrf, "decision": "complete"},
    )
    assert done.status_code == 303
    with db.connection() as conn:
        assert (
            conn.execute("SELECT count(*) FROM learner WHERE id = %s", (person,)).fetchone()[0] == 0
        )
        rows = conn.execute(
            "SELECT status, subject_learner, outcome ->> 'verified' FROM privacy_request "
            "ORDER BY id"
        ).fetchall()
    assert rows[1][0] == "done" and rows[1][1] is None  # the person is gone from the queue too
    assert all(r[1] is None for r in rows)


def test_compliance_is_refused_to_other_roles(client, sample_org, door):
    learner = door(sample_org.big_team[0])
    for url in ("/compliance", "/compliance/audit", "/compliance/policy/access.yaml"):
        response = client.get(f"{url}?door={learner}")
        assert response.status_code == 403 and response.mimetype == "text/html"
    assert client.get(f"/api/v1/compliance/audit?door={learner}").status_code == 403
