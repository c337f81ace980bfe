"""The Celery task that sends one message through one channel.

Each worker process keeps one runtime and sender (plugins, database pool, ranker model),
built on its first task: a process sends many messages, and rebuilding the ranker's model
per message would cost more than the message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import Celery

from ..runtime import Runtime
from .sender import Sender

_sender: Any = None


def _worker_sender() -> Any:
    global _sender
    if _sender is None:
        _sender = Sender(Runtime())
    return _sender


def register_tasks(app: Celery) -> None:
    @app.task(name="learnwire.delivery.send", shared=False, acks_late=True)
    def send(send_id: int, at: str | None = None) -> str:
        """``at``: the moment the run that queued it acted for (ISO 8601)."""
        # Redelivered after a crash, the task finds the send claimed and does nothing: the
        # claim in the outbox, not the broker, is what makes a send happen once.
        moment = datetime.fromisoformat(at) if at else None
        return _worker_sender().send(send_id, now=moment) or "taken"
