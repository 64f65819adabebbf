"""Argument types shared by the sub-commands (one-line errors through argparse)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..scenario.errors import ConfigError
from ..scenario.safe_paths import check_path_text
from ..scenario.seeds import parse_seed

__all__ = ["max_workers", "output_arg", "positive_int", "seed", "worker_count"]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed(text: str) -> int:
    """A ``--seed`` value (the one seed rule: :func:`coalition_sim.scenario.seeds.parse_seed`)."""
    try:
        return parse_seed(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def max_workers() -> int:
    """Upper bound on worker processes: 4 per core (at least 8); more only costs memory."""
    return max(8, 4 * (os.cpu_count() or 1))


def worker_count(text: str) -> int:
    """``--workers``: a whole number from 1 to :func:`max_workers`."""
    value = positive_int(text)
    if value > max_workers():
        raise argparse.ArgumentTypeError(
            f"must be at most {max_workers()} (4 per core on this machine), got {value}"
        )
    return value


def output_arg(text: str) -> Path:
    """An output folder: refuses '' (which ``Path`` would turn into '.'), NUL bytes and
    over-long names; the folder itself is checked by ``safe_paths.check_output_dir``."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an output folder may not be empty")
    try:
        return Path(check_path_text(text, "output folder"))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
