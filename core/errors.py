"""Domain exceptions. Each carries a message a user can act on; HTTP maps them to 4xx."""

from __future__ import annotations


class LearnwireError(Exception):
    """Base class for errors a user or operator can act on."""

    status = 500
    title = "learnwire error"


class ConfigurationError(LearnwireError):
    """The effective configuration cannot work (bad URL, missing extension, ...)."""

    title = "configuration error"


class ValidationFailed(LearnwireError):
    """Input was rejected; ``field`` names the exact place at fault."""

    status = 400
    title = "invalid input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LearnwireError):
    status = 404
    title = "not found"


class Conflict(LearnwireError):
    status = 409
    title = "conflict"


class Forbidden(LearnwireError):
    status = 403
    title = "forbidden"


class PluginError(LearnwireError):
    """A plugin could not be loaded or broke its contract."""

    title = "plugin error"


class Unauthorized(LearnwireError):
    """The request names no one the host can recognise (no session, no valid token)."""

    status = 401
    title = "unauthorized"
