"""Matplotlib figures of a single run (headless: the Agg backend, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from ..core.events import EVENTS
from ..scenario.safe_paths import atomic_file

__all__ = ["plot_run"]

_MARKED = {  # event -> (colour, label from the one event table)
    name: (colour, EVENTS[name])
    for name, colour in (
        ("strategic_test", "tab:red"),
        ("summit_held", "tab:green"),
        ("summit_cancelled", "tab:orange"),
    )
}


def plot_run(steps: pd.DataFrame, events: pd.DataFrame, ids: tuple[str, ...], path: Path) -> None:
    """Four panels over calendar time: commitments, engagement, coalition metrics, ties."""
    dates = pd.to_datetime(steps["date"])
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True, layout="constrained")
    panels = [
        (axes[0, 0], "Pressure commitment (DPRK: defiance)", [f"{a}_commitment" for a in ids]),
        (axes[0, 1], "Engagement", [f"{a}_engagement" for a in ids]),
        (axes[1, 0], "Coalition", ["cohesion", "effective_pressure", "us_isolation", "tension"]),
        (axes[1, 1], "Tie strength", [c for c in steps.columns if c.startswith("tie_")]),
    ]
    for ax, title, cols in panels:
        for col in cols:
            label = col.removesuffix("_commitment").removesuffix("_engagement")
            ax.plot(dates, steps[col], label=label.removeprefix("tie_").replace("_", "-"))
        ax.set_title(title, fontsize=10)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2, loc="best")
        for event, (colour, _) in _MARKED.items():
            for d in pd.to_datetime(events.loc[events["event"] == event, "date"]):
                ax.axvline(d, color=colour, alpha=0.35, lw=1)
    handles = [plt.Line2D([], [], color=c, alpha=0.6, label=lab) for c, lab in _MARKED.values()]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8)
    fig.autofmt_xdate()
    with atomic_file(path) as tmp:  # a full disk leaves no truncated PNG
        fig.savefig(tmp, dpi=100, metadata={"Software": None})
    plt.close(fig)
