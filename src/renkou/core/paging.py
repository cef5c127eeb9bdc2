"""Paging long lists: find the page's keys first, then load only those rows.

A deep page (OFFSET 10 000) of a list joined to persons, households and users makes the
database join every skipped row too. `KeysFirstPaginator` asks for the page's primary
keys in the list's order (the ORDER BY and the filters, no display joins), then loads
those rows with the queryset's joins and returns them in that order.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class KeysFirstPaginator(Paginator[Any]):
    """A Paginator over an ordered QuerySet whose pages are fetched keys first."""

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        by_key = {obj.pk: obj for obj in rows.order_by().filter(pk__in=keys)}
        return Page([by_key[k] for k in keys if k in by_key], number, self)
