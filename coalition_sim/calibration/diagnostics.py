"""The report of the sequential fit: Markdown and figures from ``fit.json`` and the posterior
(issue 11). Regenerable without refitting: ``python run.py calibration-report OUT --out DIR``.

What it states, all computed from the numbers: fitted values with 90% intervals; prior vs
posterior (shrinkage, share of the prior range kept, mass at the prior edges, and a flag for
a parameter piling at an edge, whose range the target file must then reconsider in words);
pairwise correlations; the tolerance schedule and acceptance per generation; posterior
predictive coverage of every target at 50% and 90%; the 2016-17 -> 2018 forecast test; and a
plain statement of each miss.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..scenario.loading import ConfigError
from .figures import posterior_marginals

__all__ = ["write_smc_report"]

#: Fewer particles than this make a fit "small" in its report (its figures are rough).
SMALL_FIT = 100


def _read(folder: Path) -> tuple[dict[str, Any], dict[str, Any], pd.DataFrame]:
    fit_path, post_path = folder / "fit.json", folder / "posterior.parquet"
    if not fit_path.is_file() or not post_path.is_file():
        raise ConfigError(
            f"{folder}: not a calibration folder (needs fit.json and posterior.parquet)"
        )
    try:
        fit = json.loads(fit_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{fit_path}: malformed JSON: {exc}") from None
    timing_path = folder / "timing.json"
    timing = json.loads(timing_path.read_text(encoding="utf-8")) if timing_path.is_file() else {}
    return fit, timing, pd.read_parquet(post_path)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=80, metadata={"Software": None})
    plt.close(fig)
    return path


def _fig_marginals(fit: dict[str, Any], post: pd.DataFrame, path: Path) -> Path:
    return posterior_marginals(fit, post, path, "Posterior (bars, weighted) vs uniform prior "
                               "(dotted); line = median, band = 5-95%")  # fmt: skip


def _fig_corr(fit: dict[str, Any], path: Path) -> Path:
    c = fit["correlations"]
    m = np.array(c["matrix"])
    labels = [n.split(".")[-1] for n in c["names"]]
    fig, ax = plt.subplots(figsize=(6, 5))
    im = ax.imshow(m, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(labels)), labels, rotation=70, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if i != j and abs(m[i, j]) >= 0.3:
                ax.text(j, i, f"{m[i, j]:.1f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title("Weighted posterior correlations", fontsize=9)
    return _save(fig, path)


def _fig_coverage(rows: list[dict[str, Any]], title: str, path: Path) -> Path:
    rows = [r for r in rows if r.get("runs")]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    for i, r in enumerate(rows):
        span = max(r["band90"][1] - r["band90"][0], abs(r["observed"]), 1e-9)
        base = r["band90"][0]

        def sc(v: float, base: float = base, span: float = span) -> float:
            return (v - base) / span

        ax.plot([sc(r["band90"][0]), sc(r["band90"][1])], [i, i], color="C0", lw=2, alpha=0.4)
        ax.plot([sc(r["band50"][0]), sc(r["band50"][1])], [i, i], color="C0", lw=5)
        ax.plot(sc(r["observed"]), i, "kD" if r["in90"] else "rX", ms=6)
    ax.set_yticks(range(len(rows)), [r["name"] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xticks([])
    ax.set_xlabel("each row scaled to its own 90% band; thick = 50% band; diamond = record "
                  "(red cross: outside 90%)", fontsize=7)  # fmt: skip
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _cov_table(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| statistic | record | predictive median | 50% band | 90% band | in 50% | in 90% |",
           "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        if not r.get("runs"):
            out.append(f"| {r['name']} | {_fmt(r['observed'])} | - | - | - | no | no |")
            continue
        rec = f"{_fmt(r['observed'])}" + (f" ({r['date']})" if r.get("date") else "")
        med = _fmt(r["median"])
        if r.get("kind") == "fact":
            rec, med = "happened", f"in {r['mean']:.0%} of runs"
        out.append(
            f"| {r['name']} | {rec} | {med} | [{_fmt(r['band50'][0])}, "
            f"{_fmt(r['band50'][1])}] | [{_fmt(r['band90'][0])}, {_fmt(r['band90'][1])}] | "
            f"{'yes' if r['in50'] else '**no**'} | {'yes' if r['in90'] else '**no**'} |"
        )
    return out


def _misses(rows: list[dict[str, Any]], what: str) -> list[str]:
    out = []
    for r in rows:
        if not r.get("runs"):
            out.append(f"- **{r['name']}** ({what}): no run produces the statistic at all.")
        elif r.get("kind") == "fact" and not r["in50"]:
            verdict = "MISS: under 5%" if not r["in90"] else "under 25%"
            out.append(
                f"- **{r['name']}** ({what}): the record's outcome happens in {r['mean']:.1%} of "
                f"runs ({verdict})."
            )
        elif not r["in90"]:
            side = "below" if r["observed"] < r["band90"][0] else "above"
            out.append(
                f"- **{r['name']}** ({what}): MISS. The record ({_fmt(r['observed'])}) lies {side} "
                f"the 90% predictive band [{_fmt(r['band90'][0])}, {_fmt(r['band90'][1])}]."
            )
        elif not r["in50"]:
            out.append(
                f"- **{r['name']}** ({what}): inside the 90% band but outside the 50% band "
                f"[{_fmt(r['band50'][0])}, {_fmt(r['band50'][1])}] (record {_fmt(r['observed'])})."
            )
    return out


def _md(fit: dict[str, Any], timing: dict[str, Any]) -> str:
    gens = fit["generations"]
    cov = fit["predictive"]["coverage"]
    n50 = sum(r["in50"] for r in cov)
    n90 = sum(r["in90"] for r in cov)
    L = [
        "# Calibration against the 2016-2018 record",
        "",
        "Generated by `python run.py calibrate` (or `calibration-report`); do not edit.",
        f"Targets: `{fit['targets']}` (hash {fit['targets_hash']}); model fingerprint "
        f"{fit['model_fingerprint']}.",
        "",
        *(
            [
                f"**A small fit** ({fit['particles']} particles, {fit['replicates']} runs per "
                "particle and start): the intervals, correlations and edge flags below rest on "
                "few particles and are rough; the committed fit uses 400 and 40.",
                "",
            ]
            if fit["particles"] < SMALL_FIT
            else []
        ),
        f"- **Method**: {fit['method']}; {fit['particles']} particles, {fit['replicates']} runs per "
        f"particle and start, seed {fit['seed']}; tolerance = the {fit['alpha']:.0%} quantile of "
        f"the last population's distances; kernel: {fit['kernel']}; generation 0: "
        f"{fit['generation_0']}. Stopped: {fit['stopped']}.",
        f"- **Distance**: {fit['distance']}.",
        f"- **Runs to the posterior**: {fit['runs']:,}.",
    ]
    if timing:
        L.append(
            f"- **Wall time** ({timing.get('workers')} worker(s), {timing.get('cpu_count')} "
            f"cores, shared machine): fit {timing.get('fit_seconds')} s, predictive check "
            f"{timing.get('predictive_seconds')} s, forecast-test fit "
            f"{timing.get('forecast_fit_seconds', '-')} s; end to end "
            f"{timing.get('end_to_end_seconds')} s."
        )
    if timing.get("single_particle_ms"):
        L.append(
            f"- **Why not pyabc**: it simulates one particle per model call; here one particle "
            f"alone costs {timing['single_particle_ms']:.0f} ms, but "
            f"{timing['batched_particle_ms']:.0f} ms as rows of the fit's large ensemble calls "
            f"({timing['single_particle_ms'] / max(timing['batched_particle_ms'], 1e-9):.2g}x); "
            "a full pyabc run is measured by `benchmarks/bench_pyabc.py`."
        )
    cmp = fit.get("comparison")
    if cmp:
        passed = cmp["smc_passed_it"]
        tail = (
            f"the sequential fit passed that tolerance in generation {passed['generation']} "
            f"after {passed['runs']:,} runs: **{cmp['speedup_runs_to_same_tolerance']:.1f}x fewer "
            f"runs**, and went on to {cmp['smc_final_tolerance']:.4g} with {cmp['smc_runs']:,}"
            if passed
            else "the sequential fit never reached that tolerance"
        )
        L.append(
            f"- **Against rejection** (same replicates and distance): {cmp['rejection_candidates']:,} "
            f"Sobol candidates ({cmp['rejection_runs']:,} runs) keep the closest "
            f"{fit['particles']} at tolerance {cmp['rejection_tolerance']:.4g}; {tail}."
        )
        k = cmp.get("rejection_within_final", 0)
        need = cmp.get("rejection_runs_to_final")
        final = cmp["smc_final_tolerance"]
        if k >= fit["particles"]:
            verdict = (
                f"  Rejection's own closest {fit['particles']} are all within the sequential fit's "
                f"final tolerance {final:.4g}: on this model and budget the sequential fit is "
                f"**no faster** ({cmp['smc_runs']:,} runs against {cmp['rejection_runs']:,})."
            )
        elif need:
            verdict = (
                f"  To keep {fit['particles']} within the sequential fit's final tolerance "
                f"{final:.4g}, rejection would need about {need:,} runs ({k} of its "
                f"{cmp['rejection_candidates']:,} candidates were within it): **{need / cmp['smc_runs']:.2g}x** "
                f"the sequential fit's {cmp['smc_runs']:,}."
            )
        else:
            verdict = (
                f"  None of rejection's {cmp['rejection_candidates']:,} candidates was within the "
                f"sequential fit's final tolerance {final:.4g}."
            )
        L.append(verdict)
    L += [
        "- **Posterior as an input**: `posterior.parquet` (particles, weights, model fingerprint,",
        "  targets hash). `python run.py run --posterior FILE`, `sweep --posterior FILE`,",
        "  `run_ensemble(..., posterior=FILE)` and the UI switch draw each replicate's fitted",
        "  parameters from it, keyed by the replicate's seed. `configs/history/calibrated_*.toml`",
        "  are the point summaries (weighted medians) for single runs.",
        "",
        "## Fitted values",
        "",
        "| parameter | prior | median | 50% interval | 90% interval | shrinkage | prior range kept (90%) | mass at low / high edge |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, v in fit["parameters"].items():
        pr, dg = fit["priors"][name], fit["diagnostics"][name]
        flag = " **piles**" if dg["piles_at_edge"] else ""
        L.append(
            f"| `{name}` | [{pr['low']:g}, {pr['high']:g}] | {_fmt(v['median'])} | "
            f"[{_fmt(v['q25'])}, {_fmt(v['q75'])}] | [{_fmt(v['q05'])}, {_fmt(v['q95'])}] | "
            f"{dg['shrinkage']:.0%} | {dg['interval_share']:.0%} | "
            f"{dg['mass_low_edge']:.0%} / {dg['mass_high_edge']:.0%}{flag} |"
        )
    L += [
        "",
        "Shrinkage = 1 - posterior sd / prior sd (0: the data taught nothing). Edge mass: the",
        "posterior weight in the outer 5% of the prior range at each end (the prior puts 5% there);",
        "above 15% the parameter **piles** at that edge, and its prior range is reconsidered in",
        "writing in the target file (see its `reason`), never widened silently.",
        "",
    ]
    if fit.get("fixed"):
        L += [
            "### Screened, but not identified: kept at their documented values",
            "",
            f"{len(fit['fixed'])} parameters were named as candidates by a screening (at the "
            "current or an earlier calibrated point; the current verdicts are in "
            "`docs/calibration/screening/`) but the fits that tried them did not identify them "
            "(or no fit has tried them yet; `docs/calibration/identification.md`); they are not "
            "fitted and keep their documented (schema) value (the target file's `[[fixed]]`, "
            "with the evidence):",
            "",
            "| parameter | value | why not fitted |",
            "|---|---|---|",
            *[f"| `{f['name']}` | {_fmt(f['value'])} | {f['reason']} |" for f in fit["fixed"]],
            "",
        ]
    L += [
        "![posterior vs prior](posterior.png)",
        "",
        "### Correlations",
        "",
    ]
    c = fit["correlations"]
    m = np.array(c["matrix"])
    pairs = [(abs(m[i, j]), c["names"][i], c["names"][j], m[i, j])
             for i in range(len(m)) for j in range(i + 1, len(m))]  # fmt: skip
    pairs.sort(reverse=True)
    strong = [p for p in pairs if p[0] >= 0.3]
    if strong:
        L += ["Pairs with |r| >= 0.3 (weighted posterior correlation):", ""]
        L += [f"- `{a}` ~ `{b}`: {r:+.2f}" for _, a, b, r in strong]
    else:
        L.append("No pair has |r| >= 0.3.")
    L += ["", "![correlations](correlations.png)", "",
          "## Tolerance schedule", "",
          "| generation | tolerance | proposed | accepted | acceptance | runs | ESS | ESS carried on | distinct |",
          "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for g in gens:
        after = g.get("ess_after")
        L.append(f"| {g['generation']}{'' if g.get('kept', True) else ' (dropped)'} | {g['epsilon']:.4g} | {g['proposed']:,} | {g['accepted']:,} "
                 f"| {g['acceptance']:.1%} | {g['runs']:,} | {g['ess']:.0f} "
                 f"| {'-' if after is None else f'{after:.0f}'} | {g.get('unique') or '-'} |")  # fmt: skip
    L += [
        "",
        "## Posterior predictive coverage",
        "",
        f"{fit['predictive']['draws']} fresh runs per start (seed {fit['predictive']['seed']}),",
        "each with parameters drawn from the posterior. Bands are central quantiles of the",
        "per-run statistic (for a binary fact: the record is inside the 50% band when at least a",
        "quarter of runs show it, inside the 90% band when at least 5% do). Timing statistics are",
        "weeks of the year; a run without the event counts as the week after the year's end",
        "(first) or week 0 (last).",
        "",
        f"**{n50} of {len(cov)}** targets inside the 50% band, **{n90} of {len(cov)}** inside the 90% band.",
        "",
        *_cov_table(cov),
        "",
        "![coverage](coverage.png)",
        "",
    ]
    fc = fit.get("forecast")
    if fc:
        fcov = fc["coverage"]
        f50 = sum(r["in50"] for r in fcov)
        f90 = sum(r["in90"] for r in fcov)
        L += [
            "## Forecast test: fit 2016-2017, forecast 2018",
            "",
            f"The same sequential fit on the {len(fc['statistics_fitted'])} statistics of "
            f"2016-{fc['fit_until']} only ({fc['runs']:,} runs, stopped: {fc['stopped']}), then",
            "2018 forecast from 1 January 2018 (the start_2018 scenario: Kim's New Year speech,",
            "the 8 March invitation) with every run's parameters drawn from that posterior.",
            "Parameters the 2016-17 record hardly informs (shrinkage below 20% in this fit: "
            + (
                ", ".join(f"`{n}`" for n, d in fc["diagnostics"].items() if d["shrinkage"] < 0.2)
                or "none"
            )
            + ") keep nearly their prior range, so the forecast carries that uncertainty.",
            "",
            "| parameter | 2016-17 fit: median [90%] | full fit: median [90%] |",
            "|---|---|---|",
            *(
                f"| `{n}` | {_fmt(v['median'])} [{_fmt(v['q05'])}, {_fmt(v['q95'])}] | "
                f"{_fmt(fit['parameters'][n]['median'])} [{_fmt(fit['parameters'][n]['q05'])}, "
                f"{_fmt(fit['parameters'][n]['q95'])}] |"
                for n, v in fc["parameters"].items()
            ),
            "",
            f"**{f50} of {len(fcov)}** 2018 facts inside the 50% band, **{f90} of {len(fcov)}** "
            "inside the 90% band.",
            "",
            *_cov_table(fcov),
            "",
            "![forecast](forecast.png)",
            "",
        ]
    L += ["## Where the model misses", ""]
    miss = _misses(cov, "in-sample, full fit")
    if fc:
        miss += _misses(fc["coverage"], "forecast of 2018 from the 2016-17 fit")
    piles = [n for n, d in fit["diagnostics"].items() if d["piles_at_edge"]]
    for n in piles:
        d = fit["diagnostics"][n]
        side = "low" if d["mass_low_edge"] > d["mass_high_edge"] else "high"
        pr = fit["priors"][n]
        why = pr.get("edge") or (
            "NOT YET RECONSIDERED: the target file gives no `edge` reason for this range"
        )
        miss.append(f"- **`{n}`** piles at its {side} prior edge "
                    f"({max(d['mass_low_edge'], d['mass_high_edge']):.0%} of the weight in the outer 5%; "
                    f"prior [{pr['low']:g}, {pr['high']:g}]: {pr['reason']}). Range reconsidered: {why}")  # fmt: skip
    weak = [n for n, d in fit["diagnostics"].items() if d["shrinkage"] < 0.2]
    if weak:
        miss.append("- **Weakly identified** (shrinkage below 20%): "
                    + ", ".join(f"`{n}`" for n in weak)
                    + ". Their medians sit near the prior's centre and are not estimates; "
                    "forecasts drawn from the posterior carry their full range.")  # fmt: skip
    miss += [
        "- **Launch days vs weeks**: the record gives launch days; the model has at most one test "
        "rung a week, so a week with several launch days counts once (a bias against the model).",
        "- **Not fitted**: the UN resolutions themselves (no sanctions-vote variable; their "
        "effect enters through the tightening statistic), any year after 2018.",
    ]
    L += miss if miss else ["Every target lies inside its 90% predictive band."]
    return "\n".join(L) + "\n"


def _coalition_md(fit: dict[str, Any]) -> list[str]:
    """The coalition of 2016-2018 under the fit (issue 18's figures), point and posterior."""
    c = fit.get("coalition")
    if not c:
        return []
    pt, po = c["point"], c["posterior"]
    rows = [
        ("P(coalition fractured) by end 2017", "p_coalition_fracture_by_2017", "0 (record)"),
        ("P(US isolated) by end 2017", "p_us_isolated_by_2017", "0 (record)"),
        ("P(pressure unwound) by end 2017", "p_pressure_unwound_by_2017", "0 (record)"),
        ("US compromises / responses to tests 2016-17", "us_compromise_share_2016_2017",
         "0 of 6 (record)"),
        ("PRC commitment, start 2016", "PRC_commitment_start", ""),
        ("PRC commitment, end 2017", "PRC_commitment_end_2017", "up (coal ban, sectoral bans)"),
        ("PRC change over 2018", "PRC_change_2018", "down (Kim-Xi meetings)"),
        ("ROK commitment, start 2016", "ROK_commitment_start", ""),
        ("ROK commitment, end 2017", "ROK_commitment_end_2017", ""),
        ("ROK change over 2018", "ROK_change_2018", "down (three summits)"),
    ]  # fmt: skip
    L = [
        "",
        "## The coalition of 2016-2018 under the fit",
        "",
        f"`calibrated_2016`, {pt['runs']} runs (seed {pt['seed']}) at the calibrated point and "
        "with every run's parameters drawn from the posterior (`coalition_check.py`).",
        "",
        "| figure | calibrated point | posterior | record |",
        "|---|---|---|---|",
    ]
    for label, key, rec in rows:
        if key in pt:
            L.append(f"| {label} | {pt[key]:.3f} | {po[key]:.3f} | {rec} |")
    return L


def write_smc_report(folder: Path, out: Path) -> list[Path]:
    """README.md, fit.json and figures for the fit in ``folder``, written to ``out``."""
    fit, timing, post = _read(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        _fig_marginals(fit, post, out / "posterior.png"),
        _fig_corr(fit, out / "correlations.png"),
        _fig_coverage(
            fit["predictive"]["coverage"],
            "Posterior predictive: every target",
            out / "coverage.png",
        ),
    ]
    if fit.get("forecast"):
        paths.append(_fig_coverage(fit["forecast"]["coverage"],
                                   "Forecast of 2018 from the 2016-17 fit", out / "forecast.png"))  # fmt: skip
    readme = out / "README.md"
    text = _md(fit, timing)
    extra = _coalition_md(fit)
    if extra:
        text = text.rstrip("\n") + "\n" + "\n".join(extra) + "\n"
    readme.write_text(text, encoding="utf-8")
    if folder.resolve() != out.resolve():
        for name in ("fit.json", "timing.json"):
            if (folder / name).is_file():
                shutil.copyfile(folder / name, out / name)
    # every file the report folder holds (its timing.json went unnamed)
    kept = [out / name for name in ("fit.json", "timing.json") if (out / name).is_file()]
    return [readme, *kept, *paths]
