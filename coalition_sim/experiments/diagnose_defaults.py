"""The long-run diagnosis's defaults (:mod:`.diagnose`), apart from its computation: the
command line's help states them without importing the engine, numba and scipy (``run.py
--help`` took 2.8 s for them)."""

from __future__ import annotations

__all__ = [
    "DEFAULT_REPLICATES",
    "DEFAULT_SCENARIOS",
    "DEFAULT_SEED",
    "DEFAULT_YEARS",
    "HISTORY",
]

#: The scenarios diagnosed by default: the neutral baseline and the three seed settings.
DEFAULT_SCENARIOS = ("baseline", "summit_2018", "muddling_2020", "max_pressure_2017")
DEFAULT_REPLICATES = 2000  # runs per scenario
DEFAULT_YEARS = 10  # years each scenario runs
DEFAULT_SEED = 20160101
#: The run from 1 January 2016 read against the 2016-18 record.
HISTORY = "history/calibrated_2016"
