"""From documents to a :class:`~learnwire.policies.model.PolicySet`, or a list of problems.

Each file is checked against ``schema.json``; then the sections of all files are merged and
cross-checked (every category defined, every purpose named exists, learning data never
serves a purpose that denies it...). Every problem names file, line and what is expected.
Nothing partial is ever returned: a policy either loads whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from pydantic import ValidationError as PydanticError

from ..core.errors import LearnwireError
from ..core.models import DataCategory
from .documents import Document, DocumentProblem, parse_text, read_directory
from .model import PolicySet

SCHEMA_PATH = Path(__file__).parent / "schema.json"
DEFAULTS_DIR = Path(__file__).parent / "defaults"
SECTIONS = ("categories", "purposes", "families", "roles", "k_anonymity", "processors", "intake")
REQUIRED_SECTIONS = ("categories", "purposes", "families", "roles")


class PolicyInvalid(LearnwireError):
    """A policy directory or document failed validation; nothing of it was loaded."""

    status = 422
    title = "invalid policy"

    def __init__(self, problems: list[DocumentProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the policy documents:\n{lines}{more}")


@dataclass(frozen=True)
class LoadedPolicy:
    """A valid policy with the document texts it came from (kept for versions and diffs)."""

    policy: PolicySet
    documents: Mapping[str, str]
    digest: str


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def check_directory(directory: Path) -> tuple[LoadedPolicy | None, list[DocumentProblem]]:
    docs, problems = read_directory(directory)
    if problems:
        return None, problems
    return check_documents(docs)


def load_directory(directory: Path) -> LoadedPolicy:
    loaded, problems = check_directory(directory)
    if loaded is None:
        raise PolicyInvalid(problems)
    return loaded


def load_texts(texts: Mapping[str, str]) -> LoadedPolicy:
    """Validate documents given as ``{file name: text}`` (e.g. a stored version)."""
    docs: list[Document] = []
    problems: list[DocumentProblem] = []
    for name in sorted(texts):
        doc, problem = parse_text(name, texts[name])
        if problem is not None:
            problems.append(problem)
        elif doc is not None:
            docs.append(doc)
    loaded, more = check_documents(docs) if not problems else (None, [])
    if loaded is None:
        raise PolicyInvalid(problems + more)
    return loaded


def check_documents(docs: list[Document]) -> tuple[LoadedPolicy | None, list[DocumentProblem]]:
    validator = Draft202012Validator(schema())
    problems: list[DocumentProblem] = []
    for doc in docs:
        errors = sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.path)))
        hidden = _rejected_names(errors)
        problems.extend(_schema_problem(doc, error, hidden) for error in errors)
    if problems:
        return None, problems
    merged, where, problems = _merge(docs)
    problems.extend(_cross_check(merged, where))
    if problems:
        return None, problems
    try:
        policy = PolicySet.model_validate(merged)
    except PydanticError as exc:  # the schema should have caught it; say so plainly anyway
        return None, [
            DocumentProblem("(policy)", None, _dotted(tuple(e["loc"])), e["msg"])
            for e in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
    texts = {doc.name: doc.text for doc in docs}
    return LoadedPolicy(policy, texts, digest_of(texts)), []


def digest_of(texts: Mapping[str, str]) -> str:
    canonical = json.dumps(dict(sorted(texts.items())), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- schema errors in words ---------------------------------------------------------------


def _schema_problem(
    doc: Document, error: ValidationError, hidden: set[tuple[Any, ...]]
) -> DocumentProblem:
    """One schema error in words: file, line, path and rule, never the value found.

    jsonschema's own ``error.message`` quotes the instance, so it is never used; names the
    schema rejected (``hidden``) are left out of every path shown.
    """
    path = tuple(error.absolute_path)
    # jsonschema types these as possibly unset or boolean schemas; ours are objects and lists.
    schema = error.schema if isinstance(error.schema, dict) else {}
    listed = error.validator_value if isinstance(error.validator_value, list) else []
    described = schema.get("description")
    expected = described or "a valid value"
    found = _show(error.instance)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        return DocumentProblem(
            doc.name,
            doc.line_of((*path, extra[0])) if extra else doc.line_of(path),
            _dotted(path, hidden),
            f"unknown key; expected one of: {', '.join(allowed)}",
        )
    if kind == "required" and isinstance(error.instance, dict):
        missing = [k for k in listed if k not in error.instance]
        return DocumentProblem(
            doc.name,
            doc.line_of(path),
            _dotted(path, hidden),
            f"missing key '{missing[0]}'; expected keys: {', '.join(listed)}",
        )
    if _is_name_error(error):
        return DocumentProblem(
            doc.name,
            doc.line_of((*path, str(error.instance))),
            _dotted(path, hidden),
            f"unknown name; expected {expected}",
        )
    if kind == "enum":
        options = ", ".join(str(v) for v in listed)
        message = f"found {found}; expected one of: {options}"
    elif kind == "const":
        message = f"found {found}; expected {error.validator_value!r} ({expected})"
    elif kind == "type":
        # The root's description is a sentence about files; say plainly what a file is.
        wanted = expected if path else "a mapping of sections (learnwire_policy: 1, ...)"
        message = f"found {found}; expected {wanted}"
    elif kind in _LIMITS:
        message = f"{_LIMITS[kind].format(limit=error.validator_value)}; expected {expected}"
    else:
        message = f"found {found}; expected {expected}"
    return DocumentProblem(doc.name, doc.line_of(path), _dotted(path, hidden), message)


_LIMITS = {
    "minItems": "fewer than {limit} item(s)",
    "maxItems": "more than {limit} item(s)",
    "uniqueItems": "an item appears twice",
    "minimum": "below the minimum {limit}",
    "maximum": "above the maximum {limit}",
    "maxLength": "longer than {limit} characters",
    "minLength": "shorter than {limit} characters",
}


def _is_name_error(error: ValidationError) -> bool:
    return list(error.relative_schema_path)[-2:-1] == ["propertyNames"] or (
        "propertyNames" in error.schema_path
    )


def _rejected_names(errors: list[ValidationError]) -> set[tuple[Any, ...]]:
    """Paths of mapping keys the schema refused as names: never repeated in a message."""
    return {(*e.absolute_path, str(e.instance)) for e in errors if _is_name_error(e)}


def _show(value: Any) -> str:
    """What kind of value was found, not the value: a document may hold anything."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing"
    return {str: "text", int: "a number", float: "a number"}.get(type(value), "a value")


def _dotted(path: tuple[Any, ...], hidden: AbstractSet[tuple[Any, ...]] = frozenset()) -> str:
    shown = []
    for i, part in enumerate(path):
        if part == "":
            continue
        if isinstance(part, int):
            shown.append(f"[{part}]")
        elif tuple(path[: i + 1]) in hidden:
            shown.append("(name not shown)")
        else:
            shown.append(str(part))
    return ".".join(shown)


# -- merging and cross references ----------------------------------------------------------

_Where = dict[str, Document]


def _merge(docs: list[Document]) -> tuple[dict[str, Any], _Where, list[DocumentProblem]]:
    merged: dict[str, Any] = {}
    where: _Where = {}
    problems: list[DocumentProblem] = []
    for doc in docs:
        for section in SECTIONS:
            if section not in doc.data:
                continue
            if section in where:
                problems.append(
                    DocumentProblem(
                        doc.name,
                        doc.line_of((section,)),
                        section,
                        f"section '{section}' is already defined in {where[section].name}; "
                        "expected each section in exactly one file",
                    )
                )
                continue
            merged[section] = doc.data[section]
            where[section] = doc
    for section in REQUIRED_SECTIONS:
        if section not in merged and not problems:
            first = docs[0].name if docs else "(policy)"
            problems.append(
                DocumentProblem(
                    first, None, section, f"no document defines '{section}'; it is required"
                )
            )
    return merged, where, problems


def _cross_check(merged: dict[str, Any], where: _Where) -> list[DocumentProblem]:
    problems: list[DocumentProblem] = []
    purposes = merged.get("purposes", {})

    def problem(section: str, path: tuple[Any, ...], message: str) -> None:
        doc = where[section]
        problems.append(
            DocumentProblem(
                doc.name, doc.line_of((section, *path)), _dotted((section, *path)), message
            )
        )

    def known_purposes(section: str, path: tuple[Any, ...], names: list[str]) -> None:
        for i, name in enumerate(names):
            if name not in purposes:
                problem(
                    section,
                    (*path, i),
                    f"unknown purpose; expected one of: {', '.join(sorted(purposes))}",
                )

    categories = merged.get("categories", {})
    if "categories" in where:
        for category in DataCategory:
            if category.value not in categories:
                problem(
                    "categories",
                    (),
                    f"category '{category.value}' is not defined; every data category needs "
                    "its retention and purposes",
                )
        for name, rule in categories.items():
            known_purposes("categories", (name, "purposes"), rule["purposes"])
            for i, purpose in enumerate(rule["purposes"]):
                denied = purposes.get(purpose, {}).get("learning_data") == "denied"
                if rule["learning_data"] and denied:
                    problem(
                        "categories",
                        (name, "purposes", i),
                        f"'{name}' is learning data and purpose '{purpose}' says "
                        "learning_data: denied; expected the purpose to say learning_data: "
                        "allowed before learning data may serve it",
                    )
    for name, family in merged.get("families", {}).items():
        if family.get("fact_types") and "facts" not in family["records"]:
            problem(
                "families",
                (name, "fact_types"),
                "fact_types only applies to families whose records include 'facts'",
            )
    for role, rule in merged.get("roles", {}).items():
        for i, grant in enumerate(rule["grants"]):
            known_purposes("roles", (role, "grants", i, "purposes"), grant["purposes"])
    for name, processor in merged.get("processors", {}).items():
        if processor["purpose"] not in purposes:
            problem(
                "processors",
                (name, "purpose"),
                f"unknown purpose; expected one of: {', '.join(sorted(purposes))}",
            )
    return problems
