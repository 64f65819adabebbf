"""Calibration against the 2016-2018 record by approximate Bayesian computation (rejection).

Why ABC: the model's likelihood is intractable (a stochastic weekly process with mode
switches), but simulating is cheap on the ensemble engine, so we draw candidate parameter
points from uniform priors (a scrambled Sobol design, ``scipy.stats.qmc``, explicit seed),
simulate every candidate ``K`` times from both history starts as rows of one ensemble, score
each by a stated distance to the record and keep the closest quantile as the posterior
sample (Pritchard et al. 1999; optional local-linear regression adjustment of Beaumont,
Zhang and Balding 2002).

Distance of a candidate (``DISTANCE`` below says the same in words, and ``fit.json`` stores it):

    d = sum over count statistics   ((mean simulated weeks - observed) / sqrt(max(observed, 1)))**2
      + sum over binary facts       -2 log(max(simulated share of runs with the fact, 1 / (K + 1)))

The targets (facts, how each maps to a statistic, priors and ABC settings) live in a TOML
file (``configs/calibration/targets.toml``), never in code.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import events
from ..core import week as dyn
from ..engine.ensemble import Ensemble
from ..engine.progress import Progress
from ..engine.runner import compiled, run_tasks
from ..scenario.loading import ConfigError
from .distance import DISTANCE, distance, prior_design
from .scenario_file import write_point_scenario
from .targets import EVENTS, Targets
from .windows import coalition_commitment, year_steps

__all__ = [
    "DISTANCE",
    "CalibrationResult",
    "Targets",
    "calibrate",
    "distance",
    "prior_design",
    "simulate",
    "statistic_values",
    "tightening",
    "write_fitted_scenario",
]

_EVENTS = EVENTS
_NEVER = np.iinfo(np.int32).max


# --------------------------------------------------------------------------- design


# --------------------------------------------------------------------------- simulation


def _run_rows(
    ens: Ensemble, names: Sequence[str], theta: np.ndarray, replicates: int, seeds: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-run statistics (rows point-major): weeks with each test per year, and the steps of
    the first cancellation, first held summit and first revival."""
    scn = ens.scenario
    cols = {name: theta[:, k] for k, name in enumerate(names)}
    p = ens.params(cols, replicates=replicates)
    years = range(scn.start_date.year, scn.date_of(scn.steps).year + 1)
    bounds = {
        y: year_steps(scn, y) for y in years if year_steps(scn, y)[0] <= year_steps(scn, y)[1]
    }
    idx = {
        e: events.EVENT_INDEX[e]
        for e in (*_EVENTS, "summit_held", "summit_cancelled", "summit_revived")
    }
    snap: dict[int, np.ndarray] = {}
    marks = {t for (a, b) in bounds.values() for t in (a - 1, b)}
    first = {
        e: np.full(p.n_rows, _NEVER, dtype=np.int32)
        for e in ("summit_held", "summit_cancelled", "summit_revived")
    }
    for t, st in ens.iterate(p, seeds):
        if t in marks:
            snap[t] = st.counts[:, [idx[e] for e in _EVENTS]].copy()
        for e, arr in first.items():
            hit = (arr == _NEVER) & (st.counts[:, idx[e]] > 0)
            arr[hit] = t
    out: dict[str, np.ndarray] = {}
    for y, (a, b) in bounds.items():
        d = snap[b] - snap[a - 1]
        for k, e in enumerate(_EVENTS):
            out[f"{e}_{y}"] = d[:, k]
        for e, arr in first.items():
            out[f"first_{e}_{y}"] = np.where((arr >= a) & (arr <= b), arr, _NEVER)
    return out


def facts_of(rows: dict[str, np.ndarray], year: int) -> dict[str, np.ndarray]:
    """Binary facts per run for ``year`` from the first-event steps."""
    held = rows[f"first_summit_held_{year}"]
    canc = rows[f"first_summit_cancelled_{year}"]
    rev = rows[f"first_summit_revived_{year}"]
    return {
        "summit_held": held < _NEVER,
        "cancelled_before_held": (canc < held) & (held < _NEVER),
        "summit_revived": rev < _NEVER,
    }


def simulate(
    targets: Targets, theta: np.ndarray, replicates: int, seed: int, first_point: int = 0,
    per_run: bool = False,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Summary of every statistic per candidate (mean weeks or share of runs), shape (n,).

    Candidate ``first_point + i``, replicate ``j`` of scenario number ``s`` gets the seed
    ``run_seeds(seed + s, first_point + i, j)``: results do not depend on how candidates are
    cut into chunks or spread over processes. With ``per_run`` the per-run columns are also
    returned (shape (n * replicates,)).
    """
    theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    n = theta.shape[0]
    out: dict[str, np.ndarray] = {}
    for s, (key, scn) in enumerate(targets.scenarios.items()):
        ens = compiled(scn)
        seeds = ens.seeds(seed + s, n, replicates, first_point=first_point)
        rows = _run_rows(ens, targets.names, theta, replicates, seeds)
        years = sorted({int(k.rsplit("_", 1)[1]) for k in rows if k.startswith("first_")})
        for y in years:
            rows.update({f"{f}_{y}": v for f, v in facts_of(rows, y).items()})
        for col, v in rows.items():
            if col.startswith("first_"):
                continue
            out[f"{key}:{col}"] = v.reshape(n, replicates).mean(axis=1)
            if per_run:
                out[f"run:{key}:{col}"] = v
    return out


def statistic_values(targets: Targets, sims: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-candidate simulated value of each target statistic, by statistic name."""
    out = {}
    for st in targets.statistics:
        col = st.event if st.kind == "weeks" else st.fact
        out[st.name] = sims[f"{st.scenario}:{col}_{st.year}"]
    return out


def _chunk_task(args: tuple[Targets, np.ndarray, int, int, int]) -> tuple[int, dict]:
    targets, theta, replicates, seed, first = args
    return first, simulate(targets, theta, replicates, seed, first_point=first)


def simulate_candidates(
    targets: Targets, theta: np.ndarray, replicates: int, seed: int, workers: int = 1,
    chunk: int = 200, quiet: bool = True, scheduler: str | None = None,
) -> dict[str, np.ndarray]:  # fmt: skip
    """:func:`simulate` over many candidates in chunks, on ``workers`` local threads or the
    Dask cluster at ``scheduler`` (the runner sweeps use)."""
    n = theta.shape[0]
    chunk = max(1, min(chunk, -(-n // max(workers, 1))))
    tasks = [(targets, theta[i : i + chunk], replicates, seed, i) for i in range(0, n, chunk)]
    parts: dict[int, dict] = {}
    bar = Progress("calibrate", n, unit="candidate", quiet=quiet)
    try:
        for first, res in run_tasks(_chunk_task, tasks, workers=workers, scheduler=scheduler):
            parts[first] = res
            bar.update(len(next(iter(res.values()))))
    finally:
        bar.close()
    keys = parts[0].keys()
    return {k: np.concatenate([parts[f][k] for f in sorted(parts)]) for k in keys}


# --------------------------------------------------------------------------- ABC


@dataclass
class CalibrationResult:
    """Everything the CLI writes: candidates, posterior sample, summary and settings."""

    candidates: pd.DataFrame  # every candidate: parameters, statistics, distance, accepted
    posterior: pd.DataFrame  # the accepted ones (sorted by distance), plus adjusted values
    fit: dict[str, Any]
    targets: Targets = field(repr=False)

    @property
    def point(self) -> dict[str, float]:
        return {k: v["median"] for k, v in self.fit["parameters"].items()}


def _logit_box(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    u = np.clip((x - lo) / (hi - lo), 1e-6, 1 - 1e-6)
    return np.log(u / (1 - u))


def _from_logit_box(z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo + (hi - lo) / (1 + np.exp(-z))


def regression_adjust(
    theta: np.ndarray, stats: np.ndarray, observed: np.ndarray, dist: np.ndarray,
    lo: np.ndarray, hi: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Local-linear regression adjustment (Beaumont et al. 2002) of accepted candidates.

    theta_adj = theta - (s - s_obs) @ beta, fitted by Epanechnikov-weighted least squares on
    the logit of each parameter's prior box (so adjusted values stay inside the prior) with
    the statistics scaled by their spread among the accepted candidates.
    """
    h = dist.max() if dist.max() > 0 else 1.0
    w = np.clip(1.0 - (dist / h) ** 2, 0.0, None) + 1e-9
    scale = stats.std(axis=0)
    keep = scale > 1e-12
    x = (stats[:, keep] - observed[keep]) / scale[keep]
    z = _logit_box(theta, lo, hi)
    design = np.column_stack([np.ones(len(x)), x])
    sw = np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(design * sw, z * sw, rcond=None)
    z_adj = z - x @ coef[1:]
    return _from_logit_box(z_adj, lo, hi)


def _summary(x: np.ndarray) -> dict[str, float]:
    q = np.quantile(x, [0.05, 0.5, 0.95])
    return {"median": float(q[1]), "q05": float(q[0]), "q95": float(q[2]), "mean": float(x.mean())}


def calibrate(
    targets: Targets, candidates: int, replicates: int, seed: int, accept: float = 0.05,
    workers: int = 1, adjust: bool = False, quiet: bool = True,
    progress: Callable[[str], None] | None = None, scheduler: str | None = None,
) -> CalibrationResult:  # fmt: skip
    """Rejection ABC: Sobol prior design, K runs per candidate and scenario, keep the closest
    ``accept`` share. The point estimate is the posterior median (of the regression-adjusted
    sample if ``adjust``), with 5-95% posterior intervals."""
    if replicates < 1:
        raise ConfigError(f"replicates must be at least 1, got {replicates}")
    if candidates < 2:
        raise ConfigError(f"candidates must be at least 2, got {candidates}")
    if not 0 < accept <= 1:
        raise ConfigError(f"accept must be in (0, 1], got {accept:g}")
    t0 = time.perf_counter()
    names = targets.names
    theta = prior_design(targets.priors, candidates, seed)
    sims = simulate_candidates(
        targets, theta, replicates, seed, workers=workers, quiet=quiet, scheduler=scheduler
    )
    values = statistic_values(targets, sims)
    dist = distance(targets, values, replicates)
    n_acc = max(2, round(accept * candidates))
    order = np.argsort(dist, kind="stable")
    accepted = np.zeros(candidates, dtype=bool)
    accepted[order[:n_acc]] = True

    df = pd.DataFrame(theta, columns=names)
    df.insert(0, "candidate", np.arange(candidates))
    for col, v in sims.items():
        df[col] = v
    df["distance"] = dist
    df["accepted"] = accepted
    post = df.loc[order[:n_acc]].reset_index(drop=True)

    lo = np.array([p.low for p in targets.priors])
    hi = np.array([p.high for p in targets.priors])
    stat_mat = np.column_stack([values[s.name][order[:n_acc]] for s in targets.statistics])
    obs = np.array([s.observed for s in targets.statistics])
    adj = regression_adjust(theta[order[:n_acc]], stat_mat, obs, dist[order[:n_acc]], lo, hi)
    for k, name in enumerate(names):
        post[f"adjusted:{name}"] = adj[:, k]
    use = adj if adjust else theta[order[:n_acc]]

    fit = {
        "targets": str(targets.path),
        "method": "ABC rejection"
        + (" with local-linear regression adjustment (Beaumont et al. 2002)" if adjust else ""),
        "distance": DISTANCE,
        "design": "scrambled Sobol (scipy.stats.qmc.Sobol), uniform priors",
        "seed": seed,
        "candidates": candidates,
        "replicates": replicates,
        "accept": accept,
        "accepted": n_acc,
        "distance_threshold": float(dist[order[n_acc - 1]]),
        "distance_best": float(dist[order[0]]),
        "distance_median_all": float(np.median(dist)),
        "workers": workers,
        **({"scheduler": scheduler} if scheduler else {}),
        "runs": int(candidates * replicates * len(targets.scenarios)),
        "scenarios": {k: str(p) for k, p in targets.scenario_paths.items()},
        "priors": {
            p.name: {"low": p.low, "high": p.high, "reason": p.reason} for p in targets.priors
        },
        "statistics": [
            {
                "name": s.name,
                "scenario": s.scenario,
                "kind": s.kind,
                "year": s.year,
                "event": s.event or None,
                "fact": s.fact or None,
                "observed": s.observed,
                "rule": s.rule,
                "posterior_mean_simulated": float(values[s.name][accepted].mean()),
            }
            for s in targets.statistics
        ],
        "parameters": {name: _summary(use[:, k]) for k, name in enumerate(names)},
        "parameters_rejection": {
            name: _summary(theta[order[:n_acc], k]) for k, name in enumerate(names)
        },
        "parameters_adjusted": {name: _summary(adj[:, k]) for k, name in enumerate(names)},
        "prior_mass_kept": {
            name: float(
                (np.quantile(use[:, k], 0.95) - np.quantile(use[:, k], 0.05)) / (hi[k] - lo[k])
            )
            for k, name in enumerate(names)
        },
        "runtime_seconds": round(time.perf_counter() - t0, 2),
        "cpu_count": os.cpu_count(),
    }
    if progress:
        progress(
            f"ABC: kept {n_acc} of {candidates} candidates (distance <= {fit['distance_threshold']:.3g})"
        )
    return CalibrationResult(df, post, fit, targets)


# --------------------------------------------------------------------------- fitted scenarios


def write_fitted_scenario(
    path: Path, base: Path, name: str, fit: dict[str, Any], description: str
) -> Path:
    """A scenario file that ``extends`` ``base`` and sets the fitted point, intervals in
    comments; validated by loading it before returning."""
    header = [
        f"Fitted by `python run.py calibrate {fit['targets']}` ({fit['method']}).",
        f"{fit['candidates']} Sobol candidates x {fit['replicates']} replicates per start, seed "
        f"{fit['seed']}; kept the closest {fit['accepted']} (distance <= "
        f"{fit['distance_threshold']:.3g}).",
        f"Distance: {fit['distance']}.",
        "Values are posterior medians; comments give the 5-95% posterior interval and the prior.",
        "Regenerate with the command above; do not edit by hand.",
    ]
    return write_point_scenario(
        path, base, name, fit["parameters"], fit["priors"], header, description
    )


def write_outputs(result: CalibrationResult, out: Path) -> list[Path]:
    """posterior.csv, all_candidates.parquet and fit.json in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "posterior.csv", out / "all_candidates.parquet", out / "fit.json"]
    result.posterior.to_csv(paths[0], index=False)
    result.candidates.to_parquet(paths[1], index=False)
    paths[2].write_text(json.dumps(result.fit, indent=2) + "\n", encoding="utf-8")
    return paths


# --------------------------------------------------------------------------- patterns


def tightening(
    ens: Ensemble, p: dyn.ParamArrays, seeds: np.ndarray, before: int = 1, after: int = 8
) -> dict[str, np.ndarray]:
    """Event study of the coalition around strategic tests: for every strategic test (week t)
    with ``before`` weeks before and ``after`` weeks after it inside the run, the mean
    coalition commitment at t - before (end of that week) and at t + after.

    Returns arrays 'before', 'after' (one entry per test), 'run' (its row) and 'profile'
    (mean commitment relative to the pre-test level, weeks -before .. +after)."""
    k = events.EVENT_INDEX["strategic_test"]
    hist: list[np.ndarray] = []
    prev = None
    tests: list[tuple[int, np.ndarray]] = []
    for t, st in ens.iterate(p, seeds):
        hist.append(coalition_commitment(st, ens.structure))
        now = st.counts[:, k].copy()
        if prev is not None:
            rows = np.flatnonzero(now > prev)
            if rows.size:
                tests.append((t, rows))
        prev = now
    h = np.stack(hist)  # (steps + 1, rows)
    b, a, r, prof = [], [], [], []
    for t, rows in tests:
        if t - before < 0 or t + after >= h.shape[0]:
            continue
        b.append(h[t - before, rows])
        a.append(h[t + after, rows])
        r.append(rows)
        prof.append(h[t - before : t + after + 1, rows] - h[t - before, rows])
    if not b:
        empty = np.zeros(0)
        return {"before": empty, "after": empty, "run": empty.astype(int), "profile": empty}
    return {
        "before": np.concatenate(b),
        "after": np.concatenate(a),
        "run": np.concatenate(r),
        "profile": np.concatenate(prof, axis=1).mean(axis=1),
    }
