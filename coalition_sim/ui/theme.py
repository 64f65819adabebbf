"""The views' theme: palette, line styles, event glyphs, outcome words, font and sizing rules,
and the per-week :class:`History` the time series draw (pure Python, no Solara).

Kept apart from the charts in :mod:`coalition_sim.ui.views` so that every colour, dash and
readable-size rule is declared once. The palette is Okabe-Ito (distinguishable with the common
colour-vision deficiencies); no chart text is smaller than 12 SVG units and :func:`svg_style`
keeps each SVG wide enough that it never renders below 11 CSS px.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..abm.model import CoalitionModel

__all__ = [
    "ACTOR_COLOURS",
    "EVENT_STYLE",
    "GRAPH_CAPTION_HTML",
    "GRAPH_LEGEND",
    "MARKED",
    "METRIC_HELP",
    "METRIC_STYLE",
    "MIN_CSS_PX",
    "MIN_FONT",
    "OKABE_ITO",
    "OUTCOME_HELP",
    "TIE_STYLE",
    "History",
    "actor_colour",
    "actor_dash",
    "commitment_colour",
    "commitment_word",
    "graph_legend_rows",
    "series_legend_rows",
    "svg_style",
    "swatch",
    "text_width",
]

# --------------------------------------------------------------------------- palette

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

#: Line colours for known actors; others take the fallback cycle. Lines also differ by dash.
ACTOR_COLOURS = {
    "USA": OKABE_ITO["blue"],
    "DPRK": OKABE_ITO["vermillion"],
    "ROK": OKABE_ITO["green"],
    "PRC": OKABE_ITO["orange"],
    "JPN": OKABE_ITO["purple"],
    "RUS": OKABE_ITO["black"],
}
_FALLBACK = (OKABE_ITO["sky"], "#555555", OKABE_ITO["yellow"], "#8c564b")
_DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")

#: Tie type -> (colour, SVG dash pattern, legend text).
TIE_STYLE = {
    "treaty_ally": (OKABE_ITO["blue"], "", "treaty ally"),
    "partner": (OKABE_ITO["green"], "10 5", "partner"),
    "rival": (OKABE_ITO["orange"], "5 5", "rival"),
    "adversary": (OKABE_ITO["vermillion"], "1.5 6", "adversary"),
}

#: Metric -> (colour, label, dash) for the coalition panel and the fan charts.
METRIC_STYLE = {
    "cohesion": (OKABE_ITO["green"], "coalition cohesion", ""),
    "effective_pressure": (OKABE_ITO["blue"], "effective pressure", "7 3"),
    "us_isolation": ("#555555", "US isolation", "2 3"),
}

#: Plain-language meaning of the coalition metrics (legend tooltips and captions).
METRIC_HELP = {
    "cohesion": "how closely allied partners agree on pressure (0 = split, 1 = united)",
    "effective_pressure": "capability-weighted pressure the coalition actually applies (0-1)",
    "us_isolation": "share of partners' capability not matching US pressure (0-1)",
}


_DARK = "#1b2631"
_MUTED = "#4d5656"  # >= 7:1 on white

#: Event -> (colour, marker glyph) for the timeline and the time-series markers.
EVENT_STYLE = {
    "summit_proposed": (OKABE_ITO["blue"], "?"),
    "summit_scheduled": (OKABE_ITO["blue"], "\u25f7"),
    "unconsulted_decision": ("#8a4b00", "!"),
    "summit_lapsed": (_MUTED, "\u2013"),
    "summit_cancelled": ("#a33a00", "\u2715"),
    "summit_revived": ("#00734f", "\u21ba"),
    "summit_held": ("#00734f", "\u2605"),
    "agreement": ("#00734f", "\u2714"),
    "no_deal": (_MUTED, "\u2205"),
    "conventional_test": ("#8a4b00", "\u25b5"),
    "strategic_test": ("#a33a00", "\u25b2"),
    "military_crisis": ("#a33a00", "\u26a0"),
    "coalition_fracture": ("#a33a00", "\u2702"),
    "pressure_unwound": ("#7a3b63", "\u2198"),
    "us_isolated": ("#7a3b63", "\u25cc"),
    "election": ("#34495e", "\u2610"),
}
#: Events marked on the time series' date axis.
MARKED = (
    "summit_proposed",
    "summit_revived",
    "strategic_test",
    "summit_held",
    "summit_cancelled",
    "agreement",
    "military_crisis",
    "coalition_fracture",
)


#: What each outcome means, in words (bar tooltips and the exported table).
OUTCOME_HELP = {
    "summit_held": "a leader-level summit took place at least once",
    "agreement": "a summit ended with an agreement",
    "summit_cancelled": "a scheduled summit was cancelled",
    "summit_revived": "a cancelled summit was put back on the calendar",
    "strategic_test": "North Korea made at least one strategic (ICBM or nuclear) test",
    "military_crisis": "tension crossed into a military crisis",
    "coalition_fractured": "coalition cohesion fell below the fracture threshold",
    "pressure_unwound": "effective pressure fell well below its starting level",
    "us_isolated": "the US ended up alone and sidelined",
    "muddling_through": "no agreement, no military crisis and no strategic test",
}
_BAD_OUTCOMES = frozenset(
    {"military_crisis", "coalition_fractured", "pressure_unwound", "us_isolated", "strategic_test"}
)

_FONT = "font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif"
#: Smallest font size used in any SVG (user units) and the smallest it may render (CSS px).
MIN_FONT, MIN_CSS_PX = 12, 11


def text_width(text: str, size: float) -> float:
    """A generous width of a text in the chart font (0.62 em a character): what a label
    needs so that it covers nothing and runs into no other label."""
    return 0.62 * size * len(text)


def svg_style(width: float) -> str:
    """Fill the column, but never shrink so far that 12-unit text renders below 11 px (the
    wrapper scrolls sideways instead), nor grow text beyond 1.3x."""
    lo = math.ceil(width * MIN_CSS_PX / MIN_FONT)
    return f"width:100%;min-width:{lo}px;max-width:{round(width * 1.3)}px;height:auto;{_FONT}"


def actor_colour(actor_id: str, order: Sequence[str]) -> str:
    if actor_id in ACTOR_COLOURS:
        return ACTOR_COLOURS[actor_id]
    return _FALLBACK[list(order).index(actor_id) % len(_FALLBACK)]


def actor_dash(actor_id: str, order: Sequence[str]) -> str:
    return _DASHES[list(order).index(actor_id) % len(_DASHES)]


def _lerp(c0: str, c1: str, t: float) -> tuple[float, float, float]:
    a = [int(c0[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
    return tuple(x + (y - x) * t for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


#: Sequential, single-direction lightness ramp (ColorBrewer OrRd): readable without hue.
_COMMIT_STOPS = ("#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")


def commitment_colour(value: float) -> str:
    """Pale (no pressure, or for the DPRK no defiance) to deep red (maximum)."""
    v = min(max(float(value), 0.0), 1.0) * (len(_COMMIT_STOPS) - 1)
    k = min(int(v), len(_COMMIT_STOPS) - 2)
    r, g, b = _lerp(_COMMIT_STOPS[k], _COMMIT_STOPS[k + 1], v - k)
    return f"#{round(r):02x}{round(g):02x}{round(b):02x}"


def _num(x: float) -> str:
    return f"{x:.1f}"


def commitment_word(role: str) -> str:
    """What 'commitment' means for an actor: the target's is its defiance of the campaign."""
    return "defiance" if role == "target" else "commitment"


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


def series_legend_rows(model: Any, history: Any) -> list[tuple[str, str, str]]:
    """(colour, dash, label) of every line of the time series (``views.series_svg``), for
    exported charts: each actor's commitment (DPRK: defiance), then the coalition metrics."""
    rows = []
    for a in history.actors:
        node = model.graph.nodes[a]
        word = commitment_word(str(node["role"]))
        rows.append(
            (actor_colour(a, history.actors), actor_dash(a, history.actors),
             f"{node['name']} ({word})")
        )  # fmt: skip
    rows += [(colour, dash, label) for colour, label, dash in METRIC_STYLE.values()]
    return rows


#: How to read the alliance graph: under it on the page and in its exported files (a slide
#: must not read "DPRK 0.91" as North Korea's commitment to pressure).
GRAPH_CAPTION_HTML = (
    "Node colour: commitment to the pressure campaign, 0 (none) to 1 "
    '("maximum pressure"). <b>For North Korea, the target, the same number is its '
    "defiance</b>: how firmly it resists the campaign. Node size: military-economic "
    "capability (CINC share). Line width and number: tie strength (0-1). Thick blue ring: "
    "the leader (US); black ring: the target."
)


def graph_legend_rows() -> list[tuple[str, str, str]]:
    """(colour, dash, label) of every tie type of the alliance graph and three stops of the
    node colours' commitment scale, for exported charts."""
    ties = [(colour, dash, label) for colour, dash, label in TIE_STYLE.values()]
    # the ramp's 0 is near-white, invisible on a white file: the first swatch is its next stop
    scale = [(_COMMIT_STOPS[1], "", "node: commitment low (0 is white)"),
             (_COMMIT_STOPS[2], "", "0.5"), (_COMMIT_STOPS[4], "", "1 (for the DPRK: defiance)")]  # fmt: skip
    return ties + scale


def swatch(colour: str, dash: str = "", width: float = 3) -> str:
    """A short line in a legend (HTML), as the chart draws the series or tie."""
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg width="30" height="12" aria-hidden="true"><line x1="2" y1="6" x2="28" y2="6" '
        f'stroke="{colour}" stroke-width="{width}" stroke-linecap="butt"{dash_attr}/></svg>'
    )


def _graph_legend_html() -> str:
    ramp = ",".join(_COMMIT_STOPS)
    ties = "".join(
        f'<span class="cs-leg">{swatch(c, d, 4)}{t}</span>' for c, d, t in TIE_STYLE.values()
    )
    return (
        '<div class="cs-legend"><span class="cs-leg">commitment to pressure 0 '
        '<span class="cs-ramp" aria-hidden="true" '
        f'style="background:linear-gradient(to right,{ramp})"></span> 1</span>{ties}</div>'
        f'<p class="cs-caption">{GRAPH_CAPTION_HTML}</p>'
    )


#: The graph's legend and caption (static HTML under the SVG).
GRAPH_LEGEND = _graph_legend_html()
