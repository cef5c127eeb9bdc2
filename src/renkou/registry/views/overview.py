from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from renkou.core.access import BUSINESS_ROLES, Rule
from renkou.core.roles import Cap, requires


@require_GET
@requires(Cap.VIEW_REGISTER)
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/overview.html", {})


urlpatterns = [path("", overview, name="overview")]
ACCESS = {"registry:overview": Rule(roles=BUSINESS_ROLES)}
