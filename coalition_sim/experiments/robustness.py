"""Robustness of policies across the uncertainty space (one table per outcome).

For each policy (a setting of levers) run on the same sampled futures, the table gives the
distribution over futures of the outcome's probability (quantiles, worst case, mean with a
bootstrap interval over futures) and the *regret* in each future: how much worse the policy
does than the best policy for that future (Savage's minimax regret, as in robust decision
making, Lempert et al. 2006). Per-future probabilities come from the future's replicates,
so a regret of a few replicates' worth (1 / replicates) is within noise: the table reports
that resolution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.events import OUTCOMES
from ..scenario.loading import ConfigError
from .compare import CompareResult

__all__ = ["HIGHER_IS_BETTER", "robustness_table"]

#: Outcomes the US-led coalition wants more of; every other outcome it wants less of.
HIGHER_IS_BETTER = frozenset({"summit_held", "agreement", "summit_revived"})


def robustness_table(
    result: CompareResult,
    outcome: str = "coalition_fractured",
    higher_is_better: bool | None = None,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """Per policy: P(outcome) across futures (mean [CI], quantiles, worst), regret against the
    best policy in each future (mean, max), and the share of futures where it is best."""
    if outcome not in OUTCOMES:
        raise ConfigError(f"unknown outcome '{outcome}' (one of: {', '.join(OUTCOMES)})")
    if len(result.futures) < 2:
        raise ConfigError("robustness needs more than one future (sample the uncertainties)")
    up = outcome in HIGHER_IS_BETTER if higher_is_better is None else higher_is_better
    probs = result.probabilities().pivot(index="future", columns="policy", values=outcome)
    probs = probs[[p.name for p in result.policies]]
    p = probs.to_numpy(np.float64)  # (futures, policies)
    best = p.max(axis=1, keepdims=True) if up else p.min(axis=1, keepdims=True)
    regret = (best - p) if up else (p - best)
    rng = np.random.default_rng(np.random.SeedSequence([result.seed, 0x50B]))
    n_fut = p.shape[0]
    idx = rng.integers(0, n_fut, size=(n_boot, n_fut))
    boot = p[idx].mean(axis=1)  # (n_boot, policies)
    alpha = 1.0 - result.confidence
    rows = []
    for k, name in enumerate(probs.columns):
        col = p[:, k]
        rows.append(
            {
                "policy": name,
                "outcome": outcome,
                "direction": "higher is better" if up else "lower is better",
                "futures": n_fut,
                "replicates": result.replicates,
                "mean": col.mean(),
                "mean_lo": float(np.quantile(boot[:, k], alpha / 2)),
                "mean_hi": float(np.quantile(boot[:, k], 1 - alpha / 2)),
                "q05": np.quantile(col, 0.05),
                "q25": np.quantile(col, 0.25),
                "median": np.median(col),
                "q75": np.quantile(col, 0.75),
                "q95": np.quantile(col, 0.95),
                "worst": col.min() if up else col.max(),
                "mean_regret": regret[:, k].mean(),
                "max_regret": regret[:, k].max(),
                "share_best": float(np.mean(regret[:, k] <= 0.0)),
            }
        )
    return pd.DataFrame(rows)
