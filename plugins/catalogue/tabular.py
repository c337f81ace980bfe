"""Reading CSV and JSON catalogue exports into records of the documented fields.

Each record comes with where it is (``line 7`` for CSV, ``items[3]`` for JSON) so every
problem can be reported at its place.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .fields import COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS

#: ``(where, record, problem)``: exactly one of record and problem is set.
Located = tuple[str, dict[str, Any] | None, str | None]

KNOWN = set(COLUMNS) | set(OPTIONAL_COLUMNS)


def read_csv(path: Path, *, delimiter: str = ",") -> Iterator[Located]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter, strict=True)
        try:
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
        except (UnicodeDecodeError, csv.Error) as exc:
            yield "line 1", None, _csv_problem(exc)
            return
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            yield "line 1", None, f"header lacks required column(s): {', '.join(missing)}"
            return
        reader.fieldnames = header
        line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as exc:
                yield f"line {reader.line_num or line + 1}", None, _csv_problem(exc)
                return
            line = reader.line_num
            if None in row:
                yield f"line {line}", None, f"has more fields than the header's {len(header)}"
                continue
            if not any((v or "").strip() for v in row.values()):
                continue
            yield f"line {line}", {k: (v or "") for k, v in row.items() if k in KNOWN}, None


def _csv_problem(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "is not valid UTF-8 text"
    return f"is not valid CSV ({exc})"


def read_json(path: Path) -> Iterator[Located]:
    """A list of objects, or an object whose ``items`` is that list."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        yield "file", None, "is not valid UTF-8 text"
        return
    except json.JSONDecodeError as exc:
        yield f"line {exc.lineno} column {exc.colno}", None, f"is not valid JSON ({exc.msg})"
        return
    prefix = "items"
    if isinstance(data, dict):
        data = data.get("items")
    if not isinstance(data, list):
        yield "file", None, "must be a list of items or an object with an 'items' list"
        return
    for index, entry in enumerate(data):
        where = f"{prefix}[{index}]"
        if not isinstance(entry, dict):
            yield where, None, "must be an object"
            continue
        unknown = sorted(k for k in entry if k.lower() not in KNOWN)
        if unknown:
            yield where, None, f"has unknown field(s): {', '.join(unknown)}"
            continue
        yield where, {k.lower(): v for k, v in entry.items()}, None
