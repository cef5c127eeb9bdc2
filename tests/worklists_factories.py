"""Test data for the ledger (挂账销号) and its permission-matrix objects."""

from __future__ import annotations

import datetime as dt
import itertools

from renkou.core.models import OrgUnit, User
from renkou.worklists.models import SavedFilter, WorkItem
from renkou.worklists.reviews import dispatch_review_take
from renkou.worklists.services import workitem_open
from tests.conftest import Cast
from tests.factories import make_person

_serial = itertools.count(1)


def open_item(
    *,
    org_unit: OrgUnit,
    kind: str = "followup",
    due_date: dt.date | None = None,
    actor: User | None = None,
    with_person: bool = True,
) -> WorkItem:
    """An open item of `org_unit` (a fresh person as subject, so it is never a duplicate)."""
    n = next(_serial)
    person = make_person(org_unit=org_unit) if with_person else None
    return workitem_open(
        kind=kind,
        org_unit=org_unit,
        title=f"事项{n}",
        due_date=due_date,
        source=f"test:{n}",
        subject_person=person,
        actor=actor,
    )


def matrix_workitem(cast: Cast) -> int:
    return open_item(org_unit=cast.village).pk


def matrix_review(cast: Cast) -> int:
    open_item(org_unit=cast.village)
    return dispatch_review_take(
        township=cast.township, actor=cast.users["clerk"], title="调度会"
    ).pk


def matrix_savedfilter(cast: Cast) -> int:
    # The officer's own filter: the officer deletes it; clerk/head/county (in scope, not the
    # owner) are refused with a message; other_officer/other_clerk get 404.
    return SavedFilter.objects.create(
        user=cast.users["officer"], name="超期随访", query="kind=followup&overdue=1"
    ).pk


# The smallest valid PNG signature plus a few bytes: enough for the byte check.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def matrix_attachment(cast: Cast) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from renkou.worklists.evidence import attachment_add

    item = open_item(org_unit=cast.village)
    upload = SimpleUploadedFile("签字表.png", PNG, content_type="image/png")
    return attachment_add(item=item, upload=upload, actor=cast.users["officer"]).pk


MATRIX_FACTORIES = {
    "workitem": matrix_workitem,
    "attachment": matrix_attachment,
    "review": matrix_review,
    "savedfilter": matrix_savedfilter,
}
