"""The doors pages hosts onto features other plugins provide, and when it opens them.

``/learning-admin`` hosts sections built on other built-in plugins: the experiments'
reports (the ``experiments`` plugin's tables and code) and curation (the ``catalogue``
plugin's). An operator may leave either plugin out (``LEARNWIRE_PLUGINS_ALLOW``), or it may
fail to load and be disabled; then its tables were never migrated, and a section built on it
would answer 500 and the OpenAPI document would describe routes that cannot work. So a
section is mounted (its pages and API, its OpenAPI paths and schemas, its link on
``/learning-admin``) only when the plugin it needs is loaded in this runtime, and its module
is imported only then, so a plugin that fails to import cannot take the pages down with it.

:data:`SECTIONS` is the whole dependency: one row per section, naming the plugin it needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app
from flask.sansio.blueprints import BlueprintSetupState
from pydantic import BaseModel

from learnwire.core.web.current import runtime_of

#: Where the app keeps the sections mounted on it (a list of :class:`Section`).
MOUNTED = "learnwire.pages.sections"


@dataclass(frozen=True)
class Hosted:
    """What a section module gives the pages (its ``HOSTED``): blueprints and OpenAPI parts."""

    blueprints: tuple[Blueprint, ...]
    #: OpenAPI path items, keyed by path.
    paths: dict[str, Any] = field(default_factory=dict)
    #: Models the section returns (serialization schemas) and takes (validation schemas).
    responses: tuple[type[BaseModel], ...] = ()
    requests: tuple[type[BaseModel], ...] = ()


@dataclass(frozen=True)
class Section:
    """A section of the pages that exists only when the plugin behind it is loaded."""

    name: str
    #: The plugin (entry-point name, as ``learnwire plugins list`` shows) it is built on.
    requires: str
    #: The pages module holding it; imported only when ``requires`` is loaded.
    module: str
    #: The endpoint ``/learning-admin`` links to, the link's text and what follows it.
    page: str
    link: str
    note: str = ""

    def load(self) -> Hosted:
        module = importlib.import_module(f"{__package__}.{self.module}")
        hosted = module.HOSTED
        if not isinstance(hosted, Hosted):
            raise TypeError(f"{module.__name__}.HOSTED is not a pages Hosted section")
        return hosted


SECTIONS: tuple[Section, ...] = (
    Section(
        name="experiments",
        requires="experiments",
        module="ld_experiments",
        page="pages_ld_experiments.experiments",
        link="Experiments",
        note="learnwire against a curriculum by role, with intervals.",
    ),
    Section(
        name="curation",
        requires="catalogue",
        module="curation",
        page="pages_curation.curation",
        link="Curation: gaps, stale items, duplicates, tag review",
    ),
)

#: Mounts the sections; it has no routes of its own.
host = Blueprint("pages_sections", __name__)


@host.record_once
def _mount(state: BlueprintSetupState) -> None:
    # Runs as the app factory registers the pages' blueprints: every plugin has loaded (or
    # been disabled) by then, so the plugin manager knows what this runtime has.
    app = state.app
    assert isinstance(app, Flask)
    pm = runtime_of(app).pm
    mounted: list[Section] = app.extensions.setdefault(MOUNTED, [])
    for section in SECTIONS:
        if pm.has_plugin(section.requires):
            for blueprint in section.load().blueprints:
                app.register_blueprint(blueprint)
            mounted.append(section)


def mounted(app: Flask | None = None) -> Sequence[Section]:
    """The sections mounted on ``app`` (the current app by default), in table order."""
    return tuple((app or current_app).extensions.get(MOUNTED, ()))


def hosted(app: Flask | None = None) -> list[Hosted]:
    return [section.load() for section in mounted(app)]
