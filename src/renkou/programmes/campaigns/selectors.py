"""Scoped reads of campaigns: every query starts at scope_filter."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import scope_filter
from renkou.programmes.campaigns.coverage import viewing_unit
from renkou.programmes.models import Campaign, CampaignTarget, MopUpRound
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome


def _ancestor_paths(path: str) -> list[str]:
    """ "/1/42/7/" → ["/1/", "/1/42/"]: the paths of the units above."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts))]


def campaign_queryset_for_user(*, user: Any) -> QuerySet[Campaign]:
    """Campaigns run by a unit of the user's subtree (a township's own), and those run
    above it (the county's), which the user sees for their own villages only."""
    own = scope_filter(Campaign.objects.all(), user)
    if not own.query.is_empty() and getattr(user, "org_unit", None) is not None:
        above = Campaign.objects.filter(org_unit__path__in=_ancestor_paths(user.org_unit.path))
        own = own | above
    return own.select_related("org_unit")


def campaign_get_for_user(*, user: Any, pk: int) -> Campaign:
    return get_object_or_404(campaign_queryset_for_user(user=user), pk=pk)


# Target list filter: status key → condition on the target's work item.
TARGET_STATUSES: dict[str, Q] = {
    "open": Q(work_item__status=WorkItem.Status.OPEN),
    "requested": Q(work_item__status=WorkItem.Status.OPEN, work_item__exemption_requested=True),
    "done": Q(work_item__outcome=Outcome.DONE),
    "declined": Q(work_item__outcome=Outcome.DECLINED),
    "exempt": Q(work_item__outcome=Outcome.EXEMPT),
    "other": Q(
        work_item__outcome__in=[Outcome.MOVED, Outcome.DIED, Outcome.UNREACHABLE, Outcome.RESOLVED]
    ),
    "added": Q(on_day_one=False),
}


def target_listing(
    campaign: Campaign, *, user: Any, village_id: int | None, status: str
) -> QuerySet[CampaignTarget]:
    """One page's rows in one join (person, village, item, who added), in the order of
    the (campaign, village, id) index: day-1 targets were inserted by village and name."""
    # The campaign came through the scoping door, and its targets all lie in villages
    # under its own unit (checked when they are added): no second scope join per row,
    # except for a campaign run above the user (only the user's villages).
    rows = CampaignTarget.objects.filter(campaign=campaign)
    within = viewing_unit(campaign, getattr(user, "org_unit", None))
    if within is not None:
        rows = rows.filter(village__path__startswith=within.path)
    if village_id is not None:
        rows = rows.filter(village_id=village_id)
    if status in TARGET_STATUSES:
        rows = rows.filter(TARGET_STATUSES[status])
    return rows.select_related("person", "village", "work_item", "added_by").order_by(
        "village_id", "pk"
    )  # the index order; frozen lists are in pinyin order


def last_rounds(target_ids: list[int]) -> dict[int, int]:
    """The latest mop-up round each of these targets was in (one query for a page)."""
    through = MopUpRound.targets.through
    rows = (
        through.objects.filter(campaigntarget_id__in=target_ids)
        .values("campaigntarget_id")
        .annotate(n=Max("mopupround__number"))
        .order_by()
    )
    return {r["campaigntarget_id"]: r["n"] for r in rows}


def campaign_origin(rest: str, user: Any) -> tuple[str, str] | None:
    """The worklists item page's "来源" for a campaign item (one query)."""
    if not rest.isdigit():
        return None
    name = Campaign.objects.filter(pk=int(rest)).values_list("name", flat=True).first()
    if name is None:
        return None
    label = _("活动：%(name)s") % {"name": name}
    visible = (
        has_cap(user, Cap.ASSIGN_WORK)
        and campaign_queryset_for_user(user=user).filter(pk=int(rest)).exists()
    )
    return label, reverse("programmes:campaign_detail", args=[int(rest)]) if visible else ""
