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

__all__ = ["MAX_ROWS", "total_memory"]

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
