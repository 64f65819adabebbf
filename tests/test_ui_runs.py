"""Pins of a run from an uploaded scenario, without a browser: the pin keeps the scenario
file, rebuilds the same run from it, diffs by it, and a session file carrying it is validated
on load like an upload."""

from __future__ import annotations

import json

import pytest

from coalition_sim.scenario.loading import ConfigError
from coalition_sim.ui.runs import (
    diff_html,
    pin_ensemble,
    pin_run,
    pin_scenario,
    read_session,
    session_json,
)
from coalition_sim.ui.session import Sim, ensemble_views, page_scenarios
from coalition_sim.ui.state import scenario_from_text

NAMES = [n for n, _ in page_scenarios()]
CHILD = (
    'extends = "summit_2018.toml"\nname = "my summit"\nseed = 5\n[params.fatigue]\ngrowth = 0.2\n'
)
KEY = "file: child.toml"


def _inputs(sim: Sim, key: str = KEY) -> dict:
    return {"scenario": key, "seed": sim.seed, "values": dict(sim.values), "posterior": False,
            "week": int(sim.model.steps), "record": False}  # fmt: skip


def _uploaded_run(values: dict | None = None, weeks: int = 12):
    scn = scenario_from_text("child.toml", CHILD)
    sim = Sim.build(scn, values or {}, 11)
    sim.advance_to(weeks)
    return scn, sim


def test_a_pinned_upload_keeps_its_file_and_rebuilds_the_same_run():
    scn, sim = _uploaded_run({"actors.ROK.mediation": 0.3})
    pin = pin_run(sim, _inputs(sim), "mine", "", scn)
    assert pin.scenario_toml and pin_scenario(KEY, pin.scenario_toml) == scn
    again = Sim.build(
        pin_scenario(KEY, pin.scenario_toml), dict(pin.inputs.values), pin.inputs.seed
    )
    again.advance_to(pin.inputs.week)
    assert [round(float(v), 6) for v in again.history.cohesion] == pin.series["cohesion"]
    shipped = Sim.build("summit_2018", {}, 11)
    assert (
        pin_run(shipped, _inputs(shipped, "summit_2018"), "s", "", "summit_2018").scenario_toml
        == ""
    )
    ens = pin_ensemble(ensemble_views(sim, 20), _inputs(sim), "twenty", "", scn)
    assert ens.scenario_toml == pin.scenario_toml and ens.replicates == 20


def test_a_session_with_uploads_saves_and_loads_back():
    scn, sim = _uploaded_run()
    pins = [pin_run(sim, _inputs(sim), "mine", "a note", scn)]
    text = session_json(_inputs(sim), pins, pins[0].scenario_toml)
    doc = read_session("s.json", text, NAMES)
    assert doc.current.scenario == KEY and doc.current_toml == pins[0].scenario_toml
    assert doc.pins == pins


@pytest.mark.parametrize(
    ("where", "edit", "says"),
    [
        ("pins[0].scenario_toml", lambda d: d["pins"][0].update(
            scenario_toml=d["pins"][0]["scenario_toml"].replace("steps = 52", "steps = -3")),
         "s.json: pins[0].scenario_toml (file: child.toml): key 'steps'"),
        ("pins[0].inputs.scenario", lambda d: d["pins"][0].update(scenario_toml=""),
         "key 'pins[0].inputs.scenario' must be a shipped scenario"),
        ("current_toml", lambda d: d.update(current_toml="[[[\n"),
         "s.json: current_toml (file: child.toml): "),
        ("pins[0].scenario_toml", lambda d: d["pins"][0]["inputs"].update(scenario="baseline"),
         "key 'pins[0].scenario_toml' must be empty for a shipped scenario"),
    ],
)  # fmt: skip
def test_a_kept_scenario_file_is_validated_like_an_upload(where, edit, says):
    scn, sim = _uploaded_run()
    pins = [pin_run(sim, _inputs(sim), "mine", "", scn)]
    doc = json.loads(session_json(_inputs(sim), pins, pins[0].scenario_toml))
    edit(doc)
    with pytest.raises(ConfigError) as exc:
        read_session("s.json", json.dumps(doc), NAMES)
    assert says in str(exc.value) and "\n" not in str(exc.value)


def test_two_uploads_of_the_same_name_differ_in_the_diff():
    scn, sim = _uploaded_run()
    a = pin_run(sim, _inputs(sim), "A", "", scn)
    other = scenario_from_text("child.toml", CHILD.replace("growth = 0.2", "growth = 0.4"))
    sim_b = Sim.build(other, {}, 11)
    sim_b.advance_to(12)
    b = pin_run(sim_b, _inputs(sim_b), "B", "", other)
    html = diff_html(a, b)
    assert "scenario file (sha256)" in html
    assert "scenario file (sha256)" not in diff_html(a, a)


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ([], "s.json: a session file is one JSON object, as Save session writes it"),
        ("x", "not a JSON string"),
        ({"format": "coalition-sim-session", "version": 1, "current": []},
         "s.json: key 'current' must be a set of keys and values"),
    ],
)  # fmt: skip
def test_a_session_file_of_another_shape_is_refused_in_plain_words(doc, words):
    """A JSON list leaked pydantic's 'valid dictionary or instance of SessionFile'."""
    with pytest.raises(ConfigError) as exc:
        read_session("s.json", json.dumps(doc), NAMES)
    text = str(exc.value)
    assert words in text and "\n" not in text
    assert "instance of" not in text and "SessionFile" not in text and "Inputs" not in text


def test_a_saved_session_holds_what_the_link_holds():
    """The link carried the Compare lever, A, B, replicates and the ensemble's size, the
    session file did not (and was always 'session.json'): saved, loaded and put on the page,
    the file gives back every part of the link, and is named after the scenario and time."""
    import datetime

    from coalition_sim.ui.runs import session_compare, session_file_name
    from coalition_sim.ui.state import CompareLink, LinkState, format_query, parse_query

    sim = Sim.build("summit_2018", {"params.fatigue.growth": 0.2}, 11)
    sim.advance_to(7)
    compare = CompareLink("actors.USA.hedging", 0.2, 0.7, 300)
    link = parse_query(
        format_query(
            LinkState("summit_2018", 11, dict(sim.values), 7, posterior=True, compare=compare,
                      ensemble=1200)
        ),
        NAMES,
    )  # fmt: skip
    inputs = {**_inputs(sim, "summit_2018"), "posterior": True}
    doc = read_session("s.json", session_json(inputs, [], "", compare, 1200), NAMES)
    cur = doc.current
    assert (cur.scenario, cur.seed, cur.values, cur.week, cur.posterior) == (
        link.scenario, link.seed, link.values, link.week, link.posterior,
    )  # fmt: skip
    assert session_compare(doc) == link.compare == compare
    assert doc.ensemble == link.ensemble == 1200

    from test_ui_page_state import _page

    ui = _page()
    ui.take_panel_inputs(session_compare(doc), doc.ensemble)
    assert ui.compare.value == compare and ui.ensemble_n.value == 1200 and ui.loads.value
    older = read_session("s.json", session_json(inputs, []), NAMES)  # saved before: loads
    assert older.compare is None and older.ensemble is None
    ui.take_panel_inputs(None, None)  # and leaves the panels' own inputs as they are
    assert ui.compare.value == compare and ui.ensemble_n.value == 1200

    when = datetime.datetime(2026, 12, 5, 7, 9)
    assert session_file_name("summit_2018", when) == "session-summit_2018-20261205-0709.json"
    assert session_file_name("baseline + JPN", when) == "session-baseline_JPN-20261205-0709.json"


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d["pins"][1]["outcomes"].update(summit_held=7),
         "key 'pins[1].outcomes': 'summit_held' = 7 must be a share from 0 to 1"),
        (lambda d: d["pins"][1]["outcomes"].update(whatever=0.5),
         "key 'pins[1].outcomes': 'whatever' is not an outcome the page keeps (summit_held"),
        (lambda d: d["pins"][0]["series"]["cohesion"].__setitem__(3, float("nan")),
         "key 'pins[0].series': 'cohesion'[3] = nan must be an index from 0 to 1"),
        (lambda d: d["pins"][0]["outcomes"].update(cohesion=-0.2),
         "key 'pins[0].outcomes': 'cohesion' = -0.2 must be an index from 0 to 1"),
        (lambda d: d["pins"][0]["inputs"].update(week=45),
         "key 'pins[0].series': 'cohesion' holds 13 weeks; a run pinned at week 45 holds 46"),
        (lambda d: d["pins"][1].update(series={"cohesion": [0.5]}),
         "key 'pins[1].series': an ensemble pin has no series"),
    ],
)  # fmt: skip
def test_what_a_pin_showed_is_refused_when_no_page_could_have_shown_it(edit, says):
    """A session file's pin with a share of 7 loaded and read '700.0%' in the diff; a NaN
    week drew 'nan' into the overlay's line; a series of 13 weeks said 'week 45'."""
    scn, sim = _uploaded_run()
    pins = [pin_run(sim, _inputs(sim), "run", "", scn),
            pin_ensemble(ensemble_views(sim, 20), _inputs(sim), "ens", "", scn)]  # fmt: skip
    doc = json.loads(session_json(_inputs(sim), pins, pins[0].scenario_toml))
    assert read_session("s.json", json.dumps(doc), NAMES).pins == pins  # as saved: loads
    edit(doc)
    with pytest.raises(ConfigError) as exc:
        read_session("s.json", json.dumps(doc), NAMES)
    assert says in str(exc.value) and "\n" not in str(exc.value)


def test_the_diff_of_a_run_and_an_ensemble_says_why_it_has_no_outcome_row():
    """A run pin diffed with an ensemble pin showed an outcomes table of headings only,
    captioned 'value at the pinned week', with not a word."""
    scn, sim = _uploaded_run()
    run = pin_run(sim, _inputs(sim), "the run", "", scn)
    ens = pin_ensemble(ensemble_views(sim, 20), _inputs(sim), "the ensemble", "", scn)
    for a, b in ((run, ens), (ens, run)):
        html = diff_html(a, b)
        outcomes = html[html.index('id="diff-outcomes"') :]
        assert "Nothing to set side by side: the ensemble is an ensemble" in outcomes
        assert "the run a run" in outcomes and "value at the pinned week" not in outcomes
    assert "Nothing to set side by side" not in diff_html(run, run)
    assert "Nothing to set side by side" not in diff_html(ens, ens)


def test_the_diff_of_two_ensembles_of_other_run_lengths_shows_no_difference():
    """A 104-week ensemble's shares minus a 52-week one's were printed as a difference (+40
    pp of 'summit held'), though the Ensemble panel shows none across run lengths: an outcome
    that happens at least once is likelier in a longer run."""

    def ensemble(scenario: str, name: str):
        sim = Sim.build(scenario, {}, 3)
        return pin_ensemble(ensemble_views(sim, 20), _inputs(sim, scenario), name, "")

    long, short, other = (
        ensemble("baseline", "two years"), ensemble("summit_2018", "one year"),
        ensemble("history/start_2018", "also one year"),
    )  # fmt: skip
    html = diff_html(long, short)
    outcomes = html[html.index('id="diff-outcomes"') :]
    assert "not comparable" in outcomes and " pp<" not in outcomes
    assert "two years ran 104 weeks and one year 52: an outcome that happens" in outcomes
    same = diff_html(short, other)  # two scenarios of one length: the difference is shown
    assert "not comparable" not in same and " pp</td>" in same


def test_the_diff_of_two_runs_pinned_at_other_weeks_says_b_minus_a_holds_time_too():
    """Run A pinned at week 6 and B at week 9: B - A of cohesion read as the inputs' effect,
    with three weeks of the run in it."""
    scn, sim = _uploaded_run(weeks=6)
    a = pin_run(sim, _inputs(sim), "A", "", scn)
    sim.advance_to(9)
    b = pin_run(sim, _inputs(sim), "B", "", scn)
    html = diff_html(a, b)
    assert "A was pinned at week 6 and B at week 9: B \u2212 A holds 3 weeks of the run" in html
    assert "pinned at week" not in diff_html(a, a)
