"""The ensemble engine: many parameter points x replicates advanced at once on ``dynamics.step``.

The Mesa model runs one replicate at a time; here every run is a row of the same state arrays,
so a sweep of thousands of runs costs a few hundred numpy calls per week instead of thousands of
Python agent calls. There is no second copy of the dynamics: rows are stepped by the very
functions the Mesa agents call.

Parameter points are set row by row by dotted name (``params.fatigue.growth``,
``actors.ROK.mediation``, ``actors.ROK.interests.security``, ``clock.pandemic_weeks``) on arrays
compiled once from the base scenario, with the schema's ranges and integer checks, instead of
validating a pydantic scenario per run.

Seeds: run (point i, replicate j) of a sweep with base seed s gets :func:`run_seeds` (s, i, j),
a SplitMix64 hash of the three numbers, so a run's result never depends on how work is cut.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..core import week as dyn
from ..scenario.library import resolve_scenario, with_values
from ..scenario.schema import Actor, Clock, ConfigError, Interests, Params, Scenario

__all__ = [
    "METRICS",
    "TRACKED",
    "Ensemble",
    "EnsembleResult",
    "ParamSpec",
    "parameter_specs",
    "run_ensemble",
    "run_seeds",
]

#: Final scalar metrics kept for every run.
METRICS: tuple[str, ...] = ("cohesion", "effective_pressure", "us_isolation", "tension")
#: Variables recorded in trajectories (plus one commitment column per actor).
TRACKED = METRICS

# Rows advanced together. Beyond a few thousand rows numpy throughput is flat, and smaller
# blocks keep the working set in cache and memory bounded whatever the caller passes.
DEFAULT_BLOCK = 8192


# --------------------------------------------------------------------------- seeds

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * _M1
        x = x ^ (x >> np.uint64(27))
        x = x * _M2
        return x ^ (x >> np.uint64(31))


def run_seeds(base_seed: int, points: np.ndarray, replicates: np.ndarray) -> np.ndarray:
    """Seed of run (point i, replicate j): a pure function of (base seed, i, j), < 2**63.

    Chained SplitMix64 mixing, so neighbouring (i, j) give unrelated seeds; the result fits
    Mesa's non-negative integer ``rng`` so the same run can be replayed with CoalitionModel.
    """
    i = np.asarray(points, dtype=np.uint64)
    j = np.asarray(replicates, dtype=np.uint64)
    with np.errstate(over="ignore"):
        k = _mix(np.uint64(base_seed) * _GOLDEN + _GOLDEN)
        k = _mix(k ^ (i * _GOLDEN + _M1))
        k = _mix(k ^ (j * _GOLDEN + _M2))
    return (k >> np.uint64(1)).astype(np.uint64)


# --------------------------------------------------------------------------- parameter names


@dataclass(frozen=True)
class ParamSpec:
    """A settable numeric parameter: where it lives in ParamArrays and its schema range."""

    name: str  # canonical dotted name
    group: str  # ParamArrays attribute: a params group, 'clock' or 'actor'
    field: str
    column: int | None  # actor column for actor fields
    lo: float
    hi: float
    integer: bool
    default: float


def _bounds(model: type[BaseModel], name: str) -> tuple[float, float, bool]:
    f = model.model_fields[name]
    lo, hi = -np.inf, np.inf
    for meta in f.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    return float(lo), float(hi), f.annotation is int


def parameter_specs(scn: Scenario) -> dict[str, ParamSpec]:
    """Every numeric parameter of ``scn`` that a sweep may vary, by canonical dotted name."""
    specs: dict[str, ParamSpec] = {}
    for group, gfield in Params.model_fields.items():
        model = gfield.annotation
        values = getattr(scn.params, group)
        for name in model.model_fields:
            lo, hi, integer = _bounds(model, name)
            specs[f"params.{group}.{name}"] = ParamSpec(
                f"params.{group}.{name}", group, name, None, lo, hi, integer,
                float(getattr(values, name)),
            )  # fmt: skip
    for name in ("pandemic_weeks", "pandemic_narrowing", "election_horizon"):
        lo, hi, integer = _bounds(Clock, name)
        specs[f"clock.{name}"] = ParamSpec(
            f"clock.{name}", "clock", name, None, lo, hi, integer, float(getattr(scn.clock, name))
        )
    for col, actor in enumerate(scn.actors):
        for name in dyn._ACTOR_FIELDS:
            lo, hi, integer = _bounds(Actor, name)
            key = f"actors.{actor.id}.{name}"
            specs[key] = ParamSpec(
                key, "actor", name, col, lo, hi, integer, float(getattr(actor, name))
            )
        for name in dyn._INTEREST_FIELDS:
            lo, hi, integer = _bounds(Interests, name)
            key = f"actors.{actor.id}.interests.{name}"
            specs[key] = ParamSpec(
                key, "actor", name, col, lo, hi, integer, float(getattr(actor.interests, name))
            )
    return specs


def canonical_name(name: str, specs: Mapping[str, ParamSpec]) -> str:
    """``fatigue.growth`` -> ``params.fatigue.growth`` (as ``with_values`` accepts); unknown
    names raise :class:`ConfigError` naming a close match when there is one."""
    name = name.strip()
    for candidate in (name, f"params.{name}"):
        if candidate in specs:
            return candidate
    import difflib

    close = difflib.get_close_matches(name, list(specs), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else " (see 'python run.py params')"
    raise ConfigError(f"unknown parameter '{name}'{hint}")


def check_values(spec: ParamSpec, values: np.ndarray) -> np.ndarray:
    """Range and type checks the schema would apply, for a whole column at once."""
    v = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(v) | (v < spec.lo) | (v > spec.hi)
    if bad.any():
        x = v[np.flatnonzero(bad)[0]]
        raise ConfigError(
            f"parameter '{spec.name}' = {x:g} is out of range [{spec.lo:g}, {spec.hi:g}]"
        )
    if spec.integer and np.any(v != np.round(v)):
        x = v[np.flatnonzero(v != np.round(v))[0]]
        raise ConfigError(f"parameter '{spec.name}' must be a whole number, got {x:g}")
    return v


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
        cols = {} if points is None else {k: np.asarray(points[k]) for k in points}
        lengths = {len(np.atleast_1d(v)) for v in cols.values()}
        if len(lengths) > 1:
            raise ConfigError(f"parameter columns have different lengths: {sorted(lengths)}")
        n = lengths.pop() if lengths else (n_points or 1)
        if replicates < 1:
            raise ConfigError(f"replicates must be at least 1, got {replicates}")
        rows = np.repeat(np.arange(n), replicates)
        p = self.base.take(np.zeros(n, dtype=np.intp))
        touched: set[int] = set()
        for key, values in cols.items():
            spec = self.specs[canonical_name(key, self.specs)]
            v = check_values(spec, np.atleast_1d(values))
            arr = getattr(getattr(p, spec.group), spec.field)
            if spec.column is None:
                arr[:] = v
            else:
                arr[:, spec.column] = v
                if spec.field in dyn._INTEREST_FIELDS:
                    touched.add(spec.column)
        for col in sorted(touched):
            total = sum(getattr(p.actor, f)[:, col] for f in dyn._INTEREST_FIELDS)
            off = np.abs(total - 1.0) > 1e-6
            if off.any():
                raise ConfigError(
                    f"interest weights of actor '{self.actor_ids[col]}' must sum to 1 "
                    f"(point {int(np.flatnonzero(off)[0])} sums to {total[off][0]:.4g})"
                )
        return p.take(rows) if replicates > 1 else p

    @staticmethod
    def seeds(seed: int, n_points: int, replicates: int, first_point: int = 0) -> np.ndarray:
        """Seeds for points ``first_point ..`` x replicates, point-major (see :func:`run_seeds`)."""
        i = np.repeat(np.arange(first_point, first_point + n_points), replicates)
        j = np.tile(np.arange(replicates), n_points)
        return run_seeds(seed, i, j)

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
        yield 0, st
        for t in range(1, (steps or self.steps) + 1):
            dyn.step(st, p, self.structure, t, keys)
            yield t, st

    def run(
        self,
        p: dyn.ParamArrays,
        seeds: np.ndarray,
        steps: int | None = None,
        every: int = 0,
        actors: bool = True,
        counts: bool = False,
        block: int = DEFAULT_BLOCK,
    ) -> EnsembleResult:
        """Run every row to the end; keep final values and, if ``every`` > 0, trajectories
        at steps 0, every, 2*every, ... and the last step. Rows are independent, so cutting
        them into blocks changes nothing but memory."""
        seeds = np.asarray(seeds, dtype=np.uint64)
        steps = steps or self.steps
        finals, trajs = [], []
        for lo in range(0, p.n_rows, block):
            rows = np.arange(lo, min(lo + block, p.n_rows))
            sub = p.take(rows) if (lo > 0 or rows.size < p.n_rows) else p
            f, tr = self._run_block(sub, seeds[rows], steps, every, actors, counts)
            f.insert(0, "row", rows)
            finals.append(f)
            if tr is not None:
                tr.insert(0, "row", np.repeat(rows, tr.shape[0] // rows.size))
                trajs.append(tr)
        final = pd.concat(finals, ignore_index=True) if len(finals) > 1 else finals[0]
        traj = None
        if trajs:
            traj = pd.concat(trajs, ignore_index=True) if len(trajs) > 1 else trajs[0]
        return EnsembleResult(final, traj)

    def _snapshot(self, st: dyn.State, actors: bool) -> dict[str, np.ndarray]:
        out = {
            "cohesion": st.metrics["cohesion"].copy(),
            "effective_pressure": st.metrics["effective_pressure"].copy(),
            "us_isolation": st.metrics["us_isolation"].copy(),
            "tension": st.tension.copy(),
        }
        if actors:
            for k, a in enumerate(self.actor_ids):
                out[f"commitment_{a}"] = st.commitment[:, k].copy()
        return out

    def _run_block(
        self, p: dyn.ParamArrays, seeds: np.ndarray, steps: int, every: int, actors: bool,
        counts: bool,
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:  # fmt: skip
        snaps: list[tuple[int, dict[str, np.ndarray]]] = []
        st = None
        for t, st in self.iterate(p, seeds, steps):
            if every > 0 and (t % every == 0 or t == steps):
                snaps.append((t, self._snapshot(st, actors)))
        assert st is not None
        final: dict[str, Any] = dict(dyn.outcomes(st))
        final.update(self._snapshot(st, actors))
        if counts:
            for k, name in enumerate(dyn.EVENT_KINDS):
                final[f"n_{name}"] = st.counts[:, k].astype(np.int32)
        traj = None
        if snaps:
            r = p.n_rows
            data = {"step": np.repeat(np.array([t for t, _ in snaps], dtype=np.int32), r)}
            for key in snaps[0][1]:
                data[key] = np.concatenate([s[key] for _, s in snaps])
            traj = pd.DataFrame(data)
            # run-major order: all recorded steps of row 0, then row 1, ...
            order = np.arange(len(snaps) * r).reshape(len(snaps), r).T.ravel()
            traj = traj.iloc[order].reset_index(drop=True)
        return pd.DataFrame(final), traj


# --------------------------------------------------------------------------- convenience


def run_ensemble(
    scenario: Scenario | str | Path | None = None,
    n_replicates: int = 500,
    seed: int | None = None,
    steps: int | None = None,
    overrides: Mapping[str, float] | None = None,
    every: int = 1,
    posterior: Any = None,
) -> dict[str, Any]:
    """One parameter point, many replicates: what the browser UI shows as a distribution.

    Returns ``final`` (one row per replicate: outcome flags and final metrics),
    ``probabilities`` (outcome -> share of replicates), ``trajectories`` (long table, every
    ``every`` weeks; None if ``every`` is 0), ``seconds`` (wall time) and ``seeds``.

    With ``posterior`` (a calibration Parquet file or a loaded ``posterior.Posterior``) each
    replicate draws the fitted parameters from it, keyed by its seed (``overrides`` win), so
    the distribution carries parameter uncertainty.
    """
    start = time.perf_counter()
    ens = Ensemble(scenario, steps=steps)
    seed = ens.scenario.seed if seed is None else int(seed)
    values = {k: [v] for k, v in (overrides or {}).items()}
    p = ens.params(values, replicates=n_replicates)
    seeds = ens.seeds(seed, 1, n_replicates)
    if posterior is not None:
        from .posterior import Posterior, load_posterior

        post = posterior if isinstance(posterior, Posterior) else load_posterior(posterior)
        post.apply(p, ens, seeds, keep=list(overrides or {}))
    res = ens.run(p, seeds, every=every)
    probs = {name: float(res.final[name].mean()) for name in dyn.OUTCOMES}
    return {
        "final": res.final,
        "probabilities": probs,
        "trajectories": res.trajectories,
        "seeds": seeds,
        "seconds": time.perf_counter() - start,
    }
