"""``python run.py screen [TARGETS] --out DIR``: Morris screening of every parameter against the
calibration distance (issue 18). Bad input is a one-line error, exit status 2, nothing written."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .args import bounded_int, output_arg
from .args import seed as _seed

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``screen`` subcommand."""
    p = sub.add_parser(
        "screen", help="Morris screening: which parameters move the 2016-2018 calibration distance"
    )
    p.add_argument("targets", type=Path, nargs="?", default=None,
                   help="target file (default: configs/calibration/targets.toml)")  # fmt: skip
    p.add_argument(
        "--out", type=output_arg, default=None, metavar="DIR",
        help="output folder (default: docs/calibration/screening, the committed report)",
    )  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="replace an earlier screening")
    p.add_argument("--trajectories", type=bounded_int(2, 1000, "Morris trajectories"), default=16,
                   help="Morris trajectories r (points: r x (parameters + 1); default 16)")  # fmt: skip
    p.add_argument(
        "--levels",
        type=bounded_int(2, 100, "Morris grid levels"),
        default=4,
        help="Morris grid levels (default 4)",
    )
    p.add_argument("--replicates", type=bounded_int(1, 10_000, "runs held in memory"), default=20,
                   help="runs per start and point, common random numbers (default 20)")  # fmt: skip
    p.add_argument("--seed", type=_seed, default=1, help="seed of the design and runs (default 1)")
    p.add_argument("--no-outcomes", action="store_true",
                   help="skip the outcome screen of the 260-week scenarios")  # fmt: skip
    p.add_argument(
        "--at", type=Path, default=None, metavar="SCENARIO",
        help="scenario file whose values of the fitted parameters are the point where the noise "
        "is measured (default: configs/history/calibrated_2016.toml if present)",
    )  # fmt: skip
    p.add_argument(
        "--priors", type=output_arg, default=None, metavar="FILE",
        help="also write [[priors]] tables for the parameters judged 'fit' (to paste into the "
        "target file)",
    )  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(handler=cmd_screen)


def cmd_screen(args: argparse.Namespace) -> int:
    from ..calibration.screening import base_value, screen, write_screen_report
    from ..calibration.targets import load_targets
    from ..engine.runner import compiled
    from ..scenario.library import config_dir, load_scenario
    from ..scenario.loading import ConfigError
    from ..scenario.safe_paths import check_output_dir

    root = config_dir()
    targets = load_targets(args.targets or root / "calibration" / "targets.toml")
    if args.out is None:  # the committed report: only in a checkout (an installed copy wrote
        # beside its package data)
        from ..scenario.resources import require_checkout

        out = require_checkout("screen without --out (refreshing docs/calibration/screening/)")
        out = out / "docs" / "calibration" / "screening"
    else:
        out = args.out
    default_out = args.out is None
    check_output_dir(out, overwrite=args.overwrite or default_out, marker="screening.md")
    if args.priors is not None and not Path(args.priors).parent.is_dir():
        raise ConfigError(f"--priors {args.priors}: its folder does not exist")
    if args.priors is not None and Path(args.priors).is_dir():
        raise ConfigError(f"--priors {args.priors}: is a folder; name a file")
    if args.priors is not None and Path(args.priors).exists() and not args.overwrite:
        # a target file named here by mistake was silently replaced by the prior entries
        raise ConfigError(f"--priors {args.priors}: exists; add --overwrite to replace it")
    if args.levels < 2 or args.trajectories < 2:
        raise ConfigError("--levels and --trajectories must be at least 2")
    at = args.at or root / "history" / "calibrated_2016.toml"
    point: dict[str, float] = {}
    if args.at is not None or at.is_file():
        ens = compiled(load_scenario(at))
        point = {p.name: base_value(ens, p.name) for p in targets.priors if p.name in ens.specs}

    def say(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    res = screen(targets, trajectories=args.trajectories, levels=args.levels,
                 replicates=args.replicates, seed=args.seed, outcomes=not args.no_outcomes,
                 say=say, point=point)  # fmt: skip
    res.meta["seconds"] = round(time.perf_counter() - t0, 1)
    written = write_screen_report(res, Path(out))
    if args.priors is not None:
        from ..calibration.screening import prior_entries

        Path(args.priors).write_text(prior_entries(res, targets), encoding="utf-8")
        written.append(Path(args.priors))
    counts = res.table["verdict"].value_counts().to_dict()
    print(f"screen: {res.meta['parameters']} parameters "
          f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}) in "
          f"{res.meta['seconds']} s; wrote {', '.join(map(str, written))}")  # fmt: skip
    return 0
