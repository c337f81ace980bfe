"""LTI roles (LIS v2 vocabulary) mapped to learnwire's three roles."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


class LearnwireRole(StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"  # instructors and managers: may pick content, pull rosters
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return {"learner": "learner", "instructor": "instructor / manager"}.get(
            self.value, "administrator"
        )

    @property
    def may_curate(self) -> bool:
        """Whether this role may add content to a course and see its roster."""
        return self is not LearnwireRole.LEARNER

    @property
    def policy_role(self) -> str:
        """The access-policy role (``policies/defaults/access.yaml``) a launch signs in as.

        Instructors and administrators sign in as managers: the policy gives a manager their
        own data plus totals for teams HR says they manage, so an LMS role never opens
        anyone else's data by itself.
        """
        return "learner" if self is LearnwireRole.LEARNER else "manager"


_ADMIN_NAMES = frozenset({"Administrator", "SysAdmin"})
# Context roles whose holders teach, design or manage others in the course. A "Mentor" in a
# workplace LMS is usually the learner's manager.
_INSTRUCTOR_CONTEXT = frozenset({"Instructor", "ContentDeveloper", "Manager", "Mentor"})
_INSTRUCTOR_INSTITUTION = frozenset({"Faculty", "Instructor"})


def parse_role(uri: str) -> tuple[str, str]:
    """(scope, principal role) of a role URI; scope is system, institution or membership.

    Sub-roles (``membership/Instructor#TeachingAssistant``) count as their principal role;
    the deprecated short forms (``Instructor``) are context roles.
    """
    if not uri.startswith(LIS):
        return "membership", uri.rsplit("#", 1)[-1]
    path, _, name = uri[len(LIS) :].partition("#")
    parts = path.split("/")
    scope = parts[0]
    if scope == "membership" and len(parts) > 1:
        return scope, parts[1]
    return scope, name


def learnwire_role(roles: Iterable[str]) -> LearnwireRole:
    """The most capable learnwire role any of the LTI roles grants; learner by default."""
    best = LearnwireRole.LEARNER
    for uri in roles:
        scope, name = parse_role(uri)
        if name in _ADMIN_NAMES and scope in ("system", "institution", "membership"):
            return LearnwireRole.ADMINISTRATOR
        if (scope == "membership" and name in _INSTRUCTOR_CONTEXT) or (
            scope == "institution" and name in _INSTRUCTOR_INSTITUTION
        ):
            best = LearnwireRole.INSTRUCTOR
    return best
