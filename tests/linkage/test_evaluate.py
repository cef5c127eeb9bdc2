"""Tests for the scoring of link results against truth files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from renkou.linkage.cascade import RESULT_SCHEMA, LinkResult
from renkou.linkage.evaluate import evaluate


def result(kind: str, links: list[tuple[int, str | None, str | None]]) -> LinkResult:
    """A LinkResult with (row, person, method) per subject; only "exact_id" agrees on the number."""
    n = len(links)
    return LinkResult(
        pa.table(
            {
                "kind": [kind] * n,
                "row": [r for r, _, _ in links],
                "side": ["self"] * n,
                "person": [p for _, p, _ in links],
                "method": [m for _, _, m in links],
                "role": ["self" if p else None for _, p, _ in links],
                "feed_id_valid": [m != "name_dob_unique" for _, _, m in links],
                "id_agrees": [p is not None and m == "exact_id" for _, p, m in links],
                "evidence": [None] * n,
                "probability": [1.0 if p else 0.0 for _, p, _ in links],
                "review": [""] * n,
            },
            schema=RESULT_SCHEMA,
        )
    )


def test_precision_recall_f1_arithmetic(tmp_path: Path) -> None:
    truth = tmp_path / "pupil.csv"
    truth.write_text(
        "行号,个案编号,角色,噪声\n1,P1,self,\n2,P2,self,id_typo\n3,P3,self,\n4,,none,near_id\n"
        "5,P5,self,missing_id;name_rare\n",
        encoding="utf-8-sig",
    )
    links = [(1, "P1", "exact_id"), (2, "P9", "repaired_id"), (3, None, None),
             (4, "P4", "name_dob_unique"), (5, "P5", "name_dob_unique")]  # fmt: skip
    scores = evaluate([result("pupil", links)], {"pupil": truth})
    total = scores.total
    assert (total.tp, total.fp, total.fn, total.rows) == (2, 2, 1, 5)
    assert total.precision == pytest.approx(0.5)
    assert total.recall == pytest.approx(2 / 3)
    assert total.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert scores.by_noise["near_id"].fp == 1
    assert scores.by_noise["missing_id"].tp == scores.by_noise["name_rare"].tp == 1
    assert scores.by_method["repaired_id"].fp == 1
    assert scores.by_method["none"].fn == 1
    # Row 2 carries a valid number that the linked person does not have.
    assert scores.valid_id_false_links == 1


def test_empty_truth_scores_perfect(tmp_path: Path) -> None:
    truth = tmp_path / "pupil.csv"
    truth.write_text("行号,个案编号,角色,噪声\n", encoding="utf-8-sig")
    scores = evaluate([result("pupil", [])], {"pupil": truth})
    assert scores.total.f1 == 1.0
    assert scores.total.rows == 0
