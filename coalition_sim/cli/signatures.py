"""``python run.py signatures`` (registered by cli): the paired-counterfactual suite."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..scenario.provenance import command_text
from .args import bounded_int, output_arg
from .args import seed as _seed

__all__ = ["register"]

DEFAULT_OUT = Path("docs/signatures")  # in the source checkout
#: Fewest replicates per arm every row supports: rows compare runs conditioned on events
#: (a summit held, a test after a summit) that occur in a few percent of runs; at 2 or 3 a
#: row had no cases and the suite ended in a traceback. 20 ran every row for seeds 0-7.
MIN_REPLICATES = 20


#: Posterior draws and replicates per arm in each, with --posterior (the defaults).
DRAWS = 24
DRAW_REPLICATES = 500


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``signatures`` subcommand to the main parser."""
    sg = sub.add_parser(
        "signatures",
        help="run the signature suite: one paired counterfactual per seed mechanism",
        description="Run the signature suite (one paired counterfactual per seed mechanism) "
        "and write its reports. Exit status: 0 when every row passes at the defaults; 1 when "
        "a row is contradicted or not shown (the reports are written either way, as a test "
        "runner's would be); 2 for bad input.",
    )
    sg.add_argument(
        "--replicates", default=2000, metavar="N",
        type=bounded_int(MIN_REPLICATES, 1_000_000, "rows condition on events of a few percent "
                         "of runs; fewer replicates leave some rows without cases"),
        help=f"replicates per arm (default 2000, at least {MIN_REPLICATES})",
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
    sg.add_argument(
        "--posterior", type=Path, metavar="FILE",
        help="also run the suite at the posterior's calibrated point and in --draws posterior "
        "draws; writes posterior.md/.csv (share of draws in which each row passes)",
    )  # fmt: skip
    sg.add_argument(
        "--draws", type=bounded_int(1, 1000, "each draw runs the whole suite"), metavar="N",
        help=f"posterior draws with --posterior (default {DRAWS})",
    )  # fmt: skip
    sg.add_argument(
        "--draw-replicates", type=bounded_int(MIN_REPLICATES, 1_000_000), metavar="N",
        help=f"replicates per arm in each posterior draw, with --posterior (default "
        f"{DRAW_REPLICATES})",
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
    from ..scenario.safe_paths import StagedFiles, check_output_dir

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
    post = None
    if args.posterior is None:
        given = [f for f, v in (("--draws", args.draws), ("--draw-replicates",
                                 args.draw_replicates)) if v is not None]  # fmt: skip
        if given:
            from ..scenario.loading import ConfigError

            verb = "applies" if len(given) == 1 else "apply"
            raise ConfigError(f"{' and '.join(given)} only {verb} with --posterior FILE")
    args.draws = args.draws or DRAWS
    args.draw_replicates = args.draw_replicates or DRAW_REPLICATES
    if args.posterior is not None:
        from ..engine.posterior import load_posterior

        post = load_posterior(args.posterior)  # checked before anything runs
    start = time.perf_counter()
    rows = run_suite(
        args.replicates, args.seed, only=only, progress=lambda m: print(m, file=sys.stderr)
    )
    seconds = time.perf_counter() - start
    n_pass = sum(r.passed for r in rows)
    print(f"{n_pass} of {len(rows)} rows pass ({seconds:.0f} s)", file=sys.stderr, flush=True)
    # staged: the reports land together at the end (an interrupted posterior part left a new
    # signatures.md beside the previous run's posterior.md); other files in --out stay
    with StagedFiles(out) as stage:
        command = command_text(args.argv)
        written = write_report(rows, stage.tmp, args.replicates, args.seed, seconds, command)
        later = [] if post is None else _posterior_report(args, post, rows, stage.tmp)
        written, later = [stage.final(f) for f in written], [stage.final(f) for f in later]
    print(
        f"{n_pass} of {len(rows)} rows pass ({seconds:.0f} s); wrote "
        + ", ".join(map(str, written))
    )
    if later:
        print("wrote " + ", ".join(map(str, later)))
    return 0 if n_pass == len(rows) else 1


def _posterior_report(args: argparse.Namespace, post: object, rows: list, out: Path) -> list[Path]:
    import pandas as pd

    from ..experiments.signature_report import (
        draws_frame,
        failing_draws_markdown,
        posterior_markdown,
    )
    from ..experiments.signatures import run_posterior

    t0 = time.perf_counter()
    ps = run_posterior(
        post, args.draws, args.draw_replicates, args.seed, only=args.rows,  # type: ignore[arg-type]
        progress=lambda m: print(m, file=sys.stderr), point_replicates=args.replicates,
    )  # fmt: skip
    shares = {num: ps.share(num) for num in ps.passes}
    against = {num: ps.contradicted(num) for num in ps.passes}
    command = command_text(args.argv)
    md = posterior_markdown(rows, ps.point, shares, args.draws, args.draw_replicates,
                            args.replicates, str(args.posterior), command, against)  # fmt: skip
    mechanisms = {r.number: r.mechanism for r in ps.point}
    names = list(post.names)  # type: ignore[attr-defined]
    md = md.rstrip("\n") + "\n\n" + failing_draws_markdown(ps.details, mechanisms, names)
    secs = time.perf_counter() - t0
    md = md.rstrip("\n") + f"\n\nWall time of the posterior part: {secs:.0f} s.\n"
    (out / "posterior.md").write_text(md, encoding="utf-8")
    frame = pd.DataFrame(
        [{"row": n, "mechanism": p.mechanism,
          "defaults_pass": next((r.passed for r in rows if r.number == n), None),
          "calibrated_pass": p.passed, "draws": ps.draws,
          "draws_passing": int(sum(ps.passes[n])), "share": shares[n].estimate,
          "low": shares[n].low, "high": shares[n].high,
          "draws_contradicting": int(sum(ps.contradictions[n]))}
         for n, p in ((r.number, r) for r in ps.point)]
    )  # fmt: skip
    frame.to_csv(out / "posterior.csv", index=False, float_format="%.6g")
    draws_frame(ps.details, sorted(mechanisms), names).to_csv(
        out / "posterior_draws.csv", index=False, float_format="%.6g"
    )
    return [out / "posterior.md", out / "posterior.csv", out / "posterior_draws.csv"]
