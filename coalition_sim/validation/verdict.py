"""The three tests of a mechanism, group by group, from figures the validation report has
already computed (no new runs).

The developers' guide: a mechanism is real when (1) its signature experiment shows it under
the fitted posterior, (2) switching it off worsens the fit to the record by more than the
noise, and (3) it survives the hold-outs. Read here, for each ablation group of
``configs/validation/ablations.toml``:

1. the signature rows that stop passing at the calibrated point when the group is switched
   off (the rows that need it) pass in at least half of the posterior draws; a group no row
   needs has no signature of its own and fails this test;
2. the in-sample total scaled score is worse without the group, the whole paired bootstrap
   interval above zero;
3. each held-out window is forecast worse without it, the whole interval above zero (the
   report's "survives the hold-out").

A group whose interval lies wholly below zero is named as *better without*: the record (or the
window) is forecast better with the mechanism switched off, which is evidence against it as
fitted, not merely an absence of evidence. Test 3 is also read leniently, as *not contradicted*
(no window forecast better without the group): a window may give a mechanism nothing to act
on, and then its interval straddles zero. Both readings are reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Verdict", "verdict_lines", "verdict_section", "verdicts"]

#: Share of posterior draws in which a signature row must pass for test 1.
SHOWN = 0.5


@dataclass(frozen=True)
class Verdict:
    """One group's three tests: ``signature`` (rows that need it, and whether they are shown
    under the posterior), ``in_sample`` and ``held_out`` (window -> (estimate, low, high))."""

    name: str
    rows: tuple[int, ...]
    signature: bool
    in_sample: tuple[float, float, float]
    held_out: Mapping[str, tuple[float, float, float]]

    @property
    def fit(self) -> bool:
        return self.in_sample[1] > 0

    @property
    def survives(self) -> bool:
        return bool(self.held_out) and all(v[1] > 0 for v in self.held_out.values())

    @property
    def uncontradicted(self) -> bool:
        return bool(self.held_out) and all(v[2] >= 0 for v in self.held_out.values())

    @property
    def real(self) -> bool:
        return self.signature and self.fit and self.survives

    @property
    def standing(self) -> bool:
        """Tests 1 and 2, and no held-out window forecast better without it."""
        return self.signature and self.fit and self.uncontradicted


def verdicts(
    ablations: Sequence[Any], full_rows: Mapping[int, bool], signatures: Sequence[Mapping[str, Any]],
    held_out: Mapping[str, Mapping[str, tuple[float, float, float]]],
) -> list[Verdict]:  # fmt: skip
    """The verdict of each ablation (``validation.ablation.AblationResult``), given the full
    model's rows at the calibrated point, the posterior signature shares (``row``, ``share``)
    and the held-out ablation changes (group -> window -> (estimate, low, high))."""
    share = {int(s["row"]): float(s["share"]) for s in signatures}
    out = []
    for r in ablations:
        rows = tuple(sorted(int(k) for k, ok in r.rows_pass.items() if full_rows.get(k) and not ok))
        shown = bool(rows) and all(share.get(k, 0.0) >= SHOWN for k in rows)
        name = r.ablation.name
        out.append(
            Verdict(name, rows, shown, tuple(r.change["total"]), dict(held_out.get(name, {})))
        )
    return out


def _cell(v: tuple[float, float, float]) -> str:
    est, lo, hi = v
    word = "yes" if lo > 0 else ("**better without**" if hi < 0 else "no (within noise)")
    return f"{word}: {est:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def verdict_lines(vs: Sequence[Verdict], windows: Sequence[str]) -> list[str]:
    """A Markdown table of the three tests and a sentence naming the groups that pass all."""
    if not vs:
        return []
    lines = [
        "| group | (1) signature rows that need it, shown under the posterior | "
        "(2) fit to 2016-18 worse without | "
        + " | ".join(f"(3) {w} worse without" for w in windows)
        + " | all three | 1, 2 and no window better without |",
        "|---|---|---|" + "---|" * len(windows) + "---|---|",
    ]
    for v in vs:
        rows = ", ".join(map(str, v.rows))
        sig = f"{'yes' if v.signature else 'no'} ({rows})" if v.rows else "no (no row needs it)"
        held = [_cell(v.held_out[w]) if w in v.held_out else "-" for w in windows]
        lines.append(
            f"| {v.name} | {sig} | {_cell(v.in_sample)} | " + " | ".join(held)
            + f" | {'**yes**' if v.real else 'no'} | {'**yes**' if v.standing else 'no'} |"
        )  # fmt: skip
    real = [v.name for v in vs if v.real]
    standing = [v.name for v in vs if v.standing]
    lines += [
        "",
        (
            f"Meeting all three tests: {', '.join(real)}."
            if real
            else f"None of the {len(vs)} groups meets all three tests at this size."
        ),
        "",
        (
            "Read leniently (tests 1 and 2, and no held-out window forecast better without "
            f"it): {', '.join(standing)}."
            if standing
            else "Read leniently (tests 1 and 2, and no held-out window forecast better "
            "without it): none."
        ),
    ]
    return lines


def verdict_section(res: Mapping[str, Any]) -> list[str]:
    """The validation report's section (``run_validation``'s result): heading, the tests in
    words, the table and its two sentences; nothing without ablations."""
    abl = res["_"]["ablations"]
    ho = res["_"].get("holdout")
    if not abl:
        return []
    windows = [w.label for w in ho.windows] if ho is not None and ho.ablations else []
    full = {int(k): v for k, v in res["ablation_full_rows"].items()}
    vs = verdicts(abl, full, res["signatures"], ho.ablations if ho is not None else {})
    return ["### The three tests, group by group", "",
            "A mechanism is real when (1) its signature shows under the fitted posterior (the "
            "rows that stop passing without it pass in at least half of the posterior draws), "
            "(2) switching it off worsens the fit to the record beyond the noise, and (3) it "
            "survives the held-out windows (each forecast worse without it beyond the noise). "
            "*Better without*: the whole interval is below zero.", "",
            *verdict_lines(vs, windows), ""]  # fmt: skip
