"""Interactive browser simulation (Solara): ``python run.py ui`` or ``solara run coalition_sim.ui.app``.

Pick a scenario (or load a scenario file), turn the knobs the seeds talk about, step or play,
and watch the coalition hold or fracture; run an ensemble of replicates with the same inputs;
export the run, the ensemble, the charts and the scenario; share the state as a link.

Every browser session renders its own ``Page`` and so builds its own model (held in component
state, never at module level). Views are SVG/HTML strings from :mod:`coalition_sim.ui.views`,
re-sent on each step, which keeps Play well above ten steps a second. The page is a set of
small components sharing one :class:`PageState`; further panels (e.g. a comparison) go into
:data:`EXTRA_PANELS` and receive that state.

Layout: at 900 px and wider the controls sit in a column on the left; narrower, they live in
a drawer, closed by default, that opens below the top bar (so the menu button stays on top)
and the views stack full width.

The page is cut by job: :mod:`.page_state` (one session's state and actions),
:mod:`.controls` (the controls column), :mod:`.panels` (live views, ensemble),
:mod:`.compare_panel`, :mod:`.style` (the style sheet); this module is the shell.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from html import escape
from typing import Any, cast

import reacton.ipyvue as rv
import solara
import solara.lab

from . import guards, warmup
from .compare_panel import ComparePanel
from .controls import Controls
from .editor_panel import ActorEditor
from .ensemble_panel import EnsemblePanel
from .page_state import (
    PageState,
    PlayClock,
    Snapshot,
    accepted_link,
    has_record,
    initial_run,
)
from .panels import AboutPanel, LiveViews
from .runs_panel import RunsPanel
from .session import KNOBS, Knob, Sim, knobs_for, page_scenarios, parse_override, parse_seed
from .state import parse_query
from .style import CSS
from .widgets import UrlSync

if os.environ.get("COALITION_UI_WARMUP") == "1":  # set by `python run.py ui` (server_env)
    warmup.start()

__all__ = [
    "EXTRA_PANELS",
    "KNOBS",
    "Knob",
    "Layout",
    "Page",
    "PageState",
    "Sim",
    "initial_run",
    "knobs_for",
    "page_title",
    "parse_override",
    "parse_seed",
]

_initial = initial_run  # the name the tests of the link used

#: Further panels under the ensemble (each a component taking the :class:`PageState`).
EXTRA_PANELS: list[Callable[[PageState], Any]] = [
    lambda ui: ComparePanel(ui),
]

# --------------------------------------------------------------------------- shell


@solara.component
def TopBar(ui: PageState):
    """Title and, below 900 px, the button that opens and closes the controls drawer."""
    open_ = ui.drawer.value
    with solara.v.Html(tag="header", class_="cs-bar"):
        solara.Button(
            "Close controls" if open_ else "Controls",
            icon_name="mdi-close" if open_ else "mdi-menu",
            on_click=lambda: ui.drawer.set(not open_),
            classes=["cs-menu"],
            attributes={
                "aria-expanded": "true" if open_ else "false",
                "aria-controls": "cs-controls",
            },
        )
        solara.HTML(tag="h1", unsafe_innerHTML="Coalition under pressure")


@solara.component
def Scrim(ui: PageState):
    """Behind the open drawer on a narrow screen: a tap closes the drawer, and nothing else."""
    el = solara.v.Html(tag="div", class_="cs-scrim cs-open" if ui.drawer.value else "cs-scrim")
    rv.use_event(el, "click", lambda *_: ui.drawer.set(False))
    return el


#: During Play the link is refreshed every this many weeks (a reload comes back within them).
LINK_EVERY_WEEKS = 4


@solara.component
def LinkSync(ui: PageState):
    """The address bar follows the state on screen; during Play every
    :data:`LINK_EVERY_WEEKS` weeks (a reload during Play came back at week 0)."""
    _ = ui.version.value, ui.tick.value
    playing = ui.playing.value and int(ui.sim.model.steps) % LINK_EVERY_WEEKS != 0
    query = None if playing else ui.query()
    return UrlSync.element(query=query, guard=bool(ui.pins.value))


@solara.component
def WarmupNotice(ui: PageState):
    """While the compiled model warms up: what is happening, how long it takes, elapsed."""
    if ui.warmup_text.value:
        solara.HTML(
            unsafe_innerHTML=f'<div class="cs-warmup" id="cs-warmup" role="status">'
            f"{escape(ui.warmup_text.value)}</div>"
        )


@solara.component
def Layout(children: list[Any] = []):  # noqa: B006
    """No framework app bar or drawer: the page draws its own responsive shell."""
    return solara.Div(children=children)


def page_title(sim: Sim) -> str:
    """The browser tab's title names the run's scenario and seed: two tabs of the page (a
    shared link opened beside one's own) read alike, "Coalition under pressure"."""
    return f"{sim.scenario.name}{sim.origin}, seed {sim.seed} \u2014 Coalition under pressure"


@solara.component
def Page():
    names = solara.use_memo(lambda: [n for n, _ in page_scenarios()], [])
    router = solara.use_router()
    # the part of the link the page accepts, worked out once (it may build several runs)
    accepted = solara.use_memo(lambda: accepted_link(names, router.search), [])
    first = (accepted[1], accepted[2])
    link = solara.use_memo(lambda: parse_query(accepted[0], names) if accepted[0] else None, [])
    warmup.start()  # once per process; normally already started when the server imported us
    sim_ref = solara.use_ref(first[0])  # this session's own model
    ui = PageState(
        names=names,
        sim_ref=sim_ref,
        scenario=solara.use_reactive(first[0].source or names[0]),
        uploaded=solara.use_reactive({}),
        seed_text=solara.use_reactive(str(first[0].seed)),
        seed_error=solara.use_reactive(""),
        knob_error=solara.use_reactive(""),
        override_text=solara.use_reactive(""),
        override_error=solara.use_reactive(""),
        load_error=solara.use_reactive(""),
        link_error=solara.use_reactive(first[1]),
        playing=solara.use_reactive(False),
        speed=solara.use_reactive(10),
        tick=solara.use_reactive(0),
        version=solara.use_reactive(0),
        drawer=solara.use_reactive(False),
        at_end=solara.use_reactive(first[0].done),
        posterior=solara.use_reactive(bool(link and link.posterior)),
        undo_stack=solara.use_reactive(cast(list[Snapshot], [])),
        redo_stack=solara.use_reactive(cast(list[Snapshot], [])),
        ready=solara.use_reactive(warmup.status().ready),
        compare=solara.use_reactive(link.compare if link else None),
        warmup_text=solara.use_reactive(""),
        pins=solara.use_reactive(cast(list[Any], [])),
        last_ensemble=solara.use_reactive(None),
        record=solara.use_reactive(bool(link and link.record and has_record(first[0].scenario))),
        ensemble_n=solara.use_reactive(link.ensemble if link else None),
        posterior_error=solara.use_reactive(""),
        posterior_refusals=solara.use_reactive(0),
        loads=solara.use_reactive(0),
    )

    async def watch_warmup() -> None:
        # the message counts the seconds while the server's warm-up runs, then goes away
        while not (st := warmup.status()).ready:
            ui.warmup_text.set(st.message)
            await asyncio.sleep(0.5)
        ui.warmup_text.set(warmup.status().message)
        ui.ready.set(True)

    solara.lab.use_task(watch_warmup, dependencies=[], prefer_threaded=False)

    async def play_loop() -> None:
        # a week every 1/speed s on a fixed schedule (PlayClock), restarted with the run
        clock, sim = PlayClock(time.perf_counter()), ui.sim
        while ui.playing.value:
            try:
                guards.number(ui.speed.value, 1, 30, "Play speed", integer=True)
            except guards.Refused:
                ui.speed.set(10)  # the slider's own range; a client sent something else
            if ui.sim is not sim:  # an input changed during Play: a new run at week 0
                sim = ui.sim
                clock.restart(time.perf_counter())
            elif not sim.step():
                ui.at_end.set(True)
                ui.playing.set(False)
                break
            else:
                ui.tick.set(ui.tick.value + 1)
            await asyncio.sleep(clock.delay(time.perf_counter(), ui.speed.value))

    solara.lab.use_task(play_loop, dependencies=[ui.playing.value], prefer_threaded=False)

    solara.Title(page_title(ui.sim))
    solara.Style(CSS)
    LinkSync(ui)
    with solara.Div(classes=["cs-app"]):
        WarmupNotice(ui)
        solara.v.Html(
            tag="a", class_="cs-skip", attributes={"href": "#cs-main"},
            children=["Skip to the views"],
        )  # fmt: skip
        TopBar(ui)
        with solara.Div(classes=["cs-body"]):
            with solara.v.Html(
                tag="aside", class_="cs-controls cs-open" if ui.drawer.value else "cs-controls",
                attributes={"id": "cs-controls", "aria-label": "Controls"},
            ):  # fmt: skip
                Controls(ui)
            # Escape closes the drawer wherever the focus is: see widgets.UrlSync
            Scrim(ui)
            with solara.v.Html(tag="main", class_="cs-main", attributes={"id": "cs-main"}):
                # a refused link is said where it is seen at every width (the drawer is
                # closed on a phone)
                if ui.link_error.value:
                    solara.HTML(
                        unsafe_innerHTML='<div class="cs-error" id="link-error" role="alert">'
                        f"{escape(ui.link_error.value)}</div>"
                    )
                LiveViews(ui)
                EnsemblePanel(ui).key(f"ensemble-{ui.loads.value}")
                for k, panel in enumerate(EXTRA_PANELS):
                    panel(ui).key(f"panel{k}-{ui.loads.value}")
                RunsPanel(ui, ui.pins.value, ui.last_ensemble.value)
                ActorEditor(ui)
                AboutPanel()
