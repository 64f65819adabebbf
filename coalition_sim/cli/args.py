"""Argument types shared by the sub-commands (one-line errors through argparse)."""

from __future__ import annotations

import argparse

from ..scenario.seeds import parse_seed

__all__ = ["positive_int", "seed"]


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
