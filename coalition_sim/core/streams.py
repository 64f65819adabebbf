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
from typing import Any

import numpy as np
from numba import float64, int64, uint64, void

from .jit import cached, compiled

__all__ = [
    "GOLDEN",
    "M1",
    "M2",
    "MAX_ACTORS",
    "SLOT_KEYS",
    "WEEKLY_DRAWS",
    "WORLD",
    "Draw",
    "WeekDraw",
    "draw",
    "mix",
    "seed_keys",
    "slot_key",
    "step_key",
    "uniform",
    "week_slot_keys",
    "week_uniforms",
]

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

#: The slots every actor draws every week (:data:`Draw` 0 .. 6). The weekly kernel draws
#: them, with the target's mode and rung and the world's proposal, in one vectorised pass
#: (:func:`week_uniforms`); the numbers are the same as :func:`draw`'s.
WEEKLY_DRAWS = 7


class WeekDraw(IntEnum):
    """The week's numbers that follow the actors' block in :func:`week_uniforms`'s output
    (at ``actors * WEEKLY_DRAWS + WeekDraw.X``): the target's mode and rung, the world's
    proposal."""

    MODE = 0
    PROVOCATION = 1
    PROPOSE = 2


@cached
def mix(x: Any) -> Any:
    """SplitMix64 finaliser on uint64 scalars or arrays (wrapping arithmetic): THE mixer of
    the package, compiled so that the weekly kernel calls it inside its replicate loop.

    Callers mixing numpy scalars outside compiled code wrap it in
    ``np.errstate(over="ignore")``."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


def seed_keys(seeds: np.ndarray | int) -> np.ndarray:
    """Mixed per-replicate keys from integer seeds (shape (R,), dtype uint64)."""
    s = np.atleast_1d(np.asarray(seeds, dtype=np.uint64))
    return mix(s * _GOLDEN + _GOLDEN)


# Explicit uint64 signatures: a key is the same number whether Python passes an ``int`` or a
# ``numpy.uint64`` (an int key used to be typed int64, mixed as float and gave other numbers),
# keys up to 2**64 - 1 work and a negative key is refused (OverflowError).


@compiled(uint64(uint64, int64))
def step_key(key: np.uint64, step: int) -> np.uint64:
    """The key of one replicate's week: every draw of that week mixes it with its slot."""
    return mix(key ^ (np.uint64(step) * _GOLDEN + _M1))


#: Actors whose slot keys are tabled (the schema allows at most 64 actors).
MAX_ACTORS = 64


def slot_key(actor: int, slot: int) -> np.uint64:
    """The mixed constant of (actor, draw slot) that a week key is mixed with (the same
    arithmetic as :func:`mix`, in numpy: no compile at import)."""
    with np.errstate(over="ignore"):
        x = np.uint64((actor << 8) + slot) + _GOLDEN
        x = (x ^ (x >> _S30)) * _M1
        x = (x ^ (x >> _S27)) * _M2
        return np.uint64(x ^ (x >> _S31))


#: slot_key(actor, slot) for every actor index below MAX_ACTORS and every slot: the weekly
#: kernel looks them up instead of mixing them again (same numbers, one mix less per draw).
SLOT_KEYS = np.array(
    [[slot_key(a, k) for k in range(N_DRAWS)] for a in range(MAX_ACTORS)], dtype=np.uint64
)


@compiled(float64(uint64, int64, int64))
def draw(week_key: np.uint64, actor: int, slot: int) -> float:
    """One uniform number in [0, 1) for (week key, actor, draw slot); the compiled weekly
    kernel computes the week key once per replicate and week (:func:`step_key`). The
    (actor, slot) constant comes from :data:`SLOT_KEYS` (mixed on the fly for :data:`WORLD`)."""
    if actor < MAX_ACTORS:
        sk = SLOT_KEYS[actor, slot]
    else:
        sk = mix((np.uint64(actor) << np.uint64(8)) + np.uint64(slot) + _GOLDEN)
    bits = mix(week_key ^ sk)
    return float(bits >> _S11) * _TO_UNIT


def week_slot_keys(actors: int, target: int) -> np.ndarray:
    """The slot constants of the numbers drawn every week, in :func:`week_uniforms`'s order:
    ``actors`` x the :data:`WEEKLY_DRAWS` slots, then the target's mode and provocation and
    the world's proposal (uint64, read by the compiled phases from the structure record)."""
    rows = [SLOT_KEYS[i, k] for i in range(actors) for k in range(WEEKLY_DRAWS)]
    after = {
        WeekDraw.MODE: SLOT_KEYS[target, Draw.MODE],
        WeekDraw.PROVOCATION: SLOT_KEYS[target, Draw.PROVOCATION],
        WeekDraw.PROPOSE: slot_key(WORLD, Draw.PROPOSE),
    }
    rows += [after[k] for k in WeekDraw]
    # padded to a whole number of 8-lane vectors (the padding's numbers are never read)
    rows += [rows[-1]] * (-len(rows) % 8)
    return np.array(rows, dtype=np.uint64)


@compiled(void(uint64, uint64[::1], float64[::1]))
def week_uniforms(week_key: np.uint64, slot_keys: np.ndarray, out: np.ndarray) -> None:
    """``out[k] = draw(week_key, ...)`` for every slot constant of :func:`week_slot_keys`:
    the same numbers as :func:`draw`, computed in one loop that the compiler turns into
    vector instructions (eight 64-bit lanes where the processor has them)."""
    for k in range(slot_keys.shape[0]):
        out[k] = float(mix(week_key ^ slot_keys[k]) >> _S11) * _TO_UNIT


@compiled(float64(uint64, int64, int64, int64))
def uniform(key: np.uint64, step: int, actor: int, slot: int) -> float:
    """One uniform number in [0, 1) for (replicate key, step, actor, draw slot): exactly the
    number the model draws (``draw(step_key(key, step), actor, slot)``), with no state and no
    buffers, the same whatever else is drawn beside it."""
    return draw(step_key(key, step), actor, slot)
