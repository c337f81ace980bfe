"""The situation classifier: words in several languages, meeting shape, ignore list, ties."""

from __future__ import annotations

import pytest

from learnwire.plugins.calendar.classifier import EventFeatures, SituationClassifier, normalise


@pytest.fixture(scope="module")
def classifier() -> SituationClassifier:
    return SituationClassifier()


@pytest.mark.parametrize(
    ("text", "attendees", "expected"),
    [
        ("1:1 Alice / Bob", 2, "one_to_one"),
        ("Einzelgespräch mit Jonas", 2, "one_to_one"),
        ("Tête-à-tête Claire", 2, "one_to_one"),
        ("Feedback on the Q3 launch", 2, "feedback_conversation"),
        ("Sprint retrospective", 8, "feedback_conversation"),
        ("Annual performance review - Sam", 2, "performance_review"),
        ("Mitarbeitergespräch 2026", 2, "performance_review"),
        ("Entretien annuel d'évaluation", 2, "performance_review"),
        ("Evaluación de desempeño", 2, "performance_review"),
        ("Functioneringsgesprek", 2, "performance_review"),
        ("Board presentation", 12, "presentation"),
        ("Präsentation der Roadmap vor dem Vorstand", 9, "presentation"),
        ("Q3 planning", 7, "planning_review"),
        ("Strategy offsite 2027", 14, "strategy_review"),
        ("Interview: senior backend engineer candidate", 3, "interview"),
        ("Vorstellungsgespräch Frau Meyer", 3, "interview"),
        ("Contract negotiation with Globex", 4, "negotiation"),
        ("Klärungsgespräch Konflikt Team Nord", 3, "conflict"),
        ("Onboarding: welcome Sara (new hire)", 2, "onboarding_new_report"),
        ("Einarbeitung neuer Mitarbeiter", 2, "onboarding_new_report"),
        ("Mentoring session", 2, "mentoring"),
        ("Design thinking workshop", 10, "workshop"),
    ],
)
def test_classifier_recognises_situations_in_several_languages(
    classifier: SituationClassifier, text: str, attendees: int, expected: str
) -> None:
    result = classifier.classify(EventFeatures(text=text, attendees=attendees, duration_minutes=45))
    assert result.situation == expected, result.scores


def test_classifier_two_person_recurring_series_is_one_to_one_without_keywords(
    classifier: SituationClassifier,
) -> None:
    shape = {"attendees": 2, "duration_minutes": 30}
    series = classifier.classify(EventFeatures(text="Weekly sync", recurring=True, **shape))
    single = classifier.classify(EventFeatures(text="Sync", recurring=False, **shape))
    crowd = classifier.classify(
        EventFeatures(text="Sync", recurring=True, attendees=6, duration_minutes=30)
    )
    assert series.situation == "one_to_one"
    assert any("attendees=2, recurring=True" in r for r in series.reasons)
    assert single.situation is None
    assert crowd.situation == "team_meeting"  # a recurring series of six is a team's


def test_classifier_ignore_list_wins_over_any_keyword(classifier: SituationClassifier) -> None:
    for text in ("Lunch & feedback with Max", "Zahnarzt", "OOO - annual leave", "Focus time"):
        result = classifier.classify(EventFeatures(text=text, attendees=2, recurring=True))
        assert result.situation is None and result.ignored, text


def test_classifier_unmatched_event_is_unclassified_with_every_score(
    classifier: SituationClassifier,
) -> None:
    result = classifier.classify(EventFeatures(text="Coffee", attendees=5))
    assert result.situation is None
    assert not result.ignored
    assert set(result.scores) == set(classifier.situations)
    assert max(result.scores.values()) < classifier.vocabulary.threshold


def test_classifier_external_attendees_tip_a_meeting_towards_clients(
    classifier: SituationClassifier,
) -> None:
    inside = classifier.classify(EventFeatures(text="Account review", attendees=4))
    outside = classifier.classify(EventFeatures(text="Account review", attendees=4, external=True))
    assert outside.situation == "client_meeting"
    assert outside.score > inside.score


def test_classifier_description_counts_but_reasons_never_quote_event_text(
    classifier: SituationClassifier,
) -> None:
    result = classifier.classify(
        EventFeatures(text="Catch up with Priya\nAgenda: her promotion case, feedback from peers")
    )
    assert result.situation == "feedback_conversation"
    assert not any("priya" in reason.lower() for reason in result.reasons)


def test_classifier_normalise_lowercases_and_strips_accents() -> None:
    assert normalise("  Mitarbeitergespräch  ÉVALUATION\nStraße ") == (
        "mitarbeitergesprach evaluation strasse"
    )
