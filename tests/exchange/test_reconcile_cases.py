"""Each discrepancy class on a handcrafted case (the conftest cast), item scope, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.reconcile_export import HEADER
from renkou.exchange.services import feed_import
from renkou.registry.models import Person
from renkou.registry.models.codes import MaritalStatus
from renkou.worklists.models import WorkItem
from renkou.worklists.selectors import workitem_queryset_for_user
from tests.exchange.feed_files import bad_check, make_id, write_csv
from tests.factories import make_person

pytestmark = pytest.mark.django_db
ADDR = "山东省枣庄市峄城区榴园镇大官庄村"
DEAD, MOVED, MOTHER, MOTHER2 = (make_id("19500101", "111"), make_id("19600101", "131"),
                                make_id("19920202", "242"), make_id("19930303", "262"))  # fmt: skip
PUPIL, NAMED, HUSBAND, WIFE = (make_id("20150505", "151"), make_id("19800808", "171"),
                               make_id("19900101", "191"), make_id("19910101", "202"))  # fmt: skip
OUTSIDER = make_id("19950505", "313")


def _police(
    name: str, number: str, born: str, event: str, no: str, *, addr: str = ADDR
) -> list[str]:
    return [name, "男", number, born, "汉族", addr, "", name, "本人", event, "2026-01-05", no]


@pytest.fixture
def county_cases(cast: Any, tmp_path: Path, settings: Any) -> dict[str, Person]:
    """Register people in 大官庄村 and feed one month that shows every class."""
    settings.DATA_DIR = tmp_path / "data"
    v = cast.village
    married = MaritalStatus.FIRST_MARRIAGE
    people = {
        "dead": make_person(org_unit=v, name="王五", birth_date=dt.date(1950, 1, 1),
                            id_number=DEAD, external_id="GA1"),
        "moved": make_person(org_unit=v, name="赵六", birth_date=dt.date(1960, 1, 1),
                             id_number=MOVED, external_id="GA2"),
        "mother": make_person(org_unit=v, name="李四", sex="F", birth_date=dt.date(1992, 2, 2),
                              id_number=MOTHER, external_id="GA3"),
        "mother2": make_person(org_unit=v, name="孙丽", sex="F", birth_date=dt.date(1993, 3, 3),
                               id_number=MOTHER2, external_id="GA4"),
        "named": make_person(org_unit=v, name="张伟", birth_date=dt.date(1980, 8, 8),
                             id_number=NAMED, external_id="GA5"),
        "husband": make_person(org_unit=v, name="刘强", birth_date=dt.date(1990, 1, 1),
                               id_number=HUSBAND, external_id="GA6"),
        "wife": make_person(org_unit=cast.other_township_village, name="陈静", sex="F",
                            birth_date=dt.date(1991, 1, 1), id_number=WIFE, external_id="GA7",
                            marital_status=married),
    }  # fmt: skip
    # mother2's baby is already registered: her birth certificate is no discrepancy.
    make_person(org_unit=v, name="孙宝", birth_date=dt.date(2026, 1, 3), with_id=False,
                mother=people["mother2"])  # fmt: skip
    police = [
        _police("王五", DEAD, "1950-01-01", "死亡", "YW1"),
        _police("赵六", MOVED, "1960-01-01", "迁出", "YW2"),
        _police("张卫", NAMED, "1980-08-08", "迁入", "YW3"),  # name differs: 错登
        _police("钱七", OUTSIDER, "1995-05-05", "迁入", "YW4", addr="山东省济南市"),  # 漏登, county
        _police("周八", bad_check(make_id("19700101", "333")), "1970-01-01", "迁入", "YW5"),
    ]
    births = [
        ["李宝", "男", "2026-01-02", ADDR, "P1", "医院", "李四", MOTHER, "", "", ADDR, ADDR, "1",
         "1"],
        ["孙宝", "男", "2026-01-03", ADDR, "P2", "医院", "孙丽", MOTHER2, "", "", ADDR, ADDR, "1",
         "1"],
    ]  # fmt: skip
    marriages = [["刘强", HUSBAND, "1990-01-01", ADDR, "陈静", WIFE, "1991-01-01", "古邵镇后楼村",
                  "结婚", "2026-01-09", "民政局"]]  # fmt: skip
    pupils = [["吴九", "男", PUPIL, "2015-05-05", "小学", "五年级", "吴", ADDR]]
    for kind, body in (("police", police), ("birth_cert", births), ("marriage", marriages),
                       ("pupil", pupils)):  # fmt: skip
        path = write_csv(tmp_path / f"{kind}.csv", kind, body)
        result = feed_import(kind=kind, path=path, month="2026-01", actor=None)
        assert result.status == "applied", result.errors
    return people


def _items(kind: str) -> list[WorkItem]:
    return list(WorkItem.objects.filter(kind=f"discrepancy.{kind}").order_by("pk"))


def test_every_class_on_its_case(cast: Any, county_cases: dict[str, Person]) -> None:
    summary = reconcile_month(month="2026-01", actor=cast.users["county"])
    p = county_cases
    left = _items("should_have_left")
    assert {i.subject_person for i in left} == {p["dead"], p["moved"]}
    assert all(i.org_unit == cast.village and i.subject_ref.startswith("feedrow:") for i in left)
    assert "应销未销" in left[0].title
    assert "出队" in left[0].title
    assert [i.subject_person for i in _items("unreported_event")] == [p["mother"]]
    missing = _items("missing_person")
    assert [(i.subject_person, i.org_unit) for i in missing] == [
        (None, cast.county), (None, cast.village)]  # fmt: skip
    conflicting = _items("conflicting")
    assert [i.subject_person for i in conflicting] == [p["named"], None]
    assert conflicting[1].org_unit == cast.village  # unlinked: the village named in the address
    assert [i.subject_person for i in _items("marriage_not_reflected")] == [p["husband"]]
    assert summary.items_opened == WorkItem.objects.count() == 8
    assert all(i.source == "reconcile:2026-01" for i in WorkItem.objects.all())
    for item in WorkItem.objects.all():  # titles never carry an identity number
        assert not any(n in item.title for n in (DEAD, MOVED, MOTHER, NAMED, OUTSIDER, PUPIL))


def test_items_are_scoped(cast: Any, county_cases: dict[str, Person]) -> None:
    reconcile_month(month="2026-01", actor=None)
    assert workitem_queryset_for_user(user=cast.users["other_clerk"]).count() == 0
    assert workitem_queryset_for_user(user=cast.users["clerk"]).count() == 7
    assert workitem_queryset_for_user(user=cast.users["county"]).count() == 8
    reconcile_month(month="2026-01", actor=None)
    assert WorkItem.objects.count() == 8


def test_who_may_run_it(cast: Any, county_cases: dict[str, Person]) -> None:
    for who in ("officer", "head", "auditor"):
        with pytest.raises(PermissionDenied):
            reconcile_month(month="2026-01", actor=cast.users[who])
    # A clerk compares the township's own files, never the county's or another township's.
    for unit in (cast.county, cast.other_township):
        with pytest.raises(PermissionDenied):
            reconcile_month(month="2026-01", actor=cast.users["clerk"], unit=unit)
    assert WorkItem.objects.count() == 0


def test_cli_json_and_export(cast: Any, county_cases: dict[str, Person], tmp_path: Path) -> None:
    out = StringIO()
    call_command("reconcile", "--month", "2026-01", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["month"], summary["items_opened"], summary["rows"]) == ("2026-01", 8, 9)
    assert summary["by_class"]["should_have_left"] == 2
    target = tmp_path / "links.csv"
    out = StringIO()
    call_command("export", "links", "--month", "2026-01", "--out", str(target), "--json",
                 stdout=out)  # fmt: skip
    assert json.loads(out.getvalue())["rows"] == 10  # a marriage row has two sides
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    for number in (DEAD, MOVED, MOTHER, NAMED, OUTSIDER, PUPIL, HUSBAND, WIFE):
        assert number not in text
        assert number[:17] not in text
    lines = list(csv.DictReader(text.splitlines()))
    assert tuple(lines[0]) == HEADER
    dead = next(r for r in lines if r["来源编号"] == "YW1")
    assert (dead["数据类别"], dead["来源文件"], dead["个案编号"], dead["匹配方法"]) == (
        "police", "police.csv", "GA1", "exact_id")  # fmt: skip
    assert (dead["匹配概率"], dead["差异类别"], dead["来源行号"]) == ("1.00", "应销未销", "2")


def test_cli_refusals(cast: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="月份格式"):
        call_command("reconcile", "--month", "2026/1", stdout=StringIO())
    with pytest.raises(CommandError, match="尚未比对"):
        call_command("export", "links", "--month", "2026-02", "--out", str(tmp_path / "x.csv"),
                     stdout=StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="目录"):
        call_command("export", "links", "--month", "2026-01", "--out", str(tmp_path),
                     stdout=StringIO())  # fmt: skip


def test_formula_cells_are_neutralised(cast: Any, tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"
    body = [_police("=HYPERLINK(1)", OUTSIDER, "1995-05-05", "迁入", "=cmd|' /C calc'!A0")]
    path = write_csv(tmp_path / "police.csv", "police", body)
    assert feed_import(kind="police", path=path, month="2026-01", actor=None).status == "applied"
    reconcile_month(month="2026-01", actor=None)
    target = tmp_path / "links.csv"
    call_command("export", "links", "--month", "2026-01", "--out", str(target), stdout=StringIO())
    line = target.read_text(encoding="utf-8-sig").splitlines()[1]
    assert "'=cmd" in line


def test_discrepancies_are_due_at_the_next_monthly_meeting() -> None:
    import datetime as dt

    from renkou.exchange.reconcile_items import meeting_due_date

    assert meeting_due_date("reconcile:2026-01") == dt.date(2026, 3, 3)
    assert meeting_due_date("reconcile:2026-11") == dt.date(2027, 1, 3)
    assert meeting_due_date("reconcile:2026-12") == dt.date(2027, 2, 3)
    assert meeting_due_date("campaign:5") is None
