"""Mesa agents: one per state actor, each deciding for its own column of the shared state.

An agent's ``step`` is ``decide`` then ``commit``; the model runs every agent's ``decide``
before any ``commit`` so that the update is simultaneous (no first-mover bias). The rules
themselves live in :mod:`coalition_sim.core.rules` and :mod:`coalition_sim.core.week`, shared with
the ensemble engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..core import week as dyn
from ..scenario.schema import Role

if TYPE_CHECKING:
    from .model import CoalitionModel


class StateActor(mesa.Agent):
    """A state (USA, DPRK, ROK, PRC, ...); its variables are views into the model state."""

    def __init__(self, model: CoalitionModel, index: int, actor_id: str, name: str, role: Role):
        super().__init__(model)
        self.index = index
        self.actor_id = actor_id
        self.name = name
        self.role = role
        self._cols = np.array([index])
        self._plan: dyn.ActorPlan | None = None
        self._role_plan: dyn.TargetPlan | dyn.LeaderPlan | None = None

    # ----------------------------------------------------------------- the agent's week
    def decide(self) -> None:
        """Form next week's intentions from the frozen state (no writes)."""
        m = self.model
        self._plan = dyn.decide_actors(m.state, m.context, m.packed, m.structure, self._cols)
        if self.role is Role.TARGET:
            self._role_plan = dyn.decide_target(m.state, m.context, m.packed, m.structure)
        elif self.role is Role.LEADER:
            self._role_plan = dyn.decide_leader(m.state, m.context, m.packed, m.structure)

    def commit(self) -> None:
        """Write the intentions into the shared state."""
        st = self.model.state
        assert self._plan is not None, "commit() before decide()"
        dyn.commit_actors(st, self._plan, self._cols)
        if isinstance(self._role_plan, dyn.TargetPlan):
            dyn.commit_target(st, self._role_plan)
        elif isinstance(self._role_plan, dyn.LeaderPlan):
            dyn.commit_leader(st, self._role_plan)
        self._plan = self._role_plan = None

    def step(self) -> None:
        """Decide and commit at once (only for use outside the simultaneous schedule)."""
        self.decide()
        self.commit()

    # ----------------------------------------------------------------- read-only views
    def _get(self, name: str) -> float:
        return float(getattr(self.model.state, name)[0, self.index])

    @property
    def commitment(self) -> float:
        """Commitment to the pressure campaign (for the target: defiance posture)."""
        return self._get("commitment")

    @property
    def engagement(self) -> float:
        return self._get("engagement")

    @property
    def standing(self) -> float:
        return self._get("standing")

    @property
    def reference(self) -> float:
        return self._get("reference")

    @property
    def fatigue(self) -> float:
        return self._get("fatigue")

    @property
    def capability(self) -> float:
        return float(self.model.params.actor.capability[0, self.index])

    @property
    def volatility(self) -> float:
        return float(self.model.params.actor.volatility[0, self.index])

    @property
    def domain(self) -> str:
        """'gains' or 'losses': standing relative to the reference point (prospect theory)."""
        return "losses" if self.standing < self.reference else "gains"

    def __repr__(self) -> str:
        return f"StateActor({self.actor_id}, {self.role.value})"
