"""Dispatch reviews (调度): a dated snapshot of a township's items per village × kind.

The snapshot is stored as JSON rows so it stays what the meeting saw, whatever happens
to the items afterwards; `ReviewRow` is its typed form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap
from renkou.worklists.models import DispatchReview
from renkou.worklists.selectors import build_board, grouped_counts, workitem_queryset_for_user
from renkou.worklists.services import _require, _require_scope


@dataclass(frozen=True)
class ReviewRow:
    unit_id: int
    unit_name: str
    kind: str
    open: int
    overdue: int
    closed: int  # closed since the previous review of the township (or ever, for the first)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ReviewRow:
        return cls(
            unit_id=int(raw["unit_id"]),
            unit_name=str(raw["unit_name"]),
            kind=str(raw["kind"]),
            open=int(raw["open"]),
            overdue=int(raw["overdue"]),
            closed=int(raw["closed"]),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def review_rows(review: DispatchReview) -> list[ReviewRow]:
    return [ReviewRow.from_json(raw) for raw in review.rows]


def _snapshot(*, township: OrgUnit, actor: User, since: Any) -> list[ReviewRow]:
    today = timezone.localdate()
    subtree = list(OrgUnit.objects.filter(path__startswith=township.path))
    qs = workitem_queryset_for_user(user=actor).filter(org_unit__path__startswith=township.path)
    data = grouped_counts(qs, today=today, closed_since=since)
    board = build_board(unit=township, data=data, subtree=subtree)
    return [
        ReviewRow(
            unit_id=row.unit.pk,
            unit_name=row.unit.name,
            kind=kind,
            open=counts.open,
            overdue=counts.overdue,
            closed=counts.closed,
        )
        for row in board.rows
        for kind, counts in sorted(row.by_kind.items())
    ]


def dispatch_review_take(*, township: OrgUnit, actor: User, title: str) -> DispatchReview:
    """Take a progress snapshot of a township for a dispatch meeting (调度)."""
    _require(actor, Cap.ASSIGN_WORK)
    _require_scope(actor, township)
    if township.level != OrgUnit.Level.TOWNSHIP:
        raise ValidationError(_("调度须针对乡镇。"))
    if not title.strip():
        raise ValidationError(_("请填写标题。"))
    with transaction.atomic():
        previous = DispatchReview.objects.filter(org_unit=township).order_by("-taken_at").first()
        since = previous.taken_at if previous else None
        rows = _snapshot(township=township, actor=actor, since=since)
        review = DispatchReview.objects.create(
            org_unit=township,
            taken_at=timezone.now(),
            taken_by=actor,
            title=title.strip(),
            period_start=since,
            rows=[row.to_json() for row in rows],
        )
        audit_record(
            action="workitem.dispatch_review",
            actor=actor,
            object_type="dispatchreview",
            object_id=review.pk,
            detail={"township": township.code, "rows": len(rows)},
        )
    return review
