"""Cold compile and warm load of the compiled core, every path a user meets first.

Each path runs in a fresh subprocess with its own compile cache folder (``NUMBA_CACHE_DIR``):
*cold* = an empty folder (what a fresh clone pays once per machine), *warm* = the same folder
again (every later process); imports are excluded. Wall and CPU seconds are both reported: on
a shared machine the CPU time is the figure that does not depend on the load (the wall time a
quiet 2-core machine shows is close to it: numba compiles on one thread). BLAS threads are
pinned to one; the load average is printed with the figures.

Paths:
  model    ``python run.py run`` on the baseline (the Mesa model: row kernels)
  ensemble ``run_ensemble`` (the ensemble kernel)
  compare  ``experiments.compare`` of two lever settings (what the page's Compare runs)
  mesa     ``CoalitionModel(...).run()`` (the Mesa model from Python)
  all      everything a page session meets: ``coalition_sim.core.jit.warm_up()``

Usage: python benchmarks/bench_compile.py [--paths model,ensemble,...] [--repeat N]
       [--src DIR]  (DIR: another checkout's root, e.g. a worktree of main, to compare)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PATHS = {
    "model": (
        "import subprocess, sys, tempfile\n"
        "from coalition_sim.cli.main import main\n"
        "d = tempfile.mkdtemp()\n"
        "assert main(['run', '--config', 'baseline', '--steps', '8', '--out', d + '/r',"
        " '--no-plot']) == 0\n"
    ),
    "ensemble": (
        "from coalition_sim.engine.ensemble import run_ensemble\n"
        "run_ensemble('baseline', n_replicates=20, steps=8, every=1)\n"
    ),
    "compare": (
        "from coalition_sim.experiments.compare import Policy, compare\n"
        "compare([Policy('a', {'params.summit.cooldown': 20}),"
        " Policy('b', {'params.summit.cooldown': 40})], 'baseline', replicates=10, seed=1,"
        " steps=8, n_boot=10)\n"
    ),
    "mesa": (
        "from coalition_sim.abm.model import CoalitionModel\n"
        "CoalitionModel('baseline', rng=1, steps=8).run()\n"
    ),
    "all": "from coalition_sim.core.jit import warm_up\nwarm_up()\n",
}


def _time(src: Path, code: str, cache: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``code`` in a fresh process (imports excluded); the CPU
    seconds include the processes it waited for (the parallel warm-up's helper)."""
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(cache),
        "PYTHONPATH": str(src),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONWARNINGS": "ignore",
    }
    prog = (
        "import resource, time\nimport coalition_sim.core.week\n"
        "def cpu():\n"
        "    kids = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "    return time.process_time() + kids.ru_utime + kids.ru_stime\n"
        "t0, c0 = time.perf_counter(), cpu()\n"
        f"{code}\nprint(time.perf_counter() - t0, cpu() - c0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", prog], env=env, cwd=src, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"path failed under {src}:\n{out.stderr[-3000:]}")
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", default="model,ensemble,compare,mesa")
    ap.add_argument("--repeat", type=int, default=1, help="cold/warm pairs per path")
    ap.add_argument("--src", action="append", default=[], help="checkout roots to compare")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    srcs = [Path(s).resolve() for s in args.src] or [ROOT]
    load0 = os.getloadavg()
    rows = []
    for rep in range(args.repeat):
        for name in args.paths.split(","):
            for src in srcs:  # interleaved: versions side by side under the same load
                with tempfile.TemporaryDirectory() as cache:
                    cold, cold_cpu = _time(src, PATHS[name], Path(cache))
                    warm, warm_cpu = _time(src, PATHS[name], Path(cache))
                rows.append(
                    {"path": name, "src": str(src), "rep": rep, "cold": cold, "warm": warm,
                     "cold_cpu": cold_cpu, "warm_cpu": warm_cpu}
                )  # fmt: skip
                print(
                    f"{name:9s} {src.name:12s} cold {cold:6.1f} s (CPU {cold_cpu:5.1f} s)   "
                    f"warm {warm:5.2f} s (CPU {warm_cpu:5.2f} s)",
                    flush=True,
                )
    load1 = os.getloadavg()
    print(f"\nmedians (load average {load0[0]:.2f} -> {load1[0]:.2f}, {os.cpu_count()} cores):")
    for name in args.paths.split(","):
        for src in srcs:
            sel = [r for r in rows if r["path"] == name and r["src"] == str(src)]
            med = {k: statistics.median(r[k] for r in sel) for k in sel[0] if k[0] in "cw"}
            print(
                f"  {name:9s} {src.name:12s} cold {med['cold']:6.1f} s (CPU {med['cold_cpu']:5.1f} s)"
                f"   warm {med['warm']:5.2f} s (CPU {med['warm_cpu']:5.2f} s)"
            )
    if args.json:
        args.json.write_text(json.dumps({"load": [load0, load1], "rows": rows}, indent=1))


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"(bench wall time {time.perf_counter() - t0:.0f} s)")
