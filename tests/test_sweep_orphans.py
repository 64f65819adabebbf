"""Work killed outright leaves no process behind: local workers are threads of the working
process (engine/runner.py), so SIGKILL of that process (as an out-of-memory killer or a
scheduler would do it) ends them too, and nothing else was started. (Worker processes had to
watch their parent to exit with it, and a fork server had to be stopped.) A killed sweep's
folder then resumes (tests/test_sweep.py checks that a resumed dataset equals the
uninterrupted one).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from coalition_sim.engine.runner import LocalWorkers

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


def test_local_workers_are_threads_of_this_process_running_side_by_side() -> None:
    # two tasks that each wait for the other: they finish only if both run at once
    meet = threading.Barrier(2, timeout=20)

    def task(k: int) -> tuple[int, int, int]:
        meet.wait()
        return k, os.getpid(), threading.get_ident()

    with LocalWorkers(2) as pool:
        got = sorted(pool.map(task, [0, 1]))
    assert [k for k, _, _ in got] == [0, 1]
    assert {pid for _, pid, _ in got} == {os.getpid()}
    assert len({tid for _, _, tid in got} | {threading.get_ident()}) == 3


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
