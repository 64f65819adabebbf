"""One session's reactive state and the actions on it, shared by the page's components.

:class:`PageState` holds the reactive values of one browser session (scenario, seed, the
sliders' values, the posterior switch, messages, Play) and the actions that change them; every
component of the page receives it. :func:`initial_run` builds the run a link asks for.

Nothing an analyst sets is lost to a stray click: every input change (scenario, upload, seed,
slider, number field, ``key=value`` override, back-to-defaults, posterior switch, Reset) goes
through :meth:`PageState.commit`, which first records a :class:`Snapshot` of the inputs *and the
week on screen*; Undo and Redo restore a snapshot, replaying the run to its week (same seed,
same weeks: the model is deterministic).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import reacton.core
import solara

from ..scenario.library import BASELINE
from ..scenario.loading import ConfigError
from ..scenario.schema import Scenario
from . import guards, serving
from .record import events_in
from .session import Sim
from .state import (
    COMPARE_KEYS,
    LINK_KEYS,
    CompareRefused,
    LinkState,
    compare_refusal,
    format_query,
    ignored_note,
    parse_query,
)

__all__ = [
    "EDITED_PREFIX", "FILE_PREFIX", "MAX_UNDO", "PageState", "PlayClock", "Snapshot", "accepted_link",
    "initial_link",
    "initial_run",
    "use_batch",
]  # fmt: skip

FILE_PREFIX = "file: "  # scenario keys of uploaded files, as shown in the scenario menu
EDITED_PREFIX = "edited: "  # scenario keys of those made in the actor editor
MAX_UNDO = 100  # snapshots kept each way (a few hundred bytes each)
MAX_DROPPED = 3  # bad parts of a link dropped before the page gives up on it
#: Parts of a link tried (each a run built) in search of a refusal's part before the page gives
#: up on it: a hand-made link of 2,000 parts with one bad one tried all 2,000 in turn, each
#: time reading the whole link again (30 s of the server's time; 200 bad ``set=`` parts 6 s).
MAX_TRIALS = 24
#: The page's own parameters a link may hold (``set=`` counted once for each value): far more
#: than the page writes (every parameter of a six-actor scenario is 227), and a bound on the
#: work of reading a hand-made one (each run built reads them all).
MAX_LINK_PARTS = 1000
_MORE = re.compile(r" \(and \d+ more\)$")  # loading.py's count of further errors


class PlayClock:
    """When Play shows the next week: every 1/speed s on a fixed schedule, so that a slow
    week (a busy machine) is made up by the next ones instead of slowing Play for good (at
    most one week behind is made up).

    A run that restarts (an input changed during Play) restarts the schedule: otherwise the
    new run at week 0 made up the old run's lost time and played at 12-15 weeks/s when 10
    were chosen."""

    def __init__(self, now: float) -> None:
        self.due = now

    def restart(self, now: float) -> None:
        """Week 0 of a new run is on screen at ``now``; its week 1 is due one period later."""
        self.due = now

    def delay(self, now: float, speed: float) -> float:
        """Seconds to wait, at ``now``, before the next week (``speed`` weeks per second)."""
        period = 1 / speed
        self.due = max(self.due + period, now - period)
        return max(0.002, self.due - now)


@dataclass(frozen=True)
class Snapshot:
    """Every input of the run on screen, and its week: what Undo brings back."""

    scenario: str
    seed: int
    values: dict[str, Any] = field(default_factory=dict)
    posterior: bool = False
    week: int = 0
    what: str = ""  # the change that followed this state, in words ("Undo: <what>")
    record: bool = False  # the record overlay on the time series


@dataclass
class PageState:
    """One session's reactive state and the actions on it, shared by the page's components."""

    names: list[str]
    sim_ref: Any  # solara ref holding this session's Sim
    scenario: solara.Reactive[str]  # key: a name in configs/ or FILE_PREFIX + file name
    uploaded: solara.Reactive[dict[str, Scenario]]
    seed_text: solara.Reactive[str]
    seed_error: solara.Reactive[str]
    knob_error: solara.Reactive[str]
    override_text: solara.Reactive[str]
    override_error: solara.Reactive[str]
    load_error: solara.Reactive[str]
    link_error: solara.Reactive[str]
    playing: solara.Reactive[bool]
    speed: solara.Reactive[int]
    tick: solara.Reactive[int]
    version: solara.Reactive[int]
    drawer: solara.Reactive[bool]
    at_end: solara.Reactive[bool]  # the run reached its last week (Play is then off)
    posterior: solara.Reactive[bool]  # ensembles draw fitted parameters from the posterior
    undo_stack: solara.Reactive[list[Snapshot]]
    redo_stack: solara.Reactive[list[Snapshot]]
    ready: solara.Reactive[bool]  # the compiled model is warm (see warmup)
    compare: solara.Reactive[Any]  # CompareLink | None: the Compare inputs last run (the link)
    warmup_text: solara.Reactive[str]  # the warm-up message ('' once ready)
    pins: solara.Reactive[list[Any]]  # runs.Pin: runs and ensembles kept by name
    last_ensemble: solara.Reactive[Any]  # the ensemble panel's latest result (or None)
    record: solara.Reactive[bool]  # the record overlay on the time series (historical runs)
    ensemble_n: solara.Reactive[Any]  # int | None: replicates of the last ensemble (the link)
    # a refused posterior switch: its message beside the switch, and a count of refusals that
    # remounts the switch so that it shows the position actually in force (off)
    posterior_error: solara.Reactive[str]
    posterior_refusals: solara.Reactive[int]
    # session files that brought Compare inputs or an ensemble size: remounts the Ensemble
    # and Compare panels, which take them as they mount (as they take a link's)
    loads: solara.Reactive[int]

    def take_panel_inputs(self, compare: Any, ensemble: int | None) -> None:
        """A loaded session's Compare inputs (a CompareLink or None) and ensemble size: the
        Ensemble and Compare panels take them, as they take a link's (they judge their asked
        inputs each time these change: in the browser they are not mounted again for a file,
        whatever their key says), and their refusals name the file (:meth:`asked_by`)."""
        if compare is None and ensemble is None:
            return  # a file saved before they were kept: the panels keep theirs
        self.loads.set(self.loads.value + 1)  # first: the panels' refusals name the file
        self.compare.set(compare)
        self.ensemble_n.set(ensemble)

    def asked_by(self) -> str:
        """Whose the panels' asked inputs are, as their refusals begin: "The session file's"
        once a loaded file brought some (:meth:`take_panel_inputs`), else "The link's"."""
        return "The session file's" if self.loads.value else "The link's"

    def clear_messages(self) -> None:
        """Every input's refusal message goes when the inputs are replaced as a whole."""
        for r in (
            self.seed_error, self.knob_error, self.override_error, self.override_text,
            self.posterior_error,
        ):  # fmt: skip
            r.set("")

    @property
    def sim(self) -> Sim:
        return self.sim_ref.current

    def base(self, key: str) -> str | Scenario:
        return guards.scenario_base(key, self.names, self.uploaded.value)  # never a path

    def build(
        self, key: str, values: dict[str, Any], seed: int | None, posterior: bool | None = None
    ) -> Sim:
        """The run of the menu's ``key`` (:meth:`Sim.build`; with the posterior switch's
        draw unless ``posterior`` says otherwise), saying where a scenario that is not shipped
        came from (the status line, pins and ensembles name it so)."""
        on = self.posterior.value if posterior is None else posterior
        sim = Sim.build(self.base(key), values, seed, posterior=on)
        if key.startswith(EDITED_PREFIX):
            sim.origin = " (edited on this page)"
        return sim

    def scenario_on_screen(self, page_values: bool = True) -> Scenario:
        """The scenario the inputs on screen make, without a posterior draw: the menu's
        scenario with the run's seed and (``page_values``) the page's values. A particle's
        fitted values are the switch's, not part of the scenario (ConfigError if refused)."""
        sim = self.sim
        scn = sim.scenario
        if sim.posterior or not page_values:
            values = sim.values if page_values else {}
            scn = Sim.build(self.base(self.scenario.value), values, sim.seed).scenario
        return scn.model_copy(update={"seed": sim.seed})

    def rebuild(
        self, key: str, values: dict[str, Any], seed: int | None, posterior: bool | None = None
    ) -> str:
        """Swap in a new model; on refusal keep the running one and return the message."""
        try:
            new = self.build(key, values, seed, posterior)
        except (ConfigError, ValueError) as exc:
            return guards.public_message(str(exc))
        self.sim_ref.current = new
        self.at_end.set(new.done)
        self.version.set(self.version.value + 1)
        self.tick.set(self.tick.value + 1)
        return ""

    # ----------------------------------------------------------------- undo / redo

    def inputs(self) -> dict[str, Any]:
        """The inputs on screen as a plain mapping (a pin, the session file)."""
        snap = self.snapshot()
        return {
            "scenario": snap.scenario, "seed": snap.seed, "values": dict(snap.values),
            "posterior": snap.posterior, "week": snap.week, "record": snap.record,
        }  # fmt: skip

    def snapshot(self, what: str = "") -> Snapshot:
        sim = self.sim
        return Snapshot(
            self.scenario.value, sim.seed, dict(sim.values), self.posterior.value,
            int(sim.model.steps), what, self.record.value,
        )  # fmt: skip

    def commit(self, what: str, change: Callable[[], str]) -> str:
        """Make an input change undoable: record the state before it, if it succeeds."""
        before = self.snapshot(what)
        msg = change()
        if not msg:  # callers skip changes that change nothing (same seed, same switch...)
            self.undo_stack.set([*self.undo_stack.value, before][-MAX_UNDO:])
            self.redo_stack.set([])
            # a refused slider or number entry is not on screen any more (the field shows the
            # running model's value): its message goes with the next change that is taken
            self.knob_error.set("")
        return msg

    def restore(self, snap: Snapshot) -> str:
        """Put a snapshot's inputs and week back on screen."""
        self.playing.set(False)
        try:
            new = self.build(snap.scenario, snap.values, snap.seed, snap.posterior)
            new.advance_to(snap.week)
        except (ConfigError, ValueError) as exc:
            return guards.public_message(str(exc))
        self.sim_ref.current = new
        self.scenario.set(snap.scenario)
        self.posterior.set(snap.posterior)
        self.record.set(snap.record)
        self.seed_text.set(str(new.seed))
        self.clear_messages()
        self.at_end.set(new.done)
        self.version.set(self.version.value + 1)
        self.tick.set(self.tick.value + 1)
        return ""

    def undo(self) -> None:
        if not self.undo_stack.value:
            return
        *rest, snap = self.undo_stack.value
        now = self.snapshot(snap.what)
        if self.restore(snap) == "":
            self.undo_stack.set(rest)
            self.redo_stack.set([*self.redo_stack.value, now][-MAX_UNDO:])

    def redo(self) -> None:
        if not self.redo_stack.value:
            return
        *rest, snap = self.redo_stack.value
        now = self.snapshot(snap.what)
        if self.restore(snap) == "":
            self.redo_stack.set(rest)
            self.undo_stack.set([*self.undo_stack.value, now][-MAX_UNDO:])

    # ----------------------------------------------------------------- input changes

    def switch(self, key: str, values: dict[str, Any] | None = None) -> str:
        """Another scenario, its own seed and, unless ``values`` are carried over, its own
        values; clears every input's message."""
        self.playing.set(False)

        def change() -> str:
            msg = self.rebuild(key, dict(values or {}), None)
            if msg:
                return msg
            self.scenario.set(key)
            self.seed_text.set(str(self.sim.seed))
            self.clear_messages()
            return ""

        return self.commit(f"scenario {key}", change)

    def set_values(self, values: dict[str, Any], what: str = "parameters") -> str:
        return self.commit(what, lambda: self.rebuild(self.scenario.value, values, self.sim.seed))

    def set_seed(self, seed: int) -> str:
        if seed == self.sim.seed:
            return ""
        return self.commit(
            f"seed {seed}", lambda: self.rebuild(self.scenario.value, self.sim.values, seed)
        )

    def set_posterior(self, on: object) -> None:
        try:
            on = guards.flag(on, "Parameter uncertainty")
        except guards.Refused:
            return  # not a switch position: nothing changes

        if on == self.posterior.value:
            return

        def change() -> str:
            # the run on screen takes (or gives back) the draw of its seed: it restarts at
            # week 0, as after any other input
            msg = self.rebuild(self.scenario.value, self.sim.values, self.sim.seed, on)
            if not msg:
                self.posterior.set(on)
            return msg

        msg = self.commit("posterior " + ("on" if on else "off"), change)
        if msg:
            # the switch was moved on screen but the change was refused: put it back where
            # the model is and say why beside it (not in the sliders' column, out of sight)
            stays = "off" if on else "on"
            self.posterior_error.set(f"Refused: {msg}. Parameter uncertainty stays {stays}.")
            self.posterior_refusals.set(self.posterior_refusals.value + 1)
        else:
            self.posterior_error.set("")

    def set_record(self, on: object) -> None:
        """The record overlay on or off: an input like the others (Undo, the link)."""
        try:
            on = guards.flag(on, "Record overlay")
        except guards.Refused:
            return  # not a switch position: nothing changes
        if on == self.record.value:
            return

        def change() -> str:
            self.record.set(on)
            self.version.set(self.version.value + 1)  # the link follows
            return ""

        self.commit("record overlay " + ("on" if on else "off"), change)

    def step(self) -> None:
        if self.sim.step():
            self.tick.set(self.tick.value + 1)
            if self.sim.done:
                self.at_end.set(True)

    def reset(self) -> None:
        self.playing.set(False)
        if self.sim.model.steps == 0:
            return  # already at week 0: nothing to reset, nothing to undo
        self.commit(
            "reset", lambda: self.rebuild(self.scenario.value, self.sim.values, self.sim.seed)
        )

    def query(self) -> str:
        """The link for the state on screen ('' for an uploaded scenario: no name to share)."""
        sim = self.sim
        if sim.source is None:
            return ""
        return format_query(
            LinkState(
                sim.source, sim.seed, sim.values, int(sim.model.steps),
                posterior=self.posterior.value, compare=self.compare.value,
                record=self.record.value and has_record(sim.scenario),
                ensemble=self.ensemble_n.value,
            )
        )  # fmt: skip


def use_batch() -> Callable[[], AbstractContextManager[Any]]:
    """Call in a component's render; returns ``batch`` so that, in that component's task
    thread, ``with batch(): a.set(...); b.set(...)`` re-renders the page once for all the
    changes (reacton's own batching: the render context as a context manager) instead of once
    per change. A 500-replicate ensemble's three changes (previous, result, the page's last
    ensemble) cost three renders of the page, 0.4 s of a 0.6 s click on a loaded machine."""
    rc = reacton.core.get_render_context(required=False)
    return (lambda: rc) if rc is not None else contextlib.nullcontext


def initial_link(names: list[str], search: str | None) -> LinkState | None:
    """The link's own inputs beyond the run (posterior, Compare): those of the part of the link
    the page accepts (:func:`accepted_link`), None if it has none."""
    query, _, _ = accepted_link(names, search)
    return parse_query(query, names) if query else None


def has_record(scn: Scenario) -> bool:
    """Whether the record overlay can show anything for ``scn`` (a dated event of the record
    in its weeks): the link carries ``record=1`` only then, and a link asking for it
    elsewhere is told it was ignored, as other ignored parts of a link are."""
    return bool(events_in(scn))


def initial_run(names: list[str], search: str | None) -> tuple[Sim, str]:
    """The run a link asks for (as much of it as the page accepts), and a message saying what
    was refused and why ('' if nothing)."""
    _, sim, msg = accepted_link(names, search)
    return sim, msg


def _link_run(names: list[str], query: str) -> tuple[Sim | None, str]:
    """The run of a link's query (None if it asks for none) and its note; ValueError if the
    page cannot show it (its form, or values the scenario or the model refuse)."""
    link = parse_query(query, names)
    if link is None:
        return None, ""
    sim = Sim.build(link.scenario, link.values, link.seed, posterior=link.posterior)
    if link.ensemble is not None:  # the Ensemble panel's bound for this scenario, not 20,000
        serving.check_request(sim.scenario, link.ensemble, "link parameter n")
    sim.advance_to(link.week)
    notes = [ignored_note(link)]
    if link.record and not has_record(sim.scenario):
        notes.append(
            f"Ignored: the link's record=1 (the record overlay): no dated event of the "
            f"2016\u201318 record falls in the weeks of {link.scenario}."
        )
    return sim, " ".join(n for n in notes if n)


def _reason(exc: Exception) -> str:
    """A refusal's reason as a dropped part of a link is named with: one line, without the
    scenario's "(and N more)" (each refused part is named with its own reason, and the count
    going was taken for another part's removal lifting the refusal)."""
    return _MORE.sub("", guards.public_message(str(exc)).rstrip(".")).rstrip(".")


def _short(value: str) -> str:
    """A link's value as the message quotes it: at most 40 characters."""
    return value if len(value) <= 40 else value[:37] + "..."


def _suspects(pairs: list[tuple[str, str]], why: str) -> list[int]:
    """The parts of a link that may be a refusal's (the page's own parameters but the
    scenario: an ignored parameter refuses nothing), those the refusal names first (``set=``
    by its key, the others by name), at most :data:`MAX_TRIALS` of them."""
    named: list[int] = []
    others: list[int] = []
    for i, (key, value) in enumerate(pairs):
        if key not in LINK_KEYS or key == "scenario":
            continue
        word = value.split("=", 1)[0].strip() if key == "set" else key
        (named if (word and f"'{word}'" in why) or key in why.split() else others).append(i)
    return (named + others)[:MAX_TRIALS]


def accepted_link(names: list[str], search: str | None) -> tuple[str, Sim, str]:
    """The part of a link the page shows, its run, and a message naming what was refused.

    A bad part (a value out of range, a week past the end, ``n=99999999``) does not throw the
    rest of a shared link away: the page drops the part each refusal is about, one at a time
    (the part whose removal lifts that refusal), shows the rest and names what it dropped and
    why. Only if the scenario itself is refused, or no part explains a refusal, does it show
    the default scenario instead."""
    default = BASELINE if BASELINE in names else names[0]
    query = (search or "").lstrip("?")
    parts = sum(1 for key, _ in parse_qsl(query, keep_blank_values=True) if key in LINK_KEYS)
    if parts > MAX_LINK_PARTS:
        return "", Sim.build(default, {}, None), (
            f"The link was refused: it holds {parts:,} of the page's parameters (scenario, "
            f"seed, set, ...); a link of this page holds at most {MAX_LINK_PARTS:,}. Showing "
            "the default scenario instead."
        )  # fmt: skip
    try:
        sim, note = _link_run(names, query)
        return query, sim if sim is not None else Sim.build(default, {}, None), note
    except ValueError as exc:  # ConfigError is a ValueError
        first, why, err = guards.public_message(str(exc)).rstrip("."), _reason(exc), exc
    pairs = parse_qsl(query, keep_blank_values=True)
    dropped: list[str] = []
    emptied = False  # every part of the link was refused

    def shown(rest: list[tuple[str, str]], sim: Sim, note: str) -> tuple[str, Sim, str]:
        return urlencode(rest), sim, " ".join(
            x for x in (
                f"Part of the link was refused: {'; '.join(dropped)}. The rest of the link "
                "is shown.",
                note,
            ) if x
        )  # fmt: skip

    while len(dropped) < MAX_DROPPED:
        if isinstance(err, CompareRefused):
            # the keys at fault go; if the other Compare inputs are incomplete without them
            # (dropping one key at a time had named the lever for a refused a and b), they go
            # with them, named too
            rest = [(k, v) for k, v in pairs if k not in err.keys]
            named = ", ".join(f"{k}={_short(v)!r}" for k, v in pairs if k in err.keys)
            also = [k for k, _ in rest if k in COMPARE_KEYS]
            if also and compare_refusal(urlencode(rest)) is not None:
                rest = [(k, v) for k, v in rest if k not in COMPARE_KEYS]
                them = "them" if len(err.keys) > 1 else "it"
                what = " and ".join([", ".join(also[:-1]), also[-1]] if len(also) > 1 else also)
                why += f"; the link's {what} went with {them}"
            dropped.append(f"{named} ({why})")
            try:
                sim, note = _link_run(names, urlencode(rest))
            except ValueError as exc:
                pairs, why, err = rest, _reason(exc), exc
                continue
            if sim is None:
                emptied = True  # nothing left of the link
                break
            return shown(rest, sim, note)
        cause = None
        # not the scenario: another scenario's values and week would not mean what was meant
        for i in _suspects(pairs, why):
            key, value = pairs[i]
            rest = pairs[:i] + pairs[i + 1 :]
            try:
                sim, note = _link_run(names, urlencode(rest))
            except ValueError as exc:
                other = _reason(exc)
                if other != why and cause is None:
                    cause = (i, other, exc)  # this part was the refusal's: another one is left
                continue
            if sim is None:  # nothing left of the link: this part was the last refused
                dropped.append(f"{key}={_short(value)!r} ({why})")
                emptied = True
                break
            dropped.append(f"{key}={_short(value)!r} ({why})")
            return shown(rest, sim, note)
        if emptied:
            break
        if cause is None:
            break
        i, other, err = cause
        key, value = pairs[i]
        dropped.append(f"{key}={_short(value)!r} ({why})")
        pairs, why = pairs[:i] + pairs[i + 1 :], other
    # every part refused (seed=abc&week=-1): each is named with its reason, as a part
    # dropped from a link that keeps the rest is (the message named the first part alone)
    what = "; ".join(dropped) if emptied else first
    msg = f"The link was refused: {what}. Showing the default scenario instead."
    return "", Sim.build(default, {}, None), msg
