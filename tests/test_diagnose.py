"""The long-run diagnosis (``python run.py diagnose``): hazards, the 2016-18 figures, the CLI."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from coalition_sim.cli.main import main
from coalition_sim.experiments import diagnose as dg


def test_hazard_table_known_answer():
    # 4 runs, 2 years of 2 weeks: run 0 enters in year 1 and stays; run 1 enters in year 2;
    # run 2 enters and leaves in year 1 and re-enters in year 2; run 3 never
    flags = np.array(
        [
            [0, 1, 1, 1, 1],
            [0, 0, 0, 0, 1],
            [0, 1, 0, 1, 1],
            [0, 0, 0, 0, 0],
        ],
        dtype=bool,
    )
    tab = dg.hazard_table(flags, weeks_per_year=2)
    assert tab["at_risk"].tolist() == [4, 3]  # run 0 is in the state at the start of year 2
    assert tab["onsets"].tolist() == [2, 2]  # runs 0, 2; then runs 1, 2
    assert_allclose(tab["hazard"], [0.5, 2 / 3])
    assert_allclose(tab["share_in"], [0.25, 0.75])
    assert (tab["low"] <= tab["hazard"]).all() and (tab["hazard"] <= tab["high"]).all()


def test_long_run_reports_every_mode_and_partner():
    run = dg.long_run("baseline", replicates=50, years=2, seed=3)
    assert set(run.hazards["mode"]) == set(dg.FAILURE_MODES.values())
    assert run.hazards["year"].max() == 2
    assert set(run.commitment["actor"]) == {"USA", "ROK", "PRC"}  # the target is left out
    assert run.commitment["week"].max() == 104
    assert ((run.commitment["mean"] >= 0) & (run.commitment["mean"] <= 1)).all()
    assert run.start["PRC"] == pytest.approx(0.5)


def test_check_history_has_the_issue_figures():
    h = dg.check_history(replicates=40, seed=5)
    names = set(h.figures["figure"])
    assert "P(coalition fractured by end 2017)" in names
    assert "share of them compromises" in names
    assert "PRC mean commitment: end 2018" in names
    assert h.figures["value"].notna().all()


def test_diagnose_command_writes_the_report(tmp_path, capsys):
    out = tmp_path / "dg"
    rc = main(
        ["diagnose", "--scenario", "baseline", "--replicates", "20", "--years", "1",
         "--history", "none", "--out", str(out)]
    )  # fmt: skip
    assert rc == 0
    assert {p.name for p in out.iterdir()} == {
        "diagnose.md", "hazards.csv", "commitment.csv", "diagnose.png",
    }  # fmt: skip
    assert "## baseline" in (out / "diagnose.md").read_text()
    # an earlier report is refused without --overwrite; bad input is one line, status 2
    assert main(["diagnose", "--scenario", "baseline", "--replicates", "5", "--years", "1",
                 "--history", "none", "--out", str(out)]) == 2  # fmt: skip
    assert main(["diagnose", "--scenario", "no_such_scenario", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
    err = capsys.readouterr().err
    assert "Traceback" not in err
