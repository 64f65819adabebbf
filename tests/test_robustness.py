"""Careless and hostile input (issue 15): every case is refused in one line or handled.

Input paths (cases 1, 4, 5), output folders (2, 7, 9), the sweep store (3, 8, 12), dask (10),
provenance (11) and the minor cases (12). The page (6) is ``test_ui_hostile.py``; the config
fuzzer is ``test_fuzz.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from conftest import CONFIGS, ROOT

from coalition_sim.abm.model import CoalitionModel
from coalition_sim.cli.main import main
from coalition_sim.engine import runner
from coalition_sim.experiments.analysis import analyze
from coalition_sim.experiments.store import read_manifest, writer_lock
from coalition_sim.experiments.sweep import read_runs, run_sweep
from coalition_sim.scenario import safe_paths
from coalition_sim.scenario.library import load_scenario
from coalition_sim.scenario.loading import ConfigError
from coalition_sim.scenario.provenance import program_name, scenario_hash

# the rejection step scores count and summit facts only: its frozen target file
LEGACY_TARGETS = ROOT / "tests" / "golden" / "targets_legacy.toml"

pytestmark = pytest.mark.timeout(120)

BASELINE = CONFIGS / "baseline.toml"

SPEC = """\
name = "robust_grid"
scenario = "baseline"
steps = 12
replicates = 4
seed = 3

[[parameters]]
name = "params.fatigue.growth"
values = [0.0, 0.05, 0.1]

[outputs]
every = 4
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def refused(capsys, argv: list[str], root: Path, *needles: str) -> str:
    """Exit 2, one short 'error:' line naming what is wrong, no traceback, nothing written."""
    before = tree(root)
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error:") and len(lines[0]) < 400, lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert tree(root) == before, "a refused command wrote files"
    return lines[0]


def scenario(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE}"\n{text}')
    return path


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a model is run: output checks must come before any work."""

    def boom(self, *args, **kwargs):
        raise AssertionError("the simulation ran before the output folder was checked")

    monkeypatch.setattr(CoalitionModel, "run", boom)


# --------------------------------------------------------------------------- input paths


def test_extends_a_fifo_is_refused_without_hanging(tmp_path, capsys):
    os.mkfifo(tmp_path / "f")
    cfg = tmp_path / "x.toml"
    cfg.write_text('extends = "f"\n')
    t0 = time.monotonic()
    refused(capsys, ["check-config", str(cfg)], tmp_path, "not a regular file")
    assert time.monotonic() - t0 < 5


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null", "/proc/self/status"])
def test_extends_a_device_or_proc_file_is_refused(tmp_path, capsys, target):
    cfg = tmp_path / "x.toml"
    cfg.write_text(f'extends = "{target}"\n')
    msg = refused(capsys, ["check-config", str(cfg)], tmp_path)
    assert "not a regular file" in msg or "larger than" in msg or "malformed" in msg


def test_config_that_is_a_fifo_or_folder_is_refused(tmp_path, capsys):
    os.mkfifo(tmp_path / "f.toml")
    refused(capsys, ["check-config", str(tmp_path / "f.toml")], tmp_path, "not a regular file")
    (tmp_path / "d.toml").mkdir()
    refused(capsys, ["run", "--config", str(tmp_path / "d.toml")], tmp_path, "is a directory")


def test_oversized_config_is_refused(tmp_path, capsys):
    big = scenario(tmp_path, "# " + "x" * safe_paths.MAX_INPUT_BYTES + "\n")
    refused(capsys, ["check-config", str(big)], tmp_path, "larger than")


def test_unreadable_config_is_refused(tmp_path, capsys, monkeypatch):
    cfg = scenario(tmp_path, "")
    real_open = os.open

    def deny(path, *args, **kwargs):
        if str(path) == str(cfg):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(safe_paths.os, "open", deny)
    refused(capsys, ["check-config", str(cfg)], tmp_path, "permission denied")


@pytest.mark.parametrize(
    ("value", "needle"),
    [('"a\\u0000b"', "NUL byte"), ('"' + "a" * 5000 + '"', "longer than"), ("3", "string")],
)
def test_bad_extends_names_are_refused(tmp_path, capsys, value, needle):
    cfg = tmp_path / "x.toml"
    cfg.write_text(f"extends = {value}\n")
    msg = refused(capsys, ["check-config", str(cfg)], tmp_path, needle)
    assert len(msg) < 300  # a 5,000-character name is not echoed


def test_symlink_loops_are_refused(tmp_path, capsys):
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    refused(capsys, ["check-config", str(tmp_path / "a.toml")], tmp_path, "symbolic links")
    cfg = tmp_path / "x.toml"
    cfg.write_text('extends = "a.toml"\n')
    refused(capsys, ["check-config", str(cfg)], tmp_path, "x.toml")


def test_a_long_extends_chain_is_refused(tmp_path, capsys):
    n = 2000
    for k in range(n):
        (tmp_path / f"c{k}.toml").write_text(f'extends = "c{k + 1}.toml"\n')
    (tmp_path / f"c{n}.toml").write_text(f'extends = "{BASELINE}"\n')
    refused(capsys, ["check-config", str(tmp_path / "c0.toml")], tmp_path, "chain is longer")
    # a chain within the limit still works
    short = tmp_path / f"c{n - safe_paths.MAX_EXTENDS_DEPTH + 1}.toml"
    assert main(["check-config", str(short)]) == 0


@pytest.mark.parametrize("opener", ["[", "{ a = "])
def test_deeply_nested_toml_is_refused(tmp_path, capsys, opener):
    closer = "]" if opener == "[" else " }"
    for depth in (3000, safe_paths.MAX_TOML_DEPTH + 2):
        cfg = tmp_path / f"deep{depth}.toml"
        cfg.write_text(f"x = {opener * depth}1{closer * depth}\n")
        refused(capsys, ["check-config", str(cfg)], tmp_path, "nested too deeply")


def test_start_date_near_the_end_of_the_calendar_is_refused(tmp_path, capsys, no_simulation):
    cfg = scenario(tmp_path, "start_date = 9999-06-01\n")
    refused(capsys, ["check-config", str(cfg)], tmp_path, "start_date", "9999-06-01")
    refused(capsys, ["run", "--config", str(cfg)], tmp_path, "start_date")


def test_sweep_scenario_target_is_checked(tmp_path, capsys):
    os.mkfifo(tmp_path / "fifo.toml")
    for target, needle in (("fifo.toml", "not a regular file"), ("a\\u0000b", "NUL byte")):
        spec = tmp_path / "spec.toml"
        spec.write_text(SPEC.replace('scenario = "baseline"', f'scenario = "{target}"'))
        refused(capsys, ["sweep", str(spec), "--out", str(tmp_path / "o")], tmp_path, needle)


# --------------------------------------------------------------------------- minor cases


def test_65_actors_refusal_is_short(tmp_path, capsys):
    extra = "".join(
        f'[[actors]]\nid = "X{k}"\nname = "Extra {k}"\nrole = "member"\ncapability = 0.01\n'
        for k in range(61)
    )
    msg = refused(capsys, ["check-config", str(scenario(tmp_path, extra))], tmp_path, "actors")
    assert len(msg) < 250 and "United States" not in msg


@pytest.mark.parametrize("text", ["[params.fatigue]\ngrowth = true\n", "steps = true\n",
                                  "dprk_relief = false\n"])  # fmt: skip
def test_toml_booleans_are_refused_for_numbers(tmp_path, capsys, text):
    refused(capsys, ["check-config", str(scenario(tmp_path, text))], tmp_path, "valid")


def test_seed_error_states_the_real_range(tmp_path, capsys):
    msg = refused(capsys, ["check-config", str(scenario(tmp_path, "seed = -1\n"))], tmp_path)
    assert "None" not in msg and f"{2**63 - 1}" in msg


def test_workers_have_an_upper_bound(tmp_path, capsys):
    refused(capsys, ["sweep", "demo_grid", "--out", "o", "--workers", "100000"], tmp_path,
            "at most")  # fmt: skip


# --------------------------------------------------------------------------- outputs


def _bad_outs(tmp_path: Path) -> list[tuple[str, str]]:
    if not (tmp_path / "f").exists():
        (tmp_path / "f").write_text("x")
        (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "notes.txt").write_text("mine")
    return [
        ("f", "not a folder"),
        ("f/sub", "is a file"),
        ("dangling", "dangling"),
        ("/dev/null", "system location"),
        ("/proc/x", "system location"),
        ("/", "system location"),
        ("", "may not be empty"),
        (".", "current folder"),
        (str(ROOT), "project folder"),
        (str(ROOT.parent), "project folder"),
        ("a" * 300, "longer than"),
        ("other", "holds other files"),
    ]


def test_bad_output_folders_are_refused_before_the_run(tmp_path, capsys, no_simulation):
    for out, needle in _bad_outs(tmp_path):
        refused(capsys, ["run", "--steps", "3", "--out", out], tmp_path, needle)
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_bad_output_folders_are_refused_by_sweep_and_calibrate(tmp_path, capsys):
    for out, needle in _bad_outs(tmp_path):
        refused(capsys, ["sweep", "demo_grid", "--out", out, "--quiet"], tmp_path, needle)
    for out, needle in _bad_outs(tmp_path)[:6]:
        argv = ["calibrate", str(CONFIGS / "calibration" / "targets.toml"), "--out", out]
        refused(capsys, argv, tmp_path, needle)


def test_read_only_parent_is_refused(tmp_path, capsys, monkeypatch, no_simulation):
    monkeypatch.setattr(safe_paths.os, "access", lambda *args, **kwargs: False)
    refused(capsys, ["run", "--steps", "3", "--out", "new/out"], tmp_path, "not writable")


def test_earlier_result_needs_overwrite_and_is_replaced_whole(tmp_path, capsys):
    argv = ["run", "--steps", "3", "--no-plot", "--out", "res"]
    assert main(argv) == 0
    (tmp_path / "res" / "stale.txt").write_text("from another run")
    refused(capsys, argv, tmp_path, "--overwrite")
    assert main([*argv, "--overwrite"]) == 0
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == [
        "events.csv", "summary.json", "trajectory.csv",
    ]  # fmt: skip
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".res.")]  # no temp left


def test_default_folder_is_refreshed_only_by_the_identical_run(tmp_path, capsys):
    argv = ["run", "--steps", "3", "--seed", "5", "--no-plot"]
    assert main(argv) == 0
    (folder,) = (tmp_path / "outputs").iterdir()
    (folder / "stale.txt").write_text("x")
    assert main(argv) == 0  # same scenario and seed: the folder is replaced whole
    assert not (folder / "stale.txt").exists()
    summary = json.loads((folder / "summary.json").read_text())
    summary["scenario_spec"]["description"] = "edited since"
    (folder / "summary.json").write_text(json.dumps(summary))
    refused(capsys, argv, tmp_path, "--overwrite")  # a different job: refused


def test_an_interrupted_run_leaves_nothing(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("coalition_sim.abm.outputs.step_table", interrupted)
    assert main(["run", "--steps", "3", "--no-plot", "--out", "deep/res"]) == 130
    assert tree(tmp_path) == []


def test_default_folder_encodes_overrides_and_stays_in_outputs(tmp_path, capsys):
    assert main(["run", "--seed", "1", "--set", "steps=3", "--no-plot"]) == 0
    assert main(["run", "--seed", "1", "--set", "steps=4", "--no-plot"]) == 0
    for name in ("../../escaped", "/tmp/abs_escape", "..", "a/../../b"):
        cfg = scenario(tmp_path, f'name = "{name}"\nsteps = 3\n', "named.toml")
        assert main(["run", "--config", str(cfg), "--seed", "1", "--no-plot"]) == 0
    capsys.readouterr()
    made = sorted(p.name for p in (tmp_path / "outputs").iterdir())
    assert len(made) == 6, made  # two override sets and four hostile names, all distinct
    assert sum(m.startswith("baseline-seed1-") for m in made) == 2
    assert all((tmp_path / "outputs" / m / "summary.json").is_file() for m in made)
    assert {p.name for p in tmp_path.iterdir()} == {"outputs", "named.toml"}
    assert not Path("/tmp/abs_escape-seed1").exists()


def test_summary_has_provenance_with_relative_paths(tmp_path, capsys):
    assert main(["run", "--steps", "3", "--no-plot", "--out", str(tmp_path / "r")]) == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    prov = summary["provenance"]
    for key in ("version", "git", "python", "libraries", "command", "scenario_sha256", "started"):
        assert key in prov
    assert set(prov["git"]) == {"commit", "dirty"}
    assert prov["libraries"]["numpy"] and prov["python"].count(".") == 2
    assert prov["command"][-2:] == ["--out", "."]  # relative to the output folder
    assert not any(str(a).startswith("/") for a in prov["command"])
    scn = load_scenario(BASELINE, ["steps=3"])
    assert prov["scenario_sha256"] == scenario_hash(scn)


# --------------------------------------------------------------------------- sweep store


@pytest.fixture
def sweep(tmp_path) -> tuple[Path, Path]:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "sw"
    run_sweep(spec, out, workers=1, chunk_size=5, quiet=True)  # 12 runs in 3 chunks
    return spec, out


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def test_manifest_records_every_chunk_and_no_absolute_path(sweep):
    spec, out = sweep
    man = read_manifest(out)
    assert sorted(man["chunks"]) == ["0", "1", "2"]
    assert sum(c["runs"]["rows"] for c in man["chunks"].values()) == 12
    assert all(len(c["runs"]["sha256"]) == 64 for c in man["chunks"].values())
    assert man["points"]["rows"] == 3
    assert (
        man["provenance"]["git"]["commit"] is None or len(man["provenance"]["git"]["commit"]) == 40
    )
    assert not [s for s in _strings(man) if s.startswith("/")]
    assert (out / man["spec_source"]).resolve() == spec.resolve()


@pytest.mark.parametrize("damage", ["truncate", "empty", "garbage"])
def test_damaged_chunk_is_refused_by_analyze_and_redone_by_resume(sweep, capsys, caplog, damage):
    spec, out = sweep
    reference = read_runs(out)
    part = out / "runs" / "part-000001.parquet"
    data = part.read_bytes()
    part.write_bytes(
        {"truncate": data[: len(data) // 2], "empty": b"", "garbage": b"x" * len(data)}[damage]
    )
    with pytest.raises(ConfigError, match=r"part-000001\.parquet"):
        analyze(out)
    status = main(["analyze", str(out)])
    assert status == 2 and "part-000001.parquet" in capsys.readouterr().err
    # discover reads the same chunks through the same checks (it globbed them unchecked:
    # a damaged part ended in pyarrow's traceback)
    status = main(["discover", str(out), "--outcome", "summit_held"])
    err = capsys.readouterr().err
    assert status == 2 and "part-000001.parquet" in err and len(err.strip().splitlines()) == 1
    rep = run_sweep(spec, out, workers=1, quiet=True)
    assert (rep.skipped, rep.computed) == (2, 1)
    assert "part-000001.parquet" in caplog.text
    pd.testing.assert_frame_equal(read_runs(out), reference)


def test_missing_chunk_file_is_redone(sweep):
    spec, out = sweep
    (out / "trajectories" / "part-000002.parquet").unlink()
    with pytest.raises(ConfigError, match=r"part-000002\.parquet is missing"):
        read_runs(out)
    assert run_sweep(spec, out, workers=1, quiet=True).computed == 1
    assert len(read_runs(out)) == 12


def test_stray_part_file_is_ignored_with_a_warning(sweep, caplog):
    spec, out = sweep
    stray = out / "runs" / "part-000099.parquet"
    stray.write_bytes((out / "runs" / "part-000000.parquet").read_bytes())
    (out / "runs" / "part-x.parquet").write_bytes(b"junk")
    assert len(read_runs(out)) == 12
    assert "part-000099.parquet is not part of this sweep" in caplog.text
    result = analyze(out)
    assert int(result.probabilities["n"].sum()) == 12
    assert run_sweep(spec, out, workers=1, quiet=True).computed == 0


def test_unrecorded_chunk_counts_as_not_done(sweep):
    spec, out = sweep
    man = read_manifest(out)
    del man["chunks"]["2"]
    (out / "manifest.json").write_text(json.dumps(man))
    assert len(read_runs(out)) == 10  # chunks of 5, 5 and 2 runs: the last is not read
    assert run_sweep(spec, out, workers=1, quiet=True).computed == 1
    assert len(read_runs(out)) == 12


def test_truncated_points_file_is_detected(sweep, caplog):
    spec, out = sweep
    points = out / "points.parquet"
    points.write_bytes(points.read_bytes()[:40])
    with pytest.raises(ConfigError, match=r"points\.parquet"):
        analyze(out)
    run_sweep(spec, out, workers=1, quiet=True)
    assert "points.parquet" in caplog.text
    assert len(pd.read_parquet(points)) == 3
    analyze(out)


@pytest.mark.parametrize(
    ("content", "needle"),
    [("[1, 2]", "not a JSON object"), ("{", "unreadable manifest"), ('"x"', "not a JSON object"),
     ("{}", "lacks a valid"), ('{"chunk_size": 5, "n_chunks": 3, "spec_hash": "x", "chunks": []}',
                               "'chunks'")],
)  # fmt: skip
def test_malformed_manifest_is_a_clean_error(sweep, capsys, content, needle):
    spec, out = sweep
    (out / "manifest.json").write_text(content)
    for argv in (["analyze", str(out)], ["sweep", str(spec), "--out", str(out), "--quiet"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and needle in err, err


def test_a_second_writer_is_refused(sweep, capsys):
    spec, out = sweep
    with writer_lock(out), pytest.raises(ConfigError, match="another sweep"):
        run_sweep(spec, out, workers=1, quiet=True)
    run_sweep(spec, out, workers=1, quiet=True)  # released


def test_bogus_dask_scheduler_is_refused_before_anything_is_written(tmp_path, capsys):
    for address in ("bogus://x", "", "http://h:1"):
        refused(capsys, ["sweep", "demo_grid", "--out", "o", "--scheduler", address], tmp_path,
                "scheduler")  # fmt: skip


@pytest.mark.slow
def test_unreachable_dask_scheduler_claims_no_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(ConfigError, match="cannot reach dask scheduler"):
        run_sweep("demo_grid", tmp_path / "o", scheduler="tcp://127.0.0.1:1", quiet=True)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "argv",
    [["sweep", "demo_grid"],
     ["calibrate", "--particles", "12", "--replicates", "2", "--max-generations", "1"]],
)  # fmt: skip
def test_an_unreachable_scheduler_is_said_before_its_wait(tmp_path, capsys, monkeypatch, argv):
    """A scheduler that does not answer is given up after 20 s, and the command said nothing
    in that time; it now says what it is waiting for, then refuses in one line."""
    monkeypatch.setattr(runner, "DASK_CONNECT_TIMEOUT", "1s")
    monkeypatch.chdir(tmp_path)
    address = "tcp://127.0.0.1:1"
    assert main([*argv, "--out", "o", "--scheduler", address]) == 2
    err = capsys.readouterr().err.splitlines()
    waiting = [line for line in err if f"connecting to the dask scheduler at {address}" in line]
    assert waiting and err.index(waiting[0]) < len(err) - 1, err
    assert err[-1].startswith("error: cannot reach dask scheduler"), err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_a_fit_on_two_workers_starts_no_process(tmp_path):
    # its local workers are threads: a kill -9 of the fit leaves nothing computing
    args = ["calibrate", str(LEGACY_TARGETS), "--method", "rejection", "--candidates", "1024",
            "--replicates", "50", "--scenario-dir", str(tmp_path / "s")]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), *args, "--out", str(tmp_path / "o"),
         "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "stderr").open("wb"),
    )  # fmt: skip
    main_proc = psutil.Process(proc.pid)
    seen: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:  # sampled all along
            try:
                seen += main_proc.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        assert seen == [], seen
        # still fitting at the deadline, or finished well
        assert proc.poll() in (None, 0), (tmp_path / "stderr").read_text()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_a_fifo_in_the_store_does_not_hang(sweep, capsys, caplog):
    spec, out = sweep
    part = out / "runs" / "part-000000.parquet"
    part.unlink()
    os.mkfifo(part)
    with pytest.raises(ConfigError, match="not a regular file"):
        read_runs(out)
    assert run_sweep(spec, out, workers=1, quiet=True).computed == 1  # replaced by a real file
    assert len(read_runs(out)) == 12
    (out / "manifest.json").unlink()
    os.mkfifo(out / "manifest.json")
    assert main(["analyze", str(out)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_too_many_chunks_are_refused(tmp_path, capsys):
    refused(
        capsys, ["sweep", "demo_grid", "--out", "o", "--chunk-size", "0"], tmp_path, "at least 1"
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace("replicates = 4", "replicates = 10000"))
    refused(capsys, ["sweep", str(spec), "--out", "o", "--chunk-size", "1"], tmp_path, "chunks")


@pytest.mark.slow
def test_calibration_targets_and_fit_are_checked(tmp_path, capsys):
    text = (CONFIGS / "calibration" / "targets.toml").read_text()
    bad = tmp_path / "t.toml"
    bad.write_text(text.replace('"../history/start_2016.toml"', '"a\\u0000b.toml"'))
    assert "\\u0000" in bad.read_text()
    refused(capsys, ["calibrate", str(bad), "--out", "c"], tmp_path, "NUL byte")
    argv = ["calibrate", str(LEGACY_TARGETS), "--out", "c", "--method", "rejection", "--candidates", "40", "--replicates", "2", "--scenario-dir", "s", "--quiet",
            "--workers", "1"]  # fmt: skip
    assert main(argv) == 0
    fit = json.loads((tmp_path / "c" / "fit.json").read_text())
    assert fit["provenance"]["command"][0] == program_name() and fit["provenance"]["git"]
    assert not [s for s in _strings(fit) if s.startswith("/")]
    refused(capsys, argv, tmp_path, "--overwrite")
    assert main(["calibration-report", "c", "--out", "r", "--replicates", "20"]) == 0


def test_hostile_overrides_are_refused_in_one_short_line(tmp_path, capsys, no_simulation):
    for item, needle in (
        ("params.fatigue.growth=" + "[" * 3000, "nested too deeply"),
        ("a." * 3000 + "x=1", "characters long"),
        ("params.fatigue.growth=" + "[" * 40 + "]" * 40, "list"),
        ("params.fatigue.growth=true", "valid number"),
        ("start_date=9999-06-01", "start_date"),
    ):
        msg = refused(capsys, ["run", "--set", item, "--out", "o"], tmp_path, needle)
        assert len(msg) < 300


def test_manifest_keeps_an_absolute_scenario_path_relative(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace('scenario = "baseline"', f'scenario = "{BASELINE}"'))
    run_sweep(spec, tmp_path / "deep" / "sw", workers=1, quiet=True)
    man = read_manifest(tmp_path / "deep" / "sw")
    assert not [s for s in _strings(man) if s.startswith("/")]
    assert (tmp_path / "deep" / "sw" / man["spec"]["scenario"]).resolve() == BASELINE.resolve()
