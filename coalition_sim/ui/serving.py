"""Fair serving: one visitor's heavy request cannot starve the others (issue 23, item 2).

Why: on main the Ensemble panel took 20,000 replicates of any run length and kept every weekly
trajectory (about 1 MB per replicate at 5,200 weeks): 5,000 replicates took the server from
0.5 to 5.5 GB, another session's Step waited 27.6 s (the compiled core held the GIL for a whole
block of 8,192 rows), and the memory stayed allocated after the tab closed. The rules here:

* **A budget per request** (:data:`PAGE_BUDGET` replicate-weeks-actors, stated on the page):
  the work and memory of a request grow with replicates x weeks x actors, so that product is
  bounded, and so is the single run's weeks x actors (:data:`RUN_BUDGET`, a link's ``week``
  is advanced in the page's render).
* **Decimated trajectories**: the fan charts need at most :data:`MAX_FAN_POINTS` points per
  replicate, so only those are recorded, and only the two charted metrics are kept.
* **Kernel slices**: the ensemble runs in the page's worker thread in slices of
  :data:`SLICE_CELLS` cells; the compiled kernels release the GIL, so other sessions' Steps
  run meanwhile, and the GIL-holding Python work between kernel calls stays short. Rows are
  independent, so slicing changes no number (the engine's own guarantee).
* **One heavy request per session and :data:`HEAVY_AT_ONCE` in the whole server** (a queue,
  not a refusal, for other sessions: requests are bounded, so the wait is too), and a
  **per-session memory ceiling** (:data:`SESSION_MEMORY`) on what a request may hold.
* **Memory returned**: after each heavy request the C heap is trimmed (``malloc_trim``) so
  freed blocks go back to the system; after a request that held at least
  :data:`FULL_RELEASE_BYTES`, and when a tab's session ends, the garbage is collected first.
  (A full collection walks every object of the server, 0.11-0.15 s of the GIL with ~260,000
  objects, and was half of a 500-replicate ensemble's time; a small request's arrays are
  freed by reference counting, so it has nothing to give back that a collection would find.)
* **A closed tab's work stops**: a request of a session whose tab closed is not started if it
  was still waiting for its turn, and stops at its next check if it runs (an ensemble between
  kernel slices, a comparison before its intervals) with :class:`Cancelled`. Before, a tab
  closed during the largest comparison kept a core busy for its ~2 s and the next visitor's
  100-replicate ensemble waited 3.5-5 s behind it, showing "waiting".
"""

from __future__ import annotations

import ctypes
import gc
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import solara.lab

from ..engine.ensemble import built_ensemble
from ..scenario.schema import Scenario
from .guards import Refused
from .state import MAX_REPLICATES

__all__ = [
    "FULL_RELEASE_BYTES",
    "HEAVY_AT_ONCE",
    "MAX_FAN_POINTS",
    "PAGE_BUDGET",
    "RUN_BUDGET",
    "SESSION_MEMORY",
    "Cancelled",
    "PageEnsemble",
    "budget_note",
    "busy_note",
    "check_open",
    "check_request",
    "check_run",
    "close_session",
    "heavy",
    "max_replicates",
    "page_ensemble",
    "release_memory",
    "request_bytes",
]

T = TypeVar("T")

#: Largest request (replicates x weeks x actors) the page runs: about 4 s of one core on the
#: shared 2-core development machine (0.33 M replicate-weeks per second with 4 actors), e.g.
#: 12,000 replicates of the 104-week baseline or 8,000 of the six-actor scenario.
PAGE_BUDGET = 5_000_000
#: Largest single run (weeks x actors) the page builds: a link's ``week`` is stepped in the
#: page's render at about 3.5 ms a week, so this bounds a link to about 2 s (520 weeks of 8
#: actors; the shipped scenarios have 52 to 104 weeks and 4 to 6 actors).
RUN_BUDGET = 4_160
#: Points per replicate kept for the fan charts (an SVG 290 px wide shows no more).
MAX_FAN_POINTS = 120
#: Cells (rows x weeks x actors) per call of the compiled kernel in a page ensemble. The
#: kernels release the GIL (``nogil``, core/jit.py), so a slice bounds the Python work done
#: between kernel calls with the GIL held (a few ms for ~1,000 rows), and, were the GIL held,
#: the wait of another session (about 1 s at 0.33 M replicate-weeks per second).
SLICE_CELLS = 400_000
#: Bytes a session's request may hold at its peak (trajectories kept for the charts plus the
#: final table): a ceiling well above what the budget allows, kept as the second line.
SESSION_MEMORY = 256 * 2**20
#: Seconds each ensemble slice is held once computed: 0, except in the browser test of the
#: progress count and Stop (``COALITION_UI_SLICE_HOLD``, as ``COALITION_UI_WARMUP_HOLD`` holds
#: the warm-up): on an idle machine the page's largest ensemble ends in under a second, before
#: a Stop pressed on its first count arrives, so that test held only on a loaded machine.
SLICE_HOLD = float(os.environ.get("COALITION_UI_SLICE_HOLD", "0") or 0)
#: Heavy requests (ensembles, comparisons) running at once in the whole server; the others
#: wait their turn. One core for the heavy request, one for everyone's Steps.
HEAVY_AT_ONCE = 1
#: A heavy request that held at least this many bytes (:func:`request_bytes`) is followed by a
#: full garbage collection; a smaller one only by ``malloc_trim``. 8 MB: about 4,300
#: replicates of the 104-week baseline, so the largest requests (the fair-serving benchmark's
#: 12,019 replicates, 22 MB) are still collected after, and the everyday 500 (0.9 MB) are not.
FULL_RELEASE_BYTES = 8 * 2**20

_SLOTS = threading.BoundedSemaphore(HEAVY_AT_ONCE)
_BUSY: set[str] = set()
_BUSY_LOCK = threading.Lock()
#: Requests of each session waiting for, or holding, a slot (guarded by ``_BUSY_LOCK``).
_PENDING: dict[str, int] = {}
#: Sessions whose tab closed while a request of theirs was pending: those requests stop at
#: their next check. Forgotten with the session's last request, so the set stays small.
_CLOSED: set[str] = set()


class Cancelled(Exception):
    """The request's tab closed: nobody waits for its result, so it stops (not a
    :class:`Refused`: there is no page left to say so on)."""


def close_session(session: str) -> None:
    """A tab's session ended: its pending requests stop at their next check
    (:func:`check_open`) instead of running to the end for nobody."""
    with _BUSY_LOCK:
        if _PENDING.get(session):
            _CLOSED.add(session)


def check_open(session: str, stop: threading.Event | None = None) -> None:
    """:class:`Cancelled` if ``session``'s tab closed while this request was pending, or its
    ``stop`` is set (the page's Stop button)."""
    if session in _CLOSED:
        raise Cancelled(f"session {session[:8]} closed")
    if stop is not None and stop.is_set():
        raise Cancelled("stopped")


def _cells(scn: Scenario) -> int:
    return int(scn.steps) * len(scn.actors)


def max_replicates(scn: Scenario, arms: int = 1, cap: int = MAX_REPLICATES) -> int:
    """Most replicates a request on ``scn`` may ask for (per arm): the one rule of the panels'
    budget notes, their refusals (:func:`check_request`) and a link's ``n=``."""
    return max(1, min(cap, PAGE_BUDGET // (arms * _cells(scn))))


def budget_note(scn: Scenario, arms: int = 1, cap: int = MAX_REPLICATES) -> str:
    """The budget in words, for the page."""
    per = "per arm " if arms > 1 else ""
    most = max_replicates(scn, arms, cap)
    size = (
        f"{scn.steps} weeks \u00d7 {len(scn.actors)} actors{' \u00d7 2 arms' if arms > 1 else ''}"
    )
    if most == cap and cap < PAGE_BUDGET // (arms * _cells(scn)):
        # the ceiling binds, not the cells: 20,000 of a 52-week scenario were explained by a
        # budget that allows 24,038 of them
        cells = PAGE_BUDGET // (arms * _cells(scn))
        return (
            f"At most {most:,} replicates {per}for this scenario: the page's ceiling for one "
            f"request (its limit of {PAGE_BUDGET:,} replicate-weeks-actors would allow "
            f"{cells:,} for {size})."
        )
    return (
        f"At most {most:,} replicates {per}for this scenario: each request is limited to "
        f"{PAGE_BUDGET:,} replicate-weeks-actors ({size} here)."
    )


def _estimate_bytes(n: int, scn: Scenario) -> int:
    points = min(MAX_FAN_POINTS, int(scn.steps)) + 1
    final_row = 8 * (len(scn.actors) + 16)
    return n * (2 * 8 * points + final_row)


def request_bytes(scn: Scenario, n: int, arms: int = 1) -> int:
    """Bytes a request of ``n`` replicates (per arm) of ``scn`` holds for the page: the
    decimated fan trajectories and the final table."""
    return arms * _estimate_bytes(n, scn)


def check_request(scn: Scenario, n: int, what: str = "Replicates", arms: int = 1) -> None:
    """One-line :class:`Refused` if ``n`` replicates (per arm) of ``scn`` exceed the budget
    or the session's memory ceiling."""
    if n > max_replicates(scn, arms):
        raise Refused(
            f"{what}: {n:,} is over this page's budget. {budget_note(scn, arms)} "
            "For more, use the command line (python run.py compare, or a sweep: python run.py "
            "sweep) or run_ensemble from Python"
        )
    need = request_bytes(scn, n, arms)
    if need > SESSION_MEMORY:
        raise Refused(
            f"{what}: {n:,} would hold about {need / 2**20:.0f} MB, over the "
            f"{SESSION_MEMORY / 2**20:.0f} MB a page session may use"
        )


def busy_note(queued: bool, done: int = 0, total: int = 0) -> str:
    """What a panel says while its request is pending: queued behind other requests (the
    server runs :data:`HEAVY_AT_ONCE` at a time, and one at a time per page) or running, with
    the replicates ``done`` of ``total`` once a run of several kernel slices has finished one
    (the largest ensembles take seconds under load, and "running..." alone did not move)."""
    if queued:
        return (
            "waiting: another request (this page's other panel's, or another page's) is "
            "running on this server; yours starts next\u2026"
        )
    if 0 < done < total:
        return f"running\u2026 {done:,} of {total:,} replicates ({done / total:.0%})"
    return "running\u2026"


def check_run(scn: Scenario) -> None:
    """One-line :class:`Refused` if the single run of ``scn`` is too long for the page."""
    if _cells(scn) > RUN_BUDGET:
        most = RUN_BUDGET // len(scn.actors)
        raise Refused(
            f"key 'steps' = {scn.steps}: the page runs at most {RUN_BUDGET:,} weeks \u00d7 "
            f"actors ({most:,} weeks for {len(scn.actors)} actors); longer runs: python run.py run"
        )


def release_memory(full: bool = True) -> None:
    """Give freed C-heap blocks back to the system (glibc); with ``full``, collect the
    garbage first (cyclic garbage is freed only by a collection)."""
    if full:
        gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): nothing to trim
            return


def _on_kernel_start() -> Callable[[], None]:
    """When a tab's session ends, its pending requests stop (:func:`close_session`) and its
    objects are dropped: give their memory back shortly after (the framework drops them after
    the cleanup callbacks run)."""
    try:
        session = solara.get_kernel_id(ipython_fallback=False)
    except RuntimeError:  # no page session (nothing to stop)
        session = ""

    def closed() -> None:
        if session:
            close_session(session)
        threading.Timer(2.0, release_memory).start()

    return closed


solara.lab.on_kernel_start(_on_kernel_start)


@contextmanager
def heavy(
    session: str, nbytes: int = FULL_RELEASE_BYTES, on_wait: Callable[[bool], None] | None = None,
    wait_own: bool = False, stop: threading.Event | None = None,
) -> Iterator[None]:  # fmt: skip
    """Hold one of the server's heavy-request slots for ``session`` (waiting for it), one at a
    time per session (:class:`Refused` for a second while the first runs, or, with
    ``wait_own``, a wait for it: the page's Compare pressed while its Ensemble ran was refused
    with "wait for it to finish", a line left on screen after the wait was over); memory is
    released afterwards, with a full collection if the request held ``nbytes`` >=
    :data:`FULL_RELEASE_BYTES` (pass :func:`request_bytes`; unknown sizes collect).

    ``on_wait(True)`` is called if the request waits (every slot is taken: it queues behind
    other requests; or, with ``wait_own``, behind the session's own), ``on_wait(False)`` once
    it has its slot, so the page can say which.

    A request of a session whose tab closes (:func:`close_session`), or whose ``stop`` is set,
    while it waits is not started (:class:`Cancelled`); the work inside calls
    :func:`check_open` to stop early."""
    with _BUSY_LOCK:
        _PENDING[session] = _PENDING.get(session, 0) + 1
    try:
        with _held(session, nbytes, on_wait, wait_own, stop):
            yield
    finally:
        with _BUSY_LOCK:
            left = _PENDING.pop(session) - 1
            if left:
                _PENDING[session] = left
            else:
                _CLOSED.discard(session)


@contextmanager
def _held(
    session: str, nbytes: int, on_wait: Callable[[bool], None] | None, wait_own: bool,
    stop: threading.Event | None,
) -> Iterator[None]:  # fmt: skip
    """:func:`heavy`'s slot: the session's own turn, then the server's, each wait broken off
    if the session's tab closes."""
    waited = False
    while True:
        with _BUSY_LOCK:
            check_open(session, stop)
            if session not in _BUSY:
                _BUSY.add(session)
                break
            if not wait_own:
                raise Refused("this page is already running a request; wait for it to finish")
        if not waited and on_wait is not None:
            on_wait(True)
        waited = True
        time.sleep(0.05)  # the session's own request ends in seconds (the page's budget)
    try:
        if not _SLOTS.acquire(blocking=False):
            if not waited and on_wait is not None:
                on_wait(True)
            waited = True
            while not _SLOTS.acquire(timeout=0.05):
                check_open(session, stop)  # a closed tab's request leaves the queue
        try:
            check_open(session, stop)
            if waited and on_wait is not None:
                on_wait(False)
            yield
        finally:
            _SLOTS.release()
    finally:
        with _BUSY_LOCK:
            _BUSY.discard(session)
        release_memory(full=nbytes >= FULL_RELEASE_BYTES)


@dataclass
class PageEnsemble:
    """A page ensemble: the engine's final table, probabilities and seeds, and the charted
    metrics at the recorded (decimated) steps, ``values[metric]`` of shape (n, steps)."""

    final: pd.DataFrame
    probabilities: pd.Series
    seeds: np.ndarray
    steps: np.ndarray
    values: dict[str, np.ndarray]


def page_ensemble(
    scn: Scenario, n: int, seed: int, posterior: Any = None,
    metrics: tuple[str, ...] = ("effective_pressure", "cohesion"),
    on_slice: Callable[[int], None] | None = None, keep: Sequence[str] = (),
    session: str = "", stop: threading.Event | None = None,
) -> PageEnsemble:  # fmt: skip
    """``n`` replicates of ``scn`` as :func:`engine.ensemble.run_ensemble` runs them (same seeds,
    same posterior draws, same final table), with only ``metrics`` kept and at most
    :data:`MAX_FAN_POINTS` recorded steps, computed in short kernel slices; between two
    slices it stops (:class:`Cancelled`) if ``session``'s tab has closed or ``stop`` is set.

    Returns a :class:`PageEnsemble`.
    """
    check_request(scn, n)
    # the engine of this scenario's content, reused while the page keeps running it (a
    # request's own parameters and state are made per call: nothing carries over)
    ens = built_ensemble(scn)
    p = ens.params(None, replicates=n)
    seeds = ens.seeds(seed, 1, n)
    if posterior is not None:
        from ..engine.posterior import Posterior, load_posterior

        post = posterior if isinstance(posterior, Posterior) else load_posterior(posterior)
        post.apply(p, ens, seeds, keep=list(keep))  # what the page set wins over the draws
    weeks = int(scn.steps)
    every = max(1, math.ceil(weeks / MAX_FAN_POINTS))
    rows_per = max(1, SLICE_CELLS // max(1, weeks * len(scn.actors)))
    finals: list[pd.DataFrame] = []
    values: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    steps = None
    for lo in range(0, n, rows_per):
        check_open(session, stop)
        rows = np.arange(lo, min(lo + rows_per, n))
        sub = p.take(rows)
        res = ens.run(sub, seeds[rows], every=every, block=rows.size)
        traj = res.trajectories
        assert traj is not None
        k = traj.shape[0] // rows.size
        if steps is None:
            steps = traj["step"].to_numpy()[:k].copy()
        for m in metrics:
            values[m].append(traj[m].to_numpy().reshape(rows.size, k).copy())
        f = res.final
        f["row"] = rows
        finals.append(f)
        del res, traj, sub
        if on_slice is not None:
            on_slice(int(rows[-1]) + 1)
        time.sleep(SLICE_HOLD)  # let a waiting thread in between slices
    final = pd.concat(finals, ignore_index=True)
    from ..core import events

    assert steps is not None
    probs = pd.Series(
        {name: float(final[name].mean()) for name in events.OUTCOMES}, name="probability"
    )
    return PageEnsemble(
        final, probs, seeds, steps, {m: np.concatenate(v) for m, v in values.items()}
    )
