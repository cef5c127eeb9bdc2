"""The feed kinds: adding a department = one module of the same shape, listed here."""

from __future__ import annotations

from renkou.exchange.feeds import birth_cert, marriage, police, pupil
from renkou.exchange.feeds.base import FeedKind

FEEDS: dict[str, FeedKind] = {
    module.KIND.kind: module.KIND for module in (police, birth_cert, marriage, pupil)
}

__all__ = ["FEEDS", "FeedKind"]
