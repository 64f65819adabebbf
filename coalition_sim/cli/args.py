"""Argument types shared by the sub-commands (one-line errors through argparse)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ..scenario.errors import ConfigError
from ..scenario.limits import MAX_ROWS, checked_workers, max_workers
from ..scenario.safe_paths import check_path_text
from ..scenario.seeds import parse_seed

__all__ = [
    "MAX_FUTURES",
    "MAX_REPLICATES",
    "MAX_ROWS",
    "bounded_int",
    "check_sets",
    "input_path",
    "max_workers",
    "output_arg",
    "positive_int",
    "seed",
    "weeks",
    "worker_count",
]

#: Upper bounds of counts typed on the command line (issue 23: ``compare --replicates
#: 1000000000000`` ended in a MemoryError traceback); MAX_ROWS, the runs a call holds at once,
#: is shared with the Python API (``scenario.limits``).
MAX_REPLICATES = 1_000_000
MAX_FUTURES = 100_000


def _ascii_digits(text: str) -> None:
    """Counts are typed in ASCII digits: Python's ``int`` also reads other scripts' digits
    (a full-width 5, an Arabic-Indic 3), which a ``--set`` value or a page field refuses; the command line does too."""
    if not text.isascii():
        raise argparse.ArgumentTypeError(f"expected a whole number in digits 0-9, got {text!r}")


def positive_int(text: str) -> int:
    _ascii_digits(text)
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def bounded_int(lo: int, hi: int, why: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number from ``lo`` to ``hi`` (``why`` explains the bound)."""

    def parse(text: str) -> int:
        _ascii_digits(text)
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not lo <= value <= hi:
            reason = f" ({why})" if why else ""
            raise argparse.ArgumentTypeError(f"must be from {lo:,} to {hi:,}{reason}, got {value}")
        return value

    return parse


def _most_weeks() -> int:
    """The schema's own upper bound of ``steps`` (declared once, in ``Scenario``)."""
    from ..scenario.schema import Scenario

    return next(int(m.le) for m in Scenario.model_fields["steps"].metadata if hasattr(m, "le"))


def weeks(text: str) -> int:
    """A ``--steps`` value: a whole number of weeks in the schema's range of ``steps``. Above it,
    the refusal named the scenario file and an "override 'steps=...'" nobody typed."""
    return bounded_int(1, _most_weeks(), "a scenario's steps")(text)


def input_path(text: str) -> Path:
    """A file or folder to read, checked like ``--config``: no NUL byte, no empty value, no
    over-long name (the file itself is checked when it is opened)."""
    try:
        return Path(check_path_text(text, "path"))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seed(text: str) -> int:
    """A ``--seed`` value (the one seed rule: :func:`coalition_sim.scenario.seeds.parse_seed`)."""
    try:
        return parse_seed(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def worker_count(text: str) -> int:
    """``--workers``: a whole number from 1 to :func:`max_workers` (the API's rule,
    :func:`coalition_sim.scenario.limits.checked_workers`)."""
    value = positive_int(text)
    try:
        return checked_workers(value, "it")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("it ")) from None


def output_arg(text: str) -> Path:
    """An output folder: refuses '' (which ``Path`` would turn into '.'), NUL bytes and
    over-long names; the folder itself is checked by ``safe_paths.check_output_dir``."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an output folder may not be empty")
    try:
        return Path(check_path_text(text, "output folder"))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def check_sets(items: list[str], **options: object) -> None:
    """``--set`` values that contradict each other are refused: one key given twice, or a
    key with its own option given too (``--seed``, ``--steps``: pass ``seed=args.seed``).
    The later value (or the option) won in silence; the page refuses ``seed=`` for the same
    reason. Items without ``=`` are left to their own refusal."""
    from ..scenario.names import canonical_key

    seen: dict[str, str] = {}
    for item in items:
        key, eq, _ = item.partition("=")
        if not eq:
            continue
        name = canonical_key(key)
        if name in seen:
            raise ConfigError(
                f"--set '{seen[name]}' and --set '{item}' both set '{name}'; give it once"
            )
        seen[name] = item
        if options.get(name) is not None:
            raise ConfigError(
                f"--set '{item}' and --{name} {options[name]} both set the {name}; give one"
            )
