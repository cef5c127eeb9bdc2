"""Voluntary contraceptive services and the village ledger of free supplies."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from renkou.programmes.contraception import (
    contraception_followup_record,
    contraception_service_record,
    supply_handout_record,
)
from renkou.programmes.models import ContraceptiveService, SupplyHandout
from renkou.worklists.models import WorkItem
from renkou.worklists.services import workitem_close
from tests.conftest import Cast
from tests.factories import make_id_number, make_person

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


def _person(cast: Cast, unit: object = None) -> tuple[object, str]:
    born = dt.date(1991, 7, 7)
    number = make_id_number(born, "F")
    person = make_person(
        org_unit=unit or cast.village, name="赵敏", sex="F", birth_date=born, id_number=number
    )
    return person, number


def test_a_requested_service_with_a_followup_opens_a_work_item(cast: Cast) -> None:
    person, _number = _person(cast)
    service = contraception_service_record(
        person=person, method="iud_insert", service_date=_today(), provider="镇卫生院",
        consent=True, followup_due=_today() + dt.timedelta(days=90), actor=cast.users["clerk"],
    )  # fmt: skip
    item = WorkItem.objects.get(kind="contraception_followup")
    assert item.due_date == _today() + dt.timedelta(days=90)
    assert item.subject_person == person
    assert item.subject_link == reverse("programmes:contraception_detail", args=[service.pk])
    # The person may decline the follow-up: a valid close.
    workitem_close(
        item=item, outcome="declined", evidence="", actor=cast.users["officer"],
        expected_version=item.version,
    )  # fmt: skip
    item.refresh_from_db()
    assert item.outcome == "declined"


def test_no_service_without_consent_and_no_coercive_fields(cast: Cast) -> None:
    person, _number = _person(cast)
    with pytest.raises(ValidationError, match="知情自愿"):
        contraception_service_record(
            person=person, method="condom", service_date=_today(), provider="村卫生室",
            consent=False, actor=cast.users["clerk"],
        )  # fmt: skip
    assert not ContraceptiveService.objects.exists()


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"method": "forced"}, "未知的服务项目"),
        ({"service_date": dt.date(2999, 1, 1)}, "晚于今天"),
        ({"provider": " "}, "服务机构"),
        ({"followup_due": dt.date(2000, 1, 1)}, "随访日期"),
    ],
)
def test_service_input_is_checked(cast: Cast, over: dict[str, object], reason: str) -> None:
    person, _number = _person(cast)
    args: dict[str, object] = {"method": "oral", "service_date": _today(), "provider": "卫生院",
                               "consent": True}  # fmt: skip
    args.update(over)
    with pytest.raises(ValidationError, match=reason):
        contraception_service_record(person=person, actor=cast.users["clerk"], **args)  # type: ignore[arg-type]
    assert not ContraceptiveService.objects.exists()


def test_services_need_health_services_and_scope(cast: Cast) -> None:
    person, _number = _person(cast)
    for who in ("officer", "other_clerk"):
        with pytest.raises(PermissionDenied):
            contraception_service_record(
                person=person, method="oral", service_date=_today(), provider="卫生院",
                consent=True, actor=cast.users[who],
            )  # fmt: skip


def test_the_service_form_by_id_number(cast: Cast) -> None:
    _person_row, number = _person(cast)
    client = cast.client_for("clerk")
    url = reverse("programmes:contraception_new")
    data = {"id_number": number, "method": "condom", "service_date": _today().isoformat(),
            "provider": "村卫生室"}  # fmt: skip
    response = client.post(url, data)  # no consent box ticked
    assert "知情自愿" in response.content.decode()
    response = client.post(url, {**data, "id_number": "4.10102E+17", "consent": "on"})
    assert "没有此人" in response.content.decode()
    response = client.post(url, {**data, "consent": "on"})
    assert response.status_code == 302
    assert ContraceptiveService.objects.get().method == "condom"


def test_supply_ledger_per_village(cast: Cast) -> None:
    officer = cast.users["officer"]
    supply_handout_record(
        org_unit=cast.village, handed_on=_today(), supply="condom", quantity=20, actor=officer
    )
    with pytest.raises(PermissionDenied):
        supply_handout_record(
            org_unit=cast.other_village, handed_on=_today(), supply="condom", quantity=5,
            actor=officer,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="村"):
        supply_handout_record(
            org_unit=cast.township, handed_on=_today(), supply="condom", quantity=5,
            actor=cast.users["clerk"],
        )  # fmt: skip
    for quantity in (0, 1001):
        with pytest.raises(ValidationError, match="数量"):
            supply_handout_record(
                org_unit=cast.village, handed_on=_today(), supply="oral", quantity=quantity,
                actor=officer,
            )  # fmt: skip
    with pytest.raises(PermissionDenied):
        supply_handout_record(
            org_unit=cast.village, handed_on=_today(), supply="oral", quantity=1,
            actor=cast.users["county"],
        )  # fmt: skip
    assert SupplyHandout.objects.count() == 1


def test_supply_ledger_page_form_and_export(cast: Cast) -> None:
    client = cast.client_for("officer")
    url = reverse("programmes:contraception_supplies")
    data = {"org_unit": cast.village.pk, "handed_on": _today().isoformat(), "supply": "condom",
            "quantity": "12", "note": "=HYPERLINK(\"x\")"}  # fmt: skip
    response = client.post(url, {**data, "org_unit": cast.other_village.pk})
    assert response.status_code == 200  # not a choice for this officer
    response = client.post(url, {**data, "quantity": "-4"})
    assert response.status_code == 200
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert "大官庄村 · 避孕套：12" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[1][0] == "大官庄村"
    assert rows[1][3] == 12
    assert str(rows[1][6]).startswith("'=")
    other = cast.client_for("other_officer").get(url).content.decode()
    assert "避孕套：12" not in other


# --- the follow-up on the service's page ------------------------------------------------


def _service_with_followup(cast: Cast) -> ContraceptiveService:
    person, _number = _person(cast)
    return contraception_service_record(
        person=person, method="oral", service_date=_today() - dt.timedelta(days=40),
        provider="村卫生室", consent=True, followup_due=_today() + dt.timedelta(days=1),
        actor=cast.users["clerk"],
    )  # fmt: skip


def test_the_officer_records_the_answer_sealed_and_the_item_closes(cast: Cast) -> None:
    service = _service_with_followup(cast)
    item = WorkItem.objects.get(kind="contraception_followup")
    assert item.close_page is not None
    assert item.close_page[0] == reverse("programmes:contraception_detail", args=[service.pk])
    client = cast.client_for("officer")
    url = reverse("programmes:contraception_detail", args=[service.pk])
    page = client.get(url).content.decode()
    assert 'name="result"' in page
    form = {"outcome": "done", "result": "stopped_pregnancy",
            "followed_on": _today().isoformat(), "note": "准备要孩子"}  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.followed_on, service.followup_result, service.followup_note) == (
        _today(), "stopped_pregnancy", "准备要孩子")  # fmt: skip
    item.refresh_from_db()
    assert (item.status, item.outcome, item.closed_by) == ("closed", "done", cast.users["officer"])
    # The answer stays sealed with the service: the item's clear history does not carry it.
    clear = [item.title, item.outcome_note, *item.events.values_list("note", flat=True)]
    assert not any("怀孕" in text or "停用" in text or "孩子" in text for text in clear)
    assert "已停用：计划怀孕" in client.get(url).content.decode()


@pytest.mark.parametrize("outcome", ["declined", "moved", "died", "unreachable"])
def test_a_followup_may_end_without_an_answer(cast: Cast, outcome: str) -> None:
    service = _service_with_followup(cast)
    contraception_followup_record(
        service=service, followed_on=_today(), outcome=outcome, result="continuing",
        actor=cast.users["officer"],
    )  # fmt: skip
    service.refresh_from_db()
    assert service.followup_result is None  # no answer is kept for an ending without one
    assert WorkItem.objects.get(kind="contraception_followup").outcome == outcome


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"result": ""}, "请选择随访结果"),
        ({"result": "forced"}, "请选择随访结果"),
        ({"outcome": "exempt"}, "不能以此结果销号"),
        ({"followed_on": dt.date(2999, 1, 1)}, "不能晚于今天"),
        ({"followed_on": dt.date(2000, 1, 1)}, "不能早于服务日期"),
    ],
)
def test_followup_input_is_checked_and_changes_nothing(
    cast: Cast, over: dict[str, object], reason: str
) -> None:
    service = _service_with_followup(cast)
    kwargs: dict[str, object] = {"followed_on": _today(), "result": "continuing", "outcome": "done"}
    kwargs.update(over)
    with pytest.raises(ValidationError, match=reason):
        contraception_followup_record(
            service=service,
            actor=cast.users["officer"],
            **kwargs,  # type: ignore[arg-type]
        )
    service.refresh_from_db()
    assert (service.followed_on, service.followup_result) == (None, None)
    assert WorkItem.objects.get(kind="contraception_followup").status == "open"


def test_followup_needs_the_scope_and_an_open_item(cast: Cast) -> None:
    service = _service_with_followup(cast)
    with pytest.raises(PermissionDenied):
        contraception_followup_record(
            service=service, followed_on=_today(), result="continuing",
            actor=cast.users["other_officer"],
        )  # fmt: skip
    contraception_followup_record(
        service=service, followed_on=_today(), result="continuing", actor=cast.users["officer"]
    )
    with pytest.raises(ValidationError, match="没有待办的随访事项"):
        contraception_followup_record(
            service=service, followed_on=_today(), result="switched", actor=cast.users["officer"]
        )
    url = reverse("programmes:contraception_detail", args=[service.pk])
    again = cast.client_for("officer").post(
        url, {"outcome": "done", "result": "switched", "followed_on": _today().isoformat()}
    )
    assert again.status_code == 409
    service.refresh_from_db()
    assert service.followup_result == "continuing"


@pytest.mark.parametrize(
    "form",
    [
        {"outcome": "done", "result": "x" * 300, "followed_on": "2026-01-01"},
        {"outcome": "<script>", "result": "continuing", "followed_on": "2026-01-01"},
        {"outcome": "done", "result": "continuing", "followed_on": "2026-02-30"},
        {"outcome": "done", "result": "continuing", "followed_on": "2026-01-01", "note": "x" * 201},
    ],
)
def test_hostile_followup_forms_answer_400(cast: Cast, form: dict[str, str]) -> None:
    service = _service_with_followup(cast)
    url = reverse("programmes:contraception_detail", args=[service.pk])
    assert cast.client_for("officer").post(url, form).status_code == 400
    assert WorkItem.objects.get(kind="contraception_followup").status == "open"
