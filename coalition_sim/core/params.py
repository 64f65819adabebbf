"""The scenario's parameters as typed arrays, stored once per distinct parameter set.

:class:`ParamArrays` is what the weekly kernel reads: ``p.<group>.<name>`` is an (S,) array for
each mechanism group of the schema (:class:`coalition_sim.scenario.schema.Params`), ``p.clock.<name>``
(S,), ``p.actor.<name>`` (S, A) and ``p.strength0`` (S, A, A), one stored row per distinct
parameter set (a sweep point); ``p.index`` maps each of the R replicate rows to its stored
row. A parameter set shared by a block of replicates is stored once and broadcast, so memory
per replicate is the state, not the parameters. The records are plain dataclasses so
that attribute access is checked by mypy; :func:`check_schema` (run by the tests) keeps their
field lists equal to the schema's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

__all__ = ["GROUPS", "ActorArrays", "ClockArrays", "ParamArrays", "check_schema"]

Array = np.ndarray


def _map[T](obj: T, fn: Callable[[Array], Array]) -> T:
    """A copy of a record with ``fn`` applied to every array (recursing into sub-records)."""
    kwargs: dict[str, Any] = {}
    for f in fields(obj):  # type: ignore[arg-type]
        val = getattr(obj, f.name)
        if f.name == "index":
            continue
        kwargs[f.name] = fn(val) if isinstance(val, np.ndarray) else _map(val, fn)
    return type(obj)(**kwargs)


def _zip[T](parts: list[T], fn: Callable[[list[Array]], Array]) -> T:
    """One record from several, ``fn`` combining the arrays of each field."""
    kwargs: dict[str, Any] = {}
    for f in fields(parts[0]):  # type: ignore[arg-type]
        if f.name == "index":
            continue
        items = [getattr(p, f.name) for p in parts]
        kwargs[f.name] = fn(items) if isinstance(items[0], np.ndarray) else _zip(items, fn)
    return type(parts[0])(**kwargs)


@dataclass
class CommitmentArrays:
    """``params.commitment.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.CommitmentParams`)."""

    pull_rate: Array
    anchor_rate: Array
    conventional_response: Array
    strategic_response: Array
    habituation: Array
    test_memory_fade: Array
    unilateral_cost: Array
    unilateral_fade: Array
    engagement_pull: Array
    relief_leakage: Array
    fatigue_erosion: Array
    stability_pullback: Array
    posture_effect: Array
    noise: Array


@dataclass
class FatigueArrays:
    """``params.fatigue.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.FatigueParams`)."""

    growth: Array
    recovery: Array
    engagement_effect: Array


@dataclass
class EngagementArrays:
    """``params.engagement.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.EngagementParams`)."""

    adjust_rate: Array
    noise: Array
    influence_level: Array
    autonomy_level: Array
    compromise_boost: Array
    sideline_drop: Array
    talks_boost: Array
    test_hit: Array


@dataclass
class StandingArrays:
    """``params.standing.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.StandingParams`)."""

    anchor_rate: Array
    reference_adapt: Array
    noise: Array
    summit_gain: Array
    agreement_gain: Array
    no_deal_cost: Array
    test_cost_leader: Array
    provocation_gain_target: Array
    sanctions_cost_target: Array


@dataclass
class ProspectArrays:
    """``params.prospect.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.ProspectParams`)."""

    alpha: Array
    beta: Array
    loss_aversion: Array
    sensitivity: Array
    summit_upside: Array
    summit_downside: Array
    summit_success: Array
    accept_logit0: Array
    posture_weeks: Array
    election_aversion: Array
    sideline_cost: Array
    compromise_upside: Array
    compromise_downside: Array
    compromise_success: Array
    escalate_upside: Array
    escalate_downside: Array
    escalate_success: Array


@dataclass
class TargetArrays:
    """``params.target.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.TargetParams`)."""

    aspiration: Array
    to_autonomy_logit0: Array
    disappointment_slope: Array
    snub_shock: Array
    to_influence_logit0: Array
    lure_slope: Array
    relief_decay: Array
    prestige_decay: Array
    security0: Array
    security_recovery: Array
    summit_prestige: Array
    agreement_relief: Array
    agreement_security: Array
    escalation_threat: Array
    conventional_logit0: Array
    conventional_autonomy: Array
    strategic_logit0: Array
    strategic_autonomy: Array
    election_leverage: Array
    programme_growth: Array
    programme_decay: Array
    programme_slope: Array
    stake_restraint: Array
    vulnerability_slope: Array
    election_restraint: Array
    vulnerability_scale: Array
    mediator_shunning: Array
    diplomacy_restraint: Array
    patron_restraint: Array


@dataclass
class SummitArrays:
    """``params.summit.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.SummitParams`)."""

    proposal_logit0: Array
    mediation_slope: Array
    engagement_slope: Array
    target_accept_logit0: Array
    target_accept_influence: Array
    lead_weeks: Array
    proposal_expiry: Array
    insecurity_weeks: Array
    revival_logit0: Array
    revival_engagement: Array
    revival_window: Array
    revival_lead: Array
    agreement_logit0: Array
    agreement_engagement: Array
    agreement_compromise: Array
    closed_revival_penalty: Array
    tension_cancel: Array
    leader_initiative: Array
    hedge_signal: Array
    cooldown: Array
    unconsulted_cost: Array


@dataclass
class VolatilityArrays:
    """``params.volatility.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.VolatilityParams`)."""

    outburst_rate: Array
    outburst_engagement_hit: Array
    outburst_tension: Array
    want_threshold: Array
    shift_rate: Array
    shift_size: Array


@dataclass
class TieArrays:
    """``params.ties.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.TieParams`)."""

    pull_treaty_ally: Array
    pull_partner: Array
    pull_rival: Array
    pull_adversary: Array
    divergence_memory: Array
    tolerance: Array
    strengthen: Array
    strain: Array


@dataclass
class TensionArrays:
    """``params.tension.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.TensionParams`)."""

    decay: Array
    conventional: Array
    strategic: Array
    escalation: Array
    summit_relief: Array
    crisis_threshold: Array


@dataclass
class EnforcementArrays:
    """``params.enforcement.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.EnforcementParams`)."""

    defection_threshold: Array
    defection_softness: Array
    trade_weight: Array
    leakage: Array


@dataclass
class OutcomeArrays:
    """``params.outcomes.*`` as (R,) arrays (meanings: :class:`coalition_sim.scenario.schema.OutcomeParams`)."""

    fracture_cohesion: Array
    unwind_ratio: Array
    isolation_threshold: Array
    track_memory: Array


@dataclass
class ClockArrays:
    """The numeric calendar settings (``clock.*``) as (R,) arrays."""

    pandemic_weeks: Array
    pandemic_narrowing: Array
    pandemic_inward: Array
    election_horizon: Array


@dataclass
class ActorArrays:
    """Actor attributes (``actors.<ID>.*``, interests flattened) as (R, A) arrays."""

    capability: Array
    commitment: Array
    engagement: Array
    standing: Array
    reference: Array
    volatility: Array
    conformity: Array
    mediation: Array
    fear_of_snub: Array
    hedging: Array
    consults: Array
    trade: Array
    security: Array
    economy: Array
    prestige: Array
    stability: Array


#: Schema group name -> its array record, in the schema's order.
GROUPS: dict[str, type] = {
    "commitment": CommitmentArrays,
    "fatigue": FatigueArrays,
    "engagement": EngagementArrays,
    "standing": StandingArrays,
    "prospect": ProspectArrays,
    "target": TargetArrays,
    "summit": SummitArrays,
    "volatility": VolatilityArrays,
    "ties": TieArrays,
    "tension": TensionArrays,
    "enforcement": EnforcementArrays,
    "outcomes": OutcomeArrays,
}


@dataclass
class ParamArrays:
    """Every parameter of a scenario as arrays with the replicate on axis 0."""

    commitment: CommitmentArrays
    fatigue: FatigueArrays
    engagement: EngagementArrays
    standing: StandingArrays
    prospect: ProspectArrays
    target: TargetArrays
    summit: SummitArrays
    volatility: VolatilityArrays
    ties: TieArrays
    tension: TensionArrays
    enforcement: EnforcementArrays
    outcomes: OutcomeArrays
    clock: ClockArrays
    actor: ActorArrays
    strength0: Array  # (R, A, A) initial tie strengths
    mode0: Array  # (R,) initial DPRK mode code
    relief0: Array
    prestige0: Array
    programme0: Array
    index: Array | None = None  # (R,) stored row of each replicate row; None: row r is row r

    @property
    def n_stored(self) -> int:
        """Distinct parameter sets stored."""
        return int(self.actor.capability.shape[0])

    @property
    def n_rows(self) -> int:
        """Replicate rows."""
        return self.n_stored if self.index is None else int(self.index.shape[0])

    def row_index(self) -> Array:
        """(R,) stored row of every replicate row."""
        if self.index is None:
            return np.arange(self.n_stored, dtype=np.intp)
        return self.index

    def take(self, rows: np.ndarray) -> ParamArrays:
        """Rows ``rows`` (or repeats of them), sharing the stored parameter sets (no copy)."""
        index = self.row_index()[np.asarray(rows, dtype=np.intp)]
        return replace(self, index=index)

    def expand(self, rows: np.ndarray | None = None) -> ParamArrays:
        """A copy storing one parameter set per row of ``rows`` (default: every row), to be
        edited row by row."""
        idx = self.row_index() if rows is None else self.row_index()[np.asarray(rows)]
        return _map(self, lambda a: a[idx])

    def own_rows(self) -> ParamArrays:
        """In place: store one parameter set per row (for callers that set values row by
        row); returns ``self``."""
        if self.index is None:
            return self
        copy = self.expand()
        for f in fields(self):
            if f.name != "index":
                setattr(self, f.name, getattr(copy, f.name))
        self.index = None
        return self

    @staticmethod
    def concat(parts: list[ParamArrays]) -> ParamArrays:
        """Stack parameter rows of several engines with the same structure."""
        out = _zip(parts, lambda arrs: np.concatenate(arrs, axis=0))
        offsets = np.cumsum([0] + [p.n_stored for p in parts[:-1]])
        index = np.concatenate([p.row_index() + off for p, off in zip(parts, offsets, strict=True)])
        return replace(out, index=index)


def check_schema(params_model: type, actor_fields: tuple[str, ...]) -> None:
    """Raise if a record's fields differ from the schema group it mirrors."""
    for group, gfield in params_model.model_fields.items():  # type: ignore[attr-defined]
        want = list(gfield.annotation.model_fields)
        have = [f.name for f in fields(GROUPS[group])]
        if want != have:
            raise TypeError(f"{GROUPS[group].__name__} fields {have} != schema {group} {want}")
    have = [f.name for f in fields(ActorArrays)]
    if list(actor_fields) != have:
        raise TypeError(f"ActorArrays fields {have} != schema actor fields {list(actor_fields)}")
