"""The error a catalogue or framework file raises when any part of it is bad."""

from __future__ import annotations

from ...core.errors import ValidationFailed

#: More problems than this are summarised: the first ones are enough to fix the file.
MAX_LISTED = 50


class FileProblems(ValidationFailed):
    """Every problem found in a file, each with its line or element; nothing was stored."""

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"  {where}: {what}" for where, what in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
        super().__init__(
            f"{path}: {len(problems)} problem(s), nothing was imported:\n" + "\n".join(lines),
            field=problems[0][0] if problems else None,
        )
