"""The "Runs you keep" panel: pin the run or the ensemble on screen with a name and a note,
list the pins, bring one back, diff two, and save / load the whole session as one file.

The data side (pins, diff, the session file and its validation) is :mod:`.runs`.
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from html import escape
from typing import Any

import solara

from ..scenario.loading import ConfigError
from ..scenario.provenance import package_version
from . import guards
from .numbers import whole
from .page_state import PageState, Snapshot
from .panels import Card
from .runs import (
    MAX_PINS,
    Pin,
    diff_html,
    diff_svg,
    made_elsewhere,
    made_here,
    merge_pins,
    pin_ensemble,
    pin_run,
    pin_scenario,
    read_session,
    scenario_text,
    session_compare,
    session_file_name,
    session_json,
)
from .session import ensemble_key, posterior_digest
from .state import MAX_UPLOAD_BYTES
from .style import chart
from .widgets import NativeSelect, ScenarioFileInput

__all__ = ["RunsPanel"]


def _snapshot(inputs: Any, what: str) -> Snapshot:
    return Snapshot(
        inputs.scenario, inputs.seed, dict(inputs.values), inputs.posterior, inputs.week, what,
        inputs.record,
    )  # fmt: skip


def _message(text: str, element_id: str) -> None:
    """A refusal reads as one (red, announced at once), a pin's or a load's news as a note."""
    if text:
        kind = 'cs-error" role="alert' if text.startswith("Refused") else 'cs-note" role="status'
        solara.HTML(unsafe_innerHTML=f'<div class="{kind}" id="{element_id}">{escape(text)}</div>')


def too_large_words(size: int) -> str:
    """'' if a saved session of ``size`` bytes loads again, else why it would not: the pins
    of an uploaded scenario each keep its whole file (a 64-actor upload is 150 kB), so six of
    them made a file that Save wrote and Load then refused."""
    if size <= MAX_UPLOAD_BYTES:
        return ""
    return (
        f"This session would be a file of {whole(size)} bytes, over the "
        f"{whole(MAX_UPLOAD_BYTES)} a session file may have to be loaded again: each pin of an "
        "uploaded scenario keeps its whole file. Remove some of those pins before saving "
        "(Save still downloads the file, for the record)."
    )


def loaded_words(in_file: int, added: int, kept: int) -> str:
    """What a loaded session file did, in words (after "Loaded <file>: ")."""
    pins = f"{whole(in_file)} pin{'' if in_file == 1 else 's'}"
    if not kept:
        return f"the inputs on screen and {pins}."
    same = in_file - added
    also = f", {whole(same)} of them already here" if same else ""
    mine = (
        "the pin already on the page stays"
        if kept == 1
        else f"the {whole(kept)} pins already on the page stay"
    )
    return f"the inputs on screen and {pins}{also}; {mine} (Remove takes one away)."


@solara.component
def RunsPanel(ui: PageState, kept: list[Any], latest: Any):
    """``kept`` (the pins) and ``latest`` (the last ensemble) come as props: the Page's own
    state, read in a child's render, is the value of the Page's last render, so a child that
    reads it directly misses changes the Page makes (the list of pins did)."""
    name = solara.use_reactive("")
    note = solara.use_reactive("")
    message = solara.use_reactive("")
    loaded = solara.use_reactive("")  # a session file's news: beside its control
    pick_a = solara.use_reactive("0")
    pick_b = solara.use_reactive("1")
    _ = ui.version.value, ui.tick.value  # follow the page (see the docstring)
    pins: list[Pin] = list(kept)
    sim = ui.sim
    ens = latest
    ens_fresh = ens is not None and ens["inputs"] == ensemble_key(sim, ui.posterior.value)

    def add(kind: str) -> None:
        pins = list(ui.pins.value)  # at the click, not at the last render
        label = name.value.strip() or f"{kind} {len(pins) + 1}"
        try:  # an uploaded scenario is kept with the pin (its file), a shipped one by name
            base = ui.base(ui.scenario.value)
        except guards.Refused as exc:
            message.set(f"Refused: {exc}")
            return
        if len(pins) >= MAX_PINS:
            message.set(f"Refused: at most {whole(MAX_PINS)} pins; remove one first.")
            return
        try:
            with sim.lock:
                pin = (
                    pin_run(sim, ui.inputs(), label[:80], note.value[:2000], base)
                    if kind == "run"
                    else pin_ensemble(ens, ui.inputs(), label[:80], note.value[:2000], base)
                )
        except ValueError as exc:
            message.set(f"Refused: {exc}")
            return
        ui.pins.set([*pins, pin])
        # a name or note longer than a pin keeps is cut: said, not done in silence
        cut = [
            f"its {what} was cut to {whole(most)} characters"
            for what, text, most in (("name", label, 80), ("note", note.value, 2000))
            if len(text) > most
        ]
        message.set(f"Pinned '{pin.name}'" + (f"; {' and '.join(cut)}." if cut else "."))
        name.set("")
        note.set("")

    def adopt(key: str, text: str, where: str) -> str:
        """Put a kept scenario file back in the scenario menu; the menu key it has there
        (its own, or a new one if another file took that name since)."""
        if not text:
            return key
        scn = pin_scenario(key, text, where)
        uploaded = ui.uploaded.value
        mine = key
        while mine in uploaded and uploaded[mine] != scn:
            mine = f"{key} ({where})" if mine == key else mine + "'"
        if mine not in uploaded:
            ui.uploaded.set({**uploaded, mine: scn})
        return mine

    def bring_back(k: int) -> None:
        pin = list(ui.pins.value)[k]
        try:
            key = adopt(pin.inputs.scenario, pin.scenario_toml, f"pin {pin.name}")
        except ConfigError as exc:
            message.set(f"Refused: {exc}")
            return
        snap = replace(_snapshot(pin.inputs, ""), scenario=key)
        msg = ui.commit(f"restore '{pin.name}'", lambda: ui.restore(snap))
        message.set(f"Refused: {msg}" if msg else f"Restored the inputs of '{pin.name}'.")

    def remove(k: int) -> None:
        ui.pins.set([p for j, p in enumerate(ui.pins.value) if j != k])

    def load(data: dict[str, Any]) -> None:
        try:
            fname, text = guards.upload(data, MAX_UPLOAD_BYTES)
        except guards.Refused as exc:
            loaded.set(f"Refused: {exc}. Nothing was changed.")
            return
        if text is None:
            loaded.set(
                f"Refused: {fname}: a session file may be at most {whole(MAX_UPLOAD_BYTES)} bytes. "
                "Nothing was changed."
            )
            return
        try:
            doc = read_session(fname, text, ui.names)
        except ConfigError as exc:
            loaded.set(f"Refused: {exc}. Nothing was changed.")
            return
        kept = list(ui.pins.value)
        try:  # the pins on the page stay (loading replaced them, past any Undo)
            pins, added = merge_pins(kept, list(doc.pins), fname)
        except ConfigError as exc:
            loaded.set(f"Refused: {exc}. Nothing was changed.")
            return
        key = adopt(doc.current.scenario, doc.current_toml, fname)  # validated by read_session
        snap = replace(_snapshot(doc.current, ""), scenario=key)
        # Undo takes back the inputs, not pins: its label says so when the file added some
        pins_stay = "pin it added stays" if added == 1 else "pins it added stay"
        kept_note = f" (the {whole(added)} {pins_stay})"
        what = f"load {fname}'s inputs" + (kept_note if added else "")
        msg = ui.commit(what, lambda: ui.restore(snap))
        if msg:
            loaded.set(f"Refused: {fname}: {msg}. Nothing was changed.")
            return
        ui.pins.set(pins)
        ui.take_panel_inputs(session_compare(doc), doc.ensemble)
        elsewhere = made_elsewhere(doc.made_with, made_here(package_version(), posterior_digest()))
        loaded.set(f"Loaded {fname}: {loaded_words(len(doc.pins), added, len(kept))}{elsewhere}")

    with Card("Runs you keep", id="card-runs"):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.InputText(
                "Pin name", value=name, continuous_update=True, classes=["cs-pin-name"]
            )
            solara.InputText("Note", value=note, continuous_update=True, classes=["cs-pin-note"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(
                "Pin this run", on_click=lambda: add("run"), outlined=True, classes=["cs-pin-run"]
            )
            solara.Button(
                "Pin the ensemble", on_click=lambda: add("ensemble"), outlined=True,
                disabled=not ens_fresh, classes=["cs-pin-ensemble"],
            )  # fmt: skip
        if not ens_fresh:  # why the button is off (it said nothing)
            why = (
                "run one in the Ensemble panel first"
                if ens is None
                else "the one on screen is for other inputs: re-run it first"
            )
            solara.HTML(
                unsafe_innerHTML=f'<div class="cs-note" id="pin-ensemble-why">To pin an '
                f"ensemble, {why}.</div>"
            )
        _message(message.value, "runs-message")
        if pins:
            solara.HTML(tag="h3", unsafe_innerHTML="Pinned")
            for k, pin in enumerate(pins):
                with solara.Row(
                    classes=["cs-pin"], style={"align-items": "center", "flex-wrap": "wrap"}
                ):
                    week = f", week {pin.inputs.week}" if pin.kind == "run" else ""
                    reps = f", {pin.replicates} replicates" if pin.kind == "ensemble" else ""
                    solara.HTML(
                        unsafe_innerHTML=f'<div class="cs-pin-text"><b>{escape(pin.name)}</b> '
                        f"({pin.kind}{week}{reps}): {escape(pin.label)}"
                        + (f"<br><i>{escape(pin.note)}</i>" if pin.note else "")
                        + "</div>"
                    )
                    solara.Button(
                        "Restore", on_click=lambda k=k: bring_back(k), text=True,
                        classes=["cs-pin-restore"],
                    )  # fmt: skip
                    solara.Button(
                        "Remove", on_click=lambda k=k: remove(k), text=True,
                        classes=["cs-pin-remove"],
                    )  # fmt: skip
        if len(pins) >= 2:
            solara.HTML(tag="h3", unsafe_innerHTML="Diff of two pins")
            options = [str(k) for k in range(len(pins))]
            labels = [f"{k + 1}. {p.name}" for k, p in enumerate(pins)]
            with solara.Row(style={"flex-wrap": "wrap"}):
                NativeSelect.element(
                    label="A", input_id="cs-diff-a", select_class="cs-diff-a", options=options,
                    labels=labels, value=pick_a.value, on_value=pick_a.set,
                )  # fmt: skip
                NativeSelect.element(
                    label="B", input_id="cs-diff-b", select_class="cs-diff-b", options=options,
                    labels=labels, value=pick_b.value, on_value=pick_b.set,
                )  # fmt: skip
            a = pins[min(int(pick_a.value), len(pins) - 1)]
            b = pins[min(int(pick_b.value), len(pins) - 1)]
            solara.HTML(unsafe_innerHTML=diff_html(a, b))
            if a.kind == "run" and b.kind == "run":
                for metric in ("cohesion", "effective_pressure"):
                    solara.HTML(unsafe_innerHTML=chart(diff_svg(a, b, metric), f"diff {metric}"))
        solara.HTML(tag="h3", unsafe_innerHTML="Session")

        def saved() -> str:
            return session_json(
                ui.inputs(), list(ui.pins.value), scenario_text(ui.base(ui.scenario.value)),
                ui.compare.value, ui.ensemble_n.value,
                made_here(package_version(), posterior_digest()),
            )  # fmt: skip

        # measured when the pins or the scenario change (not every week of Play)
        size = solara.use_memo(
            lambda: len(saved().encode()), [id(ui.pins.value), ui.scenario.value]
        )
        too_large = too_large_words(size)
        if too_large:
            solara.HTML(
                unsafe_innerHTML=f'<div class="cs-error" id="session-too-large" role="alert">'
                f"{escape(too_large)}</div>"
            )
        with solara.Div(classes=["cs-exports"]):
            solara.FileDownload(
                saved,
                # named when it is drawn (the page re-renders at least every week of Play)
                session_file_name(ui.sim.scenario.name, datetime.datetime.now()),
                label="Save session (JSON)", mime_type="application/json",
            )  # fmt: skip
        ScenarioFileInput.element(
            handler=load, label="Load a session file (.json)", input_id="cs-load-session",
            accept=".json,application/json", describedby="session-message",
        )  # fmt: skip
        # right under the control it answers (it stood above the pins, far from the file)
        _message(loaded.value, "session-message")
