"""The browser's Compare panel: two settings of one lever side by side on the same futures.

Arm A and arm B are the page's current scenario (with the values set in the sidebar), seed
and posterior switch, differing only in the lever chosen here; both run the same replicate
seeds through :func:`coalition_sim.experiments.compare.compare` (common random numbers), with
exactly the arguments ``python run.py compare`` would get, so the page's ``effects.csv`` has
the command line's bytes (the panel prints that command). Each outcome's paired effect B - A
is printed in percentage points with its 95% interval (Newcombe for yes/no outcomes) and drawn
on an axis with ticks. The result names the inputs it was computed for and is greyed as soon
as any of them changes (scenario, seed, a slider, the posterior, the lever, A, B, replicates).
The lever, its two values and the replicates are part of the page's link.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from html import escape
from pathlib import Path
from typing import Any, cast

import solara
import solara.lab

from ..experiments.compare import Policy, compare
from ..scenario.levers import CATALOGUE, Role
from ..scenario.loading import ConfigError
from ..scenario.provenance import package_version
from ..scenario.schema import Scenario
from . import guards, serving
from .compare_charts import effect_bars_svg, effect_ticks, effects_table_html
from .page_state import PageState, use_batch
from .panels import busy_with_stop, stopped_status
from .session import (
    Result,
    Sim,
    cli_scenario,
    intro_words,
    lever_spread_words,
    parameters_words,
    posterior_digest,
    posterior_file,
    scenario_file,
)
from .state import MAX_REPLICATES, CompareLink, format_value
from .style import chart, export_stem, svg_file
from .widgets import NativeSelect, NumberField, PngButton

__all__ = [
    "ComparePanel",
    "cli_command",
    "compare_key",
    "compare_views",
    "effect_bars_svg",
    "effect_ticks",
    "lever_choices",
]


def lever_choices(scn: Scenario) -> dict[str, tuple[float, float, float, str]]:
    """Concrete levers of a scenario: dotted name -> (current value, min, max, label in words)."""
    from ..scenario.names import parameter_specs

    specs = parameter_specs(scn)
    roles = {a.id: a.role.value for a in scn.actors}
    out: dict[str, tuple[float, float, float, str]] = {}
    for generic, tag in CATALOGUE.items():
        if tag.role is not Role.LEVER:
            continue
        if generic.startswith("actors.<ID>."):
            field = generic.removeprefix("actors.<ID>.")
            for actor in scn.actors:
                if tag.decider in ("", actor.id, roles[actor.id]):
                    name = f"actors.{actor.id}.{field}"
                    s = specs[name]
                    out[name] = (s.default, s.lo, s.hi, lever_words(name))
        elif generic in specs:
            s = specs[generic]
            out[generic] = (s.default, s.lo, s.hi, lever_words(generic))
    return out


def lever_words(name: str) -> str:
    """A lever in words ("JPN mediates ..."), also one whose actor is no longer in the
    scenario (Undo took it away): a result for it kept the code name ``actors.JPN.mediation``."""
    parts = name.split(".")
    if parts[0] == "actors" and len(parts) == 3:
        tag = CATALOGUE.get(f"actors.<ID>.{parts[2]}")
        return f"{parts[1]} {tag.label}" if tag else name
    tag = CATALOGUE.get(name)
    return tag.label[:1].upper() + tag.label[1:] if tag else name


def lever_reset_note(gone: str, now: str) -> str:
    """Why the lever menu shows another lever than the one chosen: its actor is gone (Undo
    of an added actor) - the menu fell back without a word."""
    actor = gone.split(".")[1] if gone.startswith("actors.") else ""
    why = f"its actor {actor} is no longer in the scenario" if actor else "it is not a lever here"
    return (
        f"The lever “{lever_words(gone)}” was reset to “{lever_words(now)}”: "
        f"{why}; A and B start again from this lever's values."
    )


def lever_meaning(name: str) -> str:
    """What a lever's number is, from the parameter table ("Added agreement logit under a
    compromise posture."): A and B of "Compromises below full denuclearisation in talks",
    1.5 on a range of 0 to 20, had no unit or meaning on the panel."""
    from ..scenario.names import parameter_table

    parts = name.split(".")
    generic = f"actors.<ID>.{parts[2]}" if parts[0] == "actors" and len(parts) == 3 else name
    row = next((r for r in parameter_table() if r["name"] == generic), None)
    if row is None or not row["meaning"]:
        return ""
    unit = f" (unit: {row['unit']})" if row["unit"] else ""
    return f"{str(row['meaning']).rstrip('.')}{unit}."


def lever_value_words(shown: float, scenario: float | None) -> str:
    """The lever's value the inputs on screen hold: the scenario's, or one set on the page
    (it read "Scenario value 0.3" for a value set on the page over the scenario's 0.8)."""
    if scenario is None or scenario == shown:
        return f"Scenario value {shown:g}"
    return f"Value set on the page {shown:g} (the scenario's {scenario:g}); A and B replace it"


#: What the panel says after its Stop (a part of a comparison would be read as the whole).
STOPPED = (
    "Stopped before the comparison finished; a stopped comparison shows nothing (the result "
    "below, if any, is the earlier one's)."
)
HOW_TO_READ = (
    "Bars: paired effect B \u2212 A in percentage points; whiskers: 95% Newcombe interval; "
    "red: more likely under B, blue: less likely (the colour is the direction, not good or "
    "bad); grey: the interval includes zero."
)


def summary_text(res: Result) -> str:
    """What a comparison ran, on the page above its chart (sizes grouped as everywhere on
    the page: it read "6000 replicates per arm" beside the Ensemble's "12,000 replicates")."""
    link: CompareLink = res["link"]
    return (
        f"{res['n']:,} replicates per arm, same seeds in both, in {res['seconds']:.2f} s. "
        f"Inputs: {res['inputs']}; lever: {lever_words(link.lever)}, A = {link.a:g}, "
        f"B = {link.b:g}. {HOW_TO_READ}"
    )


def chart_caption(res: Result) -> str:
    """The exported chart's caption: what it compares, on which inputs, how to read it."""
    link: CompareLink = res["link"]
    return (
        f"coalition-sim Compare: {lever_words(link.lever)} ({link.lever}), B = {link.b:g} "
        f"against A = {link.a:g}, {link.replicates:,} replicates per arm on the same seeds; "
        f"{res['inputs']}. {HOW_TO_READ}"
    )


def compare_key(sim: Sim, posterior: bool, link: CompareLink) -> str:
    """Everything a comparison depends on (the run's inputs, the posterior switch and file's
    digest, lever, A, B, n): a comparison of a rewritten posterior file is out of date."""
    sha = posterior_digest() if posterior else ""
    return f"{sim.inputs}:{sha}:{link.lever}={link.a!r}/{link.b!r}:{link.replicates}"


def cli_command(sim: Sim, posterior: bool, link: CompareLink) -> str:
    """The ``python run.py compare`` call that writes the same ``effects.csv``."""
    scenario = cli_scenario(sim.source) if sim.source else "SCENARIO.toml"
    args = ["python", "run.py", "compare", "--scenario", scenario, "--seed", str(sim.seed)]
    for k, v in sim.values.items():
        args += ["--set", f"{k}={format_value(v)}"]
    args += ["--policy", f"A:{link.lever}={link.a!r}", "--policy", f"B:{link.lever}={link.b!r}"]
    args += ["--replicates", str(link.replicates)]
    if posterior:
        args += ["--posterior", "configs/calibration/posterior.parquet"]
    return " ".join(shlex.quote(a) for a in args)


def compare_views(
    sim: Sim, posterior: bool, link: CompareLink, session: str = "",
    stop: threading.Event | None = None,
) -> Result:  # fmt: skip
    """Run both arms on the same seeds, exactly as the command line does; draw the result.
    If ``session``'s tab closes, or ``stop`` is set (the panel's Stop), it stops
    (``serving.Cancelled``) before the next stage: the arms' run, then the intervals (about
    half of the time; the arms run in one engine call, which is not cut short)."""
    start = time.perf_counter()
    sha, key = (posterior_digest() if posterior else ""), compare_key(sim, posterior, link)
    # a shipped scenario by name with the page's values as --set; an uploaded file as it is
    # on screen; the page's values are common to both arms either way, so they win over the
    # posterior's draws as --set does
    base: str | Path | Scenario = sim.scenario if sim.source is None else scenario_file(sim.source)
    common: dict[str, Any] = dict(sim.values)
    res = compare(
        [Policy("A", {link.lever: link.a}), Policy("B", {link.lever: link.b})],
        base, replicates=link.replicates, seed=sim.seed, common=common,
        posterior=posterior_file() if posterior else None,
        progress=lambda _stage: serving.check_open(session, stop),
    )  # fmt: skip
    serving.check_open(session, stop)  # pressed during the intervals: still nothing shown
    digest = sim.inputs.split(":")[0]
    # named after every input it depends on, as the Ensemble's downloads are: two comparisons
    # that differ in scenario, values, seed or the posterior switch never share a file name
    stem = export_stem(
        "compare", sim.scenario.name, sim.inputs, sha, link.lever, f"A{link.a:g}",
        f"B{link.b:g}", f"n{link.replicates}",
    )  # fmt: skip
    inputs = {
        "tool": "coalition-sim",
        "version": package_version() or "unknown",
        "scenario": sim.scenario.name,
        "scenario_digest": digest,
        "seed": sim.seed,
        "page_values": dict(sorted(sim.values.items())),
        "parameters": "posterior draws" if posterior else "fixed",
        "posterior_sha256": sha or None,
        "lever": link.lever,
        "A": link.a,
        "B": link.b,
        "replicates_per_arm": link.replicates,
        "command": cli_command(sim, posterior, link),
        "columns": "effects CSV: effect = B - A (shares, or the outcome's unit for means); "
        "lo/hi = 95% interval (Newcombe for yes/no outcomes, paired bootstrap for means); "
        "n_gained/n_lost = runs that gained/lost the outcome under B (empty for means)",
    }
    return Result(
        {
            "stem": stem,
            "provenance": json.dumps(inputs, indent=1, default=str) + "\n",
            "table": res.table,
            "svg": effect_bars_svg(res.table),
            "csv": res.table.to_csv(index=False),
            "key": key,
            "link": link,
            "command": cli_command(sim, posterior, link),
            "inputs": sim.inputs_label + parameters_words(sha),
            "seconds": time.perf_counter() - start,
            "n": link.replicates,
        }
    )


def _number(text: str, lo: float, hi: float, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = float("nan")
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be a number from {lo:g} to {hi:g}, not {guards.typed(text)}")
    return value


@solara.component
def ComparePanel(ui: PageState):
    _ = ui.version.value
    batch = use_batch()
    sim = ui.sim

    def own() -> Scenario:
        # the levers' scenario values are the scenario's, not a posterior particle's (the run
        # on screen has one particle's fitted values when the switch is on)
        try:
            return ui.scenario_on_screen() if sim.posterior else sim.scenario
        except ConfigError:
            return sim.scenario

    scn: Scenario = solara.use_memo(own, [sim.inputs, sim.posterior])
    choices = solara.use_memo(lambda: lever_choices(scn), [scn])
    names = list(choices)
    asked: CompareLink | None = ui.compare.value
    default = "actors.USA.hedging" if "actors.USA.hedging" in choices else names[0]
    # the lever of the last link or session file that named one of this scenario's: kept when
    # their A or B is refused and the inputs are forgotten (`asked` turns None; the lever went
    # back to the default while the refusal said "showing A = 0.6, B = 0" for the link's)
    asked_lever = solara.use_ref(default)
    if asked is not None and asked.lever in choices:
        asked_lever.current = asked.lever
    lever = solara.use_reactive(asked_lever.current if asked_lever.current in choices else default)
    lever_note = solara.use_reactive("")  # why the lever changed without being chosen
    # the lever shown at the previous render: use_reactive follows its changed argument, so
    # a lever whose actor went (Undo) was replaced before this render could say so
    shown = solara.use_ref(lever.value)
    gone = shown.current not in choices
    if gone:
        lever_note.set(lever_reset_note(shown.current, default))
    if gone or lever.value not in choices:
        lever.set(default)
    shown.current = lever.value
    current, lo, hi, _label = choices[lever.value]

    def scenario_value() -> float | None:
        """The lever's value in the scenario itself, when the page set another."""
        if lever.value not in sim.values:
            return None
        try:
            base = ui.scenario_on_screen(page_values=False)
        except ConfigError:
            return None
        return lever_choices(base).get(lever.value, (None,))[0]

    own_value = solara.use_memo(scenario_value, [sim.inputs, lever.value])

    def start_values(name: str) -> tuple[float, float]:
        cur, lo_, hi_, _ = choices[name]
        return cur, (hi_ if cur < (lo_ + hi_) / 2 else lo_)

    mine = asked is not None and asked.lever == lever.value
    outside = [
        f"{arm} = {v:g}" for arm, v in (("A", asked.a), ("B", asked.b)) if not lo <= v <= hi
    ] if asked is not None and mine else []  # fmt: skip
    first = (asked.a, asked.b) if asked and mine and not outside else start_values(lever.value)
    a_val = solara.use_reactive(first[0])
    b_val = solara.use_reactive(first[1])
    if gone:  # the gone lever's A and B mean nothing for this one (the note says so)
        a_val.set(first[0])
        b_val.set(first[1])
    # the replicates per arm a link or file may bring: the panel's own budget (Run's check,
    # serving.max_replicates), not the link parser's fixed ceiling
    per_arm = serving.max_replicates(scn, arms=2)
    too_many = asked is not None and asked.replicates > per_arm
    # the replicates of the last link or session file that brought some: kept when the link's
    # other Compare inputs are refused (forgotten: `asked` turns None), taken again when a
    # loaded session brings others (use_reactive follows its changed argument; a memo of the
    # first render's value had kept the field at 500 after a session with 300 was loaded)
    asked_n = solara.use_ref("500")
    if asked is not None and not too_many:
        asked_n.current = str(asked.replicates)
    n_text = solara.use_reactive(asked_n.current)
    refused = ""
    if asked is not None and asked.lever not in choices:
        refused = f"{ui.asked_by()} lever '{asked.lever}' is not a lever of {scn.name}; showing {default}."
    elif outside:
        refused = (
            f"{ui.asked_by()} {' and '.join(outside)} is outside the range of '{_label}' "
            f"({lo:g} to {hi:g}); showing A = {first[0]:g}, B = {first[1]:g}."
        )
    elif too_many:
        assert asked is not None
        refused = (
            f"{ui.asked_by()} replicates per arm, {asked.replicates:,}, are over this page's "
            f"budget: {serving.budget_note(scn, arms=2)} Showing {int(asked_n.current):,}."
        )
    # the message of the first render, kept: use_reactive follows a changed argument, and
    # `refused` is '' once the link's inputs are forgotten below
    error = solara.use_reactive(solara.use_memo(lambda: refused, []))
    # each field's own refusal (replicates "n", "A", "B"), dropped as that field's text
    # changes; the others' stay (one shared message hid or kept them all alike)
    field_error = solara.use_reactive(cast("dict[str, str]", {}))

    def refuse(key: str, message: str) -> None:
        field_error.set({**field_error.value, key: message})

    def drop(key: str) -> None:
        if key in field_error.value:
            field_error.set({k: m for k, m in field_error.value.items() if k != key})

    def forget_refused_link() -> None:
        # the address bar stops holding Compare inputs the panel did not take: a link's at the
        # first render, a loaded session file's later (the panel is not mounted again for it:
        # its A = 7 was replaced in silence and the address bar kept a=7)
        if refused:
            error.set(refused)
            ui.compare.set(None)
        elif asked is not None:
            error.set("")  # inputs taken: an earlier file's or link's refusal is not theirs

    solara.use_effect(forget_refused_link, [asked])
    result = solara.use_reactive(cast("Result | None", None))
    clicked = solara.use_reactive(0)
    queued = solara.use_reactive(False)  # waiting for another page's request to finish
    stop_ref = solara.use_ref(cast("threading.Event | None", None))  # the running one's Stop
    stopped = solara.use_reactive(False)  # the last comparison was stopped

    def on_lever(name: str) -> None:
        try:
            name = guards.choice(name, choices, "lever")
        except guards.Refused as exc:
            error.set(f"{exc}.")
            return
        error.set("")
        lever_note.set("")
        drop("A")  # A and B start again from the new lever's values
        drop("B")
        lever.set(name)
        a, b = start_values(name)
        a_val.set(a)
        b_val.set(b)

    def wanted() -> CompareLink:
        """The Compare inputs, each checked against its widget's allowed set (guards)."""
        n = guards.count(n_text.value, 1, MAX_REPLICATES, "Replicates per arm")
        name = guards.choice(lever.value, choices, "lever")
        a = guards.number(a_val.value, lo, hi, "A")
        b = guards.number(b_val.value, lo, hi, "B")
        return CompareLink(name, float(a), float(b), n)

    def compute() -> Result | None:
        if clicked.value == 0:
            return None
        what = "Replicates per arm"  # as the page labels the field
        try:
            n = guards.count(n_text.value, 1, MAX_REPLICATES, what)
            serving.check_request(ui.sim.scenario, n, what, arms=2)
        except guards.Refused as exc:
            refuse("n", f"{exc}.")
            return None
        try:
            link = wanted()
        except guards.Refused as exc:
            error.set(f"{exc}.")
            return None
        if link.a == link.b:  # two arms alike: every effect is 0 by construction
            error.set(f"A and B are both {link.a:g}: set one of them to another value.")
            return None
        error.set("")
        field_error.set({})
        stopped.set(False)
        stop_ref.current = stop = threading.Event()
        try:
            held = serving.request_bytes(ui.sim.scenario, link.replicates, arms=2)
            kernel = solara.get_kernel_id()  # behind this page's Ensemble, if it runs
            with serving.heavy(kernel, held, on_wait=queued.set, wait_own=True, stop=stop):
                out = compare_views(ui.sim, ui.posterior.value, link, kernel, stop)
        except serving.Cancelled:  # Stop, or the tab closed (nobody to show it to)
            stopped.set(stop.is_set())
            return None
        except (ConfigError, ValueError) as exc:
            error.set(f"The comparison was refused: {guards.public_message(str(exc))}")
            return None
        with batch():  # one render of the page for both changes
            result.set(out)
            ui.compare.set(link)
        return out

    def stop_running() -> None:
        if stop_ref.current is not None:
            stop_ref.current.set()  # before the intervals, or out of the queue

    task = solara.lab.use_task(compute, dependencies=[clicked.value])
    busy = task.pending or not ui.ready.value
    step = (hi - lo) / 100.0

    def arm(tag: str, value: solara.Reactive[float]) -> None:
        def on_text(text: str) -> None:
            try:
                value.set(_number(text, lo, hi, f"{tag} ({choices[lever.value][3]})"))
                drop(tag)
            except ValueError as exc:
                refuse(tag, f"Refused: {exc}.")

        with solara.Div(classes=["cs-knob", f"cs-compare-{tag.lower()}"]):
            with solara.Div(classes=["cs-knob-slider"]):
                solara.SliderFloat(
                    f"{tag}: {value.value:.3g}", value=value, min=lo, max=hi, step=step,
                    thumb_label=False, on_value=lambda _: drop(tag),
                )  # fmt: skip
            NumberField.element(
                label=f"{tag}, exact value (Enter)", value=f"{value.value:g}", min=lo, max=hi,
                step=step, input_class=f"cs-number cs-number-{tag.lower()}", handler=on_text,
                refused=tag in field_error.value,  # its value entered again drops the refusal
            )  # fmt: skip

    with solara.v.Html(
        tag="section", class_="cs-card cs-compare",
        attributes={"aria-labelledby": "card-compare-h", "id": "card-compare"},
    ):  # fmt: skip
        solara.v.Html(tag="h2", attributes={"id": "card-compare-h"}, children=["Compare"])
        words = intro_words(ui.posterior.value)
        solara.HTML(
            unsafe_innerHTML=f'<p class="cs-note">Two settings of one lever on the same '
            f"futures of the inputs on screen ({escape(sim.inputs_label + words)}): paired "
            'effects with 95% intervals. <span id="compare-budget">'
            f"{escape(serving.budget_note(sim.scenario, arms=2))}</span></p>"
        )
        NativeSelect.element(
            label="Lever", input_id="cs-compare-lever", select_class="cs-compare-lever",
            options=names, labels=[choices[k][3] for k in names], value=lever.value,
            on_value=on_lever,
        )  # fmt: skip
        spread = lever_spread_words(lever.value) if ui.posterior.value else ""
        solara.HTML(
            unsafe_innerHTML='<div class="cs-note" id="compare-lever-value">'
            f"{escape(lever_meaning(lever.value))} "
            f"{escape(lever_value_words(current, own_value))}; "
            f"range {lo:g} to {hi:g}; code name <code>{escape(lever.value)}</code>.{spread}</div>"
        )
        if lever_note.value:
            solara.HTML(
                unsafe_innerHTML='<div class="cs-note" id="compare-lever-note" role="status">'
                f"{escape(lever_note.value)}</div>"
            )
        arm("A", a_val)
        arm("B", b_val)
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputText(
                "Replicates per arm", value=n_text, continuous_update=True, dense=True,
                on_value=lambda _: drop("n"), error=field_error.value.get("n") or False,
                classes=["cs-compare-n"],
            )  # fmt: skip
            # enabled while running (a disabled button loses the keyboard focus); a click
            # then is ignored, not queued
            solara.Button(
                "Compare", on_click=lambda: None if busy else clicked.set(clicked.value + 1),
                color="primary", disabled=not ui.ready.value, classes=["cs-run-compare"],
                attributes={"aria-disabled": "true" if busy else "false"},
            )  # fmt: skip
            if task.pending:
                busy_with_stop(serving.busy_note(queued.value), stop_running, "compare")
        if stopped.value and not task.pending:
            stopped_status("compare", STOPPED)
        # the panel's refusal, then A's and B's (the replicates' is under its field)
        messages = [error.value] + [field_error.value.get(k, "") for k in ("A", "B")]
        if any(messages):
            solara.HTML(
                unsafe_innerHTML='<div class="cs-error" id="compare-error" role="alert">'
                + "<br>".join(escape(m) for m in messages if m)
                + "</div>"
            )
        res = result.value
        if res is None:
            if asked is not None and mine and not refused and not task.pending:
                who = "The session file" if ui.loads.value else "The link"
                solara.HTML(
                    unsafe_innerHTML='<p class="cs-note" id="compare-asked">'
                    f"{who} holds a comparison of these inputs: press Compare to run it "
                    "(links and session files carry inputs, not results).</p>"
                )
            return
        try:
            now = compare_key(ui.sim, ui.posterior.value, wanted())
        except guards.Refused:
            now = ""
        stale = res["key"] != now
        if stale:
            solara.HTML(
                unsafe_innerHTML='<div class="cs-stale-note" id="compare-stale" role="status">'
                "Out of date: the inputs changed since this comparison; press Compare for the "
                "current ones.</div>"
            )
        with solara.v.Html(
            tag="div", class_="cs-stale" if stale else "cs-fresh",
            attributes={"id": "compare-results", "aria-disabled": "true" if stale else "false"},
        ):  # fmt: skip
            solara.HTML(
                unsafe_innerHTML='<div class="cs-note" id="compare-summary" role="status">'
                f"{escape(summary_text(res))}</div>"
            )
            solara.HTML(unsafe_innerHTML=chart(res["svg"], "compare effects"))
            solara.HTML(
                unsafe_innerHTML=effects_table_html(
                    res["table"], {a.id: a.role.value for a in scn.actors}
                )
            )
            solara.HTML(
                unsafe_innerHTML='<p class="cs-note">The same on the command line: '
                f'<code id="compare-command">{escape(res["command"])}</code></p>'
            )
        stem = res["stem"]
        with solara.Div(classes=["cs-exports"]):
            solara.FileDownload(
                lambda: res["csv"], f"{stem}-effects.csv",
                label="Effects (CSV, as the command line)",
                mime_type="text/csv",
            )  # fmt: skip
            solara.FileDownload(
                lambda: res["provenance"], f"{stem}-inputs.json",
                label="Inputs (JSON: scenario, seed, values, version, command)",
                mime_type="application/json",
            )  # fmt: skip
            caption = chart_caption(res)
            solara.FileDownload(
                lambda: svg_file(res["svg"], caption), f"{stem}.svg",
                label="Effects chart (SVG)", mime_type="image/svg+xml",
            )  # fmt: skip
            PngButton.element(
                svg_id="compare-bars", filename=f"{stem}.png", label="Effects chart (PNG)",
                caption=caption,
            )  # fmt: skip
