"""The sequential fit end to end: posterior file, point summaries, predictive coverage and the
forecast test (issue 11). Used by ``python run.py calibrate``.

Everything goes under ``out`` (``posterior.parquet``, ``fit.json``, ``timing.json``,
``scenarios/calibrated_*.toml``); the committed ``configs/history/calibrated_*.toml`` are
replaced only when the caller asks (``--write-configs``). ``fit.json`` and the posterior are
byte-identical for the same inputs and seed; wall times go to ``timing.json`` alone.

Forecast test: the same fit on the 2016-2017 statistics only, then a forecast of 2018 from
1 January 2018 (the start_2018 scenario: the New Year speech, a regime change the fit never
saw) with every run's parameters drawn from that posterior; each 2018 fact is reported as
inside or outside the 50% and 90% predictive bands, a miss as a miss.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.posterior import Posterior, model_fingerprint, save_posterior, targets_hash
from ..scenario.loading import ConfigError
from .scenario_file import write_point_scenario
from .smc import SMCResult, smc
from .stats import per_run_statistics, simulate_stats
from .targets import Statistic, Targets

__all__ = [
    "coverage",
    "fit_summary",
    "predictive_runs",
    "restrict",
    "run_calibration",
    "weighted_quantile",
    "write_point_scenario",
]


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (midpoint rule on the cumulative weights)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order] / w.sum()
    cdf = np.cumsum(ws) - 0.5 * ws
    return np.interp(np.atleast_1d(q), cdf, xs)


def restrict(targets: Targets, until: int) -> Targets:
    """The targets with statistics of years <= ``until`` only (and the starts they use)."""
    stats = [s for s in targets.statistics if s.year <= until]
    if not stats:
        raise ConfigError(f"{targets.path}: no statistic of a year <= {until}")
    keys = {s.scenario for s in stats}
    return dataclasses.replace(
        targets,
        statistics=stats,
        scenarios={k: v for k, v in targets.scenarios.items() if k in keys},
        scenario_paths={k: v for k, v in targets.scenario_paths.items() if k in keys},
    )


# --------------------------------------------------------------------------- summaries


def fit_summary(res: SMCResult) -> dict[str, Any]:
    """Per parameter: weighted quantiles, shrinkage, mass at the prior edges; correlations."""
    t = res.targets
    w = res.weights
    out: dict[str, Any] = {"parameters": {}, "diagnostics": {}}
    z = []
    for k, p in enumerate(t.priors):
        x = res.theta[:, k]
        q = weighted_quantile(x, w, [0.05, 0.25, 0.5, 0.75, 0.95])
        mean = float(w @ x)
        sd = float(np.sqrt(w @ (x - mean) ** 2))
        span = p.high - p.low
        edge = 0.05 * span
        out["parameters"][p.name] = {
            "median": float(q[2]), "q05": float(q[0]), "q25": float(q[1]), "q75": float(q[3]),
            "q95": float(q[4]), "mean": mean, "sd": sd,
        }  # fmt: skip
        low_mass = float(w[x <= p.low + edge].sum())
        high_mass = float(w[x >= p.high - edge].sum())
        out["diagnostics"][p.name] = {
            "prior_sd": span / np.sqrt(12.0),
            "shrinkage": 1.0 - sd / (span / np.sqrt(12.0)),
            "interval_share": float((q[4] - q[0]) / span),
            "mass_low_edge": low_mass,
            "mass_high_edge": high_mass,
            # uniform prior: 5% of the mass in each 5% edge band; three times that is piling
            "piles_at_edge": bool(max(low_mass, high_mass) > 0.15),
        }
        z.append((x - mean) / max(sd, 1e-12))
    zz = np.array(z)
    corr = (zz * w) @ zz.T
    out["correlations"] = {
        "names": [p.name for p in t.priors],
        "matrix": [[round(float(v), 4) for v in row] for row in corr],
    }
    return out


def predictive_runs(
    targets: Targets, post: Posterior, draws: int, seed: int, stats: list[Statistic] | None = None
) -> dict[str, np.ndarray]:
    """``draws`` runs per start, each with parameters drawn from ``post`` by its run seed."""
    from ..engine.ensemble import run_seeds

    out: dict[str, np.ndarray] = {}
    stats = list(targets.statistics if stats is None else stats)
    names = targets.names
    for s, key in enumerate(targets.scenarios):
        mine = [st for st in stats if st.scenario == key]
        if not mine:
            continue
        seeds = run_seeds(seed + s, np.arange(draws), np.zeros(draws, dtype=np.int64))
        vals = post.values_for(seeds)
        theta = np.column_stack([vals[n] for n in names])
        # per_run_statistics keys runs by (seed + s, point i, replicate 0): the same seeds
        sub = dataclasses.replace(targets, scenarios={key: targets.scenarios[key]})
        part = per_run_statistics(sub, theta, 1, seed + s, stats=mine)
        out.update(part)
    return out


def coverage(stats: list[Statistic], runs: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Per statistic: predictive quantiles, 50% and 90% bands and whether the record is in."""
    rows = []
    for st in stats:
        v = runs[st.name]
        v = v[~np.isnan(v)]
        if v.size == 0:
            rows.append({"name": st.name, "observed": st.observed, "runs": 0, "in50": False,
                         "in90": False, "note": "no run has the statistic"})  # fmt: skip
            continue
        q = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])
        obs = st.observed
        row = {
            "name": st.name, "scenario": st.scenario, "kind": st.kind, "year": st.year,
            "observed": obs, "date": st.date.isoformat() if st.date else None,
            "runs": int(v.size), "mean": float(v.mean()), "median": float(q[2]),
            "band50": [float(q[1]), float(q[3])], "band90": [float(q[0]), float(q[4])],
            "in50": bool(q[1] <= obs <= q[3]), "in90": bool(q[0] <= obs <= q[4]),
            "p_observed": float((v == obs).mean()) if st.kind in ("fact", "weeks") else None,
        }  # fmt: skip
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- files


def _fitted_name(key: str) -> str:
    return (
        key.replace("start_", "calibrated_", 1) if key.startswith("start_") else f"calibrated_{key}"
    )


def _save(res: SMCResult, path: Path, meta: dict[str, Any]) -> Path:
    extra = {"distance": res.distance}
    for k, st in enumerate(res.targets.statistics):
        extra[f"stat:{st.name}"] = res.summaries[:, k]
    return save_posterior(path, res.names, res.theta, res.weights, meta, extra)


def _generations(res: SMCResult) -> list[dict[str, Any]]:
    return [{"generation": g.index, "epsilon": g.epsilon, "proposed": g.proposed,
             "accepted": g.accepted, "acceptance": g.acceptance, "runs": g.runs,
             "ess": round(g.ess, 3), "kept": g.kept,
             "ess_after": None if g.ess_after != g.ess_after else round(g.ess_after, 3),
             "unique": g.unique or None,
             "move_acceptance": None if g.move_acceptance != g.move_acceptance
             else round(g.move_acceptance, 4)} for g in res.generations]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class FitSettings:
    """Settings of one calibration (defaults: the target file's [smc] table)."""

    particles: int = 500
    replicates: int = 30
    seed: int = 20160106
    alpha: float = 0.5
    min_acceptance: float = 0.04
    max_generations: int = 12
    workers: int = 1
    max_runs: int | None = None
    forecast_max_runs: int | None = None
    predictive_draws: int = 2000
    predictive_seed: int = 20180612
    forecast_until: int | None = 2017
    compare_rejection: int = 0  # candidates of a rejection step to compare with (0: none)
    kernel: str = "logit_mvn"
    kernel_scale: float | None = None  # covariance factor of the logit kernel (None: Silverman)
    moves: int = 5  # at most this many ABC-MCMC moves per particle and generation
    scheme: str = "mcmc"  # "mcmc" (resample-move ABC-SMC) or "pmc" (importance weights)
    scheduler: str | None = None  # a Dask scheduler address, else ``workers`` local threads


def _fit(targets: Targets, cfg: FitSettings, seed: int, say: Callable[[str], None],
         max_runs: int | None) -> SMCResult:  # fmt: skip
    return smc(targets, cfg.particles, cfg.replicates, seed, cfg.alpha, cfg.min_acceptance,
               cfg.max_generations, cfg.workers, progress=say, scheduler=cfg.scheduler,
               max_runs=max_runs, kernel=cfg.kernel, kernel_scale=cfg.kernel_scale,
               moves=cfg.moves, scheme=cfg.scheme)  # fmt: skip


def _compare(res: SMCResult, cfg: FitSettings, say: Callable[[str], None]) -> dict[str, Any]:
    """Today's rejection step at the same replicates: ``compare_rejection`` Sobol candidates,
    the closest ``particles`` kept; against the runs the sequential fit needed to pass the
    tolerance that rejection reaches."""
    m = cfg.compare_rejection
    say(f"rejection for comparison: {m} candidates x {cfg.replicates} replicates")
    t0 = time.perf_counter()
    rej = smc(res.targets, cfg.particles, cfg.replicates, cfg.seed, cfg.particles / m,
              cfg.min_acceptance, 1, cfg.workers, scheduler=cfg.scheduler)  # fmt: skip
    eps = rej.generations[0].epsilon
    runs = 0
    out: dict[str, Any]
    passed = None
    for g in res.generations:
        runs += g.runs
        if g.kept and g.epsilon <= eps:
            passed = {"generation": g.index, "runs": runs}
            break
    out = {
        "rejection_candidates": rej.generations[0].proposed,
        "rejection_runs": rej.runs,
        "rejection_tolerance": eps,
        "rejection_seconds": round(time.perf_counter() - t0, 1),
        "smc_passed_it": passed,
        "smc_final_tolerance": res.epsilon,
        "smc_runs": res.runs,
        "speedup_runs_to_same_tolerance": None if passed is None else rej.runs / passed["runs"],
        # rejection's candidates within the sequential fit's final tolerance (all of them are
        # among the kept closest when fewer than N): the runs rejection would need to keep N
        "rejection_within_final": int((rej.distance <= res.epsilon).sum()),
    }
    k = out["rejection_within_final"]
    out["rejection_runs_to_final"] = (
        None if k == 0 else round(rej.runs * min(1.0, cfg.particles / k))
    )
    return out


def run_calibration(
    targets: Targets,
    out: Path,
    cfg: FitSettings,
    scenario_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], list[Path]]:
    """Fit, save and check; returns (fit, timing, written paths). See the module docstring."""
    say = progress or (lambda _m: None)
    if cfg.predictive_seed == cfg.seed:
        raise ConfigError(f"predictive seed {cfg.seed} equals the fit's seed; choose another")
    return _run(targets, out, cfg, scenario_dir, say)


def _run(targets: Targets, out: Path, cfg: FitSettings, scenario_dir: Path | None,
         say: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, Any], list[Path]]:  # fmt: skip
    t_all = time.perf_counter()
    common = {
        "model_fingerprint": model_fingerprint(),
        "targets_hash": targets_hash(targets.path, list(targets.scenario_paths.values())),
        "targets": targets.path.name,
    }
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    timing: dict[str, Any] = {"cpu_count": os.cpu_count(), "workers": cfg.workers}
    say(f"fit: {len(targets.statistics)} statistics, {len(targets.priors)} parameters, "
        f"{cfg.particles} particles x {cfg.replicates} replicates per start")  # fmt: skip
    t0 = time.perf_counter()
    res = _fit(targets, cfg, cfg.seed, say, cfg.max_runs)
    timing["fit_seconds"] = round(time.perf_counter() - t0, 1)
    timing["generation_seconds"] = [round(g.seconds, 1) for g in res.generations]
    # what a one-particle-per-call sampler (pyabc) would pay at least, against the batches
    t1 = time.perf_counter()
    for i in range(3):
        simulate_stats(targets, res.theta[i : i + 1], cfg.replicates, cfg.seed, first_point=i)
    timing["single_particle_ms"] = round((time.perf_counter() - t1) / 3 * 1000, 1)
    props = sum(g.proposed for g in res.generations)
    timing["batched_particle_ms"] = round(timing["fit_seconds"] / props * 1000, 1)
    meta = {**common, **res.settings, "generations": len(res.generations), "fit": "full"}
    written.append(_save(res, out / "posterior.parquet", meta))
    post = Posterior(res.names, res.theta, res.weights, meta, str(out / "posterior.parquet"))

    summ = fit_summary(res)
    t0 = time.perf_counter()
    say(f"posterior predictive: {cfg.predictive_draws} runs per start")
    pred = predictive_runs(targets, post, cfg.predictive_draws, cfg.predictive_seed)
    cov = coverage(targets.statistics, pred)
    timing["predictive_seconds"] = round(time.perf_counter() - t0, 1)

    priors = {
        p.name: {"low": p.low, "high": p.high, "reason": p.reason, "edge": p.edge}
        for p in targets.priors
    }
    fit: dict[str, Any] = {
        "targets": str(targets.path.name),
        "targets_hash": common["targets_hash"],
        "model_fingerprint": common["model_fingerprint"],
        **res.settings,
        "stopped": res.stopped,
        "runs": res.runs,
        "generations": _generations(res),
        "priors": priors,
        "fixed": [{"name": f.name, "value": f.value, "reason": f.reason} for f in targets.fixed],
        **summ,
        "statistics": [
            {
                "name": s.name,
                "scenario": s.scenario,
                "kind": s.kind,
                "year": s.year,
                "observed": s.observed,
                "date": s.date.isoformat() if s.date else None,
                "scale": s.scale or None,
                "rule": s.rule,
                "posterior_mean_simulated": float(res.weights @ res.summaries[:, k]),
            }
            for k, s in enumerate(targets.statistics)
        ],
        "predictive": {
            "draws": cfg.predictive_draws,
            "seed": cfg.predictive_seed,
            "coverage": cov,
        },
    }
    until = cfg.forecast_until
    later = [s for s in targets.statistics if until is not None and s.year > until]
    if until is not None and later:
        sub = restrict(targets, until)
        say(f"forecast test: fit on {sub.statistics[0].year}-{until} "
            f"({len(sub.statistics)} statistics), forecast {len(later)} later facts")  # fmt: skip
        t0 = time.perf_counter()
        fres = _fit(sub, cfg, cfg.seed + 1, say, cfg.forecast_max_runs)
        timing["forecast_fit_seconds"] = round(time.perf_counter() - t0, 1)
        fmeta = {**common, **fres.settings, "generations": len(fres.generations),
                 "fit": f"until {until}"}  # fmt: skip
        written.append(_save(fres, out / f"posterior_until_{until}.parquet", fmeta))
        fpost = Posterior(fres.names, fres.theta, fres.weights, fmeta)
        fpred = predictive_runs(targets, fpost, cfg.predictive_draws, cfg.predictive_seed, later)
        fit["forecast"] = {
            "fit_until": until,
            "statistics_fitted": [s.name for s in sub.statistics],
            "stopped": fres.stopped,
            "runs": fres.runs,
            "generations": _generations(fres),
            **fit_summary(fres),
            "coverage": coverage(later, fpred),
        }
    if cfg.compare_rejection:
        fit["comparison"] = _compare(res, cfg, say)
        timing["rejection_seconds"] = fit["comparison"].pop("rejection_seconds")
    timing["runs"] = res.runs + fit.get("forecast", {}).get("runs", 0)
    fit_s = timing["fit_seconds"] + timing.get("forecast_fit_seconds", 0.0)
    timing["runs_per_second"] = round(timing["runs"] / max(fit_s, 1e-9))

    header = [
        f"Point summary of the posterior of `python run.py calibrate` ({res.settings['method']}).",
        f"{cfg.particles} particles x {cfg.replicates} replicates per start, seed {cfg.seed}, "
        f"{len(res.generations)} generations, final tolerance {res.epsilon:.4g}.",
        "Values are weighted posterior medians; comments give the 5-95% interval and the prior.",
        "For forecasts that carry parameter uncertainty use --posterior with the Parquet file.",
        "Regenerate with the command above; do not edit by hand.",
    ]
    folder = scenario_dir or (out / "scenarios")
    for key, base in targets.scenario_paths.items():
        name = _fitted_name(key)
        desc = f"{targets.scenarios[key].description.rstrip('.')} - calibrated (issue 11)."
        written.append(write_point_scenario(folder / f"{name}.toml", base, name,
                                            summ["parameters"], priors, header, desc))  # fmt: skip
    cal16 = folder / f"{_fitted_name('start_2016')}.toml"
    if "start_2016" in targets.scenario_paths and cal16.is_file():
        from .coalition_check import coalition_figures

        say("coalition figures (issue 18): calibrated_2016 at the point and under the posterior")
        t0 = time.perf_counter()
        fit["coalition"] = {
            "point": coalition_figures(cal16, runs=cfg.predictive_draws, seed=cfg.predictive_seed),
            "posterior": coalition_figures(cal16, runs=cfg.predictive_draws,
                                           seed=cfg.predictive_seed, posterior=post),
        }  # fmt: skip
        timing["coalition_seconds"] = round(time.perf_counter() - t0, 1)
    timing["end_to_end_seconds"] = round(time.perf_counter() - t_all, 1)
    (out / "fit.json").write_text(json.dumps(fit, indent=2) + "\n", encoding="utf-8")
    (out / "timing.json").write_text(json.dumps(timing, indent=2) + "\n", encoding="utf-8")
    written += [out / "fit.json", out / "timing.json"]
    return fit, timing, written
