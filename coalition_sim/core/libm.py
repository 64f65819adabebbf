"""The C library's ``exp`` and ``pow`` for the compiled core, called without their error wrappers.

Compiled code calls ``math.exp`` and ``x ** y`` through the C library's public ``exp`` and
``pow``. On glibc the symbols numba binds are error-reporting wrappers around the C library's
own computation (``__ieee754_exp``, ``__ieee754_pow``): they call it, then check the result
only to set ``errno`` on an overflow or underflow, and return the very number it returned.
The weekly kernel spends about a fifth of its time in these two functions, a quarter of that
in the wrappers. :func:`exp` and :func:`power` call the computation directly (glibc exports it
as ``__exp_finite`` and ``__pow_finite``): the same function of the same libm, so the same bits.

How: each is a plain Python function (``math.exp``, ``**``: what runs with
``NUMBA_DISABLE_JIT=1``) with a numba overload that calls an external symbol of the core's own
(``coalition_sim_exp``, ``coalition_sim_pow``), registered with LLVM at import: the direct
computation where the C library exports it and, checked on sample arguments, returns the
same numbers as the function numba binds; otherwise numba's own binding (the behaviour before).
numba's own ``exp`` and ``pow`` are left as they are. :data:`DIRECT` says which is in force.
"""

from __future__ import annotations

import ctypes
import math
import os
import struct
from typing import Any

__all__ = ["DIRECT", "exp", "power"]

_EXP, _POW = "coalition_sim_exp", "coalition_sim_pow"
#: Arguments on which the direct functions must give numba's bits (else they are not used).
_EXP_ARGS = (-745.2, -30.0, -1.5, -1e-9, 0.0, 2.2e-308, 0.3, 1.0, 17.5, 709.7, 710.0)
_POW_ARGS = ((0.0, 0.88), (1e-12, 0.88), (0.25, 0.5), (0.7, 0.88), (1.0, 0.3), (2.5, 1.7))


def exp(x: float) -> float:
    """e to the power ``x``: ``math.exp`` from Python, the C library's computation compiled."""
    return math.exp(x)


def power(x: float, y: float) -> float:
    """``x ** y`` for ``x >= 0``: Python's power from Python, the C library's ``pow``
    computation compiled."""
    return x**y


def _bits(v: float) -> bytes:
    return struct.pack("<d", v)


def _direct(numba_exp: int, numba_pow: int) -> tuple[int, int] | None:
    """Addresses of glibc's ``__exp_finite`` and ``__pow_finite`` if they give the same
    numbers as the functions at ``numba_exp`` and ``numba_pow``; None otherwise."""
    try:
        libm = ctypes.CDLL("libm.so.6")
        dlvsym = ctypes.CDLL(None).dlvsym
    except (OSError, AttributeError):
        return None
    dlvsym.restype = ctypes.c_void_p
    dlvsym.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    e = dlvsym(libm._handle, b"__exp_finite", b"GLIBC_2.15")
    p = dlvsym(libm._handle, b"__pow_finite", b"GLIBC_2.15")
    if not e or not p:
        return None
    unary = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)
    binary = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_double)
    ours_e, theirs_e = unary(e), unary(numba_exp)
    ours_p, theirs_p = binary(p), binary(numba_pow)
    for x in _EXP_ARGS:
        if _bits(ours_e(x)) != _bits(theirs_e(x)):
            return None
    for x, y in _POW_ARGS:
        if _bits(ours_p(x, y)) != _bits(theirs_p(x, y)):
            return None
    return e, p


def _install() -> bool:
    import llvmlite.binding as ll  # type: ignore[import-untyped]
    from llvmlite import ir  # type: ignore[import-untyped]
    from numba import _helperlib, types
    from numba.core import cgutils
    from numba.extending import intrinsic, overload

    helpers = _helperlib.c_helpers  # type: ignore[attr-defined]  # numba's `exp` and `pow`
    found = _direct(helpers["exp"], helpers["pow"])
    e, p = found if found is not None else (helpers["exp"], helpers["pow"])
    ll.add_symbol(_EXP, e)
    ll.add_symbol(_POW, p)
    f8 = ir.DoubleType()

    def external(name: str, n: int) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(f8, [f8] * n), name)
            return builder.call(fn, args)

        return codegen

    @intrinsic
    def _exp(typingctx: Any, x: Any) -> Any:
        return types.float64(types.float64), external(_EXP, 1)

    @intrinsic
    def _pow(typingctx: Any, x: Any, y: Any) -> Any:
        return types.float64(types.float64, types.float64), external(_POW, 2)

    # (no annotations: numba compares the template's signature with the implementation's)
    @overload(exp, inline="always")
    def _exp_impl(x):  # type: ignore[no-untyped-def]
        return lambda x: _exp(float(x))

    @overload(power, inline="always")
    def _pow_impl(x, y):  # type: ignore[no-untyped-def]
        return lambda x, y: _pow(float(x), float(y))

    return found is not None


#: True when the compiled core calls the C library's computations directly (glibc).
DIRECT = False if os.environ.get("NUMBA_DISABLE_JIT", "0") == "1" else _install()
