"""The one table of events and outcomes, with their labels.

Event kinds are what the weekly process records (one counter each in ``State.counts``, one
row each in ``events.csv``); outcomes are per-run flags derived from them
(:func:`coalition_sim.core.week.outcomes`). Every name is described in docs/ODD.md
(tests/test_docs.py checks it); the labels are what the browser UI, plots and reports show.
"""

from __future__ import annotations

__all__ = ["EVENTS", "EVENT_INDEX", "EVENT_KINDS", "OUTCOMES", "OUTCOME_LABELS"]

#: Event kind -> label, in the order of the counters kept in ``State.counts``.
EVENTS: dict[str, str] = {
    "summit_proposed": "summit proposed",
    "summit_scheduled": "summit agreed and scheduled",
    "unconsulted_decision": "summit agreed without consulting allies",
    "summit_lapsed": "summit proposal lapsed",
    "summit_cancelled": "summit cancelled",
    "summit_revived": "summit revived",
    "summit_held": "summit held",
    "agreement": "agreement reached",
    "no_deal": "summit ended with no deal",
    "conventional_test": "conventional missile test",
    "strategic_test": "strategic test (ICBM / nuclear)",
    "outburst_counterpart": "outburst at the counterpart",
    "outburst_third_party": "outburst at a third party",
    "policy_shift": "abrupt policy shift",
    "mode_influence": "DPRK turns to influence-seeking",
    "mode_autonomy": "DPRK turns to autonomy-seeking",
    "us_compromise": "US offers a compromise",
    "us_sideline": "US sidelines the issue",
    "us_escalate": "US escalates",
    "military_crisis": "military crisis",
    "coalition_fracture": "coalition fractured",
    "pressure_unwound": "pressure campaign unwound",
    "us_isolated": "US alone and sidelined",
    "election": "US election",
    "pandemic_start": "pandemic begins",
    "pandemic_end": "pandemic ends",
    "scheduled_event": "scheduled event",
}
#: Event kinds, in counter order.
EVENT_KINDS: tuple[str, ...] = tuple(EVENTS)
EVENT_INDEX: dict[str, int] = {name: k for k, name in enumerate(EVENT_KINDS)}

#: Outcome flags per run, in the column order of ensemble and sweep results.
OUTCOMES: tuple[str, ...] = (
    "summit_held",
    "agreement",
    "coalition_fractured",
    "pressure_unwound",
    "us_isolated",
    "strategic_test",
    "military_crisis",
    "summit_cancelled",
    "summit_revived",
    "muddling_through",
)
#: Outcome -> label, in display order (breakthroughs first, then breakdowns).
OUTCOME_LABELS: dict[str, str] = {
    "summit_held": "summit held",
    "agreement": "agreement reached",
    "summit_cancelled": "summit cancelled",
    "summit_revived": "summit revived",
    "strategic_test": "strategic test",
    "military_crisis": "military crisis",
    "coalition_fractured": "coalition fractured",
    "pressure_unwound": "pressure unwound",
    "us_isolated": "US isolated",
    "muddling_through": "muddling through",
}
