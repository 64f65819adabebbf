"""The scalar and actor-row rules of ``coalition_sim.core.rules`` not pinned in
tests/test_rules.py, each against its ODD equation written again in numpy (seeded inputs,
``assert_allclose``)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from support.rulecases import RNG_SEED, B, N, clip, draws, each, inputs, logit

from coalition_sim.core import rules as R

# ------------------------------------------------------- the other scalar rules, one table


POSTURES = [0, 1, 2, 3]  # NONE, COMPROMISE, SIDELINE, ESCALATE
SUMMITS = [0, 1, 2, 3, 4]  # NONE, PROPOSED, SCHEDULED, CANCELLED, HELD
SCALAR_CASES = [
    (R.clip01, {"x": (-1.0, 2.0)}, lambda c: clip(c["x"])),
    (R.logistic, {"x": (-30.0, 30.0)}, lambda c: logit(c["x"])),
    (R.uniform_noise, {"u": (0, 1), "sd": (0, 1)}, lambda c: (c["u"] - 0.5) * 12**0.5 * c["sd"]),
    (
        R.defiance_update,
        {"defiance": (0, 1), "mode_level": (0, 1), "adjust_rate": (0, 0.3), "noise": (-0.1, 0.1)},
        lambda c: clip(
            c["defiance"] + c["adjust_rate"] * ((1 - c["mode_level"]) - c["defiance"]) + c["noise"]
        ),
    ),
    (
        R.engagement_update,
        {
            "engagement": (0, 1),
            "target": (0, 1),
            "adjust_rate": (0, 0.3),
            "noise": (-0.1, 0.1),
            "shift_step": (-0.3, 0.3),
        },
        lambda c: clip(
            c["engagement"]
            + c["adjust_rate"] * (c["target"] - c["engagement"])
            + c["noise"]
            + c["shift_step"]
        ),
    ),
    (
        R.standing_update,
        {
            "standing": (0, 1),
            "baseline": (0, 1),
            "anchor_rate": (0, 0.3),
            "sanctions_cost": (0, 0.05),
            "noise": (-0.1, 0.1),
        },
        lambda c: clip(
            c["standing"]
            + c["anchor_rate"] * (c["baseline"] - c["standing"])
            - c["sanctions_cost"]
            + c["noise"]
        ),
    ),
    (
        R.reference_update,
        {"reference": (0, 1), "standing": (0, 1), "adapt": (0, 0.2)},
        lambda c: c["reference"] + c["adapt"] * (c["standing"] - c["reference"]),
    ),
    (
        R.engagement_target,
        {"base": (0, 1), "fatigue": (0, 1), "fatigue_effect": (0, 1), "room": (0, 1)},
        lambda c: clip(c["base"] + c["fatigue_effect"] * c["fatigue"]) * c["room"],
    ),
    (
        R.leader_engagement_base,
        {"base": (0, 1), "posture": POSTURES, "compromise_boost": (0, 0.5)},
        lambda c: c["base"] + c["compromise_boost"] * (c["posture"] == 1),
    ),
    (
        R.talks_engagement,
        {"base": (0, 1), "talks_on": B, "boost": (0, 0.5)},
        lambda c: c["base"] + c["boost"] * c["talks_on"],
    ),
    (
        R.mode_engagement_level,
        {"influence": B, "influence_level": (0, 1), "autonomy_level": (0, 1)},
        lambda c: np.where(c["influence"], c["influence_level"], c["autonomy_level"]),
    ),
    (
        R.posture_push,
        {"posture": POSTURES, "effect": (0, 0.1)},
        lambda c: c["effect"] * np.select([c["posture"] == 3, c["posture"] == 1], [1.0, -1.0]),
    ),
    (
        R.dialogue_signal,
        {"u": (0, 1), "engagement": (0, 1), "room": (0, 1), "at_counterpart": B},
        lambda c: (c["u"] < c["engagement"] * c["room"]) & ~c["at_counterpart"],
    ),
    (
        R.room_for_dialogue,
        {"pandemic": B, "narrowing": (0, 1)},
        lambda c: 1 - c["narrowing"] * c["pandemic"],
    ),
    (
        R.diplomatic_track,
        {"summit": SUMMITS, "since_summit": [0, 3, 8, 20], "track_memory": (0, 12)},
        lambda c: np.isin(c["summit"], [1, 2]) | (c["since_summit"] < c["track_memory"]),
    ),
    (
        R.both_want_meeting,
        {
            "summit": SUMMITS,
            "leader_engagement": (0, 1),
            "target_engagement": (0, 1),
            "threshold": (0, 1),
        },
        lambda c: (
            np.isin(c["summit"], [1, 2])
            & (c["leader_engagement"] >= c["threshold"])
            & (c["target_engagement"] >= c["threshold"])
        ),
    ),
    (
        R.heeded_mediation,
        {"mediation": (0, 1), "autonomy": B, "shunning": (0, 1)},
        lambda c: c["mediation"] * (1 - c["shunning"] * c["autonomy"]),
    ),
    (
        R.vulnerability,
        {"reference": (0, 1), "standing": (0, 1)},
        lambda c: np.maximum(0.0, c["reference"] - c["standing"]),
    ),
    (
        R.target_payoff,
        {
            "security_weight": (0, 1),
            "economy_weight": (0, 1),
            "prestige_weight": (0, 1),
            "security": (0, 1),
            "relief": (0, 1),
            "prestige": (0, 1),
        },
        lambda c: (
            c["security_weight"] * c["security"]
            + c["economy_weight"] * c["relief"]
            + c["prestige_weight"] * c["prestige"]
        ),
    ),
    (
        R.engagement_lure,
        {
            "leader_engagement": (0, 1),
            "economy_weight": (0, 1),
            "prestige_weight": (0, 1),
            "pressure": (0, 1),
            "relief": (0, 1),
            "mediation": (0, 1),
            "room": (0, 1),
        },
        lambda c: (
            (
                c["leader_engagement"]
                * (c["economy_weight"] * c["pressure"] * (1 - c["relief"]) + c["prestige_weight"])
                + c["mediation"]
            )
            * c["room"]
        ),
    ),
    (
        R.engagement_stake,
        {"economy_weight": (0, 1), "relief": (0, 1), "prestige_weight": (0, 1), "prestige": (0, 1)},
        lambda c: c["economy_weight"] * c["relief"] + c["prestige_weight"] * c["prestige"],
    ),
    (
        R.target_accept_probability,
        {"autonomy": B, "logit0": (-6, 0), "influence_bonus": (0, 6), "room": (0, 1)},
        lambda c: logit(c["logit0"] + c["influence_bonus"] * ~c["autonomy"]) * c["room"],
    ),
    (
        R.hedging_chance,
        {"hedging": (0, 1), "tension": (0, 1)},
        lambda c: c["hedging"] * (1 - c["tension"]),
    ),
    (
        R.wants_to_cancel,
        {
            "scheduled": B,
            "counterpart_silence": [0, 1, 2, 3, 5],
            "insecurity_weeks": (0, 4),
            "u": (0, 1),
            "fear_of_snub": (0, 1),
            "tension_hazard": (0, 0.5),
        },
        lambda c: (
            c["scheduled"]
            & (
                c["u"]
                < 1
                - (
                    1
                    - np.where(
                        c["counterpart_silence"] >= c["insecurity_weeks"], c["fear_of_snub"], 0.0
                    )
                )
                * (1 - c["tension_hazard"])
            )
        ),
    ),
    (
        R.first_canceller,
        {"leader_cancels": B, "target_cancels": B, "leader_fear": (0, 1), "target_fear": (0, 1)},
        lambda c: (
            c["leader_cancels"] & (~c["target_cancels"] | (c["leader_fear"] >= c["target_fear"]))
        ),
    ),
    (
        R.agreement_probability,
        {
            "logit0": (-4, 2),
            "engagement_slope": (0, 4),
            "mean_engagement": (0, 1),
            "compromise_bonus": (0, 3),
            "compromising": B,
        },
        lambda c: logit(
            c["logit0"]
            + c["engagement_slope"] * c["mean_engagement"]
            + c["compromise_bonus"] * c["compromising"]
        ),
    ),
    (
        R.revival_probability,
        {
            "logit0": (-7, 1),
            "slope": (0, 4),
            "mean_engagement": (0, 1),
            "room": (0, 1),
        },
        lambda c: logit(c["logit0"] + c["slope"] * c["mean_engagement"]) * c["room"],
    ),
    (
        R.grow_toward_one,
        {"level": (0, 1), "rate": (0, 1), "happened": B},
        lambda c: clip(c["level"] + c["rate"] * (1 - c["level"]) * c["happened"]),
    ),
    (
        R.outburst_engagement_cost,
        {"engagement": (0, 1), "hit_by_counterpart": B, "hit": (0, 0.5)},
        lambda c: clip(c["engagement"] - c["hit"] * c["hit_by_counterpart"]),
    ),
    (
        R.leakage_relief,
        {"relief": (0, 1), "pressure": (0, 1), "pressure0": (0.1, 1), "leakage": (0, 0.2)},
        lambda c: clip(
            c["relief"]
            + c["leakage"] * np.maximum(0.0, 1 - c["pressure"] / c["pressure0"]) * (1 - c["relief"])
        ),
    ),
    (
        R.programme_update,
        {"programme": (0, 1), "autonomy": B, "growth": (0, 0.1), "decay": (0, 0.1)},
        lambda c: np.where(
            c["autonomy"],
            c["programme"] + c["growth"] * (1 - c["programme"]),
            c["programme"] - c["decay"] * c["programme"],
        ),
    ),
    (
        R.election_weight,
        {"proximity": (0, 1), "aversion": (0, 3)},
        lambda c: 1 + c["aversion"] * c["proximity"],
    ),
    (
        R.choose_response,
        {"u": (0, 1), "p_compromise": (0, 0.5), "p_sideline": (0, 0.5)},
        lambda c: np.select(
            [c["u"] < c["p_compromise"], c["u"] < c["p_compromise"] + c["p_sideline"]], [1, 2], 3
        ),
    ),
    (
        R.enforcing_share,
        {"commitment": (0, 1), "threshold": (0, 1), "softness": (0.01, 0.3)},
        lambda c: logit((c["commitment"] - c["threshold"]) / c["softness"]),
    ),
    (
        R.enforcement,
        {"commitment": (0, 1), "share": (0, 1)},
        lambda c: c["commitment"] * c["share"],
    ),
]


@pytest.mark.parametrize(("rule", "spec", "expected"), SCALAR_CASES, ids=lambda x: "")
def test_scalar_rule_known_answers(rule, spec, expected):
    """Every other scalar rule against its ODD equation written again in numpy."""
    cols = inputs(spec, seed=RNG_SEED + len(spec))
    got = each(rule, **cols)
    assert_allclose(got, np.asarray(expected(cols), dtype=float), rtol=1e-13, atol=1e-15)


def test_outbursts_known_answer():
    cols = inputs({"u": (0, 1), "principal": B, "chance": (0, 0.5), "both_want": B},
                  seed=RNG_SEED + 5)  # fmt: skip
    out = [R.outbursts(**{k: v[i].item() for k, v in cols.items()}) for i in range(N)]
    burst = cols["principal"] & (cols["u"] < cols["chance"])
    assert [o[0] for o in out] == list(burst & ~cols["both_want"])
    assert [o[1] for o in out] == list(burst & cols["both_want"])


def test_posture_update_known_answers():
    assert R.posture_update(posture=0, age=5, response=3, posture_weeks=26.0) == (3, 0)
    assert R.posture_update(posture=3, age=5, response=0, posture_weeks=26.0) == (3, 6)
    assert R.posture_update(posture=3, age=25, response=0, posture_weeks=26.0) == (0, 26)


def test_failure_modes_known_answer():
    coh, press, iso, p0 = draws((0, 1), (0, 1), (0, 1), (0.2, 1))
    for i in range(N):
        got = R.failure_modes(
            cohesion_now=coh[i], pressure_now=press[i], isolation_now=iso[i], pressure0=p0[i],
            fracture_cohesion=0.5, unwind_ratio=0.6, isolation_threshold=0.3,
        )  # fmt: skip
        assert got == (coh[i] < 0.5, press[i] < 0.6 * p0[i], iso[i] >= 0.3)


def test_actor_row_rules_known_answers():
    """The rules that sum over actors, against numpy sums (A = 5)."""
    c, cap, trade, strength_t, med, e = draws(*[(0.0, 1.0)] * 6, n=5)
    coalition = np.array([1.0, 1.0, 0.0, 1.0, 1.0])  # actor 2 is the target
    out = np.empty(5)
    R.enforcement_capacity(
        capability=cap, trade=trade, coalition=coalition, trade_weight=0.7, out=out
    )
    expected = 0.3 * cap * coalition / (cap @ coalition) + 0.7 * trade * coalition / (
        trade @ coalition
    )
    assert_allclose(out, expected, rtol=1e-14)
    assert_allclose(out.sum(), 1.0, rtol=1e-14)
    patrons = np.array([0.0, 1.0, 0.0, 0.0, 1.0])
    assert_allclose(
        R.patron_commitment(strength_to_target=strength_t, patrons=patrons, commitment=c),
        (strength_t * patrons) @ c / (strength_t @ patrons),
        rtol=1e-14,
    )
    assert_allclose(
        R.mediation_level(mediation=med * 0.3, engagement=e), min(1.0, (med * 0.3) @ e), rtol=1e-14
    )
    w = np.random.default_rng(RNG_SEED + 6).random((5, 5))
    pairs = np.array([[0, 1], [0, 3], [1, 4]])
    expected_coh = np.mean([w[i, j] * (1 - abs(c[i] - c[j])) for i, j in pairs])
    assert_allclose(R.cohesion(commitment=c, strength=w, pairs=pairs), expected_coh, rtol=1e-14)
    partners = np.array([0.0, 1.0, 0.0, 1.0, 1.0])  # actor 0 leads
    defected = 1 - logit((c - 0.4) / 0.08)
    gaps = out * partners * np.maximum(0.0, c[0] - c) * defected
    assert_allclose(
        R.us_isolation(
            commitment=c, capacity=out, leader=0, partners=partners, shares=logit((c - 0.4) / 0.08)
        ),
        gaps.sum() / (out @ partners),
        rtol=1e-13,
    )
