"""The item list's filters, and the per-user saved filters (保存的筛选)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.worklists.kinds import get_kind
from renkou.worklists.models import SavedFilter, WorkItem

MAX_SAVED_FILTERS = 30


# Sort keys of the list: (label, ORDER BY). Every ordering ends in the primary key so
# pages never overlap; the first columns are served by the item indexes.
SORTS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "due": (gettext_lazy("按期限"), ("status", "due_date", "id")),
    "opened": (gettext_lazy("按挂账时间（新的在前）"), ("status", "-opened_at", "-id")),
    "village": (gettext_lazy("按村居"), ("org_unit__code", "status", "due_date", "id")),
}


def _digits(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


@dataclass(frozen=True)
class ItemFilter:
    """A validated filter: unknown or malformed values are dropped, never passed on."""

    kind: str = ""
    status: str = WorkItem.Status.OPEN
    overdue: bool = False
    village: int | None = None
    assignee: str = ""  # "", "none", or a user pk
    sort: str = "due"

    @classmethod
    def parse(cls, data: QueryDict | dict[str, str]) -> ItemFilter:
        kind = str(data.get("kind", ""))
        status = str(data.get("status", WorkItem.Status.OPEN))
        assignee = str(data.get("assignee", ""))
        sort = str(data.get("sort", "due"))
        if assignee != "none":
            assignee = str(_digits(assignee) or "")
        return cls(
            kind=kind if get_kind(kind) else "",
            status=status if status in WorkItem.Status.values or status == "all" else "open",
            overdue=data.get("overdue") == "1",
            village=_digits(str(data.get("village", ""))),
            assignee=assignee,
            sort=sort if sort in SORTS else "due",
        )

    def apply(self, qs: QuerySet[WorkItem], *, today: dt.date) -> QuerySet[WorkItem]:
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.status != "all":
            qs = qs.filter(status=self.status)
        if self.overdue:
            qs = qs.filter(status=WorkItem.Status.OPEN, due_date__lt=today)
        if self.village is not None:
            # The unit's subtree (a village's groups too); the scope door already applies.
            qs = qs.filter(Q(org_unit_id=self.village) | Q(org_unit__parent_id=self.village))
        if self.assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif self.assignee:
            qs = qs.filter(assignee_id=int(self.assignee))
        return qs

    def ordering(self) -> tuple[str, ...]:
        return SORTS[self.sort][1]

    def to_query(self) -> str:
        """The canonical query string (what a saved filter stores)."""
        pairs = {
            "kind": self.kind,
            "status": self.status,
            "overdue": "1" if self.overdue else "",
            "village": str(self.village or ""),
            "assignee": self.assignee,
            "sort": "" if self.sort == "due" else self.sort,
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def saved_filter_save(*, user: User, name: str, query: str) -> SavedFilter:
    """Save (or replace) the user's filter of that name; the query is re-validated."""
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError(_("请填写筛选名称（不超过60字）。"))
    canonical = ItemFilter.parse(QueryDict(query)).to_query()
    with transaction.atomic():
        existing = SavedFilter.objects.filter(user=user)
        if existing.count() >= MAX_SAVED_FILTERS and not existing.filter(name=name).exists():
            raise ValidationError(_("保存的筛选已达上限。"))
        saved, _created = SavedFilter.objects.update_or_create(
            user=user, name=name, defaults={"query": canonical}
        )
        audit_record(
            action="savedfilter.save", actor=user, object_type="savedfilter", object_id=saved.pk
        )
    return saved


def saved_filter_delete(*, saved: SavedFilter, actor: Any) -> None:
    """Delete one of the actor's own saved filters (anyone else's is refused)."""
    if saved.user_id != actor.pk:
        raise PermissionDenied(_("只能删除自己保存的筛选。"))
    with transaction.atomic():
        pk = saved.pk
        saved.delete()
        audit_record(
            action="savedfilter.delete", actor=actor, object_type="savedfilter", object_id=pk
        )
