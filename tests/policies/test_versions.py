"""Policy versions: stored with author and diff, reloaded by other processes without a
restart, and an invalid document never replaces the policy in force."""

from __future__ import annotations

import pytest

from learnwire.policies import audit, versions
from learnwire.policies.engine import PolicyEngine
from learnwire.policies.validation import PolicyInvalid


def test_versions_apply_stores_author_diff_and_audits(db, engine, policy_copy):
    with db.connection() as conn:
        first, new = versions.apply_directory(conn, engine, policy_copy, author="ana")
    assert new and first.author == "ana" and engine.version == first.id
    (policy_copy / "access.yaml").write_text(
        (policy_copy / "access.yaml").read_text().replace("min_group_size: 5", "min_group_size: 7")
    )
    with db.connection() as conn:
        second, new = versions.apply_directory(
            conn, engine, policy_copy, author="ben", comment="works council asked for 7"
        )
        again, repeated = versions.apply_directory(conn, engine, policy_copy, author="ben")
        log = audit.recent(conn)
    assert new and not repeated and again.id == second.id
    assert "-  min_group_size: 5" in second.diff and "+  min_group_size: 7" in second.diff
    assert second.summary()["changed_lines"] == {"added": 1, "removed": 1}
    assert engine.policy.k == 7
    applied = [e for e in log if e.action == "policy:apply"]
    assert [e.detail["version"] for e in applied] == [second.id, first.id]
    assert applied[0].actor == "compliance_officer:ben"


def test_versions_other_engine_reloads_without_restart(db, settings, engine, policy_copy):
    other = PolicyEngine.from_settings(settings, db)  # e.g. the web process
    with db.connection() as conn:
        other.refresh(conn)
        assert other.policy.k == 5 and other.version is None
        (policy_copy / "access.yaml").write_text(
            (policy_copy / "access.yaml")
            .read_text()
            .replace("min_group_size: 5", "min_group_size: 9")
        )
        version, _ = versions.apply_directory(conn, engine, policy_copy, author="ana")
    with db.connection() as conn:
        assert other.refresh(conn) is True
        assert other.refresh(conn) is False
    assert other.policy.k == 9 and other.version == version.id


def test_versions_invalid_document_never_loads_and_last_valid_stays(db, engine, policy_copy):
    with db.connection() as conn:
        good, _ = versions.apply_directory(conn, engine, policy_copy, author="ana")
    (policy_copy / "access.yaml").write_text("learnwire_policy: 1\nroles: {learner: 3}\n")
    with db.connection() as conn, pytest.raises(PolicyInvalid):
        versions.apply_directory(conn, engine, policy_copy, author="mallory")
    with db.connection() as conn:
        assert [v.id for v in versions.history(conn)] == [good.id]
        refused = [e for e in audit.recent(conn) if e.outcome == "refused"]
        engine.refresh(conn)
    assert engine.version == good.id and engine.policy.k == 5
    assert refused and refused[0].actor == "compliance_officer:mallory"
    assert any("access.yaml" in p for p in refused[0].detail["problems"])


def test_versions_directory_watcher_applies_edits_once_and_refuses_broken_ones(
    db, engine, policy_copy
):
    with db.connection() as conn:
        assert versions.sync_directory(conn, engine, policy_copy)["status"] == "applied"
        assert versions.sync_directory(conn, engine, policy_copy)["status"] == "unchanged"
    (policy_copy / "families.yaml").write_text("learnwire_policy: 1\nfamilies: []\n")
    with db.connection() as conn:
        first = versions.sync_directory(conn, engine, policy_copy)
        versions.sync_directory(conn, engine, policy_copy)
        refusals = [e for e in audit.recent(conn) if e.outcome == "refused"]
    assert first["status"] == "invalid" and first["version"] == engine.version
    assert len(refusals) == 1


def test_versions_invalid_base_directory_fails_closed(db, settings, tmp_path):
    (tmp_path / "p.yaml").write_text("learnwire_policy: 1\n")
    engine = PolicyEngine(audit_key=b"k", base_dir=tmp_path, db=db)
    with db.connection() as conn, pytest.raises(PolicyInvalid):
        engine.refresh(conn)


def test_versions_valid_directory_applies_over_an_invalid_base(db, tmp_path, policy_copy):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "p.yaml").write_text("learnwire_policy: 1\n")
    engine = PolicyEngine(audit_key=b"k", base_dir=tmp_path / "broken", db=db)
    with db.connection() as conn:
        version, new = versions.apply_directory(conn, engine, policy_copy, author="ana")
        assert new and "+learnwire_policy: 1" in version.diff
        engine.refresh(conn)
    assert engine.version == version.id and engine.policy.k == 5
