"""A sweep killed outright leaves no process behind (engine/workers.py ``die_with_parent``).

SIGKILL of the process that started a sweep (only that process, as an out-of-memory killer or
a scheduler would do it) must not leave its pool's workers, or the fork server they were
forked from, computing for nobody: each worker watches the process that started it and its own
parent and exits when either is gone. The folder then resumes (tests/test_sweep.py checks that
a resumed dataset equals the uninterrupted one).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
def test_sigkill_of_the_sweep_leaves_no_worker_or_fork_server(tmp_path: Path) -> None:
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
    descendants: list[psutil.Process] = []
    deadline = time.monotonic() + 90
    try:
        # wait until both workers exist and the first chunk is written: the pool is at work
        while True:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no chunk from two workers within 90 s"
            children = parent.children(recursive=True)
            if len(children) >= 3 and list((out / "runs").glob("part-*.parquet")):
                break  # fork server + two workers (any helper process counts too)
            time.sleep(0.05)
        descendants = parent.children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)  # the starter only, not its process group
        proc.wait()
        left = _alive(descendants)
        until = time.monotonic() + 10
        while left and time.monotonic() < until:
            time.sleep(0.1)
            left = _alive(descendants)
        assert not left, f"processes left computing after the sweep was killed: {left}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for p in descendants:  # never leave a stray behind for the next test
            try:
                p.kill()
            except psutil.Error:
                continue


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


def test_ctrl_c_while_local_workers_start_is_held_not_lost() -> None:
    """SIGINT was *ignored* while a pool's workers started (1-2 s while the fork server imports
    the engine), so a Ctrl-C then was lost and the sweep ran to its end (exit 0). Now it is
    held while the workers start (they inherit the block and print no traceback) and delivered
    after: the command stops."""
    code = (
        "import os, signal\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from coalition_sim.engine.runner import LocalWorkers\n"
        "submit = ProcessPoolExecutor.submit\n"
        "def ctrl_c(self, fn, *args, **kwargs):\n"
        "    if fn is os.getpid:\n"  # the task that starts a worker: a Ctrl-C meanwhile
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return submit(self, fn, *args, **kwargs)\n"
        "ProcessPoolExecutor.submit = ctrl_c\n"
        "try:\n"
        "    with LocalWorkers(2) as local:\n"
        "        print('ran to the end', list(local.map(abs, [-1])))\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        # a test run as a background job inherits SIGINT ignored: give the child the default
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert proc.stdout.strip() == "interrupted", (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
