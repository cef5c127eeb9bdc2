"""System checks: production must not run with an active superuser (it bypasses every
permission and every scope)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def no_active_superuser(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.RENKOU_ENV != "production":
        return []
    from renkou.core.models import User

    try:
        count = User.objects.filter(is_superuser=True, is_active=True).count()
    except DatabaseError:
        return []
    if count:
        return [Error("active superuser accounts exist", id="renkou.E001")]
    return []
