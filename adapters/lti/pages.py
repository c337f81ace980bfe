"""HTML pages of the LTI tool, rendered with autoescaping Jinja2 templates (no Flask here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, *, tool_name: str, **context: Any) -> str:
    return _env.get_template(template).render(tool_name=tool_name, **context)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def refused(
    *, tool_name: str, message: str, code: str | None = None, title: str = "This launch was refused"
) -> str:
    return render("refused.html", tool_name=tool_name, title=title, message=message, code=code)


def autopost(*, tool_name: str, action: str, fields: dict[str, str], message: str) -> str:
    """A page that posts ``fields`` to ``action`` at once (deep-linking return, etc.)."""
    return render(
        "autopost.html", tool_name=tool_name, action=action, fields=fields, message=message
    )


def storage_keys(state: str, nonce: str) -> dict[str, str]:
    """Platform-storage key -> value, as the LTI client-side postMessage convention names them."""
    return {f"state_{state}": state, f"nonce_{nonce}": nonce}
