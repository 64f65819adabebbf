"""Benchmark: mesa.batch_run, the previous (numpy) engine and the compiled core, side by side.

One interleaved run: every round measures each engine once at each size, and the table gives
medians over rounds, so all three see the same machine load. Sizes are run counts of the
baseline scenario for 104 weeks (4 parameter points of ``params.fatigue.growth``):

* ``mesa.batch_run`` on ``CoalitionModel`` with 2 processes, at the like-for-like size only;
* the previous engine: the numpy ensemble engine of commit ``--previous`` (exported with
  ``git archive`` into a temporary folder), one process;
* the compiled core (this tree), one process.

Each engine measurement runs in a fresh child process with BLAS and numba threads pinned to 1
and the process pinned to one core, and is timed inside the child (imports, start-up and the
one-off compile excluded; the compile is reported separately, cold with an empty cache and
warm from the on-disk cache). Rates are replicate-steps per second (runs x weeks / s), per
wall second and per CPU second of the child (on a shared machine the CPU rate is the one that
does not depend on the load); peak memory is each child's maximum resident set.

    .venv/bin/python benchmarks/bench_ensemble.py [--rounds 3] [--sizes 100 10000 100000]
        [--no-batch-run] [--no-cold] [--public CALLS]

``--no-batch-run`` leaves out mesa.batch_run (minutes per round at 100 runs on a loaded
machine); ``--no-cold`` leaves out the cold-compile measurement (see bench_compile.py).

``--public CALLS`` times the whole public call instead, ``run_ensemble(scenario, 100,
steps=104)`` (building the engine, parameters, run, tables and outcome shares; what the UI and
a script pay per call), for a ``Scenario`` object and for a scenario name, alternating call by
call ``CALLS`` times in each child after a warm-up call of each, previous tree and this one in
alternate children: median CPU ms per call, medians over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "baseline"
STEPS = 104
GROWTH = [0.02, 0.04, 0.06, 0.08]  # the parameter points: params.fatigue.growth
SEED = 1234
#: Replicates of the public-call measurement (``--public``): the issue's 100-run target.
PUBLIC_RUNS = 100
#: The last commit of the numpy engine (the model revision's rules, before compilation).
PREVIOUS = "78d44af"
PINNED = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}


# --------------------------------------------------------------------------- child side


def _child(kind: str, runs: int) -> dict:
    """Run in a child process: time one engine at ``runs`` runs (after a warm-up call)."""
    import numpy as np

    t_import = time.perf_counter()
    from coalition_sim.engine.ensemble import Ensemble

    per_point = max(1, runs // len(GROWTH))
    out: dict = {}
    if kind == "batch_run":
        import mesa

        from coalition_sim.abm.model import CoalitionModel

        seeds = [int(s) for s in Ensemble.seeds(SEED, 1, per_point)]
        t0, c0 = time.perf_counter(), time.process_time()
        rows = mesa.batch_run(
            CoalitionModel,
            parameters={"scenario": SCENARIO, "steps": STEPS, "fatigue__growth": GROWTH},
            number_processes=2,
            rng=seeds,
            data_collection_period=-1,
            max_steps=STEPS,
            display_progress=False,
        )
        out["seconds"] = time.perf_counter() - t0
        out["cpu_seconds"] = time.process_time() - c0  # the parent's share only: 2 processes
        out["runs"] = len({r["RunId"] for r in rows})
    else:
        ens = Ensemble(SCENARIO, steps=STEPS)
        p = ens.params({"params.fatigue.growth": GROWTH}, replicates=per_point)
        seeds = ens.seeds(SEED, len(GROWTH), per_point)
        t0 = time.perf_counter()
        ens.run(p.take(np.arange(2)), seeds[:2])  # warm-up: compile or load compiled code
        out["first_call"] = time.perf_counter() - t0
        out["import"] = t0 - t_import
        t0, c0 = time.perf_counter(), time.process_time()
        res = ens.run(p, seeds)
        out["seconds"] = time.perf_counter() - t0
        out["cpu_seconds"] = time.process_time() - c0
        out["runs"] = len(res.final)
        out["checksum"] = float(res.final["effective_pressure"].sum())
    out["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if kind == "batch_run":
        out["max_rss_mib"] = max(
            out["max_rss_mib"], resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        )
    return out


def _public(calls: int) -> dict:
    """Run in a child: median CPU seconds of the public ``run_ensemble(x, 100, steps=104)``
    for a Scenario object and for its name, the two alternating call by call so that both
    see the same load. Repeated calls are the case measured: the UI and scripts call again
    with the same scenario (the first call of a process also loads the compiled core)."""
    from coalition_sim.engine.ensemble import run_ensemble
    from coalition_sim.scenario.library import resolve_scenario

    given = {"object": resolve_scenario(SCENARIO), "name": SCENARIO}
    for x in given.values():
        run_ensemble(x, PUBLIC_RUNS, steps=STEPS)  # warm-up: load the compiled core
    cpu: dict[str, list[float]] = {k: [] for k in given}
    for _ in range(calls):
        for kind, x in given.items():
            c0 = time.process_time()
            run_ensemble(x, PUBLIC_RUNS, steps=STEPS)
            cpu[kind].append(time.process_time() - c0)
    return {kind: statistics.median(v) for kind, v in cpu.items()}


def _small_ensemble() -> dict:
    """The UI's panel: one point x 500 replicates x 104 weeks through run_ensemble."""
    from coalition_sim.engine.ensemble import run_ensemble

    run_ensemble(SCENARIO, n_replicates=2, steps=STEPS, every=1)  # warm-up
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        run_ensemble(SCENARIO, n_replicates=500, steps=STEPS, every=1)
        times.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(times)}


# --------------------------------------------------------------------------- parent side


def _spawn(args: list[str], src: Path | None, cache: Path | None = None, pin: bool = True) -> dict:
    env = {**os.environ, **PINNED}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    if pin and hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", "0", *cmd] if _has_taskset() else cmd
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _has_taskset() -> bool:
    return subprocess.run(["which", "taskset"], capture_output=True).returncode == 0


def _export(rev: str, into: Path) -> Path:
    """The package as of commit ``rev``, exported into ``into`` (no checkout, no worktree)."""
    # pyproject.toml: newer trees find their configs through the checkout it marks
    has_pyproject = (
        subprocess.run(
            ["git", "cat-file", "-e", f"{rev}:pyproject.toml"], cwd=ROOT, capture_output=True
        ).returncode
        == 0
    )
    extra = ["pyproject.toml"] if has_pyproject else []
    archive = subprocess.run(
        ["git", "archive", rev, "coalition_sim", "configs", *extra],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000, 100_000])
    ap.add_argument("--previous", default=PREVIOUS, help="commit of the previous engine")
    ap.add_argument("--no-batch-run", action="store_true", help="leave out mesa.batch_run")
    ap.add_argument("--no-cold", action="store_true", help="leave out the cold compile")
    ap.add_argument("--public", type=int, metavar="CALLS", default=0,
                    help="time CALLS public run_ensemble calls per child instead")  # fmt: skip
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind = args.child[0]
        if kind == "small":
            result = _small_ensemble()
        elif kind == "public":
            result = _public(int(args.child[1]))
        else:
            result = _child(kind, int(args.child[1]))
        print(json.dumps(result))
        return
    if args.public > 0:
        _main_public(args.previous, args.rounds, args.public)
        return

    like = min(args.sizes)
    with tempfile.TemporaryDirectory(prefix="bench-ensemble-") as tmp:
        prev_src = _export(args.previous, Path(tmp) / "previous")
        cold = None if args.no_cold else _spawn(["compiled", "4"], None, Path(tmp) / "empty-cache")
        load0 = os.getloadavg()
        rows: dict[tuple[str, int], list[dict]] = {}
        for _ in range(args.rounds):
            if not args.no_batch_run:
                rows.setdefault(("batch_run", like), []).append(
                    _spawn(["batch_run", str(like)], None, pin=False)
                )
            for n in args.sizes:
                for kind, src in (("previous", prev_src), ("compiled", None)):
                    rows.setdefault((kind, n), []).append(_spawn([kind, str(n)], src))
        small = _spawn(["small"], None)

    def rate(kind: str, n: int, key: str = "seconds") -> float:
        got = rows[(kind, n)]
        return got[0]["runs"] * STEPS / statistics.median(r[key] for r in got)

    def rss(kind: str, n: int) -> float:
        return max(r["max_rss_mib"] for r in rows[(kind, n)])

    load1 = os.getloadavg()
    b = rate("batch_run", like) if not args.no_batch_run else None
    print(f"scenario {SCENARIO}, {STEPS} weeks, 4 points; medians of {args.rounds} interleaved "
          f"rounds; previous engine = {args.previous}; load average {load0[0]:.2f} -> "
          f"{load1[0]:.2f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"{'engine':<34}{'runs':>8}{'rep-steps/s':>14}{'per CPU s':>12}{'x batch_run':>13}"
          f"{'peak MiB':>10}")  # fmt: skip
    if b is not None:
        print(f"{'mesa.batch_run (2 processes)':<34}{like:>8}{b:>14,.0f}{'':>12}{1:>13,.0f}"
              f"{rss('batch_run', like):>10.0f}")  # fmt: skip
    for n in args.sizes:
        for kind, label in (("previous", "previous engine (1 process)"),
                            ("compiled", "compiled core (1 process)")):  # fmt: skip
            r, c = rate(kind, n), rate(kind, n, "cpu_seconds")
            versus = f"{r / b:>13,.0f}" if b is not None else f"{'':>13}"
            print(f"{label:<34}{n:>8}{r:>14,.0f}{c:>12,.0f}{versus}{rss(kind, n):>10.0f}")
        print(f"{'  compiled / previous':<34}{n:>8}{rate('compiled', n) / rate('previous', n):>13.2f}x"
              f"{rate('compiled', n, 'cpu_seconds') / rate('previous', n, 'cpu_seconds'):>11.2f}x")  # fmt: skip
    warm = statistics.median(r["first_call"] for r in rows[("compiled", like)])
    if cold is not None:
        print(f"compiled core: first call {cold['first_call']:.1f} s with an empty cache "
              f"(compile), {warm:.2f} s from the on-disk cache")  # fmt: skip
    print(f"500 replicates x {STEPS} weeks (run_ensemble, trajectories every week): "
          f"{small['seconds'] * 1000:.0f} ms")  # fmt: skip


def _main_public(previous: str, rounds: int, calls: int) -> None:
    """``--public``: the previous tree and this one in alternating children, ``rounds`` times."""
    got: dict[str, list[dict]] = {"previous": [], "this": []}
    with tempfile.TemporaryDirectory(prefix="bench-ensemble-") as tmp:
        prev_src = _export(previous, Path(tmp) / "previous")
        _spawn(["public", "1"], prev_src)  # the previous tree's compile, not timed
        load0 = Path("/proc/loadavg").read_text().split()[:3]
        for _ in range(rounds):
            for tree, src in (("previous", prev_src), ("this", None)):
                got[tree].append(_spawn(["public", str(calls)], src))
        load1 = Path("/proc/loadavg").read_text().split()[:3]
    print(f"public run_ensemble(x, {PUBLIC_RUNS}, steps={STEPS}), scenario {SCENARIO}: median "
          f"CPU ms per call over {calls} alternating calls per child, median of {rounds} "
          f"rounds; previous = {previous}; load average {' '.join(load0)} -> "
          f"{' '.join(load1)} on {os.cpu_count()} cores")  # fmt: skip
    print(f"{'tree':<22}{'given':>8}{'CPU ms':>9}{'rep-steps/CPU s':>17}  rounds (CPU ms)")
    for kind in ("object", "name"):
        for tree in ("previous", "this"):
            per = [r[kind] * 1000 for r in got[tree]]
            ms = statistics.median(per)
            label = previous if tree == "previous" else "this tree"
            spread = ", ".join(f"{x:.2f}" for x in per)
            print(f"{label:<22}{kind:>8}{ms:>9.2f}{PUBLIC_RUNS * STEPS / ms * 1000:>17,.0f}"
                  f"  {spread}")  # fmt: skip


if __name__ == "__main__":
    main()
