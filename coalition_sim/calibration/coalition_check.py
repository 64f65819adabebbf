"""The coalition figures of issue 18's 'Done when', measured on a scenario (at its point or with
parameters drawn from a posterior): what the 2016-2017 coalition looks like in the model, and
whether it drifts to collapse over five years. Used by the calibration report and the study.

For a history scenario from 1 Jan 2016 (``calibrated_2016``): by the end of 2017 the share of
runs in which the coalition fractured, the US was isolated or the pressure unwound (at any
week so far), partners' mean commitment at the end of 2017 against their start, the share of
US responses to tests in 2016-2017 that were compromises, and partners' change over 2018.
For any scenario: the share of runs *currently* fractured at the last week and partners' mean
commitment there against their start (the stationarity check of the 260-week runs).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from ..core import events
from ..engine.ensemble import Ensemble
from ..engine.posterior import Posterior, load_posterior
from ..scenario.library import resolve_scenario
from ..scenario.schema import Scenario

__all__ = ["coalition_figures"]

_RESP = ("us_compromise", "us_sideline", "us_escalate")
_FAIL = ("coalition_fracture", "us_isolated", "pressure_unwound")


def coalition_figures(
    scenario: Scenario | str | Path, runs: int = 2000, seed: int = 20171222,
    posterior: Posterior | str | Path | None = None, steps: int | None = None,
    partners: tuple[str, ...] = ("ROK", "PRC"),
) -> dict[str, Any]:  # fmt: skip
    """The figures above for ``runs`` runs (seeded; with a posterior each run draws its own
    parameters by its seed)."""
    scn = resolve_scenario(scenario)
    ens = Ensemble(scn, steps=steps)
    seeds = ens.seeds(seed, runs, 1)
    p = ens.params(n_points=runs)
    if posterior is not None:
        post = posterior if isinstance(posterior, Posterior) else load_posterior(posterior)
        p = post.apply(p, ens, seeds)
    ids = list(ens.structure.ids)
    cols = {a: ids.index(a) for a in (*partners, "USA") if a in ids}
    last = steps or ens.steps
    end17 = scn.step_of(dt.date(2017, 12, 31)) if scn.start_date.year == 2016 else None
    end18 = scn.step_of(dt.date(2018, 12, 31)) if scn.start_date.year <= 2018 else None
    end18 = min(end18, last) if end18 is not None and end18 > 0 else None
    snaps: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    marks = {0, last} | ({end17} if end17 else set()) | ({end18} if end18 else set())
    frac_now = np.zeros(runs, dtype=bool)
    for t, st in ens.iterate(p, seeds, steps=last):
        if t in marks:
            snaps[t] = (st.commitment.copy(), st.counts.copy())
        if t == last:
            frac_now = st.fractured.copy()
    c0, _ = snaps[0]
    cl, _ = snaps[last]
    out: dict[str, Any] = {
        "scenario": scn.name, "runs": runs, "seed": seed, "weeks": last,
        "posterior": posterior is not None,
        "share_fractured_at_end": float(frac_now.mean()),
    }  # fmt: skip
    for a, k in cols.items():
        out[f"{a}_commitment_start"] = float(c0[:, k].mean())
        out[f"{a}_commitment_end"] = float(cl[:, k].mean())
    if end17:
        c17, n17 = snaps[end17]
        for e in _FAIL:
            out[f"p_{e}_by_2017"] = float((n17[:, events.EVENT_INDEX[e]] > 0).mean())
        resp = n17[:, [events.EVENT_INDEX[e] for e in _RESP]].sum(axis=0)
        out["us_responses_2016_2017"] = {e: int(v) for e, v in zip(_RESP, resp, strict=True)}
        out["us_compromise_share_2016_2017"] = float(resp[0] / max(resp.sum(), 1))
        for a, k in cols.items():
            out[f"{a}_commitment_end_2017"] = float(c17[:, k].mean())
        if end18 and end18 > end17:
            c18, _ = snaps[end18]
            for a, k in cols.items():
                out[f"{a}_change_2018"] = float((c18[:, k] - c17[:, k]).mean())
    return out
