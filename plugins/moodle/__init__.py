"""Built-in Moodle plugin: Moodle's web-service REST API as a signal source (enrolments,
completions, grades, learning plans) and a content provider (course activities).

It registers through the ``learnwire`` entry-point group (``learnwire.plugins.moodle.plugin``)
exactly like a third-party plugin; settings live under ``LEARNWIRE_PLUGINS__MOODLE__``.
"""
