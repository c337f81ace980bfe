"""The learnwire host: hooks, models, store, learner model, ranker, tasks, CLI and web app.

Nothing in this package imports ``learnwire.adapters`` or ``learnwire.plugins``: those reach
the core only through the hooks in :mod:`learnwire.core.hookspecs`.
"""
