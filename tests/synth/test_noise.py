"""Noise: every kind shows up at noise=3, and does what its tag says."""

from __future__ import annotations

import re
from collections import Counter

from renkou.synth import Manifest
from renkou.synth.data_chars import TRADITIONAL
from renkou.synth.noise import RATES

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
