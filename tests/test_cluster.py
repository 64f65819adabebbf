"""A real dask.distributed cluster (issue 23, item 3): scheduler and workers in their own
processes on the loopback interface, as a user starts them (``dask scheduler``, ``dask
worker``).

Covered: no workers -> a clear message after a bounded wait; identical data to a local run; a
worker killed mid-sweep (its chunks are redone elsewhere, the data is unchanged); a worker
running other code refused by name before anything is submitted; the workers' stamps in the
manifest; the scheduler killed mid-sweep -> one line saying the folder can be resumed, and the
resumed folder equals the local run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from support.ui_harness import free_port

from coalition_sim.cli.main import main
from coalition_sim.engine.cluster import code_stamp
from coalition_sim.experiments.store import read_manifest
from coalition_sim.experiments.sweep import read_runs, read_trajectories, run_sweep
from coalition_sim.scenario.errors import ConfigError

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parent.parent

#: 12 chunks of 4 runs of 60 weeks: long enough to kill a process mid-sweep.
SPEC = """\
name = "cluster_grid"
scenario = "summit_2018"
steps = 60
replicates = 4
seed = 7

[design]
kind = "factorial"

[[parameters]]
name = "params.fatigue.growth"
values = [0.0, 0.05, 0.1, 0.15]

[[parameters]]
name = "actors.ROK.mediation"
values = [0.0, 0.5, 1.0]

[outputs]
every = 10
"""
CHUNK = 4


def _env(root: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    env["DASK_DISTRIBUTED__WORKER__DAEMON"] = "False"
    return env


class Cluster:
    """A scheduler process and worker processes (no nanny: killing one kills the worker)."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log = log
        self.workers: dict[str, subprocess.Popen] = {}
        self.scheduler = self._start(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-dashboard"], ROOT, "scheduler",
        )  # fmt: skip

    def _start(self, cmd: list[str], root: Path, name: str) -> subprocess.Popen:
        out = open(self.log / f"{name}.log", "w")  # noqa: SIM115
        return subprocess.Popen(cmd, cwd=root, env=_env(root), stdout=out, stderr=out)

    def add_worker(self, name: str, root: Path = ROOT) -> None:
        self.workers[name] = self._start(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--name", name,
             "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1", "--no-dashboard"],
            root, name,
        )  # fmt: skip

    def wait_for(self, n: int, timeout: float = 60) -> None:
        from distributed import Client

        with Client(self.address, timeout="20s") as c:
            c.wait_for_workers(n, timeout=timeout)

    def kill(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def close(self) -> None:
        for proc in [*self.workers.values(), self.scheduler]:
            self.kill(proc)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    logs = tmp_path / "logs"
    logs.mkdir()
    c = Cluster(logs)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("local")
    spec = tmp / "spec.toml"
    spec.write_text(SPEC)
    run_sweep(spec, tmp / "out", workers=1, chunk_size=CHUNK, quiet=True)
    return spec, tmp / "out"


def _same_data(a: Path, b: Path) -> None:
    pd.testing.assert_frame_equal(read_runs(a), read_runs(b))
    pd.testing.assert_frame_equal(read_trajectories(a), read_trajectories(b))


def _when_chunks_done(out: Path, n: int, action, timeout: float = 60) -> threading.Thread:
    """Run ``action`` once ``out``'s manifest records ``n`` finished chunks (in a thread)."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if len(read_manifest(out)["chunks"]) >= n:
                    action()
                    return
            except ConfigError:
                pass  # not written yet
            time.sleep(0.02)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


def test_real_cluster_checks_workers_gives_local_data_and_survives_a_killed_worker(
    cluster: Cluster, local: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    spec, ref = local
    # 1. no workers: a clear message after the bounded wait, nothing written
    from coalition_sim.engine import runner

    with pytest.raises(ConfigError, match="has no workers after 1 s"):
        runner.connect(cluster.address, wait=1)

    # 2. two workers with this code: identical data, the workers' stamps in the manifest
    cluster.add_worker("w1")
    cluster.add_worker("w2")
    cluster.wait_for(2)
    out = tmp_path / "on-cluster"
    rep = run_sweep(spec, out, scheduler=cluster.address, chunk_size=CHUNK, quiet=True)
    assert rep.computed == 12
    _same_data(ref, out)
    man = read_manifest(out)
    (run,) = man["dask"]
    assert run["client"] == code_stamp() == man["code"]
    assert len(run["workers"]) == 2 and all(s == code_stamp() for s in run["workers"].values())

    # 3. a worker killed mid-sweep: its chunks run on the other one, the data is unchanged
    out = tmp_path / "killed-worker"
    watcher = _when_chunks_done(out, 2, lambda: cluster.kill(cluster.workers["w1"]))
    rep = run_sweep(spec, out, scheduler=cluster.address, chunk_size=CHUNK, quiet=True)
    watcher.join(5)
    assert cluster.workers["w1"].poll() is not None, "the worker was not killed mid-sweep"
    assert rep.computed == 12
    _same_data(ref, out)
    said = capsys.readouterr().err
    assert "warning: dask worker tcp://127.0.0.1:" in said and " left; 1 remain" in said, said

    # 4. a worker running other code (one edited constant in its checkout) is refused by
    #    name before anything is submitted or written
    alt = tmp_path / "alt"
    shutil.copytree(ROOT / "coalition_sim", alt / "coalition_sim",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    ens = alt / "coalition_sim/engine/ensemble.py"
    ens.write_text(ens.read_text().replace("BLOCK_BYTES = 64 << 20", "BLOCK_BYTES = 32 << 20"))
    cluster.add_worker("edited", root=alt)
    cluster.wait_for(2)  # w2 and the edited one
    out = tmp_path / "mixed"
    assert main(["sweep", str(spec), "--out", str(out), "--scheduler", cluster.address]) == 2
    said = capsys.readouterr().err.strip().splitlines()
    # the progress line saying where it connects, then the refusal in one line
    assert len(said) == 2 and said[0].startswith("sweep cluster_grid: connecting to the dask"), said
    err = said[1]
    assert err.startswith("error: dask worker tcp://127.0.0.1:"), err
    assert "runs other code than this client (sources" in err
    assert not out.exists()


def test_scheduler_lost_mid_sweep_says_the_folder_can_be_resumed(
    cluster: Cluster, local: tuple[Path, Path], tmp_path: Path, capfd
) -> None:
    spec, ref = local
    cluster.add_worker("w1")
    cluster.wait_for(1)
    out = tmp_path / "lost"
    watcher = _when_chunks_done(out, 2, lambda: cluster.kill(cluster.scheduler))
    argv = ["sweep", str(spec), "--out", str(out), "--scheduler", cluster.address,
            "--chunk-size", str(CHUNK), "--quiet"]  # fmt: skip
    assert main(argv) == 2
    watcher.join(5)
    # the file descriptor, not sys.stderr: dask's client logged its failed reconnects there
    # (some 25 lines of traceback) before the command's one line
    err = capfd.readouterr().err.strip()
    assert err.startswith("error: lost the dask scheduler") and "\n" not in err, err
    assert "run the same command again" in err and "to resume" in err
    # resumed without the cluster: the same data as the local run
    assert main(["sweep", str(spec), "--out", str(out), "--quiet"]) == 0
    _same_data(ref, out)


def test_a_worker_edited_after_it_loaded_the_model_is_refused(tmp_path, monkeypatch) -> None:
    """The worker's stamp is the code it loaded, not what its files say later: a shared
    checkout edited under running workers used to pass the check and compute with the old
    model while the manifest named the new one."""
    from coalition_sim.engine import cluster as cl

    pkg = tmp_path / "pkg"
    (pkg / "core").mkdir(parents=True)
    rule = pkg / "core" / "rule.py"
    rule.write_text("COST = 1.0\n")
    monkeypatch.setattr(cl, "_PKG", pkg)
    cl.code_stamp.cache_clear()
    try:
        loaded = cl._worker_stamp()  # the worker's first check: what it loads
        assert loaded["on_disk"] == loaded["sources"]
        rule.write_text("COST = 1.5\n")  # the checkout is edited under the running worker
        later = cl._worker_stamp()
        assert later["sources"] == loaded["sources"] != later["on_disk"]

        class Client:  # the client sees the edited files
            def wait_for_workers(self, n: int, timeout: float) -> None:
                return None

            def run(self, fn):
                return {"tcp://w1:1": later}

        cl.code_stamp.cache_clear()
        with pytest.raises(cl.CodeMismatch, match="loaded its code before its files changed"):
            cl.check_workers(Client(), "tcp://s:1", wait=1)
    finally:
        cl.code_stamp.cache_clear()


def test_a_service_that_is_not_a_scheduler_is_refused_in_bounded_time(monkeypatch) -> None:
    """A web server accepts the connection and never completes dask's handshake: the sweep
    used to hang with no word (691 s until Ctrl-C). Now one line after the deadline."""
    import http.server
    import time

    from coalition_sim.engine import runner

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return None  # the 400 it answers dask with is expected, not news

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(runner, "_CONNECT_DEADLINE", 3.0)
    try:
        start = time.perf_counter()
        with pytest.raises(ConfigError, match="no dask scheduler answered"):
            runner.connect(f"tcp://127.0.0.1:{server.server_address[1]}")
        assert time.perf_counter() - start < 15
    finally:
        server.shutdown()
    for bad in ("tcp//127.0.0.1:8786", "tcp://127.0.0.1:99999", "host-without-port", "  "):
        with pytest.raises(ConfigError, match="port from 1 to 65535"):
            runner.connect(bad)


def _dies(task: int) -> int:
    """A task whose every worker 'dies' (dask's exception after its retries)."""
    from types import SimpleNamespace

    from distributed.scheduler import KilledWorker

    raise KilledWorker(f"chunk-{task}", SimpleNamespace(address="tcp://127.0.0.1:1"), 3)


def test_a_task_that_kills_its_workers_ends_in_one_line_not_a_traceback() -> None:
    """dask gives up on a task that killed every worker that ran it (a chunk too big for a
    worker's memory) with ``KilledWorker``; the sweep's one-line message and resume hint
    follow it (it used to end in a 28-line traceback, exit 1)."""
    from distributed import Client, LocalCluster

    from coalition_sim.engine.runner import WorkersKilled, run_tasks

    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                     dashboard_address=None) as lc,
        Client(lc) as client,
        pytest.raises(WorkersKilled, match="killed every dask worker that ran it"),
    ):  # fmt: skip
        list(run_tasks(_dies, [1, 2], scheduler=client))


def _slow(x: int) -> int:
    time.sleep(1.0)
    return x


def test_a_slow_first_result_from_a_cluster_is_explained_once(monkeypatch, capsys) -> None:
    """A worker without the compiled model compiles it in its first task (~35 s measured on a
    cold worker), and the client said nothing meanwhile; now one note, once."""
    from distributed import Client, LocalCluster

    from coalition_sim.engine import runner

    monkeypatch.setattr(runner, "FIRST_RESULT_NOTE", 0.2)
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                     dashboard_address=None) as lc,
        Client(lc) as client,
    ):  # fmt: skip
        assert sorted(runner.run_tasks(_slow, [1, 2, 3], scheduler=client)) == [1, 2, 3]
    err = capsys.readouterr().err
    assert err.count("note: nothing back from the dask cluster after 0.2 s") == 1, err
    assert "compiles it in its first task" in err


def test_the_command_line_keeps_dask_client_errors_off_the_terminal() -> None:
    """A lost scheduler printed dask's own ERROR line ('Failed to reconnect to scheduler ...',
    in other cases with a traceback) before the command's one line: the command line's CRITICAL
    level was reset when ``distributed`` was imported later. The in-process test above never
    saw it (this test module imports ``distributed`` first), so this one is a fresh process."""
    code = (
        "import logging\n"
        "from coalition_sim.cli.main import _quiet_dask_client\n"
        "_quiet_dask_client()\n"
        "import distributed\n"  # as a command connecting to a scheduler does, later
        "logging.getLogger('distributed.client').error('Failed to reconnect to scheduler')\n"
        "logging.getLogger('distributed.worker').warning('a worker message is not quieted')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(ROOT),
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Failed to reconnect" not in proc.stderr, proc.stderr
    assert "a worker message is not quieted" in proc.stderr  # dask's logging still works


def test_a_service_that_answers_garbage_is_named_as_not_a_scheduler_at_once() -> None:
    """A service that answers dask's handshake with other bytes (read as a huge frame length,
    a MemoryError, within milliseconds) was reported as 'no dask scheduler answered ... within
    30 s': untrue, and it sent the user looking for a slow network."""
    import socket
    import time

    from coalition_sim.engine import runner

    srv = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        held = []
        while True:  # every connection, as a service does
            try:
                conn, _ = srv.accept()
            except OSError:
                return  # closed
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")  # a web server, at once
            held.append(conn)

    threading.Thread(target=answer, daemon=True).start()
    address = f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    start = time.perf_counter()
    try:
        with pytest.raises(ConfigError, match="is not a dask scheduler: it answered with"):
            runner.connect(address)
    finally:
        srv.close()
    assert time.perf_counter() - start < 5


def test_a_port_nothing_listens_on_is_said_in_seconds_not_after_20() -> None:
    """dask retries a refused connection until its 20 s timeout: a mistyped port, or a
    scheduler not started, was said after 23 s of 'connecting'. Now a refusal that lasts the
    short grace (a scheduler still starting) is said at once, and nothing is written."""
    import time

    from coalition_sim.engine import runner

    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"cannot reach dask scheduler at .*: connection "
                       r"refused, nothing listens on port \d+ of 127.0.0.1 \(is it running"):  # fmt: skip
        runner.connect(address)
    assert time.perf_counter() - start < runner.REFUSED_GRACE + 5
