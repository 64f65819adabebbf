"""The package as a researcher installs it, not as a developer clones it (issue 21).

``test_wheel_runs_its_own_examples_from_a_temporary_folder`` builds the wheel, installs it into
a fresh virtual environment (uv, the packages pinned in uv.lock, offline from uv's cache when
it can) and runs ``coalition-sim run --steps 5``, ``coalition-sim sweep demo_grid`` and the
README's Python example from a temporary folder: nothing may come from the checkout.

numba compiles the core in the fresh environment. Its cache is keyed on the content of every
core source (``core/jit.py``); an installed copy keeps it in the user's cache folder
(``$XDG_CACHE_HOME/coalition-sim/numba/<stamp>-numba<version>/``, never beside its sources),
so the checkout's cache files are copied there first: numba still checks every entry (sources'
hash, numba version, CPU) and recompiles whatever does not match, so the copy can make the
test faster but never wrong.

``test_the_wheel_carries_every_file_the_code_reads_at_run_time`` only builds the wheel (a few
seconds) and reads its file list and metadata.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import coalition_sim
from coalition_sim.scenario import resources

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def python_example(text: str) -> str:
    """The first ``python`` block of README's section "Using the model from Python"."""
    section = text.split("## Using the model from Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README.md: no ```python block under '## Using the model from Python'"
    return match.group(1)


def _uv() -> str:
    for cand in (ROOT / ".tools" / "bin" / "uv", shutil.which("uv")):
        if cand and Path(cand).is_file():
            return str(cand)
    pytest.fail("uv not found: run `make sync` first (it bootstraps .tools/bin/uv)")


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    t0 = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    print(f"{time.perf_counter() - t0:6.1f} s  {' '.join(Path(c).name for c in cmd[:3])}")
    assert done.returncode == 0, (
        f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}"
    )
    return done.stdout


def _install(uv: str, venv: Path, wheel: Path, work: Path, env: dict[str, str]) -> None:
    reqs = work / "requirements.txt"
    _run([uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "-q",
          "-o", str(reqs)], ROOT, env)  # fmt: skip
    _run([uv, "venv", "-q", str(venv), "--python", sys.executable], work, env)
    install = [uv, "pip", "install", "-q", "--no-compile", "-r", str(reqs), str(wheel)]
    venv_env = {**env, "VIRTUAL_ENV": str(venv)}
    offline = subprocess.run([*install, "--offline"], cwd=work, env=venv_env,
                             capture_output=True, text=True, check=False)  # fmt: skip
    if offline.returncode != 0:  # something not in uv's cache yet: ask the registry once
        _run(install, work, venv_env)


def _build_wheel(uv: str, dist: Path, env: dict[str, str]) -> Path:
    _run([uv, "build", "--wheel", "-q", "--out-dir", str(dist)], ROOT, env)
    (wheel,) = dist.glob("coalition_sim-*.whl")
    return wheel


def _warm_cache(installed_core: Path, cache_home: Path) -> None:
    """Compile (or load) the checkout's core, then copy its numba cache files into the
    installed copy's cache folder under ``cache_home`` (``$XDG_CACHE_HOME``) when both are the
    same code (every source under ``core/``)."""
    from coalition_sim import CoalitionModel, run_ensemble
    from coalition_sim.core.jit import cache_key

    core = ROOT / "coalition_sim" / "core"
    CoalitionModel("baseline", rng=0).step()
    run_ensemble("baseline", 2, seed=0, steps=2, every=1)
    mine = sorted(p.relative_to(core) for p in core.rglob("*.py"))
    theirs = sorted(p.relative_to(installed_core) for p in installed_core.rglob("*.py"))
    assert mine == theirs, "the wheel's core has other files than the checkout's"
    for rel in mine:
        same = (core / rel).read_bytes() == (installed_core / rel).read_bytes()
        assert same, f"the wheel's core/{rel} differs from the checkout's"
    folder = cache_home / "coalition-sim" / "numba" / cache_key()
    for f in core.rglob("__pycache__/*.nb[ic]"):
        dest = folder / "core" / f.parent.parent.relative_to(core) / f.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest)


@pytest.mark.slow
def test_wheel_runs_its_own_examples_from_a_temporary_folder(tmp_path: Path) -> None:
    uv = _uv()
    # the fresh environment's first imports write their bytecode for the later commands
    # (and make's UV_COMPILE_BYTECODE would clash with --no-compile)
    drop = (
        "VIRTUAL_ENV",
        "COALITION_SIM_CONFIGS",
        "PYTHONDONTWRITEBYTECODE",
        "UV_COMPILE_BYTECODE",
    )
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.pop("NUMBA_CACHE_DIR", None)  # the installed copy's own cache folder, checked below
    cache_home = tmp_path / "xdg-cache"
    env.update(UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1", XDG_CONFIG_HOME=str(tmp_path / "xdg"),
               XDG_CACHE_HOME=str(cache_home),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")  # fmt: skip
    wheel = _build_wheel(uv, tmp_path / "dist", env)
    assert wheel.name.startswith(f"coalition_sim-{coalition_sim.__version__}-")
    venv = tmp_path / "venv"
    _install(uv, venv, wheel, tmp_path, env)
    site = next(venv.glob("lib/python*/site-packages"))
    assert (
        site / "coalition_sim" / "_data" / "configs" / "calibration" / "posterior.parquet"
    ).is_file()
    # "Typing :: Typed" is a promise to type checkers: PEP 561's marker ships with the package
    assert (site / "coalition_sim" / "py.typed").is_file()
    t0 = time.perf_counter()
    _warm_cache(site / "coalition_sim" / "core", cache_home)
    print(f"{time.perf_counter() - t0:6.1f} s  checkout's core compiled or loaded, cache copied")

    work = tmp_path / "elsewhere"  # no configs/, no checkout anywhere above
    work.mkdir()
    exe = venv / "bin" / "coalition-sim"
    listed = _run([str(exe), "scenarios"], work, env)
    assert "summit_2018" in listed and "baseline" in listed
    out = _run([str(exe), "run", "--steps", "5", "--no-plot"], work, env)
    assert "baseline" in out
    # the README's posterior path, outside a checkout: drawn, and its digest in the run's
    # provenance (an installed copy crashed there after loading the file)
    out = _run([str(exe), "run", "--config", "history/start_2018", "--steps", "3", "--no-plot",
                "--posterior", "configs/calibration/posterior.parquet"], work, env)  # fmt: skip
    assert "posterior: particle" in out and "-posterior-" in out
    summary = next((work / "outputs").glob("baseline-*/summary.json")).read_text()
    assert '"commit": null' in summary  # an installed copy is not a git checkout
    _run([str(exe), "sweep", "demo_grid", "--out", "grid", "--quiet"], work, env)
    assert (work / "grid" / "manifest.json").is_file()
    refused = subprocess.run([str(exe), "calibrate", "--write-configs"], cwd=work, env=env,
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert refused.returncode == 2 and "installed copy" in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    example = work / "example.py"
    example.write_text(python_example(README.read_text(encoding="utf-8")), encoding="utf-8")
    _run([str(venv / "bin" / "python"), str(example)], work, env)
    leaked = _run(
        [str(venv / "bin" / "python"), "-c",
         "import coalition_sim.scenario.resources as r; print(r.checkout_root(), r.config_dir())"],
        work, env,
    )  # fmt: skip
    assert leaked.startswith("None ") and str(site) in leaked, leaked
    # the page's document downloads (README, ODD, calibration report) come with the wheel
    docs = _run(
        [str(venv / "bin" / "python"), "-c",
         "import coalition_sim.scenario.resources as r; "
         "print(all(r.doc_file(d).is_file() for d in r.SHIPPED_DOCS))"],
        work, env,
    )  # fmt: skip
    assert docs.strip() == "True", docs
    # the compile cache lives outside site-packages, so an uninstall leaves nothing behind
    assert list((cache_home / "coalition-sim" / "numba").rglob("*.nbi"))
    assert not list(site.rglob("*.nb[ic]")), "numba cache files inside site-packages"
    _run([uv, "pip", "uninstall", "-q", "coalition-sim"], work, {**env, "VIRTUAL_ENV": str(venv)})
    assert not (site / "coalition_sim").exists(), sorted((site / "coalition_sim").rglob("*"))[:5]


def _tracked(folder: str) -> list[str]:
    """Files of ``folder`` under git (every file when this is not a git checkout: an sdist)."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        out = subprocess.run(["git", "ls-files", "-z", folder], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
        return sorted(f for f in out.split("\0") if f)
    return sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def test_the_wheel_carries_every_file_the_code_reads_at_run_time(tmp_path: Path) -> None:
    """Every shipped config, posterior, target file and document the code reads (configs/ as
    a whole, scenario.resources.SHIPPED_DOCS: doc_file refuses any other name), every module,
    and nothing of a developer's caches; and the metadata README's promises rest on."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_COMPILE_BYTECODE")}
    wheel = _build_wheel(_uv(), tmp_path / "dist", {**env, "UV_NO_PROGRESS": "1"})
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = f"coalition_sim-{coalition_sim.__version__}.dist-info"
        meta = Parser().parsestr(z.read(f"{info}/METADATA").decode())
    data = "coalition_sim/_data/"
    expected = {data + f for f in _tracked("configs")}
    expected |= {data + "docs/" + d for d in resources.SHIPPED_DOCS}
    expected |= {f for f in _tracked("coalition_sim") if "/_data/" not in f}
    expected |= {"coalition_sim/py.typed", f"{info}/licenses/LICENSE"}
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks {missing[:10]}"
    stray = sorted(n for n in names if "__pycache__" in n or n.endswith((".pyc", ".nbi", ".nbc")))
    assert not stray, f"the wheel carries caches: {stray[:5]}"
    assert meta["Version"] == coalition_sim.__version__
    assert meta["Requires-Python"] == ">=3.12" and meta["License-Expression"] == "Apache-2.0"
    requires = meta.get_all("Requires-Dist")
    numba = [r for r in requires if r.startswith("numba")]
    assert numba and "<0.69" in numba[0], numba
    assert meta["Name"] == "coalition-sim"


def test_validate_reads_the_committed_fit_from_the_installed_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report's "Its fit" table (generations of the committed fit) came from
    configs/../docs/calibration/fit.json, a path an installed copy does not have: the report of
    an installed copy silently lost the table. It reads the copy the wheel carries."""
    from coalition_sim.cli.main import main
    from coalition_sim.scenario.loading import ConfigError
    from coalition_sim.validation import report

    installed = tmp_path / "site-packages" / "coalition_sim"
    shipped = installed / "_data" / "docs" / "docs" / "calibration" / "fit.json"
    shipped.parent.mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "calibration" / "fit.json", shipped)
    monkeypatch.setattr(resources, "checkout_root", lambda: None)
    monkeypatch.setattr(resources, "PACKAGE_DIR", installed)
    monkeypatch.setenv("COALITION_SIM_CONFIGS", str(ROOT / "configs"))
    seen: list[Path] = []

    def run_validation(*args: object) -> None:
        seen.append(Path(str(args[7])))
        raise ConfigError("stopped by the test")

    monkeypatch.setattr(report, "run_validation", run_validation)
    assert main(["validate", "--size", "tiny", "--out", str(tmp_path / "v"), "--quiet"]) == 2
    assert "stopped by the test" in capsys.readouterr().err
    assert seen == [shipped]


def test_one_version_everywhere() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in meta and "version" in meta["dynamic"], "pyproject must not repeat it"
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(coalition_sim.__version__)}$", cff, re.M), (
        f"CITATION.cff's version is not {coalition_sim.__version__}"
    )
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    # Keep a Changelog: an [Unreleased] section may sit on top; the newest release is the version
    top = re.search(r"^## \[(?!Unreleased\])([^\]]+)\]", changelog, re.M)
    assert top and top.group(1) == coalition_sim.__version__, "CHANGELOG.md's newest release"
    wheels = set(re.findall(r"coalition_sim-([^-\s]+)-py3-none-any\.whl", README.read_text()))
    assert wheels == {coalition_sim.__version__}, f"README installs the wheel of {wheels}"
    assert meta["license"] == "Apache-2.0" and "Apache License" in (ROOT / "LICENSE").read_text()
    missing = [
        k for k in ("readme", "authors", "urls", "classifiers", "keywords") if not meta.get(k)
    ]
    assert not missing, f"pyproject.toml [project] lacks {missing}"


def test_resolver_prefers_the_checkout_then_the_user_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resources.checkout_root() == ROOT
    monkeypatch.delenv("COALITION_SIM_CONFIGS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert resources.config_dir() == ROOT / "configs"
    assert resources.config_file("summit_2018.toml") == ROOT / "configs" / "summit_2018.toml"
    mine = tmp_path / "coalition-sim"
    mine.mkdir()
    shutil.copy(ROOT / "configs" / "baseline.toml", mine / "baseline.toml")
    assert resources.config_file("baseline.toml") == mine / "baseline.toml"
    assert resources.config_file("summit_2018.toml") == ROOT / "configs" / "summit_2018.toml"
    from coalition_sim.scenario.library import list_scenarios, scenario_path

    assert scenario_path("baseline") == mine / "baseline.toml"
    paths = {name: path for name, _, path in list_scenarios()}
    assert paths["baseline"] == mine / "baseline.toml" and "summit_2018" in paths
    # a README path typed outside a checkout still finds the shipped file
    monkeypatch.chdir(tmp_path)
    assert resources.config_path("configs/history/start_2018.toml").is_file()
    # ... and so does a name in a subfolder, as README says ('sweeps/demo_grid.toml'), with
    # or without .toml for a scenario; a name found nowhere stays as typed (the error says it)
    assert resources.config_path("sweeps/demo_grid.toml") == ROOT / "configs/sweeps/demo_grid.toml"
    assert scenario_path("history/start_2018") == ROOT / "configs/history/start_2018.toml"
    assert resources.config_path("nope/x.toml") == Path("nope/x.toml")
    # a file of that name in the current folder wins over the shipped one
    (tmp_path / "sweeps").mkdir()
    (tmp_path / "sweeps" / "demo_grid.toml").write_text("")
    assert resources.config_path("sweeps/demo_grid.toml") == Path("sweeps/demo_grid.toml")


def test_writers_into_the_source_tree_refuse_outside_a_checkout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from coalition_sim.cli.main import main

    monkeypatch.setattr(resources, "checkout_root", lambda: None)
    for argv in (["calibrate", "--write-configs"], ["signatures", "--rows", "1"],
                 ["study", "configs/studies/coalition_fracture.toml"],
                 ["validate", "--size", "tiny", "--quiet"],
                 ["diagnose", "--replicates", "5", "--years", "1"]):  # fmt: skip
        if argv[0] == "validate":
            monkeypatch.chdir(tmp_path)  # never ./docs/ of the folder the command is typed in
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "installed copy" in err, (argv, err)
    assert not (tmp_path / "docs").exists()
    # a part that only prints refuses --out rather than writing nothing in silence
    assert main(["validate", "scores", "--out", str(tmp_path / "v"), "--quiet"]) == 2
    assert "writes no file" in capsys.readouterr().err


def test_python_dash_m_runs_the_command(tmp_path: Path) -> None:
    """``python -m coalition_sim`` is the ``coalition-sim`` command (provenance and the docs'
    command checker name it; it failed with "cannot be directly executed"), bad input
    included: one line, exit status 2."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "coalition_sim"]
    done = subprocess.run([*run, "--version"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert (
        done.returncode == 0 and done.stdout.strip() == f"coalition-sim {coalition_sim.__version__}"
    )
    bad = subprocess.run([*run, "run", "--bogus"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert "--bogus" in bad.stderr


def test_a_fit_in_an_installed_copy_names_its_start_portably(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point summaries ``calibrate`` writes in an installed copy extended
    ``"../../../../venv/lib/python3.12/site-packages/.../start_2016.toml"``: broken once the
    environment is rebuilt or the file shared. They name the shipped start as the loader finds
    it from anywhere."""
    from coalition_sim.calibration.scenario_file import write_point_scenario
    from coalition_sim.scenario.library import load_scenario

    monkeypatch.setattr(resources, "checkout_root", lambda: None)
    monkeypatch.setenv("COALITION_SIM_CONFIGS", str(ROOT / "configs"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    base = ROOT / "configs" / "history" / "start_2016.toml"
    out = write_point_scenario(tmp_path / "outputs" / "calibrated_2016.toml", base,
                               "calibrated_2016", {}, {}, ["test"], "d")  # fmt: skip
    assert 'extends = "history/start_2016.toml"' in out.read_text().splitlines()
    moved = tmp_path / "elsewhere" / "deep" / "calibrated_2016.toml"
    moved.parent.mkdir(parents=True)
    shutil.copy(out, moved)
    assert load_scenario(moved).start_date == load_scenario("history/start_2016").start_date
