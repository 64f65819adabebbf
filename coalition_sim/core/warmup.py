"""Compile the core ahead of use, and tell whether it still needs compiling.

The first use of the compiled core on a machine compiles it (then it loads from the disk
cache, see :mod:`coalition_sim.core.jit`). :func:`warm_up` compiles, or loads, every kernel
any path needs (the ensemble kernel and the Mesa model's phase kernels) on a tiny model, with
the very argument types the real paths use, so a caller (the page at server start, ``make
run``) can do it up front and say so. :func:`needs_compile` is cheap: it reads the cache
index of every entry kernel, compiling nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..scenario.schema import Scenario
from . import kernels as K
from . import week as dyn

__all__ = ["ESTIMATE_SECONDS", "needs_compile", "warm_up"]

#: Rough cold compile time of everything on a 2-core machine: 28.5 s CPU (42 s wall at load
#: average 5) for :func:`warm_up` with an empty cache folder, after issue 20's compile work
#: (it was 47 s CPU: ensemble kernel 27.7 s + Mesa phase kernels 19.4 s).
ESTIMATE_SECONDS = 30

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


def warm_up(progress: Callable[[str, int, int], None] | None = None) -> float:
    """Compile (or load from the disk cache) every kernel of the core; returns the seconds it
    took. ``progress(stage, done, total)`` is called before each of the stages and at the end
    (``stage`` is a short phrase such as "ensemble kernel")."""
    stages = ("ensemble kernel", "Mesa model phases")
    report = progress or (lambda stage, done, total: None)
    start = time.perf_counter()
    scn = _tiny()
    struct = dyn.Structure.from_scenario(scn)
    p = dyn.compile_params(scn, rows=2)
    keys = dyn.make_keys(np.arange(2, dtype=np.uint64))
    report(stages[0], 0, len(stages))
    st = dyn.initial_state(p, struct)
    dyn.advance(st, p, struct, keys, 1, 3, np.array([1, 2], dtype=np.int64))
    report(stages[1], 1, len(stages))
    st = dyn.initial_state(p, struct)
    pk = dyn.pack(p)
    ctx = dyn.observe(st, pk, struct, 1, keys)
    plan = dyn.decide_actors(st, ctx, pk, struct, np.array([0]))
    target, leader = dyn.decide_target(st, ctx, pk, struct), dyn.decide_leader(st, ctx, pk, struct)
    dyn.commit_actors(st, plan, np.array([0]))
    dyn.commit_target(st, target)
    dyn.commit_leader(st, leader)
    dyn.resolve_world(st, ctx, pk, struct)
    dyn.pull_weights(p, struct)
    report("ready", len(stages), len(stages))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """``python -m coalition_sim.core.warmup [--if-needed]``: compile the core, saying so."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="Compile the model core ahead of use.")
    ap.add_argument("--if-needed", action="store_true", help="do nothing when already cached")
    args = ap.parse_args(argv)
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
