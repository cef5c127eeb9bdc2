"""The entry point: a whole synthetic county written to a directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from renkou.synth import dates
from renkou.synth import events as ev
from renkou.synth.feeds import write_month
from renkou.synth.frame import Context
from renkou.synth.idnum import IdRegistry
from renkou.synth.manifest import Manifest
from renkou.synth.noise import Noiser
from renkou.synth.orgunits import PEOPLE_PER_TOWNSHIP, OrgTree, build_orgtree, orgunit_rows
from renkou.synth.places import build_places
from renkou.synth.population import Population, build_population
from renkou.synth.register import write_register
from renkou.synth.rng import stream
from renkou.synth.simulate import simulate
from renkou.synth.village import reported, write_village_month
from renkou.synth.writer import write_csv

ORGUNIT_HEADER = ("区划代码", "名称", "层级", "上级代码", "城乡分类代码")
SUPPORTED_FORMATS = ("csv",)
MIN_PEOPLE = 100


def _check(
    *, people: int, months: int, noise: float, county_code: str, formats: tuple[str, ...]
) -> None:
    """Refuse arguments the generator cannot honour, with a clear reason."""
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE}")
    if months < 0 or noise < 0:
        raise ValueError("months and noise must not be negative")
    if len(county_code) != 6 or not county_code.isdigit() or county_code[0] == "0":
        raise ValueError("county_code must be a 6-digit area code")
    unknown = sorted(set(formats) - set(SUPPORTED_FORMATS))
    if unknown:
        raise ValueError(f"unsupported formats: {unknown} (supported: {list(SUPPORTED_FORMATS)})")


def generate(
    *,
    people: int,
    seed: int,
    out_dir: Path,
    townships: int | None = None,
    noise: float = 1.0,
    months: int = 12,
    start_month: str = "2026-01",
    county_code: str = "370404",
    formats: tuple[str, ...] = ("csv",),
) -> Manifest:
    """Write a synthetic county (org units, register, monthly feeds, truth) to ``out_dir``.

    ``people`` local residents (the register holds about 3 % inflow migrants on top); one
    month of all four feeds is about ``people / 10`` rows. The register is the snapshot
    on the day before ``start_month``. The same arguments give byte-identical files.
    """
    _check(people=people, months=months, noise=noise, county_code=county_code, formats=formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    townships = townships or max(1, round(people / PEOPLE_PER_TOWNSHIP))
    tree = build_orgtree(
        stream(seed, "orgunits"), people=people, townships=townships, county_code=county_code
    )
    places = build_places(stream(seed, "places"), tree, outside=max(20, people // 1500))
    registry = IdRegistry()
    ref = dates.month_start(start_month) - 1
    pop = build_population(seed=seed, places=places, people=people, ref=ref, registry=registry)
    rows = orgunit_rows(tree)
    files = {
        "orgunits.csv": write_csv(
            out_dir / "orgunits.csv", ORGUNIT_HEADER, [list(c) for c in zip(*rows, strict=True)]
        ),
        "register.csv": write_register(out_dir / "register.csv", pop),
    }
    labels = tuple(dates.month_label(start_month, m) for m in range(months))
    plan = ev.plan_rows(people, months, start_month)
    if months:
        files.update(
            _write_feeds(pop, tree, plan, registry, seed=seed, noise=noise, out_dir=out_dir)
        )
    manifest = _manifest(pop, tree, out_dir=out_dir, seed=seed, people=people, noise=noise,
                         start_month=start_month, labels=labels, files=files)  # fmt: skip
    manifest.write()
    return manifest


def _write_feeds(
    pop: Population, tree: OrgTree, plan: ev.Plan, registry: IdRegistry, *, seed: int,
    noise: float, out_dir: Path,
) -> dict[str, int]:  # fmt: skip
    """Simulate the months and write every feed and truth file."""
    sim = simulate(seed=seed, pop=pop, plan=plan, registry=registry)
    noiser = Noiser(stream(seed, "noise"), noise, pop.places)
    ctx = Context(pop, tree, plan, sim, registry, noiser, stream(seed, "feeds"))
    files: dict[str, int] = {}
    picked = reported(ctx, seed)
    for m in range(plan.months):
        label = dates.month_label(plan.start, m)
        files.update(write_month(ctx, m, label, out_dir))
        files.update(write_village_month(ctx, m, label, out_dir, picked))
    return files


def _manifest(
    pop: Population, tree: OrgTree, *, out_dir: Path, seed: int, people: int, noise: float,
    start_month: str, labels: tuple[str, ...], files: dict[str, int],
) -> Manifest:  # fmt: skip
    """The manifest of a finished run."""
    return Manifest(
        out_dir=out_dir,
        seed=seed,
        people=people,
        register_rows=int(pop.order.size),
        inflow_people=int(pop.hh_inflow[pop.kin.household[pop.order]].sum()),
        households=int(np.unique(pop.kin.household[pop.order]).size),
        townships=len(tree.township_codes),
        villages=int(tree.village_codes.size),
        groups=int(tree.group_codes.size),
        county_code=tree.county_code,
        county_name=tree.county_name,
        snapshot_date=str(dates.iso(np.array([pop.ref]))[0]),
        start_month=start_month,
        months=labels,
        noise=noise,
        files=files,
    )
