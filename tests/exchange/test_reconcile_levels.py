"""The model's township and mother evidence through the database, and stored models of
older levels refused with the command to run (ADR 0007)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from renkou.exchange.linkage_store import active_model
from renkou.exchange.models import FeedLink, LinkageModel
from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.reconcile_inputs import register_input
from renkou.exchange.services import IntakeError, feed_import
from renkou.linkage.model import ModelError, StoredModel
from renkou.registry import identity
from renkou.registry.models import Person
from tests.changereport_factories import make_family
from tests.conftest import Cast
from tests.exchange.feed_files import make_id, write_csv
from tests.factories import make_person
from tests.linkage.linkage_helpers import model_with

pytestmark = pytest.mark.django_db
BORN = dt.date(2012, 3, 14)


def feed_number(person: Person) -> str:
    """A register person's number as a department would write it."""
    return identity.id_reveal(person.id_cipher)


def _activate(model: StoredModel) -> LinkageModel:
    text = model.to_json()
    return LinkageModel.objects.create(
        month=dt.date(2026, 1, 1), backend="duckdb", params=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(), summary={}, is_active=True,
    )  # fmt: skip


def _others(cast: Cast) -> None:
    """Unrelated people in the cast's three villages (term frequencies, place labels)."""
    villages = (cast.village, cast.other_village, cast.other_township_village)
    for i in range(30):
        name = "李张刘陈杨赵"[i % 6] + "秀淑洋静帆"[i % 5] + "英珍华"[i % 3]
        make_person(org_unit=villages[i % 3], name=name, sex="F",
                    birth_date=dt.date(1960 + i, 5, 6))  # fmt: skip


def _pupil(name: str, address: str, mother: str = "") -> list[str]:
    return [name, "男", "", BORN.isoformat(), "小学", "五年级", "", address, mother]


def test_the_register_input_carries_mothers_and_townships(cast: Cast) -> None:
    mother = make_person(org_unit=cast.village, name="李秀英", sex="F",
                         birth_date=dt.date(1985, 1, 1))  # fmt: skip
    child = make_person(org_unit=cast.other_township_village, name="王小明", birth_date=BORN,
                        with_id=False, mother=mother)  # fmt: skip
    reg = register_input()
    rows = {r["case_id"]: r for r in reg.register.table.to_pylist()}
    by_pk = {pk: rows[key] for key, pk in reg.pk_by_key.items()}
    assert by_pk[child.pk]["mother_id"] == by_pk[mother.pk]["id"] != ""
    assert by_pk[mother.pk]["mother_id"] == ""
    assert (by_pk[mother.pk]["place"], by_pk[mother.pk]["township"]) == ("榴园镇大官庄村", "榴园镇")
    assert (by_pk[child.pk]["place"], by_pk[child.pk]["township"]) == ("古邵镇后楼村", "古邵镇")


def test_only_the_township_decides_a_link(cast: Cast, tmp_path: Path, settings: Any) -> None:
    """Two 王小明 born the same day without numbers, one in 榴园镇 and one in 古邵镇: a
    pupil whose address names another village of 榴园镇 links to the first. Two 陈小红
    with an address naming no village of ours stay a question for a person."""
    settings.DATA_DIR = tmp_path / "data"
    settings.RENKOU_LINK_AUTO, settings.RENKOU_LINK_REVIEW = 0.9, 0.6
    _others(cast)
    here = make_person(org_unit=cast.village, name="王小明", birth_date=BORN, with_id=False)
    make_person(org_unit=cast.other_township_village, name="王小明", birth_date=BORN,
                with_id=False)  # fmt: skip
    for unit in (cast.village, cast.other_township_village):
        make_person(org_unit=unit, name="陈小红", birth_date=BORN, with_id=False)
    path = write_csv(tmp_path / "pupil.csv", "pupil", [
        _pupil("王小明", "山东省枣庄市峄城区榴园镇东王庄村第三村民组"),
        _pupil("陈小红", "山东省枣庄市峄城区"),
    ])  # fmt: skip
    assert feed_import(kind="pupil", path=path, month="2026-01", actor=None).status == "applied"
    _activate(model_with())
    summary = reconcile_month(month="2026-01", actor=None)
    links = {
        link.feed_row.name: link
        for link in FeedLink.objects.filter(run_id=summary.run_id).select_related("feed_row")
    }
    wang = links["王小明"]
    assert (wang.person_id, wang.method, wang.review) == (here.pk, "probabilistic", "")
    assert wang.evidence["place"] == "township"
    assert wang.evidence["mother"] == "missing"  # the row names no mother
    chen = links["陈小红"]
    assert chen.review == FeedLink.Review.PENDING  # two equal candidates
    assert chen.evidence["place"] == "missing"
    assert Person.objects.get(pk=chen.person_id).name == "陈小红"


def test_only_the_mother_decides_a_link(cast: Cast, tmp_path: Path, settings: Any) -> None:
    """Two 王小明 born the same day in 大官庄村, no numbers of their own, different mothers:
    a pupil row naming one mother's number (母亲身份证号) links to her son; the same row
    without it stays a question for a person; a valid mother's number of neither mother
    links to nobody."""
    settings.DATA_DIR = tmp_path / "data"
    settings.RENKOU_LINK_AUTO, settings.RENKOU_LINK_REVIEW = 0.9, 0.6
    _others(cast)
    mothers = [
        make_person(org_unit=cast.village, name=name, sex="F", birth_date=born)
        for name, born in (("李秀英", dt.date(1984, 2, 3)), ("张桂兰", dt.date(1986, 7, 8)))
    ]
    sons = [make_person(org_unit=cast.village, name="王小明", birth_date=BORN, with_id=False,
                        mother=mother) for mother in mothers]  # fmt: skip
    numbers = {m.pk: feed_number(m) for m in mothers}
    address = "山东省枣庄市峄城区榴园镇大官庄村第二村民组"
    path = write_csv(tmp_path / "pupil.csv", "pupil", [
        _pupil("王小明", address, numbers[mothers[1].pk]),
        _pupil("王小明", address),
        _pupil("王小明", address, make_id("19850505", "828")),
    ])  # fmt: skip
    assert feed_import(kind="pupil", path=path, month="2026-01", actor=None).status == "applied"
    _activate(model_with())
    summary = reconcile_month(month="2026-01", actor=None)
    links = {
        link.feed_row.row_number: link
        for link in FeedLink.objects.filter(run_id=summary.run_id).select_related("feed_row")
    }
    named = links[2]
    assert (named.person_id, named.method, named.review) == (sons[1].pk, "probabilistic", "")
    assert (named.evidence["mother"], named.evidence["place"]) == ("exact", "village")
    unnamed = links[3]
    assert unnamed.review == FeedLink.Review.PENDING  # two equal candidates
    assert unnamed.evidence["mother"] == "missing"
    assert links[4].person_id is None  # another mother: neither son


def test_a_police_birth_links_to_the_mother_her_number_names(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    """A 出生 row without a household code: only the mother's number finds the mother (a
    man's number or a number we do not hold finds nobody)."""
    settings.DATA_DIR = tmp_path / "data"
    mother = make_person(org_unit=cast.village, name="李四", sex="F",
                         birth_date=dt.date(1992, 2, 2))  # fmt: skip
    man = make_person(org_unit=cast.village, name="张三", birth_date=dt.date(1990, 1, 1))
    address = "山东省枣庄市峄城区榴园镇大官庄村"

    def police(baby: str, seq: str, mother_number: str) -> list[str]:
        number = make_id("20251220", seq)
        return [baby, "男", number, "2025-12-20", "汉族", address, "", "", "子", "出生",
                "2026-01-05", f"B{seq}", mother_number]  # fmt: skip

    path = write_csv(tmp_path / "police.csv", "police", [
        police("李宝", "011", feed_number(mother)),
        police("张宝", "031", feed_number(man)),
        police("赵宝", "051", make_id("19930303", "262")),
        police("钱宝", "071", ""),
    ])  # fmt: skip
    assert feed_import(kind="police", path=path, month="2026-01", actor=None).status == "applied"
    summary = reconcile_month(month="2026-01", actor=None)
    links = {
        link.feed_row.row_number: link
        for link in FeedLink.objects.filter(run_id=summary.run_id).select_related("feed_row")
    }
    first = links[2]
    assert (first.person_id, first.method, first.role) == (mother.pk, "mother_id", "mother")
    assert (first.evidence["name"], first.evidence["dob"], first.evidence["sex"]) == (
        "n/a", "n/a", "n/a")  # the baby's fields are not the mother's  # fmt: skip
    assert [links[n].person_id for n in (3, 4, 5)] == [None, None, None]
    assert summary.by_class.get("conflicting", 0) == 0
    assert summary.by_class["unreported_event"] == 1  # her birth is not in the register


def test_a_certificate_without_her_number_finds_the_mother_through_the_father(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    """A birth certificate whose 母亲身份证号 is blank: the father's number (id2) finds his
    household card, and on it his wife, whose name agrees."""
    settings.DATA_DIR = tmp_path / "data"
    family = make_family(cast.village, husband_name="王强", wife_name="李芳")
    address = "山东省枣庄市峄城区榴园镇大官庄村"
    row = ["王宝", "男", "2026-01-04", address, "P9", "医院", "李芳", "", "王强",
           feed_number(family.husband), address, address, "1", "1"]  # fmt: skip
    path = write_csv(tmp_path / "birth_cert.csv", "birth_cert", [row])
    assert feed_import(kind="birth_cert", path=path, month="2026-01", actor=None).status == (
        "applied")  # fmt: skip
    summary = reconcile_month(month="2026-01", actor=None)
    link = FeedLink.objects.get(run_id=summary.run_id)
    assert (link.person_id, link.method, link.role) == (family.wife.pk, "father_household",
                                                        "mother")  # fmt: skip
    assert summary.by_class["unreported_event"] == 1  # the baby is not in the register yet


def _old_format(model: StoredModel) -> str:
    data = json.loads(model.to_json())
    data["format"] = "renkou-linkage-model/1"
    del data["levels"]
    return json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (_old_format, "旧版比较规则"),
        (lambda m: m.to_json().replace(m.levels, "0" * 64), "比较规则.*不同"),
    ],
)
def test_a_model_of_other_levels_is_refused_clearly(
    cast: Cast, tmp_path: Path, settings: Any, params: Any, message: str
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    path = write_csv(tmp_path / "pupil.csv", "pupil", [_pupil("王小明", "")])
    assert feed_import(kind="pupil", path=path, month="2026-01", actor=None).status == "applied"
    text = params(model_with())
    row = LinkageModel.objects.create(
        month=dt.date(2025, 12, 1), backend="duckdb", params=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(), summary={}, is_active=True,
    )  # fmt: skip
    pattern = f"匹配模型 #{row.pk}（2025-12 训练）.*{message}.*renkou linkage_train"
    with pytest.raises(ModelError, match=pattern):
        active_model()
    with pytest.raises(IntakeError, match=pattern):
        reconcile_month(month="2026-01", actor=None)
    with pytest.raises(CommandError, match=pattern):
        call_command("reconcile", "--month", "2026-01")
    assert not FeedLink.objects.exists()  # nothing was linked with it
