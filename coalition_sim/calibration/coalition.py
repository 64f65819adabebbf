"""Coalition facts of 2016-2018 as calibration statistics (issue 18, item 3).

Before this module the fit saw the DPRK's launches and the 2018 summit sequence, and one
coalition statistic. The record of the coalition is richer, and each fact below is a
statistic of the simulated runs, compared with the record by the target file
(``configs/calibration/targets.toml``, where every fact is stated with its source):

- ``unanimity``: share of strategic tests (nuclear test or ICBM launch) in ``first_year`` ..
  ``year`` after which, within ``lag`` weeks, there is a week in which EVERY coalition member
  (the non-target actors) is at or above its enforcement threshold
  (``params.enforcement.defection_threshold``): the model's reading of a Security Council
  resolution adopted unanimously. The record: 2270, 2321, 2371, 2375, 2397, all 15-0, each
  within 12 weeks of the test it answered (``record.unsc_resolutions``).
- ``ratio``: China-DPRK trade of ``year`` over that of ``first_year`` (Chinese customs,
  ``record.china_dprk_trade``) against the model's (1 - e_year) / (1 - e_first_year), where e
  is the actor's mean enforcement over the year (``rules.enforcement``: commitment x
  logistic((c - threshold) / softness)): trade the actor does not stop is what it does not
  enforce. Used for 2017/2016 only: 2018's fall measures the wider scope of the late-2017
  sanctions (coal, iron, textiles, seafood, then machinery and metals), which the model does
  not carry, not tighter enforcement (see the target file).
- ``share``: share of the US responses to tests in the years that were compromises
  (``us_compromise`` among ``us_compromise``, ``us_sideline``, ``us_escalate``); the record:
  every 2016-2017 test was answered with sanctions or escalation (``record.us_responses``).
- ``shift`` (binary per run): the actor's mean ``variable`` over the ``after`` window is above
  (``up``) or below (``down``) its mean over the ``before`` window.
- ``above`` (binary per run): the actor's ``variable`` is at or above its model threshold in
  every week of the window: commitment against the enforcement threshold, engagement against
  ``params.volatility.want_threshold`` (the level at which an actor wants a meeting).
- ``below`` (binary per run): the actor's ``variable`` is below that threshold in every week
  of the window (a partner that, by the record, did not yet enforce: China before UNSCR 2270).
- ``held`` (binary per run): none of ``events`` happens in the window.

Binary statistics are scored like the fact statistics (-2 log of the simulated share, see
:data:`coalition_sim.calibration.estimate.DISTANCE`); the others by ((mean - observed) /
scale)^2. Values are computed per run during the one pass over the batched ensemble that
:mod:`coalition_sim.calibration.stats` makes (accumulators, no stored trajectories).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import events
from ..scenario.loading import ConfigError
from ..scenario.schema import Scenario
from .target_models import CoalitionFact, Record, Statistic, StatisticEntry

__all__ = ["CoalitionTracker", "parse_coalition", "trade_ratio", "unanimous_share"]

_RESPONSES = ("us_compromise", "us_sideline", "us_escalate")


def unanimous_share(record: Record, first: int, last: int, lag: int, where: str) -> float:
    """Share of the record's strategic tests in [first, last] followed within ``lag`` weeks by
    a unanimous Security Council resolution (a vote with no 'against' and no abstention)."""
    tests = [d for d in record.icbm_launches + record.nuclear_tests if first <= d.year <= last]
    if not tests:
        raise ConfigError(f"{where}: the record has no strategic test in {first}-{last}")
    votes = []
    for r in record.unsc_resolutions:
        parts = r.vote.split("-")
        if len(parts) < 2 or not all(x.strip().isdigit() for x in parts):
            raise ConfigError(
                f"{where}: record.unsc_resolutions {r.number}: vote must read like '15-0' "
                f"(for-against[-abstentions]), got {r.vote!r}"
            )
        votes.append((r.date, all(int(x) == 0 for x in parts[1:])))
    hit = [
        any(ok and dt.timedelta(0) <= d - t <= dt.timedelta(weeks=lag) for d, ok in votes)
        for t in tests
    ]
    return sum(hit) / len(hit)


def trade_ratio(record: Record, first: int, last: int, where: str) -> float:
    """China-DPRK trade of ``last`` over that of ``first`` from ``record.china_dprk_trade``."""
    tr = record.china_dprk_trade
    for y in (first, last):
        if y not in tr or tr[y] <= 0:
            raise ConfigError(f"{where}: record.china_dprk_trade needs a positive value for {y}")
    return float(tr[last] / tr[first])


def _steps(
    scn: Scenario, win: tuple[dt.date, dt.date] | None, name: str, where: str
) -> tuple[int, int]:
    if win is None:
        raise ConfigError(f"{where}: record.coalition entry needs '{name}' = [first, last] dates")
    a, b = win
    if not a <= b:
        raise ConfigError(f"{where}: {name} window {a} .. {b} is empty")
    if a < scn.start_date or b > scn.date_of(scn.steps):
        raise ConfigError(f"{where}: {name} window {a} .. {b} leaves scenario '{scn.name}'")
    return max(1, scn.step_of(a)), scn.step_of(b)


def _fact(record: Record, key: str, kind: str, where: str) -> CoalitionFact:
    for f in record.coalition:
        if f.key == key:
            if f.kind != kind:
                raise ConfigError(f"{where}: record.coalition '{key}' is a '{f.kind}' fact, "
                                  f"not '{kind}'")  # fmt: skip
            return f
    known = ", ".join(f.key for f in record.coalition) or "none"
    raise ConfigError(f"{where}: rule {key!r} names no record.coalition entry (known: {known})")


def parse_coalition(e: StatisticEntry, record: Record, scn: Scenario, where: str) -> Statistic:
    """Check a coalition statistic against the record and the scenario; one-line errors."""
    ids = list(scn.actor_ids)

    def actor_ok(a: str) -> str:
        if a not in ids:
            raise ConfigError(f"{where}: actor {a!r} is not in scenario '{e.scenario}' "
                              f"(actors: {', '.join(ids)})")  # fmt: skip
        return a

    first = e.year if e.first_year is None else e.first_year
    base: dict[str, Any] = {"weight": e.weight, "rule": e.rule, "group": e.group}
    if e.kind in ("unanimity", "ratio", "share"):
        if first > e.year or first < scn.start_date.year:
            raise ConfigError(
                f"{where}: first_year {first} must lie in [{scn.start_date.year}, {e.year}]"
            )
        if e.kind == "unanimity":
            if e.rule != "unanimous_resolution_within_lag":
                raise ConfigError(f"{where}: rule must be 'unanimous_resolution_within_lag'")
            derived = unanimous_share(record, first, e.year, int(e.lag or 0), where)
        elif e.kind == "ratio":
            if e.rule != "china_dprk_trade":
                raise ConfigError(f"{where}: rule must be 'china_dprk_trade'")
            if e.actor is None:
                raise ConfigError(f"{where}: kind 'ratio' needs 'actor' (the trading partner)")
            actor_ok(e.actor)
            derived = trade_ratio(record, first, e.year, where)
        else:
            if e.rule != "us_responses":
                raise ConfigError(f"{where}: rule must be 'us_responses'")
            resp = [r for r in record.us_responses if first <= r.test.year <= e.year]
            if not resp:
                raise ConfigError(f"{where}: record.us_responses has no test in {first}-{e.year}")
            derived = sum(r.response == "compromise" for r in resp) / len(resp)
        observed = e.observed
        if not isinstance(observed, float) or abs(observed - derived) > 5e-3:
            raise ConfigError(
                f"{where}: observed = {observed!r} but rule '{e.rule}' gives {derived:.4g} "
                "from the record"
            )
        assert e.scale is not None  # StatisticEntry checked it
        return Statistic(e.name, e.scenario, e.kind, e.year, float(observed), scale=e.scale,
                         first_year=first, lag=int(e.lag or 0), actor=e.actor or "",
                         event="strategic_test" if e.kind == "unanimity" else "",
                         **base)  # fmt: skip
    # binary facts from record.coalition
    f = _fact(record, e.rule, e.kind, where)
    if e.kind == "held":
        bad = [x for x in f.events if x not in events.EVENT_INDEX]
        if not f.events or bad:
            raise ConfigError(f"{where}: record.coalition '{f.key}': events must be event "
                              f"kinds, got {bad or 'none'}")  # fmt: skip
        win = _steps(scn, f.window, "window", where)
        return Statistic(e.name, e.scenario, e.kind, e.year, 1.0, window=win,
                         events=tuple(f.events), **base)  # fmt: skip
    actor_ok(f.actor)
    if not f.variable:
        raise ConfigError(f"{where}: record.coalition '{f.key}' needs 'variable'")
    if e.kind in ("above", "below"):
        win = _steps(scn, f.window, "window", where)
        return Statistic(e.name, e.scenario, e.kind, e.year, 1.0, actor=f.actor,
                         variable=f.variable, window=win, **base)  # fmt: skip
    if not f.direction:
        raise ConfigError(f"{where}: record.coalition '{f.key}' needs 'direction' up or down")
    before = _steps(scn, f.before, "before", where)
    after = _steps(scn, f.after, "after", where)
    if not before[1] < after[0]:
        raise ConfigError(f"{where}: record.coalition '{f.key}': 'before' must end before 'after'")
    return Statistic(e.name, e.scenario, e.kind, e.year, 1.0, actor=f.actor, variable=f.variable,
                     direction=f.direction, window=after, before=before, **base)  # fmt: skip


def last_step(st: Statistic, year_last: int) -> int:
    """The last week a coalition statistic reads (``year_last``: last step of its year)."""
    if st.kind in ("shift", "above", "below", "held"):
        return st.window[1]
    return year_last + (st.lag if st.kind == "unanimity" else 0)


class CoalitionTracker:
    """Accumulates every coalition statistic of one block of runs during the weekly pass.

    ``years`` maps a statistic's name to its step range (first step of ``first_year``, last
    step of ``year``). Nothing of the trajectories is stored but one (steps + 1, rows) series
    of the weakest coalition member's margin over its threshold (for ``unanimity``).
    """

    def __init__(self, stats: Sequence[Statistic], structure: Any, p: Any, steps: int,
                 years: dict[str, tuple[int, int]]) -> None:  # fmt: skip
        self.stats = list(stats)
        self.years = years
        rows = p.row_index()
        self.thr = np.asarray(p.enforcement.defection_threshold)[rows]
        self.soft = np.asarray(p.enforcement.defection_softness)[rows]
        self.want = np.asarray(p.volatility.want_threshold)[rows]
        self.ids = list(structure.ids)
        self.coal = np.flatnonzero(np.asarray(structure.coalition) > 0)
        n = rows.shape[0]
        self.sums: dict[tuple[str, str], np.ndarray] = {}
        self.ok: dict[str, np.ndarray] = {}
        self.snap: dict[int, np.ndarray] = {}
        self.margin = (
            np.zeros((steps + 1, n)) if any(s.kind == "unanimity" for s in self.stats) else None
        )
        self.marks: set[int] = set()
        for s in self.stats:
            if s.kind in ("above", "below", "held"):
                self.ok[s.name] = np.ones(n, dtype=bool)
            if s.kind == "held":
                self.marks |= {s.window[0] - 1, s.window[1]}
            if s.kind == "share":
                a, b = years[s.name]
                self.marks |= {a - 1, b}
            for part in ("a", "b"):
                self.sums[(s.name, part)] = np.zeros(n)
        self.n = n

    def _var(self, state: Any, actor: str, variable: str) -> np.ndarray:
        k = self.ids.index(actor)
        return state.commitment[:, k] if variable == "commitment" else state.engagement[:, k]

    def _enf(self, c: np.ndarray) -> np.ndarray:
        return c / (1.0 + np.exp(-(c - self.thr) / self.soft))

    def observe(self, t: int, state: Any) -> None:
        """Fold week ``t``'s state into the accumulators."""
        if self.margin is not None:
            self.margin[t] = (state.commitment[:, self.coal] - self.thr[:, None]).min(axis=1)
        if t in self.marks:
            self.snap[t] = state.counts.copy()
        for s in self.stats:
            if s.kind == "shift":
                v = None
                for part, (a, b) in (("b", s.before), ("a", s.window)):
                    if a <= t <= b:
                        v = self._var(state, s.actor, s.variable) if v is None else v
                        self.sums[(s.name, part)] += v
            elif s.kind in ("above", "below"):
                a, b = s.window
                if a <= t <= b:
                    v = self._var(state, s.actor, s.variable)
                    level = self.thr if s.variable == "commitment" else self.want
                    self.ok[s.name] &= (v >= level) if s.kind == "above" else (v < level)
            elif s.kind == "ratio":
                a, b = self.years[s.name]
                y1 = self.years[s.name + ":first"]
                for part, (lo, hi) in (("b", y1), ("a", (a, b))):
                    if lo <= t <= hi:
                        self.sums[(s.name, part)] += self._enf(state.commitment[:,
                                                              self.ids.index(s.actor)])  # fmt: skip

    def values(self, tests: np.ndarray | None, steps: int) -> dict[str, np.ndarray]:
        """Per-run value of every statistic (NaN where a run has nothing to score: no test
        for ``unanimity``, no US response for ``share``)."""
        out: dict[str, np.ndarray] = {}
        for s in self.stats:
            if s.kind == "shift":
                nb = s.before[1] - s.before[0] + 1
                na = s.window[1] - s.window[0] + 1
                d = self.sums[(s.name, "a")] / na - self.sums[(s.name, "b")] / nb
                out[s.name] = (d > 0 if s.direction == "up" else d < 0).astype(np.float64)
            elif s.kind in ("above", "below"):
                out[s.name] = self.ok[s.name].astype(np.float64)
            elif s.kind == "held":
                idx = [events.EVENT_INDEX[e] for e in s.events]
                d = self.snap[s.window[1]][:, idx] - self.snap[s.window[0] - 1][:, idx]
                out[s.name] = (d.sum(axis=1) == 0).astype(np.float64)
            elif s.kind == "share":
                a, b = self.years[s.name]
                idx = [events.EVENT_INDEX[e] for e in _RESPONSES]
                d = (self.snap[b][:, idx] - self.snap[a - 1][:, idx]).astype(np.float64)
                total = d.sum(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[s.name] = np.where(total > 0, d[:, 0] / np.maximum(total, 1), np.nan)
            elif s.kind == "ratio":
                a, b = self.years[s.name]
                y1 = self.years[s.name + ":first"]
                e2 = self.sums[(s.name, "a")] / (b - a + 1)
                e1 = self.sums[(s.name, "b")] / (y1[1] - y1[0] + 1)
                out[s.name] = (1.0 - e2) / np.maximum(1.0 - e1, 1e-9)
            elif s.kind == "unanimity":
                assert self.margin is not None and tests is not None
                a0, b = self.years[s.name]
                ok = np.zeros(self.n)
                count = np.zeros(self.n)
                for t in range(max(a0, 1), b + 1):
                    if t + s.lag > steps:
                        break
                    m = tests[t]
                    if not m.any():
                        continue
                    count += m
                    ok += m & (self.margin[t : t + s.lag + 1].max(axis=0) >= 0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[s.name] = np.where(count > 0, ok / np.maximum(count, 1), np.nan)
        return out
