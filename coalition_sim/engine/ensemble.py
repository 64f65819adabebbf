"""The ensemble engine: many parameter points x replicates advanced at once by the compiled core.

The Mesa model runs one replicate at a time; here every run is a row of the same state arrays,
and one call of the compiled kernel (``core.week.advance``) loops over rows and weeks, so a
sweep of thousands of runs costs one Python call per block of rows instead of thousands of
agent calls per week. There is no second copy of the dynamics: the kernel runs the very
compiled phases the Mesa agents run for their own column.

Parameter points are set row by row by dotted name (``params.fatigue.growth``,
``actors.ROK.mediation``, ``actors.ROK.interests.security``, ``clock.pandemic_weeks``) on arrays
compiled once from the base scenario, with the schema's ranges and integer checks, instead of
validating a pydantic scenario per run.

Seeds: run (point i, replicate j) of a sweep with base seed s gets :func:`run_seeds` (s, i, j),
a SplitMix64 hash of the three numbers, so a run's result never depends on how work is cut.
"""

from __future__ import annotations

import numbers
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import events
from ..core import week as dyn
from ..core.rowrec import record_bytes
from ..core.streams import GOLDEN, M1, M2, mix
from ..core.warmup import prepare_ensemble
from ..scenario.library import resolve_scenario, scenario_file
from ..scenario.limits import MAX_ROWS, total_memory
from ..scenario.loading import ChainLink, ConfigError, chain_unchanged
from ..scenario.names import (
    INTEREST_FIELDS,
    canonical_name,
    check_values,
    parameter_specs,
    with_values,
)
from ..scenario.provenance import package_version
from ..scenario.schema import Scenario
from ..scenario.seeds import checked_seed, whole_number
from .results import EnsembleRun
from .tables import BlockLayout

__all__ = [
    "METRICS",
    "TRACKED",
    "Ensemble",
    "EnsembleResult",
    "EnsembleRun",
    "built_ensemble",
    "clear_built_ensembles",
    "run_ensemble",
    "run_seeds",
]

#: Final scalar metrics kept for every run.
METRICS: tuple[str, ...] = ("cohesion", "effective_pressure", "us_isolation", "tension")
#: Variables recorded in trajectories (plus one commitment column per actor).
TRACKED = METRICS

#: Bytes of replicate state advanced together by one kernel call (a block of rows): the
#: compiled kernel's speed does not depend on the block, and blocks keep the state's memory
#: bounded whatever the caller passes. 64 MiB is ~77,000 runs of a 4-actor scenario (864 bytes
#: a row) and ~650 of a 64-actor one. Most calls fit one block: joining blocks' tables copies
#: every output (at 8,192 rows a block, 10,000 runs with weekly trajectories spent 48 ms of a
#: 0.34 s call in that copy).
BLOCK_BYTES = 64 << 20


def block_rows(n_actors: int) -> int:
    """Rows of a block for ``n_actors`` actors (:data:`BLOCK_BYTES` of state, at least 256)."""
    return max(256, BLOCK_BYTES // record_bytes(n_actors))


# --------------------------------------------------------------------------- seeds


def run_seeds(base_seed: int, points: np.ndarray, replicates: np.ndarray) -> np.ndarray:
    """Seed of run (point i, replicate j): a pure function of (base seed, i, j), < 2**63.

    Chained SplitMix64 mixing, so neighbouring (i, j) give unrelated seeds; the result fits
    Mesa's non-negative integer ``rng`` so the same run can be replayed with CoalitionModel.
    """
    i = np.asarray(points, dtype=np.uint64)
    j = np.asarray(replicates, dtype=np.uint64)
    with np.errstate(over="ignore"):
        k = mix(np.asarray(np.uint64(base_seed) * GOLDEN + GOLDEN))
        k = mix(k ^ (i * GOLDEN + M1))
        k = mix(k ^ (j * GOLDEN + M2))
    return (k >> np.uint64(1)).astype(np.uint64)


# --------------------------------------------------------------------------- results


@dataclass
class EnsembleResult:
    """Outputs of a block of runs: final values per run and optional trajectories.

    ``final`` has one row per run (outcome flags, METRICS, ``commitment_<ID>``);
    ``trajectories`` (if recorded) has one row per (run, recorded step).
    """

    final: pd.DataFrame
    trajectories: pd.DataFrame | None = None


# --------------------------------------------------------------------------- the engine


class Ensemble:
    """A base scenario compiled once; parameter points become rows of its arrays.

    >>> ens = Ensemble("summit_2018")
    >>> p = ens.params({"params.fatigue.growth": [0.01, 0.05]}, replicates=3)  # 6 rows
    >>> res = ens.run(p, seeds=ens.seeds(seed=1, n_points=2, replicates=3))
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, steps: int | None = None):
        scn = resolve_scenario(scenario)
        if steps is not None:
            scn = with_values(scn, {"steps": steps})
        self.scenario = scn
        self.steps = scn.steps
        self.structure = dyn.Structure.from_scenario(scn)
        self.base = dyn.compile_params(scn, rows=1)
        self.specs = parameter_specs(scn)
        self.actor_ids = tuple(scn.actor_ids)
        self._layouts: dict[tuple[str, bool, bool], BlockLayout] = {}

    # ------------------------------------------------------------------ parameters
    def params(
        self,
        points: Mapping[str, Sequence[float] | np.ndarray] | pd.DataFrame | None = None,
        replicates: int = 1,
        n_points: int | None = None,
    ) -> dyn.ParamArrays:
        """ParamArrays with one row per (point, replicate), point-major.

        ``points`` maps dotted names to one value per point (a DataFrame works too); names
        not given keep the base scenario's value. Values are range-checked like the schema,
        and actors' interest weights must still sum to one.
        """
        cols = {} if points is None else {str(k): np.asarray(v) for k, v in points.items()}
        lengths = {len(np.atleast_1d(v)) for v in cols.values()}
        if len(lengths) > 1:
            raise ConfigError(f"parameter columns have different lengths: {sorted(lengths)}")
        n = lengths.pop() if lengths else (n_points or 1)
        if replicates < 1:
            raise ConfigError(f"replicates must be at least 1, got {replicates}")
        rows = np.repeat(np.arange(n), replicates)
        # one stored parameter set per point (the base's when no column is given), shared by
        # the point's replicates: memory per replicate is the state, not the parameters
        p = self.base.expand(np.zeros(n if cols else 1, dtype=np.intp))
        touched: set[int] = set()
        for key, values in cols.items():
            spec = self.specs[canonical_name(key, self.specs)]
            v = check_values(spec, np.atleast_1d(values))
            arr = getattr(getattr(p, spec.group), spec.field)
            if spec.column is None:
                arr[:] = v
            else:
                arr[:, spec.column] = v
                if spec.field in INTEREST_FIELDS:
                    touched.add(spec.column)
        for col in sorted(touched):
            total = sum(getattr(p.actor, f)[:, col] for f in INTEREST_FIELDS)
            off = np.abs(total - 1.0) > 1e-6
            if off.any():
                raise ConfigError(
                    f"interest weights of actor '{self.actor_ids[col]}' must sum to 1 "
                    f"(point {int(np.flatnonzero(off)[0])} sums to {total[off][0]:.4g})"
                )
        return p.take(rows if cols else np.zeros(n * replicates, dtype=np.intp))

    def shared_point(self, replicates: int) -> dyn.ParamArrays:
        """``params(replicates=replicates)`` without the copy: the replicates read the engine's
        own base set (the same values, so the same runs). Why: copying the ~150 arrays of the
        base is ~0.2 ms of a 100-replicate call, and a run only reads its parameters. For
        callers that do not edit the result (:func:`run_ensemble` without overrides or a
        posterior); an engine kept by :func:`built_ensemble` has a read-only base, so an
        edit raises instead of changing later runs."""
        if replicates < 1:
            raise ConfigError(f"replicates must be at least 1, got {replicates}")
        return self.base.take(np.zeros(replicates, dtype=np.intp))

    @staticmethod
    def seeds(seed: int, n_points: int, replicates: int, first_point: int = 0) -> np.ndarray:
        """Seeds for points ``first_point ..`` x replicates, point-major (see :func:`run_seeds`)."""
        i = np.repeat(np.arange(first_point, first_point + n_points), replicates)
        j = np.tile(np.arange(replicates), n_points)
        return run_seeds(seed, i, j)

    def value_of(self, name: str) -> float:
        """The value the compiled scenario gives a dotted parameter (its first stored row):
        the scenario's own, which for an actor's field is not the schema's default."""
        spec = self.specs[canonical_name(name, self.specs)]
        arr = np.asarray(getattr(getattr(self.base, spec.group), spec.field))
        return float(arr[0] if spec.column is None else arr[0, spec.column])

    # ------------------------------------------------------------------ running
    def iterate(
        self, p: dyn.ParamArrays, seeds: np.ndarray, steps: int | None = None
    ) -> Iterator[tuple[int, dyn.State]]:
        """Yield (t, state) at t = 0 (initial) and after each week: for step-by-step checks."""
        seeds = np.asarray(seeds, dtype=np.uint64)
        if seeds.shape != (p.n_rows,):
            raise ValueError(f"need one seed per row: {seeds.shape} seeds for {p.n_rows} rows")
        st = dyn.initial_state(p, self.structure)
        keys = dyn.make_keys(seeds)
        packed = dyn.pack(p)  # once: each week is one call of the compiled kernel
        yield 0, st
        for t in range(1, (steps or self.steps) + 1):
            dyn.advance(st, packed, self.structure, keys, t, t + 1)
            yield t, st

    def run(
        self,
        p: dyn.ParamArrays,
        seeds: np.ndarray,
        steps: int | None = None,
        every: int = 0,
        actors: bool = True,
        counts: bool = False,
        block: int | None = None,
    ) -> EnsembleResult:
        """Run every row to the end; keep final values and, if ``every`` > 0, trajectories
        at steps 0, every, 2*every, ... and the last step. Rows are independent, so cutting
        them into blocks (``block`` rows; default :func:`block_rows`) changes nothing but
        memory."""
        return self._run(p, seeds, steps, every, actors, counts, block)[0]

    def _run(
        self, p: dyn.ParamArrays, seeds: np.ndarray, steps: int | None, every: int,
        actors: bool, counts: bool, block: int | None = None,
    ) -> tuple[EnsembleResult, np.ndarray]:  # fmt: skip
        """:meth:`run`, and how many rows had each outcome (:data:`.events.OUTCOMES` order,
        int64), counted on the flag arrays before they become table columns (reading them
        back from the table cost :func:`run_ensemble` ~0.3 ms at 100 runs)."""
        prepare_ensemble()  # a first use on this machine compiles the kernel: say so
        seeds = np.asarray(seeds, dtype=np.uint64)
        steps = steps or self.steps
        block = block or block_rows(len(self.actor_ids))
        finals, trajs = [], []
        happened = np.zeros(len(events.OUTCOMES), dtype=np.int64)
        for lo in range(0, p.n_rows, block):
            rows = np.arange(lo, min(lo + block, p.n_rows))
            sub = p.take(rows) if (lo > 0 or rows.size < p.n_rows) else p
            f, tr, flags = self._run_block(sub, seeds[rows], rows, steps, every, actors, counts)
            happened += flags.sum(axis=1)
            finals.append(f)
            if tr is not None:
                trajs.append(tr)
        final = pd.concat(finals, ignore_index=True) if len(finals) > 1 else finals[0]
        traj = None
        if trajs:
            traj = pd.concat(trajs, ignore_index=True) if len(trajs) > 1 else trajs[0]
        return EnsembleResult(final, traj), happened

    def _layout(self, kind: str, actors: bool, counts: bool = False) -> BlockLayout:
        """The block layout of the final (``kind`` "final") or trajectory table, made once per
        engine and option (the engine may be shared by threads: a race builds it twice)."""
        key = (kind, actors, counts)
        got = self._layouts.get(key)
        if got is None:
            floats = (*METRICS, *(f"commitment_{a}" for a in self.actor_ids if actors))
            if kind == "final":
                names = ("row", *events.OUTCOMES, *floats)
                widths = [1, len(events.OUTCOMES), len(floats)]
                if counts:
                    names += tuple(f"n_{name}" for name in events.EVENT_KINDS)
                    widths.append(len(events.EVENT_KINDS))
            else:
                names, widths = ("row", "step", *floats), [1, 1, len(floats)]
            got = self._layouts[key] = BlockLayout(names, tuple(widths))
        return got

    @staticmethod
    def _reporters(st: dyn.State, out: np.ndarray) -> None:
        """The recorded variables (METRICS, then each actor's commitment while ``out`` has
        rows for them) of every row of ``st`` into ``out`` (variables, rows), copied: the
        order of the kernel's trajectory columns."""
        out[0] = st.metrics["cohesion"]
        out[1] = st.metrics["effective_pressure"]
        out[2] = st.metrics["us_isolation"]
        out[3] = st.tension
        if out.shape[0] > len(METRICS):
            out[len(METRICS) :] = st.commitment.T

    def _run_block(
        self, p: dyn.ParamArrays, seeds: np.ndarray, rows: np.ndarray, steps: int, every: int,
        actors: bool, counts: bool,
    ) -> tuple[pd.DataFrame, pd.DataFrame | None, np.ndarray]:  # fmt: skip
        """All weeks of a block (``rows`` of the caller's) in one call of the compiled
        kernel, which copies the recorded steps' reporters straight into one trajectory
        array. The tables are built from one array per dtype (:mod:`.tables`), column
        ``row`` first; also returns the outcome flags, (len(OUTCOMES), rows) bool."""
        packed = dyn.pack(p)  # once for the block: the state's measure and the kernel
        st = dyn.initial_state(p, self.structure, packed)
        keys = dyn.make_keys(seeds)
        r = p.n_rows
        n_vars = len(METRICS) + (len(self.actor_ids) if actors else 0)
        record_at = None
        values = None
        if every > 0:
            record_at = np.array(sorted({*range(every, steps + 1, every), steps}), dtype=np.int64)
            # (variable, row, recorded step): run-major once flattened, step 0 taken now
            values = np.empty((n_vars, r, record_at.size + 1))
            self._reporters(st, values[:, :, 0])
        # the kernel writes the recorded steps into columns 1.. of the table's own array
        if values is None:
            dyn.advance(st, packed, self.structure, keys, 1, steps + 1)
        else:
            dyn.advance(st, packed, self.structure, keys, 1, steps + 1, record_at, values, 1)
        floats = np.empty((n_vars, r))
        self._reporters(st, floats)
        flags = dyn.outcome_flags(st)
        blocks = [rows.reshape(1, r), flags, floats]
        if counts:
            blocks.append(np.ascontiguousarray(st.counts.T, dtype=np.int32))
        final = self._layout("final", actors, counts).frame(blocks, r)
        traj = None
        if values is not None and record_at is not None:
            n_at = record_at.size + 1
            at = np.concatenate([[0], record_at]).astype(np.int32)
            traj = self._layout("trajectories", actors).frame(
                [
                    np.repeat(rows, n_at).reshape(1, -1),
                    np.tile(at, r).reshape(1, -1),
                    values.reshape(n_vars, r * n_at),
                ],
                r * n_at,
            )
        return final, traj, flags


# --------------------------------------------------------------------------- built engines

#: Engines :func:`run_ensemble` keeps, least recently used dropped first. An engine of the
#: shipped scenarios takes ~110 KiB (its scenario, catalogue and one parameter set), so this
#: is a few MiB at most; building one costs ~1.1 ms CPU from a Scenario and ~2.2 ms from a
#: file, against ~6.9 ms for the rest of a 100-replicate, 104-week call.
BUILT_LIMIT = 32

_built: OrderedDict[tuple[Any, ...], tuple[tuple[ChainLink, ...] | None, Ensemble]] = OrderedDict()
_built_lock = threading.Lock()  # callers may be threads (a server, Dask's threaded workers)
_built_stats = {"hits": 0, "misses": 0}


def _content(scn: Scenario) -> bytes:
    """Every field of ``scn`` as bytes: pickle keeps floats to the bit (a JSON dump writes NaN
    and infinity alike as null), dates and enum members, so equal bytes mean equal content."""
    return pickle.dumps(scn.model_dump(), protocol=pickle.HIGHEST_PROTOCOL)


def built_ensemble(
    scenario: Scenario | str | Path | None = None, steps: int | None = None
) -> Ensemble:
    """``Ensemble(scenario, steps=steps)``, reused while what it was built from is unchanged.

    Why: building the engine (reading and validating the file, the catalogue of parameters,
    the base parameter arrays) is 14% of a 100-replicate :func:`run_ensemble` from a
    Scenario and 24% from a name, and scripts and services call it again and again with the
    same scenario. The key is
    content, never a name or an object's identity: a file (or name) is looked up by the file
    it resolves to now and reused only if that file and every file of its ``extends`` chain
    hold the very bytes that were parsed (:func:`.loading.chain_unchanged`); a ``Scenario``
    (mutable: pydantic models here are not frozen) by the bytes of its whole dump, and the
    engine keeps its own deep copy, so a later edit of the caller's object cannot reach it.
    The engine holds no run state (every run makes its state, and ``params`` copies the base
    set before editing it) and its base parameters are made read-only, so sharing it cannot
    carry anything from one call to the next. Anything unusual (another input type, a
    ``steps`` that is not a plain int, an unreadable file) is built the usual way, uncached,
    so errors are exactly those of :class:`Ensemble`.
    """
    if steps is not None and type(steps) is not int:
        return Ensemble(scenario, steps=steps)
    if type(scenario) is Scenario:
        return _built_from_object(scenario, steps)
    if scenario is None or isinstance(scenario, str | Path):
        return _built_from_file(scenario, steps)
    return Ensemble(scenario, steps=steps)


def _built_from_object(scenario: Scenario, steps: int | None) -> Ensemble:
    try:
        key: tuple[Any, ...] = ("object", steps, _content(scenario))
    except (
        TypeError,
        ValueError,
        AttributeError,
        pickle.PicklingError,
    ):  # not dumpable: no key, no reuse
        return Ensemble(scenario, steps=steps)
    with _built_lock:
        hit = _built.get(key)
        if hit is not None:
            _built.move_to_end(key)
            _built_stats["hits"] += 1
            return hit[1]
    own = scenario.model_copy(deep=True)
    ens = Ensemble(own, steps=steps)
    _keep(("object", steps, _content(own)), None, ens)  # keyed by what was built
    return ens


def _built_from_file(scenario: str | Path | None, steps: int | None) -> Ensemble:
    try:
        path = scenario_file(scenario)
    except (OSError, ValueError, ConfigError):  # the usual load raises it again
        return Ensemble(scenario, steps=steps)
    key = ("file", steps, str(path))
    with _built_lock:
        hit = _built.get(key)
    if hit is not None and hit[0] is not None and chain_unchanged(path, hit[0]):
        with _built_lock:
            if key in _built:
                _built.move_to_end(key)
            _built_stats["hits"] += 1
        return hit[1]
    record: list[ChainLink] = []
    ens = Ensemble(resolve_scenario(scenario, record=record), steps=steps)
    _keep(key, tuple(record), ens)
    return ens


def _keep(key: tuple[Any, ...], record: tuple[ChainLink, ...] | None, ens: Ensemble) -> None:
    """Store a freshly built engine; its base parameters become read-only first."""
    _freeze(ens.base)
    with _built_lock:
        _built_stats["misses"] += 1
        _built[key] = (record, ens)
        _built.move_to_end(key)
        while len(_built) > BUILT_LIMIT:
            _built.popitem(last=False)


def _freeze(obj: Any) -> None:
    """Make every array of a parameter record read-only (recursing into sub-records): an
    in-place edit of a shared engine's base would raise instead of reaching later calls."""
    for f in fields(obj):
        val = getattr(obj, f.name)
        if isinstance(val, np.ndarray):
            val.setflags(write=False)
        elif is_dataclass(val):
            _freeze(val)


def clear_built_ensembles() -> dict[str, int]:
    """Empty the engine cache of :func:`built_ensemble`; returns its hit and miss counts
    since the last clear (for tests and benchmarks)."""
    with _built_lock:
        out = {**_built_stats, "entries": len(_built)}
        _built.clear()
        _built_stats.update(hits=0, misses=0)
    return out


# --------------------------------------------------------------------------- convenience

#: The index of :func:`run_ensemble`'s outcome shares, built once (each Series gets a
#: shallow copy: renaming one cannot reach the next).
_OUTCOME_INDEX = pd.Index(list(events.OUTCOMES))


def trajectory_bytes(n_rows: int, steps: int, every: int, n_actors: int) -> int:
    """Bytes of the trajectory table of ``n_rows`` runs recorded every ``every`` weeks:
    rows x recorded steps (step 0, every ``every``-th and the last) x columns (``row``,
    ``step``, the METRICS, one commitment per actor) x 8 bytes."""
    if every <= 0:
        return 0
    recorded = 1 + steps // every + (1 if steps % every else 0)
    return n_rows * recorded * (2 + len(METRICS) + n_actors) * 8


#: The peak memory of a run with trajectories over the table's size: the blocks' tables and
#: their joined copy are held at once. Measured: 100,000 baseline replicates every week peaked
#: 1.56 GB above the idle process for a 0.84 GB table.
TRAJECTORY_PEAK = 2


def _check_trajectory_size(n_rows: int, steps: int, every: int, n_actors: int) -> None:
    """Refuse, before any work, a request whose trajectory table, held :data:`TRAJECTORY_PEAK`
    times over, exceeds the machine's physical memory: it would end in swapping or the
    kernel killing Python, not in a result."""
    table, have = trajectory_bytes(n_rows, steps, every, n_actors), total_memory()
    if have is not None and TRAJECTORY_PEAK * table > have:
        raise ConfigError(
            f"the trajectories of {n_rows:,} replicates x {steps} weeks every {every} would "
            f"need about {TRAJECTORY_PEAK * table / 2**30:,.1f} GiB at the peak (a "
            f"{table / 2**30:,.1f} GiB table), more than this machine's "
            f"{have / 2**30:,.1f} GiB of memory; use fewer replicates, a larger every, or every=0"
        )


def run_ensemble(
    scenario: Scenario | str | Path | None = None,
    n_replicates: int = 500,
    seed: int | None = None,
    steps: int | None = None,
    overrides: Mapping[str, float] | None = None,
    every: int = 1,
    posterior: Any = None,
) -> EnsembleRun:
    """One parameter point, many replicates: what the browser UI shows as a distribution.

    Returns an :class:`.results.EnsembleRun`: ``final`` (one row per replicate: outcome flags
    and final metrics), ``probabilities`` (outcome -> share of replicates, a Series),
    ``trajectories`` (long table, every ``every`` weeks; None if ``every`` is 0),
    ``seeds``, ``seconds`` (wall time), and ``to_xarray()`` (replicate x step x variable).

    With ``posterior`` (a calibration Parquet file or a loaded ``posterior.Posterior``) each
    replicate draws the fitted parameters from it, keyed by its seed (``overrides`` win), so
    the distribution carries parameter uncertainty.
    """
    start = time.perf_counter()
    # bad arguments are one-line ConfigErrors, as on the command line (README's API promise)
    whole_number(n_replicates, "n_replicates", 1)
    whole_number(every, "every", 0, unit="weeks")  # 0: no trajectories
    if n_replicates > MAX_ROWS:  # the command line's limit on runs held at once
        raise ConfigError(
            f"n_replicates must be at most {MAX_ROWS:,} (every replicate is held in memory), "
            f"not {n_replicates:,}; run more as a sweep (run_sweep), which writes as it goes"
        )
    if seed is not None:
        seed = checked_seed(seed)
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ConfigError(  # a list of 'key=value' texts ended in an AttributeError
            "overrides must be a mapping of parameter name to number, e.g. "
            f"{{'params.fatigue.growth': 0.1}}, not a {type(overrides).__name__}"
        )
    if steps is not None:  # 3.0 was taken as 3, True as 1 week (as n_replicates is not)
        whole_number(steps, "steps", 1, unit="weeks")
    for key, value in (overrides or {}).items():
        # True ran as 1.0 and '0.1' as 0.1: Mapping[str, float] means numbers
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ConfigError(f"override '{key}' = {value!r} is not a number")
    ens = built_ensemble(scenario, steps=steps)  # reused while its content is unchanged
    _check_trajectory_size(n_replicates, ens.steps, every, len(ens.actor_ids))
    seed = ens.scenario.seed if seed is None else int(seed)
    if overrides or posterior is not None:
        values = {k: [v] for k, v in (overrides or {}).items()}
        p = ens.params(values, replicates=n_replicates)
    else:
        p = ens.shared_point(n_replicates)
    seeds = ens.seeds(seed, 1, n_replicates)
    if posterior is not None:
        from .posterior import Posterior, file_digest, load_posterior

        post = posterior if isinstance(posterior, Posterior) else load_posterior(posterior)
        post.apply(p, ens, seeds, keep=list(overrides or {}))
    inputs = {
        "seed": int(seed), "n_replicates": int(n_replicates), "steps": int(ens.scenario.steps),
        "every": int(every), "overrides": {k: float(v) for k, v in (overrides or {}).items()},
        "posterior": None if posterior is None else (post.path or "a Posterior object"),
        "posterior_sha256": None if posterior is None or not post.path else file_digest(post.path),
        "version": package_version() or "unknown",
    }  # fmt: skip
    res, happened = ens._run(p, seeds, None, every, True, False)
    # the share of replicates with each outcome: the count (exact in float64) over the rows,
    # the very number a column's mean gives
    probs = pd.Series(happened / p.n_rows, index=_OUTCOME_INDEX.copy(), name="probability")
    return EnsembleRun(
        final=res.final,
        probabilities=probs,
        trajectories=res.trajectories,
        seeds=seeds,
        seconds=time.perf_counter() - start,
        scenario=ens.scenario.name,
        inputs=inputs,
    )
