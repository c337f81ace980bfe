"""Governance fails closed: without the policy engine the host refuses to take in or serve
data, and says why (finding 1.4 of issue 17)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from importlib import metadata

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from learnwire import hookimpl
from learnwire.core.cli import cli
from learnwire.core.governance import GovernanceMissing
from learnwire.core.models import DataCategory, IdentityRef, LearningEvent
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.core.sources import SignalSource, SourceBatch
from learnwire.core.sync import run_source
from learnwire.core.web.app import create_app
from learnwire.policies.intake_guard import PolicyIntakeGuard

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


class _OneEvent(SignalSource):
    name = "jira"
    categories = frozenset({DataCategory.BEHAVIOURAL})

    def pull(self, *, checkpoint, full=False):
        yield SourceBatch(
            events=[
                LearningEvent(
                    statement_id=uuid.UUID(int=1),
                    subject=IdentityRef(kind="jira", value="u1"),
                    source="jira",
                    data_category=DataCategory.BEHAVIOURAL,
                    occurred_at=T0,
                    verb="http://adlnet.gov/expapi/verbs/experienced",
                    object_id="https://jira/x",
                )
            ],
            checkpoint="1",
        )


def _stored(db) -> int:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM learning_event").fetchone()[0]


@pytest.fixture
def ungoverned(settings, db, redis_url) -> Runtime:
    """The runtime of LEARNWIRE_PLUGINS_ALLOW=xapi,moodle: the policies plugin is skipped.
    A broker is configured, so `worker` and `beat` get as far as the governance check."""
    update = {"plugins_allow": ["xapi", "moodle"], "redis_url": SecretStr(redis_url)}
    return Runtime(settings.model_copy(update=update), db=db)


def test_governance_allow_list_without_policies_refuses_intake(ungoverned, db):
    with pytest.raises(GovernanceMissing) as refused:
        run_source(ungoverned.db, ungoverned.intake(), _OneEvent())
    message = str(refused.value)
    assert "plugin 'policies' skipped: not in LEARNWIRE_PLUGINS_ALLOW" in message
    assert "keep it in LEARNWIRE_PLUGINS_ALLOW" in message
    assert _stored(db) == 0


def test_governance_allow_list_without_policies_refuses_to_serve(ungoverned):
    with pytest.raises(GovernanceMissing, match="refuses to take in or serve data"):
        create_app(ungoverned)


def test_governance_sync_worker_and_beat_commands_refuse_without_policies(ungoverned, db):
    for command in (["sync"], ["worker"], ["beat"]):
        result = CliRunner().invoke(cli, command, obj=ungoverned)
        assert result.exit_code == 2, (command, result.output)
        assert "error: learnwire refuses to take in or serve data without governance" in (
            result.output
        ), command
    assert _stored(db) == 0


def test_governance_policies_plugin_failing_to_import_refuses(settings, db, tmp_path, monkeypatch):
    (tmp_path / "lw_broken_policies.py").write_text(
        "raise RuntimeError('policy directory unreadable')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    pm = get_plugin_manager(settings, load_entry_points=False)
    broken = metadata.EntryPoint(name="policies", value="lw_broken_policies", group="learnwire")
    pm.load_entry_points([broken])
    runtime = Runtime(settings, pm=pm, db=db)
    with pytest.raises(GovernanceMissing) as refused:
        run_source(runtime.db, runtime.intake(), _OneEvent())
    assert (
        "plugin 'policies' disabled: failed to import: "
        "RuntimeError('policy directory unreadable')" in str(refused.value)
    )
    assert _stored(db) == 0


def test_governance_register_governance_raising_refuses(settings, db):
    class Broken:
        @hookimpl
        def register_governance(self, settings, db):
            raise OSError("policy directory unreadable")

    pm = get_plugin_manager(settings, load_entry_points=False, extra_plugins=[("gov", Broken())])
    runtime = Runtime(settings, pm=pm, db=db)
    with pytest.raises(GovernanceMissing, match=r"plugin 'gov' disabled: register_governance"):
        runtime.intake()


def test_governance_the_policy_engine_guards_every_intake(runtime):
    # The governance's own guard always runs first, whatever else is registered or passed.
    [guard] = runtime.intake(guards=[]).guards
    assert isinstance(guard, PolicyIntakeGuard)
