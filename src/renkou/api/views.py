"""The versioned REST API (v1): its endpoints and their rows of the permission matrix.

The endpoint classes live in `renkou.api.endpoints`; this module is the API's entry in
the matrix (renkou.permissions) and must name every URL that urls.py defines.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated

from renkou.api.endpoints.changereports import ChangeReportDetailView, ChangeReportListView
from renkou.api.endpoints.households import HouseholdDetailView, HouseholdListView
from renkou.api.endpoints.persons import PersonDetailView, PersonListView, PersonLookupView
from renkou.api.endpoints.token import TokenView
from renkou.core.access import ALL_ROLES, BUSINESS_ROLES, Rule

__all__ = [
    "ACCESS",
    "ChangeReportDetailView",
    "ChangeReportListView",
    "DocsView",
    "HouseholdDetailView",
    "HouseholdListView",
    "PersonDetailView",
    "PersonListView",
    "PersonLookupView",
    "SchemaView",
    "TokenView",
]


class SchemaView(SpectacularAPIView):
    """The OpenAPI document; only for logged-in users (the API's shape is not public)."""

    permission_classes: ClassVar[list[Any]] = [IsAuthenticated]  # type: ignore[misc]


class DocsView(SpectacularSwaggerView):
    """Swagger UI, its assets served locally from the sidecar package (no CDN)."""

    permission_classes: ClassVar[list[Any]] = [IsAuthenticated]  # type: ignore[misc]


ACCESS: dict[str, Rule] = {
    "api:schema": Rule(roles=ALL_ROLES),
    "api:docs": Rule(roles=ALL_ROLES),
    "api:token": Rule(public=True, method="POST"),
    "api:person_list": Rule(roles=BUSINESS_ROLES),
    "api:person_detail": Rule(roles=BUSINESS_ROLES, obj="person"),
    "api:person_lookup": Rule(roles=BUSINESS_ROLES, method="POST"),
    "api:household_list": Rule(roles=BUSINESS_ROLES),
    "api:household_detail": Rule(roles=BUSINESS_ROLES, obj="household"),
    # GET here; filing (POST) needs Cap.FILE_REPORTS, tested in tests/api.
    "api:changereport_list": Rule(roles=BUSINESS_ROLES),
    "api:changereport_detail": Rule(roles=BUSINESS_ROLES, obj="changereport"),
}
