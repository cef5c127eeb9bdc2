"""Capabilities (core.roles) as DRF permissions: the API refuses exactly what the pages refuse."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from renkou.core.roles import Cap, has_cap


class HasMethodCap(BasePermission):
    """Allows a request when the user's role carries the view's capability for its method.

    Views declare ``required_caps = {"GET": Cap.VIEW_REGISTER, "POST": ...}``; a method
    without an entry is refused, so a new handler cannot be left open by accident.
    """

    message = gettext_lazy("您的角色无权执行此操作。")

    def has_permission(self, request: Request, view: Any) -> bool:
        caps: dict[str, Cap] = getattr(view, "required_caps", {})
        method = "GET" if request.method in ("HEAD", "OPTIONS") else str(request.method)
        cap = caps.get(method)
        return cap is not None and has_cap(request.user, cap)
