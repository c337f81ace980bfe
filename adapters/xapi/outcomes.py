"""The parts of a statement that report an outcome: ``result`` (with its score) and
``attachments``. Used by :mod:`.validation`, which keeps the parsed duration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from . import formats
from . import properties as props
from .shapes import ShapeChecks, StatementInvalid, at


class OutcomeChecks(ShapeChecks):
    """Checks of ``result``, ``result.score`` and attachments."""

    duration: timedelta | None

    def result(self, value: Any, path: str) -> None:
        result = self.obj(value, path, props.RESULT_KEYS)
        if "score" in result:
            self.score(result["score"], at(path, "score"))
        for key in ("success", "completion"):
            if key in result and type(result[key]) is not bool:
                raise StatementInvalid(at(path, key), "must be true or false")
        if "response" in result:
            self.text(result["response"], path, "response")
        if "duration" in result:
            self.duration = self.fmt(formats.check_duration, result["duration"], path, "duration")
        if "extensions" in result:
            self.extensions(result["extensions"], at(path, "extensions"))

    def score(self, value: Any, path: str) -> None:
        score = self.obj(value, path, props.SCORE_KEYS)
        for key, number in score.items():
            if (
                type(number) not in (int, float)
                or number != number
                or number
                in (
                    float("inf"),
                    float("-inf"),
                )
            ):
                raise StatementInvalid(at(path, key), "must be a number")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            raise StatementInvalid(at(path, "scaled"), "must be between -1 and 1")
        low, high, raw = score.get("min"), score.get("max"), score.get("raw")
        if low is not None and high is not None and not low < high:
            raise StatementInvalid(at(path, "max"), "must be greater than min")
        if raw is not None and low is not None and raw < low:
            raise StatementInvalid(at(path, "raw"), "must not be below min")
        if raw is not None and high is not None and raw > high:
            raise StatementInvalid(at(path, "raw"), "must not be above max")

    def attachment(self, value: Any, path: str) -> None:
        attachment = self.obj(value, path, props.ATTACHMENT_KEYS)
        for key in ("usageType", "display", "contentType", "length", "sha2"):
            if key not in attachment:
                raise StatementInvalid(at(path, key), "is required")
        self.fmt(formats.check_iri, attachment["usageType"], path, "usageType")
        self.language_map(attachment["display"], at(path, "display"))
        if "description" in attachment:
            self.language_map(attachment["description"], at(path, "description"))
        self.word(attachment["contentType"], path, "contentType")
        length = attachment["length"]
        if type(length) is not int or length < 0:
            raise StatementInvalid(at(path, "length"), "must be a non-negative integer")
        self.word(attachment["sha2"], path, "sha2")
        if "fileUrl" in attachment:
            self.fmt(formats.check_url, attachment["fileUrl"], path, "fileUrl")
