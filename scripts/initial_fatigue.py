"""The partners' sanctions fatigue on 1 January 2018, measured on the model's own 2016-17.

    .venv/bin/python scripts/initial_fatigue.py            # print the figures and the TOML lines
    .venv/bin/python scripts/initial_fatigue.py --check    # exit 1 if a 2018 start disagrees

``configs/history/start_2018.toml`` starts the 2018 calibration window. Its partners carry the
fatigue of 2017's 'maximum pressure' ([S18], May 2018: South Korea and China 'are getting fed
up with Trump's campaign of "maximum pressure"'), so the year in which that fatigue acts (the
2018 loosening, once Pyongyang offered the table) sees it. The value is not set by hand: it is
the mean fatigue of each coalition member at the end of week 104 (29 December 2017) of
``configs/history/calibrated_2016.toml`` (the 2016-17 history at the calibrated point), over
2,000 runs with the scenario's own seed. ``configs/summit_2018.toml`` describes the same
1 January 2018 and carries the same values. Rerun after a refit; ``--check`` compares the
files' values with the measurement (tolerance 0.02, about the change a refit makes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from coalition_sim.engine.ensemble import Ensemble
from coalition_sim.scenario.library import resolve_scenario
from coalition_sim.scenario.schema import Role

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "configs/history/calibrated_2016.toml"
TARGET = ROOT / "configs/history/start_2018.toml"
#: every scenario that starts on 1 Jan 2018 with the partners of start_2018
CARRIERS = (TARGET, ROOT / "configs/summit_2018.toml")
WEEKS = 104  # 1 Jan 2016 + 104 weeks = 29 Dec 2017
REPLICATES = 2000
TOLERANCE = 0.02


def measure(replicates: int = REPLICATES) -> dict[str, float]:
    """Mean fatigue of each coalition member at the end of week ``WEEKS`` of calibrated_2016."""
    ens = Ensemble(str(SOURCE), steps=WEEKS)
    scn = ens.scenario
    seeds = ens.seeds(scn.seed, 1, replicates)
    final = None
    for _t, st in ens.iterate(ens.params(replicates=replicates), seeds):
        final = st
    assert final is not None
    return {
        a.id: float(np.mean(final.fatigue[:, k]))
        for k, a in enumerate(scn.actors)
        if a.role is not Role.TARGET and a.role is not Role.LEADER
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with start_2018.toml")
    ap.add_argument("--replicates", type=int, default=REPLICATES)
    args = ap.parse_args(argv)
    values = measure(args.replicates)
    for actor, f in values.items():
        print(f"{actor}: fatigue at week {WEEKS} of calibrated_2016 = {f:.4f}  (fatigue = {f:.2f})")
    if not args.check:
        return 0
    bad = []
    for path in CARRIERS:
        scn = resolve_scenario(str(path))
        bad += [
            f"{path.relative_to(ROOT)}: actors.{a.id}.fatigue = {a.fatigue:g}, measured "
            f"{values[a.id]:.3f} (tolerance {TOLERANCE})"
            for a in scn.actors
            if a.id in values and abs(a.fatigue - values[a.id]) > TOLERANCE
        ]
    for line in bad:
        print(line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
