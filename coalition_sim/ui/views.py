"""Views of the interactive simulation as SVG/HTML strings (pure Python, no Solara).

Every view is a function of a model (or of an ensemble result) returning markup, so the
browser receives one small string per view per step instead of a re-rendered image: the
alliance graph, the time series, the state badges, the event timeline, the outcome bars and
the fan charts. :mod:`coalition_sim.ui.app` puts them on the page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.events import EVENTS as EVENT_LABELS
from ..core.events import OUTCOME_LABELS

if TYPE_CHECKING:
    from ..abm.model import CoalitionModel

__all__ = [
    "EVENT_LABELS",
    "GRAPH_LEGEND",
    "OUTCOME_LABELS",
    "History",
    "badges_html",
    "fan_svg",
    "graph_svg",
    "outcome_bars_svg",
    "series_svg",
    "timeline_html",
]

# --------------------------------------------------------------------------- palette

#: Line colours for known actors; others take the fallback cycle.
ACTOR_COLOURS = {
    "USA": "#1f4e9c",
    "DPRK": "#c0392b",
    "ROK": "#16a085",
    "PRC": "#e67e22",
    "JPN": "#8e44ad",
    "RUS": "#7f5539",
}
_FALLBACK = ("#2c3e50", "#d35400", "#27ae60", "#2980b9", "#c71585", "#556b2f")

#: Tie type -> (colour, SVG dash pattern, legend text).
TIE_STYLE = {
    "treaty_ally": ("#1f4e9c", "", "treaty ally"),
    "partner": ("#2e8b57", "10 5", "partner"),
    "rival": ("#e67e22", "5 5", "rival"),
    "adversary": ("#c0392b", "1.5 6", "adversary"),
}

#: Metric -> (colour, label) for the coalition panel and the fan charts.
METRIC_STYLE = {
    "cohesion": ("#1e8449", "coalition cohesion"),
    "effective_pressure": ("#6c3483", "effective pressure"),
    "us_isolation": ("#7f8c8d", "US isolation"),
}


#: Event -> (badge colour, marker glyph) for the timeline and the time-series markers.
EVENT_STYLE = {
    "summit_proposed": ("#2e86c1", "?"),
    "summit_scheduled": ("#2e86c1", "\u25f7"),
    "unconsulted_decision": ("#ca6f1e", "!"),
    "summit_lapsed": ("#7f8c8d", "\u2013"),
    "summit_cancelled": ("#c0392b", "\u2715"),
    "summit_revived": ("#27ae60", "\u21ba"),
    "summit_held": ("#1e8449", "\u2605"),
    "agreement": ("#117a65", "\u2714"),
    "no_deal": ("#7f8c8d", "\u2205"),
    "conventional_test": ("#e67e22", "\u25b5"),
    "strategic_test": ("#922b21", "\u25b2"),
    "military_crisis": ("#922b21", "\u26a0"),
    "coalition_fracture": ("#922b21", "\u2702"),
    "pressure_unwound": ("#6c3483", "\u2198"),
    "us_isolated": ("#6c3483", "\u25cc"),
    "election": ("#34495e", "\u2610"),
}
#: Events marked on the time series' date axis.
MARKED = (
    "strategic_test",
    "summit_held",
    "summit_cancelled",
    "agreement",
    "military_crisis",
    "coalition_fracture",
)


_FONT = "font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif"


def actor_colour(actor_id: str, order: Sequence[str]) -> str:
    if actor_id in ACTOR_COLOURS:
        return ACTOR_COLOURS[actor_id]
    return _FALLBACK[list(order).index(actor_id) % len(_FALLBACK)]


def _lerp(c0: str, c1: str, t: float) -> tuple[float, float, float]:
    a = [int(c0[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
    return tuple(x + (y - x) * t for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


_COMMIT_STOPS = ("#f7fbff", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")


def commitment_colour(value: float) -> str:
    """Pale (no pressure) to deep red (maximum pressure)."""
    v = min(max(float(value), 0.0), 1.0) * (len(_COMMIT_STOPS) - 1)
    k = min(int(v), len(_COMMIT_STOPS) - 2)
    r, g, b = _lerp(_COMMIT_STOPS[k], _COMMIT_STOPS[k + 1], v - k)
    return f"#{round(r):02x}{round(g):02x}{round(b):02x}"


def _num(x: float) -> str:
    return f"{x:.1f}"


# --------------------------------------------------------------------------- history


@dataclass
class History:
    """What the time series need, appended once per week (cheap; no DataFrame per step)."""

    actors: tuple[str, ...]
    step: list[int] = field(default_factory=list)
    cohesion: list[float] = field(default_factory=list)
    effective_pressure: list[float] = field(default_factory=list)
    us_isolation: list[float] = field(default_factory=list)
    commitment: dict[str, list[float]] = field(default_factory=dict)

    @classmethod
    def of(cls, model: CoalitionModel) -> History:
        h = cls(actors=tuple(model.actors))
        h.commitment = {a: [] for a in h.actors}
        h.record(model)
        return h

    def record(self, model: CoalitionModel) -> None:
        self.step.append(int(model.steps))
        self.cohesion.append(model.cohesion)
        self.effective_pressure.append(model.effective_pressure)
        self.us_isolation.append(model.us_isolation)
        commitment = model.state.commitment[0]
        for k, a in enumerate(self.actors):
            self.commitment[a].append(float(commitment[k]))


# --------------------------------------------------------------------------- alliance graph

#: A fixed, map-like layout (x, y in a 640 x 430 box) for the actors the scenarios use;
#: others are placed on a ring around the centre.
GRAPH_W, GRAPH_H = 640, 430
_GEO = {
    "RUS": (330, 62),
    "PRC": (112, 132),
    "DPRK": (330, 178),
    "ROK": (352, 320),
    "JPN": (508, 238),
    "USA": (548, 372),
}


def graph_layout(ids: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Fixed positions: known actors on a map-like layout, others on an outer ring."""
    pos: dict[str, tuple[float, float]] = {a: _GEO[a] for a in ids if a in _GEO}
    others = [a for a in ids if a not in _GEO]
    for k, a in enumerate(others):
        ang = math.pi * (0.75 + 1.5 * (k + 0.5) / len(others))
        pos[a] = (GRAPH_W / 2 + 250 * math.cos(ang), GRAPH_H / 2 - 170 * math.sin(ang))
    return pos


def graph_svg(model: CoalitionModel) -> str:
    """The alliance graph: colour = commitment, size = capability, width/style = tie."""
    g = model.graph
    ids = list(g.nodes)
    pos = graph_layout(ids)
    caps = {a: float(g.nodes[a]["capability"]) for a in ids}
    cmax = max(caps.values()) or 1.0
    radius = {a: 14 + 34 * math.sqrt(caps[a] / cmax) for a in ids}
    commit = {a: model.actors[a].commitment for a in ids}
    pad = max(radius.values()) + 12
    x0 = min(x for x, _ in pos.values()) - pad - 50
    x1 = max(x for x, _ in pos.values()) + pad + 50
    y0 = min(y for _, y in pos.values()) - pad
    y1 = max(y for _, y in pos.values()) + pad + 26
    out = [
        f'<svg id="alliance-graph" xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} '
        f'{x1 - x0:.0f} {y1 - y0:.0f}" width="100%" style="max-height:460px;{_FONT}" '
        f'role="img" aria-label="alliance graph, week {model.steps}">'
    ]
    for a, b, d in g.edges(data=True):
        colour, dash, _ = TIE_STYLE.get(d["type"], ("#555", "", d["type"]))
        (x1, y1), (x2, y2) = pos[a], pos[b]
        s = float(d["strength"])
        width = 1.2 + 10 * s
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{colour}" stroke-width="{width:.2f}" stroke-opacity="0.75" '
            f'stroke-linecap="round"{dash_attr}><title>{a}\u2013{b}: {d["type"]}, strength '
            f"{s:.2f}</title></line>"
        )
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        out.append(
            f'<text x="{_num(mx)}" y="{_num(my - 4)}" font-size="14" text-anchor="middle" '
            f'fill="{colour}" stroke="white" stroke-width="3" paint-order="stroke" '
            f'class="tie-strength">{s:.2f}</text>'
        )
    for a in ids:
        x, y = pos[a]
        r = radius[a]
        c = commit[a]
        fill = commitment_colour(c)
        ink = "#fff" if c > 0.62 else "#1b2631"
        node = g.nodes[a]
        role = node["role"]
        ring = {"leader": "#1f4e9c", "target": "#922b21"}.get(role, "#34495e")
        out.append(
            f'<g class="actor" data-actor="{escape(a)}"><circle cx="{_num(x)}" cy="{_num(y)}" '
            f'r="{r:.1f}" fill="{fill}" stroke="{ring}" stroke-width="{3 if role != "member" else 1.5}">'
            f"<title>{escape(node['name'])} ({role}): commitment {c:.2f}, capability "
            f"{caps[a]:.4f}</title></circle>"
            f'<text x="{_num(x)}" y="{_num(y + 6)}" font-size="18" font-weight="700" '
            f'text-anchor="middle" fill="{ink}">{escape(a)}</text>'
            f'<text x="{_num(x)}" y="{_num(y + r + 19)}" font-size="17" text-anchor="middle" '
            f'fill="#1b2631" stroke="white" stroke-width="3" paint-order="stroke">'
            f"{escape(node['name'])} \u00b7 {c:.2f}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)


def _legend_html() -> str:
    ramp = ",".join(_COMMIT_STOPS)
    ties = "".join(
        f'<span class="cs-leg"><svg width="30" height="10"><line x1="2" y1="5" x2="28" y2="5" '
        f'stroke="{c}" stroke-width="4" stroke-linecap="round"'
        f"{f' stroke-dasharray="{d}"' if d else ''}/></svg>{t}</span>"
        for c, d, t in TIE_STYLE.values()
    )
    return (
        '<div class="cs-legend"><span class="cs-leg">commitment 0 <span class="cs-ramp" '
        f'style="background:linear-gradient(to right,{ramp})"></span> 1</span>{ties}'
        '<div class="cs-note">node size = capability (CINC) \u00b7 edge width and label = tie '
        "strength \u00b7 ring: blue = leader, red = target</div></div>"
    )


#: The graph's legend (static HTML under the SVG).
GRAPH_LEGEND = _legend_html()


# --------------------------------------------------------------------------- time series

SERIES_W = 660
_PANEL_H = 150
_ML, _MR, _MT = 40, 118, 10


def date_ticks(n_steps: int, date_of: Any) -> list[int]:
    """Weeks in which a January (or, for short runs, a July) begins."""
    months = (1, 7) if n_steps <= 160 else (1,)
    out = []
    for t in range(1, n_steps + 1):
        d0, d1 = date_of(t - 1), date_of(t)
        if d0.month != d1.month and d1.month in months:
            out.append(t)
    return out


def _polyline(xs: Sequence[float], ys: Sequence[float], colour: str, width: float = 2) -> str:
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return (
        f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width}" '
        'stroke-linejoin="round"/>'
    )


def _axes(
    top: float,
    height: float,
    n_steps: int,
    date_of: Any,
    title: str,
    x_of: Any,
    yticks: Sequence[float] = (0, 0.5, 1),
) -> list[str]:
    out = [
        f'<text x="{_ML}" y="{top - 2}" font-size="12" font-weight="600" fill="#1b2631">'
        f"{escape(title)}</text>"
    ]
    for v in yticks:
        y = top + height * (1 - v)
        out.append(
            f'<line x1="{_ML}" x2="{SERIES_W - _MR}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e8e8"/>'
            f'<text x="{_ML - 5}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#5d6d7e">{v:g}</text>'
        )
    for t in date_ticks(n_steps, date_of):
        x = x_of(t)
        label = date_of(t).strftime("%b %Y")
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + height}" y2="{top + height + 4}" '
            f'stroke="#85929e"/><text x="{x:.1f}" y="{top + height + 15}" font-size="11" '
            f'text-anchor="middle" fill="#5d6d7e">{label}</text>'
        )
    out.append(
        f'<rect x="{_ML}" y="{top}" width="{SERIES_W - _ML - _MR}" height="{height}" '
        'fill="none" stroke="#b3b6b7"/>'
    )
    return out


def series_svg(model: CoalitionModel, history: History) -> str:
    """Every actor's commitment; cohesion, effective pressure and US isolation; key events."""
    scn = model.scenario_spec
    n = max(model.n_steps, 1)
    x_of = lambda t: _ML + (SERIES_W - _ML - _MR) * t / n  # noqa: E731
    date_of = model.structure.date_of
    top1, top2 = _MT + 14, _MT + 14 + _PANEL_H + 44
    height = top2 + _PANEL_H + 24
    out = [
        f'<svg id="time-series" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SERIES_W} '
        f'{height}" width="100%" style="max-width:{SERIES_W}px;{_FONT}" role="img" '
        f'aria-label="time series, week {model.steps}" data-week="{model.steps}">'
    ]
    # calendar: pandemic span and elections, on both panels
    for top in (top1, top2):
        if scn.clock.pandemic_start is not None:
            s0 = max(scn.step_of(scn.clock.pandemic_start), 0)
            s1 = min(s0 + scn.clock.pandemic_weeks, n)
            if s0 <= n:
                out.append(
                    f'<rect x="{x_of(s0):.1f}" y="{top}" width="{x_of(s1) - x_of(s0):.1f}" '
                    f'height="{_PANEL_H}" fill="#f5eef8"><title>pandemic</title></rect>'
                )
        for e in model.structure.election_steps:
            if 0 <= e <= n:
                out.append(
                    f'<line x1="{x_of(e):.1f}" x2="{x_of(e):.1f}" y1="{top}" '
                    f'y2="{top + _PANEL_H}" stroke="#34495e" stroke-dasharray="3 3">'
                    f"<title>US election {date_of(int(e)).isoformat()}</title></line>"
                )
    out += _axes(top1, _PANEL_H, n, date_of, "Commitment to the pressure campaign", x_of)
    out += _axes(top2, _PANEL_H, n, date_of, "Coalition", x_of)
    xs = [x_of(t) for t in history.step]
    y1 = lambda v: top1 + _PANEL_H * (1 - v)  # noqa: E731
    y2 = lambda v: top2 + _PANEL_H * (1 - v)  # noqa: E731
    legend_x = SERIES_W - _MR + 10
    for k, a in enumerate(history.actors):
        colour = actor_colour(a, history.actors)
        vals = history.commitment[a]
        out.append(_polyline(xs, [y1(v) for v in vals], colour))
        out.append(
            f'<line x1="{legend_x}" x2="{legend_x + 16}" y1="{top1 + 8 + 16 * k}" '
            f'y2="{top1 + 8 + 16 * k}" stroke="{colour}" stroke-width="3"/>'
            f'<text x="{legend_x + 21}" y="{top1 + 12 + 16 * k}" font-size="12" fill="#1b2631">'
            f"{escape(a)} {vals[-1]:.2f}</text>"
        )
    for k, (name, (colour, label)) in enumerate(METRIC_STYLE.items()):
        vals = getattr(history, name)
        out.append(_polyline(xs, [y2(v) for v in vals], colour, 2.2))
        out.append(
            f'<line x1="{legend_x}" x2="{legend_x + 16}" y1="{top2 + 8 + 30 * k}" '
            f'y2="{top2 + 8 + 30 * k}" stroke="{colour}" stroke-width="3"/>'
            f'<text x="{legend_x + 21}" y="{top2 + 12 + 30 * k}" font-size="11" '
            f'fill="#1b2631">{vals[-1]:.2f}</text>'
            f'<text x="{legend_x}" y="{top2 + 24 + 30 * k}" font-size="11" fill="#5d6d7e">'
            f"{label}</text>"
        )
    thr = model.scenario_spec.params.outcomes.fracture_cohesion
    out.append(
        f'<line x1="{_ML}" x2="{SERIES_W - _MR}" y1="{y2(thr):.1f}" y2="{y2(thr):.1f}" '
        f'stroke="#1e8449" stroke-dasharray="2 4"><title>fracture threshold {thr:g}</title></line>'
    )
    # key events along the top of the coalition panel
    for ev in model.event_log:
        if ev["event"] not in MARKED:
            continue
        colour, glyph = EVENT_STYLE[ev["event"]]
        out.append(
            f'<text x="{x_of(ev["step"]):.1f}" y="{top2 - 14}" font-size="11" '
            f'text-anchor="middle" fill="{colour}">{glyph}<title>{ev["date"]}: '
            f"{escape(EVENT_LABELS.get(ev['event'], ev['event']))}</title></text>"
        )
    # the current week
    xc = x_of(model.steps)
    out.append(
        f'<line x1="{xc:.1f}" x2="{xc:.1f}" y1="{top1}" y2="{top2 + _PANEL_H}" stroke="#1b2631" '
        'stroke-opacity="0.35"/>'
    )
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- badges, timeline


def _badge(label: str, value: str, colour: str, key: str) -> str:
    return (
        f'<span class="cs-badge" data-badge="{key}" style="border-color:{colour}">'
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
        "none": "#7f8c8d",
        "proposed": "#2e86c1",
        "scheduled": "#1f618d",
        "cancelled": "#c0392b",
        "held": "#1e8449",
    }.get(summit, "#7f8c8d")
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
            "#b9770e" if domain == "losses" else "#1f618d",
            "domain",
        ),
        _badge(
            "Next US election",
            "none ahead" if weeks < 0 else ("this week" if weeks == 0 else f"in {weeks} weeks"),
            "#34495e" if weeks < 0 or weeks > 26 else "#b9770e",
            "election",
        ),
        _badge("US posture", posture, "#566573" if posture == "none" else "#6c3483", "posture"),
    ]
    return f'<div class="cs-badges">{"".join(parts)}</div>'


def timeline_html(events: Sequence[Mapping[str, Any]], limit: int = 60) -> str:
    """Newest first: date, week, actor and what happened."""
    if not events:
        return '<div class="cs-timeline cs-empty">No events yet: press Step or Play.</div>'
    rows = []
    for ev in list(events)[::-1][:limit]:
        name = ev["event"]
        colour, glyph = EVENT_STYLE.get(name, ("#566573", "\u2022"))
        label = EVENT_LABELS.get(name, name.replace("_", " "))
        details = (
            f' <span class="cs-ev-details">({escape(ev["details"])})</span>'
            if ev["details"]
            else ""
        )
        rows.append(
            f'<tr class="cs-ev cs-ev-{escape(name)}"><td class="cs-ev-date">{escape(ev["date"])}</td>'
            f'<td class="cs-ev-week">wk {ev["step"]}</td>'
            f'<td class="cs-ev-actor">{escape(ev["actor"])}</td>'
            f'<td><span style="color:{colour}">{glyph}</span> {escape(label)}{details}</td></tr>'
        )
    more = len(events) - limit
    tail = f'<div class="cs-more">\u2026 and {more} earlier events</div>' if more > 0 else ""
    return f'<div class="cs-timeline"><table><tbody>{"".join(rows)}</tbody></table>{tail}</div>'


# --------------------------------------------------------------------------- ensemble


def outcome_bars_svg(probabilities: Mapping[str, float], n: int) -> str:
    """Horizontal bars: the share of replicates in which each outcome happened."""
    names = [k for k in OUTCOME_LABELS if k in probabilities] + [
        k for k in probabilities if k not in OUTCOME_LABELS
    ]
    row, w, lx = 22, 430, 150
    out = [
        f'<svg id="outcome-bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {lx + w + 60} '
        f'{row * len(names) + 10}" width="100%" style="max-width:{lx + w + 60}px;{_FONT}" '
        f'role="img" aria-label="outcome probabilities over {n} replicates">'
    ]
    for k, name in enumerate(names):
        p = float(probabilities[name])
        y = 4 + row * k
        bad = name in {"military_crisis", "coalition_fractured", "us_isolated", "strategic_test"}
        colour = "#c0392b" if bad else "#2e86c1"
        out.append(
            f'<text x="{lx - 8}" y="{y + 14}" font-size="12" text-anchor="end" fill="#1b2631">'
            f"{escape(OUTCOME_LABELS.get(name, name))}</text>"
            f'<rect x="{lx}" y="{y + 2}" width="{w}" height="15" fill="#f2f3f4"/>'
            f'<rect class="bar" data-outcome="{name}" x="{lx}" y="{y + 2}" width="{w * p:.1f}" '
            f'height="15" fill="{colour}"/>'
            f'<text x="{lx + w + 6}" y="{y + 14}" font-size="12" fill="#1b2631">{100 * p:.0f}%</text>'
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
) -> str:
    """Median and 5-95% band over replicates; ``values`` is (replicates, recorded steps)."""
    w, h, ml, mt = 330, 170, 36, 22
    q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95], axis=0)
    n = max(int(steps[-1]), 1)
    x_of = lambda t: ml + (w - ml - 8) * t / n  # noqa: E731
    y_of = lambda v: mt + (h - mt - 24) * (1 - v)  # noqa: E731
    out = [
        f'<svg id="{svg_id}" class="cs-fan" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {w} {h}" width="100%" style="max-width:{w}px;{_FONT}" role="img" '
        f'aria-label="{escape(title)}: median and 5-95% band">'
        f'<text x="{ml}" y="14" font-size="12" font-weight="600" fill="#1b2631">'
        f"{escape(title)}</text>"
    ]
    for v in (0, 0.5, 1):
        out.append(
            f'<line x1="{ml}" x2="{w - 8}" y1="{y_of(v):.1f}" y2="{y_of(v):.1f}" stroke="#e5e8e8"/>'
            f'<text x="{ml - 4}" y="{y_of(v) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#5d6d7e">{v:g}</text>'
        )
    for t in date_ticks(n, date_of):
        out.append(
            f'<text x="{x_of(t):.1f}" y="{h - 8}" font-size="11" text-anchor="middle" '
            f'fill="#5d6d7e">{date_of(t).strftime("%b %y")}</text>'
        )
    upper = " ".join(f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in zip(steps, q95, strict=True))
    lower = " ".join(
        f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in zip(steps[::-1], q05[::-1], strict=True)
    )
    out.append(
        f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.22" stroke="none">'
        "<title>5-95% of replicates</title></polygon>"
    )
    out.append(_polyline([x_of(t) for t in steps], [y_of(v) for v in q50], colour, 2.2))
    if run is not None and len(run[0]) > 1:
        out.append(
            _polyline([x_of(t) for t in run[0]], [y_of(v) for v in run[1]], "#1b2631", 1.2).replace(
                "/>", ' stroke-dasharray="3 2"/>'
            )
        )
    out.append("</svg>")
    return "".join(out)


def date_label(d: dt.date) -> str:
    return d.strftime("%d %b %Y")
