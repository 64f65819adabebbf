"""How the compiled core is compiled and cached.

Every rule and phase is compiled by numba with ``cache=True`` (compiled once per machine and
reused by later processes) and ``_nrt=False``: the compiled code allocates nothing, so no
reference counting runs in the loop over replicates (it cost 3x in time when it did; scratch
buffers are passed in instead). The entry kernels (:data:`kernel`) also release the GIL
(``nogil=True``): a long ensemble in one thread of the page's server does not stall the
other sessions' threads.

numba checks a cached function against its own source file only, but a cached kernel has the
rules it calls compiled into it. So every function compiled from a file anywhere under
``core/`` (sub-packages included) is stamped with :func:`stamp`: the content hash of every
Python source under ``core/`` (found recursively, not listed by hand) and of the codes the
compiled code freezes (:func:`coalition_sim.core.codes.layout`: events, actor fields,
enums). Editing any of them recompiles every kernel.

This hooks numba's cache locators (``numba.core.caching.CacheImpl._locator_classes``), an
internal of numba: numba is bounded to the versions tested in ``pyproject.toml``, and
``tests/test_cache.py`` fails loudly if the hook is not installed. The documented fallback
if numba's internals move is a content-keyed cache directory: set ``NUMBA_CACHE_DIR`` to a
folder named by :func:`stamp` (``docs/ARCHITECTURE.md``, "Compile cache").
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

__all__ = ["CORE", "compiled", "installed", "kernel", "phase", "sources", "stamp"]

#: The folder of the compiled core; every source below it is part of the stamp.
CORE = Path(__file__).resolve().parent


def sources() -> list[Path]:
    """Every Python source of the core, recursively, in a fixed order."""
    return sorted(CORE.rglob("*.py"), key=lambda p: p.relative_to(CORE).as_posix())


def stamp() -> bytes:
    """Content hash of :func:`sources` and of the frozen codes (:func:`codes.layout`)."""
    from .codes import layout  # imported here: codes imports the schema, jit must not

    h = hashlib.sha256()
    for path in sources():
        h.update(path.relative_to(CORE).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    h.update(layout().encode())
    return h.digest()


_STAMP: bytes | None = None


def _stamp() -> bytes:
    global _STAMP
    if _STAMP is None:
        _STAMP = stamp()
    return _STAMP


def _in_core(py_file: str) -> bool:
    return Path(py_file).resolve().is_relative_to(CORE)


class _CoreStamp:
    """Locator mixin: functions compiled from files under ``core/`` carry the core's stamp."""

    def get_source_stamp(self) -> bytes:
        return _stamp()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        if not _in_core(py_file):
            return None
        return super().from_function(py_func, py_file)  # type: ignore[misc]


class _UserDir(_CoreStamp, UserProvidedCacheLocator):
    pass


class _InTree(_CoreStamp, InTreeCacheLocator):
    pass


class _UserWide(_CoreStamp, UserWideCacheLocator):
    pass


_LOCATORS = (_UserDir, _InTree, _UserWide)
if _UserDir not in CacheImpl._locator_classes:
    CacheImpl._locator_classes[:0] = list(_LOCATORS)


def installed() -> bool:
    """True when numba consults the core's locators first (the stamp is in force)."""
    return tuple(CacheImpl._locator_classes[: len(_LOCATORS)]) == _LOCATORS


#: The decorator of every compiled rule.
compiled = njit(cache=True, _nrt=False)  # type: ignore[call-overload]
#: The decorator of the week's phases: inlined into their callers (numba IR), so a phase
#: call does not pass the whole state record by value.
phase = njit(cache=True, _nrt=False, inline="always")  # type: ignore[call-overload]
#: The decorator of the entry kernels called from Python: they release the GIL.
kernel = njit(cache=True, _nrt=False, nogil=True)  # type: ignore[call-overload]
#: Former name of :data:`phase`.
inlined = phase
