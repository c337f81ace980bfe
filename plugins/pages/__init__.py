"""The pages people sign in to: ``/me`` (learners), ``/team`` (managers), ``/learning-admin``
(L&D) and ``/compliance`` (compliance officers), their JSON API under ``/api/v1`` and the
sign-in doors that lead to them (LTI launch, OpenID Connect).

A plugin like any other (entry point ``pages``): it mounts its blueprints through
``register_blueprints`` and asks the policy engine what each page may show.
"""
