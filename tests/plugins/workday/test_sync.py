"""The Workday signal source synced into the real store from a fake tenant."""

from __future__ import annotations

from learnwire.core.runtime import Runtime
from learnwire.core.sync import sync_all


def _runtime(settings, pm, db, fake_workday, fw, **extra) -> Runtime:
    config = {"workday": fw.workday_settings(fake_workday.url, **extra)}
    return Runtime(settings.model_copy(update={"plugins": config}), pm=pm, db=db)


def _rows(db, sql, *args):
    with db.connection() as conn:
        return conn.execute(sql, args).fetchall()


def test_sync_workday_brings_people_profiles_teams_and_facts(
    settings, pm, db, fake_workday, fake_workday_module
):
    runtime = _runtime(settings, pm, db, fake_workday, fake_workday_module)
    (report,) = sync_all(runtime, only="workday")
    assert report.error is None
    assert _rows(db, "SELECT count(*) FROM learner") == [(4,)]
    facts = dict(
        _rows(db, "SELECT fact_type || ':' || data_category, count(*) FROM hr_fact GROUP BY 1")
    )
    assert facts == {
        "job_profile:hr_profile": 4,
        "management_level:hr_profile": 4,
        "organisation:hr_profile": 4,
        "manager:hr_profile": 3,
        "location:hr_profile": 4,
        "hire_date:hr_profile": 4,
        "job_profile_start:hr_profile": 1,
        "previous_job_profile:hr_profile": 1,
        "skill_level:hr_profile": 1,
        "performance_goal:performance": 1,
        "development_item:performance": 1,
        "career_interest:career": 1,
        "succession_target:career": 1,  # W-99 is no synced worker: left out
    }
    units = _rows(db, "SELECT external_id, kind, parent_external_id FROM org_unit ORDER BY 1")
    assert units == [
        ("org:SO-Engineering", "department", None),
        ("org:SO-Technology", "department", None),
        ("team:W-3", "team", "team:W-4"),
        ("team:W-4", "team", None),
    ]
    teams = _rows(
        db,
        "SELECT unit_external_id, count(*), count(*) FILTER (WHERE is_manager) "
        "FROM team_membership WHERE unit_external_id LIKE 'team:%%' GROUP BY 1 ORDER BY 1",
    )
    assert teams == [("team:W-3", 3, 1), ("team:W-4", 2, 1)]
    profiles = _rows(
        db,
        "SELECT job_profile_id, skill_id, target_level, weight FROM job_profile_skill "
        "ORDER BY 1, 2",
    )
    assert profiles == [
        ("JP-ENG", "code-review", 0.6, 1.0),
        ("JP-ENG", "sql.basics", 0.75, 1.0),
        ("JP-MGR", "fb-01", 0.9, 2.0),
    ]
    hired = _rows(db, "SELECT value FROM hr_fact WHERE fact_type = 'hire_date' ORDER BY 1")
    assert hired[0] == ("2015-05-04",)
    # Dee's job history: when she started as a manager and the role she held before, which
    # the learner model's starting levels read (a transfer is not new to everything).
    started = _rows(db, "SELECT value FROM hr_fact WHERE fact_type = 'job_profile_start'")
    assert started == [("2024-02-01",)]
    (before,) = _rows(db, "SELECT key, value FROM hr_fact WHERE fact_type = 'previous_job_profile'")
    assert before == (
        "JP-ENG",
        {"id": "JP-ENG", "start_date": "2019-01-07", "end_date": "2024-02-01"},
    )
    # The succession row names its target role and date: what the 90-day forecast reads.
    (succession,) = _rows(db, "SELECT value FROM hr_fact WHERE fact_type = 'succession_target'")
    assert succession[0]["job_profile_id"] == "JP-DIR"
    assert succession[0]["target_date"] == "2027-01-15"


def test_sync_workday_second_run_changes_nothing(
    settings, pm, db, fake_workday, fake_workday_module
):
    runtime = _runtime(settings, pm, db, fake_workday, fake_workday_module)
    sync_all(runtime, only="workday")
    (again,) = sync_all(runtime, only="workday")
    totals = again.report.totals()
    assert (totals["new"], totals["updated"], totals["rejected"]) == (0, 0, 0)
    assert again.report.learners_created == 0


def test_sync_workday_changed_job_is_an_update(settings, pm, db, fake_workday, fake_workday_module):
    runtime = _runtime(settings, pm, db, fake_workday, fake_workday_module)
    sync_all(runtime, only="workday")
    workers = fake_workday.tenant.reports["ISU_LW/LW_Workers"]
    workers[0]["Management_Level"] = "Manager"
    (again,) = sync_all(runtime, only="workday")
    assert again.report.counts["facts"].updated == 1


def test_sync_workday_without_reports_uses_rest_only(
    settings, pm, db, fake_workday, fake_workday_module
):
    runtime = _runtime(settings, pm, db, fake_workday, fake_workday_module, reports={})
    (report,) = sync_all(runtime, only="workday")
    assert report.error is None
    assert _rows(db, "SELECT count(*) FROM learner") == [(4,)]
    assert _rows(db, "SELECT DISTINCT fact_type FROM hr_fact") == [("organisation",)]


def test_sync_workday_failure_is_reported_not_raised(
    settings, pm, db, fake_workday, fake_workday_module
):
    runtime = _runtime(settings, pm, db, fake_workday, fake_workday_module, refresh_token="revoked")
    (report,) = sync_all(runtime, only="workday")
    assert "refused the refresh token" in report.error
    assert _rows(db, "SELECT count(*) FROM learner") == [(0,)]


def test_sync_workday_link_keys_decide_identifiers(
    settings, pm, db, fake_workday, fake_workday_module
):
    runtime = _runtime(settings, pm, db, fake_workday, fake_workday_module, link_keys="employee_id")
    sync_all(runtime, only="workday")
    kinds = dict(_rows(db, "SELECT kind, count(*) FROM identity_link GROUP BY 1"))
    assert kinds == {"workday": 4, "employee_id": 4}


def test_workday_unconfigured_registers_nothing(settings, pm):
    runtime = Runtime(settings, pm=pm)
    names = {s.name for s in runtime.collect("register_signal_sources")}
    tasks = {t.name for t in runtime.collect("register_periodic_tasks")}
    assert "workday" not in names and "moodle" not in names
    assert not {"sync.workday", "sync.moodle"} & tasks


def test_workday_configured_schedules_its_sync(settings, pm, fake_workday_module):
    config = fake_workday_module.workday_settings("https://wd.example", sync_interval_seconds=7200)
    runtime = Runtime(settings.model_copy(update={"plugins": {"workday": config}}), pm=pm)
    (task,) = [t for t in runtime.collect("register_periodic_tasks") if t.name == "sync.workday"]
    assert task.every_seconds == 7200
