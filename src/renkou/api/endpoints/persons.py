"""Persons: search, detail (masked), and lookup by identity number in a POST body."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from renkou.api import selectors
from renkou.api.endpoints.base import PK_PARAMETER, ApiView, parse_body, parse_query
from renkou.api.serializers import (
    IdLookupSerializer,
    PersonDetailSerializer,
    PersonListSerializer,
    PersonLookupResultSerializer,
    PersonSearchSerializer,
)
from renkou.core.audit import audit_record
from renkou.core.roles import Cap
from renkou.registry.search import PersonCriteria, person_search, unit_get_for_user
from renkou.registry.selectors import person_get_for_user

SOURCE = "api"


def _criteria(user: Any, params: dict[str, Any]) -> PersonCriteria:
    unit = params.get("unit")
    return PersonCriteria(
        name=params.get("q", ""),
        household_code=params.get("household", ""),
        village=unit_get_for_user(user=user, pk=unit) if unit is not None else None,
        status=params["status"],
        sex=params.get("sex", ""),
        born_from=params.get("birth_year_min"),
        born_to=params.get("birth_year_max"),
    )


class PersonListView(ApiView):
    """Search the register within the caller's scope; 50 a page."""

    required_caps: ClassVar[dict[str, Cap]] = {"GET": Cap.VIEW_REGISTER}
    serializer_class = PersonListSerializer

    @extend_schema(
        operation_id="persons_list",
        parameters=[PersonSearchSerializer],
        responses=PersonListSerializer(many=True),
        summary="查询人员",
    )
    def get(self, request: Request, version: str) -> Response:
        criteria = _criteria(request.user, parse_query(request, PersonSearchSerializer))
        page = self.paginate_queryset(person_search(user=request.user, criteria=criteria))
        audit_record(
            action="person.search",
            request=request._request,
            detail={"source": SOURCE, "filters": ",".join(criteria.used_fields())},
        )
        return self.get_paginated_response(PersonListSerializer(page, many=True).data)


class PersonDetailView(ApiView):
    """One person's record; 404 outside the caller's scope. Every read is audited."""

    required_caps: ClassVar[dict[str, Cap]] = {"GET": Cap.VIEW_REGISTER}
    serializer_class = PersonDetailSerializer

    @extend_schema(operation_id="persons_retrieve", parameters=[PK_PARAMETER], summary="人员详情")
    def get(self, request: Request, version: str, pk: int) -> Response:
        person = person_get_for_user(user=request.user, pk=pk)
        context = {
            "membership": selectors.person_current_membership(person=person),
            "events": selectors.person_events_summary(person=person),
        }
        data = PersonDetailSerializer(person, context=context).data
        audit_record(
            action="person.view",
            request=request._request,
            object_type="person",
            object_id=person.pk,
            detail={"source": SOURCE},
        )
        return Response(data)


class PersonLookupView(ApiView):
    """Find persons by identity number, sent in the JSON body so it never sits in a URL."""

    required_caps: ClassVar[dict[str, Cap]] = {"POST": Cap.VIEW_REGISTER}
    serializer_class = IdLookupSerializer

    @extend_schema(
        operation_id="persons_lookup",
        request=IdLookupSerializer,
        responses=PersonLookupResultSerializer,
        summary="按身份证号码查找人员",
    )
    def post(self, request: Request, version: str) -> Response:
        raw = parse_body(request, IdLookupSerializer)["id_number"]
        found = selectors.person_lookup_for_user(user=request.user, raw_id_number=raw)
        if found is None:
            raise ValidationError({"id_number": [_("身份证号码格式或校验位不正确。")]})
        # The audit row names the count, never the number (audit_record refuses it).
        audit_record(
            action="person.lookup",
            request=request._request,
            detail={"source": SOURCE, "results": len(found)},
        )
        return Response({"results": PersonListSerializer(found, many=True).data})
