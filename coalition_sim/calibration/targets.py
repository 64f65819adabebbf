"""Calibration targets: the historical record, the statistics compared with it, and priors.

A target file (``configs/calibration/targets.toml``) is validated by the pydantic models
of :mod:`.target_models` (re-exported here), like scenario files and sweep specs: a wrong type, a missing key or an unknown one is
a one-line :class:`ConfigError` naming the file and the key. What pydantic cannot see alone
(a statistic's scenario exists and covers its year, its observed value follows from the
record by its rule, a prior names a real-valued parameter inside the schema's range) is
checked in :func:`load_targets`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..engine.runner import compiled
from ..scenario.library import load_scenario
from ..scenario.loading import ConfigError, first_error, read_toml
from ..scenario.names import canonical_name
from ..scenario.safe_paths import check_path_text
from ..scenario.schema import Scenario
from .coalition import parse_coalition
from .target_models import (
    BINARY_KINDS,
    COALITION_KINDS,
    EVENTS,
    FACTS,
    AbcSettings,
    Fixed,
    HoldoutFile,
    Prior,
    PriorEntry,
    Record,
    SmcSettings,
    Statistic,
    StatisticEntry,
    TargetFile,
    Targets,
)
from .timing import parse_extra

__all__ = [
    "BINARY_KINDS",
    "COALITION_KINDS",
    "EVENTS",
    "FACTS",
    "AbcSettings",
    "Prior",
    "Record",
    "SmcSettings",
    "Statistic",
    "TargetFile",
    "Targets",
    "derive_observed",
    "load_targets",
]


def derive_observed(stat: Statistic, record: Record, scn: Scenario, src: str) -> float:
    """The observed value a statistic's rule gives from the record.

    Strategic weeks are counted in the scenario's own weeks (``Scenario.step_of``), so two
    strategic events in one model week count once, as the model would count them.
    """
    icbm, nuclear = record.icbm_launches, record.nuclear_tests
    if stat.rule == "launch_days - icbm_launch_days":
        if stat.year not in record.launch_days:
            raise ConfigError(f"{src}: record.launch_days has no value for {stat.year}")
        days = record.launch_days[stat.year]
        return days - len({d for d in icbm if d.year == stat.year})
    if stat.rule == "strategic_weeks":
        return float(len({scn.step_of(d) for d in icbm + nuclear if d.year == stat.year}))
    if stat.kind == "fact":
        held, cancelled, revived = (
            record.summit_held,
            record.summit_cancelled,
            record.summit_revived,
        )
        if stat.fact == "summit_held":
            return float(held is not None and held.year == stat.year)
        if stat.fact == "cancelled_before_held":
            if held is None or cancelled is None:
                return 0.0
            return float(cancelled < held and held.year == stat.year)
        if stat.fact == "summit_revived":
            return float(revived is not None and revived.year == stat.year)
        if stat.fact == "moratorium_held":
            mor = record.moratorium_announced
            later = [d for d in icbm + nuclear if mor is not None and d >= mor]
            return float(mor is not None and mor.year == stat.year and not later)
    raise ConfigError(f"{src}: statistic '{stat.name}': unknown rule '{stat.rule}'")


def _statistic(k: int, e: StatisticEntry, targets: TargetFile, scns: dict[str, Scenario],
               src: str) -> Statistic:  # fmt: skip
    where = f"{src}: statistics[{k}]"
    if e.scenario not in scns:
        raise ConfigError(f"{where}: unknown scenario '{e.scenario}' (known: {', '.join(scns)})")
    scn = scns[e.scenario]
    first, last = scn.start_date, scn.date_of(scn.steps)
    if not (first.year <= e.year and dt.date(e.year, 12, 31) <= last + dt.timedelta(days=6)):
        raise ConfigError(f"{where}: year {e.year} is not covered by scenario '{e.scenario}'")
    if e.kind in COALITION_KINDS:
        return parse_coalition(e, targets.record, scn, where)
    if e.kind not in ("weeks", "fact"):
        return parse_extra(e, targets.record, scn, where)
    observed = e.observed if e.kind == "weeks" else 1.0
    assert isinstance(observed, float)  # StatisticEntry checked it
    stat = Statistic(e.name, e.scenario, e.kind, e.year, observed, event=e.event or "",
                     fact=e.fact or "", weight=e.weight, rule=e.rule, group=e.group)  # fmt: skip
    derived = derive_observed(stat, targets.record, scn, src)
    if e.kind == "weeks" and derived != stat.observed:
        raise ConfigError(
            f"{where}: observed = {stat.observed:g} but rule '{e.rule}' gives {derived:g} "
            "from the record"
        )
    if e.kind == "fact" and derived != 1.0:
        raise ConfigError(f"{where}: the record does not show the fact '{stat.fact}'")
    return stat


def _prior(k: int, e: PriorEntry, scns: dict[str, Scenario], src: str) -> Prior:
    where = f"{src}: priors[{k}]"
    canon = e.name
    for key, scn in scns.items():
        specs = compiled(scn).specs
        try:
            canon = canonical_name(e.name, specs)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc} in scenario '{key}'") from None
        spec = specs[canon]
        if e.low < spec.lo or e.high > spec.hi:
            raise ConfigError(
                f"{where}: prior [{e.low:g}, {e.high:g}] for '{canon}' leaves the schema range "
                f"[{spec.lo:g}, {spec.hi:g}]"
            )
        if spec.integer:
            raise ConfigError(f"{where}: '{canon}' is a whole number; only real ones are fitted")
        if ".interests." in canon:
            raise ConfigError(f"{where}: interest weights must sum to 1; fit another parameter")
    return Prior(canon, e.low, e.high, e.reason, e.edge)


def load_targets(path: str | Path, holdout: bool = False) -> Targets:
    """Read and check a target file; any problem is a one-line :class:`ConfigError`. With
    ``holdout``, a held-out record (:class:`HoldoutFile`: no priors, never fitted)."""
    path = Path(path)
    data: dict[str, Any] = read_toml(path)
    src = str(path)
    schema = HoldoutFile if holdout else TargetFile
    try:
        tf = schema.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{src}: {first_error(exc, data, schema)}") from None
    paths: dict[str, Path] = {}
    for key, rel in tf.scenarios.items():
        try:
            paths[key] = (path.parent / check_path_text(rel, f"scenarios.{key}")).resolve()
        except ConfigError as exc:
            raise ConfigError(f"{src}: {exc}") from None
        except (OSError, RuntimeError):
            raise ConfigError(f"{src}: scenarios.{key}: cannot resolve {rel!r}") from None
    scns = {key: load_scenario(p) for key, p in paths.items()}
    stats: list[Statistic] = []
    for k, entry in enumerate(tf.statistics):
        if entry.name in {s.name for s in stats}:
            raise ConfigError(f"{src}: statistics[{k}]: duplicate statistic name '{entry.name}'")
        stats.append(_statistic(k, entry, tf, scns, src))
    priors: list[Prior] = []
    for k, pe in enumerate(tf.priors):
        prior = _prior(k, pe, scns, src)
        if prior.name in {p.name for p in priors}:
            raise ConfigError(f"{src}: priors[{k}]: parameter '{prior.name}' is listed twice")
        priors.append(prior)
    fixed: list[Fixed] = []
    for k, fe in enumerate(tf.fixed):
        where = f"{src}: fixed[{k}]"
        scn = next(iter(scns.values()))
        specs = compiled(scn).specs
        try:
            canon = canonical_name(fe.name, specs)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        if canon in {p.name for p in priors} | {f.name for f in fixed}:
            raise ConfigError(f"{where}: '{canon}' is already fitted or fixed; list it once")
        spec = specs[canon]
        if fe.low is not None and fe.high is not None and (fe.low < spec.lo or fe.high > spec.hi):
            raise ConfigError(f"{where}: range [{fe.low:g}, {fe.high:g}] for '{canon}' leaves "
                              f"the schema range [{spec.lo:g}, {spec.hi:g}]")  # fmt: skip
        fixed.append(Fixed(canon, float(spec.default), fe.reason, fe.low, fe.high))
    return Targets(path, tf.name or path.stem, tf.record, scns, paths, stats, priors, tf.abc,
                   tf.smc, fixed)  # fmt: skip
