"""Fingerprints of the model's outputs, taken through the command line only.

The command line is the one interface that survives any internal move, so these hashes
pin behaviour across refactors: every scenario in ``configs/`` (two seeds each), one sweep
dataset and a small calibration fit. ``tests/test_golden.py`` compares against
``hashes.json``; regenerate it only when a change of model behaviour is intended::

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
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
HASHES = Path(__file__).with_name("hashes.json")
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
    out: dict[str, str] = {}
    for cfg in scenario_configs():
        for seed in SEEDS:
            d = tmp / f"{cfg.stem}-{seed}"
            _cli(
                "run",
                "--config",
                str(cfg),
                "--seed",
                str(seed),
                "--steps",
                "60",
                "--out",
                str(d),
                "--no-plot",
            )
            key = f"{cfg.relative_to(ROOT)}@{seed}"
            for name in RUN_FILES:
                out[f"{key}:{name}"] = _sha((d / name).read_bytes())
            out[f"{key}:summary.json"] = _summary_hash(d / "summary.json")
    return out


def _frame_hash(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.sort_values(list(df.columns[:2])).reset_index(drop=True).to_csv(buf, index=False)
    return _sha(buf.getvalue().encode())


def sweep_hash(tmp: Path) -> dict[str, str]:
    d = tmp / "sweep"
    _cli("sweep", "demo_grid", "--out", str(d), "--quiet", "--workers", "1")
    runs = pd.read_parquet(d / "runs")
    return {"sweep:demo_grid:runs": _frame_hash(runs)}


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
    return {"calibration:posterior": _frame_hash(post)}


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
    print(json.dumps(hashes, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
