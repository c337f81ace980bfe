"""What a launched learner tells learnwire from their page: a verdict on an item, the
skills they want to weigh more or less, an answer to a micro-survey.

Each is stored through intake (so consent, retention and erasure apply) and only for the
person the launch is about. ``flask.py`` calls these with the request's connection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import psycopg

from ...core.intake import IntakeReport
from ...core.learner import feedback as learner_feedback
from . import feedback, surveys
from .checks import DEEP_LINKING_REQUEST
from .errors import FeedbackRefused, NotAllowed
from .launches import LaunchRecord
from .tool import LtiTool

Conn = psycopg.Connection[Any]
log = logging.getLogger("learnwire.lti")


def rate(
    tool: LtiTool,
    conn: Conn,
    record: LaunchRecord,
    form: Mapping[str, str],
    *,
    signed_in: str | None,
) -> str:
    """Store the launched learner's verdict on an item; returns the confirmation code."""
    _require_own(record, signed_in)
    given = feedback.parse_verdict(form)
    report = learner_feedback.rate(
        conn,
        tool.runtime.intake(),
        learner_id=record.learner_id,
        content_id=given.content_id,
        verdict=given.verdict,
    )
    _require_stored(report)
    log.info("LTI launch %s: %s on %s", record.launch_id, given.verdict, given.content_id)
    return given.verdict


def state_priorities(
    tool: LtiTool,
    conn: Conn,
    record: LaunchRecord,
    fields: Iterable[tuple[str, str]],
    *,
    signed_in: str | None,
) -> str:
    """Store the skills whose weight the learner changed; returns the confirmation code."""
    _require_own(record, signed_in)
    wanted = feedback.parse_priorities(fields)
    known = {r[0] for r in conn.execute("SELECT id FROM skill WHERE id = ANY(%s)", (list(wanted),))}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise FeedbackRefused(f"Unknown skill(s): {', '.join(unknown)}. Reload the page and retry.")
    listed = tool.offer_source().priorities(conn, learner_id=record.learner_id)
    current = {p.skill_id: p.weight for p in listed}
    # The form posts every listed skill; storing only changes keeps one fact per choice.
    changed = {s: w for s, w in wanted.items() if abs(current.get(s, 0.0) - w) > 1e-6}
    if not changed:
        return "priorities_unchanged"
    report = learner_feedback.state_priorities(
        conn, tool.runtime.intake(), learner_id=record.learner_id, priorities=changed
    )
    _require_stored(report)
    log.info("LTI launch %s: %d priorities stated", record.launch_id, len(changed))
    return "priorities"


def answer_survey(
    tool: LtiTool,
    conn: Conn,
    record: LaunchRecord,
    form: Mapping[str, str],
    *,
    signed_in: str | None,
) -> str:
    """Store the launched learner's answer to a micro-survey; returns the code."""
    _require_own(record, signed_in)
    done = surveys.answer(conn, tool.runtime, record, form)
    log.info("LTI launch %s: %s", record.launch_id, done)
    return done


def _require_own(record: LaunchRecord, signed_in: str | None) -> None:
    """Only the launched learner speaks for themself. The launch id in the URL proves the
    page came from this launch; where cookies work, the session must agree on who it is
    (a page left open by someone else in a shared browser must not rate as them)."""
    if record.message_type == DEEP_LINKING_REQUEST:
        raise NotAllowed("This is a content selection launch; rate items on your own page.")
    if signed_in is not None and signed_in != str(record.learner_id):
        raise NotAllowed(
            "This page belongs to another person's launch. Open the activity again from "
            "the LMS to rate your own recommendations."
        )


def _require_stored(report: IntakeReport) -> None:
    if report.rejected:
        reasons = "; ".join(r.reason for r in report.rejected)
        raise NotAllowed(f"Your feedback was not stored: {reasons}.")
