"""Summary statistics of the 2016-2018 record for the sequential fit (issue 11).

Beyond the yearly counts and binary facts of :mod:`calibrate`, the record fixes *when* things
happened, and a model that gets the counts right in the wrong weeks generalises badly:

- ``first_week`` / ``last_week``: the week of the year (1 = the week holding 1 January) of the
  first or last week with an event: the first and last conventional launch of a year, the
  first and last strategic test (nuclear test or ICBM launch), the cancellation, revival and
  the summit itself in 2018. A run without the event in that year counts as one week after the
  year's end (first) or week 0 (last), so never-happening is far from any date.
- ``tightening``: the share of strategic tests after which the coalition's mean commitment
  ``lag`` weeks later is above its level the week before the test. In the record every
  nuclear test and ICBM launch of 2016-2017 drew a UN Security Council resolution within
  twelve weeks (2270, 2321, 2371, 2375, 2397): the observed share follows from the dates.

Every statistic is computed per run from one pass over the batched ensemble (all candidate
points and replicates as rows), then averaged over a candidate's replicates. Only weeks up to
the last one any statistic needs are simulated: later weeks cannot change earlier ones
(counter-based random streams keyed by week).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from ..core import events
from ..core import week as dyn
from ..engine.ensemble import Ensemble
from ..engine.runner import compiled
from ..scenario.loading import ConfigError
from ..scenario.schema import Scenario
from .estimate import coalition_commitment, year_steps
from .targets import Record, Statistic, StatisticEntry, Targets

__all__ = [
    "EXTRA_KINDS",
    "TIMING_EVENTS",
    "TIMING_RULES",
    "parse_extra",
    "per_run_statistics",
    "simulate_stats",
    "steps_needed",
]

EXTRA_KINDS = ("first_week", "last_week", "tightening")
TIMING_EVENTS = (
    "conventional_test",
    "strategic_test",
    "summit_cancelled",
    "summit_revived",
    "summit_held",
)
#: Rules that give a timing statistic's date from the record.
TIMING_RULES = (
    "conventional_first",
    "conventional_last",
    "strategic_first",
    "strategic_last",
    "summit_cancelled",
    "summit_revived",
    "summit_held",
)
_FACT_EVENTS = ("summit_held", "summit_cancelled", "summit_revived", "strategic_test")
_ROWS = 24000  # rows per pass (~40 MB of hit table and coalition history at most)


def timing_date(rule: str, year: int, record: Record, where: str) -> dt.date:
    """The record's date a timing rule points at (checked to fall in ``year``)."""
    d: dt.date | None
    if rule in ("conventional_first", "conventional_last"):
        table = (
            record.conventional_first if rule == "conventional_first" else record.conventional_last
        )
        d = table.get(year)
        if d is None:
            raise ConfigError(f"{where}: record.{rule} has no date for {year}")
    elif rule in ("strategic_first", "strategic_last"):
        days = sorted(x for x in record.icbm_launches + record.nuclear_tests if x.year == year)
        if not days:
            raise ConfigError(f"{where}: the record has no strategic test in {year}")
        d = days[0] if rule == "strategic_first" else days[-1]
    elif rule in ("summit_cancelled", "summit_revived", "summit_held"):
        d = getattr(record, rule)
        if d is None:
            raise ConfigError(f"{where}: record.{rule} must be a date")
    else:
        raise ConfigError(f"{where}: rule must be one of {', '.join(TIMING_RULES)}, got {rule!r}")
    if d.year != year:
        raise ConfigError(f"{where}: record date {d} for rule '{rule}' is not in {year}")
    return d


def week_of_year(scn: Scenario, d: dt.date) -> int:
    """Week of the year in the scenario's own steps (1 = the step holding 1 January)."""
    first, _ = year_steps(scn, d.year)
    return scn.step_of(d) - first + 1


def resolution_share(record: Record, first: int, last: int, lag: int, where: str) -> float:
    """Share of the record's strategic tests in [first, last] followed within ``lag`` weeks by
    a UN Security Council resolution (``record.unsc_resolutions``)."""
    tests = [d for d in record.icbm_launches + record.nuclear_tests if first <= d.year <= last]
    if not tests:
        raise ConfigError(f"{where}: the record has no strategic test in {first}-{last}")
    dates = [r.date for r in record.unsc_resolutions]
    hit = [any(dt.timedelta(0) <= r - t <= dt.timedelta(weeks=lag) for r in dates) for t in tests]
    return sum(hit) / len(hit)


def parse_extra(e: StatisticEntry, record: Record, scn: Scenario, where: str) -> Statistic:
    """Check a timing or tightening statistic against the record; one-line errors."""
    assert e.scale is not None  # StatisticEntry checked it
    if e.kind in ("first_week", "last_week"):
        event = str(e.event)
        if event not in TIMING_EVENTS:
            raise ConfigError(f"{where}: event must be one of {', '.join(TIMING_EVENTS)}")
        d = timing_date(e.rule, e.year, record, where)
        if e.observed != d:
            raise ConfigError(
                f"{where}: observed = {e.observed!r} but rule '{e.rule}' gives {d} from the record"
            )
        if not scn.start_date <= d <= scn.date_of(scn.steps):
            raise ConfigError(f"{where}: {d} is outside scenario '{e.scenario}'")
        return Statistic(e.name, e.scenario, e.kind, e.year, float(week_of_year(scn, d)),
                         event=event, weight=e.weight, rule=e.rule, scale=e.scale, date=d,
                         group=e.group)  # fmt: skip
    # tightening
    first = e.year if e.first_year is None else e.first_year
    lag = int(e.lag or 0)
    if first > e.year or first < scn.start_date.year:
        raise ConfigError(
            f"{where}: first_year {first} must lie in [{scn.start_date.year}, {e.year}]"
        )
    if e.rule != "resolution_within_lag":
        raise ConfigError(f"{where}: rule must be 'resolution_within_lag', got {e.rule!r}")
    share = resolution_share(record, first, e.year, lag, where)
    if not isinstance(e.observed, float) or abs(e.observed - share) > 1e-9:
        raise ConfigError(f"{where}: observed = {e.observed!r} but the record gives {share:g}")
    return Statistic(e.name, e.scenario, e.kind, e.year, share, event="strategic_test",
                     weight=e.weight, rule=e.rule, scale=e.scale, first_year=first, lag=lag,
                     group=e.group)  # fmt: skip


# --------------------------------------------------------------------------- simulation


def steps_needed(scn: Scenario, stats: Sequence[Statistic]) -> int:
    """The last week any statistic of ``scn`` reads (a tightening window adds its lag)."""
    last = 1
    for st in stats:
        b = year_steps(scn, st.year)[1]
        last = max(last, b + (st.lag if st.kind == "tightening" else 0))
    return min(scn.steps, last)


def _stats_of_block(
    ens: Ensemble, stats: Sequence[Statistic], p: dyn.ParamArrays, seeds: np.ndarray, steps: int,
    mor_step: int,
) -> dict[str, np.ndarray]:  # fmt: skip
    scn = ens.scenario
    evs = sorted({st.event for st in stats if st.event} | set(_FACT_EVENTS))
    idx = [events.EVENT_INDEX[e] for e in evs]
    row = {e: k for k, e in enumerate(evs)}
    r = p.n_rows
    hit: np.ndarray = np.zeros((len(evs), steps + 1, r), dtype=bool)
    track = any(st.kind == "tightening" for st in stats)
    coal = np.zeros((steps + 1, r)) if track else None
    prev = None
    for t, state in ens.iterate(p, seeds, steps=steps):
        c = state.counts[:, idx]
        if prev is not None:
            hit[:, t, :] = (c > prev).T
        prev = c.copy()
        if coal is not None:
            coal[t] = coalition_commitment(state, ens.structure)
    out: dict[str, np.ndarray] = {}
    for st in stats:
        a, b = year_steps(scn, st.year)
        b = min(b, steps)
        n_weeks = b - a + 1
        if st.kind == "weeks":
            out[st.name] = hit[row[st.event], a : b + 1].sum(axis=0).astype(np.float64)
        elif st.kind in ("first_week", "last_week"):
            sub = hit[row[st.event], a : b + 1]
            anyh = sub.any(axis=0)
            if st.kind == "first_week":
                v = np.where(anyh, sub.argmax(axis=0) + 1, n_weeks + 1)
            else:
                v = np.where(anyh, n_weeks - sub[::-1].argmax(axis=0), 0)
            out[st.name] = v.astype(np.float64)
        elif st.kind == "fact":
            out[st.name] = _fact(st, hit, row, max(a, mor_step) if st.fact ==
                                 "moratorium_held" else a, b).astype(np.float64)  # fmt: skip
        else:  # tightening
            assert coal is not None
            a0 = year_steps(scn, st.first_year)[0]
            tests = hit[row["strategic_test"]]
            rose = np.zeros(r)
            count = np.zeros(r)
            for t in range(max(a0, 1), b + 1):
                if t + st.lag > steps:
                    break
                m = tests[t]
                count += m
                rose += m & (coal[t + st.lag] > coal[t - 1])
            with np.errstate(invalid="ignore", divide="ignore"):
                out[st.name] = np.where(count > 0, rose / np.maximum(count, 1), np.nan)
    return out


def _fact(st: Statistic, hit: np.ndarray, row: dict[str, int], a: int, b: int) -> np.ndarray:
    """Binary facts per run over steps [a, b] (for the moratorium: from its week)."""

    def first(e: str) -> np.ndarray:
        sub = hit[row[e], a : b + 1]
        return np.where(sub.any(axis=0), sub.argmax(axis=0), np.iinfo(np.int32).max)

    never = np.iinfo(np.int32).max
    if st.fact == "summit_held":
        return first("summit_held") < never
    if st.fact == "cancelled_before_held":
        held = first("summit_held")
        return (first("summit_cancelled") < held) & (held < never)
    if st.fact == "summit_revived":
        return first("summit_revived") < never
    if st.fact == "moratorium_held":
        return ~hit[row["strategic_test"], a : b + 1].any(axis=0)
    raise ConfigError(f"unknown fact '{st.fact}'")


def per_run_statistics(
    targets: Targets, theta: np.ndarray, replicates: int, seed: int, first_point: int = 0,
    stats: Sequence[Statistic] | None = None,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Every statistic per run, shape (n * replicates,), rows point-major.

    Point ``first_point + i``, replicate ``j`` of scenario number ``s`` (in the target file's
    order) gets the seed ``run_seeds(seed + s, first_point + i, j)``, as :func:`calibrate.simulate`
    does: a candidate's runs do not depend on how candidates are batched.
    """
    theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    n = theta.shape[0]
    stats = list(targets.statistics if stats is None else stats)
    out: dict[str, np.ndarray] = {}
    record = targets.record
    for s, (key, scn) in enumerate(targets.scenarios.items()):
        mine = [st for st in stats if st.scenario == key]
        if not mine:
            continue
        ens = compiled(scn)
        steps = steps_needed(scn, mine)
        seeds = ens.seeds(seed + s, n, replicates, first_point=first_point)
        cols = {nm: theta[:, k] for k, nm in enumerate(targets.names)}
        mor = record.moratorium_announced
        mor_step = scn.step_of(mor) if mor is not None else 1
        parts: dict[str, list[np.ndarray]] = {}
        rows_total = n * replicates
        step_rows = max(replicates, (_ROWS // replicates) * replicates)
        for lo in range(0, rows_total, step_rows):
            hi = min(rows_total, lo + step_rows)
            pts = np.arange(lo // replicates, hi // replicates)
            p = ens.params({k: v[pts] for k, v in cols.items()}, replicates=replicates)
            res = _stats_of_block(ens, mine, p, seeds[lo:hi], steps, mor_step)
            for nm, col in res.items():
                parts.setdefault(nm, []).append(col)
        for nm, chunks in parts.items():
            out[nm] = np.concatenate(chunks)
    return out


def simulate_stats(
    targets: Targets, theta: np.ndarray, replicates: int, seed: int, first_point: int = 0,
) -> np.ndarray:  # fmt: skip
    """(n, m) candidate summaries: the mean over replicates of each statistic, in the target
    file's order. A tightening share with no strategic test in any replicate counts as 0."""
    runs = per_run_statistics(targets, theta, replicates, seed, first_point)
    n = np.atleast_2d(theta).shape[0]
    cols = []
    for st in targets.statistics:
        v = runs[st.name].reshape(n, replicates)
        if st.kind == "tightening":
            ok = ~np.isnan(v)
            total = np.where(ok, v, 0.0).sum(axis=1)
            cols.append(np.where(ok.any(axis=1), total / np.maximum(ok.sum(axis=1), 1), 0.0))
        else:
            cols.append(v.mean(axis=1))
    return np.column_stack(cols) if cols else np.zeros((n, 0))
