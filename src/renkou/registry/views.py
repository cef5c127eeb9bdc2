from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from renkou.core.roles import Cap, requires


@require_GET
@requires(Cap.VIEW_REGISTER)
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/overview.html", {})
