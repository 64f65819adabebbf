"""Upper bounds on how many runs one call holds in memory, shared by the command line and the
Python API (one copy of each rule: ``compare --replicates`` and ``run_ensemble(n_replicates=)``
refuse the same number).

Why: issue 23: ``compare --replicates 1000000000000`` ended in a MemoryError traceback, and
``run_ensemble(n_replicates=10**9)`` was killed by the kernel at ~23 GB. A compare holds every
arm's runs at once: measured, about 6 KB a run at the peak (the stacked engine's state and
counters, the final rows, the effects), 2.4 GB for 400,000 runs; 6 million were killed by the
kernel at 23.6 GB on this 24 GB machine. MAX_ROWS runs are about 6 GB.
"""

from __future__ import annotations

import os

__all__ = ["MAX_ROWS", "checked_workers", "max_workers", "total_memory"]

#: Runs one call holds at once (a compare's arms together; one ``run_ensemble``).
MAX_ROWS = 1_000_000


def total_memory() -> int | None:
    """The machine's physical memory in bytes (``os.sysconf``), or None where the platform
    does not say (then no size check is made: the run limit still holds)."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf
        return None
    return pages * size if pages > 0 and size > 0 else None


def max_workers() -> int:
    """Upper bound on local worker threads: 4 per core (at least 8); more only costs
    memory."""
    return max(8, 4 * (os.cpu_count() or 1))


def checked_workers(value: object, what: str = "workers") -> int:
    """A worker count: a whole number from 1 to :func:`max_workers` (``--workers`` on the
    command line, ``workers=`` in the API; ``run_sweep(workers=0)`` was accepted); a
    one-line ConfigError otherwise."""
    from .errors import ConfigError
    from .seeds import whole_number

    n = whole_number(value, what, 1)
    if n > max_workers():
        raise ConfigError(
            f"{what} must be at most {max_workers()} (4 per core on this machine), not {n}"
        )
    return n
