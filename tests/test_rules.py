"""The named rules of ``coalition_sim.core.rules``, one by one, and the phases that call them.

Each rule moved out of the compiled phases (issue 20) is pinned by a known-answer case:
inputs from a seeded generator, the expected value from the ODD's equation written here
independently in numpy (``assert_allclose``), and a hypothesis property where one says
something (bounds, monotonicity). The last tests read the phases' source: every rule is
called with keyword arguments, no parameter enters arithmetic outside a rule, and every rule
cites its source or says that it is a numerical utility.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from support.rulecases import RNG_SEED, N, clip, draws, each, flags

from coalition_sim.core import rules as R
from coalition_sim.core.codes import ProvocationLevel, TieKind

unit = st.floats(0.0, 1.0)
flag = st.booleans()


# --------------------------------------------------------------------------- context, clock


def test_pandemic_clock_known_answers():
    start, weeks = 10, 5.0
    got = [R.pandemic_clock(t=t, start=start, weeks=weeks) for t in (9, 10, 14, 15, 16)]
    assert got == [
        (False, False, False),
        (True, True, False),
        (True, False, False),
        (False, False, True),
        (False, False, False),
    ]


@settings(max_examples=60, deadline=None)
@given(t=st.integers(0, 400), start=st.integers(0, 300), weeks=st.integers(0, 120))
def test_pandemic_lasts_exactly_its_weeks(t, start, weeks):
    active, starts, ends = R.pandemic_clock(t=t, start=start, weeks=float(weeks))
    assert active == (start <= t < start + weeks)
    assert starts == (t == start) and ends == (t == start + weeks)
    assert not (active and ends)  # the end week is the first week without it


def test_inward_turn_known_answer():
    inward, pandemic = draws((0.0, 3.0), (0.0, 1.0))
    pandemic = np.round(pandemic)
    assert_allclose(
        each(R.inward_turn, pandemic=pandemic, inward=inward), inward * pandemic, rtol=0
    )


# --------------------------------------------------------------------------- every actor


def test_actor_noise_known_answer_and_scale():
    u, noise, vol = draws((0.0, 1.0), (0.0, 0.2), (0.0, 1.0))
    expected = (u - 0.5) * math.sqrt(12.0) * (noise * vol)
    assert_allclose(each(R.actor_noise, u=u, noise=noise, volatility=vol), expected, rtol=1e-15)
    grid = (np.arange(10_000) + 0.5) / 10_000  # evenly spread uniforms: mean 0, sd noise x vol
    out = each(R.actor_noise, u=grid, noise=np.full_like(grid, 0.1), volatility=grid * 0 + 0.5)
    assert abs(out.mean()) < 1e-12
    assert_allclose(out.std(), 0.05, rtol=1e-6)


def test_shift_happens_known_answer():
    u, rate, vol = draws((0.0, 1.0), (0.0, 0.5), (0.0, 1.0))
    chance = each(R.volatile_chance, rate=rate, volatility=vol)
    assert_allclose(chance, rate * vol, rtol=0)
    got = each(R.shift_happens, u_shift=u, chance=chance)
    assert_allclose(got, (u < rate * vol).astype(float), rtol=0)
    assert 0 < got.sum() < N  # the case has both outcomes


def test_policy_shift_uses_the_same_chance():
    u, rate, vol, sign = draws((0.0, 1.0), (0.0, 0.5), (0.0, 1.0), (0.0, 1.0))
    for i in range(N):
        chance = R.volatile_chance(rate=rate[i], volatility=vol[i])
        shifted, step = R.policy_shift(u[i], sign[i], chance, 0.3)
        assert shifted == R.shift_happens(u_shift=u[i], chance=chance)
        assert step == (0.0 if not shifted else (-0.3 if sign[i] < 0.5 else 0.3))


def test_noise_sd_is_the_scale_of_actor_noise():
    u, noise, vol = draws((0.0, 1.0), (0.0, 0.2), (0.0, 1.0))
    sd = each(R.noise_sd, noise=noise, volatility=vol)
    assert_allclose(sd, noise * vol, rtol=0)
    # bit for bit: the kernel draws uniform_noise of the tabled sd, the rule actor_noise
    tabled = each(R.uniform_noise, u=u, sd=sd)
    assert np.array_equal(tabled, each(R.actor_noise, u=u, noise=noise, volatility=vol))


def test_sanctions_standing_cost_known_answer():
    cost, pressure = draws((0.0, 0.1), (0.0, 1.0))
    target = flags()
    got = each(R.sanctions_standing_cost, is_target=target, cost=cost, pressure=pressure)
    assert_allclose(got, np.where(target, cost * pressure, 0.0), rtol=0)


# --------------------------------------------------------------------------- coalition


def test_tie_pull_weight_by_tie_type():
    weights = {"treaty_ally": 1.0, "partner": 0.6, "rival": 0.4}
    for kind in TieKind:
        expected = weights.get(kind.name.lower(), 0.0)  # an adversary tie does not pull
        assert R.tie_pull_weight(kind=int(kind), members=True, **weights) == expected
        assert R.tie_pull_weight(kind=int(kind), members=False, **weights) == 0.0
    assert R.tie_pull_weight(kind=-1, members=True, **weights) == 0.0  # no tie


def test_conventional_alarm_weight_known_answer():
    conv, strat = draws((0.0, 1.0), (0.01, 1.0))
    got = each(R.conventional_alarm_weight, conventional_response=conv, strategic_response=strat)
    assert_allclose(got, conv / strat, rtol=1e-15)
    # a zero strategic response is floored, not a division by zero
    assert_allclose(
        R.conventional_alarm_weight(conventional_response=0.1, strategic_response=0.0), 1e8
    )


@pytest.mark.parametrize(
    ("rule", "event"),
    [("unilateral_memory_update", "unconsulted"), ("rebuff_memory_update", "no_deal")],
)
def test_fading_memories_known_answer(rule, event):
    """Both memories are the one building block ``fading_memory``: M (1 - fade) + [event]."""
    memory, fade = draws((0.0, 10.0), (0.0, 0.2))
    happened = flags()
    got = each(getattr(R, rule), memory=memory, fade=fade, **{event: happened})
    assert_allclose(got, memory * (1 - fade) + happened, rtol=1e-15)
    assert_allclose(got, each(R.fading_memory, memory=memory, happened=happened, fade=fade))


@settings(max_examples=80, deadline=None)
@given(share=unit, fade=st.floats(0.01, 1.0), snub=flag)
def test_unilateral_memory_stays_below_its_ceiling(share, fade, snub):
    """A snub every week drives U to 1 / fade and no further: a bounded memory."""
    memory = share / fade
    nxt = R.unilateral_memory_update(memory=memory, unconsulted=snub, fade=fade)
    assert 0.0 <= nxt <= 1.0 / fade * (1 + 1e-12)


def test_unconsulted_tie_cost_known_answer():
    strength, cost = draws((0.0, 1.0), (0.0, 0.5))
    snub, ally = flags(), flags(seed=RNG_SEED + 2)
    got = each(
        R.unconsulted_tie_cost, strength=strength, unconsulted=snub, treaty_ally=ally, cost=cost
    )
    assert_allclose(got, clip(strength - cost * (snub & ally)), rtol=1e-15)
    assert (got[~(snub & ally)] == strength[~(snub & ally)]).all()  # only snubbed allies pay


# --------------------------------------------------------------------------- the leader

TK = {"alpha": 0.88, "beta": 0.88, "lam": 2.25}


def value(z: np.ndarray, alpha: float, beta: float, lam: float) -> np.ndarray:
    """The Kahneman-Tversky value function, written again in numpy."""
    return np.where(z >= 0, np.abs(z) ** alpha, -lam * np.abs(z) ** beta)


def test_gamble_value_known_answer():
    x, up, down, p, ew, sure = draws(
        (-0.5, 0.5), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (1.0, 3.0), (0.0, 0.3)
    )
    expected = (
        p * value(x + up, **TK) + (1 - p) * value(x - down * ew, **TK) - value(x - sure, **TK)
    )
    got = each(
        R.gamble_value,
        x=x, upside=up, downside=down, success=p, election_weight=ew, sure_loss=sure,
        alpha=np.full(N, TK["alpha"]), beta=np.full(N, TK["beta"]), lam=np.full(N, TK["lam"]),
    )  # fmt: skip
    assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_summit_appetite_known_answer():
    x, prestige, ew, sens = draws((-0.5, 0.5), (0.0, 1.0), (1.0, 3.0), (0.0, 8.0))
    up, down, p = 0.3, 0.2, 0.6
    expected = sens * (
        p * value(x + up * (1 + prestige), **TK) + (1 - p) * value(x - down * ew, **TK)
        - value(x, **TK)
    )  # fmt: skip
    got = each(
        R.summit_appetite,
        x=x, prestige_weight=prestige, election_weight=ew, sensitivity=sens,
        upside=np.full(N, up), downside=np.full(N, down), success=np.full(N, p),
        alpha=np.full(N, TK["alpha"]), beta=np.full(N, TK["beta"]), lam=np.full(N, TK["lam"]),
    )  # fmt: skip
    assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-0.5, 0.5), ew=st.floats(1.0, 3.0), more=st.floats(0.0, 2.0))
def test_the_election_makes_every_gamble_worse(x, ew, more):
    """A heavier downside never raises a gamble's value (the value function is increasing)."""
    kw = {"x": x, "upside": 0.3, "downside": 0.2, "success": 0.5}
    kw |= {"alpha": 0.88, "beta": 0.88, "lam": 2.25}
    assert R.gamble_value(election_weight=ew + more, **kw) <= R.gamble_value(
        election_weight=ew, **kw
    )


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-0.5, 0.5), prestige=unit, more=unit)
def test_prestige_raises_the_summit_appetite(x, prestige, more):
    kw = {"x": x, "election_weight": 1.0, "sensitivity": 4.0, "upside": 0.3, "downside": 0.2}
    kw |= {"success": 0.5, "alpha": 0.88, "beta": 0.88, "lam": 2.25}
    assert R.summit_appetite(prestige_weight=prestige + more, **kw) >= R.summit_appetite(
        prestige_weight=prestige, **kw
    )


def test_leader_accept_probability_known_answer():
    appetite, logit0, room = draws((-5.0, 5.0), (-4.0, 0.0), (0.5, 1.0))
    got = each(R.leader_accept_probability, appetite=appetite, logit0=logit0, room=room)
    assert_allclose(got, room / (1 + np.exp(-(logit0 + appetite))), rtol=1e-14)


def test_consults_allies_known_answer():
    u, consults = draws((0.0, 1.0), (0.0, 1.0))
    assert_allclose(each(R.consults_allies, u=u, consults=consults), u < consults, rtol=0)


def test_tension_cancel_hazard_known_answer():
    tension, k = draws((0.0, 1.0), (0.0, 1.0))
    assert_allclose(
        each(R.tension_cancel_hazard, tension=tension, tension_cancel=k), k * tension, rtol=0
    )


# --------------------------------------------------------------------------- target and world


@settings(max_examples=80, deadline=None)
@given(weeks=st.integers(1, 200), fade=st.floats(0.001, 1.0))
def test_rebuff_memory_after_one_failed_summit_is_a_geometric_fade(weeks, fade):
    """One summit without agreement, then none: B = (1 - fade)^(weeks - 1), so at the
    default fade (0.02) half of it is left after about 35 weeks."""
    memory = R.rebuff_memory_update(memory=0.0, no_deal=True, fade=fade)
    for _ in range(weeks - 1):
        memory = R.rebuff_memory_update(memory=memory, no_deal=False, fade=fade)
    assert_allclose(memory, (1.0 - fade) ** (weeks - 1), rtol=1e-9, atol=1e-300)


def test_provocation_standing_gain_known_answer():
    standing, gain = draws((0.0, 1.0), (0.0, 0.2))
    tested = flags()
    got = each(R.provocation_standing_gain, standing=standing, provoked=tested, gain=gain)
    assert_allclose(got, clip(standing + gain * tested), rtol=1e-15)


@pytest.mark.parametrize(
    ("rule", "level", "sign"),
    [
        (R.test_standing_cost, "standing", -1.0),
        (R.test_engagement_hit, "engagement", -1.0),
        (R.escalation_threat, "security", -1.0),
        (R.hedge_signal_engagement, "engagement", +1.0),
    ],
)
def test_one_step_shocks_known_answers(rule, level, sign):
    x, size = draws((0.0, 1.0), (0.0, 0.4))
    happened = flags()
    happened_arg, size_arg = list(inspect.signature(getattr(rule, "py_func", rule)).parameters)[1:]
    got = each(rule, **{level: x, happened_arg: happened, size_arg: size})
    assert_allclose(got, clip(x + sign * size * happened), rtol=1e-15)


def test_tension_update_known_answer():
    tension, c_step, s_step, e_step, o_step = draws(
        (0.0, 1.0), (0.0, 0.1), (0.0, 0.4), (0.0, 0.4), (0.0, 0.1)
    )
    rng = np.random.default_rng(RNG_SEED + 3)
    rung = rng.integers(0, 3, N)
    esc, lo, to = rng.random((3, N)) < 0.5
    expected = clip(
        tension
        + c_step * (rung == 1)
        + s_step * (rung == 2)
        + e_step * esc
        + o_step * (lo.astype(float) + to)
    )
    got = each(
        R.tension_update,
        tension=tension, conventional=rung == 1, strategic=rung == 2, escalate=esc,
        leader_outburst=lo, target_outburst=to, conventional_step=c_step,
        strategic_step=s_step, escalation_step=e_step, outburst_step=o_step,
    )  # fmt: skip
    assert_allclose(got, expected, rtol=1e-15)


@settings(max_examples=100, deadline=None)
@given(
    tension=unit, steps=st.lists(unit, min_size=4, max_size=4),
    shocks=st.lists(flag, min_size=5, max_size=5), which=st.integers(0, 4),
)  # fmt: skip
def test_a_shock_never_lowers_tension_and_tension_stays_in_range(tension, steps, shocks, which):
    names = ["conventional", "strategic", "escalate", "leader_outburst", "target_outburst"]
    kw = dict(zip(names, shocks, strict=True))
    kw.update(
        conventional_step=steps[0], strategic_step=steps[1], escalation_step=steps[2],
        outburst_step=steps[3],
    )  # fmt: skip
    before = R.tension_update(tension=tension, **kw)
    kw[names[which]] = True
    after = R.tension_update(tension=tension, **kw)
    assert 0.0 <= before <= after <= 1.0


def test_military_crisis_times_up_and_revival_limit():
    assert R.military_crisis(tension=0.85, threshold=0.85)
    assert not R.military_crisis(tension=0.8499, threshold=0.85)
    # a proposal made in week t (timer 0 in week t+1) lapses in week t + expiry
    assert [R.times_up(timer=k, weeks=8.0) for k in range(9)] == [False] * 7 + [True] * 2
    assert R.revival_limit(hedged=True, revival_window=12.0, cooldown=26.0) == 12.0
    assert R.revival_limit(hedged=False, revival_window=12.0, cooldown=26.0) == 26.0


@settings(max_examples=60, deadline=None)
@given(timer=st.integers(0, 60), weeks=st.integers(1, 60))
def test_times_up_once_and_for_good(timer, weeks):
    if R.times_up(timer=timer, weeks=float(weeks)):
        assert R.times_up(timer=timer + 1, weeks=float(weeks))
    assert R.times_up(timer=timer, weeks=float(weeks)) == (timer >= weeks - 1)


def test_proposal_probability_known_answer():
    l0, init, app, ms, med, es, me, room = draws(
        (-6.0, -2.0), (0.0, 1.0), (-3.0, 3.0), (0.0, 4.0), (0.0, 1.0), (0.0, 4.0), (0.0, 1.0),
        (0.5, 1.0),
    )  # fmt: skip
    seeks = flags()
    got = each(
        R.proposal_probability,
        logit0=l0, initiative=init, appetite=app, mediation_slope=ms, mediation=med,
        engagement_slope=es, mean_engagement=me, room=room, target_seeks_influence=seeks,
    )  # fmt: skip
    gamble = np.where(seeks, init * app, 0.0)  # the appetite counts only with influence sought
    expected = room / (1 + np.exp(-(l0 + gamble + ms * med + es * me)))
    assert_allclose(got, expected, rtol=1e-14)


def test_no_summit_gamble_with_an_autonomy_seeking_target():
    """[S18]'s gamble is accepting Kim's invitation: a leader's appetite proposes nothing to a
    DPRK seeking autonomy, however large (the record of 2016-17)."""
    common = {"logit0": -4.0, "initiative": 1.0, "mediation_slope": 1.0, "mediation": 0.2,
              "engagement_slope": 1.0, "mean_engagement": 0.2, "room": 1.0}  # fmt: skip
    closed = [R.proposal_probability(appetite=a, target_seeks_influence=False, **common)
              for a in (-3.0, 0.0, 3.0)]  # fmt: skip
    assert closed[0] == closed[1] == closed[2]
    open_ = [R.proposal_probability(appetite=a, target_seeks_influence=True, **common)
             for a in (-3.0, 0.0, 3.0)]  # fmt: skip
    assert open_[0] < open_[1] == closed[1] < open_[2]


# --------------------------------------------------------------- rules given a source (issue 20)


def test_fading_and_recovering_states_known_answers():
    x, rate, pressure, base = draws((0.0, 1.0), (0.0, 0.1), (0.0, 1.0), (0.0, 1.0))
    assert_allclose(each(R.prestige_fade, prestige=x, decay=rate), x * (1 - rate), rtol=1e-15)
    assert_allclose(each(R.tension_decay, tension=x, decay=rate), x * (1 - rate), rtol=1e-15)
    assert_allclose(
        each(R.relief_erosion, relief=x, decay=rate, pressure=pressure),
        x * (1 - rate * pressure),
        rtol=1e-15,
    )
    assert_allclose(
        each(R.security_recovery, security=x, rate=rate, baseline=base),
        clip(x + rate * (base - x)),
        rtol=1e-15,
    )


@settings(max_examples=60, deadline=None)
@given(security=unit, rate=unit, baseline=unit)
def test_security_moves_toward_its_baseline_without_overshoot(security, rate, baseline):
    nxt = R.security_recovery(security=security, rate=rate, baseline=baseline)
    lo, hi = min(security, baseline), max(security, baseline)
    assert lo - 1e-15 <= nxt <= hi + 1e-15


def test_next_mode_and_test_memory_known_answers():
    u, p = draws((0.0, 1.0), (0.0, 1.0))
    mode = (np.random.default_rng(RNG_SEED + 4).random(N) < 0.5).astype(np.int64)
    got = each(R.next_mode, switch=u < p, mode=mode)
    assert_allclose(got, np.where(u < p, 1 - mode, mode), rtol=0)
    memory, fade, w = draws((0.0, 5.0), (0.0, 0.2), (0.0, 1.0))
    for level, add in ((ProvocationLevel.NONE, 0.0), (ProvocationLevel.STRATEGIC, 1.0)):
        got = each(
            R.test_memory_update,
            memory=memory, level=np.full(N, int(level)), fade=fade, conventional_weight=w,
        )  # fmt: skip
        assert_allclose(got, memory * (1 - fade) + add, rtol=1e-15)
    got = each(
        R.test_memory_update,
        memory=memory, level=np.full(N, int(ProvocationLevel.CONVENTIONAL)), fade=fade,
        conventional_weight=w,
    )  # fmt: skip
    assert_allclose(got, memory * (1 - fade) + w, rtol=1e-15)


def test_scheduled_shock_known_answer():
    level, value = draws((0.0, 1.0), (-0.5, 0.5))
    assert_allclose(
        each(R.scheduled_shock, level=level, value=value), clip(level + value), rtol=1e-15
    )


def test_effective_pressure_known_answer():
    c, cap = draws((0.0, 1.0), (0.0, 1.0), n=5)
    cap[2] = 0.0  # the target: no capacity, no term
    cap /= cap.sum()
    thr, soft = 0.4, 0.08
    expected = float(np.sum(cap * c / (1 + np.exp(-(c - thr) / soft))))
    shares = np.empty(c.size)
    R.enforcing_shares(commitment=c, capacity=cap, threshold=thr, softness=soft, out=shares)
    assert shares[2] == 0.0  # no capacity: not computed
    got = R.effective_pressure(commitment=c, capacity=cap, shares=shares)
    assert_allclose(got, expected, rtol=1e-14)


# --------------------------------------------------------------------------- the phases

CORE = Path(R.__file__).resolve().parent.parent
PHASES = [CORE / "decide.py", CORE / "resolve.py"]


def _rule_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "R"
    ]


@pytest.mark.parametrize("path", PHASES, ids=lambda p: p.name)
def test_phases_call_every_rule_with_keyword_arguments(path):
    calls = _rule_calls(ast.parse(path.read_text()))
    assert len(calls) > 20
    positional = [f"{path.name}:{c.lineno} R.{c.func.attr}" for c in calls if c.args]  # type: ignore[attr-defined]
    assert not positional, f"rules called with positional arguments: {positional}"
    unknown = [c.func.attr for c in calls if c.func.attr not in R.__all__]  # type: ignore[attr-defined]
    assert not unknown, unknown


def _is_parameter(node: ast.AST) -> bool:
    """``pf.<name>`` (a model parameter) or ``pa[...]`` (an actor attribute)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id == "pf"
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and (node.value.id == "pa")
    )


@pytest.mark.parametrize("path", PHASES, ids=lambda p: p.name)
def test_no_parameterised_equation_is_left_inline_in_the_phases(path):
    """A parameter may be passed to a rule (or converted, ``int(pf.lead_weeks)``), never
    computed with in a phase: every parameterised equation is a named rule."""
    inline = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.BinOp):
            operands = [node.left, node.right]
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.UnaryOp):
            operands = [node.operand]
        elif isinstance(node, ast.IfExp):
            operands = [node.body, node.orelse]
        elif isinstance(node, ast.BoolOp):
            operands = list(node.values)
        else:
            continue
        if any(_is_parameter(o) for o in operands):
            inline.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert not inline, "parameterised equations inline in a phase:\n" + "\n".join(inline)


SOURCE = ("[S18]", "[S20]", "numerical utility")


def test_every_rule_cites_a_source_or_says_it_is_a_utility():
    """A source is a seed ([S18], [S20]), a dated study ('Early (2015)', 'McFadden 1974') or
    the plain statement that the function is a numerical utility."""
    dated = re.compile(r"\b(19|20)\d\d\b")
    missing = []
    for name in R.__all__:
        obj = getattr(R, name)
        doc = inspect.getdoc(getattr(obj, "py_func", obj)) or ""
        if not (any(s in doc for s in SOURCE) or dated.search(doc)):
            missing.append(name)
    assert not missing, f"rules without a source in their docstring: {missing}"
