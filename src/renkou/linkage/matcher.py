"""renkou's matcher: the deterministic cascade, then the probabilistic model for the rest.

``match`` links every feed of a month in one go: the cascade per feed, then ONE model run
over all the subjects the cascade left unlinked (newborns excepted: they are not in the
register yet and link only through their mother). A model link keeps the method
"probabilistic", its match probability and the comparison levels as evidence; between
the two thresholds it is a candidate with ``review = "pending"`` (not a link until a
person confirms it), below the lower threshold there is none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pyarrow as pa  # type: ignore[import-untyped]

from renkou.linkage.cascade import EVIDENCE, RESULT_SCHEMA, LinkResult, link_subjects
from renkou.linkage.model import Backend, StoredModel, Thresholds, score
from renkou.linkage.subjects import Subjects
from renkou.linkage.tables import Feed, Register

__all__ = ["METHOD", "match", "model_subjects"]

METHOD: Final = "probabilistic"


def model_subjects(
    cascaded: Sequence[tuple[Subjects, LinkResult]],
) -> list[tuple[int, Subjects, int]]:
    """(feed position, subjects, index) of every subject left for the model."""
    out: list[tuple[int, Subjects, int]] = []
    for f, (subjects, result) in enumerate(cascaded):
        persons = result.table["person"].to_pylist()
        for i, person in enumerate(persons):
            if person is None and not subjects.newborn[i]:
                out.append((f, subjects, i))
    return out


def match(
    register: Register,
    feeds: Sequence[Feed],
    *,
    model: StoredModel | None,
    thresholds: Thresholds | None = None,
    backend: Backend | None = None,
) -> list[LinkResult]:
    """One LinkResult per feed: cascade links, then model links (auto or pending)."""
    thresholds = thresholds or Thresholds()
    cascaded = [link_subjects(register, feed) for feed in feeds]
    if model is None:
        return [result for _, result in cascaded]
    rest = model_subjects(cascaded)
    scored = score(
        register,
        [(s, i) for _, s, i in rest],
        model,
        thresholds=thresholds,
        backend=backend,
    )
    if not scored:
        return [result for _, result in cascaded]
    case_ids = register.table["case_id"].to_pylist()
    updates: dict[int, dict[int, dict[str, Any]]] = {}
    for sc in scored:
        f, _subjects, i = rest[sc.subject]
        updates.setdefault(f, {})[i] = {
            "person": case_ids[sc.rid],
            "method": METHOD,
            "probability": sc.probability,
            "review": "" if sc.route == "auto" else "pending",
            "evidence": sc.evidence,
        }
    return [
        _merge(result, subjects, updates.get(f, {}))
        for f, (subjects, result) in enumerate(cascaded)
    ]


def _merge(
    result: LinkResult, subjects: Subjects, updates: dict[int, dict[str, Any]]
) -> LinkResult:
    if not updates:
        return result
    cols = {name: result.table[name].to_pylist() for name in RESULT_SCHEMA.names}
    for i, u in updates.items():
        cols["person"][i] = u["person"]
        cols["method"][i] = u["method"]
        cols["probability"][i] = u["probability"]
        cols["review"][i] = u["review"]
        cols["role"][i] = subjects.side[i]
        ev = u["evidence"]
        cols["evidence"][i] = {k: ev.get(k, "n/a") for k in EVIDENCE}
        cols["id_agrees"][i] = bool(cols["feed_id_valid"][i]) and ev.get("id") == "exact"
    return LinkResult(pa.table(cols, schema=RESULT_SCHEMA))
