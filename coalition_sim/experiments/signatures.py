"""The signature suite: one paired counterfactual per mechanism the seeds describe.

Each row runs two (or more) arms of a scenario on the ensemble engine with the *same*
replicate seeds (common random numbers), measures one or more effects with a paired 95%
interval (:mod:`coalition_sim.experiments.paired`: Newcombe's interval for differences of paired
proportions, a paired bootstrap for differences of means, Wilson for single shares), and
compares each with the sign or band the seeds imply. A row passes when every one of its
checks passes; a check passes when its whole interval lies on the expected side (or inside
the expected band), so a pass is never a coin flip.

``python run.py signatures [--replicates N] [--seed S] [--out DIR]`` writes
``signatures.md``, ``signatures.csv`` and ``forest.png`` (default ``docs/signatures/``).

Seeds: [S18] the 2018 analysis of the cancelled Kim-Trump summit; [S20] 'Donald Trump's Own
Version of Muddling Through on North Korea' (2020).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.ensemble import run_seeds
from ..engine.posterior import Posterior
from .paired import Interval, wilson
from .signature_report import forest_plot, markdown, results_frame, write_report
from .signature_rows import NO_TALKS, ROWS, RowFn
from .signature_suite import (
    ArmResult,
    Check,
    RowResult,
    Suite,
    run_arm,
    variant,
)

__all__ = [
    "NO_TALKS",
    "ROWS",
    "ArmResult",
    "Check",
    "DrawResult",
    "PosteriorSignatures",
    "RowFn",
    "RowResult",
    "Suite",
    "forest_plot",
    "markdown",
    "results_frame",
    "run_arm",
    "run_posterior",
    "run_suite",
    "variant",
    "write_report",
]

DEFAULT_REPLICATES = 2000
DEFAULT_SEED = 20180524


# --------------------------------------------------------------------------- the suite


def run_suite(
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    only: Sequence[int] | None = None,
    progress: Callable[[str], None] | None = None,
    base: Mapping[str, Any] | None = None,
) -> list[RowResult]:
    """Run every row (or the numbered ``only``) with ``replicates`` runs per arm; ``base``
    values (dotted name -> value) are set in every arm before the row's own."""
    suite = Suite(replicates, seed, base=dict(base or {}))
    out = []
    for number, fn in enumerate(ROWS, start=1):
        if only is not None and number not in only:
            continue
        t0 = time.perf_counter()
        res = fn(suite)
        out.append(res)
        if progress is not None:
            status = (
                res.verdict.upper()
                if res.verdict == "contradicted"
                else ("PASS" if res.passed else res.verdict)
            )  # as the report says it: PASS, CONTRADICTED or not shown
            progress(
                f"row {res.number:2d} {res.mechanism:<26} {status} ({time.perf_counter() - t0:.1f} s)"
            )
    return out


# --------------------------------------------------------------------------- under a posterior


@dataclass
class DrawResult:
    """One posterior draw: which particle, its fitted values, and each failing row's failed
    checks (label, estimate). Why keep them: a share of passing draws says how often a
    mechanism shows, not where in the posterior it fails; the failed checks against the
    draws' values do (e.g. a failure mode that needs a high enforcement threshold)."""

    draw: int
    particle: int
    values: dict[str, float]
    failed: dict[int, list[tuple[str, float]]]  # row number -> failed checks


@dataclass
class PosteriorSignatures:
    """The suite at the calibrated point and in each of ``draws`` posterior draws."""

    point: list[RowResult]
    passes: dict[int, list[bool]]  # row number -> pass in each draw
    draws: int
    replicates: int
    details: list[DrawResult] = field(default_factory=list)  # one per draw, in order
    #: row number -> contradicted in each draw (a check's whole interval against the
    #: mechanism; a draw neither passing nor contradicted did not show the row at this size)
    contradictions: dict[int, list[bool]] = field(default_factory=dict)

    def share(self, row: int) -> Interval:
        """Share of draws in which ``row`` passes, with Wilson's 95% interval."""
        return wilson(np.array(self.passes[row], dtype=bool))

    def contradicted(self, row: int) -> Interval:
        """Share of draws in which ``row`` is contradicted, with Wilson's 95% interval."""
        return wilson(np.array(self.contradictions.get(row, []), dtype=bool))


def run_posterior(
    post: Posterior,
    draws: int = 24,
    replicates: int = 500,
    seed: int = DEFAULT_SEED,
    only: Sequence[int] | None = None,
    progress: Callable[[str], None] | None = None,
    point_replicates: int = DEFAULT_REPLICATES,
) -> PosteriorSignatures:
    """The suite at the posterior's weighted median (``point_replicates`` per arm) and in
    ``draws`` particles drawn by the keyed draw of run seeds (seed, i, 0), ``replicates`` per
    arm each: the share of draws in which a row passes says whether a mechanism shows under
    parameter uncertainty, not only at one point."""
    say = progress or (lambda _m: None)
    say(f"calibrated point: {point_replicates} replicates per arm")
    point = run_suite(point_replicates, seed, only, base=post.median())
    seeds = run_seeds(seed, np.arange(draws), np.zeros(draws, dtype=np.int64))
    idx = post.draw(seeds)
    passes: dict[int, list[bool]] = {r.number: [] for r in point}
    against: dict[int, list[bool]] = {r.number: [] for r in point}
    details: list[DrawResult] = []
    for i, k in enumerate(idx):
        values = {n: float(post.values[k, j]) for j, n in enumerate(post.names)}
        rows = run_suite(replicates, seed, only, base=values)
        for r in rows:
            passes[r.number].append(r.passed)
            against[r.number].append(r.contradicted)
        failed = {
            r.number: [(c.label, float(c.interval.estimate)) for c in r.checks if not c.passed]
            for r in rows
            if not r.passed
        }
        details.append(DrawResult(i, int(k), values, failed))
        say(f"posterior draw {i + 1}/{draws} (particle {int(k)}): "
            f"{sum(r.passed for r in rows)} of {len(rows)} rows pass")  # fmt: skip
    return PosteriorSignatures(point, passes, draws, replicates, details, against)
