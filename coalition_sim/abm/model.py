"""The Mesa model of the coalition around the US-North Korea standoff.

``CoalitionModel()`` builds the baseline scenario; ``CoalitionModel("summit_2018", rng=7)``
a named scenario with seed 7; keyword parameters override the scenario. Python keywords
cannot hold dots, so each ``__`` stands for one dot of the parameter's dotted name
(:func:`coalition_sim.scenario.names.name_of_kwarg`): ``fatigue__growth`` is
``params.fatigue.growth`` and ``actors__ROK__volatility`` is ``actors.ROK.volatility``
(``CoalitionModel(fatigue__growth=0.1, actors__ROK__volatility=0.4)``), which is what
``mesa.batch_run`` passes.

Besides the weekly state, the DataCollector's model reporters carry the run's outcome flags
so far (``summit_held``, ..., see :data:`coalition_sim.core.events.OUTCOMES`) and its event
counts (``n_<event>``), so ``mesa.batch_run`` rows hold what a user asks of a run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from ..core import week as dyn
from ..core.events import EVENT_KINDS, OUTCOMES
from ..core.warmup import prepare_model
from ..scenario.errors import ConfigError
from ..scenario.library import resolve_scenario
from ..scenario.names import name_of_kwarg, with_values
from ..scenario.schema import Scenario
from ..scenario.seeds import SEED_LIMIT, whole_number
from .agents import StateActor
from .network import build_graph, sync_strengths, tie_label

__all__ = ["CoalitionModel"]


class CoalitionModel(mesa.Model):
    """US, DPRK, ROK, PRC (and any actors a scenario adds) on an evolving alliance graph."""

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        rng: int | np.random.Generator | None = None,
        steps: int | None = None,
        **params: Any,
    ) -> None:
        scn = resolve_scenario(scenario)
        if params:
            scn = with_values(scn, {name_of_kwarg(k): v for k, v in params.items()})
        if steps is not None:  # 3.0 was taken as 3, as run_ensemble's steps is not
            scn = with_values(scn, {"steps": whole_number(steps, "steps", 1, unit="weeks")})
        seed = _seed_from(rng, scn.seed)
        prepare_model()  # the first model on a machine compiles the core first, saying so
        super().__init__(rng=seed)
        self.scenario_spec = scn
        self.seed = seed
        self.n_steps = scn.steps
        self.structure = dyn.Structure.from_scenario(scn)
        self.params = dyn.compile_params(scn, rows=1)
        # packed once: the parameters are fixed for the run (set them through the scenario or
        # keyword arguments, not by editing ``params`` in place)
        self.packed = dyn.pack(self.params)
        self.keys = dyn.make_keys(np.array([seed], dtype=np.uint64))
        self.state = dyn.initial_state(self.params, self.structure)
        self.context: dyn.Context | None = None
        self.graph = build_graph(scn)
        self.event_log: list[dict[str, Any]] = []
        self._outcomes: dict[str, bool] = {}
        self._outcomes_key = b""

        StateActor.create_agents(
            self,
            len(scn.actors),
            index=list(range(len(scn.actors))),
            actor_id=[a.id for a in scn.actors],
            name=[a.name for a in scn.actors],
            role=[a.role for a in scn.actors],
        )
        self.actors: dict[str, StateActor] = {a.actor_id: a for a in self.agents}
        self.datacollector = mesa.DataCollector(
            model_reporters=self._model_reporters(),
            agent_reporters={
                "actor": "actor_id",
                "commitment": "commitment",
                "engagement": "engagement",
                "standing": "standing",
                "reference": "reference",
                "fatigue": "fatigue",
            },
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """Observe; every agent decides; every agent commits; the model resolves the week."""
        t = self.steps
        self.context = dyn.observe(self.state, self.packed, self.structure, t, self.keys)
        self.agents.shuffle_do("decide")
        self.agents.do("commit")
        events = dyn.resolve_world(self.state, self.context, self.packed, self.structure)
        self._log(events, t)
        sync_strengths(self.graph, self.structure.ids, self.state.strength[0])
        self.datacollector.collect(self)
        if t >= self.n_steps:
            self.running = False

    def run(self, steps: int | None = None) -> CoalitionModel:
        """Run to the scenario's end (or ``steps`` more weeks, a whole number from 0)."""
        if steps is not None:  # -2 ran nothing and True one week, without a word
            whole_number(steps, "steps", 0, unit="weeks")
        for _ in range(self.n_steps - self.steps if steps is None else steps):
            self.step()
        return self

    # ------------------------------------------------------------------ reporters
    @property
    def date(self) -> dt.date:
        return self.structure.date_of(self.steps)

    @property
    def cohesion(self) -> float:
        return float(self.state.metrics["cohesion"][0])

    @property
    def effective_pressure(self) -> float:
        return float(self.state.metrics["effective_pressure"][0])

    @property
    def us_isolation(self) -> float:
        return float(self.state.metrics["us_isolation"][0])

    @property
    def dprk_mode(self) -> str:
        return dyn.Mode(int(self.state.mode[0])).name.lower()

    @property
    def summit_state(self) -> str:
        return dyn.SummitState(int(self.state.summit[0])).name.lower()

    @property
    def us_posture(self) -> str:
        return dyn.Posture(int(self.state.posture[0])).name.lower()

    @property
    def leader_domain(self) -> str:
        ld = self.structure.leader
        gap = self.state.standing[0, ld] - self.state.reference[0, ld]
        return "losses" if gap < 0 else "gains"

    @property
    def weeks_to_election(self) -> int:
        return self.structure.weeks_to_election(self.steps)

    def _model_reporters(self) -> dict[str, Any]:
        reporters: dict[str, Any] = {
            "date": lambda m: m.date.isoformat(),
            "cohesion": "cohesion",
            "effective_pressure": "effective_pressure",
            "us_isolation": "us_isolation",
            "tension": lambda m: float(m.state.tension[0]),
            "dprk_mode": "dprk_mode",
            "summit_state": "summit_state",
            "us_posture": "us_posture",
            "leader_domain": "leader_domain",
            "dprk_relief": lambda m: float(m.state.relief[0]),
            "dprk_prestige": lambda m: float(m.state.prestige[0]),
            "dprk_security": lambda m: float(m.state.security[0]),
        }
        ids = self.structure.ids
        for a, b in self.graph.edges():
            i, j = ids.index(a), ids.index(b)
            reporters[tie_label(a, b)] = lambda m, i=i, j=j: float(m.state.strength[0, i, j])
        for name in OUTCOMES:
            reporters[name] = lambda m, name=name: m.outcomes()[name]
        for k, name in enumerate(EVENT_KINDS):
            reporters[f"n_{name}"] = lambda m, k=k: int(m.state.counts[0, k])
        return reporters

    def state_columns(self) -> list[str]:
        """Model-reporter columns of the weekly state (not outcome flags or event counts)."""
        extra = {*OUTCOMES, *(f"n_{name}" for name in EVENT_KINDS)}
        return [k for k in self.datacollector.model_reporters if k not in extra]

    # ------------------------------------------------------------------ events and summary
    def _log(self, events: dict[str, np.ndarray], t: int) -> None:
        date = self.structure.date_of(t).isoformat()
        ids = self.structure.ids
        st = self.state
        pair = f"{ids[self.structure.leader]}-{ids[self.structure.target]}"
        actor_of = {
            "summit_proposed": pair,
            "summit_lapsed": pair,
            "summit_revived": pair,
            "summit_held": pair,
            "agreement": pair,
            "no_deal": pair,
            "military_crisis": pair,
            "summit_scheduled": ids[self.structure.leader],
            "unconsulted_decision": ids[self.structure.leader],
            "conventional_test": ids[self.structure.target],
            "strategic_test": ids[self.structure.target],
            "mode_influence": ids[self.structure.target],
            "mode_autonomy": ids[self.structure.target],
            "us_compromise": ids[self.structure.leader],
            "us_sideline": ids[self.structure.leader],
            "us_escalate": ids[self.structure.leader],
            "us_isolated": ids[self.structure.leader],
        }
        per_actor = {
            "outburst_counterpart": st.outburst_counterpart[0],
            "outburst_third_party": st.outburst_third_party[0],
            "policy_shift": st.shift[0],
        }
        for name in EVENT_KINDS:
            if not events[name][0]:
                continue
            if name in per_actor:
                for i in np.flatnonzero(per_actor[name]):
                    self._add_event(t, date, ids[i], name, "")
                continue
            actor, details = actor_of.get(name, ""), ""
            if name == "summit_cancelled":
                actor = ids[int(st.canceller[0])]
                details = "hedged: door left open" if st.hedged[0] else "closed"
            elif name == "scheduled_event":
                due = self.structure.events.get(t, ())
                details = "; ".join(f"{e.kind.value} {e.note}".strip() for e in due)
                # the actors the due events name (a shock's), once each, in the events' order
                actor = "; ".join(dict.fromkeys(e.actor for e in due if e.actor))
            self._add_event(t, date, actor, name, details)

    def _add_event(self, t: int, date: str, actor: str, event: str, details: str) -> None:
        self.event_log.append(
            {"step": t, "date": date, "actor": actor, "event": event, "details": details}
        )

    def events_frame(self) -> pd.DataFrame:
        """The event log so far as a table (``step``, ``date``, ``actor``, ``event``,
        ``details``; one row per event, in order): the rows ``events.csv`` holds."""
        from .outputs import event_table

        return event_table(self)

    def outcomes(self) -> dict[str, bool]:
        """Outcome flags of the run so far (recomputed only when an event counter moved)."""
        key = self.state.counts[0].tobytes()
        if key != self._outcomes_key:
            self._outcomes = {k: bool(v[0]) for k, v in dyn.outcomes(self.state).items()}
            self._outcomes_key = key
        return dict(self._outcomes)

    def summary(self) -> dict[str, Any]:
        """Outcome flags, event counts and final state of this run (JSON-ready)."""
        st = self.state
        return {
            "scenario": self.scenario_spec.name,
            "seed": self.seed,
            "steps": int(self.steps),
            "start_date": self.structure.start_date.isoformat(),
            "end_date": self.date.isoformat(),
            "outcomes": self.outcomes(),
            "event_counts": {k: int(st.counts[0, i]) for i, k in enumerate(EVENT_KINDS)},
            "final": {
                "cohesion": self.cohesion,
                "effective_pressure": self.effective_pressure,
                "us_isolation": self.us_isolation,
                "tension": float(st.tension[0]),
                "dprk_mode": self.dprk_mode,
                "summit_state": self.summit_state,
                "us_posture": self.us_posture,
                "actors": {
                    a.actor_id: {
                        "commitment": a.commitment,
                        "engagement": a.engagement,
                        "standing": a.standing,
                        "fatigue": a.fatigue,
                    }
                    for a in self.actors.values()
                },
            },
        }


def _seed_from(rng: int | np.random.Generator | None, default: int) -> int:
    """An integer stream seed from Mesa's ``rng`` argument (the scenario's seed if None)."""
    if rng is None:
        return int(default)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, SEED_LIMIT - 1))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and 0 <= rng < SEED_LIMIT:
        return int(rng)
    raise ConfigError(f"rng must be an integer in [0, 2**63) or a numpy Generator, not {rng!r}")
