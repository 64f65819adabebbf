"""Scenario schema: every model parameter, its meaning, range, default and source.

A scenario is a TOML file validated by pydantic on load. Each parameter is declared with
:func:`param`, which records the allowed range (enforced), a one-line meaning and a one-line
justification (the seed passage or public fact behind the default). ``docs/ODD.md`` and the
browser controls read these records, so the schema is the single source of truth.

Seeds: ``[S18]`` is the 2018 analysis of the cancelled Kim-Trump summit, ``[S20]`` the 2020
analysis 'Donald Trump's Own Version of Muddling Through on North Korea'.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from .seeds import SEED_LIMIT

__all__ = [
    "Actor",
    "Event",
    "Params",
    "Role",
    "Scenario",
    "Tie",
    "TieType",
]


def param(
    default: float,
    lo: float,
    hi: float,
    meaning: str,
    source: str,
    *,
    unit: str = "",
) -> Any:
    """A documented, range-checked model parameter."""
    return Field(
        default,
        ge=lo,
        le=hi,
        description=meaning,
        json_schema_extra={"source": source, "unit": unit},
    )


def field_range(field: FieldInfo) -> tuple[Any, Any]:
    """A field's declared (min, max) from its ``ge``/``le`` constraints; None where open.

    The one place ranges are read back from the schema: error messages, the parameter
    table and the sweep/fit catalogue all use it."""
    lo = hi = None
    for meta in field.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
        lt = getattr(meta, "lt", None)
        if isinstance(lt, int) and not isinstance(lt, bool):
            hi = lt - 1  # an integer bound (the seed): the largest allowed value
    return lo, hi


class _TomlBool:
    """Stands in for a TOML ``true``/``false`` given to a number field, so that the field's
    own validation refuses it (pydantic would otherwise read ``true`` as 1.0)."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        flagged = {
            k: _TomlBool(v)
            for k, v in data.items()
            if isinstance(v, bool) and k in fields and fields[k].annotation in (float, int)
        }
        return {**data, **flagged} if flagged else data


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
        "Weight on regional stability: pull-back from unilateral or risky pressure.",
        "[S18] South Korea and China 'greatly prefer ... the negotiating table'.",
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> Interests:
        total = self.security + self.economy + self.prestige + self.stability
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"interest weights must sum to 1 (they sum to {total:.4g})")
        return self


class Actor(_Strict):
    """A state actor. The set of actors is data: add Japan or Russia by adding a table."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$", description="Short upper-case id.")
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
        "Initial willingness to negotiate; also the actor's baseline engagement.",
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
    volatility: float = param(
        0.2,
        0,
        1,
        "Temperament: scales noise, outbursts and policy shifts.",
        "[S18] leaders 'very temperamental and capricious ... not irrational'.",
    )
    conformity: float = param(
        0.5,
        0,
        1,
        "Susceptibility to allies' pull on commitment (0 = sets its own course).",
        "Alliance coordination; the campaign leader sets rather than follows.",
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
        "Chance that a cancellation leaves the door open (revivable).",
        "[S18] the letter praised Kim and said 'do not hesitate to call or write'.",
    )
    consults: float = param(
        0.7,
        0,
        1,
        "Chance of consulting treaty allies before a summit decision or a response to a test.",
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
        "Initial tie strength; evolves with coordination and strain.",
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
        json_schema_extra={"source": "[S20] WHO declared COVID-19 a pandemic on 11 Mar 2020."},
    )
    pandemic_weeks: int = param(
        52,
        0,
        520,
        "Duration of the pandemic shock.",
        "[S20] lockdowns and travel restrictions through 2020.",
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
        "Pyongyang inwards'.",
    )
    election_horizon: int = param(
        26,
        1,
        104,
        "Weeks before an election over which its proximity rises from 0 to 1.",
        "[S20] 'in the year of U.S. presidential elections'; campaigns run about six months.",
        unit="weeks",
    )


class CommitmentParams(_Strict):
    pull_rate: float = param(
        0.08,
        0,
        1,
        "Weekly share of the gap to tie-weighted partners' commitment closed.",
        "[S18] 'can the US maintain its North Korea coalition?': coordination pulls members.",
    )
    anchor_rate: float = param(
        0.05,
        0,
        1,
        "Weekly share of the gap to the actor's set-point closed (the set-point is its own "
        "anchor displaced by fatigue, risk, snubs, engagement and relief).",
        "Interests change slowly; without shocks commitment returns to its anchor. About a "
        "14-week half-life: Chinese enforcement followed each 2016-17 resolution within a "
        "quarter (coal suspension 19 Feb 2017 after UNSCR 2321 of 30 Nov 2016).",
    )
    conventional_response: float = param(
        0.10,
        0,
        1,
        "Commitment rise after a conventional test, x security weight x headroom.",
        "[S20] SRBM/SLBM tests drew statements, not new sanctions: a small response.",
    )
    strategic_response: float = param(
        1.0,
        0,
        1,
        "Commitment rise after a strategic test, x security weight x headroom x habituation.",
        "UNSCR 2270/2321/2371/2375/2397 each followed a nuclear or ICBM test (2016-17).",
    )
    habituation: float = param(
        0.3,
        0,
        20,
        "Damping of the test response per unit of remembered tests: response / (1 + h M).",
        "Each 2016-17 resolution came after a bigger test than the last: repeated tests of "
        "the same kind move partners less (diminishing effect, not a ratchet).",
    )
    test_memory_fade: float = param(
        0.04,
        0,
        1,
        "Weekly fading of the remembered-test count M.",
        "Alarm after a test fades over months (about a 25-week memory).",
    )
    unilateral_cost: float = param(
        0.25,
        0,
        2,
        "Fall of a partner's set-point per unit of remembered unconsulted US moves x stability "
        "weight.",
        "[S18] Trump agreed 'quickly and without consultation'; partners 'fed up'.",
    )
    unilateral_fade: float = param(
        0.05,
        0,
        1,
        "Weekly fading of the memory of unconsulted US moves.",
        "A snub is remembered for months, not years (about a 20-week memory).",
    )
    engagement_pull: float = param(
        0.3,
        0,
        1,
        "Fall of a partner's set-point per unit of DPRK engagement x stability weight.",
        "[S18] South Korea and China 'greatly prefer the ... relationship to play out at the "
        "negotiating table': an engaging DPRK gives them a reason to ease (2018: inter-Korean "
        "summits of 27 Apr, 26 May and 18-20 Sep; Kim-Xi meetings of Mar, May and Jun).",
    )
    relief_leakage: float = param(
        0.6,
        0,
        2,
        "Fall of a partner's set-point per unit of DPRK relief x economy weight.",
        "[S18] relief 'would signal to the rest of the world that it's finally okay to engage "
        "and seal deals'; Early (2015): commercial busting follows the signal.",
    )
    fatigue_erosion: float = param(
        0.2,
        0,
        1,
        "Fall of a member's set-point at full sanctions fatigue (x fatigue).",
        "[S18] South Korea and China 'getting fed up with ... maximum pressure'.",
    )
    stability_pullback: float = param(
        0.2,
        0,
        1,
        "Fall of a member's set-point per unit stability weight x military tension.",
        "[S18] China and ROK prefer 'the negotiating table' to the risk of war; tension is set "
        "by tests and US escalation, not by partners' own commitment (no feedback loop).",
    )
    posture_effect: float = param(
        0.1,
        0,
        1,
        "Rise (escalation) or fall (compromise) of the leader's set-point while the posture holds.",
        "[S20] the US choice after a test: escalate, compromise or sideline; 2017's 'maximum "
        "pressure' raised US enforcement (Treasury designations, secondary sanctions EO 13810).",
    )
    noise: float = param(
        0.015,
        0,
        0.2,
        "Std of weekly commitment noise per unit volatility.",
        "[S18] 'prone to unexpected outbursts, statements, and policy shifts'.",
    )


class FatigueParams(_Strict):
    growth: float = param(
        0.06,
        0,
        1,
        "Weekly fatigue growth per unit effective pressure x economy weight.",
        "[S18] fatigue grows under 'maximum pressure' without talks.",
    )
    recovery: float = param(
        0.03,
        0,
        1,
        "Weekly share of sanctions fatigue that fades (talks stop its growth).",
        "[S18] partners 'prefer the ... relationship to play out at the negotiating table'; "
        "fatigue lasts months (about a 23-week half-life), not forever.",
    )
    engagement_effect: float = param(
        0.5,
        0,
        1,
        "Rise in target engagement per unit fatigue (fatigued partners want talks).",
        "[S18] fatigue turns into a preference for negotiation.",
    )


class EngagementParams(_Strict):
    adjust_rate: float = param(
        0.15,
        0,
        1,
        "Weekly share of the gap to target engagement closed.",
        "Diplomatic postures shift over weeks, not days ([S18] 'in the week or two').",
    )
    noise: float = param(
        0.02,
        0,
        0.2,
        "Std of weekly engagement noise per unit volatility.",
        "[S18] unpredictable statements.",
    )
    influence_level: float = param(
        0.8,
        0,
        1,
        "Target engagement while the DPRK seeks influence.",
        "[S20] 2018 'influence-seeking policy': engagement, summitry, test moratorium.",
    )
    autonomy_level: float = param(
        0.1,
        0,
        1,
        "Target engagement while the DPRK seeks autonomy.",
        "[S20] Kim 'essentially refused ... to return to the negotiation table' (Dec 2019).",
    )
    compromise_boost: float = param(
        0.3,
        0,
        1,
        "Rise in the leader's target engagement under a compromise posture.",
        "[S20] 'compromising below the maximum goal of full denuclearization'.",
    )
    sideline_drop: float = param(
        0.2,
        0,
        1,
        "Fall in the leader's target engagement under a sideline posture.",
        "[S20] 'continue to sideline the North Korea issue'.",
    )
    talks_boost: float = param(
        0.3,
        0,
        1,
        "Rise in the leader's engagement set-point while a summit is proposed or scheduled.",
        "[S18] a meeting 'both Kim and Trump really want'; they engaged 'rather delicately'.",
    )
    test_hit: float = param(
        0.2,
        0,
        1,
        "Leader engagement lost in the week of a strategic test.",
        "[S18] 'Barring a severe uptick in tensions and hostilities' the summit happens.",
    )


class StandingParams(_Strict):
    anchor_rate: float = param(
        0.02,
        0,
        1,
        "Weekly relaxation of standing toward its initial level.",
        "Approval is sticky: it returns toward its baseline absent news.",
    )
    reference_adapt: float = param(
        0.01,
        0,
        1,
        "Weekly adaptation of the reference point toward current standing.",
        "Reference points adapt slowly to the status quo (Kahneman and Tversky 1979).",
    )
    noise: float = param(
        0.01,
        0,
        0.2,
        "Std of weekly standing noise per unit volatility.",
        "Domestic politics outside the model.",
    )
    summit_gain: float = param(
        0.04,
        0,
        1,
        "Standing gain of both leaders when a summit is held.",
        "[S18] Kim would 'bask in the praise'; Trump a 'global statesman'.",
    )
    agreement_gain: float = param(
        0.05,
        0,
        1,
        "Further standing gain of both leaders when a summit yields agreement.",
        "[S18] 'he needs a political win'.",
    )
    no_deal_cost: float = param(
        0.08,
        0,
        1,
        "Leader standing lost when a held summit ends without a deal.",
        "[S20] Trump 'is unlikely to want to risk ... a failure in negotiations': a failed "
        "summit costs more than the meeting gains.",
    )
    test_cost_leader: float = param(
        0.08,
        0,
        1,
        "Leader standing loss after a strategic test.",
        "[S20] a test before the election: 'diplomacy will be seen as having failed entirely'.",
    )
    provocation_gain_target: float = param(
        0.03,
        0,
        1,
        "Target leader standing gain after a provocation.",
        "[S20] 'major provocations could reinforce his power at home'.",
    )
    sanctions_cost_target: float = param(
        0.01,
        0,
        1,
        "Weekly target standing loss per unit effective pressure.",
        "[S20] 'absence of prospects for easing of the tough ... sanctions regime'.",
    )


class ProspectParams(_Strict):
    alpha: float = param(
        0.88,
        0.05,
        1,
        "Curvature of the value function for gains.",
        "Tversky and Kahneman (1992) median estimate.",
    )
    beta: float = param(
        0.88,
        0.05,
        1,
        "Curvature of the value function for losses.",
        "Tversky and Kahneman (1992) median estimate.",
    )
    loss_aversion: float = param(
        2.25,
        1,
        5,
        "Loss aversion lambda.",
        "Tversky and Kahneman (1992) median estimate.",
    )
    sensitivity: float = param(
        8.0,
        0,
        50,
        "Logit slope on the prospect-value advantage of a risky option.",
        "Scales value differences (standing units) into choice odds.",
    )
    summit_upside: float = param(
        0.25,
        0,
        1,
        "Standing gained if a summit gamble succeeds (x (1 + prestige weight)).",
        "[S18] 'hoping to win big so as to turn around his political fortunes'.",
    )
    summit_downside: float = param(
        0.15,
        0,
        1,
        "Standing lost if a summit gamble fails.",
        "[S18] 'North Korea does offer a host of pitfalls'.",
    )
    summit_success: float = param(
        0.5,
        0,
        1,
        "Leader's subjective chance that a summit succeeds.",
        "[S18] forecasts 'issued with great caution': an even chance.",
    )
    accept_logit0: float = param(
        -2.5,
        -20,
        20,
        "Weekly logit of accepting a proposed summit at zero value advantage.",
        "Summit offers are answered within weeks (March 2018: within a day).",
    )
    posture_weeks: int = param(
        26,
        1,
        520,
        "Weeks a response posture (compromise, sideline, escalate) lasts.",
        "[S20] sidelining holds 'as long as there is no additional nuclear or ICBM test'.",
        unit="weeks",
    )
    election_aversion: float = param(
        2.0,
        0,
        10,
        "Extra weight on a gamble's downside at full election proximity.",
        "[S20] 'with a crucial election ahead, Trump is unlikely to want to risk ... failure'.",
    )
    sideline_cost: float = param(
        0.15,
        0,
        1,
        "Sure standing loss of sidelining the issue after a strategic test.",
        "[S20] sidelining works only 'as long as there is no additional nuclear or ICBM test' "
        "and the freeze was 'Trump's only achievement': after a strategic test, doing nothing "
        "costs (2016-17: every test was answered with sanctions).",
    )
    compromise_upside: float = param(
        0.12,
        0,
        1,
        "Gain if a compromise below full denuclearisation works.",
        "[S20] compromise is one of the three US choices.",
    )
    compromise_downside: float = param(
        0.10,
        0,
        1,
        "Loss if the compromise fails.",
        "[S20] a failure in negotiations.",
    )
    compromise_success: float = param(
        0.5,
        0,
        1,
        "Subjective chance a compromise works.",
        "[S20] no tangible progress so far.",
    )
    escalate_upside: float = param(
        0.4,
        0,
        1,
        "Gain if military escalation forces a climb-down.",
        "[S20] escalation is one of the three US choices.",
    )
    escalate_downside: float = param(
        0.4,
        0,
        1,
        "Loss if escalation ends in conflict.",
        "[S20] 'a military conflict with unpredictable consequences'.",
    )
    escalate_success: float = param(
        0.45,
        0,
        1,
        "Subjective chance escalation succeeds.",
        "[S18] relations careened 'from name calling and threats of nuclear war' to talks: "
        "threats were seen to work, yet [S20] 'unpredictable consequences' keep it below even.",
    )


class TargetParams(_Strict):
    aspiration: float = param(
        0.35,
        0,
        1,
        "Interest-weighted payoff engagement must deliver to keep the target engaged.",
        "[S18] Kim wants security guarantees, economic relief and prestige.",
    )
    to_autonomy_logit0: float = param(
        -5.0,
        -20,
        20,
        "Weekly logit of turning to autonomy-seeking at zero disappointment.",
        "[S20] the turn came after a year without relief (2019).",
    )
    disappointment_slope: float = param(
        8.0,
        0,
        50,
        "Logit slope on disappointment (aspiration minus payoff).",
        "[S20] 'in the absence of prospects for easing of ... sanctions'.",
    )
    snub_shock: float = param(
        3.0,
        0,
        20,
        "Extra logit of turning to autonomy right after a summit without relief.",
        "[S20] relations 'cooled again since 2019' after the no-deal summit.",
    )
    to_influence_logit0: float = param(
        -7.0,
        -20,
        20,
        "Weekly logit of turning to influence-seeking at zero lure.",
        "[S20] 'influence-seeking policy of 2018'.",
    )
    lure_slope: float = param(
        6.0,
        0,
        50,
        "Logit slope on the lure of engagement (what talks could deliver).",
        "[S18] 'Kim wants credible promises ... aid packages, removing sanctions'.",
    )
    relief_decay: float = param(
        0.01,
        0,
        1,
        "Weekly erosion of economic relief per unit effective pressure.",
        "Sanctions enforcement claws back relief.",
    )
    prestige_decay: float = param(
        0.01,
        0,
        1,
        "Weekly fading of summit prestige.",
        "Prestige must be renewed.",
    )
    security0: float = param(
        0.5,
        0,
        1,
        "Baseline perceived regime security (0 = imminent threat, 1 = guaranteed).",
        "[S18] Kim wants 'credible promises that the US won't attempt to topple' the regime.",
    )
    security_recovery: float = param(
        0.02,
        0,
        1,
        "Weekly recovery of perceived regime security toward its baseline.",
        "Threat perceptions fade without new threats.",
    )
    summit_prestige: float = param(
        0.35,
        0,
        1,
        "Prestige gained when a summit is held.",
        "[S18] standing 'on the world stage alongside Trump ... as a peer'.",
    )
    agreement_relief: float = param(
        0.4,
        0,
        1,
        "Economic relief gained from an agreement.",
        "[S18] 'removing sanctions'.",
    )
    agreement_security: float = param(
        0.3,
        0,
        1,
        "Security gained from an agreement.",
        "[S18] 'credible promises that the US won't attempt to topple' the regime.",
    )
    escalation_threat: float = param(
        0.3,
        0,
        1,
        "Security lost when the leader escalates.",
        "[S20] 'escalate militarily'.",
    )
    conventional_logit0: float = param(
        -4.6,
        -20,
        20,
        "Weekly logit of a conventional test in influence mode (about 1%).",
        "2018: no launches during the influence-seeking moratorium (CNS database).",
    )
    conventional_autonomy: float = param(
        4.0,
        0,
        20,
        "Added logit of a conventional test in autonomy mode (to about 35%/week).",
        "2016-17: 15-16 launch days a year (CNS database); [S20] tests 'ramped up'.",
    )
    strategic_logit0: float = param(
        -7.0,
        -20,
        20,
        "Weekly logit of a strategic (ICBM/nuclear) test in influence mode.",
        "[S20] Pyongyang 'restrained from both long-range ... and further nuclear tests'.",
    )
    strategic_autonomy: float = param(
        3.5,
        0,
        20,
        "Added logit of a strategic test in autonomy mode (about 3%/week before programme momentum).",
        "2016-17: 2 nuclear tests and 3 ICBM launches in two years.",
    )
    election_leverage: float = param(
        1.0,
        0,
        20,
        "Added strategic-test logit at full US election proximity when Kim is fully vulnerable.",
        "[S20] 'this vulnerability represents a source of leverage that could be exploited'.",
    )
    programme_growth: float = param(
        0.03,
        0,
        1,
        "Weekly growth of weapons-programme momentum while seeking autonomy.",
        "[S20] 'promised to pursue military modernization'; ICBM work matured over 2016-17.",
    )
    programme_decay: float = param(
        0.02,
        0,
        1,
        "Weekly fading of programme momentum while seeking influence.",
        "2018 testing moratorium: development slowed while Pyongyang sought influence.",
    )
    programme_slope: float = param(
        2.0,
        0,
        20,
        "Added strategic-test logit per unit of programme momentum.",
        "2017's three ICBM tests came as the Hwasong-14/15 programme matured.",
    )
    stake_restraint: float = param(
        10.0,
        0,
        50,
        "Strategic-test logit reduction per unit of what engagement has delivered.",
        "[S20] restraint while the situation is 'preferable to any expected retaliation'.",
    )
    vulnerability_slope: float = param(
        4.0,
        0,
        50,
        "Added logit per unit of the leader's shortfall below reference standing.",
        "[S20] 'if Kim Jong-un perceives his domestic position to be vulnerable'.",
    )
    election_restraint: float = param(
        3.0,
        0,
        20,
        "Strategic-test logit reduction at full US election proximity when Kim feels secure.",
        "[S20] restraint if 'the current situation is perceived as relatively permissive and "
        "stable and thus considered preferable to any expected retaliation'.",
    )
    vulnerability_scale: float = param(
        0.1,
        0.01,
        1,
        "Shortfall of Kim's standing below reference at which he counts as fully vulnerable.",
        "[S20] 'if Kim Jong-un perceives his domestic position to be vulnerable, he may "
        "conclude that major provocations could reinforce his power at home'.",
    )
    mediator_shunning: float = param(
        0.8,
        0,
        1,
        "Share of mediation the DPRK ignores while it seeks autonomy.",
        "[S20] in autonomy mode Kim 'essentially refused' the invitation to return to talks.",
    )
    diplomacy_restraint: float = param(
        2.0,
        0,
        20,
        "Logit reduction while a diplomatic track is active.",
        "[S20] provocations fall with an active diplomatic track.",
    )
    patron_restraint: float = param(
        1.0,
        0,
        20,
        "Logit reduction per unit of the patrons' tie-weighted commitment.",
        "Chinese enforcement restrains Pyongyang (China is DPRK's treaty ally).",
    )


class SummitParams(_Strict):
    proposal_logit0: float = param(
        -5.5,
        -20,
        20,
        "Weekly logit of a summit proposal with no mediation or engagement.",
        "Leader-level summits are rare: none 1994-2017.",
    )
    mediation_slope: float = param(
        4.0,
        0,
        50,
        "Added logit per unit of mediation (mediators' effort x engagement).",
        "[S18] ROK envoys carried Kim's invitation in March 2018.",
    )
    engagement_slope: float = param(
        4.0,
        0,
        50,
        "Added logit per unit of the two leaders' mean engagement.",
        "[S18] 'a personal, direct Kim-Trump meeting something both ... really want'.",
    )
    target_accept_logit0: float = param(
        -4.0,
        -20,
        20,
        "Weekly logit that the target accepts a proposal in autonomy mode.",
        "[S20] Kim refused Biegun's invitation in autonomy mode.",
    )
    target_accept_influence: float = param(
        5.0,
        0,
        20,
        "Added acceptance logit in influence mode.",
        "[S20] 2018 summitry.",
    )
    lead_weeks: int = param(
        14,
        1,
        52,
        "Weeks from scheduling to the summit date.",
        "8 March 2018 acceptance to 12 June 2018 Singapore: 14 weeks.",
        unit="weeks",
    )
    proposal_expiry: int = param(
        8,
        1,
        52,
        "Weeks a proposal stays open before it lapses.",
        "Unanswered overtures lapse within a season.",
        unit="weeks",
    )
    insecurity_weeks: int = param(
        2,
        1,
        26,
        "Weeks of counterpart silence before the fear of being stood up bites.",
        "[S18] 'in the week or two prior to Trump's cancellation, dialogue ... had slowed'.",
        unit="weeks",
    )
    revival_logit0: float = param(
        -3.0,
        -20,
        20,
        "Weekly logit of reviving a hedged cancellation at zero engagement.",
        "[S18] 'talks ... have picked up again'.",
    )
    revival_engagement: float = param(
        4.0,
        0,
        50,
        "Added revival logit per unit mean engagement of the two leaders.",
        "[S18] both 'really want' the meeting.",
    )
    revival_window: int = param(
        12,
        1,
        104,
        "Weeks a hedged cancellation stays revivable.",
        "[S18] 'whether in June or later down the line'.",
        unit="weeks",
    )
    revival_lead: int = param(
        2,
        1,
        52,
        "Weeks from revival to the summit date.",
        "Cancelled 24 May 2018, revived about 1 June, held 12 June: under two weeks.",
        unit="weeks",
    )
    agreement_logit0: float = param(
        -2.0,
        -20,
        20,
        "Logit of agreement at a held summit with zero engagement.",
        "Leader summits often end without a deal (Reykjavik 1986); [S20] the risk of 'a "
        "failure in negotiations'.",
    )
    agreement_engagement: float = param(
        2.5,
        0,
        20,
        "Added agreement logit per unit mean engagement of the two leaders.",
        "Singapore 2018 produced a joint statement when both were engaged.",
    )
    agreement_compromise: float = param(
        1.5,
        0,
        20,
        "Added agreement logit under a compromise posture.",
        "[S20] a deal needs 'compromising below the maximum goal'.",
    )
    closed_revival_penalty: float = param(
        4.0,
        0,
        20,
        "Revival logit lost when the cancellation closed the door (revivable until cooldown).",
        "[S18] even a formal cancellation can be walked back; a closed door just rarely is.",
    )
    tension_cancel: float = param(
        0.3,
        0,
        1,
        "Leader's weekly chance of cancelling a scheduled summit per unit of tension.",
        "[S18] 'Barring a severe uptick in tensions and hostilities, I still expect the ... "
        "summit to happen'.",
    )
    leader_initiative: float = param(
        0.5,
        0,
        1,
        "Share of the leader's summit-acceptance logit (prospect value) that enters the "
        "proposal logit.",
        "[S18] a leader in a 'domain of losses' gambles on summitry: Trump agreed to meet "
        "'quickly'.",
    )
    hedge_signal: float = param(
        0.15,
        0,
        1,
        "Target engagement gained when the leader cancels but leaves the door open.",
        "[S18] the letter 'was a bargaining move'; Pyongyang answered with a 'restrained' reply.",
    )
    cooldown: int = param(
        26,
        1,
        260,
        "Weeks after a summit or closed cancellation before a new proposal.",
        "Half a year: a new leader-level meeting needs months of working-level preparation "
        "(the 2018 inter-Korean summits of April and September were five months apart).",
        unit="weeks",
    )
    unconsulted_cost: float = param(
        0.12,
        0,
        1,
        "Tie strength lost with each treaty ally the leader fails to consult.",
        "[S18] Trump agreed 'without consultation' of the South Koreans.",
    )


class VolatilityParams(_Strict):
    outburst_rate: float = param(
        0.15,
        0,
        1,
        "Weekly outburst probability per unit volatility.",
        "[S18] 'prone to unexpected outbursts'.",
    )
    outburst_engagement_hit: float = param(
        0.15,
        0,
        1,
        "Engagement lost by the counterpart hit by an outburst.",
        "[S18] 'avoiding big missteps that could sabotage talks'.",
    )
    outburst_tension: float = param(
        0.05,
        0,
        1,
        "Tension added by an outburst at the counterpart.",
        "2017 'name calling and threats of nuclear war'.",
    )
    want_threshold: float = param(
        0.5,
        0,
        1,
        "Engagement at which a leader 'wants the meeting'.",
        "[S18] outbursts 'targeted ... Pence and ... Bolton, not Trump himself'.",
    )
    shift_rate: float = param(
        0.03,
        0,
        1,
        "Weekly policy-shift probability per unit volatility.",
        "[S18] 'unexpected ... policy shifts'.",
    )
    shift_size: float = param(
        0.25,
        0,
        1,
        "Size of a policy shift in engagement (up or down at even odds).",
        "[S18] careening 'from name calling ... to the prospect of rapprochement'.",
    )


class TieParams(_Strict):
    pull_treaty_ally: float = param(
        1.0,
        0,
        1,
        "Pull weight of a treaty-ally tie.",
        "Treaty allies coordinate most.",
    )
    pull_partner: float = param(
        0.6,
        0,
        1,
        "Pull weight of a partner tie.",
        "Partners coordinate, less bindingly.",
    )
    pull_rival: float = param(
        0.4,
        0,
        1,
        "Pull weight of a rival tie.",
        "US-China rivalry, yet UNSCR 2270, 2321, 2371, 2375 and 2397 were each negotiated "
        "between Washington and Beijing and adopted 15-0: the channel carried coordination.",
    )
    pull_adversary: float = param(
        0.0,
        0,
        1,
        "Pull weight of an adversary tie.",
        "Adversaries do not align commitments.",
    )
    divergence_memory: float = param(
        0.1,
        0,
        1,
        "Weekly update weight of the running mean of commitment divergence.",
        "Strain comes from 'sustained' divergence, not one week's.",
    )
    tolerance: float = param(
        0.3,
        0,
        1,
        "Divergence a tie tolerates before it strains.",
        "Allies absorb moderate differences in enforcement: the US-China gap of 2016 "
        "('strategic patience' against lax Chinese enforcement) did not stop five joint "
        "resolutions.",
    )
    strengthen: float = param(
        0.03,
        0,
        1,
        "Weekly share of the gap to the tie's initial (institutional) strength recovered.",
        "Treaties and trade partnerships outlast a quarrel: a strained or snubbed tie recovers "
        "over months (the US-ROK alliance after 2018's unconsulted moves).",
    )
    strain: float = param(
        0.15,
        0,
        1,
        "Weekly weakening per unit of divergence above tolerance.",
        "[S18] 'the coalition could fracture': sustained divergence strains a tie over months.",
    )


class TensionParams(_Strict):
    decay: float = param(
        0.04,
        0,
        1,
        "Weekly decay of military tension.",
        "Crises fade without new shocks.",
    )
    conventional: float = param(
        0.04,
        0,
        1,
        "Tension added by a conventional test.",
        "[S20] SRBM tests raised little.",
    )
    strategic: float = param(
        0.25,
        0,
        1,
        "Tension added by a strategic test.",
        "2017: 'threats of nuclear war' after ICBM and nuclear tests.",
    )
    escalation: float = param(
        0.35,
        0,
        1,
        "Tension added when the leader chooses escalation.",
        "[S20] 'escalate militarily'.",
    )
    summit_relief: float = param(
        0.3,
        0,
        1,
        "Tension removed when a summit is held.",
        "Singapore ended the 2017 crisis.",
    )
    crisis_threshold: float = param(
        0.85,
        0,
        1,
        "Tension at which a military crisis is declared.",
        "[S20] 'a military conflict with unpredictable consequences'.",
    )


class EnforcementParams(_Strict):
    defection_threshold: float = param(
        0.4,
        0,
        1,
        "Commitment below which a partner largely stops enforcing (smooth, see softness).",
        "Haggard and Noland (2017): China's enforcement was uneven, lax when Beijing's "
        "commitment was low.",
    )
    defection_softness: float = param(
        0.08,
        0.01,
        1,
        "Width of the defection step: enforcement = c x logistic((c - threshold) / softness).",
        "Enforcement erodes over a range of commitment, not at a switch (no on/off mechanism).",
    )
    trade_weight: float = param(
        0.5,
        0,
        1,
        "Weight of trade share (against material capability) in an actor's enforcement capacity.",
        "Haggard and Noland (2017): sanctions bite through trade, and China carries most of it.",
    )
    leakage: float = param(
        0.03,
        0,
        1,
        "Weekly DPRK relief gained per unit of unwinding (1 - pressure / initial pressure) x "
        "headroom.",
        "Early (2015): busting by commercial partners restores a target's trade when "
        "enforcement lapses.",
    )


class OutcomeParams(_Strict):
    fracture_cohesion: float = param(
        0.3,
        0,
        1,
        "Coalition cohesion below which the coalition counts as fractured.",
        "[S18] 'the coalition could fracture'.",
    )
    unwind_ratio: float = param(
        0.6,
        0,
        1,
        "Effective pressure below this share of its initial level = unwound.",
        "[S18] 'the pressure campaign could unwind'.",
    )
    isolation_threshold: float = param(
        0.5,
        0,
        1,
        "US isolation at or above which the US is 'alone and sidelined'.",
        "[S18] 'the US could find itself alone and sidelined'.",
    )
    track_memory: int = param(
        26,
        1,
        260,
        "Weeks a held summit keeps the diplomatic track active.",
        "Working-level talks follow a summit for months (Pompeo's visits to Pyongyang after "
        "Singapore ran into October 2018).",
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
