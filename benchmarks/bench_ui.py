"""Measure the interactive simulation in a real browser (Debian Chromium via Playwright).

    .venv/bin/python benchmarks/bench_ui.py [--tries 5] [--only ensemble,compare]

Prints medians of several tries of: page-load time (navigation -> alliance graph shown),
Step latency (click -> new week on screen, timed in the page frame by frame), Play rate
(distinct weeks shown per second over 3 s, at the default and the highest speed setting,
with every view updating), ensemble-panel time (click -> outcome bars shown, 500 x 104) and
Compare time (click -> effects shown, 500 replicates x 2 arms x 104 weeks); also how long
the server's model warm-up took, and the load average before and after (the machine is
shared: report the figures with it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# one BLAS thread, in this process and in the server it starts (timings on a shared machine)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from tests.support.ui_harness import browser, js_click_until, serve  # noqa: E402

WEEK = "document.querySelector('#cs-status').dataset.week"
# the run number changes with every click even when the text (and its timing) does not
SUMMARY = "((e) => e ? e.dataset.run + ' ' + e.innerText : '')(document.querySelector('#ensemble-summary'))"
COMPARE = "(document.querySelector('#compare-summary') || {innerText: ''}).innerText"

#: Count the distinct weeks the page shows, frame by frame, for ``ms`` milliseconds; also
#: check that the graph and the time series changed with them.
_PLAY_RATE = """
async (ms) => {
  const week = () => document.querySelector('#cs-status').dataset.week;
  const graph = () => document.querySelector('#alliance-graph').outerHTML;
  const series = () => document.querySelector('#time-series').outerHTML;
  const seen = new Set(); let g = new Set(); let s = new Set();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    seen.add(week()); g.add(graph()); s.add(series());
    await new Promise(r => requestAnimationFrame(r));
  }
  return [seen.size - 1, g.size - 1, s.size - 1, (performance.now() - t0) / 1000];
}
"""


def set_speed(page, fraction: float) -> None:
    slider = page.locator(".v-slider").first  # the Play speed slider comes first
    box = slider.bounding_box()
    slider.click(position={"x": max(1, box["width"] * fraction - 1), "y": box["height"] / 2})


def play_rate(page, seconds: float = 3.0) -> tuple[float, int, int]:
    page.click(".cs-reset")
    page.wait_for_function(f"{WEEK} === '0'")
    page.click(".cs-play")
    page.wait_for_selector(".cs-pause")
    weeks, graphs, series, elapsed = page.evaluate(_PLAY_RATE, seconds * 1000)
    page.click(".cs-pause")
    page.wait_for_selector(".cs-play")
    return weeks / elapsed, graphs, series


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tries", type=int, default=5)
    ap.add_argument(
        "--only", default="load,step,play,ensemble,compare",
        help="comma-separated measures to take (default: all of them)",
    )  # fmt: skip
    args = ap.parse_args()
    only = set(args.only.split(","))
    unknown = only - {"load", "step", "play", "ensemble", "compare"}
    if unknown:
        ap.error(
            f"--only: unknown measure {sorted(unknown)[0]!r} (load, step, play, ensemble, compare)"
        )
    load_before = os.getloadavg()
    t_server = time.perf_counter()
    with serve() as url, browser() as b:
        ctx = b.new_context(viewport={"width": 1440, "height": 1000})
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_selector(".cs-step:not([disabled])", timeout=600_000)  # warm-up done
        warm = time.perf_counter() - t_server
        ctx.close()
        loads = []
        for _ in range(args.tries if "load" in only else 0):
            ctx = b.new_context(viewport={"width": 1440, "height": 1000})
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("#alliance-graph", timeout=60_000)
            loads.append(time.perf_counter() - t0)
            ctx.close()
        ctx = b.new_context(viewport={"width": 1440, "height": 1000})
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_selector("#alliance-graph", timeout=60_000)
        steps = [
            js_click_until(page, ".cs-step", WEEK)
            for _ in range(max(15, args.tries) if "step" in only else 0)
        ]
        plays = max(1, args.tries // 2) if "play" in only else 0
        default_rates = [play_rate(page) for _ in range(plays)]
        if plays:
            set_speed(page, 1.0)
        max_rates = [play_rate(page) for _ in range(plays)]
        ens = []
        for _ in range(args.tries if "ensemble" in only else 0):
            ens.append(js_click_until(page, ".cs-run-ensemble", SUMMARY, 60_000))
            page.wait_for_selector(".cs-run-ensemble:not([disabled])")
        cmp = []
        for k in range(args.tries if "compare" in only else 0):
            # a different B each time: the summary text changes, so the click is timed to it
            b_field = page.locator(".cs-number-b")
            b_field.fill(f"{0.1 * (k % 5):.1f}")
            b_field.press("Enter")
            cmp.append(js_click_until(page, ".cs-run-compare", COMPARE, 60_000))
            page.wait_for_selector(".cs-run-compare:not([disabled])")
        ctx.close()
    load_after = os.getloadavg()

    def med(xs):
        return statistics.median(xs) if xs else float("nan")

    if loads:
        print(f"page load (navigation -> graph shown):  {med(loads):.2f} s   (tries: {len(loads)})")
    if steps:
        print(
            f"Step latency (click -> new week shown): {med(steps):.0f} ms  (max {max(steps):.0f} ms)"
        )
    for label, rates in (("default speed 10/s", default_rates), ("speed 30/s", max_rates)):
        if not rates:
            continue
        r = med([x[0] for x in rates])
        g = med([x[1] for x in rates])
        s = med([x[2] for x in rates])
        print(
            f"Play rate, {label}:        {r:.1f} weeks/s shown "
            f"(graph redrawn {g}x, time series {s}x in 3 s)"
        )
    if ens:
        print(f"ensemble panel, 500 x 104 (click -> bars): {med(ens) / 1000:.2f} s  (all: "
              + ", ".join(f"{x / 1000:.2f}" for x in ens) + ")")  # fmt: skip
    if cmp:
        print(f"Compare, 500 x 2 arms x 104 (click -> effects): {med(cmp) / 1000:.2f} s  (all: "
              + ", ".join(f"{x / 1000:.2f}" for x in cmp) + ")")  # fmt: skip
    print(f"server start -> model warm (buttons awake): {warm:.1f} s")
    print(
        "load average (1/5/15 min) before: {:.2f} {:.2f} {:.2f}, after: {:.2f} {:.2f} {:.2f}".format(
            *load_before, *load_after
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
