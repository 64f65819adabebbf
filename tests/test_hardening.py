"""Issue 23, items 4 and 6: machine errors in one line, staged writes, one writer per output
folder, leftover staging folders cleaned, every input path and number bounded.

Full disks and read-only file systems are simulated by making the writer raise the very
``OSError`` the kernel gives (the tests run as root in CI, where permissions do not stop a
write, and cannot fill a disk).
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CONFIGS

from coalition_sim.cli.errors import machine_error
from coalition_sim.cli.main import main
from coalition_sim.engine.posterior import load_posterior, model_fingerprint, save_posterior
from coalition_sim.experiments.sweep import run_sweep
from coalition_sim.scenario.errors import ConfigError
from coalition_sim.scenario.safe_paths import OutputDir, StagedFiles, atomic_file

LONG = "a" * 5000

GRID = """\
name = "hard_grid"
scenario = "summit_2018"
steps = 12
replicates = 3
seed = 1

[design]
kind = "factorial"

[[parameters]]
name = "params.fatigue.growth"
values = [0.0, 0.1]

[[parameters]]
name = "actors.ROK.mediation"
values = [0.0, 1.0]

[outputs]
every = 4
"""


def _one_line_error(capsys, needle: str) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    assert needle in err, err
    return err


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", "some/file")


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hard")
    (tmp / "grid.toml").write_text(GRID)
    run_sweep(tmp / "grid.toml", tmp / "sweep", workers=1, quiet=True)
    return tmp / "sweep"


# --------------------------------------------------------------------------- machine errors


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "no space left"), (errno.EROFS, "read-only"), (errno.EACCES, "permission"),
     (errno.ENAMETOOLONG, "too long"), (errno.EDQUOT, "quota")],
)  # fmt: skip
def test_machine_errors_are_one_line_with_the_file(code: int, words: str) -> None:
    msg = machine_error(OSError(code, os.strerror(code), "/x/y.csv"))
    assert msg is not None and words in msg and "/x/y.csv" in msg
    assert errno.errorcode[code] in msg
    assert machine_error(OSError("IOError: No space left on device")) is not None  # pyarrow
    assert machine_error(OSError(errno.ECONNREFUSED, "refused")) is None  # not the machine
    assert "out of memory" in (machine_error(MemoryError()) or "")


def test_a_full_disk_during_analyze_keeps_the_previous_analysis(sweep_dir, capsys, monkeypatch):
    """On main a full disk left analysis/probabilities.csv truncated (120 of 401 lines)."""
    assert main(["analyze", str(sweep_dir)]) == 0
    before = (sweep_dir / "analysis" / "probabilities.csv").read_bytes()
    capsys.readouterr()
    real = pd.DataFrame.to_csv

    def half_then_full(self, path=None, *args, **kwargs):  # writes half a table, then fails
        if path is not None:
            Path(path).write_text(real(self, None, *args, **kwargs)[:50])
        _enospc()

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_full)
    assert main(["analyze", str(sweep_dir)]) == 2
    _one_line_error(capsys, "no space left on the device")
    assert (sweep_dir / "analysis" / "probabilities.csv").read_bytes() == before
    assert not list(sweep_dir.glob(".analysis.tmp-*"))


def test_a_full_disk_during_discover_keeps_the_previous_report(sweep_dir, capsys, monkeypatch):
    argv = ["discover", str(sweep_dir), "--outcome", "summit_held"]
    assert main(argv) == 0
    report = sweep_dir / "discovery" / "discovery_summit_held.md"
    before = report.read_bytes()
    capsys.readouterr()
    monkeypatch.setattr(pd.DataFrame, "to_csv", _enospc)
    assert main(argv) == 2
    _one_line_error(capsys, "no space left")
    assert report.read_bytes() == before
    assert not list(sweep_dir.glob(".discovery.tmp-*"))


def test_a_full_disk_in_the_png_writer_leaves_no_run_folder(tmp_path, capsys, monkeypatch):
    import matplotlib.figure

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", _enospc)
    out = tmp_path / "run"
    assert main(["run", "--config", str(CONFIGS / "summit_2018.toml"), "--out", str(out)]) == 2
    _one_line_error(capsys, "no space left")
    assert not out.exists() and os.listdir(tmp_path) == []


def test_a_read_only_sweep_folder_is_one_line(sweep_dir, capsys, monkeypatch, tmp_path):
    import coalition_sim.experiments.sweep as sweep_mod

    def read_only(out, _man):
        raise OSError(errno.EROFS, "Read-only file system", str(out / "manifest.json"))

    monkeypatch.setattr(sweep_mod, "write_manifest", read_only)
    assert main(["sweep", str(sweep_dir.parent / "grid.toml"), "--out", str(tmp_path / "s")]) == 2
    _one_line_error(capsys, "read-only")


@pytest.mark.parametrize(
    "argv",
    [["check-config", LONG], ["sweep", LONG, "--out", "x"], ["analyze", LONG],
     ["discover", LONG], ["calibration-report", LONG, "--out", "x"], ["study", LONG],
     ["run", "--config", LONG, "--out", "x"], ["run", "--out", LONG],
     ["compare", "--policy", "a", "--futures", LONG]],
)  # fmt: skip
def test_a_5000_character_path_is_one_line_everywhere(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    _one_line_error(capsys, "")
    assert os.listdir(tmp_path) == []


def test_memory_error_is_one_line(capsys, monkeypatch):
    import coalition_sim.cli.main as cli

    def boom(_args):
        raise MemoryError

    monkeypatch.setitem(cli.COMMANDS, "scenarios", boom)
    assert main(["scenarios"]) == 2
    _one_line_error(capsys, "out of memory")


# --------------------------------------------------------------------------- staging, locks


def test_two_writers_of_one_run_folder_the_second_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    first = OutputDir(out)  # a run in progress holds the folder
    try:
        argv = ["run", "--config", str(CONFIGS / "summit_2018.toml"), "--out", str(out)]
        assert main([*argv, "--no-plot"]) == 2
        _one_line_error(capsys, f"another process (pid {os.getpid()}) is writing")
    finally:
        first.abort()
    assert main([*argv, "--no-plot"]) == 0  # free again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no lock file left


def test_a_writer_that_committed_meanwhile_is_seen_under_the_lock(tmp_path):
    out = tmp_path / "run"
    a = OutputDir(out)
    (a.tmp / "summary.json").write_text("{}")
    a.commit()
    with pytest.raises(ConfigError, match="holds an earlier result"):
        OutputDir(out)


def test_leftover_staging_folders_are_cleaned_on_the_next_run(tmp_path, capsys):
    out = tmp_path / "run"
    for stale in (".run.tmp-abc123", ".run.old-xyz"):  # a SIGKILLed writer's leftovers
        (tmp_path / stale).mkdir()
        (tmp_path / stale / "trajectory.csv").write_text("half")
    (tmp_path / ".other.tmp-1").mkdir()  # another folder's: not ours to remove
    argv = ["run", "--config", str(CONFIGS / "summit_2018.toml"), "--out", str(out), "--no-plot"]
    assert main(argv) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-1", "run"]


def test_staged_files_move_together_and_keep_other_files(tmp_path):
    dest = tmp_path / "analysis"
    dest.mkdir()
    (dest / "other_outcome.md").write_text("kept")
    (dest / "mine.csv").write_text("old")
    with pytest.raises(RuntimeError), StagedFiles(dest) as stage:
        (stage.tmp / "mine.csv").write_text("new")
        raise RuntimeError("crash mid-way")
    assert (dest / "mine.csv").read_text() == "old"
    with StagedFiles(dest) as stage:
        (stage.tmp / "mine.csv").write_text("new")
    assert (dest / "mine.csv").read_text() == "new"
    assert (dest / "other_outcome.md").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis"]


def test_atomic_file_keeps_the_old_content_on_failure(tmp_path):
    f = tmp_path / "fig.png"
    f.write_bytes(b"old")
    with pytest.raises(OSError), atomic_file(f) as tmp:
        assert tmp.suffix == ".png"  # writers that go by the extension still work
        tmp.write_bytes(b"ne")
        _enospc()
    assert f.read_bytes() == b"old" and os.listdir(tmp_path) == ["fig.png"]


# --------------------------------------------------------------------------- bounds


def test_compare_futures_from_a_fifo_is_refused_not_a_hang(tmp_path, capsys):
    fifo = tmp_path / "futures.csv"
    os.mkfifo(fifo)
    done = []
    t = threading.Thread(
        target=lambda: done.append(main(["compare", "--policy", "a", "--futures", str(fifo)])),
        daemon=True,
    )
    t.start()
    t.join(60)
    assert done == [2], "compare --futures FIFO blocked"
    _one_line_error(capsys, "not a regular file")


@pytest.mark.parametrize(
    ("table", "needle"),
    [("params.fatigue.growth\nabc\n", "'abc' is not a finite number"),
     ("params.fatigue.growth\ninf\n", "is not a finite number"),
     ("params.fatigue.growth\n", "0 rows"),
     # out of the schema's range: the file, column and row named, before any run
     ("params.fatigue.growth\n0.1\n5\n", "column 'params.fatigue.growth' row 2: 5 is not in"),
     ("no_such_parameter\n0.1\n", "no_such_parameter"),
     # an unknown column is named with its file, as a bad value is (neither was said)
     ("params.fatigue.growht\n0.1\n",
      "futures.csv: column 'params.fatigue.growht': unknown parameter")],
)  # fmt: skip
def test_bad_futures_tables_are_one_line(tmp_path, capsys, table, needle):
    f = tmp_path / "futures.csv"
    f.write_text(table)
    assert (
        main(["compare", "--policy", "a", "--futures", str(f), "--out", str(tmp_path / "o")]) == 2
    )
    _one_line_error(capsys, needle)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [(["compare", "--policy", "a", "--replicates", "1000000000000"], "must be from 1 to"),
     # an unknown outcome is refused with or without varying futures (it ran, exit 0)
     (["compare", "--policy", "a", "--outcome", "nope"], "unknown outcome 'nope'"),
     # an unknown sweep name lists the known ones, as an unknown scenario name does
     (["sweep", "nope", "--out", "never"], "no sweep spec named 'nope' (known: demo_grid"),
     (["compare", "--policy", "a", "--vary", "params.fatigue.growth=0:0.1", "--futures",
       "100000000"], "must be a whole number from 1 to 100,000"),
     (["compare", "--policy", "a", "--policy", "b", "--replicates", "1000000", "--vary",
       "params.fatigue.growth=0:0.1", "--futures", "20"], "more than the 1,000,000"),
     # 6 million runs were killed by the kernel at 23.6 GB: refused before any work
     (["compare", "--policy", "a", "--policy", "b", "--policy", "c:actors.USA.consults=1",
       "--vary", "params.fatigue.growth=0:0.3", "--futures", "1000", "--replicates", "2000"],
      "6,000,000 runs, more than the 1,000,000"),
     (["compare", "--policy", "a", "--policy", "b", "--replicates", "600000"],
      "x 600,000 replicates x 1 future = 1,200,000 runs"),  # it said "1 futures"
     (["calibrate", "--predictive-draws", "1000000000"], "must be from 1 to 100,000"),
     (["calibrate", "--particles", "1"], "must be from 4 to 100,000"),
     (["signatures", "--posterior", "x.parquet", "--draws", "1000000000"], "from 1 to 1,000"),
     (["screen", "--trajectories", "1000000000"], "from 2 to 1,000"),
     (["screen", "--replicates", "1000000000"], "from 1 to 10,000"),
     (["signatures", "--replicates", "2"], "must be from 20"),
     (["check-config", "a\x00b"], "NUL byte"),
     (["analyze", ""], "is empty")],
)  # fmt: skip
def test_numbers_and_paths_are_bounded(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    _one_line_error(capsys, needle)
    assert os.listdir(tmp_path) == []


def _posterior(path: Path, weights, meta=None) -> Path:
    names = ["params.fatigue.growth"]
    vals = np.full((len(weights), 1), 0.05)
    meta = {"model_fingerprint": model_fingerprint()} if meta is None else meta
    return save_posterior(path, names, vals, np.asarray(weights, dtype=float), meta)


def test_posterior_weights_must_have_a_finite_sum(tmp_path):
    """1e308 each passed on main, overflowed the sum, and every seed drew the last particle."""
    f = _posterior(tmp_path / "p.parquet", [1e308] * 400)
    with pytest.raises(ConfigError, match="finite sum"):
        load_posterior(f, check_model=False)
    ok = load_posterior(_posterior(tmp_path / "q.parquet", [1.0, 3.0]), check_model=False)
    assert np.allclose(ok.weights, [0.25, 0.75])


def test_damaged_posterior_metadata_and_a_fifo_are_one_line(tmp_path):
    import pyarrow.parquet as pq

    f = _posterior(tmp_path / "p.parquet", [1.0])
    table = pq.read_table(f)
    for damaged in (b"{not json", b'{"parameters": 5}', b"[1, 2]", b'{"parameters": [1]}'):
        md = dict(table.schema.metadata)
        md[b"coalition_sim.posterior"] = damaged
        pq.write_table(table.replace_schema_metadata(md), tmp_path / "d.parquet")
        with pytest.raises(ConfigError, match="damaged"):
            load_posterior(tmp_path / "d.parquet", check_model=False)
    fifo = tmp_path / "fifo.parquet"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_posterior(fifo)


def test_calibrate_and_screen_never_write_over_committed_or_earlier_files(
    capsys, tmp_path, monkeypatch
):
    """``calibrate --scenario-dir configs/history`` (or ``--report docs/calibration``) rewrote
    the committed calibrated scenarios without --write-configs; ``screen --priors FILE``
    replaced any file, a target file included. All refused in one line before any work."""
    from conftest import ROOT

    monkeypatch.chdir(tmp_path)
    tiny = ["--particles", "10", "--max-generations", "1", "--replicates", "1",
            "--predictive-draws", "10", "--no-forecast", "--out", str(tmp_path / "o")]  # fmt: skip
    before = {p: p.stat().st_mtime_ns for p in (ROOT / "configs" / "history").glob("*.toml")}
    for flag, folder, needle in (
        ("--scenario-dir", ROOT / "configs" / "history", "inside the committed configs/"),
        ("--report", ROOT / "docs" / "calibration", "inside the committed docs/"),
    ):
        assert main(["calibrate", *tiny, flag, str(folder)]) == 2
        _one_line_error(capsys, needle)
    earlier = tmp_path / "scen"
    earlier.mkdir()
    (earlier / "calibrated_2016.toml").write_text("x")
    assert main(["calibrate", *tiny, "--scenario-dir", str(earlier)]) == 2
    _one_line_error(capsys, "holds an earlier result")
    target = tmp_path / "targets.toml"
    target.write_text("# a target file\n")
    assert main(["screen", "--out", str(tmp_path / "s"), "--priors", str(target)]) == 2
    _one_line_error(capsys, "exists; add --overwrite")
    assert target.read_text() == "# a target file\n"
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()
    assert before == {
        p: p.stat().st_mtime_ns for p in (ROOT / "configs" / "history").glob("*.toml")
    }
