"""The Mesa model: construction, parameters, seeding, batch runs, logs, simultaneity, and
bit-for-bit identity with the vectorised ensemble engine."""

from __future__ import annotations

import dataclasses
import datetime as dt

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import run_engine

from coalition_sim.abm.agents import StateActor
from coalition_sim.abm.model import CoalitionModel
from coalition_sim.core import events
from coalition_sim.core import week as dyn
from coalition_sim.scenario.loading import ConfigError
from coalition_sim.scenario.schema import Role

CINC_2016 = {
    "PRC": 0.2306,
    "USA": 0.1331,
    "ROK": 0.0233,
    "DPRK": 0.0134,
    "RUS": 0.0365,
    "JPN": 0.0330,
}
ROLES = {"USA": Role.LEADER, "DPRK": Role.TARGET, "ROK": Role.MEMBER, "PRC": Role.MEMBER}


def frames(model: CoalitionModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    dc = model.datacollector
    return dc.get_model_vars_dataframe(), dc.get_agent_vars_dataframe()


# --------------------------------------------------------------------------- construction


def test_default_model_is_the_baseline_with_four_state_actors():
    model = CoalitionModel()
    assert model.scenario_spec.name == "baseline"
    assert len(model.agents) == 4
    assert all(isinstance(a, StateActor) for a in model.agents)
    assert {a.actor_id: a.role for a in model.agents} == ROLES
    assert model.seed == model.scenario_spec.seed
    assert model.steps == 0 and model.n_steps == 104


def test_graph_nodes_and_edges_carry_attributes():
    model = CoalitionModel()
    g = model.graph
    assert isinstance(g, nx.Graph)
    assert set(g.nodes) == set(ROLES)
    for node, data in g.nodes(data=True):
        assert data["role"] == ROLES[node].value
        assert data["capability"] == CINC_2016[node]
    assert g.number_of_edges() == len(model.scenario_spec.ties)
    types = {"treaty_ally", "partner", "rival", "adversary"}
    for _, _, data in g.edges(data=True):
        assert data["type"] in types
        assert 0.0 <= data["strength"] <= 1.0
    assert g.edges["USA", "ROK"]["type"] == "treaty_ally"
    assert g.edges["PRC", "DPRK"]["type"] == "treaty_ally"


def test_capabilities_are_cinc_2016_facts():
    model = CoalitionModel()
    caps = {a.actor_id: a.capability for a in model.agents}
    assert caps == {k: CINC_2016[k] for k in ROLES}


def test_regional_six_runs_unchanged_with_six_agents():
    model = CoalitionModel("regional_six", rng=4, steps=20).run()
    assert len(model.agents) == 6
    assert {a.actor_id: a.capability for a in model.agents} == CINC_2016
    assert {a.actor_id for a in model.agents if a.role is Role.MEMBER} == {
        "ROK",
        "PRC",
        "JPN",
        "RUS",
    }
    assert model.steps == 20 and not model.running
    model_vars, agent_vars = frames(model)
    assert len(model_vars) == 21
    assert len(agent_vars) == 21 * 6
    assert model.graph.number_of_nodes() == 6
    assert "tie_USA_JPN" in model_vars.columns


def test_agents_expose_views_into_the_state():
    model = CoalitionModel(rng=2).run(15)
    for agent in model.agents:
        i = agent.index
        assert agent.commitment == model.state.commitment[0, i]
        assert agent.engagement == model.state.engagement[0, i]
        assert agent.fatigue == model.state.fatigue[0, i]
        expected = "losses" if agent.standing < agent.reference else "gains"
        assert agent.domain == expected


# --------------------------------------------------------------------------- parameters


def test_keyword_parameters_reach_the_parameter_arrays():
    model = CoalitionModel(fatigue__growth=0.1, actors__ROK__volatility=0.4)
    rok = model.actors["ROK"].index
    assert model.params.fatigue.growth.tolist() == [0.1]
    assert model.params.actor.volatility[0, rok] == 0.4
    assert model.actors["ROK"].volatility == 0.4
    default = CoalitionModel()
    assert default.params.fatigue.growth[0] != 0.1
    assert default.params.actor.volatility[0, rok] != 0.4


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"fatigue__growth": 2.0}, "out of range"),
        ({"fatigue__growth": -0.5}, "out of range"),
        ({"actors__ROK__volatility": 1.5}, "out of range"),
        ({"fatigue__growht": 0.1}, "growht"),
        ({"actors__XX__volatility": 0.1}, "XX"),
    ],
)
def test_bad_keyword_parameters_raise_config_error(kwargs, needle):
    with pytest.raises(ConfigError) as exc:
        CoalitionModel(**kwargs)
    assert needle in str(exc.value)
    assert "\n" not in str(exc.value)


def test_negative_rng_is_rejected():
    with pytest.raises(ValueError):
        CoalitionModel(rng=-1)


# --------------------------------------------------------------------------- seeding


def test_same_seed_gives_identical_datacollector_frames():
    a = CoalitionModel("summit_2018", rng=11).run()
    b = CoalitionModel("summit_2018", rng=11).run()
    for fa, fb in zip(frames(a), frames(b), strict=True):
        pd.testing.assert_frame_equal(fa, fb)
    assert a.event_log == b.event_log


def test_different_seeds_give_different_frames():
    a = CoalitionModel("summit_2018", rng=11).run()
    b = CoalitionModel("summit_2018", rng=12).run()
    assert not frames(a)[0].equals(frames(b)[0])
    assert not frames(a)[1].equals(frames(b)[1])


def test_generator_rng_is_reproducible():
    a = CoalitionModel(rng=np.random.default_rng(5), steps=20).run()
    b = CoalitionModel(rng=np.random.default_rng(5), steps=20).run()
    assert a.seed == b.seed
    pd.testing.assert_frame_equal(frames(a)[0], frames(b)[0])


def test_batch_run():
    results = mesa.batch_run(
        CoalitionModel,
        parameters={"scenario": "baseline", "steps": 10, "fatigue__growth": [0.02, 0.1]},
        rng=[1, 2],
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    # one row per agent of each run's last step (agent reporters are collected too)
    runs = df.groupby(["rng", "fatigue__growth"])
    assert runs.ngroups == 4
    assert df["RunId"].nunique() == 4
    assert len(df) == 4 * 4
    assert (df["Step"] == 10).all()
    for column in ("cohesion", "effective_pressure", "us_isolation", "tension", "dprk_mode"):
        assert column in df.columns and df[column].notna().all()
    assert df["cohesion"].between(0, 1).all()
    assert runs["cohesion"].first().nunique() == 4  # the four runs are not copies of each other
    for _, run in runs:
        assert sorted(run["actor"]) == sorted(ROLES)
    # the swept parameter really changed the model: fatigue is higher with faster growth
    mean_fatigue = df.groupby("fatigue__growth")["fatigue"].mean()
    assert mean_fatigue[0.1] > mean_fatigue[0.02]


def test_batch_run_rows_carry_outcome_flags_and_event_counts():
    results = mesa.batch_run(
        CoalitionModel,
        parameters={"scenario": "summit_2018", "params__fatigue__growth": [0.02]},
        rng=[3],
        number_processes=1,
        display_progress=False,
    )
    row = pd.DataFrame(results).iloc[0]
    model = CoalitionModel("summit_2018", rng=3, fatigue__growth=0.02).run()
    summary = model.summary()
    for name, flag in summary["outcomes"].items():
        assert row[name] == flag
    for name, n in summary["event_counts"].items():
        assert row[f"n_{name}"] == n
    assert sum(summary["event_counts"].values()) > 0  # the check compares real events


def test_keyword_names_map_to_the_one_dotted_spelling():
    from coalition_sim.scenario.names import kwarg_of, name_of_kwarg

    assert name_of_kwarg("fatigue__growth") == "params.fatigue.growth"
    assert name_of_kwarg("params__fatigue__growth") == "params.fatigue.growth"
    assert name_of_kwarg("actors__ROK__volatility") == "actors.ROK.volatility"
    assert kwarg_of("params.fatigue.growth") == "fatigue__growth"
    a = CoalitionModel(rng=4, steps=8, fatigue__growth=0.09).run()
    b = CoalitionModel(rng=4, steps=8, params__fatigue__growth=0.09).run()
    assert a.summary() == b.summary()
    assert a.scenario_spec.params.fatigue.growth == 0.09


# --------------------------------------------------------------------------- graph and log


def test_graph_edge_strengths_track_the_state():
    # China far below the US: the USA-PRC tie strains, so coalition ties move
    from coalition_sim.scenario.library import resolve_scenario
    from coalition_sim.scenario.names import with_values

    model = CoalitionModel(
        with_values(resolve_scenario(None), {"actors.PRC.commitment": 0.1}), rng=9
    )
    ids = model.structure.ids
    initial = {(a, b): d["strength"] for a, b, d in model.graph.edges(data=True)}
    for _ in range(30):
        model.step()
        for a, b, data in model.graph.edges(data=True):
            assert data["strength"] == model.state.strength[0, ids.index(a), ids.index(b)]
    final = {(a, b): d["strength"] for a, b, d in model.graph.edges(data=True)}
    assert final != initial  # coalition ties did move
    assert final[("USA", "DPRK")] == initial[("USA", "DPRK")]  # non-coalition ties do not


def test_event_log_rows_and_dates():
    model = CoalitionModel("summit_2018", rng=3).run()
    log = model.event_log
    assert log, "a year of summit diplomacy logs events"
    start = model.scenario_spec.start_date
    leader, target = (
        model.structure.ids[model.structure.leader],
        model.structure.ids[model.structure.target],
    )
    ids = set(model.structure.ids) | {"", f"{leader}-{target}"}
    for row in log:
        assert list(row) == ["step", "date", "actor", "event", "details"]
        assert 1 <= row["step"] <= model.n_steps
        assert row["date"] == (start + dt.timedelta(weeks=row["step"])).isoformat()
        assert row["actor"] in ids
        assert row["event"] in events.EVENT_KINDS
    steps = [row["step"] for row in log]
    assert steps == sorted(steps)
    # dyadic summit events name the pair
    assert {r["actor"] for r in log if r["event"] == "summit_proposed"} == {f"{leader}-{target}"}
    # the scheduled ROK invitation of 8 March 2018 is logged in its week
    scheduled = [r for r in log if r["event"] == "scheduled_event"]
    assert [r["step"] for r in scheduled] == [model.scenario_spec.step_of(dt.date(2018, 3, 8))]
    assert "summit_proposal" in scheduled[0]["details"]
    assert scheduled[0]["actor"] == ""  # a scheduled proposal names no actor
    # counts and log agree for model-level events
    for kind in ("summit_proposed", "conventional_test", "strategic_test", "election"):
        n = sum(r["event"] == kind for r in log)
        assert n == model.state.counts[0, events.EVENT_INDEX[kind]]


def test_a_scheduled_shock_s_log_row_names_its_actors():
    # start_2016's shocks of January 2017 move the USA (Trump's inauguration), those of May
    # 2017 the ROK (Moon Jae-in's): each week's scheduled_event row names them, once each
    model = CoalitionModel("history/start_2016", rng=1)
    model.run(75)
    rows = {r["step"]: r for r in model.event_log if r["event"] == "scheduled_event"}
    spec = model.scenario_spec
    by_step: dict[int, list[str]] = {}
    for e in spec.events:
        if e.actor:
            by_step.setdefault(spec.step_of(e.date), []).append(e.actor)
    named = {rows[t]["actor"] for t in by_step if t in rows}
    assert {"USA", "ROK"} <= named
    for t, actors in by_step.items():
        if t in rows:
            assert rows[t]["actor"] == "; ".join(dict.fromkeys(actors))


# --------------------------------------------------------------------------- simultaneity


def _state_arrays(st: dyn.State) -> dict[str, np.ndarray]:
    out = {}
    for f in dataclasses.fields(st):
        value = getattr(st, f.name)
        if f.name == "metrics":
            out.update({f"metrics.{k}": v.copy() for k, v in value.items()})
        else:
            out[f.name] = value.copy()
    return out


def test_decide_never_writes_the_state():
    model = CoalitionModel("summit_2018", rng=21)
    for _ in range(20):  # reach a state with something going on, then check each week
        model.step()
    for _ in range(15):
        t = model.steps + 1
        model.context = dyn.observe(model.state, model.params, model.structure, t, model.keys)
        before = _state_arrays(model.state)
        for agent in model.agents:
            agent.decide()
        after = _state_arrays(model.state)
        assert before.keys() == after.keys()
        for name in before:
            assert np.array_equal(before[name], after[name]), name
        # now run the week properly, so the next check starts from a new state
        model.step()
        assert model.steps == t


@pytest.mark.parametrize("order", ["forward", "reversed"])
def test_result_does_not_depend_on_activation_order(monkeypatch, order):
    reference = CoalitionModel("summit_2018", rng=8).run()
    calls = []

    def fixed_order_do(self, method, *args, **kwargs):
        calls.append(method)
        agents = list(self)
        for agent in reversed(agents) if order == "reversed" else agents:
            getattr(agent, method)(*args, **kwargs)
        return self

    model = CoalitionModel("summit_2018", rng=8)
    monkeypatch.setattr(type(model.agents), "shuffle_do", fixed_order_do)
    model.run()
    assert calls.count("decide") == model.n_steps  # the patched scheduler was used
    for fa, fb in zip(frames(reference), frames(model), strict=True):
        pd.testing.assert_frame_equal(fa, fb)
    assert reference.event_log == model.event_log


# --------------------------------------------------------------------------- Mesa == ensemble


@pytest.mark.parametrize("name", ["baseline", "summit_2018", "muddling_2020", "regional_six"])
@pytest.mark.slow
def test_mesa_model_equals_ensemble_engine_bit_for_bit(scenario, name):
    seeds = [0, 7, 2018, 987654321]
    scn = scenario(name)
    struct = dyn.Structure.from_scenario(scn)
    params = dyn.compile_params(scn, rows=len(seeds))
    state = dyn.initial_state(params, struct)
    keys = dyn.make_keys(np.array(seeds, dtype=np.uint64))
    models = [CoalitionModel(name, rng=s) for s in seeds]
    events_seen = 0
    for t in range(1, scn.steps + 1):
        dyn.step(state, params, struct, t, keys)
        for r, model in enumerate(models):
            model.step()
            ens, mes = _state_arrays(state), _state_arrays(model.state)
            assert ens.keys() == mes.keys()
            for field_name, arr in ens.items():
                assert np.array_equal(arr[r : r + 1], mes[field_name], equal_nan=False), (
                    f"{name} seed {seeds[r]} step {t}: {field_name} differs"
                )
    for r, model in enumerate(models):
        assert not model.running and model.steps == scn.steps
        events_seen += int(state.counts[r].sum())
    assert events_seen > 0
    # the replicates are genuinely different runs
    assert len({state.commitment[r].tobytes() for r in range(len(seeds))}) == len(seeds)


def test_replicate_does_not_depend_on_its_neighbours():
    rng = np.random.default_rng(12345)
    seeds = rng.integers(0, 2**62, size=50)
    seeds[23] = 7
    alone = run_engine("summit_2018", seeds=[7], keep=True)
    batch = run_engine("summit_2018", seeds=seeds, keep=True)
    for t, (a, b) in enumerate(zip(alone.history, batch.history, strict=True), start=1):
        sa, sb = _state_arrays(a), _state_arrays(b)
        for name in sa:
            assert np.array_equal(sa[name][0], sb[name][23]), f"step {t}: {name}"
    # and the batch is not 50 copies of seed 7
    assert not np.array_equal(batch.state.commitment[22], batch.state.commitment[23])
