"""What every API endpoint shares: authentication, capabilities, JSON only, strict input."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar, TypeVar

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from renkou.api.permissions import HasMethodCap
from renkou.core.audit import audit_record
from renkou.core.roles import Cap
from renkou.linkage import idnumber

S = TypeVar("S", bound=serializers.Serializer[Any])

# Fifteen digits in a row is an identity number (old or new) or a fragment of one.
_LONG_DIGITS = re.compile(r"\d{15}")
_SEPARATORS = re.compile(r"[\s\-_.,，、]")
# Parameters that legitimately hold long digit strings (household codes, 18 digits).
_CODE_PARAMS = frozenset({"household", "code"})
# Detail routes take an integer key (spectacular names the path variable "id").
PK_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _folded(value: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))


def _looks_like_id(key: str, value: str) -> bool:
    folded = _folded(value)
    if key in _CODE_PARAMS:
        return len(folded) == 18 and idnumber.is_valid(folded)
    return bool(_LONG_DIGITS.search(folded))


def query_holds_id_number(request: Request) -> bool:
    """True when any query-string key or value looks like an identity number.

    Household codes are 18 digits too; for those parameters only a value that passes
    the full identity-number check counts.
    """
    for key, values in request.query_params.lists():
        if _LONG_DIGITS.search(_folded(key)):
            return True
        if any(_looks_like_id(key, value) for value in values):
            return True
    return False


class ApiView(GenericAPIView[Any]):
    """Base of every v1 endpoint.

    Subclasses declare ``required_caps`` per HTTP method (a method without one is
    refused with 403). Identity numbers in the query string are refused with 400
    before any handler runs, and the refusal is audited without the number.
    """

    permission_classes: ClassVar[list[Any]] = [IsAuthenticated, HasMethodCap]  # type: ignore[misc]
    parser_classes: ClassVar[list[Any]] = [JSONParser]  # type: ignore[misc]
    required_caps: ClassVar[dict[str, Cap]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if query_holds_id_number(request):
            audit_record(
                action="api.id_in_url",
                request=request._request,
                outcome="denied",
                detail={"path": request.path[:200]},
            )
            raise ValidationError(
                {
                    "detail": _(
                        "身份证号码不得放在网址中，请使用 POST /api/v1/persons/lookup/ 查询。"
                    )
                }
            )


def parse_query(request: Request, serializer_class: type[S]) -> dict[str, Any]:
    """The query string through a strict serializer (400 on unknown or bad parameters)."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def parse_body(request: Request, serializer_class: type[S]) -> dict[str, Any]:
    """The JSON body through a strict serializer (400 on malformed JSON or bad fields)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
