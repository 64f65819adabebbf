"""Timing and tightening statistics of the record: the dates a rule points at, weeks of the year,
the share of tests followed by a UN resolution, and the checks of a ``first_week``,
``last_week`` or ``tightening`` table against the record (issue 11; a module of its own since
issue 21 item 5, so that loading the targets does not import the simulation)."""

from __future__ import annotations

import datetime as dt

from ..scenario.loading import ConfigError
from ..scenario.schema import Scenario
from .target_models import Record, Statistic, StatisticEntry
from .windows import year_steps

__all__ = [
    "TIMING_EVENTS",
    "TIMING_RULES",
    "parse_extra",
    "resolution_share",
    "timing_date",
    "week_of_year",
]

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
