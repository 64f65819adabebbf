"""The machinery of the signature suite: arms on common random numbers, checks, the cache.

An arm is a scenario run ``replicates`` times on the ensemble engine with the suite's shared
replicate seeds; a check compares a paired 95% interval with the sign or band the seeds imply
(:mod:`coalition_sim.experiments.paired`). ``Suite.base`` holds parameter values set in every
arm before the row's own (the calibrated point, a posterior draw, a mechanism switched off):
the rows themselves (:mod:`.signature_rows`) never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core import week as dyn
from ..engine.ensemble import Ensemble, run_seeds
from ..scenario.library import config_dir, resolve_scenario
from ..scenario.loading import ConfigError, validate_scenario
from ..scenario.names import with_values
from ..scenario.schema import Scenario
from .paired import Interval

__all__ = [
    "ArmResult",
    "Check",
    "RowResult",
    "Suite",
    "above_check",
    "at_least_check",
    "at_most_check",
    "band_check",
    "run_arm",
    "sign_check",
    "variant",
]

# --------------------------------------------------------------------------- running one arm


@dataclass
class ArmResult:
    """Per-replicate results of one arm: final state plus what the suite tracks weekly."""

    scenario: Scenario
    struct: dyn.Structure
    params: dyn.ParamArrays
    state: dyn.State
    initial: dyn.State
    tracked: dict[str, np.ndarray]

    def col(self, actor: str) -> int:
        return self.struct.ids.index(actor)

    def count(self, kind: str) -> np.ndarray:
        return self.state.counts[:, dyn.EVENT_INDEX[kind]].astype(np.float64)

    def happened(self, kind: str) -> np.ndarray:
        return self.state.counts[:, dyn.EVENT_INDEX[kind]] > 0

    def flag(self, outcome: str) -> np.ndarray:
        return dyn.outcomes(self.state)[outcome]

    def commitment(self, actor: str) -> np.ndarray:
        return self.state.commitment[:, self.col(actor)]

    def commitment0(self, actor: str) -> np.ndarray:
        return self.initial.commitment[:, self.col(actor)]

    def strength(self, a: str, b: str) -> np.ndarray:
        return self.state.strength[:, self.col(a), self.col(b)]


def variant(
    base: Scenario | str, values: dict[str, Any] | None = None, events: Sequence[dict] = ()
) -> Scenario:
    """``base`` with dotted ``values`` set and extra scheduled ``events`` appended.

    A name with a folder (``history/calibrated_2018``) is looked up in ``configs/``; a key
    ``tie.A-B`` sets the initial strength of the tie between actors A and B.
    """
    if isinstance(base, str) and "/" in base and not base.endswith(".toml"):
        base = str(config_dir() / f"{base}.toml")
    scn = resolve_scenario(base)
    values = dict(values or {})
    ties = {k: values.pop(k) for k in list(values) if k.startswith("tie.")}
    if values:
        scn = with_values(scn, values)
    if events or ties:
        data = scn.model_dump(mode="json")
        data["events"] = [*data["events"], *events]
        for key, strength in ties.items():
            a, b = key.removeprefix("tie.").split("-")
            found = [t for t in data["ties"] if {t["a"], t["b"]} == {a, b}]
            if not found:
                raise ConfigError(f"scenario '{scn.name}': no tie {a}-{b}")
            found[0]["strength"] = strength
        scn = validate_scenario(data, f"scenario '{scn.name}'")
    return scn


def run_arm(scn: Scenario, replicates: int, seed: int) -> ArmResult:
    """Run ``replicates`` runs of ``scn`` on the engine with the suite's common seeds,
    tracking cancellations by side, revivals by kind, weeks in autonomy and strategic tests
    before an election."""
    ens = Ensemble(scn)
    p = ens.params(replicates=replicates)
    seeds = run_seeds(seed, np.zeros(replicates, dtype=np.int64), np.arange(replicates))
    struct = ens.structure
    ld = struct.leader
    k_cancel = dyn.EVENT_INDEX["summit_cancelled"]
    k_revive = dyn.EVENT_INDEX["summit_revived"]
    k_strat = dyn.EVENT_INDEX["strategic_test"]
    k_held = dyn.EVENT_INDEX["summit_held"]
    zeros = np.zeros(replicates)
    tr = {
        name: zeros.copy()
        for name in (
            "cancels", "leader_cancels", "hedged_cancels", "closed_cancels",
            "hedged_revivals", "closed_revivals", "autonomy_weeks", "strategic_pre_election",
            "summit_seen", "idle_weeks",
        )
    }  # fmt: skip
    first_election = int(struct.election_steps[0]) if struct.election_steps.size else 1 << 30
    prev = None
    prev_summit = None
    initial = None
    st = None
    for t, st in ens.iterate(p, seeds):
        if t == 0:
            initial = st.copy()
            prev = st.counts.copy()
            prev_summit = st.summit.copy()
            continue
        new = st.counts - prev
        cancel = new[:, k_cancel] > 0
        tr["cancels"] += cancel
        tr["leader_cancels"] += cancel & (st.canceller == ld)
        tr["hedged_cancels"] += cancel & st.hedged
        tr["closed_cancels"] += cancel & ~st.hedged
        revive = new[:, k_revive] > 0
        tr["hedged_revivals"] += revive & st.hedged
        tr["closed_revivals"] += revive & ~st.hedged
        tr["autonomy_weeks"] += st.mode == dyn.Mode.AUTONOMY
        if t < first_election:
            tr["strategic_pre_election"] += new[:, k_strat] > 0
        held = (new[:, k_held] > 0) & (tr["summit_seen"] == 0)
        tr["summit_seen"] += held
        tr["idle_weeks"] += prev_summit == dyn.SummitState.NONE
        prev = st.counts.copy()
        prev_summit = st.summit.copy()
    assert st is not None and initial is not None
    tr["autonomy_share"] = tr["autonomy_weeks"] / ens.steps
    return ArmResult(scn, struct, p, st, initial, tr)


# --------------------------------------------------------------------------- checks and rows


@dataclass
class Check:
    """One measured effect and what the seeds expect of it.

    ``passed``: the whole interval lies where the seeds expect it (the mechanism is shown).
    ``contradicted``: the whole interval lies where they do not (the measured effect goes
    against the mechanism). A check that is neither is *not shown*: its interval straddles
    the boundary, so more replicates per arm would tell. The distinction keeps a report at
    a small size from reading a lack of power as a failure of the model, and makes a
    contradiction the failure it is (a check without an interval, a point estimate, is
    never called contradicted)."""

    label: str
    interval: Interval
    expected: str  # '> 0', '< 0', 'in [a, b]', '>= x', '<= x', '> x'
    passed: bool
    arms: str = ""
    contradicted: bool = False


@dataclass
class RowResult:
    number: int
    mechanism: str
    scenario: str
    passage: str
    expectation: str
    checks: list[Check] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def contradicted(self) -> bool:
        """Some check's whole interval lies against the mechanism (see :class:`Check`)."""
        return any(c.contradicted for c in self.checks)

    @property
    def verdict(self) -> str:
        """The row's verdict: "pass", "contradicted" or "not shown" (neither)."""
        if self.passed:
            return "pass"
        return "contradicted" if self.contradicted else "not shown"


def sign_check(label: str, ci: Interval, sign: int, arms: str = "") -> Check:
    """Passes when the whole interval is on the expected side of zero; contradicted when the
    whole interval is on the other side (zero included)."""
    ok = ci.low > 0 if sign > 0 else ci.high < 0
    against = ci.high <= 0 if sign > 0 else ci.low >= 0
    return Check(label, ci, "> 0" if sign > 0 else "< 0", bool(ok), arms, bool(against))


def band_check(label: str, ci: Interval, lo: float, hi: float, arms: str = "") -> Check:
    """Passes when the whole interval lies strictly inside (lo, hi); contradicted when it
    lies wholly at or below ``lo`` or at or above ``hi``."""
    ok = ci.low > lo and ci.high < hi
    return Check(label, ci, f"in ({lo:g}, {hi:g})", bool(ok), arms,
                 bool(ci.high <= lo or ci.low >= hi))  # fmt: skip


def above_check(label: str, ci: Interval, x: float, arms: str = "") -> Check:
    return Check(label, ci, f"> {x:g}", bool(ci.low > x), arms, bool(ci.high <= x))


def at_least_check(label: str, ci: Interval, x: float, arms: str = "") -> Check:
    return Check(label, ci, f">= {x:g}", bool(ci.low >= x), arms, bool(ci.high < x))


def at_most_check(label: str, ci: Interval, x: float, arms: str = "") -> Check:
    return Check(label, ci, f"<= {x:g}", bool(ci.high <= x), arms, bool(ci.low > x))


@dataclass
class Suite:
    """Runs arms with shared seeds and caches them by (scenario, values, events)."""

    replicates: int
    seed: int
    cache: dict[str, ArmResult] = field(default_factory=dict)
    #: values set in every arm before the row's own (a fitted point, a draw, an ablation)
    base: dict[str, Any] = field(default_factory=dict)

    def arm(
        self, base: str, values: dict[str, Any] | None = None, events: Sequence[dict] = ()
    ) -> ArmResult:
        merged = {**self.base, **(values or {})}
        key = repr((base, sorted(merged.items()), list(events)))
        if key not in self.cache:
            self.cache[key] = run_arm(variant(base, merged, events), self.replicates, self.seed)
        return self.cache[key]
