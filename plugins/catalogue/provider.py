"""A catalogue file as a content provider.

The file is read twice: a first pass checks every record (and that the skills it names
exist) without keeping items, the second yields batches. So a bad file is refused whole,
and a large one is never held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import psycopg

from ...core.models import ContentItem
from ...core.sources import ContentBatch, ContentProvider
from .errors import FileProblems
from .fields import FieldError, build_item
from .packages import read_package
from .tabular import Located, read_csv, read_json

FileFormat = Literal["csv", "json", "package"]
BATCH_SIZE = 1000

_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".xml": "package",
    ".imscc": "package",
    ".zip": "package",
}


def detect_format(path: Path) -> FileFormat:
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_SUFFIXES))
        raise FileProblems(
            str(path), [("file", f"has an unknown kind; use one of: {known}")]
        ) from None


class FileCatalogueProvider(ContentProvider):
    """Items of one catalogue file, stored under the provider ``name``.

    A full import lists every live item, so items the file no longer holds are retired.
    """

    def __init__(
        self,
        name: str,
        path: Path,
        *,
        file_format: FileFormat | None = None,
        base_url: str | None = None,
        delimiter: str | None = None,
        partial: bool = False,
    ) -> None:
        self.name = name
        self.path = path
        self.format = file_format or detect_format(path)
        self.base_url = base_url
        self.delimiter = delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
        self.lists_everything = not partial
        self.defaulted_durations = 0
        self._checked = False

    def records(self) -> Iterator[Located]:
        if self.format == "csv":
            return read_csv(self.path, delimiter=self.delimiter)
        if self.format == "json":
            return read_json(self.path)
        return read_package(self.path, base_url=self.base_url)

    def check(self, conn: psycopg.Connection[Any] | None) -> int:
        """Read the whole file; returns how many items it holds. With ``conn``, also check
        that every skill it names is in the store.

        :raises FileProblems: with every problem and its place; nothing is stored.
        """
        problems: list[tuple[str, str]] = []
        seen: dict[str, str] = {}
        skill_places: dict[str, str] = {}
        self.defaulted_durations = 0
        if not self.path.is_file():
            raise FileProblems(str(self.path), [("file", "does not exist or is not a file")])
        for where, record, problem in self.records():
            if problem is not None:
                problems.append((where, problem))
                continue
            try:
                item, defaulted = build_item(self.name, record or {})
            except FieldError as exc:
                problems.append((where, str(exc)))
                continue
            self.defaulted_durations += defaulted
            if item.external_id in seen:
                problems.append((where, f"repeats the id of {seen[item.external_id]}"))
                continue
            seen[item.external_id] = where
            for skill in item.skills:
                skill_places.setdefault(skill.skill_id, where)
        if skill_places and conn is not None:
            known = {
                r[0]
                for r in conn.execute(
                    "SELECT id FROM skill WHERE id = ANY(%s)", (list(skill_places),)
                )
            }
            for sid, where in skill_places.items():
                if sid not in known:
                    problems.append(
                        (
                            where,
                            f"names skill '{sid}', which is not in the skills framework "
                            "(import it first with 'learnwire skills import')",
                        )
                    )
        if not seen and not problems:
            problems.append(("file", "holds no items"))
        if problems:
            raise FileProblems(str(self.path), problems)
        self._checked = True
        return len(seen)

    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[ContentBatch]:
        if not self._checked:
            # A sync runner stores batch by batch: a bad record must stop it before the first.
            self.check(None)
        batch: list[ContentItem] = []
        for where, record, problem in self.records():
            if problem is not None:
                raise FileProblems(str(self.path), [(where, problem)])
            try:
                item, _ = build_item(self.name, record or {})
            except FieldError as exc:
                raise FileProblems(str(self.path), [(where, str(exc))]) from None
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                yield ContentBatch(items=batch)
                batch = []
        if batch:
            yield ContentBatch(items=batch)
