"""Compile the core ahead of use, and tell whether it still needs compiling.

The first use of the compiled core on a machine compiles it (then it loads from the disk
cache, see :mod:`coalition_sim.core.jit`). :func:`warm_up` compiles, or loads, every kernel
any path needs (the ensemble kernel and the Mesa model's phase kernels) on a tiny model, with
the very argument types the real paths use, so a caller (the page at server start, ``make
run``) can do it up front and say so. :func:`needs_compile` is cheap: it reads the cache
index of every entry kernel, compiling nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..scenario.schema import Scenario
from . import kernels as K
from . import week as dyn

__all__ = ["ESTIMATE_SECONDS", "needs_compile", "warm_up"]

#: Cold compile of everything on a 2-core machine, wall seconds: 18 s for :func:`warm_up`
#: with an empty cache folder, the Mesa phases compiled in a helper process beside the
#: ensemble kernel (29 s one after the other; 47 s CPU before issue 20's compile work).
ESTIMATE_SECONDS = 20

_ENTRY = (
    K.advance_rows,
    K.measure_rows,
    K.observe_rows,
    K.decide_actor_rows,
    K.decide_role_rows,
    K.commit_rows,
    K.resolve_rows,
)


def _tiny() -> Scenario:
    """Three actors, a tie and no scenario file: the kernels' argument types are those of
    every scenario (they do not depend on the actors, ties or events)."""
    return Scenario.model_validate(
        {
            "name": "warm-up",
            "actors": [
                {"id": "US", "name": "leader", "role": "leader", "capability": 0.5},
                {"id": "KP", "name": "target", "role": "target"},
                {"id": "KR", "name": "member", "role": "member"},
            ],
            "ties": [{"a": "US", "b": "KR", "type": "treaty_ally", "strength": 0.8}],
        }
    )


def needs_compile() -> bool:
    """True when an entry kernel has no usable entry in the disk cache (stamp of this source).

    Also True when the cache is unreadable; never compiles anything."""
    for fn in _ENTRY:
        if fn.signatures:  # already compiled or loaded in this process
            continue
        cache = getattr(fn, "_cache", None)
        if cache is None:
            return True
        try:
            if not cache._cache_file._load_index():
                return True
        except Exception:  # a damaged index: the next use heals it by recompiling
            return True
    return False


def _parts() -> tuple[Callable[[], None], Callable[[], None]]:
    """The two independent halves of the warm-up, on one tiny model: the ensemble kernel, and
    the Mesa model's phase kernels (no compiled function of one is an entry of the other)."""
    scn = _tiny()
    struct = dyn.Structure.from_scenario(scn)
    p = dyn.compile_params(scn, rows=2)
    keys = dyn.make_keys(np.arange(2, dtype=np.uint64))

    def ensemble() -> None:
        st = dyn.initial_state(p, struct)
        dyn.advance(st, p, struct, keys, 1, 3, np.array([1, 2], dtype=np.int64))

    def mesa() -> None:
        st = dyn.initial_state(p, struct)
        pk = dyn.pack(p)
        ctx = dyn.observe(st, pk, struct, 1, keys)
        plan = dyn.decide_actors(st, ctx, pk, struct, np.array([0]))
        target = dyn.decide_target(st, ctx, pk, struct)
        leader = dyn.decide_leader(st, ctx, pk, struct)
        dyn.commit_actors(st, plan, np.array([0]))
        dyn.commit_target(st, target)
        dyn.commit_leader(st, leader)
        dyn.resolve_world(st, ctx, pk, struct)
        dyn.pull_weights(p, struct)

    return ensemble, mesa


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _helper() -> subprocess.Popen[bytes] | None:
    """A second process compiling the Mesa phases into the shared disk cache while this one
    compiles the ensemble kernel: numba compiles one function at a time in a process, and the
    two halves take about the same time. None when it would not help (one core, everything
    cached, no disk cache)."""
    if _cores() < 2 or os.environ.get("NUMBA_DISABLE_JIT", "0") == "1" or not needs_compile():
        return None
    root = str(Path(__file__).resolve().parents[2])  # the package's folder, first on the path
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "coalition_sim.core.warmup", "--part", "mesa"],
        env={**os.environ, "PYTHONPATH": path},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def warm_up(
    progress: Callable[[str, int, int], None] | None = None, parallel: bool = True
) -> float:
    """Compile (or load from the disk cache) every kernel of the core; returns the seconds it
    took. ``progress(stage, done, total)`` is called before each of the stages and at the end
    (``stage`` is a short phrase such as "ensemble kernel").

    With ``parallel`` (and two cores, and something to compile) the Mesa phases compile in a
    helper process at the same time (:func:`_helper`); this process then loads them from the
    cache. Should the helper fail, this process compiles them itself (with a warning)."""
    stages = ("ensemble kernel", "Mesa model phases")
    report = progress or (lambda stage, done, total: None)
    start = time.perf_counter()
    ensemble, mesa = _parts()
    helper = _helper() if parallel else None
    report(stages[0] + (" (and the Mesa phases beside it)" if helper else ""), 0, len(stages))
    ensemble()
    report(stages[1], 1, len(stages))
    if helper is not None:
        _, err = helper.communicate()
        if helper.returncode != 0:
            last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            warnings.warn(
                f"the warm-up's helper process failed (exit {helper.returncode}: {last[0]}); "
                "compiling the Mesa phases here",
                RuntimeWarning,
                stacklevel=2,
            )
    mesa()
    report("ready", len(stages), len(stages))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """``python -m coalition_sim.core.warmup [--if-needed]``: compile the core, saying so."""
    import argparse

    ap = argparse.ArgumentParser(description="Compile the model core ahead of use.")
    ap.add_argument("--if-needed", action="store_true", help="do nothing when already cached")
    ap.add_argument("--part", choices=("ensemble", "mesa"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.part:  # the helper of a parallel warm-up: one half, silently
        ensemble, mesa = _parts()
        (ensemble if args.part == "ensemble" else mesa)()
        return 0
    if args.if_needed and not needs_compile():
        return 0
    print(
        f">> preparing the model core: compiling it with numba (once per machine, about "
        f"{ESTIMATE_SECONDS} s on 2 cores; cached on disk)",
        file=sys.stderr,
        flush=True,
    )
    seconds = warm_up()
    print(f">> model core ready (compiled in {seconds:.0f} s)", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
