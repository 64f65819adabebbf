"""Warm the compiled model when the server starts, so that nobody's first click freezes.

The weekly core is compiled by numba and cached on disk: on a fresh machine the first model
step, the first ensemble and the first comparison each wait for a compile (about a minute in
all on a 2-core machine). :func:`start` runs one tiny run of every path the page uses (a Mesa
step, a small ensemble, a small comparison) in a background thread when the app module is
imported by the server; :func:`status` tells the page how far it got, so the page says
"preparing the model, once per machine, ~N s" with the seconds elapsed, and keeps the buttons
that would wait on the compile disabled until it is done. With a warm cache the whole thing
takes about a second.

One warm-up per server process (the compiled code is shared by every session of the
process). ``COALITION_UI_WARMUP_HOLD`` (seconds, tests only) keeps the status "preparing"
that much longer, so the browser tests can see the message without a cold compile.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["EXPECTED_COLD_S", "WarmupStatus", "expected_seconds", "start", "status", "warm_paths"]

#: Cold compile of every path the page uses on this project's 2-core reference machine, the
#: figure the message quotes when the core offers none (:func:`expected_seconds`): the core's
#: parallel warm-up 18.1 s, then the page's model step, ensemble and Compare load from the
#: cache (20.0 s in all, measured with an empty cache folder, 0.4.2).
EXPECTED_COLD_S = 25


@dataclass(frozen=True)
class WarmupStatus:
    """Where the warm-up is: ``state`` is idle, running, ready or failed."""

    state: str
    elapsed: float
    expected: float
    stage: str
    error: str = ""

    @property
    def ready(self) -> bool:
        return self.state in ("ready", "failed")  # a failure is reported, never waited on

    @property
    def message(self) -> str:
        if self.state == "failed":
            return f"Preparing the model failed ({self.error}); the first run may be slow."
        if self.ready:
            return ""
        return (
            f"Preparing the model, once per machine, ~{self.expected:.0f} s "
            f"({self.stage}: {self.elapsed:.0f} s so far). The buttons wake up when it is done."
        )


_lock = threading.Lock()


@dataclass
class _Progress:
    state: str = "idle"
    stage: str = ""
    error: str = ""
    t0: float = 0.0
    t1: float = 0.0


_state = _Progress()


def expected_seconds() -> float:
    """About how long preparing the page's paths takes with nothing cached (seconds)."""
    try:  # the core's own estimate, once it offers one
        from ..core import jit

        fn = getattr(jit, "expected_compile_seconds", None)
        if callable(fn):
            return float(fn())
    except Exception:
        return float(EXPECTED_COLD_S)
    return float(EXPECTED_COLD_S)


def warm_paths() -> list[tuple[str, Callable[[], object]]]:
    """The page's compiled paths, each as (name shown, tiny run)."""
    from ..abm.model import CoalitionModel
    from ..engine.ensemble import run_ensemble
    from ..experiments.compare import Policy, compare
    from ..scenario.library import BASELINE, resolve_scenario

    scn = resolve_scenario(BASELINE)

    def step() -> None:
        model = CoalitionModel(scn, rng=1)
        model.step()
        model.step()

    def ensemble() -> None:
        run_ensemble(scn, n_replicates=2, seed=1, every=1)

    def comparison() -> None:
        compare([Policy("A", {}), Policy("B", {})], scn, replicates=2, seed=1, n_boot=10)

    return [("model step", step), ("ensemble", ensemble), ("comparison", comparison)]


def _run() -> None:
    try:
        from ..core import jit

        core_warm = getattr(jit, "warm_up", None)
        paths = warm_paths()
        if callable(core_warm):
            paths.insert(0, ("compiled core", core_warm))
        for name, fn in paths:
            with _lock:
                _state.stage = name
            fn()
        hold = float(os.environ.get("COALITION_UI_WARMUP_HOLD", "0") or 0)
        if hold > 0:
            with _lock:
                _state.stage = "held for the tests"
            time.sleep(hold)
        with _lock:
            _state.state = "ready"
    except Exception as exc:
        with _lock:
            _state.state = "failed"
            _state.error = f"{type(exc).__name__}: {exc}"
    finally:
        with _lock:
            _state.t1 = time.monotonic()


def start() -> None:
    """Start the warm-up once per process (later calls do nothing)."""
    with _lock:
        if _state.state != "idle":
            return
        _state.state = "running"
        _state.t0 = time.monotonic()
    threading.Thread(target=_run, name="coalition-ui-warmup", daemon=True).start()


def status() -> WarmupStatus:
    """A snapshot for the page (cheap; polled twice a second while not ready)."""
    with _lock:
        st = _Progress(**vars(_state))
    end = st.t1 if st.t1 else time.monotonic()
    elapsed = max(0.0, end - st.t0) if st.t0 else 0.0
    return WarmupStatus(
        state=st.state, elapsed=elapsed, expected=expected_seconds(), stage=st.stage, error=st.error,
    )  # fmt: skip
