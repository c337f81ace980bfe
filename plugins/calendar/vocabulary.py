"""The classifier's vocabulary: weighted patterns and structural rules per work situation.

A vocabulary is data (YAML), so an organisation teaches the classifier its own words
without code. The shipped ``vocabulary.yaml`` is the default; an organisation's file (the
plugin setting ``vocabulary_file``) extends it:

* ``situations.<name>.keywords`` add to (or re-weight) the default patterns of a situation,
  or define a new situation;
* ``situations.<name>.rules`` are appended;
* ``ignore`` patterns are appended; ``disable`` removes default situations;
* ``threshold`` replaces the default; ``extends: none`` starts from an empty vocabulary.

Patterns are Python regular expressions matched against the event's text after it is
lower-cased and stripped of accents ("Mitarbeitergespräch" is matched as
"mitarbeitergesprach"), so write them in lower case without accents.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from learnwire.core.errors import ConfigurationError

DEFAULT_VOCABULARY = Path(__file__).with_name("vocabulary.yaml")
SITUATION_NAME = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """Structural facts about an event; every condition given must hold for a rule to fire.

    ``attendees`` counts distinct people (organiser included; rooms and resources not).
    ``external`` is true when someone outside the organisation's domains takes part.
    ``organiser`` is true when the calendar's owner organises the event (unknown for
    org-wide calendars, where a rule asking about it never fires).
    """

    attendees: int | None = Field(default=None, ge=0)
    min_attendees: int | None = Field(default=None, ge=0)
    max_attendees: int | None = Field(default=None, ge=0)
    recurring: bool | None = None
    min_minutes: float | None = Field(default=None, ge=0)
    max_minutes: float | None = Field(default=None, ge=0)
    external: bool | None = None
    organiser: bool | None = None


class Rule(_Strict):
    when: Condition
    weight: float


class SituationVocabulary(_Strict):
    description: str = ""
    keywords: dict[str, float] = Field(
        default_factory=dict, description="regular expression -> weight added once if it matches"
    )
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("keywords")
    @classmethod
    def _patterns_compile(cls, keywords: dict[str, float]) -> dict[str, float]:
        for pattern in keywords:
            _compile(pattern)
        return keywords


class VocabularyFile(_Strict):
    """The YAML document's shape (the default file and an organisation's extension)."""

    extends: Literal["default", "none"] = "default"
    threshold: float | None = Field(default=None, gt=0)
    ignore: list[str] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)
    situations: dict[str, SituationVocabulary] = Field(default_factory=dict)

    @field_validator("situations")
    @classmethod
    def _names(cls, situations: dict[str, SituationVocabulary]) -> dict[str, SituationVocabulary]:
        for name in situations:
            if not re.match(SITUATION_NAME, name) or len(name) > 64:
                raise ValueError(
                    f"situation name '{name}' must be lower case letters, digits and "
                    "underscores, starting with a letter (at most 64 characters)"
                )
        return situations

    @field_validator("ignore")
    @classmethod
    def _ignore_compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            _compile(pattern)
        return patterns


class Vocabulary(_Strict):
    """The effective vocabulary: situations in priority order (earlier wins a tie)."""

    threshold: float = Field(gt=0)
    ignore: tuple[str, ...] = ()
    situations: dict[str, SituationVocabulary]

    @cached_property
    def compiled_ignore(self) -> tuple[re.Pattern[str], ...]:
        return tuple(_compile(p) for p in self.ignore)

    @cached_property
    def compiled_keywords(self) -> dict[str, tuple[tuple[re.Pattern[str], float], ...]]:
        return {
            name: tuple((_compile(p), w) for p, w in situation.keywords.items())
            for name, situation in self.situations.items()
        }

    def extended(self, extension: VocabularyFile) -> Vocabulary:
        """This vocabulary with an organisation's file applied (see the module docstring)."""
        if extension.extends == "none":
            base: dict[str, SituationVocabulary] = {}
            ignore: tuple[str, ...] = ()
        else:
            base = {k: v for k, v in self.situations.items() if k not in extension.disable}
            ignore = self.ignore
        unknown = [name for name in extension.disable if name not in self.situations]
        if unknown:
            raise ConfigurationError(
                f"vocabulary disables unknown situations {unknown}; "
                f"known: {sorted(self.situations)}"
            )
        merged = dict(base)
        for name, addition in extension.situations.items():
            current = merged.get(name)
            if current is None:
                merged[name] = addition
                continue
            merged[name] = SituationVocabulary(
                description=addition.description or current.description,
                keywords={**current.keywords, **addition.keywords},
                rules=[*current.rules, *addition.rules],
            )
        threshold = extension.threshold if extension.threshold is not None else self.threshold
        return Vocabulary(
            threshold=threshold,
            ignore=(*ignore, *extension.ignore),
            situations=merged,
        )


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from exc


def read_vocabulary_file(path: Path) -> VocabularyFile:
    """Parse and validate one YAML vocabulary file; errors name the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigurationError(f"cannot read calendar vocabulary {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"calendar vocabulary {path} is not valid YAML: {exc}") from exc
    try:
        return VocabularyFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"calendar vocabulary {path}: {problems}") from exc


def load_vocabulary(extension: Path | None = None) -> Vocabulary:
    """The shipped vocabulary, extended by ``extension`` when given."""
    default = read_vocabulary_file(DEFAULT_VOCABULARY)
    vocabulary = Vocabulary(
        threshold=default.threshold or 1.0,
        ignore=tuple(default.ignore),
        situations=dict(default.situations),
    )
    if extension is None:
        return vocabulary
    return vocabulary.extended(read_vocabulary_file(extension))
