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

import errno
import os
import re
import stat
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
    """Parse every ``*.yaml``/``*.yml`` file of ``directory`` (sorted by name).

    Files are opened relative to the directory with ``O_NOFOLLOW``; a symbolic link is read
    only when it resolves to a ``.yaml``/``.yml`` file inside the directory, so a link to a
    key or any other file elsewhere is refused by name, its content never read.
    """
    try:
        root = directory.resolve(strict=True)
        dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except (OSError, RuntimeError):
        return [], [DocumentProblem(str(directory), None, "", "expected a directory")]
    try:
        return _read_entries(root, dir_fd)
    except PermissionError:
        return [], [DocumentProblem(str(directory), None, "", "cannot be listed (permission)")]
    finally:
        os.close(dir_fd)


def _read_entries(root: Path, dir_fd: int) -> tuple[list[Document], list[DocumentProblem]]:
    names = sorted(name for name in os.listdir(dir_fd) if Path(name).suffix in SUFFIXES)
    if not names:
        return [], [DocumentProblem(str(root), None, "", "no policy documents (*.yaml) here")]
    if len(names) > MAX_FILES:
        return [], [
            DocumentProblem(
                str(root), None, "", f"{len(names)} documents; at most {MAX_FILES} allowed"
            )
        ]
    docs: list[Document] = []
    problems: list[DocumentProblem] = []
    total = 0
    for name in names:
        raw, problem = _read_file(root, dir_fd, name)
        if problem is not None:
            problems.append(problem)
            continue
        if raw is None:  # a subdirectory named like a document: not a document
            continue
        total += len(raw)
        if total > MAX_TOTAL_BYTES:
            problems.append(
                DocumentProblem(
                    name, None, "", f"documents exceed {MAX_TOTAL_BYTES // 1024} KiB in all"
                )
            )
            break
        doc, problem = parse_text(name, raw)
        if problem is not None:
            problems.append(problem)
        elif doc is not None:
            docs.append(doc)
    return docs, problems


def _read_file(root: Path, dir_fd: int, name: str) -> tuple[bytes | None, DocumentProblem | None]:
    """The bytes of ``name`` in the directory, or why it is refused (never what it holds)."""
    relative = [name]
    try:
        is_link = stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:  # removed since the listing
        return None, DocumentProblem(name, None, "", "cannot be read (removed while reading)")
    if is_link:
        target = Path(os.path.realpath(root / name))
        if not target.is_relative_to(root) or target == root:
            return None, DocumentProblem(
                name,
                None,
                "",
                "is a symbolic link to a file outside the policy directory; "
                "refused without reading it (copy the document into the directory instead)",
            )
        if target.suffix not in SUFFIXES:
            return None, DocumentProblem(
                name,
                None,
                "",
                "is a symbolic link to a file that is not a .yaml/.yml "
                "document; refused without reading it",
            )
        relative = list(target.relative_to(root).parts)
    try:
        fd = _open_beneath(dir_fd, relative)
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            return None, None
        reason = "is a symbolic link" if exc.errno == errno.ELOOP else "cannot be opened"
        return None, DocumentProblem(
            name,
            None,
            "",
            f"{reason} ({errno.errorcode.get(exc.errno or 0, 'error')}); "
            "refused without reading it",
        )
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return None, None
        if not stat.S_ISREG(info.st_mode):
            return None, DocumentProblem(
                name, None, "", "is not a regular file; expected a YAML document"
            )
        if info.st_size > MAX_FILE_BYTES:
            return None, _too_big(name, info.st_size)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        return None, _too_big(name, len(raw))
    return raw, None


def _open_beneath(dir_fd: int, parts: list[str]) -> int:
    """Open ``parts`` below ``dir_fd`` without following any symbolic link on the way, so a
    link swapped in after the check above cannot lead out of the directory."""
    fd = dir_fd
    try:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            flags = os.O_RDONLY | os.O_NOFOLLOW | (os.O_NONBLOCK if last else os.O_DIRECTORY)
            opened = os.open(part, flags, dir_fd=fd)
            if fd != dir_fd:
                os.close(fd)
            fd = opened
        return fd
    except OSError:
        if fd != dir_fd:
            os.close(fd)
        raise


def parse_text(name: str, raw: bytes | str) -> tuple[Document | None, DocumentProblem | None]:
    """Parse one document; returns it, or the first reason it cannot be read.

    A reason names the file, line and rule; it never quotes the document, so a file that is
    not a policy document at all (a key, a password file) cannot leak through an error.
    """
    if len(raw) > MAX_FILE_BYTES:
        return None, _too_big(name, len(raw))
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        return None, DocumentProblem(name, None, "", f"expected UTF-8 text ({exc.reason})")
    control = _control_character(text)
    if control is not None:
        return None, DocumentProblem(name, *control)
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
        return None, DocumentProblem(name, line, "", f"not valid YAML: {yaml_problem(exc)}")
    except yaml.YAMLError:
        return None, DocumentProblem(name, None, "", "not valid YAML")
    except RecursionError:
        return None, DocumentProblem(name, None, "", f"nested deeper than {MAX_DEPTH} levels")
    finally:
        loader.dispose()
    return Document(name, text, data, root), None


# A quoted part of a YAML error is document text (an alias, a tag, a character), except a
# single character or a token name such as '<block end>'.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_SAFE_QUOTED = re.compile(r"^['\"](?:.|\\.|<[a-z ]+>)['\"]$")


def yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """What PyYAML says is wrong, without the document text it quotes."""
    said = exc.problem or exc.context or "unexpected structure"

    def hide(match: re.Match[str]) -> str:
        quoted = match.group(0)
        return quoted if _SAFE_QUOTED.match(quoted) else "(text not shown)"

    message = _QUOTED.sub(hide, said)
    mark = exc.problem_mark
    column = f" (column {mark.column + 1})" if mark is not None else ""
    return f"{message[:160]}{column}"


def _control_character(text: str) -> tuple[int, str, str] | None:
    """(line, path, message) for the first character YAML refuses, else None.

    PyYAML raises on these before it can say where; we say where, and which kind, but never
    quote the text around it.
    """
    match = _UNPRINTABLE.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    char = match.group(0)
    kind = "a NUL byte" if char == "\0" else f"control character U+{ord(char):04X}"
    return (
        line,
        "",
        f"contains {kind} at column {column}; policy documents are plain text (tabs, line "
        "breaks and printable characters only)",
    )


#: What YAML 1.1 readers refuse (see yaml.reader.Reader.NON_PRINTABLE), plus lone surrogates.
_UNPRINTABLE = re.compile(r"[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


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
        if isinstance(node, yaml.ScalarNode) and _UNPRINTABLE.search(node.value):
            # Written as an escape ("\0"), so the reader let it through.
            raise _HostileDocument(
                line,
                "a value holds a NUL or control character (written as an escape "
                "sequence); expected plain text",
            )
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    previous = seen.get(key_node.value)
                    if previous is not None:
                        raise _HostileDocument(
                            key_node.start_mark.line + 1,
                            f"a key appears twice (first on line {previous}); "
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
