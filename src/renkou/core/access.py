"""The permission matrix, kept as code next to each view.

Every views module declares ``ACCESS: dict[str, Rule]`` keyed by URL name
("registry:person_detail"). `renkou.permissions.MATRIX` gathers them, and the suite
generates allow/deny tests from it for every URL; a URL missing from it fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from renkou.core.models import Role

ALL_ROLES = frozenset(Role.values)
BUSINESS_ROLES = frozenset(
    {Role.VILLAGE_OFFICER, Role.TOWNSHIP_CLERK, Role.TOWNSHIP_HEAD, Role.COUNTY_OFFICER}
)
TOWNSHIP_UP = frozenset({Role.TOWNSHIP_CLERK, Role.TOWNSHIP_HEAD, Role.COUNTY_OFFICER})


@dataclass(frozen=True)
class Rule:
    """Who may open a URL, and what data scope applies to it.

    roles:  roles that are let in (any other logged-in role gets 403).
    obj:    the kind of scoped object in the URL ("person", "household", "changereport",
            "duplicate", "merge", "transfer", "orgunit", "user", "batch"), or None.
            Scoped URLs must answer 404 for an object outside the user's subtree.
    method: the method the generated test uses (a POST-only URL is tested with POST).
    public: reachable without logging in (login page, language switch).
    """

    roles: frozenset[str] = field(default_factory=frozenset)
    obj: str | None = None
    method: str = "GET"
    public: bool = False
