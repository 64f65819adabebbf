"""Command line: ``python run.py [run|scenarios|check-config|params] ...``.

Bad input (arguments or scenario files) gets one line on stderr and exit status 2, with no
traceback and nothing written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

from ..scenario.library import BASELINE, config_dir, list_scenarios, load_scenario
from ..scenario.loading import ConfigError
from ..scenario.names import parameter_table
from ..scenario.provenance import package_version, program_name
from ..scenario.safe_paths import OutputDir, default_run_dir
from ..scenario.schema import Scenario
from . import calibrate, diagnose, experiments, screen, signatures, sweep, ui, validate
from .args import check_sets, input_path, output_arg, weeks
from .args import seed as _seed
from .errors import Terminated, machine_error, shorten_quoted, terminate_as_interrupt

__all__ = ["main"]


class UsageError(Exception):
    """A bad command line; reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's two-line usage dump
        raise UsageError(f"{self.prog}: {message} (see --help)")


#: The top-level options (everything else before a command is the default command's).
_TOP_OPTIONS = ("-h", "--help", "--version")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coalition-sim",
        description="Agent-based simulation of the coalition around the US-North Korea standoff.",
    )
    parser.add_argument("--version", action="version", version=f"coalition-sim {package_version()}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario headless and write its outputs")
    run.add_argument(
        "--config", default=BASELINE, metavar="PATH",
        help="scenario file, or the name of one in configs/ (default: baseline)",
    )  # fmt: skip
    run.add_argument("--steps", type=weeks, help="weeks to simulate (default: the scenario's)")
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's)")
    run.add_argument(
        "--out", type=output_arg, metavar="DIR",
        help="output folder (default: outputs/<scenario>-seed<seed>[-<hash of --set/--steps>])",
    )  # fmt: skip
    run.add_argument(
        "--overwrite", action="store_true", help="replace an earlier result in the output folder"
    )
    run.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
        help="override a scenario key, e.g. params.fatigue.growth=0.1 or actors.ROK.volatility=0.4",
    )  # fmt: skip
    run.add_argument("--no-plot", action="store_true", help="skip the PNG plot")
    run.add_argument(
        "--posterior", type=input_path, metavar="FILE",
        help="draw the fitted parameters from a calibration posterior, keyed by the seed",
    )  # fmt: skip

    sub.add_parser("scenarios", help="list the scenarios in configs/ with their descriptions")

    check = sub.add_parser("check-config", help="validate a scenario file and report problems")
    check.add_argument("path", type=input_path, help="scenario TOML file")

    params = sub.add_parser("params", help="list every model parameter with range and source")
    params.add_argument("--markdown", action="store_true", help="print a Markdown table")
    params.add_argument(
        "--role", choices=["lever", "uncertainty", "mechanism", "state", "definition"],
        help="only parameters of this role (levers: policy choices; uncertainties: futures)",
    )  # fmt: skip

    _register_extensions(sub)
    return parser


def _register_extensions(sub: argparse._SubParsersAction) -> None:
    """Subcommands defined in their own modules (sweeps, UI, calibration, signatures,
    experiments, validation, diagnosis, screening)."""
    for module in (sweep, ui, calibrate, screen, signatures, experiments, validate, diagnose):
        module.register(sub)


def _load(path_or_name: str | Path, overrides: list[str]) -> Scenario:
    return load_scenario(path_or_name, overrides)


def _same_run(out: Path, scn: Scenario, seed: int) -> bool:
    """Whether ``out`` holds a run of exactly this resolved scenario and seed (whose outputs
    the new run would reproduce), so that the default folder can be refreshed safely."""
    import json

    from ..scenario.safe_paths import read_input_bytes

    try:
        old = json.loads(read_input_bytes(out / "summary.json", what="a summary"))
    except (ConfigError, ValueError):
        return False
    return (
        isinstance(old, dict)
        and old.get("seed") == seed
        and old.get("scenario_spec") == scn.model_dump(mode="json")
    )


def cmd_run(args: argparse.Namespace) -> int:
    from ..abm.model import CoalitionModel
    from ..abm.outputs import human_summary, write_outputs
    from ..core.warmup import prepare_model
    from ..scenario.provenance import provenance

    started = dt.datetime.now(dt.UTC)
    check_sets(args.overrides, seed=args.seed, steps=args.steps)
    overrides = list(args.overrides)
    if args.steps is not None:
        overrides.append(f"steps={args.steps}")
    scn = _load(args.config, overrides)
    seed = scn.seed if args.seed is None else args.seed
    digest = ""  # of the posterior drawn from, if any: it names the default folder too
    if args.posterior is not None:
        from ..engine.posterior import file_digest, load_posterior

        post = load_posterior(args.posterior)
        # a --set of a fitted parameter wins over the draw, as in ensembles and the page
        scn = post.scenario_for(scn, seed, keep=[o.partition("=")[0] for o in args.overrides])
        particle = int(post.draw([seed])[0])
        print(f"posterior: particle {particle} of {len(post)} for seed {seed}")
        drawn = {  # the run's provenance says which draw of which posterior it ran
            "particle": particle, "particles": len(post),
            "sha256": (digest := file_digest(args.posterior)),
            "model_fingerprint": post.meta.get("model_fingerprint"),
        }  # fmt: skip
    out = args.out or default_run_dir(Path("outputs"), scn.name, seed, overrides, digest)
    # an explicit --out holding a result needs --overwrite; the default folder may be
    # refreshed by the identical run (same resolved scenario and seed: same outputs)
    overwrite = args.overwrite or (args.out is None and _same_run(out, scn, seed))
    with OutputDir(out, overwrite=overwrite) as stage:  # checked before the run
        prepare_model()  # a first run on this machine compiles the model first, saying so
        start = time.perf_counter()
        model = CoalitionModel(scn, rng=seed).run()
        wall = time.perf_counter() - start
        prov = provenance(out=out, scenario=scn, started=started, argv=args.argv)
        if args.posterior is not None:
            prov["posterior"] = drawn
        written = write_outputs(model, stage.tmp, plot=not args.no_plot, provenance=prov)
    written = [stage.out / p.name for p in written]
    print(human_summary(model.summary(), wall, written))
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    skipped: list[str] = []
    rows = list_scenarios(skipped)
    for why in skipped:  # a malformed file of one's own folder vanished from the list unsaid
        print(f"warning: not listed: {why}", file=sys.stderr)
    if not rows:
        print(f"no scenarios in {config_dir()}")
        return 0
    width = max(len(name) for name, _, _ in rows)
    for name, desc, _ in rows:
        print(f"{name:<{width}}  {desc}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    scn = _load(args.path, [])
    print(
        f"{args.path}: ok - scenario '{scn.name}', {len(scn.actors)} actors, {len(scn.ties)} ties, "
        f"{len(scn.events)} events, {scn.steps} weeks from {scn.start_date}"
    )
    return 0


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def cmd_params(args: argparse.Namespace) -> int:
    from ..scenario.levers import role_of

    rows = parameter_table()
    for r in rows:
        r["role"] = str(role_of(r["name"]))
    if args.role:
        rows = [r for r in rows if r["role"] == args.role]
    if args.markdown:  # the ODD's table (docs/ODD.md); roles: plain listing or --role
        print("| parameter | default | range | meaning | source |\n|---|---|---|---|---|")
        for r in rows:
            unit = f" {r['unit']}" if r["unit"] else ""
            print(
                f"| `{r['name']}` | {_show(r['default'])}{unit} | [{r['min']}, {r['max']}] | "
                f"{r['meaning']} | {r['source']} |"
            )
        return 0
    for r in rows:
        span = "-" if r["min"] is None and r["max"] is None else f"[{r['min']}, {r['max']}]"
        default = "none" if r["default"] is None else _show(r["default"])
        print(f"{r['name']:<45} {r['role']:<11} {default:>9}  {span}  {r['meaning']}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "scenarios": cmd_scenarios,
    "check-config": cmd_check,
    "params": cmd_params,
}


def _quiet_dask_client() -> None:
    """The command line says a lost scheduler in one line (``SchedulerLost``); dask's client
    also logs its failed reconnects as ERROR with a traceback of some 25 lines on stderr first.
    Its messages are kept from the terminal (the command's own line says what happened).

    A filter, not a level: importing ``distributed`` (later, when a command connects) sets
    its loggers' levels from dask's configuration, which undid the CRITICAL level this set
    (so the command line printed dask's ERROR lines; a test that had imported ``distributed``
    first did not see it)."""
    client = logging.getLogger("distributed.client")
    if not any(isinstance(f, _OnlyCritical) for f in client.filters):
        client.addFilter(_OnlyCritical())


class _OnlyCritical(logging.Filter):
    """Lets through only CRITICAL records (see :func:`_quiet_dask_client`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.CRITICAL


def _flush_stdout() -> None:
    """Flush what a command printed, naming standard output if that fails.

    Why: Python flushes a redirected stdout only at exit, where a full device
    (``> /dev/full``) ends in "Exception ignored ..." and status 120; flushed here, the error
    is the usual one line with exit status 2 (the command's files are already written)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_stdout()
        if exc.filename is None:
            exc.filename = "standard output"
        raise


def _drop_stdout() -> None:
    """Point stdout at the null device: what it still buffers cannot be written, and Python's
    flush at exit would otherwise print "Exception ignored ..." and exit with status 120."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):  # a stdout without a descriptor (an embedding, a test)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    _quiet_dask_client()
    try:
        # no command is `run` (README): options alone are run's (`run.py --seed 7`)
        bare = not argv or (argv[0].startswith("-") and argv[0] not in _TOP_OPTIONS)
        args = parser.parse_args(["run", *argv] if bare else argv)
        handler = COMMANDS.get(args.command) or args.handler
        args.argv = [program_name(), *argv]  # as typed, for the outputs' provenance
        with terminate_as_interrupt():  # SIGTERM ends a command as Ctrl-C does
            status = handler(args)
        _flush_stdout()  # a failing stdout is reported here, in one line, not at exit
        return status
    except (UsageError, ConfigError) as exc:
        msg = shorten_quoted(" ".join(str(exc).split()))  # one line, whatever it holds
        if len(msg) > 1000:
            msg = f"{msg[:960]}... ({len(msg)} characters)"
        print(f"error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `run.py params | head`: the reader has gone; no traceback.
        # Commands that write files (run, compare) write them before they print, so this
        # comes after the files are in place; the status is the pipeline's usual 141 either way.
        _drop_stdout()  # nothing left to flush at exit either
        return 141  # 128 + SIGPIPE, as the C tools in a pipeline
    except (OSError, MemoryError) as exc:  # the machine's state, not a bug: one line
        why = machine_error(exc)
        if why is None:
            raise
        print(f"error: {why}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        if isinstance(exc, Terminated):
            print("terminated (SIGTERM)", file=sys.stderr)
            return 143
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
