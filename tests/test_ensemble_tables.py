"""The small-run fast paths (issue 20: 100 runs at >= 2 M replicate-steps per CPU second)
give exactly what the plain code gives.

At 100 runs the Python around the compiled kernel was ~15% of ``Ensemble.run``; it is now
cut: tables built from one block per dtype (``engine/tables.py``), the parameters packed by
one stacked copy, the initial state assembled from a plan with its kernel record attached,
outcome shares counted on the flag arrays, the page ensemble on the shared engine cache.
Each test compares a fast path with an independent plain computation, to the bit, and checks
that nothing cached (column indexes, layouts, engines) carries from one call to the next.
"""

from __future__ import annotations

import io
from collections import deque

import numpy as np
import pandas as pd
import pytest

from coalition_sim.core import events
from coalition_sim.core import params as P
from coalition_sim.core import state as S
from coalition_sim.core import week as dyn
from coalition_sim.engine import ensemble as E
from coalition_sim.engine.tables import BlockLayout
from coalition_sim.scenario.library import resolve_scenario
from coalition_sim.scenario.names import with_values
from coalition_sim.ui import serving

STEPS = 15
GROWTH = [0.0, 0.05, 0.1]


@pytest.fixture(scope="module")
def ens() -> E.Ensemble:
    return E.Ensemble("summit_2018", steps=STEPS)


def points(ens: E.Ensemble, reps: int = 4) -> tuple[dyn.ParamArrays, np.ndarray]:
    p = ens.params({"params.fatigue.growth": GROWTH}, replicates=reps)
    return p, ens.seeds(7, len(GROWTH), reps)


def parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf)
    return buf.getvalue()


def final_state(ens: E.Ensemble, p: dyn.ParamArrays, seeds: np.ndarray) -> dyn.State:
    """The state after the last week, stepped week by week (``Ensemble.iterate``)."""
    return deque(ens.iterate(p, seeds), maxlen=1)[0][1]


def plain_final(ens: E.Ensemble, p: dyn.ParamArrays, seeds: np.ndarray) -> pd.DataFrame:
    """The final table as the engine built it before: the state stepped week by week
    (``Ensemble.iterate``), flags straight from the counters, one column per array."""
    st = final_state(ens, p, seeds)
    cols: dict[str, np.ndarray] = {"row": np.arange(p.n_rows)}
    happened = st.counts > 0
    for name, event in zip(events.OUTCOMES[:-1], dyn._OUTCOME_EVENTS, strict=True):
        cols[name] = happened[:, events.EVENT_INDEX[event]]
    bad = cols["agreement"] | cols["military_crisis"] | cols["strategic_test"]
    cols["muddling_through"] = ~bad
    for m in ("cohesion", "effective_pressure", "us_isolation"):
        cols[m] = st.metrics[m].copy()
    cols["tension"] = st.tension.copy()
    for k, a in enumerate(ens.actor_ids):
        cols[f"commitment_{a}"] = st.commitment[:, k].copy()
    for k, name in enumerate(events.EVENT_KINDS):
        cols[f"n_{name}"] = st.counts[:, k].astype(np.int32)
    return pd.DataFrame(cols)


def test_the_block_built_final_table_is_the_column_built_one(ens: E.Ensemble) -> None:
    p, seeds = points(ens)
    want = plain_final(ens, p, seeds)
    got = ens.run(p, seeds, counts=True).final
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_column_type=True)
    assert list(got.dtypes) == list(want.dtypes)
    assert parquet(got) == parquet(want)
    # without counts, without actors: the same columns, fewer of them
    no_actors = ens.run(p, seeds, actors=False).final
    keep = [c for c in want.columns if not c.startswith(("n_", "commitment_"))]
    pd.testing.assert_frame_equal(no_actors, want[keep], check_exact=True)


def test_the_trajectory_table_is_the_weekly_state(ens: E.Ensemble) -> None:
    p, seeds = points(ens, reps=2)
    traj = ens.run(p, seeds, every=4).trajectories
    assert traj is not None
    assert traj["row"].dtype == np.int64 and traj["step"].dtype == np.int32
    recorded = [0, 4, 8, 12, 15]
    assert traj["step"].tolist() == recorded * p.n_rows
    assert traj["row"].tolist() == list(np.repeat(np.arange(p.n_rows), len(recorded)))
    for t, st in ens.iterate(p, seeds):
        if t not in recorded:
            continue
        at = traj[traj["step"] == t]
        np.testing.assert_array_equal(at["tension"].to_numpy(), st.tension)
        np.testing.assert_array_equal(at["cohesion"].to_numpy(), st.metrics["cohesion"])
        for k, a in enumerate(ens.actor_ids):
            np.testing.assert_array_equal(at[f"commitment_{a}"].to_numpy(), st.commitment[:, k])


def test_results_share_nothing_from_one_run_to_the_next(ens: E.Ensemble) -> None:
    """The layouts (and their column indexes) are made once per engine: renaming or editing
    one result's table must not reach the next, and a run with other options in between
    changes nothing."""
    p, seeds = points(ens)
    first = ens.run(p, seeds, every=5)
    keep = first.final.copy(deep=True), first.trajectories.copy(deep=True)  # type: ignore[union-attr]
    first.final.columns.name = "renamed"
    first.final.loc[0, "cohesion"] = -1.0
    first.trajectories.columns.name = "renamed"  # type: ignore[union-attr]
    ens.run(p, seeds, every=0, actors=False, counts=True)  # other layouts in between
    second = ens.run(p, seeds, every=5)
    assert second.final.columns.name is None and second.trajectories.columns.name is None  # type: ignore[union-attr]
    pd.testing.assert_frame_equal(second.final, keep[0], check_exact=True)
    pd.testing.assert_frame_equal(second.trajectories, keep[1], check_exact=True)


def test_the_older_pandas_path_gives_the_same_table(
    ens: E.Ensemble, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pandas before 3.0 has no ``create_dataframe_from_blocks``: the column-by-column
    fallback of :mod:`coalition_sim.engine.tables` must give the same frame and bytes."""
    from coalition_sim.engine import tables

    p, seeds = points(ens)
    fast = ens.run(p, seeds, counts=True, every=5)
    monkeypatch.setattr(tables, "_from_blocks", None)
    slow = ens.run(p, seeds, counts=True, every=5)
    pd.testing.assert_frame_equal(slow.final, fast.final, check_exact=True)
    pd.testing.assert_frame_equal(slow.trajectories, fast.trajectories, check_exact=True)  # type: ignore[arg-type]
    assert parquet(slow.final) == parquet(fast.final)


def test_a_block_layout_refuses_blocks_of_the_wrong_shape() -> None:
    layout = BlockLayout(("a", "b", "c"), (1, 2))
    with pytest.raises(ValueError, match="expected"):
        layout.frame([np.zeros((1, 3)), np.zeros((2, 4))], 3)
    with pytest.raises(ValueError, match="blocks of 2 columns for 3 names"):
        BlockLayout(("a", "b", "c"), (1, 1))


def test_outcome_shares_are_the_columns_means(ens: E.Ensemble) -> None:
    run = E.run_ensemble("summit_2018", 37, seed=3, steps=STEPS, every=0)
    want = pd.Series(
        {name: float(run.final[name].to_numpy().mean()) for name in events.OUTCOMES},
        name="probability",
    )
    pd.testing.assert_series_equal(run.probabilities, want, check_exact=True)
    assert run.probabilities.index.dtype == want.index.dtype
    run.probabilities.index.name = "renamed"  # the shared index object is copied per call
    assert E.run_ensemble("summit_2018", 5, steps=STEPS).probabilities.index.name is None


def test_outcome_flags_name_their_rows_as_outcomes_does(ens: E.Ensemble) -> None:
    p, seeds = points(ens)
    st = final_state(ens, p, seeds)
    flags = dyn.outcome_flags(st)
    assert flags.shape == (len(events.OUTCOMES), p.n_rows) and flags.flags.c_contiguous
    named = dyn.outcomes(st)
    assert list(named) == list(events.OUTCOMES)
    for k, name in enumerate(events.OUTCOMES):
        np.testing.assert_array_equal(named[name], flags[k])
    assert named["agreement"].any() or named["muddling_through"].any()


def test_the_stacked_pack_equals_the_checked_fill(ens: E.Ensemble) -> None:
    p, _ = points(ens)
    p = p.own_rows()
    p.actor.mediation[:, 2] = np.linspace(0.1, 0.9, p.n_stored)
    fast = P.pack(p)
    pf, pa = P._pack_checked(p, p.n_stored, len(ens.actor_ids))
    assert fast.pf.dtype == pf.dtype and fast.pf.tobytes() == pf.tobytes()
    assert fast.pa.shape == pa.shape and fast.pa.tobytes() == pa.tobytes()
    assert fast.pf.flags.c_contiguous and fast.pa.flags.c_contiguous
    p.fatigue.growth = np.zeros(p.n_stored + 1)  # a wrong shape is named, as before
    with pytest.raises(ValueError, match="fatigue_growth has shape"):
        P.pack(p)


def test_the_initial_state_is_owned_and_equals_the_plain_record(ens: E.Ensemble) -> None:
    p, _ = points(ens)
    a = S.blank_state(p)
    built = S.State(**{n: getattr(a, n).copy() for n in S.STATE_DTYPES}, metrics=dict(a.metrics))
    assert list(vars(a)) == list(vars(built))  # the generated __init__'s attributes, in order
    view = S.arrays(a)
    assert view is a._view  # the attached record is the one the kernels get
    for name in S.STATE_DTYPES:
        arr = getattr(a, name)
        assert getattr(view, name) is arr
        assert arr.dtype == S.STATE_DTYPES[name] and arr.flags.c_contiguous
        assert arr.ctypes.data % 64 == 0  # each on its own cache line
        np.testing.assert_array_equal(arr, getattr(built, name))
    # the arrays are views of one block: no two overlap, and none is the parameters'
    every = [*(getattr(a, n) for n in S.STATE_DTYPES), *a.metrics.values()]
    for k, x in enumerate(every):
        assert not any(np.shares_memory(x, y) for y in every[k + 1 :])
        assert not any(np.shares_memory(x, getattr(p, f)) for f in ("strength0", "mode0"))
    # no array is shared with the parameters or with another state
    b = S.blank_state(p)
    a.commitment[:] = 0.5
    a.strength[:] = 0.5
    assert not np.shares_memory(a.commitment, a.anchor)
    assert not np.shares_memory(a.strength, a.tie_baseline)
    np.testing.assert_array_equal(b.anchor, a.anchor)
    assert not (b.commitment == 0.5).all() and not (p.strength0 == 0.5).all()
    # a field replaced by a caller drops the attached record, as before
    a.tension = a.tension.astype(np.float32)
    assert S.arrays(a).tension.dtype == np.float64


def test_the_page_ensemble_reuses_the_engine_and_carries_nothing_over() -> None:
    E.clear_built_ensembles()
    scn = with_values(resolve_scenario("summit_2018"), {"steps": 20})
    other = with_values(resolve_scenario("baseline"), {"steps": 20})
    first = serving.page_ensemble(scn, 9, 2)
    between = serving.page_ensemble(other, 9, 2)
    again = serving.page_ensemble(scn, 9, 2)
    assert E.clear_built_ensembles() == {"hits": 1, "misses": 2, "entries": 2}
    pd.testing.assert_frame_equal(again.final, first.final, check_exact=True)
    for m in first.values:
        np.testing.assert_array_equal(again.values[m], first.values[m])
    assert not between.final["cohesion"].equals(first.final["cohesion"])
    ref = E.run_ensemble(scn, 9, seed=2, every=0)
    pd.testing.assert_frame_equal(first.final, ref.final, check_exact=True)


def test_the_kernel_writes_trajectories_into_the_callers_array(ens: E.Ensemble) -> None:
    """``advance(out=, first=)`` (the table's own variable-major array) holds what the default
    (R, steps, 4 + A) trajectory holds, to the bit, in the columns from ``first`` on; columns
    before ``first`` are untouched; an array of the wrong shape is refused."""
    p, seeds = points(ens)
    a = len(ens.actor_ids)
    at = np.array([2, 5, 9, STEPS], dtype=np.int64)
    keys = dyn.make_keys(seeds)
    st = dyn.initial_state(p, ens.structure)
    _, plain = dyn.advance(st, p, ens.structure, keys, 1, STEPS + 1, at)
    for n_vars in (4, 4 + a):
        out = np.full((n_vars, p.n_rows, at.size + 2), -7.0)
        st = dyn.initial_state(p, ens.structure)
        _, got = dyn.advance(st, p, ens.structure, keys, 1, STEPS + 1, at, out, 2)
        assert got is out
        assert (out[:, :, :2] == -7.0).all()
        np.testing.assert_array_equal(out[:, :, 2:], plain[:, :, :n_vars].transpose(2, 0, 1))
    st = dyn.initial_state(p, ens.structure)
    small = np.empty((4, p.n_rows, 5))
    with pytest.raises(ValueError, match="no room"):
        dyn.advance(st, p, ens.structure, keys, 1, 3, at, small, 2)
    with pytest.raises(ValueError, match="rows"):
        dyn.advance(st, p, ens.structure, keys, 1, 3, at, np.empty((4, 1, 9)))
