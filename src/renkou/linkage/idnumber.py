"""Citizen identity numbers (公民身份号码, GB 11643-1999).

Parsing, validation, repair suggestions and masking for the 18-character
citizen number and the documents that share its layout (Hong Kong / Macau /
Taiwan residence permits, the 2023 foreigner permanent-residence card), plus
the temporary ids (临时编号) renkou issues to people without any number.

This module is on the hot path of imports (10^6 rows), so every table and
pattern is built once at import time and the common case (a clean ASCII
number) skips the expensive normalisation steps.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Final, Literal

__all__ = [
    "CHECK_CHARS",
    "RESIDENT_PROVINCES",
    "IdInfo",
    "IdKind",
    "IdNumberError",
    "Sex",
    "check_digit",
    "is_temporary",
    "is_valid",
    "mask",
    "normalize",
    "parse",
    "repair_candidates",
    "temporary_id",
    "upgrade15",
]

IdKind = Literal["resident", "hmt_permit", "foreign_permanent", "temporary"]
Sex = Literal["M", "F"]

CHECK_CHARS: Final = "10X98765432"

_DIGITS: Final = "0123456789"
_LAST_CHARS: Final = _DIGITS + "X"

# Province-level codes (GB/T 2260 first two digits) that occur in citizen
# numbers. 71 (Taiwan) is listed in GB/T 2260 and accepted on purpose.
_MAINLAND_PROVINCES: Final = frozenset(
    (
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
    )
)
RESIDENT_PROVINCES: Final = _MAINLAND_PROVINCES | {"71"}
# HK / Macau / Taiwan residence permits use exactly these six-digit prefixes.
_HMT_PREFIXES: Final = frozenset({"810000", "820000", "830000"})
_HMT_PROVINCES: Final = frozenset({"81", "82", "83"})

_MIN_BIRTH_DATE: Final = date(1880, 1, 1)

_TEMP_PREFIX: Final = "LS"
_TEMP_LENGTH: Final = 2 + 12 + 6
_TEMP_MAX_SERIAL: Final = 999_999

# Scientific notation ("4.10102E+17", "410102E17") and float renderings
# ("410102199001011234.0") mean Excel already rounded the number away.
_EXCEL_SCI_RE: Final = re.compile(r"[+-]?\d+(?:\.\d*)?E[+-]?\d+", re.ASCII | re.IGNORECASE)
_EXCEL_FLOAT_RE: Final = re.compile(r"[+-]?\d+\.0+", re.ASCII)

# Invisible characters that survive NFKC and whitespace splitting but are
# common in copy-pasted spreadsheet cells.
_INVISIBLE: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Excel's "store as text" marker, plus the curly forms word processors produce.
_TEXT_MARKERS: Final = "'\u2018\u2019`"

_MESSAGES: Final[dict[str, str]] = {
    "empty": "身份证号为空",
    "excel_mangled": "身份证号被Excel转成科学计数法，位数已丢失，请按文本格式重新导出",
    "bad_length": "身份证号应为18位（旧号为15位）",
    "bad_chars": "身份证号只能由数字组成，仅最后一位可以是X",
    "bad_area": "身份证号的地址码无效（前两位不是省级行政区划代码）",
    "bad_date": "身份证号中的出生日期不存在",
    "future_date": "身份证号中的出生日期晚于今天",
    "bad_check_digit": "身份证号校验位不正确，可能有录入错误",
    "sex_mismatch": "身份证号第17位表示的性别与登记的性别不一致",
    "birth_date_mismatch": "身份证号中的出生日期与登记的出生日期不一致",
}


class IdNumberError(ValueError):
    """A hard failure of an identity number.

    ``code`` is a stable machine code (see ``_MESSAGES``); ``str(error)`` is
    the Chinese message shown to users.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else _MESSAGES[code]
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class IdInfo:
    """What a valid identity number says about its holder."""

    normalized: str
    kind: IdKind
    birth_date: date | None
    sex: Sex | None
    area_code: str | None
    upgraded_from_15: bool
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Check digit


def _check_char(first17: str) -> str:
    """Check character for 17 ASCII digits the caller has already validated.

    The MOD 11-2 weights 7 9 10 5 … 2 are 2**(18-i) mod 11, and 13 ≡ 2
    (mod 11), so Σ digit×weight ≡ 2 × (the digits read in base 13). int() does
    that in C, five times faster than a Python loop. int() would also accept
    letters, "_" and spaces, hence "already validated".
    """
    return CHECK_CHARS[2 * int(first17, 13) % 11]


def check_digit(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    # isascii() too: str.isdigit() accepts "²" and other non-ASCII digits.
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("check_digit needs exactly 17 ASCII digits")
    return _check_char(first17)


# --------------------------------------------------------------------------
# Normalisation


def _is_clean(raw: str) -> bool:
    """True when ``raw`` is already ASCII digits with an optional final X."""
    return raw.isascii() and raw[:-1].isdigit() and raw[-1] in _LAST_CHARS


def _reject_excel_numbers(s: str) -> None:
    if _EXCEL_SCI_RE.fullmatch(s):
        raise IdNumberError("excel_mangled")
    if _EXCEL_FLOAT_RE.fullmatch(s):
        raise IdNumberError(
            "excel_mangled",
            "身份证号被Excel当作数字保存（末尾带“.0”），位数可能已丢失，请按文本格式重新导出",
        )


def normalize(raw: str) -> str:
    """Return the canonical form of a typed or imported identity number.

    Full-width characters become ASCII (NFKC), all whitespace (including
    U+3000 and NBSP) and invisible characters are removed, a leading Excel
    text apostrophe is dropped and letters are upper-cased (x → X).

    Raises IdNumberError "empty" for a blank value and "excel_mangled" for
    scientific-notation or float renderings, which have lost digits and must
    be re-exported, never guessed at.
    """
    if _is_clean(raw):
        return raw
    s = "".join(unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).split())
    s = s.lstrip(_TEXT_MARKERS)
    if not s:
        raise IdNumberError("empty")
    _reject_excel_numbers(s)
    return s.upper()


# --------------------------------------------------------------------------
# 15-digit numbers


def _is_ascii_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _upgrade_clean15(s: str) -> str:
    first17 = s[:6] + "19" + s[6:]
    return first17 + _check_char(first17)


def upgrade15(id15: str) -> str:
    """Upgrade an old 15-digit number to 18 characters.

    Inserts the century "19" after the six-digit address code and appends the
    check digit. Only the shape is checked here; use parse() to validate the
    area code and date.
    """
    s = normalize(id15)
    if len(s) != 15:
        raise IdNumberError("bad_length", f"旧身份证号应为15位，实际为{len(s)}位")
    if not _is_ascii_digits(s):
        raise IdNumberError("bad_chars", "15位旧身份证号只能由数字组成")
    return _upgrade_clean15(s)


# --------------------------------------------------------------------------
# Temporary ids (临时编号)


def _is_temporary_clean(s: str) -> bool:
    return len(s) == _TEMP_LENGTH and s.startswith(_TEMP_PREFIX) and _is_ascii_digits(s[2:])


def is_temporary(s: str) -> bool:
    """True when ``s`` is a renkou temporary id ("LS" + village code + serial)."""
    try:
        return _is_temporary_clean(normalize(s))
    except IdNumberError:
        return False


def temporary_id(org_code: str, serial: int) -> str:
    """Build the temporary id for a person without any identity number.

    ``org_code`` is the 12-digit NBS code of the village that issues it and
    ``serial`` its running number there (0–999999). The "LS" prefix and the
    20-character length keep it from ever being mistaken for a citizen number.
    """
    if len(org_code) != 12 or not _is_ascii_digits(org_code):
        raise ValueError("org_code must be a 12-digit village code")
    if org_code[:2] not in _MAINLAND_PROVINCES:
        raise ValueError("org_code does not start with a province code")
    if not 0 <= serial <= _TEMP_MAX_SERIAL:
        raise ValueError("serial must be between 0 and 999999")
    return f"{_TEMP_PREFIX}{org_code}{serial:06d}"


def _parse_temporary(s: str) -> IdInfo:
    if s[2:4] not in _MAINLAND_PROVINCES:
        raise IdNumberError("bad_area", "临时编号中的村级区划代码无效")
    return IdInfo(
        normalized=s,
        kind="temporary",
        birth_date=None,
        sex=None,
        area_code=s[2:8],
        upgraded_from_15=False,
    )


# --------------------------------------------------------------------------
# The five checks


def _to_eighteen(s: str) -> tuple[str, bool]:
    """Length and character checks; 15-digit numbers come back upgraded."""
    if len(s) == 15:
        if not _is_ascii_digits(s):
            raise IdNumberError("bad_chars", "15位旧身份证号只能由数字组成")
        return _upgrade_clean15(s), True
    if len(s) != 18:
        raise IdNumberError("bad_length", f"身份证号应为18位（旧号为15位），实际为{len(s)}位")
    if not (s.isascii() and s[:17].isdigit() and s[17] in _LAST_CHARS):
        raise IdNumberError("bad_chars")
    return s, False


def _kind(s: str) -> IdKind:
    """Document kind from the prefix; raises "bad_area" for impossible ones."""
    if s[0] == "9":
        # 2023 foreigner card: "9" then the issuing province's two digits.
        if s[1:3] in _MAINLAND_PROVINCES:
            return "foreign_permanent"
        raise IdNumberError("bad_area", "外国人永久居留身份证号第2–3位不是有效的省级代码")
    if s[:2] in _HMT_PROVINCES:
        if s[:6] in _HMT_PREFIXES:
            return "hmt_permit"
        raise IdNumberError("bad_area", "港澳台居民居住证号码应以810000、820000或830000开头")
    if s[:2] in RESIDENT_PROVINCES:
        return "resident"
    raise IdNumberError("bad_area")


@lru_cache(maxsize=1 << 16)
def _date_or_none(yyyymmdd: str) -> date | None:
    # Cached: a population has only ~40 000 distinct birthdays, and date()
    # construction is the most expensive step left in parse().
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None


def _birth_date(s: str, today: date) -> date:
    born = _date_or_none(s[6:14])
    if born is None:
        raise IdNumberError("bad_date")
    if born > today:
        raise IdNumberError("future_date")
    if born < _MIN_BIRTH_DATE:
        raise IdNumberError("bad_date", "身份证号中的出生日期早于1880年，不可能有效")
    return born


def _check_recorded(
    sex: str, born: date, recorded_sex: str | None, recorded_birth_date: date | None
) -> None:
    if recorded_sex is not None:
        if recorded_sex not in ("M", "F"):
            raise ValueError('recorded_sex must be "M", "F" or None')
        if recorded_sex != sex:
            raise IdNumberError("sex_mismatch")
    if recorded_birth_date is not None and recorded_birth_date != born:
        raise IdNumberError("birth_date_mismatch")


def _area_warnings(s: str, kind: str, known_area_codes: Collection[str] | None) -> tuple[str, ...]:
    # Soft check only: numbers keep the county code of issue for life, and
    # counties are renamed and merged, so an unknown code is usually real.
    if kind != "resident" or known_area_codes is None or s[:6] in known_area_codes:
        return ()
    return (f"地址码{s[:6]}不在现行行政区划代码表中，可能是已撤销或更名的旧代码，请核实",)


def parse(
    raw: str,
    *,
    today: date | None = None,
    known_area_codes: Collection[str] | None = None,
    recorded_sex: str | None = None,
    recorded_birth_date: date | None = None,
) -> IdInfo:
    """Normalise and validate an identity number and decode it.

    Runs the five checks of the old systems: length, characters, area code
    (hard: province level; soft: ``known_area_codes`` gives a warning), birth
    date (real, not in the future, not before 1880) and the check digit; then
    compares the sex digit and birth date with the recorded values when given.
    A 15-digit number is upgraded to 18. Temporary ids parse as kind
    "temporary" without birth date or sex.

    Pass ``known_area_codes`` as a set: it is probed once per call.
    Raises IdNumberError with the failing check's code.
    """
    s = normalize(raw)
    if _is_temporary_clean(s):
        return _parse_temporary(s)
    s, upgraded = _to_eighteen(s)
    kind = _kind(s)
    born = _birth_date(s, today if today is not None else date.today())
    if _check_char(s[:17]) != s[17]:
        raise IdNumberError("bad_check_digit")
    # Odd 17th digit = male; the HMT and foreigner layouts keep this rule.
    sex: Sex = "M" if s[16] in "13579" else "F"
    _check_recorded(sex, born, recorded_sex, recorded_birth_date)
    return IdInfo(
        normalized=s,
        kind=kind,
        birth_date=born,
        sex=sex,
        area_code=s[:6],
        upgraded_from_15=upgraded,
        warnings=_area_warnings(s, kind, known_area_codes),
    )


def is_valid(raw: str) -> bool:
    """True when parse() accepts ``raw`` (hard checks only, today's date)."""
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


# --------------------------------------------------------------------------
# Repair suggestions


# Position i's weight in the check sum, 2**(17-i) mod 11, and its inverse mod 11.
_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
_INVERSES: Final = tuple(pow(w, -1, 11) for w in _WEIGHTS)


def _check_fixes(s: str) -> set[str]:
    """The single substitutions and adjacent transpositions of ``s`` (17 digits and a
    failing check character) whose check character holds — solved, not searched.

    A substitution at digit i changes the sum by w_i·(new − old) (mod 11), so exactly
    one new value (mod 11) fixes it: a candidate when that value is a digit. A swap of
    digits i, i+1 changes it by (w_i − w_{i+1})·(d_{i+1} − d_i). The check character
    itself has one right value; swapping it with digit 17 is checked directly. The same
    set as trying all ~180 variants, found with ~35 sums (tests compare the two)."""
    digits = [ord(c) - 48 for c in s[:17]]
    have = 2 * int(s[:17], 13) % 11
    gap = (CHECK_CHARS.index(s[17]) - have) % 11
    out = {s[:17] + CHECK_CHARS[have]}
    for i, d in enumerate(digits):
        new = (d + gap * _INVERSES[i]) % 11
        if new < 10:
            out.add(f"{s[:i]}{new}{s[i + 1 :]}")
    for i in range(16):
        a, b = digits[i], digits[i + 1]
        if a != b and (_WEIGHTS[i] - _WEIGHTS[i + 1]) * (b - a) % 11 == gap:
            out.add(s[:i] + s[i + 1] + s[i] + s[i + 2 :])
    if s[17] != s[16] and s[17] != "X":
        swapped = s[:16] + s[17]
        if _check_char(swapped) == s[16]:
            out.add(swapped + s[16])
    return out


def _passes(candidate: str, today: date) -> bool:
    try:
        parse(candidate, today=today)
    except IdNumberError:
        return False
    return True


def repair_candidates(raw: str, *, today: date | None = None) -> list[str]:
    """Suggest the valid numbers one typing error away from ``raw``.

    Only for a well-formed 18-character number whose check digit fails; any
    other input gives an empty list. Candidates are every single-character
    substitution (check character included) or adjacent transposition that
    passes all hard checks, sorted. They are suggestions only: the caller
    must confirm one with the person's name and birth date, because valid
    numbers one edit apart belong to different people.
    """
    try:
        s = normalize(raw)
        s, upgraded = _to_eighteen(s)
    except IdNumberError:
        return []
    if upgraded or _check_char(s[:17]) == s[17]:
        return []
    when = today if today is not None else date.today()
    return sorted(c for c in _check_fixes(s) if _passes(c, when))


# --------------------------------------------------------------------------
# Display


def mask(number: str) -> str:
    """Mask a number for display: first 6 and last 4 characters only.

    ``370404199001011234`` → ``370404********1234``. Inputs shorter than 11
    show only their last 2 characters, and those of 4 or fewer show nothing,
    so a mask never reveals more than 10 characters. Never raises.
    """
    try:
        s = normalize(number)
    except IdNumberError:
        s = "".join(number.split())
    n = len(s)
    if n >= 11:
        return s[:6] + "*" * (n - 10) + s[-4:]
    if n > 4:
        return "*" * (n - 2) + s[-2:]
    return "*" * n
