"""Closing the loop: what happens to a message becomes a learning event through intake, in
the behavioural category (so consent, retention and erasure apply as to any activity).

A click is recorded as the person launching the item, so the learner model treats it as
practice begun (it moves the next ranking) and its hour feeds the send-time rhythm. A
dismissal from a message is the same verdict as a dismissal on the page.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from ..intake import Intake, IntakeReport
from ..models import DataCategory, learnwire_statement
from ..sources import SourceBatch

Conn = psycopg.Connection[Any]
SOURCE = "delivery"
VERBS = {
    "delivered": "https://learnwire.dev/xapi/verbs/delivered",
    "opened": "https://learnwire.dev/xapi/verbs/opened",
    "clicked": "http://adlnet.gov/expapi/verbs/launched",
    "unsubscribed": "https://learnwire.dev/xapi/verbs/unsubscribed",
}
#: Statement ids derive from what happened, so a repeated click or a retried task is one event.
NAMESPACE = uuid.UUID("5e1d7c2a-8b4f-4c61-9d0e-3f6a2b1c9e47")


def record(
    conn: Conn,
    intake: Intake,
    *,
    what: str,
    learner_id: UUID,
    object_id: str,
    key: str,
    at: datetime,
    channel: str,
) -> IntakeReport:
    verb = VERBS[what]
    statement_id = uuid.uuid5(NAMESPACE, f"{what}|{learner_id}|{key}")
    event = learnwire_statement(
        statement_id=statement_id,
        learner_id=learner_id,
        source=SOURCE,
        data_category=DataCategory.BEHAVIOURAL,
        occurred_at=at,
        verb=verb,
        verb_display=what,
        object_id=object_id,
        context={"platform": f"learnwire delivery ({channel})"},
    )
    return intake.store(conn, SourceBatch(events=[event]), source=SOURCE)
