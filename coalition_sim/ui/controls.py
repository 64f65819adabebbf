"""The controls column (a drawer on a narrow screen): scenario, seed, run buttons, sliders,
any parameter, exports. Every component receives the session's :class:`PageState`."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import solara

from ..scenario.library import resolve_scenario
from ..scenario.loading import ConfigError
from . import guards
from .numbers import whole
from .page_state import FILE_PREFIX, PageState, Snapshot
from .record import record_key_text
from .session import (
    Knob,
    Sim,
    knobs_for,
    param_label,
    parse_override,
    parse_seed,
    scenario_file,
    scenario_value,
)
from .state import (
    MAX_UPLOAD_BYTES,
    compact_toml,
    events_csv,
    scenario_from_text,
    scenario_toml,
    trajectory_csv,
)
from .style import export_stem, plain_text, svg_file
from .theme import GRAPH_CAPTION_HTML, graph_legend_rows, series_legend_rows
from .views import graph_svg, series_caption_html, series_svg
from .widgets import NativeSelect, NumberField, PngButton, ScenarioFileInput

__all__ = [
    "Controls",
    "ExportPanel",
    "KnobSlider",
    "UndoRedo",
    "parse_knob_text",
    "run_stem",
    "series_caption",
    "undo_hint",
]


def parse_knob_text(knob: Knob, text: str) -> float:
    """A value typed in a slider's number field, checked against the slider's range;
    ValueError with a one-line message naming the slider and what is allowed."""
    allowed = f"a {'whole ' if knob.integer else ''}number from {knob.lo:g} to {knob.hi:g}"
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"{knob.label} must be {allowed}, not {guards.typed(text)}") from None
    if not (knob.lo <= value <= knob.hi) or (knob.integer and value != int(value)):
        raise ValueError(f"{knob.label} must be {allowed}, not {guards.typed(text)}")
    return float(int(value)) if knob.integer else value


@solara.component
def KnobSlider(
    knob: Knob,
    value: float,
    on_value: Callable[[float], None],
    on_error: Callable[[str], None],
    on_exact: Callable[[float], None],
    refused: bool = False,
):
    """A slider and, beside it, a number field for the exact value. The slider's label is
    text only: a click on it changes nothing (it used to move the slider to its minimum).
    ``on_value`` hears the slider, ``on_exact`` the number field: a typed value off the
    slider's grid is what the analyst asked for, a slider's is its own snapping."""
    label = f"{knob.label}: {value:g}" if knob.integer else f"{knob.label}: {value:.3g}"
    css = ["cs-knob", "cs-knob-" + knob.key.replace(".", "-")]

    def on_text(text: str) -> None:
        try:
            new = parse_knob_text(knob, text)
        except ValueError as exc:
            on_error(f"Refused: {exc}. The running model is unchanged.")
            return
        on_exact(new)

    with solara.Div(classes=css):
        with solara.Tooltip(knob.tooltip), solara.Div(classes=["cs-knob-slider"]):
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
        NumberField.element(
            label=f"{knob.label}, exact value (Enter)", value=f"{value:g}", min=knob.lo,
            max=knob.hi, step=knob.step, input_class="cs-number cs-number-" + css[1][8:],
            handler=on_text, refused=refused,
        )  # fmt: skip
        # the same help as the hover tooltip, opened by a tap or Enter (touch has no hover)
        solara.HTML(
            unsafe_innerHTML=f'<details class="cs-knob-info"><summary title="About '
            f'{escape(knob.label)}" aria-label="About {escape(knob.label)}">?</summary>'
            f"<p>{escape(knob.tooltip)}</p></details>"
        )


def undo_hint(before: Snapshot) -> str:
    """What Undo will undo, named as the change it takes back ("Undo: record overlay on"),
    and the week it returns to (it used to read "Undo brings back the state before: record
    overlay on", as if Undo would switch the overlay on)."""
    return (
        f'<div class="cs-note" id="undo-what">Undo: {escape(before.what)} (back to week '
        f"{before.week}).</div>"
    )


@solara.component
def UndoRedo(ui: PageState):
    """Undo / Redo over every input change; each button says what it would undo."""
    undo, redo = ui.undo_stack.value, ui.redo_stack.value
    # one root element whatever the stacks hold (see Controls)
    with solara.Column(gap="0px", classes=["cs-undo-box"]):
        with solara.Row(gap="6px", classes=["cs-undo-row"]):
            solara.Button(
                "Undo", icon_name="mdi-undo", on_click=ui.undo, disabled=not undo,
                classes=["cs-undo"], outlined=True,
                attributes={"title": f"Undo: {undo[-1].what}" if undo else "Nothing to undo"},
            )  # fmt: skip
            solara.Button(
                "Redo", icon_name="mdi-redo", on_click=ui.redo, disabled=not redo,
                classes=["cs-redo"], outlined=True,
                attributes={"title": f"Redo: {redo[-1].what}" if redo else "Nothing to redo"},
            )  # fmt: skip
        with solara.Div(classes=["cs-undo-note"]):
            if undo:
                solara.HTML(unsafe_innerHTML=undo_hint(undo[-1]))


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
                f"{whole(MAX_UPLOAD_BYTES)} bytes. The running model is unchanged."
            )
            return
        try:
            scn = scenario_from_text(name, text)
        except ConfigError as exc:
            ui.load_error.set(f"Refused: {exc}. The running model is unchanged.")
            return
        key = FILE_PREFIX + name
        ui.load_error.set("")
        before = ui.uploaded.value
        ui.uploaded.set({**before, key: scn})
        msg = ui.switch(key)
        if msg:  # a file the page cannot run leaves no entry in the menu (it stayed there)
            ui.uploaded.set(before)
        ui.load_error.set(f"Refused: {name}: {msg}. The running model is unchanged." if msg else "")

    def on_seed(text: str | None) -> None:
        text = text if isinstance(text, str) else ""
        ui.seed_text.set(text)
        try:
            seed = parse_seed(text)
        except ValueError as exc:
            ui.seed_error.set(f"{exc} The running model keeps seed {ui.sim.seed}.")
            return
        ui.seed_error.set(ui.set_seed(seed))

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
    ready = ui.ready.value
    with solara.Row(gap="6px"):
        # off at the end of the run, as Play is (it stayed on there and a click did nothing)
        solara.Button(
            "Step", on_click=ui.step, disabled=ui.playing.value or done or not ready,
            classes=["cs-step"],
        )  # fmt: skip
        if ui.playing.value:
            solara.Button(
                "Pause", on_click=lambda: ui.playing.set(False), color="warning",
                classes=["cs-pause"],
            )  # fmt: skip
        else:
            solara.Button(
                "Play", on_click=lambda: ui.playing.set(True), color="primary",
                classes=["cs-play"], disabled=done or not ready,
            )  # fmt: skip
        solara.Button("Reset", on_click=ui.reset, classes=["cs-reset"])
    with solara.Div(classes=["cs-speed"]):
        solara.SliderInt(
            f"Play speed: {ui.speed.value} weeks per second", value=ui.speed, min=1, max=30,
            thumb_label=False,
        )  # fmt: skip


@solara.component
def KnobPanel(ui: PageState, knobs: list[Knob]):
    """The sliders, grouped; a refusal is reported right under the slider it concerns (a
    message above all the groups was out of sight for a slider far down the column)."""
    _ = ui.version.value  # the sliders show the running model's values
    where = solara.use_reactive("")  # the key of the slider whose value was refused

    def refuse(knob: Knob, msg: str) -> None:
        where.set(knob.key)
        ui.knob_error.set(msg)

    def on_knob(knob: Knob, value: float, exact: bool = False) -> None:
        try:
            value = guards.number(value, knob.lo, knob.hi, knob.label, integer=knob.integer)
        except guards.Refused as exc:
            refuse(knob, f"Refused: {exc}. The running model is unchanged.")
            return
        current = running_value(ui.sim, knob)
        if value == current or (not exact and abs(value - current) <= knob.step / 2 + 1e-12):
            # nothing to change; a slider snapping an off-grid value (one typed in the number
            # field) to its grid is the slider, not a person. A typed value is always taken.
            if exact:
                ui.knob_error.set("")  # what the field holds now is valid
            return
        msg = ui.set_values({**ui.sim.values, knob.key: value}, f"{knob.label} = {value:g}")
        if msg:
            refuse(knob, f"Refused: {msg}. The running model is unchanged.")
        else:
            ui.knob_error.set("")

    def message() -> None:
        solara.HTML(
            unsafe_innerHTML=f'<div class="cs-error" id="knob-error" role="alert">'
            f"{escape(ui.knob_error.value)}</div>"
        )

    keys = {knob.key for knob in knobs}
    groups: dict[str, list[Knob]] = {}
    for knob in knobs:
        groups.setdefault(knob.group, []).append(knob)
    # One container, and one per slider holding it and its message: a message or a button
    # appearing elsewhere in the column (Back to scenario defaults, after the first change)
    # then never makes the browser move the slider's element, which took its keyboard focus
    # away after one arrow key.
    with solara.Column(gap="0px", classes=["cs-knobs"]):
        with solara.Div(classes=["cs-knob-message"]):
            if ui.knob_error.value and where.value not in keys:
                message()  # a refusal not tied to one slider on screen
        for group, members in groups.items():
            with solara.Column(gap="0px").key(f"group-{group}"):
                solara.HTML(tag="h2", unsafe_innerHTML=escape(group))
                for knob in members:
                    with solara.Div(classes=["cs-knob-row"]).key(f"row-{knob.key}"):
                        KnobSlider(
                            knob,
                            running_value(ui.sim, knob),
                            lambda v, knob=knob: on_knob(knob, v),
                            lambda msg, knob=knob: refuse(knob, msg),
                            lambda v, knob=knob: on_knob(knob, v, exact=True),
                            refused=bool(ui.knob_error.value) and where.value == knob.key,
                        ).key(f"knob-{knob.key}")
                        if ui.knob_error.value and where.value == knob.key:
                            message()


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
            same = ui.sim.values.get(key, object()) == value
            msg = "" if same else ui.set_values({**ui.sim.values, key: value}, f"{key} = {value}")
        except ConfigError as exc:
            msg = str(exc)
        if msg:
            ui.override_error.set(f"Refused: {msg}. The running model is unchanged.")
            return
        ui.override_error.set("")
        ui.override_text.set("")

    def clear_values() -> None:
        if ui.set_values({}, "back to scenario defaults") == "":
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
    with solara.Div(classes=["cs-override-extra"]):  # one element, whatever it holds
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


def running_value(sim: Sim, knob: Knob) -> float:
    """The value the run on screen uses: the page's own, else the posterior particle's (with
    the posterior switch on), else the scenario's."""
    if knob.key in sim.values:
        return float(sim.values[knob.key])
    try:
        return float(scenario_value(sim.scenario, knob.key))
    except (KeyError, ValueError, TypeError, ConfigError):
        return knob.value


def chart_caption(sim: Sim) -> str:
    """What an exported chart of the run shows: its inputs in words and the week."""
    return f"coalition-sim: {sim.label}; week {int(sim.model.steps)} of {sim.model.n_steps}."


def graph_caption(sim: Sim) -> str:
    """The alliance graph's exported caption: its inputs, then how to read nodes and ties
    (the page's caption under the graph)."""
    return f"{chart_caption(sim)} {plain_text(GRAPH_CAPTION_HTML)}"


def series_caption(sim: Sim, record: bool = False) -> str:
    """The time series' exported caption: its inputs, then how to read its markers and
    lines (elections, the fracture threshold, the event symbols: the page's caption) and,
    with the record overlay, the key of its boxed letters (the page's list beside it)."""
    key = record_key_text(sim.scenario) if record else ""
    return " ".join(
        filter(None, (chart_caption(sim), plain_text(series_caption_html(sim.model)), key))
    )


def run_stem(sim: Sim) -> str:
    """The run's downloads are named as the Ensemble's and Compare's are: the digest of the
    scenario with the page's values (and, with the posterior on, the fitted values its seed
    drew), the seed and the posterior file's short digest if it drew from one."""
    return export_stem("run", sim.scenario.name, sim.inputs, sim.posterior_sha256)


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
    stem = run_stem(sim)

    def note(s: Sim) -> str:
        return (
            f"Scenario exported from the coalition-sim page: {s.label}.\n"
            "Reproduce the run: python run.py run --config THIS_FILE"
        )

    def toml(s: Sim) -> str:
        return scenario_toml(s.scenario, s.seed, note(s))

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
        if sim.source is not None and "/" not in sim.source:  # not for history/<name>
            base_name = sim.source
            solara.FileDownload(
                locked(
                    lambda s: compact_toml(
                        s.scenario,
                        s.seed,
                        base_name,
                        f"Changes to {base_name} exported from the coalition-sim page: "
                        f"{s.label}.\nLoad it in the page, or save it in configs/ (extends "
                        "names a file beside it): python run.py run --config configs/THIS_FILE",
                    )
                ),
                f"{stem}-changes.toml",
                label=f"Scenario as changes to {base_name} (extends, TOML)",
                mime_type="application/toml",
            )
        ties, lines = graph_legend_rows(), series_legend_rows(sim.model, sim.history)
        solara.FileDownload(
            locked(lambda s: svg_file(graph_svg(s.model), graph_caption(s), ties)),
            f"{stem}-graph.svg", label="Alliance graph (SVG)", mime_type="image/svg+xml",
        )  # fmt: skip
        PngButton.element(
            svg_id="alliance-graph", filename=f"{stem}-graph.png", label="Alliance graph (PNG)",
            caption=graph_caption(sim), legend=[list(r) for r in ties],
        )  # fmt: skip
        solara.FileDownload(
            locked(lambda s: svg_file(
                series_svg(s.model, s.history, record=ui.record.value),
                series_caption(s, ui.record.value),
                series_legend_rows(s.model, s.history),
            )),
            f"{stem}-time-series.svg", label="Time series (SVG)",
            mime_type="image/svg+xml",
        )  # fmt: skip
        PngButton.element(
            svg_id="time-series", filename=f"{stem}-time-series.png", label="Time series (PNG)",
            caption=series_caption(sim, ui.record.value), legend=[list(r) for r in lines],
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
    base = solara.use_memo(
        lambda: ui.uploaded.value.get(key) or resolve_scenario(scenario_file(key)), [key]
    )
    knobs = solara.use_memo(lambda: knobs_for(base), [base])
    # Every section sits in a box of its own that is always there: when a section's content
    # changes shape (Undo's note after the first change, Back to scenario defaults), the
    # browser then never moves the other sections' elements, which threw the keyboard focus
    # off a slider after one arrow key.
    shared = ui.sim.source is not None
    with solara.Div(classes=["cs-sec-undo"]):
        UndoRedo(ui)
    solara.HTML(tag="h2", unsafe_innerHTML="Scenario")
    with solara.Div(classes=["cs-sec-scenario"]):
        ScenarioControls(ui)
    solara.HTML(tag="h2", unsafe_innerHTML="Run")
    with solara.Div(classes=["cs-sec-run"]):
        RunControls(ui)
    with solara.Div(classes=["cs-sec-knobs"]):
        KnobPanel(ui, knobs)
    solara.HTML(tag="h2", unsafe_innerHTML="Any parameter")
    with solara.Div(classes=["cs-sec-override"]):
        OverrideField(ui, knobs)
    solara.HTML(tag="h2", unsafe_innerHTML="Export")
    with solara.Div(classes=["cs-sec-export"]):
        ExportSection(ui)
    with solara.Div(classes=["cs-sec-link"]):
        if not shared:
            solara.HTML(
                unsafe_innerHTML='<p class="cs-note" id="no-link-note">This scenario came from '
                "a file or the actor editor, so the address bar cannot hold it (a link would "
                "open the default scenario): share the exported TOML instead.</p>"
            )
    ParameterDetails(knobs)
    solara.HTML(
        unsafe_innerHTML='<p class="cs-note">Changing the scenario, a parameter or the seed '
        "restarts the run at week 0; Undo brings back the inputs and the week before. Hover or focus a slider for its meaning, range and "
        "source."
        + (" The address bar always holds a link to the state on screen." if shared else "")
        + "</p>"
    )
