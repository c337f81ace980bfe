"""Validation of xAPI statements (1.0.x, and 2.0 / IEEE 9274.1.1 when the request says so),
naming the exact property at fault.

Contract: the specification decides. ralph-malph's strict ``BaseXapiStatement`` is the
reference the differential tests in ``tests/adapters/xapi/test_validation.py`` compare with:
whatever ralph rejects is rejected here too, except where ralph refuses what xAPI allows
(empty values, e-mail addresses of intranet domains, Groups as instructor or as a
SubStatement's object, the statement version "1.0"), and where xAPI is stricter than ralph
(exactly one identifier per agent, timestamps in ISO 8601, ``min < max`` for scores, ...)
the specification wins.

It is a hand-written walk over the parsed JSON instead of a pydantic model because intake
has to validate tens of thousands of statements a second; the formats that repeat (IRIs,
language tags, addresses) are memoised in :mod:`.formats`, whole verbs and activities in
:mod:`.shapes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from . import formats
from . import properties as props
from .outcomes import OutcomeChecks
from .shapes import StatementInvalid, at, memo_key, remember, seen


@dataclass(frozen=True, slots=True)
class CheckedStatement:
    """A statement that passed validation, with the values intake needs already parsed."""

    data: dict[str, Any]
    id: UUID | None
    timestamp: datetime | None
    duration: timedelta | None


VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def is_v2(version: str) -> bool:
    """Whether an ``X-Experience-API-Version`` value asks for xAPI 2.0's rules."""
    return version.startswith("2.")


def validate_statement(value: Any, path: str = "", *, version: str = "1.0.3") -> CheckedStatement:
    """Check one statement by the rules of ``version``; raise :class:`StatementInvalid`
    naming the first fault."""
    return _Walk(is_v2(version)).statement(value, path)


def validate_batch(values: list[Any], *, version: str = "1.0.3") -> list[CheckedStatement]:
    """Check every statement of a batch; the first fault fails the whole batch."""
    walk = _Walk(is_v2(version))
    return [walk.statement(v, f"[{i}]") for i, v in enumerate(values)]


def validate_actor(value: Any, path: str) -> None:
    """Check an Agent or Group on its own (e.g. the ``agent`` query parameter)."""
    _Walk(False).actor(value, path)


class _Walk(OutcomeChecks):
    """One pass over a statement; keeps the parsed timestamp and duration it meets."""

    def __init__(self, v2: bool) -> None:
        self.timestamp: datetime | None = None
        self.duration: timedelta | None = None
        self.v2 = v2
        self.check_timestamp = formats.check_timestamp_2 if v2 else formats.check_timestamp
        self.context_keys = props.CONTEXT_KEYS_2 if v2 else props.CONTEXT_KEYS

    # -- statement ----------------------------------------------------------------------

    def statement(self, value: Any, path: str) -> CheckedStatement:
        self.timestamp = self.duration = None
        data = self.obj(value, path, props.STATEMENT_KEYS)
        statement_id = None
        if "id" in data:
            statement_id = self.fmt(formats.check_uuid, data["id"], path, "id")
        self.body(data, path, substatement=False)
        if "stored" in data:
            self.fmt(self.check_timestamp, data["stored"], path, "stored")
        if "authority" in data:
            self.authority(data["authority"], at(path, "authority"))
        if "version" in data:
            check = formats.check_version_2 if self.v2 else formats.check_version
            self.fmt(check, data["version"], path, "version")
        return CheckedStatement(data, statement_id, self.timestamp, self.duration)

    def body(self, data: dict[str, Any], path: str, *, substatement: bool) -> None:
        """What statements and sub-statements share: actor, verb, object, result, ..."""
        for required in ("actor", "verb", "object"):
            if required not in data:
                raise StatementInvalid(at(path, required), "is required")
        self.actor(data["actor"], at(path, "actor"))
        self.verb(data["verb"], at(path, "verb"))
        is_activity = self.object(data["object"], at(path, "object"), substatement)
        if (
            type(data["verb"]) is dict
            and data["verb"].get("id") == VOIDED
            and data["object"].get("objectType") != "StatementRef"
        ):
            raise StatementInvalid(
                at(at(path, "object"), "objectType"),
                "a statement with the verb voided must have a StatementRef object "
                "(the statement it voids)",
            )
        if "result" in data:
            self.result(data["result"], at(path, "result"))
        if "context" in data:
            self.context(data["context"], at(path, "context"), is_activity)
        if "timestamp" in data:
            parsed = self.fmt(self.check_timestamp, data["timestamp"], path, "timestamp")
            if not substatement:
                self.timestamp = parsed
        if "attachments" in data:
            attachments = data["attachments"]
            if type(attachments) is not list:
                raise StatementInvalid(at(path, "attachments"), "must be an array")
            for i, attachment in enumerate(attachments):
                self.attachment(attachment, at(at(path, "attachments"), i))

    def verb(self, value: Any, path: str) -> None:
        key = memo_key(b"v", value) if type(value) is dict and "display" in value else None
        if seen(key):
            return
        verb = self.obj(value, path, props.VERB_KEYS)
        if "id" not in verb:
            raise StatementInvalid(at(path, "id"), "is required")
        self.fmt(formats.check_iri, verb["id"], path, "id")
        if "display" in verb:
            self.language_map(verb["display"], at(path, "display"))
        remember(key)

    def object(self, value: Any, path: str, substatement: bool) -> bool:
        """Check the statement's object; returns True when it is an Activity."""
        if type(value) is not dict:
            raise StatementInvalid(path, "must be a JSON object")
        kind = value.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(value, path)
            return True
        if kind == "StatementRef":
            self.statement_ref(value, path)
        elif kind == "Agent":
            self.agent(value, path)
        elif kind == "Group":
            self.group(value, path)
        elif kind == "SubStatement" and substatement:
            raise StatementInvalid(
                at(path, "objectType"), "a SubStatement cannot have a SubStatement as its object"
            )
        elif kind == "SubStatement":
            sub = self.obj(value, path, props.SUBSTATEMENT_KEYS)
            self.body(sub, path, substatement=True)
        else:
            raise StatementInvalid(
                at(path, "objectType"),
                "must be Activity, Agent, Group, StatementRef or SubStatement",
            )
        return False

    # -- actors -------------------------------------------------------------------------

    def actor(self, value: Any, path: str) -> None:
        if type(value) is dict and value.get("objectType") == "Group":
            self.group(value, path)
        else:
            self.agent(value, path)

    def authority(self, value: Any, path: str) -> None:
        """An Agent, or the anonymous Group of two Agents that OAuth's three-legged flow
        names (the application and the user)."""
        if type(value) is dict and value.get("objectType") == "Group":
            self.group(value, path)
            if any(key in value for key in props.IFIS) or len(value.get("member", [])) != 2:
                raise StatementInvalid(
                    path,
                    "an authority that is a Group must be an anonymous Group of exactly two "
                    "Agents (an OAuth application and its user)",
                )
        else:
            self.agent(value, path)

    def agent(self, value: Any, path: str) -> None:
        agent = self.obj(value, path, props.AGENT_KEYS)
        if "objectType" in agent and agent["objectType"] != "Agent":
            raise StatementInvalid(at(path, "objectType"), "must be Agent")
        if "name" in agent:
            self.text(agent["name"], path, "name")
        if sum(1 for key in props.IFIS if key in agent) != 1:
            raise StatementInvalid(
                path, "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account"
            )
        self.ifi(agent, path)

    def group(self, value: Any, path: str) -> None:
        group = self.obj(value, path, props.GROUP_KEYS)
        if group.get("objectType") != "Group":
            raise StatementInvalid(at(path, "objectType"), "must be Group")
        if "name" in group:
            self.text(group["name"], path, "name")
        ifis = sum(1 for key in props.IFIS if key in group)
        if ifis > 1:
            raise StatementInvalid(path, "a Group may have only one identifier")
        if ifis == 1:
            self.ifi(group, path)
        if "member" in group or ifis == 0:
            members = group.get("member")
            if ifis == 0 and not members:
                raise StatementInvalid(
                    at(path, "member"), "an anonymous Group needs a non-empty member array"
                )
            if type(members) is not list:
                raise StatementInvalid(at(path, "member"), "must be an array of Agents")
            for i, member in enumerate(members):
                self.agent(member, at(at(path, "member"), i))

    def ifi(self, actor: dict[str, Any], path: str) -> None:
        if "mbox" in actor:
            self.fmt(formats.check_mbox, actor["mbox"], path, "mbox")
        elif "mbox_sha1sum" in actor:
            self.fmt(formats.check_sha1sum, actor["mbox_sha1sum"], path, "mbox_sha1sum")
        elif "openid" in actor:
            self.fmt(formats.check_iri, actor["openid"], path, "openid")
        else:
            where = at(path, "account")
            account = self.obj(actor["account"], where, frozenset({"homePage", "name"}))
            for key in ("homePage", "name"):
                if key not in account:
                    raise StatementInvalid(at(where, key), "is required")
            self.fmt(formats.check_iri, account["homePage"], where, "homePage")
            self.text(account["name"], where, "name")

    # -- objects ------------------------------------------------------------------------

    def activity(self, value: Any, path: str) -> None:
        key = memo_key(b"a", value) if type(value) is dict and "definition" in value else None
        if seen(key):
            return
        activity = self.obj(value, path, props.ACTIVITY_KEYS)
        if "objectType" in activity and activity["objectType"] != "Activity":
            raise StatementInvalid(at(path, "objectType"), "must be Activity")
        if "id" not in activity:
            raise StatementInvalid(at(path, "id"), "is required")
        self.fmt(formats.check_iri, activity["id"], path, "id")
        if "definition" in activity:
            self.definition(activity["definition"], at(path, "definition"))
        remember(key)

    def definition(self, value: Any, path: str) -> None:
        definition = self.obj(value, path, props.ANY_DEFINITION_KEYS)
        for key in ("name", "description"):
            if key in definition:
                self.language_map(definition[key], at(path, key))
        if "type" in definition:
            self.fmt(formats.check_iri, definition["type"], path, "type")
        if "moreInfo" in definition:
            self.fmt(formats.check_url, definition["moreInfo"], path, "moreInfo")
        if "extensions" in definition:
            self.extensions(definition["extensions"], at(path, "extensions"))
        if not props.INTERACTION_KEYS.intersection(definition):
            return
        kind = definition.get("interactionType")
        if type(kind) is not str or kind not in props.INTERACTION_TYPES:
            raise StatementInvalid(
                at(path, "interactionType"),
                "is required with interaction properties and must be one of "
                + ", ".join(sorted(props.INTERACTION_TYPES)),
            )
        if "correctResponsesPattern" in definition:
            where = at(path, "correctResponsesPattern")
            patterns = definition["correctResponsesPattern"]
            if type(patterns) is not list:
                raise StatementInvalid(where, "must be an array of strings")
            for i, pattern in enumerate(patterns):
                self.text(pattern, where, i)
        for key in props.COMPONENT_LISTS:
            if key in definition:
                self.components(definition[key], at(path, key))

    def components(self, value: Any, path: str) -> None:
        if type(value) is not list:
            raise StatementInvalid(path, "must be an array of interaction components")
        seen: set[str] = set()
        for i, item in enumerate(value):
            where = at(path, i)
            component = self.obj(item, where, frozenset({"id", "description"}))
            if "id" not in component:
                raise StatementInvalid(at(where, "id"), "is required")
            cid = self.text(component["id"], where, "id")
            if any(c.isspace() for c in cid):
                raise StatementInvalid(at(where, "id"), "must not contain whitespace")
            if cid in seen:
                raise StatementInvalid(at(where, "id"), f"repeats the component id '{cid}'")
            seen.add(cid)
            if "description" in component:
                self.language_map(component["description"], at(where, "description"))

    def statement_ref(self, value: Any, path: str) -> None:
        ref = self.obj(value, path, frozenset({"objectType", "id"}))
        if ref.get("objectType") != "StatementRef":
            raise StatementInvalid(at(path, "objectType"), "must be StatementRef")
        if "id" not in ref:
            raise StatementInvalid(at(path, "id"), "is required")
        self.fmt(formats.check_uuid_text, ref["id"], path, "id")

    # -- context --------------------------------------------------------------------------

    def context(self, value: Any, path: str, object_is_activity: bool) -> None:
        context = self.obj(value, path, self.context_keys)
        if "registration" in context:
            self.fmt(formats.check_uuid_text, context["registration"], path, "registration")
        if "instructor" in context:
            self.actor(context["instructor"], at(path, "instructor"))
        if "team" in context:
            self.group(context["team"], at(path, "team"))
        if "contextActivities" in context:
            self.context_activities(context["contextActivities"], at(path, "contextActivities"))
        for key in ("revision", "platform"):
            if key in context:
                self.text(context[key], path, key)
                if not object_is_activity:
                    raise StatementInvalid(
                        at(path, key), "may only be used when the object is an Activity"
                    )
        if "language" in context:
            self.fmt(formats.check_language_tag, context["language"], path, "language")
        if "statement" in context:
            self.statement_ref(context["statement"], at(path, "statement"))
        if "extensions" in context:
            self.extensions(context["extensions"], at(path, "extensions"))
        for key, role, kind in (
            ("contextAgents", "agent", "contextAgent"),
            ("contextGroups", "group", "contextGroup"),
        ):
            if key in context:
                self.context_members(context[key], at(path, key), role, kind)

    def context_members(self, value: Any, path: str, role: str, kind: str) -> None:
        """xAPI 2.0's ``contextAgents`` / ``contextGroups``: who else took part, and how."""
        if type(value) is not list:
            raise StatementInvalid(path, f"must be an array of {kind} objects")
        for i, item in enumerate(value):
            where = at(path, i)
            entry = self.obj(item, where, frozenset({"objectType", role, "relevantTypes"}))
            if entry.get("objectType") != kind:
                raise StatementInvalid(at(where, "objectType"), f"must be {kind}")
            if role not in entry:
                raise StatementInvalid(at(where, role), "is required")
            if role == "agent":
                self.agent(entry[role], at(where, role))
            else:
                self.group(entry[role], at(where, role))
            if "relevantTypes" in entry:
                types = entry["relevantTypes"]
                if type(types) is not list or not types:
                    raise StatementInvalid(
                        at(where, "relevantTypes"), "must be a non-empty array of IRIs"
                    )
                for j, iri in enumerate(types):
                    self.fmt(formats.check_iri, iri, at(where, "relevantTypes"), j)

    def context_activities(self, value: Any, path: str) -> None:
        activities = self.obj(value, path, props.CONTEXT_ACTIVITY_KEYS)
        for key, entry in activities.items():
            where = at(path, key)
            if type(entry) is list:
                for i, activity in enumerate(entry):
                    self.activity(activity, at(where, i))
            else:
                self.activity(entry, where)
