"""``python run.py diagnose`` (registered by cli): hazards of the failure modes and partner
commitment over ten years per scenario, and the 2016-18 coalition figures of
``history/calibrated_2016``. The computation is :mod:`coalition_sim.experiments.diagnose`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..scenario.provenance import command_text
from .args import bounded_int, output_arg, positive_int
from .args import seed as _seed

__all__ = ["MAX_REPLICATE_YEARS", "register"]

#: Most runs x years of one diagnosis: three failure flags per run and week are held in
#: memory (156 bytes a run-year), about 0.3 GB at the bound; a hundred million runs were
#: killed by the kernel.
MAX_REPLICATE_YEARS = 2_000_000

DEFAULT_OUT = Path("docs/diagnose")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``diagnose`` subcommand to the main parser."""
    from ..experiments.diagnose_defaults import (
        DEFAULT_REPLICATES,
        DEFAULT_SCENARIOS,
        DEFAULT_SEED,
        DEFAULT_YEARS,
        HISTORY,
    )

    dg = sub.add_parser(
        "diagnose",
        help="yearly hazard of each failure mode and partner commitment over ten years, "
        "per scenario, and the 2016-18 coalition figures",
    )
    dg.add_argument(
        "--scenario", action="append", metavar="NAME",
        help=f"scenario name or file (repeatable; default: {', '.join(DEFAULT_SCENARIOS)})",
    )  # fmt: skip
    dg.add_argument(
        "--history", default=HISTORY, metavar="NAME",
        help=f"run from 1 Jan 2016 read against the 2016-18 record (default {HISTORY}); "
        "'none' to skip",
    )  # fmt: skip
    dg.add_argument(
        "--replicates", type=bounded_int(1, MAX_REPLICATE_YEARS, "runs held in memory"),
        default=DEFAULT_REPLICATES, metavar="N",
        help=f"runs per scenario (default {DEFAULT_REPLICATES})",
    )  # fmt: skip
    dg.add_argument(
        "--years", type=_years, default=DEFAULT_YEARS, metavar="Y",
        help=f"years to run each scenario (1-50, default {DEFAULT_YEARS})",
    )  # fmt: skip
    dg.add_argument("--seed", type=_seed, default=DEFAULT_SEED, metavar="S", help="base seed")
    dg.add_argument(
        "--posterior", type=Path, metavar="FILE",
        help="draw the fitted parameters of every run from a calibration posterior",
    )  # fmt: skip
    dg.add_argument(
        "--out", type=output_arg, metavar="DIR",
        help=f"output folder (default {DEFAULT_OUT}: the committed report, refreshed in place)",
    )  # fmt: skip
    dg.add_argument("--overwrite", action="store_true", help="replace an earlier report in --out")
    dg.set_defaults(handler=cmd_diagnose)


def _years(text: str) -> int:
    value = positive_int(text)
    if value > 50:
        raise argparse.ArgumentTypeError(f"must be at most 50, got {value}")
    return value


def cmd_diagnose(args: argparse.Namespace) -> int:
    from ..experiments import diagnose as dg
    from ..experiments.diagnose_defaults import DEFAULT_SCENARIOS
    from ..scenario.safe_paths import OutputDir

    out = args.out
    if out is None:  # the committed report in the source tree, not ./docs/ of any folder
        from ..scenario.resources import require_checkout

        out = require_checkout(f"diagnose without --out (refreshing {DEFAULT_OUT}/)") / DEFAULT_OUT

    if args.replicates * args.years > MAX_REPLICATE_YEARS:
        from ..scenario.loading import ConfigError

        raise ConfigError(
            f"--replicates x --years must be at most {MAX_REPLICATE_YEARS:,} (every run's weekly "
            f"failure flags are held in memory, about 0.3 GB at the bound), got "
            f"{args.replicates:,} x {args.years}"
        )
    names = args.scenario or list(DEFAULT_SCENARIOS)
    # every scenario is resolved (and the folder checked) before any run: bad input costs
    # nothing and writes nothing
    scenarios = [dg.scenario_by_name(str(n)) for n in names]
    history = None
    if args.history.lower() != "none":
        history = dg.scenario_by_name(args.history)
    posterior = None
    if args.posterior is not None:
        from ..engine.posterior import load_posterior

        posterior = load_posterior(args.posterior)
    with OutputDir(
        out, overwrite=args.overwrite or args.out is None, marker="diagnose.md",
    ) as stage:  # fmt: skip
        start = time.perf_counter()
        hist = None
        if history is not None:
            print(f"history: {history.name} ({args.replicates} runs)", file=sys.stderr)
            hist = dg.check_history(history, args.replicates, args.seed, posterior)
        runs = []
        for scn in scenarios:
            print(
                f"{scn.name}: {args.replicates} runs x {args.years * dg.WEEKS_PER_YEAR} weeks",
                file=sys.stderr,
            )
            runs.append(dg.long_run(scn, args.replicates, args.years, args.seed, posterior))
        seconds = time.perf_counter() - start
        command = command_text(args.argv)
        written = dg.write_report(runs, hist, stage.tmp, command, seconds)
    print(f"wrote {', '.join(str(stage.out / p.name) for p in written)} ({seconds:.1f} s)")
    return 0
