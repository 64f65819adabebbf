"""``python run.py calibrate TARGETS --out DIR`` and ``python run.py calibration-report DIR``
(registered by cli). Bad input is a one-line error with exit status 2 and nothing written."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

from .args import bounded_int, input_path, output_arg, positive_int, worker_count
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


def _alpha(text: str) -> float:
    value = _share(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {value}")
    return value


def _targets_default() -> Path:
    from ..scenario.resources import config_file

    return config_file("calibration", "targets.toml")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` and ``calibration-report`` subcommands."""
    cal = sub.add_parser(
        "calibrate", help="fit free parameters to the 2016-2018 record (sequential ABC)"
    )
    cal.add_argument(
        "targets", type=input_path, nargs="?", default=None,
        help="target file (default: configs/calibration/targets.toml)",
    )  # fmt: skip
    cal.add_argument(
        "--out", type=output_arg, default=Path("outputs") / "calibration", metavar="DIR",
        help="output folder; nothing is written elsewhere without --write-configs "
        "(default: outputs/calibration)",
    )  # fmt: skip
    cal.add_argument(
        "--overwrite", action="store_true", help="replace an earlier fit in the output folder"
    )
    cal.add_argument(
        "--method", choices=("smc", "rejection"), default="smc",
        help="smc: sequential ABC with adaptive tolerances (default; resample-move ABC-SMC, or "
        "population Monte Carlo with the target file's [smc] scheme = 'pmc'); rejection: the "
        "old Sobol rejection step (count and fact statistics only)",
    )  # fmt: skip
    cal.add_argument(
        "--particles",
        type=bounded_int(4, 100_000, "an SMC population"),
        metavar="N",
        help="smc population size",
    )
    cal.add_argument("--alpha", type=_alpha, metavar="A", help="smc tolerance quantile (0.5)")
    cal.add_argument(
        "--min-acceptance", type=_alpha, metavar="Q", help="smc: stop below this acceptance"
    )
    cal.add_argument(
        "--max-generations", type=bounded_int(1, 1000), metavar="G", help="smc generations"
    )
    cal.add_argument(
        "--predictive-draws", type=bounded_int(1, 100_000, "runs held in memory"), metavar="R",
        help="smc: posterior predictive runs per start (default: file)",
    )  # fmt: skip
    cal.add_argument(
        "--max-runs", type=positive_int, metavar="N",
        help="smc: run budget per fit; no generation starts that would exceed it",
    )  # fmt: skip
    cal.add_argument(
        "--compare-rejection", type=bounded_int(1, 1_000_000, "runs held in memory"), metavar="M",
        help="smc: also run a rejection step of M candidates and compare runs-to-tolerance",
    )  # fmt: skip
    cal.add_argument(
        "--no-forecast", action="store_true", help="smc: skip the 2016-17 -> 2018 forecast test"
    )
    cal.add_argument(
        "--write-configs", action="store_true",
        help="also replace configs/history/calibrated_*.toml, configs/calibration/"
        "posterior.parquet and the report in docs/calibration/",
    )  # fmt: skip
    cal.add_argument(
        "--candidates",
        type=bounded_int(1, 1_000_000, "runs held in memory"),
        metavar="N",
        help="rejection: prior draws (default: file)",
    )
    cal.add_argument(
        "--replicates", type=bounded_int(1, 10_000, "runs held in memory"), metavar="K",
        help="runs per candidate/particle and start (default: file)",
    )  # fmt: skip
    cal.add_argument("--seed", type=_seed, metavar="S", help="design and run seed (default: file)")
    cal.add_argument("--accept", type=_share, metavar="Q", help="rejection: share kept (0.05)")
    cal.add_argument(
        "--workers",
        type=worker_count,
        metavar="W",
        help="local worker threads (default: min(2, cores))",
    )
    cal.add_argument(
        "--scheduler", metavar="ADDR", help="dask.distributed scheduler, e.g. tcp://host:8786"
    )
    cal.add_argument(
        "--adjust", action="store_true",
        help="rejection: use the regression-adjusted posterior (Beaumont 2002) for the point",
    )  # fmt: skip
    cal.add_argument(
        "--scenario-dir", type=output_arg, metavar="DIR",
        help="where calibrated_<year>.toml go (default: OUT/scenarios)",
    )  # fmt: skip
    cal.add_argument(
        "--report", type=output_arg, metavar="DIR", help="report folder (default: OUT/report)"
    )
    cal.add_argument(
        "--validation-replicates", type=bounded_int(1, 100_000, "runs held in memory"),
        metavar="R",
        help="rejection: runs per start for the report (default: file, 2000)",
    )  # fmt: skip
    cal.add_argument("--quiet", action="store_true", help="no progress output")
    cal.set_defaults(handler=cmd_calibrate)

    rep = sub.add_parser("calibration-report", help="write the Markdown report of a fit")
    rep.add_argument("dir", type=input_path, help="calibration output folder (with fit.json)")
    rep.add_argument("--out", type=output_arg, required=True, metavar="DIR", help="report folder")
    rep.add_argument(
        "--replicates",
        type=bounded_int(1, 100_000, "runs held in memory"),
        metavar="R",
        help="rejection: validation runs per start",
    )
    rep.add_argument("--seed", type=_seed, metavar="S", help="rejection: validation seed")
    rep.set_defaults(handler=cmd_report)


def _fitted_name(key: str) -> str:
    return (
        key.replace("start_", "calibrated_", 1) if key.startswith("start_") else f"calibrated_{key}"
    )


def _check_destinations(args: argparse.Namespace) -> None:
    """``--scenario-dir`` and ``--report`` write where they are told: never into the
    committed ``configs/`` or ``docs/`` without ``--write-configs`` (a fit there would
    disagree with the committed posterior), and never over earlier calibrated scenarios or a
    report without ``--overwrite``. Checked before anything runs."""
    from ..scenario.loading import ConfigError
    from ..scenario.resources import checkout_root

    root = checkout_root()
    for flag, path, marker in (("--scenario-dir", args.scenario_dir, "calibrated_*.toml"),
                               ("--report", args.report, "README.md")):  # fmt: skip
        if path is None:
            continue
        where = Path(path).resolve()
        if root is not None and not args.write_configs:
            for sub in ("configs", "docs"):
                tree = (root / sub).resolve()
                if where == tree or tree in where.parents:
                    raise ConfigError(
                        f"{flag} {path}: inside the committed {sub}/ folder; the committed fit "
                        "is replaced only with --write-configs (or choose another folder)"
                    )
        if where.is_dir() and any(where.glob(marker)) and not args.overwrite:
            raise ConfigError(
                f"{flag} {path}: holds an earlier result ({marker}); add --overwrite to replace it"
            )


def cmd_calibrate(args: argparse.Namespace) -> int:
    from ..calibration.targets import load_targets

    if args.write_configs:  # before anything runs: it replaces files of the source tree
        from ..scenario.resources import require_checkout

        require_checkout("calibrate --write-configs")
    _check_destinations(args)
    path = args.targets or _targets_default()
    targets = load_targets(path)  # every check before anything is written
    if args.method == "smc":
        return _cmd_smc(args, targets)
    return _cmd_rejection(args, targets)


def _cmd_smc(args: argparse.Namespace, targets: Any) -> int:
    import shutil

    from ..calibration.diagnostics import write_smc_report
    from ..calibration.fit import FitSettings, run_calibration
    from ..scenario.loading import ConfigError
    from ..scenario.safe_paths import OutputDir, check_output_dir

    for opt in ("candidates", "accept", "validation_replicates"):
        if getattr(args, opt) is not None:
            raise ConfigError(f"--{opt.replace('_', '-')} applies to --method rejection only")
    if args.adjust:
        raise ConfigError("--adjust applies to --method rejection only")
    cfg = targets.smc.model_dump()
    if cfg["seed"] is None:
        cfg["seed"] = targets.abc.seed
    seed = int(cfg["seed"]) if args.seed is None else args.seed
    workers = args.workers or max(1, min(2, os.cpu_count() or 1))
    quiet = args.quiet

    def say(msg: str) -> None:
        if not quiet:
            print(f"calibrate: {msg}", file=sys.stderr, flush=True)

    fit_until = None if args.no_forecast else cfg.get("forecast_fit_until")
    scen_dir = args.scenario_dir
    if args.write_configs and scen_dir is None:
        scen_dir = next(iter(targets.scenario_paths.values())).parent

    def pick(arg: Any, key: str, default: Any) -> Any:
        return arg if arg is not None else cfg.get(key, default)

    cfg_fit = FitSettings(
        particles=int(pick(args.particles, "particles", 500)),
        replicates=int(pick(args.replicates, "replicates", 30)),
        seed=seed,
        alpha=float(pick(args.alpha, "alpha", 0.5)),
        min_acceptance=float(pick(args.min_acceptance, "min_acceptance", 0.04)),
        max_generations=int(pick(args.max_generations, "max_generations", 12)),
        workers=workers,
        max_runs=pick(args.max_runs, "max_runs", None),
        forecast_max_runs=pick(args.max_runs, "forecast_max_runs", None),
        predictive_draws=int(pick(args.predictive_draws, "predictive_draws", 2000)),
        predictive_seed=int(
            seed + 1 if targets.abc.validation_seed is None else targets.abc.validation_seed
        ),
        forecast_until=None if fit_until is None else int(fit_until),
        compare_rejection=args.compare_rejection or 0,
        kernel=str(cfg.get("kernel", "logit_mvn")),
        kernel_scale=cfg.get("kernel_scale"),
        moves=int(cfg.get("moves", 5)),
        scheme=str(cfg.get("scheme", "mcmc")),
        scheduler=args.scheduler,
    )
    if args.report is not None:
        check_output_dir(args.report, overwrite=args.overwrite, marker="README.md")
    stage = OutputDir(args.out, overwrite=args.overwrite, marker="fit.json")  # before the fit
    if args.scheduler is not None:  # an unreachable one is given up after 20 s of silence
        from ..engine.runner import check_address

        check_address(args.scheduler)
        say(f"connecting to the dask scheduler at {args.scheduler}")
    with stage:  # written whole or not at all
        fit, timing, written = run_calibration(targets, stage.tmp, cfg_fit, scen_dir, say)
        written += write_smc_report(stage.tmp, stage.tmp / "report")
    written = [args.out / q.relative_to(stage.tmp) if q.is_relative_to(stage.tmp) else q
               for q in written]  # fmt: skip
    if args.report is not None:
        written += write_smc_report(args.out, args.report)
    if args.write_configs:
        from ..scenario.resources import require_checkout

        root = require_checkout("calibrate --write-configs")
        dest = root / "configs" / "calibration" / "posterior.parquet"
        shutil.copyfile(args.out / "posterior.parquet", dest)
        docs = root / "docs" / "calibration"
        written += write_smc_report(args.out, docs)
        written.append(dest)
    print(f"calibrate: {fit['method']}: {len(fit['generations'])} generations, "
          f"{fit['runs']:,} runs; end to end {timing['end_to_end_seconds']:.0f} s")  # fmt: skip
    for name, v in fit["parameters"].items():
        print(f"  {name:<42} {v['median']:9.4g}  [{v['q05']:.4g}, {v['q95']:.4g}]")
    cov = fit["predictive"]["coverage"]
    print(f"calibrate: coverage {sum(r['in50'] for r in cov)}/{len(cov)} in 50%, "
          f"{sum(r['in90'] for r in cov)}/{len(cov)} in 90%")  # fmt: skip
    if "forecast" in fit:
        fc = fit["forecast"]["coverage"]
        print(f"calibrate: forecast of 2018: {sum(r['in50'] for r in fc)}/{len(fc)} in 50%, "
              f"{sum(r['in90'] for r in fc)}/{len(fc)} in 90%")  # fmt: skip
    print("calibrate: wrote " + ", ".join(str(p) for p in dict.fromkeys(written)))
    return 0


def _cmd_rejection(args: argparse.Namespace, targets: Any) -> int:
    from ..calibration.estimate import calibrate, write_fitted_scenario, write_outputs
    from ..calibration.targets import FACTS
    from ..scenario.loading import ConfigError
    from ..scenario.provenance import provenance
    from ..scenario.safe_paths import OutputDir, check_output_dir

    started = dt.datetime.now(dt.UTC)
    # the smc options mean nothing to rejection: refused, as the rejection options are for smc
    for opt in ("particles", "alpha", "min_acceptance", "max_generations", "predictive_draws",
                "max_runs", "compare_rejection"):  # fmt: skip
        if getattr(args, opt, None) is not None:
            raise ConfigError(f"--{opt.replace('_', '-')} applies to --method smc only")
    if getattr(args, "no_forecast", False):
        raise ConfigError("--no-forecast applies to --method smc only")
    legacy = [s.name for s in targets.statistics
              if s.kind not in ("weeks", "fact") or s.fact == FACTS[-1]]  # fmt: skip
    if legacy:
        raise ConfigError(f"{targets.path}: --method rejection scores launch counts and the "
                          f"summit facts only; remove {legacy[0]} (and the other statistics "
                          "of other kinds) or use smc")  # fmt: skip
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
        check_output_dir(args.report, overwrite=args.overwrite, marker="README.md")
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
        folder = scen_dir or (base.parent if args.write_configs else args.out / "scenarios")
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
    if (args.dir / "posterior.parquet").is_file():
        from ..calibration.diagnostics import write_smc_report
        from ..scenario.loading import ConfigError

        given = [f"--{k}" for k in ("replicates", "seed") if getattr(args, k) is not None]
        if given:  # they were ignored in silence, as calibrate refuses rejection options
            raise ConfigError(
                f"{' and '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to a "
                f"rejection fit only; {args.dir} holds an SMC fit, whose report runs nothing"
            )

        written = write_smc_report(args.dir, args.out)
        print(f"calibration-report: wrote {', '.join(map(str, written))}")
        return 0
    written = write_report(args.dir, args.out, replicates=args.replicates, seed=args.seed)
    print(
        f"calibration-report: {time.perf_counter() - t0:.1f} s; wrote "
        + ", ".join(map(str, written))
    )
    return 0
