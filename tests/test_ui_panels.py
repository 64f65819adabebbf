"""The page's panels without a browser, as an analyst meets them: what a refused file or
actor leaves behind, Compare's arms, what a shared link's empty panels say."""

from __future__ import annotations

import json

import ipyvuetify as v
import pytest
import solara
from test_ui_page_state import _load_session, _page

from coalition_sim.scenario.loading import ConfigError
from coalition_sim.ui.widgets import NativeSelect


def test_a_scenario_file_the_page_cannot_run_leaves_no_menu_entry():
    """A file of 2,000 weeks (over the page's run budget) was refused, yet 'file: long.toml'
    stayed in the scenario menu, refused again when picked; the refusal did not name the
    file, as the other upload refusals do."""
    from coalition_sim.ui.controls import ScenarioControls
    from coalition_sim.ui.widgets import ScenarioFileInput

    ui = _page("summit_2018")
    _box, rc = solara.render(ScenarioControls(ui), handle_error=False)
    text = 'extends = "baseline"\nname = "long"\nsteps = 2000\n'
    rc.find(ScenarioFileInput).widget.vue_load_file(
        {"name": "long.toml", "size": len(text), "text": text, "utf8": True}
    )
    assert ui.load_error.value.startswith("Refused: long.toml: key 'steps' = 2000: the page "), (
        ui.load_error.value
    )
    assert ui.uploaded.value == {} and ui.sim.source == "summit_2018"
    options = rc.find(NativeSelect).widget.options
    assert "file: long.toml" not in options and "summit_2018" in options
    ok = text.replace("steps = 2000", "steps = 60")
    rc.find(ScenarioFileInput).widget.vue_load_file(
        {"name": "long.toml", "size": len(ok), "text": ok, "utf8": True}
    )
    assert ui.load_error.value == "" and list(ui.uploaded.value) == ["file: long.toml"]
    assert "file: long.toml" in rc.find(NativeSelect).widget.options
    rc.close()


def test_an_added_actor_the_page_cannot_run_leaves_no_menu_entry():
    """A fifth actor on a 1,040-week scenario (the page's budget: 4,160 weeks x actors) was
    refused, yet 'baseline + JPN' stayed in the scenario menu."""
    from coalition_sim.ui.editor_panel import ActorEditor
    from coalition_sim.ui.state import scenario_from_text

    ui = _page("summit_2018")
    text = 'extends = "baseline"\nname = "long"\nsteps = 1040\n'
    ui.uploaded.set({"file: long.toml": scenario_from_text("long.toml", text)})
    assert ui.switch("file: long.toml") == ""
    _box, rc = solara.render(ActorEditor(ui), handle_error=False)
    rc.find(v.Btn, children=["Add the actor"]).widget.click()
    shown = " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert "Refused: " in shown and "the page runs at most 4,160 weeks" in shown, shown
    assert "python run.py run. Nothing was changed." in shown, shown
    assert list(ui.uploaded.value) == ["file: long.toml"] and ui.sim.scenario.name == "long"
    rc.close()


def test_compare_refuses_two_equal_arms():
    """A = B = 0.5 ran both arms and printed ten effects of 0.0 pp: there is nothing to
    compare, and the panel says so instead of running."""
    import asyncio
    import time

    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.state import CompareLink

    ui = _page("summit_2018")

    async def main() -> str:
        _box, rc = solara.render(ComparePanel(ui), handle_error=False)
        ui.take_panel_inputs(CompareLink("actors.USA.hedging", 0.5, 0.5, 20), None)
        rc.find(v.Btn, children=["Compare"]).widget.click()
        deadline = time.monotonic() + 20
        said = ""
        while time.monotonic() < deadline and not said:
            await asyncio.sleep(0.05)
            html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
            said = next((h for h in html if 'id="compare-error"' in h), "")
        ran = any('id="compare-summary"' in (w.unsafe_innerHTML or "")
                  for w in rc.find(solara.widgets.HTML).widgets)  # fmt: skip
        rc.close()
        return said + (" RAN" if ran else "")

    said = asyncio.run(main())
    assert "A and B are both 0.5: set one of them to another value." in said, said
    assert "RAN" not in said


def test_a_link_s_ensemble_and_comparison_are_said_to_need_a_run():
    """A shared link with n=800 and a comparison opened with both panels empty and not a word:
    the reader took the link to have lost its results. Each panel says what the link asks
    for and which button computes it; a link without them says nothing."""
    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.ensemble_panel import EnsemblePanel
    from coalition_sim.ui.state import CompareLink

    def shown(panel, ui) -> str:
        _box, rc = solara.render(panel(ui), handle_error=False)
        html = " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
        rc.close()
        return html

    ui = _page("summit_2018")
    assert "ensemble-asked" not in shown(EnsemblePanel, ui)
    assert "compare-asked" not in shown(ComparePanel, ui)
    ui.ensemble_n.set(800)
    ui.compare.set(CompareLink("actors.USA.hedging", 0.8, 0.2, 300))
    assert (
        "The link asks for an ensemble of 800 replicates of these inputs: press Run replicates"
        in shown(EnsemblePanel, ui)
    )
    assert "The link holds a comparison of these inputs: press Compare" in shown(ComparePanel, ui)
    ui.take_panel_inputs(CompareLink("actors.USA.hedging", 0.7, 0.1, 300), 900)
    assert "The session file asks for an ensemble of 900" in shown(EnsemblePanel, ui)


def test_a_pin_s_name_or_note_cut_to_its_length_is_said():
    """A note of 2,500 characters was kept as its first 2,000 without a word."""
    from coalition_sim.ui.runs_panel import RunsPanel

    ui = _page("summit_2018")
    _box, rc = solara.render(RunsPanel(ui, [], None), handle_error=False)

    def pin(name: str, note: str) -> str:
        rc.find(v.TextField, label="Pin name").widget.v_model = name
        rc.find(v.TextField, label="Note").widget.v_model = note
        rc.find(v.Btn, children=["Pin this run"]).widget.click()
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        return next(h for h in html if 'id="runs-message"' in h)

    said = pin("short", "n" * 2500)
    assert "Pinned &#x27;short&#x27;; its note was cut to 2,000 characters." in said, said
    assert len(ui.pins.value[-1].note) == 2000
    said = pin("x" * 90, "fine")
    assert "its name was cut to 80 characters." in said and len(ui.pins.value[-1].name) == 80
    assert pin("plain", "fine").endswith("Pinned &#x27;plain&#x27;.</div>")
    rc.close()


def test_an_added_actor_s_name_cut_to_its_length_is_said():
    """An actor name of 70 characters was kept as its first 60 without a word."""
    from coalition_sim.ui.editor_panel import ActorEditor

    ui = _page("baseline")
    _box, rc = solara.render(ActorEditor(ui), handle_error=False)
    rc.find(v.TextField, label="Actor name").widget.v_model = "J" * 70
    rc.find(v.Btn, children=["Add the actor"]).widget.click()
    html = " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert "Its name was cut to 60 characters." in html, html
    assert ui.sim.scenario.actors[-1].name == "J" * 60
    rc.close()


def test_ensemble_and_compare_say_the_posterior_switch_in_their_introductions():
    """With parameter uncertainty on, the Ensemble read 'Many replicates of the current inputs
    (baseline, seed 7, scenario defaults)' and Compare '... on screen (baseline, seed 7,
    scenario defaults)': nothing said the replicates draw their fitted parameters."""
    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.ensemble_panel import EnsemblePanel
    from coalition_sim.ui.session import posterior_digest

    def intro(ui, panel, start: str) -> str:
        _box, rc = solara.render(panel(ui), handle_error=False)
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        rc.close()
        return next(h for h in html if start in h)

    sha8 = posterior_digest()[:8]
    for posterior, words in (
        (True, f"fitted parameters drawn from the posterior (posterior.parquet sha256 {sha8})"),
        (False, "fixed parameters"),
    ):
        ui = _page("baseline", posterior=posterior)
        for panel, start in ((EnsemblePanel, "Many replicates"), (ComparePanel, "Two settings")):
            text = intro(ui, panel, start)
            assert f"(baseline, seed 7, scenario defaults, {words})" in text, text


def test_the_replicate_table_names_each_replicate_s_posterior_particle():
    """With the posterior on, the replicate CSV had a column 'row' (0, 1, 2, ...: the
    replicate's index again, read as a posterior row) and no word of the particle each
    replicate drew, though the status line names the run's ('particle 88 of 400')."""
    import io

    import pandas as pd

    from coalition_sim.ui.ensemble_panel import replicate_rows
    from coalition_sim.ui.session import Sim, ensemble_views, shipped_posterior
    from coalition_sim.ui.state import ensemble_replicates_csv

    sim = Sim.build("baseline", {}, 7, posterior=True)
    res = ensemble_views(sim, 30, posterior=True)
    reps = pd.read_csv(io.StringIO(ensemble_replicates_csv(res)))
    assert list(reps.columns[:3]) == ["replicate", "replicate_seed", "posterior_particle"]
    assert "row" not in reps.columns
    drawn = shipped_posterior().draw(res["seeds"])
    assert reps["posterior_particle"].tolist() == [int(k) for k in drawn]
    assert reps["posterior_particle"].nunique() > 1
    # the run on screen draws as a replicate of its seed does: the status line's number
    assert f"particle {int(shipped_posterior().draw([7])[0])} of" in sim.posterior
    head, rows = replicate_rows(res)
    assert head[:3] == ["replicate", "seed", "posterior particle"]
    assert [r[2] for r in json.loads(rows)] == reps["posterior_particle"].tolist()
    fixed = ensemble_views(Sim.build("baseline", {}, 7), 30)
    plain = pd.read_csv(io.StringIO(ensemble_replicates_csv(fixed)))
    assert "posterior_particle" not in plain.columns and "row" not in plain.columns
    assert replicate_rows(fixed)[0][:3] == ["replicate", "seed", "summit held"]


def test_compare_says_whether_the_lever_is_a_fitted_parameter():
    """With the posterior on, Compare told every lever 'its own posterior spread is set
    aside', though only actors.USA.hedging of its levers is fitted: ROK mediation has no
    posterior spread, and hedging's note did not say it was drawn."""
    from coalition_sim.ui.compare_panel import ComparePanel
    from coalition_sim.ui.session import lever_spread_words, shipped_posterior

    assert "actors.USA.hedging" in shipped_posterior().names
    assert "actors.ROK.mediation" not in shipped_posterior().names
    fitted, plain = (
        lever_spread_words("actors.USA.hedging"),
        lever_spread_words("actors.ROK.mediation"),
    )
    assert "is a fitted parameter" in fitted and "instead of its posterior draw" in fitted
    assert "is not a fitted parameter" in plain and "draw" in plain and "set aside" not in plain

    def note(ui) -> str:
        _box, rc = solara.render(ComparePanel(ui), handle_error=False)
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        rc.close()
        return next(h for h in html if 'id="compare-lever-value"' in h)

    shown = note(_page("baseline", posterior=True))
    assert "actors.USA.hedging" in shown and fitted.strip() in shown, shown
    assert "fitted parameter" not in note(_page("baseline"))


def test_the_posterior_note_names_what_it_draws_and_what_the_page_set():
    """The note beside the switch read 'Draws from posterior.parquet sha256 ...' alone: not
    which parameters are drawn, nor that 'USA hedges a cancellation' set on the page (a
    fitted parameter) kept that value in every replicate instead of its draw."""
    from coalition_sim.ui.ensemble_panel import posterior_note_html
    from coalition_sim.ui.session import Sim, posterior_digest, shipped_posterior

    names = shipped_posterior().names
    plain = Sim.build("baseline", {}, 7, posterior=True)
    note = posterior_note_html(plain.posterior_sha256, plain)
    assert f"{len(names)} fitted parameters (" in note and all(n in note for n in names)
    assert "Set on the page" not in note
    both = {"actors.USA.hedging": 0.3, "params.fatigue.growth": 0.1}  # fitted, not fitted
    sim = Sim.build("baseline", both, 7, posterior=True)
    note = posterior_note_html(sim.posterior_sha256, sim)
    assert (
        "Set on the page, so not drawn: USA hedges a cancellation (actors.USA.hedging) keeps "
        "its value in every replicate." in note
    ), note
    assert "fatigue" not in note.split("Set on the page")[1]
    assert posterior_digest()[:8] in note


def test_a_session_file_says_when_it_was_saved_with_another_model_or_posterior():
    """A session file kept `posterior: true` but not which model and posterior file drew its
    pins: loaded after a refit or an upgrade, the same inputs gave other results without a
    word. The file now records both; a load under others says so, the same says nothing
    more, a file saved before they were kept still loads, and a malformed digest is refused."""
    from coalition_sim.scenario.provenance import package_version
    from coalition_sim.ui.runs import made_here, read_session, session_json
    from coalition_sim.ui.runs_panel import RunsPanel
    from coalition_sim.ui.session import posterior_digest

    ui = _page("summit_2018")
    here = made_here(package_version(), posterior_digest())
    assert len(here.posterior_sha256) == 64 and here.version == package_version()
    saved = session_json(ui.inputs(), [], made_with=here)
    assert read_session("s.json", saved, ui.names).made_with == here  # round trip
    _box, rc = solara.render(RunsPanel(ui, ui.pins.value, None), handle_error=False)

    def load(body: str) -> str:
        return _load_session(rc, body)

    assert "It was saved with" not in load(saved)
    older = json.loads(saved)
    older["made_with"] = {"version": "0.5.3", "posterior_sha256": "ab" * 32}
    said = load(json.dumps(older))
    assert (
        f"It was saved with coalition-sim 0.5.3 (this page runs {package_version()}) and "
        f"posterior.parquet sha256 abababab (this page has {here.posterior_sha256[:8]}): its "
        "pins show what that gave, and the same inputs may give other results here." in said
    ), said
    del older["made_with"]  # saved before the file kept it
    said = load(json.dumps(older))
    assert "Loaded s.json" in said and "It was saved with" not in said, said
    older["made_with"] = {"version": "0.5.4", "posterior_sha256": "not a digest"}
    said = load(json.dumps(older))
    assert "Refused: s.json: " in said and "made_with.posterior_sha256" in said, said
    assert "Nothing was changed." in said
    rc.close()


def _crowd_toml(n: int = 60) -> str:
    """The baseline and ``n`` more actors, every pair tied: a 150 kB scenario at n = 60."""
    ids = [f"A{i:02d}" for i in range(n)]
    lines = ['extends = "baseline"', 'name = "crowd"', "steps = 52"]
    for a in ids:
        lines += ["[[actors]]", f'id = "{a}"', f'name = "Actor {a}"', 'role = "member"',
                  "capability = 0.001", "commitment = 0.5", "engagement = 0.3",
                  "volatility = 0.1", "conformity = 0.5",
                  "interests = { security = 0.4, economy = 0.3, prestige = 0.1, stability = 0.2 }"]  # fmt: skip
    everyone = ["USA", "DPRK", "ROK", "PRC", *ids]
    for i, a in enumerate(everyone):
        for b in everyone[max(i + 1, 4) :]:
            lines += ["[[ties]]", f'a = "{a}"', f'b = "{b}"', 'type = "partner"', "strength = 0.3"]
    return "\n".join(lines) + "\n"


def test_save_says_when_the_session_would_be_too_large_to_load_again():
    """Each pin of an uploaded scenario keeps its whole file: six pins of a 64-actor upload
    made a 1.1 MB session that Save wrote without a word and Load then refused."""
    from coalition_sim.scenario.provenance import package_version
    from coalition_sim.ui.runs import made_here, pin_run, read_session, session_json
    from coalition_sim.ui.runs_panel import RunsPanel
    from coalition_sim.ui.session import Sim, posterior_digest
    from coalition_sim.ui.state import MAX_UPLOAD_BYTES, scenario_from_text

    scn = scenario_from_text("crowd.toml", _crowd_toml())
    sim = Sim.build(scn, {}, 1)
    inputs = {"scenario": "file: crowd.toml", "seed": 1, "values": {}, "posterior": False,
              "week": 0, "record": False}  # fmt: skip
    pin = pin_run(sim, inputs, "crowd", "", scn)
    ui = _page("summit_2018")
    many = [pin.model_copy(update={"name": f"crowd {k}"}) for k in range(8)]
    here = made_here(package_version(), posterior_digest())
    text = session_json(ui.inputs(), many, made_with=here)  # what Save writes
    assert len(text.encode()) > MAX_UPLOAD_BYTES
    with pytest.raises(ConfigError, match="a session file may be at most 1,000,000 bytes"):
        read_session("s.json", text, ui.names)
    ui.pins.set(many)
    _box, rc = solara.render(RunsPanel(ui, ui.pins.value, None), handle_error=False)

    def note() -> list[str]:
        html = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
        return [h for h in html if 'id="session-too-large"' in h]

    (said,) = note()
    assert f"would be a file of {len(text.encode()):,} bytes, over the 1,000,000" in said, said
    assert "each pin of an uploaded scenario keeps its whole file" in said
    ui.pins.set(many[:2])  # small enough: loads again, and nothing is said
    assert note() == []
    read_session("s.json", session_json(ui.inputs(), many[:2]), ui.names)
    rc.close()
