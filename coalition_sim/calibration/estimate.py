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
      + sum over binary facts       -log(max(simulated share of runs with the fact, 1 / (K + 1)))

The targets (facts, how each maps to a statistic, priors and ABC settings) live in a TOML
file (``configs/calibration/targets.toml``), never in code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..core import week as dyn
from ..engine.ensemble import Ensemble, canonical_name, parameter_specs
from ..engine.progress import Progress
from ..scenario.schema import ConfigError, Scenario, load_scenario, read_toml

__all__ = [
    "DISTANCE",
    "FACTS",
    "CalibrationResult",
    "Prior",
    "Statistic",
    "Targets",
    "calibrate",
    "distance",
    "load_targets",
    "prior_design",
    "simulate",
    "statistic_values",
    "tightening",
    "write_fitted_scenario",
]

DISTANCE = (
    "sum over count statistics of ((mean simulated weeks - observed) / sqrt(max(observed, 1)))^2 "
    "+ sum over binary facts of -log(max(simulated share of runs with the fact, 1/(K+1))) "
    "+ sum over timing and tightening statistics of ((mean simulated - observed) / scale)^2, "
    "scale stated per statistic in the target file; each term times its weight"
)
FACTS = ("summit_held", "cancelled_before_held", "summit_revived", "moratorium_held")
_EVENTS = ("conventional_test", "strategic_test")
_NEVER = np.iinfo(np.int32).max


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Statistic:
    """One summary of the record and the model statistic it is compared with."""

    name: str
    scenario: str
    kind: str  # "weeks" (mean count of weeks with `event` in `year`) or "fact" (a probability)
    year: int
    observed: float
    event: str = ""
    fact: str = ""
    weight: float = 1.0
    rule: str = ""
    # timing and tightening statistics (stats.EXTRA_KINDS)
    scale: float = 0.0  # distance scale; 0 means the count default sqrt(max(observed, 1))
    date: dt.date | None = None  # the record's date behind a timing statistic
    first_year: int = 0  # tightening: first year of the window (``year`` is the last)
    lag: int = 0  # tightening: weeks after a test within which the coalition must tighten


@dataclass(frozen=True)
class Prior:
    """A uniform prior over [low, high] for one dotted parameter."""

    name: str
    low: float
    high: float
    reason: str
    edge: str = ""  # why the range stands (or changed) if the posterior piles at an edge


@dataclass
class Targets:
    """A validated target file: record, scenarios, statistics, priors and ABC settings."""

    path: Path
    name: str
    record: dict[str, Any]
    scenarios: dict[str, Scenario]
    scenario_paths: dict[str, Path]
    statistics: list[Statistic]
    priors: list[Prior]
    abc: dict[str, Any] = field(default_factory=dict)
    smc: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]


def _need(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise ConfigError(f"{where}: missing required key '{key}'")
    return table[key]


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if not np.isfinite(value):
        raise ConfigError(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def _year_value(record: dict[str, Any], key: str, year: int, src: str) -> float:
    table = record.get(key, {})
    if not isinstance(table, dict) or str(year) not in table:
        raise ConfigError(f"{src}: record.{key} has no value for {year}")
    return _number(table[str(year)], f"{src}: record.{key}.{year}")


def _dates(record: dict[str, Any], key: str, src: str) -> list[dt.date]:
    items = record.get(key, [])
    if not isinstance(items, list) or not all(isinstance(d, dt.date) for d in items):
        raise ConfigError(f"{src}: record.{key} must be a list of dates")
    return list(items)


def derive_observed(stat: Statistic, record: dict[str, Any], scn: Scenario, src: str) -> float:
    """The observed value a statistic's rule gives from the record (None-free, checked).

    Strategic weeks are counted in the scenario's own weeks (``Scenario.step_of``), so two
    strategic events in one model week count once, as the model would count them.
    """
    icbm = _dates(record, "icbm_launches", src)
    nuclear = _dates(record, "nuclear_tests", src)
    if stat.rule == "launch_days - icbm_launch_days":
        days = _year_value(record, "launch_days", stat.year, src)
        return days - len({d for d in icbm if d.year == stat.year})
    if stat.rule == "strategic_weeks":
        return float(len({scn.step_of(d) for d in icbm + nuclear if d.year == stat.year}))
    if stat.kind == "fact":
        held = record.get("summit_held")
        cancelled = record.get("summit_cancelled")
        revived = record.get("summit_revived")
        if stat.fact == "summit_held":
            return float(isinstance(held, dt.date) and held.year == stat.year)
        if stat.fact == "cancelled_before_held":
            both = isinstance(held, dt.date) and isinstance(cancelled, dt.date)
            return float(both and cancelled < held and held.year == stat.year)
        if stat.fact == "summit_revived":
            return float(isinstance(revived, dt.date) and revived.year == stat.year)
        if stat.fact == "moratorium_held":
            mor = record.get("moratorium_announced")
            later = [d for d in icbm + nuclear if isinstance(mor, dt.date) and d >= mor]
            return float(isinstance(mor, dt.date) and mor.year == stat.year and not later)
    raise ConfigError(f"{src}: statistic '{stat.name}': unknown rule '{stat.rule}'")


def _extra_kinds() -> tuple[str, ...]:
    from .stats import EXTRA_KINDS

    return EXTRA_KINDS


def load_targets(path: str | Path) -> Targets:
    """Read and check a target file; any problem is a one-line :class:`ConfigError`."""
    path = Path(path)
    data = read_toml(path)
    src = str(path)
    record = _need(data, "record", src)
    if not isinstance(record, dict):
        raise ConfigError(f"{src}: 'record' must be a table")
    scen_table = _need(data, "scenarios", src)
    if not isinstance(scen_table, dict) or not scen_table:
        raise ConfigError(f"{src}: 'scenarios' must be a table of name = \"file.toml\"")
    scenarios: dict[str, Scenario] = {}
    paths: dict[str, Path] = {}
    for key, rel in scen_table.items():
        if not isinstance(rel, str):
            raise ConfigError(f"{src}: scenarios.{key} must be a file name")
        p = (path.parent / rel).resolve()
        scenarios[key] = load_scenario(p)
        paths[key] = p

    stats: list[Statistic] = []
    raw_stats = _need(data, "statistics", src)
    if not isinstance(raw_stats, list) or not raw_stats:
        raise ConfigError(f"{src}: 'statistics' must be a non-empty list of tables")
    seen: set[str] = set()
    for k, item in enumerate(raw_stats):
        where = f"{src}: statistics[{k}]"
        name = str(_need(item, "name", where))
        if name in seen:
            raise ConfigError(f"{where}: duplicate statistic name '{name}'")
        seen.add(name)
        scen = str(_need(item, "scenario", where))
        if scen not in scenarios:
            raise ConfigError(f"{where}: unknown scenario '{scen}' (known: {', '.join(scenarios)})")
        kind = str(_need(item, "kind", where))
        year = int(_number(_need(item, "year", where), f"{where}.year"))
        scn = scenarios[scen]
        first, last = scn.start_date, scn.date_of(scn.steps)
        if not (first.year <= year and dt.date(year, 12, 31) <= last + dt.timedelta(days=6)):
            raise ConfigError(f"{where}: year {year} is not covered by scenario '{scen}'")
        weight = _number(item.get("weight", 1.0), f"{where}.weight")
        if weight < 0:
            raise ConfigError(f"{where}: weight must be >= 0, got {weight:g}")
        rule = str(item.get("rule", ""))
        if kind == "weeks":
            event = str(_need(item, "event", where))
            if event not in _EVENTS:
                raise ConfigError(f"{where}: event must be one of {', '.join(_EVENTS)}")
            obs = _number(_need(item, "observed", where), f"{where}.observed")
            stat = Statistic(name, scen, kind, year, obs, event=event, weight=weight, rule=rule)
        elif kind == "fact":
            fact = str(_need(item, "fact", where))
            if fact not in FACTS:
                raise ConfigError(f"{where}: fact must be one of {', '.join(FACTS)}")
            stat = Statistic(name, scen, kind, year, 1.0, fact=fact, weight=weight, rule=rule)
        elif kind in _extra_kinds():
            from .stats import parse_extra

            stats.append(
                parse_extra(item, name, scen, kind, year, weight, rule, record, scn, where)
            )
            continue
        else:
            raise ConfigError(
                f"{where}: kind must be one of weeks, fact, {', '.join(_extra_kinds())}; got {kind!r}"
            )
        derived = derive_observed(stat, record, scn, src)
        if kind == "weeks" and derived != stat.observed:
            raise ConfigError(
                f"{where}: observed = {stat.observed:g} but rule '{rule}' gives {derived:g} "
                "from the record"
            )
        if kind == "fact" and derived != 1.0:
            raise ConfigError(f"{where}: the record does not show the fact '{stat.fact}'")
        stats.append(stat)

    raw_priors = _need(data, "priors", src)
    if not isinstance(raw_priors, list) or not raw_priors:
        raise ConfigError(f"{src}: 'priors' must be a non-empty list of tables")
    priors: list[Prior] = []
    for k, item in enumerate(raw_priors):
        where = f"{src}: priors[{k}]"
        name = str(_need(item, "name", where))
        lo = _number(_need(item, "low", where), f"{where}.low")
        hi = _number(_need(item, "high", where), f"{where}.high")
        if not lo < hi:
            raise ConfigError(f"{where}: empty prior range [{lo:g}, {hi:g}] for '{name}'")
        for key, scn in scenarios.items():
            specs = parameter_specs(scn)
            try:
                canon = canonical_name(name, specs)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc} in scenario '{key}'") from None
            spec = specs[canon]
            if lo < spec.lo or hi > spec.hi:
                raise ConfigError(
                    f"{where}: prior [{lo:g}, {hi:g}] for '{canon}' leaves the schema range "
                    f"[{spec.lo:g}, {spec.hi:g}]"
                )
            if spec.integer:
                raise ConfigError(
                    f"{where}: '{canon}' is a whole number; only real ones are fitted"
                )
            if ".interests." in canon:
                raise ConfigError(f"{where}: interest weights must sum to 1; fit another parameter")
        if name in {p.name for p in priors}:
            raise ConfigError(f"{where}: parameter '{name}' is listed twice")
        priors.append(Prior(canon, lo, hi, str(item.get("reason", "")), str(item.get("edge", ""))))

    abc = dict(data.get("abc", {}))
    for key in ("candidates", "replicates", "validation_replicates"):
        if key in abc and (
            isinstance(abc[key], bool) or not isinstance(abc[key], int) or abc[key] < 1
        ):
            raise ConfigError(f"{src}: abc.{key} must be a whole number >= 1, got {abc[key]!r}")
    if "accept" in abc:
        acc = _number(abc["accept"], f"{src}: abc.accept")
        if not 0 < acc <= 1:
            raise ConfigError(f"{src}: abc.accept must be in (0, 1], got {acc:g}")
    smc = _check_smc(data.get("smc", {}), src)
    return Targets(path, str(data.get("name", path.stem)), record, scenarios, paths, stats,
                   priors, abc, smc)  # fmt: skip


_SMC_INT = ("particles", "replicates", "max_generations", "seed", "predictive_draws",
            "forecast_fit_until", "max_runs", "forecast_max_runs")  # fmt: skip
_SMC_SHARE = ("alpha", "min_acceptance")


def _check_smc(table: Any, src: str) -> dict[str, Any]:
    """The [smc] settings: known keys only, whole numbers >= 1, shares in (0, 1)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{src}: 'smc' must be a table")
    for key, v in table.items():
        if key in _SMC_INT:
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{src}: smc.{key} must be a whole number >= 1, got {v!r}")
        elif key in _SMC_SHARE:
            x = _number(v, f"{src}: smc.{key}")
            if not 0 < x < 1:
                raise ConfigError(f"{src}: smc.{key} must be in (0, 1), got {x:g}")
        elif key == "kernel":
            if v not in ("logit_mvn", "truncated"):
                raise ConfigError(
                    f"{src}: smc.kernel must be 'logit_mvn' or 'truncated', got {v!r}"
                )
        else:
            known = ", ".join((*_SMC_INT, *_SMC_SHARE, "kernel"))
            raise ConfigError(f"{src}: unknown key smc.{key} (known: {known})")
    return dict(table)


# --------------------------------------------------------------------------- design


def prior_design(priors: Sequence[Prior], n: int, seed: int) -> np.ndarray:
    """(n, d) candidates: a scrambled Sobol sequence scaled to the uniform prior box.

    Sobol fills the box more evenly than i.i.d. draws for the same n (lower discrepancy),
    which matters when only a few percent of candidates are kept. ``n`` need not be a power
    of two (scipy warns about balance then; the warning is silenced, the points are fine).
    """
    import warnings

    sampler = qmc.Sobol(d=len(priors), scramble=True, seed=np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        unit = sampler.random(n)
    lo = np.array([p.low for p in priors])
    hi = np.array([p.high for p in priors])
    return qmc.scale(unit, lo, hi)


# --------------------------------------------------------------------------- simulation


def year_steps(scn: Scenario, year: int) -> tuple[int, int]:
    """Steps assigned to calendar ``year``: from the step holding 1 January (or step 1) to the
    step before the one holding 1 January of the next year (or the last step)."""
    jan1 = dt.date(year, 1, 1)
    first = 1 if scn.start_date >= jan1 else scn.step_of(jan1)
    last = min(scn.steps, scn.step_of(dt.date(year + 1, 1, 1)) - 1)
    return first, last


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
        e: dyn.EVENT_INDEX[e]
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


_ENGINES: dict[tuple[str, str], Ensemble] = {}


def _engine(key: str, scn: Scenario) -> Ensemble:
    cache_key = (key, scn.model_dump_json())
    if cache_key not in _ENGINES:
        _ENGINES.clear() if len(_ENGINES) > 8 else None
        _ENGINES[cache_key] = Ensemble(scn)
    return _ENGINES[cache_key]


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
        ens = _engine(key, scn)
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


def distance(targets: Targets, values: dict[str, np.ndarray], replicates: int) -> np.ndarray:
    """The ABC distance (see :data:`DISTANCE`) per candidate; 0 only for a perfect match."""
    d = 0.0
    floor = 1.0 / (replicates + 1)
    for st in targets.statistics:
        v = np.asarray(values[st.name], dtype=np.float64)
        if st.kind == "fact":
            d = d - st.weight * np.log(np.maximum(v, floor))
        else:
            scale = st.scale if st.scale > 0 else np.sqrt(max(st.observed, 1.0))
            d = d + st.weight * ((v - st.observed) / scale) ** 2
    return np.asarray(d, dtype=np.float64)


def _chunk_task(args: tuple[Targets, np.ndarray, int, int, int]) -> tuple[int, dict]:
    targets, theta, replicates, seed, first = args
    return first, simulate(targets, theta, replicates, seed, first_point=first)


def simulate_candidates(
    targets: Targets, theta: np.ndarray, replicates: int, seed: int, workers: int = 1,
    chunk: int = 200, quiet: bool = True,
) -> dict[str, np.ndarray]:  # fmt: skip
    """:func:`simulate` over many candidates in chunks, on ``workers`` processes."""
    n = theta.shape[0]
    chunk = max(1, min(chunk, -(-n // max(workers, 1))))
    tasks = [(targets, theta[i : i + chunk], replicates, seed, i) for i in range(0, n, chunk)]
    parts: dict[int, dict] = {}
    bar = Progress("calibrate", n, unit="candidate", quiet=quiet)
    try:
        if workers <= 1:
            results: Iterator[tuple[int, dict]] = map(_chunk_task, tasks)
            for first, res in results:
                parts[first] = res
                bar.update(len(next(iter(res.values()))))
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for first, res in pool.map(_chunk_task, tasks):
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
    progress: Callable[[str], None] | None = None,
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
    sims = simulate_candidates(targets, theta, replicates, seed, workers=workers, quiet=quiet)
    values = statistic_values(targets, sims)
    dist = distance(targets, values, replicates)
    n_acc = max(2, round(accept * candidates))
    order = np.argsort(dist, kind="stable")
    accepted = np.zeros(candidates, dtype=bool)
    accepted[order[:n_acc]] = True

    df = pd.DataFrame(theta, columns=names)
    df.insert(0, "candidate", np.arange(candidates))
    for k, v in sims.items():
        df[k] = v
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


def _toml_value(v: float) -> str:
    return repr(round(float(v), 6))


def write_fitted_scenario(
    path: Path, base: Path, name: str, fit: dict[str, Any], description: str
) -> Path:
    """A scenario file that ``extends`` ``base`` and sets the fitted point, intervals in
    comments; validated by loading it before returning."""
    rel = os.path.relpath(base, path.parent)
    params = fit["parameters"]
    lines = [
        f"# Fitted by `python run.py calibrate {fit['targets']}` ({fit['method']}).",
        f"# {fit['candidates']} Sobol candidates x {fit['replicates']} replicates per start, seed "
        f"{fit['seed']}; kept the closest {fit['accepted']} (distance <= "
        f"{fit['distance_threshold']:.3g}).",
        f"# Distance: {fit['distance']}.",
        "# Values are posterior medians; comments give the 5-95% posterior interval and the prior.",
        "# Regenerate with the command above; do not edit by hand.",
        f'extends = "{rel}"',
        f'name = "{name}"',
        f'description = "{description}"',
        "",
    ]
    groups: dict[str, list[str]] = {}
    actors: dict[str, list[str]] = {}
    for key, s in params.items():
        pr = fit["priors"][key]
        note = f"  # 90% interval [{s['q05']:.4g}, {s['q95']:.4g}]; prior [{pr['low']:g}, {pr['high']:g}]"
        parts = key.split(".")
        if parts[0] == "params":
            groups.setdefault(parts[1], []).append(f"{parts[2]} = {_toml_value(s['median'])}{note}")
        elif parts[0] == "actors":
            actors.setdefault(parts[1], []).append(f"{parts[2]} = {_toml_value(s['median'])}{note}")
    for aid, items in actors.items():
        lines += ["[[actors]]", f'id = "{aid}"', *items, ""]
    for g, items in groups.items():
        lines += [f"[params.{g}]", *items, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    try:
        load_scenario(tmp)
    except ConfigError:
        tmp.unlink()
        raise
    tmp.replace(path)
    return path


def write_outputs(result: CalibrationResult, out: Path) -> list[Path]:
    """posterior.csv, all_candidates.parquet and fit.json in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "posterior.csv", out / "all_candidates.parquet", out / "fit.json"]
    result.posterior.to_csv(paths[0], index=False)
    result.candidates.to_parquet(paths[1], index=False)
    paths[2].write_text(json.dumps(result.fit, indent=2) + "\n", encoding="utf-8")
    return paths


# --------------------------------------------------------------------------- patterns


def coalition_commitment(st: dyn.State, struct: dyn.Structure) -> np.ndarray:
    """Mean commitment of the coalition (every non-target actor) per run."""
    mask = struct.coalition > 0
    return st.commitment[:, mask].mean(axis=1)


def tightening(
    ens: Ensemble, p: dyn.ParamArrays, seeds: np.ndarray, before: int = 1, after: int = 8
) -> dict[str, np.ndarray]:
    """Event study of the coalition around strategic tests: for every strategic test (week t)
    with ``before`` weeks before and ``after`` weeks after it inside the run, the mean
    coalition commitment at t - before (end of that week) and at t + after.

    Returns arrays 'before', 'after' (one entry per test), 'run' (its row) and 'profile'
    (mean commitment relative to the pre-test level, weeks -before .. +after)."""
    k = dyn.EVENT_INDEX["strategic_test"]
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
