"""Village change reports (月报告单): filed by officers, listed and read within scope."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from renkou.api import selectors
from renkou.api.endpoints.base import PK_PARAMETER, ApiView, parse_body, parse_query
from renkou.api.serializers import (
    ChangeReportCreateSerializer,
    ChangeReportSearchSerializer,
    ChangeReportSerializer,
)
from renkou.core.models import User
from renkou.core.roles import Cap
from renkou.registry.models import ChangeReport
from renkou.registry.selectors import (
    changereport_get_for_user,
    household_queryset_for_user,
    person_queryset_for_user,
)
from renkou.registry.services.changereport_checks import ReportInput

_PERSON_REFS = ("subject", "mother", "father")
_TEXT_FIELDS = ("name", "sex", "id_number", "relation", "place", "note")


def _scoped_ref(queryset: QuerySet[Any], pk: int | None) -> Model | bool | None:
    """The referenced row if in scope, None if none was given, False if out of reach."""
    if pk is None:
        return None
    found = queryset.select_related("org_unit").filter(pk=pk).first()
    return found if found is not None else False


def _report_input(user: User, params: dict[str, Any]) -> ReportInput:
    """Resolve referenced persons and household through the scoping door (400 if outside)."""
    errors: dict[str, list[str]] = {}
    refs: dict[str, Any] = {}
    persons = person_queryset_for_user(user=user)
    for name in _PERSON_REFS:
        refs[name] = _scoped_ref(persons, params.get(name))
        if refs[name] is False:
            errors[name] = [_("人员不存在或不在您的管辖范围内。")]
    refs["household"] = _scoped_ref(household_queryset_for_user(user=user), params.get("household"))
    if refs["household"] is False:
        errors["household"] = [_("户不存在或不在您的管辖范围内。")]
    if errors:
        raise ValidationError(errors)
    texts = {name: params.get(name, "") for name in _TEXT_FIELDS}
    return ReportInput(
        kind=params["kind"],
        event_date=params["event_date"],
        birth_date=params.get("birth_date"),
        **refs,
        **texts,
    )


def _file(data: ReportInput, actor: User) -> ChangeReport:
    """File through the same service as the web form; its refusals become 400s."""
    from renkou.registry.services.changereports import changereport_file

    try:
        return changereport_file(data=data, actor=actor)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(exc.message_dict) from exc
        raise ValidationError({"non_field_errors": exc.messages}) from exc


class ChangeReportListView(ApiView):
    """List reports in scope (any business role); file one (village officers)."""

    required_caps: ClassVar[dict[str, Cap]] = {
        "GET": Cap.VIEW_REGISTER,
        "POST": Cap.FILE_REPORTS,
    }
    serializer_class = ChangeReportSerializer

    @extend_schema(
        operation_id="change_reports_list",
        parameters=[ChangeReportSearchSerializer],
        responses=ChangeReportSerializer(many=True),
        summary="月报告单列表",
    )
    def get(self, request: Request, version: str) -> Response:
        params = parse_query(request, ChangeReportSearchSerializer)
        reports = selectors.changereport_search_for_user(
            user=request.user, kind=params.get("kind", ""), status=params.get("status", "")
        )
        page = self.paginate_queryset(reports)
        return self.get_paginated_response(ChangeReportSerializer(page, many=True).data)

    @extend_schema(
        operation_id="change_reports_create",
        request=ChangeReportCreateSerializer,
        responses={201: ChangeReportSerializer},
        summary="填报月报告单（出生、死亡、迁出）",
    )
    def post(self, request: Request, version: str) -> Response:
        params = parse_body(request, ChangeReportCreateSerializer)
        user = request.user
        assert isinstance(user, User)
        report = _file(_report_input(user, params), user)
        return Response(ChangeReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ChangeReportDetailView(ApiView):
    required_caps: ClassVar[dict[str, Cap]] = {"GET": Cap.VIEW_REGISTER}
    serializer_class = ChangeReportSerializer

    @extend_schema(
        operation_id="change_reports_retrieve", parameters=[PK_PARAMETER], summary="月报告单详情"
    )
    def get(self, request: Request, version: str, pk: int) -> Response:
        report = changereport_get_for_user(user=request.user, pk=pk)
        return Response(ChangeReportSerializer(report).data)
