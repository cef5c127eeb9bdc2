"""`renkou bench worklists`: the ledger's pages over HTTP with concurrent users.

BENCHMARKS.md §2: filter, sort and page through the open items (page of 50), the
boards, the officer's phone list and an item's page, with whatever items the database
holds (on the 1M county: a county-wide screening campaign frozen to ~200k open items).
Three accounts send the probes: the clerk of the township with the most open items, the
officer of its busiest village, and a county officer (who also opens the coverage
dashboard and the target list of the county's largest started campaign, if any).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count

from renkou.benchmarks.http import Probe, bench_account, run_load
from renkou.core.models import OrgUnit, Role
from renkou.programmes.models import Campaign
from renkou.registry.models import Person
from renkou.worklists.filters import SORTS
from renkou.worklists.models import WorkItem

PAGE = 50
KINDS = (
    "list", "list_filtered", "list_deep", "board", "my_items", "detail", "county_list",
    "coverage", "targets",
)  # fmt: skip


@dataclass(frozen=True)
class Target:
    township: OrgUnit
    village: OrgUnit
    open_items: int
    township_items: int
    village_items: int


def _busiest() -> Target:
    open_items = WorkItem.objects.filter(status=WorkItem.Status.OPEN)
    total = open_items.count()
    if not total:
        raise RuntimeError("there are no open work items: reconcile a month or start a campaign")
    by_village = list(open_items.values("org_unit_id").annotate(n=Count("id")).order_by("-n")[:1])
    village = OrgUnit.objects.get(pk=by_village[0]["org_unit_id"])
    township = village
    while township.level != OrgUnit.Level.TOWNSHIP and township.parent_id:
        township = OrgUnit.objects.get(pk=township.parent_id)
    in_township = open_items.filter(org_unit__path__startswith=township.path).count()
    return Target(township, village, total, in_township, int(by_village[0]["n"]))


def _county_campaign() -> int | None:
    """The largest started campaign of the county level, if any (its pages are probed)."""
    started = Campaign.objects.filter(
        status=Campaign.Status.STARTED, org_unit__parent__isnull=True
    ).order_by("-day_one_count")
    return started.values_list("pk", flat=True).first()


def ensure_county_campaign() -> tuple[int, float]:
    """Start the county-wide screening campaign (women 35–64) when none is running, as
    a county officer would: its day-1 list becomes open items in every village. Returns
    the campaign and the seconds the freeze took (0.0 when it was already running)."""
    import time

    from django.utils import timezone

    from renkou.programmes.campaigns.services import (
        CampaignData,
        campaign_create,
        campaign_start,
    )
    from renkou.programmes.campaigns.templates import TEMPLATES

    running = _county_campaign()
    if running is not None:
        return running, 0.0
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        raise RuntimeError("the database has no org units: import a register first")
    user, _password = bench_account(role=Role.COUNTY_OFFICER, unit=root)
    template, today = TEMPLATES["screening"], timezone.localdate()
    data = CampaignData(
        name=f"{today.year}年{template.name}（全县）",
        template=template.code,
        period_start=today,
        period_end=today + dt.timedelta(days=template.days),
        reference_date=today,
        sex=template.sex,
        age_min=template.age_min,
        age_max=template.age_max,
    )
    campaign = campaign_create(data=data, actor=user)
    started = time.perf_counter()
    campaign_start(campaign=campaign, actor=user)
    seconds = time.perf_counter() - started
    user.is_active = False
    user.save(update_fields=["is_active"])
    return campaign.pk, round(seconds, 2)


def build_probes(target: Target, seed: int, size: int) -> list[Probe]:
    rng = random.Random(seed)
    campaign = _county_campaign()
    items = WorkItem.objects.filter(status=WorkItem.Status.OPEN)
    kinds = sorted(set(items.values_list("kind", flat=True).distinct()))
    villages = list(
        OrgUnit.objects.filter(
            path__startswith=target.township.path, level=OrgUnit.Level.VILLAGE
        ).values_list("pk", flat=True)
    )
    top = items.filter(org_unit__path__startswith=target.township.path).order_by("-pk")
    last = top.values_list("pk", flat=True).first() or 0
    pages = max(1, target.township_items // PAGE)
    county_pages = max(1, target.open_items // PAGE)
    detail_ids = list(
        items.filter(org_unit__path__startswith=target.township.path, pk__lte=last)
        .order_by("?")
        .values_list("pk", flat=True)[: max(10, size // 5)]
    )
    work = "/work/"
    probes: list[Probe] = []
    for _ in range(size):
        sort = rng.choice(list(SORTS))
        probes.append(Probe("list", "GET", f"{work}items/", {"sort": sort}, who="clerk"))
        flt = {"village": str(rng.choice(villages))} if villages else {}
        if kinds and rng.random() < 0.5:
            flt["kind"] = rng.choice(kinds)
        if rng.random() < 0.3:
            flt["overdue"] = "1"
        probes.append(Probe("list_filtered", "GET", f"{work}items/", flt, who="clerk"))
        deep = {"page": str(rng.randint(1, pages)), "sort": sort}
        probes.append(Probe("list_deep", "GET", f"{work}items/", deep, who="clerk"))
        probes.append(Probe("board", "GET", f"{work}board/", {}, who="clerk"))
        probes.append(Probe("my_items", "GET", work, {}, who="officer"))
        if detail_ids:
            pk = rng.choice(detail_ids)
            probes.append(Probe("detail", "GET", f"{work}items/{pk}/", {}, who="clerk"))
        county = {"page": str(rng.randint(1, min(county_pages, 200)))}
        probes.append(Probe("county_list", "GET", f"{work}items/", county, who="county"))
        if campaign is not None:
            # The coverage dashboard (per village, with its trend) and a page of targets.
            base = f"/programmes/campaigns/{campaign}/"
            probes.append(Probe("coverage", "GET", base, {}, who="county"))
            page = {"page": str(rng.randint(1, 200))}
            probes.append(Probe("targets", "GET", f"{base}targets/", page, who="county"))
    rng.shuffle(probes)
    return probes


def run_worklist_bench(
    *,
    users: int,
    requests: int,
    sample: int,
    seed: int,
    workers: int,
    threads: int,
    think_ms: int = 0,
    campaign: bool = False,
) -> dict[str, object]:
    freeze_s = ensure_county_campaign()[1] if campaign else 0.0
    target = _busiest()
    probes = build_probes(target, seed, sample)
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    assert root is not None  # an item exists, so its unit's tree does
    accounts = {
        "clerk": bench_account(role=Role.TOWNSHIP_CLERK, unit=target.township),
        "officer": bench_account(role=Role.VILLAGE_OFFICER, unit=target.village),
        "county": bench_account(role=Role.COUNTY_OFFICER, unit=root),
    }
    load = run_load(
        probes=probes,
        accounts=accounts,
        users=users,
        requests=requests,
        workers=workers,
        threads=threads,
        think_ms=think_ms,
    )
    return {
        "database": connection.vendor,
        "persons": Person.objects.count(),
        "open_items": target.open_items,
        "campaign_freeze_s": freeze_s,
        "township": target.township.name,
        "township_open_items": target.township_items,
        "village": target.village.name,
        "village_open_items": target.village_items,
        **load.summary(
            kinds=KINDS, users=users, workers=workers, threads=threads, think_ms=think_ms
        ),
    }
