"""Sensitivity indices that state their noise.

A stochastic model's point means carry replicate noise: with R replicates per point, the mean
of an output at point i has variance sigma_i^2 / R. Sobol and Morris indices computed on those
means treat that noise as if a parameter caused it. Two consequences:

- **Noise floor.** Independent noise in every model evaluation adds about
  ``mean(sigma_i^2 / R) / Var(point means)`` to every total-order index (Jansen's estimator
  squares differences of two evaluations) and spreads first-order ones. That share is the
  floor: an index whose lower limit is below it is not distinguishable from noise. The sum of
  total-order indices of a yes/no outcome far above 1 is the symptom.
  For Morris screening the floor is in mu* units: the mu* that pure replicate noise would give
  (see :func:`morris_noise_floor`).
- **Separation.** 'Most influential' is only a finding when the top parameter's interval does
  not overlap the runner-up's. When they overlap, how many replicates would separate them?
  The interval width w has a design part and a replicate-noise part; taking the noise part's
  share of the estimator's variance equal to its share phi of the outputs' variance,
  w(R')^2 = w^2 ((1 - phi) + phi R / R'), and w(R') < gap g needs
  R' = phi R / ((g / w)^2 - (1 - phi)). When (g / w)^2 <= 1 - phi, replicates alone cannot
  separate them: more design samples are needed, about N (w / g)^2 (width ~ 1/sqrt(N)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

__all__ = [
    "Separation",
    "add_by_point",
    "morris_noise_floor",
    "noise_floor",
    "replicate_moments",
    "separation",
    "separation_frame",
]


def add_by_point(sums: np.ndarray, idx: np.ndarray, values: np.ndarray) -> None:
    """``sums[idx[i]] += values[i]`` for every row in row order, continuing the running sums.

    Why not ``np.bincount`` per chunk: it sums each chunk's rows from zero and the partial sums
    are then added, so a point whose replicates straddle chunks got a different rounding with
    another ``--chunk-size`` (analysis files differed by ~1e-16). Here every point's values are
    added one by one in replicate order (chunks are read in run order), the same left fold
    however the runs were cut, so the analysis files are byte-identical across chunkings.
    """
    np.add.at(sums, idx, values)


def replicate_moments(
    out: Path, outputs: list[str], n_points: int
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Per point: mean and replicate variance (ddof 1) of each output, and the smallest
    replicate count. Read chunk by chunk (bounded memory)."""
    files = sorted((out / "runs").glob("part-*.parquet"))
    k = len(outputs)
    n = np.zeros(n_points)
    s1 = np.zeros((n_points, k))
    s2 = np.zeros((n_points, k))
    for f in files:
        t = pq.read_table(f, columns=["point", *outputs]).to_pandas()
        idx = t["point"].to_numpy()
        v = t[outputs].to_numpy(np.float64)
        n += np.bincount(idx, minlength=n_points)  # counts: exact in any order
        for j in range(k):
            add_by_point(s1[:, j], idx, v[:, j])
            add_by_point(s2[:, j], idx, v[:, j] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n[:, None]
        var = (s2 - n[:, None] * mean**2) / (n[:, None] - 1)
    var = np.clip(np.nan_to_num(var, nan=0.0), 0.0, None)
    cols = list(outputs)
    return pd.DataFrame(mean, columns=cols), pd.DataFrame(var, columns=cols), int(n.min())


def noise_floor(mean: pd.DataFrame, var: pd.DataFrame, replicates: int) -> pd.Series:
    """Share of the variance of point means that replicate noise explains, per output."""
    total = mean.var(axis=0, ddof=1)
    noise = var.mean(axis=0) / max(replicates, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (noise / total).clip(upper=1.0)
    return share.where(total > 0)


def morris_noise_floor(var: pd.DataFrame, replicates: int, levels: int) -> pd.Series:
    """mu* that replicate noise alone would produce, per output.

    An elementary effect is a difference of two point means over the step delta =
    levels / (2 (levels - 1)) of the unit-scaled grid (SALib's default); with noise only it is
    normal with sd sqrt(2 s^2 / R) / delta, whose mean absolute value is sd * sqrt(2 / pi).
    """
    delta = levels / (2.0 * (levels - 1))
    sd = np.sqrt(2.0 * var.mean(axis=0) / max(replicates, 1)) / delta
    return sd * np.sqrt(2.0 / np.pi)


@dataclass
class Separation:
    """Whether an output's top parameter stands apart from the runner-up."""

    output: str
    top: str
    value: float
    conf: float
    runner_up: str
    runner_value: float
    runner_conf: float
    separated: bool
    replicates_needed: int | None  # None: replicates alone will not separate them
    floor: float
    samples_needed: int | None = None  # design samples that would, at today's replicates

    def line(self, key: str, replicates: int) -> str:
        head = f"{self.output:<24}"
        floor = f"noise floor {self.floor:.2f}" if np.isfinite(self.floor) else "no noise floor"
        if self.separated:
            return (
                f"{head} {self.top} ({key} {self.value:.3f} +/- {self.conf:.3f}; next "
                f"{self.runner_up} {self.runner_value:.3f} +/- {self.runner_conf:.3f}; {floor})"
            )
        if self.replicates_needed is not None:
            need = f"about {self.replicates_needed} replicates per point would separate them"
        else:
            more = f" (about {self.samples_needed} design samples)" if self.samples_needed else ""
            need = (
                f"more replicates alone would not separate them ({replicates} now): more design "
                f"samples needed{more}"
            )
        return (
            f"{head} none: {self.top} {self.value:.3f} +/- {self.conf:.3f} and {self.runner_up} "
            f"{self.runner_value:.3f} +/- {self.runner_conf:.3f} overlap; {need} ({floor})"
        )


def separation(
    full: pd.DataFrame,
    key: str,
    conf_key: str,
    replicates: int,
    floors: pd.Series,
    shares: pd.Series,
    samples: int | None = None,
    power_of_two: bool = False,
) -> list[Separation]:
    """Per output in ``full`` (SALib table with ``output``, ``parameter``, key, conf_key):
    is the top parameter's interval clear of the runner-up's, and if not, how many replicates
    per point would make it so. ``floors``: the noise floor in the index's units; ``shares``:
    the share of point-mean variance that is replicate noise (phi). ``power_of_two``: the
    design's sample count must be one (Sobol'), so the suggested count is rounded up to one
    (a suggestion of 41412 could not be run)."""
    out: list[Separation] = []
    for o, grp in full.groupby("output", sort=False):
        g = grp.sort_values(key, ascending=False)
        if len(g) < 2:
            continue
        a, b = g.iloc[0], g.iloc[1]
        gap = float(a[key] - b[key])
        width = float(a[conf_key] + b[conf_key])
        separated = gap > width
        needed: int | None = None
        more: int | None = None
        phi = float(shares.get(o, np.nan))
        if not separated and replicates >= 1 and np.isfinite(phi) and gap > 0 and width > 0:
            ratio = (gap / width) ** 2
            if phi > 0 and ratio > 1.0 - phi:
                needed = max(replicates + 1, math.ceil(phi * replicates / (ratio - (1.0 - phi))))
            elif samples:  # design-limited: width ~ 1 / sqrt(samples)
                more = math.ceil(samples / ratio)
                if power_of_two:
                    more = 1 << (more - 1).bit_length()
        out.append(
            Separation(
                output=str(o),
                top=str(a["parameter"]),
                value=float(a[key]),
                conf=float(a[conf_key]),
                runner_up=str(b["parameter"]),
                runner_value=float(b[key]),
                runner_conf=float(b[conf_key]),
                separated=separated,
                replicates_needed=needed,
                floor=float(floors.get(o, np.nan)),
                samples_needed=more,
            )
        )
    return out


def separation_frame(items: list[Separation]) -> pd.DataFrame:
    """The separations as a table (for ``sensitivity_noise.csv``)."""
    rows: list[dict[str, Any]] = [vars(s).copy() for s in items]
    return pd.DataFrame(rows)
