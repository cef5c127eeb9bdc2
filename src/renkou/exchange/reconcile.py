"""Reconciling a month's department feeds with the register (比对).

The register and the month's current feed rows go through the linkage cascade
(renkou.linkage); every feed subject gets a FeedLink (linked or not) and each
discrepancy class found (discrepancies.py) opens one work item in the ledger. A run is
ONE transaction; re-running a month keeps the old runs as history, drops their links
and never opens a second item for the same class, subject and feed row (one the system
closed is reopened; a corrected row takes over its predecessor's item; the items of its
rows it no longer finds are closed: reconcile_items.open_items). At its end the run
recounts the month's comparison report (report_tally.py).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from renkou.core.audit import audit_record
from renkou.core.db import insert_rows, refresh_planner_stats
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import unit_in_scope
from renkou.exchange.feeds import FEEDS
from renkou.exchange.link_review import decisions_apply
from renkou.exchange.linkage_store import active_model, linkage_backend, thresholds
from renkou.exchange.models import FeedLink, FeedRow, ReconcileRun
from renkou.exchange.reconcile_classes import Facts, Subject, classify, load_facts
from renkou.exchange.reconcile_inputs import feed_input, register_input
from renkou.exchange.reconcile_items import Compared, close_settled_duplicates, open_items
from renkou.exchange.reconcile_nohukou import open_no_hukou
from renkou.exchange.report_tally import tallies_deferred, tally_month_rebuild
from renkou.exchange.scope import batches_in, feed_unit
from renkou.exchange.services import IntakeError, parse_month
from renkou.linkage.matcher import match
from renkou.linkage.model import Backend, ModelError, StoredModel
from renkou.worklists.models import WorkItem, WorkItemEvent

__all__ = ["ReconcileSummary", "reconcile_month"]

BATCH: Final = 2000
_ROW_FIELDS: Final = (
    "id", "batch_id", "row_number", "name", "sex", "birth_date", "event_type", "event_date",
    "place", "household_code", "extra", "id_valid", "id_masked", "id2_valid", "id2_masked",
    "id_index", "id2_index", "natural_key",
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
    # found again after the system had closed their items (reconcile_items.open_items)
    items_reopened: int = 0
    # earlier items this run found settled: 未入户 registered, 重登 decided, and its rows'
    # discrepancies no longer found (reconcile_items.open_items)
    items_closed: int = 0
    pending_review: int = 0
    model: str = ""  # sha256 of the linkage model used ("" when none is trained yet)
    backend: str = ""
    seconds: float = 0.0

    def counts(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "subjects": self.subjects, "linked": self.linked,
            "by_kind": self.by_kind, "by_method": self.by_method, "by_class": self.by_class,
            "items_opened": self.items_opened, "items_existing": self.items_existing,
            "items_reopened": self.items_reopened, "items_closed": self.items_closed,
            "pending_review": self.pending_review,
        }  # fmt: skip


def _check_actor(actor: User | None, unit: OrgUnit | None) -> None:
    """The command line runs as the system (None); a user needs to import data and the
    compared unit must lie in their scope (a township clerk compares the township's
    feeds, the county every feed)."""
    if actor is None:
        return
    if not has_cap(actor, Cap.IMPORT_DATA) or unit is None or not unit_in_scope(actor, unit):
        raise PermissionDenied("无权对该单位的部门数据运行比对。")


def _runs_inside(unit: OrgUnit | None) -> Q:
    """Runs whose unit lies inside ``unit`` (the root's: every run)."""
    if unit is None or unit.parent_id is None:
        return Q()
    return Q(org_unit__path__startswith=unit.path)


def _rows(pks: list[int]) -> dict[int, FeedRow]:
    out: dict[int, FeedRow] = {}
    for start in range(0, len(pks), BATCH):
        out.update(FeedRow.objects.only(*_ROW_FIELDS).in_bulk(pks[start : start + BATCH]))
    return out


def _subjects(
    month: dt.date, pk_by_key: dict[str, int], register: Any, unit: OrgUnit | None, *,
    model: StoredModel | None, backend: Backend,
) -> list[Subject]:  # fmt: skip
    """Link every kind's current rows of the unit's files (the cascade, then the model);
    one Subject per row side. A model candidate between the thresholds keeps its person
    with review "pending": it counts as unlinked until a person confirms it."""
    inputs = [(kind, feed_input(kind, month, unit)) for kind in FEEDS]
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
            side = r["side"] if r["side"] in ("husband", "wife") else ""
            out.append(
                Subject(
                    kind=kind, row=rows[fi.row_ids[r["row"] - 1]], side=side,
                    person_id=person, method=r["method"] or "", role=r["role"] or "",
                    evidence={k: str(v) for k, v in (r["evidence"] or {}).items()
                              if v is not None},
                    probability=float(r["probability"] or 0.0),
                    review=r["review"] or "",
                )
            )  # fmt: skip
    return out


def _placed(subjects: list[Subject], facts: Facts, source: str) -> list[int | None]:
    """Where each subject counts in the report (FeedLink.org_unit): its (candidate)
    person's managing unit, else the unit of the first item opened for its unlinked row."""
    refs = sorted({f"feedrow:{s.row.pk}" for s in subjects if not s.person_id})
    item_units: dict[str, int] = {}
    for start in range(0, len(refs), BATCH):
        items = WorkItem.objects.filter(
            source=source, kind__startswith="discrepancy.", subject_person__isnull=True,
            subject_ref__in=refs[start : start + BATCH],
        ).order_by("pk")  # fmt: skip
        for ref, unit in items.values_list("subject_ref", "org_unit_id"):
            item_units.setdefault(ref, unit)
    return [
        facts.persons[s.person_id].org_unit_id if s.person_id
        else item_units.get(f"feedrow:{s.row.pk}")
        for s in subjects
    ]  # fmt: skip


def _links(
    run: ReconcileRun, subjects: list[Subject], classes: list[list[str]], units: list[int | None]
) -> None:
    # 10^5 links a county month: COPY on PostgreSQL (core.db.insert_rows).
    insert_rows(
        [
            FeedLink(
                run=run,
                feed_row_id=s.row.pk,
                side=s.side,
                person_id=s.person_id,
                method=s.method,
                # A deterministic link is certain; a model link keeps its probability.
                probability=(s.probability or 1.0) if s.person_id else 0.0,
                role=s.role,
                evidence=s.evidence,
                discrepancy=codes[0] if codes else "",
                review=s.review,
                org_unit_id=unit,
            )
            for s, codes, unit in zip(subjects, classes, units, strict=True)
        ]
    )


def _summarise(
    summary: ReconcileSummary, subjects: list[Subject], classes: list[list[str]]
) -> None:
    summary.subjects = len(subjects)
    summary.rows = len({s.row.pk for s in subjects})
    summary.linked = sum(1 for s in subjects if s.linked)
    summary.by_kind = dict(Counter(s.kind for s in subjects))
    summary.by_method = dict(Counter(s.method for s in subjects if s.method))
    summary.by_class = dict(Counter(c for codes in classes for c in codes))
    summary.pending_review = sum(1 for s in subjects if s.review == "pending")


def reconcile_month(
    *,
    month: str | dt.date,
    actor: User | None,
    unit: OrgUnit | None = None,
    backend: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReconcileSummary:
    """Compare the month's current feed rows of ``unit``'s files (default: the actor's
    unit; the command line's is the whole county) with the whole register; store the
    links and open one work item per discrepancy (audited as ``reconcile.run``). The
    probabilistic stage runs with the active stored model (none trained yet: the cascade
    alone) on ``backend`` (default: the settings' RENKOU_LINKAGE_BACKEND). ``progress``
    hears, at each phase's end, an estimate of the feed rows done (linking is most of
    the work: linked 60 %, classified 75 %, links stored 90 %)."""
    unit = feed_unit(actor, unit)
    _check_actor(actor, unit)
    first, started, clock = parse_month(month), timezone.now(), time.perf_counter()
    try:
        stored = active_model()
    except ModelError as exc:
        raise IntakeError(str(exc)) from exc
    reg = register_input()
    with linkage_backend(backend) as engine:  # Spark stops (its scratch goes) right after
        subjects = _subjects(
            first, reg.pk_by_key, reg.register, unit,
            model=stored[1] if stored else None, backend=engine,
        )  # fmt: skip
    # After every linking stage: reviewers' earlier decisions win (link_review.py).
    decisions_apply(subjects)
    rows = len({s.row.pk for s in subjects})

    def reached(share: float) -> None:
        if progress is not None:
            progress(int(rows * share))

    reached(0.60)
    facts: Facts = load_facts(subjects)
    classes = [classify(s, facts) for s in subjects]
    reached(0.75)
    source = f"reconcile:{first:%Y-%m}"
    # The run recounts its month's report at its end: the ledger's notices about the
    # month's items are not counted one by one meanwhile.
    with transaction.atomic(), tallies_deferred(first):
        # One run of a month at a time; this run takes over the links of every feed row
        # it covers, and earlier runs of units inside this one are history.
        month_runs = ReconcileRun.objects.select_for_update().filter(month=first)
        list(month_runs.values_list("pk", flat=True))
        FeedLink.objects.filter(
            batches_in(unit, prefix="feed_row__batch__"), run__month=first
        ).delete()
        month_runs.filter(is_latest=True).filter(_runs_inside(unit)).update(is_latest=False)
        run = ReconcileRun.objects.create(
            month=first, org_unit=unit, started_at=started, created_by=actor
        )
        refresh_planner_stats(FeedLink, WorkItem, WorkItemEvent)
        summary = ReconcileSummary(run.pk, f"{first:%Y-%m}")
        summary.model, summary.backend = (stored[0].sha256 if stored else ""), engine.name
        _summarise(summary, subjects, classes)
        # Items open where the person is registered, which may lie outside the unit of
        # a township's run (a person of another township in its police file): the run
        # opens them on the system's behalf; the run itself is audited under the actor.
        # The 重登 items whose pair was decided on the registry's duplicates page close
        # first, with their own note; then the run's items open, reopen, follow their
        # corrected rows, and those of its rows it no longer finds close.
        settled = close_settled_duplicates()
        counted = open_items(subjects, classes, facts, source=source, actor=None,
                             compared=Compared(first, unit))  # fmt: skip
        summary.items_opened, summary.items_existing, summary.items_reopened = counted[:3]
        # The links go in after the items: an unlinked subject counts where its item is.
        _links(run, subjects, classes, _placed(subjects, facts, source))
        reached(0.90)
        # 未入户 looks back over earlier months' birth certificates (reconcile_nohukou.py).
        # It also closes the earlier ones whose registration has come since.
        no_hukou, registered = open_no_hukou(
            month=first, subjects=subjects, source=source, actor=None, unit=unit,
        )  # fmt: skip
        if no_hukou:
            summary.items_opened += no_hukou
            summary.by_class["no_hukou"] = no_hukou
        summary.items_closed = registered + settled + counted.closed
        run.counts, run.finished_at = summary.counts(), timezone.now()
        run.save(update_fields=["counts", "finished_at"])
        audit_record(
            action="reconcile.run", actor=actor, object_type="reconcilerun", object_id=run.pk,
            detail={
                "month": summary.month, "unit": unit.code if unit else "",
                "rows": summary.rows, "subjects": summary.subjects,
                "linked": summary.linked, "items_opened": summary.items_opened,
                "items_existing": summary.items_existing,
                "items_reopened": summary.items_reopened, "items_closed": summary.items_closed,
                **{f"class.{k}": v for k, v in sorted(summary.by_class.items())},
            },
        )  # fmt: skip
        tally_month_rebuild(first, actor=actor)
    summary.seconds = round(time.perf_counter() - clock, 3)
    return summary
