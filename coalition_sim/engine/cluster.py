"""Trusting a Dask cluster: same code on every worker, a bounded wait, a clear end on loss.

Why (issue 23): a worker running different code silently changed a dataset (one edited
constant in a worker's checkout changed 80 of 81 files, while the manifest named the client's
clean commit and resume and ``analyze`` accepted it); a scheduler with no workers hung a sweep
with no message; a killed scheduler ended in a traceback.

* :func:`code_stamp`: what a worker must share with the client - the package version, the
  compiled core's source stamp (``core.jit.stamp``) and a hash of every source file that runs
  on a worker (everything but the command line and the page).
* :func:`check_workers`: before anything is submitted, wait (boundedly) for workers, ask each
  for its stamp and refuse a mismatch naming the worker; returns the stamps for the manifest.
* :class:`Stamped`: every task carries the client's stamp and checks it on the worker that
  runs it, so a worker that joins later with other code is refused too (its task fails with
  :class:`CodeMismatch`, which the client reports in one line).
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ..core.jit import stamp as core_stamp
from ..scenario.loading import ConfigError
from ..scenario.provenance import package_version

__all__ = [
    "WORKER_WAIT",
    "CodeMismatch",
    "Stamped",
    "check_workers",
    "code_stamp",
    "mismatch",
]

#: Seconds to wait for the first worker of a scheduler that has none.
WORKER_WAIT = 30.0

_PKG = Path(__file__).resolve().parents[1]
#: Parts of the package that never run on a worker (not in the stamp).
_CLIENT_ONLY = ("cli", "ui")


class CodeMismatch(ConfigError):
    """A worker runs other code than the client (one line naming the worker)."""


def _sources_hash() -> str:
    """A hash of every worker-side source file as it is on disk now."""
    h = hashlib.sha256()
    for path in sorted(_PKG.rglob("*.py")):
        rel = path.relative_to(_PKG)
        if rel.parts[0] in _CLIENT_ONLY:
            continue
        h.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@cache
def code_stamp() -> dict[str, str]:
    """The package version, the core's source stamp and a hash of the worker-side sources,
    taken once per process: in a worker, the code it loaded (its first check comes before its
    first task imports the model), not what its files say later."""
    return {
        "version": str(package_version()),
        "core": core_stamp().hex()[:16],
        "sources": _sources_hash(),
    }


def mismatch(theirs: Mapping[str, Any], ours: Mapping[str, str]) -> str | None:
    """What differs between a worker's stamp and ours, in words (None if nothing)."""
    labels = {"version": "package version", "core": "core source stamp", "sources": "sources"}
    for key, label in labels.items():
        if theirs.get(key) != ours[key]:
            return f"{label} {theirs.get(key)!s} != {ours[key]} (the client's)"
    return None


def _worker_stamp() -> dict[str, str]:
    """Run on a worker (``client.run``): the stamp of the code it loaded, and ``on_disk``,
    the hash of its files now. A worker whose checkout was edited after it loaded the model
    still runs the old code: its stamp says so (its files alone would not)."""
    return {**code_stamp(), "on_disk": _sources_hash()}


def check_workers(client: Any, address: str, wait: float | None = None) -> dict[str, Any]:
    """Refuse a cluster with no workers (after ``wait`` s) or with a worker whose code differs
    from ours; return ``{worker address: stamp}`` for the manifest."""
    wait = WORKER_WAIT if wait is None else wait
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        raise ConfigError(
            f"dask scheduler at {address!r} has no workers after {wait:g} s; start some "
            f"(dask worker {address}) and run the command again"
        ) from None
    try:
        stamps = client.run(_worker_stamp)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"dask scheduler at {address!r}: cannot ask the workers ({exc})"
        ) from None
    ours = code_stamp()
    for worker, theirs in sorted(stamps.items()):
        theirs = theirs if isinstance(theirs, Mapping) else {}
        why = mismatch(theirs, ours)
        if why is None:
            continue
        if theirs.get("on_disk") not in (None, theirs.get("sources")):
            raise CodeMismatch(
                f"dask worker {worker} loaded its code before its files changed on disk "
                f"({why}); it still runs the old code: restart it (dask worker {address})"
            )
        raise CodeMismatch(
            f"dask worker {worker} runs other code than this client ({why}); its results "
            "would differ: give every worker the same checkout, or leave it out"
        )
    stamps = {w: {k: v for k, v in st.items() if k != "on_disk"} if isinstance(st, Mapping)
              else st for w, st in stamps.items()}  # fmt: skip
    return {"client": ours, "workers": dict(sorted(stamps.items()))}


class Stamped:
    """``fn`` that first checks, on the worker running it, that the worker's code matches the
    client's stamp (picklable: a module-level class holding a module-level function)."""

    def __init__(self, fn: Callable[[Any], Any], expected: Mapping[str, str]) -> None:
        self.fn = fn
        self.expected = dict(expected)

    def __call__(self, task: Any) -> Any:
        why = mismatch(code_stamp(), self.expected)
        if why is not None:
            try:
                from distributed import get_worker

                where = get_worker().address
            except (ImportError, ValueError):
                where = socket.gethostname()
            raise CodeMismatch(
                f"dask worker {where} runs other code than this client ({why}); the chunks "
                "already finished are saved: stop that worker or give it the same checkout, "
                "then run the command again (a sweep resumes)"
            )
        return self.fn(task)
