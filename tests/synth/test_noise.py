"""Noise: every kind shows up at noise=3, and does what its tag says."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from renkou.synth import Manifest, generate
from renkou.synth.data_chars import TRADITIONAL
from renkou.synth.noise import RATES, Noiser

from .helpers import is_valid_id, normalise, read_csv

ID_COLUMN = {"police": "公民身份号码", "pupil": "身份证号", "birth_cert": "母亲身份证号"}
NAME_COLUMN = {"police": "姓名", "pupil": "学生姓名", "birth_cert": "母亲姓名"}
_TRADITIONAL_CHARS = set(TRADITIONAL.values())


def _tagged_rows(manifest: Manifest) -> list[tuple[str, dict[str, str], set[str]]]:
    out = []
    for month in manifest.months:
        for kind in ID_COLUMN:
            _, feed = read_csv(manifest.feed_path(month, kind))
            _, truth = read_csv(manifest.truth_path(month, kind))
            out += [
                (kind, row, set(filter(None, t["噪声"].split(";"))))
                for row, t in zip(feed, truth, strict=True)
            ]
    return out


def test_every_noise_kind_appears_at_three_times_the_noise(noisy_county: Manifest) -> None:
    tags: Counter[str] = Counter()
    for month in noisy_county.months:
        for kind in ("police", "birth_cert", "marriage", "pupil"):
            _, truth = read_csv(noisy_county.truth_path(month, kind))
            tags.update(tag for t in truth for tag in t["噪声"].split(";") if tag)
    assert set(RATES) <= set(tags)
    assert {"newborn", "near_id", "near_id_twin"} <= set(tags)


def test_id_noise_does_what_the_tag_says(noisy_county: Manifest) -> None:
    for kind, row, tags in _tagged_rows(noisy_county):
        number = row[ID_COLUMN[kind]]
        if "missing_id" in tags:
            assert number == ""
        if "id15" in tags:
            assert re.fullmatch(r"[0-9０-９]{15} *", number)
        if tags & {"id_typo", "id_transpose"}:
            assert not is_valid_id(normalise(number))
        if "fullwidth" in tags:
            assert re.search("[０-９]", number)
        if "lower_x" in tags:
            assert number.rstrip().endswith(("x", "ｘ"))
        if not tags & {
            "missing_id",
            "id15",
            "id_typo",
            "id_transpose",
            "fullwidth",
            "lower_x",
            "trailing_space",
        }:
            assert number == "" or is_valid_id(number), (kind, number, tags)


_ID_TAGS = ("missing_id", "id15", "id_typo", "id_transpose", "fullwidth", "lower_x")


def test_the_mothers_number_gets_the_same_noise(noisy_county: Manifest) -> None:
    tags: Counter[str] = Counter()
    for month in noisy_county.months:
        for kind in ("police", "pupil"):
            _, feed = read_csv(noisy_county.feed_path(month, kind))
            _, truth = read_csv(noisy_county.truth_path(month, kind))
            for row, t in zip(feed, truth, strict=True):
                mine = {x.removeprefix("mother_") for x in t["噪声"].split(";")
                        if x.startswith("mother_")}  # fmt: skip
                tags.update(mine)
                number = row["母亲身份证号"]
                if "missing_id" in mine:
                    assert number == ""
                if "id15" in mine:
                    assert re.fullmatch(r"[0-9０-９]{15} *", number)
                if mine & {"id_typo", "id_transpose"}:
                    assert not is_valid_id(normalise(number))
                if "fullwidth" in mine:
                    assert re.search("[０-９]", number)
                if "trailing_space" in mine:
                    assert number.endswith(" ")
                if not mine:
                    assert number == "" or is_valid_id(number), (kind, number)
    assert set(_ID_TAGS) | {"trailing_space"} <= set(tags)


def test_name_noise_does_what_the_tag_says(noisy_county: Manifest) -> None:
    share = Counter[str]()
    rows = _tagged_rows(noisy_county)
    for kind, row, tags in rows:
        name = row[NAME_COLUMN[kind]]
        share.update(tags)
        if "name_traditional" in tags:
            assert set(name) & _TRADITIONAL_CHARS
        if "name_rare" in tags:
            assert "*" in name or re.search("[a-z]", name)
        if "trailing_space" in tags:
            assert name.endswith(" ") or row[ID_COLUMN[kind]].endswith(" ")
    # at noise=3 a kind with a 0.5–2 % base rate hits roughly 1.5–6 % of rows
    for kind in ("missing_id", "id_typo", "name_homophone", "moved_village"):
        assert 0.01 < share[kind] / len(rows) < 0.08, kind


def test_most_moves_stay_in_the_township(tmp_path: Path) -> None:
    """A moved village is another village of the person's township, except for a share
    (tagged ``moved_township``) that lands elsewhere in the county."""
    county = generate(people=9000, townships=3, seed=5, out_dir=tmp_path, months=1, noise=3.0)
    _, units = read_csv(county.out_dir / "orgunits.csv")
    township = {u["区划代码"][:9]: u["名称"] for u in units if u["层级"] == "township"}
    assert len(township) == 3
    _, people = read_csv(county.register_path)
    home = {  # people whose hukou is in one of the county's townships
        p["个案编号"]: township[p["户籍地区划代码"][:9]]
        for p in people
        if p["户籍地区划代码"][:9] in township
    }
    column = {"police": "户籍地址", "pupil": "家庭住址", "birth_cert": "母亲户籍地"}
    moved = far = 0
    for kind, address in column.items():
        _, feed = read_csv(county.feed_path(county.months[0], kind))
        _, truth = read_csv(county.truth_path(county.months[0], kind))
        for row, t in zip(feed, truth, strict=True):
            tags = set(t["噪声"].split(";"))
            assert "moved_township" not in tags or "moved_village" in tags
            if "moved_village" not in tags or t["个案编号"] not in home:
                continue
            if row.get("变动类型") == "迁入":
                continue  # the hukou moved this month: the register shows the old one
            moved += 1
            far += "moved_township" in tags
            assert (home[t["个案编号"]] in row[address]) == ("moved_township" not in tags)
    assert moved >= 20
    assert 0 < far < 0.45 * moved  # SAME_TOWNSHIP = 0.8 of the moves stay


def test_the_same_township_share_is_a_share() -> None:
    with pytest.raises(ValueError, match="same_township"):
        Noiser(np.random.default_rng(1), 1.0, None, same_township=1.5)  # type: ignore[arg-type]
