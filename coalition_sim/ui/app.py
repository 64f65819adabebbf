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
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any, cast

import reacton.ipyvue as rv
import solara
import solara.lab

from ..scenario.library import BASELINE, list_scenarios, resolve_scenario
from ..scenario.loading import ConfigError
from ..scenario.schema import Scenario
from . import guards, serving
from .compare_panel import ComparePanel
from .session import (
    KNOBS,
    Knob,
    Sim,
    ensemble_views,
    knobs_for,
    param_label,
    parse_override,
    parse_seed,
)
from .state import (
    MAX_UPLOAD_BYTES,
    LinkState,
    ensemble_outcomes_csv,
    ensemble_replicates_csv,
    events_csv,
    format_query,
    parse_query,
    scenario_from_text,
    scenario_toml,
    trajectory_csv,
)
from .views import (
    GRAPH_LEGEND,
    badges_html,
    graph_svg,
    series_caption_html,
    series_legend_html,
    series_svg,
    timeline_html,
)
from .widgets import NativeSelect, ScenarioFileInput, UrlSync

__all__ = [
    "EXTRA_PANELS",
    "KNOBS",
    "Knob",
    "Layout",
    "Page",
    "PageState",
    "Sim",
    "knobs_for",
    "parse_override",
    "parse_seed",
]

FILE_PREFIX = "file: "  # scenario keys of uploaded files, as shown in the scenario menu

# --------------------------------------------------------------------------- style

CSS = """
.cs-app { min-height:100vh; background:#fff; color:#1b2631; }
.cs-bar { position:sticky; top:0; z-index:30; height:56px; display:flex; align-items:center;
  gap:10px; padding:0 12px; background:#17324d; color:#fff; }
.cs-bar h1 { font-size:18px; line-height:1.2; margin:0; font-weight:600; }
.cs-bar .cs-menu { display:none; }
.cs-body { display:flex; align-items:flex-start; }
.cs-controls { flex:0 0 340px; width:340px; box-sizing:border-box; position:sticky; top:56px;
  height:calc(100vh - 56px); overflow-y:auto; padding:8px 14px 24px; background:#fff;
  border-right:1px solid #d5d8dc; }
.cs-main { flex:1 1 auto; min-width:0; padding:12px; box-sizing:border-box; }
.cs-scrim { display:none; }
.cs-row { display:grid; grid-template-columns:minmax(0,5fr) minmax(0,7fr); gap:12px; }
@media (max-width:1279.98px) { .cs-row { grid-template-columns:minmax(0,1fr); } }
@media (max-width:899.98px) {
  .cs-bar .cs-menu { display:inline-flex; }
  .cs-bar h1 { font-size:16px; }
  .cs-controls { position:fixed; top:56px; left:0; bottom:0; height:auto; z-index:25;
    width:min(340px, 88vw); box-shadow:0 8px 24px rgba(0,0,0,.3); visibility:hidden;
    transform:translateX(-105%); transition:transform .15s ease-out, visibility .15s; }
  .cs-controls.cs-open { visibility:visible; transform:none; }
  .cs-scrim.cs-open { display:block; position:fixed; top:56px; left:0; right:0; bottom:0;
    z-index:20; background:rgba(0,0,0,.35); }
  .cs-main { padding:8px; }
  .cs-main .cs-card { padding:8px 6px; }
}
.cs-card { border:1px solid #d5d8dc; border-radius:6px; padding:10px 12px; margin:0 0 12px;
  background:#fff; min-width:0; }
.cs-card h2 { font-size:17px; margin:0 0 6px; font-weight:600; }
.cs-card h3 { font-size:15px; margin:8px 0 4px; font-weight:600; }
.cs-chart { overflow-x:auto; }
.cs-controls h2 { font-size:15px; margin:14px 0 4px; font-weight:600; }
.cs-badges { display:flex; flex-wrap:wrap; gap:8px; margin:4px 0 8px; }
.cs-badge { display:inline-flex; border:1.5px solid; border-radius:14px; overflow:hidden;
  font-size:13px; line-height:22px; }
.cs-badge-label { padding:0 8px; background:#fff; color:#1b2631; }
.cs-badge-value { padding:0 10px; color:#fff; font-weight:600; }
.cs-status { font-size:15px; color:#1b2631; margin:0 0 4px; }
.cs-status b { font-size:17px; }
.cs-timeline { max-height:300px; overflow-y:auto; font-size:13px; }
.cs-timeline table { border-collapse:collapse; width:100%; }
.cs-timeline td { padding:2px 8px 2px 0; border-bottom:1px solid #f0f0f0; vertical-align:top; }
.cs-ev-date { white-space:nowrap; color:#1b2631; font-variant-numeric:tabular-nums; }
.cs-ev-week { white-space:nowrap; color:#4d5656; }
.cs-ev-actor { font-weight:600; }
.cs-ev-details { color:#4d5656; }
.cs-ev-strategic_test td, .cs-ev-coalition_fracture td, .cs-ev-military_crisis td,
.cs-ev-summit_held td, .cs-ev-agreement td { font-weight:600; }
.cs-empty, .cs-more { color:#4d5656; padding:4px 0; }
.cs-fans { display:grid; grid-template-columns:repeat(auto-fit, minmax(320px, 1fr)); gap:12px; }
.cs-error { color:#a93226; font-size:13px; margin:2px 0 6px; }
.cs-note { color:#4d5656; font-size:13px; }
.cs-caption { color:#34495e; font-size:13px; margin:6px 0 0; line-height:1.4; }
.cs-legend { display:flex; flex-wrap:wrap; gap:4px 14px; align-items:center; font-size:13px;
  color:#1b2631; margin-top:4px; }
.cs-leg { display:inline-flex; align-items:center; gap:4px; }
.cs-ramp { display:inline-block; width:80px; height:10px; border:1px solid #888; }
.cs-stale { opacity:.45; filter:grayscale(1); }
.cs-stale-note { background:#fef5e7; border:1px solid #7d5200; border-radius:4px;
  padding:6px 10px; margin:6px 0; font-size:14px; }
.cs-exports { display:flex; flex-wrap:wrap; gap:6px; margin:4px 0; }
.cs-exports .v-btn { text-transform:none; letter-spacing:normal; white-space:normal;
  height:auto !important; min-height:32px; padding:4px 10px !important; }
.cs-exports .v-btn__content { white-space:normal; text-align:left; }
.cs-select { display:flex; flex-direction:column; gap:4px; font-size:14px; margin:4px 0 8px; }
.cs-select select { font-size:16px; padding:6px 8px; border:1px solid #5d6d7e; border-radius:4px;
  background:#fff; color:#1b2631; appearance:auto; }
.cs-file { display:flex; flex-direction:column; gap:4px; font-size:14px; margin:4px 0; }
.cs-file input { font-size:14px; max-width:100%; }
.cs-details summary { cursor:pointer; font-size:14px; }
.cs-details table { font-size:12px; border-collapse:collapse; }
.cs-details td { padding:1px 6px 1px 0; vertical-align:top; }
.cs-app :focus-visible, .cs-app .v-slider__thumb-container:focus-within .v-slider__thumb {
  outline:3px solid #b35c00 !important; outline-offset:2px; }
.cs-skip { position:absolute; left:-9999px; }
.cs-skip:focus { left:12px; top:8px; z-index:40; background:#fff; color:#17324d; padding:4px 8px; }
"""


def _file_name(*parts: object) -> str:
    """A safe download file name from scenario name, seed, etc."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(str(p) for p in parts))


def chart(svg: str, name: str) -> str:
    """A chart in a wrapper that scrolls sideways if the screen is narrower than the chart's
    smallest readable size; focusable, so the scrolling works from the keyboard too."""
    return (
        f'<div class="cs-chart" tabindex="0" role="group" aria-label="{escape(name)} '
        f'(scrolls sideways on a narrow screen)">{svg}</div>'
    )


# --------------------------------------------------------------------------- browser widgets


# --------------------------------------------------------------------------- page state


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

    @property
    def sim(self) -> Sim:
        return self.sim_ref.current

    def base(self, key: str) -> str | Scenario:
        return guards.scenario_base(key, self.names, self.uploaded.value)  # never a path

    def rebuild(self, key: str, values: dict[str, Any], seed: int | None) -> str:
        """Swap in a new model; on refusal keep the running one and return the message."""
        try:
            new = Sim.build(self.base(key), values, seed)
        except (ConfigError, ValueError) as exc:
            return guards.public_message(str(exc))
        self.sim_ref.current = new
        self.at_end.set(new.done)
        self.version.set(self.version.value + 1)
        self.tick.set(self.tick.value + 1)
        return ""

    def switch(self, key: str) -> str:
        """Another scenario, its own seed and values; clears every input's message."""
        self.playing.set(False)
        msg = self.rebuild(key, {}, None)
        if msg:
            return msg
        self.scenario.set(key)
        self.seed_text.set(str(self.sim.seed))
        for r in (self.seed_error, self.knob_error, self.override_error, self.override_text):
            r.set("")
        return ""

    def set_values(self, values: dict[str, Any]) -> str:
        return self.rebuild(self.scenario.value, values, self.sim.seed)

    def step(self) -> None:
        if self.sim.step():
            self.tick.set(self.tick.value + 1)
            if self.sim.done:
                self.at_end.set(True)

    def reset(self) -> None:
        self.playing.set(False)
        self.rebuild(self.scenario.value, self.sim.values, self.sim.seed)

    def query(self) -> str:
        """The link for the state on screen ('' for an uploaded scenario: no name to share)."""
        sim = self.sim
        if sim.source is None:
            return ""
        return format_query(LinkState(sim.source, sim.seed, sim.values, int(sim.model.steps)))


def _initial(names: list[str], search: str | None) -> tuple[Sim, str]:
    """The run a link asks for, or the default run and a message saying why not."""
    default = BASELINE if BASELINE in names else names[0]
    try:
        link = parse_query(search, names)
        if link is not None:
            sim = Sim.build(link.scenario, link.values, link.seed)
            sim.advance_to(link.week)
            return sim, ""
    except ValueError as exc:  # ConfigError is a ValueError
        return Sim.build(default, {}, None), (
            f"The link was refused: {exc}. Showing the default scenario instead."
        )
    return Sim.build(default, {}, None), ""


# --------------------------------------------------------------------------- controls


@solara.component
def KnobSlider(knob: Knob, value: float, on_value: Callable[[float], None]):
    label = f"{knob.label}: {value:g}" if knob.integer else f"{knob.label}: {value:.3g}"
    css = ["cs-knob", "cs-knob-" + knob.key.replace(".", "-")]
    with solara.Tooltip(knob.tooltip), solara.Div(classes=css):
        if knob.integer:
            solara.SliderInt(
                label, value=int(value), min=int(knob.lo), max=int(knob.hi),
                on_value=on_value, thumb_label=False,
            )  # fmt: skip
        else:
            solara.SliderFloat(
                label, value=float(value), min=knob.lo, max=knob.hi, step=knob.step,
                on_value=on_value, thumb_label=False,
            )  # fmt: skip


@solara.component
def ScenarioControls(ui: PageState):
    """Scenario menu, loading a scenario file, seed."""
    keys = ui.names + list(ui.uploaded.value)

    def on_scenario(key: str) -> None:
        if key != ui.scenario.value:
            msg = ui.switch(key)
            ui.load_error.set(f"Refused: {msg}" if msg else "")

    def on_file(data: dict[str, Any]) -> None:
        try:
            name, text = guards.upload(data, MAX_UPLOAD_BYTES)
        except guards.Refused as exc:
            ui.load_error.set(f"Refused: {exc}. The running model is unchanged.")
            return
        if text is None:
            ui.load_error.set(
                f"Refused: {name}: a scenario file may be at most "
                f"{MAX_UPLOAD_BYTES} bytes. The running model is unchanged."
            )
            return
        try:
            scn = scenario_from_text(name, text)
        except ConfigError as exc:
            ui.load_error.set(f"Refused: {exc}. The running model is unchanged.")
            return
        key = FILE_PREFIX + name
        ui.load_error.set("")
        ui.uploaded.set({**ui.uploaded.value, key: scn})
        msg = ui.switch(key)
        ui.load_error.set(f"Refused: {msg}. The running model is unchanged." if msg else "")

    def on_seed(text: str | None) -> None:
        text = text if isinstance(text, str) else ""
        ui.seed_text.set(text)
        try:
            seed = parse_seed(text)
        except ValueError as exc:
            ui.seed_error.set(f"{exc} The running model keeps seed {ui.sim.seed}.")
            return
        ui.seed_error.set(ui.rebuild(ui.scenario.value, ui.sim.values, seed))

    NativeSelect.element(
        label="Scenario", input_id="cs-scenario", select_class="cs-scenario", options=keys,
        value=ui.scenario.value, on_value=on_scenario,
    )  # fmt: skip
    ScenarioFileInput.element(handler=on_file)
    if ui.load_error.value:
        solara.HTML(
            unsafe_innerHTML=f'<div class="cs-error" id="load-error" role="alert">'
            f"{escape(ui.load_error.value)}</div>"
        )
    solara.InputText(
        "Seed (whole number, Enter)", value=ui.seed_text.value, on_value=on_seed,
        error=ui.seed_error.value or False, classes=["cs-seed"],
    )  # fmt: skip


@solara.component
def RunControls(ui: PageState):
    """Step, Play/Pause, Reset and the play speed."""
    done = ui.at_end.value
    with solara.Row(gap="6px"):
        solara.Button("Step", on_click=ui.step, disabled=ui.playing.value, classes=["cs-step"])
        if ui.playing.value:
            solara.Button(
                "Pause", on_click=lambda: ui.playing.set(False), color="warning",
                classes=["cs-pause"],
            )  # fmt: skip
        else:
            solara.Button(
                "Play", on_click=lambda: ui.playing.set(True), color="primary",
                classes=["cs-play"], disabled=done,
            )  # fmt: skip
        solara.Button("Reset", on_click=ui.reset, classes=["cs-reset"])
    with solara.Div(classes=["cs-speed"]):
        solara.SliderInt(
            f"Play speed: {ui.speed.value} weeks per second", value=ui.speed, min=1, max=30,
            thumb_label=False,
        )  # fmt: skip


@solara.component
def KnobPanel(ui: PageState, knobs: list[Knob]):
    """The sliders, grouped; a refused combination is reported above them."""
    _ = ui.version.value  # the sliders show the running model's values

    def on_knob(knob: Knob, value: float) -> None:
        try:
            value = guards.number(value, knob.lo, knob.hi, knob.label, integer=knob.integer)
        except guards.Refused as exc:
            ui.knob_error.set(f"Refused: {exc}. The running model is unchanged.")
            return
        current = ui.sim.values.get(knob.key, knob.value)
        if abs(value - current) <= knob.step / 2 + 1e-12:
            return  # the slider snapping an off-grid value to its grid, not a person
        msg = ui.set_values({**ui.sim.values, knob.key: value})
        ui.knob_error.set(f"Refused: {msg}. The running model is unchanged." if msg else "")

    if ui.knob_error.value:
        solara.HTML(
            unsafe_innerHTML=f'<div class="cs-error" id="knob-error" role="alert">'
            f"{escape(ui.knob_error.value)}</div>"
        )
    groups: dict[str, list[Knob]] = {}
    for knob in knobs:
        groups.setdefault(knob.group, []).append(knob)
    for group, members in groups.items():
        with solara.Column(gap="0px").key(f"group-{group}"):
            solara.HTML(tag="h2", unsafe_innerHTML=escape(group))
            for knob in members:
                KnobSlider(
                    knob,
                    ui.sim.values.get(knob.key, knob.value),
                    lambda v, knob=knob: on_knob(knob, v),
                ).key(f"knob-{knob.key}")


@solara.component
def OverrideField(ui: PageState, knobs: list[Knob]):
    """Set any parameter as key=value; its refusal shows right under the field."""
    _ = ui.version.value

    def on_override(text: str | None) -> None:
        text = text if isinstance(text, str) else ""
        ui.override_text.set(text)
        if not (text or "").strip():
            ui.override_error.set("")
            return
        try:
            key, value = parse_override(text or "")
            msg = ui.set_values({**ui.sim.values, key: value})
        except ConfigError as exc:
            msg = str(exc)
        if msg:
            ui.override_error.set(f"Refused: {msg}. The running model is unchanged.")
            return
        ui.override_error.set("")
        ui.override_text.set("")

    def clear_values() -> None:
        if ui.set_values({}) == "":
            ui.knob_error.set("")
            ui.override_error.set("")

    solara.InputText(
        "Set any parameter (key=value, Enter)", value=ui.override_text.value,
        on_value=on_override, error=ui.override_error.value or False,
        classes=["cs-override"],
    )  # fmt: skip
    sim = ui.sim
    knob_keys = {kn.key for kn in knobs}
    extra = {k: v for k, v in sim.values.items() if k not in knob_keys}
    if extra:
        rows = "".join(
            f"<li>{escape(param_label(k, sim.scenario))} = {escape(str(v))}</li>"
            for k, v in extra.items()
        )
        solara.HTML(unsafe_innerHTML=f'<ul class="cs-note" id="extra-values">{rows}</ul>')
    if sim.values:
        solara.Button("Back to scenario defaults", on_click=clear_values, text=True)


@solara.component
def ExportSection(ui: PageState):
    """The export buttons, mounted only when asked for (keeps the first page load light)."""
    shown = solara.use_reactive(False)
    solara.Button(
        "Hide export options" if shown.value else "Show export options",
        on_click=lambda: shown.set(not shown.value), text=True, classes=["cs-show-exports"],
        attributes={"aria-expanded": "true" if shown.value else "false"},
    )  # fmt: skip
    if shown.value:
        ExportPanel(ui)


@solara.component
def ExportPanel(ui: PageState):
    """Downloads of the run on screen: CSVs as the CLI writes them, the scenario, the charts.

    The data is made when a button is pressed, from the run as it is then.
    """
    _ = ui.version.value

    def locked(fn: Callable[[Any], str]) -> Callable[[], str]:
        def get() -> str:
            sim = ui.sim
            with sim.lock:
                return fn(sim)

        return get

    sim = ui.sim
    stem = _file_name(sim.scenario.name, f"seed{sim.seed}")

    def toml(s: Sim) -> str:
        note = (
            f"Scenario exported from the coalition-sim page: {s.label}.\n"
            "Reproduce the run: python run.py run --config THIS_FILE"
        )
        return scenario_toml(s.scenario, s.seed, note)

    def svg(markup: str) -> str:
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + markup + "\n"

    with solara.Div(classes=["cs-exports"]):
        solara.FileDownload(
            locked(lambda s: trajectory_csv(s.model)), f"{stem}-trajectory.csv",
            label="Run: trajectory (CSV)", mime_type="text/csv",
        )  # fmt: skip
        solara.FileDownload(
            locked(lambda s: events_csv(s.model)), f"{stem}-events.csv",
            label="Run: events (CSV)", mime_type="text/csv",
        )  # fmt: skip
        solara.FileDownload(
            locked(toml), f"{stem}.toml", label="Scenario with overrides and seed (TOML)",
            mime_type="application/toml",
        )  # fmt: skip
        solara.FileDownload(
            locked(lambda s: svg(graph_svg(s.model))), f"{stem}-graph.svg",
            label="Alliance graph (SVG)", mime_type="image/svg+xml",
        )  # fmt: skip
        solara.FileDownload(
            locked(lambda s: svg(series_svg(s.model, s.history))),
            f"{stem}-time-series.svg", label="Time series (SVG)",
            mime_type="image/svg+xml",
        )  # fmt: skip


@solara.component
def ParameterDetails(knobs: list[Knob]):
    """Code names of the sliders, for --set and scenario files (out of the way)."""
    rows = "".join(
        f"<tr><td>{escape(k.label)}</td><td><code>{escape(k.key)}</code></td></tr>" for k in knobs
    )
    solara.HTML(
        unsafe_innerHTML='<details class="cs-details"><summary>Parameter code names</summary>'
        f'<table><tbody>{rows}</tbody></table><p class="cs-note">Use these with '
        "<code>key=value</code> above or <code>--set</code> on the command line; "
        "<code>python run.py params</code> lists every parameter.</p></details>"
    )


@solara.component
def Controls(ui: PageState):
    """Everything in the drawer / left column."""
    key = ui.scenario.value
    base = solara.use_memo(lambda: ui.uploaded.value.get(key) or resolve_scenario(key), [key])
    knobs = solara.use_memo(lambda: knobs_for(base), [base])
    if ui.link_error.value:
        solara.HTML(
            unsafe_innerHTML=f'<div class="cs-error" id="link-error" role="alert">'
            f"{escape(ui.link_error.value)}</div>"
        )
    solara.HTML(tag="h2", unsafe_innerHTML="Scenario")
    ScenarioControls(ui)
    solara.HTML(tag="h2", unsafe_innerHTML="Run")
    RunControls(ui)
    KnobPanel(ui, knobs)
    solara.HTML(tag="h2", unsafe_innerHTML="Any parameter")
    OverrideField(ui, knobs)
    solara.HTML(tag="h2", unsafe_innerHTML="Export")
    ExportSection(ui)
    if ui.sim.source is None:
        solara.HTML(
            unsafe_innerHTML='<p class="cs-note">This scenario came from a file, so the link '
            "cannot name it: share the exported TOML instead.</p>"
        )
    ParameterDetails(knobs)
    solara.HTML(
        unsafe_innerHTML='<p class="cs-note">Changing the scenario, a parameter or the seed '
        "restarts the run at week 0. Hover or focus a slider for its meaning, range and "
        "source. The address bar always holds a link to the state on screen.</p>"
    )


# --------------------------------------------------------------------------- views


@solara.component
def Card(title: str, children: list[Any] = [], classes: list[str] = [], id: str = ""):  # noqa: B006
    """A titled section (a landmark with a heading, for screen readers)."""
    slug = id or "card-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    with solara.v.Html(
        tag="section", class_=" ".join(["cs-card", *classes]),
        attributes={"aria-labelledby": f"{slug}-h", "id": slug},
    ):  # fmt: skip
        solara.v.Html(tag="h2", attributes={"id": f"{slug}-h"}, children=[title])
        for child in children:
            solara.display(child)


@solara.component
def LiveViews(ui: PageState):
    """Everything that changes each week; only this re-renders during Play."""
    _ = ui.tick.value
    sim = ui.sim
    with sim.lock:
        m = sim.model
        finished = " \u00b7 finished" if sim.done else ""
        status = (
            f'<div class="cs-status" id="cs-status" data-week="{m.steps}">'
            f"<b>Week {m.steps}</b> of {m.n_steps} \u00b7 {m.date.strftime('%d %b %Y')} "
            f"\u00b7 <i>{escape(sim.scenario.name)}</i>, seed {sim.seed}{finished}</div>"
        )
        badges = badges_html(m)
        graph = graph_svg(m)
        series = series_svg(m, sim.history)
        legend = series_legend_html(m, sim.history)
        n_events = len(m.event_log)
        # both change rarely: rebuilt only for a new run or a new event
        caption = solara.use_memo(lambda: series_caption_html(m), [id(sim), sim.inputs])
        timeline = solara.use_memo(
            lambda: timeline_html(m.event_log), [id(sim), sim.inputs, n_events]
        )
    solara.HTML(unsafe_innerHTML=status + badges)
    with solara.Div(classes=["cs-row"]):
        with Card("Alliance graph"):
            solara.HTML(unsafe_innerHTML=chart(graph, "alliance graph"))
            solara.HTML(unsafe_innerHTML=GRAPH_LEGEND)
        with Card("Time series"):
            solara.HTML(unsafe_innerHTML=chart(series, "time series"))
            solara.HTML(unsafe_innerHTML=legend)
            solara.HTML(unsafe_innerHTML=caption)  # unchanged markup: not re-sent each week
    with Card("Event timeline (newest first)", id="card-event-timeline"):
        solara.HTML(unsafe_innerHTML=timeline)


@solara.component
def EnsemblePanel(ui: PageState):
    """Replicates of the current inputs; a result for other inputs is greyed, never shown
    as current."""
    n_text = solara.use_reactive("500")
    error = solara.use_reactive("")
    result = solara.use_reactive(cast(dict[str, Any] | None, None))
    clicked = solara.use_reactive(0)
    use_post = solara.use_reactive(False)
    _ = ui.version.value

    def compute() -> dict[str, Any] | None:
        if clicked.value == 0:
            return None
        try:
            n = guards.count(n_text.value, 1, 20000, "Replicates")
            post = guards.flag(use_post.value, "Parameter uncertainty")
            serving.check_request(ui.sim.scenario, n)
        except guards.Refused as exc:
            error.set(f"{exc}.")
            return None
        error.set("")
        try:
            out = ensemble_views(ui.sim, n, posterior=post, session=solara.get_kernel_id())
        except (ConfigError, ValueError) as exc:
            error.set(
                f"The ensemble engine refused these inputs: {guards.public_message(str(exc))}"
            )
            return None
        result.set(out)
        return out

    task = solara.lab.use_task(compute, dependencies=[clicked.value])
    run = lambda: clicked.set(clicked.value + 1)  # noqa: E731
    sim = ui.sim
    with Card("Ensemble"):
        solara.HTML(
            unsafe_innerHTML='<p class="cs-note">Many replicates of the current inputs '
            f"({escape(sim.label)}) through the vectorised ensemble engine. "
            f'<span id="ensemble-budget">{escape(serving.budget_note(sim.scenario))}</span></p>'
        )
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputText(
                "Replicates", value=n_text, continuous_update=True, dense=True,
                error=error.value or False, classes=["cs-replicates"],
            )  # fmt: skip
            solara.Button(
                "Run replicates", on_click=run, color="primary", disabled=task.pending,
                classes=["cs-run-ensemble"],
            )  # fmt: skip
            solara.Switch(
                label="Parameter uncertainty: draw fitted parameters from the posterior",
                value=use_post, classes=["cs-posterior"],
            )  # fmt: skip
            if task.pending:
                solara.Text("running\u2026", classes=["cs-note"])
        res = result.value
        if res is None:
            return
        stale = res["inputs"] != sim.inputs
        if stale:
            with solara.v.Html(tag="div", class_="cs-stale-note", attributes={"role": "status"}):
                solara.HTML(
                    unsafe_innerHTML='<span id="ensemble-stale">Out of date: these results '
                    f"are for {escape(res['label'])}. The inputs have changed since; re-run "
                    "for the current ones.</span>"
                )
                solara.Button(
                    "Re-run", on_click=run, disabled=task.pending, classes=["cs-rerun"],
                    outlined=True,
                )  # fmt: skip
        with solara.v.Html(
            tag="div", class_="cs-stale" if stale else "cs-fresh",
            attributes={"id": "ensemble-results", "aria-disabled": "true" if stale else "false"},
        ):  # fmt: skip
            solara.HTML(
                unsafe_innerHTML=(
                    f'<div class="cs-note" id="ensemble-summary">{res["n"]} replicates \u00d7 '
                    f"{res['weeks']} weeks of {escape(res['label'])} in {res['seconds']:.2f} s"
                    "</div>"
                )
            )
            solara.HTML(tag="h3", unsafe_innerHTML="How often each outcome happened")
            solara.HTML(unsafe_innerHTML=chart(res["bars"], "outcome bars"))
            solara.HTML(unsafe_innerHTML=res["bars_caption"])
            solara.HTML(tag="h3", unsafe_innerHTML="Spread over time")
            with solara.Div(classes=["cs-fans"]):
                for _metric, fan in res["fans"]:
                    solara.HTML(unsafe_innerHTML=chart(fan, f"fan chart {_metric}"))
            solara.HTML(unsafe_innerHTML=res["fans_caption"])
        EnsembleExports(res)


@solara.component
def EnsembleExports(res: dict[str, Any]):
    stem = _file_name("ensemble", res["n"], res["inputs"].split(":")[0])

    def svg(markup: str) -> str:
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + markup + "\n"

    with solara.Div(classes=["cs-exports"]):
        solara.FileDownload(
            lambda: ensemble_outcomes_csv(res), f"{stem}-outcomes.csv",
            label="Outcome table (CSV)", mime_type="text/csv",
        )  # fmt: skip
        solara.FileDownload(
            lambda: ensemble_replicates_csv(res), f"{stem}-replicates.csv",
            label="Replicate table (CSV)", mime_type="text/csv",
        )  # fmt: skip
        solara.FileDownload(
            lambda: svg(res["bars"]), f"{stem}-outcomes.svg", label="Outcome bars (SVG)",
            mime_type="image/svg+xml",
        )  # fmt: skip
        for metric, fan in res["fans"]:
            solara.FileDownload(
                lambda fan=fan: svg(fan), f"{stem}-fan-{metric}.svg",
                label=f"Fan chart: {metric.replace('_', ' ')} (SVG)", mime_type="image/svg+xml",
            )  # fmt: skip


#: Further panels under the ensemble (each a component taking the :class:`PageState`).
EXTRA_PANELS: list[Callable[[PageState], Any]] = [
    lambda ui: ComparePanel(ui.sim_ref, ui.version),
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


@solara.component
def LinkSync(ui: PageState):
    """The address bar follows the state on screen (not during Play: at its pause)."""
    _ = ui.version.value
    query = None if ui.playing.value else (ui.tick.value, ui.query())[1]
    return UrlSync.element(query=query)


@solara.component
def Layout(children: list[Any] = []):  # noqa: B006
    """No framework app bar or drawer: the page draws its own responsive shell."""
    return solara.Div(children=children)


@solara.component
def Page():
    names = solara.use_memo(lambda: [n for n, _, _ in list_scenarios()], [])
    router = solara.use_router()
    first = solara.use_memo(lambda: _initial(names, router.search), [])
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
    )

    async def play_loop() -> None:
        # a week every 1/speed s on a fixed schedule: a slow week (a busy machine) is made up
        # by the next ones instead of slowing Play down for good
        due = time.perf_counter()
        while ui.playing.value:
            try:
                guards.number(ui.speed.value, 1, 30, "Play speed", integer=True)
            except guards.Refused:
                ui.speed.set(10)  # the slider's own range; a client sent something else
            if not ui.sim.step():
                ui.at_end.set(True)
                ui.playing.set(False)
                break
            ui.tick.set(ui.tick.value + 1)
            now = time.perf_counter()
            due = max(due + 1 / ui.speed.value, now - 1 / ui.speed.value)
            await asyncio.sleep(max(0.002, due - now))

    solara.lab.use_task(play_loop, dependencies=[ui.playing.value], prefer_threaded=False)

    solara.Title("Coalition under pressure \u2014 interactive simulation")
    solara.Style(CSS)
    LinkSync(ui)
    with solara.Div(classes=["cs-app"]):
        solara.v.Html(
            tag="a", class_="cs-skip", attributes={"href": "#cs-main"},
            children=["Skip to the views"],
        )  # fmt: skip
        TopBar(ui)
        with solara.Div(classes=["cs-body"]):
            with solara.v.Html(
                tag="aside", class_="cs-controls cs-open" if ui.drawer.value else "cs-controls",
                attributes={"id": "cs-controls", "aria-label": "Controls"},
            ) as aside:  # fmt: skip
                Controls(ui)
            # Escape closes the drawer (on a narrow screen; harmless on a wide one)
            rv.use_event(aside, "keydown.esc", lambda *_: ui.drawer.set(False))
            Scrim(ui)
            with solara.v.Html(tag="main", class_="cs-main", attributes={"id": "cs-main"}):
                LiveViews(ui)
                EnsemblePanel(ui)
                for panel in EXTRA_PANELS:
                    panel(ui)
