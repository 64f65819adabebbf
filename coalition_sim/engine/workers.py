"""Worker processes that never outlive the process that started them.

Why: a sweep or a calibration killed with SIGKILL cannot clean up, so its pool workers (and,
through them, the multiprocessing resource tracker) would keep running and holding memory.
Each worker therefore arms the kernel's parent-death signal (Linux) and watches its parent's
pid, and exits as soon as the parent is gone. It also ignores SIGINT: a Ctrl-C in the
terminal reaches the whole process group, and the parent handles it (one line, "interrupted",
and its pool shuts the workers down); each spawned worker used to print its own
KeyboardInterrupt traceback too (~60 lines for a two-worker calibration).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

__all__ = ["die_with_parent", "sigint_held"]


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """SIGINT blocked (held, not lost) in this thread while worker processes are started: a
    process started meanwhile inherits the blocked mask from birth (kept across fork and exec),
    so a Ctrl-C while a spawned worker is still importing (before :func:`die_with_parent`
    runs) prints no traceback there; here the held signal is delivered when the block ends, so
    the Ctrl-C still stops the command. Why: SIGINT used to be *ignored* here, and a Ctrl-C in
    that window (1-2 s while the fork server imports the engine) was lost: the sweep ran to its
    end. The multiprocessing resource tracker is started the same way (bpo-33613)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _watch(parent: int, ppid: int, period: float) -> None:
    while True:
        time.sleep(period)
        if os.getppid() != ppid or not _alive(parent):
            os._exit(1)


def die_with_parent(parent: int, period: float = 0.5) -> None:
    """Pool initializer: exit as soon as ``parent`` (the process that started the pool) is gone.

    Uses the kernel's parent-death signal on Linux and, everywhere, a thread polling that
    ``parent`` is alive and that this process's own parent (``parent`` itself, or the fork
    server ``parent`` started, which exits with it) has not changed, so a SIGKILLed sweep or
    fit leaves no worker (nor, once they are gone, the multiprocessing resource tracker)
    behind. Ctrl-C is left to the parent (SIGINT ignored here).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    ppid = os.getppid()
    orphaned = ppid == 1 and parent != 1  # adopted by init: whoever started us is gone
    if orphaned or not _alive(parent):  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, ppid, period), daemon=True).start()
