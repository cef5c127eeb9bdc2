"""Small-cell suppression: primary "<k", complementary "*", rates, nested totals.

The attacker below knows what a report shows (every shown count, which cells are "<k"
and which "*") and solves the tree of totals exhaustively; no hidden cell may come out
with a single possible value.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renkou.core.disclosure import HIDDEN, Pattern, Relation, suppress, tree_relations

K = 5


def _tree(
    children: Mapping[str, list[str]], leaves: Mapping[str, int]
) -> tuple[dict[str, int], list[Relation[str]]]:
    """All values of a tree from its leaves (a node = the sum of its children)."""
    values = dict(leaves)

    def total(node: str) -> int:
        if node not in values:
            values[node] = sum(total(c) for c in children[node])
        return values[node]

    for node in children:
        total(node)
    return values, tree_relations(children)


def _domain(cell: str, pattern: Pattern[str], cap: int) -> range:
    """What a reader knows a cell may be: its value if shown, else what its mark says."""
    if cell in pattern.masked:
        return range(1, cap + 1)
    if cell in pattern.primary:
        return range(1, pattern.minimum)
    if cell in pattern.secondary:
        return range(pattern.minimum, cap + 1)
    return range(pattern.values[cell], pattern.values[cell] + 1)


def _attack(
    children: Mapping[str, list[str]], root: str, pattern: Pattern[str]
) -> dict[str, set[int]]:
    """Every value each hidden cell can take, given everything the report shows."""
    # Only a bound for the search, far above any cell: shown totals bound them anyway.
    cap = sum(v for c, v in pattern.values.items() if c not in children) + 10 * pattern.minimum

    def totals(node: str, fixed: tuple[str, int]) -> set[int]:
        own = set(_domain(node, pattern, cap))
        if node == fixed[0]:
            own &= {fixed[1]}
        if node not in children:
            return own
        sums = {0}
        for child in children[node]:
            sums = {a + b for a in sums for b in totals(child, fixed) if a + b <= cap}
        return own & sums

    hidden = pattern.primary | pattern.secondary
    return {
        cell: {v for v in _domain(cell, pattern, cap) if totals(root, (cell, v))} for cell in hidden
    }


def _assert_safe(children: Mapping[str, list[str]], root: str, pattern: Pattern[str]) -> None:
    for cell, values in _attack(children, root, pattern).items():
        assert len(values) >= 2, f"{cell} recoverable as {values}"


def test_counts_below_k_show_as_less_than_k_and_zero_shows() -> None:
    pattern = suppress({"a": 0, "b": 1, "c": 4, "d": 5, "e": 37}, minimum=K)
    assert [pattern.count(c) for c in "abcde"] == [0, "<5", "<5", 5, 37]
    assert pattern.primary == {"b", "c"}
    assert not pattern.secondary


def test_a_single_small_village_takes_the_next_smallest_with_it() -> None:
    children = {"镇": ["甲村", "乙村", "丙村", "丁村"]}
    values, relations = _tree(children, {"甲村": 3, "乙村": 12, "丙村": 9, "丁村": 40})
    pattern = suppress(values, relations, minimum=K)
    assert pattern.count("甲村") == "<5"
    assert pattern.count("丙村") == HIDDEN  # the smallest shown non-zero village
    assert [pattern.count(c) for c in ("乙村", "丁村", "镇")] == [12, 40, 64]
    # Total minus the shown villages gives 甲村 + 丙村 = 12, not 甲村.
    _assert_safe(children, "镇", pattern)
    assert _attack(children, "镇", pattern)["甲村"] == {1, 2, 3, 4}


def test_the_total_is_hidden_when_no_other_village_can_be() -> None:
    children = {"镇": ["甲村", "乙村", "丙村"]}
    values, relations = _tree(children, {"甲村": 2, "乙村": 0, "丙村": 0})
    pattern = suppress(values, relations, minimum=K)
    assert pattern.count("镇") == "<5"  # 2 itself: primary, and the pair protects itself
    assert pattern.count("乙村") == 0
    _assert_safe(children, "镇", pattern)


def test_two_small_cells_whose_sum_gives_them_away_take_a_third() -> None:
    # 1 + 1 = 2 (or 4 + 4 = 8): "<5" and "<5" with a known sum of 2 are both 1.
    for pair in (1, 4):
        children = {"镇": ["甲村", "乙村", "丙村"]}
        values, relations = _tree(children, {"甲村": pair, "乙村": pair, "丙村": 30})
        pattern = suppress(values, relations, minimum=K)
        assert pattern.count("丙村") == HIDDEN
        _assert_safe(children, "镇", pattern)


def test_a_small_cell_with_a_complement_of_exactly_k_is_not_given_away() -> None:
    # "<5" + "*" = 6 with "*" ≥ 5 would make the small cell 1.
    children = {"镇": ["甲村", "乙村", "丙村"]}
    values, relations = _tree(children, {"甲村": 1, "乙村": 5, "丙村": 30})
    pattern = suppress(values, relations, minimum=K)
    assert pattern.hidden("丙村")
    _assert_safe(children, "镇", pattern)


def test_a_township_hidden_on_the_county_page_is_hidden_in_its_own_villages_too() -> None:
    """Recovering 古邵镇's 3 by the county total minus a township shown on the township's
    own page: the pattern spans both pages, so the township's total and one of its
    villages are hidden wherever they appear."""
    children = {
        "峄城区": ["榴园镇", "古邵镇", "阴平镇"],
        "榴园镇": ["大官庄村", "东王庄村"],
        "古邵镇": ["后楼村", "前楼村"],
        "阴平镇": ["西村", "北村"],
    }
    leaves = {"大官庄村": 10, "东王庄村": 11, "后楼村": 3, "前楼村": 0, "西村": 20, "北村": 30}
    values, relations = _tree(children, leaves)
    pattern = suppress(values, relations, minimum=K)
    assert pattern.count("古邵镇") == "<5"
    assert pattern.count("后楼村") == "<5"
    assert pattern.count("榴园镇") == HIDDEN  # the smallest other township …
    assert pattern.hidden("大官庄村")  # … so its own page hides a village as well
    assert pattern.count("峄城区") == 74
    _assert_safe(children, "峄城区", pattern)


def test_persons_attached_to_the_township_itself_are_protected() -> None:
    # 2 couples registered at the township, not in a village: total − villages gives 2.
    relations = tree_relations({"镇": ["甲村", "乙村"]}, own={"镇": "镇本级"})
    values = {"甲村": 10, "乙村": 20, "镇本级": 2, "镇": 32}
    pattern = suppress(values, relations, minimum=K)
    assert pattern.hidden("镇本级")
    assert pattern.count("甲村") == HIDDEN  # the undisplayed part is never the complement
    assert pattern.count("镇") == 32


def test_a_rate_is_hidden_when_its_numerator_or_denominator_is() -> None:
    pattern = suppress({"n": 3, "d": 40, "n2": 0, "d2": 2, "n3": 9, "d3": 12}, minimum=K)
    assert pattern.rate("7.5%", "n", "d") == HIDDEN
    assert pattern.rate("0.0%", "n2", "d2") == HIDDEN
    assert pattern.count("n2") == 0
    assert pattern.rate("75.0%", "n3", "d3") == "75.0%"


def test_the_threshold_is_a_setting(settings: object) -> None:
    settings.RENKOU_SMALL_CELL_MIN = 10  # type: ignore[attr-defined]
    pattern = suppress({"a": 9, "b": 10})
    assert (pattern.count("a"), pattern.count("b")) == ("<10", 10)


@pytest.mark.parametrize(("value", "starts"), [("2", False), ("3", True)])
def test_the_threshold_cannot_be_configured_below_three(
    tmp_path: Path, value: str, starts: bool
) -> None:
    """renkou's own settings, loaded in a fresh process as at start-up: 2 is refused."""
    env = {**os.environ, "RENKOU_ENV": "test", "RENKOU_SMALL_CELL_MIN": value,
           "RENKOU_DATA_DIR": str(tmp_path)}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = "from django.conf import settings; print(settings.RENKOU_SMALL_CELL_MIN)"
    result = subprocess.run(
        [sys.executable, "-c", "import os; os.environ['DJANGO_SETTINGS_MODULE'] = "
         "'renkou.settings'; " + code],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    if starts:
        assert (result.returncode, result.stdout.strip()) == (0, value)
    else:
        assert result.returncode != 0
        assert "RENKOU_SMALL_CELL_MIN" in result.stderr
        assert "at least 3" in result.stderr


_TOWNSHIPS = st.lists(
    st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=4),
    min_size=1,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(_TOWNSHIPS)
def test_no_hidden_cell_is_ever_recoverable(townships: list[list[int]]) -> None:
    children: dict[str, list[str]] = {"县": []}
    leaves: dict[str, int] = {}
    for t, villages in enumerate(townships):
        children["县"].append(f"镇{t}")
        children[f"镇{t}"] = []
        for v, value in enumerate(villages):
            children[f"镇{t}"].append(f"村{t}.{v}")
            leaves[f"村{t}.{v}"] = value
    values, relations = _tree(children, leaves)
    pattern = suppress(values, relations, minimum=K)
    assert pattern.primary == {c for c, v in values.items() if 0 < v < K}
    assert all(values[c] >= K for c in pattern.secondary)
    _assert_safe(children, "县", pattern)


def test_the_attacker_does_recover_an_unprotected_cell() -> None:
    """The check above can fail: with only the primary cell hidden, it finds the 3."""
    children = {"镇": ["甲村", "乙村"]}
    values, _relations = _tree(children, {"甲村": 3, "乙村": 12})
    naive = Pattern(minimum=K, primary=frozenset({"甲村"}), values=values)
    assert _attack(children, "镇", naive)["甲村"] == {3}
    assert list(itertools.chain(*_attack(children, "镇", naive).values())) == [3]


def _decided_together(values: Mapping[str, int], relations: list[Relation[str]]) -> Pattern[str]:
    """The pattern as one system of every relation (what `suppress` gave before it split
    the relations into groups that share no cell)."""
    from renkou.core.disclosure import _Table

    primary = {c for c, v in values.items() if 0 < v < K}
    table = _Table(values=values, relations=relations, minimum=K, primary=primary,
                   hidden=set(primary))  # fmt: skip
    table.fix_locally()
    table.fix_globally()
    return Pattern(minimum=K, primary=frozenset(primary),
                   secondary=frozenset(table.hidden - primary),
                   masked=frozenset(table.masked), values=dict(values))  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_TOWNSHIPS, min_size=1, max_size=3))
def test_measures_decided_apart_hide_what_deciding_them_together_hides(
    measures: list[list[list[int]]],
) -> None:
    """A table of several measures over one tree: each measure's relations share no
    cell with another's, so deciding each on its own must give the same pattern."""
    values: dict[str, int] = {}
    relations: list[Relation[str]] = []
    for m, townships in enumerate(measures):
        children: dict[str, list[str]] = {f"县{m}": []}
        leaves: dict[str, int] = {}
        for t, villages in enumerate(townships):
            children[f"县{m}"].append(f"镇{m}.{t}")
            children[f"镇{m}.{t}"] = [f"村{m}.{t}.{v}" for v in range(len(villages))]
            leaves.update({f"村{m}.{t}.{v}": value for v, value in enumerate(villages)})
        tree_values, tree = _tree(children, leaves)
        values.update(tree_values)
        relations += tree
    assert suppress(values, relations, minimum=K) == _decided_together(values, relations)
