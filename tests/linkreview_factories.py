"""Feed rows, pending links and discrepancy items made directly (the probabilistic stage
makes pending links in production), and their permission-matrix objects."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

from django.utils import timezone

from renkou.core.models import ImportBatch
from renkou.exchange.models import FeedBatch, FeedLink, FeedRow, ReconcileRun
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem
from renkou.worklists.services import workitem_open
from tests.conftest import Cast
from tests.factories import make_person

_serial = itertools.count(1)


def feed_row(
    *, kind: str = "pupil", month: dt.date = dt.date(2026, 1, 1), **fields: object
) -> FeedRow:
    """One current FeedRow of ``kind`` in its own batch."""
    n = next(_serial)
    digest = hashlib.sha256(f"linkreview{n}".encode()).hexdigest()
    batch = ImportBatch.objects.create(kind=f"feed.{kind}", file_name=f"{kind}{n}.csv",
                                       sha256=digest, status="applied", size=1)  # fmt: skip
    feed_batch = FeedBatch.objects.create(kind=kind, month=month, import_batch=batch)
    values: dict[str, object] = {"row_number": 2, "natural_key": f"nk{n}", "content_hash": digest}
    values.update(fields)
    return FeedRow.objects.create(batch=feed_batch, **values)  # type: ignore[arg-type]


def latest_run(month: dt.date = dt.date(2026, 1, 1)) -> ReconcileRun:
    run = ReconcileRun.objects.filter(month=month, is_latest=True).first()
    return run or ReconcileRun.objects.create(month=month, started_at=timezone.now())


def pending_link(person: Person, row: FeedRow, *, probability: float = 0.72) -> FeedLink:
    """What the probabilistic stage leaves for a reviewer."""
    return FeedLink.objects.create(
        run=latest_run(row.batch.month), feed_row=row, person=person, org_unit=person.org_unit,
        method="probabilistic",
        probability=probability, role="self", review=FeedLink.Review.PENDING,
        evidence={"name": "pinyin", "dob": "day", "sex": "same", "place": "village"},
    )  # fmt: skip


def matrix_feedlink(cast: Cast) -> int:
    person = make_person(org_unit=cast.village, name="吴九", birth_date=dt.date(2015, 5, 5))
    row = feed_row(name="吴玖", sex="M", birth_date=dt.date(2015, 5, 5),
                   place="榴园镇大官庄村")  # fmt: skip
    return pending_link(person, row).pk


def discrepancy_item(cast: Cast, code: str = "conflicting") -> WorkItem:
    person = make_person(org_unit=cast.village, name="张伟", birth_date=dt.date(1980, 8, 8))
    row = feed_row(kind="police", name="张卫", sex="M", birth_date=dt.date(1980, 8, 8))
    return workitem_open(
        kind=f"discrepancy.{code}", org_unit=cast.village, title="错登：张伟",
        subject_person=person, subject_ref=f"feedrow:{row.pk}", source="reconcile:2026-01",
    )  # fmt: skip


def matrix_discrepancy(cast: Cast) -> int:
    return discrepancy_item(cast).pk


MATRIX_FACTORIES = {"feedlink": matrix_feedlink, "discrepancy": matrix_discrepancy}
