"""Fair serving under load: 10 browser sessions, one running the largest allowed ensemble.

    .venv/bin/python benchmarks/bench_serving.py [--sessions 10] [--seconds 20]
        [--replicates N] [--root DIR]

One real UI server (``python -m solara run``) and one headless Debian Chromium with
``--sessions`` tabs. Phase 1 (quiet): the other tabs click Step in turn and each click's
latency (click -> new week on screen, timed in the page) is recorded. Phase 2 (loaded): tab 0
runs the largest ensemble the page allows for the baseline (or ``--replicates``) again and
again while the other tabs keep stepping. Then tab 0 is closed and the server's memory is read
again. Reports Step latency percentiles (median, p95, max) in both phases, the server's
resident memory (quiet, peak under load, 5 s after the heavy tab closed) and the load average.

``--root`` serves another checkout of the package (e.g. an export of main) for a side-by-side
run with the same browser and the same request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

import psutil  # noqa: E402

from tests.support.ui_harness import browser, free_port, js_click_until  # noqa: E402

WEEK = "document.querySelector('#cs-status').dataset.week"
SUMMARY = "(document.querySelector('#ensemble-summary') || {innerText: ''}).innerText"


def _serve(root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [
        sys.executable, "-m", "solara", "run", "coalition_sim.ui.app:Page", "--host",
        "127.0.0.1", "--port", str(port), "--production", "--no-open", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("UI server did not start") from None
            time.sleep(0.3)


class RssSampler(threading.Thread):
    """Peak resident memory of the server process tree, sampled every 100 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def rss(self) -> int:
        procs = [self.proc, *self.proc.children(recursive=True)]
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
        return total

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.1)


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def _step_round(pages: list, lat: list[float]) -> None:
    for pg in pages:
        if int(pg.evaluate(WEEK)) >= 100:
            pg.click(".cs-reset")
            pg.wait_for_function(f"{WEEK} === '0'")
        ms = js_click_until(pg, ".cs-step", WEEK, 60_000)
        lat.append(ms if ms >= 0 else 60_000.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--replicates", type=int, default=None)
    ap.add_argument("--root", type=Path, default=HERE)
    args = ap.parse_args()
    root = args.root.resolve()
    if args.replicates is None:
        sys.path.insert(0, str(root))
        from coalition_sim.scenario.library import resolve_scenario
        from coalition_sim.ui import serving

        args.replicates = serving.max_replicates(resolve_scenario("baseline"))
    proc, url = _serve(root)
    sampler = RssSampler(proc.pid)
    try:
        with browser() as b:
            pages = []
            for _ in range(args.sessions):
                ctx = b.new_context(viewport={"width": 1280, "height": 900})
                pg = ctx.new_page()
                pg.goto(url)
                pg.wait_for_selector("#alliance-graph", timeout=90_000)
                pages.append((ctx, pg))
            heavy_ctx, heavy = pages[0]
            others = [pg for _, pg in pages[1:]]
            for pg in others:  # warm-up: one step each
                js_click_until(pg, ".cs-step", WEEK, 60_000)
            quiet_rss = sampler.rss()
            quiet: list[float] = []
            t0 = time.monotonic()
            while time.monotonic() - t0 < min(10.0, args.seconds / 2):
                _step_round(others, quiet)
            box = heavy.locator(".v-text-field", has_text="Replicates").locator("input").first
            box.fill(str(args.replicates))
            sampler.start()
            loaded: list[float] = []
            runs, refused = 0, ""
            t0 = time.monotonic()
            heavy.click(".cs-run-ensemble")
            while time.monotonic() - t0 < args.seconds:
                _step_round(others, loaded)
                text = heavy.evaluate("document.body.innerText")
                if "over this page's budget" in text or "must be a whole number" in text:
                    refused = "refused by the page's budget"
                    break
                if heavy.locator(".cs-run-ensemble:not([disabled])").count():
                    if heavy.evaluate(SUMMARY):
                        runs += 1
                    heavy.click(".cs-run-ensemble")
            while heavy.locator(".cs-run-ensemble[disabled]").count():  # let the last one end
                _step_round(others, loaded)
            runs += 1
            summary = heavy.evaluate(SUMMARY)
            sampler.stop.set()
            heavy_ctx.close()
            time.sleep(5)
            after_rss = sampler.rss()
            for ctx, _ in pages[1:]:
                ctx.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    mb = 2**20
    load = os.getloadavg()
    print(f"server: {root}")
    print(
        f"sessions: {args.sessions} (1 heavy: {args.replicates} replicates of baseline "
        f"104 weeks x 4 actors, {runs} run(s){'; ' + refused if refused else ''})"
    )
    print(f"last ensemble summary: {summary!r}")
    for label, xs in (("quiet", quiet), ("during the heavy ensemble", loaded)):
        print(
            f"Step latency {label}: n={len(xs)} median {statistics.median(xs):.0f} ms, "
            f"p95 {_pct(xs, 0.95):.0f} ms, max {max(xs):.0f} ms"
        )
    print(
        f"server memory (RSS): quiet {quiet_rss / mb:.0f} MB, peak under load "
        f"{sampler.peak / mb:.0f} MB, 5 s after the heavy tab closed {after_rss / mb:.0f} MB"
    )
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
