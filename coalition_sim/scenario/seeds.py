"""The one rule for seeds: a whole number in ``[0, SEED_LIMIT)``.

Seeds key the counter-based random streams (``core.streams``) and Mesa's ``rng``; 2**63 keeps
them non-negative signed 64-bit integers, which numpy, Mesa, Parquet and JSON all carry
exactly. The command line, sweep specs, calibration and the browser UI all parse seeds here.
"""

from __future__ import annotations

__all__ = ["SEED_LIMIT", "checked_seed", "parse_seed", "whole_number"]

#: Seeds are whole numbers in [0, SEED_LIMIT).
SEED_LIMIT = 2**63


def parse_seed(text: str | int | None) -> int:
    """A seed from text (or an int); ``ValueError`` with a one-line reason otherwise."""
    raw = str(text if text is not None else "").strip()
    allowed = f"must be a whole number from 0 to {SEED_LIMIT - 1:,}"  # said whatever is wrong
    try:
        if not raw.isascii():  # int() also reads other scripts' digits ('٣' as 3)
            raise ValueError
        value = int(raw)
    except ValueError:
        raise ValueError(f"{allowed}, not {raw!r}") from None
    if not 0 <= value < SEED_LIMIT:
        raise ValueError(f"{allowed}, not {value}")
    return value


def checked_seed(value: object) -> int:
    """A seed passed to the Python API (``run_ensemble``, ``ema_model``): :func:`parse_seed`,
    with a one-line ConfigError as on the command line."""
    from .errors import ConfigError

    try:
        return parse_seed(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"seed {exc}") from None


def whole_number(value: object, what: str, minimum: int, unit: str = "") -> int:
    """A count passed to the Python API: an int (not a bool, not 2.5, not '10') of at least
    ``minimum``; a one-line ConfigError otherwise."""
    import numpy as np

    from .errors import ConfigError

    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(
            f"{what} must be a whole number{' of ' + unit if unit else ''} from {minimum}, "
            f"not {value!r}"
        )
    return int(value)
