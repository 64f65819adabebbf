"""A shared study spec names no path outside the project's outputs (issue 23, item 1).

The hole: ``experiments/study.py`` joined the spec's ``report`` and ``data`` to the project
root unchecked, so a spec could write anywhere (absolute paths and ``..`` worked); a report
written as a ``.pth`` file into site-packages ran its ``import`` line at every later Python
start. Every refusal here happens before any work and leaves nothing behind.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest
from test_experiments import TINY_STUDY

from coalition_sim.cli.main import main
from coalition_sim.experiments import study
from coalition_sim.scenario.errors import ConfigError

SITE = Path(sysconfig.get_paths()["purelib"])


def _spec(tmp_path: Path, **keys: str) -> Path:
    text = TINY_STUDY
    for key, value in keys.items():
        old = next(line for line in text.splitlines() if line.startswith(f"{key} = "))
        text = text.replace(old, f"{key} = {value!r}".replace("'", '"'))
    path = tmp_path / "spec" / "s.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("report", str(SITE / "evil.pth"), "key 'report'"),  # the .pth attack, absolute
        ("report", str(SITE / "evil.md"), "a relative path inside the project"),
        ("report", "../../../../../../../../../../tmp/evil.md", "without '..'"),
        ("report", "outputs/../../evil.md", "without '..'"),
        ("report", "outputs/x.pth", "key 'report'"),
        ("report", "README.md", "must lie inside outputs/ or docs/studies/"),
        ("report", "~/evil.md", "a relative path inside the project"),
        ("data", "/tmp/evil-data", "a relative path inside the project"),
        ("data", "outputs/../../../evil", "without '..'"),
        ("data", "coalition_sim/evil", "must lie inside outputs/ or docs/studies/"),
        ("scenario", "/etc/passwd", "key 'scenario'"),
    ],
)
def test_spec_paths_outside_the_outputs_are_refused(
    tmp_path: Path, capsys, key: str, value: str, says: str
) -> None:
    spec = _spec(tmp_path, **{key: value})
    before = set(SITE.iterdir())
    assert main(["study", str(spec), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and says in err, err
    assert "Traceback" not in err
    assert set(SITE.iterdir()) == before  # nothing written into site-packages
    assert not Path("/tmp/evil-data").exists() and not Path("/tmp/evil.md").exists()


def test_a_symlink_inside_outputs_cannot_lead_outside(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "project"
    (project / "outputs").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "outputs" / "link").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.setattr(study, "ROOT", project)
    spec = study.load_study(_spec(tmp_path, report="outputs/link/r.md"))
    with pytest.raises(ConfigError, match="leaves the project's outputs through a symbolic link"):
        study.study_outputs(spec, "s.toml")
    ok = study.load_study(_spec(tmp_path, report="outputs/studies/r.md"))
    report, data = study.study_outputs(ok, "s.toml")
    assert report == project / "outputs/studies/r.md"
    assert data == project / "outputs/studies/data"


def test_out_puts_report_and_data_in_the_given_folder_by_their_own_names(tmp_path: Path) -> None:
    spec = study.load_study(_spec(tmp_path))
    report, data = study.study_outputs(spec, "s.toml", tmp_path / "out")
    assert report == tmp_path / "out" / "report.md" and data == tmp_path / "out" / "data"
    with pytest.raises(ConfigError, match="system location"):
        study.study_outputs(spec, "s.toml", "/usr/lib")


def test_an_interrupted_study_out_folder_can_be_resumed(tmp_path: Path) -> None:
    # Ctrl-C leaves the sweep's data folder and no report yet: the same command continues
    # (it was refused as 'holds other files', so the resumable sweep had to be thrown away)
    spec = study.load_study(_spec(tmp_path))
    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)
    report, data = study.study_outputs(spec, "s.toml", out)
    assert (report, data) == (out / "report.md", out / "data")
    # a folder of something else is still refused
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="holds other files"):
        study.study_outputs(spec, "s.toml", other)


def test_the_shipped_spec_passes_the_rules() -> None:
    path = study.ROOT / "configs/studies/coalition_fracture.toml"
    report, data = study.study_outputs(study.load_study(path), path)
    assert report.is_relative_to(study.ROOT / "docs/studies")
    assert data.is_relative_to(study.ROOT / "outputs")


def test_spec_text_is_escaped_for_the_report() -> None:
    assert study._md("<img src=x onerror=alert(1)> & *kept*") == (
        "&lt;img src=x onerror=alert(1)&gt; &amp; *kept*"
    )
    assert study._md_line("a\n# injected heading | cell") == "a # injected heading \\| cell"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('name = "closed"', 'name = "status_quo"', "policy names must differ: 'status_quo'"),
        ('"actors.USA.hedging" = 0.0', '"actors.USA.hedging" = 7.0',
         "sets 'actors.USA.hedging' = 7, outside its range [0, 1]"),
        ('"actors.USA.hedging" = 0.0', '"actors.USA.nope" = 1.0',
         "'actors.USA.nope', not a parameter the model knows, not a lever"),
        ('"actors.USA.hedging" = 0.0', '"params.fatigue.growth" = 0.1',
         "'params.fatigue.growth', an uncertainty, not a lever"),
    ],
)  # fmt: skip
def test_bad_policies_are_refused_before_the_sweep_runs(tmp_path, capsys, old, new, says):
    """A duplicate policy name or a lever out of range was found only after the whole sweep
    (leaving a half-written sweep folder and a message naming no file); an unknown key was
    called 'a mechanism'. Refused now in one line naming the spec, with nothing written."""
    path = _spec(tmp_path)
    path.write_text(path.read_text().replace(old, new))
    out = tmp_path / "out"
    assert main(["study", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "s.toml" in err and says in err, err
    assert not out.exists() or not any(out.rglob("*.parquet")), "the sweep ran"
