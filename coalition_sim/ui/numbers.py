"""How the page prints numbers: shares as percentages, differences in percentage points,
signed values, whole numbers with their thousands grouped (pure Python, no Solara).

One rule for every view (outcome bars, their tooltips, the before/after table, Compare's chart
and table, the pin diff): a share is printed with one decimal, so that the same share never
reads "100%" in one view and "99.6%" in another. Rounding never claims more than the
replicates say: "100.0" only when every replicate had the outcome and "0.0" only when none
did (a share just short of either prints ">99.9" or "<0.1"). A difference printed beside
its two shares is the difference of the shares as printed, so that "4.4% \u2192 9.9%" reads
"+5.5 pp" and a reader's subtraction agrees with the page. Negative numbers take the minus
sign (U+2212), never a hyphen, and a value that rounds to zero prints without a sign, never
as "-0.0"; but a difference or an interval's bound that is not zero and rounds to zero keeps
its side of zero ("\u2212<0.1"): "[\u22122.0, 0.0]" read as an interval reaching zero, for an
effect whose interval excludes it, and "0.0 pp" hid a replicate gained in 5,000.
"""

from __future__ import annotations

__all__ = [
    "MINUS",
    "bound_text",
    "nonzero_text",
    "pct_text",
    "pp_between",
    "pp_bound",
    "pp_text",
    "signed",
    "whole",
]

MINUS = "\u2212"

#: Below this distance from 0 or 1 a share counts as exactly none or all (float noise in a
#: Wilson bound of 0 or n successes must not print as "<0.1" or ">99.9").
_EXACT = 1e-12


def whole(value: int) -> str:
    """A whole number as the page writes it, thousands grouped with commas: "5,000,000",
    "12,019", "500" (every count and bound of the page's notes and refusals)."""
    return f"{int(value):,}"


def signed(value: float, decimals: int = 1) -> str:
    """``value`` with a sign and ``decimals`` decimals: "+5.5", "\u22120.2", "0.0" (a value
    that rounds to zero has no sign: "-0.0" and "+0.0" both read as a change)."""
    rounded = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    if rounded == 0:
        return f"{0:.{decimals}f}"
    return f"{rounded:+.{decimals}f}".replace("-", MINUS)


def pct_text(share: float) -> str:
    """A share (0-1) as a percentage with one decimal and no % sign: "99.6", "1.6", "0.0"
    (none), "100.0" (all), "<0.1" and ">99.9" just short of none or all."""
    share = float(share)
    if share <= _EXACT:
        return "0.0"
    if share >= 1 - _EXACT:
        return "100.0"
    pct = 100.0 * share
    if pct < 0.05:
        return "<0.1"
    if pct >= 99.95:
        return ">99.9"
    return f"{pct:.1f}"


def pp_text(diff: float) -> str:
    """A difference of shares (or an interval bound of one) in percentage points, signed."""
    return signed(100.0 * float(diff), 1)


def nonzero_text(text: str, exact: float, decimals: int = 1) -> str:
    """``text`` (a :func:`signed` figure of ``decimals`` decimals), unless it reads zero for
    an ``exact`` value that is not: then the side of zero it lies on, "\u2212<0.1", "+<0.001"
    ("0.0 pp" for one replicate in 5,000 gained hid the change)."""
    if float(text.replace(MINUS, "-")) == 0 and abs(float(exact)) > 1e-9:
        sign = MINUS if exact < 0 else "+"
        return f"{sign}<{10.0**-decimals:.{decimals}f}"
    return text


def bound_text(value: float, decimals: int = 1) -> str:
    """An interval's bound as :func:`signed` prints it, except that a bound which is not zero
    but rounds to zero says which side of zero it lies on: "\u2212<0.1", "+<0.001" (the
    interval then excludes zero, and "0.0" would say it reached it)."""
    return nonzero_text(signed(value, decimals), value, decimals)


def pp_bound(diff: float) -> str:
    """An interval bound of a difference of shares in percentage points (:func:`bound_text`)."""
    return bound_text(100.0 * float(diff), 1)


def _shown(share: float) -> float:
    """The percentage :func:`pct_text` prints, as a number ("<0.1" as 0, ">99.9" as 100)."""
    return min(max(round(100.0 * float(share), 1), 0.0), 100.0)


def pp_between(before: float, after: float) -> str:
    """``after - before`` in percentage points, computed from the two shares as
    :func:`pct_text` prints them, so that the difference agrees with what stands beside it
    (at most 0.1 pp from the exact difference, the last printed digit); a difference that
    is not zero never prints "0.0" ("+<0.1": "37.8% \u2192 37.8%" may differ)."""
    text = signed(_shown(after) - _shown(before), 1)
    return nonzero_text(text, 100.0 * (float(after) - float(before)), 1)
