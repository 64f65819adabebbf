"""The coalition's record of 2016-2018 as calibration targets (issue 18, item 3)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from coalition_sim.calibration.coalition import trade_ratio, unanimous_share
from coalition_sim.calibration.estimate import distance
from coalition_sim.calibration.stats import per_run_statistics
from coalition_sim.calibration.targets import BINARY_KINDS, Prior, load_targets
from coalition_sim.scenario.loading import ConfigError

TARGETS = ROOT / "configs" / "calibration" / "targets.toml"
HISTORY = ROOT / "configs" / "history"
COALITION = (
    "unsc_unanimity_2016_2017", "prc_trade_ratio_2017", "us_compromise_share_2016_2017",
    "prc_enforcement_up_2017", "coalition_held_2016_2017", "prc_lax_before_2270",
    "prc_enforcing_late_2017", "rok_hardline_2016", "rok_engagement_turn_2017",
    "prc_loosening_2018", "rok_loosening_2018", "rok_summits_2018",
)  # fmt: skip


@pytest.fixture(scope="module")
def targets():
    return load_targets(TARGETS)


def test_every_coalition_fact_is_a_statistic_with_its_source(targets) -> None:
    stats = {s.name: s for s in targets.statistics}
    assert set(COALITION) <= set(stats)
    rec = targets.record
    # five resolutions, all 15-0, each within 12 weeks of the test it answered: 6 of 6 tests
    assert all(r.vote == "15-0" and r.source for r in rec.unsc_resolutions)
    assert unanimous_share(rec, 2016, 2017, 12, "t") == 1.0
    assert stats["unsc_unanimity_2016_2017"].observed == 1.0
    # Chinese customs: 2017 / 2016 = 5.06 / 5.65
    assert trade_ratio(rec, 2016, 2017, "t") == pytest.approx(0.8956, abs=1e-3)
    assert stats["prc_trade_ratio_2017"].observed == pytest.approx(0.8956)
    # six strategic tests, six US responses, none a compromise
    assert len(rec.us_responses) == 6 and {r.response for r in rec.us_responses} == {"escalate"}
    assert stats["us_compromise_share_2016_2017"].observed == 0.0
    for f in rec.coalition:
        assert f.sources and f.evidence, f.key
    # only the 2016-2018 record informs the fit
    assert all(2016 <= s.year <= 2018 for s in targets.statistics)


def test_a_split_vote_or_a_compromise_changes_what_the_record_gives(targets) -> None:
    rec = targets.record
    split = rec.model_copy(deep=True)
    split.unsc_resolutions[1].vote = "13-0-2"  # 2321 with two abstentions
    assert unanimous_share(split, 2016, 2017, 12, "t") == pytest.approx(5 / 6)
    late = rec.model_copy(deep=True)
    late.unsc_resolutions[1].vote = "15"
    with pytest.raises(ConfigError, match="vote must read like '15-0'"):
        unanimous_share(late, 2016, 2017, 12, "t")


def _text(**replace: str) -> str:
    text = TARGETS.read_text(encoding="utf-8").replace('"../history/', f'"{HISTORY.as_posix()}/')
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


@pytest.mark.parametrize(
    ("replace", "needle"),
    [
        ({"observed = 0.8956": "observed = 0.7"}, "gives 0.8956 from the record"),
        ({'response = "escalate"': 'response = "compromise"'}, "gives 0.1667 from the record"),
        ({'rule = "rok_summits_2018"': 'rule = "rok_summit"'}, "names no record.coalition entry"),
        ({'rule = "rok_hardline_2016"': 'rule = "prc_loosening_2018"'}, "is a 'shift' fact"),
        ({'rule = "prc_lax_before_2270"': 'rule = "rok_hardline_2016"'}, "is a 'above' fact"),
        ({"window = [2018-04-27, 2018-09-20]": "window = [2018-04-27, 2019-09-20]"},
         "leaves scenario"),
        ({'actor = "ROK"\nvariable = "engagement"': 'actor = "JPN"\nvariable = "engagement"'},
         "actor 'JPN' is not in scenario"),
    ],
)  # fmt: skip
def test_bad_coalition_entries_fail_in_one_line(tmp_path: Path, replace, needle) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(_text(**replace), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_targets(bad)
    msg = str(exc.value)
    assert needle in msg and "\n" not in msg and str(bad) in msg


def _with_threshold(targets, thr: float, name: str):
    sub = dataclasses.replace(
        targets,
        statistics=[s for s in targets.statistics if s.name == name],
        priors=[Prior("params.enforcement.defection_threshold", 0.0, 1.0, "test")],
    )
    return per_run_statistics(sub, np.array([[thr]]), 300, 11)[name]


def test_known_answers_at_the_threshold_extremes(targets) -> None:
    """Threshold 0: every coalition member always enforces, so every test is answered
    unanimously, ROK never falls below it and enforcement is the whole commitment; threshold
    1: nobody reaches it."""
    u0 = _with_threshold(targets, 0.0, "unsc_unanimity_2016_2017")
    u1 = _with_threshold(targets, 1.0, "unsc_unanimity_2016_2017")
    assert np.nanmin(u0) == 1.0 and np.nanmax(u1) == 0.0
    assert np.isnan(u0).mean() < 0.5  # most runs have a strategic test to answer
    assert _with_threshold(targets, 0.0, "rok_hardline_2016").min() == 1.0
    assert _with_threshold(targets, 1.0, "rok_hardline_2016").max() == 0.0
    # 'below' is the mirror: never below threshold 0, always below threshold 1, and at the
    # PRC's start (0.4) the first week already decides it
    assert _with_threshold(targets, 0.0, "prc_lax_before_2270").max() == 0.0
    assert _with_threshold(targets, 1.0, "prc_lax_before_2270").min() == 1.0
    assert _with_threshold(targets, 0.4, "prc_lax_before_2270").max() == 0.0
    # 'above' for the PRC in late 2017, the other side of the bracket: always at threshold 0,
    # never at threshold 1
    assert _with_threshold(targets, 0.0, "prc_enforcing_late_2017").min() == 1.0
    assert _with_threshold(targets, 1.0, "prc_enforcing_late_2017").max() == 0.0
    # nothing enforced at threshold 1 (softness 0.08): trade unchanged, ratio ~ 1
    r1 = _with_threshold(targets, 1.0, "prc_trade_ratio_2017")
    np.testing.assert_allclose(r1, 1.0, atol=0.01)


def test_binary_statistics_are_zero_one_and_scored_like_facts(targets) -> None:
    sub = dataclasses.replace(targets, statistics=[s for s in targets.statistics
                                                   if s.kind in BINARY_KINDS])  # fmt: skip
    theta = np.array([[(p.low + p.high) / 2 for p in targets.priors]])
    runs = per_run_statistics(sub, theta, 50, 3)
    for s in sub.statistics:
        assert set(np.unique(runs[s.name])) <= {0.0, 1.0}, s.name
    # a share of 1 costs nothing, a share of 0 costs -2 log(1/(K+1)) (its deviance)
    one = {s.name: np.array([1.0]) for s in sub.statistics}
    assert distance(sub, one, 50)[0] == pytest.approx(0.0)
    zero = {s.name: np.array([0.0]) for s in sub.statistics}
    assert distance(sub, zero, 50)[0] == pytest.approx(len(sub.statistics) * 2 * np.log(51))


def test_statistics_do_not_depend_on_batching(targets) -> None:
    sub = dataclasses.replace(targets, statistics=[s for s in targets.statistics
                                                   if s.name in COALITION])  # fmt: skip
    theta = np.array([[(p.low + p.high) / 2 for p in targets.priors]] * 3)
    theta[1, 0] = targets.priors[0].low
    whole = per_run_statistics(sub, theta, 20, 5)
    last = per_run_statistics(sub, theta[2:], 20, 5, first_point=2)
    for name in COALITION:
        np.testing.assert_array_equal(whole[name][40:], last[name], err_msg=name)
