"""The record overlay: the dated events of the 2016-18 record on the time series.

One source: the ``[record]`` tables of ``configs/calibration/targets.toml``, read through the
calibration layer's own loader (:func:`coalition_sim.calibration.targets.load_targets`, so the
overlay shows exactly the record the fit is scored against). Each event keeps its date, what
happened and its source: the entry's own ``source`` where the record gives one (UNSC
resolutions, milestones), else the key it comes from and the file's description. Nothing here
is a second list of dates: only the words naming each kind of entry.

The overlay is drawn (:func:`record_marks_svg`) in its own lane under the lower panel, boxed
letters joined to thin purple hairlines across both panels, so that it can never be taken for
the model's own event symbols (unboxed glyphs above the lower panel); the list under the chart
(:func:`record_list_html`) names every event shown, with its date and source, for touch and
screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from ..calibration.targets import load_targets
from ..scenario.loading import ConfigError
from ..scenario.resources import config_file
from ..scenario.schema import Scenario
from .theme import MIN_FONT

__all__ = [
    "KINDS",
    "RECORD_COLOUR",
    "RecordEvent",
    "events_in",
    "record_events",
    "record_key_text",
    "record_lane_height",
    "record_list_html",
    "record_marks_svg",
    "targets_file",
]

#: The overlay's colour (hairlines and boxes): outside the page's Okabe-Ito palette, used by
#: no actor, metric or event symbol; 7.4:1 on white.
RECORD_COLOUR = "#7a3b8f"

#: kind -> (letter in the box, words for the legend). The kinds are the record's keys.
KINDS: dict[str, tuple[str, str]] = {
    "nuclear_tests": ("N", "nuclear test"),
    "icbm_launches": ("I", "ICBM launch"),
    "unsc_resolutions": (
        "R",
        "UN Security Council resolution answering a nuclear test or ICBM launch",
    ),
    "summit": ("S", "the 2018 US-DPRK summit sequence"),
    "moratorium_announced": ("M", "moratorium on nuclear and ICBM tests"),
    "milestones": ("K", "Korean milestone (inauguration, inter-Korean summit)"),
}

#: The summit sequence's keys of ``[record]``, in order, with their words.
_SUMMIT = (
    ("summit_invitation", "Summit invitation delivered by ROK envoys"),
    ("summit_cancelled", "US-DPRK summit cancelled (Trump's letter)"),
    ("summit_revived", "US-DPRK summit back on"),
    ("summit_held", "US-DPRK summit held (Singapore)"),
)

_BOX, _ROW = 14, 16  # box size and lane row height (px)

#: The public source of each dated fact the target file lists without one (what an analyst
#: cites; the target file is where the calibration reads it).
PUBLIC_SOURCES: dict[str, str] = {
    "nuclear_tests": "CNS North Korea Nuclear Test Database (NTI); CTBTO and USGS seismic detections",
    "icbm_launches": "CNS North Korea Missile Test Database (NTI), Korean time",
    "summit_invitation": "Chung Eui-yong's statement at the White House, 8 Mar 2018",
    "summit_cancelled": "Trump's letter to Kim Jong Un, released by the White House, 24 May 2018",
    "summit_revived": "Trump to reporters after receiving Kim Yong Chol, 1 Jun 2018",
    "summit_held": "Joint Statement of the Singapore summit, 12 Jun 2018",
    "moratorium_announced": "KCNA on the 3rd Plenary Meeting of the 7th WPK Central Committee, "
    "20 Apr 2018",
}


@dataclass(frozen=True)
class RecordEvent:
    """One dated event of the record: date, kind (a key of :data:`KINDS`), what, source."""

    date: dt.date
    kind: str
    what: str
    source: str


def targets_file() -> Path:
    """The shipped target file the record comes from."""
    return config_file("calibration", "targets.toml")


@cache
def record_events(path: str | None = None) -> tuple[tuple[RecordEvent, ...], str]:
    """The record's dated events in date order, and '' (or a one-line reason why there are
    none: the page then says so instead of failing). Cached: the file is read once."""
    where = Path(path) if path else targets_file()
    try:
        targets = load_targets(where)
    except ConfigError as exc:
        return (), f"the record could not be read: {exc}"
    rec = targets.record
    file = f"{where.parent.name}/{where.name}"
    about = targets.name
    out: list[RecordEvent] = []

    def key_source(key: str) -> str:
        where = f"{file}, record.{key} ({about})"
        return f"{PUBLIC_SOURCES[key]}; {where}" if key in PUBLIC_SOURCES else where

    for d in rec.nuclear_tests:
        out.append(RecordEvent(d, "nuclear_tests", "Nuclear test", key_source("nuclear_tests")))
    for d in rec.icbm_launches:
        out.append(RecordEvent(d, "icbm_launches", "ICBM launch", key_source("icbm_launches")))
    for r in rec.unsc_resolutions:
        vote = f", {r.vote}" if r.vote else ""
        after = f", after the {r.after}" if r.after else ""
        out.append(
            RecordEvent(
                r.date, "unsc_resolutions", f"UNSC resolution {r.number}{vote}{after}",
                r.source or key_source("unsc_resolutions"),
            )
        )  # fmt: skip
    extra = rec.model_extra or {}
    for key, what in _SUMMIT:
        when = getattr(rec, key, None) if key in type(rec).model_fields else extra.get(key)
        if isinstance(when, dt.date):
            out.append(RecordEvent(when, "summit", what, key_source(key)))
    if rec.moratorium_announced is not None:
        out.append(
            RecordEvent(
                rec.moratorium_announced, "moratorium_announced",
                "Moratorium on nuclear and ICBM tests announced (WPK plenum)",
                key_source("moratorium_announced"),
            )
        )  # fmt: skip
    for m in rec.milestones:
        out.append(RecordEvent(m.date, "milestones", m.what, m.source))
    return tuple(sorted(out, key=lambda e: (e.date, e.kind))), ""


def events_in(scn: Scenario, events: Sequence[RecordEvent] | None = None) -> list[RecordEvent]:
    """The record's events inside the run's dates (its start to its last week's end)."""
    evs = record_events()[0] if events is None else events
    first, last = scn.start_date, scn.date_of(scn.steps)
    return [e for e in evs if first <= e.date <= last]


def _rows(xs: Sequence[float]) -> list[int]:
    """A row per marker so that no two boxes overlap (greedy, left to right)."""
    ends: list[float] = []
    rows = []
    for x in xs:
        for k, end in enumerate(ends):
            if x - _BOX / 2 >= end + 1:
                ends[k] = x + _BOX / 2
                rows.append(k)
                break
        else:
            ends.append(x + _BOX / 2)
            rows.append(len(ends) - 1)
    return rows


def record_lane_height(scn: Scenario, x_of: Callable[[float], float]) -> float:
    """Height of the overlay's lane for this run (0 without events)."""
    evs = events_in(scn)
    if not evs:
        return 0.0
    rows = _rows([x_of(_step(scn, e.date)) for e in evs])
    return 18 + _ROW * (max(rows) + 1)


def _step(scn: Scenario, date: dt.date) -> float:
    """The (fractional) week of ``date``: week 0 is the start date."""
    return (date - scn.start_date).days / 7


def record_marks_svg(scn: Scenario, x_of: Callable[[float], float], top: float, lane: float) -> str:
    """The lane of boxed letters starting at ``lane`` (y), each joined by a hairline to
    ``top`` (the upper panel's top) and with a tooltip (date, what, source); '' without
    events."""
    evs = events_in(scn)
    if not evs:
        return ""
    xs = [x_of(_step(scn, e.date)) for e in evs]
    rows = _rows(xs)
    out = [
        f'<g class="cs-record" id="record-overlay"><text x="{x_of(0):.1f}" y="{lane + 11}" '
        f'font-size="{MIN_FONT}" fill="{RECORD_COLOUR}" font-weight="600">'
        "The record (2016\u201318), not the model:</text>"
    ]
    lines, boxes = [], []
    for e, x, row in zip(evs, xs, rows, strict=True):
        y = lane + 16 + _ROW * row
        tip = f"Record, {e.date.isoformat()}: {e.what}. Source: {e.source}"
        lines.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{y:.1f}" stroke="{RECORD_COLOUR}" '
            'stroke-width="1" stroke-opacity="0.45"/>'
        )
        boxes.append(
            f'<g class="cs-record-mark" data-date="{e.date.isoformat()}" data-kind="{e.kind}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{x - _BOX / 2:.1f}" y="{y:.1f}" width="{_BOX}" height="{_BOX}" rx="2" '
            f'fill="#fff" stroke="{RECORD_COLOUR}" stroke-width="1.4"/>'
            f'<text x="{x:.1f}" y="{y + 11:.1f}" font-size="{MIN_FONT}" font-weight="700" '
            f'text-anchor="middle" fill="{RECORD_COLOUR}">{KINDS[e.kind][0]}</text></g>'
        )
    out += lines + boxes  # every hairline under every box
    out.append("</g>")
    return "".join(out)


def _kinds(evs: Sequence[RecordEvent]) -> list[str]:
    """The kinds among ``evs``, in the order of :data:`KINDS` (the key's order)."""
    return [k for k in KINDS if any(e.kind == k for e in evs)]


def record_key_text(scn: Scenario) -> str:
    """The key of the boxed letters as one line of text, for an exported chart: the page
    shows it beside the chart (:func:`record_list_html`), a file has only its caption; ''
    when no record event falls in the run's weeks (no letter is drawn)."""
    evs = events_in(scn)
    if not evs:
        return ""
    key = " \u00b7 ".join(f"{KINDS[k][0]} {KINDS[k][1]}" for k in _kinds(evs))
    return (
        "Boxed letters under the chart: the record (2016\u201318), not the model, from "
        f"configs/calibration/targets.toml: {key}."
    )


def record_list_html(scn: Scenario) -> str:
    """Every record event of the run's dates: the legend of the letters, then date, what and
    source of each (the overlay's words, readable by touch and by screen readers)."""
    evs = events_in(scn)
    reason = record_events()[1]
    if not evs:
        why = reason or "no dated event of the record falls within this scenario's weeks"
        return f'<p class="cs-note" id="record-list">Record overlay: {escape(why)}.</p>'
    legend = " \u00b7 ".join(
        f'<span class="cs-record-key"><b>{KINDS[k][0]}</b> {escape(KINDS[k][1])}</span>'
        for k in _kinds(evs)
    )
    items = "".join(
        f'<li data-date="{e.date.isoformat()}"><b>{KINDS[e.kind][0]}</b> '
        f'<time datetime="{e.date.isoformat()}">{e.date.strftime("%d %b %Y")}</time>: '
        f'{escape(e.what)} <span class="cs-source">(source: {escape(e.source)})</span></li>'
        for e in evs
    )
    return (
        f'<p class="cs-note" id="record-legend">The record\'s boxed letters: {legend}. '
        "From configs/calibration/targets.toml, the record the calibration is scored against; "
        "the model's own events are the unboxed symbols.</p>"
        '<details class="cs-details cs-record-list" id="record-list">'
        f"<summary>The record's dated events in these weeks ({len(evs)}): date, what, "
        f"source</summary><ol>{items}</ol></details>"
    )
