"""Runs you keep, without Solara: pinned runs and ensembles, their diff, the session file.

A pin records the inputs (a :class:`~coalition_sim.ui.page_state.Snapshot`: scenario,
seed, values, posterior, week), a name and a note, and what it showed: for a run the
coalition metrics week by week and the events; for an ensemble the share of each outcome. A
run of an uploaded scenario keeps the whole scenario file with it (``scenario_toml``, the
page's TOML export, which reads back to the same scenario), so the pin rebuilds and diffs
without the upload, and a saved session loads on another machine.
Two pins are diffed by their inputs (what changed), their outcomes and their trajectories
(overlaid). The whole session (the inputs on screen and every pin) saves to one JSON file
and loads back; a loaded file is validated like an upload: size, UTF-8, JSON, a strict
pydantic schema, every scenario a shipped name, every value accepted by the scenario
schema, with a one-line message naming the file, the key and what is allowed; a kept
scenario file is validated as an upload is (:func:`.state.scenario_from_text`).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import math
from collections.abc import Mapping
from html import escape
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from ..scenario.library import resolve_scenario
from ..scenario.loading import ConfigError, first_error
from ..scenario.schema import Scenario
from .dates import DATE_AXIS_TITLE, date_axis_svg
from .numbers import nonzero_text, pct_text, pp_between, signed, whole
from .session import Sim, param_label, scenario_file
from .state import (
    MAX_REPLICATES,
    MAX_UPLOAD_BYTES,
    CompareLink,
    scenario_from_text,
    scenario_toml,
)
from .style import file_name
from .theme import METRIC_STYLE, OKABE_ITO, svg_style, text_width
from .views import OUTCOME_LABELS

__all__ = [
    "SESSION_FORMAT",
    "MadeWith",
    "Pin",
    "SessionFile",
    "diff_html",
    "diff_svg",
    "made_elsewhere",
    "made_here",
    "merge_pins",
    "pin_ensemble",
    "pin_run",
    "pin_scenario",
    "read_session",
    "scenario_text",
    "session_compare",
    "session_file_name",
    "session_json",
]

SESSION_FORMAT = "coalition-sim-session"
MAX_PINS = 50


class Inputs(BaseModel):
    """The inputs of a run (the page's Undo snapshot, as stored in a file)."""

    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(min_length=1, max_length=120)
    seed: int = Field(ge=0, lt=2**63)
    values: dict[str, bool | int | float | str] = Field(default_factory=dict, max_length=200)
    posterior: bool = False
    week: int = Field(default=0, ge=0, le=100_000)
    record: bool = False  # the record overlay on the time series


class Pin(BaseModel):
    """A kept run or ensemble: its inputs, name, note and what it showed."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["run", "ensemble"]
    name: str = Field(min_length=1, max_length=80)
    note: str = Field(default="", max_length=2000)
    inputs: Inputs
    label: str = Field(max_length=2000)
    #: run: metric -> values week by week; ensemble: outcome -> share
    series: dict[str, list[float]] = Field(default_factory=dict, max_length=20)
    outcomes: dict[str, float] = Field(default_factory=dict, max_length=40)
    events: int = Field(default=0, ge=0)
    replicates: int = Field(default=0, ge=0)
    #: an uploaded scenario's whole file ('' for a shipped one): what rebuilds the pin
    scenario_toml: str = Field(default="", max_length=MAX_UPLOAD_BYTES)

    # what a pin showed is read back as the page wrote it: a file's share of 7 read "700.0%"
    # in the diff, and a NaN week drew a broken line (every number here is a 0-1 index or share)
    @field_validator("series")
    @classmethod
    def _series(cls, value: dict[str, list[float]], info: ValidationInfo) -> Any:
        kind, inputs = info.data.get("kind"), info.data.get("inputs")
        if value and kind == "ensemble":
            raise ValueError("an ensemble pin has no series (it keeps outcome shares)")
        for key, ys in value.items():
            _known(key, METRIC_STYLE, "metric")
            for k, y in enumerate(ys):
                _unit(f"'{key}'[{k}]", y, "index")
            if inputs is not None and len(ys) != inputs.week + 1:
                raise ValueError(
                    f"'{key}' holds {whole(len(ys))} weeks; a run pinned at week "
                    f"{inputs.week} holds {whole(inputs.week + 1)} (weeks 0 to {inputs.week})"
                )
        return value

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, value: dict[str, float], info: ValidationInfo) -> Any:
        ensemble = info.data.get("kind") == "ensemble"
        for key, v in value.items():
            _known(key, OUTCOME_LABELS if ensemble else METRIC_STYLE,
                   "outcome" if ensemble else "metric")  # fmt: skip
            _unit(f"'{key}'", v, "share" if ensemble else "index")
        return value


def _known(key: str, names: Mapping[str, Any], what: str) -> None:
    if key not in names:
        first = list(names)
        shown = ", ".join(first) if len(first) <= 4 else f"{', '.join(first[:3])}, ..."
        raise ValueError(f"{key[:40]!r} is not {_a(what)} the page keeps ({shown})")


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _unit(where: str, value: float, what: str) -> None:
    """A share or an index: a finite number from 0 to 1."""
    # a rounding error's width of slack: a sum of capacity shares may be 1 + 2e-16
    if not (math.isfinite(value) and -1e-9 <= value <= 1.0 + 1e-9):
        raise ValueError(f"{where} = {value:g} must be {_a(what)} from 0 to 1")


class CompareInputs(BaseModel):
    """The Compare panel's inputs (the link's ``lever``, ``a``, ``b``, ``reps``); the panel
    judges the lever and the range as it judges a link's, with a note."""

    model_config = ConfigDict(extra="forbid")
    lever: str = Field(min_length=1, max_length=200)
    a: float = Field(allow_inf_nan=False)
    b: float = Field(allow_inf_nan=False)
    replicates: int = Field(ge=1, le=MAX_REPLICATES)


class MadeWith(BaseModel):
    """The model and posterior file a session was saved with. Its pins keep what they showed;
    loaded under another version or posterior file, a re-run of the same inputs may differ,
    and the page says so (a file without it, saved before it was kept, still loads)."""

    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=1, max_length=40)
    posterior_sha256: str = Field(default="", pattern=r"^([0-9a-f]{64}|unreadable)?$")


class SessionFile(BaseModel):
    """What a saved session file holds: what the link holds (the inputs, the Compare inputs
    and the ensemble's size; a file without them, saved before they were kept, still loads)
    and every pin."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["coalition-sim-session"]
    version: Literal[1]
    current: Inputs
    current_toml: str = Field(default="", max_length=MAX_UPLOAD_BYTES)  # as Pin.scenario_toml
    compare: CompareInputs | None = None
    ensemble: int | None = Field(default=None, ge=1, le=MAX_REPLICATES)
    pins: list[Pin] = Field(default_factory=list, max_length=MAX_PINS)
    made_with: MadeWith | None = None


def scenario_text(base: str | Scenario) -> str:
    """What a pin keeps of its scenario: '' for a shipped one (its name is enough), the
    whole file for an uploaded one (before the page's values, which the inputs hold)."""
    return "" if isinstance(base, str) else scenario_toml(base, base.seed)


def pin_scenario(key: str, text: str, where: str = "pin") -> Scenario:
    """The uploaded scenario a pin or a session file kept, validated as an upload is
    (:class:`ConfigError`, one line, naming ``where``)."""
    return scenario_from_text(f"{where} ({key})", text)


def pin_run(
    sim: Sim, inputs: dict[str, Any], name: str, note: str, scenario: str | Scenario = ""
) -> Pin:
    """The run on screen, up to its current week; ``scenario``: the menu's base for it."""
    h = sim.history
    finals = {m: float(getattr(h, m)[-1]) for m in METRIC_STYLE}
    return Pin(
        kind="run", name=name, note=note, inputs=Inputs(**inputs), label=sim.label,
        series={m: [round(float(v), 6) for v in getattr(h, m)] for m in METRIC_STYLE},
        outcomes=finals, events=len(sim.model.event_log), scenario_toml=scenario_text(scenario),
    )  # fmt: skip


def pin_ensemble(
    res: Mapping[str, Any], inputs: dict[str, Any], name: str, note: str,
    scenario: str | Scenario = "",
) -> Pin:  # fmt: skip
    """An ensemble result: the share of each outcome."""
    return Pin(
        kind="ensemble", name=name, note=note, inputs=Inputs(**inputs), label=res["label"],
        outcomes={k: float(v) for k, v in res["probabilities"].items()},
        replicates=int(res["n"]), scenario_toml=scenario_text(scenario),
    )  # fmt: skip


def session_json(
    current: dict[str, Any], pins: list[Pin], current_toml: str = "",
    compare: CompareLink | None = None, ensemble: int | None = None,
    made_with: MadeWith | None = None,
) -> str:  # fmt: skip
    """The session as one JSON file (stable key order: a saved file diffs cleanly): the
    inputs on screen, the Compare inputs and the ensemble's size (all the link holds; the
    file used to drop the last two), the pins, and the model and posterior file it was
    saved with."""
    doc = SessionFile(
        format=SESSION_FORMAT, version=1, current=Inputs(**current), current_toml=current_toml,
        compare=None if compare is None else CompareInputs(**dataclasses.asdict(compare)),
        ensemble=ensemble, pins=pins, made_with=made_with,
    )  # fmt: skip
    return json.dumps(doc.model_dump(mode="json"), indent=1, sort_keys=True) + "\n"


def made_here(version: str | None, posterior_sha256: str) -> MadeWith:
    """This page's model version and shipped posterior file (what a saved session records)."""
    return MadeWith(version=version or "unknown", posterior_sha256=posterior_sha256)


def made_elsewhere(saved: MadeWith | None, here: MadeWith) -> str:
    """A sentence for a loaded session saved under another model version or posterior file
    ('' if the same, or if the file does not say)."""
    if saved is None or saved == here:
        return ""
    parts = []
    if saved.version != here.version:
        parts.append(f"coalition-sim {saved.version} (this page runs {here.version})")
    if saved.posterior_sha256 != here.posterior_sha256:
        parts.append(
            f"posterior.parquet sha256 {saved.posterior_sha256[:8] or 'none'} (this page has "
            f"{here.posterior_sha256[:8] or 'none'})"
        )
    return (
        f" It was saved with {' and '.join(parts)}: its pins show what that gave, and the same "
        "inputs may give other results here."
    )


def merge_pins(kept: list[Pin], loaded: list[Pin], source: str) -> tuple[list[Pin], int]:
    """The pins after loading a session file: those kept on the page, then the file's that
    are not among them (a file loaded twice adds nothing), and how many the file added.
    Loading replaced the pins on the page, which no Undo brings back; :class:`ConfigError`
    if the sum is over :data:`MAX_PINS`."""
    new = [p for p in loaded if p not in kept]
    if len(kept) + len(new) > MAX_PINS:
        raise ConfigError(
            f"{source}: its {whole(len(new))} new pins and the {whole(len(kept))} on the page "
            f"make more than {whole(MAX_PINS)}; remove some first"
        )
    return [*kept, *new], len(new)


def session_compare(doc: SessionFile) -> CompareLink | None:
    """A loaded file's Compare inputs as the page keeps them (as a link's)."""
    return None if doc.compare is None else CompareLink(**doc.compare.model_dump())


def session_file_name(scenario: str, when: datetime.datetime) -> str:
    """``session-<scenario>-<YYYYMMDD-HHMM>.json``: two saved sessions no longer share the
    name ``session.json`` (the second became ``session (1).json``, saying nothing)."""
    return file_name("session", scenario, when.strftime("%Y%m%d-%H%M")) + ".json"


def _json_kind(value: object) -> str:
    """What a JSON document is, in words ("a JSON list"), for a one-line refusal."""
    kinds = {list: "a JSON list", str: "a JSON string", bool: "JSON true or false"}
    return kinds.get(type(value), "JSON null" if value is None else "a JSON number")


def read_session(filename: str, text: str | bytes, scenarios: list[str]) -> SessionFile:
    """Parse and validate a session file; :class:`ConfigError` (one line) if refused."""
    source = filename or "session file"
    raw = text.encode() if isinstance(text, str) else bytes(text)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ConfigError(
            f"{source}: {whole(len(raw))} bytes; a session file may be at most "
            f"{whole(MAX_UPLOAD_BYTES)} bytes"
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not UTF-8 text; expected a session file (JSON)") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: malformed JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: a session file is one JSON object, as Save session writes it "
            f'({{"format": "{SESSION_FORMAT}", ...}}), not {_json_kind(data)}'
        )
    try:
        doc = SessionFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {first_error(exc, data, SessionFile)}") from None
    kept = [("current", "current_toml", doc.current, doc.current_toml)] + [
        (f"pins[{k}].inputs", f"pins[{k}].scenario_toml", p.inputs, p.scenario_toml)
        for k, p in enumerate(doc.pins)
    ]
    for where, where_toml, inp, toml in kept:
        base: str | Scenario = inp.scenario
        if toml:
            if inp.scenario in scenarios:
                raise ConfigError(
                    f"{source}: key '{where_toml}' must be empty for a shipped scenario "
                    f"('{inp.scenario}' is one)"
                )
            base = pin_scenario(inp.scenario, toml, f"{source}: {where_toml}")
        elif inp.scenario not in scenarios:
            raise ConfigError(
                f"{source}: key '{where}.scenario' must be a shipped scenario "
                f"({', '.join(scenarios)}), or come with its file in '{where_toml}'; "
                f"not {inp.scenario[:60]!r}"
            )
        try:
            Sim.build(base, dict(inp.values), inp.seed, posterior=bool(inp.posterior))
        except (ConfigError, ValueError) as exc:
            raise ConfigError(f"{source}: key '{where}.values': {exc}") from None
    return doc


def _pin_scenario(p: Pin) -> Scenario | None:
    """The scenario a pin ran (its kept file, or the shipped one by name); None if it no
    longer resolves (a shipped scenario renamed since the session was saved)."""
    try:
        if p.scenario_toml:
            return pin_scenario(p.inputs.scenario, p.scenario_toml)
        return resolve_scenario(scenario_file(p.inputs.scenario))
    except ConfigError:
        return None


def _weeks(p: Pin) -> int | None:
    """How many weeks a pin's scenario runs (None if it no longer resolves)."""
    scn = _pin_scenario(p)
    return None if scn is None else int(scn.steps)


def _inputs_changed(a: Pin, b: Pin) -> list[tuple[str, str, str]]:
    ia, ib = a.inputs, b.inputs
    rows: list[tuple[str, str, str]] = []

    def digest(p: Pin) -> str:
        return (
            hashlib.sha256(p.scenario_toml.encode()).hexdigest()[:8]
            if p.scenario_toml
            else "shipped"
        )

    for what, x, y in (
        ("scenario", ia.scenario, ib.scenario),
        ("scenario file (sha256)", digest(a), digest(b)),
        ("seed", ia.seed, ib.seed),
        ("posterior", "on" if ia.posterior else "off", "on" if ib.posterior else "off"),
        ("week", ia.week, ib.week),
    ):
        if x != y:
            rows.append((what, str(x), str(y)))
    scn = _pin_scenario(a)
    for key in sorted(set(ia.values) | set(ib.values)):
        va, vb = ia.values.get(key, "scenario value"), ib.values.get(key, "scenario value")
        if va != vb:
            rows.append((param_label(key, scn), str(va), str(vb)))
    return rows


#: How the diff overlay draws pin A and pin B (its legend says the same in words).
_DIFF_LINES = (("A", OKABE_ITO["blue"], ""), ("B", OKABE_ITO["vermillion"], "6 3"))


def diff_svg(a: Pin, b: Pin, metric: str = "cohesion") -> str:
    """The two runs' trajectories of ``metric`` overlaid (A solid blue, B dashed orange),
    with a legend naming the pins and, when both runs start on the same date, a date axis
    (two scenarios with other start dates share only their week numbers)."""
    w, h, left, r, t, btm = 380, 200, 40, 10, 30, 46
    ya, yb = a.series.get(metric, []), b.series.get(metric, [])
    n = max(len(ya), len(yb), 2) - 1
    x_of = lambda k: left + (w - left - r) * k / n  # noqa: E731
    y_of = lambda v: t + (h - t - btm) * (1 - v)  # noqa: E731
    label = METRIC_STYLE[metric][1]
    out = [
        f'<svg id="diff-{metric}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        f'style="{svg_style(w)}" role="img" aria-label="{escape(label)} of A, {escape(a.name)} '
        f'(solid), and B, {escape(b.name)} (dashed), week by week">',
        f'<rect width="{w}" height="{h}" fill="#fff"/>',
    ]
    x = float(left)
    for (tag, colour, dash), pin in zip(_DIFF_LINES, (a, b), strict=True):
        name = f"{tag}: {pin.name[:24]}"
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<g class="diff-key" data-pin="{tag}"><line x1="{x:.1f}" x2="{x + 24:.1f}" y1="10" '
            f'y2="10" stroke="{colour}" stroke-width="2"{extra}/><text x="{x + 28:.1f}" y="14" '
            f'font-size="12" fill="#1b2631">{escape(name)}</text></g>'
        )
        x += 36 + text_width(name, 12)
    for v in (0, 0.5, 1):
        out.append(
            f'<line x1="{left}" x2="{w - r}" y1="{y_of(v):.1f}" y2="{y_of(v):.1f}" stroke="#e5e8e8"/>'
            f'<text x="{left - 4}" y="{y_of(v) + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="#1b2631">{v:g}</text>'
        )
    sa, sb = _pin_scenario(a), _pin_scenario(b)
    if sa is not None and sb is not None and sa.start_date == sb.start_date:
        out += date_axis_svg(n, sa.date_of, x_of, y_of(0) + 16, (0, w), (y_of(0), y_of(0) + 4))
        x_title = f"{label} (0-1); {DATE_AXIS_TITLE}"
    else:
        x_title = f"{label} (0-1), week 0 to {n} (the runs start on different dates)"
    out.append(
        f'<text x="{(left + w - r) / 2}" y="{h - 6}" font-size="12" text-anchor="middle" '
        f'fill="#1b2631">{escape(x_title)}</text>'
    )
    for ys, (_, colour, dash) in zip((ya, yb), _DIFF_LINES, strict=True):
        if ys:
            pts = " ".join(f"{x_of(k):.1f},{y_of(v):.1f}" for k, v in enumerate(ys))
            extra = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"{extra}/>'
            )
    out.append("</svg>")
    return "".join(out)


def diff_html(a: Pin, b: Pin) -> str:
    """Inputs changed, outcomes side by side with B - A."""
    changed = _inputs_changed(a, b)
    rows_in = (
        "".join(
            f"<tr><th scope=row>{escape(w)}</th><td>{escape(x)}</td><td>{escape(y)}</td></tr>"
            for w, x, y in changed
        )
        or '<tr><td colspan="3">No input differs.</td></tr>'
    )
    share = a.kind == "ensemble" and b.kind == "ensemble"
    # two ensembles of other run lengths: "at least once" is likelier in the longer run, so
    # their difference is not the inputs' (the Ensemble panel shows none either)
    weeks = (_weeks(a), _weeks(b)) if share else (None, None)
    apart = None not in weeks and weeks[0] != weeks[1]
    rows_out = []
    for key in [k for k in a.outcomes if k in b.outcomes]:
        x, y = a.outcomes[key], b.outcomes[key]
        name = OUTCOME_LABELS.get(key) or METRIC_STYLE.get(key, (0, key))[1]
        if share:
            diff = "not comparable" if apart else f"{pp_between(x, y)} pp"
            cells = (
                f"<td>{escape(pct_text(x))}%</td><td>{escape(pct_text(y))}%</td>"
                f"<td>{escape(diff)}</td>"
            )
        else:  # a change under 0.001 reads "+<0.001", not "0.000"
            d = escape(nonzero_text(signed(y - x, 3), y - x, 3))
            cells = f"<td>{x:.3f}</td><td>{y:.3f}</td><td>{d}</td>"
        rows_out.append(f"<tr><th scope=row>{escape(name)}</th>{cells}</tr>")
    if a.kind == "run" and b.kind == "run":
        rows_out.append(
            f"<tr><th scope=row>events so far</th><td>{a.events}</td><td>{b.events}</td>"
            f"<td>{signed(b.events - a.events, 0)}</td></tr>"
        )
        wa, wb = a.inputs.week, b.inputs.week
        if wa != wb:  # B - A of two weeks is time as well as inputs
            rows_out.append(
                f'<tr><td colspan="4">A was pinned at week {wa} and B at week {wb}: B \u2212 A '
                f"holds {abs(wb - wa)} week{'' if abs(wb - wa) == 1 else 's'} of the run as "
                "well as the inputs that differ (the overlay below sets them week by week)."
                "</td></tr>"
            )
    if apart:
        rows_out.append(
            f'<tr><td colspan="4">{escape(a.name)} ran {weeks[0]} weeks and {escape(b.name)} '
            f"{weeks[1]}: an outcome that happens at least once in a run is likelier in a "
            "longer one, so no difference is shown.</td></tr>"
        )
    if a.kind != b.kind:  # a run's week values and an ensemble's shares share no outcome
        run, ens = (a, b) if a.kind == "run" else (b, a)
        rows_out.append(
            f'<tr><td colspan="4">Nothing to set side by side: {escape(ens.name)} is an '
            f"ensemble (how often each outcome happened) and {escape(run.name)} a run (its "
            "coalition metrics at the pinned week). Diff two runs or two ensembles.</td></tr>"
        )
    what = (
        "share of replicates" if share
        else "value at the pinned week" if a.kind == b.kind
        else "a run and an ensemble"
    )  # fmt: skip
    return (
        '<div class="cs-table-wrap"><table class="cs-table" id="diff-inputs"><caption>Inputs '
        f"that differ: A = {escape(a.name)}, B = {escape(b.name)}</caption><thead><tr>"
        "<th scope=col>Input</th><th scope=col>A</th><th scope=col>B</th></tr></thead>"
        f"<tbody>{rows_in}</tbody></table></div>"
        '<div class="cs-table-wrap"><table class="cs-table" id="diff-outcomes"><caption>'
        f"Outcomes ({what})</caption><thead><tr><th scope=col>Outcome</th><th scope=col>A</th>"
        "<th scope=col>B</th><th scope=col>B \u2212 A</th></tr></thead>"
        f"<tbody>{''.join(rows_out)}</tbody></table></div>"
    )
