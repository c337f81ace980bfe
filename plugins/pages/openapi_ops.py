"""Building blocks of the pages' OpenAPI document: the error schema and one operation, so
the document (:mod:`.openapi`) and the sections it hosts (:mod:`.sections`) describe their
routes alike."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

ANY_OBJECT: dict[str, Any] = {"type": "object"}
ANY_LIST: dict[str, Any] = {"type": "array", "items": {"type": "object"}}


class Problem(BaseModel):
    """RFC 9457 problem details: every error, with what went wrong and where."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str


def ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def op(
    summary: str,
    ok: dict[str, Any],
    *,
    status: str = "200",
    body: type[BaseModel] | None = None,
    query: tuple[str, ...] = (),
    path: tuple[tuple[str, dict[str, Any]], ...] = (),
) -> dict[str, Any]:
    """One operation: its success response, the problem responses every route may give, and
    its query, path and body parameters."""
    responses: dict[str, Any] = {status: _json(ok)}
    for code, what in (
        ("400", "invalid input"),
        ("401", "not signed in"),
        ("403", "refused by the policy"),
        ("404", "not found"),
    ):
        responses[code] = {
            "description": what,
            "content": {"application/problem+json": {"schema": ref(Problem)}},
        }
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    params = [
        {"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in query
    ]
    params += [{"name": n, "in": "path", "required": True, "schema": s} for n, s in path]
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return operation
