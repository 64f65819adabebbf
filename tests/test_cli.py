"""Command line, in process (``cli.main``) and once through ``python run.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS

from coalition_sim.cli.main import main

OUTPUT_FILES = ("trajectory.csv", "events.csv", "summary.json", "trajectories.png")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Run every CLI test from an empty folder so default outputs land there."""
    monkeypatch.chdir(tmp_path)


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*"))


def assert_usage_error(capsys, argv: list[str], tmp_path: Path, *needles: str) -> str:
    before = all_files(tmp_path)
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error:")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]
    assert all_files(tmp_path) == before, "a failed command wrote files"
    return lines[0]


# --------------------------------------------------------------------------- run


def test_run_writes_four_files_and_prints_a_summary(tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["run", "--steps", "12", "--seed", "3", "--out", str(out_dir)]) == 0
    stdout = capsys.readouterr().out
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(OUTPUT_FILES)
    for name in OUTPUT_FILES:
        assert (out_dir / name).stat().st_size > 0
    assert "scenario baseline" in stdout and "seed 3" in stdout and "12 weeks" in stdout
    assert "outcomes:" in stdout and "final: cohesion" in stdout
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["steps"] == 12
    assert summary["scenario"] == "baseline"
    trajectory = (out_dir / "trajectory.csv").read_text().splitlines()
    assert len(trajectory) == 1 + 13  # header + steps 0..12
    header = trajectory[0].split(",")
    for column in (
        "step",
        "date",
        "cohesion",
        "effective_pressure",
        "USA_commitment",
        "PRC_fatigue",
    ):
        assert column in header
    assert (out_dir / "events.csv").read_text().splitlines()[0] == "step,date,actor,event,details"
    assert (out_dir / "trajectories.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_default_output_folder(tmp_path, capsys):
    assert main(["run", "--steps", "3", "--seed", "11", "--no-plot"]) == 0
    capsys.readouterr()
    (folder,) = (tmp_path / "outputs").glob("baseline-seed11-*")  # -<hash of the overrides>
    assert sorted(p.name for p in folder.iterdir()) == [
        "events.csv",
        "summary.json",
        "trajectory.csv",
    ]


@pytest.mark.slow
def test_same_config_and_seed_give_byte_identical_files(tmp_path, capsys):
    for name in ("a", "b"):
        args = ["run", "--config", "summit_2018", "--steps", "30", "--seed", "42"]
        assert main([*args, "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    for f in OUTPUT_FILES:
        a, b = (tmp_path / "a" / f).read_bytes(), (tmp_path / "b" / f).read_bytes()
        if f == "summary.json":  # provenance records the start time; the rest is identical
            a, b = (
                json.dumps({k: v for k, v in json.loads(x).items() if k != "provenance"})
                for x in (a, b)
            )
        assert a == b, f


def test_different_seeds_give_different_trajectories(tmp_path, capsys):
    for seed in ("1", "2"):
        args = ["run", "--steps", "20", "--seed", seed, "--no-plot"]
        assert main([*args, "--out", str(tmp_path / seed)]) == 0
    capsys.readouterr()
    a = (tmp_path / "1" / "trajectory.csv").read_bytes()
    b = (tmp_path / "2" / "trajectory.csv").read_bytes()
    assert a != b


def test_set_overrides_reach_the_run(tmp_path, capsys):
    out_dir = tmp_path / "o"
    args = ["run", "--steps", "4", "--no-plot", "--out", str(out_dir)]
    sets = ["--set", "params.fatigue.growth=0.2", "--set", "actors.ROK.volatility=0.45"]
    assert main(args + sets) == 0
    capsys.readouterr()
    spec = json.loads((out_dir / "summary.json").read_text())["scenario_spec"]
    assert spec["params"]["fatigue"]["growth"] == 0.2
    rok = next(a for a in spec["actors"] if a["id"] == "ROK")
    assert rok["volatility"] == 0.45


def test_run_with_a_scenario_file_path(tmp_path, capsys, write_scenario):
    path = write_scenario()
    assert main(["run", "--config", str(path), "--no-plot", "--out", str(tmp_path / "o")]) == 0
    assert "scenario small" in capsys.readouterr().out
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["steps"] == 10 and summary["seed"] == 5  # the file's own defaults


def test_bad_set_key_exits_2_and_writes_nothing(tmp_path, capsys):
    out_dir = tmp_path / "never"
    line = assert_usage_error(
        capsys,
        ["run", "--steps", "3", "--out", str(out_dir), "--set", "params.fatigue.growht=0.1"],
        tmp_path,
        "params.fatigue.growht",
    )
    assert not out_dir.exists()
    assert "unknown key" in line
    # the override at fault is named, with the nearest parameter (not only the file)
    assert "override 'params.fatigue.growht=0.1'" in line
    assert "(did you mean 'params.fatigue.growth'?)" in line
    line = assert_usage_error(
        capsys, ["run", "--set", "params.fatigue.growth=0.2", "--set", "steps=0"], tmp_path,
        "override 'steps=0'",
    )  # fmt: skip
    assert "out of range" in line and "growth" not in line  # the one at fault, alone


@pytest.mark.parametrize(
    ("argv", "says"),
    [(["run", "--seed", "9", "--set", "seed=5"],
      "--set 'seed=5' and --seed 9 both set the seed; give one"),
     (["run", "--steps", "5", "--set", "steps=6"],
      "--set 'steps=6' and --steps 5 both set the steps; give one"),
     (["run", "--set", "params.fatigue.growth=0.1", "--set", "fatigue.growth=0.2"],
      "both set 'params.fatigue.growth'; give it once"),
     (["compare", "--policy", "a", "--policy", "b", "--seed", "3", "--set", "seed=4"],
      "--set 'seed=4' and --seed 3 both set the seed; give one")],
)  # fmt: skip
def test_sets_that_contradict_each_other_are_refused(tmp_path, capsys, monkeypatch, argv, says):
    """The later --set of a key, or --seed/--steps over a --set of the same, won in silence
    (the page refuses seed= for that reason)."""
    monkeypatch.chdir(tmp_path)
    assert_usage_error(capsys, argv, tmp_path, says)


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["run", "--steps", "0"], "--steps"),
        # above the schema's range: named as --steps, not as the file's "override 'steps=...'"
        (["run", "--steps", "100000"], "argument --steps: must be from 1 to 5,200"),
        (["compare", "--steps", "5201"], "argument --steps: must be from 1 to 5,200"),
        (["run", "--steps", "x"], "--steps"),
        (["run", "--seed", "-1"], "--seed"),
        (["run", "--seed", "abc"], "--seed"),
        (["run", "--config", "missing.toml"], "missing.toml"),
        (
            ["run", "--config", "summit2018"],
            "no scenario named 'summit2018' (did you mean 'summit_2018'?",
        ),
        (["run", "--set", "actors.XX.volatility=0.1"], "XX"),
        (["run", "--set", "novalue"], "novalue"),
        (["run", "--bogus"], "--bogus"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_arguments_exit_2_with_one_error_line(tmp_path, capsys, argv, needle):
    assert_usage_error(capsys, argv, tmp_path, needle)
    assert not (tmp_path / "outputs").exists()


def test_malformed_toml_file_exits_2(tmp_path, capsys, write_scenario):
    path = write_scenario(append="\n[[actors]\n")
    out_dir = tmp_path / "o"
    assert_usage_error(
        capsys, ["run", "--config", str(path), "--out", str(out_dir)], tmp_path, "malformed"
    )
    assert not out_dir.exists()


def test_out_of_range_value_in_file_exits_2(tmp_path, capsys, write_scenario):
    path = write_scenario(replace={"volatility = 0.2": "volatility = 3.0"})
    out_dir = tmp_path / "o"
    assert_usage_error(
        capsys,
        ["run", "--config", str(path), "--out", str(out_dir)],
        tmp_path,
        "actors.ROK.volatility",
        "out of range",
    )
    assert not out_dir.exists()


# --------------------------------------------------------------------------- other commands


def test_scenarios_lists_all_five(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(SCENARIOS)
    assert all(len(line.split()) > 1 for line in lines), "each scenario has a description"


def test_check_config_ok(capsys, write_scenario):
    path = write_scenario()
    assert main(["check-config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ok" in out and "3 actors" in out and "3 ties" in out


@pytest.mark.parametrize("name", SCENARIOS)
def test_check_config_ok_on_shipped_files(capsys, name):
    assert main(["check-config", str(ROOT / "configs" / f"{name}.toml")]) == 0
    assert f"scenario '{name}'" in capsys.readouterr().out


def test_check_config_bad_file(tmp_path, capsys, write_scenario):
    path = write_scenario(replace={"growth = 0.05": "growht = 0.05"})
    assert_usage_error(capsys, ["check-config", str(path)], tmp_path, str(path), "growht")


def test_params_lists_parameters(capsys):
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    assert "params.fatigue.growth" in out and "params.prospect.loss_aversion" in out
    assert len(out.splitlines()) > 50
    assert main(["params", "--markdown"]) == 0
    md = capsys.readouterr().out.splitlines()
    assert md[0].startswith("| parameter |")
    assert any("`params.summit.insecurity_weeks`" in line for line in md)


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["check-config", "--help"]])
def test_help_exits_0(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_options_without_a_command_are_runs_and_version_is_told(tmp_path, capsys):
    """README: no command is `run`; so are options alone (`run.py --seed 7`), which used to be
    read as a command named '7'. `--version` says the package's version."""
    from coalition_sim import __version__

    assert main(["--seed", "7", "--steps", "2", "--out", str(tmp_path / "o"), "--no-plot"]) == 0
    assert "seed 7" in capsys.readouterr().out and (tmp_path / "o" / "events.csv").is_file()
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"coalition-sim {__version__}"


# --------------------------------------------------------------------------- subprocess


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly(tmp_path):
    """`run.py params | head -1`: no BrokenPipeError traceback, the pipeline's usual 141."""
    proc = subprocess.run(
        f"{sys.executable} run.py params | head -1", shell=True, cwd=ROOT, capture_output=True,
        text=True, timeout=60, executable="/bin/bash",
    )  # fmt: skip
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


@pytest.mark.slow
def test_run_py_subprocess(tmp_path):
    out_dir = tmp_path / "sub"
    proc = subprocess.run(
        [sys.executable, "run.py", "run", "--steps", "5", "--out", str(out_dir), "--no-plot"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "scenario baseline" in proc.stdout
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "events.csv",
        "summary.json",
        "trajectory.csv",
    ]


@pytest.mark.slow
def test_run_py_subprocess_bad_config(tmp_path, write_scenario):
    path = write_scenario(replace={"steps = 10": "steps = -4"})
    proc = subprocess.run(
        [sys.executable, "run.py", "run", "--config", str(path), "--out", str(tmp_path / "x")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "Traceback" not in proc.stderr
    assert "steps" in lines[0]
    assert not (tmp_path / "x").exists()


def test_an_output_folder_takes_the_umask_like_any_other(tmp_path: Path) -> None:
    """run, compare and diagnose stage their folder with mkdtemp (mode 0700); the folder they
    leave must have the umask's permissions, as those of signatures and sweep do."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        out = tmp_path / "r"
        argv = ["run", "--config", str(ROOT / "configs" / "baseline.toml"), "--steps", "3"]
        assert main([*argv, "--out", str(out), "--no-plot"]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o755
        os.umask(0o077)
        assert main([*argv, "--out", str(tmp_path / "p"), "--no-plot"]) == 0
        assert stat.S_IMODE((tmp_path / "p").stat().st_mode) == 0o700
    finally:
        os.umask(old)


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["run", "--steps", "\uff15"], ("digits 0-9", "--steps")),  # a full-width 5
        (["run", "--seed", "\u0663"], ("whole number", "--seed")),  # an Arabic-Indic 3
        (["validate", "scores", "--draws", "1000000000"], ("--draws", "100,000")),
        (["diagnose", "--replicates", "100000000", "--out", "d"], ("--replicates", "2,000,000")),
        (["diagnose", "--replicates", "100000", "--years", "50", "--out", "d"],
         ("--replicates x --years", "2,000,000", "100,000 x 50")),
        (["signatures", "--draws", "3", "--out", "s"], ("--draws only applies with --posterior",)),
    ],
)  # fmt: skip
def test_counts_are_ascii_bounded_and_only_where_they_apply(capsys, tmp_path, argv, needles):
    """A count typed in another script's digits, one too large to hold in memory (a billion
    predictive runs were killed by the kernel) or one the command would ignore is refused in
    one line, before any work."""
    assert_usage_error(capsys, argv, tmp_path, *needles)


def test_a_scenario_file_with_a_byte_order_mark_is_read(tmp_path, capsys):
    cfg = tmp_path / "bom.toml"
    cfg.write_bytes(b'\xef\xbb\xbfextends = "baseline"\nseed = 5\n')
    assert main(["run", "--config", str(cfg), "--steps", "2", "--out", "o", "--no-plot"]) == 0
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["seed"] == 5


def test_provenance_names_the_program_as_invoked_with_every_argument(tmp_path, monkeypatch, capsys):
    """An installed copy recorded ``run.py`` (a file the user does not have) and the output
    folder as '.'; now the installed command's name, every argument, the folder as typed."""
    from coalition_sim.scenario.provenance import command_text, program_name, report_stamp

    assert program_name("/x/run.py") == "run.py"
    assert program_name("/venv/bin/coalition-sim") == "coalition-sim"
    assert command_text(["run.py", "run", "--out", "a b"]) == "python run.py run --out 'a b'"
    assert command_text(["coalition-sim", "signatures", "--rows", "1,2"]) == (
        "coalition-sim signatures --rows 1,2"
    )
    assert "coalition-sim 0." in report_stamp()  # the version, always
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["/venv/bin/coalition-sim"])
    assert main(["run", "--steps", "3", "--no-plot", "--seed", "4", "--out", "r"]) == 0
    capsys.readouterr()
    prov = json.loads((tmp_path / "r" / "summary.json").read_text())["provenance"]
    assert prov["command"] == [
        "coalition-sim", "run", "--steps", "3", "--no-plot", "--seed", "4", "--out", "r",
    ]  # fmt: skip
    assert prov["version"]


def test_signatures_report_names_the_command_as_typed():
    from coalition_sim.experiments.signature_report import markdown

    text = markdown([], 100, 7, 1.0, "coalition-sim signatures --rows 1,2 --out sig1")
    assert "`coalition-sim signatures --rows 1,2 --out sig1` (coalition-sim 0." in text


# --------------------------------------------------------------------------- stdout that fails


class _FailingStdout:
    """A stdout whose ``write`` (or only ``flush``: a buffered redirect) raises ``exc``."""

    def __init__(self, exc: OSError, on_flush: bool = False) -> None:
        self.exc, self.on_flush, self.text = exc, on_flush, ""

    def write(self, text: str) -> int:
        if not self.on_flush:
            raise self.exc
        self.text += text
        return len(text)

    def flush(self) -> None:
        if self.on_flush and self.text:
            raise self.exc

    def fileno(self) -> int:
        raise OSError("no descriptor")


_COMPARE = ["compare", "--policy", "a", "--policy", "b:actors.USA.hedging=0", "--replicates",
            "5", "--steps", "5", "--quiet"]  # fmt: skip


@pytest.mark.parametrize("on_flush", [False, True])
def test_compare_writes_its_files_before_a_closed_pipe(tmp_path, monkeypatch, capsys, on_flush):
    """`compare --out DIR | head -1`: the summary was printed inside the staged folder, so a
    reader gone after one line cost every file (exit 141, nothing written). Now the files are
    in place first; the closed pipe ends quietly with the pipeline's usual 141."""
    out = tmp_path / "cmp"
    monkeypatch.setattr(sys, "stdout", _FailingStdout(BrokenPipeError(32, "pipe"), on_flush))
    assert main([*_COMPARE, "--out", str(out)]) == 141
    assert sorted(p.name for p in out.iterdir()) == [
        "effects.csv", "forest.png", "provenance.json"
    ]  # fmt: skip
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("on_flush", [False, True])
def test_compare_to_a_full_stdout_keeps_its_files(tmp_path, monkeypatch, capsys, on_flush):
    """`compare --out DIR > /dev/full`: the files are written, then one line and exit 2 (a
    buffered stdout failed only at Python's exit: "Exception ignored ...", status 120)."""
    import errno

    out = tmp_path / "cmp"
    full = OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(sys, "stdout", _FailingStdout(full, on_flush))
    assert main([*_COMPARE, "--out", str(out)]) == 2
    assert (out / "effects.csv").is_file() and (out / "provenance.json").is_file()
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "no space left" in err, err
    if on_flush:
        assert "standard output" in err


# --------------------------------------------------------------------------- ui


@pytest.fixture
def _no_exec(monkeypatch):
    """``ui`` ends in os.execve; a test must never replace the test process with a server."""

    def refuse(*_args, **_kw):
        raise AssertionError("the server would have been started")

    monkeypatch.setattr("os.execve", refuse)


def test_ui_on_a_port_in_use_is_refused_before_the_banner(tmp_path, capsys, _no_exec):
    """A port in use printed "UI on http://..." and then uvicorn's error, exit 3."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_usage_error(capsys, ["ui", "--port", str(port)], tmp_path,
                           f"--port {port}", "already in use", "another --port")  # fmt: skip


def test_scenarios_says_which_of_ones_own_files_it_cannot_list(tmp_path, capsys, monkeypatch):
    """A malformed file in the user folder vanished from ``scenarios`` without a word (and a
    broken ``baseline.toml`` there hid the shipped one); the list now names it on stderr."""
    monkeypatch.delenv("COALITION_SIM_CONFIGS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    mine = tmp_path / "coalition-sim"
    mine.mkdir()
    (mine / "broken.toml").write_text("name = [\n")
    (mine / "fine.toml").write_text('extends = "baseline"\nname = "fine"\ndescription = "ok"\n')
    assert main(["scenarios"]) == 0
    out, err = capsys.readouterr()
    assert "fine" in out and "summit_2018" in out and "broken" not in out
    assert err.splitlines() == [
        f"warning: not listed: {mine / 'broken.toml'}: malformed TOML: "
        "Invalid value (at end of document)"
    ], err


def test_scenarios_says_what_a_file_without_a_description_builds_on(tmp_path, capsys, monkeypatch):
    """A file of one's own that extends another and has no description was listed blank."""
    monkeypatch.delenv("COALITION_SIM_CONFIGS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    mine = tmp_path / "coalition-sim"
    mine.mkdir()
    (mine / "quiet.toml").write_text('extends = "summit_2018"\nname = "quiet"\n')
    assert main(["scenarios"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("quiet "))
    assert line.split(None, 1)[1] == "(extends summit_2018; no description of its own)", line


def test_ui_on_port_0_names_the_free_port_it_serves_on(capsys, monkeypatch):
    """``--port 0`` (what a port in use suggests) printed "UI on http://127.0.0.1:0/": the
    banner and the server now get the free port the system chose."""
    started: list[list[str]] = []
    monkeypatch.setattr("os.execve", lambda _exe, cmd, _env: started.append(list(cmd)))
    assert main(["ui", "--port", "0"]) == 0
    banner = capsys.readouterr().out.splitlines()[0]
    cmd = started[0]
    port = int(cmd[cmd.index("--port") + 1])
    assert port > 0 and f"http://127.0.0.1:{port}/" in banner, (banner, cmd)


@pytest.mark.parametrize("host", ["no-such-host.invalid", "192.0.2.1"])  # 192.0.2.1: TEST-NET-1
def test_ui_on_a_host_of_another_machine_is_refused(tmp_path, capsys, _no_exec, host):
    assert_usage_error(capsys, ["ui", "--host", host], tmp_path, f"--host '{host}'", "127.0.0.1")
