"""The Celery app. With ``LEARNWIRE_REDIS_URL`` set, Redis is broker and result backend and
``learnwire worker`` / ``learnwire beat`` run the real worker and scheduler; without it,
tasks run in process so the embedded default needs nothing else."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery

from .config import Settings, load_settings
from .delivery.tasks import register_tasks as register_delivery_tasks
from .periodic import PeriodicTask

log = logging.getLogger(__name__)


def make_celery(settings: Settings, periodic: list[PeriodicTask] | None = None) -> Celery:
    app = Celery("learnwire")
    if settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
        app.conf.update(broker_url=url, result_backend=url)
    else:
        app.conf.update(
            broker_url="memory://",
            result_backend="cache+memory://",
            task_always_eager=True,
            task_eager_propagates=True,
        )
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # a task killed mid-way is redelivered; our tasks are idempotent
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        result_expires=24 * 3600,
        timezone="UTC",
    )
    app.conf.beat_schedule = {
        task.name: {
            "task": "learnwire.periodic",
            "schedule": task.every_seconds,
            "args": (task.name,),
        }
        for task in periodic or []
    }
    _register_tasks(app)
    return app


def _register_tasks(app: Celery) -> None:
    register_delivery_tasks(app)

    @app.task(name="learnwire.health", shared=False)
    def health() -> dict[str, Any]:
        """The worker's own view of its database: proves config and store reach workers."""
        from .runtime import Runtime

        runtime = Runtime()
        try:
            return {"database": runtime.db.check_server(), "worker": "ok"}
        finally:
            runtime.close()

    @app.task(name="learnwire.periodic", bind=True, shared=False)
    def periodic(self: Any, name: str) -> dict[str, Any]:
        from .runtime import Runtime

        runtime = Runtime()
        try:
            tasks = {t.name: t for t in runtime.collect("register_periodic_tasks")}
            if name not in tasks:
                raise KeyError(f"no periodic task named {name!r} is registered")
            result = tasks[name].run(runtime.settings)
            log.info("periodic task %s: %s", name, result)
            return result
        finally:
            runtime.close()


def celery_from_environment() -> Celery:
    """The app `celery -A learnwire.core.worker` and `learnwire worker` use."""
    from .runtime import Runtime

    settings = load_settings()
    periodic = Runtime(settings).collect("register_periodic_tasks")
    return make_celery(settings, periodic)
