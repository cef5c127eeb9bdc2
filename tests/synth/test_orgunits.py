"""orgunits.csv: codes, levels and the township sizes the demo relies on."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from renkou.synth import Manifest, generate

from .helpers import read_csv

HEADER = ["区划代码", "名称", "层级", "上级代码", "城乡分类代码"]


def test_codes_levels_and_parents(small_county: Manifest) -> None:
    header, rows = read_csv(small_county.orgunits_path)
    assert header == HEADER
    county = {"区划代码": "370404000000", "名称": "峄城区", "层级": "county"}
    assert rows[0] == {**county, "上级代码": "", "城乡分类代码": ""}
    codes = {r["区划代码"] for r in rows}
    width = {"county": 12, "township": 12, "village": 12, "group": 14}
    for r in rows:
        assert len(r["区划代码"]) == width[r["层级"]]
        assert r["层级"] == "county" or r["上级代码"] in codes
        if r["层级"] == "village":
            village = int(r["区划代码"][9:])
            committee = r["名称"].endswith("居委会")
            assert (1 <= village <= 199) == committee
            assert 201 <= village <= 399 or committee
            assert r["城乡分类代码"] in {"111", "112", "121", "122", "123", "210", "220"}
        if r["层级"] == "group":
            assert re.fullmatch(r"第.+(村民组|居民小组)", r["名称"])


def test_first_village_of_first_township_is_daguanzhuang(small_county: Manifest) -> None:
    _, rows = read_csv(small_county.orgunits_path)
    first = next(r for r in rows if r["层级"] == "village")
    assert first["名称"] == "大官庄村"
    assert first["上级代码"] == next(r for r in rows if r["层级"] == "township")["区划代码"]


def test_demo_county_has_a_large_and_a_small_township(tmp_path: Path) -> None:
    manifest = generate(people=45_000, seed=3, out_dir=tmp_path, townships=2, months=0)
    _, units = read_csv(manifest.orgunits_path)
    townships = [r["区划代码"] for r in units if r["层级"] == "township"]
    villages = Counter(r["上级代码"] for r in units if r["层级"] == "village")
    assert len(townships) == 2
    assert 18 <= villages[townships[0]] <= 22
    _, register = read_csv(manifest.register_path)
    people = Counter(r["户籍地区划代码"][:9] for r in register)
    assert abs(people[townships[0][:9]] - 30_000) < 300
    assert abs(people[townships[1][:9]] - 15_000) < 300
