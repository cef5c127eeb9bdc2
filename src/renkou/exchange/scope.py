"""Whose feeds: a feed file belongs to a unit (the whole county, or one township), and a
comparison covers the feeds of one unit.

A township clerk sends the township's own files (its police station, its schools) and
compares them; the county may send whole-county files instead. For one kind and month
the two must not overlap: a township's file and the county's file of the same month
would hold the same people twice, so the second is refused with a clear message.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from renkou.core.intake import IntakeError
from renkou.core.models import OrgUnit, User
from renkou.exchange.models import FeedBatch


def root_unit() -> OrgUnit | None:
    return OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()


def feed_unit(actor: User | None, unit: OrgUnit | None = None) -> OrgUnit | None:
    """The unit a feed file or a comparison is for: the one given, else the actor's,
    else (the command line) the whole county."""
    if unit is not None:
        return unit
    if actor is not None and actor.org_unit is not None:
        return actor.org_unit
    return root_unit()


def batches_in(unit: OrgUnit | None, *, prefix: str = "batch__") -> Q:
    """Feed batches whose data lies inside ``unit`` (the root's covers every batch,
    including those imported before units were recorded)."""
    if unit is None or unit.parent_id is None:
        return Q()
    return Q(**{f"{prefix}org_unit__path__startswith": unit.path})


def _covers(outer: str, inner: str) -> bool:
    return inner.startswith(outer)


def check_no_overlap(*, kind: str, month: dt.date, unit: OrgUnit | None) -> None:
    """Refuse a file whose unit contains, or lies inside, the unit of another current
    file of the same kind and month."""
    if unit is None:
        return
    others = (
        FeedBatch.objects.filter(
            kind=kind,
            month=month,
            rows__superseded_by__isnull=True,
            rows__withdrawn=False,
        )
        .exclude(org_unit=unit)
        .values_list("org_unit__path", "org_unit__name")
        .distinct()
    )
    for path, name in others:
        if path is None and unit.parent_id is None:
            continue  # a whole-county file of old is the county's own: a correction
        if path is None or _covers(path, unit.path) or _covers(unit.path, path):
            holder = name or "全县"
            raise IntakeError(
                f"{month:%Y-%m} 的该类数据已由“{holder}”导入，与“{unit.name}”的范围重叠："
                "同一月份的同类数据只能由县级统一报送或由各乡镇分别报送。"
            )


def unit_by_code(code: str) -> OrgUnit | None:
    """The unit named on the command line (``--unit``); "" is the whole county."""
    code = code.strip()
    if not code:
        return None
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise IntakeError(f"没有代码为 {code} 的单位。")
    return unit
