"""The interactive simulation in a real browser: Solara server + Debian Chromium via Playwright.

One server and one browser page for the module; the tests run in file order, as a person
would use the page: load, step, play/pause, move a slider, bad input, switch scenario, a
second session, the ensemble panel, and a screenshot for the README.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support.ui_harness import browser, js_click_until, serve

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "outputs" / "screenshots" / "ui.png"  # gitignored test artifact
WEEK = "document.querySelector('#cs-status').dataset.week"
GRAPH = "document.querySelector('#alliance-graph').outerHTML"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("ui") / "server.log"
    with serve(log=log) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def page(app_url, chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.requests = requests
    pg.goto(app_url)
    pg.wait_for_selector("#alliance-graph", timeout=60_000)
    yield pg
    context.close()


def week(page) -> int:
    return int(page.evaluate(WEEK))


def status(page) -> str:
    return page.inner_text("#cs-status")


def test_page_opens_with_baseline_ready_and_offline(page, app_url):
    assert re.search(r"Week 0\s+of 104", status(page))
    assert "baseline" in status(page)
    badges = page.inner_text(".cs-badges")
    for text in ("DPRK", "Summit", "US leader", "domain of", "Next US election"):
        assert text in badges
    graph = page.locator("#alliance-graph")
    assert graph.is_visible()
    for actor in ("USA", "DPRK", "ROK", "PRC"):
        assert graph.locator(f'g.actor[data-actor="{actor}"]').count() == 1
    assert "No events yet" in page.inner_text(".cs-timeline")
    # every asset came from the app's own server: nothing from a CDN
    host = urlparse(app_url).netloc
    foreign = [u for u in page.requests if urlparse(u).netloc not in (host, "")]
    assert not [u for u in foreign if not u.startswith(("data:", "blob:"))], foreign


def test_step_updates_every_view(page):
    graph0 = page.evaluate(GRAPH)
    series0 = page.inner_html("#time-series")
    ms = js_click_until(page, ".cs-step", WEEK)
    assert ms > 0
    assert week(page) == 1
    assert "Week 1" in status(page)
    page.wait_for_function(f"{GRAPH} !== {graph0!r}".replace("\n", " "))
    assert page.inner_html("#time-series") != series0
    for _ in range(5):
        js_click_until(page, ".cs-step", WEEK)
    assert week(page) == 6
    assert page.locator(".cs-timeline tr.cs-ev").count() > 0  # dated events appear


def test_play_then_pause(page):
    start = week(page)
    page.click(".cs-play")
    page.wait_for_selector(".cs-pause")
    time.sleep(1.5)
    page.click(".cs-pause")
    page.wait_for_selector(".cs-play")
    moved = week(page) - start
    assert moved >= 5, f"only {moved} weeks in 1.5 s of Play"
    time.sleep(0.5)
    paused = week(page)
    time.sleep(0.5)
    assert week(page) == paused  # really paused


def test_slider_changes_parameter_and_restarts(page):
    knob = page.locator(".cs-knob-params-fatigue-growth")
    before = knob.inner_text()
    assert "Sanctions fatigue growth: 0.06" in before
    slider = knob.locator(".v-slider")
    box = slider.bounding_box()
    slider.click(position={"x": box["width"] * 0.5, "y": box["height"] / 2})
    page.wait_for_function(
        "!document.querySelector('.cs-knob-params-fatigue-growth').innerText"
        ".includes('growth: 0.06')"
    )
    value = float(re.search(r"growth: ([0-9.]+)", knob.inner_text()).group(1))
    assert 0.3 < value < 0.7
    page.wait_for_function(f"{WEEK} === '0'")  # new parameters: the run restarts


def test_bad_seed_shows_inline_message_and_model_keeps_running(page):
    seed = page.locator(".cs-seed input")
    seed.fill("abc")
    seed.press("Enter")
    msg = page.get_by_text("Seed must be a whole number")
    msg.wait_for()
    assert msg.is_visible()
    assert "seed 20180524" in status(page)
    w = week(page)
    js_click_until(page, ".cs-step", WEEK)
    assert week(page) == w + 1
    seed.fill("7")
    seed.press("Enter")
    page.wait_for_function("document.querySelector('#cs-status').innerText.includes('seed 7')")
    page.get_by_text("Seed must be a whole number").wait_for(state="hidden")


def test_refused_parameter_shows_inline_message(page):
    box = page.locator(".cs-override input")
    box.fill("actors.USA.interests.security=0.9")
    box.press("Enter")
    page.wait_for_selector("#param-error")
    assert "sum to 1" in page.inner_text("#param-error")
    w = week(page)
    js_click_until(page, ".cs-step", WEEK)
    assert week(page) == w + 1  # the running model is unharmed


def test_switch_scenario(page):
    graph0 = page.evaluate(GRAPH)
    page.click(".cs-scenario")
    page.locator(".v-menu__content .v-list-item", has_text="regional_six").click()
    page.wait_for_function(
        "document.querySelector('#cs-status').innerText.includes('regional_six')"
    )
    assert week(page) == 0
    assert page.locator('#alliance-graph g.actor[data-actor="JPN"]').count() == 1
    assert page.evaluate(GRAPH) != graph0
    assert "seed" in status(page)


def test_each_session_has_its_own_model(page, chromium, app_url):
    js_click_until(page, ".cs-step", WEEK)
    js_click_until(page, ".cs-step", WEEK)
    assert week(page) == 2
    other = chromium.new_context().new_page()
    try:
        other.goto(app_url)
        other.wait_for_selector("#alliance-graph", timeout=60_000)
        assert week(other) == 0 and "baseline" in other.inner_text("#cs-status")
        other.click(".cs-step")
        other.wait_for_function(f"{WEEK} === '1'")
    finally:
        other.context.close()
    assert week(page) == 2 and "regional_six" in status(page)


def test_ensemble_panel_and_screenshot(page):
    page.click(".cs-scenario")
    page.locator(".v-menu__content .v-list-item", has_text="baseline").click()
    page.wait_for_function("document.querySelector('#cs-status').innerText.includes('baseline')")
    for _ in range(30):
        js_click_until(page, ".cs-step", WEEK)
    ms = js_click_until(
        page, ".cs-run-ensemble", "document.querySelectorAll('#outcome-bars').length", 30_000
    )
    assert ms > 0
    summary = page.inner_text("#ensemble-summary")
    assert summary.startswith("500 replicates")
    bars = page.locator("#outcome-bars rect.bar")
    assert bars.count() == 10
    widths = [float(bars.nth(k).get_attribute("width")) for k in range(bars.count())]
    assert any(w > 0 for w in widths)
    assert page.locator("#fan-effective_pressure polygon").count() == 1
    assert page.locator("#fan-cohesion polygon").count() == 1
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 1800})
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert 0 < SCREENSHOT.stat().st_size < 300_000
