"""LTI 1.3 Advantage tool built on pylti1p3.

Protocol logic (registration, keys, login state, launch validation, deep linking, AGS, NRPS,
dynamic registration) is free of any web framework; ``flask.py`` is the only module that
imports Flask. The plugin (``plugin.py``) mounts the blueprint, the ``learnwire lti``
commands and the ``lti`` migrations through hooks.
"""
