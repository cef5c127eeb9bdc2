"""renkou's matcher: the deterministic cascade, then the probabilistic model for the rest.

``match`` links every feed of a month in one go: the cascade's passes once over the
subjects of all the feeds together, then ONE model run over all the subjects the cascade
left unlinked (newborns excepted: they are not in the register yet and link only through
their mother). A model link keeps the method "probabilistic", its match probability and
the comparison levels as evidence; between the two thresholds it is a candidate with
``review = "pending"`` (not a link until a person confirms it), below the lower
threshold there is none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from renkou.linkage.cascade import LinkResult, cascade
from renkou.linkage.model import Backend, StoredModel, Thresholds, score
from renkou.linkage.tables import Feed, Register

__all__ = ["METHOD", "match"]

METHOD: Final = "probabilistic"


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
    cascaded = cascade(register, feeds)  # the passes once over all feeds
    if model is None:
        return cascaded.results(register)
    rest = cascaded.unlinked()
    scored = score(
        register,
        [(cascaded.subjects, i) for i in rest],
        model,
        thresholds=thresholds,
        backend=backend,
    )
    case_ids = register.table["case_id"]
    later = {
        rest[sc.subject]: {
            "person": case_ids[sc.rid].as_py(),
            "method": METHOD,
            "probability": sc.probability,
            "review": "" if sc.route == "auto" else "pending",
            "evidence": sc.evidence,
        }
        for sc in scored
    }
    # The results are built once, with the model's links in place.
    return cascaded.results(register, later)
