"""The whole permission matrix: every views module's ACCESS rules in one mapping."""

from __future__ import annotations

from types import ModuleType

from renkou.core.access import Rule


def _modules() -> list[ModuleType]:
    from renkou.api import views as api_views
    from renkou.core import views as core_views
    from renkou.core import views_accounts
    from renkou.exchange import urls as exchange_urls
    from renkou.programmes import urls as programme_urls
    from renkou.registry import urls as registry_urls
    from renkou.worklists import views as worklist_views

    return [
        core_views,
        views_accounts,
        api_views,
        worklist_views,
        *registry_urls.VIEW_MODULES,
        *exchange_urls.VIEW_MODULES,
        *programme_urls.VIEW_MODULES,
    ]


def matrix() -> dict[str, Rule]:
    merged: dict[str, Rule] = {}
    for module in _modules():
        rules: dict[str, Rule] = getattr(module, "ACCESS", {})
        duplicated = set(rules) & set(merged)
        if duplicated:
            raise ValueError(f"URL names declared twice in the matrix: {sorted(duplicated)}")
        merged.update(rules)
    return merged
