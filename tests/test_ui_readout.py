"""How the page reads out numbers and dates, without a browser: one rounding rule for every
view of a share, differences that agree with the shares beside them, date axes that fit any
run length, keys and names that travel with exported files."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from coalition_sim.abm.model import CoalitionModel
from coalition_sim.scenario.library import resolve_scenario
from coalition_sim.scenario.names import with_values
from coalition_sim.ui.compare_panel import effect_bars_svg, effects_table_html
from coalition_sim.ui.dates import DATE_AXIS_TITLE, date_axis_svg
from coalition_sim.ui.ensemble_panel import difference_table_html
from coalition_sim.ui.numbers import pct_text, pp_between, pp_text, signed
from coalition_sim.ui.runs import Inputs, Pin, diff_html, diff_svg
from coalition_sim.ui.theme import MIN_FONT, text_width
from coalition_sim.ui.views import History, fan_svg, outcome_bars_svg, series_svg

NS = "{http://www.w3.org/2000/svg}"


def test_a_share_prints_with_one_decimal_and_never_rounds_to_all_or_none():
    assert [pct_text(x) for x in (0.996, 0.016, 0.002, 0.5)] == ["99.6", "1.6", "0.2", "50.0"]
    assert pct_text(1.0) == "100.0" and pct_text(0.0) == "0.0"
    # 999 of 1,000 is not everyone; 1 in 5,000 is not no one
    assert pct_text(0.9996) == ">99.9" and pct_text(0.0002) == "<0.1"
    assert pct_text(1 - 1e-15) == "100.0"  # float noise in a Wilson bound of n of n


def test_signed_numbers_use_the_minus_sign_and_never_read_minus_zero():
    assert pp_text(-0.002) == "\u22120.2" and pp_text(0.055) == "+5.5"
    assert pp_text(-0.0001) == "0.0" and signed(-0.0004, 3) == "0.000"
    assert signed(-3, 0) == "\u22123" and signed(2, 0) == "+2"


def test_a_difference_agrees_with_the_two_shares_printed_beside_it():
    """'Summit cancelled 4% \u2192 10%, +5.5 pp': the reader's subtraction must agree."""
    a, b = 0.0444, 0.0996
    assert (pct_text(a), pct_text(b), pp_between(a, b)) == ("4.4", "10.0", "+5.6")
    assert pp_between(0.3, 0.3) == "0.0"


def _figures(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text")]


def test_every_view_of_a_share_prints_it_the_same_way():
    share, before = 0.996, 0.984
    bars = outcome_bars_svg({"strategic_test": share}, 500, {"strategic_test": (0.985, 0.999)})
    assert "99.6% (98.5\u201399.9)" in _figures(bars)
    table = difference_table_html(
        [{"outcome": "strategic_test", "paired": True, "before": before, "after": share,
          "effect": share - before, "lo": 0.004, "hi": 0.02}], "a", "b",
    )  # fmt: skip
    assert "<td>98.4%</td><td>99.6%</td><td><b>+1.2</b> [+0.4, +2.0]" in table
    effects = pd.DataFrame({
        "kind": ["probability"], "outcome": ["strategic_test"], "reference_value": [before],
        "value": [share], "effect": [share - before], "lo": [0.004], "hi": [0.02],
        "excludes_zero": [True],
    })  # fmt: skip
    texts = _figures(effect_bars_svg(effects))
    assert "98.4% \u2192 99.6%" in texts and "+1.2 pp [+0.4, +2.0]" in texts
    assert "<td>98.4%</td><td>99.6%</td><td>+1.2 pp [+0.4, +2.0]</td>" in effects_table_html(
        effects
    )
    inputs = Inputs(scenario="baseline", seed=1)
    pins = [Pin(kind="ensemble", name=n, inputs=inputs, label=n, outcomes={"strategic_test": p})
            for n, p in (("A", before), ("B", share))]  # fmt: skip
    assert "<td>98.4%</td><td>99.6%</td><td>+1.2 pp</td>" in diff_html(*pins)


def test_one_chart_prints_every_figure_with_the_same_decimals():
    """'0.2% (0.0-1)' beside '0% (0-0.8)' mixed decimals in one chart."""
    bars = outcome_bars_svg(
        {"summit_held": 0.002, "agreement": 0.0},
        500,
        {"summit_held": (0.0004, 0.011), "agreement": (0.0, 0.0076)},
    )
    figures = [t for t in _figures(bars) if "% (" in t]
    assert figures == ["0.2% (<0.1\u20131.1)", "0.0% (0.0\u20130.8)"]


def _scenario(weeks: int):
    return with_values(resolve_scenario("baseline"), {"steps": weeks})


def _label_rows(svg: str) -> tuple[float, dict[str, list[tuple[float, float, str]]]]:
    """The view box's width and each row of date labels (by its y) as (left, right, text),
    at the generous width the charts lay text out by."""
    root = ET.fromstring(svg)
    width = float(root.get("viewBox").split()[2])
    rows: dict[str, list[tuple[float, float, str]]] = {}
    for t in root.iter(f"{NS}text"):
        if t.get("class") == "cs-date":  # "Mon YYYY", or "Mon" alone on a short run
            x, w = float(t.get("x")), text_width(t.text, MIN_FONT)
            assert t.get("text-anchor") == "middle"
            rows.setdefault(t.get("y"), []).append((x - w / 2, x + w / 2, t.text))
    return width, rows


@pytest.mark.parametrize("weeks", [30, 104, 157, 520, 1040, 5200])
def test_date_labels_never_overlap_nor_leave_the_chart(weeks):
    """The last label of a two-year run was cut at the edge ('Jan 20'); 157-week fans ran
    labels together; 520 and 1,040 weeks smeared into one band."""
    scn = _scenario(weeks)
    model = CoalitionModel(scn, rng=1)
    steps = np.arange(0, weeks + 1, max(weeks // 100, 1))
    fan = fan_svg(steps, np.zeros((3, steps.size)), "x", "#000000", scn.date_of)
    for svg in (series_svg(model, History.of(model)), fan):
        width, rows = _label_rows(svg)
        assert rows
        for boxes in rows.values():
            assert len(boxes) >= 2, boxes
            assert all(lo >= 0 and hi <= width for lo, hi, _ in boxes), (width, boxes)
            assert all(boxes[k][1] < boxes[k + 1][0] for k in range(len(boxes) - 1)), boxes
        assert DATE_AXIS_TITLE in svg


@pytest.mark.parametrize("start", ["2018-01-01", "2017-01-02", "2020-01-01", "2018-11-20"])
def test_a_one_year_fan_chart_has_at_least_three_date_labels(start):
    """A 52-week fan chart (summit_2018) showed one date label, 'Jul 2018': "Mon YYYY" every
    quarter did not fit its 284 units, so every half year was chosen. It labels the quarters
    by month name (the year on the first label and on January), inside the chart, apart."""
    scn = with_values(_scenario(52), {"start_date": start})
    steps = np.arange(0, 53)
    fan = fan_svg(steps, np.zeros((3, steps.size)), "x", "#000000", scn.date_of)
    width, rows = _label_rows(fan)
    (boxes,) = rows.values()
    assert len(boxes) >= 3, boxes
    assert all(lo >= 0 and hi <= width for lo, hi, _ in boxes), (width, boxes)
    assert all(boxes[k][1] + 8 <= boxes[k + 1][0] for k in range(len(boxes) - 1)), boxes
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{4}", boxes[0][2])  # the year is said once at least


def test_the_date_labels_adapt_to_the_run_length():
    start = dt.date(2016, 1, 4)

    def labels(weeks: int, span: float = 324) -> list[str]:
        parts = date_axis_svg(weeks, lambda t: start + dt.timedelta(weeks=t),
                              lambda t: 46 + span * t / weeks, 100, (0, 380))  # fmt: skip
        return re.findall(r">(\w{3} \d{4})<", "".join(parts))

    assert labels(52) == ["Apr 2016", "Jul 2016", "Oct 2016"]  # every quarter
    assert labels(1040)[:2] == ["Jan 2020", "Jan 2025"]  # every five years
    assert all(s.startswith("Jan") for s in labels(157, 284))  # every year


def test_the_exported_time_series_keys_the_record_letters():
    """The page lists what N, I, R, S, M and K mean beside the chart; the file has only its
    caption, which must say it too (and only when the letters are drawn)."""
    from coalition_sim.ui.controls import series_caption
    from coalition_sim.ui.session import Sim

    sim = Sim.build("history/start_2016", {}, 1)
    with_key, without = series_caption(sim, record=True), series_caption(sim)
    for words in ("N nuclear test", "I ICBM launch", "K Korean milestone", "not the model"):
        assert words in with_key and words not in without
    assert with_key.startswith(without)


def test_run_downloads_are_named_after_their_inputs():
    """summit_2018 seed 11 with overrides, without, and with the posterior were all
    'summit_2018-seed11-trajectory.csv'."""
    from coalition_sim.ui.controls import run_stem
    from coalition_sim.ui.session import Sim

    sims = [
        Sim.build("summit_2018", {"params.fatigue.growth": 0.2}, 11),
        Sim.build("summit_2018", {}, 11),
        Sim.build("summit_2018", {}, 11, posterior=True),
    ]
    stems = [run_stem(s) for s in sims]
    assert len(set(stems)) == 3
    digest = sims[1].inputs.split(":")[0]
    assert stems[1] == f"run-summit_2018-{digest}-seed11-fixed"
    sha = sims[2].posterior_sha256
    assert len(sha) == 64 and stems[2].endswith(f"-seed11-posterior-{sha[:8]}")


def test_a_rewritten_posterior_file_is_named_and_makes_its_results_stale(tmp_path, monkeypatch):
    """The same link (seed 20180524, posterior=1) drew 'particle 88 of 400' with hedging 0.945
    before and 0.670 after posterior.parquet was rewritten, and nothing told the two apart:
    the label, the switch's note and every download name now carry the file's short digest
    (the command line's ``-posterior-<sha8>``), and a result of the old file is stale."""
    import shutil

    from coalition_sim.engine.posterior import file_digest, load_posterior, save_posterior
    from coalition_sim.ui import compare_panel, ensemble_panel, session
    from coalition_sim.ui.controls import run_stem
    from coalition_sim.ui.session import Sim, ensemble_key, ensemble_views
    from coalition_sim.ui.state import CompareLink

    path = tmp_path / "posterior.parquet"
    shutil.copy(session.posterior_file(), path)
    monkeypatch.setattr(session, "posterior_file", lambda: path)
    before = Sim.build("summit_2018", {}, 20180524, posterior=True)
    old = file_digest(path)[:8]
    assert f"posterior.parquet sha256 {old}" in before.label
    assert run_stem(before).endswith(f"-posterior-{old}")
    res = ensemble_views(before, 16, posterior=True)
    assert ensemble_panel.ensemble_stem(res).endswith(f"-posterior-{old}") and old in res["label"]
    assert res["inputs"] == ensemble_key(before, True)
    link = CompareLink("actors.USA.hedging", 0.2, 0.8, 16)
    compare_before = compare_panel.compare_key(before, True, link)
    assert ensemble_panel.posterior_note_html(before.posterior_sha256).count(old) == 1

    post = load_posterior(path)
    save_posterior(path, post.names, post.values, post.weights[::-1], post.meta)  # a refit
    new = file_digest(path)[:8]
    assert new != old
    assert res["inputs"] != ensemble_key(before, True)  # the old ensemble is out of date
    assert compare_panel.compare_key(before, True, link) != compare_before
    note = ensemble_panel.posterior_note_html(before.posterior_sha256)
    assert f"Draws from posterior.parquet sha256 {new}" in note and "since rewritten" in note
    after = Sim.build("summit_2018", {}, 20180524, posterior=True)
    assert new in after.label and run_stem(after).endswith(f"-posterior-{new}")


def _run_pin(name: str, scenario: str, weeks: int = 60) -> Pin:
    from coalition_sim.ui.runs import pin_run
    from coalition_sim.ui.session import Sim

    sim = Sim.build(scenario, {}, 3)
    sim.advance_to(weeks)
    inputs = {"scenario": scenario, "seed": 3, "values": {}, "week": weeks}
    return pin_run(sim, inputs, name, "")


def test_the_pin_diff_overlay_has_a_legend_and_a_date_axis():
    a, b = _run_pin("quiet", "baseline"), _run_pin("loud", "baseline", 40)
    svg = diff_svg(a, b)
    root = ET.fromstring(svg)
    keys = {g.get("data-pin"): "".join(g.itertext()) for g in root.iter(f"{NS}g")}
    assert keys == {"A": "A: quiet", "B": "B: loud"}
    _width, rows = _label_rows(svg)
    # 60 weeks: quarters by month name (half years gave two labels only)
    assert [t for _, _, t in next(iter(rows.values()))] == ["Apr 2018", "Jul", "Oct", "Jan 2019"]
    assert DATE_AXIS_TITLE in svg
    # other start dates: the runs share only their week numbers, and the axis says so
    other = diff_svg(a, _run_pin("2016", "history/start_2016"))
    assert not _label_rows(other)[1] and "start on different dates" in other


def test_the_replicate_table_uses_the_page_s_words():
    """It said 'commitment DPRK' and 'us isolation' where the page says defiance and US."""
    from coalition_sim.ui.ensemble_panel import replicate_rows
    from coalition_sim.ui.session import Sim, ensemble_views

    head, _ = replicate_rows(ensemble_views(Sim.build("baseline", {}, 1), 10))
    assert {"DPRK defiance", "USA commitment", "US isolation", "coalition cohesion"} <= set(head)
    assert not [h for h in head if "_" in h or h.startswith("commitment ") or "us " in h]


def test_the_undo_hint_names_what_undo_takes_back():
    from coalition_sim.ui.controls import undo_hint
    from coalition_sim.ui.page_state import Snapshot

    hint = undo_hint(Snapshot("baseline", 1, week=157, what="record overlay on"))
    assert ">Undo: record overlay on (back to week 157).<" in hint
    assert "brings back" not in hint


def test_the_effects_table_names_means_in_the_page_s_words_and_subtracts_as_printed():
    """Compare's table read 'us isolation (mean)' and '0.121 -> 0.120, 0.000': the page says
    'US isolation', and a mean's B - A is the difference of the means as printed."""
    from coalition_sim.ui.compare_panel import effects_table_html

    effects = pd.DataFrame({
        "kind": ["mean"], "outcome": ["us_isolation"], "reference_value": [0.1214],
        "value": [0.1203], "effect": [0.1203 - 0.1214], "lo": [-0.003], "hi": [0.0008],
        "excludes_zero": [False],
    })  # fmt: skip
    html = effects_table_html(effects)
    assert "<th scope=row>US isolation, final week (mean)</th>" in html
    assert "<td>0.121</td><td>0.120</td><td>\u22120.001 [\u22120.003, +0.001]</td>" in html
    target = effects.assign(outcome="commitment_DPRK")
    assert "DPRK defiance, final week (mean)" in effects_table_html(target, {"DPRK": "target"})


def test_compare_chart_outcome_names_never_run_into_their_shares():
    """'Agreement reached' ran into '35.8% → 36.0%' beside it (the shares are right-aligned
    at the effect axis, the name left-aligned at the edge): every text of a row, at the
    generous width the charts lay text out by, keeps clear of the others and of the axis."""
    from coalition_sim.ui.views import OUTCOME_LABELS

    names = list(OUTCOME_LABELS)
    effects = pd.DataFrame({
        "kind": ["probability"] * len(names), "outcome": names,
        "reference_value": [1.0] * len(names), "value": [1.0] * len(names),
        "effect": [0.0] * len(names), "lo": [-0.2] * len(names), "hi": [0.2] * len(names),
        "excludes_zero": [False] * len(names),
    })  # fmt: skip
    root = ET.fromstring(effect_bars_svg(effects))
    axis_left = min(float(t.get("x1")) for t in root.iter(f"{NS}line") if t.get("class") == "tick")
    for g in root.iter(f"{NS}g"):
        boxes = []
        for t in g.iter(f"{NS}text"):
            x, w = float(t.get("x")), text_width(t.text or "", MIN_FONT)
            left = x - w if t.get("text-anchor") == "end" else x
            boxes.append((float(t.get("y")), left, left + w, t.text))
            assert left + w <= axis_left, t.text
        for i, (y, lo, hi, text) in enumerate(boxes):
            for y2, lo2, hi2, text2 in boxes[i + 1 :]:
                assert y != y2 or hi <= lo2 or hi2 <= lo, (text, text2)


def test_the_effects_table_reads_in_the_chart_s_order_and_says_what_a_mean_is():
    """The table listed the CSV's order ('summit cancelled' eighth, third in the chart beside
    it) and named a metric '(mean)' alone: a mean of its weeks, or of the final week? And the
    summary read '6000 replicates per arm' beside the Ensemble's '12,000 replicates'."""
    from coalition_sim.ui.compare_panel import (
        chart_caption,
        effect_bars_svg,
        effects_table_html,
        summary_text,
    )
    from coalition_sim.ui.state import CompareLink
    from coalition_sim.ui.views import OUTCOME_LABELS

    csv_order = ["summit_held", "agreement", "coalition_fractured", "pressure_unwound",
                 "us_isolated", "strategic_test", "military_crisis", "summit_cancelled",
                 "summit_revived", "muddling_through"]  # fmt: skip
    n = len(csv_order)
    table = pd.DataFrame({
        "kind": ["probability"] * n + ["mean", "mean"],
        "outcome": [*csv_order, "cohesion", "us_isolation"],
        "reference_value": [0.5] * (n + 2), "value": [0.6] * (n + 2), "effect": [0.1] * (n + 2),
        "lo": [0.05] * (n + 2), "hi": [0.15] * (n + 2), "excludes_zero": [True] * (n + 2),
    })  # fmt: skip
    html = effects_table_html(table)
    rows = re.findall(r"<th scope=row>([^<]*)</th>", html)
    chart = re.findall(r'<g class="effect" data-outcome="([^"]+)"', effect_bars_svg(table))
    assert rows[:n] == [OUTCOME_LABELS[k] for k in chart]  # the chart's order, row for row
    assert rows[n:] == ["coalition cohesion, final week (mean)", "US isolation, final week (mean)"]
    assert "Metrics: the value in the final week, averaged over the replicates" in html

    res = {"n": 6000, "seconds": 1.5, "inputs": "baseline, seed 3",
           "link": CompareLink("actors.USA.hedging", 0.8, 0.0, 6000)}  # fmt: skip
    assert summary_text(res).startswith("6,000 replicates per arm, same seeds in both")
    assert "A = 0.8, 6,000 replicates per arm" in chart_caption(res)


def test_an_interval_bound_that_rounds_to_zero_keeps_its_side_of_zero():
    """Compare printed 'Summit revived -1.0 pp [-2.0, 0.0]' for an interval whose upper bound
    was -0.0006 pp (the CSV's excludes_zero True, the bar coloured as a clear effect): the
    printed interval read as reaching zero. A bound at zero itself still prints '0.0'."""
    from coalition_sim.ui.numbers import bound_text, pp_bound

    assert pp_bound(-6.119494918776711e-06) == "\u2212<0.1" and pp_bound(4e-5) == "+<0.1"
    assert pp_bound(0.0) == "0.0" and pp_bound(1e-17) == "0.0" and pp_bound(-0.0233) == "\u22122.3"
    assert bound_text(-9.1e-08, 3) == "\u2212<0.001" and bound_text(0.0021, 3) == "+0.002"
    effects = pd.DataFrame({
        "kind": ["probability", "mean"], "outcome": ["summit_revived", "commitment_DPRK"],
        "reference_value": [0.278, 0.6981353618374991], "value": [0.268, 0.695440851696468],
        "effect": [-0.01, -0.0026945101410311583], "lo": [-0.020273203025314764, -0.0068056],
        "hi": [-6.119494918776711e-06, -9.076075227021362e-08], "excludes_zero": [True, True],
    })  # fmt: skip
    svg = effect_bars_svg(effects)
    assert "\u22121.0 pp [\u22122.0, \u2212&lt;0.1]" in svg
    ET.fromstring(svg)  # the '<' is escaped: the exported SVG still parses
    html = effects_table_html(effects, {"DPRK": "target"})
    assert "\u22121.0 pp [\u22122.0, \u2212&lt;0.1]" in html
    assert "\u22120.003 [\u22120.007, \u2212&lt;0.001]" in html
    rows = [{"outcome": "summit_held", "before": 0.5, "after": 0.48, "effect": -0.02,
             "lo": -0.04, "hi": -2e-6, "paired": True, "shared": 500}]  # fmt: skip
    assert "[\u22124.0, \u2212&lt;0.1]" in difference_table_html(rows, "before", "after")


def test_a_difference_that_is_not_zero_never_prints_zero():
    """One replicate in 5,000 gaining an outcome under B read '0.0% \u2192 <0.1%, 0.0 pp', and
    two means 0.000149 apart '0.472 \u2192 0.472, 0.000': the rounding hid the change."""
    assert pp_between(0.0, 0.0002) == "+<0.1" and pp_between(0.37842, 0.37811) == "\u2212<0.1"
    assert pp_between(0.3, 0.3) == "0.0" and pp_between(0.0444, 0.0996) == "+5.6"
    effects = pd.DataFrame({
        "kind": ["probability", "mean"], "outcome": ["us_isolated", "cohesion"],
        "reference_value": [0.0, 0.472276432113163], "value": [0.0002, 0.4721267671695209],
        "effect": [0.0002, -0.00014966494364212002], "lo": [-0.0005, -0.00047211901929965845],
        "hi": [0.0011, 6.727119164772948e-05], "excludes_zero": [False, False],
    })  # fmt: skip
    assert "+&lt;0.1 pp [\u22120.1, +0.1]" in effect_bars_svg(effects)
    html = effects_table_html(effects)
    assert (
        "<td>0.472</td><td>0.472</td><td>\u2212&lt;0.001 [\u2212&lt;0.001, +&lt;0.001]</td>" in html
    )
    inputs = Inputs(scenario="baseline", seed=1)
    pins = [Pin(kind="ensemble", name=n, inputs=inputs, label=n, outcomes={"us_isolated": p})
            for n, p in (("A", 0.0), ("B", 0.0002))]  # fmt: skip
    assert "<td>0.0%</td><td>&lt;0.1%</td><td>+&lt;0.1 pp</td>" in diff_html(*pins)
    rows = [{"outcome": "us_isolated", "before": 0.0, "after": 0.0002, "effect": 0.0002,
             "lo": -0.0005, "hi": 0.0011, "paired": True, "shared": 5000}]  # fmt: skip
    assert "<td><b>+&lt;0.1</b> [\u22120.1, +0.1]" in difference_table_html(rows, "a", "b")
