"""Closing a discrepancy item (销号) with an outcome that acts on the register.

Four resolutions: apply the feed's data to the register, the register is right, not our
person, other. "Apply" goes through the registry services only (deregister, correction,
birth / new person, marriage), with the feed row as evidence (source "feed", source_ref
"feedrow:<pk>") and the person's version as the optimistic-concurrency token; the item
is closed in the same transaction, and a Resolution row keeps what changed.
``resolution_plan`` is the confirmation page's before/after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.masking import mask_id_number
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import unit_in_scope
from renkou.exchange import discrepancies as d
from renkou.exchange.feeds import FEEDS
from renkou.exchange.models import FeedLink, FeedRow, Resolution
from renkou.exchange.reconcile_classes import Subject, load_facts, separation_of
from renkou.exchange.reconcile_inputs import feed_id_reveal
from renkou.exchange.refs import ref_candidate
from renkou.registry.models import (
    DuplicateCandidate,
    Household,
    LeaveReason,
    LifeEvent,
    MaritalStatus,
    Marriage,
    Membership,
    Person,
    Relation,
)
from renkou.registry.services.duplicates import clean_evidence, duplicate_dismiss
from renkou.registry.services.households import household_add_member
from renkou.registry.services.marriages import (
    marriage_current,
    marriage_dissolve,
    marriage_register,
    marriage_widow,
)
from renkou.registry.services.persons import (
    ConflictError,
    PersonData,
    person_deregister,
    person_register,
    person_update,
)
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.services import workitem_close

__all__ = ["ALLOWED", "Plan", "discrepancy_resolve", "resolution_plan"]

R = Resolution.Kind
FEED = LifeEvent.Source.FEED
_ALL: Final = frozenset(R.values)
ALLOWED: Final[dict[str, frozenset[str]]] = {
    **{c.code: _ALL for c in d.DISCREPANCIES},
    # A duplicate pair is merged on the registry's duplicate page; here it is dismissed.
    d.DUPLICATE.code: frozenset({R.REGISTER_RIGHT, R.OTHER}),
    # A missing hukou is the family's errand: nothing in the register to apply.
    d.NO_HUKOU.code: frozenset({R.NOT_OURS, R.OTHER}),
}
_REUNION: Final = {"marriage": Marriage.Kind.FIRST, "remarriage": Marriage.Kind.REUNION}
_STATUS_FOR: Final = {
    Marriage.Kind.FIRST: MaritalStatus.FIRST_MARRIAGE,
    Marriage.Kind.REUNION: MaritalStatus.REUNITED,
}


@dataclass
class Plan:
    """What "apply the feed's data" would do to the register, for the confirmation page."""

    item: WorkItem
    code: str
    row: FeedRow | None
    person: Person | None
    candidate: DuplicateCandidate | None = None
    action: str = ""
    # (label, before, after): identity numbers masked.
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    refused: str = ""  # why "apply" is impossible ("" when possible)
    run: Callable[[User, str], Person | None] | None = None

    @property
    def allowed(self) -> list[str]:
        ok = ALLOWED.get(self.code, _ALL)
        return [r for r in R.values if r in ok and (r != R.APPLY or not self.refused)]


def _code(item: WorkItem) -> str:
    return item.kind.removeprefix("discrepancy.")


def _ref(item: WorkItem, prefix: str) -> int | None:
    if not item.subject_ref.startswith(prefix):
        return None
    try:
        return int(item.subject_ref.removeprefix(prefix))
    except ValueError:
        return None


def _side(row: FeedRow, person: Person | None) -> str:
    if row.batch.kind != "marriage":
        return ""
    if person is not None and person.id_index and person.id_index == row.id2_index:
        return "wife"
    return "wife" if person is not None and person.sex == "F" else "husband"


def _feed_fields(row: FeedRow, side: str) -> tuple[str, str, dt.date | None]:
    """(name, sex, birth date) the feed states for the subject."""
    if side == "wife":
        raw = str(row.extra.get("wife_birth_date", ""))
        try:
            born = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            born = None
        return str(row.extra.get("wife_name", "")), "F", born
    return row.name, row.sex, row.birth_date


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, OrgUnit):
        return value.name
    return str(value)


def _ref_text(row: FeedRow) -> str:
    return f"feedrow:{row.pk}"


def _evidence(row: FeedRow, evidence: str) -> str:
    feed = FEEDS.get(row.batch.kind)
    label = str(feed.label) if feed else row.batch.kind
    where = _("%(kind)s第%(n)s行") % {"kind": label, "n": row.row_number}
    return f"{evidence}（{where}）"[:500]


# --- the plan of each class ------------------------------------------------------------


def _plan_leave(plan: Plan) -> None:
    row, person = plan.row, plan.person
    assert row is not None
    assert person is not None
    if not person.is_active:
        plan.refused = _("该人员已不在册。")
        return
    reason = LeaveReason.DIED if row.event_type == "death" else LeaveReason.MOVED_OUT
    on = row.event_date or timezone.localdate()
    plan.action = _("出队（%(reason)s）") % {"reason": LeaveReason(reason).label}
    plan.changes = [(_("状态"), _("在册"), _("已出队")),
                    (_("出队原因"), "", str(LeaveReason(reason).label)),
                    (_("出队日期"), "", on.isoformat())]  # fmt: skip

    def run(actor: User, evidence: str) -> Person:
        person_deregister(
            person=person, expected_version=person.version, reason=reason, on=on, actor=actor,
            source=FEED, evidence=_evidence(row, evidence), source_ref=_ref_text(row),
        )  # fmt: skip
        if reason == LeaveReason.DIED:
            marriage_widow(deceased=person, died_on=on, actor=actor, source=FEED,
                           source_ref=_ref_text(row))  # fmt: skip
        return person

    plan.run = run


def _child_data(row: FeedRow, unit: OrgUnit, mother: Person | None) -> PersonData | str:
    name, sex, born = _feed_fields(row, "")
    if not name.strip():
        return _("部门数据没有姓名，请先核实姓名后经月报告单补录。")
    if sex not in ("M", "F"):
        return _("部门数据没有性别，请先核实后经月报告单补录。")
    if born is None:
        return _("部门数据没有出生日期。")
    number = ""
    if row.batch.kind != "birth_cert" and row.id_valid:
        number = feed_id_reveal(row.id_cipher)
    if number and Person.objects.filter(id_index=row.id_index, status="active").exists():
        return _("登记中已有该身份证号的在册人员，请核对匹配关系。")
    father = None
    if row.batch.kind == "birth_cert" and row.id2_valid and row.id2_index:
        father = Person.objects.filter(id_index=row.id2_index, status="active").first()
    return PersonData(
        name=name, sex=sex, birth_date=born, org_unit=unit, id_number=number,
        hukou_unit=mother.hukou_unit if mother else unit,
        residence_unit=mother.residence_unit if mother else unit,
        marital_status=MaritalStatus.UNMARRIED if mother else MaritalStatus.UNKNOWN,
        mother=mother, father=father,
    )  # fmt: skip


def _plan_new_person(plan: Plan, *, birth: bool) -> None:
    row = plan.row
    assert row is not None
    mother = plan.person if birth else None
    unit = mother.org_unit if mother else plan.item.org_unit
    if unit.level != OrgUnit.Level.VILLAGE:
        plan.refused = _("该事项尚未落实到村，请先核实所在村。")
        return
    data = _child_data(row, unit, mother)
    if isinstance(data, str):
        plan.refused = data
        return
    kind = (
        LifeEvent.Kind.BIRTH
        if birth
        else (LifeEvent.Kind.MOVE_IN if row.event_type == "move_in" else LifeEvent.Kind.REGISTERED)
    )
    plan.action = _("登记新生儿") if birth else _("补登人员")
    number = mask_id_number(feed_id_reveal(row.id_cipher)) if data.id_number else ""
    plan.changes = [(_("姓名"), "", data.name), (_("性别"), "", data.sex),
                    (_("出生日期"), "", data.birth_date.isoformat()),
                    (_("公民身份号码"), "", number), (_("管理单位"), "", unit.name)]  # fmt: skip
    if mother is not None:
        plan.changes.append((_("母亲"), "", mother.name))

    card = _mothers_card(mother, data.sex) if mother is not None else None
    if card is not None:
        plan.changes.append((_("所在户"), "", card[0].code))

    def run(actor: User, evidence: str) -> Person:
        person = person_register(
            data=data, actor=actor, source=FEED, kind=kind, event_date=data.birth_date
            if birth else row.event_date, source_ref=_ref_text(row),
            evidence=_evidence(row, evidence),
        )  # fmt: skip
        if card is not None:
            household_add_member(household=card[0], person=person, relation=card[1],
                                 actor=actor, source=FEED, on=data.birth_date,
                                 source_ref=_ref_text(row))  # fmt: skip
        return person

    plan.run = run


# The newborn's relation to the head, by the mother's relation and the baby's sex.
_CHILD_RELATION: Final[dict[str, dict[str, str]]] = {
    **{r: {"M": Relation.SON, "F": Relation.DAUGHTER}
       for r in (Relation.SELF, Relation.SPOUSE, Relation.HUSBAND, Relation.WIFE)},
    Relation.DAUGHTER_IN_LAW: {"M": Relation.GRANDSON, "F": Relation.GRANDDAUGHTER},
    Relation.DAUGHTER: {"M": Relation.GRANDCHILD, "F": Relation.GRANDCHILD},
    Relation.ONLY_DAUGHTER: {"M": Relation.GRANDCHILD, "F": Relation.GRANDCHILD},
}  # fmt: skip


def _mothers_card(mother: Person, sex: str) -> tuple[Household, str] | None:
    """The mother's current household and the baby's relation on it (None when the
    relation cannot be told: the village puts the baby on the card)."""
    card = (
        Membership.objects.filter(person=mother, left__isnull=True)
        .select_related("household").first()
    )  # fmt: skip
    if card is None or card.relation not in _CHILD_RELATION:
        return None
    return card.household, str(_CHILD_RELATION[card.relation][sex])


def _plan_correct(plan: Plan) -> None:
    row, person = plan.row, plan.person
    if person is None or row is None:
        plan.refused = _("部门数据的身份证号无效，无法对应到登记人员，请向部门核实。")
        return
    name, sex, born = _feed_fields(row, _side(row, person))
    changes: dict[str, object] = {}
    if name.strip() and name.strip() != person.name:
        changes["name"] = name.strip()
    if sex in ("M", "F") and sex != person.sex:
        changes["sex"] = sex
    if born is not None and born != person.birth_date:
        changes["birth_date"] = born
    if not changes:
        plan.refused = _("登记信息与部门数据一致，无可更新。")
        return
    plan.action = _("更正登记信息")
    plan.changes = [
        (str(_LABELS[k]), _text(getattr(person, k)), _text(v)) for k, v in changes.items()
    ]

    def run(actor: User, evidence: str) -> Person:
        return person_update(
            person=person, expected_version=person.version, changes=changes, actor=actor,
            source=FEED, evidence=_evidence(row, evidence), source_ref=_ref_text(row),
        )  # fmt: skip

    plan.run = run


_LABELS: Final = {
    "name": gettext_lazy("姓名"),
    "sex": gettext_lazy("性别"),
    "birth_date": gettext_lazy("出生日期"),
}


def _spouse(row: FeedRow, person: Person) -> Person | None:
    other = "wife" if _side(row, person) == "husband" else "husband"
    link = (
        FeedLink.objects.filter(feed_row=row, side=other, run__is_latest=True,
                                person__isnull=False)
        .exclude(review__in=(FeedLink.Review.PENDING, FeedLink.Review.REJECTED))
        .select_related("person").first()
    )  # fmt: skip
    return link.person if link else None


def _plan_marriage(plan: Plan) -> None:
    row, person = plan.row, plan.person
    assert row is not None
    assert person is not None
    on = row.event_date or timezone.localdate()
    before = person.get_marital_status_display()
    if row.event_type == "divorce":
        current = marriage_current(person=person)
        after = MaritalStatus.DIVORCED
        plan.action = _("登记离婚")

        def run(actor: User, evidence: str) -> Person:
            if current is not None:
                marriage_dissolve(marriage=current, ended_on=on, actor=actor, source=FEED,
                                  source_ref=_ref_text(row))  # fmt: skip
            else:
                person_update(
                    person=person, expected_version=person.version,
                    changes={"marital_status": after}, actor=actor, source=FEED,
                    kind=LifeEvent.Kind.DIVORCE, event_date=on, source_ref=_ref_text(row),
                    evidence=_evidence(row, evidence),
                )  # fmt: skip
            return person
    else:
        kind = _REUNION.get(row.event_type, Marriage.Kind.FIRST)
        after = _STATUS_FOR[kind]
        spouse = _spouse(row, person)
        if spouse is not None and not spouse.is_active:
            spouse = None
        plan.action = _("登记结婚") if spouse else _("更新婚姻状况")
        if spouse is not None:
            plan.changes.append((_("配偶"), "", spouse.name))

        def run(actor: User, evidence: str) -> Person:
            if spouse is not None:
                husband, wife = (person, spouse) if person.sex == "M" else (spouse, person)
                marriage_register(husband=husband, wife=wife, married_on=on, kind=kind,
                                  actor=actor, source=FEED, source_ref=_ref_text(row))  # fmt: skip
            else:
                person_update(
                    person=person, expected_version=person.version,
                    changes={"marital_status": after}, actor=actor, source=FEED,
                    kind=LifeEvent.Kind.MARRIAGE, event_date=on, source_ref=_ref_text(row),
                    evidence=_evidence(row, evidence),
                )  # fmt: skip
            return person

    plan.changes.insert(0, (_("婚姻状况"), before, str(MaritalStatus(after).label)))
    plan.run = run


def _plan_separation(plan: Plan) -> None:
    row, person = plan.row, plan.person
    assert row is not None
    assert person is not None
    s = Subject(kind=row.batch.kind, row=row, side=_side(row, person), person_id=person.pk,
                method="", role="mother" if row.batch.kind == "birth_cert" else "self",
                evidence={})  # fmt: skip
    found = separation_of(s, load_facts([s]))
    if found is None:
        plan.refused = _("登记的户籍地、现居住地已与部门数据一致。")
        return
    name, village_pk = found
    village = OrgUnit.objects.get(pk=village_pk)
    plan.action = _("更新户籍地") if name == "hukou_unit" else _("更新现居住地")
    label = _("户籍地") if name == "hukou_unit" else _("现居住地")
    plan.changes = [(label, _text(getattr(person, name)), village.name)]

    def run(actor: User, evidence: str) -> Person:
        return person_update(
            person=person, expected_version=person.version,
            changes={name: village, name.replace("_unit", "_code"): village.code},
            actor=actor, source=FEED, evidence=_evidence(row, evidence),
            source_ref=_ref_text(row),
        )  # fmt: skip

    plan.run = run


def resolution_plan(item: WorkItem) -> Plan:
    """What each resolution of ``item`` would do (the person as read now: its version is
    the one the confirmation form carries)."""
    code = _code(item)
    person = (
        Person.objects.select_related("org_unit", "hukou_unit", "residence_unit", "mother")
        .filter(pk=item.subject_person_id).first() if item.subject_person_id else None
    )  # fmt: skip
    row_pk = _ref(item, "feedrow:")
    row = FeedRow.objects.select_related("batch").filter(pk=row_pk).first() if row_pk else None
    plan = Plan(item=item, code=code, row=row, person=person)
    if code == d.DUPLICATE.code:
        cand_pk = ref_candidate(item.subject_ref)
        plan.candidate = DuplicateCandidate.objects.filter(pk=cand_pk).first() if cand_pk else None
        plan.refused = _("重复记录请在疑似重复页面合并。")
        return plan
    if code == d.NO_HUKOU.code:
        plan.refused = _("户口登记由家庭到派出所办理，登记中无可更新。")
        return plan
    if row is None:
        plan.refused = _("找不到该事项对应的部门数据。")
        return plan
    if code == d.CONFLICTING.code:
        _plan_correct(plan)
    elif person is None and code != d.MISSING_PERSON.code:
        plan.refused = _("该事项没有对应的登记人员。")
    elif code == d.SHOULD_HAVE_LEFT.code:
        _plan_leave(plan)
    elif code in (d.UNREPORTED_EVENT.code, d.MISSING_PERSON.code):
        _plan_new_person(plan, birth=code == d.UNREPORTED_EVENT.code)
    elif code == d.MARRIAGE_NOT_REFLECTED.code:
        _plan_marriage(plan)
    elif code == d.SEPARATION.code:
        _plan_separation(plan)
    else:
        plan.refused = _("该类事项不能按部门数据更新。")
    return plan


# --- closing ---------------------------------------------------------------------------


def _check(item: WorkItem, plan: Plan, resolution: str, actor: User) -> None:
    if not has_cap(actor, Cap.WORK_ITEMS) or not unit_in_scope(actor, item.org_unit):
        raise PermissionDenied(_("没有权限。"))
    if not item.kind.startswith("discrepancy.") or item.status != WorkItem.Status.OPEN:
        raise ValidationError(_("该事项不是未销号的比对差异。"))
    if resolution not in ALLOWED.get(plan.code, frozenset()):
        raise ValidationError(_("该类差异不能以此方式销号。"))
    if resolution == R.APPLY:
        if not has_cap(actor, Cap.EDIT_REGISTER):
            raise PermissionDenied(_("按部门数据更新登记须由乡镇或县级办理。"))
        if plan.person is not None and not unit_in_scope(actor, plan.person.org_unit):
            raise PermissionDenied(_("该人员不在您的管辖范围内。"))
        if plan.refused or plan.run is None:
            raise ValidationError(plan.refused or _("该类事项不能按部门数据更新。"))


def _close_siblings(item: WorkItem, person: Person | None, actor: User) -> None:
    """A marriage applied for one spouse also settles the other spouse's item."""
    if _code(item) != d.MARRIAGE_NOT_REFLECTED.code or person is None:
        return
    others = (
        WorkItem.objects.filter(
            kind=item.kind, subject_ref=item.subject_ref, status=WorkItem.Status.OPEN
        )
        .exclude(pk=item.pk)
        .select_related("org_unit")
    )
    for other in others:
        if unit_in_scope(actor, other.org_unit):
            workitem_close(item=other, outcome=Outcome.RESOLVED, actor=actor,
                           expected_version=other.version, evidence=item.evidence,
                           note=_("已随配偶的事项一并办理"))  # fmt: skip


def _reject_link(plan: Plan, actor: User, note: str) -> None:
    """ "Not our person" for a linked subject: the reviewer's rejection keeps the next run
    from linking the pair again (only for users who review links)."""
    from renkou.exchange.link_review import link_decide

    if plan.row is None or plan.person is None or not has_cap(actor, Cap.REVIEW_LINKS):
        return
    link = (
        FeedLink.objects.filter(feed_row=plan.row, person=plan.person, run__is_latest=True)
        .exclude(review=FeedLink.Review.REJECTED)
        .select_related("feed_row__batch", "person__org_unit", "run")
        .first()
    )
    if link is not None:
        link_decide(link=link, decision=FeedLink.Review.REJECTED, actor=actor,
                    expected_review=link.review, note=note)  # fmt: skip


def discrepancy_resolve(
    *, item: WorkItem, resolution: str, evidence: str, actor: User, expected_version: int,
    person_version: int | None = None, note: str = "",
) -> Resolution:  # fmt: skip
    """Close ``item`` with ``resolution``; "apply" changes the register first (all in one
    transaction). ``person_version`` is the version the confirmation page showed: a
    change since then raises ConflictError and nothing is written. What it writes into
    the register (evidence, notes, the recorded changes) is in the register's language,
    whatever language the user reads."""
    with translation.override(settings.LANGUAGE_CODE):
        return _resolve(
            item=item, resolution=resolution, evidence=evidence, actor=actor,
            expected_version=expected_version, person_version=person_version, note=note,
        )  # fmt: skip


def _resolve(
    *, item: WorkItem, resolution: str, evidence: str, actor: User, expected_version: int,
    person_version: int | None, note: str,
) -> Resolution:  # fmt: skip
    plan = resolution_plan(item)
    _check(item, plan, resolution, actor)
    text = clean_evidence(evidence)
    with transaction.atomic():
        person = plan.person
        if resolution == R.APPLY and person is not None:
            fresh = Person.objects.select_for_update().get(pk=person.pk)
            if person_version is None or fresh.version != person_version:
                raise ConflictError(fresh)
        if resolution == R.REGISTER_RIGHT and plan.candidate is not None:
            duplicate_dismiss(candidate=plan.candidate, actor=actor, evidence=text)
        changed: Person | None = person
        if resolution == R.APPLY:
            assert plan.run is not None
            changed = plan.run(actor, text)
        outcome = Outcome.DONE if resolution == R.APPLY else Outcome.RESOLVED
        label = str(R(resolution).label)
        workitem_close(item=item, outcome=outcome, evidence=text, actor=actor,
                       expected_version=expected_version,
                       note=f"{label}{'：' + note.strip() if note.strip() else ''}")  # fmt: skip
        record = Resolution.objects.create(
            item=item, resolution=resolution, feed_row=plan.row, person=changed,
            changes={k: [b, a] for k, b, a in plan.changes} if resolution == R.APPLY else {},
            evidence=text, decided_by=actor, decided_at=timezone.now(),
        )  # fmt: skip
        if resolution == R.APPLY:
            _close_siblings(item, changed, actor)
        if resolution == R.NOT_OURS:
            _reject_link(plan, actor, text)
        audit_record(
            action="discrepancy.resolve", actor=actor, object_type="workitem",
            object_id=item.pk,
            detail={"class": plan.code, "resolution": resolution,
                    "person": str(changed.pk if changed else ""),
                    "fields": ",".join(k for k, _b, _a in plan.changes)
                    if resolution == R.APPLY else ""},
        )  # fmt: skip
    return record
