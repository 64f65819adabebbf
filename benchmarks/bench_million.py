"""Benchmark: a sweep of 1,000,000 runs x 104 weeks keeping final outputs only.

1,000 parameter points (fatigue growth x ROK mediation) x 1,000 replicates of the baseline,
through the same code path as ``python run.py sweep`` (local worker processes, Parquet chunks
streamed to disk). Prints wall time, throughput and peak memory: the largest resident set of
this process, of any worker, and of the whole process tree sampled every 0.2 s.

    .venv/bin/python benchmarks/bench_million.py [--out DIR] [--workers N] [--runs-scale 1.0]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

from coalition_sim.experiments.sweep import SweepSpec, read_runs, run_sweep


def _tree_rss_kib(pid: int) -> int:
    """Resident set of ``pid`` and all its descendants, from /proc (KiB)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


class PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.2):
            self.peak = max(self.peak, _tree_rss_kib(me))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="output folder (default: a temporary one, removed)")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--points", type=int, default=1000, help="parameter points (40 x points/40)")
    ap.add_argument("--replicates", type=int, default=1000)
    args = ap.parse_args()

    n_growth = 40
    n_med = max(1, args.points // n_growth)
    spec = SweepSpec.model_validate(
        {
            "name": "million",
            "scenario": "baseline",
            "steps": 104,
            "replicates": args.replicates,
            "seed": 1,
            "design": {"kind": "factorial"},
            "parameters": [
                {"name": "params.fatigue.growth", "min": 0.0, "max": 0.2, "num": n_growth},
                {"name": "actors.ROK.mediation", "min": 0.0, "max": 1.0, "num": n_med},
            ],
            "outputs": {"every": 0},
        }
    )
    tmp = None
    out = args.out
    if out is None:
        tmp = tempfile.mkdtemp(prefix="bench-million-")
        out = Path(tmp) / "sweep"
    sampler = PeakSampler()
    sampler.start()
    t0 = time.perf_counter()
    rep = run_sweep(spec, out, workers=args.workers)
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    n = len(read_runs(out, columns=["point"]))
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{rep.n_runs:,} runs x 104 weeks in {rep.n_chunks} chunks with {args.workers} workers")
    print(f"wall {wall:.1f} s, {rep.n_runs / wall:,.0f} runs/s, "
          f"{rep.n_runs * 104 / wall:,.0f} replicate-steps/s; dataset {size / 2**20:.1f} MiB, "
          f"{n:,} rows read back")  # fmt: skip
    print(
        f"peak RSS: main process {self_rss:.0f} MiB, largest worker {child_rss:.0f} MiB, "
        f"whole process tree {sampler.peak / 1024:.0f} MiB (sampled every 0.2 s)"
    )
    if tmp:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
