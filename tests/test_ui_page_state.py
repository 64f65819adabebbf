"""The page's session state (:class:`coalition_sim.ui.page_state.PageState`) without a
browser: what an input change does when it is refused, and what an edit builds on."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import ipyvuetify as v
import numpy as np
import pytest
import solara

from coalition_sim.scenario.library import list_scenarios
from coalition_sim.scenario.loading import ConfigError
from coalition_sim.ui import page_state
from coalition_sim.ui.page_state import PageState
from coalition_sim.ui.session import Sim, page_scenarios
from coalition_sim.ui.widgets import NativeSelect, NumberField

NAMES = [n for n, _, _ in list_scenarios()]


def _page(scenario: str = "summit_2018", seed: int = 7, posterior: bool = False) -> PageState:
    """A session's state as the page makes it, with plain reactive values."""
    sim = Sim.build(scenario, {}, seed, posterior=posterior)
    start = {
        "names": NAMES, "sim_ref": SimpleNamespace(current=sim),
        "scenario": solara.reactive(scenario), "posterior": solara.reactive(posterior),
    }  # fmt: skip
    blank: dict[str, object] = {
        "uploaded": {}, "undo_stack": [], "redo_stack": [], "pins": [], "playing": False,
        "drawer": False, "at_end": False, "ready": True, "record": False, "tick": 0,
        "version": 0, "speed": 10, "posterior_refusals": 0, "compare": None,
        "last_ensemble": None, "ensemble_n": None, "loads": 0,
    }  # fmt: skip
    for f in dataclasses.fields(PageState):
        if f.name not in start:
            start[f.name] = solara.reactive(blank.get(f.name, ""))
    return PageState(**start)  # type: ignore[arg-type]


def _load_session(rc: Any, body: str, name: str = "s.json") -> str:
    """Load ``body`` as session file ``name`` through the rendered Runs panel ``rc``; the
    panel's message under the control, as HTML."""
    from coalition_sim.ui.widgets import ScenarioFileInput

    rc.find(ScenarioFileInput).widget.vue_load_file(
        {"name": name, "size": len(body), "text": body, "utf8": True}
    )
    html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    return next(h for h in html if 'id="session-message"' in h)


def test_a_refused_posterior_switch_is_put_back_and_says_why_beside_it(monkeypatch):
    """The switch moved on screen, the posterior was refused (a posterior fitted on another
    model): the switch must show the position in force (off) and the message sits beside it,
    not in the sliders' column."""
    ui = _page()
    real = Sim.build

    def refuse(base, values, seed, posterior=False):
        if posterior:
            raise ConfigError("posterior.parquet: fitted on another model")
        return real(base, values, seed, posterior=posterior)

    monkeypatch.setattr(page_state.Sim, "build", staticmethod(refuse))
    ui.set_posterior(True)
    assert ui.posterior.value is False
    assert ui.posterior_refusals.value == 1  # remounts the switch, which then reads off
    assert ui.posterior_error.value.startswith("Refused: ")
    assert "another model" in ui.posterior_error.value
    assert ui.posterior_error.value.endswith("Parameter uncertainty stays off.")
    assert ui.knob_error.value == ""
    assert ui.undo_stack.value == []  # nothing changed, nothing to undo
    monkeypatch.setattr(page_state.Sim, "build", staticmethod(real))
    ui.set_posterior(True)  # accepted now: the message goes
    assert ui.posterior.value is True and ui.posterior_error.value == ""


def test_an_edit_builds_on_the_inputs_not_on_a_posterior_particle():
    """With the posterior on, the run on screen has one particle's fitted values; the actor
    editor's new scenario must carry the scenario's own values and the run's seed instead."""
    plain = _page(seed=7).scenario_on_screen()
    ui = _page(seed=7, posterior=True)
    assert ui.sim.posterior  # the run on screen took a particle's values
    drawn = ui.sim.scenario
    assert drawn.actors != plain.actors or drawn.params != plain.params  # the draw moved some
    own = ui.scenario_on_screen()
    assert own == plain
    assert own.seed == 7
    assert (
        own.model_dump()
        == Sim.build("summit_2018", {}, 7).scenario.model_copy(update={"seed": 7}).model_dump()
    )


@pytest.mark.parametrize("posterior", [False, True])
def test_an_edit_keeps_the_page_values(posterior):
    ui = _page(seed=11, posterior=posterior)
    ui.set_values({"actors.ROK.mediation": 0.7})
    own = ui.scenario_on_screen()
    rok = next(a for a in own.actors if a.id == "ROK")
    assert rok.mediation == 0.7 and own.seed == 11


def test_adding_an_actor_keeps_a_value_set_on_the_page_over_the_posterior_draw():
    """With the posterior on, a value the analyst set (here a fitted parameter) must survive
    the actor editor: the new scenario carries the page's values as page values, which win
    over the draw, and keeps the seed."""
    from coalition_sim.ui.authoring import add_actor
    from coalition_sim.ui.page_state import EDITED_PREFIX

    ui = _page(seed=7, posterior=True)
    assert ui.set_values({"actors.USA.hedging": 0.3}) == ""
    new = add_actor(
        ui.scenario_on_screen(page_values=False), actor_id="JPN", name="Japan",
        capability=0.033, commitment=0.85, ties={"USA": ("treaty_ally", 0.85)},
    )  # fmt: skip
    key = f"{EDITED_PREFIX}{new.name}"
    ui.uploaded.set({**ui.uploaded.value, key: new})
    assert ui.switch(key, values=ui.sim.values) == ""
    assert ui.sim.values == {"actors.USA.hedging": 0.3} and ui.sim.seed == 7
    usa = next(a for a in ui.sim.scenario.actors if a.id == "USA")
    assert usa.hedging == 0.3 and ui.sim.posterior  # the page's value wins over the draw
    assert [a.id for a in ui.sim.scenario.actors][-1] == "JPN"


def test_a_record_link_on_a_scenario_without_the_record_is_dropped_and_said():
    """record=1 on muddling_2020 (no dated event of the 2016-18 record in its weeks) stayed
    in the address bar, silently; on a historical start it is kept."""
    names = [n for n, _ in page_scenarios()]
    _, _, note = page_state.accepted_link(names, "?scenario=muddling_2020&seed=3&record=1")
    assert "record=1" in note and "Ignored" in note and "muddling_2020" in note
    ui = _page("muddling_2020", 3)
    ui.record.set(True)
    assert "record" not in ui.query()
    _, _, note = page_state.accepted_link(names, "?scenario=history/start_2016&record=1")
    assert note == ""
    ui = _page("history/start_2016", 3)
    ui.record.set(True)
    assert "record=1" in ui.query()


def _weeks_after(restart: bool, stall: float = 0.9, speed: int = 10) -> list[float]:
    """The times Play shows weeks in the 3 s after an input changed mid-play, as the play
    loop schedules them: 2 s of Play, then a rebuild that holds the server for ``stall``."""
    from coalition_sim.ui.page_state import PlayClock

    clock, t = PlayClock(0.0), 0.0
    while t < 2.0:
        t += clock.delay(t, speed)
    t += stall  # the new model is built while the loop waits
    start = t
    if restart:
        clock.restart(t)
    shown = []
    while t < start + 3.0 - 1e-9:
        t += clock.delay(t, speed)
        shown.append(t - start)
    return shown


def test_play_keeps_the_chosen_speed_after_a_change_mid_play():
    """muddling_2020 at 10 weeks/s, a parameter changed after 2 s: the run restarted at
    week 0 and then made up the old schedule's lost time (12-15 weeks/s). The play clock
    restarts with the run: its weeks come one period apart from week 0, 30 in 3 s."""
    shown = _weeks_after(restart=True)
    assert len(shown) == 30 and shown[0] == pytest.approx(0.1)
    assert np.diff(shown).min() == pytest.approx(0.1)
    caught_up = _weeks_after(restart=False)  # the old schedule: weeks shown back to back
    assert np.diff(caught_up).min() < 0.01 and len(caught_up) > 30


def test_undo_of_an_added_actor_says_why_the_compare_lever_changed():
    """Undo removed JPN while Compare had its lever: the menu fell back to USA hedging without
    a word, and the stale result's label became the code name 'actors.JPN.mediation'."""
    from coalition_sim.ui.authoring import add_actor
    from coalition_sim.ui.compare_panel import ComparePanel, lever_words
    from coalition_sim.ui.state import CompareLink
    from coalition_sim.ui.widgets import NativeSelect

    ui = _page("baseline")
    new = add_actor(
        ui.scenario_on_screen(page_values=False), actor_id="JPN", name="Japan",
        capability=0.033, commitment=0.85, ties={"USA": ("treaty_ally", 0.85)},
    )  # fmt: skip
    key = f"{page_state.EDITED_PREFIX}{new.name}"
    ui.uploaded.set({key: new})
    assert ui.switch(key, values={}) == ""
    ui.compare.set(CompareLink("actors.JPN.mediation", 0.1, 0.6, 50))
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)

    def html() -> str:
        return " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)

    assert "compare-lever-note" not in html()
    assert rc.find(NativeSelect, select_class="cs-compare-lever").widget.value == (
        "actors.JPN.mediation"
    )
    ui.undo()  # JPN is gone
    shown = html()
    assert 'id="compare-lever-note"' in shown
    assert "its actor JPN is no longer in the scenario" in shown
    assert f"\u201c{lever_words('actors.JPN.mediation')}\u201d was reset to" in shown
    assert lever_words("actors.JPN.mediation") == "JPN mediates between leader and target"
    assert rc.find(NativeSelect, select_class="cs-compare-lever").widget.value == (
        "actors.USA.hedging"
    )
    rc.close()


def test_a_loaded_session_s_compare_replicates_reach_the_field():
    """A session saved with 300 replicates per arm loaded back: lever, A and B came back but
    the field kept 500 (the first render's value, memoised), and Compare ran 500 per arm."""
    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.state import CompareLink

    ui = _page("summit_2018")
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)

    def field() -> str:
        return rc.find(v.TextField, label="Replicates per arm").widget.v_model

    assert field() == "500"
    ui.take_panel_inputs(CompareLink("actors.ROK.mediation", 0.1, 0.9, 300), 250)
    assert field() == "300"
    ui.compare.set(None)  # the link's inputs forgotten (a refused link): the field keeps 300
    assert field() == "300"
    rc.close()


def test_a_loaded_session_s_compare_values_outside_the_range_are_said_and_forgotten():
    """A session file whose Compare A is outside the lever's range (a=7 for a 0-1 lever),
    loaded into a page already on screen: the panel showed the lever's start values with no
    word, and the address bar kept ``a=7`` (a link the page itself refuses). The panel takes a
    loaded file's inputs as it takes a link's: it says so and the link forgets them."""
    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.state import CompareLink

    ui = _page("summit_2018")
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)

    def box() -> str:
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        return "".join(h for h in html if 'id="compare-error"' in h)

    assert box() == ""
    ui.take_panel_inputs(CompareLink("actors.ROK.mediation", 7.0, 0.7, 200), 300)
    assert "A = 7 is outside the range of" in box(), box()
    assert "(0 to 1)" in box()
    assert ui.compare.value is None  # the address bar stops holding a=7
    # the lever stays the file's, with its start values, as the refusal says
    assert rc.find(NativeSelect, select_class="cs-compare-lever").widget.value == (
        "actors.ROK.mediation"
    )
    a = rc.find(NumberField, label="A, exact value (Enter)").widget.value
    b = rc.find(NumberField, label="B, exact value (Enter)").widget.value
    assert f"showing A = {a}, B = {b}." in box() and a != "1", (a, b, box())  # not clamped
    # a good file loaded next takes its values, and the refusal goes with the old inputs
    ui.take_panel_inputs(CompareLink("actors.ROK.mediation", 0.1, 0.7, 200), 300)
    assert rc.find(NumberField, label="A, exact value (Enter)").widget.value == "0.1"
    assert box() == ""
    rc.close()


def test_a_link_s_compare_replicates_over_the_budget_are_said_and_forgotten():
    """``reps=15000``: the link parser's ceiling is 20,000, the Compare panel's budget for a
    52-week, four-actor scenario 12,019 per arm, so a link the page took was refused only at
    Run. The panel judges the link's replicates by its own budget when it takes them."""
    from coalition_sim.ui import serving
    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.state import CompareLink

    ui = _page("summit_2018")
    per_arm = serving.max_replicates(ui.sim.scenario, arms=2)
    assert per_arm < 15_000
    ui.compare.set(CompareLink("actors.ROK.mediation", 0.2, 0.7, 15_000))
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)

    def box() -> str:
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        return "".join(h for h in html if 'id="compare-error"' in h)

    assert "replicates per arm, 15,000, are over this page" in box(), box()
    assert f"At most {per_arm:,} replicates per arm" in box()
    assert ui.compare.value is None  # the address bar stops holding reps=15000
    n = rc.find(v.TextField, label="Replicates per arm").widget.v_model
    assert n == "500" and "Showing 500." in box(), (n, box())
    # a session file with replicates inside the budget is taken, and the refusal goes
    ui.take_panel_inputs(CompareLink("actors.ROK.mediation", 0.2, 0.7, 300), 300)
    assert rc.find(v.TextField, label="Replicates per arm").widget.v_model == "300"
    assert box() == ""
    rc.close()


def test_a_link_s_refused_compare_value_keeps_the_link_s_lever():
    """``lever=actors.ROK.mediation&a=5&b=0``: the refusal said "showing A = 0.6, B = 0" (the
    mediation's start values) while the panel went back to the default lever, USA hedging
    at 0.8 and 0: the message and the panel disagreed. The link's lever stays."""
    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.state import CompareLink

    ui = _page("summit_2018")
    ui.compare.set(CompareLink("actors.ROK.mediation", 5.0, 0.0, 100))
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)
    shown = " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert "A = 5 is outside the range of" in shown and ui.compare.value is None
    lever = rc.find(NativeSelect, select_class="cs-compare-lever").widget.value
    a = rc.find(NumberField, label="A, exact value (Enter)").widget.value
    b = rc.find(NumberField, label="B, exact value (Enter)").widget.value
    assert lever == "actors.ROK.mediation", lever
    assert f"showing A = {a}, B = {b}." in shown, (a, b, shown)  # what the panel shows
    rc.close()


def test_each_compare_field_keeps_its_own_refusal_until_its_text_changes():
    """One shared message for the replicates, A and B refusals: a corrected Replicates per
    arm kept its refusal until Compare was pressed again, and a valid A hid the replicates'
    still-standing refusal. Each field's refusal is its own, dropped as its text changes."""
    import time

    from coalition_sim.ui.compare_panel import ComparePanel

    ui = _page("summit_2018")
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)

    def n_error() -> str:
        field = rc.find(v.TextField, label="Replicates per arm").widget
        return " ".join(field.messages or []) if field.error else ""

    def box() -> str:
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        return "".join(h for h in html if 'id="compare-error"' in h)

    rc.find(v.TextField, label="Replicates per arm").widget.v_model = "0"
    rc.find(v.Btn, children=["Compare"]).widget.click()
    for _ in range(100):
        if n_error():
            break
        time.sleep(0.05)
    assert "Replicates per arm must be a whole number from 1 to 20,000, not '0'" in n_error()
    number_a = rc.find(NumberField, input_class="cs-number cs-number-a").widget
    number_a.handler("7")  # refused: outside the lever's range
    assert "Refused: A" in box() and "from 0 to 1, not &#x27;7&#x27;" in box()
    rc.find(NumberField, input_class="cs-number cs-number-b").widget.handler("0.4")  # valid B
    assert "Refused: A" in box() and n_error()  # another field's change keeps both
    rc.find(v.TextField, label="Replicates per arm").widget.v_model = "300"
    assert not n_error() and "Refused: A" in box()  # n corrected: its refusal only goes
    number_a.handler("0.2")
    assert box() == ""
    number_a.handler("7")
    (slider_a,) = [w for w in rc.find(v.Slider).widgets if w.label.startswith("A:")]
    slider_a.v_model = 0.5
    assert box() == ""  # the slider moved A: its refusal goes
    rc.close()


def test_the_compare_budget_refusal_names_the_field_as_the_page_labels_it():
    """It said 'Replicates: 20,000 is over...' under a field labelled 'Replicates per arm'."""
    import time

    from coalition_sim.ui.compare_panel import ComparePanel

    ui = _page("summit_2018")
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)
    field = rc.find(v.TextField, label="Replicates per arm").widget
    field.v_model = "20000"
    rc.find(v.Btn, children=["Compare"]).widget.click()

    def said() -> str:  # under the field, or in the panel's message box
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        box = [h for h in html if 'id="compare-error"' in h]
        return " ".join([*(field.messages or []), *box]) if field.error or box else ""

    for _ in range(100):
        if said():
            break
        time.sleep(0.05)
    assert "is over this page" in said(), said()
    assert "Replicates per arm: 20,000 is over" in said(), said()
    rc.close()


def test_a_refused_compare_field_is_told_so_and_its_held_value_again_drops_the_refusal():
    """After 'A = 7' was refused, typing the value the field already held sent nothing (the
    field skips text equal to its value), so A's refusal stayed. The field is told it was
    refused (``refused``: it then sends that text) and the held value, taken, drops it."""
    from coalition_sim.ui.compare_panel import ComparePanel

    ui = _page("summit_2018")
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)

    def field(tag: str) -> NumberField:
        return rc.find(NumberField, input_class=f"cs-number cs-number-{tag}").widget

    def box() -> str:
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        return "".join(h for h in html if 'id="compare-error"' in h)

    assert not field("a").refused and not field("b").refused
    held = field("a").value
    field("a").handler("7")
    assert "Refused: A" in box() and field("a").refused and not field("b").refused
    assert field("a").value == held  # the field shows the held value again
    field("a").handler(held)  # what the field sends now that text is re-entered (or Enter)
    assert box() == "" and not field("a").refused
    rc.close()


def _replicates_field(rc):
    return rc.find(v.TextField, label="Replicates").widget


def _msg(rc) -> str:
    field = _replicates_field(rc)
    return " ".join(field.messages or []) if field.error else ""


def test_a_loaded_session_s_ensemble_size_over_the_budget_is_said_and_forgotten():
    """A session file with n = 15,000 for the baseline (the panel's budget allows 12,019),
    loaded into a page already on screen: the field took it in silence, the address bar kept
    n=15000 and Run refused it. The panel judges a loaded file's size as a link's, says so in
    the file's words and the link forgets it; a good size loaded next is the field's."""
    from coalition_sim.ui.ensemble_panel import EnsemblePanel

    ui = _page("baseline")
    _box, rc = solara.render(EnsemblePanel(ui), handle_error=False)
    assert _replicates_field(rc).v_model == "500"
    ui.take_panel_inputs(None, 15000)
    msg = _msg(rc)
    assert msg and msg.startswith("The session file's n: 15,000 is over this page's budget"), msg
    assert "At most 12,019 replicates" in msg and msg.endswith("The field shows 500."), msg
    assert ui.ensemble_n.value is None  # the address bar stops holding n=15000
    assert _replicates_field(rc).v_model == "500"
    ui.take_panel_inputs(None, 300)
    assert _replicates_field(rc).v_model == "300"
    assert not _msg(rc)  # the refusal went with the old size
    assert ui.ensemble_n.value == 300
    rc.close()


def test_a_link_s_ensemble_size_over_the_budget_is_said_in_the_link_s_words():
    from coalition_sim.ui.ensemble_panel import EnsemblePanel

    ui = _page("baseline")
    ui.ensemble_n.set(15000)
    _box, rc = solara.render(EnsemblePanel(ui), handle_error=False)
    msg = _msg(rc)
    assert msg and msg.startswith("The link's n: 15,000 is over this page's budget"), msg
    assert ui.ensemble_n.value is None and _replicates_field(rc).v_model == "500"
    rc.close()


def test_compare_refusals_after_a_session_load_name_the_file_not_the_link():
    """A session file's Compare A = 7 was refused as "The link's A = 7 ...": the values came
    from the file."""
    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.state import CompareLink

    ui = _page("summit_2018")
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)
    ui.take_panel_inputs(CompareLink("actors.ROK.mediation", 7.0, 0.7, 200), 300)
    html = "".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert "The session file&#x27;s A = 7 is outside the range of" in html, html
    rc.close()


def _editor_id(rc) -> str:
    return rc.find(v.TextField, label="Id (2-16 capitals, digits or _, e.g. JPN)").widget.v_model


def test_the_actor_editor_offers_an_id_the_scenario_does_not_have():
    """ "Add an actor" offered JPN on regional_six, which has JPN (Add then refused it). It
    offers the first suggested id the scenario lacks, and offers again when the scenario
    changes under an untouched offer."""
    from coalition_sim.ui.authoring import free_actor
    from coalition_sim.ui.editor_panel import ActorEditor

    assert free_actor(["USA", "ROK", "DPRK", "PRC"]) == ("JPN", "Japan")
    assert free_actor(["USA", "JPN"]) == ("AUS", "Australia")
    assert free_actor(["JPN", "AUS", "CAN", "GBR", "IND", "FRA", "DEU"]) == ("NEW_1", "New actor 1")

    ui = _page("regional_six")
    assert "JPN" in [a.id for a in ui.sim.scenario.actors]
    _box, rc = solara.render(ActorEditor(ui), handle_error=False)
    assert _editor_id(rc) == "AUS"
    assert rc.find(v.TextField, label="Actor name").widget.v_model == "Australia"
    rc.close()

    ui = _page("baseline")
    _box, rc = solara.render(ActorEditor(ui), handle_error=False)
    assert _editor_id(rc) == "JPN"
    assert ui.switch("regional_six") == ""
    assert _editor_id(rc) == "AUS"
    rc.close()


def test_the_actor_editor_offers_no_strength_without_a_tie_and_refuses_in_red():
    """'Strength to PRC (0-1)' took 0.9 beside 'no tie' and Add dropped it in silence (the
    new actor had no PRC tie); a refusal read as a grey note, not as an error."""
    from coalition_sim.ui.editor_panel import ActorEditor

    ui = _page("baseline")
    _box, rc = solara.render(ActorEditor(ui), handle_error=False)

    def strength(other: str):
        return rc.find(v.TextField, class_=f"cs-ed-strength-{other}").widget

    assert strength("PRC").disabled is True and strength("PRC").label == "Strength to PRC: no tie"
    assert strength("USA").disabled is False and strength("USA").label == "Strength to USA (0-1)"
    rc.find(NativeSelect, select_class="cs-ed-tie-PRC").widget.value = "partner"
    assert strength("PRC").disabled is False
    rc.find(NativeSelect, select_class="cs-ed-tie-USA").widget.value = "no tie"
    assert strength("USA").disabled is True

    rc.find(v.TextField, label="Capability (CINC share, 0-1)").widget.v_model = "2"
    rc.find(v.Btn, children=["Add the actor"]).widget.click()
    shown = " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert 'class="cs-error" role="alert" id="editor-message">Refused: Capability' in shown
    assert "baseline + JPN" not in ui.sim.label  # nothing changed
    rc.close()


def test_compare_says_when_the_lever_s_value_is_the_page_s_not_the_scenario_s():
    """With USA hedging set to 0.3 on the page, Compare read 'Scenario value 0.3': the
    scenario's is 0.8, and A and B replace the page's value in both arms."""
    from coalition_sim.ui.compare_panel import ComparePanel, lever_meaning

    assert lever_meaning("params.summit.agreement_compromise") == (
        "Added agreement logit under a compromise posture."
    )
    ui = _page("summit_2018")
    _box, rc = solara.render(ComparePanel(ui), handle_error=False)

    def note() -> str:
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        return next(h for h in html if 'id="compare-lever-value"' in h)

    # what the number is, then its value: "Compromises below full denuclearisation", 1.5 of
    # 0 to 20, had no meaning on the panel
    meaning = ">Chance that a cancellation leaves the door open (revivable), x (1 - tension). "
    assert f"{meaning}Scenario value 0.8; range 0 to 1;" in note(), note()
    assert ui.rebuild("summit_2018", {"actors.USA.hedging": 0.3}, 7) == ""
    assert (
        f"{meaning}Value set on the page 0.3 (the scenario&#x27;s 0.8); A and B replace it; "
        "range 0 to 1;" in note()
    ), note()
    rc.close()


def test_loading_a_session_file_keeps_the_pins_on_the_page():
    """A session file loaded into a page with pins replaced them, and no Undo brought them
    back (Undo restores the inputs, not the pins): the pins on the page stay, the file's are
    added after them (none twice), and more than the page keeps is refused, nothing changed."""
    import json

    from coalition_sim.ui import runs
    from coalition_sim.ui.runs import pin_run, session_json
    from coalition_sim.ui.runs_panel import RunsPanel

    ui = _page("summit_2018")
    ui.sim.advance_to(3)
    mine = pin_run(ui.sim, ui.inputs(), "mine", "")
    other = Sim.build("baseline", {}, 5)
    other.advance_to(2)
    inputs = {"scenario": "baseline", "seed": 5, "values": {}, "posterior": False, "week": 2,
              "record": False}  # fmt: skip
    theirs = pin_run(other, inputs, "theirs", "")
    text = session_json(inputs, [theirs, mine])  # one of the file's pins is already here
    ui.pins.set([mine])
    _box, rc = solara.render(RunsPanel(ui, ui.pins.value, None), handle_error=False)

    def load(body: str) -> str:
        return _load_session(rc, body)

    said = load(text)
    assert [p.name for p in ui.pins.value] == ["mine", "theirs"], said
    assert (
        "Loaded s.json: the inputs on screen and 2 pins, 1 of them already here; the pin "
        "already on the page stays (Remove takes one away)." in said
    ), said
    assert ui.sim.source == "baseline"
    # Undo's label says what it takes back: the inputs, not the pin the file added
    assert ui.undo_stack.value[-1].what == "load s.json's inputs (the 1 pin it added stays)"
    ui.undo()  # the inputs go back; no pin is lost either way
    assert ui.sim.source == "summit_2018" and len(ui.pins.value) == 2

    full = [pin_run(other, inputs, f"p{k}", "") for k in range(runs.MAX_PINS - 1)]
    said = load(json.dumps({**json.loads(text), "pins": [p.model_dump() for p in full]}))
    assert "s.json: its 49 new pins and the 2 on the page make more than 50; remove some" in said
    assert said.count("Nothing was changed.") == 1 and "cs-error" in said
    assert [p.name for p in ui.pins.value] == ["mine", "theirs"]
    assert ui.sim.source == "summit_2018"  # nothing half-changed
    rc.close()


def test_step_is_off_at_the_end_of_the_run_as_play_is():
    """At week 52 of 52 Play was off but Step stayed on, and a click on it did nothing."""
    from coalition_sim.ui.controls import RunControls

    ui = _page("summit_2018")
    _box, rc = solara.render(RunControls(ui), handle_error=False)

    def off(name: str) -> bool:
        return bool(rc.find(v.Btn, children=[name]).widget.disabled)

    assert not off("Step") and not off("Play")
    ui.sim.advance_to(ui.sim.scenario.steps - 1)
    rc.find(v.Btn, children=["Step"]).widget.click()  # the last week
    assert ui.sim.done and off("Step") and off("Play")
    ui.reset()
    assert not off("Step") and not off("Play")
    rc.close()


def test_pin_the_ensemble_says_why_it_is_off():
    """'Pin the ensemble' was greyed with no word why: before any ensemble, and once the
    inputs changed under the one on screen."""
    from coalition_sim.ui.runs_panel import RunsPanel
    from coalition_sim.ui.session import ensemble_views

    ui = _page("summit_2018")

    def why(latest) -> str:
        _box, rc = solara.render(RunsPanel(ui, [], latest), handle_error=False)
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        off = rc.find(v.Btn, children=["Pin the ensemble"]).widget.disabled
        rc.close()
        note = next((h for h in html if 'id="pin-ensemble-why"' in h), "")
        return f"{off}: {note}"

    assert "True: " in why(None) and "run one in the Ensemble panel first" in why(None)
    ens = ensemble_views(ui.sim, 20)
    assert why(ens).startswith("False: ") and why(ens).endswith(": ")  # on: no note
    assert ui.rebuild("summit_2018", {}, 8) == ""  # another seed: the ensemble is stale
    assert "True: " in why(ens) and "for other inputs: re-run it first" in why(ens)
