"""Households: list by code prefix or unit, detail with the current household card."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from renkou.api import selectors
from renkou.api.endpoints.base import PK_PARAMETER, ApiView, parse_query
from renkou.api.serializers import (
    HouseholdDetailSerializer,
    HouseholdListSerializer,
    HouseholdSearchSerializer,
)
from renkou.core.audit import audit_record
from renkou.core.roles import Cap
from renkou.registry.selectors import household_get_for_user


class HouseholdListView(ApiView):
    required_caps: ClassVar[dict[str, Cap]] = {"GET": Cap.VIEW_REGISTER}
    serializer_class = HouseholdListSerializer

    @extend_schema(
        operation_id="households_list",
        parameters=[HouseholdSearchSerializer],
        responses=HouseholdListSerializer(many=True),
        summary="查询户",
    )
    def get(self, request: Request, version: str) -> Response:
        params = parse_query(request, HouseholdSearchSerializer)
        households = selectors.household_search_for_user(
            user=request.user, code=params.get("code", ""), unit=params.get("unit")
        )
        page = self.paginate_queryset(households)
        return self.get_paginated_response(HouseholdListSerializer(page, many=True).data)


class HouseholdDetailView(ApiView):
    required_caps: ClassVar[dict[str, Cap]] = {"GET": Cap.VIEW_REGISTER}
    serializer_class = HouseholdDetailSerializer

    @extend_schema(
        operation_id="households_retrieve", parameters=[PK_PARAMETER], summary="户详情（当前成员）"
    )
    def get(self, request: Request, version: str, pk: int) -> Response:
        household = household_get_for_user(user=request.user, pk=pk)
        card: dict[str, Any] = {
            "id": household.pk,
            "code": household.code,
            "hukou_type": household.hukou_type,
            "address": household.address,
            "org_unit": household.org_unit,
            "members": selectors.household_members(household=household),
        }
        # The card lists persons, so reading it is audited like reading a record.
        audit_record(
            action="household.view",
            request=request._request,
            object_type="household",
            object_id=household.pk,
            detail={"source": "api"},
        )
        return Response(HouseholdDetailSerializer(card).data)
