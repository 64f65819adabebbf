"""Seeded inputs for the known-answer tests of the rules (tests/test_rules*.py)."""

from __future__ import annotations

import numpy as np

RNG_SEED = 20161
N = 64


def draws(*ranges: tuple[float, float], n: int = N, seed: int = RNG_SEED) -> list[np.ndarray]:
    """Seeded inputs: one array of ``n`` uniforms per (low, high) range."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(lo, hi, n) for lo, hi in ranges]


B = "bool"


def flags(n: int = N, seed: int = RNG_SEED + 1) -> np.ndarray:
    return np.random.default_rng(seed).random(n) < 0.5


def each(rule, **columns):  # type: ignore[no-untyped-def]
    """The rule applied row by row to columns of inputs (keyword arguments, as the phases call
    it), as a float array."""
    n = len(next(iter(columns.values())))
    rows = [{k: v[i].item() for k, v in columns.items()} for i in range(n)]
    return np.array([float(rule(**row)) for row in rows])


def clip(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0)


def inputs(spec: dict[str, object], seed: int) -> dict[str, np.ndarray]:
    """Seeded columns: (lo, hi) floats, "bool" flags or a list of integer codes."""
    rng = np.random.default_rng(seed)
    cols = {}
    for name, kind in spec.items():
        if kind == B:
            cols[name] = rng.random(N) < 0.5
        elif isinstance(kind, list):
            cols[name] = rng.choice(np.array(kind, dtype=np.int64), N)
        else:
            lo, hi = kind  # type: ignore[misc]
            cols[name] = rng.uniform(lo, hi, N)
    return cols


def logit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
