from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from renkou.core.roles import Cap, has_cap


def renkou(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    caps = {cap.value: has_cap(user, cap) for cap in Cap} if user is not None else {}
    return {"caps": caps}
