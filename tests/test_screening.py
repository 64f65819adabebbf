"""Morris screening of every parameter against the calibration distance (issue 18, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from coalition_sim.calibration.screening import screen, screened_parameters
from coalition_sim.calibration.targets import load_targets
from coalition_sim.cli.main import main

TARGETS = ROOT / "configs" / "calibration" / "targets.toml"


@pytest.fixture(scope="module")
def targets():
    return load_targets(TARGETS)


def test_every_real_parameter_is_screened_inside_its_schema_range(targets) -> None:
    params, skipped = screened_parameters(targets)
    names = {p.name for p in params}
    assert len(params) > 100  # 'every parameter', not the fitted few
    assert {p.name for p in targets.priors} <= names  # what is fitted is screened on its prior
    assert "params.commitment.anchor_rate" in names and "actors.USA.fear_of_snub" in names
    assert not any(".interests." in n or n.startswith("params.outcomes.") for n in names)
    assert all(p.low < p.high for p in params)
    assert all("whole number" in s or "every start" in s for s in skipped)


def test_a_parameter_no_rule_of_a_partner_reads_has_no_effect(targets) -> None:
    """Known answer: fear_of_snub is read for the leader and the target only, so China's has
    an elementary effect of exactly zero with common random numbers; the DPRK's launch hazards,
    which the launch counts follow, rank among the parameters that move the distance most."""
    res = screen(targets, trajectories=2, replicates=3, noise_sets=3, outcomes=False)
    t = res.table.set_index("parameter")
    assert t.loc["actors.PRC.fear_of_snub", "mu_star:total"] == 0.0
    assert t.loc["actors.PRC.fear_of_snub", "verdict"] == "inert"
    top = res.table["parameter"].head(20).tolist()  # ranked by effect over noise
    assert "params.target.conventional_autonomy" in top or "params.target.strategic_logit0" in top
    assert set(t["verdict"]) <= {"fit", "weak", "inert"}
    assert res.meta["points"] == 2 * (len(t) + 1)


def test_screen_cli_refuses_bad_input_in_one_line(capsys, tmp_path: Path) -> None:
    out = tmp_path / "s"
    for argv, needle in (
        (["screen", str(tmp_path / "nope.toml"), "--out", str(out)], "no such file"),
        (["screen", "--levels", "1", "--out", str(out)], "must be from 2 to 100"),
        (["screen", "--trajectories", "0", "--out", str(out)], "must be from 2 to 1,000"),
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert not out.exists()


def test_the_fitted_set_is_what_the_committed_screening_judged_to_matter(targets) -> None:
    """Fit what matters, drop what doesn't: every parameter the committed screening report
    judged 'fit' is either fitted (a prior) or kept at its documented value with the evidence
    that the record does not identify it (``[[fixed]]``); nothing fitted is inert, and none of
    the removed ones is listed (the rule of ``scripts/refit.py --check-candidates``)."""
    import pandas as pd

    report = ROOT / "docs" / "calibration" / "screening" / "screening.csv"
    table = pd.read_csv(report)
    judged = set(table.loc[table["verdict"] == "fit", "parameter"])
    inert = set(table.loc[table["verdict"] == "inert", "parameter"])
    fitted = {p.name for p in targets.priors}
    fixed = {f.name for f in targets.fixed}
    assert judged <= fitted | fixed and not fitted & fixed
    assert not fitted & inert
    # the evidence, stated: a fit's shrinkage, or that no fit has tried it yet
    assert all("shrinkage" in f.reason or "Not tried" in f.reason for f in targets.fixed)
    dead = set(table.loc[table["verdict"] == "dead", "parameter"])
    assert not dead & judged
