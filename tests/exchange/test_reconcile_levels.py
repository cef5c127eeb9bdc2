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
from renkou.registry.models import Person
from tests.conftest import Cast
from tests.exchange.feed_files import write_csv
from tests.factories import make_person
from tests.linkage.linkage_helpers import model_with

pytestmark = pytest.mark.django_db
BORN = dt.date(2012, 3, 14)


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


def _pupil(name: str, address: str) -> list[str]:
    return [name, "男", "", BORN.isoformat(), "小学", "五年级", "", address]


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
    assert wang.evidence["mother"] == "missing"  # no department sends a pupil's mother
    chen = links["陈小红"]
    assert chen.review == FeedLink.Review.PENDING  # two equal candidates
    assert chen.evidence["place"] == "missing"
    assert Person.objects.get(pk=chen.person_id).name == "陈小红"


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
