"""Cross-validation, ablations and the validate command (issue 19) at small sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from coalition_sim.calibration.targets import load_targets
from coalition_sim.cli.main import main
from coalition_sim.engine.posterior import load_posterior
from coalition_sim.experiments.paired import Interval
from coalition_sim.experiments.signature_suite import (
    RowResult,
    above_check,
    at_least_check,
    at_most_check,
    band_check,
    sign_check,
)
from coalition_sim.scenario.loading import ConfigError
from coalition_sim.validation.ablation import load_ablations, run_ablations
from coalition_sim.validation.cv import FoldSettings, run_fold, years_of

TARGETS = ROOT / "configs" / "calibration" / "targets.toml"
POSTERIOR = ROOT / "configs" / "calibration" / "posterior.parquet"
ABLATIONS = ROOT / "configs" / "validation" / "ablations.toml"


@pytest.fixture(scope="module")
def targets():
    return load_targets(TARGETS)


@pytest.fixture(scope="module")
def post():
    return load_posterior(POSTERIOR, check_model=False)


def test_a_fold_never_fits_what_it_forecasts(targets) -> None:
    fold = run_fold(targets, 2018, FoldSettings(10, 2, 2, None, 40), seed=3)
    by_name = {s.name: s for s in targets.statistics}
    assert fold.scored and all(by_name[n].year == 2018 for n in fold.scored)
    assert all(2018 not in years_of(by_name[n], targets) for n in fold.fitted)
    assert set(fold.fit.names) == set(targets.names)
    assert fold.evaluation.fitting_years == [2016, 2017]
    clim = next(r for r in fold.evaluation.rows
                if r.name == "conventional_2018" and r.forecaster == "climatology")  # fmt: skip
    assert "16.0, 12.0" in clim.note  # the held-out year is not in its own baseline
    skill = fold.evaluation.skill["posterior"]["climatology"]
    assert {"launches", "summitry", "total"} <= set(skill)
    assert np.isfinite(skill["total"]["skill"])


def test_straddling_statistics_are_neither_fitted_nor_scored(targets) -> None:
    tight = next(s for s in targets.statistics if s.kind == "tightening")
    assert years_of(tight, targets) == {2016, 2017}
    for st in targets.statistics:  # a window over two years belongs to both
        if st.name == "prc_enforcement_up_2017":
            assert years_of(st, targets) == {2016, 2017}
    fold = run_fold(targets, 2016, FoldSettings(8, 1, 1, None, 20), seed=4)
    assert tight.name in fold.unused
    assert tight.name not in fold.fitted and tight.name not in fold.scored


def test_switching_off_the_insecurity_dilemma_worsens_the_fit(targets, post) -> None:
    abl = [a for a in load_ablations(ABLATIONS, targets) if a.name == "insecurity"]
    full, res = run_ablations(targets, post, abl, draws=150, seed=5, sig_replicates=200,
                              resamples=40, rows=[15])  # fmt: skip
    est, lo, hi = res[0].change["summitry"]
    assert lo > 0, (est, lo, hi)  # no leader cancels first: the 2018 sequence is lost
    assert res[0].change["total"][1] > 0
    assert set(full) == {15} and set(res[0].rows_pass) == {15}


def test_every_ablation_names_real_parameters(targets) -> None:
    names = [a.name for a in load_ablations(ABLATIONS, targets)]
    assert "network" in names and len(names) == len(set(names)) >= 10


def test_a_bad_ablation_file_is_one_line_naming_file_and_group(targets, tmp_path: Path) -> None:
    bad = tmp_path / "abl.toml"
    bad.write_text('[[ablations]]\nname = "x"\nwhat = "y"\nset = { "params.nope.rate" = 0.0 }\n')
    with pytest.raises(ConfigError, match=r"abl\.toml: ablations\[0\] 'x'"):
        load_ablations(bad, targets)


def _posterior_of_this_model(targets, path: Path) -> Path:
    """Five particles inside the prior box, stamped with this model's fingerprint."""
    from coalition_sim.engine.posterior import model_fingerprint, save_posterior

    lo = np.array([p.low for p in targets.priors])
    hi = np.array([p.high for p in targets.priors])
    vals = lo + (hi - lo) * np.linspace(0.3, 0.7, 5)[:, None]
    meta = {"model_fingerprint": model_fingerprint(), "targets_hash": "test"}
    return save_posterior(path, targets.names, vals, np.full(5, 0.2), meta)


def test_validate_scores_prints_skill_and_bad_input_exits_2(targets, capsys, tmp_path: Path):
    post = _posterior_of_this_model(targets, tmp_path / "post.parquet")
    assert main(["validate", "scores", "--posterior", str(post), "--draws", "30", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "posterior   vs climatology" in out and "conventional_2016" in out
    assert main(["validate", "scores", "--targets", str(tmp_path / "none.toml")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error:")
    assert main(["validate", "--size", "huge"]) == 2
    capsys.readouterr()
    # a posterior fitted to other parameters is refused, not judged by this target file
    from coalition_sim.engine.posterior import model_fingerprint, save_posterior

    other = save_posterior(
        tmp_path / "other.parquet", targets.names[:-1], np.full((3, len(targets.names) - 1), 0.5),
        np.full(3, 1 / 3), {"model_fingerprint": model_fingerprint(), "targets_hash": "x"},
    )  # fmt: skip
    assert main(["validate", "scores", "--posterior", str(other), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "fitted to other parameters" in err and targets.names[-1] in err
    # too few draws for an interval with any width
    assert main(["validate", "scores", "--draws", "5"]) == 2
    capsys.readouterr()


def test_validate_workers_are_bounded_by_this_machines_cores(capsys, monkeypatch, tmp_path):
    """The bound was a fixed 2 ("must be 1 or 2 on this machine", help "at most 2 here") on
    any machine; it is one worker per core, said with the count."""
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert main(["validate", "cv", "--workers", "2", "--size", "tiny", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --workers must be at most 1 (one per core of this machine), got 2\n"


def test_signatures_under_the_posterior_writes_the_share_of_passing_draws(targets, tmp_path):
    out = tmp_path / "sig"
    post = _posterior_of_this_model(targets, tmp_path / "post.parquet")
    argv = ["signatures", "--rows", "16", "--replicates", "80", "--posterior", str(post),
            "--draws", "3", "--draw-replicates", "60", "--out", str(out)]  # fmt: skip
    assert main(argv) in (0, 1)
    text = (out / "posterior.md").read_text()
    assert "| 16 | ties |" in text and "calibrated point" in text
    import pandas as pd

    frame = pd.read_csv(out / "posterior.csv")
    assert list(frame["row"]) == [16] and frame["draws"].iloc[0] == 3
    assert 0 <= frame["share"].iloc[0] <= 1
    assert frame["draws_passing"].iloc[0] == round(3 * frame["share"].iloc[0])
    assert 0 <= frame["draws_contradicting"].iloc[0] <= 3 - frame["draws_passing"].iloc[0]
    assert "contradicting |" in text
    # per draw: the particle, its fitted values, and the failed checks of a failing row
    draws = pd.read_csv(out / "posterior_draws.csv", keep_default_na=False)
    assert list(draws["draw"]) == [1, 2, 3] and list(draws["row"]) == [16, 16, 16]
    assert set(load_posterior(post).names) <= set(draws.columns)
    assert int(draws["passed"].sum()) == frame["draws_passing"].iloc[0]
    assert all((c == "") == p for c, p in zip(draws["failed_checks"], draws["passed"], strict=True))
    assert "## Where the draws fail" in text


def test_the_failing_draws_section_names_draws_values_and_checks() -> None:
    from coalition_sim.experiments.signature_report import draws_frame, failing_draws_markdown
    from coalition_sim.experiments.signatures import DrawResult

    names = ["params.enforcement.defection_threshold", "params.prospect.summit_success"]
    details = [
        DrawResult(0, 11, {names[0]: 0.25, names[1]: 0.9}, {2: [("P(US isolation)", 0.0)]}),
        DrawResult(1, 12, {names[0]: 0.55, names[1]: 0.8}, {}),
        DrawResult(2, 13, {names[0]: 0.35, names[1]: 0.6}, {2: [("P(fracture)", 0.01)]}),
    ]
    md = failing_draws_markdown(details, {2: "failure modes"}, names)
    assert "### Row 2 (failure modes): fails in 2 of 3 draws" in md
    # medians: passing draws 0.55 (one draw), failing draws (0.25 + 0.35) / 2 = 0.3
    assert "| `defection_threshold` | 0.55 | 0.3 |" in md
    assert "| 3 | 13 | 0.35 | 0.6 | P(fracture) (0.010) |" in md
    frame = draws_frame(details, [2], names)
    assert list(frame["passed"]) == [False, True, False]
    assert frame["failed_checks"].tolist() == ["P(US isolation)=0", "", "P(fracture)=0.01"]
    assert "Every row passes" in failing_draws_markdown(details[1:2], {2: "x"}, names)


def test_the_full_size_fits_its_folds_as_the_committed_fit(targets) -> None:
    """``--size full`` takes the fold fits' sizes from the target file's [smc] (declared
    once): a change of the fit's runs per particle reaches the cross-validation too."""
    from coalition_sim.validation.report import SIZES, size_for

    full = size_for("full", targets)
    smc = targets.smc
    assert (full.particles, full.replicates, full.max_generations, full.max_runs) == (
        smc.particles, smc.replicates, smc.max_generations, smc.max_runs
    )  # fmt: skip
    assert full.draws == SIZES["full"].draws
    assert size_for("small", targets) == SIZES["small"]


def _ci(low: float, high: float) -> Interval:
    return Interval((low + high) / 2, low, high, 100, "test")


@pytest.mark.parametrize(
    ("check", "passed", "contradicted", "straddling"),
    [
        (lambda ci: sign_check("x", ci, 1), (0.01, 0.2), (-0.2, 0.0), (-0.1, 0.1)),
        (lambda ci: sign_check("x", ci, -1), (-0.2, -0.01), (0.0, 0.3), (-0.1, 0.1)),
        (lambda ci: band_check("x", ci, 0.1, 0.5), (0.2, 0.4), (0.5, 0.7), (0.05, 0.3)),
        (lambda ci: above_check("x", ci, 0.5), (0.6, 0.9), (0.1, 0.5), (0.4, 0.6)),
        (lambda ci: at_least_check("x", ci, 0.5), (0.5, 0.9), (0.1, 0.49), (0.4, 0.6)),
        (lambda ci: at_most_check("x", ci, 0.5), (0.1, 0.5), (0.51, 0.9), (0.4, 0.6)),
    ],
)
def test_a_check_passes_is_contradicted_or_is_not_shown(
    check, passed, contradicted, straddling
) -> None:
    """Known answers: an interval wholly on the expected side passes, wholly on the other
    side contradicts, straddling the boundary is neither; a row's verdict follows its checks."""
    ok, bad, straddle = check(_ci(*passed)), check(_ci(*contradicted)), check(_ci(*straddling))
    assert (ok.passed, ok.contradicted) == (True, False)
    assert (bad.passed, bad.contradicted) == (False, True)
    assert (straddle.passed, straddle.contradicted) == (False, False)
    row = RowResult(1, "m", "s", "p", "e", [ok])
    assert row.verdict == "pass"
    row.checks.append(straddle)
    assert row.verdict == "not shown"
    row.checks.append(bad)
    assert row.verdict == "contradicted"


def test_the_report_tells_a_contradicted_row_from_one_not_shown() -> None:
    """The validation report's misses name rows contradicted in some draws as such, and rows
    merely passing in few draws (never contradicted) as too few replicates to tell."""
    from coalition_sim.validation.report import SIZES, _signature_misses

    size = SIZES["small"].__dict__
    sig = [
        {"row": 2, "mechanism": "failure modes", "share": 0.25, "contradicted": 0.0},
        {"row": 7, "mechanism": "habituation", "share": 0.4, "contradicted": 0.1},
        {"row": 9, "mechanism": "ties", "share": 1.0, "contradicted": 0.0},
    ]
    against, unshown = _signature_misses(sig, size)
    assert "contradicted in some posterior draws" in against and "7 (habituation, 10%" in against
    assert "2 (" not in against and "9 (" not in against
    assert "2 (failure modes, passing in 25%)" in unshown and "7 (" not in unshown
    assert f"{size['sig_draw_replicates']} replicates per arm" in unshown
    assert _signature_misses(sig[2:], size) == []


# --------------------------------------------------------------------------- held-out windows

HOLDOUT = ROOT / "configs" / "validation" / "holdout.toml"


def test_held_out_windows_are_scored_against_the_fitting_years_only(targets, post) -> None:
    from coalition_sim.validation.holdout import run_holdout

    ho = run_holdout(targets, post, HOLDOUT, draws=30, seed=5)
    assert ho.fitting_years == [2016, 2017, 2018]
    assert [w.label for w in ho.windows] == ["2013-2015", "2019-2020"]
    years = {s.year for w in ho.windows for s in w.evaluation.statistics}
    assert years and not years & {2016, 2017, 2018}  # nothing of the fitting window
    rows = {(r.name, r.forecaster): r for w in ho.windows for r in w.evaluation.rows}
    # baselines are the 2016-18 values of the same definition, never the held-out year's own
    assert "16.0, 12.0, 0.0" in rows[("conventional_2019", "climatology")].note
    assert "2.0, 4.0, 0.0" in rows[("strategic_2014", "climatology")].note
    assert rows[("summit_held_2019", "base_rate")].probability == pytest.approx(1.5 / 4)
    # a fact the fitting years do not define gets the uninformed p = 1/2
    assert rows[("no_agreement_2019_2020", "base_rate")].probability == pytest.approx(0.5)
    for w in ho.windows:
        sk = w.evaluation.skill["posterior"]["climatology"]
        assert "launches" in sk and np.isfinite(sk["total"]["skill"])


def test_a_mechanism_switched_off_is_scored_on_the_held_out_windows(targets, post) -> None:
    """The third test of a mechanism (it survives the hold-outs): switching the DPRK's mode
    switching off must change the 2019-20 forecast (the turn back to autonomy is the
    window's story), on the same runs and draws as the full model."""
    from coalition_sim.validation.holdout import run_holdout

    abl = [a for a in load_ablations(ABLATIONS, targets) if a.name == "mode_switching"]
    ho = run_holdout(targets, post, HOLDOUT, draws=40, seed=5, ablations=abl, resamples=20)
    est, lo, hi = ho.ablations["mode_switching"]["2019-2020"]
    assert lo <= est <= hi and est != 0.0
    assert set(ho.ablations["mode_switching"]) == {"2013-2015", "2019-2020"}
    assert ho.to_dict()["ablations"]["mode_switching"]["2019-2020"] == [est, lo, hi]
    from coalition_sim.validation.report import _holdout_lines

    text = "\n".join(_holdout_lines(ho))
    assert "## Held-out windows (never fitted)" in text
    assert "### 2013-2015 (start `start_2013`)" in text and "### 2019-2020" in text
    assert "| mode_switching | " in text and "Δ total 2019-2020" in text
    assert "conventional_2019" in text  # the per-statistic table of each window


def test_the_held_out_record_is_checked_like_the_targets(tmp_path: Path) -> None:
    text = HOLDOUT.read_text(encoding="utf-8")
    bad = tmp_path / "holdout.toml"
    for name in ("start_2013.toml", "start_2019.toml"):
        (tmp_path / name).write_text(
            (HOLDOUT.parent / name)
            .read_text(encoding="utf-8")
            .replace(
                'extends = "../baseline.toml"', f'extends = "{ROOT / "configs" / "baseline.toml"}"'
            ),
            encoding="utf-8",
        )
    bad.write_text(text.replace("2019 = 14,", "2019 = 15,"), encoding="utf-8")
    with pytest.raises(ConfigError, match="observed = 14 but rule"):
        load_targets(bad, holdout=True)
    prior = '\n[[priors]]\nname = "params.target.strategic_logit0"\nlow = -9.0\nhigh = -5.0\n'
    bad.write_text(text + prior, encoding="utf-8")
    with pytest.raises(ConfigError, match="never fitted: it may not have"):
        load_targets(bad, holdout=True)
    from coalition_sim.validation.holdout import holdout_targets

    bad.write_text(text.replace('name = "conventional_2014"', 'name = "conventional_2016"'),
                   encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError, match="a calibration statistic has that name"):
        holdout_targets(load_targets(TARGETS), bad)


def test_validate_holdout_prints_both_windows_and_refuses_out(capsys, tmp_path: Path) -> None:
    assert main(["validate", "holdout", "--draws", "20", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "held-out window 2013-2015" in out and "held-out window 2019-2020" in out
    assert "conventional_2019" in out and "posterior   vs climatology" in out
    assert main(["validate", "holdout", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
    assert main(["validate", "holdout", "--holdout", str(tmp_path / "none.toml")]) == 2
    assert "none.toml" in capsys.readouterr().err


def test_the_whole_report_at_the_tiny_size_has_its_held_out_section(tmp_path: Path) -> None:
    out = tmp_path / "v"
    assert main(["validate", "--size", "tiny", "--out", str(out), "--quiet"]) == 0
    text = (out / "README.md").read_text(encoding="utf-8")
    for heading in ("## Scores and skill on the record (in sample)",
                    "## Held-out windows (never fitted)", "### Mechanisms out of the window",
                    "## Known misses"):  # fmt: skip
        assert heading in text, heading
    import json

    data = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert [w["label"] for w in data["holdout"]["windows"]] == ["2013-2015", "2019-2020"]
    assert "mode_switching" in data["holdout"]["ablations"]


def test_posterior_health_credits_only_the_fit_that_wrote_the_posterior(tmp_path: Path):
    import json

    from coalition_sim.engine.posterior import load_posterior
    from coalition_sim.validation.report import posterior_health

    committed = ROOT / "configs" / "calibration" / "posterior.parquet"
    fit_json = ROOT / "docs" / "calibration" / "fit.json"
    post = load_posterior(committed)
    assert posterior_health(post, fit_json)["generations"]  # the committed pair matches
    # a fit of the same targets and model, another size: not credited with these generations
    other = json.loads(fit_json.read_text())
    other["particles"] = 12
    (tmp_path / "fit.json").write_text(json.dumps(other))
    assert posterior_health(post, tmp_path / "fit.json")["generations"] is None
