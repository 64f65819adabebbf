"""One runner for many independent tasks: in this process, on local threads, or on Dask.

Sweeps (chunks of runs) and calibration (chunks of candidates) both call :func:`run_tasks`;
a task's result is a pure function of the task (counter-based seeds), so results do not
depend on where or in which order tasks run. Results come back in completion order; callers
put them in place by an index carried in the result.

Local workers are threads of this process: the work (a sweep's chunks, a fit's candidates)
spends its time in the compiled kernel, which releases Python's lock, so two threads keep two
cores busy with one copy of the interpreter, the libraries and the compiled model in memory,
and nothing is started, pickled or left behind (worker processes used to be spawned or forked
from a fork server: the million-run sweep's process tree held ~440 MiB against ~325 MiB with
threads, and the validation used ~20% more CPU time; ``docs/performance.md``). At most
``2 x workers`` tasks are in flight, so memory stays bounded however many tasks there are.
With ``scheduler`` (``tcp://host:8786``) the tasks go to a dask.distributed cluster.

Each process keeps ONE cache of compiled engines (:func:`compiled`, which is
:func:`.ensemble.built_ensemble`): compiling a scenario to arrays costs milliseconds, a
chunk reuses it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ThreadPoolExecutor, wait
from typing import Any

from ..scenario.loading import ConfigError
from ..scenario.schema import Scenario
from .cluster import WORKER_WAIT, Stamped, check_workers, code_stamp
from .ensemble import Ensemble, built_ensemble

__all__ = [
    "LocalWorkers",
    "SchedulerLost",
    "WorkersKilled",
    "compiled",
    "connect",
    "run_tasks",
]

DASK_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")
DASK_CONNECT_TIMEOUT = "20s"


_SCENARIOS: dict[str, Scenario] = {}  # a JSON dump's validated scenario, by the dump's hash
_MAX_SCENARIOS = 8


def compiled(scenario: Scenario | Mapping[str, Any]) -> Ensemble:
    """The compiled engine of ``scenario`` (an object or its JSON dump): the process's one
    content-keyed engine cache, :func:`.ensemble.built_ensemble`. A dump (what a sweep task
    carries) is validated once per distinct content, not once per chunk."""
    if isinstance(scenario, Scenario):
        return built_ensemble(scenario)
    key = hashlib.sha256(json.dumps(scenario, sort_keys=True, default=str).encode()).hexdigest()
    scn = _SCENARIOS.get(key)
    if scn is None:
        if len(_SCENARIOS) >= _MAX_SCENARIOS:
            _SCENARIOS.clear()
        scn = _SCENARIOS[key] = Scenario.model_validate(scenario)
    return built_ensemble(scn)


def _bounded(
    submit: Callable[[Any], Any],
    tasks: Iterable[Any],
    limit: int,
    waiter: Callable[[set[Any]], tuple[set[Any], set[Any]]],
) -> Iterator[Any]:
    """Submit at most ``limit`` tasks ahead and yield finished futures as they come."""
    pending: set[Any] = set()
    for task in tasks:
        pending.add(submit(task))
        if len(pending) >= limit:
            done, pending = waiter(pending)
            yield from done
    while pending:
        done, pending = waiter(pending)
        yield from done


class LocalWorkers:
    """Local worker threads kept for several :func:`run_tasks` calls (a context manager;
    a calibration simulates once per generation and once per ABC-MCMC move). One worker
    means the calling thread (nothing is started). ``fn`` must be safe in two threads at
    once: the engines are (:func:`.ensemble.built_ensemble` is locked, a run's buffers are
    its own)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> LocalWorkers:
        if self.workers > 1:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="coalition-worker")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map[T, R](self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """``fn(task)`` for every task, in completion order, at most ``2 x workers`` in
        flight; in this process when there is one worker (or outside the ``with``)."""
        pool = self._pool
        if pool is None:
            for task in tasks:
                yield fn(task)
            return

        def waiter(fs: set[Future[R]]) -> tuple[set[Future[R]], set[Future[R]]]:
            done, rest = wait(fs, return_when=FIRST_COMPLETED)
            return done, rest

        for fut in _bounded(lambda t: pool.submit(fn, t), tasks, 2 * self.workers, waiter):
            yield fut.result()


def _run_local[T, R](fn: Callable[[T], R], tasks: Iterable[T], workers: int) -> Iterator[R]:
    with LocalWorkers(workers) as local:
        yield from local.map(fn, tasks)


class SchedulerLost(ConfigError):
    """The dask scheduler went away during the work (one line; what is saved stays saved)."""


class WorkersKilled(SchedulerLost):
    """A task killed every worker that ran it (dask's ``KilledWorker``): one line, and what
    is saved stays saved, as when the scheduler is lost."""


def _client(address: str) -> Any:
    """``distributed.Client(address)`` within a bounded time, or a one-line ConfigError.

    The client's own timeout covers opening the connection, not the handshake: a service that
    accepts the connection and never answers as a scheduler (a web server) would hang it, and
    one that answers something else is read as a frame length (a MemoryError, at once: said
    so, not as no answer "within 30 s", which it used to be). The connection
    is made in a daemon thread and given up after its timeout plus a margin."""
    import threading

    from distributed import Client

    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["client"] = Client(address, timeout=DASK_CONNECT_TIMEOUT)
        except BaseException as exc:  # reported below, in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=attempt, name="dask-connect", daemon=True)
    t.start()
    t.join(_CONNECT_DEADLINE)
    exc = box.get("error")
    if isinstance(exc, MemoryError):  # at once, not after the deadline the message below says
        raise ConfigError(
            f"the service at {address!r} is not a dask scheduler: it answered with something "
            "else (is it a dask scheduler's address and port?)"
        )
    if t.is_alive():
        raise ConfigError(
            f"no dask scheduler answered at {address!r} within {_CONNECT_DEADLINE:g} s (is it "
            "a dask scheduler's address? a service that is not one accepts the connection and "
            "never completes the handshake)"
        )
    if isinstance(exc, OSError | TimeoutError | ValueError | TypeError):
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise ConfigError(
            f"cannot reach dask scheduler at {address!r}: {reason} (is it running? start one "
            "with 'dask scheduler', or leave out --scheduler to run on this machine)"
        ) from None
    if exc is not None:
        raise exc
    return box["client"]


#: Seconds to wait for the client's connection and handshake (its own timeout plus a margin).
_CONNECT_DEADLINE = 30.0


def connect(address: str, wait: float | None = None) -> Any:
    """A dask client for ``address`` whose workers run this client's code, or a one-line
    ConfigError (unreachable, no workers after ``wait`` s, a worker with other code:
    :func:`cluster.check_workers`).

    Callers that write files connect first, so an unreachable or misspelled scheduler never
    leaves a half-claimed output folder.
    """
    check_address(address)
    _refuse_if_nothing_listens(address)
    client = _client(address)
    try:
        check_workers(client, address, wait)
    except BaseException:
        client.close()
        raise
    return client


#: Seconds a refused TCP connection is retried (a scheduler started just before the command).
REFUSED_GRACE = 3.0


def _refuse_if_nothing_listens(address: str) -> None:
    """A one-line ConfigError at once when nothing listens on a ``tcp://`` address's port.

    Why: dask retries a refused connection until its 20 s timeout, so a mistyped port (or a
    scheduler not started) was said only after 20 s of "connecting". A refusal is retried for
    :data:`REFUSED_GRACE` s (a scheduler still starting); anything else (a timeout, an
    unreachable network, a name that does not resolve) is left to dask's own connection. A
    scheduler logs the probe as one INFO line ("closed before handshake completed")."""
    import socket
    import time

    scheme, sep, rest = address.partition("://")
    if sep and scheme != "tcp":
        return
    host, _, port = (rest if sep else address).rpartition(":")
    host = host.strip("[]")
    deadline = time.monotonic() + REFUSED_GRACE
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=2).close()
            return
        except ConnectionRefusedError:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        except (OSError, ValueError):
            return  # not a plain refusal: dask's connection says what it is
    raise ConfigError(
        f"cannot reach dask scheduler at {address!r}: connection refused, nothing listens on "
        f"port {port} of {host} (is it running? start one with 'dask scheduler', or leave out "
        "--scheduler to run on this machine)"
    )


def check_address(address: str) -> None:
    """A one-line ConfigError unless ``address`` has the form of a dask scheduler's address
    (checked before any wait: the command lines say they connect only to a well-formed one)."""
    scheme, sep, rest = address.partition("://")
    where = rest if sep else address
    host, colon, port = where.rpartition(":")
    form = (
        f"--scheduler {address!r}: expected HOST:PORT or SCHEME://HOST:PORT with a scheme "
        f"in {', '.join(DASK_SCHEMES)} and a port from 1 to 65535"
    )
    if (not address.strip() or (sep and scheme not in DASK_SCHEMES)) or (
        scheme != "inproc"
        and not (
            colon
            and re.fullmatch(r"[\w.\-\[\]:]+", host)
            and port.isdigit()
            and 1 <= int(port) <= 65535
        )
    ):
        raise ConfigError(form)


def _run_dask[T, R](
    fn: Callable[[T], R], tasks: Iterable[T], scheduler: Any, key: Callable[[T], str] | None
) -> Iterator[R]:
    from distributed import wait as dwait
    from distributed.scheduler import KilledWorker

    own = isinstance(scheduler, str)
    client = connect(scheduler) if own else scheduler
    checked = Stamped(fn, code_stamp())  # each task checks its worker's code first
    try:
        limit = 2 * max(1, sum(client.nthreads().values()))

        def submit(task: T) -> Any:
            if key is None:
                return client.submit(checked, task, pure=False)
            return client.submit(checked, task, key=key(task), pure=False)

        seen = set(client.nthreads())  # the workers so far, to say when one leaves

        def left() -> None:
            # a worker that leaves mid-run (killed, out of memory) is said once: dask runs
            # its unfinished tasks on the others, and the data is the same
            now = set(client.nthreads())
            gone = seen - now
            if gone:
                print(
                    f"warning: dask worker {', '.join(sorted(gone))} left; {len(now)} "
                    "remain and run its unfinished chunks (the results are the same)",
                    file=sys.stderr, flush=True,
                )  # fmt: skip
            seen.clear()
            seen.update(now)

        first = [True]  # no result back yet

        def waiter(fs: set[Any]) -> tuple[set[Any], set[Any]]:
            # a cluster that loses all its workers mid-run waits for new ones, saying so
            # every WORKER_WAIT seconds (a lost scheduler ends it: nthreads then raises)
            while True:
                wait_for = FIRST_RESULT_NOTE if first[0] else WORKER_WAIT
                try:
                    res = dwait(list(fs), timeout=wait_for, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    if first[0]:
                        first[0] = False
                        print(_first_result_note(), file=sys.stderr, flush=True)
                        continue
                    left()
                    if not client.nthreads():
                        print(
                            f"warning: no dask worker for the last {WORKER_WAIT:g} s; waiting "
                            "for one to join (Ctrl-C stops; what is saved stays saved)",
                            file=sys.stderr, flush=True,
                        )  # fmt: skip
                    continue
                left()
                first[0] = False
                return set(res.done), set(res.not_done)

        try:
            for fut in _bounded(submit, tasks, limit, waiter):
                yield fut.result()
                fut.release()
        except ConfigError:
            raise  # a worker with other code (cluster.CodeMismatch), a bad task
        except KilledWorker as exc:  # before OSError: dask's retries are exhausted
            raise WorkersKilled(
                f"task {exc.task!r} killed every dask worker that ran it (workers that die on "
                "one task usually lack the memory for it: a smaller --chunk-size helps)"
            ) from None
        except (OSError, TimeoutError, CancelledError) as exc:  # CommClosedError is an OSError
            if client.status == "running" and _scheduler_alive(client):
                raise
            raise SchedulerLost(
                f"lost the dask scheduler at {client.scheduler.address!r} ({type(exc).__name__})"
            ) from None
    finally:
        if own:
            client.close()


#: Seconds without any result from a cluster before the client says why the first one may
#: take long (a worker compiling the model, :func:`_first_result_note`).
FIRST_RESULT_NOTE = 10.0


def _first_result_note() -> str:
    """What a cluster's first minute may be spent on. Why: a worker whose machine has not
    compiled the model (or this version's core) compiles it inside its first task, ~20-35 s
    in which the client used to say nothing (the data is the same)."""
    from ..core.warmup import ENSEMBLE_ESTIMATE_SECONDS

    return (
        f"note: nothing back from the dask cluster after {FIRST_RESULT_NOTE:g} s: a large chunk "
        "takes a while, and a worker on a machine that has not compiled this version of the "
        f"model compiles it in its first task (about {ENSEMBLE_ESTIMATE_SECONDS} s on 2 cores, "
        "once per machine); the results are the same"
    )


def _scheduler_alive(client: Any) -> bool:
    """True if the scheduler still answers (a lost one makes every call fail)."""
    try:
        client.scheduler_info()
        client.run_on_scheduler(lambda: None)
    except (OSError, TimeoutError, CancelledError, RuntimeError):
        return False
    return True


def run_tasks[T, R](
    fn: Callable[[T], R],
    tasks: Iterable[T],
    *,
    workers: int = 1,
    scheduler: Any = None,
    key: Callable[[T], str] | None = None,
    local: LocalWorkers | None = None,
) -> Iterator[R]:
    """``fn(task)`` for every task, yielded in completion order.

    ``fn`` must be a module-level function (a cluster pickles it) and safe to run in two
    threads at once. With ``scheduler`` (an address, or a client from :func:`connect`) the
    tasks run on that Dask cluster (``key`` names them there); otherwise on ``workers`` local
    threads (1: the calling thread); ``local`` (an open :class:`LocalWorkers`) runs them on
    threads already started instead (``workers`` is then its own).
    """
    if scheduler is not None:
        return _run_dask(fn, tasks, scheduler, key)
    # local work compiles nothing in silence: the kernels are compiled (or found cached) here,
    # saying so, before the workers start and load them from the disk cache
    from ..core.warmup import prepare_ensemble

    prepare_ensemble()
    if local is not None:
        return local.map(fn, tasks)
    return _run_local(fn, tasks, workers)
