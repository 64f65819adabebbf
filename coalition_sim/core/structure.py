"""The structure record: what every replicate of one engine shares (actors, roles, tie types,
calendar and scheduled events), and the same as the compiled phases read it
(:attr:`Structure.kernel`, a named tuple of arrays)."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..scenario.schema import TIE_TYPES, EventKind, Role, Scenario
from .codes import Mode, ScheduledKind, TieKind
from .streams import week_slot_keys

__all__ = ["Kernel", "Structure"]

_SCHEDULED_KINDS = {
    EventKind.SUMMIT_PROPOSAL: ScheduledKind.PROPOSAL,
    EventKind.STRATEGIC_TEST: ScheduledKind.STRATEGIC,
    EventKind.CONVENTIONAL_TEST: ScheduledKind.CONVENTIONAL,
    EventKind.DPRK_MODE: ScheduledKind.MODE,
    EventKind.SHOCK: ScheduledKind.SHOCK,
}
#: State variables a scheduled ``shock`` may move (``Kernel.ev_var`` indexes this tuple).
SHOCK_VARIABLES = ("commitment", "engagement", "standing", "anchor")

#: Fields of the kernel's structure record (numba reads it as a named tuple).
Kernel = namedtuple(
    "Kernel",
    "tie_type coalition partners pairs leader_allies patrons leader target election_steps "
    "pandemic_start ev_step ev_kind ev_mode ev_var ev_actor ev_value week_slots",
)


@dataclass(frozen=True)
class Structure:
    """What every replicate of one engine shares: actors, tie types, calendar and events."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    roles: tuple[Role, ...]
    leader: int
    target: int
    tie_type: np.ndarray  # (A, A) int8, -1 = no tie, else index into TIE_TYPES
    coalition: np.ndarray  # (A,) float 1.0 for non-target actors
    partners: np.ndarray  # (A,) float 1.0 for coalition actors other than the leader
    coalition_pairs: np.ndarray  # (n, 2) tied coalition pairs i < j
    coalition_mask: np.ndarray  # (A, A) bool: tied coalition pairs (both directions)
    leader_allies: np.ndarray  # (A,) bool: treaty allies of the leader
    patrons: np.ndarray  # (A,) bool: treaty allies or partners of the target
    start_date: dt.date
    election_steps: np.ndarray  # steps (1-based) in which a US election falls
    pandemic_start: int  # step in which the pandemic starts; huge if none
    events: dict[int, tuple[Any, ...]]  # step -> scheduled events

    @property
    def n_actors(self) -> int:
        return len(self.ids)

    @property
    def cols(self) -> np.ndarray:
        return np.arange(self.n_actors)

    @classmethod
    def from_scenario(cls, scn: Scenario) -> Structure:
        ids = tuple(scn.actor_ids)
        index = {a: i for i, a in enumerate(ids)}
        n = len(ids)
        roles = tuple(a.role for a in scn.actors)
        leader = roles.index(Role.LEADER)
        target = roles.index(Role.TARGET)
        tie_type = np.full((n, n), -1, dtype=np.int8)
        for tie in scn.ties:
            i, j = index[tie.a], index[tie.b]
            tie_type[i, j] = tie_type[j, i] = TIE_TYPES.index(tie.type)
        coalition = np.array([r is not Role.TARGET for r in roles], dtype=np.float64)
        partners = coalition.copy()
        partners[leader] = 0.0
        pairs = [
            (i, j)
            for i in range(n)
            for j in range(i + 1, n)
            if tie_type[i, j] >= 0 and coalition[i] and coalition[j]
        ]
        mask = np.zeros((n, n), dtype=bool)
        for i, j in pairs:
            mask[i, j] = mask[j, i] = True
        ally, partner = int(TieKind.TREATY_ALLY), int(TieKind.PARTNER)
        leader_allies = tie_type[leader] == ally
        patrons = np.isin(tie_type[target], [ally, partner])
        events: dict[int, list[Any]] = {}
        for ev in scn.events:
            events.setdefault(scn.step_of(ev.date), []).append(ev)
        start = scn.clock.pandemic_start
        return cls(
            ids=ids,
            names=tuple(a.name for a in scn.actors),
            roles=roles,
            leader=leader,
            target=target,
            tie_type=tie_type,
            coalition=coalition,
            partners=partners,
            coalition_pairs=np.array(pairs, dtype=np.int64).reshape(-1, 2),
            coalition_mask=mask,
            leader_allies=leader_allies,
            patrons=patrons,
            start_date=scn.start_date,
            election_steps=np.array(
                sorted(scn.step_of(d) for d in scn.clock.us_elections if d >= scn.start_date),
                dtype=np.int64,
            ),
            pandemic_start=scn.step_of(start) if start is not None else 1 << 40,
            events={k: tuple(v) for k, v in events.items()},
        )

    def date_of(self, step: int) -> dt.date:
        return self.start_date + dt.timedelta(weeks=step)

    def weeks_to_election(self, step: int) -> int:
        """Weeks from ``step`` to the next election step (-1 if none is ahead)."""
        ahead = self.election_steps[self.election_steps >= step]
        return int(ahead[0] - step) if ahead.size else -1

    @cached_property
    def kernel(self) -> Any:
        """The structure as the compiled phases read it (a :data:`Kernel` named tuple)."""
        index = {a: i for i, a in enumerate(self.ids)}
        rows = [(t, ev) for t in sorted(self.events) for ev in self.events[t]]
        return Kernel(
            tie_type=self.tie_type.astype(np.int64),
            coalition=self.coalition.astype(np.float64),
            partners=self.partners.astype(np.float64),
            pairs=np.ascontiguousarray(self.coalition_pairs, dtype=np.int64),
            leader_allies=self.leader_allies.astype(np.float64),
            patrons=self.patrons.astype(np.float64),
            leader=int(self.leader),
            target=int(self.target),
            election_steps=self.election_steps.astype(np.int64),
            pandemic_start=int(self.pandemic_start),
            ev_step=np.array([t for t, _ in rows], dtype=np.int64),
            ev_kind=np.array([int(_SCHEDULED_KINDS[ev.kind]) for _, ev in rows], dtype=np.int64),
            ev_mode=np.array(
                [Mode[ev.mode.upper()] if ev.kind is EventKind.DPRK_MODE else 0 for _, ev in rows],
                dtype=np.int64,
            ),
            ev_var=np.array(
                [
                    SHOCK_VARIABLES.index(ev.variable) if ev.kind is EventKind.SHOCK else 0
                    for _, ev in rows
                ],
                dtype=np.int64,
            ),
            ev_actor=np.array(
                [index[ev.actor] if ev.kind is EventKind.SHOCK else 0 for _, ev in rows],
                dtype=np.int64,
            ),
            ev_value=np.array(
                [float(ev.value) if ev.kind is EventKind.SHOCK else 0.0 for _, ev in rows],
                dtype=np.float64,
            ),
            week_slots=week_slot_keys(len(self.ids), int(self.target)),
        )
