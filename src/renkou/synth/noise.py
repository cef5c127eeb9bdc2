"""Noise as department files really have it, applied to the subject fields of feed rows.

Each kind hits a share of rows (``RATES`` × the noise factor, at most 1); rates of kinds
that only some rows can have (a 15-digit number needs a birth before 2000, a lower-case x
needs an X, a swapped date needs day and month ≤ 12, a rare character needs a name with
one) are relative to the rows that can have them. Every change is recorded in the
row's tag list, which ends up in the truth file.

A second identity column (the subject's mother's number, 母亲身份证号) gets the same
number noise (:meth:`Noiser.mother_ids`), tagged ``mother_`` + the kind.

A moved village (the address names another village than the register's) stays in the
person's township for a share ``same_township`` of the moves (people marry and move
to the next village, which is usually in the same township; default
``SAME_TOWNSHIP``); the other moves go anywhere else in the county and are also tagged
``moved_township``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from renkou.synth import data_chars as dc
from renkou.synth.dates import iso, shift_years, ymd
from renkou.synth.idnum import to_text, to_text15
from renkou.synth.names import RARE_PINYIN
from renkou.synth.people import People
from renkou.synth.places import Places, random_groups

RATES = {
    "missing_id": 0.015,
    "id15": 0.040,
    "id_typo": 0.010,
    "id_transpose": 0.006,
    "fullwidth": 0.010,
    "lower_x": 0.150,
    "trailing_space": 0.010,
    "name_homophone": 0.015,
    "name_traditional": 0.010,
    "name_rare": 0.500,
    "dob_swap": 0.030,
    "dob_day": 0.006,
    "dob_year": 0.006,
    "moved_village": 0.015,
}
SAME_TOWNSHIP = 0.8  # of the moved villages: another village of the same township
_FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
_TRADITIONAL = str.maketrans(dc.TRADITIONAL)
_DIGITS = "0123456789"
_HOMOPHONE_CHARS = re.compile(f"[{''.join(dc.HOMOPHONES)}]")
_TRADITIONAL_CHARS = re.compile(f"[{''.join(dc.TRADITIONAL)}]")
_RARE_CHARS = re.compile(f"[{''.join(RARE_PINYIN)}]")


@dataclass
class Fields:
    """The subject fields of a batch of feed rows, as text, ready to be damaged."""

    name: list[str]
    id: list[str]
    dob: list[str]
    address: list[str]
    tags: list[list[str]]


class Noiser:
    """Applies noise at ``factor`` times the base rates."""

    def __init__(
        self,
        rng: np.random.Generator,
        factor: float,
        places: Places,
        *,
        same_township: float = SAME_TOWNSHIP,
    ) -> None:
        if not 0.0 <= same_township <= 1.0:
            raise ValueError("same_township must be between 0 and 1")
        self.rng = rng
        self.factor = factor
        self.places = places
        self.same_township = same_township

    def hits(self, kind: str, eligible: np.ndarray) -> np.ndarray:
        """Row indices hit by noise ``kind`` among the eligible rows."""
        p = min(1.0, RATES[kind] * self.factor)
        return np.flatnonzero(eligible & (self.rng.random(eligible.size) < p))

    def apply(
        self,
        people: People,
        *,
        dob: np.ndarray,
        address: np.ndarray,
        tags: list[list[str]],
        protect: np.ndarray,
    ) -> Fields:
        """Noisy text fields of ``people``: the date ``dob`` and ``address`` the feed shows.

        Rows where ``protect`` is set stay clean.
        """
        fields = Fields(
            name=people.name.tolist(),
            id=people.id_text().tolist(),
            dob=iso(dob).tolist() if dob.size else [],
            address=address.tolist(),
            tags=tags,
        )
        ok = ~protect
        old = ymd(people.birth)[0] < 2000 if len(people) else np.zeros(0, dtype=bool)
        self._ids(
            fields.id,
            fields.tags,
            has=ok & people.has_id,
            id17=people.id17,
            old_enough=old,
            prefix="",
        )
        self._names(fields, ok)
        self._dates(fields, dob, ok)
        self._address(fields, people, ok)
        self._spaces(fields, ok)
        return fields

    def mother_ids(
        self, id17: np.ndarray, *, tags: list[list[str]], protect: np.ndarray
    ) -> list[str]:
        """The mother's-number column as the feed shows it: ``id17`` (-1: not given)
        as text, with the number noise of :meth:`apply` (tags ``mother_…``) and trailing
        spaces; rows where ``protect`` is set stay clean."""
        given = id17 >= 0
        values = np.maximum(id17, 0)
        texts = np.where(given, to_text(values), "").tolist() if id17.size else []
        year = (values // 10**7) % 10_000  # the birth year inside the number
        ok = ~protect & given
        self._ids(texts, tags, has=ok, id17=values, old_enough=year < 2000, prefix="mother_")
        shown = ok & np.array([bool(t) for t in texts], dtype=bool)
        for i in self.hits("trailing_space", shown):
            texts[i] += " " * int(self.rng.integers(1, 3))
            tags[i].append("mother_trailing_space")
        return texts

    def _ids(
        self,
        ids: list[str],
        tags: list[list[str]],
        *,
        has: np.ndarray,
        id17: np.ndarray,
        old_enough: np.ndarray,
        prefix: str,
    ) -> None:
        """Number noise on ``ids`` (the rows ``has`` hold a number; ``old_enough``: born
        before 2000, so a 15-digit form exists); tags are ``prefix`` + the kind."""
        has = has.copy()
        missing = self.hits("missing_id", has)
        _change(ids, tags, missing, prefix + "missing_id", lambda i: "")
        has[missing] = False
        old = self.hits("id15", has & old_enough)
        texts15 = iter(to_text15(id17[old]).tolist())
        _change(ids, tags, old, prefix + "id15", lambda i: next(texts15))
        full = has.copy()
        full[old] = False
        typo = self.hits("id_typo", full)
        _change(ids, tags, typo, prefix + "id_typo", lambda i: _typo(self.rng, ids[i]))
        full[typo] = False
        swap = self.hits("id_transpose", full)
        _change(ids, tags, swap, prefix + "id_transpose", lambda i: _transpose(self.rng, ids[i]))
        ends_x = has & np.array([s.endswith("X") for s in ids], dtype=bool)
        lower = self.hits("lower_x", ends_x)
        _change(ids, tags, lower, prefix + "lower_x", lambda i: ids[i][:-1] + "x")
        wide = self.hits("fullwidth", has)
        _change(ids, tags, wide, prefix + "fullwidth", lambda i: ids[i].translate(_FULL_WIDTH))

    def _names(self, f: Fields, ok: np.ndarray) -> None:
        # Almost every name has a character with a homophone, and most have one with a
        # traditional form: draw the rows first, then skip the few that cannot change.
        rows = self.hits("name_homophone", ok)
        rows = rows[[_HOMOPHONE_CHARS.search(f.name[i]) is not None for i in rows.tolist()]]
        _change(f.name, f.tags, rows, "name_homophone", lambda i: _homophone(self.rng, f.name[i]))
        rows = self.hits("name_traditional", ok)
        rows = rows[[_TRADITIONAL_CHARS.search(f.name[i]) is not None for i in rows.tolist()]]
        _change(
            f.name, f.tags, rows, "name_traditional", lambda i: f.name[i].translate(_TRADITIONAL)
        )
        rare = ok & containing(f.name, _RARE_CHARS)
        rows = self.hits("name_rare", rare)
        _change(f.name, f.tags, rows, "name_rare", lambda i: _unrare(self.rng, f.name[i]))

    def _dates(self, f: Fields, dob: np.ndarray, ok: np.ndarray) -> None:
        if dob.size == 0:
            return
        _, month, day = ymd(dob)
        rest = ok.copy()
        swapped = self.hits("dob_swap", ok & (day <= 12) & (month != day))
        _change(
            f.dob,
            f.tags,
            swapped,
            "dob_swap",
            lambda i: f"{f.dob[i][:4]}-{f.dob[i][8:]}-{f.dob[i][5:7]}",
        )
        rest[swapped] = False
        by_day = self.hits("dob_day", rest)
        rest[by_day] = False
        by_year = self.hits("dob_year", rest)
        step = np.where(self.rng.random(dob.size) < 0.5, -1, 1)
        day_texts = iter(iso(dob[by_day] + step[by_day]).tolist())
        _change(f.dob, f.tags, by_day, "dob_day", lambda i: next(day_texts))
        year_texts = iter(iso(shift_years(dob[by_year], step[by_year])).tolist())
        _change(f.dob, f.tags, by_year, "dob_year", lambda i: next(year_texts))

    def _address(self, f: Fields, people: People, ok: np.ndarray) -> None:
        villages = self.places.local_villages
        if villages < 2:
            return
        rows = self.hits("moved_village", ok & (people.hukou_village < villages))
        home = people.hukou_village[rows]
        anywhere = (home + self.rng.integers(1, villages, rows.size)) % villages
        nearby = same_township_villages(self.rng, self.places, home)
        near = (self.rng.random(rows.size) < self.same_township) & (nearby >= 0)
        other = np.where(near, nearby, anywhere)
        town = self.places.village_township
        far = set(rows[town[other] != town[home]].tolist())
        groups = random_groups(self.rng, self.places, other)
        texts = iter(self.places.group_address[groups].tolist())
        _change(f.address, f.tags, rows, "moved_village", lambda i: next(texts))
        for i in sorted(far):
            f.tags[i].append("moved_township")

    def _spaces(self, f: Fields, ok: np.ndarray) -> None:
        for i in self.hits("trailing_space", ok):
            pad = " " * int(self.rng.integers(1, 3))
            if f.id[i] and self.rng.random() < 0.5:
                f.id[i] += pad
            else:
                f.name[i] += pad
            f.tags[i].append("trailing_space")


def same_township_villages(
    rng: np.random.Generator, places: Places, village: np.ndarray
) -> np.ndarray:
    """Another local village of each village's township, drawn at random (-1 where the
    township has no other village)."""
    town = places.village_township[: places.local_villages]
    by_town = np.argsort(town, kind="stable")  # local villages grouped by township
    first = np.searchsorted(town[by_town], town[village], side="left")
    count = np.searchsorted(town[by_town], town[village], side="right") - first
    pick = (rng.random(village.size) * np.maximum(count - 1, 0)).astype(np.int64)
    # Skip the village itself: its position among its township's villages.
    own = np.empty(town.size, dtype=np.int64)
    own[by_town] = np.arange(town.size)
    pick = np.where(first + pick >= own[village], pick + 1, pick)
    return np.where(count > 1, by_town[np.minimum(first + pick, town.size - 1)], -1)


def _change(
    values: list[str], tags: list[list[str]], rows: np.ndarray, tag: str, new: Callable[[int], str]
) -> None:
    """Replace ``values[i]`` by ``new(i)`` for each row (in order) and tag the row."""
    for i in rows.tolist():
        values[i] = new(i)
        tags[i].append(tag)


def containing(values: list[str], chars: re.Pattern[str]) -> np.ndarray:
    """Mask of the values in which ``chars`` (a character class) matches.

    One regular-expression scan over all values joined, instead of a loop per value.
    """
    mask = np.zeros(len(values), dtype=bool)
    if not values:
        return mask
    ends = np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)) + 1)
    starts = np.fromiter((m.start() for m in chars.finditer("\n".join(values))), dtype=np.int64)
    mask[np.searchsorted(ends, starts, side="right")] = True
    return mask


def _unrare(rng: np.random.Generator, name: str) -> str:
    """Rare characters shown as "*" (a system without the glyph) or as their pinyin."""
    star = rng.random() < 0.5
    return "".join(("*" if star else RARE_PINYIN[c]) if c in RARE_PINYIN else c for c in name)


def _typo(rng: np.random.Generator, text: str) -> str:
    """One character replaced by a different digit (the check digit then fails)."""
    pos = int(rng.integers(0, len(text)))
    old = text[pos]
    new = _DIGITS[(_DIGITS.find(old) + int(rng.integers(1, 10))) % 10] if old in _DIGITS else "7"
    return text[:pos] + new + text[pos + 1 :]


def _transpose(rng: np.random.Generator, text: str) -> str:
    """Two adjacent different digits among the first 17 swapped."""
    candidates = [i for i in range(16) if text[i] != text[i + 1]]
    pos = candidates[int(rng.integers(0, len(candidates)))]
    return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]


def _homophone(rng: np.random.Generator, name: str) -> str:
    """One character replaced by a same-sounding one."""
    positions = [i for i, c in enumerate(name) if c in dc.HOMOPHONES]
    pos = positions[int(rng.integers(0, len(positions)))]
    options = dc.HOMOPHONES[name[pos]]
    return name[:pos] + options[int(rng.integers(0, len(options)))] + name[pos + 1 :]
