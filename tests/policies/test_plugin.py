"""The policy plugin registers through the learnwire entry point and its hooks."""

from __future__ import annotations

from learnwire.policies.intake_guard import PolicyIntakeGuard


def test_plugin_loads_from_entry_point_with_its_hooks(pm):
    info = {i.name: i for i in pm.plugin_list()}["policies"]
    assert info.status == "loaded" and info.origin.startswith("entry point of learnwire")
    assert {
        "register_governance",
        "register_migrations",
        "register_commands",
        "register_blueprints",
        "register_periodic_tasks",
    } <= set(info.hooks)


def test_plugin_periodic_tasks_sweep_and_reload(runtime, db, settings, make_org, monkeypatch):
    tasks = {t.name: t for t in runtime.collect("register_periodic_tasks")}
    assert {"policies.retention_sweep", "policies.reload"} <= set(tasks)
    assert isinstance(runtime.governance.intake_guard(), PolicyIntakeGuard)
    with db.connection() as conn:
        org = make_org(conn)
        learner = org.learner()
        org.event(learner, days_ago=10_000)
    swept = tasks["policies.retention_sweep"].run(settings)
    assert swept["deleted"] == {"learning_event/behavioural": 1} and swept["complete"]
    reloaded = tasks["policies.reload"].run(settings)
    assert reloaded["status"] == "applied"
    assert tasks["policies.reload"].run(settings)["status"] == "unchanged"
