"""manifest.json: what a run produced, where, and how many rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

GENERATOR = "renkou.synth"
VERSION = "1"


@dataclass(frozen=True)
class Manifest:
    """Counts and paths of one generated county. ``files`` maps relative paths to data rows."""

    out_dir: Path
    seed: int
    people: int  # local residents asked for (the register also holds inflow migrants)
    register_rows: int
    inflow_people: int
    households: int
    townships: int
    villages: int
    groups: int
    county_code: str
    county_name: str
    snapshot_date: str  # the register's as-of day: the day before the first month
    start_month: str
    months: tuple[str, ...]
    noise: float
    files: dict[str, int]
    generator_version: str = VERSION

    @property
    def register_path(self) -> Path:
        """register.csv."""
        return self.out_dir / "register.csv"

    @property
    def orgunits_path(self) -> Path:
        """orgunits.csv."""
        return self.out_dir / "orgunits.csv"

    def feed_path(self, month: str, kind: str) -> Path:
        """feeds/YYYY-MM/<kind>.csv."""
        return self.out_dir / "feeds" / month / f"{kind}.csv"

    def truth_path(self, month: str, kind: str) -> Path:
        """truth/YYYY-MM/<kind>.csv."""
        return self.out_dir / "truth" / month / f"{kind}.csv"

    def to_json(self) -> dict[str, object]:
        """The manifest as JSON data (paths relative to the output directory)."""
        return {
            "generator": GENERATOR,
            "generator_version": self.generator_version,
            "seed": self.seed,
            "people": self.people,
            "register_rows": self.register_rows,
            "inflow_people": self.inflow_people,
            "households": self.households,
            "townships": self.townships,
            "villages": self.villages,
            "groups": self.groups,
            "county_code": self.county_code,
            "county_name": self.county_name,
            "snapshot_date": self.snapshot_date,
            "start_month": self.start_month,
            "months": list(self.months),
            "noise": self.noise,
            "files": self.files,
        }

    def write(self) -> Path:
        """Write ``manifest.json`` into the output directory; returns its path."""
        path = self.out_dir / "manifest.json"
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=2, sort_keys=True)
        path.write_text(text + "\n", encoding="utf-8")
        return path
