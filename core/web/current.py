"""The runtime serving the current Flask app: set by the app factory, read by every view."""

from __future__ import annotations

from flask import Flask, current_app

from ..runtime import Runtime

#: Where the app factory keeps the runtime in ``app.extensions``.
EXTENSION = "learnwire"


def runtime_of(app: Flask | None = None) -> Runtime:
    """The runtime serving this request (or app)."""
    runtime: Runtime = (app or current_app).extensions[EXTENSION]
    return runtime
