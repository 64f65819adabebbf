"""Fair serving (issue 23, item 2): a budget per request, decimated trajectories, short
kernel slices that change no number, one heavy request per session, a run-length limit.

The latency and memory figures are measured by ``benchmarks/bench_serving.py`` (README), not
asserted here: timings on a shared machine are noise.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from coalition_sim.engine.ensemble import run_ensemble
from coalition_sim.scenario.library import resolve_scenario
from coalition_sim.scenario.names import with_values
from coalition_sim.ui import serving
from coalition_sim.ui.guards import Refused
from coalition_sim.ui.session import Sim, ensemble_views


def test_page_ensemble_gives_the_engine_s_numbers_in_slices(monkeypatch) -> None:
    monkeypatch.setattr(serving, "SLICE_CELLS", 30 * 4 * 5)  # 5 rows per kernel call
    scn = with_values(resolve_scenario("summit_2018"), {"steps": 30})
    ref = run_ensemble(scn, n_replicates=37, seed=11, every=1)
    got = serving.page_ensemble(scn, 37, 11)
    pd.testing.assert_frame_equal(got.final, ref.final)
    pd.testing.assert_series_equal(got.probabilities, ref.probabilities)
    np.testing.assert_array_equal(got.seeds, ref.seeds)
    traj = ref.trajectories
    steps = np.unique(traj["step"].to_numpy())
    np.testing.assert_array_equal(got.steps, steps)
    for m in ("effective_pressure", "cohesion"):
        np.testing.assert_array_equal(got.values[m], traj[m].to_numpy().reshape(37, steps.size))


def test_page_ensemble_with_the_posterior_matches_the_engine(tmp_path) -> None:
    from coalition_sim.engine.posterior import model_fingerprint, save_posterior

    post = save_posterior(
        tmp_path / "p.parquet", ["params.fatigue.growth"], np.array([[0.0], [0.1], [0.2]]),
        np.array([0.2, 0.3, 0.5]), {"model_fingerprint": model_fingerprint()},
    )  # fmt: skip
    scn = with_values(resolve_scenario("baseline"), {"steps": 12})
    ref = run_ensemble(scn, n_replicates=9, seed=4, every=1, posterior=post)
    got = serving.page_ensemble(scn, 9, 4, posterior=post)
    pd.testing.assert_frame_equal(got.final, ref.final)


def test_long_runs_are_decimated_for_display(monkeypatch) -> None:
    monkeypatch.setattr(serving, "PAGE_BUDGET", 10**9)
    scn = with_values(resolve_scenario("summit_2018"), {"steps": 500})
    got = serving.page_ensemble(scn, 3, 1)
    assert got.steps[0] == 0 and got.steps[-1] == 500
    assert got.steps.size <= serving.MAX_FAN_POINTS + 2
    assert got.values["cohesion"].shape == (3, got.steps.size)


def test_requests_over_the_budget_are_refused_in_one_line() -> None:
    scn = resolve_scenario("baseline")  # 104 weeks x 4 actors
    most = serving.max_replicates(scn)
    assert most == serving.PAGE_BUDGET // (104 * 4)
    serving.check_request(scn, most)
    with pytest.raises(Refused) as exc:
        serving.check_request(scn, most + 1)
    text = str(exc.value)
    assert "\n" not in text and f"{most:,} replicates" in text and "5,000,000" in text
    with pytest.raises(Refused, match="per arm"):
        serving.check_request(scn, most, arms=2)
    assert f"At most {most:,} replicates" in serving.budget_note(scn)


def test_the_session_memory_ceiling_is_a_second_line(monkeypatch) -> None:
    monkeypatch.setattr(serving, "SESSION_MEMORY", 2**20)
    with pytest.raises(Refused, match="MB a page session may use"):
        serving.check_request(resolve_scenario("summit_2018"), 5000)


def test_a_page_run_longer_than_the_budget_is_refused() -> None:
    """``set=steps=5200&week=5200`` in six tabs stalled everyone's page on main."""
    with pytest.raises(Refused, match="the page runs at most"):
        Sim.build("baseline", {"steps": 5200}, None)
    sim = Sim.build("baseline", {"steps": serving.RUN_BUDGET // 4}, None)
    assert sim.model.n_steps == serving.RUN_BUDGET // 4


def test_one_heavy_request_per_session_and_others_queue() -> None:
    entered, release = threading.Event(), threading.Event()
    order: list[str] = []

    waits: dict[str, list[bool]] = {"1": [], "2": []}

    def first() -> None:
        with serving.heavy("tab-1", on_wait=waits["1"].append):
            order.append("1")
            entered.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    assert entered.wait(10)
    with pytest.raises(Refused, match="already running a request"), serving.heavy("tab-1"):
        pass

    def second() -> None:
        # waits for the slot instead of failing, and says it waits (the page shows it)
        with serving.heavy("tab-2", on_wait=waits["2"].append):
            order.append("2")

    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(0.3)
    assert order == ["1"]  # still queued behind tab-1
    assert waits == {"1": [], "2": [True]}
    assert "waiting" in serving.busy_note(True) and serving.busy_note(False) == "running\u2026"
    release.set()
    t.join(10)
    t2.join(10)
    assert order == ["1", "2"]
    assert waits == {"1": [], "2": [True, False]}
    with serving.heavy("tab-1"):  # free again once done
        pass


def test_ensemble_views_refuses_over_budget_and_draws_decimated_fans() -> None:
    sim = Sim.build("summit_2018", {}, None)
    with pytest.raises(Refused):
        ensemble_views(sim, serving.PAGE_BUDGET // (52 * 4) + 1)
    out = ensemble_views(sim, 20, session="t")
    assert out["n"] == 20 and out["weeks"] == sim.model.n_steps
    assert len(out["fans"]) == 2 and all("<svg" in svg for _, svg in out["fans"])


def test_small_requests_trim_the_heap_and_large_ones_also_collect(monkeypatch) -> None:
    """A full collection (0.1-0.2 s of the GIL in a server) follows only a request that held
    FULL_RELEASE_BYTES or more; every request trims the C heap."""
    calls: list[str] = []
    monkeypatch.setattr(serving.gc, "collect", lambda *a: calls.append("collect") or 0)
    scn = resolve_scenario("baseline")
    small = serving.request_bytes(scn, 500)
    large = serving.request_bytes(scn, serving.max_replicates(scn))
    assert small < serving.FULL_RELEASE_BYTES <= large
    with serving.heavy("tab-s", small):
        pass
    assert calls == []
    with serving.heavy("tab-l", large):
        pass
    assert calls == ["collect"]
    with serving.heavy("tab-u"):  # size unknown: collect
        pass
    assert calls == ["collect", "collect"]


def test_the_budget_note_names_the_limit_that_binds() -> None:
    """20,000 replicates of the 52-week summit_2018 were explained by the 5,000,000-cell limit,
    which allows 24,038 of them: the page's 20,000 ceiling is what binds there."""
    short = resolve_scenario("summit_2018")  # 52 weeks x 4 actors
    note = serving.budget_note(short)
    assert note.startswith("At most 20,000 replicates for this scenario: the page's ceiling")
    assert "would allow 24,038 for 52 weeks \u00d7 4 actors)." in note, note
    per_arm = serving.budget_note(short, arms=2)  # 12,019 per arm: the cells bind
    assert per_arm.startswith("At most 12,019 replicates per arm for this scenario: each ")
    assert "ceiling" not in serving.budget_note(resolve_scenario("baseline"))


def test_a_page_s_second_request_waits_for_its_first_and_says_so():
    """Compare pressed while the same page's Ensemble ran was refused: 'this page is already
    running a request; wait for it to finish' stayed on screen after the ensemble had ended,
    and the comparison never ran. The page's panels now wait their turn, saying they wait."""
    entered, release = threading.Event(), threading.Event()
    order: list[str] = []
    waits: list[bool] = []

    def first() -> None:
        with serving.heavy("tab-own"):
            order.append("ensemble")
            entered.set()
            release.wait(10)

    def second() -> None:
        with serving.heavy("tab-own", on_wait=waits.append, wait_own=True):
            order.append("compare")

    t = threading.Thread(target=first)
    t.start()
    assert entered.wait(10)
    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(0.3)
    assert order == ["ensemble"] and waits == [True]  # waiting, and said so
    assert "this page's other panel" in serving.busy_note(True)
    release.set()
    t.join(10)
    t2.join(10)
    assert order == ["ensemble", "compare"] and waits == [True, False]
    with serving.heavy("tab-own"):  # free again once both are done: entered at once
        order.append("again")
    assert order[-1] == "again"


def test_a_closed_tab_s_queued_request_leaves_the_queue_unrun() -> None:
    """A tab closed while its comparison waited behind another page's request still ran it
    when its turn came (~2 s of a core for nobody), and the next visitor waited behind it."""
    entered, release = threading.Event(), threading.Event()
    ran: list[str] = []
    outcome: list[str] = []

    def other_page() -> None:
        with serving.heavy("tab-busy"):
            entered.set()
            release.wait(10)

    def closing_page() -> None:
        try:
            with serving.heavy("tab-gone", on_wait=lambda _w: None):
                ran.append("tab-gone")
        except serving.Cancelled:
            outcome.append("cancelled")

    t = threading.Thread(target=other_page)
    t.start()
    assert entered.wait(10)
    t2 = threading.Thread(target=closing_page)
    t2.start()
    t2.join(0.2)
    assert t2.is_alive()  # queued behind the other page's request
    serving.close_session("tab-gone")  # its tab closes
    t2.join(5)
    assert not t2.is_alive() and outcome == ["cancelled"] and ran == []
    release.set()
    t.join(10)
    # the slot is free, and the closed session is forgotten with its last request
    assert not serving._CLOSED and not serving._PENDING
    with serving.heavy("tab-gone"):  # the same id (a reused kernel) runs again
        ran.append("again")
    assert ran == ["again"]
    serving.close_session("tab-idle")  # a tab closing with nothing pending leaves no trace
    assert not serving._CLOSED


def test_a_closed_tab_s_ensemble_stops_between_slices(monkeypatch) -> None:
    monkeypatch.setattr(serving, "SLICE_CELLS", 30 * 4 * 5)  # 5 rows per kernel call
    scn = with_values(resolve_scenario("summit_2018"), {"steps": 30})
    done: list[int] = []

    def on_slice(rows: int) -> None:
        done.append(rows)
        if rows == 10:
            serving.close_session("tab-slices")  # the tab closes during the third slice

    with pytest.raises(serving.Cancelled), serving.heavy("tab-slices"):
        serving.page_ensemble(scn, 40, 3, on_slice=on_slice, session="tab-slices")
    assert done == [5, 10]  # 2 of 8 slices, not all of them
    assert not serving._CLOSED


def test_a_closed_tab_s_comparison_skips_its_intervals(monkeypatch) -> None:
    """Compare runs the arms in one engine call; the check comes before each stage, so a
    closed tab's comparison is spared the bootstrap (about half of its time)."""
    from coalition_sim.experiments import compare as compare_module
    from coalition_sim.ui.compare_panel import compare_views
    from coalition_sim.ui.state import CompareLink

    stages: list[str] = []
    real = compare_module.Ensemble.run

    def run_then_close(self, *args, **kwargs):
        stages.append("arms")
        serving.close_session("tab-cmp")  # the tab closes while the arms run
        return real(self, *args, **kwargs)

    monkeypatch.setattr(compare_module.Ensemble, "run", run_then_close)
    monkeypatch.setattr(
        compare_module.CompareResult, "effects", lambda *a, **k: stages.append("intervals")
    )
    sim = Sim.build("summit_2018", {}, None)
    link = CompareLink("actors.USA.hedging", 0.8, 0.0, 20)
    with pytest.raises(serving.Cancelled), serving.heavy("tab-cmp"):
        compare_views(sim, False, link, session="tab-cmp")
    assert stages == ["arms"]


def test_the_tab_s_close_hook_stops_its_requests(monkeypatch) -> None:
    monkeypatch.setattr(serving.solara, "get_kernel_id", lambda **_: "tab-hook")
    monkeypatch.setattr(serving, "release_memory", lambda full=True: None)
    closed = serving._on_kernel_start()
    with pytest.raises(serving.Cancelled), serving.heavy("tab-hook"):
        closed()  # what the framework calls when the tab's session ends
        serving.check_open("tab-hook")


def test_a_long_ensemble_says_how_far_it_has_got(monkeypatch) -> None:
    """The largest ensembles said "running..." and nothing else for their seconds (more when
    queued, or under load); the panel now counts the replicates done, slice by slice."""
    monkeypatch.setattr(serving, "SLICE_CELLS", 52 * 4 * 8)  # 8 rows per kernel call
    sim = Sim.build("summit_2018", {}, None)
    heard: list[int] = []
    ensemble_views(sim, 20, session="tab-progress", on_slice=heard.append)
    assert heard == [8, 16, 20]
    assert serving.busy_note(False, 8, 20) == "running\u2026 8 of 20 replicates (40%)"
    assert serving.busy_note(False, 4_805, 12_019).endswith("4,805 of 12,019 replicates (40%)")
    # nothing counted yet, or all done (the result follows): no count
    assert serving.busy_note(False, 0, 20) == serving.busy_note(False, 20, 20) == "running\u2026"
    assert serving.busy_note(True, 8, 20).startswith("waiting")


def test_the_page_s_stop_ends_its_own_request_and_no_other(monkeypatch) -> None:
    """The largest ensembles take seconds (under load, tens of seconds) and could not be
    stopped: the page's Stop sets its request's event, and the run ends at its next slice."""
    monkeypatch.setattr(serving, "SLICE_CELLS", 30 * 4 * 5)  # 5 rows per kernel call
    scn = with_values(resolve_scenario("summit_2018"), {"steps": 30})
    stop = threading.Event()
    done: list[int] = []

    def on_slice(rows: int) -> None:
        done.append(rows)
        if rows == 5:
            stop.set()  # Stop pressed during the second slice

    with pytest.raises(serving.Cancelled, match="stopped"), serving.heavy("tab-stop", stop=stop):
        serving.page_ensemble(scn, 40, 3, on_slice=on_slice, session="tab-stop", stop=stop)
    assert done == [5]
    # the session is not closed: its next request runs; a stopped request queued never starts
    with serving.heavy("tab-stop"):
        done.append(0)
    assert done == [5, 0]
    with pytest.raises(serving.Cancelled), serving.heavy("tab-stop", stop=stop):
        done.append(-1)
    assert done == [5, 0]


def test_the_stopped_note_says_how_far_it_got_and_shows_nothing() -> None:
    from coalition_sim.ui.ensemble_panel import stopped_note

    assert stopped_note(5_769, 8_012).startswith("Stopped after 5,769 of 8,012 replicates; ")
    assert "shows nothing" in stopped_note(5_769, 8_012)
    assert stopped_note(0, 8_012).startswith("Stopped before its first replicates; ")


def test_the_compare_panel_s_stop_skips_the_intervals(monkeypatch) -> None:
    from coalition_sim.experiments import compare as compare_module
    from coalition_sim.ui.compare_panel import compare_views
    from coalition_sim.ui.state import CompareLink

    stop = threading.Event()
    stages: list[str] = []
    real = compare_module.Ensemble.run

    def run_then_stop(self, *args, **kwargs):
        stages.append("arms")
        stop.set()  # Stop pressed while the arms run
        return real(self, *args, **kwargs)

    monkeypatch.setattr(compare_module.Ensemble, "run", run_then_stop)
    monkeypatch.setattr(
        compare_module.CompareResult, "effects", lambda *a, **k: stages.append("intervals")
    )
    sim = Sim.build("summit_2018", {}, None)
    link = CompareLink("actors.USA.hedging", 0.8, 0.0, 20)
    with pytest.raises(serving.Cancelled, match="stopped"), serving.heavy("tab-cs", stop=stop):
        compare_views(sim, False, link, session="tab-cs", stop=stop)
    assert stages == ["arms"]


def test_a_comparison_stopped_during_its_intervals_shows_nothing(monkeypatch) -> None:
    from coalition_sim.experiments import compare as compare_module
    from coalition_sim.ui.compare_panel import compare_views
    from coalition_sim.ui.state import CompareLink

    stop = threading.Event()
    real = compare_module.CompareResult.effects

    def effects_then_stop(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        stop.set()  # Stop pressed while the intervals are computed
        return out

    monkeypatch.setattr(compare_module.CompareResult, "effects", effects_then_stop)
    sim = Sim.build("summit_2018", {}, None)
    link = CompareLink("actors.USA.hedging", 0.8, 0.0, 20)
    with pytest.raises(serving.Cancelled, match="stopped"), serving.heavy("tab-ci", stop=stop):
        compare_views(sim, False, link, session="tab-ci", stop=stop)
