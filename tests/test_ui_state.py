"""Exports, uploads and links of the interactive page, without a browser."""

from __future__ import annotations

import io
import re
import tomllib
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from coalition_sim.abm.model import CoalitionModel
from coalition_sim.cli import main as cli
from coalition_sim.scenario.library import list_scenarios, resolve_scenario
from coalition_sim.scenario.loading import ConfigError, validate_scenario
from coalition_sim.scenario.names import with_values
from coalition_sim.ui import page_state
from coalition_sim.ui.app import _initial
from coalition_sim.ui.session import (
    Sim,
    ensemble_key,
    ensemble_views,
    param_label,
    posterior_file,
)
from coalition_sim.ui.state import (
    LinkState,
    compact_toml,
    ensemble_outcomes_csv,
    ensemble_replicates_csv,
    events_csv,
    format_query,
    parse_query,
    scenario_from_text,
    scenario_toml,
    trajectory_csv,
)
from coalition_sim.ui.views import (
    MIN_FONT,
    History,
    graph_svg,
    outcome_bars_svg,
    series_legend_html,
    series_svg,
    svg_style,
)

NAMES = [n for n, _, _ in list_scenarios()]
VALUES = {"params.fatigue.growth": 0.11, "actors.ROK.mediation": 0.7, "clock.election_horizon": 30}


@pytest.mark.parametrize("name", NAMES)
def test_exported_toml_reads_back_as_the_same_scenario(name):
    scn = with_values(resolve_scenario(name), {"params.fatigue.growth": 0.123456789})
    text = scenario_toml(scn, 987654321, note="exported\nfrom a test")
    assert text.startswith("# exported\n# from a test\n")
    back = validate_scenario(tomllib.loads(text))
    assert back == scn.model_copy(update={"seed": 987654321})
    assert scenario_from_text("x.toml", text) == back  # the page accepts its own export


def test_cli_run_of_the_exported_toml_gives_the_page_bytes(tmp_path):
    sim = Sim.build("summit_2018", VALUES, 7)
    while sim.step():
        pass
    path = tmp_path / "exported.toml"
    path.write_text(scenario_toml(sim.scenario, sim.seed, note=sim.label))
    out = tmp_path / "run"
    assert cli.main(["run", "--config", str(path), "--out", str(out), "--no-plot"]) == 0
    assert (out / "trajectory.csv").read_bytes() == trajectory_csv(sim.model).encode()
    assert (out / "events.csv").read_bytes() == events_csv(sim.model).encode()
    assert len(events_csv(sim.model).splitlines()) > 1


def test_the_posterior_switch_gives_the_run_on_screen_the_draw_of_run_posterior(tmp_path):
    """The page's run with the posterior on is ``run --posterior`` of the same inputs and seed
    to the byte; a value set on the page wins over the draw (as ``--set`` does)."""
    sim = Sim.build("summit_2018", {}, 20180524, posterior=True)
    plain = Sim.build("summit_2018", {}, 20180524)
    assert "posterior particle" in sim.label and "posterior" not in plain.label
    assert sim.scenario != plain.scenario and sim.inputs != plain.inputs
    sim.advance_to(20)
    out = tmp_path / "cli"
    post = str(posterior_file())
    args = ["run", "--config", "summit_2018", "--seed", "20180524", "--steps", "20"]
    assert cli.main([*args, "--posterior", post, "--out", str(out), "--no-plot"]) == 0
    assert (out / "trajectory.csv").read_bytes() == trajectory_csv(sim.model).encode()
    import json

    drawn = json.loads((out / "summary.json").read_text())["provenance"]["posterior"]
    assert f"particle {drawn['particle']} of {drawn['particles']}" in sim.label  # one numbering
    assert len(drawn["sha256"]) == 64 and drawn["model_fingerprint"]
    fitted = "params.target.strategic_logit0"
    mine = Sim.build("summit_2018", {fitted: -9.0}, 20180524, posterior=True)
    assert mine.scenario.params.target.strategic_logit0 == -9.0
    assert cli.main([*args, "--posterior", post, "--set", f"{fitted}=-9",
                     "--out", str(tmp_path / "set"), "--no-plot"]) == 0  # fmt: skip
    mine.advance_to(20)
    assert (tmp_path / "set" / "trajectory.csv").read_bytes() == trajectory_csv(mine.model).encode()
    # the ensemble and Compare keep the page's value too (the draws fill in the rest)
    fitted = "params.summit.revival_logit0"
    mine = Sim.build("summit_2018", {fitted: -20.0}, 20180524, posterior=True)
    drawn = Sim.build("summit_2018", {}, 20180524, posterior=True)
    revived = [
        ensemble_views(s, 200, posterior=True)["probabilities"]["summit_revived"]
        for s in (mine, drawn)
    ]
    assert revived[0] < revived[1] - 0.2, revived


def test_sliders_show_the_values_the_run_on_screen_uses():
    """With the posterior on, a fitted parameter's slider shows the particle's value (the
    run's), not the scenario's; a value set on the page shows as set."""
    from coalition_sim.scenario.library import resolve_scenario
    from coalition_sim.ui.controls import running_value
    from coalition_sim.ui.session import knobs_for, scenario_file

    knob = next(k for k in knobs_for(resolve_scenario(scenario_file("summit_2018")))
                if k.key == "actors.USA.hedging")  # fmt: skip
    drawn = Sim.build("summit_2018", {}, 20180524, posterior=True)
    plain = Sim.build("summit_2018", {}, 20180524)
    assert running_value(plain, knob) == knob.value
    assert running_value(drawn, knob) == drawn.scenario.actors[0].hedging != knob.value
    mine = Sim.build("summit_2018", {"actors.USA.hedging": 0.5}, 20180524, posterior=True)
    assert running_value(mine, knob) == 0.5


def test_exported_charts_carry_their_legend_and_inputs():
    """An exported chart says what it is away from the page: every line's legend and the
    inputs in words, under the chart, in a valid SVG."""
    from coalition_sim.ui.controls import chart_caption
    from coalition_sim.ui.style import svg_file
    from coalition_sim.ui.theme import series_legend_rows

    sim = Sim.build("summit_2018", {}, 7, posterior=True)
    sim.advance_to(5)
    rows = series_legend_rows(sim.model, sim.history)
    text = svg_file(series_svg(sim.model, sim.history), chart_caption(sim), rows)
    root = ET.fromstring(text.split("\n", 1)[1])
    words = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "seed 7" in words and "posterior particle" in words and "week 5" in words
    assert all(label in words for _, _, label in rows) and len(rows) == 4 + 3
    inner = root.find("{http://www.w3.org/2000/svg}svg")
    assert inner is not None and float(root.get("height")) > float(inner.get("height"))
    assert svg_file("<svg/>") == '<?xml version="1.0" encoding="UTF-8"?>\n<svg/>\n'  # as before


def test_exported_charts_say_how_to_read_their_marks():
    """The time series' markers and lines, the fan's band and the bars' whiskers are
    explained in the exported file, as the page explains them beside the chart."""
    from coalition_sim.ui.controls import series_caption
    from coalition_sim.ui.style import plain_text
    from coalition_sim.ui.views import bars_caption_html, fan_caption_html

    sim = Sim.build("muddling_2020", {}, 3)
    sim.advance_to(4)
    text = series_caption(sim)
    assert text.startswith("coalition-sim: ") and "<" not in text
    for words in ("US elections", "fracture threshold", "pandemic", "Symbols above"):
        assert words in text, words
    assert "5th to 95th percentile" in plain_text(fan_caption_html())
    assert "95% Wilson score interval" in plain_text(bars_caption_html(40))
    assert plain_text("<p a='1'>x &amp; y\n <b>z</b></p>") == "x & y z"


def test_partial_run_export_is_a_prefix_of_the_full_run():
    sim = Sim.build("baseline", {}, 11)
    sim.advance_to(20)
    part = pd.read_csv(io.StringIO(trajectory_csv(sim.model)))
    assert list(part["step"]) == list(range(21))
    full = CoalitionModel(sim.scenario, rng=11).run()
    from coalition_sim.abm.outputs import step_table

    pd.testing.assert_frame_equal(part, step_table(full).iloc[:21].reset_index(drop=True))


def test_uploaded_files_are_validated_by_the_schema(tmp_path):
    good = scenario_toml(resolve_scenario("baseline"), 5)
    assert scenario_from_text("mine.toml", good).seed == 5
    with pytest.raises(ConfigError, match=r"^bad\.toml: malformed TOML"):
        scenario_from_text("bad.toml", "name = ")
    bad_range = good.replace("growth = 0.06", "growth = 7.0")
    assert bad_range != good
    with pytest.raises(ConfigError, match=r"^range\.toml: .*growth.*"):
        scenario_from_text("range.toml", bad_range)
    for bad, why in [
        ("../configs/baseline.toml", "must name a shipped scenario"),
        ("/etc/passwd", "must name a shipped scenario"),
        ("nowhere.toml", "must name a shipped scenario"),
        (3, "must name a shipped scenario"),
    ]:
        with pytest.raises(ConfigError, match=rf"^child\.toml: key 'extends' {why}"):
            scenario_from_text("child.toml", f"extends = {bad!r}\nname = 'x'\n".replace("'", '"'))
    with pytest.raises(ConfigError, match="at most"):
        scenario_from_text("big.toml", "#" * 2_000_000)
    with pytest.raises(ConfigError, match="not UTF-8"):
        scenario_from_text("bin.toml", b"\xff\xfe\x00")


def test_link_round_trip_and_refusals():
    state = LinkState("summit_2018", 42, {"params.fatigue.growth": 0.1, "x.name": "a b"}, 12)
    query = format_query(state)
    assert query.startswith("scenario=summit_2018&seed=42&set=params.fatigue.growth%3D0.1")
    assert parse_query("?" + query, NAMES) == state
    assert parse_query("", NAMES) is None
    sized = LinkState("summit_2018", 42, {}, 0, posterior=True, ensemble=2000)
    assert "posterior=1&n=2000" in format_query(sized)  # the ensemble's size travels
    assert parse_query(format_query(sized), NAMES) == sized
    bad = {
        "scenario=baseline&n=0": "n must be a whole number >= 1",
        "scenario=baseline&n=%D9%A3": "n must be a whole number >= 1",
        "scenario=baseline&n=1234567890123": "n must be a whole number >= 1",
        "scenario=nope": "unknown scenario 'nope'",
        "scenario=baseline&seed=abc": "Seed must be a whole number",
        "scenario=baseline&week=-1": "week must be a whole number",
        "scenario=baseline&set=novalue": "not of the form key=value",
        "scenario=baseline&seed=1&seed=2": "more than once",
    }
    for text, message in bad.items():
        with pytest.raises(ValueError, match=re.escape(message)):
            parse_query(text, NAMES)


def test_a_parameter_that_is_not_the_pages_is_ignored_with_a_note_and_the_rest_kept():
    """Chat and mail tools add tracking tags to shared links (utm_source, fbclid): the link's
    state is kept and the page says what it ignored, bounded however many there are."""
    link = parse_query("scenario=summit_2018&seed=7&week=3&utm_source=chat&fbclid=x", NAMES)
    assert link is not None and link.ignored == ("fbclid", "utm_source")
    assert (link.scenario, link.seed, link.week) == ("summit_2018", 7, 3)
    assert "utm" not in format_query(link)  # never written back
    sim, msg = _initial(NAMES, "scenario=summit_2018&seed=7&week=3&colour=red")
    assert (sim.source, sim.seed, sim.model.steps) == ("summit_2018", 7, 3)
    assert msg.startswith("Ignored: the link's parameter 'colour' is not the page's"), msg
    many = "&".join(f"x{k}=1" for k in range(500))
    sim, msg = _initial(NAMES, "scenario=baseline&seed=5&" + many)
    assert sim.seed == 5 and "and 497 more are not the page's" in msg and len(msg) < 300
    sim, msg = _initial(NAMES, "scenario=summit_2018&seed=xyz")  # one full stop, not two
    assert msg.startswith("Part of the link was refused: seed") and ".." not in msg, msg
    assert sim.source == "summit_2018"  # the rest of the link is kept


def test_the_seed_is_not_a_key_value_override():
    """The page's Seed field would silently win over a ``seed=`` override: refused, saying
    where the seed is set (the override field and a link's ``set=`` alike)."""
    with pytest.raises(ConfigError, match="Seed field"):
        Sim.build("baseline", {"seed": 3}, None)
    sim, msg = _initial(NAMES, "scenario=baseline&set=seed%3D3")
    assert "Seed field" in msg and sim.values == {}


def test_opening_a_link_reproduces_the_state_or_falls_back_with_a_message():
    sim, msg = _initial(NAMES, format_query(LinkState("summit_2018", 42, VALUES, 17)))
    assert msg == ""
    assert (sim.source, sim.seed, sim.values, sim.model.steps) == ("summit_2018", 42, VALUES, 17)
    twin = Sim.build("summit_2018", VALUES, 42)
    twin.advance_to(17)
    assert trajectory_csv(twin.model) == trajectory_csv(sim.model)
    for query, message in (
        ("scenario=zzz&seed=5", "unknown scenario"),  # the scenario itself: the default
        ("seed=abc", "whole number"),  # nothing left once the bad part is dropped
    ):
        sim, msg = _initial(NAMES, query)
        assert msg.startswith("The link was refused") and message in msg, msg
        assert (sim.source, sim.seed, sim.values, sim.model.steps) == ("baseline", 20180524, {}, 0)


def test_a_link_with_two_bad_compare_values_names_both_in_one_line():
    """``a=5&b=nan`` (a lever chosen) was refused naming only b: every bad Compare key is
    named, each with what is allowed, in one line."""
    lever = "lever=actors.USA.hedging"
    sim, msg = _initial(NAMES, f"scenario=baseline&seed=5&{lever}&a=5&b=nan")
    both = (
        "link parameters a, b refused: a = 5 is outside the range of actors.USA.hedging (0 to 1); "
        "b must be a finite number, not 'nan'"
    )
    assert both in msg and "\n" not in msg and sim.seed == 5, msg
    with pytest.raises(ValueError, match=r"parameters a, b, reps refused: a must .*'x'; b .*"
                       r"'inf'; reps must be a whole number from 1 to 20,000, not '0'"):  # fmt: skip
        parse_query(f"scenario=baseline&{lever}&a=x&b=inf&reps=0", NAMES)
    with pytest.raises(ValueError, match=r"^link parameter b must be a finite number"):
        parse_query(f"scenario=baseline&{lever}&a=0.2&b=nan", NAMES)  # one: as before
    # a lone A outside the range is still the panel's to refuse, keeping the rest of the link
    assert parse_query(f"scenario=baseline&{lever}&a=5&b=0", NAMES) is not None


def test_a_refused_compare_part_of_a_link_names_its_bad_keys_not_the_lever():
    """``seed=5&lever=...&a=5&b=nan`` was refused as "lever='actors.USA.hedging' (link
    parameters a, b refused: ...); a='5' (... needs lever, a and b together ...); b='nan'
    (...)": the page dropped one key at a time and the lever's removal came first. The note
    names the keys at fault, each with what is allowed, in one line; the rest is kept."""
    lever = "lever=actors.USA.hedging"
    sim, msg = _initial(NAMES, f"scenario=summit_2018&seed=5&{lever}&a=5&b=nan")
    assert msg.startswith("Part of the link was refused: a='5', b='nan' (link parameters a, b "
                          "refused: a = 5 is outside the range of actors.USA.hedging (0 to 1); "
                          "b must be a finite number, not 'nan'"), msg  # fmt: skip
    assert "lever='" not in msg and "needs lever" not in msg and "\n" not in msg, msg
    assert msg.endswith("The rest of the link is shown.") and msg.count("='") == 2, msg  # a, b
    assert (sim.source, sim.seed) == ("summit_2018", 5)
    sim, msg = _initial(NAMES, f"scenario=summit_2018&seed=5&{lever}&a=0.2&b=nan&reps=300")
    assert msg.startswith("Part of the link was refused: b='nan' (link parameter b must be a "
                          "finite number, not 'nan'"), msg  # fmt: skip
    assert "lever='" not in msg and "a='" not in msg, msg
    # a bad reps alone goes alone: the rest of the Compare part is complete without it
    query, _sim, msg = page_state.accepted_link(
        NAMES, f"scenario=summit_2018&{lever}&a=0.2&b=0.3&reps=0"
    )
    assert msg.startswith("Part of the link was refused: reps='0' (link parameter reps"), msg
    assert "lever=actors.USA.hedging&a=0.2&b=0.3" in query, query


def test_two_bad_parts_of_a_link_are_both_dropped_and_named():
    sim, msg = _initial(
        NAMES, "scenario=summit_2018&seed=5&week=9999&set=params.fatigue.growth%3D9&n=0"
    )
    assert (sim.source, sim.seed, sim.values, sim.model.steps) == ("summit_2018", 5, {}, 0)
    assert msg.startswith("Part of the link was refused: "), msg
    for part in ("week='9999'", "set='params.fatigue.growth=9'", "n='0'", "out of range"):
        assert part in msg, part


def test_each_refused_set_of_a_link_is_named_with_its_own_reason():
    """``set=foo%3Dbar&set=actors.USA.hedging%3D5``: the scenario's refusal names the first
    error "(and 1 more)"; dropping foo changed the message (the count went), so foo was named
    with hedging's reason: "set='foo=bar' (... 'actors.USA.hedging' = 5 is out of range ...)".
    Each part is named with its own reason, in either order, without "(and 1 more)" (every
    refused part is named)."""
    foo, hedging = "set=foo%3Dbar", "set=actors.USA.hedging%3D5"
    for parts in ((foo, hedging), (hedging, foo)):
        _query, sim, msg = page_state.accepted_link(
            NAMES, "scenario=baseline&seed=5&" + "&".join(parts)
        )
        assert "set='foo=bar' (scenario 'baseline': unknown key 'foo')" in msg, msg
        assert (
            "set='actors.USA.hedging=5' (scenario 'baseline': key 'actors.USA.hedging' = 5 is "
            "out of range (allowed [0, 1]))" in msg
        ), msg
        assert "more)" not in msg and (sim.seed, sim.values) == (5, {}), msg


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("set=params.fatigue.growth%3D9", "out of range"),
        ("week=9999", "outside this scenario"),
        ("set=params.nope.x%3D1", "unknown key"),
        ("n=99999999", "n: 99,999,999 is over this page's budget. At most"),
        ("posterior=7", "0 or 1"),
    ],
)
def test_one_bad_part_of_a_link_is_dropped_and_named_and_the_rest_kept(bad, message):
    """A shared link with one bad value keeps its scenario, seed, values and week (the
    analyst's link is not thrown away for a typo in ``n=``); the message names the part."""
    week = "" if bad.startswith("week") else "&week=3"
    query = f"scenario=summit_2018&seed=7&set=actors.ROK.mediation%3D0.7{week}&{bad}"
    sim, msg = _initial(NAMES, query)
    assert msg.startswith("Part of the link was refused: " + bad.split("=")[0]), msg
    assert message in msg and msg.endswith("The rest of the link is shown."), msg
    assert (sim.source, sim.seed, sim.values, sim.model.steps) == (
        "summit_2018",
        7,
        {"actors.ROK.mediation": 0.7},
        3 if week else 0,
    )


def test_ensemble_result_names_its_inputs_and_exports():
    sim = Sim.build("baseline", {"params.fatigue.growth": 0.1}, 3)
    res = ensemble_views(sim, 40)
    assert res["inputs"] == ensemble_key(sim, False) and res["inputs"].startswith(sim.inputs)
    assert "seed 3" in res["label"] and "Sanctions fatigue growth = 0.1" in res["label"]
    assert Sim.build("baseline", {"params.fatigue.growth": 0.1}, 3).inputs == sim.inputs
    assert Sim.build("baseline", {"params.fatigue.growth": 0.1}, 4).inputs != sim.inputs
    assert Sim.build("baseline", {}, 3).inputs != sim.inputs
    for name, p in res["probabilities"].items():
        lo, hi = res["intervals"][name]
        assert 0 <= lo <= p <= hi <= 1
        assert hi - lo > 0  # 40 replicates leave real uncertainty
    table = pd.read_csv(io.StringIO(ensemble_outcomes_csv(res)))
    assert len(table) == len(res["probabilities"])
    assert set(table.columns) >= {"outcome", "label", "share", "ci95_low", "ci95_high", "inputs"}
    reps = pd.read_csv(io.StringIO(ensemble_replicates_csv(res)))
    assert len(reps) == 40 and reps["replicate_seed"].nunique() == 40
    root = ET.fromstring(res["bars"])
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f".//{ns}g[@class='ci']")) == len(res["probabilities"])


def test_parameter_labels_are_words():
    scn = resolve_scenario("baseline")
    assert param_label("params.fatigue.growth", scn) == "Sanctions fatigue growth"
    assert "." not in param_label("params.outcomes.fracture_cohesion", scn).split()[-1]
    assert param_label("actors.PRC.volatility", scn).startswith("PRC: ")


def _texts(svg: str):
    ns = "{http://www.w3.org/2000/svg}"
    return ET.fromstring(svg).iter(f"{ns}text")


def test_chart_text_is_never_below_the_minimum_and_strings_are_escaped():
    m = CoalitionModel("regional_six", rng=3)
    h = History.of(m)
    for _ in range(30):
        m.step()
        h.record(m)
    charts = [graph_svg(m), series_svg(m, h), outcome_bars_svg({"agreement": 0.5}, 10)]
    for svg in charts:
        sizes = [float(t.get("font-size")) for t in _texts(svg)]
        assert sizes and min(sizes) >= MIN_FONT
        width = float(ET.fromstring(svg).get("viewBox").split()[2])
        min_px = float(re.search(r"min-width:(\d+)px", svg).group(1))
        assert min_px / width * MIN_FONT >= 11  # never rendered below 11 CSS px
    assert "min-width" in svg_style(100)
    # a scenario file is user input: its names must not become markup
    scn = resolve_scenario("baseline")
    data = scn.model_dump(mode="json")
    data["actors"][0]["name"] = "<script>alert(1)</script>"
    evil = validate_scenario(data)
    em = CoalitionModel(evil, rng=1)
    eh = History.of(em)
    for html in (graph_svg(em), series_legend_html(em, eh), series_svg(em, eh)):
        assert "<script>" not in html
    assert "&lt;script&gt;" in graph_svg(em) + series_legend_html(em, eh)
    assert np.isfinite([float(t.get("font-size")) for t in _texts(graph_svg(em))]).all()


def test_an_upload_may_extend_a_shipped_scenario_by_name():
    child = scenario_from_text(
        "child.toml",
        'extends = "summit_2018.toml"\nname = "child"\nseed = 9\n[params.fatigue]\ngrowth = 0.2\n',
    )
    parent = resolve_scenario("summit_2018")
    assert child.name == "child" and child.seed == 9
    assert child.params.fatigue.growth == 0.2
    assert child.actors == parent.actors and child.events == parent.events
    same = scenario_from_text("c.toml", 'extends = "summit_2018"\n')
    assert same.model_dump() == parent.model_dump()


@pytest.mark.parametrize("name", ["baseline", "summit_2018", "regional_six"])
def test_compact_export_is_extends_plus_changed_keys_and_round_trips(name):
    values = {"params.fatigue.growth": 0.12, "actors.ROK.mediation": 0.35}
    sim = Sim.build(name, values, 77)
    text = compact_toml(sim.scenario, sim.seed, name, note="from the page")
    assert text.startswith("# from the page\nextends = ")
    assert len(text) < len(scenario_toml(sim.scenario, sim.seed)) / 3
    assert "growth = 0.12" in text and "USA" not in text  # unchanged actors are left out
    back = scenario_from_text("compact.toml", text)
    assert back.model_dump() == sim.scenario.model_copy(update={"seed": 77}).model_dump()


def test_actor_editor_adds_an_actor_validated_by_the_schema():
    from coalition_sim.ui.authoring import add_actor

    base = resolve_scenario("baseline")
    ties = {"USA": ("treaty_ally", 0.85), "DPRK": ("adversary", 0.2)}
    new = add_actor(
        base, actor_id="JPN", name="Japan", capability=0.033, commitment=0.85, ties=ties
    )
    assert [a.id for a in new.actors] == [*(a.id for a in base.actors), "JPN"]
    assert {(t.a, t.b) for t in new.ties} >= {("USA", "JPN"), ("DPRK", "JPN")}
    for kw, match in [
        ({"actor_id": "USA"}, "already an actor"),
        ({"actor_id": "jp"}, "2 to 16 characters, a capital letter .* not 'jp'"),  # in words
        ({"actor_id": ""}, "not nothing"),
        ({"name": "  "}, "key 'name': give the new actor a name"),
        ({"capability": 3.0}, r"capability.*out of range"),
        ({"ties": {}}, "at least one tie"),
        ({"ties": {"USA": ("friend", 0.5)}}, "type"),
        ({"ties": {"XYZ": ("partner", 0.5)}}, "XYZ"),
    ]:
        args = {"actor_id": "JPN", "name": "Japan", "capability": 0.033, "commitment": 0.85,
                "ties": ties} | kw  # fmt: skip
        with pytest.raises(ConfigError, match=match):
            add_actor(base, **args)


def test_the_page_uses_no_private_name_of_the_layers_below():
    """The page imports the scenario, calibration and engine layers through their public
    names only (``extends`` merging is ``loading.extend_scenario_data``, not ``_merge``)."""
    import ast
    from pathlib import Path

    import coalition_sim.ui as ui_pkg

    private = []
    for path in sorted(Path(ui_pkg.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (
                node.level > 1 or (node.module or "").startswith("coalition_sim")
            ):
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []


def test_results_are_equal_only_to_themselves_and_the_replicate_table_is_json():
    """The renderer compares a component's arguments by value: a result compares by identity
    (no cell-by-cell DataFrame comparison per render), and the per-replicate table travels as
    one JSON text (no walk of 10,000 cells), a missing value as null."""
    import json

    from coalition_sim.ui.ensemble_panel import replicate_rows
    from coalition_sim.ui.session import Result

    sim = Sim.build("baseline", {}, None)
    a, b = ensemble_views(sim, 20), ensemble_views(sim, 20)
    assert isinstance(a, Result) and a == a and a != b and list(a) == list(b)
    assert a["probabilities"] == b["probabilities"]  # same inputs, same numbers
    head, text = replicate_rows(a)
    rows = json.loads(text)
    assert len(rows) == 20 and {len(r) for r in rows} == {len(head)}
    col = head.index("coalition cohesion")  # the page's words for the column
    gap = Result({**a, "final": a["final"].assign(cohesion=np.nan)})
    assert {r[col] for r in json.loads(replicate_rows(gap)[1])} == {None}


def test_text_from_a_file_breaks_instead_of_widening_the_page():
    """A description of 5,000 letters without a space made the page 35,000 px wide."""
    from coalition_sim.ui.style import CSS

    rule = next(r for r in CSS.split("}") if "overflow-wrap:anywhere" in r)
    for cls in (".cs-status", ".cs-description", ".cs-note", ".cs-error", ".cs-pin-text"):
        assert cls in rule


def test_a_link_s_ensemble_size_is_bounded_by_the_ensemble_panel_s_budget():
    """``n=15000`` on the baseline: the link check said "from 1 to 20000" and took it, while
    the Ensemble panel says "At most 12,019" for it and Run refused it. The link's bound is the
    panel's (serving.max_replicates, through the panel's own check), written as the page
    writes numbers."""
    from coalition_sim.ui import serving
    from coalition_sim.ui.page_state import initial_link

    sim, msg = _initial(NAMES, "scenario=baseline&seed=7&n=15000")
    most = serving.max_replicates(sim.scenario)
    assert most == 12019 and serving.budget_note(sim.scenario).startswith("At most 12,019 ")
    assert "n='15000' (link parameter n: 15,000 is over this page's budget." in msg, msg
    assert "At most 12,019 replicates for this scenario" in msg and "20000" not in msg, msg
    assert sim.seed == 7  # the rest of the link is kept
    dropped = initial_link(NAMES, "scenario=baseline&n=15000")
    assert dropped is not None and dropped.ensemble is None
    link = initial_link(NAMES, f"scenario=baseline&n={most}")
    assert link is not None and link.ensemble == most  # the bound itself is taken
    with pytest.raises(serving.Refused):
        serving.check_request(sim.scenario, most + 1)  # and the panel refuses just above it


def test_a_link_whose_every_part_is_refused_names_each_part():
    """``seed=abc&week=-1`` (no scenario) said only "The link was refused: Seed must be a
    whole number, not 'abc'": the week went unnamed. Each part is named with its reason."""
    sim, msg = _initial(NAMES, "seed=abc&week=-1")
    assert msg.startswith("The link was refused: seed='abc' (Seed must be a whole number"), msg
    assert "; week='-1' (link parameter week must be a whole number >= 0" in msg, msg
    assert msg.endswith("Showing the default scenario instead.") and "\n" not in msg, msg
    assert (sim.source, sim.seed, sim.model.steps) == ("baseline", 20180524, 0)
    _sim, msg = _initial(NAMES, "scenario=zzz&seed=5")  # the scenario's refusal, as before
    assert msg == (
        "The link was refused: unknown scenario 'zzz' in the link (known: "
        + ", ".join(NAMES) + "). Showing the default scenario instead."
    ), msg  # fmt: skip


def test_a_link_setting_one_key_twice_is_told_and_a_hidden_character_shows():
    """``set=params.fatigue.growth%3D0.1&set=params.fatigue.growth%3D0.2`` took 0.2 without a
    word (``week=10&week=20`` is refused as given twice); ``scenario=baseline%00`` was refused
    as "unknown scenario 'baseline'", the NUL unseen."""
    twice = "set=params.fatigue.growth%3D0.1&set=params.fatigue.growth%3D0.2"
    sim, msg = _initial(NAMES, f"scenario=summit_2018&seed=4&{twice}")
    assert msg.startswith(
        "Part of the link was refused: set='params.fatigue.growth=0.1' (link parameter set "
        "gives 'params.fatigue.growth' more than once)"
    ), msg
    assert sim.values == {"params.fatigue.growth": 0.2} and sim.seed == 4
    _sim, msg = _initial(NAMES, "scenario=baseline%00")
    assert msg.startswith("The link was refused: unknown scenario 'baseline\\x00' in the link")


def test_the_tab_s_title_names_the_scenario_and_seed():
    """Every tab of the page read "Coalition under pressure - interactive simulation": a
    shared link opened beside one's own tab could not be told from it."""
    from coalition_sim.ui.app import page_title

    title = page_title(Sim.build("summit_2018", {}, 7))
    assert title == "summit_2018, seed 7 \u2014 Coalition under pressure"
    edited = Sim.build("summit_2018", {}, 7)
    edited.origin = " (from a file)"
    assert page_title(edited).startswith("summit_2018 (from a file), seed 7 ")


def _counting_runs(monkeypatch) -> list[str]:
    """Count the runs the page builds while it reads a link (each reads the whole link)."""
    built: list[str] = []
    real = page_state._link_run

    def counted(names, query):
        built.append(query)
        return real(names, query)

    monkeypatch.setattr(page_state, "_link_run", counted)
    return built


def test_a_long_hand_made_link_is_read_in_bounded_work(monkeypatch):
    """A link of 2,000 parameters that are not the page's and one bad week built a run for
    each of the 2,001 parts in turn (30 s of the server's time); 200 bad set= parts, 6 s."""
    built = _counting_runs(monkeypatch)
    junk = "&".join(f"utm{i}=x" for i in range(2000))
    sim, msg = _initial(NAMES, f"scenario=summit_2018&seed=7&{junk}&week=999")
    assert len(built) == 2, len(built)  # the link, then the link without the week
    assert msg.startswith("Part of the link was refused: week='999' (week 999 is outside"), msg
    assert "'utm0', 'utm1', 'utm10' and 1997 more are not the page's" in msg
    assert (sim.source, sim.seed, sim.model.steps) == ("summit_2018", 7, 0)
    # the part a refusal names is tried first, wherever it stands
    built.clear()
    good = "&".join(f"set=actors.{a}.volatility%3D0.{i}" for i, a in enumerate(("USA", "ROK")))
    sim, msg = _initial(NAMES, f"scenario=summit_2018&week=3&{good}&set=params.fatigue.growth%3D5")
    assert len(built) == 2 and "set='params.fatigue.growth=5'" in msg, (len(built), msg)
    assert sim.values == {"actors.USA.volatility": 0.0, "actors.ROK.volatility": 0.1}
    assert sim.model.steps == 3
    # many bad parts: the page gives up after a bounded search, in one line
    built.clear()
    bad = "&".join(f"set=params.fatigue.g{i}%3D1" for i in range(200))
    sim, msg = _initial(NAMES, f"scenario=summit_2018&{bad}")
    assert len(built) <= 1 + page_state.MAX_DROPPED * page_state.MAX_TRIALS, len(built)
    assert msg.startswith("The link was refused: scenario 'summit_2018': unknown key 'params.")
    assert "\n" not in msg and sim.source == "baseline"


def test_a_link_with_more_parts_than_the_page_writes_is_refused_unread(monkeypatch):
    built = _counting_runs(monkeypatch)
    n = page_state.MAX_LINK_PARTS
    many = "&".join(f"set=params.fatigue.g{i}%3D1" for i in range(n))
    sim, msg = _initial(NAMES, f"scenario=summit_2018&{many}")
    assert built == [] and msg == (
        f"The link was refused: it holds {n + 1:,} of the page's parameters (scenario, seed, "
        f"set, ...); a link of this page holds at most {n:,}. Showing the default scenario "
        "instead."
    ), msg  # fmt: skip
    assert sim.source == "baseline"
    # parameters that are not the page's are not counted: they are ignored, not read
    sim, msg = _initial(NAMES, "scenario=summit_2018&" + "&".join(f"x{i}=1" for i in range(n)))
    assert sim.source == "summit_2018" and msg.startswith("Ignored:"), msg
