"""The mother comparison and the township place level of the model (renkou.linkage.model).

Which level a pair falls in is checked with the model trained on the synthetic county;
which candidate wins with ``model_with`` (parameters as a county would train them where
people move mostly inside their township, as the synthetic county's moves do).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from renkou.linkage.model import (
    FORMAT,
    LEVELS,
    ModelError,
    Scored,
    StoredModel,
    Thresholds,
    levels_fingerprint,
    score,
)
from renkou.linkage.subjects import subjects_of
from renkou.linkage.tables import Register
from tests.linkage.helpers import make_id
from tests.linkage.linkage_helpers import ADDRESS, AREA, feed, model_with, person, register
from tests.linkage.test_model import County, county  # noqa: F401 - the trained model

BORN = date(2012, 3, 14)
MOTHER_A = make_id(AREA, date(1985, 1, 1), "242")
MOTHER_B = make_id(AREA, date(1986, 2, 2), "262")
OTHER_MOTHER = make_id(AREA, date(1987, 3, 3), "282")
# Addresses of the helpers' villages: 大官庄村 and 孔官庄村 (坊岭镇), 王庄村 (榴园镇).
SAME_TOWNSHIP = "山东省枣庄市峄城区坊岭镇孔官庄村第一村民组"
TOWNSHIP_ONLY = "山东省枣庄市峄城区坊岭镇"
OTHER_TOWNSHIP = "山东省枣庄市峄城区榴园镇王庄村第二村民组"
LIZHUANG = "山东省枣庄市峄城区榴园镇李庄村第一村民组"  # 榴园镇, not 王庄村
NO_PLACE = "山东省枣庄市峄城区"
WANGZHUANG = "370404101201"


def _transposed(number: str) -> str:
    bad = number[:10] + number[11] + number[10] + number[12:]
    assert bad != number
    return bad


def _others() -> list[dict[str, str]]:
    """Forty unrelated register people, so that term frequencies are not those of one name,
    living in the four villages (the places an address can name are those of register
    people)."""
    villages = ("370404100201", "370404100202", WANGZHUANG, "370404101202")
    rows = []
    for i in range(40):
        name = "李张刘陈杨赵黄周"[i % 8] + "秀淑洋静帆磊"[i % 6] + "英珍华"[i % 3]
        rows.append(
            person(
                f"X{i}",
                name,
                "女",
                date(1960 + i, 5, 6),
                f"{i:02d}2",
                户籍地区划代码=villages[i % 4],
                户编号=f"{villages[i % 4]}03{i:04d}",
            )
        )
    return rows


def _cousins() -> list[dict[str, str]]:
    """Two 王小明 born the same day in 大官庄村, no numbers, different mothers."""
    return [
        person("P1", "王小明", "男", BORN, "123", 公民身份号码="", 母亲身份证号=MOTHER_A),
        person("P2", "王小明", "男", BORN, "135", 公民身份号码="", 母亲身份证号=MOTHER_B),
        *_others(),
    ]


def _namesakes() -> list[dict[str, str]]:
    """Two 王小明 born the same day, no numbers: one in 大官庄村 (坊岭镇), one in 王庄村
    (榴园镇), each in a household of their own."""
    return [
        person("P1", "王小明", "男", BORN, "123", 公民身份号码=""),
        person("P2", "王小明", "男", BORN, "135", 公民身份号码="", 户籍地区划代码=WANGZHUANG,
               户编号=WANGZHUANG + "020002"),
        *_others(),
    ]  # fmt: skip


def _pupil(address: str = ADDRESS, mother: str | None = None) -> dict[str, str]:
    row = {"学生姓名": "王小明", "性别": "男", "身份证号": "", "出生日期": BORN.isoformat(),
           "家庭住址": address}  # fmt: skip
    if mother is not None:
        row["母亲身份证号"] = mother
    return row


def _score(model: StoredModel, reg: Register, row: dict[str, str]) -> list[Scored]:
    s = subjects_of(feed("pupil", row))
    return score(reg, [(s, 0)], model, thresholds=Thresholds(auto=0.99, review=0.001))


def _candidates(
    model: StoredModel, rows: list[dict[str, str]], feed_row: dict[str, str]
) -> dict[int, Scored]:
    """The score of each of the first two register rows (the namesakes) against the feed
    row, the other namesake renamed out of the way (places and numbers unchanged)."""
    out: dict[int, Scored] = {}
    for rid, other in ((0, 1), (1, 0)):
        alone = [dict(r, 姓名="赵某某") if i == other else r for i, r in enumerate(rows)]
        found = _score(model, register(*alone), feed_row)
        assert found[0].rid == rid
        out[rid] = found[0]
    return out


# --- which level ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "level"),
    [
        (ADDRESS, "village"),
        (SAME_TOWNSHIP, "township"),  # moved to another village of the township
        (TOWNSHIP_ONLY, "township"),  # the address names the township alone
        (OTHER_TOWNSHIP, "different"),
        (NO_PLACE, "missing"),
        ("江苏省昆山市", "missing"),
    ],
)
def test_place_levels(county: County, address: str, level: str) -> None:  # noqa: F811
    reg = register(person("P1", "王小明", "男", BORN, "123", 公民身份号码=""), *_others())
    (found,) = _score(county.model, reg, _pupil(address))
    assert found.rid == 0
    assert found.evidence["place"] == level


def test_the_same_household_is_still_the_best_place(county: County) -> None:  # noqa: F811
    reg = register(person("P1", "王小明", "男", BORN, "123", 公民身份号码=""), *_others())
    row = {"姓名": "王小明", "性别": "男", "公民身份号码": "", "出生日期": BORN.isoformat(),
           "户籍地址": OTHER_TOWNSHIP, "户号": reg.table["household"][0].as_py(),
           "变动类型": "迁出"}  # fmt: skip
    s = subjects_of(feed("police", row))
    (found,) = score(reg, [(s, 0)], county.model, thresholds=Thresholds(auto=0.99, review=0.001))
    assert found.evidence["place"] == "household"


@pytest.mark.parametrize(
    ("mother", "level"),
    [
        (MOTHER_A, "exact"),
        (" " + MOTHER_A.lower() + " ", "exact"),  # normalised like any number
        (_transposed(MOTHER_A), "repairable"),  # fails its check, two edits away
        (MOTHER_A[:17] + ("0" if MOTHER_A[17] != "0" else "1"), "repairable"),
        ("", "missing"),
        ("4.10102E+17", "missing"),  # Excel ate the digits: not a number at all
    ],
)
def test_mother_levels(county: County, mother: str, level: str) -> None:  # noqa: F811
    found = _score(county.model, register(*_cousins()), _pupil(mother=mother))
    assert found
    assert found[0].evidence["mother"] == level
    if level != "missing":
        assert found[0].rid == 0  # P1, the child of MOTHER_A


def test_a_register_without_mothers_compares_none(county: County) -> None:  # noqa: F811
    reg = register(person("P1", "王小明", "男", BORN, "123", 公民身份号码=""), *_others())
    (found,) = _score(county.model, reg, _pupil(mother=MOTHER_A))
    assert found.evidence["mother"] == "missing"


def test_a_birth_certificate_names_the_subject_not_her_mother(county: County) -> None:  # noqa: F811
    """A certificate's 母亲身份证号 is its subject's own number: compared as ``id``."""
    mother = person("M1", "李秀英", "女", date(1990, 1, 2), "242", 母亲身份证号=OTHER_MOTHER)
    cert = {"出生日期": "2026-01-05", "母亲姓名": "李秀英",
            "母亲身份证号": _transposed(mother["公民身份号码"]), "母亲户籍地": ADDRESS}  # fmt: skip
    s = subjects_of(feed("birth_cert", cert))
    assert s.mother_status == ["missing"]
    found = score(register(mother, *_others()), [(s, 0)], county.model,
                  thresholds=Thresholds(auto=0.99, review=0.001))  # fmt: skip
    assert found
    assert (found[0].evidence["id"], found[0].evidence["mother"]) == ("repairable", "missing")


# --- which candidate --------------------------------------------------------------------


def test_only_the_mother_tells_two_namesakes_apart() -> None:
    """Same name, birth date, sex and village: the mother's number decides. A valid mother's
    number that differs is another mother, hence another person (never a candidate)."""
    model = model_with()
    rows = _cousins()
    reg = register(*rows)
    assert {f.rid for f in _score(model, reg, _pupil())} == {0}  # a tie without her…
    tie = _candidates(model, rows, _pupil())
    assert tie[0].probability == pytest.approx(tie[1].probability)
    strict = Thresholds(auto=0.99, review=0.5)
    s = subjects_of(feed("pupil", _pupil()))
    (both,) = score(reg, [(s, 0)], model, thresholds=strict)
    assert both.route == "pending"  # …two candidates: a person decides
    for mother, rid in ((MOTHER_A, 0), (MOTHER_B, 1)):
        s = subjects_of(feed("pupil", _pupil(mother=mother)))
        (found,) = score(reg, [(s, 0)], model, thresholds=strict)
        assert (found.rid, found.route, found.evidence["mother"]) == (rid, "auto", "exact")
    assert _score(model, reg, _pupil(mother=OTHER_MOTHER)) == []


def test_a_repairable_mother_number_is_evidence_not_proof() -> None:
    model = model_with()
    rows = _cousins()
    reg = register(*rows)
    (found,) = _score(model, reg, _pupil(mother=_transposed(MOTHER_B)))
    assert (found.rid, found.evidence["mother"]) == (1, "repairable")
    cands = _candidates(model, rows, _pupil(mother=_transposed(MOTHER_B)))
    assert cands[0].evidence["mother"] == "different"  # not dropped: hers fails its check
    assert cands[1].probability > cands[0].probability


def test_valid_different_mothers_never_link_whatever_else_agrees() -> None:
    number = make_id(AREA, BORN, "123")
    reg = register(person("P1", "王小明", "男", BORN, "123", 母亲身份证号=MOTHER_A), *_others())
    row = {**_pupil(mother=MOTHER_B), "身份证号": number}
    assert _score(model_with(), reg, row) == []
    assert _score(model_with(), reg, {**row, "母亲身份证号": MOTHER_A})[0].rid == 0


def test_only_the_township_tells_two_namesakes_apart() -> None:
    """Same name, birth date and sex, numbers missing; one lives in 大官庄村 (坊岭镇), one in
    王庄村 (榴园镇). The feed names another village of 榴园镇: the township decides."""
    model = model_with()
    rows = _namesakes()
    reg = register(*rows)
    cands = _candidates(model, rows, _pupil(LIZHUANG))
    assert (cands[0].evidence["place"], cands[1].evidence["place"]) == ("different", "township")
    assert cands[1].probability > 0.9
    assert cands[0].probability < 0.6
    thresholds = Thresholds(auto=0.9, review=0.6)
    s = subjects_of(feed("pupil", _pupil(LIZHUANG)))
    (found,) = score(reg, [(s, 0)], model, thresholds=thresholds)
    assert (found.rid, found.route) == (1, "auto")
    # Without the township the two tie: a person decides.
    tie = _candidates(model, rows, _pupil(NO_PLACE))
    assert tie[0].probability == pytest.approx(tie[1].probability)
    assert tie[0].probability > 0.6
    s = subjects_of(feed("pupil", _pupil(NO_PLACE)))
    (undecided,) = score(reg, [(s, 0)], model, thresholds=thresholds)
    assert undecided.route == "pending"


# --- inputs -----------------------------------------------------------------------------


def test_register_files_give_mothers_and_townships(tmp_path: Path) -> None:
    (tmp_path / "register.csv").write_text(
        "\ufeff个案编号,姓名,性别,公民身份号码,出生日期,户籍地区划代码,户编号,与户主关系,"
        "配偶身份证号,母亲身份证号\n"
        f"GA1,王小明,男,,2012-03-14,370404100201,1,子,,{MOTHER_A.lower()} \n"
        "GA2,李秀英,女,,1985-01-01,370404999201,2,本人,,\n",
        encoding="utf-8",
    )
    (tmp_path / "orgunits.csv").write_text(
        "区划代码,名称,层级,上级代码\n370404000000,峄城区,county,\n"
        "370404100000,坊岭镇,township,370404000000\n370404100201,大官庄村,village,370404100000\n",
        encoding="utf-8",
    )
    reg = Register.from_csv(tmp_path / "register.csv")
    cols = reg.table.select(["mother_id", "place", "township"]).to_pylist()
    assert cols == [
        {"mother_id": MOTHER_A, "place": "坊岭镇大官庄村", "township": "坊岭镇"},
        {"mother_id": "", "place": "", "township": ""},  # a village we do not know
    ]
    # An export without 母亲身份证号 still reads: no mothers.
    text = (tmp_path / "register.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "register.csv").write_text(
        "\n".join(line.rsplit(",", 1)[0] for line in text) + "\n", encoding="utf-8"
    )
    assert Register.from_csv(tmp_path / "register.csv").table["mother_id"].to_pylist() == ["", ""]


# --- stored models of other levels ------------------------------------------------------


def _old_model(model: StoredModel) -> str:
    """The model as renkou-linkage-model/1 stored it: no mother, place without township."""
    data = json.loads(model.to_json())
    data["format"] = "renkou-linkage-model/1"
    del data["levels"]
    comps = data["splink"]["comparisons"]
    data["splink"]["comparisons"] = [c for c in comps if c["output_column_name"] != "mother"]
    for c in data["splink"]["comparisons"]:
        if c["output_column_name"] == "place":
            c["comparison_levels"] = [
                lv for lv in c["comparison_levels"] if lv["label_for_charts"] != "township"
            ]
    return json.dumps(data, ensure_ascii=False)


def test_a_model_of_the_old_levels_is_refused_with_the_command_to_run(county: County) -> None:  # noqa: F811
    with pytest.raises(ModelError, match="旧版比较规则") as err:
        StoredModel.from_json(_old_model(county.model))
    assert "renkou linkage_train" in str(err.value)
    assert FORMAT in str(err.value)


def test_a_model_of_other_levels_is_refused(county: County) -> None:  # noqa: F811
    data = json.loads(county.model.to_json())
    data["levels"] = "0" * 64  # trained by a build whose levels differed
    with pytest.raises(ModelError, match=r"比较规则.*renkou linkage_train"):
        StoredModel.from_json(json.dumps(data))
    # A hand-edited model: the right fingerprint, the old levels.
    current = {
        c["output_column_name"]: c
        for c in json.loads(county.model.to_json())["splink"]["comparisons"]
    }
    data = json.loads(_old_model(county.model))
    data.update(format=FORMAT, levels=levels_fingerprint())
    with pytest.raises(ModelError, match=r"“place”.*household/village/different）.*township"):
        StoredModel.from_json(json.dumps(data))
    comps = data["splink"]["comparisons"]
    comps[:] = [current["place"] if c["output_column_name"] == "place" else c for c in comps]
    with pytest.raises(ModelError, match=r"“mother”比较层级（无）.*renkou linkage_train"):
        StoredModel.from_json(json.dumps(data))
    comps.append(current["mother"])
    assert StoredModel.from_json(json.dumps(data)).splink["comparisons"][-1] == current["mother"]


def test_the_fingerprint_follows_the_levels(county: County) -> None:  # noqa: F811
    assert json.loads(county.model.to_json())["levels"] == levels_fingerprint()
    assert len(levels_fingerprint()) == 64
    assert set(LEVELS) == {"id", "name", "dob", "sex", "place", "mother"}
    assert LEVELS["place"] == ("household", "village", "township", "different")
    assert StoredModel.from_json(county.model.to_json()).levels == levels_fingerprint()
