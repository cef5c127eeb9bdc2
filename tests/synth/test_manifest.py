"""manifest.json agrees with the files."""

from __future__ import annotations

import json

from renkou.synth import Manifest

from .helpers import read_csv


def test_manifest_json_matches_files(small_county: Manifest) -> None:
    data = json.loads((small_county.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert data["seed"] == 7
    assert data["people"] == 3000
    assert data["months"] == ["2026-01", "2026-02"]
    assert data["snapshot_date"] == "2025-12-31"
    for name, rows in data["files"].items():
        assert len(read_csv(small_county.out_dir / name)[1]) == rows
    assert data["register_rows"] == data["files"]["register.csv"]
    assert data["register_rows"] == data["people"] + data["inflow_people"]
    assert data["villages"] >= 3
    assert data["townships"] == 1
