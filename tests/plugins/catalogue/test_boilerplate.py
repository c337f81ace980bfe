"""Template text is learnt from a library's own text and left out of what is tagged."""

from __future__ import annotations

from learnwire.plugins.catalogue.boilerplate import Boilerplate

LIBRARY = [
    ("Practice: choosing a chart", "Bars or lines for the question. A 5-minute video."),
    ("Practice: SQL joins", "Inner and outer joins on two tables. A 7-minute video."),
    ("Guide: running a retro", "What went well and what to change. A 12-minute video."),
    ("Negotiation basics", "Interests versus positions. Short examples throughout."),
    ("Practice: giving feedback", "The SBI model on three cases. A 4-minute video."),
]


def test_boilerplate_drops_sentences_and_prefixes_many_items_share():
    template = Boilerplate.learn(LIBRARY)
    assert template.sentences == {"a #-minute video."}
    assert template.prefixes == {"practice"}
    assert template.strip(*LIBRARY[1]) == ("SQL joins", "Inner and outer joins on two tables.")
    # A prefix only one item has is part of its title.
    assert template.strip(*LIBRARY[2])[0] == "Guide: running a retro"
    assert template.strip(*LIBRARY[3]) == LIBRARY[3]


def test_boilerplate_never_empties_an_item_and_needs_enough_repeats():
    template = Boilerplate.learn(LIBRARY)
    assert template.strip("Practice:", "A 9-minute video.") == ("Practice:", "A 9-minute video.")
    # Under min_count items, nothing is template text.
    assert Boilerplate.learn(LIBRARY[:2]) == Boilerplate()
    big = LIBRARY * 100
    assert Boilerplate.learn(big, min_share=0.5).sentences == {"a #-minute video."}
