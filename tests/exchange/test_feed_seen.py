"""SeenKeys answers as a dict of every digest seen would, across many merged runs."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from renkou.exchange.feeds.seen import SeenKeys, digest_halves


def test_digest_halves_reads_hex() -> None:
    digest = "0123456789abcdef" + "fedcba9876543210" + "00" * 16
    hi, lo = digest_halves([digest, "f" * 64])
    assert hi.tolist() == [0x0123456789ABCDEF, 2**64 - 1]
    assert lo.tolist() == [0xFEDCBA9876543210, 2**64 - 1]
    empty_hi, empty_lo = digest_halves([])
    assert len(empty_hi) == len(empty_lo) == 0


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=25),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_first_rows_as_a_dict_would(batches: list[int], seed: int) -> None:
    pick = random.Random(seed)
    seen = SeenKeys()
    reference: dict[tuple[int, int], int] = {}
    row = 1
    his = [pick.getrandbits(64) for _ in range(8)]  # few first halves: many equal ones
    for size in batches:
        keys = [(pick.choice(his), pick.getrandbits(3)) for _ in range(size)]
        hi = np.array([k[0] for k in keys], dtype=np.uint64)
        lo = np.array([k[1] for k in keys], dtype=np.uint64)
        found = seen.first_rows(hi, lo)
        assert found == [reference.get(k, 0) for k in keys]
        fresh: dict[tuple[int, int], int] = {}
        for key in keys:
            if key not in reference and key not in fresh:
                fresh[key] = row
            row += 1
        firsts: dict[tuple[int, int], int] = {}  # each new key's first index
        for i, key in enumerate(keys):
            if key in fresh:
                firsts.setdefault(key, i)
        index = np.array(sorted(firsts.values()), dtype=np.intp)
        seen.add(hi[index], lo[index], [fresh[keys[i]] for i in index.tolist()])
        reference.update(fresh)
        assert len(seen) == len(reference)
