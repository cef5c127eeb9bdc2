"""Named random streams: each part of the generator draws from its own stream.

A stream depends only on the seed and its name, so adding draws to one part (say, the
pupil feed) does not shift the numbers another part (the register) sees.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """Return the generator for ``name`` under ``seed``."""
    entropy = [seed % 2**64, zlib.crc32(name.encode("utf-8"))]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` items drawn without replacement with probability ∝ ``weights``.

    Efraimidis–Spirakis keys: one uniform per item, so O(n) however large ``k`` is.
    Items of weight 0 are never drawn; ``k`` is capped at the number of positive weights.
    """
    positive = np.flatnonzero(weights > 0)
    k = min(k, positive.size)
    if k == 0:
        return np.empty(0, dtype=np.int64)
    keys = np.log(rng.random(positive.size)) / weights[positive]
    top = np.argpartition(-keys, k - 1)[:k]
    return np.sort(positive[top])


def choice_index(rng: np.random.Generator, shares: np.ndarray, size: int) -> np.ndarray:
    """``size`` draws of an index with probability ∝ ``shares`` (with replacement)."""
    cdf = np.cumsum(shares, dtype=np.float64)
    cdf /= cdf[-1]
    idx = np.searchsorted(cdf, rng.random(size), side="right")
    return np.minimum(idx, shares.size - 1).astype(np.int64)
