"""Checked file system access: bounded input files and safe output folders.

Why: a scenario names other files (``extends``, a sweep's ``scenario``, calibration targets)
and a user names output folders, so a careless or hostile value must end in one clear line
(:class:`ConfigError`, exit status 2) before anything is read or computed - never in a hang
(a FIFO), a memory blow-up (``/dev/zero``), a traceback (a NUL byte, a symlink loop, a
RecursionError) or a half-written or mixed output folder.

Inputs: :func:`read_toml_file` opens without blocking, checks that the opened object is a
regular file of at most :data:`MAX_INPUT_BYTES`, parses it and bounds its nesting depth.
Outputs: :class:`OutputDir` checks a folder before any work, writes into a fresh temporary
sibling and renames it into place, so a folder never mixes two runs.

This module sits in the lowest layer (it imports only :mod:`errors` and :mod:`resources`), so the scenario loader,
the experiments, the calibration and the command line can all use it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import stat
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .resources import PACKAGE_DIR, checkout_root

__all__ = [
    "MAX_EXTENDS_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_TOML_DEPTH",
    "OutputDir",
    "StagedFiles",
    "atomic_file",
    "check_extends_name",
    "check_output_dir",
    "check_path_text",
    "default_run_dir",
    "parse_toml_bytes",
    "posterior_tag",
    "project_root",
    "read_input_bytes",
    "read_toml_file",
    "short_digest",
    "show",
]

#: Largest input file read (bytes). The biggest shipped config is about 10 kB; a scenario of
#: 64 actors with every key set stays under 100 kB, so 1 MiB is generous and still safe.
MAX_INPUT_BYTES = 1 << 20
#: Longest ``extends`` chain (the shipped configs use at most 2 levels).
MAX_EXTENDS_DEPTH = 16
#: Deepest nesting of tables/arrays in a TOML file (a scenario needs 4: params.group.key,
#: actors[].interests).
MAX_TOML_DEPTH = 16
#: POSIX limits on one name and on a whole path (Linux NAME_MAX and PATH_MAX).
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4096

#: Folders that are never an output folder, nor may contain one.
SYSTEM_ROOTS = tuple(
    Path(p)
    for p in ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run",
              "/sbin", "/sys", "/usr")
)  # fmt: skip


def show(path: object, limit: int = 120) -> str:
    """A path (or a value) for a one-line message: printable, and shortened past ``limit``
    characters (a hostile name of thousands of characters is not echoed). An ordinary deep
    path, e.g. a test's or a cluster's scratch folder, is shown whole, so that every message
    names the same file the same way."""
    text = str(path)
    text = text.encode("unicode_escape", "backslashreplace").decode("ascii")
    if len(text) > limit:
        text = f"{text[: limit - 20]}...{text[-12:]} ({len(str(path))} characters)"
    return text


def check_path_text(path: str | Path, what: str) -> str:
    """``path`` as text if it has no NUL byte and no over-long name; ConfigError otherwise."""
    text = os.fspath(path)
    if "\x00" in text:
        raise ConfigError(f"{show(text)}: {what} contains a NUL byte")
    if not text:
        raise ConfigError(f"{what} is empty")
    if len(text.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
        raise ConfigError(f"{show(text)}: {what} is longer than {MAX_PATH_BYTES} bytes")
    for part in Path(text).parts:
        if len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
            raise ConfigError(f"{show(text)}: {what} has a name longer than {MAX_NAME_BYTES} bytes")
    return text


def _os_error(path: str, exc: OSError) -> ConfigError:
    reasons = {
        errno.ENOENT: "no such file",
        errno.ENOTDIR: "no such file (a part of the path is not a folder)",
        errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENAMETOOLONG: "file name too long",
        errno.EISDIR: "is a directory, expected a TOML file",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return ConfigError(f"{show(path)}: cannot read: {reason}")


def read_input_bytes(
    path: str | Path, limit: int = MAX_INPUT_BYTES, what: str = "a TOML file"
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ConfigError otherwise.

    The file is opened without blocking (a FIFO does not hang the open) and checked with
    ``fstat`` on the opened descriptor, so what is checked is what is read.
    """
    text = check_path_text(path, "file name")
    try:
        fd = os.open(text, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _os_error(text, exc) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError(f"{show(text)}: is a directory, expected {what}")
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(
                f"{show(text)}: not a regular file (a FIFO, device or socket); expected {what}"
            )
        if st.st_size > limit:
            raise ConfigError(
                f"{show(text)}: {st.st_size} bytes, larger than the {limit}-byte limit"
            )
        chunks, total = [], 0
        while True:
            try:
                block = os.read(fd, 1 << 16)
            except OSError as exc:
                raise _os_error(text, exc) from None
            if not block:
                break
            total += len(block)
            if total > limit:  # the file grew after fstat
                raise ConfigError(f"{show(text)}: larger than the {limit}-byte limit")
            chunks.append(block)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _depth(node: Any, limit: int) -> int:
    """Nesting depth of parsed TOML, stopping early once past ``limit``."""
    deepest, stack = 0, [(node, 0)]
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def read_toml_file(path: str | Path) -> dict[str, Any]:
    """Read and parse a bounded TOML file (see :func:`read_input_bytes`); ConfigError if bad."""
    return parse_toml_bytes(read_input_bytes(path), show(path))


def parse_toml_bytes(raw: bytes, name: str) -> dict[str, Any]:
    """Parse TOML text from a file or an upload, nesting at most :data:`MAX_TOML_DEPTH` deep.

    ``name`` is what the one-line ConfigError names (a file, an uploaded file's name).
    """
    if len(raw) > MAX_INPUT_BYTES:
        raise ConfigError(f"{name}: {len(raw)} bytes, larger than the {MAX_INPUT_BYTES}-byte limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: not UTF-8 text") from None
    # a byte-order mark (editors on Windows write one) is not part of the text
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: malformed TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{name}: arrays or tables nested too deeply (at most {MAX_TOML_DEPTH} levels)"
        ) from None
    if _depth(data, MAX_TOML_DEPTH) > MAX_TOML_DEPTH:
        raise ConfigError(
            f"{name}: arrays or tables nested too deeply (at most {MAX_TOML_DEPTH} levels)"
        )
    return data


def check_extends_name(value: object, source: str | Path, depth: int) -> str:
    """The ``extends`` value of ``source`` if it is a sane file name at a sane chain depth."""
    where = show(source)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: key 'extends' must be a file name string")
    if depth >= MAX_EXTENDS_DEPTH:
        raise ConfigError(f"{where}: key 'extends' chain is longer than {MAX_EXTENDS_DEPTH} files")
    try:
        return check_path_text(value, "key 'extends'")
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


# --------------------------------------------------------------------------- outputs


def project_root() -> Path:
    """The source checkout (:func:`.resources.checkout_root`), or the installed package's own
    folder: never to be written into."""
    return checkout_root() or PACKAGE_DIR


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_dir(
    out: str | Path,
    *,
    overwrite: bool = False,
    marker: str | tuple[str, ...] | None = None,
    resume: bool = False,
    scratch: tuple[str, ...] = (),
) -> Path:
    """Refuse an output folder that cannot or must not be written; return it unchanged.

    Refused: '', NUL bytes, over-long names, a file, a dangling symlink, a system path
    (``/``, ``/dev/null``, ``/proc/x``), the project folder or any of its ancestors, the
    current folder or its ancestors, a folder that is not empty and holds no earlier result
    (none of the ``marker`` names; names in ``scratch`` do not count), and an earlier result unless
    ``overwrite`` (or ``resume``, for a sweep that continues). The first existing ancestor
    must be a writable folder.
    """
    text = check_path_text(out, "output folder")
    path = Path(text)
    if path.is_symlink() and not path.exists():
        raise ConfigError(f"{show(text)}: is a dangling symbolic link; use another output folder")
    try:
        real = path.resolve()
    except (OSError, RuntimeError) as exc:
        raise ConfigError(f"{show(text)}: cannot resolve the output folder ({exc})") from None
    if real == Path(real.anchor) or any(_within(real, root) for root in SYSTEM_ROOTS):
        raise ConfigError(f"{show(text)}: is a system location, not an output folder")
    try:
        cwd = Path.cwd()
    except OSError:  # the current folder was deleted: nothing to protect there
        cwd = project_root()
    for protected, what in ((project_root(), "the project folder"), (cwd, "the current folder")):
        if _within(protected.resolve(), real):
            raise ConfigError(f"{show(text)}: is {what} or contains it; name a subfolder")
    if path.exists():
        if not path.is_dir():
            raise ConfigError(f"{show(text)}: exists and is not a folder")
        try:
            names = {p.name for p in path.iterdir()} - set(scratch)
        except OSError as exc:
            raise ConfigError(f"{show(text)}: cannot list the folder ({exc.strerror})") from None
        if names:
            markers = (marker,) if isinstance(marker, str) else (marker or ())
            if not names & set(markers):
                raise ConfigError(
                    f"{show(text)}: exists and holds other files; use a new or empty folder"
                )
            if not (overwrite or resume):
                raise ConfigError(
                    f"{show(text)}: holds an earlier result; pass --overwrite to replace it, "
                    "or use another folder"
                )
    ancestor = real
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ConfigError(f"{show(text)}: {show(ancestor)} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigError(f"{show(text)}: {show(ancestor)} is not writable")
    return path


class _NameLock:
    """An exclusive ``flock`` on ``.<name>.lock`` beside an output folder, held by its one
    writer; a second writer is refused at once, naming the holder's pid. The lock file is
    removed on release (re-checked after locking, so a file removed meanwhile is not used)."""

    def __init__(self, out: Path) -> None:
        self.path = out.parent / f".{out.name}.lock"
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise ConfigError(
                    f"{show(out)}: another process (pid {holder}) is writing this output "
                    "folder; wait for it or use another --out"
                ) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous holder removed the file after we opened it: again
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd: int | None = fd

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self.fd)
        self.fd = None


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove ``.<name>.tmp-*`` / ``.<name>.old-*`` siblings of ``out`` left by a writer that
    was killed (SIGKILL, power loss). Call only while holding the folder's writer lock: then
    no live writer owns them."""
    removed = []
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        for stale in out.parent.glob(glob_escape(pattern)):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
            removed.append(stale)
    return removed


def glob_escape(pattern: str) -> str:
    """``pattern`` with glob metacharacters of the name escaped, the trailing ``*`` kept."""
    import glob

    head, star = (pattern[:-1], "*") if pattern.endswith("*") else (pattern, "")
    return glob.escape(head) + star


def _umask() -> int:
    """The process's umask (read by setting it and back: there is no other portable way)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class OutputDir:
    """An output folder written whole or not at all.

    Checked on construction (before any work) and backed by a fresh temporary sibling folder
    ``.<name>.tmp-*``; :meth:`commit` renames it into place (replacing an earlier result only
    with ``overwrite``), :meth:`abort` removes it and any parents it had to create. Use as a
    context manager: a clean exit commits, an exception aborts.
    """

    def __init__(
        self, out: str | Path, *, overwrite: bool = False, marker: str = "summary.json"
    ) -> None:
        self.out = check_output_dir(out, overwrite=overwrite, marker=marker)
        self._made: list[Path] = []
        self._lock: _NameLock | None = None
        parent = self.out.parent
        missing = []
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        try:
            for folder in reversed(missing):
                folder.mkdir()
                self._made.append(folder)
            # one writer per output folder: a second is refused at once (issue 23: two
            # simultaneous runs both exited 0, the later silently replacing the earlier)
            self._lock = _NameLock(self.out)
            # checked again under the lock: an earlier writer may have committed meanwhile
            check_output_dir(self.out, overwrite=overwrite, marker=marker)
            remove_stale_staging(self.out)
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-", dir=self.out.parent))
            # mkdtemp makes it 0700; the folder it becomes takes the umask's permissions, as
            # every other folder the commands make (a colleague may read the results)
            self.tmp.chmod(0o777 & ~_umask())
        except OSError as exc:
            self._release()
            raise ConfigError(
                f"{show(self.out)}: cannot create the output folder ({exc.strerror or exc})"
            ) from None
        except ConfigError:
            self._release()
            raise
        self.committed = False

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        self._remove_made()

    def _remove_made(self) -> None:
        for folder in reversed(self._made):
            try:
                folder.rmdir()
            except OSError:
                break  # someone else wrote there meanwhile: leave it
        self._made = []

    def commit(self) -> Path:
        """Move the finished folder into place; an earlier result is replaced as a whole."""
        old = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
            os.replace(self.out, old / "x")
        os.replace(self.tmp, self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self.committed = True
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        return self.out

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._release()

    def __enter__(self) -> OutputDir:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None and not self.committed:
            self.commit()
        elif kind is not None:
            self.abort()


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` to write (same suffix, so writers that go by
    the extension still work); on success it replaces ``path`` (whole or not at all), on
    failure it is removed and ``path`` keeps its previous content."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


class StagedFiles:
    """Files written into a staging folder and moved into ``dest`` together at the end.

    For report folders that several commands share (``analysis/``, ``discovery/``): files
    of other outcomes stay; this command's files are replaced only once all of them were
    written, so a full disk or a crash leaves the previous result (renames need no space).
    Stale staging folders of a killed writer are removed first.
    """

    def __init__(self, dest: str | Path) -> None:
        self.dest = Path(check_path_text(dest, "output folder"))
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self._lock: _NameLock | None = _NameLock(self.dest)
        try:
            remove_stale_staging(self.dest)
            self.tmp = Path(
                tempfile.mkdtemp(prefix=f".{self.dest.name}.tmp-", dir=self.dest.parent)
            )
        except BaseException:
            self._lock.release()
            raise

    def final(self, staged: Path) -> Path:
        """Where a staged file will be once committed."""
        return self.dest / staged.relative_to(self.tmp)

    def commit(self) -> None:
        self.dest.mkdir(exist_ok=True)
        for f in sorted(self.tmp.rglob("*")):
            if f.is_file():
                target = self.final(f)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(f, target)

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        try:
            if kind is None:
                self.commit()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if self._lock is not None:
                self._lock.release()
                self._lock = None


def posterior_tag(digest: str) -> str:
    """``posterior-<first 8 hex digits of the posterior file's sha256>``: the one way a run
    folder (:func:`default_run_dir`) and the page's downloads name the posterior a result drew
    from, so results of two posterior files never share a name."""
    return f"posterior-{short_digest(digest)}"


def short_digest(digest: str) -> str:
    """The first 8 hex digits of a sha256: enough to tell two files apart by eye."""
    return digest[:8]


def default_run_dir(
    base: str | Path, name: str, seed: int, overrides: list[str], posterior: str = ""
) -> Path:
    """``<base>/<name>-seed<seed>[-<hash of overrides>][-posterior-<hash>]``, always inside
    ``base``.

    The scenario name is reduced to ``[A-Za-z0-9._-]`` (so ``../x`` or ``/abs`` cannot leave
    ``base``) and a short hash of the overrides tells apart runs with different ``--set``;
    ``posterior`` (the posterior file's digest, when a run draws from one) tells apart a run
    with drawn parameters from the same run without (they shared a folder and one replaced
    the other).
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:60] or "scenario"
    tag = ""
    if overrides:
        tag = "-" + hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:8]
    if posterior:
        tag += "-" + posterior_tag(posterior)
    base = Path(base)
    path = base / f"{slug}-seed{seed}{tag}"
    if path.parent != base:  # cannot happen after the reduction; kept as the invariant
        raise ConfigError(f"scenario name {show(name)} would leave {base}")
    return path
