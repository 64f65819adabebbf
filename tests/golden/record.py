"""Fingerprints of the model's outputs, taken through the command line only.

The command line is the one interface that survives any internal move, so these hashes
pin behaviour across refactors: every scenario in ``configs/`` (two seeds each), one sweep
dataset and a small calibration fit. ``tests/test_golden.py`` compares against
``hashes.json``. Beside each hash, ``columns.json`` keeps a profile of every column of the
diffable tables (count, mean, min, max, first and last value, a column hash), so a changed
fingerprint says which file, which column and how far (:func:`explain`); a change within the
documented last-bit tolerance (:data:`RTOL`) is reported but accepted. Regenerate both only
when a change of model behaviour is intended::

    .venv/bin/python tests/golden/record.py --write
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
HASHES = Path(__file__).with_name("hashes.json")
COLUMNS = Path(__file__).with_name("columns.json")
#: The documented last-bit tolerance: a changed table whose every numeric column profile
#: agrees to this relative tolerance (and whose other columns are unchanged) is accepted.
RTOL = 1e-9
#: Column profiles of the last :func:`compute`, by fingerprint key.
PROFILES: dict[str, dict[str, dict]] = {}
SEEDS = (0, 7)
RUN_FILES = ("trajectory.csv", "events.csv")


def _cli(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], check=True, cwd=ROOT, capture_output=True
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _summary_hash(path: Path) -> str:
    summary = json.loads(path.read_text())
    for key in ("wall_time", "provenance"):
        summary.pop(key, None)
    return _sha(json.dumps(summary, sort_keys=True).encode())


def scenario_configs() -> list[Path]:
    return sorted((ROOT / "configs").glob("*.toml")) + sorted(
        (ROOT / "configs" / "history").glob("*.toml")
    )


def run_hashes(tmp: Path) -> dict[str, str]:
    """Every scenario x seed through the command line's ``run`` (``cli.main.main``, the
    function behind ``run.py``, with the same arguments), one after the other in this
    process: 18 subprocesses each paid the interpreter's start-up and the imports (~2 s)
    for well under a second of model run (42 s of the suite on two cores)."""
    from coalition_sim.cli.main import main as cli

    jobs = [(cfg, seed, tmp / f"{cfg.stem}-{seed}") for cfg in scenario_configs() for seed in SEEDS]
    for cfg, seed, d in jobs:
        argv = ["run", "--config", str(cfg), "--seed", str(seed), "--steps", "60",
                "--out", str(d), "--no-plot"]  # fmt: skip
        with redirect_stdout(io.StringIO()):
            status = cli(argv)
        if status != 0:
            raise RuntimeError(f"run.py {' '.join(argv)} exited with {status}")
    out: dict[str, str] = {}
    for cfg, seed, d in jobs:
        key = f"{cfg.relative_to(ROOT)}@{seed}"
        for name in RUN_FILES:
            out[f"{key}:{name}"] = _sha((d / name).read_bytes())
            PROFILES[f"{key}:{name}"] = profile(pd.read_csv(d / name))
        out[f"{key}:summary.json"] = _summary_hash(d / "summary.json")
        PROFILES[f"{key}:summary.json"] = _summary_profile(d / "summary.json")
    return out


def _frame_hash(df: pd.DataFrame, key: str) -> str:
    buf = io.StringIO()
    df = df.sort_values(list(df.columns[:2])).reset_index(drop=True)
    df.to_csv(buf, index=False)
    PROFILES[key] = profile(df)
    return _sha(buf.getvalue().encode())


def profile(df: pd.DataFrame) -> dict[str, dict]:
    """Per column: a hash of its values, the row count and, for numbers, mean, min, max, the
    first and the last value (what :func:`explain` compares)."""
    out: dict[str, dict] = {}
    for col in df.columns:
        s = df[col]
        entry: dict = {"sha": _sha(s.to_csv(index=False).encode())[:10], "n": int(s.size)}
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and s.size:
            x = s.astype(float)
            entry.update(
                mean=float(x.mean()), min=float(x.min()), max=float(x.max()),
                first=float(x.iloc[0]), last=float(x.iloc[-1]),
            )  # fmt: skip
        out[str(col)] = entry
    return out


def _leaves(obj, prefix: str = "") -> dict:
    if isinstance(obj, dict):
        return {
            k: v for key, val in obj.items() for k, v in _leaves(val, f"{prefix}{key}.").items()
        }
    if isinstance(obj, list):
        return {k: v for i, val in enumerate(obj) for k, v in _leaves(val, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): obj}


def _summary_profile(path: Path) -> dict[str, dict]:
    summary = json.loads(path.read_text())
    for key in ("wall_time", "provenance"):
        summary.pop(key, None)
    return profile(pd.DataFrame({k: [v] for k, v in _leaves(summary).items()}))


def write_columns(profiles: dict[str, dict[str, dict]]) -> None:
    """``columns.json``: one line per table (summary.json files are left out: they repeat the
    run's final values), numbers to 12 significant digits (ample for :data:`RTOL`)."""

    def short(entry: dict) -> dict:
        return {k: float(f"{v:.12g}") if isinstance(v, float) else v for k, v in entry.items()}

    lines = [
        f"{json.dumps(key)}: {json.dumps({c: short(e) for c, e in cols.items()}, sort_keys=True)}"
        for key, cols in sorted(profiles.items())
        if not key.endswith("summary.json")
    ]
    COLUMNS.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def _far(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def explain(old: dict[str, dict] | None, new: dict[str, dict] | None) -> tuple[bool, list[str]]:
    """(within the last-bit tolerance, one line per changed column saying how far)."""
    if old is None or new is None:
        return False, ["no column profile recorded (regenerate with record.py --write)"]
    lines, within = [], True
    for col in sorted(set(old) | set(new)):
        a, b = old.get(col), new.get(col)
        if a is None or b is None:
            within = False
            lines.append(f"column {col!r} {'added' if a is None else 'removed'}")
            continue
        if a["sha"] == b["sha"]:
            continue
        if a["n"] != b["n"]:
            within = False
            lines.append(f"column {col!r}: {a['n']} -> {b['n']} rows")
            continue
        if "mean" not in a or "mean" not in b:
            within = False
            lines.append(f"column {col!r}: values changed (not numeric)")
            continue
        stats = ("mean", "min", "max", "first", "last")
        worst = max(stats, key=lambda s: _far(a[s], b[s]))
        rel = _far(a[worst], b[worst])
        within &= rel <= RTOL
        lines.append(
            f"column {col!r}: {worst} {a[worst]:.12g} -> {b[worst]:.12g} (relative {rel:.2g}; "
            f"mean {a['mean']:.6g} -> {b['mean']:.6g})"
        )
    return within, lines


def sweep_hash(tmp: Path) -> dict[str, str]:
    d = tmp / "sweep"
    _cli("sweep", "demo_grid", "--out", str(d), "--quiet", "--workers", "1")
    runs = pd.read_parquet(d / "runs")
    return {"sweep:demo_grid:runs": _frame_hash(runs, "sweep:demo_grid:runs")}


def calibration_hash(tmp: Path) -> dict[str, str]:
    d = tmp / "cal"
    _cli(
        "calibrate",
        "tests/golden/targets_legacy.toml",
        "--method",
        "rejection",
        "--out",
        str(d),
        "--candidates",
        "32",
        "--replicates",
        "4",
        "--scenario-dir",
        str(tmp / "scn"),
        "--quiet",
        "--workers",
        "1",
    )
    post = pd.read_csv(d / "posterior.csv")
    return {"calibration:posterior": _frame_hash(post, "calibration:posterior")}


def compute() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        return {**run_hashes(tmp), **sweep_hash(tmp), **calibration_hash(tmp)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="overwrite hashes.json")
    args = ap.parse_args()
    hashes = compute()
    if args.write:
        HASHES.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
        write_columns(PROFILES)
    print(json.dumps(hashes, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
