"""Calibration (issue 5): distance, a known-answer ABC, target-file validation, the fitted
scenario files, and pattern-oriented checks with the fitted parameters."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from coalition_sim.calibration.estimate import (
    calibrate,
    distance,
    prior_design,
    simulate,
    statistic_values,
    tightening,
)
from coalition_sim.calibration.targets import Prior, load_targets
from coalition_sim.cli.main import main
from coalition_sim.engine.ensemble import Ensemble
from coalition_sim.scenario.library import load_scenario
from coalition_sim.scenario.loading import ConfigError

TARGETS = ROOT / "configs" / "calibration" / "targets.toml"
LEGACY = ROOT / "tests" / "golden" / "targets_legacy.toml"  # the rejection step's targets
HISTORY = ROOT / "configs" / "history"
FITTED = (HISTORY / "calibrated_2016.toml", HISTORY / "calibrated_2018.toml")


@pytest.fixture(scope="module")
def targets():
    return load_targets(TARGETS)


# --------------------------------------------------------------------------- targets and distance


def test_targets_hold_the_record_and_derive_the_statistics(targets) -> None:
    obs = {s.name: s.observed for s in targets.statistics}
    # 16 launch days in 2016 (no ICBM); 15 in 2017 of which 3 ICBM days are strategic
    assert obs["conventional_2016"] == 16 and obs["conventional_2017"] == 12
    # two nuclear tests in 2016; three ICBMs and a nuclear test on four distinct weeks in 2017
    assert obs["strategic_2016"] == 2 and obs["strategic_2017"] == 4
    assert obs["conventional_2018"] == 0 and obs["strategic_2018"] == 0
    assert [r.number for r in targets.record.unsc_resolutions] == [
        2270, 2321, 2371, 2375, 2397
    ]  # fmt: skip
    # the screened set a fit identifies (tests/test_screening.py), coalition facts included:
    # the coalition's record constrains a coalition parameter, not only the DPRK's launches
    assert any(p.name.startswith(("params.enforcement.", "params.commitment."))
               for p in targets.priors)  # fmt: skip
    for p in targets.priors:
        assert p.low < p.high and p.reason


def test_distance_is_zero_at_the_record_and_grows_away_from_it(targets) -> None:
    exact = {s.name: np.array([s.observed]) for s in targets.statistics}
    assert distance(targets, exact, replicates=100)[0] == pytest.approx(0.0)
    worse = {k: v.copy() for k, v in exact.items()}
    worse["conventional_2016"] = np.array([20.0])  # 4 weeks off on a scale of 4: +1
    assert distance(targets, worse, replicates=100)[0] == pytest.approx(1.0)
    worse["summit_held_2018"] = np.array([0.0])  # never held: floored at 1/(K+1)
    # a fact's term is its deviance, -2 log p, on the scale of a squared z-score
    assert distance(targets, worse, replicates=100)[0] == pytest.approx(1.0 + 2 * np.log(101))
    worse["summit_held_2018"] = np.array([0.5])  # held in half the runs: -2 log 0.5
    assert distance(targets, worse, replicates=100)[0] == pytest.approx(1.0 + 2 * np.log(2))


def test_prior_design_is_seeded_and_inside_the_box(targets) -> None:
    a = prior_design(targets.priors, 64, seed=3)
    b = prior_design(targets.priors, 64, seed=3)
    c = prior_design(targets.priors, 64, seed=4)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    lo = np.array([p.low for p in targets.priors])
    hi = np.array([p.high for p in targets.priors])
    assert np.all(a >= lo) and np.all(a <= hi)


@pytest.mark.slow
def test_known_answer_truth_lies_in_the_posterior() -> None:
    """Targets simulated at a known point; a tiny ABC must recover it for the best-identified
    parameter, and the distance at the truth must beat the median candidate."""
    targets = load_targets(LEGACY)
    free = ["params.target.conventional_autonomy", "params.target.strategic_autonomy"]
    truth = {"params.target.conventional_autonomy": 3.0, "params.target.strategic_autonomy": 5.0}
    priors = [Prior(n, 1.0, 8.0, "test") for n in free]
    synth = dataclasses.replace(targets, priors=priors)
    theta = np.array([[truth[n] for n in free]])
    sims = simulate(synth, theta, replicates=400, seed=11)
    values = statistic_values(synth, sims)
    stats = [
        dataclasses.replace(s, observed=float(values[s.name][0]))
        for s in synth.statistics
        if s.kind == "weeks"
    ]
    synth = dataclasses.replace(synth, statistics=stats)
    res = calibrate(synth, candidates=128, replicates=12, seed=5, accept=0.1)
    iv = res.fit["parameters"]["params.target.conventional_autonomy"]
    assert iv["q05"] <= truth["params.target.conventional_autonomy"] <= iv["q95"]
    assert iv["q95"] - iv["q05"] < 0.6 * 7.0  # the data narrowed the prior
    at_truth = distance(synth, statistic_values(synth, simulate(synth, theta, 12, 77)), 12)[0]
    assert at_truth < res.fit["distance_median_all"]


# --------------------------------------------------------------------------- CLI and bad input


def _files(root: Path) -> list[Path]:
    return sorted(root.rglob("*"))


def _history_state() -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in HISTORY.glob("*.toml")}


def _bad(capsys, tmp_path: Path, argv: list[str], needle: str) -> None:
    before, hist = _files(tmp_path), _history_state()
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2, err
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error:"), err
    assert needle in err
    assert "Traceback" not in err
    assert _files(tmp_path) == before, "a failed calibration wrote files"
    assert _history_state() == hist


def _targets_text(**replace: str) -> str:
    text = TARGETS.read_text(encoding="utf-8")
    text = text.replace('"../history/', f'"{HISTORY.as_posix()}/')
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


FIXED = '[[fixed]]\nname = "params.target.strategic_autonomy"'


@pytest.mark.parametrize(
    ("replace", "needle"),
    [
        (
            {'name = "params.target.strategic_logit0"': 'name = "params.target.strategic_logit"'},
            "strategic_logit",
        ),
        ({"low = -14.0\nhigh = -3.5": "low = -3.5\nhigh = -3.5"}, "empty prior range"),
        ({FIXED: FIXED.replace("autonomy", "logit0")}, "already fitted or fixed"),
        ({FIXED: FIXED.replace("autonomy", "autonomi")}, "strategic_autonomi"),
        ({"low = -7.0\nhigh = 1.0": "low = -30.0\nhigh = 1.0"}, "schema range"),
        ({"observed = 16": "observed = 17"}, "from the record"),
        ({'\nkind = "weeks"': '\nkind = "days"'}, "statistics[0].kind' = 'days'"),
        ({'scenario = "start_2016"': 'scenario = "start_1999"'}, "unknown scenario"),
    ],
)
def test_bad_target_files_fail_in_one_line_and_write_nothing(
    capsys, tmp_path: Path, replace: dict[str, str], needle: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(_targets_text(**replace), encoding="utf-8")
    argv = ["calibrate", str(bad), "--out", str(tmp_path / "out"), "--candidates", "40",
            "--replicates", "2", "--scenario-dir", str(tmp_path / "scn"), "--quiet"]  # fmt: skip
    _bad(capsys, tmp_path, argv, needle)


@pytest.mark.slow
def test_missing_file_and_zero_replicates_fail(capsys, tmp_path: Path) -> None:
    out = ["--out", str(tmp_path / "out"), "--scenario-dir", str(tmp_path / "s"), "--quiet"]
    _bad(capsys, tmp_path, ["calibrate", str(tmp_path / "nope.toml"), *out], "no such file")
    _bad(
        capsys,
        tmp_path,
        ["calibrate", str(TARGETS), "--replicates", "0", *out],
        "must be from 1 to 10,000",
    )
    _bad(capsys, tmp_path, ["calibration-report", str(tmp_path), "--out", str(tmp_path / "r")],
         "not a calibration folder")  # fmt: skip


def test_load_targets_rejects_a_prior_outside_the_schema(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    old = 'defection_threshold"\nlow = 0.2\nhigh = 0.8'
    bad.write_text(_targets_text(**{old: old.replace("0.8", "1.5")}))
    with pytest.raises(ConfigError, match="defection_threshold"):
        load_targets(bad)


@pytest.mark.slow
def test_calibrate_cli_end_to_end_small(capsys, tmp_path: Path) -> None:
    out, scn, rep = tmp_path / "out", tmp_path / "scn", tmp_path / "rep"
    argv = ["calibrate", str(LEGACY), "--method", "rejection", "--out", str(out), "--candidates", "40",
            "--replicates", "3", "--accept", "0.1", "--seed", "9", "--workers", "1",
            "--scenario-dir", str(scn), "--quiet"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    fit = json.loads((out / "fit.json").read_text())
    assert fit["candidates"] == 40 and fit["replicates"] == 3 and fit["seed"] == 9
    assert fit["accepted"] == 4 and "sqrt(max(observed, 1))" in fit["distance"]
    for v in fit["parameters"].values():
        assert v["q05"] <= v["median"] <= v["q95"]
    assert (out / "all_candidates.parquet").is_file()
    assert sum(1 for _ in (out / "posterior.csv").open()) == 1 + 4
    for name in ("calibrated_2016", "calibrated_2018"):
        s = load_scenario(scn / f"{name}.toml")
        assert s.name == name
        key = "params.target.conventional_autonomy"
        assert s.params.target.conventional_autonomy == pytest.approx(
            fit["parameters"][key]["median"], abs=1e-5
        )
    status = main(["calibration-report", str(out), "--out", str(rep), "--replicates", "40"])
    assert status == 0, capsys.readouterr().err
    text = (rep / "README.md").read_text()
    assert "Where the model misses" in text and "Wilson" in text
    for png in ("launch_weeks.png", "shares.png", "posterior.png"):
        assert (rep / png).stat().st_size < 150_000


# --------------------------------------------------------------------------- fitted scenarios


def test_shipped_fitted_scenarios_load_and_run(capsys, tmp_path: Path) -> None:
    fit = json.loads((ROOT / "docs" / "calibration" / "fit.json").read_text())
    for path in FITTED:
        scn = load_scenario(path)
        assert scn.params.target.strategic_logit0 == pytest.approx(
            fit["parameters"]["params.target.strategic_logit0"]["median"], abs=1e-5
        )
        assert main(["run", "--config", str(path), "--out", str(tmp_path / path.stem),
                     "--no-plot"]) == 0  # fmt: skip
        assert (tmp_path / path.stem / "summary.json").is_file()
    capsys.readouterr()


def test_2016_start_tests_and_the_coalition_tightens_after_them() -> None:
    ens = Ensemble(FITTED[0])
    r = 200
    p = ens.params(replicates=r)
    ev = tightening(ens, p, ens.seeds(31, 1, r), before=1, after=8)
    runs_with_test = np.unique(ev["run"]).size
    assert runs_with_test > r / 2  # most runs make a strategic test (whole-run share is higher)
    assert ev["before"].size > 100
    assert ev["after"].mean() > ev["before"].mean()  # the coalition tightens after a test
    assert (ev["after"] > ev["before"]).mean() > 0.5


def test_2018_start_produces_summitry_more_often_than_the_baseline() -> None:
    r = 300
    fitted = Ensemble(FITTED[1])
    base = Ensemble("baseline", steps=fitted.steps)
    held_fit = fitted.run(fitted.params(replicates=r), fitted.seeds(41, 1, r)).final
    held_base = base.run(base.params(replicates=r), base.seeds(41, 1, r)).final
    assert held_fit["summit_held"].mean() > held_base["summit_held"].mean() + 0.1


@pytest.mark.slow
def test_candidates_on_dask_and_on_local_processes_equal_the_serial_run() -> None:
    """Calibration uses the sweeps' runner: same numbers in process, on 2 spawned local
    processes, and on a Dask cluster, whatever the chunking."""
    from distributed import LocalCluster

    from coalition_sim.calibration.estimate import prior_design, simulate_candidates

    targets = load_targets(TARGETS)
    theta = prior_design(targets.priors, 12, seed=3)
    serial = simulate_candidates(targets, theta, 3, seed=3, workers=1)
    local = simulate_candidates(targets, theta, 3, seed=3, workers=2, chunk=5)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:  # fmt: skip
        dask = simulate_candidates(
            targets, theta, 3, seed=3, workers=2, chunk=4, scheduler=cluster.scheduler_address
        )
    assert serial.keys() == local.keys() == dask.keys()
    for key, value in serial.items():
        np.testing.assert_array_equal(value, local[key])
        np.testing.assert_array_equal(value, dask[key])
