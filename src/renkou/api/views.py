"""The versioned REST API (v1)."""

from __future__ import annotations

from renkou.core.access import ALL_ROLES, Rule

ACCESS: dict[str, Rule] = {
    "api:schema": Rule(roles=ALL_ROLES),
    "api:docs": Rule(roles=ALL_ROLES),
}
