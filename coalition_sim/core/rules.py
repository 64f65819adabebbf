"""The model's decision rules: small pure functions on numpy arrays.

Every function takes arrays whose leading axis is the replicate, so one call serves a single
Mesa agent (R = 1, one actor column) and the ensemble engine (R replicates, every actor) alike.
Randomness never happens here: uniform numbers are passed in from :mod:`coalition_sim.core.streams`.

Two habits keep results bit-identical whatever the array shapes: sums over the actor axis are
written as explicit left-to-right loops (:func:`rowsum`), never ``np.sum`` or ``@``, whose
summation order depends on the memory layout; and arrays are contiguous before a transcendental
function sees them (fancy indexing in the callers guarantees that).

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "alliance_gap",
    "cohesion",
    "commitment_update",
    "effective_pressure",
    "election_proximity",
    "engagement_target",
    "fatigue_update",
    "kt_value",
    "logistic",
    "mode_switch_probability",
    "programme_update",
    "prospect_advantage",
    "provocation_level",
    "provocation_probabilities",
    "response_probabilities",
    "rowsum",
    "tie_update",
    "uniform_noise",
    "us_isolation",
]

SQRT12 = np.sqrt(12.0)


def rowsum(x: np.ndarray) -> np.ndarray:
    """Sum over the last axis, strictly left to right (layout-independent rounding)."""
    acc = x[..., 0].copy()
    for j in range(1, x.shape[-1]):
        acc += x[..., j]
    return acc


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function; every weekly hazard in the model is a logit-linear index."""
    return 1.0 / (1.0 + np.exp(-np.ascontiguousarray(x)))


def uniform_noise(u: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Zero-mean noise with standard deviation ``sd`` from a uniform number in [0, 1).

    A scaled uniform (not a Gaussian) keeps the draw a single cheap, exactly reproducible
    arithmetic step. [S18]: leaders 'prone to unexpected outbursts, statements, and policy
    shifts' - noise is scaled by volatility at the call site.
    """
    return (u - 0.5) * SQRT12 * sd


# --------------------------------------------------------------------------- coalition


def alliance_gap(
    commitment: np.ndarray, strength: np.ndarray, pull: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Tie-weighted mean commitment of each actor's partners minus its own, shape (R, k).

    ``strength`` and ``pull`` are (R, k, A) rows of the tie matrix for the actors in ``cols``;
    an actor with no pulling tie gets a zero gap. [S18] 'can the US maintain its North Korea
    coalition?': alignment runs through ties, stronger for treaty allies than for rivals.
    """
    w = strength * pull
    total = rowsum(w)
    weighted = rowsum(w * commitment[:, None, :])
    own = commitment[:, cols]
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, weighted / safe - own, 0.0)


def fatigue_update(
    fatigue: np.ndarray,
    pressure: np.ndarray,
    economy: np.ndarray,
    diplomacy: np.ndarray,
    growth: np.ndarray,
    recovery: np.ndarray,
) -> np.ndarray:
    """Sanctions fatigue grows under pressure without talks and fades while talks run.

    F' = F + g * P * w_econ * (1 - D) * (1 - F) - rho * D * F. [S18]: 'South Korea and China
    are getting fed up with Trump's campaign of maximum pressure, and greatly prefer ... the
    negotiating table'. ``diplomacy`` (D) is 1 while a diplomatic track is active.
    """
    d = diplomacy.astype(np.float64)
    grown = fatigue + growth * pressure * economy * (1.0 - d) * (1.0 - fatigue)
    return np.clip(grown - recovery * d * fatigue, 0.0, 1.0)


def commitment_update(
    c: np.ndarray,
    c0: np.ndarray,
    gap: np.ndarray,
    conformity: np.ndarray,
    fatigue: np.ndarray,
    security: np.ndarray,
    stability: np.ndarray,
    provocation: np.ndarray,
    destabilisation: np.ndarray,
    posture_push: np.ndarray,
    noise: np.ndarray,
    p_pull: np.ndarray,
    p_anchor: np.ndarray,
    p_conventional: np.ndarray,
    p_ratchet: np.ndarray,
    p_erosion: np.ndarray,
    p_pullback: np.ndarray,
) -> np.ndarray:
    """One week of a coalition member's pressure commitment, clipped to [0, 1].

    c' = c + conformity*pull*gap + anchor*(c0 - c) + response*security*(1 - c)
         - erosion*F - pullback*stability*destab + posture + noise

    The test response is a ratchet after a strategic test (UNSCR 2397 para 27) and a small
    step after a conventional one; fatigue erodes ([S18] partners 'fed up'); stability-minded
    actors pull back when pressure looks unilateral or destabilising ([S18] China and ROK).
    """
    response = np.where(provocation == 2, p_ratchet, np.where(provocation == 1, p_conventional, 0))
    delta = (
        conformity * p_pull * gap
        + p_anchor * (c0 - c)
        + response * security * (1.0 - c)
        - p_erosion * fatigue
        - p_pullback * stability * destabilisation
        + posture_push
        + noise
    )
    return np.clip(c + delta, 0.0, 1.0)


def engagement_target(
    base: np.ndarray, fatigue: np.ndarray, fatigue_effect: np.ndarray, room: np.ndarray
) -> np.ndarray:
    """Engagement an actor drifts toward: baseline plus fatigue's push to talk, times room.

    [S18] fatigued partners 'prefer the ... relationship to play out at the negotiating
    table'; [S20] the pandemic 'further narrowed the space for dialogue' (``room`` < 1).
    """
    return np.clip(base + fatigue_effect * fatigue, 0.0, 1.0) * room


def effective_pressure(commitment: np.ndarray, capability: np.ndarray, coalition: np.ndarray):
    """Capability-weighted mean commitment of the pressure coalition (every non-target actor)."""
    w = capability * coalition
    return rowsum(w * commitment) / rowsum(w)


def cohesion(commitment: np.ndarray, strength: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Mean over coalition ties of strength x (1 - commitment divergence), in [0, 1].

    [S18] 'the coalition could fracture': cohesion falls when ties weaken or members' levels
    of enforcement drift apart.
    """
    if len(pairs) == 0:  # no coalition ties: nothing that could fracture
        return np.ones(commitment.shape[0])
    acc = np.zeros(commitment.shape[0])
    for i, j in pairs:
        acc += strength[:, i, j] * (1.0 - np.abs(commitment[:, i] - commitment[:, j]))
    return acc / len(pairs)


def us_isolation(
    commitment: np.ndarray, capability: np.ndarray, leader: int, partners: np.ndarray
) -> np.ndarray:
    """Share of partners' capability that does not match the leader's pressure.

    I = 1 - sum_j cap_j min(c_j, c_L) / (c_L sum_j cap_j) over coalition partners j; 0 when
    the leader itself applies no pressure. [S18]: 'the US could find itself alone and
    sidelined'.
    """
    lead = commitment[:, leader]
    w = capability * partners
    matched = rowsum(w * np.minimum(commitment, lead[:, None]))
    denom = lead * rowsum(w)  # may round to 0 for a vanishing leader commitment
    safe = np.where(denom > 0, denom, 1.0)
    return np.where(denom > 0, np.clip(1.0 - matched / safe, 0.0, 1.0), 0.0)


def tie_update(
    strength: np.ndarray,
    divergence: np.ndarray,
    commitment: np.ndarray,
    mask: np.ndarray,
    memory: np.ndarray,
    tolerance: np.ndarray,
    strengthen: np.ndarray,
    strain: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sustained divergence strains a tie; coordination strengthens it.

    D' = D + m * (|c_i - c_j| - D);  w' = w + s+ (1 - w) max(0, tol - D') - s- w max(0, D' - tol).
    Only ``mask`` entries (coalition ties) move. [S18]: 'the coalition could fracture'.
    """
    d = np.abs(commitment[:, :, None] - commitment[:, None, :])
    m = memory[:, None, None]
    tol = tolerance[:, None, None]
    div = np.where(mask, divergence + m * (d - divergence), divergence)
    up = strengthen[:, None, None] * (1.0 - strength) * np.maximum(0.0, tol - div)
    down = strain[:, None, None] * strength * np.maximum(0.0, div - tol)
    new = np.where(mask, np.clip(strength + up - down, 0.0, 1.0), strength)
    return new, div


# --------------------------------------------------------------------------- clock


def election_proximity(weeks_to_election: np.ndarray, horizon: np.ndarray) -> np.ndarray:
    """0 far from an election, rising linearly to 1 in its week; 0 when none is ahead.

    [S20] 'in the year of U.S. presidential elections' the leader avoids risk and the
    target sees leverage.
    """
    prox = 1.0 - weeks_to_election / horizon
    return np.where(weeks_to_election >= 0, np.clip(prox, 0.0, 1.0), 0.0)


# --------------------------------------------------------------------------- prospect theory


def kt_value(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Kahneman-Tversky value function: x^a for gains, -lambda (-x)^b for losses.

    Tversky and Kahneman (1992). [S18]: 'Trump is operating from a domain of losses, and in
    that domain individuals ... are more likely to make risky decisions'.
    """
    ax = np.ascontiguousarray(np.abs(x))
    gain = np.power(ax, alpha)
    loss = -lam * np.power(ax, beta)
    return np.where(x >= 0, gain, loss)


def prospect_advantage(
    x: np.ndarray,
    upside: np.ndarray,
    downside: np.ndarray,
    success: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    lam: np.ndarray,
    sure_loss: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Value of a two-outcome gamble over a sure option, seen from standing gap ``x``.

    V = p v(x + up) + (1 - p) v(x - down) - v(x - sure_loss). Convexity in losses makes the
    gamble look better in the domain of losses than in gains (the summit gamble of [S18]).
    """
    gamble = success * kt_value(x + upside, alpha, beta, lam) + (1.0 - success) * kt_value(
        x - downside, alpha, beta, lam
    )
    return gamble - kt_value(x - sure_loss, alpha, beta, lam)


def response_probabilities(values: np.ndarray, sensitivity: np.ndarray) -> np.ndarray:
    """Multinomial-logit choice probabilities over options on the last axis.

    [S20] after a strategic test Washington chooses among 'compromising below the maximum goal
    of full denuclearization', sidelining the issue, or escalating militarily.
    """
    z = sensitivity[:, None] * values
    z = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(np.ascontiguousarray(z))
    return e / rowsum(e)[:, None]


# --------------------------------------------------------------------------- target (DPRK)


def mode_switch_probability(
    autonomy: np.ndarray,
    payoff: np.ndarray,
    lure: np.ndarray,
    snub: np.ndarray,
    aspiration: np.ndarray,
    to_autonomy0: np.ndarray,
    disappointment_slope: np.ndarray,
    snub_shock: np.ndarray,
    to_influence0: np.ndarray,
    lure_slope: np.ndarray,
) -> np.ndarray:
    """Weekly chance that the DPRK switches policy mode.

    Influence-seeking turns to autonomy when engagement disappoints (interest-weighted payoff
    below aspiration; a summit without relief adds a shock); autonomy turns to influence when
    engagement lures (what relief and prestige talks could bring). [S20]: the 2019 return to
    an 'autonomy-seeking' policy 'in the absence of prospects for easing of ... sanctions'.
    """
    leave_influence = logistic(
        to_autonomy0 + disappointment_slope * (aspiration - payoff) + snub_shock * snub
    )
    leave_autonomy = logistic(to_influence0 + lure_slope * lure)
    return np.where(autonomy, leave_autonomy, leave_influence)


def provocation_probabilities(
    autonomy: np.ndarray,
    proximity: np.ndarray,
    vulnerability: np.ndarray,
    diplomacy: np.ndarray,
    patron: np.ndarray,
    conventional0: np.ndarray,
    conventional_autonomy: np.ndarray,
    strategic0: np.ndarray,
    strategic_autonomy: np.ndarray,
    leverage: np.ndarray,
    vulnerability_slope: np.ndarray,
    restraint: np.ndarray,
    patron_restraint: np.ndarray,
    stake: np.ndarray | float = 0.0,
    stake_restraint: np.ndarray | float = 0.0,
    programme: np.ndarray | float = 0.0,
    programme_slope: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly chances of a conventional and of a strategic test.

    Both rise with autonomy mode, an approaching US election ([S20] 'a source of leverage')
    and the leader's domestic vulnerability ([S20] 'major provocations could reinforce his
    power at home'); both fall with an active diplomatic track and with the patrons' pressure.
    A strategic test also falls with the stake engagement has delivered (relief, prestige):
    [S20] restraint while the situation is 'preferable to any expected retaliation'; and it
    rises with the momentum of the weapons programme (:func:`programme_update`).
    """
    shared = (
        leverage * proximity
        + vulnerability_slope * vulnerability
        - restraint * diplomacy
        - patron_restraint * patron
    )
    aut = autonomy.astype(np.float64)
    p_conv = logistic(conventional0 + conventional_autonomy * aut + shared)
    p_strat = logistic(
        strategic0
        + strategic_autonomy * aut
        + programme_slope * programme
        + shared
        - stake_restraint * stake
    )
    return p_conv, p_strat


def programme_update(
    programme: np.ndarray, autonomy: np.ndarray, growth: np.ndarray, decay: np.ndarray
) -> np.ndarray:
    """Weapons-programme momentum: builds while the DPRK seeks autonomy, fades while it
    seeks influence. P' = P + g (1 - P) if autonomy else P - d P.

    [S20] the December 2019 plenum 'promised to pursue military modernization' and
    'threatened to unveil a new strategic weapon'; 2017's ICBM tests followed two years of
    development, so strategic tests come as the programme matures, not at a flat rate.
    """
    return np.where(autonomy, programme + growth * (1.0 - programme), programme - decay * programme)


def provocation_level(u: np.ndarray, p_conv: np.ndarray, p_strat: np.ndarray) -> np.ndarray:
    """The ladder from one uniform: 2 strategic (ICBM/nuclear, the US red line), 1 conventional
    (SRBM/SLBM), 0 none. At most one rung a week."""
    conv_edge = p_strat + (1.0 - p_strat) * p_conv
    return np.where(u < p_strat, 2, np.where(u < conv_edge, 1, 0)).astype(np.int8)
