"""The delivery hooks as the host calls them: channels a plugin registers carry messages;
governance a plugin registers decides; without governance nothing is delivered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from learnwire import hookimpl
from learnwire.core.delivery import (
    DeliveryChannel,
    DeliveryGovernance,
    DeliveryReceipt,
    DeliveryRefused,
)
from learnwire.core.delivery.run import run
from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime

from ...conftest import make_settings

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
INBOX = {"delivery": {"default_cadence": {"digest": {"inbox": "daily"}}}, "lms": {"enabled": False}}


class Inbox(DeliveryChannel):
    name = "inbox"
    needs_address = False

    def __init__(self) -> None:
        self.got = []

    def send(self, message):
        self.got.append(message)
        return DeliveryReceipt(channel=self.name, delivered=True, provider_id=f"m{len(self.got)}")


def _runtime(database_url, tmp_path, db, plugins, *, allow=None):
    settings = make_settings(database_url, tmp_path, plugins=INBOX, plugins_allow=allow)
    return Runtime(settings, pm=get_plugin_manager(settings, extra_plugins=plugins), db=db)


def test_hook_register_delivery_channels(database_url, tmp_path, db, org):
    inbox = Inbox()

    class Plugin:
        @hookimpl
        def register_delivery_channels(self, settings):
            return [inbox]

    runtime = _runtime(database_url, tmp_path, db, [("inbox", Plugin())])
    report = run(runtime, at=AT)
    assert report.results["sent"] == 2
    assert {m.learner_id for m in inbox.got} == {org["ana"], org["ben"]}
    message = next(m for m in inbox.got if m.learner_id == org["ana"])
    assert message.kind == "digest" and len(message.items) == 3
    assert all(item.reason and item.url for item in message.items)
    assert "Your 3 learning picks" in message.text
    with db.connection() as conn:
        stored = conn.execute(
            "SELECT provider_id FROM delivery_send WHERE channel = 'inbox' ORDER BY 1"
        ).fetchall()
    assert stored == [("m1",), ("m2",)]


def test_hook_register_delivery_governance(database_url, tmp_path, db, org):
    inbox = Inbox()
    asked = []

    class Refuse(DeliveryGovernance):
        def screen(self, conn, plans):
            for plan in plans:
                asked.append((plan.learner_id, plan.kind, [c.name for c in plan.channels]))
                plan.refused["*"] = "the works council said no"

        def outbound(self, conn, *, processor, payload, learner_id, preview=False):
            raise AssertionError("nothing is screened through, so nothing is sent")

    class Plugin:
        @hookimpl
        def register_delivery_channels(self, settings):
            return [inbox]

        @hookimpl
        def register_delivery_governance(self, settings):
            return [Refuse()]

    allow = ["inbox", "delivery"]
    runtime = _runtime(database_url, tmp_path, db, [("inbox", Plugin())], allow=allow)
    report = run(runtime, at=AT)
    assert inbox.got == [] and report.queued == 0
    assert report.as_dict()["skipped"] == {
        "policy: the works council said no": 3,
        "no channel: every channel is off or has no address": 1,  # Ben's nudge
    }
    assert sorted(asked) == sorted((lid, "digest", ["inbox"]) for lid in org.values())


def test_delivery_without_governance_refuses_to_send(database_url, tmp_path, db, org):
    inbox = Inbox()

    class Plugin:
        @hookimpl
        def register_delivery_channels(self, settings):
            return [inbox]

    runtime = _runtime(database_url, tmp_path, db, [("inbox", Plugin())], allow=["delivery"])
    with pytest.raises(DeliveryRefused, match="no delivery governance is loaded"):
        run(runtime, at=AT)
    assert inbox.got == []
