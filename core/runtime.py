"""The runtime: settings, plugin manager and database, built lazily and shared by the CLI,
the web app and Celery tasks."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .config import Settings, load_settings
from .intake import Intake, IntakeGuard
from .migrations_source import MigrationSource
from .plugins import LearnwirePluginManager, get_plugin_manager
from .store import Database, open_database
from .store import migrations as migration_runner
from .store.identities import IdentityResolver


class Runtime:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        pm: LearnwirePluginManager | None = None,
        db: Database | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        if pm is not None:
            self.__dict__["pm"] = pm
        if db is not None:
            self.__dict__["db"] = db

    @cached_property
    def pm(self) -> LearnwirePluginManager:
        return get_plugin_manager(self.settings)

    @cached_property
    def db(self) -> Database:
        db = open_database(self.settings)
        db.check_server()
        return db

    def migration_sources(self) -> list[MigrationSource]:
        return self.pm.collect("register_migrations", expect=MigrationSource)

    def upgrade(self) -> list[migration_runner.Migration]:
        return migration_runner.upgrade(self.db, self.migration_sources())

    def intake(self, guards: list[IntakeGuard] | None = None) -> Intake:
        """An intake screened by ``guards``, or by every registered intake guard."""
        if guards is None:
            guards = self.collect("register_intake_guards", expect=IntakeGuard)
        return Intake(IdentityResolver(self.settings.pseudonym_secret()), guards)

    def collect(self, hook: str, **kwargs: Any) -> list[Any]:
        return self.pm.collect(hook, settings=self.settings, **kwargs)

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
            del self.__dict__["db"]
