"""Reconciling a month's department feeds with the register (比对).

The register and the month's current feed rows go through the linkage cascade
(renkou.linkage); every feed subject gets a FeedLink (linked or not) and each
discrepancy class found (discrepancies.py) opens one work item in the ledger. A run is
ONE transaction; re-running a month keeps the old runs as history, drops their links
and never opens a second item for the same class, subject and feed row.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.core.roles import Cap, has_cap
from renkou.exchange.feeds import FEEDS
from renkou.exchange.linkage_store import active_model, make_backend, thresholds
from renkou.exchange.models import FeedLink, FeedRow, ReconcileRun
from renkou.exchange.reconcile_classes import Facts, Subject, classify, load_facts
from renkou.exchange.reconcile_inputs import feed_input, register_input
from renkou.exchange.reconcile_items import open_items
from renkou.exchange.services import IntakeError, parse_month
from renkou.linkage.matcher import match
from renkou.linkage.model import Backend, ModelError, StoredModel

__all__ = ["ReconcileSummary", "reconcile_month"]

BATCH: Final = 2000
_ROW_FIELDS: Final = (
    "id", "batch_id", "row_number", "name", "sex", "birth_date", "event_type", "event_date",
    "place", "household_code", "extra", "id_valid", "id_masked", "id2_valid", "id2_masked",
)  # fmt: skip


@dataclass
class ReconcileSummary:
    """What a run found; ``by_*`` are counts."""

    run_id: int
    month: str
    rows: int = 0
    subjects: int = 0
    linked: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_method: dict[str, int] = field(default_factory=dict)
    by_class: dict[str, int] = field(default_factory=dict)
    items_opened: int = 0
    items_existing: int = 0
    pending_review: int = 0
    model: str = ""  # sha256 of the linkage model used ("" when none is trained yet)
    backend: str = ""
    seconds: float = 0.0

    def counts(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "subjects": self.subjects, "linked": self.linked,
            "by_kind": self.by_kind, "by_method": self.by_method, "by_class": self.by_class,
            "items_opened": self.items_opened, "items_existing": self.items_existing,
            "pending_review": self.pending_review,
        }  # fmt: skip


def _check_actor(actor: User | None) -> None:
    """The command line runs as the system (None); a user must import data county-wide."""
    if actor is None:
        return
    if not has_cap(actor, Cap.IMPORT_DATA) or actor.org_unit is None or actor.org_unit.parent_id:
        raise PermissionDenied("只有县级数据管理人员可以运行比对。")


def _rows(pks: list[int]) -> dict[int, FeedRow]:
    out: dict[int, FeedRow] = {}
    for start in range(0, len(pks), BATCH):
        out.update(FeedRow.objects.only(*_ROW_FIELDS).in_bulk(pks[start : start + BATCH]))
    return out


def _subjects(
    month: dt.date, pk_by_key: dict[str, int], register: Any, *,
    model: StoredModel | None, backend: Backend,
) -> list[Subject]:  # fmt: skip
    """Link every kind's current rows (cascade, then the model); one Subject per row side.
    A model candidate between the thresholds is kept as ``candidate_id`` with review
    "pending": it counts as unlinked until a person confirms it."""
    inputs = [(kind, feed_input(kind, month)) for kind in FEEDS]
    inputs = [(kind, fi) for kind, fi in inputs if fi.row_ids]
    results = match(
        register, [fi.feed for _, fi in inputs], model=model, thresholds=thresholds(),
        backend=backend,
    )  # fmt: skip
    out: list[Subject] = []
    for (kind, fi), result in zip(inputs, results, strict=True):
        rows = _rows(fi.row_ids)
        for r in result.table.to_pylist():
            person = pk_by_key.get(r["person"]) if r["person"] is not None else None
            pending = r["review"] == "pending"
            side = r["side"] if r["side"] in ("husband", "wife") else ""
            out.append(
                Subject(
                    kind=kind, row=rows[fi.row_ids[r["row"] - 1]], side=side,
                    person_id=None if pending else person, method=r["method"] or "",
                    role=r["role"] or "",
                    evidence={k: str(v) for k, v in (r["evidence"] or {}).items()
                              if v is not None},
                    probability=float(r["probability"] or 0.0),
                    review=r["review"] or "", candidate_id=person if pending else None,
                )
            )  # fmt: skip
    return out


def _links(run: ReconcileRun, subjects: list[Subject], classes: list[list[str]]) -> None:
    FeedLink.objects.bulk_create(
        [
            FeedLink(
                run=run,
                feed_row_id=s.row.pk,
                side=s.side,
                person_id=s.person_id or s.candidate_id,
                method=s.method,
                probability=s.probability if (s.person_id or s.candidate_id) else 0.0,
                review=s.review,
                role=s.role,
                evidence=s.evidence,
                discrepancy=codes[0] if codes else "",
            )
            for s, codes in zip(subjects, classes, strict=True)
        ],
        batch_size=BATCH,
    )


def _summarise(
    summary: ReconcileSummary, subjects: list[Subject], classes: list[list[str]]
) -> None:
    summary.subjects = len(subjects)
    summary.rows = len({s.row.pk for s in subjects})
    summary.linked = sum(1 for s in subjects if s.person_id)
    summary.by_kind = dict(Counter(s.kind for s in subjects))
    summary.by_method = dict(Counter(s.method for s in subjects if s.method))
    summary.by_class = dict(Counter(c for codes in classes for c in codes))
    summary.pending_review = sum(1 for s in subjects if s.review == "pending")


def reconcile_month(
    *, month: str | dt.date, actor: User | None, backend: str | None = None
) -> ReconcileSummary:
    """Compare the month's current feed rows with the register; store the links and open
    one work item per discrepancy (audited as ``reconcile.run``). The probabilistic stage
    runs with the active stored model (none trained yet: the cascade alone) on ``backend``
    (default: the settings' RENKOU_LINKAGE_BACKEND)."""
    _check_actor(actor)
    first, started, clock = parse_month(month), timezone.now(), time.perf_counter()
    try:
        stored = active_model()
    except ModelError as exc:
        raise IntakeError(str(exc)) from exc
    engine = make_backend(backend)
    reg = register_input()
    subjects = _subjects(
        first, reg.pk_by_key, reg.register, model=stored[1] if stored else None, backend=engine
    )
    facts: Facts = load_facts(subjects)
    classes = [classify(s, facts) for s in subjects]
    with transaction.atomic():
        previous = ReconcileRun.objects.select_for_update().filter(month=first, is_latest=True)
        FeedLink.objects.filter(run__month=first).delete()
        previous.update(is_latest=False)
        run = ReconcileRun.objects.create(month=first, started_at=started, created_by=actor)
        _links(run, subjects, classes)
        summary = ReconcileSummary(run.pk, f"{first:%Y-%m}")
        summary.model, summary.backend = (stored[0].sha256 if stored else ""), engine.name
        _summarise(summary, subjects, classes)
        summary.items_opened, summary.items_existing = open_items(
            subjects, classes, facts, source=f"reconcile:{first:%Y-%m}", actor=actor
        )
        run.counts, run.finished_at = summary.counts(), timezone.now()
        run.save(update_fields=["counts", "finished_at"])
        audit_record(
            action="reconcile.run", actor=actor, object_type="reconcilerun", object_id=run.pk,
            detail={
                "month": summary.month, "rows": summary.rows, "subjects": summary.subjects,
                "linked": summary.linked, "items_opened": summary.items_opened,
                "items_existing": summary.items_existing,
                **{f"class.{k}": v for k, v in sorted(summary.by_class.items())},
            },
        )  # fmt: skip
    summary.seconds = round(time.perf_counter() - clock, 3)
    return summary
