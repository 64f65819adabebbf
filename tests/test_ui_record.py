"""The record overlay without a browser: one source (the target file's ``[record]``), the
events inside a run's dates, markers apart from the model's own, the link and the session."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from coalition_sim.calibration.targets import load_targets
from coalition_sim.ui.record import (
    KINDS,
    events_in,
    record_events,
    record_list_html,
    targets_file,
)
from coalition_sim.ui.runs import Inputs
from coalition_sim.ui.session import Sim, page_scenarios
from coalition_sim.ui.state import LinkState, format_query, parse_query
from coalition_sim.ui.theme import MIN_FONT
from coalition_sim.ui.views import series_svg

NS = "{http://www.w3.org/2000/svg}"


def _marks(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{NS}g") if g.get("class") == "cs-record-mark"]


def test_the_overlay_reads_every_dated_entry_of_the_record_and_nothing_else():
    rec = load_targets(targets_file()).record
    dated = {
        *rec.nuclear_tests, *rec.icbm_launches, *(r.date for r in rec.unsc_resolutions),
        rec.summit_cancelled, rec.summit_revived, rec.summit_held, rec.moratorium_announced,
        (rec.model_extra or {})["summit_invitation"], *(m.date for m in rec.milestones),
    }  # fmt: skip
    events, why = record_events()
    assert why == ""
    assert {e.date for e in events} == dated
    assert [e.date for e in events] == sorted(e.date for e in events)
    assert {e.kind for e in events} <= set(KINDS)
    # each names what happened and where it comes from
    by_date = {e.date: e for e in events}
    held = by_date[dt.date(2018, 6, 12)]
    assert held.kind == "summit" and "Singapore" in held.what and "summit_held" in held.source
    # a fact the target file lists without a source cites its public one first
    assert held.source.startswith("Joint Statement of the Singapore summit")
    hwasong15 = by_date[dt.date(2017, 11, 29)]  # Korean time, as the other launches
    assert hwasong15.kind == "icbm_launches" and hwasong15.source.startswith("CNS")
    unsc = [e for e in events if e.kind == "unsc_resolutions"]
    assert {e.source for e in unsc} == {r.source for r in rec.unsc_resolutions}
    moon = [e for e in events if "Moon" in e.what]
    assert moon and moon[0].date == dt.date(2017, 5, 10) and moon[0].source


def test_a_target_file_that_cannot_be_read_gives_a_reason_not_an_error(tmp_path):
    bad = tmp_path / "targets.toml"
    bad.write_text("[record\n")
    events, why = record_events(str(bad))
    assert events == () and "could not be read" in why and "targets.toml" in why


def test_the_history_scenarios_are_in_the_menu_and_carry_the_record():
    names = [n for n, _ in page_scenarios()]
    assert {"history/start_2016", "history/start_2018", "history/calibrated_2016"} <= set(names)
    s16 = Sim.build("history/start_2016", {}, None).scenario
    s18 = Sim.build("history/start_2018", {}, None).scenario
    assert len(events_in(s16)) == len(record_events()[0])  # 2016-18: the whole record
    assert {e.date.year for e in events_in(s18)} == {2018}
    assert events_in(Sim.build("muddling_2020", {}, None).scenario) == []
    assert "no dated event" in record_list_html(Sim.build("muddling_2020", {}, None).scenario)
    with pytest.raises(ValueError, match="unknown scenario"):
        Sim.build("history/../baseline", {}, None)


def test_markers_are_apart_from_the_model_s_own_and_name_date_and_source():
    sim = Sim.build("history/start_2016", {}, None)
    sim.advance_to(90)
    plain = series_svg(sim.model, sim.history)
    svg = series_svg(sim.model, sim.history, record=True)
    assert _marks(plain) == [] and "record-overlay" not in plain
    marks = _marks(svg)
    assert len(marks) == len(events_in(sim.scenario))
    for g, e in zip(marks, events_in(sim.scenario), strict=True):
        tip = g.find(f"{NS}title").text
        assert e.date.isoformat() in tip and e.what in tip and e.source in tip
        assert g.find(f"{NS}rect") is not None  # boxed: the model's symbols are bare text
        assert g.find(f"{NS}text").text == KINDS[e.kind][0]
    # the model's own markers are unchanged by the overlay
    model_marks = lambda s: [  # noqa: E731
        t.text for t in ET.fromstring(s).iter(f"{NS}text") if t.get("class") == "cs-marker"
    ]
    assert model_marks(svg) == model_marks(plain)
    sizes = [float(t.get("font-size")) for t in ET.fromstring(svg).iter(f"{NS}text")]
    assert min(sizes) >= MIN_FONT
    # no two boxes overlap
    boxes = sorted(
        (float(r.get("x")), float(r.get("y"))) for g in marks for r in g.iter(f"{NS}rect")
    )
    for k, (x, y) in enumerate(boxes):
        for x2, y2 in boxes[k + 1 :]:
            assert abs(x2 - x) >= 14 or abs(y2 - y) >= 14


def test_the_list_names_every_event_with_its_date_and_source():
    scn = Sim.build("history/start_2018", {}, None).scenario
    html = record_list_html(scn)
    for e in events_in(scn):
        assert e.date.isoformat() in html and e.source.replace("'", "&#x27;") in html


def test_the_overlay_is_part_of_the_link_and_of_a_saved_session():
    q = format_query(LinkState("history/start_2016", 3, {}, 10, record=True))
    assert "record=1" in q
    names = [n for n, _ in page_scenarios()]
    back = parse_query(q, names)
    assert back is not None and back.record and back.scenario == "history/start_2016"
    assert not parse_query("scenario=baseline", names).record  # off by default
    with pytest.raises(ValueError, match="record must be 0 or 1"):
        parse_query("scenario=baseline&record=yes", names)
    assert Inputs(scenario="baseline", seed=1, record=True).record
