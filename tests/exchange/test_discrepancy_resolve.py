"""Closing discrepancy items with an outcome that acts on the register (exchange.resolve)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from renkou.core.models import AuditEvent
from renkou.exchange.models import FeedLink, LinkDecision, Resolution
from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.resolve import discrepancy_resolve, resolution_plan
from renkou.registry.models import DuplicateCandidate, LifeEvent, Marriage, Membership, Person
from renkou.registry.services.persons import ConflictError, person_update
from renkou.worklists.models import WorkItem
from renkou.worklists.services import ConflictError as ItemConflictError
from tests.duplicates_factories import household_with
from tests.exchange.feed_files import make_id
from tests.exchange.linkreview_helpers import EAST, birth, load, marriage, police, pupil
from tests.factories import make_person

pytestmark = pytest.mark.django_db
DEAD, NAMED, MOTHER = make_id("19500101", "111"), make_id("19800808", "171"), make_id(
    "19920202", "242")  # fmt: skip
HUSBAND, WIFE, NEWP = make_id("19900101", "191"), make_id("19910101", "202"), make_id(
    "20150505", "151")  # fmt: skip
AWAY, TWIN = make_id("20160606", "161"), make_id("19850505", "131")


@pytest.fixture
def cases(cast: Any, tmp_path: Path, settings: Any) -> dict[str, Person]:
    settings.DATA_DIR = tmp_path / "data"
    v = cast.village
    people = {
        "dead": make_person(org_unit=v, name="王五", birth_date=dt.date(1950, 1, 1),
                            id_number=DEAD),
        "named": make_person(org_unit=v, name="张伟", birth_date=dt.date(1980, 8, 8),
                             id_number=NAMED),
        "mother": make_person(org_unit=v, name="李四", sex="F", birth_date=dt.date(1992, 2, 2),
                              id_number=MOTHER),
        "husband": make_person(org_unit=v, name="刘强", birth_date=dt.date(1990, 1, 1),
                               id_number=HUSBAND, marital_status="10"),
        "wife": make_person(org_unit=v, name="陈静", sex="F", birth_date=dt.date(1991, 1, 1),
                            id_number=WIFE, marital_status="10"),
        "away": make_person(org_unit=v, name="钱多", birth_date=dt.date(2016, 6, 6),
                            id_number=AWAY),
        "twin1": make_person(org_unit=v, name="周强", birth_date=dt.date(1985, 5, 5),
                             id_number=TWIN),
        "twin2": make_person(org_unit=v, name="周强", birth_date=dt.date(1985, 5, 5),
                             id_number=TWIN),
    }  # fmt: skip
    load(tmp_path, "2026-01", {
        "police": [police("王五", DEAD, "1950-01-01", "死亡", "Y1"),
                   police("张卫", NAMED, "1980-08-08", "迁入", "Y2")],
        "birth_cert": [birth("李宝", "男", "2026-01-02", "P1", ("李四", MOTHER))],
        "marriage": [marriage(("刘强", HUSBAND, "1990-01-01"), ("陈静", WIFE, "1991-01-01"),
                              "结婚", "2026-01-09")],
        "pupil": [pupil("吴九", NEWP, "2015-05-05"), pupil("钱多", AWAY, "2016-06-06", addr=EAST),
                  pupil("周强", TWIN, "1985-05-05")],
    })  # fmt: skip
    reconcile_month(month="2026-01", actor=None)
    return people


def _item(code: str, person: Person | None = None) -> WorkItem:
    items = WorkItem.objects.filter(kind=f"discrepancy.{code}", status="open")
    if person is not None:
        items = items.filter(subject_person=person)
    return items.get()


def _resolve(who: Any, item: WorkItem, resolution: str = "apply", **kw: Any) -> Resolution:
    plan = resolution_plan(item)
    version = plan.person.version if plan.person else None
    record = discrepancy_resolve(
        item=item, resolution=resolution, evidence=kw.pop("evidence", "村里核实"), actor=who,
        expected_version=item.version, person_version=kw.pop("person_version", version), **kw,
    )  # fmt: skip
    audit = AuditEvent.objects.get(action="discrepancy.resolve", object_id=str(item.pk))
    assert (audit.actor, audit.detail["resolution"]) == (who, resolution)
    return record


def _event(person: Person, kind: str) -> LifeEvent:
    return LifeEvent.objects.filter(person=person, kind=kind).latest("id")


def test_every_class_is_opened(cases: dict[str, Person]) -> None:
    codes = set(WorkItem.objects.values_list("kind", flat=True))
    assert codes == {f"discrepancy.{c}" for c in (
        "should_have_left", "conflicting", "unreported_event", "marriage_not_reflected",
        "missing_person", "separation", "duplicate")}  # fmt: skip


def test_apply_death_deregisters_with_the_feed_row_as_evidence(
    cast: Any, cases: dict[str, Person]
) -> None:
    item = _item("should_have_left")
    record = _resolve(cast.users["clerk"], item)
    person = Person.objects.get(pk=cases["dead"].pk)
    assert (person.status, person.left_reason, person.death_date) == (
        "left", "died", dt.date(2026, 1, 5))  # fmt: skip
    event = _event(person, "death")
    assert (event.source, event.source_ref) == ("feed", item.subject_ref)
    assert "村里核实" in event.evidence
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("closed", "done")
    assert (record.resolution, record.changes["状态"]) == ("apply", ["在册", "已出队"])
    assert AuditEvent.objects.filter(action="discrepancy.resolve", object_id=str(item.pk),
                                     actor=cast.users["clerk"]).exists()  # fmt: skip
    assert AuditEvent.objects.filter(action="person.deregister", object_id=str(person.pk)).exists()


def test_apply_correction_changes_the_name(cast: Any, cases: dict[str, Person]) -> None:
    item = _item("conflicting")
    plan = resolution_plan(item)
    assert plan.changes == [("姓名", "张伟", "张卫")]
    _resolve(cast.users["clerk"], item)
    person = Person.objects.get(pk=cases["named"].pk)
    assert person.name == "张卫"
    assert _event(person, "correction").changes["name"] == ["张伟", "张卫"]


def test_apply_unreported_birth_registers_the_child(cast: Any, cases: dict[str, Person]) -> None:
    card = household_with(org_unit=cast.village, head=cases["mother"])
    item = _item("unreported_event")
    assert ("所在户", "", card.code) in resolution_plan(item).changes
    _resolve(cast.users["county"], item)
    child = Person.objects.get(name="李宝")
    assert (child.mother, child.sex, child.birth_date, child.org_unit) == (
        cases["mother"], "M", dt.date(2026, 1, 2), cast.village)  # fmt: skip
    assert _event(child, "birth").source == "feed"
    membership = Membership.objects.get(person=child, left__isnull=True)
    assert (membership.household, membership.relation) == (card, "20")


def test_apply_missing_person_creates_the_record(cast: Any, cases: dict[str, Person]) -> None:
    item = _item("missing_person")
    _resolve(cast.users["clerk"], item)
    person = Person.objects.get(name="吴九")
    assert person.org_unit == cast.village
    assert person.id_masked[:6] == NEWP[:6]
    assert _event(person, "registered").source_ref == item.subject_ref


def test_apply_marriage_registers_the_couple(cast: Any, cases: dict[str, Person]) -> None:
    items = WorkItem.objects.filter(kind="discrepancy.marriage_not_reflected")
    assert items.count() == 2
    _resolve(cast.users["clerk"], _item("marriage_not_reflected", cases["husband"]))
    marriage_row = Marriage.objects.get()
    assert (marriage_row.husband, marriage_row.wife) == (cases["husband"], cases["wife"])
    for key in ("husband", "wife"):
        assert Person.objects.get(pk=cases[key].pk).marital_status == "21"
    assert set(items.values_list("status", flat=True)) == {"closed"}  # the spouse's too


def test_apply_separation_updates_the_residence(cast: Any, cases: dict[str, Person]) -> None:
    item = _item("separation")
    plan = resolution_plan(item)
    assert plan.changes == [("现居住地", "大官庄村", "东王庄村")]
    _resolve(cast.users["clerk"], item)
    person = Person.objects.get(pk=cases["away"].pk)
    assert person.residence_unit == cast.other_village
    assert person.org_unit == cast.village  # the managing unit follows its own rules


@pytest.mark.parametrize("resolution", ["register_right", "other"])
def test_closing_without_change_leaves_the_register(
    cast: Any, cases: dict[str, Person], resolution: str
) -> None:
    item = _item("conflicting")
    before = Person.objects.get(pk=cases["named"].pk)
    record = _resolve(cast.users["officer"], item, resolution)
    after = Person.objects.get(pk=before.pk)
    assert (after.name, after.version) == (before.name, before.version)
    item.refresh_from_db()
    assert (item.status, item.outcome, record.changes) == ("closed", "resolved", {})
    assert item.outcome_note.startswith(str(Resolution.Kind(resolution).label))


def test_not_ours_rejects_the_link_for_the_next_run(cast: Any, cases: dict[str, Person]) -> None:
    _resolve(cast.users["clerk"], _item("conflicting"), "not_ours")
    decision = LinkDecision.objects.get()
    assert (decision.person, decision.decision) == (cases["named"], "rejected")
    reconcile_month(month="2026-01", actor=None)
    link = FeedLink.objects.get(run__is_latest=True, person=cases["named"])
    assert link.review == "rejected"


def test_duplicate_register_right_dismisses_the_candidate(
    cast: Any, cases: dict[str, Person]
) -> None:
    item = _item("duplicate")
    with pytest.raises(ValidationError):
        _resolve(cast.users["clerk"], item, "apply")
    _resolve(cast.users["clerk"], item, "register_right")
    assert DuplicateCandidate.objects.get().status == "dismissed"


def test_stale_person_version_is_a_conflict(cast: Any, cases: dict[str, Person]) -> None:
    item = _item("conflicting")
    shown = resolution_plan(item).person
    assert shown is not None
    person_update(person=Person.objects.get(pk=shown.pk), expected_version=shown.version,
                  changes={"address": "新地址"}, actor=None, source="form")  # fmt: skip
    with pytest.raises(ConflictError):
        _resolve(cast.users["clerk"], item, person_version=shown.version)
    assert Person.objects.get(pk=shown.pk).name == "张伟"
    item.refresh_from_db()
    assert item.status == "open"


def test_stale_item_version_rolls_the_register_back(cast: Any, cases: dict[str, Person]) -> None:
    item = _item("should_have_left")
    plan = resolution_plan(item)
    assert plan.person is not None
    with pytest.raises(ItemConflictError):
        discrepancy_resolve(
            item=item,
            resolution="apply",
            evidence="核实",
            actor=cast.users["clerk"],
            expected_version=item.version + 5,
            person_version=plan.person.version,
        )
    assert Person.objects.get(pk=cases["dead"].pk).status == "active"
    assert not Resolution.objects.exists()


def test_refusals(cast: Any, cases: dict[str, Person]) -> None:
    item = _item("should_have_left")
    with pytest.raises(PermissionDenied):  # a village officer may not change the register
        _resolve(cast.users["officer"], item)
    with pytest.raises(PermissionDenied):  # another township
        _resolve(cast.users["other_clerk"], item, "other")
    with pytest.raises(ValidationError):  # no such resolution
        _resolve(cast.users["clerk"], item, "delete_everything")
    with pytest.raises(ValidationError):  # evidence is required and must not carry a number
        _resolve(cast.users["clerk"], item, "other", evidence="   ")
    with pytest.raises(ValidationError):
        _resolve(cast.users["clerk"], item, "other", evidence=f"号码{DEAD}")
    assert Person.objects.get(pk=cases["dead"].pk).status == "active"
    _resolve(cast.users["clerk"], item, "other")
    with pytest.raises(ValidationError):  # already closed
        _resolve(cast.users["clerk"], item, "other")


def test_marriage_with_a_spouse_from_elsewhere_updates_the_status(
    cast: Any, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    husband = make_person(org_unit=cast.village, name="刘强", birth_date=dt.date(1990, 1, 1),
                          id_number=HUSBAND, marital_status="10")  # fmt: skip
    outsider = make_id("19910101", "202", area="370102")
    load(tmp_path, "2026-01", {"marriage": [marriage(("刘强", HUSBAND, "1990-01-01"),
                                                     ("陈静", outsider, "1991-01-01"), "结婚",
                                                     "2026-01-09")]})  # fmt: skip
    reconcile_month(month="2026-01", actor=None)
    _resolve(cast.users["clerk"], _item("marriage_not_reflected"))
    person = Person.objects.get(pk=husband.pk)
    assert person.marital_status == "21"
    event = _event(person, "marriage")
    assert (event.event_date, event.source) == (dt.date(2026, 1, 9), "feed")
    assert not Marriage.objects.exists()


def test_divorce_dissolves_the_registered_marriage(
    cast: Any, tmp_path: Path, settings: Any
) -> None:
    from renkou.registry.services.marriages import marriage_register

    settings.DATA_DIR = tmp_path / "data"
    husband = make_person(org_unit=cast.village, name="刘强", birth_date=dt.date(1990, 1, 1),
                          id_number=HUSBAND)  # fmt: skip
    wife = make_person(org_unit=cast.village, name="陈静", sex="F",
                       birth_date=dt.date(1991, 1, 1), id_number=WIFE)  # fmt: skip
    couple = marriage_register(husband=husband, wife=wife, married_on=dt.date(2015, 1, 1),
                               kind="first", actor=None, source="form")  # fmt: skip
    load(tmp_path, "2026-01", {"marriage": [marriage(("刘强", HUSBAND, "1990-01-01"),
                                                     ("陈静", WIFE, "1991-01-01"), "离婚",
                                                     "2026-01-09")]})  # fmt: skip
    reconcile_month(month="2026-01", actor=None)
    _resolve(cast.users["clerk"], _item("marriage_not_reflected", husband))
    couple.refresh_from_db()
    assert (couple.status, couple.ended_on) == ("divorced", dt.date(2026, 1, 9))
    assert {p.marital_status for p in Person.objects.filter(pk__in=(husband.pk, wife.pk))} == {
        "40"}  # fmt: skip
    assert not WorkItem.objects.filter(status="open", kind__contains="marriage").exists()


def test_a_person_s_decision_survives_a_rerun_of_the_month(
    cast: Any, cases: dict[str, Person]
) -> None:
    item = _item("conflicting")
    _resolve(cast.users["officer"], item, "register_right")
    summary = reconcile_month(month="2026-01", actor=None)
    # The register is right: the same feed row does not open a second 错登 item.
    same = WorkItem.objects.filter(
        kind="discrepancy.conflicting", subject_person=item.subject_person,
        subject_ref=item.subject_ref,
    )  # fmt: skip
    assert list(same) == [item]
    assert summary.items_opened == 0


def test_what_a_resolution_writes_is_in_the_registers_language(
    cast: Any, cases: dict[str, Person]
) -> None:
    from django.utils import translation

    item = _item("should_have_left")
    with translation.override("en"):  # a clerk reading the English pages
        record = _resolve(cast.users["clerk"], item, "apply", evidence="村里核实")
    event = _event(Person.objects.get(pk=cases["dead"].pk), "death")
    assert "公安户籍变动第" in event.evidence
    assert record.changes["状态"] == ["在册", "已出队"]
    item.refresh_from_db()
    assert not any("a" <= ch <= "z" for ch in item.outcome_note.lower())
