"""Scenario discovery: which region of the parameter space makes an outcome likely.

``python run.py discover DIR --outcome coalition_fractured`` reads a sweep folder and finds
the combinations of parameter values under which the outcome concentrates (Bryant and Lempert
2010), three ways:

- **PRIM** (the EMA Workbench's implementation, Friedman and Fisher 1999): peels the box that
  holds the outcome's runs until it is dense. The *peeling trajectory* trades coverage (share
  of all outcome runs inside the box) against density (share of the box's runs with the
  outcome). The box is chosen automatically (the highest-coverage box whose density is within
  ``density_tolerance`` of the best density reachable at ``min_coverage``; ``box=`` overrides),
  then restrictions whose quasi-p-value exceeds ``significance`` are dropped (Bryant and Lempert
  2010: a one-sided binomial test of each restriction).
- **CART** (scikit-learn decision tree, shallow): the same question as readable if/else rules.
- **Extra-trees feature scores** (Geurts et al. 2006): how much each parameter matters, with
  five random *noise probe* columns as the floor: a parameter scoring at or below the best
  probe is not distinguishable from noise.

Every run is a case (x = its point's parameter values, y = whether the outcome happened), so
the box's density is directly the outcome's probability inside it. ``--threshold p`` instead
classifies points by their outcome probability (P >= p).
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..core.events import OUTCOMES
from ..scenario.loading import ConfigError
from ..scenario.safe_paths import StagedFiles
from .store import points_problem, verified_parts
from .sweep import read_manifest

__all__ = ["Discovery", "discover", "discover_frame", "load_cases", "write_report"]

NOISE_PROBE = "(noise probe, max of 5)"
N_PROBES = 5  # random columns whose highest score is the floor of a meaningful score


#: Fewer cases than this on either side of the outcome and the discovery is flagged
#: (:attr:`Discovery.caution`): the rule of thumb of ten events per variable (Peduzzi et
#: al. 1996, J Clin Epidemiol 49: 1373) for the few parameters a box or a depth-3 tree uses.
MIN_CLASS_CASES = 30


@dataclass
class Discovery:
    """What scenario discovery found for one outcome."""

    outcome: str
    n: int  # cases
    base_rate: float  # share of cases with the outcome
    trajectory: pd.DataFrame  # the peeling trajectory: coverage, density, mass, res_dim, ...
    chosen: int  # row of the trajectory chosen before dropping insignificant restrictions
    limits: pd.DataFrame  # restricted dimension -> min, max, qp_lower, qp_upper, range lo/hi
    coverage: float
    density: float
    mass: float
    in_box: np.ndarray  # boolean per case: inside the final box
    cart_rules: str
    cart_accuracy: float
    scores: pd.DataFrame  # parameter, score (extra trees), above_noise
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    _tree: Any = None

    @property
    def caution(self) -> str:
        """A warning when the outcome is too rare (or too common) among the cases for the
        box, the tree and the feature scores to mean much ('' otherwise): with a handful of
        positive cases PRIM, CART and the noise floor fit chance (one fractured run in a
        thousand still yields 'features above the noise floor')."""
        k = round(self.base_rate * self.n)
        few = min(k, self.n - k)
        if few >= MIN_CLASS_CASES:
            return ""
        which = "had" if k == few else "did not have"
        return (
            f"CAUTION: only {few} of {self.n} cases {which} {self.outcome} (fewer than "
            f"{MIN_CLASS_CASES}): the box, the tree and the features above the noise floor "
            "can be chance; run more replicates or study a commoner outcome"
        )

    def box_text(self) -> str:
        """The box as one readable line: ``a in [0.6, 1.0] and b <= 0.3``."""
        if self.limits.empty:
            return "(no restriction: the whole space)"
        parts = []
        for name, r in self.limits.iterrows():
            lo_open = np.isclose(r["min"], r["range_lo"])
            hi_open = np.isclose(r["max"], r["range_hi"])
            if lo_open:
                parts.append(f"{name} <= {r['max']:.3g}")
            elif hi_open:
                parts.append(f"{name} >= {r['min']:.3g}")
            else:
                parts.append(f"{name} in [{r['min']:.3g}, {r['max']:.3g}]")
        return " and ".join(parts)

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """Boolean: which rows of ``x`` (same columns) lie in the final box."""
        inside = np.ones(len(x), dtype=bool)
        for name, r in self.limits.iterrows():
            v = x[name].to_numpy(np.float64)
            inside &= (v >= r["min"]) & (v <= r["max"])
        return inside


# --------------------------------------------------------------------------- data


def load_cases(
    out: str | Path, outcome: str, threshold: float | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """(x, y) from a sweep folder: per run (default) or per point with ``threshold``."""
    out = Path(out)
    man = read_manifest(out)
    if outcome not in OUTCOMES:
        raise ConfigError(f"unknown outcome '{outcome}' (one of: {', '.join(OUTCOMES)})")
    names = list(man["parameters"])
    if not names:
        raise ConfigError(f"{out}: the sweep varies no parameter: nothing to discover")
    # the same checks as analyze and a resumed sweep: every chunk against the manifest's
    # size and sha256, unrecorded parts (an interrupted sweep's) left out with a warning
    why = points_problem(out, man)
    if why is not None:
        raise ConfigError(f"{out}: {why}; run the sweep again to repair it")
    points = pq.read_table(out / "points.parquet").to_pandas()
    files = verified_parts(out, "runs")
    if not files:
        raise ConfigError(f"{out}: no finished chunks yet (run the sweep first)")
    runs = pd.concat(
        [pq.read_table(f, columns=["point", outcome]).to_pandas() for f in files],
        ignore_index=True,
    )
    if threshold is not None:
        if not 0 < threshold <= 1:
            raise ConfigError(f"--threshold must be in (0, 1], got {threshold}")
        p = runs.groupby("point")[outcome].mean()
        x = points.set_index("point").loc[p.index, names].reset_index(drop=True)
        return x, (p.to_numpy() >= threshold)
    x = points.set_index("point").loc[runs["point"], names].reset_index(drop=True)
    return x, runs[outcome].to_numpy(bool)


# --------------------------------------------------------------------------- the analysis


def _choose(traj: pd.DataFrame, min_coverage: float, tolerance: float) -> int:
    cand = traj[traj["coverage"] >= min_coverage]
    if cand.empty:
        cand = traj.iloc[[0]]
    dmax = float(cand["density"].max())
    good = cand[cand["density"] >= dmax - tolerance]
    best = good.sort_values(["coverage", "res_dim"], ascending=[False, True]).index[0]
    return int(np.flatnonzero(traj.index == best)[0])


def discover_frame(
    x: pd.DataFrame,
    y: np.ndarray,
    outcome: str = "outcome",
    min_coverage: float = 0.5,
    density_tolerance: float = 0.05,
    significance: float = 0.05,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    box: int | None = None,
    seed: int = 1,
) -> Discovery:
    """PRIM, CART and extra-trees scores for binary ``y`` over the columns of ``x``."""
    with warnings.catch_warnings():  # ema_workbench warns about optional extras on import
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.tree import DecisionTreeClassifier, export_text

    y = np.asarray(y, dtype=bool)
    x = x.reset_index(drop=True).astype(np.float64)
    n, hits = len(y), int(y.sum())
    if n == 0 or len(x) != n:
        raise ConfigError("discovery needs one outcome value per case")
    if hits == 0 or hits == n:
        what = "never happens" if hits == 0 else "always happens"
        raise ConfigError(
            f"outcome '{outcome}' {what} ({hits} of {n} cases): nothing to discover "
            "(widen the sweep's ranges or pick another outcome)"
        )
    ranges = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}

    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        pbox = p.find_box()
    traj = pbox.peeling_trajectory.reset_index(drop=True)
    if box is not None and not 0 <= box < len(traj):
        raise ConfigError(f"--box must be in [0, {len(traj) - 1}] (the peeling trajectory)")
    chosen = _choose(traj, min_coverage, density_tolerance) if box is None else box
    with warnings.catch_warnings(), contextlib.redirect_stdout(None):
        warnings.simplefilter("ignore")
        pbox.select(chosen)
        # drop restrictions that are not significant (quasi-p-value above the level)
        while True:
            lims = pbox.box_lims[pbox._cur_box]
            qp = pbox.p_values[pbox._cur_box]
            weak = [
                d for d, v in qp.items()
                if np.nanmin([q if q >= 0 else np.nan for q in v] or [np.nan]) > significance
            ]  # fmt: skip
            if not weak:
                break
            pbox.drop_restriction(weak[0])
    cur = pbox._cur_box
    lims = pbox.box_lims[cur]
    qp = pbox.p_values[cur]
    rows = []
    for d, v in qp.items():
        q_lo, q_hi = (float(q) if q >= 0 else np.nan for q in v)
        rows.append(
            {
                "parameter": d, "min": float(lims[d].iloc[0]), "max": float(lims[d].iloc[1]),
                "qp_lower": q_lo, "qp_upper": q_hi,
                "range_lo": ranges[d][0], "range_hi": ranges[d][1],
            }
        )  # fmt: skip
    limits = pd.DataFrame(rows, columns=["parameter", "min", "max", "qp_lower", "qp_upper",
                                         "range_lo", "range_hi"]).set_index("parameter")  # fmt: skip
    stats = pbox.peeling_trajectory.iloc[cur]

    leaf = max(1, int(mass_min * n))
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=leaf, random_state=seed)
    tree.fit(x.to_numpy(), y)
    rules = export_text(tree, feature_names=list(x.columns), show_weights=True, decimals=3)
    acc = float(tree.score(x.to_numpy(), y))

    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xE7]))
    xs = x.copy()
    probes = [f"_probe{k}" for k in range(N_PROBES)]
    # one probe value per distinct point (replicates share it, as they share real parameters),
    # so a probe can overfit point-to-point noise exactly as an irrelevant parameter can
    codes = x.groupby(list(x.columns), sort=False).ngroup().to_numpy()
    for name in probes:
        xs[name] = rng.uniform(size=int(codes.max()) + 1)[codes]
    et = ExtraTreesClassifier(
        n_estimators=250, min_samples_leaf=max(1, n // 200), random_state=seed, n_jobs=1
    )
    et.fit(xs.to_numpy(), y)
    imp = pd.Series(et.feature_importances_, index=xs.columns)
    floor = float(imp[probes].max())
    imp = imp.drop(probes)
    imp[NOISE_PROBE] = floor
    scores = (
        imp.rename("score").reset_index().rename(columns={"index": "parameter"})
        .sort_values("score", ascending=False, ignore_index=True)
    )  # fmt: skip
    scores["above_noise"] = (scores["score"] > floor) & (scores["parameter"] != NOISE_PROBE)

    res = Discovery(
        outcome=outcome, n=n, base_rate=hits / n, trajectory=traj, chosen=chosen,
        limits=limits, coverage=float(stats["coverage"]), density=float(stats["density"]),
        mass=float(stats["mass"]), in_box=np.zeros(n, dtype=bool), cart_rules=rules,
        cart_accuracy=acc, scores=scores, ranges=ranges,
    )  # fmt: skip
    res.in_box = res.contains(x)
    res._tree = tree
    return res


# --------------------------------------------------------------------------- figures, report


def _plot_trajectory(d: Discovery, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = d.trajectory
    fig, ax = plt.subplots(figsize=(6.0, 4.4), dpi=100)
    sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=14)
    ax.plot(t["coverage"], t["density"], color="0.7", lw=0.6, zorder=0)
    c = t.iloc[d.chosen]
    ax.scatter([c["coverage"]], [c["density"]], s=120, facecolors="none", edgecolors="red",
               label=f"chosen box {d.chosen}")  # fmt: skip
    ax.scatter([d.coverage], [d.density], marker="x", color="red", s=50,
               label="after dropping insignificant limits")  # fmt: skip
    ax.set_xlabel("coverage (share of outcome cases in the box)")
    ax.set_ylabel("density (outcome share inside the box)")
    ax.set_title(f"PRIM peeling trajectory: {d.outcome} (base rate {d.base_rate:.3f})",
                 fontsize=10)  # fmt: skip
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    fig.colorbar(sc, ax=ax, label="restricted dimensions")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_box(d: Discovery, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(d.ranges)
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(names) + 1.4), dpi=100)
    for i, name in enumerate(names):
        lo, hi = d.ranges[name]
        span = hi - lo or 1.0
        ax.plot([0, 1], [i, i], color="0.85", lw=6, solid_capstyle="butt")
        if name in d.limits.index:
            r = d.limits.loc[name]
            a, b = (r["min"] - lo) / span, (r["max"] - lo) / span
            ax.plot([a, b], [i, i], color="tab:red", lw=6, solid_capstyle="butt")
            qps = [q for q in (r["qp_lower"], r["qp_upper"]) if np.isfinite(q)]
            ax.text(1.02, i, f"[{r['min']:.3g}, {r['max']:.3g}]  qp {max(qps):.1e}",
                    va="center", fontsize=8)  # fmt: skip
    labels = [f"{k}\n[{d.ranges[k][0]:.3g}, {d.ranges[k][1]:.3g}]" for k in names]
    ax.set_yticks(range(len(names)), labels, fontsize=7)
    ax.set_xlim(0, 1.6)
    ax.set_xticks([])
    ax.invert_yaxis()
    ax.set_title(
        f"PRIM box: coverage {d.coverage:.2f}, density {d.density:.2f}, mass {d.mass:.2f}",
        fontsize=10,
    )
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_tree(d: Discovery, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.tree import plot_tree

    fig, ax = plt.subplots(figsize=(12, 5.5), dpi=100)
    plot_tree(d._tree, feature_names=list(d.ranges), class_names=["no", d.outcome],
              filled=True, impurity=False, proportion=True, fontsize=7, ax=ax)  # fmt: skip
    ax.set_title(f"CART (depth 3), training accuracy {d.cart_accuracy:.3f}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _md_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, float | np.floating):
                cells.append("" if not np.isfinite(v) else format(v, floatfmt))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(d: Discovery, dest: Path, title: str = "", note: str = "") -> Path:
    """Figures (trajectory, box, tree), CSVs and a Markdown report into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    figs = {
        "trajectory": dest / f"prim_trajectory_{d.outcome}.png",
        "box": dest / f"prim_box_{d.outcome}.png",
        "tree": dest / f"cart_{d.outcome}.png",
    }
    _plot_trajectory(d, figs["trajectory"])
    _plot_box(d, figs["box"])
    _plot_tree(d, figs["tree"])
    tables = {
        "trajectory": dest / f"prim_trajectory_{d.outcome}.csv",
        "box": dest / f"prim_box_{d.outcome}.csv",
        "scores": dest / f"feature_scores_{d.outcome}.csv",
    }
    d.trajectory.to_csv(tables["trajectory"], index=False)
    d.limits.to_csv(tables["box"])
    d.scores.to_csv(tables["scores"], index=False)
    lim = d.limits.reset_index()[["parameter", "min", "max", "qp_lower", "qp_upper"]]
    lim = lim.rename(columns={"qp_lower": "qp (lower limit)", "qp_upper": "qp (upper limit)"})
    sc = d.scores.copy()
    sc["above_noise"] = sc["above_noise"].map({True: "yes", False: "no"})
    text = [
        f"# {title or 'Scenario discovery: ' + d.outcome}",
        "",
        note,
        "",
        f"{d.n} cases, {d.outcome} in {d.base_rate:.1%} of them.",
        "",
        *([f"**{d.caution}.**", ""] if d.caution else []),
        "## PRIM box",
        "",
        f"**{d.box_text()}**",
        "",
        f"coverage {d.coverage:.3f} (share of all {d.outcome} cases inside the box), "
        f"density {d.density:.3f} (share of the box's cases with {d.outcome}; outside: "
        f"base rate {d.base_rate:.3f}), mass {d.mass:.3f} (share of all cases in the box). "
        f"Chosen from trajectory box {d.chosen}; restrictions with quasi-p-value > 0.05 dropped.",
        "",
        _md_table(lim),
        "",
        f"![peeling trajectory]({figs['trajectory'].name})",
        f"![box limits]({figs['box'].name})",
        "",
        "## CART (depth 3)",
        "",
        f"Training accuracy {d.cart_accuracy:.3f} (always 'no' would score {1 - d.base_rate:.3f}).",
        "",
        "```",
        d.cart_rules.rstrip(),
        "```",
        "",
        f"![CART tree]({figs['tree'].name})",
        "",
        "## Feature scores (extra trees)",
        "",
        "Five random noise-probe columns set the floor (their highest score): parameters at "
        "or below it are not distinguishable from noise.",
        "",
        _md_table(sc),
        "",
    ]
    path = dest / f"discovery_{d.outcome}.md"
    path.write_text("\n".join(text))
    d.files = [path, *figs.values(), *tables.values()]  # every file (the CSVs went unsaid)
    return path


def discover(
    out: str | Path,
    outcome: str = "coalition_fractured",
    threshold: float | None = None,
    dest: str | Path | None = None,
    **kwargs: Any,
) -> Discovery:
    """Scenario discovery on a sweep folder; writes the report into ``DIR/discovery/``."""
    out = Path(out)
    x, y = load_cases(out, outcome, threshold)
    d = discover_frame(x, y, outcome=outcome, **kwargs)
    man = read_manifest(out)
    unit = f"points with P >= {threshold:g}" if threshold is not None else "runs"
    note = (
        f"Sweep '{man['spec']['name']}' ({man['design']['kind']}, {man['n_points']} points x "
        f"{man['replicates']} replicates); cases are {unit}."
    )
    # staged: a failure leaves the previous report of this outcome (or none), never half
    with StagedFiles(Path(dest) if dest else out / "discovery") as stage:
        write_report(d, stage.tmp, note=note)
    d.files = [stage.final(f) for f in d.files]
    return d
