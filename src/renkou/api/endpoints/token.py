"""POST username + password → API token, behind the same lockout as the login page."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from renkou.api.endpoints.base import parse_body
from renkou.api.serializers import TokenRequestSerializer, TokenSerializer
from renkou.api.throttling import TOKEN_SCOPE, TokenRateThrottle
from renkou.core.audit import audit_record, client_ip
from renkou.core.models import User
from renkou.core.roles import ADMIN_ROLES
from renkou.core.services import login_failure_record, login_failures_clear, login_is_locked

# A username is free text: anything shaped like an identity number is masked before
# it reaches the audit log (which would refuse it).
_DIGIT_RUN = re.compile(r"\d{6,}")


def _audited_name(username: str) -> str:
    return _DIGIT_RUN.sub("******", username)[:150]


def _refuse(request: Request, username: str, action: str) -> ValidationError:
    """Count the failure, audit it, and give the one answer every failure gets."""
    ip = client_ip(request._request)
    with transaction.atomic():
        login_failure_record(username=username, ip=ip)
        audit_record(
            action=action,
            request=request._request,
            outcome="denied",
            detail={"username": _audited_name(username), "source": "api"},
        )
    return ValidationError({"detail": _("用户名或密码错误，或账号已被暂时锁定。")})


class TokenView(APIView):
    """Exchange credentials for a token (same lockout and audit as the web login)."""

    authentication_classes: ClassVar[list[Any]] = []  # type: ignore[misc]
    permission_classes: ClassVar[list[Any]] = [AllowAny]  # type: ignore[misc]
    parser_classes: ClassVar[list[Any]] = [JSONParser]  # type: ignore[misc]
    throttle_classes: ClassVar[list[Any]] = [TokenRateThrottle]  # type: ignore[misc]
    throttle_scope = TOKEN_SCOPE

    @extend_schema(
        operation_id="token_create",
        request=TokenRequestSerializer,
        responses=TokenSerializer,
        auth=[],
        summary="获取接口令牌",
    )
    def post(self, request: Request, version: str) -> Response:
        params = parse_body(request, TokenRequestSerializer)
        username, password = params["username"].strip(), params["password"]
        if login_is_locked(username=username, ip=client_ip(request._request)):
            raise _refuse(request, username, "login.locked")
        user = authenticate(request._request, username=username, password=password)
        if not isinstance(user, User):
            raise _refuse(request, username, "login.failed")
        if user.role in ADMIN_ROLES:
            # Administrators sign in with a second factor, which a token would bypass;
            # their duties have no API.
            raise _refuse(request, username, "login.failed")
        with transaction.atomic():
            login_failures_clear(username=username)
            # A new token revokes the previous one (one token per account).
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user)
            audit_record(action="api.token", actor=user, request=request._request)
        return Response({"token": token.key})
