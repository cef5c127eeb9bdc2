"""Personal names drawn from frequency tables, for whole arrays of people at once."""

from __future__ import annotations

import numpy as np

from renkou.synth import data_names as dn
from renkou.synth.rng import choice_index

SURNAMES = np.array([s for s, _ in dn.SURNAMES], dtype=object)
_SURNAME_SHARES = np.array([w for _, w in dn.SURNAMES])
_RARE = np.array([c for c, _ in dn.RARE_CHARS], dtype=object)
RARE_PINYIN = dict(dn.RARE_CHARS)
ETHNIC_NAMES = [e for e, _ in dn.ETHNIC_GROUPS]
_ETHNIC_SHARES = np.array([w for _, w in dn.ETHNIC_GROUPS])
DOTTED_ETHNIC = np.array([e in dn.DOTTED_NAME_GROUPS for e in ETHNIC_NAMES])


def zipf(n: int, exponent: float = 0.45) -> np.ndarray:
    """Weights falling off along a list: the first entry is the most common."""
    return 1.0 / np.arange(1, n + 1) ** exponent


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Surname indices (into ``SURNAMES``) with the table's frequencies."""
    return choice_index(rng, _SURNAME_SHARES, n)


def draw_ethnic(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ethnic group indices (into ``ETHNIC_NAMES``)."""
    return choice_index(rng, _ETHNIC_SHARES, n)


def cohort_of(birth_year: np.ndarray) -> np.ndarray:
    """Cohort index for years of birth."""
    return np.searchsorted(np.array(dn.COHORT_STARTS), birth_year, side="right") - 1


def _from_list(rng: np.random.Generator, items: tuple[str, ...] | str, n: int) -> np.ndarray:
    """``n`` entries of ``items`` (object array), the first ones most often."""
    table = np.array(list(items), dtype=object)
    return np.asarray(table[choice_index(rng, zipf(table.size), n)])


def cohort_chars(cohort: int, male: bool) -> str:
    """Given-name characters of a cohort and sex, most common first (no repeats)."""
    own = (dn.MALE_CHARS if male else dn.FEMALE_CHARS)[cohort]
    extra = dn.MALE_EXTRA if male else dn.FEMALE_EXTRA
    return "".join(dict.fromkeys(own + extra))


def _given_group(rng: np.random.Generator, cohort: int, male: bool, n: int) -> np.ndarray:
    """Given names for ``n`` people of one cohort and sex."""
    chars = cohort_chars(cohort, male)
    whole = (dn.MALE_WHOLE if male else dn.FEMALE_WHOLE)[cohort]
    first = _from_list(rng, chars, n)
    second = _from_list(rng, chars, n)
    # Doubled characters (婷婷) come from the whole-name lists, not from chance.
    repeat = first == second
    second[repeat] = np.roll(np.array(list(chars), dtype=object), -1)[
        [chars.index(c) for c in first[repeat]]
    ]
    names = first + second
    u = rng.random(n)
    single = u < dn.SINGLE_CHAR_SHARE[cohort]
    names[single] = first[single]
    is_whole = ~single & (rng.random(n) < dn.WHOLE_NAME_SHARE)
    names[is_whole] = _from_list(rng, whole, int(is_whole.sum()))
    rare = rng.random(n) < dn.RARE_SHARE[cohort]
    names[rare] = first[rare] + _RARE[rng.integers(0, _RARE.size, int(rare.sum()))]
    return np.asarray(names)


def given_names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Given names by sex and cohort (object array)."""
    cohort = cohort_of(birth_year)
    out = np.empty(male.size, dtype=object)
    for c in range(len(dn.COHORT_STARTS)):
        for sex in (True, False):
            idx = np.flatnonzero((cohort == c) & (male == sex))
            if idx.size:
                out[idx] = _given_group(rng, c, sex, idx.size)
    return out


def dotted_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Transliterated names such as 阿依古丽·买买提 (own name · father's name)."""
    n = male.size
    own = np.where(male, _from_list(rng, dn.DOTTED_MALE, n), _from_list(rng, dn.DOTTED_FEMALE, n))
    return np.asarray(own + "·" + _from_list(rng, dn.DOTTED_MALE, n))


def milk_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """乳名 used on birth certificates before the formal name is chosen."""
    return _from_list(rng, dn.MILK_NAMES, n)


def father_names(rng: np.random.Generator, children: np.ndarray, born: int) -> np.ndarray:
    """Names for the fathers of children: the child's first character, a man's given name."""
    n = children.size
    given = given_names(rng, np.ones(n, dtype=bool), np.full(n, born))
    surname = np.array([c[:1] for c in children.tolist()], dtype=object)
    return np.asarray(surname + given)


def inherit_surnames(
    rng: np.random.Generator, surname: np.ndarray, mother: np.ndarray, father: np.ndarray
) -> np.ndarray:
    """Children take the father's surname (sometimes the mother's), three generations deep."""
    u = rng.random(surname.size)
    from_father = (father >= 0) & (u < 0.9)
    from_mother = (mother >= 0) & ~from_father & (u < 0.98)
    out = surname.copy()
    for _ in range(3):
        out[from_father] = out[father[from_father]]
        out[from_mother] = out[mother[from_mother]]
    return out


def full_names(
    rng: np.random.Generator,
    *,
    surname: np.ndarray,
    male: np.ndarray,
    birth_year: np.ndarray,
    dotted: np.ndarray,
) -> np.ndarray:
    """Full names (object array): surname + given name, or a dotted minority name."""
    names = SURNAMES[surname] + given_names(rng, male, birth_year)
    if dotted.any():
        names[dotted] = dotted_names(rng, male[dotted])
    return np.asarray(names)
