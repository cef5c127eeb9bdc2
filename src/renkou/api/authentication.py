"""Token authentication whose tokens expire, like a session's absolute lifetime."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_expired(token: Token) -> bool:
    lifetime = dt.timedelta(hours=settings.RENKOU_API_TOKEN_HOURS)
    return bool(token.created + lifetime < timezone.now())


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(_("接口令牌已过期，请重新获取。"))
        return user, token
