"""The target file's data model: the record, statistics, priors and fit settings as pydantic
models (checked on load) and the checked dataclasses the fits use. Imports nothing of the
calibration package, so every module can stand on it (issue 21 item 5); loading and the checks
pydantic cannot make alone are in :mod:`.targets`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, model_validator

from ..scenario.schema import Scenario

__all__ = [
    "BINARY_KINDS",
    "COALITION_KINDS",
    "EVENTS",
    "FACTS",
    "AbcSettings",
    "CoalitionFact",
    "Fixed",
    "FixedEntry",
    "HoldoutFile",
    "Milestone",
    "Prior",
    "PriorEntry",
    "Record",
    "Resolution",
    "SmcSettings",
    "Statistic",
    "StatisticEntry",
    "TargetFile",
    "Targets",
    "UsResponse",
]

#: Binary facts a statistic may target (a probability per candidate).
FACTS = ("summit_held", "cancelled_before_held", "summit_revived", "moratorium_held")


#: Statistics of the coalition's facts (calibration.coalition).
COALITION_KINDS = ("unanimity", "ratio", "share", "shift", "above", "below", "held")


#: Kinds whose per-run value is 0/1 and whose candidate summary is a probability, scored
#: -2 log(max(p, 1/(K+1))) in the distance (a deviance, like the squared z-scores).
BINARY_KINDS = ("fact", "shift", "above", "below", "held")


#: Events whose weeks a count statistic may target.
EVENTS = ("conventional_test", "strategic_test")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Resolution(_Strict):
    """A UN Security Council sanctions resolution of the record."""

    number: int
    date: dt.date
    after: str = ""
    vote: str = ""  # e.g. "15-0": unanimous when nobody voted against or abstained
    source: str = ""


class UsResponse(_Strict):
    """How the United States answered one strategic test of the record."""

    test: dt.date
    response: Literal["compromise", "sideline", "escalate"]
    what: str = ""
    source: str = ""


class CoalitionFact(_Strict):
    """A documented movement or level of one coalition actor (calibration.coalition).

    ``kind`` = "shift": the actor's ``variable`` is ``direction`` over the window ``after``
    compared with the window ``before``; "above": the variable stays at or above its model
    threshold all through ``window``; "below": it stays below that threshold all through
    ``window``; "held": none of ``events`` happens in ``window``.
    """

    key: str = Field(min_length=1)
    kind: Literal["shift", "above", "below", "held"]
    actor: str = ""
    variable: Literal["commitment", "engagement", ""] = ""
    direction: Literal["up", "down", ""] = ""
    before: tuple[dt.date, dt.date] | None = None
    after: tuple[dt.date, dt.date] | None = None
    window: tuple[dt.date, dt.date] | None = None
    events: list[str] = Field(default_factory=list)
    evidence: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class Milestone(_Strict):
    """A dated event of the record that no statistic scores (an inauguration, a summit): read
    beside the runs, e.g. the page's record overlay, never fitted."""

    date: dt.date
    what: str = Field(min_length=1)
    source: str = Field(min_length=1)


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
    # China-DPRK trade from Chinese customs (bn USD a year) and its sources (coalition targets)
    china_dprk_trade: dict[int, FiniteFloat] = Field(default_factory=dict)
    us_responses: list[UsResponse] = Field(default_factory=list)
    coalition: list[CoalitionFact] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)


class StatisticEntry(_Strict):
    """One ``[[statistics]]`` table."""

    name: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    kind: Literal["weeks", "fact", "first_week", "last_week", "tightening", "unanimity", "ratio",
                  "share", "shift", "above", "below", "held"]  # fmt: skip
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
    # coalition statistics (calibration.coalition)
    actor: str | None = None
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
        if self.kind in ("first_week", "last_week", "tightening", "unanimity", "ratio", "share"):
            if self.scale is None:
                raise ValueError(f"statistic '{self.name}': missing required key 'scale'")
            if self.observed is None:
                raise ValueError(f"statistic '{self.name}': missing required key 'observed'")
        if self.kind in ("first_week", "last_week") and self.event is None:
            raise ValueError(f"statistic '{self.name}': kind '{self.kind}' needs 'event'")
        if self.kind in ("tightening", "unanimity") and self.lag is None:
            raise ValueError(f"statistic '{self.name}': kind '{self.kind}' needs 'lag'")
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


class FixedEntry(_Strict):
    """One ``[[fixed]]`` table: a parameter the screening found to move the distance but the
    record does not identify (a trial fit left it at its prior); it keeps its documented
    (schema) value, and ``reason`` gives the evidence."""

    name: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    # the range the fits tried it on (the screening screens it there, as for a prior)
    low: FiniteFloat | None = None
    high: FiniteFloat | None = None

    @model_validator(mode="after")
    def _range(self) -> FixedEntry:
        if (self.low is None) != (self.high is None):
            raise ValueError(f"fixed '{self.name}': give both low and high, or neither")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"empty range [{self.low:g}, {self.high:g}] for '{self.name}'")
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
    # the sampler (calibration.smc): "mcmc" = resample-move ABC-SMC (Del Moral et al. 2012),
    # at most `moves` ABC-MCMC moves per particle and generation; "pmc" = ABC-PMC
    scheme: Literal["mcmc", "pmc"] = "mcmc"
    moves: int = Field(5, ge=0, le=50)


class TargetFile(_Strict):
    """A whole target file as written."""

    name: str | None = None
    description: str = ""
    record: Record
    scenarios: dict[str, str] = Field(min_length=1)
    statistics: list[StatisticEntry] = Field(min_length=1)
    priors: list[PriorEntry] = Field(min_length=1)
    fixed: list[FixedEntry] = Field(default_factory=list)
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
    # coalition statistics (calibration.coalition): actor index name, variable, step windows
    actor: str = ""
    variable: str = ""
    direction: str = ""
    window: tuple[int, int] = (0, 0)  # steps (inclusive): 'after' of a shift, else the window
    before: tuple[int, int] = (0, 0)  # steps of a shift's 'before' window
    events: tuple[str, ...] = ()
    group: str = ""  # score group (launches, summitry, coalition, ...); "" = inferred


@dataclass(frozen=True)
class Prior:
    """A uniform prior over [low, high] for one dotted parameter."""

    name: str
    low: float
    high: float
    reason: str
    edge: str = ""  # why the range stands (or changed) if the posterior piles at an edge


class HoldoutFile(TargetFile):
    """A held-out record (``configs/validation/holdout.toml``): a target file's record,
    scenarios and statistics, scored by ``validate holdout`` and never fitted, so it lists no
    priors, fixed parameters or fit settings."""

    priors: list[PriorEntry] = Field(default_factory=list)
    fixed: list[FixedEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _never_fitted(self) -> HoldoutFile:
        if self.priors or self.fixed:
            raise ValueError(
                "a held-out record is never fitted: it may not have [[priors]] or [[fixed]] "
                "(those belong in configs/calibration/targets.toml)"
            )
        return self


@dataclass(frozen=True)
class Fixed:
    """A screened parameter kept at its documented value: why (the identification evidence)."""

    name: str
    value: float  # the documented (schema) value in the first start scenario
    reason: str
    low: float | None = None  # the range the fits tried (and the screening screens)
    high: float | None = None


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
    fixed: list[Fixed] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]
