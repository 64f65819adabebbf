"""run_ensemble reuses the engine it built only while the scenario's content is unchanged.

The cache (:func:`coalition_sim.engine.ensemble.built_ensemble`) is keyed by content: the
bytes of a scenario file and of every file it ``extends``, or a Scenario object's whole dump.
These tests edit files and objects between calls and check that no call ever sees an old
engine, that cached results equal uncached ones byte for byte, and that bad input fails as
it did before the cache.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_TOML

from coalition_sim.engine import ensemble as E
from coalition_sim.scenario.library import resolve_scenario
from coalition_sim.scenario.loading import ConfigError
from coalition_sim.scenario.schema import Scenario

STEPS = 12
REPS = 16


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    E.clear_built_ensembles()
    yield
    E.clear_built_ensembles()


def stats() -> dict[str, int]:
    """Hit and miss counts so far (the cache is emptied again, so call once per check)."""
    return E.clear_built_ensembles()


def frame_bytes(df: pd.DataFrame | None) -> list[tuple[str, str, bytes]]:
    """A table as (column, dtype, raw bytes) triples: equal lists are equal to the bit."""
    assert df is not None
    return [(str(c), str(df[c].dtype), df[c].to_numpy().tobytes()) for c in df.columns]


def same_run(a: E.EnsembleRun, b: E.EnsembleRun) -> bool:
    return (
        frame_bytes(a.final) == frame_bytes(b.final)
        and frame_bytes(a.trajectories) == frame_bytes(b.trajectories)
        and a.probabilities.to_numpy().tobytes() == b.probabilities.to_numpy().tobytes()
        and a.seeds.tobytes() == b.seeds.tobytes()
        and a.scenario == b.scenario
    )


def run(scenario: Any, **kw: Any) -> E.EnsembleRun:
    return E.run_ensemble(scenario, REPS, steps=STEPS, **kw)


def uncached(scenario: Any, **kw: Any) -> E.EnsembleRun:
    """The same call with an empty cache, and the cache emptied again afterwards."""
    E.clear_built_ensembles()
    out = run(scenario, **kw)
    E.clear_built_ensembles()
    return out


@pytest.mark.parametrize("given", ["name", "path", "object", "none"])
def test_a_cached_call_equals_the_first_byte_for_byte(given: str) -> None:
    scenario: Any = {
        "name": "summit_2018",
        "path": Path("configs/summit_2018.toml").resolve(),
        "object": resolve_scenario("summit_2018"),
        "none": None,
    }[given]
    first = run(scenario)
    second = run(scenario)
    assert stats() == {"hits": 1, "misses": 1, "entries": 1}
    assert same_run(first, second)
    assert same_run(second, uncached(scenario))


def test_no_state_leaks_from_one_call_to_the_next() -> None:
    """Overrides, a posterior-free run and a different replicate count between two equal
    calls change nothing: the shared engine holds no run state."""
    first = run("baseline")
    run("baseline", overrides={"fatigue.growth": 0.11, "actors.ROK.mediation": 0.9})
    E.run_ensemble("baseline", 3, steps=STEPS, seed=99, every=0)
    again = run("baseline")
    assert same_run(first, again)
    ens = E.built_ensemble("baseline", STEPS)
    assert not ens.base.actor.capability.flags.writeable  # an in-place edit would raise
    with pytest.raises(ValueError, match="read-only"):
        ens.base.fatigue.growth[0] = 0.5


def test_an_edited_file_is_read_again(write_scenario: Callable[..., Path]) -> None:
    path = write_scenario()
    first = run(path)
    # same size, mtime put back: the key is the bytes, not the file's metadata
    st = path.stat()
    path.write_text(SMALL_TOML.replace("growth = 0.05", "growth = 0.09"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    edited = run(path)
    assert not same_run(first, edited)
    assert same_run(edited, uncached(path))
    path.write_text(SMALL_TOML, encoding="utf-8")  # back to the first text
    assert same_run(run(path), first)


def test_an_edit_only_in_an_extended_parent_is_read_again(tmp_path: Path) -> None:
    (tmp_path / "parent.toml").write_text(SMALL_TOML, encoding="utf-8")
    (tmp_path / "mid.toml").write_text('extends = "parent.toml"\nname = "mid"\n', "utf-8")
    child = tmp_path / "child.toml"
    child.write_text('extends = "mid.toml"\nname = "child"\n', encoding="utf-8")
    first = run(child)
    assert same_run(run(child), first)
    (tmp_path / "parent.toml").write_text(SMALL_TOML.replace("seed = 5", "seed = 6"), "utf-8")
    edited = run(child)
    assert edited.seeds.tobytes() != first.seeds.tobytes()
    assert same_run(edited, uncached(child))
    # the parent named by a symlink, retargeted: the bytes read now decide
    other = tmp_path / "other.toml"
    other.write_text(SMALL_TOML.replace("growth = 0.05", "growth = 0.1"), encoding="utf-8")
    (tmp_path / "mid.toml").write_text('extends = "link.toml"\nname = "mid"\n', "utf-8")
    (tmp_path / "link.toml").symlink_to(tmp_path / "parent.toml")
    via_link = run(child)
    assert same_run(via_link, edited)
    (tmp_path / "link.toml").unlink()
    (tmp_path / "link.toml").symlink_to(other)
    retargeted = run(child)
    assert not same_run(retargeted, via_link)
    assert same_run(retargeted, uncached(child))


def test_a_file_made_invalid_fails_as_it_would_uncached(tmp_path: Path) -> None:
    (tmp_path / "parent.toml").write_text(SMALL_TOML, encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "child"\n', encoding="utf-8")
    run(child)
    (tmp_path / "parent.toml").write_text(SMALL_TOML.replace("seed = 5", "seed = -1"), "utf-8")
    with pytest.raises(ConfigError) as cached_err:
        run(child)
    with pytest.raises(ConfigError) as plain_err:
        E.Ensemble(child, steps=STEPS)
    assert str(cached_err.value) == str(plain_err.value)
    (tmp_path / "parent.toml").unlink()
    with pytest.raises(ConfigError, match="no such file"):
        run(child)


def test_a_changed_or_different_scenario_object_misses(scenario: Callable[[str], Scenario]) -> None:
    sc = scenario("baseline").model_copy(deep=True)
    first = run(sc)
    assert same_run(run(scenario("baseline")), first)  # equal content, another object: a hit
    sc.seed = 7  # the caller edits its object after the call...
    seeded = run(sc)
    assert seeded.seeds.tobytes() != first.seeds.tobytes()
    # ...which neither reached the engine built from it (that keeps its own copy) nor hit it
    assert same_run(run(scenario("baseline")), first)
    assert stats() == {"hits": 2, "misses": 2, "entries": 2}
    sc.params.fatigue.growth = 0.11  # in place, deep inside
    grown = run(sc)
    assert not same_run(grown, seeded)
    assert same_run(grown, uncached(sc))
    sc.actors[2].mediation = 0.9
    assert same_run(run(sc), uncached(sc))


def test_the_engine_keeps_its_own_copy_of_a_scenario_object(
    scenario: Callable[[str], Scenario],
) -> None:
    """Without ``steps`` the engine would hold the very object it was given (no validated
    copy is made), so an edit of the caller's object after the call must not reach the entry
    that a later call with the first content hits."""
    sc = scenario("baseline").model_copy(deep=True)
    first = E.run_ensemble(sc, REPS, every=0)
    sc.seed, sc.name = 7, "edited"
    again = E.run_ensemble(scenario("baseline"), REPS, every=0)
    assert stats()["hits"] == 1
    assert again.scenario == "baseline"
    assert again.seeds.tobytes() == first.seeds.tobytes()
    assert frame_bytes(again.final) == frame_bytes(first.final)


def test_steps_and_the_scenario_are_both_in_the_key() -> None:
    a = E.run_ensemble("baseline", REPS, steps=5)
    b = E.run_ensemble("baseline", REPS, steps=6)
    c = E.run_ensemble("summit_2018", REPS, steps=5)
    assert int(a.trajectories["step"].max()) == 5 and int(b.trajectories["step"].max()) == 6
    assert c.scenario == "summit_2018" and a.scenario == "baseline"
    assert stats()["misses"] == 3


def test_the_cache_is_bounded() -> None:
    for steps in range(1, E.BUILT_LIMIT + 6):
        E.built_ensemble("baseline", steps)
    assert stats() == {"hits": 0, "misses": E.BUILT_LIMIT + 5, "entries": E.BUILT_LIMIT}


def _fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    return fifo


BAD_INPUTS: dict[str, Callable[[Path], tuple[Any, Any]]] = {
    "missing file": lambda d: (d / "nope.toml", STEPS),
    "unknown name": lambda d: ("no_such_scenario", STEPS),
    "a folder": lambda d: (d, STEPS),
    "a FIFO": lambda d: (_fifo(d), STEPS),
    "malformed TOML": lambda d: (_write(d, "bad.toml", "name = [\n"), STEPS),
    "extends cycle": lambda d: (_write(d, "loop.toml", 'extends = "loop.toml"\n'), STEPS),
    "NUL in the name": lambda d: ("base\x00line", STEPS),
    "steps zero": lambda d: ("baseline", 0),
    "steps too many": lambda d: ("baseline", 10**6),
    "steps a float": lambda d: ("baseline", 1.5),
    "steps a bool": lambda d: ("baseline", True),
    "steps a string": lambda d: ("baseline", "twelve"),
    "steps as text": lambda d: ("baseline", "12"),
    "object with bad steps": lambda d: (resolve_scenario("baseline"), -3),
    "not a scenario": lambda d: (12345, STEPS),
}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _outcome(call: Callable[[], Any]) -> tuple[str, str]:
    try:
        out = call()
    except Exception as exc:  # the error itself is what is compared
        return type(exc).__name__, str(exc)
    return "ok", str(np.asarray(out.final["effective_pressure"]).tobytes())


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_as_it_did_before_the_cache(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call twice with the cache, then as run_ensemble was before it (an engine built
    afresh every call): the same error, word for word (or, for input that happens to be
    accepted, such as steps given as the text "12", the same numbers)."""
    scenario, steps = BAD_INPUTS[case](tmp_path)
    first = _outcome(lambda: E.run_ensemble(scenario, REPS, steps=steps))
    second = _outcome(lambda: E.run_ensemble(scenario, REPS, steps=steps))
    assert stats()["hits"] == 0
    with monkeypatch.context() as m:
        m.setattr(E, "built_ensemble", lambda sc, steps=None: E.Ensemble(sc, steps=steps))
        before = _outcome(lambda: E.run_ensemble(scenario, REPS, steps=steps))
    assert first == second == before
    assert before[0] != "ok" or case == "steps as text"


def _copying(m: pytest.MonkeyPatch) -> None:
    """run_ensemble as it was: every call copies the base set (``params``)."""
    m.setattr(E.Ensemble, "shared_point", lambda self, r: self.params(replicates=r))


@pytest.mark.parametrize("scenario", ["baseline", "summit_2018"])
def test_a_run_without_overrides_shares_the_base_and_gives_the_same_bytes(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = run(scenario, seed=5)
    ens = E.built_ensemble(scenario, STEPS)
    p = ens.shared_point(REPS)
    assert p.actor.capability is ens.base.actor.capability  # no copy
    assert p.n_rows == REPS and p.n_stored == ens.base.n_stored
    with monkeypatch.context() as m:
        _copying(m)
        copied = run(scenario, seed=5)
    assert same_run(shared, copied)
    assert same_run(run(scenario, seed=5), shared)  # the shared base is left as it was


@pytest.mark.parametrize("replicates", [0, -2, 2.5, "3", None])
def test_bad_replicates_fail_as_with_a_copy(
    replicates: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = _outcome(lambda: E.run_ensemble("baseline", replicates, steps=STEPS))
    with monkeypatch.context() as m:
        _copying(m)
        before = _outcome(lambda: E.run_ensemble("baseline", replicates, steps=STEPS))
    assert now == before and now[0] != "ok"
