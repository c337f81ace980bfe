"""Assignment and Grade Services: a learner's result for a deep-linked item, to the gradebook.

The result is what learnwire knows from learning events about that item (best scaled score,
completion); with no events yet the platform is told the activity was opened, without a
score. The line item is the one the launch names, or one the tool creates for the item.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem

from ...core.store import one
from .context import AGS
from .deep_linking import LINE_ITEM_TAG, SCORE_MAXIMUM
from .errors import LtiError, NotAllowed, PlatformUnavailable
from .launches import LaunchRecord
from .offers import Offer
from .services import describe_answer

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class LearnerResult:
    score_scaled: float | None
    completed: bool
    passed: bool | None
    events: int


@dataclass(frozen=True)
class ScoreReceipt:
    lineitem_url: str
    created_lineitem: bool
    score_given: float | None
    activity_progress: str
    grading_progress: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def learner_result(conn: Conn, learner_id: uuid.UUID, content_id: uuid.UUID) -> LearnerResult:
    row = one(
        conn.execute(
            "SELECT max(score_scaled), coalesce(bool_or(completion), false), bool_or(success), "
            "count(*) FROM learning_event WHERE learner_id = %s AND content_id = %s AND NOT voided",
            (learner_id, content_id),
        )
    )
    return LearnerResult(row[0], row[1], row[2], int(row[3]))


def grade_for(result: LearnerResult, user_id: str) -> Grade:
    """The AGS score for a result; progress without a score when nothing was scored yet."""
    grade = (
        Grade()
        .set_user_id(user_id)
        .set_timestamp(datetime.now(UTC).isoformat(timespec="milliseconds"))
    )
    if result.score_scaled is not None:
        # xAPI scaled scores run from -1 to 1; a gradebook has no negative marks.
        score = round(max(0.0, min(1.0, result.score_scaled)) * SCORE_MAXIMUM, 2)
        return (
            grade.set_score_given(score)
            .set_score_maximum(SCORE_MAXIMUM)
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
        )
    if result.completed or result.passed is not None:
        progress = "Completed"
    else:
        progress = "InProgress" if result.events else "Initialized"
    return grade.set_activity_progress(progress).set_grading_progress("NotReady")


def placement_tag(item: Offer, resource_link_id: str | None) -> str:
    """The tag of the column the tool creates for one placement of one item."""
    if not resource_link_id:
        return f"{LINE_ITEM_TAG}:{item.content_id}"
    return f"{LINE_ITEM_TAG}:{item.content_id}:{resource_link_id}"


def wanted_lineitem(item: Offer, resource_link_id: str | None) -> LineItem:
    wanted = (
        LineItem()
        .set_tag(placement_tag(item, resource_link_id))
        .set_resource_id(str(item.content_id))
        .set_label(item.title)
        .set_score_maximum(SCORE_MAXIMUM)
    )
    if resource_link_id:
        wanted.set_resource_link_id(resource_link_id)
    return wanted


def placement_lineitem(ags: Any, item: Offer, resource_link_id: str | None) -> LineItem | None:
    """The course's column for this placement of ``item``: same item *and* same resource
    link. The same item placed twice in a course has two columns; matching on the item alone
    would post the second placement's scores into the first one's column."""
    for found in ags.get_lineitems():
        if not isinstance(found, dict) or found.get("resourceId") != str(item.content_id):
            continue
        if resource_link_id is None or found.get("resourceLinkId") == resource_link_id:
            return LineItem(cast(Any, found))
    return None


def post_result(conn: Conn, launch: Any, record: LaunchRecord, item: Offer) -> ScoreReceipt:
    """Post the learner's result for ``item`` to the platform's gradebook."""
    body = launch.get_launch_data()
    endpoint = body.get(AGS) or {}
    if not endpoint:
        raise NotAllowed("The LMS did not enable grade services (AGS) for this launch.")
    try:
        ags = launch.get_ags()
        if not ags.can_put_grade():
            raise NotAllowed("The LMS did not grant this tool the right to post scores.")
        created = False
        if endpoint.get("lineitem"):
            lineitem = LineItem({"id": endpoint["lineitem"]})
        elif endpoint.get("lineitems") and ags.can_create_lineitem():
            existing = placement_lineitem(ags, item, record.resource_link_id)
            created = existing is None
            lineitem = existing or ags.find_or_create_lineitem(
                wanted_lineitem(item, record.resource_link_id), find_by="tag"
            )
        else:
            raise NotAllowed(
                "The LMS gave this launch no gradebook column and no right to create one."
            )
        result = learner_result(conn, record.learner_id, item.content_id)
        grade = grade_for(result, str(body["sub"]))
        ags.put_grade(grade, lineitem)
    except LtiServiceException as exc:
        raise PlatformUnavailable(
            f"The LMS refused the grade call: {describe_answer(exc.response)}"
        ) from exc
    except LtiException as exc:
        raise LtiError(f"The score could not be posted: {exc}.") from exc
    return ScoreReceipt(
        lineitem_url=str(lineitem.get_id()),
        created_lineitem=created,
        score_given=grade.get_score_given(),
        activity_progress=str(grade.get_activity_progress()),
        grading_progress=str(grade.get_grading_progress()),
    )
