"""Small-cell suppression (小数抑制) for statistics of reproductive health.

A count of 1 to k−1 persons (k = ``settings.RENKOU_SMALL_CELL_MIN``) in a village's row
points at neighbours everyone knows, so a report shows it as "<k" (*primary*
suppression); zero is shown. Hiding a cell is useless if it can be worked out again from
a total, so further cells are hidden too (*complementary* suppression, shown as "*"),
and a rate is hidden whenever its numerator or denominator is.

The input is a set of additive relations, total = Σ parts, e.g. one per column of a
table: a township's figure = its villages' figures (+ persons registered at the
township itself, an undisplayed part that can be worked out as the difference, so it is
protected like any other cell). Relations may nest (a township is a part of its
county's relation and the total of its own), so one pattern covers every page of the
tree and a cell hidden on the county's page is hidden on the township's page too.

What a reader knows: every shown cell, that "<k" is 1..k−1 and (assumed, to be safe)
that a complement "*" is at least k, since only non-zero cells are hidden. From that
and the relations a reader can narrow each hidden cell to a range; a cell whose range
closes to one value is recoverable. In a tree of relations (each cell a part of one
relation and the total of at most one) propagating the ranges relation by relation
until nothing changes finds exactly what all of them together allow.

So: first each relation on its own (a lone hidden cell is always recoverable, so are
two "<5" whose known sum is 2 or 8, or a "<5" and a "*" whose sum is 6) takes its
smallest shown non-zero part with it, else its total; then, while the whole tree still
pins a cell, the complement that frees most is added. Where nothing is left to hide
(four villages "<5" under a township "<5" are 1 each), a small cell is shown as "*"
rather than "<k" (``Pattern.masked``), which tells the reader less.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _

K = TypeVar("K", bound=Hashable)

HIDDEN = "*"  # a complementary suppression, or a rate from a suppressed count


def small_cell_min() -> int:
    """The configured k: counts from 1 to k−1 are not shown."""
    return int(settings.RENKOU_SMALL_CELL_MIN)


def suppression_note(minimum: int | None = None) -> str:
    """The legend every suppressed table carries (page, print and export)."""
    k = small_cell_min() if minimum is None else minimum
    return _(
        "为保护个人隐私，1 至 %(top)s 的人数显示为“%(mark)s”；标“%(hidden)s”的数字和比例"
        "已隐藏，以免由合计反推出这些小数。"
    ) % {"top": k - 1, "mark": f"<{k}", "hidden": HIDDEN}


@dataclass(frozen=True)
class Relation(Generic[K]):
    """total = Σ parts. ``undisplayed`` parts appear in no report (they are the
    difference of the others): they are protected when small but never hidden as a
    complement, since hiding what is not shown protects nothing."""

    total: K
    parts: tuple[K, ...]
    undisplayed: frozenset[K] = frozenset()


@dataclass(frozen=True)
class Pattern(Generic[K]):
    """Which cells are hidden, and how each cell and rate is shown."""

    minimum: int
    primary: frozenset[K] = frozenset()
    secondary: frozenset[K] = frozenset()
    # Small cells shown as "*" rather than "<k": where every cell of a relation is hidden
    # and "<k" marks alone would give the values away (four villages "<5" under a
    # township "<5" are 1 each).
    masked: frozenset[K] = frozenset()
    values: Mapping[K, int] = field(default_factory=dict)

    @property
    def small(self) -> str:
        return f"<{self.minimum}"

    def hidden(self, *keys: K) -> bool:
        return any(k in self.primary or k in self.secondary for k in keys)

    def count(self, key: K) -> int | str:
        """The count as shown: the number, "<k" or "*"."""
        if key in self.secondary or key in self.masked:
            return HIDDEN
        if key in self.primary:
            return self.small
        return self.values.get(key, 0)

    def rate(self, text: str, *keys: K) -> str:
        """A rate's text, or "*" if any count it is computed from is hidden."""
        return HIDDEN if self.hidden(*keys) else text


Span = tuple[float, float]


def _terms(relation: Relation[K]) -> list[tuple[K, int]]:
    # Σ parts − total = 0
    return [(relation.total, -1), *((p, 1) for p in relation.parts)]


def _others(spans: list[Span]) -> list[Span]:
    """For each span, the range of the sum of all the others (infinities counted apart,
    so never ∞ − ∞)."""
    low_inf = sum(1 for low, _high in spans if low == -math.inf)
    high_inf = sum(1 for _low, high in spans if high == math.inf)
    low_sum = sum(low for low, _high in spans if low != -math.inf)
    high_sum = sum(high for _low, high in spans if high != math.inf)
    out = []
    for low, high in spans:
        lo = (
            -math.inf if low_inf - (low == -math.inf) else low_sum - (low if low > -math.inf else 0)
        )
        hi = (
            math.inf
            if high_inf - (high == math.inf)
            else high_sum - (high if high < math.inf else 0)
        )
        out.append((lo, hi))
    return out


@dataclass
class _Table(Generic[K]):
    values: Mapping[K, int]
    relations: Sequence[Relation[K]]
    minimum: int
    primary: set[K]
    hidden: set[K]
    masked: set[K] = field(default_factory=set)
    member_of: dict[K, list[Relation[K]]] = field(default_factory=dict)
    terms: dict[int, list[tuple[K, int]]] = field(default_factory=dict)  # by id(relation)

    def __post_init__(self) -> None:
        for relation in self.relations:
            for cell, _sign in _terms(relation):
                self.member_of.setdefault(cell, []).append(relation)

    def mark_range(self, cell: K) -> Span:
        """What a reader knows of a hidden cell from its mark."""
        if cell in self.masked:
            return (1, math.inf)
        return (1, self.minimum - 1) if cell in self.primary else (self.minimum, math.inf)

    def ranges(self, relations: Sequence[Relation[K]] | None = None) -> dict[K, Span]:
        """What a reader can narrow each hidden cell down to: its mark's range, tightened
        by every relation until nothing changes. Sums of integer ranges are whole ranges,
        and in a tree of relations this propagation is exact: a cell whose range closes
        to one value is recoverable. Tightening only narrows, so the order does not
        change where it ends: a relation is looked at again only when one of its cells
        narrowed."""
        if relations is None:
            relations, cells, among = self.relations, self.hidden, None
        else:
            cells = {c for r in relations for c, _s in self._terms_of(r)} & self.hidden
            among = {id(r) for r in relations}
        ranges = {c: self.mark_range(c) for c in cells}
        queue = deque(relations)
        queued = {id(r) for r in relations}
        while queue:
            relation = queue.popleft()
            queued.discard(id(relation))
            for cell in self._tighten(relation, ranges):
                for other in self.member_of.get(cell, ()):
                    if id(other) not in queued and (among is None or id(other) in among):
                        queue.append(other)
                        queued.add(id(other))
        return ranges

    def _terms_of(self, relation: Relation[K]) -> list[tuple[K, int]]:
        terms = self.terms.get(id(relation))
        if terms is None:
            terms = self.terms[id(relation)] = _terms(relation)
        return terms

    def _tighten(self, relation: Relation[K], ranges: dict[K, Span]) -> list[K]:
        """Narrow the ranges of the relation's hidden cells; the cells it narrowed."""
        terms = self._terms_of(relation)
        unknown = [(c, sign) for c, sign in terms if c in self.hidden]
        if not unknown:
            return []
        rest = -sum(sign * self.values.get(c, 0) for c, sign in terms if c not in self.hidden)
        spans = [ranges[c] if sign > 0 else (-ranges[c][1], -ranges[c][0]) for c, sign in unknown]
        changed = []
        for (cell, sign), (low, high) in zip(unknown, _others(spans), strict=True):
            ends = (sign * (rest - high), sign * (rest - low))  # sign·x = rest − others
            old = ranges[cell]
            new = (max(old[0], min(ends)), min(old[1], max(ends)))
            if new != old:
                ranges[cell] = new
                changed.append(cell)
        return changed

    def pinned(self, relations: Sequence[Relation[K]] | None = None) -> set[K]:
        return {c for c, (low, high) in self.ranges(relations).items() if high - low < 1}

    def complement(self, relation: Relation[K]) -> K | None:
        """The cell to hide next: the smallest shown non-zero part, else the total; but
        not a part whose own relation could then not protect it (a township whose only
        other figures are zeros and its own undisplayed part)."""
        candidates = sorted(
            (p for p in relation.parts
             if p not in self.hidden and p not in relation.undisplayed
             and self.values.get(p, 0) > 0),
            key=lambda p: self.values.get(p, 0),
        )  # fmt: skip
        for part in candidates:
            if not self._dead_end(part, relation):
                return part
        total = relation.total
        if total not in self.hidden and self.values.get(total, 0) > 0:
            return total
        return candidates[0] if candidates else None

    def _dead_end(self, cell: K, source: Relation[K]) -> bool:
        self.hidden.add(cell)
        try:
            return any(
                self.pinned([r]) and self.complement(r) is None
                for r in self.member_of.get(cell, ())
                if r is not source
            )
        finally:
            self.hidden.discard(cell)

    def fix_locally(self) -> None:
        """Each relation on its own, until none changes: a lone hidden cell (or one its
        relation pins) takes the smallest shown part with it."""
        changed = True
        while changed:
            changed = False
            for relation in self.relations:
                while self.pinned([relation]):
                    extra = self.complement(relation)
                    if extra is None:
                        break
                    self.hidden.add(extra)
                    changed = True

    def fix_globally(self) -> None:
        """While the relations together pin a cell: add the complement that leaves the
        fewest pinned cells; where there is none left to add, show a small cell of that
        relation as "*" (its total first) instead of "<k"."""
        while pinned := self.pinned():
            touched = [r for r in self.relations if any(c in pinned for c, _s in self._terms_of(r))]
            options = list(dict.fromkeys(e for r in touched if (e := self.complement(r))))
            if options:
                self.hidden.add(min(options, key=lambda c: self._score(c, options)))
                continue
            small = [
                c for r in touched for c in (r.total, *r.parts)
                if c in self.primary and c not in self.masked
            ]  # fmt: skip
            if not small:
                return  # nothing left to hide or widen
            self.masked.add(small[0])

    def _score(self, cell: K, options: list[K]) -> tuple[int, int, int]:
        self.hidden.add(cell)
        left = len(self.pinned())
        self.hidden.discard(cell)
        return (left, self.values.get(cell, 0), options.index(cell))


def suppress(
    values: Mapping[K, int],
    relations: Sequence[Relation[K]] = (),
    *,
    minimum: int | None = None,
) -> Pattern[K]:
    """The suppression pattern of ``values`` under the additive ``relations``: first
    each relation on its own, then the whole system of them.

    Relations that share no cell, directly or through others, cannot tell a reader
    anything about each other's cells, so each such group (one per measure of a table,
    say) is decided on its own, in the order of its first relation. That gives the
    pattern deciding them all together would give — every step of that one picks within
    a single group, by the same order — in a fraction of the time."""
    k = small_cell_min() if minimum is None else minimum
    primary = {key for key, value in values.items() if 0 < value < k}
    hidden: set[K] = set(primary)
    masked: set[K] = set()
    for group in _groups(relations):
        cells: set[K] = _cells(group)
        table = _Table(values=values, relations=group, minimum=k, primary=primary,
                       hidden=primary & cells)  # fmt: skip
        table.fix_locally()
        table.fix_globally()
        hidden |= table.hidden
        masked |= table.masked
    return Pattern(
        minimum=k,
        primary=frozenset(primary),
        secondary=frozenset(hidden - primary),
        masked=frozenset(masked),
        values=dict(values),
    )


def _cells(relations: Sequence[Relation[K]]) -> set[K]:
    return {c for r in relations for c, _sign in _terms(r)}


def _groups(relations: Sequence[Relation[K]]) -> list[list[Relation[K]]]:
    """The relations split into groups that share no cell (union–find over cells), each
    group in the relations' order, the groups in the order of their first relation."""
    parent: dict[K, K] = {}

    def root(cell: K) -> K:
        while parent.setdefault(cell, cell) != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for relation in relations:
        first, *rest = (c for c, _sign in _terms(relation))
        for cell in rest:
            a, b = root(first), root(cell)
            if a != b:
                parent[b] = a
    groups: dict[K, list[Relation[K]]] = {}
    for relation in relations:
        groups.setdefault(root(relation.total), []).append(relation)
    return list(groups.values())


def tree_relations(
    children: Mapping[K, Iterable[K]], own: Mapping[K, K] | None = None
) -> list[Relation[K]]:
    """One relation per node with children: node = Σ children (+ its ``own`` part, the
    persons attached to the node itself, which no report shows)."""
    own = own or {}
    relations = []
    for node, kids in children.items():
        parts = tuple(kids)
        extra = own.get(node)
        if extra is not None:
            relations.append(Relation(node, (*parts, extra), frozenset({extra})))
        elif parts:
            relations.append(Relation(node, parts))
    return relations
