"""The programmes' reproductive-health columns are sealed at rest (ADR 0009): the raw
column holds blobs, the models, forms and pages see the natural values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.core.exceptions import FieldError
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from renkou.core import crypto
from renkou.core.models import AuditEvent
from renkou.core.sealed import SealedField, SealedValueError, sealed_fields
from renkou.programmes.contraception import contraception_service_record, supply_handout_record
from renkou.programmes.models import (
    ContraceptiveService,
    NfpcpCheck,
    NfpcpResult,
    SupplyHandout,
)
from renkou.programmes.nfpcp import services
from renkou.worklists.models import WorkItem
from tests.conftest import Cast
from tests.factories import make_person
from tests.programmes.nfpcp_factories import assessed, make_couple, register

pytestmark = pytest.mark.django_db

LMP = dt.date(2025, 3, 14)
OUTCOME_ON = dt.date(2025, 12, 20)
REFERRED_ON = dt.date(2025, 2, 27)
# Values long enough that finding one in random bytes by chance is impossible.
SECRETS = [
    LMP.isoformat().encode(), OUTCOME_ON.isoformat().encode(), REFERRED_ON.isoformat().encode(),
    b"miscarriage", b"infection", b"genetic", "地中海贫血携带者".encode(),
    "枣庄市妇幼保健院".encode(), "孕前3个月起补充叶酸".encode(), "随访期内未怀孕".encode(),
    b"emergency", "事后来取".encode(), "宫内节育器不适".encode(), "梅毒螺旋体抗体".encode(),
]  # fmt: skip


def _today() -> dt.date:
    return timezone.localdate()


def _raw(model: type[models.Model], field: str) -> list[Any]:
    """Every stored value of one column, read past the ORM."""
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(field).column)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {quote(model._meta.db_table)}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _full_check(cast: Cast) -> NfpcpCheck:
    check = register(make_couple(cast.village), cast.users["clerk"])
    check.risk_level, check.risk_factors = "high", ["infection", "genetic"]
    check.counselling_class, check.advice = "B", "孕前3个月起补充叶酸。"
    check.referred_on, check.referred_to = REFERRED_ON, "枣庄市妇幼保健院"
    check.referral_reason = "地中海贫血携带者"
    check.pregnant, check.lmp = True, LMP
    check.outcome_type, check.outcome_date = "miscarriage", OUTCOME_ON
    check.closed_reason = "随访期内未怀孕"
    check.save()
    NfpcpResult.objects.create(
        check_record=check, item_no=14, subject="W", value="梅毒螺旋体抗体阳性", unit="",
        abnormal=True, reviewer="张医生", examined_on=_today(),
    )  # fmt: skip
    return check


def _services(cast: Cast) -> None:
    person = make_person(
        org_unit=cast.village, name="赵敏", sex="F", birth_date=dt.date(1991, 7, 7)
    )
    contraception_service_record(
        person=person, method="iud_remove", service_date=_today(), provider="镇卫生院",
        consent=True, note="宫内节育器不适", actor=cast.users["clerk"],
    )  # fmt: skip
    supply_handout_record(
        org_unit=cast.village, handed_on=_today(), supply="emergency", quantity=1,
        recipient=person, note="事后来取", actor=cast.users["officer"],
    )  # fmt: skip


def _programme_columns() -> list[tuple[type[models.Model], SealedField[Any, Any]]]:
    return [(m, f) for m, f in sealed_fields() if m._meta.app_label == "programmes"]


def test_the_expected_columns_are_sealed() -> None:
    sealed = {f"{m.__name__}.{f.name}" for m, f in _programme_columns()}
    assert sealed == {
        "NfpcpCheck.risk_level", "NfpcpCheck.risk_factors", "NfpcpCheck.counselling_class",
        "NfpcpCheck.advice", "NfpcpCheck.referred_on", "NfpcpCheck.referred_to",
        "NfpcpCheck.referral_reason", "NfpcpCheck.pregnant", "NfpcpCheck.lmp",
        "NfpcpCheck.outcome_type", "NfpcpCheck.outcome_date", "NfpcpCheck.closed_reason",
        "NfpcpResult.value", "NfpcpResult.abnormal", "ContraceptiveService.method",
        "ContraceptiveService.note", "ContraceptiveService.followup_result",
        "ContraceptiveService.followup_note", "SupplyHandout.supply", "SupplyHandout.note",
        "NfpcpTally.counts",
    }  # fmt: skip
    for model, field in _programme_columns():
        assert field.context == f"programmes.{model.__name__}.{field.name}".encode()


def test_raw_columns_hold_no_plaintext_and_values_come_back(cast: Cast) -> None:
    check = _full_check(cast)
    _services(cast)
    for model, field in _programme_columns():
        stored = _raw(model, field.name)
        assert stored, field.name
        for value in stored:
            blob = bytes(value)  # bytes or memoryview, by database
            assert crypto.key_id_of(blob) == crypto.current_key_id()
            for secret in SECRETS:
                assert secret not in blob, (field.name, secret)
    check = NfpcpCheck.objects.get(pk=check.pk)
    assert (check.risk_level, check.risk_factors) == ("high", ["infection", "genetic"])
    assert (check.counselling_class, check.advice) == ("B", "孕前3个月起补充叶酸。")
    assert (check.referred_on, check.referred_to) == (REFERRED_ON, "枣庄市妇幼保健院")
    assert (check.pregnant, check.lmp) == (True, LMP)
    assert (check.outcome_type, check.outcome_date) == ("miscarriage", OUTCOME_ON)
    assert check.get_outcome_type_display() == "自然流产"
    assert check.get_counselling_class_display().startswith("B类")
    result = NfpcpResult.objects.get()
    assert (result.value, result.abnormal) == ("梅毒螺旋体抗体阳性", True)
    service = ContraceptiveService.objects.get()
    assert (service.method, service.note) == ("iud_remove", "宫内节育器不适")
    assert SupplyHandout.objects.get().get_supply_display() == "紧急避孕药"
    # values() and values_list() open the values too.
    assert list(NfpcpCheck.objects.values_list("lmp", flat=True)) == [LMP]


def test_empty_and_none_are_sealed_alike_and_come_back(cast: Cast) -> None:
    fresh = register(make_couple(cast.village), cast.users["clerk"])
    full = _full_check(cast)
    fresh = NfpcpCheck.objects.get(pk=fresh.pk)
    assert (fresh.risk_level, fresh.risk_factors, fresh.advice) == ("", [], "")
    assert (fresh.pregnant, fresh.lmp, fresh.outcome_date) == (None, None, None)
    full.pregnant, full.lmp = False, None
    full.save()
    full = NfpcpCheck.objects.get(pk=full.pk)
    assert (full.pregnant, full.lmp) == (False, None)
    # The raw column tells no empty row from a filled one: no NULLs, one length.
    for name in ("risk_level", "pregnant", "lmp", "outcome_type", "outcome_date"):
        stored = [bytes(b) for b in _raw(NfpcpCheck, name)]
        assert None not in stored
        assert len({len(b) for b in stored}) == 1, name


def test_a_blob_copied_to_another_column_does_not_open(cast: Cast) -> None:
    check = _full_check(cast)
    table = connection.ops.quote_name(NfpcpCheck._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET outcome_date = lmp WHERE id = %s", [check.pk])  # noqa: S608
    with pytest.raises(SealedValueError, match="outcome_date"):
        NfpcpCheck.objects.get(pk=check.pk)
    # The other columns of the row are untouched.
    assert NfpcpCheck.objects.values_list("lmp", flat=True).get(pk=check.pk) == LMP


def test_the_database_is_never_asked_to_compare_sealed_values(cast: Cast) -> None:
    _full_check(cast)
    for lookup in ({"risk_level": "high"}, {"lmp__isnull": True}, {"risk_factors__contains": "x"},
                   {"method__in": ["oral"]}):  # fmt: skip
        model = ContraceptiveService if "method__in" in lookup else NfpcpCheck
        with pytest.raises(FieldError):
            list(model.objects.filter(**lookup))


class _CheckForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = NfpcpCheck
        fields = ["risk_level", "risk_factors", "counselling_class", "advice", "pregnant",
                  "lmp", "outcome_type", "outcome_date"]  # fmt: skip


class _ServiceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ContraceptiveService
        fields = ["method", "note"]


def test_model_forms_use_the_natural_form_fields(cast: Cast) -> None:
    check = register(make_couple(cast.village), cast.users["clerk"])
    form = _CheckForm(instance=check)
    assert isinstance(form.fields["risk_level"], forms.TypedChoiceField)
    assert isinstance(form.fields["lmp"], forms.DateField)
    assert isinstance(form.fields["pregnant"], forms.NullBooleanField)
    assert isinstance(form.fields["risk_factors"], forms.JSONField)
    assert isinstance(form.fields["advice"].widget, forms.Textarea)
    data = {"risk_level": "high", "risk_factors": '["infection"]', "counselling_class": "X",
            "advice": "暂缓怀孕，先治疗。", "pregnant": "true", "lmp": LMP.isoformat(),
            "outcome_type": "", "outcome_date": ""}  # fmt: skip
    bad = _CheckForm({**data, "risk_level": "very_high", "lmp": "2025-02-30"}, instance=check)
    assert set(bad.errors) == {"risk_level", "lmp"}
    form = _CheckForm(data, instance=check)
    assert form.is_valid(), form.errors
    form.save()
    check = NfpcpCheck.objects.get(pk=check.pk)
    assert (check.risk_level, check.risk_factors, check.pregnant, check.lmp) == (
        "high", ["infection"], True, LMP,
    )  # fmt: skip
    assert check.get_counselling_class_display() == "X类：暂不宜怀孕"
    shown = _CheckForm(instance=check)
    assert '<option value="high" selected>' in str(shown["risk_level"])
    assert shown["lmp"].value() == LMP
    assert 'value="2025/03/14"' in str(shown["lmp"])  # the locale's date input format
    person = make_person(org_unit=cast.village, sex="F", birth_date=dt.date(1990, 1, 9))
    service = ContraceptiveService(
        person=person, org_unit=cast.village, service_date=_today(), provider="村卫生室",
        consent=True, recorded_by=cast.users["clerk"],
    )  # fmt: skip
    assert not _ServiceForm({"method": "forced", "note": ""}, instance=service).is_valid()
    _ServiceForm({"method": "oral", "note": "本人要求"}, instance=service).save()
    assert ContraceptiveService.objects.get().get_method_display() == "口服避孕药"


def test_ledger_totals_add_up_per_village_and_supply(cast: Cast) -> None:
    officer = cast.users["officer"]
    for supply, quantity in (("condom", 12), ("condom", 8), ("oral", 3)):
        supply_handout_record(
            org_unit=cast.village, handed_on=_today(), supply=supply, quantity=quantity,
            actor=officer,
        )  # fmt: skip
    page = cast.client_for("officer").get(reverse("programmes:contraception_supplies"))
    html = page.content.decode()
    assert "大官庄村 · 避孕套：20" in html
    assert "大官庄村 · 口服避孕药：3" in html


def test_worklists_and_the_audit_log_do_not_repeat_what_is_sealed(cast: Cast) -> None:
    _services(cast)
    person = make_person(org_unit=cast.village, sex="F", birth_date=dt.date(1992, 2, 2))
    contraception_service_record(
        person=person, method="implant_insert", service_date=_today(), provider="镇卫生院",
        consent=True, followup_due=_today() + dt.timedelta(days=30), actor=cast.users["clerk"],
    )  # fmt: skip
    check = assessed(cast, high=True)
    officer = cast.users["officer"]
    services.nfpcp_early_followup(
        check=check, followed_on=_today(), pregnant=True, lmp=_today() - dt.timedelta(days=40),
        actor=officer,
    )  # fmt: skip
    services.nfpcp_outcome_followup(
        check=check, followed_on=_today(), outcome_type="induced", outcome_date=_today(),
        actor=officer,
    )  # fmt: skip
    clear = " ".join(
        f"{i.title} {i.evidence} {i.outcome_note}" for i in WorkItem.objects.all()
    ) + " ".join(str(e.detail) for e in AuditEvent.objects.all())
    for word in ("皮下埋植", "implant", "紧急避孕药", "emergency", "induced", "终止妊娠",
                 "high", "高风险", "周随访", "pregnant"):  # fmt: skip
        assert word not in clear, word
