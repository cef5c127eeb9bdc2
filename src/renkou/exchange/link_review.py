"""Human review of uncertain links (人工审核): the queue, decisions and their history.

The probabilistic stage leaves pairs between its two thresholds as FeedLinks with review
"pending"; until someone decides they count as unlinked. A decision (confirmed /
rejected, or back to pending to undo) is a LinkDecision row keyed by the feed row's kind,
natural key, side and the person — so a re-run of the month honours it
(``decisions_apply``) — and the subject is classified again at once: items the link no
longer implies are closed as resolved by the system, items it now implies are opened,
or reopened when the system had closed them (one item per discrepancy).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Final

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import scope_filter, unit_in_scope
from renkou.exchange import discrepancies as d
from renkou.exchange.models import FeedLink, LinkDecision
from renkou.exchange.reconcile_classes import Subject, classify, load_facts
from renkou.exchange.reconcile_items import ItemCounts, open_items
from renkou.exchange.report_tally import link_state, tally_link_changed
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.services import workitem_close

__all__ = [
    "decisions_apply", "link_decide", "link_get_for_user", "link_history", "links_for_review",
    "subject_of",
]  # fmt: skip

_ID_LIKE: Final = re.compile(r"\d{15}")
Key = tuple[str, str, str]  # (kind, natural key, side)
# Classes found per subject and row; 未入户 and 重登 items are keyed differently.
_PER_ROW: Final = frozenset(c.kind for c in d.DISCREPANCIES if c not in (d.NO_HUKOU, d.DUPLICATE))


def _latest(keys: Iterable[Key]) -> dict[tuple[str, str, str, int], str]:
    """(kind, natural key, side, person) → the latest decision, for the given keys."""
    wanted = set(keys)
    out: dict[tuple[str, str, str, int], str] = {}
    natural = sorted({k[1] for k in wanted})
    for start in range(0, len(natural), 2000):
        rows = (
            LinkDecision.objects.filter(natural_key__in=natural[start : start + 2000])
            .order_by("decided_at", "id")
            .values_list("feed_kind", "natural_key", "side", "person_id", "decision")
        )
        for kind, key, side, person, decision in rows:
            if (kind, key, side) in wanted:
                out[(kind, key, side, person)] = decision
    return out


def decisions_apply(subjects: list[Subject]) -> int:
    """Make a run honour earlier decisions: a rejected pair stays rejected, a confirmed
    one stays linked (even when this run's model left it unlinked or pending)."""
    keys = {(s.kind, s.row.natural_key, s.side) for s in subjects}
    decided = _latest(keys)
    if not decided:
        return 0
    confirmed: dict[Key, int] = {
        k[:3]: k[3] for k, v in decided.items() if v == LinkDecision.Decision.CONFIRMED
    }
    changed = 0
    for s in subjects:
        key = (s.kind, s.row.natural_key, s.side)
        mine = decided.get((*key, s.person_id)) if s.person_id else None
        if mine in (LinkDecision.Decision.CONFIRMED, LinkDecision.Decision.REJECTED):
            s.review = mine
            changed += 1
        elif key in confirmed and (not s.person_id or s.review == FeedLink.Review.PENDING):
            s.person_id, s.review = confirmed[key], FeedLink.Review.CONFIRMED
            s.method = s.method or "review"
            changed += 1
    return changed


# --- reading -----------------------------------------------------------------------------


def _latest_links() -> QuerySet[FeedLink]:
    return FeedLink.objects.filter(run__is_latest=True, person__isnull=False).select_related(
        "feed_row__batch", "person__org_unit", "run"
    )


def _in_scope(user: User) -> QuerySet[FeedLink]:
    """Latest links whose candidate person lies in the user's subtree (the one door): a
    pair with a person of another township is that township's, or the county's, to decide."""
    return scope_filter(_latest_links(), user, unit_field="person__org_unit")


def links_for_review(
    *, user: User, month: str = "", kind: str = "", review: str = FeedLink.Review.PENDING
) -> QuerySet[FeedLink]:
    """The user's links awaiting review (or of another review state): the candidate
    person lies in the user's subtree."""
    if not has_cap(user, Cap.REVIEW_LINKS):
        return FeedLink.objects.none()
    links = _in_scope(user).filter(review=review)
    if month:
        links = links.filter(run__month=month)
    if kind:
        links = links.filter(feed_row__batch__kind=kind)
    return links.order_by("run__month", "feed_row_id", "side")


def link_get_for_user(*, user: User, pk: int) -> FeedLink:
    """One link of a latest run with a candidate person, in the user's scope; else 404."""
    if not has_cap(user, Cap.REVIEW_LINKS):
        raise Http404
    link = _in_scope(user).filter(pk=pk).first()
    if link is None:
        raise Http404
    return link


def link_history(link: FeedLink) -> QuerySet[LinkDecision]:
    return LinkDecision.objects.filter(
        feed_kind=link.feed_row.batch.kind, natural_key=link.feed_row.natural_key,
        side=link.side,
    ).select_related("decided_by", "person").order_by("decided_at", "id")  # fmt: skip


def subject_of(link: FeedLink) -> Subject:
    return Subject(
        kind=link.feed_row.batch.kind, row=link.feed_row, side=link.side,
        person_id=link.person_id, method=link.method, role=link.role,
        evidence={str(k): str(v) for k, v in (link.evidence or {}).items()},
        review=link.review, probability=link.probability,
    )  # fmt: skip


# --- deciding ----------------------------------------------------------------------------


def _reclassify(link: FeedLink, actor: User) -> tuple[ItemCounts, int]:
    # The notes and titles it writes are the register's, in its language.
    with translation.override(settings.LANGUAGE_CODE):
        return _reclassify_now(link, actor)


def _reclassify_now(link: FeedLink, actor: User) -> tuple[ItemCounts, int]:
    """Classify the subject again; close what no longer applies, open (or reopen) what
    now does. The system closes them, as a consequence of the reviewer's decision (the
    decision itself is the reviewer's, in its history): a later decision or re-run
    that implies them again reopens the same items. Returns (opened, closed)."""
    s = subject_of(link)
    facts = load_facts([s])
    codes = classify(s, facts)
    FeedLink.objects.filter(pk=link.pk).update(discrepancy=codes[0] if codes else "")
    pid = s.person_id if s.linked else None
    wanted = {(d.BY_CODE[c].kind, pid) for c in codes}
    closed = 0
    items = WorkItem.objects.filter(
        subject_ref=f"feedrow:{link.feed_row_id}", status=WorkItem.Status.OPEN,
        kind__in=_PER_ROW,
    ).select_related("org_unit")  # fmt: skip
    for item in items:
        if item.subject_person_id not in (None, link.person_id):
            continue  # the other side of a marriage row
        if item.subject_person_id is None and link.side:
            continue  # an unlinked marriage side's item: it may be the other spouse's
        if (item.kind, item.subject_person_id) in wanted or not unit_in_scope(actor, item.org_unit):
            continue
        workitem_close(
            item=item, outcome=Outcome.RESOLVED, actor=None, expected_version=item.version,
            evidence=_("人工审核：匹配关系已确认或否定"), note=_("比对结果经人工审核后不再成立"),
        )  # fmt: skip
        closed += 1
    source = f"reconcile:{link.run.month:%Y-%m}"
    return open_items([s], [codes], facts, source=source, actor=None), closed


def link_decide(
    *, link: FeedLink, decision: str, actor: User, expected_review: str, note: str = ""
) -> LinkDecision:
    """Record a reviewer's decision on a link (or undo one: back to pending), audited;
    refuses a stale form (the link changed since it was shown)."""
    if not has_cap(actor, Cap.REVIEW_LINKS):
        raise PermissionDenied(_("没有权限。"))
    if link.person is None or not _in_scope(actor).filter(pk=link.pk).exists():
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    if decision not in LinkDecision.Decision.values:
        raise ValidationError(_("审核决定无效。"))
    if not link.run.is_latest:
        raise ValidationError(_("该比对结果已被新的比对替代，请刷新。"))
    note = note.strip()
    if _ID_LIKE.search(note):
        raise ValidationError(_("说明中不得填写身份证号。"))
    if len(note) > 500:
        raise ValidationError(_("说明不能超过 500 字。"))
    if decision == link.review:
        raise ValidationError(_("该匹配已是此状态。"))
    with transaction.atomic():
        updated = FeedLink.objects.filter(pk=link.pk, review=expected_review).update(
            review=decision
        )
        if updated != 1:
            raise ValidationError(_("该匹配已被他人审核，请查看最新内容后重新提交。"))
        previous, link.review = link.review, decision
        before = dataclasses.replace(link_state(link.pk), review=previous)
        row = link.feed_row
        record = LinkDecision.objects.create(
            feed_kind=row.batch.kind, natural_key=row.natural_key, side=link.side,
            person=link.person, feed_row=row, decision=decision, previous=previous, note=note,
            decided_by=actor, decided_at=timezone.now(),
        )  # fmt: skip
        counted, closed = _reclassify(link, actor)
        audit_record(
            action="feedlink.decide", actor=actor, object_type="feedlink", object_id=link.pk,
            detail={"decision": decision, "previous": previous, "opened": counted.opened,
                    "reopened": counted.reopened, "closed": closed},
        )  # fmt: skip
        # The link moves between the report's columns (after the audit row: report_tally).
        tally_link_changed(link.run.month, before, link_state(link.pk))
    return record
