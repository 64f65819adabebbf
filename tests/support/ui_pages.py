"""Page helpers shared by the browser test modules of the workbench (open a page, read the
week, wait for text, step, download, axe-core): one copy for tests/test_ui_keep.py and
tests/test_ui_workbench.py."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

AXE = Path(__file__).resolve().parent / "axe-core" / "axe.min.js"
WEEK = "document.querySelector('#cs-status').dataset.week"


def open_page(chromium, url, width=1440, height=1200, touch=False):
    context = chromium.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True, has_touch=touch
    )
    pg = context.new_page()
    pg.goto(url)
    pg.wait_for_selector("#alliance-graph", timeout=60_000)
    pg.wait_for_selector(".cs-step:not([disabled])", state="attached", timeout=120_000)
    return pg


def week(pg) -> int:
    return int(pg.evaluate(WEEK))


def wait_text(pg, selector: str, text: str, timeout: float = 30_000) -> None:
    """Wait until the element's text contains ``text`` (widgets update one message at a time:
    never assert on a second widget right after waiting for the first)."""
    pg.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return e && e.innerText.includes(t); }",
        arg=[selector, text], timeout=timeout,
    )  # fmt: skip


def enter(pg, selector: str, value: str, until: str, tries: int = 3) -> None:
    """Type ``value`` into the input and press Enter until ``until`` (a JS expression on what
    the server sent back: the link, the status line) holds. The inputs are re-drawn as the
    server's messages arrive: a value typed into an input that is being replaced is lost, so a
    lost entry is typed again (setting the same value twice is harmless); the last try's
    timeout is raised."""
    for attempt in range(tries):
        field = pg.locator(selector)
        field.fill(value)
        field.press("Enter")
        try:
            pg.wait_for_function(until, timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise


def step(pg, n: int, tries: int = 3) -> None:
    """Step ``n`` weeks, each waited for. A click on a Step button the server is re-drawing
    (just after an upload or a changed input) is lost under load: the week does not move, so
    the click is made again; a click that was only slow moves the week before the retry
    (15 s), and the last try's timeout is raised."""
    for _ in range(n):
        w = week(pg)
        for attempt in range(tries):
            pg.click(".cs-step")
            try:
                pg.wait_for_function(f"{WEEK} !== '{w}'", timeout=15_000)
                break
            except PlaywrightTimeout:
                if week(pg) != w:  # moved just after the wait gave up
                    break
                if attempt == tries - 1:
                    raise


#: True when no button is busy or fading, and none has been for 400 ms. A run button is busy
#: (``aria-disabled="true"``, opacity .65, exempt from contrast as an inactive control) until
#: the server's message that ends the run, which may land after the results it sent first; it
#: then fades back over Vuetify's 0.28 s transition. axe-core run in either instant measured the
#: label's contrast at a part-way opacity (seen under load: a colour-contrast violation on
#: ``.cs-run-ensemble``, once after the wait for fading buttons alone). A button disabled
#: outright (``disabled``: nothing to undo, the model still compiling) stays as it is.
SETTLED = """() => {
    const now = performance.now();
    const calm = [...document.querySelectorAll('.v-btn')].every(b => b.disabled
        || (b.getAttribute('aria-disabled') !== 'true' && getComputedStyle(b).opacity === '1'));
    if (!calm || window.__csCalmSince === undefined) window.__csCalmSince = calm ? now : undefined;
    return calm && now - window.__csCalmSince >= 400;
}"""


def axe(pg) -> list[dict]:
    """axe-core's serious and critical violations of the page once its buttons have settled."""
    pg.evaluate("window.__csCalmSince = undefined")
    pg.wait_for_function(SETTLED, timeout=30_000, polling=50)
    pg.add_script_tag(path=str(AXE))
    return pg.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"""
    )


def download(pg, label: str, dest: Path, tries: int = 3) -> Path:
    """Click the download button ``label`` and save what it sends into ``dest``. As with
    :func:`step`, a click on a button the server is re-drawing (the export buttons are drawn
    again when a new ensemble arrives) is lost under load: no download starts, so the click is
    made again (a second download of the same table is harmless); the last try's timeout is
    raised."""
    for attempt in range(tries):
        try:
            with pg.expect_download(timeout=20_000) as info:
                pg.get_by_role("button", name=label).click()
            break
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
    path = dest / info.value.suggested_filename
    info.value.save_as(path)
    return path
