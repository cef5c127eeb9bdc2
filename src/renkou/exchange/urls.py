"""Department-data pages: feed upload, the link review queue, the monthly report."""

from __future__ import annotations

from types import ModuleType

from django.urls import URLPattern

from renkou.exchange.views import discrepancies, report, review, uploads

app_name = "exchange"
VIEW_MODULES: list[ModuleType] = [uploads, report, review, discrepancies]
urlpatterns: list[URLPattern] = [p for m in VIEW_MODULES for p in m.urlpatterns]
