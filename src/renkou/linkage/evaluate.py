"""Scoring a LinkResult against the synthetic county's truth files.

Per feed row: a true positive when the row's subject the truth names is linked to
the truth's 个案编号; a false positive when a row is linked to anyone else (or the
truth is nobody); a false negative when the truth names a person and the row is
linked to nobody. On a marriage row the other side may also be linked: that link
is accepted (not counted) when it is the truth person's registered spouse.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from renkou.linkage.cascade import LinkResult
from renkou.linkage.tables import Register, _read_text_csv

__all__ = ["Score", "Scores", "evaluate", "read_truth"]


@dataclass
class Score:
    """Counts and the derived precision, recall and F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    rows: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "rows": self.rows,
                "precision": round(self.precision, 6), "recall": round(self.recall, 6),
                "f1": round(self.f1, 6)}  # fmt: skip


@dataclass
class Scores:
    """The overall score and its breakdowns."""

    total: Score = field(default_factory=Score)
    by_kind: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    by_method: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    by_noise: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    valid_id_false_links: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.total.as_dict(),
            "valid_id_false_links": self.valid_id_false_links,
            "by_kind": {k: v.as_dict() for k, v in sorted(self.by_kind.items())},
            "by_method": {k: v.as_dict() for k, v in sorted(self.by_method.items())},
            "by_noise": {k: v.as_dict() for k, v in sorted(self.by_noise.items())},
        }


def read_truth(path: Path) -> dict[int, tuple[str, str, list[str]]]:
    """行号 → (个案编号 or "", 角色, noise tags) of one truth file."""
    table = _read_text_csv(Path(path), ("行号", "个案编号", "角色", "噪声"), "真值")
    return {
        int(r["行号"]): (r["个案编号"], r["角色"], [t for t in r["噪声"].split(";") if t])
        for r in table.to_pylist()
    }


def _row_links(result: LinkResult) -> dict[tuple[str, int], list[dict[str, Any]]]:
    rows: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in result.linked().to_pylist():
        rows[(r["kind"], r["row"])].append(r)
    return rows


def _outcome(links: list[dict[str, Any]], person: str, spouse_of: dict[str, str]) -> str:
    """ "tp", "fp", "fn" or "tn" for one row."""
    others = [x for x in links if x["person"] != person]
    spouse = spouse_of.get(person)
    wrong = [x for x in others if not (spouse and x["person"] == spouse)]
    if wrong:
        return "fp"
    if person and any(x["person"] == person for x in links):
        return "tp"
    return "fn" if person else "tn"


def _spouses(register: Register | None) -> dict[str, str]:
    """个案编号 → the spouse's 个案编号, through the register's 配偶身份证号."""
    if register is None:
        return {}
    t = register.table.select(["case_id", "id", "spouse_id"]).to_pylist()
    by_id = {r["id"]: r["case_id"] for r in t if r["id"]}
    return {r["case_id"]: by_id[r["spouse_id"]] for r in t if r["spouse_id"] in by_id}


def _add(score: Score, outcome: str) -> None:
    score.rows += 1
    if outcome in ("tp", "fp", "fn"):
        setattr(score, outcome, getattr(score, outcome) + 1)


def evaluate(
    results: list[LinkResult], truths: dict[str, Path], register: Register | None = None
) -> Scores:
    """Score ``results`` against ``truths`` (feed kind → truth CSV path)."""
    scores = Scores()
    spouse_of = _spouses(register)
    links: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for result in results:
        links.update(_row_links(result))
        t = result.linked()
        bad = [
            1
            for v, a, p, m in zip(
                t["feed_id_valid"].to_pylist(),
                t["id_agrees"].to_pylist(),
                t["person"].to_pylist(),
                t["method"].to_pylist(),
                strict=True,
            )
            if v and p is not None and not a and m != "mother_household"
        ]
        scores.valid_id_false_links += len(bad)
    for kind, path in truths.items():
        for row, (person, _role, tags) in read_truth(path).items():
            found = links.get((kind, row), [])
            outcome = _outcome(found, person, spouse_of)
            _add(scores.total, outcome)
            _add(scores.by_kind[kind], outcome)
            methods = {x["method"] for x in found if x["person"] == person} or {
                x["method"] for x in found
            }
            _add(scores.by_method[min(methods) if methods else "none"], outcome)
            for tag in tags or ["clean"]:
                _add(scores.by_noise[tag], outcome)
    return scores
