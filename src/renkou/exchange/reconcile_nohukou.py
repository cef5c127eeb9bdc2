"""未入户 (birth without hukou): a birth certificate with no police birth registration
after N months (settings.RENKOU_NO_HUKOU_MONTHS, DOMAIN.md §5).

Unlike the other classes this one looks across months: reconciling month M checks the
current birth-certificate rows of months up to M − N (a year back at most) against the
police birth rows from the certificate's month up to M. A police row registers the baby
when it has the same birth date (± 1 day) and either the baby's name or the mother (the
cascade's mother link of that police row). A child of the mother in the register that
already has an identity number counts as registered too. One item per certificate ever:
a certificate whose 未入户 item exists (open or closed) is not looked at again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Final

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from renkou.core.i18n import register_text
from renkou.core.models import OrgUnit, User
from renkou.exchange import discrepancies as d
from renkou.exchange.models import FeedLink, FeedRow
from renkou.exchange.reconcile_classes import Subject
from renkou.exchange.reconcile_items import _Places, _title, meeting_due_date
from renkou.exchange.scope import batches_in
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.services import workitem_close, workitem_open

__all__ = ["add_months", "open_no_hukou"]

LOOKBACK_MONTHS: Final = 12
CHUNK: Final = 2000
SLACK: Final = dt.timedelta(days=1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after (or before) ``month``."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _current(
    kind: str, first: dt.date, last: dt.date, unit: OrgUnit | None = None
) -> QuerySet[FeedRow]:
    return FeedRow.objects.filter(
        batches_in(unit), batch__kind=kind, batch__month__range=(first, last),
        superseded_by__isnull=True, withdrawn=False,
    ).select_related("batch").order_by("pk")  # fmt: skip


def _police_mothers(police: list[FeedRow], subjects: list[Subject]) -> dict[int, int]:
    """Police birth row pk → the mother the cascade linked it to (this run or the latest
    run of its month)."""
    out: dict[int, int] = {}
    pks = [p.pk for p in police]
    for start in range(0, len(pks), CHUNK):
        rows = FeedLink.objects.filter(
            feed_row__in=pks[start : start + CHUNK], run__is_latest=True, role="mother",
            person__isnull=False, review__in=(FeedLink.Review.NONE, FeedLink.Review.CONFIRMED),
        ).values_list("feed_row_id", "person_id")  # fmt: skip
        out.update({row: person for row, person in rows if person is not None})
    for s in subjects:
        if s.police_birth and s.role == "mother" and s.linked and s.person_id:
            out[s.row.pk] = s.person_id
    return out


def _registered(
    cert: FeedRow, mothers: list[int], police: dict[dt.date, list[FeedRow]],
    police_mother: dict[int, int], children: dict[int, list[dt.date]],
) -> bool:  # fmt: skip
    born = cert.birth_date
    if born is None:
        return True  # nothing to compare: no item
    for day in (born - SLACK, born, born + SLACK):
        for p in police.get(day, []):
            if p.batch.month < cert.batch.month:
                continue
            if (cert.name and p.name == cert.name) or police_mother.get(p.pk) in mothers:
                return True
    return any(abs(b - born) <= SLACK for m in mothers for b in children.get(m, []))


def _still_open(unit: OrgUnit | None) -> tuple[dict[int, WorkItem], list[FeedRow]]:
    """The open 未入户 items by certificate row, and those rows (of ``unit``'s files)."""
    still_open: dict[int, WorkItem] = {}
    for item in WorkItem.objects.filter(
        kind=d.NO_HUKOU.kind, status=WorkItem.Status.OPEN, subject_ref__startswith="feedrow:"
    ):
        key = item.subject_ref.removeprefix("feedrow:")
        if key.isdigit():
            still_open[int(key)] = item
    rows = FeedRow.objects.filter(batches_in(unit), pk__in=list(still_open))
    return still_open, list(rows.select_related("batch").order_by("pk"))


def open_no_hukou(
    *,
    month: dt.date,
    subjects: list[Subject],
    source: str,
    actor: User | None,
    unit: OrgUnit | None = None,
) -> tuple[int, int]:
    """Open one 未入户 item per overdue certificate of ``unit``'s files (the police
    registration may come from any file of the county), and close the open ones whose
    registration has arrived since; returns (opened, closed)."""
    last = add_months(month, -int(settings.RENKOU_NO_HUKOU_MONTHS))
    first = add_months(last, -(LOOKBACK_MONTHS - 1))
    seen = set(WorkItem.objects.filter(kind=d.NO_HUKOU.kind).values_list("subject_ref", flat=True))
    certs = [c for c in _current("birth_cert", first, last, unit) if f"feedrow:{c.pk}" not in seen]
    # Open items of earlier runs are checked again: a registration may have come since.
    still_open, recheck = _still_open(unit)
    if not certs and not recheck:
        return 0, 0
    police_rows = list(_current("police", first, month).filter(event_type="birth"))
    police: dict[dt.date, list[FeedRow]] = defaultdict(list)
    for p in police_rows:
        if p.birth_date is not None:
            police[p.birth_date].append(p)
    police_mother = _police_mothers(police_rows, subjects)
    mothers: dict[str, list[Person]] = defaultdict(list)
    indexes = sorted({c.id_index for c in (*certs, *recheck) if c.id_index})
    for start in range(0, len(indexes), CHUNK):
        found = Person.objects.filter(id_index__in=indexes[start : start + CHUNK])
        for m in found.select_related("org_unit").order_by("pk"):
            mothers[m.id_index].append(m)
    children: dict[int, list[dt.date]] = defaultdict(list)
    mother_pks = [m.pk for ms in mothers.values() for m in ms]
    for start in range(0, len(mother_pks), CHUNK):
        born_rows = Person.objects.filter(mother_id__in=mother_pks[start : start + CHUNK])
        for mother_pk, born in born_rows.exclude(id_index="").values_list(
            "mother_id", "birth_date"
        ):
            if mother_pk is not None:
                children[mother_pk].append(born)
    places = _Places()
    due = meeting_due_date(source)
    opened = 0
    for cert in certs:
        ms = mothers.get(cert.id_index, []) if cert.id_index else []
        if _registered(cert, [m.pk for m in ms], police, police_mother, children):
            continue
        mother = next((m for m in ms if m.is_active), ms[0] if ms else None)
        s = Subject(
            kind="birth_cert", row=cert, side="", person_id=mother.pk if mother else None,
            method="", role="mother", evidence={},
        )  # fmt: skip
        workitem_open(
            kind=d.NO_HUKOU.kind, org_unit=mother.org_unit if mother else places.unit_of(s),
            title=_title(d.NO_HUKOU.code, s, mother), source=source, subject_person=mother,
            subject_ref=f"feedrow:{cert.pk}", actor=actor, due_date=due,
        )  # fmt: skip
        opened += 1
    registered = [
        still_open[cert.pk]
        for cert in recheck
        if _registered(
            cert, [m.pk for m in mothers.get(cert.id_index, [])] if cert.id_index else [],
            police, police_mother, children,
        )
    ]  # fmt: skip
    for item in registered:
        workitem_close(
            item=item, outcome=Outcome.RESOLVED, evidence="", actor=None,
            expected_version=item.version,
            note=register_text(_("比对发现公安出生登记已到，新生儿已入户。")),
        )  # fmt: skip
    return opened, len(registered)
