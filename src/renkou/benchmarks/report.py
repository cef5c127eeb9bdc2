"""`renkou bench report`: the monthly comparison report over HTTP (BENCHMARKS.md §2,
dashboards < 300 ms with 1M persons).

For the latest compared month (or ``--month``): the county officer's report (one line
per township), the county opening the township with the most feed subjects, that
township's clerk reading their own report (its villages), and the county's Excel
export — through gunicorn with concurrent users, like the other page benchmarks. Before
serving, the month's tallies are recounted once from scratch (what a comparison run does
at its end, and ``renkou report_rebuild``); that time is reported too.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import connection
from django.db.models import Sum

from renkou.benchmarks.http import Probe, bench_account, run_load
from renkou.core.models import OrgUnit, Role
from renkou.exchange.models import FeedLink, ReconcileRun, ReportTally
from renkou.exchange.report_tally import tally_month_rebuild
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem

KINDS = ("county", "county_township", "township", "county_xlsx")
_PAGE = "/exchange/report/"
_XLSX = "/exchange/report/export.xlsx"


def _compared_month(month: dt.date | None) -> dt.date:
    runs = ReconcileRun.objects.filter(finished_at__isnull=False)
    if month is not None:
        runs = runs.filter(month=month)
    found = runs.order_by("-month").values_list("month", flat=True).first()
    if found is None:
        raise RuntimeError("no finished comparison for that month: run `renkou reconcile` first")
    return found


def _largest_township(month: dt.date) -> OrgUnit:
    received = (
        ReportTally.objects.filter(
            month=month, measure="received", org_unit__level=OrgUnit.Level.TOWNSHIP
        )
        .values("org_unit")
        .annotate(n=Sum("n"))
        .order_by("-n")
        .first()
    )
    if received is None:
        raise RuntimeError("the month's comparison placed no subject in a township")
    return OrgUnit.objects.get(pk=received["org_unit"])


def build_probes(month: dt.date, township: OrgUnit, seed: int, size: int) -> list[Probe]:
    rng = random.Random(seed)
    m = {"month": f"{month:%Y-%m}"}
    probes: list[Probe] = []
    for _ in range(size):
        probes += [
            Probe("county", "GET", _PAGE, m, who="county"),
            Probe("county_township", "GET", _PAGE, {**m, "unit": str(township.pk)}, who="county"),
            Probe("township", "GET", _PAGE, m, who="clerk"),
            Probe("county_xlsx", "GET", _XLSX, m, who="county"),
        ]
    rng.shuffle(probes)
    return probes


def run_report_bench(
    *,
    users: int,
    requests: int,
    sample: int,
    seed: int,
    workers: int,
    threads: int,
    think_ms: int = 0,
    month: dt.date | None = None,
) -> dict[str, object]:
    first = _compared_month(month)
    started = time.perf_counter()
    rows = tally_month_rebuild(first)
    rebuild_s = round(time.perf_counter() - started, 2)
    township = _largest_township(first)
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    assert root is not None  # a township exists, so its tree does
    accounts = {
        "county": bench_account(role=Role.COUNTY_OFFICER, unit=root),
        "clerk": bench_account(role=Role.TOWNSHIP_CLERK, unit=township),
    }
    load = run_load(
        probes=build_probes(first, township, seed, sample),
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
        "month": f"{first:%Y-%m}",
        "feed_subjects": FeedLink.objects.filter(run__month=first).count(),
        "items": WorkItem.objects.filter(source=f"reconcile:{first:%Y-%m}").count(),
        "tally_rows": rows,
        "tally_rebuild_s": rebuild_s,
        "township": township.name,
        **load.summary(
            kinds=KINDS, users=users, workers=workers, threads=threads, think_ms=think_ms
        ),
    }
