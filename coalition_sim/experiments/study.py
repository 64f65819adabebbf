"""A worked study from one spec: ``python run.py study configs/studies/<name>.toml``.

The study answers "what makes the coalition hold or fracture?" in four steps, each a piece
of this package, and writes one Markdown report with its figures and tables:

1. **Sweep over the uncertainties** (``sweep.py``): a Latin hypercube of futures over what no
   government controls (``levers.py``), each future run ``replicates`` times, at the status-quo
   lever settings. The folder is a normal sweep folder (resumable, ``run.py discover`` works
   on it).
2. **Scenario discovery** (``discovery.py``): the PRIM box where the outcome concentrates,
   with CART and extra-trees feature scores as second views.
3. **Paired effects of each lever** (``compare.py``): every policy run on the very futures
   and seeds of the sweep (common random numbers; the reference arm reproduces the sweep's
   runs exactly, which the study checks), effects inside and outside the discovered region.
4. **Robustness** (``robustness.py``): each policy's outcome distribution across futures and
   its regret against the best policy per future.
"""

from __future__ import annotations

import html
import re
import sys
import time
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.events import OUTCOMES
from ..scenario.levers import Role, is_parameter, role_of, tag_of
from ..scenario.loading import ConfigError, read_toml
from ..scenario.loading import first_error as _first_error
from ..scenario.provenance import command_text, program_name, report_stamp
from ..scenario.resources import config_path, require_checkout
from ..scenario.safe_paths import (
    StagedFiles,
    atomic_file,
    check_output_dir,
    check_path_text,
    show,
)
from .compare import Policy, compare
from .discovery import Discovery, discover_frame, load_cases, write_report
from .robustness import robustness_table
from .sweep import SweepSpec, plan_sweep, read_runs, run_sweep

__all__ = ["StudySpec", "load_study", "run_study", "study_outputs"]

ROOT = Path(__file__).resolve().parent.parent.parent
#: Where a spec's ``report`` and ``data`` may point, relative to the project root: the
#: project's outputs and the committed study reports. Anything else takes ``--out``.
SPEC_OUTPUT_ROOTS = ("outputs", "docs/studies")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UncertaintySpec(_Strict):
    name: str = Field(min_length=1)
    min: float
    max: float


class PolicySpec(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    set: dict[str, float] = Field(default_factory=dict)


class StudySpec(_Strict):
    """A study: base scenario, uncertainties (futures), policies (levers) and the outcome."""

    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    question: str = ""
    scenario: str = Field(min_length=1)
    outcome: str = "coalition_fractured"
    also_show: list[str] = Field(default_factory=list)  # more outcomes in the effects table
    seed: int = Field(0, ge=0, lt=2**63)
    steps: int | None = Field(None, ge=1, le=5200)
    futures: int = Field(ge=10, le=100_000)
    replicates: int = Field(ge=2, le=10_000)
    min_coverage: float = Field(0.5, gt=0, le=1)
    # discovery cases: runs (None) or futures whose status-quo P(outcome) >= threshold
    threshold: float | None = Field(None, gt=0, le=1)
    # Markdown path and sweep/compare data folder, relative to the project root and inside
    # SPEC_OUTPUT_ROOTS (checked by study_outputs: a shared spec names no other path)
    report: str = Field(min_length=1, pattern=r"\.md$")
    data: str = Field(min_length=1)
    notes: str = ""  # reading of the results, rendered under its own heading
    uncertainties: list[UncertaintySpec] = Field(min_length=2)
    policies: list[PolicySpec] = Field(min_length=2)


def load_study(path: str | Path) -> StudySpec:
    """Read and validate a study spec; one-line ConfigError naming the file and key if bad."""
    p = config_path(path)
    data = read_toml(p)
    try:
        spec = StudySpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{p}: {_first_error(exc, data, StudySpec)}") from None
    for k, o in enumerate([spec.outcome, *spec.also_show]):
        if o not in OUTCOMES:
            key = "outcome" if k == 0 else "also_show"
            raise ConfigError(f"{p}: key '{key}' = '{o}': one of {', '.join(OUTCOMES)}")
    for u in spec.uncertainties:
        if is_parameter(u.name) and role_of(u.name) is Role.LEVER:
            raise ConfigError(f"{p}: uncertainty '{u.name}' is a lever (put it in a policy)")
    names = [pol.name for pol in spec.policies]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{p}: policy names must differ: '{name}' is used twice")
    for pol in spec.policies:
        for key in pol.set:
            role = role_of(key) if is_parameter(key) else None
            if role is Role.LEVER:
                continue
            what = role.phrase if role is not None else "not a parameter the model knows"
            raise ConfigError(
                f"{p}: policy '{pol.name}' sets '{key}', {what}, not a lever ('python run.py "
                "params --role lever' lists the levers)"
            )
    if spec.policies[0].set:
        raise ConfigError(f"{p}: the first policy is the reference (status quo): it sets nothing")
    for key in ("report", "data", "scenario"):
        _relative_spec_path(getattr(spec, key), p, key)
    return spec


def _relative_spec_path(text: str, source: Path, key: str) -> PurePosixPath:
    """A spec's path value as a plain relative path: no absolute path, drive or '..'.

    Why: a study spec is shared like a document; a path in it must not reach outside the
    project (issue 23: a report written as a ``.pth`` file into site-packages ran code).
    """
    try:
        check_path_text(text, f"key '{key}'")
    except ConfigError as exc:
        raise ConfigError(f"{show(source)}: {exc}") from None
    rel = PurePosixPath(text.replace("\\", "/"))
    if rel.is_absolute() or text.startswith("~") or ":" in rel.parts[0] or ".." in rel.parts:
        raise ConfigError(
            f"{show(source)}: key '{key}' = {show(text)}: a relative path inside the project "
            "without '..' (or pass --out DIR)"
        )
    return rel


def study_outputs(
    spec: StudySpec, source: str | Path, out: str | Path | None = None
) -> tuple[Path, Path]:
    """The report file and data folder a study writes, checked before any work.

    Without ``out`` they are the spec's ``report`` and ``data`` under the project root, and
    must lie (after resolving symbolic links) inside one of :data:`SPEC_OUTPUT_ROOTS`. With
    ``out`` (the command line's ``--out``) both go into that folder under their own last
    names, and the folder follows the output rules of every command.
    """
    source = Path(source)
    names = {}
    for key in ("report", "data"):
        names[key] = _relative_spec_path(getattr(spec, key), source, key)
    if out is not None:
        # an earlier study (its report) or an interrupted one (its sweep's data folder, which
        # the same command resumes) may be continued; other files are refused
        folder = check_output_dir(
            out, marker=(names["report"].name, names["data"].name), resume=True
        )
        return folder / names["report"].name, folder / names["data"].name
    paths = []
    for key in ("report", "data"):
        rel = names[key]
        if not any(rel.is_relative_to(r) and rel != PurePosixPath(r) for r in SPEC_OUTPUT_ROOTS):
            raise ConfigError(
                f"{show(source)}: key '{key}' = {show(rel)}: must lie inside "
                f"{' or '.join(r + '/' for r in SPEC_OUTPUT_ROOTS)} (or pass --out DIR)"
            )
        path = ROOT / rel
        real = path.resolve()
        if not any(real.is_relative_to((ROOT / r).resolve()) for r in SPEC_OUTPUT_ROOTS):
            raise ConfigError(
                f"{show(source)}: key '{key}' = {show(rel)}: leaves the project's outputs "
                "through a symbolic link"
            )
        paths.append(path)
    return paths[0], paths[1]


def _md(text: str) -> str:
    """Spec text for the Markdown report: HTML special characters escaped (no markup, script
    or raw HTML from a shared spec reaches a rendered report); Markdown emphasis kept."""
    return html.escape(text, quote=False)


def _md_line(text: str) -> str:
    """Spec text for one line or one table cell: newlines folded, '|' escaped."""
    return _md(" ".join(text.split())).replace("|", "\\|")


# --------------------------------------------------------------------------- figures


def _plt():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _futures_map(
    fut: pd.DataFrame, p: np.ndarray, d: Discovery, dims: list[str], outcome: str, path: Path
) -> None:
    plt = _plt()
    x, y = dims[0], dims[1]
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    sc = ax.scatter(fut[x], fut[y], c=p, cmap="viridis", vmin=0, vmax=1, s=22, edgecolors="none")
    lo_x, hi_x = d.ranges[x]
    lo_y, hi_y = d.ranges[y]

    def limits(name: str, lo: float, hi: float) -> tuple[float, float]:
        if name in d.limits.index:
            row = d.limits.loc[name, ["min", "max"]].to_numpy(np.float64)
            return float(row[0]), float(row[1])
        return lo, hi

    (x0, x1), (y0, y1) = limits(x, lo_x, hi_x), limits(y, lo_y, hi_y)
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (x0, y0), x1 - x0, y1 - y0,
            fill=False, edgecolor="red", lw=1.6, label="PRIM box (these two limits)",
        )
    )  # fmt: skip
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"P({outcome}) per future (colour), status quo", fontsize=10)
    fig.colorbar(sc, ax=ax, label=f"P({outcome})")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _effects_plot(table: pd.DataFrame, outcomes: list[str], path: Path, ref: str) -> None:
    plt = _plt()
    pols = list(dict.fromkeys(table["policy"]))
    fig, axes = plt.subplots(
        1, len(outcomes), figsize=(3.6 * len(outcomes) + 1.6, 0.5 * len(pols) + 1.6), dpi=100,
        sharey=True, squeeze=False,
    )  # fmt: skip
    styles = {"inside": ("tab:red", -0.15), "outside": ("tab:blue", 0.15)}
    for ax, o in zip(axes[0], outcomes, strict=True):
        for region, (colour, dy) in styles.items():
            s = table[(table["outcome"] == o) & (table["region"] == region)]
            y = np.array([pols.index(p) for p in s["policy"]], dtype=float) + dy
            err = np.clip(np.vstack([s["effect"] - s["lo"], s["hi"] - s["effect"]]), 0, None)
            ax.errorbar(s["effect"], y, xerr=err, fmt="o", ms=4, capsize=2, color=colour,
                        label=f"{region} the region")  # fmt: skip
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_title(o, fontsize=9)
        ax.set_xlabel("paired difference in P", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(range(len(pols)), pols, fontsize=8)
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.suptitle(f"Effect of each lever vs '{ref}' (95% Newcombe intervals)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _hist(p_ref: np.ndarray, outcome: str, path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.0, 3.4), dpi=100)
    ax.hist(p_ref, bins=np.linspace(0, 1, 21), color="tab:gray", edgecolor="white")
    ax.set_xlabel(f"P({outcome}) in a future (status quo)")
    ax.set_ylabel("futures")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------- the report


def _fmt(est: float, lo: float, hi: float) -> str:
    return f"{est:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def _table(df: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(str(v) for v in r) + " |")
    return "\n".join(lines)


def run_study(
    path: str | Path, quiet: bool = False, workers: int | None = None,
    out: str | Path | None = None, command: str | None = None,
) -> Path:  # fmt: skip
    """Run every step of the study and write its report; returns the report's path.

    ``out``: write the report and data into this folder instead of the spec's places.
    ``command``: the command line to name in the report (the command line passes the one
    typed); by default ``coalition-sim study PATH``, or ``python run.py ...`` in a checkout.
    """
    start = time.perf_counter()
    path = Path(path)
    spec = load_study(path)
    if out is None:  # the spec's report and data lie in the project's docs/ or outputs/
        require_checkout("study without --out")
    report, data = study_outputs(spec, path, out)
    with StagedFiles(report.with_suffix("")) as stage:  # docs/studies/<name>/ beside <name>.md
        text = _study(spec, path, data, stage.tmp, stage.dest.name, quiet, workers, start,
                      command)  # fmt: skip
        with atomic_file(report) as tmp:  # report and figures land together, or neither
            tmp.write_text(text)
    return report


def _check_policy_values(spec: StudySpec, path: Path, scenario: Any) -> None:
    """Every policy's lever value within the lever's range in the study's scenario (the
    compare step found a value out of range only after the whole sweep had run)."""
    from ..scenario.names import parameter_specs

    specs = parameter_specs(scenario)
    for pol in spec.policies:
        for key, value in pol.set.items():
            s = specs.get(key)
            if s is None:
                raise ConfigError(
                    f"{show(path)}: policy '{pol.name}' sets '{key}', which scenario "
                    f"'{scenario.name}' does not have"
                )
            if not s.lo <= float(value) <= s.hi:
                raise ConfigError(
                    f"{show(path)}: policy '{pol.name}' sets '{key}' = {value:g}, outside its "
                    f"range [{s.lo:g}, {s.hi:g}]"
                )


def _study(
    spec: StudySpec, path: Path, data: Path, figdir: Path, rel: str, quiet: bool,
    workers: int | None, start: float, command: str | None = None,
) -> str:  # fmt: skip
    """Every step of the study, figures and tables into ``figdir``; returns the report."""
    names = [u.name for u in spec.uncertainties]

    def say(msg: str) -> None:  # the steps after the sweep took ~15 s in silence
        if not quiet:  # compare's lines count its own seconds: the study's clock instead
            msg = re.sub(r" \(\d+ s so far\)$", "", msg)
            took = time.perf_counter() - start
            print(f"study {spec.name}: {msg} ({took:.0f} s so far)", file=sys.stderr, flush=True)

    # 1. the sweep over the uncertainties (status quo levers)
    sweep = SweepSpec.model_validate(
        {
            "name": f"{spec.name}_futures",
            "description": f"Futures of study '{spec.name}' (Latin hypercube over uncertainties)",
            "scenario": spec.scenario, "steps": spec.steps, "replicates": spec.replicates,
            "seed": spec.seed, "design": {"kind": "lhs", "samples": spec.futures},
            "parameters": [u.model_dump() for u in spec.uncertainties],
        }
    )  # fmt: skip
    plan = plan_sweep(sweep)
    _check_policy_values(spec, path, plan.scenario)  # before the sweep: nothing half-written
    run_sweep(plan, data / "sweep", workers=workers, quiet=quiet)
    futures = plan.points_frame().drop(columns="point")

    # 2. scenario discovery on the sweep's runs
    say(f"scenario discovery of {spec.outcome} (PRIM, CART, extra trees)")
    x, y = load_cases(data / "sweep", spec.outcome, spec.threshold)
    disc = discover_frame(x, y, outcome=spec.outcome, min_coverage=spec.min_coverage,
                          seed=spec.seed or 1)  # fmt: skip
    figdir.mkdir(parents=True, exist_ok=True)
    unit = (
        f"futures whose status-quo P({spec.outcome}) >= {spec.threshold:g}"
        if spec.threshold is not None
        else "runs of the status-quo sweep"
    )
    write_report(disc, figdir, note=f"Study '{_md_line(spec.name)}': cases are {unit}.")

    # 3. every policy on the same futures and seeds
    policies = [Policy(p.name, dict(p.set)) for p in spec.policies]
    res = compare(policies, plan.scenario, replicates=spec.replicates, seed=spec.seed,
                  futures=futures, progress=say)  # fmt: skip
    ref = res.reference
    swept = read_runs(data / "sweep", columns=["point", "replicate", "seed", *OUTCOMES])
    crn_ok = bool(
        (swept["seed"].to_numpy() == res.finals[ref]["seed"].to_numpy()).all()
        and (swept[list(OUTCOMES)].to_numpy() == res.finals[ref][list(OUTCOMES)].to_numpy()).all()
    )
    if not crn_ok:
        raise RuntimeError("the reference arm does not reproduce the sweep's runs (CRN broken)")
    inside_future = disc.contains(futures)
    row_in = inside_future[res.finals[ref]["future"].to_numpy()]
    shown = [spec.outcome, *[o for o in spec.also_show if o != spec.outcome]]
    say("paired effects inside and outside the region, and over all futures")
    parts = []
    for region, mask in (("inside", row_in), ("outside", ~row_in), ("all", None)):
        if mask is not None and not mask.any():
            continue
        t = res.effects(rows=mask)
        t.insert(0, "region", region)
        parts.append(t)
    effects = pd.concat(parts, ignore_index=True)
    effects.to_csv(figdir / "effects.csv", index=False)
    rob = pd.concat([robustness_table(res, o) for o in shown], ignore_index=True)
    rob.to_csv(figdir / "robustness.csv", index=False)
    res.probabilities().to_csv(figdir / "per_future_probabilities.csv", index=False)
    futures.to_csv(figdir / "futures.csv", index_label="future")

    # figures
    say("figures and the report")
    p_ref = res.finals[ref].groupby("future")[spec.outcome].mean().to_numpy()
    _hist(p_ref, spec.outcome, figdir / "p_outcome_hist.png")
    ranked = [s for s in disc.scores["parameter"] if s in names]
    dims = [d for d in disc.limits.index if d in names][:2]
    dims += [d for d in ranked if d not in dims][: 2 - len(dims)]
    _futures_map(futures, p_ref, disc, dims, spec.outcome, figdir / "futures_map.png")
    _effects_plot(effects[effects["region"] != "all"].query("kind == 'probability'"), shown,
                  figdir / "lever_effects.png", ref)  # fmt: skip

    # 4. the report
    seconds = time.perf_counter() - start
    return _render(spec, path, disc, res, effects, rob, p_ref, inside_future, rel, seconds, crn_ok,
                   command)  # fmt: skip


def _render(
    spec: StudySpec, path: Path, disc: Discovery, res: Any, effects: pd.DataFrame,
    rob: pd.DataFrame, p_ref: np.ndarray, inside: np.ndarray, rel: str, seconds: float,
    crn_ok: bool, command: str | None = None,
) -> str:  # fmt: skip
    o = spec.outcome
    n_runs = len(res.futures) * res.replicates
    ref = res.reference
    base = float(res.finals[ref][o].mean())
    from .paired import wilson

    base_ci = wilson(round(base * n_runs), n_runs)
    blo, bhi = base_ci.low, base_ci.high
    if spec.threshold is None:
        cases, unit = f"the status-quo runs (case = {o} in a run)", "runs"
    else:
        cases = f"the futures (case = status-quo P({o}) >= {spec.threshold:g})"
        unit = "futures"
    share_in = float(inside.mean())
    p_in = float(p_ref[inside].mean()) if inside.any() else float("nan")
    p_out = float(p_ref[~inside].mean()) if (~inside).any() else float("nan")

    from ..scenario.names import parameter_specs

    specs = parameter_specs(res.scenario)
    base_values = {k: v.default for k, v in specs.items()}
    eff = effects[(effects["kind"] == "probability")]
    rows = []
    findings = []
    for pol in res.policies[1:]:
        cells = {}
        for region in ("inside", "outside", "all"):
            r = eff[(eff["policy"] == pol.name) & (eff["region"] == region) & (eff["outcome"] == o)]
            cells[region] = (
                _fmt(r["effect"].iloc[0], r["lo"].iloc[0], r["hi"].iloc[0]) if len(r) else "n/a"
            )
        desc = _md_line(next(p.description for p in spec.policies if p.name == pol.name))
        change = "; ".join(
            f"`{k}` {base_values.get(k, float('nan')):.3g} \u2192 {v:.3g}"
            for k, v in pol.levers.items()
        )
        desc = f"{desc} ({change})" if desc else change
        a = res.finals[pol.name][o].to_numpy(np.float64)
        b = res.finals[ref][o].to_numpy(np.float64)
        indep = a.var() + b.var()  # variance of the difference with independent seeds
        crn = f"{(a - b).var() / indep:.2f}" if indep > 0 else "n/a"
        rows.append({"policy": pol.name, "lever change": desc,
                     "inside the region": cells["inside"],
                     "outside": cells["outside"], "all futures": cells["all"],
                     "variance vs independent seeds": crn})  # fmt: skip
        r_all = eff[(eff["policy"] == pol.name) & (eff["region"] == "all") & (eff["outcome"] == o)]
        if len(r_all) and bool(r_all["excludes_zero"].iloc[0]):
            word = "lowers" if r_all["effect"].iloc[0] < 0 else "raises"
            findings.append(
                f"`{pol.name}` {word} P({o}) by {abs(r_all['effect'].iloc[0]):.3f} "
                f"(95% interval {_fmt(r_all['effect'].iloc[0], r_all['lo'].iloc[0], r_all['hi'].iloc[0])}) "
                f"over all futures; inside the region {cells['inside']}, outside {cells['outside']}."
            )
    if not findings:
        findings.append(
            f"No lever's effect on P({o}) over all futures has a 95% interval that excludes zero."
        )
    other = []
    for oc in spec.also_show:
        if oc == o:
            continue
        for pol in res.policies[1:]:
            r = eff[(eff["policy"] == pol.name) & (eff["region"] == "all") & (eff["outcome"] == oc)]
            if len(r) and bool(r["excludes_zero"].iloc[0]):
                other.append(
                    f"{pol.name}: {oc} {_fmt(r['effect'].iloc[0], r['lo'].iloc[0], r['hi'].iloc[0])}"
                )
    ro = rob[rob["outcome"] == o].copy()
    ro_tab = pd.DataFrame(
        {
            "policy": ro["policy"],
            f"mean P({o}) [95%]": [f"{m:.3f} [{a:.3f}, {b:.3f}]" for m, a, b in
                                   zip(ro["mean"], ro["mean_lo"], ro["mean_hi"], strict=True)],
            "q05 / median / q95": [f"{a:.3f} / {b:.3f} / {c:.3f}" for a, b, c in
                                   zip(ro["q05"], ro["median"], ro["q95"], strict=True)],
            "worst": ro["worst"].map("{:.3f}".format),
            "mean regret": ro["mean_regret"].map("{:.3f}".format),
            "max regret": ro["max_regret"].map("{:.3f}".format),
            "best in": ro["share_best"].map("{:.0%}".format),
        }
    )  # fmt: skip
    unc = pd.DataFrame(
        {
            "uncertainty": [f"`{u.name}`" for u in spec.uncertainties],
            "range": [f"[{u.min:g}, {u.max:g}]" for u in spec.uncertainties],
            "meaning": [getattr(tag_of(u.name), "label", "") for u in spec.uncertainties],
        }
    )  # fmt: skip
    lim = disc.limits.reset_index()
    lim_tab = pd.DataFrame(
        {
            "parameter": [f"`{p}`" for p in lim["parameter"]],
            "box": [f"[{a:.3g}, {b:.3g}]" for a, b in zip(lim["min"], lim["max"], strict=True)],
            "of range": [f"[{a:.3g}, {b:.3g}]" for a, b in
                         zip(lim["range_lo"], lim["range_hi"], strict=True)],
            "quasi-p": [f"{np.nanmin([a, b]):.1e}" for a, b in
                        zip(lim["qp_lower"], lim["qp_upper"], strict=True)],
        }
    )  # fmt: skip
    above = [f"`{p}` ({s:.2f})" for p, s, a in zip(disc.scores["parameter"], disc.scores["score"],
                                                   disc.scores["above_noise"], strict=True) if a]  # fmt: skip
    floor = float(disc.scores.loc[~disc.scores["above_noise"], "score"].max())
    # the spec as the user gave it; a name that is no file here was the packaged copy
    cmd = command or command_text([program_name(), "study", path.as_posix()])
    packaged = "" if path.exists() else f", the spec read from the package's `{path.as_posix()}`"
    lines = [
        f"# {_md_line(spec.title)}",
        "",
        f"*Generated by `{cmd}` ({report_stamp()}{packaged}, {seconds:.0f} s). Do not edit by hand: "
        "change the spec and re-run.*",
        "",
        _md(spec.question),
        "",
        "## Findings",
        "",
        f"- Over {len(res.futures)} futures sampled across the uncertainties, P({o}) under the "
        f"status quo is {base:.3f} [{blo:.3f}, {bhi:.3f}] ({n_runs} runs).",
        f"- Scenario discovery: {o} concentrates where **{disc.box_text()}** "
        f"(PRIM on {cases}: density {disc.density:.2f} inside vs base rate "
        f"{disc.base_rate:.2f}; the box holds {disc.coverage:.0%} of all such {unit} in "
        f"{disc.mass:.0%} of the {unit}). {share_in:.0%} of futures fall in it; mean P({o}) "
        f"there {p_in:.3f}, elsewhere {p_out:.3f}.",
        *[f"- {f}" for f in findings],
        *([f"- Other outcomes whose effect excludes zero: {'; '.join(other)}."] if other else []),
        "",
        "## Setup",
        "",
        f"Base scenario `{_md_line(spec.scenario).replace('`', '')}` ({res.finals[ref].shape[0] // max(1, len(res.futures))} "
        f"replicates per future, {len(res.futures)} Latin-hypercube futures, seed {spec.seed}). "
        "Uncertainties are what no government controls; each policy changes one lever "
        "(five US levers, then Seoul's and Beijing's for comparison; "
        "`python run.py params --role lever`). Every policy runs on the same futures and the "
        "same replicate seeds (common random numbers): the status-quo arm reproduces the sweep's "
        f"runs exactly ({'checked' if crn_ok else 'CHECK FAILED'}), so each effect below is a "
        "paired difference with a Newcombe interval (yes/no outcomes).",
        "",
        _table(unc),
        "",
        f"![P({o}) across futures]({rel}/p_outcome_hist.png)",
        "",
        f"## Where {spec.outcome.replace('_', ' ')} concentrates: scenario discovery",
        "",
        f"PRIM on {cases} ({disc.n} cases, base rate {disc.base_rate:.3f}); box chosen "
        f"at coverage >= {spec.min_coverage:g} then restrictions with quasi-p > 0.05 dropped. "
        f"Full report: [{rel}/discovery_{o}.md]({rel}/discovery_{o}.md).",
        "",
        _table(lim_tab),
        "",
        f"![futures map]({rel}/futures_map.png)",
        f"![peeling trajectory]({rel}/prim_trajectory_{o}.png)",
        "",
        f"Feature scores above the noise floor ({floor:.3f}, extra trees with random probes): "
        f"{', '.join(above) or 'none'}. CART (depth 3) training accuracy "
        f"{disc.cart_accuracy:.3f}.",
        "",
        "## What US levers do, inside and outside the region",
        "",
        f"Paired effect on P({o}) against `{ref}` (95% Newcombe interval):",
        "",
        _table(pd.DataFrame(rows)),
        "",
        f"![lever effects]({rel}/lever_effects.png)",
        "",
        "Last column: the variance of the paired difference over all futures relative to "
        "what independent seeds per arm would give (var(A - B) / (var A + var B)); below 1, "
        "common random numbers narrowed the interval by a factor of its square root.",
        "",
        f"All outcomes and final metrics, by region: [{rel}/effects.csv]({rel}/effects.csv).",
        "",
        "## Robustness across futures",
        "",
        f"P({o}) per future, per policy; regret = how much worse than the best policy in that "
        f"future (per-future probabilities rest on {res.replicates} replicates, so regrets "
        f"below about {1 / res.replicates:.2f} are within noise). All outcomes: "
        f"[{rel}/robustness.csv]({rel}/robustness.csv).",
        "",
        _table(ro_tab),
        "",
        *(
            ["## Reading the results", "", _md(spec.notes.strip()), ""]
            if spec.notes.strip()
            else []
        ),
        "## Method notes",
        "",
        "- Runs: the vectorised ensemble engine (the same rule functions as the Mesa agents).",
        "- Intervals: Wilson for a probability, Newcombe's paired square-and-add interval for a "
        "difference of paired probabilities, percentile bootstrap over futures for mean "
        "probabilities in the robustness table.",
        "- Scenario discovery: EMA Workbench PRIM (peel and paste alpha 0.05, mass >= 0.05), "
        "scikit-learn CART and extra trees.",
        "",
    ]
    return "\n".join(lines)
