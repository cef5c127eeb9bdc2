"""Each kind of change report, filed by the officer and accepted by the clerk, end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from renkou.core.models import AuditEvent
from renkou.registry.models import (
    ChangeReport,
    LifeEvent,
    Marriage,
    Membership,
    Person,
    ReportPeriod,
)
from renkou.registry.services.changereport_checks import ReportInput
from renkou.registry.services.changereports import (
    ReportConflictError,
    changereport_accept,
    changereport_file,
    changereport_resubmit,
    changereport_return,
)
from renkou.registry.services.marriages import marriage_register
from renkou.registry.services.persons import person_deregister
from tests.changereport_factories import birth_input, days_ago, file_birth, make_family, new_id
from tests.conftest import Cast
from tests.factories import make_person

Kind = ChangeReport.Kind
pytestmark = pytest.mark.django_db


def _accept(cast: Cast, report: ChangeReport) -> ChangeReport:
    return changereport_accept(
        report=report, expected_version=report.version, actor=cast.users["clerk"]
    )


def _kinds(person: Person) -> set[str]:
    return set(person.events.values_list("kind", flat=True))


def test_birth_end_to_end(cast: Cast) -> None:
    family = make_family(cast.village)
    child_id = new_id(days_ago(5), "M")
    report = file_birth(cast.users["officer"], family, id_number=child_id)
    assert report.status == ChangeReport.Status.SUBMITTED
    assert report.household == family.household  # defaulted to the mother's household
    assert report.id_masked
    assert child_id not in report.id_masked
    assert report.period.month == days_ago(5).replace(day=1)
    _accept(cast, report)
    report.refresh_from_db()
    child = report.result_person
    assert report.status == ChangeReport.Status.ACCEPTED
    assert child is not None
    assert child.mother == family.wife
    assert child.father == family.husband
    assert child.org_unit == cast.village
    assert child.marital_status == "10"
    assert child.id_masked == report.id_masked
    member = Membership.objects.get(person=child, left__isnull=True)
    assert member.household == family.household
    assert member.relation == "20"
    assert {LifeEvent.Kind.BIRTH, LifeEvent.Kind.HOUSEHOLD} <= _kinds(child)
    birth = child.events.get(kind=LifeEvent.Kind.BIRTH)
    assert birth.source == LifeEvent.Source.CHANGE_REPORT
    assert birth.source_ref == str(report.pk)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"changereport.file", "changereport.accept", "person.create"} <= actions


def test_death_end_to_end_widows_the_spouse(cast: Cast) -> None:
    family = make_family(cast.village)
    marriage_register(
        husband=family.husband,
        wife=family.wife,
        married_on=dt.date(2018, 1, 1),
        kind="first",
        actor=None,
        source="form",
    )
    data = ReportInput(kind=Kind.DEATH, event_date=days_ago(3), subject=family.husband)
    report = changereport_file(actor=cast.users["officer"], data=data)
    _accept(cast, report)
    husband = Person.objects.get(pk=family.husband.pk)
    assert husband.status == Person.Status.LEFT
    assert husband.left_reason == "died"
    assert husband.death_date == days_ago(3)
    assert LifeEvent.Kind.DEATH in _kinds(husband)
    assert not Membership.objects.filter(person=husband, left__isnull=True).exists()
    assert Marriage.objects.get().status == Marriage.Status.WIDOWED
    assert Person.objects.get(pk=family.wife.pk).marital_status == "30"


def test_marriage_and_divorce_end_to_end(cast: Cast) -> None:
    officer = cast.users["officer"]
    family = make_family(cast.village)
    data = ReportInput(
        kind=Kind.MARRIAGE,
        event_date=days_ago(20),
        subject=family.husband,
        spouse=family.wife,
        marriage_kind="first",
    )
    _accept(cast, changereport_file(actor=officer, data=data))
    marriage = Marriage.objects.get()
    assert (marriage.husband, marriage.wife, marriage.kind) == (
        family.husband,
        family.wife,
        "first",
    )
    for spouse in (family.husband, family.wife):
        spouse.refresh_from_db()
        assert spouse.marital_status == "21"
        assert LifeEvent.Kind.MARRIAGE in _kinds(spouse)
    divorce = ReportInput(kind=Kind.DIVORCE, event_date=days_ago(2), subject=family.wife)
    report = changereport_file(actor=officer, data=divorce)
    assert report.spouse == family.husband
    _accept(cast, report)
    marriage.refresh_from_db()
    assert marriage.status == Marriage.Status.DIVORCED
    assert marriage.ended_on == days_ago(2)
    for spouse in (family.husband, family.wife):
        spouse.refresh_from_db()
        assert spouse.marital_status == "40"
        assert LifeEvent.Kind.DIVORCE in _kinds(spouse)


def test_move_in_and_move_out(cast: Cast) -> None:
    officer = cast.users["officer"]
    family = make_family(cast.village)
    born = dt.date(1960, 4, 5)
    data = ReportInput(
        kind=Kind.MOVE_IN,
        event_date=days_ago(4),
        name="王父",
        sex="M",
        birth_date=born,
        id_number=new_id(born, "M", area="370402"),
        place="市中区某街道",
        household=family.household,
        relation="51",
    )
    report = _accept(cast, changereport_file(actor=officer, data=data))
    mover = report.result_person
    assert mover is not None
    assert mover.hukou_unit == cast.village
    assert LifeEvent.Kind.MOVE_IN in _kinds(mover)
    assert Membership.objects.get(person=mover, left__isnull=True).household == family.household
    out = ReportInput(
        kind=Kind.MOVE_OUT, event_date=days_ago(1), subject=mover, place="枣庄市市中区"
    )
    _accept(cast, changereport_file(actor=officer, data=out))
    mover.refresh_from_db()
    assert (mover.status, mover.left_reason) == (Person.Status.LEFT, "moved_out")
    assert LifeEvent.Kind.MOVE_OUT in _kinds(mover)


def test_migrant_arrival_and_departure(cast: Cast) -> None:
    officer = cast.users["officer"]
    born = dt.date(1990, 8, 8)
    data = ReportInput(
        kind=Kind.MIGRANT_IN,
        event_date=days_ago(6),
        name="赵流",
        sex="F",
        birth_date=born,
        id_number=new_id(born, "F", area="320102"),
        place="江苏省南京市玄武区",
    )
    report = _accept(cast, changereport_file(actor=officer, data=data))
    migrant = report.result_person
    assert migrant is not None
    assert migrant.hukou_unit is None
    assert migrant.hukou_code == "320102000000"
    assert migrant.residence_unit == cast.village
    local = make_person(
        org_unit=cast.village, name="孙外出", sex="M", birth_date=dt.date(1988, 1, 1)
    )
    out = ReportInput(
        kind=Kind.MIGRANT_OUT,
        event_date=days_ago(2),
        subject=local,
        place="上海市浦东新区某厂",
        place_code="310115000000",
    )
    _accept(cast, changereport_file(actor=officer, data=out))
    local.refresh_from_db()
    assert local.status == Person.Status.ACTIVE  # a migrant who left stays ours
    assert (local.residence_unit, local.residence_code) == (None, "310115000000")
    assert local.address == "上海市浦东新区某厂"


def test_migrant_arrival_from_inside_the_county_is_refused(cast: Cast) -> None:
    born = dt.date(1990, 8, 8)
    data = ReportInput(
        kind=Kind.MIGRANT_IN,
        event_date=days_ago(6),
        name="赵本县",
        sex="F",
        birth_date=born,
        id_number=new_id(born, "F"),
        place="本县",
    )
    with pytest.raises(ValidationError) as exc:
        changereport_file(actor=cast.users["officer"], data=data)
    assert "place_code" in exc.value.message_dict


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"event_date": dt.date.today() + dt.timedelta(days=3)}, "event_date"),
        ({"mother": None}, "mother"),
        ({"sex": ""}, "sex"),
        ({"name": "  "}, "name"),
        ({"id_number": "370404199001011234"}, "id_number"),  # check digit / birth date disagree
        ({"relation": "02"}, "relation"),
    ],
)
def test_birth_validation(cast: Cast, overrides: dict[str, object], field: str) -> None:
    family = make_family(cast.village)
    with pytest.raises(ValidationError) as exc:
        changereport_file(actor=cast.users["officer"], data=birth_input(family, **overrides))
    assert field in exc.value.message_dict
    assert not ChangeReport.objects.exists()


def test_mother_too_young_is_refused(cast: Cast) -> None:
    family = make_family(cast.village, wife_birth=days_ago(365 * 13))
    with pytest.raises(ValidationError) as exc:
        file_birth(cast.users["officer"], family)
    assert "未满14周岁" in " ".join(exc.value.message_dict["mother"])


def test_out_of_scope_and_departed_persons_are_refused(cast: Cast) -> None:
    other = make_family(cast.other_village)
    with pytest.raises(ValidationError) as exc:
        file_birth(cast.users["officer"], other)
    assert "mother" in exc.value.message_dict
    mine = make_family(cast.village)
    dead = ReportInput(kind=Kind.DEATH, event_date=days_ago(3), subject=mine.husband)
    _accept(cast, changereport_file(actor=cast.users["officer"], data=dead))
    again = ReportInput(
        kind=Kind.DEATH, event_date=days_ago(2), subject=Person.objects.get(pk=mine.husband.pk)
    )
    with pytest.raises(ValidationError) as exc:
        changereport_file(actor=cast.users["officer"], data=again)
    assert "已不在册" in " ".join(exc.value.message_dict["subject"])


def test_death_before_birth_is_refused(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, birth_date=dt.date(2000, 1, 1))
    data = ReportInput(kind=Kind.DEATH, event_date=dt.date(1999, 1, 1), subject=person)
    with pytest.raises(ValidationError) as exc:
        changereport_file(actor=cast.users["officer"], data=data)
    assert "event_date" in exc.value.message_dict


def test_only_village_officers_of_scope_file_and_only_clerks_of_scope_review(cast: Cast) -> None:
    family = make_family(cast.village)
    with pytest.raises(ValidationError):
        changereport_file(actor=cast.users["clerk"], data=birth_input(family))
    report = file_birth(cast.users["officer"], family)
    for who in ("other_clerk", "officer"):
        with pytest.raises(PermissionDenied):
            changereport_accept(
                report=report, expected_version=report.version, actor=cast.users[who]
            )


def test_double_accept_fails_cleanly(cast: Cast) -> None:
    report = file_birth(cast.users["officer"], make_family(cast.village))
    version = report.version
    stale = ChangeReport.objects.get(pk=report.pk)  # a second clerk's page, read before
    changereport_accept(report=report, expected_version=version, actor=cast.users["clerk"])
    with pytest.raises(ReportConflictError):
        changereport_accept(report=stale, expected_version=version, actor=cast.users["clerk"])
    assert Person.objects.filter(name="王小明").count() == 1


def test_failed_apply_leaves_report_pending(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, name="钱某")
    data = ReportInput(kind=Kind.DEATH, event_date=days_ago(3), subject=person)
    report = changereport_file(actor=cast.users["officer"], data=data)
    # Meanwhile the person left the register another way (e.g. a police move-out).
    person_deregister(
        person=person,
        expected_version=person.version,
        reason="moved_out",
        on=days_ago(2),
        actor=None,
        source="feed",
    )
    with pytest.raises(ValidationError):
        _accept(cast, report)
    report.refresh_from_db()
    assert report.status == ChangeReport.Status.SUBMITTED
    assert report.version == 1
    assert not Person.objects.get(pk=person.pk).events.filter(kind=LifeEvent.Kind.DEATH).exists()


def test_return_and_resubmit(cast: Cast) -> None:
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    family = make_family(cast.village)
    report = file_birth(officer, family, name="王错名")
    with pytest.raises(ValidationError):
        changereport_return(
            report=report, expected_version=report.version, actor=clerk, reason="  "
        )
    changereport_return(
        report=report, expected_version=report.version, actor=clerk, reason="姓名有误"
    )
    assert report.status == ChangeReport.Status.RETURNED
    with pytest.raises(ValidationError):
        _accept(cast, report)  # a returned report is not 待审核
    changereport_resubmit(
        report=report, expected_version=report.version, actor=officer, data=birth_input(family)
    )
    report.refresh_from_db()
    assert (report.status, report.name) == (ChangeReport.Status.SUBMITTED, "王小明")
    _accept(cast, report)
    assert Person.objects.filter(name="王小明").count() == 1
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "changereport.return" in actions
    assert "changereport.resubmit" in actions


def test_resubmit_keeps_the_stored_id_when_left_blank(cast: Cast) -> None:
    officer = cast.users["officer"]
    family = make_family(cast.village)
    child_id = new_id(days_ago(5), "M")
    report = file_birth(officer, family, id_number=child_id)
    masked = report.id_masked
    changereport_return(
        report=report, expected_version=report.version, actor=cast.users["clerk"], reason="补充"
    )
    changereport_resubmit(
        report=report, expected_version=report.version, actor=officer, data=birth_input(family)
    )
    report.refresh_from_db()
    assert report.id_masked == masked


def test_period_of_a_report_is_its_event_month(cast: Cast) -> None:
    family = make_family(cast.village)
    event = days_ago(40)
    report = file_birth(cast.users["officer"], family, event_date=event)
    assert report.period == ReportPeriod.objects.get(
        org_unit=cast.village, month=event.replace(day=1)
    )
    assert report.amends_period is None
