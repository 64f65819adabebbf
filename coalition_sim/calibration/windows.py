"""Calendar windows and the coalition's mean commitment: shared by every statistic of the record
and by both fits (issue 21 item 5: out of the rejection module, so that nothing stands on it)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..core import week as dyn
from ..scenario.schema import Scenario

__all__ = ["coalition_commitment", "year_steps"]


def year_steps(scn: Scenario, year: int) -> tuple[int, int]:
    """Steps assigned to calendar ``year``: from the step holding 1 January (or step 1) to the
    step before the one holding 1 January of the next year (or the last step)."""
    jan1 = dt.date(year, 1, 1)
    first = 1 if scn.start_date >= jan1 else scn.step_of(jan1)
    last = min(scn.steps, scn.step_of(dt.date(year + 1, 1, 1)) - 1)
    return first, last


def coalition_commitment(st: dyn.State, struct: dyn.Structure) -> np.ndarray:
    """Mean commitment of the coalition (every non-target actor) per run."""
    mask = struct.coalition > 0
    return st.commitment[:, mask].mean(axis=1)
