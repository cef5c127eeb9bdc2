"""Service-programme pages: campaigns, the NFPCP, voluntary contraceptive services."""

from __future__ import annotations

from types import ModuleType

from django.urls import URLPattern

from renkou.programmes.views import campaigns, contraception, nfpcp

app_name = "programmes"
VIEW_MODULES: list[ModuleType] = [campaigns, nfpcp, contraception]
urlpatterns: list[URLPattern] = [p for m in VIEW_MODULES for p in m.urlpatterns]
