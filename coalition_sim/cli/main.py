"""Command line: ``python run.py [run|scenarios|check-config|params] ...``.

Bad input (arguments or scenario files) gets one line on stderr and exit status 2, with no
traceback and nothing written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import NoReturn

from ..scenario.library import BASELINE, config_dir, list_scenarios, load_scenario, scenario_path
from ..scenario.loading import ConfigError
from ..scenario.names import parameter_table
from ..scenario.schema import Scenario
from . import calibrate, sweep, ui
from .args import positive_int
from .args import seed as _seed

__all__ = ["main"]


class UsageError(Exception):
    """A bad command line; reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's two-line usage dump
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coalition-sim",
        description="Agent-based simulation of the coalition around the US-North Korea standoff.",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario headless and write its outputs")
    run.add_argument(
        "--config", default=BASELINE, metavar="PATH",
        help="scenario file, or the name of one in configs/ (default: baseline)",
    )  # fmt: skip
    run.add_argument(
        "--steps", type=positive_int, help="weeks to simulate (default: the scenario's)"
    )
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's)")
    run.add_argument(
        "--out", type=Path, metavar="DIR",
        help="output folder (default: outputs/<scenario>-seed<seed>)",
    )  # fmt: skip
    run.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
        help="override a scenario key, e.g. params.fatigue.growth=0.1 or actors.ROK.volatility=0.4",
    )  # fmt: skip
    run.add_argument("--no-plot", action="store_true", help="skip the PNG plot")
    run.add_argument(
        "--posterior", type=Path, metavar="FILE",
        help="draw the fitted parameters from a calibration posterior, keyed by the seed",
    )  # fmt: skip

    sub.add_parser("scenarios", help="list the scenarios in configs/ with their descriptions")

    check = sub.add_parser("check-config", help="validate a scenario file and report problems")
    check.add_argument("path", type=Path, help="scenario TOML file")

    params = sub.add_parser("params", help="list every model parameter with range and source")
    params.add_argument("--markdown", action="store_true", help="print a Markdown table")

    _register_extensions(sub)
    return parser


def _register_extensions(sub: argparse._SubParsersAction) -> None:
    """Subcommands defined in their own modules (sweeps, UI, calibration)."""
    for module in (sweep, ui, calibrate):
        module.register(sub)


def _load(path_or_name: str | Path, overrides: list[str]) -> Scenario:
    return load_scenario(scenario_path(path_or_name), overrides)


def cmd_run(args: argparse.Namespace) -> int:
    from ..abm.model import CoalitionModel
    from ..abm.outputs import human_summary, write_outputs

    overrides = list(args.overrides)
    if args.steps is not None:
        overrides.append(f"steps={args.steps}")
    scn = _load(args.config, overrides)
    seed = scn.seed if args.seed is None else args.seed
    if args.posterior is not None:
        from ..engine.posterior import load_posterior

        post = load_posterior(args.posterior)
        scn = post.scenario_for(scn, seed)
        print(f"posterior: particle {int(post.draw([seed])[0])} of {len(post)} for seed {seed}")
    out = args.out or Path("outputs") / f"{scn.name}-seed{seed}"
    start = time.perf_counter()
    model = CoalitionModel(scn, rng=seed).run()
    wall = time.perf_counter() - start
    written = write_outputs(model, out, plot=not args.no_plot)
    print(human_summary(model.summary(), wall, written))
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    rows = list_scenarios()
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
    rows = parameter_table()
    if args.markdown:
        print("| parameter | default | range | meaning | source |\n|---|---|---|---|---|")
        for r in rows:
            unit = f" {r['unit']}" if r["unit"] else ""
            print(
                f"| `{r['name']}` | {_show(r['default'])}{unit} | [{r['min']}, {r['max']}] | "
                f"{r['meaning']} | {r['source']} |"
            )
        return 0
    for r in rows:
        print(f"{r['name']:<45} {_show(r['default']):>9}  [{r['min']}, {r['max']}]  {r['meaning']}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "scenarios": cmd_scenarios,
    "check-config": cmd_check,
    "params": cmd_params,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv or ["run"])
        if args.command is None:
            args = parser.parse_args(["run", *argv])
        handler = COMMANDS.get(args.command) or args.handler
        return handler(args)
    except (UsageError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
