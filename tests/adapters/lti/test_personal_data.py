"""Erasure and export reach the LTI launch data (finding 1.7): pylti1p3's stored launch
bodies carry the raw ``sub`` and have no learner column; the adapter's personal-data holder
finds them by the keyed (iss, sub) hash, exports them and deletes them."""

from __future__ import annotations

from learnwire.core.personal_data import PersonalDataHolder
from learnwire.policies import erasure
from learnwire.policies.access import Subject
from learnwire.policies.engine import engine_for

OFFICER = Subject.compliance("dpo")


def _learner_of(conn, sub_count_before: int = 0):
    rows = conn.execute("SELECT DISTINCT learner_id FROM lti_launch ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def _launch_data_naming(conn, sub: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM lti_launch_data WHERE value->>'sub' = %s", (sub,)
    ).fetchone()[0]


def test_personal_data_lti_launch_data_is_exported_and_erased(lti, lti_runtime):
    assert lti.launch(sub="user-1").status_code == 200
    with lti_runtime.db.connection() as conn:
        [ada] = _learner_of(conn)
    assert lti.launch(sub="user-2").status_code == 200
    holders = lti_runtime.collect("register_personal_data", expect=PersonalDataHolder)
    assert "lti" in {h.name for h in holders}
    engine = engine_for(lti_runtime)
    with lti_runtime.db.connection() as conn:
        assert _launch_data_naming(conn, "user-1") == 1
        data = erasure.export(conn, engine, ada, by=OFFICER, holders=holders)
    [launch] = data["held_by"]["lti"]["lti_launch_data"]
    assert launch["claims"]["sub"] == "user-1" and "Lovelace" not in str(launch)
    with lti_runtime.db.connection() as conn:
        report = erasure.erase(conn, engine, ada, by=OFFICER, holders=holders)
    assert report.verified, report.as_dict()
    assert report.redacted == {"lti.lti_launch_data": 1}
    with lti_runtime.db.connection() as conn:
        assert _launch_data_naming(conn, "user-1") == 0, "the raw sub is gone"
        assert _launch_data_naming(conn, "user-2") == 1, "another learner's launch stays"
        again = erasure.erase(conn, engine, ada, by=OFFICER, holders=holders)
    assert again.state == "already_erased" and again.verified
