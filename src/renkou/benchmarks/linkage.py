"""``renkou bench linkage``: renkou's matcher, an exact-ID join and a standard Splink model
on one synthetic county (BENCHMARKS.md §1).

Every contender runs on the same generated files, each in its own fresh process
(renkou.benchmarks.linkage_worker): the process loads the register and the month's feeds
(identical work for all, reported as ``load_s``), runs the contender ``repeat`` times and
scores the result against the truth files. Wall time (and ``cpu_s``, the CPU time of a run
over all its threads) is the median of the runs, without
the load. Memory is the worker's peak resident set (VmHWM from /proc, cross-checked with
the ru_maxrss that wait4 reports to this parent): a fresh process per contender means no
contender pays for, or profits from, memory another left behind; ``load_peak_rss_mib`` is
the part all contenders share (the loaded register and feeds), so
``peak_rss_mib - load_peak_rss_mib`` is what the method itself needed.

``backend="spark"`` (``--backend spark``) runs renkou's monthly run (cascade + stored model)
with the model on a local Spark session (local[2]) instead of DuckDB; training (once, on
DuckDB: the stored parameters load on either backend) and the other contenders are
unchanged. Such a run also
reports ``spark_start_s`` (session start, once per process, not in the wall) and
``jvm_peak_rss_mib`` (the Spark driver JVM's own peak resident set, beside the Python
process's ``peak_rss_mib``).

renkou's model is trained once, first, in its own process (``renkou_train``, reported
but not part of the monthly wall: the stored model is reused month after month); the
``renkou`` contender loads the stored model and runs cascade + model as ``renkou
reconcile`` does. The standard Splink model has no stored model in its normal flow: its
wall time includes training, and ``predict_s`` is given separately for a like-for-like
view of scoring alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

__all__ = ["CONTENDERS", "KINDS", "run_linkage_bench"]

KINDS: Final = ("police", "birth_cert", "marriage", "pupil")
# Output name → worker contender.
CONTENDERS: Final = {
    "exact_id_join": "exact_id",
    "renkou_cascade": "cascade",
    "renkou": "renkou",
    "splink_standard": "splink_standard",
}


def _county(people: int, noise: float, seed: int, data: Path | None, work: Path) -> Path:
    if data is not None and (data / "register.csv").is_file():
        return data
    from renkou.synth import generate  # imported here: only needed when generating

    out = data if data is not None else work / "county"
    generate(people=people, seed=seed, out_dir=out, noise=noise, months=1)
    return out


def _worker(
    contender: str, county: Path, work: Path, model: Path, repeat: int, *, backend: str
) -> dict[str, Any]:
    """Run one contender in a fresh process; its JSON result plus the OS's peak RSS."""
    out = work / f"{contender}.json"
    cmd = [sys.executable, "-m", "renkou.benchmarks.linkage_worker", contender, str(county),
           str(out), "--model", str(model), "--repeat", str(repeat),
           "--backend", backend]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    log = work / f"{contender}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)  # noqa: S603
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    peak = round(usage.ru_maxrss / 1024, 1)
    if proc.returncode != 0 or not out.is_file():
        # One contender failing (Splink out of memory at 5M, say) is a result to report
        # beside the others', not a reason to lose theirs.
        tail = log.read_text(encoding="utf-8", errors="replace")[-1500:]
        return {"failed": f"exit status {proc.returncode}: {tail.strip()}", "os_maxrss_mib": peak}
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["os_maxrss_mib"] = peak
    return result


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def run_linkage_bench(
    *, people: int, noise: float = 1.0, seed: int = 2026, data: Path | None = None,
    repeat: int = 1, contenders: tuple[str, ...] = tuple(CONTENDERS), backend: str = "duckdb",
) -> dict[str, Any]:  # fmt: skip
    """Generate (or reuse) a county; train renkou's model; run and score every contender.
    ``backend`` is where renkou's monthly model run scores ("duckdb" or "spark"); training
    and the other contenders always run in-process."""
    if backend not in ("duckdb", "spark"):
        raise ValueError(f"unknown backend: {backend}")
    unknown = set(contenders) - set(CONTENDERS)
    if unknown:
        raise ValueError(f"unknown contenders: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="renkou-bench-linkage-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        county = _county(people, noise, seed, data, work)
        generated_s = time.perf_counter() - t0
        model = work / "model.json"
        train: dict[str, Any] | None = None
        if "renkou" in contenders:
            train = _worker("renkou_train", county, work, model, 1, backend="duckdb")
        runs = []
        for name in (n for n in CONTENDERS if n in contenders):
            if name == "renkou" and train is not None and "failed" in train:
                runs.append({"name": name, "failed": "training failed: " + train["failed"]})
                continue
            run = _worker(CONTENDERS[name], county, work, model, repeat, backend=backend)
            runs.append({**run, "name": name})
    by = {r["name"]: r for r in runs if "failed" not in r}
    ours, std = by.get("renkou", {}), by.get("splink_standard", {})
    casc, exact = by.get("renkou_cascade", {}), by.get("exact_id_join", {})
    first = next(iter(by.values()), {})
    return {
        "people": people, "noise": noise, "seed": seed, "backend": backend,
        "data": str(data) if data is not None else None,
        "register_rows": first.get("register_rows"), "feed_rows": first.get("rows"),
        "generate_s": round(generated_s, 2), "load_s": first.get("load_s"),
        "renkou_train": train, "runs": runs,
        "ratios": {
            "splink_standard_vs_renkou_wall": _ratio(std.get("wall_s"), ours.get("wall_s")),
            "splink_standard_predict_vs_renkou_wall": _ratio(
                std.get("predict_s"), ours.get("wall_s")
            ),
            "renkou_vs_cascade_wall": _ratio(ours.get("wall_s"), casc.get("wall_s")),
            "renkou_vs_exact_wall": _ratio(ours.get("wall_s"), exact.get("wall_s")),
            "cascade_vs_exact_wall": _ratio(casc.get("wall_s"), exact.get("wall_s")),
            "renkou_minus_splink_standard_f1": round(ours["f1"] - std["f1"], 6)
            if ours and std else None,
            "renkou_minus_exact_f1": round(ours["f1"] - exact["f1"], 6)
            if ours and exact else None,
        },
        "memory_note": "peak_rss_mib: the contender's own process (fresh per contender), "
        "including the loaded register and feeds (load_peak_rss_mib, the same for all); "
        "os_maxrss_mib: the same peak as wait4 reports it",
    }  # fmt: skip
