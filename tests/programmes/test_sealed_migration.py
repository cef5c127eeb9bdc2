"""Migrations 0003–0005 seal the rows written before them (reversed, they open them again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from renkou.programmes.models import ContraceptiveService, NfpcpCheck, NfpcpResult, SupplyHandout
from renkou.worklists.models import WorkItem
from tests.conftest import Cast
from tests.factories import make_person
from tests.programmes.nfpcp_factories import make_couple

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("programmes", "0002_campaigns")]
AFTER = [("programmes", "0005_sealed_columns_swap")]
LMP = dt.date(2025, 3, 14)
OUTCOME_ON = dt.date(2025, 12, 20)
CLEAR = {
    "risk_level": "high", "risk_factors": ["infection", "genetic"], "counselling_class": "B",
    "advice": "孕前3个月起补充叶酸。", "referred_on": dt.date(2025, 2, 27),
    "referred_to": "枣庄市妇幼保健院", "referral_reason": "地中海贫血携带者", "pregnant": True,
    "lmp": LMP, "outcome_type": "miscarriage", "outcome_date": OUTCOME_ON,
    "closed_reason": "已随访妊娠结局",
}  # fmt: skip
SECRETS = [b"2025-03-14", b"2025-12-20", b"2025-02-27", b"miscarriage", b"infection",
           "叶酸".encode(), "地中海".encode(), "妇幼保健院".encode(), "妊娠结局".encode(),
           b"emergency", "梅毒".encode(), "事后来取".encode()]  # fmt: skip


@pytest.fixture
def executor() -> Iterator[Any]:
    """Runs migrations on the test database; puts every app back on its latest state."""
    yield _migrate(BEFORE)
    _migrate(None)


def _migrate(targets: list[tuple[str, str]] | None) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)  # a fresh loader: knows what is applied now


def _raw_bytes(table: str, columns: list[str]) -> list[bytes]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}")  # noqa: S608
        return [bytes(v) for row in cursor.fetchall() for v in row]


def _old_rows(apps: Any, cast: Cast) -> dict[str, int]:
    """Rows as the release before 0003 wrote them (clear columns)."""
    couple = make_couple(cast.village)
    other = make_couple(cast.village, wife_name="孙丽")
    check_model = apps.get_model("programmes", "NfpcpCheck")
    common = {"org_unit_id": cast.village.pk, "township_id": cast.township.pk,
              "registered_on": dt.date(2025, 1, 6), "appointment_date": dt.date(2025, 1, 13),
              "facility": "峄城区妇幼保健院"}  # fmt: skip
    full = check_model.objects.create(
        marriage_id=couple.pk, wife_id=couple.wife_id, husband_id=couple.husband_id,
        slip_number="370404101-2025-000001", open=False, status="closed", **common, **CLEAR,
    )  # fmt: skip
    empty = check_model.objects.create(
        marriage_id=other.pk, wife_id=other.wife_id, husband_id=other.husband_id,
        slip_number="370404101-2025-000002", **common,
    )  # fmt: skip
    apps.get_model("programmes", "NfpcpResult").objects.create(
        check_record_id=full.pk, item_no=14, subject="W", value="梅毒螺旋体抗体阳性", unit="",
        abnormal=True, reviewer="张医生", examined_on=dt.date(2025, 1, 13), source_hash="ab" * 32,
    )  # fmt: skip
    person = make_person(org_unit=cast.village, sex="F", birth_date=dt.date(1991, 7, 7))
    service = apps.get_model("programmes", "ContraceptiveService").objects.create(
        person_id=person.pk, org_unit_id=cast.village.pk, method="iud_remove",
        service_date=dt.date(2025, 5, 5), provider="镇卫生院", consent=True, note="",
        recorded_by_id=cast.users["clerk"].pk,
    )  # fmt: skip
    apps.get_model("programmes", "SupplyHandout").objects.create(
        org_unit_id=cast.village.pk, handed_on=dt.date(2025, 5, 5), supply="emergency", quantity=1,
        recipient_id=person.pk, note="事后来取", handed_by_id=cast.users["officer"].pk,
    )  # fmt: skip
    # What the old services wrote into work items (clear columns of another app).
    for kind, title, evidence in (
        ("contraception_followup", "避孕节育服务随访：赵敏（取出宫内节育器）", ""),
        ("nfpcp_early_pregnancy", "早孕随访：李娜（370404101-2025-000001）", "已怀孕，孕8周随访"),
        ("nfpcp_outcome", "妊娠结局随访：李娜（370404101-2025-000001）", "妊娠结局：自然流产"),
        ("nfpcp_outcome", "妊娠结局随访：孙丽（370404101-2025-000002）", "入户核实，已搬走"),
    ):
        WorkItem.objects.create(
            kind=kind, title=title, evidence=evidence, org_unit=cast.village,
            opened_at=timezone.now(), status="closed" if evidence else "open",
        )  # fmt: skip
    return {"full": full.pk, "empty": empty.pk, "service": service.pk}


def test_old_rows_are_sealed_and_unsealed_again(cast: Cast, executor: Any) -> None:
    old_apps = executor.loader.project_state(BEFORE).apps
    pks = _old_rows(old_apps, cast)

    _migrate(AFTER)
    full = NfpcpCheck.objects.get(pk=pks["full"])
    assert {name: getattr(full, name) for name in CLEAR} == CLEAR
    assert full.get_outcome_type_display() == "自然流产"
    empty = NfpcpCheck.objects.get(pk=pks["empty"])
    assert (empty.risk_level, empty.risk_factors, empty.lmp, empty.pregnant) == ("", [], None, None)
    result = NfpcpResult.objects.get()
    assert (result.value, result.abnormal, result.source_hash) == ("梅毒螺旋体抗体阳性", True, "")
    # only(): the model now has 0006's follow-up columns, which 0005 has not yet.
    assert ContraceptiveService.objects.only("method").get(pk=pks["service"]).method == (
        "iud_remove"
    )
    handout = SupplyHandout.objects.get()
    assert (handout.supply, handout.note) == ("emergency", "事后来取")
    raw = (
        _raw_bytes("programmes_nfpcpcheck", [*CLEAR])
        + _raw_bytes("programmes_nfpcpresult", ["value", "abnormal"])
        + _raw_bytes("programmes_contraceptiveservice", ["method", "note"])
        + _raw_bytes("programmes_supplyhandout", ["supply", "note"])
    )
    assert len(raw) == 2 * len(CLEAR) + 2 + 2 + 2
    for blob in raw:
        for secret in SECRETS:
            assert secret not in blob
    texts = {(i.kind, i.title, i.evidence) for i in WorkItem.objects.all()}
    assert texts == {
        ("contraception_followup", "避孕节育服务随访：赵敏", ""),
        ("nfpcp_early_pregnancy", "早孕随访：李娜（370404101-2025-000001）",
         "已随访（结果见孕前检查记录）"),
        ("nfpcp_outcome", "妊娠结局随访：李娜（370404101-2025-000001）",
         "已随访（结果见孕前检查记录）"),
        ("nfpcp_outcome", "妊娠结局随访：孙丽（370404101-2025-000002）", "入户核实，已搬走"),
    }  # fmt: skip

    reverted = _migrate(BEFORE).loader.project_state(BEFORE).apps
    full = reverted.get_model("programmes", "NfpcpCheck").objects.get(pk=pks["full"])
    assert {name: getattr(full, name) for name in CLEAR} == CLEAR
    service = reverted.get_model("programmes", "ContraceptiveService").objects.get()
    assert service.method == "iud_remove"
    supply = reverted.get_model("programmes", "SupplyHandout").objects.get()
    assert (supply.supply, supply.note) == ("emergency", "事后来取")


def test_0006_seals_an_empty_followup_into_the_services_before_it(
    cast: Cast, executor: Any
) -> None:
    """Services recorded before the follow-up fields get the same sealed empty value as
    every later service without a follow-up: the raw column shows no NULLs to tell them
    apart from services followed up."""
    _migrate(AFTER)
    old = executor.loader.project_state(AFTER).apps.get_model("programmes", "ContraceptiveService")
    person = make_person(
        org_unit=cast.village, name="钱芳", sex="F", birth_date=dt.date(1990, 1, 1)
    )
    old_pk = old.objects.create(
        person_id=person.pk, org_unit_id=cast.village.pk, method="condom",
        service_date=timezone.localdate(), provider="村卫生室", consent=True,
        recorded_by_id=cast.users["clerk"].pk,
    ).pk  # fmt: skip
    _migrate([("programmes", "0006_contraception_followup_result")])
    service = ContraceptiveService.objects.get(pk=old_pk)
    assert (service.followup_result, service.followup_note, service.followed_on) == (
        None, None, None)  # fmt: skip
    fresh = ContraceptiveService.objects.create(
        person=person, org_unit=cast.village, method="oral", service_date=timezone.localdate(),
        provider="村卫生室", consent=True, recorded_by=cast.users["clerk"],
    )  # fmt: skip
    raw = _raw_bytes("programmes_contraceptiveservice", ["followup_result", "followup_note"])
    assert len(raw) == 4
    assert {len(blob) for blob in raw[0::2]} == {len(raw[2])}  # old and new alike
    assert ContraceptiveService.objects.get(pk=fresh.pk).followup_result is None
