"""Sequential calibration (issue 11): known-answer recovery, determinism, the bad-target and
bad-posterior corpora, statistics, predictive bands, and --posterior in run, sweep and the
ensemble API."""

from __future__ import annotations

import dataclasses
import itertools
import json
import struct
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from coalition_sim.calibration.fit import coverage, restrict, weighted_quantile
from coalition_sim.calibration.smc import Simulator, smc
from coalition_sim.calibration.stats import per_run_statistics, simulate_stats
from coalition_sim.calibration.targets import BINARY_KINDS, Prior, load_targets
from coalition_sim.cli.main import main
from coalition_sim.engine.ensemble import run_ensemble
from coalition_sim.engine.posterior import (
    Posterior,
    draw_indices,
    load_posterior,
    model_fingerprint,
    save_posterior,
)
from coalition_sim.engine.runner import LocalWorkers, run_tasks
from coalition_sim.scenario.loading import ConfigError

TARGETS = ROOT / "configs" / "calibration" / "targets.toml"
HISTORY = ROOT / "configs" / "history"
FREE = ["params.target.conventional_autonomy", "params.target.strategic_autonomy"]


@pytest.fixture(scope="module")
def targets():
    return load_targets(TARGETS)


def _tiny_posterior(path: Path, weights=(0.7, 0.2, 0.1)) -> Path:
    vals = np.array([[2.0, 3.0], [5.0, 6.0], [7.5, 1.5]])
    meta = {"model_fingerprint": model_fingerprint(), "targets_hash": "test"}
    return save_posterior(path, FREE, vals, np.array(weights), meta)


# --------------------------------------------------------------------------- statistics


def test_record_gives_the_timing_and_tightening_statistics(targets) -> None:
    obs = {s.name: s for s in targets.statistics}
    # week of the year in the scenario's own steps (2016 starts on Friday 1 January)
    assert obs["first_strategic_2016"].observed == 1  # 6 Jan 2016, 4th nuclear test
    assert obs["first_conventional_2017"].observed == 7  # 12 Feb 2017
    assert obs["summit_week_2018"].observed == 24  # 12 Jun 2018
    assert obs["cancelled_week_2018"].observed < obs["revived_week_2018"].observed
    # every 2016-17 strategic test was followed by a UNSC resolution within 12 weeks
    assert obs["tightening_2016_2017"].observed == 1.0
    assert obs["moratorium_2018"].kind == "fact"
    binary = ("weeks", *BINARY_KINDS)  # binary kinds are scored by -2 log(share), no scale
    assert all(s.scale > 0 for s in targets.statistics if s.kind not in binary)


def test_per_run_statistics_are_consistent(targets) -> None:
    named = {"params.target.conventional_logit0": -4.0, "params.target.conventional_autonomy": 5.0,
             "params.target.strategic_autonomy": 3.0}  # fmt: skip
    theta = np.array([[named.get(p.name, (p.low + p.high) / 2) for p in targets.priors]])
    runs = per_run_statistics(targets, theta, 64, seed=3)
    for year in (2016, 2017):
        n = runs[f"conventional_{year}"]
        first, last = runs[f"first_conventional_{year}"], runs[f"last_conventional_{year}"]
        assert np.all((n == 0) == (last == 0))
        assert np.all(first[n > 0] <= last[n > 0])
        assert np.all(first[n == 0] > 52)
        has = n > 0
        assert np.all((last - first + 1)[has] >= n[has])  # n distinct weeks fit between them
    mor, strat = runs["moratorium_2018"], runs["strategic_2018"]
    assert np.all(mor[strat == 0] == 1)  # no strategic test at all: the moratorium held
    t = runs["tightening_2016_2017"]
    assert np.all((np.isnan(t)) | ((t >= 0) & (t <= 1)))
    # means are the per-run values averaged over replicates, in file order
    means = simulate_stats(targets, theta, 64, seed=3)
    k = [s.name for s in targets.statistics].index("conventional_2016")
    assert means[0, k] == pytest.approx(runs["conventional_2016"].mean())


def test_predictive_bands_and_weighted_quantiles(targets) -> None:
    st = next(s for s in targets.statistics if s.name == "summit_held_2018")
    rows = coverage([st], {st.name: np.r_[np.ones(30), np.zeros(70)]})
    assert rows[0]["in50"] and rows[0]["in90"]  # 30% of runs: inside both bands
    rows = coverage([st], {st.name: np.r_[np.ones(10), np.zeros(90)]})
    assert not rows[0]["in50"] and rows[0]["in90"]  # 10%: a 90% hit, a 50% miss
    rows = coverage([st], {st.name: np.zeros(100)})
    assert not rows[0]["in90"]  # never: a miss is a miss
    x = np.array([0.0, 1.0, 2.0, 3.0])
    assert weighted_quantile(x, np.array([0.0, 0.0, 1.0, 0.0]), 0.5)[0] == 2.0
    assert weighted_quantile(x, np.ones(4), 0.5)[0] == pytest.approx(1.5)


def test_restrict_keeps_only_the_fitted_years(targets) -> None:
    sub = restrict(targets, 2017)
    assert {s.year for s in sub.statistics} == {2016, 2017}
    assert list(sub.scenarios) == ["start_2016"]


# --------------------------------------------------------------------------- the algorithm


@pytest.mark.slow
def test_known_answer_smc_recovers_planted_parameters(targets) -> None:
    """Statistics simulated at a planted point (many runs); the sequential fit must put the
    truth inside its 90% intervals and narrow the prior of both parameters."""
    truth = np.array([[3.0, 5.0]])
    priors = [Prior(n, 1.0, 8.0, "test") for n in FREE]
    stats = [s for s in targets.statistics if s.scenario == "start_2016" and s.year == 2016]
    synth = dataclasses.replace(
        targets, priors=priors, statistics=stats,
        scenarios={"start_2016": targets.scenarios["start_2016"]},
    )  # fmt: skip
    planted = simulate_stats(synth, truth, 600, seed=11)[0]
    synth = dataclasses.replace(
        synth,
        statistics=[dataclasses.replace(s, observed=float(v))
                    for s, v in zip(stats, planted, strict=True)],
    )  # fmt: skip
    res = smc(synth, particles=80, replicates=10, seed=5, max_generations=5)
    assert len(res.generations) >= 3
    eps = [g.epsilon for g in res.generations]
    assert all(b < a for a, b in itertools.pairwise(eps))  # tolerances fall
    assert res.weights.sum() == pytest.approx(1.0)
    for k in range(2):
        q05, q95 = weighted_quantile(res.theta[:, k], res.weights, [0.05, 0.95])
        assert q05 <= truth[0, k] <= q95
        assert q95 - q05 < 0.75 * 7.0  # the data narrowed the prior


@pytest.mark.slow
def test_smc_is_the_same_whatever_the_workers(targets) -> None:
    sub = restrict(targets, 2016)
    a = smc(sub, particles=12, replicates=3, seed=9, max_generations=2, workers=1)
    b = smc(sub, particles=12, replicates=3, seed=9, max_generations=2, workers=2)
    c = smc(sub, particles=12, replicates=3, seed=10, max_generations=2, workers=1)
    assert np.array_equal(a.theta, b.theta) and np.array_equal(a.weights, b.weights)
    assert not np.array_equal(a.theta, c.theta)
    # a budget too small for generation 0 is refused before any run (it was spent anyway,
    # and a prior sample reported as the posterior)
    with pytest.raises(ConfigError, match="cannot cover generation 0"):
        smc(sub, particles=12, replicates=3, seed=9, max_generations=2, max_runs=10)


def test_a_fit_starts_its_local_workers_once_not_once_per_call(targets) -> None:
    """Each generation and each ABC-MCMC move simulates: the workers of a fit are started once
    (a pool per call cost ~3 s a call when workers were processes). The workers are threads of
    this process; ``threading.get_ident`` is the thread that ran the task."""
    import threading

    def ident(_: int) -> int:
        time.sleep(0.01)  # long enough for both workers to take tasks
        return threading.get_ident()

    with LocalWorkers(2) as local:
        calls = [set(run_tasks(ident, range(8), local=local)) for _ in range(5)]
    ran = set().union(*calls)
    assert threading.get_ident() not in ran  # the tasks ran in the workers
    # the same two threads served all five calls (a pool per call: five or more)
    assert 1 <= len(ran) <= 2, calls
    with Simulator(restrict(targets, 2016), replicates=1, workers=2) as sim:
        assert sim._local is not None
    assert sim._local is None  # stopped with the fit
    with Simulator(restrict(targets, 2016), replicates=1, workers=1) as sim:
        assert sim._local is None  # one worker: this process, nothing started


def test_a_fit_on_dask_connects_once_and_equals_the_fit_in_process(targets, monkeypatch) -> None:
    """A fit given a scheduler address connects once (a client per generation and move, each
    checking the workers' code, before), and its numbers are those of one process."""
    from distributed import LocalCluster

    import coalition_sim.calibration.smc as smc_module
    import coalition_sim.engine.runner as runner

    made: list[str] = []
    real = runner.connect

    def counted(address: str, wait: float | None = None) -> object:
        made.append(address)
        return real(address, wait)

    monkeypatch.setattr(runner, "connect", counted)
    monkeypatch.setattr(smc_module, "connect", counted)
    sub = restrict(targets, 2016)
    a = smc(sub, particles=12, replicates=3, seed=9, max_generations=2, workers=1)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:  # fmt: skip
        b = smc(sub, particles=12, replicates=3, seed=9, max_generations=2,
                scheduler=cluster.scheduler_address)  # fmt: skip
    assert made == [cluster.scheduler_address]
    assert len(b.generations) == 2 and b.generations[1].runs > 0  # moves simulated on dask
    assert np.array_equal(a.theta, b.theta) and np.array_equal(a.weights, b.weights)


# --------------------------------------------------------------------------- CLI


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _shipped() -> dict[str, int]:
    paths = [*HISTORY.glob("*.toml"), *(ROOT / "docs" / "calibration").glob("*"),
             *(ROOT / "configs" / "calibration").glob("*")]  # fmt: skip
    return {str(p): p.stat().st_mtime_ns for p in paths}


TINY = ["--particles", "12", "--replicates", "2", "--max-generations", "2",
        "--predictive-draws", "40", "--quiet"]  # fmt: skip


@pytest.mark.slow
def test_calibrate_writes_only_under_out_and_repeats_byte_for_byte(capsys, tmp_path: Path) -> None:
    before = _shipped()
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["calibrate", "--out", str(a), "--workers", "1", *TINY]) == 0
    assert main(["calibrate", "--out", str(b), "--workers", "2", *TINY]) == 0
    out = capsys.readouterr().out
    assert "forecast of 2018" in out and "coverage" in out
    assert _shipped() == before, "calibrate touched committed files without --write-configs"
    fa, fb = _files(a), _files(b)
    # the closing line names every file written (the report's timing.json went unnamed)
    wrote = next(line for line in out.splitlines() if line.startswith("calibrate: wrote "))
    named = {
        str(Path(f).relative_to(a)) for f in wrote.removeprefix("calibrate: wrote ").split(", ")
    }
    assert named == set(fa), set(fa) ^ named
    assert set(fa) == set(fb)
    for name in ("posterior.parquet", "posterior_until_2017.parquet", "fit.json",
                 "scenarios/calibrated_2016.toml", "scenarios/calibrated_2018.toml"):  # fmt: skip
        assert fa[name] == fb[name], name
    fit = json.loads(fa["fit.json"])
    assert fit["forecast"]["fit_until"] == 2017
    assert {r["name"] for r in fit["forecast"]["coverage"]} == {
        s["name"] for s in fit["statistics"] if s["year"] == 2018
    }
    assert len(fit["predictive"]["coverage"]) == len(fit["statistics"])
    text = (a / "report" / "README.md").read_text()
    for needle in ("Tolerance schedule", "shrinkage", "Forecast test", "Where the model misses",
                   "in 90%", "Correlations", "**A small fit** (12 particles"):  # fmt: skip
        assert needle in text  # a 12-particle fit says its figures are rough
    post = load_posterior(a / "posterior.parquet")
    assert len(post) == 12 and post.meta["targets_hash"] == fit["targets_hash"]
    # calibration-report of this fit: --replicates/--seed (a rejection fit's) were ignored
    capsys.readouterr()
    rep = tmp_path / "rep"
    assert main(["calibration-report", str(a), "--out", str(rep), "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert "--seed applies to a rejection fit only" in err and err.count("\n") == 1
    assert not rep.exists()
    assert main(["calibration-report", str(a), "--out", str(rep)]) == 0
    assert (rep / "README.md").is_file() and (rep / "timing.json").is_file()


def _bad(capsys, tmp_path: Path, argv: list[str], needle: str) -> None:
    before = sorted(tmp_path.rglob("*"))
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2, err
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error:"), err
    assert needle in err, err
    assert sorted(tmp_path.rglob("*")) == before, "a failed command wrote files"


def _text(old: str, new: str) -> str:
    text = TARGETS.read_text(encoding="utf-8").replace('"../history/', f'"{HISTORY.as_posix()}/')
    assert old in text, old
    return text.replace(old, new, 1)


BAD_TARGETS = [
    ("observed = 2017-02-12", "observed = 2017-02-13", "gives 2017-02-12"),
    ('rule = "conventional_first"', 'rule = "conventional_frist"', "rule must be one of"),
    ("observed = 2018-06-12\nrule", "observed = 2018-06-12\nrule", "scale"),  # replaced below
    ("scale = 8\n", "scale = -1\n", "statistics[10].scale' = -1 is out of range"),
    ("scale = 3\n", "", "missing required key 'scale'"),
    ('event = "summit_held"', 'event = "summit_hold"', "statistics[20].event' = 'summit_hold'"),
    ("lag = 12", "lag = 4", "the record gives 0.5"),
    ("lag = 12", "lag = 99", "statistics[21].lag' = 99 is out of range"),
    ("first_year = 2016", "first_year = 2018", "first_year 2018"),
    ("conventional_first = { 2016 = 2016-03-10, ", "conventional_first = { ", "no date for 2016"),
    ("alpha = 0.5", "alpha = 1.5", "smc.alpha' = 1.5 is out of range"),
    ("particles = 400", "particles = 0", "smc.particles' = 0 is out of range"),
    ("[smc]\n", "[smc]\nparticels = 3\n", "unknown key 'smc.particels' (did you mean 'smc.particles'?)"),
    ('fact = "moratorium_held"', 'fact = "moratorium"', "statistics[9].fact' = 'moratorium'"),
    ("moratorium_announced = 2018-04-20", "moratorium_announced = 2017-04-20",
     "does not show the fact 'moratorium_held'"),
]  # fmt: skip
BAD_TARGETS[2] = ("observed = 2018-06-12\n", "observed = 2018-06-13\n", "gives 2018-06-12")


@pytest.mark.parametrize(("old", "new", "needle"), BAD_TARGETS)
def test_bad_target_corpus_fails_in_one_line_and_writes_nothing(
    capsys, tmp_path: Path, old: str, new: str, needle: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(_text(old, new), encoding="utf-8")
    _bad(capsys, tmp_path, ["calibrate", str(bad), "--out", str(tmp_path / "out"), *TINY], needle)


def test_bad_options_and_rejection_on_timing_targets(capsys, tmp_path: Path) -> None:
    out = ["--out", str(tmp_path / "out"), "--quiet"]
    _bad(capsys, tmp_path, ["calibrate", "--candidates", "40", *out], "--method rejection only")
    _bad(capsys, tmp_path, ["calibrate", "--method", "rejection", *out],
         "launch counts and the summit facts")  # fmt: skip
    # an smc option with rejection is refused, not silently ignored
    _bad(capsys, tmp_path, ["calibrate", "--method", "rejection", "--alpha", "0.3", *out],
         "--alpha applies to --method smc only")  # fmt: skip
    _bad(capsys, tmp_path, ["calibrate", "--alpha", "1", *out], "must be in (0, 1)")


# --------------------------------------------------------------------------- posterior as input


def test_posterior_draws_are_keyed_by_seed_and_follow_the_weights(tmp_path: Path) -> None:
    post = load_posterior(_tiny_posterior(tmp_path / "p.parquet"))
    seeds = np.arange(30000, dtype=np.uint64) * np.uint64(7919) + np.uint64(12345)
    idx = post.draw(seeds)
    assert np.array_equal(idx, post.draw(seeds))  # same seed, same particle
    assert np.array_equal(idx[5:9], post.draw(seeds[5:9]))  # whatever the batch
    freq = np.bincount(idx, minlength=3) / idx.size
    assert np.allclose(freq, [0.7, 0.2, 0.1], atol=0.015)
    assert draw_indices(np.array([0.0, 1.0]), [1, 2, 3]).tolist() == [1, 1, 1]


BAD_POSTERIORS = [
    "not parquet", "no metadata", "other model", "unknown name", "bad weights", "changed byte",
]  # fmt: skip


@pytest.mark.parametrize("case", BAD_POSTERIORS)
def test_bad_posterior_files_fail_in_one_line(capsys, tmp_path: Path, case: str) -> None:
    f = tmp_path / "p.parquet"
    names, vals, w = FREE, np.array([[2.0, 3.0]]), np.array([1.0])
    meta = {"model_fingerprint": model_fingerprint()}
    if case == "not parquet":
        f.write_text("hello")
        needle = "not a Parquet posterior"
    elif case == "no metadata":
        pd.DataFrame({"weight": [1.0], FREE[0]: [2.0]}).to_parquet(f)
        needle = "not written by calibrate"
    elif case == "other model":
        save_posterior(f, names, vals, w, {"model_fingerprint": "0000"})
        needle = "fitted on another model"
    elif case == "changed byte":  # one stored value's byte flipped: the page checksum says so
        save_posterior(f, names, np.array([[2.0, 3.2512345]]), w, meta)
        raw = bytearray(f.read_bytes())
        at = raw.find(struct.pack("<d", 3.2512345))  # its first copy: the data page (zstd
        raw[at] ^= 0x01  # keeps 8 bytes as they are); without the checksum: 3.2512345000000002
        f.write_bytes(bytes(raw))
        needle = "CRC checksum verification failed"
    elif case == "unknown name":
        save_posterior(f, ["params.target.no_such_thing"], np.array([[1.0]]), w, meta)
        needle = "unknown parameter"
    else:
        save_posterior(f, names, vals, np.array([-1.0]), meta)
        needle = "weights must be"
    out = tmp_path / "run"
    argv = ["run", "--config", str(HISTORY / "start_2018.toml"), "--posterior", str(f),
            "--out", str(out), "--no-plot"]  # fmt: skip
    _bad(capsys, tmp_path, argv, needle)


@pytest.mark.slow
def test_run_sweep_and_ensemble_draw_from_the_posterior(capsys, tmp_path: Path) -> None:
    f = _tiny_posterior(tmp_path / "p.parquet", weights=(0.0, 0.0, 1.0))  # always particle 2
    out = tmp_path / "run"
    argv = ["run", "--config", str(HISTORY / "start_2018.toml"), "--posterior", str(f),
            "--seed", "4", "--out", str(out), "--no-plot"]  # fmt: skip
    assert main(argv) == 0
    assert "particle 2 of 3" in capsys.readouterr().out
    # ensemble API: one particle with all the weight equals setting its values by hand
    a = run_ensemble("summit_2018", 64, seed=3, posterior=f, every=0)
    b = run_ensemble("summit_2018", 64, seed=3, every=0,
                     overrides={FREE[0]: 7.5, FREE[1]: 1.5})  # fmt: skip
    pd.testing.assert_frame_equal(a["final"], b["final"])
    # sweep: each run records its particle; chunking does not change the draws
    g = _tiny_posterior(tmp_path / "q.parquet")
    spec = tmp_path / "tiny.toml"
    spec.write_text(
        'name = "tiny"\nscenario = "summit_2018"\nreplicates = 40\nseed = 7\n'
        '[design]\nkind = "factorial"\n'
        '[[parameters]]\nname = "params.fatigue.growth"\nvalues = [0.0, 0.05]\n'
    )
    runs = []
    for k, cs in enumerate(("7", "80")):
        d = tmp_path / f"sw{k}"
        assert main(["sweep", str(spec), "--posterior", str(g), "--out", str(d), "--workers",
                     "1", "--chunk-size", cs, "--quiet"]) == 0  # fmt: skip
        runs.append(pd.read_parquet(d / "runs").sort_values(["point", "replicate"]))
    capsys.readouterr()
    assert np.array_equal(runs[0]["posterior_particle"], runs[1]["posterior_particle"])
    assert np.array_equal(runs[0]["summit_held"], runs[1]["summit_held"])
    assert set(runs[0]["posterior_particle"]) == {0, 1, 2}
    man = json.loads((tmp_path / "sw0" / "manifest.json").read_text())
    assert man["posterior"]["particles"] == 3


def test_posterior_class_checks_ranges() -> None:
    post = Posterior(FREE, np.array([[99.0, 3.0]]), np.array([1.0]), path="x.parquet")
    from coalition_sim.engine.ensemble import Ensemble

    with pytest.raises(ConfigError, match="out of range"):
        post.check(Ensemble("summit_2018").specs, "test")


def test_ui_switch_draws_from_the_shipped_posterior(monkeypatch, tmp_path: Path) -> None:
    from coalition_sim.ui import session

    f = _tiny_posterior(tmp_path / "p.parquet", weights=(0.0, 0.0, 1.0))
    monkeypatch.setattr(session, "posterior_file", lambda: f)
    sim = session.Sim.build("summit_2018", {}, 3)
    with_post = session.ensemble_views(sim, 40, posterior=True)
    without = session.ensemble_views(sim, 40)
    assert "drawn from the posterior" in with_post["label"]
    assert "posterior" not in without["label"]
    expect = run_ensemble(
        "summit_2018", 40, seed=3, every=0, overrides={FREE[0]: 7.5, FREE[1]: 1.5}
    )
    assert with_post["probabilities"] == expect.probabilities.to_dict()


def test_an_interrupt_stops_the_local_workers_after_the_tasks_in_flight() -> None:
    """A Ctrl-C while a fit or a sweep waits on its workers: the tasks already running finish
    (a thread cannot be stopped mid-kernel), none of the queued ones starts, and the
    interrupt reaches the caller (the commands then say 'interrupted' in one line)."""
    started: list[int] = []

    def task(k: int) -> int:
        started.append(k)
        time.sleep(0.05)
        return k

    with pytest.raises(KeyboardInterrupt), LocalWorkers(2) as local:
        for _ in local.map(task, range(100)):
            raise KeyboardInterrupt
    assert 1 <= len(started) <= 4, started  # at most 2 x workers were ever submitted
