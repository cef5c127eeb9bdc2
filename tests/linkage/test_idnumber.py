"""Example-based tests for renkou.linkage.idnumber."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renkou.linkage.idnumber import (
    IdInfo,
    IdNumberError,
    _check_fixes,
    check_digit,
    is_temporary,
    is_valid,
    mask,
    normalize,
    parse,
    repair_candidates,
    temporary_id,
    upgrade15,
)
from tests.linkage.helpers import TODAY, make_id

# The worked examples printed in GB 11643-1999 itself.
GB_EXAMPLE_X = "11010519491231002X"
GB_EXAMPLE_4 = "440524188001010014"
GB_EXAMPLE_15 = "110105491231002"

MALE = make_id("370404", date(1990, 1, 1), "123")
FEMALE = make_id("370404", date(1990, 1, 1), "124")


def error_code(raw: str, **kwargs: object) -> str:
    with pytest.raises(IdNumberError) as excinfo:
        parse(raw, today=TODAY, **kwargs)  # type: ignore[arg-type]
    return excinfo.value.code


# --------------------------------------------------------------------------
# check digit


def test_check_digit_matches_the_standard_examples() -> None:
    assert check_digit(GB_EXAMPLE_X[:17]) == "X"
    assert check_digit(GB_EXAMPLE_4[:17]) == "4"


@pytest.mark.parametrize(
    "bad", ["", "1234", "1101051949123100X", "１１０１０５１９４９１２３１００２"]
)
def test_check_digit_rejects_non_ascii_or_wrong_length(bad: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        check_digit(bad)


# --------------------------------------------------------------------------
# normalize


@pytest.mark.parametrize(
    "raw",
    [
        GB_EXAMPLE_X,
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２ｘ",
        "１１０１０５１９４９１２３１００２Ｘ",
        " 110105 19491231 002X ",
        "\u3000110105194912310\u00a002X\t\n",
        "'11010519491231002X",
        "\u200b11010519491231002x\ufeff",
    ],
)
def test_normalize_cleans_spreadsheet_forms(raw: str) -> None:
    assert normalize(raw) == GB_EXAMPLE_X


@pytest.mark.parametrize(
    "raw",
    [
        "4.10102E+17",
        "4.10102e+17",
        "410102E17",
        "4.10102199001E17",
        " 4.10102E+17 ",
        "'4.10102E+17",
        "４．１０１０２Ｅ＋１７",
        "410102199001011234.0",
        "110105491231002.0",
    ],
)
def test_normalize_rejects_excel_mangled_numbers(raw: str) -> None:
    with pytest.raises(IdNumberError) as excinfo:
        normalize(raw)
    assert excinfo.value.code == "excel_mangled"
    assert "Excel" in str(excinfo.value)


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", "'", "\u200b"])
def test_normalize_rejects_empty(raw: str) -> None:
    with pytest.raises(IdNumberError) as excinfo:
        normalize(raw)
    assert excinfo.value.code == "empty"


def test_error_is_a_value_error_with_chinese_message() -> None:
    err = IdNumberError("bad_check_digit")
    assert isinstance(err, ValueError)
    assert err.code == "bad_check_digit"
    assert str(err) == "身份证号校验位不正确，可能有录入错误"


# --------------------------------------------------------------------------
# parse: good numbers


def test_parse_resident_number() -> None:
    info = parse(GB_EXAMPLE_X, today=TODAY)
    assert info == IdInfo(
        normalized=GB_EXAMPLE_X,
        kind="resident",
        birth_date=date(1949, 12, 31),
        sex="F",
        area_code="110105",
        upgraded_from_15=False,
        warnings=(),
    )


def test_parse_sex_digit() -> None:
    assert parse(MALE, today=TODAY).sex == "M"
    assert parse(FEMALE, today=TODAY).sex == "F"


def test_parse_full_width_and_lower_x() -> None:
    info = parse("１１０１０５１９４９１２３１００２ｘ", today=TODAY)
    assert info.normalized == GB_EXAMPLE_X


def test_parse_upgrades_15_digit_numbers() -> None:
    info = parse(GB_EXAMPLE_15, today=TODAY)
    assert info.normalized == GB_EXAMPLE_X
    assert info.upgraded_from_15 is True
    assert info.birth_date == date(1949, 12, 31)


def test_upgrade15() -> None:
    assert upgrade15(GB_EXAMPLE_15) == GB_EXAMPLE_X
    full_width_15 = "４４０５２４８８０１０１００１"
    assert upgrade15(full_width_15) == make_id("440524", date(1988, 1, 1), "001")


@pytest.mark.parametrize(
    ("raw", "code"), [("12345", "bad_length"), ("11010549123100X", "bad_chars")]
)
def test_upgrade15_rejects_bad_shapes(raw: str, code: str) -> None:
    with pytest.raises(IdNumberError) as excinfo:
        upgrade15(raw)
    assert excinfo.value.code == code


def test_leap_day_in_leap_year_is_fine() -> None:
    leap_day = date(2000, 2, 29)
    assert parse(make_id("370404", leap_day, "001"), today=TODAY).birth_date == leap_day


def test_earliest_allowed_birth_date() -> None:
    assert parse(GB_EXAMPLE_4, today=TODAY).birth_date == date(1880, 1, 1)


def test_born_today_is_allowed() -> None:
    assert parse(make_id("370404", TODAY, "002"), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hmt_residence_permit(prefix: str) -> None:
    info = parse(make_id(prefix, date(1985, 7, 1), "013"), today=TODAY)
    assert info.kind == "hmt_permit"
    assert info.birth_date == date(1985, 7, 1)
    assert info.sex == "M"
    assert info.area_code == prefix


def test_foreigner_permanent_residence_number() -> None:
    info = parse(make_id("911840", date(1970, 3, 15), "002"), today=TODAY)
    assert info.kind == "foreign_permanent"
    assert info.birth_date == date(1970, 3, 15)
    assert info.sex == "F"


def test_taiwan_province_code_is_accepted() -> None:
    assert parse(make_id("710000", date(1960, 1, 1), "001"), today=TODAY).kind == "resident"


def test_recorded_values_that_agree_pass() -> None:
    info = parse(MALE, today=TODAY, recorded_sex="M", recorded_birth_date=date(1990, 1, 1))
    assert info.sex == "M"


# --------------------------------------------------------------------------
# parse: warnings


def test_unknown_area_code_is_a_warning_not_an_error() -> None:
    info = parse(MALE, today=TODAY, known_area_codes={"370402", "370403"})
    assert len(info.warnings) == 1
    assert "370404" in info.warnings[0]


def test_known_area_code_gives_no_warning() -> None:
    assert parse(MALE, today=TODAY, known_area_codes={"370404"}).warnings == ()


def test_permits_are_not_checked_against_county_codes() -> None:
    permit = make_id("810000", date(1985, 7, 1), "013")
    assert parse(permit, today=TODAY, known_area_codes={"370404"}).warnings == ()


# --------------------------------------------------------------------------
# parse: every error code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("4.10102E+17", "excel_mangled"),
        ("1101051949123100", "bad_length"),
        ("11010519491231002X1", "bad_length"),
        ("无", "bad_length"),
        ("11010519491231002A", "bad_chars"),
        ("1101051949123100X2", "bad_chars"),
        ("11010519491231A02X", "bad_chars"),
        ("11010519491231002Y", "bad_chars"),
        (make_id("000000", date(1990, 1, 1), "001"), "bad_area"),
        (make_id("840000", date(1990, 1, 1), "001"), "bad_area"),
        (make_id("811234", date(1990, 1, 1), "001"), "bad_area"),
        (make_id("919840", date(1990, 1, 1), "001"), "bad_area"),
        ("370404199013011231", "bad_date"),
        ("370404199000011231", "bad_date"),
        ("370404199004311231", "bad_date"),
        (make_id("370404", date(1879, 12, 31), "001"), "bad_date"),
        (make_id("370404", date(2025, 6, 2), "001"), "future_date"),
        ("110105194912310021", "bad_check_digit"),
        ("440524188001010015", "bad_check_digit"),
    ],
)
def test_parse_error_codes(raw: str, code: str) -> None:
    assert error_code(raw) == code


def test_feb_29_on_non_leap_year_is_rejected() -> None:
    first17 = "37040419990229001"
    assert error_code(first17 + check_digit(first17)) == "bad_date"
    first17 = "37040419000229001"  # 1900 is not a leap year either
    assert error_code(first17 + check_digit(first17)) == "bad_date"


def test_future_date_depends_on_today() -> None:
    number = make_id("370404", date(2021, 3, 1), "001")
    with pytest.raises(IdNumberError) as excinfo:
        parse(number, today=date(2020, 1, 1))
    assert excinfo.value.code == "future_date"
    assert parse(number, today=date(2021, 3, 1)).birth_date == date(2021, 3, 1)


def test_sex_mismatch() -> None:
    assert error_code(MALE, recorded_sex="F") == "sex_mismatch"
    assert error_code(FEMALE, recorded_sex="M") == "sex_mismatch"


def test_birth_date_mismatch() -> None:
    assert error_code(MALE, recorded_birth_date=date(1990, 1, 2)) == "birth_date_mismatch"


def test_recorded_sex_must_be_m_or_f() -> None:
    with pytest.raises(ValueError, match="recorded_sex"):
        parse(MALE, today=TODAY, recorded_sex="男")


def test_is_valid() -> None:
    assert is_valid(GB_EXAMPLE_X)
    assert is_valid(GB_EXAMPLE_15)
    assert not is_valid("440524188001010015")
    assert not is_valid("4.10102E+17")
    assert not is_valid("")


# --------------------------------------------------------------------------
# temporary ids


def test_temporary_id_format() -> None:
    tid = temporary_id("370404001201", 7)
    assert tid == "LS370404001201000007"
    assert len(tid) == 20
    assert is_temporary(tid)
    assert is_temporary("ls370404001201000007")
    assert not is_temporary(GB_EXAMPLE_X)
    assert not is_temporary("")
    assert not is_valid(tid[2:])  # the digits alone are never a citizen number


def test_parse_temporary_id() -> None:
    info = parse(" ls370404001201000007 ", today=TODAY, recorded_sex="M")
    assert info.kind == "temporary"
    assert info.normalized == "LS370404001201000007"
    assert info.birth_date is None
    assert info.sex is None
    assert info.area_code == "370404"


def test_parse_temporary_id_with_bad_area() -> None:
    assert error_code("LS000000001201000007") == "bad_area"


@pytest.mark.parametrize(
    ("org_code", "serial"),
    [
        ("37040400120", 1),
        ("3704040012011", 1),
        ("37040400120A", 1),
        ("000000001201", 1),
        ("370404001201", -1),
        ("370404001201", 1_000_000),
    ],
)
def test_temporary_id_rejects_bad_input(org_code: str, serial: int) -> None:
    with pytest.raises(ValueError, match=r"org_code|serial"):
        temporary_id(org_code, serial)


# --------------------------------------------------------------------------
# repair candidates


def test_repair_candidates_for_a_typo() -> None:
    # Month "01" mistyped as "21": the date is impossible and the check fails.
    typo = GB_EXAMPLE_4[:10] + "2" + GB_EXAMPLE_4[11:]
    candidates = repair_candidates(typo, today=TODAY)
    assert GB_EXAMPLE_4 in candidates
    assert candidates == sorted(set(candidates))
    assert all(is_valid(c) for c in candidates)


def test_repair_candidates_for_a_transposition() -> None:
    swapped = MALE[:14] + MALE[15] + MALE[14] + MALE[16:]
    assert MALE in repair_candidates(swapped, today=TODAY)


def test_repair_candidates_for_a_wrong_check_character() -> None:
    wrong = GB_EXAMPLE_X[:17] + "1"
    assert GB_EXAMPLE_X in repair_candidates(wrong.lower(), today=TODAY)


def _every_fix(s: str) -> set[str]:
    """The definition: every single substitution (digits; the check character also X)
    and adjacent transposition of ``s`` whose first 17 are digits and whose check holds."""
    variants = set()
    for i, current in enumerate(s):
        alphabet = "0123456789" if i < 17 else "0123456789X"
        variants.update(s[:i] + c + s[i + 1 :] for c in alphabet if c != current)
    for i in range(17):
        if s[i] != s[i + 1]:
            variants.add(s[:i] + s[i + 1] + s[i] + s[i + 2 :])
    return {c for c in variants if c[:17].isdigit() and check_digit(c[:17]) == c[17]}


@given(
    st.text("0123456789", min_size=17, max_size=17),
    st.sampled_from("0123456789X"),
)
def test_check_fixes_solve_what_trying_every_edit_finds(first17: str, last: str) -> None:
    if check_digit(first17) == last:
        last = "X" if last != "X" else "0"
        if check_digit(first17) == last:
            return
    number = first17 + last
    assert _check_fixes(number) == _every_fix(number)


@pytest.mark.parametrize(
    "raw", [GB_EXAMPLE_X, GB_EXAMPLE_15, "12345", "4.10102E+17", "", "LS370404001201000007"]
)
def test_no_repair_candidates_for_valid_or_malformed_input(raw: str) -> None:
    assert repair_candidates(raw, today=TODAY) == []


def test_repair_candidates_exclude_impossible_dates() -> None:
    typo = GB_EXAMPLE_X[:-1] + "1"
    candidates = repair_candidates(typo, today=TODAY)
    assert GB_EXAMPLE_X in candidates
    for candidate in candidates:
        assert parse(candidate, today=TODAY).birth_date is not None  # a real, past date


# --------------------------------------------------------------------------
# mask


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("37040419900101123X", "370404********123X"),
        ("37040419900101123x", "370404********123X"),
        (GB_EXAMPLE_15, "110105*****1002"),
        ("LS370404001201000007", "LS3704**********0007"),
        ("12345678901", "123456*8901"),
        ("1234567890", "********90"),
        ("12345", "***45"),
        ("1234", "****"),
        ("", ""),
        ("4.10102E+17", "4.1010*E+17"),
    ],
)
def test_mask(raw: str, masked: str) -> None:
    assert mask(raw) == masked
