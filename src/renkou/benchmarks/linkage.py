"""``renkou bench linkage``: the exact-ID join and renkou's cascade on one synthetic county.

Both run in one process on the same loaded register and feeds (BENCHMARKS.md §1).
Wall time is the median of ``repeat`` runs. Memory is the process's resident set
(Linux /proc/self/status): before each phase the kernel's peak counter is reset
(``/proc/self/clear_refs`` ← "5"), and the phase reports its peak VmHWM minus the RSS
at its start, i.e. the extra memory the phase needed on top of what was already
resident (the loaded register and feeds). Where the reset is not available the
figure is the process's lifetime peak and is flagged as such.
The Splink comparison is not part of this build yet.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from renkou.linkage.cascade import LinkResult, link, link_exact_only
from renkou.linkage.evaluate import evaluate
from renkou.linkage.tables import Feed, Register

__all__ = ["KINDS", "run_linkage_bench"]

KINDS: Final = ("police", "birth_cert", "marriage", "pupil")
SPLINK_NOTE: Final = "Splink comparison not part of this build yet (Splink is not installed)."
_MIB: Final = 1024 * 1024


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _measure(fn: Callable[[], Any]) -> tuple[Any, float, dict[str, Any]]:
    """Run ``fn``; (its value, wall seconds, memory figures in MiB)."""
    reset = _reset_peak()
    start_rss = _status_kib("VmRSS") or 0
    t0 = time.perf_counter()
    value = fn()
    wall = time.perf_counter() - t0
    peak = _status_kib("VmHWM") or 0
    memory = {
        "rss_start_mib": round(start_rss / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_delta_mib": round((peak - start_rss) / 1024, 1),
        "peak_is_phase_local": reset,
    }
    return value, wall, memory


def _county(people: int, noise: float, seed: int, data: Path | None, work: Path) -> Path:
    if data is not None and (data / "register.csv").is_file():
        return data
    from renkou.synth import generate  # imported here: only needed when generating

    out = data if data is not None else work / "county"
    generate(people=people, seed=seed, out_dir=out, noise=noise, months=1)
    return out


def _month(county: Path) -> str:
    months = sorted(p.name for p in (county / "feeds").iterdir() if p.is_dir())
    if not months:
        raise RuntimeError(f"{county} has no feeds")
    return months[0]


def _run(
    name: str,
    fn: Callable[[Register, Feed], LinkResult],
    *,
    register: Register,
    feeds: list[Feed],
    truths: dict[str, Path],
    repeat: int,
) -> dict[str, Any]:
    walls: list[float] = []
    memory: dict[str, Any] = {}
    results: list[LinkResult] = []
    for _ in range(repeat):
        results, wall, mem = _measure(lambda: [fn(register, f) for f in feeds])
        walls.append(wall)
        memory = mem if not memory or mem["peak_delta_mib"] > memory["peak_delta_mib"] else memory
    scores = evaluate(results, truths, register).as_dict()
    return {"name": name, "wall_s": round(statistics.median(walls), 3),
            "walls_s": [round(w, 3) for w in walls], **memory, **scores}  # fmt: skip


def run_linkage_bench(
    *, people: int, noise: float = 1.0, seed: int = 2026, data: Path | None = None,
    repeat: int = 3,
) -> dict[str, Any]:  # fmt: skip
    """Generate (or reuse) a county, link its first month both ways, score and time it."""
    with tempfile.TemporaryDirectory(prefix="renkou-bench-linkage-") as tmp:
        t0 = time.perf_counter()
        county = _county(people, noise, seed, data, Path(tmp))
        generated_s = time.perf_counter() - t0
        month = _month(county)
        loaded, load_s, load_mem = _measure(
            lambda: (
                Register.from_csv(county / "register.csv"),
                [Feed.from_csv(county / "feeds" / month / f"{k}.csv", k) for k in KINDS],
            )
        )
        register, feeds = loaded
        truths = {k: county / "truth" / month / f"{k}.csv" for k in KINDS}
        common: dict[str, Any] = {"register": register, "feeds": feeds, "truths": truths,
                                  "repeat": repeat}  # fmt: skip
        runs = [
            _run("exact_id_join", link_exact_only, **common),
            _run("renkou_cascade", link, **common),
        ]
    base, ours = runs
    return {
        "people": people, "noise": noise, "seed": seed, "month": month,
        "register_rows": len(register), "feed_rows": sum(len(f) for f in feeds),
        "data": str(data) if data is not None else None,
        "generate_s": round(generated_s, 2), "load_s": round(load_s, 3), "load_memory": load_mem,
        "runs": runs,
        "ratios": {
            "cascade_vs_exact_wall": round(ours["wall_s"] / base["wall_s"], 2)
            if base["wall_s"] else None,
            "cascade_minus_exact_f1": round(ours["f1"] - base["f1"], 6),
        },
        "memory_note": "peak_delta_mib = peak VmHWM during the phase minus VmRSS at its start "
        "(peak counter reset per phase via /proc/self/clear_refs)",
        "splink": SPLINK_NOTE,
    }  # fmt: skip
