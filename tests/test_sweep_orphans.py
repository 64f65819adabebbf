"""Work killed outright leaves no process behind.

A local sweep's workers are threads of the sweep's own process (engine/runner.py): killing it
kills them, and nothing else was started. A fit's local workers are processes
(engine/workers.py ``die_with_parent``): SIGKILL of the process that started them (only that
process, as an out-of-memory killer or a scheduler would do it) must not leave them computing
for nobody: each worker watches the process that started it and exits when it is gone. A
killed sweep's folder then resumes (tests/test_sweep.py checks that a resumed dataset equals
the uninterrupted one).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent

SPEC = """\
name = "orphans"
scenario = "baseline"
steps = 104
replicates = 20000
seed = 7

[design]
kind = "factorial"

[[parameters]]
name = "params.fatigue.growth"
values = [0.0, 0.1]
"""


@pytest.mark.slow
def test_a_local_sweep_runs_its_two_workers_as_threads_and_a_kill_leaves_nothing(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    args = [sys.executable, str(ROOT / "run.py"), "sweep", str(spec), "--out", str(out),
            "--chunk-size", "2000", "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(
        args, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    try:
        _wait_for(proc, lambda: list((out / "runs").glob("part-*.parquet")), "a chunk")
        # at work on two threads of its own: no worker process, no fork server
        assert parent.children(recursive=True) == []
        names = {t.id for t in parent.threads()}
        assert len(names) >= 3, names  # the main thread and two workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_sigkill_of_a_process_pools_owner_leaves_no_worker(tmp_path: Path) -> None:
    # the pool a fit keeps (LocalWorkers without threads): two spawned workers, each busy
    script = (
        "import time\n"
        "from coalition_sim.engine.runner import LocalWorkers\n"
        "with LocalWorkers(2) as pool:\n"
        "    list(pool.map(time.sleep, [120.0] * 4))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    descendants: list[psutil.Process] = []
    try:
        _wait_for(proc, lambda: len(parent.children(recursive=True)) >= 2, "two workers")
        time.sleep(1.0)  # each has started its task
        descendants = parent.children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)  # the starter only, not its process group
        proc.wait()
        left = _alive(descendants)
        until = time.monotonic() + 10
        while left and time.monotonic() < until:
            time.sleep(0.1)
            left = _alive(descendants)
        assert not left, f"processes left computing after their owner was killed: {left}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for p in descendants:  # never leave a stray behind for the next test
            try:
                p.kill()
            except psutil.Error:
                continue


def _wait_for(proc: subprocess.Popen[bytes], ready: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 90
    while not ready():
        assert proc.poll() is None, f"the process ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within 90 s"
        time.sleep(0.05)


def _alive(procs: list[psutil.Process]) -> list[tuple[int, str]]:
    """The processes still running (a zombie has exited: only its exit status is left)."""
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append((p.pid, " ".join(p.cmdline()[:3])))
        except psutil.Error:
            continue
    return out
