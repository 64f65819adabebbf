"""Interactive browser simulation (Solara): ``python run.py ui`` or ``solara run coalition_sim.app``.

Pick a scenario, turn the knobs the seeds talk about, step or play, and watch the coalition
hold or fracture; then run an ensemble of replicates with the same parameters.

Every browser session renders its own ``Page`` and so builds its own model (held in component
state, never at module level). Views are SVG/HTML strings from :mod:`coalition_sim.ui.views`,
re-sent on each step, which keeps Play well above five steps a second.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import solara
import solara.lab

from ..abm.model import CoalitionModel
from ..scenario import seeds
from ..scenario.library import BASELINE, list_scenarios, resolve_scenario
from ..scenario.loading import ConfigError
from ..scenario.names import parameter_table, value_of, with_values
from ..scenario.names import parse_value as parse_toml_value
from ..scenario.schema import Role, Scenario
from .views import (
    GRAPH_LEGEND,
    METRIC_STYLE,
    History,
    badges_html,
    fan_svg,
    graph_svg,
    outcome_bars_svg,
    series_svg,
    timeline_html,
)

__all__ = ["KNOBS", "Knob", "Page", "Sim", "knobs_for", "parse_seed"]

# --------------------------------------------------------------------------- knobs

#: (group, dotted key with {leader}/{target}/{mediator} placeholders, label). Ranges, units,
#: meanings and sources come from the config schema via ``parameter_table()``.
KNOBS: tuple[tuple[str, str, str], ...] = (
    ("Sanctions", "params.fatigue.growth", "Sanctions fatigue growth"),
    ("Sanctions", "params.commitment.fatigue_erosion", "Fatigue erosion of commitment"),
    ("Leaders", "actors.{leader}.volatility", "{leader} leader volatility"),
    ("Leaders", "actors.{target}.volatility", "{target} leader volatility"),
    ("Leaders", "params.prospect.loss_aversion", "Loss aversion \u03bb"),
    ("Leaders", "actors.{leader}.reference", "{leader} reference point (losses below it)"),
    ("Summitry", "actors.{mediator}.mediation", "{mediator} mediation"),
    ("Summitry", "actors.{leader}.consults", "{leader} consults allies"),
    ("Summitry", "actors.{leader}.fear_of_snub", "{leader} fear of being snubbed"),
    ("Summitry", "actors.{leader}.hedging", "{leader} hedges a cancellation"),
    ("Elections & pandemic", "clock.election_horizon", "Election horizon (weeks)"),
    ("Elections & pandemic", "params.prospect.election_aversion", "Election-year risk aversion"),
    ("Elections & pandemic", "params.target.election_leverage", "DPRK election leverage"),
    ("Elections & pandemic", "clock.pandemic_narrowing", "Pandemic narrowing of dialogue"),
)


@dataclass(frozen=True)
class Knob:
    """A slider: a dotted scenario key with its schema range and documentation."""

    group: str
    key: str
    label: str
    lo: float
    hi: float
    integer: bool
    value: float
    schema_default: Any
    meaning: str
    source: str
    unit: str

    @property
    def step(self) -> float:
        """A round step (0.01 on [0, 1]) so that schema defaults sit on the slider's grid."""
        if self.integer:
            return 1
        return 10.0 ** math.floor(math.log10((self.hi - self.lo) / 100))

    @property
    def tooltip(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return (
            f"{self.key}: {self.meaning} Range [{self.lo:g}, {self.hi:g}]{unit}; schema default "
            f"{self.schema_default}{unit}. Source: {self.source}"
        )


@cache
def _schema_rows() -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in parameter_table()}


def _roles(scn: Scenario) -> dict[str, str]:
    leader = next(a.id for a in scn.actors if a.role is Role.LEADER)
    target = next(a.id for a in scn.actors if a.role is Role.TARGET)
    members = [a for a in scn.actors if a.role is Role.MEMBER]
    ids = [a.id for a in members]
    mediator = "ROK" if "ROK" in ids else max(members, key=lambda a: a.mediation).id
    return {"leader": leader, "target": target, "mediator": mediator}


def knobs_for(scn: Scenario) -> list[Knob]:
    """The sliders for a scenario, its own values as starting points, schema ranges."""
    roles = _roles(scn)
    rows = _schema_rows()
    out = []
    for group, template, label in KNOBS:
        key = template.format(**roles)
        schema_name = template.format(leader="<ID>", target="<ID>", mediator="<ID>")
        row = rows[schema_name]
        value = value_of(scn, key)
        out.append(
            Knob(
                group=group,
                key=key,
                label=label.format(**roles),
                lo=float(row["min"]),
                hi=float(row["max"]),
                integer=isinstance(row["default"], int) and not isinstance(row["default"], bool),
                value=value,
                schema_default=row["default"],
                meaning=row["meaning"],
                source=row["source"],
                unit=row["unit"],
            )
        )
    return out


def parse_seed(text: str | None) -> int:
    """A seed from the page's text field; ValueError with a readable message otherwise."""
    try:
        return seeds.parse_seed(text)
    except ValueError as exc:
        raise ValueError(f"Seed {exc}.") from None


def _parse_value(raw: str) -> Any:
    """A typed value parsed as TOML (as ``--set`` does); a bare word stays a string."""
    return parse_toml_value(raw.strip())


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` as typed in the page (``params.fatigue.growth=0.1``)."""
    if "=" not in text:
        raise ConfigError(f"'{text.strip()}' is not of the form key=value")
    key, _, raw = text.partition("=")
    if not key.strip():
        raise ConfigError("the key before '=' is empty")
    return key.strip(), _parse_value(raw)


# --------------------------------------------------------------------------- one session's run


class Sim:
    """One session's model and the history its views draw; safe to step from the play loop."""

    def __init__(self, scenario: Scenario, seed: int):
        self.scenario = scenario
        self.seed = seed
        self.model = CoalitionModel(scenario, rng=seed)
        self.history = History.of(self.model)
        self.lock = threading.Lock()

    @classmethod
    def build(cls, name: str, values: dict[str, Any], seed: int | None) -> Sim:
        """Validate the scenario with the page's values (ConfigError if refused), then build."""
        scn = resolve_scenario(name)
        if values:
            scn = with_values(scn, values)
        return cls(scn, scn.seed if seed is None else seed)

    @property
    def done(self) -> bool:
        return self.model.steps >= self.model.n_steps

    def step(self) -> bool:
        """Advance one week; False (and nothing done) once the scenario's end is reached."""
        with self.lock:
            if self.done:
                return False
            self.model.step()
            self.history.record(self.model)
            return True


def posterior_file() -> Path:
    """The shipped calibration posterior (``python run.py calibrate --write-configs``)."""
    from ..scenario.library import config_dir

    return config_dir() / "calibration" / "posterior.parquet"


def ensemble_views(sim: Sim, n: int, posterior: bool = False) -> dict[str, Any]:
    """Run ``n`` replicates of ``sim``'s scenario and seed through the ensemble engine; with
    ``posterior`` each replicate draws the fitted parameters from the shipped posterior."""
    from ..engine.ensemble import run_ensemble

    start = time.perf_counter()
    post = posterior_file() if posterior else None
    res = run_ensemble(sim.scenario, n_replicates=n, seed=sim.seed, every=1, posterior=post)
    traj = res["trajectories"]
    steps = np.unique(traj["step"].to_numpy())
    date_of = sim.model.structure.date_of
    fans = []
    for metric in ("effective_pressure", "cohesion"):
        colour, label = METRIC_STYLE[metric]
        values = traj[metric].to_numpy().reshape(n, steps.size)
        mine = (sim.history.step, getattr(sim.history, metric))
        fans.append(
            fan_svg(steps, values, label.capitalize(), colour, date_of, mine, f"fan-{metric}")
        )
    return {
        "n": n,
        "weeks": int(steps[-1]),
        "bars": outcome_bars_svg(res["probabilities"], n),
        "fans": fans,
        "seconds": time.perf_counter() - start,
        "label": f"{sim.scenario.name}, seed {sim.seed}"
        + (", fitted parameters drawn from the posterior" if posterior else ""),
    }


# --------------------------------------------------------------------------- components

CSS = """
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
.cs-ev-week { white-space:nowrap; color:#7f8c8d; }
.cs-ev-actor { font-weight:600; }
.cs-ev-details { color:#7f8c8d; }
.cs-ev-strategic_test td, .cs-ev-coalition_fracture td, .cs-ev-military_crisis td,
.cs-ev-summit_held td, .cs-ev-agreement td { font-weight:600; }
.cs-empty, .cs-more { color:#7f8c8d; padding:4px 0; }
.cs-fans { display:flex; flex-wrap:wrap; gap:12px; }
.cs-fans > div { flex:1 1 300px; }
.cs-error { color:#b03a2e; font-size:13px; }
.cs-note { color:#5d6d7e; font-size:12px; }
.cs-legend { display:flex; flex-wrap:wrap; gap:4px 14px; align-items:center; font-size:12px;
  color:#34495e; margin-top:4px; }
.cs-leg { display:inline-flex; align-items:center; gap:4px; }
.cs-ramp { display:inline-block; width:80px; height:10px; border:1px solid #bbb; }
"""


@solara.component
def KnobSlider(knob: Knob, value: float, on_value: Any):
    label = f"{knob.label}: {value:g}" if knob.integer else f"{knob.label}: {value:.3g}"
    css = ["cs-knob", "cs-knob-" + knob.key.replace(".", "-")]
    with solara.Tooltip(knob.tooltip), solara.Div(classes=css):
        if knob.integer:
            solara.SliderInt(
                label,
                value=int(value),
                min=int(knob.lo),
                max=int(knob.hi),
                on_value=on_value,
                thumb_label=False,
            )
        else:
            solara.SliderFloat(
                label,
                value=float(value),
                min=knob.lo,
                max=knob.hi,
                step=knob.step,
                on_value=on_value,
                thumb_label=False,
            )


@solara.component
def LiveViews(sim_ref: Any, tick: solara.Reactive[int]):
    """Everything that changes each week; only this re-renders during Play."""
    _ = tick.value
    sim: Sim = sim_ref.current
    with sim.lock:
        m = sim.model
        status = (
            f'<div class="cs-status" id="cs-status" data-week="{m.steps}">'
            f"<b>Week {m.steps}</b> of {m.n_steps} \u00b7 {m.date.strftime('%d %b %Y')} "
            f"\u00b7 <i>{sim.scenario.name}</i>, seed {sim.seed}"
            f"{' \u00b7 finished' if sim.done else ''}</div>"
        )
        badges = badges_html(m)
        graph = graph_svg(m)
        series = series_svg(m, sim.history)
        timeline = timeline_html(m.event_log)
    solara.HTML(unsafe_innerHTML=status + badges)
    with solara.Columns([5, 7]):
        with solara.Card("Alliance graph", margin=0):
            solara.HTML(unsafe_innerHTML=graph)
            solara.HTML(unsafe_innerHTML=GRAPH_LEGEND)
        with solara.Card("Time series", margin=0):
            solara.HTML(unsafe_innerHTML=series)
    with solara.Card("Event timeline", subtitle="newest first", margin=0, classes=["mt-3"]):
        solara.HTML(unsafe_innerHTML=timeline)


@solara.component
def EnsemblePanel(sim_ref: Any, version: solara.Reactive[int]):
    n_text = solara.use_reactive("500")
    error = solara.use_reactive("")
    result = solara.use_reactive(cast(dict[str, Any] | None, None))
    clicked = solara.use_reactive(0)
    use_post = solara.use_reactive(False)
    _ = version.value

    def compute() -> dict[str, Any] | None:
        if clicked.value == 0:
            return None
        try:
            n = int(n_text.value.strip())
            if not 1 <= n <= 20000:
                raise ValueError
        except ValueError:
            error.set(f"Replicates must be a whole number from 1 to 20000, not {n_text.value!r}.")
            return None
        error.set("")
        try:
            out = ensemble_views(sim_ref.current, n, posterior=use_post.value)
        except (ConfigError, ValueError) as exc:
            error.set(f"The ensemble engine refused these parameters: {exc}")
            return None
        result.set(out)
        return out

    task = solara.lab.use_task(compute, dependencies=[clicked.value])

    sim: Sim = sim_ref.current
    with solara.Card(
        "Ensemble",
        subtitle=f"replicates of {sim.scenario.name}, seed {sim.seed}, with the current "
        "parameters, through the vectorised ensemble engine",
        margin=0,
        classes=["mt-3"],
    ):
        with solara.Row(style={"align-items": "center"}):
            solara.InputText("Replicates", value=n_text, continuous_update=True, dense=True)
            solara.Button(
                "Run replicates",
                on_click=lambda: clicked.set(clicked.value + 1),
                color="primary",
                disabled=task.pending,
                classes=["cs-run-ensemble"],
            )
            solara.Switch(
                label="Parameter uncertainty: draw fitted parameters from the posterior",
                value=use_post,
                classes=["cs-posterior"],
            )
            if task.pending:
                solara.Text("running\u2026", classes=["cs-note"])
        if error.value:
            solara.HTML(
                unsafe_innerHTML=f'<div class="cs-error" id="ensemble-error">{error.value}</div>'
            )
        res = result.value
        if res is not None:
            solara.HTML(
                unsafe_innerHTML=(
                    f'<div class="cs-note" id="ensemble-summary">{res["n"]} replicates \u00d7 '
                    f"{res['weeks']} weeks of {res['label']} in {res['seconds']:.2f} s \u2014 "
                    "share of replicates in which each outcome happened; fan charts: median (line), "
                    "5\u201395% band (shaded), this run so far (dashed).</div>"
                )
            )
            solara.HTML(unsafe_innerHTML=res["bars"])
            with solara.Div(classes=["cs-fans"]):
                for fan in res["fans"]:
                    solara.HTML(unsafe_innerHTML=fan)


@solara.component
def Page():
    scenario_names = solara.use_memo(lambda: [n for n, _, _ in list_scenarios()], [])
    default = BASELINE if BASELINE in scenario_names else scenario_names[0]
    scenario = solara.use_reactive(default)
    values = solara.use_reactive({})  # dotted key -> value set in the page
    initial = solara.use_memo(lambda: Sim.build(default, {}, None), [])
    seed_text = solara.use_reactive(str(initial.seed))
    seed_error = solara.use_reactive("")
    param_error = solara.use_reactive("")
    override_text = solara.use_reactive("")
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(10)
    tick = solara.use_reactive(0)
    version = solara.use_reactive(0)
    sim_ref = solara.use_ref(initial)  # this session's own model
    sim: Sim = sim_ref.current
    base = solara.use_memo(lambda: resolve_scenario(scenario.value), [scenario.value])
    knobs = solara.use_memo(lambda: knobs_for(base), [base])

    def rebuild(name: str, new_values: dict[str, Any], seed: int | None) -> str:
        """Swap in a new model; on refusal keep the running one and return the message."""
        try:
            new = Sim.build(name, new_values, seed)
        except (ConfigError, ValueError) as exc:
            return str(exc)
        sim_ref.current = new
        version.set(version.value + 1)
        tick.set(tick.value + 1)
        return ""

    def current_seed() -> int:
        return sim_ref.current.seed

    def on_scenario(name: str) -> None:
        if name == scenario.value:
            return
        msg = rebuild(name, {}, None)
        if msg:
            param_error.set(msg)
            return
        scenario.set(name)
        values.set({})
        seed_text.set(str(sim_ref.current.seed))
        seed_error.set("")
        param_error.set("")

    def on_knob(knob: Knob, value: float) -> None:
        key = knob.key
        if abs(value - values.value.get(key, knob.value)) <= knob.step / 2 + 1e-12:
            return  # the slider snapping an off-grid value to its grid, not a person
        new_values = {**values.value, key: value}
        msg = rebuild(scenario.value, new_values, current_seed())
        if msg:
            param_error.set(f"Refused: {msg}. The running model is unchanged.")
            return
        values.set(new_values)
        param_error.set("")

    def on_seed(text: str | None) -> None:
        seed_text.set(text or "")
        try:
            seed = parse_seed(text)
        except ValueError as exc:
            seed_error.set(f"{exc} The running model keeps seed {current_seed()}.")
            return
        seed_error.set("")
        msg = rebuild(scenario.value, values.value, seed)
        seed_error.set(msg)

    def on_override(text: str | None) -> None:
        override_text.set(text or "")
        if not (text or "").strip():
            return
        try:
            key, value = parse_override(text or "")
            new_values = {**values.value, key: value}
            msg = rebuild(scenario.value, new_values, current_seed())
        except ConfigError as exc:
            msg = str(exc)
        if msg:
            param_error.set(f"Refused: {msg}. The running model is unchanged.")
            return
        values.set(new_values)
        param_error.set("")
        override_text.set("")

    def do_step() -> None:
        if sim_ref.current.step():
            tick.set(tick.value + 1)

    def do_reset() -> None:
        playing.set(False)
        rebuild(scenario.value, values.value, current_seed())

    def clear_values() -> None:
        if rebuild(scenario.value, {}, current_seed()) == "":
            values.set({})
            param_error.set("")

    async def play_loop() -> None:
        while playing.value:
            t0 = time.perf_counter()
            if not sim_ref.current.step():
                playing.set(False)
                break
            tick.set(tick.value + 1)
            await asyncio.sleep(max(0.002, 1 / speed.value - (time.perf_counter() - t0)))

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=False)

    solara.Title("Coalition under pressure \u2014 interactive simulation")
    solara.Style(CSS)
    with solara.Sidebar():
        solara.Select(
            "Scenario", values=scenario_names, value=scenario.value, on_value=on_scenario,
            classes=["cs-scenario"],
        )  # fmt: skip
        solara.InputText(
            "Seed",
            value=seed_text.value,
            on_value=on_seed,
            error=seed_error.value or False,
            classes=["cs-seed"],
        )
        with solara.Row(gap="6px"):
            solara.Button("Step", on_click=do_step, disabled=playing.value, classes=["cs-step"])
            if playing.value:
                solara.Button(
                    "Pause", on_click=lambda: playing.set(False), color="warning",
                    classes=["cs-pause"],
                )  # fmt: skip
            else:
                solara.Button(
                    "Play", on_click=lambda: playing.set(True), color="primary",
                    classes=["cs-play"], disabled=sim.done,
                )  # fmt: skip
            solara.Button("Reset", on_click=do_reset, classes=["cs-reset"])
        solara.SliderInt("Play speed (weeks/s)", value=speed, min=1, max=30, thumb_label=False)
        if param_error.value:
            solara.HTML(
                unsafe_innerHTML=f'<div class="cs-error" id="param-error">{param_error.value}</div>'
            )
        groups: dict[str, list[Knob]] = {}
        for knob in knobs:
            groups.setdefault(knob.group, []).append(knob)
        for group, members in groups.items():
            with solara.Column(gap="0px").key(f"group-{group}"):
                solara.HTML(tag="h4", unsafe_innerHTML=group, style="margin:10px 0 0")
                for knob in members:
                    KnobSlider(
                        knob,
                        values.value.get(knob.key, knob.value),
                        lambda v, knob=knob: on_knob(knob, v),
                    ).key(f"knob-{knob.key}")
        solara.InputText(
            "Set any parameter (key=value, Enter)",
            value=override_text.value,
            on_value=on_override,
            classes=["cs-override"],
        )
        extra = {k: v for k, v in values.value.items() if k not in {kn.key for kn in knobs}}
        if extra:
            solara.HTML(
                unsafe_innerHTML='<div class="cs-note">'
                + "<br>".join(f"{k} = {v}" for k, v in extra.items())
                + "</div>"
            )
        if values.value:
            solara.Button("Scenario defaults", on_click=clear_values, text=True)
        solara.HTML(
            unsafe_innerHTML='<div class="cs-note">Changing the scenario, a parameter or the seed '
            "restarts the run at week 0. Hover a slider for its meaning, range and source.</div>"
        )

    LiveViews(sim_ref, tick)
    EnsemblePanel(sim_ref, version)
