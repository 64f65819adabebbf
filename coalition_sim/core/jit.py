"""How the compiled core is compiled and cached.

Every rule and phase is compiled by numba (``_nrt=False``: the compiled code allocates
nothing, so no reference counting runs in the loop over replicates; it cost 3x in time when
it did, scratch buffers are passed in instead) and cached on disk: compiled once per machine
and reused by later processes. The entry kernels (:data:`kernel`) also release the GIL
(``nogil=True``): a long ensemble in one thread of the page's server does not stall the
other sessions' threads.

**A cache that cannot go stale.** numba checks a cached function against its own source file
only, but a cached kernel has the rules it calls compiled into it. So every function compiled
here is stamped with :func:`stamp`: the content hash of every Python source under ``core/``
(found recursively, sub-packages included, not listed by hand) and of the codes the compiled
code freezes (:func:`coalition_sim.core.codes.layout`: events, actor fields, enums). Editing
any of them recompiles every kernel.

**A cache that heals.** Each cache file (index ``.nbi``, data ``.nbc``) is written with a
SHA-256 of its content; a truncated, empty, garbage or bit-flipped file fails the check, is
removed with a :class:`DamagedCacheWarning` and the function is recompiled (numba itself
would raise, or load corrupt machine code and crash). Files of this format carry ``.cs`` in
their name, so files written by older versions of the package are never read.

**Where.** ``NUMBA_CACHE_DIR`` when set; else, in a source checkout, ``__pycache__`` beside
each source; else (an installed copy, whose ``site-packages`` may be read-only and which an
uninstall should leave clean) the user's cache folder :func:`user_cache_dir`
(``$XDG_CACHE_HOME/coalition-sim/numba``, default ``~/.cache/coalition-sim/numba``), one
sub-folder per stamp and numba version (:func:`cache_key`), so two installed versions never overwrite each other's entries; else a
private folder of the temporary directory (:func:`temp_cache_dir`, mode 0700, refused unless
this user owns it). With none writable the core still runs, compiled in every process, with
one :class:`CacheUnavailableWarning`.

How: the core's dispatchers get their own cache object (:class:`CheckedCache`, a subclass of
numba's ``FunctionCache`` with its own locators and cache file); no global state of numba is
changed. These classes are numba internals: numba is bounded to the versions tested in
``pyproject.toml``, and ``tests/test_cache.py`` fails loudly if the cache is not in force
(:func:`installed`). The documented fallback if numba's internals move is a content-keyed
cache folder, ``NUMBA_CACHE_DIR=<cache>/<stamp().hex()[:16]>`` (docs/ARCHITECTURE.md,
"Compile cache").
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import stat
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from numba import __version__ as numba_version
from numba import njit
from numba.core.caching import (
    CompileResultCacheImpl,
    FunctionCache,
    IndexDataCacheFile,
    InTreeCacheLocator,
    UserProvidedCacheLocator,
    UserWideCacheLocator,
)

from ..scenario.resources import checkout_root

__all__ = [
    "CORE",
    "PRUNE_AGE_S",
    "CacheUnavailableWarning",
    "CheckedCache",
    "DamagedCacheWarning",
    "cache_key",
    "cached",
    "compiled",
    "expected_compile_seconds",
    "installed",
    "kernel",
    "needs_compile",
    "phase",
    "sources",
    "stamp",
    "temp_cache_dir",
    "user_cache_dir",
    "warm_up",
]

#: The folder of the compiled core; every source below it is part of the stamp.
CORE = Path(__file__).resolve().parent
_MAGIC = b"coalition-sim numba cache v1\n"
_DIGEST = 32
#: A data file no index names is removed once it is this old (seconds): younger, it may be
#: another process's, about to be named by the index entry it writes next.
PRUNE_AGE_S = 600.0


class DamagedCacheWarning(RuntimeWarning):
    """A compile-cache file failed its checksum; it was removed and the function recompiled."""


class CacheUnavailableWarning(RuntimeWarning):
    """No writable folder for the compile cache: the core is compiled in every process."""


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


class _CoreStamp:
    """Locator mixin: functions of the core carry the core's stamp, not their file's."""

    def get_source_stamp(self) -> bytes:
        return _stamp()


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/coalition-sim/numba`` (default ``~/.cache/coalition-sim/numba``): an
    installed copy's compile cache, outside ``site-packages`` (which may be read-only, and
    which an uninstall should leave clean)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "coalition-sim" / "numba"


def temp_cache_dir() -> Path:
    """The last resort when the user cache folder is not writable (a service account whose
    home is not writable): a folder of this user's own in the temporary directory."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"coalition-sim-{uid}" / "numba"


def cache_key() -> str:
    """The sub-folder of an installed copy's cache: the core's stamp and numba's version, so
    copies of two versions (or under two numba releases, whose entries numba would not load)
    keep their entries apart, and copies of one core share them."""
    return f"{_stamp().hex()[:16]}-numba{numba_version}"


def _subdir(py_file: str) -> str:
    """The source's folder relative to the package (``core``, ``core/rules``): the cache keeps
    the sources' layout, so two modules of one name in two folders never share an index."""
    folder = Path(py_file).resolve().parent
    package = CORE.parent
    if folder.is_relative_to(package):
        return folder.relative_to(package).as_posix()
    return UserWideCacheLocator.get_suitable_cache_subpath(py_file)


class _UserDir(_CoreStamp, UserProvidedCacheLocator):
    pass


class _InTree(_CoreStamp, InTreeCacheLocator):
    """``__pycache__`` beside the sources, in a source checkout only."""

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        if checkout_root() is None:
            return None
        return super().from_function(py_func, py_file)


class _UserCache(_CoreStamp, UserWideCacheLocator):
    """``user_cache_dir()/<cache_key()>/<folder under the package>``: keyed by the core's
    content, so installed copies of two versions keep their entries apart and copies of one
    core share them (the same code compiles to the same entries)."""

    @staticmethod
    def _root() -> Path:
        return user_cache_dir()

    def __init__(self, py_func: Any, py_file: str) -> None:
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = str(self._root() / cache_key() / _subdir(py_file))


class _TempCache(_UserCache):
    """:func:`temp_cache_dir`: created with mode 0700 and used only when this user owns it
    and nobody else may write it (another user could otherwise plant machine code there)."""

    @staticmethod
    def _root() -> Path:
        return temp_cache_dir()

    def ensure_cache_path(self) -> None:
        top = self._root().parent
        with contextlib.suppress(FileExistsError):
            top.mkdir(mode=0o700)
        st = os.lstat(top)
        uid = os.getuid() if hasattr(os, "getuid") else st.st_uid
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o077:
            raise PermissionError(f"{top}: not a private folder of this user")
        super().ensure_cache_path()


class _Damaged(Exception):
    """A cache file that fails its checksum or cannot be read back."""


def _frame(payload: bytes) -> bytes:
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _unframe(raw: bytes, path: str) -> bytes:
    head = len(_MAGIC)
    if not raw.startswith(_MAGIC) or len(raw) < head + _DIGEST:
        raise _Damaged(f"{path}: not a cache file of this format ({len(raw)} bytes)")
    digest, payload = raw[head : head + _DIGEST], raw[head + _DIGEST :]
    if hashlib.sha256(payload).digest() != digest:
        raise _Damaged(f"{path}: checksum mismatch (truncated or altered)")
    return payload


class _CheckedFile(IndexDataCacheFile):
    """numba's index + data files, each framed with a magic line and its SHA-256.

    Safe when processes compile at the same time into one cache folder (the parallel
    :func:`warm_up`, the workers of a sweep on a fresh machine): numba numbers a function's
    data files 1, 2, ... in the order a process compiles its signatures, so two processes
    compiling two signatures of one rule in different orders would both write ``.1.nbc``
    for different machine code, and an index could point at the other's. Here a data file is
    named by a hash of its key (signature, target, bytecode) and written before the index
    entry that names it: different keys never share a file, a reader never finds an entry
    whose file is not complete, and a lost index update (two processes adding entries at
    once) is only a miss that compiles again."""

    def save(self, key: Any, data: Any) -> None:
        # the key serialised as numba serialises the index that holds it
        tag = hashlib.sha256(self._dump(key)).hexdigest()[:16]
        name = f"{self._index_name[: -len('.nbi')]}.{tag}.nbc"
        self._save_data(name, data)
        overloads = self._load_index()
        if overloads.get(key) != name:
            overloads[key] = name
            self._save_index(overloads)
        self._prune(set(overloads.values()))

    def _prune(self, named: set[str]) -> None:
        """Remove this function's data files that its index no longer names and that are
        older than :data:`PRUNE_AGE_S`: the code of an edited function (its key, so its
        file name, changed) or of a stamp the index dropped, which no reader can load.
        Without this they stay on disk forever, one per edit or upgrade. A younger file may
        be another process's, written a moment before the index entry that will name it."""
        base = self._index_name[: -len(".nbi")]
        cutoff = time.time() - PRUNE_AGE_S
        for path in Path(self._cache_path).glob(f"{base}.*.nbc"):
            if path.name in named:
                continue
            # another process may prune the same file first: then there is nothing to do
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()

    def _load_index(self) -> dict[Any, str]:
        try:
            with open(self._index_path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return {}
        stream = io.BytesIO(_unframe(raw, self._index_path))
        try:
            version = pickle.load(stream)
            if version != self._version:
                return {}
            stamp_, overloads = pickle.loads(stream.read())
        except Exception as exc:  # a verified file that still does not parse: damaged
            raise _Damaged(f"{self._index_path}: {exc!r}") from exc
        if stamp_ != self._source_stamp:
            return {}
        if not isinstance(overloads, dict):
            raise _Damaged(f"{self._index_path}: index is not a mapping")
        return overloads

    def _save_index(self, overloads: dict[Any, str]) -> None:
        payload = pickle.dumps(self._version, protocol=-1)
        payload += self._dump((self._source_stamp, overloads))
        with self._open_for_write(self._index_path) as f:
            f.write(_frame(payload))

    def _load_data(self, name: str) -> Any:
        path = self._data_path(name)
        with open(path, "rb") as f:
            raw = f.read()
        try:
            return pickle.loads(_unframe(raw, path))
        except _Damaged:
            raise
        except Exception as exc:
            raise _Damaged(f"{path}: {exc!r}") from exc

    def _save_data(self, name: str, data: Any) -> None:
        with self._open_for_write(self._data_path(name)) as f:
            f.write(_frame(self._dump(data)))

    def remove(self) -> None:
        """Delete this function's index and data files (they are rebuilt on the next save)."""
        base = self._index_name[: -len(".nbi")]
        folder = Path(self._cache_path)
        for path in [folder / self._index_name, *folder.glob(f"{base}.*.nbc")]:
            path.unlink(missing_ok=True)


class _CheckedImpl(CompileResultCacheImpl):
    _locator_classes = [_UserDir, _InTree, _UserCache, _TempCache]  # noqa: RUF012 (numba's)


class CheckedCache(FunctionCache):
    """numba's function cache, keyed on the core's stamp, with checked files that heal."""

    _impl_class = _CheckedImpl

    def __init__(self, py_func: Callable[..., Any]) -> None:
        super().__init__(py_func)
        self._cache_file = _CheckedFile(
            cache_path=self._cache_path,
            filename_base=self._impl.filename_base + ".cs",
            source_stamp=self._impl.locator.get_source_stamp(),
        )

    def _heal(self, exc: Exception) -> None:
        warnings.warn(
            f"damaged compile-cache entry of {self._py_func.__qualname__} ({exc}); "
            "removed it and recompiling",
            DamagedCacheWarning,
            stacklevel=3,
        )
        self._cache_file.remove()

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            return super().load_overload(sig, target_context)
        except _Damaged as exc:
            self._heal(exc)
            return None

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except _Damaged as exc:  # the index went bad between load and save: start afresh
            self._heal(exc)
            super().save_overload(sig, data)


class _Cached:
    """A numba decorator with the core's checked, stamped disk cache: ``@deco`` compiles
    lazily per argument types; ``@deco(sig, ...)`` compiles exactly the given signatures
    (loaded from the cache when there) and refuses other types. The signatures are compiled
    on first use (a call from Python or from compiled code), not at import: a process that
    never runs compiled code (a sweep's parent process) never starts numba's compiler (about
    64 MiB resident)."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def __call__(self, *args: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not isinstance(args[0], str):
            return self._build(args[0], ())
        return lambda fn: self._build(fn, args)

    def _build(self, fn: Callable[..., Any], sigs: tuple[Any, ...]) -> Any:
        disp = njit(**self.options)(fn)
        if os.environ.get("NUMBA_DISABLE_JIT", "0") == "1":
            return disp
        try:
            disp._cache = CheckedCache(disp.py_func)
        except RuntimeError as exc:  # numba: no locator found a writable folder
            _warn_uncached(exc)
        if sigs:
            _compile_on_first_use(disp, sigs)
        return disp


_WARNED: list[str] = []


def _warn_uncached(exc: Exception) -> None:
    """Once per process: the core runs without a disk cache (numba's default, no cache)."""
    if _WARNED:
        return
    _WARNED.append(str(exc))
    tried = [str(user_cache_dir()), str(temp_cache_dir())]
    if os.environ.get("NUMBA_CACHE_DIR"):
        tried.insert(0, f"NUMBA_CACHE_DIR={os.environ['NUMBA_CACHE_DIR']}")
    warnings.warn(
        f"no writable folder for the compiled model's cache (tried {', '.join(tried)}): the "
        "model is compiled again in every process; set NUMBA_CACHE_DIR to a writable folder",
        CacheUnavailableWarning,
        stacklevel=4,
    )


def _compile_on_first_use(disp: Any, sigs: tuple[Any, ...]) -> None:
    """Compile exactly ``sigs`` (then refuse other types) when ``disp`` is first typed by a
    compiled caller (``get_call_template``) or first called from Python (numba's dispatcher
    calls ``_compile_for_args`` when no compiled version matches)."""
    pending = list(sigs)

    def ensure() -> None:
        while pending:
            disp.compile(pending.pop(0))
        disp.disable_compile()

    typing = disp.get_call_template

    def get_call_template(args: Any, kws: Any) -> Any:
        ensure()
        return typing(args, kws)

    def compile_for_args(*args: Any, **kws: Any) -> Any:
        ensure()  # numba then calls what this returns with the same arguments
        return lambda *a, **k: disp(*a, **k)

    disp.get_call_template = get_call_template
    disp._compile_for_args = compile_for_args


def installed(fn: Any) -> bool:
    """True when the compiled function ``fn`` uses the core's checked, stamped cache."""
    cache = getattr(fn, "_cache", None)
    return isinstance(cache, CheckedCache) and cache._cache_file._source_stamp == _stamp()


def warm_up(progress: Callable[[str, int, int], None] | None = None) -> float:
    """Compile (or load) every kernel of the core up front: :func:`coalition_sim.core.warmup.warm_up`."""
    from .warmup import warm_up as run

    return run(progress)


def expected_compile_seconds() -> float:
    """About how long :func:`warm_up` takes with nothing cached on a 2-core machine:
    :data:`coalition_sim.core.warmup.ESTIMATE_SECONDS`."""
    from .warmup import ESTIMATE_SECONDS

    return float(ESTIMATE_SECONDS)


def needs_compile() -> bool:
    """Whether the next use compiles the core: :func:`coalition_sim.core.warmup.needs_compile`."""
    from .warmup import needs_compile as check

    return check()


#: ``error_model="numpy"`` for all three: a float division by zero gives IEEE's inf or nan
#: instead of raising ZeroDivisionError, so each division loses its zero test and branch
#: (+0.8% weeks). No result changes: every divisor of the core is guarded (``if total > 0``,
#: ``max(total, 1.0)``) or bounded away from zero by the schema (the defection softness and
#: the vulnerability scale >= 0.01, the election horizon >= 1 week, the coalition's
#: capability > 0); the golden fingerprints pin the outputs.
#: The decorator of every compiled rule: compiled once per signature and always inlined by
#: LLVM into its callers (``forceinline``: a rule taking actor rows, such as the alliance gap,
#: was otherwise called, not inlined; 16% faster weeks, no slower compile).
compiled = _Cached(_nrt=False, forceinline=True, error_model="numpy")
#: The decorator of the week's phases: inlined into their callers (numba IR), so a phase
#: call does not pass the whole state record by value.
phase = _Cached(_nrt=False, inline="always", error_model="numpy")
#: The decorator of the entry kernels called from Python: they release the GIL.
kernel = _Cached(_nrt=False, nogil=True, error_model="numpy")
#: A cached function that may allocate (the mixer on arrays, called from Python).
cached = _Cached()
#: Former name of :data:`phase`.
inlined = phase
