"""Paired policy comparisons on common random numbers: ``python run.py compare``.

A *policy* is a setting of levers (``levers.py``: what a government chooses) or a whole
scenario file. Every policy is run on the same *futures*: the same replicate seeds and, when
uncertain parameters are sampled (a design over the uncertainties, or draws from a calibration
posterior), the same values of them, row by row. Row r of every arm is therefore the same
future under a different policy, and an effect is a paired difference:

- yes/no outcomes: Newcombe's paired-proportion interval (``paired.py``);
- final metrics (cohesion, pressure, isolation, tension, commitments): a paired bootstrap.

Because the model's random streams are counter-based (keyed by seed, week, actor and draw),
the same seed gives the same draws whatever the policy; two identical policies give an effect
of exactly zero, which the tests check.

Seeds: row (future f, replicate j) gets ``run_seeds(seed, f, j)``, the sweep engine's hash,
so a comparison's rows are the runs a sweep over the same futures would make.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.events import OUTCOMES
from ..engine.ensemble import METRICS, Ensemble, run_seeds
from ..scenario.levers import Role, role_of
from ..scenario.library import resolve_scenario, scenario_path
from ..scenario.limits import MAX_ROWS
from ..scenario.loading import ConfigError
from ..scenario.names import canonical_name, with_values
from ..scenario.schema import Scenario
from ..scenario.seeds import checked_seed, whole_number
from .paired import newcombe_paired, paired_bootstrap

__all__ = [
    "CompareResult",
    "Policy",
    "compare",
    "forest_plot",
    "parse_policy",
    "sample_futures",
]


@dataclass(frozen=True)
class Policy:
    """One arm: a name, lever values by dotted name, and optionally its own scenario file."""

    name: str
    levers: Mapping[str, float] = field(default_factory=dict)
    scenario: Scenario | None = None

    def describe(self) -> str:
        if self.scenario is not None and not self.levers:
            return f"scenario {self.scenario.name}"
        text = ", ".join(f"{k}={v:g}" for k, v in self.levers.items()) or "as scenario"
        return text if self.scenario is None else f"scenario {self.scenario.name}: {text}"


def _check_lever(name: str, where: str, cli: bool) -> None:
    role = role_of(name)
    if role is not Role.LEVER:
        every = "--set" if cli else "common={...}"
        hint = (
            f"set it for every arm with {every}, or vary it across futures"
            if role is Role.UNCERTAINTY
            else f"set it for every arm with {every}"
        )
        listing = (
            "'python run.py params --role lever' lists the levers"
            if cli
            else "coalition_sim.levers(scenario) lists the levers"
        )
        raise ConfigError(f"{where}: '{name}' is {role.phrase}, not a lever ({hint}; {listing})")


def parse_policy(
    text: str, specs: Mapping[str, Any] | None = None, *, option: str = "policy"
) -> Policy:
    """``'name:key=value,key=value'`` (levers only), ``'name'`` (the base as it is) or a
    scenario file (``path.toml`` or a name in configs/ with ``file:`` prefix).

    ``specs`` (``Ensemble.specs``) canonicalises and checks names; without it names are kept.
    ``option`` names the text in errors: ``'policy'`` from Python, ``'--policy'`` from the
    command line (whose hints then name its options rather than :func:`compare`'s arguments).
    """
    text = text.strip()
    cli = option.startswith("--")
    where = f"{option} '{text}'"
    if not text:
        raise ConfigError(f"{option}: empty policy (expected 'name:key=value,...' or a .toml)")
    if text.endswith(".toml") or text.startswith("file:"):
        path = scenario_path(text.removeprefix("file:"))
        if not path.exists():
            raise ConfigError(f"{where}: no such scenario file {path}")
        return Policy(path.stem, {}, resolve_scenario(path))
    name, _, body = text.partition(":")
    name = name.strip()
    if not name or any(c in name for c in "=,"):
        raise ConfigError(f"{where}: expected 'name:key=value,key=value' (name first)")
    levers: dict[str, float] = {}
    for item in filter(None, (s.strip() for s in body.split(","))):
        key, eq, raw = item.partition("=")
        if not eq:
            raise ConfigError(f"{where}: '{item}' is not of the form key=value")
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(
                f"{where}: value of '{key.strip()}' must be a number, got {raw!r}"
            ) from None
        try:
            dotted = canonical_name(key, specs) if specs is not None else key.strip()
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        _check_lever(dotted, where, cli)
        spec = specs.get(dotted) if specs is not None else None
        if spec is not None and not spec.lo <= value <= spec.hi:  # NaN too; named by its policy
            raise ConfigError(
                f"{where}: '{dotted}' = {value:g} is out of range [{spec.lo:g}, {spec.hi:g}]"
            )
        if dotted in levers:
            raise ConfigError(f"{where}: '{dotted}' is set twice")
        levers[dotted] = value
    return Policy(name, levers)


def sample_futures(
    ranges: Mapping[str, tuple[float, float]],
    n: int,
    seed: int,
    integer: Sequence[str] = (),
) -> pd.DataFrame:
    """A Latin hypercube of ``n`` futures over uncertainty ranges (scipy.stats.qmc), seeded.

    Names in ``integer`` are rounded to whole numbers (e.g. ``clock.pandemic_weeks``).
    """
    from scipy.stats import qmc

    if n < 1:
        raise ConfigError(f"futures: need at least one future, got {n}")
    names = list(ranges)
    if not names:
        return pd.DataFrame(index=range(n))
    lo = np.array([ranges[k][0] for k in names], dtype=np.float64)
    hi = np.array([ranges[k][1] for k in names], dtype=np.float64)
    if np.any(hi <= lo):
        bad = names[int(np.flatnonzero(hi <= lo)[0])]
        raise ConfigError(f"futures: '{bad}' has an empty range {ranges[bad]}")
    sampler = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng([seed, 0xF0F0]))
    x = qmc.scale(sampler.random(n), lo, hi)
    df = pd.DataFrame(x, columns=names)
    for k in integer:
        df[k] = np.round(df[k])
    return df


# --------------------------------------------------------------------------- results


@dataclass
class CompareResult:
    """Arms' final values row by row (row r = the same future in every arm), and effects."""

    policies: list[Policy]
    scenario: Scenario  # the base scenario every lever-setting arm runs on
    finals: dict[str, pd.DataFrame]  # per policy: future, replicate, seed, outcomes, metrics
    futures: pd.DataFrame  # one row per future (empty columns when no uncertainty is varied)
    replicates: int  # per future
    seed: int
    confidence: float = 0.95
    n_boot: int = 2000
    seconds: float = 0.0
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def reference(self) -> str:
        return self.policies[0].name

    @property
    def outcomes(self) -> list[str]:
        return list(OUTCOMES)

    @property
    def metrics(self) -> list[str]:
        cols = [c for c in self.finals[self.reference].columns if c in METRICS]
        actors = [c for c in self.finals[self.reference].columns if c.startswith("commitment_")]
        common = set.intersection(*(set(f.columns) for f in self.finals.values()))
        return [c for c in [*cols, *actors] if c in common]

    def effects(self, rows: np.ndarray | None = None, reference: str | None = None) -> pd.DataFrame:
        """Every outcome's paired effect of each policy against ``reference`` (default: the
        first policy), over all rows or the boolean/integer selection ``rows``."""
        ref = reference or self.reference
        if ref not in self.finals:
            raise ConfigError(f"unknown reference policy '{ref}' (one of {list(self.finals)})")
        base = self.finals[ref]
        sel = np.arange(len(base)) if rows is None else np.asarray(rows)
        if sel.dtype == bool:
            sel = np.flatnonzero(sel)
        if sel.size == 0:
            raise ConfigError("no rows selected for the effects")
        metrics = self.metrics
        out: list[dict[str, Any]] = []
        for pol in self.policies:
            if pol.name == ref:
                continue
            arm = self.finals[pol.name]
            for o in self.outcomes:
                a = arm[o].to_numpy(bool)[sel]
                b = base[o].to_numpy(bool)[sel]
                ci = newcombe_paired(a, b, self.confidence)
                est, lo, hi = ci.estimate, ci.low, ci.high
                out.append(
                    {
                        "policy": pol.name, "reference": ref, "outcome": o,
                        "kind": "probability", "n": int(sel.size),
                        "value": float(a.mean()), "reference_value": float(b.mean()),
                        "effect": est, "lo": lo, "hi": hi,
                        "n_gained": int(np.count_nonzero(a & ~b)),
                        "n_lost": int(np.count_nonzero(~a & b)),
                    }
                )  # fmt: skip
            x = arm[metrics].to_numpy(np.float64)[sel]
            y = base[metrics].to_numpy(np.float64)[sel]
            boots = [
                paired_bootstrap(x[:, k], y[:, k], self.confidence, self.n_boot, seed=self.seed)
                for k in range(len(metrics))
            ]
            for k, m in enumerate(metrics):
                out.append(
                    {
                        "policy": pol.name, "reference": ref, "outcome": m, "kind": "mean",
                        "n": int(sel.size), "value": float(x[:, k].mean()),
                        "reference_value": float(y[:, k].mean()),
                        "effect": boots[k].estimate, "lo": boots[k].low,
                        "hi": boots[k].high,
                        "n_gained": None, "n_lost": None,  # yes/no outcomes only
                    }
                )  # fmt: skip
        table = pd.DataFrame(out)
        # counts, empty (not -1) where they do not apply: a mean has no runs gained or lost
        for col in ("n_gained", "n_lost"):
            table[col] = table[col].astype("Int64")
        table["excludes_zero"] = (table["lo"] > 0) | (table["hi"] < 0)
        return table

    def probabilities(self) -> pd.DataFrame:
        """Per future and policy: outcome probabilities over the future's replicates."""
        frames = []
        for name, f in self.finals.items():
            g = f.groupby("future")[self.outcomes].mean()
            g.insert(0, "policy", name)
            frames.append(g.reset_index())
        return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- running


def _posterior_draws(posterior: Any, ens: Ensemble, seeds: np.ndarray) -> dict[str, np.ndarray]:
    """Fitted parameters per row from a posterior, keyed by the (common) run seeds."""
    if posterior is None:
        return {}
    from ..engine.posterior import Posterior, load_posterior

    post = posterior if isinstance(posterior, Posterior) else load_posterior(posterior)
    post.check(ens.specs, "compare")
    return {
        canonical_name(k, ens.specs): np.asarray(v, np.float64)
        for k, v in post.values_for(seeds).items()
    }


def compare(
    policies: Sequence[Policy | str],
    scenario: Scenario | str | Path | None = None,
    replicates: int = 500,
    seed: int | None = None,
    steps: int | None = None,
    futures: pd.DataFrame | None = None,
    common: Mapping[str, Any] | None = None,
    confidence: float = 0.95,
    n_boot: int = 2000,
    posterior: Any = None,
    progress: Callable[[str], None] | None = None,
) -> CompareResult:
    """Run every policy on the same futures and return their paired effects.

    ``policies``: :class:`Policy` objects or ``parse_policy`` strings; the first is the
    reference. ``futures``: one row per future, columns = dotted names of uncertain parameters
    (a design over the uncertainties, or posterior draws), applied identically to every arm;
    each future is run ``replicates`` times. Without futures there is one future, the base
    scenario. ``common``: dotted-key values set in every arm (as ``--set``).
    ``posterior`` (a calibration Parquet file or a loaded ``Posterior``): each row draws the
    fitted parameters keyed by its seed; the seeds are common, so every arm gets the same
    draws (futures and a policy's own levers win over the draw).
    ``result.table`` is the effects DataFrame (see :meth:`CompareResult.effects`).
    ``progress`` hears a line per block of runs and before the intervals (long comparisons
    take minutes).
    """
    start = time.perf_counter()
    say = progress or (lambda _msg: None)
    if isinstance(policies, str | Policy):  # a bare string was taken letter by letter
        raise ConfigError(
            "policies must be a list of at least two policies (the first is the reference), "
            f"not one {type(policies).__name__}: {policies!r:.60}"
        )
    whole_number(replicates, "replicates", 1)
    whole_number(n_boot, "n_boot", 1)
    if seed is not None:
        seed = checked_seed(seed)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float | np.number)
        or not 0 < confidence < 1
    ):
        raise ConfigError(f"confidence must be a number in (0, 1), not {confidence!r}")
    if futures is not None and not isinstance(futures, pd.DataFrame):
        raise ConfigError(
            "futures must be a pandas DataFrame (one row per future, dotted names as "
            f"columns), not a {type(futures).__name__}"
        )
    base = resolve_scenario(scenario)
    if common:
        base = with_values(base, dict(common))
    if steps is not None:
        base = with_values(base, {"steps": steps})
    base_engine = Ensemble(base)
    pols = [parse_policy(p, base_engine.specs) if isinstance(p, str) else p for p in policies]
    if len(pols) < 2:
        raise ConfigError("compare needs at least two policies (the first is the reference)")
    names = [p.name for p in pols]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"policy names must differ: '{dupes[0]}' is used twice")
    seed = base.seed if seed is None else int(seed)
    fut = pd.DataFrame(index=range(1)) if futures is None else futures.reset_index(drop=True)
    if len(fut) < 1:
        raise ConfigError("futures: the table has no rows")
    n_fut = len(fut)
    rows = len(pols) * replicates * n_fut
    if rows > MAX_ROWS:  # every arm's rows are held at once (10**9 replicates were killed)
        raise ConfigError(
            f"{len(pols)} policies x {replicates:,} replicates x {n_fut:,} "
            f"future{'s' if n_fut > 1 else ''} = {rows:,} runs, more than the {MAX_ROWS:,} a "
            "compare holds; use fewer replicates or futures (or a sweep)"
        )
    fut_idx = np.repeat(np.arange(n_fut), replicates)
    rep_idx = np.tile(np.arange(replicates), n_fut)
    seeds = run_seeds(seed, fut_idx, rep_idx)
    drawn = _posterior_draws(posterior, base_engine, seeds)
    if drawn and common:  # a value set for every arm (--set) wins over the draws
        from ..engine.posterior import kept_names

        for name in kept_names(list(common), base_engine.specs):
            drawn.pop(name, None)

    # Arms on the base scenario run as one stacked block (row-independent engine: the same
    # numbers as one run per arm, with half the per-week numpy overhead for two arms);
    # scenario-file arms run on their own engine. Every arm gets the same seeds.
    n_rows = fut_idx.size
    groups: list[tuple[Ensemble, list[Policy]]] = [(base_engine, [])]
    for pol in pols:
        if pol.scenario is None:
            groups[0][1].append(pol)
        else:
            scn = with_values(pol.scenario, dict(common)) if common else pol.scenario
            groups.append((Ensemble(with_values(scn, {"steps": base.steps})), [pol]))
    finals: dict[str, pd.DataFrame] = {}
    for ens, arms in groups:
        if not arms:
            continue
        shared = {canonical_name(str(k), ens.specs): k for k in fut.columns}
        cols: dict[str, np.ndarray] = {
            name: np.tile(fut[k].to_numpy(np.float64)[fut_idx], len(arms))
            for name, k in shared.items()
        }
        for name, vals in drawn.items():
            if name not in shared:
                cols[name] = np.tile(vals, len(arms))
        for a, pol in enumerate(arms):
            for k, v in pol.levers.items():
                name = canonical_name(k, ens.specs)
                if name in shared:
                    raise ConfigError(
                        f"policy '{pol.name}' sets '{name}', which the futures also vary: a "
                        "lever must not be an uncertainty"
                    )
                if name not in cols:
                    cols[name] = np.full(n_rows * len(arms), ens.specs[name].default)
                cols[name][a * n_rows : (a + 1) * n_rows] = float(v)
        p = ens.params(cols, replicates=1, n_points=n_rows * len(arms))
        say(
            f"running {', '.join(pol.name for pol in arms)}: {n_rows * len(arms):,} runs x "
            f"{base.steps} weeks ({time.perf_counter() - start:.0f} s so far)"
        )
        res = ens.run(p, np.tile(seeds, len(arms)), every=0)
        final = res.final.drop(columns="row")
        for a, pol in enumerate(arms):
            f = final.iloc[a * n_rows : (a + 1) * n_rows].reset_index(drop=True)
            f.insert(0, "seed", seeds)
            f.insert(0, "replicate", rep_idx.astype(np.int32))
            f.insert(0, "future", fut_idx.astype(np.int64))
            finals[pol.name] = f
    finals = {pol.name: finals[pol.name] for pol in pols}

    out = CompareResult(
        policies=pols, scenario=base, finals=finals, futures=fut, replicates=replicates, seed=seed,
        confidence=confidence, n_boot=n_boot,
    )  # fmt: skip
    say(
        f"paired effects and {n_boot:,}-resample intervals over {n_rows:,} pairs "
        f"({time.perf_counter() - start:.0f} s so far)"
    )
    out.table = out.effects()
    out.seconds = time.perf_counter() - start
    return out


# --------------------------------------------------------------------------- outputs


def forest_plot(table: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Effects with their intervals: probabilities left, mean final metrics right; one colour
    per policy (against the reference named in the table)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = [k for k in ("probability", "mean") if (table["kind"] == k).any()]
    policies = list(dict.fromkeys(table["policy"]))
    height = max(3.0, 0.32 * max((table["kind"] == k).sum() / len(policies) for k in kinds) + 1.4)
    fig, axes = plt.subplots(
        1, len(kinds), figsize=(6.0 * len(kinds), height), dpi=100, squeeze=False
    )
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, kind in zip(axes[0], kinds, strict=True):
        sub = table[table["kind"] == kind]
        labels = list(dict.fromkeys(sub["outcome"]))
        ypos = {lab: i for i, lab in enumerate(reversed(labels))}
        step = 0.7 / max(1, len(policies))
        for j, pol in enumerate(policies):
            s = sub[sub["policy"] == pol]
            y = np.array([ypos[o] for o in s["outcome"]]) + (j - (len(policies) - 1) / 2) * step
            err = np.vstack([s["effect"] - s["lo"], s["hi"] - s["effect"]])
            ax.errorbar(
                s["effect"], y, xerr=np.clip(err, 0, None), fmt="o", ms=4, capsize=2,
                color=colours[j % len(colours)], label=pol,
            )  # fmt: skip
        ax.axvline(0.0, color="0.4", lw=0.8)
        ax.set_yticks(range(len(labels)), list(reversed(labels)), fontsize=8)
        ax.set_xlabel(
            "difference in probability" if kind == "probability" else "difference in mean"
        )
        ax.grid(axis="x", alpha=0.3)
    ref = table["reference"].iloc[0]
    conf = ""
    axes[0][0].legend(fontsize=8, loc="best", title=f"vs {ref}", title_fontsize=8)
    fig.suptitle(title or f"Paired effects vs '{ref}' (95% intervals){conf}", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
