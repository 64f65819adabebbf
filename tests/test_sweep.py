"""Sweeps: spec validation, invariance to chunking/workers/order, resume after SIGKILL, Dask,
refusal of another spec, and the analysis (Wilson and Sobol known answers)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from coalition_sim.abm.model import CoalitionModel
from coalition_sim.cli.args import max_workers
from coalition_sim.cli.main import main
from coalition_sim.core import events
from coalition_sim.engine.stats import wilson_interval
from coalition_sim.experiments.analysis import analyze, sobol_indices
from coalition_sim.experiments.store import read_manifest
from coalition_sim.experiments.sweep import plan_sweep, read_runs, read_trajectories, run_sweep
from coalition_sim.scenario.loading import ConfigError

ROOT = Path(__file__).resolve().parent.parent

GRID = """\
name = "tiny_grid"
scenario = "summit_2018"
steps = 20
replicates = 5
seed = 42

[design]
kind = "factorial"

[[parameters]]
name = "params.fatigue.growth"
values = [0.0, 0.1]

[[parameters]]
name = "actors.ROK.mediation"
min = 0.0
max = 1.0
num = 3

[outputs]
every = 5
"""


def _spec(tmp_path: Path, text: str = GRID, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _dataset(out: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    return read_runs(out), read_trajectories(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny grid run uninterrupted in one process with one chunk per 7 runs."""
    tmp = tmp_path_factory.mktemp("ref")
    spec = _spec(tmp)
    run_sweep(spec, tmp / "out", workers=1, chunk_size=7, quiet=True)
    return spec, tmp / "out"


def test_sweep_writes_manifest_points_and_every_run(reference: tuple[Path, Path]) -> None:
    _, out = reference
    runs, traj = _dataset(out)
    assert len(runs) == 6 * 5
    assert (runs.groupby("point").size() == 5).all()
    assert set(runs.columns) >= {"point", "replicate", "seed", *events.OUTCOMES, "commitment_ROK"}
    assert sorted(traj["step"].unique()) == [0, 5, 10, 15, 20]
    assert len(list((out / "runs").glob("part-*.parquet"))) == 5  # ceil(30 / 7)
    points = pd.read_parquet(out / "points.parquet")
    assert points.shape == (6, 3)
    assert set(points["actors.ROK.mediation"]) == {0.0, 0.5, 1.0}


def test_a_sweep_row_replays_in_the_mesa_model(reference: tuple[Path, Path]) -> None:
    _, out = reference
    runs = read_runs(out)
    points = pd.read_parquet(out / "points.parquet").set_index("point")
    row = runs.iloc[23]
    pt = points.loc[row["point"]]
    model = CoalitionModel(
        "summit_2018", rng=int(row["seed"]), steps=20,
        fatigue__growth=pt["params.fatigue.growth"], actors__ROK__mediation=pt["actors.ROK.mediation"],
    ).run()  # fmt: skip
    assert model.effective_pressure == row["effective_pressure"]
    assert model.outcomes() == {k: bool(row[k]) for k in events.OUTCOMES}


@pytest.mark.parametrize(
    ("chunk_size", "workers", "order"),
    [(4, 1, None), (30, 1, None), (3, 2, "reversed"), (1, 1, "shuffled")],
)
@pytest.mark.slow
def test_dataset_is_invariant_to_chunks_workers_and_order(
    reference: tuple[Path, Path], tmp_path: Path, chunk_size: int, workers: int, order: str | None
) -> None:
    spec, ref = reference
    n_chunks = -(-30 // chunk_size)
    idx = list(range(n_chunks))
    if order == "reversed":
        idx = idx[::-1]
    elif order == "shuffled":
        idx = list(np.random.default_rng(5).permutation(n_chunks))
    run_sweep(spec, tmp_path / "o", workers=workers, chunk_size=chunk_size, quiet=True,
              order=None if order is None else idx)  # fmt: skip
    a_runs, a_traj = _dataset(ref)
    b_runs, b_traj = _dataset(tmp_path / "o")
    pd.testing.assert_frame_equal(a_runs, b_runs)
    pd.testing.assert_frame_equal(a_traj, b_traj)


@pytest.mark.slow
def test_parts_are_byte_identical_whoever_writes_them(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    """Two local workers write their chunks' files themselves, in another order: the files
    and the manifest's records are the same bytes as one process's."""
    spec, ref = reference
    run_sweep(spec, tmp_path / "o", workers=2, chunk_size=7, quiet=True, order=[4, 2, 0, 3, 1])
    for sub in ("runs", "trajectories"):
        mine = sorted((tmp_path / "o" / sub).glob("part-*.parquet"))
        assert [p.name for p in mine] == [p.name for p in sorted((ref / sub).glob("part-*"))]
        assert all(p.read_bytes() == (ref / sub / p.name).read_bytes() for p in mine)
    assert read_manifest(tmp_path / "o")["chunks"] == read_manifest(ref)["chunks"]


def test_journal_is_folded_and_a_torn_record_is_redone(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    """Committed chunks go to the journal, folded into the manifest (sorted) at the end; a
    record torn by a kill is skipped (its chunk is redone), the records after it count."""
    spec, ref = reference
    out = tmp_path / "o"
    shutil.copytree(ref, out)
    assert not (out / "chunks.jsonl").exists()
    man = json.loads((out / "manifest.json").read_text())
    assert list(man["chunks"]) == ["0", "1", "2", "3", "4"]
    records = man["chunks"]
    man["chunks"] = {k: records[k] for k in ("0", "1")}
    (out / "manifest.json").write_text(json.dumps(man))
    (out / "runs" / "part-000003.parquet").unlink()  # chunk 3: only a torn record
    lines = [json.dumps({"chunk": "2", **records["2"]}), json.dumps({"chunk": "3", **records["3"]})[:40],
             json.dumps({"chunk": "4", **records["4"]})]  # fmt: skip
    (out / "chunks.jsonl").write_text("\n" + "\n".join(lines))
    assert sorted(read_manifest(out)["chunks"]) == ["0", "1", "2", "4"]
    rep = run_sweep(spec, out, workers=1, quiet=True)
    assert (rep.skipped, rep.computed) == (4, 1)
    assert not (out / "chunks.jsonl").exists()
    assert json.loads((out / "manifest.json").read_text())["chunks"] == records
    pd.testing.assert_frame_equal(read_runs(out), read_runs(ref))


def test_rerun_skips_finished_chunks(reference: tuple[Path, Path]) -> None:
    spec, out = reference
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    rep = run_sweep(spec, out, workers=1, quiet=True)
    assert (rep.skipped, rep.computed) == (5, 0)
    assert before == {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}


@pytest.mark.slow
def test_resume_after_sigkill_gives_the_uninterrupted_dataset(tmp_path: Path) -> None:
    text = GRID.replace("steps = 20", "steps = 52").replace("replicates = 5", "replicates = 400")
    spec = _spec(tmp_path, text)  # 2,400 runs in 24 chunks of 100
    args = [sys.executable, str(ROOT / "run.py"), "sweep", str(spec), "--chunk-size", "100",
            "--workers", "1"]  # fmt: skip
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [*args, "--out", str(killed)], cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        while not list((killed / "runs").glob("part-*.parquet")):
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no chunk appeared within 60 s"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done_at_kill = len(read_manifest(killed)["chunks"])  # committed = recorded in the manifest
    assert 0 <= done_at_kill < 24
    resumed = subprocess.run([*args, "--out", str(killed)], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_at_kill} already done" in resumed.stdout
    run_sweep(spec, tmp_path / "whole", workers=1, chunk_size=100, quiet=True)
    a_runs, a_traj = _dataset(killed)
    b_runs, b_traj = _dataset(tmp_path / "whole")
    assert len(a_runs) == 2400 and not a_runs.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(a_runs, b_runs)
    pd.testing.assert_frame_equal(a_traj, b_traj)
    assert not list(killed.rglob(".part-*"))  # no temp file left behind


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "status", "head", "workers"),
    [(signal.SIGINT, 130, "interrupted: ", "1"),
     # SIGTERM (kill, timeout, a batch system) used to end the sweep with no word, and with
     # local workers the resource tracker's two-line 'leaked semaphore' warning
     (signal.SIGTERM, 143, "terminated (SIGTERM): ", "2")],
)  # fmt: skip
def test_ctrl_c_or_sigterm_says_what_is_kept_and_that_the_same_command_resumes(
    tmp_path: Path, sig: signal.Signals, status: int, head: str, workers: str
) -> None:
    # 24,000 runs in 240 chunks of 100: seconds of work left when the first chunk appears (with
    # 2,400 runs, a warm machine finished the whole sweep before the signal arrived)
    text = GRID.replace("steps = 20", "steps = 52").replace("replicates = 5", "replicates = 4000")
    spec = _spec(tmp_path, text)
    out = tmp_path / "stopped"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "sweep", str(spec), "--chunk-size", "100",
         "--workers", workers, "--out", str(out)],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
        # a test run started as a background job of a non-interactive shell inherits SIGINT
        # ignored, and a Python started so never raises KeyboardInterrupt: restore it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (out / "chunks.jsonl").exists():  # a chunk is recorded, not only written
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        assert time.monotonic() < deadline, "no chunk appeared within 60 s"
        time.sleep(0.01)
    os.killpg(proc.pid, sig)  # the whole process group, as a terminal's Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    said = err.strip().splitlines()
    assert said[-1].startswith(head) and said[-2].startswith("sweep tiny_grid: "), err
    kept = len(read_manifest(out)["chunks"])  # the recorded chunks, not the files on disk
    assert f": {kept} of 240 chunks are saved in {out}; the same command resumes" in said[-1]
    assert 0 < kept < 240


@pytest.mark.slow
def test_dask_local_cluster_equals_the_local_run(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    from distributed import LocalCluster

    spec, ref = reference
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:  # fmt: skip
        rep = run_sweep(spec, tmp_path / "d", scheduler=cluster.scheduler_address, chunk_size=4,
                        quiet=True)  # fmt: skip
    assert rep.computed == 8
    a_runs, a_traj = _dataset(ref)
    b_runs, b_traj = _dataset(tmp_path / "d")
    pd.testing.assert_frame_equal(a_runs, b_runs)
    pd.testing.assert_frame_equal(a_traj, b_traj)


def test_a_different_spec_on_the_same_folder_is_refused(
    reference: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _, out = reference
    other = _spec(tmp_path, GRID.replace("seed = 42", "seed = 43"))
    files = sorted(p.name for p in out.rglob("*"))
    assert main(["sweep", str(other), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "different sweep" in err and "\n" not in err
    assert sorted(p.name for p in out.rglob("*")) == files
    # same spec, another chunk size: refused too (it would re-cut finished chunks)
    spec = _spec(tmp_path, GRID, "same.toml")
    assert main(["sweep", str(spec), "--out", str(out), "--chunk-size", "9"]) == 2
    assert "--chunk-size 7" in capsys.readouterr().err


def test_a_folder_of_other_code_says_it_can_be_removed(
    reference: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch
) -> None:
    """After an update (any edit of the sources), rerunning a sweep or the README's study
    command on the earlier folder is refused; the refusal said only "use another --out", and
    the study's command has its data folder in the spec. It now says the folder may go."""
    import coalition_sim.experiments.sweep as sweep_module

    spec, out = reference
    stamp = sweep_module.code_stamp()
    monkeypatch.setattr(sweep_module, "code_stamp", lambda: {**stamp, "sources": "0" * 16})
    files = sorted(p.name for p in out.rglob("*"))
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "was started by other code" in err and "\n" not in err
    assert "remove the folder to start afresh, or use another --out" in err, err
    assert sorted(p.name for p in out.rglob("*")) == files


BAD = [
    ('name = "params.fatigue.growth"', 'name = "params.fatigue.grwth"', "unknown parameter"),
    ("min = 0.0\nmax = 1.0", "min = 0.5\nmax = 0.5", "empty range"),
    ("values = [0.0, 0.1]", "values = []", "empty 'values'"),
    ("replicates = 5", "replicates = 0", "'replicates'"),
    ('kind = "factorial"', 'kind = "sobol"\nsamples = 8', "needs 'min' and 'max'"),
    ('kind = "factorial"', 'kind = "lhs"', "needs 'min' and 'max'"),
    ('kind = "factorial"', 'kind = "bogus"', "'design.kind'"),
    ("values = [0.0, 0.1]", "values = [0.0, 1.5]", "out of range [0, 1]"),
    # the bound as written, not a grid point between (max = 5 was named as 'mediation = 1.25')
    ("min = 0.0\nmax = 1.0", "min = 0.0\nmax = 5.0", "max = 5 is out of its range [0, 1]"),
    ("num = 3", "", "needs 'values' or 'num'"),
    ('scenario = "summit_2018"', 'scenario = "nowhere"', "scenario 'nowhere' not found"),
    ("seed = 42", "seed = 42\ncolour = 1", "unknown key 'colour'"),
    ("replicates = 5", "replicatez = 5", "unknown key 'replicatez' (did you mean 'replicates'?)"),
    ("every = 5", "evry = 5", "unknown key 'outputs.evry' (did you mean 'outputs.every'?)"),
    ("every = 5", "every = -1", "'outputs.every'"),
]


@pytest.mark.parametrize(("old", "new", "needle"), BAD)
def test_bad_spec_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, old: str, new: str, needle: str
) -> None:
    assert old in GRID
    spec = _spec(tmp_path, GRID.replace(old, new, 1))
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert needle in err, err
    assert not out.exists()


def test_sobol_samples_must_be_a_power_of_two(tmp_path: Path) -> None:
    text = GRID.replace('kind = "factorial"', 'kind = "sobol"\nsamples = 12').replace(
        "values = [0.0, 0.1]", "min = 0.0\nmax = 0.1"
    )
    text = text.replace("num = 3\n", "")
    with pytest.raises(ConfigError, match="power of 2"):
        plan_sweep(_spec(tmp_path, text))


def test_analyze_writes_csv_and_pngs(reference: tuple[Path, Path], capsys) -> None:
    _, out = reference
    assert main(["analyze", str(out), "--outcome", "summit_held"]) == 0
    printed = capsys.readouterr().out
    assert "tiny_grid" in printed and "summit_held" in printed
    dest = out / "analysis"
    table = pd.read_csv(dest / "probabilities.csv")
    assert len(table) == 6 and (table["n"] == 5).all()
    runs = read_runs(out)
    k = runs.groupby("point")["summit_held"].sum().to_numpy()
    np.testing.assert_allclose(table["summit_held"], k / 5)
    lo, hi = wilson_interval(k, 5)
    np.testing.assert_allclose(table["summit_held_lo"], lo)
    np.testing.assert_allclose(table["summit_held_hi"], hi)
    assert ((table["summit_held_lo"] <= table["summit_held"]) & (table["summit_held"] <= table["summit_held_hi"])).all()  # fmt: skip
    # the files say what they were computed from and at which interval level
    import json

    import coalition_sim

    doc = json.loads((dest / "analysis.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert doc["version"] == coalition_sim.__version__
    assert doc["sweep_spec_hash"] == manifest["spec_hash"]
    assert doc["confidence"] == 0.95 and doc["runs_done"] == 30 and doc["complete"]
    assert main(["analyze", str(out), "--confidence", "0.5"]) == 0
    capsys.readouterr()
    assert json.loads((dest / "analysis.json").read_text())["confidence"] == 0.5
    narrower = pd.read_csv(dest / "probabilities.csv")
    assert (narrower["summit_held_hi"] - narrower["summit_held_lo"] <= table["summit_held_hi"] - table["summit_held_lo"]).all()  # fmt: skip
    for png in ("heatmap_summit_held.png", "fan_chart.png"):
        data = (dest / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_wilson_interval_known_answer() -> None:
    # 3 successes in 10 at 95 %: by hand, z = 1.959964, centre = (0.3 + z^2/20) / (1 + z^2/10)
    # = 0.355506, half-width = z / (1 + z^2/10) * sqrt(0.021 + z^2/400) = 0.247715
    lo, hi = wilson_interval(3, 10)
    np.testing.assert_allclose([lo, hi], [0.107791, 0.603222], atol=1e-6)
    ref = stats.binomtest(17, 40).proportion_ci(confidence_level=0.9, method="wilson")
    np.testing.assert_allclose(wilson_interval(17, 40, 0.9), [ref.low, ref.high], rtol=1e-12)
    lo0, hi0 = wilson_interval(0, 20)
    assert lo0 == 0.0 and hi0 == pytest.approx(0.161125, abs=1e-6)


def test_sobol_wrapper_recovers_ishigami_indices() -> None:
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = sobol_sample.sample(problem, 4096, calc_second_order=False, seed=1)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    res = sobol_indices(problem, y, seed=2)
    # analytic values for a = 7, b = 0.1
    np.testing.assert_allclose(res["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(res["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)
    with pytest.raises(ValueError, match="non-zero"):
        sobol_indices(problem, y, seed=0)


def test_sobol_sweep_gives_indices_end_to_end(tmp_path: Path) -> None:
    text = """\
name = "tiny_sobol"
scenario = "baseline"
steps = 30
replicates = 4
seed = 9

[design]
kind = "sobol"
samples = 16

[[parameters]]
name = "params.volatility.outburst_rate"
min = 0.0
max = 0.4

[[parameters]]
name = "params.tension.decay"
min = 0.01
max = 0.2

[[parameters]]
name = "params.summit.lead_weeks"
min = 2
max = 12
"""
    out = tmp_path / "s"
    run_sweep(_spec(tmp_path, text), out, workers=1, quiet=True)
    points = pd.read_parquet(out / "points.parquet")
    assert len(points) == 16 * (3 + 2)
    assert (points["params.summit.lead_weeks"] % 1 == 0).all()  # integers rounded
    res = analyze(out)
    assert res.sobol is not None
    tension = res.sobol[res.sobol["output"] == "mean_tension"]
    assert list(tension["parameter"]) == [
        "params.volatility.outburst_rate", "params.tension.decay", "params.summit.lead_weeks",
    ]  # fmt: skip
    assert (out / "analysis" / "sobol.csv").exists()
    assert np.isfinite(tension["ST"]).all()


def test_workers_follow_the_amount_of_work() -> None:
    from coalition_sim.experiments.sweep import (
        MIN_SECONDS_PER_WORKER,
        RATE_PER_PROCESS,
        choose_workers,
    )

    # a 6,000-run sweep of 104 weeks is well under a second: no second worker
    n, why = choose_workers(6000, 104, n_chunks=3, cores=2)
    assert n == 1 and "this process" in why
    # a million runs: every core, but never more workers than chunks
    assert choose_workers(1_000_000, 104, n_chunks=64, cores=2)[0] == 2
    assert choose_workers(1_000_000, 104, n_chunks=1, cores=8)[0] == 1
    # one worker per MIN_SECONDS_PER_WORKER of estimated work
    runs = int(3 * MIN_SECONDS_PER_WORKER * RATE_PER_PROCESS / 100) + 1
    assert choose_workers(runs, 100, n_chunks=64, cores=16)[0] == 3


def test_the_default_chunk_keeps_long_trajectories_bounded() -> None:
    """A chunk's size follows the spec only (same layout on any machine), and a sweep that
    keeps long trajectories gets smaller chunks: 4,000 runs x 5,200 weeks kept every week made
    two chunks of 2.8 GB each."""
    from coalition_sim.experiments.sweep_size import MAX_CHUNK_CELLS, default_chunk_size

    assert default_chunk_size(1_000_000) == 15_625 and default_chunk_size(10) == 2000
    long = (5200 + 1) * 8
    assert default_chunk_size(4000, long) * long <= MAX_CHUNK_CELLS
    assert default_chunk_size(4000, (104 + 1) * 8) == 2000  # ordinary sweeps are unchanged


MORRIS = """\
name = "tiny_morris"
scenario = "summit_2018"
steps = 15
replicates = 7
seed = 3

[design]
kind = "morris"
samples = 4
levels = 4

[[parameters]]
name = "params.fatigue.growth"
min = 0.0
max = 0.1

[[parameters]]
name = "actors.ROK.mediation"
min = 0.0
max = 1.0
"""


def test_analysis_files_are_the_same_bytes_whatever_the_chunk_size(tmp_path):
    # a point's replicates straddling chunks were summed chunk by chunk: mean_* columns,
    # morris.csv and sensitivity_noise.csv differed by ~1e-16 between chunk sizes
    spec = _spec(tmp_path, MORRIS)
    files = {}
    for size in (3, 5, 1000):
        out = tmp_path / f"c{size}"
        run_sweep(spec, out, workers=1, chunk_size=size, quiet=True)
        analyze(out)
        files[size] = {p.name: p.read_bytes() for p in (out / "analysis").glob("*.csv")}
    assert {"probabilities.csv", "morris.csv", "sensitivity_noise.csv"} <= set(files[1000])
    assert files[3] == files[1000] and files[5] == files[1000]


def test_read_runs_names_an_unknown_column(reference: tuple[Path, Path]) -> None:
    """pyarrow's ArrowInvalid dumped the schema; now one line naming the column and the known ones."""
    _, out = reference
    for reader, what in ((read_runs, "runs"), (read_trajectories, "trajectories")):
        with pytest.raises(
            ConfigError, match=f"'nope' is not a column of the {what} \\(point,"
        ) as e:
            reader(out, columns=["point", "nope"])
        assert "\n" not in str(e.value)
    with pytest.raises(ConfigError, match="columns must be a list of column names"):
        read_runs(out, columns="point")  # type: ignore[arg-type]
    assert list(read_runs(out, columns=["point", "seed"]).columns) == ["point", "seed"]


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [({"workers": 0}, "workers must be a whole number from 1, not 0"),
     ({"workers": max_workers() + 1}, "workers must be at most"),
     ({"workers": 1.5}, "workers must be a whole number"),
     ({"chunk_size": 0}, "^chunk_size must be a whole number from 1, not 0")],
)  # fmt: skip
def test_run_sweep_refuses_what_the_command_line_refuses(tmp_path, kwargs, says) -> None:
    """``run_sweep(workers=0)`` was accepted (the CLI refuses it); ``chunk_size=0`` spoke of
    ``--chunk-size`` to an API caller. Refused before the folder is made."""
    with pytest.raises(ConfigError, match=says):
        run_sweep(_spec(tmp_path), tmp_path / "o", quiet=True, **kwargs)
    assert not (tmp_path / "o").exists()


def test_a_write_that_fails_on_a_full_disk_leaves_no_temp_file(tmp_path: Path, monkeypatch) -> None:
    """On a full disk the chunk being written left its partial temp file (1.7 MB of a 5 MB
    disk, measured) holding the space the error line told the user to free; now it goes."""
    import errno

    from coalition_sim.experiments import store

    class Full:
        def __init__(self, path: Path, mode: str) -> None:
            self.fh = open(path, mode)  # noqa: SIM115

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            self.fh.write(data[: len(data) // 2])  # half reaches the disk, then it is full
            raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "runs" / "part-000001.parquet"
    target.parent.mkdir()
    monkeypatch.setattr(store, "open", Full, raising=False)
    with pytest.raises(OSError, match="No space left"):
        store.atomic_bytes(target, b"x" * 4096, sync=False)
    assert list(target.parent.iterdir()) == []  # neither the part nor its temp file


def test_a_sweep_of_too_many_default_chunks_is_refused_before_anything_is_written(
    tmp_path: Path, capsys
) -> None:
    """10^9 runs of 5,200 weeks kept every week were accepted and started writing (1.2 GB in
    25 s, an ETA of 104 days): the trajectory cap cut them into 2,083,334 default chunks, and
    the 10,000-chunk limit was checked only for an explicit --chunk-size."""
    text = (
        GRID.replace("steps = 20", "steps = 5200")
        .replace("replicates = 5", "replicates = 1000000")
        .replace("every = 5", "every = 1")
        .replace("values = [0.0, 0.1]", "min = 0.0\nmax = 0.1\nnum = 200")
    )
    out = tmp_path / "o"
    assert main(["sweep", str(_spec(tmp_path, text)), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: sweep 'tiny_grid': 600,000,000 runs in chunks of 480 ")
    assert "more than the 10,000 a sweep folder holds; keep trajectories less often" in err
    assert not out.exists()
    no_traj = text.replace("every = 1", "every = 0")  # cut by the 20,000-run default instead
    with pytest.raises(ConfigError, match=r"30,000 chunks.*--chunk-size 60000 or more"):
        run_sweep(_spec(tmp_path, no_traj, "b.toml"), out, quiet=True)
    assert not out.exists()


def test_a_sweep_that_cannot_fit_on_its_disk_stops_after_one_chunk_with_the_estimate(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch
) -> None:
    """A sweep ran until its disk was full. Now the first chunk measures the bytes a run
    takes, and a disk without room for the rest stops the sweep there, saying how much it
    needs; a resume on that disk is refused before computing anything; with room it finishes
    with the uninterrupted dataset."""
    import collections

    spec, ref = reference
    out = tmp_path / "o"
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 5000, 5000))
    with pytest.raises(ConfigError, match=r"the 23 runs still to do need about [\d.,]+ KiB "
                       r"\(measured: [\d,]+ bytes a run over the 7 written\) and its disk has "
                       r"4.9 KiB free; free some space or use another --out"):  # fmt: skip
        run_sweep(spec, out, workers=1, chunk_size=7, quiet=True)
    assert list(read_manifest(out)["chunks"]) == ["0"]  # one chunk written, then it stopped
    with pytest.raises(ConfigError, match="the 23 runs still to do need"):
        run_sweep(spec, out, workers=1, quiet=True)  # refused up front, nothing computed
    monkeypatch.undo()
    rep = run_sweep(spec, out, workers=1, quiet=True)
    assert (rep.skipped, rep.computed) == (1, 4)
    pd.testing.assert_frame_equal(read_runs(out), read_runs(ref))
    pd.testing.assert_frame_equal(read_trajectories(out), read_trajectories(ref))


def test_local_workers_that_cannot_hold_their_chunks_are_refused_before_writing(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch
) -> None:
    """An explicit --chunk-size or --workers with long trajectories started whatever the
    memory (20,000 runs x 2,000 weeks kept: a 3 GiB table, some 12 GiB at the peak, per
    process) and ended with the kernel killing a worker or the sweep. Now the estimate refuses
    it before anything is written; a worker count the sweep chose itself is lowered instead."""
    from coalition_sim.experiments import sweep_size

    spec, ref = reference
    one = sweep_size.PROCESS_BYTES + sweep_size.CHUNK_PEAK * 7 * 5 * 100 * 8  # > one chunk
    monkeypatch.setattr(sweep_size, "total_memory", lambda: int(1.5 * one))  # room for one
    out = tmp_path / "o"
    with pytest.raises(ConfigError, match=r"^2 local processes each computing a chunk of 7 runs "
                       r"that keep 20 weeks every 5 .* more than this machine's"):  # fmt: skip
        run_sweep(spec, out, workers=2, chunk_size=7, quiet=True)
    assert not out.exists()
    assert sweep_size.fit_memory(7, 20, 5, 3, workers=4, asked=False) == 1  # chosen: lowered
    rep = run_sweep(spec, out, chunk_size=7, quiet=True)
    assert rep.computed == 5 and rep.workers == 1
    pd.testing.assert_frame_equal(read_runs(out), read_runs(ref))
