"""The skills framework, job profiles and the library are complete and consistent."""

from __future__ import annotations

from collections import Counter

from learnwire.core.models import ContentFormat
from learnwire.plugins.demo import roles
from learnwire.plugins.demo.catalogue import ASSESSED, library
from learnwire.plugins.demo.taxonomy import DOMAINS, SKILL_INDEX, SKILLS, topological_order


def test_catalogue_taxonomy_covers_six_domains_with_acyclic_prerequisites():
    order = topological_order()
    assert sorted(order) == list(range(len(SKILLS)))
    position = {skill: i for i, skill in enumerate(order)}
    for spec in SKILLS:
        for req in spec.requires:
            assert position[SKILL_INDEX[req]] < position[SKILL_INDEX[spec.id]]
    assert Counter(s.domain for s in SKILLS).keys() == set(DOMAINS)
    assert sum(1 for s in SKILLS if s.requires) >= 30


def test_catalogue_roles_name_known_skills_and_profiles():
    roles.check()
    ids = [p.id for p in roles.PROFILES]
    assert len(ids) == len(set(ids))
    for profile in roles.PROFILES:
        skills = [s for s, _, _ in profile.requirements]
        assert len(skills) == len(set(skills)) >= 6


def test_catalogue_has_300_mixed_items_of_3_to_20_minutes():
    items = library()
    assert len(items) >= 300
    formats = Counter(e.format for e in items)
    assert set(formats) == {
        ContentFormat.VIDEO,
        ContentFormat.ARTICLE,
        ContentFormat.EXERCISE,
        ContentFormat.SIMULATION,
    }
    assert min(formats.values()) >= 40
    for entry in items:
        item = entry.item
        assert 3 <= item.duration_minutes <= 20
        assert 0 < item.difficulty < 1
        assert item.skills and item.skills[0].skill_id in SKILL_INDEX
        assert str(item.launch_url).startswith("https://")
        assert item.activity_id and item.activity_id.endswith(item.external_id)
        assert (entry.questions > 0) == (entry.format in ASSESSED)
        assert len(item.summary) > 80 and item.summary.endswith((".", ")"))
    assert len({e.item.external_id for e in items}) == len(items)
    assert len({e.item.summary for e in items}) == len(items)
    # Every skill can be learnt from the library, at more than one level.
    for skill in SKILL_INDEX:
        levels = {e.level for e in items if e.item.skills[0].skill_id == skill}
        assert len(levels) >= 2, skill
