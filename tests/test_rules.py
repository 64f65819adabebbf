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

from coalition_sim.core import rules as R
from coalition_sim.core.codes import ProvocationLevel, TieKind

RNG_SEED = 20161
N = 64
unit = st.floats(0.0, 1.0)
flag = st.booleans()


def draws(*ranges: tuple[float, float], n: int = N, seed: int = RNG_SEED) -> list[np.ndarray]:
    """Seeded inputs: one array of ``n`` uniforms per (low, high) range."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(lo, hi, n) for lo, hi in ranges]


def flags(n: int = N, seed: int = RNG_SEED + 1) -> np.ndarray:
    return np.random.default_rng(seed).random(n) < 0.5


def each(rule, **columns):  # type: ignore[no-untyped-def]
    """The rule applied row by row to columns of inputs (keyword arguments, as the phases call
    it), as a float array."""
    n = len(next(iter(columns.values())))
    rows = [{k: v[i].item() for k, v in columns.items()} for i in range(n)]
    return np.array([float(rule(**row)) for row in rows])


def clip(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0)


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
    got = each(R.shift_happens, u_shift=u, rate=rate, volatility=vol)
    assert_allclose(got, (u < rate * vol).astype(float), rtol=0)
    assert 0 < got.sum() < N  # the case has both outcomes


def test_policy_shift_uses_the_same_chance():
    u, rate, vol, sign = draws((0.0, 1.0), (0.0, 0.5), (0.0, 1.0), (0.0, 1.0))
    for i in range(N):
        shifted, step = R.policy_shift(u[i], sign[i], rate[i], 0.3, vol[i])
        assert shifted == R.shift_happens(u_shift=u[i], rate=rate[i], volatility=vol[i])
        assert step == (0.0 if not shifted else (-0.3 if sign[i] < 0.5 else 0.3))


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


def test_unilateral_memory_update_known_answer():
    memory, fade = draws((0.0, 10.0), (0.0, 0.2))
    snub = flags()
    got = each(R.unilateral_memory_update, memory=memory, unconsulted=snub, fade=fade)
    assert_allclose(got, memory * (1 - fade) + snub, rtol=1e-15)


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
    got = each(
        R.proposal_probability,
        logit0=l0, initiative=init, appetite=app, mediation_slope=ms, mediation=med,
        engagement_slope=es, mean_engagement=me, room=room,
    )  # fmt: skip
    expected = room / (1 + np.exp(-(l0 + init * app + ms * med + es * me)))
    assert_allclose(got, expected, rtol=1e-14)


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
    got = each(R.next_mode, u=u, p_switch=p, mode=mode)
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
    got = R.effective_pressure(commitment=c, capacity=cap, threshold=thr, softness=soft)
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


# ------------------------------------------------------- the other scalar rules, one table

F, B = "float", "bool"


def _inputs(spec: dict[str, object], seed: int) -> dict[str, np.ndarray]:
    """Seeded columns: (lo, hi) floats, "bool" flags or a list of integer codes."""
    rng = np.random.default_rng(seed)
    cols = {}
    for name, kind in spec.items():
        if kind == B:
            cols[name] = rng.random(N) < 0.5
        elif isinstance(kind, list):
            cols[name] = rng.choice(np.array(kind, dtype=np.int64), N)
        else:
            lo, hi = kind  # type: ignore[misc]
            cols[name] = rng.uniform(lo, hi, N)
    return cols


def _logit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


POSTURES = [0, 1, 2, 3]  # NONE, COMPROMISE, SIDELINE, ESCALATE
SUMMITS = [0, 1, 2, 3, 4]  # NONE, PROPOSED, SCHEDULED, CANCELLED, HELD
SCALAR_CASES = [
    (R.clip01, {"x": (-1.0, 2.0)}, lambda c: clip(c["x"])),
    (R.logistic, {"x": (-30.0, 30.0)}, lambda c: _logit(c["x"])),
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
        lambda c: _logit(c["logit0"] + c["influence_bonus"] * ~c["autonomy"]) * c["room"],
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
        lambda c: _logit(
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
            "hedged": B,
            "closed_logit0": (-12, -4),
        },
        lambda c: (
            _logit(
                np.where(c["hedged"], c["logit0"], c["closed_logit0"])
                + c["slope"] * c["mean_engagement"]
            )
            * c["room"]
        ),
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
        R.enforcement,
        {"commitment": (0, 1), "threshold": (0, 1), "softness": (0.01, 0.3)},
        lambda c: c["commitment"] * _logit((c["commitment"] - c["threshold"]) / c["softness"]),
    ),
]


@pytest.mark.parametrize(("rule", "spec", "expected"), SCALAR_CASES, ids=lambda x: "")
def test_scalar_rule_known_answers(rule, spec, expected):
    """Every other scalar rule against its ODD equation written again in numpy."""
    cols = _inputs(spec, seed=RNG_SEED + len(spec))
    got = each(rule, **cols)
    assert_allclose(got, np.asarray(expected(cols), dtype=float), rtol=1e-13, atol=1e-15)


def test_outbursts_known_answer():
    cols = _inputs({"u": (0, 1), "principal": B, "rate": (0, 0.5), "volatility": (0, 1),
                    "both_want": B}, seed=RNG_SEED + 5)  # fmt: skip
    out = [R.outbursts(**{k: v[i].item() for k, v in cols.items()}) for i in range(N)]
    burst = cols["principal"] & (cols["u"] < cols["rate"] * cols["volatility"])
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
    defected = 1 - _logit((c - 0.4) / 0.08)
    gaps = out * partners * np.maximum(0.0, c[0] - c) * defected
    assert_allclose(
        R.us_isolation(
            commitment=c, capacity=out, leader=0, partners=partners, threshold=0.4, softness=0.08
        ),
        gaps.sum() / (out @ partners),
        rtol=1e-13,
    )
