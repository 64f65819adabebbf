"""Leave-one-year-out cross-validation inside 2016-2018 (issue 19, item 2).

Fold ``y``: fit on the statistics of the other years only (the sequential fit of
:mod:`coalition_sim.calibration.smc`, the target file's settings at the chosen size), then
forecast the statistics of ``y`` with runs whose parameters are drawn from that posterior, and
score them against the naive baselines built from the *other* years' record
(:mod:`coalition_sim.calibration.scores`). The 2018 fold is the old 2016-17 -> 2018 forecast
test (from the 1 January 2018 start).

A statistic belongs to every year its window touches (the 2016-17 tightening share belongs to
2016 and 2017): it is fitted only when none of its years is held out, and scored only when all
of them are; one that straddles the held-out year is used in neither (listed per fold).

Where the held-out year starts: 2016 and 2018 from their 1 January starts
(``configs/history/start_2016.toml``, ``start_2018.toml``). 2017 has no documented 1 January
start in ``configs/history/``; its statistics are forecast by runs from 1 January 2016 through
the model's own 2016 (the fold fits 2016's record only through statistics of 2016, so no 2017
fact enters the fit either way).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..calibration.evaluate import Evaluation, evaluate
from ..calibration.smc import SMCResult, smc
from ..calibration.targets import Statistic, Targets
from ..engine.posterior import Posterior

__all__ = ["Fold", "FoldSettings", "run_fold", "run_folds", "years_of"]


def years_of(st: Statistic, targets: Targets | None = None) -> set[int]:
    """The calendar years a statistic's window covers: ``first_year`` .. ``year``, and the
    years of its step windows (a coalition shift compares a ``before`` and an ``after``
    window, which may lie in different years) in its scenario's calendar, each week counted in
    the year of its last day (the week holding 1 January belongs to the new year); one boundary
    week in another year does not count."""
    first = st.first_year or st.year
    years = set(range(min(first, st.year), st.year + 1))
    if targets is not None and st.scenario in targets.scenarios:
        scn = targets.scenarios[st.scenario]
        for a, b in (getattr(st, "window", (0, 0)), getattr(st, "before", (0, 0))):
            if b >= a >= 1:
                # the project's calendar (calibration.windows.year_steps): a step belongs to
                # the year of its last day; a single boundary week in another year (the week
                # holding 1 January that closes a window) does not make it straddle
                count = Counter((scn.date_of(t) - dt.timedelta(days=1)).year
                                for t in range(a, b + 1))  # fmt: skip
                years.update(y for y, n in count.items() if n >= 2 or len(count) == 1)
    return years


@dataclass(frozen=True)
class FoldSettings:
    """Sizes of a fold's fit and forecast."""

    particles: int
    replicates: int
    max_generations: int
    max_runs: int | None
    draws: int
    moves: int = 5
    scheme: str = "mcmc"
    alpha: float = 0.5
    min_acceptance: float = 0.04
    workers: int = 1


@dataclass
class Fold:
    """One held-out year: what was fitted, the fit's health and the scores of the forecast."""

    year: int
    fitted: list[str]
    scored: list[str]
    unused: list[str]
    fit: SMCResult = field(repr=False)
    evaluation: Evaluation = field(repr=False)

    def health(self) -> list[dict[str, Any]]:
        return [{"generation": g.index, "epsilon": g.epsilon, "runs": g.runs, "ess": g.ess,
                 "ess_after": g.ess_after, "unique": g.unique, "acceptance": g.acceptance,
                 "kept": g.kept} for g in self.fit.generations]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "fitted": self.fitted,
            "scored": self.scored,
            "unused": self.unused,
            "stopped": self.fit.stopped,
            "runs": self.fit.runs,
            "generations": self.health(),
            **self.evaluation.to_dict(),
        }


def run_fold(
    targets: Targets, year: int, cfg: FoldSettings, seed: int,
    progress: Callable[[str], None] | None = None,
) -> Fold:  # fmt: skip
    """Fit without ``year`` and score the forecast of ``year`` (module docstring)."""
    say = progress or (lambda _m: None)
    fit_stats = [s for s in targets.statistics if year not in years_of(s, targets)]
    test = [s for s in targets.statistics if years_of(s, targets) == {year}]
    unused = [s.name for s in targets.statistics if s not in fit_stats and s not in test]
    keys = {s.scenario for s in fit_stats}
    sub = dataclasses.replace(
        targets,
        statistics=fit_stats,
        scenarios={k: v for k, v in targets.scenarios.items() if k in keys},
        scenario_paths={k: v for k, v in targets.scenario_paths.items() if k in keys},
    )
    other = sorted({y for s in fit_stats for y in years_of(s, targets)})
    say(f"fold {year}: fit on {len(fit_stats)} statistics of {', '.join(map(str, other))}, "
        f"forecast {len(test)} of {year}")  # fmt: skip
    res = smc(sub, cfg.particles, cfg.replicates, seed, cfg.alpha, cfg.min_acceptance,
              cfg.max_generations, cfg.workers, progress=lambda m: say(f"fold {year}: {m}"),
              max_runs=cfg.max_runs, moves=cfg.moves, scheme=cfg.scheme)  # fmt: skip
    post = Posterior(res.names, res.theta, res.weights, {"fit": f"without {year}"})
    ev = evaluate(targets, post, stats=test, fitting_years=other, draws=cfg.draws,
                  seed=seed + 1)  # fmt: skip
    return Fold(year, [s.name for s in fit_stats], [s.name for s in test], unused, res, ev)


def run_folds(
    targets: Targets, cfg: FoldSettings, seed: int,
    progress: Callable[[str], None] | None = None,
) -> list[Fold]:  # fmt: skip
    """Every year of the target file held out in turn."""
    years = sorted({s.year for s in targets.statistics})
    return [run_fold(targets, y, cfg, seed + 100 * k, progress) for k, y in enumerate(years)]
