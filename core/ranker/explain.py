"""One plain sentence per recommendation, built from its strongest contributions.

Phrases come from the signals' ``describe`` and only use what the ranking itself read from
the governed view, so an explanation never shows data the policy withheld.
"""

from __future__ import annotations


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def explain(phrases: list[str], *, review: bool = False, stretch_reason: str | None = None) -> str:
    phrases = [p for p in phrases if p]
    if stretch_reason:
        lead = _sentence(stretch_reason)
        return f"{lead}." if not phrases else f"{lead}; {phrases[0]}."
    if not phrases:
        return "A well-rated item that suits your profile."
    body = (
        _sentence(phrases[0]) if len(phrases) == 1 else f"{_sentence(phrases[0])}, and {phrases[1]}"
    )
    if review:
        return f"Time for spaced review: {body[:1].lower()}{body[1:]}."
    return f"{body}."
