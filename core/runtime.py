"""The runtime: settings, plugin manager and database, built lazily and shared by the CLI,
the web app and Celery tasks."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from .config import Settings, load_settings
from .governance import Governance, GovernanceMissing
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

    @cached_property
    def governance(self) -> Governance:
        """The governance the host enforces (``register_governance``).

        :raises GovernanceMissing: no plugin provides it; the message says why and how to
            fix it. Nothing is taken in or served without governance.
        """
        found = self.pm.first(
            "register_governance", expect=Governance, settings=self.settings, db=self.db
        )
        if found is None:
            raise GovernanceMissing(why_no_governance(self.pm))
        return found

    def require_governance(self) -> Governance:
        """Start-up check for servers and workers: the governance, or GovernanceMissing."""
        return self.governance

    def intake(self, guards: list[IntakeGuard] | None = None) -> Intake:
        """An intake screened by the governance's guard, then by ``guards`` (default: every
        guard registered through ``register_intake_guards``).

        :raises GovernanceMissing: there is no governance to screen with.
        """
        screens = [self.governance.intake_guard()]
        if guards is None:
            guards = self.collect("register_intake_guards", expect=IntakeGuard)
        return Intake(IdentityResolver(self.settings.pseudonym_secret()), [*screens, *guards])

    def collect(self, hook: str, **kwargs: Any) -> list[Any]:
        return self.pm.collect(hook, settings=self.settings, **kwargs)

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
            del self.__dict__["db"]


def in_runtime(job: Callable[[Runtime], dict[str, Any]]) -> Callable[[Settings], dict[str, Any]]:
    """``job(runtime)`` as a periodic task's ``run(settings)``: each run opens a runtime of
    its own (database pool, plugins) and closes it, since a worker process outlives many
    runs."""

    def run(settings: Settings, runtime: Runtime | None = None) -> dict[str, Any]:
        # The embedded default's in-process scheduler passes the serving runtime: a second
        # runtime in the same process would share the embedded server's handle, and closing
        # it would stop the database under the server.
        if runtime is not None:
            return job(runtime)
        own = Runtime(settings)
        try:
            return job(own)
        finally:
            own.close()

    return run


def why_no_governance(pm: LearnwirePluginManager) -> str:
    """Why no plugin provides governance, and what to do about it."""
    # Every plugin that broke, and the policy engine if the allow-list left it out; other
    # plugins skipped by the allow-list say nothing about governance.
    reasons = [
        f"plugin '{info.name}' {info.status}: {info.reason}"
        for info in pm.plugin_list()
        if info.status == "disabled" or (info.status == "skipped" and info.name == "policies")
    ]
    found = "; ".join(reasons) if reasons else "no loaded plugin implements register_governance"
    return (
        "learnwire refuses to take in or serve data without governance (the policy engine), "
        f"and no plugin provides it ({found}). The policy engine is the 'policies' plugin: "
        "keep it in LEARNWIRE_PLUGINS_ALLOW (or leave that unset) and fix any error above; "
        "'learnwire plugins list' shows every plugin's status."
    )
