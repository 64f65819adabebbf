"""Views of the interactive simulation as SVG/HTML strings (pure Python, no Solara).

Every view is a function of a model (or of an ensemble result) returning markup, so the
browser receives one small string per view per step instead of a re-rendered image: the
alliance graph, the time series, the state badges, the event timeline, the outcome bars and
the fan charts. :mod:`coalition_sim.ui.app` puts them on the page.

Readability rules kept here in one place: every chart has axis titles with units and a
plain-language legend and caption (HTML beside the SVG, so it reflows on a phone); the
palette is Okabe-Ito (distinguishable with the common colour-vision deficiencies) and lines
also differ by dash pattern; no chart text is smaller than 12 SVG units, and each SVG keeps a
minimum pixel width (:func:`svg_style`) so that text never renders below 11 CSS px. Every
string that comes from a scenario or a person (names, ids, details) is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.events import EVENTS as EVENT_LABELS
from ..core.events import OUTCOME_LABELS
from .dates import DATE_AXIS_TITLE, date_axis_svg
from .graph import graph_svg, tie_label_at
from .numbers import pct_text, signed
from .record import record_lane_height, record_marks_svg
from .theme import (
    _BAD_OUTCOMES,
    _DARK,
    _MUTED,
    EVENT_STYLE,
    MARKED,
    METRIC_HELP,
    METRIC_STYLE,
    MIN_FONT,
    OKABE_ITO,
    OUTCOME_HELP,
    History,
    actor_colour,
    actor_dash,
    commitment_word,
    svg_style,
    swatch,
)

if TYPE_CHECKING:
    from ..abm.model import CoalitionModel

__all__ = [
    "BADGE_HELP",
    "EVENT_LABELS",
    "METRIC_STYLE",
    "OUTCOME_HELP",
    "OUTCOME_LABELS",
    "History",
    "badges_html",
    "bars_caption_html",
    "fan_caption_html",
    "fan_svg",
    "graph_svg",
    "outcome_bars_svg",
    "series_caption_html",
    "series_legend_html",
    "series_svg",
    "svg_style",
    "tie_label_at",
    "timeline_html",
]

# --------------------------------------------------------------------------- time series

SERIES_W = 380
_PANEL_H = 118
_ML, _MR, _MT = 46, 10, 8
_GAP = 62  # date labels of the upper panel, then the lower panel's title and event glyphs


def _polyline(
    xs: Sequence[float], ys: Sequence[float], colour: str, width: float = 2, dash: str = ""
) -> str:
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width}" '
        f'stroke-linejoin="round"{dash_attr}/>'
    )


def _axes(
    top: float,
    height: float,
    n_steps: int,
    date_of: Any,
    title: str,
    y_title: str,
    x_of: Any,
    right: float,
    yticks: Sequence[float] = (0, 0.5, 1),
) -> list[str]:
    """Panel title, y ticks and rotated y-axis title, date ticks, frame."""
    mid = top + height / 2
    out = [
        f'<text x="{_ML}" y="{top - 5}" font-size="13" font-weight="600" fill="{_DARK}">'
        f"{escape(title)}</text>",
        f'<text x="12" y="{mid:.1f}" font-size="{MIN_FONT}" text-anchor="middle" fill="{_DARK}" '
        f'transform="rotate(-90 12 {mid:.1f})">{escape(y_title)}</text>',
    ]
    for v in yticks:
        y = top + height * (1 - v)
        out.append(
            f'<line x1="{_ML}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e8e8"/>'
            f'<text x="{_ML - 4}" y="{y + 4:.1f}" font-size="{MIN_FONT}" text-anchor="end" '
            f'fill="{_MUTED}">{v:g}</text>'
        )
    out += date_axis_svg(
        n_steps, date_of, x_of, top + height + 16, (0, SERIES_W), (top + height, top + height + 4)
    )
    out.append(
        f'<rect x="{_ML}" y="{top}" width="{right - _ML}" height="{height}" fill="none" '
        'stroke="#b3b6b7"/>'
    )
    return out


def series_svg(model: CoalitionModel, history: History, record: bool = False) -> str:
    """Every actor's commitment (DPRK: defiance); cohesion, effective pressure and US
    isolation; elections, the pandemic, the fracture threshold, key events, the current week;
    with ``record``, the record's dated events in a lane of their own (:mod:`.record`).

    The legend and the caption are HTML (:func:`series_legend_html`,
    :func:`series_caption_html`) so that they wrap on a narrow screen.
    """
    scn = model.scenario_spec
    n = max(model.n_steps, 1)
    right = SERIES_W - _MR
    x_of = lambda t: _ML + (right - _ML) * t / n  # noqa: E731
    date_of = model.structure.date_of
    top1 = _MT + 16
    top2 = top1 + _PANEL_H + _GAP
    lane = record_lane_height(scn, x_of) if record else 0.0
    height = top2 + _PANEL_H + 40 + lane
    out = [
        f'<svg id="time-series" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SERIES_W} '
        f'{height}" style="{svg_style(SERIES_W)}" role="img" '
        f'aria-label="Time series to week {model.steps}: commitment of each actor (North Korea: '
        f'defiance) and the coalition measures" data-week="{model.steps}">'
        f"<title>Time series, week {model.steps}</title>"
    ]
    for top in (top1, top2):
        if scn.clock.pandemic_start is not None:
            s0 = max(scn.step_of(scn.clock.pandemic_start), 0)
            s1 = min(s0 + scn.clock.pandemic_weeks, n)
            if s0 <= n:
                out.append(
                    f'<rect class="cs-pandemic" x="{x_of(s0):.1f}" y="{top}" '
                    f'width="{x_of(s1) - x_of(s0):.1f}" height="{_PANEL_H}" fill="#ece6f0">'
                    "<title>pandemic (dialogue narrowed)</title></rect>"
                )
        # the election's own date from the clock (the model's date of its week is the week's
        # end: "US election 2016-11-11" for 8 Nov)
        for d in scn.clock.us_elections:
            e = scn.step_of(d)
            if d >= scn.start_date and e <= n:
                out.append(
                    f'<line class="cs-election" x1="{x_of(e):.1f}" x2="{x_of(e):.1f}" '
                    f'y1="{top}" y2="{top + _PANEL_H}" stroke="#34495e" stroke-dasharray="4 3">'
                    f"<title>US election, {date_label(d)}</title></line>"
                )
    out += _axes(
        top1, _PANEL_H, n, date_of, "Commitment to pressure (DPRK: defiance)", "level (0-1)",
        x_of, right,
    )  # fmt: skip
    out += _axes(top2, _PANEL_H, n, date_of, "Coalition", "index (0-1)", x_of, right)
    out.append(
        f'<text x="{(_ML + right) / 2:.0f}" y="{height - 4}" font-size="{MIN_FONT}" '
        f'text-anchor="middle" fill="{_DARK}">{DATE_AXIS_TITLE}</text>'
    )
    xs = [x_of(t) for t in history.step]
    y1 = lambda v: top1 + _PANEL_H * (1 - v)  # noqa: E731
    y2 = lambda v: top2 + _PANEL_H * (1 - v)  # noqa: E731
    for a in history.actors:
        out.append(
            _polyline(
                xs,
                [y1(v) for v in history.commitment[a]],
                actor_colour(a, history.actors),
                2,
                actor_dash(a, history.actors),
            )
        )
    for name, (colour, _label, dash) in METRIC_STYLE.items():
        out.append(_polyline(xs, [y2(v) for v in getattr(history, name)], colour, 2.2, dash))
    thr = scn.params.outcomes.fracture_cohesion
    # dark grey, not a series' colour: in green it read as South Korea's dotted line
    out.append(
        f'<line class="cs-threshold" x1="{_ML}" x2="{right}" y1="{y2(thr):.1f}" '
        f'y2="{y2(thr):.1f}" stroke="{_DARK}" stroke-width="1.2" '
        f'stroke-dasharray="1 3"><title>fracture threshold: cohesion below {thr:g} counts as '
        "a fractured coalition</title></line>"
    )
    for ev in model.event_log:
        if ev["event"] not in MARKED:
            continue
        colour, glyph = EVENT_STYLE[ev["event"]]
        out.append(
            f'<text class="cs-marker" x="{x_of(ev["step"]):.1f}" y="{top2 - 22}" '
            f'font-size="13" text-anchor="middle" fill="{colour}">{glyph}<title>'
            f"{escape(str(ev['date']))}: {escape(EVENT_LABELS.get(ev['event'], ev['event']))}"
            "</title></text>"
        )
    if lane:
        out.append(record_marks_svg(scn, x_of, top1, top2 + _PANEL_H + 24))
    xc = x_of(model.steps)
    out.append(
        f'<line class="cs-now" x1="{xc:.1f}" x2="{xc:.1f}" y1="{top1}" y2="{top2 + _PANEL_H}" '
        f'stroke="{_DARK}" stroke-opacity="0.45"><title>current week {model.steps}</title></line>'
    )
    out.append("</svg>")
    return "".join(out)


def series_legend_html(model: CoalitionModel, history: History) -> str:
    """Plain-language legend with this week's values (full names; DPRK: defiance)."""
    parts = []
    for a in history.actors:
        node = model.graph.nodes[a]
        word = commitment_word(str(node["role"]))
        parts.append(
            f'<span class="cs-leg" data-legend="{escape(a)}">'
            f"{swatch(actor_colour(a, history.actors), actor_dash(a, history.actors))}"
            f"{escape(str(node['name']))} ({word}) {history.commitment[a][-1]:.2f}</span>"
        )
    for name, (colour, label, dash) in METRIC_STYLE.items():
        parts.append(
            f'<span class="cs-leg" title="{escape(METRIC_HELP[name])}">{swatch(colour, dash)}'
            f"{label} {getattr(history, name)[-1]:.2f}</span>"
        )
    return f'<div class="cs-legend" id="series-legend">{"".join(parts)}</div>'


def series_caption_html(model: CoalitionModel) -> str:
    """What every line, band and marker on the time series means."""
    thr = model.scenario_spec.params.outcomes.fracture_cohesion
    glyphs = " \u00b7 ".join(f"{EVENT_STYLE[e][1]} {EVENT_LABELS[e]}" for e in MARKED)
    pandemic = (
        " Shaded band: the pandemic, which narrows dialogue."
        if model.scenario_spec.clock.pandemic_start is not None
        else ""
    )
    return (
        '<p class="cs-caption" id="series-caption">Upper panel: each actor\'s commitment to '
        "the pressure campaign, 0 (none) to 1 (maximum); for North Korea the line is its "
        "defiance. Lower panel: coalition cohesion, effective pressure and US isolation "
        f"(0-1). Dashed vertical lines: US elections.{pandemic} Dotted horizontal line: the "
        f"fracture threshold (cohesion below {thr:g} = coalition fractured). Grey vertical "
        f"line: the current week. Symbols above the lower panel: {glyphs}.</p>"
    )


# --------------------------------------------------------------------------- badges, timeline


#: What each badge means (its tooltip, and the About panel).
BADGE_HELP = {
    "dprk": "North Korea's current goal: influence-seeking (talks, summits, relief) or "
    "autonomy-seeking (tests, defiance); it switches with pressure and the leaders' moves.",
    "summit": "Where summit diplomacy stands: none, proposed, scheduled, cancelled or held.",
    "domain": "Prospect theory: a US leader in the domain of losses (below the reference "
    "point) takes risks, e.g. summits; in the domain of gains he is cautious.",
    "election": "Weeks to the next US election; near it the US leader avoids risks and "
    "North Korea may use it as leverage.",
    "posture": "The US response to North Korean tests: none, compromise, sideline or escalate.",
}


def _badge(label: str, value: str, colour: str, key: str) -> str:
    help_ = escape(BADGE_HELP.get(key, ""))
    return (
        f'<span class="cs-badge" data-badge="{key}" style="border-color:{colour}" '
        f'title="{help_}" tabindex="0" role="note" aria-label="{escape(label)}: '
        f'{escape(value)}. {help_}">'
        f'<span class="cs-badge-label">{escape(label)}</span>'
        f'<span class="cs-badge-value" style="background:{colour}">{escape(value)}</span></span>'
    )


def badges_html(model: CoalitionModel) -> str:
    """DPRK mode, summit state, US leader's domain, weeks to the next election, posture."""
    mode = model.dprk_mode
    summit = model.summit_state
    domain = model.leader_domain
    weeks = model.weeks_to_election
    posture = model.us_posture
    summit_colour = {
        "none": "#566573",
        "proposed": "#1f618d",
        "scheduled": "#1f618d",
        "cancelled": "#c0392b",
        "held": "#1e8449",
    }.get(summit, "#566573")
    parts = [
        _badge(
            "DPRK",
            f"{mode}-seeking",
            "#1e8449" if mode == "influence" else "#922b21",
            "dprk",
        ),
        _badge("Summit", summit, summit_colour, "summit"),
        _badge(
            "US leader",
            f"domain of {domain}",
            "#7d5200" if domain == "losses" else "#1f618d",
            "domain",
        ),
        _badge(
            "Next US election",
            "none ahead"
            if weeks < 0
            else ("this week" if weeks == 0 else f"in {weeks} week{'s' * (weeks != 1)}"),
            "#34495e" if weeks < 0 or weeks > 26 else "#7d5200",
            "election",
        ),
        _badge("US posture", posture, "#566573" if posture == "none" else "#6c3483", "posture"),
    ]
    return f'<div class="cs-badges">{"".join(parts)}</div>'


def _scheduled_rows(ev: Mapping[str, Any], due: Sequence[Any] | None) -> list[tuple[str, str]]:
    """(actor, words) of a scheduled-event row: one per event of the scenario due that week,
    with its own actor and change ("engagement +0.40"), so that two events of one date with
    notes that begin alike ("Moon Jae-in inaugurated...") read as two, and identical ones
    as one; without the scenario's events (``due`` None), the log's "kind note" as words."""
    if due is None:
        parts = (part.partition(" ") for part in str(ev["details"]).split("; "))
        words = (": ".join(filter(None, (kind.replace("_", " "), note))) for kind, _, note in parts)
        return [(str(ev["actor"]), "; ".join(words))]
    rows: list[tuple[str, str]] = []
    for e in due:
        change = f"{e.variable} {signed(e.value, 2)}" if e.variable else e.mode or ""
        what = ": ".join(filter(None, (str(e.kind.value).replace("_", " "), e.note)))
        row = (e.actor or "", what + (f" \u2014 {change}" if change else ""))
        if row not in rows:
            rows.append(row)
    return rows


def timeline_html(
    events: Sequence[Mapping[str, Any]],
    limit: int = 60,
    chronological: bool = False,
    scheduled: Mapping[int, Sequence[Any]] | None = None,
) -> str:
    """Date, week, actor and what happened: newest first (the last ``limit``), or in order
    with the whole run (``chronological``: the proposal never scrolls out of view);
    ``scheduled`` (step -> the scenario's events due then) gives scheduled events their
    actors and notes one by one."""
    if not events:
        return '<div class="cs-timeline cs-empty">No events yet: press Step or Play.</div>'
    rows = []
    chosen = list(events) if chronological else list(events)[::-1][:limit]
    for ev in chosen:
        name = ev["event"]
        colour, glyph = EVENT_STYLE.get(name, (_MUTED, "\u2022"))
        label = EVENT_LABELS.get(name, name.replace("_", " "))
        parts = [(str(ev["actor"]), str(ev["details"]))]
        if name == "scheduled_event":
            due = None if scheduled is None else scheduled.get(int(ev["step"]), ())
            parts = _scheduled_rows(ev, due) or parts
        for actor, text in parts:
            details = f' <span class="cs-ev-details">({escape(text)})</span>' if text else ""
            rows.append(
                f'<tr class="cs-ev cs-ev-{escape(name)}"><td class="cs-ev-date" '
                f'title="end of the model week">{escape(str(ev["date"]))}</td>'
                f'<td class="cs-ev-week">wk {int(ev["step"])}</td>'
                f'<td class="cs-ev-actor">{escape(actor)}</td>'
                f'<td><span style="color:{colour}" aria-hidden="true">{glyph}</span> '
                f"{escape(label)}{details}</td></tr>"
            )
    more = 0 if chronological else len(events) - limit
    tail = f'<div class="cs-more">\u2026 and {more} earlier events</div>' if more > 0 else ""
    cls = "cs-timeline cs-chrono" if chronological else "cs-timeline"
    # a scrolling box must take the focus, so that the keyboard can scroll it (axe-core)
    return (
        f'<div class="{cls}" tabindex="0" role="region" aria-label="Event timeline">'
        f"<table><tbody>{''.join(rows)}</tbody></table>{tail}</div>"
    )


# --------------------------------------------------------------------------- ensemble


def outcome_bars_svg(
    probabilities: Mapping[str, float],
    n: int,
    intervals: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """Horizontal bars: the share of replicates in which each outcome happened, with its
    95% Wilson interval as a whisker (``intervals``: outcome -> (low, high))."""
    names = [k for k in OUTCOME_LABELS if k in probabilities] + [
        k for k in probabilities if k not in OUTCOME_LABELS
    ]
    # room right of the bar for the longest figure, ">99.9% (99.2-99.9)" (one decimal each)
    row, lx, w = 24, 138, 130
    width = lx + w + 140
    height = row * len(names) + 40
    out = [
        f'<svg id="outcome-bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
        f'{height}" style="{svg_style(width)}" role="img" aria-label="Share of {n} replicates '
        'in which each outcome happened, with 95% Wilson intervals">'
        f"<title>Outcomes over {n} replicates</title>"
    ]
    for k, name in enumerate(names):
        p = float(probabilities[name])
        y = 4 + row * k
        colour = OKABE_ITO["vermillion"] if name in _BAD_OUTCOMES else OKABE_ITO["blue"]
        # a breakdown outcome is marked by a word too, not by its colour alone
        label = OUTCOME_LABELS.get(name, name.replace("_", " ")) + (" *" * (name in _BAD_OUTCOMES))
        help_text = OUTCOME_HELP.get(name, label) + (
            " (a breakdown outcome)" * (name in _BAD_OUTCOMES)
        )
        lo, hi = (intervals or {}).get(name, (p, p))
        ci = (
            f" (95% interval {escape(pct_text(lo))}\u2013{escape(pct_text(hi))}%)"
            if intervals
            else ""
        )
        out.append(
            f'<g class="cs-outcome"><title>{escape(label)}: {escape(help_text)}. '
            f"{escape(pct_text(p))}% of {n} replicates{ci}</title>"
            f'<text x="{lx - 6}" y="{y + 15}" font-size="{MIN_FONT}" text-anchor="end" '
            f'fill="{_DARK}">{escape(label)}</text>'
            f'<rect x="{lx}" y="{y + 3}" width="{w}" height="15" fill="#eef0f1"/>'
            f'<rect class="bar" data-outcome="{escape(name)}" x="{lx}" y="{y + 3}" '
            f'width="{w * p:.1f}" height="15" fill="{colour}"/>'
        )
        if intervals:
            ya = y + 10.5
            out.append(
                f'<g class="ci" data-outcome="{escape(name)}" data-lo="{lo:.4f}" '
                f'data-hi="{hi:.4f}" stroke="{_DARK}" stroke-width="1.5">'
                f'<line x1="{lx + w * lo:.1f}" x2="{lx + w * hi:.1f}" y1="{ya}" y2="{ya}"/>'
                f'<line x1="{lx + w * lo:.1f}" x2="{lx + w * lo:.1f}" y1="{ya - 5}" '
                f'y2="{ya + 5}"/><line x1="{lx + w * hi:.1f}" x2="{lx + w * hi:.1f}" '
                f'y1="{ya - 5}" y2="{ya + 5}"/></g>'
            )
        out.append(
            f'<text x="{lx + w + 6}" y="{y + 15}" font-size="{MIN_FONT}" fill="{_DARK}">'
            f"{escape(pct_text(p))}%"
            + (f" ({escape(pct_text(lo))}\u2013{escape(pct_text(hi))})" if intervals else "")
            + "</text></g>"
        )
    axis_y = 4 + row * len(names) + 4
    for v in (0, 0.5, 1):
        out.append(
            f'<text x="{lx + w * v:.1f}" y="{axis_y + 10}" font-size="{MIN_FONT}" '
            f'text-anchor="middle" fill="{_MUTED}">{100 * v:.0f}%</text>'
        )
    out.append(
        f'<text x="{lx + w / 2:.0f}" y="{axis_y + 27}" font-size="{MIN_FONT}" '
        f'text-anchor="middle" fill="{_DARK}">share of replicates (%)</text>'
    )
    out.append("</svg>")
    return "".join(out)


def fan_svg(
    steps: np.ndarray,
    values: np.ndarray,
    title: str,
    colour: str,
    date_of: Any,
    run: tuple[Sequence[int], Sequence[float]] | None = None,
    svg_id: str = "fan",
    y_title: str = "index (0-1)",
) -> str:
    """Median and 5-95% band over replicates; ``values`` is (replicates, recorded steps)."""
    w, h, ml, mt, mr = 340, 196, 46, 24, 10
    q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95], axis=0)
    n = max(int(steps[-1]), 1)
    x_of = lambda t: ml + (w - ml - mr) * t / n  # noqa: E731
    y_of = lambda v: mt + (h - mt - 44) * (1 - v)  # noqa: E731
    mid = y_of(0.5)
    out = [
        f'<svg id="{escape(svg_id)}" class="cs-fan" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {w} {h}" style="{svg_style(w)}" role="img" '
        f'aria-label="{escape(title)}: median and 5-95% band over replicates">'
        f"<title>{escape(title)}</title>"
        f'<text x="{ml}" y="15" font-size="13" font-weight="600" fill="{_DARK}">'
        f"{escape(title)}</text>"
        f'<text x="12" y="{mid:.1f}" font-size="{MIN_FONT}" text-anchor="middle" fill="{_DARK}" '
        f'transform="rotate(-90 12 {mid:.1f})">{escape(y_title)}</text>'
    ]
    for v in (0, 0.5, 1):
        out.append(
            f'<line x1="{ml}" x2="{w - mr}" y1="{y_of(v):.1f}" y2="{y_of(v):.1f}" '
            f'stroke="#e5e8e8"/><text x="{ml - 4}" y="{y_of(v) + 4:.1f}" '
            f'font-size="{MIN_FONT}" text-anchor="end" fill="{_MUTED}">{v:g}</text>'
        )
    out += date_axis_svg(n, date_of, x_of, y_of(0) + 16, (0, w))
    out.append(
        f'<text x="{(ml + w - mr) / 2:.0f}" y="{h - 4}" font-size="{MIN_FONT}" '
        f'text-anchor="middle" fill="{_DARK}">{DATE_AXIS_TITLE}</text>'
    )
    upper = " ".join(f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in zip(steps, q95, strict=True))
    lower = " ".join(
        f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in zip(steps[::-1], q05[::-1], strict=True)
    )
    out.append(
        f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.25" stroke="none">'
        "<title>5-95% of replicates</title></polygon>"
    )
    out.append(_polyline([x_of(t) for t in steps], [y_of(v) for v in q50], colour, 2.2))
    if run is not None and len(run[0]) > 1:
        out.append(
            _polyline([x_of(t) for t in run[0]], [y_of(v) for v in run[1]], "#000000", 1.3, "3 2")
        )
    out.append("</svg>")
    return "".join(out)


def fan_caption_html() -> str:
    """What the fan charts show."""
    return (
        '<p class="cs-caption">Fan charts: solid line = median over replicates; shaded band = '
        "the middle 90% of replicates (5th to 95th percentile); black dashed line = the run on "
        "screen so far.</p>"
    )


def bars_caption_html(n: int) -> str:
    """What the outcome bars show."""
    return (
        f'<p class="cs-caption">Bars: share of the {n} replicates in which each outcome '
        "happened at least once (orange-red and * = a breakdown outcome). Whiskers and the figures in "
        "brackets: 95% Wilson score interval for that share.</p>"
    )


def date_label(d: dt.date) -> str:
    return d.strftime("%d %b %Y")
