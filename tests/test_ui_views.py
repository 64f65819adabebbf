"""The UI's pieces without a browser: knobs from the schema, seed parsing, well-formed SVG."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from coalition_sim.abm.model import CoalitionModel
from coalition_sim.scenario.library import list_scenarios, resolve_scenario
from coalition_sim.scenario.loading import ConfigError
from coalition_sim.scenario.names import parameter_table
from coalition_sim.ui.app import Sim, knobs_for, parse_override, parse_seed
from coalition_sim.ui.theme import MIN_FONT
from coalition_sim.ui.views import (
    History,
    badges_html,
    fan_svg,
    graph_svg,
    outcome_bars_svg,
    series_svg,
    timeline_html,
)


@pytest.mark.parametrize("name", [n for n, _, _ in list_scenarios()])
def test_knobs_take_ranges_and_meanings_from_the_schema(name):
    scn = resolve_scenario(name)
    rows = {r["name"]: r for r in parameter_table()}
    knobs = knobs_for(scn)
    assert len(knobs) >= 12
    for k in knobs:
        parts = k.key.split(".")
        schema = ".".join(["actors", "<ID>", *parts[2:]]) if parts[0] == "actors" else k.key
        row = rows[schema]
        assert (k.lo, k.hi) == (row["min"], row["max"])
        assert row["meaning"] in k.tooltip and row["source"] in k.tooltip
        assert k.lo <= k.value <= k.hi
        # the scenario's own value lies on the slider's grid, so mounting never changes it
        assert k.integer or abs(round((k.value - k.lo) / k.step) * k.step + k.lo - k.value) < 1e-9


def test_parse_seed_and_override():
    assert parse_seed(" 42 ") == 42
    for bad in ("abc", "", "1.5", "-3", str(2**63)):
        with pytest.raises(ValueError):
            parse_seed(bad)
    assert parse_override("params.fatigue.growth = 0.1") == ("params.fatigue.growth", 0.1)
    with pytest.raises(ConfigError):
        parse_override("nonsense")


def test_refused_values_do_not_build_a_model():
    with pytest.raises(ConfigError, match="sum to 1"):
        Sim.build("baseline", {"actors.USA.interests.security": 0.9}, 1)
    with pytest.raises(ConfigError, match="out of range"):
        Sim.build("baseline", {"params.fatigue.growth": 3.0}, 1)


def test_views_are_well_formed_and_follow_the_model():
    m = CoalitionModel("regional_six", rng=3)
    h = History.of(m)
    first = graph_svg(m)
    for _ in range(20):
        m.step()
        h.record(m)
    for svg in (graph_svg(m), series_svg(m, h)):
        ET.fromstring(svg)  # well-formed XML
    assert graph_svg(m) != first
    root = ET.fromstring(graph_svg(m))
    ns = "{http://www.w3.org/2000/svg}"
    assert {g.get("data-actor") for g in root.iter(f"{ns}g")} == set(m.actors)
    assert len(h.step) == 21 and all(len(v) == 21 for v in h.commitment.values())
    ET.fromstring(f"<div>{badges_html(m)}</div>")
    ET.fromstring(timeline_html(m.event_log))
    bars = outcome_bars_svg({"summit_held": 0.25, "military_crisis": 0.5}, 100)
    assert len(ET.fromstring(bars).findall(f".//{ns}rect[@class='bar']")) == 2
    steps = np.arange(0, 105)
    vals = np.random.default_rng(0).random((50, steps.size))
    ET.fromstring(fan_svg(steps, vals, "x", "#123456", m.structure.date_of, (h.step, h.cohesion)))


@pytest.mark.parametrize("name", [n for n, _, _ in list_scenarios()])
def test_tie_labels_never_sit_under_node_labels(name):
    svg = ET.fromstring(graph_svg(CoalitionModel(resolve_scenario(name), rng=1)))
    ns = "{http://www.w3.org/2000/svg}"
    names, ties = [], []
    for t in svg.iter(f"{ns}text"):
        x, y = float(t.get("x")), float(t.get("y"))
        size = float(t.get("font-size"))
        w = 0.55 * size * len(t.text)  # a narrow estimate: an overlap found is a real one
        box = (x - w / 2, y - size * 0.8, x + w / 2, y)
        (ties if t.get("class") == "tie-strength" else names).append(box)
    assert len(ties) >= 3 and len(names) >= 4

    def overlap(p, q):
        return min(p[2], q[2]) > max(p[0], q[0]) and min(p[3], q[3]) > max(p[1], q[1])

    hidden = [(t, n) for t in ties for n in names if overlap(t, n)]
    assert hidden == []
    assert not [(p, q) for i, p in enumerate(ties) for q in ties[i + 1 :] if overlap(p, q)]


def test_time_axis_ticks_name_month_and_year():
    model = CoalitionModel(resolve_scenario("baseline"), rng=1)
    svg = series_svg(model, History.of(model))
    assert "Jul 2018" in svg and "Jan 2019" in svg
    assert "Jul 18<" not in svg


def test_the_timeline_names_a_scheduled_event_in_words():
    """The event log keeps the CLI's ``kind note`` details (events.csv); the page's timeline
    says them as words."""
    html = timeline_html([{
        "step": 9, "date": "2018-03-05", "actor": "", "event": "scheduled_event",
        "details": "summit_proposal ROK envoys deliver Kim's invitation; test_moratorium",
    }])  # fmt: skip
    assert "summit proposal: ROK envoys deliver Kim&#x27;s invitation; test moratorium" in html
    assert "summit_proposal" not in html


def test_the_compare_chart_holds_its_axis_title():
    """Every text of the paired-effects chart sits inside its view box (the axis title
    'percentage points' used to be cut off at the bottom)."""
    import pandas as pd

    from coalition_sim.ui.compare_panel import effect_bars_svg

    table = pd.DataFrame({
        "kind": ["probability"] * 2, "outcome": ["summit_held", "agreement"],
        "lo": [-0.02, 0.01], "hi": [0.05, 0.09], "effect": [0.015, 0.05],
        "excludes_zero": [False, True], "reference_value": [0.4, 0.1], "value": [0.415, 0.15],
    })  # fmt: skip
    root = ET.fromstring(effect_bars_svg(table))
    height = float(root.get("viewBox").split()[3])
    texts = list(root.iter("{http://www.w3.org/2000/svg}text"))
    assert any(t.text == "percentage points" for t in texts)
    assert all(float(t.get("y")) + 4 <= height for t in texts)  # baseline + descenders


def test_the_before_after_table_lists_outcomes_in_the_order_of_the_bars():
    from coalition_sim.ui.ensemble_panel import difference_table_html
    from coalition_sim.ui.views import OUTCOME_LABELS

    names = list(OUTCOME_LABELS)[:4]
    rows = [
        {"outcome": k, "paired": True, "before": 0.1, "after": 0.2, "effect": 0.1,
         "lo": 0.0, "hi": 0.2}
        for k in reversed(names)
    ]  # fmt: skip
    html = difference_table_html(rows, "a", "b")
    at = [html.index(f'data-outcome="{k}"') for k in names]
    assert at == sorted(at)


def test_election_badge_counts_one_week_in_the_singular():
    m = CoalitionModel("baseline", rng=1)
    while m.weeks_to_election > 1:
        m.step()
    assert m.weeks_to_election == 1
    html = badges_html(m)
    assert "in 1 week" in html and "in 1 weeks" not in html
    m.step()
    assert "this week" in badges_html(m)


def test_scheduled_events_read_one_by_one_with_their_actors():
    """Two events of 10 May 2017 whose notes begin alike read as one repeated 'shock: Moon
    Jae-in inaugurated...' with an empty actor column; identical ones are merged."""
    import datetime as dt

    from coalition_sim.scenario.schema import Event

    def shock(variable: str, value: float, note: str) -> Event:
        return Event(date=dt.date(2017, 5, 10), kind="shock", actor="ROK", variable=variable,
                     value=value, note=note)  # fmt: skip

    due = [shock("engagement", 0.4, "Moon inaugurated"), shock("anchor", -0.1, "Moon: pledges"),
           shock("anchor", -0.1, "Moon: pledges")]  # fmt: skip
    log = [{"step": 71, "date": "2017-05-12", "actor": "", "event": "scheduled_event",
            "details": "shock Moon inaugurated; shock Moon: pledges; shock Moon: pledges"}]  # fmt: skip
    rows = ET.fromstring(f"<div>{timeline_html(log, scheduled={71: due})}</div>").iter("tr")
    cells = [["".join(td.itertext()).strip() for td in tr] for tr in rows]
    assert [c[2] for c in cells] == ["ROK", "ROK"]
    assert "shock: Moon inaugurated \u2014 engagement +0.40" in cells[0][3]
    assert "shock: Moon: pledges \u2014 anchor \u22120.10" in cells[1][3]


def test_the_election_line_gives_the_election_s_own_date():
    """'US election 2016-11-11' was the end of the model week; the election was 8 Nov."""
    from coalition_sim.ui.session import scenario_file

    m = CoalitionModel(resolve_scenario(scenario_file("history/start_2016")), rng=1)
    svg = series_svg(m, History.of(m))
    assert "US election, 08 Nov 2016" in svg and "2016-11-11" not in svg


def _with_actors(*ids: str):
    """The baseline with actors added as the page's editor adds them by default (ties to the
    USA 0.85, the ROK 0.4 and the DPRK 0.2): what the analyst drew with JPN and RUS."""
    from coalition_sim.ui.authoring import add_actor

    scn = resolve_scenario("baseline")
    ties = {"USA": ("treaty_ally", 0.85), "ROK": ("partner", 0.4), "DPRK": ("adversary", 0.2)}
    for a in ids:
        scn = add_actor(scn, actor_id=a, name=a, capability=0.033, commitment=0.85, ties=ties)
    return scn


@pytest.mark.parametrize("added", [(), ("JPN",), ("RUS",), ("JPN", "RUS")])
def test_tie_labels_cover_no_node_no_name_and_no_other_label(added):
    """With five or six actors '0.20' and '0.40' sat on one another, one label half behind
    the DPRK node, and with four '0.40' and '0.30' touched 'DPRK': every tie label's box (the
    generous width the page uses) keeps at least 1 unit from every node, every name plate and
    every other tie label, stays inside the view box and sits nearer its own tie than any
    other; every name has a white plate, so no tie runs through 'JPN 0.86'."""
    from coalition_sim.ui.theme import text_width

    model = CoalitionModel(_with_actors(*added), rng=1)
    root = ET.fromstring(graph_svg(model))
    ns = "{http://www.w3.org/2000/svg}"
    assert len(model.actors) == 4 + len(added)
    x0, y0, w, h = (float(v) for v in root.get("viewBox").split())
    nodes = [
        (float(c.get("cx")) - float(c.get("r")), float(c.get("cy")) - float(c.get("r")),
         float(c.get("cx")) + float(c.get("r")), float(c.get("cy")) + float(c.get("r")))
        for c in root.iter(f"{ns}circle")
    ]  # fmt: skip
    plates = [
        (float(r.get("x")), float(r.get("y")),
         float(r.get("x")) + float(r.get("width")), float(r.get("y")) + float(r.get("height")))
        for r in root.iter(f"{ns}rect") if r.get("class") == "name-plate"
    ]  # fmt: skip
    names = [t for g in root.iter(f"{ns}g") for t in g.iter(f"{ns}text")]
    assert len(plates) == len(names) == len(nodes) == len(model.actors)
    for t, p in zip(names, plates, strict=True):  # the plate holds its name
        x, y, tw = float(t.get("x")), float(t.get("y")), text_width(t.text, 13)
        assert p[0] <= x - tw / 2 and x + tw / 2 <= p[2] and p[1] <= y - 11 and y <= p[3]
    lines = {
        frozenset(line.find(f"{ns}title").text.split(":")[0].split("\u2013")): (
            (float(line.get("x1")), float(line.get("y1"))),
            (float(line.get("x2")), float(line.get("y2"))),
        )
        for line in root.iter(f"{ns}line")
    }
    ties = []
    for t in root.iter(f"{ns}text"):
        if t.get("class") != "tie-strength":
            continue
        x, y, tw = float(t.get("x")), float(t.get("y")), text_width(t.text, MIN_FONT)
        box = (x - tw / 2, y - 11, x + tw / 2, y + 3)
        ties.append((box, frozenset(t.get("data-tie").split("-"))))
    assert len(ties) == len(lines) >= 3

    def gap(p, q):
        return max(q[0] - p[2], p[0] - q[2], q[1] - p[3], p[1] - q[3])

    def to_line(box, ends):
        (ax, ay), (bx, by) = ends
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        dx, dy = bx - ax, by - ay
        t = min(1.0, max(0.0, ((cx - ax) * dx + (cy - ay) * dy) / (dx * dx + dy * dy)))
        return math.hypot(cx - ax - t * dx, cy - ay - t * dy)

    for i, (box, pair) in enumerate(ties):
        assert box[0] >= x0 and box[1] >= y0 and box[2] <= x0 + w and box[3] <= y0 + h
        near = [q for q in nodes + plates if gap(box, q) < 1.0]
        assert near == [], f"tie label {sorted(pair)} against a node or a name"
        crowded = [sorted(o) for k, (q, o) in enumerate(ties) if k != i and gap(box, q) < 1.0]
        assert crowded == [], f"tie label {sorted(pair)} against {crowded}"
        own = to_line(box, lines[pair])
        assert all(to_line(box, ends) > own for other, ends in lines.items() if other != pair)


def test_two_sizes_of_one_seed_are_not_said_to_have_run_different_seeds():
    """500 and then 800 replicates of the same inputs and seed: the table said "unpaired (the
    two ensembles ran different seeds)", yet the first 500 of each are the same futures."""
    from coalition_sim.ui.ensemble_panel import difference_table_html
    from coalition_sim.ui.session import Sim, ensemble_views, paired_difference

    sim = Sim.build("summit_2018", {}, 7)
    small, large = ensemble_views(sim, 30), ensemble_views(sim, 50)
    rows = paired_difference(small, large)
    assert {r["shared"] for r in rows} == {30} and not rows[0]["paired"]
    html = difference_table_html(rows, "a", "b")
    assert "their first 30 replicates ran the same seeds" in html
    assert "different seeds" not in html
    other = ensemble_views(Sim.build("summit_2018", {}, 8), 50)  # another seed: none shared
    html = difference_table_html(paired_difference(small, other), "a", "b")
    assert "unpaired (the two ensembles ran different seeds)" in html
    same = paired_difference(large, ensemble_views(sim, 50))
    assert same[0]["paired"] and "paired replicate by replicate" in difference_table_html(
        same, "a", "b"
    )


def test_a_graph_of_many_ties_prints_no_strengths_and_says_so(monkeypatch):
    """A 64-actor upload (2,016 ties, within the schema and the page's budget) held the
    server for minutes placing tie labels, each weighed against every other, before its graph
    appeared, and every other page waited. Above MAX_LABELLED_TIES the strengths are not
    printed, and the graph says so; each tie keeps its strength in its tooltip."""
    from coalition_sim.ui import graph

    ids = [f"X{i:02d}" for i in range(7)]  # the baseline's 6 ties, 3 per added actor, 21
    scn = _with_actors(*ids)
    extra = [{"a": a, "b": b, "type": "partner", "strength": 0.3}
             for k, a in enumerate(ids) for b in ids[k + 1 :]]  # fmt: skip
    scn = scn.model_copy(update={"ties": list(scn.ties) + [type(scn.ties[0])(**t) for t in extra]})
    model = CoalitionModel(scn, rng=1)
    n_ties = model.graph.number_of_edges()
    assert n_ties > graph.MAX_LABELLED_TIES
    monkeypatch.setattr(graph, "_placed", lambda *a: pytest.fail("placed labels for every tie"))
    root = ET.fromstring(graph_svg(model))
    ns = "{http://www.w3.org/2000/svg}"
    texts = list(root.iter(f"{ns}text"))
    assert not [t for t in texts if t.get("class") == "tie-strength"]
    (note,) = [t for t in texts if t.get("class") == "ties-unlabelled"]
    assert note.text == (
        f"{n_ties:,} ties: strengths are printed for up to {graph.MAX_LABELLED_TIES}; hover a "
        "tie for its strength"
    )
    _x0, y0, _w, h = (float(v) for v in root.get("viewBox").split())
    assert y0 < float(note.get("y")) <= y0 + h  # inside the picture (and its PNG)
    titles = [ln.find(f"{ns}title").text for ln in root.iter(f"{ns}line")]
    assert len(titles) == n_ties and all("tie strength" in t for t in titles)
