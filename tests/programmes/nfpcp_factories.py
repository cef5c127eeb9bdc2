"""Test data for the pre-pregnancy check programme and contraceptive services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from renkou.core.models import OrgUnit, User
from renkou.programmes.models import ContraceptiveService, NfpcpCheck
from renkou.programmes.nfpcp import services
from renkou.programmes.nfpcp.items import ITEMS
from renkou.registry.models import Marriage
from renkou.registry.services.marriages import marriage_register
from tests.conftest import Cast
from tests.factories import make_person

_day = itertools.count(0)
_NORMAL_VALUES = {5: "125", 8: "5.0", 9: "22", 11: "70", 12: "2.1"}
IDS: dict[int, str] = {}  # person pk → identity number, for building result files


def make_couple(unit: OrgUnit, *, wife_name: str = "李娜", husband_name: str = "王强") -> Marriage:
    """A married couple of `unit` (distinct birthdays so the ID numbers never repeat)."""
    offset = dt.timedelta(days=next(_day))
    from tests.factories import make_id_number

    wife_born, husband_born = dt.date(1994, 3, 1) + offset, dt.date(1992, 6, 1) + offset
    wife_id, husband_id = make_id_number(wife_born, "F"), make_id_number(husband_born, "M")
    wife = make_person(org_unit=unit, name=wife_name, sex="F", birth_date=wife_born,
                       id_number=wife_id)  # fmt: skip
    husband = make_person(org_unit=unit, name=husband_name, sex="M", birth_date=husband_born,
                          id_number=husband_id)  # fmt: skip
    IDS[wife.pk], IDS[husband.pk] = wife_id, husband_id
    return marriage_register(
        husband=husband, wife=wife, married_on=dt.date(2020, 5, 1), kind="first", actor=None,
        source="form",
    )  # fmt: skip


def register(marriage: Marriage, actor: User) -> NfpcpCheck:
    return services.nfpcp_register(
        wife=marriage.wife,
        appointment_date=timezone.localdate() + dt.timedelta(days=7),
        facility="峄城区妇幼保健院",
        planned_from=None,
        actor=actor,
    )


def consent(check: NfpcpCheck, actor: User) -> NfpcpCheck:
    return services.nfpcp_consent(
        check=check, consent_on=timezone.localdate(), wife=True, husband=True, actor=actor
    )


def normal_result(item_no: int, subject: str) -> services.ResultInput:
    item = next(i for i in ITEMS if i.no == item_no)
    value = _NORMAL_VALUES.get(item_no) or item.choices[0]
    return services.ResultInput(
        item_no=item_no, subject=subject, value=value, unit=item.unit, abnormal=False,
        reviewer="张医生", examined_on=timezone.localdate(),
    )  # fmt: skip


def complete_results(check: NfpcpCheck, actor: User) -> None:
    for item in ITEMS:
        if item.no > 17:
            continue
        for subject in item.applies:
            services.nfpcp_result_record(
                check=check, data=normal_result(item.no, subject), actor=actor
            )


def assessed(cast: Cast, *, high: bool = False, unit: OrgUnit | None = None) -> NfpcpCheck:
    clerk = cast.users["clerk"] if unit is None or unit.path.startswith(cast.township.path) else (
        cast.users["county"])  # fmt: skip
    check = consent(register(make_couple(unit or cast.village), clerk), clerk)
    complete_results(check, clerk)
    return services.nfpcp_assess(
        check=check,
        risk_level="high" if high else "general",
        factors=["infection"] if high else [],
        counselling_class="B" if high else "",
        advice="注意营养，孕前3个月起补充叶酸。",
        assessed_by="张医生",
        assessed_on=timezone.localdate(),
        actor=clerk,
    )


def matrix_nfpcp(cast: Cast) -> int:
    return register(make_couple(cast.village), cast.users["clerk"]).pk


def matrix_contraception(cast: Cast) -> int:
    person = make_person(
        org_unit=cast.village, name="赵敏", sex="F", birth_date=dt.date(1990, 1, 9)
    )
    return ContraceptiveService.objects.create(
        person=person, org_unit=cast.village, method="condom", service_date=timezone.localdate(),
        provider="村卫生室", consent=True, recorded_by=cast.users["clerk"],
    ).pk  # fmt: skip


MATRIX_FACTORIES = {"nfpcp": matrix_nfpcp, "contraception": matrix_contraception}
