"""Voluntary contraceptive services (避孕节育服务) and the village ledger of free supplies.

A service is recorded only at the person's request and with their consent; nothing here
sets a target for an individual or requires a method, and "declined" closes a follow-up
like "done" does (DESIGN.md, Scope).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.i18n import register_text
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import scope_filter, unit_in_scope
from renkou.programmes.models import (
    ContraceptiveService,
    FollowupResult,
    Method,
    Supply,
    SupplyHandout,
)
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import FOLLOWUP_ENDINGS, Outcome
from renkou.worklists.services import workitem_close, workitem_open

FOLLOWUP_KIND = "contraception_followup"
MAX_QUANTITY = 1000


def _require(actor: User, cap: Cap, unit: OrgUnit) -> None:
    if not has_cap(actor, cap):
        raise PermissionDenied(_("没有权限。"))
    if not unit_in_scope(actor, unit):
        raise PermissionDenied(_("该单位不在您的管辖范围内。"))


def service_queryset_for_user(*, user: Any) -> QuerySet[ContraceptiveService]:
    return scope_filter(ContraceptiveService.objects.all(), user)


def service_get_for_user(*, user: Any, pk: int) -> ContraceptiveService:
    rows = service_queryset_for_user(user=user).select_related("person", "org_unit", "recorded_by")
    return get_object_or_404(rows, pk=pk)


def handout_queryset_for_user(*, user: Any) -> QuerySet[SupplyHandout]:
    return scope_filter(SupplyHandout.objects.all(), user)


def handout_totals(rows: QuerySet[SupplyHandout]) -> list[dict[str, Any]]:
    """Quantity per village and supply, by unit name then supply code. Counted here, not
    in SQL: the supply is sealed (ADR 0009), so the database cannot group by it."""
    totals: Counter[tuple[str, str]] = Counter()
    for unit_name, supply, quantity in rows.values_list("org_unit__name", "supply", "quantity"):
        totals[(unit_name, supply)] += quantity
    labels = dict(Supply.choices)
    return [
        {"org_unit__name": unit, "supply": supply, "label": labels.get(supply, supply),
         "total": total}
        for (unit, supply), total in sorted(totals.items())
    ]  # fmt: skip


def contraception_service_record(
    *,
    person: Person,
    method: str,
    service_date: dt.date,
    provider: str,
    consent: bool,
    note: str = "",
    followup_due: dt.date | None = None,
    actor: User,
) -> ContraceptiveService:
    """Record a service the person asked for; a follow-up date opens a follow-up item."""
    _require(actor, Cap.HEALTH_SERVICES, person.org_unit)
    if not consent:
        raise ValidationError(_("服务须经本人知情自愿；未同意的不予登记。"))
    if method not in Method.values:
        raise ValidationError(_("未知的服务项目。"))
    today = timezone.localdate()
    if service_date > today:
        raise ValidationError(_("服务日期不能晚于今天。"))
    if not provider.strip():
        raise ValidationError(_("请填写服务机构或人员。"))
    if followup_due is not None and followup_due <= service_date:
        raise ValidationError(_("随访日期应晚于服务日期。"))
    with transaction.atomic():
        service = ContraceptiveService.objects.create(
            person=person, org_unit=person.org_unit, method=method, service_date=service_date,
            provider=provider.strip()[:100], consent=True, note=note.strip()[:200],
            followup_due=followup_due, recorded_by=actor,
        )  # fmt: skip
        if followup_due is not None:
            workitem_open(
                kind=FOLLOWUP_KIND,
                org_unit=person.org_unit,
                # Not the method: titles are clear text on every worklist (ADR 0009).
                title=register_text(
                    gettext_lazy("避孕节育服务随访：%(name)s"), {"name": person.name}
                ),
                due_date=followup_due,
                source="contraception",
                subject_person=person,
                subject_ref=f"contraception:{service.pk}",
                actor=actor,
            )
        audit_record(
            action="contraception.service", actor=actor, object_type="contraception",
            object_id=service.pk,
        )  # fmt: skip
    return service


def supply_handout_record(
    *,
    org_unit: OrgUnit,
    handed_on: dt.date,
    supply: str,
    quantity: int,
    recipient: Person | None = None,
    note: str = "",
    actor: User,
) -> SupplyHandout:
    """One line in the village's ledger of free supplies handed out."""
    _require(actor, Cap.HAND_OUT_SUPPLIES, org_unit)
    if org_unit.level != OrgUnit.Level.VILLAGE:
        raise ValidationError(_("发放台账按村（居）登记，请选择村居。"))
    if supply not in Supply.values:
        raise ValidationError(_("未知的药具。"))
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(_("数量应在 1 与 %(max)s 之间。") % {"max": MAX_QUANTITY})
    if handed_on > timezone.localdate():
        raise ValidationError(_("发放日期不能晚于今天。"))
    if recipient is not None and not unit_in_scope(actor, recipient.org_unit):
        raise ValidationError(_("领取人不在您的管辖范围内。"))
    with transaction.atomic():
        row = SupplyHandout.objects.create(
            org_unit=org_unit, handed_on=handed_on, supply=supply, quantity=quantity,
            recipient=recipient, note=note.strip()[:200], handed_by=actor,
        )  # fmt: skip
        audit_record(
            action="contraception.handout", actor=actor, object_type="supply_handout",
            object_id=row.pk, detail={"quantity": quantity},
        )  # fmt: skip
    return row


# --- the follow-up ----------------------------------------------------------------------

FOLLOWED_UP: Final = gettext_lazy("已随访（结果见服务记录）")


def open_followup(service: ContraceptiveService) -> WorkItem | None:
    return (
        WorkItem.objects.filter(
            kind=FOLLOWUP_KIND,
            subject_ref=f"contraception:{service.pk}",
            status=WorkItem.Status.OPEN,
        )
        .order_by("pk")
        .first()
    )


def contraception_followup_record(
    *,
    service: ContraceptiveService,
    followed_on: dt.date,
    result: str = "",
    outcome: str = Outcome.DONE,
    note: str = "",
    actor: User,
) -> ContraceptiveService:
    """The follow-up of a service, on the service's own page: with the person's answer
    (``result``, sealed with the service) the item closes as done; without one it ends as
    declined, moved, died or unreachable. Only the outcome reaches the item's clear
    history, never the answer."""
    _require(actor, Cap.WORK_ITEMS, service.org_unit)
    item = open_followup(service)
    if item is None:
        raise ValidationError(_("没有待办的随访事项。"))
    if followed_on > timezone.localdate():
        raise ValidationError(_("随访日期不能晚于今天。"))
    if followed_on < service.service_date:
        raise ValidationError(_("随访日期不能早于服务日期。"))
    if outcome == Outcome.DONE:
        if result not in FollowupResult.values:
            raise ValidationError(_("请选择随访结果。"))
    elif outcome in FOLLOWUP_ENDINGS:
        result = ""
    else:
        raise ValidationError(_("该类事项不能以此结果销号。"))
    evidence = register_text(FOLLOWED_UP) if outcome == Outcome.DONE else ""
    with transaction.atomic():
        service.followed_on = followed_on
        service.followup_result = result or None
        service.followup_note = note.strip()[:200] or None
        service.save(update_fields=["followed_on", "followup_result", "followup_note"])
        workitem_close(
            item=item, outcome=outcome, evidence=evidence, actor=actor,
            expected_version=item.version,
        )  # fmt: skip
        audit_record(
            action="contraception.followup", actor=actor, object_type="contraception",
            object_id=service.pk, detail={"outcome": outcome},
        )  # fmt: skip
    return service
