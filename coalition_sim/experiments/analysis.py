"""``analyze DIR``: outcome probabilities with Wilson intervals, Sobol/Morris indices, plots.

Reads a sweep folder chunk by chunk (memory stays bounded for million-run sweeps) and writes
into ``DIR/analysis/``:

- ``probabilities.csv``: per point, its parameter values, the number of runs, and for every
  outcome the share of runs where it happened with a Wilson interval; mean final metrics.
- ``sobol.csv`` / ``morris.csv``: sensitivity indices of each outcome probability and mean
  metric, when the design is Sobol/Saltelli or Morris and the sweep is complete.
- ``heatmap_<outcome>.png``: the outcome's probability over the first two parameters.
- ``fan_chart.png``: median and 5-95 % band of effective pressure and cohesion over time, when
  trajectories were kept.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats

from ..core.events import OUTCOMES
from ..engine.ensemble import METRICS
from ..engine.stats import wilson_interval
from ..scenario.loading import ConfigError
from ..scenario.provenance import package_version
from ..scenario.safe_paths import StagedFiles
from .noise import add_by_point
from .store import points_problem, verified_parts
from .sweep import read_manifest

__all__ = [
    "AnalysisResult",
    "analyze",
    "morris_indices",
    "point_table",
    "sobol_indices",
]

FAN_MAX_ROWS = 4_000_000  # trajectory rows read for the fan chart (about 70 MB of columns)


# --------------------------------------------------------------------------- sensitivity


def sobol_indices(
    problem: dict[str, Any], y: np.ndarray, second_order: bool = False, seed: int = 1
) -> pd.DataFrame:
    """First- and total-order Sobol indices (SALib) with bootstrap confidence half-widths.

    ``y`` is in the order of the Saltelli sample. ``seed`` must be non-zero: SALib 1.6 falls
    back to numpy's global random state for a seed of 0 or None.
    """
    from SALib.analyze import sobol

    if not seed:
        raise ValueError("seed must be a non-zero integer")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # "constant values" in bootstrap subsets
        res = sobol.analyze(
            problem, np.asarray(y, dtype=np.float64), calc_second_order=second_order,
            seed=seed, print_to_console=False,
        )  # fmt: skip
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


def morris_indices(
    problem: dict[str, Any], x: np.ndarray, y: np.ndarray, levels: int = 4, seed: int = 1
) -> pd.DataFrame:
    """Morris elementary effects (SALib): mu, mu* (importance) and sigma (interactions)."""
    from SALib.analyze import morris

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = morris.analyze(
            problem, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64),
            num_levels=levels, seed=seed, print_to_console=False,
        )  # fmt: skip
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu": np.asarray(res["mu"]),
            "mu_star": np.asarray(res["mu_star"]),
            "mu_star_conf": np.asarray(res["mu_star_conf"]),
            "sigma": np.asarray(res["sigma"]),
        }
    )


# --------------------------------------------------------------------------- aggregation


def point_table(out: Path, confidence: float = 0.95) -> pd.DataFrame:
    """Per-point run counts, outcome probabilities with Wilson intervals and mean metrics,
    accumulated chunk by chunk (the same bytes for any chunk size: :func:`.noise.add_by_point`)."""
    man = read_manifest(out)
    why = points_problem(out, man)
    if why is not None:
        raise ConfigError(f"{out}: {why}; run the sweep again to repair it")
    points = pq.read_table(out / "points.parquet").to_pandas()
    n_points = len(points)
    files = verified_parts(out, "runs")  # every chunk checked against the manifest
    if not files:
        raise ConfigError(f"{out}: no finished chunks yet (run the sweep first)")
    n = np.zeros(n_points)
    hits = {o: np.zeros(n_points) for o in OUTCOMES}
    sums = {m: np.zeros(n_points) for m in METRICS}
    for f in files:
        t = pq.read_table(f, columns=["point", *OUTCOMES, *METRICS]).to_pandas()
        idx = t["point"].to_numpy()
        n += np.bincount(idx, minlength=n_points)  # counts (and hits below): exact
        for o in OUTCOMES:
            hits[o] += np.bincount(idx, weights=t[o].to_numpy(np.float64), minlength=n_points)
        for m in METRICS:  # in replicate order: the same sums however the runs were chunked
            add_by_point(sums[m], idx, t[m].to_numpy(np.float64))
    df = points.copy()
    df["n"] = n.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for o in OUTCOMES:
            lo, hi = wilson_interval(hits[o], n, confidence)
            df[o] = hits[o] / n
            df[f"{o}_lo"] = lo
            df[f"{o}_hi"] = hi
        for m in METRICS:
            df[f"mean_{m}"] = sums[m] / n
    df.attrs["complete"] = int(n.sum()) == man["n_runs"]
    return df


# --------------------------------------------------------------------------- plots


def _heatmap(df: pd.DataFrame, names: list[str], outcome: str, design: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = names[0], names[1]
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    hits = df[outcome] * df["n"]
    if design == "factorial":
        grid = df.groupby([y, x])[outcome].mean().unstack(x)
        # pooled runs per cell -> Wilson half-width (cells average over any other parameters)
        k = hits.groupby([df[y], df[x]]).sum().unstack(x).to_numpy()
        n = df.groupby([y, x])["n"].sum().unstack(x).to_numpy()
        lo, hi = wilson_interval(k, n)
        xs, ys = grid.columns.to_numpy(), grid.index.to_numpy()
        im: Any = ax.imshow(
            grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1
        )
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
        for (i, j), v in np.ndenumerate(grid.to_numpy()):
            ax.text(j, i, f"{v:.2f}\n\u00b1{(hi[i, j] - lo[i, j]) / 2:.2f}", ha="center",
                    va="center", fontsize=7, color="white" if v < 0.6 else "black")  # fmt: skip
    else:
        bins = 8
        stat = stats.binned_statistic_2d(
            df[x], df[y], df[outcome], statistic="mean", bins=bins
        )  # mean probability of the points falling in each cell
        im = ax.pcolormesh(
            stat.x_edge, stat.y_edge, stat.statistic.T, cmap="viridis", vmin=0, vmax=1
        )
        edges = [stat.x_edge, stat.y_edge]
        k = stats.binned_statistic_2d(df[x], df[y], hits, "sum", bins=edges).statistic
        n = stats.binned_statistic_2d(df[x], df[y], df["n"], "sum", bins=edges).statistic
        lo, hi = wilson_interval(k, n)
        cx = (stat.x_edge[:-1] + stat.x_edge[1:]) / 2
        cy = (stat.y_edge[:-1] + stat.y_edge[1:]) / 2
        for (i, j), v in np.ndenumerate(stat.statistic):
            if np.isfinite(v):  # pooled runs of the cell's points (Wilson half-width)
                ax.text(cx[i], cy[j], f"{v:.2f}\n\u00b1{(hi[i, j] - lo[i, j]) / 2:.2f}",
                        ha="center", va="center", fontsize=6,
                        color="white" if v < 0.6 else "black")  # fmt: skip
    others = list(names[2:])
    note = f" (mean over {', '.join(others)})" if 0 < len(others) <= 2 else ""
    if len(others) > 2:
        note = f" (mean over {len(others)} other parameters)"
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    runs = f", {int(df['n'].median())} runs per point" if "n" in df else ""
    ax.set_title(f"P({outcome}){note}{runs}; cells: P \u00b1 95% half-width", fontsize=9)
    fig.colorbar(im, ax=ax, label="probability")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _line(df: pd.DataFrame, name: str, outcome: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = df.sort_values(name)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    ax.fill_between(d[name], d[f"{outcome}_lo"], d[f"{outcome}_hi"], alpha=0.3, label="Wilson CI")
    ax.plot(d[name], d[outcome], marker="o", label=f"P({outcome})")
    ax.set_xlabel(name)
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _fan_chart(out: Path, path: Path) -> int | None:
    """Median and 5-95 % band over all runs; returns the number of runs used (None if no
    trajectories)."""
    files = sorted((out / "trajectories").glob("part-*.parquet"))
    if not files:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts, rows = [], 0
    cols = ["point", "replicate", "step", "effective_pressure", "cohesion"]
    for f in files:
        t = pq.read_table(f, columns=cols).to_pandas()
        parts.append(t)
        rows += len(t)
        if rows >= FAN_MAX_ROWS:
            break
    tr = pd.concat(parts, ignore_index=True)
    runs = int(tr.groupby(["point", "replicate"]).ngroups)
    q = tr.groupby("step")[["effective_pressure", "cohesion"]].quantile([0.05, 0.5, 0.95])
    q = q.unstack()
    fig, axes = plt.subplots(2, 1, figsize=(7, 5.5), dpi=100, sharex=True)
    for ax, var, colour in zip(
        axes, ("effective_pressure", "cohesion"), ("tab:red", "tab:blue"), strict=True
    ):
        steps = q.index.to_numpy()
        ax.fill_between(steps, q[(var, 0.05)], q[(var, 0.95)], color=colour, alpha=0.25,
                        label="5-95 %")  # fmt: skip
        ax.plot(steps, q[(var, 0.5)], color=colour, label="median")
        ax.set_ylabel(var.replace("_", " "))
        ax.legend(loc="best", fontsize=8)
    axes[-1].set_xlabel("week")
    axes[0].set_title(f"Fan chart over {runs} runs", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return runs


# --------------------------------------------------------------------------- analyze


@dataclass
class AnalysisResult:
    out: Path
    probabilities: pd.DataFrame
    sobol: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    files: list[Path] = field(default_factory=list)
    summary: str = ""
    noise: list[Any] = field(default_factory=list)  # experiments.noise.Separation per output


def _sensitivity(
    man: dict[str, Any], table: pd.DataFrame, outputs: list[str]
) -> pd.DataFrame | None:
    design = man["design"]
    problem = man["problem"]
    names = problem["names"]
    frames = []
    for col in outputs:
        y = table[col].to_numpy(np.float64)
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            continue  # constant output: indices undefined
        if design["kind"] == "sobol":
            r = sobol_indices(problem, y, design["second_order"], seed=man["spec"]["seed"] or 1)
        else:
            x = table[names].to_numpy(np.float64)
            r = morris_indices(problem, x, y, design["levels"], seed=man["spec"]["seed"] or 1)
        r.insert(0, "output", col)
        frames.append(r)
    return pd.concat(frames, ignore_index=True) if frames else None


def _noise_aware(
    out: Path, man: dict[str, Any], table: pd.DataFrame, outputs: list[str], sens: pd.DataFrame,
    dest: Path,
) -> tuple[pd.DataFrame, list[Any]]:  # fmt: skip
    """Noise floor per output and separation of the top parameter (experiments.noise)."""
    from .noise import (
        morris_noise_floor,
        noise_floor,
        replicate_moments,
        separation,
        separation_frame,
    )

    raw = [o.removeprefix("mean_") for o in outputs]
    mean, var, reps = replicate_moments(out, raw, len(table))
    mean.columns = var.columns = outputs
    shares = noise_floor(mean, var, reps)
    floors = shares
    key, conf = (
        ("ST", "ST_conf") if man["design"]["kind"] == "sobol" else ("mu_star", "mu_star_conf")
    )
    if man["design"]["kind"] == "morris":  # in mu* units: E|EE| of pure replicate noise
        floors = morris_noise_floor(var, reps, man["design"]["levels"])
    sens = sens.copy()
    sens["noise_floor"] = sens["output"].map(floors)
    sens["above_noise"] = (sens[key] - sens[conf]) > sens["noise_floor"]
    seps = separation(
        sens, key, conf, reps, floors, shares, man["design"].get("samples"),
        power_of_two=man["design"]["kind"] == "sobol",
    )  # fmt: skip
    separation_frame(seps).to_csv(dest / "sensitivity_noise.csv", index=False)
    return sens, seps


def analyze(
    out: str | Path, outcome: str | None = None, confidence: float = 0.95
) -> AnalysisResult:
    """Write CSVs and PNGs into ``out/analysis`` and return them with a short summary.

    The files are written into a staging folder and moved into ``analysis/`` together at
    the end, so a full disk or a crash leaves the previous analysis (or none), never a
    truncated table (issue 23: ``probabilities.csv`` cut at 120 of 401 lines)."""
    out = Path(out)
    man = read_manifest(out)
    if outcome is not None and outcome not in OUTCOMES:
        raise ConfigError(f"unknown outcome '{outcome}' (one of: {', '.join(OUTCOMES)})")
    table = point_table(out, confidence)
    with StagedFiles(out / "analysis") as stage:
        res = _analyze_into(stage.tmp, out, man, table, outcome, confidence)
    res.files = [stage.final(f) for f in res.files]
    res.summary += f"\nwrote into {out / 'analysis'}: " + ", ".join(f.name for f in res.files)
    return res


def _describe(path: Path, man: dict, table: pd.DataFrame, confidence: float) -> None:
    """What the analysis files were computed from and how: the package version, the sweep's
    spec hash and size, the runs done, and the interval level behind every ``_lo``/``_hi``
    column (``analyze --confidence 0.5`` wrote the same columns with nothing recording 0.5)."""
    doc = {
        "package": "coalition-sim",
        "version": package_version(),
        "sweep_spec_hash": man.get("spec_hash"),
        "sweep_version": man.get("version"),
        "runs_done": int(table["n"].sum()),
        "runs_planned": int(man["n_runs"]),
        "complete": bool(table.attrs.get("complete")),
        "confidence": confidence,
        "intervals": "Wilson score intervals for shares (columns <outcome>_lo, <outcome>_hi); "
        "Sobol and Morris confidence columns are SALib's bootstrap at 95%",
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")


def _analyze_into(
    dest: Path, out: Path, man: dict, table: pd.DataFrame, outcome: str | None,
    confidence: float,
) -> AnalysisResult:  # fmt: skip
    names = list(man["parameters"])
    res = AnalysisResult(out, table)
    path = dest / "probabilities.csv"
    table.to_csv(path, index=False)
    res.files.append(path)
    path = dest / "analysis.json"
    _describe(path, man, table, confidence)
    res.files.append(path)

    kind = man["design"]["kind"]
    complete = bool(table.attrs.get("complete"))
    outputs = [*OUTCOMES, *(f"mean_{m}" for m in METRICS)]
    notes = []
    if kind in ("sobol", "morris"):
        if not complete:
            notes.append(f"{kind} indices skipped: the sweep is incomplete (resume it first)")
        else:
            sens = _sensitivity(man, table, outputs)
            if sens is not None:
                sens, res.noise = _noise_aware(out, man, table, outputs, sens, dest)
                res.files.append(dest / "sensitivity_noise.csv")
                path = dest / f"{kind}.csv"
                sens.to_csv(path, index=False)
                res.files.append(path)
                if kind == "sobol":
                    res.sobol = sens
                else:
                    res.morris = sens

    spread = {o: float(np.nanstd(table[o])) for o in OUTCOMES}
    chosen = outcome or max(spread, key=lambda o: spread[o])
    if len(names) >= 2:
        path = dest / f"heatmap_{chosen}.png"
        _heatmap(table, names, chosen, kind, path)
        res.files.append(path)
    elif len(names) == 1:
        path = dest / f"probability_{chosen}.png"
        _line(table, names[0], chosen, path)
        res.files.append(path)
    fan_runs = _fan_chart(out, dest / "fan_chart.png")
    if fan_runs is not None:
        res.files.append(dest / "fan_chart.png")

    # the summary
    spec = man["spec"]
    lines = [
        f"sweep '{spec['name']}' ({kind}): {len(table)} points x {man['replicates']} replicates, "
        f"{int(table['n'].sum())} of {man['n_runs']} runs done, {man['steps']} weeks each",
        f"outcome probabilities over points (min / median / max, {confidence:.0%} Wilson CIs "
        "in probabilities.csv):",
    ]
    n_all = float(table["n"].sum())
    for o in OUTCOMES:
        v = table[o].to_numpy()
        k = float(np.nansum(v * table["n"].to_numpy()))
        plo, phi = wilson_interval(np.asarray(k), np.asarray(n_all), confidence)
        lines.append(
            f"  {o:<20} {np.nanmin(v):.3f} / {np.nanmedian(v):.3f} / {np.nanmax(v):.3f}"
            f"   all runs {k / n_all:.3f} [{float(plo):.3f}, {float(phi):.3f}]"
        )
    sens = res.sobol if res.sobol is not None else res.morris
    if sens is not None:
        key = "ST" if res.sobol is not None else "mu_star"
        lines.append(
            f"most influential parameter by {key} (named only when its interval clears the "
            f"runner-up's; noise floor = share of point-mean variance from replicate noise):"
        )
        lines.extend("  " + s.line(key, man["replicates"]) for s in res.noise)
    lines.extend(notes)
    res.summary = "\n".join(lines)
    return res
