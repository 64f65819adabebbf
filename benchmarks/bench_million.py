"""Benchmark: a sweep of 1,000,000 runs x 104 weeks keeping final outputs only.

1,000 parameter points (fatigue growth x ROK mediation) x 1,000 replicates of the baseline,
through the same code path as ``python run.py sweep`` (local worker processes, Parquet chunks
streamed to disk). Prints wall time, throughput and peak memory: the largest resident set of
this process, of any other process, and of the whole process tree sampled every 0.2 s
(resident and proportional set sizes) and the CPU seconds of the work (local workers are
threads of this process: its own CPU time, less the sampler's small share; on a cluster or
with worker processes, theirs).

    .venv/bin/python benchmarks/bench_million.py [--out DIR] [--workers N] [--points 1000] [--replicates 1000]
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

_TICK = os.sysconf("SC_CLK_TCK")


def _tree_kib(
    pid: int, cpu: dict[int, float] | None = None, biggest: list[int] | None = None
) -> tuple[int, int]:
    """(resident set, proportional set) of ``pid`` and all its descendants, from /proc (KiB);
    each process's CPU seconds so far go into ``cpu`` (pid -> seconds), the largest
    descendant's resident set into ``biggest[0]``.

    The resident sets double-count the pages processes share (the interpreter, numpy's and
    LLVM's libraries, loaded once by the kernel); the proportional set splits each shared
    page among its users, so its sum is what the process tree really occupies."""
    rss = pss = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                        if biggest is not None and p != pid:
                            biggest[0] = max(biggest[0], int(line.split()[1]))
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            if cpu is not None:
                with open(f"/proc/{p}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                cpu[p] = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return rss, pss


class PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_rss = self.peak_pss = 0
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds at its last sample
        self.biggest = [0]  # largest resident set of one descendant (KiB)
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.2):
            rss, pss = _tree_kib(me, self.cpu, self.biggest)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="output folder (default: a temporary one, removed)")
    ap.add_argument("--workers", type=int, help="default: chosen by the sweep from the work")
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
    child_rss = sampler.biggest[0] / 1024
    print(f"{rep.n_runs:,} runs x 104 weeks in {rep.n_chunks} chunks, {rep.workers_reason}")
    print(f"wall {wall:.1f} s, {rep.n_runs / wall:,.0f} runs/s, "
          f"{rep.n_runs * 104 / wall:,.0f} replicate-steps/s; dataset {size / 2**20:.1f} MiB, "
          f"{n:,} rows read back")  # fmt: skip
    tree_cpu = sum(v for pid, v in sampler.cpu.items() if pid != os.getpid())
    own = resource.getrusage(resource.RUSAGE_SELF)
    work_cpu = tree_cpu if tree_cpu > 0 else own.ru_utime + own.ru_stime
    print(
        f"CPU: this process {own.ru_utime + own.ru_stime:.1f} s (its worker threads and the "
        f"memory sampler), other processes {tree_cpu:.1f} s (each at its last 0.2 s sample); "
        f"{rep.n_runs * 104 / work_cpu:,.0f} replicate-steps per CPU second of the work"
    )
    print(
        f"peak RSS: main process {self_rss:.0f} MiB, largest other process {child_rss:.0f} MiB, "
        f"whole process tree {sampler.peak_rss / 1024:.0f} MiB resident (shared pages counted "
        f"once per process), {sampler.peak_pss / 1024:.0f} MiB proportional (sampled every 0.2 s)"
    )
    if tmp:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
