"""The alliance graph as SVG (pure Python, no Solara): a fixed map-like layout, node colour =
commitment (DPRK: defiance), size = capability, edge width and label = tie strength.

Kept apart from :mod:`coalition_sim.ui.views` (which re-exports :func:`graph_svg`) because the
tie labels' placement is a small search of its own: with five or six actors (the baseline
with Japan and Russia added on the page) a label at the middle of its tie sat on another
label, behind the DPRK node or against a node's name, and README promises labels that cover
no node and no node label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING

from .theme import (
    _DARK,
    MIN_FONT,
    OKABE_ITO,
    TIE_STYLE,
    _num,
    commitment_colour,
    commitment_word,
    svg_style,
    text_width,
)

if TYPE_CHECKING:
    from ..abm.model import CoalitionModel

__all__ = [
    "GRAPH_H",
    "GRAPH_W",
    "MAX_LABELLED_TIES",
    "Box",
    "box_gap",
    "graph_layout",
    "graph_svg",
    "name_label_box",
    "tie_label_at",
    "tie_label_box",
]

#: A fixed, map-like layout (x, y in a 400 x 270 box) for the actors the scenarios use;
#: others are placed on a ring around the centre.
GRAPH_W, GRAPH_H = 400, 270
_GEO = {
    "RUS": (205, 40),
    "PRC": (70, 82),
    "DPRK": (205, 110),
    "ROK": (218, 198),
    "JPN": (315, 148),
    "USA": (340, 230),
}

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1

#: A tie label's box (the text "0.00" at the smallest chart font, with its white halo).
TIE_W, TIE_H = text_width("0.00", MIN_FONT), 14.0
#: Where along a tie (fraction from a to b) and how far beside it a label may go: the middle
#: first, 0.3 to 0.7, and 0.2 to 0.8 for a tie that runs behind a node (Russia-ROK behind
#: the DPRK); a label always ends nearer its own tie than any other (see the score).
_ALONG = (0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8)
_BESIDE = (0.0, 10.0, -10.0, 17.0, -17.0)
#: Clear space (SVG units) beyond which a position is as good as any other.
_ENOUGH_ROOM, _ENOUGH_FROM_TIES = 6.0, 4.0
#: Ties whose strength is printed on the graph. Placing a label weighs every other tie and
#: label, so the work grows with the square of the ties: an uploaded scenario of 64 actors
#: (2,016 ties, within the schema and the page's budget) held the server for minutes, every
#: page with it, before its graph appeared (40 ties: under half a second). Above this the
#: graph says so, and each tie's strength is in its tooltip and the trajectory CSV.
MAX_LABELLED_TIES = 40


def graph_layout(ids: Sequence[str]) -> dict[str, Point]:
    """Fixed positions: known actors on a map-like layout, others on an outer ring."""
    pos: dict[str, Point] = {a: _GEO[a] for a in ids if a in _GEO}
    others = [a for a in ids if a not in _GEO]
    for k, a in enumerate(others):
        ang = math.pi * (0.75 + 1.5 * (k + 0.5) / len(others))
        pos[a] = (GRAPH_W / 2 + 160 * math.cos(ang), GRAPH_H / 2 - 105 * math.sin(ang))
    return pos


def _box(cx: float, cy: float, w: float, h: float) -> Box:
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def box_gap(p: Box, q: Box) -> float:
    """The clear space between two boxes; negative when they overlap (by how deep)."""
    return max(q[0] - p[2], p[0] - q[2], q[1] - p[3], p[1] - q[3])


def name_label_box(x: float, y: float, r: float, text: str) -> Box:
    """The box of a node's name label ("JPN 0.86", 13 units, bold) under a node of radius r."""
    return _box(x, y + r + 9.5, text_width(text, 13) + 4, 16)


def tie_label_box(cx: float, cy: float) -> Box:
    """The box of a tie label centred at (cx, cy); its text's baseline is at cy + 4."""
    return _box(cx, cy, TIE_W, TIE_H)


def _distance(c: Point, a: Point, b: Point) -> float:
    """The distance from the point c to the tie a-b (a segment)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = ((c[0] - a[0]) * dx + (c[1] - a[1]) * dy) / ((dx * dx + dy * dy) or 1.0)
    t = min(1.0, max(0.0, t))
    return math.hypot(c[0] - a[0] - t * dx, c[1] - a[1] - t * dy)


def _tie_gap(box: Box, a: Point, b: Point) -> float:
    """The clear space between a label box and the tie a-b (a line of up to 7 units)."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    hw, hh = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    along = (cx - a[0]) * ux + (cy - a[1]) * uy
    reach = hw * abs(ux) + hh * abs(uy)  # the box's half-extent along the tie
    if -reach <= along <= length + reach:  # beside the tie: distance across it
        across = abs((cx - a[0]) * uy - (cy - a[1]) * ux)
        return across - (hw * abs(uy) + hh * abs(ux)) - 3.5
    end = a if along < 0 else b
    return box_gap(box, (end[0], end[1], end[0], end[1])) - 3.5


def tie_label_at(
    a: Point, b: Point, taken: Sequence[Box], ties: Sequence[tuple[Point, Point]] = (),
    frame: Box | None = None,
) -> Point:  # fmt: skip
    """Where the strength label of the tie a-b goes: of the positions along it (t from 0.3
    to 0.7) and beside it, the one with the most clear space to the boxes ``taken`` (nodes,
    their name labels, labels already placed) and, next, to the other ``ties``, inside
    ``frame``; the middle of the tie when several are clear enough."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length
    best: Point = (a[0] + dx / 2, a[1] + dy / 2)
    best_score: tuple[float, ...] = (-math.inf,)
    for t in _ALONG:
        for off in _BESIDE:
            x, y = a[0] + t * dx + off * nx, a[1] + t * dy + off * ny
            box = tie_label_box(x, y)
            room = min((box_gap(box, q) for q in taken), default=math.inf)
            if frame is not None:  # inside the view box: distance to its edges
                room = min(room, box[0] - frame[0], box[1] - frame[1],
                           frame[2] - box[2], frame[3] - box[3])  # fmt: skip
            clear = min((_tie_gap(box, p, q) for p, q in ties), default=math.inf)
            # read as its own tie's: nearer to it than to any other tie
            own = abs(off) < min((_distance((x, y), p, q) for p, q in ties), default=math.inf)
            score = (
                room >= 1.0,
                own,
                min(room, _ENOUGH_ROOM),
                min(clear, _ENOUGH_FROM_TIES),
                -abs(t - 0.5) - abs(off) / 40,
            )
            if score > best_score:
                best, best_score = (x, y), score
    return best


@lru_cache(maxsize=64)
def _placed(
    nodes: tuple[tuple[str, Point, float], ...], edges: tuple[tuple[Point, Point], ...],
    frame: Box,
) -> tuple[Point, ...]:  # fmt: skip
    """Every tie label's centre, one tie after another (each keeps clear of those placed
    before it); cached, since the layout changes only with the actors and ties (Play draws
    the graph every week)."""
    taken = [
        box
        for a, (x, y), r in nodes
        for box in (_box(x, y, 2 * r, 2 * r), name_label_box(x, y, r, f"{a} 0.00"))
    ]
    out = []
    for k, (p, q) in enumerate(edges):
        others = edges[:k] + edges[k + 1 :]
        at = tie_label_at(p, q, taken, others, frame)
        taken.append(tie_label_box(*at))
        out.append(at)
    return tuple(out)


def _frame(x: float, y: float, w: float, h: float) -> Box:
    """The view box as the SVG prints it (whole units)."""
    return (round(x), round(y), round(x) + round(w), round(y) + round(h))


def graph_svg(model: CoalitionModel) -> str:
    """The alliance graph: colour = commitment (DPRK: defiance), size = capability,
    width/style = tie."""
    g = model.graph
    ids = list(g.nodes)
    pos = graph_layout(ids)
    caps = {a: float(g.nodes[a]["capability"]) for a in ids}
    cmax = max(caps.values()) or 1.0
    radius = {a: 9 + 21 * math.sqrt(caps[a] / cmax) for a in ids}
    commit = {a: model.actors[a].commitment for a in ids}
    pad = max(radius.values()) + 8
    x0 = min(x for x, _ in pos.values()) - pad - 16
    x1 = max(x for x, _ in pos.values()) + pad + 16
    y0 = min(y for _, y in pos.values()) - pad
    y1 = max(y for _, y in pos.values()) + pad + 18
    edges = list(g.edges(data=True))
    labelled = len(edges) <= MAX_LABELLED_TIES
    if not labelled:
        y1 += 18  # a line for the note that the strengths are not printed
    width = x1 - x0
    out = [
        f'<svg id="alliance-graph" xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} '
        f'{width:.0f} {y1 - y0:.0f}" style="{svg_style(width)}" role="img" '
        f'aria-label="Alliance graph, week {model.steps}: node colour is commitment to the '
        f'pressure campaign (for North Korea: defiance), node size is capability">'
        f"<title>Alliance graph, week {model.steps}</title>"
    ]
    places = (
        _placed(
            tuple((a, pos[a], radius[a]) for a in ids),
            tuple((pos[a], pos[b]) for a, b, _ in edges),
            _frame(x0, y0, width, y1 - y0),
        )
        if labelled
        else ()
    )
    for a, b, d in edges:
        colour, dash, label = TIE_STYLE.get(d["type"], ("#555555", "", str(d["type"])))
        (ax, ay), (bx, by) = pos[a], pos[b]
        s = float(d["strength"])
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{_num(ax)}" y1="{_num(ay)}" x2="{_num(bx)}" y2="{_num(by)}" '
            f'stroke="{colour}" stroke-width="{1 + 6 * s:.2f}" stroke-opacity="0.8" '
            f'stroke-linecap="round"{dash_attr}><title>{escape(a)}\u2013{escape(b)}: '
            f"{escape(label)}, tie strength {s:.2f} (0-1)</title></line>"
        )
    if not labelled:
        out.append(
            f'<text x="{_num(x0 + 6)}" y="{_num(y1 - 6)}" font-size="{MIN_FONT}" '
            f'fill="{_DARK}" class="ties-unlabelled">{len(edges):,} ties: strengths are printed '
            f"for up to {MAX_LABELLED_TIES}; hover a tie for its strength</text>"
        )
    for (a, b, d), (mx, my) in zip(edges if labelled else [], places, strict=True):
        # drawn after every tie, so no other tie runs over a label
        out.append(
            f'<text x="{_num(mx)}" y="{_num(my + 4)}" font-size="{MIN_FONT}" '
            f'text-anchor="middle" fill="{_DARK}" stroke="white" stroke-width="3" '
            f'paint-order="stroke" class="tie-strength" data-tie="{escape(a)}-{escape(b)}">'
            f"{float(d['strength']):.2f}</text>"
        )
    for a in ids:
        x, y = pos[a]
        r = radius[a]
        c = commit[a]
        node = g.nodes[a]
        role = str(node["role"])
        ring = {"leader": OKABE_ITO["blue"], "target": "#000000"}.get(role, "#34495e")
        word = commitment_word(role)
        text = f"{a} {c:.2f}"
        bx0, by0, bx1, by1 = name_label_box(x, y, r, text)
        out.append(
            f'<g class="actor" data-actor="{escape(a)}"><circle cx="{_num(x)}" cy="{_num(y)}" '
            f'r="{r:.1f}" fill="{commitment_colour(c)}" stroke="{ring}" '
            f'stroke-width="{2.5 if role != "member" else 1.2}">'
            f"<title>{escape(str(node['name']))} ({escape(role)}): {word} {c:.2f} (0-1), "
            f"capability {caps[a]:.4f} (CINC share)</title></circle>"
            # a white plate under the name: no tie runs through "JPN 0.86"
            f'<rect class="name-plate" x="{_num(bx0)}" y="{_num(by0)}" '
            f'width="{_num(bx1 - bx0)}" height="{_num(by1 - by0)}" rx="3" fill="white" '
            f'fill-opacity="0.9"/>'
            f'<text x="{_num(x)}" y="{_num(y + r + 14)}" font-size="13" font-weight="600" '
            f'text-anchor="middle" fill="{_DARK}" stroke="white" stroke-width="3" '
            f'paint-order="stroke">{escape(text)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
