"""Mechanism ablations (issue 19, item 4): what each mechanism buys in fit to the record.

Each group of ``configs/validation/ablations.toml`` sets the parameters that remove one
mechanism of docs/ODD.md section 3.4 (or the whole alliance network). The ablated model is
scored at the *fitted posterior, not re-fitted*: every run draws its fitted parameters from the
posterior exactly as the unablated runs do (same run seeds, same draws: common random
numbers), then the group's values are set. The change in total and per-group scaled proper
score (:mod:`coalition_sim.calibration.scores`) is ``ablated - full``, with a paired bootstrap
95% interval over runs: positive means switching the mechanism off *worsens* the fit, i.e. the
mechanism earns its place in the fit; an interval across zero means the record cannot tell.
Not re-fitting measures what the mechanism does in the fitted model; a re-fit could let other
parameters compensate (that would take one fit per group: hours here).

Every signature row is also run at the calibrated point with the group switched off, so the
table says which mechanism's removal breaks which signature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..calibration.evaluate import forecast_runs
from ..calibration.scores import bootstrap_skill_difference
from ..calibration.targets import Targets
from ..engine.posterior import Posterior
from ..experiments.signatures import run_suite
from ..scenario.loading import ConfigError, first_error, read_toml
from ..scenario.names import with_values

__all__ = ["Ablation", "AblationResult", "load_ablations", "run_ablations"]


class Ablation(BaseModel):
    """One ``[[ablations]]`` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    section: str = ""
    what: str = Field(min_length=1)
    set: dict[str, float] = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ablations: list[Ablation] = Field(min_length=1)


def load_ablations(path: str | Path, targets: Targets) -> list[Ablation]:
    """Read and check the ablation file: every name must be a parameter of every start
    scenario and every value inside its range (one-line :class:`ConfigError`)."""
    path = Path(path)
    data = read_toml(path)
    try:
        spec = _File.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {first_error(exc, data, _File)}") from None
    seen: set[str] = set()
    for k, ab in enumerate(spec.ablations):
        if ab.name in seen:
            raise ConfigError(f"{path}: ablations[{k}]: duplicate name '{ab.name}'")
        seen.add(ab.name)
        for key, scn in targets.scenarios.items():
            try:
                with_values(scn, dict(ab.set))
            except ConfigError as exc:
                raise ConfigError(
                    f"{path}: ablations[{k}] '{ab.name}': {exc} (scenario '{key}')"
                ) from None
    return spec.ablations


@dataclass
class AblationResult:
    """Score change (ablated - full) per group and total, and the signature rows."""

    ablation: Ablation
    change: dict[str, tuple[float, float, float]]  # group -> (estimate, low, high)
    rows_pass: dict[int, bool]  # signature row -> passes with the group switched off

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.ablation.name,
            "section": self.ablation.section,
            "what": self.ablation.what,
            "set": dict(self.ablation.set),
            "change": {g: list(v) for g, v in self.change.items()},
            "rows_pass": {str(k): v for k, v in self.rows_pass.items()},
        }


def run_ablations(
    targets: Targets,
    post: Posterior,
    ablations: list[Ablation],
    draws: int,
    seed: int,
    sig_replicates: int,
    resamples: int = 200,
    progress: Callable[[str], None] | None = None,
    rows: Sequence[int] | None = None,
) -> tuple[dict[int, bool], list[AblationResult]]:
    """The full model's signature rows at the calibrated point, and every ablation's score
    change (posterior predictive, ``draws`` runs per start) and signature rows (all, or the
    numbered ``rows``)."""
    say = progress or (lambda _m: None)
    point = post.median()
    full = forecast_runs(targets, "posterior", draws, seed, post)
    say(f"ablation: full model, signature rows at the calibrated point ({sig_replicates} reps)")
    base_rows = {r.number: r.passed for r in run_suite(sig_replicates, seed, rows, base=point)}
    out = []
    for ab in ablations:
        runs = forecast_runs(targets, "posterior", draws, seed, post, overrides=ab.set)
        change = bootstrap_skill_difference(targets.statistics, full, runs, resamples, seed)
        sig = run_suite(sig_replicates, seed, rows, base={**point, **ab.set})
        out.append(AblationResult(ab, change, {r.number: r.passed for r in sig}))
        est, lo, hi = change["total"]
        say(f"ablation {ab.name}: total score change {est:+.3f} [{lo:+.3f}, {hi:+.3f}], "
            f"{sum(r.passed for r in sig)} of {len(sig)} signature rows pass")  # fmt: skip
    return base_rows, out


def changes_table(results: list[AblationResult], groups: list[str]) -> list[Mapping[str, Any]]:
    """Rows for the report: per ablation, the change per group with its interval."""
    return [{"name": r.ablation.name, **{g: r.change.get(g) for g in groups}} for r in results]
