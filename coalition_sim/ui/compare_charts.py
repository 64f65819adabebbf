"""The Compare panel's chart and table of paired effects (B - A in percentage points with
their 95% intervals), apart from the panel itself so that each module stays one job."""

from __future__ import annotations

import math
from html import escape
from typing import Any

import pandas as pd

from .ensemble_panel import column_label
from .numbers import bound_text, nonzero_text, pct_text, pp_between, pp_bound, pp_text, signed
from .theme import svg_style
from .views import OUTCOME_LABELS

__all__ = ["MEAN_WORDS", "effect_bars_svg", "effect_ticks", "effects_table_html"]


def effect_ticks(span: float) -> list[float]:
    """Round tick values (as shares) covering [-span, span]: 1 or 2 ticks each side of 0 (the
    axis is 166 px wide: seven labels such as '-30' ran into each other)."""
    pp = span * 100
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if pp / s <= 2)
    k = math.floor(pp / step + 1e-9)
    return [j * step / 100 for j in range(-k, k + 1)]


def _effect_text(r: Any) -> str:
    """A yes/no outcome's effect B - A as the difference of the two shares printed beside
    it (:func:`.numbers.pp_between`: for a yes/no outcome the paired effect is exactly that
    difference), with its 95% interval."""
    effect = pp_between(r["reference_value"], r["value"])
    return f"{effect} pp [{pp_bound(r['lo'])}, {pp_bound(r['hi'])}]"


#: How the effects table names a metric's row: the mean over replicates of its final week
#: (the CSV's ``mean``; "(mean)" alone read as a mean over the weeks of the run).
MEAN_WORDS = ", final week (mean)"

W, ROW_H, LX, AX0, AX1 = 440, 40, 4, 266, 432  # width, row height, text x, effect axis


def effect_bars_svg(table: pd.DataFrame) -> str:
    """Yes/no outcomes: P under A and B, and the paired effect B - A in percentage points
    with its 95% interval, printed and drawn on a ticked axis."""
    rows = table[table["kind"] == "probability"].reset_index(drop=True)
    order = [k for k in OUTCOME_LABELS if k in set(rows["outcome"])]
    rows = rows.set_index("outcome").loc[order].reset_index()
    span = float(max(0.05, rows[["lo", "hi"]].abs().to_numpy().max() * 1.1))
    ticks = effect_ticks(span)
    span = max(span, max(abs(t) for t in ticks))
    mid, half = (AX0 + AX1) / 2, (AX1 - AX0) / 2
    x_of = lambda v: mid + half * float(v) / span  # noqa: E731
    top = 24
    height = top + ROW_H * len(rows) + 40  # room for the axis title under the tick labels
    out = [
        f'<svg id="compare-bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" '
        f'style="{svg_style(W)}" role="img" aria-label="paired effects of B against A, in '
        'percentage points with 95% intervals">',
        f'<rect width="{W}" height="{height}" fill="#fff"/>',
        f'<text x="{LX}" y="14" font-size="12" fill="#4d5656">outcome: A \u2192 B, effect '
        "(pp, 95%)</text>",
        f'<text x="{mid}" y="14" font-size="12" text-anchor="middle" fill="#4d5656">'
        "effect B \u2212 A</text>",
    ]
    axis_y = top + ROW_H * len(rows) + 4
    for t in ticks:
        x = x_of(t)
        out.append(
            f'<line class="tick" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" '
            f'stroke="{"#7f8c8d" if t == 0 else "#e5e8e8"}" stroke-width="1"/>'
            f'<text class="tick-label" x="{x:.1f}" y="{axis_y + 16}" font-size="12" '
            f'text-anchor="middle" fill="#1b2631">{pp_text(t).replace(".0", "")}</text>'
        )
    out.append(
        f'<line x1="{AX0}" y1="{axis_y}" x2="{AX1}" y2="{axis_y}" stroke="#1b2631"/>'
        f'<text x="{AX1}" y="{axis_y + 28}" font-size="12" text-anchor="end" '
        'fill="#4d5656">percentage points</text>'
    )
    for k, (_, r) in enumerate(rows.iterrows()):
        y = top + ROW_H * k
        clear = bool(r["excludes_zero"])
        colour = ("#c0392b" if r["effect"] > 0 else "#2e86c1") if clear else "#95a5a6"
        x0, x1 = sorted((x_of(0.0), x_of(r["effect"])))
        name = OUTCOME_LABELS.get(r["outcome"], r["outcome"])
        out.append(
            f'<g class="effect" data-outcome="{r["outcome"]}" data-effect="{r["effect"]:.4f}" '
            f'data-lo="{r["lo"]:.4f}" data-hi="{r["hi"]:.4f}">'
            f'<text x="{LX}" y="{y + 14}" font-size="12" fill="#1b2631" font-weight="600">'
            f"{escape(name[:1].upper() + name[1:])}</text>"
            f'<text x="{AX0 - 6}" y="{y + 14}" font-size="12" text-anchor="end" '
            f'fill="#1b2631">{escape(pct_text(r["reference_value"]))}% \u2192 {escape(pct_text(r["value"]))}%'
            "</text>"
            f'<text class="effect-text" x="{LX}" y="{y + 31}" font-size="12" fill="#1b2631">'
            f"{escape(_effect_text(r))}</text>"
            f'<rect x="{x0:.1f}" y="{y + 8}" width="{max(x1 - x0, 0.5):.1f}" height="14" '
            f'fill="{colour}" opacity="0.8"/>'
            f'<line x1="{x_of(r["lo"]):.1f}" y1="{y + 15}" x2="{x_of(r["hi"]):.1f}" '
            f'y2="{y + 15}" stroke="#1b2631" stroke-width="1.5"/>'
            f'<line x1="{x_of(r["lo"]):.1f}" y1="{y + 9}" x2="{x_of(r["lo"]):.1f}" y2="{y + 21}" '
            f'stroke="#1b2631"/><line x1="{x_of(r["hi"]):.1f}" y1="{y + 9}" '
            f'x2="{x_of(r["hi"]):.1f}" y2="{y + 21}" stroke="#1b2631"/></g>'
        )
    out.append("</svg>")
    return "".join(out)


def effects_table_html(table: pd.DataFrame, roles: dict[str, str] | None = None) -> str:
    """The same numbers as a table (screen readers, copying), yes/no outcomes and means;
    ``roles`` (actor id -> role) names the target's commitment its defiance."""
    body = []
    # the chart's order (the outcome bars'), then the means as the CSV lists them: the table
    # listed the CSV's order, so "summit cancelled" stood eighth here and third in the chart
    order = {k: i for i, k in enumerate(OUTCOME_LABELS)}
    rank = [
        (0, order.get(o, len(order)), k) if kind == "probability" else (1, 0, k)
        for k, (o, kind) in enumerate(zip(table["outcome"], table["kind"], strict=True))
    ]
    table = table.iloc[[k for *_, k in sorted(rank)]]
    for _, r in table.iterrows():
        prob = r["kind"] == "probability"
        # shares and effects as the chart prints them (:mod:`.numbers`)
        fmt = (lambda v: f"{escape(pct_text(v))}%") if prob else (lambda v: f"{v:.3f}")
        # a mean's effect is B - A of the two means as printed (3 d.p.), as a share's is
        # (0.121 -> 0.120 read "0.000"); its interval is the paired one, as computed
        exact = float(r["value"]) - float(r["reference_value"])
        shown = signed(round(float(r["value"]), 3) - round(float(r["reference_value"]), 3), 3)
        shown = nonzero_text(shown, exact, 3)
        bounds = f"[{bound_text(r['lo'], 3)}, {bound_text(r['hi'], 3)}]"
        eff = _effect_text(r) if prob else f"{shown} {bounds}"
        name = column_label(str(r["outcome"]), roles or {})  # the page's words ("US isolation")
        body.append(
            f"<tr><th scope=row>{escape(name)}{'' if prob else MEAN_WORDS}</th>"
            f"<td>{fmt(r['reference_value'])}</td><td>{fmt(r['value'])}</td><td>{escape(eff)}</td></tr>"
        )
    return (
        '<details class="cs-details"><summary>Effects as a table</summary>'
        '<div class="cs-table-wrap"><table class="cs-table" id="compare-table"><caption>'
        "Yes/no outcomes: the share of replicates in which each happened at least once, and "
        "B \u2212 A in percentage points with its 95% Newcombe interval. Metrics: the value "
        "in the final week, averaged over the replicates, and B \u2212 A with its 95% paired "
        "bootstrap interval.</caption><thead><tr>"
        "<th scope=col>Outcome</th><th scope=col>A</th><th scope=col>B</th>"
        "<th scope=col>B \u2212 A (95%)</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div></details>"
    )


#: How to read the effects chart (under it on the page, and in its exported caption).
