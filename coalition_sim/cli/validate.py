"""``python run.py validate [scores|cv|ablation|report]`` (registered by cli): proper scores
against naive baselines, leave-one-year-out cross-validation, mechanism ablations and the
generated report ``docs/validation/README.md`` (issue 19). Bad input is a one-line error with
exit status 2 and nothing written."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..scenario.provenance import command_text
from .args import bounded_int, output_arg, worker_count
from .args import seed as _seed

__all__ = ["MAX_DRAWS", "register"]

#: Most predictive runs per start and forecaster: 100 times the report's default (1,000); every
#: run's events are held in memory (a billion were killed by the kernel, issue 20's review).
MAX_DRAWS = 100_000
#: Fewest predictive runs per start ``--draws`` accepts (the tiny size uses 60).
MIN_DRAWS = 20

DEFAULT_OUT = Path("docs/validation")
PARTS = ("report", "scores", "holdout", "cv", "ablation")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    va = sub.add_parser(
        "validate",
        help="score the fit against naive baselines; cross-validation, ablations, the report",
    )
    va.add_argument(
        "part", nargs="?", choices=PARTS, default="report",
        help="report (default: everything, written to --out), scores (print the score and "
        "skill tables of a posterior), holdout (the same on the years before and after the "
        "fitting window, never fitted), cv (leave-one-year-out folds), ablation (mechanisms "
        "switched off one group at a time)",
    )  # fmt: skip
    va.add_argument(
        "--ablations", type=Path, metavar="FILE",
        help="ablation groups (default: configs/validation/ablations.toml)",
    )  # fmt: skip
    va.add_argument(
        "--size", choices=("tiny", "small", "full"), default="small",
        help="fit and run sizes: tiny (seconds, for tests), small (default, minutes on two "
        "cores), full (the calibration's own sizes)",
    )  # fmt: skip
    va.add_argument(
        "--posterior", type=Path, metavar="FILE",
        help="posterior to score (default: configs/calibration/posterior.parquet)",
    )  # fmt: skip
    va.add_argument(
        "--targets", type=Path, metavar="FILE",
        help="target file (default: configs/calibration/targets.toml)",
    )  # fmt: skip
    va.add_argument(
        "--holdout", type=Path, metavar="FILE",
        help="held-out record (default: configs/validation/holdout.toml)",
    )  # fmt: skip
    # at least MIN_DRAWS: fewer give paired bootstrap intervals of no width, which the report
    # would read as 'beyond the noise' (one draw made a mechanism pass all three tests)
    va.add_argument("--draws", type=bounded_int(MIN_DRAWS, MAX_DRAWS, "runs held in memory"),
                    metavar="N",
                    help="predictive runs per start and forecaster (default: by --size, as the "
                    "report)")  # fmt: skip
    va.add_argument("--seed", type=_seed, default=20190101, metavar="S", help="base seed")
    va.add_argument(
        "--out", type=output_arg, metavar="DIR",
        help=f"report folder (default {DEFAULT_OUT}: the committed report, refreshed in place)",
    )  # fmt: skip
    va.add_argument("--overwrite", action="store_true", help="replace an earlier report in --out")
    va.add_argument("--workers", type=worker_count, default=1, metavar="W",
                    help="worker threads for the cross-validation fits (at most one per core)")  # fmt: skip
    va.add_argument("--quiet", action="store_true", help="no progress output")
    va.set_defaults(handler=cmd_validate)


def _inputs(args: argparse.Namespace) -> tuple[Any, Any]:
    from ..calibration.targets import load_targets
    from ..engine.posterior import load_posterior
    from ..scenario.library import config_dir
    from ..scenario.loading import ConfigError

    root = config_dir() / "calibration"
    targets = load_targets(args.targets or root / "targets.toml")
    post = load_posterior(args.posterior or root / "posterior.parquet")
    # a posterior fitted to other parameters cannot be judged by this target file: its
    # shrinkage, folds and ablations would mix two fits (it was accepted without a word)
    fitted, wanted = set(post.names), set(targets.names)
    if fitted != wanted:
        missing = ", ".join(sorted(wanted - fitted)) or "none"
        extra = ", ".join(sorted(fitted - wanted)) or "none"
        raise ConfigError(
            f"{args.posterior or 'the committed posterior'}: fitted to other parameters than "
            f"{targets.path.name} fits (missing: {missing}; not in the target file: {extra}); "
            "pass the --targets it was fitted to"
        )
    return targets, post


def _holdout_path(args: argparse.Namespace) -> Path:
    from ..scenario.library import config_dir

    return Path(args.holdout or config_dir() / "validation" / "holdout.toml")


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return "n/a" if x != x else f"{x:.3f}"  # NaN


def print_scores(ev: Any) -> None:
    """The per-statistic table and the skill per group (plain text)."""
    from ..calibration.scores import BASELINES

    names = [*dict.fromkeys(r.forecaster for r in ev.rows)]
    models = [n for n in names if n not in BASELINES]
    bases = [n for n in names if n in BASELINES]
    cols = models + bases
    head = f"{'statistic':<26} {'group':<10} {'obs':>6} " + " ".join(f"{c:>11}" for c in cols)
    print("scores, lower is better: CRPS in the statistic's unit (counts, weeks), log score for "
          "yes/no facts; obs = the record")  # fmt: skip
    print(head)
    for st in ev.statistics:
        cells = []
        for c in cols:
            r = next((r for r in ev.rows if r.name == st.name and r.forecaster == c), None)
            cells.append(f"{_fmt(r.score if r else None):>11}")
        grp = next(r.group for r in ev.rows if r.name == st.name)
        print(f"{st.name:<26} {grp:<10} {st.observed:>6g} " + " ".join(cells))
    print("\nskill = 1 - scaled score / baseline's (facts against their base rate)")
    for m in models:
        for b, table in ev.skill[m].items():
            parts = [f"{g} {_fmt(v['skill'])}" for g, v in table.items()]
            print(f"  {m:<11} vs {b:<11}: " + ", ".join(parts))


def cmd_validate(args: argparse.Namespace) -> int:
    from ..calibration.evaluate import evaluate
    from ..validation.report import size_for

    t0 = time.perf_counter()  # the whole command: loading the fit and the compiled model too

    def say(msg: str) -> None:
        if not args.quiet:
            print(f"validate: {msg}", file=sys.stderr, flush=True)

    if args.part in ("scores", "holdout", "cv", "ablation") and args.out is not None:
        from ..scenario.loading import ConfigError

        raise ConfigError(
            f"validate {args.part} prints its results and writes no file; --out is for the whole "
            "report (validate without a part)"
        )
    if args.part == "report" and args.out is None:
        # the default folder is the committed report in the source tree: never a docs/ folder
        # of whatever folder the command was typed in (checked before the work starts)
        from ..scenario.resources import require_checkout

        args.out_default = (
            require_checkout(f"validate without --out (refreshing {DEFAULT_OUT}/)") / DEFAULT_OUT
        )
    targets, post = _inputs(args)
    # the report's own sizes (validation.report.SIZES): `validate scores` and `validate
    # holdout` give the committed report's tables at the same --size
    size = size_for(args.size, targets)
    draws = args.draws or size.draws
    if args.part == "scores":
        ev = evaluate(targets, post, draws=draws, seed=args.seed, progress=say)
        print_scores(ev)
        say(f"{time.perf_counter() - t0:.1f} s")
        return 0
    if args.part == "holdout":
        from ..validation.holdout import run_holdout

        ho = run_holdout(targets, post, _holdout_path(args), draws, args.seed + 3000,
                         lambda m: say(m.replace("scores: ", "holdout: ", 1)))  # fmt: skip
        for w in ho.windows:
            print(f"held-out window {w.label} (start '{w.scenario}'; baselines from "
                  f"{', '.join(map(str, ho.fitting_years))})")  # fmt: skip
            print_scores(w.evaluation)
            print()
        say(f"{time.perf_counter() - t0:.1f} s")
        return 0
    cores = os.cpu_count() or 1
    if args.workers > cores:  # it said "1 or 2 on this machine" on any machine
        from ..scenario.loading import ConfigError

        raise ConfigError(
            f"--workers must be at most {cores} (one per core of this machine), got {args.workers}"
        )
    from ..scenario.library import config_dir

    if args.draws:
        size = dataclasses.replace(size, draws=draws)
    abl_path = args.ablations or config_dir() / "validation" / "ablations.toml"
    if args.part == "cv":
        return _cv(targets, size, args, say)
    if args.part == "ablation":
        return _ablation(targets, post, size, abl_path, args, say)
    return _report(targets, post, size, abl_path, args, say, t0)


def _cv(targets: Any, size: Any, args: argparse.Namespace, say: Any) -> int:
    from ..validation.cv import FoldSettings, run_folds

    cfg = FoldSettings(size.particles, size.replicates, size.max_generations, size.max_runs,
                       size.draws, moves=targets.smc.moves, scheme=targets.smc.scheme,
                       workers=args.workers)  # fmt: skip
    for f in run_folds(targets, cfg, args.seed + 1000, say):
        print(f"fold {f.year}: fitted {len(f.fitted)}, scored {len(f.scored)} statistics")
        print_scores(f.evaluation)
    return 0


def _ablation(targets: Any, post: Any, size: Any, path: Path, args: argparse.Namespace,
              say: Any) -> int:  # fmt: skip
    from ..validation.ablation import load_ablations, run_ablations

    abl = load_ablations(path, targets)
    full, results = run_ablations(targets, post, abl, size.draws, args.seed + 2000,
                                  size.sig_replicates, size.resamples, say)  # fmt: skip
    print("scaled score change (ablated - full) with 95% interval; positive = worse without it")
    print("(at the fitted posterior, not re-fitted)")
    for r in results:
        est, lo, hi = r.change["total"]
        lost = [k for k, ok in r.rows_pass.items() if full.get(k) and not ok]
        print(f"{r.ablation.name:<18} total {est:+.3f} [{lo:+.3f}, {hi:+.3f}]  "
              + ", ".join(f"{g} {v[0]:+.2f}" for g, v in r.change.items() if g != "total")
              + f"  rows lost: {lost or '-'}")  # fmt: skip
    return 0


def _report(targets: Any, post: Any, size: Any, path: Path, args: argparse.Namespace,
            say: Any, t0: float) -> int:  # fmt: skip
    from ..scenario.resources import doc_file
    from ..scenario.safe_paths import OutputDir
    from ..validation.report import run_validation, write_validation

    out = args.out or args.out_default
    stage = OutputDir(out, overwrite=args.overwrite or args.out is None, marker="README.md")
    with stage:
        # the committed fit's record (an installed copy carries it; run_validation uses it
        # only when it describes the posterior scored)
        fit_json = doc_file("docs/calibration/fit.json")
        res = run_validation(targets, post, size, args.seed, path, args.workers, say, fit_json,
                             _holdout_path(args))  # fmt: skip
        command = command_text(args.argv)
        write_validation(res, targets, stage.tmp, command)
    print(f"wrote {stage.out}/README.md and validation.json in {time.perf_counter() - t0:.0f} s")
    return 0
