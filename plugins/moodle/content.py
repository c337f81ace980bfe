"""Moodle as a content provider: every visible activity of the synced courses becomes a
content item (title, summary, format, duration, skills, launch URL, xAPI activity id).

Each pull lists every live activity (``lists_everything``), so an activity deleted or hidden
in Moodle, or a course dropped from the sync, is retired by the sync runner instead of
staying recommendable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.models import ContentItem
from ...core.sources import ContentBatch, ContentProvider
from .activities import (
    NOT_CONTENT,
    activity_iri,
    content_format,
    duration_minutes,
    plain_text,
)
from .client import MoodleClient
from .settings import MoodleSettings
from .signals import _learning_courses
from .skills import SkillIndex, SkillIndexBuilder, SkillMapFile


class MoodleContentProvider(ContentProvider):
    name = "moodle"
    lists_everything = True

    def __init__(self, settings: MoodleSettings, client: MoodleClient, mapping: SkillMapFile):
        self.settings, self.client, self.mapping = settings, client, mapping
        self.site = settings.site

    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[ContentBatch]:
        courses = [c for c in _learning_courses(self.client, self.settings.course_ids)]
        visible = [c for c in courses if c.get("visible", 1)]
        index = SkillIndexBuilder(
            self.client,
            self.mapping,
            competencies=self.settings.competencies,
            domain=self.settings.skill_domain,
        ).build(visible)
        skills = list(index.skills.values())
        for course in visible:
            items = self._items(course, index)
            # Skills ride with the first batch: items may only name stored skills.
            yield ContentBatch(items=items, skills=skills)
            skills = []
        if skills:
            yield ContentBatch(skills=skills)

    def _items(self, course: dict[str, Any], index: SkillIndex) -> list[ContentItem]:
        course_id = int(course["id"])
        language = str(course.get("lang") or "") or "en"
        items = []
        for section in self.client.course_contents(course_id):
            if not section.get("visible", 1):
                continue
            for module in section.get("modules") or []:
                if not _live(module):
                    continue
                items.append(self._item(course_id, language, module, index))
        return items

    def _item(
        self, course_id: int, language: str, module: dict[str, Any], index: SkillIndex
    ) -> ContentItem:
        cmid, modname = int(module["id"]), str(module["modname"])
        override = index.overrides.get(cmid)
        url = activity_iri(self.site, modname, cmid)
        duration = (
            override.duration_minutes
            if override and override.duration_minutes
            else duration_minutes(modname, self.settings.durations)
        )
        return ContentItem(
            provider=self.name,
            external_id=f"cm-{cmid}",
            title=plain_text(str(module.get("name") or f"{modname} {cmid}"), limit=512),
            summary=plain_text(module.get("description")),
            format=content_format(module),
            duration_minutes=duration,
            difficulty=override.difficulty if override and override.difficulty is not None else 0.5,
            language=language[:16] if len(language) >= 2 else "en",
            launch_url=url,
            activity_id=url,
            skills=index.for_activity(course_id, cmid),
        )


def _live(module: dict[str, Any]) -> bool:
    """Visible to learners, not being deleted, and something to learn from."""
    if str(module.get("modname")) in NOT_CONTENT:
        return False
    if not module.get("visible", 1) or module.get("uservisible") is False:
        return False
    return not module.get("deletioninprogress")
