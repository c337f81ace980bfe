"""Reading statements back: GET parameters, the SQL they become, ``more`` paging, and the
rendering of stored rows as conformant xAPI statements.

Queries only ever see the statements of the caller's own source. Results are ordered by
``stored`` (then id) and paged with a keyset cursor carried in the ``more`` link, so a page
costs the same however large the store grows.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
import psycopg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from learnwire.core.errors import NotFound, ValidationFailed
from learnwire.core.store.identities import IdentityResolver

from . import formats
from .formats import FormatError
from .mapping import identity_of
from .statements import scoped_key
from .validation import StatementInvalid, validate_actor

Conn = psycopg.Connection[Any]

_SINGLE_COMPANIONS = {"attachments", "format"}


class StatementQuery(BaseModel):
    """The GET parameters of the statements resource (xAPI 1.0.3, Communication 2.1.3)."""

    model_config = ConfigDict(extra="forbid")

    statementId: str | None = None
    voidedStatementId: str | None = None
    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None
    until: str | None = None
    limit: int = Field(default=0, ge=0)
    format: Literal["ids", "exact", "canonical"] = "exact"
    attachments: bool = False
    ascending: bool = False

    @classmethod
    def from_args(cls, args: dict[str, str]) -> StatementQuery:
        try:
            query = cls.model_validate(args)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in err["loc"]) or "query"
            raise ValidationFailed(f"{field}: {err['msg']}", field=field) from None
        single = query.statementId is not None or query.voidedStatementId is not None
        if query.statementId is not None and query.voidedStatementId is not None:
            raise ValidationFailed(
                "give statementId or voidedStatementId, not both", field="voidedStatementId"
            )
        extra = set(args) - _SINGLE_COMPANIONS - {"statementId", "voidedStatementId"}
        if single and extra:
            raise ValidationFailed(
                f"{sorted(extra)[0]}: only 'attachments' and 'format' may accompany "
                "statementId or voidedStatementId",
                field=sorted(extra)[0],
            )
        if query.attachments:
            raise ValidationFailed(
                "attachments=true is not supported: learnwire does not keep attachment content",
                field="attachments",
            )
        return query


@dataclass(frozen=True)
class Page:
    statements: list[dict[str, Any]]
    more: str


class StatementReader:
    """Runs queries for one source and renders rows as statements."""

    def __init__(self, resolver: IdentityResolver, public_url: str, max_limit: int) -> None:
        self.resolver = resolver
        self.public_url = public_url.rstrip("/")
        self.learner_home = f"{self.public_url}/learners"
        self.max_limit = max_limit

    def one(self, conn: Conn, source: str, query: StatementQuery) -> dict[str, Any]:
        voided = query.voidedStatementId is not None
        raw = query.voidedStatementId if voided else query.statementId
        field = "voidedStatementId" if voided else "statementId"
        statement_id = _parse(formats.check_uuid, raw, field)
        keys = [statement_id, scoped_key(self.resolver, source, statement_id)]
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM learning_event WHERE statement_id = ANY(%s) "
            "AND source = %s AND voided = %s",
            (keys, source, voided),
        ).fetchone()
        if row is None:
            state = "voided " if voided else ""
            raise NotFound(f"no {state}statement {statement_id} from source '{source}'")
        return self.render(row, query.format)

    def page(self, conn: Conn, source: str, query: StatementQuery, after: Any = None) -> Page:
        where: list[str] = ["source = %s", "NOT voided"]
        params: list[Any] = [source]
        if query.agent is not None and not self._agent_condition(conn, query, where, params):
            return Page([], "")
        if query.verb is not None:
            where.append("verb = %s")
            params.append(_parse(formats.check_iri, query.verb, "verb"))
        if query.activity is not None:
            activity = _parse(formats.check_iri, query.activity, "activity")
            if query.related_activities:
                where.append(
                    "(object_id = %s OR jsonb_path_exists(statement, "
                    "'$.context.contextActivities.*.id ? (@ == $a)', "
                    "jsonb_build_object('a', %s::text))"
                    " OR jsonb_path_exists(statement, "
                    "'$.object.context.contextActivities.*.id ? (@ == $a)', "
                    "jsonb_build_object('a', %s::text)))"
                )
                params += [activity, activity, activity]
            else:
                where.append("object_id = %s")
                params.append(activity)
        if query.registration is not None:
            registration = _parse(formats.check_uuid, query.registration, "registration")
            where.append("statement -> 'context' ->> 'registration' = %s")
            params.append(str(registration))
        if query.since is not None:
            where.append("stored_at > %s")
            params.append(_parse(formats.check_timestamp, query.since, "since"))
        if query.until is not None:
            where.append("stored_at <= %s")
            params.append(_parse(formats.check_timestamp, query.until, "until"))
        order = "ASC" if query.ascending else "DESC"
        if after is not None:
            where.append(f"(stored_at, statement_id) {'>' if query.ascending else '<'} (%s, %s)")
            params += [datetime.fromisoformat(after[0]), uuid.UUID(after[1])]
        limit = min(query.limit or self.max_limit, self.max_limit)
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM learning_event WHERE {' AND '.join(where)} "
            f"ORDER BY stored_at {order}, statement_id {order} LIMIT %s",
            [*params, limit + 1],
        ).fetchall()
        more = ""
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            more = _more_token(query, (last[3].isoformat(), str(last[0])))
        return Page([self.render(r, query.format) for r in rows], more)

    def _agent_condition(
        self, conn: Conn, query: StatementQuery, where: list[str], params: list[Any]
    ) -> bool:
        """Add the agent filter; False when the agent cannot match any statement."""
        try:
            agent = orjson.loads(query.agent or "")
        except orjson.JSONDecodeError:
            raise ValidationFailed("agent: must be an Agent as JSON", field="agent") from None
        validate_actor(agent, "agent")
        if not any(k in agent for k in ("mbox", "mbox_sha1sum", "openid", "account")):
            raise ValidationFailed("agent: must be an Agent or an identified Group", field="agent")
        ref = identity_of(agent)
        hashes = [h for h, _ in self.resolver.hashes(ref)]
        learner = self._learner_named(agent)
        if learner is not None:
            # The pseudonymous actor GET returns finds the statements it was returned with.
            hashes = [str(learner)]
        else:
            known = self.resolver.lookup(conn, [ref])
            learner = next((known[h] for h in hashes if h in known), None)
        if not query.related_agents:
            if learner is None:
                return False
            where.append("learner_id = %s")
            params.append(learner)
            return True
        where.append(
            "(learner_id = %s OR jsonb_path_exists(statement, "
            "'$.**.account.name ? (@ == $h)', jsonb_build_object('h', %s::text)))"
        )
        params += [learner, hashes[-1]]
        return True

    def _learner_named(self, agent: dict[str, Any]) -> uuid.UUID | None:
        """The learner id of a pseudonymous actor as rendered by :meth:`render`, else None."""
        account = agent.get("account")
        if not isinstance(account, dict) or account.get("homePage") != self.learner_home:
            return None
        try:
            return uuid.UUID(str(account.get("name")))
        except ValueError:
            return None

    # -- rendering ----------------------------------------------------------------------

    def render(self, row: tuple[Any, ...], fmt: str = "exact") -> dict[str, Any]:
        """A stored row as a conformant statement with the LRS-owned properties set."""
        statement_id, learner_id, source, stored_at, occurred_at, statement = row
        out = _pruned(statement)
        stored = iso(stored_at)
        # The id it was sent with: the storage key differs when another source holds that id.
        out["id"] = str(out.get("id") or statement_id)
        kept = out.get("actor") if isinstance(out.get("actor"), dict) else {}
        actor: dict[str, Any] = {
            "objectType": "Group" if kept.get("objectType") == "Group" else "Agent",
            "account": {"homePage": self.learner_home, "name": str(learner_id)},
        }
        if "member" in kept:
            actor["member"] = kept["member"]
        out["actor"] = actor
        _context_activities_as_arrays(out.get("context"))
        target = out.get("object")
        if isinstance(target, dict) and target.get("objectType") == "SubStatement":
            _context_activities_as_arrays(target.get("context"))
        out.setdefault("timestamp", iso(occurred_at))
        out["stored"] = stored
        out["authority"] = {
            "objectType": "Agent",
            "account": {"homePage": f"{self.public_url}/xapi/sources", "name": source},
        }
        out.setdefault("version", "1.0.0")
        return _ids_only(out) if fmt == "ids" else out


_COLUMNS = "statement_id, learner_id, source, stored_at, occurred_at, statement"


def iso(moment: datetime) -> str:
    """UTC with microseconds, so a ``since`` built from it selects exactly what follows."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(check: Any, value: Any, field: str) -> Any:
    try:
        return check(value)
    except FormatError as exc:
        raise StatementInvalid(field, str(exc)) from None


def _more_token(query: StatementQuery, after: tuple[str, str]) -> str:
    payload = {"q": query.model_dump(exclude_defaults=True), "after": after}
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def parse_more(token: str) -> tuple[StatementQuery, tuple[str, str]]:
    """The query and cursor a ``more`` link carries; 400 when it was tampered with."""
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        query = StatementQuery.model_validate(payload["q"])
        after = (str(payload["after"][0]), str(payload["after"][1]))
        datetime.fromisoformat(after[0])
        uuid.UUID(after[1])
    except (
        binascii.Error,
        orjson.JSONDecodeError,
        ValidationError,
        KeyError,
        ValueError,
        TypeError,
    ):
        raise ValidationFailed(
            "more: not a link this server issued; start the query again", field="more"
        ) from None
    return query, after


def _pruned(value: Any) -> Any:
    """Drop objects a policy emptied (e.g. a context whose extensions were minimised away):
    xAPI forbids empty objects outside extensions."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "extensions":
                if item:
                    out[key] = item
                continue
            item = _pruned(item)
            if item != {}:
                out[key] = item
        return out
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _context_activities_as_arrays(context: Any) -> None:
    """xAPI lets a sender give one context activity as an object; an LRS returns arrays."""
    if not isinstance(context, dict):
        return
    activities = context.get("contextActivities")
    if isinstance(activities, dict):
        for key, value in activities.items():
            if isinstance(value, dict):
                activities[key] = [value]


def _ids_only(statement: dict[str, Any]) -> dict[str, Any]:
    """``format=ids``: agents, verbs and activities reduced to what identifies them."""
    out = dict(statement)
    out["verb"] = {"id": statement["verb"]["id"]}
    target = statement.get("object", {})
    if target.get("objectType", "Activity") == "Activity":
        out["object"] = {"objectType": "Activity", "id": target["id"]}
    context = statement.get("context")
    if context and "contextActivities" in context:
        activities = {
            key: [{"id": a["id"]} for a in (v if isinstance(v, list) else [v])]
            for key, v in context["contextActivities"].items()
        }
        out["context"] = {**context, "contextActivities": activities}
    return out
