"""Property-based tests for renkou.linkage.idnumber."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from renkou.linkage.idnumber import (
    IdNumberError,
    check_digit,
    mask,
    normalize,
    parse,
    repair_candidates,
    upgrade15,
)
from tests.linkage.helpers import TODAY, make_id

# Every province-level code that may start a citizen number, Taiwan included.
PROVINCES = [
    *("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"),
    *("41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"),
    *("65", "71"),
]
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@dataclass(frozen=True)
class Generated:
    number: str
    born: date
    sex: str


@st.composite
def valid_ids(
    draw: st.DrawFn, min_date: date = date(1880, 1, 1), max_date: date = TODAY
) -> Generated:
    area = draw(st.sampled_from(PROVINCES)) + draw(st.from_regex(r"\A[0-9]{4}\Z"))
    born = draw(st.dates(min_value=min_date, max_value=max_date))
    seq = draw(st.integers(min_value=0, max_value=999))
    return Generated(make_id(area, born, f"{seq:03d}"), born, "M" if seq % 2 else "F")


def render(number: str, style: int) -> str:
    """One of the ways a valid number turns up in a spreadsheet."""
    renderings = (
        number,
        number.lower(),
        number.translate(FULL_WIDTH),
        f" {number[:6]} {number[6:14]}\u3000{number[14:]}\u00a0",
        "'" + number,
        "\t'" + number.lower().translate(FULL_WIDTH) + "\n",
    )
    return renderings[style]


def corruptions(number: str) -> list[str]:
    """Every single-digit substitution and adjacent transposition."""
    out = [
        number[:i] + d + number[i + 1 :] for i in range(17) for d in "0123456789" if d != number[i]
    ]
    out += [
        number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        for i in range(17)
        if number[i] != number[i + 1]
    ]
    return out


@given(valid_ids(), st.integers(min_value=0, max_value=5))
def test_valid_numbers_round_trip(gen: Generated, style: int) -> None:
    raw = render(gen.number, style)
    assert normalize(raw) == gen.number
    info = parse(raw, today=TODAY, recorded_sex=gen.sex, recorded_birth_date=gen.born)
    assert info.normalized == gen.number
    assert info.birth_date == gen.born
    assert info.sex == gen.sex
    assert info.kind == "resident"
    assert not info.upgraded_from_15


@given(valid_ids())
def test_every_single_edit_of_a_valid_number_fails_the_check(gen: Generated) -> None:
    # DOMAIN.md §2: so two valid numbers one edit apart are two people.
    for corrupted in corruptions(gen.number):
        if corrupted[:17].isdigit():
            assert check_digit(corrupted[:17]) != corrupted[17], corrupted
        with pytest.raises(IdNumberError):
            parse(corrupted, today=TODAY)


@given(valid_ids(), st.data())
def test_repair_candidates_contain_the_original(gen: Generated, data: st.DataObject) -> None:
    well_formed = [c for c in corruptions(gen.number) if c[:17].isdigit()]
    corrupted = data.draw(st.sampled_from(well_formed))
    assert gen.number in repair_candidates(corrupted, today=TODAY)


@given(valid_ids(), st.sampled_from("0123456789X"))
def test_repair_candidates_after_a_wrong_check_character(gen: Generated, wrong: str) -> None:
    assume(wrong != gen.number[17])
    assert gen.number in repair_candidates(gen.number[:17] + wrong, today=TODAY)


@given(st.text(max_size=40))
def test_mask_never_reveals_more_than_ten_characters(raw: str) -> None:
    masked = mask(raw)
    assert sum(1 for c in masked if c != "*") <= 10


@given(valid_ids())
def test_mask_of_valid_numbers(gen: Generated) -> None:
    assert mask(gen.number) == gen.number[:6] + "********" + gen.number[14:]


@given(valid_ids(min_date=date(1900, 1, 1), max_date=date(1999, 12, 31)))
def test_upgrade15_output_is_valid(gen: Generated) -> None:
    old = gen.number[:6] + gen.number[8:17]
    assert len(old) == 15
    upgraded = upgrade15(old)
    assert upgraded == gen.number
    info = parse(old, today=TODAY, recorded_sex=gen.sex, recorded_birth_date=gen.born)
    assert info.normalized == gen.number
    assert info.upgraded_from_15


WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@given(st.from_regex(r"\A[0-9]{17}\Z"))
def test_check_digit_matches_the_weighted_sum_of_the_standard(first17: str) -> None:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    assert check_digit(first17) == "10X98765432"[total % 11]
