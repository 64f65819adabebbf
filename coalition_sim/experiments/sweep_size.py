"""How a sweep is cut into chunks and whether it fits: chunk count, the disk and memory it needs.

Why (a reliability review of sweeps under load): a spec of 10^9 runs of 5,200 weeks kept every
week was accepted and started writing (1.2 GB in 25 s, with an ETA of 104 days); its default
chunk size, capped by trajectory cells, cut it into 2 million chunks, 200 times the 10,000 the
manifest is sized for (the check covered only an explicit ``--chunk-size``); and a sweep whose
output could never fit on its disk ran until the disk was full. Now the chunk count is checked
for the default size too, before anything is written, and the disk is checked against the
output the sweep will still write, measured on the chunks already written (the first chunk of a
fresh sweep, every recorded chunk of a resumed one): bytes per run depend on the data's
compressibility, so they are measured, not guessed. Local workers that cannot each hold a
chunk with its trajectories in memory are refused before anything is written (a count the sweep
chose itself is lowered).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

from ..engine.ensemble import trajectory_bytes
from ..scenario.errors import ConfigError
from ..scenario.limits import total_memory

__all__ = [
    "MAX_CHUNK",
    "MAX_CHUNKS",
    "MAX_CHUNK_CELLS",
    "cells_per_run",
    "check_chunk_count",
    "default_chunk_size",
    "disk_problem",
    "fit_memory",
]

MAX_CHUNK = 20_000  # runs per chunk by default: a few seconds of work, a few MB of output
MAX_CHUNKS = 10_000  # the manifest holds one record per chunk
#: Trajectory cells (run x kept week x variable) a default chunk holds at most: 160 MB of
#: float64 as arrays; a worker peaked at about 1.1 GB resident at this cap (2,000 weeks kept
#: every week, measured), against 2.8 GB per chunk without it.
MAX_CHUNK_CELLS = 20_000_000


def cells_per_run(every: int, steps: int, n_actors: int) -> int:
    """Trajectory cells one run keeps (0 without trajectories)."""
    if not every:
        return 0
    return (steps // every + 1) * (4 + n_actors)


def default_chunk_size(n_runs: int, cells_per_run: int = 0) -> int:
    """About 64 chunks of 2,000 to MAX_CHUNK runs (numpy is efficient from ~2,000 rows), and
    no more runs than keep :data:`MAX_CHUNK_CELLS` trajectory cells (``cells_per_run``: kept
    weeks x variables; a 5,200-week sweep kept every week made 2.8 GB chunks); fixed by the
    sweep's spec only, so the folder's layout does not depend on the machine."""
    size = min(MAX_CHUNK, max(2000, math.ceil(n_runs / 64)))
    if cells_per_run > 0:
        size = min(size, max(50, MAX_CHUNK_CELLS // cells_per_run))
    return max(1, size)


def check_chunk_count(name: str, n_runs: int, size: int, explicit: bool, cells: int) -> None:
    """Refuse, before anything is written, a sweep that ``size`` (``--chunk-size`` if
    ``explicit``, else the default) cuts into more than :data:`MAX_CHUNKS` chunks."""
    n = math.ceil(n_runs / size)
    if n <= MAX_CHUNKS:
        return
    if explicit:
        raise ConfigError(
            f"chunk size {size} cuts {n_runs} runs into more than {MAX_CHUNKS} "
            f"chunks; use at least {math.ceil(n_runs / MAX_CHUNKS)}"
        )
    if cells and size * cells >= MAX_CHUNK_CELLS // 2:  # the trajectory cap set the size
        cut = (
            f"in chunks of {size:,} (the most that keep {MAX_CHUNK_CELLS:,} trajectory cells; "
            f"a run keeps {cells:,})"
        )
        how = "keep trajectories less often (outputs.every) or ask for fewer runs (replicates, design samples)"
    else:
        cut = f"in chunks of {size:,}"
        how = (
            "ask for fewer runs (replicates, design samples), or give --chunk-size "
            f"{math.ceil(n_runs / MAX_CHUNKS)} or more"
        )
    raise ConfigError(
        f"sweep '{name}': {n_runs:,} runs {cut} make {n:,} chunks, more than the {MAX_CHUNKS:,} "
        f"a sweep folder holds; {how}"
    )


#: A sweep chunk's peak memory over its trajectory table (``trajectory_bytes``): the engine's
#: blocks, the joined frame, the Arrow table and its encoded bytes are held at once. Measured:
#: 1,249 runs x 2,001 kept weeks (a 191 MB table) peaked 750 MB above the idle process.
CHUNK_PEAK = 4
#: A worker process before its first chunk (interpreter, numpy, pandas, the kernels): 187 MB
#: measured.
PROCESS_BYTES = 200 << 20


def fit_memory(chunk: int, steps: int, every: int, n_actors: int, workers: int, asked: bool) -> int:
    """The local workers that can each hold a chunk with its trajectories in this machine's
    memory: ``workers`` if they fit; fewer if the count was chosen (``asked`` False); else a
    one-line ConfigError with the estimate. Why: an explicit ``--chunk-size`` or ``--workers``
    with long trajectories was started whatever the memory, and ended with the kernel killing
    a worker (or the sweep itself)."""
    have = total_memory()
    table = trajectory_bytes(chunk, steps, every, n_actors)
    if have is None or table == 0:
        return workers
    each = PROCESS_BYTES + CHUNK_PEAK * table
    fit = int(have // each)
    if workers <= fit:
        return workers
    if not asked and fit >= 1:
        return fit
    raise ConfigError(
        f"{workers} local process{'es' if workers > 1 else ''} each computing a chunk of "
        f"{chunk:,} runs that keep {steps} weeks every {every} (a {_size(table)} trajectory "
        f"table) need about {_size(workers * each)} at the peak, more than this machine's "
        f"{_size(have)} of memory; use fewer --workers, a smaller --chunk-size, or keep "
        "trajectories less often (outputs.every)"
    )


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def disk_problem(out: Path, man: dict[str, Any], n_runs: int) -> str | None:
    """Why the runs still to do will not fit on ``out``'s disk (None if they will, or if no
    chunk is recorded yet to measure on): the recorded chunks' bytes per run times the runs
    not yet recorded, against the free space."""
    rows = size = 0
    for entry in man["chunks"].values():
        if not isinstance(entry, dict) or not isinstance(entry.get("runs"), dict):
            continue
        recs = [entry.get(sub) for sub in ("runs", "trajectories")]
        rows += int(entry["runs"].get("rows", 0))
        size += sum(int(r.get("bytes", 0)) for r in recs if isinstance(r, dict))
    left = n_runs - rows
    if rows <= 0 or left <= 0:
        return None
    need = size / rows * left
    free = shutil.disk_usage(out).free
    if need <= free:
        return None
    return (
        f"{out}: the {left:,} runs still to do need about {_size(need)} (measured: "
        f"{size / rows:,.0f} bytes a run over the {rows:,} written) and its disk has "
        f"{_size(free)} free; free some space or use another --out (what is done stays saved; "
        "the same command resumes)"
    )
