"""The registry of work-item kinds: each app that opens items registers its kinds here.

A kind fixes its label and which closing outcomes make sense for it (a follow-up may end
"moved" or "died"; a data verification may not end "declined").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renkou.worklists.outcomes import Outcome


@dataclass(frozen=True)
class WorkKind:
    code: str
    label: str | Promise
    allowed_outcomes: frozenset[str]
    # subject_ref → the URL of the page that works the item's subject (or None).
    subject_link: Callable[[str], str | None] | None = None
    subject_link_label: str | Promise = ""
    # (item pk, subject_ref) → the app's own page that closes the item (the generic close
    # form is then not offered: e.g. a discrepancy is closed by applying the feed's data
    # or not).
    close_page: Callable[[int, str], str] | None = None
    close_page_label: str | Promise = ""
    # Told when items of the kind open (previous status ""), close or reopen: called in
    # the same transaction, after the items' history and audit rows (the app keeps its
    # own counts, e.g. the comparison report's tallies).
    on_status: Callable[[Sequence[Any], str], None] | None = None


_KINDS: dict[str, WorkKind] = {}


def register_kind(
    *,
    code: str,
    label: str | Promise,
    allowed_outcomes: frozenset[str],
    subject_link: Callable[[str], str | None] | None = None,
    subject_link_label: str | Promise = "",
    close_page: Callable[[int, str], str] | None = None,
    close_page_label: str | Promise = "",
    on_status: Callable[[Sequence[Any], str], None] | None = None,
) -> WorkKind:
    """Add a kind (idempotent for an identical definition; a clash is a programming error)."""
    unknown = allowed_outcomes - set(Outcome.values)
    if unknown:
        raise ValueError(f"unknown outcomes for kind {code!r}: {sorted(unknown)}")
    kind = WorkKind(
        code=code,
        label=label,
        allowed_outcomes=frozenset(allowed_outcomes),
        subject_link=subject_link,
        subject_link_label=subject_link_label,
        close_page=close_page,
        close_page_label=close_page_label,
        on_status=on_status,
    )
    existing = _KINDS.get(code)
    if existing is not None and existing != kind:
        raise ValueError(f"work kind {code!r} registered twice with different definitions")
    _KINDS[code] = kind
    return kind


def get_kind(code: str) -> WorkKind | None:
    return _KINDS.get(code)


def all_kinds() -> list[WorkKind]:
    return sorted(_KINDS.values(), key=lambda k: k.code)


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind else code


# Where an item comes from, for its page: apps that open items from their own records
# (a campaign) register a resolver for their `source` prefix ("campaign:12"). A resolver
# returns (label, url or "") for the user, or None.
Origin = tuple[str, str]
_ORIGINS: dict[str, Callable[[str, Any], Origin | None]] = {}


def register_origin(prefix: str, resolver: Callable[[str, Any], Origin | None]) -> None:
    _ORIGINS[prefix] = resolver


def item_origin(source: str, user: Any) -> Origin | None:
    """The registered description of an item's source, if any."""
    prefix, _sep, rest = source.partition(":")
    resolver = _ORIGINS.get(prefix)
    return resolver(rest, user) if resolver and rest else None


# Every service is voluntary: "declined" is a valid way to close a follow-up.
FOLLOWUP = register_kind(
    code="followup",
    label=_("随访"),
    allowed_outcomes=frozenset(
        {
            Outcome.DONE,
            Outcome.DECLINED,
            Outcome.EXEMPT,
            Outcome.MOVED,
            Outcome.DIED,
            Outcome.UNREACHABLE,
            Outcome.RESOLVED,
        }
    ),
)
VERIFICATION = register_kind(
    code="verification",
    label=_("核查"),
    allowed_outcomes=frozenset(
        {
            Outcome.DONE,
            Outcome.EXEMPT,
            Outcome.MOVED,
            Outcome.DIED,
            Outcome.UNREACHABLE,
            Outcome.RESOLVED,
        }
    ),
)
