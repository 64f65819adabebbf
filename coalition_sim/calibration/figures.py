"""The posterior-marginal figure, written once for both fits' reports (issue 21 item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["posterior_marginals"]


def posterior_marginals(
    fit: dict[str, Any], post: pd.DataFrame, path: Path, title: str, weighted: bool = True,
    bins: int = 24,
) -> Path:  # fmt: skip
    """One panel per fitted parameter: the posterior's histogram (weighted by the ``weight``
    column when ``weighted``) over the prior range, the uniform prior's density (dotted), the
    median (line) and the 5-95% interval (band) of ``fit["parameters"]``."""
    names = list(fit["parameters"])
    ncol = 3
    nrow = -(-len(names) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(9, 2.1 * nrow))
    axes = np.atleast_1d(axes).ravel()
    w = post["weight"].to_numpy() if weighted and "weight" in post else None
    for ax, name in zip(axes, names, strict=False):
        pr = fit["priors"][name]
        ax.hist(post[name], bins=bins, range=(pr["low"], pr["high"]), weights=w, density=True,
                color="C0", alpha=0.7)  # fmt: skip
        ax.axhline(1 / (pr["high"] - pr["low"]), color="grey", ls=":")
        s = fit["parameters"][name]
        ax.axvline(s["median"], color="k")
        ax.axvspan(s["q05"], s["q95"], color="k", alpha=0.08)
        ax.set_xlim(pr["low"], pr["high"])
        ax.set_title(name.replace("params.", ""), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(names) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80, metadata={"Software": None})
    plt.close(fig)
    return path
