"""`renkou bench search`: person search latency over HTTP with concurrent users.

It measures what a clerk waits for: a real gunicorn serving the real views on loopback,
N logged-in users searching at once by identity number (POST), by name (characters and
pinyin) and by household code, against whatever register the database holds.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.db import connection

from renkou.benchmarks.http import Probe, bench_account, run_load
from renkou.benchmarks.stats import summary_ms
from renkou.core.models import OrgUnit, Role
from renkou.registry import identity
from renkou.registry.models import Membership, Person

KINDS = ("id", "name", "pinyin", "household")


def _sample_persons(size: int, seed: int) -> list[Person]:
    """A random sample of active persons without reading the whole table."""
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    picked: list[Person] = []
    while len(picked) < size and top:
        ids = [rng.randint(1, top) for _ in range(size * 2)]
        picked += list(Person.objects.filter(pk__in=ids, status="active"))
    return picked[:size]


def build_probes(size: int, seed: int) -> list[Probe]:
    people = _sample_persons(size, seed)
    households = dict(
        Membership.objects.filter(person__in=people, left__isnull=True).values_list(
            "person_id", "household__code"
        )
    )
    probes: list[Probe] = []
    for person in people:
        if person.id_cipher:
            number = identity.id_reveal(person.id_cipher)
            probes.append(Probe("id", "POST", "/registry/persons/", {"id_number": number}))
        probes.append(Probe("name", "GET", "/registry/persons/", {"name": person.name[:2]}))
        probes.append(
            Probe("pinyin", "GET", "/registry/persons/", {"name": person.name_pinyin[:6]})
        )
        if person.pk in households:
            code = households[person.pk]
            probes.append(Probe("household", "GET", "/registry/persons/", {"household_code": code}))
    random.Random(seed).shuffle(probes)
    return probes


def run_search_bench(
    *,
    users: int,
    requests: int,
    sample: int,
    seed: int,
    workers: int,
    threads: int,
    think_ms: int = 0,
) -> dict[str, object]:
    probes = build_probes(sample, seed)
    if not probes:
        raise RuntimeError("the register is empty: import or seed persons first")
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        raise RuntimeError("the database has no org units: import a register first")
    load = run_load(
        probes=probes,
        accounts={"default": bench_account(role=Role.COUNTY_OFFICER, unit=root)},
        users=users,
        requests=requests,
        workers=workers,
        threads=threads,
        think_ms=think_ms,
    )
    timings, errors, wall = load.timings, load.errors, load.wall_s
    done = sum(len(v) for v in timings.values())
    return {
        "database": connection.vendor,
        "persons": Person.objects.count(),
        "users": users,
        "requests": done,
        "errors": len(errors),
        "first_errors": errors[:5],
        "wall_s": round(wall, 2),
        "throughput_rps": round(done / wall, 1) if wall else 0.0,
        "server": f"gunicorn {workers} workers x {threads} threads",
        "think_ms": think_ms,
        "all": summary_ms([t for v in timings.values() for t in v]),
        "by_kind": {kind: summary_ms(timings[kind]) for kind in KINDS if timings[kind]},
        "data_dir": str(settings.DATA_DIR),
    }
