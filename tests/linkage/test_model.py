"""The probabilistic stage (renkou.linkage.model, renkou.linkage.matcher)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from renkou.benchmarks.linkage import KINDS
from renkou.linkage.cascade import cascade, link
from renkou.linkage.evaluate import evaluate
from renkou.linkage.matcher import METHOD, match
from renkou.linkage.model import LEVELS, ModelError, StoredModel, Thresholds, score
from renkou.linkage.subjects import subjects_of
from renkou.linkage.tables import Feed, Register
from tests.linkage.helpers import make_id, trained_county
from tests.linkage.linkage_helpers import ADDRESS, feed, person, register


@dataclass
class County:
    register: Register
    feeds: list[Feed]
    truths: dict[str, Path]
    model: StoredModel


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> County:
    out = tmp_path_factory.mktemp("county")
    reg, feeds, model = trained_county(out, 4000)
    truths = {k: out / "truth" / "2026-01" / f"{k}.csv" for k in KINDS}
    return County(reg, feeds, truths, model)


def _links(results: list) -> list[tuple[str, int, str, str | None, str | None, str]]:  # type: ignore[type-arg]
    return [
        (r["kind"], r["row"], r["side"], r["person"], r["method"], r["review"])
        for res in results
        for r in res.table.to_pylist()
    ]


def test_model_adds_links_without_false_ones(county: County) -> None:
    cascade = evaluate([link(county.register, f) for f in county.feeds], county.truths)
    results = match(county.register, county.feeds, model=county.model)
    ours = evaluate(results, county.truths, county.register)
    assert ours.total.fp == 0
    assert ours.valid_id_false_links == 0
    assert ours.by_method[METHOD].tp > 0
    assert ours.total.tp > cascade.total.tp
    assert ours.total.f1 > cascade.total.f1
    for res in results:
        for r in res.table.to_pylist():
            if r["method"] == METHOD:
                assert set(r["evidence"]) == set(LEVELS)
                assert all(isinstance(v, str) for v in r["evidence"].values())
                assert 0.0 < r["probability"] <= 1.0


def test_stored_model_round_trip_gives_the_same_links(county: County) -> None:
    text = county.model.to_json()
    reloaded = StoredModel.from_json(text)
    assert reloaded.sha256 == county.model.sha256
    first = match(county.register, county.feeds, model=county.model)
    again = match(county.register, county.feeds, model=reloaded)
    assert _links(first) == _links(again)
    p1 = [x for res in first for x in res.table["probability"].to_pylist()]
    p2 = [x for res in again for x in res.table["probability"].to_pylist()]
    assert p1 == pytest.approx(p2)


def test_thresholds_route_auto_pending_none(county: County) -> None:
    strict = match(county.register, county.feeds, model=county.model,
                   thresholds=Thresholds(auto=1.0, review=0.5))  # fmt: skip
    model_rows = [r for res in strict for r in res.table.to_pylist() if r["method"] == METHOD]
    assert model_rows
    for r in model_rows:
        # Nothing reaches 1.0 exactly except certainties: everything else waits for review.
        assert r["review"] == ("" if r["probability"] >= 1.0 else "pending")
        assert r["probability"] >= 0.5
    pending = sum(r["review"] == "pending" for r in model_rows)
    linked = sum(len(res.linked()) for res in strict)
    plain = sum(len(res.linked()) for res in match(county.register, county.feeds, model=None))
    assert linked == plain + len(model_rows) - pending  # pending candidates are not links
    t = Thresholds(auto=0.99, review=0.8)
    assert (t.route(0.995), t.route(0.9), t.route(0.5)) == ("auto", "pending", "none")
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(auto=0.5, review=0.9)


def _score_one(model: StoredModel, reg: Register, kind: str, row: dict[str, str]) -> list:  # type: ignore[type-arg]
    s = subjects_of(feed(kind, row))
    return score(reg, [(s, 0)], model, thresholds=Thresholds(auto=0.99, review=0.001))


BORN = date(1990, 3, 14)


def _reg() -> Register:
    return register(
        person("P1", "王建国", "男", BORN, "123"),
        person("P2", "李秀英", "女", date(1985, 7, 2), "124"),
        person("P3", "张淑珍", "女", date(1979, 11, 30), "126"),
    )


def _pupil(name: str, born: str, number: str = "", sex: str = "男") -> dict[str, str]:
    return {"学生姓名": name, "性别": sex, "身份证号": number, "出生日期": born,
            "家庭住址": ADDRESS}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "born", "level"),
    [
        ("王建国", "1990-03-14", ("name", "exact")),
        ("王建國", "1990-03-14", ("name", "exact")),  # traditional → simplified
        ("王*国", "1990-03-14", ("name", "masked")),
        ("汪建国", "1990-03-14", ("name", "pinyin")),  # homophone
        ("王jianguo", "1990-03-14", ("name", "pinyin")),  # characters sent as pinyin
        ("王建国", "1990-14-03", ("dob", "missing")),  # not a date at all
        ("王建国", "1990-03-15", ("dob", "day")),
        ("王建国", "1991-03-14", ("dob", "year")),
        ("王建国", "1990-03-14", ("place", "village")),
    ],
)
def test_name_and_date_levels(county: County, name: str, born: str, level: tuple[str, str]) -> None:
    found = _score_one(county.model, _reg(), "pupil", _pupil(name, born))
    assert found, (name, born)
    assert found[0].rid == 0
    assert found[0].evidence[level[0]] == level[1]


def test_swapped_day_and_month(county: County) -> None:
    reg = register(person("P1", "王建国", "男", date(1990, 3, 4), "123"))
    found = _score_one(county.model, reg, "pupil", _pupil("王建国", "1990-04-03"))
    assert found
    assert found[0].evidence["dob"] == "swapped"


def test_repairable_number_is_evidence(county: County) -> None:
    good = make_id("370404", BORN, "123")
    bad = good[:10] + good[11] + good[10] + good[12:]  # adjacent transposition
    assert bad != good
    found = _score_one(county.model, _reg(), "pupil", _pupil("汪建国", "1990-03-15", bad))
    assert found
    assert found[0].evidence["id"] == "repairable"


def test_empty_feed_and_all_null_names(county: County) -> None:
    assert score(county.register, [], county.model, thresholds=Thresholds()) == []
    empty = feed("pupil")
    results = match(county.register, [empty], model=county.model)
    assert results[0].table.num_rows == 0
    rows = [_pupil("", "", "") for _ in range(5)]
    blank = match(county.register, [feed("pupil", *rows)], model=county.model)
    assert blank[0].table.num_rows == 5
    assert len(blank[0].linked()) == 0
    # Blank rows are left to the model (which finds nothing for them).
    assert cascade(county.register, [feed("pupil", *rows)]).unlinked() == list(range(5))


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: "{not json",
        lambda t: json.dumps({"format": "something-else"}),
        lambda t: json.dumps({"format": "renkou-linkage-model/1", "splink": {}}),
        lambda t: t.replace('"label_for_charts": "pinyin"', '"label_for_charts": "soundex"'),
        lambda t: t.replace('"probability_two_random_records_match": ', '"x": '),
        lambda t: t.replace('"m_probability": 0.', '"m_probability": 7.', 1),
        lambda t: "",
    ],
)
def test_corrupt_stored_model_is_refused(county: County, damage: object) -> None:
    text = damage(county.model.to_json())  # type: ignore[operator]
    with pytest.raises(ModelError, match="匹配模型"):
        StoredModel.from_json(text)
