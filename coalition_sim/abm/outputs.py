"""Writing a run's outputs: per-step table, event log, summary and a plot, all or nothing."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from .model import CoalitionModel

__all__ = ["EVENT_COLUMNS", "event_table", "step_table", "write_outputs"]

EVENT_COLUMNS = ["step", "date", "actor", "event", "details"]


def step_table(model: CoalitionModel) -> pd.DataFrame:
    """One row per step: the state's model reporters, then ``<ID>_<variable>`` for every actor.

    Outcome flags and event counts (also model reporters, for ``mesa.batch_run``) are left
    out: summary.json and events.csv carry them."""
    mv = model.datacollector.get_model_vars_dataframe()[model.state_columns()]
    mv = mv.reset_index(names="step")
    av = model.datacollector.get_agent_vars_dataframe().reset_index()
    av = av.drop(columns="AgentID").rename(columns={"Step": "step"})
    wide = av.pivot(index="step", columns="actor")
    order = list(model.structure.ids)
    wide = wide.reindex(columns=pd.MultiIndex.from_product([wide.columns.levels[0], order]))
    wide.columns = [f"{actor}_{var}" for var, actor in wide.columns]
    return mv.merge(wide.reset_index(), on="step", how="left")


def event_table(model: CoalitionModel) -> pd.DataFrame:
    """The event log as a table (``CoalitionModel.events_frame``; written as events.csv)."""
    return pd.DataFrame(model.event_log, columns=EVENT_COLUMNS)


def write_outputs(
    model: CoalitionModel,
    out: Path,
    *,
    plot: bool = True,
    provenance: dict[str, Any] | None = None,
) -> list[Path]:
    """Write trajectory.csv, events.csv, summary.json (and trajectories.png) into ``out``.

    Files are first written to a temporary folder beside ``out`` and moved into place only
    when all are complete, so an interrupted run leaves nothing half-written. ``provenance``
    (see :mod:`provenance`) is stored under that key in summary.json.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        steps = step_table(model)
        steps.to_csv(tmp / "trajectory.csv", index=False)
        event_table(model).to_csv(tmp / "events.csv", index=False)
        summary = model.summary()
        summary["scenario_spec"] = model.scenario_spec.model_dump(mode="json")
        if provenance is not None:
            summary["provenance"] = provenance
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        if plot:
            from .plots import plot_run

            plot_run(steps, event_table(model), model.structure.ids, tmp / "trajectories.png")
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for f in sorted(tmp.iterdir()):
            os.replace(f, out / f.name)
            written.append(out / f.name)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _n(count: int, noun: str) -> str:
    """'1 outburst', '2 outbursts'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def human_summary(summary: dict[str, Any], wall: float, written: list[Path]) -> str:
    """A short plain-text account of a run for the terminal."""
    o = summary["outcomes"]
    c = summary["event_counts"]
    f = summary["final"]
    happened = [k.replace("_", " ") for k, v in o.items() if v] or ["nothing of note"]
    lines = [
        f"scenario {summary['scenario']}  seed {summary['seed']}  "
        f"{summary['steps']} weeks ({summary['start_date']} to {summary['end_date']})",
        f"outcomes: {', '.join(happened)}",
        (
            f"events: {_n(c['summit_proposed'], 'summit proposal')}, {c['summit_held']} held "
            f"({c['agreement']} with agreement), {c['summit_cancelled']} cancelled, "
            f"{c['summit_revived']} revived; {c['strategic_test']} strategic and "
            f"{_n(c['conventional_test'], 'conventional test')}; "
            f"{_n(c['outburst_counterpart'] + c['outburst_third_party'], 'outburst')}"
        ),
        (
            f"final: cohesion {f['cohesion']:.2f}, effective pressure "
            f"{f['effective_pressure']:.2f}, US isolation {f['us_isolation']:.2f}, "
            f"tension {f['tension']:.2f}, DPRK {f['dprk_mode']}, summit {f['summit_state']}"
        ),
        f"wall time {wall:.2f} s (the run; a first compile is not counted)",
    ]
    if written:
        lines.append(f"wrote {', '.join(p.name for p in written)} to {written[0].parent}")
    return "\n".join(lines)
