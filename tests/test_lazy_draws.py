"""Numbers the compiled week computes less often or all at once, with the same results.

Three savings of issue 20 must not move a single bit: the week's regular uniforms drawn in one
vectorised pass (``streams.week_uniforms``), a chance only compared with its draw decided
without its logistic where a table brackets it (``rules.logistic_below``,
``rules.provocation_rung``), and the leader's appetite computed only in the weeks that read it
(the state's ``leader_appetite`` is checked after every week against the Mesa agents' eager
path by ``tests/test_ensemble.py`` and after whole runs by the golden fingerprints). Each is
compared here with the plain computation on seeded inputs, on hypothesis' inputs and on the
inputs that sit on a bracket's edge, where an off-by-one would show.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coalition_sim.core import rules as R
from coalition_sim.core import streams
from coalition_sim.core.codes import ProvocationLevel
from coalition_sim.core.rules.prospect import POWER_ANCHORS
from coalition_sim.core.streams import WEEKLY_DRAWS, WORLD, Draw, draw, week_slot_keys

unit_draw = st.floats(0.0, 1.0, exclude_max=True)
logit = st.one_of(
    st.floats(-60.0, 60.0),
    st.sampled_from([-40.0, -40.0 + 1 / 8, -0.0, 0.0, 39.875, 40.0, math.inf, -math.inf, math.nan]),
)


def _exact_below(u: float, z: float, scale: float) -> bool:
    return u < R.logistic(z) * scale


def _edges(z: float, scale: float) -> list[float]:
    """Draws at the computed chance and one unit in the last place either side."""
    p = R.logistic(z) * scale
    if not 0.0 <= p < 1.0:
        return []
    return [u for u in (np.nextafter(p, 0.0), p, np.nextafter(p, 1.0)) if 0.0 <= u < 1.0]


def test_the_bracket_holds_the_logistic_on_and_between_its_grid_points() -> None:
    grid = -40.0 + np.arange(641) / 8.0
    zs = np.concatenate(
        [grid, np.nextafter(grid, -np.inf), np.nextafter(grid, np.inf), grid + 1 / 16]
    )
    for z in zs:
        lo, hi = R.logistic_bracket(float(z))
        p = R.logistic(float(z))
        assert lo < p < hi or (lo, hi) == (-1.0, 2.0), z
        if -40.0 <= z < 40.0:
            assert hi - lo <= 1 / 32 + 1e-9, z  # narrow enough to decide ~97% of draws
    assert R.logistic_bracket(math.nan) == (-1.0, 2.0)
    assert R.logistic_bracket(40.0) == (-1.0, 2.0)


@settings(max_examples=400, deadline=None)
@given(u=unit_draw, z=logit, scale=st.floats(0.0, 1.0))
@example(u=0.5, z=0.0, scale=1.0)
@example(u=0.0, z=-math.inf, scale=1.0)
@example(u=0.3, z=math.nan, scale=1.0)
@example(u=0.2, z=1.0, scale=0.0)
def test_logistic_below_answers_as_the_logistic_does(u: float, z: float, scale: float) -> None:
    assert R.logistic_below(u=u, z=z, scale=scale) == _exact_below(u, z, scale)
    for edge in _edges(z, scale):
        assert R.logistic_below(u=edge, z=z, scale=scale) == _exact_below(edge, z, scale)


def test_logistic_below_on_seeded_grids_and_edges() -> None:
    rng = np.random.default_rng(20)
    zs = np.concatenate([rng.uniform(-45, 45, 300), -40.0 + np.arange(0, 641, 7) / 8.0])
    for z in zs:
        for scale in (1.0, 0.37, 1e-3):
            for u in [*rng.random(5), *_edges(float(z), scale)]:
                got = R.logistic_below(u=float(u), z=float(z), scale=scale)
                assert got == _exact_below(float(u), float(z), scale), (u, z, scale)


def _exact_rung(u: float, z_conv: float, z_strat: float) -> int:
    return R.provocation_level(u=u, p_conv=R.logistic(z_conv), p_strat=R.logistic(z_strat))


@settings(max_examples=400, deadline=None)
@given(u=unit_draw, z_conv=logit, z_strat=logit)
@example(u=0.01, z_conv=-2.0, z_strat=-5.0)
def test_provocation_rung_is_the_ladder_of_the_two_logistics(
    u: float, z_conv: float, z_strat: float
) -> None:
    assert R.provocation_rung(u=u, z_conv=z_conv, z_strat=z_strat) == _exact_rung(
        u, z_conv, z_strat
    )
    ps, pc = R.logistic(z_strat), R.logistic(z_conv)
    cut = ps + (1.0 - ps) * pc
    for edge in (ps, cut):
        if not 0.0 <= edge < 1.0:
            continue
        for v in (np.nextafter(edge, 0.0), edge, np.nextafter(edge, 1.0)):
            if 0.0 <= v < 1.0:
                want = _exact_rung(float(v), z_conv, z_strat)
                assert R.provocation_rung(u=float(v), z_conv=z_conv, z_strat=z_strat) == want


def test_provocation_rung_takes_every_rung_on_seeded_inputs() -> None:
    rng = np.random.default_rng(21)
    seen = set()
    for _ in range(3000):
        u, zc, zs = rng.random(), rng.uniform(-6, 2), rng.uniform(-8, 1)
        got = R.provocation_rung(u=u, z_conv=zc, z_strat=zs)
        assert got == _exact_rung(u, zc, zs)
        seen.add(got)
    assert seen == {int(level) for level in ProvocationLevel}


@pytest.mark.parametrize(("actors", "target"), [(4, 1), (6, 1), (3, 2)])
def test_the_weeks_uniforms_are_the_draws_of_their_slots(actors: int, target: int) -> None:
    slots = week_slot_keys(actors, target)
    assert slots.size % 8 == 0  # whole vectors
    out = np.empty(slots.size)
    for week_key in (np.uint64(0), np.uint64(12345), np.uint64(2**64 - 1)):
        streams.week_uniforms(week_key, slots, out)
        for i in range(actors):
            for k in range(WEEKLY_DRAWS):
                assert out[i * WEEKLY_DRAWS + k] == draw(week_key, i, k)
        at = actors * WEEKLY_DRAWS
        assert out[at] == draw(week_key, target, Draw.MODE)
        assert out[at + 1] == draw(week_key, target, Draw.PROVOCATION)
        assert out[at + 2] == draw(week_key, WORLD, Draw.PROPOSE)


# --------------------------------------------------------------- the appetite's bounds


def _anchors(exponent: float) -> np.ndarray:
    return np.array([float(y) ** exponent for y in POWER_ANCHORS])


@settings(max_examples=400, deadline=None)
@given(y=st.floats(0.0, 4.0), exponent=st.floats(0.05, 1.0))
@example(y=0.0, exponent=0.05)
@example(y=4.0, exponent=1.0)
@example(y=0.125, exponent=0.88)
def test_power_bounds_hold_the_c_librarys_power(y: float, exponent: float) -> None:
    lo, hi = R.power_bounds(y=y, exponent=exponent, anchors=_anchors(exponent))
    assert lo <= y**exponent <= hi
    if exponent >= 0.5 and y >= 0.125:  # tight where the appetite's values usually lie
        assert hi - lo < 0.1


def test_power_bounds_bound_nothing_outside_their_range() -> None:
    for y, exponent in ((4.5, 0.5), (-0.1, 0.5), (1.0, 1.2), (1.0, 0.0), (math.nan, 0.5)):
        assert R.power_bounds(y=y, exponent=exponent, anchors=_anchors(0.5)) == (
            -math.inf,
            math.inf,
        )


prospect = {
    "x": st.floats(-1.0, 1.0),
    "prestige_weight": st.floats(0.0, 1.0),
    "election_weight": st.floats(1.0, 3.0),
    "sensitivity": st.floats(0.0, 50.0),
    "upside": st.floats(0.0, 1.0),
    "downside": st.floats(0.0, 1.0),
    "success": st.floats(0.0, 1.0),
    "alpha": st.floats(0.05, 1.0),
    "beta": st.floats(0.05, 1.0),
    "lam": st.floats(1.0, 5.0),
}


@settings(max_examples=500, deadline=None)
@given(**prospect)
@example(x=0.0, prestige_weight=0.0, election_weight=1.0, sensitivity=8.0, upside=0.0,
         downside=0.0, success=0.5, alpha=0.88, beta=0.88, lam=2.25)  # fmt: skip
def test_summit_appetite_bounds_hold_the_computed_appetite(**kw: float) -> None:
    appetite = R.summit_appetite(**kw)
    lo, hi = R.summit_appetite_bounds(
        **kw, anchors_alpha=_anchors(kw["alpha"]), anchors_beta=_anchors(kw["beta"])
    )
    assert lo <= appetite <= hi


def test_summit_appetite_bounds_are_tight_at_the_schema_defaults_and_open_outside_the_proof() -> (
    None
):
    kw = {
        "x": -0.2, "prestige_weight": 0.25, "election_weight": 1.2, "sensitivity": 8.0,
        "upside": 0.25, "downside": 0.15, "success": 0.5, "alpha": 0.88, "beta": 0.88,
        "lam": 2.25,
    }  # fmt: skip
    a = _anchors(0.88)
    lo, hi = R.summit_appetite_bounds(**kw, anchors_alpha=a, anchors_beta=a)
    assert lo <= R.summit_appetite(**kw) <= hi and hi - lo < 0.2
    for bad in ({"sensitivity": -1.0}, {"lam": -1.0}, {"success": 1.5}):
        assert R.summit_appetite_bounds(**{**kw, **bad}, anchors_alpha=a, anchors_beta=a) == (
            -math.inf,
            math.inf,
        )


@settings(max_examples=400, deadline=None)
@given(u=unit_draw, z=st.floats(-45.0, 45.0), width=st.floats(0.0, 3.0), scale=st.floats(0.0, 1.0))
def test_logistic_settled_is_the_answer_for_every_logit_within_its_bounds(
    u: float, z: float, width: float, scale: float
) -> None:
    settled = R.logistic_settled(u=u, z_lo=z, z_hi=z + width, scale=scale)
    for inside in (z, z + width / 3, z + width):
        exact = _exact_below(u, inside, scale)
        assert settled == -1 or settled == int(exact)
    assert R.logistic_settled(u=u, z_lo=z + width, z_hi=z, scale=scale) == settled  # either order
    assert R.logistic_settled(u=u, z_lo=math.nan, z_hi=math.nan, scale=1.0) == -1
    assert R.logistic_settled(u=u, z_lo=z, z_hi=math.nan, scale=1.0) == -1


# ------------------------------------------------- products tabled once per parameter set

unit = st.floats(0.0, 1.0)
rate = st.floats(0.0, 2.0)


def _setpoint_as_written(c0, fatigue, economy, stability, unilateral, target_engagement, relief,
                         posture_push, fatigue_erosion, unilateral_cost, engagement_pull,
                         relief_leakage):  # fmt: skip
    """The set-point as one expression, in the order docs/ODD.md writes it (before issue 20
    tabled its weights)."""
    shift = (
        posture_push
        - stability * unilateral_cost * unilateral
        - target_engagement * (engagement_pull * stability + fatigue_erosion * fatigue)
        - relief_leakage * economy * relief
    )
    return min(max(c0 + shift, 0.0), 1.0)


def _update_as_written(c, setpoint, gap, conformity, security, provocation, noise, p_pull,
                       p_anchor, p_conventional, p_strategic, habituation):  # fmt: skip
    response = {ProvocationLevel.STRATEGIC: p_strategic,
                ProvocationLevel.CONVENTIONAL: p_conventional}.get(provocation, 0.0)  # fmt: skip
    delta = (
        p_anchor * (setpoint - c)
        + conformity * p_pull * gap
        + response * security * (1.0 - c) * habituation
        + noise
    )
    return min(max(c + delta, 0.0), 1.0)


@settings(max_examples=300, deadline=None)
@given(c0=unit, fatigue=unit, economy=unit, stability=unit, unilateral=rate,
       target_engagement=unit, relief=unit, posture_push=st.floats(-0.1, 0.1),
       fatigue_erosion=rate, unilateral_cost=rate, engagement_pull=rate, relief_leakage=rate)  # fmt: skip
def test_the_tabled_setpoint_weights_give_the_setpoint_bit_for_bit(**kw: float) -> None:
    """The kernel multiplies by :func:`setpoint_weights` tabled once per run: the same
    products in the same order as the equation, so the same number to the last bit."""
    w_u, w_e, w_r = R.setpoint_weights(
        stability=kw["stability"], economy=kw["economy"], unilateral_cost=kw["unilateral_cost"],
        engagement_pull=kw["engagement_pull"], relief_leakage=kw["relief_leakage"],
    )  # fmt: skip
    tabled = R.weighted_setpoint(
        c0=kw["c0"], fatigue=kw["fatigue"], unilateral=kw["unilateral"],
        target_engagement=kw["target_engagement"], relief=kw["relief"],
        posture_push=kw["posture_push"], fatigue_erosion=kw["fatigue_erosion"],
        unilateral_weight=w_u, engagement_weight=w_e, relief_weight=w_r,
    )  # fmt: skip
    assert tabled == _setpoint_as_written(**kw) == R.commitment_setpoint(**kw)


@settings(max_examples=300, deadline=None)
@given(c=unit, setpoint=unit, gap=st.floats(-1.0, 1.0), conformity=unit, security=unit,
       provocation=st.sampled_from([int(p) for p in ProvocationLevel]),
       noise=st.floats(-0.2, 0.2), p_pull=rate, p_anchor=unit, p_conventional=rate,
       p_strategic=rate, habituation=unit)  # fmt: skip
def test_the_tabled_commitment_weights_give_the_update_bit_for_bit(**kw: float) -> None:
    pull, conventional, strategic = R.commitment_weights(
        conformity=kw["conformity"], security=kw["security"], p_pull=kw["p_pull"],
        p_conventional=kw["p_conventional"], p_strategic=kw["p_strategic"],
    )  # fmt: skip
    tabled = R.weighted_commitment_update(
        c=kw["c"], setpoint=kw["setpoint"], gap=kw["gap"], provocation=kw["provocation"],
        noise=kw["noise"], p_anchor=kw["p_anchor"], pull_weight=pull,
        conventional_weight=conventional, strategic_weight=strategic,
        habituation=kw["habituation"],
    )  # fmt: skip
    assert tabled == _update_as_written(**kw) == R.commitment_update(**kw)


def test_actor_constants_are_the_rules_products_for_every_actor() -> None:
    """The table the kernel reads (``decide.actor_constants``) holds, for each actor of the
    regional scenario, the products its rules define."""
    from coalition_sim.core import week
    from coalition_sim.core.codes import ActorConst, ActorField
    from coalition_sim.core.decide import actor_constants
    from coalition_sim.engine.ensemble import Ensemble

    ens = Ensemble("regional_six", steps=4)
    packed = week.pack(ens.params(replicates=1))
    pf, pa = packed.pf[0], packed.pa[0]
    out = np.full((pa.shape[1], len(ActorConst)), np.nan)
    actor_constants(pf, pa, out)
    for i in range(pa.shape[1]):
        vol = pa[ActorField.VOLATILITY, i]
        row = out[i]
        assert row[ActorConst.COMMITMENT_SD] == pf["commitment_noise"] * vol
        assert row[ActorConst.ENGAGEMENT_SD] == pf["engagement_noise"] * vol
        assert row[ActorConst.STANDING_SD] == pf["standing_noise"] * vol
        assert row[ActorConst.SHIFT_CHANCE] == pf["volatility_shift_rate"] * vol
        assert row[ActorConst.OUTBURST_CHANCE] == pf["volatility_outburst_rate"] * vol
        assert tuple(row[ActorConst.PULL_WEIGHT : ActorConst.STRATEGIC_WEIGHT + 1]) == (
            R.commitment_weights(
                conformity=pa[ActorField.CONFORMITY, i], security=pa[ActorField.SECURITY, i],
                p_pull=pf["commitment_pull_rate"], p_conventional=pf["commitment_conventional_response"],
                p_strategic=pf["commitment_strategic_response"],
            )
        )  # fmt: skip
        assert tuple(row[ActorConst.UNILATERAL_WEIGHT :]) == R.setpoint_weights(
            stability=pa[ActorField.STABILITY, i], economy=pa[ActorField.ECONOMY, i],
            unilateral_cost=pf["commitment_unilateral_cost"],
            engagement_pull=pf["commitment_engagement_pull"],
            relief_leakage=pf["commitment_relief_leakage"],
        )  # fmt: skip
