"""``python run.py calibrate TARGETS --out DIR`` and ``python run.py calibration-report DIR``
(registered by cli). Bad input is a one-line error with exit status 2 and nothing written."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from .args import output_arg, positive_int, worker_count
from .args import seed as _seed

__all__ = ["register"]


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` and ``calibration-report`` subcommands."""
    cal = sub.add_parser("calibrate", help="fit free parameters to the historical record (ABC)")
    cal.add_argument(
        "targets", type=Path, help="target file, e.g. configs/calibration/targets.toml"
    )
    cal.add_argument("--out", type=output_arg, required=True, metavar="DIR", help="output folder")
    cal.add_argument(
        "--overwrite", action="store_true", help="replace an earlier fit in the output folder"
    )
    cal.add_argument(
        "--candidates", type=positive_int, metavar="N", help="prior draws (default: file)"
    )
    cal.add_argument(
        "--replicates",
        type=positive_int,
        metavar="K",
        help="runs per candidate and start (default: file)",
    )
    cal.add_argument("--seed", type=_seed, metavar="S", help="design and run seed (default: file)")
    cal.add_argument("--accept", type=_share, metavar="Q", help="share kept (default: file, 0.05)")
    cal.add_argument(
        "--workers", type=worker_count, metavar="W", help="processes (default: min(2, cores))"
    )
    cal.add_argument(
        "--scheduler", metavar="ADDR", help="dask.distributed scheduler, e.g. tcp://host:8786"
    )
    cal.add_argument(
        "--adjust", action="store_true",
        help="use the regression-adjusted posterior (Beaumont 2002) for the point estimate",
    )  # fmt: skip
    cal.add_argument(
        "--scenario-dir", type=Path, metavar="DIR",
        help="where calibrated_<year>.toml go (default: beside the history scenarios)",
    )  # fmt: skip
    cal.add_argument("--report", type=Path, metavar="DIR", help="also write the fit report here")
    cal.add_argument(
        "--validation-replicates", type=positive_int, metavar="R",
        help="runs per start for the report (default: file, 2000)",
    )  # fmt: skip
    cal.add_argument("--quiet", action="store_true", help="no progress output")
    cal.set_defaults(handler=cmd_calibrate)

    rep = sub.add_parser("calibration-report", help="validate a fit and write the Markdown report")
    rep.add_argument("dir", type=Path, help="calibration output folder (with fit.json)")
    rep.add_argument("--out", type=output_arg, required=True, metavar="DIR", help="report folder")
    rep.add_argument(
        "--replicates", type=positive_int, metavar="R", help="validation runs per start"
    )
    rep.add_argument("--seed", type=_seed, metavar="S", help="validation seed (not the fit's)")
    rep.set_defaults(handler=cmd_report)


def _fitted_name(key: str) -> str:
    return (
        key.replace("start_", "calibrated_", 1) if key.startswith("start_") else f"calibrated_{key}"
    )


def cmd_calibrate(args: argparse.Namespace) -> int:
    from ..calibration.estimate import calibrate, write_fitted_scenario, write_outputs
    from ..calibration.targets import load_targets
    from ..scenario.loading import ConfigError
    from ..scenario.provenance import provenance
    from ..scenario.safe_paths import OutputDir, check_output_dir

    started = dt.datetime.now(dt.UTC)

    targets = load_targets(args.targets)  # every check before anything is written
    abc = targets.abc
    candidates = args.candidates or abc.candidates
    replicates = args.replicates or abc.replicates
    seed = abc.seed if args.seed is None else args.seed
    accept = args.accept or abc.accept
    if candidates < 2:
        raise ConfigError(f"--candidates must be at least 2, got {candidates}")
    if round(accept * candidates) < 2:
        raise ConfigError(f"accept {accept:g} of {candidates} candidates keeps fewer than 2")
    if args.report is not None:
        check_output_dir(args.report, overwrite=True, marker="README.md")
    stage = OutputDir(args.out, overwrite=args.overwrite, marker="fit.json")  # before the fit
    workers = args.workers or max(1, min(2, os.cpu_count() or 1))
    quiet = args.quiet
    if not quiet:
        print(
            f"calibrate: {candidates} candidates x {replicates} replicates x "
            f"{len(targets.scenarios)} starts on "
            + (f"dask at {args.scheduler}" if args.scheduler else f"{workers} worker(s)"),
            file=sys.stderr, flush=True,
        )  # fmt: skip
    t0 = time.perf_counter()
    with stage:
        res = calibrate(targets, candidates, replicates, seed, accept=accept, workers=workers,
                        adjust=args.adjust, quiet=quiet, scheduler=args.scheduler)  # fmt: skip
        res.fit["provenance"] = provenance(
            out=args.out, started=started, argv=args.argv,
            scenario={k: s.model_dump(mode="json") for k, s in targets.scenarios.items()},
        )  # fmt: skip
        here = args.out.resolve()  # paths in fit.json are relative to its folder
        res.fit["targets"] = os.path.relpath(Path(targets.path).resolve(), here)
        res.fit["scenarios"] = {
            k: os.path.relpath(Path(p).resolve(), here) for k, p in targets.scenario_paths.items()
        }
        written = [args.out / p.name for p in write_outputs(res, stage.tmp)]
    scen_dir = args.scenario_dir
    for key, base in targets.scenario_paths.items():
        name = _fitted_name(key)
        folder = scen_dir or base.parent
        written.append(
            write_fitted_scenario(
                folder / f"{name}.toml", base, name, res.fit,
                f"{targets.scenarios[key].description.rstrip('.')} - calibrated (issue 5).",
            )
        )  # fmt: skip
    fit_wall = time.perf_counter() - t0
    print(f"calibrate: fitted in {fit_wall:.1f} s ({res.fit['runs']:,} runs)")
    for name, v in res.fit["parameters"].items():
        print(f"  {name:<42} {v['median']:9.4g}  [{v['q05']:.4g}, {v['q95']:.4g}]")
    if args.report is not None:
        from ..calibration.report import write_report

        written += write_report(args.out, args.report, replicates=args.validation_replicates)
    print(
        f"calibrate: total {time.perf_counter() - t0:.1f} s; wrote " + ", ".join(map(str, written))
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..calibration.report import write_report
    from ..scenario.safe_paths import check_output_dir

    check_output_dir(args.out, overwrite=True, marker="README.md")  # a report is rewritten
    t0 = time.perf_counter()
    written = write_report(args.dir, args.out, replicates=args.replicates, seed=args.seed)
    print(
        f"calibration-report: {time.perf_counter() - t0:.1f} s; wrote "
        + ", ".join(map(str, written))
    )
    return 0
