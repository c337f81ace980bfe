"""Built-in Workday plugin: a tenant's REST API and RaaS reports as a signal source (HR
profiles, teams, job profiles and skills, goals, development items, career data), plus
``learnwire hr import`` for CSV exports of any HRIS with the same mapping.

It registers through the ``learnwire`` entry-point group (``learnwire.plugins.workday.plugin``)
exactly like a third-party plugin; settings live under ``LEARNWIRE_PLUGINS__WORKDAY__``.
"""
