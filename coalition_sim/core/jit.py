"""How the compiled core is compiled and cached.

Every rule and phase is compiled by numba with ``cache=True`` (compiled once per machine and
reused by later processes) and ``_nrt=False``: the compiled code allocates nothing, so no
reference counting runs in the loop over replicates (it cost 3x in time when it did; scratch
buffers are passed in instead).

numba checks a cached function against its own source file only, but a cached kernel has the
rules it calls compiled into it. So the cache of this package is keyed on all compiled
sources of the core together (:data:`SOURCES`): editing a rule recompiles every kernel.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from numba import njit
from numba.core.caching import (
    CacheImpl,
    InTreeCacheLocator,
    UserProvidedCacheLocator,
    UserWideCacheLocator,
)

__all__ = ["SOURCES", "compiled", "inlined", "stamp"]

_CORE = Path(__file__).resolve().parent
#: The compiled sources of the core; a change to any of them invalidates every cached kernel.
SOURCES = ("jit.py", "rules.py", "streams.py", "week.py", "events.py")


def stamp() -> bytes:
    """Content hash of :data:`SOURCES`."""
    h = hashlib.sha256()
    for name in SOURCES:
        h.update((_CORE / name).read_bytes())
    return h.digest()


_STAMP = stamp()


class _CoreStamp:
    """Locator mixin: functions of this package are stamped with all core sources."""

    def get_source_stamp(self) -> bytes:
        return _STAMP

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        if Path(py_file).resolve().parent != _CORE:
            return None
        return super().from_function(py_func, py_file)  # type: ignore[misc]


class _UserDir(_CoreStamp, UserProvidedCacheLocator):
    pass


class _InTree(_CoreStamp, InTreeCacheLocator):
    pass


class _UserWide(_CoreStamp, UserWideCacheLocator):
    pass


if _UserDir not in CacheImpl._locator_classes:
    CacheImpl._locator_classes[:0] = [_UserDir, _InTree, _UserWide]

#: The decorator of every compiled rule and kernel.
compiled = njit(cache=True, _nrt=False)  # type: ignore[call-overload]
#: The decorator of the week's phases: inlined into their callers (numba IR), so a phase
#: call does not pass the whole state record by value.
inlined = njit(cache=True, _nrt=False, inline="always")  # type: ignore[call-overload]
