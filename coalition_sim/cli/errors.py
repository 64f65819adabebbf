"""Errors of the machine in one line: a full disk, a read-only folder, a long name, no
permission, no memory (issue 23, item 4).

Why: on main a full disk, a read-only sweep folder or a 5,000-character path ended ``run``,
``sweep``, ``compare``, ``analyze`` and others in a traceback. These are not bugs of the
program but states of the machine; the user needs the file and what to do, in one line, with
exit status 2 like every other refusal. Outputs are staged, so such an error leaves the
previous result or nothing (``safe_paths.OutputDir``, ``StagedFiles``, ``atomic_file``).
"""

from __future__ import annotations

import contextlib
import errno
import re
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from ..scenario.safe_paths import show

__all__ = [
    "MACHINE_ERRNOS",
    "Terminated",
    "machine_error",
    "shorten_quoted",
    "terminate_as_interrupt",
]

#: errno -> what it means and what to do.
MACHINE_ERRNOS: dict[int, str] = {
    errno.ENOSPC: "no space left on the device; free some space and run again (a sweep resumes)",
    errno.EDQUOT: "disk quota exceeded; free some space and run again",
    errno.EROFS: "the file system is read-only; write elsewhere (copy the folder, or --out "
    "where the command has it)",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENAMETOOLONG: "file name too long",
    errno.EMFILE: "too many open files in this process",
    errno.ENFILE: "too many open files on this machine",
    errno.ENOMEM: "out of memory; ask for fewer runs",
    errno.EIO: "input/output error of the device",
}
_TEXTS = {  # libraries that raise OSError without an errno (pyarrow) say it in words
    "No space left on device": errno.ENOSPC,
    "Read-only file system": errno.EROFS,
    "File name too long": errno.ENAMETOOLONG,
    "Permission denied": errno.EACCES,
    "Disk quota exceeded": errno.EDQUOT,
}


def machine_error(exc: BaseException) -> str | None:
    """The one-line message for a machine error (None if ``exc`` is not one)."""
    if isinstance(exc, MemoryError):
        return "out of memory (MemoryError); ask for fewer runs, replicates or weeks"
    if not isinstance(exc, OSError):
        return None
    code = exc.errno
    if code not in MACHINE_ERRNOS:
        text = str(exc)
        code = next((c for t, c in _TEXTS.items() if t in text), None)
        if code is None:
            return None
    where = exc.filename if exc.filename is not None else None
    name = errno.errorcode.get(code, str(code))
    head = f"{show(where)}: " if where is not None else ""
    return f"{head}{MACHINE_ERRNOS[code]} ({name})"


_QUOTED = re.compile(r"(choice: |got |not )'([^']{81,})'")


def shorten_quoted(message: str) -> str:
    """A value longer than 80 characters echoed by argparse (``invalid choice: '...'``,
    ``got '...'``, ``not '...'``) shortened to its first 40 and last 12 characters and its length."""

    def short(m: re.Match[str]) -> str:
        value = m.group(2)
        return f"{m.group(1)}'{value[:40]}...{value[-12:]}' ({len(value)} characters)"

    return _QUOTED.sub(short, message)


class Terminated(KeyboardInterrupt):
    """SIGTERM received (``kill PID``, ``timeout``, a batch system's stop): handled as Ctrl-C.

    Why: Python's default SIGTERM ended a sweep at once, with no word and no cleanup: its local
    workers' pool was not shut down (the multiprocessing resource tracker then printed a
    two-line "leaked semaphore" warning) and the user was not told what was kept. As an
    exception, the same orderly path as Ctrl-C runs (pools shut down, staged outputs removed,
    one line), with exit status 143 (128 + SIGTERM) as for a process the signal ended."""


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated` in the main thread (the
    previous handler is restored after; nothing changes outside the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
