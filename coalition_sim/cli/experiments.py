"""``python run.py compare``, ``discover`` and ``study`` (registered by cli).

Bad input is a one-line error with exit status 2 and nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..scenario.safe_paths import check_path_text
from .args import (
    MAX_FUTURES,
    MAX_REPLICATES,
    MAX_ROWS,
    bounded_int,
    check_sets,
    input_path,
    output_arg,
    weeks,
)
from .args import seed as _seed

__all__ = ["register"]

#: Largest --futures table read (a CSV of 100,000 futures x 20 parameters is about 20 MB).
MAX_FUTURES_BYTES = 64 << 20


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {value}")
    return value


def _share(text: str) -> float:
    value = _confidence(text) if text.strip() not in ("1", "1.0") else 1.0
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare``, ``discover`` and ``study`` subcommands."""
    cp = sub.add_parser(
        "compare",
        help="paired effects of policies (lever settings) run on the same random futures",
        description=(
            "Run two or more policies on common random numbers and report every outcome's "
            "paired effect against the first policy with a 95% interval (Newcombe for yes/no "
            "outcomes, paired bootstrap for means); writes effects.csv, forest.png and provenance.json."
        ),
    )
    cp.add_argument(
        "--policy", action="append", default=[], required=True, metavar="SPEC",
        help="'name:lever=value,lever=value' (levers: 'python run.py params --role lever'), "
        "'name' for the scenario as it is, or a scenario .toml; the first is the reference",
    )  # fmt: skip
    cp.add_argument(
        "--scenario", default="baseline", metavar="NAME",
        help="base scenario (name in configs/ or a .toml; default: baseline)",
    )  # fmt: skip
    cp.add_argument(
        "--replicates", type=bounded_int(1, MAX_REPLICATES), default=500, metavar="N",
        help=f"replicates per future (default 500); policies x futures x replicates may be "
        f"at most {MAX_ROWS:,} runs in all",
    )  # fmt: skip
    cp.add_argument("--seed", type=_seed, help="random seed (default: the scenario's)")
    cp.add_argument("--steps", type=weeks, help="weeks (default: the scenario's)")
    cp.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="common",
        help="set a parameter in every arm (e.g. params.fatigue.growth=0.1)",
    )  # fmt: skip
    cp.add_argument(
        "--vary", action="append", default=[], metavar="NAME=LO:HI",
        help="an uncertainty to sample across futures (Latin hypercube; with --futures N)",
    )  # fmt: skip
    cp.add_argument(
        "--futures", metavar="N|FILE",
        help="number of sampled futures (with --vary), or a CSV/Parquet table of futures "
        "(one row per future, columns = parameter names, e.g. posterior draws)",
    )  # fmt: skip
    cp.add_argument(
        "--outcome", default="coalition_fractured",
        help="outcome of the robustness table when futures vary (default coalition_fractured)",
    )  # fmt: skip
    cp.add_argument(
        "--posterior", type=input_path, metavar="FILE",
        help="draw fitted parameters from a calibration posterior (same draws in every arm)",
    )  # fmt: skip
    cp.add_argument("--confidence", type=_confidence, default=0.95, help="default 0.95")
    cp.add_argument(
        "--out", type=output_arg, metavar="DIR",
        help="output folder (default: outputs/compare, refreshed on each call)",
    )  # fmt: skip
    cp.add_argument("--overwrite", action="store_true", help="replace an earlier result in --out")
    cp.add_argument("--quiet", action="store_true", help="no progress output")
    cp.set_defaults(handler=cmd_compare)

    dc = sub.add_parser(
        "discover",
        help="scenario discovery on a sweep: PRIM box, CART tree, feature scores",
    )
    dc.add_argument("dir", type=input_path, help="sweep output folder")
    dc.add_argument(
        "--outcome", default="coalition_fractured",
        help="yes/no outcome to explain (default coalition_fractured)",
    )  # fmt: skip
    dc.add_argument(
        "--threshold", type=_share, metavar="P",
        help="classify points by P(outcome) >= P instead of using runs",
    )  # fmt: skip
    dc.add_argument(
        "--min-coverage", type=_share, default=0.5, metavar="C",
        help="coverage the chosen PRIM box must keep (default 0.5)",
    )  # fmt: skip
    dc.add_argument(
        "--box", type=int, metavar="I", help="pick this box on the peeling trajectory instead"
    )
    dc.add_argument(
        "--out", type=output_arg, metavar="DIR", help="report folder (default: DIR/discovery)"
    )
    dc.set_defaults(handler=cmd_discover)

    st = sub.add_parser(
        "study", help="run a worked study from its spec (sweep, discovery, paired effects)"
    )
    st.add_argument("spec", type=input_path, help="study spec TOML, e.g. configs/studies/...")
    st.add_argument("--quiet", action="store_true", help="no progress output")
    st.add_argument(
        "--out", type=output_arg, metavar="DIR",
        help="write the report and data folder here instead of the spec's places "
        "(which must lie inside outputs/ or docs/studies/)",
    )  # fmt: skip
    st.set_defaults(handler=cmd_study)


def _parse_vary(items: list[str]) -> dict[str, tuple[float, float]]:
    from ..scenario.loading import ConfigError

    out: dict[str, tuple[float, float]] = {}
    for item in items:
        name, eq, rng = item.partition("=")
        lo, colon, hi = rng.partition(":")
        try:
            if not eq or not colon:
                raise ValueError
            out[name.strip()] = (float(lo), float(hi))
        except ValueError:
            raise ConfigError(
                f"--vary '{item}': expected NAME=LO:HI, e.g. fatigue.growth=0:0.2"
            ) from None
    return out


def _looks_like_a_count(text: str) -> bool:
    """Whether ``--futures`` was given a number (any: ``-2``, ``2.5``) rather than a file.

    Why: only ASCII digits counted as a number, so ``--futures -2 --vary ...`` was taken for
    a file and answered "--vary samples futures; with a futures file leave it out". A file
    of that name still wins."""
    try:
        float(text)
    except ValueError:
        return False
    return not Path(text).exists()


def _futures(args: argparse.Namespace, specs):  # -> pd.DataFrame | None
    import pandas as pd

    from ..experiments.compare import sample_futures
    from ..scenario.levers import Role, role_of
    from ..scenario.loading import ConfigError
    from ..scenario.names import canonical_name, invalid_rows

    vary = _parse_vary(args.vary)
    if args.futures is None:
        if vary:
            raise ConfigError("--vary needs --futures N (how many futures to sample)")
        return None
    text = args.futures.strip()
    if _looks_like_a_count(text):  # '-2', '2.5', '0' as well: a count, not a file's name
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_FUTURES):
            raise ConfigError(
                f"--futures {text}: the number of futures must be a whole number from 1 to "
                f"{MAX_FUTURES:,} (or the name of a CSV/Parquet table of futures)"
            )
        n = int(text)
        if not vary:
            raise ConfigError("--futures N needs at least one --vary NAME=LO:HI")
        ranges, integer = {}, []
        for key, (lo, hi) in vary.items():
            name = canonical_name(key, specs)
            if role_of(name) is Role.LEVER:
                raise ConfigError(
                    f"--vary '{name}' is a lever: set it per policy with --policy, not per future"
                )
            spec = specs[name]
            if lo < spec.lo or hi > spec.hi:
                raise ConfigError(
                    f"--vary '{name}' range [{lo:g}, {hi:g}] leaves the schema's "
                    f"[{spec.lo:g}, {spec.hi:g}]"
                )
            ranges[name] = (lo, hi)
            if spec.integer:
                integer.append(name)
        return sample_futures(ranges, n, args.seed or 0, integer)
    if vary:
        raise ConfigError("--vary samples futures; with a futures file leave it out")
    import io

    import numpy as np

    from ..scenario.safe_paths import read_input_bytes, show

    path = Path(check_path_text(text, "--futures"))
    # the safe reader: a regular file (a FIFO blocked forever on main), of bounded size
    raw = read_input_bytes(path, MAX_FUTURES_BYTES, "a CSV or Parquet table of futures")
    try:
        df = (
            pd.read_parquet(io.BytesIO(raw))
            if path.suffix == ".parquet"
            else pd.read_csv(io.BytesIO(raw))
        )
    except Exception as exc:  # pandas and pyarrow raise many types for unreadable tables
        raise ConfigError(
            f"--futures {show(path)}: unreadable table ({exc.__class__.__name__})"
        ) from None
    df = df.drop(columns=[c for c in ("future", "draw", "weight") if c in df.columns])
    if not 1 <= len(df) <= MAX_FUTURES or df.shape[1] == 0:
        raise ConfigError(
            f"--futures {show(path)}: {len(df)} rows and {df.shape[1]} parameter columns; "
            f"expected 1 to {MAX_FUTURES:,} rows and at least one column"
        )
    for col in df.columns:
        try:  # the file and column named, as for its values (the refusal named neither)
            spec = specs[canonical_name(str(col), specs)]
        except ConfigError as exc:
            raise ConfigError(f"--futures {show(path)}: column '{col}': {exc}") from None
        values = pd.to_numeric(df[col], errors="coerce")
        v = values.to_numpy(dtype=np.float64)
        bad = ~np.isfinite(v)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ConfigError(
                f"--futures {show(path)}: column '{col}' row {row + 1}: "
                f"{show(df[col].iloc[row], 40)!r} is not a finite number"
            )
        # the schema's checks, with the file and row named (the run would refuse it later
        # without saying where)
        off = np.logical_or(*invalid_rows(spec, v))
        if off.any():
            row = int(np.flatnonzero(off)[0])
            allowed = f"{'a whole number ' if spec.integer else ''}in [{spec.lo:g}, {spec.hi:g}]"
            raise ConfigError(
                f"--futures {show(path)}: column '{col}' row {row + 1}: {v[row]:g} is not {allowed}"
            )
        df[col] = values
    return df


def cmd_compare(args: argparse.Namespace) -> int:
    from ..engine.ensemble import Ensemble
    from ..scenario.library import resolve_scenario, scenario_path
    from ..scenario.loading import ConfigError
    from ..scenario.names import parse_value as _parse_value
    from ..scenario.safe_paths import OutputDir

    path = scenario_path(args.scenario)
    if not path.exists():
        raise ConfigError(f"--scenario: no scenario '{args.scenario}' ({path} does not exist)")
    check_sets(args.common, seed=args.seed, steps=args.steps)
    common = {}
    for item in args.common:
        key, eq, raw = item.partition("=")
        if not eq:
            raise ConfigError(f"--set '{item}' is not of the form key=value")
        common[key.strip()] = _parse_value(raw.strip())
    from ..core.events import OUTCOMES

    if args.outcome not in OUTCOMES:  # checked whether futures vary or not (it was accepted)
        raise ConfigError(
            f"--outcome: unknown outcome '{args.outcome}' (one of: {', '.join(OUTCOMES)})"
        )
    base = resolve_scenario(path)
    specs = Ensemble(base).specs
    from ..experiments.compare import parse_policy

    # parsed here, not inside compare(), so that a refusal names the command line's option
    policies = [parse_policy(text, specs, option="--policy") for text in args.policy]
    futures = _futures(args, specs)
    rows = len(args.policy) * args.replicates * (1 if futures is None else len(futures))
    if rows > MAX_ROWS:  # every arm's rows are held at once: refuse before any work
        n_fut = 1 if futures is None else len(futures)
        raise ConfigError(
            f"{len(args.policy)} policies x {args.replicates:,} replicates x {n_fut:,} "
            f"future{'s' if n_fut > 1 else ''} = {rows:,} runs, more than the {MAX_ROWS:,} a "
            "compare holds; use fewer replicates or futures (or a sweep)"
        )
    # checked before any work; written whole into a temporary sibling, then renamed into place
    stage = OutputDir(
        args.out or Path("outputs") / "compare",
        overwrite=args.overwrite or args.out is None, marker="effects.csv",
    )  # fmt: skip
    with stage:
        report = _compare_into(args, base, policies, futures, common, stage)
    # printed only once the folder is in place: a reader that goes away (`| head -1`) or a
    # stdout that fails (`> /dev/full`) must not cost the files (as with `run`)
    print("\n".join(report))
    return 0


def _compare_into(args: argparse.Namespace, base, policies, futures, common, stage) -> list[str]:
    """Run the compare, write its files into ``stage.tmp``; return the summary to print."""
    import json

    from ..engine.posterior import file_digest
    from ..experiments.compare import compare, forest_plot
    from ..experiments.robustness import robustness_table
    from ..scenario.provenance import provenance

    def say(msg: str) -> None:
        if not args.quiet:
            print(f"compare: {msg}", file=sys.stderr, flush=True)

    res = compare(
        policies, base, replicates=args.replicates, seed=args.seed, steps=args.steps,
        futures=futures, common=common, confidence=args.confidence, posterior=args.posterior,
        progress=say,
    )  # fmt: skip
    out = stage.tmp
    res.table.to_csv(out / "effects.csv", index=False)
    forest_plot(res.table, out / "forest.png")
    # what the effects are of: the command, the resolved base scenario, seed and arms
    prov = provenance(out=stage.out, scenario=base, argv=getattr(args, "argv", None))
    prov["compare"] = {
        "seed": res.seed, "replicates": res.replicates, "futures": len(res.futures),
        "reference": res.reference, "common": {k: str(v) for k, v in common.items()},
        "policies": {p.name: p.describe() for p in res.policies},
        "posterior": None if args.posterior is None else {
            "file": str(args.posterior),
            "sha256": file_digest(args.posterior),
        },
    }  # fmt: skip
    (out / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
    written = ["effects.csv", "forest.png", "provenance.json"]
    rob = None
    if len(res.futures) > 1:
        res.futures.to_csv(out / "futures.csv", index_label="future")
        rob = robustness_table(res, args.outcome)
        rob.to_csv(out / "robustness.csv", index=False)
        written += ["futures.csv", "robustness.csv"]
    n_rows = len(res.futures) * res.replicates
    lines = [
        f"compare on '{base.name}': {len(res.policies)} policies x {len(res.futures)} future(s) "
        f"x {res.replicates} replicates = {n_rows} paired runs each, seed {res.seed}, "
        f"{res.seconds:.1f} s"
    ]
    for pol in res.policies:
        lines.append(f"  {pol.name:<16} {pol.describe()}")
    shown = res.table[res.table["excludes_zero"]]
    lines.append(
        f"effects vs '{res.reference}' whose {args.confidence:.0%} interval excludes 0 "
        f"({len(shown)} of {len(res.table)}):"
    )
    for _, r in shown.iterrows():
        lines.append(
            f"  {r['policy']:<16} {r['outcome']:<22} {r['effect']:+.3f} "
            f"[{r['lo']:+.3f}, {r['hi']:+.3f}]  ({r['reference_value']:.3f} -> {r['value']:.3f})"
        )
    if rob is not None:
        lines.append(f"robustness of P({args.outcome}) across {len(res.futures)} futures:")
        for _, r in rob.iterrows():
            lines.append(
                f"  {r['policy']:<16} mean {r['mean']:.3f} [{r['mean_lo']:.3f}, "
                f"{r['mean_hi']:.3f}]  median {r['median']:.3f}  q95 {r['q95']:.3f}  "
                f"max regret {r['max_regret']:.3f}  best in {r['share_best']:.0%}"
            )
    lines.append("wrote " + ", ".join(str(stage.out / w) for w in written))
    return lines


def cmd_discover(args: argparse.Namespace) -> int:
    from ..experiments.discovery import discover

    d = discover(
        args.dir, args.outcome, threshold=args.threshold, dest=args.out,
        min_coverage=args.min_coverage, box=args.box,
    )  # fmt: skip
    print(
        f"{args.outcome}: {d.n} cases, base rate {d.base_rate:.3f}; PRIM box "
        f"(coverage {d.coverage:.3f}, density {d.density:.3f}, mass {d.mass:.3f}):"
    )
    print(f"  {d.box_text()}")
    if d.caution:
        print(f"  {d.caution}")
    for name, r in d.limits.iterrows():
        print(
            f"  {name:<36} [{r['min']:.4g}, {r['max']:.4g}]  "
            + ", ".join(
                f"qp {side} {r[f'qp_{side}']:.2g}"
                for side in ("lower", "upper")
                if r[f"qp_{side}"] == r[f"qp_{side}"]  # a side the box does not restrict: NaN
            )
        )
    top = d.scores[d.scores["above_noise"]]["parameter"].tolist()
    print(f"  above the noise floor (extra trees): {', '.join(top) or 'none'}")
    print(f"  CART training accuracy {d.cart_accuracy:.3f}")
    print("wrote " + ", ".join(str(f) for f in d.files))
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    from ..experiments.study import run_study
    from ..scenario.provenance import command_text

    path = run_study(args.spec, quiet=args.quiet, out=args.out, command=command_text(args.argv))
    print(f"wrote {path}")
    return 0
