"""The NFPCP pages: hostile forms, the printable slip and notice, the officer's follow-up,
indicators and their Excel export, targets, and 404 outside the user's scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from renkou.core.models import ImportBatch
from renkou.programmes.models import NfpcpCheck, NfpcpResult, NfpcpTargets
from renkou.programmes.nfpcp import services
from renkou.worklists.models import WorkItem
from tests.conftest import Cast
from tests.programmes.nfpcp_factories import IDS, assessed, consent, make_couple, register

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


def _register_post(cast: Cast, wife_id: str, **over: str) -> object:
    data = {
        "wife_id": wife_id,
        "appointment_date": (_today() + dt.timedelta(days=3)).isoformat(),
        "facility": "峄城区妇幼保健院",
        **over,
    }
    return cast.client_for("clerk").post(reverse("programmes:nfpcp_register"), data)


def test_register_by_the_wifes_id_and_print_the_slip(cast: Cast) -> None:
    marriage = make_couple(cast.village)
    response = _register_post(cast, IDS[marriage.wife.pk])
    check = NfpcpCheck.objects.get()
    assert response.status_code == 302  # type: ignore[attr-defined]
    slip = cast.client_for("clerk").get(reverse("programmes:nfpcp_slip", args=[check.pk]))
    html = slip.content.decode()
    assert "size: A5" in html
    assert check.slip_number in html
    assert "王强" in html
    assert "李娜" in html
    assert IDS[marriage.wife.pk] not in html
    assert IDS[marriage.husband.pk] not in html
    assert marriage.wife.id_masked in html


@pytest.mark.parametrize(
    ("wife_id", "over", "message"),
    [
        ("11010519491231002X", {}, "没有此人"),
        ("110105194912310021", {}, "身份证号无效"),
        ("4.10102E+17", {}, "身份证号无效"),
        ("<script>alert(1)</script>", {}, "身份证号无效"),
        ("", {}, "必填项"),
        (None, {"appointment_date": "2020-13-45"}, "日期"),
        (None, {"facility": "x" * 101}, "不超过 100"),
    ],
)
def test_hostile_registration_forms(
    cast: Cast, wife_id: str | None, over: dict[str, str], message: str
) -> None:
    marriage = make_couple(cast.village)
    response = _register_post(cast, IDS[marriage.wife.pk] if wife_id is None else wife_id, **over)
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.content.decode()  # type: ignore[attr-defined]
    assert message in body
    assert "<script>alert(1)</script>" not in body
    assert not NfpcpCheck.objects.exists()


def test_the_husbands_id_or_another_townships_wife_is_refused(cast: Cast) -> None:
    marriage = make_couple(cast.village)
    response = _register_post(cast, IDS[marriage.husband.pk])
    assert "女方" in response.content.decode()  # type: ignore[attr-defined]
    elsewhere = make_couple(cast.other_township_village)
    response = _register_post(cast, IDS[elsewhere.wife.pk])
    assert "没有此人" in response.content.decode()  # type: ignore[attr-defined]
    assert not NfpcpCheck.objects.exists()


def test_hostile_result_form_saves_nothing(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    check = consent(register(make_couple(cast.village), clerk), clerk)
    url = reverse("programmes:nfpcp_result", args=[check.pk])
    client = cast.client_for("clerk")
    base = {"item_no": "5", "subject": "W", "value": "125", "unit": "g/L", "flag": "normal",
            "reviewer": "张医生", "examined_on": _today().isoformat()}  # fmt: skip
    for over in (
        {"subject": "H", "item_no": "14", "value": "阴性", "unit": ""},
        {"unit": "mg/dL"},
        {"flag": ""},
        {"item_no": "99"},
        {"item_no": "19"},
        {"value": "=1+1"},
        {"examined_on": "2999-01-01"},
    ):
        response = client.post(url, {**base, **over}, follow=True)
        assert response.status_code == 200
        assert "已保存" not in response.content.decode()
    assert not NfpcpResult.objects.exists()
    client.post(url, base)
    assert NfpcpResult.objects.get().value == "125"


def test_the_notice_prints_results_and_advice_with_masked_ids(cast: Cast) -> None:
    check = assessed(cast, high=True)
    services.nfpcp_refer(
        check=check, referred_to="枣庄市妇幼保健院", referred_on=_today(), reason="需进一步诊治",
        actor=cast.users["clerk"],
    )  # fmt: skip
    response = cast.client_for("clerk").get(reverse("programmes:nfpcp_notice", args=[check.pk]))
    html = response.content.decode()
    assert "孕前优生健康检查结果及评估建议告知书" in html
    assert "高风险人群" in html
    assert "感染性疾病" in html
    assert "B类" in html
    assert "枣庄市妇幼保健院" in html
    assert IDS[check.wife.pk] not in html
    assert check.wife.id_masked in html


def test_the_officer_records_the_followups_from_the_work_item(cast: Cast) -> None:
    check = assessed(cast)
    item = WorkItem.objects.get(kind=services.EARLY_KIND)
    officer = cast.client_for("officer")
    page = officer.get(reverse("worklists:item_detail", args=[item.pk])).content.decode()
    url = reverse("programmes:nfpcp_followup", args=[check.pk])
    assert url in page
    # Hostile: pregnant without LMP; nothing closes.
    response = officer.post(url, {"followed_on": _today().isoformat(), "answer": "pregnant"})
    assert "末次月经" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"
    lmp = _today() - dt.timedelta(days=56)
    response = officer.post(
        url, {"followed_on": _today().isoformat(), "answer": "pregnant", "lmp": lmp.isoformat()}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "closed"
    outcome = WorkItem.objects.get(kind=services.OUTCOME_KIND)
    form = officer.get(url).content.decode()
    assert "妊娠结局" in form
    assert 'name="sex"' not in form
    officer.post(url, {"followed_on": _today().isoformat(), "outcome_type": "live_birth",
                       "outcome_date": _today().isoformat()})  # fmt: skip
    outcome.refresh_from_db()
    check.refresh_from_db()
    assert outcome.status == "closed"
    assert check.outcome_type == "live_birth"
    assert "没有待办的随访事项" in officer.get(url).content.decode()


def test_the_generic_close_form_is_refused_for_nfpcp_followups(cast: Cast) -> None:
    check = assessed(cast)
    item = WorkItem.objects.get(kind=services.EARLY_KIND)
    officer = cast.client_for("officer")
    page = officer.get(reverse("worklists:item_detail", args=[item.pk])).content.decode()
    assert reverse("worklists:item_close", args=[item.pk]) not in page
    assert reverse("programmes:nfpcp_followup", args=[check.pk]) in page
    response = officer.post(
        reverse("worklists:item_close", args=[item.pk]),
        {"outcome": "moved", "evidence": "", "note": "", "version": item.version},
        follow=True,
    )
    assert "请在其处理页面销号" in response.content.decode()
    item.refresh_from_db()
    check.refresh_from_db()
    assert item.status == "open"
    assert check.open


@pytest.mark.parametrize("kind", [services.EARLY_KIND, services.OUTCOME_KIND])
def test_the_followup_page_offers_every_ending_and_closes_item_and_check(
    cast: Cast, kind: str
) -> None:
    check = assessed(cast)
    if kind == services.OUTCOME_KIND:
        services.nfpcp_early_followup(
            check=check, followed_on=_today(), pregnant=True,
            lmp=_today() - dt.timedelta(days=40), actor=cast.users["officer"],
        )  # fmt: skip
    officer = cast.client_for("officer")
    url = reverse("programmes:nfpcp_followup", args=[check.pk])
    form = officer.get(url).content.decode()
    for label in ("本人拒绝随访", "未能随访：已迁出", "未能随访：本人已死亡", "未能随访：联系不上"):
        assert label in form
    field = "answer" if kind == services.EARLY_KIND else "outcome_type"
    # Hostile: an outcome the kind does not allow is no choice; nothing closes.
    refused = officer.post(url, {"followed_on": _today().isoformat(), field: "exempt"})
    assert refused.status_code == 200
    assert WorkItem.objects.get(kind=kind).status == "open"
    response = officer.post(
        url, {"followed_on": _today().isoformat(), field: "unreachable", "note": "电话停机"}
    )
    assert response.status_code == 302
    item = WorkItem.objects.get(kind=kind)
    check.refresh_from_db()
    assert (item.status, item.outcome, item.outcome_note) == ("closed", "unreachable", "电话停机")
    assert not check.open
    assert check.closed_reason == "未能随访：联系不上"


def test_other_villages_and_townships_get_404(cast: Cast) -> None:
    check = assessed(cast)
    for who, name in (
        ("other_officer", "programmes:nfpcp_followup"),
        ("other_clerk", "programmes:nfpcp_detail"),
        ("other_clerk", "programmes:nfpcp_slip"),
        ("other_clerk", "programmes:nfpcp_notice"),
    ):
        assert cast.client_for(who).get(reverse(name, args=[check.pk])).status_code == 404
    response = cast.client_for("other_clerk").post(
        reverse("programmes:nfpcp_assess", args=[check.pk]), {}
    )
    assert response.status_code == 404


def test_indicators_page_and_excel_export(cast: Cast, settings: object) -> None:
    assessed(cast, high=True)
    settings.RENKOU_SMALL_CELL_MIN = 1  # type: ignore[attr-defined]  # the figures themselves
    client = cast.client_for("head")
    page = client.get(reverse("programmes:nfpcp_indicators")).content.decode()
    assert "大官庄村" in page
    assert "100.0%" in page
    response = client.get(reverse("programmes:nfpcp_indicators"), {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [list(row) for row in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]
    header_at = next(i for i, row in enumerate(values) if row[0] == "单位")
    village = next(row for row in values[header_at:] if row[0] == "大官庄村")
    assert village[1] == 1
    assert village[3] == "100.0%"
    # With the configured minimum (5), the one couple is "<5" and its rates "*".
    settings.RENKOU_SMALL_CELL_MIN = 5  # type: ignore[attr-defined]
    response = client.get(reverse("programmes:nfpcp_indicators"), {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [list(row) for row in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]
    village = next(row for row in values[header_at:] if row[0] == "大官庄村")
    assert village[1:4] == ["<5", "<5", "*"]
    assert "100.0%" not in client.get(reverse("programmes:nfpcp_indicators")).content.decode()
    other = cast.client_for("other_clerk")
    assert (
        other.get(reverse("programmes:nfpcp_indicators"), {"unit": cast.township.pk}).status_code
        == 404
    )


def test_targets_form_rejects_nonsense_and_saves_a_valid_row(cast: Cast) -> None:
    client = cast.client_for("clerk")
    url = reverse("programmes:nfpcp_targets")
    good = {"coverage": "0.9", "early_followup": "0.8", "outcome_followup": "0.55",
            "high_risk_low": "0.13", "high_risk_high": "0.21",
            "conception_window_days": "180"}  # fmt: skip
    for over in ({"coverage": "9"}, {"high_risk_low": "0.5"}, {"conception_window_days": "5"},
                 {"coverage": "abc"}):  # fmt: skip
        response = client.post(url, {**good, **over})
        assert response.status_code == 200
    assert not NfpcpTargets.objects.exists()
    assert client.post(url, {**good, "coverage": "0.95"}).status_code == 302
    assert NfpcpTargets.objects.get(org_unit=cast.township).coverage == Decimal("0.95")


def test_upload_of_a_results_file_reports_rows(
    cast: Cast, settings: object, tmp_path: object
) -> None:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    clerk = cast.users["clerk"]
    check = consent(register(make_couple(cast.village), clerk), clerk)
    content = (
        "通知单编号,检查对象,身份证号,项目编号,检查结果,单位,结果判定,审核人,检查日期\n"
        f"{check.slip_number},女方,{IDS[check.wife.pk]},5,125,g/L,正常,张医生,{_today()}\n"
        f"{check.slip_number},男方,{IDS[check.husband.pk]},5,125,g/L,正常,张医生,{_today()}\n"
    ).encode()
    upload = SimpleUploadedFile("results.csv", content, content_type="text/csv")
    response = cast.client_for("clerk").post(reverse("programmes:nfpcp_import"), {"file": upload})
    html = response.content.decode()
    assert "只适用于女方" in html
    assert IDS[check.husband.pk] not in html
    assert not NfpcpResult.objects.exists()
    # The shared upload store (core.intake) keeps the sender's file name and no spool.
    assert ImportBatch.objects.get(kind="nfpcp_results").file_name == "results.csv"
    assert not list((tmp_path / "imports" / "incoming").iterdir())  # type: ignore[operator]
    renamed = SimpleUploadedFile("results.exe", content, content_type="text/csv")
    response = cast.client_for("clerk").post(reverse("programmes:nfpcp_import"), {"file": renamed})
    assert "只接受 .csv、.xlsx 或 .xls 文件" in response.content.decode()
    bogus = SimpleUploadedFile("results.xlsx", b"not a workbook", content_type="text/csv")
    response = cast.client_for("clerk").post(reverse("programmes:nfpcp_import"), {"file": bogus})
    assert "不是该格式" in response.content.decode()
