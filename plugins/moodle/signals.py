"""Moodle as a signal source: who is enrolled, what they completed, how they scored, and
the learning plans they follow.

* Activity and course completions become ``behavioural`` events (verb *completed*).
* Grades become ``assessment`` events (verb *scored*) with the scaled score, tagged with
  the skills of the graded activity (its competencies or the mapping file).
* Learning plans become ``development_item`` facts (``performance``), with their
  competencies as skills.

Statement ids are derived from what a statement says, so a full resync of unchanged data
writes nothing. Moodle has no "changed since" filter for completions or grades, so every
run asks for them; the checkpoint (the newest Moodle timestamp seen) keeps an incremental
run from handing intake anything older than it, minus ``overlap_seconds``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ...core.models import (
    DataCategory,
    EventResult,
    HrFact,
    HrFactType,
    IdentityKind,
    IdentityRef,
    LearningEvent,
    PersonRecord,
)
from ...core.sources import SignalSource, SourceBatch
from .activities import activity_iri, course_iri, statement_id
from .client import MoodleClient, MoodleError
from .settings import MoodleSettings
from .skills import SkillIndex, SkillIndexBuilder, SkillMapFile, skill_id_for_competency

log = logging.getLogger(__name__)

VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_SCORED = "http://adlnet.gov/expapi/verbs/scored"
#: Completion states of core_completion: 1 complete, 2 complete and passed, 3 failed.
_SUCCESS = {1: None, 2: True, 3: False}
_USER_FIELDS = "id,email,idnumber,username,roles"


class MoodleSignalSource(SignalSource):
    name = "moodle"
    categories = frozenset(
        {DataCategory.BEHAVIOURAL, DataCategory.ASSESSMENT, DataCategory.PERFORMANCE}
    )

    def __init__(self, settings: MoodleSettings, client: MoodleClient, mapping: SkillMapFile):
        self.settings, self.client, self.mapping = settings, client, mapping
        self.site = settings.site

    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[SourceBatch]:
        since = None if full else _since(checkpoint, self.settings.overlap_seconds)
        courses = _learning_courses(self.client, self.settings.course_ids)
        builder = SkillIndexBuilder(
            self.client,
            self.mapping,
            competencies=self.settings.competencies,
            domain=self.settings.skill_domain,
        )
        index = builder.build(courses)
        yield SourceBatch(skills=list(index.skills.values()))
        newest = _checkpoint_time(checkpoint)
        learners: dict[int, dict[str, Any]] = {}
        for course in courses:
            batch, users = self._course_batch(course, index, since)
            learners.update(users)
            times = [e.occurred_at for e in batch.events] + ([newest] if newest else [])
            newest = max(times, default=None)
            yield batch
        extra = self._criteria_people(learners)
        if extra:
            yield SourceBatch(people=extra)
        if self.settings.learning_plans and builder.competencies != "off":
            # The people ride along so intake refuses facts about a conflicted identity.
            people = [self._person(u) for u in learners.values()]
            yield SourceBatch(people=people, facts=self._plan_facts(learners))
        mark = newest.isoformat() if newest is not None else None
        yield SourceBatch(checkpoint=json.dumps({"since": mark}) if mark else checkpoint)

    # -- per course ----------------------------------------------------------------------

    def _course_batch(
        self, course: dict[str, Any], index: SkillIndex, since: datetime | None
    ) -> tuple[SourceBatch, dict[int, dict[str, Any]]]:
        course_id = int(course["id"])
        users = {
            int(u["id"]): u
            for u in self.client.enrolled_users(
                course_id, page_size=self.settings.page_size, fields=_USER_FIELDS
            )
            if self._is_learner(u)
        }
        events: list[LearningEvent] = []
        events += self._grade_events(course, index, users)
        if course.get("enablecompletion", 1):
            for user_id in users:
                events += self._completion_events(course, user_id, index)
        if since is not None:
            events = [e for e in events if e.occurred_at > since]
        people = [self._person(u) for u in users.values()]
        return SourceBatch(people=people, events=events), users

    def _is_learner(self, user: dict[str, Any]) -> bool:
        if not self.settings.roles:
            return True
        shortnames = {str(r.get("shortname")) for r in user.get("roles") or []}
        return bool(shortnames & set(self.settings.roles))

    def _person(self, user: dict[str, Any]) -> PersonRecord:
        ids = [IdentityRef(kind=IdentityKind.MOODLE, namespace=self.site, value=str(user["id"]))]
        email = str(user.get("email") or "").strip()
        if email:
            ids.append(IdentityRef(kind=IdentityKind.EMAIL, value=email))
        field = self.settings.employee_id_field
        employee = str(user.get(field) or "").strip() if field else ""
        if employee:
            ids.append(
                IdentityRef(
                    kind=IdentityKind.EMPLOYEE_ID,
                    namespace=self.settings.employee_id_namespace,
                    value=employee,
                )
            )
        tz = str(user.get("timezone") or "")
        return PersonRecord(
            source=self.name,
            identifiers=ids,
            # "99" is Moodle's "use the server's time zone": nothing learnwire can use.
            timezone=tz if tz and tz != "99" else None,
            locale=str(user.get("lang")) if user.get("lang") else None,
        )

    def _subject(self, user_id: int) -> IdentityRef:
        return IdentityRef(kind=IdentityKind.MOODLE, namespace=self.site, value=str(user_id))

    def _grade_events(
        self, course: dict[str, Any], index: SkillIndex, users: dict[int, Any]
    ) -> list[LearningEvent]:
        course_id = int(course["id"])
        events = []
        for usergrade in self.client.grade_items(course_id):
            user_id = int(usergrade["userid"])
            if user_id not in users:
                continue
            for item in usergrade.get("gradeitems") or []:
                event = self._grade_event(course, user_id, item, index)
                if event is not None:
                    events.append(event)
        return events

    def _grade_event(
        self, course: dict[str, Any], user_id: int, item: dict[str, Any], index: SkillIndex
    ) -> LearningEvent | None:
        course_id = int(course["id"])
        raw, low, high = item.get("graderaw"), item.get("grademin"), item.get("grademax")
        when = item.get("gradedategraded") or item.get("gradedatesubmitted")
        if raw is None or low is None or high is None or not when or float(high) <= float(low):
            return None  # ungraded, ungradable or undated: nothing to learn from yet
        if item.get("itemtype") == "mod" and item.get("cmid"):
            cmid = int(item["cmid"])
            object_id = activity_iri(self.site, str(item.get("itemmodule")), cmid)
            skills = [s.skill_id for s in index.for_activity(course_id, cmid)]
        elif item.get("itemtype") == "course":
            object_id = course_iri(self.site, course_id)
            skills = [s.skill_id for s in index.for_course(course_id)]
        else:
            return None  # category totals and manual items are not about one activity
        scaled = (float(raw) - float(low)) / (float(high) - float(low))
        scaled = min(1.0, max(0.0, scaled))
        sid = statement_id(self.site, "grade", item.get("id"), user_id, raw, when)
        occurred = _time(when)
        result = EventResult(score_scaled=round(scaled, 6))
        statement = _statement(
            sid,
            VERB_SCORED,
            "scored",
            object_id,
            str(item.get("itemname") or course.get("fullname") or object_id),
            occurred,
            course_iri(self.site, course_id),
            result={"score": {"raw": raw, "min": low, "max": high, "scaled": result.score_scaled}},
        )
        return LearningEvent(
            statement_id=sid,
            subject=self._subject(user_id),
            source=self.name,
            data_category=DataCategory.ASSESSMENT,
            occurred_at=occurred,
            verb=VERB_SCORED,
            object_id=object_id,
            result=result,
            skill_ids=skills,
            statement=statement,
        )

    def _completion_events(
        self, course: dict[str, Any], user_id: int, index: SkillIndex
    ) -> list[LearningEvent]:
        course_id = int(course["id"])
        events = []
        for activity in self.client.activities_completion(course_id, user_id):
            state, when = int(activity.get("state", 0)), int(activity.get("timecompleted") or 0)
            if state not in _SUCCESS or when <= 0:
                continue
            cmid = int(activity["cmid"])
            object_id = activity_iri(self.site, str(activity.get("modname")), cmid)
            skills = [s.skill_id for s in index.for_activity(course_id, cmid)]
            sid = statement_id(self.site, "completion", cmid, user_id, state, when)
            events.append(
                self._completed(sid, user_id, object_id, when, _SUCCESS[state], skills, course)
            )
        status = self.client.course_completion(course_id, user_id)
        if status and status.get("completed"):
            times = [int(c.get("timecompleted") or 0) for c in status.get("completions") or []]
            when = max(times, default=0)
            if when > 0:
                sid = statement_id(self.site, "course-completion", course_id, user_id, when)
                skills = [s.skill_id for s in index.for_course(course_id)]
                object_id = course_iri(self.site, course_id)
                events.append(self._completed(sid, user_id, object_id, when, None, skills, course))
        return events

    def _completed(
        self,
        sid: Any,
        user_id: int,
        object_id: str,
        when: int,
        success: bool | None,
        skills: list[str],
        course: dict[str, Any],
    ) -> LearningEvent:
        occurred = _time(when)
        result = {"completion": True} | ({"success": success} if success is not None else {})
        return LearningEvent(
            statement_id=sid,
            subject=self._subject(user_id),
            source=self.name,
            data_category=DataCategory.BEHAVIOURAL,
            occurred_at=occurred,
            verb=VERB_COMPLETED,
            object_id=object_id,
            result=EventResult(completion=True, success=success),
            skill_ids=skills,
            statement=_statement(
                sid,
                VERB_COMPLETED,
                "completed",
                object_id,
                str(course.get("fullname") or object_id),
                occurred,
                course_iri(self.site, int(course["id"])),
                result=result,
            ),
        )

    # -- people outside courses, learning plans -------------------------------------------

    def _criteria_people(self, known: dict[int, dict[str, Any]]) -> list[PersonRecord]:
        if not self.settings.user_criteria:
            return []
        users = self.client.users(self.settings.user_criteria)
        return [self._person(u) for u in users if int(u["id"]) not in known]

    def _plan_facts(self, learners: dict[int, dict[str, Any]]) -> list[HrFact]:
        facts = []
        for user_id in sorted(learners):
            try:
                plans = self.client.user_plans(user_id)
            except MoodleError as exc:
                if exc.errorcode == "competenciesarenotenabled":
                    return []
                raise
            for plan in plans:
                competencies = self.client.plan_competencies(int(plan["id"]))
                skills = sorted(
                    {
                        skill_id_for_competency(c.get("competency") or {}, self.mapping)
                        for c in competencies
                    }
                )
                when = int(plan.get("timemodified") or plan.get("timecreated") or 0)
                facts.append(
                    HrFact(
                        subject=self._subject(user_id),
                        source=self.name,
                        data_category=DataCategory.PERFORMANCE,
                        occurred_at=_time(when) if when else datetime.now(UTC),
                        fact_type=HrFactType.DEVELOPMENT_ITEM,
                        key=f"moodle-plan-{plan['id']}",
                        value={
                            "name": str(plan.get("name") or ""),
                            "status": plan.get("statusname") or plan.get("status"),
                            "due": _time(int(plan["duedate"])).date().isoformat()
                            if plan.get("duedate")
                            else None,
                            "skills": skills,
                        },
                    )
                )
        return facts


def _learning_courses(client: MoodleClient, ids: list[int]) -> list[dict[str, Any]]:
    """Courses to read, without the site's front page (format "site")."""
    return [c for c in client.courses(ids or None) if c.get("format") != "site"]


def _statement(
    sid: Any,
    verb: str,
    verb_word: str,
    object_id: str,
    name: str,
    occurred: datetime,
    parent: str,
    *,
    result: dict[str, Any],
) -> dict[str, Any]:
    # The actor is left out on purpose: the learner column carries who, pseudonymously, and
    # a Moodle user id in the stored statement would undo that.
    return {
        "id": str(sid),
        "verb": {"id": verb, "display": {"en-US": verb_word}},
        "object": {
            "objectType": "Activity",
            "id": object_id,
            "definition": {"name": {"en": name[:256]}},
        },
        "result": result,
        "context": {"platform": "Moodle", "contextActivities": {"parent": [{"id": parent}]}},
        "timestamp": occurred.isoformat(),
    }


def _time(epoch: int | float | str) -> datetime:
    return datetime.fromtimestamp(int(float(epoch)), UTC)


def _checkpoint_time(checkpoint: str | None) -> datetime | None:
    if not checkpoint:
        return None
    try:
        mark = json.loads(checkpoint).get("since")
        return datetime.fromisoformat(mark) if mark else None
    except (ValueError, AttributeError):
        log.warning("ignoring unreadable Moodle checkpoint %r", checkpoint)
        return None


def _since(checkpoint: str | None, overlap: int) -> datetime | None:
    mark = _checkpoint_time(checkpoint)
    if mark is None:
        return None
    return datetime.fromtimestamp(mark.timestamp() - overlap, UTC)
