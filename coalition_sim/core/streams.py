"""Counter-based random streams: a uniform number is a pure function of (seed, step, actor, draw).

Because no generator state is carried from one draw to the next, a replicate's numbers do not
depend on how many other replicates run beside it, on chunking or on worker order. This is what
lets the Mesa model (one replicate, one actor at a time) and the vectorised ensemble engine
(many replicates, all actors at once) produce the same trajectories bit for bit.

The mixer is SplitMix64's finaliser (Steele, Lea and Flood 2014), applied to a key built by
chaining the mixed seed with the step and then with a pre-mixed (actor, draw) constant.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["GOLDEN", "M1", "M2", "WORLD", "Draw", "mix", "seed_keys", "uniforms"]

#: SplitMix64 constants: the golden-ratio increment and the finaliser's two multipliers.
GOLDEN = _GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = _M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = _M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_TO_UNIT = 2.0**-53
_S11 = np.uint64(11)

#: Actor index used for model-level (world) draws; larger than any actor count allowed.
WORLD = 1 << 20


class Draw(IntEnum):
    """Named draw slots; each (actor, slot) pair is an independent stream."""

    COMMIT_NOISE = 0
    ENGAGE_NOISE = 1
    STANDING_NOISE = 2
    OUTBURST = 3
    SHIFT = 4
    SHIFT_SIGN = 5
    SIGNAL = 6
    CANCEL = 7
    HEDGE = 8
    CONSULT = 9
    MODE = 10
    PROVOCATION = 11
    ACCEPT = 12
    RESPONSE = 13
    # world draws
    PROPOSE = 14
    HOLD = 15
    REVIVE = 16


N_DRAWS = len(Draw)


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic): THE mixer of the package.

    Callers mixing numpy scalars wrap it in ``np.errstate(over="ignore")``."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


def seed_keys(seeds: np.ndarray | int) -> np.ndarray:
    """Mixed per-replicate keys from integer seeds (shape (R,), dtype uint64)."""
    s = np.atleast_1d(np.asarray(seeds, dtype=np.uint64))
    return mix(s * _GOLDEN + _GOLDEN)


def _slot_keys(actors: np.ndarray, draws: np.ndarray) -> np.ndarray:
    a = np.asarray(actors, dtype=np.uint64)[:, None]
    d = np.asarray(draws, dtype=np.uint64)[None, :]
    return mix((a << np.uint64(8)) + d + _GOLDEN)


def uniforms(
    keys: np.ndarray, step: int, actors: np.ndarray | list[int], draws: np.ndarray | list[int]
) -> np.ndarray:
    """Uniform numbers in [0, 1) of shape (R, len(actors), len(draws)).

    ``keys`` come from :func:`seed_keys`; ``actors`` are actor indices (or :data:`WORLD`);
    ``draws`` are :class:`Draw` slots. Entry [r, i, k] depends only on
    (seed r, step, actors[i], draws[k]).
    """
    with np.errstate(over="ignore"):
        step_key = mix(keys ^ (np.uint64(step) * _GOLDEN + _M1))
        slots = _slot_keys(np.asarray(actors), np.asarray(draws))
        bits = mix(step_key[:, None, None] ^ slots[None, :, :])
    return (bits >> _S11).astype(np.float64) * _TO_UNIT
