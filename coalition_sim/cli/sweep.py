"""``python run.py sweep SPEC --out DIR`` and ``python run.py analyze DIR`` (registered by cli)."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path

from .args import input_path, output_arg, positive_int, worker_count
from .errors import Terminated

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` and ``analyze`` subcommands to the main parser."""
    sw = sub.add_parser("sweep", help="run (or resume) a parameter sweep into a Parquet folder")
    sw.add_argument(
        "spec", type=input_path, help="sweep spec TOML (or the name of one in configs/sweeps/)"
    )
    sw.add_argument("--out", type=output_arg, required=True, metavar="DIR", help="output folder")
    sw.add_argument(
        "--workers",
        type=worker_count,
        metavar="N",
        help="local workers, threads of this process (default: from the amount of work, one "
        "per ~2 s of estimated work, at most one per core)",
    )
    sw.add_argument(
        "--scheduler", metavar="ADDR", help="dask.distributed scheduler, e.g. tcp://host:8786"
    )
    sw.add_argument(
        "--chunk-size", type=positive_int, metavar="N",
        help="runs per chunk (default: about 1/64 of the sweep, 2000..20000, fewer when "
        "long trajectories are kept: at most 20 M trajectory cells a chunk)",
    )  # fmt: skip
    sw.add_argument(
        "--posterior", type=input_path, metavar="FILE",
        help="draw each run's fitted parameters (those not swept) from a calibration posterior",
    )  # fmt: skip
    sw.add_argument("--quiet", action="store_true", help="no progress output")
    sw.set_defaults(handler=cmd_sweep)

    an = sub.add_parser("analyze", help="outcome probabilities, sensitivity indices and plots")
    an.add_argument("dir", type=input_path, help="sweep output folder")
    an.add_argument("--outcome", help="outcome for the heat map (default: the most variable)")
    an.add_argument(
        "--confidence", type=float, default=0.95, help="Wilson interval level (default 0.95)"
    )
    an.set_defaults(handler=cmd_analyze)


def _errno_of(exc: OSError) -> int:
    """The errno a library's OSError states in words (pyarrow: 'No space left on device')."""
    from .errors import _TEXTS

    return next((c for t, c in _TEXTS.items() if t in str(exc)), errno.EIO)


def _kept(out: Path) -> str:
    """What an interrupted sweep leaves in ``out``, in words: the chunks whose records were
    written (the part files on disk may be more: one written but not yet recorded is redone)."""
    from ..experiments.store import read_manifest
    from ..scenario.loading import ConfigError

    try:
        man = read_manifest(out)
    except (ConfigError, OSError):
        return f"no chunk was finished; {out} holds nothing to keep"
    done = sum(1 for k in man["chunks"] if k.isdigit() and int(k) < man["n_chunks"])
    return (
        f"{done} of {man['n_chunks']} chunks are saved in {out}; the same command resumes "
        "from there (a chunk still being written is computed again)"
    )


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..experiments.sweep import plan_sweep, run_sweep
    from .errors import machine_error

    plan = plan_sweep(str(args.spec), posterior=args.posterior)
    if args.scheduler is not None:
        from ..engine.runner import check_address

        check_address(args.scheduler)  # a malformed address is refused before the message
    if args.scheduler and not args.quiet:  # one that does not answer takes 20 s to give up
        print(f"sweep {plan.spec.name}: connecting to the dask scheduler at {args.scheduler}",
              file=sys.stderr, flush=True)  # fmt: skip
    try:
        rep = run_sweep(
            plan, args.out, workers=args.workers, scheduler=args.scheduler,
            chunk_size=args.chunk_size, quiet=args.quiet,
        )  # fmt: skip
    except OSError as exc:
        # a library's write error (pyarrow's) names no file: name the folder being written
        if exc.filename is None and machine_error(exc) is not None:
            raise OSError(exc.errno or _errno_of(exc), str(exc), str(args.out)) from None
        raise
    except KeyboardInterrupt as exc:
        # say what is kept and how to go on (the folder is consistent: a chunk file is used
        # only once its size and hash are recorded; one still being written is redone)
        what, status = ("interrupted", 130)
        if isinstance(exc, Terminated):
            what, status = ("terminated (SIGTERM)", 143)
        print(f"{what}: {_kept(args.out)}", file=sys.stderr)
        return status
    rate = rep.n_runs / rep.seconds if rep.computed == rep.n_chunks and rep.seconds > 0 else None
    print(
        f"sweep '{plan.spec.name}': {plan.n_points} points x {plan.spec.replicates} replicates "
        f"= {rep.n_runs} runs of {plan.steps} weeks in {rep.n_chunks} chunks "
        f"({rep.skipped} already done, {rep.computed} computed) in {rep.seconds:.1f} s"
        + (f" ({rate:,.0f} runs/s)" if rate else "")
        + f" -> {rep.out}; {rep.workers_reason}"
    )
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from ..experiments.analysis import analyze

    if not 0 < args.confidence < 1:
        from ..scenario.loading import ConfigError

        raise ConfigError(f"--confidence must be in (0, 1), got {args.confidence}")
    result = analyze(args.dir, outcome=args.outcome, confidence=args.confidence)
    print(result.summary)
    return 0
