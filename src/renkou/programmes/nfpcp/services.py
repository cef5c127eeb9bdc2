"""Writes of the pre-pregnancy check programme. Each checks the capability and the
scope, runs in one transaction and appends an audit row.

Flow: register (numbered slip) → consent → results → risk assessment and notice (opens
the early-pregnancy follow-up item) → referral of high-risk couples → early-pregnancy
follow-up (pregnant: opens the outcome follow-up item) → outcome follow-up (closes the
check, so the couple may register for their next planned pregnancy).

The follow-up items close only here (their kinds declare the follow-up page as their
close page): with a result, or as the couple declined, moved away, died or could not be
reached — the item and the check end together, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.i18n import register_text
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import unit_in_scope
from renkou.programmes.models import (
    CounsellingClass,
    NfpcpCheck,
    NfpcpResult,
    NfpcpSlipCounter,
    NfpcpTally,
    NfpcpTargets,
    OutcomeType,
    RiskFactor,
    RiskLevel,
)
from renkou.programmes.nfpcp.items import BY_NO, REQUIRED_BEFORE_ASSESSMENT, clean_result
from renkou.registry.models import Marriage, Person
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.services import workitem_close, workitem_open

EARLY_KIND = "nfpcp_early_pregnancy"
# What a follow-up found stays in the sealed check; the work item (a clear column, shown
# on worklists) and the audit log only say that it was done (ADR 0009).
FOLLOWED_UP = gettext_lazy("已随访（结果见孕前检查记录）")
OUTCOME_KIND = "nfpcp_outcome"
GESTATION_WEEKS_EARLY = 12
# Outcome follow-up: expected delivery (LMP + 280 days) plus the 42-day puerperium.
OUTCOME_DUE_DAYS = 280 + 42


class StaleError(Exception):
    """The check changed since the form was read: nothing was written."""


def subject_ref(check: NfpcpCheck) -> str:
    return f"nfpcp:{check.pk}"


def _require(actor: User | None, cap: Cap, unit: OrgUnit) -> None:
    if actor is None:
        return
    if not has_cap(actor, cap):
        raise PermissionDenied(_("没有权限。"))
    if not unit_in_scope(actor, unit):
        raise PermissionDenied(_("该单位不在您的管辖范围内。"))


def township_of(unit: OrgUnit) -> OrgUnit:
    township = unit.township()
    if township is None:
        raise ValidationError(_("该人员的管理单位不属于任何乡镇。"))
    return township


def targets_for(unit: OrgUnit) -> NfpcpTargets:
    """The targets row of the nearest unit up the tree, or the defaults (unsaved)."""
    return targets_for_units([unit])[unit.pk]


def targets_for_units(units: Iterable[OrgUnit]) -> dict[int, NfpcpTargets]:
    """`targets_for` of each unit (by primary key), in one query."""
    units = list(units)
    chains = {u.pk: [int(p) for p in u.path.strip("/").split("/")] for u in units}
    rows = {
        t.org_unit_id: t
        for t in NfpcpTargets.objects.filter(
            org_unit_id__in={pk for chain in chains.values() for pk in chain}
        )
    }
    found: dict[int, NfpcpTargets] = {}
    for unit in units:
        nearest = next((rows[pk] for pk in reversed(chains[unit.pk]) if pk in rows), None)
        found[unit.pk] = nearest if nearest is not None else NfpcpTargets(org_unit=unit)
    return found


def _next_slip_number(township: OrgUnit, year: int) -> str:
    """Gap-free per township and year: the counter row is locked and bumped inside the
    caller's transaction, so a rolled-back registration gives its number back."""
    try:
        with transaction.atomic():
            NfpcpSlipCounter.objects.get_or_create(township=township, year=year)
    except IntegrityError:
        pass  # created concurrently; the row exists now
    counter = NfpcpSlipCounter.objects.select_for_update().get(township=township, year=year)
    NfpcpSlipCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    number = counter.last + 1
    return f"{township.code[:9]}-{year}-{number:06d}"


def eligibility_problem(marriage: Marriage) -> str:
    """Why this couple cannot register now ("" when they can)."""
    if marriage.status != Marriage.Status.MARRIED:
        return _("该婚姻已不存续，不能登记孕前检查。")
    if NfpcpCheck.objects.filter(marriage=marriage, open=True).exists():
        return _("该夫妇本次计划怀孕已登记过免费孕前检查（每次计划怀孕限一次）。")
    return ""


def nfpcp_register(
    *,
    wife: Person,
    appointment_date: dt.date,
    facility: str,
    planned_from: dt.date | None,
    actor: User,
) -> NfpcpCheck:
    """Register the wife's current couple for a free check and issue the numbered slip."""
    _require(actor, Cap.HEALTH_SERVICES, wife.org_unit)
    from renkou.registry.services.marriages import marriage_current

    if wife.sex != "F":
        raise ValidationError(_("请填写女方（妻子）的身份证号。"))
    if not wife.is_active:
        raise ValidationError(_("该人员已出队，不能登记。"))
    marriage = marriage_current(person=wife)
    if marriage is None or marriage.wife_id != wife.pk:
        raise ValidationError(_("登记册中没有该女方存续的婚姻记录，请先登记婚姻。"))
    if not marriage.husband.is_active:
        raise ValidationError(_("男方已出队，不能登记。"))
    today = timezone.localdate()
    if appointment_date < today:
        raise ValidationError(_("预约检查日期不能早于今天。"))
    if not facility.strip():
        raise ValidationError(_("请填写检查机构。"))
    township = township_of(wife.org_unit)
    with transaction.atomic():
        Marriage.objects.select_for_update().filter(pk=marriage.pk).first()
        problem = eligibility_problem(marriage)
        if problem:
            raise ValidationError(problem)
        check = NfpcpCheck.objects.create(
            marriage=marriage,
            wife=wife,
            husband=marriage.husband,
            org_unit=wife.org_unit,
            township=township,
            slip_number=_next_slip_number(township, today.year),
            registered_on=today,
            appointment_date=appointment_date,
            facility=facility.strip()[:100],
            planned_from=planned_from,
            created_by=actor,
        )
        _tally_changed(check, created=True)
        audit_record(
            action="nfpcp.register",
            actor=actor,
            object_type="nfpcp",
            object_id=check.pk,
            detail={"slip": check.slip_number},
        )
    return check


def _save(check: NfpcpCheck, version: int | None, fields: Iterable[str]) -> None:
    values = {name: getattr(check, name) for name in fields}
    rows = NfpcpCheck.objects.filter(pk=check.pk)
    if version is not None:
        rows = rows.filter(version=version)
    if rows.update(version=F("version") + 1, **values) != 1:
        raise StaleError(_("该记录已被他人修改，请刷新后重试。"))
    check.version = (version if version is not None else check.version) + 1
    _tally_changed(check)


def _tally_changed(check: NfpcpCheck, *, created: bool = False) -> None:
    """Have the indicators recount the check's village and year (NfpcpTally), in the
    transaction of the change. A new check makes sure the row exists first, so a recount
    running beside it cannot store counts that miss it."""
    year = check.registered_on.year
    if created:
        NfpcpTally.objects.get_or_create(org_unit_id=check.org_unit_id, year=year)
    NfpcpTally.objects.filter(org_unit_id=check.org_unit_id, year=year).update(
        stale=True, generation=F("generation") + 1
    )


def _audit(action: str, actor: User | None, check: NfpcpCheck, **detail: str) -> None:
    audit_record(
        action=f"nfpcp.{action}", actor=actor, object_type="nfpcp", object_id=check.pk,
        detail=detail,
    )  # fmt: skip


def nfpcp_consent(
    *, check: NfpcpCheck, consent_on: dt.date, wife: bool, husband: bool, actor: User
) -> NfpcpCheck:
    """Record the signed informed consent (both spouses sign; it is voluntary)."""
    _require(actor, Cap.HEALTH_SERVICES, check.org_unit)
    if not check.open:
        raise ValidationError(_("该检查已结束。"))
    if not (wife and husband):
        raise ValidationError(_("须夫妻双方签署知情同意书；未签署的可不参加检查。"))
    if consent_on > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))
    with transaction.atomic():
        check.consent_on, check.consent_wife, check.consent_husband = consent_on, True, True
        if check.status == NfpcpCheck.Status.REGISTERED:
            check.status = NfpcpCheck.Status.CONSENTED
        _save(check, None, ["consent_on", "consent_wife", "consent_husband", "status"])
        _audit("consent", actor, check)
    return check


@dataclass(frozen=True)
class ResultInput:
    item_no: int
    subject: str
    value: str
    unit: str
    abnormal: bool
    reviewer: str
    examined_on: dt.date


def validate_result(check: NfpcpCheck, data: ResultInput) -> ResultInput:
    """The result cleaned against the catalogue; raises ValidationError."""
    item = BY_NO.get(data.item_no)
    if item is None:
        raise ValidationError(_("未知的检查项目编号。"))
    clean = clean_result(
        item=item, subject=data.subject, value=data.value, unit=data.unit, abnormal=data.abnormal
    )
    if not data.reviewer.strip():
        raise ValidationError(_("请填写审核人。"), code="reviewer")
    if data.examined_on > timezone.localdate():
        raise ValidationError(_("检查日期不能晚于今天。"), code="examined_on")
    if data.examined_on < check.registered_on:
        raise ValidationError(_("检查日期早于登记日期。"), code="examined_on")
    return ResultInput(
        item_no=item.no, subject=clean.subject, value=clean.value, unit=clean.unit,
        abnormal=clean.abnormal, reviewer=data.reviewer.strip()[:50], examined_on=data.examined_on,
    )  # fmt: skip


def _check_can_take_results(check: NfpcpCheck) -> None:
    if not check.open:
        raise ValidationError(_("该检查已结束。"))
    if not (check.consent_wife and check.consent_husband):
        raise ValidationError(_("尚未签署知情同意书，不能录入检查结果。"))
    if check.assessed_on is not None:
        raise ValidationError(_("已完成风险评估，不能再修改检查结果。"))


def result_store(
    check: NfpcpCheck,
    data: ResultInput,
    *,
    batch_id: int | None = None,
    row: int | None = None,
    digest: str = "",
) -> bool:
    """Insert or update one result row (already validated); True if something changed."""
    values = {
        "value": data.value, "unit": data.unit, "abnormal": data.abnormal,
        "reviewer": data.reviewer, "examined_on": data.examined_on,
    }  # fmt: skip
    existing = NfpcpResult.objects.filter(
        check_record=check, item_no=data.item_no, subject=data.subject
    ).first()
    if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
        return False
    provenance = {"import_batch_id": batch_id, "source_row": row, "source_hash": digest}
    if existing is None:
        NfpcpResult.objects.create(
            check_record=check, item_no=data.item_no, subject=data.subject, **values, **provenance
        )
        _tally_changed(check)  # it may now count as examined
    else:
        for key, value in {**values, **provenance}.items():
            setattr(existing, key, value)
        existing.save()
    if check.status in (NfpcpCheck.Status.REGISTERED, NfpcpCheck.Status.CONSENTED):
        check.status = NfpcpCheck.Status.EXAMINED
        NfpcpCheck.objects.filter(pk=check.pk).update(status=check.status)
    return True


def nfpcp_result_record(*, check: NfpcpCheck, data: ResultInput, actor: User) -> NfpcpResult:
    """Record (or correct) one item's result for one spouse."""
    _require(actor, Cap.HEALTH_SERVICES, check.org_unit)
    _check_can_take_results(check)
    clean = validate_result(check, data)
    with transaction.atomic():
        result_store(check, clean)
        _audit("result", actor, check, item=str(clean.item_no), subject=clean.subject)
    return NfpcpResult.objects.get(check_record=check, item_no=clean.item_no, subject=clean.subject)


def missing_results(check: NfpcpCheck) -> list[tuple[int, str]]:
    have = set(check.results.values_list("item_no", "subject"))
    return [key for key in REQUIRED_BEFORE_ASSESSMENT if key not in have]


def nfpcp_assess(
    *,
    check: NfpcpCheck,
    risk_level: str,
    factors: list[str],
    counselling_class: str,
    advice: str,
    assessed_by: str,
    assessed_on: dt.date,
    actor: User,
) -> NfpcpCheck:
    """Risk assessment and the results-and-advice notice; opens the early-pregnancy
    follow-up item (due at the end of the planned-conception window)."""
    _require(actor, Cap.HEALTH_SERVICES, check.org_unit)
    if not check.open or check.assessed_on is not None:
        raise ValidationError(_("该检查已评估或已结束。"))
    missing = missing_results(check)
    if missing:
        who = {"W": _("女方"), "H": _("男方")}
        shown = "、".join(f"{no}（{who[s]}）" for no, s in missing[:8])
        raise ValidationError(_("检查结果不全，缺：") + shown)
    if risk_level not in RiskLevel.values:
        raise ValidationError(_("请选择风险评估结论。"))
    unknown = set(factors) - set(RiskFactor.values)
    if unknown:
        raise ValidationError(_("未知的风险因素类别。"))
    if risk_level == RiskLevel.HIGH:
        if not factors:
            raise ValidationError(_("高风险须注明至少一类风险因素。"))
        if counselling_class not in CounsellingClass.values:
            raise ValidationError(_("高风险须选择咨询指导分类（A/B/C/D/X）。"))
    elif factors or counselling_class:
        raise ValidationError(_("一般人群不填写风险因素和咨询指导分类。"))
    if not advice.strip() or not assessed_by.strip():
        raise ValidationError(_("请填写咨询指导意见和评估医生。"))
    if not check.registered_on <= assessed_on <= timezone.localdate():
        raise ValidationError(_("评估日期应在登记日期与今天之间。"))
    window = targets_for(check.org_unit).conception_window_days
    with transaction.atomic():
        check.risk_level, check.risk_factors = risk_level, sorted(set(factors))
        check.counselling_class, check.advice = counselling_class, advice.strip()
        check.assessed_by, check.assessed_on = assessed_by.strip()[:50], assessed_on
        check.status = NfpcpCheck.Status.ASSESSED
        fields = ["risk_level", "risk_factors", "counselling_class", "advice", "assessed_by",
                  "assessed_on", "status"]  # fmt: skip
        _save(check, check.version, fields)
        _open_followup(
            check, EARLY_KIND, gettext_lazy("早孕随访：%(wife)s（%(slip)s）"),
            assessed_on + dt.timedelta(days=window), actor,
        )  # fmt: skip
        _audit("assess", actor, check)
    return check


def nfpcp_withdraw(*, check: NfpcpCheck, reason: str, actor: User) -> NfpcpCheck:
    """The couple decided not to take (or finish) the check: a valid, voluntary end."""
    _require(actor, Cap.HEALTH_SERVICES, check.org_unit)
    if not check.open or check.assessed_on is not None:
        raise ValidationError(_("已评估或已结束的检查不能撤销登记。"))
    if not reason.strip():
        raise ValidationError(_("请填写原因。"))
    with transaction.atomic():
        _close_check(check, reason.strip()[:100])
        _save(check, check.version, ["open", "status", "closed_reason"])
        _audit("withdraw", actor, check)
    return check


def nfpcp_targets_save(*, unit: OrgUnit, values: dict[str, object], actor: User) -> NfpcpTargets:
    """Set the indicator targets of the actor's own unit (applies to its subtree)."""
    _require(actor, Cap.HEALTH_SERVICES, unit)
    low, high = values["high_risk_low"], values["high_risk_high"]
    assert isinstance(low, Decimal)
    assert isinstance(high, Decimal)
    if low > high:
        raise ValidationError(_("高风险比例下限不能大于上限。"))
    with transaction.atomic():
        row, _created = NfpcpTargets.objects.update_or_create(org_unit=unit, defaults=values)
        audit_record(
            action="nfpcp.targets", actor=actor, object_type="orgunit", object_id=unit.pk,
            detail={k: str(v) for k, v in values.items()},
        )  # fmt: skip
    return row


def nfpcp_refer(
    *, check: NfpcpCheck, referred_to: str, referred_on: dt.date, reason: str, actor: User
) -> NfpcpCheck:
    """Refer a high-risk couple to a specialist facility."""
    _require(actor, Cap.HEALTH_SERVICES, check.org_unit)
    if check.risk_level != RiskLevel.HIGH:
        raise ValidationError(_("只有评估为高风险的夫妇需要转诊。"))
    if not referred_to.strip() or not reason.strip():
        raise ValidationError(_("请填写转诊机构和原因。"))
    assert check.assessed_on is not None
    if not check.assessed_on <= referred_on <= timezone.localdate():
        raise ValidationError(_("转诊日期应在评估日期与今天之间。"))
    with transaction.atomic():
        check.referred_to, check.referred_on = referred_to.strip()[:100], referred_on
        check.referral_reason = reason.strip()[:200]
        _save(check, None, ["referred_to", "referred_on", "referral_reason"])
        _audit("refer", actor, check)
    return check


def open_item(check: NfpcpCheck, kind: str) -> WorkItem | None:
    return WorkItem.objects.filter(
        kind=kind, subject_ref=subject_ref(check), status=WorkItem.Status.OPEN
    ).first()


def _close_item(
    check: NfpcpCheck, kind: str, outcome: str, evidence: str, actor: User, *, note: str = ""
) -> None:
    item = open_item(check, kind)
    if item is None:
        raise ValidationError(_("没有待办的随访事项。"))
    workitem_close(
        item=item, outcome=outcome, evidence=evidence, note=note, actor=actor,
        expected_version=item.version,
    )  # fmt: skip


def _close_check(check: NfpcpCheck, reason: str) -> None:
    check.open, check.status, check.closed_reason = False, NfpcpCheck.Status.CLOSED, reason


def _require_item(check: NfpcpCheck, kind: str, followed_on: dt.date) -> None:
    """An open item of the kind is what may be closed, even on a check that ended
    already (the township reopened the item to correct it)."""
    if open_item(check, kind) is None:
        if kind == EARLY_KIND:
            raise ValidationError(_("没有待办的早孕随访事项。"))
        raise ValidationError(_("没有待办的妊娠结局随访事项。"))
    if followed_on > timezone.localdate():
        raise ValidationError(_("随访日期不能晚于今天。"))
    earliest = check.assessed_on if kind == EARLY_KIND else check.lmp
    if earliest is not None and followed_on < earliest:
        if kind == EARLY_KIND:
            raise ValidationError(_("随访日期应在评估告知日期与今天之间。"))
        raise ValidationError(_("随访日期早于末次月经日期。"))


# How a follow-up may end without its result (worklists' FOLLOWUP_ENDINGS), in the words
# the check records as its reason.
ENDINGS: dict[str, Promise] = {
    Outcome.DECLINED: gettext_lazy("本人拒绝随访"),
    Outcome.MOVED: gettext_lazy("未能随访：已迁出"),
    Outcome.DIED: gettext_lazy("未能随访：本人已死亡"),
    Outcome.UNREACHABLE: gettext_lazy("未能随访：联系不上"),
}


def nfpcp_followup_end(
    *,
    check: NfpcpCheck,
    kind: str,
    outcome: str,
    followed_on: dt.date,
    note: str = "",
    actor: User,
) -> NfpcpCheck:
    """End a follow-up without its result (declined, moved away, died, unreachable):
    the item closes with that outcome and the check closes with it as its reason."""
    _require(actor, Cap.WORK_ITEMS, check.org_unit)
    _require_item(check, kind, followed_on)
    if outcome not in ENDINGS:
        raise ValidationError(_("该类事项不能以此结果销号。"))
    field = "early_followup_on" if kind == EARLY_KIND else "outcome_followup_on"
    with transaction.atomic():
        setattr(check, field, followed_on)
        _close_item(check, kind, outcome, "", actor, note=note)
        _close_check(check, register_text(ENDINGS[outcome]))
        _save(check, None, [field, "status", "open", "closed_reason"])
        _audit("followup_end", actor, check, kind=kind, outcome=outcome)
    return check


def _reopen_for_pregnancy(check: NfpcpCheck) -> None:
    """A corrected early follow-up (pregnant after all) carries on the ended check,
    unless the couple registered for another planned pregnancy since."""
    if check.open:
        return
    others = NfpcpCheck.objects.filter(marriage_id=check.marriage_id, open=True)
    if others.exclude(pk=check.pk).exists():
        raise ValidationError(_("该夫妇已为下一次计划怀孕重新登记，本次随访只能以其他结果销号。"))
    check.open, check.closed_reason = True, ""


def _withdraw_pregnancy(check: NfpcpCheck, actor: User) -> None:
    """Not pregnant, perhaps correcting a reopened follow-up that had said pregnant: the
    LMP goes and the outcome item it opened closes; a recorded outcome cannot be undone
    from here."""
    if check.outcome_type:
        raise ValidationError(_("已登记妊娠结局，不能更正为未怀孕；请先更正妊娠结局随访。"))
    check.pregnant, check.lmp = False, None
    if open_item(check, OUTCOME_KIND) is not None:
        _close_item(
            check, OUTCOME_KIND, Outcome.RESOLVED, "", actor,
            note=register_text(gettext_lazy("早孕随访更正为未怀孕，无需结局随访。")),
        )  # fmt: skip


def _open_outcome_item(check: NfpcpCheck, lmp: dt.date, actor: User) -> None:
    if open_item(check, OUTCOME_KIND) is not None:
        return  # a corrected early follow-up keeps the outcome item it opened before
    _open_followup(
        check, OUTCOME_KIND, gettext_lazy("妊娠结局随访：%(wife)s（%(slip)s）"),
        lmp + dt.timedelta(days=OUTCOME_DUE_DAYS), actor,
    )  # fmt: skip


def _open_followup(check: NfpcpCheck, kind: str, title: Promise, due: dt.date, actor: User) -> None:
    """A follow-up item of the check; its title names the wife and the slip only."""
    workitem_open(
        kind=kind,
        org_unit=check.org_unit,
        title=register_text(title, {"wife": check.wife.name, "slip": check.slip_number}),
        due_date=due,
        source="nfpcp",
        subject_person=check.wife,
        subject_ref=subject_ref(check),
        actor=actor,
    )


def nfpcp_early_followup(
    *,
    check: NfpcpCheck,
    followed_on: dt.date,
    pregnant: bool | None,
    lmp: dt.date | None,
    note: str = "",
    actor: User,
) -> NfpcpCheck:
    """The early-pregnancy follow-up. pregnant=True with the LMP opens the outcome item;
    False closes this planned pregnancy; None means the couple declined the follow-up."""
    if pregnant is None:
        return nfpcp_followup_end(
            check=check, kind=EARLY_KIND, outcome=Outcome.DECLINED, followed_on=followed_on,
            note=note, actor=actor,
        )  # fmt: skip
    _require(actor, Cap.WORK_ITEMS, check.org_unit)
    _require_item(check, EARLY_KIND, followed_on)
    if pregnant and lmp is None:
        raise ValidationError(_("已怀孕须填写末次月经日期。"))
    if (
        pregnant
        and lmp is not None
        and not (check.registered_on - dt.timedelta(days=60) <= lmp <= followed_on)
    ):
        raise ValidationError(_("末次月经日期不合理（应在登记前后、随访日期之前）。"))
    with transaction.atomic():
        check.early_followup_on = followed_on
        if pregnant:
            assert lmp is not None
            _reopen_for_pregnancy(check)
            check.pregnant, check.lmp, check.status = True, lmp, NfpcpCheck.Status.PREGNANT
            _close_item(
                check, EARLY_KIND, Outcome.DONE, register_text(FOLLOWED_UP), actor, note=note
            )
            _open_outcome_item(check, lmp, actor)
        else:
            _withdraw_pregnancy(check, actor)
            _close_item(
                check, EARLY_KIND, Outcome.DONE, register_text(FOLLOWED_UP), actor, note=note
            )
            _close_check(check, register_text(gettext_lazy("随访期内未怀孕")))
        fields = ["early_followup_on", "pregnant", "lmp", "status", "open", "closed_reason"]
        _save(check, None, fields)
        _audit("early_followup", actor, check)
    return check


def early_followup_timely(check: NfpcpCheck) -> bool:
    """Followed up within 12 weeks of gestation."""
    return bool(check.pregnant) and followed_within_12_weeks(
        lmp=check.lmp, followed_on=check.early_followup_on
    )


def followed_within_12_weeks(*, lmp: dt.date | None, followed_on: dt.date | None) -> bool:
    """The early follow-up's date rule alone (the indicators apply it to plain rows)."""
    if lmp is None or followed_on is None:
        return False
    return followed_on <= lmp + dt.timedelta(weeks=GESTATION_WEEKS_EARLY)


def nfpcp_outcome_followup(
    *,
    check: NfpcpCheck,
    followed_on: dt.date,
    outcome_type: str,
    outcome_date: dt.date | None,
    note: str = "",
    actor: User,
) -> NfpcpCheck:
    """The pregnancy-outcome follow-up; closes the check (a new planned pregnancy may
    register again). outcome_type "" means the family declined the follow-up. The
    child's sex is never asked."""
    if not outcome_type:
        return nfpcp_followup_end(
            check=check, kind=OUTCOME_KIND, outcome=Outcome.DECLINED, followed_on=followed_on,
            note=note, actor=actor,
        )  # fmt: skip
    _require(actor, Cap.WORK_ITEMS, check.org_unit)
    _require_item(check, OUTCOME_KIND, followed_on)
    if outcome_type not in OutcomeType.values:
        raise ValidationError(_("未知的妊娠结局。"))
    if outcome_date is None:
        raise ValidationError(_("请填写结局日期。"))
    assert check.lmp is not None
    if not check.lmp <= outcome_date <= followed_on:
        raise ValidationError(_("结局日期应在末次月经与随访日期之间。"))
    with transaction.atomic():
        check.outcome_followup_on = followed_on
        check.outcome_type, check.outcome_date = outcome_type, outcome_date
        _close_item(check, OUTCOME_KIND, Outcome.DONE, register_text(FOLLOWED_UP), actor, note=note)
        _close_check(check, register_text(gettext_lazy("已随访妊娠结局")))
        fields = ["outcome_followup_on", "outcome_type", "outcome_date", "status", "open",
                  "closed_reason"]  # fmt: skip
        _save(check, None, fields)
        _audit("outcome_followup", actor, check)
    return check
