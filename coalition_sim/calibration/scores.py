"""Proper scores of forecasts against the 2016-2018 record, and the naive baselines (issue 19).

Why: coverage of wide bands is no evidence (a band that holds "it did not happen" and "it
happened in any week" covers everything); a proper score rewards a forecast only for putting
probability where the record fell, and cannot be gamed by widening (Gneiting and Raftery
2007). Lower is better for every score here.

- **CRPS** (continuous ranked probability score) for counts, weeks and continuous statistics,
  of the empirical ensemble of runs (Gneiting and Raftery 2007, eq. 21; Hersbach 2000):
  ``CRPS = E|X - y| - 0.5 E|X - X'|``, computed exactly from the sorted members. It is in the
  statistic's own unit (weeks), and for a point forecast it is the absolute error.
- **Log score** for yes/no facts: ``-log p`` of the probability given to what happened, with
  the ensemble share smoothed as (k + 1/2) / (n + 1) (Jeffreys; a share of 0 would score
  infinity on a single unlucky ensemble). The Brier score (= the CRPS of a 0/1 forecast) is
  given beside it.

Totals. Scores of different statistics are in different units, so the total of a group (and of
everything) adds each statistic's score divided by the scale the fit's distance uses for it
(``scale`` in the target file; sqrt(max(observed, 1)) for counts; 1 for facts). Skill against a
baseline is ``1 - total_model / total_baseline`` over the same statistics: positive when the
model beats the baseline, 0 when equal, negative when worse.

Naive baselines, built from the record alone for the *fitting years* (the years whose
statistics were fitted; a held-out year never enters its own baseline):

- ``climatology``: the empirical distribution of the same statistic in the fitting years (its
  mean is the per-year rate); a year without the event counts as the week after the year's end
  for a first week and week 0 for a last week, as in the model statistic;
- ``poisson``: for counts, a Poisson with the fitting years' mean rate (scored exactly);
- ``base_rate``: for facts, the share of fitting years with the fact, smoothed (k + 1/2) / (n + 1).

Where the record gives no value of the statistic in any fitting year other than its own (the
tightening share, the coalition facts, any statistic defined for one year only: there a
"climatology" would be the answer itself), the climatology is the uninformed one: uniform over [0, 1] for
shares and facts (p = 1/2), uniform over the weeks of the year for a week. Which baseline each
statistic got is reported (``baseline_note``).

Groups come from the target file (``group`` of a ``[[statistics]]`` table), else from the
statistic: launch events and the moratorium -> ``launches``; summit facts and summit weeks ->
``summitry``; everything else (the tightening share, coalition facts) -> ``coalition``. A new
target or group in ``targets.toml`` is picked up without a code change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ..scenario.loading import ConfigError
from .targets import BINARY_KINDS, Record, Statistic, Targets, derive_observed
from .timing import timing_date

__all__ = [
    "BASELINES",
    "GROUPS",
    "Forecast",
    "ScoreRow",
    "brier_score",
    "crps_ensemble",
    "crps_normal",
    "crps_poisson",
    "fact_probability",
    "facts_skill",
    "group_of",
    "group_totals",
    "log_score",
    "naive_forecasts",
    "score_runs",
    "score_table",
    "skill",
]

#: The groups the report always lists (others from the target file are added after them).
GROUPS = ("launches", "summitry", "coalition")
#: Naive baselines, in the order the report lists them.
BASELINES = ("climatology", "poisson", "base_rate")
_LAUNCH_EVENTS = ("conventional_test", "strategic_test")
#: Kinds scored as yes/no facts (per run 0 or 1): the distance's own list, declared once in
#: ``target_models``.
BINARY = BINARY_KINDS
_SUMMIT = ("summit_held", "summit_cancelled", "summit_revived", "cancelled_before_held")
WEEKS_PER_YEAR = 52


# --------------------------------------------------------------------------- scoring rules


def crps_ensemble(members: np.ndarray | Sequence[float], y: float) -> float:
    """CRPS of the empirical distribution of ``members`` at observation ``y``.

    ``E|X - y| - 0.5 E|X - X'|`` with both expectations over the ensemble (the "fair" n - 1
    version is not used: the ensemble *is* the forecast). Exact in O(n log n) from the sorted
    members: E|X - X'| = 2 / n^2 sum_i (2i - n - 1) x_(i). NaN members are dropped; an empty
    ensemble scores NaN.
    """
    x = np.asarray(members, dtype=np.float64).ravel()
    x = np.sort(x[~np.isnan(x)])
    n = x.size
    if n == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    spread = 2.0 / (n * n) * float(((2 * i - n - 1) * x).sum())
    return float(np.abs(x - y).mean() - 0.5 * spread)


def crps_normal(mu: float, sigma: float, y: float) -> float:
    """Closed-form CRPS of N(mu, sigma^2) at ``y`` (Gneiting et al. 2005, eq. 5)."""
    if sigma <= 0:
        return abs(y - mu)
    z = (y - mu) / sigma
    return float(
        sigma * (z * (2 * sps.norm.cdf(z) - 1) + 2 * sps.norm.pdf(z) - 1 / math.sqrt(math.pi))
    )


def crps_poisson(lam: float, y: float) -> float:
    """Exact CRPS of a Poisson(lam) forecast at a count ``y``: the sum over k >= 0 of
    (F(k) - 1{y <= k})^2 (the CDF is a step function with unit steps)."""
    if lam <= 0:
        return abs(y)
    top = int(max(y, sps.poisson.ppf(1 - 1e-12, lam))) + 2
    k = np.arange(0, top)
    cdf = sps.poisson.cdf(k, lam)
    return float(((cdf - (y <= k)) ** 2).sum())


def fact_probability(runs: np.ndarray | Sequence[float]) -> float:
    """Probability of a yes/no fact from an ensemble of 0/1 runs, (k + 1/2) / (n + 1)."""
    v = np.asarray(runs, dtype=np.float64)
    v = v[~np.isnan(v)]
    return float((v.sum() + 0.5) / (v.size + 1))


def log_score(p: float, happened: bool | float) -> float:
    """-log of the probability given to what happened (``p`` is the probability of yes)."""
    q = p if happened else 1.0 - p
    return float(-math.log(max(q, 1e-300)))


def brier_score(p: float, happened: bool | float) -> float:
    """(p - outcome)^2: the quadratic score, equal to the CRPS of a 0/1 forecast."""
    return float((p - float(bool(happened))) ** 2)


# --------------------------------------------------------------------------- forecasts


@dataclass(frozen=True)
class Forecast:
    """A predictive distribution of one statistic: an ensemble of values, a probability of
    yes (facts), or a Poisson rate."""

    kind: str  # "ensemble" | "probability" | "poisson" | "uniform"
    values: tuple[float, ...] = ()
    probability: float = float("nan")
    rate: float = float("nan")
    low: float = 0.0
    high: float = 1.0
    note: str = ""


def is_fact(st: Statistic) -> bool:
    """Whether ``st`` is a yes/no statistic (log score, base rate)."""
    return st.kind in BINARY


def group_of(st: Statistic) -> str:
    """The statistic's group: the target file's ``group``, else inferred (module docstring)."""
    given = getattr(st, "group", "") or ""
    if given:
        return str(given)
    if st.kind == "fact":
        if st.fact == "moratorium_held":
            return "launches"
        if st.fact in _SUMMIT:
            return "summitry"
        return "coalition"
    if st.kind in ("weeks", "first_week", "last_week") and st.event in _LAUNCH_EVENTS:
        return "launches"
    if st.event in _SUMMIT:
        return "summitry"
    return "coalition"


def scale_of(st: Statistic) -> float:
    """The unit dividing a statistic's score in totals (the fit's distance scale)."""
    if is_fact(st):
        return 1.0
    if st.scale > 0:
        return float(st.scale)
    return math.sqrt(max(st.observed, 1.0))


def score(forecast: Forecast, st: Statistic) -> dict[str, float]:
    """The headline score of ``forecast`` for ``st`` (CRPS, or the log score for a fact) and,
    for facts, the Brier score and the probability."""
    y = st.observed
    if is_fact(st):
        if forecast.kind == "probability":
            p = forecast.probability
        elif forecast.kind == "ensemble":
            p = fact_probability(np.array(forecast.values))
        else:
            p = 0.5
        return {"score": log_score(p, y >= 0.5), "brier": brier_score(p, y >= 0.5),
                "probability": p}  # fmt: skip
    if forecast.kind == "ensemble":
        return {"score": crps_ensemble(np.array(forecast.values), y)}
    if forecast.kind == "poisson":
        return {"score": crps_poisson(forecast.rate, y)}
    if forecast.kind == "uniform":  # CRPS of U(a, b), closed form
        a, b = forecast.low, forecast.high
        yc = min(max(y, a), b)
        inside = ((yc - a) ** 3 + (b - yc) ** 3) / (3 * (b - a) ** 2)
        return {"score": float(inside + abs(y - yc))}
    raise ValueError(f"cannot score a {forecast.kind} forecast of '{st.name}'")


def score_values(st: Statistic, values: np.ndarray) -> float:
    """The headline score of an ensemble of per-run values (NaN runs dropped)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if is_fact(st):
        return log_score(fact_probability(v), st.observed >= 0.5)
    return crps_ensemble(v, st.observed)


# --------------------------------------------------------------------------- baselines


def _record_years(record: Record) -> list[int]:
    return sorted(int(y) for y in record.launch_days)


def record_value(targets: Targets, st: Statistic, year: int) -> float | None:
    """The value the record gives ``st``'s definition in another ``year`` (None: undefined).

    Counts and facts follow the statistic's own rule (:func:`derive_observed`); a first or last
    week is the record's date as a week of the year, or the no-event value (week after the
    year's end / week 0) in a year of the record without the event. Siblings in the target
    file (same kind, event, fact and rule) give their observed values first.
    """
    for other in targets.statistics:
        if (other.year == year and other.kind == st.kind and other.event == st.event
                and other.fact == st.fact and other.rule == st.rule):  # fmt: skip
            return other.observed
    record = targets.record
    scn = targets.scenarios.get(st.scenario) or next(iter(targets.scenarios.values()))
    probe = dataclasses.replace(st, year=year)
    if st.kind in ("weeks", "fact"):
        try:
            return derive_observed(probe, record, scn, str(targets.path))
        except ConfigError:
            return None
    if st.kind in ("first_week", "last_week"):
        try:
            d = timing_date(st.rule, year, record, "")
        except ConfigError:
            if year in _record_years(record):
                return float(WEEKS_PER_YEAR + 1) if st.kind == "first_week" else 0.0
            return None
        return float((d - dt.date(year, 1, 1)).days // 7 + 1)
    return None


def naive_forecasts(
    targets: Targets, st: Statistic, fitting_years: Iterable[int]
) -> dict[str, Forecast]:
    """The naive baselines of ``st`` from the record of ``fitting_years`` (module docstring)."""
    years = sorted(set(fitting_years))
    found = {y: v for y in years if (v := record_value(targets, st, y)) is not None}
    if set(found) <= {st.year}:
        # a definition the record gives in this year only: its "climatology" would be the
        # answer itself, so the naive forecast is the uninformed one
        found = {}
    vals = list(found.values())
    src = f"record of {', '.join(map(str, sorted(found)))}"
    out: dict[str, Forecast] = {}
    if is_fact(st):
        if vals:
            k = sum(v >= 0.5 for v in vals)
            p = (k + 0.5) / (len(vals) + 1)
            note = f"{k} of {len(vals)} fitting years ({src})"
        else:
            p, note = 0.5, "no fitting year defines the fact: p = 1/2"
        out["base_rate"] = Forecast("probability", probability=p, note=note)
        out["climatology"] = out["base_rate"]
        return out
    if vals:
        out["climatology"] = Forecast("ensemble", tuple(vals), note=f"values {vals} ({src})")
        if st.kind == "weeks":
            rate = float(np.mean(vals))
            out["poisson"] = Forecast("poisson", rate=rate, note=f"rate {rate:g} ({src})")
    elif st.kind in ("first_week", "last_week"):
        out["climatology"] = Forecast("uniform", low=0.0, high=WEEKS_PER_YEAR + 1.0,
                                      note="no fitting year: uniform over the year")  # fmt: skip
    else:
        hi = max(1.0, st.observed)
        out["climatology"] = Forecast("uniform", low=0.0, high=hi,
                                      note=f"no fitting year: uniform on [0, {hi:g}]")  # fmt: skip
    return out


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class ScoreRow:
    """The score of one forecast of one statistic."""

    name: str
    group: str
    kind: str
    year: int
    observed: float
    forecaster: str
    score: float
    scaled: float  # score / scale_of(statistic): what totals add
    rule: str  # "crps" or "log"
    brier: float | None = None
    probability: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _row(st: Statistic, forecaster: str, fc: Forecast) -> ScoreRow:
    s = score(fc, st)
    return ScoreRow(st.name, group_of(st), st.kind, st.year, st.observed, forecaster,
                    s["score"], s["score"] / scale_of(st), "log" if is_fact(st) else "crps",
                    s.get("brier"), s.get("probability"), fc.note)  # fmt: skip


def score_runs(
    stats: Sequence[Statistic], runs: Mapping[str, np.ndarray], forecaster: str
) -> list[ScoreRow]:
    """Score per-run values (one array per statistic name) as ensemble forecasts."""
    out = []
    for st in stats:
        if st.name not in runs:
            raise ConfigError(f"no simulated values of statistic '{st.name}' for {forecaster}")
        v = np.asarray(runs[st.name], dtype=np.float64)
        out.append(_row(st, forecaster, Forecast("ensemble", tuple(v[~np.isnan(v)]))))
    return out


def score_table(
    targets: Targets,
    stats: Sequence[Statistic],
    forecasts: Mapping[str, Mapping[str, np.ndarray]],
    fitting_years: Iterable[int],
) -> list[ScoreRow]:
    """Rows for every model forecaster (name -> per-run values by statistic) and every naive
    baseline of ``stats`` built from ``fitting_years``."""
    rows: list[ScoreRow] = []
    for name, runs in forecasts.items():
        rows += score_runs(stats, runs, name)
    years = list(fitting_years)
    for st in stats:
        for bname, fc in naive_forecasts(targets, st, years).items():
            rows.append(_row(st, bname, fc))
    return rows


def groups_in(rows: Iterable[ScoreRow]) -> list[str]:
    seen = {r.group for r in rows}
    return [g for g in GROUPS if g in seen] + sorted(seen - set(GROUPS))


def group_totals(rows: Sequence[ScoreRow], forecaster: str) -> dict[str, float]:
    """Sum of scaled scores per group and in total (key ``total``) for one forecaster."""
    mine = [r for r in rows if r.forecaster == forecaster]
    out = {g: float(sum(r.scaled for r in mine if r.group == g)) for g in groups_in(mine)}
    out["total"] = float(sum(r.scaled for r in mine))
    return out


def _baseline_for(rows: Sequence[ScoreRow], name: str, baseline: str) -> ScoreRow | None:
    """The baseline's row of a statistic; facts fall back to their base rate, counts without
    a Poisson to their climatology."""
    for b in (baseline, "base_rate", "climatology"):
        for r in rows:
            if r.name == name and r.forecaster == b:
                return r
    return None


def skill(rows: Sequence[ScoreRow], forecaster: str, baseline: str = "climatology"
          ) -> dict[str, dict[str, float]]:  # fmt: skip
    """Per group and total: model and baseline totals (same statistics) and the skill
    ``1 - model / baseline``; facts are always against their base rate."""
    mine = [r for r in rows if r.forecaster == forecaster]
    out: dict[str, dict[str, float]] = {}
    for g in [*groups_in(mine), "total"]:
        m = b = 0.0
        n = 0
        for r in mine:
            if g != "total" and r.group != g:
                continue
            base = _baseline_for(rows, r.name, baseline)
            if base is None or not np.isfinite(r.scaled):
                continue
            m += r.scaled
            b += base.scaled
            n += 1
        out[g] = {"model": m, "baseline": b, "skill": 1.0 - m / b if b > 0 else float("nan"),
                  "statistics": n}  # fmt: skip
    return out


def facts_skill(rows: Sequence[ScoreRow], forecaster: str) -> dict[str, float]:
    """Skill of ``forecaster`` on the yes/no statistics alone against their base rates."""
    mine = [r for r in rows if r.forecaster == forecaster and r.rule == "log"]
    m = sum(r.scaled for r in mine)
    b = 0.0
    for r in mine:
        base = _baseline_for(rows, r.name, "base_rate")
        b += base.scaled if base is not None else 0.0
    return {"model": m, "baseline": b, "skill": 1.0 - m / b if b > 0 else float("nan"),
            "statistics": len(mine)}  # fmt: skip


def bootstrap_skill_difference(
    stats: Sequence[Statistic], a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray],
    resamples: int = 200, seed: int = 0,
) -> dict[str, tuple[float, float, float]]:  # fmt: skip
    """Change in total scaled score per group (and total), ``b - a``, with a paired bootstrap
    95% interval: runs of ``a`` and ``b`` share seeds (row i of one is row i of the other), so
    run indices are resampled jointly. Positive = ``b`` scores worse (higher)."""
    rng = np.random.default_rng(seed)
    seen = {group_of(st) for st in stats}
    groups = [g for g in GROUPS if g in seen] + sorted(seen - set(GROUPS))
    n = min(len(np.asarray(a[st.name])) for st in stats)

    def totals(idx: np.ndarray) -> dict[str, float]:
        out = dict.fromkeys([*groups, "total"], 0.0)
        for st in stats:
            va = np.asarray(a[st.name], dtype=np.float64)[idx]
            vb = np.asarray(b[st.name], dtype=np.float64)[idx]
            d = (score_values(st, vb) - score_values(st, va)) / scale_of(st)
            if np.isfinite(d):
                out[group_of(st)] += d
                out["total"] += d
        return out

    est = totals(np.arange(n))
    boots = [totals(rng.integers(0, n, n)) for _ in range(resamples)]
    res = {}
    for g in est:
        v = np.array([bt[g] for bt in boots])
        res[g] = (est[g], float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975)))
    return res
