"""Worklist pages (挂账销号)."""

from __future__ import annotations

from django.urls import URLPattern

from renkou.core.access import Rule

urlpatterns: list[URLPattern] = []
ACCESS: dict[str, Rule] = {}
