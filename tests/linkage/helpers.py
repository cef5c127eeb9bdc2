"""Shared helpers for the linkage tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from renkou.benchmarks.linkage import KINDS
from renkou.linkage.idnumber import check_digit
from renkou.linkage.model import StoredModel, train
from renkou.linkage.subjects import subjects_of
from renkou.linkage.tables import Feed, Register
from renkou.synth import generate

# A fixed "today" keeps date-dependent checks reproducible.
TODAY = date(2025, 6, 1)


def make_id(area: str, born: date, seq: str) -> str:
    """Build a valid 18-character number from its parts."""
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + check_digit(first17)


def trained_county(out: Path, people: int) -> tuple[Register, list[Feed], StoredModel]:
    """A synthetic county's register and first month's feeds (3× noise) in ``out``, and
    the model trained on them (on every feed subject, newborns apart)."""
    generate(people=people, seed=11, out_dir=out, months=1, noise=3.0)
    reg = Register.from_csv(out / "register.csv")
    feeds = [Feed.from_csv(out / "feeds" / "2026-01" / f"{k}.csv", k) for k in KINDS]
    subjects = []
    for f in feeds:
        s = subjects_of(f)
        subjects.extend((s, i) for i in range(len(s)) if not s.newborn[i])
    return reg, feeds, train(reg, subjects)
