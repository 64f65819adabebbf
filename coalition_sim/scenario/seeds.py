"""The one rule for seeds: a whole number in ``[0, SEED_LIMIT)``.

Seeds key the counter-based random streams (``core.streams``) and Mesa's ``rng``; 2**63 keeps
them non-negative signed 64-bit integers, which numpy, Mesa, Parquet and JSON all carry
exactly. The command line, sweep specs, calibration and the browser UI all parse seeds here.
"""

from __future__ import annotations

__all__ = ["SEED_LIMIT", "parse_seed"]

#: Seeds are whole numbers in [0, SEED_LIMIT).
SEED_LIMIT = 2**63


def parse_seed(text: str | int | None) -> int:
    """A seed from text (or an int); ``ValueError`` with a one-line reason otherwise."""
    raw = str(text if text is not None else "").strip()
    try:
        if not raw.isascii():  # int() also reads other scripts' digits ('٣' as 3)
            raise ValueError
        value = int(raw)
    except ValueError:
        raise ValueError(f"must be a whole number, not {raw!r}") from None
    if not 0 <= value < SEED_LIMIT:
        raise ValueError(f"must be a whole number from 0 to {SEED_LIMIT - 1:,}, not {value}")
    return value
