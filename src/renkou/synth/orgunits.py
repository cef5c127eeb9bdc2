"""The county's org-unit tree (county → township → village → group) and addresses.

Codes follow the NBS statistical division code: 6-digit county + 3-digit township
(001–099 街道, 100–199 镇, 200–399 乡) + 3-digit village (001–199 居委会, 200–399 村委会),
and 2 more digits for a village group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from renkou.synth import data_places as dp

FIRST_VILLAGE = "大官庄村"
PEOPLE_PER_TOWNSHIP = 30_000
PEOPLE_PER_VILLAGE = 1_500
TOWN, XIANG, STREET = "镇", "乡", "街道"


@dataclass(frozen=True)
class OrgTree:
    """All org units of the county, as parallel arrays per level."""

    county_code: str  # 6 digits
    county_name: str
    county_full: str  # province + prefecture + county, the start of every address
    township_codes: list[str]
    township_names: list[str]
    township_kinds: list[str]
    village_codes: np.ndarray  # U12
    village_names: list[str]
    village_township: np.ndarray  # township index per village
    village_urban: np.ndarray  # bool: 居委会
    village_class: list[str]  # urban-rural class code
    village_target: np.ndarray  # planned population
    village_address: np.ndarray  # object: full address down to the village
    group_codes: np.ndarray  # U14
    group_names: list[str]
    group_village: np.ndarray  # village index per group
    group_address: np.ndarray  # object: full address down to the group
    village_first_group: np.ndarray  # index of each village's first group
    village_group_count: np.ndarray


def county_full_name(county_code: str, rng: np.random.Generator) -> tuple[str, str]:
    """(county name, province + prefecture + county) for a 6-digit code."""
    name = dp.COUNTIES.get(county_code)
    if name is None:
        a, b = rng.choice(list(dp.COUNTY_SYLLABLES), 2, replace=False)
        name = f"{a}{b}{'区' if int(county_code[4:]) < 20 else '县'}"
    province = dp.PROVINCES.get(county_code[:2], "")
    prefecture = dp.PREFECTURES.get(county_code[:4], "")
    return name, f"{province}{prefecture}{name}"


def split_total(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to ``total`` exactly."""
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return np.asarray(out)


def township_sizes(rng: np.random.Generator, people: int, townships: int) -> np.ndarray:
    """Population per township: the first two in ratio 2:1, the rest drawn."""
    weights = np.ones(townships)
    if townships > 1:
        weights[1] = 0.5
    if townships > 2:
        weights[2:] = rng.uniform(0.45, 1.0, townships - 2)
    return split_total(people, weights)


def township_kinds(rng: np.random.Generator, townships: int) -> list[str]:
    """镇 first (it holds 大官庄村); then mostly 镇, some 乡, and 街道 in larger counties."""
    kinds = [TOWN]
    for _ in range(1, townships):
        u = rng.random()
        if townships >= 5 and u < 0.15:
            kinds.append(STREET)
        else:
            kinds.append(XIANG if u > 0.78 else TOWN)
    return kinds


def township_code_suffixes(kinds: list[str]) -> list[str]:
    """Three-digit township codes, numbered within each kind's range."""
    start = {STREET: 1, TOWN: 100, XIANG: 200}
    out = []
    for kind in kinds:
        out.append(f"{start[kind]:03d}")
        start[kind] += 1
    return out


def unique_names(make: list[str], used: set[str]) -> list[str]:
    """Drop names already used (keeps order); records the kept ones in ``used``."""
    kept = []
    for name in make:
        if name not in used:
            used.add(name)
            kept.append(name)
    return kept


def township_base_names(rng: np.random.Generator, count: int) -> list[str]:
    """Two-character township names, unique within the county."""
    used: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        a = dp.TOWNSHIP_PREFIXES[int(rng.integers(len(dp.TOWNSHIP_PREFIXES)))]
        b = dp.TOWNSHIP_SUFFIXES[int(rng.integers(len(dp.TOWNSHIP_SUFFIXES)))]
        names += unique_names([a + b], used)
    return names


def village_name(rng: np.random.Generator) -> str:
    """A rural village name such as 李家庄村, 后屯村 or 东石桥村."""
    direction = dp.VILLAGE_DIRECTIONS[int(rng.integers(len(dp.VILLAGE_DIRECTIONS)))]
    if rng.random() < 0.6:
        core = dp.VILLAGE_SURNAME_CORES[int(rng.integers(len(dp.VILLAGE_SURNAME_CORES)))]
    else:
        core = dp.VILLAGE_LAND_CORES[int(rng.integers(len(dp.VILLAGE_LAND_CORES)))]
    suffix = dp.VILLAGE_SUFFIXES[int(rng.integers(len(dp.VILLAGE_SUFFIXES)))]
    if suffix[0] == core:
        suffix = "庄"
    prefix = direction if rng.random() < 0.45 else ""
    return f"{prefix}{core}{suffix}村"


def committee_name(rng: np.random.Generator) -> str:
    """A residents' committee name such as 东风社区居委会."""
    word = dp.COMMITTEE_WORDS[int(rng.integers(len(dp.COMMITTEE_WORDS)))]
    return f"{word}社区居委会"


def committee_count(rng: np.random.Generator, kind: str, villages: int, first: bool) -> int:
    """How many of a township's villages are residents' committees."""
    if first:
        return 0
    if kind == STREET:
        return max(1, villages // 2)
    if kind == TOWN:
        return int(rng.integers(1, 3)) if villages >= 5 else 0
    return int(rng.integers(0, 2))


def village_class_code(kind: str, urban: bool, rank: int) -> str:
    """Urban-rural class code (城乡分类代码) of a village."""
    if kind == STREET:
        return "111" if urban else "112"
    if kind == TOWN:
        if urban:
            return "121"
        return "122" if rank < 2 else "220"
    if urban:
        return "210"
    return "210" if rank == 0 else "220"


def _township_villages(
    rng: np.random.Generator, kind: str, population: int, first: bool, used: set[str]
) -> tuple[list[str], list[bool], np.ndarray]:
    """Names, urban flags and planned populations of one township's villages."""
    count = max(3, round(population / PEOPLE_PER_VILLAGE))
    committees = committee_count(rng, kind, count, first)
    local: set[str] = set()
    names: list[str] = []
    while len(names) < committees:
        names += unique_names([committee_name(rng)], local)
    if first:
        names += unique_names([FIRST_VILLAGE], used)
    while len(names) < count:
        names += unique_names([village_name(rng)], used)
    urban = [i < committees for i in range(count)]
    targets = split_total(population, rng.uniform(0.55, 1.45, count))
    return names, urban, targets


def _village_codes(township_code: str, urban: list[bool]) -> list[str]:
    """Village codes: 居委会 from 001, 村委会 from 201."""
    committee, village = 1, 201
    codes = []
    for is_urban in urban:
        codes.append(f"{township_code[:9]}{committee if is_urban else village:03d}")
        committee, village = committee + is_urban, village + (not is_urban)
    return codes


def group_name(index: int, urban: bool) -> str:
    """第三村民组 / 第三居民小组 for the group numbered ``index`` (1-based)."""
    numerals = dp.CHINESE_NUMERALS
    if index <= 10:
        number = numerals[index] if index < 10 else "十"
    else:
        number = "十" + numerals[index - 10]
    return f"第{number}{'居民小组' if urban else '村民组'}"


@dataclass
class _Villages:
    """Villages of all townships, gathered township by township."""

    codes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    township: list[int] = field(default_factory=list)
    urban: list[bool] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)

    def add(
        self, t: int, kind: str, code: str, villages: tuple[list[str], list[bool], np.ndarray]
    ) -> None:
        names, urban, targets = villages
        self.codes += _village_codes(code, urban)
        self.names += names
        self.township += [t] * len(names)
        self.urban += urban
        rural_rank = np.cumsum([not u for u in urban]) - 1
        self.classes += [
            village_class_code(kind, u, int(r)) for u, r in zip(urban, rural_rank, strict=True)
        ]
        self.targets.append(targets)


def group_numbers(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(village index, group number from 1) of every group, for group counts per village."""
    village = np.repeat(np.arange(counts.size), counts)
    return village, np.arange(village.size) - np.repeat(np.cumsum(counts) - counts, counts) + 1


def build_orgtree(
    rng: np.random.Generator, *, people: int, townships: int, county_code: str
) -> OrgTree:
    """Build the county tree with planned village populations adding up to ``people``."""
    county_name, county_full = county_full_name(county_code, rng)
    kinds = township_kinds(rng, townships)
    t_codes = [f"{county_code}{s}000" for s in township_code_suffixes(kinds)]
    t_names = [b + k for b, k in zip(township_base_names(rng, townships), kinds, strict=True)]
    used: set[str] = set()
    v = _Villages()
    for t, size in enumerate(township_sizes(rng, people, townships)):
        v.add(t, kinds[t], t_codes[t], _township_villages(rng, kinds[t], int(size), t == 0, used))
    village_address = np.array(
        [f"{county_full}{t_names[t]}{n}" for t, n in zip(v.township, v.names, strict=True)],
        dtype=object,
    )
    counts = rng.integers(4, 11, len(v.codes))
    g_village, g_index = group_numbers(counts)
    g_names = [group_name(int(i), v.urban[g]) for g, i in zip(g_village, g_index, strict=True)]
    g_codes = [f"{v.codes[g]}{i:02d}" for g, i in zip(g_village, g_index, strict=True)]
    return OrgTree(
        county_code=county_code,
        county_name=county_name,
        county_full=county_full,
        township_codes=t_codes,
        township_names=t_names,
        township_kinds=kinds,
        village_codes=np.array(v.codes, dtype="U12"),
        village_names=v.names,
        village_township=np.array(v.township, dtype=np.int64),
        village_urban=np.array(v.urban, dtype=bool),
        village_class=v.classes,
        village_target=np.concatenate(v.targets),
        village_address=village_address,
        group_codes=np.array(g_codes, dtype="U14"),
        group_names=g_names,
        group_village=g_village,
        group_address=village_address[g_village] + np.array(g_names, dtype=object),
        village_first_group=np.cumsum(counts) - counts,
        village_group_count=counts,
    )


def orgunit_rows(tree: OrgTree) -> list[tuple[str, str, str, str, str]]:
    """Rows of orgunits.csv, depth first: county, then each township with its villages."""
    county12 = f"{tree.county_code}000000"
    rows = [(county12, tree.county_name, "county", "", "")]
    for t, t_code in enumerate(tree.township_codes):
        rows.append((t_code, tree.township_names[t], "township", county12, ""))
        for v in np.flatnonzero(tree.village_township == t):
            v_code = str(tree.village_codes[v])
            cls = tree.village_class[v]
            rows.append((v_code, tree.village_names[v], "village", t_code, cls))
            first = int(tree.village_first_group[v])
            for g in range(first, first + int(tree.village_group_count[v])):
                rows.append((str(tree.group_codes[g]), tree.group_names[g], "group", v_code, cls))
    return rows
