"""Personal names: normalisation and pinyin keys for record linkage.

Pinyin is looked up one character at a time, never for the whole name: a
character then always gets the same syllable whatever its neighbours are, so
a typo in the given name cannot change the key of the surname. Syllables are
cached per character because the import path converts about 10^6 names.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from pypinyin import Style, lazy_pinyin

__all__ = ["name_initials", "name_pinyin", "normalize_name"]

MIDDLE_DOT: Final = "·"

# Separators people type between the parts of minority and foreign names
# (阿依古丽·买买提): middle dots, bullets, katakana dots and full stops.
# NFKC already folds U+FF0E, U+FE52, U+FF61, U+FF65 and U+0387 into members
# of this set.
_DOT_VARIANTS: Final = "\u00b7\u2022\u30fb\u2027\u2219\u22c5\u2e31\u002e\u3002\u16eb"
_DOT_TABLE: Final = dict.fromkeys(map(ord, _DOT_VARIANTS), MIDDLE_DOT)
# Invisible characters that survive NFKC and str.split() in pasted text.
_INVISIBLE: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


class _Syllables(dict[int, str]):
    """Code point → the toneless pinyin of that character (a non-Han one lower-cased),
    looked up on first use: ``str.translate`` then maps a whole name in C, three times
    faster than joining per-character calls."""

    def __missing__(self, code: int) -> str:
        # lazy_pinyin returns non-Han input unchanged; "*" (a masked character)
        # therefore stays "*".
        syllable = "".join(lazy_pinyin(chr(code), style=Style.NORMAL)).lower()
        self[code] = syllable
        return syllable


_SYLLABLES: Final = _Syllables()


def _collapse_dots(s: str) -> str:
    # Doubled separators come from sloppy typing; they carry no meaning.
    while MIDDLE_DOT * 2 in s:
        s = s.replace(MIDDLE_DOT * 2, MIDDLE_DOT)
    return s.strip(MIDDLE_DOT)


def normalize_name(raw: str) -> str:
    """Return the canonical form of a personal name.

    NFKC (full-width letters to ASCII), all whitespace removed (including
    U+3000), every middle-dot or full-stop variant unified to "·", doubled
    dots collapsed and dots at either end dropped. Case is kept.
    """
    s = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    s = "".join(s.split()).translate(_DOT_TABLE)
    if MIDDLE_DOT in s:
        s = _collapse_dots(s)
    # NFKC turns some characters into space + combining mark ("¯"); with the
    # space gone the mark may now compose with its new neighbour.
    return s if s.isascii() else unicodedata.normalize("NFC", s)


def _syllable(char: str) -> str:
    """Toneless pinyin of one character; non-Han characters lower-cased."""
    return _SYLLABLES[ord(char)]


def name_pinyin(name: str) -> str:
    """Toneless pinyin of a name, syllables joined, lower case (张伟 → "zhangwei")."""
    return normalize_name(name).translate(_SYLLABLES)


def name_initials(name: str) -> str:
    """First letter of each character's pinyin (张伟 → "zw").

    Non-Han characters are kept lower-cased, like in name_pinyin().
    """
    return "".join(_syllable(c)[:1] for c in normalize_name(name))
