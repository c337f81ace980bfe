"""Moodle's signal source and content provider, synced into the real store from a fake
site: people, events, skills, content items, checkpoints, retirement."""

from __future__ import annotations

import json

import pytest

from learnwire.core.runtime import Runtime
from learnwire.core.sync import run_source, sync_all
from learnwire.plugins.moodle.client import MoodleAccessDenied

TOKEN = "moodle-test-token"


def _runtime(settings, pm, db, url, **extra) -> Runtime:
    config = {"url": url, "token": TOKEN, "backoff_seconds": 0, **extra}
    return Runtime(settings.model_copy(update={"plugins": {"moodle": config}}), pm=pm, db=db)


def _scalar(db, sql, *args):
    with db.connection() as conn:
        return conn.execute(sql, args).fetchone()[0]


def _source(runtime):
    (source,) = [s for s in runtime.collect("register_signal_sources") if s.name == "moodle"]
    return source


def test_sync_moodle_brings_people_events_skills_and_plans(settings, pm, db, fake_moodle):
    runtime = _runtime(settings, pm, db, fake_moodle.url)
    reports = sync_all(runtime, only="moodle")
    assert [r.error for r in reports] == [None, None]
    assert _scalar(db, "SELECT count(*) FROM learner") == 4  # users 7, 8, 9 and the teacher
    with db.connection() as conn:
        by_category = dict(
            conn.execute(
                "SELECT data_category::text, count(*) FROM learning_event GROUP BY 1"
            ).fetchall()
        )
    # completions: 7 -> page, quiz, course; 8 -> page, quiz; 7 -> scorm. grades: 7 quiz +
    # course total, 8 quiz (the ungraded assignment is skipped).
    assert by_category == {"behavioural": 6, "assessment": 3}
    assert _scalar(db, "SELECT count(*) FROM skill") == 2
    assert (
        _scalar(db, "SELECT value->>'name' FROM hr_fact WHERE fact_type = 'development_item'")
        == "Become a team lead"
    )
    assert _scalar(db, "SELECT value->'skills' FROM hr_fact") == ["fb-01"]


def test_sync_moodle_events_carry_activity_skills_and_scores(settings, pm, db, fake_moodle):
    runtime = _runtime(settings, pm, db, fake_moodle.url)
    sync_all(runtime, only="moodle")
    url = fake_moodle.url
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT object_id, skill_ids, score_scaled, success, content_id IS NOT NULL "
            "FROM learning_event WHERE verb LIKE '%%scored' ORDER BY score_scaled, object_id"
        ).fetchall()
        statement = conn.execute("SELECT statement FROM learning_event LIMIT 1").fetchone()[0]
    quiz = f"{url}/mod/quiz/view.php?id=22"
    assert rows == [
        (quiz, ["fb-01"], pytest.approx(0.3), None, True),
        (f"{url}/course/view.php?id=2", ["fb-01"], pytest.approx(0.8), None, False),
        (quiz, ["fb-01"], pytest.approx(0.8), None, True),
    ]
    assert "actor" not in statement, "no Moodle user id is kept in stored statements"


def test_sync_moodle_full_resync_changes_nothing(settings, pm, db, fake_moodle):
    runtime = _runtime(settings, pm, db, fake_moodle.url)
    sync_all(runtime, only="moodle")
    again = sync_all(runtime, only="moodle", full=True)
    for report in again:
        totals = report.report.totals()
        assert (totals["new"], totals["updated"], totals["rejected"]) == (0, 0, 0), report
    assert _scalar(db, "SELECT count(*) FROM learning_event") == 9


def test_sync_moodle_incremental_uses_the_checkpoint(settings, pm, db, fake_moodle):
    runtime = _runtime(settings, pm, db, fake_moodle.url, overlap_seconds=0)
    source = _source(runtime)
    run_source(db, runtime.intake(), source)
    with db.connection() as conn:
        mark = json.loads(
            conn.execute(
                "SELECT checkpoint FROM sync_checkpoint WHERE source = 'moodle' AND stream = ''"
            ).fetchone()[0]
        )["since"]
    assert mark.startswith("2026-01-05")
    site = fake_moodle.site
    site.completions[(3, 8)] = [{**site.completions[(3, 7)][0], "timecompleted": 1767700000}]
    report = run_source(db, runtime.intake(), source)
    events = report.report.counts["events"]
    # Only the completion newer than the checkpoint reaches intake.
    assert (events.new, events.unchanged) == (1, 0)


def test_sync_moodle_roles_and_employee_ids_shape_identities(settings, pm, db, fake_moodle):
    runtime = _runtime(
        settings, pm, db, fake_moodle.url, roles="student", employee_id_field="idnumber"
    )
    run_source(db, runtime.intake(), _source(runtime))
    assert _scalar(db, "SELECT count(*) FROM learner") == 3  # the teacher is left out
    assert _scalar(db, "SELECT count(*) FROM identity_link WHERE kind = 'employee_id'") == 2


def test_sync_moodle_without_competencies_still_syncs(settings, pm, db, fake_moodle):
    fake_moodle.site.competencies_enabled = False
    runtime = _runtime(settings, pm, db, fake_moodle.url)
    reports = sync_all(runtime, only="moodle")
    assert [r.error for r in reports] == [None, None]
    assert _scalar(db, "SELECT count(*) FROM skill") == 0
    assert _scalar(db, "SELECT count(*) FROM hr_fact") == 0
    assert _scalar(db, "SELECT count(*) FROM learning_event") == 9


def test_sync_moodle_competencies_on_fails_loudly_when_disabled(settings, pm, db, fake_moodle):
    fake_moodle.site.competencies_enabled = False
    runtime = _runtime(settings, pm, db, fake_moodle.url, competencies="on")
    reports = sync_all(runtime, only="moodle")
    assert all("Competencies are not enabled" in (r.error or "") for r in reports)


def test_sync_moodle_token_without_permission_is_reported(settings, pm, db, fake_moodle):
    runtime = _runtime(settings, pm, db, fake_moodle.url, token="moodle-limited-token")
    with pytest.raises(MoodleAccessDenied):
        run_source(db, runtime.intake(), _source(runtime))
    reports = sync_all(runtime, only="moodle")
    assert {r.kind for r in reports} == {"content", "signals"}
    assert all("Access control exception" in (r.error or "") for r in reports)


def test_sync_moodle_content_items_from_activities(settings, pm, db, fake_moodle):
    runtime = _runtime(settings, pm, db, fake_moodle.url)
    sync_all(runtime, only="moodle")
    with db.connection() as conn:
        items = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT external_id, format, duration_minutes, launch_url, activity_id, "
                "summary FROM content_item WHERE retired_at IS NULL"
            )
        }
        skills = dict(
            conn.execute(
                "SELECT c.external_id, s.weight FROM content_skill s "
                "JOIN content_item c ON c.id = s.content_id WHERE s.skill_id = 'fb-01'"
            ).fetchall()
        )
    url = fake_moodle.url
    assert set(items) == {"cm-21", "cm-22", "cm-23", "cm-31", "cm-32"}  # no label, no hidden
    assert items["cm-21"] == (
        "article",
        10,
        f"{url}/mod/page/view.php?id=21",
        f"{url}/mod/page/view.php?id=21",
        "How to give useful feedback",
    )
    assert items["cm-22"][0] == "assessment"
    assert items["cm-23"][0] == "video"
    assert items["cm-31"][0] == "course"
    # cm 21 is linked to the competency itself; the others inherit the course's at half.
    assert skills == {"cm-21": 1.0, "cm-22": 0.5, "cm-23": 0.5}


def test_sync_moodle_deleted_activity_is_retired(settings, pm, db, fake_moodle):
    runtime = _runtime(settings, pm, db, fake_moodle.url)
    sync_all(runtime, only="moodle")
    modules = fake_moodle.site.sections[2][0]["modules"]
    fake_moodle.site.sections[2][0]["modules"] = [m for m in modules if m["id"] != 22]
    (report,) = [r for r in sync_all(runtime, only="moodle") if r.kind == "content"]
    assert report.report.counts["content"].updated == 1
    assert _scalar(
        db, "SELECT retired_at IS NOT NULL FROM content_item WHERE external_id = 'cm-22'"
    )
    assert _scalar(db, "SELECT count(*) FROM content_item WHERE retired_at IS NULL") == 4


def test_sync_moodle_mapping_file_names_skills_and_durations(
    settings, pm, db, fake_moodle, tmp_path
):
    mapping = tmp_path / "skills.yaml"
    mapping.write_text(
        "skills:\n"
        "  - {id: feedback, name: Giving feedback, domain: management}\n"
        "  - {id: sql, name: SQL, domain: data}\n"
        "competencies:\n  FB-01: feedback\n"
        "courses:\n  DATA200: [sql]\n"
        "activities:\n"
        "  22: {skills: [{skill: feedback, weight: 0.5}], duration_minutes: 12}\n"
    )
    runtime = _runtime(settings, pm, db, fake_moodle.url, skill_map=str(mapping))
    sync_all(runtime, only="moodle")
    with db.connection() as conn:
        skills = sorted(r[0] for r in conn.execute("SELECT id FROM skill"))
        cm22 = conn.execute(
            "SELECT c.duration_minutes, s.skill_id, s.weight FROM content_item c "
            "JOIN content_skill s ON s.content_id = c.id WHERE c.external_id = 'cm-22'"
        ).fetchall()
    assert skills == ["feedback", "sql", "sql.basics"]
    assert cm22 == [(12, "feedback", 0.5)]


def test_sync_moodle_mapping_file_must_define_its_skills(settings, pm, db, fake_moodle, tmp_path):
    mapping = tmp_path / "skills.yaml"
    mapping.write_text("courses:\n  LEAD101: [coaching]\n")
    runtime = _runtime(settings, pm, db, fake_moodle.url, skill_map=str(mapping))
    runtime.collect("register_signal_sources")
    info = runtime.pm.infos["moodle"]
    assert info.status == "disabled" and "coaching" in info.reason
