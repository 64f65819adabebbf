"""``python run.py validate``: the validation report ``docs/validation/README.md`` (issue 19).

One command computes every figure in the report: proper scores and skill of the committed
posterior against naive baselines on the 2016-2018 record, coverage with band widths beside
them, the posterior's health (shrinkage, identification, ESS), leave-one-year-out
cross-validation (three fits), mechanism ablations and the signature suite at the defaults,
the calibrated point and under posterior draws. ``--size`` sets the fit and run sizes
(``SIZES``); the report states the size and its wall time. Figures are exact for the size and
seed they state: the same command on the same model gives the same tables.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..calibration.evaluate import Evaluation, evaluate
from ..calibration.scores import facts_skill, groups_in
from ..calibration.targets import Targets
from ..engine.posterior import Posterior
from ..experiments.signature_report import VERDICT_TEXT
from ..experiments.signatures import run_posterior, run_suite
from ..scenario.provenance import report_stamp
from .ablation import AblationResult, load_ablations, run_ablations
from .cv import Fold, FoldSettings, run_folds
from .holdout import Holdout, run_holdout
from .verdict import verdict_section

__all__ = ["SIZES", "Size", "run_validation", "size_for", "write_validation"]

#: Shrinkage below which a parameter counts as not identified by the record.
IDENTIFIED = 0.2


@dataclass(frozen=True)
class Size:
    """Run sizes of one ``--size``."""

    particles: int
    replicates: int
    max_generations: int
    max_runs: int | None
    draws: int  # predictive runs per start and forecaster
    sig_replicates: int  # signature suite per arm (defaults, calibrated point, ablations)
    sig_draws: int  # posterior draws of the signature suite
    sig_draw_replicates: int
    resamples: int  # bootstrap resamples of the ablation intervals


SIZES = {
    "tiny": Size(12, 2, 2, None, 60, 60, 2, 40, 20),
    "small": Size(200, 10, 10, 150_000, 1000, 500, 12, 200, 200),
    # the fit sizes of "full" (0, None) are the committed fit's own ([smc] of the target
    # file, see :func:`size_for`): the folds are fitted as the posterior they judge was
    "full": Size(0, 0, 0, None, 3000, 2000, 24, 500, 400),
}


def size_for(name: str, targets: Targets) -> Size:
    """The run sizes of ``--size name``; for "full", the fit's population, runs per
    particle, generations and run ceiling are the target file's ``[smc]`` (declared once)."""
    size = SIZES[name]
    if name != "full":
        return size
    smc = targets.smc
    return replace(size, particles=smc.particles, replicates=smc.replicates,
                   max_generations=smc.max_generations, max_runs=smc.max_runs)  # fmt: skip


def shrinkage(targets: Targets, post: Posterior) -> list[dict[str, Any]]:
    """Per fitted parameter: prior range, posterior median and 5-95% interval, shrinkage
    1 - posterior sd / prior sd (uniform prior: span / sqrt 12), identified or not."""
    priors = {p.name: p for p in targets.priors}
    med = post.median()
    out = []
    for k, n in enumerate(post.names):
        x, w = post.values[:, k], post.weights
        mean = float(w @ x)
        sd = float(np.sqrt(w @ (x - mean) ** 2))
        order = np.argsort(x, kind="stable")
        cum = np.cumsum(w[order]) - 0.5 * w[order]
        q05, q95 = np.interp([0.05, 0.95], cum, x[order])
        p = priors.get(n)
        prior_sd = (p.high - p.low) / np.sqrt(12.0) if p else float("nan")
        s = 1.0 - sd / prior_sd if p else float("nan")
        out.append({"name": n, "low": p.low if p else None, "high": p.high if p else None,
                    "median": med[n], "q05": float(q05), "q95": float(q95), "shrinkage": s,
                    "identified": bool(s >= IDENTIFIED)})  # fmt: skip
    return out


_SAME_FIT = ("targets_hash", "model_fingerprint", "seed", "particles", "replicates")


def _same_fit(fit: dict[str, Any], meta: dict[str, Any]) -> bool:
    """Whether ``fit.json`` describes the fit that wrote a posterior with ``meta``: the same
    targets, model, seed and sizes, generation count and fitted parameters."""
    return (
        all(fit.get(k) == meta.get(k) for k in _SAME_FIT)
        and len(fit.get("generations") or []) == meta.get("generations")
        and list(fit.get("parameters") or {}) == list(meta.get("parameters") or [])
    )


def posterior_health(post: Posterior, fit_json: Path | None) -> dict[str, Any]:
    """ESS (1 / sum w^2) and distinct particles of the posterior file; the generations of
    the fit that wrote it, from ``fit_json`` when its targets hash and model fingerprint are
    the posterior's."""
    w = post.weights
    out: dict[str, Any] = {
        "particles": len(post),
        "ess": float(1.0 / (w @ w)),
        "distinct": len({tuple(r) for r in np.round(post.values, 12)}),
        "method": post.meta.get("method", "n/a"),
        "generations": None,
        "stopped": None,
    }
    if fit_json is not None and fit_json.is_file():
        fit = json.loads(fit_json.read_text(encoding="utf-8"))
        # the same fit, not only the same targets and model (a small trial was credited)
        if _same_fit(fit, post.meta):
            out["generations"] = fit.get("generations")
            out["stopped"] = fit.get("stopped")
    return out


def gain(ev: Evaluation) -> dict[str, float]:
    """Prior -> posterior predictive gain per group: 1 - posterior score / prior score."""
    from ..calibration.scores import group_totals

    post = group_totals(ev.rows, "posterior")
    prior = group_totals(ev.rows, "prior")
    return {g: 1.0 - post[g] / prior[g] if prior.get(g) else float("nan") for g in post}


def run_validation(
    targets: Targets, post: Posterior, size: Size, seed: int, ablations_path: Path,
    workers: int = 1, progress: Callable[[str], None] | None = None,
    fit_json: Path | None = None, holdout_path: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Everything the report shows, as one JSON-able dict (plus live objects under '_')."""
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    abl = load_ablations(ablations_path, targets)  # checked before any run
    timing: dict[str, float] = {}
    ev = evaluate(targets, post, draws=size.draws, seed=seed, progress=say)
    timing["scores"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    ho = (run_holdout(targets, post, holdout_path, size.draws, seed + 3000, say, abl,
                      size.resamples)
          if holdout_path is not None else None)  # fmt: skip
    timing["holdout"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    cfg = FoldSettings(size.particles, size.replicates, size.max_generations, size.max_runs,
                       size.draws, moves=targets.smc.moves, scheme=targets.smc.scheme,
                       alpha=targets.smc.alpha, min_acceptance=targets.smc.min_acceptance,
                       workers=workers)  # fmt: skip
    folds = run_folds(targets, cfg, seed + 1000, say)
    timing["cross_validation"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    base_rows, results = run_ablations(targets, post, abl, size.draws, seed + 2000,
                                       size.sig_replicates, size.resamples, say)  # fmt: skip
    timing["ablations"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    say(f"signatures: defaults and calibrated point ({size.sig_replicates} reps), "
        f"{size.sig_draws} posterior draws ({size.sig_draw_replicates} reps)")  # fmt: skip
    defaults = run_suite(size.sig_replicates, seed)
    ps = run_posterior(post, size.sig_draws, size.sig_draw_replicates, seed,
                       point_replicates=size.sig_replicates)  # fmt: skip
    timing["signatures"] = time.perf_counter() - t1
    timing["total"] = time.perf_counter() - t0
    sig = [{"row": r.number, "mechanism": r.mechanism, "defaults": r.passed,
            "calibrated": p.passed, "defaults_verdict": r.verdict,
            "calibrated_verdict": p.verdict, "share": ps.share(r.number).estimate,
            "low": ps.share(r.number).low, "high": ps.share(r.number).high,
            "contradicted": ps.contradicted(r.number).estimate}
           for r, p in zip(defaults, ps.point, strict=True)]  # fmt: skip
    return {
        "seed": seed,
        "size": size.__dict__,
        "posterior": {"path": _shown(post.path), "particles": len(post), "meta": post.meta},
        "record": ev.to_dict(),
        "gain": gain(ev),
        "holdout": ho.to_dict() if ho is not None else None,
        "shrinkage": shrinkage(targets, post),
        "health": posterior_health(post, fit_json),
        "folds": [f.to_dict() for f in folds],
        "ablation_full_rows": {str(k): v for k, v in base_rows.items()},
        "ablations": [r.to_dict() for r in results],
        "signatures": sig,
        "timing": {k: round(v, 1) for k, v in timing.items()},
        "_": {"evaluation": ev, "folds": folds, "ablations": results, "holdout": ho},
    }


def _shown(path: str) -> str:
    """A path as the report shows it: relative to the working folder when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- Markdown


def _f(x: float | None, d: int = 2) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:.{d}f}"


def _skill_table(ev: Evaluation, forecasters: list[str]) -> list[str]:
    groups = [*groups_in(ev.rows), "total"]
    lines = ["| forecaster | baseline | " + " | ".join(groups) + " |",
             "|---|---|" + "---|" * len(groups)]  # fmt: skip
    for m in forecasters:
        if m not in ev.skill:
            continue
        for b, table in ev.skill[m].items():
            cells = []
            for g in groups:
                v = table.get(g)
                if v is None:
                    cells.append("-")
                elif v["baseline"] == 0:
                    cells.append(f"n/a (baseline exact; model {_f(v['model'])})")
                else:
                    cells.append(f"**{_f(v['skill'])}** ({_f(v['model'])} vs {_f(v['baseline'])})")
            lines.append(f"| {m} | {b} | " + " | ".join(cells) + " |")
    return lines


def _score_table(ev: Evaluation) -> list[str]:
    cols = [*dict.fromkeys(r.forecaster for r in ev.rows)]
    lines = ["| statistic | group | observed | rule | " + " | ".join(cols) + " |",
             "|---|---|---|---|" + "---|" * len(cols)]  # fmt: skip
    for st in ev.statistics:
        cells = []
        for c in cols:
            r = next((r for r in ev.rows if r.name == st.name and r.forecaster == c), None)
            cells.append("-" if r is None else _f(r.score))
        grp = next(r.group for r in ev.rows if r.name == st.name)
        rule = "log" if any(r.rule == "log" for r in ev.rows if r.name == st.name) else "CRPS"
        lines.append(f"| {st.name} | {grp} | {st.observed:g} | {rule} | " + " | ".join(cells)
                     + " |")  # fmt: skip
    return lines


def _coverage_table(ev: Evaluation) -> list[str]:
    lines = ["| statistic | observed | forecaster | 50% band (width) | 90% band (width) | in 50% | in 90% |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for how in ("posterior", "prior"):
        for c in ev.coverage.get(how, []):
            if "band50" not in c:
                continue
            b5, b9 = c["band50"], c["band90"]
            lines.append(
                f"| {c['name']} | {c['observed']:g} | {how} | [{b5[0]:g}, {b5[1]:g}] "
                f"({b5[1] - b5[0]:g}) | [{b9[0]:g}, {b9[1]:g}] ({b9[1] - b9[0]:g}) | "
                f"{'yes' if c['in50'] else 'no'} | {'yes' if c['in90'] else 'no'} |"
            )
    return lines


def _fold_lines(folds: list[Fold]) -> list[str]:
    lines: list[str] = []
    groups = groups_in([r for f in folds for r in f.evaluation.rows])
    head = "| held out | fitted on | fit (generations, runs, final distinct/N) | forecaster | "
    lines += [head + " | ".join(f"skill {g}" for g in [*groups, "total"])
              + " | skill facts vs base rates |",
              "|---|---|---|---|" + "---|" * (len(groups) + 2)]  # fmt: skip
    for f in folds:
        last = [g for g in f.fit.generations if g.kept][-1]
        n = len(f.fit.theta)
        fit = f"{len(f.fit.generations)}, {f.fit.runs:,}, {last.unique or n}/{n}"
        years = ", ".join(map(str, f.evaluation.fitting_years))
        for m in ("posterior", "prior", "defaults"):
            sk = f.evaluation.skill.get(m, {}).get("climatology", {})
            cells = []
            for g in [*groups, "total"]:
                v = sk.get(g)
                cells.append("-" if v is None or not v["statistics"] else
                             ("n/a" if v["baseline"] == 0 else _f(v["skill"])))  # fmt: skip
            fs = facts_skill(f.evaluation.rows, m)
            cells.append(_f(fs["skill"]) if fs["statistics"] else "-")
            lines.append(f"| {f.year} | {years} | {fit} | {m} | " + " | ".join(cells) + " |")
    return lines


def _ablation_lines(res: dict[str, Any]) -> list[str]:
    abl = res["_"]["ablations"]
    if not abl:
        return []
    groups = [g for g in abl[0].change if g != "total"] + ["total"]
    full = {int(k): v for k, v in res["ablation_full_rows"].items()}
    lines = ["| switched off | ODD | " + " | ".join(f"Δ {g}" for g in groups)
             + " | signature rows passing (full model: "
             + f"{sum(full.values())} of {len(full)}) | rows that stop passing |",
             "|---|---|" + "---|" * len(groups) + "---|---|"]  # fmt: skip
    r: AblationResult
    for r in abl:
        cells = []
        for g in groups:
            est, lo, hi = r.change[g]
            mark = "**" if lo > 0 else ""
            cells.append(f"{mark}{est:+.2f}{mark} [{lo:+.2f}, {hi:+.2f}]")
        lost = [str(k) for k, ok in r.rows_pass.items() if full.get(k) and not ok]
        lines.append(f"| {r.ablation.name} | {r.ablation.section} | " + " | ".join(cells)
                     + f" | {sum(r.rows_pass.values())} | {', '.join(lost) or '-'} |")  # fmt: skip
    return lines


def _unscaled_line(ev: Evaluation) -> str:
    """The same skill on the plain sums of scores (no division by the statistics' scales,
    which weigh a miss on a large count less): the two readings side by side."""

    def plain(name: str) -> float:
        names = {s.name for s in ev.statistics}
        return sum(r.score for r in ev.rows if r.forecaster == name and r.name in names)

    def base(st_name: str) -> float:
        rows = [r for r in ev.rows if r.name == st_name]
        fc = next((r for r in rows if r.forecaster == "base_rate"), None) or next(
            (r for r in rows if r.forecaster == "climatology"), None
        )
        return fc.score if fc is not None else 0.0

    model = plain("posterior")
    clim = sum(base(s.name) for s in ev.statistics)
    sk = 1.0 - model / clim if clim > 0 else float("nan")
    return (f"Unscaled (plain sums of the scores below, every statistic in its own unit): "
            f"posterior {model:.2f} vs climatology {clim:.2f}, skill {_f(sk)}. The tables "
            "above divide each count's CRPS by sqrt(max(observed, 1)), as the fit's distance "
            "does, which weighs a miss on a large count less.")  # fmt: skip


def _holdout_lines(ho: Holdout | None) -> list[str]:
    """The held-out section: skill and per-statistic scores, window by window."""
    if ho is None:
        return []
    years = ", ".join(map(str, ho.fitting_years))
    L = ["## Held-out windows (never fitted)", "",
         f"The years before and after the fitting window, from `{Path(ho.path).name}` (the "
         "CNS launch record of 2013-2015 and 2019-2020, the nuclear test of February 2013, "
         "Hanoi without agreement, the moratorium kept), each from its own start scenario "
         "(`configs/validation/start_2013.toml`, `start_2019.toml`). The statistics and rules "
         f"are the record's; the baselines come from the fitting years ({years}) only: a "
         "climatology of 2016-18 launches, a base rate of 2016-18 summits, p = 1/2 where "
         "those years do not define a fact.", ""]  # fmt: skip
    for w in ho.windows:
        L += [f"### {w.label} (start `{w.scenario}`)", "",
              *_skill_table(w.evaluation, ["posterior", "prior", "calibrated", "defaults"]),
              "", _unscaled_line(w.evaluation), "", *_score_table(w.evaluation), ""]  # fmt: skip
    if ho.ablations:
        labels = [w.label for w in ho.windows]
        L += ["### Mechanisms out of the window", "",
              "Each ablation group of the section below switched off at the fitted posterior "
              "on the held-out windows (same runs and draws): change of the window's total "
              "scaled score, ablated - full, paired bootstrap 95% interval. Bold: the window is "
              "forecast worse without the mechanism beyond the noise (it survives the "
              "hold-out); a negative change means the window is forecast *better* without it.",
              "", "| switched off | " + " | ".join(f"Δ total {x}" for x in labels) + " |",
              "|---|" + "---|" * len(labels)]  # fmt: skip
        for name, d in ho.ablations.items():
            cells = []
            for x in labels:
                est, lo, hi = d[x]
                txt = f"{est:+.2f} [{lo:+.2f}, {hi:+.2f}]"
                cells.append(f"**{txt}**" if lo > 0 else txt)
            L.append(f"| {name} | " + " | ".join(cells) + " |")
        L.append("")
    return L


def _worse_than_climatology(rows: list[Any]) -> list[tuple[Any, Any]]:
    """(posterior row, baseline row) of every statistic the posterior scores worse than its
    naive baseline (climatology; facts: the base rate)."""
    out = []
    for r in rows:
        if r.forecaster != "posterior":
            continue
        b = next((x for x in rows if x.name == r.name
                  and x.forecaster in ("climatology", "base_rate")), None)  # fmt: skip
        if b is not None and b.score < r.score:
            out.append((r, b))
    return out


def _misses(res: dict[str, Any]) -> list[str]:
    """Known misses, in plain words, from the numbers above."""
    ev: Evaluation = res["_"]["evaluation"]
    out = []
    worse = [r.name for r, _ in _worse_than_climatology(ev.rows)]
    if worse:
        out.append(f"On the record, the posterior predictive scores worse than the naive "
                   f"climatology on {len(worse)} of {len(ev.statistics)} statistics: "
                   f"{', '.join(worse)}.")  # fmt: skip
    dflt = [r.name for r in ev.rows if r.forecaster == "defaults"
            and (p := next((x for x in ev.rows if x.name == r.name
                            and x.forecaster == "posterior"), None)) and r.score < p.score]  # fmt: skip
    if dflt:
        out.append(f"The uncalibrated schema defaults beat the posterior on {len(dflt)} "
                   f"statistics ({', '.join(dflt)}): the fit trades them for others.")  # fmt: skip
    for f in res["_"]["folds"]:
        sk = f.evaluation.skill.get("posterior", {}).get("climatology", {})
        neg = [g for g, v in sk.items() if v["statistics"] and v["baseline"] > 0
               and v["skill"] <= 0]  # fmt: skip
        if neg:
            out.append(f"Cross-validation fold {f.year} (fitted on the other two years): no "
                       "skill over climatology/base rates in "
                       f"{', '.join(neg)}.")  # fmt: skip
    ho: Holdout | None = res["_"].get("holdout")
    for w in ho.windows if ho is not None else []:
        sk = w.evaluation.skill.get("posterior", {}).get("climatology", {})
        neg = [f"{g} ({_f(v['skill'])})" for g, v in sk.items()
               if g != "total" and v["statistics"] and v["baseline"] > 0
               and v["skill"] <= 0]  # fmt: skip
        if neg:
            out.append(f"Held-out window {w.label} (never fitted): no skill over the "
                       f"fitting years' climatology in {', '.join(neg)}.")  # fmt: skip
        worse = [f"{r.name} ({r.score:.2f} vs {b.score:.2f})"
                 for r, b in _worse_than_climatology(w.evaluation.rows)]  # fmt: skip
        if worse:
            out.append(f"Held-out window {w.label}: the posterior scores worse than the "
                       f"fitting years' climatology on {len(worse)} of "
                       f"{len(w.evaluation.statistics)} statistics: {', '.join(worse)}.")  # fmt: skip
        total = {m: w.evaluation.skill.get(m, {}).get("climatology", {}).get("total", {})
                 for m in ("posterior", "prior", "defaults")}  # fmt: skip
        better = [
            m
            for m in ("prior", "defaults")
            if total[m].get("model", 1e300) < total["posterior"].get("model", -1e300)
        ]
        if better:
            out.append(f"Held-out window {w.label}: the fit does not improve the forecast; "
                       f"the {' and the '.join(better)} predictive score(s) better in total "
                       f"({', '.join(f'{m} {total[m]['model']:.2f}' for m in better)} vs "
                       f"posterior {total['posterior']['model']:.2f}).")  # fmt: skip
    if ho is not None and ho.ablations:
        worse = [f"{name} ({x}: {v[0]:+.2f} [{v[1]:+.2f}, {v[2]:+.2f}])"
                 for name, d in ho.ablations.items() for x, v in d.items() if v[2] < 0]  # fmt: skip
        if worse:
            out.append("Held-out windows forecast better with a mechanism switched off (the "
                       "mechanism as fitted does not survive that hold-out): "
                       f"{', '.join(worse)}.")  # fmt: skip
    unid = [s["name"] for s in res["shrinkage"] if not s["identified"]]
    if unid:
        out.append(f"The record does not identify {len(unid)} of {len(res['shrinkage'])} "
                   f"fitted parameters (shrinkage < {IDENTIFIED:.0%}): {', '.join(unid)}; "
                   "their posterior is close to the prior range.")  # fmt: skip
    better = [a["name"] for a in res["ablations"] if a["change"]["total"][2] < 0]
    free = [a["name"] for a in res["ablations"]
            if a["change"]["total"][1] <= 0 <= a["change"]["total"][2]]  # fmt: skip
    if better:
        out.append("The record of 2016-18 is forecast better with these groups switched off "
                   f"(the whole interval below 0): {', '.join(better)}. As fitted, they cost "
                   "the model fit rather than earn it.")  # fmt: skip
    if free:
        out.append("Switching off these groups does not change the fit to the record beyond "
                   f"the noise (the interval contains 0): {', '.join(free)}. The record "
                   "of 2016-18 does not show that they earn their place.")  # fmt: skip
    out += _signature_misses(res["signatures"], res["size"])
    return out or ["None found by the checks above at this size."]


def _signature_misses(sig: list[dict[str, Any]], size: dict[str, Any]) -> list[str]:
    """Signature rows against the mechanism in some posterior draws (a failure of the model)
    apart from rows the draws did not show at this size (intervals straddling the expected
    side: too few replicates per arm to tell, not a failure)."""
    out = []
    against = [f"{s['row']} ({s['mechanism']}, {s['contradicted']:.0%} of draws)"
               for s in sig if s.get("contradicted", 0.0) > 0]  # fmt: skip
    if against:
        out.append("Signature rows contradicted in some posterior draws (a check's whole 95% "
                   f"interval against the mechanism): {', '.join(against)}.")  # fmt: skip
    unshown = [f"{s['row']} ({s['mechanism']}, passing in {s['share']:.0%})" for s in sig
               if s["share"] < 0.5 and s.get("contradicted", 0.0) == 0]  # fmt: skip
    if unshown:
        out.append("Signature rows passing in fewer than half of the posterior draws, never "
                   "contradicted: their intervals straddle the expected side at "
                   f"{size['sig_draw_replicates']} replicates per arm, too few to tell "
                   f"(`--size full` runs {SIZES['full'].sig_draw_replicates}): "
                   f"{', '.join(unshown)}.")  # fmt: skip
    return out


def markdown(res: dict[str, Any], targets: Targets, command: str) -> str:
    ev: Evaluation = res["_"]["evaluation"]
    size = res["size"]
    t = res["timing"]
    meta = res["posterior"]["meta"]
    L = [
        "# Validation report",
        "",
        f"Generated by `{command}` ({report_stamp()}; size: {size['particles']} particles x "
        f"{size['replicates']} replicates per fold fit, {size['draws']} predictive runs per "
        f"start, seed {res['seed']}) in {t['total']:.0f} s on this machine: scores "
        f"{t['scores']:.0f} s, held-out windows {t.get('holdout', 0.0):.0f} s, "
        f"cross-validation {t['cross_validation']:.0f} s, ablations "
        f"{t['ablations']:.0f} s, signatures {t['signatures']:.0f} s. Every figure below comes "
        "from that command; do not edit by hand.",
        "",
        "Lower scores are better. CRPS (in the statistic's unit: counts, weeks, shares, ratios) "
        "and the log score (yes/no "
        "facts) are proper: they reward putting probability where the record fell and cannot "
        "be gamed by wide bands (`coalition_sim/calibration/scores.py` states the rules and "
        "the baselines). Skill = 1 - model / baseline on the sum of scaled scores (each "
        "statistic's score divided by the scale the fit's distance uses); > 0 beats the "
        "baseline.",
        "",
        "## Data used",
        "",
        f"The 2016-2018 record in `{targets.path.name}` ({targets.name}): the CNS North Korea "
        "Missile Test Database (launch days per year, first and last conventional launch), "
        "nuclear tests and ICBM launches (dates), the UN Security Council resolutions 2270, "
        "2321, 2371, 2375 and 2397, the 2018 summit calendar (invitation 8 March, "
        "cancellation 24 May, revival 1 June, Singapore 12 June) and the 20 April 2018 test "
        "moratorium; the file gives each source and how each statistic follows from the "
        "record (checked on load). Nothing after 2018 is used in the fit; the held-out "
        "windows below (2013-2015 and 2019-2020, `configs/validation/holdout.toml`) are "
        "scored, never fitted.",
        "",
        f"Posterior scored: `{res['posterior']['path']}` ({res['posterior']['particles']} "
        f"particles; fit: {meta.get('method', meta.get('fit', 'n/a'))}).",
        "",
        "## Scores and skill on the record (in sample)",
        "",
        "Forecasters: the posterior predictive, the prior predictive (no data), the calibrated "
        "point (weighted posterior median) and the schema defaults; baselines from the record "
        "of the fitting years. Facts are always scored against their base rate.",
        "",
        *_skill_table(ev, ["posterior", "prior", "calibrated", "defaults"]),
        "",
        "Yes/no facts alone against their base rates: "
        + ", ".join(
            f"{m} {_f(facts_skill(ev.rows, m)['skill'])}"
            for m in ("posterior", "prior", "calibrated", "defaults")
            if m in ev.skill
        )
        + ".",
        "",
        "Prior -> posterior predictive gain (1 - posterior score / prior score): "
        + ", ".join(f"{g} {_f(v)}" for g, v in res["gain"].items())
        + ".",
        "",
        "Per statistic (CRPS in the statistic's unit, log score for facts):",
        "",
        *_score_table(ev),
        "",
        *_holdout_lines(res["_"].get("holdout")),
        "## The posterior: shrinkage and identification",
        "",
        f"Shrinkage = 1 - posterior sd / prior sd (uniform prior); below {IDENTIFIED:.0%} the "
        "record does not identify the parameter.",
        "",
        "| parameter | prior | median [5%, 95%] | shrinkage | identified |",
        "|---|---|---|---|---|",
    ]
    for s in res["shrinkage"]:
        L.append(f"| `{s['name']}` | [{s['low']:g}, {s['high']:g}] | {s['median']:.3g} "
                 f"[{s['q05']:.3g}, {s['q95']:.3g}] | {_f(s['shrinkage'])} | "
                 f"{'yes' if s['identified'] else '**no**'} |")  # fmt: skip
    if targets.fixed:
        L += ["", f"Not fitted ({len(targets.fixed)}): parameters a screening named as candidates "
              "(at the current or an earlier calibrated point) but the fits did not identify; "
              "they keep their documented values (`[[fixed]]` in the target file, with the "
              "evidence; the current screening's verdict on each is in "
              "docs/calibration/screening/): "
              + ", ".join(f"`{f.name}` = {f.value:g}" for f in targets.fixed) + "."]  # fmt: skip
    h = res["health"]
    L += [
        "",
        f"Health of the posterior file: {h['particles']} particles, ESS (1 / sum w^2) "
        f"{h['ess']:.0f} ({h['ess'] / h['particles']:.0%} of the population), {h['distinct']} "
        f"distinct; sampler: {h['method']}.",
    ]
    if h["generations"]:
        L += ["", f"Its fit (`docs/calibration/fit.json`; stopped: {h['stopped']}):", "",
              "| generation | tolerance | runs | ESS | distinct | kept |", "|---|---|---|---|---|---|"]  # fmt: skip
        for g in h["generations"]:
            L.append(f"| {g['generation']} | {g['epsilon']:.4g} | {g['runs']:,} | "
                     f"{g['ess']:.0f} | {g.get('unique') or '-'} | "
                     f"{'yes' if g.get('kept', True) else 'dropped'} |")  # fmt: skip
    L += [
        "",
        "Sampler health in the cross-validation fits below (ESS = importance ESS before "
        "resampling; with the default resample-move scheme the population carried on has "
        "equal weights, and 'distinct' counts different particles in it):",
        "",
        "| fold | generation | tolerance | runs | ESS | distinct of N | move acceptance |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in res["_"]["folds"]:
        n = len(f.fit.theta)
        for g in f.fit.generations:
            acc = "-" if g.index == 0 else f"{g.acceptance:.1%}"
            L.append(f"| {f.year} | {g.index}{'' if g.kept else ' (dropped)'} | "
                     f"{g.epsilon:.4g} | {g.runs:,} | {g.ess:.0f} | "
                     f"{g.unique or n} of {n} | {acc} |")  # fmt: skip
    L += [
        "",
        "## Cross-validation: leave one year out",
        "",
        "Each fold fits the other two years (resample-move ABC-SMC at this size) and forecasts "
        "the held-out year; skill against the climatology of the other years (facts: their "
        "base rate). 2016 and 2018 are forecast from their 1 January starts; 2017 from 1 "
        "January 2016 through the model's own 2016 (no documented 1 January 2017 start). The "
        "2018 fold is the old 2016-17 -> 2018 forecast test.",
        "",
        *_fold_lines(res["_"]["folds"]),
        "",
    ]
    for f in res["_"]["folds"]:
        if f.unused:
            L.append(f"- Fold {f.year}: not used (window straddles the held-out year): "
                     f"{', '.join(f.unused)}.")  # fmt: skip
    L += [
        "",
        "## Mechanism ablations",
        "",
        "Each group (`configs/validation/ablations.toml`) switched off at the fitted "
        "posterior, not re-fitted: Δ = scaled score ablated - full, with a paired bootstrap "
        f"95% interval ({size['resamples']} resamples; same seeds and draws). Bold: the fit "
        "is worse without the mechanism beyond the noise. Signature rows at the calibrated "
        f"point ({size['sig_replicates']} replicates per arm) with the group switched off.",
        "",
        *_ablation_lines(res),
        "",
        *verdict_section(res),
        "## Signatures at the defaults, the calibrated point and under the posterior",
        "",
        f"Defaults and calibrated point: {size['sig_replicates']} replicates per arm; "
        f"posterior: {size['sig_draws']} draws x {size['sig_draw_replicates']} replicates, "
        "share of draws in which the row passes with Wilson's 95% interval, and share in "
        "which it is contradicted (a check's whole interval against the mechanism). A row "
        "neither passing nor contradicted is *not shown* at that many replicates.",
        "",
        "| # | mechanism | defaults | calibrated point | posterior draws passing | contradicting |",
        "|---|---|---|---|---|---|",
    ]
    for s in res["signatures"]:
        L.append(f"| {s['row']} | {s['mechanism']} | {_verdict(s, 'defaults')} "
                 f"| {_verdict(s, 'calibrated')} | {s['share']:.0%} "
                 f"[{s['low']:.0%}, {s['high']:.0%}] | {s.get('contradicted', 0.0):.0%} |")  # fmt: skip
    L += [
        "",
        "## Coverage (secondary), with band widths",
        "",
        "Coverage is not evidence: the prior predictive covers about as much as the "
        "posterior. Widths are in the statistic's unit.",
        "",
        *_coverage_table(ev),
        "",
        "## Known misses",
        "",
        *[f"- {m}" for m in _misses(res)],
        "",
    ]
    return "\n".join(L)


def _verdict(sig: dict[str, Any], arm: str) -> str:
    """PASS, not shown or **CONTRADICTED** (reports written before verdicts: PASS or
    **FAIL**)."""
    verdict = sig.get(f"{arm}_verdict")
    if verdict is None:
        return "PASS" if sig[arm] else "**FAIL**"
    return VERDICT_TEXT[verdict]


def write_validation(res: dict[str, Any], targets: Targets, folder: Path, command: str
                     ) -> list[Path]:  # fmt: skip
    """README.md and validation.json into ``folder`` (the caller stages it)."""
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / "README.md"
    md.write_text(markdown(res, targets, command), encoding="utf-8")
    data = {k: v for k, v in res.items() if k != "_"}
    js = folder / "validation.json"
    js.write_text(json.dumps(data, indent=1, default=_json) + "\n", encoding="utf-8")
    return [md, js]


def _json(o: object) -> object:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
