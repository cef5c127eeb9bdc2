"""The NFPCP services: eligibility, slips, the 19 items, assessment, referral, follow-ups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from renkou.core.models import AuditEvent
from renkou.programmes.models import NfpcpCheck, NfpcpResult, NfpcpSlipCounter
from renkou.programmes.nfpcp import services
from renkou.programmes.nfpcp.items import BY_NO, ITEMS, REQUIRED_BEFORE_ASSESSMENT, clean_result
from renkou.registry.services.marriages import marriage_dissolve
from renkou.worklists.models import WorkItem
from renkou.worklists.services import workitem_reopen
from tests.conftest import Cast
from tests.factories import make_person
from tests.programmes.nfpcp_factories import (
    assessed,
    complete_results,
    consent,
    make_couple,
    normal_result,
    register,
)

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


# --- the catalogue ---------------------------------------------------------------------


def test_the_catalogue_has_the_nineteen_items_with_their_sexes() -> None:
    assert [i.no for i in ITEMS] == list(range(1, 20))
    wife_only = {i.no for i in ITEMS if i.applies == "W"}
    both = {i.no for i in ITEMS if i.applies == "WH"}
    assert wife_only == {4, 5, 8, 12, 14, 15, 16, 17, 19}
    assert both == {1, 2, 3, 6, 7, 9, 10, 11, 13, 18}
    # 17 items with results before the assessment: 9 wife-only-ish + both for 8 shared.
    assert len(REQUIRED_BEFORE_ASSESSMENT) == 8 + 2 * 9


def test_a_husband_result_for_a_wife_only_item_is_refused() -> None:
    with pytest.raises(ValidationError, match="只适用于女方"):
        clean_result(item=BY_NO[14], subject="H", value="阴性", unit="", abnormal=False)
    # and the same item for the wife is fine
    assert clean_result(item=BY_NO[14], subject="W", value="阴性", unit="", abnormal=False)
    # The catalogue's reasons are translated like every other message.
    with translation.override("en"), pytest.raises(ValidationError, match="wife only"):
        clean_result(item=BY_NO[14], subject="H", value="阴性", unit="", abnormal=False)


@pytest.mark.parametrize(
    ("item", "value", "unit", "abnormal", "reason"),
    [
        (5, "125", "mg/dL", False, "单位应为 g/L"),
        (5, "125", "", False, "单位应为 g/L"),
        (5, "abc", "g/L", False, "不是数值"),
        (5, "-3", "g/L", False, "不是有效数值"),
        (5, "NaN", "g/L", False, "不是有效数值"),
        (5, "90", "g/L", False, "超出参考范围"),
        (13, "可疑", "", False, "不在可选结果中"),
        (13, "阴性", "g/L", False, "不应填写单位"),
        (19, "已完成", "", False, "第19项"),
        (6, "", "", False, "结果为空"),
    ],
)
def test_results_are_checked_against_the_catalogue(
    item: int, value: str, unit: str, abnormal: bool, reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        clean_result(item=BY_NO[item], subject="W", value=value, unit=unit, abnormal=abnormal)


def test_an_out_of_range_value_flagged_abnormal_is_kept_and_unit_aliases_fold() -> None:
    clean = clean_result(item=BY_NO[5], subject="W", value="90", unit="g/L", abnormal=True)
    assert clean.abnormal
    clean = clean_result(item=BY_NO[11], subject="H", value="70", unit="umol/L", abnormal=False)
    assert clean.unit == "μmol/L"


# --- registration, eligibility, slip numbers ------------------------------------------


def test_registration_takes_both_spouses_from_the_register_and_numbers_the_slip(
    cast: Cast,
) -> None:
    marriage = make_couple(cast.village)
    check = register(marriage, cast.users["clerk"])
    assert check.wife == marriage.wife
    assert check.husband == marriage.husband
    assert check.org_unit == cast.village
    assert check.township == cast.township
    assert check.slip_number == f"370404101-{_today().year}-000001"
    assert AuditEvent.objects.filter(action="nfpcp.register", object_id=str(check.pk)).exists()


def test_slip_numbers_are_gap_free_per_township_and_year(cast: Cast) -> None:
    clerk, county = cast.users["clerk"], cast.users["county"]
    first = register(make_couple(cast.village), clerk)
    with pytest.raises(ValidationError):
        register(first.marriage, clerk)  # refused: no number consumed
    second = register(make_couple(cast.other_village), clerk)
    other = register(make_couple(cast.other_township_village), county)
    year = _today().year
    assert first.slip_number.endswith("-000001")
    assert second.slip_number == f"370404101-{year}-000002"
    assert other.slip_number == f"370404102-{year}-000001"
    assert NfpcpSlipCounter.objects.get(township=cast.township, year=year).last == 2


def test_a_second_check_in_the_same_planned_pregnancy_is_refused(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    check = register(make_couple(cast.village), clerk)
    with pytest.raises(ValidationError, match="每次计划怀孕限一次"):
        register(check.marriage, clerk)
    assert NfpcpCheck.objects.filter(marriage=check.marriage).count() == 1


def test_a_new_planned_pregnancy_after_the_outcome_may_register_again(cast: Cast) -> None:
    clerk, officer = cast.users["clerk"], cast.users["officer"]
    check = assessed(cast)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=True, lmp=_today() - dt.timedelta(days=50),
        actor=officer,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        register(check.marriage, clerk)  # still pregnant: same planned pregnancy
    services.nfpcp_outcome_followup(
        check=check, followed_on=_today(), outcome_type="live_birth", outcome_date=_today(),
        actor=officer,
    )  # fmt: skip
    again = register(check.marriage, clerk)
    assert again.pk != check.pk
    assert again.open


def test_registration_refuses_the_wrong_person_or_marriage(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    marriage = make_couple(cast.village)
    with pytest.raises(ValidationError, match="女方"):
        services.nfpcp_register(
            wife=marriage.husband, appointment_date=_today(), facility="x", planned_from=None,
            actor=clerk,
        )  # fmt: skip
    single = make_person(
        org_unit=cast.village, name="单身", sex="F", birth_date=dt.date(1995, 1, 2)
    )
    with pytest.raises(ValidationError, match="婚姻"):
        services.nfpcp_register(
            wife=single, appointment_date=_today(), facility="x", planned_from=None, actor=clerk
        )
    with pytest.raises(ValidationError, match="早于今天"):
        services.nfpcp_register(
            wife=marriage.wife, appointment_date=_today() - dt.timedelta(days=1), facility="x",
            planned_from=None, actor=clerk,
        )  # fmt: skip
    marriage_dissolve(marriage=marriage, ended_on=_today(), actor=None, source="form")
    with pytest.raises(ValidationError):
        register(marriage, clerk)
    assert not NfpcpCheck.objects.exists()


def test_registration_needs_the_capability_and_the_scope(cast: Cast) -> None:
    marriage = make_couple(cast.village)
    for who in ("officer", "head", "other_clerk"):
        with pytest.raises(PermissionDenied):
            register(marriage, cast.users[who])
    assert not NfpcpCheck.objects.exists()


# --- consent and results --------------------------------------------------------------


def test_results_need_consent_of_both_spouses(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    check = register(make_couple(cast.village), clerk)
    with pytest.raises(ValidationError, match="知情同意"):
        services.nfpcp_result_record(check=check, data=normal_result(5, "W"), actor=clerk)
    with pytest.raises(ValidationError, match="双方"):
        services.nfpcp_consent(
            check=check, consent_on=_today(), wife=True, husband=False, actor=clerk
        )
    consent(check, clerk)
    result = services.nfpcp_result_record(check=check, data=normal_result(5, "W"), actor=clerk)
    assert result.value == "125"
    check.refresh_from_db()
    assert check.status == NfpcpCheck.Status.EXAMINED


def test_a_result_is_corrected_in_place(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    check = consent(register(make_couple(cast.village), clerk), clerk)
    services.nfpcp_result_record(check=check, data=normal_result(9, "H"), actor=clerk)
    fixed = services.ResultInput(
        item_no=9, subject="H", value="80", unit="U/L", abnormal=True, reviewer="李医生",
        examined_on=_today(),
    )  # fmt: skip
    services.nfpcp_result_record(check=check, data=fixed, actor=clerk)
    rows = NfpcpResult.objects.filter(check_record=check)
    assert rows.count() == 1
    assert rows.get().abnormal
    assert rows.get().reviewer == "李医生"


# --- assessment, referral -------------------------------------------------------------


def _assess(check: NfpcpCheck, **over: object) -> NfpcpCheck:
    args: dict[str, object] = {
        "risk_level": "high", "factors": ["infection"], "counselling_class": "B",
        "advice": "治疗后再怀孕", "assessed_by": "张医生", "assessed_on": _today(),
    }  # fmt: skip
    args.update(over)
    return services.nfpcp_assess(check=check, actor=check.created_by, **args)  # type: ignore[arg-type]


def test_assessment_needs_every_applicable_result(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    check = consent(register(make_couple(cast.village), clerk), clerk)
    services.nfpcp_result_record(check=check, data=normal_result(5, "W"), actor=clerk)
    with pytest.raises(ValidationError, match="检查结果不全"):
        _assess(check)


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"factors": []}, "至少一类"),
        ({"counselling_class": ""}, "A/B/C/D/X"),
        ({"factors": ["astrology"]}, "未知的风险因素"),
        ({"risk_level": "general"}, "一般人群不填写"),
        ({"risk_level": "medium"}, "风险评估结论"),
        ({"advice": " "}, "咨询指导意见"),
        ({"assessed_on": dt.date(2000, 1, 1)}, "评估日期"),
    ],
)
def test_risk_assessment_is_validated(cast: Cast, over: dict[str, object], reason: str) -> None:
    clerk = cast.users["clerk"]
    check = consent(register(make_couple(cast.village), clerk), clerk)
    complete_results(check, clerk)
    with pytest.raises(ValidationError, match=reason):
        _assess(check, **over)
    check.refresh_from_db()
    assert check.assessed_on is None
    assert not WorkItem.objects.exists()


def test_assessment_opens_the_early_pregnancy_item_due_after_the_window(cast: Cast) -> None:
    check = assessed(cast, high=True)
    assert check.risk_level == "high"
    assert check.risk_factors == ["infection"]
    item = WorkItem.objects.get(kind=services.EARLY_KIND)
    assert item.subject_ref == f"nfpcp:{check.pk}"
    assert item.org_unit == cast.village
    assert item.due_date == _today() + dt.timedelta(days=180)
    assert item.close_page == (f"/programmes/nfpcp/{check.pk}/followup/", "孕前检查随访登记")
    with pytest.raises(ValidationError, match="已完成风险评估"):
        services.nfpcp_result_record(
            check=check, data=normal_result(5, "W"), actor=cast.users["clerk"]
        )


def test_only_high_risk_couples_are_referred(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    general = assessed(cast)
    with pytest.raises(ValidationError, match="高风险"):
        services.nfpcp_refer(
            check=general, referred_to="市妇幼", referred_on=_today(), reason="x", actor=clerk
        )
    high = assessed(cast, high=True)
    with pytest.raises(ValidationError, match="转诊机构"):
        services.nfpcp_refer(
            check=high, referred_to=" ", referred_on=_today(), reason="x", actor=clerk
        )
    services.nfpcp_refer(
        check=high, referred_to="枣庄市妇幼保健院", referred_on=_today(), reason="梅毒阳性",
        actor=clerk,
    )  # fmt: skip
    high.refresh_from_db()
    assert high.referred_to == "枣庄市妇幼保健院"


def test_a_couple_may_withdraw_before_the_assessment(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    check = register(make_couple(cast.village), clerk)
    with pytest.raises(ValidationError, match="原因"):
        services.nfpcp_withdraw(check=check, reason="", actor=clerk)
    services.nfpcp_withdraw(check=check, reason="夫妇暂不打算怀孕", actor=clerk)
    check.refresh_from_db()
    assert not check.open
    assert register(check.marriage, clerk).open


# --- follow-ups -----------------------------------------------------------------------


def test_pregnant_opens_the_outcome_item_and_the_outcome_closes_the_check(cast: Cast) -> None:
    officer = cast.users["officer"]
    check = assessed(cast)
    lmp = _today() - dt.timedelta(days=60)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=True, lmp=lmp, actor=officer
    )
    early = WorkItem.objects.get(kind=services.EARLY_KIND)
    assert early.status == "closed"
    assert early.outcome == "done"
    assert early.closed_by == officer
    outcome = WorkItem.objects.get(kind=services.OUTCOME_KIND)
    assert outcome.status == "open"
    assert outcome.due_date == lmp + dt.timedelta(days=280 + 42)
    assert services.early_followup_timely(check)
    services.nfpcp_outcome_followup(
        check=check, followed_on=_today(), outcome_type="live_birth",
        outcome_date=_today() - dt.timedelta(days=1), actor=officer,
    )  # fmt: skip
    outcome.refresh_from_db()
    check.refresh_from_db()
    assert outcome.status == "closed"
    assert check.outcome_type == "live_birth"
    assert not check.open
    assert check.status == NfpcpCheck.Status.CLOSED
    # Nothing about the child's sex exists to be stored.
    names = {f.name for f in NfpcpCheck._meta.get_fields()}
    assert not {n for n in names if "sex" in n or "gender" in n}


def test_not_pregnant_and_declined_are_valid_closes(cast: Cast) -> None:
    officer = cast.users["officer"]
    first = assessed(cast)
    services.nfpcp_early_followup(
        check=first, followed_on=_today(), pregnant=False, lmp=None, actor=officer
    )
    second = assessed(cast)
    services.nfpcp_early_followup(
        check=second, followed_on=_today(), pregnant=None, lmp=None, actor=officer
    )
    outcomes = dict(
        WorkItem.objects.filter(kind=services.EARLY_KIND).values_list("subject_ref", "outcome")
    )
    assert outcomes == {f"nfpcp:{first.pk}": "done", f"nfpcp:{second.pk}": "declined"}
    assert not WorkItem.objects.filter(kind=services.OUTCOME_KIND).exists()
    first.refresh_from_db()
    assert not first.open


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"pregnant": True, "lmp": None}, "末次月经"),
        ({"pregnant": True, "lmp": dt.date(2001, 1, 1)}, "末次月经日期不合理"),
        ({"pregnant": False, "lmp": None, "followed_on": dt.date(2001, 1, 1)}, "随访日期"),
    ],
)
def test_early_followup_input_is_checked(
    cast: Cast, kwargs: dict[str, object], reason: str
) -> None:
    check = assessed(cast)
    args: dict[str, object] = {"followed_on": _today(), **kwargs}
    with pytest.raises(ValidationError, match=reason):
        services.nfpcp_early_followup(check=check, actor=cast.users["officer"], **args)  # type: ignore[arg-type]
    assert WorkItem.objects.get(kind=services.EARLY_KIND).status == "open"


def test_followups_stay_in_the_officers_village(cast: Cast) -> None:
    check = assessed(cast)
    with pytest.raises(PermissionDenied):
        services.nfpcp_early_followup(
            check=check, followed_on=_today(), pregnant=False, lmp=None,
            actor=cast.users["other_officer"],
        )  # fmt: skip


@pytest.mark.parametrize("outcome", ["moved", "died", "unreachable", "declined"])
def test_a_followup_ending_without_a_result_closes_item_and_check_together(
    cast: Cast, outcome: str
) -> None:
    check = assessed(cast)
    services.nfpcp_followup_end(
        check=check, kind=services.EARLY_KIND, outcome=outcome, followed_on=_today(),
        note="村委会证实", actor=cast.users["officer"],
    )  # fmt: skip
    item = WorkItem.objects.get(kind=services.EARLY_KIND)
    check.refresh_from_db()
    assert (item.status, item.outcome, item.outcome_note) == ("closed", outcome, "村委会证实")
    assert not check.open
    assert check.status == NfpcpCheck.Status.CLOSED
    assert check.closed_reason == str(services.ENDINGS[outcome])
    assert check.early_followup_on == _today()
    assert register(check.marriage, cast.users["clerk"]).open  # the next planned pregnancy


def test_the_outcome_followup_may_end_without_a_result_too(cast: Cast) -> None:
    officer = cast.users["officer"]
    check = assessed(cast)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=True, lmp=_today() - dt.timedelta(days=40),
        actor=officer,
    )  # fmt: skip
    services.nfpcp_followup_end(
        check=check, kind=services.OUTCOME_KIND, outcome="moved", followed_on=_today(),
        actor=officer,
    )  # fmt: skip
    check.refresh_from_db()
    assert WorkItem.objects.get(kind=services.OUTCOME_KIND).outcome == "moved"
    assert (check.open, check.outcome_type, check.outcome_followup_on) == (False, "", _today())


@pytest.mark.parametrize(
    ("outcome", "followed_on", "who", "error"),
    [
        ("exempt", None, "officer", ValidationError),
        ("done", None, "officer", ValidationError),
        ("moved", dt.date(2999, 1, 1), "officer", ValidationError),
        ("moved", dt.date(2001, 1, 1), "officer", ValidationError),
        ("moved", None, "other_officer", PermissionDenied),
    ],
)
def test_an_ending_is_checked_and_leaves_nothing_half_closed(
    cast: Cast, outcome: str, followed_on: dt.date | None, who: str, error: type[Exception]
) -> None:
    check = assessed(cast)
    with pytest.raises(error):
        services.nfpcp_followup_end(
            check=check, kind=services.EARLY_KIND, outcome=outcome,
            followed_on=followed_on or _today(), actor=cast.users[who],
        )  # fmt: skip
    check.refresh_from_db()
    assert check.open
    assert WorkItem.objects.get(kind=services.EARLY_KIND).status == "open"
    with pytest.raises(ValidationError, match="没有待办的妊娠结局随访"):
        services.nfpcp_followup_end(
            check=check, kind=services.OUTCOME_KIND, outcome="moved", followed_on=_today(),
            actor=cast.users["officer"],
        )  # fmt: skip


def test_a_reopened_followup_is_closed_again_on_the_same_page(cast: Cast) -> None:
    """The township reopens an item closed as "moved" by mistake: the officer records the
    pregnancy after all, and the check carries on with its outcome follow-up."""
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    check = assessed(cast)
    services.nfpcp_followup_end(
        check=check, kind=services.EARLY_KIND, outcome="moved", followed_on=_today(),
        actor=officer,
    )  # fmt: skip
    item = WorkItem.objects.get(kind=services.EARLY_KIND)
    workitem_reopen(item=item, reason="未迁出，仍在本村居住", actor=clerk)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=True, lmp=_today() - dt.timedelta(days=30),
        actor=officer,
    )  # fmt: skip
    check.refresh_from_db()
    assert (check.open, check.status, check.closed_reason) == (True, "pregnant", "")
    assert WorkItem.objects.get(kind=services.EARLY_KIND).outcome == "done"
    assert WorkItem.objects.get(kind=services.OUTCOME_KIND).status == "open"


def test_a_reopened_followup_cannot_revive_a_check_after_a_new_registration(cast: Cast) -> None:
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    check = assessed(cast)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=False, lmp=None, actor=officer
    )
    again = register(check.marriage, clerk)
    workitem_reopen(item=WorkItem.objects.get(kind=services.EARLY_KIND), reason="核实", actor=clerk)
    with pytest.raises(ValidationError, match="重新登记"):
        services.nfpcp_early_followup(
            check=check, followed_on=_today(), pregnant=True,
            lmp=_today() - dt.timedelta(days=30), actor=officer,
        )  # fmt: skip
    # Another ending still closes it; the new registration is untouched.
    services.nfpcp_followup_end(
        check=check, kind=services.EARLY_KIND, outcome="unreachable", followed_on=_today(),
        actor=officer,
    )  # fmt: skip
    again.refresh_from_db()
    assert again.open
    assert not WorkItem.objects.filter(status="open", kind=services.EARLY_KIND).exists()


def test_a_pregnancy_corrected_to_not_pregnant_drops_the_lmp_and_the_outcome_item(
    cast: Cast,
) -> None:
    """The officer recorded a pregnancy by mistake; the township reopens the early
    follow-up and the officer records "not pregnant": no LMP stays behind, and the outcome
    follow-up it opened is closed with a note, so the village list shows no phantom birth."""
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    check = assessed(cast)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=True, lmp=_today() - dt.timedelta(days=30),
        actor=officer,
    )  # fmt: skip
    early = WorkItem.objects.get(kind=services.EARLY_KIND)
    workitem_reopen(item=early, reason="误登为已怀孕", actor=clerk)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=False, lmp=None, actor=officer
    )
    check.refresh_from_db()
    assert (check.pregnant, check.lmp, check.open, check.status) == (False, None, False, "closed")
    outcome = WorkItem.objects.get(kind=services.OUTCOME_KIND)
    assert (outcome.status, outcome.outcome) == ("closed", "resolved")
    assert outcome.events.filter(note__contains="更正为未怀孕").exists()
    assert not WorkItem.objects.filter(status="open").exists()


def test_a_recorded_outcome_is_not_undone_by_an_early_correction(cast: Cast) -> None:
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    check = assessed(cast)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=True, lmp=_today() - dt.timedelta(days=60),
        actor=officer,
    )  # fmt: skip
    services.nfpcp_outcome_followup(
        check=check, followed_on=_today(), outcome_type="live_birth",
        outcome_date=_today() - dt.timedelta(days=1), actor=officer,
    )  # fmt: skip
    workitem_reopen(item=WorkItem.objects.get(kind=services.EARLY_KIND), reason="核实", actor=clerk)
    with pytest.raises(ValidationError, match="已登记妊娠结局"):
        services.nfpcp_early_followup(
            check=check, followed_on=_today(), pregnant=False, lmp=None, actor=officer
        )
    check.refresh_from_db()
    assert (check.outcome_type, check.pregnant) == ("live_birth", True)
    assert check.lmp == _today() - dt.timedelta(days=60)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"outcome_type": "boy"}, "未知的妊娠结局"),
        ({"outcome_type": "live_birth", "outcome_date": None}, "结局日期"),
        ({"outcome_type": "live_birth", "outcome_date": dt.date(2001, 1, 1)}, "结局日期应在"),
        ({"outcome_type": "live_birth", "followed_on": dt.date(2999, 1, 1)}, "结局日期应在|晚于"),
    ],
)
def test_outcome_followup_input_is_checked(
    cast: Cast, kwargs: dict[str, object], reason: str
) -> None:
    officer = cast.users["officer"]
    check = assessed(cast)
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=True, lmp=_today() - dt.timedelta(days=30),
        actor=officer,
    )  # fmt: skip
    args: dict[str, object] = {"followed_on": _today(), "outcome_date": _today(), **kwargs}
    with pytest.raises(ValidationError, match=reason):
        services.nfpcp_outcome_followup(check=check, actor=officer, **args)  # type: ignore[arg-type]
    check.refresh_from_db()
    assert check.open
    assert WorkItem.objects.get(kind=services.OUTCOME_KIND).status == "open"


def test_the_checks_reasons_cover_exactly_the_follow_up_endings() -> None:
    # The check's recorded reason and the kinds' allowed outcomes come from two places:
    # an ending without a reason (or a reason no kind allows) would be a broken close.
    from renkou.worklists.outcomes import FOLLOWUP_ENDINGS

    assert set(services.ENDINGS) == set(FOLLOWUP_ENDINGS)
