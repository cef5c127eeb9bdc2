"""The deterministic cascade: feed rows linked to register persons, pass by pass.

Passes, each only over the subjects no earlier pass linked:

1. ``exact_id`` (``mother_id`` for a birth certificate's mother): the normalised,
   valid number (15-digit numbers upgraded) equals exactly one register number;
   a certificate's mother must also be of plausible age at the baby's birth.
   A police 出生 row (a newborn not yet in the register) that names the newborn's
   mother's valid number (母亲身份证号) goes to that one register woman the same way
   (``mother_id``, plausible age), never through the baby's own number.
2. ``repaired_id``: a number failing its check digit, one typing error from a
   register number (idnumber.repair_candidates), accepted only when the name key
   AND the birth date (any level but "different") confirm, for exactly one
   candidate. Certificates carry no mother's birth date: name + plausible age.
3. ``father_household``: a birth certificate whose mother's number is missing or
   unusable (and not repaired) but whose father's valid number (父亲身份证号) is
   exactly one register man goes to the one woman of his household who can be his
   wife (by their relations to the head: 本人/配偶, 子/儿媳, 女婿/女), of plausible
   age, whose name agrees (pinyin key or a fitting "*").
   ``mother_household``: a police 出生 row (a newborn not yet in the register) goes
   to the one woman of its household whose relation to the head makes her the
   mother, of plausible age.
4. ``name_dob_unique``: no usable number at all: name pinyin key + exact birth date
   + same sex + the village (household or place label) — only when the key and
   date are unique in the register (two 张伟 born the same day are left alone).

A valid number never links to a register person with a different number: two
valid numbers one edit apart are two people (DOMAIN.md §2).
The joins run in DuckDB over Arrow tables, one cursor per query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Final

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from renkou.linkage import idnumber
from renkou.linkage.normalize import date_level, name_level_prepared
from renkou.linkage.subjects import Subjects, subjects_of
from renkou.linkage.tables import Feed, Register

__all__ = [
    "EVIDENCE",
    "METHODS",
    "RESULT_SCHEMA",
    "Cascade",
    "LinkResult",
    "cascade",
    "link",
    "link_all",
    "link_exact_only",
]

METHODS: Final = (
    "exact_id", "mother_id", "repaired_id", "father_household", "mother_household",
    "name_dob_unique",
)  # fmt: skip
_NAME_OK: Final = frozenset({"exact", "pinyin", "masked"})
_DOB_OK: Final = frozenset({"exact", "swapped", "day", "year"})
_MOTHER_AGE: Final = (12, 60)
# A newborn's relation to the head → the relations its mother can have.
_MOTHER_RELATIONS: Final = {
    "子": ("本人", "配偶"), "女": ("本人", "配偶"),
    "孙子": ("儿媳",), "孙女": ("儿媳",),
    "外孙子": ("女",), "外孙女": ("女",),
}  # fmt: skip
# A husband's relation to the head → his wife's.
_WIFE_RELATIONS: Final = {"本人": "配偶", "配偶": "本人", "子": "儿媳", "女婿": "女"}
_EVIDENCE_TYPE: Final = pa.struct(
    [("name", pa.string()), ("dob", pa.string()), ("sex", pa.string()), ("place", pa.string()),
     ("id", pa.string()), ("mother", pa.string())]
)  # fmt: skip
# The evidence fields (the model's comparisons); "mother" is the model's alone (null here).
EVIDENCE: Final = tuple(f.name for f in _EVIDENCE_TYPE)
_ID_EVIDENCE: Final = {"exact_id": "exact", "mother_id": "exact", "repaired_id": "repaired"}
RESULT_SCHEMA: Final = pa.schema(
    [
        ("kind", pa.string()), ("row", pa.int64()), ("side", pa.string()),
        ("person", pa.string()), ("method", pa.string()), ("role", pa.string()),
        ("feed_id_valid", pa.bool_()), ("id_agrees", pa.bool_()), ("evidence", _EVIDENCE_TYPE),
        ("probability", pa.float64()), ("review", pa.string()),
    ]
)  # fmt: skip


@dataclass
class LinkResult:
    """One row per feed subject (linked or not), as an Arrow table (``RESULT_SCHEMA``)."""

    table: pa.Table

    def linked(self) -> pa.Table:
        """Only the subjects linked to a register person (a link awaiting review is not)."""
        t = self.table
        pending = pc.fill_null(pc.equal(t["review"], "pending"), False)
        return t.filter(pc.and_(t["person"].is_valid(), pc.invert(pending)))


@dataclass
class _State:
    """Links found so far: subject index → (register row, method)."""

    found: dict[int, tuple[int, str]] = field(default_factory=dict)

    def open(self, subjects: Subjects, want: Iterable[int]) -> list[int]:
        return [i for i in want if i not in self.found]


def _age_ok(mother_dob: date | None, baby_dob: date | None) -> bool:
    if mother_dob is None or baby_dob is None:
        return True
    age = (baby_dob - mother_dob).days / 365.25
    return _MOTHER_AGE[0] <= age <= _MOTHER_AGE[1]


def _query(con: duckdb.DuckDBPyConnection, sql: str, **tables: pa.Table) -> list[tuple[Any, ...]]:
    cur = con.cursor()
    try:
        for name, table in tables.items():
            cur.register(name, table)
        return cur.execute(sql).fetchall()
    finally:
        cur.close()


def _reg_rows(
    register: Register, rids: Iterable[int], columns: tuple[str, ...]
) -> dict[int, dict[str, Any]]:
    """Register rows ``rids`` (only ``columns``: a million-row register's every column as
    Python objects would cost more than the joins), keyed by rid."""
    wanted = sorted(set(rids))
    if not wanted:
        return {}
    picked = register.table.select(columns).take(pa.array(wanted, pa.int64()))
    lists = [picked[c].to_pylist() for c in columns]
    return {rid: dict(zip(columns, values, strict=True))
            for rid, *values in zip(wanted, *lists, strict=True)}  # fmt: skip


def _unique_number(
    con: duckdb.DuckDBPyConnection, reg: Register, idx: list[int], numbers: list[str]
) -> list[tuple[Any, ...]]:
    """(subject, register row, its birth date, its sex) where the subject's number
    (``numbers``, aligned with ``idx``) equals exactly one register number."""
    probe = pa.table({"sid": pa.array(idx, pa.int64()), "id": numbers})
    return _query(
        con,
        "SELECT p.sid, min(r.rid), min(r.dob), min(r.sex) FROM probe p "
        "JOIN reg r ON p.id = r.id GROUP BY p.sid HAVING count(*) = 1",
        probe=probe,
        reg=reg.table.select(["rid", "id", "dob", "sex"]),
    )


def _exact(con: duckdb.DuckDBPyConnection, s: Subjects, reg: Register, st: _State) -> None:
    """Pass 1: the valid number equals exactly one register number."""
    idx = [i for i in range(len(s)) if s.id_status[i] == "valid" and not s.newborn[i]]
    for sid, rid, dob, _sex in _unique_number(con, reg, idx, [s.id18[i] for i in idx]):
        mother = s.side[sid] == "mother"
        if mother and not _age_ok(dob, s.event_dob[sid]):
            continue
        st.found[sid] = (rid, "mother_id" if mother else "exact_id")


def _newborn_mother(con: duckdb.DuckDBPyConnection, s: Subjects, reg: Register, st: _State) -> None:
    """Pass 1, newborns: the mother's valid number equals exactly one register woman's."""
    idx = st.open(s, (i for i in range(len(s)) if s.newborn[i] and s.mother_status[i] == "valid"))
    for sid, rid, dob, sex in _unique_number(con, reg, idx, [s.mother_id18[i] for i in idx]):
        if sex != "男" and _age_ok(dob, s.event_dob[sid]):
            st.found[sid] = (rid, "mother_id")


def _confirms(s: Subjects, i: int, r: dict[str, Any]) -> bool:
    if name_level_prepared(s.simple[i], s.key[i], r["simple"], r["key"]) not in _NAME_OK:
        return False
    if s.sex[i] and r["sex"] and s.sex[i] != r["sex"]:
        return False
    if s.dob[i] is None:
        return s.side[i] == "mother" and _age_ok(r["dob"], s.event_dob[i])
    return date_level(s.dob[i], r["dob"]) in _DOB_OK


def _repaired(con: duckdb.DuckDBPyConnection, s: Subjects, reg: Register, st: _State) -> None:
    """Pass 2: a check-digit failure one typing error from exactly one confirmed person."""
    idx = st.open(s, (i for i in range(len(s)) if s.id_status[i] == "bad_check"))
    sids: list[int] = []
    cands: list[str] = []
    for i in idx:
        for c in idnumber.repair_candidates(s.id18[i], today=date.max):
            sids.append(i)
            cands.append(c)
    probe = pa.table({"sid": pa.array(sids, pa.int64()), "id": cands})
    hits = _query(
        con,
        "SELECT p.sid, r.rid FROM probe p JOIN reg r ON p.id = r.id",
        probe=probe,
        reg=reg.table.select(["rid", "id"]),
    )
    rows = _reg_rows(reg, (rid for _, rid in hits), ("simple", "key", "sex", "dob"))
    confirmed: dict[int, list[int]] = {}
    for sid, rid in hits:
        if _confirms(s, sid, rows[rid]):
            confirmed.setdefault(sid, []).append(rid)
    for sid, rids in confirmed.items():
        if len(rids) == 1:
            st.found[sid] = (rids[0], "repaired_id")


def _father_household(
    con: duckdb.DuckDBPyConnection, s: Subjects, reg: Register, st: _State
) -> None:
    """Pass 3: a certificate without a usable mother's number → the father's wife in his
    household (his number exactly one register man; her relation, age and name fit)."""
    idx = st.open(
        s,
        (
            i
            for i in range(len(s))
            if s.side[i] == "mother" and s.id_status[i] != "valid"
            and s.father_status[i] == "valid" and s.key[i]
        ),
    )  # fmt: skip
    probe = pa.table({"sid": pa.array(idx, pa.int64()), "id": [s.father_id18[i] for i in idx]})
    hits = _query(
        con,
        "WITH f AS (SELECT p.sid, min(r.rid) AS rid FROM probe p JOIN reg r ON p.id = r.id "
        "GROUP BY p.sid HAVING count(*) = 1) "
        "SELECT f.sid, w.rid, h.relation FROM f JOIN reg h ON h.rid = f.rid "
        "JOIN reg w ON w.household = h.household AND w.rid <> h.rid "
        "WHERE h.household <> '' AND h.sex <> '女' AND w.sex = '女'",
        probe=probe,
        reg=reg.table.select(["rid", "id", "household", "sex", "relation"]),
    )
    rows = _reg_rows(reg, (rid for _, rid, _ in hits), ("relation", "simple", "key", "dob"))
    options: dict[int, list[int]] = {}
    for sid, rid, his in hits:
        r = rows[rid]
        if r["relation"] != _WIFE_RELATIONS.get(his):
            continue
        if name_level_prepared(s.simple[sid], s.key[sid], r["simple"], r["key"]) not in _NAME_OK:
            continue
        if r["dob"] is not None and _age_ok(r["dob"], s.event_dob[sid]):
            options.setdefault(sid, []).append(rid)
    for sid, rids in options.items():
        if len(rids) == 1:
            st.found[sid] = (rids[0], "father_household")


def _mother_household(
    con: duckdb.DuckDBPyConnection, s: Subjects, reg: Register, st: _State
) -> None:
    """Pass 3, newborns: a police newborn → the one possible mother in its household."""
    idx = st.open(s, (i for i in range(len(s)) if s.newborn[i] and s.household[i]))
    probe = pa.table({"sid": pa.array(idx, pa.int64()), "household": [s.household[i] for i in idx]})
    hits = _query(
        con,
        "SELECT p.sid, r.rid FROM probe p JOIN reg r ON p.household = r.household "
        "WHERE r.sex = '女'",
        probe=probe,
        reg=reg.table.select(["rid", "household", "sex"]),
    )
    rows = _reg_rows(reg, (rid for _, rid in hits), ("relation", "dob"))
    options: dict[int, list[int]] = {}
    for sid, rid in hits:
        r = rows[rid]
        relations = _MOTHER_RELATIONS.get(s.relation[sid])
        if relations is not None and r["relation"] not in relations:
            continue
        if r["dob"] is not None and _age_ok(r["dob"], s.event_dob[sid]):
            options.setdefault(sid, []).append(rid)
    for sid, rids in options.items():
        if len(rids) == 1:
            st.found[sid] = (rids[0], "mother_household")


def _place_ok(s: Subjects, i: int, r: dict[str, Any], reg: Register) -> bool:
    if s.household[i] and s.household[i] == r["household"]:
        return True
    if not reg.has_places:
        return True  # no village names to compare with: uniqueness alone decides
    return bool(r["place"]) and r["place"] in "".join(s.address[i].split())


def _name_dob(con: duckdb.DuckDBPyConnection, s: Subjects, reg: Register, st: _State) -> None:
    """Pass 4: no usable number; name key + birth date unique in the register + place."""
    idx = st.open(
        s,
        (
            i
            for i in range(len(s))
            if s.id_status[i] in ("missing", "excel", "invalid")
            and not s.newborn[i]
            and s.dob[i] is not None
            and s.key[i]
        ),
    )
    probe = pa.table(
        {
            "sid": pa.array(idx, pa.int64()),
            "key": [s.key[i] for i in idx],
            "dob": pa.array([s.dob[i] for i in idx], pa.date32()),
        }
    )
    # Only the register rows with a probed (key, date) are grouped: the same uniqueness
    # as over the whole register, without hashing a million rows.
    hits = _query(
        con,
        "WITH k AS (SELECT DISTINCT key, dob FROM probe), "
        "u AS (SELECT r.key, r.dob, min(r.rid) AS rid, min(r.sex) AS sex, "
        "min(r.household) AS household, min(r.place) AS place "
        "FROM reg r JOIN k ON r.key = k.key AND r.dob = k.dob GROUP BY r.key, r.dob "
        "HAVING count(*) = 1) "
        "SELECT p.sid, u.rid, u.sex, u.household, u.place FROM probe p "
        "JOIN u ON p.key = u.key AND p.dob = u.dob",
        probe=probe,
        reg=reg.table.select(["rid", "key", "dob", "sex", "household", "place"]),
    )
    for sid, rid, sex, household, place in hits:
        r = {"sex": sex, "household": household, "place": place}
        if s.sex[sid] and r["sex"] and s.sex[sid] != r["sex"]:
            continue
        if _place_ok(s, sid, r, reg):
            st.found[sid] = (rid, "name_dob_unique")


def _place_level(address: str, place: str | None, township: str | None) -> str:
    """How the feed's address agrees with a register person's village or township (a
    shared household is decided before: it needs no address)."""
    compact = "".join(address.split())
    if place and place in compact:
        return "village"
    if township and township in compact:
        return "township"
    return "different" if place else "unknown"


# What the result needs of a linked register person.
_RESULT_COLUMNS: Final = ("case_id", "id", "simple", "key", "sex", "dob", "household", "place",
                          "township")  # fmt: skip


def _results(
    c: Cascade, reg: Register, later: Mapping[int, Mapping[str, Any]] | None = None
) -> list[LinkResult]:
    """One LinkResult per feed: the cascade's links, and ``later`` (subject index →
    person, method, probability, review, evidence) for subjects a later stage linked.

    Built a column at a time over all the month's subjects (a million-row register's
    persons taken by row number in one Arrow ``take``), then cut per feed: a loop over
    the subjects building each row's fields cost a second at 10^5 subjects."""
    s, later = c.subjects, later or {}
    n = len(s)
    rids: list[int | None] = [None] * n
    methods: list[str | None] = [None] * n
    for i, (rid, method) in c.state.found.items():
        rids[i], methods[i] = rid, method
    taken = reg.table.select(_RESULT_COLUMNS).take(pa.array(rids, pa.int64()))
    r = {name: taken[name].to_pylist() for name in _RESULT_COLUMNS}
    linked = [rid is not None for rid in rids]
    newborn, side = s.newborn, s.side
    valid = [st == "valid" and not nb for st, nb in zip(s.id_status, newborn, strict=True)]
    person: list[str | None] = r["case_id"]
    role = [
        ("mother" if nb or sd == "mother" else sd) if ok else None
        for ok, nb, sd in zip(linked, newborn, side, strict=True)
    ]
    agrees = [
        ok and v and a == b for ok, v, a, b in zip(linked, valid, s.id18, r["id"], strict=True)
    ]
    probability = [1.0 if ok else 0.0 for ok in linked]
    review = [""] * n
    evidence = _evidence_columns(s, r, linked, methods)
    for i, u in later.items():
        if linked[i]:
            continue  # the cascade's link stands
        ev = u["evidence"]
        person[i], methods[i], role[i] = u["person"], u["method"], side[i]
        agrees[i] = valid[i] and ev.get("id") == "exact"
        probability[i], review[i] = u["probability"], u["review"]
        linked[i] = True
        for name, column in evidence.items():
            column[i] = ev.get(name, "n/a")
    unlinked = pa.array([not ok for ok in linked], pa.bool_())
    children = [pa.array(evidence[f.name], f.type) for f in _EVIDENCE_TYPE]
    kinds = [kind for f, kind in enumerate(c.kinds) for _ in range(c.offsets[f], c.offsets[f + 1])]
    table = pa.table(
        {
            "kind": pa.array(kinds, pa.string()), "row": pa.array(s.row, pa.int64()),
            "side": pa.array(side, pa.string()), "person": pa.array(person, pa.string()),
            "method": pa.array(methods, pa.string()), "role": pa.array(role, pa.string()),
            "feed_id_valid": pa.array(valid, pa.bool_()),
            "id_agrees": pa.array(agrees, pa.bool_()),
            "evidence": pa.StructArray.from_arrays(
                children, fields=list(_EVIDENCE_TYPE), mask=unlinked
            ),
            "probability": pa.array(probability, pa.float64()),
            "review": pa.array(review, pa.string()),
        },
        schema=RESULT_SCHEMA,
    )  # fmt: skip
    return [
        LinkResult(table.slice(c.offsets[f], c.offsets[f + 1] - c.offsets[f]))
        for f in range(len(c.kinds))
    ]


def _evidence_columns(
    s: Subjects, r: dict[str, list[Any]], linked: list[bool], methods: list[str | None]
) -> dict[str, list[str | None]]:
    """The evidence fields of each cascade link (None where unlinked), a column at a time;
    the common cases (same name, same date, same household) decided without a call."""
    n = len(s)
    na = "n/a"
    newborn, mother_side = s.newborn, [sd == "mother" for sd in s.side]
    name = [
        None if not ok else na if nb else
        "exact" if a == b and a else name_level_prepared(a, ka, b or "", kb or "")
        for ok, nb, a, ka, b, kb in zip(linked, newborn, s.simple, s.key, r["simple"], r["key"],
                                        strict=True)
    ]  # fmt: skip
    dob = [
        None if not ok else na if nb or m else "exact" if f == g and f is not None else
        date_level(f, g)
        for ok, nb, m, f, g in zip(linked, newborn, mother_side, s.dob, r["dob"], strict=True)
    ]  # fmt: skip
    sex = [
        None if not ok else na if nb or not a else "same" if a == b else "different"
        for ok, nb, a, b in zip(linked, newborn, s.sex, r["sex"], strict=True)
    ]  # fmt: skip
    place = [
        None if not ok else
        "household" if h and h == rh else _place_level(s.address[i], r["place"][i],
                                                       r["township"][i])
        for i, (ok, h, rh) in enumerate(zip(linked, s.household, r["household"], strict=True))
    ]  # fmt: skip
    ident = [_ID_EVIDENCE.get(m or "", na) if ok else None
             for ok, m in zip(linked, methods, strict=True)]  # fmt: skip
    return {"name": name, "dob": dob, "sex": sex, "place": place, "id": ident,
            "mother": [None] * n}  # fmt: skip


def _concat(parts: Sequence[Subjects]) -> Subjects:
    """The subjects of several feeds as one (subject ``offset + i`` of feed ``f``)."""
    if len(parts) == 1:
        return parts[0]
    return Subjects(**{
        f.name: [v for p in parts for v in getattr(p, f.name)] for f in fields(Subjects)
    })  # fmt: skip


@dataclass
class Cascade:
    """The cascade over a month's feeds: their subjects as one sequence (feed ``f`` is
    ``offsets[f]:offsets[f + 1]``) and the links found, by subject index."""

    kinds: list[str]
    offsets: list[int]
    subjects: Subjects
    state: _State

    def unlinked(self) -> list[int]:
        """Subjects no pass linked, newborns excepted (they link only through the mother)."""
        s, found = self.subjects, self.state.found
        return [i for i in range(len(s)) if i not in found and not s.newborn[i]]

    def results(
        self, register: Register, later: Mapping[int, Mapping[str, Any]] | None = None
    ) -> list[LinkResult]:
        """One LinkResult per feed (see ``_results``)."""
        return _results(self, register, later)


_STEPS: Final = (_exact, _newborn_mother, _repaired, _father_household, _mother_household,
                 _name_dob)  # fmt: skip


def cascade(register: Register, feeds: Sequence[Feed], *, exact_only: bool = False) -> Cascade:
    """Run the passes once over the subjects of all ``feeds`` together: every pass is
    per subject, so this links exactly as feed by feed would, with one join per pass
    against the register instead of one per pass and feed."""
    per_feed = [subjects_of(feed) for feed in feeds]
    offsets = [0]
    for p in per_feed:
        offsets.append(offsets[-1] + len(p))
    subjects = _concat(per_feed)
    state = _State()
    con = duckdb.connect()
    try:
        for step in (_exact,) if exact_only else _STEPS:
            step(con, subjects, register, state)
    finally:
        con.close()
    return Cascade([f.kind for f in feeds], offsets, subjects, state)


def link(register: Register, feed: Feed) -> LinkResult:
    """Link every subject of ``feed`` to the register by the deterministic cascade (row
    ``i`` of the table is subject ``i`` of ``subjects_of(feed)``)."""
    return cascade(register, [feed]).results(register)[0]


def link_all(register: Register, feeds: Sequence[Feed]) -> list[LinkResult]:
    """``link`` for each of ``feeds``, the passes run once over all of them."""
    return cascade(register, feeds).results(register)


def link_exact_only(register: Register, feed: Feed) -> LinkResult:
    """The baseline: normalised number equality only (no repair, no names, no mothers)."""
    return cascade(register, [feed], exact_only=True).results(register)[0]
