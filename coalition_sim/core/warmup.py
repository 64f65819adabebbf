"""Compile the core ahead of use, and tell whether it still needs compiling.

The first use of the compiled core on a machine compiles it (then it loads from the disk
cache, see :mod:`coalition_sim.core.jit`). :func:`warm_up` compiles, or loads, every kernel
any path needs (the ensemble kernel and the Mesa model's phase kernels) on a tiny model, with
the very argument types the real paths use, so a caller (the page at server start, ``make
run``) can do it up front and say so. :func:`needs_compile` is cheap: it reads the cache
index of every entry kernel, compiling nothing.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario.schema import Scenario
from . import kernels as K
from . import week as dyn
from .state import blank_state

__all__ = [
    "ESTIMATE_SECONDS",
    "MODEL_ESTIMATE_SECONDS",
    "announce",
    "needs_compile",
    "prepare_ensemble",
    "prepare_model",
    "warm_up",
    "warm_up_model",
]

#: Cold compile of everything on a 2-core machine, wall seconds: 18 s for :func:`warm_up`
#: with an empty cache folder, the Mesa phases compiled in a helper process beside the
#: ensemble kernel (29 s one after the other; 47 s CPU before issue 20's compile work).
ESTIMATE_SECONDS = 20
#: The same for the Mesa model's kernels alone (:func:`warm_up_model`), wall seconds.
MODEL_ESTIMATE_SECONDS = 13
#: The same for the ensemble engine's kernels alone (:func:`prepare_ensemble`): 16.6 s
#: (``benchmarks/bench_compile.py --paths ensemble``, README).
ENSEMBLE_ESTIMATE_SECONDS = 17

#: The Mesa model's entry kernels (what ``python run.py run`` and ``CoalitionModel`` use).
_MESA = (
    K.measure_rows,
    K.observe_rows,
    K.decide_actor_rows,
    K.decide_role_rows,
    K.commit_rows,
    K.resolve_rows,
)
#: Every entry kernel: the ensemble's and the Mesa model's.
_ENTRY = (K.advance_rows, *_MESA)
#: The ensemble engine's entry kernels (the week loop; the reporters of the initial state).
_ENSEMBLE = (K.advance_rows, K.measure_rows)


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


def needs_compile(entries: tuple[Any, ...] = _ENTRY) -> bool:
    """True when an entry kernel (of ``entries``; default all) has no usable entry in the
    disk cache (stamp of this source).

    Also True when the cache is unreadable; never compiles anything."""
    for fn in entries:
        # already compiled or loaded in this process (``overloads``, not ``signatures``:
        # numba builds that list anew on every read, 40 us, and run_ensemble asks every call)
        if fn.overloads:
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


def _parts() -> dict[str, Callable[[], None]]:
    """The warm-up's parts, each a tiny run compiling (or loading) some entry kernels with the
    real paths' argument types: "ensemble" (the ensemble kernel), "mesa-rows" (the Mesa
    model's state, observe, actor and commit kernels), "mesa-roles" (the target's and leader's
    decisions and the resolution: the costlier half) and "mesa" (both). Two processes may
    compile two parts at once into the shared disk cache (its data files are named by key,
    :class:`coalition_sim.core.jit.CheckedCache`); a function both parts need (the rules, the
    reporters' kernel behind the initial state) may be compiled by both, and either entry
    serves."""
    scn = _tiny()
    struct = dyn.Structure.from_scenario(scn)
    p = dyn.compile_params(scn, rows=2)
    keys = dyn.make_keys(np.arange(2, dtype=np.uint64))

    def ensemble() -> None:
        st = dyn.initial_state(p, struct)
        dyn.advance(st, p, struct, keys, 1, 3, np.array([1, 2], dtype=np.int64))

    def rows() -> None:
        st = dyn.initial_state(p, struct)
        pk = dyn.pack(p)
        ctx = dyn.observe(st, pk, struct, 1, keys)
        plan = dyn.decide_actors(st, ctx, pk, struct, np.array([0]))
        dyn.commit_actors(st, plan, np.array([0]))
        dyn.commit_target(st, dyn.TargetPlan(np.zeros((2, len(dyn.TARGET_FIELDS)))))
        dyn.pull_weights(p, struct)

    def roles() -> None:  # on the state table's initial values and a zero context
        st = blank_state(p)
        pk = dyn.pack(p)
        ctx = dyn.Context(
            step=1, values=np.zeros((2, len(dyn.CONTEXT_FIELDS))), packed=pk, keys=keys
        )
        dyn.decide_target(st, ctx, pk, struct)
        dyn.decide_leader(st, ctx, pk, struct)
        dyn.resolve_world(st, ctx, pk, struct)

    def mesa() -> None:
        rows()
        roles()

    return {"ensemble": ensemble, "mesa-rows": rows, "mesa-roles": roles, "mesa": mesa}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _helper(part: str, entries: tuple[Any, ...] = _ENTRY) -> subprocess.Popen[bytes] | None:
    """A second process compiling ``part`` into the shared disk cache while this one compiles
    another: numba compiles one function at a time in a process. None when it would not help
    (one core, ``entries`` all cached, no disk cache)."""
    if _cores() < 2 or os.environ.get("NUMBA_DISABLE_JIT", "0") == "1":
        return None
    if not needs_compile(entries):
        return None
    root = str(Path(__file__).resolve().parents[2])  # the package's folder, first on the path
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "coalition_sim.core.warmup", "--part", part],
        env={**os.environ, "PYTHONPATH": path},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


#: How many warm-ups run in this process now (a page server warms up in a thread of its own
#: while sessions build models): :func:`prepare_model` leaves the compiling to them.
_RUNNING = 0
_RUNNING_LOCK = threading.Lock()


def _running(delta: int) -> int:
    global _RUNNING
    with _RUNNING_LOCK:
        _RUNNING += delta
        return _RUNNING


@contextlib.contextmanager
def _warming() -> Iterator[None]:
    """A warm-up runs in this process for the block (counted for :func:`prepare_model`)."""
    _running(+1)
    try:
        yield
    finally:
        _running(-1)


def _split(
    here: str,
    there: str,
    entries: tuple[Any, ...],
    parallel: bool,
    report: Callable[[str, int, int], None],
    stages: tuple[str, str],
) -> float:
    """Part ``here`` in this process while a helper compiles part ``there``; then ``there``
    here too (loaded from the cache, or compiled here with a warning if the helper failed)."""
    start = time.perf_counter()
    with _warming():
        parts = _parts()
        helper = _helper(there, entries) if parallel else None
        report(stages[0] + (f" (and the {stages[1]} beside it)" if helper else ""), 0, 2)
        parts[here]()
        report(stages[1], 1, 2)
        if helper is not None:
            _, err = helper.communicate()
            if helper.returncode != 0:
                last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
                warnings.warn(
                    f"the warm-up's helper process failed (exit {helper.returncode}: "
                    f"{last[0]}); compiling the {stages[1]} here",
                    RuntimeWarning,
                    stacklevel=3,
                )
        parts[there]()
        report("ready", 2, 2)
    return time.perf_counter() - start


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress report."""


def warm_up(
    progress: Callable[[str, int, int], None] | None = None, parallel: bool = True
) -> float:
    """Compile (or load from the disk cache) every kernel of the core; returns the seconds it
    took. ``progress(stage, done, total)`` is called before each of the stages and at the end
    (``stage`` is a short phrase such as "ensemble kernel").

    With ``parallel`` (and two cores, and something to compile) the Mesa phases compile in a
    helper process at the same time (:func:`_helper`); this process then loads them from the
    cache. Should the helper fail, this process compiles them itself (with a warning)."""
    return _split(
        "ensemble", "mesa", _ENTRY, parallel, progress or _quiet,
        ("ensemble kernel", "Mesa model phases"),
    )  # fmt: skip


def warm_up_model(
    progress: Callable[[str, int, int], None] | None = None, parallel: bool = True
) -> float:
    """Compile (or load) the Mesa model's kernels only (what ``python run.py run`` needs),
    half of them in a helper process; returns the seconds it took."""
    return _split(
        "mesa-rows", "mesa-roles", _MESA, parallel, progress or _quiet,
        ("Mesa state, observation and actors", "Mesa roles and resolution"),
    )  # fmt: skip


def prepare_model() -> None:
    """For ``python run.py run`` and a new :class:`coalition_sim.abm.model.CoalitionModel`:
    when the Mesa model's kernels are not in the cache, compile them up front
    (:func:`warm_up_model`, half in a helper process), saying so on standard error, instead of
    inside the run's first week with no word of why. Cheap once they are loaded (nothing is
    read); does nothing while a warm-up runs in this process (it compiles them already) or
    with numba's compiler switched off."""
    if os.environ.get("NUMBA_DISABLE_JIT", "0") == "1" or _running(0):
        return
    if needs_compile(_MESA):
        announce("the model", MODEL_ESTIMATE_SECONDS)
        seconds = warm_up_model()
        print(f">> model ready (compiled in {seconds:.0f} s)", file=sys.stderr, flush=True)


def prepare_ensemble() -> None:
    """For the ensemble engine (``run_ensemble``, sweeps, comparisons, studies, the
    calibration): when its kernels are not in the cache, compile them up front in this
    process, saying so on standard error (15-25 s of silence before the first progress line,
    otherwise), so that the worker threads started next find them loaded. Cheap when they are
    cached or loaded (an index read at most); silent and idle while a warm-up runs in this
    process or with numba switched off."""
    if os.environ.get("NUMBA_DISABLE_JIT", "0") == "1" or _running(0):
        return
    if needs_compile(_ENSEMBLE):
        announce("the ensemble engine", ENSEMBLE_ESTIMATE_SECONDS)
        start = time.perf_counter()
        _parts()["ensemble"]()
        print(
            f">> ensemble engine ready (compiled in {time.perf_counter() - start:.0f} s)",
            file=sys.stderr, flush=True,
        )  # fmt: skip


def announce(what: str = "the model core", seconds: float = ESTIMATE_SECONDS) -> None:
    """Say on standard error that ``what`` is being compiled, once per machine, and about how
    long it takes."""
    print(
        f">> preparing {what}: compiling it with numba (once per machine, about "
        f"{seconds:.0f} s on 2 cores; cached on disk)",
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m coalition_sim.core.warmup [--if-needed]``: compile the core, saying so."""
    import argparse

    ap = argparse.ArgumentParser(description="Compile the model core ahead of use.")
    ap.add_argument("--if-needed", action="store_true", help="do nothing when already cached")
    parts = ("ensemble", "mesa", "mesa-rows", "mesa-roles")
    ap.add_argument("--part", choices=parts, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.part:  # the helper of a parallel warm-up: one part, silently
        _parts()[args.part]()
        return 0
    if args.if_needed and not needs_compile():
        return 0
    announce()
    seconds = warm_up()
    print(f">> model core ready (compiled in {seconds:.0f} s)", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
