"""Transfers of a person's management between townships: request → accept (转移).

The sending township asks; the receiving township accepts or rejects; the sender may
cancel while the request is open. Only acceptance changes the person, through
person_update, so the event, audit and version rules of every correction apply.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.i18n import register_text
from renkou.core.models import OrgUnit, User
from renkou.core.scoping import unit_in_scope
from renkou.registry.models import LifeEvent, Membership, Person, Transfer
from renkou.registry.services.persons import person_update

_ID_LIKE = re.compile(r"\d{15}")
_OPEN = Transfer.Status.REQUESTED


def _township(unit: OrgUnit) -> OrgUnit | None:
    return unit.township()


def _clean_text(text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise ValidationError(_("请填写原因。"), code="reason_required")
    if _ID_LIKE.search(text):
        raise ValidationError(_("说明中不得填写身份证号。"), code="text_has_id")
    return text[:500]


def _check_target(person: Person, to_unit: OrgUnit) -> OrgUnit:
    """The target is a village of another township; returns the person's township."""
    home = _township(person.org_unit)
    if to_unit.level != OrgUnit.Level.VILLAGE:
        raise ValidationError(_("只能转移到村（居）一级单位。"), code="not_village")
    target = _township(to_unit)
    if home is None or target is None or target.pk == home.pk:
        raise ValidationError(
            _("接收单位必须属于其他乡镇；同一乡镇内的调整请直接更正管理单位。"),
            code="same_township",
        )
    return home


def transfer_request(*, person: Person, to_unit: OrgUnit, actor: User, reason: str) -> Transfer:
    """Ask another township to take over managing `person` (one open request per person)."""
    text = _clean_text(reason, required=True)
    home = _check_target(person, to_unit)
    if actor.org_unit_id != home.pk:
        raise PermissionDenied(_("只有该人员管理地乡镇的工作人员可以发起转移。"))
    with transaction.atomic():
        # Lock the person so two requests cannot both pass the "one open" check (PostgreSQL;
        # SQLite's immediate transactions serialise writers anyway).
        current = Person.objects.select_for_update().get(pk=person.pk)
        if not current.is_active:
            raise ValidationError(_("该人员已不在册。"), code="not_active")
        if Transfer.objects.filter(person=current, status=_OPEN).exists():
            raise ValidationError(_("该人员已有待接收的转移申请。"), code="already_open")
        transfer = Transfer.objects.create(
            person=current,
            from_unit=current.org_unit,
            to_unit=to_unit,
            reason=text,
            requested_by=actor,
        )
        audit_record(
            action="transfer.request",
            actor=actor,
            object_type="transfer",
            object_id=transfer.pk,
            detail={"person": person.pk, "from": current.org_unit.code, "to": to_unit.code},
        )
    return transfer


def _close(transfer: Transfer, status: str, actor: User, note: str) -> None:
    """Move an open request to `status`; refuse when it was decided meanwhile."""
    updated = Transfer.objects.filter(pk=transfer.pk, status=_OPEN).update(
        status=status, decided_by=actor, decided_at=timezone.now(), decision_note=note
    )
    if updated != 1:
        raise ValidationError(_("该转移申请已处理。"), code="not_open")
    transfer.status, transfer.decided_by, transfer.decision_note = status, actor, note


def _household_note(person: Person, old_township: OrgUnit | None) -> str:
    if old_township is None:
        return ""
    card = (
        Membership.objects.filter(person=person, left__isnull=True)
        .select_related("household__org_unit")
        .first()
    )
    if card is None or not card.household.org_unit.path.startswith(old_township.path):
        return ""
    return register_text(
        gettext_lazy("所在户%(code)s仍在原乡镇，请核实是否需要办理离户。"),
        {"code": card.household.code},
    )


def _check_receiver(transfer: Transfer, actor: User) -> None:
    if not unit_in_scope(actor, transfer.to_unit):
        raise PermissionDenied(_("只有接收乡镇的工作人员可以处理该申请。"))


def transfer_accept(*, transfer: Transfer, actor: User, note: str = "") -> Transfer:
    """Take over the person: their managing unit becomes the requested village."""
    _check_receiver(transfer, actor)
    text = _clean_text(note, required=False)
    with transaction.atomic():
        _close(transfer, Transfer.Status.ACCEPTED, actor, text)
        person = Person.objects.select_related("org_unit", "mother").get(pk=transfer.person_id)
        old_township = _township(person.org_unit)
        evidence = "；".join(
            part
            for part in (
                register_text(gettext_lazy("乡镇间转移（申请%(pk)s）"), {"pk": transfer.pk}),
                transfer.reason,
                _household_note(person, old_township),
            )
            if part
        )
        person_update(
            person=person,
            expected_version=person.version,
            changes={"org_unit": transfer.to_unit},
            actor=actor,
            source=LifeEvent.Source.FORM,
            evidence=evidence[:500],
            kind=LifeEvent.Kind.TRANSFER,
            source_ref=f"transfer:{transfer.pk}",
        )
        audit_record(
            action="transfer.accept", actor=actor, object_type="transfer", object_id=transfer.pk
        )
    return transfer


def transfer_reject(*, transfer: Transfer, actor: User, note: str) -> Transfer:
    """Refuse the request (a reason is required); the person stays where they are."""
    _check_receiver(transfer, actor)
    text = _clean_text(note, required=True)
    with transaction.atomic():
        _close(transfer, Transfer.Status.REJECTED, actor, text)
        audit_record(
            action="transfer.reject", actor=actor, object_type="transfer", object_id=transfer.pk
        )
    return transfer


def transfer_cancel(*, transfer: Transfer, actor: User) -> Transfer:
    """The sending township withdraws its open request."""
    if not unit_in_scope(actor, transfer.from_unit):
        raise PermissionDenied(_("只有发起乡镇的工作人员可以撤回该申请。"))
    with transaction.atomic():
        _close(transfer, Transfer.Status.CANCELLED, actor, "")
        audit_record(
            action="transfer.cancel", actor=actor, object_type="transfer", object_id=transfer.pk
        )
    return transfer
