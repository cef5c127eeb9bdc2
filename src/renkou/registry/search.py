"""Person search and the register overview: scoped reads built on the selectors' door.

Every queryset here starts from `selectors.person_queryset_for_user` (or another
scope-filtered selector), so a search can never reach beyond the user's subtree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, CharField, Count, F, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from renkou.core.models import OrgUnit
from renkou.core.scoping import units_for_user
from renkou.registry import identity
from renkou.registry.models import Membership, Person
from renkou.registry.selectors import household_queryset_for_user, person_queryset_for_user

# Age bands of the overview: (key, youngest age, oldest age or None).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-2", 0, 2),
    ("3-5", 3, 5),
    ("6-14", 6, 14),
    ("15-49", 15, 49),
    ("50-59", 50, 59),
    ("60+", 60, None),
)


def band_label(key: str) -> str:
    if key.endswith("+"):
        return _("%(age)s岁以上") % {"age": key[:-1]}
    return _("%(ages)s岁") % {"ages": key.replace("-", "–")}


_ASCII_NAME = re.compile(r"^[a-z]+$")


class Status:
    ACTIVE = "active"
    LEFT = "left"
    ALL = "all"


@dataclass(frozen=True)
class PersonCriteria:
    """What a clerk searched for; the ID number is only ever held here, never logged."""

    id_number: str = ""
    name: str = ""
    household_code: str = ""
    village: OrgUnit | None = None
    status: str = Status.ACTIVE
    sex: str = ""
    born_from: int | None = None
    born_to: int | None = None

    def used_fields(self) -> list[str]:
        """Names of the filters in use (for the audit row: names only, no values)."""
        pairs = {
            "id": self.id_number,
            "name": self.name,
            "household": self.household_code,
            "village": self.village,
            "sex": self.sex,
            "born_from": self.born_from,
            "born_to": self.born_to,
        }
        used = [key for key, value in pairs.items() if value not in ("", None)]
        return [*used, f"status={self.status}"]


def _name_filter(name: str) -> Q:
    """Prefix on characters, or on the full pinyin or the initials for Latin input."""
    folded = name.strip().lower().replace(" ", "")
    if _ASCII_NAME.match(folded):
        return Q(name_pinyin__startswith=folded) | Q(name_initials__startswith=folded)
    return Q(name__startswith=name.strip())


def _current_memberships() -> Prefetch[Any]:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(left__isnull=True).select_related("household"),
        to_attr="current_memberships",
    )


def person_search(*, user: Any, criteria: PersonCriteria) -> QuerySet[Person]:
    """Persons in the user's scope matching `criteria`, sorted by name, ready to list.

    An identity number is matched by its blind index only; a number that cannot be
    parsed matches nobody (rather than falling back to a looser search).
    """
    qs = person_queryset_for_user(user=user)
    if criteria.id_number.strip():
        index = identity.lookup_index(criteria.id_number)
        qs = qs.filter(id_index=index) if index else qs.none()
    if criteria.name.strip():
        qs = qs.filter(_name_filter(criteria.name))
    if criteria.household_code.strip():
        # One filter() call, so both conditions share one join; a person has at most one
        # current membership (a DB constraint), so the join cannot duplicate rows.
        qs = qs.filter(
            memberships__left__isnull=True,
            memberships__household__code__startswith=criteria.household_code.strip(),
        )
    if criteria.village is not None:
        qs = qs.filter(org_unit__path__startswith=criteria.village.path)
    if criteria.status in (Status.ACTIVE, Status.LEFT):
        qs = qs.filter(status=criteria.status)
    if criteria.sex:
        qs = qs.filter(sex=criteria.sex)
    if criteria.born_from is not None:
        qs = qs.filter(birth_date__gte=dt.date(criteria.born_from, 1, 1))
    if criteria.born_to is not None:
        qs = qs.filter(birth_date__lte=dt.date(criteria.born_to, 12, 31))
    return person_listing(qs, selective=bool(criteria.name.strip() or criteria.id_number.strip()))


def person_listing(qs: QuerySet[Person], *, selective: bool = False) -> QuerySet[Person]:
    """A person list's columns in a bounded number of queries, sorted by name.

    `selective`: the filter itself narrows the rows a lot (a name prefix, an ID). Then
    the rows are found first and sorted after: ``NULLS FIRST`` (meaningless on this
    NOT NULL column) keeps PostgreSQL from walking the whole name index in sort order
    hoping to meet 50 matches early, which on 10^6 persons took seconds.
    """
    first = F("name_pinyin").asc(nulls_first=True) if selective else F("name_pinyin").asc()
    return (
        qs.select_related("org_unit")
        .prefetch_related(_current_memberships())
        .order_by(first, "name", "pk")
    )


def filter_units_for_user(*, user: Any) -> QuerySet[OrgUnit]:
    """The units one level below the user's own, for the search's unit filter.

    A township clerk picks among its villages, a county officer among its townships
    (a list of every village of a county would run to hundreds); a village officer
    sees only their own village.
    """
    mine = units_for_user(user)
    children = mine.filter(parent=user.org_unit).exclude(level=OrgUnit.Level.GROUP)
    if children.exists():
        return children.order_by("code")
    return mine.filter(pk=user.org_unit.pk)


def unit_get_for_user(*, user: Any, pk: int) -> OrgUnit:
    """One org unit of the user's subtree, or 404."""
    return get_object_or_404(units_for_user(user), pk=pk)


def unit_persons_for_user(*, user: Any, unit: OrgUnit) -> QuerySet[Person]:
    """Active persons managed in `unit`'s subtree (the caller checked `unit` is in scope)."""
    qs = person_queryset_for_user(user=user).filter(
        org_unit__path__startswith=unit.path, status=Person.Status.ACTIVE
    )
    return person_listing(qs)


# --------------------------------------------------------------------------
# Overview


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def _age_band_expression(today: dt.date) -> Case:
    """CASE over birth_date ranges: a person is N or older iff born on or before today-N years."""
    whens = []
    for key, youngest, _oldest in reversed(AGE_BANDS):
        whens.append(When(birth_date__lte=_years_before(today, youngest), then=Value(key)))
    return Case(*whens, default=Value("0-2"), output_field=CharField())


@dataclass
class OverviewRow:
    unit: OrgUnit
    total: int = 0
    male: int = 0
    female: int = 0
    bands: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _, _ in AGE_BANDS})
    women_15_49: int = 0
    households: int = 0
    left_this_year: int = 0

    @property
    def band_list(self) -> list[int]:
        return [self.bands[key] for key, _, _ in AGE_BANDS]

    @property
    def band_cells(self) -> list[tuple[str, int]]:
        """(column label, count) pairs, so phone layouts can label each cell."""
        return [(band_label(key), self.bands[key]) for key, _, _ in AGE_BANDS]


@dataclass
class Overview:
    unit: OrgUnit
    rows: list[OverviewRow]
    total: OverviewRow
    computed_at: dt.datetime


def _row_units(unit: OrgUnit, subtree: list[OrgUnit]) -> list[OrgUnit]:
    children = [u for u in subtree if u.parent_id == unit.pk and u.level != OrgUnit.Level.GROUP]
    return children or [unit]


def _owner_map(unit: OrgUnit, rows: list[OrgUnit], subtree: list[OrgUnit]) -> dict[int, int]:
    """Which row each unit of the subtree counts under (the unit itself counts under itself)."""
    owner: dict[int, int] = {}
    for sub in subtree:
        row = next((r for r in rows if sub.path.startswith(r.path)), unit)
        owner[sub.pk] = row.pk
    return owner


def overview_for_user(*, user: Any, unit: OrgUnit, today: dt.date | None = None) -> Overview:
    """Counts for `unit`'s child units, cached for a few minutes.

    The counts depend only on `unit` (the caller has checked it lies in the user's
    scope), so everyone who may see a unit shares its cached counts. A county's counts
    scan every person of the county: seconds at 10^6 persons, hence the cache.
    """
    today = today or dt.date.today()
    ttl = settings.RENKOU_OVERVIEW_CACHE_SECONDS
    if ttl <= 0:
        return _overview_compute(user=user, unit=unit, today=today)
    key = f"registry.overview:{unit.pk}:{today.isoformat()}"
    cached: Overview | None = cache.get(key)
    if cached is None:
        cached = _overview_compute(user=user, unit=unit, today=today)
        cache.set(key, cached, ttl)
    return cached


def _overview_compute(*, user: Any, unit: OrgUnit, today: dt.date) -> Overview:
    """One GROUP BY query per table, rolled up to the child units in Python."""
    subtree = list(units_for_user(user).filter(path__startswith=unit.path).order_by("code"))
    row_units = _row_units(unit, subtree)
    owner = _owner_map(unit, row_units, subtree)
    rows = {u.pk: OverviewRow(unit=u) for u in row_units}
    if unit.pk not in rows:
        rows[unit.pk] = OverviewRow(unit=unit)  # persons managed directly by `unit`
    persons = person_queryset_for_user(user=user).filter(org_unit__path__startswith=unit.path)
    active = (
        persons.filter(status=Person.Status.ACTIVE)
        .annotate(band=_age_band_expression(today))
        .values("org_unit_id", "sex", "band")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in active:
        _add_person_counts(rows[owner[item["org_unit_id"]]], item)
    left = (
        persons.filter(status=Person.Status.LEFT, left_date__gte=dt.date(today.year, 1, 1))
        .values("org_unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in left:
        rows[owner[item["org_unit_id"]]].left_this_year += item["n"]
    households = (
        household_queryset_for_user(user=user)
        .filter(org_unit__path__startswith=unit.path)
        .values("org_unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in households:
        rows[owner[item["org_unit_id"]]].households += item["n"]
    shown = [rows[u.pk] for u in row_units]
    if unit.pk not in {u.pk for u in row_units} and _has_counts(rows[unit.pk]):
        shown.append(rows[unit.pk])
    total = _sum_rows(unit, list(rows.values()))
    return Overview(unit=unit, rows=shown, total=total, computed_at=timezone.now())


def _add_person_counts(row: OverviewRow, item: dict[str, Any]) -> None:
    n = int(item["n"])
    row.total += n
    if item["sex"] == "M":
        row.male += n
    else:
        row.female += n
        if item["band"] == "15-49":
            row.women_15_49 += n
    row.bands[item["band"]] += n


def _has_counts(row: OverviewRow) -> bool:
    return bool(row.total or row.households or row.left_this_year)


def _sum_rows(unit: OrgUnit, rows: list[OverviewRow]) -> OverviewRow:
    total = OverviewRow(unit=unit)
    for row in rows:
        total.total += row.total
        total.male += row.male
        total.female += row.female
        total.women_15_49 += row.women_15_49
        total.households += row.households
        total.left_this_year += row.left_this_year
        for key in total.bands:
            total.bands[key] += row.bands[key]
    return total
