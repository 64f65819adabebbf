"""Hostile input typed into every field of the page runs no script (issue 15, case 6).

Every free-text field (Seed, Replicates, 'Set any parameter' as key, as value, and as a value
the page accepts and lists - a scenario's name or description) receives markup that would run
script if it reached the page unescaped. The test listens for dialogs (``alert``) and checks
that no injected element appeared.
"""

from __future__ import annotations

import pytest
from support.ui_harness import browser, js_click_until, serve

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "<script>alert(3)</script>",
    "'><iframe src=javascript:alert(4)>",
]
INJECTED = "img[src='x'], svg[onload], iframe[src^='javascript'], script"
WEEK = "document.querySelector('#cs-status').dataset.week"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    log = tmp_path_factory.mktemp("ui-hostile") / "server.log"
    with serve(log=log) as url, browser() as chromium:
        context = chromium.new_context(viewport={"width": 1440, "height": 1000})
        pg = context.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.dialogs = dialogs
        pg.goto(url)
        pg.wait_for_selector("#alliance-graph", timeout=60_000)
        yield pg
        context.close()


def _field(page, label: str):
    return page.locator(".v-text-field", has_text=label).locator("input").first


def _injected(page) -> int:
    return page.evaluate(
        f"""() => [...document.querySelectorAll("{INJECTED}")]
              .filter(e => e.tagName !== 'SCRIPT' || e.textContent.includes('alert(')).length"""
    )


def _assert_clean(page) -> None:
    page.wait_for_timeout(300)  # let any injected handler fire
    assert page.dialogs == [], page.dialogs
    assert _injected(page) == 0


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_seed(page, payload):
    box = _field(page, "Seed")
    box.fill(payload)
    box.press("Enter")
    page.get_by_text("Seed must be a whole number").first.wait_for()
    _assert_clean(page)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_replicates(page, payload):
    box = _field(page, "Replicates")
    box.fill(payload)
    box.press("Enter")
    # Run the ensemble with the hostile count: the refusal naming this payload must appear
    # (the message of the previous payload may still be on screen until then), and the
    # field's error line shows the payload as text, not as markup.
    page.evaluate("document.querySelector('.cs-run-ensemble').click()")
    message = page.get_by_text("Replicates must be a whole number").filter(has_text=payload)
    message.first.wait_for(timeout=30_000)
    assert payload in message.first.inner_text()
    _assert_clean(page)


@pytest.mark.parametrize(
    "entry",
    [
        *(f"params.fatigue.growth={p}" for p in PAYLOADS),  # refused value
        *(f"{p}=1" for p in PAYLOADS),  # refused key
        *(f'description="{p}"' for p in PAYLOADS),  # accepted and listed
        *(f'name="{p}"' for p in PAYLOADS),  # accepted and shown in the status line
    ],
)
def test_hostile_parameter(page, entry):
    box = _field(page, "Set any parameter")
    box.fill(entry)
    box.press("Enter")
    page.wait_for_timeout(400)
    _assert_clean(page)


def test_a_corrected_replicates_field_drops_its_refusal(page):
    """The refusal of 'Replicates = 0' stayed under the field, in red, after the field was
    corrected to 500 (until the next run): the field's message must follow its text."""
    box = _field(page, "Replicates")
    box.fill("0")
    page.evaluate("document.querySelector('.cs-run-ensemble').click()")
    refusal = page.get_by_text("Replicates must be a whole number").filter(has_text="'0'")
    refusal.first.wait_for(timeout=30_000)
    box.fill("500")
    box.press("Enter")
    refusal.first.wait_for(state="detached", timeout=10_000)
    assert page.get_by_text("Replicates must be a whole number").count() == 0


def test_page_still_works_after_the_hostile_input(page):
    w = int(page.evaluate(WEEK))
    js_click_until(page, ".cs-step", WEEK)
    assert int(page.evaluate(WEEK)) == w + 1
    _assert_clean(page)
