"""`learnwire sync` with a fake Moodle and a fake Workday: one learner per person, linked
across both systems, and nothing new on a second run."""

from __future__ import annotations

import json

from click.testing import CliRunner

from learnwire.core.cli import cli
from learnwire.core.runtime import Runtime


def _runtime(settings, pm, db, fake_moodle, fake_workday, fw, **moodle) -> Runtime:
    plugins = {
        "moodle": {
            "url": fake_moodle.url,
            "token": "moodle-test-token",
            "backoff_seconds": 0,
            "employee_id_field": "idnumber",
            "user_criteria": json.dumps({"email": "%@acme.example"}),
            **moodle,
        },
        "workday": fw.workday_settings(fake_workday.url),
    }
    return Runtime(settings.model_copy(update={"plugins": plugins}), pm=pm, db=db)


def _sync(runtime, *args):
    result = CliRunner().invoke(cli, ["sync", "--json", *args], obj=runtime)
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def _one(db, sql, *args):
    with db.connection() as conn:
        return conn.execute(sql, args).fetchone()


def test_sync_everything_links_one_learner_per_person(
    settings, pm, db, fake_moodle, fake_workday, fake_workday_module
):
    runtime = _runtime(settings, pm, db, fake_moodle, fake_workday, fake_workday_module)
    result, data = _sync(runtime)
    assert result.exit_code == 0, result.output
    ran = [(r["source"], r["kind"], r["error"]) for r in data["reports"]]
    assert ("moodle", "content", None) in ran and ("workday", "signals", None) in ran
    # Ana, Ben, Cy, the teacher, Dee (Moodle user 11 and worker W-3) and Eve.
    assert _one(db, "SELECT count(*) FROM learner") == (6,)
    assert _one(db, "SELECT count(*) FROM identity_conflict") == (0,)
    # Ana's Moodle events and Workday facts and team belong to one learner.
    owners = _one(
        db,
        "SELECT count(DISTINCT learner_id) FROM ("
        " SELECT learner_id FROM learning_event WHERE object_id LIKE '%%id=31'"
        " UNION ALL SELECT learner_id FROM hr_fact WHERE fact_type = 'performance_goal'"
        " UNION ALL SELECT learner_id FROM team_membership WHERE unit_external_id = 'team:W-3'"
        "   AND NOT is_manager AND learner_id IN (SELECT learner_id FROM learning_event"
        "   WHERE object_id LIKE '%%id=31')) AS x",
    )
    assert owners == (1,)
    assert _one(db, "SELECT count(*) FROM content_item WHERE retired_at IS NULL") == (5,)
    assert _one(db, "SELECT count(*) FROM job_profile") == (2,)

    again, data = _sync(runtime)
    assert again.exit_code == 0, again.output
    for report in data["reports"]:
        totals = report["totals"]
        assert (totals["new"], totals["updated"], totals["rejected"]) == (0, 0, 0), report
        assert report["learners_created"] == 0
    assert _one(db, "SELECT count(*) FROM learner") == (6,)


def test_sync_a_failing_source_does_not_block_the_others(
    settings, pm, db, fake_moodle, fake_workday, fake_workday_module
):
    runtime = _runtime(
        settings, pm, db, fake_moodle, fake_workday, fake_workday_module, token="revoked"
    )
    result, data = _sync(runtime)
    assert result.exit_code == 1
    errors = {(r["source"], r["kind"]): r["error"] for r in data["reports"]}
    assert "Invalid token" in errors[("moodle", "content")]
    assert "Invalid token" in errors[("moodle", "signals")]
    assert errors[("workday", "signals")] is None
    assert _one(db, "SELECT count(*) FROM learner") == (4,)


def test_sync_one_source_and_the_human_summary(
    settings, pm, db, fake_moodle, fake_workday, fake_workday_module
):
    runtime = _runtime(settings, pm, db, fake_moodle, fake_workday, fake_workday_module)
    result = CliRunner().invoke(cli, ["sync", "workday"], obj=runtime)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "source",
        "kind",
        "new",
        "updated",
        "unchanged",
        "rejected",
        "status",
    ]
    assert lines[2].split()[:2] == ["workday", "signals"] and lines[2].rstrip().endswith("ok")
    assert len(lines) == 3
    unknown = CliRunner().invoke(cli, ["sync", "nope"], obj=runtime)
    assert unknown.exit_code == 2
    assert "no source or content provider named 'nope'" in unknown.output


def test_sync_conflicting_identities_are_reported_not_merged(
    settings, pm, db, fake_moodle, fake_workday, fake_workday_module
):
    # Moodle user 9 claims Ana's employee id: worker W-1 (Ana's email, E-1001) now points
    # at two Moodle learners.
    fake_moodle.site.users[9]["idnumber"] = "E-1001"
    fake_moodle.site.users[7]["idnumber"] = ""
    runtime = _runtime(settings, pm, db, fake_moodle, fake_workday, fake_workday_module)
    result, data = _sync(runtime)
    assert result.exit_code == 0, result.output
    (workday,) = [r for r in data["reports"] if r["source"] == "workday"]
    assert len(workday["conflicts"]) == 1
    assert workday["rejected"] and all(
        "identity conflict" in r["reason"] for r in workday["rejected"]
    )
    assert _one(db, "SELECT count(*) FROM identity_conflict") == (1,)
    # Nothing of W-1 was attributed to anyone: no goal fact (only Ana has one).
    assert _one(db, "SELECT count(*) FROM hr_fact WHERE fact_type = 'performance_goal'") == (0,)


def test_periodic_sync_task_runs_its_source(
    settings, pm, db, fake_moodle, fake_workday, fake_workday_module
):
    runtime = _runtime(settings, pm, db, fake_moodle, fake_workday, fake_workday_module)
    (task,) = [t for t in runtime.collect("register_periodic_tasks") if t.name == "sync.workday"]
    result = task.run(runtime.settings)  # what the Celery beat entry calls
    assert [(r["source"], r["error"]) for r in result["reports"]] == [("workday", None)]
    assert _one(db, "SELECT count(*) FROM learner") == (4,)
