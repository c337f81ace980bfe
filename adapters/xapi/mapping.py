"""From validated xAPI statements to learnwire's normalised learning events.

Two steps, because identity resolution needs the database in between:
:meth:`StatementMapper.prepare` gives each statement its id and the identifier of its actor
(an :class:`~learnwire.core.models.IdentityRef`); once intake has resolved those to
pseudonymous learner ids, :meth:`StatementMapper.event` builds the
:class:`~learnwire.core.models.LearningEvent`.

The statement kept in the event never holds a person's identifiers: the actor becomes an
account named by the learner's pseudonymous id, and every other agent (instructor, team,
``contextAgents`` and ``contextGroups``, agents as objects, sub-statement actors, group
members) becomes an account named by the keyed hash under which
:mod:`learnwire.core.store.identities` links that identifier.

A Group as actor is a learner too: an identified Group through its own identifier, an
anonymous Group as the set of its members (kind ``xapi_group``, valued by the members' keyed
hashes in order), so a group's statement never counts as one of its members' own.

Properties the LRS owns (``stored``, ``authority``) are dropped on the way in and rendered on
the way out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from learnwire.core.models import EventResult, IdentityRef, LearningEvent
from learnwire.core.store.identities import IdentityResolver, canonical_forms

from .validation import VOIDED, CheckedStatement
from .verbs import category_of

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
#: Identifiers longer than this are not memoised: the memos hold at most 100,000 entries
#: each, so this bounds them by bytes too (about 60 MB at worst).
_MEMO_KEY_MAX = 512


@dataclass(slots=True)
class PreparedStatement:
    """A validated statement with its id settled and its actor's identifier extracted."""

    index: int
    id: uuid.UUID
    subject: IdentityRef
    checked: CheckedStatement
    #: The key it is stored under: its id, unless another source holds that id.
    key: uuid.UUID
    #: ``str(id)`` and ``str(key)``, made once: converting a UUID to text is Python code
    #: (about as costly as validating a verb), and intake needs each id as text several times.
    id_text: str
    key_text: str

    @property
    def is_voiding(self) -> bool:
        return self.checked.data["verb"]["id"] == VOIDED

    @property
    def voids(self) -> uuid.UUID | None:
        """The statement this one voids, when it is a voiding statement."""
        target = self.checked.data["object"]
        if self.is_voiding and target.get("objectType") == "StatementRef":
            return uuid.UUID(target["id"])
        return None


def identity_of(agent: dict[str, Any]) -> IdentityRef:
    """The identifier an xAPI Agent (or identified Group) carries, as an IdentityRef."""
    kind, namespace, value = _identifier(agent)
    return IdentityRef.model_construct(kind=kind, namespace=namespace, value=value)


def _identifier(agent: dict[str, Any]) -> tuple[str, str, str]:
    """(kind, namespace, value) of the identifier an Agent or identified Group carries."""
    if "mbox" in agent:
        return "mbox", "", agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum", "", agent["mbox_sha1sum"]
    if "openid" in agent:
        return "openid", "", agent["openid"]
    account = agent["account"]
    return "account", account["homePage"], account["name"]


class StatementMapper:
    """Maps statements from one source; ``public_url`` names the pseudonymous accounts."""

    def __init__(self, resolver: IdentityResolver, public_url: str) -> None:
        self.resolver = resolver
        base = public_url.rstrip("/")
        self.learner_home = f"{base}/learners"
        self.pseudonym_home = f"{base}/pseudonyms"
        self._hashes: dict[tuple[str, str, str], str] = {}
        self._refs: dict[tuple[str, str, str], IdentityRef] = {}
        self._names: dict[uuid.UUID, str] = {}

    # -- step 1 -------------------------------------------------------------------------

    def prepare(self, checked: CheckedStatement, index: int, path: str) -> PreparedStatement:
        data = checked.data
        actor = data["actor"]
        if checked.id is not None:
            # Validated as the hyphenated 8-4-4-4-12 form: lowercased, it is str(checked.id).
            statement_id, text = checked.id, data["id"].lower()
        else:
            statement_id = uuid.uuid4()
            text = str(statement_id)
        if actor.get("objectType") == "Group" and not any(k in actor for k in _IFIS):
            # An anonymous Group is the set of its members: that set is the learner the
            # statement is about, with a pseudonymous id of its own (no member's record).
            members = sorted({self.hash_of(m) for m in actor["member"]})
            subject = IdentityRef.model_construct(
                kind="xapi_group", namespace="", value=",".join(members)
            )
        else:
            subject = self._identity(actor)
        return PreparedStatement(index, statement_id, subject, checked, statement_id, text, text)

    def _identity(self, actor: dict[str, Any]) -> IdentityRef:
        # One learner sends many statements: the ref (and so its hashes) is shared, and only
        # built when first seen.
        key = _identifier(actor)
        found = self._refs.get(key)
        if found is None:
            found = IdentityRef.model_construct(kind=key[0], namespace=key[1], value=key[2])
            if len(key[1]) + len(key[2]) > _MEMO_KEY_MAX:
                return found
            if len(self._refs) > 100_000:
                self._refs.clear()
            self._refs[key] = found
        return found

    # -- step 2 -------------------------------------------------------------------------

    def event(
        self, prepared: PreparedStatement, learner_id: uuid.UUID, source: str
    ) -> LearningEvent:
        """The learning event for ``prepared``; pseudonymises the statement in place."""
        data = prepared.checked.data
        statement = self.pseudonymise(data, prepared.id_text, learner_id)
        verb = data["verb"]["id"]
        occurred = prepared.checked.timestamp or datetime.now(UTC)
        return _trusted(
            LearningEvent,
            learner_id=learner_id,
            subject=None,
            source=source,
            data_category=category_of(verb),
            occurred_at=occurred,
            stored_at=None,
            statement_id=prepared.key,
            verb=verb,
            object_id=self._object_id(statement["object"]),
            result=_result(data.get("result"), prepared.checked),
            skill_ids=[],
            statement=statement,
        )

    def pseudonymise(
        self, data: dict[str, Any], statement_id: str, learner_id: uuid.UUID
    ) -> dict[str, Any]:
        """The statement as stored: id set (``statement_id``, the id as text), actor
        pseudonymous, other agents hashed."""
        data["id"] = statement_id
        data.pop("stored", None)
        data.pop("authority", None)
        name = self._names.get(learner_id)
        if name is None:
            if len(self._names) > 100_000:
                self._names.clear()
            name = self._names[learner_id] = str(learner_id)
        actor = data["actor"]
        pseudonymous: dict[str, Any] = {
            "objectType": "Group" if actor.get("objectType") == "Group" else "Agent",
            "account": {"homePage": self.learner_home, "name": name},
        }
        if "member" in actor:
            pseudonymous["member"] = [self.pseudonymous_agent(m) for m in actor["member"]]
        data["actor"] = pseudonymous
        self._hash_agents_in(data)
        return data

    def pseudonymous_agent(self, agent: dict[str, Any]) -> dict[str, Any]:
        """An Agent or Group with every identifier replaced by its keyed hash, names dropped."""
        out: dict[str, Any] = {"objectType": agent.get("objectType", "Agent")}
        if any(k in agent for k in _IFIS):
            out["account"] = {"homePage": self.pseudonym_home, "name": self.hash_of(agent)}
        if "member" in agent:
            out["member"] = [self.pseudonymous_agent(m) for m in agent["member"]]
        return out

    def hash_of(self, agent: dict[str, Any]) -> str:
        """The keyed hash identity links use for this agent's identifier."""
        # The SHA-1 form when there is one, so mbox and mbox_sha1sum agents agree.
        form = canonical_forms(identity_of(agent))[-1]
        if len(form[1]) + len(form[2]) > _MEMO_KEY_MAX:
            return self.resolver.hash(*form)
        found = self._hashes.get(form)
        if found is None:
            if len(self._hashes) > 100_000:
                self._hashes.clear()
            found = self._hashes[form] = self.resolver.hash(*form)
        return found

    def _hash_agents_in(self, data: dict[str, Any]) -> None:
        target = data["object"]
        kind = target.get("objectType")
        if kind in ("Agent", "Group"):
            data["object"] = self.pseudonymous_agent(target)
        elif kind == "SubStatement":
            target["actor"] = self.pseudonymous_agent(target["actor"])
            self._hash_agents_in(target)
        elif kind == "StatementRef":
            target["id"] = target["id"].lower()
        context = data.get("context")
        if context is not None:
            for key in ("instructor", "team"):
                if key in context:
                    context[key] = self.pseudonymous_agent(context[key])
            for key, role in (("contextAgents", "agent"), ("contextGroups", "group")):
                for entry in context.get(key, ()):
                    entry[role] = self.pseudonymous_agent(entry[role])
            if "registration" in context:
                context["registration"] = context["registration"].lower()
            if "statement" in context:
                context["statement"]["id"] = context["statement"]["id"].lower()

    def _object_id(self, target: dict[str, Any]) -> str:
        kind = target.get("objectType", "Activity")
        if kind in ("Activity", "StatementRef"):
            return target["id"]
        if kind == "SubStatement":
            return self._object_id(target["object"])
        account = target.get("account")
        if account is not None:
            return f"{account['homePage']}/{account['name']}"
        return f"{self.pseudonym_home}/anonymous-group"


_NO_RESULT = EventResult()


def _result(result: dict[str, Any] | None, checked: CheckedStatement) -> EventResult:
    if not result:
        return _NO_RESULT
    score = result.get("score") or {}
    scaled = score.get("scaled")
    if scaled is None and {"raw", "min", "max"} <= score.keys():
        # A raw score in a known range is as informative as a scaled one.
        scaled = (score["raw"] - score["min"]) / (score["max"] - score["min"])
    duration = checked.duration
    return _trusted(
        EventResult,
        success=result.get("success"),
        completion=result.get("completion"),
        score_scaled=None if scaled is None else float(scaled),
        duration_seconds=None if duration is None else duration.total_seconds(),
    )


_M = TypeVar("_M", bound=BaseModel)


def _trusted(model: type[_M], **values: Any) -> _M:
    """An instance of ``model`` from values built here out of a validated statement, every
    field given. What ``model_construct`` does, without its per-call default handling, which
    cost more than the rest of the mapping (tests compare with validated construction)."""
    obj = model.__new__(model)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
