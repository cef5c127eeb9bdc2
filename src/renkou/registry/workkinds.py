"""The register's work-item kinds, registered in the worklists registry."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from renkou.registry.services.headship import HEAD_KIND
from renkou.worklists.kinds import register_kind
from renkou.worklists.outcomes import Outcome


def _head_page(item_pk: int, ref: str) -> str:
    """The card's 户主变更 page: the one place the item closes, with the change made."""
    prefix, _sep, pk = ref.partition(":")
    if prefix != "household" or not pk.isdigit():
        return reverse("worklists:item_detail", args=[item_pk])
    return reverse("registry:household_head", args=[int(pk)])


HOUSEHOLD_HEAD = register_kind(
    code=HEAD_KIND,
    label=_("户主变更"),
    # DONE: the change was made; RESOLVED: the system found the card settled otherwise
    # (the head came back, or nobody is left on it).
    allowed_outcomes=frozenset({Outcome.DONE, Outcome.RESOLVED}),
    close_page=_head_page,
    close_page_label=_("办理户主变更"),
)
