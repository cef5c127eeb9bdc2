"""Numbers handed out by the generator never repeat, even when a day is crowded."""

from __future__ import annotations

import numpy as np
import pytest

from renkou.linkage.idnumber import check_digit
from renkou.synth.idnum import IdRegistry, to_text
from renkou.synth.rng import stream


def _allocate(registry: IdRegistry, count: int, seed: int = 1) -> list[str]:
    area = np.full(count, 370404, dtype=np.int64)
    birth = np.full(count, 7000, dtype=np.int64)  # everyone born on 1989-03-02
    male = np.ones(count, dtype=bool)
    values = registry.allocate(stream(seed, "test"), area, birth, male)
    return [str(s) for s in to_text(values)]


def test_a_crowded_day_still_gets_unique_valid_numbers() -> None:
    registry = IdRegistry()
    first = _allocate(registry, 400)
    second = _allocate(registry, 40, seed=2)
    numbers = first + second
    assert len(set(numbers)) == len(numbers)
    assert all(check_digit(n[:17]) == n[17] and int(n[16]) % 2 == 1 for n in numbers)
    assert all(n[6:14] == "19890302" for n in numbers)


def test_more_people_than_numbers_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="more people"):
        _allocate(IdRegistry(), 501)
