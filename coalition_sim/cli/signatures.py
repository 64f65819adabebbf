"""``python run.py signatures`` (registered by cli): the paired-counterfactual suite."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .args import output_arg, positive_int
from .args import seed as _seed

__all__ = ["register"]

DEFAULT_OUT = Path("docs/signatures")  # in the source checkout


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``signatures`` subcommand to the main parser."""
    sg = sub.add_parser(
        "signatures",
        help="run the signature suite: one paired counterfactual per seed mechanism",
    )
    sg.add_argument(
        "--replicates", type=positive_int, default=2000, metavar="N",
        help="replicates per arm (default 2000)",
    )  # fmt: skip
    sg.add_argument("--seed", type=_seed, default=20180524, metavar="S", help="base seed")
    sg.add_argument(
        "--out", type=output_arg, metavar="DIR",
        help=f"output folder (default {DEFAULT_OUT}: the committed report, refreshed in place)",
    )  # fmt: skip
    sg.add_argument("--overwrite", action="store_true", help="replace an earlier report in --out")
    sg.add_argument(
        "--rows", type=_rows, metavar="LIST",
        help="comma-separated row numbers to run (default: all)",
    )  # fmt: skip
    sg.set_defaults(handler=cmd_signatures)


def _rows(text: str) -> list[int]:
    """``--rows 1,7,14``: row numbers of the suite (one-line error through argparse)."""
    try:
        rows = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        rows = []
    if not rows or any(not 1 <= r <= 16 for r in rows):
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers 1-16, got {text!r}")
    return rows


def cmd_signatures(args: argparse.Namespace) -> int:
    from ..experiments.signatures import run_suite, write_report
    from ..scenario.safe_paths import check_output_dir

    # the folder is checked before the suite runs (a file, a system path, an earlier report
    # without --overwrite are refused); the default is the committed report, refreshed
    if args.out is None:  # refreshing the committed report needs the source tree
        from ..scenario.resources import require_checkout

        default = require_checkout(f"signatures without --out (refreshing {DEFAULT_OUT}/)")
    out = check_output_dir(
        args.out or default / DEFAULT_OUT, overwrite=args.overwrite or args.out is None,
        marker="signatures.csv",
    )  # fmt: skip
    only = args.rows
    start = time.perf_counter()
    rows = run_suite(
        args.replicates, args.seed, only=only, progress=lambda m: print(m, file=sys.stderr)
    )
    seconds = time.perf_counter() - start
    written = write_report(rows, out, args.replicates, args.seed, seconds)
    n_pass = sum(r.passed for r in rows)
    print(
        f"{n_pass} of {len(rows)} rows pass ({seconds:.0f} s); wrote "
        + ", ".join(map(str, written))
    )
    return 0 if n_pass == len(rows) else 1
