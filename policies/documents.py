"""Reading policy documents safely: YAML parsed with ``SafeLoader`` under hard caps.

A policy directory is edited by people and may be handed to learnwire by anyone with write
access to it, so every file is treated as hostile until proven otherwise:

* files larger than :data:`MAX_FILE_BYTES`, or directories with more than :data:`MAX_FILES`
  documents or :data:`MAX_TOTAL_BYTES` in all, are refused before parsing;
* aliases are counted while composing (:data:`MAX_ALIASES`), and the size of the document
  *as expanded* is measured on the node graph (:data:`MAX_NODES`), so a "billion laughs"
  bomb is rejected without ever being expanded; recursive aliases and deep nesting too;
* duplicate keys, which YAML would silently resolve to the last one, are errors.

Every problem is a :class:`DocumentProblem` carrying file, line and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 1024 * 1024
MAX_FILES = 32
MAX_ALIASES = 64
MAX_NODES = 50_000
MAX_DEPTH = 40
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class DocumentProblem:
    """One thing wrong with a policy document, located as precisely as we can."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        place = f" at {self.path}" if self.path else ""
        return f"{where}{place}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "path": self.path, "message": self.message}


@dataclass
class Document:
    """One parsed file: its text (kept for diffs), its data and the node tree for lines."""

    name: str
    text: str
    data: Any
    root: yaml.Node | None = field(repr=False, default=None)

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """1-based line of the value at ``path`` (or of the deepest part that exists)."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            found = _child(node, part)
            if found is None:
                break
            marker, node = found
            line = marker.start_mark.line + 1
        return line


class _HostileDocument(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _CappedLoader(yaml.SafeLoader):
    """SafeLoader that refuses more than MAX_ALIASES aliases while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _HostileDocument(
                    mark.line + 1,
                    f"more than {MAX_ALIASES} aliases (*name); policy documents may reuse a "
                    "value a few times, not expand into a large structure",
                )
        return super().compose_node(parent, index)


def read_directory(directory: Path) -> tuple[list[Document], list[DocumentProblem]]:
    """Parse every ``*.yaml``/``*.yml`` file of ``directory`` (sorted by name)."""
    if not directory.is_dir():
        return [], [DocumentProblem(str(directory), None, "", "expected a directory")]
    paths = sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())
    if not paths:
        return [], [DocumentProblem(str(directory), None, "", "no policy documents (*.yaml) here")]
    if len(paths) > MAX_FILES:
        return [], [
            DocumentProblem(
                str(directory), None, "", f"{len(paths)} documents; at most {MAX_FILES} allowed"
            )
        ]
    docs: list[Document] = []
    problems: list[DocumentProblem] = []
    total = 0
    for path in paths:
        size = path.stat().st_size
        total += size
        if size > MAX_FILE_BYTES:
            problems.append(_too_big(path.name, size))
            continue
        if total > MAX_TOTAL_BYTES:
            problems.append(
                DocumentProblem(
                    path.name, None, "", f"documents exceed {MAX_TOTAL_BYTES // 1024} KiB in all"
                )
            )
            break
        doc, problem = parse_text(path.name, path.read_bytes())
        if problem is not None:
            problems.append(problem)
        elif doc is not None:
            docs.append(doc)
    return docs, problems


def parse_text(name: str, raw: bytes | str) -> tuple[Document | None, DocumentProblem | None]:
    """Parse one document; returns it, or the first reason it cannot be read."""
    if len(raw) > MAX_FILE_BYTES:
        return None, _too_big(name, len(raw))
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        return None, DocumentProblem(name, None, "", f"expected UTF-8 text ({exc.reason})")
    loader = _CappedLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, DocumentProblem(name, 1, "", "empty document; expected a mapping")
        _measure(root)
        data = loader.construct_document(root)
    except _HostileDocument as exc:
        return None, DocumentProblem(name, exc.line, "", exc.message)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, DocumentProblem(name, line, "", f"not valid YAML: {exc.problem or exc}")
    except yaml.YAMLError as exc:
        return None, DocumentProblem(name, None, "", f"not valid YAML: {exc}")
    except RecursionError:
        return None, DocumentProblem(name, None, "", f"nested deeper than {MAX_DEPTH} levels")
    finally:
        loader.dispose()
    return Document(name, text, data, root), None


def _measure(root: yaml.Node) -> None:
    """Reject cycles, deep nesting, duplicate keys and documents too large once expanded.

    Sizes are memoised per node, so a bomb of nested aliases is measured in time linear in
    its *written* size while its expanded size is computed exactly.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        line = node.start_mark.line + 1
        if key in active:
            raise _HostileDocument(line, "an alias refers to the value that contains it")
        if depth > MAX_DEPTH:
            raise _HostileDocument(line, f"nested deeper than {MAX_DEPTH} levels")
        active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    previous = seen.get(key_node.value)
                    if previous is not None:
                        raise _HostileDocument(
                            key_node.start_mark.line + 1,
                            f"key '{key_node.value}' appears twice (first on line {previous}); "
                            "expected each key once",
                        )
                    seen[key_node.value] = key_node.start_mark.line + 1
                total += size(key_node, depth + 1) + size(value_node, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item, depth + 1)
        active.discard(key)
        if total > MAX_NODES:
            raise _HostileDocument(
                line, f"expands to more than {MAX_NODES} values; expected a small document"
            )
        sizes[key] = total
        return total

    size(root, 0)


def _child(node: yaml.Node | None, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(node whose line to report, child node): a mapping entry is reported at its key."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return key_node, value_node
    elif (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return node.value[part], node.value[part]
    return None


def _too_big(name: str, size: int) -> DocumentProblem:
    return DocumentProblem(
        name,
        None,
        "",
        f"file is {size} bytes; policy documents are capped at {MAX_FILE_BYTES // 1024} KiB",
    )
