"""The date axis every chart of the page shares (time series, fan charts, the pin diff).

A run may be a year or twenty, on a chart some 300 units wide: a fixed choice of months
labelled "Jan 2017 Jul 2017 ..." ran together on a 157-week fan chart and smeared into one
grey band on runs of 520 or 1,040 weeks, and the last label of a two-year run stood half
outside the chart ("Jan 20"). Here the interval between labels (1, 2, 3 or 6 months, 1, 2 or
5 years, and longer for very long runs) is the shortest whose labels, at their drawn width,
leave a gap between them on this chart; a label that would stand outside the chart is
moved inside it, and one that would then touch its neighbour is left out (its tick stays).
A short run whose "Mon YYYY" labels would stand fewer than :data:`MIN_LABELS` to the chart
(a 52-week fan chart showed only "Jul 2018") labels its months by name alone, the year only
on the first label and on January ("Apr 2018 Jul Oct"), so that closer labels fit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .theme import _MUTED, MIN_FONT, text_width

__all__ = [
    "DATE_AXIS_TITLE",
    "INTERVALS",
    "MIN_LABELS",
    "date_axis_svg",
    "date_ticks",
    "tick_months",
]

#: The x-axis title of every date axis (one step of the model is one week).
DATE_AXIS_TITLE = "date (one step = one week)"

#: Candidate intervals between date labels, in months.
INTERVALS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600)

#: Labels a date axis shows if it can (a run too short for that many "Mon YYYY" labels gets
#: month names alone).
MIN_LABELS = 3

_WEEKS_PER_MONTH = 365.25 / 12 / 7
_GAP = 8.0  # the least space between two labels (SVG units)
_LABEL = "Sep 2019"  # a label as wide as any "Mon YYYY"
_MONTH = "Sep"  # a label as wide as any month name alone


def _label(d: Any, short: bool = False, first: bool = True) -> str:
    """A "Mon YYYY" label; with ``short``, the month's name alone but on the first label and on
    January (where the year changes)."""
    return str(d.strftime("%b %Y" if not short or first or d.month == 1 else "%b"))


def tick_months(n_steps: int, span: float, font: float = MIN_FONT, short: bool = False) -> int:
    """The shortest interval of :data:`INTERVALS` whose labels stand at least a label's
    width and a gap apart when ``n_steps`` weeks take ``span`` SVG units (month starts fall
    on whole weeks, so a label may come a week early: that week is allowed for). ``short``:
    labels mostly month names alone, and a "Mon YYYY" beside one (intervals under a year)."""
    per_week = span / max(n_steps, 1)
    need = text_width(_LABEL, font) + _GAP
    if short:
        need = (text_width(_LABEL, font) + text_width(_MONTH, font)) / 2 + _GAP
    for months in INTERVALS:
        if short and months >= 12:
            break  # a label a year or more from the last is "Jan YYYY" (a year's start)
        if (months * _WEEKS_PER_MONTH - 1) * per_week >= need:
            return months
    return INTERVALS[-1]


def _ticks(n_steps: int, date_of: Callable[[int], Any], span: float) -> tuple[list[int], bool]:
    """The weeks of :func:`date_ticks`, and whether their labels are the short ones: only if
    "Mon YYYY" labels would be fewer than :data:`MIN_LABELS` and month names alone more."""
    full = _weeks(n_steps, date_of, tick_months(n_steps, span))
    if len(full) >= MIN_LABELS:
        return full, False
    short = _weeks(n_steps, date_of, tick_months(n_steps, span, short=True))
    return (short, True) if len(short) > len(full) else (full, False)


def date_ticks(n_steps: int, date_of: Callable[[int], Any], span: float = 324.0) -> list[int]:
    """Weeks in which a labelled month begins: every ``tick_months`` months, on January
    for a year or more (and on years divisible by 2, 5, ... for longer intervals); closer,
    with shorter labels, on a run too short for :data:`MIN_LABELS` "Mon YYYY" labels."""
    return _ticks(n_steps, date_of, span)[0]


def _weeks(n_steps: int, date_of: Callable[[int], Any], months: int) -> list[int]:
    out = []
    for t in range(1, n_steps + 1):
        d0, d1 = date_of(t - 1), date_of(t)
        if d0.month == d1.month:
            continue
        if months < 12:
            if (d1.month - 1) % months == 0:
                out.append(t)
        elif d1.month == 1 and d1.year % (months // 12) == 0:
            out.append(t)
    return out


def date_axis_svg(
    n_steps: int,
    date_of: Callable[[int], Any],
    x_of: Callable[[int], float],
    y: float,
    bounds: tuple[float, float],
    tick: tuple[float, float] | None = None,
) -> list[str]:
    """Tick marks (from ``tick`` = (y0, y1), if given) and "Mon YYYY" labels with their
    baseline at ``y``; ``bounds`` is the chart's view box from left to right: no label
    reaches outside it, and none touches another."""
    lo, hi = bounds
    span = x_of(n_steps) - x_of(0)
    out: list[str] = []
    last_right = -float("inf")
    weeks, short = _ticks(n_steps, date_of, span)
    for k, t in enumerate(weeks):
        x = x_of(t)
        if tick is not None:
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{tick[0]:.1f}" y2="{tick[1]:.1f}" '
                'stroke="#85929e"/>'
            )
        text = _label(date_of(t), short, first=k == 0)
        w = text_width(text, MIN_FONT)
        left = min(max(x - w / 2, lo + 2), hi - 2 - w)  # inside the view box
        if left < last_right + _GAP:
            continue  # it would touch the label before it: the tick alone marks the date
        last_right = left + w
        out.append(
            f'<text class="cs-date" x="{left + w / 2:.1f}" y="{y:.1f}" font-size="{MIN_FONT}" '
            f'text-anchor="middle" fill="{_MUTED}">{text}</text>'
        )
    return out
