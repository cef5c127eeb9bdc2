"""Roles and what each may do (the capability half of the permission matrix).

Data scope (which org units) is the other half and lives in `scoping`.
三员分立: the three administrators see no personal data; only the audit
administrator reads the audit log; none of them holds a business role.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from renkou.core.models import Role, User


class Cap(StrEnum):
    VIEW_REGISTER = "view_register"
    EDIT_REGISTER = "edit_register"
    REVEAL_ID = "reveal_id"
    FILE_REPORTS = "file_reports"
    REVIEW_REPORTS = "review_reports"
    IMPORT_DATA = "import_data"
    EXPORT_DATA = "export_data"
    MERGE_DUPLICATES = "merge_duplicates"
    TRANSFER = "transfer"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_SECURITY = "manage_security"
    VIEW_AUDIT = "view_audit"
    WORK_ITEMS = "work_items"  # the 挂账销号 ledger: see and work on items in scope
    ASSIGN_WORK = "assign_work"  # 交办, bulk assignment, approving exemptions, dispatch reviews
    REVIEW_LINKS = "review_links"  # the linkage review queue: link / not the same person
    MANAGE_CAMPAIGNS = "manage_campaigns"  # create and start campaigns, add or exempt targets
    HEALTH_SERVICES = "health_services"  # NFPCP registration and results, contraceptive services
    HAND_OUT_SUPPLIES = "hand_out_supplies"  # the village ledger of free supplies


_BUSINESS_READ = {Cap.VIEW_REGISTER, Cap.EXPORT_DATA, Cap.WORK_ITEMS}
_ASSIGNERS = {Cap.ASSIGN_WORK}
ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.VILLAGE_OFFICER: frozenset(
        {Cap.VIEW_REGISTER, Cap.FILE_REPORTS, Cap.WORK_ITEMS, Cap.HAND_OUT_SUPPLIES}
    ),
    Role.TOWNSHIP_CLERK: frozenset(
        _BUSINESS_READ
        | {
            Cap.EDIT_REGISTER,
            Cap.REVEAL_ID,
            Cap.REVIEW_REPORTS,
            Cap.IMPORT_DATA,
            Cap.MERGE_DUPLICATES,
            Cap.TRANSFER,
            Cap.REVIEW_LINKS,
            Cap.MANAGE_CAMPAIGNS,
            Cap.HEALTH_SERVICES,
            Cap.HAND_OUT_SUPPLIES,
        }
        | _ASSIGNERS
    ),
    Role.TOWNSHIP_HEAD: frozenset(
        _BUSINESS_READ | _ASSIGNERS | {Cap.REVEAL_ID, Cap.REVIEW_REPORTS, Cap.TRANSFER}
    ),
    Role.COUNTY_OFFICER: frozenset(
        _BUSINESS_READ
        | _ASSIGNERS
        | {
            Cap.EDIT_REGISTER,
            Cap.REVEAL_ID,
            Cap.IMPORT_DATA,
            Cap.MERGE_DUPLICATES,
            Cap.REVIEW_LINKS,
            Cap.MANAGE_CAMPAIGNS,
            Cap.HEALTH_SERVICES,
        }
    ),
    Role.SYSTEM_ADMIN: frozenset({Cap.MANAGE_ACCOUNTS}),
    Role.SECURITY_ADMIN: frozenset({Cap.MANAGE_SECURITY}),
    Role.AUDIT_ADMIN: frozenset({Cap.VIEW_AUDIT}),
}
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


def has_cap(user: Any, cap: Cap) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return cap in ROLE_CAPS.get(user.role, frozenset())


def sees_personal_data(user: User) -> bool:
    return user.role not in ADMIN_ROLES


P = ParamSpec("P")
R = TypeVar("R")


def requires(cap: Cap) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: 403 unless the user's role carries `cap`."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            request = args[0]
            assert isinstance(request, HttpRequest)
            if not has_cap(request.user, cap):
                raise PermissionDenied
            return view(*args, **kwargs)

        wrapped.required_cap = cap  # type: ignore[attr-defined]
        return wrapped

    return decorate
