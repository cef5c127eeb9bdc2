"""Generated counties shared by the synth tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkou.synth import Manifest, generate


@pytest.fixture(scope="session")
def small_county(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """3,000 people, two months, normal noise."""
    return generate(people=3000, seed=7, out_dir=tmp_path_factory.mktemp("small"), months=2)


@pytest.fixture(scope="session")
def noisy_county(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """20,000 people, two months, three times the noise."""
    out: Path = tmp_path_factory.mktemp("noisy")
    return generate(people=20_000, seed=11, out_dir=out, months=2, noise=3.0)
