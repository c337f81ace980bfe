"""Domain errors of the LTI tool, each with a message an admin or instructor can act on."""

from __future__ import annotations

from ...core.errors import Forbidden, LearnwireError, NotFound


class LtiError(LearnwireError):
    """Something about an LTI exchange is wrong; ``status`` is the HTTP answer (4xx)."""

    status = 400
    title = "LTI request refused"


class LaunchRejected(LtiError):
    """A login or launch failed a security check.

    ``code`` is a stable machine-readable reason (logged, shown on the page, asserted in
    tests); the message says what was wrong in words an LMS admin understands.
    """

    title = "LTI launch refused"

    def __init__(self, code: str, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class RegistrationFailed(LtiError):
    """A manual or dynamic registration could not be completed."""

    title = "LTI registration failed"


class PlatformUnavailable(LtiError):
    """The platform did not answer a service call as LTI requires (its fault, not the user's)."""

    status = 502
    title = "The LMS did not answer as expected"


class FeedbackRefused(LtiError):
    """A rating or stated priority from the learner page could not be taken as posted."""

    title = "Your feedback was not saved"


class LaunchNotFound(NotFound):
    """The launch id is unknown or the launch has expired."""

    title = "Launch not found"


class NotAllowed(Forbidden):
    """The launch's role or message type does not allow this action."""

    title = "Not allowed"
