"""Which parameters matter: Morris elementary-effects screening of every parameter against the
calibration distance (issue 18, item 4). Used by ``python run.py screen``.

Why Morris (SALib): with ~150 parameters a variance decomposition would need 10^5-10^6 model
evaluations per index; Morris's one-at-a-time trajectories (Morris 1991; mu* of Campolongo,
Cariboni and Saltelli 2007) rank them with r x (k + 1) points, and on the batched engine a
point is a few dozen rows of one ensemble call.

What is screened: every real-valued parameter of the target scenarios except initial states
(set from the record of their start date), outcome definitions (what is counted, not how the
world moves) and interest weights (a simplex: one cannot move alone). Integer parameters
(weeks) are listed as not screened. The range of a parameter is its prior if the target file
fits it, else its base value x [1/2, 2] (a logit: [2x, x/2]; zero: the lowest quarter of its
schema range), clipped to the schema range: "what if the documented value were off by a
factor of two".

Two readings per parameter:

1. the calibration distance (the one the fit minimises, :func:`estimate.distance`) and its
   part from each group of statistics (launches, summitry, coalition), every point simulated
   with the same random futures (common random numbers), ``replicates`` runs per start;
2. optionally (``outcomes``) the outcome shares and partners' final commitment of the 260-week
   scenarios (baseline, summit_2018, muddling_2020): a parameter that moves nothing in 2016-18
   may still carry a mechanism of other years (the pandemic), and then it is fixed, not removed.

Verdict, against the noise the fit itself sees (the standard deviation of the distance, and of
each group's part of it, over independent sets of ``replicates`` runs at the calibrated point):
the effect of a parameter is mu* x Delta (the mean absolute change of the distance over one
Morris step, 2/3 of its range at 4 levels). ``fit``: effect >= :data:`FIT_RATIO` (2) noise on
the total or on the coalition part (this issue's targets, a small share of the total); ``weak``:
>= 1 noise on some part; ``inert``: below the noise everywhere. ``fit`` makes a parameter a
*candidate*, not a fitted one: moving the distance is necessary, not sufficient. A fit of all 47
candidates of d892820 left 44 where the prior put them (shrinkage < 20%) and forecast held-out
years worse than the schema defaults; and the screen's verdicts depend on the noise where it is
measured (the summit's binary facts make the summitry part noisy, so a summit parameter a fit
identifies well can screen 'weak'). So a candidate is fitted when fits identify it
(docs/calibration/identification.md), else it keeps its documented value and the target
file's ``[[fixed]]`` says why. An inert parameter that also moves no
outcome of the long scenarios by more than their binomial noise is ``dead``: a candidate for
removal.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engine.runner import compiled
from ..scenario.levers import role_of
from ..scenario.library import resolve_scenario
from ..scenario.loading import ConfigError
from ..scenario.names import plausible_range
from .distance import distance
from .stats import simulate_stats
from .targets import COALITION_KINDS, Prior, Statistic, Targets

__all__ = [
    "ScreenResult",
    "base_value",
    "screen",
    "screened_parameters",
    "statistic_group",
    "write_screen_report",
]

_SKIP_ROLES = ("state", "definition")
#: Effect / noise (on the total or the coalition part) from which a parameter is a candidate
#: for the fit (module docstring).
FIT_RATIO = 2.0
LONG_SCENARIOS = ("baseline", "summit_2018", "muddling_2020")


def statistic_group(st: Statistic) -> str:
    """launches | summitry | coalition (the validation issue's grouping)."""
    if st.kind in COALITION_KINDS or st.kind == "tightening":
        return "coalition"
    if st.event in ("conventional_test", "strategic_test") and st.kind != "fact":
        return "launches"
    if st.fact == "moratorium_held":
        return "launches"
    return "summitry"


def base_value(ens: Any, name: str) -> float:
    """The value a compiled scenario gives a dotted parameter (``Ensemble.value_of``)."""
    return float(ens.value_of(name))


@dataclasses.dataclass(frozen=True)
class ScreenParam:
    name: str
    role: str
    low: float
    high: float
    base: float
    fitted: bool


def screened_parameters(targets: Targets) -> tuple[list[ScreenParam], list[str]]:
    """The parameters screened (with ranges) and the names left out with the reason."""
    keys = list(targets.scenarios)
    ens = compiled(targets.scenarios[keys[0]])
    priors = {p.name: p for p in targets.priors}
    tried: dict[str, tuple[float, float]] = {}
    for f in targets.fixed:
        if f.low is not None and f.high is not None:
            tried[f.name] = (f.low, f.high)
    out: list[ScreenParam] = []
    skipped: list[str] = []
    for name, spec in ens.specs.items():
        role = str(role_of(name))
        if role in _SKIP_ROLES or ".interests." in name or name.endswith(".commitment"):
            continue  # initial commitment: a state of the start date, set from its record
        if spec.integer:
            skipped.append(f"{name} (whole number of weeks)")
            continue
        if any(name not in compiled(targets.scenarios[k]).specs for k in keys[1:]):
            skipped.append(f"{name} (not in every start)")
            continue
        if name in priors:
            p = priors[name]
            out.append(ScreenParam(name, role, p.low, p.high, base_value(ens, name), True))
            continue
        v = base_value(ens, name)
        lo, hi = plausible_range(float(spec.lo), float(spec.hi), v)
        if name in tried:  # kept at its documented value, screened on the range it was tried
            lo, hi = tried[name]
        out.append(ScreenParam(name, role, lo, hi, v, False))
    return out, skipped


@dataclasses.dataclass
class ScreenResult:
    table: pd.DataFrame  # one row per parameter: range, mu*, sigma, effect, verdict
    meta: dict[str, Any]
    skipped: list[str]


def _distances(targets: Targets, theta: np.ndarray, replicates: int, seed: int,
               common: bool) -> dict[str, np.ndarray]:  # fmt: skip
    summ = simulate_stats(targets, theta, replicates, seed, common=common)
    vals = {st.name: summ[:, k] for k, st in enumerate(targets.statistics)}
    out = {"total": distance(targets, vals, replicates)}
    for g in ("launches", "summitry", "coalition"):
        sub = [st for st in targets.statistics if statistic_group(st) == g]
        if sub:
            part = dataclasses.replace(targets, statistics=sub)
            out[g] = distance(part, {s.name: vals[s.name] for s in sub}, replicates)
    return out


def _outcomes(names: Sequence[str], theta: np.ndarray, replicates: int, seed: int,
              steps: int, scenarios: Sequence[str]) -> dict[str, np.ndarray]:  # fmt: skip
    """Outcome shares and partners' mean final commitment per point (common seeds)."""
    out: dict[str, np.ndarray] = {}
    n = theta.shape[0]
    for s, key in enumerate(scenarios):
        scn = resolve_scenario(key)
        ens = compiled(scn)
        cols = {nm: theta[:, k] for k, nm in enumerate(names) if nm in ens.specs}
        seeds = np.tile(ens.seeds(seed + 100 + s, 1, replicates), n)
        block = max(1, 20000 // replicates)
        parts = []
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            p = ens.params({k: v[lo:hi] for k, v in cols.items()}, replicates=replicates)
            res = ens.run(p, seeds[lo * replicates : hi * replicates], steps=steps)
            parts.append(res.final)
        fin = pd.concat(parts, ignore_index=True)
        for col in fin.columns:
            if fin[col].dtype == bool or col.startswith("commitment_"):
                v = fin[col].to_numpy(dtype=np.float64).reshape(n, replicates).mean(axis=1)
                out[f"{key}:{col}"] = v
    return out


def screen(
    targets: Targets, trajectories: int = 16, levels: int = 4, replicates: int = 20,
    seed: int = 1, noise_sets: int = 8, outcomes: bool = True, outcome_replicates: int = 40,
    outcome_steps: int = 260, say: Callable[[str], None] | None = None,
    point: dict[str, float] | None = None,
) -> ScreenResult:  # fmt: skip
    """Morris screening of every parameter (see the module docstring). The noise of the
    distance is measured at ``point`` (e.g. the calibrated point; names not given: the base
    value, or the prior's middle for a fitted parameter)."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    if trajectories < 2 or levels < 2 or replicates < 1 or noise_sets < 2:
        raise ConfigError(
            "screen: trajectories >= 2, levels >= 2, replicates >= 1, noise sets >= 2"
        )
    params, skipped = screened_parameters(targets)
    names = [p.name for p in params]
    problem = {"num_vars": len(params), "names": names,
               "bounds": [[p.low, p.high] for p in params]}  # fmt: skip
    x = sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    wide = dataclasses.replace(
        targets, priors=[Prior(p.name, p.low, p.high, "screen") for p in params]
    )
    if say:
        say(f"screen: {len(params)} parameters, {x.shape[0]} points x {replicates} runs per start")
    dist = _distances(wide, x, replicates, seed, common=True)
    point = point or {}
    base = np.array([[point.get(p.name, p.base if not p.fitted else (p.low + p.high) / 2)
                      for p in params]])  # fmt: skip
    base = np.clip(base, [p.low for p in params], [p.high for p in params])
    reps = [
        _distances(wide, base, replicates, seed + 1 + k, common=False) for k in range(noise_sets)
    ]
    noise_d = np.array([r["total"][0] for r in reps])
    noise = float(noise_d.std(ddof=1))
    group_noise = {g: float(np.std([r[g][0] for r in reps], ddof=1)) for g in dist if g != "total"}
    delta = levels / (2.0 * (levels - 1))
    table = pd.DataFrame({
        "parameter": names, "role": [p.role for p in params],
        "fitted_before": [p.fitted for p in params], "base": [p.base for p in params],
        "low": [p.low for p in params], "high": [p.high for p in params],
    })  # fmt: skip
    for key, y in dist.items():
        si = analyze.analyze(problem, x, y, num_levels=levels, seed=seed)
        table[f"mu_star:{key}"] = np.asarray(si["mu_star"])
        if key == "total":
            table["sigma"] = np.asarray(si["sigma"])
            table["mu_star_conf"] = np.asarray(si["mu_star_conf"])
    table["effect"] = table["mu_star:total"] * delta
    table["effect_over_noise"] = table["effect"] / max(noise, 1e-12)
    # a group's targets can hinge on a parameter the total hides (the coalition's facts weigh
    # little next to the launch counts): judge each group against its own noise as well
    ratio = table["effect_over_noise"].to_numpy().copy()
    best = np.array(["total"] * len(table), dtype=object)
    for g, sd in group_noise.items():
        r = table[f"mu_star:{g}"].to_numpy() * delta / max(sd, 1e-12)
        table[f"over_noise:{g}"] = r
        best = np.where(r > ratio, g, best)
        ratio = np.maximum(ratio, r)
    table["strongest"] = best
    table["max_over_noise"] = ratio
    # fit: what the fit sees (the total) or the coalition's part (this targets, whose
    # weight in the total is small) moves by >= 2 noise; weak: some part moves by >= 1 noise
    decisive = np.maximum(
        table["effect_over_noise"], np.asarray(table.get("over_noise:coalition", 0.0))
    )
    table["verdict"] = np.where(decisive >= FIT_RATIO, "fit",
                                np.where(ratio >= 1, "weak", "inert"))  # fmt: skip
    meta: dict[str, Any] = {
        "targets": str(targets.path), "parameters": len(params), "points": int(x.shape[0]),
        "trajectories": trajectories, "levels": levels, "replicates": replicates, "seed": seed,
        "delta": delta, "noise_sd": noise, "noise_sets": noise_sets,
        "noise_distances": [round(float(v), 4) for v in noise_d],
        "base_distance_mean": float(noise_d.mean()),
        "noise_point": {k: v for k, v in point.items() if k in names},
        "group_noise_sd": group_noise,
        "runs": int(x.shape[0] * replicates * len(targets.scenarios)
                    + noise_sets * replicates * len(targets.scenarios)),
    }  # fmt: skip
    if outcomes:
        if say:
            say(f"screen: outcomes of {', '.join(LONG_SCENARIOS)} over {outcome_steps} weeks")
        ys = _outcomes(names, x, outcome_replicates, seed, outcome_steps, LONG_SCENARIOS)
        rel = np.zeros(len(params))
        worst = np.array([""] * len(params), dtype=object)
        for key, y in ys.items():
            si = analyze.analyze(problem, x, y, num_levels=levels, seed=seed)
            eff = np.asarray(si["mu_star"]) * delta
            p_ = float(np.clip(y.mean(), 0.02, 0.98))
            # binomial noise of a share from K common-seed runs; commitment: its run spread
            sd = np.sqrt(p_ * (1 - p_) / outcome_replicates)
            r = eff / max(sd, 1e-9)
            worst = np.where(r > rel, key, worst)
            rel = np.maximum(rel, r)
        table["outcome_effect_over_noise"] = rel
        table["outcome_moved_most"] = worst
        dead = (table["verdict"] == "inert") & (table["outcome_effect_over_noise"] < 1)
        table.loc[dead, "verdict"] = "dead"
        meta["outcome_replicates"] = outcome_replicates
        meta["outcome_steps"] = outcome_steps
        meta["outcome_scenarios"] = list(LONG_SCENARIOS)
        meta["runs"] += int(x.shape[0] * outcome_replicates * len(LONG_SCENARIOS))
    table = table.sort_values(["max_over_noise", "effect"], ascending=False,
                              kind="stable").reset_index(drop=True)  # fmt: skip
    return ScreenResult(table, meta, skipped)


def _md(res: ScreenResult) -> str:
    t, m = res.table, res.meta
    counts = t["verdict"].value_counts().to_dict()
    lines = [
        "# Parameter screening (Morris) against the 2016-2018 calibration distance",
        "",
        f"Regenerate: `python run.py screen --priors FILE` (targets `{Path(m['targets']).name}`; "
        f"trajectories {m['trajectories']}, levels {m['levels']}, {m['replicates']} runs per "
        f"start and point with common random numbers, seed {m['seed']}; {m['points']} points, "
        f"{m['runs']:,} runs).",
        "",
        f"- Parameters screened: {m['parameters']} "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}).",
        f"- Noise the fit sees: sd of the distance over {m['noise_sets']} independent sets of "
        f"{m['replicates']} runs per start at "
        + ("the calibrated point" if m.get("noise_point") else "the base point")
        + f" = {m['noise_sd']:.3g} (mean distance {m['base_distance_mean']:.3g}).",
        "- Noise of each group's part of the distance, same runs: "
        + ", ".join(f"{g} {v:.3g}" for g, v in m.get("group_noise_sd", {}).items()) + ".",
        f"- Effect = mu* x Delta (Delta = {m['delta']:.3g} of the range): the mean absolute "
        "change of the distance over one Morris step. Verdict on the largest of effect/noise "
        f"over the total and each group. fit (a candidate for the fit): >= {FIT_RATIO:g} on the "
        "total (what the fit sees) or on the coalition part (this issue's targets, a small share "
        "of the total); weak: >= 1 on any part; inert: below 1 everywhere"
        + ("; dead: inert and moving no outcome of the 260-week scenarios "
           f"({', '.join(m.get('outcome_scenarios', []))}, {m.get('outcome_replicates')} runs per "
           "point) by more than its binomial noise." if "outcome_steps" in m else "."),
        "- What follows from the verdicts: 'fit' parameters are candidates for the fit: each is "
        "fitted (the target file's priors) when a fit identifies it (shrinkage >= 20%), else it "
        "keeps its documented value and the target file's `[[fixed]]` gives the evidence; the "
        "others keep their documented values. 'dead' marks removal "
        "candidates only: at the outcome screen's run count a share cannot show effects "
        "below its binomial noise, and a mechanism of other years (the pandemic) is fixed, not "
        "removed. Removed in issue 18: those below 0.12 of the noise on every reading (listed "
        "in docs/ODD.md, appendix).",
        "- Range: the prior for parameters fitted before; else the base value x [1/2, 2] "
        "(logits [2x, x/2]; zero: lowest quarter of the schema range), clipped to the schema.",
        "",
        "Columns total, launches, summitry, coalition: effect / noise of that part of the "
        "distance.",
        "",
        "| # | parameter | role | range | total | launches | summitry | coalition | "
        + ("outcomes/noise | " if "outcome_effect_over_noise" in t else "")
        + "verdict |",
        "|---|---|---|---|---|---|---|---|" + ("---|" if "outcome_effect_over_noise" in t else "")
        + "---|",
    ]  # fmt: skip
    for i, (_, r) in enumerate(t.iterrows()):
        g = [f"{r.get(f'over_noise:{k}', float('nan')):.2f}"
             for k in ("launches", "summitry", "coalition")]  # fmt: skip
        out = (f" {r['outcome_effect_over_noise']:.2g} ({r['outcome_moved_most']}) |"
               if "outcome_effect_over_noise" in t else "")  # fmt: skip
        lines.append(
            f"| {i + 1} | `{r['parameter']}` | {r['role']}{' (fitted)' if r['fitted_before'] else ''}"
            f" | [{r['low']:.3g}, {r['high']:.3g}] | {r['effect_over_noise']:.2f} | "
            f"{' | '.join(g)} |{out} {r['verdict']} |"
        )
    if res.skipped:
        lines += ["", "Not screened: " + "; ".join(res.skipped) + "."]
    return "\n".join(lines) + "\n"


def write_screen_report(res: ScreenResult, out: Path) -> list[Path]:
    """screening.csv, screening.json and screening.md (and a bar chart) in ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "screening.csv", out / "screening.json", out / "screening.md",
             out / "screening.png"]  # fmt: skip
    res.table.to_csv(paths[0], index=False, float_format="%.6g")
    paths[1].write_text(json.dumps({**res.meta, "skipped": res.skipped}, indent=2) + "\n",
                        encoding="utf-8")  # fmt: skip
    paths[2].write_text(_md(res), encoding="utf-8")
    top = res.table.head(40)
    fig, ax = plt.subplots(figsize=(7, 9))
    colors = {"fit": "tab:green", "weak": "tab:olive", "inert": "tab:gray", "dead": "tab:red"}
    ax.barh(top["parameter"][::-1], top["effect_over_noise"][::-1],
            color=[colors[v] for v in top["verdict"][::-1]])  # fmt: skip
    ax.axvline(1, color="k", lw=0.8, ls=":")
    ax.axvline(2, color="k", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("Morris effect on the calibration distance / noise of the distance")
    ax.set_title("The 40 parameters that move the 2016-18 fit most", fontsize=10)
    ax.tick_params(axis="y", labelsize=6)
    fig.tight_layout()
    fig.savefig(paths[3], dpi=110)
    plt.close(fig)
    return paths


def _num(x: float) -> str:
    """A TOML float with six significant digits (always with a decimal point)."""
    text = f"{x:.6g}"
    return text if any(c in text for c in ".en") else f"{text}.0"


def prior_entries(res: ScreenResult, targets: Targets, verdicts: Sequence[str] = ("fit",),
                  ) -> str:  # fmt: skip
    """``[[priors]]`` tables (TOML) for the parameters whose verdict is in ``verdicts``: the
    screening range, a reason stating the measured effect; a parameter fitted before keeps its
    prior and reason. Pasted into the target file by hand (the file is the one place priors
    live), so the choice stays reviewable."""
    old = {p.name: p for p in targets.priors}
    out: list[str] = []
    for _, r in res.table.iterrows():
        if r["verdict"] not in verdicts:
            continue
        name = str(r["parameter"])
        measured = (f"Screening: effect {r['max_over_noise']:.1f}x the noise of the "
                    f"{r['strongest']} part of the distance.")  # fmt: skip
        if name in old:
            p = old[name]
            lo, hi, why = p.low, p.high, f"{p.reason} {measured}"
        else:
            lo, hi = float(r["low"]), float(r["high"])
            why = (f"{measured} Range: the documented value {r['base']:.4g} (schema source) "
                   "x [1/2, 2], within the schema range.")  # fmt: skip
        out += ["[[priors]]", f'name = "{name}"', f"low = {_num(lo)}", f"high = {_num(hi)}",
                f'reason = "{why}"', ""]  # fmt: skip
    return "\n".join(out)
