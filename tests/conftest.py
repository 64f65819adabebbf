"""Shared fixtures: scenario loading, a writer of small scenario files, an engine runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coalition_sim.core import week as dyn
from coalition_sim.core.events import EVENT_INDEX
from coalition_sim.scenario.library import resolve_scenario
from coalition_sim.scenario.names import with_values
from coalition_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
SCENARIOS = ("baseline", "max_pressure_2017", "muddling_2020", "regional_six", "summit_2018")

#: A small valid scenario: one leader, one target, one member, three ties.
SMALL_TOML = """\
name = "small"
description = "A three-actor test scenario."
start_date = 2018-01-01
steps = 10
seed = 5

[[actors]]
id = "USA"
name = "United States"
role = "leader"
capability = 0.13
interests = { security = 0.4, economy = 0.1, prestige = 0.4, stability = 0.1 }

[[actors]]
id = "DPRK"
name = "North Korea"
role = "target"
capability = 0.01

[[actors]]
id = "ROK"
name = "South Korea"
role = "member"
capability = 0.02
volatility = 0.2

[[ties]]
a = "USA"
b = "ROK"
type = "treaty_ally"
strength = 0.8

[[ties]]
a = "USA"
b = "DPRK"
type = "adversary"

[[ties]]
a = "ROK"
b = "DPRK"
type = "adversary"

[params.fatigue]
growth = 0.05
"""


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the core once, before the tests, in two processes (``core.jit.warm_up``): on a
    cold cache (a fresh clone, CI) the tests would otherwise compile it lazily in one process,
    and the command-line tests' subprocesses each on their own; on a warm cache this only
    loads it (~0.5 s)."""
    from coalition_sim.core.jit import warm_up

    warm_up()


@cache
def _load(name: str) -> Scenario:
    return resolve_scenario(name)


@pytest.fixture(scope="session")
def scenario() -> Callable[[str], Scenario]:
    """``scenario("summit_2018")``: a shipped scenario, validated (cached; do not mutate)."""
    return _load


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``write_scenario(text=SMALL_TOML, name="small.toml", replace={old: new}, append="")``."""

    def write(
        text: str = SMALL_TOML,
        name: str = "small.toml",
        replace: dict[str, str] | None = None,
        append: str = "",
    ) -> Path:
        for old, new in (replace or {}).items():
            assert old in text, f"test setup: {old!r} not in the scenario text"
            text = text.replace(old, new, 1)
        path = tmp_path / name
        path.write_text(text + append, encoding="utf-8")
        return path

    return write


@dataclass
class EngineRun:
    """The result of :func:`run_engine`: final state, and per-step history if kept."""

    scenario: Scenario
    struct: dyn.Structure
    params: dyn.ParamArrays
    state: dyn.State
    seeds: np.ndarray
    history: list[dyn.State] = field(default_factory=list)
    events: list[dict[str, np.ndarray]] = field(default_factory=list)

    def count(self, kind: str) -> np.ndarray:
        """Per-replicate count of an event kind over the whole run."""
        return self.state.counts[:, EVENT_INDEX[kind]]

    def event_matrix(self, kind: str) -> np.ndarray:
        """(steps, R) bool: when each replicate logged ``kind`` (needs ``keep=True``)."""
        return np.array([ev[kind] for ev in self.events])

    def col(self, actor: str) -> int:
        return self.struct.ids.index(actor)


def run_engine(
    scenario: Scenario | str = "baseline",
    values: dict[str, Any] | None = None,
    *,
    reps: int = 400,
    steps: int | None = None,
    seeds: np.ndarray | list[int] | None = None,
    setup: Callable[[dyn.State, dyn.ParamArrays, dyn.Structure], None] | None = None,
    keep: bool = False,
) -> EngineRun:
    """Run the vectorised engine ``core.week.step`` over R replicates (seeds 0..R-1 unless
    ``seeds`` is given) for ``steps`` weeks, with ``values`` set via ``with_values``.

    ``setup(state, params, struct)`` may edit the initial state; ``keep`` stores a copy of the
    state and the events after every step.
    """
    scn = scenario if isinstance(scenario, Scenario) else _load(scenario)
    if values:
        scn = with_values(scn, values)
    seeds = np.arange(reps) if seeds is None else np.asarray(seeds)
    struct = dyn.Structure.from_scenario(scn)
    params = dyn.compile_params(scn, rows=len(seeds))
    state = dyn.initial_state(params, struct)
    if setup is not None:
        setup(state, params, struct)
    keys = dyn.make_keys(seeds.astype(np.uint64))
    out = EngineRun(scn, struct, params, state, seeds)
    for t in range(1, (scn.steps if steps is None else steps) + 1):
        events = dyn.step(state, params, struct, t, keys)
        if keep:
            out.history.append(state.copy())
            out.events.append({k: v.copy() for k, v in events.items()})
    return out
