"""Vocabulary files: an organisation extends, re-weights, disables or replaces the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnwire.core.errors import ConfigurationError
from learnwire.plugins.calendar.classifier import EventFeatures, SituationClassifier
from learnwire.plugins.calendar.vocabulary import load_vocabulary


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vocabulary.yaml"
    path.write_text(text)
    return path


def test_vocabulary_extension_adds_words_situations_and_rules(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        r"""
situations:
  performance_review:
    keywords:
      '\bptr\b': 2.5          # "people talent review", the organisation's own word
  customer_escalation:
    description: A customer complaint escalated to the team.
    keywords:
      '\bsev[12]\b': 2.0
    rules:
      - when: {external: true, max_minutes: 30}
        weight: 0.5
ignore:
  - '\bbetriebsrat\b'
""",
    )
    classifier = SituationClassifier(load_vocabulary(path))
    assert classifier.classify(EventFeatures(text="PTR Jane", attendees=2)).situation == (
        "performance_review"
    )
    escalation = classifier.classify(
        EventFeatures(text="SEV1 bridge", attendees=5, external=True, duration_minutes=20)
    )
    assert escalation.situation == "customer_escalation"
    assert escalation.score == pytest.approx(2.5)
    assert classifier.classify(EventFeatures(text="Betriebsrat feedback")).ignored
    # The defaults are still there.
    assert classifier.classify(EventFeatures(text="Annual appraisal")).situation == (
        "performance_review"
    )
    assert classifier.situations[-1] == "customer_escalation"


def test_vocabulary_extension_reweights_disables_and_raises_threshold(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        r"""
threshold: 2.2
disable: [mentoring]
situations:
  presentation:
    keywords:
      '\b(demo|talk|present|presenting)\b': 0.1
""",
    )
    classifier = SituationClassifier(load_vocabulary(path))
    assert "mentoring" not in classifier.situations
    assert classifier.classify(EventFeatures(text="Mentoring session")).situation is None
    assert classifier.classify(EventFeatures(text="Demo")).situation is None
    assert classifier.classify(EventFeatures(text="Demo", attendees=12)).situation is None
    assert classifier.classify(EventFeatures(text="Keynote", attendees=12)).situation == (
        "presentation"
    )


def test_vocabulary_extends_none_starts_from_an_empty_vocabulary(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
extends: none
situations:
  standup:
    keywords: {'stand-?up': 1.0}
""",
    )
    classifier = SituationClassifier(load_vocabulary(path))
    assert classifier.situations == ["standup"]
    assert classifier.classify(EventFeatures(text="Lunch standup")).situation == "standup"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("situations:\n  x:\n    keywords: {'(unclosed': 1}\n", "not a valid regular expression"),
        ("situations:\n  Bad-Name:\n    keywords: {'a': 1}\n", "situation name 'Bad-Name'"),
        ("situations:\n  x:\n    keywords: {'a': 1}\n    colour: red\n", "situations.x.colour"),
        ("disable: [no_such_situation]\n", "unknown situations ['no_such_situation']"),
        ("situations: [oops\n", "not valid YAML"),
    ],
)
def test_vocabulary_errors_name_the_file_and_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigurationError) as caught:
        load_vocabulary(path)
    assert message in str(caught.value)
    if "unknown situations" not in message:
        assert str(path) in str(caught.value)
