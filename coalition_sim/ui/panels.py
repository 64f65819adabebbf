"""The views column: the live views of the run on screen and the ensemble panel."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

import solara
import solara.lab

from ..scenario.resources import doc_file
from .page_state import PageState
from .page_state import has_record as scenario_has_record
from .record import record_list_html
from .style import chart
from .theme import GRAPH_LEGEND
from .views import (
    badges_html,
    graph_svg,
    series_caption_html,
    series_legend_html,
    series_svg,
    timeline_html,
)

__all__ = ["ABOUT_HTML", "AboutPanel", "Card", "LiveViews", "busy_with_stop", "stopped_status"]


def busy_with_stop(note: str, on_stop: Any, kind: str) -> None:
    """A heavy panel's running state, rendered in place: its busy note and its Stop button
    (``cs-stop-<kind>``); the Ensemble and Compare panels share it."""
    solara.Text(note, classes=["cs-note", "cs-busy"])
    solara.Button("Stop", on_click=on_stop, outlined=True, classes=[f"cs-stop-{kind}"])


def stopped_status(kind: str, text: str) -> None:
    """What a heavy panel says after its Stop (``#<kind>-stopped``, a status for screen
    readers), rendered in place."""
    solara.HTML(
        unsafe_innerHTML=f'<p class="cs-note" id="{kind}-stopped" role="status">{escape(text)}</p>'
    )


@solara.component
def Card(title: str, children: list[Any] = [], classes: list[str] = [], id: str = ""):  # noqa: B006
    """A titled section (a landmark with a heading, for screen readers)."""
    slug = id or "card-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    # the children as the section's own (not through IPython's display, which only a
    # server's kernel hooks: a panel rendered in a test showed its heading alone)
    heading = solara.v.Html(tag="h2", attributes={"id": f"{slug}-h"}, children=[title])
    return solara.v.Html(
        tag="section", class_=" ".join(["cs-card", *classes]),
        attributes={"aria-labelledby": f"{slug}-h", "id": slug}, children=[heading, *children],
    )  # fmt: skip


@solara.component
def LiveViews(ui: PageState):
    """Everything that changes each week; only this re-renders during Play."""
    _ = ui.tick.value
    in_order = solara.use_reactive(False)
    sim = ui.sim
    has_record = solara.use_memo(lambda: scenario_has_record(sim.scenario), [sim.inputs])
    overlay = ui.record.value and has_record
    with sim.lock:
        m = sim.model
        finished = " \u00b7 finished" if sim.done else ""
        status = (
            f'<div class="cs-status" id="cs-status" data-week="{m.steps}">'
            f"<b>Week {m.steps}</b> of {m.n_steps} \u00b7 {m.date.strftime('%d %b %Y')} "
            f"\u00b7 <i>{escape(sim.scenario.name)}</i>{sim.origin}, "
            f"seed {sim.seed}"
            + (f", {escape(sim.posterior)}" if sim.posterior else "")
            + f"{finished}</div>"
        )
        about = sim.scenario.description.strip().splitlines()
        status += (
            f'<p class="cs-description" id="scenario-description">{escape(about[0])}</p>'
            if about
            else ""
        )
        badges = badges_html(m)
        graph = graph_svg(m)
        series = series_svg(m, sim.history, record=overlay)
        legend = series_legend_html(m, sim.history)
        n_events = len(m.event_log)
        # both change rarely: rebuilt only for a new run or a new event
        caption = solara.use_memo(lambda: series_caption_html(m), [id(sim), sim.inputs])
        record_list = solara.use_memo(lambda: record_list_html(sim.scenario), [sim.inputs])
        timeline = solara.use_memo(
            lambda: timeline_html(
                m.event_log, chronological=in_order.value, scheduled=m.structure.events
            ),
            [id(sim), sim.inputs, n_events, in_order.value],
        )
    solara.HTML(unsafe_innerHTML=status + badges)
    with solara.Div(classes=["cs-row"]):
        with Card("Alliance graph"):
            solara.HTML(unsafe_innerHTML=chart(graph, "alliance graph"))
            solara.HTML(unsafe_innerHTML=GRAPH_LEGEND)
        with Card("Time series"):
            if has_record:
                solara.Switch(
                    label="Show the record's dated events (2016\u201318)", value=ui.record.value,
                    on_value=ui.set_record, classes=["cs-record-switch"],
                )  # fmt: skip
            solara.HTML(unsafe_innerHTML=chart(series, "time series"))
            solara.HTML(unsafe_innerHTML=legend)
            solara.HTML(unsafe_innerHTML=caption)  # unchanged markup: not re-sent each week
            if overlay:
                solara.HTML(unsafe_innerHTML=record_list)
    with Card("Event timeline", id="card-event-timeline"):
        solara.Switch(
            label="In order, the whole run (off: newest first)", value=in_order,
            classes=["cs-chrono-switch"],
        )  # fmt: skip
        # the model steps in weeks: an event is dated by the end of its week (the day after
        # its last day, README "date_of"), so a scheduled event of 8 March shows as 12 March
        solara.HTML(
            unsafe_innerHTML='<p class="cs-note" id="timeline-dates">Dates mark the end of the '
            "model week in which the event fell: it happened in the seven days before that "
            "date (the model steps a week at a time; the record overlay gives the record's own "
            "dates). The events CSV dates them alike.</p>"
        )
        solara.HTML(unsafe_innerHTML=timeline)


ABOUT_HTML = (
    '<details class="cs-details" id="about"><summary>What the page shows (About)</summary>'
    '<dl class="cs-about">'
    "<dt>Commitment</dt><dd>How hard an actor enforces the pressure campaign (sanctions, "
    "isolation), 0 = not at all, 1 = maximum pressure.</dd>"
    "<dt>Defiance</dt><dd>North Korea's commitment is its defiance of the campaign: how "
    "firmly it resists.</dd>"
    "<dt>Cohesion</dt><dd>How closely the partners agree on pressure (0 = split, 1 = "
    "united); below the scenario's threshold the coalition has fractured.</dd>"
    "<dt>Effective pressure</dt><dd>The pressure the coalition actually applies, weighted "
    "by each partner's capability (0-1).</dd>"
    "<dt>US isolation</dt><dd>The share of partners' capability not matching US pressure "
    "(0-1).</dd>"
    "<dt>Domain</dt><dd>Prospect theory: a US leader below his reference point is in the "
    "domain of losses and takes risks (summits); above it, in the domain of gains, he is "
    "cautious.</dd>"
    "<dt>Posture</dt><dd>The US response to North Korean tests: none, compromise, sideline "
    "or escalate.</dd></dl>"
    '<p class="cs-note">One step is one week. The model, its rules and their sources: '
    "README.md (how to use it) and docs/ODD.md (the model description, ODD protocol) in the "
    "repository; download them below.</p></details>"
)


def _repo_file(rel: str) -> Path:
    """A document the page offers: the checkout's, or the copy an installed wheel carries."""
    return doc_file(rel)


@solara.component
def AboutPanel():
    """What the words on the page mean, with the README and the ODD to download."""
    with Card("About", id="card-about"):
        solara.HTML(unsafe_innerHTML=ABOUT_HTML)
        with solara.Div(classes=["cs-exports"]):
            for rel, label in (("README.md", "README"), ("docs/ODD.md", "Model description (ODD)")):
                path = _repo_file(rel)
                if path.is_file():
                    solara.FileDownload(
                        lambda path=path: path.read_text(encoding="utf-8"), path.name,
                        label=f"{label} (Markdown)", mime_type="text/markdown",
                    )  # fmt: skip
