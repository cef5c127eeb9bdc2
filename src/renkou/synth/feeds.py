"""Monthly department feeds and their truth files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from renkou.synth.birth_cert import BIRTH_CERT_HEADER, birth_cert_feed
from renkou.synth.frame import Assembled, Context
from renkou.synth.marriage import MARRIAGE_HEADER, marriage_feed
from renkou.synth.police import POLICE_HEADER, police_feed
from renkou.synth.pupils import PUPIL_HEADER, pupil_feed
from renkou.synth.writer import write_csv

TRUTH_HEADER = ("行号", "个案编号", "角色", "噪声")
Builder = Callable[[Context, int], tuple[Assembled, list[np.ndarray]]]
FEEDS: dict[str, tuple[tuple[str, ...], Builder]] = {
    "police": (POLICE_HEADER, police_feed),
    "birth_cert": (BIRTH_CERT_HEADER, birth_cert_feed),
    "marriage": (MARRIAGE_HEADER, marriage_feed),
    "pupil": (PUPIL_HEADER, pupil_feed),
}


def write_month(ctx: Context, m: int, label: str, out_dir: Path) -> dict[str, int]:
    """Write every feed of month ``m`` (``YYYY-MM`` = ``label``) with its truth file."""
    counts: dict[str, int] = {}
    for kind, (header, build) in FEEDS.items():
        rows, columns = build(ctx, m)
        feed = Path("feeds") / label / f"{kind}.csv"
        truth = Path("truth") / label / f"{kind}.csv"
        counts[feed.as_posix()] = write_csv(out_dir / feed, header, columns)
        counts[truth.as_posix()] = write_csv(out_dir / truth, TRUTH_HEADER, truth_columns(rows))
    return counts


def truth_columns(rows: Assembled) -> list[np.ndarray]:
    """行号 (1-based data row), 个案编号, 角色, 噪声."""
    line = np.arange(1, len(rows) + 1).astype(str).astype(object)
    return [line, rows.people.case_id, rows.role, np.array(rows.tags, dtype=object)]
