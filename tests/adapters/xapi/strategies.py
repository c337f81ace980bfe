"""Hypothesis strategies for xAPI 1.0.3 statements: valid ones built from the specification,
and broken ones made by mutating valid ones at a random place.

Loaded by path from the differential tests (tests have no packages).
"""

from __future__ import annotations

import copy
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

IRIS = [
    "http://adlnet.gov/expapi/verbs/completed",
    "https://lms.example.com/mod/quiz/view.php?id=7",
    "https://lms.example.com/course/view.php?id=3#section-2",
    "urn:uuid:9f1c2a4e-0b7d-4e59-8a3f-2d6c1e0b9a77",
    "tag:example.com,2026:activity/7",
    "https://example.com/ä/ümlaut",
    "http://[2001:db8::1]:8080/x",
    "mailto:someone@example.com",
    "https://w3id.org/xapi/video/verbs/played",
    "http://id.tincanapi.com/verb/viewed",
]
URLS = ["https://example.com/about", "http://lms.example.com:8080/x?y=1", "https://ex.org/a%20b"]
TAGS = ["en", "en-US", "fr", "de-CH", "zh-Hant-TW", "es-419", "pt-BR", "ja"]
DOMAINS = ["example.com", "lms.example.org", "acme.co.uk"]

iris = st.one_of(
    st.sampled_from(IRIS),
    st.builds(
        lambda host, path: f"https://{host}/{path}",
        st.sampled_from(DOMAINS),
        st.text(alphabet=string.ascii_letters + string.digits + "-._~/", max_size=20),
    ),
)
texts = st.text(min_size=1, max_size=12).filter(lambda s: s != "")
language_maps = st.dictionaries(st.sampled_from(TAGS), texts, min_size=1, max_size=3)
uuids = st.uuids().map(str)
local_parts = st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z0-9]{1,4})?", fullmatch=True)
mboxes = st.builds(lambda u, d: f"mailto:{u}@{d}", local_parts, st.sampled_from(DOMAINS))
sha1s = st.binary(min_size=20, max_size=20).map(bytes.hex)
accounts = st.fixed_dictionaries(
    {
        "homePage": st.sampled_from(["https://lms.example.com", "http://sso.example.org/"]),
        "name": texts,
    }
)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
datetimes = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=offsets
)
timestamps = st.one_of(
    datetimes.map(lambda d: d.isoformat()),
    datetimes.map(lambda d: d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),
)
durations = st.one_of(
    st.sampled_from(["PT1H", "PT7M30S", "P1DT2H", "PT0.5S", "P2W", "PT12M3.25S", "P1Y2M3D"]),
    st.integers(min_value=0, max_value=99999).map(lambda s: f"PT{s}S"),
)
extensions = st.dictionaries(
    st.sampled_from(IRIS),
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        texts,
        st.lists(st.integers(), max_size=2),
        st.just({"nested": {"x": 1}}),
        st.just(""),
    ),
    min_size=1,
    max_size=2,
)


def _optional(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(required, optional=optional)


ifis = st.one_of(
    mboxes.map(lambda v: {"mbox": v}),
    sha1s.map(lambda v: {"mbox_sha1sum": v}),
    st.sampled_from(["https://openid.example.com/ann", "http://id.example.org/u/7"]).map(
        lambda v: {"openid": v}
    ),
    accounts.map(lambda v: {"account": v}),
)


def _agent(ifi: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return {**extra, **ifi}


agents = st.builds(
    _agent,
    ifis,
    _optional({}, {"objectType": st.just("Agent"), "name": texts}),
)
identified_groups = st.builds(
    lambda ifi, extra: {"objectType": "Group", **extra, **ifi},
    ifis,
    _optional({}, {"name": texts, "member": st.lists(agents, max_size=2)}),
)
anonymous_groups = st.builds(
    lambda members, extra: {"objectType": "Group", "member": members, **extra},
    st.lists(agents, min_size=1, max_size=3),
    _optional({}, {"name": texts}),
)
groups = st.one_of(identified_groups, anonymous_groups)
actors = st.one_of(agents, agents, groups)


def _components() -> st.SearchStrategy[list[dict[str, Any]]]:
    ids = st.lists(st.from_regex(r"[a-z0-9_]{1,6}", fullmatch=True), max_size=3, unique=True)
    return ids.flatmap(
        lambda keys: st.tuples(
            *[_optional({"id": st.just(k)}, {"description": language_maps}) for k in keys]
        ).map(list)
    )


plain_definitions = _optional(
    {},
    {
        "name": language_maps,
        "description": language_maps,
        "type": iris,
        "moreInfo": st.sampled_from(URLS),
        "extensions": extensions,
    },
).filter(bool)
interaction_definitions = _optional(
    {
        "interactionType": st.sampled_from(
            ["true-false", "choice", "fill-in", "likert", "matching", "performance", "other"]
        )
    },
    {
        "name": language_maps,
        "correctResponsesPattern": st.lists(texts, max_size=2),
        "choices": _components(),
        "scale": _components(),
        "source": _components(),
        "target": _components(),
        "steps": _components(),
    },
)
activities = _optional(
    {"id": iris},
    {
        "objectType": st.just("Activity"),
        "definition": st.one_of(plain_definitions, interaction_definitions),
    },
)
statement_refs = st.fixed_dictionaries({"objectType": st.just("StatementRef"), "id": uuids})
verbs = _optional({"id": iris}, {"display": language_maps})


@st.composite
def scores(draw: Any) -> dict[str, Any]:
    score: dict[str, Any] = {}
    if draw(st.booleans()):
        score["scaled"] = draw(st.floats(min_value=-1, max_value=1, allow_nan=False))
    if draw(st.booleans()):
        low = draw(st.integers(min_value=-100, max_value=100))
        high = low + draw(st.integers(min_value=1, max_value=100))
        score.update(min=low, max=high, raw=draw(st.integers(min_value=low, max_value=high)))
    return score or {"raw": draw(st.integers(min_value=0, max_value=100))}


results = _optional(
    {},
    {
        "score": scores(),
        "success": st.booleans(),
        "completion": st.booleans(),
        "response": texts,
        "duration": durations,
        "extensions": extensions,
    },
).filter(bool)
context_activity_lists = st.one_of(activities, st.lists(activities, min_size=1, max_size=2))
context_activities = _optional(
    {},
    {
        "parent": context_activity_lists,
        "grouping": context_activity_lists,
        "category": context_activity_lists,
        "other": context_activity_lists,
    },
).filter(bool)


def contexts(object_is_activity: bool) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, Any] = {
        "registration": uuids,
        "instructor": agents,
        "team": groups,
        "contextActivities": context_activities,
        "language": st.sampled_from(TAGS),
        "statement": statement_refs,
        "extensions": extensions,
    }
    if object_is_activity:
        optional.update(revision=texts, platform=texts)
    return _optional({}, optional).filter(bool)


attachments = _optional(
    {
        "usageType": iris,
        "display": language_maps,
        "contentType": st.sampled_from(["text/plain", "application/pdf", "image/png"]),
        "length": st.integers(min_value=0, max_value=10**9),
        "sha2": sha1s,
    },
    {"description": language_maps, "fileUrl": st.sampled_from(URLS)},
)


@st.composite
def _body(draw: Any, *, substatement: bool) -> dict[str, Any]:
    kinds = ["activity", "activity", "ref"] + ([] if substatement else ["agent", "group", "sub"])
    kind = draw(st.sampled_from(kinds))
    target = {
        "activity": activities,
        "ref": statement_refs,
        "agent": agents.map(lambda a: {**a, "objectType": "Agent"}),
        "group": groups,
        "sub": _body(substatement=True).map(lambda b: {**b, "objectType": "SubStatement"}),
    }[kind]
    body: dict[str, Any] = {"actor": draw(actors), "verb": draw(verbs), "object": draw(target)}
    optional = {
        "result": results,
        "context": contexts(kind == "activity"),
        "timestamp": timestamps,
        "attachments": st.lists(attachments, max_size=2),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            body[key] = draw(strategy)
    return body


@st.composite
def valid_statements(draw: Any) -> dict[str, Any]:
    statement = draw(_body(substatement=False))
    extra = {
        "id": uuids,
        "stored": timestamps,
        "authority": agents,
        "version": st.sampled_from(["1.0.0", "1.0.1", "1.0.3"]),
    }
    for key, strategy in extra.items():
        if draw(st.booleans()):
            statement[key] = draw(strategy)
    return statement


# -- breaking statements ------------------------------------------------------------------------

BAD_VALUES: list[Any] = [
    None,
    "",
    {},
    [],
    0,
    -1,
    1.5,
    True,
    "x",
    " ",
    "not an iri",
    "http://exa mple.com",
    "mailto:nobody",
    "mailto:a@b",
    "2026-13-01T00:00:00Z",
    "2026-03-01",
    "PT",
    "-PT1H",
    "12345678-1234-1234-1234-12345678901",
    "en_US",
    "Group",
    "SubStatement",
    {"foo": "bar"},
    ["a"],
    [None],
    [{}],
    {"id": "not a uuid", "objectType": "StatementRef"},
    {"mbox": "mailto:ann@example.com", "account": {"homePage": "https://x.org", "name": "a"}},
    2.0,
    10**30,
    "1.0",
    "2.0.0",
]


def paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths_in(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths_in(item, (*prefix, index)))
    return found


def _string_mutations(text: str) -> list[str]:
    return [
        text + " ",
        " " + text,
        text + "\n",
        text.upper(),
        text[:-1],
        text[1:],
        text.replace(":", ""),
        text.replace("-", "", 1),
        text + "é",
        text + "%zz",
        "\u00a0" + text,
        text.replace(".", ".."),
        text.replace("@", "@@"),
        text.replace("T", " "),
    ]


@st.composite
def mutated_statements(draw: Any) -> dict[str, Any]:
    """A valid statement with one random change: usually, not always, an invalid one."""
    statement = copy.deepcopy(draw(valid_statements()))
    paths = paths_in(statement)
    path = draw(st.sampled_from(paths)) if paths else ()
    parent: Any = statement
    for part in path[:-1]:
        parent = parent[part]
    leaf = path[-1] if path else None
    action = draw(st.sampled_from(["replace", "replace", "delete", "add_key", "string", "rename"]))
    if action == "rename" and isinstance(parent, dict) and leaf is not None:
        parent[draw(st.sampled_from(_string_mutations(str(leaf))))] = parent.pop(leaf)
    elif leaf is None or action == "add_key":
        target = parent[leaf] if leaf is not None else statement
        if isinstance(target, dict):
            target[
                draw(st.sampled_from(["foo", "objectType", "id", "mbox", "member", "extensions"]))
            ] = draw(st.sampled_from(BAD_VALUES))
        else:
            parent[leaf] = draw(st.sampled_from(BAD_VALUES))
    elif action == "delete":
        if isinstance(parent, dict):
            del parent[leaf]
        else:
            parent.pop(leaf)
    elif action == "string" and isinstance(parent[leaf], str):
        parent[leaf] = draw(st.sampled_from(_string_mutations(parent[leaf])))
    else:
        parent[leaf] = draw(st.sampled_from(BAD_VALUES))
    return statement
