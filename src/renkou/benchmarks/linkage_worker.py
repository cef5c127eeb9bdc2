"""One contender of ``renkou bench linkage`` in its own process.

``python -m renkou.benchmarks.linkage_worker CONTENDER COUNTY OUT.json [--model M.json]
[--repeat N] [--backend duckdb|spark]`` loads the county's register and first month of
feeds, runs the contender ``repeat`` times (wall: the median), scores the last result
against the truth files and writes a JSON result (``cpu_s``: the median CPU time of a
run, user + system over all the process's threads; a Spark JVM's is not in it). Each
contender runs in a fresh process so that its peak resident memory (VmHWM, which
includes the loaded register and feeds, identical for all) is its own and not inflated
by what an earlier contender left behind.

Contenders:
- ``exact_id``: normalised number equality only.
- ``cascade``: renkou's deterministic cascade alone (its passes once over all the feeds,
  as ``renkou reconcile`` runs them).
- ``renkou``: the cascade, then the stored model (``--model``) for the rest — the
  monthly reconciliation as ``renkou reconcile`` runs it.
- ``renkou_train``: trains renkou's model on this month and writes it to ``--model``.
- ``splink_standard``: Splink with its out-of-the-box comparison library on the same
  prepared columns (normalised number, simplified name, birth date, sex, village):
  ExactMatch on the number, NameComparison (Jaro-Winkler levels, term frequencies),
  DateOfBirthComparison, ExactMatch on sex and village; prior from the number, u by
  random sampling, m by EM; each feed subject linked to its best candidate at or above
  the same auto threshold renkou uses. Its wall time includes preparing the rows (the
  feed subjects' normalisation renkou does too, not renkou's cascade) and training
  (Splink's normal flow has no stored model); ``predict_s`` is the scoring alone.

``--backend spark`` runs renkou's monthly model run (``renkou``; training stays on DuckDB:
the stored parameters load on either backend) on a Spark session instead of in-process
DuckDB: local mode (``local[2]``) unless RENKOU_SPARK_MASTER names a cluster (a
standalone master ``spark://host:port``; RENKOU_SPARK_EXECUTOR_MEMORY as in renkou).
The session is started once per process before the runs (``spark_start_s``, not part of
the wall); the Spark driver is a JVM beside this Python process, so its own peak resident
set is reported as ``jvm_peak_rss_mib`` (VmHWM of the driver JVM, read before the session
stops; a cluster's executors are JVMs of their own, not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from renkou.linkage.cascade import (
    RESULT_SCHEMA,
    LinkResult,
    link_all,
    link_exact_only,
)
from renkou.linkage.evaluate import evaluate
from renkou.linkage.matcher import match
from renkou.linkage.model import (
    Backend,
    StoredModel,
    Thresholds,
    address_labels,
    feed_frame,
    register_frame,
    train,
)
from renkou.linkage.subjects import Subjects, subjects_of
from renkou.linkage.tables import Feed, Register

__all__ = ["CONTENDERS", "main"]

KINDS: Final = ("police", "birth_cert", "marriage", "pupil")
CONTENDERS: Final = ("exact_id", "cascade", "renkou", "renkou_train", "splink_standard")
AUTO: Final = Thresholds().auto


def _status_kib(field: str, pid: int | str = "self") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _cpu_s() -> float:
    """This process's CPU time so far (user + system, all threads: DuckDB's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load(county: Path) -> tuple[Register, list[Feed], dict[str, Path]]:
    month = sorted(p.name for p in (county / "feeds").iterdir() if p.is_dir())[0]
    register = Register.from_csv(county / "register.csv")
    feeds = [Feed.from_csv(county / "feeds" / month / f"{k}.csv", k) for k in KINDS]
    truths = {k: county / "truth" / month / f"{k}.csv" for k in KINDS}
    return register, feeds, truths


def _subjects_for_training(register: Register, feeds: Sequence[Feed]) -> list[tuple[Any, int]]:
    out: list[tuple[Any, int]] = []
    for f in feeds:
        s = subjects_of(f)
        out.extend((s, i) for i in range(len(s)) if not s.newborn[i])
    return out


# --- Splink with standard comparisons -----------------------------------------------------


def _standard_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.ExactMatch("id"),
            cl.NameComparison("name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("place"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id"),
            block_on("dob"),
            block_on("name", "place"),
        ],
        retain_matching_columns=True,
    )


def _splink_standard(
    register: Register, feeds: Sequence[Feed], timings: dict[str, float]
) -> list[LinkResult]:
    from splink import DuckDBAPI, Linker, block_on

    t0 = time.perf_counter()
    per_feed = [subjects_of(f) for f in feeds]  # the rows prepared as renkou's are
    subjects = [(s, i) for s in per_feed for i in range(len(s))]
    offsets = [0]
    for s in per_feed:
        offsets.append(offsets[-1] + len(s))
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    reg = register_frame(register, con)
    feed = feed_frame(subjects, address_labels(register), con)
    con.register("std_register", reg)
    con.register("std_feed", feed)
    linker = Linker(
        ["std_register", "std_feed"],
        _standard_settings(),
        db_api=DuckDBAPI(connection=con),
        input_table_aliases=["register", "feed"],
        set_up_basic_logging=False,
    )
    linker.training.estimate_probability_two_random_records_match([block_on("id")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name", "place"))
    t1 = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=AUTO)
    cols = "source_dataset_l, unique_id_l, unique_id_r, match_probability, id_l, id_r"
    sql = f"SELECT {cols} FROM {pred.physical_name}"  # noqa: S608 - Splink's own table
    rows = con.sql(sql).to_arrow_table()
    timings["train_s"] = round(t1 - t0, 3)
    timings["predict_s"] = round(time.perf_counter() - t1, 3)
    best: dict[int, tuple[float, int, bool]] = {}
    for r in rows.to_pylist():
        feed_left = r["source_dataset_l"] == "feed"
        sid = int(r["unique_id_l"] if feed_left else r["unique_id_r"])
        rid = int(r["unique_id_r"] if feed_left else r["unique_id_l"])
        p = float(r["match_probability"])
        if sid not in best or p > best[sid][0]:
            best[sid] = (p, rid, r["id_l"] is not None and r["id_l"] == r["id_r"])
    con.close()
    case_ids = register.table["case_id"].to_pylist()
    out: list[LinkResult] = []
    for f, (feed_obj, s) in enumerate(zip(feeds, per_feed, strict=True)):
        out.append(_table(feed_obj.kind, s, offsets[f], best, case_ids))
    return out


def _table(
    kind: str, s: Subjects, offset: int, best: dict[int, tuple[float, int, bool]],
    case_ids: list[str],
) -> LinkResult:  # fmt: skip
    cols: dict[str, list[Any]] = {name: [] for name in RESULT_SCHEMA.names}
    for i in range(len(s)):
        hit = best.get(offset + i)
        cols["kind"].append(kind)
        cols["row"].append(s.row[i])
        cols["side"].append(s.side[i])
        cols["person"].append(case_ids[hit[1]] if hit else None)
        cols["method"].append("splink_standard" if hit else None)
        cols["role"].append(s.side[i] if hit else None)
        valid = s.id_status[i] == "valid" and not s.newborn[i]
        cols["feed_id_valid"].append(valid)
        cols["id_agrees"].append(bool(hit and hit[2]))
        cols["evidence"].append(None)
        cols["probability"].append(hit[0] if hit else 0.0)
        cols["review"].append("")
    return LinkResult(pa.table(cols, schema=RESULT_SCHEMA))


# --- the worker ---------------------------------------------------------------------------


def _runner(
    contender: str, model_path: Path | None, timings: dict[str, float], backend: Backend
) -> Callable[[Register, list[Feed]], list[LinkResult]]:
    if contender == "exact_id":
        return lambda reg, feeds: [link_exact_only(reg, f) for f in feeds]
    if contender == "cascade":
        return link_all
    if contender == "renkou":
        if model_path is None:
            raise SystemExit("renkou needs --model")
        text = model_path.read_text(encoding="utf-8")
        # Loading the stored model is part of the monthly run.
        return lambda reg, feeds: match(
            reg, feeds, model=StoredModel.from_json(text), backend=backend
        )
    if contender == "splink_standard":
        return lambda reg, feeds: _splink_standard(reg, feeds, timings)
    raise SystemExit(f"unknown contender {contender}")


def _start(backend: str, extra: dict[str, Any]) -> Backend:
    """The backend of renkou's model; a Spark session is started here (timed apart)."""
    if backend == "duckdb":
        return Backend("duckdb")
    from renkou.linkage.spark import spark_session

    # The master (and a cluster's executor memory) as renkou reads them; not Django here.
    master = os.environ.get("RENKOU_SPARK_MASTER") or "local[2]"
    executor_memory = os.environ.get("RENKOU_SPARK_EXECUTOR_MEMORY") or "1g"
    t0 = time.perf_counter()
    spark = spark_session(master, "2g", executor_memory=executor_memory)
    spark.range(1).count()  # the JVM and the executors are up
    extra["spark_start_s"] = round(time.perf_counter() - t0, 3)
    extra["spark_master"] = master
    return Backend("spark", spark)


def _stop(backend: Backend, extra: dict[str, Any]) -> None:
    """Stop the Spark session, first noting the JVM's peak resident set."""
    if backend.spark is None:
        return
    from renkou.linkage.spark import spark_stop

    pid = backend.spark._jvm.java.lang.ProcessHandle.current().pid()
    extra["jvm_peak_rss_mib"] = round(_status_kib("VmHWM", pid) / 1024, 1)
    spark_stop(backend.spark)


def run(
    contender: str, county: Path, *, model: Path | None, repeat: int, backend: str = "duckdb"
) -> dict[str, Any]:
    """Load, run, score; the result dictionary (see the module docstring)."""
    t0 = time.perf_counter()
    register, feeds, truths = _load(county)
    load_s = time.perf_counter() - t0
    load_peak = _status_kib("VmHWM")
    extra: dict[str, Any] = {}
    engine = _start(backend if contender == "renkou" else "duckdb", extra)
    try:
        result = _run(
            contender, register, feeds, truths, model=model, repeat=repeat, engine=engine,
            load_s=load_s, load_peak=load_peak,
        )  # fmt: skip
    finally:
        _stop(engine, extra)
    return {**result, "backend": engine.name, **extra}


def _run(
    contender: str, register: Register, feeds: list[Feed], truths: dict[str, Path], *,
    model: Path | None, repeat: int, engine: Backend, load_s: float, load_peak: int,
) -> dict[str, Any]:  # fmt: skip
    if contender == "renkou_train":
        t1 = time.perf_counter()
        stored = train(register, _subjects_for_training(register, feeds), backend=engine)
        wall = time.perf_counter() - t1
        if model is None:
            raise SystemExit("renkou_train needs --model")
        model.write_text(stored.to_json(), encoding="utf-8")
        return {
            "name": contender, "wall_s": round(wall, 3), "load_s": round(load_s, 3),
            "peak_rss_mib": round(_status_kib("VmHWM") / 1024, 1),
            "load_peak_rss_mib": round(load_peak / 1024, 1), "summary": stored.summary,
        }  # fmt: skip
    timings: dict[str, float] = {}
    fn = _runner(contender, model, timings, engine)
    walls: list[float] = []
    cpus: list[float] = []
    phases: dict[str, list[float]] = {}
    results: list[LinkResult] = []
    for _ in range(repeat):
        c1, t1 = _cpu_s(), time.perf_counter()
        results = fn(register, feeds)
        walls.append(time.perf_counter() - t1)
        cpus.append(_cpu_s() - c1)
        for k, v in timings.items():
            phases.setdefault(k, []).append(v)
    timings = {k: round(statistics.median(v), 3) for k, v in phases.items()}
    peak = _status_kib("VmHWM")
    scores = evaluate(results, truths, register).as_dict()
    pending = sum(1 for r in results for v in r.table["review"].to_pylist() if v == "pending")
    return {
        "name": contender, "wall_s": round(statistics.median(walls), 3),
        "walls_s": [round(w, 3) for w in walls], "cpu_s": round(statistics.median(cpus), 3),
        "cpus_s": [round(c, 3) for c in cpus], "load_s": round(load_s, 3),
        "peak_rss_mib": round(peak / 1024, 1), "load_peak_rss_mib": round(load_peak / 1024, 1),
        "pending_review": pending, "register_rows": len(register), **timings, **scores,
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="renkou.benchmarks.linkage_worker")
    parser.add_argument("contender", choices=CONTENDERS)
    parser.add_argument("county", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--backend", choices=("duckdb", "spark"), default="duckdb")
    args = parser.parse_args(argv)
    result = run(
        args.contender, args.county, model=args.model, repeat=args.repeat, backend=args.backend
    )
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
