"""Property tests: the engine keeps every state variable in range for any valid parameters,
and the counter-based random streams are pure, well-formed uniforms."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
import scipy.stats
from conftest import SCENARIOS, run_engine
from hypothesis import given, settings
from hypothesis import strategies as st

from coalition_sim.core import week as dyn
from coalition_sim.core.state import STATE_TABLE
from coalition_sim.core.streams import WORLD, Draw, draw, seed_keys, step_key, uniform
from coalition_sim.core.week import Mode, Posture, SummitState
from coalition_sim.scenario.library import resolve_scenario
from coalition_sim.scenario.names import parameter_table

STEPS = 30
EPS = 1e-12

#: Numeric parameters one can set by dotted key. Interest weights are drawn as a whole
#: (they must sum to one) and tie strengths are addressed by pair, not by a dotted key.
ROWS = [
    r
    for r in parameter_table()
    if r["min"] is not None and ".interests." not in r["name"] and not r["name"].startswith("ties")
]
# Subnormal floats are drawn on purpose: a leader commitment of 5e-324 once made
# rules.us_isolation divide 0 by an underflowed 0 and turned the state to NaN.


def _value(draw, row):
    lo, hi = row["min"], row["max"]
    if isinstance(row["default"], int) and not isinstance(row["default"], bool):
        return draw(st.integers(int(lo), int(hi)))
    return draw(st.floats(float(lo), float(hi), allow_nan=False))


@st.composite
def configurations(draw):
    name = draw(st.sampled_from(SCENARIOS))
    scn = resolve_scenario(name)
    ids = scn.actor_ids
    # the target has no sanctions fatigue: the schema allows only 0 for it
    tired = [a.id for a in scn.actors if a.role != "target"]
    values = {}
    rows = draw(
        st.lists(st.sampled_from(ROWS), min_size=1, max_size=6, unique_by=lambda r: r["name"])
    )
    for row in rows:
        who = tired if row["name"] == "actors.<ID>.fatigue" else ids
        key = row["name"].replace("<ID>", draw(st.sampled_from(who)))
        values[key] = _value(draw, row)
    unit = st.floats(0.0, 1.0, allow_nan=False)
    for actor in draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)):
        for field in ("commitment", "engagement", "standing", "reference"):
            values[f"actors.{actor}.{field}"] = draw(unit)
        weights = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4)))
        weights = weights / weights.sum()
        for k, interest in enumerate(("security", "economy", "prestige", "stability")):
            values[f"actors.{actor}.interests.{interest}"] = float(weights[k])
    if draw(st.booleans()):
        start = resolve_scenario(name).start_date
        values["clock.pandemic_start"] = (
            start + dt.timedelta(weeks=draw(st.integers(0, STEPS)))
        ).isoformat()
    values["dprk_mode"] = draw(st.sampled_from(["influence", "autonomy"]))
    seeds = draw(st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=6))
    return name, values, seeds


def check_state(state: dyn.State, n_actors: int, previous_counts: np.ndarray | None) -> None:
    """Every variable within the range the state table declares (core.state.STATE_TABLE)."""
    for f in dataclasses.fields(state):
        value = getattr(state, f.name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.isfinite(value).all(), f.name
    for var in STATE_TABLE:
        arr = getattr(state, var.name)
        lo, hi = var.bounds
        if lo is not None:
            assert (arr >= lo).all(), var.name
        if hi is not None:
            assert (arr <= hi).all(), var.name
        if var.codes is not None:
            assert np.isin(arr, [int(m) for m in var.codes]).all(), var.name
    for name, value in state.metrics.items():
        # metrics are ratios: allow floating-point rounding (us_isolation can be -2.2e-16)
        assert np.isfinite(value).all() and ((value >= -EPS) & (value <= 1.0 + EPS)).all(), name
    assert set(state.metrics) >= {"cohesion", "effective_pressure", "us_isolation"}
    assert (state.canceller < n_actors).all()
    if previous_counts is not None:
        assert (state.counts >= previous_counts).all(), "event counters went down"
        assert (state.counts - previous_counts <= n_actors).all()


def test_the_state_table_bounds_every_unit_variable_and_codes_every_enum() -> None:
    bounded = {v.name for v in STATE_TABLE if v.bounds == (0.0, 1.0)}
    assert {"commitment", "engagement", "standing", "strength", "tension", "relief"} <= bounded
    coded = {v.name: v.codes for v in STATE_TABLE if v.codes is not None}
    assert coded["summit"] is SummitState and coded["mode"] is Mode
    assert coded["posture"] is Posture and coded["response"] is Posture


@settings(max_examples=40, deadline=None)
@given(config=configurations())
def test_engine_keeps_every_state_variable_in_range(config):
    name, values, seeds = config
    run = run_engine(name, values, seeds=seeds, steps=STEPS, keep=True)
    n = run.struct.n_actors
    assert len(run.history) == STEPS
    previous = None
    for state in run.history:
        check_state(state, n, previous)
        previous = state.counts.copy()
    # the initial state is in range too
    scn = run.scenario
    first = dyn.initial_state(dyn.compile_params(scn, len(seeds)), dyn.Structure.from_scenario(scn))
    check_state(first, n, None)
    assert (first.counts == 0).all()


# --------------------------------------------------------------------------- streams


def uniforms(keys, step, actors, draws) -> np.ndarray:
    """(R, len(actors), len(draws)) numbers from the very functions the compiled week calls:
    ``draw(step_key(key, step), actor, slot)`` (no numpy twin)."""
    out = np.empty((len(keys), len(actors), len(draws)))
    for r, key in enumerate(keys):
        week = step_key(key, step)
        for i, a in enumerate(actors):
            for k, d in enumerate(draws):
                out[r, i, k] = draw(week, a, d)
    return out


actor_lists = st.lists(st.integers(0, 63), min_size=1, max_size=8, unique=True)
draw_lists = st.lists(st.sampled_from(list(Draw)), min_size=1, max_size=6, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=5),
    step=st.integers(0, 5000),
    actors=actor_lists,
    draws=draw_lists,
    data=st.data(),
)
def test_uniforms_depend_only_on_seed_step_actor_and_draw(seeds, step, actors, draws, data):
    keys = seed_keys(np.array(seeds, dtype=np.uint64))
    full = uniforms(keys, step, [*actors, WORLD], draws)
    assert full.shape == (len(seeds), len(actors) + 1, len(draws))
    assert full.dtype == np.float64
    assert ((full >= 0.0) & (full < 1.0)).all()
    # any reordering or slicing of seeds, actors and draws gives the same numbers
    r_order = data.draw(st.permutations(range(len(seeds))))
    a_order = data.draw(st.permutations(range(len(actors))))
    d_order = data.draw(st.permutations(range(len(draws))))
    sub = uniforms(
        keys[list(r_order)], step, [actors[i] for i in a_order], [draws[k] for k in d_order]
    )
    assert np.array_equal(sub, full[np.ix_(r_order, a_order, d_order)])
    one = uniforms(seed_keys(seeds[0]), step, [actors[0]], [draws[0]])
    assert one.shape == (1, 1, 1) and one[0, 0, 0] == full[0, 0, 0]


def test_uniforms_differ_across_seed_step_actor_and_draw():
    keys = seed_keys(np.array([1, 2], dtype=np.uint64))
    base = uniforms(keys, 10, [0, 1], [Draw.COMMIT_NOISE, Draw.OUTBURST])
    assert base[0, 0, 0] != base[1, 0, 0]  # seed
    assert base[0, 0, 0] != base[0, 1, 0]  # actor
    assert base[0, 0, 0] != base[0, 0, 1]  # draw
    assert base[0, 0, 0] != uniforms(keys, 11, [0], [Draw.COMMIT_NOISE])[0, 0, 0]  # step
    assert np.array_equal(base, uniforms(keys, 10, [0, 1], [Draw.COMMIT_NOISE, Draw.OUTBURST]))


def test_uniforms_are_uniform():
    keys = seed_keys(np.arange(1000, dtype=np.uint64))
    u = uniforms(keys, 3, list(range(10)), list(range(10))).ravel()  # 100k numbers
    assert u.size == 100_000
    assert abs(u.mean() - 0.5) < 0.005
    assert abs(u.var() - 1 / 12) < 0.002
    assert scipy.stats.kstest(u, "uniform").pvalue > 1e-3
    # neighbouring seeds and steps are not correlated
    v = uniforms(keys, 4, list(range(10)), list(range(10))).ravel()
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.02
    w = uniforms(
        seed_keys(np.arange(1, 1001, dtype=np.uint64)), 3, list(range(10)), list(range(10))
    )
    assert abs(np.corrcoef(u, w.ravel())[0, 1]) < 0.02


@settings(max_examples=60, deadline=None)
@given(key=st.integers(0, 2**64 - 1), step=st.integers(0, 5000), actor=st.integers(0, 63))
def test_a_key_is_the_same_number_as_python_int_and_numpy_uint64(key, step, actor):
    """Explicit uint64 signatures: an ``int`` key (even >= 2**63) gives exactly the numbers of
    the same ``numpy.uint64`` key, and ``uniform`` is the model's ``draw(step_key(...))``."""
    as_int = uniform(key, step, actor, int(Draw.SIGNAL))
    assert as_int == uniform(np.uint64(key), step, actor, Draw.SIGNAL)
    assert as_int == draw(step_key(np.uint64(key), step), actor, Draw.SIGNAL)
    assert step_key(key, step) == step_key(np.uint64(key), step)
    assert 0.0 <= as_int < 1.0


def test_a_negative_key_is_refused():
    with pytest.raises(OverflowError):
        step_key(-1, 3)
