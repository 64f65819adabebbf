"""Instructions per replicate-week of the ensemble kernel, and of each phase of its week.

Timings on this shared 2-core machine move by 20-50% from one minute to the next; an
instruction count does not: ``valgrind --tool=callgrind`` counts the same total for the same
binary and inputs whatever else the machine does. This script counts the kernel's instructions
(the C library's ``exp`` and ``pow`` included) and, for each phase, the instructions the week
gains when that one call of ``advance_rows`` (``coalition_sim/core/kernels.py``) is made twice:
each phase reads the frozen state (the decisions) or updates it in place, so the second call
costs what the first does (for the phases that change the state, to within the branches the
changed state takes).

How each count is taken, in a copy of the tree (``git archive REV``) with its own compile
cache: the copy is compiled natively first (numba keys its cache on the processor's name and
features; both are pinned with ``NUMBA_CPU_NAME`` and ``NUMBA_CPU_FEATURES`` so that the run
under valgrind, which reports another processor, loads that code instead of compiling for a
generic one), then run under callgrind twice, advancing the week loop once and twice; the
difference of the two totals is one call of the kernel, so the interpreter's start-up and the
imports cancel out (``PYTHONHASHSEED`` fixed).

    .venv/bin/python benchmarks/count_phases.py [--rev HEAD] [--runs 1000] [--jobs 2]
        [--phases base,observe,...]

Needs valgrind (``apt-get install valgrind``). ~3 minutes per phase on one core.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEEKS = 104

#: Phase name -> the start of its call in ``advance_rows`` (each on a line of its own).
PHASES = {
    "observe": "observe_phase(0",
    "actors": "decide_actor(0",
    "target": "decide_target(0",
    "leader": "decide_leader(0",
    "commits": "commit_actor(0",
    "world": "forced = resolve_world(0",
    "summit": "summit_process(0",
    "drift": "resolve_drift(0",
}

_CHILD = """
import sys
import numpy as np
from coalition_sim.core import week as dyn
from coalition_sim.engine.ensemble import Ensemble
runs, times = int(sys.argv[1]), int(sys.argv[2])
ens = Ensemble("baseline", steps={weeks})
p = ens.params(replicates=runs)
keys = dyn.make_keys(ens.seeds(1234, 1, runs))
packed = dyn.pack(p)
for _ in range(times):
    st = dyn.initial_state(p, ens.structure)
    dyn.advance(st, packed, ens.structure, keys, 1, {weeks} + 1)
"""


def _twice(tree: Path, phase: str) -> None:
    """Make the phase's call in ``advance_rows`` twice (the line repeated)."""
    path = tree / "coalition_sim" / "core" / "kernels.py"
    text = path.read_text()
    start = text.index("def advance_rows")
    at = text.index(PHASES[phase], start)
    first = text.rindex("\n", 0, at) + 1
    end = text.index("\n", at) + 1
    path.write_text(text[:end] + text[first:end] + text[end:])


def _features() -> tuple[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", "import llvmlite.binding as ll; print(ll.get_host_cpu_name());"
         " print(ll.get_host_cpu_features().flatten())"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    # valgrind does not decode AVX-512 (it stops with SIGILL): count code compiled without it,
    # for the nearest processor it knows (Zen 4 -> Zen 3); compare counts of one processor
    features = ",".join(
        "-" + f[1:] if f[1:].startswith(("avx512", "amx")) else f for f in out[1].split(",")
    )
    return {"znver4": "znver3"}.get(out[0], out[0]), features


def _total(log: str) -> int:
    found = re.search(r"Collected : (\d+)", log)
    if found is None:
        raise RuntimeError("callgrind printed no total:\n" + log[-2000:])
    return int(found.group(1))


def count(rev: str, phase: str, runs: int, cpu: tuple[str, str]) -> int:
    """Instructions of one kernel call (``runs`` rows x 104 weeks) on tree ``rev``, with
    ``phase`` made twice unless it is ``base``."""
    with tempfile.TemporaryDirectory(prefix=f"phases-{phase}-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        if phase != "base":
            _twice(tree, phase)
        child = tree / "count_child.py"
        child.write_text(_CHILD.format(weeks=WEEKS))
        env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_CACHE_DIR=str(Path(tmp) / "cache"),
                   NUMBA_CPU_NAME=cpu[0], NUMBA_CPU_FEATURES=cpu[1], PYTHONHASHSEED="0",
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")  # fmt: skip
        subprocess.run([sys.executable, str(child), "10", "1"], env=env, cwd=tree, check=True)
        totals = []
        for times in (1, 2):
            done = subprocess.run(
                ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                 sys.executable, str(child), str(runs), str(times)],
                env=env, cwd=tree, capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(
                    f"{phase}: the child failed under valgrind:\n{done.stderr[-2000:]}"
                )
            totals.append(_total(done.stderr))
        return totals[1] - totals[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default="HEAD", help="the commit to count (default HEAD)")
    ap.add_argument("--runs", type=int, default=1000, help="rows of the kernel call")
    ap.add_argument("--jobs", type=int, default=2, help="counts run side by side")
    ap.add_argument("--phases", default="base," + ",".join(PHASES),
                    help="base and/or: " + ",".join(PHASES))  # fmt: skip
    args = ap.parse_args()
    phases = [p for p in args.phases.split(",") if p]
    unknown = sorted(set(phases) - set(PHASES) - {"base"})
    if unknown or args.runs < 1 or args.jobs < 1:
        print(f"count_phases: unknown phase(s) {unknown}; allowed: base, {', '.join(PHASES)}"
              if unknown else "count_phases: --runs and --jobs must be at least 1", file=sys.stderr)  # fmt: skip
        return 2
    if "base" not in phases:
        phases.insert(0, "base")
    cpu = _features()
    with ThreadPoolExecutor(args.jobs) as pool:
        found = dict(
            zip(
                phases,
                pool.map(lambda ph: count(args.rev, ph, args.runs, cpu), phases),
                strict=True,
            )
        )
    per = args.runs * WEEKS
    base = found["base"] / per
    print(
        f"tree {args.rev}, baseline scenario, {args.runs} rows x {WEEKS} weeks, processor {cpu[0]}"
    )
    print(f"{'part':<10} {'instructions / replicate-week':>30} {'share':>7}")
    print(f"{'week':<10} {base:>30,.0f} {1:>7.0%}")
    for ph in phases[1:]:
        extra = found[ph] / per - base
        print(f"{ph:<10} {extra:>30,.0f} {extra / base:>7.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
