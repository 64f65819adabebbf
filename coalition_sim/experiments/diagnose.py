"""Long-run diagnosis of the coalition dynamics: is there a stationary regime?

Two questions the signature suite does not ask (issue 18):

1. **Does the coalition drift to collapse whatever happens?** Each scenario runs for ten
   years (520 weeks). For each failure mode ([S18]: 'the coalition could fracture, the
   pressure campaign could unwind, and the US could find itself alone and sidelined') the
   report gives its *yearly hazard* - the share of runs not in that state at the start of a
   year that enter it during the year - and the share of runs in it at the end of each year,
   beside each partner's mean commitment. A model with a stationary regime has hazards that
   settle to a constant (a contingent event, not a clock) and commitments that settle near
   their anchors; a drift to collapse shows as hazards and shares climbing toward one.
2. **Does the 2016-18 history hold together?** ``history/calibrated_2016`` is read against
   the record of its own window: the tightest coalition on record in 2016-17 (UNSC
   resolutions 2270, 2321, 2371, 2375 and 2397 all adopted 15-0; China's coal suspension of
   19 February 2017; the sectoral bans of August-September 2017), US answers to the 2016-17
   tests that were sanctions and 'maximum pressure', never compromise, and the loosening of
   2018 (inter-Korean summits, the Kim-Xi meetings).

These are figures to read, not a fit: nothing here feeds the calibration.
``python run.py diagnose`` writes ``diagnose.md``, ``hazards.csv``, ``commitment.csv``,
``history.csv`` and ``diagnose.png`` (default ``docs/diagnose/``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..core import week as dyn
from ..engine.ensemble import Ensemble
from ..engine.stats import wilson_interval
from ..scenario.library import config_dir, resolve_scenario
from ..scenario.names import with_values
from ..scenario.provenance import report_stamp
from ..scenario.schema import Scenario
from .diagnose_defaults import (
    DEFAULT_REPLICATES,
    DEFAULT_SEED,
    DEFAULT_YEARS,
    HISTORY,
)

__all__ = [
    "FAILURE_MODES",
    "HistoryCheck",
    "LongRun",
    "check_history",
    "long_run",
    "plot",
    "scenario_by_name",
    "write_report",
]

WEEKS_PER_YEAR = 52

#: State flag on :class:`~coalition_sim.core.week.State` -> label ([S18]'s three risks).
FAILURE_MODES: dict[str, str] = {
    "fractured": "coalition fractured",
    "unwound": "pressure unwound",
    "isolated": "US isolated",
}

Progress = Callable[[str], None]


def scenario_by_name(name: str | Scenario, steps: int | None = None) -> Scenario:
    """A scenario by name in ``configs/`` (``history/calibrated_2016`` included) or by path,
    optionally run for ``steps`` weeks."""
    base: Any = name
    local = isinstance(name, str) and (name.endswith(".toml") or Path(name).exists())
    if isinstance(name, str) and "/" in name and not local:
        base = str(config_dir() / f"{name}.toml")
    scn = resolve_scenario(base)
    return with_values(scn, {"steps": steps}) if steps is not None else scn


def _run(
    scn: Scenario, replicates: int, seed: int, posterior: Any = None
) -> tuple[Ensemble, dyn.ParamArrays, np.ndarray]:
    ens = Ensemble(scn)
    p = ens.params(replicates=replicates)
    seeds = ens.seeds(seed, 1, replicates)
    if posterior is not None:
        from ..engine.posterior import Posterior, load_posterior

        post = posterior if isinstance(posterior, Posterior) else load_posterior(posterior)
        post.apply(p, ens, seeds)
    return ens, p, seeds


# --------------------------------------------------------------------------- ten years


@dataclass
class LongRun:
    """Ten years of one scenario: yearly hazards and weekly mean commitments."""

    scenario: str
    replicates: int
    hazards: pd.DataFrame  # year, mode, at_risk, onsets, hazard, low, high, share_in
    commitment: pd.DataFrame  # week, actor, mean, q10, q90
    start: dict[str, float]  # each coalition actor's mean commitment at week 0


def hazard_table(flags: np.ndarray, weeks_per_year: int = WEEKS_PER_YEAR) -> pd.DataFrame:
    """Yearly hazard of entering a state from weekly flags ``flags`` (R, T + 1; column 0 the
    start): among runs not in the state at the start of year y, the share that enter it
    during the year (Wilson 95% interval), and the share in the state at the year's end.

    A contingent event has a hazard that settles; a clock running toward failure has one
    that climbs (and a share in the state that climbs to one)."""
    t1 = flags.shape[1]
    years = (t1 - 1) // weeks_per_year
    rows = []
    for y in range(years):
        lo, hi = y * weeks_per_year, (y + 1) * weeks_per_year
        at_risk = ~flags[:, lo]
        entered = (~flags[:, lo:hi] & flags[:, lo + 1 : hi + 1]).any(axis=1)
        n = int(at_risk.sum())
        k = int((entered & at_risk).sum())
        low, high = wilson_interval(k, n) if n else (np.nan, np.nan)
        rows.append(
            {
                "year": y + 1,
                "at_risk": n,
                "onsets": k,
                "hazard": k / n if n else float("nan"),
                "low": float(low),
                "high": float(high),
                "share_in": float(flags[:, hi].mean()),
            }
        )
    return pd.DataFrame(rows)


def long_run(
    scenario: str | Scenario,
    replicates: int = DEFAULT_REPLICATES,
    years: int = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
    posterior: Any = None,
) -> LongRun:
    """Run ``scenario`` for ``years`` x 52 weeks and measure hazards and commitments."""
    steps = years * WEEKS_PER_YEAR
    scn = scenario_by_name(scenario, steps)
    ens, p, seeds = _run(scn, replicates, seed, posterior)
    struct = ens.structure
    members = [k for k, role in enumerate(struct.roles) if k != struct.target]
    flags = {m: np.zeros((replicates, steps + 1), dtype=bool) for m in FAILURE_MODES}
    every = 4
    weeks = list(range(0, steps + 1, every))
    if weeks[-1] != steps:
        weeks.append(steps)
    com = np.zeros((len(weeks), len(members), 3))
    slot = 0
    for t, st in ens.iterate(p, seeds):
        for m in FAILURE_MODES:
            flags[m][:, t] = getattr(st, m)
        if slot < len(weeks) and weeks[slot] == t:
            c = st.commitment[:, members]
            com[slot, :, 0] = c.mean(axis=0)
            com[slot, :, 1:] = np.quantile(c, [0.1, 0.9], axis=0).T
            slot += 1
    tables = []
    for m, label in FAILURE_MODES.items():
        tab = hazard_table(flags[m])
        tab.insert(1, "mode", label)
        tables.append(tab)
    ids = [struct.ids[k] for k in members]
    commitment = pd.DataFrame(
        [
            {
                "week": w,
                "actor": ids[j],
                "mean": com[i, j, 0],
                "q10": com[i, j, 1],
                "q90": com[i, j, 2],
            }
            for i, w in enumerate(weeks)
            for j in range(len(ids))
        ]
    )
    start = {ids[j]: float(com[0, j, 0]) for j in range(len(ids))}
    name = scenario if isinstance(scenario, str) else scenario.name
    return LongRun(name, replicates, pd.concat(tables, ignore_index=True), commitment, start)


# --------------------------------------------------------------------------- 2016-18


@dataclass
class HistoryCheck:
    """``calibrated_2016`` against the record of 2016-18 (figures of issue 18)."""

    scenario: str
    replicates: int
    figures: pd.DataFrame  # figure, value, target, ok


def _step_of(scn: Scenario, date: dt.date) -> int:
    return min(scn.steps, scn.step_of(date))


def check_history(
    scenario: str | Scenario = HISTORY,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    posterior: Any = None,
) -> HistoryCheck:
    """The 2016-18 coalition figures of ``scenario`` (a run from 1 January 2016):

    - P(coalition fractured by end 2017), P(US isolated by end 2017): the record has
      neither (five UNSC resolutions adopted 15-0 in 2016-17), target <= 0.2 each;
    - mean PRC commitment at the end of 2017 against its start (coal suspension of
      19 February 2017, sectoral bans of August-September 2017): target >= start;
    - the share of US responses to 2016-17 strategic tests that are compromises (the record:
      sanctions, THAAD, 'maximum pressure'; none): target <= 0.25;
    - partners' (non-leader members') mean commitment at the end of 2018 against the end of
      2017 (inter-Korean summits of 2018, the Kim-Xi meetings, laxer enforcement): falls.
    """
    scn = scenario_by_name(scenario)
    ens, p, seeds = _run(scn, replicates, seed, posterior)
    struct = ens.structure
    end17 = _step_of(scn, dt.date(2017, 12, 31))
    end18 = _step_of(scn, dt.date(2018, 12, 31))
    partners = [k for k in range(struct.n_actors) if struct.partners[k] > 0]
    prc = struct.ids.index("PRC") if "PRC" in struct.ids else partners[0]
    ever = {m: np.zeros(replicates, dtype=bool) for m in ("fractured", "isolated")}
    k_resp = [dyn.EVENT_INDEX[f"us_{x}"] for x in ("compromise", "sideline", "escalate")]
    responses = np.zeros(3)
    prc0 = c17 = c18 = None
    for t, st in ens.iterate(p, seeds):
        if t == 0:
            prc0 = st.commitment[:, prc].mean()
        if t <= end17:
            for m in ever:
                ever[m] |= getattr(st, m)
        if t == end17:
            responses = st.counts[:, k_resp].sum(axis=0).astype(float)
            c17 = st.commitment[:, partners].mean(axis=0)
        if t == end18:
            c18 = st.commitment[:, partners].mean(axis=0)
    assert prc0 is not None and c17 is not None
    total = responses.sum()
    compromise = responses[0] / total if total else 0.0
    prc17 = c17[partners.index(prc)]
    rows = [
        ("P(coalition fractured by end 2017)", ever["fractured"].mean(), "<= 0.2",
         ever["fractured"].mean() <= 0.2),
        ("P(US isolated by end 2017)", ever["isolated"].mean(), "<= 0.2",
         ever["isolated"].mean() <= 0.2),
        ("PRC mean commitment: start", float(prc0), "", True),
        ("PRC mean commitment: end 2017", float(prc17), f">= {prc0:.3f}", prc17 >= prc0),
        ("US responses to 2016-17 tests (all runs)", float(total), "", True),
        ("share of them compromises", compromise, "<= 0.25", compromise <= 0.25),
        ("share of them escalation", responses[2] / total if total else 0.0, "", True),
    ]  # fmt: skip
    for j, k in enumerate(partners):
        rows.append((f"{struct.ids[k]} mean commitment: end 2017", float(c17[j]), "", True))
    if c18 is not None:
        for j, k in enumerate(partners):
            rows.append((f"{struct.ids[k]} mean commitment: end 2018", float(c18[j]),
                         f"< {c17[j]:.3f}", bool(c18[j] < c17[j])))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["figure", "value", "target", "ok"])
    name = scenario if isinstance(scenario, str) else scenario.name
    return HistoryCheck(name, replicates, frame)


# --------------------------------------------------------------------------- report


def plot(runs: Sequence[LongRun], path: Path) -> None:
    """One column per scenario: yearly hazards (top) and mean partner commitment (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(runs)
    fig, axes = plt.subplots(2, n, figsize=(3.6 * n, 6.2), sharey="row", squeeze=False)
    for k, run in enumerate(runs):
        ax = axes[0, k]
        for mode in FAILURE_MODES.values():
            tab = run.hazards[run.hazards["mode"] == mode]
            ax.plot(tab["year"], tab["hazard"], marker="o", ms=3, label=mode)
            ax.fill_between(tab["year"], tab["low"], tab["high"], alpha=0.2)
        ax.set_title(run.scenario, fontsize=10)
        ax.set_ylim(0, 1)
        ax.set_xlabel("year")
        ax = axes[1, k]
        for actor, tab in run.commitment.groupby("actor", sort=False):
            years = tab["week"] / WEEKS_PER_YEAR
            ax.plot(years, tab["mean"], label=str(actor))
            ax.fill_between(years, tab["q10"], tab["q90"], alpha=0.12)
        ax.set_ylim(0, 1)
        ax.set_xlabel("year")
    axes[0, 0].set_ylabel("yearly hazard of onset")
    axes[1, 0].set_ylabel("commitment (mean, 10-90%)")
    axes[0, 0].legend(fontsize=7, loc="upper left")
    axes[1, 0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _hazard_md(run: LongRun) -> list[str]:
    years = sorted(run.hazards["year"].unique())
    head = "| mode | " + " | ".join(f"y{y}" for y in years) + f" | in it at end of y{years[-1]} |"
    lines = [head, "|---|" + "---|" * (len(years) + 1)]
    for mode in FAILURE_MODES.values():
        tab = run.hazards[run.hazards["mode"] == mode].set_index("year")
        cells = [f"{tab.loc[y, 'hazard']:.3f}" for y in years]
        lines.append(f"| {mode} | " + " | ".join(cells) + f" | {tab['share_in'].iloc[-1]:.3f} |")
    return lines


def _commitment_md(run: LongRun) -> list[str]:
    marks = [0, 52, 104, 156, 260, 520]
    marks = [w for w in marks if w in set(run.commitment["week"])]
    lines = ["| actor | " + " | ".join(f"week {w}" for w in marks) + " |"]
    lines.append("|---|" + "---|" * len(marks))
    for actor in run.start:
        t = run.commitment[run.commitment["actor"] == actor].set_index("week")["mean"]
        cells = [f"{float(t[w]):.3f}" for w in marks]
        lines.append(f"| {actor} | " + " | ".join(cells) + " |")
    return lines


def markdown(
    runs: Sequence[LongRun], history: HistoryCheck | None, command: str, seconds: float
) -> str:
    years = max((int(r.hazards["year"].max()) for r in runs), default=0)
    span = "ten years" if years == 10 else f"{years} year{'s' if years != 1 else ''}"
    out = [
        f"# Diagnosis: hazards of the failure modes and partner commitment over {span}",
        "",
        f"Generated by `{command}` ({report_stamp()}, {seconds:.1f} s). Module: "
        "`coalition_sim/experiments/diagnose.py`.",
        "",
        "The *yearly hazard* of a failure mode is the share of runs not in it at the start of "
        "a year that enter it during the year; *in it at end* is the share of runs in it at "
        "the end of the last year. A stationary regime shows hazards that settle and commitments "
        "that settle near their anchors; a drift to collapse shows hazards and shares that "
        "climb toward one. Figure: `diagnose.png`.",
        "",
    ]
    if history is not None:
        out += [
            f"## {history.scenario}: the 2016-18 record ({history.replicates} runs)",
            "",
            "| figure | value | target | met |",
            "|---|---|---|---|",
        ]
        for r in history.figures.itertuples():
            met = ("yes" if r.ok else "**no**") if r.target else ""
            v = float(cast(float, r.value))
            value = f"{v:.0f}" if v.is_integer() else f"{v:.3f}"  # a count is a count
            out.append(f"| {r.figure} | {value} | {r.target} | {met} |")
        out.append("")
    for run in runs:
        frac = run.hazards[run.hazards["mode"] == FAILURE_MODES["fractured"]]
        at5 = frac[frac["year"] == 5]["share_in"]
        weeks = int(run.commitment["week"].max())
        out += [f"## {run.scenario} ({run.replicates} runs, {weeks} weeks)", ""]
        if len(at5):
            out += [f"Share currently fractured at week 260: {float(at5.iloc[0]):.3f}.", ""]
        low = {a: run.start[a] / 2 for a in run.start}
        tab = run.commitment[run.commitment["week"] == 260].set_index("actor")["mean"]
        if len(tab):
            parts = [f"{a} {tab[a]:.3f} (start {run.start[a]:.3f})" for a in run.start]
            ok = all(tab[a] >= low[a] for a in run.start)
            out += [
                "Mean commitment at week 260: "
                + ", ".join(parts)
                + (
                    ": each at least half its start."
                    if ok
                    else ": **some below half their start**."
                ),
                "",
            ]
        out += ["Yearly hazard:", "", *_hazard_md(run), "", "Mean commitment:", ""]
        out += [*_commitment_md(run), ""]
    return "\n".join(out)


def write_report(
    runs: Sequence[LongRun], history: HistoryCheck | None, out: Path, command: str,
    seconds: float,
) -> list[Path]:  # fmt: skip
    """Write ``diagnose.md``, the CSV tables and ``diagnose.png`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    hz = pd.concat([r.hazards.assign(scenario=r.scenario) for r in runs], ignore_index=True)
    cm = pd.concat([r.commitment.assign(scenario=r.scenario) for r in runs], ignore_index=True)
    paths = [out / "diagnose.md", out / "hazards.csv", out / "commitment.csv", out / "diagnose.png"]
    paths[0].write_text(markdown(runs, history, command, seconds) + "\n")
    hz.to_csv(paths[1], index=False, float_format="%.5g")
    cm.to_csv(paths[2], index=False, float_format="%.5g")
    plot(runs, paths[3])
    if history is not None:
        paths.append(out / "history.csv")
        history.figures.to_csv(paths[-1], index=False, float_format="%.5g")
    return paths
