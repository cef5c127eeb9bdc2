"""Same seed, same bytes; another seed, another county."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkou.synth import generate


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    generate(people=3000, seed=42, out_dir=tmp_path / "a", months=2)
    generate(people=3000, seed=42, out_dir=tmp_path / "b", months=2)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    # orgunits, register, manifest; per month four feeds, their truth, the villages' file
    assert len(a) == 2 + 1 + 2 * (4 * 2 + 1)
    assert all(a[name] == b[name] for name in a)


def test_another_seed_gives_another_county(tmp_path: Path) -> None:
    generate(people=3000, seed=1, out_dir=tmp_path / "a", months=1)
    generate(people=3000, seed=2, out_dir=tmp_path / "b", months=1)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a["register.csv"] != b["register.csv"]
    assert a["feeds/2026-01/pupil.csv"] != b["feeds/2026-01/pupil.csv"]


def test_tiny_county_still_has_every_file(tmp_path: Path) -> None:
    manifest = generate(people=100, seed=3, out_dir=tmp_path, months=13, noise=5.0)
    assert len(manifest.months) == 13
    assert all((tmp_path / name).is_file() for name in manifest.files)


@pytest.mark.parametrize(
    "bad",
    [
        {"people": 5},
        {"months": -1},
        {"noise": -1.0},
        {"county_code": "37040"},
        {"formats": ("xlsx",)},
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, bad: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"people": 1000, "seed": 1, "out_dir": tmp_path, **bad}
    with pytest.raises(ValueError, match=r"must|unsupported"):
        generate(**arguments)
