"""Calibration targets: the historical record, the statistics compared with it, and priors.

A target file (``configs/calibration/targets.toml``) is validated by the pydantic models
below, like scenario files and sweep specs: a wrong type, a missing key or an unknown one is
a one-line :class:`ConfigError` naming the file and the key. What pydantic cannot see alone
(a statistic's scenario exists and covers its year, its observed value follows from the
record by its rule, a prior names a real-valued parameter inside the schema's range) is
checked in :func:`load_targets`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError, model_validator

from ..engine.runner import compiled
from ..scenario.library import load_scenario
from ..scenario.loading import ConfigError, first_error, read_toml
from ..scenario.names import canonical_name
from ..scenario.safe_paths import check_path_text
from ..scenario.schema import Scenario

__all__ = [
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

#: Binary facts a statistic may target (a probability per candidate).
FACTS = ("summit_held", "cancelled_before_held", "summit_revived", "moratorium_held")
#: Events whose weeks a count statistic may target.
EVENTS = ("conventional_test", "strategic_test")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Resolution(_Strict):
    """A UN Security Council sanctions resolution of the record."""

    number: int
    date: dt.date
    after: str = ""


class Record(BaseModel):
    """The historical record; further documented entries (UNSC resolutions, CINC) may follow."""

    model_config = ConfigDict(extra="allow")

    launch_days: dict[int, FiniteFloat] = Field(default_factory=dict)
    icbm_launches: list[dt.date] = Field(default_factory=list)
    nuclear_tests: list[dt.date] = Field(default_factory=list)
    summit_held: dt.date | None = None
    summit_cancelled: dt.date | None = None
    summit_revived: dt.date | None = None
    moratorium_announced: dt.date | None = None
    conventional_first: dict[int, dt.date] = Field(default_factory=dict)
    conventional_last: dict[int, dt.date] = Field(default_factory=dict)
    unsc_resolutions: list[Resolution] = Field(default_factory=list)


class StatisticEntry(_Strict):
    """One ``[[statistics]]`` table."""

    name: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    kind: Literal["weeks", "fact", "first_week", "last_week", "tightening"]
    year: int
    event: (
        Literal["conventional_test", "strategic_test", "summit_cancelled", "summit_revived",
                "summit_held"] | None
    ) = None  # fmt: skip
    fact: (
        Literal["summit_held", "cancelled_before_held", "summit_revived", "moratorium_held"] | None
    ) = None
    observed: dt.date | FiniteFloat | None = None
    weight: FiniteFloat = Field(1.0, ge=0)
    rule: str = ""
    # timing and tightening statistics (calibration.stats)
    scale: FiniteFloat | None = Field(None, gt=0)
    first_year: int | None = None
    lag: int | None = Field(None, ge=1, le=52)
    # score group of the validation report (calibration.scores.group_of infers it if empty)
    group: str = Field("", pattern=r"^[a-z_]*$")

    @model_validator(mode="after")
    def _kind_needs(self) -> StatisticEntry:
        if self.kind == "weeks" and (self.event not in EVENTS or self.observed is None):
            raise ValueError(
                f"statistic '{self.name}': kind 'weeks' needs 'observed' and 'event' one of "
                f"{', '.join(EVENTS)}"
            )
        if self.kind == "fact" and self.fact is None:
            raise ValueError(f"statistic '{self.name}': kind 'fact' needs 'fact'")
        if self.kind in ("first_week", "last_week", "tightening"):
            if self.scale is None:
                raise ValueError(f"statistic '{self.name}': missing required key 'scale'")
            if self.observed is None:
                raise ValueError(f"statistic '{self.name}': missing required key 'observed'")
        if self.kind in ("first_week", "last_week") and self.event is None:
            raise ValueError(f"statistic '{self.name}': kind '{self.kind}' needs 'event'")
        if self.kind == "tightening" and self.lag is None:
            raise ValueError(f"statistic '{self.name}': kind 'tightening' needs 'lag'")
        return self


class PriorEntry(_Strict):
    """One ``[[priors]]`` table: a uniform prior over [low, high]."""

    name: str = Field(min_length=1)
    low: FiniteFloat
    high: FiniteFloat
    reason: str = ""
    edge: str = ""  # why the range stands (or changed) if the posterior piles at an edge

    @model_validator(mode="after")
    def _nonempty(self) -> PriorEntry:
        if not self.low < self.high:
            raise ValueError(f"empty prior range [{self.low:g}, {self.high:g}] for '{self.name}'")
        return self


class AbcSettings(_Strict):
    """The ``[abc]`` table: defaults of the command line's options."""

    candidates: int = Field(4096, ge=1)
    replicates: int = Field(50, ge=1)
    accept: float = Field(0.05, gt=0, le=1)
    seed: int = Field(1, ge=0)
    validation_replicates: int = Field(2000, ge=1)
    validation_seed: int | None = Field(None, ge=0)


class SmcSettings(_Strict):
    """The ``[smc]`` table: settings of the sequential fit (population Monte Carlo)."""

    particles: int = Field(400, ge=4)
    replicates: int = Field(20, ge=1)
    alpha: float = Field(0.5, gt=0, lt=1)
    min_acceptance: float = Field(0.04, gt=0, lt=1)
    max_generations: int = Field(12, ge=1)
    max_runs: int | None = Field(None, ge=1)
    forecast_max_runs: int | None = Field(None, ge=1)
    seed: int | None = Field(None, ge=0)
    predictive_draws: int = Field(2000, ge=1)
    forecast_fit_until: int | None = None
    kernel: Literal["logit_mvn", "truncated"] = "logit_mvn"
    kernel_scale: float | None = Field(None, gt=0)


class TargetFile(_Strict):
    """A whole target file as written."""

    name: str | None = None
    description: str = ""
    record: Record
    scenarios: dict[str, str] = Field(min_length=1)
    statistics: list[StatisticEntry] = Field(min_length=1)
    priors: list[PriorEntry] = Field(min_length=1)
    abc: AbcSettings = Field(default_factory=AbcSettings)
    smc: SmcSettings = Field(default_factory=SmcSettings)


@dataclass(frozen=True)
class Statistic:
    """One summary of the record and the model statistic it is compared with."""

    name: str
    scenario: str
    kind: str  # "weeks" (mean count of weeks with `event` in `year`) or "fact" (a probability)
    year: int
    observed: float
    event: str = ""
    fact: str = ""
    weight: float = 1.0
    rule: str = ""
    # timing and tightening statistics (calibration.stats.EXTRA_KINDS)
    scale: float = 0.0  # distance scale; 0 means the count default sqrt(max(observed, 1))
    date: dt.date | None = None  # the record's date behind a timing statistic
    first_year: int = 0  # tightening: first year of the window (``year`` is the last)
    lag: int = 0  # tightening: weeks after a test within which the coalition must tighten
    group: str = ""  # score group (launches, summitry, coalition, ...); "" = inferred


@dataclass(frozen=True)
class Prior:
    """A uniform prior over [low, high] for one dotted parameter."""

    name: str
    low: float
    high: float
    reason: str
    edge: str = ""  # why the range stands (or changed) if the posterior piles at an edge


@dataclass
class Targets:
    """A checked target file: record, scenarios, statistics, priors and ABC settings."""

    path: Path
    name: str
    record: Record
    scenarios: dict[str, Scenario]
    scenario_paths: dict[str, Path]
    statistics: list[Statistic]
    priors: list[Prior]
    abc: AbcSettings = field(default_factory=AbcSettings)
    smc: SmcSettings = field(default_factory=SmcSettings)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]


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
    if e.kind not in ("weeks", "fact"):
        from .stats import parse_extra

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


def load_targets(path: str | Path) -> Targets:
    """Read and check a target file; any problem is a one-line :class:`ConfigError`."""
    path = Path(path)
    data: dict[str, Any] = read_toml(path)
    src = str(path)
    try:
        tf = TargetFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{src}: {first_error(exc, data)}") from None
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
    return Targets(path, tf.name or path.stem, tf.record, scns, paths, stats, priors, tf.abc,
                   tf.smc)  # fmt: skip
