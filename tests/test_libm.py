"""The compiled core's ``exp`` and ``pow`` (coalition_sim/core/libm.py): the C library's
computation called without its error wrapper gives the bits numba's own binding gives."""

from __future__ import annotations

import math
import platform
import struct
import sys

import numpy as np
from numba import njit

from coalition_sim.core import libm
from coalition_sim.core import rules as R


def _bits(v: float) -> bytes:
    return struct.pack("<d", v)


@njit
def _numba_exp(x):  # type: ignore[no-untyped-def]
    return math.exp(x)


@njit
def _numba_pow(x, y):  # type: ignore[no-untyped-def]
    return x**y


@njit
def _core_exp(x):  # type: ignore[no-untyped-def]
    return libm.exp(x)


@njit
def _core_pow(x, y):  # type: ignore[no-untyped-def]
    return libm.power(x, y)


def test_direct_on_glibc():
    """With glibc the direct computations are in force (otherwise the speed-up is lost
    without a sign)."""
    if sys.platform == "linux" and platform.libc_ver()[0] == "glibc":
        assert libm.DIRECT


def test_same_bits_as_numba_exp_and_pow():
    rng = np.random.default_rng(20)
    xs = np.concatenate([rng.normal(0.0, 8.0, 4000), rng.uniform(-750, 720, 1000), [0.0, -0.0]])
    for x in xs:
        x = float(x)
        assert _bits(_core_exp(x)) == _bits(_numba_exp(x)), x
        if x < 700.0:  # Python's math.exp raises OverflowError above ~709.78
            assert _bits(libm.exp(x)) == _bits(_numba_exp(x)), x
    bases = np.concatenate([rng.uniform(0.0, 2.0, 3000), [0.0, 1.0, 1e-300]])
    powers = rng.uniform(0.05, 2.0, bases.size)
    for x, y in zip(bases, powers, strict=True):
        assert _bits(_core_pow(float(x), float(y))) == _bits(_numba_pow(float(x), float(y)))


def test_rules_use_them_with_the_same_bits():
    """The logistic and the prospect-theory value function, compiled, against plain Python."""
    rng = np.random.default_rng(21)
    for x in rng.normal(0.0, 10.0, 2000):
        x = float(x)
        assert _bits(R.logistic(x)) == _bits(1.0 / (1.0 + math.exp(-x)))
        assert _bits(R.kt_value(x, 0.88, 0.9, 2.25)) == _bits(
            abs(x) ** 0.88 if x >= 0 else -2.25 * abs(x) ** 0.9
        )
