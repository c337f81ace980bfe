"""Recording an answer: one xAPI-shaped statement in the ``feedback`` category, through
intake, so consent, retention and erasure apply as to every other signal.

Answering is idempotent: the same answer again (a replayed tap, a retried POST, a mail
scanner that got past the confirm page) stores nothing new, because the statement id is
derived from who answered what, and how many times they had answered that question before.
Changing one's mind stores a new statement; readers take the latest.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from ..errors import Forbidden, NotFound, ValidationFailed
from ..intake import Intake
from ..learner.org import AGGREGATE_FAMILIES
from ..models import DataCategory, learnwire_statement
from ..sources import SourceBatch
from .vocabulary import (
    ANSWERS,
    APPLICATION,
    EXT_CONTENT,
    EXT_NOTE,
    EXT_SKILL,
    EXT_TEAM,
    EXT_WHERE,
    NOTE_MAX_CHARS,
    OBSERVATION,
    PLACES,
    QUESTIONS,
    RELEVANCE,
    SURVEY_ACTIVITY,
    SURVEY_ACTIVITY_TYPE,
    SURVEY_NAMESPACE,
    TEAM_ACTIVITY,
    VERBS,
)

Conn = psycopg.Connection[Any]
#: Its own intake rule (policies: intake.sources.surveys) keeps the answer and its context.
SOURCE = "surveys"
#: Control characters (NUL included) and lone surrogates never reach a statement.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class NotOnThisTeam(Forbidden):
    """Only a manager of a team is asked about it, and only they may answer."""


class TeamTooSmall(Forbidden):
    """Observations are only gathered for teams of at least k people."""


@dataclass(frozen=True)
class Recorded:
    """``stored`` is False when the same answer was already recorded (a replay) or when
    intake refused it (``refused`` says why: the person's consent, say)."""

    statement_id: UUID
    stored: bool
    refused: str | None = None


def clean_note(note: str | None) -> str | None:
    """The optional free text of an application answer: control characters removed, spaces
    collapsed, at most ``NOTE_MAX_CHARS`` characters (longer is refused, not cut, so nobody
    loses the end of what they wrote without knowing)."""
    if note is None:
        return None
    text = " ".join(_UNSAFE.sub(" ", note).split())
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationFailed(
            f"the note has {len(text)} characters; at most {NOTE_MAX_CHARS} are kept",
            field="note",
        )
    return text or None


def answer_relevance(
    conn: Conn,
    intake: Intake,
    *,
    learner_id: UUID,
    content_id: UUID,
    answer: str,
    via: str,
    at: datetime | None = None,
) -> Recorded:
    """ "Was this relevant to your work now?" for an item the learner has met."""
    _check_answer(RELEVANCE, answer)
    activity = _require_item(conn, learner_id, content_id)
    ext = {EXT_CONTENT: str(content_id)}
    return _store(conn, intake, learner_id, RELEVANCE, activity, answer, ext, via, at)


def answer_application(
    conn: Conn,
    intake: Intake,
    *,
    learner_id: UUID,
    content_id: UUID,
    answer: str,
    where: str | None = None,
    note: str | None = None,
    via: str,
    at: datetime | None = None,
) -> Recorded:
    """ "Did you use this? Where?": a fixed answer, where (a fixed choice, only with
    ``used``) and an optional short note."""
    _check_answer(APPLICATION, answer)
    if where is not None and where not in PLACES:
        raise ValidationFailed(
            f"where must be one of {', '.join(PLACES)}, got '{where[:40]}'", field="where"
        )
    if where is not None and answer != "used":
        where = None  # a place only makes sense for something used
    text = clean_note(note)
    activity = _require_item(conn, learner_id, content_id)
    ext: dict[str, str] = {EXT_CONTENT: str(content_id)}
    if where:
        ext[EXT_WHERE] = where
    if text:
        ext[EXT_NOTE] = text
    return _store(conn, intake, learner_id, APPLICATION, activity, answer, ext, via, at)


def observe_team(
    conn: Conn,
    intake: Intake,
    *,
    manager_id: UUID,
    team_id: str,
    skill_id: str,
    answer: str,
    k: int,
    via: str,
    at: datetime | None = None,
) -> Recorded:
    """ "Have you seen your team apply X?" from a manager of ``team_id`` (``source:unit``).
    The answer is about the team as a whole; nothing in it names a member.

    :raises NotOnThisTeam: the person does not manage the team. :raises TeamTooSmall: the
        team has fewer than ``k`` countable members."""
    _check_answer(OBSERVATION, answer)
    _require_learner(conn, manager_id)
    source, _, unit = team_id.partition(":")
    if not unit:
        raise ValidationFailed("a team is named 'source:unit'", field="team")
    if conn.execute("SELECT 1 FROM skill WHERE id = %s", (skill_id,)).fetchone() is None:
        raise ValidationFailed(f"unknown skill '{skill_id[:80]}'", field="skill")
    if not manages(conn, manager_id, team_id):
        raise NotOnThisTeam("only a manager of this team is asked about it")
    if team_size(conn, team_id) < k:
        raise TeamTooSmall(
            f"observations are gathered for teams of at least {k} people "
            "(k_anonymity.min_group_size), so that no answer can point at one person"
        )
    ext = {EXT_TEAM: team_id, EXT_SKILL: skill_id}
    activity = f"{TEAM_ACTIVITY}{source}/{unit}"
    return _store(conn, intake, manager_id, OBSERVATION, activity, answer, ext, via, at)


def manages(conn: Conn, manager_id: UUID, team_id: str) -> bool:
    source, _, unit = team_id.partition(":")
    row = conn.execute(
        "SELECT 1 FROM team_membership WHERE learner_id = %s AND source = %s "
        "AND unit_external_id = %s AND is_manager",
        (manager_id, source, unit),
    ).fetchone()
    return row is not None


def team_size(conn: Conn, team_id: str) -> int:
    """Members of the team who are not its managers and did not opt out of aggregates."""
    source, _, unit = team_id.partition(":")
    row = conn.execute(
        "SELECT count(DISTINCT tm.learner_id) FROM team_membership tm "
        "WHERE tm.source = %s AND tm.unit_external_id = %s AND NOT tm.is_manager "
        "AND NOT EXISTS (SELECT 1 FROM policy_opt_out o WHERE o.learner_id = tm.learner_id "
        "AND o.family = ANY(%s))",
        (source, unit, list(AGGREGATE_FAMILIES)),
    ).fetchone()
    return int(row[0]) if row else 0


def _check_answer(kind: str, answer: str) -> None:
    if answer not in ANSWERS[kind]:
        raise ValidationFailed(
            f"answer must be one of {', '.join(ANSWERS[kind])}, got '{answer[:40]}'",
            field="answer",
        )


def _require_learner(conn: Conn, learner_id: UUID) -> None:
    if conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone() is None:
        raise NotFound(
            f"no learner {learner_id}: their data was erased or never existed, so the "
            "answer was not stored"
        )


def _require_item(conn: Conn, learner_id: UUID, content_id: UUID) -> str:
    _require_learner(conn, learner_id)
    row = conn.execute(
        "SELECT coalesce(activity_id, launch_url) FROM content_item WHERE id = %s",
        (content_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no content item {content_id}")
    return str(row[0])


def _store(
    conn: Conn,
    intake: Intake,
    learner_id: UUID,
    kind: str,
    activity: str,
    answer: str,
    ext: dict[str, str],
    via: str,
    at: datetime | None,
) -> Recorded:
    verb = VERBS[kind]
    subject = ext.get(EXT_TEAM, ext.get(EXT_CONTENT, activity)) + "|" + ext.get(EXT_SKILL, "")
    earlier = conn.execute(
        "SELECT statement_id, statement->'result'->>'response', "
        "coalesce(statement->'context'->'extensions', '{}') FROM learning_event "
        "WHERE learner_id = %s AND verb = %s AND object_id = %s AND NOT voided "
        "AND coalesce(statement->'context'->'extensions'->>%s, '') = %s "
        "ORDER BY occurred_at, stored_at",
        (learner_id, verb, activity, EXT_SKILL, ext.get(EXT_SKILL, "")),
    ).fetchall()
    if earlier and earlier[-1][1] == answer and earlier[-1][2] == ext:
        return Recorded(earlier[-1][0], stored=False)
    # The count of earlier answers makes "yes, no, yes" three statements, while a replay of
    # the same request (same history) derives the same id and stores nothing.
    statement_id = uuid.uuid5(
        SURVEY_NAMESPACE,
        f"{kind}|{learner_id}|{subject}|{answer}|{sorted(ext.items())}|{len(earlier)}",
    )
    when = (at or datetime.now(UTC)).replace(microsecond=0)
    event = learnwire_statement(
        statement_id=statement_id,
        learner_id=learner_id,
        source=SOURCE,
        data_category=DataCategory.FEEDBACK,
        occurred_at=when,
        verb=verb,
        verb_display=f"answered the {kind} survey",
        object_id=activity,
        skill_ids=[ext[EXT_SKILL]] if EXT_SKILL in ext else [],
        result={"response": answer},
        context={
            "platform": f"learnwire ({via})",
            "contextActivities": {
                "category": [
                    {
                        "objectType": "Activity",
                        "id": SURVEY_ACTIVITY[kind],
                        "definition": {
                            "type": SURVEY_ACTIVITY_TYPE,
                            "description": {"en-US": QUESTIONS[kind]},
                        },
                    }
                ]
            },
            "extensions": ext,
        },
    )
    report = intake.store(conn, SourceBatch(events=[event]), source=SOURCE)
    refused = "; ".join(r.reason for r in report.rejected) or None
    return Recorded(statement_id, stored=report.count("events").new > 0, refused=refused)
