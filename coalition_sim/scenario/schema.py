"""Scenario schema: every model parameter, its meaning, range, default and source.

A scenario is a TOML file validated by pydantic on load. This module holds the scenario's
shape (actors, ties, events, the clock, :class:`Params` and :class:`Scenario`); the
mechanism parameter groups live apart (:mod:`.params_coalition`, :mod:`.params_principals`).
Each parameter is declared with :func:`param` (:mod:`.fields`), which records the allowed range (enforced), a one-line meaning and a one-line
justification (the seed passage or public fact behind the default). ``docs/ODD.md`` and the
browser controls read these records, so the schema is the single source of truth.

Seeds: ``[S18]`` is the 2018 analysis of the cancelled Kim-Trump summit, ``[S20]`` the 2020
analysis 'Donald Trump's Own Version of Muddling Through on North Korea'.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .fields import Strict, field_range, param
from .params_coalition import (
    CommitmentParams,
    EnforcementParams,
    EngagementParams,
    FatigueParams,
    OutcomeParams,
    StandingParams,
    TensionParams,
    TieParams,
)
from .params_principals import ProspectParams, SummitParams, TargetParams, VolatilityParams
from .seeds import SEED_LIMIT

__all__ = [
    "ACTOR_ID",
    "TIE_TYPES",
    "Actor",
    "Clock",
    "CommitmentParams",
    "EnforcementParams",
    "EngagementParams",
    "Event",
    "EventKind",
    "FatigueParams",
    "Interests",
    "OutcomeParams",
    "Params",
    "ProspectParams",
    "Role",
    "Scenario",
    "StandingParams",
    "SummitParams",
    "TargetParams",
    "TensionParams",
    "Tie",
    "TieParams",
    "TieType",
    "VolatilityParams",
    "field_range",
    "param",
]

_Strict = Strict


class Role(StrEnum):
    """What an actor is in the standoff; rules select actors by role, never by name."""

    LEADER = "leader"  # leads the pressure campaign and is the summit counterpart (USA)
    TARGET = "target"  # the target of pressure (DPRK)
    MEMBER = "member"  # any other coalition member (ROK, PRC, Japan, Russia, ...)


class TieType(StrEnum):
    TREATY_ALLY = "treaty_ally"
    PARTNER = "partner"
    RIVAL = "rival"
    ADVERSARY = "adversary"


TIE_TYPES = tuple(TieType)


class Interests(_Strict):
    """Interest weights; they sum to one and map onto behaviour (docs/ODD.md, submodels)."""

    security: float = param(
        0.25,
        0,
        1,
        "Weight on security: scales the response to DPRK tests.",
        "[S18] regime security is DPRK's first interest; tests threaten partners' security.",
    )
    economy: float = param(
        0.25,
        0,
        1,
        "Weight on economy: scales sanctions fatigue (or, for the target, relief).",
        "[S18] 'aid packages, removing sanctions ... trade' (economic factors).",
    )
    prestige: float = param(
        0.25,
        0,
        1,
        "Weight on prestige: scales what a summit is worth to a leader.",
        "[S18] 'a Bugs Bunny-sized carrot for Kim'; Trump's Nobel talk.",
    )
    stability: float = param(
        0.25,
        0,
        1,
        "Weight on regional stability: how far unconsulted US moves and the DPRK's engagement "
        "lower the actor's commitment set-point.",
        "[S18] South Korea and China 'greatly prefer ... the negotiating table'.",
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> Interests:
        total = self.security + self.economy + self.prestige + self.stability
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"interest weights must sum to 1 (they sum to {total:.4g})")
        return self


#: An actor id: a capital letter, then 1 to 15 capitals, digits or underscores (USA, ROK, JPN).
ACTOR_ID = r"^[A-Z][A-Z0-9_]{1,15}$"


class Actor(_Strict):
    """A state actor. The set of actors is data: add Japan or Russia by adding a table."""

    id: str = Field(pattern=ACTOR_ID, description="Short upper-case id.")
    name: str = Field(min_length=1, description="Display name.")
    role: Role = Field(description="leader, target or member.")
    capability: float = param(
        0.02,
        0,
        1,
        "Share of world material capability (CINC).",
        "Correlates of War NMC v6, CINC 2016.",
    )
    commitment: float = param(
        0.5,
        0,
        1,
        "Initial commitment to the pressure campaign (for the target: defiance posture).",
        "Scenario state; 0 = no enforcement, 1 = 'maximum pressure'.",
    )
    engagement: float = param(
        0.3,
        0,
        1,
        "Initial willingness to negotiate; also the actor's baseline engagement (the target's "
        "baseline is its mode's engagement level instead).",
        "Scenario state.",
    )
    standing: float = param(
        0.5,
        0,
        1,
        "Initial domestic standing of the leadership (approval, security of rule).",
        "Scenario state.",
    )
    reference: float = param(
        0.5,
        0,
        1,
        "Reference point for standing: below it the leader is in a domain of losses.",
        "[S18] prospect theory: Trump 'operating from a domain of losses'.",
    )
    fatigue: float = param(
        0.0,
        0,
        1,
        "Initial sanctions fatigue (coalition members; the target's must be 0).",
        "Scenario state; [S18] South Korea and China 'getting fed up with Trump's campaign of "
        '"maximum pressure"\' (May 2018). 0 = a campaign that starts fresh.',
    )
    volatility: float = param(
        0.2,
        0,
        1,
        "Temperament: scales noise, outbursts and policy shifts.",
        "[S18] leaders 'very temperamental and capricious. Not, irrational, mind you'.",
    )
    conformity: float = param(
        0.5,
        0,
        1,
        "Susceptibility to allies' pull on commitment (0 = sets its own course).",
        "A set value (a modelling choice) per actor: alliance coordination pulls members; the "
        "campaign leader sets rather than follows.",
    )
    mediation: float = param(
        0.0,
        0,
        1,
        "Mediating effort between the leader and the target.",
        "[S18] 'the South Koreans, who've acted as a mediator'.",
    )
    fear_of_snub: float = param(
        0.2,
        0,
        1,
        "Weekly chance of cancelling first when the counterpart has gone quiet.",
        "[S18] insecurity dilemma: Trump did not want 'the massive embarrassment of being stood up'.",
    )
    hedging: float = param(
        0.5,
        0,
        1,
        "Chance that a cancellation leaves the door open (revivable), x (1 - tension).",
        "[S18] the letter praised Kim and encouraged him to 'not hesitate to call or write'.",
    )
    consults: float = param(
        0.7,
        0,
        1,
        "Chance of consulting treaty allies before a summit decision (responses to tests are "
        "not consulted moves).",
        "[S18] Trump agreed 'quickly and without consultation' of Seoul.",
    )
    trade: float = param(
        0.0,
        0,
        1,
        "Share of the target's external trade that passes through this actor.",
        "Haggard and Noland (2017) Hard Target: China carried about 85-90% of North Korea's "
        "trade by 2015-16; enforcement capacity follows trade.",
    )
    interests: Interests = Field(default_factory=Interests)


class Tie(_Strict):
    a: str = Field(description="Actor id at one end.")
    b: str = Field(description="Actor id at the other end.")
    type: TieType = Field(description="treaty_ally, partner, rival or adversary.")
    strength: float = param(
        0.5,
        0,
        1,
        "Initial tie strength and the tie's baseline; coalition ties evolve with coordination "
        "and strain, the others stay fixed.",
        "Scenario state.",
    )


class EventKind(StrEnum):
    SUMMIT_PROPOSAL = "summit_proposal"
    STRATEGIC_TEST = "strategic_test"
    CONVENTIONAL_TEST = "conventional_test"
    DPRK_MODE = "dprk_mode"
    SHOCK = "shock"


class Event(_Strict):
    """A scheduled scenario event applied to every replicate on its date."""

    date: dt.date
    kind: EventKind
    actor: str | None = Field(None, description="Actor id (for 'shock').")
    variable: Literal["commitment", "engagement", "standing", "anchor"] | None = Field(
        None,
        description="For 'shock': the variable shocked. 'anchor' moves the commitment an actor "
        "returns to (a change of government); the others move the current value, which then "
        "relaxes back.",
    )
    value: float = Field(0.0, ge=-1, le=1, description="Shock size, added then clipped.")
    mode: Literal["influence", "autonomy"] | None = Field(None, description="For 'dprk_mode'.")
    note: str = ""

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Event:
        if self.kind is EventKind.SHOCK and (self.actor is None or self.variable is None):
            raise ValueError("a 'shock' event needs 'actor' and 'variable'")
        if self.kind is EventKind.DPRK_MODE and self.mode is None:
            raise ValueError("a 'dprk_mode' event needs 'mode' = 'influence' or 'autonomy'")
        return self


class Clock(_Strict):
    """Exogenous calendar: elections and the pandemic."""

    us_elections: list[dt.date] = Field(
        default_factory=lambda: [dt.date(2018, 11, 6), dt.date(2020, 11, 3)],
        description="US federal election dates.",
        json_schema_extra={"source": "US midterm 6 Nov 2018; presidential 3 Nov 2020."},
    )
    pandemic_start: dt.date | None = Field(
        None,
        description="Start of a pandemic shock (none if absent).",
        json_schema_extra={
            "source": "Record: WHO declared COVID-19 a pandemic on 11 Mar 2020; [S20] 'the "
            "outbreak of the coronavirus crisis'."
        },
    )
    pandemic_weeks: int = param(
        52,
        0,
        520,
        "Duration of the pandemic shock.",
        "[S20] 'the pandemic and its resulting lockdowns and travel restrictions'; the length "
        "is a set value (the year after March 2020; [S20], written in May 2020, gives none).",
        unit="weeks",
    )
    pandemic_narrowing: float = param(
        0.6,
        0,
        1,
        "Share of the room for dialogue the pandemic removes while it lasts.",
        "[S20] the pandemic 'further narrowed the space for dialogue'.",
    )
    pandemic_inward: float = param(
        1.0,
        0,
        10,
        "Logit reduction of DPRK tests and of US escalation while the pandemic lasts.",
        "[S20] 'a global health crisis that [has] turned the focus of both Washington and "
        "Pyongyang inwards'; that inward focus means fewer tests is the model's reading (the "
        "same sentence lists missile tests among current developments): a modelling choice.",
    )
    election_horizon: int = param(
        26,
        1,
        104,
        "Weeks before an election over which its proximity rises from 0 to 1.",
        "[S20] 'in the year of U.S. presidential elections'; campaigns run about six months.",
        unit="weeks",
    )


class Params(_Strict):
    """All mechanism parameters, by group; the groups match the rules in ``rules.py``."""

    commitment: CommitmentParams = Field(default_factory=CommitmentParams)
    fatigue: FatigueParams = Field(default_factory=FatigueParams)
    engagement: EngagementParams = Field(default_factory=EngagementParams)
    standing: StandingParams = Field(default_factory=StandingParams)
    prospect: ProspectParams = Field(default_factory=ProspectParams)
    target: TargetParams = Field(default_factory=TargetParams)
    summit: SummitParams = Field(default_factory=SummitParams)
    volatility: VolatilityParams = Field(default_factory=VolatilityParams)
    ties: TieParams = Field(default_factory=TieParams)
    tension: TensionParams = Field(default_factory=TensionParams)
    enforcement: EnforcementParams = Field(default_factory=EnforcementParams)
    outcomes: OutcomeParams = Field(default_factory=OutcomeParams)


class Scenario(_Strict):
    """A validated scenario: actors, ties, calendar, events and parameters."""

    name: str = Field(min_length=1)
    description: str = ""
    start_date: dt.date = dt.date(2018, 1, 1)
    steps: int = Field(104, ge=1, le=5200, description="Weeks to simulate.")
    seed: int = Field(20180524, ge=0, lt=SEED_LIMIT, description="Default random seed.")
    dprk_mode: Literal["influence", "autonomy"] = Field(
        "autonomy", description="Initial DPRK policy mode."
    )
    dprk_relief: float = param(
        0.0,
        0,
        1,
        "Initial economic relief the target has obtained (sanctions eased, aid).",
        "Scenario state; none was granted 2016-2018 (UN sanctions stayed in force); [S20] "
        "'the absence of prospects for easing' of sanctions.",
    )
    dprk_prestige: float = param(
        0.0,
        0,
        1,
        "Initial prestige the target holds from past summitry.",
        "Scenario state; [S20] 'the rapprochement between North Korea and the United States "
        "in 2018'.",
    )
    dprk_programme: float = param(
        0.3,
        0,
        1,
        "Initial momentum of the target's weapons programme.",
        "Scenario state; [S20] 'military modernization' as an ongoing programme.",
    )
    actors: Annotated[list[Actor], Field(min_length=2, max_length=64)]
    ties: list[Tie] = Field(default_factory=list)
    clock: Clock = Field(default_factory=Clock)
    events: list[Event] = Field(default_factory=list)
    params: Params = Field(default_factory=Params)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        try:
            self.date_of(self.steps)
        except OverflowError:
            raise ValueError(
                f"start_date {self.start_date} plus {self.steps} weeks runs past the last "
                f"date the calendar holds ({dt.date.max}); choose an earlier start_date"
            ) from None
        ids = [a.id for a in self.actors]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate actor id(s): {', '.join(dupes)}")
        for role in (Role.LEADER, Role.TARGET):
            n = sum(a.role is role for a in self.actors)
            if n != 1:
                raise ValueError(f"exactly one actor must have role '{role}' (found {n})")
        for a in self.actors:
            if a.role is Role.TARGET and a.fatigue != 0:
                raise ValueError(
                    f"actors.{a.id}.fatigue = {a.fatigue:g}: the target has no sanctions "
                    "fatigue (allowed: 0)"
                )
        if not any(a.role is Role.MEMBER for a in self.actors):
            raise ValueError("at least one actor must have role 'member' (a coalition partner)")
        if sum(a.capability for a in self.actors if a.role is not Role.TARGET) <= 0:
            raise ValueError("the coalition (non-target actors) needs a positive capability")
        known = set(ids)
        seen: set[frozenset[str]] = set()
        for k, tie in enumerate(self.ties):
            for end in (tie.a, tie.b):
                if end not in known:
                    raise ValueError(
                        f"ties[{k}] names unknown actor '{end}' (known: {', '.join(ids)})"
                    )
            pair = frozenset((tie.a, tie.b))
            if len(pair) == 1:
                raise ValueError(f"ties[{k}] joins '{tie.a}' to itself")
            if pair in seen:
                raise ValueError(f"ties[{k}] repeats the tie {tie.a}-{tie.b}")
            seen.add(pair)
        for k, ev in enumerate(self.events):
            if ev.actor is not None and ev.actor not in known:
                raise ValueError(f"events[{k}] names unknown actor '{ev.actor}'")
            if ev.date < self.start_date:
                raise ValueError(f"events[{k}] date {ev.date} is before start_date")
        return self

    @property
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]

    def date_of(self, step: int) -> dt.date:
        """Calendar date at the end of ``step`` (one step is one week)."""
        return self.start_date + dt.timedelta(weeks=step)

    def step_of(self, date: dt.date) -> int:
        """The step during which ``date`` falls (step 1 covers the first week)."""
        return (date - self.start_date).days // 7 + 1
